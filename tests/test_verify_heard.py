"""``narrate verify`` hears whole episodes: word accuracy, each miss at its time, what fails.

A short show spoken by the default voice (Kokoro), built once per test process; each test
changes a copy of it."""

from __future__ import annotations

import difflib
import json
import re
import tomllib
from pathlib import Path

import numpy as np
import pytest
from conftest import REPO, SHORT_SUMMARY, build_short_show, copy_short_show, run_narrate, write_show

import narrate.audio.synthesize
import narrate.build
from narrate.audio.ffmpeg import decode_pcm, run_ffmpeg
from narrate.audio.listen import compare, judge_hearing
from narrate.config import load_settings
from narrate.engines.piper.engine import PiperEngine
from narrate.models import HeardWord, Speech
from narrate.publish.timing import read_timings

RATE = 44100
WRONG = '[phonemes]\nocrelizumab = { ipa = "fɪŋɡˈoʊlɪmɑːd", respell = "fin-go-lih-mod" }\n'
"""The drug given another drug's sounds (fingolimod's)."""


@pytest.fixture
def short(short_build: Path) -> Path:
    return short_build


def _verify(show: Path) -> tuple[int, dict]:  # type: ignore[type-arg]
    run = run_narrate("verify", "--show", show, "--out", show.parent / "out", "--format", "json")
    assert "Traceback" not in run.stderr, run.stderr
    return run.code, json.loads(run.stdout)


def test_numbers_dates_and_initialisms_said_right_are_not_misses(short: Path) -> None:
    code, report = _verify(short)
    (episode,) = report["episodes"]
    assert code == 0 and episode["passed"], episode
    summary_words = {"three", "hundred", "sixteen", "ms", "march", "third", "twenty", "five"}
    missed = {word for miss in episode["misses"] for word in miss["meant"].split()}
    assert not missed & summary_words, episode["misses"]
    assert episode["accuracy"] >= 0.9 and episode["words"] > 60


def test_a_wrong_lexicon_entry_is_caught_at_its_time(tmp_path: Path) -> None:
    show = build_short_show(tmp_path / "wrong", WRONG)
    _, report = _verify(show)
    (episode,) = report["episodes"]
    misses = [m for m in episode["misses"] if m["term"] == "Ocrelizumab"]
    assert misses, episode["misses"]
    segments = read_timings((show.parent / "out/audio/s.timing.json").read_text("utf-8"))
    said = next(t for t in segments if t.segment.text.startswith("Ocrelizumab"))
    assert said.start_ms - 300 <= misses[0]["start_ms"] <= said.start_ms + 1500
    assert misses[0]["link"].endswith(f"episodes/s/#t={misses[0]['start_ms'] / 1000:.1f}")
    # The suggestion, chosen by listening to the voice say the word each way, is one the
    # recognizer hears as the word (here, on this machine: the shipped lexicon's sounds; the
    # syllable respelling is heard nearly as well, so another processor's Whisper may pick
    # it), written where the editor can review it.
    (suggestion,) = [s for s in report["suggestions"] if s["word"] == "Ocrelizumab"]
    heard = re.sub(r"[^a-z]", "", suggestion["heard"].lower())
    assert difflib.SequenceMatcher(None, "ocrelizumab", heard).ratio() >= 0.8, suggestion
    assert "fingol" not in heard
    written = tomllib.loads(Path(report["suggestions_file"]).read_text(encoding="utf-8"))
    entry = {**written.get("phonemes", {}), **written.get("substitute", {})}
    assert {"ocrelizumab", "Ocrelizumab"} & set(entry), written
    if suggestion["table"] == "phonemes":
        shipped = tomllib.loads((REPO / "narrate/text/lexicon/medical.toml").read_text("utf-8"))
        assert written["phonemes"]["ocrelizumab"] == shipped["phonemes"]["ocrelizumab"]


def _edit(mp3: Path, change) -> None:  # type: ignore[no-untyped-def]
    pcm = np.frombuffer(decode_pcm(mp3, RATE), dtype=np.int16).copy()
    change(pcm)
    run_ffmpeg("-y", "-f", "s16le", "-ar", str(RATE), "-ac", "1", "-i", "pipe:0",
               "-c:a", "libmp3lame", "-b:a", "64k", str(mp3), stdin=pcm.tobytes())  # fmt: skip


def test_a_sentence_replaced_by_noise_fails(short: Path, tmp_path: Path) -> None:
    """Noise where a sentence was (silence there is a silent segment, caught without the
    recognizer: test_verify)."""
    show, mp3 = copy_short_show(short, tmp_path)
    segments = read_timings(mp3.with_suffix(".timing.json").read_text(encoding="utf-8"))
    body = [t for t in segments if t.segment.kind == "body"]
    longest = max(body, key=lambda t: len(t.segment.text))

    def replace(pcm: np.ndarray) -> None:
        span = slice(longest.start_ms * RATE // 1000, longest.end_ms * RATE // 1000)
        length = span.stop - span.start
        noise = np.random.default_rng(7).normal(0, 3000, length).astype(np.int16)
        pcm[span] = noise

    _edit(mp3, replace)
    code, report = _verify(show)
    (episode,) = report["episodes"]
    assert code == 1 and not episode["passed"]
    assert any("words heard, under the show's 85 %" in p for p in episode["problems"]), episode
    missed = " ".join(m["meant"] for m in episode["misses"])
    assert "rested every afternoon" in missed
    run = run_narrate("verify", "--show", show, "--out", show.parent / "out")
    assert run.code == 1
    assert [line for line in run.stdout.splitlines() if line.startswith("FAIL")]


def test_the_show_sets_the_threshold(short: Path, tmp_path: Path) -> None:
    """``[audio] word_accuracy`` is what an episode's hearing is held to."""
    show, mp3 = copy_short_show(short, tmp_path)
    show.write_text(show.read_text("utf-8").replace("= 85", "= 99.5"), "utf-8")
    settings = load_settings(show, summaries=[], use_cache=False)
    assert settings.audio.word_accuracy == 99.5
    segments = read_timings(mp3.with_suffix(".timing.json").read_text(encoding="utf-8"))
    words = [HeardWord(w.word, w.start_ms, w.end_ms) for t in segments for w in t.words or ()]
    heard = compare(segments, words[:-1])  # the last word not heard
    assert 0.9 < heard.accuracy < 1
    above, below = heard.accuracy * 100 + 0.1, heard.accuracy * 100 - 0.1
    assert judge_hearing(heard, segments, above, "en-US", None)[0].startswith(
        f"{heard.accuracy:.1%} of its {heard.words} words heard, under the show's {above:g} %"
    )
    assert judge_hearing(heard, segments, below, "en-US", None) == []


class _GarbledSentence(PiperEngine):
    """The real voice, misfiring on one sentence of the summary: it says something else."""

    def synthesize(self, text: str) -> Speech:
        if "rested every afternoon" in text:
            text = "The weather was mild and the garden grew tall beside the quiet river bank."
        return super().synthesize(text)


def test_a_build_that_listens_in_full_publishes_only_what_is_heard(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``listen = "full"``: the self-check hears each whole episode before it is published;
    the one the voice garbled a sentence of is not, the other is."""
    (tmp_path / "s.md").write_text(SHORT_SUMMARY, encoding="utf-8")
    (tmp_path / "t.md").write_text(SHORT_SUMMARY.replace("rested", "slept"), encoding="utf-8")
    show = write_show(
        tmp_path, [{"file": '"s.md"'}, {"file": '"t.md"'}], voice='{ engine = "piper" }'
    )
    show.write_text(show.read_text("utf-8") + '[audio]\nlisten = "full"\nword_accuracy = 85\n')
    settings = load_settings(show, out_dir=tmp_path / "out", use_cache=False)
    monkeypatch.setattr(narrate.audio.synthesize, "load_engine", _GarbledSentence)
    report = narrate.build.build(settings, jobs=1)
    (failure,) = report.failures
    assert "s.md" in failure and "self-check failed: " in failure
    assert "words heard, under the show's 85 %" in failure
    assert "narrate verify" in failure and "\n" not in failure
    assert [p.name for p in (tmp_path / "out").rglob("*.mp3")] == ["t.mp3"]
    assert [e.audio_file for e in report.feed] == ["audio/t.mp3"]
