"""The self-check: silent or truncated segments and an unheard disclaimer are caught."""

from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import Built, copy_short_show, run_narrate, write_show

import narrate.audio.listen
import narrate.audio.synthesize
import narrate.build
import narrate.produce
import narrate.publish.verify
from narrate.audio.ffmpeg import decode_pcm, run_ffmpeg
from narrate.audio.listen import verify_episode
from narrate.audio.synthesize import Speaker
from narrate.config import EXAMPLE_SHOW, load_settings
from narrate.engines.piper.engine import PiperEngine
from narrate.engines.tone import ToneEngine
from narrate.models import SegmentTiming, Speech
from narrate.produce import Studio
from narrate.publish.timing import read_timings

RATE = 44100


def _copy(example_build: Built, tmp_path: Path) -> tuple[Path, Path]:
    out = tmp_path / "out"
    shutil.copytree(example_build.out, out)
    return out, out / "audio" / "mtros-macrophages.mp3"


def _edit(mp3: Path, change) -> None:  # type: ignore[no-untyped-def]
    """Decode, change the samples, encode again in place (tags are not needed to verify)."""
    pcm = np.frombuffer(decode_pcm(mp3, RATE), dtype=np.int16).copy()
    change(pcm)
    run_ffmpeg("-y", "-f", "s16le", "-ar", str(RATE), "-ac", "1", "-i", "pipe:0",
               "-c:a", "libmp3lame", "-b:a", "64k", str(mp3), stdin=pcm.tobytes())  # fmt: skip


def _span(timing) -> slice:  # type: ignore[no-untyped-def]
    return slice(timing.start_ms * RATE // 1000, timing.end_ms * RATE // 1000)


@pytest.mark.e2e
def test_verify_passes_on_the_example_show(example_build: Built, tmp_path: Path) -> None:
    """The example, as the default voice speaks it, is heard at 97 % of its words or more
    (on a copy: verify writes its report beside the build state)."""
    out, _ = _copy(example_build, tmp_path)
    run = run_narrate("verify", "--out", out)
    assert run.code == 0, run.stdout + run.stderr
    assert "ok    audio/mtros-macrophages.mp3" in run.stdout
    heard = re.search(r"\(([\d.]+)% of (\d+) words heard", run.stdout)
    assert heard and float(heard[1]) >= 97 and int(heard[2]) > 400, run.stdout
    assert f"report: {out / '.narrate' / 'verify.html'}" in run.stdout


def test_verify_fails_when_the_disclaimer_is_replaced_by_silence(
    short_build: Path, tmp_path: Path
) -> None:
    show, mp3 = copy_short_show(short_build, tmp_path)
    segments = read_timings(mp3.with_suffix(".timing.json").read_text(encoding="utf-8"))
    (disclaimer,) = [t for t in segments if t.segment.kind == "disclaimer"]

    def silence(pcm: np.ndarray) -> None:
        pcm[_span(disclaimer)] = 0

    _edit(mp3, silence)
    run = run_narrate("verify", "--show", show, "--out", show.parent / "out")
    assert run.code == 1
    assert "FAIL  audio/s.mp3: the MP3 is" in run.stdout  # re-encoded: new size
    assert "FAIL  audio/s.mp3: segment" in run.stdout
    assert "(disclaimer, " in run.stdout and "is silent" in run.stdout
    assert "FAIL  audio/s.mp3: the disclaimer is not heard clearly" in run.stdout


@pytest.mark.e2e
def test_verify_fails_when_other_words_stand_where_the_disclaimer_should_be(
    example_build: Built, tmp_path: Path
) -> None:
    _, mp3 = _copy(example_build, tmp_path)
    segments = _put_body_words_in_the_disclaimer(mp3)
    problems = verify_episode(mp3, segments)
    assert len(problems) == 1 and problems[0].startswith("the disclaimer is not heard clearly")


def _put_body_words_in_the_disclaimer(mp3: Path) -> tuple[SegmentTiming, ...]:
    """Other words where the disclaimer should be: only the recognizer can tell."""
    segments = read_timings(mp3.with_suffix(".timing.json").read_text(encoding="utf-8"))
    (disclaimer,) = [t for t in segments if t.segment.kind == "disclaimer"]
    body = max(
        (t for t in segments if t.segment.kind == "body"), key=lambda t: t.end_ms - t.start_ms
    )

    def swap(pcm: np.ndarray) -> None:
        target = _span(disclaimer)
        length = target.stop - target.start
        start = body.start_ms * RATE // 1000
        pcm[target] = pcm[start : start + length]

    _edit(mp3, swap)
    return segments


@pytest.mark.parametrize(("language", "listens"), [("EN-GB", True), ("enm", False)])
def test_verify_listens_to_every_show_the_speech_rules_read_as_english(
    short_build: Path, tmp_path: Path, language: str, listens: bool
) -> None:
    """One answer to "is this English": "EN-GB" is, in any case; "enm" (Middle English) is
    not "en"."""
    show, mp3 = copy_short_show(short_build, tmp_path)
    _put_body_words_in_the_disclaimer(mp3)
    text = show.read_text(encoding="utf-8")
    show.write_text(text.replace('language = "en-US"', f'language = "{language}"'), "utf-8")
    settings = load_settings(show, summaries=[], out_dir=show.parent / "out", use_cache=False)
    (verified,) = narrate.publish.verify.verify_published(settings)
    heard = any(p.startswith("the disclaimer is not heard clearly") for p in verified.problems)
    assert heard == listens, verified.problems
    assert (verified.hearing is not None) == listens


@pytest.mark.e2e
def test_verify_catches_a_truncated_segment(example_build: Built, tmp_path: Path) -> None:
    _, mp3 = _copy(example_build, tmp_path)
    segments = read_timings(mp3.with_suffix(".timing.json").read_text(encoding="utf-8"))
    longest = max(segments, key=lambda t: len(t.segment.spoken))

    def cut(pcm: np.ndarray) -> None:
        span = _span(longest)
        pcm[span.start + RATE // 2 : span.stop] = 0  # half a second of a long sentence is left

    _edit(mp3, cut)
    problems = verify_episode(mp3, segments)
    assert any("is truncated" in p and longest.segment.text[:20] in p for p in problems)


@pytest.mark.e2e
def test_verify_reads_the_pcm_mixdown_decoded_unless_it_must_listen(
    example_build: Built, tmp_path: Path
) -> None:
    """The build's self-check reads what mixdown decoded (here: silence, to tell them apart)
    instead of decoding the MP3 again; the recognizer still decodes at its own rate."""
    _, mp3 = _copy(example_build, tmp_path)
    segments = read_timings(mp3.with_suffix(".timing.json").read_text(encoding="utf-8"))
    silence = (b"\0\0" * (22050 * (segments[-1].end_ms // 1000 + 1)), 22050)
    quiet = verify_episode(mp3, segments, listen=False, decoded=silence)
    assert len(quiet) == len(segments) and all("is silent" in p for p in quiet)
    assert verify_episode(mp3, segments, listen=True, decoded=silence) == []
    assert verify_episode(mp3, segments, listen=False) == []


class _MuteDisclaimer(ToneEngine):
    """Beeps like the tone voice, but says nothing for the disclaimer: a misfiring voice."""

    def synthesize(self, text: str) -> Speech:
        speech = super().synthesize(text)
        if "medical advice" in text:
            return Speech(b"\0\0" * len(speech.data), "pcm_s16le", speech.sample_rate)
        return speech


def test_a_build_whose_disclaimer_is_silent_publishes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "s.md").write_text("---\ntitle: S\ndate: 2026-01-01\n---\nA short summary.\n")
    show = write_show(tmp_path, [{"file": '"s.md"'}], voice='{ engine = "tone" }')
    settings = load_settings(show, out_dir=tmp_path / "out", use_cache=False)
    monkeypatch.setattr(narrate.audio.synthesize, "load_engine", lambda s: _MuteDisclaimer(s))
    report = narrate.build.build(settings, jobs=1)
    assert len(report.failures) == 1
    assert "self-check failed" in report.failures[0] and "is silent" in report.failures[0]
    assert list((tmp_path / "out").rglob("*.mp3")) == []
    assert report.feed == ()


def test_tone_episodes_pass_without_the_recognizer(tmp_path: Path) -> None:
    (tmp_path / "s.md").write_text("---\ntitle: S\ndate: 2026-01-01\n---\nA short summary.\n")
    show = write_show(tmp_path, [{"file": '"s.md"'}], voice='{ engine = "tone" }')
    run = run_narrate("build", "--show", show, "--out", tmp_path / "out", "--no-cache")
    assert run.code == 0, run.stderr
    run = run_narrate("verify", "--show", show, "--out", tmp_path / "out")
    assert run.code == 0 and "ok    audio/s.mp3" in run.stdout


def test_verify_with_nothing_built_says_what_to_do(tmp_path: Path) -> None:
    run = run_narrate("verify", "--out", tmp_path)
    assert run.code == 1 and "run narrate build first" in run.stderr


class _GarbledDisclaimer(PiperEngine):
    """The real voice, misfiring on the disclaimer: it says something else instead."""

    def synthesize(self, text: str) -> Speech:
        if "medical advice" in text:
            text = "The weather was mild and the garden grew tall beside the river."
        return super().synthesize(text)


@pytest.mark.e2e
@pytest.mark.parametrize("jobs", [1, 2])  # heard during mixdown; heard early, from the workers
def test_a_build_whose_disclaimer_cannot_be_heard_publishes_nothing(
    jobs: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "s.md").write_text("---\ntitle: S\ndate: 2026-01-01\n---\nA short summary.\n")
    show = write_show(tmp_path, [{"file": '"s.md"'}])
    settings = load_settings(show, out_dir=tmp_path / "out", use_cache=False)
    monkeypatch.setattr(narrate.audio.synthesize, "load_engine", lambda s: _GarbledDisclaimer(s))
    report = narrate.build.build(settings, jobs=jobs)
    assert len(report.failures) == 1, report.failures
    assert "self-check failed: the disclaimer is not heard clearly" in report.failures[0]
    assert list((tmp_path / "out").rglob("*.mp3")) == []


def test_the_same_disclaimer_sound_is_judged_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every episode's disclaimer is usually the very same clip: the build's studio has the
    recognizer hear it once; another sound (other words) is still heard, and judged on its own.
    """
    judged: list[str] = []
    real = narrate.produce.hear_disclaimer

    def counting(speeches: list[Speech], spoken: str, model: str = "") -> str | None:
        judged.append(spoken)
        return real(speeches, spoken, model)

    monkeypatch.setattr(narrate.produce, "hear_disclaimer", counting)
    # Piper's noise pinned: the same words make the same sound in every run (its random
    # noise sometimes made a clip the recognizer misheard, and this test is about caching).
    engine = load_settings(EXAMPLE_SHOW, use_cache=False).engine
    pinned = dataclasses.replace(engine, options=(("noise_scale", 0.0), ("noise_w", 0.0)))
    studio = Studio(Speaker(pinned, None, None, 1))
    disclaimer = "for informational purposes only, not medical advice"
    said = studio.speaker.engine.synthesize(disclaimer)
    other = studio.speaker.engine.synthesize("the weather was sunny and warm all afternoon")
    assert studio.hear([said], disclaimer)() is None
    assert studio.hear([said], disclaimer)() is None
    assert judged == [disclaimer]
    assert "not heard clearly" in (studio.hear([other], disclaimer)() or "")
    assert judged == [disclaimer, disclaimer]
    assert Studio(studio.speaker).hear([said], disclaimer)() is None
    assert judged == [disclaimer] * 3  # what one build learned is its own
