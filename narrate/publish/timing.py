"""One timing model, many formats: WebVTT and SRT captions, word timings, JSON chapters.

Every format is rendered from an ``EpisodeAudio``: the same millisecond clock as the MP3's ID3
chapters, so captions, chapters and highlighted words always agree. Every format shows the same
text: HTML tags dropped (``strip_markup``), then escaped as the format needs (WebVTT and HTML
escape "&", "<" and ">"; SRT and JSON have nothing to escape).
"""

from __future__ import annotations

import difflib
import html
import json
from collections.abc import Callable, Sequence
from typing import Any

from narrate.language import text_direction
from narrate.markup import strip_markup
from narrate.models import Chapter, EpisodeAudio, Segment, SegmentTiming, WordTiming

TIMING_VERSION = 1


def clock(ms: int, separator: str = ".") -> str:
    """3723004 -> "01:02:03.004" (WebVTT); with separator "," -> "01:02:03,004" (SRT)."""
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}{separator}{millis:03d}"


def webvtt(audio: EpisodeAudio) -> str:
    """Captions, one cue per sentence, cue text = the written transcript."""
    return "\n".join(["WEBVTT", "", *_cues(audio, ".", _vtt_escape)])


def srt(audio: EpisodeAudio) -> str:
    """The same cues as SubRip, for players that want SRT."""
    return "\n".join(_cues(audio, ",", _shown))


def _cues(audio: EpisodeAudio, separator: str, shown: Callable[[str], str]) -> list[str]:
    """The lines of one numbered cue per sentence (WebVTT and SRT differ only in the clock's
    decimal separator and in how the text is escaped)."""
    lines: list[str] = []
    for number, timing in enumerate(audio.segments, start=1):
        start, end = clock(timing.start_ms, separator), clock(timing.end_ms, separator)
        lines += [str(number), f"{start} --> {end}", shown(timing.segment.text), ""]
    return lines


def timings_json(audio: EpisodeAudio) -> str:
    """Segments (written and spoken text) and their words with times, for pages and checks."""
    segments: list[dict[str, Any]] = []
    for timing in audio.segments:
        segment = timing.segment
        segments.append(
            {
                "kind": segment.kind,
                "chapter": segment.chapter,
                "paragraph": segment.paragraph,
                "text": strip_markup(segment.text),
                "spoken": segment.spoken,
                "start_ms": timing.start_ms,
                "end_ms": timing.end_ms,
                "words": None
                if timing.words is None
                else [
                    {"word": w.word, "start_ms": w.start_ms, "end_ms": w.end_ms}
                    for w in timing.words
                ],
            }
        )
    data = {
        "version": TIMING_VERSION,
        "duration_ms": audio.duration_ms,
        "voice": audio.voice,
        "chapters": [
            {"title": _shown(c.title), "start_ms": c.start_ms, "end_ms": c.end_ms}
            for c in audio.chapters
        ],
        "segments": segments,
    }
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def read_timings(text: str) -> tuple[SegmentTiming, ...]:
    """The segments back from ``timings_json`` output (for ``narrate verify``)."""
    data = json.loads(text)
    if data.get("version") != TIMING_VERSION:
        raise ValueError(f"timing file version {data.get('version')!r}, expected {TIMING_VERSION}")
    return tuple(
        SegmentTiming(
            Segment(s["kind"], s["chapter"], s["paragraph"], s["text"], s["spoken"]),
            s["start_ms"],
            s["end_ms"],
            None
            if s["words"] is None
            else tuple(WordTiming(w["word"], w["start_ms"], w["end_ms"]) for w in s["words"]),
        )
        for s in data["segments"]
    )


def chapters_webvtt(chapters: Sequence[Chapter]) -> str:
    """Chapters as a WebVTT file for ``<track kind="chapters">`` in web pages."""
    lines = ["WEBVTT", ""]
    for number, chapter in enumerate(chapters, start=1):
        lines += [
            f"chapter-{number}",
            f"{clock(chapter.start_ms)} --> {clock(chapter.end_ms)}",
            _vtt_escape(chapter.title),
            "",
        ]
    return "\n".join(lines)


def chapters_json(audio: EpisodeAudio) -> str:
    """Podcasting 2.0 JSON chapters (version 1.2.0), seconds with millisecond precision."""
    data = {
        "version": "1.2.0",
        "chapters": [
            {"startTime": c.start_ms / 1000, "endTime": c.end_ms / 1000, "title": _shown(c.title)}
            for c in audio.chapters
        ],
    }
    return json.dumps(data, ensure_ascii=False, indent=1) + "\n"


def transcript_html(audio: EpisodeAudio, title: str, language: str) -> str:
    """A standalone HTML transcript (``podcast:transcript`` type text/html): one ``<p>`` per
    paragraph, each led by the ``<time>`` it starts at, as the Podcasting 2.0 examples do."""
    paragraphs: list[tuple[int, list[str]]] = []
    last = None
    for timing in audio.segments:
        if timing.segment.paragraph != last:
            paragraphs.append((timing.start_ms, []))
            last = timing.segment.paragraph
        paragraphs[-1][1].append(_shown(timing.segment.text))
    body = "\n".join(
        f'<p><time datetime="PT{start / 1000:.3f}S">{short_clock(start)}</time> '
        f"{html.escape(' '.join(texts))}</p>"
        for start, texts in paragraphs
    )
    direction = ' dir="rtl"' if text_direction(language) == "rtl" else ""
    title = _shown(title)
    return (
        f'<!DOCTYPE html>\n<html lang="{html.escape(language)}"{direction}>\n<head>\n'
        '<meta charset="utf-8">\n'
        f"<title>{html.escape(title)}: transcript</title>\n</head>\n<body>\n"
        f"<h1>{html.escape(title)}</h1>\n{body}\n</body>\n</html>\n"
    )


def written_words(text: str, spoken: Sequence[WordTiming]) -> tuple[WordTiming, ...] | None:
    """Each written word of ``text`` with the time it is heard, from the spoken words' times.

    The spoken words may differ from the written ones ("MS" is said "M.S", "2026" "twenty
    twenty-six", "(mtROS)" "or mitochondrial R.O.S"): words that match (letters and digits,
    any case) take their spoken word's time; a written word that became other words takes
    the time from the first to the last of them; a written word not spoken at all (a link)
    takes no time, where its neighbours meet. None when there is nothing to time.
    """
    written = text.split()
    if not written or not spoken:
        return None
    matcher = difflib.SequenceMatcher(
        None, [_key(w) for w in written], [_key(w.word) for w in spoken], autojunk=False
    )
    times: list[tuple[int, int] | None] = [None] * len(written)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag not in ("equal", "replace"):
            continue  # words only written (no time of their own) or only spoken (a gap)
        count, heard = i2 - i1, j2 - j1
        for k in range(count):  # in order, shared out as evenly as the counts allow
            first = j1 + k * heard // count
            last = max(first, j1 + (k + 1) * heard // count - 1)
            times[i1 + k] = (spoken[first].start_ms, spoken[last].end_ms)
    at = spoken[0].start_ms
    timed = []
    for word, time in zip(written, times, strict=True):
        start, end = time if time is not None else (at, at)
        timed.append(WordTiming(word, start, end))
        at = end
    return tuple(timed)


def _key(word: str) -> str:
    return "".join(c for c in word.casefold() if c.isalnum())


def short_clock(ms: int, *, length: bool = False) -> str:
    """65900 -> "1:05"; 3723004 -> "1:02:03"; a length: 65900 -> "1:06", 59600 -> "1:00".

    The clock people read, for chapter starts (pages, feed, transcript) and episode lengths
    (``narrate build``'s summary). A position rounds down, so a link to the second shown plays
    all of the chapter; a length rounds to the nearest second, as the pages' "2 min 32 s" does.
    """
    hours, rest = divmod(round(ms / 1000) if length else ms // 1000, 3600)
    minutes, seconds = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{seconds:02d}" if hours else f"{minutes}:{seconds:02d}"


def _shown(text: str) -> str:
    """ "<b>Claims</b>  about\ndiet" -> "Claims about diet": what every format shows."""
    return " ".join(strip_markup(text).split())


def _vtt_escape(text: str) -> str:
    """Cue text may not hold raw "&", "<" or "-->", nor blank lines."""
    return _shown(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
