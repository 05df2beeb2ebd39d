"""The ``themis`` provider: THEMIS all-sky imager frames as georeferenced mappings.

Frames of all selected sites are put on one time line. :attr:`ThemisProvider.times`
is the union of the frame times of all sites, grouped: the frames are taken in
time order and a frame joins the current group when it lies less than
``group_window`` seconds (default 1.5, half the 3 s THEMIS cadence) after the
group's first frame and its site is not in the group yet; otherwise it starts
a new group. A group's time is its earliest frame time, its identifier
``THEMIS.YYYY.mm.dd.HH.MM.SS``; :meth:`~ThemisProvider.load` and
:meth:`~ThemisProvider.sequence` give one :class:`~auromat_core.MappingCollection`
per group, at the group's time, with one mapping per site (identifier
``<site>.YYYY.mm.dd.HH.MM.SS``), ordered by site code.
:meth:`~ThemisProvider.get` instead takes, for each site separately, the frame
nearest to the requested time within ``max_time_offset``; the collection has the
identifier and time of the time step holding the nearest of these frames.
"""

from __future__ import annotations

import functools
import logging
import math
import os
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from auromat_core import IMAGE_CONTENT_KEY, CalibrationError, InputError, Mapping, MappingCollection, NoDataError, Provider, as_utc
from auromat_core.options import bool_option, number_option, path_option
from auromat_core.providers import identifier_index, open_usable, unknown_identifier

from .brightness import METHODS, scale_brightness
from .geometry import PixelGeometry, check_altitude, pixel_geometry, station_gcrs
from .l1 import FILL_VALUE, L1_GLOB, L1_PATTERN, L1File, parse_l1_name
from .orientation import l1_frame_to_skymap
from .skymap import Skymap, SkymapCatalog, SkymapInfo
from .stations import parse_sites, station_name

log = logging.getLogger(__name__)

OPEN_FILES = 4
"""L1 files kept open at once."""
CAMERA_FILES = 32
"""L1 files whose camera (station) positions at every frame time are kept, least recently used dropped."""


IMAGE_ORIENTATION = (
    "skymap orientation, the L1 frame rotated by 180 degrees: row 0 towards the northern horizon, "
    "column 0 towards the eastern one (the sky seen from below)"
)
"""How a mapping's image relates to the L1 frame (see :mod:`auromat_themis.orientation`), stated in its metadata."""


def _as_written(value: float) -> float:
    """A calibration value stored as float32, as its file writes it (62.41, not 62.40999984741211)."""
    return float(str(np.float32(value)))


def _newest_readable(versions: list[Path], site: str | None) -> L1File:
    """The newest of the ``versions`` of one site-hour that can be read; an older one with a warning if need be.

    Raises
    ------
    InputError
        The newest version's error, when none can be read.
    """
    errors: list[InputError] = []
    for path in versions:
        try:
            file = L1File(path, site)
        except InputError as error:
            errors.append(error)
            continue
        for error in errors:
            log.warning("%s; using the older version %s", error, path.name)
        return file
    raise errors[0]


def _brightness_choice(
    brightness: str | None, min_brightness: float | None, max_brightness: float | None, percentiles: tuple[float, float] | None
) -> tuple[str | None, dict[str, float]]:
    """The brightness method and its options for :func:`~auromat_themis.brightness.scale_brightness`, checked.

    Raises
    ------
    InputError
        Naming the option that is invalid or does not fit the method.
    """
    if brightness is not None and brightness not in METHODS:
        raise InputError(f"brightness must be None or one of {', '.join(METHODS)}, got {brightness!r}")
    bounds = {key: number_option(name, value) for key, name, value in (
        ("minimum", "min_brightness", min_brightness), ("maximum", "max_brightness", max_brightness)) if value is not None}
    if len(bounds) == 2 and not bounds["minimum"] < bounds["maximum"]:
        raise InputError(f"min_brightness must be below max_brightness, got min_brightness {min_brightness}, max_brightness {max_brightness}")
    if bounds and brightness == "percentile":
        raise InputError("min_brightness/max_brightness scale brightness='original'; brightness='percentile' takes percentiles")
    if percentiles is not None and bounds:
        raise InputError("percentiles scale brightness='percentile', min_brightness/max_brightness brightness='original': give one or the other")
    if percentiles is not None and brightness == "original":
        raise InputError("percentiles scale brightness='percentile'; brightness='original' takes min_brightness/max_brightness")
    if bounds or brightness == "original":
        return "original", bounds
    if percentiles is None:
        return brightness, {"low": 1.0, "high": 99.5} if brightness == "percentile" else {}
    try:
        low, high = (number_option("percentiles", value, 0.0, 100.0) for value in percentiles)
    except (TypeError, ValueError):  # not a pair of numbers (InputError is a ValueError)
        low = high = math.nan
    if not low < high:
        raise InputError(f"percentiles must be (low, high) with 0 <= low < high <= 100, got {percentiles!r}")
    return "percentile", {"low": low, "high": high}


def _identifier(prefix: str, time: datetime) -> str:
    return f"{prefix}.{time:%Y.%m.%d.%H.%M.%S}"


class ThemisProvider(Provider):
    """THEMIS all-sky imager frames (L1 CDF) georeferenced with their skymaps.

    Parameters
    ----------
    l1_dir
        Folder searched recursively for ``thg_l1_asf_<site>_<YYYYMMDDHH>_v<NN>.cdf``
        (flat, or the THEMIS layout ``thg/l1/asi/<site>/<YYYY>/<MM>/`` that
        ``auromat download themis`` writes), or one such file, or a list of files.
        Of several versions of a site-hour the highest is used.
    skymap_dir
        Folder searched recursively for UCalgary skymaps
        (``themis_skymap_<site>_<YYYYMMDD>-…_vNN.sav``) and THEMIS L2 skymaps
        (``thg_l2_asc_<site>_<YYYYMMDD>_vNN.cdf``), or one skymap file. Default:
        the L1 folder, and, when that lies in a THEMIS tree
        (``<root>/thg/l1/…``), also ``<root>/thg/l2/asi/cal``. A skymap in a
        folder that cannot be read is skipped with a warning (and listed in
        :attr:`skipped_inputs`).
    altitude
        Mapping altitude, km. 90, 110 and 150 use the calibrated corner grids,
        others reproject the pixel rays (see :mod:`auromat_themis.geometry`).
    sites
        Site codes to use (list or comma-separated string); default all found.
    max_time_offset
        Seconds: :meth:`get` takes a site's frame only this close to the requested time.
    min_elevation
        Pixels seen below this elevation (deg) are undefined; None keeps all.
    allow_later_skymap
        Use a skymap that only becomes valid after a frame's time (with a
        warning) when no valid one exists; otherwise that is a CalibrationError.
    brightness
        None: the image is uint16 counts above the dark offset (times the
        skymap's multiplier). ``"original"`` or ``"percentile"``: uint8 display
        brightness (see :mod:`auromat_themis.brightness`).
    min_brightness, max_brightness
        Counts shown as 0 and 255 (``bytscl``) with ``brightness="original"``,
        which either bound alone implies, as in the original toolkit.
    percentiles
        ``(low, high)`` shown as 0 and 255 with ``brightness="percentile"``,
        which they imply; default (1, 99.5).
    group_window
        Seconds within which frames of different sites form one time step.

    In a folder, an L1 file that cannot be read or has no valid skymap is
    skipped with a warning naming it, as long as other files can be used.

    Raises
    ------
    InputError
        For an invalid option (naming it), a missing folder, a corrupt L1 file
        (given by name, or the only one) or an L1 file of another site.
    CalibrationError
        When a site has no skymap valid for its frames (given by name, or the
        only ones), or the skymap file given as ``skymap_dir`` cannot be read.
    """

    def __init__(
        self,
        l1_dir: str | os.PathLike | Sequence[str | os.PathLike],
        skymap_dir: str | os.PathLike | None = None,
        altitude: float = 110.0,
        sites: str | Iterable[str] | None = None,
        max_time_offset: float = 2.0,
        min_elevation: float | None = 1.0,
        allow_later_skymap: bool = False,
        brightness: str | None = None,
        min_brightness: float | None = None,
        max_brightness: float | None = None,
        percentiles: tuple[float, float] | None = None,
        group_window: float = 1.5,
    ) -> None:
        self.brightness, self._brightness_options = _brightness_choice(brightness, min_brightness, max_brightness, percentiles)
        self.sites = parse_sites(list(sites) if isinstance(sites, Iterable) and not isinstance(sites, str) else sites)
        self.altitude = number_option("altitude", altitude, 0.0)
        self.max_time_offset = number_option("max_time_offset", max_time_offset, 0.0)
        self.min_elevation = None if min_elevation is None else number_option("min_elevation", min_elevation, -90.0, 90.0)
        self.allow_later_skymap = bool_option("allow_later_skymap", allow_later_skymap)
        self.group_window = number_option("group_window", group_window, 0.0)
        self._inputs, self.folder = self._resolve_inputs(l1_dir)
        self._skymap_given = skymap_dir is not None
        self.skymap_dir = Path(path_option("skymap_dir", skymap_dir)) if skymap_dir is not None else self.folder
        if not self.skymap_dir.exists():
            raise InputError(f"skymap_dir {self.skymap_dir} does not exist (give a folder of skymaps or one skymap file)")
        self._index()

    # -- indexing ---------------------------------------------------------------------------

    @classmethod
    def can_open(cls, path: str | os.PathLike) -> bool:
        """Whether ``path`` is an L1 file or a folder with L1 files (at any depth)."""
        path = Path(path)
        if path.is_file():
            return parse_l1_name(path) is not None
        return path.is_dir() and next(path.rglob(L1_GLOB), None) is not None

    @staticmethod
    def _resolve_inputs(l1_dir: Any) -> tuple[list[Path] | None, Path]:
        """(explicit files or None for a folder scan, folder)."""
        if isinstance(l1_dir, (str, os.PathLike)):
            path = Path(l1_dir)
            if path.is_dir():
                return None, path
            if path.is_file():
                return [path], path.parent
            raise InputError(f"THEMIS L1 folder or file {path} does not exist")
        paths = [Path(p) for p in l1_dir]
        if not paths:
            raise InputError("no THEMIS L1 file given")
        for path in paths:
            if not path.is_file():
                raise InputError(f"THEMIS L1 file {path} does not exist")
        return paths, paths[0].parent

    def _l1_paths(self) -> list[tuple[list[Path], str | None]]:
        """The L1 files to use, each as its versions (newest first), with the site it must hold (None: whatever it holds)."""
        if self._inputs is not None:
            return [([path], name.site if (name := parse_l1_name(path)) else None) for path in self._inputs]
        versions: dict[tuple[str, datetime], list[tuple[int, Path]]] = {}
        for path in sorted(self.folder.rglob(L1_GLOB)):
            name = parse_l1_name(path)
            if name is None:
                log.warning("%s: not used: the name does not match %s", path, L1_PATTERN)
                continue
            if self.sites is not None and name.site not in self.sites:
                continue
            versions.setdefault((name.site, name.hour), []).append((name.version, path))
        return [
            ([path for _, path in sorted(found, reverse=True)], site)
            for (site, _), found in sorted(versions.items(), key=lambda item: (item[0][1], item[0][0]))
        ]

    def _index(self) -> None:
        self.skipped_inputs: list[str] = []
        self._files = open_usable(
            [functools.partial(_newest_readable, paths, site) for paths, site in self._l1_paths()], self._inputs is not None,
            self.skipped_inputs,
        )
        if self._inputs is not None and self.sites is not None:
            for file in self._files:
                if file.site not in self.sites:
                    raise InputError(f"{file.path}: L1 file of site {file.site}, not one of the requested sites {', '.join(self.sites)}")
        self._files = [file for file in self._files if len(file)]
        if not self._files:
            wanted = f" of sites {', '.join(self.sites)}" if self.sites else ""
            present = sorted({name.site for path in self.folder.rglob(L1_GLOB) if (name := parse_l1_name(path))} - set(self.sites or ()))
            others = f"; it has L1 files of {', '.join(present)}" if present else ""
            log.warning("no THEMIS L1 frames%s in %s%s", wanted, self.folder, others)
        site_codes = sorted({file.site for file in self._files})
        missing = sorted(set(self.sites or ()) - set(site_codes))
        if self._files and missing:
            log.warning("no THEMIS L1 frames of sites %s in %s; using those of %s", ", ".join(missing), self.folder, ", ".join(site_codes))
        self._catalog = SkymapCatalog.scan(self._skymap_sources(), site_codes)
        self.skipped_inputs.extend(self._catalog.skipped)
        # fail early; a gap between skymaps inside an hour fails when loading
        self._files = open_usable([functools.partial(self._calibrated, file) for file in self._files], self._inputs is not None, self.skipped_inputs)
        site_codes = sorted({file.site for file in self._files})
        self._site_codes = site_codes
        self._build_frames()
        self._open: OrderedDict[int, L1File] = OrderedDict()
        self._geometries: dict[tuple[Path, int], PixelGeometry] = {}
        self._cameras: OrderedDict[tuple[int, tuple[float, ...]], np.ndarray] = OrderedDict()

    def _skymap_sources(self) -> list[Path]:
        """``skymap_dir``; by default also the calibration folder of the THEMIS tree the L1 folder lies in.

        ``auromat download themis`` puts skymaps in ``<root>/thg/l2/asi/cal`` and
        L1 files in ``<root>/thg/l1/asi/<site>/…``: for an L1 folder (or file)
        at or below ``<root>/thg/l1``, ``<root>/thg/l2/asi/cal`` is searched too.
        """
        if self._skymap_given:
            return [self.skymap_dir]
        parts = self.folder.absolute().parts
        roots = [Path(*parts[:i]) for i in range(len(parts) - 1) if parts[i : i + 2] == ("thg", "l1")]
        calibrations = roots[-1] / "thg" / "l2" / "asi" / "cal" if roots else None
        return [self.skymap_dir, calibrations] if calibrations is not None and calibrations.is_dir() else [self.skymap_dir]

    def _calibrated(self, file: L1File) -> L1File:
        """``file``, once a skymap is known for its first and last frame (else a :class:`CalibrationError`).

        Raises :class:`InputError` when the mapping altitude is not above the station.
        """
        for time in (file.times[0], file.times[-1]):
            skymap = self._catalog.load(self._catalog.select(file.site, time.astype(datetime), self.allow_later_skymap, file.path))
            check_altitude(skymap, self.altitude)
        return file

    def _build_frames(self) -> None:
        files = self._files
        if files:
            times = np.concatenate([f.times for f in files])
            file_index = np.concatenate([np.full(len(f), i) for i, f in enumerate(files)])
            position = np.concatenate([np.arange(len(f)) for f in files])
        else:
            times = np.array([], dtype="datetime64[us]")
            file_index = position = np.array([], dtype=np.int64)
        site_of_file = np.array([self._site_codes.index(f.site) for f in files], dtype=np.int64)
        site = site_of_file[file_index] if files else np.array([], dtype=np.int64)
        order = np.lexsort((site, times))
        self._frame_time, self._frame_file, self._frame_position, self._frame_site = (
            times[order], file_index[order], position[order], site[order]
        )
        window = np.timedelta64(int(round(self.group_window * 1e6)), "us")
        groups: list[list[int]] = []
        start = None
        members: set[int] = set()
        for frame, (time, code) in enumerate(zip(self._frame_time, self._frame_site)):
            if start is not None and time - start < window and code not in members:
                groups[-1].append(frame)
                members.add(int(code))
            else:
                groups.append([frame])
                start, members = time, {int(code)}
        self._groups = [np.array(sorted(g, key=lambda f: self._frame_site[f])) for g in groups]
        self._frame_group = np.empty(len(self._frame_time), dtype=np.int64)
        for index, group in enumerate(groups):
            self._frame_group[group] = index
        self._times = self._frame_time[[g[0] for g in groups]].astype(datetime).tolist() if groups else []
        identifiers = []
        seen: set[str] = set()
        for time in self._times:
            identifier = _identifier("THEMIS", time)
            if identifier in seen:
                identifier += f".{time:%f}"
            base, count = identifier, 1
            while identifier in seen:  # steps at the very same time (group_window 0)
                count += 1
                identifier = f"{base}.{count}"
            seen.add(identifier)
            identifiers.append(identifier)
        self._identifiers = identifiers
        self._members: list[str] | None = None
        self._site_frames = {}
        for code, site_name in enumerate(self._site_codes):
            frames = np.flatnonzero(self._frame_site == code)
            self._site_frames[site_name] = (self._frame_time[frames], frames)

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state["_open"] = OrderedDict()
        state["_geometries"] = {}
        state["_cameras"] = OrderedDict()
        return state

    def __repr__(self) -> str:
        sites = ",".join(self._site_codes) or "no sites"
        return f"ThemisProvider({str(self.folder)!r}, {sites}, {self.altitude:g} km)"

    # -- the Provider interface -------------------------------------------------------------

    @property
    def times(self) -> Sequence[datetime]:
        """Group times: the earliest frame time of each time step (see the module docstring)."""
        return self._times

    @property
    def identifiers(self) -> Sequence[str]:
        """``THEMIS.YYYY.mm.dd.HH.MM.SS`` of each time step."""
        return self._identifiers

    @property
    def site_codes(self) -> list[str]:
        """Sites with frames, sorted."""
        return list(self._site_codes)

    def load(self, index: int) -> MappingCollection:
        """The mappings of time step ``index``, one per site (ordered by site code), at the step's time."""
        frames = self._groups[index]
        return MappingCollection(
            [self._mapping(int(f)) for f in frames], self._identifiers[index], may_overlap=True, time=self._times[index]
        )

    def members(self, index: int) -> list[tuple[str, datetime]]:
        """``(<site>.YYYY.mm.dd.HH.MM.SS, frame time)`` of the mappings of time step ``index``, as :meth:`load` orders them."""
        identifiers = self._member_identifiers()
        return [(identifiers[f], self._frame_time[f].astype(datetime)) for f in self._groups[index]]

    def _nearest_frames(self, time: datetime) -> list[int]:
        target = np.datetime64(time, "us")
        limit = np.timedelta64(int(round(self.max_time_offset * 1e6)), "us")
        chosen = []
        for site_times, frames in self._site_frames.values():
            position = int(np.searchsorted(site_times, target))
            candidates = [i for i in (position - 1, position) if 0 <= i < len(site_times)]
            if not candidates:
                continue
            best = min(candidates, key=lambda i: (abs(site_times[i] - target), i))
            if abs(site_times[best] - target) <= limit:
                chosen.append(int(frames[best]))
        return chosen

    def contains(self, time: datetime) -> bool:
        """Whether some site has a frame within ``max_time_offset`` of ``time``."""
        return bool(self._nearest_frames(as_utc(time)))

    def get(self, time: datetime) -> MappingCollection:
        """For each site its frame nearest to ``time`` within ``max_time_offset``.

        The collection has the identifier and time of the time step holding the
        nearest of these frames (its other members may lie in neighbouring steps
        when the sites' nearest frames were not grouped together).

        Raises
        ------
        NoDataError
            When no site has such a frame (naming the nearest time steps).
        """
        time = as_utc(time)
        frames = self._nearest_frames(time)
        if not frames:
            raise NoDataError(self._nothing_near(time))
        frames.sort(key=lambda f: self._frame_site[f])
        target = np.datetime64(time, "us")
        nearest = min(frames, key=lambda f: (abs(self._frame_time[f] - target), self._frame_time[f]))
        step = int(self._frame_group[nearest])
        return MappingCollection(
            [self._mapping(f) for f in frames], self._identifiers[step], may_overlap=True, time=self._times[step]
        )

    def get_by_id(self, identifier: str) -> Mapping | MappingCollection:
        """A time step by ``THEMIS.…`` identifier, or one site's mapping by ``<site>.…``.

        Exact or unique-substring matches, time steps first.
        """
        try:
            return super().get_by_id(identifier)
        except NoDataError:
            members = self._member_identifiers()
            if any(identifier in name for name in members):
                return self._mapping(identifier_index(members, identifier, repr(self)))
            if any(identifier in name for name in self.identifiers):
                raise  # ambiguous among the time steps
            summary = f"{len(members)} site frames in {len(self)} time steps, e.g. {members[0]} in {self.identifiers[0]}" if members else None
            raise unknown_identifier([*members, *self.identifiers], identifier, repr(self), summary) from None

    def _member_identifiers(self) -> list[str]:
        if self._members is None:
            self._members = [
                _identifier(self._site_codes[code], time)
                for code, time in zip(self._frame_site, self._frame_time.astype(datetime).tolist())
            ]
        return self._members

    # -- building one mapping ---------------------------------------------------------------

    def _file(self, index: int) -> L1File:
        if index in self._open:
            self._open.move_to_end(index)
            return self._open[index]
        file = self._files[index]
        self._open[index] = file
        while len(self._open) > OPEN_FILES:
            _, oldest = self._open.popitem(last=False)
            oldest.close()
        return file

    def _geometry(self, info: SkymapInfo, skymap: Skymap) -> PixelGeometry:
        key = (info.path, info.record)
        if key not in self._geometries:
            self._geometries[key] = pixel_geometry(skymap, self.altitude, self.min_elevation)
        return self._geometries[key]

    def _camera(self, file_index: int, position: int, geometry: PixelGeometry) -> np.ndarray:
        key = (file_index, tuple(geometry.station_itrs))
        if key in self._cameras:
            self._cameras.move_to_end(key)
        else:
            self._cameras[key] = station_gcrs(geometry.station_itrs, self._files[file_index].times)
            while len(self._cameras) > CAMERA_FILES:
                self._cameras.popitem(last=False)
        return self._cameras[key][position]

    def _mapping(self, frame: int) -> Mapping:
        file_index = int(self._frame_file[frame])
        position = int(self._frame_position[frame])
        file = self._file(file_index)
        time = self._frame_time[frame].astype(datetime)
        info = self._catalog.select(file.site, time, self.allow_later_skymap, file.path)
        skymap = self._catalog.load(info)
        raw = file.read(position)
        if raw.shape != skymap.shape:
            raise CalibrationError(
                f"{file.path}: frames have {raw.shape[0]}x{raw.shape[1]} pixels but skymap {info.path.name}"
                f" is for {skymap.shape[0]}x{skymap.shape[1]}"
            )
        geometry = self._geometry(info, skymap)
        frame_image = l1_frame_to_skymap(raw)
        fill = frame_image == FILL_VALUE
        counts = np.clip(frame_image - skymap.subtract, 0.0, None)
        counts *= skymap.multiply
        counts[fill] = 0.0
        lat, lon, elevation = geometry.lat.copy(), geometry.lon.copy(), geometry.elevation.copy()
        for array in (lat, lon, elevation):
            array[fill] = np.nan
        if self.brightness is None:
            image = np.round(np.minimum(counts, np.iinfo(np.uint16).max)).astype(np.uint16)
        else:
            image = scale_brightness(counts, np.isfinite(lat), self.brightness, **self._brightness_options)
        return Mapping(
            lat_bounds=geometry.lat_bounds.copy(),
            lon_bounds=geometry.lon_bounds.copy(),
            lat=lat,
            lon=lon,
            elevation=elevation,
            image=image[:, :, np.newaxis],
            altitude=self.altitude,
            time=time,
            camera_position=self._camera(file_index, position, geometry),
            identifier=_identifier(file.site, time),
            metadata=self._metadata(file, info, skymap, time, float(file.exposures[position])),
        )

    def _metadata(self, file: L1File, info: SkymapInfo, skymap: Skymap, time: datetime, exposure: float) -> dict[str, Any]:
        metadata: dict[str, Any] = {
            "source": "THEMIS GBO all-sky imager, level 1 (full resolution)",
            "site": file.site,
            "site_name": station_name(file.site),
            "l1_file": file.path.name,
            "skymap_file": info.path.name,
            "skymap_valid_from": info.valid_from.isoformat(),
            "skymap_valid_at_time": info.is_valid_at(time),
            "station_latitude": _as_written(skymap.station_lat),
            "station_longitude": _as_written(skymap.station_lon),
            "station_altitude_km": _as_written(skymap.station_alt_km),
            "min_elevation": self.min_elevation if self.min_elevation is not None else float("nan"),
            IMAGE_CONTENT_KEY: "counts above dark offset" if self.brightness is None else f"display brightness ({self.brightness})",
            "image_orientation": IMAGE_ORIENTATION,
            "time_meaning": "start of the exposure",
        }
        if math.isfinite(exposure):
            metadata["exposure_seconds"] = round(exposure, 3)
        if info.kind == "l2":
            metadata["skymap_record"] = info.record
        if info.generated:
            metadata["skymap_generated"] = info.generated
        return metadata

    # -- downloading ------------------------------------------------------------------------

    def download(self, start: datetime, end: datetime, base_url: str | None = None, **options: Any) -> Any:
        """Download the L1 hours and skymaps of ``start``..``end`` into the L1 folder, then re-index.

        Sites: the provider's ``sites`` (default all 24). Options as for
        :func:`auromat_themis.download.download`. Returns its summary.
        """
        from .download import download

        if self._inputs is not None:
            raise InputError("download needs a provider opened on a folder, not on a list of files")
        summary = download(start, end, self.folder, sites=self.sites, base_url=base_url, **options)
        self._index()
        return summary

