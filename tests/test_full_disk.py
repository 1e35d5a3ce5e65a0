"""A full disk anywhere narrate writes (output folder, cache, temporary files) is a one-line
error or warning with cause and fix, never a traceback, and what was published stays valid.

The disks are real: small tmpfs file systems mounted for the test (root only), filled up.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import SAMPLE, run_narrate, write_show

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small disk needs root")


@contextlib.contextmanager
def _small_disk(where: Path, megabytes: int) -> Iterator[Path]:
    where.mkdir(parents=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={megabytes}m", "tmpfs", str(where)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if mounted.returncode != 0 and "permission denied" in mounted.stderr.lower():
        pytest.skip(f"this machine lets no one mount a disk ({mounted.stderr.strip()})")
    assert mounted.returncode == 0, mounted.stderr
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def _fill(disk: Path, leave: int) -> None:
    """Take every free block of ``disk`` but about ``leave`` bytes (0: every last byte)."""
    stat = os.statvfs(disk)
    fd = os.open(disk / f"filler-{uuid.uuid4().hex}", os.O_WRONLY | os.O_CREAT)
    try:
        with contextlib.suppress(OSError):
            os.write(fd, b"\0" * max(0, stat.f_bavail * stat.f_frsize - leave))
        while not leave:  # and the last few bytes
            try:
                os.write(fd, b"\0" * 512)
            except OSError:
                break
    finally:
        os.close(fd)


def _published(out: Path) -> list[tuple[Path, int]]:
    """Each MP3 the feed lists, with the length the feed gives it."""
    root = ET.parse(out / "feeds" / "feed.xml").getroot()
    found = []
    for enclosure in root.iter("enclosure"):
        name = enclosure.get("url", "").rsplit("/", 1)[-1]
        found.append((out / "audio" / name, int(enclosure.get("length", "0"))))
    return found


@pytest.mark.parametrize("full", ["output folder", "temporary files", "cache"])
def test_a_full_disk_is_one_line_and_what_was_published_stays(tmp_path: Path, full: str) -> None:
    summary = tmp_path / "summary.txt"
    summary.write_text(SAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    show = write_show(tmp_path, [{"file": '"summary.txt"', "date": "2026-11-20"}])
    with _small_disk(tmp_path / "disk", 24) as disk:
        out = disk / "out" if full == "output folder" else tmp_path / "out"
        temp = disk / "tmp" if full == "temporary files" else tmp_path / "tmp"
        cache = disk / "cache" if full == "cache" else tmp_path / "cache"
        temp.mkdir()
        env = {"TMPDIR": str(temp)}
        args = ("build", "--show", show, "--out", out, "--cache-dir", cache, "--engine", "tone")
        first = run_narrate(*args, env=env)
        assert first.code == 0, first.stderr
        before = _published(out)
        assert before and all(path.stat().st_size == length for path, length in before)
        feed_before = (out / "feeds" / "feed.xml").read_bytes()

        # A temporary folder with no room at all is passed over by Python for the next one
        # (/tmp); with a little room left it is used, and the episode's audio does not fit.
        _fill(disk, leave=256 * 1024 if full == "temporary files" else 0)
        summary.write_text(
            summary.read_text(encoding="utf-8").replace(
                "\n", "\nA new sentence for the rebuild, about MS and the brain.\n", 1
            ),
            encoding="utf-8",
        )
        again = run_narrate(*args, env=env)

        assert "Traceback" not in again.stderr, again.stderr
        if full == "cache":
            # A cache that cannot be written only costs time: the episode is built, and the
            # user is told once why the next build will speak it again.
            assert again.code == 0, again.stderr
            warnings = [line for line in again.stderr.splitlines() if str(cache) in line]
            assert len(warnings) == 1, again.stderr
            assert "No space left on device" in warnings[0]
            assert "free some disk space" in warnings[0]
            assert (out / "feeds" / "feed.xml").read_bytes() != feed_before
        else:
            assert again.code == 1, again.stderr
            errors = [line for line in again.stderr.splitlines() if "No space left" in line]
            assert len(errors) == 1, again.stderr
            assert "free some disk space" in errors[0]
            assert str(out if full == "output folder" else temp) in errors[0]
            # Nothing published was lost or half-written.
            assert (out / "feeds" / "feed.xml").read_bytes() == feed_before
            assert all(path.stat().st_size == length for path, length in before)
        # Nothing of the build is left on the full disk but what was there.
        assert not list(temp.glob("narrate-*"))
