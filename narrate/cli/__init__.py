"""Command line: argument parsing, progress display, exit codes.

The only package that prints or exits. Exit codes: 0 all built, 1 some episodes failed (the
others were published), 2 usage or configuration error.

``main`` runs one command and turns what went wrong into its exit code; ``parser`` declares
the commands and their options, ``commands`` runs them, ``progress`` draws a build's progress
bar and ``tuning`` sets the process up for speed.
"""

from __future__ import annotations

import errno
import logging
import os
import sys
from collections.abc import Sequence

from narrate.cli.commands import EXIT_CONFIG, EXIT_FAILED_EPISODES
from narrate.cli.parser import command_parser
from narrate.cli.tuning import one_blas_thread

__all__ = ["main"]


def main(argv: Sequence[str] | None = None) -> int:
    one_blas_thread()
    args = command_parser().parse_args(argv)
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
