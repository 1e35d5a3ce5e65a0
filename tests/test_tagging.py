"""ID3v2.3 tags read back with mutagen: metadata, transcript, chapters at the mixdown's times."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from mutagen.id3 import ID3

from narrate.audio.mixdown import mix_episode
from narrate.audio.synthesize import synthesize_script
from narrate.audio.tagging import tag_episode, tag_length
from narrate.config import EXAMPLE_SHOW, load_settings
from narrate.engines.tone import ToneEngine
from narrate.models import Artwork, Episode, EpisodeAudio, Script
from narrate.publish.artwork import embedded_cover, render_default_cover
from narrate.text.script import build_script
from narrate.text.sources import read_episode

COVER = render_default_cover("Cover", "Tester")
ART = Artwork(COVER, "image/jpeg", "artwork/cover.jpg", embedded_cover(COVER))
GUID = "1605162c-69c4-5e39-b089-fd380f4064f2"


@pytest.fixture(scope="module")
def tagged(tmp_path_factory: pytest.TempPathFactory) -> tuple[EpisodeAudio, Episode, Script]:
    settings = load_settings(EXAMPLE_SHOW)
    source = settings.episodes[0]
    episode = read_episode(source)
    episode = Episode(**{**episode.__dict__, "source_url": "https://example.org/s?a=1&b=2"})
    script = build_script(episode, settings.script)
    clips = synthesize_script(script, ToneEngine(settings.engine))
    dest = tmp_path_factory.mktemp("tag") / "episode.mp3"
    audio = mix_episode(clips, script.chapters, settings.audio, dest)
    tag_episode(audio, episode, script, settings.show, ART, GUID)
    return audio, episode, script


def test_written_as_id3v23_without_v24_frames(tagged: tuple[EpisodeAudio, Episode, Script]) -> None:
    audio, episode, _ = tagged
    raw = ID3(audio.path, translate=False)
    assert raw.version[:2] == (2, 3)
    assert "TDRC" not in raw
    assert str(raw["TYER"]) == str(episode.date.year)
    assert str(raw["TDAT"]) == f"{episode.date:%d%m}"
    assert audio.path.read_bytes()[:4] == b"ID3\x03"


def test_metadata_frames(tagged: tuple[EpisodeAudio, Episode, Script]) -> None:
    audio, episode, script = tagged
    tags = ID3(audio.path)
    assert str(tags["TIT2"]) == episode.title
    assert str(tags["TPE1"]) == "narrate"
    assert str(tags["TALB"]) == "MS Research, Read Aloud"
    assert str(tags["TCON"]) == "Podcast"
    assert tags.getall("COMM")[0].text == [episode.summary]
    assert tags.getall("WXXX")[0].url == "https://example.org/s?a=1&b=2"
    assert str(tags["TXXX:voice"]) == "tone test voice"
    assert str(tags["TLEN"]) == str(audio.duration_ms)
    assert tags["TDRC"].text[0].get_text() == "2026-11-20"
    # Apple's podcast frames and the cover.
    assert "PCST" in tags
    assert tags["WFED"].url == "https://example.org/ms-research/feeds/feed.xml"
    assert str(tags["TGID"]) == GUID
    assert str(tags["TDES"]) == episode.summary
    (cover,) = tags.getall("APIC")
    assert (cover.mime, cover.type) == ("image/jpeg", 3)
    assert cover.data == ART.embedded and len(cover.data) < len(COVER)
    assert episode.date == dt.date(2026, 11, 20)
    (lyrics,) = tags.getall("USLT")
    assert lyrics.lang == "eng"
    assert lyrics.text == script.transcript
    assert script.disclaimer in lyrics.text


def test_chapters_carry_the_mixdown_milliseconds(
    tagged: tuple[EpisodeAudio, Episode, Script],
) -> None:
    audio, _, script = tagged
    tags = ID3(audio.path)
    (toc,) = tags.getall("CTOC")
    assert toc.flags & 1 and toc.flags & 2  # top level, ordered
    frames = {c.element_id: c for c in tags.getall("CHAP")}
    read_back = [
        (str(frames[i].sub_frames["TIT2"]), frames[i].start_time, frames[i].end_time)
        for i in toc.child_element_ids
    ]
    assert read_back == [(c.title, c.start_ms, c.end_ms) for c in audio.chapters]
    assert [title for title, _, _ in read_back] == list(script.chapters)


def test_retagging_replaces_rather_than_appends(
    tagged: tuple[EpisodeAudio, Episode, Script], tmp_path: Path
) -> None:
    audio, episode, script = tagged
    copy = tmp_path / "copy.mp3"
    copy.write_bytes(audio.path.read_bytes())
    moved = EpisodeAudio(**{**audio.__dict__, "path": copy})
    tag_episode(moved, episode, script, load_settings(EXAMPLE_SHOW).show, ART, GUID)
    assert len(ID3(copy).getall("CHAP")) == len(audio.chapters)
    assert len(ID3(copy).getall("USLT")) == 1


@pytest.mark.parametrize(
    ("head", "length"),
    [
        (b"ID3\x03\x00\x00\x00\x00\x01\x00" + bytes(128), 138),  # its docstring's example
        (b"ID3\x04\x00\x10\x00\x00\x01\x00", 148),  # with a footer: 10 more
        (b"ID3\x03\x00\x00\x00\x00\x01\x7f", 10 + 128 + 127),  # 7 bits a byte
        (b"\xff\xfb\x90\x00" + bytes(20), 0),  # an MP3 frame first: no tag
        (b"ID3", 0),  # too short to say
    ],
)
def test_tag_length_reads_the_id3_header(head: bytes, length: int) -> None:
    assert tag_length(head) == length
