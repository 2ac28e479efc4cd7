"""One downloader for every publisher: cached, retried, atomic.

:func:`fetch` downloads a URL into a cache folder and returns the cached path.
A second call with the same URL and parameters returns the cached file
without touching the network. The body is streamed into a temporary file in
the cache folder, checked (Content-Length, then an optional ``validate``
callback) and only then renamed into place, so a half-downloaded or invalid
file is never cached, even when the user presses Ctrl-C.

Every failure raises :class:`DownloadFailed` (a
:class:`exportplan.errors.DownloadError`) whose message says what happened and
what to do; ``kind``, ``status`` and ``url`` let callers word their own
message (e.g. QCEW turns a 404 into "BLS has no file for area X year Y").

Each successful download also writes a small ``<file>.meta.json`` next to the
file (URL, parameters, retrieval time, SHA-256); :func:`cache_info` reads it.

Secrets such as API keys go in ``secret_params``: they are sent with the
request but left out of the cache file's name (its hash), the ``.meta.json``
and every message, so a key never lands on disk and a new key reuses the
cached answers.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import httpx

from exportplan import __version__
from exportplan.errors import DownloadError

#: Status codes worth another try: the publisher is busy or briefly broken.
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
#: Bodies larger than this get a progress bar (when stderr is a terminal).
PROGRESS_MIN_BYTES = 1_000_000
#: Never sleep longer than this for a Retry-After header.
MAX_RETRY_AFTER = 60.0
CHUNK = 64 * 1024
IMPORT_HINT = ("You can also download the file yourself in a browser ({url}) and import "
               "the saved file (see `exportplan import --help`).")


class DownloadFailed(DownloadError):
    """A failed download, with machine-readable details.

    ``kind`` is one of ``offline``, ``not-found``, ``timeout``, ``http``,
    ``truncated`` or ``invalid``; ``status`` is the HTTP status when the
    publisher answered.
    """

    def __init__(self, message: str, *, url: str, kind: str, status: int | None = None):
        super().__init__(message)
        self.url = url
        self.kind = kind
        self.status = status


class _Retryable(Exception):
    """Internal: one attempt failed in a way another attempt may fix."""

    def __init__(self, error: DownloadFailed, wait: float | None = None):
        super().__init__(str(error))
        self.error = error
        self.wait = wait


def user_agent() -> str:
    """The User-Agent sent to publishers (BLS blocks anonymous scripted clients)."""
    contact = os.environ.get("EXPORTPLAN_CONTACT", "").strip()
    suffix = f" (+{contact})" if contact else " (+https://pypi.org/project/exportplan/)"
    return f"exportplan/{__version__}{suffix}"


def full_url(url: str, params: Mapping[str, object] | None = None) -> str:
    """The URL with its query parameters, in a stable order."""
    if not params:
        return url
    query = urlencode(sorted((str(k), str(v)) for k, v in params.items()))
    return f"{url}{'&' if '?' in url else '?'}{query}"


def cache_path(url: str, cache_dir: str | os.PathLike, params: Mapping[str, object] | None = None) -> Path:
    """Where :func:`fetch` caches ``url``: a readable name plus a hash of URL and params."""
    digest = hashlib.sha256(full_url(url, params).encode()).hexdigest()[:16]
    parts = urlsplit(url)
    readable, suffix = f"{parts.hostname or 'file'}{parts.path}", ""
    ext = Path(parts.path).suffix
    if 1 < len(ext) <= 9 and ext[1:].isalnum():
        readable, suffix = readable[: -len(ext)], ext.lower()
    readable = re.sub(r"[^A-Za-z0-9._-]+", "_", readable)[-80:].strip("_.")  # keep the distinctive end
    return Path(cache_dir) / f"{readable}-{digest}{suffix}"


def cache_info(path: str | os.PathLike) -> dict | None:
    """The metadata :func:`fetch` stored for a cached file, or None if there is none."""
    meta = Path(f"{path}.meta.json")
    try:
        return json.loads(meta.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def fetch(
    url: str,
    cache_dir: str | os.PathLike,
    *,
    params: Mapping[str, object] | None = None,
    secret_params: Mapping[str, object] | None = None,
    timeout: float = 30.0,
    retries: int = 3,
    backoff: float = 0.5,
    progress: bool = True,
    headers: Mapping[str, str] | None = None,
    validate: Callable[[Path], object] | None = None,
    client: httpx.Client | None = None,
) -> Path:
    """Download ``url`` (with ``params``) into ``cache_dir`` and return the cached file.

    A cached copy is returned without any request. Connection errors,
    timeouts, truncated bodies, HTTP 429 and 5xx are retried ``retries`` times
    with exponential ``backoff`` (seconds); 4xx answers are not. ``secret_params``
    (an API key) are added to the request only: the cache name, the metadata
    and the messages use ``params`` alone. ``validate``
    receives the complete temporary file and rejects it by raising or by
    returning ``False``; a rejected file is not cached. Raises
    :class:`DownloadFailed` with a message saying what to do.
    """
    target = cache_path(url, cache_dir, params)
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    shown = full_url(url, params)
    sent = {**(params or {}), **(secret_params or {})}
    own_client = client is None
    client = client or httpx.Client(follow_redirects=True)
    tmp: Path | None = None
    try:
        tmp = _download_with_retries(client, url, shown, sent, headers, timeout, retries, backoff,
                                     progress, target.parent)
        _run_validate(validate, tmp, shown)
        digest = file_sha256(tmp)
        os.replace(tmp, target)  # atomic: the cache holds a whole, checked file or nothing
    finally:
        if own_client:
            client.close()
        if tmp is not None:
            tmp.unlink(missing_ok=True)
    _write_meta(target, url, params, digest)
    return target


def file_sha256(path: str | os.PathLike) -> str:
    """The SHA-256 of a file, as hex."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _download_with_retries(client, url, shown, params, headers, timeout, retries, backoff,
                           progress, folder) -> Path:
    """Try up to ``retries + 1`` times; return the temporary file of the first success."""
    attempts = max(0, retries) + 1
    for attempt in range(1, attempts + 1):
        try:
            return _attempt(client, url, shown, params, headers, timeout, progress, folder)
        except _Retryable as failure:
            if attempt == attempts:
                raise _final_error(failure.error, attempts, timeout) from None
            time.sleep(failure.wait if failure.wait is not None else backoff * 2 ** (attempt - 1))
    raise AssertionError("unreachable")  # pragma: no cover


def _final_error(error: DownloadFailed, attempts: int, timeout: float) -> DownloadFailed:
    """Reword the last transient error once all attempts are used up."""
    tries = f"{attempts} attempt{'s' if attempts != 1 else ''}"
    if error.kind == "timeout":
        msg = (f"the publisher did not answer within {timeout:g} s, {tries}: {error.url}. "
               "It may be busy; try again later or allow a longer timeout.")
        return DownloadFailed(msg, url=error.url, kind="timeout")
    return DownloadFailed(f"{error} (gave up after {tries})", url=error.url, kind=error.kind,
                          status=error.status)


def _attempt(client, url, shown, params, headers, timeout, progress, folder) -> Path:
    """One request, streamed into a temporary file; raises on any failure."""
    sent = {"User-Agent": user_agent(), **(headers or {})}
    try:
        with client.stream("GET", url, params=dict(params) if params else None, headers=sent,
                           timeout=timeout) as response:
            _check_status(response, shown)
            return _save_body(response, shown, progress, folder)
    except httpx.TimeoutException:
        raise _Retryable(DownloadFailed(f"timed out: {shown}", url=shown, kind="timeout")) from None
    except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
        raise DownloadFailed(f"'{shown}' is not a web address that can be downloaded ({exc})",
                             url=shown, kind="http") from None
    except httpx.ConnectError as exc:
        host = urlsplit(shown).hostname or shown
        msg = (f"could not reach {host}: are you offline? ({exc.__class__.__name__}: {exc}). "
               + IMPORT_HINT.format(url=shown))
        raise _Retryable(DownloadFailed(msg, url=shown, kind="offline")) from None
    except httpx.TransportError as exc:  # dropped connection, protocol error, proxy ...
        host = urlsplit(shown).hostname or shown
        msg = (f"the connection to {host} failed ({exc.__class__.__name__}: {exc}) while "
               f"downloading {shown}; try again. " + IMPORT_HINT.format(url=shown))
        raise _Retryable(DownloadFailed(msg, url=shown, kind="offline")) from None


def _check_status(response: httpx.Response, shown: str) -> None:
    """Raise for a non-2xx answer: retryable for 429/5xx, final otherwise."""
    status = response.status_code
    if 200 <= status < 300:
        return
    if status in RETRY_STATUSES:
        error = DownloadFailed(f"the publisher answered HTTP {status} ({response.reason_phrase}) "
                               f"for {shown}; it may be busy, try again later",
                               url=shown, kind="http", status=status)
        raise _Retryable(error, _retry_after(response))
    if status == 404:
        raise DownloadFailed(f"the publisher has no such file: {shown} (e.g. year not published yet)",
                             url=shown, kind="not-found", status=404)
    if status == 403:
        raise DownloadFailed(
            f"the publisher refused the request (HTTP 403): {shown}. Some publishers (BLS) block "
            "clients that do not identify themselves: set the environment variable "
            "EXPORTPLAN_CONTACT to your e-mail address and try again. "
            + IMPORT_HINT.format(url=shown), url=shown, kind="http", status=403)
    response.read()
    detail = " ".join(response.text[:200].split())
    raise DownloadFailed(f"the publisher answered HTTP {status} ({response.reason_phrase}) for "
                         f"{shown}" + (f": {detail}" if detail else ""),
                         url=shown, kind="http", status=status)


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds from a numeric Retry-After header, capped; None if absent."""
    try:
        return min(float(response.headers.get("Retry-After", "")), MAX_RETRY_AFTER)
    except ValueError:
        return None


def _save_body(response: httpx.Response, shown: str, progress: bool, folder: Path) -> Path:
    """Stream the body into a temporary file in ``folder``; delete it on any failure."""
    expected = _content_length(response)
    fd, name = tempfile.mkstemp(prefix=".partial-", suffix=".download", dir=folder)
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as out:
            bar = _ProgressBar(shown, expected) if progress else None
            broken = False
            try:
                for chunk in response.iter_bytes(CHUNK):
                    out.write(chunk)
                    if bar:
                        bar.update(response.num_bytes_downloaded)
            except (httpx.RemoteProtocolError, httpx.ReadError):
                broken = True  # the server closed early; _check_length words the error
            finally:
                if bar:
                    bar.close()
        _check_length(response.num_bytes_downloaded, expected, broken, shown)
        return tmp
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _content_length(response: httpx.Response) -> int | None:
    try:
        return int(response.headers["Content-Length"])
    except (KeyError, ValueError):
        return None


def _check_length(got: int, expected: int | None, broken: bool, shown: str) -> None:
    """A body shorter than its Content-Length, or a dropped connection, is retryable."""
    if expected is not None and got < expected:
        msg = f"the download of {shown} was cut short (got {got} of {expected} bytes); try again"
    elif broken:
        msg = (f"the download of {shown} was cut short (the connection closed after {got} "
               "bytes); try again")
    else:
        return
    raise _Retryable(DownloadFailed(msg, url=shown, kind="truncated"))


def _run_validate(validate, tmp: Path, shown: str) -> None:
    """Run the caller's check on the complete file; any rejection becomes DownloadFailed."""
    if validate is None:
        return
    try:
        ok = validate(tmp)
    except DownloadFailed:
        raise
    except Exception as exc:  # noqa: BLE001 - any rejection means "do not cache"
        raise DownloadFailed(f"the file downloaded from {shown} is not usable: {exc}",
                             url=shown, kind="invalid") from exc
    if ok is False:
        raise DownloadFailed(f"the file downloaded from {shown} failed its check; nothing was "
                             "cached. Try again later or download it yourself.",
                             url=shown, kind="invalid")


def _write_meta(target: Path, url: str, params, digest: str) -> None:
    """Record where and when the cached file came from (best effort)."""
    meta = {"url": url, "params": dict(params or {}), "full_url": full_url(url, params),
            "retrieved_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "sha256": digest, "bytes": target.stat().st_size}
    tmp = target.with_name(f".{target.name}.meta.tmp")
    try:
        tmp.write_text(json.dumps(meta, indent=1, default=str), encoding="utf-8")
        os.replace(tmp, Path(f"{target}.meta.json"))
    except OSError:
        tmp.unlink(missing_ok=True)


class _ProgressBar:
    """A one-line text progress bar on stderr, only for large bodies on a terminal."""

    def __init__(self, label: str, total: int | None):
        self.label = label.rsplit("/", 1)[-1][:40]
        self.total = total
        self.enabled = sys.stderr.isatty() and (total is None or total >= PROGRESS_MIN_BYTES)
        self.shown = False

    def update(self, done: int) -> None:
        if not self.enabled or (self.total is None and done < PROGRESS_MIN_BYTES):
            return
        if self.total:
            filled = int(30 * done / self.total)
            text = f"[{'#' * filled}{'.' * (30 - filled)}] {done / 1e6:.1f}/{self.total / 1e6:.1f} MB"
        else:
            text = f"{done / 1e6:.1f} MB"
        sys.stderr.write(f"\rdownloading {self.label} {text}")
        sys.stderr.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\n")
            sys.stderr.flush()
