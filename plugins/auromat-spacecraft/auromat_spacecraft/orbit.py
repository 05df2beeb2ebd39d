"""Camera positions from two-line element sets (TLE files, reference §5.5, §11.5).

A TLE file ``<folder>/<norad id>.tle`` holds only line-1/line-2 pairs (69
characters each, no title lines) in ascending epoch order. The position at a
photo time comes from the latest TLE whose epoch is not after it, propagated
with SGP4 (``sgp4``) and rotated from TEME to GCRS with astropy.
"""

from __future__ import annotations

import bisect
import logging
import numbers
import os
import warnings
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import astropy.units as u
import attrs
import numpy as np
from astropy.coordinates import GCRS, TEME, CartesianRepresentation
from astropy.time import Time
from sgp4.api import WGS72, Satrec

import auromat_core.geometry  # noqa: F401  (configures astropy for offline IERS data)
from auromat_core import InputError, NoDataError, as_utc, atomic_output

if TYPE_CHECKING:
    from .spacetrack import SpaceTrack

log = logging.getLogger(__name__)

TLE_LINE_LENGTH = 69
DEFAULT_NORAD_ID = "25544"
"""The ISS, assumed (with a warning) when neither the caller nor the header names a spacecraft."""
MAX_TLE_AGE = timedelta(days=3)
"""A photo more than this after the latest TLE is not covered by the file."""
STALE_TLE_AGE = timedelta(days=1)
"""A TLE older than this at the photo time gives a warning (reduced accuracy)."""


def norad_id_option(value: Any, name: str = "norad_id", digits: bool = False) -> int | None:
    """``value`` as a NORAD catalogue number: None, or a positive whole number (with ``digits``, also its digits as a string).

    Raises
    ------
    InputError
        Naming the option, for anything else: booleans, fractions such as
        25544.7 (which ``int`` would truncate), other strings, lists.
    """
    if value is None:
        return None
    if digits and isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_)) and value > 0:
        return int(value)
    raise InputError(f"{name} must be a NORAD catalogue number (a positive whole number such as 25544), got {value!r}")


def tle_checksum(line: str) -> int:
    """The modulo-10 checksum of the first 68 characters of a TLE line (digits, '-' counts 1)."""
    return sum(int(c) if c.isdigit() else c == "-" for c in line[:68]) % 10


def tle_epoch(line1: str) -> datetime:
    """Epoch (naive UTC) of a TLE line 1."""
    year = int(line1[18:20])
    day = float(line1[20:32])
    start = datetime(1900 + year if year >= 57 else 2000 + year, 1, 1)
    return start + timedelta(microseconds=round((day - 1.0) * 86400e6))


@attrs.frozen
class Tle:
    """One two-line element set."""

    line1: str
    line2: str

    @property
    def norad_id(self) -> str:
        """Catalogue number (without leading zeros)."""
        return str(int(self.line1[2:7]))

    @property
    def epoch(self) -> datetime:
        """Epoch (naive UTC)."""
        return tle_epoch(self.line1)

    def satrec(self) -> Satrec:
        """The sgp4 satellite record."""
        return Satrec.twoline2rv(self.line1, self.line2, WGS72)

    def position(self, time: datetime) -> np.ndarray:
        """Position (3,) in GCRS, km, at ``time`` (naive UTC)."""
        return tle_positions(self, [time])[0]


def parse_tles(lines: Iterable[str], source: str) -> list[Tle]:
    """Validate line pairs and return the TLEs in ascending epoch order.

    Raises
    ------
    InputError
        Naming ``source`` and the line: wrong length, wrong line number,
        bad checksum, an odd number of lines or a different satellite.
    """
    cleaned = [(number, line.rstrip("\r\n ")) for number, line in enumerate(lines, 1)]
    cleaned = [(number, line) for number, line in cleaned if line]
    if len(cleaned) % 2:
        raise InputError(f"{source}: {len(cleaned)} TLE lines, expected line-1/line-2 pairs (an even number)")
    tles = []
    for (n1, line1), (n2, line2) in zip(cleaned[0::2], cleaned[1::2]):
        for number, line, kind in ((n1, line1, "1"), (n2, line2, "2")):
            if len(line) != TLE_LINE_LENGTH:
                raise InputError(f"{source} line {number}: {len(line)} characters, a TLE line has 69")
            if not line.startswith(kind + " "):
                raise InputError(f"{source} line {number}: expected TLE line {kind}, found {line[:10]!r}")
            if not line[68].isdigit() or int(line[68]) != tle_checksum(line):
                raise InputError(f"{source} line {number}: checksum {line[68]!r}, computed {tle_checksum(line)}")
        if line1[2:7] != line2[2:7]:
            raise InputError(f"{source} line {n2}: satellite {line2[2:7]} differs from line {n1} ({line1[2:7]})")
        try:
            tle = Tle(line1, line2)
            tle.epoch  # noqa: B018  (validates the epoch field)
        except ValueError:
            raise InputError(f"{source} line {n1}: invalid epoch field {line1[18:32]!r}") from None
        tles.append(tle)
    if len({tle.norad_id for tle in tles}) > 1:
        raise InputError(f"{source}: TLEs of several satellites {sorted({t.norad_id for t in tles})}, expected one")
    return sorted(tles, key=lambda tle: tle.epoch)


def read_tle_file(path: str | os.PathLike) -> list[Tle]:
    """All TLEs of a file, ascending by epoch (see :func:`parse_tles`)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="ascii")
    except FileNotFoundError:
        raise NoDataError(f"{path}: TLE file not found") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: not a readable TLE text file ({error})") from None
    tles = parse_tles(text.splitlines(), str(path))
    if not tles:
        raise NoDataError(f"{path}: the TLE file is empty")
    return tles


def write_tle_file(path: str | os.PathLike, tles: Iterable[Tle]) -> Path:
    """Write TLEs (sorted by epoch, duplicates removed) atomically."""
    unique = {(tle.line1, tle.line2): tle for tle in tles}.values()
    ordered = sorted(unique, key=lambda tle: (tle.epoch, tle.line1))
    path = Path(path)
    with atomic_output(path) as temporary:
        temporary.write_text("".join(f"{tle.line1}\n{tle.line2}\n" for tle in ordered), encoding="ascii")
    return path


def teme_to_gcrs(positions_km: np.ndarray, times: Sequence[datetime]) -> np.ndarray:
    """Rotate TEME positions (n, 3) km at ``times`` (naive UTC) to GCRS through astropy."""
    obstime = Time([as_utc(t) for t in times], scale="utc")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # degraded-accuracy notes are logged by auromat_core.geometry.frames
        teme = TEME(CartesianRepresentation(np.asarray(positions_km, dtype=np.float64).T * u.km), obstime=obstime)
        gcrs = teme.transform_to(GCRS(obstime=obstime))
    return gcrs.cartesian.xyz.to_value(u.km).T


def tle_positions(tle: Tle, times: Sequence[datetime]) -> np.ndarray:
    """GCRS positions (n, 3) km of the satellite of ``tle`` at ``times``."""
    satrec = tle.satrec()
    obstime = Time([as_utc(t) for t in times], scale="utc")
    errors, positions, _ = satrec.sgp4_array(obstime.jd1, obstime.jd2)
    if np.any(errors):
        bad = int(np.flatnonzero(errors)[0])
        raise InputError(f"SGP4 error {errors[bad]} propagating TLE {tle.line1[:24]!r} to {times[bad]}")
    return teme_to_gcrs(positions, times)


class TleFile:
    """The TLEs of one satellite in ``<folder>/<norad id>.tle``."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        self.tles = read_tle_file(self.path)
        self._epochs = [tle.epoch for tle in self.tles]

    @property
    def first_epoch(self) -> datetime:
        return self._epochs[0]

    @property
    def last_epoch(self) -> datetime:
        return self._epochs[-1]

    def covers(self, time: datetime) -> bool:
        """Whether a TLE with epoch <= ``time`` exists and is at most :data:`MAX_TLE_AGE` old."""
        time = as_utc(time)
        return self.first_epoch <= time <= self.last_epoch + MAX_TLE_AGE

    def tle_for(self, time: datetime) -> Tle:
        """The latest TLE whose epoch is not after ``time``.

        Raises
        ------
        NoDataError
            If the file does not cover ``time`` (see :meth:`covers`).
        """
        time = as_utc(time)
        if not self.covers(time):
            raise NoDataError(
                f"{self.path}: TLEs from {self.first_epoch.isoformat()} to {self.last_epoch.isoformat()} do not "
                f"cover {time.isoformat()} (needs an epoch at most {MAX_TLE_AGE.days} days before it)"
            )
        tle = self.tles[bisect.bisect_right(self._epochs, time) - 1]
        if time - tle.epoch > STALE_TLE_AGE:
            log.warning("%s: latest TLE before %s is from %s (reduced accuracy)", self.path, time, tle.epoch)
        return tle

    def position(self, time: datetime) -> np.ndarray:
        """GCRS position (3,) km at ``time``."""
        return self.tle_for(time).position(as_utc(time))


def tle_path(tle_folder: str | os.PathLike, norad_id: str) -> Path:
    """``<tle_folder>/<norad_id>.tle``."""
    return Path(tle_folder) / f"{norad_id}.tle"


def position_from_tles(
    time: datetime,
    norad_id: str,
    tle_folder: str | os.PathLike | None,
    spacetrack: SpaceTrack | None = None,
    context: str = "",
) -> np.ndarray:
    """Camera position (GCRS km) at ``time`` from ``<tle_folder>/<norad_id>.tle``.

    When the file is missing or does not reach ``time`` and ``spacetrack`` is
    given, the file is first updated from Space-Track.

    Raises
    ------
    InputError
        If ``tle_folder`` is None (``context`` says why a TLE was needed).
    NoDataError
        If no TLE covers ``time``.
    """
    if tle_folder is None:
        raise InputError(f"{context}the camera position must come from TLEs, but no tle_folder was given")
    path = tle_path(tle_folder, norad_id)
    time = as_utc(time)
    if spacetrack is not None:
        tle_file = TleFile(path) if path.is_file() else None
        if tle_file is None or not tle_file.first_epoch <= time <= tle_file.last_epoch:
            try:
                spacetrack.update_tles_for(norad_id, path, time)
            except NoDataError:
                if tle_file is None or not tle_file.covers(time):
                    raise
                log.warning("%s: no newer TLE on Space-Track, using the latest stored one for %s", path, time)
    if not path.is_file():
        raise NoDataError(
            f"{context}TLE file {path} for NORAD {norad_id} not found; put it there, or have it downloaded from "
            "Space-Track (auromat solve --spacetrack; when mapping, -p spacetrack=true or spacetrack= in Python)"
        )
    return TleFile(path).position(time)


__all__ = [
    "DEFAULT_NORAD_ID",
    "MAX_TLE_AGE",
    "Tle",
    "TleFile",
    "norad_id_option",
    "parse_tles",
    "position_from_tles",
    "read_tle_file",
    "teme_to_gcrs",
    "tle_checksum",
    "tle_epoch",
    "tle_path",
    "tle_positions",
    "write_tle_file",
]
