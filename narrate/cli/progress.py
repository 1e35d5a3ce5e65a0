"""A build's progress as the user watches it: a live bar on a terminal, log lines elsewhere."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from narrate.build import Progress as BuildProgress


@contextlib.contextmanager
def progress_display(quiet: bool) -> Iterator[Callable[[BuildProgress], None] | None]:
    """A live progress bar with time left on a terminal; plain log lines elsewhere."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, transient=True) as bar:
        episodes = bar.add_task("episodes", total=None)
        phrases = bar.add_task("phrases", total=None)

        def update(state: BuildProgress) -> None:
            bar.update(episodes, completed=state.episodes_done, total=state.episodes_total,
                       description=f"episodes ({state.current[:40]})")  # fmt: skip
            bar.update(phrases, completed=state.phrases_done, total=state.phrases_total or None)

        yield update
