"""THEMIS camera calibrations ("skymaps"): UCalgary ``.sav`` files and THEMIS L2 CDFs.

A skymap gives, per pixel of one camera, the azimuth and elevation of its
center and the geodetic latitude/longitude of its corners at three mapping
heights (90, 110, 150 km), plus the station position and the dark offset.
Both sources are read into one :class:`Skymap` in skymap orientation (see
:mod:`auromat_themis.orientation`); longitudes are brought to [-180, 180).

* UCalgary skymaps, ``themis_skymap_<site>_<YYYYMMDD>-<YYYYMMDD|+>_vNN.sav``:
  structure ``skymap`` with ``FULL_AZIMUTH``, ``FULL_ELEVATION``,
  ``FULL_MAP_ALTITUDE`` (m), ``FULL_MAP_LATITUDE/LONGITUDE`` [3, 257, 257],
  ``FULL_SUBTRACT``, ``FULL_MULTIPLY``, ``SITE_MAP_LATITUDE/LONGITUDE/ALTITUDE``
  and ``GENERATION_INFO`` (``VALID_INTERVAL_START``/``_STOP`` as
  ``YYYYMMDDHH`` or ``+`` for open-ended, ``DATE_GENERATED``).
* THEMIS L2 skymaps, ``thg_l2_asc_<site>_19700101_v01.cdf``: one record per
  calibration, valid from ``thg_asf_<site>_time`` (unix s) until the next one;
  ``thg_asf_<site>_{azim,elev}`` [rec, 256, 256], ``thg_asf_<site>_{glat,glon}``
  [rec, 3, 257, 257] at the heights ``thg_asf_<site>_alti`` (m),
  ``thg_asf_<site>_offset`` (dark counts), ``thg_asc_<site>_{glat,glon,alti}``
  (station), global attribute ``Generation_date``.

:class:`SkymapCatalog` finds the skymaps in folders (only files named in these patterns;
unreadable ones are skipped with a warning) or files, and picks the one valid at a frame time.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

import attrs
import numpy as np
import scipy.io
from spacepy import pycdf

from auromat_core import CalibrationError
from auromat_core.download import MARKER_SUFFIX

from .l1 import unix_to_datetime
from .orientation import l2_array_to_skymap

log = logging.getLogger(__name__)

SAV_GLOB = "themis_skymap_*.sav"
L2_GLOB = "thg_l2_asc_*.cdf"
SAV_NAME = re.compile(r"themis_skymap_(?P<site>[a-z0-9]{4})_(?P<start>\d{8,14})-(?P<stop>\d{8,14}|\+)_v\w+\.sav")
L2_NAME = re.compile(r"thg_l2_asc_(?P<site>[a-z0-9]{4})_(?P<date>\d{8})_v(?P<version>\d{2})\.cdf")
SAV_PATTERN = "themis_skymap_<site>_<YYYYMMDD>-<YYYYMMDD|+>_v<NN>.sav"
L2_PATTERN = "thg_l2_asc_<site>_<YYYYMMDD>_v<NN>.cdf"
DEFAULT_OFFSET = 2500
"""Dark offset (counts) of THEMIS imagers, used when a skymap has none."""

_WARNED_LATER: set[tuple[Path, int]] = set()
"""Skymaps this process has warned about using before they were valid (once each, whichever provider needs them)."""
_TIME_FORMATS = {8: "%Y%m%d", 10: "%Y%m%d%H", 12: "%Y%m%d%H%M", 14: "%Y%m%d%H%M%S"}


@attrs.frozen(eq=False)
class SkymapInfo:
    """Where a skymap is and when it is valid (read without loading its arrays)."""

    site: str
    path: Path
    kind: str
    """``"ucalgary"`` (.sav) or ``"l2"`` (CDF)."""
    valid_from: datetime
    valid_until: datetime | None = None
    """End of validity, or None: open-ended (until a newer skymap starts)."""
    record: int = 0
    """Record of an L2 CDF."""
    generated: str = ""

    def is_valid_at(self, time: datetime) -> bool:
        """Whether ``time`` lies in the validity interval."""
        return self.valid_from <= time and (self.valid_until is None or time < self.valid_until)

    def describe(self) -> str:
        """E.g. ``themis_skymap_gako_20110305-+_v01.sav (valid from 2011-03-05T08:00:00)``."""
        name = self.path.name + (f" record {self.record}" if self.kind == "l2" else "")
        until = f" until {self.valid_until.isoformat()}" if self.valid_until else ""
        return f"{name} (valid from {self.valid_from.isoformat()}{until})"


@attrs.frozen(eq=False)
class Skymap:
    """The calibration of one camera in skymap orientation (arrays float64, read-only)."""

    info: SkymapInfo
    station_lat: float
    station_lon: float
    """Degrees east in [-180, 180)."""
    station_alt_km: float
    azimuth: np.ndarray
    """(h, w) degrees east of north of the pixel centers, NaN outside the field of view."""
    elevation: np.ndarray
    """(h, w) degrees above the horizon of the pixel centers, NaN outside the field of view."""
    heights_km: np.ndarray
    """(n,) mapping heights of the corner grids."""
    corner_lat: np.ndarray
    """(n, h+1, w+1) geodetic latitude of the pixel corners at each height."""
    corner_lon: np.ndarray
    """(n, h+1, w+1) longitude in [-180, 180) of the pixel corners at each height."""
    subtract: np.ndarray
    """(h, w) dark offset subtracted from the raw counts."""
    multiply: np.ndarray
    """(h, w) factor applied after subtracting the offset."""

    @property
    def shape(self) -> tuple[int, int]:
        """Pixel grid (h, w)."""
        return self.elevation.shape


def wrap_longitude(lon: np.ndarray | float) -> np.ndarray:
    """Longitudes to [-180, 180)."""
    return (np.asarray(lon, dtype=np.float64) + 180.0) % 360.0 - 180.0


def _frozen(array: Any) -> np.ndarray:
    result = np.array(array, dtype=np.float64)
    result.setflags(write=False)
    return result


def _named_time(digits: str) -> datetime | None:
    """``YYYYMMDD[HH[MM[SS]]]`` as a time, or None."""
    fmt = _TIME_FORMATS.get(len(digits))
    try:
        return datetime.strptime(digits, fmt) if fmt else None
    except ValueError:
        return None


def _parse_time(text: str, path: Path, field: str) -> datetime:
    time = _named_time(re.sub(r"\D", "", text))
    if time is None:
        raise CalibrationError(f"{path}: {field} is {text!r}, expected a time like YYYYMMDDHH")
    return time


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("ascii", "replace").strip()
    if isinstance(value, np.ndarray) and value.size == 1:
        return _text(value.item())
    return str(value).strip()


# -- UCalgary .sav skymaps ----------------------------------------------------------------


def _read_sav(path: Path) -> np.record:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # scipy: "Not able to verify number of bytes from header"
        try:
            data = scipy.io.readsav(str(path))
        except Exception as error:  # scipy raises bare Exception/ValueError/struct.error on bad files
            raise CalibrationError(f"{path}: not a readable IDL save file ({type(error).__name__}: {error})") from None
    if "skymap" not in data:
        raise CalibrationError(f"{path}: no 'skymap' structure in this IDL save file (found {', '.join(data) or 'nothing'})")
    return data["skymap"][0]


def _field(record: np.record, name: str, path: Path) -> Any:
    try:
        return record[name]
    except (KeyError, ValueError, IndexError):
        raise CalibrationError(f"{path}: the skymap structure has no field {name}") from None


def _sav_info(path: Path, record: np.record) -> SkymapInfo:
    site = _text(_field(record, "SITE_UID", path)).lower()
    generation = _field(record, "GENERATION_INFO", path)[0]
    start = _text(_field(generation, "VALID_INTERVAL_START", path))
    stop = _text(_field(generation, "VALID_INTERVAL_STOP", path))
    valid_from = _parse_time(start, path, "GENERATION_INFO.VALID_INTERVAL_START")
    valid_until = None if stop in ("+", "") else _parse_time(stop, path, "GENERATION_INFO.VALID_INTERVAL_STOP")
    generated = _text(_field(generation, "DATE_GENERATED", path))
    return SkymapInfo(site, path, "ucalgary", valid_from, valid_until, 0, generated)


def read_ucalgary_info(path: str | Path) -> SkymapInfo:
    """Site and validity of a UCalgary ``.sav`` skymap."""
    path = Path(path)
    return _sav_info(path, _read_sav(path))


def read_ucalgary(path: str | Path) -> Skymap:
    """Read a UCalgary ``.sav`` skymap (its orientation is the skymap orientation).

    Raises
    ------
    CalibrationError
        If the file is unreadable or lacks a field (naming the file and field).
    """
    path = Path(path)
    record = _read_sav(path)
    info = _sav_info(path, record)

    def get(name: str) -> np.ndarray:
        return np.asarray(_field(record, name, path))

    return _checked(
        Skymap(
            info=info,
            station_lat=float(get("SITE_MAP_LATITUDE")),
            station_lon=float(wrap_longitude(get("SITE_MAP_LONGITUDE"))),
            station_alt_km=float(get("SITE_MAP_ALTITUDE")) / 1000.0,
            azimuth=_frozen(get("FULL_AZIMUTH")),
            elevation=_frozen(get("FULL_ELEVATION")),
            heights_km=_frozen(get("FULL_MAP_ALTITUDE").astype(np.float64) / 1000.0),
            corner_lat=_frozen(get("FULL_MAP_LATITUDE")),
            corner_lon=_frozen(wrap_longitude(get("FULL_MAP_LONGITUDE"))),
            subtract=_frozen(get("FULL_SUBTRACT")),
            multiply=_frozen(get("FULL_MULTIPLY")),
        )
    )


# -- THEMIS L2 CDF skymaps -----------------------------------------------------------------


def _open_cdf(path: Path) -> pycdf.CDF:
    try:
        return pycdf.CDF(str(path))
    except pycdf.CDFError as error:
        raise CalibrationError(f"{path}: not a readable CDF file ({error})") from None
    except OSError as error:
        raise CalibrationError(f"{path}: cannot open ({error.strerror or error})") from None


def _l2_site(cdf: pycdf.CDF, path: Path) -> str:
    match = L2_NAME.fullmatch(path.name)
    sites = sorted({m[1] for key in cdf for m in [re.fullmatch(r"thg_asf_([a-z0-9]{4})_elev", key)] if m})
    if not sites:
        raise CalibrationError(f"{path}: no thg_asf_<site>_elev variable: not a THEMIS L2 skymap")
    if match and match["site"] in sites:
        return match["site"]
    if len(sites) > 1:
        raise CalibrationError(f"{path}: skymaps of several sites ({', '.join(sites)}), none of them the one its file name says")
    return sites[0]  # a file name that says another site is warned about when scanning


def _variable(cdf: pycdf.CDF, name: str, path: Path) -> pycdf.Var:
    if name not in cdf:
        raise CalibrationError(f"{path}: variable {name} is missing")
    return cdf[name]


def _values(cdf: pycdf.CDF, name: str, path: Path, record: int | None, ndim: int) -> np.ndarray:
    """A variable's data of ``record`` (when it has a record axis beyond ``ndim``), fill values as NaN."""
    variable = _variable(cdf, name, path)
    data = np.asarray(variable[...])
    if data.ndim > ndim:
        if record is None or record >= data.shape[0]:
            raise CalibrationError(f"{path}: {name} has no record {record}")
        data = data[record]
    if data.ndim != ndim:
        raise CalibrationError(f"{path}: {name} has shape {list(data.shape)}, expected {ndim} dimensions")
    fill = variable.attrs.get("FILLVAL")
    if data.dtype.kind == "f":
        data = data.astype(np.float64)
        if fill is not None and np.isfinite(fill):
            data[data == fill] = np.nan
    return data


def read_l2_infos(path: str | Path) -> list[SkymapInfo]:
    """The calibrations (records) of a THEMIS L2 skymap CDF with their validity."""
    path = Path(path)
    cdf = _open_cdf(path)
    try:
        site = _l2_site(cdf, path)
        seconds = np.asarray(_variable(cdf, f"thg_asf_{site}_time", path)[...], dtype=np.float64).reshape(-1)
        generated = _text(cdf.attrs["Generation_date"][0]) if "Generation_date" in cdf.attrs else ""
    except pycdf.CDFError as error:
        raise CalibrationError(f"{path}: cannot read the skymap ({error})") from None
    finally:
        cdf.close()
    if not np.isfinite(seconds).all() or len(seconds) == 0:
        raise CalibrationError(f"{path}: thg_asf_{site}_time must give a valid-from time for every record")
    starts = unix_to_datetime(seconds).astype(datetime)
    order = np.argsort(seconds, kind="stable")
    infos = []
    for position, record in enumerate(order):
        following = order[position + 1] if position + 1 < len(order) else None
        until = starts[following] if following is not None else None
        infos.append(SkymapInfo(site, path, "l2", starts[record], until, int(record), generated))
    return infos


def read_l2(info: SkymapInfo) -> Skymap:
    """Read one record of a THEMIS L2 skymap CDF, turned into skymap orientation."""
    path, site, record = info.path, info.site, info.record
    cdf = _open_cdf(path)
    try:
        asf, asc = f"thg_asf_{site}", f"thg_asc_{site}"
        heights = _values(cdf, f"{asf}_alti", path, record, 1)
        station_alt = _values(cdf, f"{asc}_alti", path, 0, 0).astype(np.float64)
        alt_units = str(cdf[f"{asc}_alti"].attrs.get("UNITS", "m")).strip().lower()
        offset_name = f"{asf}_offset"
        subtract = (
            _values(cdf, offset_name, path, record, 2).astype(np.float64) if offset_name in cdf else None
        )
        multiply_name = f"{asf}_mult"
        multiply = _values(cdf, multiply_name, path, record, 2).astype(np.float64) if multiply_name in cdf else None
        elevation = _values(cdf, f"{asf}_elev", path, record, 2)
        skymap = Skymap(
            info=info,
            station_lat=float(_values(cdf, f"{asc}_glat", path, 0, 0)),
            station_lon=float(wrap_longitude(_values(cdf, f"{asc}_glon", path, 0, 0))),
            station_alt_km=float(station_alt) / (1.0 if alt_units == "km" else 1000.0),
            azimuth=_frozen(l2_array_to_skymap(_values(cdf, f"{asf}_azim", path, record, 2))),
            elevation=_frozen(l2_array_to_skymap(elevation)),
            heights_km=_frozen(heights.astype(np.float64) / 1000.0),
            corner_lat=_frozen(l2_array_to_skymap(_values(cdf, f"{asf}_glat", path, record, 3))),
            corner_lon=_frozen(wrap_longitude(l2_array_to_skymap(_values(cdf, f"{asf}_glon", path, record, 3)))),
            subtract=_frozen(
                l2_array_to_skymap(subtract) if subtract is not None else np.full(elevation.shape, DEFAULT_OFFSET)
            ),
            multiply=_frozen(l2_array_to_skymap(multiply) if multiply is not None else np.ones(elevation.shape)),
        )
    except pycdf.CDFError as error:
        raise CalibrationError(f"{path}: cannot read skymap record {record} ({error})") from None
    finally:
        cdf.close()
    return _checked(skymap)


def _checked(skymap: Skymap) -> Skymap:
    """Check the array shapes against each other."""
    path = skymap.info.path
    h, w = skymap.elevation.shape
    n = len(skymap.heights_km)
    expected = {
        "azimuth": (skymap.azimuth.shape, (h, w)),
        "corner latitudes": (skymap.corner_lat.shape, (n, h + 1, w + 1)),
        "corner longitudes": (skymap.corner_lon.shape, (n, h + 1, w + 1)),
        "offset": (skymap.subtract.shape, (h, w)),
        "multiplier": (skymap.multiply.shape, (h, w)),
    }
    for name, (found, wanted) in expected.items():
        if found != wanted:
            raise CalibrationError(f"{path}: {name} have shape {list(found)}, expected {list(wanted)}")
    if n == 0 or not np.all(np.isfinite(skymap.heights_km)):
        raise CalibrationError(f"{path}: mapping heights {skymap.heights_km.tolist()} are not usable")
    return skymap


# -- choosing the skymap for a frame ---------------------------------------------------


def _check_named_site(path: Path, match: re.Match[str] | None, infos: list[SkymapInfo], wanted: set[str] | None) -> None:
    """Warn when a skymap holds another site than its file name says: it is used for the site it holds, if that is wanted."""
    held = sorted({info.site for info in infos} - ({match["site"]} if match else set()))
    if match and held:
        used = [site for site in held if wanted is None or site in wanted]
        log.warning("%s: the file name says THEMIS site %s but the file holds the skymap of %s; %s",
                    path, match["site"], ", ".join(held), f"used for {', '.join(used)}" if used else "not used")


def _check_named_start(path: Path, match: re.Match[str] | None, infos: list[SkymapInfo]) -> None:
    """Warn when a UCalgary skymap's file name gives another start of validity than its content (which is used)."""
    if match is None or match.re is not SAV_NAME or _named_time(match["start"]) is None:
        return
    named = match["start"]
    for info in infos:
        if info.valid_from.strftime(_TIME_FORMATS[len(named)]) != named:
            log.warning("%s: the file name says valid from %s but the file says from %s; the file's is used",
                        path, named, info.valid_from.isoformat())


def _named_files(folder: Path) -> list[tuple[Path, re.Match[str]]]:
    """The skymap files below ``folder`` (recursively) with their name matches; near misses are warned about."""
    named = []
    for glob, name, pattern in ((SAV_GLOB, SAV_NAME, SAV_PATTERN), (L2_GLOB, L2_NAME, L2_PATTERN)):
        for path in sorted(folder.rglob(glob)):
            match = name.fullmatch(path.name)
            if match is None or (name is SAV_NAME and _named_time(match["start"]) is None):
                log.warning("%s: not used as a skymap: the name does not match %s", path, pattern)
            else:
                named.append((path, match))
    return named


def _read_infos(path: Path) -> list[SkymapInfo]:
    """The calibrations in a skymap file, by its suffix: ``.sav`` UCalgary, otherwise THEMIS L2."""
    return [read_ucalgary_info(path)] if path.suffix.lower() == ".sav" else read_l2_infos(path)


class SkymapCatalog:
    """The skymaps found in folders or files, by site, and the choice of one for a frame time.

    Parameters
    ----------
    infos
        The available skymaps.
    searched
        Where they were looked for (for error messages; folders are also
        searched for the ``.404`` markers of skymaps the download server lacked).
    skipped
        ``(site its file name says, why)`` of each skymap file that could not be used.
    """

    def __init__(
        self, infos: Iterable[SkymapInfo], searched: str | Path | Iterable[str | Path], skipped: Iterable[tuple[str, str]] = ()
    ) -> None:
        self.searched = [Path(searched)] if isinstance(searched, (str, Path)) else [Path(p) for p in searched]
        self._skipped = list(skipped)
        self._by_site: dict[str, list[SkymapInfo]] = {}
        for info in infos:
            self._by_site.setdefault(info.site, []).append(info)
        for site_infos in self._by_site.values():
            # latest start first; on equal starts prefer UCalgary (the calibration asilib and THEMIS use)
            site_infos.sort(key=lambda i: (i.valid_from, i.kind == "ucalgary"), reverse=True)
        self._loaded: dict[tuple[Path, int], Skymap] = {}

    @property
    def skipped(self) -> list[str]:
        """Why each skymap file that could not be used was left out (each message names the file)."""
        return [why for _, why in self._skipped]

    @classmethod
    def scan(cls, sources: str | Path | Iterable[str | Path], sites: Iterable[str] | None = None) -> SkymapCatalog:
        """Find the skymaps in ``sources``: folders searched recursively, or skymap files.

        In a folder only files named like UCalgary skymaps (``themis_skymap_<site>_<YYYYMMDD>-…_vNN.sav``)
        or L2 skymaps (``thg_l2_asc_<site>_<YYYYMMDD>_vNN.cdf``) are read; one that
        cannot be read is skipped with a warning (see :attr:`skipped`). With
        ``sites``, only those sites are kept; UCalgary files named for other
        sites are not read (their names are trusted for that).

        Raises
        ------
        CalibrationError
            For a skymap file given as a source that cannot be read (naming it).
        """
        sources = [Path(sources)] if isinstance(sources, (str, Path)) else [Path(p) for p in sources]
        wanted = set(sites) if sites is not None else None
        infos: list[SkymapInfo] = []
        skipped: list[tuple[str, str]] = []
        for source in sources:
            if source.is_file():
                named = [(source, SAV_NAME.fullmatch(source.name) or L2_NAME.fullmatch(source.name))]
            else:
                named = [(path, match) for path, match in _named_files(source)
                         if wanted is None or match.re is L2_NAME or match["site"] in wanted]
            for path, match in named:
                try:
                    found = _read_infos(path)
                except CalibrationError as error:
                    if path == source:
                        raise
                    if wanted is not None and match["site"] not in wanted:  # read only to catch a misnamed skymap
                        log.debug("%s; skipped (named for site %s, not used)", error, match["site"])
                        continue
                    log.warning("%s; skipped", error)
                    skipped.append((match["site"], str(error)))
                    continue
                _check_named_site(path, match, found, wanted)
                _check_named_start(path, match, found)
                infos.extend(info for info in found if wanted is None or info.site in wanted)
        log.debug("found %d skymaps in %s", len(infos), ", ".join(map(str, sources)))
        return cls(infos, sources, skipped)

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_loaded"] = {}
        return state

    def for_site(self, site: str) -> list[SkymapInfo]:
        """The skymaps of ``site``, latest first."""
        return list(self._by_site.get(site, []))

    def select(self, site: str, time: datetime, allow_later: bool = False, needed_by: str | Path | None = None) -> SkymapInfo:
        """The skymap of ``site`` valid at ``time``: the one valid then that started last.

        With ``allow_later``, when no skymap is valid yet at ``time``, the earliest
        later one is used and a warning is logged (once per skymap).

        Raises
        ------
        CalibrationError
            Naming the frame file, the time and the skymaps there are.
        """
        candidates = self.for_site(site)
        for info in candidates:
            if info.is_valid_at(time):
                return info
        for_what = f" for {Path(needed_by).name}" if needed_by else ""
        unusable = [why for named, why in self._skipped if named == site]
        skipped = f"; skipped as unusable: {'; '.join(unusable)}" if unusable else ""
        if not candidates:
            markers = (next(folder.rglob(f"thg_l2_asc_{site}_*.cdf{MARKER_SUFFIX}"), None) for folder in self.searched if folder.is_dir())
            missing = next((marker for marker in markers if marker is not None), None)
            server = f"; the download server had no L2 skymap ({missing.name})" if missing else ""
            raise CalibrationError(
                f"no skymap of THEMIS site {site}{for_what} in {' or '.join(map(str, self.searched))}"
                f" (looked for themis_skymap_{site}_*.sav and thg_l2_asc_{site}_*.cdf){skipped}{server};"
                " give a folder holding one with skymap_dir (-p skymap_dir=DIR on the command line)"
            )
        later = [info for info in candidates if info.valid_from > time]
        if allow_later and later:
            chosen = min(later, key=lambda i: i.valid_from)
            key = (chosen.path, chosen.record)
            if key not in _WARNED_LATER:
                _WARNED_LATER.add(key)
                log.warning(
                    "THEMIS site %s: using skymap %s for frames at %s, before it was valid (allow_later_skymap=True);"
                    " the camera may have been moved or serviced in between",
                    site, chosen.describe(), time.isoformat(),
                )
            return chosen
        hint = "; to use a later one, pass allow_later_skymap=True (on the command line: -p allow_later_skymap=true)" if later else ""
        available = "; ".join(info.describe() for info in sorted(candidates, key=lambda i: i.valid_from))
        raise CalibrationError(f"no skymap of THEMIS site {site} valid at {time.isoformat()}{for_what}: {available}{skipped}{hint}")

    def load(self, info: SkymapInfo) -> Skymap:
        """The arrays of ``info`` (read once, then cached)."""
        key = (info.path, info.record)
        if key not in self._loaded:
            self._loaded[key] = read_ucalgary(info.path) if info.kind == "ucalgary" else read_l2(info)
        return self._loaded[key]
