"""--executor: episodes produced on a real Dask cluster (``distributed.LocalCluster``, on
loopback), with the real Piper voice and the real recognizer hearing each disclaimer on the
workers. (That a cluster's build is byte for byte the local one: test_publish_s3.)"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mutagen.mp3 import MP3

from tests.conftest import run_narrate, write_show

distributed = pytest.importorskip("distributed")

SUMMARY = (
    "---\ntitle: Study {name}\ndate: 2026-11-{day}\n---\n"
    "The {name} study followed 316 people with MS for two years.\n\n"
    "People who rested every afternoon felt less tired.\n"
)
NAMES = ("one", "two", "three", "four")


def _show(folder: Path, names: tuple[str, ...] = NAMES) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for day, name in enumerate(names, start=10):
        (folder / f"{name}.md").write_text(SUMMARY.format(name=name, day=day), "utf-8")
    show = write_show(folder, [{"file": f'"{name}.md"'} for name in names])
    voice = '[voice]\nengine = "piper"\nnoise_scale = 0.0\nnoise_w = 0.0\n'
    show.write_text(show.read_text("utf-8") + voice, "utf-8")
    return show


@pytest.fixture(scope="module")
def dask_cluster() -> Iterator[Any]:
    """Two single-threaded worker processes on 127.0.0.1, as `dask worker` would run them."""
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
        dashboard_address=None,
        scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
    )  # fmt: skip
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.shutdown()  # the scheduler and every worker, restarted ones too, at once


def test_each_worker_loads_the_voice_and_the_recognizer_once(
    dask_cluster: Any, tmp_path: Path
) -> None:
    from narrate.build import build
    from narrate.config import load_settings

    address = dask_cluster.scheduler.address
    settings = load_settings(_show(tmp_path / "show"), out_dir=tmp_path / "out",
                             cache_dir=tmp_path / "cache", executor=address)  # fmt: skip
    report = build(settings)
    assert report.failures == ()
    assert len(report.built) == 4

    def loaded() -> tuple[int, int, int]:
        from narrate.audio.listen import whisper
        from narrate.produce import _studio

        info = _studio.cache_info()
        return info.misses, info.hits, len(whisper._loaded)

    per_worker = dask_cluster.run(loaded)
    assert len(per_worker) == 2
    # Every worker that produced episodes loaded its studio (voice) once and reused it; the
    # recognizer (tiny.en, for the disclaimer) was loaded once per worker too.
    assert sum(hits + misses for misses, hits, _ in per_worker.values()) == 4
    for misses, _hits, recognizers in per_worker.values():
        assert misses <= 1 and recognizers <= 1


def test_a_worker_killed_mid_build_loses_no_episode(dask_cluster: Any, tmp_path: Path) -> None:
    from narrate.build import build
    from narrate.config import load_settings

    settings = load_settings(_show(tmp_path / "show"), out_dir=tmp_path / "out",
                             cache_dir=tmp_path / "cache",
                             executor=dask_cluster.scheduler.address)  # fmt: skip
    finished: dict[str, Any] = {}
    builder = threading.Thread(target=lambda: finished.update(report=build(settings)))
    builder.start()
    killed = None
    deadline = time.monotonic() + 60
    while killed is None and time.monotonic() < deadline and builder.is_alive():
        busy = [worker for worker, tasks in dask_cluster.processing().items() if tasks]
        if busy:
            pid = dask_cluster.run(os.getpid, workers=[busy[0]])[busy[0]]
            os.kill(pid, signal.SIGKILL)  # mid-episode: speaking, mixing or listening
            killed = pid
        time.sleep(0.05)
    builder.join(timeout=240)
    assert killed is not None, "no worker was ever busy"
    report = finished["report"]
    assert report.failures == ()
    assert sorted(e.slug for e in report.built) == sorted(NAMES)
    audio = sorted(p.name for p in (tmp_path / "out" / "audio").glob("*.mp3"))
    assert audio == sorted(f"{name}.mp3" for name in NAMES)  # each published once
    for name in audio:
        assert MP3(tmp_path / "out" / "audio" / name).info.length > 10


@pytest.mark.skipif(os.geteuid() != 0, reason="a mount namespace of its own needs root")
def test_a_worker_on_another_machine_needs_no_file_of_the_show(tmp_path: Path) -> None:
    """A worker that cannot see the show's folder (a mount namespace of its own, the folder
    an empty tmpfs there: as on another machine) produces the episode and hears it whole
    with the show's own lexicon, which travelled with the settings."""
    probe = subprocess.run(["unshare", "--mount", "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        pytest.skip(f"this machine gives no mount namespace ({probe.stderr.strip()})")
    show = _show(tmp_path / "show", ("one",))
    (show.parent / "lexicon.toml").write_text('[substitute]\nrested = "took a rest"\n', "utf-8")
    show.write_text(
        'lexicon = "lexicon.toml"\n'
        + show.read_text("utf-8")
        + '[audio]\nlisten = "full"\nword_accuracy = 85\n',
        "utf-8",
    )
    cluster = distributed.LocalCluster(
        n_workers=0, host="127.0.0.1", dashboard_address=None,
        scheduler_kwargs={"dashboard": False, "dashboard_address": "127.0.0.1:0"},
    )  # fmt: skip
    client = distributed.Client(cluster)
    hidden = f"mount -t tmpfs none {show.parent} && test ! -e {show.parent / 'lexicon.toml'}"
    worker = subprocess.Popen(
        ["unshare", "--mount", "--propagation", "private", "sh", "-c",
         f"{hidden} && exec {sys.executable} -m distributed.cli.dask_worker "
         f"{cluster.scheduler.address} --nthreads 1 --nworkers 1 --no-dashboard "
         "--host 127.0.0.1 --no-nanny"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        client.wait_for_workers(1, timeout=60)
        run = run_narrate("build", "--show", show, "--out", tmp_path / "out",
                          "--cache-dir", tmp_path / "cache",
                          "--executor", cluster.scheduler.address)  # fmt: skip
    finally:
        client.shutdown()
        worker.kill()
        log = worker.communicate()[0]
    # Before the lexicon travelled: "one.md: lexicon: no lexicon file at .../lexicon.toml".
    assert run.code == 0, run.stderr + log
    assert "could not be built" not in run.stderr
    assert (tmp_path / "out" / "audio" / "one.mp3").is_file()


def test_a_wrong_executor_is_one_line_naming_the_fix(tmp_path: Path) -> None:
    show = _show(tmp_path / "show", NAMES[:1])
    run = run_narrate("build", "--show", show, "--out", tmp_path / "out", "--executor", "spark")
    assert run.code != 0
    assert "--executor: 'spark' is not an executor" in run.stderr
    assert "tcp://" in run.stderr and "Traceback" not in run.stderr
    gone = run_narrate("build", "--show", show, "--out", tmp_path / "out", "--executor",
                       "tcp://127.0.0.1:9")  # fmt: skip
    assert gone.code != 0
    assert "no Dask scheduler answered at tcp://127.0.0.1:9" in gone.stderr
    assert "dask scheduler" in gone.stderr and "Traceback" not in gone.stderr


def test_where_to_build_and_publish_comes_from_the_command_line_else_environment_else_show(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from narrate.config import load_settings
    from narrate.errors import ConfigError

    show = _show(tmp_path / "show", NAMES[:1])
    show.write_text(show.read_text("utf-8") + '[build]\nexecutor = "dask"\npublish = '
                    '"s3://show/podcast"\nkeep_old_days = 2\n', "utf-8")  # fmt: skip
    monkeypatch.delenv("NARRATE_EXECUTOR", raising=False)
    monkeypatch.delenv("NARRATE_PUBLISH", raising=False)
    settings = load_settings(show)
    assert (settings.executor, settings.publish, settings.keep_old_days) == (
        "dask", "s3://show/podcast", 2.0)  # fmt: skip
    monkeypatch.setenv("NARRATE_EXECUTOR", "tcp://127.0.0.1:8786")
    monkeypatch.setenv("NARRATE_PUBLISH", "s3://env/p")
    settings = load_settings(show)
    assert (settings.executor, settings.publish) == ("tcp://127.0.0.1:8786", "s3://env/p")
    settings = load_settings(show, executor="local", publish="memory://x")
    assert (settings.executor, settings.publish) == ("local", "memory://x")
    monkeypatch.delenv("NARRATE_EXECUTOR")
    show.write_text(show.read_text("utf-8").replace('"dask"', '"ray"'), "utf-8")
    with pytest.raises(ConfigError) as error:
        load_settings(show, publish="bucket/podcast")
    message = str(error.value)
    assert "build.executor: 'ray' is not an executor" in message
    assert "--publish: 'bucket/podcast' is not a URL" in message and "--out FOLDER" in message
