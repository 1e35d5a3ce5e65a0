"""``narrate serve``: preview the built site on 127.0.0.1, with HTTP byte ranges so seeking
in the audio works in browsers (Python's own file server answers every request whole).

It serves what a build publishes and nothing else (``published``): by default the output
folder is the current one, often a repository whose ``.git/`` and ``pyproject.toml`` are no
one's business; nor are ``.narrate/`` (the build's own state), leftovers and folder listings.
"""

from __future__ import annotations

import http.server
import os
import re
import urllib.parse
from functools import lru_cache, partial
from pathlib import Path
from typing import Any

from narrate.publish import layout
from narrate.publish.artwork import COVER_FILE, EPISODE_ART_DIR
from narrate.publish.output import episode_dir
from narrate.publish.pages import ASSETS

_RANGE_RE = re.compile(r"bytes=(\d*)-(\d*)$")
_SLUG = "[a-z0-9][a-z0-9-]*"
"""What ``slugify`` makes: never a dot, a slash or an empty name."""
DEFAULT_FEED = "feeds/feed.xml"


def published(relative: str, feed_file: str = DEFAULT_FEED) -> bool:
    """Whether a build publishes a file at ``relative`` (a path under the output root).

    "episodes/a-b/index.html" -> True; ".narrate/published.json", "pyproject.toml",
    "audio/../x", "audio/README.md" -> False.
    """
    return _layout(feed_file, layout.audio_suffixes()).fullmatch(relative) is not None


@lru_cache(maxsize=4)
def _layout(feed_file: str, audio_suffixes: tuple[str, ...]) -> re.Pattern[str]:
    """Every path a build publishes, as one expression (see ``narrate.publish.output`` and
    ``narrate.publish.layout``)."""
    cover = re.escape(COVER_FILE.removesuffix(".jpg"))
    names = [
        "index.html",
        re.escape(feed_file),
        *(re.escape(f"assets/{name}") for name in ASSETS),
        rf"{cover}\.(?:jpg|png)",
        rf"{re.escape(EPISODE_ART_DIR)}/{_SLUG}\.(?:jpg|png)",
        re.escape(episode_dir("SLUG")).replace("SLUG", _SLUG) + r"(?:index|embed)\.html",
        rf"audio/{_SLUG}(?:\.r[0-9]+)?(?:{'|'.join(map(re.escape, audio_suffixes))})",
    ]
    return re.compile("|".join(names))


class RangeHandler(http.server.SimpleHTTPRequestHandler):
    """Serves what a build published in one folder, honouring a single ``Range: bytes=a-b``
    per request; anything else is 404."""

    extensions_map = {  # noqa: RUF012 - the base class declares it as a plain attribute
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        **layout.TYPES,
    }
    _remaining: int | None = None

    def __init__(self, *args: Any, feed_file: str = DEFAULT_FEED, **kwargs: Any) -> None:
        self.feed_file = feed_file  # before the base class handles the request
        super().__init__(*args, **kwargs)

    def guess_type(self, path: str | os.PathLike[str]) -> str:
        """An episode's files as the table declares them, the rest by extension."""
        return layout.media_type(os.fspath(path)) or super().guess_type(path)

    def send_head(self) -> Any:
        if not self._published():
            self.send_error(404, "Not Found")
            return None
        path = Path(self.translate_path(self.path))
        header = self.headers.get("Range")
        if header is None or not path.is_file():
            return super().send_head()
        size = path.stat().st_size
        match = _RANGE_RE.match(header.strip())
        if not match or (not match.group(1) and not match.group(2)):
            self.send_error(416, "Range Not Satisfiable")
            return None
        if match.group(1):
            start = int(match.group(1))
            end = min(int(match.group(2)) if match.group(2) else size - 1, size - 1)
        else:  # the last N bytes
            start, end = max(0, size - int(match.group(2))), size - 1
        if start > end or start >= size:
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{size}")
            self.end_headers()
            return None
        handle = open(path, "rb")  # noqa: SIM115 - the base class closes it after copyfile
        handle.seek(start)
        self.send_response(206)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Range", f"bytes {start}-{end}/{size}")
        self.send_header("Content-Length", str(end - start + 1))
        self.send_header("Accept-Ranges", "bytes")
        self.end_headers()
        self._remaining = end - start + 1
        return handle

    def _published(self) -> bool:
        """Whether the request names a published file, or a folder whose index page is one.

        The path is read as ``translate_path`` reads it (query and fragment cut, %-escapes
        decoded); a published path holds no "..", no dot file and no empty segment, so it is
        the very file served, unless a link on disk leads outside the folder.
        """
        raw = self.path.split("?", 1)[0].split("#", 1)[0]
        if not raw.startswith("/"):
            return False
        relative = urllib.parse.unquote(raw[1:], errors="surrogatepass")
        if relative == "" or relative.endswith("/"):
            relative += "index.html"
        elif not published(relative, self.feed_file):
            relative += "/index.html"  # a folder named without its "/": redirected to it
        if not published(relative, self.feed_file):
            return False
        root = Path(self.directory).resolve()
        return Path(self.translate_path("/" + relative)).resolve().is_relative_to(root)

    def list_directory(self, path: str | os.PathLike[str]) -> Any:
        """No listings: a folder without its index page is not published."""
        self.send_error(404, "Not Found")
        return None

    def end_headers(self) -> None:
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Cache-Control", "no-cache")
        super().end_headers()

    def copyfile(self, source: Any, outputfile: Any) -> None:
        remaining = self._remaining
        if remaining is None:
            super().copyfile(source, outputfile)
            return
        while remaining > 0:
            block = source.read(min(64 * 1024, remaining))
            if not block:
                break
            outputfile.write(block)
            remaining -= len(block)
        self._remaining = None

    def log_message(self, format: str, *args: Any) -> None:
        pass  # quiet: the preview prints its URL and nothing per request


def make_server(
    root: Path, port: int = 8000, feed_file: str = DEFAULT_FEED
) -> http.server.ThreadingHTTPServer:
    """A server for what a build published in ``root`` (its feed at ``feed_file``), on
    127.0.0.1 (``port`` 0 picks a free one); call serve_forever."""
    handler = partial(RangeHandler, directory=os.fspath(root), feed_file=feed_file)
    return http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
