"""Errors that reach the user: each says what happened, the probable cause and the fix.

Only ``narrate.cli`` turns them into exit codes. Anything that is not a ``NarrateError`` is a bug
and keeps its traceback.
"""

from __future__ import annotations

import errno
from collections.abc import Iterable, Sequence


class NarrateError(Exception):
    """A problem the user can fix; ``str(error)`` is one line with cause and fix."""


COMMAND_LINE = "the command line"
"""The ``source`` of problems with values typed on the command line (``--rate fast``)."""


class ConfigError(NarrateError):
    """The show file or command line is wrong; nothing is built (exit 2).

    Every problem is reported under where its value came from: ``source`` is the file (the
    show, a lexicon) or ``COMMAND_LINE``; empty when the raiser cannot know, and the command
    that loaded the show fills it in (``with_source``). One build can have problems from the
    show file and the command line at once: ``grouped`` reports them together, and
    ``sections`` holds each origin with its problems.
    """

    def __init__(self, problems: list[str], source: str = "") -> None:
        self._set({source: problems})

    @classmethod
    def grouped(cls, problems: dict[str, list[str]]) -> ConfigError:
        """One error with the problems of several origins, e.g. {show path: [...],
        COMMAND_LINE: [...]}; origins without problems are left out."""
        error = cls([])
        error._set(problems)
        return error

    def with_source(self, source: str) -> ConfigError:
        """This error, with its problems of unknown origin attributed to ``source``."""
        return ConfigError([]).plus(((where or source, found) for where, found in self.sections))

    def plus(self, more: Iterable[tuple[str, Sequence[str]]]) -> ConfigError:
        """This error and ``more`` (origin, problems) pairs, as one error: a command reports
        what is wrong with its own arguments together with the show's problems."""
        merged: dict[str, list[str]] = {}
        for where, found in (*self.sections, *more):
            merged.setdefault(where, []).extend(found)
        return ConfigError.grouped(merged)

    def __reduce__(self) -> tuple[object, ...]:
        """Pickled whole (a worker process may raise it), origins and all."""
        return ConfigError.grouped, ({where: list(found) for where, found in self.sections},)

    def _set(self, problems: dict[str, list[str]]) -> None:
        self.sections = tuple((where, tuple(found)) for where, found in problems.items() if found)
        """(origin, its problems) for each origin that has any, in the order given."""
        self.problems = [problem for _, found in self.sections for problem in found]
        self.source = self.sections[0][0] if self.sections else ""
        self.args = (
            "; ".join(
                (f"{where}: " if where else "") + "; ".join(found) for where, found in self.sections
            ),
        )


class SourceError(NarrateError):
    """One summary file cannot be read; that episode is skipped, the others build."""


class EngineError(NarrateError):
    """A speech engine failed for a reason outside narrate (network, voice file, library)."""


class WeightError(NarrateError):
    """A model file is missing, cannot be made, or is not the file narrate was made for.

    Not an ``EngineError``: an engine that wants the fallback voice to speak instead (no npm,
    no network) turns it into one; the recognizer reports it as it is.
    """


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
