"""What the option declarations cannot say: checks of what a value means, and defaults that
depend on other values. One small function each; ``narrate.config.load`` calls them.

Each check returns its problems (prefixed by the key, as every problem is) rather than raising,
so a show with several problems reports them all at once.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from urllib.parse import urlsplit

from narrate.config.lexicon import lexicon_problems
from narrate.config.options import (
    MONO_LUFS,
    RATES,
    STEREO_LUFS,
    TEMPLATE_NAMES,
    VOICE_OPTIONS,
    option,
)
from narrate.config.settings import APPLE_CATEGORIES
from narrate.errors import ConfigError
from narrate.links import link_problem, shown
from narrate.templating import render_text

_EMAIL_RE = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")
_LANG_RE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")

_IMAGE_MAGIC = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")
"""How a JPEG file and a PNG file begin."""

Rate = tuple[float, float, int]
"""(speed factor, pause factor, breath ms), as in ``RATES``."""


def language_problems(language: str) -> list[str]:
    """ "en-US" -> []; "english us" -> ['language: "english us" is not a language tag ...']."""
    if language and not _LANG_RE.match(language):
        return [f'language: "{language}" is not a language tag (use e.g. "en-US")']
    return []


def base_url(given: str, problems: list[str]) -> str:
    """The base URL with its trailing slash: "https://e.org/x" -> "https://e.org/x/".

    Only a whole https link will do: podcast apps and directories require https.
    """
    if not given:
        return given
    if problem := link_problem(given):
        problems.append(
            f'base_url: "{shown(given)}" {problem} '
            '(use where the output will be hosted, e.g. "https://example.org/podcast/")'
        )
    url = given if given.endswith("/") else given + "/"
    if urlsplit(url).scheme == "http":
        problems.append(
            f'base_url: "{url}" must use https (podcast apps and directories require it)'
        )
    return url


def email_problems(email: str) -> list[str]:
    """ "podcast@example.org" -> []; "owner at home" -> a problem under owner_email."""
    if email and not _EMAIL_RE.match(email):
        return [f'owner_email: "{email}" is not an e-mail address']
    return []


def default_subcategory(category: str) -> str:
    """ "Health & Fitness" -> "Medicine" (what narrate's shows are about); others -> ""."""
    return "Medicine" if category == "Health & Fitness" else ""


def category_problems(category: str, subcategory: str) -> list[str]:
    """An Apple Podcasts category, and a subcategory under it (if any)."""
    if category not in APPLE_CATEGORIES:
        return [
            f'category: "{category}" is not an Apple Podcasts category '
            f'(e.g. "Health & Fitness" or "Science"; see README)'
        ]
    if subcategory and subcategory not in APPLE_CATEGORIES[category]:
        known = ", ".join(APPLE_CATEGORIES[category]) or "none"
        return [f'subcategory: "{subcategory}" is not under "{category}" (there: {known})']
    return []


def podcast_guid(given: str, problems: list[str]) -> str:
    """A pinned guid in its canonical form ("917393E3-..." -> "917393e3-..."); "" if none."""
    if not given:
        return given
    try:
        return str(uuid.UUID(given))
    except ValueError:
        problems.append(f'podcast_guid: "{given}" is not a UUID; remove it to derive one')
        return given


def rate(value: object, key: str, problems: list[str]) -> Rate:
    """ "normal", "gentle", or a speed factor such as 0.9 (slower) or 1.1 (faster)."""
    declared = option(VOICE_OPTIONS, "rate")
    low, high = declared.low, declared.high
    if isinstance(value, str) and value in RATES:
        return RATES[value]
    if isinstance(value, int | float) and not isinstance(value, bool) and low <= value <= high:
        return float(value), 1.0, RATES["normal"][2]
    names = ", ".join(f'"{name}"' for name in RATES)
    problems.append(f'{key}: "{value}" is not a rate; use {names} or a number from {low} to {high}')
    return RATES["normal"]


def stretched(default: int, pause_factor: float) -> int:
    """A pause the show leaves out: 400 -> 600 with a gentle rate (pause factor 1.5).
    A pause the show gives is kept as given."""
    return round(default * pause_factor)


def default_loudness(channels: int) -> float:
    """1 -> -19.0, 2 -> -16.0: a mono file plays on both ears, 3 dB louder than its level
    says, so mono at -19 sounds as loud as stereo at -16."""
    return MONO_LUFS if channels == 1 else STEREO_LUFS


def template_problems(key: str, source: str) -> list[str]:
    """A show's intro or outro, rendered once with a sample of every name the script stage
    passes (``TEMPLATE_NAMES``): its syntax errors and unknown names, under ``key``, when the
    show loads rather than when the first episode is scripted."""
    try:
        render_text(source, key, **TEMPLATE_NAMES)
    except ConfigError as error:
        return error.problems
    return []


def cover(given: str, show: Path, problems: list[str]) -> Path | None:
    """The show's cover image, resolved from the show's folder and checked (``cover_problems``);
    None when the show gives none (the build draws one)."""
    if not given:
        return None
    path = (show.parent / given).resolve()
    problems.extend(cover_problems(path))
    return path


def lexicon(given: str, show: Path, problems: list[str]) -> Path | None:
    """The show's own lexicon file, resolved from the show's folder and checked whole (the
    rules ``narrate.text.pronounce.load_lexicon`` applies); None when the show has none."""
    if not given:
        return None
    path = (show.parent / given).resolve()
    if not path.is_file():
        problems.append(f'lexicon: no file at "{given}" (looked relative to {show})')
    else:
        problems.extend(lexicon_problems(path))
    return path


def cover_problems(cover: Path) -> list[str]:
    """Whether ``cover`` is there and readable, and is a JPEG or PNG by its first bytes.

    The checks against Apple's artwork rules (size, square, colours) need Pillow, which lives
    behind one module, ``narrate.publish.artwork``, a layer above this one: they run when the
    build prepares the artwork. This cheap check finds a wrong path, an unreadable file or an
    image in another format (a GIF, a WebP) while the show loads, with its other problems.
    """
    if problem := cover_file_problem(cover):
        return [problem]
    name = f'cover: "{cover}"'
    try:
        with cover.open("rb") as file:
            start = file.read(8)
    except OSError as error:
        return [f"{name} cannot be read ({error.strerror}); check its permissions"]
    if not start.startswith(_IMAGE_MAGIC):
        return [f"{name} is not a JPEG or PNG file (export the image as JPEG or PNG)"]
    return []


def cover_file_problem(cover: Path) -> str | None:
    """Why there is no image file at ``cover`` (a show's or an episode's), or None."""
    name = f'cover: "{cover}"'
    if cover.is_dir():
        return f"{name} is a folder, not an image (give a JPEG or PNG file)"
    if not cover.exists():
        return f"{name} does not exist (check the path, or remove cover to use the generated one)"
    return None


LISTENING = ("disclaimer", "full")
"""What the self-check may hear (``[audio] listen``)."""


def listen(value: str, problems: list[str]) -> str:
    """``[audio] listen`` when it is one of ``LISTENING``; else a problem, and the default."""
    if value in LISTENING:
        return value
    problems.append(f'audio.listen: "{value}" is not a way to listen; use "disclaimer" or "full"')
    return LISTENING[0]
