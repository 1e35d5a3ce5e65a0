"""``narrate serve`` answers real HTTP requests on 127.0.0.1 with what a build published, and
nothing else: not the repository it runs in, not its own state, not a folder listing."""

from __future__ import annotations

import http.client
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import Built

from narrate.publish.serve import make_server, published

SLUG = "mtros-macrophages"


@pytest.fixture
def folder(example_build: Built, tmp_path: Path) -> Path:
    """The example build copied into a folder that looks like a repository, with a build's
    own leftovers: the files ``narrate serve`` must not hand out."""
    root = tmp_path / "repo"
    shutil.copytree(example_build.out, root, symlinks=True)
    (root / ".git").mkdir()
    (root / ".git" / "config").write_text("[remote]\n\turl = secret\n")
    (root / ".env").write_text("TOKEN=secret\n")
    (root / "pyproject.toml").write_text("[project]\n")
    (root / "audio" / "README.md").write_text("not published\n")
    (root / "audio" / f".{SLUG}.mp3.abcd.tmp").write_bytes(b"half a file")
    (root / "assets" / "extra.js").write_text("/* not one of narrate's assets */\n")
    (tmp_path / "private.txt").write_text("secret\n")
    (root / "audio" / "elsewhere.mp3").symlink_to(tmp_path / "private.txt")
    return root


@pytest.fixture
def served(folder: Path) -> Iterator[tuple[str, int]]:
    server = make_server(folder, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield "127.0.0.1", server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def _get(address: tuple[str, int], path: str, method: str = "GET") -> tuple[int, bytes, str]:
    """Send ``path`` exactly as given (no client tidies it up); status, body, Location."""
    connection = http.client.HTTPConnection(*address, timeout=10)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read(), response.getheader("Location") or ""
    finally:
        connection.close()


def test_every_file_the_build_published_is_served_whole(
    served: tuple[str, int], example_build: Built
) -> None:
    out = example_build.out
    files = sorted(
        p.relative_to(out).as_posix()
        for p in out.rglob("*")
        if p.is_file() and ".narrate" not in p.relative_to(out).parts
    )
    assert {"index.html", "feeds/feed.xml", f"audio/{SLUG}.mp3", "artwork/cover.jpg"} <= set(files)
    assert f"episodes/{SLUG}/embed.html" in files and "assets/player.js" in files
    for path in files:
        status, body, _ = _get(served, "/" + path)
        assert (status, body) == (200, (out / path).read_bytes()), path
    assert _get(served, "/")[:2] == (200, (out / "index.html").read_bytes())
    assert _get(served, f"/episodes/{SLUG}/")[0] == 200
    status, _, location = _get(served, f"/episodes/{SLUG}")
    assert (status, location) == (301, f"/episodes/{SLUG}/")
    assert _get(served, f"/audio/{SLUG}.mp3?v=2#t=3", "HEAD")[0] == 200


@pytest.mark.parametrize(
    "path",
    [
        "/.git/config",
        "/.git/",
        "/.env",
        "/pyproject.toml",
        "/.narrate/published.json",
        "/.narrate/lock",
        "/audio/README.md",
        f"/audio/.{SLUG}.mp3.abcd.tmp",
        "/assets/extra.js",
        "/audio/elsewhere.mp3",  # a published name, but a link to a file outside
        "/audio/",  # no folder listings
        "/episodes/",
        "/assets",
        "/audio/../pyproject.toml",
        "/audio/%2e%2e/pyproject.toml",
        "/audio/..%2fpyproject.toml",
        "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/episodes/../.git/config",
        f"/episodes/{SLUG}/../../.git/config",
        "//.git/config",
        "/./pyproject.toml",
        "/%2egit/config",
        "/index.html/",
        "/feeds/",
    ],
)
def test_nothing_else_is_served(served: tuple[str, int], path: str) -> None:
    status, body, location = _get(served, path)
    assert status == 404, (path, status, location)
    assert b"secret" not in body and b"[project]" not in body


def test_narrate_serve_in_a_repository_serves_the_site_not_the_repository(folder: Path) -> None:
    """The command as people run it: in the folder they built in, the default output."""
    process = subprocess.Popen(
        [sys.executable, "-m", "narrate", "serve", "--port", "0"],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/index\.html", line)
        assert match, line + (process.stderr.read() if process.stderr else "")
        address = ("127.0.0.1", int(match[1]))
        assert _get(address, "/index.html")[0] == 200
        assert _get(address, "/feeds/feed.xml")[0] == 200
        assert _get(address, "/.git/config")[0] == 404
        assert _get(address, "/pyproject.toml")[0] == 404
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.parametrize(
    ("path", "served"),
    [
        ("audio/a-b.r2.mp3", True),  # a rebuilt episode's revision
        ("audio/a-b.r2.chapters.json", True),
        ("artwork/cover.png", True),
        ("artwork/episodes/a-b.jpg", True),  # an episode's own cover
        ("artwork/episodes/a-b.gif", False),
        ("audio/a-b.mp3.bak", False),
        ("audio/A-B.mp3", False),
        ("episodes/a-b/notes.txt", False),
        ("assets/player.js.map", False),
    ],
)
def test_the_layout_table(path: str, served: bool) -> None:
    assert published(path) is served


def test_the_feed_is_served_where_the_show_puts_it() -> None:
    assert published("podcast.xml", feed_file="podcast.xml")
    assert not published("feeds/feed.xml", feed_file="podcast.xml")
    assert published("feeds/feed.xml")
