"""Sound arithmetic on PCM in memory: EBU R128 loudness, true peak and a peak limiter.

numpy lives here. Working on the samples narrate already holds is several times
cheaper than asking ffmpeg to decode, resample to 192 kHz and measure (``ebur128=peak=true``);
tests keep ffmpeg's own measurement as the independent judge of these numbers.

Loudness follows ITU-R BS.1770-4: K-weighting, 400 ms blocks every 100 ms, an absolute gate at
-70 LUFS and a relative gate 10 LU under the ungated mean. The K-weighting filters are designed
for any sample rate the way libebur128 does it (at 48 kHz they are the standard's own) and
applied as their impulse response, by FFT convolution, to the point where it has died away. True
peak is the peak of the signal interpolated 4x, as the standard's Annex 2 does it.

A ``Meter`` keeps a signal's K-weighted energy and its true peaks in short blocks (a few
milliseconds), so trying a gain and a limiter on it costs almost nothing: mixdown can settle
both before it encodes once. True peaks are interpolated only in the blocks loud enough to
matter (see ``Meter.peaks``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np

from narrate.models import Loudness

Samples = Any
"""A one-dimensional float array, full scale = 1.0 (numpy's types stay inside this module)."""

_BLOCK_S = 0.4
_STEP_S = 0.1
_ABSOLUTE_GATE_LUFS = -70.0
_RELATIVE_GATE_LU = 10.0
_TAPS = 12
"""Taps per phase of the 4x interpolator (BS.1770-4 Annex 2 uses 12)."""


def from_pcm16(data: bytes) -> Samples:
    """Mono 16-bit little-endian PCM as floats."""
    return np.frombuffer(data, dtype="<i2").astype(np.float32) / 32768.0


def to_pcm16(samples: Samples) -> bytes:
    """Floats as mono 16-bit little-endian PCM (rounded, clipped at full scale)."""
    scaled = np.clip(np.rint(samples * np.float32(32768.0)), -32768, 32767)
    return bytes(scaled.astype("<i2").tobytes())


def frame_power(samples: Samples, frame: int) -> Samples:
    """Mean power of each whole ``frame``-sample frame."""
    frames = len(samples) // frame
    if frames == 0:
        return np.zeros(0, dtype=np.float32)
    return np.mean(np.square(samples[: frames * frame].reshape(frames, frame)), axis=1)


def loudness(samples: Samples, rate: int) -> Loudness:
    """Integrated loudness (LUFS, as mono) and true peak (dBTP) of ``samples``."""
    meter = Meter(samples, rate)
    return Loudness(meter.lufs(), meter.peak_dbtp())


@dataclass(frozen=True)
class Meter:
    """A signal's loudness and peaks, block by block, ready for trying gains on.

    True peaks are worked out only where they can matter: every block has a cheap upper
    bound (the sample peaks around it times the interpolator's largest gain), and the
    interpolated peak itself is computed, once, for the blocks whose bound reaches the level
    asked about. Speech has few such blocks, so this is most of the work saved.
    """

    energy: Samples
    """K-weighted energy of each block."""
    reach: Samples
    """Upper bound of each block's true peak."""
    block: int
    """Samples per block (a divisor of the 100 ms step)."""
    rate: int
    """Sample rate."""
    length: int
    """Samples in the signal."""
    samples: Samples = field(repr=False, compare=False)
    """The signal, for true peaks computed on demand."""
    sample_peaks: Samples = field(repr=False, compare=False)
    """Largest sample magnitude in each block: the least its true peak can be."""
    exact: Samples = field(repr=False, compare=False)
    """True peak of each block, NaN until it is needed."""

    def __init__(self, samples: Samples, rate: int) -> None:
        step = round(_STEP_S * rate)
        block = max(d for d in range(1, 65) if step % d == 0)
        blocks = -(-len(samples) // block)
        samples = np.asarray(samples, dtype=np.float32)
        weighted = _k_weighted(samples.astype(np.float64), rate)
        sample_peaks = _per_block(np.abs(samples), block, blocks, np.max)
        nearby = _sliding(sample_peaks, -(-(_TAPS // 2) // block), np.max)
        fields = {
            "energy": _per_block(weighted * weighted, block, blocks, np.sum),
            "reach": nearby * _interpolator_gain(),
            "block": block,
            "rate": rate,
            "length": len(samples),
            "samples": samples,
            "sample_peaks": sample_peaks,
            "exact": np.full(blocks, np.nan, dtype=np.float32),
        }
        for name, value in fields.items():
            object.__setattr__(self, name, value)

    def peaks(self, over: float | Samples) -> Samples:
        """Block true peaks, exact wherever ``reach`` is at or over ``over`` (a level, or one
        per block); elsewhere a block's sample peak, which is then also under ``over``."""
        wanted = self.reach >= over
        missing = np.flatnonzero(wanted & np.isnan(self.exact))
        if missing.size:
            self.exact[missing] = _block_true_peaks(self.samples, self.block, missing)
        return np.where(wanted, self.exact, self.sample_peaks)

    def lufs(self, gains: Samples | None = None) -> float:
        """Integrated loudness with each block scaled by ``gains`` (linear); -inf if silent."""
        energy = self.energy if gains is None else self.energy * np.square(gains)
        per_step = round(_STEP_S * self.rate) // self.block
        steps = len(energy) // per_step
        window = round(_BLOCK_S / _STEP_S)
        if steps < window:
            return -math.inf
        summed = energy[: steps * per_step].reshape(steps, per_step).sum(axis=1)
        running = np.concatenate(([0.0], np.cumsum(summed)))
        power = (running[window:] - running[:-window]) / (window * per_step * self.block)
        with np.errstate(divide="ignore"):
            levels = -0.691 + 10 * np.log10(power)
        loud = power[levels > _ABSOLUTE_GATE_LUFS]
        if loud.size == 0:
            return -math.inf
        gate = -0.691 + 10 * math.log10(float(loud.mean())) - _RELATIVE_GATE_LU
        gated = power[(levels > _ABSOLUTE_GATE_LUFS) & (levels > gate)]
        return -0.691 + 10 * math.log10(float(gated.mean()))

    def peak_dbtp(self, gains: Samples | None = None) -> float:
        """True peak with each block scaled by ``gains`` (linear); -inf for silence."""
        scale = np.ones_like(self.reach) if gains is None else np.asarray(gains)
        if not self.reach.size:
            return -math.inf
        # No block whose bound is under the loudest sample peak can hold the true peak.
        floor = float((self.sample_peaks * scale).max())
        top = float((self.peaks(floor / np.maximum(scale, 1e-30)) * scale).max())
        return 20 * math.log10(top) if top > 0 else -math.inf

    def limiter(self, gain: float, ceiling: float, hold_ms: float = 20.0) -> Samples:
        """Block gains that, after ``gain`` (linear), keep every true peak under ``ceiling``.

        A look-ahead limiter computed offline, so nothing is delayed: the gain each block
        needs is held as a minimum over ``hold_ms`` either side, then smoothed by two moving
        averages that together reach no further than the hold. The smoothed gain is thus
        never more than any block in reach needs, and it ramps over tens of milliseconds.
        """
        peaks = self.peaks(ceiling / gain)
        with np.errstate(divide="ignore"):
            need = np.minimum(1.0, ceiling / np.maximum(peaks * gain, 1e-12))
        if float(need.min(initial=1.0)) >= 1.0:
            return np.ones_like(need)
        half = max(1, round(hold_ms * self.rate / 1000 / self.block))
        held = _sliding(need, half + 1, np.min)
        for _ in range(2):  # each pass reaches half / 2 either side
            held = _sliding(held, half // 2, np.mean)
        return np.minimum(held, need)

    def apply(self, samples: Samples, gain: float, gains: Samples) -> Samples:
        """``samples`` times ``gain`` and the block ``gains``, eased from block to block."""
        # Between two block centres the gain moves in a straight line; each end is at or
        # under what both neighbouring blocks need (see ``limiter``), and so is every
        # point between. Before the first centre and after the last it holds still.
        here = np.asarray(gains, dtype=np.float32)
        before = np.concatenate((here[:1], here[:-1]))
        after = np.concatenate((here[1:], here[-1:]))
        # Each sample's distance from its block's centre, in blocks: the same in every block.
        offset = (np.arange(self.block, dtype=np.float32) - (self.block - 1) / 2) / self.block
        slope = np.where(offset < 0, (here - before)[:, None], (after - here)[:, None])
        curve = (here[:, None] + offset * slope).ravel()[: self.length]
        return samples * (curve * np.float32(gain))


def _sliding(values: Samples, reach: int, reduce: Any) -> Samples:
    """``reduce`` over ``reach`` values either side of each (the ends repeated outwards)."""
    if reach < 1:
        return values
    padded = np.pad(values, reach, mode="edge")
    return reduce(np.lib.stride_tricks.sliding_window_view(padded, 2 * reach + 1), axis=1)


def _per_block(values: Samples, block: int, blocks: int, reduce: Any) -> Samples:
    """``reduce`` over each block of ``values`` (the last one may be short)."""
    whole = len(values) // block
    out = np.zeros(blocks, dtype=values.dtype)
    out[:whole] = reduce(values[: whole * block].reshape(whole, block), axis=1)
    if whole < blocks:
        out[whole] = reduce(values[whole * block :])
    return out


def _block_true_peaks(samples: Samples, block: int, blocks: Samples) -> Samples:
    """The true peak of each of ``blocks`` (indices): the largest magnitude of a sample and
    of the three points interpolated before it, from each sample's twelve neighbours."""
    half = _TAPS // 2
    padded = np.concatenate([np.zeros(half, np.float32), samples, np.zeros(half - 1, np.float32)])
    windows = np.lib.stride_tricks.sliding_window_view(padded, _TAPS)
    taps = _phase_matrix()
    peaks = np.empty(len(blocks), dtype=np.float32)
    per_chunk = max(1, (1 << 16) // block)
    for first in range(0, len(blocks), per_chunk):
        chosen = blocks[first : first + per_chunk]
        where = (chosen[:, None] * block + np.arange(block)).ravel()
        where = np.minimum(where, len(samples) - 1)  # the last block's tail: its last sample
        near = windows[where]
        envelope = np.maximum(np.abs(near[:, half]), np.abs(near @ taps).max(axis=1))
        peaks[first : first + len(chosen)] = envelope.reshape(len(chosen), block).max(axis=1)
    return peaks


@lru_cache(maxsize=1)
def _phase_matrix() -> Samples:
    """The three interpolators as columns, for the twelve neighbours of a sample (see
    ``np.convolve(..., "same")``: output n weighs samples n-6 .. n+5)."""
    return np.stack([_interpolator(p)[::-1] for p in (0.25, 0.5, 0.75)], axis=1)


@lru_cache(maxsize=1)
def _interpolator_gain() -> float:
    """The most any interpolated point can exceed the largest of its twelve neighbours."""
    return float(max(1.0, *(np.abs(_interpolator(p)).sum() for p in (0.25, 0.5, 0.75))))


def _interpolator(phase: float) -> Samples:
    """A windowed-sinc FIR for the point ``phase`` of the way from one sample to the next."""
    taps = np.arange(-_TAPS // 2 + 1, _TAPS // 2 + 1) - phase
    window = np.cos(np.pi * taps / (_TAPS + 1)) ** 2  # a Hann window across the taps
    kernel = np.sinc(taps) * window
    # np.convolve flips the kernel; with "same", output n is the point n - 1 + phase.
    return kernel[::-1].astype(np.float32)


def _k_weighted(samples: Samples, rate: int) -> Samples:
    """``samples`` through the K-weighting of BS.1770 (FFT convolution, see ``_k_response``)."""
    response = _k_response(rate)
    size = 1 << max(15, (4 * len(response)).bit_length())
    step = size - len(response) + 1
    spectrum = np.fft.rfft(response, size)
    out = np.zeros(len(samples) + len(response) - 1)
    for start in range(0, len(samples), step):
        piece = samples[start : start + step]
        done = np.fft.irfft(np.fft.rfft(piece, size) * spectrum, size)
        out[start : start + len(piece) + len(response) - 1] += done[
            : len(piece) + len(response) - 1
        ]
    return out[: len(samples)]


@lru_cache(maxsize=4)
def _k_response(rate: int) -> Samples:
    """The K-weighting filters' impulse response at ``rate``, cut where less than a
    millionth of a millionth of its energy is left (a few hundred milliseconds at most)."""
    # libebur128's design: the analogue prototypes, bilinear-transformed at ``rate``.
    f0, gain_db, q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    k = math.tan(math.pi * f0 / rate)
    vh = 10 ** (gain_db / 20)
    vb = vh**0.4996667741545416
    a0 = 1 + k / q + k * k
    shelf = (
        ((vh + vb * k / q + k * k) / a0, 2 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0),
        (2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0),
    )
    f0, q = 38.13547087602444, 0.5003270373238773
    k = math.tan(math.pi * f0 / rate)
    a0 = 1 + k / q + k * k
    high_pass = ((1.0, -2.0, 1.0), (2 * (k * k - 1) / a0, (1 - k / q + k * k) / a0))
    response = [1.0] + [0.0] * (rate // 2)
    for (b0, b1, b2), (a1, a2) in (shelf, high_pass):
        x1 = x2 = y1 = y2 = 0.0
        for n, x in enumerate(response):
            y = b0 * x + b1 * x1 + b2 * x2 - a1 * y1 - a2 * y2
            x2, x1, y2, y1 = x1, x, y1, y
            response[n] = y
    energy = np.cumsum(np.square(response[::-1]))[::-1]
    keep = int(np.count_nonzero(energy > energy[0] * 1e-12))
    return np.array(response[: max(keep, 1)])
