"""A fake Google for gTTS tests: replies built the way ``requests`` and gTTS read them."""

from __future__ import annotations

import base64
import io
import json
from http import HTTPStatus

import requests


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
