"""Rebuilds cost what changed: the cache, unchanged episodes, determinism, --jobs."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path
from typing import ClassVar

import pytest
from conftest import run_narrate, write_show

import narrate.audio.synthesize
import narrate.build
from narrate.config import load_settings
from narrate.engines.tone import ToneEngine
from narrate.models import Speech

ONE = "---\ntitle: One\ndate: 2026-01-01\n---\nFirst summary here. It has two sentences.\n"
TWO = "---\ntitle: Two\ndate: 2026-01-02\n---\nSecond summary. Short and plain.\n"


def _files(out: Path) -> dict[str, tuple[bytes, int]]:
    """Every published file (not narrate's own state) with its bytes and modification time."""
    return {
        str(p.relative_to(out)): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in sorted(out.rglob("*"))
        if p.is_file() and ".narrate" not in p.parts
    }


def _spoken(stdout: str) -> int:
    match = re.search(r"(\d+) phrases? spoken afresh", stdout)  # "1 phrase", "2 phrases"
    assert match, stdout
    return int(match.group(1))


def _show(folder: Path, voice: str = '{ engine = "tone" }', extra: str = "") -> Path:
    (folder / "one.md").write_text(ONE, encoding="utf-8")
    (folder / "two.md").write_text(TWO, encoding="utf-8")
    show = write_show(folder, [{"file": '"one.md"'}, {"file": '"two.md"'}], voice=voice)
    if extra:
        show.write_text(show.read_text(encoding="utf-8") + extra, encoding="utf-8")
    return show


def _build(show: Path, out: Path, cache: Path, *more: str) -> str:
    run = run_narrate("build", "--show", show, "--out", out, "--cache-dir", cache, *more)
    assert run.code == 0, run.stderr
    return run.stdout


def test_a_rebuild_with_nothing_changed_speaks_and_rewrites_nothing(tmp_path: Path) -> None:
    show, out, cache = _show(tmp_path), tmp_path / "out", tmp_path / "cache"
    assert _spoken(_build(show, out, cache)) > 0
    before = _files(out)
    stdout = _build(show, out, cache)
    assert _spoken(stdout) == 0
    assert stdout.count("unchanged") == 2
    assert _files(out) == before  # same bytes and the same modification times


def test_a_one_sentence_edit_speaks_one_phrase_and_rewrites_only_what_shows_it(
    tmp_path: Path,
) -> None:
    show, out, cache = _show(tmp_path), tmp_path / "out", tmp_path / "cache"
    _build(show, out, cache)
    before = _files(out)
    (tmp_path / "one.md").write_text(ONE.replace("two sentences", "2 short sentences"))
    stdout = _build(show, out, cache)
    assert _spoken(stdout) == 1
    after = _files(out)
    changed = {name for name in after if after[name] != before.get(name)}
    assert changed, "the edited episode must be rebuilt"
    assert all(
        name.startswith(("audio/one.", "episodes/one/")) or name == "feeds/feed.xml"
        for name in changed
    ), changed
    # The new audio gets a new name, so the old feed never pointed at a half-replaced file;
    # the old revision stays, untouched and unlisted, for keep_old_days (7 by default).
    assert "audio/one.r2.mp3" in changed and "feeds/feed.xml" in changed
    assert after["audio/one.mp3"] == before["audio/one.mp3"] and "audio/one.r2.vtt" in after
    assert "one.mp3" not in after["feeds/feed.xml"][0].decode().replace("one.r2.mp3", "")
    assert not any(name.startswith(("audio/two.", "episodes/two/")) for name in changed)


def test_an_old_revision_in_a_folder_stays_until_keep_old_days_have_passed(
    tmp_path: Path,
) -> None:
    """A podcast app that read the feed before the rebuild still downloads the episode it
    listed; once the show's days have passed, the next build removes it."""
    show, out, cache = _show(tmp_path), tmp_path / "out", tmp_path / "cache"
    _build(show, out, cache)
    old = {name for name in _files(out) if name.startswith("audio/one.")}
    (tmp_path / "one.md").write_text(ONE.replace("two sentences", "2 short sentences"))
    _build(show, out, cache)
    retired = (out / ".narrate" / "retired.json").read_text(encoding="utf-8")
    assert set(json.loads(retired)) == old
    _build(show, out, cache)  # nothing new: its days are counted from when it left the feed
    assert (out / ".narrate" / "retired.json").read_text(encoding="utf-8") == retired
    assert old <= set(_files(out))
    show.write_text(show.read_text("utf-8") + "[build]\nkeep_old_days = 0\n", "utf-8")
    _build(show, out, cache)
    assert not old & set(_files(out))
    assert "audio/one.r2.mp3" in _files(out)
    assert json.loads((out / ".narrate" / "retired.json").read_text(encoding="utf-8")) == {}


def test_a_lexicon_entry_invalidates_only_the_phrases_that_use_it(tmp_path: Path) -> None:
    lexicon = tmp_path / "lexicon.toml"
    lexicon.write_text('[substitute]\nplain = "simple"\n', encoding="utf-8")
    show = _show(tmp_path, extra='lexicon = "lexicon.toml"\n')
    # TOML keys must come before tables: move the line to the top of the show file.
    text = show.read_text(encoding="utf-8").replace('lexicon = "lexicon.toml"\n', "")
    show.write_text('lexicon = "lexicon.toml"\n' + text, encoding="utf-8")
    out, cache = tmp_path / "out", tmp_path / "cache"
    _build(show, out, cache)
    lexicon.write_text('[substitute]\nplain = "clear"\n', encoding="utf-8")
    stdout = _build(show, out, cache)
    assert _spoken(stdout) == 1  # "Short and plain." and nothing else
    assert "audio/one.mp3" in stdout and "unchanged" in stdout


def test_a_changed_voice_speaks_everything_again(tmp_path: Path) -> None:
    show, out, cache = _show(tmp_path), tmp_path / "out", tmp_path / "cache"
    first = _spoken(_build(show, out, cache))
    assert _spoken(_build(show, out, cache, "--rate", "1.2")) == first
    assert _spoken(_build(show, out, cache, "--rate", "1.2")) == 0


def test_outputs_are_byte_identical_when_rebuilt_from_the_same_segments(tmp_path: Path) -> None:
    show, cache = _show(tmp_path), tmp_path / "cache"
    _build(show, tmp_path / "a", cache)
    _build(show, tmp_path / "b", cache)
    first = {k: v[0] for k, v in _files(tmp_path / "a").items()}
    second = {k: v[0] for k, v in _files(tmp_path / "b").items()}
    assert first == second


@pytest.mark.e2e
def test_pinned_noise_gives_identical_clean_builds_and_jobs_do_not_change_bytes(
    tmp_path: Path,
) -> None:
    voice = '{ engine = "piper", noise_scale = 0.0, noise_w = 0.0 }'
    show = _show(tmp_path, voice=voice)
    builds = {}
    for name, jobs in (("one", "1"), ("two", "2")):
        out, cache = tmp_path / f"out-{name}", tmp_path / f"cache-{name}"
        stdout = _build(show, out, cache, "--jobs", jobs)
        assert _spoken(stdout) > 0  # each a clean build: its own empty cache
        builds[name] = {k: v[0] for k, v in _files(out).items()}
    assert builds["one"] == builds["two"]
    shutil.rmtree(tmp_path / "out-one")


class _Watching(ToneEngine):
    """The tone voice, noting how many cores the process may use while it speaks."""

    cores: ClassVar[list[int]] = []

    def synthesize(self, text: str) -> Speech:
        _Watching.cores.append(len(os.sched_getaffinity(0)))
        return super().synthesize(text)


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs a machine with 2 cores")
def test_jobs_1_speaks_on_one_core_and_gives_the_cores_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = os.sched_getaffinity(0)
    settings = load_settings(_show(tmp_path), out_dir=tmp_path / "out", use_cache=False)
    monkeypatch.setattr(narrate.audio.synthesize, "load_engine", lambda s: _Watching(s))
    _Watching.cores.clear()
    report = narrate.build.build(settings, jobs=1)
    assert report.failures == () and len(report.built) == 2
    assert _Watching.cores and set(_Watching.cores) == {1}
    assert os.sched_getaffinity(0) == before


def test_an_undated_summary_keeps_the_date_it_was_published_with(tmp_path: Path) -> None:
    dump = tmp_path / "dump.txt"
    dump.write_text("Cells repair nerves in mice.\n\nThe effect was large.\n", encoding="utf-8")
    os.utime(dump, (1_700_000_000, 1_700_000_000))  # 2023-11-14: the date it is published with
    show = write_show(tmp_path, [{"file": '"dump.txt"'}], voice='{ engine = "tone" }')
    out, cache = tmp_path / "out", tmp_path / "cache"
    _build(show, out, cache)
    feed = (out / "feeds" / "feed.xml").read_text(encoding="utf-8")
    assert "<pubDate>Tue, 14 Nov 2023" in feed
    before = _files(out)
    os.utime(dump, (1_800_000_000, 1_800_000_000))  # a fresh clone: a new modification date
    stdout = _build(show, out, cache)
    assert _spoken(stdout) == 0 and "unchanged" in stdout
    assert _files(out) == before  # same date, so same feed, pages and audio
