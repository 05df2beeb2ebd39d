"""THEMIS all-sky imager level-1 files: one CDF per site and UT hour.

``thg_l1_asf_<site>_<YYYYMMDDHH>_v<NN>.cdf`` holds the frames ``thg_asf_<site>``
(uint16 counts, [record, 256, 256], FILLVAL 65535) and their exposure start
times ``thg_asf_<site>_epoch`` (CDF_EPOCH, millisecond precision, e.g.
17:00:00.053; what the original toolkit and asilib use). Files without it fall
back to ``thg_asf_<site>_time`` (unix seconds; in real files the nominal 3 s
grid, e.g. 17:00:00.000). Frames without a valid time are skipped. Frames are returned as stored (see :mod:`auromat_themis.orientation`
for how they relate to the skymaps).
"""

from __future__ import annotations

import logging
import os
import re
from datetime import datetime, timedelta
from pathlib import Path

import attrs
import numpy as np
from spacepy import pycdf

from auromat_core import InputError

log = logging.getLogger(__name__)

L1_NAME = re.compile(r"thg_l1_asf_(?P<site>[a-z0-9]{4})_(?P<hour>\d{10})_v(?P<version>\d{2})\.cdf")
"""File name of a level-1 full-resolution all-sky image file."""
L1_GLOB = "thg_l1_asf_*.cdf"
L1_PATTERN = "thg_l1_asf_<site>_<YYYYMMDDHH>_v<NN>.cdf"
""":data:`L1_NAME` as users read it (in messages)."""

FILL_VALUE = 65535
"""FILLVAL of ``thg_asf_<site>``: pixels without a measurement."""

HOUR_TOLERANCE = timedelta(minutes=1)
"""How far frames of an hour file may lie outside the hour its name gives."""
_UNIX_EPOCH = datetime(1970, 1, 1)
_VARIABLE = re.compile(r"thg_asf_([a-z0-9]{4})")


@attrs.frozen
class L1Name:
    """What an L1 file name says: site, UT hour and version."""

    site: str
    hour: datetime
    version: int


def parse_l1_name(path: str | Path) -> L1Name | None:
    """Site, hour and version from an L1 file name, or None if it is not one."""
    match = L1_NAME.fullmatch(Path(path).name)
    if not match:
        return None
    try:
        hour = datetime.strptime(match["hour"], "%Y%m%d%H")
    except ValueError:
        return None
    return L1Name(match["site"], hour, int(match["version"]))


MAX_EXPOSURE_SECONDS = 60.0
"""Longer exposures (or negative ones) are taken for broken time stamps: the duration is then unknown."""


def unix_to_datetime(seconds: np.ndarray) -> np.ndarray:
    """Unix seconds (float) to naive UTC ``datetime64[us]``, rounded to the microsecond."""
    microseconds = np.round(np.asarray(seconds, dtype=np.float64) * 1e6).astype(np.int64)
    return np.datetime64(_UNIX_EPOCH, "us") + microseconds.astype("timedelta64[us]")


class L1File:
    """One L1 hour file of one site: its frame times, and frames read on demand.

    Parameters
    ----------
    path
        The CDF file.
    site
        The site the caller expects; by default the one in the file name.

    Raises
    ------
    InputError
        If the file is not a readable CDF, lacks the THEMIS variables, holds
        another site than expected, or frames of another hour than its name
        gives (one line naming the file).
    """

    def __init__(self, path: str | Path, site: str | None = None) -> None:
        self.path = Path(path)
        name = parse_l1_name(self.path)
        expected = site or (name.site if name else None)
        self._cdf: pycdf.CDF | None = None
        self._pid = os.getpid()
        cdf = self.open()
        try:
            self.site = self._site_in_file(cdf, expected, name)
            self.image_variable = f"thg_asf_{self.site}"
            times = self._read_times(cdf)
            exposures = self._read_exposures(cdf, len(times))
            self._check_images(cdf, len(times))
        except pycdf.CDFError as error:
            raise InputError(f"{self.path}: cannot read the THEMIS L1 data ({error})") from None
        finally:
            self.close()
        valid = ~np.isnat(times)
        self.records = np.flatnonzero(valid)
        self.times = times[valid]
        self.exposures = exposures[valid]
        """Exposure durations (s) in the order of :attr:`times`; NaN where the file does not give them."""
        if not valid.all():
            log.warning("%s: %d frames without a valid time are skipped", self.path, int((~valid).sum()))
        if np.any(np.diff(self.times.astype(np.int64)) < 0):
            order = np.argsort(self.times, kind="stable")
            self.records, self.times, self.exposures = self.records[order], self.times[order], self.exposures[order]
        if name is not None and len(self.times):
            self._check_hour(name.hour)

    def __repr__(self) -> str:
        return f"L1File({str(self.path)!r}, site={self.site!r}, {len(self.times)} frames)"

    def __len__(self) -> int:
        return len(self.times)

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_cdf"] = None
        return state

    def open(self) -> pycdf.CDF:
        """The open CDF (opened on first use, read-only; reopened in a forked process)."""
        if self._cdf is not None and self._pid != os.getpid():
            self._cdf = None  # the parent's handle: its file offset is shared, never read through it
        if self._cdf is None:
            self._pid = os.getpid()
            try:
                self._cdf = pycdf.CDF(str(self.path))
            except pycdf.CDFError as error:
                raise InputError(f"{self.path}: not a readable CDF file ({error})") from None
            except OSError as error:
                raise InputError(f"{self.path}: cannot open ({error.strerror or error})") from None
        return self._cdf

    def close(self) -> None:
        """Close the file handle (it is reopened when a frame is read)."""
        if self._cdf is not None and self._pid == os.getpid():
            self._cdf.close()
        self._cdf = None

    def read(self, index: int) -> np.ndarray:
        """Frame ``index`` (position in :attr:`times`) as stored: uint16 counts (h, w)."""
        record = int(self.records[index])
        try:
            frame = np.asarray(self.open()[self.image_variable][record])
        except pycdf.CDFError as error:
            raise InputError(f"{self.path}: cannot read frame {record} of {self.image_variable} ({error})") from None
        return frame

    def _check_hour(self, hour: datetime) -> None:
        """Raise unless the frames lie in the hour the file name gives (within :data:`HOUR_TOLERANCE`)."""
        first, last = (self.times[i].astype(datetime) for i in (0, -1))
        if first < hour - HOUR_TOLERANCE or last >= hour + timedelta(hours=1) + HOUR_TOLERANCE:
            raise InputError(
                f"{self.path}: frames from {first:%Y-%m-%d %H:%M:%S} to {last:%Y-%m-%d %H:%M:%S}, "
                f"but the file name says hour {hour:%Y-%m-%d %H}:00"
            )

    def _site_in_file(self, cdf: pycdf.CDF, expected: str | None, name: L1Name | None) -> str:
        sites = sorted({m[1] for key in cdf for m in [_VARIABLE.fullmatch(key)] if m})
        if not sites:
            raise InputError(f"{self.path}: no THEMIS all-sky image variable thg_asf_<site> in this CDF")
        if expected is not None and expected not in sites:
            where = "file name" if name and expected == name.site else "request"
            raise InputError(
                f"{self.path}: L1 file of site {', '.join(sites)}, but the {where} says site {expected}"
            )
        if expected is None and len(sites) > 1:
            raise InputError(f"{self.path}: images of several sites ({', '.join(sites)}); say which site to read")
        return expected or sites[0]

    def _read_times(self, cdf: pycdf.CDF) -> np.ndarray:
        """Exposure start times: the epoch variable (ms precision), else the unix-time one."""
        epoch_name = f"{self.image_variable}_epoch"
        unix_name = f"{self.image_variable}_time"
        if epoch_name in cdf:
            variable = cdf[epoch_name]
            values = np.asarray(variable[...], dtype="datetime64[us]").reshape(-1)
            bad = np.isnat(values)
            for key, test in (("FILLVAL", np.equal), ("VALIDMIN", np.less), ("VALIDMAX", np.greater)):
                if key in variable.attrs:
                    bad |= test(values, np.datetime64(variable.attrs[key], "us"))
            values[bad] = np.datetime64("NaT")
            return values
        if unix_name in cdf:
            variable = cdf[unix_name]
            seconds = np.asarray(variable[...], dtype=np.float64).reshape(-1)
            low = float(variable.attrs.get("VALIDMIN", 0.0))
            high = float(variable.attrs.get("VALIDMAX", 5e9))
            bad = ~np.isfinite(seconds) | (seconds < low) | (seconds > high)
            fill = variable.attrs.get("FILLVAL")
            if fill is not None and np.isfinite(fill):
                bad |= seconds == fill
            times = unix_to_datetime(np.where(bad, 0.0, seconds))
            times[bad] = np.datetime64("NaT")
            return times
        raise InputError(f"{self.path}: neither {epoch_name} nor {unix_name} (frame times) is in this CDF")

    def _read_exposures(self, cdf: pycdf.CDF, n_times: int) -> np.ndarray:
        """Exposure durations (s) of the records: ``_tend - _time`` (unix seconds), NaN where either is missing or implausible."""
        start_name, end_name = f"{self.image_variable}_time", f"{self.image_variable}_tend"
        if start_name not in cdf or end_name not in cdf:
            return np.full(n_times, np.nan)
        start = np.asarray(cdf[start_name][...], dtype=np.float64).reshape(-1)
        end = np.asarray(cdf[end_name][...], dtype=np.float64).reshape(-1)
        if start.shape != (n_times,) or end.shape != (n_times,):
            return np.full(n_times, np.nan)
        with np.errstate(invalid="ignore"):
            seconds = end - start
            return np.where((seconds > 0) & (seconds < MAX_EXPOSURE_SECONDS), seconds, np.nan)

    def _check_images(self, cdf: pycdf.CDF, n_times: int) -> None:
        if self.image_variable not in cdf:
            raise InputError(f"{self.path}: variable {self.image_variable} (the frames) is missing")
        shape = cdf[self.image_variable].shape
        if len(shape) != 3 or shape[0] != n_times:
            raise InputError(
                f"{self.path}: {self.image_variable} has shape {list(shape)}, expected [{n_times}, rows, columns]"
                " (one frame per time)"
            )

