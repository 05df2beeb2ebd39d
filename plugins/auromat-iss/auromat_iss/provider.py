"""The ``esa-iss`` provider: georeferenced image sequences of the ESA ISS aurora archive."""

from __future__ import annotations

import logging
import math
import numbers
import os
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import attrs
import numpy as np
from auromat_spacecraft import LensCorrection, RawOptions, map_photo
from auromat_spacecraft.images import load_bad_pixels

from auromat_core import InputError, Mapping, Provider
from auromat_core.download import DownloadSummary
from auromat_core.options import bool_option, number_option

from .client import API_FILE, IssArchive
from .develop import develop_raw

log = logging.getLogger(__name__)


def _raw_options(white_balance: Any, gamma: Any, bits: Any, auto_bright: bool) -> RawOptions:
    """The RAW options the provider options ask for (the sequence's white balance stands for None)."""
    if white_balance is not None and not (
        isinstance(white_balance, (list, tuple, np.ndarray)) and len(white_balance) in (3, 4)
        and all(_is_number(v) and math.isfinite(v) and v > 0 for v in white_balance)
    ):
        raise InputError(f"raw_white_balance must be 3 or 4 positive multipliers [R, G, B(, G2)], got {white_balance!r}")
    if gamma is not None and not (isinstance(gamma, (list, tuple, np.ndarray)) and len(gamma) == 2 and all(_is_number(v) for v in gamma)):
        raise InputError(f"raw_gamma must be [power, slope] (e.g. [1, 1], linear) or null (BT.709), got {gamma!r}")
    if bits not in (8, 16):
        raise InputError(f"raw_bps must be 8 or 16, got {bits!r}")
    return RawOptions(
        white_balance="camera" if white_balance is None else tuple(float(v) for v in white_balance),
        gamma=None if gamma is None else (float(gamma[0]), float(gamma[1])), bits=int(bits), auto_bright=auto_bright,
    )


def _is_number(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


class IssProvider(Provider):
    """Mappings of one ESA ISS archive sequence, downloaded on demand.

    Parameters
    ----------
    folder
        The sequence's cache folder (e.g. ``seq-77``).
    sequence_id
        Archive id; needed only while ``api.json`` is not cached.
    altitude
        Mapping altitude, km.
    use_raw
        Develop the RAW files when the sequence has them (``raw_extension`` in
        ``api.json``), else use the processed images.
    raw_white_balance
        3 (``r, g, b``; RGBG sensors) or 4 positive multipliers; default the sequence's
        ``raw_white_balance`` (daylight).
    raw_gamma
        ``(power, slope)``; ``(1, 1)`` is linear; None is the BT.709 curve.
    raw_bps
        8 or 16 bits per sample.
    raw_auto_bright
        Let LibRaw brighten the image (about 1 % of pixels saturate).
    max_time_offset
        Seconds between a requested time and the nearest image for :meth:`get`.
    base_url
        API root (default ``$AUROMAT_ESA_ISS_URL`` or ESA's archive).
    offline
        Never download; a missing file raises :class:`~auromat_core.NoDataError`.
    progress
        Show download progress bars.
    """

    def __init__(
        self,
        folder: str | os.PathLike,
        sequence_id: int | str | None = None,
        altitude: float = 110.0,
        use_raw: bool = True,
        raw_white_balance: Sequence[float] | None = None,
        raw_gamma: tuple[float, float] | None = (1, 1),
        raw_bps: int = 16,
        raw_auto_bright: bool = False,
        max_time_offset: float = 3.0,
        base_url: str | None = None,
        offline: bool = False,
        progress: bool = True,
    ) -> None:
        self.altitude = number_option("altitude", altitude, 0.0)
        self.max_time_offset = number_option("max_time_offset", max_time_offset, 0.0)
        use_raw, raw_auto_bright, offline, progress = (
            bool_option(name, value) for name, value in
            (("use_raw", use_raw), ("raw_auto_bright", raw_auto_bright), ("offline", offline), ("progress", progress))
        )
        requested = _raw_options(raw_white_balance, raw_gamma, raw_bps, raw_auto_bright)  # checked before anything is fetched
        self.archive = IssArchive(folder, sequence_id, base_url=base_url, use_raw=use_raw, offline=offline, progress=progress)
        self._raw_options: RawOptions | None = None
        self._lens: LensCorrection | None = None
        if self.archive.use_raw:
            self._raw_options = attrs.evolve(
                requested, upside_down=self.archive.upside_down,
                white_balance=requested.white_balance if raw_white_balance is not None else self.archive.white_balance,
            )
        self._bad_pixels_loaded = False
        self._times = [image.time for image in self.archive.images]
        self._identifiers = [image.key for image in self.archive.images]

    @classmethod
    def can_open(cls, path: str | os.PathLike) -> int:
        """2 if ``path`` is a sequence folder (it holds ``api.json``), else 0.

        A sequence folder also holds ``.wcs`` files that the generic
        ``spacecraft`` provider could read; the higher confidence makes this
        provider the one chosen.
        """
        path = Path(path)
        return 2 if path.is_dir() and (path / API_FILE).is_file() else 0

    @property
    def folder(self) -> Path:
        return self.archive.folder

    @property
    def use_raw(self) -> bool:
        """Whether RAW files are developed (False: processed images)."""
        return self.archive.use_raw

    @property
    def times(self) -> list[datetime]:
        return self._times

    @property
    def identifiers(self) -> list[str]:
        return self._identifiers

    @property
    def range(self) -> tuple[datetime, datetime]:
        """``date_start`` and ``date_end`` of the sequence (``api.json``)."""
        return self.archive.range

    def download(self, start: datetime | None = None, end: datetime | None = None) -> DownloadSummary:
        """Fetch everything missing for the images of ``start``..``end`` (inclusive)."""
        return self.archive.download(start, end)

    def raw_options(self) -> RawOptions:
        """The RAW decoding options, with the sequence's bad pixels (fetched on first use)."""
        if self._raw_options is None:
            raise InputError(f"{self!r} uses processed images, not RAW files")
        if not self._bad_pixels_loaded:
            path = self.archive.ensure_bad_pixels()
            self._raw_options = attrs.evolve(self._raw_options, bad_pixels=None if path is None else load_bad_pixels(path))
            self._bad_pixels_loaded = True
        return self._raw_options

    def lens_correction(self) -> LensCorrection | None:
        """The sequence's lens correction (``distortion_correction``), or None."""
        correction = self.archive.distortion_correction
        if correction is None:
            return None
        if self._lens is None:
            self._lens = LensCorrection.from_model(correction.model, correction.params)
        return self._lens

    def load(self, index: int) -> Mapping:
        key = self._identifiers[index]
        image_path, wcs_path = self.archive.ensure_image(key)
        image = develop_raw(image_path, self.raw_options(), self.lens_correction()) if self.use_raw else image_path
        mapping = map_photo(image, wcs_path, altitude=self.altitude, metadata=self.archive.metadata_for(key), identifier=key)
        listed = self.times[index]
        if abs(mapping.time - listed) > timedelta(seconds=self.max_time_offset):
            log.warning(
                "%s: DATE-OBS %s of %s differs from its date %s in api.json by %.1f s; the mapping has the DATE-OBS time",
                wcs_path, mapping.time.isoformat(), key, listed.isoformat(), abs(mapping.time - listed).total_seconds(),
            )
        return mapping

    def __repr__(self) -> str:
        return f"IssProvider({str(self.folder)!r})"


__all__ = ["IssProvider"]
