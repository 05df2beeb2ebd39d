"""The Mapping data model: masking invariants (property-based), masking operations, views."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from numpy.testing import assert_allclose, assert_array_equal

from auromat_core import InputError, Mapping, MappingCollection

TIME = datetime(2025, 3, 1, 12, 0, 0)
CAMERA = [-3000.0, 500.0, 6200.0]
PROPERTIES = settings(max_examples=60, deadline=None)


def wrap(lon):
    return (np.asarray(lon, dtype=float) + 180.0) % 360.0 - 180.0


def grid_mapping(h=6, w=8, lat0=63.0, lon0=176.0, step=0.25, image=None, elevation=None, **kwargs) -> Mapping:
    """Regular corners from (lat0, lon0) southward/eastward by ``step``; centers are cell middles."""
    rows, cols = np.arange(h + 1.0)[:, None], np.arange(w + 1.0)[None, :]
    lat_bounds = (lat0 - step * rows) + 0 * cols
    lon_bounds = wrap(lon0 + step * cols) + 0 * rows
    lat = (lat0 - step * (rows[:-1] + 0.5)) + 0 * cols[:, :-1]
    lon = wrap(lon0 + step * (cols[:, :-1] + 0.5)) + 0 * rows[:-1]
    if image is None:
        image = np.arange(h * w * 3, dtype=np.uint16).reshape(h, w, 3)
    if elevation is None:
        elevation = np.linspace(5.0, 85.0, h)[:, None] + np.zeros(w)
    arguments = dict(
        lat_bounds=lat_bounds, lon_bounds=lon_bounds, lat=lat, lon=lon, elevation=elevation, image=image,
        altitude=110.0, time=TIME, camera_position=CAMERA, identifier="grid", metadata={"frame": 7},
    )
    arguments.update(kwargs)
    return Mapping(**arguments)


def reference_masks(corner_finite: np.ndarray, center_finite: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The masking rules written out pixel by pixel (independent of the vectorised code)."""
    h, w = center_finite.shape
    center = np.zeros((h, w), dtype=bool)
    for y in range(h):
        for x in range(w):
            corners = [corner_finite[y, x], corner_finite[y, x + 1], corner_finite[y + 1, x], corner_finite[y + 1, x + 1]]
            center[y, x] = bool(center_finite[y, x]) and all(corners)
    corner = np.zeros((h + 1, w + 1), dtype=bool)
    for y in range(h + 1):
        for x in range(w + 1):
            neighbours = [(y - 1, x - 1), (y - 1, x), (y, x - 1), (y, x)]
            supported = any(0 <= a < h and 0 <= b < w and center[a, b] for a, b in neighbours)
            corner[y, x] = bool(corner_finite[y, x]) and supported
    return corner, center


@st.composite
def nan_patterns(draw):
    """A grid mapping's arrays with NaN written into random places of every array."""
    h = draw(st.integers(1, 7))
    w = draw(st.integers(1, 7))
    corner_shape, center_shape = (h + 1, w + 1), (h, w)
    holes = {
        "lat_bounds": draw(hnp.arrays(bool, corner_shape, elements=st.booleans())),
        "lon_bounds": draw(hnp.arrays(bool, corner_shape, elements=st.booleans())),
        "lat": draw(hnp.arrays(bool, center_shape, elements=st.booleans())),
        "lon": draw(hnp.arrays(bool, center_shape, elements=st.booleans())),
        "elevation": draw(hnp.arrays(bool, center_shape, elements=st.booleans())),
    }
    # thin the holes out (every 1st, 3rd, ... position at most) so that mostly-defined
    # mappings are as common as fragmented ones
    thinning = draw(st.sampled_from([1, 3, 7, 13]))
    holes = {k: v & (np.arange(v.size).reshape(v.shape) % thinning == 0) for k, v in holes.items()}
    channels = draw(st.sampled_from([1, 3]))
    dtype = draw(st.sampled_from([np.uint8, np.uint16]))
    image = draw(hnp.arrays(dtype, (h, w, channels)))
    lon0 = draw(st.sampled_from([176.0, 179.6]))  # the second crosses the antimeridian
    base = grid_mapping(h, w, lon0=lon0, image=image)
    arrays = {name: getattr(base, name).copy() for name in holes}
    for name, hole in holes.items():
        arrays[name][hole] = np.nan
    return arrays, image, lon0


@PROPERTIES
@given(nan_patterns())
def test_construction_enforces_the_invariants(pattern):
    arrays, image, lon0 = pattern
    finite_corner = np.isfinite(arrays["lat_bounds"]) & np.isfinite(arrays["lon_bounds"])
    finite_center = np.isfinite(arrays["lat"]) & np.isfinite(arrays["lon"]) & np.isfinite(arrays["elevation"])
    mapping = Mapping(**arrays, image=image, altitude=110.0, time=TIME, camera_position=CAMERA, identifier="p")
    mapping.check_invariants()
    corner, center = reference_masks(finite_corner, finite_center)
    assert_array_equal(mapping.defined, center)
    assert_array_equal(mapping.corner_defined, corner)
    # nothing defined is changed, and undefined values are NaN everywhere
    base = grid_mapping(*center.shape, lon0=lon0)
    assert_array_equal(mapping.lat[center], base.lat[center])
    assert_array_equal(mapping.lon_bounds[corner], base.lon_bounds[corner])
    assert np.isnan(mapping.elevation[~center]).all() and np.isnan(mapping.lat_bounds[~corner]).all()
    assert_array_equal(mapping.image, image)
    assert_array_equal(mapping.image_masked.mask, np.broadcast_to(~center[:, :, None], image.shape))


@PROPERTIES
@given(nan_patterns(), st.floats(0.0, 90.0))
def test_masked_by_elevation_keeps_the_invariants(pattern, min_elevation):
    arrays, image, lon0 = pattern
    mapping = Mapping(**arrays, image=image, altitude=110.0, time=TIME, camera_position=CAMERA, identifier="p")
    with np.errstate(invalid="ignore"):
        expected = mapping.defined & (mapping.elevation >= min_elevation)
    if not expected.any():
        with pytest.raises(InputError, match="no pixel"):
            mapping.masked_by_elevation(min_elevation)
        return
    masked = mapping.masked_by_elevation(min_elevation)
    masked.check_invariants()
    assert_array_equal(masked.defined, expected)
    corner, _ = reference_masks(mapping.corner_defined, expected)
    assert_array_equal(masked.corner_defined, corner)
    assert np.isfinite(mapping.lat[mapping.defined]).all(), "the original mapping must not change"


@PROPERTIES
@given(nan_patterns(), st.data())
def test_masked_keeps_the_invariants(pattern, data):
    arrays, image, lon0 = pattern
    mapping = Mapping(**arrays, image=image, altitude=110.0, time=TIME, camera_position=CAMERA, identifier="p")
    keep = data.draw(hnp.arrays(bool, mapping.shape, elements=st.booleans()))
    expected = keep & mapping.defined
    if not expected.any():
        with pytest.raises(InputError):
            mapping.masked(keep)
        return
    masked = mapping.masked(keep)
    masked.check_invariants()
    assert_array_equal(masked.defined, expected)


@PROPERTIES
@given(nan_patterns(), st.floats(0.0, 0.4), st.floats(0.6, 1.0), st.floats(0.0, 0.4), st.floats(0.6, 1.0))
def test_masked_by_polygon_keeps_the_invariants(pattern, north, south, west, east):
    arrays, image, lon0 = pattern
    mapping = Mapping(**arrays, image=image, altitude=110.0, time=TIME, camera_position=CAMERA, identifier="p")
    event("empty mapping" if not mapping.defined.any() else "some pixels defined")
    # a box over fractions of the grid's extent (corners 0.25° apart from lat 63 and lon0)
    h, w = mapping.shape
    lats = 63.0 - 0.25 * h * np.array([north, south])
    lons = wrap(lon0 + 0.25 * w * np.array([west, east]))
    polygon = np.array([[lats[0], lons[0]], [lats[0], lons[1]], [lats[1], lons[1]], [lats[1], lons[0]]])
    try:
        masked = mapping.masked_by_polygon(polygon)
    except InputError as error:
        assert "no pixel defined" in str(error)
        event("polygon masks everything")
        return
    masked.check_invariants()
    assert not (masked.defined & ~mapping.defined).any()
    # kept pixels lie in the box (up to the bulge of its great-circle edges)
    kept_lat = masked.lat_bounds[masked.corner_defined]
    kept_lon = wrap(masked.lon_bounds[masked.corner_defined] - lons[0])
    assert (kept_lat <= lats[0] + 0.01).all() and (kept_lat >= lats[1] - 0.01).all()
    assert (kept_lon >= -0.01).all() and (kept_lon <= wrap(lons[1] - lons[0]) + 0.01).all()


@settings(max_examples=25, deadline=None)
@given(nan_patterns(), st.sampled_from(["mean", "nearest", "linear"]))
def test_resampling_keeps_the_invariants(pattern, method):
    arrays, image, lon0 = pattern
    mapping = Mapping(**arrays, image=image, altitude=110.0, time=TIME, camera_position=CAMERA, identifier="p")
    if not mapping.defined.any():
        return
    try:
        result = mapping.resample(px_per_deg=8, method=method)
    except InputError as error:  # within one target pixel, or (linear) no triangle of centers
        assert "smaller than one target pixel" in str(error) or "leaves no pixel defined" in str(error)
        event("nothing left")
        return
    result.check_invariants()
    assert result.image.dtype == image.dtype and result.image.shape[2] == image.shape[2]


def test_masking_changes_center_and_corner_masks():
    mapping = grid_mapping()
    masked = mapping.masked_by_elevation(40.0)
    # rows of elevation 5, 21, 37 are gone: their centers and the corners only they supported
    assert_array_equal(masked.defined, np.repeat(mapping.elevation[:, :1] >= 40.0, mapping.shape[1], axis=1))
    assert masked.defined.sum() == 3 * 8
    assert_array_equal(masked.corner_defined[:3], False)
    assert_array_equal(masked.corner_defined[3:], True)
    assert mapping.corner_defined.all() and mapping.defined.all()
    assert masked.time == mapping.time and masked.metadata == {"frame": 7}
    assert_array_equal(masked.image, mapping.image)


def test_all_masked_raises_input_error():
    mapping = grid_mapping()
    with pytest.raises(InputError, match="grid"):
        mapping.masked_by_elevation(90.5)
    with pytest.raises(InputError):
        mapping.masked(np.zeros(mapping.shape, dtype=bool))
    with pytest.raises(InputError):
        mapping.masked_by_polygon(np.array([[10.0, 10.0], [10.0, 11.0], [11.0, 11.0]]))


@pytest.mark.parametrize("value", [None, True, "ten", float("nan"), [10]])
def test_min_elevation_that_is_not_a_number_is_named(value):
    collection = MappingCollection([grid_mapping()], "c")
    for masked in (grid_mapping(), collection):
        with pytest.raises(InputError, match=rf"^min_elevation must be a number, got {re.escape(repr(value))}$"):
            masked.masked_by_elevation(value)


def test_min_elevation_given_as_numeric_text_is_read_like_the_other_number_options():
    mapping = grid_mapping()
    assert_array_equal(mapping.masked_by_elevation("30").defined, mapping.masked_by_elevation(30.0).defined)


def test_masked_by_polygon_across_the_antimeridian():
    # corners every 0.25° over lat 61.5-63, lon 178-182 (that is, up to -178)
    mapping = grid_mapping(h=6, w=16, lon0=178.0)
    polygon = np.array([[62.9, 179.1], [62.9, -179.1], [61.6, -179.1], [61.6, 179.1]])
    masked = mapping.masked_by_polygon(polygon)
    masked.check_invariants()
    unwrapped = np.where(mapping.lon_bounds < 0, mapping.lon_bounds + 360, mapping.lon_bounds)
    corner_in = (mapping.lat_bounds < 62.9) & (mapping.lat_bounds > 61.6) & (unwrapped > 179.1) & (unwrapped < 180.9)
    expected = corner_in[:-1, :-1] & corner_in[1:, :-1] & corner_in[:-1, 1:] & corner_in[1:, 1:]
    assert expected.sum() == 4 * 6
    assert_array_equal(masked.defined, expected)
    box = masked.bounding_box
    assert box.lon_west > box.lon_east


def test_to_xarray_holds_the_arrays_with_cf_names():
    mapping = grid_mapping().masked_by_elevation(30.0)
    dataset = mapping.to_xarray()
    assert dataset["lat"].attrs["standard_name"] == "latitude"
    assert dataset["lon"].attrs["standard_name"] == "longitude"
    assert dataset["lat"].attrs["units"] == "degrees_north" and dataset["lon"].attrs["units"] == "degrees_east"
    assert dataset["time"].attrs["standard_name"] == "time"
    assert dataset["time"].values == np.datetime64("2025-03-01T12:00:00")
    assert_array_equal(dataset["lat"].values, mapping.lat)
    assert_array_equal(dataset["lon_bounds"].values, mapping.lon_bounds)
    assert_array_equal(dataset["elevation"].values, mapping.elevation)
    assert dataset["elevation"].attrs["units"] == "degree"
    assert_array_equal(dataset["image"].values, mapping.image)
    assert list(dataset["channel"].values) == ["red", "green", "blue"]
    assert_array_equal(dataset["camera_position"].values, CAMERA)
    assert dataset.attrs["identifier"] == "grid" and dataset.attrs["altitude_km"] == 110.0
    assert dataset.attrs["frame"] == 7
    assert dataset["lat"].dims == ("y", "x") and dataset["lat_bounds"].dims == ("y_corner", "x_corner")


def test_rgb_scales_uint16_and_repeats_gray():
    values = np.array([[0, 257, 32896, 65535]], dtype=np.uint16)
    mapping = grid_mapping(h=1, w=4, image=values, elevation=np.full((1, 4), 30.0))
    rgb = mapping.rgb
    assert rgb.dtype == np.uint8 and rgb.shape == (1, 4, 3)
    assert_array_equal(rgb[0, :, 0], [0, 1, 128, 255])
    assert_array_equal(rgb[..., 0], rgb[..., 2])
    rng = np.random.default_rng(5)
    color = rng.integers(0, 65536, (6, 8, 3), dtype=np.uint16)
    assert_array_equal(grid_mapping(image=color).rgb, np.round(color / 257.0).astype(np.uint8))
    color8 = rng.integers(0, 256, (6, 8, 3), dtype=np.uint8)
    assert_array_equal(grid_mapping(image=color8).rgb, color8)


def test_invalid_input_is_reported_by_name():
    with pytest.raises(InputError, match="lon_bounds has shape"):
        grid_mapping(lon_bounds=np.zeros((3, 3)))
    with pytest.raises(InputError, match="unsigned integer"):
        grid_mapping(image=np.zeros((6, 8, 3), dtype=np.float32))
    with pytest.raises(InputError, match="altitude"):
        grid_mapping(altitude=-1.0)


def test_collection_masking_drops_empty_members_and_keeps_the_identifier():
    low = grid_mapping(elevation=np.full((6, 8), 5.0)).replace(identifier="low")
    high = grid_mapping().replace(identifier="high")
    collection = MappingCollection([low, high], "NET.2025.03.01.12.00.00")
    masked = collection.masked_by_elevation(10.0)
    assert masked.identifier == "NET.2025.03.01.12.00.00"
    assert [m.identifier for m in masked] == ["high"]
    masked[0].check_invariants()
    assert_allclose(masked.time.timestamp(), TIME.timestamp())


def test_collection_time_given_explicitly_is_kept():
    early = grid_mapping().replace(identifier="early", time=TIME)
    late = grid_mapping(elevation=np.full((6, 8), 5.0)).replace(identifier="late", time=TIME + timedelta(seconds=1.0))
    assert MappingCollection([early, late], "NET").time == TIME + timedelta(seconds=1.0)  # upper median by default
    step = MappingCollection([early, late], "NET", time=TIME)
    assert step.time == TIME
    masked = step.masked_by_elevation(10.0)
    assert [m.identifier for m in masked] == ["early"] and masked.time == TIME
    resampled = step.resample(px_per_deg=4)
    assert [m.identifier for m in resampled] == ["early", "late"] and resampled.time == TIME
    assert step.masked_by_elevation(80.0).resample(px_per_deg=4).time == TIME  # no member left
    assert MappingCollection([late], "NET", time=TIME).time == TIME
    assert MappingCollection([], "NET", time=datetime(2025, 3, 1, 13, tzinfo=timezone(timedelta(hours=1)))).time == TIME
    with pytest.raises(InputError, match="collection NET is empty, so it has no time"):
        _ = MappingCollection([], "NET").time


def test_bounding_box_covers_every_separate_region():
    mapping = grid_mapping(h=6, w=8)
    lat_bounds, lon_bounds = mapping.lat_bounds, mapping.lon_bounds
    keep = np.zeros(mapping.shape, dtype=bool)
    keep[:2, :2] = True
    keep[4:, 5:] = True
    two_regions = mapping.masked(keep)
    box = two_regions.bounding_box
    defined = np.isfinite(two_regions.lat_bounds)
    assert box.lat_south == lat_bounds[defined].min() and box.lat_north == lat_bounds[defined].max()
    assert (box.lon_west, box.lon_east) == (wrap(lon_bounds[0, 0]), wrap(lon_bounds[-1, -1]))


def test_mask_of_the_wrong_shape_is_an_input_error():
    mapping = grid_mapping(h=6, w=8)
    with pytest.raises(InputError, match=r"mask has shape \(8, 6\), expected \(6, 8\)"):
        mapping.masked(np.ones((8, 6), dtype=bool))


def test_image_with_two_channels_is_rejected():
    with pytest.raises(InputError, match=r"\(h, w\) or \(h, w, 1\|3\)"):
        grid_mapping(h=2, w=3, image=np.zeros((2, 3, 2), dtype=np.uint8))


@pytest.mark.parametrize("altitude", [-1.0, float("inf"), float("nan")])
def test_altitude_must_be_finite_and_not_negative(altitude):
    with pytest.raises(InputError, match=r"^mapping grid: altitude must be a finite number >= 0 km, got"):
        grid_mapping(altitude=altitude)


def test_read_only_arrays_are_copied_not_written():
    lat_bounds = grid_mapping().lat_bounds.copy()
    lat_bounds[0, 0] = np.nan
    lat_bounds.setflags(write=False)
    mapping = grid_mapping(lat_bounds=lat_bounds)
    assert not mapping.defined[0, 0] and np.isnan(mapping.lat[0, 0]), "the undefined corner undefines its pixel"
    assert np.count_nonzero(np.isnan(lat_bounds)) == 1, "the caller's array is untouched"
    assert mapping.lat_bounds is not lat_bounds and mapping.lat_bounds.flags.writeable


@pytest.mark.parametrize(("height_km", "below"), [(0.6, True), (109.0, True), (111.0, False), (400.0, False)])
def test_seen_from_below_tells_a_camera_under_the_mapping_altitude(height_km, below):
    from auromat_core.geometry import geodetic_to_ecef, itrs_to_gcrs

    camera = itrs_to_gcrs(np.array(geodetic_to_ecef(62.4, -145.2, height_km)), TIME)
    assert grid_mapping(camera_position=camera).seen_from_below is below
