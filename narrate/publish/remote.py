"""Publishing to object storage (``--publish s3://bucket/prefix``, or any fsspec URL), with
the promises a folder keeps: nothing half-written, the public feed valid at every moment, an
episode's guid and URL never changed.

The order of a publish:

1. each episode's MP3 and the files beside it, under new keys named by the MP3's content
   (``audio/SLUG.0123456789ab.mp3``): created, never overwritten (a key that exists already
   holds these very bytes), uploaded by whichever process produced the episode;
2. the cover and the pages (short ``Cache-Control``: they change);
3. the feed, only if it is still the version this build started from (``If-Match`` on its
   ETag; create-only for a first publish): of two publishers at once, one stops here with a
   clear error and the public feed is the other's, whole;
4. the build state (``.narrate/``: keep it private), which keeps every guid and number.

Old revisions are deleted only ``keep_old_days`` after they left the feed, so a podcast app
halfway through a download never gets a 404. A rebuild that changes nothing uploads nothing:
files whose bytes the store already holds (by ETag) are not sent again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import html
import json
import mimetypes
import re
import tempfile
from collections.abc import Collection, Iterator
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import Any

from narrate.audio.tagging import tag_length
from narrate.config import Settings
from narrate.errors import NarrateError
from narrate.models import ProducedEpisode, PublishedEpisode
from narrate.publish import layout
from narrate.publish.output import STATE_DIR, STATE_FILE, Output
from narrate.storage import AlreadyExists, Conflict, ObjectInfo, ObjectStore

IMMUTABLE = "public, max-age=31536000, immutable"
"""An episode's files: their keys are named by their content, so they never change."""
SHORT = "public, max-age=300"
"""Pages, the cover and the feed: they change when episodes are added or rebuilt."""
PRIVATE = "no-store"
"""The build's own state."""


def content_type(key: str) -> str:
    """The Content-Type a published file is served with.

    "audio/x.0123456789ab.mp3" -> "audio/mpeg"; "feeds/feed.xml" -> "application/rss+xml".
    """
    episode_file = layout.media_type(key) if key.startswith("audio/") else None
    suffix = PurePosixPath(key).suffix
    return (episode_file or layout.TYPES.get(suffix) or mimetypes.guess_type(key)[0]
            or "application/octet-stream")  # fmt: skip


def versioned_name(audio_file: str, slug: str, mp3: bytes) -> str:
    """The MP3's key, named by its content: "audio/SLUG.0123456789ab.mp3"."""
    digest = hashlib.sha256(mp3).hexdigest()[:12]
    return f"{PurePosixPath(audio_file).parent}/{slug}.{digest}{layout.AUDIO_SUFFIX}"


class RemoteOutput(Output):
    """An output root at a URL. The store is listed once, when the build starts (``lock``):
    sizes, ETags, and the feed's version this build may replace."""

    remote = True

    def __init__(self, url: str, keep_old_days: float = 7.0, feed_file: str = "") -> None:
        super().__init__(Path("."), keep_old_days)
        self.url = url.rstrip("/")
        self.store = ObjectStore(self.url)
        self.feed_file = feed_file
        self._listing: dict[str, ObjectInfo] | None = None
        self._feed_etag: str | None = None

    def __getstate__(self) -> dict[str, Any]:
        # A worker uploads its episode's files with its own connection and no listing.
        state = dict(self.__dict__)
        state["_listing"] = None
        return state

    def path(self, relative: str) -> Path:
        raise NarrateError(
            f"{self.location(relative)}: this command reads an output folder; give --out FOLDER"
        )

    def location(self, relative: str = "") -> str:
        return f"{self.url}/{_key(relative)}" if relative else self.url

    @contextlib.contextmanager
    def lock(self, wait: Any = None) -> Iterator[None]:
        """No lock on a store: two publishers may run at once, and the feed's ETag decides
        which one publishes (see ``write_feed``). Lists the store now."""
        self._listed()
        yield

    def clean_up(self) -> int:
        return 0  # a store has no half-written objects: a PUT is whole or not at all

    def _listed(self) -> dict[str, ObjectInfo]:
        if self._listing is None:
            self._listing = {info.key: info for info in self.store.list("")}
            feed = self._listing.get(self.feed_file) if self.feed_file else None
            self._feed_etag = feed.etag if feed else None
        return self._listing

    def size(self, relative: str) -> int | None:
        info = self._listed().get(_key(relative))
        return info.size if info else None

    def read_bytes(self, relative: str) -> bytes | None:
        if self._listing is not None and _key(relative) not in self._listing:
            return None  # not there when the build started, nor written since
        return self.store.read_bytes(_key(relative))

    def names(self, folder: str) -> list[str]:
        prefix = _key(folder).rstrip("/") + "/"
        return [
            key[len(prefix) :]
            for key in self._listed()
            if key.startswith(prefix) and "/" not in key[len(prefix) :]
        ]

    def delete(self, relative: str) -> None:
        self.store.delete(_key(relative))
        self._listed().pop(_key(relative), None)

    def write_bytes(self, relative: str, data: bytes) -> Path:
        key = _key(relative)
        cache = PRIVATE if key.startswith(f"{STATE_DIR}/") else SHORT
        self._put(key, data, cache)
        return Path(relative)

    def _put(self, key: str, data: bytes, cache: str, **condition: Any) -> None:
        """Upload ``data`` unless the store already holds these bytes at ``key``."""
        known = self._listing.get(key) if self._listing is not None else None
        if known and known.size == len(data) and _same(known.etag, data):
            return
        etag = self.store.put(key, data, content_type=content_type(key), cache_control=cache,
                              **condition)  # fmt: skip
        if self._listing is not None:
            self._listing[key] = ObjectInfo(key, len(data), etag, dt.datetime.now(dt.UTC))

    def publish_episode(self, produced: ProducedEpisode) -> PublishedEpisode:
        """Upload an episode's files under keys named by the MP3's content, the files beside
        it first; returns its record, naming the new key."""
        episode = produced.episode
        mp3 = dict(produced.files)[episode.audio_file]
        audio_file = versioned_name(episode.audio_file, episode.slug, mp3)
        stem, new_stem = (f.removesuffix(layout.AUDIO_SUFFIX) for f in (episode.audio_file,
                                                                         audio_file))  # fmt: skip
        for path, data in produced.files:
            if path.startswith(stem + "."):
                key = new_stem + path[len(stem) :]
                with contextlib.suppress(AlreadyExists):  # named by content: the same bytes
                    self._put(key, data, IMMUTABLE, if_absent=True)
            else:
                self.write_bytes(path, data)  # the episode's own artwork
        return replace(episode, audio_file=audio_file)

    def published_elsewhere(self, episode: PublishedEpisode) -> None:
        files = [episode.audio_file]
        files += [layout.sidecar(episode.audio_file, file) for file in layout.SIDECARS]
        for key in [*files, episode.image] if episode.image else files:
            if (info := self.store.info(_key(key))) is not None:
                self._listed()[info.key] = info

    def write_feed(self, relative: str, text: str) -> str:
        """Replace the feed only if it is still the version this build started from."""
        key, data = _key(relative), text.encode("utf-8")
        self._listed()
        condition: dict[str, Any] = (
            {"if_match": self._feed_etag} if self._feed_etag else {"if_absent": True}
        )
        try:
            self._put(key, data, SHORT, **condition)
        except (Conflict, AlreadyExists):
            raise NarrateError(
                f"{self.location(relative)}: another build published this feed while this one "
                "ran, so this one stops before replacing it (the public feed is the other "
                "build's, whole; this build's episodes are uploaded); run narrate build again "
                "to list them"
            ) from None
        return self.location(relative)


@contextlib.contextmanager
def mirror(
    settings: Settings, state: bool = False, measure: Collection[str] | None = None
) -> Iterator[tuple[Path, list[str]]]:
    """The show published at ``settings.publish``, copied into a temporary folder for the
    commands that read a folder (``check``, ``verify``): the feed and every file it links to
    under the show's ``base_url`` (with ``state``, the build's record too). Yields the folder
    and what could not be read (the feed missing: one line, with the fix).

    ``measure`` names the MP3s (``audio/...``) to copy whole; None: all. Of the others only
    the ID3 tag is read (a ranged request), and the copy is that tag at the MP3's full size
    (the rest of it sparse, never downloaded): all a build's own check reads of an episode it
    did not just encode, so a show of hundreds of episodes is not downloaded by every build."""
    remote = RemoteOutput(settings.publish, feed_file=settings.show.feed_file)
    with tempfile.TemporaryDirectory(prefix="narrate-published-") as folder:
        root = Path(folder)
        feed = remote.read_bytes(settings.show.feed_file)
        if feed is None:
            yield root, [f"{remote.location(settings.show.feed_file)}: no feed here; run "
                         f"narrate build --publish {remote.url} first"]  # fmt: skip
            return
        base = settings.show.base_url
        text = feed.decode("utf-8", "replace")
        linked = {html.unescape(m) for m in re.findall(rf"{re.escape(base)}([^\s\"'<>#?]+)", text)}
        keys = {key for key in linked if not key.endswith("/")}  # not the pages' folders
        if state and (record := remote.read_bytes(f"{STATE_DIR}/{STATE_FILE}")) is not None:
            keys.add(f"{STATE_DIR}/{STATE_FILE}")
            # Every episode the state records, with every file beside it (the feed does not
            # link the word timings the recognizer's report needs).
            for audio in _recorded_audio(record):
                keys |= {audio, *(layout.sidecar(audio, file) for file in layout.SIDECARS)}
        (root / settings.show.feed_file).parent.mkdir(parents=True, exist_ok=True)
        (root / settings.show.feed_file).write_bytes(feed)
        mp3s = {key for key in keys if key.endswith(".mp3")}
        tagged = set() if measure is None else mp3s - set(measure)
        sizes = {i.key: i.size for i in remote.store.list("audio/")} if tagged else {}
        for key in sorted(keys):
            if key in tagged:
                _mirror_tag(remote.store, _key(key), sizes.get(key), root / key)
                continue
            data = remote.read_bytes(_key(key))
            if data is not None:
                (root / key).parent.mkdir(parents=True, exist_ok=True)
                (root / key).write_bytes(data)
        yield root, []


_TAG_FIRST_READ = 256 * 1024
"""How much of an MP3 is read first for its tag: the whole tag of most episodes, cover art
included; a larger tag takes one more request."""


def _mirror_tag(store: ObjectStore, key: str, size: int | None, target: Path) -> None:
    """``target``: the ID3 tag of the MP3 at ``key``, at the MP3's full ``size`` (the rest a
    hole); nothing if there is no such MP3."""
    if size is None:  # not listed under audio/: asked for alone
        size = info.size if (info := store.info(key)) is not None else None
    if size is None:
        return
    head = store.read_range(key, 0, min(size, _TAG_FIRST_READ))
    if head is None:
        return
    length = tag_length(head)
    if length > len(head):
        head += store.read_range(key, len(head), length) or b""
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "wb") as copy:
        copy.write(head[:length] if length else head)
        copy.truncate(size)


def _recorded_audio(record: bytes) -> list[str]:
    """The MP3 of every episode a build state records (none, if it cannot be read)."""
    try:
        episodes = json.loads(record).get("episodes", [])
        return [str(e["audio_file"]) for e in episodes if isinstance(e, dict) and "audio_file" in e]
    except (ValueError, AttributeError):
        return []


def _same(etag: str, data: bytes) -> bool:
    """Whether an object's ETag says it holds ``data`` (a single-part upload's ETag is the
    MD5 of its bytes)."""
    return etag.strip('"') == hashlib.md5(data, usedforsecurity=False).hexdigest()


def _key(relative: str) -> str:
    pure = PurePosixPath(relative)
    if pure.is_absolute() or ".." in pure.parts:
        raise NarrateError(f'refusing to publish "{relative}" outside the output URL')
    return pure.as_posix()
