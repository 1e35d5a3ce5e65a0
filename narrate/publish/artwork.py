"""Podcast cover art: check the show's own cover, or draw a plain default one.

Apple Podcasts (and the apps that follow its rules) want a square RGB JPEG or PNG between
1400×1400 and 3000×3000 px whose file name says its format. The default cover is the show title
in large near-white type on dark navy, drawn with the TrueType font that ships inside Pillow,
so every machine draws the same bytes. Pillow lives only here.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError

from narrate import __version__
from narrate.config import ShowSettings
from narrate.config.checks import cover_file_problem
from narrate.errors import ConfigError, NarrateError
from narrate.models import Artwork

COVER_FILE = "artwork/cover.jpg"
"""Where the show's cover is published (``.png`` for a PNG cover)."""
EPISODE_ART_DIR = "artwork/episodes"
"""Where episodes' own covers are published."""
MIN_COVER_PX = 1400
"""Smallest side Apple Podcasts accepts."""
MAX_COVER_PX = 3000
"""Largest side Apple Podcasts accepts."""

DEFAULT_COVER_PX = 3000
"""Side of the generated cover: the largest allowed, so it stays sharp when apps scale it."""
DEFAULT_COVER_MIME = "image/jpeg"
"""Format of the generated cover."""
BACKGROUND = (11, 31, 58)
"""Dark navy behind the text (#0B1F3A)."""
FOREGROUND = (248, 249, 250)
"""Near-white text (#F8F9FA); about 16:1 against ``BACKGROUND`` (WCAG AAA needs 7:1)."""
ACCENT = (242, 177, 52)
"""Amber rule between title and author; decoration only, never text."""

_MIME_BY_FORMAT = {"JPEG": "image/jpeg", "PNG": "image/png"}
_SUFFIXES = {"JPEG": (".jpg", ".jpeg"), "PNG": (".png",)}
_WITHOUT_ALPHA = {"RGBA": "RGB", "RGBa": "RGB", "LA": "L", "La": "L", "PA": "P"}

_MARGIN = 240
"""Empty border of the generated cover: apps round corners and overlay badges near edges."""
_TITLE_MAX_PX = 480
_TITLE_MIN_PX = 96
_AUTHOR_PX = 140
_AUTHOR_MAX_LINES = 2
_STROKE = 0.03
"""Stroke width as a share of the font size: makes the regular built-in face read as bold."""
_ELLIPSIS = "…"


@dataclass(frozen=True)
class Cover:
    """A cover image that passed ``check_cover``."""

    path: Path
    """The image file."""
    mime: str
    """``image/jpeg`` or ``image/png``."""
    width: int
    """Width in pixels."""
    height: int
    """Height in pixels (equal to the width)."""


def artwork_key(show: ShowSettings) -> str:
    """A digest of everything the show's artwork is made from (same key, same artwork)."""
    cover = show.cover.read_bytes() if show.cover and show.cover.is_file() else b""
    return hashlib.sha256(
        "|".join([__version__, show.title, show.author, hashlib.sha256(cover).hexdigest()]).encode()
    ).hexdigest()[:16]


def show_artwork(show: ShowSettings) -> Artwork:
    """The show's own cover, checked against Apple's rules, or the default cover drawn."""
    if show.cover is None:
        data, mime, file = render_default_cover(show.title, show.author), "image/jpeg", COVER_FILE
    else:
        cover = check_cover(show.cover)
        data, mime = cover_bytes(cover), cover.mime
        file = COVER_FILE.removesuffix(".jpg") + (".png" if mime == "image/png" else ".jpg")
    return Artwork(data, mime, file, embedded_cover(data))


def episode_artwork(cover: Path, slug: str) -> Artwork:
    """An episode's own cover, checked against the same rules as the show's, published as
    ``artwork/episodes/SLUG.jpg`` (or ``.png``) and embedded in its MP3 instead of the show's."""
    checked = check_cover(cover)
    data = cover_bytes(checked)
    suffix = ".png" if checked.mime == "image/png" else ".jpg"
    return Artwork(data, checked.mime, f"{EPISODE_ART_DIR}/{slug}{suffix}", embedded_cover(data))


def check_cover(path: Path) -> Cover:
    """Check a show's cover against Apple's artwork rules, reporting every problem at once.

    Apps reject or silently drop artwork that breaks the rules, so a bad cover stops the build
    here with a fix, rather than surfacing weeks later as a blank square in a directory.
    """
    if problem := cover_file_problem(path):
        raise ConfigError([problem])
    name = f'cover: "{path}"'
    try:
        with Image.open(path) as image:
            problems = _image_problems(name, path, image)
            if not problems:
                image.load()  # Headers can be fine while the pixels are cut short.
            mime = _MIME_BY_FORMAT.get(image.format or "", "")
            width, height = image.size
    except UnidentifiedImageError:
        raise ConfigError(
            [f"{name} is not an image Pillow can read (give a JPEG or PNG file)"]
        ) from None
    except Image.DecompressionBombError:
        raise ConfigError(
            [
                f"{name} is far larger than {MAX_COVER_PX}×{MAX_COVER_PX} px "
                f"(resize it to {MAX_COVER_PX}×{MAX_COVER_PX} px)"
            ]
        ) from None
    except OSError as error:
        raise ConfigError(
            [f"{name} cannot be read ({error}); export the image again as JPEG or PNG"]
        ) from None
    if problems:
        raise ConfigError(problems)
    return Cover(path=path, mime=mime, width=width, height=height)


def cover_bytes(cover: Cover) -> bytes:
    """The cover file's bytes, for embedding in each MP3."""
    try:
        return cover.path.read_bytes()
    except OSError as error:
        raise NarrateError(
            f'cover: "{cover.path}" could not be read ({error.strerror}); '
            "it was there when the build started, so check it was not moved or deleted"
        ) from None


EMBEDDED_COVER_PX = 1400
"""The cover inside each MP3 is this size at most: apps show it small, listeners pay per byte."""


def embedded_cover(data: bytes) -> bytes:
    """A copy of the cover for the MP3's APIC frame: at most 1400 px, RGB JPEG.

    "3000 px cover of 270 kB" -> "1400 px JPEG of about 80 kB". Deterministic.
    A JPEG is decoded straight at half size or less where that still covers 1400 px (its
    decoder scales while it decodes): a third of the work, and no visible difference.
    """
    with Image.open(io.BytesIO(data)) as image:
        image.draft("RGB", (EMBEDDED_COVER_PX, EMBEDDED_COVER_PX))
        picture = image.convert("RGB")
    if picture.width > EMBEDDED_COVER_PX:
        picture = picture.resize((EMBEDDED_COVER_PX, EMBEDDED_COVER_PX), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=85, optimize=True)
    return buffer.getvalue()


def render_default_cover(title: str, author: str) -> bytes:
    """A 3000×3000 RGB JPEG: the title, wrapped and as large as fits, the author below.

    Deterministic (same inputs, same bytes), so rebuilding a show does not change its artwork.
    """
    width = DEFAULT_COVER_PX - 2 * _MARGIN
    author_font = _font(_AUTHOR_PX)
    author_lines = _wrap(
        " ".join(author.split()), author_font, width, _AUTHOR_MAX_LINES, break_words=True
    )
    author_lines = _truncate(author_lines or [], _AUTHOR_MAX_LINES, author_font, width)
    author_height = len(author_lines) * _line_pitch(author_font)
    gap = _AUTHOR_PX if author_lines else 0
    title_font, title_lines = _fit_title(
        " ".join(title.split()), width, width - author_height - gap
    )

    image = Image.new("RGB", (DEFAULT_COVER_PX, DEFAULT_COVER_PX), BACKGROUND)
    draw = ImageDraw.Draw(image)
    title_height = len(title_lines) * _line_pitch(title_font)
    y = _MARGIN + (width - title_height - gap - author_height) // 2
    y = _draw_lines(draw, title_lines, title_font, y)
    if author_lines:
        rule = max(12, _AUTHOR_PX // 10)
        top = y + (gap - rule) // 2
        draw.rectangle((_MARGIN, top, _MARGIN + 3 * _AUTHOR_PX - 1, top + rule - 1), fill=ACCENT)
        _draw_lines(draw, author_lines, author_font, y + gap)

    buffer = io.BytesIO()
    # 4:4:4 keeps letter edges clean; optimize only shrinks the Huffman tables (~30 %).
    image.save(buffer, format="JPEG", quality=90, subsampling=0, optimize=True)
    return buffer.getvalue()


def _image_problems(name: str, path: Path, image: Image.Image) -> list[str]:
    problems: list[str] = []
    fmt = image.format or "unknown"
    suffix = path.suffix.lower()
    if fmt not in _MIME_BY_FORMAT:
        problems.append(f"{name} is a {fmt} image; podcast apps need JPEG or PNG (convert it)")
    elif suffix not in _SUFFIXES[fmt]:
        named = f"named {suffix}" if suffix else "without an extension"
        problems.append(
            f"{name} is a {fmt} image {named} "
            f"(rename it to end in {_SUFFIXES[fmt][0]}; podcast apps go by the name)"
        )

    width, height = image.size
    size = f"{width}×{height} px"
    limits = f"{MIN_COVER_PX}×{MIN_COVER_PX} to {MAX_COVER_PX}×{MAX_COVER_PX} px"
    if width != height:
        problems.append(f"{name} is {size}, not square (crop it to a square of {limits})")
    if min(width, height) < MIN_COVER_PX:
        problems.append(
            f"{name} is {size}, smaller than {MIN_COVER_PX}×{MIN_COVER_PX} px "
            f"(export it again at {limits}; enlarging a small image looks blurry)"
        )
    if max(width, height) > MAX_COVER_PX:
        problems.append(
            f"{name} is {size}, larger than {MAX_COVER_PX}×{MAX_COVER_PX} px "
            f"(resize it to {MAX_COVER_PX}×{MAX_COVER_PX} px)"
        )

    mode = _WITHOUT_ALPHA.get(image.mode, image.mode)
    fix = "(convert it to RGB and export it again)"
    if image.mode in _WITHOUT_ALPHA or "transparency" in image.info:
        problems.append(
            f"{name} has transparency (an alpha channel); apps show it on black or white "
            "unpredictably (flatten it onto a background and save it as RGB without alpha)"
        )
    if mode == "CMYK":
        problems.append(f"{name} uses CMYK colour (a print format) {fix}")
    elif mode == "P":
        problems.append(f"{name} is a palette (indexed-colour) image {fix}")
    elif mode in ("1", "L") or mode.startswith(("I", "F")):
        problems.append(f"{name} is grayscale {fix}")
    elif mode != "RGB":
        problems.append(f"{name} uses {mode} colour {fix}")
    return problems


def _font(size: int) -> ImageFont.FreeTypeFont:
    font = ImageFont.load_default(size=size)
    if not isinstance(font, ImageFont.FreeTypeFont):
        raise NarrateError(
            "Pillow was built without FreeType, so narrate cannot draw the default cover; "
            "reinstall Pillow from PyPI (pip install --force-reinstall pillow) "
            "or give the show its own cover"
        )
    return font


def _stroke(font: ImageFont.FreeTypeFont) -> int:
    return round(font.size * _STROKE)


def _line_pitch(font: ImageFont.FreeTypeFont) -> int:
    ascent, descent = font.getmetrics()
    return ascent + descent + 2 * _stroke(font)


def _text_width(text: str, font: ImageFont.FreeTypeFont) -> float:
    return font.getlength(text) + 2 * _stroke(font)


def _fit_title(title: str, width: int, height: int) -> tuple[ImageFont.FreeTypeFont, list[str]]:
    """The largest font whose wrapped title fits the box, preferring whole words to broken
    ones; failing both, the smallest font and, for absurd lengths, an ellipsis."""
    sizes = [_TITLE_MAX_PX]
    while sizes[-1] > _TITLE_MIN_PX:
        sizes.append(max(_TITLE_MIN_PX, sizes[-1] * 15 // 16))
    for break_words in (False, True):
        for size in sizes:
            font = _font(size)
            max_lines = height // _line_pitch(font)
            lines = _wrap(title, font, width, max_lines, break_words=break_words)
            if lines is not None and len(lines) <= max_lines:
                return font, lines
    font = _font(_TITLE_MIN_PX)
    max_lines = max(1, height // _line_pitch(font))
    lines = _wrap(title, font, width, max_lines, break_words=True) or []
    return font, _truncate(lines, max_lines, font, width)


def _wrap(
    text: str, font: ImageFont.FreeTypeFont, width: int, max_lines: int, *, break_words: bool
) -> list[str] | None:
    """Greedy word wrap, stopping once past ``max_lines`` (the caller knows it is too long);
    None when a word is wider than the box and may not be broken."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        if len(lines) > max_lines:
            return lines
        candidate = f"{line} {word}" if line else word
        if _text_width(candidate, font) <= width:
            line = candidate
            continue
        if line:
            lines.append(line)
        if _text_width(word, font) <= width:
            line = word
            continue
        if not break_words:
            return None
        line = ""
        for char in word:
            if line and _text_width(line + char, font) > width:
                lines.append(line)
                line = ""
            line += char
    if line:
        lines.append(line)
    return lines


def _truncate(
    lines: list[str], max_lines: int, font: ImageFont.FreeTypeFont, width: int
) -> list[str]:
    if len(lines) <= max_lines:
        return lines
    last = lines[max_lines - 1]
    while last and _text_width(last.rstrip() + _ELLIPSIS, font) > width:
        last = last[:-1]
    return [*lines[: max_lines - 1], last.rstrip() + _ELLIPSIS]


def _draw_lines(
    draw: ImageDraw.ImageDraw, lines: list[str], font: ImageFont.FreeTypeFont, y: int
) -> int:
    """Draw left-aligned lines from ``y`` down; return the y below the last line."""
    stroke = _stroke(font)
    for line in lines:
        draw.text(
            (_MARGIN + stroke, y + stroke),
            line,
            font=font,
            fill=FOREGROUND,
            anchor="la",
            stroke_width=stroke,
            stroke_fill=FOREGROUND,
        )
        y += _line_pitch(font)
    return y
