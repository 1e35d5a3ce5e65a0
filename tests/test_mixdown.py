"""Mixdown with the tone engine: pauses, the millisecond clock, loudness, encoding."""

from __future__ import annotations

import itertools
from dataclasses import replace
from pathlib import Path

import pytest
from mutagen.mp3 import MP3

import narrate.audio.mixdown
from narrate.audio.ffmpeg import decode_pcm, decoded_duration_ms, measure_loudness
from narrate.audio.mixdown import mix_episode
from narrate.config import AudioSettings, EngineSettings
from narrate.engines.tone import ToneEngine
from narrate.errors import AudioError
from narrate.models import Clip, EpisodeAudio, Segment, Speech

SETTINGS = AudioSettings(
    sentence_pause_ms=400,
    paragraph_pause_ms=800,
    chapter_pause_ms=1200,
    lead_in_ms=300,
    tail_ms=800,
    breath_ms=250,
    loudness_lufs=-19.0,
    true_peak_dbtp=-1.0,
    channels=1,
    sample_rate=44100,
    bitrate_kbps=64,
    verify=True,
)
CHAPTERS = ("Introduction", "Body", "Disclaimer")
ENGINE = ToneEngine(EngineSettings("tone", "", "en-US", 1.0))


def _clips() -> list[Clip]:
    layout = [  # (chapter, paragraph, text)
        (0, 0, "Welcome to the show."),
        (1, 1, "First sentence of the body here."),
        (1, 1, "Second sentence."),
        (1, 2, "A new paragraph starts."),
        (2, 3, "Not medical advice."),
    ]
    kinds = {0: "intro", 1: "body", 2: "disclaimer"}
    return [
        Clip(Segment(kinds[c], c, p, t, t), (ENGINE.synthesize(t),), "tone") for c, p, t in layout
    ]


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> EpisodeAudio:
    dest = tmp_path_factory.mktemp("mix") / "episode.mp3"
    return mix_episode(_clips(), CHAPTERS, SETTINGS, dest)


def _is_the_file_decoded(audio: EpisodeAudio) -> None:
    """``audio.decoded`` is its MP3 decoded, over the episode's own length (the encoder's
    resampler can leave a few silent samples more in the file, which the check does not need).
    """
    samples_per_ms = audio.decoded_rate / 1000
    assert abs(len(audio.decoded) / 2 - audio.duration_ms * samples_per_ms) <= samples_per_ms
    whole = decode_pcm(audio.path, audio.decoded_rate)
    assert whole[: len(audio.decoded)] == audio.decoded
    assert whole[len(audio.decoded) :].strip(b"\0") == b""


def _speech_ms(clip: Clip) -> int:
    return sum(round(len(p.data) / 2 * 1000 / p.sample_rate) for p in clip.parts)


def test_segments_sit_on_one_clock_with_the_right_pauses(mixed: EpisodeAudio) -> None:
    timings = mixed.segments
    clips = _clips()
    assert timings[0].start_ms == SETTINGS.lead_in_ms
    for timing, clip in zip(timings, clips, strict=True):
        assert abs((timing.end_ms - timing.start_ms) - _speech_ms(clip)) <= 1
    gaps = [b.start_ms - a.end_ms for a, b in itertools.pairwise(timings)]
    expected = [1200, 400, 800, 1200]  # chapter, sentence, paragraph, chapter
    assert all(abs(g - e) <= 1 for g, e in zip(gaps, expected, strict=True)), gaps
    assert abs(mixed.duration_ms - (timings[-1].end_ms + SETTINGS.tail_ms)) <= 1


def test_chapters_start_at_zero_are_contiguous_and_end_at_duration(mixed: EpisodeAudio) -> None:
    chapters = mixed.chapters
    assert [c.title for c in chapters] == list(CHAPTERS)
    assert chapters[0].start_ms == 0
    assert all(a.end_ms == b.start_ms for a, b in itertools.pairwise(chapters))
    assert chapters[-1].end_ms == mixed.duration_ms
    # Each chapter starts inside the pause before its first words, never after them.
    firsts = {t.segment.chapter: t for t in reversed(mixed.segments)}
    for index, chapter in enumerate(chapters[1:], start=1):
        assert chapter.start_ms <= firsts[index].start_ms
        assert chapter.start_ms > firsts[index].start_ms - SETTINGS.chapter_pause_ms


def test_encoded_file_matches_the_clock_and_targets(mixed: EpisodeAudio) -> None:
    assert abs(decoded_duration_ms(mixed.path) - mixed.duration_ms) <= 2
    info = MP3(mixed.path).info
    assert (info.channels, info.sample_rate, info.bitrate) == (1, 44100, 64000)
    measured = measure_loudness(mixed.path)
    assert abs(measured.integrated_lufs - -19.0) <= 1.0
    assert measured.true_peak_dbtp <= -1.0
    # What mixdown records is its own measurement of the encoded file; ffmpeg agrees.
    assert abs(mixed.loudness_lufs - measured.integrated_lufs) <= 0.2
    assert abs(mixed.true_peak_dbtp - measured.true_peak_dbtp) <= 0.3
    leftovers = [p.name for p in mixed.path.parent.iterdir() if p != mixed.path]
    assert leftovers == [], "intermediate files (mix WAV, encoder probe) were left behind"
    # What it kept of the decoded file (for the self-check) is the file, decoded.
    _is_the_file_decoded(mixed)


def test_stereo_targets_minus_16_lufs(tmp_path: Path) -> None:
    settings = replace(SETTINGS, channels=2, loudness_lufs=-16.0)
    audio = mix_episode(_clips(), CHAPTERS, settings, tmp_path / "stereo.mp3")
    assert MP3(audio.path).info.channels == 2
    assert abs(measure_loudness(audio.path).integrated_lufs - -16.0) <= 1.0


def test_encoded_speech_at_another_rate_is_resampled(tmp_path: Path) -> None:
    pcm = _clips()
    # Half the clips at 16 kHz: the mix must keep every segment's true length.
    slow = Speech(b"\x10\x00" * 16000, "pcm_s16le", 16000)
    clips = [pcm[0], replace(pcm[1], parts=(slow,))]
    audio = mix_episode(clips, CHAPTERS, SETTINGS, tmp_path / "mixed-rates.mp3")
    second = audio.segments[1]
    assert abs((second.end_ms - second.start_ms) - 1000) <= 2


def test_no_clips_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(AudioError, match="at least one segment"):
        mix_episode([], CHAPTERS, SETTINGS, tmp_path / "empty.mp3")


def test_measuring_something_that_is_not_audio_fails_clearly(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.mp3"
    bogus.write_text("not audio")
    with pytest.raises(AudioError, match="ffmpeg"):
        measure_loudness(bogus)


def test_an_episode_sounds_the_same_whatever_was_mixed_before_it(tmp_path: Path) -> None:
    """Nothing a process learned from the episode before changes the next one: an episode
    mixed after others is the very file it is when mixed first (each probes the encoder)."""
    alone = mix_episode(_clips()[::-1], CHAPTERS, SETTINGS, tmp_path / "alone.mp3")
    mix_episode(_clips(), CHAPTERS, SETTINGS, tmp_path / "first.mp3")
    mix_episode(_clips()[1:], CHAPTERS, SETTINGS, tmp_path / "second.mp3")
    after = mix_episode(_clips()[::-1], CHAPTERS, SETTINGS, tmp_path / "after.mp3")
    assert after.path.read_bytes() == alone.path.read_bytes()
    assert abs(after.loudness_lufs - -19.0) <= 0.5


@pytest.mark.parametrize("channels", [1, 2])
def test_an_episode_is_decoded_while_it_is_encoded_and_the_pcm_is_the_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, channels: int
) -> None:
    """The probe tells the encoder's delay, so the self-check's PCM comes through a pipe from
    the encoder as it writes: no decoding of the file afterwards, and sample for sample what
    decoding the file gives (the delay dropped, the padding cut)."""
    decoded_files: list[Path] = []
    real = narrate.audio.mixdown.decode_pcm

    def counting(path: Path, rate: int) -> bytes:
        decoded_files.append(path)
        return real(path, rate)

    monkeypatch.setattr(narrate.audio.mixdown, "decode_pcm", counting)
    audio = mix_episode(_clips()[::-1], CHAPTERS, replace(SETTINGS, channels=channels),
                        tmp_path / "episode.mp3")  # fmt: skip
    assert decoded_files == []
    _is_the_file_decoded(audio)


def test_encoding_through_the_pipe_writes_the_same_file_even_under_an_odd_name(
    tmp_path: Path,
) -> None:
    """The encoder's file is the very MP3 a plain encode writes; a name the tee muxer would
    read as syntax is encoded first and decoded after, with the same result."""
    from narrate.audio import dsp
    from narrate.audio.ffmpeg import encode_and_decode, run_ffmpeg

    speech = ENGINE.synthesize("A short stretch of tones to encode.")
    wav = tmp_path / "in.wav"
    narrate.audio.mixdown._write_wav(dsp.from_pcm16(speech.data), speech.sample_rate, wav)
    args = narrate.audio.mixdown._encoder_args(wav, SETTINGS)
    plain = tmp_path / "plain.mp3"
    run_ffmpeg("-y", *args, "-f", "mp3", str(plain))
    length = len(speech.data) // 2
    whole = decode_pcm(plain, speech.sample_rate)
    for name in ("piped.mp3", "odd name [1]|x.mp3"):
        pcm = encode_and_decode(args, tmp_path / name, 1105, speech.sample_rate, length)
        assert (tmp_path / name).read_bytes() == plain.read_bytes()
        assert len(pcm) == 2 * length and pcm == whole[: 2 * length]
