"""Stage: tag_episode(audio, episode, script, show): ID3v2.3 tags, chapters and transcript.

ID3v2.3 is what podcast apps read most widely; mutagen writes v2.4 frames unless told, so the
tags are converted with ``update_to_v23()`` and saved as v2.3.
"""

from __future__ import annotations

from narrate.config import ShowSettings
from narrate.models import Episode, EpisodeAudio, Script

_ISO_639_2 = {
    "en": "eng", "fr": "fra", "de": "deu", "es": "spa", "it": "ita", "nl": "nld",
    "pt": "por", "da": "dan", "sv": "swe", "no": "nor", "fi": "fin", "pl": "pol",
}  # fmt: skip
TOC_ID = "toc"


def tag_episode(audio: EpisodeAudio, episode: Episode, script: Script, show: ShowSettings) -> None:
    """Write the episode's tags into ``audio.path`` (replacing any there)."""
    from mutagen.id3 import (
        CHAP,
        COMM,
        CTOC,
        ID3,
        TALB,
        TCON,
        TDRC,
        TIT2,
        TLAN,
        TLEN,
        TPE1,
        TXXX,
        USLT,
        WXXX,
        CTOCFlags,
        Encoding,
    )

    utf16 = Encoding.UTF16
    lang = _ISO_639_2.get(show.language.split("-")[0].lower(), "und")
    tags = ID3()
    tags.add(TIT2(encoding=utf16, text=[episode.title]))
    tags.add(TPE1(encoding=utf16, text=[show.author]))
    tags.add(TALB(encoding=utf16, text=[show.title]))
    tags.add(TDRC(encoding=utf16, text=[episode.date.isoformat()]))
    tags.add(TCON(encoding=utf16, text=["Podcast"]))
    tags.add(TLAN(encoding=utf16, text=[lang]))
    tags.add(TLEN(encoding=utf16, text=[str(audio.duration_ms)]))
    tags.add(COMM(encoding=utf16, lang=lang, desc="", text=[episode.summary]))
    tags.add(USLT(encoding=utf16, lang=lang, desc="transcript", text=script.transcript))
    tags.add(TXXX(encoding=utf16, desc="voice", text=[audio.voice]))
    tags.add(TXXX(encoding=utf16, desc="disclaimer", text=[script.disclaimer]))
    if episode.source_url:
        tags.add(WXXX(encoding=Encoding.LATIN1, desc="source", url=episode.source_url))
    ids = [f"chp{index}" for index in range(len(audio.chapters))]
    tags.add(
        CTOC(
            element_id=TOC_ID,
            flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED,
            child_element_ids=ids,
            sub_frames=[TIT2(encoding=utf16, text=["Chapters"])],
        )
    )
    for element_id, chapter in zip(ids, audio.chapters, strict=True):
        tags.add(
            CHAP(
                element_id=element_id,
                start_time=chapter.start_ms,
                end_time=chapter.end_ms,
                start_offset=0xFFFFFFFF,
                end_offset=0xFFFFFFFF,
                sub_frames=[TIT2(encoding=utf16, text=[chapter.title])],
            )
        )
    tags.update_to_v23()
    tags.save(str(audio.path), v2_version=3, v1=0, padding=lambda info: 0)
