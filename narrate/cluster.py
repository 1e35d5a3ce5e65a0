"""Where episodes are produced: this machine's worker processes (``local``, the default), or
a Dask cluster (``dask``: one started on this machine for the build; ``tcp://host:port``: an
existing scheduler). The only module that knows Dask.

On a cluster each task is one whole episode (``narrate.produce``): its plan carries the
summary's text, so a worker needs no shared file system, and each worker process keeps its
voices and recognizer loaded between the episodes it is given. A worker that dies mid-task
loses nothing: the scheduler gives its task to another worker.
"""

from __future__ import annotations

import importlib
import logging
import re
import socket
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from narrate.errors import NarrateError
from narrate.logs import quiet

log = logging.getLogger(__name__)

LOCAL = "local"
"""This machine's worker processes (``narrate.processes``): no Dask."""
DASK = "dask"
"""A Dask cluster started on this machine for one build, one worker per core."""
EXECUTORS = (LOCAL, DASK, "tcp://HOST:PORT")
"""What ``--executor`` takes, as the help says it."""
_ADDRESS = re.compile(r"(tcp|tls)://[^\s/:]+:\d{1,5}")
_CONNECT_SECONDS = 20
"""How long to wait for an existing scheduler to answer."""


def executor_problem(spec: str) -> str | None:
    """What is wrong with an executor's name, or None.

    "local", "dask", "tcp://10.0.0.5:8786" -> None; "tcp://x" -> a problem with the fix.
    """
    if spec in (LOCAL, DASK) or _ADDRESS.fullmatch(spec):
        return None
    return (
        f"{spec!r} is not an executor: use local (this machine's processes), dask (a Dask "
        "cluster on this machine) or a scheduler's address such as tcp://10.0.0.5:8786"
    )


@contextmanager
def cluster(spec: str, workers: int) -> Iterator[Cluster]:
    """A Dask client for ``spec`` ("dask" or a scheduler's address), closed (and a cluster
    started here, stopped) when the block ends."""
    try:
        dask: Any = importlib.import_module("distributed")  # typed loosely: few hints
    except ImportError:  # pragma: no cover - a dependency of narrate
        raise NarrateError(
            "--executor: Dask is not installed; run pip install distributed, or use "
            "--executor local"
        ) from None
    with quiet("distributed", "tornado"):
        if spec == DASK:
            # Loopback only, no dashboard: a cluster for this build, not a service.
            # (The scheduler's own HTTP endpoint, with no dashboard, on any free port.)
            local = dask.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                      host="127.0.0.1", dashboard_address=None,
                                      scheduler_kwargs={"dashboard": False,
                                                        "dashboard_address": "127.0.0.1:0"},
                                      silence_logs=logging.ERROR)  # fmt: skip
            client = dask.Client(local)
        else:
            local = None
            try:
                _reachable(spec)  # refused at once, rather than after Dask's retries
                client = dask.Client(spec, timeout=_CONNECT_SECONDS)
            except OSError as error:
                raise NarrateError(
                    f"--executor: no Dask scheduler answered at {spec} ({error}); start one "
                    "with `dask scheduler` and workers with `dask worker ADDRESS`, or use "
                    "--executor dask for a cluster on this machine"
                ) from None
    try:
        yield Cluster(client, spec)
    finally:
        with quiet("distributed", "tornado"):
            if local is not None:
                client.shutdown()  # ours: every worker at once (a restarted one too)
                local.close()
            else:
                client.close()  # a user's cluster stays up


def _reachable(address: str) -> None:
    """Raise ``OSError`` unless something accepts connections at a scheduler's address."""
    host, _, port = address.split("://", 1)[1].rpartition(":")
    with socket.create_connection((host.strip("[]"), int(port)), timeout=_CONNECT_SECONDS):
        pass


class Cluster:
    """A connected Dask client, as the build uses it."""

    def __init__(self, client: Any, spec: str) -> None:
        self._client = client
        self.spec = spec
        """How the user named it."""

    def workers(self) -> int:
        """Worker threads the cluster has now."""
        return sum(self._client.nthreads().values())

    def run(
        self, function: Callable[..., Any], items: Iterable[tuple[str, tuple[Any, ...]]]
    ) -> Iterator[tuple[str, Any]]:
        """``function(*args)`` for each (name, args) on the cluster, yielded as (name,
        result) in the order they finish; a ``NarrateError`` raised on a worker comes back
        as the result. A task whose workers kept dying becomes a ``NarrateError`` too."""
        dask: Any = importlib.import_module("distributed")
        cancelled = importlib.import_module("distributed.client").FutureCancelledError

        futures = {}
        batch = uuid.uuid4().hex[:12]  # two builds on one scheduler never share a key
        for name, args in items:
            # Named, not hashed: a plan is large and unique anyway (pure=False: run it).
            future = self._client.submit(function, *args, key=f"narrate-{name}-{batch}", pure=False)
            futures[future] = name
        for future in dask.as_completed(futures):
            name = futures.pop(future)
            try:
                yield name, future.result()
            except NarrateError as error:
                yield name, error
            except cancelled:
                yield (
                    name,
                    NarrateError(
                        f"the Dask cluster at {self.spec} cancelled it (the scheduler went away?); "
                        "build again"
                    ),
                )
            except Exception as error:
                if type(error).__name__ != "KilledWorker":
                    raise
                yield (
                    name,
                    NarrateError(
                        f"every Dask worker that tried to produce it died ({error}); a worker may "
                        "be running out of memory: give workers more, or build it again"
                    ),
                )
            finally:
                future.release()
