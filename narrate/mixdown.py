"""Stage: mix_episode(clips, chapters, settings, dest) -> EpisodeAudio.

Joins segment audio with pauses (sentence < paragraph < chapter), normalizes loudness to the
podcast target with ffmpeg's two-pass ``loudnorm``, and encodes a constant-bit-rate MP3. Every
segment's position is kept on one millisecond clock, which chapters and captions share.
"""

from __future__ import annotations

import json
import logging
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from narrate.config import AudioSettings
from narrate.errors import AudioError
from narrate.ffmpeg import Loudness, convert_pcm, ffmpeg_path, measure_loudness, run_ffmpeg
from narrate.models import Chapter, Clip, EpisodeAudio, SegmentTiming, Speech, WordTiming

log = logging.getLogger(__name__)

_LRA_TARGET = 11.0
_ENCODER_MARGIN_DB = 0.5
"""MP3 encoding can raise true peaks a little; aim this far under the ceiling."""


def _audio_segment() -> Any:
    """pydub's AudioSegment, pointed at narrate's ffmpeg."""
    with warnings.catch_warnings():  # pydub warns at import: no ffmpeg on PATH, audioop
        warnings.simplefilter("ignore", RuntimeWarning)
        warnings.simplefilter("ignore", DeprecationWarning)
        from pydub import AudioSegment
    AudioSegment.converter = ffmpeg_path()
    return AudioSegment


def mix_episode(
    clips: Sequence[Clip], chapters: Sequence[str], settings: AudioSettings, dest: Path
) -> EpisodeAudio:
    """Mix, normalize and encode ``clips`` into the MP3 ``dest``; return its timing model."""
    if not clips:
        raise AudioError("an episode needs at least one segment of speech")
    audio_segment = _audio_segment()
    rate = next((c.speech.sample_rate for c in clips if c.speech.format == "pcm_s16le"), 0)
    rate = rate or settings.sample_rate
    pcm = bytearray(_silence(settings.lead_in_ms, rate))
    timings: list[SegmentTiming] = []
    boundaries: list[int] = [0]  # chapter starts, in samples
    previous = None
    for clip in clips:
        segment = clip.segment
        if previous is not None:
            if segment.chapter != previous.chapter:
                pause = settings.chapter_pause_ms
            elif segment.paragraph != previous.paragraph:
                pause = settings.paragraph_pause_ms
            else:
                pause = settings.sentence_pause_ms
            gap_start = len(pcm) // 2
            pcm += _silence(pause, rate)
            if segment.chapter != previous.chapter:
                boundaries.append((gap_start + len(pcm) // 2) // 2)
        start = len(pcm) // 2
        pcm += _decode(clip.speech, rate)
        begin_ms, end_ms = _ms(start, rate), _ms(len(pcm) // 2, rate)
        words = clip.speech.words
        if words is not None:
            words = tuple(
                WordTiming(
                    w.word, min(begin_ms + w.start_ms, end_ms), min(begin_ms + w.end_ms, end_ms)
                )
                for w in words
            )
        timings.append(SegmentTiming(segment, begin_ms, end_ms, words))
        previous = segment
    pcm += _silence(settings.tail_ms, rate)
    total = len(pcm) // 2
    duration_ms = _ms(total, rate)
    starts = [_ms(b, rate) for b in boundaries]
    chapter_list = tuple(
        Chapter(title, start, end)
        for title, start, end in zip(
            _chapter_titles(clips, chapters), starts, [*starts[1:], duration_ms], strict=True
        )
    )
    mix = audio_segment(data=bytes(pcm), sample_width=2, frame_rate=rate, channels=1)
    loudness = _encode(mix, rate, settings, dest)
    voices = sorted({c.voice for c in clips})
    return EpisodeAudio(
        path=dest,
        duration_ms=duration_ms,
        chapters=chapter_list,
        segments=tuple(timings),
        voice=", ".join(voices),
        loudness_lufs=loudness.integrated_lufs,
        true_peak_dbtp=loudness.true_peak_dbtp,
    )


def _chapter_titles(clips: Sequence[Clip], chapters: Sequence[str]) -> list[str]:
    seen: list[int] = []
    for clip in clips:
        if not seen or clip.segment.chapter != seen[-1]:
            seen.append(clip.segment.chapter)
    return [chapters[i] for i in seen]


def _encode(mix: Any, rate: int, settings: AudioSettings, dest: Path) -> Loudness:
    """Two-pass loudnorm into a CBR MP3; one more pass if MP3 encoding overshot the peak."""
    wav = dest.with_suffix(".mix.wav")
    mix.export(str(wav), format="wav")
    try:
        measured = _loudnorm_measure(wav, settings)
        ceiling = settings.true_peak_dbtp - _ENCODER_MARGIN_DB
        for _attempt in range(3):
            _run_encode(wav, measured, settings, ceiling, dest)
            result = measure_loudness(dest)
            if result.true_peak_dbtp <= settings.true_peak_dbtp:
                break
            ceiling -= result.true_peak_dbtp - settings.true_peak_dbtp + 0.3
        return result
    finally:
        wav.unlink(missing_ok=True)


def _loudnorm_measure(wav: Path, settings: AudioSettings) -> dict[str, str] | None:
    target = f"I={settings.loudness_lufs}:TP={settings.true_peak_dbtp}:LRA={_LRA_TARGET}"
    text = run_ffmpeg("-nostats", "-i", str(wav), "-af", f"loudnorm={target}:print_format=json",
                      "-f", "null", "-").stderr  # fmt: skip
    try:
        measured: dict[str, str] = json.loads(text[text.rindex("{") : text.rindex("}") + 1])
    except ValueError:
        raise AudioError("ffmpeg's loudnorm printed no measurement; is ffmpeg too old?") from None
    if measured["input_i"] in ("-inf", "inf") or float(measured["input_i"]) < -70:
        return None  # silence: nothing to normalize
    return measured


def _run_encode(
    wav: Path, measured: dict[str, str] | None, settings: AudioSettings, ceiling: float, dest: Path
) -> None:
    filters = []
    if measured is not None:
        filters.append(
            f"loudnorm=I={settings.loudness_lufs}:TP={ceiling:.2f}:LRA={_LRA_TARGET}"
            f":measured_I={measured['input_i']}:measured_TP={measured['input_tp']}"
            f":measured_LRA={measured['input_lra']}:measured_thresh={measured['input_thresh']}"
            f":offset={measured['target_offset']}:linear=true"
        )
    filters.append(f"aresample={settings.sample_rate}")
    run_ffmpeg("-nostats", "-y", "-i", str(wav), "-af", ",".join(filters),
               "-ac", str(settings.channels), "-ar", str(settings.sample_rate),
               "-c:a", "libmp3lame", "-b:a", f"{settings.bitrate_kbps}k", "-f", "mp3",
               str(dest))  # fmt: skip


def _decode(speech: Speech, rate: int) -> bytes:
    """Mono 16-bit PCM at ``rate``; ffmpeg converts anything else."""
    if speech.format == "pcm_s16le" and speech.sample_rate == rate:
        return speech.data
    source = (
        ["-f", "s16le", "-ar", str(speech.sample_rate), "-ac", "1"]
        if speech.format == "pcm_s16le"
        else []
    )
    pcm = convert_pcm(speech.data, source, rate)
    if not pcm:
        raise AudioError("the engine returned audio ffmpeg could not decode; try another engine")
    return pcm


def _silence(ms: int, rate: int) -> bytes:
    return b"\0\0" * (ms * rate // 1000)


def _ms(samples: int, rate: int) -> int:
    return round(samples * 1000 / rate)
