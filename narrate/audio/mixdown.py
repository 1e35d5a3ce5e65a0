"""Stage: mix_episode(clips, chapters, settings, dest) -> EpisodeAudio.

Joins segment audio with pauses (sentence < paragraph < chapter), normalizes loudness to the
podcast target (EBU R128 gain and a true-peak limiter, worked out on the samples in memory),
and encodes a constant-bit-rate MP3. Every segment's position is kept on one millisecond
clock, which chapters and captions share.
"""

from __future__ import annotations

import io
import logging
import os
import shutil
import tempfile
import warnings
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from narrate.audio import dsp
from narrate.audio.ffmpeg import (
    convert_pcm,
    decode_pcm,
    decode_with_start,
    encode_and_decode,
    ffmpeg_path,
    run_ffmpeg,
)
from narrate.config import AudioSettings
from narrate.errors import AudioError, NarrateError, write_error
from narrate.models import (
    Chapter,
    Clip,
    EpisodeAudio,
    Loudness,
    Segment,
    SegmentTiming,
    Speech,
    WordTiming,
)
from narrate.processes import process_alive

log = logging.getLogger(__name__)

_SILENCE_LUFS = -70.0
"""Quieter than this is silence: nothing to normalize."""
_STEREO_DB = 3.01
"""The same mono signal on two channels measures this much louder (EBU R128 sums channels)."""
_LOUDNESS_SLACK_LU = 0.5
"""How far off target an encoded episode may be before it is encoded again."""
_SETTLED_LU = 0.05
"""Close enough to the loudness target before encoding."""
_ENCODER_MARGIN_DB = 0.5
"""MP3 encoding can raise true peaks a little; aim this far under the ceiling."""
_PROBE_S = 10
"""Seconds of the episode encoded to learn how the encoder shifts loudness."""
_MAX_SHIFT_DB = 3.0
"""A larger shift than this is not the encoder's doing (a probe of near silence): ignored."""


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
    loudness, decoded = _encode(bytes(tape.pcm), tape.rate, settings, dest)
    return EpisodeAudio(
        path=dest,
        duration_ms=duration_ms,
        chapters=chapter_list,
        segments=tuple(timings),
        voice=", ".join(sorted({c.voice for c in clips})),
        loudness_lufs=loudness.integrated_lufs,
        true_peak_dbtp=loudness.true_peak_dbtp,
        decoded=decoded,
        decoded_rate=tape.rate,
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


def _encode(pcm: bytes, rate: int, settings: AudioSettings, dest: Path) -> tuple[Loudness, bytes]:
    """Gain to the loudness target and a true-peak limiter, settled on the samples in memory
    (see ``dsp``), then one CBR MP3 encode; the MP3 is decoded and measured, and encoded
    again (at most twice) only if it came out off target. Returns the loudness measured and
    the decoded MP3 (PCM at ``rate``).

    Nothing moves in time (the limiter looks ahead offline), so every word stays where the
    timing model put it. Every episode probes the encoder for itself (``_probe``): what it
    sounds like never depends on the episode mixed before it.
    """
    samples = dsp.from_pcm16(pcm)
    with ThreadPoolExecutor(1) as prober:  # the probe's encoder runs while the meter reads
        probing = prober.submit(_probe, samples, rate, settings)
        meter = dsp.Meter(samples, rate)
    # EBU R128 sums channels: the same mono signal on two channels measures 3 dB louder.
    layout_db = _STEREO_DB if settings.channels == 2 else 0.0
    target = settings.loudness_lufs - layout_db
    silent = meter.lufs() < _SILENCE_LUFS
    ceiling_db = settings.true_peak_dbtp - _ENCODER_MARGIN_DB
    scratch = scratch_folder()
    wav = scratch / "mix.wav"
    try:
        probe = probing.result()
        aim = target if silent else target - probe.shift
        for _attempt in range(3):
            gain, gains = (1.0, None) if silent else _settle(meter, aim, ceiling_db)
            ready = samples if gains is None else meter.apply(samples, gain, gains)
            _write_wav(ready, rate, wav)
            # Measured at the mix's rate: all the sound there is lies below its Nyquist.
            decoded = _encode_and_decode(wav, settings, dest, rate, len(ready), probe.delay)
            result = dsp.loudness(dsp.from_pcm16(decoded), rate)
            off = target - result.integrated_lufs
            over = result.true_peak_dbtp - settings.true_peak_dbtp
            if silent or (abs(off) <= _LOUDNESS_SLACK_LU and over <= 0):
                break
            aim += off if abs(off) > _LOUDNESS_SLACK_LU else 0.0
            ceiling_db -= over + 0.3 if over > 0 else 0.0
        return Loudness(result.integrated_lufs + layout_db, result.true_peak_dbtp), decoded
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@dataclass(frozen=True)
class EncoderProbe:
    """What encoding a few seconds of an episode told about the encoder."""

    shift: float
    """How much the encoder changes the loudness, in dB (LAME: about -0.45): aimed past."""
    delay: int | None
    """The encoder's delay in samples at the MP3's rate (None: not learned, for silence)."""


def _encode_and_decode(
    wav: Path, settings: AudioSettings, dest: Path, rate: int, length: int, delay: int | None
) -> bytes:
    """Encode ``wav`` into ``dest``; return the MP3 decoded at ``rate`` (``length`` samples).

    With the encoder's ``delay`` known (from the probe), the decoder reads the frames as the
    encoder writes them (``ffmpeg.encode_and_decode``); without it, the MP3 is decoded after
    it is written. The PCM is the same.
    """
    if delay is not None:
        return encode_and_decode(_encoder_args(wav, settings), dest, delay, rate, length)
    _run_encode(wav, settings, dest)
    return decode_pcm(dest, rate)


def _probe(samples: dsp.Samples, rate: int, settings: AudioSettings) -> EncoderProbe:
    """Encode and decode a few seconds from the middle of the episode: how much the encoder
    changes the loudness, and its delay."""
    middle, reach = len(samples) // 2, _PROBE_S * rate // 2
    probe = samples[max(0, middle - reach) : middle + reach]
    before = dsp.Meter(probe, rate).lufs()
    if before < _SILENCE_LUFS:
        return EncoderProbe(0.0, None)
    scratch = scratch_folder()
    wav, mp3 = scratch / "probe.wav", scratch / "probe.mp3"
    try:
        _write_wav(probe, rate, wav)
        _run_encode(wav, settings, mp3)
        decoded, start = decode_with_start(mp3, rate)
        after = dsp.Meter(dsp.from_pcm16(decoded), rate).lufs()
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    shift = after - before
    return EncoderProbe(shift if abs(shift) < _MAX_SHIFT_DB else 0.0,
                        round(start * settings.sample_rate))  # fmt: skip


def scratch_folder() -> Path:
    """A folder of this process's own for temporary audio, in the system's temporary folder
    (``TMPDIR``): not in the output folder, whose disk holds what is published. Its name
    carries the process id, so a later build can tell one a killed build left behind."""
    try:
        return Path(tempfile.mkdtemp(prefix=f"{_SCRATCH}{os.getpid()}-"))
    except OSError as error:
        raise _temp_error(Path(tempfile.gettempdir()), error) from None


def remove_abandoned_scratch() -> int:
    """Remove the scratch folders of builds that were killed (their process is gone); returns
    how many. A folder of a process still running, or of another user, is left alone."""
    removed = 0
    for folder in Path(tempfile.gettempdir()).glob(f"{_SCRATCH}*-*"):
        pid = folder.name.removeprefix(_SCRATCH).split("-", 1)[0]
        if folder.is_dir() and pid.isdigit() and not process_alive(int(pid)):
            shutil.rmtree(folder, ignore_errors=True)
            removed += not folder.exists()
    return removed


_SCRATCH = "narrate-"
"""How the names of narrate's scratch folders begin (then the process id)."""


def _write_wav(samples: dsp.Samples, rate: int, wav: Path) -> None:
    mix = _audio_segment()(data=dsp.to_pcm16(samples), sample_width=2, frame_rate=rate, channels=1)
    data = io.BytesIO()  # pydub's writer cannot fail cleanly on a full disk: narrate writes
    mix.export(data, format="wav")
    try:
        wav.write_bytes(data.getbuffer())
    except OSError as error:
        raise _temp_error(wav, error) from None


def _temp_error(path: Path, error: OSError) -> NarrateError:
    return write_error(path, error, "the temporary folder", "set TMPDIR to another folder")


def _settle(meter: dsp.Meter, aim: float, ceiling_db: float) -> tuple[float, Any]:
    """A gain (linear) and limiter block gains that put the signal at ``aim`` LUFS with its
    true peaks under ``ceiling_db``. Limiting takes a little loudness away and the gain makes
    up for it; a few secant steps on the block meter settle both."""
    ceiling = 10 ** (ceiling_db / 20)
    db = aim - meter.lufs()
    slope = 1.0
    gains = meter.limiter(10 ** (db / 20), ceiling)
    for _step in range(8):
        off = aim - meter.lufs(gains * 10 ** (db / 20))
        if abs(off) <= _SETTLED_LU:
            break
        step = off / slope
        gains_next = meter.limiter(10 ** ((db + step) / 20), ceiling)
        moved = meter.lufs(gains_next * 10 ** ((db + step) / 20)) - (aim - off)
        slope = min(1.0, max(0.2, moved / step)) if step else slope
        db, gains = db + step, gains_next
    return 10 ** (db / 20), gains


def _run_encode(wav: Path, settings: AudioSettings, dest: Path) -> None:
    run_ffmpeg("-nostats", "-y", *_encoder_args(wav, settings), "-f", "mp3", str(dest), writes=dest)


def _encoder_args(wav: Path, settings: AudioSettings) -> list[str]:
    """ffmpeg's input and codec options for the episode's MP3 (its output not included)."""
    # Stereo carries the mono signal whole on both sides (ffmpeg's own upmix is 3 dB down).
    layout = ["-af", "pan=stereo|c0=c0|c1=c0"] if settings.channels == 2 else []
    return ["-i", str(wav), *layout, "-ac", str(settings.channels),
            "-ar", str(settings.sample_rate), "-c:a", "libmp3lame",
            "-b:a", f"{settings.bitrate_kbps}k"]  # fmt: skip


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
