"""Stage: mix_episode(clips, chapters, settings, dest) -> EpisodeAudio.

Joins segment audio with pauses (sentence < paragraph < chapter), normalizes loudness to the
podcast target (EBU R128 gain and a true-peak limiter), and encodes a constant-bit-rate MP3. Every
segment's position is kept on one millisecond clock, which chapters and captions share.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from narrate.config import AudioSettings
from narrate.errors import AudioError
from narrate.ffmpeg import Loudness, convert_pcm, ffmpeg_path, measure_loudness, run_ffmpeg
from narrate.models import Chapter, Clip, EpisodeAudio, Segment, SegmentTiming, Speech, WordTiming

log = logging.getLogger(__name__)

_SILENCE_LUFS = -70.0
"""Quieter than this is silence: nothing to normalize."""
_STEREO_DB = 3.01
"""The same mono signal on two channels measures this much louder (EBU R128 sums channels)."""
_LOUDNESS_SLACK_LU = 0.5
"""How far off target an encoded episode may be before it is encoded again."""
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
    speeches = [part for clip in clips for part in clip.parts]
    rate = next((s.sample_rate for s in speeches if s.format == "pcm_s16le"), 0)
    tape = _Tape(rate or settings.sample_rate)
    tape.silence(settings.lead_in_ms)
    timings: list[SegmentTiming] = []
    boundaries: list[int] = [0]  # chapter starts, in ms: halfway through the pause before them
    for index, clip in enumerate(clips):
        if index:
            before = tape.ms
            tape.silence(_pause(clips[index - 1].segment, clip.segment, settings))
            if clip.segment.chapter != clips[index - 1].segment.chapter:
                boundaries.append((before + tape.ms) // 2)
        timings.append(tape.speak(clip, settings.breath_ms))
    tape.silence(settings.tail_ms)
    duration_ms = tape.ms
    chapter_list = tuple(
        Chapter(title, start, end)
        for title, start, end in zip(
            _chapter_titles(clips, chapters),
            boundaries,
            [*boundaries[1:], duration_ms],
            strict=True,
        )
    )
    mix = _audio_segment()(data=bytes(tape.pcm), sample_width=2, frame_rate=tape.rate, channels=1)
    loudness = _encode(mix, settings, dest)
    return EpisodeAudio(
        path=dest,
        duration_ms=duration_ms,
        chapters=chapter_list,
        segments=tuple(timings),
        voice=", ".join(sorted({c.voice for c in clips})),
        loudness_lufs=loudness.integrated_lufs,
        true_peak_dbtp=loudness.true_peak_dbtp,
    )


class _Tape:
    """Mono 16-bit PCM growing at the end, with its millisecond clock."""

    def __init__(self, rate: int) -> None:
        self.rate = rate
        self.pcm = bytearray()

    @property
    def ms(self) -> int:
        return round(len(self.pcm) / 2 * 1000 / self.rate)

    def silence(self, ms: int) -> None:
        self.pcm += b"\0\0" * (ms * self.rate // 1000)

    def speak(self, clip: Clip, breath_ms: int) -> SegmentTiming:
        """Append a clip's parts with a breath between them; its words move onto the clock."""
        begin = self.ms
        words: list[WordTiming] | None = []
        for number, part in enumerate(clip.parts):
            if number:
                self.silence(breath_ms)
            offset = self.ms
            self.pcm += _decode(part, self.rate)
            if part.words is None or words is None:
                words = None
                continue
            limit = self.ms
            words += [
                WordTiming(w.word, min(offset + w.start_ms, limit), min(offset + w.end_ms, limit))
                for w in part.words
            ]
        return SegmentTiming(clip.segment, begin, self.ms, None if words is None else tuple(words))


def _pause(previous: Segment, segment: Segment, settings: AudioSettings) -> int:
    if segment.chapter != previous.chapter:
        return settings.chapter_pause_ms
    if segment.paragraph != previous.paragraph:
        return settings.paragraph_pause_ms
    return settings.sentence_pause_ms


def _chapter_titles(clips: Sequence[Clip], chapters: Sequence[str]) -> list[str]:
    seen: list[int] = []
    for clip in clips:
        if not seen or clip.segment.chapter != seen[-1]:
            seen.append(clip.segment.chapter)
    return [chapters[i] for i in seen]


def _encode(mix: Any, settings: AudioSettings, dest: Path) -> Loudness:
    """Gain to the loudness target, a true-peak-safe limiter, CBR MP3; measured, and encoded
    again (at most twice) if the encoded file is off target.

    EBU R128 measurement (ffmpeg's ebur128) plus a linear gain and a lookahead limiter with
    its delay compensated, so every sample stays where the timing model put it. It is several
    times faster than ffmpeg's two-pass ``loudnorm``, which resamples to 192 kHz.
    """
    wav = dest.with_suffix(".mix.wav")
    mix.export(str(wav), format="wav")
    try:
        source = measure_loudness(wav)
        silent = source.integrated_lufs < _SILENCE_LUFS
        layout_db = _STEREO_DB if settings.channels == 2 else 0.0
        gain = 0.0 if silent else settings.loudness_lufs - source.integrated_lufs - layout_db
        ceiling = settings.true_peak_dbtp - _ENCODER_MARGIN_DB
        for _attempt in range(3):
            _run_encode(wav, gain, ceiling, settings, dest)
            result = measure_loudness(dest)
            off = settings.loudness_lufs - result.integrated_lufs
            over = result.true_peak_dbtp - settings.true_peak_dbtp
            if silent or (abs(off) <= _LOUDNESS_SLACK_LU and over <= 0):
                break
            if abs(off) > _LOUDNESS_SLACK_LU:
                gain += off
            if over > 0:
                ceiling -= over + 0.3
        return result
    finally:
        wav.unlink(missing_ok=True)


def _run_encode(
    wav: Path, gain_db: float, ceiling_dbtp: float, settings: AudioSettings, dest: Path
) -> None:
    limit = min(1.0, max(0.0625, 10 ** (ceiling_dbtp / 20)))
    filters = (
        f"volume={gain_db:.2f}dB,"
        f"alimiter=limit={limit:.4f}:attack=5:release=50:level=false:latency=true,"
        f"aresample={settings.sample_rate}"
    )
    run_ffmpeg("-nostats", "-y", "-i", str(wav), "-af", filters,
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
