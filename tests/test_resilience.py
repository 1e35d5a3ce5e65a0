"""Nothing lost: killed builds, concurrent builds, renamed summaries, faults at the boundaries."""

from __future__ import annotations

import errno
import os
import random
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
import pytest
from conftest import REPO, run_narrate, write_show

import narrate.publish.output
from narrate.build import build
from narrate.config import load_settings
from narrate.errors import NarrateError

SUMMARIES = {
    f"s{n}.md": f"---\ntitle: Summary {n}\ndate: 2026-02-0{n}\n---\n"
    f"Summary number {n} says one thing. Then it says another thing, briefly.\n"
    for n in range(1, 4)
}


def _show(folder: Path, voice: str = '{ engine = "tone" }', **extra: str) -> Path:
    for name, text in SUMMARIES.items():
        (folder / name).write_text(text, encoding="utf-8")
    return write_show(folder, [{"file": f'"{name}"'} for name in SUMMARIES], voice=voice, **extra)


def _consistent(out: Path) -> list[str]:
    """The published feed parses and every file it points at is there, complete."""
    feed = out / "feeds" / "feed.xml"
    if not feed.exists():
        return []  # nothing published yet: nothing to be inconsistent
    parsed = feedparser.parse(feed.read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    urls = []
    for entry in parsed.entries:
        (enclosure,) = entry.enclosures
        path = out / enclosure.href.split("/test/", 1)[1]
        assert path.is_file(), path
        assert path.stat().st_size == int(enclosure.length), path
        urls.append(enclosure.href)
    root = ET.parse(feed).getroot()
    for tag in root.iter():
        url = tag.get("url")
        if url and "/test/" in url:
            assert (out / url.split("/test/", 1)[1]).is_file(), url
    return urls


def _leftovers(out: Path) -> list[Path]:
    return list(out.rglob(".*.tmp"))


@pytest.mark.e2e
def test_a_build_killed_at_random_moments_never_breaks_what_is_published(tmp_path: Path) -> None:
    show = _show(tmp_path, voice='{ engine = "piper" }')
    out, cache = tmp_path / "out", tmp_path / "cache"
    command = [sys.executable, "-m", "narrate", "build", "--show", str(show), "--out", str(out),
               "--cache-dir", str(cache), "--no-check", "-q"]  # fmt: skip
    start = time.monotonic()
    assert subprocess.run(command, cwd=REPO, capture_output=True).returncode == 0
    full = time.monotonic() - start
    random.seed(7)
    for round_ in range(5):
        # Change one summary each round so there is always real work to interrupt.
        name = f"s{round_ % 3 + 1}.md"
        (tmp_path / name).write_text(SUMMARIES[name].replace("briefly", f"briefly ({round_})"))
        process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
        time.sleep(random.uniform(0.05, full))
        os.killpg(process.pid, signal.SIGKILL)  # the build and its speech workers
        process.wait()
        assert _consistent(out)
    run = run_narrate("build", "--show", show, "--out", out, "--cache-dir", cache)
    assert run.code == 0, run.stderr
    assert len(_consistent(out)) == 3
    assert _leftovers(out) == []


def test_two_builds_at_once_take_turns(tmp_path: Path) -> None:
    show = _show(tmp_path)
    out = tmp_path / "out"
    command = [sys.executable, "-m", "narrate", "build", "--show", str(show), "--out", str(out),
               "--no-cache", "--jobs", "1"]  # fmt: skip
    runs = [subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True) for _ in range(2)]  # fmt: skip
    results = [p.communicate(timeout=300) for p in runs]
    assert [p.returncode for p in runs] == [0, 0], results
    assert any("another build of" in err and "waiting" in err for _, err in results)
    assert len(_consistent(out)) == 3
    assert run_narrate("check", show, "--out", out).code == 0


def test_a_renamed_summary_keeps_its_episode(tmp_path: Path) -> None:
    show = _show(tmp_path)
    out = tmp_path / "out"
    assert run_narrate("build", "--show", show, "--out", out, "--no-cache").code == 0
    before = {e.title: (e.id, e.enclosures[0].href, e.itunes_episode) for e in
              feedparser.parse((out / "feeds" / "feed.xml").read_bytes()).entries}  # fmt: skip
    (tmp_path / "moved").mkdir()
    (tmp_path / "s2.md").rename(tmp_path / "moved" / "renamed-two.md")
    show.write_text(show.read_text().replace('"s2.md"', '"moved/renamed-two.md"'))
    # ...and a newer summary arrives before it in the list.
    (tmp_path / "s0.md").write_text("---\ntitle: Summary 0\ndate: 2026-03-01\n---\nNew one.\n")
    show.write_text(show.read_text().replace('[[episodes]]\nfile = "s1.md"',
                                             '[[episodes]]\nfile = "s0.md"\n[[episodes]]\n'
                                             'file = "s1.md"', 1))  # fmt: skip
    run = run_narrate("build", "--show", show, "--out", out, "--no-cache")
    assert run.code == 0, run.stderr
    after = {e.title: (e.id, e.enclosures[0].href, e.itunes_episode) for e in
             feedparser.parse((out / "feeds" / "feed.xml").read_bytes()).entries}  # fmt: skip
    for title, identity in before.items():
        assert after[title] == identity  # guid, URL and number all kept
    assert after["Summary 0"][2] == "4"


def test_removing_a_summary_keeps_its_episode_unless_the_show_says_so(tmp_path: Path) -> None:
    show = _show(tmp_path)
    out = tmp_path / "out"
    assert run_narrate("build", "--show", show, "--out", out, "--no-cache").code == 0
    show.write_text(show.read_text().replace('[[episodes]]\nfile = "s3.md"\n', ""))
    assert run_narrate("build", "--show", show, "--out", out, "--no-cache").code == 0
    assert len(_consistent(out)) == 3  # removed from the list, not from the feed
    show.write_text("drop_removed = true\n" + show.read_text())
    assert run_narrate("build", "--show", show, "--out", out, "--no-cache").code == 0
    titles = [e.title for e in feedparser.parse((out / "feeds" / "feed.xml").read_bytes()).entries]
    assert sorted(titles) == ["Summary 1", "Summary 2"]


def test_an_unreadable_summary_never_drops_its_episode(tmp_path: Path) -> None:
    show = _show(tmp_path, drop_removed="true")
    out = tmp_path / "out"
    assert run_narrate("build", "--show", show, "--out", out, "--no-cache").code == 0
    (tmp_path / "s1.md").write_bytes(b"\xff\xfe broken \x00")
    run = run_narrate("build", "--show", show, "--out", out, "--no-cache")
    assert run.code == 1 and "s1.md" in run.stderr
    assert len(_consistent(out)) == 3


def test_a_missing_ffmpeg_is_a_clear_error_and_nothing_published_changes(tmp_path: Path) -> None:
    show = _show(tmp_path)
    out = tmp_path / "out"
    assert run_narrate("build", "--show", show, "--out", out, "--no-cache").code == 0
    before = (out / "feeds" / "feed.xml").read_bytes()
    (tmp_path / "s1.md").write_text(SUMMARIES["s1.md"].replace("one thing", "one new thing"))
    run = run_narrate("build", "--show", show, "--out", out, "--no-cache",
                      env={"NARRATE_FFMPEG": str(tmp_path / "no-ffmpeg-here")})  # fmt: skip
    assert run.code == 1
    assert "NARRATE_FFMPEG" in run.stderr and "Traceback" not in run.stderr
    assert (out / "feeds" / "feed.xml").read_bytes() == before


def test_a_failing_ffmpeg_is_a_clear_error(tmp_path: Path) -> None:
    show = _show(tmp_path)
    run = run_narrate("build", "--show", show, "--out", tmp_path / "out", "--no-cache",
                      env={"NARRATE_FFMPEG": "false"})  # fmt: skip
    assert run.code == 1
    assert "ffmpeg failed" in run.stderr and "Traceback" not in run.stderr


def test_a_full_disk_is_a_clear_error_and_the_old_feed_survives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    show = _show(tmp_path)
    out = tmp_path / "out"
    settings = load_settings(show, out_dir=out, use_cache=False)
    build(settings, jobs=1)
    feed = out / "feeds" / "feed.xml"
    before = feed.read_bytes()
    (tmp_path / "s1.md").write_text(SUMMARIES["s1.md"].replace("Summary 1", "Summary One"))

    def full(handle: object, data: bytes) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(narrate.publish.output, "_write_file", full)
    # The edited episode cannot be written: it fails alone, with cause and fix.
    report = build(load_settings(show, out_dir=out, use_cache=False), jobs=1)
    (failure,) = report.failures
    assert "s1.md" in failure and "free some disk space" in failure and "\n" not in failure
    assert feed.read_bytes() == before
    # A change to the show itself (its cover, pages and feed) stops the build, clearly.
    show.write_text(show.read_text().replace("Test Show", "Renamed Show"))
    with pytest.raises(NarrateError, match="free some disk space") as caught:
        build(load_settings(show, out_dir=out, use_cache=False), jobs=1)
    assert "\n" not in str(caught.value)
    assert feed.read_bytes() == before
    assert not list(out.rglob(".*.tmp"))
    monkeypatch.undo()
    assert build(load_settings(show, out_dir=out, use_cache=False), jobs=1).failures == ()


def test_a_damaged_piper_voice_fails_each_episode_clearly(tmp_path: Path) -> None:
    voice = tmp_path / "broken.onnx"
    voice.write_bytes(os.urandom(2048))
    (tmp_path / "broken.onnx.json").write_text("{}")
    show = _show(tmp_path, voice='{ engine = "piper", voice = "broken.onnx" }')
    run = run_narrate("build", "--show", show, "--out", tmp_path / "out", "--no-cache",
                      "--jobs", "1")  # fmt: skip
    assert run.code == 1
    assert "Traceback" not in run.stderr
    assert run.stderr.count("could not load the voice") >= 1
