"""``narrate cache --info`` and ``--prune``: what the cache holds, and trimming what is unused."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from conftest import run_narrate

from narrate.audio.cache import VOICES, ClipCache, clip_key
from narrate.config import EngineSettings
from narrate.models import Speech


def _age(path: Path, days: float) -> None:
    then = time.time() - days * 86400
    os.utime(path, (then, then))


def test_info_and_prune_count_phrases_and_prepared_voices(tmp_path: Path) -> None:
    root = tmp_path / "cache"
    cache = ClipCache(root)
    speech = Speech(b"\1\0" * 22050, "pcm_s16le", 22050)
    old, recent = clip_key("voice", "an old phrase"), clip_key("voice", "a recent phrase")
    cache.put(old, speech)
    cache.put(recent, speech)
    for header in root.glob(f"??/{old}.json"):
        _age(header, 40)
    voices = root / VOICES
    voices.mkdir()
    (voices / "unused.onnx").write_bytes(b"\0" * 3_000_000)
    (voices / "used.onnx").write_bytes(b"\0" * 2_000_000)
    _age(voices / "unused.onnx", 40)

    info = run_narrate("cache", "--info", "--cache-dir", root)
    assert info.code == 0, info.stderr
    assert "2 phrases" in info.stdout and "5.1 MB" in info.stdout, info.stdout

    pruned = run_narrate("cache", "--prune", "30", "--cache-dir", root)
    assert pruned.code == 0, pruned.stderr
    assert "removed 1 phrase (3.0 MB)" in pruned.stdout, pruned.stdout
    assert ": 1 phrase, 2.0 MB" in pruned.stdout, pruned.stdout
    assert cache.has(recent) and not cache.has(old)
    assert sorted(p.name for p in voices.iterdir()) == ["used.onnx"]


@pytest.mark.parametrize("days", ["-3", "nan"])
def test_prune_refuses_a_negative_age_and_deletes_nothing(tmp_path: Path, days: str) -> None:
    """A negative age puts the cut-off in the future: it would delete every phrase."""
    root = tmp_path / "cache"
    cache = ClipCache(root)
    key = clip_key("voice", "a phrase in use")
    cache.put(key, Speech(b"\1\0" * 100, "pcm_s16le", 22050))

    run = run_narrate("cache", "--prune", days, "--cache-dir", root)

    assert run.code == 2 and "Traceback" not in run.stderr
    assert run.stderr.splitlines() == [
        "narrate: configuration error on the command line:",
        f"  --prune: {days} is not a number of days; give 0 or more (0 deletes all)",
    ]
    assert cache.has(key)


def test_pruning_everything_leaves_the_machines_model_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--prune 0`` empties the default cache, but the Kokoro model kept for the machine
    (fetched or joined once, never touched by a build) stays, whatever its age."""
    from narrate.engines.kokoro.engine import KokoroEngine

    root = tmp_path / "cache"
    monkeypatch.setenv("NARRATE_CACHE_DIR", str(root))
    ClipCache(root).put(clip_key("voice", "a phrase"), Speech(b"\0\0" * 100, "pcm_s16le", 22050))
    kept = KokoroEngine(EngineSettings("kokoro", "", "en-US", 1.0)).store / "kokoro-v1.0.int8.onnx"
    kept.parent.mkdir(parents=True)
    kept.write_bytes(b"\0" * 1000)
    _age(kept, 400)
    pruned = run_narrate("cache", "--prune", "0")
    assert pruned.code == 0, pruned.stderr
    assert not list(root.glob("??/*.json"))
    assert kept.is_file()
