"""The ESA ISS aurora archive (``auromat.mapping.iss``), over the ``esa-iss`` provider."""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

from auromat_iss import IssProvider

from auromat_core.download import DownloadSummary

from .spacecraft import PhotoMappingProvider

__all__ = ["ISSMappingProvider"]


class ISSMappingProvider(PhotoMappingProvider):
    """Mappings of one archive sequence cached in ``cacheFolder`` (e.g. ``seq-77``), downloaded on demand.

    Parameters
    ----------
    cacheFolder
        The sequence folder; it holds ``api.json`` once the sequence was fetched.
    id_
        Sequence id in the archive; needed only while ``api.json`` is not cached.
    useRaw
        Develop the RAW files when the sequence has them, else use the processed images.
    altitude
        Mapping altitude, km.
    maxTimeOffset
        Seconds between a requested time and the nearest image.
    raw_white_balance
        ``(r, g, b)`` or 4 multipliers; default the sequence's (daylight).
    raw_gamma
        ``(power, slope)``; ``(1, 1)`` is linear; None is the BT.709 curve.
    raw_bps
        8 or 16 bits per sample.
    raw_auto_bright
        Brighten the developed image (about 1 % of pixels saturate).
    baseUrl
        API root (default ``$AUROMAT_ESA_ISS_URL`` or ESA's archive).
    offline
        Never download; a missing file raises :class:`~auromat.mapping.mapping.NoMappingError`.
    """

    def __init__(
        self,
        cacheFolder: str | os.PathLike,  # noqa: N803
        id_: int | str | None = None,
        useRaw: bool = True,  # noqa: N803
        altitude: float = 110,
        maxTimeOffset: float = 3,  # noqa: N803
        raw_white_balance: Sequence[float] | None = None,
        raw_gamma: tuple[float, float] | None = (1, 1),
        raw_bps: int = 16,
        raw_auto_bright: bool = False,
        baseUrl: str | None = None,  # noqa: N803
        offline: bool = False,
    ) -> None:
        super().__init__(IssProvider(
            cacheFolder, id_, altitude=altitude, use_raw=useRaw, raw_white_balance=raw_white_balance,
            raw_gamma=raw_gamma, raw_bps=raw_bps, raw_auto_bright=raw_auto_bright, max_time_offset=maxTimeOffset,
            base_url=baseUrl, offline=offline,
        ))

    def wcsPath(self, identifier: str) -> Path:  # noqa: N802
        """The ``.wcs`` file of image ``identifier`` (fetched with its image if missing)."""
        return self.provider.archive.ensure_image(identifier)[1]

    def download(self, begin: datetime | None = None, end: datetime | None = None) -> DownloadSummary:
        """Fetch the images and solutions of ``begin``..``end`` (inclusive; None = open)."""
        return self.provider.download(begin, end)
