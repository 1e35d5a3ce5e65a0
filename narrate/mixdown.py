"""Stage: mix_episode(clips, chapters, settings, dest) -> EpisodeAudio.

Joins segment audio with pauses (sentence < paragraph < chapter), normalizes loudness to the
podcast target with ffmpeg's two-pass ``loudnorm``, and encodes a constant-bit-rate MP3. Every
segment's position is kept on one millisecond clock, which chapters and captions share.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import subprocess
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from narrate.config import AudioSettings
from narrate.errors import AudioError
from narrate.models import Chapter, Clip, EpisodeAudio, SegmentTiming, Speech

log = logging.getLogger(__name__)

_LRA_TARGET = 11.0
_ENCODER_MARGIN_DB = 0.5
"""MP3 encoding can raise true peaks a little; aim this far under the ceiling."""


@dataclass(frozen=True)
class Loudness:
    """An ffmpeg EBU R128 measurement."""

    integrated_lufs: float
    """Integrated loudness (−inf for silence)."""
    true_peak_dbtp: float
    """Maximum true peak."""


@lru_cache(maxsize=1)
def ffmpeg_path() -> str:
    """A system ffmpeg when present, else the static one in imageio-ffmpeg's wheel."""
    system = shutil.which("ffmpeg")
    if system:
        return system
    try:
        import imageio_ffmpeg
    except ImportError:
        raise AudioError(
            "no ffmpeg found; install it (apt-get install ffmpeg) or pip install imageio-ffmpeg"
        ) from None
    return str(imageio_ffmpeg.get_ffmpeg_exe())


def _audio_segment() -> Any:
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
        timings.append(SegmentTiming(segment, _ms(start, rate), _ms(len(pcm) // 2, rate)))
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


def measure_loudness(path: Path) -> Loudness:
    """EBU R128 integrated loudness and true peak of an audio file, as ffmpeg measures them."""
    result = _run([ffmpeg_path(), "-nostats", "-i", str(path), "-af", "ebur128=peak=true",
                   "-f", "null", "-"])  # fmt: skip
    summary = result.stderr[result.stderr.rfind("Summary:") :]
    integrated = re.search(r"I:\s+(-?[\d.]+|-inf) LUFS", summary)
    peak = re.search(r"Peak:\s+(-?[\d.]+|-inf) dBFS", summary)
    if not integrated or not peak:
        raise AudioError(f"ffmpeg could not measure the loudness of {path}; is it audio?")
    return Loudness(float(integrated.group(1)), float(peak.group(1)))


def decoded_duration_ms(path: Path) -> int:
    """Length of an audio file as a gapless decoder plays it (encoder delay removed)."""
    result = _run([ffmpeg_path(), "-i", str(path), "-f", "s16le", "-ac", "1", "-ar", "48000", "-"],
                  binary=True)  # fmt: skip
    return _ms(len(result.stdout) // 2, 48000)


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
    result = _run([ffmpeg_path(), "-nostats", "-i", str(wav), "-af",
                   f"loudnorm={target}:print_format=json", "-f", "null", "-"])  # fmt: skip
    text = result.stderr
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
    _run([ffmpeg_path(), "-nostats", "-y", "-i", str(wav), "-af", ",".join(filters),
          "-ac", str(settings.channels), "-ar", str(settings.sample_rate),
          "-c:a", "libmp3lame", "-b:a", f"{settings.bitrate_kbps}k", "-f", "mp3",
          str(dest)])  # fmt: skip


def _decode(speech: Speech, rate: int) -> bytes:
    """Mono 16-bit PCM at ``rate``; ffmpeg converts anything else."""
    if speech.format == "pcm_s16le" and speech.sample_rate == rate:
        return speech.data
    source = (
        ["-f", "s16le", "-ar", str(speech.sample_rate), "-ac", "1"]
        if speech.format == "pcm_s16le"
        else []
    )
    result = _run([ffmpeg_path(), *source, "-i", "pipe:0", "-f", "s16le", "-ac", "1",
                   "-ar", str(rate), "pipe:1"], stdin=speech.data, binary=True)  # fmt: skip
    if not result.stdout:
        raise AudioError("the engine returned audio ffmpeg could not decode; try another engine")
    return bytes(result.stdout)


def _silence(ms: int, rate: int) -> bytes:
    return b"\0\0" * (ms * rate // 1000)


def _ms(samples: int, rate: int) -> int:
    return round(samples * 1000 / rate)


def _run(
    command: list[str], *, stdin: bytes | None = None, binary: bool = False
) -> subprocess.CompletedProcess[Any]:
    try:
        result = subprocess.run(
            [command[0], "-hide_banner", *command[1:]],
            input=stdin,
            capture_output=True,
            check=False,
        )
    except OSError as error:
        raise AudioError(
            f"could not run ffmpeg at {command[0]} ({error.strerror}); reinstall imageio-ffmpeg "
            "or install ffmpeg"
        ) from None
    stderr = result.stderr.decode("utf-8", "replace")
    if result.returncode != 0:
        last = stderr.strip().splitlines()[-1:] or ["no message"]
        raise AudioError(f"ffmpeg failed ({last[0]}); check the audio input and free disk space")
    return subprocess.CompletedProcess(
        result.args, result.returncode, result.stdout if binary else "", stderr
    )
