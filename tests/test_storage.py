"""narrate.storage against a real S3 server (SeaweedFS, tests/s3server.py), and
against fsspec's memory and local filesystems."""

from __future__ import annotations

import hashlib
import os
import pickle
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from narrate.errors import NarrateError
from narrate.storage import (
    AlreadyExists,
    Conflict,
    ObjectStore,
    StorageError,
    is_url,
)
from tests import s3server as s3
from tests.conftest import run_narrate, write_show
from tests.s3server import S3Server, listening, s3_server

REPO = Path(__file__).resolve().parent.parent
MP3 = b"ID3" + bytes(range(256)) * 40
"""Bytes enough for a range request to mean something (10 kB)."""


@pytest.fixture
def aws(s3server: S3Server, monkeypatch: pytest.MonkeyPatch) -> S3Server:
    """The server's client environment, and no AWS files of the machine's."""
    for name, value in s3server.env().items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # never ask a metadata service
    return s3server


@pytest.fixture
def store(aws: S3Server, request: pytest.FixtureRequest) -> ObjectStore:
    """A store under a prefix of the test's own in the server's bucket."""
    return ObjectStore(aws.url(f"{request.node.name.replace('[', '-').strip(']')}/"))


def presigned(server: S3Server, store: ObjectStore, key: str) -> str:
    """A URL anyone may GET the object at for a minute (the bucket itself is private)."""
    client = server.client()
    prefix = store.url.removeprefix(f"s3://{server.bucket}/")
    params = {"Bucket": server.bucket, "Key": f"{prefix}/{key}"}
    return str(client.generate_presigned_url("get_object", Params=params, ExpiresIn=60))


def test_round_trip(store: ObjectStore) -> None:
    etag = store.put("audio/one.mp3", MP3, content_type="audio/mpeg")
    assert store.read_bytes("audio/one.mp3") == MP3
    assert etag == hashlib.md5(MP3).hexdigest()  # SeaweedFS's ETag: the MD5, like S3's
    assert store.read_bytes("audio/two.mp3") is None
    assert store.read_range("audio/one.mp3", 3, 10) == MP3[3:10]  # one ranged request
    assert store.read_range("audio/one.mp3", 0, len(MP3) + 99) == MP3
    assert store.read_range("audio/two.mp3", 0, 10) is None


def test_served_with_its_headers_and_ranges(aws: S3Server, store: ObjectStore) -> None:
    """What a podcast app gets: the type, the caching and a 206 for a range."""
    store.put("audio/one.mp3", MP3, content_type="audio/mpeg", cache_control="max-age=300")
    url = presigned(aws, store, "audio/one.mp3")
    with urllib.request.urlopen(url, timeout=10) as whole:
        assert whole.status == 200 and whole.read() == MP3
        assert whole.headers["Content-Type"] == "audio/mpeg"
        assert whole.headers["Cache-Control"] == "max-age=300"
    ranged = urllib.request.Request(url, headers={"Range": "bytes=0-99"})
    with urllib.request.urlopen(ranged, timeout=10) as part:
        assert part.status == 206
        assert part.read() == MP3[:100]
        assert part.headers["Content-Range"] == f"bytes 0-99/{len(MP3)}"
        assert part.headers["Content-Type"] == "audio/mpeg"


def test_if_absent_leaves_what_is_there(store: ObjectStore) -> None:
    store.put("feeds/feed.xml", b"<rss>old</rss>", content_type="application/rss+xml")
    with pytest.raises(AlreadyExists) as caught:
        store.put("feeds/feed.xml", b"<rss>new</rss>", content_type="text/xml", if_absent=True)
    assert store.read_bytes("feeds/feed.xml") == b"<rss>old</rss>"
    assert str(caught.value).startswith(store.url + ": feeds/feed.xml is there already")
    assert pickle.loads(pickle.dumps(caught.value)).key == "feeds/feed.xml"
    store.put("feeds/other.xml", b"<rss/>", content_type="text/xml", if_absent=True)
    assert store.read_bytes("feeds/other.xml") == b"<rss/>"


def test_if_match_writes_only_over_the_version_read(store: ObjectStore) -> None:
    first = store.put(".narrate/published.json", b"{}", content_type="application/json")
    second = store.put(
        ".narrate/published.json", b'{"a": 1}', content_type="application/json", if_match=first
    )
    assert second != first
    with pytest.raises(Conflict):
        store.put(".narrate/published.json", b"{}", content_type="text/plain", if_match=first)
    assert store.read_bytes(".narrate/published.json") == b'{"a": 1}'
    store.delete(".narrate/published.json")
    with pytest.raises(Conflict):
        store.put(".narrate/published.json", b"{}", content_type="text/plain", if_match=second)
    assert store.read_bytes(".narrate/published.json") is None


def test_a_bad_request_is_not_taken_for_an_existing_key(
    store: ObjectStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """s3fs gives a 412 and a 400 the same OSError(EINVAL): only the 412 means "there"."""
    import s3fs

    call = s3fs.S3FileSystem._call_s3

    async def wrong_digest(self: s3fs.S3FileSystem, method: str, *args: object, **kw: object):
        if method == "put_object":
            kw["ContentMD5"] = "AAAAAAAAAAAAAAAAAAAAAA=="  # the server answers 400 BadDigest
        return await call(self, method, *args, **kw)

    monkeypatch.setattr(s3fs.S3FileSystem, "_call_s3", wrong_digest)
    with pytest.raises(StorageError, match="400 BadDigest") as caught:
        store.put("audio/one.mp3", MP3, content_type="audio/mpeg", if_absent=True)
    assert not isinstance(caught.value, AlreadyExists)
    monkeypatch.undo()
    assert store.read_bytes("audio/one.mp3") is None


def test_list_and_info(store: ObjectStore) -> None:
    keys = ["audio/a.mp3", "audio/deep/b.vtt", "audiobook.txt", "feeds/feed.xml"]
    etags = {key: store.put(key, key.encode() * 3, content_type="text/plain") for key in keys}
    before = time.time()
    audio = store.list("audio/")
    assert [found.key for found in audio] == ["audio/a.mp3", "audio/deep/b.vtt"]
    for found in audio:
        assert found.size == len(found.key) * 3
        assert found.etag == etags[found.key] == store.info(found.key).etag  # type: ignore[union-attr]
        assert found.modified.utcoffset() is not None
        assert abs(found.modified.timestamp() - before) < 120
    assert [found.key for found in store.list()] == sorted(keys)
    assert [found.key for found in store.list("audio")] == keys[:3]
    assert store.list("nothing/") == []
    assert store.info("audio") is None  # a "folder" is no object
    assert store.info("audio/c.mp3") is None


def test_delete(store: ObjectStore) -> None:
    store.put("audio/a.mp3", MP3, content_type="audio/mpeg")
    store.delete("audio/a.mp3")
    assert store.read_bytes("audio/a.mp3") is None and store.info("audio/a.mp3") is None
    assert store.list("audio/") == []
    store.delete("audio/a.mp3")  # already gone: fine


@pytest.mark.parametrize("key", ["/etc/passwd", "../x", "audio/../../x", "a//b", "./a", ""])
def test_keys_stay_under_the_url(key: str) -> None:
    store = ObjectStore("memory://narrate-test-keys")
    with pytest.raises(NarrateError, match="refusing"):
        store.put(key, b"x", content_type="text/plain")


def test_pickled_into_a_fresh_process(aws: S3Server, store: ObjectStore) -> None:
    store.put("audio/a.mp3", MP3, content_type="audio/mpeg")  # its filesystem made here
    sent = pickle.dumps(store)
    assert len(sent) < 300  # the URL, not a client
    script = (
        "import pickle, sys; store = pickle.load(sys.stdin.buffer); "
        "store.put('audio/b.mp3', store.read_bytes('audio/a.mp3')[::-1], content_type='x/y'); "
        "print(store.info('audio/b.mp3').size)"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        input=sent,
        capture_output=True,
        timeout=60,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode().strip() == str(len(MP3))
    assert store.read_bytes("audio/b.mp3") == MP3[::-1]


def test_used_in_a_forked_process(store: ObjectStore) -> None:
    """A child forked after the parent used the store: s3fs's loop thread is not copied
    (the child makes its own filesystem), and the parent's next request is not held up
    (with connections kept open across the fork, it waited 30 s, in most runs after other
    tests)."""
    store.put("audio/a.mp3", MP3, content_type="audio/mpeg")
    child = os.fork()
    if child == 0:  # pragma: no cover - the child
        try:
            ok = store.read_bytes("audio/a.mp3") == MP3
            store.put("audio/from-child.mp3", b"child", content_type="audio/mpeg")
        except BaseException:
            ok = False
        os._exit(0 if ok else 1)
    deadline = time.monotonic() + 30
    while (status := os.waitpid(child, os.WNOHANG))[0] == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    if status[0] == 0:
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)
        pytest.fail("the forked child hung using the store")
    assert os.waitstatus_to_exitcode(status[1]) == 0
    started = time.monotonic()
    assert store.read_bytes("audio/from-child.mp3") == b"child"
    assert time.monotonic() - started < 5  # the child left this process's connections be


@pytest.fixture
def dead_endpoint(aws: S3Server, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A port on 127.0.0.1 that nothing listens on."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    endpoint = f"http://127.0.0.1:{port}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    yield endpoint


def test_an_unreachable_server_is_one_line_in_seconds(dead_endpoint: str) -> None:
    store = ObjectStore("s3://narrate-test/show")  # nothing connects yet
    for attempt in (
        lambda: store.read_bytes("feeds/feed.xml"),
        lambda: store.put("feeds/feed.xml", b"<rss/>", content_type="application/rss+xml"),
    ):
        started = time.monotonic()
        with pytest.raises(StorageError) as caught:
            attempt()
        assert time.monotonic() - started < 10
        message = str(caught.value)
        assert "\n" not in message
        assert message.startswith("s3://narrate-test/show: could not ")
        assert f"the storage server at {dead_endpoint} did not answer" in message
        assert "(connection refused); check AWS_ENDPOINT_URL" in message


def test_a_missing_bucket_is_named(aws: S3Server) -> None:
    store = ObjectStore("s3://no-such-bucket/show")
    expected = f'there is no bucket "no-such-bucket" at {aws.endpoint}; create it'
    for attempt in (
        lambda: store.read_bytes("feeds/feed.xml"),
        lambda: store.info("feeds/feed.xml"),
        lambda: store.list("audio/"),
        lambda: store.delete("audio/a.mp3"),
        lambda: store.put("feeds/feed.xml", b"<rss/>", content_type="application/rss+xml"),
    ):
        with pytest.raises(StorageError, match=expected):
            attempt()


def test_wrong_or_missing_credentials(store: ObjectStore, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret")
    wrong = ObjectStore(store.url)
    with pytest.raises(StorageError, match=r"refused the credentials \(SignatureDoesNotMatch\)"):
        wrong.put("a", b"x", content_type="text/plain")
    with pytest.raises(StorageError, match=r"access denied \(403\)"):
        wrong.read_bytes("a")  # a HEAD's 403 has no body to say why
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    with pytest.raises(StorageError, match="no credentials were found; set AWS_ACCESS_KEY_ID"):
        ObjectStore(store.url).read_bytes("a")


@pytest.mark.parametrize(
    ("text", "url"),
    [
        ("s3://bucket/podcast", True),
        ("file:///srv/podcast", True),
        ("memory://x", True),
        ("gs://bucket", True),
        ("out", False),
        ("/srv/podcast", False),
        ("C:/podcast", False),
        ("C:\\podcast", False),
        ("c://podcast", False),
        ("./s3://x", False),
    ],
)
def test_is_url(text: str, url: bool) -> None:
    assert is_url(text) is url


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("s3://", "names no bucket"),
        ("nosuchscheme://x/y", "cannot publish to nosuchscheme://"),
        ("s3://b/p?versionId=1", "no query"),
        ("out/folder", "is not a URL"),
    ],
)
def test_urls_refused_when_made(url: str, problem: str) -> None:
    with pytest.raises(StorageError, match=problem):
        ObjectStore(url)


@pytest.mark.parametrize("scheme", ["memory", "file"])
def test_other_filesystems(scheme: str, tmp_path: Path) -> None:
    """The same calls where fsspec has no ETags or headers: the store makes its own ETags."""
    url = f"memory://narrate-test-{os.getpid()}/show" if scheme == "memory" else tmp_path.as_uri()
    store = pickle.loads(pickle.dumps(ObjectStore(url)))
    etag = store.put("audio/a.mp3", MP3, content_type="audio/mpeg")
    assert store.read_bytes("audio/a.mp3") == MP3
    assert store.read_range("audio/a.mp3", 3, 10) == MP3[3:10]
    assert store.info("audio/a.mp3") == store.list("audio/")[0]
    assert store.list("audio/")[0].etag == etag and store.list("audio/")[0].size == len(MP3)
    with pytest.raises(AlreadyExists):
        store.put("audio/a.mp3", b"new", content_type="audio/mpeg", if_absent=True)
    with pytest.raises(Conflict):
        store.put("audio/a.mp3", b"new", content_type="audio/mpeg", if_match="stale")
    store.put("audio/a.mp3", b"new", content_type="audio/mpeg", if_match=etag)
    assert store.read_bytes("audio/a.mp3") == b"new"
    store.delete("audio/a.mp3")
    store.delete("audio/a.mp3")
    assert store.info("audio/a.mp3") is None and store.read_bytes("audio/a.mp3") is None


def test_a_url_whose_filesystem_cannot_be_opened_is_one_line() -> None:
    """fsspec's ftp connects when it is made: a refused connection is a StorageError, as a
    store's other failures are, not a traceback."""
    with pytest.raises(StorageError) as raised:
        ObjectStore("ftp://127.0.0.1:9/show").read_bytes("feeds/feed.xml")
    assert str(raised.value).startswith("ftp://127.0.0.1:9/show: could not open it (")
    assert str(raised.value).endswith("check the URL, or use s3://bucket/prefix or a local folder")


def test_a_show_published_to_a_file_url_builds_and_passes_the_check(tmp_path: Path) -> None:
    """Any fsspec URL: ``file://`` too (the check skipped no page folder the feed links)."""
    (tmp_path / "s.md").write_text("---\ntitle: S\ndate: 2026-01-01\n---\nA short one.\n")
    show = write_show(tmp_path, [{"file": '"s.md"'}], voice='{ engine = "tone" }')
    url = (tmp_path / "published").as_uri()
    built = run_narrate("build", "--show", show, "--publish", url, "--cache-dir", tmp_path / "c")
    assert built.code == 0, built.stderr
    assert (tmp_path / "published" / "feeds" / "feed.xml").is_file()
    checked = run_narrate("check", show, "--publish", url)
    assert checked.code == 0, checked.stderr


def test_the_server_listens_on_loopback_only(s3server: S3Server) -> None:
    found = listening(s3server.pid)
    assert ("127.0.0.1", int(s3server.endpoint.rpartition(":")[2])) in found
    assert len(found) == 10  # five services, an HTTP and a gRPC port each
    assert {address for address, _ in found} == {"127.0.0.1"}


def test_the_server_leaves_nothing_behind() -> None:
    """Its folder and its socket files (those fixed in /tmp too) go when it stops."""
    with s3_server(bucket="another") as server:
        sockets = s3._unix_sockets(server.pid)
        assert any(path.parent == Path("/tmp") for path in sockets)
        assert all(path.exists() for path in sockets)
    assert not server.folder.exists()
    assert not [path for path in sockets if path.exists()]
    with pytest.raises(ProcessLookupError):
        os.kill(server.pid, 0)
