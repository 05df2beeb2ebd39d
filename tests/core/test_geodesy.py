"""Geodesy against geographiclib's published test cases and hand-computable geometry."""

from __future__ import annotations

import logging

import numpy as np
import pytest
from numpy.testing import assert_allclose

from auromat_core import geodesy
from auromat_core.errors import InputError
from auromat_core.geodesy import Location

F = 1 / 298.257223563  # WGS84 flattening

# From geographiclib's own test suite (test_geodesic.py / geodtest.c):
# columns: lat1, lon1, azi1, lat2, lon2, azi2, s12 in m, a12 in deg
GEOGRAPHICLIB_CASES = np.array(
    [
        [35.60777, -139.44815, 111.098748429560326, -11.17491, -69.95921, 129.289270889708762,
         8935244.5604818305, 80.50729714281974],
        [55.52454, 106.05087, 22.020059880982801, 77.03196, 197.18234, 109.112041110671519,
         4105086.1713924406, 36.892740690445894],
        [-21.97856, 142.59065, -32.44456876433189, 41.84138, 98.56635, -41.84359951440466,
         8394328.894657671, 75.62930491011522],
        [-66.99028, 112.2363, 173.73491240878403, -12.70631, 285.90344, 2.512956620913668,
         11150344.2312080241, 100.278634181155759],
        [-17.42761, 173.34268, -159.033557661192928, -15.84784, 5.93557, -20.787484651536988,
         16076603.1631180673, 144.640108810286253],
    ]
)  # fmt: skip
LAT1, LON1, AZI1, LAT2, LON2, AZI2, S12, A12 = GEOGRAPHICLIB_CASES.T


def reduced_latitude_deg(lat_deg):
    return np.rad2deg(np.arctan((1 - F) * np.tan(np.deg2rad(lat_deg))))


def test_distance_matches_geographiclib():
    assert_allclose(geodesy.distance_m(LAT1, LON1, LAT2, LON2), S12, rtol=0, atol=1e-6)


def test_angular_distance_matches_geographiclib_a12():
    assert_allclose(geodesy.angular_distance_deg(LAT1, LON1, LAT2, LON2), A12, rtol=0, atol=1e-12)


def test_angular_distance_along_equator_is_longitude_over_one_minus_f():
    # on the equator omega = lambda / (1 - f) and sigma = omega
    assert_allclose(geodesy.angular_distance_deg(0, 10, 0, 10.01), 0.01 / (1 - F), rtol=1e-13)
    # a hair off the equator the value must not jump
    assert_allclose(geodesy.angular_distance_deg(1e-9, 10, 1e-9, 10.01), 0.01 / (1 - F), rtol=1e-9)


def test_angular_distance_along_meridian_is_reduced_latitude_difference():
    lat1 = np.array([0.0, 45.0, -70.0, 89.0])
    lat2 = lat1 - 0.01
    expected = reduced_latitude_deg(lat1) - reduced_latitude_deg(lat2)
    assert_allclose(geodesy.angular_distance_deg(lat1, 33.0, lat2, 33.0), expected, rtol=1e-10)


def test_angular_distance_special_cases():
    assert geodesy.angular_distance_deg(10, 10, 10, 10) == 0
    assert_allclose(geodesy.angular_distance_deg(90, 0, -90, 0), 180.0, atol=1e-12)
    # equatorial points over (1 - f) 180° apart are joined over a pole: antipodal on the sphere
    assert_allclose(geodesy.angular_distance_deg(0, 0, 0, 179.5), 180.0, atol=1e-12)


def test_broadcasting_and_scalars():
    d = geodesy.distance_m(np.zeros((2, 3)), 0.0, 0.0, 1.0)
    assert d.shape == (2, 3)
    assert np.ndim(geodesy.distance_m(0, 0, 0, 1)) == 0


def test_course_matches_geographiclib_azi1():
    assert_allclose(geodesy.course(Location(LAT1, LON1), Location(LAT2, LON2)), AZI1, atol=1e-11)
    back = geodesy.course(Location(LAT2, LON2), Location(LAT1, LON1))  # opposite to the geodesic's direction AZI2 at point 2
    assert_allclose(np.mod(back - (AZI2 + 180.0) + 180.0, 360.0) - 180.0, 0.0, atol=1e-10)
    assert geodesy.course(Location(0, 0), Location(1, 0)) == 0
    assert_allclose(geodesy.course(Location(0, 0), Location(0, 1)), 90, atol=1e-12)


def test_destination_matches_geographiclib():
    lat, lon = geodesy.destination(LAT1, LON1, AZI1, S12)
    assert_allclose(lat, LAT2, atol=1e-10)
    assert_allclose(np.mod(lon - LON2 + 180, 360) - 180, 0, atol=1e-10)


def test_destination_zero_distance_is_start():
    assert geodesy.destination(50.0, 80.0, 123.0, 0.0) == (50.0, 80.0)


def test_intermediate_lies_on_geodesic_at_fraction():
    l1, l2 = Location(-41.32, 174.81), Location(40.96, -5.50)
    total = geodesy.distance_m(*l1, *l2)
    mid = geodesy.intermediate(l1, l2, 0.25)
    d1, d2 = geodesy.distance_m(*l1, *mid), geodesy.distance_m(*mid, *l2)
    assert_allclose([d1, d2], [0.25 * total, 0.75 * total], rtol=1e-12)
    assert geodesy.intermediate(l1, l2, 0.0) == l1
    assert geodesy.intermediate(Location(50, 80), Location(50, 80)) == (50, 80)


def test_line_is_evenly_sampled_geodesic():
    l1, l2 = Location(10.0, 20.0), Location(10.5, 20.7)
    total = geodesy.distance_m(*l1, *l2)
    points = geodesy.line(l1, l2, resolution_m=1000)
    assert points.shape == (int(total // 1000), 2)
    assert_allclose(points[[0, -1]], [l1, l2], rtol=0, atol=0)
    steps = geodesy.distance_m(points[:-1, 0], points[:-1, 1], points[1:, 0], points[1:, 1])
    assert_allclose(steps, total / (len(points) - 1), rtol=1e-9)


def test_short_line_returns_ends_with_warning(caplog):
    with caplog.at_level(logging.WARNING, logger="auromat_core.geodesy"):
        points = geodesy.line(Location(10.0, 20.0), Location(10.0, 20.01), resolution_m=1000)
    assert_allclose(points, [[10.0, 20.0], [10.0, 20.01]], rtol=0, atol=0)
    assert "fewer than two points" in caplog.text


# geodesic_test.testContainsPole of the reference
POLE_CASES = [
    ([[1, 0], [1, 4], [5, 6], [5, 2]], "none"),
    ([[1, 179], [1, -177], [5, -175], [5, -179]], "none"),
    ([[85, -135], [85, -45], [85, 45], [85, 135]], "contains"),
    ([[85, -90], [85, 0], [85, 90]], "crosses"),
    ([[-85, -135], [-85, -45], [-85, 45], [-85, 135]], "contains"),
]


@pytest.mark.parametrize(("polygon", "expected"), POLE_CASES)
def test_contains_or_crosses_pole(polygon, expected):
    assert geodesy.contains_or_crosses_pole(polygon) == expected
    assert geodesy.contains_or_crosses_pole(polygon[::-1]) == expected


# geodesic_test.testPoleBug2 of the reference: 50 evenly sampled points of a real convex hull
POLE_BUG2_HULL_REDUCED = [
    [-50.47916666666668, 112.8160370925951], [-50.56250000000001, 113.1105959361789],
    [-50.56250000000001, 113.1596890767762], [-50.39583333333334, 113.45424792035999],
    [-50.14583333333334, 113.7978999045411], [-49.64583333333334, 114.4852038729033],
    [-49.31250000000001, 114.92704213827899], [-48.35416666666667, 116.15437065321149],
    [-48.31250000000001, 116.2034637938088], [-48.22916666666667, 116.3016500750034],
    [-48.145833333333336, 116.399836356198], [-48.10416666666667, 116.44892949679529],
    [-48.020833333333336, 116.54711577798989], [-47.97916666666667, 116.5962089185872],
    [-47.895833333333336, 116.6943951997818], [-47.85416666666667, 116.74348834037909],
    [-47.770833333333336, 116.84167462157369], [-47.72916666666667, 116.890767762171],
    [-47.645833333333336, 116.9889540433656], [-47.60416666666667, 117.03804718396289],
    [-47.520833333333336, 117.13623346515749], [-47.43750000000001, 117.23441974635209],
    [-47.395833333333336, 117.2835128869494], [-47.31250000000001, 117.381699168144],
    [-47.270833333333336, 117.43079230874129], [-47.18750000000001, 117.52897858993589],
    [-47.145833333333336, 117.57807173053318], [-47.06250000000001, 117.6762580117278],
    [-47.020833333333336, 117.72535115232509], [-46.93750000000001, 117.82353743351969],
    [-46.85416666666667, 117.92172371471429], [-46.81250000000001, 117.97081685531158],
    [-46.72916666666667, 118.06900313650618], [-46.68750000000001, 118.11809627710349],
    [-46.60416666666667, 118.21628255829809], [-46.56250000000001, 118.26537569889538],
    [-46.47916666666667, 118.36356198008998], [-46.43750000000001, 118.41265512068729],
    [-46.35416666666667, 118.51084140188189], [-46.31250000000001, 118.55993454247918],
    [-46.22916666666667, 118.65812082367378], [-46.145833333333336, 118.75630710486838],
    [-46.10416666666667, 118.80540024546569], [-45.43750000000001, 119.54179735442519],
    [-44.97916666666667, 120.03272876039819], [-44.270833333333336, 120.76912586935768],
    [-43.97916666666667, 121.06368471294148], [-43.770833333333336, 121.21096413473339],
    [-43.72916666666667, 121.16187099413608], [-43.645833333333336, 120.96549843174688],
]  # fmt: skip


def test_real_hull_has_no_pole():
    assert geodesy.contains_or_crosses_pole(POLE_BUG2_HULL_REDUCED) == "none"


def test_pole_test_ignores_repeated_vertices_and_degenerate_polygons():
    repeated = [[1, 0], [1, 0], [1, 4], [5, 6], [5, 2], [1, 0]]
    assert geodesy.contains_or_crosses_pole(repeated) == "none"
    assert geodesy.contains_or_crosses_pole([[1, 0], [2, 0]]) == "none"


def test_pole_test_rejects_polygon_winding_twice():
    square = [[1, 0], [1, 4], [5, 4], [5, 0]]
    with pytest.raises(InputError, match="must not intersect itself"):
        geodesy.contains_or_crosses_pole(square + square)


def test_pole_test_rejects_bad_shape():
    with pytest.raises(InputError, match=r"\(n, 2\)"):
        geodesy.contains_or_crosses_pole([1, 2, 3])
