"""load_settings: the example show, every problem at once, summaries from the command line."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from conftest import EXAMPLE_SHOW_TITLE, MINIMAL, SAMPLE

from narrate.config import EXAMPLE_SHOW, EpisodeSource, find_show, load_settings
from narrate.errors import COMMAND_LINE, ConfigError


def _show(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "show.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _problems(path: Path, **kwargs: object) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_settings(path, **kwargs)  # type: ignore[arg-type]
    assert "\n" not in str(caught.value)
    return caught.value.problems


# The example show


def test_another_engine_from_the_command_line_speaks_with_its_own_voice() -> None:
    """The example names a Kokoro voice: ``--engine piper`` builds it with Piper's bundled
    voice, not "af_heart" as a Piper voice file; ``--engine kokoro`` keeps the show's voice."""
    piper = load_settings(EXAMPLE_SHOW, engine="piper", use_cache=False)
    assert (piper.engine.name, piper.engine.voice, piper.fallback) == ("piper", "", None)
    kokoro = load_settings(EXAMPLE_SHOW, engine="kokoro", use_cache=False)
    assert (kokoro.engine.name, kokoro.engine.voice) == ("kokoro", "af_heart")


def test_example_show_loads(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # episodes must not depend on where narrate runs

    settings = load_settings(EXAMPLE_SHOW, use_cache=False)

    assert settings.show_path == EXAMPLE_SHOW
    assert settings.engine.name == "kokoro" and settings.engine.voice == "af_heart"
    assert settings.fallback is not None and settings.fallback.name == "piper"  # bundled voice
    assert settings.show.title == EXAMPLE_SHOW_TITLE
    assert settings.show.base_url == "https://example.org/ms-research/"
    assert settings.show.feed_url == "https://example.org/ms-research/feeds/feed.xml"
    assert settings.show.language == settings.engine.language == "en-US"
    assert settings.script.show_title == EXAMPLE_SHOW_TITLE
    assert settings.script.disclaimer.startswith("AI-generated summary — ")
    assert settings.out_dir == tmp_path.resolve()
    assert settings.cache_dir is None
    [episode] = settings.episodes
    assert episode.path == SAMPLE.resolve()
    assert episode.path.is_file()
    assert episode.date == dt.date(2026, 11, 20)
    assert episode.title is not None
    assert episode.title.startswith("Invading immune cells, not microglia")
    assert episode.source_url is None


def test_example_show_copied_elsewhere_resolves_episodes_next_to_it(tmp_path: Path) -> None:
    show = tmp_path / "shows" / "ms.toml"
    show.parent.mkdir()
    shutil.copy(EXAMPLE_SHOW, show)

    [episode] = load_settings(show, use_cache=False).episodes

    assert episode.path == tmp_path / "shows" / "summaries" / "mtros-macrophages.txt"


def test_base_url_gains_a_trailing_slash_and_defaults_apply(tmp_path: Path) -> None:
    settings = load_settings(_show(tmp_path, MINIMAL), use_cache=False)

    assert settings.show.base_url == "https://example.org/test/"
    assert settings.show.owner_name == "Tester"
    assert settings.show.copyright == "Tester"  # PSP-1: no "©", no year
    assert settings.show.locked is True
    assert settings.show.cover is None
    assert settings.show.category == "Health & Fitness"
    assert settings.script.words_per_minute == 160
    assert settings.audio.loudness_lufs == -19.0
    assert settings.audio.bitrate_kbps == 64
    assert settings.episodes == ()


def test_stereo_changes_the_default_loudness(tmp_path: Path) -> None:
    settings = load_settings(_show(tmp_path, MINIMAL + "[audio]\nchannels = 2\n"), use_cache=False)

    assert settings.audio.channels == 2
    assert settings.audio.loudness_lufs == -16.0


# Broken show files


def test_every_problem_is_reported_at_once_with_its_key(tmp_path: Path) -> None:
    path = _show(
        tmp_path,
        """\
author = "Tester"
description = "A show for tests."
language = "english us"
base_url = "example.org/podcast"
colour = "blue"

[voice]
engine = "piper"
voice = "voices/missing.onnx"

[audio]
bitrate_kbps = 999
""",
    )

    problems = _problems(path)

    keys = [problem.split(": ", 1)[0] for problem in problems]
    assert sorted(keys) == sorted(
        [
            "title", "base_url", "language", "colour", "voice.voice", "audio.bitrate_kbps",
            "owner_email",
        ]
    )  # fmt: skip
    by_key = dict(problem.split(": ", 1) for problem in problems)
    assert by_key["title"].startswith("missing")
    assert "example.org/podcast" in by_key["base_url"]
    assert "english us" in by_key["language"]
    assert "unknown key" in by_key["colour"]
    assert "voices/missing.onnx" in by_key["voice.voice"]
    assert str(path) in by_key["voice.voice"]
    assert "32 to 320" in by_key["audio.bitrate_kbps"]


@pytest.mark.parametrize(
    ("extra", "key"),
    [
        ("[voice]\nspeed = 2\n", "voice.speed"),
        ("[audio]\nchannels = 3\n", "audio.channels"),
        ("[audio]\nloudness_lufs = true\n", "audio.loudness_lufs"),
        ('[audio]\nverify = "yes"\n', "audio.verify"),
        ("[voice]\nrate = 9.0\n", "voice.rate"),
        ('explicit = "no"\n', "explicit"),
        ('voice = "amy"\n', "voice"),
        ('[[episodes]]\ntitle = "No file"\n', "episodes[1].file"),
        ('[[episodes]]\nfile = "a.txt"\ndate = "2026-11-20"\n', "episodes[1].date"),
        ('[[episodes]]\nfile = "a.txt"\nauthor = "X"\n', "episodes[1].author"),
        ('[[episodes]]\nfile = "a.txt"\ncover = 5\n', "episodes[1].cover"),
        ('[voice]\nengine = "espeak"\n', "voice.engine"),
        ('[voice]\nfallback_engine = "espeak"\n', "voice.fallback_engine"),
    ],
)
def test_single_problem_is_prefixed_by_its_key(tmp_path: Path, extra: str, key: str) -> None:
    problems = _problems(_show(tmp_path, MINIMAL + extra))

    assert [p.split(": ", 1)[0] for p in problems] == [key]


@pytest.mark.parametrize(
    "text",
    ['title = "unclosed\n', "title = \n", "[voice\nengine = 'piper'\n", "a = 1\na = 2\n"],
)
def test_invalid_toml_raises_config_error(tmp_path: Path, text: str) -> None:
    path = _show(tmp_path, text)

    with pytest.raises(ConfigError, match="not valid TOML") as caught:
        load_settings(path)

    assert str(caught.value).startswith(f"{path}: ")
    assert "\n" not in str(caught.value)


def test_missing_show_file_raises_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no show file at"):
        load_settings(tmp_path / "absent.toml")


def test_missing_episode_file_is_not_a_config_error(tmp_path: Path) -> None:
    settings = load_settings(
        _show(tmp_path, MINIMAL + '[[episodes]]\nfile = "later.txt"\n'), use_cache=False
    )

    assert [e.path for e in settings.episodes] == [tmp_path / "later.txt"]


# Summaries given on the command line


def test_summaries_replace_the_show_list_and_folders_expand_sorted(tmp_path: Path) -> None:
    folder = tmp_path / "summaries"
    folder.mkdir()
    for name in ("b.md", "a.txt", "c.markdown", "notes.pdf", "data.json"):
        (folder / name).write_text("Text.", encoding="utf-8")
    (folder / "sub").mkdir()
    single = tmp_path / "single.txt"
    single.write_text("Text.", encoding="utf-8")
    path = _show(tmp_path, MINIMAL + '[[episodes]]\nfile = "show-listed.txt"\n')

    settings = load_settings(path, summaries=[single, folder], use_cache=False)

    assert [e.path for e in settings.episodes] == [
        single,
        folder / "a.txt",
        folder / "b.md",
        folder / "c.markdown",
    ]
    assert all(e.date is None and e.title is None for e in settings.episodes)


def test_summaries_the_show_lists_keep_its_date_title_source_and_cover(tmp_path: Path) -> None:
    folder = tmp_path / "summaries"
    folder.mkdir()
    for name in ("listed.txt", "other.txt"):
        (folder / name).write_text("Text.", encoding="utf-8")
    entry = (
        '[[episodes]]\nfile = "summaries/listed.txt"\ndate = 2026-11-20\ntitle = "Given"\n'
        'source_url = "https://example.org/s"\ncover = "art.png"\n'
    )
    path = _show(tmp_path, MINIMAL + entry)

    settings = load_settings(path, summaries=[folder], use_cache=False)

    listed, other = settings.episodes
    assert listed.path == folder / "listed.txt"
    assert (listed.date, listed.title) == (dt.date(2026, 11, 20), "Given")
    assert (listed.source_url, listed.cover) == ("https://example.org/s", tmp_path / "art.png")
    assert other == EpisodeSource(folder / "other.txt", None, None, None)


def test_command_line_problems_are_grouped_apart_from_the_show_files(tmp_path: Path) -> None:
    path = _show(tmp_path, MINIMAL + 'explicit = "no"\n')

    with pytest.raises(ConfigError) as caught:
        load_settings(path, rate="fast", engine="espeak", summaries=[tmp_path / "absent.txt"])

    assert [
        (where, [p.split(":")[0] for p in found]) for where, found in caught.value.sections
    ] == [
        (str(path), ["explicit"]),
        (COMMAND_LINE, ["--rate", "--engine", "summaries"]),
    ]


def test_the_command_line_overrides_an_engine_this_machine_lacks(tmp_path: Path) -> None:
    """A show written for an engine that is not installed here still builds with --engine."""
    path = _show(tmp_path, MINIMAL + '[voice]\nengine = "festival"\nrate = "brisk"\n')

    settings = load_settings(path, engine="tone", rate="normal", use_cache=False)

    assert settings.engine.name == "tone"
    assert _problems(path) == [
        'voice.rate: "brisk" is not a rate; use "normal", "gentle" or a number from 0.5 to 2',
        'voice.engine: no engine called "festival" (known: gtts, kokoro, piper, tone)',
    ]


def test_voice_on_the_command_line_is_relative_to_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "show").mkdir()
    path = _show(tmp_path / "show", MINIMAL + '[voice]\nvoice = "voices/own.onnx"\n')
    for folder in (tmp_path / "show" / "voices", tmp_path / "here" / "voices"):
        folder.mkdir(parents=True)
        (folder / "own.onnx").write_bytes(b"")
    monkeypatch.chdir(tmp_path / "here")

    from_show = load_settings(path, use_cache=False).engine.voice
    typed = load_settings(path, voice_arg="voices/own.onnx", use_cache=False).engine.voice

    assert from_show == str(tmp_path / "show" / "voices" / "own.onnx")
    assert typed == str(tmp_path / "here" / "voices" / "own.onnx")


def test_summaries_report_missing_paths_and_empty_folders(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    path = _show(tmp_path, MINIMAL)

    problems = _problems(path, summaries=[tmp_path / "absent.txt", tmp_path / "empty"])

    assert len(problems) == 2
    assert all(p.startswith("summaries: ") for p in problems)
    assert str(tmp_path / "absent.txt") in problems[0]
    assert str(tmp_path / "empty") in problems[1]


# find_show


def test_find_show_prefers_local_show_toml(tmp_path: Path) -> None:
    local = _show(tmp_path, MINIMAL)

    assert find_show(tmp_path) == local


def test_find_show_falls_back_to_the_example(tmp_path: Path) -> None:
    (tmp_path / "other.toml").write_text(MINIMAL, encoding="utf-8")
    assert find_show(tmp_path) == EXAMPLE_SHOW
    (tmp_path / "show.toml").mkdir()  # a folder of that name is not a show file
    assert find_show(tmp_path) == EXAMPLE_SHOW


@pytest.mark.parametrize(
    ("extra", "key", "words"),
    [
        ('category = "Medicine"\n', "category", "not an Apple Podcasts category"),
        ('subcategory = "Physics"\n', "subcategory", 'not under "Health & Fitness"'),
        ('podcast_guid = "not-a-uuid"\n', "podcast_guid", "not a UUID"),
    ],
)
def test_podcast_fields_are_checked(tmp_path: Path, extra: str, key: str, words: str) -> None:
    problems = _problems(_show(tmp_path, MINIMAL + extra))
    assert [p.split(": ", 1)[0] for p in problems] == [key]
    assert words in problems[0]


def test_owner_email_and_https_are_required(tmp_path: Path) -> None:
    text = MINIMAL.replace("https://", "http://").replace("owner@example.org", "owner at home")
    problems = _problems(_show(tmp_path, text))
    by_key = dict(p.split(": ", 1) for p in problems)
    assert "must use https" in by_key["base_url"]
    assert "not an e-mail address" in by_key["owner_email"]
    no_email = MINIMAL.replace('owner_email = "owner@example.org"\n', "")
    assert [p.split(": ", 1)[0] for p in _problems(_show(tmp_path, no_email))] == ["owner_email"]


def test_podcast_guid_follows_the_namespace_spec(tmp_path: Path) -> None:
    from narrate.config import feed_guid

    # The worked examples of the Podcasting 2.0 guid tag.
    assert feed_guid("https://podnews.net/rss") == "9b024349-ccf0-5f69-a609-6b82873eab3c"
    assert feed_guid("http://podnews.net/rss/") == "9b024349-ccf0-5f69-a609-6b82873eab3c"
    assert feed_guid("mp3s.nashownotes.com/pc20rss.xml") == "917393e3-1b1e-5cef-ace4-edaa54e1f810"
    settings = load_settings(_show(tmp_path, MINIMAL), use_cache=False)
    assert settings.show.podcast_guid == feed_guid("https://example.org/test/feeds/feed.xml")
    pinned = "917393e3-1b1e-5cef-ace4-edaa54e1f810"
    text = MINIMAL + f'podcast_guid = "{pinned.upper()}"\n'
    assert load_settings(_show(tmp_path, text), use_cache=False).show.podcast_guid == pinned


def test_a_config_error_keeps_its_origins_across_processes(tmp_path: Path) -> None:
    """Pages are rendered, and voices loaded, in worker processes: an error raised there is
    pickled back, and must still list each problem under where it came from."""
    import pickle

    with pytest.raises(ConfigError) as caught:
        load_settings(_show(tmp_path, MINIMAL + 'explicit = "no"\n'), rate="fast")

    copy = pickle.loads(pickle.dumps(caught.value))

    assert copy.sections == caught.value.sections
    assert copy.problems == ["explicit: must be true or false", caught.value.problems[1]]
    assert str(copy) == str(caught.value)
