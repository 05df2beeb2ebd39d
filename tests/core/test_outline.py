"""Outline tracing, polygon geometry, centroids and pixel scales against hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.ndimage
from numpy.testing import assert_allclose, assert_array_almost_equal

from auromat_core.errors import InputError
from auromat_core.outline import (
    centroid_latlon,
    convex_hull_indices,
    outline_indices,
    outline_regions,
    pixel_scales,
    polygon_area,
    polygon_centroid,
)

F = 1 / 298.257223563  # WGS84 flattening
E2 = F * (2 - F)


def outer_boundary_pixels(mask):
    """Defined pixels 4-adjacent to the background connected to the outside, by labelling."""
    padded = np.pad(mask, 1)
    labels, _ = scipy.ndimage.label(~padded)  # 4-connected background
    outside = labels == labels[0, 0]
    touches = np.zeros_like(padded)
    touches[1:-1, 1:-1] = (
        outside[:-2, 1:-1] | outside[2:, 1:-1] | outside[1:-1, :-2] | outside[1:-1, 2:]
    )
    return {tuple(p) for p in np.argwhere((padded & touches)[1:-1, 1:-1])}


def assert_is_contour(outline):
    steps = np.abs(np.diff(np.vstack([outline, outline[:1]]), axis=0))
    assert np.all(steps.max(axis=1) == 1), "consecutive outline pixels must be 8-neighbours"


def test_rectangle_outline():
    mask = np.zeros((5, 6), bool)
    mask[1:4, 1:5] = True
    outline = outline_indices(mask)
    assert outline.tolist() == [
        [1, 1], [1, 2], [1, 3], [1, 4], [2, 4], [3, 4], [3, 3], [3, 2], [3, 1], [2, 1]
    ]  # fmt: skip


def test_concave_outline_cuts_inner_corner():
    mask = np.zeros((6, 6), bool)
    mask[0:5, 0:2] = True
    mask[3:5, 0:6] = True
    outline = outline_indices(mask)
    assert_is_contour(outline)
    assert {tuple(p) for p in outline} == outer_boundary_pixels(mask)
    # polygon through the boundary pixel centres: a 4x1 strip plus a 1x5 strip overlapping in (4, 1)
    assert polygon_area(outline) == 8.5


def test_disk_with_hole_outline_is_outer_boundary():
    yy, xx = np.mgrid[:201, :301]
    mask = (yy - 100) ** 2 + (xx - 150) ** 2 <= 90**2
    mask[80:120, 130:170] = False  # hole
    mask[100, :] = True  # one-pixel spurs out to both image edges
    outline = outline_indices(mask)
    assert_is_contour(outline)
    assert {tuple(p) for p in outline} == outer_boundary_pixels(mask)
    assert outline[0].tolist() == [10, 150]  # top-left-most defined pixel
    assert {(100, 0), (100, 300)} <= {tuple(p) for p in outline}


def test_diagonal_neighbours_form_one_region():
    mask = np.zeros((4, 4), bool)
    mask[0:2, 0:2] = True
    mask[2:4, 2:4] = True
    outline = outline_indices(mask)
    assert {tuple(p) for p in outline} == {tuple(p) for p in np.argwhere(mask)}
    assert_is_contour(outline)


def test_largest_region_is_outlined(caplog):
    mask = np.zeros((10, 20), bool)
    mask[1:3, 1:3] = True
    mask[2:8, 8:18] = True
    big = mask.copy()
    big[:, :5] = False
    outline = outline_indices(mask)
    assert {tuple(p) for p in outline} == outer_boundary_pixels(big)
    assert "2 separate regions" in caplog.text


def test_every_region_of_a_speckled_mask_is_outlined_largest_first():
    mask = np.random.default_rng(7).random((40, 50)) < 0.25
    components, count = scipy.ndimage.label(mask, structure=np.ones((3, 3)))  # 8-connected, as outlines join
    regions = outline_regions(mask)
    assert count > 50 and len(regions) == count
    labels = [components[tuple(region[0])] for region in regions]
    assert sorted(labels) == list(range(1, count + 1))
    for label, region in zip(labels, regions):
        component = components == label
        assert {tuple(p) for p in region} == outer_boundary_pixels(component)
        assert tuple(region[0]) == tuple(np.argwhere(component)[0])  # starts at the top-left-most pixel
        if len(region) > 1:
            assert_is_contour(region)
    filled = [np.count_nonzero(scipy.ndimage.binary_fill_holes(components == label)) for label in labels]
    assert filled == sorted(filled, reverse=True)


def test_single_pixel_and_one_pixel_line():
    assert outline_indices(np.ones((1, 1), bool)).tolist() == [[0, 0]]
    line = np.zeros((3, 4), bool)
    line[1] = True
    assert outline_indices(line).tolist() == [[1, 0], [1, 1], [1, 2], [1, 3], [1, 2], [1, 1]]


def test_empty_mask_raises():
    with pytest.raises(InputError, match="without any defined"):
        outline_indices(np.zeros((3, 3), bool))


def test_convex_hull():
    mask = np.zeros((6, 6), bool)
    mask[0:5, 0:2] = True
    mask[3:5, 0:6] = True
    hull = convex_hull_indices(outline_indices(mask))
    assert {tuple(p) for p in hull} == {(0, 0), (0, 1), (4, 0), (4, 5), (3, 5)}
    assert convex_hull_indices([[1, 1], [1, 2], [1, 3]]).tolist() == [[1, 1], [1, 3]]
    assert convex_hull_indices([[2, 2]]).tolist() == [[2, 2]]


# outline_test.testPolygonArea of the reference
LATTICE_POLYGON = [
    [4, 8], [3, 7], [2, 7], [1, 6], [1, 5], [1, 4], [1, 3], [1, 2], [2, 1], [3, 1],
    [4, 0], [5, 1], [6, 1], [7, 2], [7, 3], [8, 4], [7, 5], [7, 6], [6, 7], [5, 7],
]  # fmt: skip


def test_polygon_area():
    assert polygon_area(LATTICE_POLYGON) == 37.0
    # a 4x3 rectangle with a 1x1 notch, both orientations
    notched = [[0, 0], [4, 0], [4, 3], [2, 3], [2, 2], [1, 2], [1, 3], [0, 3]]
    assert polygon_area(notched) == 11.0
    assert polygon_area(notched[::-1]) == 11.0


def test_polygon_centroid():
    polygon = [(30, 50), (200, 10), (250, 50), (350, 100), (200, 180), (100, 140), (10, 200)]
    assert_array_almost_equal(polygon_centroid(polygon), (159.2903828197946, 98.88888888888))
    assert_array_almost_equal(polygon_centroid(polygon[::-1]), (159.2903828197946, 98.88888888888))
    # L-shape of unit squares: 3 squares at x 0..3, y 0..1 and 1 at x 0..1, y 1..2
    l_shape = [[0, 0], [3, 0], [3, 1], [1, 1], [1, 2], [0, 2]]
    assert_allclose(polygon_centroid(l_shape), (1.25, 0.75))
    assert polygon_centroid([[1, 2], [1, 2]]) == (1, 2)


def test_centroid_latlon_planar_and_antimeridian():
    square = np.array([[10.0, 20.0], [10.0, 30.0], [20.0, 30.0], [20.0, 20.0]])
    assert_allclose(centroid_latlon(square, contains_pole=False), (15, 25))
    across = np.array([[10.0, 170.0], [10.0, -170.0], [20.0, -170.0], [20.0, 170.0]])
    lat, lon = centroid_latlon(across, contains_pole=False)
    assert_allclose([lat, abs(lon)], [15, 180])
    skewed = np.array([[10.0, 176.0], [10.0, -170.0], [20.0, -170.0], [20.0, 176.0]])
    assert_allclose(centroid_latlon(skewed, contains_pole=False), (15, -177))
    told = centroid_latlon(skewed, contains_pole=False, crosses_antimeridian=True)
    assert_allclose(told, (15, -177))


def _geodetic_lat(geocentric_lat_deg):
    return np.rad2deg(np.arctan(np.tan(np.deg2rad(geocentric_lat_deg)) / (1 - E2)))


@pytest.mark.parametrize("center_lat", [85.0, -80.0])
def test_centroid_latlon_around_pole_is_cap_center(center_lat):
    # regular polygon on a small circle of 12° around a geocentric direction near a pole:
    # by symmetry its centroid is that direction
    center_lon = 40.0
    t = np.linspace(0, 2 * np.pi, 64, endpoint=False)
    radius = np.deg2rad(12.0)
    c_lat, c_lon = np.deg2rad(center_lat), np.deg2rad(center_lon)
    lat = np.arcsin(np.sin(c_lat) * np.cos(radius) + np.cos(c_lat) * np.sin(radius) * np.cos(t))
    lon = c_lon + np.arctan2(
        np.sin(t) * np.sin(radius) * np.cos(c_lat), np.cos(radius) - np.sin(c_lat) * np.sin(lat)
    )
    outline = np.column_stack([_geodetic_lat(np.rad2deg(lat)), (np.rad2deg(lon) + 180) % 360 - 180])
    expected = (_geodetic_lat(center_lat), center_lon)
    assert_allclose(centroid_latlon(outline, contains_pole=True), expected, atol=1e-9)
    assert_allclose(centroid_latlon(outline[::-1], contains_pole=True), expected, atol=1e-9)


def test_centroid_latlon_ring_at_constant_latitude_is_pole():
    ring = np.column_stack([np.full(360, -80.0), np.arange(-180.0, 180.0)])
    assert_allclose(centroid_latlon(ring, contains_pole=True).lat, -90.0, atol=1e-9)


def reduced_lat_deg(lat):
    return np.rad2deg(np.arctan((1 - F) * np.tan(np.deg2rad(lat))))


def test_pixel_scales_on_equator_grid():
    # one row of 5 pixels, 0.01° square, top edge on the equator
    lat = np.repeat([[0.0], [-0.01]], 6, axis=1)
    lon = np.tile(np.linspace(10.0, 10.05, 6), (2, 1))
    scales = pixel_scales(lat, lon)
    width = 0.01 / (1 - F) * 3600  # equator: sigma = lambda / (1 - f)
    height = reduced_lat_deg(0.01) * 3600  # meridian: sigma = reduced-latitude difference
    assert_allclose(scales.width, [width] * 4, rtol=1e-12)
    assert_allclose(scales.height, [height] * 4, rtol=1e-12)
    # 0.01° from the equator the auxiliary sphere is flat to ~1e-8
    assert_allclose(scales.diagonal, [np.hypot(width, height)] * 4, rtol=1e-8)


def test_pixel_scales_skip_undefined_pixels_and_sample():
    # 10x10 pixels of 0.01° from 60°N: widths grow southward, heights northward
    lat = np.repeat(np.linspace(60.0, 59.9, 11)[:, None], 11, axis=1)
    lon = np.tile(np.linspace(20.0, 20.1, 11), (11, 1))
    base = pixel_scales(lat, lon)
    heights = (reduced_lat_deg(lat[:-1, 0]) - reduced_lat_deg(lat[1:, 0])) * 3600
    assert_allclose([base.height.min, base.height.max], [heights.min(), heights.max()], rtol=1e-10)
    assert_allclose(base.height.max, heights[0], rtol=1e-10)

    holes_lat = lat.copy()
    holes_lat[0, :] = np.nan  # drops the whole top pixel row
    holes_lat[2, 3] = np.nan
    holes_lon = np.ma.masked_array(lon, np.zeros(lon.shape, bool))
    holes_lon[5, 5] = np.ma.masked
    scales = pixel_scales(holes_lat, holes_lon)
    assert_allclose(scales.height.max, heights[1], rtol=1e-10)
    assert_allclose(scales.width.max, base.width.max, rtol=1e-12)  # the bottom row is intact

    # one sampled pixel is the first fully defined one: pixel (0, 0), in the narrowest row
    one = pixel_scales(lat, lon, sample=1)
    assert_allclose([one.width.min, one.width.max], base.width.min, rtol=1e-12)
    assert_allclose(one.height.mean, heights[0], rtol=1e-10)


def test_pixel_scales_errors():
    nan = np.full((3, 3), np.nan)
    with pytest.raises(InputError, match="four defined corners"):
        pixel_scales(nan, nan)
    with pytest.raises(InputError, match="shape"):
        pixel_scales(np.zeros((3, 3)), np.zeros((3, 4)))
    with pytest.raises(InputError, match="positive"):
        pixel_scales(np.zeros((3, 3)), np.zeros((3, 3)), sample=0)
