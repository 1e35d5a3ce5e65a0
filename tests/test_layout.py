"""The one table of the files published per episode (``narrate.publish.layout``) drives every place
that publishes, checks, serves or lists them: a file added to the table is written by
``produce``, checked by ``revisions.intact``, served by ``narrate serve`` and listed by the feed
when it says so. A module that kept a list of its own would miss the added file."""

from __future__ import annotations

import http.client
import threading
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import write_show

from narrate.build import build
from narrate.config import load_settings
from narrate.models import EpisodeAudio
from narrate.publish import layout
from narrate.publish.layout import media_type
from narrate.publish.output import Output
from narrate.publish.revisions import intact
from narrate.publish.serve import make_server, published

PODCAST = "{https://podcastindex.org/namespace/1.0}"


def _word_list(audio: EpisodeAudio, title: str, language: str) -> str:
    return f"{title} ({language}): " + " ".join(t.segment.text for t in audio.segments) + "\n"


WORDS = layout.Sidecar(
    ".words.txt",
    "text/plain; charset=utf-8",
    _word_list,
    layout.Listing("transcript", "text/plain"),
)
"""A file the feed lists, after the table's own transcripts."""
NOTES = layout.Sidecar(".notes.txt", "text/plain", lambda audio, title, language: title + "\n")
"""A file the feed does not list."""


@pytest.fixture
def with_two_more_files(monkeypatch: pytest.MonkeyPatch) -> tuple[layout.Sidecar, ...]:
    files = (*layout.SIDECARS, WORDS, NOTES)
    monkeypatch.setattr(layout, "SIDECARS", files)
    return files


def test_a_file_added_to_the_table_is_published_checked_served_and_listed(
    tmp_path: Path, with_two_more_files: tuple[layout.Sidecar, ...]
) -> None:
    (tmp_path / "one.txt").write_text("A short summary. It has two sentences.\n")
    show = write_show(
        tmp_path, [{"file": '"one.txt"', "date": "2026-01-02"}], voice='{ engine = "tone" }'
    )
    settings = load_settings(show, out_dir=tmp_path / "out", use_cache=False)
    report = build(settings, jobs=1)
    [episode] = report.built
    out = Output(settings.out_dir)

    # produce: every file of the table, rendered from the episode's audio
    words = out.path(layout.sidecar(episode.audio_file, WORDS))
    assert words.read_text(encoding="utf-8").startswith(f"{episode.title} (en-US): ")
    assert "two sentences" in words.read_text(encoding="utf-8")
    notes = out.path(layout.sidecar(episode.audio_file, NOTES))
    assert notes.read_text(encoding="utf-8") == episode.title + "\n"

    # revisions: an episode missing any file of the table is not intact
    assert intact(out, episode)
    for file in (WORDS, NOTES):
        path = out.path(layout.sidecar(episode.audio_file, file))
        kept = path.read_bytes()
        path.unlink()
        assert not intact(out, episode), file.suffix
        path.write_bytes(kept)

    # feed: the files the table lists, in its order, with its types; the others not at all
    item = ET.parse(out.path(settings.show.feed_file)).getroot().find("channel/item")
    assert item is not None
    url = settings.show.base_url
    assert [
        (t.get("url"), t.get("type"), t.get("rel")) for t in item.iter(PODCAST + "transcript")
    ] == [
        (url + layout.sidecar(episode.audio_file, f), f.listed.type, f.listed.rel)
        for f in with_two_more_files
        if f.listed is not None and f.listed.tag == "transcript"
    ]
    assert (url + layout.sidecar(episode.audio_file, WORDS), "text/plain", None) in [
        (t.get("url"), t.get("type"), t.get("rel")) for t in item.iter(PODCAST + "transcript")
    ]
    assert layout.sidecar(episode.audio_file, NOTES) not in ET.tostring(item, encoding="unicode")

    # serve: both files, with the table's media types
    server = make_server(out.root, 0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        for file in (WORDS, NOTES):
            connection = http.client.HTTPConnection("127.0.0.1", server.server_address[1])
            connection.request("GET", "/" + layout.sidecar(episode.audio_file, file))
            response = connection.getresponse()
            body = response.read()
            connection.close()
            assert response.status == 200, file.suffix
            assert response.getheader("Content-Type") == file.media_type
            assert body == out.path(layout.sidecar(episode.audio_file, file)).read_bytes()
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def test_serve_publishes_and_types_every_file_of_the_table() -> None:
    for audio_file in ("audio/a-b.mp3", "audio/a-b.r12.mp3"):
        assert published(audio_file)
        assert media_type(audio_file) == layout.AUDIO_TYPE
        for file in layout.SIDECARS:
            assert published(layout.sidecar(audio_file, file)), file.suffix
            assert media_type(layout.sidecar(audio_file, file)) == file.media_type, file.suffix
    assert not published("audio/a-b.words.txt")  # not in the table, not published
    assert media_type("index.html") is None


def test_suffixes_are_unique_and_the_feed_lists_one_chapters_file() -> None:
    suffixes = layout.audio_suffixes()
    assert len(set(suffixes)) == len(suffixes)
    assert [f.suffix for f, _ in layout.listed("chapters")] == [layout.CHAPTERS.suffix]
    assert layout.listed("transcript")[0][0] is layout.CAPTIONS  # Apple reads the first WebVTT
