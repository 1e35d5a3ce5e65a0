"""Content-addressed store of synthesized segments: safe to delete at any time.

The key covers everything that changes the sound (the engine's fingerprint and the spoken
text); pauses and loudness are applied later, so changing them re-synthesizes nothing.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import os
import re
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from narrate.errors import NarrateError
from narrate.models import Speech, WordTiming
from narrate.storage import AlreadyExists, ObjectStore

log = logging.getLogger(__name__)

_VERSION = "1"


def clip_key(fingerprint: str, spoken: str) -> str:
    """sha256 over the cache format version, the engine fingerprint and the spoken text."""
    return hashlib.sha256("\0".join((_VERSION, fingerprint, spoken)).encode()).hexdigest()


class ClipCache:
    """One folder; each entry an audio file and a JSON header, written atomically. Or, with
    a ``url`` (``s3://bucket/cache``: shared by a cluster's workers), the entries are objects
    there, each written once (a second writer of a key, with the same bytes, is fine); what
    engines prepare from a voice stays in the local ``root`` (it depends on the processor).
    """

    def __init__(self, root: Path, url: str = "") -> None:
        self.root = root
        self.url = url
        self._store = ObjectStore(url) if url else None
        self.unwritable = False
        """Set once a write failed: the user has been told, once."""
        self._unreadable = False

    def _paths(self, key: str) -> tuple[Path, Path]:
        folder = self.root / key[:2]
        return folder / f"{key}.audio", folder / f"{key}.json"

    def has(self, key: str) -> bool:
        """Whether an entry exists (it may still turn out torn when read)."""
        if self._store is not None:
            try:
                return self._store.info(f"{key[:2]}/{key}.json") is not None
            except NarrateError as error:
                self._cannot_read(error)
                return False
        return self._paths(key)[1].is_file()

    def _read(self, key: str) -> tuple[bytes, bytes] | None:
        """The entry's header and audio, or None."""
        if self._store is not None:
            try:
                header = self._store.read_bytes(f"{key[:2]}/{key}.json")
                data = self._store.read_bytes(f"{key[:2]}/{key}.audio") if header else None
            except NarrateError as error:
                self._cannot_read(error)
                return None
            return (header, data) if header is not None and data is not None else None
        audio, header_file = self._paths(key)
        try:
            return header_file.read_bytes(), audio.read_bytes()
        except OSError:
            return None

    def _cannot_read(self, error: NarrateError) -> None:
        if not self._unreadable:
            self._unreadable = True
            log.warning("could not read the shared cache (%s); the build goes on, speaking "
                        "what it cannot read", error)  # fmt: skip

    def get(self, key: str) -> Speech | None:
        found = self._read(key)
        if found is None:
            return None
        try:
            meta = json.loads(found[0])
            data = found[1]
        except ValueError:
            return None
        if len(data) != meta.get("bytes"):
            return None  # a torn entry: synthesize again
        if self._store is None:
            with contextlib.suppress(OSError):
                os.utime(self._paths(key)[1])  # last used: what --prune goes by
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
        if self._store is not None:
            self._put_shared(key, speech.data, json.dumps(meta).encode())
            return
        try:
            audio.parent.mkdir(parents=True, exist_ok=True)
            _write_atomic(audio, speech.data)
            _write_atomic(header, json.dumps(meta).encode())
        except OSError as error:
            # A cache that cannot be written only costs time (the next build speaks again).
            if not self.unwritable:
                self.unwritable = True
                log.warning(
                    "could not keep spoken phrases in the cache %s (%s); the build goes on "
                    "without it: free some disk space there, or choose another --cache-dir",
                    self.root,
                    error.strerror or type(error).__name__,
                )

    def _put_shared(self, key: str, data: bytes, header: bytes) -> None:
        """The audio, then its header (an entry counts once its header is there), each
        created once: another worker that wrote it first wrote the same bytes."""
        assert self._store is not None
        for name, body in ((f"{key}.audio", data), (f"{key}.json", header)):
            try:
                self._store.put(f"{key[:2]}/{name}", body, content_type="application/octet-stream",
                                if_absent=True)  # fmt: skip
            except AlreadyExists:
                continue
            except NarrateError as error:
                if not self.unwritable:
                    self.unwritable = True
                    log.warning("could not keep spoken phrases in the shared cache (%s); the "
                                "build goes on without it", error)  # fmt: skip
                return


@dataclass(frozen=True)
class CacheInfo:
    """What the cache holds."""

    entries: int
    """Cached phrases."""
    bytes: int
    """Space used."""
    oldest_days: float
    """Days since the least recently used entry was last used (0 when empty)."""


VOICES = "voices"
"""The cache's folder for what engines prepare from a voice (see ``EngineSettings``)."""


def cache_info(root: Path) -> CacheInfo:
    """Count entries and bytes under ``root`` (voices an engine prepared count as bytes)."""
    entries, size, oldest = 0, 0, time.time()
    for header in root.glob("??/*.json"):
        audio = header.with_suffix(".audio")
        with contextlib.suppress(OSError):
            size += header.stat().st_size + audio.stat().st_size
            oldest = min(oldest, header.stat().st_mtime)
            entries += 1
    for voice in root.glob(f"{VOICES}/*.onnx"):
        with contextlib.suppress(OSError):
            size += voice.stat().st_size
    return CacheInfo(entries, size, (time.time() - oldest) / 86400 if entries else 0.0)


def prune_cache(root: Path, older_than_days: float) -> CacheInfo:
    """Delete entries not used for ``older_than_days`` days (0: all); return what was removed."""
    cutoff = time.time() - older_than_days * 86400
    entries, size = 0, 0
    for header in root.glob("??/*.json"):
        audio = header.with_suffix(".audio")
        with contextlib.suppress(OSError):
            if header.stat().st_mtime <= cutoff:
                size += header.stat().st_size + (audio.stat().st_size if audio.exists() else 0)
                header.unlink()
                audio.unlink(missing_ok=True)
                entries += 1
    for voice in root.glob(f"{VOICES}/*.onnx"):  # a voice's prepared graph, touched when used
        with contextlib.suppress(OSError):
            if voice.stat().st_mtime <= cutoff:
                size += voice.stat().st_size
                voice.unlink()
    for stray in [*root.glob("??/.tmp-*"), *root.glob(f"{VOICES}/.tmp-*")]:  # a killed build's
        stray.unlink(missing_ok=True)
    return CacheInfo(entries, size, 0.0)


_SHARED_ENTRY = re.compile(r"[0-9a-f]{2}/[0-9a-f]{64}\.(?:json|audio)")
"""An entry's object in a shared cache at a URL (``ClipCache._put_shared``)."""


def shared_cache_info(url: str) -> CacheInfo:
    """Count the entries and bytes of the shared cache at ``url``. Reading an object there
    leaves no trace, so its age is since it was written, not since it was last used."""
    objects = [o for o in ObjectStore(url).list() if _SHARED_ENTRY.fullmatch(o.key)]
    headers = [o for o in objects if o.key.endswith(".json")]
    now = dt.datetime.now(dt.UTC)
    oldest = max(((now - o.modified).total_seconds() / 86400 for o in headers), default=0.0)
    return CacheInfo(len(headers), sum(o.size for o in objects), oldest)


def prune_shared_cache(url: str, older_than_days: float) -> CacheInfo:
    """Delete the entries of the shared cache at ``url`` written more than ``older_than_days``
    days ago (0: all; a phrase still in use is spoken again when next needed); return what
    was removed."""
    store = ObjectStore(url)
    cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(days=older_than_days)
    objects = {o.key: o for o in store.list() if _SHARED_ENTRY.fullmatch(o.key)}
    entries, size = 0, 0
    for key, header in objects.items():
        if key.endswith(".json") and header.modified <= cutoff:
            audio = key.removesuffix(".json") + ".audio"
            store.delete(key)  # the header first: an entry without it is never read
            store.delete(audio)
            size += header.size + (objects[audio].size if audio in objects else 0)
            entries += 1
    return CacheInfo(entries, size, 0.0)


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
