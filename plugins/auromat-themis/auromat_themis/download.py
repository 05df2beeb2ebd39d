"""Download THEMIS all-sky imager files: L1 hours and L2 skymaps, in the THEMIS layout.

Remote and local paths are the same below the base URL and the output folder::

    thg/l1/asi/<site>/<YYYY>/<MM>/thg_l1_asf_<site>_<YYYYMMDDHH>_v01.cdf
    thg/l2/asi/cal/thg_l2_asc_<site>_19700101_v01.cdf

Files already present are skipped; interrupted downloads resume
(:mod:`auromat_core.download`). Every file must start with the CDF magic
number: an HTML page (a maintenance page, a captive portal) or other body is
a failed file, not kept, and a file left by an earlier run that is not a CDF
is downloaded again. Hours the server does not have (HTTP 404)
leave a ``.404`` marker that is trusted for 30 days, so a re-run does not ask
again. The base URL defaults to the Berkeley THEMIS archive and can be set
with ``base_url`` or the environment variable ``AUROMAT_THEMIS_BASE_URL``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from datetime import datetime, timedelta
from pathlib import Path, PurePosixPath

import requests

from auromat_core import InputError, as_utc
from auromat_core.download import (
    CDF,
    DEFAULT_MARKER_AGE,
    DownloadSummary,
    check_base_url,
    download_all,
    download_if_available,
    new_session,
)

from .stations import STATIONS, parse_sites

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://themis.ssl.berkeley.edu/data/themis"
BASE_URL_ENV = "AUROMAT_THEMIS_BASE_URL"


def l1_path(site: str, hour: datetime) -> PurePosixPath:
    """Relative path of the L1 file of ``site`` for the UT hour ``hour``."""
    return PurePosixPath(
        "thg", "l1", "asi", site, f"{hour:%Y}", f"{hour:%m}", f"thg_l1_asf_{site}_{hour:%Y%m%d%H}_v01.cdf"
    )


def l2_path(site: str) -> PurePosixPath:
    """Relative path of the L2 skymap file of ``site``."""
    return PurePosixPath("thg", "l2", "asi", "cal", f"thg_l2_asc_{site}_19700101_v01.cdf")


def hours_between(start: datetime, end: datetime) -> list[datetime]:
    """The UT hours touching ``start``..``end`` (inclusive), as the start of each hour."""
    start, end = as_utc(start), as_utc(end)
    if end < start:
        raise InputError(f"end {end.isoformat()} is before start {start.isoformat()}")
    hour = start.replace(minute=0, second=0, microsecond=0)
    hours = []
    while hour <= end:
        hours.append(hour)
        hour += timedelta(hours=1)
    return hours


def default_base_url() -> str:
    """``$AUROMAT_THEMIS_BASE_URL`` or the Berkeley THEMIS archive."""
    return os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL


def download(
    start: datetime,
    end: datetime,
    out_dir: str | os.PathLike,
    sites: str | Iterable[str] | None = None,
    base_url: str | None = None,
    skymaps: bool = True,
    session: requests.Session | None = None,
    progress: bool = True,
    max_marker_age: timedelta = DEFAULT_MARKER_AGE,
    **options: float,
) -> DownloadSummary:
    """Download the L1 hours of ``start``..``end`` (and the L2 skymaps) of ``sites``.

    Parameters
    ----------
    start, end
        Period (UTC); every hour it touches is fetched.
    out_dir
        Local root of the THEMIS layout.
    sites
        Site codes (list or comma-separated); default the 24 THEMIS stations.
    base_url
        Archive root holding ``thg/``; default :func:`default_base_url`.
    skymaps
        Also fetch each site's L2 skymap CDF.
    session
        HTTP session to use (default: a new one).
    progress
        Show progress bars.
    max_marker_age
        How long a ``.404`` marker of an hour the server lacks is trusted.
    options
        ``retries``, ``backoff``, ``timeout`` for :func:`auromat_core.download.download_file`.

    Returns
    -------
    DownloadSummary
        Failures (other than 404; also a body that is not a CDF file) are collected there, not raised.

    Raises
    ------
    InputError
        For an unknown site or a ``base_url`` with a query or fragment
        (:func:`auromat_core.download.check_base_url`).
    """
    codes = parse_sites(sites if sites is None or isinstance(sites, str) else list(sites)) or tuple(STATIONS)
    base = check_base_url(base_url or default_base_url())
    out = Path(out_dir)
    jobs = [l2_path(site) for site in codes] if skymaps else []
    jobs += [l1_path(site, hour) for hour in hours_between(start, end) for site in codes]
    relative = {out / path: path for path in jobs}
    own_session = session is None
    session = session or new_session()

    def fetch(target: Path) -> bool:
        url = f"{base}/{relative[target]}"
        return download_if_available(
            url, target, session=session, max_marker_age=max_marker_age, expect=CDF, progress=progress, **options
        ) is not None

    try:
        summary = download_all(list(relative), fetch, "THEMIS files", progress, expect=dict.fromkeys(relative, CDF))
    finally:
        if own_session:
            session.close()
    log.info("THEMIS download into %s: %s", out, summary)
    return summary
