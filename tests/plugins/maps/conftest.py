"""Fixtures of the auromat-maps tests: the real ISS photo mapped, binned seq/ mappings, synthetic mappings."""

from __future__ import annotations

import os
import socket
import urllib.request
from datetime import datetime, timedelta
from pathlib import Path

import matplotlib
import numpy as np
import pytest

from auromat_core import Mapping, MappingCollection
from tests.conftest import binned_header, gradient_image

matplotlib.use("Agg")

BASELINE_DIR = Path(__file__).parent / "baseline"
GENERATE_ENV = "AUROMAT_MAPS_GENERATE_BASELINES"
"""Set to 1 to (re)write the baseline images instead of comparing with them."""

SEQ_BINNING = 8
"""The seq/ solutions are mapped as if the camera binned 8x8 pixels (fast, same geometry)."""


def map_photo(*args, **kwargs) -> Mapping:
    from auromat_spacecraft.mapping import map_photo as spacecraft_map_photo

    return spacecraft_map_photo(*args, **kwargs)


@pytest.fixture(scope="session")
def iss_wcs(iss_fixtures: Path) -> Path:
    return iss_fixtures / "ISS029-E-8492.wcs"


@pytest.fixture(scope="session")
def iss_mapping(iss_fixtures: Path, iss_wcs: Path) -> Mapping:
    """ISS029-E-8492 georeferenced at 110 km (full resolution, 4256x2832)."""
    return map_photo(iss_fixtures / "ISS029-E-8492.jpg", iss_wcs, altitude=110.0)


@pytest.fixture(scope="session")
def iss_resampled(iss_mapping: Mapping) -> Mapping:
    """The user guide's ``resample(mapping, arcsecPerPx=100)``."""
    return iss_mapping.resample(arcsec_per_px=100)


@pytest.fixture(scope="session")
def iss_masked(iss_resampled: Mapping) -> Mapping:
    """The user guide's ``resampled.maskedByElevation(10)``."""
    return iss_resampled.masked_by_elevation(10)


@pytest.fixture(scope="session")
def seq_wcs_paths(iss_fixtures: Path) -> list[Path]:
    paths = sorted((iss_fixtures / "seq").glob("*.wcs"))
    assert len(paths) == 10, paths
    return paths


@pytest.fixture(scope="session")
def seq_mappings(seq_wcs_paths: list[Path]) -> list[Mapping]:
    """The ten seq/ solutions mapped at 110 km (8x8 binned), masked below 10 deg."""
    mappings = []
    for path in seq_wcs_paths:
        header = binned_header(path, SEQ_BINNING)
        image = gradient_image(header["IMAGEH"], header["IMAGEW"])
        mapping = map_photo(image, header, altitude=110.0, identifier=path.stem)
        mappings.append(mapping.masked_by_elevation(10))
    return mappings


def grid_mapping(lat_edges: np.ndarray, lon_edges: np.ndarray, image: np.ndarray, elevation: np.ndarray,
                 time: datetime, identifier: str, rotate_deg: float = 0.0) -> Mapping:
    """A mapping on a lat/lon grid (optionally rotated about its center, so not plate carrée)."""
    lon_b, lat_b = np.meshgrid(lon_edges, lat_edges)
    if rotate_deg:
        lat0, lon0 = lat_b.mean(), lon_b.mean()
        angle = np.radians(rotate_deg)
        dx, dy = lon_b - lon0, lat_b - lat0
        lon_b = lon0 + dx * np.cos(angle) - dy * np.sin(angle)
        lat_b = lat0 + dx * np.sin(angle) + dy * np.cos(angle)
    lat = (lat_b[:-1, :-1] + lat_b[1:, 1:] + lat_b[:-1, 1:] + lat_b[1:, :-1]) / 4
    lon = (lon_b[:-1, :-1] + lon_b[1:, 1:] + lon_b[:-1, 1:] + lon_b[1:, :-1]) / 4
    lon_b = (lon_b + 180.0) % 360.0 - 180.0
    lon = (lon + 180.0) % 360.0 - 180.0
    return Mapping(lat_bounds=lat_b, lon_bounds=lon_b, lat=lat, lon=lon, elevation=elevation, image=image,
                   altitude=110.0, time=time, camera_position=[2000.0, 500.0, 6500.0], identifier=identifier)


@pytest.fixture
def scandinavia_mapping() -> Mapping:
    """Plate-carrée RGB mapping over 55..75 N, 30 W..30 E with a 30x50 px hole in the north-west."""
    height, width = 100, 150
    lat_edges = np.linspace(75.0, 55.0, height + 1)
    lon_edges = np.linspace(-30.0, 30.0, width + 1)
    lat_c = (lat_edges[:-1] + lat_edges[1:]) / 2
    lon_c = (lon_edges[:-1] + lon_edges[1:]) / 2
    elevation = 90.0 - 2.0 * np.hypot(lat_c[:, None] - 65.0, lon_c[None, :] / 2.0)
    elevation[:30, :50] = np.nan
    return grid_mapping(lat_edges, lon_edges, gradient_image(height, width), elevation,
                        datetime(2012, 1, 25, 21, 0, 0), "scandinavia")


@pytest.fixture
def overlapping_collection() -> MappingCollection:
    """Two 16-bit gray, rotated (not plate-carrée) mappings overlapping between 10 W and 10 E.

    ``west`` (value 2000) is seen highest at 5 W, ``east`` (value 60000) at 5 E.
    """
    time = datetime(2012, 1, 25, 21, 0, 0)
    members = []
    cameras = (("west", (-20.0, 10.0), 2000, -5.0), ("east", (-10.0, 20.0), 60000, 5.0))
    for name, lon_range, value, center_lon in cameras:
        lat_edges = np.linspace(68.0, 60.0, 41)
        lon_edges = np.linspace(*lon_range, 61)
        lon_c = (lon_edges[:-1] + lon_edges[1:]) / 2
        elevation = np.broadcast_to(80.0 - 3.0 * np.abs(lon_c[None, :] - center_lon), (40, 60)).copy()
        image = np.full((40, 60), value, dtype=np.uint16)
        members.append(grid_mapping(lat_edges, lon_edges, image, elevation, time, name, rotate_deg=0.5))
    return MappingCollection(members, "two-cameras", may_overlap=True)


@pytest.fixture
def antimeridian_mapping() -> Mapping:
    """Plate-carrée mapping from 170 E to 170 W (across the antimeridian) at 60..70 S."""
    lat_edges = np.linspace(-60.0, -70.0, 21)
    lon_edges = np.linspace(170.0, 190.0, 41)
    elevation = np.full((20, 40), 45.0)
    return grid_mapping(lat_edges, lon_edges, gradient_image(20, 40), elevation, datetime(2011, 9, 18, 12), "dateline")


@pytest.fixture
def keogram_sequence() -> list[Mapping]:
    """Six gray mappings 10 s apart with a bright band whose latitude rises 0.5 deg per frame."""
    lat_edges = np.linspace(70.0, 60.0, 101)
    lon_edges = np.linspace(-5.0, 5.0, 41)
    lat_c = (lat_edges[:-1] + lat_edges[1:]) / 2
    mappings = []
    for frame in range(6):
        band = 63.0 + 0.5 * frame
        image = np.where(np.abs(lat_c - band) < 0.25, 50000, 1000).astype(np.uint16)
        image = np.broadcast_to(image[:, None], (100, 40)).copy()
        elevation = np.full((100, 40), 60.0)
        mappings.append(grid_mapping(lat_edges, lon_edges, image, elevation,
                                     datetime(2012, 1, 25, 21, 0, 0) + timedelta(seconds=10 * frame), f"k{frame}"))
    return mappings


class NetworkUsed(AssertionError):
    """Raised when code under test opens a network connection."""


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail on any socket connection or urllib request (cartopy's downloader uses urllib)."""

    def refuse(*args, **kwargs):
        raise NetworkUsed(f"network access attempted: {args[1:] if len(args) > 1 else args}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(urllib.request, "urlopen", refuse)


def _compare_with_baseline(figure, name: str, tmp_path: Path, tol: float, dpi: float) -> None:
    """Save ``figure`` and compare it with ``baseline/<name>.png`` (RMS tolerance ``tol``)."""
    from matplotlib.testing.compare import compare_images

    actual = tmp_path / f"{name}.png"
    figure.savefig(actual, dpi=dpi)
    expected = BASELINE_DIR / f"{name}.png"
    if os.environ.get(GENERATE_ENV) == "1":
        BASELINE_DIR.mkdir(exist_ok=True)
        expected.write_bytes(actual.read_bytes())
        pytest.fail(f"baseline {expected} written; look at it and run the tests again without {GENERATE_ENV}")
    assert expected.is_file(), f"missing baseline {expected}; generate it with {GENERATE_ENV}=1"
    result = compare_images(str(expected), str(actual), tol=tol, in_decorator=True)
    assert result is None, f"{name}: image differs from the baseline: {result}"


def _render(figure) -> np.ndarray:
    """The figure drawn by Agg: (h, w, 4) uint8, row 0 at the top."""
    figure.canvas.draw()
    return np.asarray(figure.canvas.buffer_rgba()).copy()


def _display_to_index(figure, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rows and columns of the rendered array at display coordinates ``xy`` (n, 2)."""
    height = int(round(figure.get_size_inches()[1] * figure.dpi))
    xy = np.atleast_2d(xy)
    return (height - xy[:, 1]).astype(int), xy[:, 0].astype(int)


@pytest.fixture
def compare_baseline(tmp_path: Path):
    """``compare_baseline(figure, name, tol=2, dpi=40)``: compare with ``baseline/<name>.png``."""

    def compare(figure, name: str, tol: float = 2.0, dpi: float = 40.0) -> None:
        _compare_with_baseline(figure, name, tmp_path, tol, dpi)

    return compare


@pytest.fixture
def render():
    """``render(figure)``: the Agg pixels (h, w, 4) uint8, row 0 at the top."""
    return _render


@pytest.fixture
def display_to_index():
    """``display_to_index(figure, xy)``: (rows, cols) of the rendered array at display coordinates."""
    return _display_to_index
