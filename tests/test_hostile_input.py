"""Hostile and odd summaries through the real command line: each one gets a correct episode
or a one-line error naming the file; never a traceback, an unescaped character in the feed
or the pages, or a file written outside the output folder.

Builds use the tone test voice (``--engine tone --no-cache --no-check``) to stay quick.
"""

from __future__ import annotations

import html
import json
import re
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin

import feedparser
import pytest
from conftest import UNSAFE_LINKS, Run, run_narrate, write_show
from mutagen.id3 import ID3

from narrate.config import load_settings
from narrate.errors import ConfigError
from narrate.publish.timing import read_timings
from narrate.text.sentences import MAX_PHRASE_CHARS, breath_groups
from narrate.text.sources import slugify

TONE = ("--engine", "tone", "--no-cache", "--no-check")
CONTROLS = "".join(chr(c) for c in range(32) if chr(c) not in "\t\n") + "\x7f\ufffe"
"""C0 controls but tab and newline, DEL and U+FFFE: none may reach the feed or a page."""
RAW_CONTROLS = CONTROLS.replace("\x00", "").replace("\r", "")
"""The same, as bytes in the file: NUL makes it a binary file, CR a line end."""
BODY = "The team studied macrophages in mice. They made more oxygen species.\n"


@dataclass
class Site:
    """A finished build of a show made in tmp_path."""

    run: Run
    out: Path

    def feed_items(self) -> list[ET.Element]:
        """The feed's items, after checking that both parsers read it cleanly."""
        data = (self.out / "feeds" / "feed.xml").read_bytes()
        parsed = feedparser.parse(data)
        assert parsed.bozo == 0, parsed.get("bozo_exception")
        items = ET.fromstring(data).findall("channel/item")
        assert len(parsed.entries) == len(items)
        return items

    def item(self, slug: str) -> ET.Element:
        (found,) = [i for i in self.feed_items() if i.findtext("link", "").endswith(f"/{slug}/")]
        return found

    def entry(self, slug: str) -> feedparser.FeedParserDict:
        data = (self.out / "feeds" / "feed.xml").read_bytes()
        (found,) = [e for e in feedparser.parse(data).entries if e.link.endswith(f"/{slug}/")]
        return found

    def page(self, slug: str) -> str:
        return (self.out / "episodes" / slug / "index.html").read_text(encoding="utf-8")

    def timeline(self, slug: str) -> list[tuple[str, str, tuple[str, ...]]]:
        """(written text, spoken text, words heard) of every segment of an episode."""
        text = (self.out / "audio" / f"{slug}.timing.json").read_text(encoding="utf-8")
        return [
            (t.segment.text, t.segment.spoken, tuple(w.word for w in t.words or ()))
            for t in read_timings(text)
        ]


def _build(tmp_path: Path, summaries: dict[str, bytes], date: str | None = None) -> Site:
    """Write the summaries, list them in a show (with ``date`` when given), build it."""
    episodes = []
    for name, data in summaries.items():
        (tmp_path / name).write_bytes(data)
        entry = {"file": json.dumps(name, ensure_ascii=False)}
        episodes.append(entry | ({"date": date} if date else {}))
    show = write_show(tmp_path, episodes, voice='{ engine = "piper" }')  # the fast voice
    out = tmp_path / "site" / "out"  # deep enough that "../.." from out/ is still in tmp_path
    return Site(run_narrate("build", "--show", show, "--out", out, *TONE), out)


def _markdown(title: str, body: str = BODY, date: str = "2026-11-20") -> bytes:
    """A summary whose front matter holds ``title`` as a YAML (and JSON) quoted string."""
    quoted = json.dumps(title, ensure_ascii=False)
    return f"---\ntitle: {quoted}\ndate: {date}\n---\n{body}".encode()


def _assert_built(site: Site) -> None:
    """Exit 0; the feed reads cleanly; no text turned into markup anywhere."""
    assert site.run.code == 0, site.run.stderr
    assert "Traceback" not in site.run.stderr
    assert site.feed_items()
    _assert_no_markup_from_text(site)


def _assert_fails(site: Site, path: Path, message: str) -> None:
    """Exit 1 and exactly one line naming the file: the cause and the fix."""
    assert "Traceback" not in site.run.stderr, site.run.stderr
    assert site.run.code == 1, site.run.stderr
    naming = [line for line in site.run.stderr.splitlines() if str(path) in line]
    assert naming == [f"  {path}: {message}"]
    assert "(0 episodes)" in site.run.stdout
    assert not list((site.out / "audio").glob("*.mp3"))


def _h1(page: str) -> str:
    """The episode page's heading as written in the HTML source."""
    match = re.search(r"<h1>(.*?)</h1>", page, re.DOTALL)
    assert match
    return match[1]


PLAYER_SCRIPTS = {
    '<script src="assets/player.js" defer>',
    '<script src="../../assets/player.js" defer>',
}


def _assert_no_markup_from_text(site: Site) -> None:
    """Every page, transcript, WebVTT file and the feed keep the text's "<" escaped (SubRip
    has no escapes: its text is plain); the only script is narrate's own external player."""
    for path in site.out.rglob("*"):
        if path.suffix not in (".html", ".vtt", ".xml"):
            continue
        text = path.read_text(encoding="utf-8")
        assert "<script>alert" not in text, path
        if path.suffix == ".html":
            scripts = re.findall(r"<script\b[^>]*>", text, re.IGNORECASE)
            assert set(scripts) <= PLAYER_SCRIPTS and len(scripts) <= 1, path


# Titles: markup, entities, quotes, control characters, template syntax


QUOTES = "\"Double\", 'single', “curly” ‘quotes’ and a back\\slash"
TITLES = {
    "script": ("<script>alert(1)</script>", "<script>alert(1)</script>"),
    "ampersand": ("R&D & salt &amp; pepper &#60;", "R&D & salt &amp; pepper &#60;"),
    "quotes": (QUOTES, QUOTES),
    "escaped-controls": (f"Before{CONTROLS}After", "Before After"),
    "template": ("{{ 7*7 }} {% raw %}", "{{ 7*7 }} {% raw %}"),
}
"""Case: (title as written in the front matter, title as published)."""


@pytest.fixture(scope="module")
def titled(tmp_path_factory: pytest.TempPathFactory) -> Site:
    """One build of a summary per title case (and one with raw control bytes in the file)."""
    folder = tmp_path_factory.mktemp("titles")
    summaries = {f"{case}.md": _markdown(title) for case, (title, _) in TITLES.items()}
    raw = f"---\ntitle: Before{RAW_CONTROLS}After\ndate: 2026-11-20\n---\n"
    summaries["raw-controls.md"] = (raw + BODY.replace(" ", " \x01\x1b\x7f", 1)).encode()
    site = _build(folder, summaries)
    _assert_built(site)
    return site


@pytest.mark.parametrize("case", [*TITLES, "raw-controls"])
def test_title_reaches_feed_and_pages_escaped_and_intact(titled: Site, case: str) -> None:
    expected = TITLES[case][1] if case in TITLES else "Before After"

    page = titled.page(case)
    heading = _h1(page)

    assert titled.item(case).findtext("title") == expected
    if "&" not in expected:  # feedparser guesses entity-like titles are HTML and mangles them
        assert titled.entry(case).title == expected
    assert "<" not in heading and ">" not in heading
    assert html.unescape(heading) == expected
    assert f"<title>{heading} · " in page
    # The embed code is text: unescaped once it is the snippet, whose title attribute is
    # escaped in its turn.
    textarea = re.search(r'<textarea id="embed-code"[^>]*>(.*?)</textarea>', page, re.DOTALL)
    assert textarea
    label = re.search(r' title="([^"]*)"', html.unescape(textarea[1]))
    assert label and "<" not in label[1]
    assert html.unescape(label[1]) == f"Listen: {expected}"


def test_control_characters_in_the_body_are_dropped(titled: Site) -> None:
    texts = [text for text, _, _ in titled.timeline("raw-controls")]
    assert "The team studied macrophages in mice." in texts
    assert not any(c in text for text in texts for c in CONTROLS)


# Paths: a title like a path, a file name made of dots


def test_path_like_title_and_dotted_file_name_write_only_inside_the_output(
    tmp_path: Path,
) -> None:
    summaries = {
        "..weird name...md": _markdown("../../etc/passwd"),
        "passwd.md": _markdown("/../../../tmp/escape\\..\\..\\windows"),
    }

    site = _build(tmp_path, summaries)

    _assert_built(site)
    assert sorted(p.name for p in (site.out / "audio").glob("*.mp3")) == [
        "passwd.mp3",
        "weird-name.mp3",
    ]
    assert site.item("weird-name").findtext("title") == "../../etc/passwd"
    assert site.item("passwd").findtext("title") == "/../../../tmp/escape\\..\\..\\windows"
    inputs = {tmp_path / "show.toml", *(tmp_path / name for name in summaries)}
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert path in inputs or site.out in path.parents, path
    assert {p.name for p in site.out.iterdir()} == {
        ".narrate", "artwork", "assets", "audio", "episodes", "feeds", "index.html",
    }  # fmt: skip
    assert {p.name for p in (site.out / "episodes").iterdir()} == {"passwd", "weird-name"}


# Duplicate titles


def test_duplicate_titles_make_two_episodes_with_distinct_guids(tmp_path: Path) -> None:
    summaries = {
        "first.md": _markdown("Same title", "The first summary says one thing.\n"),
        "second.md": _markdown("Same title", "The second summary says another.\n"),
    }

    site = _build(tmp_path, summaries)

    _assert_built(site)
    items = site.feed_items()
    assert [i.findtext("title") for i in items] == ["Same title", "Same title"]
    assert len({i.findtext("guid") for i in items}) == 2
    assert {i.findtext("description") for i in items} == {
        "The first summary says one thing.",
        "The second summary says another.",
    }
    assert html.unescape(_h1(site.page("first"))) == html.unescape(_h1(site.page("second")))


# Text: emoji and right-to-left scripts, one endless sentence


def test_emoji_and_right_to_left_text_build(tmp_path: Path) -> None:
    name = "סיכום שלום.md"
    title = "Good news 🎉 שלום مرحبا"
    body = (
        "Good news 🎉 for everyone 👍🏽. שלום עולם, זה סיכום קצר. مرحبا بالعالم، هذا ملخص قصير.\n"
    )

    site = _build(tmp_path, {name: _markdown(title, body)})

    _assert_built(site)
    slug = slugify(Path(name).stem)
    assert re.fullmatch(r"episode-[0-9a-f]{8}", slug)
    assert site.item(slug).findtext("title") == title
    assert html.unescape(_h1(site.page(slug))) == title
    timeline = site.timeline(slug)
    body_segments = [(text, spoken) for text, spoken, _ in timeline if "everyone" in text]
    assert body_segments == [("Good news 🎉 for everyone 👍🏽.", "Good news for everyone.")]
    said = " ".join(spoken for _, spoken, _ in timeline)
    assert "שלום עולם, זה סיכום קצר." in said
    assert "مرحبا بالعالم، هذا ملخص قصير." in said
    assert not any(c in said for c in "🎉👍🏽")
    words = " ".join(re.sub(r"<[^>]+>", " ", site.page(slug)).split())
    assert "Good news 🎉 for everyone 👍🏽. שלום עולם, זה סיכום קצר." in html.unescape(words)


def _word(number: int) -> str:
    """A distinct word per number, letters only (so no speech rule reads it as a number)."""
    return "".join("bkmtnrslvd"[int(d)] + "aeiou"[int(d) % 5] for d in str(number))


def test_three_thousand_word_sentence_without_punctuation_builds_whole(tmp_path: Path) -> None:
    words = [_word(n) for n in range(1, 3001)]
    sentence = " ".join(words)

    site = _build(tmp_path, {"endless.txt": (sentence + "\n").encode()}, "2026-11-20")

    _assert_built(site)
    (body,) = [segment for segment in site.timeline("endless") if segment[0] == sentence]
    _, spoken, heard = body
    assert spoken.split() == words
    assert list(heard) == words  # every word spoken whole, in order, none cut
    phrases = breath_groups(spoken)
    assert len(phrases) > 1
    assert all(len(p) <= MAX_PHRASE_CHARS for p in phrases)
    assert " ".join(phrases) == spoken


# Line ends and byte order marks


def test_bom_and_crlf_build_the_same_episode_as_lf(tmp_path: Path) -> None:
    text = _markdown("Line ends", BODY + "\n## Why it matters\n\nMore work is needed.\n").decode()
    summaries = {
        "unix.md": text.encode(),
        "windows.md": b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode(),
    }

    site = _build(tmp_path, summaries)

    _assert_built(site)
    unix, windows = site.item("unix"), site.item("windows")
    for field in ("title", "description", "pubDate"):
        assert unix.findtext(field) == windows.findtext(field)
    assert site.timeline("unix") == site.timeline("windows")
    unix_vtt, windows_vtt = (
        (site.out / "audio" / f"{slug}.vtt").read_text(encoding="utf-8")
        for slug in ("unix", "windows")
    )
    assert unix_vtt == windows_vtt
    assert "\ufeff" not in unix_vtt and "\r" not in unix_vtt


# Files that cannot become an episode: one line each, naming the file


def _yaml(front: str) -> bytes:
    return f"---\n{front}\n---\n{BODY}".encode()


NOT_A_DATE = 'front matter date "{}" is not a real date; write it as 2026-11-20'
NOT_YAML = (
    'front matter is not valid YAML (line {}); write it as "key: value" lines between two --- lines'
)
NO_SUMMARY = (
    "no summary text before the disclaimer or site chrome; paste the summary paragraphs into "
    "the file"
)

ERRORS = [
    pytest.param("empty.txt", b"", "the file is empty; paste the summary text into it", id="empty"),
    pytest.param(
        "blank.txt",
        b"  \n\t\r\n \xc2\xa0 \n",
        "the file holds only white space; paste the summary text into it",
        id="whitespace-only",
    ),
    pytest.param(
        "picture.txt",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
        "looks like a binary file, not text; give a .txt, .md or .html summary",
        id="binary",
    ),
    pytest.param(
        "bom-binary.txt",
        b"\xff\xfe\x00\x01binary\x00junk",
        "looks like a binary file, not text; give a .txt, .md or .html summary",
        id="binary-starting-like-utf-16",
    ),
    pytest.param(
        "latin1.txt",
        "Café au lait helps nobody.\n".encode("latin-1"),
        "not UTF-8 text (byte 0xe9 at offset 3); save the file as UTF-8",
        id="latin-1",
    ),
    pytest.param(
        "windows-1252.md",
        "---\ntitle: “Quoted”\n---\nBody.\n".encode("cp1252"),
        "not UTF-8 text (byte 0x93 at offset 11); save the file as UTF-8",
        id="windows-1252",
    ),
    pytest.param(
        "unicode.txt",
        "Saved by Notepad as Unicode.\n".encode("utf-16"),
        "saved as UTF-16, not UTF-8; save the file as UTF-8",
        id="utf-16",
    ),
    pytest.param(
        "page-breaks.txt",
        "Page one.\x0cPage two.\x85Page three.\x1c\n".encode("utf-16"),
        "saved as UTF-16, not UTF-8; save the file as UTF-8",
        id="utf-16-with-page-breaks",  # white space controls are text, not a sign of binary
    ),
    pytest.param(
        "utf32.md",
        "---\ntitle: Wide\n---\nFour bytes a letter.\n".encode("utf-32"),
        "saved as UTF-32, not UTF-8; save the file as UTF-8",
        id="utf-32",
    ),
    pytest.param(
        "disclaimer.txt",
        "AI-generated summary — for informational purposes only, not medical advice\n".encode(),
        NO_SUMMARY,
        id="only-a-disclaimer",
    ),
    pytest.param(
        "disclaimer.md",
        b"---\ntitle: Nothing here\n---\n*This summary is not medical advice.*\n",
        NO_SUMMARY,
        id="only-a-disclaimer-markdown",
    ),
    pytest.param(
        "emoji.txt",
        "🎉🎉 👍🏽 ✨\n".encode(),
        "the summary has no words to read aloud, only symbols; paste the summary paragraphs "
        "into the file",
        id="only-emoji",
    ),
    pytest.param(
        "feb30.md", _yaml("date: 2026-02-30"), NOT_A_DATE.format("2026-02-30"), id="february-30"
    ),
    pytest.param(
        "feb29.md",
        _yaml("date: 2025-02-29"),
        NOT_A_DATE.format("2025-02-29"),
        id="february-29-not-leap",
    ),
    pytest.param(
        "month13.md", _yaml("date: 2026-13-01"), NOT_A_DATE.format("2026-13-01"), id="month-13"
    ),
    pytest.param(
        "apr31.md",
        _yaml("date: 2026-04-31T09:30:00"),
        NOT_A_DATE.format("2026-04-31T09:30:00"),
        id="april-31-with-time",
    ),
    pytest.param(
        "quoted.md",
        _yaml("date: '2026-02-30'"),
        NOT_A_DATE.format("2026-02-30"),
        id="quoted-february-30",
    ),
    pytest.param(
        "words.md",
        _yaml("date: the thirtieth of February"),
        NOT_A_DATE.format("the thirtieth of February"),
        id="date-in-words",
    ),
    pytest.param(
        "unclosed.md",
        _yaml("title: [unclosed\ndate: 2026-11-20"),
        NOT_YAML.format(3),
        id="yaml-unclosed-bracket",
    ),
    pytest.param(
        "tab.md", _yaml("title: A\n\tdate: 2026-11-20"), NOT_YAML.format(3), id="yaml-tab-indent"
    ),
    pytest.param(
        "colons.md",
        _yaml("title: Cells: a story: part 2"),
        NOT_YAML.format(2),
        id="yaml-two-colons",
    ),
    pytest.param(
        "quote.md", _yaml('title: "never closed'), NOT_YAML.format(2), id="yaml-open-quote"
    ),
    pytest.param(
        "list.md",
        _yaml("- title\n- date"),
        "front matter must be key: value lines (title, date, ...)",
        id="yaml-list",
    ),
    pytest.param(
        "title-list.md",
        _yaml("title: [1, 2]"),
        'front matter "title" must be text',
        id="yaml-title-not-text",
    ),
    pytest.param(
        "nested.md",
        _yaml("title: " + "[" * 5000),
        'front matter is nested too deeply to read; write it as "key: value" lines '
        "between two --- lines",
        id="yaml-nested-5000-deep",
    ),
    pytest.param(
        "python.md",
        _yaml("title: !!python/object/apply:os.system [echo pwned]"),
        NOT_YAML.format(2),
        id="yaml-python-tag",
    ),
]


@pytest.mark.parametrize(("name", "data", "message"), ERRORS)
def test_unusable_file_fails_with_one_line_naming_it(
    tmp_path: Path, name: str, data: bytes, message: str
) -> None:
    site = _build(tmp_path, {name: data})

    _assert_fails(site, tmp_path / name, message)


def test_five_megabyte_summary_fails_at_once_with_the_limit(tmp_path: Path) -> None:
    """A 5 MB summary is nearly a million words: a hundred hours of speech, days of Piper
    time and sentence splitting that never seems to end. No listener wants that episode and the
    file is almost surely the wrong one (a whole paper, a log), so a clear error at once,
    naming the limit, serves the user better than a build that seems to hang."""
    sentence = "The cells made more oxygen species in mice, and the disease was milder. "
    data = (sentence * (5_000_000 // len(sentence) + 1)).encode()
    assert len(data) >= 5_000_000

    started = time.monotonic()
    site = _build(tmp_path, {"huge.txt": data}, date="2026-11-20")

    assert time.monotonic() - started < 30
    _assert_fails(
        site,
        tmp_path / "huge.txt",
        "too long for one episode (more than 100,000 characters, about 15,000 words); a "
        "summary is a few hundred words: shorten it, or split it into several summaries",
    )


def test_one_bad_summary_spoils_nothing_else(tmp_path: Path) -> None:
    summaries = {"good.md": _markdown("Fine"), "bad.md": _yaml("date: 2026-02-30")}

    site = _build(tmp_path, summaries)

    assert site.run.code == 1 and "Traceback" not in site.run.stderr
    assert [i.findtext("title") for i in site.feed_items()] == ["Fine"]
    naming = [line for line in site.run.stderr.splitlines() if "bad.md" in line]
    assert naming == [f"  {tmp_path / 'bad.md'}: {NOT_A_DATE.format('2026-02-30')}"]


def test_impossible_date_in_the_show_file_is_a_configuration_error(tmp_path: Path) -> None:
    (tmp_path / "fine.md").write_bytes(_markdown("Fine"))
    show = write_show(tmp_path, [{"file": '"fine.md"', "date": "2026-02-30"}])

    run = run_narrate("build", "--show", show, "--out", tmp_path / "out", *TONE)

    assert run.code == 2 and "Traceback" not in run.stderr
    assert run.stderr.splitlines() == [
        f"narrate: configuration error in {show}:",
        "  not valid TOML (Invalid date or datetime (at line 9, column 8)); fix the syntax",
    ]
    assert not (tmp_path / "out").exists()


# Links: only absolute http(s) links are published, from a summary or from the show


BASE_URL = "https://podcast.example.org/test/"
"""Where ``write_show`` says the output is hosted."""
URL_ATTRIBUTES = ("href", "src", "url", "action", "poster", "data-cover")


class _Links(HTMLParser):
    """Every URL an HTML document holds in its attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found += [value or "" for name, value in attrs if name in URL_ATTRIBUTES]


def _html_links(text: str) -> list[str]:
    parser = _Links()
    parser.feed(text)
    parser.close()
    return parser.found


def _published_links(site: Site) -> set[str]:
    """Every link in the pages and the feed (its show notes included), made absolute the
    way a browser or a podcast app makes it; each must be http(s)."""
    links: set[str] = set()
    for path in site.out.rglob("*.html"):
        if ".narrate" in path.parts:
            continue
        here = BASE_URL + path.relative_to(site.out).as_posix()
        links |= {urljoin(here, link) for link in _html_links(path.read_text(encoding="utf-8"))}
    feed = ET.fromstring((site.out / "feeds" / "feed.xml").read_bytes())
    for element in feed.iter():
        links |= {value for name, value in element.attrib.items() if name in URL_ATTRIBUTES}
        if element.tag == "link":
            links.add(element.text or "")
        if element.tag.endswith("}encoded"):
            links |= set(_html_links(element.text or ""))
    bad = {link for link in links if not re.match(r"https?://[^/\\s]", link, re.IGNORECASE)}
    assert bad == set(), "links that are not absolute http(s)"
    return links


def _linked(url: str) -> bytes:
    """A summary whose front matter gives ``url`` as its source (a YAML quoted string)."""
    return _yaml(f"date: 2026-11-20\nsource_url: {json.dumps(url, ensure_ascii=False)}")


def test_summary_links_that_are_not_http_are_left_out_with_a_warning(tmp_path: Path) -> None:
    summaries = {f"{case}.md": _linked(url) for case, url in UNSAFE_LINKS.items()}
    summaries["fine.md"] = _linked("HTTPS://Example.org/summaries/fine")

    site = _build(tmp_path, summaries)

    _assert_built(site)  # a bad link is no reason to lose the episode
    assert len(site.feed_items()) == len(summaries)
    for case in UNSAFE_LINKS:
        naming = [line for line in site.run.stderr.splitlines() if f"/{case}.md" in line]
        assert len(naming) == 1, (case, site.run.stderr)
        assert naming[0].startswith(f"{tmp_path / case}.md: front matter source_url ")
        assert naming[0].endswith("; the link is left out")
    assert "fine.md: front matter" not in site.run.stderr
    outside = {link.lower() for link in _published_links(site) if not link.startswith(BASE_URL)}
    assert outside == {"https://example.org/summaries/fine"}
    assert "Read the written summary" in site.page("fine")
    assert "Read the written summary" not in site.page("javascript")
    tagged = {
        mp3.stem: [frame.url for frame in ID3(mp3).getall("WXXX")]
        for mp3 in (site.out / "audio").glob("*.mp3")
    }
    assert tagged.pop("fine") == ["HTTPS://Example.org/summaries/fine"]
    assert set(tagged) == set(UNSAFE_LINKS) and not any(tagged.values())


def test_show_links_that_are_not_http_are_configuration_errors_with_their_keys(
    tmp_path: Path,
) -> None:
    (tmp_path / "fine.md").write_bytes(_markdown("Fine"))
    entries = [{"file": '"fine.md"', "source_url": json.dumps(u)} for u in UNSAFE_LINKS.values()]
    show = write_show(tmp_path, [*entries, {"file": '"fine.md"', "source_url": '"http://x.org"'}])

    run = run_narrate("build", "--show", show, "--out", tmp_path / "out", *TONE)

    assert run.code == 2 and "Traceback" not in run.stderr
    lines = run.stderr.splitlines()
    assert lines[0] == f"narrate: configuration error in {show}:"
    keys = [line.split(":")[0].strip() for line in lines[1:]]
    assert keys == [f"episodes[{n}].source_url" for n in range(1, len(UNSAFE_LINKS) + 1)]
    assert lines[1] == (
        '  episodes[1].source_url: "javascript:alert(document.cookie)" is a "javascript:" link; '
        "only http:// and https:// links are published"
    )
    assert r'"java\tscript:alert(1)" has an invisible character (\t)' in run.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("url", UNSAFE_LINKS.values(), ids=UNSAFE_LINKS)
def test_a_base_url_that_is_not_http_is_a_configuration_error(tmp_path: Path, url: str) -> None:
    show = write_show(tmp_path, [])
    text = show.read_text(encoding="utf-8")
    show.write_text(text.replace(f'"{BASE_URL[:-1]}"', json.dumps(url)), encoding="utf-8")

    with pytest.raises(ConfigError) as caught:
        load_settings(show)

    (problem,) = caught.value.problems
    assert problem.startswith('base_url: "') and "\n" not in problem
