"""gTTS: Google Translate's online voice. Needs network; fails fast and clearly without it."""

from __future__ import annotations

import io
import json

from narrate.config import EngineSettings
from narrate.errors import EngineError
from narrate.models import Speech

_OFFLINE_FIX = 'Use engine = "piper" under [voice] for offline builds.'
_FIX_LOWER = 'use engine = "piper" under [voice] for offline builds.'
_NO_AUDIO = "Google's speech service answered without audio; try again later, or " + _FIX_LOWER


class GttsEngine:
    """Speaks through gTTS; ``voice`` is an optional Google domain (``tld``) for the accent."""

    name = "gtts"

    def __init__(self, settings: EngineSettings) -> None:
        language, _, region = settings.language.partition("-")
        self.lang = language.lower() or "en"
        self.tld = settings.voice or {"GB": "co.uk", "AU": "com.au", "IN": "co.in"}.get(
            region.upper(), "com"
        )
        self.slow = settings.length_scale >= 1.3
        self.timeout = settings.timeout_s

    def describe(self) -> str:
        return f"gTTS {self.lang} ({self.tld})"

    def fingerprint(self) -> str:
        return json.dumps(
            {"engine": "gtts", "lang": self.lang, "tld": self.tld, "slow": self.slow},
            sort_keys=True,
        )

    def synthesize(self, text: str) -> Speech:
        try:
            from gtts import gTTS, gTTSError
        except ImportError:
            raise EngineError("gtts is not installed; run: pip install gtts") from None
        buffer = io.BytesIO()
        try:
            gTTS(
                text, lang=self.lang, tld=self.tld, slow=self.slow, timeout=self.timeout
            ).write_to_fp(buffer)
        except gTTSError as error:
            raise EngineError(_explain(error)) from None
        except AssertionError:  # gTTS asserts on text with nothing to speak
            raise EngineError(f'gTTS had nothing to speak in "{text[:60]}"') from None
        data = buffer.getvalue()
        if not data:
            raise EngineError(_NO_AUDIO)
        return Speech(data, "mp3", 24000)


def _explain(error: Exception) -> str:
    """gTTS folds every failure into gTTSError; say which one it was and what to do."""
    response = getattr(error, "rsp", None)
    status = getattr(response, "status_code", None)
    cause = type(error.__context__).__name__ if error.__context__ else ""
    if status is None and "Timeout" in cause:
        return "Google's speech service did not answer in time (slow network?). " + _OFFLINE_FIX
    if status is None:
        return "gTTS could not reach Google's speech service (no network?). " + _OFFLINE_FIX
    if status == 429:
        return "Google's speech service refused: too many requests (429). Wait, or " + _FIX_LOWER
    if status < 400:
        return _NO_AUDIO
    return f"Google's speech service failed (HTTP {status}); try again later, or " + _FIX_LOWER
