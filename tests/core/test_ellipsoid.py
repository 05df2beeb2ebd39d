"""Ray-ellipsoid intersection (reference §12.2 cases) and exact geodetic conversion."""

from __future__ import annotations

import erfa
import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from auromat_core.geometry.ellipsoid import (
    WGS84_A_KM,
    WGS84_B_KM,
    WGS84_F,
    ecef_to_geodetic,
    ellipsoid_line_intersection,
    ellipsoid_line_intersects,
    geodetic_to_ecef,
    horizontal_directions,
    sphere_line_intersection,
)


def test_wgs84_constants():
    assert WGS84_A_KM == 6378.137
    assert 1.0 / WGS84_F == pytest.approx(298.257223563, abs=1e-9)
    assert WGS84_B_KM == pytest.approx(6356.752314245, abs=1e-9)


def test_sphere_line_intersection():
    origin = np.array([0.0, 3.0, 0.0])
    assert_allclose(sphere_line_intersection(2.0, origin, [0.0, -1.0, 0.0]), [0.0, 2.0, 0.0])
    assert np.isnan(sphere_line_intersection(2.0, origin, np.array([-1.0, -1.0, 0.0]) / np.sqrt(2))).all()


def test_sphere_line_intersection_array():
    directions = np.array([[0.0, -1.0, 0.0], [-1.0, -1.0, 0.0] / np.sqrt(2)])
    hits = sphere_line_intersection(2.0, [0.0, 3.0, 0.0], directions)
    assert_allclose(hits[0], [0.0, 2.0, 0.0])
    assert np.isnan(hits[1]).all()


def test_ellipsoid_line_intersection_sphere_non_unit_directions():
    directions = np.array([[0.0, -1.0, 0.0], [0.0, -1.0, 0.0], [-1.0, -1.0, 0.0]])
    hits = ellipsoid_line_intersection([0.0, 3.0, 0.0], directions, 2.0, 2.0)
    assert_allclose(hits[:2], [[0.0, 2.0, 0.0], [0.0, 2.0, 0.0]])
    assert np.isnan(hits[2]).all()
    assert_array_equal(ellipsoid_line_intersects([0.0, 3.0, 0.0], directions, 2.0, 2.0), [True, True, False])


def test_directed_intersection():
    away = [1.0, 0.0, 0.0]
    assert_allclose(ellipsoid_line_intersection([2.0, 0.0, 0.0], away, 1.0, 1.0, directed=False), [1.0, 0.0, 0.0])
    assert np.isnan(ellipsoid_line_intersection([2.0, 0.0, 0.0], away, 1.0, 1.0)).all()
    assert ellipsoid_line_intersects([2.0, 0.0, 0.0], away, 1.0, 1.0, directed=False)
    assert not ellipsoid_line_intersects([2.0, 0.0, 0.0], away, 1.0, 1.0)
    for directed in (True, False):
        hit = ellipsoid_line_intersection([-2.0, 0.0, 0.0], away, 1.0, 1.0, directed=directed)
        assert_allclose(hit, [-1.0, 0.0, 0.0])
    backwards = [-1.0, 0.0, 0.0]
    assert_allclose(ellipsoid_line_intersection([-2.0, 0.0, 0.0], backwards, 1.0, 1.0, directed=False), [-1.0, 0, 0])
    assert np.isnan(ellipsoid_line_intersection([-2.0, 0.0, 0.0], backwards, 1.0, 1.0)).all()


def test_directed_intersection_from_inside():
    origin = [1.0, 0.0, 0.0]
    for directed in (True, False):
        assert_allclose(ellipsoid_line_intersection(origin, [1.0, 0.0, 0.0], 2.0, 2.0, directed=directed), [2, 0, 0])
        assert ellipsoid_line_intersects(origin, [1.0, 0.0, 0.0], 2.0, 2.0, directed=directed)
    assert_allclose(ellipsoid_line_intersection(origin, [-1.0, 0.0, 0.0], 2.0, 2.0, directed=False), [2, 0, 0])
    assert_allclose(ellipsoid_line_intersection(origin, [-1.0, 0.0, 0.0], 2.0, 2.0), [-2.0, 0.0, 0.0])


def test_wgs84_undirected_line_nearest_hit_is_the_origin_point():
    first = np.array(geodetic_to_ecef(30.0, 60.0, 0.0))
    second = np.array(geodetic_to_ecef(-30.0, -60.0, 0.0))
    hit = ellipsoid_line_intersection(first, second - first, WGS84_A_KM, WGS84_B_KM, directed=False)
    assert_allclose(hit, first, atol=1e-9)
    far = ellipsoid_line_intersection(first + 0.5 * (first - second), second - first, WGS84_A_KM, WGS84_B_KM)
    assert_allclose(far, first, atol=1e-9)


def test_intersection_points_lie_on_the_ellipsoid():
    rng = np.random.default_rng(3)
    origin = np.array([7000.0, -300.0, 2000.0])
    directions = -origin + rng.normal(0.0, 3000.0, (500, 3))
    hits = ellipsoid_line_intersection(origin, directions, 6500.0, 6400.0)
    defined = ~np.isnan(hits[:, 0])
    assert 50 < defined.sum() < 500
    h = hits[defined]
    assert_allclose((h[:, 0] ** 2 + h[:, 1] ** 2) / 6500.0**2 + h[:, 2] ** 2 / 6400.0**2, 1.0, atol=1e-12)
    # the hit is the nearer root: no point of the segment origin->hit is inside
    inner = origin + 0.999 * (h - origin)
    assert ((inner[:, 0] ** 2 + inner[:, 1] ** 2) / 6500.0**2 + inner[:, 2] ** 2 / 6400.0**2 > 1).all()


def test_geodetic_round_trip_surface_grid_11_decimals():
    lat, lon = np.meshgrid(np.linspace(-89.9, 89.9, 50), np.linspace(-179.9, 179.9, 50))
    back_lat, back_lon, height = ecef_to_geodetic(*geodetic_to_ecef(lat, lon, 0.0))
    assert_allclose(back_lat, lat, rtol=0, atol=1e-11)
    assert_allclose(back_lon, lon, rtol=0, atol=1e-11)
    assert_allclose(height, 0.0, atol=1e-9)
    lat5, lon5 = np.meshgrid(np.arange(-90.0, 90.1, 5.0), np.arange(-180.0, 180.0, 5.0))
    back_lat5, back_lon5, _ = ecef_to_geodetic(*geodetic_to_ecef(lat5, lon5, 0.0))
    assert_allclose(back_lat5, lat5, rtol=0, atol=1e-11)
    polar = np.abs(lat5) == 90.0  # longitude is undefined there
    assert_allclose(back_lon5[~polar], lon5[~polar], rtol=0, atol=1e-11)


def _random_geodetic(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    lat = np.degrees(np.arcsin(rng.uniform(-1.0, 1.0, n)))
    lon = rng.uniform(-180.0, 180.0, n)
    height = np.concatenate([rng.uniform(-10.0, 1000.0, n // 2), 10 ** rng.uniform(3.0, np.log10(40000.0), n - n // 2)])
    return lat, lon, height


def test_geodetic_to_ecef_matches_erfa():
    lat, lon, height = _random_geodetic(20000, 1)
    expected = erfa.gd2gc(1, np.radians(lon), np.radians(lat), height * 1000.0) / 1000.0
    assert_allclose(np.stack(geodetic_to_ecef(lat, lon, height), -1), expected, rtol=0, atol=1e-9)


def test_ecef_to_geodetic_matches_erfa_near_the_surface():
    lat, lon, height = _random_geodetic(20000, 2)
    near = height < 1000.0
    xyz = np.stack(geodetic_to_ecef(lat[near], lon[near], height[near]), -1)
    elong, phi, h = erfa.gc2gd(1, xyz * 1000.0)
    got_lat, got_lon, got_height = ecef_to_geodetic(*xyz.T)
    assert_allclose(got_lat, np.degrees(phi), rtol=0, atol=1e-10)  # erfa: ~3e-11 deg at 1000 km
    assert_allclose(got_lon, np.degrees(elong), rtol=0, atol=1e-11)
    assert_allclose(got_height, h / 1000.0, rtol=0, atol=1e-9)


def test_ecef_to_geodetic_exact_from_minus_10_to_40000_km():
    # the forward conversion is checked against erfa above, so the round trip bounds the inverse error
    lat, lon, height = _random_geodetic(200000, 4)
    got_lat, got_lon, got_height = ecef_to_geodetic(*geodetic_to_ecef(lat, lon, height))
    assert np.abs(got_lat - lat).max() < 1e-11
    assert np.abs((got_lon - lon + 180.0) % 360.0 - 180.0).max() < 1e-11
    assert np.abs(got_height - height).max() < 1e-8
    # erfa's own iteration is good to ~2e-9 deg at geostationary heights
    xyz = np.stack(geodetic_to_ecef(lat, lon, height), -1)
    assert np.abs(np.degrees(erfa.gc2gd(1, xyz * 1000.0)[1]) - got_lat).max() < 3e-9


def test_ecef_to_geodetic_special_points():
    lat, lon, height = ecef_to_geodetic(
        [WGS84_A_KM, 0.0, 0.0, -7000.0, 0.0], [0.0, 0.0, 0.0, -1e-12, 7000.0], [0.0, WGS84_B_KM, -7000.0, 0.0, 0.0]
    )
    assert_allclose(lat, [0.0, 90.0, -90.0, 0.0, 0.0], atol=1e-12)
    assert_allclose(height, [0.0, 0.0, 7000.0 - WGS84_B_KM, 7000.0 - WGS84_A_KM, 7000.0 - WGS84_A_KM], atol=1e-9)
    assert_allclose(lon[[0, 4]], [0.0, 90.0])
    assert lon[3] == pytest.approx(-180.0)
    assert (np.abs(ecef_to_geodetic(*np.random.default_rng(5).normal(0, 7000, (3, 1000)))[1]) <= 180.0).all()


def test_nan_propagates():
    lat, lon, height = ecef_to_geodetic([np.nan, 7000.0], [0.0, 0.0], [0.0, 0.0])
    assert np.isnan([lat[0], lon[0], height[0]]).all()
    assert np.isfinite([lat[1], lon[1], height[1]]).all()


def test_horizontal_directions_agree_with_astropy_altaz():
    """Azimuth/elevation at a ground station -> ITRS lines of sight, against astropy's topocentric ITRS -> AltAz."""
    from astropy import units as u
    from astropy.coordinates import ITRS, AltAz, CartesianRepresentation, EarthLocation
    from astropy.time import Time

    lat, lon, height = 62.41, -145.16, 0.6
    azimuth = np.array([0.0, 45.0, 161.3, 270.0, 300.5])
    elevation = np.array([1.0, 15.458, 45.0, 89.9, 30.0])
    directions = horizontal_directions(lat, lon, azimuth, elevation)
    assert_allclose(np.linalg.norm(directions, axis=-1), 1.0, rtol=1e-15)
    station = EarthLocation.from_geodetic(lon * u.deg, lat * u.deg, height * u.km)
    time = Time("2011-01-06T17:00:00", scale="utc")
    topocentric = ITRS(CartesianRepresentation(1000.0 * directions.T * u.km), obstime=time, location=station)
    seen = topocentric.transform_to(AltAz(obstime=time, location=station))
    assert_allclose(seen.alt.deg, elevation, atol=1e-9)
    assert_allclose(np.mod(seen.az.deg - azimuth + 180.0, 360.0) - 180.0, 0.0, atol=1e-9)
