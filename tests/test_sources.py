"""read_episode: page dumps, Markdown with front matter, encodings, and every way a file is bad."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import EXAMPLE_DISCLAIMER, SAMPLE

from narrate.config import EpisodeSource
from narrate.errors import SourceError
from narrate.models import Episode
from narrate.text.page_dump import read_page_dump, reading_warnings
from narrate.text.sources import clean_text, derive_title, read_episode, slugify

LEAD = (
    "In a mouse model of MS, invading immune cells called monocyte-derived macrophages damage "
    "nervous tissue mainly by making harmful mitochondrial reactive oxygen species (mtROS)."
)
CHROME = ("Read More", "Learn how certain gut bacteria", "Whether you’ve recently been diagnosed")
DATE = dt.date(2026, 11, 20)
REWORDED = "This AI-generated summary is for informational purposes only and is not medical advice."

MARKDOWN = """\
---
title: "Front matter title"
date: 2026-11-20
source_url: https://example.org/summaries/42
disclaimer: "Summary written by a machine; not medical advice."
---
# A heading title that front matter overrides

The team studied **monocyte-derived** macrophages in [a mouse model](https://example.org/m).
They used *genetic* tools and `Cre` lines.

## What they found

- Microglia were not the main source
- MdMs made more mtROS!

## Why it matters

Treatments could target _invading_ cells only.
"""


def _read(path: Path) -> Episode:
    """Read with a pinned date so no test depends on file modification times."""
    return read_episode(EpisodeSource(path, DATE, None, None))


def _sample_lines() -> list[str]:
    return SAMPLE.read_text(encoding="utf-8").splitlines()


def _all_paragraphs(episode: Episode) -> list[str]:
    return [p for section in episode.sections for p in section.paragraphs]


def _assert_no_chrome(episode: Episode) -> None:
    for paragraph in _all_paragraphs(episode):
        for chrome in CHROME:
            assert chrome not in paragraph


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    path = tmp_path / "mtros-macrophages.txt"
    shutil.copy(SAMPLE, path)
    return path


# (a) the sample page dump


def test_sample_keeps_body_lead_slug_and_disclaimer_and_drops_chrome(sample: Path) -> None:
    episode = _read(sample)

    paragraphs = _all_paragraphs(episode)
    assert paragraphs == _sample_lines()[:4]
    assert [p.split()[0] for p in paragraphs] == ["In", "The", "People", "These"]
    assert paragraphs[-1].endswith("whether targeting mtROS is safe in real-world patients.")
    assert episode.summary == LEAD
    assert episode.slug == "mtros-macrophages"
    assert episode.title == (
        "Invading immune cells called monocyte-derived macrophages damage nervous tissue"
    )
    assert (episode.source_path, episode.source_url) == (sample, None)
    assert episode.disclaimer == EXAMPLE_DISCLAIMER
    assert EXAMPLE_DISCLAIMER not in _all_paragraphs(episode)
    _assert_no_chrome(episode)


# (b) page dumps that differ from the sample


@pytest.mark.parametrize(
    ("edit", "disclaimer"),
    [
        pytest.param(lambda ls: [x for x in ls if x != EXAMPLE_DISCLAIMER], None, id="missing"),
        pytest.param(
            lambda ls: [REWORDED if x == EXAMPLE_DISCLAIMER else x for x in ls],
            REWORDED,
            id="reworded",
        ),
        pytest.param(
            lambda ls: ls[:4] + ls[9:],  # chrome starts at "Read More9/1/2026", no date line
            None,
            id="glued-read-more",
        ),
    ],
)
def test_dump_variants_keep_the_body_and_drop_chrome(
    tmp_path: Path, edit: Callable[[list[str]], list[str]], disclaimer: str | None
) -> None:
    path = tmp_path / "variant.txt"
    path.write_text("\n".join(edit(_sample_lines())), encoding="utf-8")

    episode = _read(path)

    assert episode.disclaimer == disclaimer
    assert _all_paragraphs(episode) == _sample_lines()[:4]
    _assert_no_chrome(episode)


# (b2) page-dump shapes: chrome above, chrome below, chrome words opening a body paragraph,
# no disclaimer. Body paragraphs are never dropped; chrome before the disclaimer is dropped by
# the shape of the whole line, and every dropped line is named in a warning.

BREADCRUMB = ("Home > Summaries > Lifestyle", "Share this page")
RELATED = (
    "Related studies in other conditions found the same sparks, so the idea may reach beyond MS."
)
SHARE = "Share this finding with your neurologist: it may change which treatments you discuss."
TITLE_LINE = "Invading immune cells, not microglia, drive nerve damage in mice"


def _shape(
    lines: list[str], top: tuple[str, ...] = (), middle: dict[int, str] | None = None
) -> list[str]:
    """The sample with ``top`` lines above it and ``middle`` lines inserted at their indexes."""
    body = list(lines)
    for index, line in sorted((middle or {}).items(), reverse=True):
        body[index:index] = [line]
    return [*top, *body]


@pytest.mark.parametrize(
    ("lines", "title", "paragraphs", "unspoken", "warnings"),
    [
        pytest.param(
            _shape(SAMPLE.read_text(encoding="utf-8").splitlines()),
            None, [0, 1, 2, 3], [], [], id="chrome-below",
        ),
        pytest.param(
            _shape(SAMPLE.read_text(encoding="utf-8").splitlines(), top=BREADCRUMB),
            None, [0, 1, 2, 3], [1, 2], ["lines 1–2"], id="breadcrumb-and-share-bar-above",
        ),
        pytest.param(
            _shape(
                SAMPLE.read_text(encoding="utf-8").splitlines(),
                top=("Home › Research › Immunology", "Menu", "Summaries", "About us", "Contact",
                     "", TITLE_LINE, ""),
            ),
            TITLE_LINE, [0, 1, 2, 3], [1, 2, 3, 4, 5], ["lines 1–5"],
            id="menu-and-title-line-above",
        ),
        pytest.param(
            _shape(SAMPLE.read_text(encoding="utf-8").splitlines(), middle={2: RELATED, 3: SHARE}),
            None, [0, 1, RELATED, 2, SHARE, 3], [], [],
            id="body-paragraphs-starting-with-chrome-words",
        ),
        pytest.param(
            _shape(SAMPLE.read_text(encoding="utf-8").splitlines(), middle={2: "Share on X"}),
            None, [0, 1, 2, 3], [3], ["line 3"], id="share-bar-between-paragraphs",
        ),
        pytest.param(
            [x for x in SAMPLE.read_text(encoding="utf-8").splitlines() if x != EXAMPLE_DISCLAIMER],
            None, [0, 1, 2, 3], list(range(5, 20)), ["lines 5–19"], id="no-disclaimer",
        ),
        pytest.param(
            _shape(
                [x for x in SAMPLE.read_text(encoding="utf-8").splitlines()
                 if x != EXAMPLE_DISCLAIMER],
                top=BREADCRUMB, middle={1: RELATED},
            ),
            None, [0, RELATED, 1, 2, 3], [1, 2, *range(8, 23)], ["lines 1–2, 8–22"],
            id="no-disclaimer-chrome-above-and-a-related-paragraph",
        ),
    ],
)  # fmt: skip
def test_page_dump_shapes(
    tmp_path: Path,
    lines: list[str],
    title: str | None,
    paragraphs: list[int | str],
    unspoken: list[int],
    warnings: list[str],
) -> None:
    """``paragraphs`` are indexes into the sample's lines, or literal text."""
    path = tmp_path / "shape.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    body = _sample_lines()

    episode = _read(path)

    assert _all_paragraphs(episode) == [body[p] if isinstance(p, int) else p for p in paragraphs]
    assert episode.summary == LEAD
    assert [number for number, _ in episode.unspoken] == unspoken
    assert all(lines[number - 1] == line for number, line in episode.unspoken)
    assert episode.title == (title or derive_title(LEAD))
    said = reading_warnings(episode)
    assert len(said) == len(warnings)
    for warning, lines_named in zip(said, warnings, strict=True):
        assert warning.startswith(f"{path}: {lines_named} not spoken, taken for site chrome")
        assert "\n" not in warning
    _assert_no_chrome(episode)
    for chrome in ("Home", "Share this page", "Share on X", "Contact"):
        assert all(not p.startswith(chrome) for p in _all_paragraphs(episode))


@pytest.mark.parametrize(
    ("line", "chrome"),
    [
        ("Home > Summaries > Lifestyle", True),
        ("Home › Research › Immunology", True),
        ("News | Diet | Exercise", True),
        ("Share this page", True),
        ("Share on Facebook", True),
        ("Subscribe to our newsletter", True),
        ("Related articles", True),
        ("Read More", True),
        ("Read More9/1/2026", True),
        ("12/31/2026", True),
        ("Related studies in other conditions found the same sparks.", False),
        ("Share your experience of fatigue with your care team.", False),
        ("Subscribe to the idea that diet matters, the authors say.", False),
        ("An EDSS > 6 was seen in 30% of people.", False),
        ("Read more about the trial in the full paper.", False),
    ],
)
def test_chrome_is_known_by_the_shape_of_the_whole_line(line: str, chrome: bool) -> None:
    dump = read_page_dump(f"First paragraph.\n{line}\nLast paragraph.\nNot medical advice.\n")

    assert dump.unspoken == (((2, line),) if chrome else ())
    assert dump.paragraphs == (
        ("First paragraph.", "Last paragraph.")
        if chrome
        else ("First paragraph.", line, "Last paragraph.")
    )


def test_an_episode_far_shorter_than_its_file_is_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "cut.txt"
    body = _sample_lines()[1:4]
    path.write_text("\n".join([LEAD, "12/31/2026", *body]) + "\n", encoding="utf-8")

    episode = _read(path)

    assert _all_paragraphs(episode) == [LEAD]
    assert [number for number, _ in episode.unspoken] == [2, 3, 4, 5]
    chrome, short = reading_warnings(episode)
    assert chrome.startswith(
        f'{path}: lines 2–5 not spoken, taken for site chrome (the first: "12/31'
    )
    assert short.startswith(f"{path}: the episode speaks only {len(LEAD.split())} of the ")


def test_a_title_line_is_the_title_not_a_chapter_nor_the_summary(tmp_path: Path) -> None:
    path = tmp_path / "titled.txt"
    path.write_text("\n".join([TITLE_LINE, *_sample_lines()]), encoding="utf-8")

    episode = _read(path)

    assert episode.title == TITLE_LINE
    assert episode.summary == LEAD
    assert _all_paragraphs(episode) == _sample_lines()[:4]
    assert all(TITLE_LINE not in s.title for s in episode.sections)
    assert episode.unspoken == ()
    assert reading_warnings(episode) == ()


def test_markup_never_reaches_the_episode(tmp_path: Path) -> None:
    path = tmp_path / "markup.txt"
    path.write_text(
        "<b>Claims</b> about <i>diet</i> and MS\n\n"
        "People who ate <em>more</em> fibre<br>had fewer relapses (p<0.05).\n\n"
        "Not medical advice.\n",
        encoding="utf-8",
    )

    episode = _read(path)
    shown = read_episode(EpisodeSource(path, DATE, "<b>Show</b> title", None))

    assert episode.title == "Claims about diet and MS"
    assert _all_paragraphs(episode) == ["People who ate more fibre had fewer relapses (p<0.05)."]
    assert shown.title == "Show title"


# (c) Markdown with front matter


def test_markdown_front_matter_headings_lists_and_inline_syntax(tmp_path: Path) -> None:
    path = tmp_path / "md-episode.md"
    path.write_text(MARKDOWN, encoding="utf-8")

    episode = read_episode(EpisodeSource(path, None, None, None))

    assert episode.title == "Front matter title"
    assert episode.date == DATE
    assert episode.source_url == "https://example.org/summaries/42"
    assert episode.disclaimer == "Summary written by a machine; not medical advice."
    assert episode.slug == "md-episode"
    assert [s.title for s in episode.sections] == ["Summary", "What they found", "Why it matters"]
    assert episode.sections[0].paragraphs == (
        "The team studied monocyte-derived macrophages in a mouse model. "
        "They used genetic tools and Cre lines.",
    )
    assert episode.sections[1].paragraphs == (
        "Microglia were not the main source.",
        "MdMs made more mtROS!",
    )
    assert episode.sections[2].paragraphs == ("Treatments could target invading cells only.",)
    assert episode.summary == "The team studied monocyte-derived macrophages in a mouse model."


@pytest.mark.parametrize(
    ("name", "text", "title", "paragraphs", "disclaimer"),
    [
        pytest.param(
            "wrapped.txt",
            "First line of a paragraph\ncontinues here.\n\nSecond one.\n\nNot medical advice.\n",
            "First line of a paragraph continues here",
            ["First line of a paragraph continues here.", "Second one."],
            "Not medical advice.",
            id="dump-with-blank-lines",
        ),
        pytest.param(
            "plain.md",
            "# Vitamin D and relapses\n\nRelapses fell. More is needed.\n\nNot medical advice.\n",
            "Vitamin D and relapses",
            ["Relapses fell. More is needed."],
            "Not medical advice.",
            id="markdown-h1-without-front-matter",
        ),
    ],
)
def test_small_files(
    tmp_path: Path, name: str, text: str, title: str, paragraphs: list[str], disclaimer: str
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")

    episode = _read(path)

    assert (episode.title, _all_paragraphs(episode)) == (title, paragraphs)
    assert episode.disclaimer == disclaimer


# (d) encodings and line endings


@pytest.mark.parametrize("kind", ["dump", "markdown"])
def test_bom_and_crlf_read_the_same_as_plain_lf(tmp_path: Path, kind: str) -> None:
    text = SAMPLE.read_text(encoding="utf-8") if kind == "dump" else MARKDOWN
    name = "episode.txt" if kind == "dump" else "episode.md"
    (tmp_path / "lf").mkdir()
    (tmp_path / "crlf").mkdir()
    plain = tmp_path / "lf" / name
    windows = tmp_path / "crlf" / name
    plain.write_bytes(text.encode("utf-8"))
    windows.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))

    expected = _read(plain)
    got = _read(windows)

    assert got == dataclasses.replace(expected, source_path=windows)
    assert not got.summary.startswith("\ufeff")


# (e) bad input


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("empty.txt", b""),
        ("blank.txt", b"  \n\t\r\n  \n"),
        ("bom-only.txt", "\ufeff \n".encode()),
        ("binary.txt", b"ID3\x00\x00\x01binary\x00data"),
        ("latin1.txt", "Caf\xe9 au lait and r\xe9sum\xe9.".encode("latin-1")),
        ("bad-yaml.md", b"---\ntitle: [unclosed\n---\nBody text.\n"),
        ("list-yaml.md", b"---\n- a\n- b\n---\nBody text.\n"),
        ("quoted-date.md", b"---\ndate: '2026-02-30'\n---\nBody text.\n"),
        ("only-chrome.txt", b"Home > Summaries > Lifestyle\nShare this page\nRead More\n"),
        ("missing.txt", None),
        pytest.param("impossible-date.md", b"---\ntitle: X\ndate: 2026-02-30\n---\nBody text.\n"),
    ],
)
def test_bad_files_raise_a_one_line_source_error_naming_the_file(
    tmp_path: Path, name: str, data: bytes | None
) -> None:
    path = tmp_path / name
    if data is not None:
        path.write_bytes(data)

    with pytest.raises(SourceError) as caught:
        read_episode(EpisodeSource(path, None, None, None))

    message = str(caught.value)
    assert str(path) in message
    assert "\n" not in message


# (f) derive_title and slugify


@pytest.mark.parametrize(
    ("lead", "expected"),
    [
        (LEAD, "Invading immune cells called monocyte-derived macrophages damage nervous tissue"),
        ("Short.", "Short"),
        ("In MS, the cells (x) work.", "The cells work"),
        ("vitamin D lowers relapse risk.", "Vitamin D lowers relapse risk"),
        ("Among people with MS who take vitamin D, relapses fell.", "Relapses fell"),
        (
            "One two three four five six seven eight nine ten eleven twelve thirteen fourteen.",
            "One two three four five six seven eight nine ten eleven twelve",
        ),
        pytest.param(
            "In a mouse model of MS, invading immune cells damage tissue mainly by making ROS "
            "(mtROS).",
            "Invading immune cells damage tissue",
        ),
        pytest.param(
            "Learn how certain gut bacteria can worsen MS symptoms and what this means for "
            "treatment and daily life.",
            "Learn how certain gut bacteria can worsen MS symptoms",
            id="cut-before-a-phrase",
        ),
        pytest.param(
            "A large study of people with relapsing MS found gut bacteria, and the molecules "
            "they make, change before a relapse.",
            "A large study of people with relapsing MS found gut bacteria",
            id="cut-at-a-comma-not-on-and-the",
        ),
        pytest.param(
            "Researchers found consistent gut bacteria differences in MS tied to disease type, "
            "treatment response and the course of illness.",
            "Researchers found consistent gut bacteria differences in MS tied to disease type",
            id="cut-at-the-last-comma",
        ),
        pytest.param(
            "Fibre-rich diets cut relapses in people with MS who ate them daily.",
            "Fibre-rich diets cut relapses in people with MS who ate them daily",
            id="a-short-sentence-is-kept-whole",
        ),
        pytest.param(
            "A study of the effects of vitamin D on the relapse rate of the people in the trial.",
            "A study of the effects of vitamin D",
            id="never-ends-on-a-function-word",
        ),
    ],
)
def test_derive_title(lead: str, expected: str) -> None:
    assert derive_title(lead) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("mtros-macrophages", "mtros-macrophages"),
        ("MTROS Macrophages (v2)", "mtros-macrophages-v2"),
        ("../../etc", "etc"),
        ("/", "episode"),
        ("..", "episode"),
        ("", "episode"),
        ("   ", "episode"),
        ("a" * 100, "a" * 80),
        ("__Vitamin_D__", "vitamin-d"),
        ("Café Ümlaut", "cafe-umlaut"),
    ],
)
def test_slugify(name: str, expected: str) -> None:
    assert slugify(name) == expected


def test_slugify_keeps_non_latin_names_apart() -> None:
    first, second = slugify("日本"), slugify("中国")
    assert first.startswith("episode-") and second.startswith("episode-")
    assert first != second


# (g) the show entry wins


def test_show_entry_overrides_front_matter(tmp_path: Path) -> None:
    path = tmp_path / "md-episode.md"
    path.write_text(MARKDOWN, encoding="utf-8")
    source = EpisodeSource(
        path, dt.date(2027, 1, 2), "Title from the show", "https://show.example/1"
    )

    episode = read_episode(source)

    assert episode.title == "Title from the show"
    assert episode.date == dt.date(2027, 1, 2)
    assert episode.source_url == "https://show.example/1"
    assert episode.disclaimer == "Summary written by a machine; not medical advice."


@pytest.mark.parametrize(
    ("text", "cleaned"),
    [
        ("a\r\nb\x00\x0cc", "a\nb c"),  # the docstring's example
        ("tab\tand\nline\rend", "tab\tand\nline\nend"),  # allowed in XML: kept, "\r" as "\n"
        ("v\x0bf\x0cfs\x1cgs\x1drs\x1eus\x1fnel\x85", "v f fs gs rs us nel "),  # white space
        ("nul\x00bs\x08so\x0eesc\x1bdel\x7fc1\x80\x84\x86\x9f.", "nulbssoescdelc1."),
        ("lone\ud800\udfff surrogates", "lone surrogates"),
        ("non\ufdd0\ufdef\ufffe\uffff\U0001fffe\U0010ffffcharacters", "noncharacters"),
        ("Café — 日本 🎉 \u200b", "Café — 日本 🎉 \u200b"),  # printable text stays as it is
    ],
)
def test_clean_text_turns_white_space_controls_to_spaces_and_drops_what_is_not_text(
    text: str, cleaned: str
) -> None:
    # What is not text is templating.NOT_TEXT, the set templates drop from what they print.
    assert clean_text(text) == cleaned
