"""The command line as a user meets it: help, errors, exit codes, the script preview."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, SAMPLE, Run, run_narrate, write_show


def test_help_and_version() -> None:
    run = run_narrate("--help")
    assert run.code == 0 and "build" in run.stdout and "script" in run.stdout
    run = run_narrate("--version")
    assert run.code == 0 and run.stdout.startswith("narrate ")


def test_no_command_shows_usage_and_exits_2() -> None:
    run = run_narrate()
    assert run.code == 2 and "usage" in run.stderr


def test_importing_narrate_prints_no_warnings() -> None:
    code = (
        "import narrate.cli, narrate.build, narrate.audio.mixdown, narrate.audio.tagging;"
        "narrate.audio.mixdown._audio_segment()"
    )
    result = subprocess.run(
        [sys.executable, "-W", "default", "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stderr == "" and result.stdout == ""


def test_a_narrate_process_starts_no_blas_threads() -> None:
    """Each worker is a process per core: numpy's OpenBLAS must not add a spinning thread per
    core to each of them (it did, a tenth of a cold build's CPU). A user's own setting stays."""
    code = (
        "import os, sys\n"
        "from narrate.cli import main\n"
        "try:\n"
        "    main(['--version'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "import numpy\n"
        "numpy.ones((64, 64)) @ numpy.ones((64, 64))\n"
        "print(len(os.listdir('/proc/self/task')), os.environ['OPENBLAS_NUM_THREADS'])\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert run.stdout.split()[-2:] == ["1", "1"], run.stdout + run.stderr
    env["OPENBLAS_NUM_THREADS"] = "2"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert run.stdout.split()[-1] == "2", run.stdout + run.stderr


@pytest.mark.skipif(sys.platform != "linux", reason="glibc's allocator, /proc")
def test_a_build_keeps_freed_memory_for_reuse() -> None:
    """A build frees and allocates large blocks all the time: it keeps what it frees instead
    of handing it back to the kernel to be faulted in and zeroed again."""
    code = (
        "import os, sys\n"
        "from narrate.cli import tuning\n"
        "if sys.argv[1] == 'tuned':\n"
        "    tuning.keep_freed_memory()\n"
        "def rss():\n"
        "    return int(open('/proc/self/statm').read().split()[1]) * os.sysconf('SC_PAGE_SIZE')\n"
        "block = bytearray(64 << 20)\n"
        "block[::4096] = b'x' * len(block[::4096])\n"
        "before = rss()\n"
        "del block\n"
        "print(before - rss())\n"
    )
    returned = {}
    for how in ("tuned", "plain"):
        run = subprocess.run([sys.executable, "-c", code, how], capture_output=True, text=True)
        returned[how] = int(run.stdout or -1)
    assert returned["plain"] > 32 << 20  # glibc hands a freed 64 MB block straight back
    assert 0 <= returned["tuned"] < 8 << 20


def test_configuration_errors_exit_2_listing_every_problem(tmp_path: Path) -> None:
    show = tmp_path / "show.toml"
    show.write_text('title = "x"\nbase_url = "ftp:/nope"\nlanguage = "english!"\n')
    run = run_narrate("build", "--show", show, "--out", tmp_path / "out")
    assert run.code == 2
    for key in ("author:", "description:", "base_url:", "language:"):
        assert key in run.stderr
    assert "Traceback" not in run.stderr
    assert not (tmp_path / "out").exists()


def test_missing_show_file_is_a_clear_error(tmp_path: Path) -> None:
    run = run_narrate("build", "--show", tmp_path / "nope.toml")
    assert run.code == 2 and "no show file" in run.stderr


def test_script_prints_segments_with_chapters() -> None:
    run = run_narrate("script", SAMPLE)
    assert run.code == 0, run.stderr
    assert "## Introduction" in run.stdout and "## Disclaimer" in run.stdout
    assert "[disclaimer] AI-generated summary" in run.stdout
    assert "Read More" not in run.stdout
    # The example show gives this summary a title and a date: the preview uses them.
    assert "Invading immune cells, not microglia" in run.stdout
    assert "November 20, 2026" in run.stdout


def test_script_json_for_editors_tools() -> None:
    run = run_narrate("script", "--format", "json", SAMPLE)
    data = json.loads(run.stdout)
    kinds = [s["kind"] for s in data["segments"]]
    assert kinds[0] == "intro" and kinds[-1] == "outro" and "disclaimer" in kinds
    assert {"chapter", "kind", "text", "spoken"} <= set(data["segments"][0])


def test_build_from_folder_argument_with_tone_engine(tmp_path: Path) -> None:
    folder = tmp_path / "summaries"
    folder.mkdir()
    (folder / "a.md").write_text("---\ndate: 2026-01-02\n---\nShort one. Two sentences.\n")
    (folder / "b.txt").write_text("Another summary that is short.\n")
    (folder / "notes.json").write_text("{}")
    show = write_show(tmp_path, [], **{"voice": '{ engine = "tone" }'})
    out = tmp_path / "out"
    run = run_narrate("build", "--show", show, folder, "--out", out, "--no-cache")
    assert run.code == 0, run.stderr
    assert sorted(p.name for p in (out / "audio").glob("*.mp3")) == ["a.mp3", "b.mp3"]
    assert "audio/a.mp3" in run.stdout and "audio/b.mp3" in run.stdout


def test_build_summary_warns_about_summary_text_it_does_not_speak(tmp_path: Path) -> None:
    folder = tmp_path / "summaries"
    folder.mkdir()
    body = SAMPLE.read_text(encoding="utf-8").splitlines()[:5]  # the summary and disclaimer
    (folder / "crumbs.txt").write_text(
        "\n".join(["Home > Summaries > Lifestyle", "Share this page", *body]), encoding="utf-8"
    )
    (folder / "cut.txt").write_text(
        "\n".join([body[0], "12/31/2026", *body[1:4]]), encoding="utf-8"
    )
    (folder / "clean.txt").write_text("\n".join(body), encoding="utf-8")
    show = write_show(tmp_path, [], **{"voice": '{ engine = "tone" }'})
    out = tmp_path / "out"

    run = run_narrate("build", "--show", show, folder, "--out", out, "--no-cache")

    assert run.code == 0, run.stderr
    summary = run.stderr[run.stderr.index("3 warnings about the summaries:") :].splitlines()
    assert summary[1].startswith(f"  {folder / 'crumbs.txt'}: lines 1–2 not spoken")
    assert summary[2].startswith(f"  {folder / 'cut.txt'}: lines 2–5 not spoken")
    assert summary[3].startswith(f"  {folder / 'cut.txt'}: the episode speaks only ")
    assert len(summary) == 4  # nothing about clean.txt
    preview = run_narrate("script", folder / "crumbs.txt")
    assert preview.code == 0
    assert "lines 1–2 not spoken" in preview.stderr
    assert "Home > Summaries" not in preview.stdout


def _titles(feed: Path) -> list[str]:
    import feedparser

    parsed = feedparser.parse(feed.read_bytes())
    assert not parsed.bozo
    return sorted(e.title for e in parsed.entries)


def test_feed_keeps_its_own_history_and_only_its_own(tmp_path: Path) -> None:
    (tmp_path / "one.md").write_text("---\ntitle: One\ndate: 2026-01-01\n---\nFirst summary.\n")
    (tmp_path / "two.md").write_text("---\ntitle: Two\ndate: 2026-01-02\n---\nSecond summary.\n")
    tone = {"voice": '{ engine = "tone" }'}
    show = write_show(tmp_path, [{"file": '"one.md"'}, {"file": '"two.md"'}], **tone)
    out = tmp_path / "out"
    assert run_narrate("build", "--show", show, "--out", out, "--no-cache").code == 0
    feed = out / "feeds" / "feed.xml"
    assert _titles(feed) == ["One", "Two"]
    # Building just one summary never drops the other from the feed by accident.
    assert (
        run_narrate("build", "--show", show, tmp_path / "one.md", "--out", out, "--no-cache").code
        == 0
    )
    assert _titles(feed) == ["One", "Two"]
    # A different show built into the same folder does not inherit those episodes.
    other = tmp_path / "other"
    other.mkdir()
    (other / "three.md").write_text("---\ntitle: Three\n---\nThird summary.\n")
    show2 = write_show(other, [{"file": '"three.md"'}], **tone)
    text = show2.read_text().replace("podcast.example.org/test", "elsewhere.example.org/")
    show2.write_text(text)
    assert run_narrate("build", "--show", show2, "--out", out, "--no-cache").code == 0
    assert _titles(feed) == ["Three"]


# Errors name where the value came from: the show file, or the command line


def _stderr_lines(run: Run) -> list[str]:
    """What narrate said about the problem: one line per problem, never a traceback."""
    assert "Traceback" not in run.stderr, run.stderr
    return run.stderr.splitlines()


TONE_SHOW = {"voice": '{ engine = "tone" }'}


def test_out_naming_a_file_is_a_command_line_error(tmp_path: Path) -> None:
    show = write_show(tmp_path, [], **TONE_SHOW)
    (tmp_path / "taken").write_text("not a folder")

    run = run_narrate("build", "--show", show, "--out", tmp_path / "taken")
    below = run_narrate("build", "--show", show, "--out", tmp_path / "taken" / "out")

    assert run.code == below.code == 2
    assert _stderr_lines(run) == [
        "narrate: configuration error on the command line:",
        f"  --out: {tmp_path / 'taken'} cannot be the output folder (it is a file); "
        "name a folder (it is made if missing)",
    ]
    assert _stderr_lines(below)[1] == (
        f"  --out: {tmp_path / 'taken' / 'out'} cannot be the output folder "
        f"({tmp_path / 'taken'} is a file); name a folder (it is made if missing)"
    )


def test_rate_and_voice_from_the_command_line_are_blamed_on_it(tmp_path: Path) -> None:
    show = write_show(tmp_path, [])
    missing = tmp_path / "nowhere" / "missing.onnx"

    run = run_narrate("build", "--show", show, "--rate", "fast", "--voice", missing,
                      "--jobs", "0")  # fmt: skip

    assert run.code == 2
    assert _stderr_lines(run) == [
        "narrate: configuration error on the command line:",
        '  --rate: "fast" is not a rate; use "normal", "gentle" or a number from 0.5 to 2',
        f'  --voice: no Kokoro voice file (.bin) at "{missing}"; '
        "give a path to a Kokoro voice file (.bin) or leave it out",
        "  --jobs: must be 1 or more",
    ]


def test_show_and_command_line_problems_are_reported_together(tmp_path: Path) -> None:
    """The show's engine is checked with the rest of the show, not when the build starts."""
    show = write_show(tmp_path, [], voice='{ engine = "espeak" }', explicit='"no"')

    run = run_narrate("build", "--show", show, "--rate", "fast", "--out", tmp_path / "o")

    assert run.code == 2
    assert _stderr_lines(run) == [
        f"narrate: configuration error in {show}:",
        "  explicit: must be true or false",
        '  voice.engine: no engine called "espeak" (known: gtts, kokoro, piper, tone)',
        "narrate: configuration error on the command line:",
        '  --rate: "fast" is not a rate; use "normal", "gentle" or a number from 0.5 to 2',
    ]
    assert not (tmp_path / "o").exists()


def test_summary_folder_without_summaries_is_not_the_example_shows_fault(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()

    run = run_narrate("build", "empty", cwd=tmp_path)

    assert run.code == 2
    assert _stderr_lines(run) == [
        "narrate: configuration error on the command line:",
        "  summaries: no .txt or .md files in folder empty",
    ]


def test_a_problem_found_while_building_names_the_show_file(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text("A short summary.\n")
    show = write_show(tmp_path, [{"file": '"a.md"'}], cover='"art/missing.jpg"', **TONE_SHOW)

    run = run_narrate("build", "--show", show, "--out", tmp_path / "out", "--no-cache")

    assert run.code == 2
    assert _stderr_lines(run)[-2:] == [
        f"narrate: configuration error in {show}:",
        f'  cover: "{tmp_path / "art" / "missing.jpg"}" does not exist '
        "(check the path, or remove cover to use the generated one)",
    ]


def test_script_names_its_own_argument(tmp_path: Path) -> None:
    (tmp_path / "folder").mkdir()

    missing = run_narrate("script", "missing.md", cwd=tmp_path)
    folder = run_narrate("script", "folder", cwd=tmp_path)

    assert missing.code == folder.code == 2
    assert _stderr_lines(missing) == [
        "narrate: configuration error on the command line:",
        "  FILE: no file at missing.md; check the path",
    ]
    assert _stderr_lines(folder) == [
        "narrate: configuration error on the command line:",
        "  FILE: folder is a folder; name one summary in it (a .txt, .md or .html file)",
    ]


def test_summaries_named_on_the_command_line_keep_what_the_show_says(tmp_path: Path) -> None:
    import feedparser

    (tmp_path / "summaries").mkdir()
    (tmp_path / "summaries" / "a.txt").write_text("A summary the show dates.\n")
    (tmp_path / "summaries" / "b.txt").write_text("A summary the show does not list.\n")
    entry = {"file": '"summaries/a.txt"', "date": "2025-03-04", "title": '"Given title"',
             "source_url": '"https://example.org/a"'}  # fmt: skip
    show = write_show(tmp_path, [entry], **TONE_SHOW)
    out = tmp_path / "out"

    run = run_narrate("build", "--show", show, tmp_path / "summaries", "--out", out,
                      "--no-cache", "--no-check", cwd=tmp_path)  # fmt: skip

    assert run.code == 0, run.stderr
    items = {
        e.title: e for e in feedparser.parse((out / "feeds" / "feed.xml").read_bytes()).entries
    }
    assert set(items) == {"Given title", "A summary the show does not list"}
    given = items["Given title"]
    assert given.published_parsed[:3] == (2025, 3, 4)
    assert '<a href="https://example.org/a">' in given.content[0].value


def test_build_log_counts_phrases_throughout(tmp_path: Path) -> None:
    """The log's per-episode speech line and the summary count the same thing (phrases,
    spoken afresh or from the cache), and their counts agree; "1 episode", not "1 episodes"."""
    import re

    summary = tmp_path / "a.md"
    summary.write_text(
        "---\ndate: 2026-01-02\n---\nThe first sentence is here, and it goes on a little, "
        "long enough to need a breath in the middle of it. The second one is short.\n"
    )
    show = write_show(tmp_path, [{"file": '"a.md"'}], **TONE_SHOW)
    common = ("--out", tmp_path / "out", "--cache-dir", tmp_path / "cache", "--no-check")
    cold = run_narrate("build", "--show", show, *common)
    summary.write_text(summary.read_text().replace("second one", "last one"))
    edited = run_narrate("build", "--show", show, *common)

    for run in (cold, edited):
        assert run.code == 0, run.stderr
        [speech] = re.findall(
            r"^speech: (\d+) phrases in (\d+) segments, (\d+) spoken afresh, (\d+) from the "
            r"cache$", run.stderr, re.MULTILINE,
        )  # fmt: skip
        phrases, segments, afresh, cached = map(int, speech)
        assert phrases > segments and afresh + cached == phrases
        noun = "phrase" if afresh == 1 else "phrases"
        assert f"\n  {afresh} {noun} spoken afresh (not from the cache)\n" in run.stdout
        assert re.search(r"feed\.xml lists 1 episode$", run.stderr, re.MULTILINE), run.stderr
        assert "(1 episode)" in run.stdout
        if run is cold:
            assert cached == 0
        else:
            assert 0 < afresh < phrases and cached > 0


def test_a_folder_the_show_lists_as_a_summary_is_named_as_a_folder(tmp_path: Path) -> None:
    (tmp_path / "notes").mkdir()
    (tmp_path / "a.md").write_text("A short summary.\n")
    show = write_show(tmp_path, [{"file": '"notes"'}, {"file": '"a.md"'}], **TONE_SHOW)

    run = run_narrate("build", "--show", show, "--out", tmp_path / "out", "--no-cache")

    assert run.code == 1  # the other summary is built and published
    assert _stderr_lines(run)[-2:] == [
        "1 summary could not be built:",
        f"  {tmp_path / 'notes'}: is a folder, not a summary file; "
        "name a .txt, .md or .html file in the show's [[episodes]]",
    ]


def test_a_reader_that_stops_early_gets_no_traceback() -> None:
    """`narrate script FILE | head`: the pipe closes before narrate has written everything."""
    process = subprocess.Popen(
        [sys.executable, "-m", "narrate", "script", str(SAMPLE)],
        cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    process.stdout.close()  # before narrate writes a line: every write finds no reader
    _, stderr = process.communicate(timeout=120)
    assert "Traceback" not in stderr, stderr
    assert "Exception ignored" not in stderr, stderr
    assert process.returncode == 1
