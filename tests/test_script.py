"""build_script on the example episode: chapters, segment order, disclaimer, intro and outro."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

import pytest
from conftest import EXAMPLE_DISCLAIMER, EXAMPLE_SHOW_TITLE, SAMPLE

from narrate.config import (
    DEFAULT_DISCLAIMER,
    EXAMPLE_SHOW,
    EpisodeSource,
    ScriptSettings,
    load_settings,
)
from narrate.errors import ConfigError
from narrate.models import Episode, Script, Section
from narrate.text.pronounce import load_lexicon
from narrate.text.rules.normalize import normalize
from narrate.text.script import build_script, listening_time
from narrate.text.sentences import split_sentences
from narrate.text.sources import read_episode

EPISODE_TITLE = "Invading immune cells, not microglia, drive nerve damage through mitochondrial ROS"
BODY_STARTS = ("In a mouse model", "The researchers compared", "People with MS", "These results")


@pytest.fixture(scope="module")
def settings() -> ScriptSettings:
    return load_settings(EXAMPLE_SHOW, use_cache=False).script


@pytest.fixture(scope="module")
def episode() -> Episode:
    # read_episode only reads the summary; nothing is modified, so the shipped file is fine.
    return read_episode(load_settings(EXAMPLE_SHOW, use_cache=False).episodes[0])


@pytest.fixture(scope="module")
def script(episode: Episode, settings: ScriptSettings) -> Script:
    return build_script(episode, settings)


def _kinds_in_order(script: Script) -> list[str]:
    """Segment kinds with runs collapsed: intro, intro, body -> intro, body."""
    kinds: list[str] = []
    for segment in script.segments:
        if not kinds or kinds[-1] != segment.kind:
            kinds.append(segment.kind)
    return kinds


def _text(script: Script, kind: str) -> str:
    return " ".join(s.text for s in script.segments if s.kind == kind)


def test_chapters_are_intro_body_sections_disclaimer_closing(
    script: Script, episode: Episode
) -> None:
    assert len(episode.sections) == 4
    assert script.chapters[0] == "Introduction"
    assert script.chapters[1:5] == tuple(s.title for s in episode.sections)
    assert [t.split("…")[0] for t in script.chapters[1:5]] == [
        "In a mouse model of MS",
        "The researchers compared two types of",
        "People with MS and their caregivers",
        "These results come from a mouse",
    ]
    assert script.chapters[5:] == ("Disclaimer", "Closing")


def test_segment_kinds_run_intro_body_disclaimer_outro(script: Script) -> None:
    assert _kinds_in_order(script) == ["intro", "body", "disclaimer", "outro"]
    assert sum(s.kind == "disclaimer" for s in script.segments) == 1


def test_segments_point_at_their_chapter(script: Script) -> None:
    expected = {"intro": {"Introduction"}, "disclaimer": {"Disclaimer"}, "outro": {"Closing"}}
    for kind, titles in expected.items():
        assert {script.chapters[s.chapter] for s in script.segments if s.kind == kind} == titles
    body_chapters = [s.chapter for s in script.segments if s.kind == "body"]
    assert sorted(set(body_chapters)) == [1, 2, 3, 4]
    assert body_chapters == sorted(body_chapters)
    for chapter, start in enumerate(BODY_STARTS, start=1):
        first = next(s for s in script.segments if s.chapter == chapter)
        assert first.text.startswith(start)


def test_disclaimer_segment_is_the_episode_disclaimer(script: Script, episode: Episode) -> None:
    [segment] = [s for s in script.segments if s.kind == "disclaimer"]
    assert segment.text == script.disclaimer == episode.disclaimer == EXAMPLE_DISCLAIMER
    assert segment.spoken == (
        "AI-generated summary, for informational purposes only, not medical advice"
    )


def test_show_default_disclaimer_is_used_when_episode_has_none(
    episode: Episode, settings: ScriptSettings
) -> None:
    own = dataclasses.replace(settings, disclaimer="Read by a machine; ask your neurologist.")
    script = build_script(dataclasses.replace(episode, disclaimer=None), own)

    assert script.disclaimer == "Read by a machine; ask your neurologist."
    assert _text(script, "disclaimer") == "Read by a machine; ask your neurologist."
    assert DEFAULT_DISCLAIMER not in script.transcript


def test_transcript_has_every_body_sentence_and_the_disclaimer(
    script: Script, episode: Episode
) -> None:
    transcript = script.transcript
    sentences = [s for sec in episode.sections for p in sec.paragraphs for s in split_sentences(p)]
    assert len(sentences) >= 14
    for sentence in sentences:
        assert sentence in transcript
    assert EXAMPLE_DISCLAIMER in transcript
    assert "Read More" not in transcript
    assert "12/31/2026" not in transcript


def test_transcript_has_one_paragraph_per_line(script: Script) -> None:
    paragraphs = script.transcript.split("\n\n")
    assert len(paragraphs) == len({s.paragraph for s in script.segments})
    assert paragraphs[5] == EXAMPLE_DISCLAIMER
    assert paragraphs[1].startswith("In a mouse model of MS")


def test_spoken_differs_from_written_only_through_normalize(script: Script) -> None:
    for segment in script.segments:
        assert segment.spoken == normalize(segment.text, "en-US")
    changed = [s for s in script.segments if s.spoken != s.text]
    assert any("reactive oxygen species, or ROS, chemicals" in s.spoken for s in changed)
    assert all("(" not in s.spoken and "—" not in s.spoken for s in script.segments)


def test_lexicon_and_phonemes_reach_the_spoken_text(
    episode: Episode, settings: ScriptSettings
) -> None:
    lexicon = load_lexicon()
    with_lexicon = build_script(episode, settings, lexicon, phonemes=True)
    spoken = " ".join(s.spoken for s in with_lexicon.segments)
    assert "or R.O.S, chemicals" in spoken
    assert "N.A.D.P.H oxidase" in spoken
    for segment in with_lexicon.segments:
        assert segment.spoken == normalize(segment.text, "en-US", lexicon, True)
    # The transcript keeps the written words.
    assert with_lexicon.transcript == build_script(episode, settings).transcript


def test_intro_names_show_episode_date_and_listening_time(script: Script) -> None:
    intro = _text(script, "intro")
    assert EXAMPLE_SHOW_TITLE in intro
    assert EPISODE_TITLE in intro
    assert "November 20, 2026" in intro
    minutes = re.search(r"about (\d+) minutes? to listen", intro)
    assert minutes is not None
    assert 2 <= int(minutes.group(1)) <= 6


def test_outro_names_episode_and_show(script: Script) -> None:
    outro = _text(script, "outro")
    assert outro.startswith(f"That was {EPISODE_TITLE}, from {EXAMPLE_SHOW_TITLE}.")


def test_custom_intro_and_outro_templates_are_used(
    episode: Episode, settings: ScriptSettings
) -> None:
    own = dataclasses.replace(
        settings,
        intro="This is {{ show }} on {{ date }}: {{ title }}.",
        outro="Goodbye from {{ show }}.",
    )
    script = build_script(episode, own)

    intro = f"This is {EXAMPLE_SHOW_TITLE} on November 20, 2026: {EPISODE_TITLE}."
    assert _text(script, "intro") == intro
    assert _text(script, "outro") == f"Goodbye from {EXAMPLE_SHOW_TITLE}."
    assert "Welcome to" not in script.transcript


@pytest.mark.parametrize("outro", ["", "   ", "{% if false %}Bye.{% endif %}"])
def test_outro_that_renders_empty_drops_the_closing_chapter(
    episode: Episode, settings: ScriptSettings, outro: str
) -> None:
    script = build_script(episode, dataclasses.replace(settings, outro=outro))

    assert script.chapters[-1] == "Disclaimer"
    assert "Closing" not in script.chapters
    assert _kinds_in_order(script) == ["intro", "body", "disclaimer"]
    assert script.segments[-1].chapter == len(script.chapters) - 1


@pytest.mark.parametrize(
    "intro",
    ["Welcome to {{ show ", "{% if %}x{% endif %}", "Welcome to {{ podcast_name }}."],
)
def test_broken_intro_template_raises_config_error_naming_intro(
    episode: Episode, settings: ScriptSettings, intro: str
) -> None:
    with pytest.raises(ConfigError) as caught:
        build_script(episode, dataclasses.replace(settings, intro=intro))

    assert caught.value.problems[0].startswith("intro: ")
    assert "\n" not in str(caught.value)


def test_unknown_intro_variable_lists_the_names_you_can_use(
    episode: Episode, settings: ScriptSettings
) -> None:
    with pytest.raises(ConfigError, match=r"intro: .*podcast_name") as caught:
        build_script(episode, dataclasses.replace(settings, intro="{{ podcast_name }}"))

    assert "date, minutes, show, title" in str(caught.value)


@pytest.mark.parametrize(
    ("words", "per_minute", "expected"),
    [
        (0, 160, "1 minute"),
        (160, 160, "1 minute"),
        (161, 160, "2 minutes"),
        (600, 150, "4 minutes"),
    ],
)
def test_listening_time_rounds_up(
    settings: ScriptSettings, words: int, per_minute: int, expected: str
) -> None:
    own = dataclasses.replace(settings, words_per_minute=per_minute)
    assert listening_time(words, own) == expected


def test_a_sentence_with_nothing_to_say_is_not_spoken(settings: ScriptSettings) -> None:
    episode = Episode(
        slug="x", title="X", date=dt.date(2026, 1, 1), summary="One.",
        sections=(Section("Body", ("One thing.. . Another thing.",)),),
        disclaimer=None, source_path=Path("x.md"), source_url=None,
    )  # fmt: skip
    spoken = [s.spoken for s in build_script(episode, settings).segments if s.kind == "body"]
    assert spoken and all(any(c.isalnum() for c in text) for text in spoken)


def test_a_title_line_is_said_once_in_the_intro_not_as_a_chapter(
    tmp_path: Path, settings: ScriptSettings
) -> None:
    title = "Invading immune cells drive nerve damage"
    sample = SAMPLE
    path = tmp_path / "titled.txt"
    lines = ["Home > Summaries > Research", "Share this page", title, ""]
    path.write_text("\n".join([*lines, sample.read_text(encoding="utf-8")]), encoding="utf-8")
    episode = read_episode(EpisodeSource(path, dt.date(2026, 11, 20), None, None))

    script = build_script(episode, settings, load_lexicon())

    said = " ".join(s.spoken for s in script.segments if s.kind in ("intro", "body"))
    assert said.count(title) == 1 and title in _text(script, "intro")  # the outro's own
    assert title not in script.chapters
    assert _text(script, "body").startswith("In a mouse model of MS")
    assert "Home" not in said and "greater than" not in said and "Share" not in said
    assert episode.summary.startswith("In a mouse model of MS")


def test_markup_in_titles_is_never_spoken_nor_written(
    tmp_path: Path, settings: ScriptSettings
) -> None:
    path = tmp_path / "claims.md"
    path.write_text("---\ntitle: <b>Claims</b> about diet\n---\nFibre helped.\n")
    episode = read_episode(EpisodeSource(path, dt.date(2026, 11, 20), None, None))
    tagged = dataclasses.replace(settings, show_title="<i>MS</i> Research")

    script = build_script(episode, tagged, load_lexicon())

    for segment in script.segments:
        for text in (segment.text, segment.spoken):
            assert "<" not in text and "less than" not in text and "greater than" not in text
    assert "MS Research" in _text(script, "intro")
    assert "Claims about diet" in _text(script, "intro")
