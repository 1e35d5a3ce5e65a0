"""Stage: tag_episode(audio, episode, script, show): ID3v2.3 tags, chapters and transcript.

ID3v2.3 is what podcast apps read most widely; mutagen writes v2.4 frames unless told, so the
tags are converted with ``update_to_v23()`` and saved as v2.3.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from narrate.config import ShowSettings
from narrate.errors import AudioError
from narrate.models import Artwork, Chapter, Episode, EpisodeAudio, Script

if TYPE_CHECKING:
    from mutagen.id3 import Frame

_ISO_639_2 = {
    "en": "eng", "fr": "fra", "de": "deu", "es": "spa", "it": "ita", "nl": "nld",
    "pt": "por", "da": "dan", "sv": "swe", "no": "nor", "fi": "fin", "pl": "pol",
}  # fmt: skip
TOC_ID = "toc"


def tag_episode(
    audio: EpisodeAudio,
    episode: Episode,
    script: Script,
    show: ShowSettings,
    artwork: Artwork,
    guid: str,
) -> None:
    """Write the episode's tags into ``audio.path`` (replacing any there).

    Besides the usual frames: the cover (APIC), the transcript (USLT), chapters (CTOC/CHAP)
    and Apple's podcast frames: PCST (a podcast), WFED (its feed), TGID (the episode's guid)
    and TDES (its description).
    """
    from mutagen.id3 import ID3

    tags = ID3()
    for frame in (
        *_text_frames(audio, episode, script, show),
        *_podcast_frames(episode, show, artwork, guid),
        *_chapter_frames(audio.chapters),
    ):
        tags.add(frame)
    tags.update_to_v23()
    tags.save(str(audio.path), v2_version=3, v1=0, padding=lambda info: 0)


def _text_frames(
    audio: EpisodeAudio, episode: Episode, script: Script, show: ShowSettings
) -> list[Frame]:
    """What any player shows: title, author, album, date, genre, language, length, summary,
    the transcript, and the voice and disclaimer as user-defined text."""
    from mutagen.id3 import COMM, TALB, TCON, TDRC, TIT2, TLAN, TLEN, TPE1, TXXX, USLT, Encoding

    utf16 = Encoding.UTF16
    lang = _ISO_639_2.get(show.language.split("-")[0].lower(), "und")
    return [
        TIT2(encoding=utf16, text=[episode.title]),
        TPE1(encoding=utf16, text=[show.author]),
        TALB(encoding=utf16, text=[show.title]),
        TDRC(encoding=utf16, text=[episode.date.isoformat()]),
        TCON(encoding=utf16, text=["Podcast"]),
        TLAN(encoding=utf16, text=[lang]),
        TLEN(encoding=utf16, text=[str(audio.duration_ms)]),
        COMM(encoding=utf16, lang=lang, desc="", text=[episode.summary]),
        USLT(encoding=utf16, lang=lang, desc="transcript", text=script.transcript),
        TXXX(encoding=utf16, desc="voice", text=[audio.voice]),
        TXXX(encoding=utf16, desc="disclaimer", text=[script.disclaimer]),
    ]


def _podcast_frames(
    episode: Episode, show: ShowSettings, artwork: Artwork, guid: str
) -> list[Frame]:
    """The cover, Apple's podcast frames (PCST, WFED, TGID, TDES) and the summary's source."""
    from mutagen.id3 import APIC, PCST, TDES, TGID, WFED, WXXX, Encoding

    utf16 = Encoding.UTF16
    frames = [
        APIC(encoding=utf16, mime="image/jpeg", type=3, desc="Cover", data=artwork.embedded),
        PCST(value=0),
        WFED(url=show.feed_url),
        TGID(encoding=Encoding.LATIN1, text=[guid]),
        TDES(encoding=utf16, text=[episode.summary]),
    ]
    if episode.source_url:
        frames.append(WXXX(encoding=Encoding.LATIN1, desc="source", url=episode.source_url))
    return frames


def _chapter_frames(chapters: Sequence[Chapter]) -> list[Frame]:
    """A table of contents (CTOC) and one CHAP frame per chapter, at the mixdown's times."""
    from mutagen.id3 import CHAP, CTOC, TIT2, CTOCFlags, Encoding

    utf16 = Encoding.UTF16
    ids = [f"chp{index}" for index in range(len(chapters))]
    toc = CTOC(
        element_id=TOC_ID,
        flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
        child_element_ids=ids,
        sub_frames=[TIT2(encoding=utf16, text=["Chapters"])],
    )
    return [toc] + [
        CHAP(
            element_id=element_id,
            start_time=chapter.start_ms,
            end_time=chapter.end_ms,
            start_offset=0xFFFFFFFF,
            end_offset=0xFFFFFFFF,
            sub_frames=[TIT2(encoding=utf16, text=[chapter.title])],
        )
        for element_id, chapter in zip(ids, chapters, strict=True)
    ]


V24_ONLY_FRAMES = frozenset((
    "ASPI", "EQU2", "RVA2", "SEEK", "SIGN", "TDEN", "TDOR", "TDRC", "TDRL", "TDTG", "TIPL",
    "TMCL", "TMOO", "TPRO", "TSOA", "TSOP", "TSOT", "TSST",
))  # fmt: skip
"""Frames ID3v2.4 added; a v2.3 tag must hold none of them."""


@dataclass(frozen=True)
class TagReport:
    """What an MP3's ID3 tag holds, read back for ``narrate check``."""

    version: tuple[int, int]
    """ID3v2 major and revision, e.g. (3, 0)."""
    frames: frozenset[str]
    """IDs of every frame in the tag (as stored, not upgraded)."""
    chapters: tuple[Chapter, ...]
    """Chapters in table-of-contents order."""
    guid: str
    """TGID."""
    feed_url: str
    """WFED."""
    cover: bytes
    """APIC image data (empty when none)."""


def tag_length(head: bytes) -> int:
    """The length of the ID3v2 tag an MP3 whose first bytes are ``head`` starts with (header
    and footer included): all of it a reader of its tag needs. 0 when it starts with none.

    b"ID3\\x03\\x00\\x00\\x00\\x00\\x01\\x00..." -> 138 (10 + a "synchsafe" 128)."""
    if len(head) < 10 or head[:3] != b"ID3":
        return 0
    body = 0
    for byte in head[6:10]:  # 7 bits a byte
        body = (body << 7) | (byte & 0x7F)
    footer = 10 if head[5] & 0x10 else 0
    return 10 + body + footer


def read_tags(path: Path) -> TagReport:
    """Read an MP3's tag as stored; raise ``AudioError`` when there is none."""
    from mutagen import MutagenError
    from mutagen.id3 import ID3, ID3NoHeaderError

    try:
        raw = ID3(str(path), translate=False)
    except ID3NoHeaderError:
        raise AudioError(f"{path} has no ID3 tag; run narrate build again") from None
    except MutagenError as error:
        raise AudioError(
            f"{path}: its ID3 tag cannot be read ({error}); run narrate build again"
        ) from None
    frames = frozenset(key.split(":")[0] for key in raw)
    by_id = {frame.element_id: frame for frame in raw.getall("CHAP")}
    tocs = raw.getall("CTOC")
    order = list(tocs[0].child_element_ids) if tocs else sorted(by_id)
    chapters = tuple(
        Chapter(str(by_id[i].sub_frames.get("TIT2", "")), by_id[i].start_time, by_id[i].end_time)
        for i in order
        if i in by_id
    )
    pictures = raw.getall("APIC")
    return TagReport(
        version=(raw.version[1], raw.version[2]),
        frames=frames,
        chapters=chapters,
        guid=str(raw["TGID"]) if "TGID" in raw else "",
        feed_url=raw["WFED"].url if "WFED" in raw else "",
        cover=pictures[0].data if pictures else b"",
    )
