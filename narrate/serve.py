"""``narrate serve``: preview the built site on 127.0.0.1, with HTTP byte ranges so seeking
in the audio works in browsers (Python's own file server answers every request whole)."""

from __future__ import annotations

import http.server
import os
import re
from functools import partial
from pathlib import Path
from typing import Any

_RANGE_RE = re.compile(r"bytes=(\d*)-(\d*)$")
TYPES = {
    ".mp3": "audio/mpeg",
    ".vtt": "text/vtt",
    ".srt": "application/x-subrip",
    ".json": "application/json",
    ".xml": "application/rss+xml",
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
}


class RangeHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files from one folder, honouring a single ``Range: bytes=a-b`` per request."""

    extensions_map = {  # noqa: RUF012 - the base class declares it as a plain attribute
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        **TYPES,
    }
    _remaining: int | None = None

    def send_head(self) -> Any:
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


def make_server(root: Path, port: int = 8000) -> http.server.ThreadingHTTPServer:
    """A server for ``root`` on 127.0.0.1 (``port`` 0 picks a free one); call serve_forever."""
    handler = partial(RangeHandler, directory=os.fspath(root))
    return http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
