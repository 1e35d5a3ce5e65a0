"""The only writer of the output folders. Every write is atomic: a reader (or a podcast app)
sees the old file or the new one, never half of one.

Layout under the output root: ``audio/`` (each MP3 and the files beside it), ``feeds/feed.xml``,
``artwork/``, the pages (``index.html``, ``episodes/SLUG/``, ``assets/``), and ``.narrate/``
(the record of published episodes, which keeps guids and episodes across builds, the lock
and the artwork drawn; never published).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from narrate.errors import NarrateError, write_error
from narrate.models import Chapter, ProducedEpisode, PublishedEpisode
from narrate.processes import process_alive

STATE_DIR = ".narrate"
_PUBLIC = 0o644
"""Published files are world-readable, as a web server needs them to be."""
STATE_FILE = "published.json"
RETIRED = f"{STATE_DIR}/retired.json"
"""Files that left the feed, with when: deleted once ``keep_old_days`` have passed."""


def _moment(text: object) -> dt.datetime | None:
    try:
        return dt.datetime.fromisoformat(str(text)) if text else None
    except ValueError:
        return None


def episode_dir(slug: str) -> str:
    """Where an episode's web pages live, relative to the output root."""
    return f"episodes/{slug}/"


class Output:
    """One output root: a local folder (this class) or a URL (``narrate.publish.remote``).

    The build reads and writes published files only through the methods here, by path
    relative to the root, so it publishes the same way to either.
    """

    def __init__(self, root: Path, keep_old_days: float = 7.0) -> None:
        self.root = root
        self.keep_old_days = keep_old_days
        """Days a file stays after the feed stopped listing it (``retire``)."""

    remote = False
    """Whether the root is object storage (episode files get content-versioned names)."""

    def location(self, relative: str = "") -> str:
        """A published file (default: the root), as a user would name it."""
        return str(self.path(relative)) if relative else str(self.root)

    def size(self, relative: str) -> int | None:
        """The size of a published file, or None when it is not there."""
        try:
            found = self.path(relative).stat()
        except OSError:
            return None
        return found.st_size if stat.S_ISREG(found.st_mode) else None

    def read_bytes(self, relative: str) -> bytes | None:
        """A published file's bytes, or None when it is not there or cannot be read."""
        try:
            return self.path(relative).read_bytes()
        except OSError:
            return None

    def names(self, folder: str) -> list[str]:
        """The files directly in ``folder`` (relative to the root), by name."""
        try:
            return [p.name for p in self.path(folder).iterdir() if p.is_file()]
        except OSError:
            return []

    def delete(self, relative: str) -> None:
        """Remove a file no feed needs any more (one already gone is fine)."""
        self.path(relative).unlink(missing_ok=True)

    def retire(self, paths: list[str]) -> None:
        """Delete the files no feed lists any more (the new feed is out) once
        ``keep_old_days`` have passed since they left it; until then they stay, for a podcast
        app that read the feed before and downloads now (when they left is kept in
        ``.narrate/retired.json``)."""
        now = dt.datetime.now(dt.UTC)
        try:
            since = json.loads(self.read_bytes(RETIRED) or b"{}")
        except ValueError:
            since = {}
        kept: dict[str, str] = {}
        for path in paths:
            left = _moment(since.get(path)) or now
            if (now - left).total_seconds() >= self.keep_old_days * 86400:
                self.delete(path)
            else:
                kept[path] = left.isoformat()
        if kept != since:
            self.write_bytes(RETIRED, json.dumps(kept, indent=1, sort_keys=True).encode())

    def published_elsewhere(self, episode: PublishedEpisode) -> None:
        """Another process (a cluster's worker) published ``episode``'s files: this one
        learns they are there (a folder needs nothing: it looks each time)."""

    def publish_episode(self, produced: ProducedEpisode) -> PublishedEpisode:
        """Write an episode's files in their order (the MP3 last); returns its record."""
        for path, data in produced.files:
            self.write_bytes(path, data)
        return produced.episode

    def write_feed(self, relative: str, text: str) -> str:
        """Publish the feed, last; returns where it is."""
        return str(self.write_text(relative, text))

    def path(self, relative: str) -> Path:
        """Absolute path of an output file; refuses anything that would land outside the root."""
        pure = PurePosixPath(relative)
        if pure.is_absolute() or ".." in pure.parts:
            raise NarrateError(f'refusing to write "{relative}" outside the output folder')
        return self.root.joinpath(*pure.parts)

    @contextlib.contextmanager
    def lock(self, wait: Callable[[str], None] | None = None) -> Iterator[None]:
        """Hold the output folder for one build at a time.

        An advisory ``flock`` on ``.narrate/lock``: the kernel releases it when the holder
        exits, however it exits, so a crashed build never blocks the next one. A second build
        waits (``wait`` is told why) until the first is done.
        """
        import fcntl

        folder = self.root / STATE_DIR
        try:
            folder.mkdir(parents=True, exist_ok=True)
            handle = open(folder / "lock", "a+b", buffering=0)  # noqa: SIM115
        except OSError as error:
            raise write_error(folder / "lock", error) from None
        with handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                if wait:
                    wait(_holder(handle.read().decode("utf-8", "replace"), self.root))
                fcntl.flock(handle, fcntl.LOCK_EX)
            # Who holds it is only a note for a waiting build: a full disk may refuse it.
            with contextlib.suppress(OSError):
                handle.truncate(0)
                handle.write(f"pid {os.getpid()}".encode())
            try:
                yield
            finally:
                with contextlib.suppress(OSError):
                    handle.truncate(0)
                fcntl.flock(handle, fcntl.LOCK_UN)

    def clean_up(self) -> int:
        """Remove what an interrupted build left behind: staged files, half-written temporaries.

        Only narrate's own leftovers are touched (``.NAME.*.tmp`` files beside published
        files, and the staging folder where earlier versions mixed episodes); returns how
        many were removed.
        """
        removed = 0
        staging = self.root / STATE_DIR / "staging"
        leftovers = list(staging.glob("*")) if staging.is_dir() else []
        for folder in [self.root, *(p for p in self.root.rglob("*") if p.is_dir())]:
            leftovers += [p for p in folder.glob(".*.tmp") if p.is_file()]
        for path in leftovers:
            with contextlib.suppress(OSError):
                path.unlink()
                removed += 1
        return removed

    def write_text(self, relative: str, text: str) -> Path:
        """Write a UTF-8 text file atomically; see ``write_bytes``."""
        return self.write_bytes(relative, text.encode("utf-8"))

    def write_bytes(self, relative: str, data: bytes) -> Path:
        """Write a file atomically (temporary file, fsync, rename).

        A file that already holds exactly ``data`` is left alone, modification time and all,
        so a rebuild that changes nothing rewrites nothing.
        """
        target = self.path(relative)
        try:
            if target.stat().st_size == len(data) and target.read_bytes() == data:
                return target
        except OSError:
            pass
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        except OSError as error:
            raise write_error(target, error) from None
        try:
            with os.fdopen(fd, "wb") as handle:
                _write_file(handle, data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, _PUBLIC)  # mkstemp makes 0600; a web server must read what we publish
            os.replace(tmp, target)
        except OSError as error:
            Path(tmp).unlink(missing_ok=True)
            raise write_error(target, error) from None
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        _fsync_dir(target.parent)
        return target

    def load_published(
        self, feed_url: str, *, intact_only: bool = True
    ) -> dict[str, PublishedEpisode]:
        """Episodes this feed published in earlier builds, by slug; with ``intact_only``, only
        those whose MP3 is still there at its recorded size.

        Another show that wrote to the same folder before is not this feed's history.
        """
        try:
            raw = json.loads(self.read_bytes(f"{STATE_DIR}/{STATE_FILE}") or b"")
        except ValueError:
            return {}
        if not isinstance(raw, dict) or raw.get("feed_url") != feed_url:
            return {}
        found: dict[str, PublishedEpisode] = {}
        for item in raw.get("episodes", []):
            try:
                episode = _episode_from_json(item)
                size = self.size(episode.audio_file)
            except (KeyError, TypeError, ValueError, NarrateError):
                continue
            if size == episode.length_bytes or not intact_only:
                found[episode.slug] = episode
        return found

    def save_published(self, feed_url: str, episodes: list[PublishedEpisode]) -> None:
        """Record what the feed now lists."""
        data = {"feed_url": feed_url, "episodes": [_episode_to_json(e) for e in episodes]}
        self.write_text(f"{STATE_DIR}/{STATE_FILE}", json.dumps(data, indent=1, sort_keys=True))


def _episode_to_json(episode: PublishedEpisode) -> dict[str, Any]:
    data = asdict(episode)
    data["date"] = episode.date.isoformat()
    return data


def _episode_from_json(data: dict[str, Any]) -> PublishedEpisode:
    fields = dict(data)
    fields["date"] = dt.date.fromisoformat(fields["date"])
    fields["chapters"] = tuple(Chapter(**c) for c in fields["chapters"])
    return PublishedEpisode(**fields)


def _write_file(handle: BinaryIO, data: bytes) -> None:
    """The one place bytes reach the disk (tests replace it to simulate a full disk)."""
    handle.write(data)


def _holder(note: str, root: Path) -> str:
    """What a build waiting for ``root``'s lock is told, from the note its holder left."""
    pid = note.strip().removeprefix("pid ")
    if pid.isdigit() and not process_alive(int(pid)):
        # An older narrate's workers outlived their build (this one's never do).
        return (f"the build of {root} by pid {pid} has ended, but processes it started still "
                f"hold the folder; waiting for them (stop them to go on now)")  # fmt: skip
    return (
        f"another build of {root} is running ({note.strip() or 'another process'}); waiting for it"
    )


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
