"""A build killed at any moment leaves nothing running and nothing locked.

The main process alone gets SIGKILL or a plain ``kill`` (not its process group: a supervisor
or the OOM killer does that), with real worker processes speaking with the real voice.
Nothing of the build may outlive it by more than a few seconds, and the next build starts at
once and finishes.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import REPO, write_show

SUMMARY = (
    "In a mouse model of multiple sclerosis, immune cells damaged nerve tissue. "
    "The researchers blocked one enzyme, and the mice walked better. "
    "Treatments that calm these cells may one day protect the brain.\n\n"
    "AI-generated summary — for informational purposes only, not medical advice\n"
)


def _session(sid: int) -> list[int]:
    """Live processes (not zombies) in session ``sid``: the build and all it started."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        state, _ppid, _group, session = stat.rsplit(")", 1)[1].split()[:4]
        if int(session) == sid and state != "Z":
            found.append(int(entry))
    return found


def _children(pid: int) -> list[int]:
    return [p for p in _session(pid) if p != pid and _parent(p) == pid]


def _parent(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except OSError:
        return 0


def _start(show: Path, out: Path, cache: Path) -> subprocess.Popen[str]:
    """A real build with two speech workers, in a session of its own (to find what it starts),
    its temporary audio in a folder of the test's own (``_scratch``)."""
    _scratch(out).mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [sys.executable, "-m", "narrate", "build", "--show", str(show), "--out", str(out),
         "--cache-dir", str(cache), "--jobs", "2", "-q"],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True, env={**os.environ, "TMPDIR": str(_scratch(out))},
    )  # fmt: skip


def _scratch(out: Path) -> Path:
    """The build's TMPDIR, where it mixes and encodes."""
    return out.parent / "tmp"


def _moment_workers(build: subprocess.Popen[str], out: Path, cache: Path) -> bool:
    """The workers are starting (loading the voice)."""
    return bool(_children(build.pid))


def _moment_speaking(build: subprocess.Popen[str], out: Path, cache: Path) -> bool:
    """The workers have spoken a first phrase and are speaking the rest."""
    return any(cache.glob("??/*.json"))


def _moment_mixing(build: subprocess.Popen[str], out: Path, cache: Path) -> bool:
    """Speech is done for an episode: it is being mixed and encoded (ffmpeg is running)."""
    return any(_scratch(out).glob("narrate-*/*.mp3"))


MOMENTS: dict[str, Callable[[subprocess.Popen[str], Path, Path], bool]] = {
    "loading the voice": _moment_workers,
    "speaking": _moment_speaking,
    "mixing": _moment_mixing,
}


@pytest.fixture(scope="module")
def voices(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One folder of prepared voices for these tests' builds (each prepares it once at most)."""
    return tmp_path_factory.mktemp("voices")


@pytest.mark.parametrize(
    ("moment", "how"),
    [
        pytest.param(moment, how, id=f"{how.name} while {moment}")
        for moment, how in [*((m, signal.SIGKILL) for m in MOMENTS), ("speaking", signal.SIGTERM)]
    ],
)
def test_a_build_killed_leaves_nothing_running_and_the_next_starts_at_once(
    tmp_path: Path, voices: Path, moment: str, how: signal.Signals
) -> None:
    for name in ("one", "two"):
        (tmp_path / f"{name}.txt").write_text(f"Study {name}.\n\n{SUMMARY}", encoding="utf-8")
    show = write_show(
        tmp_path,
        [{"file": '"one.txt"', "date": "2026-11-20"}, {"file": '"two.txt"', "date": "2026-11-21"}],
        voice='{ engine = "piper" }',  # the fast voice, its graph kept in ``voices``
    )
    out, cache = tmp_path / "out", tmp_path / "cache"
    cache.mkdir()
    (cache / "voices").symlink_to(voices)  # every phrase is spoken afresh, by a voice kept
    build = _start(show, out, cache)
    try:
        deadline = time.monotonic() + 120
        # The moment, with worker processes there to leave behind (a short-lived child, such
        # as a probe the build runs at start, may be gone by the next look: wait for them).
        while not (MOMENTS[moment](build, out, cache) and _children(build.pid)):
            assert build.poll() is None, f"the build ended before {moment}: {build.stderr.read()}"
            assert time.monotonic() < deadline, f"the build never reached {moment} with workers"
            time.sleep(0.01)
        os.kill(build.pid, how)
        build.wait()
        # Everything it started ends within a few seconds.
        deadline = time.monotonic() + 5
        while (left := _session(build.pid)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not left, f"still running after the build was killed: {_describe(left)}"
    finally:
        _kill_session(build.pid)

    again = _start(show, out, cache)
    try:
        _, stderr = again.communicate(timeout=300)
        assert again.returncode == 0, stderr
        assert "waiting for it" not in stderr, stderr  # the lock was free at once
        items = ET.parse(out / "feeds" / "feed.xml").getroot().findall("./channel/item")
        assert len(items) == 2
        assert not _session(again.pid), "a finished build left processes running"
        # The killed build's temporary audio went with the next build (its own, with it).
        assert not list(_scratch(out).glob("narrate-*"))
    finally:
        _kill_session(again.pid)


def _describe(pids: list[int]) -> str:
    names = []
    for pid in pids:
        try:
            names.append(Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode())
        except OSError:
            continue
    return "; ".join(names)


def _kill_session(sid: int) -> None:
    """Never leave a test's processes behind, whatever the test found."""
    for pid in _session(sid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


def test_a_build_waiting_for_a_lock_whose_holder_has_ended_says_so(tmp_path: Path) -> None:
    """Processes an ended build started (an older narrate's workers) may still hold the lock:
    the waiting build names that, not a build that seems to run."""
    from narrate.publish.output import Output

    state = tmp_path / ".narrate"
    state.mkdir()
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                           capture_output=True, text=True, check=True)  # fmt: skip
    (state / "lock").write_text(f"pid {ended.stdout.strip()}")
    holder = subprocess.Popen(  # holds the lock like a stray worker, until told to stop
        [sys.executable, "-c", "import fcntl, sys; f = open(sys.argv[1], 'a'); "
         "fcntl.flock(f, fcntl.LOCK_EX); print('held', flush=True); sys.stdin.read()",
         str(state / "lock")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    told: list[str] = []
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"

        def release(message: str) -> None:
            told.append(message)
            holder.communicate("")  # the stray process is stopped: the lock comes free

        with Output(tmp_path).lock(wait=release):
            pass
    finally:
        holder.kill()
    assert len(told) == 1
    assert f"pid {ended.stdout.strip()} has ended" in told[0]
    assert "processes it started still hold the folder" in told[0]
