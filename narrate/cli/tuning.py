"""Settings of the whole process that make narrate faster: only the command line, which owns
the process, makes them."""

from __future__ import annotations

import os
import sys


def one_blas_thread() -> None:
    """narrate runs a process per core (``--jobs``). numpy's OpenBLAS would start a thread
    per core in each of them too, and after every matrix product those threads spin against
    the voice's workers and the encoder for a while: a tenth of a cold build's CPU time.
    Set before numpy is first imported; a value the user set is kept."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def keep_freed_memory() -> None:
    """glibc returns every large block (a clip, a stretch of samples) to the kernel when it
    is freed, and the next one is page-faulted and zeroed afresh: a cold build spent about
    0.3 CPU-s that way. Keep up to 256 MB of freed memory for reuse instead (the speech
    workers and the recognizer, forked from this process, inherit it)."""
    if sys.platform != "linux":
        return
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc: its allocator is its own business
        return
    for option, value in ((-1, 256 << 20), (-2, 64 << 20), (-3, 256 << 20)):
        mallopt(option, value)  # M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD
