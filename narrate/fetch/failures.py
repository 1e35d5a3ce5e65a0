"""Why a page or feed could not be fetched, in one line: the errors ``narrate.fetch`` raises
(``FetchError``: "URL: cause; fix") and the causes and fixes of each way a try can fail
(an HTTP status, a connection, a certificate), with whether trying again may help."""

from __future__ import annotations

import datetime as dt
import email.utils
import errno
import http
import http.client
import re
import socket

from narrate.errors import SourceError
from narrate.links import shown

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
"""Statuses worth asking again for: too many requests, and a server's passing trouble."""
CONFIG_KEY = "[build] fetch_timeout"
"""The setting a user raises for a slow site."""


class FetchError(SourceError):
    """A page or feed could not be fetched: ``str(error)`` is "URL: cause; fix", one line.

    ``status`` is the site's HTTP status when it answered with one (404, 503), else None:
    a 404 or 410 means the page is gone, a 5xx or None that it may come back.
    """

    def __init__(self, url: str, cause: str, fix: str, status: int | None = None) -> None:
        super().__init__(f"{shown(url)}: {cause}; {fix}")
        self.url, self.cause, self.fix, self.status = url, cause, fix, status

    def __reduce__(self) -> tuple[object, ...]:
        """Pickled whole (a worker process may raise it)."""
        return type(self), (self.url, self.cause, self.fix, self.status)


class Failure(Exception):
    """One try's failure, before ``Fetcher._answer`` decides to try again or to raise."""

    def __init__(
        self,
        cause: str,
        fix: str,
        *,
        retry: bool = False,
        status: int | None = None,
        after: float | None = None,
    ) -> None:
        super().__init__(cause)
        self.cause, self.fix, self.retry, self.status, self.after = cause, fix, retry, status, after


def fetch_error(
    url: str,
    current: str,
    cause: str,
    fix: str,
    status: int | None = None,
    tries: int | None = None,
) -> FetchError:
    """The ``FetchError`` for ``url``, saying where it was redirected to and how often it was
    tried: "https://x/a: the site answered 503 Service Unavailable (redirected to
    https://x/b, 3 tries); try again later"."""
    notes = []
    if current != url:
        notes.append(f"redirected to {shown(current)}")
    if tries is not None:
        notes.append(f"{tries} {'try' if tries == 1 else 'tries'}")
    return FetchError(url, cause + (f" ({', '.join(notes)})" if notes else ""), fix, status)


def status_failure(status: int, reason: str | None, headers: dict[str, str]) -> Failure:
    """An error status's cause and fix: 404 -> "check the link", 503 -> "try again later"."""
    cause = f"the site answered {status_text(status, reason)}"
    if status in RETRY_STATUSES:
        after = retry_after(headers.get("retry-after"))
        return Failure(cause, "try again later", retry=True, status=status, after=after)
    if status in (404, 410):
        fix = "check the link, or remove it from the show"
    elif status in (401, 403, 451):
        fix = (
            "the site may refuse automated readers: if a browser shows it, save it and give "
            "the saved file instead"
        )
    elif status < 500:
        fix = "check the link in a browser"
    else:
        fix = "try again later, or tell the site's owner"
    return Failure(cause, fix, status=status)


def retry_after(value: str | None) -> float | None:
    """Seconds a ``Retry-After`` asks to wait: "120" -> 120.0; an HTTP date -> the seconds
    until then (0 when past); anything else -> None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - dt.datetime.now(dt.UTC)).total_seconds())


def status_text(status: int, reason: str | None = None) -> str:
    """404 -> "404 Not Found"; a status Python does not know, with the site's reason."""
    try:
        phrase = http.HTTPStatus(status).phrase
    except ValueError:
        phrase = reason or ""
    return f"{status} {brief(phrase)}".strip()


def size_text(count: int) -> str:
    """5_000_000 -> "5 MB"; 2_000 -> "2 KB"; 999 -> "999 bytes"."""
    if count >= 1_000_000:
        return f"{count / 1_000_000:g} MB"
    if count >= 1000:
        return f"{count / 1000:g} KB"
    return f"{count} bytes"


def _tls_reason(reason: BaseException | str) -> str:
    """The gist of an ``ssl`` error: "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify
    failed: self-signed certificate (_ssl.c:1006)" -> "self-signed certificate"."""
    text = str(reason)
    verify = re.search(r"certificate verify failed: ([^(]+)", text)
    if verify:
        return verify[1].strip()
    text = re.sub(r"\s*\(_ssl\.c:\d+\)", "", text)
    return re.sub(r"\[SSL: [A-Z_]+\]\s*", "", text).strip(" ()'\"") or "TLS error"


def brief(reason: object, limit: int = 120) -> str:
    """An exception or text as one short line of an error message."""
    if isinstance(reason, OSError) and reason.errno == errno.ECONNRESET:
        text = "the site closed the connection"
    elif isinstance(reason, OSError) and reason.strerror:
        text = reason.strerror
    else:
        text = str(reason) or type(reason).__name__
    text = " ".join(shown(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def connection_failure(error: Exception, timeout: float) -> Failure:
    """What went wrong on the way to an answer, for one of urllib3's (or the socket's)
    exceptions."""
    from urllib3 import exceptions as x

    reason = error.__cause__ or error
    if isinstance(error, x.NameResolutionError):
        temporary = getattr(reason, "errno", None) in (socket.EAI_AGAIN, socket.EAI_FAIL)
        return Failure(
            "the site's name was not found (DNS)",
            "check the address for a typo, and that this machine is online",
            retry=temporary,
        )
    if isinstance(error, x.NewConnectionError) or isinstance(reason, ConnectionRefusedError):
        if isinstance(reason, ConnectionRefusedError) or "refused" in str(error).lower():
            cause = "the site refused the connection"
        else:
            cause = f"could not connect ({brief(reason)})"
        return Failure(cause, "check the address and port, and that the site is up", retry=True)
    if isinstance(error, x.TimeoutError | TimeoutError):
        return Failure(
            f"no answer within {timeout:g} s",
            f"check that the site is up, or raise {CONFIG_KEY}",
            retry=True,
        )
    if isinstance(error, x.SSLError):
        return Failure(
            f"the secure connection failed ({brief(_tls_reason(reason))})",
            "open the address in a browser to see why, or ask the site's owner to fix its "
            "certificate",
        )
    if isinstance(error, x.LocationValueError):
        return Failure(
            f"is not an address narrate can fetch ({brief(error)})",
            "check the link, or open it in a browser and give the address it ends at",
        )
    if isinstance(error, x.DecodeError):
        return Failure(
            "the site sent a compressed body that could not be decompressed",
            "try again later",
            retry=True,
        )
    return Failure(f"the connection failed ({brief(reason)})", "try again later", retry=True)
