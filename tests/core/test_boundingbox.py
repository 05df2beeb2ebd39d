"""BoundingBox against the reference's boundingbox_test numbers and hand-made outlines."""

from __future__ import annotations

import attrs
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_array_almost_equal

from auromat_core.boundingbox import BoundingBox, bounding_box_away_from_poles, bounding_box_of
from auromat_core.errors import InputError
from auromat_core.geodesy import Location


def test_bb():
    bb = BoundingBox(lat_south=-60, lon_west=80, lat_north=-30, lon_east=85)
    assert_array_almost_equal(bb.center, [-45.03119418083877, 82.5], decimal=6)
    assert_array_almost_equal(bb.size, [482.39311013217343, 3336.5953086140203], decimal=6)
    assert not bb.contains_discontinuity
    assert not bb.contains_pole


def test_bb_discontinuity():
    bb = BoundingBox(
        lat_south=-60.646114098, lon_west=82.7852215499, lat_north=-38.7515567117, lon_east=-178.546517062
    )
    assert_array_almost_equal(bb.center, [-54.33647117488648, 132.11935224395], decimal=6)
    assert_array_almost_equal(bb.size, [8084.704893634039, 3464.8889697347718], decimal=6)
    assert bb.contains_discontinuity
    assert not bb.contains_pole


@pytest.mark.parametrize(
    ("box", "center"),
    [(BoundingBox(60, -180, 90, 180), [90, 0]), (BoundingBox(-90, -180, -60, 180), [-90, 0])],
)
def test_bb_pole(box, center):
    assert_array_almost_equal(box.center, center, decimal=6)
    assert_array_almost_equal(box.size, [6695.78581964, 6695.78581964], decimal=6)
    assert box.contains_pole
    assert box.contains_discontinuity


def test_bb_point():
    bb = BoundingBox(lat_south=50, lon_west=80, lat_north=50, lon_east=80)
    assert bb.center == (50, 80)
    assert bb.size == (0, 0)


def test_bb_merge():
    bb1 = BoundingBox(lat_south=-55, lon_west=95, lat_north=-45, lon_east=109)
    bb2 = BoundingBox(lat_south=44, lon_west=-164, lat_north=74, lon_east=-35)
    bb = BoundingBox.merged([bb1, bb2])
    assert (bb.lat_south, bb.lat_north, bb.lon_west, bb.lon_east) == (-55, 74, 95, -35)
    assert_array_almost_equal(bb.center, [21.136113246, -150], decimal=6)


def test_merge_keeps_single_box_and_covers_full_circle():
    box = BoundingBox(-10, 170, 10, -175)
    assert BoundingBox.merged([box]) == box
    full = BoundingBox.merged([BoundingBox(0, -180, 1, 0), BoundingBox(2, 0, 3, 180)])
    assert full == BoundingBox(0, -180, 3, 180)
    assert BoundingBox.merged([BoundingBox(60, -180, 90, 180), box]).lon_west == -180


def test_merge_picks_largest_gap():
    boxes = [BoundingBox(0, -10, 1, 10), BoundingBox(0, 100, 1, 120), BoundingBox(0, -120, 1, -100)]
    # gaps: 10..100 (90), 120..240 (120), -100..-10 (90): the box spans -120 east to 120
    assert BoundingBox.merged(boxes) == BoundingBox(0, -120, 1, 120)


def test_minimum():
    assert BoundingBox.minimum([[1, 179], [2, -179], [0, 178]]) == BoundingBox(0, 178, 2, -179)
    assert BoundingBox.minimum([[5, 10], [-5, 20], [0, 15]]) == BoundingBox(-5, 10, 5, 20)
    # 180 stays an east edge, and as a west edge it is written -180
    assert BoundingBox.minimum([[1, 10], [1, 180]]) == BoundingBox(1, 10, 1, 180)
    assert BoundingBox.minimum([[1, -10], [1, 180]]) == BoundingBox(1, -180, 1, -10)


def test_corners():
    bb = BoundingBox(1, 2, 3, 4)
    corners = (bb.top_left, bb.bottom_left, bb.top_right, bb.bottom_right)
    assert corners == ((3, 2), (1, 2), (3, 4), (1, 4))
    assert isinstance(bb.center, Location)


def test_equality_hash_repr_and_immutability():
    bb = BoundingBox(-60, 80, -30, 85)
    assert bb == BoundingBox(-60.0, 80.0, -30.0, 85.0)
    assert bb != BoundingBox(-60, 80, -30, 86)
    assert len({bb, BoundingBox(-60, 80, -30, 85)}) == 1
    assert repr(bb) == "BoundingBox(lat_south=-60.0, lon_west=80.0, lat_north=-30.0, lon_east=85.0)"
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        bb.lat_south = 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((-91, 0, 0, 0), "lat_south"),
        ((0, 0, 90.5, 0), "lat_north"),
        ((0, -181, 1, 0), "lon_west"),
        ((0, 0, 1, 180.1), "lon_east"),
        ((0, 0, float("nan"), 0), "lat_north"),
        ((10, 0, 5, 1), "north of"),
    ],
)
def test_validation(args, message):
    with pytest.raises(InputError, match=message):
        BoundingBox(*args)


def test_size_over_180_degrees_warns(caplog):
    _ = BoundingBox(0, -170, 10, 170).size
    assert "spans more than 180" in caplog.text


def _ring(lat_center, lon_center, radius, n=200):
    """Closed-free ring of points around a center in the lat/lon plane."""
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    return np.column_stack([lat_center + radius * np.sin(t), lon_center + radius * np.cos(t)])


def test_bounding_box_of_plain_outline():
    outline = np.array([[50.0, 10.0], [52.0, 14.0], [55.0, 12.0], [53.0, 9.0]])
    assert bounding_box_of(outline, outline) == BoundingBox(50, 9, 55, 14)


def test_bounding_box_of_antimeridian_outline():
    ring = _ring(-50.0, 180.0, 5.0)
    ring[:, 1] = (ring[:, 1] + 180) % 360 - 180
    box = bounding_box_of(ring, ring)
    assert_array_almost_equal(
        [box.lat_south, box.lon_west, box.lat_north, box.lon_east], [-55, 175, -45, -175], decimal=9
    )
    assert box.contains_discontinuity and not box.contains_pole


@pytest.mark.parametrize(
    ("lat", "expected"),
    [(80.0, BoundingBox(80, -180, 90, 180)), (-75.0, BoundingBox(-90, -180, -75, 180))],
)
def test_bounding_box_of_pole_outline(lat, expected):
    # a ring of constant latitude around a pole; > 50 hull points exercises the sampling
    ring = np.column_stack([np.full(360, lat), np.arange(-180.0, 180.0)])
    assert bounding_box_of(ring, ring) == expected


def test_bounding_box_of_rejects_undefined_points():
    with pytest.raises(InputError, match="finite"):
        bounding_box_of([[0, 0], [np.nan, 1]], [[0, 0], [1, 1], [0, 1]])


@pytest.mark.parametrize(
    "outline",
    [
        [[50.0, 10.0], [52.0, 14.0], [55.0, 12.0], [53.0, 9.0]],
        _ring(89.0, -120.0, 0.9, n=100),  # near, but not around, the pole
        _ring(-30.0, 60.0, 20.0, n=100),
    ],
)
def test_box_away_from_poles_is_what_the_pole_test_finds(outline):
    assert bounding_box_away_from_poles(outline) == bounding_box_of(outline, outline)


@pytest.mark.parametrize(
    "outline",
    [
        np.column_stack([np.full(360, 80.0), np.arange(-180.0, 180.0)]),  # around the pole
        [[-60.0, -100.0], [-60.0, 80.0], [-70.0, -10.0]],  # an edge may pass the pole: 180 deg of longitude
        [[90.0, 0.0], [80.0, 10.0], [80.0, -10.0]],  # a vertex at the pole
        [[0.0, 0.0], [np.nan, 1.0], [1.0, 1.0]],
    ],
)
def test_box_away_from_poles_declines_what_may_hold_a_pole(outline):
    assert bounding_box_away_from_poles(outline) is None


def test_merged_edges_are_exactly_edges_of_the_boxes():
    west, east = 142.77872372201494, -170.10000000000002  # across the antimeridian: east + 360 - 360 would round
    boxes = [BoundingBox(-61.0, west, -55.0, 168.4), BoundingBox(-60.0, 150.3, -53.4, east)]
    merged = BoundingBox.merged(boxes)
    assert (merged.lon_west, merged.lon_east) == (west, east)
    assert BoundingBox.merged(boxes[::-1]) == merged


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(-180, 179), st.integers(0, 200)), min_size=1, max_size=5))
def test_merged_longitudes_are_the_shortest_interval_holding_every_box(spans):
    """Against a brute force: the shortest interval holding all boxes starts at one of their west edges."""
    boxes = [BoundingBox(0, west, 1, ((west + width + 180) % 360) - 180) for west, width in spans]
    merged = BoundingBox.merged(boxes)

    def holds(outer, box):
        return outer.lon_span == 360.0 or (box.lon_west - outer.lon_west) % 360 + box.lon_span <= outer.lon_span + 1e-9

    assert all(holds(merged, box) for box in boxes)
    shortest = min(max((box.lon_west - west) % 360 + box.lon_span for box in boxes) for west in (b.lon_west for b in boxes))
    assert merged.lon_span == pytest.approx(min(shortest, 360.0))
