"""Errors that reach the user: each says what happened, the probable cause and the fix.

Only ``cli.py`` turns them into exit codes. Anything that is not a ``NarrateError`` is a bug
and keeps its traceback.
"""

from __future__ import annotations

import errno


class NarrateError(Exception):
    """A problem the user can fix; ``str(error)`` is one line with cause and fix."""


class ConfigError(NarrateError):
    """The show file or command line is wrong; nothing is built (exit 2)."""

    def __init__(self, problems: list[str], source: str = "") -> None:
        self.problems = problems
        self.source = source
        where = f"{source}: " if source else ""
        super().__init__(where + "; ".join(problems))


class SourceError(NarrateError):
    """One summary file cannot be read; that episode is skipped, the others build."""


class EngineError(NarrateError):
    """A speech engine failed for a reason outside narrate (network, voice file, library)."""


class AudioError(NarrateError):
    """ffmpeg could not mix, measure or encode an episode."""


def write_error(
    target: object,
    error: OSError,
    folder: str = "the output folder",
    elsewhere: str = "choose another with --out",
) -> NarrateError:
    """A file narrate could not write: the reason, and what to do about it.

    ``folder`` names where the file goes and ``elsewhere`` how to put it somewhere else;
    what was published before is never touched by a failed write (see ``Output``).
    """
    reason = error.strerror or type(error).__name__
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        fix = "free some disk space and build again"
    elif error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        fix = f"make {folder} writable (or {elsewhere}) and build again"
    else:
        fix = f"check {folder} and build again"
    return NarrateError(
        f"could not write {target} ({reason}); {fix}. What was published before is unchanged."
    )
