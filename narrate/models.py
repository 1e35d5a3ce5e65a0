"""Frozen values passed between the stages of a build (see the data flow in STYLE.md)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

SegmentKind = Literal["intro", "body", "disclaimer", "outro"]


@dataclass(frozen=True)
class Section:
    """A chapter of the summary body as written."""

    title: str
    """Chapter title shown in podcast apps (from a ``##`` heading or the paragraph's lead)."""
    paragraphs: tuple[str, ...]
    """Paragraphs of plain written text, in order."""


@dataclass(frozen=True)
class Episode:
    """One summary, read from its file, before anything is spoken."""

    slug: str
    """File-name-safe identity of the episode; names its MP3 and seeds its guid."""
    title: str
    """Episode title, given or derived from the lead sentence."""
    date: dt.date
    """Publication date of the summary."""
    summary: str
    """The lead sentence: the one-line "In short" description."""
    sections: tuple[Section, ...]
    """The body, chapter by chapter."""
    disclaimer: str | None
    """The disclaimer as written in the source, or None when the source has none."""
    source_path: Path
    """The summary file it was read from."""
    source_url: str | None
    """Where the written summary is published, when known."""
    dated: bool = True
    """False when no date was given anywhere and the file's modification date stands in."""
    cover: Path | None = None
    """The episode's own artwork, when the show gives one."""
    unspoken: tuple[tuple[int, str], ...] = ()
    """Lines of the file before its disclaimer that are not spoken, with their numbers
    (from 1): site chrome, or a page's teasers when it has no disclaimer. A build warns about
    them, so no summary text is ever lost in silence."""
    research_url: str | None = None
    """The research the summary is about, when its page links it (an absolute http(s) link)."""
    source_name: str = ""
    """The summary as its user names it, in messages: its page's address, or ("") the path
    of ``source_path``."""
    source_key: str = ""
    """What the published record remembers the summary by (``EpisodeSource.key``: a site
    feed's id, a page's address, a file's path); "": ``source_name``."""

    @property
    def name(self) -> str:
        """The summary as its user names it: its page's address, or its file's path."""
        return self.source_name or str(self.source_path)

    @property
    def key(self) -> str:
        """What the published record remembers the summary by."""
        return self.source_key or self.name


@dataclass(frozen=True)
class Segment:
    """One unit of speech: usually a sentence."""

    kind: SegmentKind
    """Which part of the episode the segment belongs to."""
    chapter: int
    """Index into ``Script.chapters``."""
    paragraph: int
    """Paragraph counter across the script; a change means a paragraph pause."""
    text: str
    """Written text, as it appears in the transcript."""
    spoken: str
    """Speakable text, already normalized; what the engine receives."""


@dataclass(frozen=True)
class Script:
    """Everything that will be said in an episode, in order."""

    chapters: tuple[str, ...]
    """Chapter titles: intro, body chapters, disclaimer, outro."""
    segments: tuple[Segment, ...]
    """The segments, in speaking order."""
    disclaimer: str
    """The disclaimer exactly as spoken, shown in transcript, tags and feed."""

    @property
    def transcript(self) -> str:
        """The written words of the whole episode, one paragraph per line."""
        lines: list[str] = []
        last = None
        for segment in self.segments:
            if segment.paragraph == last:
                lines[-1] += " " + segment.text
            else:
                lines.append(segment.text)
            last = segment.paragraph
        return "\n\n".join(lines)


@dataclass(frozen=True)
class WordTiming:
    """When one word is heard, relative to the start of its clip."""

    word: str
    """The word as spoken."""
    start_ms: int
    """Start, in milliseconds."""
    end_ms: int
    """End, in milliseconds."""


@dataclass(frozen=True)
class Speech:
    """Audio an engine produced for one text."""

    data: bytes
    """Encoded audio: raw mono 16-bit little-endian PCM, or a container ffmpeg can decode."""
    format: Literal["pcm_s16le", "mp3"]
    """How ``data`` is encoded."""
    sample_rate: int
    """Samples per second of ``data`` (for PCM; informative for encoded data)."""
    words: tuple[WordTiming, ...] | None = None
    """Word timings, when the engine knows them."""


@dataclass(frozen=True)
class Clip:
    """The speech of one segment."""

    segment: Segment
    """The segment that was spoken."""
    parts: tuple[Speech, ...]
    """Its audio, one part per breath group; mixdown puts a short breath between parts."""
    voice: str
    """Which engine and voice actually spoke it."""
    cached: bool = False
    """True when the audio came from the clip cache instead of the engine."""


@dataclass(frozen=True)
class Chapter:
    """A chapter on the episode's millisecond clock."""

    title: str
    """Title shown in podcast apps."""
    start_ms: int
    """Start, in milliseconds from the start of the MP3."""
    end_ms: int
    """End, in milliseconds; equals the next chapter's start."""


@dataclass(frozen=True)
class SegmentTiming:
    """Where one segment sits on the episode's clock."""

    segment: Segment
    """The segment."""
    start_ms: int
    """First millisecond of its speech."""
    end_ms: int
    """Last millisecond of its speech (pauses excluded)."""
    words: tuple[WordTiming, ...] | None = None
    """Its words on the episode clock, when the engine gave timings."""


@dataclass(frozen=True)
class Loudness:
    """An EBU R128 measurement."""

    integrated_lufs: float
    """Integrated loudness (-inf for silence)."""
    true_peak_dbtp: float
    """Maximum true peak."""


@dataclass(frozen=True)
class EpisodeAudio:
    """A mixed, normalized, encoded episode waiting to be tagged and published."""

    path: Path
    """The encoded MP3, in the producer's temporary folder until its bytes are published."""
    duration_ms: int
    """Length of the audio on the mixdown clock."""
    chapters: tuple[Chapter, ...]
    """Chapters covering the whole episode without gaps."""
    segments: tuple[SegmentTiming, ...]
    """Every segment's position."""
    voice: str
    """Engine and voice that spoke the episode."""
    loudness_lufs: float
    """Integrated loudness measured on the encoded file."""
    true_peak_dbtp: float
    """True peak measured on the encoded file."""
    decoded: bytes = field(default=b"", repr=False, compare=False)
    """The encoded file decoded again, as it was measured: mono 16-bit PCM at ``decoded_rate``
    (empty if not kept); the self-check reads it instead of decoding once more."""
    decoded_rate: int = 0
    """Sample rate of ``decoded``."""


@dataclass(frozen=True)
class PublishedEpisode:
    """What the feed needs to know about an episode that is on disk."""

    slug: str
    """Identity of the episode."""
    guid: str
    """Never-changing identifier in the feed."""
    number: int
    """``itunes:episode``: given once, in publishing order, never changed."""
    title: str
    """Episode title."""
    description: str
    """One-line "In short" summary."""
    date: dt.date
    """Publication date."""
    audio_file: str
    """MP3 path relative to the output root, with forward slashes."""
    length_bytes: int
    """Exact size of the published MP3."""
    duration_ms: int
    """Length of the audio."""
    source_url: str | None
    """Where the written summary lives, when known."""
    disclaimer: str
    """The disclaimer as spoken."""
    chapters: tuple[Chapter, ...]
    """Chapters, for show notes."""
    voice: str = ""
    """Engine and voice that actually spoke it."""
    research_url: str | None = None
    """The research the summary is about, when known (records of older builds: None)."""
    recipe: str = ""
    """Digest of everything its files were made from; unchanged recipe, nothing to rebuild."""
    source: str = ""
    """The summary file it was last built from."""
    content: str = ""
    """Digest of the summary's text: recognizes the episode when its file is renamed."""
    image: str = ""
    """The episode's own artwork, relative to the output root ("": the show's cover)."""
    speaks_words: bool = True
    """Its voice says words a recognizer can hear (``narrate verify`` listens only then)."""


@dataclass(frozen=True)
class Artwork:
    """The show's cover, as published and as embedded in every MP3."""

    data: bytes
    """The image file's bytes (JPEG or PNG, RGB, square)."""
    mime: str
    """``image/jpeg`` or ``image/png``."""
    file: str
    """Path of the published cover relative to the output root."""
    embedded: bytes
    """A smaller JPEG copy for each MP3's APIC frame."""


@dataclass(frozen=True)
class Plan:
    """An episode that must be (re)built, with everything decided before speaking it."""

    episode: Episode
    """The summary, as it will be published (its slug and date kept from before)."""
    script: Script
    """What will be said."""
    guid: str
    """The episode's guid: kept for ever once published."""
    number: int
    """Its ``itunes:episode`` number: kept for ever once published."""
    recipe: str
    """Digest of everything its files are made from (see ``plan._recipe``)."""
    audio_file: str
    """Where the new MP3 goes: a new name when it replaces a published one (see
    ``revisions.next_file``)."""
    artwork: Artwork | None = None
    """The episode's own cover (None: the show's), checked and ready to publish."""
    content: str = ""
    """Digest of the summary's text, kept with the published episode (see ``plan._renamed``)."""


@dataclass(frozen=True)
class ProducedEpisode:
    """One episode made and ready to publish, as plain values: what ``produce_episode`` sends
    back from whichever process (or, later, machine) made it."""

    episode: PublishedEpisode
    """Its record, as the feed will list it."""
    files: tuple[tuple[str, bytes], ...]
    """Each file to publish (path relative to the output root, bytes) in publishing order:
    the files beside the MP3 first, the MP3 last."""
    spoken: int
    """Phrases an engine spoke afresh for it (not from the cache)."""


@dataclass(frozen=True)
class HeardWord:
    """A word the recognizer heard in an episode, as it writes it, with its time."""

    word: str
    """The word as written by the recognizer ("MRI", "316,", "Ocrevus")."""
    start_ms: int
    """Start, in milliseconds from the start of the episode."""
    end_ms: int
    """End, in milliseconds."""


@dataclass(frozen=True)
class Miss:
    """A stretch of an episode a listener would miss: what was meant there, what was heard."""

    start_ms: int
    """Where it starts in the episode, in milliseconds."""
    end_ms: int
    """Where it ends."""
    meant: str
    """The words narrate meant, in the spoken form both sides are compared in ("" for words
    heard where nothing was said)."""
    heard: str
    """The recognizer's words there, as it wrote them ("" when it heard nothing)."""
    term: str
    """The script's written word or words that failed ("Ocrelizumab"): misses group by it."""
    segment: int
    """Index of the segment it is in (of the episode's timings)."""


@dataclass(frozen=True)
class Hearing:
    """An episode as the recognizer heard it, against its script."""

    words: int
    """Words of the script, in the compared spoken form."""
    errors: int
    """Words substituted, left out or added (the word error count)."""
    misses: tuple[Miss, ...]
    """Every stretch that differs, in order."""
    heard: tuple[HeardWord, ...]
    """Everything the recognizer heard, with word times."""

    @property
    def accuracy(self) -> float:
        """Share of the script's words heard as meant: 1 - word error rate, at least 0."""
        return max(0.0, 1 - self.errors / self.words) if self.words else 0.0


@dataclass(frozen=True)
class Verified:
    """One published episode as ``narrate verify`` found it."""

    audio_file: str
    """Its MP3, relative to the output folder ("audio/x.r2.mp3")."""
    title: str
    """The episode's title."""
    page: str
    """Its page's folder, relative to the output folder ("episodes/x/"): misses link to it."""
    problems: tuple[str, ...]
    """Why it fails, one line each; empty when it passes."""
    hearing: Hearing | None = None
    """What the recognizer heard, when it listened."""
