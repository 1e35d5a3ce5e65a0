"""What an engine prepares from a voice, kept in the cache between builds.

Preparing a voice (reshaping its graph, letting onnxruntime optimize it) takes longer
than loading the result. ``prepared_session`` loads a kept copy when there is one, and else
prepares it and keeps it. Two workers of a build load the voice at the same moment: one
claims the writing (a file naming its process), and the other waits for what it writes
instead of doing the same work (or, with a core of its own, prepares its own copy beside it:
sooner, and the core would only have waited). A copy that cannot be read is prepared again;
a claim left by a build that was killed lapses as soon as its process is gone.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import platform
import time
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from narrate.errors import NarrateError
from narrate.processes import process_alive

log = logging.getLogger(__name__)

Session = TypeVar("Session")

WAIT_S = 20.0
"""How long a worker waits for another to prepare the voice before preparing it itself."""
_CLAIM_LAPSES_S = 600
"""A claim older than this lapses even if a process of its number lives (numbers are reused)."""


def prepared_session(
    kept: Path | None,
    prepare: Callable[[Path | None], Session],
    load: Callable[[Path], Session],
    wait: bool = True,
) -> Session:
    """A session of the voice: ``load(kept)`` if a copy is kept there, else
    ``prepare(staged)``, which also writes the prepared copy to ``staged`` (kept from then
    on); ``prepare(None)`` where nothing can be kept (no cache, a read-only one).

    When another worker is preparing it this moment, ``wait`` for what it keeps and load
    that; without ``wait``, prepare it too (sooner, where this worker has a core to itself).
    """
    if kept is None:
        return prepare(None)
    if (session := _load(kept, load)) is not None:
        return session
    claim = _claim(kept)
    if claim is None:  # another worker is preparing it this moment
        if wait and _written(kept) and (session := _load(kept, load)) is not None:
            return session
        return prepare(None)
    staged = kept.with_name(f".tmp-{kept.name}")
    try:
        session = prepare(staged)
        os.replace(staged, kept)
    except NarrateError:  # the voice itself is wrong, said in one line: preparing again won't help
        raise
    except Exception as error:  # a full or read-only cache, or a failing write: keep nothing
        log.debug("could not keep the prepared voice %s (%s)", kept, error)
        session = prepare(None)
    finally:
        staged.unlink(missing_ok=True)
        claim.unlink(missing_ok=True)
    return session


def _load(kept: Path, load: Callable[[Path], Session]) -> Session | None:
    """The kept copy loaded; None if there is none (or it was damaged: then it is removed,
    to be prepared again)."""
    if not kept.is_file():
        return None
    try:
        session = load(kept)
    except Exception as error:  # the engine's library's own errors: a damaged file
        log.debug("prepared voice %s unreadable (%s); preparing it again", kept, error)
        kept.unlink(missing_ok=True)
        return None
    with contextlib.suppress(OSError):
        os.utime(kept)  # in use: ``narrate cache --prune`` keeps it
    return session


def _written(kept: Path) -> bool:
    """Wait while another process holds the claim on writing ``kept``; whether it did."""
    claim = _claim_path(kept)
    deadline = time.monotonic() + WAIT_S
    while time.monotonic() < deadline and not kept.is_file() and _held(claim):
        time.sleep(0.02)
    return kept.is_file()


def _claim(kept: Path) -> Path | None:
    """A claim on writing ``kept``; None if another process holds it."""
    claim = _claim_path(kept)
    if claim.exists() and not _held(claim):
        claim.unlink(missing_ok=True)
    try:
        kept.parent.mkdir(parents=True, exist_ok=True)
        handle = os.open(claim, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except OSError:
        return None
    with os.fdopen(handle, "w") as written:
        written.write(str(os.getpid()))
    return claim


def _claim_path(kept: Path) -> Path:
    return kept.with_name(f".claim-{kept.name}")


def _held(claim: Path) -> bool:
    """Whether ``claim`` is still held: young enough, and its process alive."""
    try:
        if time.time() - claim.stat().st_mtime > _CLAIM_LAPSES_S:
            return False
        pid = int(claim.read_text(encoding="utf-8") or "0")
    except (OSError, ValueError):
        return claim.exists()  # being written this moment: held
    if pid <= 0:  # created, its number not written yet
        return True
    return process_alive(pid)


@lru_cache(maxsize=1)
def processor() -> str:
    """This processor's kind and instruction set: onnxruntime lays out an optimized graph for
    the one it runs on, so a kept graph's key names it."""
    flags = ""
    with contextlib.suppress(OSError):
        info = Path("/proc/cpuinfo").read_text(encoding="utf-8", errors="replace")
        flags = next((line for line in info.splitlines() if line.startswith("flags")), "")
    return f"{platform.machine()} {platform.processor()} {flags}"


def graph_key(digest: str, rewriting: str, threads: int) -> str:
    """The name a prepared graph is kept under: everything it depends on (the model file's
    hash, the engine's rewriting of it, onnxruntime's version, the thread count and this
    processor), hashed."""
    import onnxruntime

    parts = [digest, rewriting, onnxruntime.__version__, str(threads), processor()]
    return hashlib.sha256("|".join(parts).encode("utf-8")).hexdigest()[:32]


def onnx_session(
    graph: bytes | str, threads: int, optimize: bool = True, keep: Path | None = None
) -> Any:
    """An onnxruntime session of ``graph`` (bytes, or a kept file already optimized: then
    ``optimize=False``), with ``threads`` intra-op threads (0: onnxruntime's default, every
    core); with ``keep``, the graph as onnxruntime optimized it is written there."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3  # errors only: not its note on keeping optimized graphs
    if threads:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    if not optimize:
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
    if keep is not None:
        options.optimized_model_filepath = str(keep)
    return onnxruntime.InferenceSession(
        graph, sess_options=options, providers=["CPUExecutionProvider"]
    )
