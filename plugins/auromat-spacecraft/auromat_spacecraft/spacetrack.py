"""Space-Track client: download historical TLEs into ``<folder>/<norad id>.tle``.

Login is a form POST of ``identity`` and ``password`` to ``<base>/ajaxauth/login``
(the session cookie authorises the following queries); TLEs come from the
``gp_history`` class of the query API in ``tle`` format. Credentials are taken
from the arguments, else the environment (``SPACETRACK_USER``,
``SPACETRACK_PASSWORD``), else the ``~/.netrc`` entry of the base URL's host.
They never appear in log messages, errors or ``repr``: URLs are shown through
:func:`auromat_core.download.redact_url` (also a ``user:password@`` in ``base_url``).
"""

from __future__ import annotations

import logging
import netrc
import os
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import quote, urlsplit

import requests

from auromat_core import DownloadError, InputError, NoDataError, as_utc
from auromat_core.download import check_base_url, redact_url

from .orbit import TleFile, parse_tles, read_tle_file, write_tle_file

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://www.space-track.org"
QUERY_MARGIN_BEFORE = timedelta(days=3)
QUERY_MARGIN_AFTER = timedelta(days=1)


class SpaceTrack:
    """A logged-in session with Space-Track (or a compatible server at ``base_url``).

    Parameters
    ----------
    user, password
        Credentials; by default from ``SPACETRACK_USER``/``SPACETRACK_PASSWORD``
        or the ``~/.netrc`` machine entry of the host of ``base_url``.
    base_url
        Service root, default ``https://www.space-track.org``; checked by
        :func:`auromat_core.download.check_base_url`.
    timeout
        Seconds per HTTP request.
    """

    def __init__(
        self,
        user: str | None = None,
        password: str | None = None,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float = 60.0,
    ) -> None:
        self.base_url = check_base_url(base_url)
        self.timeout = timeout
        self._credentials = (user, password) if user and password else None
        self._session: requests.Session | None = None
        self._asked: dict[int, list[tuple[datetime, datetime]]] = {}

    def __repr__(self) -> str:
        return f"SpaceTrack({redact_url(self.base_url)!r})"

    def _resolve_credentials(self) -> tuple[str, str]:
        if self._credentials is not None:
            return self._credentials
        user, password = os.environ.get("SPACETRACK_USER"), os.environ.get("SPACETRACK_PASSWORD")
        if user and password:
            return user, password
        host = urlsplit(self.base_url).hostname or ""
        try:
            entry = netrc.netrc().authenticators(host)
        except FileNotFoundError:
            entry = None
        except netrc.NetrcParseError as error:
            raise InputError(f"~/.netrc could not be parsed at line {error.lineno}") from None
        if entry and entry[0] and entry[2]:
            return entry[0], entry[2]
        raise InputError(
            f"no Space-Track credentials for {host}: set SPACETRACK_USER and SPACETRACK_PASSWORD "
            f"or add a 'machine {host}' entry to ~/.netrc"
        )

    def login(self) -> None:
        """Log in (once per instance).

        Raises
        ------
        DownloadError
            If the server refuses the credentials or cannot be reached.
        """
        if self._session is not None:
            return
        user, password = self._resolve_credentials()
        url = f"{self.base_url}/ajaxauth/login"
        session = requests.Session()
        try:
            response = session.post(url, data={"identity": user, "password": password}, timeout=self.timeout)
        except requests.RequestException as error:
            raise DownloadError(f"Space-Track login at {redact_url(url)} failed: {type(error).__name__}") from None
        failed = response.status_code != 200 or "failed" in response.text[:200].lower()
        if failed:
            raise DownloadError(f"Space-Track login at {redact_url(url)} was refused (HTTP {response.status_code})")
        log.info("logged in to %s", redact_url(self.base_url))
        self._session = session

    def query_tles(self, norad_id: str, start: datetime, end: datetime) -> str:
        """TLE text (line pairs) of ``norad_id`` with epochs in ``[start, end]``."""
        self.login()
        assert self._session is not None
        window = f"{as_utc(start):%Y-%m-%d %H:%M:%S}--{as_utc(end):%Y-%m-%d %H:%M:%S}"
        path = (
            f"basicspacedata/query/class/gp_history/NORAD_CAT_ID/{int(norad_id)}/EPOCH/{window}"
            "/orderby/EPOCH asc/format/tle"
        )
        url = f"{self.base_url}/{quote(path, safe='/-:')}"
        shown = redact_url(url)
        log.info("querying %s", shown)
        try:
            response = self._session.get(url, timeout=self.timeout)
        except requests.RequestException as error:
            raise DownloadError(f"Space-Track query {shown} failed: {type(error).__name__}") from None
        if response.status_code != 200:
            raise DownloadError(f"Space-Track query {shown} failed with HTTP {response.status_code}")
        return response.text

    def update_tles_for(self, norad_id: str, path: str | os.PathLike, time: datetime) -> Path:
        """Make the TLE file at ``path`` cover ``time``, downloading what is missing.

        New TLEs from a window around ``time`` are merged into the file (sorted,
        without duplicates) and the file is replaced atomically. A time whose
        TLEs (up to 3 days before it) an earlier query of this session already
        asked for is answered from the file, so the photos of a sequence after
        the latest published TLE cost one query, not one each.

        Raises
        ------
        NoDataError
            If Space-Track has no TLE that covers ``time``.
        """
        path = Path(path)
        time = as_utc(time)
        asked = self._asked.setdefault(int(norad_id), [])
        if any(start <= time - QUERY_MARGIN_BEFORE and time <= end for start, end in asked):
            # this session's earlier answer held every TLE that can serve ``time``: ask once per sequence, not per photo
            if path.is_file() and TleFile(path).covers(time):
                return path
            raise NoDataError(f"Space-Track has no TLE of NORAD {norad_id} covering {time.isoformat()}")
        existing = read_tle_file(path) if path.is_file() else []
        window = (time - QUERY_MARGIN_BEFORE, time + QUERY_MARGIN_AFTER)
        text = self.query_tles(norad_id, *window)
        asked.append(window)
        lines = [line for line in text.splitlines() if line.strip()]
        valid = [line for line in lines if len(line.rstrip()) == 69]
        if len(valid) != len(lines):
            log.warning("dropped %d Space-Track lines that are not 69 characters long", len(lines) - len(valid))
        downloaded = parse_tles(valid, f"Space-Track answer for NORAD {norad_id}")
        if any(tle.norad_id != str(int(norad_id)) for tle in downloaded):
            raise DownloadError(f"Space-Track answered with TLEs of another satellite than NORAD {norad_id}")
        if not downloaded:
            raise NoDataError(f"Space-Track has no TLE of NORAD {norad_id} around {time.isoformat()}")
        write_tle_file(path, existing + downloaded)
        log.info("%s: %d TLEs downloaded, %d stored before", path, len(downloaded), len(existing))
        if not TleFile(path).covers(time):
            raise NoDataError(f"Space-Track has no TLE of NORAD {norad_id} covering {time.isoformat()}")
        return path


__all__ = ["DEFAULT_BASE_URL", "SpaceTrack"]
