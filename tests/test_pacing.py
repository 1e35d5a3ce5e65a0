"""Pacing for fatigue: rates, pauses, breaths, per-build overrides, and the fallback voice."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import run_narrate, write_show
from hypothesis import given
from hypothesis import strategies as st
from mutagen.id3 import ID3

from narrate.audio.mixdown import mix_episode
from narrate.audio.synthesize import synthesize_script
from narrate.config import EXAMPLE_SHOW, EngineSettings, load_settings
from narrate.engines.tone import ToneEngine
from narrate.errors import ConfigError, EngineError
from narrate.models import Script, Segment, Speech
from narrate.text.sentences import MAX_PHRASE_CHARS, breath_groups

TONE = EngineSettings("tone", "", "en-US", 1.0)
LONG = (
    "They found MdMs had higher activity in genes linked to oxidative stress and made more "
    "reactive oxygen species, or R O S, chemicals that can damage cells; think of R O S like "
    "sparks that can burn nearby tissue."
)


def _show(tmp_path: Path, voice: str = "", audio: str = "") -> Path:
    text = EXAMPLE_SHOW.read_text(encoding="utf-8")
    text = text.replace('file = "summaries/', f'file = "{EXAMPLE_SHOW.parent}/summaries/')
    text = "\n".join(
        line for line in text.splitlines() if not line.startswith(("engine =", "voice ="))
    )
    text = text.replace("[voice]\n", f"[voice]\n{voice}\n")
    path = tmp_path / "show.toml"
    path.write_text(text + (f"\n[audio]\n{audio}\n" if audio else ""), encoding="utf-8")
    return path


def test_gentle_rate_slows_speech_and_stretches_default_pauses(tmp_path: Path) -> None:
    normal = load_settings(_show(tmp_path))
    gentle = load_settings(_show(tmp_path, 'rate = "gentle"'))
    assert gentle.engine.length_scale == pytest.approx(1 / 0.85)
    assert gentle.audio.sentence_pause_ms == round(normal.audio.sentence_pause_ms * 1.5)
    assert gentle.audio.chapter_pause_ms == round(normal.audio.chapter_pause_ms * 1.5)
    assert gentle.audio.breath_ms > normal.audio.breath_ms
    assert gentle.script.words_per_minute < normal.script.words_per_minute


def test_explicit_pauses_win_over_the_rate(tmp_path: Path) -> None:
    settings = load_settings(_show(tmp_path, 'rate = "gentle"', "sentence_pause_ms = 300"))
    assert settings.audio.sentence_pause_ms == 300


def test_numeric_rate_and_bad_rate(tmp_path: Path) -> None:
    assert load_settings(_show(tmp_path, "rate = 1.25")).engine.length_scale == pytest.approx(0.8)
    with pytest.raises(ConfigError) as caught:
        load_settings(_show(tmp_path, 'rate = "sleepy"'))
    assert any(p.startswith("voice.rate:") for p in caught.value.problems)


def test_command_line_overrides_the_show_voice(tmp_path: Path) -> None:
    settings = load_settings(_show(tmp_path), engine="tone", rate="gentle")
    assert settings.engine.name == "tone"
    assert settings.engine.length_scale == pytest.approx(1 / 0.85)
    settings = load_settings(_show(tmp_path), rate="0.9")
    assert settings.engine.length_scale == pytest.approx(1 / 0.9)
    # --voice is typed in a shell: its problem is the command line's, not the show's key.
    with pytest.raises(ConfigError, match=r"--voice: no Kokoro voice file \(\.bin\)"):
        load_settings(_show(tmp_path), voice_arg="missing.onnx")
    # A bare word was meant as a voice's name: the names are what helps.
    with pytest.raises(ConfigError) as raised:
        load_settings(_show(tmp_path), voice_arg="af_hart")
    assert raised.value.problems == [
        '--voice: no Kokoro voice called "af_hart" (known: af_alloy, af_aoede, af_bella, '
        "af_heart, af_jessica, af_kore, af_nicole, af_nova, ... (54 in all)); give one of "
        "those, a path to a Kokoro voice file (.bin), or leave it out"
    ]


def test_fallback_must_differ_from_the_engine(tmp_path: Path) -> None:
    ok = load_settings(_show(tmp_path, 'engine = "gtts"\nfallback_engine = "piper"'))
    assert ok.fallback is not None and ok.fallback.name == "piper"
    with pytest.raises(ConfigError, match="fallback_engine"):
        load_settings(_show(tmp_path, 'engine = "piper"\nfallback_engine = "piper"'))
    # Kokoro, the default voice, falls back to Piper unless the show says otherwise.
    default = load_settings(_show(tmp_path))
    assert (default.engine.name, default.fallback and default.fallback.name) == ("kokoro", "piper")
    assert load_settings(_show(tmp_path, 'engine = "gtts"')).fallback is None


@pytest.mark.parametrize(
    ("spoken", "phrases"),
    [
        ("Short one, here.", ["Short one, here."]),
        ("It helped in these mice; it may not help people.",
         ["It helped in these mice;", "it may not help people."]),
        ("Yes; it did.", ["Yes; it did."]),  # too short to breathe
        (LONG, [
            "They found MdMs had higher activity in genes linked to oxidative stress and made "
            "more reactive oxygen species, or R O S,",
            "chemicals that can damage cells;",
            "think of R O S like sparks that can burn nearby tissue.",
        ]),
    ],
)  # fmt: skip
def test_breath_groups(spoken: str, phrases: list[str]) -> None:
    assert breath_groups(spoken) == phrases


@given(st.text(alphabet=st.sampled_from("ab ,;:.x\n"), max_size=1200))
def test_breath_groups_never_cut_or_lose_a_word(text: str) -> None:
    groups = breath_groups(text)
    assert " ".join(groups).split() == text.split()
    assert all(len(g) <= MAX_PHRASE_CHARS or " " not in g for g in groups)


def test_endless_sentence_is_split_at_spaces() -> None:
    groups = breath_groups("word " * 500)
    assert len(groups) > 1 and all(len(g) <= MAX_PHRASE_CHARS for g in groups)


def test_a_breath_separates_the_phrases_of_a_long_sentence(tmp_path: Path) -> None:
    settings = load_settings(EXAMPLE_SHOW)
    script = Script(("Body",), (Segment("body", 0, 0, LONG, LONG),), "d")
    clips = synthesize_script(script, ToneEngine(TONE))
    assert len(clips[0].parts) == 3
    audio = mix_episode(clips, script.chapters, settings.audio, tmp_path / "b.mp3")
    words = audio.segments[0].words
    assert words is not None and len(words) == len(LONG.split())
    # The gap between the last word of a phrase and the first of the next holds the breath.
    boundary = len(breath_groups(LONG)[0].split())
    gap = words[boundary].start_ms - words[boundary - 1].end_ms
    assert gap >= settings.audio.breath_ms


class _Broken:
    name = "broken"

    def fingerprint(self) -> str:
        return "broken"

    def describe(self) -> str:
        return "broken voice"

    def synthesize(self, text: str) -> Speech:
        raise EngineError("the service is down; try later")


def test_fallback_speaks_the_whole_episode() -> None:
    script = Script(("A",), tuple(Segment("body", 0, 0, t, t) for t in ("One.", "Two.")), "d")
    clips = synthesize_script(script, _Broken(), ToneEngine(TONE))
    assert [c.voice for c in clips] == ["tone test voice"] * 2
    with pytest.raises(EngineError, match="service is down"):
        synthesize_script(script, _Broken())


@pytest.mark.e2e
def test_offline_gtts_falls_back_to_piper_and_says_so(tmp_path: Path) -> None:
    (tmp_path / "s.md").write_text("---\ntitle: Short\ndate: 2026-01-01\n---\nA short one.\n")
    show = write_show(
        tmp_path, [{"file": '"s.md"'}], voice='{ engine = "gtts", fallback_engine = "piper" }'
    )
    out = tmp_path / "out"
    run = run_narrate("build", "--show", show, "--out", out, "--cache-dir", tmp_path / "c")
    assert run.code == 0, run.stderr
    assert "voice: Piper en_US-joe-medium" in run.stdout
    assert "could not reach" in run.stderr  # the log says why the fallback spoke
    assert str(ID3(out / "audio" / "s.mp3")["TXXX:voice"]) == "Piper en_US-joe-medium"
    timing = json.loads((out / "audio" / "s.timing.json").read_text(encoding="utf-8"))
    assert timing["voice"] == "Piper en_US-joe-medium"


def test_gentle_build_from_the_command_line(tmp_path: Path) -> None:
    (tmp_path / "s.md").write_text("---\ntitle: Short\ndate: 2026-01-01\n---\nA short one.\n")
    show = write_show(tmp_path, [{"file": '"s.md"'}])
    out = tmp_path / "out"
    args = ("build", "--show", show, "--out", out, "--no-cache", "--engine", "tone")
    normal = run_narrate(*args)
    normal_ms = json.loads((out / "audio" / "s.timing.json").read_text())["duration_ms"]
    gentle = run_narrate(*args, "--rate", "gentle")
    # Rebuilt audio gets a new revision name (the old one stays for keep_old_days).
    timing_file = out / "audio" / "s.r2.timing.json"
    gentle_ms = json.loads(timing_file.read_text())["duration_ms"]
    assert normal.code == gentle.code == 0, gentle.stderr
    assert gentle_ms > normal_ms * 1.1
