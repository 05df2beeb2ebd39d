"""The shared HTTP download client of every remote data source.

:func:`download_file` fetches one URL to a local file: it retries with
exponential back-off on server errors (5xx), timeouts and broken connections,
resumes an interrupted transfer from ``<file>.part`` with an HTTP ``Range``
request (and starts over when the server ignores ``Range``), writes to
``<file>.part`` and renames it only when complete, skips files that already
exist, and shows a byte progress bar. A resumed transfer only appends
to the same version of the remote file: the validator the server gave for it
(strong ``ETag``, else ``Last-Modified``) is kept in ``<file>.part.validator``
and sent as ``If-Range``, so a file changed on the server in between is
downloaded anew instead of spliced onto the old part. HTTP 404 raises
:class:`RemoteFileNotFound` so a caller can record the gap.

A body is checked before the rename: the caller's :data:`ContentCheck`
(``expect``, e.g. :data:`CDF`, made with :func:`leading_bytes`) must accept
it; without one, a ``Content-Type: text/html`` answer for a file not named
``.html``/``.htm`` (a maintenance page, a captive portal) is refused. A
refused body is a :class:`~auromat_core.errors.DownloadError` and its
``.part`` is removed, so the next run fetches it again; a file already
present that fails ``expect`` is deleted with a warning and downloaded again
(:func:`is_present`).

:func:`download_all` fetches a batch of files in order into a
:class:`DownloadSummary`: failures are collected, and the batch stops at the
first :class:`ServerUnreachable` instead of trying every other file.

Missing remote files are remembered with *markers*: an empty ``<file>.404``
next to where the file would be. A marker expires (30 days by default), after
which the file is asked for again. :func:`download_if_available` combines both.

Two processes downloading the same file at once are not coordinated.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import attrs
import requests
import urllib3

from .errors import DownloadError, InputError
from .progress import progress_bar

log = logging.getLogger(__name__)

MARKER_SUFFIX = ".404"
"""Suffix of the marker recording that a remote file does not exist."""
PART_SUFFIX = ".part"
"""Suffix of a file being downloaded."""
VALIDATOR_SUFFIX = ".validator"
"""Suffix (after :data:`PART_SUFFIX`) of the file holding the remote validator of a partial download."""
DEFAULT_MARKER_AGE = timedelta(days=30)
"""How long a missing-file marker is trusted before the file is asked for again."""
CHUNK_BYTES = 1 << 16

HTML_SUFFIXES = frozenset({".html", ".htm"})
"""File name suffixes for which an HTML (``text/html``) answer is the file itself."""
HEAD_BYTES = 32
"""How many leading bytes of a refused body its error shows."""

_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)")

ContentCheck = Callable[[Path], "str | None"]
"""Checks a complete download (given its path): None if it is acceptable, else what was expected (``"a CDF file ..."``)."""


def leading_bytes(what: str, *prefixes: bytes) -> ContentCheck:
    """A :data:`ContentCheck` accepting a file that starts with one of ``prefixes`` (magic bytes).

    ``what`` names the expected kind of file, e.g. ``"a JPEG image"``; the
    prefixes are added to it in hexadecimal for the error message.
    """
    expected = f"{what} (starting {' or '.join(prefix.hex(' ').upper() for prefix in prefixes)})"
    longest = max(len(prefix) for prefix in prefixes)

    def check(path: Path) -> str | None:
        with open(path, "rb") as handle:
            head = handle.read(longest)
        return None if head.startswith(prefixes) else expected

    return check


CDF = leading_bytes("a CDF file", b"\xcd\xf3\x00\x01", b"\xcd\xf2\x60\x02", b"\x00\x00\xff\xff")
"""A CDF file: version 3, 2.6/2.7 or older 2.x (the magic numbers cdflib accepts)."""
FITS = leading_bytes("a FITS file", b"SIMPLE  =")
"""A FITS file (or header, such as an astrometry.net ``.wcs`` solution)."""
GZIP = leading_bytes("a gzip file", b"\x1f\x8b")
JPEG = leading_bytes("a JPEG image", b"\xff\xd8\xff")
TIFF = leading_bytes("a TIFF, DNG or NEF file", b"II*\x00", b"MM\x00*")


class RemoteFileNotFound(DownloadError):
    """The server answered HTTP 404: the remote file does not exist."""

    def __init__(self, url: str) -> None:
        super().__init__(f"{redact_url(url)}: not found on the server (HTTP 404)")
        self.url = url


class ServerUnreachable(DownloadError):
    """No connection to the server could be made (refused, unknown host, TLS failure, connect timeout).

    A batch of downloads from that server should stop here rather than try every other file.
    """


class _Retryable(Exception):
    """A transient failure (5xx, timeout, broken connection) worth another attempt."""


class _Unreachable(_Retryable):
    """The request could not connect at all."""


def redact_url(url: str) -> str:
    """``url`` without user name, password and query values, fit for logs and errors (also when malformed)."""
    parts = urlsplit(url)
    if not parts.netloc:  # no scheme://: whatever comes before an "@" may be credentials
        return url.rpartition("@")[2].partition("?")[0]
    netloc = parts.netloc.rpartition("@")[2]
    query = urlencode([(key, "...") for key, _ in parse_qsl(parts.query, keep_blank_values=True)])
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def check_url(url: str) -> None:
    """Raise :class:`ServerUnreachable` (naming the redacted URL) unless ``url`` is http(s) with a host and a valid port."""
    parts = urlsplit(url)
    try:
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        port_ok = False
    if parts.scheme not in ("http", "https") or not parts.hostname or not port_ok:
        raise ServerUnreachable(f"{redact_url(url)}: not an http:// or https:// URL with a host name and a valid port")


def check_base_url(url: str) -> str:
    """``url`` without its trailing slashes, once it is checked fit to have file paths appended.

    Raises
    ------
    InputError
        If ``url`` has a query (``?...``) or a fragment (``#...``): the paths would be appended to those.
    ServerUnreachable
        If ``url`` is not http(s) with a host and a valid port (:func:`check_url`).
    """
    parts = urlsplit(url)
    if parts.query or parts.fragment:
        raise InputError(f"{redact_url(url)}: a base URL takes no query (?...) or fragment (#...); file paths are appended to it")
    check_url(url)
    return url.rstrip("/")


def part_path(path: str | os.PathLike) -> Path:
    """Where the partial download of ``path`` is kept: ``<path>.part``."""
    path = Path(path)
    return path.with_name(path.name + PART_SUFFIX)


def _validator_path(part: Path) -> Path:
    return part.with_name(part.name + VALIDATOR_SUFFIX)


def _validator(response: requests.Response) -> str | None:
    """The response's strong ``ETag``, else its ``Last-Modified``: what ``If-Range`` accepts."""
    tag = response.headers.get("ETag")
    if tag and not tag.startswith("W/"):
        return tag
    return response.headers.get("Last-Modified")


def _start_over(part: Path) -> None:
    part.unlink(missing_ok=True)
    _validator_path(part).unlink(missing_ok=True)


def _describe(path: Path, content_type: str | None = None) -> str:
    """``text/html, 37 bytes, starting '<html>...'``: what a file holds (its Content-Type if given)."""
    size = path.stat().st_size
    with open(path, "rb") as handle:
        head = handle.read(HEAD_BYTES)
    shown = "".join(chr(byte) if 32 <= byte < 127 and byte != 39 else f"\\x{byte:02x}" for byte in head)
    kind = f"{content_type or 'no Content-Type'}, " if content_type is not None else ""
    return f"{kind}{size} bytes" + (f", starting '{shown}{'...' if size > len(head) else ''}'" if size else "")


def is_present(path: str | os.PathLike, expect: ContentCheck | None = None) -> bool:
    """Whether ``path`` exists and ``expect`` (if given) accepts it.

    A file that ``expect`` refuses (a page saved by an earlier run, say) is
    deleted with a warning naming it, so that it is downloaded again.
    """
    path = Path(path)
    if not path.is_file():
        return path.exists()
    expected = expect(path) if expect else None
    if expected is None:
        return True
    log.warning("%s is not %s: found %s; deleting it to download it again", path, expected, _describe(path))
    path.unlink()
    return False


def new_session(user_agent: str | None = None) -> requests.Session:
    """A :class:`requests.Session` identifying itself as auromat."""
    from . import __version__

    session = requests.Session()
    session.headers["User-Agent"] = user_agent or f"auromat/{__version__} (+https://github.com/auromat)"
    return session


def download_file(
    url: str,
    path: str | os.PathLike,
    session: requests.Session | None = None,
    retries: int = 3,
    backoff: float = 1.0,
    timeout: float = 60.0,
    progress: bool = True,
    expect: ContentCheck | None = None,
) -> Path:
    """Download ``url`` to ``path`` unless ``path`` already exists (and ``expect`` accepts it).

    Parameters
    ----------
    url
        The remote file.
    path
        Local destination; parent folders are created once the server sends the file.
    session
        A requests session to reuse (connection pooling, headers); a new one by default.
    retries
        Further attempts after a transient failure (5xx, timeout, broken
        connection); each resumes where the previous one stopped.
    backoff
        Seconds before the first retry, doubled for every further one.
    timeout
        Seconds to wait for the connection and for each read.
    progress
        Show a progress bar in bytes (on a terminal; see :mod:`auromat_core.progress`).
    expect
        Check of the complete body before it is renamed to ``path`` (e.g.
        :data:`CDF`); an existing ``path`` it refuses is downloaded again.
        Without it, a ``text/html`` answer for a file not named ``.html`` is
        refused; with it, the check alone decides.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    RemoteFileNotFound
        On HTTP 404 (a :class:`~auromat_core.errors.DownloadError`).
    ServerUnreachable
        When no attempt could connect, or ``url`` is not an http(s) URL (a
        :class:`~auromat_core.errors.DownloadError`).
    DownloadError
        On any other HTTP error, or when all attempts failed (the partial
        file is kept for a later resume), or when the body is refused (a page
        instead of the file; the partial file is removed).
    """
    path = Path(path)
    if is_present(path, expect):
        log.debug("%s exists, not downloading %s", path, redact_url(url))
        return path
    check_url(url)
    own_session = session is None
    session = session or new_session()
    attempt = 0
    try:
        while True:
            try:
                _attempt(url, path, session, timeout, progress, expect)
                return path
            except _Retryable as error:
                if attempt >= retries:
                    failure = ServerUnreachable if isinstance(error, _Unreachable) else DownloadError
                    raise failure(f"{redact_url(url)}: download failed after {attempt + 1} attempts: {error}") from None
                delay = backoff * 2**attempt
                attempt += 1
                log.warning("%s: %s; retrying in %.1f s (attempt %d of %d)", redact_url(url), error, delay, attempt + 1, retries + 1)
                time.sleep(delay)
    finally:
        if own_session:
            session.close()


def _attempt(url: str, path: Path, session: requests.Session, timeout: float, progress: bool, expect: ContentCheck | None) -> None:
    """One request: resume or start ``<path>.part``, rename it to ``path`` when complete and accepted."""
    part = part_path(path)
    validator_file = _validator_path(part)
    offset = part.stat().st_size if part.exists() else 0
    stored = validator_file.read_text().strip() if offset and validator_file.exists() else ""
    headers = {"Accept-Encoding": "identity"}  # byte ranges and lengths of the file itself
    if offset:
        headers["Range"] = f"bytes={offset}-"
        if stored:
            headers["If-Range"] = stored
    try:
        response = session.get(url, headers=headers, stream=True, timeout=timeout)
    except requests.ConnectionError as error:  # refused, unknown host, TLS, connect timeout
        raise _Unreachable(_short(error)) from None
    except requests.Timeout as error:
        raise _Retryable(_short(error)) from None
    with response:
        status = response.status_code
        if status == 404:
            raise RemoteFileNotFound(url)
        if status == 416 and offset:
            total = _range_total(response.headers.get("Content-Range", ""))
            if total == offset:
                _finish(url, path, part, None, expect)
                return
            log.info("%s: server refused to resume at byte %d; starting over", redact_url(url), offset)
            _start_over(part)
            raise _Retryable("range not satisfiable")
        if status >= 500:
            raise _Retryable(f"HTTP {status} {response.reason}")
        if status >= 400:
            raise DownloadError(f"{redact_url(url)}: HTTP {status} {response.reason}")
        current = _validator(response)
        changed = bool(stored and current and current != stored)
        if status == 206 and offset:
            start, total = _resume_point(response.headers.get("Content-Range", ""))
            if start != offset:
                _start_over(part)
                raise _Retryable(f"server resumed at byte {start} instead of {offset}; starting over")
            if changed:  # a server that ignores If-Range
                _start_over(part)
                raise _Retryable("the remote file changed since the partial download; starting over")
            mode = "ab"
            log.info("%s: resuming at byte %d", redact_url(url), offset)
        else:
            if changed:
                log.info("%s: the remote file changed since the partial download; downloading it again", redact_url(url))
            elif offset:
                log.info("%s: the server ignored the byte range; downloading %s again from the start", redact_url(url), path.name)
            offset = 0
            length = response.headers.get("Content-Length")
            total = int(length) if length is not None and length.isdigit() else None
            mode = "wb"
            path.parent.mkdir(parents=True, exist_ok=True)  # only now: an unreachable server leaves no empty folders
            if current:
                validator_file.write_text(current)
            else:
                validator_file.unlink(missing_ok=True)
        content_type = response.headers.get("Content-Type", "").partition(";")[0].strip().lower()
        _stream_to(response, part, mode, offset, total, progress, path.name)
    size = part.stat().st_size
    if total is not None and size != total:
        raise _Retryable(f"connection closed after {size} of {total} bytes")
    _finish(url, path, part, content_type, expect)
    log.info("downloaded %s (%d bytes)", path, size)


def _finish(url: str, path: Path, part: Path, content_type: str | None, expect: ContentCheck | None) -> None:
    """Rename the complete ``part`` to ``path``, or remove it and raise if it is not the file.

    ``content_type`` is that of the answer (None when the part was complete before the request).
    """
    if expect is not None:
        expected = expect(part)
    elif content_type == "text/html" and path.suffix.lower() not in HTML_SUFFIXES:
        expected = f"a {path.suffix} file, not an HTML page" if path.suffix else "the file, not an HTML page"
    else:
        expected = None
    if expected is not None:
        found = _describe(part, content_type)
        _start_over(part)
        raise DownloadError(f"{redact_url(url)}: expected {expected}, got {found}")
    os.replace(part, path)
    _validator_path(part).unlink(missing_ok=True)


def _stream_to(
    response: requests.Response, part: Path, mode: str, offset: int, total: int | None, progress: bool, name: str
) -> None:
    """Append the body to ``part`` as sent: a ``Content-Encoding`` is not undone, so that its length is the
    ``Content-Length`` and byte ranges count in it (a ``.gz`` file that a server labels ``gzip`` stays one)."""
    bar = progress_bar(total=total, initial=offset, unit="B", unit_scale=True, unit_divisor=1024, desc=name, enabled=progress, leave=False)
    try:
        with open(part, mode) as output:
            for chunk in response.raw.stream(CHUNK_BYTES, decode_content=False):
                output.write(chunk)
                bar.update(len(chunk))
    except (requests.ConnectionError, requests.Timeout, urllib3.exceptions.HTTPError) as error:
        raise _Retryable(f"connection broken after {part.stat().st_size} bytes: {_short(error)}") from None
    finally:
        bar.close()


def _resume_point(content_range: str) -> tuple[int, int | None]:
    match = _CONTENT_RANGE.fullmatch(content_range.strip())
    if not match:
        raise _Retryable(f"partial response without a valid Content-Range ({content_range!r})")
    total = match.group(3)
    return int(match.group(1)), None if total == "*" else int(total)


def _range_total(content_range: str) -> int | None:
    match = re.fullmatch(r"bytes\s+\*/(\d+)", content_range.strip())
    return int(match.group(1)) if match else None


def _short(error: Exception) -> str:
    """A one-line description of a requests error: its innermost cause, without URLs and their secrets.

    ``ConnectionError: [Errno 111] Connection refused`` rather than urllib3's
    nested ``HTTPConnectionPool(...): Max retries exceeded ... (Caused by ...)``.
    """
    reason: Any = error.args[0] if error.args else None
    while getattr(reason, "reason", None) is not None:  # urllib3's MaxRetryError wraps the failure
        reason = reason.reason
    text = type(error).__name__ if reason is None else str(reason)
    system = re.search(r"\[Errno -?\d+\][^'\")]*", text)
    if system:
        text = system.group(0).strip()
    text = re.sub(r"https?://\S+", "<url>", text)
    text = re.sub(r"^\S*(HTTPS?Connection(Pool)?\(host=[^)]*\)|object at 0x[0-9a-f]+>):\s*", "", text)
    text = re.sub(r"\s+", " ", text)
    return f"{type(error).__name__}: {text}"[:200]


# -- batches of files ---------------------------------------------------------------


@attrs.define
class DownloadSummary:
    """What a batch download did, file by file."""

    downloaded: list[Path] = attrs.Factory(list)
    present: list[Path] = attrs.Factory(list)
    """Already there before the run."""
    missing: list[Path] = attrs.Factory(list)
    """Not on the server (HTTP 404 now, or a fresh marker)."""
    failed: list[tuple[Path, str]] = attrs.Factory(list)
    """Each failed file with the error."""
    not_attempted: list[Path] = attrs.Factory(list)
    """Left when the server could not be reached."""

    def __str__(self) -> str:
        parts = [f"{len(self.downloaded)} downloaded", f"{len(self.present)} already present"]
        if self.missing:
            parts.append(f"{len(self.missing)} not on the server")
        parts.append(f"{len(self.failed)} failed")
        if self.not_attempted:
            parts.append(f"{len(self.not_attempted)} not attempted (server unreachable)")
        return ", ".join(parts)

    def raise_for_failures(self, what: str) -> None:
        """Raise a one-line :class:`DownloadError` if a file of ``what`` (e.g. ``"sequence 12"``) failed."""
        if self.not_attempted:
            raise DownloadError(
                f"stopped, the server cannot be reached: {self.failed[-1][1]}; "
                f"{len(self.not_attempted)} file(s) of {what} not attempted, run again to resume"
            )
        if self.failed:
            first, reason = self.failed[0]
            raise DownloadError(f"{len(self.failed)} file(s) of {what} failed, e.g. {first.name}: {reason}")


def download_all(
    targets: Sequence[Path], fetch: Callable[[Path], bool], description: str, progress: bool = True,
    summary: DownloadSummary | None = None, expect: Mapping[Path, ContentCheck | None] | None = None,
) -> DownloadSummary:
    """Fetch each of ``targets`` that does not exist yet, in order, with a progress bar in files.

    ``fetch(path)`` downloads one file and returns False when the server does
    not have it. A :class:`DownloadError` is logged and recorded, and the next
    file is tried; after a :class:`ServerUnreachable` the remaining files are
    recorded as not attempted. Results are added to ``summary`` (a new one by
    default). ``expect`` gives targets their :data:`ContentCheck`: a present
    target it refuses is deleted and fetched again (:func:`is_present`).
    """
    summary = DownloadSummary() if summary is None else summary
    checks = expect or {}
    for number, path in enumerate(progress_bar(targets, desc=description, unit="file", enabled=progress)):
        if is_present(path, checks.get(path)):
            summary.present.append(path)
            continue
        try:
            found = fetch(path)
        except ServerUnreachable as error:
            log.error("%s; stopping", error)
            summary.failed.append((path, str(error)))
            summary.not_attempted = [rest for rest in targets[number + 1:] if not rest.exists()]
            break
        except DownloadError as error:
            log.error("%s", error)
            summary.failed.append((path, str(error)))
            continue
        (summary.downloaded if found else summary.missing).append(path)
    return summary


# -- markers of missing remote files ---------------------------------------------------


def missing_marker(path: str | os.PathLike) -> Path:
    """The marker recording that the remote counterpart of ``path`` does not exist."""
    path = Path(path)
    return path.with_name(path.name + MARKER_SUFFIX)


def mark_missing(path: str | os.PathLike) -> Path:
    """Record that the remote counterpart of ``path`` does not exist (now)."""
    marker = missing_marker(path)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.touch()
    os.utime(marker)
    return marker


def is_marked_missing(path: str | os.PathLike, max_age: timedelta = DEFAULT_MARKER_AGE) -> bool:
    """Whether a marker younger than ``max_age`` says the remote file is missing.

    An expired marker is deleted, so the file is asked for again.
    """
    marker = missing_marker(path)
    try:
        age = time.time() - marker.stat().st_mtime
    except FileNotFoundError:
        return False
    if age <= max_age.total_seconds():
        return True
    log.info("missing-file marker %s is older than %s; asking again", marker, max_age)
    marker.unlink(missing_ok=True)
    return False


def clear_missing(path: str | os.PathLike) -> None:
    """Remove the missing-file marker of ``path`` if there is one."""
    missing_marker(path).unlink(missing_ok=True)


def download_if_available(
    url: str,
    path: str | os.PathLike,
    session: requests.Session | None = None,
    max_marker_age: timedelta = DEFAULT_MARKER_AGE,
    expect: ContentCheck | None = None,
    **options: object,
) -> Path | None:
    """Download like :func:`download_file`, remembering files the server does not have.

    Returns ``path``, or None when the file is missing remotely: recorded by a
    fresh marker, or answered with HTTP 404 now (a marker is then written).
    Other failures raise :class:`~auromat_core.errors.DownloadError`.
    """
    path = Path(path)
    if is_present(path, expect):
        return path
    if is_marked_missing(path, max_marker_age):
        log.debug("%s is marked missing on the server; skipping", path)
        return None
    try:
        result = download_file(url, path, session=session, expect=expect, **options)  # type: ignore[arg-type]
    except RemoteFileNotFound:
        mark_missing(path)
        log.info("%s: not on the server; marked missing in %s", redact_url(url), missing_marker(path))
        return None
    clear_missing(path)
    return result


__all__ = [
    "CDF",
    "ContentCheck",
    "DEFAULT_MARKER_AGE",
    "DownloadSummary",
    "FITS",
    "GZIP",
    "HTML_SUFFIXES",
    "JPEG",
    "MARKER_SUFFIX",
    "PART_SUFFIX",
    "RemoteFileNotFound",
    "ServerUnreachable",
    "TIFF",
    "check_base_url",
    "clear_missing",
    "download_all",
    "download_file",
    "download_if_available",
    "is_marked_missing",
    "is_present",
    "leading_bytes",
    "mark_missing",
    "missing_marker",
    "new_session",
    "part_path",
    "redact_url",
]
