"""What each command does once its arguments are parsed: load the show, run the stage, say
what happened; each returns its exit code.

Exit codes: EXIT_OK when everything asked for was done, EXIT_FAILED_EPISODES when some of it
could not be (the rest was), EXIT_CONFIG for a wrong show file or command line.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from narrate.cli.progress import progress_display
from narrate.cli.tuning import keep_freed_memory

if TYPE_CHECKING:
    from narrate.config import Settings
    from narrate.models import Miss, Verified

EXIT_OK, EXIT_FAILED_EPISODES, EXIT_CONFIG = 0, 1, 2


def _built_settings(args: argparse.Namespace) -> Settings:
    from narrate.config import find_show, load_settings

    show = args.show or args.show_option or find_show(Path.cwd())
    return load_settings(show, summaries=[], out_dir=args.out, use_cache=False,
                         publish=getattr(args, "publish", None))  # fmt: skip


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


def run_build(args: argparse.Namespace) -> int:
    keep_freed_memory()
    from narrate.build import build
    from narrate.storage import is_url

    shared = is_url(args.cache_dir or "")  # a cache at a URL, shared by a cluster's workers
    settings = _load(
        _show_path(args),
        ["--jobs: must be 1 or more"] if args.jobs is not None and args.jobs < 1 else [],
        summaries=list(args.summaries) or None,
        out_dir=args.out,
        cache_dir=None if shared else args.cache_dir and Path(args.cache_dir),
        use_cache=not args.no_cache,
        engine=args.engine,
        voice_arg=args.voice,
        rate=args.rate,
        executor=args.executor,
        publish=args.publish,
    )
    if shared and settings.cache_dir:  # (--no-cache wins)
        settings = dataclasses.replace(settings, cache_url=args.cache_dir)
    with _show_problems(settings), progress_display(quiet=args.quiet) as progress:
        report = build(settings, jobs=args.jobs, progress=progress)
    # Mixdown decoded and measured every MP3 it encoded, and the self-check listened to
    # it: the check after a build looks at everything else, not at the sound again.
    with _show_problems(settings):
        problems = [] if args.no_check else _check(settings, measure=set())
    from narrate.publish.timing import short_clock

    print(f"Built {settings.show.title!r} into {report.where}")
    for episode in report.built:
        length = short_clock(episode.duration_ms, length=True)
        print(f"  {episode.audio_file}  {length}  {episode.title}")
        print(f"      voice: {episode.voice}")
    for episode in report.unchanged:
        print(f"  {episode.audio_file}  {short_clock(episode.duration_ms, length=True)}  unchanged")
    print(f"  {_count(report.synthesized, 'phrase')} spoken afresh (not from the cache)")
    print(f"  {settings.show.feed_file}  ({_count(len(report.feed), 'episode')})")
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


def _check(settings: Settings, measure: set[str] | None = None) -> list[str]:
    """Run the directory check; print its problems (or nothing) and return them."""
    from narrate.publish.check import check_show

    problems = check_show(settings, measure)
    if problems:
        print(f"narrate check found {len(problems)} problem(s):", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
    return problems


def run_serve(args: argparse.Namespace) -> int:
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


def run_cache(args: argparse.Namespace) -> int:
    from narrate.audio import cache
    from narrate.config import default_cache_dir
    from narrate.errors import COMMAND_LINE, ConfigError
    from narrate.storage import is_url

    root = args.cache_dir or str(default_cache_dir())
    if args.prune is not None and not args.prune >= 0:  # a negative age would delete it all
        raise ConfigError(
            [f"--prune: {args.prune:g} is not a number of days; give 0 or more (0 deletes all)"],
            COMMAND_LINE,
        )
    shared = is_url(root)  # a cluster's cache: its age is since each entry was written
    if args.prune is not None:
        removed = (
            cache.prune_shared_cache(root, args.prune)
            if shared
            else cache.prune_cache(Path(root), args.prune)
        )
        print(f"removed {_count(removed.entries, 'phrase')} ({removed.bytes / 1e6:.1f} MB) "
              f"from {root}")  # fmt: skip
    info = cache.shared_cache_info(root) if shared else cache.cache_info(Path(root))
    age = "written" if shared else "used"
    print(
        f"{root}: {_count(info.entries, 'phrase')}, {info.bytes / 1e6:.1f} MB"
        + (f", least recently {age} {info.oldest_days:.0f} days ago" if info.entries else "")
    )
    return EXIT_OK


def run_check(args: argparse.Namespace) -> int:
    settings = _built_settings(args)
    problems = _check(settings)
    if not problems:
        print(f"ok: {settings.show.feed_file} and everything it lists pass the checks")
    return EXIT_FAILED_EPISODES if problems else EXIT_OK


def run_verify(args: argparse.Namespace) -> int:
    from narrate.publish.verify import verify_published

    settings = _built_settings(args)
    results = verify_published(settings)
    if not results:
        print(f"narrate: nothing published for this show under "
              f"{settings.publish or settings.out_dir}; run narrate build first",
              file=sys.stderr)  # fmt: skip
        return EXIT_FAILED_EPISODES
    from narrate.publish.suggest import lexicon_text, suggest
    from narrate.publish.verify import misheard_words, write_report, write_suggestions

    suggestions = suggest(misheard_words(results), settings)
    entries = lexicon_text(suggestions) if suggestions else ""
    written = write_suggestions(settings, entries) if suggestions else None
    report_file = write_report(settings, results, entries)
    if args.format == "json":
        report = _verified_json(results, settings)
        report["suggestions"] = [dataclasses.asdict(s) for s in suggestions]
        report["suggestions_file"] = str(written or "")
        report["report_file"] = str(report_file)
        print(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        for verified in results:
            _print_verified(verified, settings.audio.word_accuracy)
        for s in suggestions:
            print(f'suggest  {s.word}: {s.line}  ({s.how}; heard "{s.heard}", was "{s.before}")')
        if written:
            print(f"suggested lexicon entries: {written} (review, then paste into the show's)")
        print(f"report: {report_file}")
    return EXIT_FAILED_EPISODES if any(v.problems for v in results) else EXIT_OK


def _print_verified(verified: Verified, threshold: float) -> None:
    from narrate.publish.verify import clock, grouped

    hearing = verified.hearing
    heard = (
        f" ({hearing.accuracy:.1%} of {hearing.words} words heard; threshold {threshold:g} %)"
        if hearing
        else ""
    )
    if not verified.problems:
        print(f"ok    {verified.audio_file}{heard}")
    for problem in verified.problems:
        print(f"FAIL  {verified.audio_file}: {problem}")
    for term, misses in (grouped(hearing) if hearing else {}).items():
        times = ", ".join(clock(m.start_ms) for m in misses)
        heard_as = "; ".join(
            dict.fromkeys(f'"{m.heard}"' if m.heard else "nothing" for m in misses)
        )
        print(f"        {term!s:<28} at {times}: heard {heard_as}")


def _verified_json(results: list[Verified], settings: Settings) -> dict[str, Any]:
    from narrate.publish.verify import clock, moment

    def miss(m: Miss, page: str) -> dict[str, Any]:
        return {
            "start_ms": m.start_ms, "end_ms": m.end_ms, "at": clock(m.start_ms),
            "meant": m.meant, "heard": m.heard, "term": m.term,
            "link": f"{settings.show.base_url}{page}{moment(m)}",
        }  # fmt: skip

    return {
        "threshold": settings.audio.word_accuracy,
        "passed": not any(v.problems for v in results),
        "episodes": [
            {
                "audio_file": v.audio_file,
                "title": v.title,
                "passed": not v.problems,
                "problems": list(v.problems),
                **(
                    {
                        "words": v.hearing.words,
                        "errors": v.hearing.errors,
                        "accuracy": round(v.hearing.accuracy, 4),
                        "misses": [miss(m, v.page) for m in v.hearing.misses],
                        "heard": [
                            {"word": w.word, "start_ms": w.start_ms, "end_ms": w.end_ms}
                            for w in v.hearing.heard
                        ],
                    }
                    if v.hearing
                    else {}
                ),
            }
            for v in results
        ],
    }


def run_script(args: argparse.Namespace) -> int:
    from narrate.config.episodes import is_web
    from narrate.engines import load_engine
    from narrate.text.page_dump import reading_warnings
    from narrate.text.script import build_script, speech_options
    from narrate.text.sources import read_episode

    file = args.file if is_web(args.file) else Path(args.file)
    wrong = []
    if isinstance(file, str):
        pass  # fetched below; a page that cannot be is one line
    elif file.is_dir():
        wrong.append(
            f"FILE: {file} is a folder; name one summary in it (a .txt, .md or .html file)"
        )
    elif not file.exists():
        wrong.append(f"FILE: no file at {file}; check the path")
    # As a summary named to narrate build: what the show says about it (date, title) applies.
    settings = _load(_show_path(args), wrong, summaries=[] if wrong else [file], use_cache=False)
    [source] = settings.episodes
    with _show_problems(settings):
        episode = read_episode(source, _fetched(source.url, settings.fetch_timeout))
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


def _fetched(url: str | None, timeout: float) -> bytes | None:
    """The page at ``url``, fetched now (None for a summary file)."""
    from narrate.gather import fetch_page

    return fetch_page(url, timeout) if url else None


def _count(number: int, noun: str) -> str:
    """ "1 phrase", "2 phrases", "0 phrases": what a count counts, in good English."""
    return f"{number} {noun}{'' if number == 1 else 's'}"
