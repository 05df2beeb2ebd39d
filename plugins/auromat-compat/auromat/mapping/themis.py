"""THEMIS all-sky imagers (``auromat.mapping.themis``), over the ``themis`` provider.

``get(date)`` returns a :class:`~auromat.mapping.mapping.MappingCollection`
with, for each station, its frame nearest to ``date`` within 2 s. Unless
``offline``, the L1 hours around ``date`` and the L2 skymaps are downloaded
into the cache folders first (files already there, or known to be missing on
the server, are not asked for again).

Skymaps: each frame uses the skymap valid at its time, from
``cdfL2CacheFolder`` (THEMIS L2 CDFs or UCalgary ``.sav`` files). When only
a skymap that becomes valid later exists (e.g. the UCalgary Gakona skymap
valid from 2011-03-05 for January 2011 frames), pass
``allow_later_skymap=True`` to use it (a warning is logged); otherwise that is
a :class:`~auromat_core.CalibrationError`.
"""

from __future__ import annotations

import logging
import os
from datetime import datetime, timedelta
from pathlib import Path

from auromat_themis import STATIONS, ThemisProvider
from auromat_themis import download as download_themis
from auromat_themis.download import default_base_url, l2_path

from auromat_core import AuromatError, NoDataError
from auromat_core.download import CDF, DownloadSummary, download_all, download_if_available

from .mapping import BaseMappingProvider, MappingCollection, NoMappingError

__all__ = ["MAX_TIME_OFFSET", "ThemisMappingProvider"]

log = logging.getLogger(__name__)

MAX_TIME_OFFSET = 2.0
"""Seconds between a requested time and a station's frame (fixed, as in the original)."""


class ThemisMappingProvider(BaseMappingProvider):
    """THEMIS frames from L1 CDFs in ``cdfL1CacheFolder`` with skymaps from ``cdfL2CacheFolder``.

    Parameters
    ----------
    cdfL1CacheFolder, cdfL2CacheFolder
        Cache folders of the L1 hour files and the skymaps (searched recursively).
    altitude
        Mapping altitude, km.
    minBrightness, maxBrightness
        When either is given, images are 8-bit display brightness scaled
        between them (IDL ``bytscl``); otherwise counts above the dark offset.
    offline
        Never download.
    allow_later_skymap
        Use a skymap valid only after a frame's time when no valid one exists.
    baseUrl
        THEMIS archive root holding ``thg/`` (default ``$AUROMAT_THEMIS_BASE_URL``
        or the Berkeley archive).
    """

    def __init__(
        self,
        cdfL1CacheFolder: str | os.PathLike,  # noqa: N803
        cdfL2CacheFolder: str | os.PathLike,  # noqa: N803
        altitude: float = 110,
        minBrightness: float | None = None,  # noqa: N803
        maxBrightness: float | None = None,  # noqa: N803
        offline: bool = False,
        *,
        allow_later_skymap: bool = False,
        baseUrl: str | None = None,  # noqa: N803
    ) -> None:
        self.l1Folder = Path(cdfL1CacheFolder)
        self.l2Folder = Path(cdfL2CacheFolder)
        self.offline = offline
        self.baseUrl = baseUrl
        scaled = minBrightness is not None or maxBrightness is not None
        self._options = {
            "altitude": altitude,
            "max_time_offset": MAX_TIME_OFFSET,
            "allow_later_skymap": allow_later_skymap,
            "brightness": "original" if scaled else None,
            "min_brightness": minBrightness,
            "max_brightness": maxBrightness,
        }
        if not offline:
            self.l1Folder.mkdir(parents=True, exist_ok=True)
            self.l2Folder.mkdir(parents=True, exist_ok=True)
        super().__init__(self._open())

    def _open(self) -> ThemisProvider:
        return ThemisProvider(self.l1Folder, skymap_dir=self.l2Folder, **self._options)

    def download(self, begin: datetime, end: datetime) -> DownloadSummary:
        """Fetch the L1 hours of ``begin``..``end`` of all stations and their L2 skymaps.

        Raises
        ------
        AuromatError
            When the provider is offline.
        """
        if self.offline:
            raise AuromatError(f"{self!r} is offline (offline=True): cannot download THEMIS data")
        summary = download_themis(begin, end, self.l1Folder, base_url=self.baseUrl, skymaps=False, progress=False)
        base = (self.baseUrl or default_base_url()).rstrip("/")
        urls = {self.l2Folder / l2_path(site): f"{base}/{l2_path(site)}" for site in STATIONS}
        if not summary.not_attempted:
            download_all(list(urls), lambda target: download_if_available(urls[target], target, progress=False, expect=CDF) is not None,
                         "THEMIS skymaps", False, summary)
        for path, problem in summary.failed:
            log.warning("THEMIS download of %s failed: %s", path.name, problem)
        if summary.downloaded:
            self.provider = self._open()
        return summary

    def get(self, date: datetime) -> MappingCollection:
        """Every station's frame nearest to ``date`` within 2 s.

        Raises
        ------
        NoMappingError
            ``No THEMIS mappings found at <date> +- 2s`` when no station has one.
        """
        if not self.offline:
            margin = timedelta(seconds=MAX_TIME_OFFSET)
            self.download(date - margin, date + margin)
        try:
            return self._wrap(self.provider.get(date))
        except NoDataError as error:
            raise NoMappingError(f"No THEMIS mappings found at {date} +- {MAX_TIME_OFFSET:g}s") from error

    def __repr__(self) -> str:
        return f"ThemisMappingProvider({str(self.l1Folder)!r}, {str(self.l2Folder)!r})"
