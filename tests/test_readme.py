"""The README as a new user reads it, in a fresh clone: its links and commands work, and a
bare build leaves nothing for git to report."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def _anchors(markdown: str) -> set[str]:
    """GitHub's anchors for the headings of ``markdown``."""
    headings = re.findall(r"^#+ (.+)$", markdown, re.MULTILINE)
    return {re.sub(r"[^\w\- ]", "", h.lower()).replace(" ", "-") for h in headings}


def test_every_link_in_the_readme_resolves_inside_a_clone() -> None:
    links = re.findall(r"\]\(([^)\s]+)\)", README)
    assert links
    for link in links:
        if link.startswith(("https://", "http://")):
            continue
        if link.startswith("#"):
            assert link[1:] in _anchors(README), link
            continue
        target = (REPO / link.split("#")[0]).resolve()
        assert target.is_relative_to(REPO), f"{link} points outside the repository"
        assert target.exists(), f"{link} does not exist in the repository"
    # Paths named in prose too ("see `../x`") must be in the clone.
    assert not re.search(r"`\.\./", README)


def test_the_files_the_readmes_commands_name_exist() -> None:
    command = r"^\s+(?:\.venv/bin/)?narrate (?:script|build) ([\w./-]+\.(?:txt|md))"
    named = re.findall(command, README, re.MULTILINE)
    assert named
    for path in named:
        assert (REPO / path).is_file(), f"the README's command names {path}, not in the repository"


def test_a_bare_build_in_a_clone_leaves_git_nothing_to_report(tmp_path: Path) -> None:
    """`narrate build` with no arguments writes into the current folder: in a clone of narrate,
    everything it writes is ignored by git."""
    shutil.copy(REPO / ".gitignore", tmp_path / ".gitignore")
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    built = subprocess.run(
        [sys.executable, "-m", "narrate", "build", "--engine", "tone", "--cache-dir",
         str(tmp_path / ".venv" / "cache"), "-q"],
        cwd=tmp_path, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert built.returncode == 0, built.stderr
    assert (tmp_path / "index.html").is_file() and (tmp_path / "feeds" / "feed.xml").is_file()
    status = subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=tmp_path, capture_output=True, text=True, check=True,
    ).stdout.split("\n")  # fmt: skip
    assert [line for line in status if line] == ["?? .gitignore"]


def test_the_readmes_layout_names_every_package_and_module() -> None:
    """The tree drawn under "Layout" is the package's: every subpackage and module is named
    there (a module moved or added without the drawing fails here)."""
    drawing = re.search(r"^## Layout\n.*?```\n(.*?)```", README, re.DOTALL | re.MULTILINE)
    assert drawing, "the README has no layout drawing"
    named = set(re.findall(r"[a-z_]+", drawing.group(1)))
    package = REPO / "narrate"
    missing = [
        path.relative_to(package).as_posix()
        for path in [*package.rglob("*.py"), *(p.parent for p in package.rglob("__init__.py"))]
        if path.stem not in named and path.name not in ("__init__.py", "__main__.py")
    ]
    assert sorted(set(missing)) == []
