"""Content-addressed store of synthesized segments: safe to delete at any time.

The key covers everything that changes the sound (the engine's fingerprint and the spoken
text); pauses and loudness are applied later, so changing them re-synthesizes nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path

from narrate.models import Speech, WordTiming

_VERSION = "1"


def clip_key(fingerprint: str, spoken: str) -> str:
    """sha256 over the cache format version, the engine fingerprint and the spoken text."""
    return hashlib.sha256("\0".join((_VERSION, fingerprint, spoken)).encode()).hexdigest()


class ClipCache:
    """One folder; each entry an audio file and a JSON header, written atomically."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _paths(self, key: str) -> tuple[Path, Path]:
        folder = self.root / key[:2]
        return folder / f"{key}.audio", folder / f"{key}.json"

    def get(self, key: str) -> Speech | None:
        audio, header = self._paths(key)
        try:
            meta = json.loads(header.read_text(encoding="utf-8"))
            data = audio.read_bytes()
        except (OSError, ValueError):
            return None
        if len(data) != meta.get("bytes"):
            return None  # a torn entry: synthesize again
        words = meta.get("words")
        return Speech(
            data,
            meta["format"],
            meta["sample_rate"],
            tuple(WordTiming(**w) for w in words) if words is not None else None,
        )

    def put(self, key: str, speech: Speech) -> None:
        audio, header = self._paths(key)
        meta = {
            "format": speech.format,
            "sample_rate": speech.sample_rate,
            "bytes": len(speech.data),
            "words": [asdict(w) for w in speech.words] if speech.words is not None else None,
        }
        try:
            audio.parent.mkdir(parents=True, exist_ok=True)
            _write_atomic(audio, speech.data)
            _write_atomic(header, json.dumps(meta).encode())
        except OSError:
            pass  # a cache that cannot be written only costs time


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
