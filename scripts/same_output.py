#!/usr/bin/env python3
"""Show that a change (a refactoring) left every file narrate build writes the same.

    .venv/bin/python scripts/same_output.py --base main             # base vs this working tree
    .venv/bin/python scripts/same_output.py --base HEAD~3 --head HEAD
    .venv/bin/python scripts/same_output.py --base main --head ../other-worktree --keep

BASE is a git ref; HEAD is a git ref or a folder holding a narrate tree (default: the working
tree this script lives in, as it is, uncommitted changes included). A ref is checked out in a
temporary detached worktree. Each tree's own code builds two shows (the example show, and a
4-episode show: the example summary and three short ones written here) with the real command
line, each build in a fresh output folder with a fresh, empty cache, so nothing one side made
is reused by the other. The shows are written once and both sides read the very same files:
the build records each summary's path, so the inputs must not move between the two sides.

Speech is made deterministic by pinning Piper's noise (``noise_scale = 0``, ``noise_w = 0``
in the show's ``[voice]``); every date comes from the episodes' own dates, not from the clock.
Then every file of the two output trees is compared (MP3s, captions, timing and chapter JSON,
feed, pages, artwork, the build state in ``.narrate/``), except the build lock, an empty file.

Exit codes: 0 identical, 1 some file differs or is missing on one side, 2 a build failed or the
arguments are wrong. Temporary worktrees and outputs are removed at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
IGNORED = frozenset({".narrate/lock"})
"""Output files not compared: the lock is an empty file whose only content is its lock."""
TEXT_SUFFIXES = frozenset({".json", ".xml", ".html", ".vtt", ".srt", ".css", ".js", ".svg"})
"""Files whose first differing line is worth naming (the others get a byte offset)."""

SHORT_SUMMARIES = {
    "ocrelizumab-switch.md": (
        "2026-10-02",
        "https://example.org/studies/ocrelizumab-switch",
        "Switching to ocrelizumab after natalizumab",
        """In a study of 316 people with relapsing MS (RRMS), switching from natalizumab to \
ocrelizumab within 8 weeks kept 92% of them free of relapses for one year.

## What the study found

People who waited longer than 12 weeks had more new lesions on MRI (95% CI 1.2 to 2.9, \
p<0.001). The average EDSS score stayed at 2.5.

## What it means

A short gap between the two medicines may matter. Talk to your neurologist before any switch.
""",
    ),
    "vitamin-d-fatigue.md": (
        "2026-10-15",
        "",
        "Vitamin D and fatigue",
        """A small trial gave 4,000 IU/day of vitamin D or a placebo to 80 adults with MS for \
six months. Fatigue scores fell by about 10% in both groups, so vitamin D did not help more \
than the placebo. Blood levels rose from 45 to 98 nmol/L, within the normal range.
""",
    ),
    "walking-and-heat.md": (
        "2026-11-03",
        "https://example.org/studies/walking-heat",
        "",
        """Cooling vests helped people with MS walk farther on hot days: 18 of 24 walked at \
least 50 metres more at 32 °C. The effect lasted about 40 minutes, and no one reported side \
effects. Researchers now plan a larger study with 200 people in three countries.
""",
    ),
}
"""Three short summaries beside the example one: Markdown with front matter and chapters,
numbers, units, drug names, a missing title, a missing link, so more stages have work to do."""


@dataclass(frozen=True)
class Tree:
    """A narrate source tree to build with."""

    side: str
    """"base" or "head"."""
    path: Path
    """The tree's root (holds narrate/ and pyproject.toml)."""
    label: str
    """What it is, for the report: the ref and its commit, or the folder."""
    temporary: bool
    """A worktree this script added (and removes), not one it was given."""


def main(argv: Sequence[str] | None = None) -> int:
    """Build both sides one after the other (two cores are busy enough with one build), then
    compare; the exit code is the verdict, so CI or a shell loop can use it."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True, metavar="REF", help="git ref of the code before")
    parser.add_argument(
        "--head",
        metavar="REF_OR_WORKTREE",
        help="git ref, or a folder with a narrate tree (default: this working tree, as it is)",
    )
    parser.add_argument("--jobs", type=int, default=2, help="narrate build --jobs (default 2)")
    parser.add_argument(
        "--keep", action="store_true", help="keep the temporary worktrees and outputs"
    )
    args = parser.parse_args(argv)

    started = time.perf_counter()
    root = Path(tempfile.mkdtemp(prefix="narrate-same-"))
    trees: list[Tree] = []
    try:
        try:
            trees.append(_tree("base", args.base, root))
            trees.append(_tree("head", args.head, root))
        except ValueError as error:
            print(f"same_output: {error}", file=sys.stderr)
            return 2
        shows = _write_shows(root / "shows")
        for tree in trees:
            print(f"{tree.side}: {tree.label}", flush=True)
            for name, show in shows.items():
                seconds = _build(tree, show, root / tree.side / name, root, args.jobs)
                if seconds is None:
                    return 2
                print(f"  built {name} in {seconds:.1f} s", flush=True)
        differences: list[str] = []
        compared = 0
        for name in shows:
            found, count = _compare(root / "base" / name, root / "head" / name, name)
            differences += found
            compared += count
        for line in differences:
            print(line)
        total = time.perf_counter() - started
        if differences:
            print(f"DIFFERENT: {len(differences)} of {compared} files differ or are missing "
                  f"({total:.1f} s in all)")  # fmt: skip
            return 1
        print(f"identical: {compared} files in {len(shows)} shows ({total:.1f} s in all)")
        return 0
    finally:
        _clean_up(root, trees, keep=args.keep)


def _tree(side: str, ref_or_folder: str | None, root: Path) -> Tree:
    """The tree for one side: a given folder as it is (uncommitted changes are the point), or
    a ref checked out in a detached worktree of its own."""
    if ref_or_folder is None:
        return Tree(side, REPO, f"working tree {REPO} ({_describe(REPO)})", temporary=False)
    folder = Path(ref_or_folder)
    if folder.is_dir():
        if not (folder / "narrate" / "__init__.py").is_file():
            raise ValueError(f"--{side}: {folder} holds no narrate/ package")
        folder = folder.resolve()
        return Tree(side, folder, f"working tree {folder} ({_describe(folder)})", temporary=False)
    found = _git(REPO, "rev-parse", "--verify", "--quiet", f"{ref_or_folder}^{{commit}}")
    if found.returncode != 0:
        raise ValueError(f"--{side}: {ref_or_folder!r} is neither a git ref nor a folder")
    commit = found.stdout.strip()
    path = root / f"{side}-tree"
    added = _git(REPO, "worktree", "add", "--detach", str(path), commit)
    if added.returncode != 0:
        raise ValueError(f"--{side}: git worktree add failed: {added.stderr.strip()}")
    return Tree(side, path, f"{ref_or_folder} ({commit[:12]})", temporary=True)


def _describe(folder: Path) -> str:
    """The commit a working tree is at, and whether it has changes on top."""
    commit = _git(folder, "rev-parse", "--short=12", "HEAD").stdout.strip() or "no commit"
    changed = _git(folder, "status", "--porcelain").stdout.strip()
    return f"{commit} + uncommitted changes" if changed else commit


def _git(folder: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "-C", str(folder), *arguments], capture_output=True, text=True, check=False
    )


def _write_shows(folder: Path) -> dict[str, Path]:
    """The two shows, written once for both sides, from the example of this script's tree."""
    example = REPO / "narrate" / "example"
    show_text = _pin_noise((example / "show.toml").read_text(encoding="utf-8"))

    one = folder / "example"
    shutil.copytree(example / "summaries", one / "summaries")
    (one / "show.toml").write_text(show_text, encoding="utf-8")

    four = folder / "four-episodes"
    shutil.copytree(example / "summaries", four / "summaries")
    _draw_cover(four / "art" / "figure.png")
    entries = []
    for name, (date, url, title, body) in SHORT_SUMMARIES.items():
        front = [f"source_url: {url}"] if url else []
        front += [f"title: {title}"] if title else []
        (four / "summaries" / name).write_text(
            "---\n" + "".join(f"{line}\n" for line in front) + f"---\n{body}", encoding="utf-8"
        )
        entries.append(f'[[episodes]]\nfile = "summaries/{name}"\ndate = {date}\n')
    entries[0] += 'cover = "art/figure.png"\n'  # one episode with artwork of its own
    (four / "show.toml").write_text(show_text + "\n" + "\n".join(entries), encoding="utf-8")
    return {"example": one / "show.toml", "four-episodes": four / "show.toml"}


def _pin_noise(show: str) -> str:
    """The show with Piper's noise off: the voice adds random noise to speech, so two builds
    of the same code only agree byte for byte with noise_scale and noise_w at 0."""
    lines = [
        line
        for line in show.splitlines()
        if not line.replace(" ", "").startswith(("noise_scale=", "noise_w="))
    ]
    if "[voice]" not in lines:
        lines.append("[voice]")
    at = lines.index("[voice]") + 1
    lines[at:at] = ["noise_scale = 0.0", "noise_w = 0.0"]
    pinned = "\n".join(lines) + "\n"
    voice = tomllib.loads(pinned)["voice"]
    assert voice["noise_scale"] == voice["noise_w"] == 0.0, voice
    return pinned


def _draw_cover(path: Path) -> None:
    """A 1400 px episode cover (the smallest Apple allows), so the episode artwork path
    (itunes:image, the MP3's picture, the page's player) is compared too."""
    from PIL import Image, ImageDraw

    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGB", (1400, 1400), (20, 60, 110))
    draw = ImageDraw.Draw(image)
    draw.ellipse((300, 300, 1100, 1100), fill=(240, 200, 60))
    draw.rectangle((600, 100, 800, 1300), fill=(250, 250, 250))
    image.save(path, format="PNG")


def _build(tree: Tree, show: Path, out: Path, root: Path, jobs: int) -> float | None:
    """Build ``show`` into ``out`` with ``tree``'s code and a fresh cache; its wall time, or
    None (after saying why) when the build failed."""
    cache = root / "caches" / f"{tree.side}-{out.name}"
    env = {**os.environ, "PYTHONPATH": _python_path(tree, root)}
    env.pop("NARRATE_CACHE_DIR", None)
    wrong = _imports_elsewhere(tree, env)
    if wrong:
        print(f"same_output: {tree.side}: {wrong}", file=sys.stderr)
        return None
    command = [PYTHON, "-m", "narrate", "build", "--show", str(show), "--out", str(out),
               "--cache-dir", str(cache), "--jobs", str(jobs)]  # fmt: skip
    log = root / "logs" / f"{tree.side}-{out.name}.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    with log.open("w", encoding="utf-8") as output:
        done = subprocess.run(command, cwd=tree.path, env=env, stdout=output, stderr=output)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        tail = log.read_text(encoding="utf-8").splitlines()[-20:]
        print(f"same_output: building {show.parent.name} with {tree.side} failed "
              f"(exit {done.returncode}); last lines of its log:", file=sys.stderr)  # fmt: skip
        print("\n".join(f"  {line}" for line in tail), file=sys.stderr)
        return None
    return seconds


def _python_path(tree: Tree, root: Path) -> str:
    """PYTHONPATH for a build with ``tree``'s code: the tree itself, and before it a
    dist-info made from the tree's own pyproject.toml. Engines are found by entry point, and
    the virtualenv's editable install lists the entry points of the tree it was installed
    from: a refactoring that moves an engine module would otherwise load it from the wrong
    place, or not at all. The first distribution named narrate on the path wins."""
    pyproject = (tree.path / "pyproject.toml").read_text(encoding="utf-8")
    project = tomllib.loads(pyproject)["project"]
    name, version = project["name"], project.get("version", "0")
    meta = root / "metadata" / tree.side
    info = meta / f"{name}-{version}.dist-info"
    if not info.exists():
        info.mkdir(parents=True)
        (info / "METADATA").write_text(
            f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n", encoding="utf-8"
        )
        groups = {**project.get("entry-points", {}), "console_scripts": project.get("scripts", {})}
        (info / "entry_points.txt").write_text(
            "".join(
                f"[{group}]\n" + "".join(f"{key} = {value}\n" for key, value in points.items())
                for group, points in groups.items()
            ),
            encoding="utf-8",
        )
    return os.pathsep.join([str(meta), str(tree.path)])


def _imports_elsewhere(tree: Tree, env: dict[str, str]) -> str:
    """Why the build would not run ``tree``'s code ("" if it would): the virtualenv's
    editable install maps ``narrate`` to the tree it was installed from, and a build that
    quietly ran that tree's code would compare it with itself and prove nothing."""
    probe = subprocess.run(
        [PYTHON, "-c", "import narrate; print(narrate.__file__)"],
        cwd=tree.path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if probe.returncode != 0:
        return f"cannot import narrate from {tree.path}: {probe.stderr.strip()[-500:]}"
    loaded = Path(probe.stdout.strip()).resolve()
    if not loaded.is_relative_to(tree.path.resolve()):
        return f"narrate would be imported from {loaded}, not from {tree.path}"
    return ""


def _compare(base: Path, head: Path, show: str) -> tuple[list[str], int]:
    """One line per file that differs or exists on one side only, and how many were compared."""
    base_files = set(_files(base))
    head_files = set(_files(head))
    lines = []
    for name in sorted(base_files | head_files):
        shown = f"{show}/{name}"
        if name not in head_files:
            lines.append(f"only in base  {shown}")
        elif name not in base_files:
            lines.append(f"only in head  {shown}")
        else:
            where = _first_difference(base / name, head / name)
            if where:
                lines.append(f"differs       {shown}  ({where})")
    return lines, len(base_files | head_files)


def _files(folder: Path) -> Iterator[str]:
    for path in folder.rglob("*"):
        name = path.relative_to(folder).as_posix()
        if path.is_file() and name not in IGNORED:
            yield name


def _first_difference(a: Path, b: Path) -> str:
    """Where two files first differ ("" if they do not): a line for text, else a byte."""
    one, two = a.read_bytes(), b.read_bytes()
    if one == two:
        return ""
    at = next((i for i, (x, y) in enumerate(zip(one, two, strict=False)) if x != y),
              min(len(one), len(two)))  # fmt: skip
    where = f"{len(one)} vs {len(two)} bytes, first difference at byte {at}"
    if a.suffix in TEXT_SUFFIXES:
        line = one.count(b"\n", 0, at) + 1
        where += f", line {line}"
    return where


def _clean_up(root: Path, trees: list[Tree], keep: bool) -> None:
    """Remove the worktrees this script added (git's record of them too) and every output."""
    if keep:
        print(f"kept: {root} (worktrees: {', '.join(str(t.path) for t in trees if t.temporary)})")
        print("  remove them with: git worktree remove --force PATH; rm -r " + str(root))
        return
    for tree in trees:
        if tree.temporary:
            _git(REPO, "worktree", "remove", "--force", str(tree.path))
    shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
