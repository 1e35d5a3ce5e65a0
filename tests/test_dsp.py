"""Loudness, true peak and the limiter on samples in memory, judged by ffmpeg's ebur128."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from narrate.audio import dsp
from narrate.audio.ffmpeg import measure_loudness, run_ffmpeg
from narrate.models import Loudness


def _speechlike(rate: int, seconds: float, seed: int = 1) -> np.ndarray:
    """Noise shaped like speech: bursts of a few hundred ms, pauses, a falling spectrum."""
    rng = np.random.default_rng(seed)
    n = int(rate * seconds)
    noise = np.cumsum(rng.standard_normal(n)) * 0.02
    noise -= np.convolve(noise, np.ones(64) / 64, "same")  # take the drift out
    bright = rng.standard_normal(n) * 0.05
    envelope = np.repeat(rng.random(n // (rate // 5) + 1) > 0.35, rate // 5)[:n]
    syllables = 0.5 + 0.5 * np.sin(2 * np.pi * 4 * np.arange(n) / rate)
    return ((noise + bright) * envelope * syllables).astype(np.float32)


def _wav(samples: np.ndarray, rate: int, path: Path) -> Path:
    run_ffmpeg("-y", "-f", "s16le", "-ar", str(rate), "-ac", "1", "-i", "pipe:0", str(path),
               stdin=dsp.to_pcm16(samples))  # fmt: skip
    return path


@pytest.mark.parametrize("rate", [16000, 22050, 44100, 48000])
def test_integrated_loudness_agrees_with_ffmpeg(rate: int, tmp_path: Path) -> None:
    samples = _speechlike(rate, 20)
    ours = dsp.loudness(samples, rate).integrated_lufs
    theirs = measure_loudness(_wav(samples, rate, tmp_path / "speech.wav")).integrated_lufs
    assert abs(ours - theirs) <= 0.15, (ours, theirs)


@pytest.mark.parametrize("frequency", [100, 1000, 4000, 9000])
def test_tones_weigh_as_k_weighting_says(frequency: int, tmp_path: Path) -> None:
    rate = 44100
    samples = (0.25 * np.sin(2 * np.pi * frequency * np.arange(rate * 5) / rate)).astype("f4")
    ours = dsp.loudness(samples, rate).integrated_lufs
    theirs = measure_loudness(_wav(samples, rate, tmp_path / "tone.wav")).integrated_lufs
    assert abs(ours - theirs) <= 0.15, (ours, theirs)


def test_true_peak_finds_peaks_between_samples(tmp_path: Path) -> None:
    rate = 48000
    # A quarter-rate sine sampled 45 degrees off its crests: every sample is 3 dB under the
    # peak the waveform really reaches between them.
    t = np.arange(rate * 2)
    samples = (0.9 * np.sin(2 * np.pi * t / 4 + math.pi / 4)).astype(np.float32)
    sample_peak = 20 * math.log10(float(np.abs(samples).max()))
    ours = dsp.loudness(samples, rate).true_peak_dbtp
    theirs = measure_loudness(_wav(samples, rate, tmp_path / "peaks.wav")).true_peak_dbtp
    truth = 20 * math.log10(0.9)
    assert ours > sample_peak + 2.5
    assert abs(ours - truth) <= 0.2, (ours, truth)
    assert abs(ours - theirs) <= 0.6, (ours, theirs)  # ffmpeg's interpolator overshoots more


def test_silence_measures_minus_infinity() -> None:
    quiet = np.zeros(44100 * 3, dtype=np.float32)
    assert dsp.loudness(quiet, 44100) == Loudness(-math.inf, -math.inf)
    assert dsp.Meter(np.zeros(100, dtype=np.float32), 44100).lufs() == -math.inf


def test_limiter_holds_peaks_and_moves_nothing_in_time() -> None:
    rate = 22050
    samples = _speechlike(rate, 10, seed=3) * 4  # peaks well over full scale once louder
    meter = dsp.Meter(samples, rate)
    ceiling = 10 ** (-1.5 / 20)
    gains = meter.limiter(1.0, ceiling)
    limited = meter.apply(samples, 1.0, gains)
    assert float(np.abs(limited).max()) <= ceiling + 1e-6
    assert dsp.Meter(limited, rate).peak_dbtp() <= -1.5 + 0.05
    # A gain, never a shift: every sample keeps its sign and place, scaled by at most 1.
    nonzero = samples != 0
    ratio = limited[nonzero] / samples[nonzero]
    assert float(ratio.min()) > 0 and float(ratio.max()) <= 1.0 + 1e-6
    # Quiet passages far from any peak pass untouched.
    untouched = np.isclose(ratio, 1.0, atol=1e-6).mean()
    assert untouched > 0.3, untouched


def test_limiter_leaves_a_signal_under_the_ceiling_alone() -> None:
    rate = 22050
    samples = _speechlike(rate, 5) * 0.1
    meter = dsp.Meter(samples, rate)
    gains = meter.limiter(1.0, 0.99)
    assert np.array_equal(meter.apply(samples, 1.0, gains), samples)


def test_block_meter_predicts_the_loudness_after_gain_and_limiting() -> None:
    rate = 22050
    samples = _speechlike(rate, 30, seed=5)
    meter = dsp.Meter(samples, rate)
    gain = 10 ** (6 / 20)
    gains = meter.limiter(gain, 10 ** (-2 / 20))
    predicted = meter.lufs(gains * gain)
    actual = dsp.Meter(meter.apply(samples, gain, gains), rate).lufs()
    assert abs(predicted - actual) <= 0.1, (predicted, actual)


def test_pcm16_round_trip_clips_at_full_scale() -> None:
    samples = np.array([0.0, 0.5, -0.5, 1.5, -1.5], dtype=np.float32)
    back = dsp.from_pcm16(dsp.to_pcm16(samples))
    assert back.tolist() == [0.0, 0.5, -0.5, 32767 / 32768, -1.0]


def _full_envelope_peaks(samples: np.ndarray, block: int) -> np.ndarray:
    """The oracle: every sample's interpolated neighbours by plain np.convolve, per block."""
    envelope = np.abs(samples)
    for phase in (0.25, 0.5, 0.75):
        kernel = dsp._interpolator(phase)
        envelope = np.maximum(envelope, np.abs(np.convolve(samples, kernel, "same")))
    padded = np.zeros(-(-len(samples) // block) * block, dtype=np.float32)
    padded[: len(samples)] = envelope
    return padded.reshape(-1, block).max(axis=1)


@pytest.mark.parametrize("rate", [16000, 22050, 44100])
def test_true_peaks_worked_out_only_where_needed_are_the_true_peaks(rate: int) -> None:
    """Peaks computed block by block, only over a level, agree with the whole envelope; the
    limiter and the peak reading are what the whole envelope would give."""
    samples = _speechlike(rate, 7.3, seed=rate) * 3
    meter = dsp.Meter(samples, rate)
    oracle = _full_envelope_peaks(samples, meter.block)
    assert np.all(meter.reach >= oracle)  # the bound really bounds
    level = float(np.quantile(oracle, 0.9))
    peaks = meter.peaks(level)
    over = oracle >= level
    np.testing.assert_allclose(peaks[over], oracle[over], rtol=1e-5)
    assert np.all(peaks[~over] < level)
    assert 0 < np.count_nonzero(~np.isnan(meter.exact)) < len(oracle)  # not all worked out
    assert meter.peak_dbtp() == pytest.approx(20 * math.log10(float(oracle.max())), abs=1e-4)
    gain, ceiling = 1.3, 10 ** (-1 / 20)
    need = np.minimum(1.0, ceiling / np.maximum(oracle * gain, 1e-12))
    assert float(meter.limiter(gain, ceiling).min()) == pytest.approx(float(need.min()), rel=1e-5)
    assert meter.peak_dbtp(np.full(len(oracle), 0.5)) == pytest.approx(
        20 * math.log10(float(oracle.max()) * 0.5), abs=1e-4
    )


def test_applied_gain_moves_in_straight_lines_between_block_centres() -> None:
    rate = 22050
    samples = np.ones(rate, dtype=np.float32)
    meter = dsp.Meter(samples, rate)
    gains = np.random.default_rng(2).uniform(0.2, 1.0, len(meter.energy))
    centres = np.arange(len(gains)) * meter.block + (meter.block - 1) / 2
    expected = np.interp(np.arange(len(samples)), centres, gains) * 0.5
    np.testing.assert_allclose(meter.apply(samples, 0.5, gains), expected, rtol=1e-5)
