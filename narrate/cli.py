"""Command line: argument parsing, progress display, exit codes.

The only module that prints or exits. Exit codes: 0 all built, 1 some episodes failed (the
others were published), 2 usage or configuration error.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import json
import logging
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from narrate import __version__

if TYPE_CHECKING:
    from narrate.build import Progress as BuildProgress
    from narrate.config import Settings

EXIT_OK, EXIT_FAILED_EPISODES, EXIT_CONFIG = 0, 1, 2


def main(argv: Sequence[str] | None = None) -> int:
    _one_blas_thread()
    parser = _parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.WARNING if args.quiet else logging.DEBUG if args.verbose else logging.INFO,
        format="%(message)s",
        stream=sys.stderr,
    )
    from narrate.errors import COMMAND_LINE, ConfigError, NarrateError, write_error

    try:
        code: int = args.run(args)
        sys.stdout.flush()
    except BrokenPipeError:
        # The reader went away (`narrate script FILE | head`): nothing left to tell it.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILED_EPISODES
    except ConfigError as error:
        for source, problems in error.sections:
            where = " on the command line" if source == COMMAND_LINE else f" in {source}"
            print(f"narrate: configuration error{where if source else ''}:", file=sys.stderr)
            for problem in problems:
                print(f"  {problem}", file=sys.stderr)
        return EXIT_CONFIG
    except NarrateError as error:
        print(f"narrate: {error}", file=sys.stderr)
        return EXIT_FAILED_EPISODES
    except OSError as error:
        if error.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise  # anything else is a bug: keep its traceback
        # A full disk can strike any write; wherever it did, the fix is the same.
        print(f"narrate: {write_error(error.filename or 'a file', error)}", file=sys.stderr)
        return EXIT_FAILED_EPISODES
    except KeyboardInterrupt:
        print("narrate: interrupted; published files are unchanged", file=sys.stderr)
        return 130
    return code


def _one_blas_thread() -> None:
    """narrate runs a process per core (``--jobs``). numpy's OpenBLAS would start a thread
    per core in each of them too, and after every matrix product those threads spin against
    the voice's workers and the encoder for a while: a tenth of a cold build's CPU time.
    Set before numpy is first imported; a value the user set is kept."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def _keep_freed_memory() -> None:
    """glibc returns every large block (a clip, a stretch of samples) to the kernel when it
    is freed, and the next one is page-faulted and zeroed afresh: a cold build spent about
    0.3 CPU-s that way. Keep up to 256 MB of freed memory for reuse instead (the speech
    workers and the recognizer, forked from this process, inherit it)."""
    if sys.platform != "linux":
        return
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc: its allocator is its own business
        return
    for option, value in ((-1, 256 << 20), (-2, 64 << 20), (-3, 256 << 20)):
        mallopt(option, value)  # M_TRIM_THRESHOLD, M_TOP_PAD, M_MMAP_THRESHOLD


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="narrate",
        description="Turn plain-language research summaries into an accessible podcast, offline.",
    )
    parser.add_argument("--version", action="version", version=f"narrate {__version__}")
    parser.set_defaults(run=lambda _args: _usage(parser), quiet=False, verbose=False)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    build = commands.add_parser(
        "build",
        help="build the MP3 episodes and the podcast feed",
        description="Build a show: every summary becomes a tagged MP3 under audio/, and the "
        "feed is written under feeds/. With no --show, builds ./show.toml if present, else "
        "the example show that ships with narrate.",
    )
    build.add_argument("summaries", nargs="*", type=Path, metavar="SUMMARY",
                       help="summary files or folders; replace the show's own list")  # fmt: skip
    build.add_argument("--show", type=Path, help="the show file (TOML)")
    build.add_argument("--out", type=Path, help="output root for audio/ and feeds/ (default: .)")
    build.add_argument(
        "--cache-dir", type=Path, help="clip cache folder (default: ~/.cache/narrate)"
    )
    build.add_argument("--no-cache", action="store_true", help="synthesize every segment afresh")
    build.add_argument(
        "--no-check", action="store_true", help="skip the podcast-directory check at the end"
    )
    build.add_argument(
        "--jobs", type=int, metavar="N", help="speech worker processes (default: one per core)"
    )
    build.add_argument("--engine", help="speech engine for this build (a registered name)")
    build.add_argument("--voice", help="voice for this build (a Piper .onnx path, a gTTS domain)")
    build.add_argument("--rate", help='speaking rate: "normal", "gentle" or a number like 0.9')
    build.add_argument("-q", "--quiet", action="store_true", help="print only problems")
    build.add_argument("-v", "--verbose", action="store_true", help="print debugging detail")
    build.set_defaults(run=_run_build)

    check = commands.add_parser(
        "check",
        help="check a built show the way a podcast directory would",
        description="Check the built feed, enclosures, durations, artwork, transcripts, "
        "chapters, ID3 tags and loudness against Apple's and the Podcasting 2.0 rules, "
        "offline. Prints one line per problem; exits 1 when there is any.",
    )
    _built_show_arguments(check)
    check.set_defaults(run=_run_check)

    serve = commands.add_parser(
        "serve",
        help="preview the built site on this computer (127.0.0.1)",
        description="Serve the built site on 127.0.0.1 with byte ranges (so seeking works) "
        "and print its address: only the files a build publishes, never the rest of the "
        "folder. Stop with Ctrl+C.",
    )
    _built_show_arguments(serve)
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 = any)")
    serve.set_defaults(run=_run_serve)

    cache = commands.add_parser(
        "cache",
        help="report on or trim the cache of spoken phrases",
        description="The cache holds every phrase spoken, keyed by what makes its sound; it "
        "makes rebuilds cheap and is always safe to delete.",
    )
    cache.add_argument("--cache-dir", type=Path, help="cache folder (default: ~/.cache/narrate)")
    action = cache.add_mutually_exclusive_group()
    action.add_argument("--info", action="store_true", help="how many phrases, how much space")
    action.add_argument(
        "--prune", type=float, nargs="?", const=30.0, metavar="DAYS",
        help="delete phrases not used for DAYS days (default 30; 0 deletes all)",
    )  # fmt: skip
    cache.set_defaults(run=_run_cache)

    verify = commands.add_parser(
        "verify",
        help="listen to the built episodes: silent or truncated speech, an unheard disclaimer",
        description="Check every episode the show's feed lists, as published under --out: "
        "no silent or truncated segment, and the disclaimer is heard by an offline recognizer.",
    )
    _built_show_arguments(verify)
    verify.set_defaults(run=_run_verify)

    script = commands.add_parser(
        "script",
        help="print what an episode will say, segment by segment",
        description="Print the spoken script of one summary, with chapters, before any audio "
        "is made.",
    )
    script.add_argument("file", type=Path, metavar="FILE", help="a summary (.txt or .md)")
    script.add_argument("--show", type=Path, help="the show file whose wording to use")
    script.add_argument("--format", choices=("text", "json"), default="text")
    script.set_defaults(run=_run_script)
    return parser


def _built_show_arguments(parser: argparse.ArgumentParser) -> None:
    """SHOW (positional or --show) and --out: for the commands that look at a built show."""
    parser.add_argument("show", nargs="?", type=Path, metavar="SHOW", help="the show file")
    parser.add_argument("--show", type=Path, dest="show_option", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help="output root that was built (default: .)")


def _built_settings(args: argparse.Namespace) -> Settings:
    from narrate.config import find_show, load_settings

    show = args.show or args.show_option or find_show(Path.cwd())
    return load_settings(show, summaries=[], out_dir=args.out, use_cache=False)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return EXIT_CONFIG


def _show_path(args: argparse.Namespace) -> Path:
    from narrate.config import find_show

    return Path(args.show) if args.show else find_show(Path.cwd())


def _load(show: Path, own_problems: list[str], **options: Any) -> Settings:
    """``load_settings``, with the problems a command found in its own arguments (``--jobs``)
    reported together with the show's, each under its origin."""
    from narrate.config import load_settings
    from narrate.errors import COMMAND_LINE, ConfigError

    try:
        settings = load_settings(show, **options)
    except ConfigError as error:
        raise error.plus([(COMMAND_LINE, own_problems)]) from None
    if own_problems:
        raise ConfigError(own_problems, COMMAND_LINE)
    return settings


@contextlib.contextmanager
def _show_problems(settings: Settings) -> Iterator[None]:
    """A problem found while building from the show's settings (a cover Pillow cannot read, a
    lexicon entry) is the show file's: name it, where the stage that found it could not."""
    from narrate.errors import ConfigError

    try:
        yield
    except ConfigError as error:
        raise error.with_source(str(settings.show_path)) from None


def _run_build(args: argparse.Namespace) -> int:
    _keep_freed_memory()
    from narrate.build import build

    settings = _load(
        _show_path(args),
        ["--jobs: must be 1 or more"] if args.jobs is not None and args.jobs < 1 else [],
        summaries=list(args.summaries) or None,
        out_dir=args.out,
        cache_dir=args.cache_dir,
        use_cache=not args.no_cache,
        engine=args.engine,
        voice_arg=args.voice,
        rate=args.rate,
    )
    with _show_problems(settings), _progress_display(quiet=args.quiet) as progress:
        report = build(settings, jobs=args.jobs, progress=progress)
    # Mixdown decoded and measured every MP3 it encoded, and the self-check listened to
    # it: the check after a build looks at everything else, not at the sound again.
    with _show_problems(settings):
        problems = [] if args.no_check else _check(settings, measure=set())
    from narrate.publish.timing import short_clock

    print(f"Built {settings.show.title!r} into {report.out_dir}")
    for episode in report.built:
        length = short_clock(episode.duration_ms, length=True)
        print(f"  {episode.audio_file}  {length}  {episode.title}")
        print(f"      voice: {episode.voice}")
    for episode in report.unchanged:
        print(f"  {episode.audio_file}  {short_clock(episode.duration_ms, length=True)}  unchanged")
    print(f"  {_count(report.synthesized, 'phrase')} spoken afresh (not from the cache)")
    print(
        f"  {report.feed_path.relative_to(report.out_dir)}  ({_count(len(report.feed), 'episode')})"
    )
    if report.failures:
        count = len(report.failures)
        noun = "summary" if count == 1 else "summaries"
        print(f"{count} {noun} could not be built:", file=sys.stderr)
        for failure in report.failures:
            print(f"  {failure}", file=sys.stderr)
    _print_warnings(report.warnings)
    return EXIT_FAILED_EPISODES if report.failures or problems else EXIT_OK


def _print_warnings(warnings: Sequence[str]) -> None:
    """What to check in summaries that were read, after the build summary (exit code unchanged)."""
    if warnings:
        noun = "warning" if len(warnings) == 1 else "warnings"
        print(f"{len(warnings)} {noun} about the summaries:", file=sys.stderr)
        for warning in warnings:
            print(f"  {warning}", file=sys.stderr)


@contextlib.contextmanager
def _progress_display(quiet: bool) -> Iterator[Callable[[BuildProgress], None] | None]:
    """A live progress bar with time left on a terminal; plain log lines elsewhere."""
    if quiet or not sys.stderr.isatty():
        yield None
        return
    from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn

    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, transient=True) as bar:
        episodes = bar.add_task("episodes", total=None)
        phrases = bar.add_task("phrases", total=None)

        def update(state: BuildProgress) -> None:
            bar.update(episodes, completed=state.episodes_done, total=state.episodes_total,
                       description=f"episodes ({state.current[:40]})")  # fmt: skip
            bar.update(phrases, completed=state.phrases_done, total=state.phrases_total or None)

        yield update


def _check(settings: Settings, measure: set[str] | None = None) -> list[str]:
    """Run the directory check; print its problems (or nothing) and return them."""
    from narrate.publish.check import check_show

    problems = check_show(settings, measure)
    if problems:
        print(f"narrate check found {len(problems)} problem(s):", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
    return problems


def _run_serve(args: argparse.Namespace) -> int:
    from narrate.publish.serve import make_server

    settings = _built_settings(args)
    if not (settings.out_dir / "index.html").is_file():
        print(f"narrate: no site under {settings.out_dir}; run narrate build first",
              file=sys.stderr)  # fmt: skip
        return EXIT_FAILED_EPISODES
    try:
        server = make_server(settings.out_dir, args.port, settings.show.feed_file)
    except OSError as error:
        print(f"narrate: cannot listen on 127.0.0.1:{args.port} ({error.strerror}); "
              "try another --port", file=sys.stderr)  # fmt: skip
        return EXIT_CONFIG
    port = server.server_address[1]
    print(f"Serving {settings.out_dir} at http://127.0.0.1:{port}/index.html (Ctrl+C stops)",
          flush=True)  # fmt: skip
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return EXIT_OK


def _run_cache(args: argparse.Namespace) -> int:
    from narrate.audio.cache import cache_info, prune_cache
    from narrate.config import default_cache_dir
    from narrate.errors import COMMAND_LINE, ConfigError

    root = args.cache_dir or default_cache_dir()
    if args.prune is not None and not args.prune >= 0:  # a negative age would delete it all
        raise ConfigError(
            [f"--prune: {args.prune:g} is not a number of days; give 0 or more (0 deletes all)"],
            COMMAND_LINE,
        )
    if args.prune is not None:
        removed = prune_cache(root, args.prune)
        print(f"removed {_count(removed.entries, 'phrase')} ({removed.bytes / 1e6:.1f} MB) "
              f"from {root}")  # fmt: skip
    info = cache_info(root)
    print(
        f"{root}: {_count(info.entries, 'phrase')}, {info.bytes / 1e6:.1f} MB"
        + (f", least recently used {info.oldest_days:.0f} days ago" if info.entries else "")
    )
    return EXIT_OK


def _run_check(args: argparse.Namespace) -> int:
    settings = _built_settings(args)
    problems = _check(settings)
    if not problems:
        print(f"ok: {settings.show.feed_file} and everything it lists pass the checks")
    return EXIT_FAILED_EPISODES if problems else EXIT_OK


def _run_verify(args: argparse.Namespace) -> int:
    from narrate.publish.verify import verify_published

    settings = _built_settings(args)
    results = verify_published(settings)
    if not results:
        print(f"narrate: nothing published for this show under {settings.out_dir}; "
              "run narrate build first", file=sys.stderr)  # fmt: skip
        return EXIT_FAILED_EPISODES
    failed = 0
    for audio_file, problems in sorted(results.items()):
        if not problems:
            print(f"ok    {audio_file}")
        for problem in problems:
            print(f"FAIL  {audio_file}: {problem}")
        failed += bool(problems)
    return EXIT_FAILED_EPISODES if failed else EXIT_OK


def _run_script(args: argparse.Namespace) -> int:
    from narrate.engines import load_engine
    from narrate.text.page_dump import reading_warnings
    from narrate.text.script import build_script, speech_options
    from narrate.text.sources import read_episode

    file: Path = args.file
    wrong = []
    if file.is_dir():
        wrong.append(f"FILE: {file} is a folder; name one summary in it (a .txt or .md file)")
    elif not file.exists():
        wrong.append(f"FILE: no file at {file}; check the path")
    # As a summary named to narrate build: what the show says about it (date, title) applies.
    settings = _load(_show_path(args), wrong, summaries=[] if wrong else [file], use_cache=False)
    [source] = settings.episodes
    with _show_problems(settings):
        episode = read_episode(source)
        speech = speech_options(settings.script, load_engine(settings.engine))
        script = build_script(episode, settings.script, speech.lexicon, speech.phonemes)
    _print_warnings(reading_warnings(episode))
    if args.format == "json":
        segments = [
            {
                "chapter": script.chapters[s.chapter],
                "kind": s.kind,
                "text": s.text,
                "spoken": s.spoken,
            }
            for s in script.segments
        ]
        print(json.dumps({"title": episode.title, "segments": segments}, indent=2,
                         ensure_ascii=False))  # fmt: skip
        return EXIT_OK
    print(f"# {episode.title} ({episode.date.isoformat()})")
    chapter = None
    for number, segment in enumerate(script.segments, start=1):
        if segment.chapter != chapter:
            chapter = segment.chapter
            print(f"\n## {script.chapters[chapter]}")
        print(f"{number:3}. [{segment.kind}] {segment.text}")
        if segment.spoken != segment.text:
            print(f"     spoken: {segment.spoken}")
    return EXIT_OK


def _count(number: int, noun: str) -> str:
    """ "1 phrase", "2 phrases", "0 phrases": what a count counts, in good English."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


if __name__ == "__main__":
    sys.exit(main())
