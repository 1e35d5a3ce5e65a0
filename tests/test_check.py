"""narrate check: passes on real builds, and fails with the right message on copies of a build
broken one rule at a time; narrate build runs it at its end."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import Built, Run, run_narrate, write_show
from mutagen.id3 import ID3
from PIL import Image

from narrate.audio.ffmpeg import ffmpeg_path
from narrate.config import EXAMPLE_SHOW

pytestmark = pytest.mark.e2e

MP3 = "audio/mtros-macrophages.mp3"
FEED = "feeds/feed.xml"
FOUND = "narrate check found"


def _copy(built: Built, tmp_path: Path) -> Path:
    """A private copy of the example build, for one test to break."""
    out = tmp_path / "out"
    shutil.copytree(built.out, out)
    return out


def _problems(out: Path, show: Path = EXAMPLE_SHOW) -> list[str]:
    """What narrate check reports on ``out``, one line per problem; it must have failed."""
    run = run_narrate("check", show, "--out", out)
    assert run.code == 1, f"narrate check passed a broken show:\n{run.stdout}{run.stderr}"
    header, *lines = run.stderr.splitlines()
    assert header == f"{FOUND} {len(lines)} problem(s):", run.stderr
    assert "Traceback" not in run.stderr and not run.stdout
    return [line.strip() for line in lines]


def _only(problems: list[str]) -> str:
    assert len(problems) == 1, problems
    return problems[0]


def _edit_feed(out: Path, old: str, new: str) -> None:
    feed = out / FEED
    text = feed.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} is not in the feed exactly once"
    feed.write_text(text.replace(old, new), encoding="utf-8")


def _fix_length(out: Path) -> None:
    """Make the feed's enclosure length true again after the MP3 was rewritten."""
    feed = out / FEED
    size = (out / MP3).stat().st_size
    feed.write_text(re.sub(r'length="\d+"', f'length="{size}"', feed.read_text(encoding="utf-8")))


def _chapter_gap(path: Path) -> str:
    """Start the third JSON chapter half a second late; the title of the one before the gap."""
    data = json.loads(path.read_text(encoding="utf-8"))
    data["chapters"][2]["startTime"] += 0.5
    path.write_text(json.dumps(data), encoding="utf-8")
    return str(data["chapters"][1]["title"])


def _passes(run: Run) -> None:
    assert run.code == 0, run.stderr
    assert run.stdout.startswith(f"ok: {FEED} and everything it lists pass the checks")
    assert FOUND not in run.stderr


def test_check_passes_on_the_example_build(example_build: Built) -> None:
    assert FOUND not in example_build.run.stderr  # the build's own check found nothing either
    _passes(run_narrate("check", EXAMPLE_SHOW, "--out", example_build.out))


@dataclass
class Several:
    """A show of three short summaries, built with the real default voice."""

    show: Path
    out: Path
    cache: Path
    run: Run


@pytest.fixture(scope="module")
def several(tmp_path_factory: pytest.TempPathFactory) -> Several:
    root = tmp_path_factory.mktemp("check-several")
    texts = {
        "rest": "Short rests eased fatigue in a small trial.",
        "cooling": "Cooling vests helped some people on hot days. Others noticed no change.",
        "stretch": "Daily stretching reduced stiffness a little.",
    }
    for day, (slug, text) in enumerate(texts.items(), start=1):
        (root / f"{slug}.md").write_text(f"---\ndate: 2026-06-0{day}\n---\n{text}\n")
    show = write_show(
        root, [{"file": f'"{slug}.md"'} for slug in texts], voice='{ engine = "piper" }'
    )
    out, cache = root / "out", root / "cache"
    run = run_narrate("build", "--show", show, "--out", out, "--cache-dir", cache)
    assert run.code == 0, run.stderr
    return Several(show, out, cache, run)


def test_check_passes_on_a_show_of_several_episodes(several: Several) -> None:
    _passes(run_narrate("check", several.show, "--out", several.out))


def test_build_runs_the_check_at_its_end(several: Several, tmp_path: Path) -> None:
    assert FOUND not in several.run.stderr
    out = tmp_path / "out"
    shutil.copytree(several.out, out)
    # Break an episode this build keeps as it is (only another summary is rebuilt): only the
    # check at the end of the build can notice.
    _chapter_gap(out / "audio" / "rest.chapters.json")
    one = several.show.parent / "stretch.md"
    run = run_narrate("build", "--show", several.show, one, "--out", out, "--cache-dir",
                      several.cache)  # fmt: skip
    assert run.code == 1 and FOUND in run.stderr, run.stderr
    assert "rest.chapters.json: a gap between" in run.stderr
    run = run_narrate("build", "--show", several.show, one, "--out", out, "--cache-dir",
                      several.cache, "--no-check")  # fmt: skip
    assert run.code == 0 and FOUND not in run.stderr, run.stderr


def test_wrong_enclosure_length(example_build: Built, tmp_path: Path) -> None:
    out = _copy(example_build, tmp_path)
    size = (out / MP3).stat().st_size
    _edit_feed(out, f'length="{size}"', f'length="{size + 1}"')
    assert f"enclosure length {size + 1} is not the file's size {size}" in _only(_problems(out))


def test_missing_transcript(example_build: Built, tmp_path: Path) -> None:
    out = _copy(example_build, tmp_path)
    (out / MP3).with_suffix(".vtt").unlink()
    problem = _only(_problems(out))
    assert re.search(r"transcript https://\S+/mtros-macrophages\.vtt \(text/vtt\) is missing",
                     problem)  # fmt: skip


def test_chapters_with_a_gap(example_build: Built, tmp_path: Path) -> None:
    out = _copy(example_build, tmp_path)
    before = _chapter_gap((out / MP3).with_suffix(".chapters.json"))
    problems = _problems(out)
    assert f"mtros-macrophages.chapters.json: a gap between {before!r} and the next chapter" in (
        "\n".join(problems)
    )
    # The only other complaint is the consequence: the file no longer matches the ID3 chapters.
    assert len(problems) == 2 and "does not agree with the MP3's ID3 chapters" in problems[1]


def test_small_artwork(example_build: Built, tmp_path: Path) -> None:
    out = _copy(example_build, tmp_path)
    Image.new("RGB", (600, 600), (11, 31, 58)).save(out / "artwork" / "cover.jpg", "JPEG")
    problem = _only(_problems(out))
    assert "artwork:" in problem and "600×600 px, smaller than 1400×1400 px" in problem


def test_loudness_off_target(example_build: Built, tmp_path: Path) -> None:
    out = _copy(example_build, tmp_path)
    mp3 = out / MP3
    quieter = tmp_path / "quieter.mp3"
    subprocess.run(
        [ffmpeg_path(), "-v", "error", "-nostdin", "-i", str(mp3), "-map", "0:a",
         "-map_metadata", "-1", "-id3v2_version", "0", "-af", "volume=-6dB",
         "-c:a", "libmp3lame", "-b:a", "64k", "-ac", "1", "-ar", "44100", str(quieter)],
        check=True,
    )  # fmt: skip
    # Keep the original ID3 tag (chapters, frames) byte for byte; only the sound changes.
    tag = mp3.read_bytes()[: ID3(mp3, translate=False).size]
    mp3.write_bytes(tag + quieter.read_bytes())
    _fix_length(out)
    problem = _only(_problems(out))
    assert re.search(r"loudness -2\d\.\d LUFS is off the -19 LUFS target", problem), problem


@pytest.mark.parametrize("damage", ["stripped", "unreadable"])
def test_an_mp3_whose_tag_is_gone_or_unreadable_is_one_problem(
    example_build: Built, tmp_path: Path, damage: str
) -> None:
    """One line naming the episode, not a stop of the whole check (nor a traceback)."""
    out = _copy(example_build, tmp_path)
    mp3 = out / MP3
    data = bytearray(mp3.read_bytes())
    if damage == "stripped":
        mp3.write_bytes(data[ID3(mp3, translate=False).size :])
        _fix_length(out)
    else:
        data[3] = 9  # "ID3v2.9": no reader knows it
        mp3.write_bytes(data)
    assert _only(_problems(out)) == (
        f"{out / FEED}: item 'Invading immune cells, not microglia, drive nerve damage through "
        "mitochondrial ROS': "
        "the MP3's ID3 tag is missing or unreadable; run narrate build again"
    )


def test_id3v24_tag(example_build: Built, tmp_path: Path) -> None:
    out = _copy(example_build, tmp_path)
    tags = ID3(out / MP3)  # mutagen upgrades TYER/TDAT to TDRC on reading
    tags.save(out / MP3, v2_version=4)
    _fix_length(out)
    problems = _problems(out)
    assert len(problems) == 2, problems
    assert "ID3 tag is v2.4, not v2.3" in problems[0]
    assert "ID3v2.4-only frames left in the tag: ['TDRC']" in problems[1]


def test_wrong_podcast_guid(example_build: Built, tmp_path: Path) -> None:
    out = _copy(example_build, tmp_path)
    text = (out / FEED).read_text(encoding="utf-8")
    (right,) = re.findall(r"<podcast:guid>(.+)</podcast:guid>", text)
    _edit_feed(out, right, str(uuid.uuid4()))
    assert _only(_problems(out)).endswith(f"<podcast:guid> is not {right}")


def test_pub_date_with_the_wrong_weekday(example_build: Built, tmp_path: Path) -> None:
    out = _copy(example_build, tmp_path)
    _edit_feed(out, "<pubDate>Fri, 20 Nov 2026", "<pubDate>Sat, 20 Nov 2026")
    problem = _only(_problems(out))
    assert problem.endswith("<pubDate> is not an RFC 2822 date with the right weekday")
