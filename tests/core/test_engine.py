"""The mapping engine against a slow per-point astropy reference on a real ISS photo solution."""

from __future__ import annotations

import threading
import tracemalloc
from datetime import datetime
from pathlib import Path

import astropy.units as u
import erfa
import numpy as np
import pytest
from astropy.coordinates import (
    GCRS,
    ITRS,
    AltAz,
    CartesianRepresentation,
    EarthLocation,
    SkyCoord,
)
from astropy.io import fits
from astropy.time import Time
from numpy.testing import assert_allclose, assert_array_equal

from auromat_core.errors import InputError
from auromat_core.geometry.engine import (
    RayHits,
    intersects_earth,
    map_directions,
    map_grid,
)
from tests.conftest import astropy_wcs

FIXTURES = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures"
WCS_FILE = FIXTURES / "iss" / "ISS029-E-8492.wcs"
A_KM, B_KM = 6378.137, 6378.137 * (1 - 1 / 298.257223563)


@pytest.fixture(scope="module")
def camera():
    header = fits.getheader(WCS_FILE)
    wcs = astropy_wcs(header)
    position = np.array([header["POSX"], header["POSY"], header["POSZ"]])
    return wcs, position, datetime.fromisoformat(header["DATE-OBS"]), (header["IMAGEW"], header["IMAGEH"])


def _unit_vectors(ra_deg, dec_deg):
    ra, dec = np.radians(ra_deg), np.radians(dec_deg)
    return np.stack([np.cos(dec) * np.cos(ra), np.cos(dec) * np.sin(ra), np.sin(dec)], axis=-1)


def _pixel_directions(wcs, x, y):
    return _unit_vectors(*wcs.all_pix2world(x, y, 0))


def _astropy_reference(ra, dec, position, when, altitude_km):
    """Slow reference: astropy frames and geodesy, closed-form quadratic written out here."""
    obstime = Time(when, scale="utc")
    itrs = ITRS(obstime=obstime)
    rays = SkyCoord(ra=ra * u.deg, dec=dec * u.deg, frame=GCRS(obstime=obstime)).transform_to(itrs)
    d = rays.cartesian.xyz.value.T
    cam = SkyCoord(CartesianRepresentation(position * u.km), frame=GCRS(obstime=obstime)).transform_to(itrs)
    o = cam.cartesian.xyz.to_value(u.km)
    scale = np.array([1 / (A_KM + altitude_km), 1 / (A_KM + altitude_km), 1 / (B_KM + altitude_km)])
    qa = ((d * scale) ** 2).sum(axis=1)
    qb = 2 * ((d * scale) * (o * scale)).sum(axis=1)
    qc = ((o * scale) ** 2).sum() - 1
    disc = qb**2 - 4 * qa * qc
    with np.errstate(invalid="ignore"):
        t = (-qb - np.sqrt(disc)) / (2 * qa)
    t[~(t > 0)] = np.nan
    hit = o + t[:, None] * d
    defined = ~np.isnan(t)
    location = EarthLocation.from_geocentric(*(hit[defined].T * u.km))
    geodetic = location.to_geodetic("WGS84")
    lat, lon, elevation = (np.full(len(t), np.nan) for _ in range(3))
    lat[defined], lon[defined] = geodetic.lat.deg, geodetic.lon.deg
    # altitude of the camera seen from the hit point: astropy's topocentric ITRS -> AltAz
    # rotation at the geodetic lat/lon of the location (no refraction: pressure 0)
    line_of_sight = CartesianRepresentation((o - hit[defined]).T * u.km)
    seen = SkyCoord(line_of_sight, frame=ITRS(obstime=obstime, location=location))
    elevation[defined] = seen.transform_to(AltAz(obstime=obstime, location=location)).alt.deg
    return lat, lon, elevation


def test_map_directions_matches_astropy_reference(camera):
    wcs, position, when, (width, height) = camera
    rng = np.random.default_rng(8492)
    x = rng.uniform(-0.5, width - 0.5, 3000)
    y = rng.uniform(-0.5, height - 0.5, 3000)
    ra, dec = wcs.all_pix2world(x, y, 0)
    hits = map_directions(position, _unit_vectors(ra, dec), when, 110.0)
    assert isinstance(hits, RayHits)
    lat, lon, elevation = _astropy_reference(ra, dec, position, when, 110.0)
    defined = ~np.isnan(lat)
    assert defined.sum() >= 1000
    assert_array_equal(np.isnan(hits.lat), ~defined)
    assert_array_equal(np.isnan(hits.elevation), ~defined)
    assert np.abs(hits.lat[defined] - lat[defined]).max() < 1e-6
    assert np.abs((hits.lon[defined] - lon[defined] + 180) % 360 - 180).max() < 1e-6
    assert np.abs(hits.elevation[defined] - elevation[defined]).max() < 1e-6
    assert 0.0 <= hits.elevation[defined].min() < hits.elevation[defined].max() <= 90.0


def test_column_2000_bottom_mapped_top_in_the_sky(camera):
    wcs, position, when, (_, height) = camera
    rows = np.arange(height, dtype=float)
    hits = map_directions(position, _pixel_directions(wcs, np.full(height, 2000.0), rows), when, 110.0)
    assert np.isfinite(hits.lat[height - 1]) and np.isfinite(hits.lon[height - 1])
    assert np.isnan(hits.lat[0]) and np.isnan(hits.elevation[0])
    mapped = np.flatnonzero(np.isfinite(hits.lat))
    assert_array_equal(mapped, np.arange(mapped[0], height))  # one horizon crossing, Earth below it
    # reference §12.2 testIntersectionBug: the bottom row is nearer to the camera than row -100
    obstime = Time(when, scale="utc")
    cam = SkyCoord(CartesianRepresentation(position * u.km), frame=GCRS(obstime=obstime)).transform_to(
        ITRS(obstime=obstime)
    )
    points = erfa.gd2gc(1, np.radians(hits.lon[[-1, -100]]), np.radians(hits.lat[[-1, -100]]), 110e3) / 1e3
    distance = np.linalg.norm(points - cam.cartesian.xyz.to_value(u.km), axis=1)
    assert distance[0] < distance[1]


def test_intersects_earth_matches_reference_discriminant(camera):
    wcs, position, when, (width, height) = camera
    rng = np.random.default_rng(1)
    x, y = rng.uniform(0, width, 2000), rng.uniform(0, height, 2000)
    ra, dec = wcs.all_pix2world(x, y, 0)
    lat, _, _ = _astropy_reference(ra, dec, position, when, 0.0)
    got = intersects_earth(position, _unit_vectors(ra, dec), when)
    assert 200 < got.sum() < 1800
    assert_array_equal(got, ~np.isnan(lat))


def test_map_grid_equals_map_directions_and_streams_rows(camera):
    wcs, position, when, (width, height) = camera
    xs = np.linspace(-0.5, width - 0.5, 61)
    ys = np.linspace(-0.5, height - 0.5, 41)
    requested, lock = [], threading.Lock()

    def directions_for_rows(rows: slice) -> np.ndarray:
        with lock:
            requested.append((rows.start, rows.stop))
        gx, gy = np.meshgrid(xs, ys[rows])
        return _pixel_directions(wcs, gx, gy)

    grid = map_grid(position, when, 110.0, (41, 61), directions_for_rows, rows_per_block=7)
    gx, gy = np.meshgrid(xs, ys)
    expected = map_directions(position, _pixel_directions(wcs, gx, gy), when, 110.0)
    for got, want in zip(grid, expected, strict=True):
        assert got.shape == (41, 61)
        assert_allclose(got, want, rtol=0, atol=1e-12)
    assert sorted(requested) == [(start, min(start + 7, 41)) for start in range(0, 41, 7)]
    assert 0.2 < np.isfinite(grid.lat).mean() < 0.8


def test_map_grid_never_holds_the_whole_direction_grid():
    height, width = 1000, 2000
    camera = np.array([0.0, 0.0, 7000.0])
    rows_vec = np.linspace(-0.3, 0.3, height)
    cols = np.linspace(-0.3, 0.3, width)

    def directions_for_rows(rows: slice) -> np.ndarray:
        out = np.empty((rows.stop - rows.start, width, 3))
        out[..., 0] = cols
        out[..., 1] = rows_vec[rows, None]
        out[..., 2] = -1.0
        return out

    tracemalloc.start()
    try:
        hits = map_grid(camera, None, 110.0, (height, width), directions_for_rows, frame="itrs")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    outputs = 3 * height * width * 8
    assert peak < outputs + 0.2 * (height * width * 24)  # far below outputs + the (h, w, 3) grid
    assert np.isfinite(hits.lat).all()
    assert hits.lat.dtype == np.float64 and hits.lat.flags.c_contiguous


def test_ground_camera_inside_the_shell_looks_up_along_the_normal():
    lat0, lon0 = np.radians(62.41), np.radians(-145.16)
    normal = np.array([np.cos(lat0) * np.cos(lon0), np.cos(lat0) * np.sin(lon0), np.sin(lat0)])
    station = erfa.gd2gc(1, lon0, lat0, 500.0) / 1000.0  # 0.5 km above WGS84
    for altitude in (90.0, 110.0, 150.0):
        hits = map_directions(station, normal * 3.7, None, altitude, frame="itrs")
        # points along a geodetic normal share its latitude and longitude
        assert float(hits.lat) == pytest.approx(62.41, abs=1e-9)
        assert float(hits.lon) == pytest.approx(-145.16, abs=1e-9)
        assert float(hits.elevation) == pytest.approx(90.0, abs=1e-5)
    down = map_directions(station, -normal, None, 110.0, frame="itrs")  # inside: far side of the shell
    assert float(down.lat) == pytest.approx(-62.41, abs=1.0)
    assert float(down.lon) == pytest.approx(-145.16 + 180.0, abs=1e-9)


def test_direction_scale_does_not_matter(camera):
    wcs, position, when, _ = camera
    directions = _pixel_directions(wcs, np.array([100.0, 2000.0, 4000.0]), np.array([2800.0, 2831.0, 2500.0]))
    unit = map_directions(position, directions, when, 110.0)
    scaled = map_directions(position, directions * np.array([[0.01], [7.0], [1e5]]), when, 110.0)
    for got, want in zip(scaled, unit, strict=True):
        assert_allclose(got, want, rtol=0, atol=1e-10)


def test_bad_arguments_name_the_problem(camera):
    _, position, when, _ = camera
    with pytest.raises(InputError, match="frame"):
        map_directions(position, [[1.0, 0, 0]], when, 110.0, frame="j2000")
    with pytest.raises(InputError, match="time"):
        map_directions(position, [[1.0, 0, 0]], None, 110.0)
    with pytest.raises(InputError, match="camera_position_km"):
        map_directions(position[:2], [[1.0, 0, 0]], when, 110.0)
    with pytest.raises(InputError, match=r"returned shape \(2, 5, 3\), expected \(2, 4, 3\)"):
        map_grid(position, when, 110.0, (2, 4), lambda rows: np.zeros((rows.stop - rows.start, 5, 3)))
