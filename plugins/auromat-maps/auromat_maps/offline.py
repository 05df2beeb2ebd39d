"""Offline map data: GSHHS land polygons from the Debian package ``python-cartopy-data``.

Cartopy downloads missing shapefiles on first use. Maps here never do: the
shapefile is read from a local folder and a missing file is a clear error that
names the package to install.
"""

from __future__ import annotations

import functools
import logging
import os
from pathlib import Path

from auromat_core import InputError

DATA_DIR_ENV = "AUROMAT_CARTOPY_DATA"
"""Environment variable naming a cartopy data folder (with ``shapefiles/gshhs``)."""

DEFAULT_DATA_DIR = Path("/usr/share/cartopy/data")
"""Where Debian's ``python-cartopy-data`` installs cartopy's offline data."""

_GSHHS_FILE = Path("shapefiles", "gshhs", "c", "GSHHS_c_L1.shp")


class _GshhsRingNotice(logging.Filter):
    """Drop pyshp's notice about GSHHS polygons made only of holes (harmless for drawing)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Possible issue encountered when converting Shape")


def cartopy_data_dir() -> Path:
    """The cartopy data folder: ``$AUROMAT_CARTOPY_DATA``, cartopy's pre-existing folder, or Debian's."""
    import cartopy

    candidates = [os.environ.get(DATA_DIR_ENV), cartopy.config.get("pre_existing_data_dir"), DEFAULT_DATA_DIR]
    for candidate in candidates:
        if candidate and (Path(candidate) / _GSHHS_FILE).is_file():
            return Path(candidate)
    raise InputError(
        f"offline coastlines not found: no {_GSHHS_FILE} under ${DATA_DIR_ENV}, cartopy's "
        f"pre_existing_data_dir or {DEFAULT_DATA_DIR}; install them with: apt-get install python-cartopy-data"
    )


@functools.cache
def land_geometries() -> tuple:
    """GSHHS coarse level-1 land polygons (shapely, lon/lat degrees), read once per process."""
    from cartopy.io.shapereader import Reader

    path = cartopy_data_dir() / _GSHHS_FILE
    notice = _GshhsRingNotice()
    shapefile_log = logging.getLogger("shapefile")
    shapefile_log.addFilter(notice)
    try:
        reader = Reader(str(path))
        geometries = tuple(reader.geometries())
    finally:
        shapefile_log.removeFilter(notice)
    if not geometries:
        raise InputError(f"coastline file {path} holds no polygons")
    return geometries


def clipped_land(extent: tuple[float, float, float, float]) -> list:
    """The land polygons clipped to ``(lon_min, lon_max, lat_min, lat_max)``.

    ``lon_max`` may exceed 180 (a view across the antimeridian): the pieces
    east of 180 are shifted by +360 so they join the western ones.
    """
    from shapely import affinity
    from shapely.geometry import box

    lon_min, lon_max, lat_min, lat_max = extent
    pieces = []
    for shift in (-360.0, 0.0, 360.0):
        window = box(lon_min + shift, lat_min, lon_max + shift, lat_max)
        if window.bounds[2] < -180.0 or window.bounds[0] > 180.0:
            continue
        for geometry in land_geometries():
            if geometry.intersects(window):
                piece = geometry.intersection(window)
                if not piece.is_empty:
                    pieces.append(affinity.translate(piece, xoff=-shift) if shift else piece)
    return pieces


def land_feature(extent: tuple[float, float, float, float] | None = None, **style):
    """A cartopy feature of the GSHHS land polygons (clipped to ``extent``) with a matplotlib style.

    Clipping to the view keeps polygons far from a map's center (which some
    projections turn inside out) out of the map.
    """
    import cartopy.crs as ccrs
    from cartopy.feature import ShapelyFeature

    geometries = land_geometries() if extent is None else clipped_land(extent)
    return ShapelyFeature(geometries, ccrs.PlateCarree(), **style)
