"""The commands and their options, as argparse declares them: one function per command.

Each command's ``run`` default is the function in ``commands`` that carries it out.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from narrate import __version__
from narrate.cli.commands import (
    EXIT_CONFIG,
    run_build,
    run_cache,
    run_check,
    run_script,
    run_serve,
    run_verify,
)


def command_parser() -> argparse.ArgumentParser:
    """``narrate`` and its commands, in the order ``--help`` lists them."""
    parser = argparse.ArgumentParser(
        prog="narrate",
        description="Turn plain-language research summaries into an accessible podcast, offline.",
    )
    parser.add_argument("--version", action="version", version=f"narrate {__version__}")
    parser.set_defaults(run=lambda _args: _usage(parser), quiet=False, verbose=False)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    for add_command in (_add_build, _add_check, _add_serve, _add_cache, _add_verify, _add_script):
        add_command(commands)
    return parser


def _add_build(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    build = commands.add_parser(
        "build",
        help="build the MP3 episodes and the podcast feed",
        description="Build a show: every summary becomes a tagged MP3 under audio/, and the "
        "feed is written under feeds/. With no --show, builds ./show.toml if present, else "
        "the example show that ships with narrate.",
    )
    build.add_argument("summaries", nargs="*", metavar="SUMMARY",
                       help="summary files, folders or page addresses (https://...); replace "
                       "the show's own list and its site feeds")  # fmt: skip
    build.add_argument("--show", type=Path, help="the show file (TOML)")
    build.add_argument("--out", type=Path, help="output root for audio/ and feeds/ (default: .)")
    build.add_argument(
        "--cache-dir",
        help="clip cache folder (default: ~/.cache/narrate), or a URL (s3://BUCKET/cache) "
        "shared by a cluster's workers",
    )
    build.add_argument("--no-cache", action="store_true", help="synthesize every segment afresh")
    build.add_argument(
        "--no-check", action="store_true", help="skip the podcast-directory check at the end"
    )
    build.add_argument(
        "--jobs", type=int, metavar="N", help="speech worker processes (default: one per core)"
    )
    build.add_argument(
        "--executor",
        metavar="WHERE",
        help="where episodes are produced: local (this machine's processes, the default), dask "
        "(a Dask cluster on this machine) or tcp://HOST:PORT (a Dask scheduler); "
        "default: $NARRATE_EXECUTOR, else local",
    )
    build.add_argument(
        "--publish",
        metavar="URL",
        help="publish to object storage instead of --out: s3://BUCKET/PREFIX (or any fsspec "
        "URL); credentials from the environment or AWS config; default: $NARRATE_PUBLISH",
    )
    build.add_argument("--engine", help="speech engine for this build (a registered name)")
    build.add_argument(
        "--voice",
        help="voice for this build (a Piper .onnx path, a Kokoro voice name or .bin file, "
        "a gTTS domain)",
    )
    build.add_argument("--rate", help='speaking rate: "normal", "gentle" or a number like 0.9')
    build.add_argument("-q", "--quiet", action="store_true", help="print only problems")
    build.add_argument("-v", "--verbose", action="store_true", help="print debugging detail")
    build.set_defaults(run=run_build)


def _add_check(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    check = commands.add_parser(
        "check",
        help="check a built show the way a podcast directory would",
        description="Check the built feed, enclosures, durations, artwork, transcripts, "
        "chapters, ID3 tags and loudness against Apple's and the Podcasting 2.0 rules, "
        "offline. Prints one line per problem; exits 1 when there is any.",
    )
    _built_show_arguments(check)
    _publish_argument(check)
    check.set_defaults(run=run_check)


def _add_serve(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = commands.add_parser(
        "serve",
        help="preview the built site on this computer (127.0.0.1)",
        description="Serve the built site on 127.0.0.1 with byte ranges (so seeking works) "
        "and print its address: only the files a build publishes, never the rest of the "
        "folder. Stop with Ctrl+C.",
    )
    _built_show_arguments(serve)
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 = any)")
    serve.set_defaults(run=run_serve)


def _add_cache(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cache = commands.add_parser(
        "cache",
        help="report on or trim the cache of spoken phrases",
        description="The cache holds every phrase spoken, keyed by what makes its sound; it "
        "makes rebuilds cheap and is always safe to delete.",
    )
    cache.add_argument(
        "--cache-dir",
        help="cache folder (default: ~/.cache/narrate), or a shared cache's URL (s3://BUCKET/"
        "cache: there --prune goes by when each phrase was written)",
    )
    action = cache.add_mutually_exclusive_group()
    action.add_argument("--info", action="store_true", help="how many phrases, how much space")
    action.add_argument(
        "--prune", type=float, nargs="?", const=30.0, metavar="DAYS",
        help="delete phrases not used for DAYS days (default 30; 0 deletes all)",
    )  # fmt: skip
    cache.set_defaults(run=run_cache)


def _add_verify(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    verify = commands.add_parser(
        "verify",
        help="listen to the built episodes as a listener would: every word the recognizer "
        "misses, silent or truncated speech, an unheard disclaimer",
        description="Hear every episode the show's feed lists, as published under --out, with "
        "an offline recognizer (Whisper base): each episode's word accuracy against its script "
        "and every stretch a listener would miss, grouped by the term that failed. An episode "
        "under the show's [audio] word_accuracy (default 95 %), with a silent or truncated "
        "segment or an unheard disclaimer fails (exit 1). Writes verify.html and, when a term "
        "was misheard, verify-lexicon.toml beside the build state.",
    )
    _built_show_arguments(verify)
    _publish_argument(verify)
    verify.add_argument("--format", choices=("text", "json"), default="text",
                        help="json: the whole report, for scripts")  # fmt: skip
    verify.set_defaults(run=run_verify)


def _add_script(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    script = commands.add_parser(
        "script",
        help="print what an episode will say, segment by segment",
        description="Print the spoken script of one summary, with chapters, before any audio "
        "is made.",
    )
    script.add_argument(
        "file",
        metavar="FILE",
        help="a summary (.txt, .md or a saved .html page), or a summary "
        "page's address (https://...), fetched now",
    )
    script.add_argument("--show", type=Path, help="the show file whose wording to use")
    script.add_argument("--format", choices=("text", "json"), default="text")
    script.set_defaults(run=run_script)


def _built_show_arguments(parser: argparse.ArgumentParser) -> None:
    """SHOW (positional or --show) and --out: for the commands that look at a built show."""
    parser.add_argument("show", nargs="?", type=Path, metavar="SHOW", help="the show file")
    parser.add_argument("--show", type=Path, dest="show_option", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help="output root that was built (default: .)")


def _publish_argument(parser: argparse.ArgumentParser) -> None:
    """--publish: read the show where a build published it, not a folder."""
    parser.add_argument(
        "--publish",
        metavar="URL",
        help="read the show published at URL (s3://BUCKET/PREFIX) instead of a folder; "
        "default: $NARRATE_PUBLISH, else the show's [build] publish",
    )


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return EXIT_CONFIG
