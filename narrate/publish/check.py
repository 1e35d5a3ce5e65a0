"""check_show(settings): look at a built show the way a podcast directory would, offline.

Every rule narrate's feed promises (Apple's requirements, PSP-1, the Podcasting 2.0 tags) is
checked on the files as published: the feed, each enclosure and its length, durations against
decoded audio, artwork, transcripts and chapters against the MP3's own ID3 chapters, the ID3
frames and the loudness of what was encoded. One line per problem; none means all is well.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Collection
from email.utils import parsedate_to_datetime
from pathlib import Path

from narrate.audio.ffmpeg import decoded_duration_ms, measure_loudness
from narrate.audio.tagging import V24_ONLY_FRAMES, TagReport, read_tags
from narrate.config import APPLE_CATEGORIES, Settings
from narrate.errors import AudioError, NarrateError
from narrate.models import Chapter
from narrate.publish.artwork import check_cover
from narrate.publish.layout import CHAPTERS_TYPE
from narrate.publish.output import Output
from narrate.publish.remote import mirror

NAMESPACES = {
    "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd",
    "podcast": "https://podcastindex.org/namespace/1.0",
    "atom": "http://www.w3.org/2005/Atom",
    "content": "http://purl.org/rss/1.0/modules/content/",
}
"""The namespaces PSP-1 and Apple require, exactly as they must be declared."""
REQUIRED_FRAMES = frozenset(
    {"TIT2", "TPE1", "TALB", "TCON", "USLT", "CTOC", "CHAP", "APIC", "PCST", "WFED", "TGID", "TDES"}
)
MEDIUMS = {"podcast", "music", "video", "film", "audiobook", "newsletter", "blog", "publisher",
           "course", "mixed"}  # fmt: skip
LOUDNESS_TOLERANCE_LU = 1.0
DURATION_TOLERANCE_S = 1
CHAPTER_TOLERANCE_MS = 1
_VTT_TIME = re.compile(r"(?:(\d{2,}):)?([0-5]\d):([0-5]\d)\.(\d{3})")


def check_show(settings: Settings, measure: Collection[str] | None = None) -> list[str]:
    """Every problem found in the built show under ``settings.out_dir`` (or published at
    ``settings.publish``), one line each.

    ``measure`` names the MP3s (``audio/...``) to decode and measure (duration, loudness);
    None measures all. The others are checked against their own ID3 chapters instead, which
    is what a build does: mixdown has just decoded and measured the MP3s it encoded.
    """
    if settings.publish:
        with mirror(settings, measure=measure) as (folder, problems):
            if problems:
                return problems
            found = _check_folder(settings, Output(folder), measure)
            return [problem.replace(str(folder), settings.publish.rstrip("/")) for problem in found]
    return _check_folder(settings, Output(settings.out_dir), measure)


def _check_folder(settings: Settings, out: Output, measure: Collection[str] | None) -> list[str]:
    feed_path = out.path(settings.show.feed_file)
    try:
        raw = feed_path.read_bytes()
        root = ET.fromstring(raw)
    except FileNotFoundError:
        return [f"{feed_path}: no feed here; run narrate build first"]
    except ET.ParseError as error:
        return [f"{feed_path}: not well-formed XML ({error}); run narrate build again"]
    problems = [f"{feed_path}: {p}" for p in _check_channel(raw, root, settings, out)]
    guids: set[str] = set()
    numbers: set[str] = set()
    for item in root.iterfind("channel/item"):
        title = item.findtext("title") or "(untitled)"
        for problem in _check_item(item, settings, out, guids, numbers, measure):
            problems.append(f"{feed_path}: item {title!r}: {problem}")
    return problems


def _check_channel(raw: bytes, root: ET.Element, settings: Settings, out: Output) -> list[str]:
    show = settings.show
    problems: list[str] = []
    for prefix, uri in NAMESPACES.items():
        if f'xmlns:{prefix}="{uri}"'.encode() not in raw[:2000]:
            problems.append(f'namespace {prefix} is not declared as "{uri}"')
    if root.tag != "rss" or root.get("version") != "2.0":
        problems.append('the root element is not <rss version="2.0">')
    channel = root.find("channel")
    if channel is None:
        return [*problems, "no <channel>"]
    for tag in ("title", "link", "description", "language", "itunes:author"):
        if not _text(channel, tag):
            problems.append(f"channel has no <{tag}>")
    if len(_text(channel, "description").encode()) > 4000:
        problems.append("channel <description> is longer than 4000 bytes")
    if _text(channel, "language") != show.language:
        problems.append(f"<language> is not {show.language}")
    self_link = channel.find("atom:link[@rel='self']", NAMESPACES)
    if self_link is None or self_link.get("href") != show.feed_url:
        problems.append(f'<atom:link rel="self"> does not point at {show.feed_url}')
    if not _text(channel, "itunes:owner/itunes:email"):
        problems.append("<itunes:owner> has no <itunes:email>")
    problems += _check_image(channel, show.base_url, out)
    category = channel.find("itunes:category", NAMESPACES)
    name = category.get("text", "") if category is not None else ""
    if name not in APPLE_CATEGORIES:
        problems.append(f'<itunes:category text="{name}"> is not an Apple Podcasts category')
    elif category is not None:
        for sub in category.iterfind("itunes:category", NAMESPACES):
            if sub.get("text") not in APPLE_CATEGORIES[name]:
                problems.append(f'subcategory "{sub.get("text")}" is not under "{name}"')
    if _text(channel, "itunes:explicit") not in ("true", "false"):
        problems.append("<itunes:explicit> is not true or false")
    if _text(channel, "itunes:type") not in ("episodic", "serial"):
        problems.append("<itunes:type> is not episodic or serial")
    try:
        if str(uuid.UUID(_text(channel, "podcast:guid"))) != show.podcast_guid:
            problems.append(f"<podcast:guid> is not {show.podcast_guid}")
    except ValueError:
        problems.append("<podcast:guid> is not a UUID")
    locked = channel.find("podcast:locked", NAMESPACES)
    if locked is None or locked.text not in ("yes", "no") or not locked.get("owner"):
        problems.append('<podcast:locked owner="..."> must say yes or no and name its owner')
    if _text(channel, "podcast:medium") not in MEDIUMS:
        problems.append("<podcast:medium> is missing or not a known medium")
    dates = [_date(i.findtext("pubDate") or "") for i in channel.iterfind("item")]
    newest = max((d for d in dates if d), default=None)
    if newest and _date(_text(channel, "lastBuildDate")) != newest:
        problems.append("<lastBuildDate> is not the newest episode's date")
    return problems


def _check_image(element: ET.Element, base_url: str, out: Output) -> list[str]:
    """The artwork of the channel or of an item: https, published here, Apple's rules."""
    image = element.find("itunes:image", NAMESPACES)
    href = image.get("href", "") if image is not None else ""
    if not href.startswith("https://"):
        return ["<itunes:image href> is missing or not https"]
    path = _local(href, base_url, out)
    if path is None:
        return [f"<itunes:image> {href} is not under the show's base_url"]
    try:
        check_cover(path)
    except NarrateError as error:
        return [f"artwork: {error}"]
    return []


def _check_item(
    item: ET.Element,
    settings: Settings,
    out: Output,
    guids: set[str],
    numbers: set[str],
    measure: Collection[str] | None,
) -> list[str]:
    show = settings.show
    problems, guid_text = _check_identity(item, guids, numbers)
    enclosure = item.find("enclosure")
    if enclosure is None:
        return [*problems, "no <enclosure>"]
    url = enclosure.get("url", "")
    mp3 = _local(url, show.base_url, out)
    if not url.startswith("https://") or mp3 is None:
        return [*problems, f"enclosure {url} is not https under the show's base_url"]
    if enclosure.get("type") != "audio/mpeg":
        problems.append('enclosure type is not "audio/mpeg"')
    if not mp3.is_file():
        return [*problems, f"enclosure file {mp3} is missing"]
    if enclosure.get("length") != str(mp3.stat().st_size):
        problems.append(
            f"enclosure length {enclosure.get('length')} is not the file's size "
            f"{mp3.stat().st_size}"
        )
    try:
        tags = read_tags(mp3)
    except AudioError:
        return [*problems, "the MP3's ID3 tag is missing or unreadable; run narrate build again"]
    deep = measure is None or url[len(show.base_url) :] in measure
    if deep:
        duration_ms = decoded_duration_ms(mp3)
    else:  # the mixdown clock, as the MP3's own chapters record it
        duration_ms = tags.chapters[-1].end_ms if tags.chapters else 0
    stated = _text(item, "itunes:duration")
    if not stated.isdigit() or abs(int(stated) - duration_ms / 1000) > DURATION_TOLERANCE_S:
        problems.append(
            f"<itunes:duration> {stated} is not the audio's {duration_ms / 1000:.1f} s in seconds"
        )
    problems += _check_tags(tags, guid_text, show.feed_url)
    if item.find("itunes:image", NAMESPACES) is not None:  # the episode's own artwork
        problems += _check_image(item, show.base_url, out)
    if deep:
        problems += _check_loudness(mp3, settings)
    problems += _check_transcripts(item, show.base_url, show.language, out, duration_ms)
    problems += _check_chapters(item, show.base_url, out, tags.chapters, duration_ms)
    return problems


def _check_identity(item: ET.Element, guids: set[str], numbers: set[str]) -> tuple[list[str], str]:
    """An item's guid, date and number (each guid and number unique in the feed: the ones
    seen so far are in ``guids`` and ``numbers``): its problems, and its guid."""
    problems: list[str] = []
    guid = item.find("guid")
    guid_text = guid.text if guid is not None and guid.text else ""
    if not guid_text or guid_text in guids:
        problems.append("<guid> is missing or not unique")
    guids.add(guid_text)
    if guid is not None and guid.get("isPermaLink") != "false" and not guid_text.startswith("http"):
        problems.append('<guid> is not a URL, so it needs isPermaLink="false"')
    if _date(item.findtext("pubDate") or "") is None:
        problems.append("<pubDate> is not an RFC 2822 date with the right weekday")
    number = _text(item, "itunes:episode")
    if not number.isdigit() or int(number) < 1 or number in numbers:
        problems.append("<itunes:episode> is not a unique whole number from 1")
    numbers.add(number)
    return problems, guid_text


def _check_tags(tags: TagReport, guid: str, feed_url: str) -> list[str]:
    problems: list[str] = []
    if tags.version[0] != 3:
        problems.append(f"ID3 tag is v2.{tags.version[0]}, not v2.3")
    if tags.frames & V24_ONLY_FRAMES:
        problems.append(
            f"ID3v2.4-only frames left in the tag: {sorted(tags.frames & V24_ONLY_FRAMES)}"
        )
    if missing := REQUIRED_FRAMES - tags.frames:
        problems.append(f"ID3 frames missing: {', '.join(sorted(missing))}")
    if tags.guid and tags.guid != guid:
        problems.append("ID3 TGID is not the episode's guid")
    if tags.feed_url and tags.feed_url != feed_url:
        problems.append("ID3 WFED is not the feed's URL")
    return problems


def _check_loudness(mp3: Path, settings: Settings) -> list[str]:
    target, ceiling = settings.audio.loudness_lufs, settings.audio.true_peak_dbtp
    measured = measure_loudness(mp3)
    problems = []
    if abs(measured.integrated_lufs - target) > LOUDNESS_TOLERANCE_LU:
        problems.append(
            f"loudness {measured.integrated_lufs:.1f} LUFS is off the {target:.0f} LUFS target"
        )
    if measured.true_peak_dbtp > ceiling:
        problems.append(f"true peak {measured.true_peak_dbtp:.1f} dBTP is above {ceiling:.1f}")
    return problems


def _check_transcripts(
    item: ET.Element, base_url: str, language: str, out: Output, duration_ms: int
) -> list[str]:
    problems: list[str] = []
    found = {t.get("type", ""): t for t in item.iterfind("podcast:transcript", NAMESPACES)}
    if "text/vtt" not in found:
        return ["no WebVTT <podcast:transcript> (the one Apple reads)"]
    for kind, tag in found.items():
        path = _local(tag.get("url", ""), base_url, out)
        if path is None or not path.is_file():
            problems.append(f"transcript {tag.get('url')} ({kind}) is missing")
            continue
        if tag.get("language") not in (None, language):
            problems.append(f"transcript {path.name} has language {tag.get('language')}")
        if kind == "text/vtt":
            problems += [f"{path.name}: {p}" for p in _vtt_problems(path, duration_ms)]
    return problems


def _vtt_problems(path: Path, duration_ms: int) -> list[str]:
    text = path.read_text(encoding="utf-8-sig")
    if not text.startswith("WEBVTT"):
        return ['does not start with "WEBVTT"']
    previous = 0
    cues = 0
    for line in text.splitlines():
        if "-->" not in line:
            continue
        start_text, _, end_text = line.partition("-->")
        start, end = _vtt_ms(start_text.strip()), _vtt_ms(end_text.strip().split(" ")[0])
        if start is None or end is None:
            return [f"bad cue timing {line!r}"]
        if start < previous or end <= start or end > duration_ms + CHAPTER_TOLERANCE_MS:
            return [f"cue {line!r} is out of order or outside the audio"]
        previous, cues = start, cues + 1
    return [] if cues else ["has no cues"]


def _vtt_ms(stamp: str) -> int | None:
    match = _VTT_TIME.fullmatch(stamp)
    if not match:
        return None
    hours, minutes, seconds, millis = (int(g or 0) for g in match.groups())
    return ((hours * 60 + minutes) * 60 + seconds) * 1000 + millis


def _check_chapters(
    item: ET.Element, base_url: str, out: Output, id3: tuple[Chapter, ...], duration_ms: int
) -> list[str]:
    tag = item.find("podcast:chapters", NAMESPACES)
    if tag is None or tag.get("type") != CHAPTERS_TYPE:
        return [f'no <podcast:chapters type="{CHAPTERS_TYPE}">']
    path = _local(tag.get("url", ""), base_url, out)
    if path is None or not path.is_file():
        return [f"chapters file {tag.get('url')} is missing"]
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        chapters = [
            (round(c["startTime"] * 1000), round(c["endTime"] * 1000), c.get("title", ""))
            for c in data["chapters"]
        ]
    except (ValueError, KeyError, TypeError) as error:
        return [f"{path.name} is not JSON chapters ({error})"]
    problems: list[str] = []
    if not str(data.get("version", "")).startswith("1.2"):
        problems.append(f"{path.name} is not JSON chapters version 1.2")
    if not chapters or chapters[0][0] != 0:
        problems.append(f"{path.name}: the first chapter does not start at 0")
    for (_, end, title), (start, _, _) in itertools.pairwise(chapters):
        if start != end:
            kind = "gap" if start > end else "overlap"
            problems.append(f"{path.name}: a {kind} between {title!r} and the next chapter")
    if chapters and abs(chapters[-1][1] - duration_ms) > 50:
        problems.append(f"{path.name}: the chapters end at {chapters[-1][1]} ms, not at the end")
    ours = [(c.start_ms, c.end_ms, c.title) for c in id3]
    if len(ours) != len(chapters) or any(
        abs(a[0] - b[0]) > CHAPTER_TOLERANCE_MS or abs(a[1] - b[1]) > CHAPTER_TOLERANCE_MS
        or a[2] != b[2]
        for a, b in zip(ours, chapters, strict=False)
    ):  # fmt: skip
        problems.append(f"{path.name} does not agree with the MP3's ID3 chapters")
    return problems


def _local(url: str, base_url: str, out: Output) -> Path | None:
    if not url.startswith(base_url):
        return None
    try:
        return out.path(url[len(base_url) :])
    except NarrateError:
        return None


def _text(element: ET.Element, path: str) -> str:
    return (element.findtext(path, default="", namespaces=NAMESPACES) or "").strip()


def _date(text: str) -> dt.datetime | None:
    """An RFC 2822 date whose weekday is right, else None."""
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if parsed is None or text.strip()[:3] != parsed.strftime("%a"):
        return None
    return parsed
