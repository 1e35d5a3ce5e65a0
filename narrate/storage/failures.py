"""Why a store failed, in words with the fix: botocore's and s3fs's errors read for their
HTTP status and S3 code (the part of ``narrate.storage`` that knows botocore's errors)."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fsspec import AbstractFileSystem  # type: ignore[import-untyped]

S3_PROTOCOLS = ("s3", "s3a")
"""URL schemes that s3fs serves."""


def failures(protocol: str) -> tuple[type[BaseException], ...]:
    """What a store's failure can raise, as opposed to a bug in narrate."""
    if protocol not in S3_PROTOCOLS:
        return (OSError,)
    import aiohttp
    from botocore.exceptions import BotoCoreError  # type: ignore[import-untyped]

    return (OSError, BotoCoreError, aiohttp.ClientError)


def client_error(error: BaseException) -> Any:
    """botocore's ``ClientError`` behind ``error`` (s3fs raises it as its cause), or None."""
    for found in (error, error.__cause__):
        if isinstance(getattr(found, "response", None), dict):
            return found
    return None


def code(error: BaseException) -> str:
    """The S3 error code behind ``error`` (``NoSuchBucket``), or ""."""
    found = client_error(error)
    return str(found.response.get("Error", {}).get("Code", "")) if found is not None else ""


def status(error: BaseException) -> int:
    """The HTTP status behind ``error``, or 0."""
    found = client_error(error)
    if found is None:
        return 0
    return int(found.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))


def precondition_failed(error: OSError) -> bool:
    """Whether a conditional PUT was refused (412).

    s3fs turns a 412 into ``FileExistsError`` only when the server names the failed
    condition (AWS does); otherwise (SeaweedFS, MinIO) into ``OSError(EINVAL)``, the errno
    it also gives a 400 such as ``BadDigest``: so look at the status, not the errno.
    AWS answers 409 ``ConditionalRequestConflict`` to a conditional PUT racing another.
    """
    if isinstance(error, FileExistsError):
        return True
    return status(error) == 412 or code(error) in (
        "PreconditionFailed",
        "ConditionalRequestConflict",
    )


def endpoint(fs: AbstractFileSystem) -> str:
    """The server s3fs talks to (``AWS_ENDPOINT_URL``, a profile's, or AWS's own)."""
    try:
        return str(fs.s3.meta.endpoint_url)
    except Exception:  # no client yet (no credentials, say): say where it would go
        return os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL", "AWS")


CREDENTIALS = "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or AWS_PROFILE and its files)"
"""Where credentials come from, for messages."""


REFUSED = ("InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken")
"""S3 codes of credentials the server refused."""


def explain(error: BaseException, fs: AbstractFileSystem, url: str, protocol: str) -> str:
    """The cause of a store's failure and its fix, in words."""
    if protocol not in S3_PROTOCOLS:
        why = getattr(error, "strerror", None) or str(error) or type(error).__name__
        return f"{why}; check that the place exists and narrate may write there"
    found_code, found_status = code(error), status(error)
    if type(error).__name__ in ("NoCredentialsError", "PartialCredentialsError"):
        return f"no credentials were found; set {CREDENTIALS}"
    if found_code in REFUSED:
        return f"the server refused the credentials ({found_code}); check {CREDENTIALS}"
    if found_code == "NoSuchBucket":
        bucket = url.partition("://")[2].split("/")[0]
        return (
            f'there is no bucket "{bucket}" at {endpoint(fs)}; create it, '
            "or correct the URL (or AWS_ENDPOINT_URL)"
        )
    if found_code in ("AccessDenied", "AllAccessDisabled") or found_status == 403:
        return (
            f"access denied ({found_code or found_status}): the credentials are wrong or may "
            f"not use this bucket; check {CREDENTIALS}, and the bucket's policy"
        )
    if found_code:
        message = client_error(error).response.get("Error", {}).get("Message", "")
        return (
            f"the server at {endpoint(fs)} answered {found_status} {found_code} ({message}); "
            "check the URL and the server"
        )
    return (
        f"the storage server at {endpoint(fs)} did not answer ({reason(error)}); "
        "check AWS_ENDPOINT_URL, or the network"
    )


def reason(error: BaseException) -> str:
    """The innermost cause of a failed connection, in a few words ("connection refused")."""
    seen: BaseException | None = error
    reason = ""
    while seen is not None:
        if isinstance(seen, TimeoutError) or "Timeout" in type(seen).__name__:
            reason = "timed out"
        elif isinstance(seen, OSError) and (seen.errno or seen.strerror):
            reason = os.strerror(seen.errno) if seen.errno else str(seen.strerror)
        seen = seen.__cause__ or seen.__context__
    return (reason or type(error).__name__).lower()
