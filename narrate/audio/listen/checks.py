"""Stage: verify_episode(mp3, segments) -> problems. The episode's own ears.

After mixdown, and on demand with ``narrate verify`` (``narrate.publish.verify``), the
encoded audio is checked the way a listener would notice trouble: a segment that is silent, a
segment far shorter than its words need (truncated), and a disclaimer that cannot actually be
heard. The last is checked with the recognizer (Whisper tiny.en: ``whisper``).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from pathlib import Path

from narrate.audio import dsp
from narrate.audio.ffmpeg import convert_pcm, decode_pcm
from narrate.audio.listen.compare import canonical
from narrate.audio.listen.whisper import DISCLAIMER_MODEL, RATE, transcribe
from narrate.models import SegmentTiming, Speech

log = logging.getLogger(__name__)

SILENCE_DBFS = -45.0
"""A 20 ms frame quieter than this holds no speech."""
MIN_MS_PER_CHAR = 25
"""No voice speaks faster than 40 characters a second: less audio than this is truncated."""
HEARD_FRACTION = 0.5
"""Share of the disclaimer's words the recognizer must hear."""


def verify_episode(
    mp3: Path,
    segments: Sequence[SegmentTiming],
    *,
    listen: bool = True,
    decoded: tuple[bytes, int] | None = None,
) -> list[str]:
    """One line per problem found in ``mp3``; empty when the episode sounds right.

    ``listen=False`` skips the recognizer (test voices that beep, languages it does not know).
    ``decoded``: the MP3 already decoded (PCM, rate), by mixdown when it measured it; read
    instead of decoding again where the recognizer does not need its own rate.
    """
    raw, rate = decoded if decoded and decoded[1] and not listen else (decode_pcm(mp3, RATE), RATE)
    samples = dsp.from_pcm16(raw)
    problems: list[str] = []
    for number, timing in enumerate(segments, start=1):
        piece = samples[timing.start_ms * rate // 1000 : timing.end_ms * rate // 1000]
        label = f"segment {number} ({timing.segment.kind}, {_quote(timing.segment.text)})"
        active_ms = _active_ms(piece, rate)
        needed_ms = MIN_MS_PER_CHAR * len(timing.segment.spoken)
        if active_ms == 0:
            problems.append(f"{label} is silent")
        elif active_ms < needed_ms:
            problems.append(
                f"{label} is truncated: {active_ms} ms of sound for {len(timing.segment.spoken)} "
                f"characters (at least {needed_ms} ms expected)"
            )
    disclaimer = [t for t in segments if t.segment.kind == "disclaimer"]
    if not disclaimer:
        problems.append("the episode has no disclaimer segment")
    elif listen and not any("disclaimer" in p for p in problems):
        start = max(0, disclaimer[0].start_ms - 200) * RATE // 1000
        end = (disclaimer[-1].end_ms + 200) * RATE // 1000
        if problem := _judge(
            raw[2 * start : 2 * end], " ".join(t.segment.text for t in disclaimer)
        ):
            problems.append(problem)
    return problems


def hear_disclaimer(speeches: Sequence[Speech], meant: str, model: str = "") -> str | None:
    """The problem, if the recognizer cannot hear ``meant`` (the disclaimer's written words) in
    the voice's own clips of it. ``model``: a faster-whisper folder ("": tiny.en).

    A build listens to the disclaimer as the voice spoke it, while the encoder works, and
    checks the decoded MP3 for silence and truncation with ``verify_episode(listen=False)``.
    Every episode of a show says the same disclaimer, usually in the very same clips (from
    the cache): ``sound_key`` tells them apart, so a build can judge each sound once.
    """
    return _judge(b"".join(at_rate(speech) for speech in speeches), meant, model)


def sound_key(speeches: Sequence[Speech], meant: str) -> str:
    """What ``hear_disclaimer``'s verdict depends on: the words meant and the very sound."""
    sha = hashlib.sha256(meant.encode("utf-8"))
    for speech in speeches:
        sha.update(f"|{speech.format}|{speech.sample_rate}|{len(speech.data)}|".encode())
        sha.update(speech.data)
    return sha.hexdigest()


def _active_ms(piece: dsp.Samples, rate: int) -> int:
    frame = rate // 50  # 20 ms
    loud = dsp.frame_power(piece, frame) > 10 ** (SILENCE_DBFS / 10)
    return int(loud.sum()) * 1000 * frame // rate


def _judge(pcm: bytes, meant: str, model: str = "") -> str | None:
    """A problem unless the recognizer hears enough of ``meant``'s words in ``pcm``."""
    heard_words = transcribe(dsp.from_pcm16(pcm), model or DISCLAIMER_MODEL, threads=1)
    log.debug("disclaimer heard as %r", " ".join(w.word for w in heard_words))
    heard = _words(" ".join(w.word for w in heard_words))
    words = _words(meant)
    if len(words & heard) >= HEARD_FRACTION * len(words):
        return None
    return (
        f"the disclaimer is not heard clearly: the recognizer caught "
        f"{len(words & heard)} of its {len(words)} words ({' '.join(sorted(heard)) or '-'})"
    )


def at_rate(speech: Speech) -> bytes:
    """A clip as 16-bit mono PCM at the recognizer's rate."""
    if speech.format == "pcm_s16le" and speech.sample_rate == RATE:
        return speech.data
    source = ["-f", "s16le", "-ar", str(speech.sample_rate), "-ac", "1"]
    return convert_pcm(speech.data, source if speech.format == "pcm_s16le" else [], RATE)


def _words(text: str) -> set[str]:
    """Content words, in one spoken form: "AI-generated summary" -> {"generated", "summary"}."""
    return {word for word in canonical(text) if len(word) > 2}


def _quote(text: str) -> str:
    return '"' + (text if len(text) <= 40 else text[:37] + "...") + '"'
