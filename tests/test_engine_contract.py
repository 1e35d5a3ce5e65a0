"""An engine is one module plus one registry line: a plugin engine, defined only in the tests
(tests/plugin) and registered through its own distribution's entry point like the built-ins,
with an option of its own, builds a show end to end; narrate checks its option like any
other setting; and nothing outside ``narrate/engines/`` names a particular engine."""

from __future__ import annotations

import ast
import os
import xml.etree.ElementTree as ET
from importlib.metadata import entry_points
from pathlib import Path

from conftest import REPO, SAMPLE, run_narrate, write_show
from mutagen.id3 import ID3

PLUGIN = Path(__file__).parent / "plugin"
WITH_PLUGIN = {
    "PYTHONPATH": os.pathsep.join(filter(None, [str(PLUGIN), os.environ.get("PYTHONPATH")]))
}


def _show(folder: Path, voice: str) -> Path:
    (folder / "summary.txt").write_text(SAMPLE.read_text(encoding="utf-8"), encoding="utf-8")
    return write_show(folder, [{"file": '"summary.txt"', "date": "2026-11-20"}], voice=voice)


def test_a_plugin_engine_with_its_own_option_builds_a_show(tmp_path: Path) -> None:
    show = _show(tmp_path, '{ engine = "chime", pitch_hz = 300 }')
    out = tmp_path / "out"
    run = run_narrate("build", "--show", show, "--out", out, "--no-cache", env=WITH_PLUGIN)
    assert run.code == 0, run.stderr
    assert "chime at 300 Hz" in run.stdout  # the voice that spoke, in the build summary
    items = ET.parse(out / "feeds" / "feed.xml").getroot().findall("./channel/item")
    assert len(items) == 1
    [mp3] = (out / "audio").glob("*.mp3")
    assert str(ID3(mp3).getall("TXXX:voice")[0]) == "chime at 300 Hz"
    # It beeps: the self-check's recognizer was not asked to hear words, and verify agrees.
    verified = run_narrate("verify", show, "--out", out, env=WITH_PLUGIN)
    assert verified.code == 0, verified.stdout + verified.stderr


def test_a_plugin_engines_option_is_checked_with_its_key(tmp_path: Path) -> None:
    show = _show(tmp_path, '{ engine = "chime", pitch_hz = 5 }')
    run = run_narrate("build", "--show", show, "--out", tmp_path / "out", env=WITH_PLUGIN)
    assert run.code == 2
    assert "voice.pitch_hz: must be a number from 50.0 to 2000.0" in run.stderr
    assert "Traceback" not in run.stderr


def test_without_the_plugin_its_engine_and_option_are_unknown(tmp_path: Path) -> None:
    show = _show(tmp_path, '{ engine = "chime", pitch_hz = 300 }')
    run = run_narrate("build", "--show", show, "--out", tmp_path / "out")
    assert run.code == 2
    assert 'voice.engine: no engine called "chime"' in run.stderr
    assert "voice.pitch_hz: unknown key" in run.stderr


def test_an_engine_option_is_passed_only_to_the_engine_that_declares_it(tmp_path: Path) -> None:
    """A show written for one engine still builds with --engine another (its options stay
    with the engine that declared them)."""
    show = _show(tmp_path, '{ engine = "chime", pitch_hz = 300 }')
    out = tmp_path / "out"
    run = run_narrate(
        "build", "--show", show, "--out", out, "--no-cache", "--engine", "tone", env=WITH_PLUGIN
    )
    assert run.code == 0, run.stderr
    assert "tone test voice" in run.stdout


def test_nothing_outside_engines_names_a_particular_engine() -> None:
    names = {point.name for point in entry_points(group="narrate.engines")}
    assert {"piper", "gtts", "tone"} <= names
    package = REPO / "narrate"
    found = []
    for path in package.rglob("*.py"):
        if (package / "engines") in path.parents:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in names:
                found.append(f"{path.relative_to(REPO)}:{node.lineno}: {node.value!r}")
    assert found == []
