"""A fake Google for gTTS tests: replies built the way ``requests`` and gTTS read them.

The ``google`` fixture (conftest.py) installs it at gTTS's HTTP layer
(``requests.Session.send``); a ``Responder`` decides each reply.
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Callable
from http import HTTPStatus

import requests

Responder = Callable[[requests.PreparedRequest], requests.Response]
"""What the fake Google answers to one request (or the error it raises)."""


def response(
    request: requests.PreparedRequest, status: int, body: bytes = b""
) -> requests.Response:
    """A response as requests builds it from the wire, so ``raise_for_status`` behaves."""
    reply = requests.Response()
    reply.status_code = status
    reply.reason = HTTPStatus(status).phrase
    reply.url = request.url or ""
    reply.request = request
    reply.raw = io.BytesIO(body)
    return reply


def batchexecute_body(payload: bytes | str) -> bytes:
    """Google's batchexecute reply: gTTS base64-decodes the payload of the ``jQ1olc`` line.

    Bytes are audio (encoded here); a string is sent as it is (to send garbage).
    """
    if isinstance(payload, bytes):
        payload = base64.b64encode(payload).decode("ascii")
    rpc = [["wrb.fr", "jQ1olc", json.dumps([payload]), None, None, None, "generic"]]
    line = json.dumps(rpc, separators=(",", ":"))
    return f")]}}'\n\n{len(line)}\n{line}\n".encode()


def status(code: int, body: bytes = b"") -> Responder:
    """Answer every request with HTTP ``code`` (and ``body``)."""
    return lambda request: response(request, code, body)


def raising(error: Exception) -> Responder:
    """Fail every request with ``error``, as requests does when the network fails."""

    def respond(request: requests.PreparedRequest) -> requests.Response:
        raise error

    return respond
