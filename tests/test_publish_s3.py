"""--publish s3://...: a show published to a real S3 server (SeaweedFS on 127.0.0.1, started
by the ``s3server`` fixture), read back over HTTP as a podcast app reads it.

The promises are those of a folder: nothing half-written, the public feed valid at every
moment (the build killed at several moments, two publishers at once), guids kept, and a
rebuild that changes nothing uploads nothing.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, run_narrate, write_show
from tests.s3server import S3Server

HOOK = REPO / "tests" / "publish_hook.py"
SUMMARY = (
    "---\ntitle: Study {name}\ndate: 2026-11-{day}\n---\n"
    "The {name} study followed 316 people with MS for two years.\n\n"
    "People who rested every afternoon felt less tired.\n"
)
BASE_URL = "https://podcast.example.org/test/"


def _show(folder: Path, names: tuple[str, ...], voice: str = "tone") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for day, name in enumerate(names, start=10):
        (folder / f"{name}.md").write_text(SUMMARY.format(name=name, day=day), "utf-8")
    show = write_show(folder, [{"file": f'"{name}.md"'} for name in names])
    if voice == "piper":
        table = '[voice]\nengine = "piper"\nnoise_scale = 0.0\nnoise_w = 0.0\n'
    else:
        table = '[voice]\nengine = "tone"\n'
    show.write_text(show.read_text("utf-8") + table, "utf-8")
    return show


def _filesystem(server: S3Server) -> Any:
    import s3fs

    return s3fs.S3FileSystem(key=server.key, secret=server.secret, skip_instance_cache=True,
                             client_kwargs={"endpoint_url": server.endpoint})  # fmt: skip


def _objects(server: S3Server, prefix: str) -> dict[str, bytes]:
    """Every object published under ``prefix``, by key relative to it (not the state)."""
    fs = _filesystem(server)
    root = f"{server.bucket}/{prefix}"
    found = fs.find(root)
    return {p[len(root) + 1 :]: fs.cat_file(p) for p in found if "/.narrate/" not in p}


def _listing(server: S3Server, prefix: str) -> dict[str, tuple[str, Any]]:
    """Each object's ETag and time, state included."""
    fs = _filesystem(server)
    found = fs.find(f"{server.bucket}/{prefix}", detail=True)
    return {key: (meta["ETag"], meta["LastModified"]) for key, meta in found.items()}


def _get(server: S3Server, key: str, headers: dict[str, str] | None = None) -> Any:
    """GET an object over plain HTTP, as a podcast app would (a presigned URL stands in for
    the bucket's public read policy or its CDN)."""
    url = _filesystem(server).url(f"{server.bucket}/{key}", expires=600)
    return urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=30)


def _publish(
    server: S3Server,
    show: Path,
    prefix: str,
    *extra: str | Path,
    hook: dict[str, str] | None = None,
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **server.env(), **(hook or {})}
    return subprocess.run(
        [sys.executable, HOOK, "build", "--show", show, "--publish", server.url(prefix),
         "--cache-dir", show.parent / "cache", "-q", *map(str, extra)],
        capture_output=True, text=True, env=env, cwd=show.parent, timeout=600,
    )  # fmt: skip


def _feed_problems(server: S3Server, prefix: str) -> tuple[list[str], dict[str, str]]:
    """What is wrong with the public feed and what it lists (nothing, if it is whole), and
    each episode's guid by title."""
    fs = _filesystem(server)
    root = f"{server.bucket}/{prefix}"
    if not fs.exists(f"{root}/feeds/feed.xml"):
        return [], {}
    channel = ET.fromstring(fs.cat_file(f"{root}/feeds/feed.xml")).find("channel")
    assert channel is not None
    problems, guids = [], {}
    for item in channel.iterfind("item"):
        guids[item.findtext("title", "")] = item.findtext("guid", "")
        enclosure = item.find("enclosure")
        assert enclosure is not None
        key = enclosure.get("url", "").removeprefix(BASE_URL)
        info = fs.info(f"{root}/{key}") if fs.exists(f"{root}/{key}") else None
        if info is None or info["size"] != int(enclosure.get("length", "-1")):
            problems.append(f"{key} is missing or not at its listed length")
        for tag in item.iter():
            url = tag.get("url", "")
            if url.startswith(BASE_URL) and not fs.exists(f"{root}/{url.removeprefix(BASE_URL)}"):
                problems.append(f"{url} is missing")
    return problems, guids


def test_a_show_built_on_dask_and_published_to_s3_is_the_local_build(
    s3server: S3Server, tmp_path: Path
) -> None:
    show = _show(tmp_path / "show", ("one", "two"), voice="piper")
    local = run_narrate("build", "--show", show, "--out", tmp_path / "local",
                        "--cache-dir", tmp_path / "c1", "-q")  # fmt: skip
    assert local.code == 0, local.stderr
    published = _publish(s3server, show, "same", "--executor", "dask")
    assert published.returncode == 0, published.stderr
    objects = _objects(s3server, "same")
    built = tmp_path / "local"
    here = {str(p.relative_to(built)): p.read_bytes()
            for p in built.rglob("*") if p.is_file() and ".narrate" not in p.parts}  # fmt: skip
    # The same MP3s, under keys named by their content: audio/one.0123456789ab.mp3.
    renamed = {}
    for name in ("one", "two"):
        (key,) = [k for k in objects if re.fullmatch(rf"audio/{name}\.[0-9a-f]{{12}}\.mp3", k)]
        assert objects[key] == here[f"audio/{name}.mp3"]
        renamed[key.removesuffix(".mp3")] = f"audio/{name}"

    # Everything else is the local build's too, once the audio keys are named alike.
    def alike(data: bytes) -> bytes:
        for versioned, plain in renamed.items():
            data = data.replace(versioned.encode(), plain.encode())
        return data

    assert sorted(alike(k.encode()).decode() for k in objects) == sorted(here)
    for key, data in objects.items():
        assert alike(data) == here[alike(key.encode()).decode()], key

    # A podcast app reads the feed over HTTP, and seeks in every episode.
    feed = _get(s3server, "same/feeds/feed.xml")
    assert feed.headers["Content-Type"] == "application/rss+xml"
    assert feed.headers["Cache-Control"] == "public, max-age=300"
    enclosures = ET.fromstring(feed.read()).iterfind("channel/item/enclosure")
    for enclosure in enclosures:
        key = enclosure.get("url", "").removeprefix(BASE_URL)
        answer = _get(s3server, f"same/{key}", {"Range": "bytes=100-1123"})
        assert answer.status == 206
        assert answer.headers["Content-Range"] == f"bytes 100-1123/{enclosure.get('length')}"
        assert answer.headers["Content-Type"] == "audio/mpeg"
        assert "immutable" in answer.headers["Cache-Control"]
        assert len(answer.read()) == 1024
    page = _get(s3server, "same/index.html")
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    assert page.headers["Cache-Control"] == "public, max-age=300"


def test_a_rebuild_with_nothing_changed_uploads_nothing(s3server: S3Server, tmp_path: Path) -> None:
    show = _show(tmp_path / "show", ("one", "two"))
    first = _publish(s3server, show, "again")
    assert first.returncode == 0, first.stderr
    before = _listing(s3server, "again")
    puts = tmp_path / "puts.txt"
    second = _publish(s3server, show, "again", hook={"NARRATE_TEST_PUTS": str(puts)})
    assert second.returncode == 0, second.stderr
    assert "mixdown:" not in second.stderr, "nothing produced again: the store has it all"
    assert not puts.exists() or puts.read_text() == ""
    assert _listing(s3server, "again") == before


@pytest.fixture(scope="module")
def published_twice(s3server: S3Server, tmp_path_factory: pytest.TempPathFactory) -> str:
    """A show of two episodes published under a prefix of its own (copy it to change it)."""
    show = _show(tmp_path_factory.mktemp("published") / "show", ("one", "two"))
    first = _publish(s3server, show, "two-episodes")
    assert first.returncode == 0, first.stderr
    return "two-episodes"


# Killed while uploading the audio, just before the feed, and after it (before the state);
# the pages (between the audio and the feed) are as the audio: not yet listed by any feed.
@pytest.mark.parametrize("moment", ["audio/", "feeds/", ".narrate/published"])
def test_a_publish_killed_at_any_moment_leaves_the_public_feed_whole(
    s3server: S3Server, tmp_path: Path, moment: str, published_twice: str
) -> None:
    prefix = f"killed-{moment.strip('/.').replace('/', '-')}"
    show = _show(tmp_path / "show", ("one", "two"))
    fs = _filesystem(s3server)
    for key in fs.find(f"{s3server.bucket}/{published_twice}"):
        fs.copy(key, key.replace(f"/{published_twice}/", f"/{prefix}/", 1))
    problems, guids = _feed_problems(s3server, prefix)
    assert problems == [] and len(guids) == 2
    # An edited episode (a new revision) and a new one, killed at ``moment``.
    (show.parent / "one.md").write_text(
        SUMMARY.format(name="one", day=10).replace("two years", "three years"), "utf-8"
    )
    (show.parent / "three.md").write_text(SUMMARY.format(name="three", day=12), "utf-8")
    show.write_text(show.read_text("utf-8").replace(
        "[voice]", '[[episodes]]\nfile = "three.md"\n[voice]'), "utf-8")  # fmt: skip
    killed = _publish(s3server, show, prefix, hook={"NARRATE_TEST_KILL_AT": moment})
    assert killed.returncode == -9, killed.stderr
    problems, during = _feed_problems(s3server, prefix)
    assert problems == []
    assert {t: g for t, g in during.items() if t in guids} == guids
    again = _publish(s3server, show, prefix)
    assert again.returncode == 0, again.stderr
    problems, after = _feed_problems(s3server, prefix)
    assert problems == []
    assert len(after) == 3
    assert {t: after[t] for t in guids} == guids  # every guid kept
    if during.keys() == after.keys():
        assert during == after


def test_two_publishers_at_once_one_completes_and_the_other_stops_cleanly(
    s3server: S3Server, tmp_path: Path
) -> None:
    show = _show(tmp_path / "a", ("one", "two"))
    other = _show(tmp_path / "b", ("one", "two", "three"))
    first = _publish(s3server, show, "both")
    assert first.returncode == 0, first.stderr
    # A is held just before it writes the feed; B publishes meanwhile; then A goes on.
    (show.parent / "one.md").write_text(
        SUMMARY.format(name="one", day=10).replace("two years", "five years"), "utf-8"
    )
    flag = tmp_path / "go"
    env = {**os.environ, **s3server.env(), "NARRATE_TEST_HOLD_AT": f"feeds/={flag}"}
    slow = subprocess.Popen(
        [sys.executable, HOOK, "build", "--show", show, "--publish", s3server.url("both"),
         "--cache-dir", tmp_path / "cache-a", "-q"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while not Path(f"{flag}.waiting").exists():
        assert slow.poll() is None and time.monotonic() < deadline, slow.communicate()
        time.sleep(0.1)
    fast = _publish(s3server, other, "both")
    assert fast.returncode == 0, fast.stderr
    winner = _objects(s3server, "both")["feeds/feed.xml"]
    flag.touch()
    _, stderr = slow.communicate(timeout=120)
    assert slow.returncode == 1
    lines = [line for line in stderr.splitlines() if "another build published" in line]
    assert len(lines) == 1 and "run narrate build again" in lines[0], stderr
    assert "Traceback" not in stderr
    assert _objects(s3server, "both")["feeds/feed.xml"] == winner
    problems, guids = _feed_problems(s3server, "both")
    assert problems == [] and len(guids) == 3


def test_an_old_revision_stays_until_keep_old_days_have_passed(
    s3server: S3Server, tmp_path: Path
) -> None:
    show = _show(tmp_path / "show", ("one",))
    assert _publish(s3server, show, "grace").returncode == 0
    (first,) = [k for k in _objects(s3server, "grace") if k.endswith(".mp3")]
    (show.parent / "one.md").write_text(
        SUMMARY.format(name="one", day=10).replace("two years", "three years"), "utf-8"
    )
    assert _publish(s3server, show, "grace").returncode == 0
    audio = [k for k in _objects(s3server, "grace") if k.endswith(".mp3")]
    assert first in audio and len(audio) == 2  # a download of the old one can finish
    problems, _ = _feed_problems(s3server, "grace")
    assert problems == [] and first not in _objects(s3server, "grace")["feeds/feed.xml"].decode()
    # Once the show's grace period has passed (here: none), the old revision goes.
    show.write_text(show.read_text("utf-8") + "[build]\nkeep_old_days = 0\n", "utf-8")
    assert _publish(s3server, show, "grace").returncode == 0
    audio = [k for k in _objects(s3server, "grace") if k.endswith(".mp3")]
    assert first not in audio and len(audio) == 1
    assert not [k for k in _objects(s3server, "grace") if k.startswith(first[:-4])]


def test_a_clip_cache_at_a_url_is_shared_by_the_workers_and_the_next_build(
    s3server: S3Server, tmp_path: Path
) -> None:
    show = _show(tmp_path / "show", ("one", "two"))
    cache = s3server.url("clips")
    first = run_narrate("build", "--show", show, "--out", tmp_path / "a", "--executor", "dask",
                        "--cache-dir", cache, env=s3server.env())  # fmt: skip
    assert first.code == 0, first.stderr
    spoken = re.search(r"(\d+) phrases? spoken afresh", first.stdout)
    assert spoken and int(spoken.group(1)) > 0
    entries = _objects(s3server, "clips")
    headers = [k for k in entries if k.endswith(".json")]
    assert headers and all(k.removesuffix(".json") + ".audio" in entries for k in headers)
    # Another build, elsewhere, with nothing local: every phrase comes from the shared cache.
    elsewhere = {**s3server.env(), "NARRATE_CACHE_DIR": str(tmp_path / "empty")}
    second = run_narrate("build", "--show", show, "--out", tmp_path / "b", "--cache-dir", cache,
                         env=elsewhere)  # fmt: skip
    assert second.code == 0, second.stderr
    assert "0 phrases spoken afresh" in second.stdout
    for name in ("one", "two"):
        mp3 = f"audio/{name}.mp3"
        assert (tmp_path / "a" / mp3).read_bytes() == (tmp_path / "b" / mp3).read_bytes()
    # narrate cache reports on the shared cache and trims it, as it does a folder (by when
    # each phrase was written: reading an object leaves no trace).
    size = sum(len(data) for data in entries.values())
    info = run_narrate("cache", "--info", "--cache-dir", cache, env=s3server.env())
    assert info.code == 0 and info.stdout == (
        f"{cache}: {len(headers)} phrases, {size / 1e6:.1f} MB, least recently written 0 days ago\n"
    ), info.stdout + info.stderr
    kept = run_narrate("cache", "--prune", "30", "--cache-dir", cache, env=s3server.env())
    assert kept.code == 0 and kept.stdout.startswith(f"removed 0 phrases (0.0 MB) from {cache}\n")
    assert _objects(s3server, "clips") == entries
    emptied = run_narrate("cache", "--prune", "0", "--cache-dir", cache, env=s3server.env())
    assert emptied.code == 0, emptied.stderr
    assert emptied.stdout == (
        f"removed {len(headers)} phrases ({size / 1e6:.1f} MB) from {cache}\n{cache}: 0 phrases, "
        "0.0 MB\n"
    )
    left = _filesystem(s3server).find(f"{s3server.bucket}/clips", detail=True)
    assert all(meta["type"] == "directory" for meta in left.values()), left  # no object left


def test_check_and_verify_read_a_published_url_as_they_read_a_folder(
    s3server: S3Server, tmp_path: Path
) -> None:
    show = _show(tmp_path / "show", ("one", "two"))
    assert _publish(s3server, show, "read").returncode == 0
    url = s3server.url("read")
    check = run_narrate("check", show, "--publish", url, env=s3server.env())
    assert check.code == 0, check.stdout + check.stderr
    verify = run_narrate("verify", show, "--publish", url, "--format", "json",
                         env=s3server.env(), cwd=tmp_path)  # fmt: skip
    assert verify.code == 0, verify.stderr
    assert verify.stdout.count('"problems": []') == 2
    # One MP3 goes missing from the store: both say so, naming it at its URL.
    (mp3,) = [k for k in _objects(s3server, "read") if k.startswith("audio/one.")
              and k.endswith(".mp3")]  # fmt: skip
    _filesystem(s3server).rm_file(f"{s3server.bucket}/read/{mp3}")
    check = run_narrate("check", show, "--publish", url, env=s3server.env())
    assert check.code != 0
    assert f"{url}/feeds/feed.xml: item 'Study one'" in check.stderr, check.stderr
    assert "Traceback" not in check.stderr
    verify = run_narrate("verify", show, "--publish", url, env=s3server.env(), cwd=tmp_path)
    assert verify.code == 1 and "the MP3 is missing" in verify.stdout + verify.stderr


def test_a_builds_own_check_reads_only_the_tags_of_the_mp3s_it_did_not_encode(
    s3server: S3Server, tmp_path: Path, published_twice: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check at the end of a build (``measure`` empty) mirrors each published MP3 as its
    ID3 tag at its full size, the audio never downloaded; ``narrate check`` (``measure``
    None) copies it whole. What the tag says is still checked: a wrong one is reported."""
    from mutagen.id3 import ID3

    from narrate.audio.tagging import read_tags
    from narrate.config import load_settings
    from narrate.publish.check import check_show
    from narrate.publish.remote import mirror

    for name, value in s3server.env().items():
        monkeypatch.setenv(name, value)
    prefix = "tags-only"
    fs = _filesystem(s3server)
    for key in fs.find(f"{s3server.bucket}/{published_twice}"):
        fs.copy(key, key.replace(f"/{published_twice}/", f"/{prefix}/", 1))
    show = _show(tmp_path / "show", ("one", "two"))
    settings = load_settings(show, publish=s3server.url(prefix))
    published = {k: v for k, v in _objects(s3server, prefix).items() if k.endswith(".mp3")}
    assert len(published) == 2
    with mirror(settings, measure=set()) as (folder, problems):
        assert problems == []
        for key, data in published.items():
            (folder / "published.mp3").write_bytes(data)
            tag = ID3(folder / "published.mp3").size
            assert 0 < tag < len(data) // 2  # the audio is most of the file
            copy = (folder / key).read_bytes()
            assert len(copy) == len(data)
            assert copy[:tag] == data[:tag]
            assert copy[tag:] == bytes(len(data) - tag) != data[tag:]  # never downloaded
            assert read_tags(folder / key) == read_tags(folder / "published.mp3")
    with mirror(settings) as (folder, problems):
        assert all((folder / key).read_bytes() == data for key, data in published.items())
    assert check_show(settings, measure=set()) == []
    # Episode one's tag names another guid: the build's check says so, reading the tag alone.
    (key,) = [k for k in published if k.startswith("audio/one.")]
    wrong = tmp_path / "wrong.mp3"
    wrong.write_bytes(published[key])
    tags = ID3(wrong)
    tags["TGID"].text = ["not-the-guid"]
    tags.save(wrong, v2_version=3, padding=lambda info: info.padding)
    assert wrong.stat().st_size == len(published[key])  # the same length: only the tag differs
    fs.pipe_file(f"{s3server.bucket}/{prefix}/{key}", wrong.read_bytes())
    problems = check_show(settings, measure=set())
    assert [p for p in problems if "TGID" in p] == [
        f"{s3server.url(prefix)}/feeds/feed.xml: item 'Study one': "
        "ID3 TGID is not the episode's guid"
    ], problems
