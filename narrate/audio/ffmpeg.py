"""The one place that runs ffmpeg: find it, run it, decode and measure audio with it.

A system ffmpeg is preferred when present; otherwise the static build in imageio-ffmpeg's
wheel, so a fresh ``pip install`` is enough. Nothing is ever downloaded at run time.
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from narrate.errors import AudioError, NarrateError, write_error
from narrate.models import Loudness


@dataclass(frozen=True)
class Result:
    """What one ffmpeg run produced."""

    stdout: bytes
    """Raw output (decoded audio when asked for it)."""
    stderr: str
    """ffmpeg's log, where filters print their measurements."""


@lru_cache(maxsize=1)
def ffmpeg_path() -> str:
    """``$NARRATE_FFMPEG`` if set, else a system ffmpeg, else the one in imageio-ffmpeg's wheel."""
    chosen = os.environ.get("NARRATE_FFMPEG")
    if chosen:
        found = shutil.which(chosen)
        if not found:
            raise AudioError(
                f"NARRATE_FFMPEG is {chosen!r}, which is not a program that can be run; "
                "point it at an ffmpeg, or unset it to use the bundled one"
            )
        return found
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


def run_ffmpeg(*args: str, stdin: bytes | None = None, writes: Path | None = None) -> Result:
    """Run ffmpeg with ``args``; a failure becomes an ``AudioError`` with ffmpeg's last words
    (or, when it could not write the file ``writes``, the reason and what to do)."""
    binary = ffmpeg_path()
    try:
        done = subprocess.run(
            [binary, "-hide_banner", *(["-nostdin"] if stdin is None else []), *args],
            input=stdin,
            capture_output=True,
            check=False,
        )
    except OSError as error:
        raise _cannot_run(binary, error) from None
    stderr = done.stderr.decode("utf-8", "replace")
    if done.returncode != 0:
        raise _failed(stderr, writes)
    return Result(done.stdout, stderr)


def _cannot_run(binary: str, error: OSError) -> AudioError:
    return AudioError(
        f"could not run ffmpeg at {binary} ({error.strerror}); reinstall imageio-ffmpeg "
        "or install ffmpeg"
    )


def _failed(log: str, writes: Path | None = None) -> NarrateError:
    """ffmpeg's failure, in its last words; a file it could not write, as any other."""
    for number in (errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EROFS):
        if writes is not None and os.strerror(number) in log:
            return write_error(writes, OSError(number, os.strerror(number)))
    last = log.strip().splitlines()[-1:] or ["no message"]
    return AudioError(f"ffmpeg failed ({last[0]}); check the audio input and free disk space")


def decode_pcm(path: Path, rate: int) -> bytes:
    """Mono 16-bit PCM of an audio file at ``rate``, as a gapless player hears it."""
    return decode_with_start(path, rate)[0]


def decode_with_start(path: Path, rate: int) -> tuple[bytes, float]:
    """``decode_pcm``, and where the file's audio starts in seconds: the encoder's delay, which
    a gapless decoder drops (an MP3 says so in its LAME tag; 0.0 when ffmpeg reports none)."""
    done = run_ffmpeg("-i", str(path), "-f", "s16le", "-ac", "1", "-ar", str(rate), "-")
    start = re.search(r"Duration: .*?, start: (-?[\d.]+)", done.stderr)
    return done.stdout, float(start.group(1)) if start else 0.0


def encode_and_decode(
    encode: Sequence[str], dest: Path, delay: int, rate: int, length: int
) -> bytes:
    """Run the encoder ffmpeg ``encode`` (its input and codec options) into the file ``dest``
    and, at the same time, decode the very frames it writes, which it also hands to a
    decoder through a pipe: the same PCM as ``decode_pcm(dest, rate)`` afterwards (over the
    ``length`` samples that went in; the file can decode to a few silent samples more, its
    resampler's tail), without waiting for the encoder to finish first.

    The pipe carries no LAME tag (ffmpeg writes it into the file at the end), so the decoder
    drops the encoder's ``delay`` itself (samples at the MP3's rate, as ``decode_with_start``
    reported them for this encoder), and the padding after the last sample is cut at
    ``length`` samples. The encoder runs in ``dest``'s folder and names it there; a name the
    tee muxer would read as syntax (anything but letters, digits and ``.-_``) is encoded
    first and decoded after.
    """
    binary = ffmpeg_path()
    if not re.fullmatch(r"[\w.-]+", dest.name, re.ASCII):
        run_ffmpeg("-y", *encode, "-f", "mp3", str(dest), writes=dest)
        return decode_pcm(dest, rate)[: 2 * length]
    outputs = f"file:{dest.name}|[f=mp3]pipe:1"
    pipe = subprocess.PIPE
    try:
        encoder = subprocess.Popen(
            [binary, "-hide_banner", "-nostdin", "-v", "error", "-y", *encode, "-map", "0:a",
             "-f", "tee", outputs],
            cwd=dest.parent, stdin=subprocess.DEVNULL, stdout=pipe, stderr=pipe,
        )  # fmt: skip
    except OSError as error:
        raise _cannot_run(binary, error) from None
    with encoder:
        try:
            decoder = subprocess.Popen(
                [binary, "-hide_banner", "-nostdin", "-v", "error", "-f", "mp3", "-i", "pipe:0",
                 "-af", f"atrim=start_sample={delay}", "-f", "s16le", "-ac", "1",
                 "-ar", str(rate), "pipe:1"],
                stdin=encoder.stdout, stdout=pipe, stderr=pipe,
            )  # fmt: skip
        except OSError as error:
            encoder.kill()
            raise _cannot_run(binary, error) from None
        assert encoder.stdout is not None
        encoder.stdout.close()  # the decoder holds the pipe now: it sees the end ffmpeg writes
        pcm, decoder_log = decoder.communicate()
        _, encoder_log = encoder.communicate()
    for done, log, writes in ((encoder, encoder_log, dest), (decoder, decoder_log, None)):
        if done.returncode != 0:
            raise _failed(log.decode("utf-8", "replace"), writes)
    return pcm[: 2 * length]


def convert_pcm(data: bytes, source: list[str], rate: int) -> bytes:
    """Decode or resample audio bytes (``source`` = ffmpeg input options) to mono PCM."""
    return run_ffmpeg(
        *source, "-i", "pipe:0", "-f", "s16le", "-ac", "1", "-ar", str(rate), "pipe:1", stdin=data
    ).stdout


def measure_loudness(path: Path) -> Loudness:
    """EBU R128 integrated loudness and true peak of an audio file, as ffmpeg measures them."""
    log = run_ffmpeg("-nostats", "-i", str(path), "-af", "ebur128=peak=true", "-f", "null", "-")
    summary = log.stderr[log.stderr.rfind("Summary:") :]
    integrated = re.search(r"I:\s+(-?[\d.]+|-inf) LUFS", summary)
    peak = re.search(r"Peak:\s+(-?[\d.]+|-inf) dBFS", summary)
    if not integrated or not peak:
        raise AudioError(f"ffmpeg could not measure the loudness of {path}; is it audio?")
    return Loudness(float(integrated.group(1)), float(peak.group(1)))


def decoded_duration_ms(path: Path) -> int:
    """Length of an audio file as a gapless decoder plays it (encoder delay removed)."""
    return round(len(decode_pcm(path, 48000)) / 2 / 48)
