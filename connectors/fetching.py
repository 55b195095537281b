"""Reads the bytes behind a location (http(s) URL, file URL or local path), with conditional GET."""
from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import requests

from connectors.base import SourceError

USER_AGENT = "pln/0.1 (personal learning network; feed reader)"
# (connect, read) seconds: a slow feed must not hold a whole collection run.
TIMEOUT = (10.0, 30.0)
# Larger than any real feed; a bigger body is a mistake (a video, an endless stream), not a feed.
MAX_BYTES = 50 * 1024 * 1024
_TRANSIENT_STATUS = {408, 425, 429, 500, 502, 503, 504}


@dataclass(frozen=True)
class Read:
    """What a read produced: the body (None when unchanged since `validators`) and the validators to keep."""

    location: str
    body: bytes | None
    headers: Mapping[str, str] = field(default_factory=dict)
    validators: Mapping[str, str] = field(default_factory=dict)


def normalise_location(location: str, *, base: str | None = None, must_exist: bool = False) -> str:
    """An http(s) URL as given, anything local as an absolute file URL; `base` resolves relative references.

    Raises SourceError naming `location` when it is neither a web URL nor a local file reference, or when
    `must_exist` and the local file is not there.
    """
    given = location.strip()
    if not given:
        raise SourceError(repr(location), "empty location")
    scheme = urlsplit(given).scheme.lower()
    if scheme in ("http", "https"):
        return given
    if scheme == "file":
        path = Path(unquote(urlsplit(given).path))
    elif len(scheme) > 1:  # one letter is a Windows drive, not a scheme
        raise SourceError(given, f"unsupported scheme {scheme!r} (use http, https, file or a local path)")
    elif base is not None and urlsplit(base).scheme in ("http", "https"):
        return urljoin(base, given)
    else:
        root = Path(unquote(urlsplit(base).path)).parent if base else Path.cwd()
        path = root / Path(given).expanduser()
    path = path.resolve()
    if must_exist and not path.is_file():
        raise SourceError(given, "no such file" if not path.exists() else "not a file")
    return path.as_uri()


def read(location: str, validators: Mapping[str, str] | None = None, *,
         session: requests.Session | None = None) -> Read:
    """Read `location` (normalised); unchanged content, by the server's word or by digest, has no body.

    Raises SourceError naming the location for anything that stops the read; `transient` says whether
    trying again later may help.
    """
    validators = validators or {}
    if location.startswith("file:"):
        body, headers = _read_file(location), {}
    else:
        body, headers = _read_http(location, validators, session or requests.Session())
    if body is None:
        return Read(location, None, headers, validators)
    digest = hashlib.sha256(body).hexdigest()
    kept = {k: headers[h] for k, h in (("etag", "etag"), ("modified", "last-modified")) if h in headers}
    kept["sha256"] = digest
    # Servers without validators (and every local file) still cost no parsing when nothing changed.
    if validators.get("sha256") == digest:
        return Read(location, None, headers, kept)
    return Read(location, body, headers, kept)


def _read_file(location: str) -> bytes:
    path = Path(unquote(urlsplit(location).path))
    try:
        if path.stat().st_size > MAX_BYTES:
            raise SourceError(location, f"larger than {MAX_BYTES // 2**20} MiB: not a feed")
        return path.read_bytes()
    except FileNotFoundError:
        raise SourceError(location, "no such file") from None
    except IsADirectoryError:
        raise SourceError(location, "is a directory, not a file") from None
    except PermissionError:
        raise SourceError(location, "permission denied") from None


def _read_http(location: str, validators: Mapping[str, str],
               session: requests.Session) -> tuple[bytes | None, dict[str, str]]:
    headers = {"User-Agent": USER_AGENT}
    if validators.get("etag"):
        headers["If-None-Match"] = validators["etag"]
    if validators.get("modified"):
        headers["If-Modified-Since"] = validators["modified"]
    try:
        with session.get(location, headers=headers, timeout=TIMEOUT, stream=True) as response:
            received = {k.lower(): v for k, v in response.headers.items()}
            if response.status_code == 304:
                return None, received
            if response.status_code >= 400:
                raise SourceError(location, f"HTTP {response.status_code} {response.reason or ''}".strip(),
                                  transient=response.status_code in _TRANSIENT_STATUS)
            chunks, size = [], 0
            for chunk in response.iter_content(64 * 1024):
                size += len(chunk)
                if size > MAX_BYTES:
                    raise SourceError(location, f"larger than {MAX_BYTES // 2**20} MiB: not a feed")
                chunks.append(chunk)
            if response.url and response.url != location:
                received["content-location"] = response.url
            return b"".join(chunks), received
    except requests.Timeout:
        raise SourceError(location, f"timed out (no answer within {TIMEOUT[1]:.0f}s)", transient=True) from None
    except requests.ConnectionError as exc:
        raise SourceError(location, f"cannot connect: {root_cause(exc)}", transient=True) from None
    except requests.RequestException as exc:
        raise SourceError(location, f"request failed: {root_cause(exc)}") from None


def root_cause(exc: requests.RequestException) -> str:
    """The useful end of requests' nested message: '[Errno 111] Connection refused', 'Name or service not known'."""
    text = str(exc)
    errno = re.findall(r"\[Errno -?\d+\] [^'\")]+", text)
    return errno[-1].strip() if errno else text.splitlines()[0] if text else type(exc).__name__
