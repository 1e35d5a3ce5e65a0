"""Cover art: the generated default cover, and the checks on a show's own cover."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from conftest import run_narrate, write_show
from mutagen.id3 import ID3
from PIL import Image

from narrate.errors import ConfigError
from narrate.publish.artwork import (
    BACKGROUND,
    FOREGROUND,
    Cover,
    check_cover,
    cover_bytes,
    embedded_cover,
    render_default_cover,
)

TITLE = "MS Research, Explained"
AUTHOR = "The Narrate Team"
LONG_TITLE = ("Remyelination and neuroprotection in progressive multiple sclerosis: " * 4)[:200]


def _open(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def _near(pixels: np.ndarray, colour: tuple[int, int, int], tolerance: int = 24) -> np.ndarray:
    """Which pixels are within ``tolerance`` of ``colour`` on every channel."""
    difference = np.abs(pixels.astype(np.int16) - np.array(colour, dtype=np.int16))
    near: np.ndarray = np.all(difference <= tolerance, axis=-1)
    return near


def _share_near(image: Image.Image, colour: tuple[int, int, int]) -> float:
    return float(_near(np.asarray(image), colour).mean())


def _luminance(colour: tuple[int, int, int]) -> float:
    """WCAG 2 relative luminance."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in colour)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _contrast(a: tuple[int, int, int], b: tuple[int, int, int]) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _border_is_background(image: Image.Image, width: int = 120) -> bool:
    """The outer frame is plain background: the text kept its margins."""
    background = _near(np.asarray(image), BACKGROUND, tolerance=8)
    inner = background[width:-width, width:-width]
    return int(background.sum()) - int(inner.sum()) == background.size - inner.size


# The default cover


def test_default_cover_is_a_3000_px_rgb_jpeg() -> None:
    image = _open(render_default_cover(TITLE, AUTHOR))
    assert image.format == "JPEG"
    assert image.size == (3000, 3000)
    assert image.mode == "RGB"
    assert "transparency" not in image.info


def test_default_cover_has_text_on_a_background() -> None:
    image = _open(render_default_cover(TITLE, AUTHOR))
    assert _share_near(image, FOREGROUND) > 0.03  # large type, not a few specks
    assert _share_near(image, BACKGROUND) > 0.5
    assert _border_is_background(image)


def test_text_colour_contrast_is_at_least_aaa() -> None:
    assert _contrast(FOREGROUND, BACKGROUND) >= 7


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_the_embedded_cover_is_a_1400_px_jpeg_that_looks_like_the_cover(fmt: str) -> None:
    """What goes into each MP3: 1400 px, RGB JPEG, small, and (though a JPEG is decoded at
    reduced size to save work) within a level or so of a full-size resize of the cover."""
    drawn = _open(render_default_cover(TITLE, AUTHOR))
    buffer = io.BytesIO()
    drawn.save(buffer, format=fmt)
    embedded = _open(embedded_cover(buffer.getvalue()))
    assert (embedded.format, embedded.mode, embedded.size) == ("JPEG", "RGB", (1400, 1400))
    assert len(embedded_cover(buffer.getvalue())) < 150_000
    reference = (
        _open(buffer.getvalue()).convert("RGB").resize((1400, 1400), Image.Resampling.LANCZOS)
    )
    difference = np.abs(
        np.asarray(embedded.convert("L"), float) - np.asarray(reference.convert("L"), float)
    )
    assert difference.mean() < 1.5


def test_default_cover_is_deterministic() -> None:
    first = render_default_cover(TITLE, AUTHOR)
    assert render_default_cover(TITLE, AUTHOR) == first
    assert render_default_cover(TITLE + "!", AUTHOR) != first


@pytest.mark.parametrize(
    "title",
    [LONG_TITLE, "Neuroinflammation" * 12, "word " * 2000, ""],
    ids=["200-chars", "one-long-word", "10000-chars", "empty"],
)
def test_any_title_fits_inside_the_margins(title: str) -> None:
    image = _open(render_default_cover(title, "An author whose name is also rather long " * 3))
    assert image.size == (3000, 3000)
    assert _border_is_background(image)
    assert _share_near(image, FOREGROUND) > 0.001


def test_default_cover_passes_its_own_check(tmp_path: Path) -> None:
    path = tmp_path / "cover.jpg"
    path.write_bytes(render_default_cover(LONG_TITLE, AUTHOR))
    assert check_cover(path) == Cover(path=path, mime="image/jpeg", width=3000, height=3000)


# A given cover


def _save(
    path: Path, size: tuple[int, int] = (1400, 1400), mode: str = "RGB", fmt: str | None = None
) -> Path:
    colour: int | tuple[int, ...] = 128 if mode in ("L", "P") else (40,) * len(mode)
    Image.new(mode, size, colour).save(path, format=fmt)
    return path


def _problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        check_cover(path)
    problems = caught.value.problems
    assert problems
    for problem in problems:
        assert problem.startswith("cover: ")
        assert str(path) in problem
        assert "\n" not in problem
    return problems


def test_accepts_a_1400_px_png(tmp_path: Path) -> None:
    path = _save(tmp_path / "cover.png")
    assert check_cover(path) == Cover(path=path, mime="image/png", width=1400, height=1400)


def test_accepts_a_3000_px_jpeg(tmp_path: Path) -> None:
    path = _save(tmp_path / "Cover.JPEG", (3000, 3000), fmt="JPEG")
    assert check_cover(path) == Cover(path=path, mime="image/jpeg", width=3000, height=3000)


def test_cover_bytes_are_the_file(tmp_path: Path) -> None:
    path = _save(tmp_path / "cover.png")
    assert cover_bytes(check_cover(path)) == path.read_bytes()


def _one(path: Path) -> str:
    problems = _problems(path)
    assert len(problems) == 1, problems
    return problems[0]


def test_rejects_too_small(tmp_path: Path) -> None:
    message = _one(_save(tmp_path / "cover.png", (1000, 1000)))
    assert "1000×1000 px, smaller than 1400×1400 px" in message
    assert "1400×1400 to 3000×3000 px" in message


def test_rejects_too_large(tmp_path: Path) -> None:
    message = _one(_save(tmp_path / "cover.png", (3500, 3500)))
    assert "3500×3500 px, larger than 3000×3000 px" in message
    assert "resize it to 3000×3000 px" in message


def test_rejects_not_square(tmp_path: Path) -> None:
    message = _one(_save(tmp_path / "cover.png", (1400, 1500)))
    assert "1400×1500 px, not square" in message
    assert "crop it" in message


def test_rejects_rgba_png(tmp_path: Path) -> None:
    message = _one(_save(tmp_path / "cover.png", mode="RGBA"))
    assert "has transparency (an alpha channel)" in message
    assert "without alpha" in message


def test_rejects_cmyk_jpeg(tmp_path: Path) -> None:
    message = _one(_save(tmp_path / "cover.jpg", mode="CMYK"))
    assert "uses CMYK colour" in message
    assert "convert it to RGB" in message


@pytest.mark.parametrize(
    ("mode", "expected"),
    [("P", "is a palette (indexed-colour) image"), ("L", "is grayscale")],
)
def test_rejects_other_colour_modes(tmp_path: Path, mode: str, expected: str) -> None:
    message = _one(_save(tmp_path / "cover.png", mode=mode))
    assert expected in message
    assert "convert it to RGB" in message


def test_rejects_png_named_jpg(tmp_path: Path) -> None:
    message = _one(_save(tmp_path / "cover.jpg", fmt="PNG"))
    assert "is a PNG image named .jpg" in message
    assert "rename it to end in .png" in message


def test_rejects_other_formats(tmp_path: Path) -> None:
    problems = _problems(_save(tmp_path / "cover.gif"))
    assert "is a GIF image; podcast apps need JPEG or PNG (convert it)" in problems[0]


def test_rejects_text_named_png(tmp_path: Path) -> None:
    path = tmp_path / "cover.png"
    path.write_text("not a picture\n", encoding="utf-8")
    message = _one(path)
    assert "is not an image" in message
    assert "give a JPEG or PNG file" in message


def test_rejects_truncated_image(tmp_path: Path) -> None:
    path = _save(tmp_path / "cover.jpg", fmt="JPEG")
    path.write_bytes(path.read_bytes()[:2000])
    message = _one(path)
    assert "cannot be read" in message
    assert "export the image again" in message


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda p: p / "missing.png", "does not exist"),
        (lambda p: p, "is a folder, not an image"),
    ],
    ids=["missing", "folder"],
)
def test_rejects_missing_file(tmp_path: Path, make: Callable[[Path], Path], expected: str) -> None:
    message = _one(make(tmp_path))
    assert expected in message


def test_reports_every_problem_at_once(tmp_path: Path) -> None:
    problems = _problems(_save(tmp_path / "art.jpg", (1000, 1200), mode="RGBA", fmt="PNG"))
    assert len(problems) == 4, problems
    joined = " | ".join(problems)
    for expected in ("named .jpg", "not square", "smaller than", "has transparency"):
        assert expected in joined


# An episode's own cover


def _episode_show(tmp_path: Path, cover: str) -> Path:
    for name in ("one", "two"):
        (tmp_path / f"{name}.md").write_text(
            f"---\ntitle: {name.title()}\ndate: 2026-01-0{len(name)}\n---\nA short summary.\n",
            encoding="utf-8",
        )
    return write_show(
        tmp_path,
        [{"file": '"one.md"', "cover": f'"{cover}"'}, {"file": '"two.md"'}],
        voice='{ engine = "tone" }',
    )


def test_an_episode_with_its_own_cover_shows_it_in_the_feed_and_its_mp3(tmp_path: Path) -> None:
    picture = _save(tmp_path / "figure.jpg", (1600, 1600))
    Image.new("RGB", (1600, 1600), (200, 30, 30)).save(picture)  # unlike the drawn show cover
    out = tmp_path / "out"
    run = run_narrate("build", "--show", _episode_show(tmp_path, "figure.jpg"), "--out", out)
    assert run.code == 0, run.stderr  # the check after the build passed too
    published = out / "artwork" / "episodes" / "one.jpg"
    assert published.is_file()
    items = {
        item.findtext("title"): item
        for item in ET.parse(out / "feeds" / "feed.xml").getroot().iter("item")
    }
    image = "{http://www.itunes.com/dtds/podcast-1.0.dtd}image"
    own = items["One"].find(image)
    assert own is not None
    assert own.get("href") == "https://podcast.example.org/test/artwork/episodes/one.jpg"
    assert items["Two"].find(image) is None  # the show's cover stands for it
    one = ID3(out / "audio" / "one.mp3").getall("APIC")[0].data
    two = ID3(out / "audio" / "two.mp3").getall("APIC")[0].data
    assert one == embedded_cover(published.read_bytes()) and one != two


def test_a_bad_episode_cover_fails_that_episode_only_with_the_fix(tmp_path: Path) -> None:
    _save(tmp_path / "small.jpg", (500, 500))
    out = tmp_path / "out"
    run = run_narrate("build", "--show", _episode_show(tmp_path, "small.jpg"), "--out", out)
    assert run.code == 1
    (line,) = [x for x in run.stderr.splitlines() if "small.jpg" in x]
    assert "one.md" in line and "1400" in line and "remove the episode's cover" in line
    assert (out / "audio" / "two.mp3").is_file() and not (out / "audio" / "one.mp3").exists()


def test_an_episode_cover_taken_away_is_unpublished_after_the_feed(tmp_path: Path) -> None:
    _save(tmp_path / "figure.jpg", (1400, 1400))
    show, out = _episode_show(tmp_path, "figure.jpg"), tmp_path / "out"
    assert run_narrate("build", "--show", show, "--out", out).code == 0
    assert (out / "artwork" / "episodes" / "one.jpg").is_file()
    show.write_text(show.read_text(encoding="utf-8").replace('cover = "figure.jpg"\n', ""))
    assert run_narrate("build", "--show", show, "--out", out).code == 0
    assert "itunes:image" not in (out / "feeds" / "feed.xml").read_text().split("<item>")[1]
    # Kept keep_old_days for an app that read the feed before, then removed.
    assert (out / "artwork" / "episodes" / "one.jpg").is_file()
    show.write_text(show.read_text(encoding="utf-8") + "[build]\nkeep_old_days = 0\n")
    assert run_narrate("build", "--show", show, "--out", out).code == 0
    assert not (out / "artwork" / "episodes" / "one.jpg").exists()
