"""IGRF-14 centred dipole: coefficients, pole, SM frame and round-tripping MLat/MLT."""

from __future__ import annotations

import warnings
from datetime import datetime, timedelta

import astropy.units as u
import erfa
import numpy as np
import pandas as pd
import ppigrf
import pytest
from astropy.coordinates import ITRS, get_sun
from astropy.time import Time
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from auromat_core.errors import InputError
from auromat_core.magnetic import (
    BLOCK_POINTS,
    CHUNK_POINTS,
    DipoleModel,
    decimal_year,
    dipole_coefficients,
    itrs_to_sm_matrix,
)
from auromat_core.plugins import Plugins

MODEL = DipoleModel()
A_KM, F = 6378.137, 1 / 298.257223563
E2 = F * (2 - F)


def _ppigrf_coefficients(when: datetime) -> tuple[float, float, float]:
    """g10, g11, h11 from ppigrf's own reader and pandas time interpolation."""
    g, h = ppigrf.ppigrf.read_shc(ppigrf.ppigrf.shc_fn_igrf14)
    index = g.index.union([pd.Timestamp(when)])
    g = g.reindex(index).interpolate(method="time").loc[pd.Timestamp(when)]
    h = h.reindex(index).interpolate(method="time").loc[pd.Timestamp(when)]
    return g[(1, 0)], g[(1, 1)], h[(1, 1)]


def _mag_frame(when: datetime) -> np.ndarray:
    """Rows: x, y, z of the geomagnetic MAG frame (z dipole axis, y = z x geographic pole)."""
    g10, g11, h11 = _ppigrf_coefficients(when)
    z = -np.array([g11, h11, g10]) / np.sqrt(g10**2 + g11**2 + h11**2)
    y = np.cross([0.0, 0.0, 1.0], z)
    y /= np.linalg.norm(y)
    return np.array([np.cross(y, z), y, z])


def _astropy_sun_itrs(when: datetime) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # reduced-precision notes for dates past the IERS table
        sun = get_sun(Time(when, scale="utc")).transform_to(ITRS(obstime=Time(when, scale="utc")))
    xyz = sun.cartesian.xyz.to_value(u.km)
    return xyz / np.linalg.norm(xyz)


def _geodetic_of_geocentric_point(point_km: np.ndarray) -> tuple[float, float, float]:
    lon, lat, height = erfa.gc2gd(1, point_km * 1000.0)
    return np.degrees(lat), np.degrees(lon), height / 1000.0


def test_registered_as_builtin_plugin():
    registration = Plugins(load_entry_points=False).registrations("magnetic model")["dipole"]
    assert isinstance(registration.obj, DipoleModel)
    assert registration.plugin == "auromat_core.magnetic"
    assert "IGRF-14" in registration.description


def test_coefficients_are_igrf14_values():
    # the published IGRF-14 coefficient table: IGRF 2025.0, DGRF 2015.0 and 1900.0
    assert dipole_coefficients(datetime(2025, 1, 1)) == (-29350.0, -1410.3, 4545.5)
    assert dipole_coefficients(datetime(2015, 1, 1)) == (-29441.46, -1501.77, 4795.99)
    assert dipole_coefficients(datetime(1900, 1, 1)) == (-31543.0, -2298.0, 5922.0)


@pytest.mark.parametrize("when", [datetime(1957, 3, 14, 6), datetime(2012, 7, 1), datetime(2029, 6, 1, 12)])
def test_interpolation_and_secular_variation_match_ppigrf(when):
    # decimal-year (IGRF) and pandas day-count interpolation differ by ~0.03 nT at most
    assert_allclose(dipole_coefficients(when), _ppigrf_coefficients(when), rtol=0, atol=0.05)


def test_secular_variation_after_2025_is_igrf14_sv():
    g10, g11, h11 = dipole_coefficients(datetime(2028, 1, 1))
    years = decimal_year(datetime(2028, 1, 1)) - 2025.0
    # IGRF-14 predictive secular variation 2025-2030 (nT/yr): g10 12.6, g11 10.0, h11 -21.5
    assert_allclose([g10, g11, h11], [-29350.0 + 12.6 * years, -1410.3 + 10.0 * years, 4545.5 - 21.5 * years])


@pytest.mark.parametrize("when", [datetime(1899, 12, 31, 23), datetime(2030, 1, 1, 0, 0, 1)])
def test_dates_outside_igrf14_are_an_error_naming_the_date(when):
    with pytest.raises(InputError, match=when.isoformat()[:10]):
        MODEL.to_magnetic(60.0, 0.0, 110.0, when)


@pytest.mark.parametrize("year", [2015, 2025])
def test_pole_is_where_ppigrf_dipole_field_is_vertical(year):
    when = datetime(year, 1, 1)
    lat, lon = MODEL.pole(when)
    b_r, b_theta, b_phi = (c.item() for c in ppigrf.igrf_gc(6371.2, 90.0 - lat, lon, when, max_degree=1))
    # for a dipole, the angle from the pole is ~ 2 |B_horizontal| / |B_r|
    offset = np.degrees(2 * np.hypot(b_theta, b_phi) / abs(b_r))
    assert offset < 1e-6
    assert b_r < 0  # field points down at the north geomagnetic pole


@pytest.mark.parametrize(
    ("year", "lat", "lon", "geodetic"),
    [
        # IGRF-13 paper (Alken et al. 2021) Table 4, WGS84 geodetic latitudes
        (1900, 78.68, -68.79, True),
        (1950, 78.55, -68.85, True),
        (1985, 79.04, -70.90, True),
        # WHOI centred-dipole table, geocentric latitudes (definitive epochs)
        (2000, 79.54, -71.57, False),
        (2010, 80.02, -72.21, False),
    ],
)
def test_pole_matches_published_positions(year, lat, lon, geodetic):
    got_lat, got_lon = MODEL.pole(datetime(year, 1, 1))
    if geodetic:  # where the axis pierces the ellipsoid
        got_lat = np.degrees(np.arctan(np.tan(np.radians(got_lat)) / (1 - E2)))
    assert got_lat == pytest.approx(lat, abs=0.01)
    assert got_lon == pytest.approx(lon, abs=0.01)


def test_sm_frame_matches_sscweb_reference():
    # reference §12.2: SSCWeb, 2012-01-25 09:26:55, geocentric lat 50 lon -100 r 1 -> SM (-0.43, -0.30, 0.85)
    lat, lon = np.radians(50.0), np.radians(-100.0)
    geo = [np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)]
    assert_allclose(itrs_to_sm_matrix(datetime(2012, 1, 25, 9, 26, 55)) @ geo, [-0.43, -0.30, 0.85], atol=0.006)


@pytest.mark.parametrize("when", [datetime(2011, 9, 18, 11, 54, 56), datetime(2025, 6, 21, 3), datetime(2029, 12, 1)])
def test_mlt_is_noon_at_the_subsolar_point_and_midnight_opposite(when):
    sun = _astropy_sun_itrs(when)
    for direction, expected in ((sun, 12.0), (-sun, 0.0)):
        lat, lon, height = _geodetic_of_geocentric_point(6500.0 * direction)
        _, mlt = MODEL.to_magnetic(lat, lon, height, when)
        assert min(abs(mlt - expected), 24.0 - abs(mlt - expected)) < 1e-6


@pytest.mark.parametrize("when", [datetime(1990, 5, 5, 5), datetime(2025, 3, 1, 22, 10), datetime(2029, 8, 31, 9)])
def test_mlat_mlt_match_mag_frame_formula(when):
    # independent formula: MLat from the dipole axis, MLT from the MAG longitudes of point and Sun
    rng = np.random.default_rng(when.year)
    lat = np.degrees(np.arcsin(rng.uniform(-0.99, 0.99, 200)))
    lon = rng.uniform(-180, 180, 200)
    altitude = rng.uniform(0.0, 500.0, 200)
    point = erfa.gd2gc(1, np.radians(lon), np.radians(lat), altitude * 1000.0)
    mag = _mag_frame(when)
    local = point @ mag.T
    sun = mag @ _astropy_sun_itrs(when)
    expected_mlat = np.degrees(np.arctan2(local[:, 2], np.hypot(local[:, 0], local[:, 1])))
    expected_mlt = (12.0 + np.degrees(np.arctan2(local[:, 1], local[:, 0]) - np.arctan2(sun[1], sun[0])) / 15.0) % 24
    mlat, mlt = MODEL.to_magnetic(lat, lon, altitude, when)
    # the two interpolations of the coefficients differ by ~1e-6 rad in the axis direction
    assert_allclose(mlat, expected_mlat, rtol=0, atol=3e-5)
    away = np.abs(expected_mlat) < 80.0  # MLT sensitivity grows as 1 / cos(MLat)
    assert np.abs((mlt - expected_mlt + 12.0) % 24.0 - 12.0)[away].max() < 1e-4 / 15.0
    assert ((mlt >= 0.0) & (mlt < 24.0)).all()


_TIMES = st.datetimes(min_value=datetime(1900, 1, 1), max_value=datetime(2029, 12, 31))
_POINTS = st.lists(
    st.tuples(st.floats(-89.0, 89.0), st.floats(-180.0, 180.0), st.floats(0.0, 1000.0)), min_size=1, max_size=20
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(when=_TIMES, points=_POINTS)
def test_geo_mag_geo_round_trip(when, points):
    lat, lon, altitude = np.array(points).T
    mlat, mlt = MODEL.to_magnetic(lat, lon, altitude, when)
    keep = np.abs(mlat) < 89.0  # MLT is undefined at the magnetic poles
    assume(keep.any())
    back_lat, back_lon = MODEL.from_magnetic(mlat[keep], mlt[keep], altitude[keep], when)
    assert np.abs(back_lat - lat[keep]).max() < 1e-6
    assert np.abs((back_lon - lon[keep] + 180.0) % 360.0 - 180.0).max() < 1e-6


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    when=_TIMES,
    points=st.lists(
        st.tuples(st.floats(-89.0, 89.0), st.floats(0.0, 24.0, exclude_max=True), st.floats(0.0, 1000.0)),
        min_size=1,
        max_size=20,
    ),
)
def test_mag_geo_mag_round_trip(when, points):
    mlat, mlt, altitude = np.array(points).T
    lat, lon = MODEL.from_magnetic(mlat, mlt, altitude, when)
    keep = np.abs(lat) < 89.9  # geographic longitude is ill-conditioned at the poles
    assume(keep.any())
    back_mlat, back_mlt = MODEL.to_magnetic(lat[keep], lon[keep], altitude[keep], when)
    assert np.abs(back_mlat - mlat[keep]).max() < 1e-6
    assert np.abs((back_mlt - mlt[keep] + 12.0) % 24.0 - 12.0).max() * 15.0 < 1e-6


@pytest.mark.parametrize("when", [datetime(2025, 2, 14, 16, 30), datetime(2029, 11, 5, 1)])
def test_recent_and_future_dates_round_trip_on_a_grid(when):
    lat, lon = np.meshgrid(np.linspace(-85, 85, 35), np.linspace(-180, 179, 72), indexing="ij")
    mlat, mlt = MODEL.to_magnetic(lat, lon, 110.0, when)
    assert mlat.shape == lat.shape == mlt.shape
    keep = np.abs(mlat) < 89.0
    back_lat, back_lon = MODEL.from_magnetic(mlat, mlt, 110.0, when)
    assert np.abs(back_lat - lat)[keep].max() < 1e-6
    assert np.abs((back_lon - lon + 180) % 360 - 180)[keep].max() < 1e-6


def test_back_conversion_keeps_latitude_not_the_unit_vector_bug():
    # reference §13.1: unit-length vectors through a geodetic conversion gave ~89 deg latitudes
    when = datetime(2012, 3, 4, 17, 20)
    mlat, mlt = MODEL.to_magnetic(np.array([30.0, 55.0, 70.0]), np.array([-100.0, -100.0, -100.0]), 110.0, when)
    lat, _ = MODEL.from_magnetic(mlat, mlt, 110.0, when)
    assert_allclose(lat, [30.0, 55.0, 70.0], atol=1e-9)


def test_nan_propagates_and_shapes_broadcast():
    when = datetime(2020, 1, 1) + timedelta(hours=7)
    mlat, mlt = MODEL.to_magnetic(np.array([[np.nan, 60.0]]), np.array([0.0, 10.0]), 110.0, when)
    assert mlat.shape == (1, 2)
    assert np.isnan([mlat[0, 0], mlt[0, 0]]).all() and np.isfinite([mlat[0, 1], mlt[0, 1]]).all()
    lat, lon = MODEL.from_magnetic(np.array([np.nan, 65.0]), np.array([3.0, np.nan]), 110.0, when)
    assert np.isnan(lat).all() and np.isnan(lon).all()


# several thread blocks and a partial last chunk; rows of 1001 points do not align with chunks
_LARGE_SHAPE = ((3 * BLOCK_POINTS + CHUNK_POINTS // 3) // 1001, 1001)


def _with_nans(rng: np.random.Generator, first: np.ndarray, second: np.ndarray, altitude: np.ndarray) -> np.ndarray:
    """Put NaNs into the inputs (in place): a whole undefined region and scattered points; return the union."""
    first[: 2 * CHUNK_POINTS // 1001 + 2] = np.nan  # rows covering at least one whole chunk
    first[rng.random(first.shape) < 0.3] = np.nan
    second[rng.random(second.shape) < 0.05] = np.nan
    altitude[rng.random(altitude.shape) < 0.02] = np.nan
    return np.isnan(first) | np.isnan(second) | np.isnan(altitude)


def _sm_unit_vectors(mlat: np.ndarray, mlt: np.ndarray) -> np.ndarray:
    mlat, sm_lon = np.radians(mlat), np.radians((mlt - 12.0) * 15.0)
    return np.stack([np.cos(mlat) * np.cos(sm_lon), np.cos(mlat) * np.sin(sm_lon), np.sin(mlat)], axis=-1)


def _sm_of_geodetic(lat: np.ndarray, lon: np.ndarray, altitude: np.ndarray, when: datetime) -> np.ndarray:
    """Unit SM vectors (n, 3) of geodetic points, via ERFA's WGS84 conversion."""
    point = erfa.gd2gc(1, np.radians(lon), np.radians(lat), altitude * 1000.0) @ itrs_to_sm_matrix(when).T
    return point / np.linalg.norm(point, axis=-1, keepdims=True)


def _angle_deg(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    return np.degrees(2.0 * np.arcsin(np.linalg.norm(u - v, axis=-1) / 2.0))


def _in_small_pieces(convert, first: np.ndarray, second: np.ndarray, altitude: np.ndarray, when: datetime):
    """``convert`` applied to slices of 997 points (within one chunk) and concatenated."""
    pieces = [
        convert(first.ravel()[i : i + 997], second.ravel()[i : i + 997], altitude.ravel()[i : i + 997], when)
        for i in range(0, first.size, 997)
    ]
    return [np.concatenate(parts).reshape(first.shape) for parts in zip(*pieces)]


def test_large_arrays_match_a_pointwise_reference_and_nan_propagates():
    when = datetime(2021, 10, 11, 12, 13, 14)
    rng = np.random.default_rng(11)
    lat = np.degrees(np.arcsin(rng.uniform(-1.0, 1.0, _LARGE_SHAPE)))
    lon = rng.uniform(-180.0, 180.0, _LARGE_SHAPE)
    altitude = rng.uniform(0.0, 1000.0, _LARGE_SHAPE)
    undefined = _with_nans(rng, lat, lon, altitude)
    mlat, mlt = MODEL.to_magnetic(lat, lon, altitude, when)
    assert mlat.shape == mlt.shape == _LARGE_SHAPE
    assert (np.isnan(mlat) == undefined).all() and (np.isnan(mlt) == undefined).all()
    defined = ~undefined
    expected = _sm_of_geodetic(lat[defined], lon[defined], altitude[defined], when)
    expected_mlat = np.degrees(np.arctan2(expected[:, 2], np.hypot(expected[:, 0], expected[:, 1])))
    assert_allclose(mlat[defined], expected_mlat, rtol=0, atol=1e-12)
    assert _angle_deg(_sm_unit_vectors(mlat[defined], mlt[defined]), expected).max() < 1e-12
    assert ((mlt[defined] >= 0.0) & (mlt[defined] < 24.0)).all()
    for chunked, small in zip((mlat, mlt), _in_small_pieces(MODEL.to_magnetic, lat, lon, altitude, when)):
        assert_allclose(chunked, small, rtol=0, atol=1e-12)  # NaN in the same places too


def test_large_arrays_from_magnetic_lie_on_the_sm_direction_at_the_altitude():
    when = datetime(2016, 2, 29, 23, 59, 30)
    rng = np.random.default_rng(12)
    mlat = np.degrees(np.arcsin(rng.uniform(-1.0, 1.0, _LARGE_SHAPE)))
    mlt = rng.uniform(0.0, 24.0, _LARGE_SHAPE)
    altitude = rng.uniform(0.0, 1000.0, _LARGE_SHAPE)
    undefined = _with_nans(rng, mlat, mlt, altitude)
    lat, lon = MODEL.from_magnetic(mlat, mlt, altitude, when)
    assert (np.isnan(lat) == undefined).all() and (np.isnan(lon) == undefined).all()
    defined = ~undefined
    # the geodetic point (lat, lon, altitude), converted by ERFA, must point along the SM direction
    got = _sm_of_geodetic(lat[defined], lon[defined], altitude[defined], when)
    assert _angle_deg(got, _sm_unit_vectors(mlat[defined], mlt[defined])).max() < 1e-12
    for chunked, small in zip((lat, lon), _in_small_pieces(MODEL.from_magnetic, mlat, mlt, altitude, when)):
        assert_allclose(chunked, small, rtol=0, atol=1e-12)


def test_input_layouts_and_dtypes_give_the_contiguous_float64_result():
    when = datetime(2018, 8, 8, 8)
    first_axis = np.linspace(-80.0, 80.0, 301)
    conversions = ((MODEL.to_magnetic, np.linspace(-180.0, 180.0, 500)), (MODEL.from_magnetic, np.linspace(0, 24, 500)))
    for convert, second_axis in conversions:
        first, second = np.meshgrid(first_axis, second_axis, indexing="ij")  # more than one block of points
        cases = {
            "rows x columns": (first_axis[:, np.newaxis], second_axis, 110.0),
            "fortran order": (np.asfortranarray(first), np.asfortranarray(second), 110.0),
            "altitude column": (first, second, np.full((len(first_axis), 1), 110.0, np.float32)),
            "int16 and float32": (np.round(first).astype(np.int16), second.astype(np.float32), 110),
        }
        for name, args in cases.items():
            plain = [np.ascontiguousarray(np.broadcast_to(np.asarray(a, dtype=float), first.shape)) for a in args]
            for got, reference in zip(convert(*args, when), convert(*plain, when)):
                assert got.shape == first.shape and got.flags.c_contiguous, name
                assert_allclose(got, reference, rtol=0, atol=1e-12, err_msg=f"{convert.__name__}: {name}")
    empty = MODEL.to_magnetic(np.empty((0, 3)), 0.0, 110.0, when)
    assert empty[0].shape == empty[1].shape == (0, 3)


@pytest.mark.parametrize(
    ("convert", "args", "message"),
    [
        ("to_magnetic", (np.zeros(3), np.zeros(4), 110.0), r"lat, lon and altitude_km do not broadcast: .*\(4,\)"),
        ("from_magnetic", (np.zeros(2), np.zeros(2), np.zeros(5)), r"mlat, mlt and altitude_km do not broadcast"),
        ("to_magnetic", (np.zeros(2, complex), 0.0, 110.0), "lat must be real numbers, got dtype complex128"),
        ("from_magnetic", (0.0, np.array(["1"]), 110.0), "mlt must be real numbers"),
    ],
)
def test_bad_inputs_are_input_errors(convert, args, message):
    with pytest.raises(InputError, match=message):
        getattr(MODEL, convert)(*args, datetime(2020, 1, 1))
