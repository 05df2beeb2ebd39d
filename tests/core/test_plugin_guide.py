"""The worked examples of docs/plugins.md run as written: the ground camera, the draw style and the exporter.

Each example is the ```python blocks of one section of the guide, joined in
order and executed as a module. The camera's mappings are checked against an
independent computation (erfa's WGS84 conversions and a root search along the
line of sight), not against the core's own geometry.
"""

from __future__ import annotations

import re
import sys
import tomllib
import types
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import erfa
import numpy as np
import pytest
from click.testing import CliRunner
from scipy.optimize import brentq

import auromat_core
from auromat_core.testing import DrawStyleContract, ExporterContract, ProviderContract

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "plugins.md"
CAMERA = "## A ground camera in one small package"
EXPORTERS = "## `register_exporters("
DRAW_STYLES = "## `register_draw_styles("

STATION = (67.84, 20.41, 0.4)
"""Geodetic latitude, longitude (deg) and height (km) of the synthetic station."""
SIZE, CENTER, RADIUS = 41, 20, 20
"""The synthetic fisheye: 41x41 pixels, zenith at pixel [20, 20], horizon 20 pixels away."""
DEAD_PIXEL = (30, 27)
"""A pixel the calibration leaves NaN inside the lens."""
NORTH_45 = (10, 20)
"""The pixel at azimuth 0, elevation 45."""
TIMES = ("20250101T200000", "20250101T200010")


def section(heading: str) -> str:
    """The text of the guide's section whose heading starts with ``heading``."""
    found = [part for part in re.split(r"^(?=## )", GUIDE.read_text(), flags=re.MULTILINE) if part.startswith(heading)]
    assert len(found) == 1, f"docs/plugins.md has no single section starting {heading!r}"
    return found[0]


def fenced(text: str, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```$", text, flags=re.MULTILINE | re.DOTALL)


def run_example(heading: str, name: str) -> types.ModuleType:
    """The ```python blocks of a section, joined, executed as the module ``name``."""
    blocks = fenced(section(heading), "python")
    assert blocks, f"section {heading!r} of docs/plugins.md has no python block"
    module = types.ModuleType(name)
    module.__file__ = str(GUIDE)
    exec(compile("\n\n".join(blocks), f"{GUIDE} ({heading})", "exec", dont_inherit=True), module.__dict__)
    return module


@pytest.fixture(scope="module")
def skycam() -> Iterator[types.ModuleType]:
    """The guide's camera package, importable by its name as an installed one is (convert's workers import it)."""
    module = run_example(CAMERA, "auromat_skycam")
    sys.modules[module.__name__] = module
    yield module
    del sys.modules[module.__name__]


@pytest.fixture(scope="module")
def calibration() -> dict[str, np.ndarray]:
    """Equidistant fisheye seen from below: north up, east left; NaN outside the lens and at the dead pixel."""
    y, x = np.mgrid[0:SIZE, 0:SIZE].astype(float)
    dy, dx = y - CENTER, x - CENTER
    radius = np.hypot(dx, dy)
    elevation = 90.0 - radius * 90.0 / RADIUS
    azimuth = np.degrees(np.arctan2(-dx, -dy)) % 360.0
    outside = radius > RADIUS
    outside[DEAD_PIXEL] = True
    elevation[outside] = azimuth[outside] = np.nan
    return {"azimuth": azimuth, "elevation": elevation}


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory, calibration: dict[str, np.ndarray]) -> Path:
    folder = tmp_path_factory.mktemp("skycam-data")
    lat, lon, height = STATION
    np.savez(folder / "calibration.npz", **calibration, lat=lat, lon=lon, height_km=height)
    for index, name in enumerate(TIMES):
        np.save(folder / f"{name}.npy", ((np.arange(SIZE * SIZE).reshape(SIZE, SIZE) * 37 + index) % 65536).astype(np.uint16))
    (folder / "notes.npy").write_bytes(b"not a frame")  # not named by a time: ignored
    return folder


@pytest.fixture
def registered(auromat_plugins, skycam: types.ModuleType) -> types.ModuleType:
    auromat_plugins.register(skycam, name="skycam")
    return skycam


@pytest.fixture
def mapping(registered: types.ModuleType, data: Path) -> auromat_core.Mapping:
    source = auromat_core.get_provider("skycam", data)
    return source.get(datetime(2025, 1, 1, 20, 0, 1))


def seen(calibration: dict[str, np.ndarray], min_elevation: float = 5.0) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return np.isfinite(calibration["azimuth"]) & (calibration["elevation"] >= min_elevation)


def geocentric(lat: float, lon: float, height_km: float) -> np.ndarray:
    """WGS84 geodetic -> Earth-fixed km, by erfa."""
    return np.asarray(erfa.gd2gc(1, np.radians(lon), np.radians(lat), height_km * 1000.0)) / 1000.0


def geodetic(point_km: np.ndarray) -> tuple[float, float, float]:
    """Earth-fixed km -> WGS84 latitude, longitude (deg), height (km), by erfa."""
    lon, lat, height = erfa.gc2gd(1, np.asarray(point_km) * 1000.0)
    return float(np.degrees(lat)), float(np.degrees(lon)), float(height) / 1000.0


def test_package_declares_the_entry_point() -> None:
    tomls = [tomllib.loads(block) for block in fenced(section(CAMERA), "toml")]
    assert {"skycam": "auromat_skycam"} in [block.get("project", {}).get("entry-points", {}).get("auromat") for block in tomls]


def test_zenith_pixel_maps_onto_the_station(mapping: auromat_core.Mapping) -> None:
    assert mapping.identifier == "skycam.20250101T200000"
    assert mapping.time == datetime(2025, 1, 1, 20, 0, 0)
    assert mapping.altitude == 110.0
    assert mapping.lat[CENTER, CENTER] == pytest.approx(STATION[0], abs=1e-6)
    assert mapping.lon[CENTER, CENTER] == pytest.approx(STATION[1], abs=1e-6)
    assert mapping.elevation[CENTER, CENTER] == 90.0


def test_north_at_45_degrees_matches_an_independent_computation(mapping: auromat_core.Mapping) -> None:
    lat, lon, height = STATION
    station = geocentric(lat, lon, height)
    up = geocentric(lat, lon, height + 1.0) - station  # the ellipsoid normal, exactly
    north = geocentric(lat + 1e-6, lon, height) - geocentric(lat - 1e-6, lon, height)
    up, north = up / np.linalg.norm(up), north / np.linalg.norm(north)
    ray = np.cos(np.radians(45.0)) * north + np.sin(np.radians(45.0)) * up
    distance = brentq(lambda t: geodetic(station + t * ray)[2] - 110.0, 0.0, 1000.0, xtol=1e-9)
    expected_lat, expected_lon, _ = geodetic(station + distance * ray)
    assert mapping.lat[NORTH_45] == pytest.approx(expected_lat, abs=1e-5)
    assert mapping.lon[NORTH_45] == pytest.approx(expected_lon, abs=1e-5)
    # spherical Earth: central angle 90 - el - asin(r_camera cos(el) / r_shell)
    radius = 6371.0
    central = 45.0 - np.degrees(np.arcsin((radius + height) * np.cos(np.radians(45.0)) / (radius + 110.0)))
    assert mapping.lat[NORTH_45] == pytest.approx(lat + central, abs=0.05)
    assert mapping.elevation[NORTH_45] == 45.0  # the calibration's, seen from the station


def test_camera_position_is_the_station_in_gcrs(mapping: auromat_core.Mapping) -> None:
    from astropy import units
    from astropy.coordinates import EarthLocation
    from astropy.time import Time

    lat, lon, height = STATION
    assert np.linalg.norm(mapping.camera_position) == pytest.approx(np.linalg.norm(geocentric(*STATION)), abs=1e-6)
    assert 6356.0 + height < np.linalg.norm(mapping.camera_position) < 6378.2 + height
    location = EarthLocation.from_geodetic(lon * units.deg, lat * units.deg, height * units.km)
    gcrs = location.get_gcrs_posvel(Time(mapping.time, scale="utc"))[0].xyz.to_value(units.km)
    np.testing.assert_allclose(mapping.camera_position, gcrs, atol=1e-3)
    assert (mapping.camera_footpoint.lat, mapping.camera_footpoint.lon) == pytest.approx((lat, lon), abs=1e-9)


def test_corners_are_defined_around_every_calibrated_center(mapping: auromat_core.Mapping, calibration) -> None:
    mapping.check_invariants()
    kept = seen(calibration)
    np.testing.assert_array_equal(mapping.defined, kept)  # no pixel lost for want of a corner, the dead one's too
    corners = np.zeros((SIZE + 1, SIZE + 1), dtype=bool)
    for dy in (0, 1):
        for dx in (0, 1):
            corners[dy:SIZE + dy, dx:SIZE + dx] |= kept
    np.testing.assert_array_equal(mapping.corner_defined, corners)
    # a corner with 4 defined neighbours lies between their centers, across the zenith and across north too
    inner = np.argwhere(kept[:-1, :-1] & kept[:-1, 1:] & kept[1:, :-1] & kept[1:, 1:]) + 1
    for values, bounds in ((mapping.lat, mapping.lat_bounds), (mapping.lon, mapping.lon_bounds)):
        around = np.stack([values[inner[:, 0] - dy, inner[:, 1] - dx] for dy in (0, 1) for dx in (0, 1)])
        corner = bounds[inner[:, 0], inner[:, 1]]
        assert np.all((around.min(axis=0) - 1e-9 <= corner) & (corner <= around.max(axis=0) + 1e-9))


def test_provider_is_detected_and_takes_its_options(registered, data: Path, calibration) -> None:
    assert [r.name for r in auromat_core.detect_providers(data)] == ["skycam"]
    assert not registered.SkyCamera.can_open(data / f"{TIMES[0]}.npy")
    source = auromat_core.open_data(data, min_elevation=30, max_time_offset=20)
    assert repr(source) == f"SkyCamera({str(data)!r})"
    assert source.get(datetime(2025, 1, 1, 20, 0, 25)).identifier == "skycam.20250101T200010"
    np.testing.assert_array_equal(source.load(0).defined, seen(calibration, 30.0))
    with pytest.raises(auromat_core.InputError, match="min_elevation"):
        auromat_core.get_provider("skycam", data, min_elevation=-5)
    with pytest.raises(auromat_core.InputError, match="its options are: altitude, min_elevation, max_time_offset"):
        auromat_core.get_provider("skycam", data, min_elevaton=10)


def test_auromat_info_maps_the_folder(registered, data: Path) -> None:
    from auromat_core.cli import build_cli

    result = CliRunner().invoke(build_cli(), ["info", "--data", str(data), "-p", "min_elevation=10", "--altitude", "150"])
    assert result.exit_code == 0, result.output
    assert "skycam.20250101T200010" in result.output and "at 150 km" in result.output


class TestGuideCamera(ProviderContract):
    @pytest.fixture
    def provider(self, skycam: types.ModuleType, data: Path):
        return skycam.SkyCamera(data)


# -- the exporter -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def npz() -> types.ModuleType:
    return run_example(EXPORTERS, "auromat_npz")


class TestGuideExporter(ExporterContract):
    @pytest.fixture
    def exporter(self, npz: types.ModuleType):
        return npz.NpzExporter()

    @pytest.fixture
    def mapping(self, skycam: types.ModuleType, data: Path) -> auromat_core.Mapping:
        return skycam.SkyCamera(data).load(1)


def test_exporter_writes_what_it_reads_back(auromat_plugins, npz, skycam, data: Path, tmp_path: Path) -> None:
    auromat_plugins.register(npz, name="npz")
    exporter = auromat_core.get_exporter("npz")
    mapping = skycam.SkyCamera(data).load(1)
    name = exporter.file_name(mapping.identifier, mapping.time)
    assert name == "skycam.20250101T200010.npz"
    path = exporter.write(mapping, tmp_path / name)
    assert path == tmp_path / name and sorted(p.name for p in tmp_path.iterdir()) == [name]
    with np.load(path) as stored:
        for key in ("lat", "lon", "elevation", "image", "camera_position", "lat_bounds", "lon_bounds"):
            np.testing.assert_array_equal(stored[key], getattr(mapping, key))
        assert stored["time"] == np.datetime64("2025-01-01T20:00:10")
        assert float(stored["altitude"]) == 110.0
    centers = exporter.file_name(mapping.identifier, mapping.time, include_bounds=False)
    with np.load(exporter.write(mapping, tmp_path / centers, include_bounds=False)) as stored:
        assert "lat_bounds" not in stored and "lat" in stored


# -- the draw style ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def footprint() -> types.ModuleType:
    return run_example(DRAW_STYLES, "auromat_footprint")


class TestGuideDrawStyle(DrawStyleContract):
    @pytest.fixture
    def draw_style(self, footprint: types.ModuleType):
        return footprint.draw_footprint

    @pytest.fixture
    def drawable(self, skycam: types.ModuleType, data: Path) -> auromat_core.Mapping:
        return skycam.SkyCamera(data).load(0)


def test_draw_style_draws_collections_and_checks_its_options(auromat_plugins, footprint, skycam, data: Path) -> None:
    auromat_plugins.register(footprint, name="footprint")
    style = auromat_core.get_draw_style("footprint")
    assert style.takes == "mapping"
    source = skycam.SkyCamera(data)
    collection = auromat_core.MappingCollection([source.load(0), source.load(1)], "both")
    figure, ax = style(collection, marker_size=4, title="both")
    assert figure is ax.figure and len(ax.collections) == 2 and ax.get_title() == "both"
    assert len(ax.collections[0].get_offsets()) == int(source.load(0).defined.sum())
