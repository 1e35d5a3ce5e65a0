"""Worker processes that never outlive the build that started them.

A build's workers are forked from it, so they hold what it holds: the output folder's lock
among them. If the build is killed (SIGKILL, or a plain ``kill``, which Python does not turn
into an exception), nothing tells a ``ProcessPoolExecutor``'s workers: they wait on their
queue for ever, keep the lock, and the next build waits for a build that is gone. So every
worker asks the kernel to kill it when its parent dies (Linux ``PR_SET_PDEATHSIG``; elsewhere
a thread that watches the parent), before it does anything else.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from typing import Any

_PR_SET_PDEATHSIG = 1
"""prctl(2) option: the signal this process gets when the thread that forked it dies."""


def worker_pool(
    workers: int,
    initializer: Callable[..., object] | None = None,
    initargs: tuple[Any, ...] = (),
    *,
    fork: bool = False,
) -> ProcessPoolExecutor:
    """A ``ProcessPoolExecutor`` whose workers die with this process, however it dies.

    Start it (submit to it) from the thread that lives as long as the build: on Linux a
    worker's "parent" is the thread that forked it. ``fork``: the workers are forked, whatever
    the platform's default, and inherit this process's memory (nothing to pickle).
    """
    return ProcessPoolExecutor(
        workers,
        mp_context=multiprocessing.get_context("fork") if fork else None,
        initializer=_start,
        initargs=(os.getpid(), initializer, initargs),
    )


def _start(
    parent: int, initializer: Callable[..., object] | None, initargs: tuple[Any, ...]
) -> None:
    die_with_parent(parent)
    if initializer is not None:
        initializer(*initargs)


def die_with_parent(parent: int) -> None:
    """End this process as soon as ``parent`` (the process that forked it) is gone."""
    if sys.platform.startswith("linux"):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0:
            if os.getppid() != parent:  # it died before the request took effect
                os._exit(1)
            return
    threading.Thread(target=_watch, args=(parent,), daemon=True, name="parent-watch").start()


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` exists (one of another user's counts: it may not be signalled,
    but it is there)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # alive, another user's
        return True
    return True
