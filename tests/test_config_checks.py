"""What the show file points at is checked when it loads (the intro and outro templates, the
cover, the lexicon, the engine), each problem under its key and the show file, with the rest."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import MINIMAL

from narrate.config import ScriptSettings, load_settings
from narrate.config.options import TEMPLATE_NAMES
from narrate.errors import COMMAND_LINE, ConfigError
from narrate.models import Episode, Section
from narrate.text.script import build_script


def _show(tmp_path: Path, extra: str) -> Path:
    path = tmp_path / "show.toml"
    path.write_text(MINIMAL + extra, encoding="utf-8")
    return path


def _sections(path: Path) -> list[tuple[str, list[str]]]:
    """Each origin of the problems ``load_settings(path)`` reports, with its problems."""
    with pytest.raises(ConfigError) as caught:
        load_settings(path, use_cache=False)
    return [(where, list(found)) for where, found in caught.value.sections]


# The intro and outro


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ('intro = "Welcome to {{ show }."\n', "intro: template syntax error ("),
        ('outro = "{% if title %}Bye."\n', "outro: template syntax error ("),
        (
            'intro = "Welcome to {{ podcast_name }}."\n',
            "intro: 'podcast_name' is undefined; the names you can use are date, minutes, "
            "show, title",
        ),
        ('outro = "Bye from {{ show.name.first }}."\n', "outro: "),
        ('intro = "Episode {{ title + 1 }}."\n', "intro: the template cannot be rendered ("),
        ('outro = "{{ minutes // 0 }} minutes."\n', "outro: the template cannot be rendered ("),
    ],
    ids=[
        "intro-syntax",
        "outro-unclosed-block",
        "intro-unknown-name",
        "outro-undefined",
        "intro-type-error",
        "outro-division-by-zero",
    ],
)
def test_a_broken_intro_or_outro_is_reported_when_the_show_loads(
    tmp_path: Path, extra: str, expected: str
) -> None:
    path = _show(tmp_path, extra)

    [(where, [problem])] = _sections(path)

    assert where == str(path)
    assert problem.startswith(expected)


def test_every_template_problem_is_reported_with_the_others(tmp_path: Path) -> None:
    path = _show(tmp_path, 'intro = "{{ x }}"\noutro = "{{"\nexplicit = "no"\n')

    [(where, problems)] = _sections(path)

    assert where == str(path)
    assert sorted(p.split(":", 1)[0] for p in problems) == ["explicit", "intro", "outro"]


def test_an_intro_using_every_name_loads(tmp_path: Path) -> None:
    names = " ".join(f"{{{{ {name} }}}}" for name in TEMPLATE_NAMES)
    settings = load_settings(
        _show(tmp_path, f'intro = "{names}"\noutro = "{names}"\n'), use_cache=False
    )
    assert settings.script.intro == names


def test_the_names_checked_are_those_the_script_stage_passes(tmp_path: Path) -> None:
    """The load-time check renders with ``TEMPLATE_NAMES``; build_script lists the names it
    passes when a template uses another: the two lists are the same."""
    settings = load_settings(_show(tmp_path, ""), use_cache=False).script
    episode = Episode(
        slug="a", title="A title", date=dt.date(2026, 11, 20), summary="Some words.",
        sections=(Section("Summary", ("Some words.",)),), disclaimer=None,
        source_path=tmp_path / "a.md", source_url=None,
    )  # fmt: skip
    broken: ScriptSettings = dataclasses.replace(settings, intro="{{ not_a_name }}")

    with pytest.raises(ConfigError) as caught:
        build_script(episode, broken)

    [problem] = caught.value.problems
    passed = problem.rsplit("the names you can use are ", 1)[1].split(", ")
    assert sorted(passed) == sorted(TEMPLATE_NAMES)


# The cover


def _png(path: Path, size: tuple[int, int] = (1400, 1400)) -> Path:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", size, (11, 31, 58)).save(path, format="PNG")
    return path


def _gif(path: Path) -> Path:
    from PIL import Image

    Image.new("RGB", (1400, 1400), (11, 31, 58)).save(path, format="GIF")
    return path


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda folder: folder / "art" / "missing.jpg", "does not exist (check the path, or "
         "remove cover to use the generated one)"),
        (lambda folder: _gif(folder / "cover.gif"), "is not a JPEG or PNG file"),
        (lambda folder: _text(folder / "cover.jpg"), "is not a JPEG or PNG file"),
        (lambda folder: _folder(folder / "art"), "is a folder, not an image"),
    ],
    ids=["missing", "gif", "text-named-jpg", "folder"],
)  # fmt: skip
def test_a_bad_cover_is_reported_when_the_show_loads(
    tmp_path: Path, make: Callable[[Path], Path], expected: str
) -> None:
    cover = make(tmp_path)
    path = _show(tmp_path, f'cover = "{cover.relative_to(tmp_path)}"\n')

    [(where, [problem])] = _sections(path)

    assert where == str(path)
    assert problem.startswith(f'cover: "{cover}" {expected}')


def test_a_cover_that_is_a_png_or_jpeg_loads_and_apples_rules_wait_for_the_build(
    tmp_path: Path,
) -> None:
    """Only the build reads the image (with Pillow): a small PNG passes the load."""
    cover = _png(tmp_path / "art" / "small.png", (100, 100))

    settings = load_settings(_show(tmp_path, 'cover = "art/small.png"\n'), use_cache=False)

    assert settings.show.cover == cover


def _text(path: Path) -> Path:
    path.write_text("not an image", encoding="utf-8")
    return path


def _folder(path: Path) -> Path:
    path.mkdir()
    return path


# The lexicon


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[letters]\nOCB = "oligoclonal bands\n', "is not valid TOML ("),
        ('[spelled]\nOCB = "oligoclonal bands"\n', "has an unknown table [spelled]"),
        ('[letters]\n"M S" = "multiple sclerosis"\n', "can only be letters and digits"),
        ("[phonemes]\nocrelizumab = { ipa = \"ˈoʊkɹəlɪzjuːmæb\", speed = 2 }\n",
         'has unknown key "speed"'),
    ],
    ids=["not-toml", "unknown-table", "letters-with-a-space", "phonemes-unknown-key"],
)  # fmt: skip
def test_a_malformed_lexicon_is_reported_when_the_show_loads(
    tmp_path: Path, text: str, expected: str
) -> None:
    lexicon = tmp_path / "words" / "lexicon.toml"
    lexicon.parent.mkdir()
    lexicon.write_text(text, encoding="utf-8")
    path = _show(tmp_path, 'lexicon = "words/lexicon.toml"\n')

    [(where, [problem])] = _sections(path)

    assert where == str(path)
    assert problem.startswith("lexicon: ")
    assert str(lexicon) in problem
    assert expected in problem


def test_a_lexicon_that_is_not_utf8_is_reported_when_the_show_loads(tmp_path: Path) -> None:
    (tmp_path / "lexicon.toml").write_bytes(b'[words]\nNICE = "caf\xe9"\n')
    path = _show(tmp_path, 'lexicon = "lexicon.toml"\n')

    [(where, [problem])] = _sections(path)

    assert where == str(path)
    assert problem.startswith(f"lexicon: cannot read {tmp_path / 'lexicon.toml'} (")


def test_a_well_formed_lexicon_loads(tmp_path: Path) -> None:
    (tmp_path / "lexicon.toml").write_text('[letters]\nOCB = "oligoclonal bands"\n')

    settings = load_settings(_show(tmp_path, 'lexicon = "lexicon.toml"\n'), use_cache=False)

    assert settings.script.lexicon == tmp_path / "lexicon.toml"


# The engine


def test_an_unknown_engine_is_reported_under_its_key_and_where_it_was_given(
    tmp_path: Path,
) -> None:
    path = _show(tmp_path, '[voice]\nengine = "espeak"\nfallback_engine = "festival"\n')

    with pytest.raises(ConfigError) as caught:
        load_settings(path, engine="flite")

    assert [
        (where, [p.split(": ", 1)[0] for p in found]) for where, found in caught.value.sections
    ] == [
        (str(path), ["voice.fallback_engine"]),  # the show's engine is overridden: not checked
        (COMMAND_LINE, ["--engine"]),
    ]
    assert 'no engine called "flite" (known: ' in caught.value.sections[1][1][0]
    [(where, problems)] = _sections(path)
    assert where == str(path)
    assert problems[0].startswith('voice.engine: no engine called "espeak" (known: ')
    assert problems[1].startswith('voice.fallback_engine: no engine called "festival" (known: ')
