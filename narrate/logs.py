"""What other libraries log, kept out of narrate's output where narrate says it better."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def quiet(*names: str, level: int = logging.ERROR) -> Iterator[None]:
    """Loggers ``names`` say only what is at ``level`` or above, until the block ends:
    ``with quiet("distributed", "tornado"): ...`` (Dask's start-up chatter)."""
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(level)
    try:
        yield
    finally:
        for logger, old in zip(loggers, levels, strict=True):
            logger.setLevel(old)
