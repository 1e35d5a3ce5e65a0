"""Shared fixtures: real builds of the example show and of small shows made in tmp_path."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests
from google_stub import Responder

from tests.s3server import s3server  # noqa: F401  (the real S3 server, for the publishing tests)
from tests.site_server import site  # noqa: F401  (a real web site, for fetching pages and feeds)

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_DIR = REPO / "narrate" / "example"
SAMPLE = EXAMPLE_DIR / "summaries" / "mtros-macrophages.txt"
"""The example show's one summary, a page dump."""
EXAMPLE_SHOW_TITLE = "MS Research, Read Aloud"
"""The example show's title (narrate/example/show.toml)."""
EXAMPLE_DISCLAIMER = "AI-generated summary — for informational purposes only, not medical advice"
MINIMAL = """\
title = "Test Show"
author = "Tester"
description = "A show for tests."
base_url = "https://example.org/test"
owner_email = "owner@example.org"
"""
"""The keys every show file must give, and nothing else: config tests add what they test."""
"""The disclaimer the example summary ends with, and the example show's own."""


def pytest_configure(config: pytest.Config) -> None:
    """One store of model files for the whole run, shared by xdist's workers: the Kokoro
    model is joined, its voice fetched and its graph prepared once, not once per test's
    cache folder (a test that needs an empty store sets its own)."""
    if "NARRATE_CACHE_DIR" not in os.environ:
        import tempfile

        shared = Path(tempfile.gettempdir()) / f"narrate-tests-{os.getuid()}"
        shared.mkdir(exist_ok=True)
        os.environ["NARRATE_CACHE_DIR"] = str(shared)


@dataclass
class Run:
    """A finished ``narrate`` command."""

    code: int
    stdout: str
    stderr: str


def run_narrate(*args: str | Path, cwd: Path = REPO, env: dict[str, str] | None = None) -> Run:
    """Run the real command line in a subprocess, as a user would."""
    result = subprocess.run(
        [sys.executable, "-m", "narrate", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=600,
    )
    return Run(result.returncode, result.stdout, result.stderr)


@dataclass
class Built:
    """The example show, built once per test session with the real default voice."""

    out: Path
    cache: Path
    run: Run

    @property
    def feed(self) -> Path:
        return self.out / "feeds" / "feed.xml"

    @property
    def mp3(self) -> Path:
        return self.out / "audio" / "mtros-macrophages.mp3"


@pytest.fixture(scope="session")
def example_build(tmp_path_factory: pytest.TempPathFactory) -> Built:
    """Built once per run, by whichever xdist worker asks first (the others wait for it and
    share it: a Kokoro build takes a minute). Tests copy it before changing anything."""
    import fcntl
    import json

    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent  # the run's, shared by its workers
    root = shared / "example"
    with open(shared / "example.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        done = root / "run.json"
        if not done.is_file():
            run = run_narrate("build", "--out", root / "out", "--cache-dir", root / "cache")
            assert run.code == 0, run.stderr
            done.write_text(json.dumps(vars(run)), encoding="utf-8")
        run = Run(**json.loads(done.read_text(encoding="utf-8")))
    return Built(root / "out", root / "cache", run)


@pytest.fixture
def google(monkeypatch: pytest.MonkeyPatch) -> Callable[[Responder], list[dict[str, Any]]]:
    """Install a fake Google: returns the keyword arguments of every ``send`` gTTS makes."""
    # gTTS retries with backoff; against a fake Google, waiting only slows the suite down.
    monkeypatch.setattr(time, "sleep", lambda seconds: None)

    def install(respond: Responder) -> list[dict[str, Any]]:
        calls: list[dict[str, Any]] = []

        def send(session: requests.Session, request: requests.PreparedRequest, **kwargs: Any):
            calls.append({"request": request, **kwargs})
            return respond(request)

        monkeypatch.setattr(requests.Session, "send", send)
        return calls

    return install


@pytest.fixture(scope="session")
def mp3() -> bytes:
    """Half a second of real MP3 (with an ID3 tag in front), made by the bundled ffmpeg:
    what the fake Google answers with."""
    import imageio_ffmpeg

    command = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-loglevel", "error"]
    command += ["-f", "lavfi", "-i", "sine=frequency=440:duration=0.5", "-f", "mp3", "pipe:1"]
    data = subprocess.run(command, capture_output=True, check=True, timeout=60).stdout
    assert data.startswith(b"ID3") and len(data) > 1000
    return data


def write_show(folder: Path, episodes: list[dict[str, str]], **extra: str) -> Path:
    """A minimal show file in ``folder`` listing ``episodes`` (file, date, ...)."""
    lines = [
        'title = "Test Show & Friends"',
        'author = "Tester"',
        'description = "A show for tests."',
        'language = "en-US"',
        'base_url = "https://podcast.example.org/test"',
        'owner_email = "owner@example.org"',
        *(f"{key} = {value}" for key, value in extra.items()),
    ]
    for episode in episodes:
        lines.append("[[episodes]]")
        lines.extend(f"{key} = {value}" for key, value in episode.items())
    path = folder / "show.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


UNSAFE_LINKS = {
    "javascript": "javascript:alert(document.cookie)",
    "upper-case": "JAVASCRIPT:alert(1)",
    "mixed-case": "JaVaScRiPt:alert(1)",
    "leading-spaces": "   javascript:alert(1)",
    "tab-inside": "java\tscript:alert(1)",
    "newline-inside": "java\nscript:alert(1)",
    "zero-width-space": "java\u200bscript:alert(1)",
    "entity-colon": "javascript&#58;alert(1)",
    "entity-letter": "&#106;avascript:alert(1)",
    "data": "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "vbscript": "vbscript:msgbox(1)",
    "file": "file:///etc/passwd",
    "protocol-relative": "//evil.example/summary",
    "relative": "/summaries/one",
    "protocol-less": "evil.example/summary",
    "host-and-port": "evil.example:8080/summary",
    "no-host": "https:evil.example",
    "backslashes": "https:\\\\evil.example",
    "mailto": "mailto:someone@example.org",
}
"""Links that must never be published, by case: only absolute http(s) links are."""


SHORT_SUMMARY = (
    "---\ntitle: Rest and MS\ndate: 2026-11-20\n---\n"
    "Ocrelizumab helped 316 people with MS in a trial that ended on March 3, 2025.\n\n"
    "People who rested every afternoon felt less tired, and their MRI scans did not change.\n"
)
"""Numbers, a date, initialisms and a drug name, each said right."""


def build_short_show(folder: Path, lexicon: str = "") -> Path:
    """The short show built in ``folder`` (with ``lexicon`` as its own): its show file."""
    folder.mkdir(parents=True)
    (folder / "s.md").write_text(SHORT_SUMMARY, encoding="utf-8")
    extra = {}
    if lexicon:
        (folder / "lexicon.toml").write_text(lexicon, encoding="utf-8")
        extra["lexicon"] = '"lexicon.toml"'
    show = write_show(folder, [{"file": '"s.md"'}], **extra)
    # In a show this short each miss weighs a percent, and the recognizer mishears the
    # show's name ("Test Show & Friends": "and" as "in", in the intro and the outro) more
    # often than not: it holds to 85 % instead of 95 %.
    show.write_text(show.read_text("utf-8") + "[audio]\nword_accuracy = 85\n", "utf-8")
    run = run_narrate("build", "--show", show, "--out", folder / "out")
    assert run.code == 0, run.stderr
    return show


@pytest.fixture(scope="session")
def short_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A short show (``SHORT_SUMMARY``) built with the default voice, once per test process:
    its show file (its output in ``out/`` beside it). Copy it before changing it."""
    return build_short_show(tmp_path_factory.mktemp("short") / "show")


def copy_short_show(show: Path, tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the short show in ``tmp_path``: its show file and its MP3."""
    folder = tmp_path / "show"
    shutil.copytree(show.parent, folder)
    return folder / "show.toml", folder / "out" / "audio" / "s.mp3"
