"""Published files in object storage: S3 (or any server that speaks it), or whatever else
fsspec reaches (``memory://``, ``file://``), by key relative to one URL.

The only package that imports fsspec, s3fs and botocore (``failures`` reads botocore's
errors). Credentials, region and endpoint come
the standard way: ``AWS_ACCESS_KEY_ID``/``AWS_SECRET_ACCESS_KEY`` or a profile in the AWS
config files, and ``AWS_ENDPOINT_URL`` (botocore reads it) for a server that is not AWS.

S3 requests: every object is written by one PUT, with its ``Content-Type`` and
``Cache-Control``; ``if_absent`` sends ``If-None-Match: *`` and ``if_match`` sends
``If-Match``, so two builds publishing at once cannot overwrite each other's files unseen.
A dead server fails in seconds (short connect timeout, few retries), as one ``StorageError``.

A store is sent to Dask workers: it pickles as its URL, and makes its filesystem (with
s3fs's event loop thread) again in each process, forked or fresh.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from narrate.errors import NarrateError
from narrate.storage import failures
from narrate.storage.failures import S3_PROTOCOLS

if TYPE_CHECKING:
    from fsspec import AbstractFileSystem  # type: ignore[import-untyped]

T = TypeVar("T")

_S3_OPTIONS: dict[str, Any] = {
    # Our own instance (fsspec would share one per set of options) and no listing cache:
    # every question goes to the server, which other builds may have changed.
    "skip_instance_cache": True,
    "use_listings_cache": False,
    "config_kwargs": {
        "connect_timeout": 2,
        "read_timeout": 30,
        "retries": {"max_attempts": 2, "mode": "standard"},
        # No connection is kept open between requests: after a process forked from this
        # one has used the store, this process's next request on a connection kept open
        # from before the fork waited out the read timeout (30 s; 5 runs of 5, none with
        # this), apparently as the child's copy of the connection was closed in the epoll
        # set the two share. A request costs a new connection instead.
        "connector_args": {"force_close": True, "keepalive_timeout": None},
    },
}
"""s3fs's options: botocore tries twice (a dead server fails in about 2 s: standard mode
waits up to 2 s before its retry), and s3fs does not retry on top of it."""
_ONE_PUT = 5 * 2**30
"""The largest object one S3 PUT may write; s3fs splits larger ones into a multipart upload,
which would not carry ``If-Match``."""


def is_url(text: str) -> bool:
    """Whether ``text`` names a store rather than a folder: ``s3://bucket/podcast`` and
    ``file:///srv/podcast`` do; ``out``, ``/srv/podcast`` and ``C:/podcast`` do not (a
    scheme has two letters at least, so a Windows drive is never one)."""
    return re.match(r"[A-Za-z][A-Za-z0-9+.-]+://", text) is not None


@dataclass(frozen=True)
class ObjectInfo:
    """One stored object, as the server describes it."""

    key: str
    """Its key relative to the store's URL, e.g. ``audio/episode.mp3``."""
    size: int
    """Its length in bytes."""
    etag: str
    """What ``put(..., if_match=)`` compares: the server's ETag without its quotes (on S3,
    the MD5 of the bytes for an object written by one PUT); where the filesystem has no
    ETags (``file://``, ``memory://``), the size and modification time, as nginx makes one."""
    modified: dt.datetime
    """When it was last written (aware, UTC)."""


class StorageError(NarrateError):
    """The store could not be read or written: its URL, the cause, and what to do."""


class _Refused(NarrateError):
    """A conditional write the server refused; nothing was written. Not a ``StorageError``:
    the caller decides what it means."""

    why = ""
    """What happened to the key, and what to do (after "URL: KEY ")."""

    def __init__(self, url: str, key: str) -> None:
        super().__init__(f"{url}: {key} {self.why}")
        self.url, self.key = url, key

    def __reduce__(self) -> tuple[object, ...]:
        """Pickled whole (a Dask worker may raise it)."""
        return type(self), (self.url, self.key)


class AlreadyExists(_Refused):
    """``put(..., if_absent=True)`` found the key there: that may be fine (the same bytes
    published before) or a problem (another build's file)."""

    why = (
        "is there already, and was left as it is; another build may be publishing to the same place"
    )


class Conflict(_Refused):
    """``put(..., if_match=ETAG)`` found another version there (or none): someone else
    wrote the object since it was read, which the caller resolves (read it again, or stop)."""

    why = (
        "changed since it was read (another build published meanwhile?), and was left as it "
        "is; build again to publish on top of it"
    )


class ObjectStore:
    """Objects under one URL (``s3://bucket/prefix``, ``memory://...``, ``file:///...``),
    by key (``audio/x.mp3``, ``feeds/feed.xml``, ``.narrate/published.json``).

    Nothing connects when it is made; each call is one or two requests. Keys are relative
    POSIX paths: absolute ones and ``..`` are refused.
    """

    def __init__(self, url: str) -> None:
        scheme, colons, rest = url.partition("://")
        self.url = scheme + colons + rest.rstrip("/")
        """The URL as given (without a trailing slash): what messages name."""
        self.protocol = _protocol(self.url)
        """Its scheme, lower case (``s3``)."""
        self._fs: AbstractFileSystem | None = None
        self._root = ""
        self._pid = 0

    def __repr__(self) -> str:
        return f"ObjectStore({self.url!r})"

    def __getstate__(self) -> dict[str, Any]:
        """Only the URL travels: a filesystem holds connections and an event loop thread."""
        return {"url": self.url, "protocol": self.protocol}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.url, self.protocol = state["url"], state["protocol"]
        self._fs, self._root, self._pid = None, "", 0

    # Reading

    def read_bytes(self, key: str) -> bytes | None:
        """An object's bytes, or None when there is none at ``key``."""
        path = self._path(key)
        found: bytes | None = self._run("read", key, lambda fs: _absent_as_none(fs.cat_file, path))
        return found

    def read_range(self, key: str, start: int, end: int) -> bytes | None:
        """Bytes ``start`` to ``end`` (exclusive) of an object (fewer at its end), or None when
        there is none at ``key``: one ranged request, not the whole object."""
        path = self._path(key)
        found: bytes | None = self._run(  # the range by keyword: s3fs's 2nd is a version id
            "read",
            key,
            lambda fs: _absent_as_none(partial(fs.cat_file, start=start, end=end), path),
        )
        return found

    def info(self, key: str) -> ObjectInfo | None:
        """An object's size, ETag and time, or None when there is none at ``key``."""
        path = self._path(key)
        meta = self._run("look up", key, lambda fs: _absent_as_none(fs.info, path))
        if meta is None or meta.get("type") != "file":
            return None
        return _object_info(key, meta)

    def list(self, prefix: str = "") -> list[ObjectInfo]:
        """Every object whose key starts with ``prefix`` (``audio/``: all under it, at any
        depth), in key order."""
        _check_key(prefix, prefix=True)
        folder = prefix.rpartition("/")[0]

        def find(fs: AbstractFileSystem) -> dict[str, dict[str, Any]]:
            where = f"{self._root}/{folder}" if folder else self._root
            found = _absent_as_none(lambda: fs.find(where, detail=True))
            return found or {}

        found = self._run("list", prefix or "the objects", find)
        objects = []
        for path, meta in found.items():
            key = path[len(self._root) + 1 :]
            if key.startswith(prefix) and meta.get("type") == "file" and not key.endswith("/"):
                objects.append(_object_info(key, meta))
        return sorted(objects, key=lambda found: found.key)

    # Writing

    def put(
        self,
        key: str,
        data: bytes,
        *,
        content_type: str,
        cache_control: str | None = None,
        if_absent: bool = False,
        if_match: str | None = None,
    ) -> str:
        """Write an object in one request; returns its new ETag.

        ``if_absent``: only if there is no object at ``key`` (else ``AlreadyExists``).
        ``if_match``: only if the object there has this ETag (else ``Conflict``).
        On S3 the server decides both, atomically. Elsewhere ``if_absent`` is an exclusive
        create, but ``if_match`` is checked just before writing: enough for one writer.
        ``content_type`` and ``cache_control`` are kept only where the server keeps headers.
        """
        if if_absent and if_match is not None:
            raise ValueError("put: if_absent and if_match exclude each other")
        if len(data) >= _ONE_PUT:
            raise ValueError(f"put: {key} is too large for one PUT ({len(data)} bytes)")
        path = self._path(key)
        if self.protocol not in S3_PROTOCOLS:
            return self._put_elsewhere(key, path, data, if_absent, if_match)
        headers = {"ContentType": content_type}
        if cache_control is not None:
            headers["CacheControl"] = cache_control
        if if_match is not None:
            headers["IfMatch"] = f'"{_unquote(if_match)}"'

        def put(fs: AbstractFileSystem) -> dict[str, Any]:
            try:
                response: dict[str, Any] = fs.pipe_file(
                    path,
                    data,
                    mode="create" if if_absent else "overwrite",
                    chunksize=_ONE_PUT,  # s3fs writes below 2 x chunksize in one PUT
                    **headers,
                )
            except OSError as error:
                if if_absent and failures.precondition_failed(error):
                    raise AlreadyExists(self.url, key) from None
                if if_match is not None and (
                    failures.precondition_failed(error) or failures.code(error) == "NoSuchKey"
                ):
                    raise Conflict(self.url, key) from None
                raise
            return response

        return _unquote(str(self._run("write", key, put).get("ETag", "")))

    def delete(self, key: str) -> None:
        """Remove an object (one already gone is fine)."""
        path = self._path(key)
        self._run("delete", key, lambda fs: _absent_as_none(fs.rm_file, path))

    # Helpers

    def _put_elsewhere(
        self, key: str, path: str, data: bytes, if_absent: bool, if_match: str | None
    ) -> str:
        """``put`` on a filesystem without conditional requests or stored headers."""
        if if_match is not None:
            found = self.info(key)
            if found is None or found.etag != _unquote(if_match):
                raise Conflict(self.url, key)

        def put(fs: AbstractFileSystem) -> None:
            try:
                fs.pipe_file(path, data, mode="create" if if_absent else "overwrite")
            except FileExistsError:
                raise AlreadyExists(self.url, key) from None

        self._run("write", key, put)
        written = self.info(key)
        return written.etag if written else ""

    def _path(self, key: str) -> str:
        _check_key(key)
        self._filesystem()
        return f"{self._root}/{key}"

    def _filesystem(self) -> AbstractFileSystem:
        """This process's filesystem, made on first use (and again after a fork: the one
        made before holds the parent's event loop, whose thread the child does not have)."""
        if self._fs is None or self._pid != os.getpid():
            from fsspec.core import url_to_fs  # type: ignore[import-untyped]

            options: dict[str, Any] = {}
            if self.protocol in S3_PROTOCOLS:
                options = _S3_OPTIONS
            elif self.protocol == "file":
                options = {"auto_mkdir": True}
            try:
                fs, root = url_to_fs(self.url, **options)
            except ImportError as error:
                raise StorageError(
                    f"{self.url}: the library for {self.protocol}:// is not installed "
                    f"({error}); install narrate again with pip, or use a local folder"
                ) from None
            except (OSError, ValueError) as error:  # a filesystem that connects when made (ftp)
                raise StorageError(
                    f"{self.url}: could not open it ({type(error).__name__}: {error}); check "
                    "the URL, or use s3://bucket/prefix or a local folder"
                ) from None
            if self.protocol in S3_PROTOCOLS:
                fs.retries = 1  # s3fs's own retry loop, on top of botocore's
            self._fs, self._root, self._pid = fs, root.rstrip("/"), os.getpid()
        return self._fs

    def _run(self, verb: str, key: str, call: Callable[[AbstractFileSystem], T]) -> T:
        """``call`` on the filesystem, with every failure of the store as one error."""
        fs = self._filesystem()
        try:
            return call(fs)
        except NarrateError:
            raise
        except failures.failures(self.protocol) as error:
            raise StorageError(
                f"{self.url}: could not {verb} {key}: "
                f"{failures.explain(error, fs, self.url, self.protocol)}"
            ) from error


def _protocol(url: str) -> str:
    """The scheme of a store's URL, checked against the ones fsspec knows (without importing
    their libraries); a bucket is required for S3."""
    if not is_url(url):
        raise StorageError(f'"{url}" is not a URL; give one like s3://bucket/podcast')
    from fsspec.registry import known_implementations, registry  # type: ignore[import-untyped]

    protocol, _, rest = url.partition("://")
    protocol = protocol.lower()
    if protocol not in known_implementations and protocol not in registry:
        raise StorageError(
            f"{url}: narrate cannot publish to {protocol}:// URLs; "
            "use s3://bucket/prefix, or a local folder"
        )
    if protocol in S3_PROTOCOLS and not rest.split("/")[0]:
        raise StorageError(f"{url}: the URL names no bucket; give one like s3://bucket/podcast")
    if "?" in rest or "#" in rest:
        raise StorageError(f"{url}: a store's URL has no query or fragment; remove it")
    return protocol


def _check_key(key: str, *, prefix: bool = False) -> None:
    """Refuse a key that is not a plain relative POSIX path (a prefix may end with /)."""
    parts = key.split("/")
    if prefix and key in ("", "/"):
        return
    if prefix and key.endswith("/"):
        parts = parts[:-1]
    bad = any(part in ("", ".", "..") for part in parts)
    if bad or "\\" in key or any(ord(char) < 32 for char in key):
        raise NarrateError(f'refusing the object key "{key}": keys are relative paths')


def _absent_as_none(call: Callable[..., T], *args: Any) -> T | None:
    """``call(*args)``, or None when the object is not there (a missing bucket is an error)."""
    try:
        return call(*args)
    except FileNotFoundError as error:
        if failures.code(error) == "NoSuchBucket":
            raise
        return None


def _object_info(key: str, meta: dict[str, Any]) -> ObjectInfo:
    """An ``ObjectInfo`` from what fsspec's ``info`` or ``find`` say about one file."""
    size = int(meta["size"])
    when = meta.get("LastModified", meta.get("mtime", meta.get("created")))
    if isinstance(when, dt.datetime):
        modified = when.astimezone(dt.UTC)
    elif isinstance(when, int | float):
        modified = dt.datetime.fromtimestamp(when, dt.UTC)
    else:
        raise TypeError(f"no modification time for {key} in {meta}")  # a bug: keep it
    etag = meta.get("ETag") or meta.get("etag")
    if not etag:
        etag = f"{size:x}-{int(modified.timestamp() * 1_000_000):x}"
    return ObjectInfo(key, size, _unquote(str(etag)), modified)


def _unquote(etag: str) -> str:
    """An ETag without its quotes (and the ``W/`` of a weak one)."""
    return etag.removeprefix("W/").strip('"')
