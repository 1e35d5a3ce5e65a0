"""gTTS: Google Translate's online voice. Needs network; retries briefly, then fails clearly.

Google speaks at most 100 characters per request, and gTTS, handed more, cuts wherever its
tokenizer lands, sometimes inside a word. So narrate cuts first (``split_for_gtts``: sentence
ends, then clause punctuation, then spaces) and sends each piece as one request of its own.
Failures that pass by themselves (429, 5xx, timeouts, dropped connections, answers without
audio) are retried with exponential backoff and full jitter, a bounded number of times; the
rest fail at once. Either way the last word is an ``EngineError`` with cause and fix.
"""

from __future__ import annotations

import binascii
import io
import json
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

from narrate.config import EngineOption, EngineSettings
from narrate.engines import Engine
from narrate.errors import EngineError
from narrate.models import Speech

log = logging.getLogger(__name__)

GTTS_MAX_CHARS = 100
"""The most characters Google's speech service takes in one request."""

ATTEMPTS = 4
"""Requests per piece of text before giving up on a failure that may pass by itself."""
CONNECTION_ATTEMPTS = 2
"""Requests per piece when Google cannot be reached at all: offline builds fail in seconds."""
BACKOFF_BASE_S = 0.5
"""Longest wait before the first retry; it doubles before each further retry..."""
BACKOFF_CAP_S = 8.0
"""...up to this. Each wait is drawn uniformly below its bound (full jitter)."""

_SENTENCE_ENDS = ".!?…"
_CLAUSE_ENDS = ",;:—–"
_CLOSERS = "\"'”’)]}»"

_FIX = 'Use engine = "piper" under [voice] for offline builds, or set fallback_engine there.'
_FIX_LOWER = _FIX[0].lower() + _FIX[1:]
_UNREACHABLE = "gTTS could not reach Google's speech service (no network?). " + _FIX
_TIMEOUT = "Google's speech service did not answer in time (slow network?). " + _FIX
_NO_AUDIO = "Google's speech service answered without audio; try again later, or " + _FIX_LOWER


def split_for_gtts(text: str, limit: int = GTTS_MAX_CHARS) -> list[str]:
    """Pieces of at most ``limit`` characters, cut only between words, best break first.

    ``split_for_gtts("One. Two, three four five", 16)`` -> ``["One.", "Two,", "three four
    five"]``: of the breaks that fit, a sentence end beats clause punctuation (``, ; : — –``),
    which beats a bare space, and the latest of the best kind wins, so Google pauses where a
    reader would. A word longer than ``limit`` is a piece of its own: a long word said whole
    beats two halves (gTTS then splits that one piece itself). Whitespace runs become single
    spaces, so ``" ".join(pieces)`` has the words of ``text`` in order.
    """
    if limit < 1:
        raise ValueError(f"limit must be at least 1, not {limit}")
    words = text.split()
    pieces: list[str] = []
    start = 0
    while start < len(words):
        end, length = start + 1, len(words[start])
        while end < len(words) and length + 1 + len(words[end]) <= limit:
            length += 1 + len(words[end])
            end += 1
        # A break before an over-long word is forced anyway; anywhere else, choose the best.
        if end < len(words) and len(words[end]) <= limit:
            end = max(range(start + 1, end + 1), key=lambda cut: (_break_rank(words[cut - 1]), cut))
        pieces.append(" ".join(words[start:end]))
        start = end
    return pieces


def _break_rank(word: str) -> int:
    """How good a break after ``word`` is: 2 a sentence end, 1 a clause end, 0 a space."""
    last = word.rstrip(_CLOSERS)[-1:]
    if last and last in _SENTENCE_ENDS:
        return 2
    return 1 if last and last in _CLAUSE_ENDS else 0


@dataclass(frozen=True)
class _Failure:
    """Why one request failed, and whether asking again may help."""

    cause: str
    """A few words for the retry log line, e.g. ``HTTP 503``."""
    message: str
    """The ``EngineError`` message should this be the last attempt: cause and fix."""
    retry: bool = True
    """False when the same request would fail the same way (400, an unknown language)."""
    unreachable: bool = False
    """Google was never reached: retried fewer times, so offline builds fail fast."""


CONNECT_TIMEOUT_S = 3.05
"""Seconds to wait for a connection to Google (reading the answer may take timeout_s)."""


class GttsEngine(Engine):
    """Speaks through gTTS; ``voice`` is an optional Google domain (``tld``) for the accent."""

    name = "gtts"
    options = (EngineOption("timeout_s", 0.5, 120.0, "seconds to wait for Google's answer", 10.0),)

    def __init__(
        self,
        settings: EngineSettings,
        *,
        attempts: int = ATTEMPTS,
        sleep: Callable[[float], None] | None = None,
        rand: Callable[[float, float], float] | None = None,
    ) -> None:
        """``sleep`` and ``rand`` (default ``time.sleep``, ``random.uniform``) time the retries."""
        if attempts < 1:
            raise ValueError(f"attempts must be at least 1, not {attempts}")
        language, _, region = settings.language.partition("-")
        self.lang = language.lower() or "en"
        self.tld = settings.voice or {"GB": "co.uk", "AU": "com.au", "IN": "co.in"}.get(
            region.upper(), "com"
        )
        self.slow = settings.length_scale >= 1.15  # "gentle" and slower: gTTS's slow mode
        # Connecting takes a moment or never happens; a short connect timeout keeps an offline
        # build's failure within seconds even where packets are silently dropped.
        timeout = self.option(settings, "timeout_s")
        assert timeout is not None  # declared with a default
        self.timeout = (min(CONNECT_TIMEOUT_S, timeout), timeout)
        self.attempts = attempts
        self._sleep = sleep or time.sleep
        self._rand = rand or random.uniform

    def describe(self) -> str:
        return f"gTTS {self.lang} ({self.tld})"

    def fingerprint(self) -> str:
        # "split" changes whenever narrate cuts text into requests differently: the cuts are heard.
        return json.dumps(
            {"engine": "gtts", "lang": self.lang, "tld": self.tld, "slow": self.slow, "split": 1},
            sort_keys=True,
        )

    def synthesize(self, text: str) -> Speech:
        gtts = _import_gtts()
        audio = bytearray()
        for piece in split_for_gtts(_apply_gtts_text_rules(gtts, text)):
            data = self._speak(gtts, piece)
            # MP3 frames concatenate; an ID3 tag mid-stream could be decoded as a click.
            audio += data if not audio else data[_audio_start(data) or 0 :]
        if not audio:
            raise EngineError(f'gTTS had nothing to speak in "{text[:60]}"')
        return Speech(bytes(audio), "mp3", 24000)

    def _speak(self, gtts: ModuleType, piece: str) -> bytes:
        """One piece, asked for again while the failure may pass by itself, within bounds."""
        attempt = unreachable = 0
        while True:
            attempt += 1
            outcome = self._request(gtts, piece)
            if isinstance(outcome, bytes):
                return outcome
            unreachable += outcome.unreachable
            if not outcome.retry or attempt >= self.attempts or unreachable >= CONNECTION_ATTEMPTS:
                raise EngineError(outcome.message)
            delay = self._rand(0.0, min(BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** (attempt - 1)))
            log.info("gTTS: %s (attempt %d); retrying in %.1f s", outcome.cause, attempt, delay)
            self._sleep(delay)

    def _request(self, gtts: ModuleType, piece: str) -> bytes | _Failure:
        """Send one piece: its MP3, or why there is none. Pieces gTTS finds empty give b""."""
        try:
            # Pieces are short enough for one request each once gTTS's own rules have run.
            speaker = gtts.gTTS(
                piece,
                lang=self.lang,
                tld=self.tld,
                slow=self.slow,
                timeout=self.timeout,
                pre_processor_funcs=[],
            )
        except ValueError:  # gTTS checks the language against its own list
            raise EngineError(
                f'gTTS has no voice for language "{self.lang}". Set language to one Google'
                " Translate speaks (gtts-cli --all lists them), or " + _FIX_LOWER
            ) from None
        buffer = io.BytesIO()
        try:
            speaker.write_to_fp(buffer)
        except gtts.gTTSError as error:
            return self._explain(error)
        except binascii.Error:  # the audio's base64 arrived cut or mangled
            return _Failure("garbled audio", _NO_AUDIO)
        except AssertionError:  # punctuation only: gTTS asserts there is nothing to say
            return b""
        data = buffer.getvalue()
        if _audio_start(data) is None:
            return _Failure("no audio in the answer", _NO_AUDIO)
        return data

    def _explain(self, error: Exception) -> _Failure:
        """gTTS folds every failure into gTTSError; say which one it was and what to do."""
        import requests

        response = getattr(error, "rsp", None)
        status: int | None = getattr(response, "status_code", None)
        context = error.__context__
        if status is None:
            if isinstance(context, requests.exceptions.Timeout):
                # Never connecting in time is as good as offline: as few attempts.
                connect = isinstance(context, requests.exceptions.ConnectTimeout)
                return _Failure("timeout", _TIMEOUT, unreachable=connect)
            if isinstance(context, requests.exceptions.ConnectionError):
                return _Failure("connection failed", _UNREACHABLE, unreachable=True)
            broke_off = (
                requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError,
            )
            if isinstance(context, broke_off):
                return _Failure("the answer broke off", _NO_AUDIO)
            # Anything else (an invalid URL or proxy URL) fails again the same way.
            name = type(context).__name__
            message = f"gTTS could not reach Google's speech service ({name}: {context}). " + _FIX
            return _Failure(name, message, retry=False)
        if status == 429:
            message = "Google's speech service refused: too many requests (429). Wait, or "
            return _Failure("HTTP 429", message + _FIX_LOWER)
        if status >= 500:
            message = f"Google's speech service failed (HTTP {status}); try again later, or "
            return _Failure(f"HTTP {status}", message + _FIX_LOWER)
        if status < 400:  # a 200 whose body holds no audio
            return _Failure(f"HTTP {status} without audio", _NO_AUDIO)
        hint = {
            400: f'it may not speak language "{self.lang}"; check language in the show file',
            403: "Google may have changed the service; update gTTS (pip install -U gtts)",
            404: f'is "{self.tld}" a Google domain? Check voice under [voice] (e.g. "co.uk")',
        }.get(status, "asking again will not help")
        message = f"Google's speech service rejected the request (HTTP {status}): {hint}, or "
        return _Failure(f"HTTP {status}", message + _FIX_LOWER, retry=False)


def _import_gtts() -> ModuleType:
    """gTTS is imported only when something is spoken, so ``narrate --help`` stays instant."""
    try:
        import gtts
        import gtts.tokenizer.pre_processors
    except ImportError:
        raise EngineError("gtts is not installed; run: pip install gtts") from None
    module: ModuleType = gtts  # untyped library: name what it is
    return module


def _apply_gtts_text_rules(gtts: ModuleType, text: str) -> str:
    """gTTS's own rules ("Dr." -> "Dr", "Esq." -> "Esquire"), run once before splitting.

    gTTS would otherwise run them per piece, after narrate measured it: a piece could grow past
    the limit, and "Dr." would look like a sentence end to ``split_for_gtts``.
    """
    rules = gtts.tokenizer.pre_processors
    for rule in (rules.tone_marks, rules.end_of_line, rules.abbreviations, rules.word_sub):
        text = rule(text)
    return str(text)


def _audio_start(data: bytes) -> int | None:
    """Where the first MPEG audio frame starts, after any ID3v2 tag; None if it is not MP3.

    A consent page, an error text or half a base64 payload fails this; real MP3 cannot.
    """
    start = 0
    if data[:3] == b"ID3" and len(data) >= 10:
        size = data[6] << 21 | data[7] << 14 | data[8] << 7 | data[9]  # syncsafe integer
        start = 10 + size + (10 if data[5] & 0x10 else 0)  # footer flag
    header = data[start : start + 4]
    if len(header) < 4 or header[0] != 0xFF or header[1] & 0xE0 != 0xE0:  # 11-bit frame sync
        return None
    version, layer = header[1] >> 3 & 3, header[1] >> 1 & 3
    bitrate, rate = header[2] >> 4, header[2] >> 2 & 3
    if version == 1 or layer == 0 or bitrate == 0xF or rate == 3:  # reserved values
        return None
    return start
