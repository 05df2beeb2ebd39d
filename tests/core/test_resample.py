"""Resampling onto plate-carrée grids, checked against independent numpy/pyproj computations."""

from __future__ import annotations

import importlib
import time
import tracemalloc
from datetime import datetime

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from auromat_core import InputError, Mapping, MappingCollection
from auromat_core.geodesy import angular_distance_deg
from auromat_core.polygon import points_in_polygon
from auromat_core.resample import fixed_grid, is_plate_carree, memory_limit, resample

resample_module = importlib.import_module("auromat_core.resample")  # the package's resample is the function

TIME = datetime(2025, 3, 1, 12, 0, 0)
CAMERA = [-3000.0, 500.0, 6200.0]


def wrap(lon):
    return (np.asarray(lon) + 180.0) % 360.0 - 180.0


def circle_mapping(n: int = 10, seed: int = 0, dtype=np.uint8, shift: float = 15.0) -> Mapping:
    """The original's resample_test grid: n x n corners over lat 70-80 (down the rows) and
    lon 160-170 shifted by ``shift`` (+15: across the antimeridian), a circular mask,
    random RGB and positive elevations."""
    coordinates, step = np.linspace(0.0, 10.0, n, retstep=True)
    rows, cols = np.mgrid[0:n, 0:n]
    radius = (n - 1) / 2
    inside = (rows - radius) ** 2 + (cols - radius) ** 2 <= radius**2
    lat_bounds = np.where(inside, 70.0 + coordinates[rows], np.nan)
    lon_bounds = np.where(inside, wrap(160.0 + shift + coordinates[cols]), np.nan)
    centers = coordinates[:-1] + step / 2
    lat = np.broadcast_to(70.0 + centers[:, np.newaxis], (n - 1, n - 1)).copy()
    lon = np.broadcast_to(wrap(160.0 + shift + centers[np.newaxis, :]), (n - 1, n - 1)).copy()
    rng = np.random.default_rng(seed)
    image = rng.integers(0, np.iinfo(dtype).max, (n - 1, n - 1, 3), dtype=dtype, endpoint=True)
    elevation = rng.uniform(5.0, 80.0, (n - 1, n - 1))
    return Mapping(
        lat_bounds=lat_bounds, lon_bounds=lon_bounds, lat=lat, lon=lon, elevation=elevation,
        image=image, altitude=110.0, time=TIME, camera_position=CAMERA, identifier="circle",
        metadata={"mission": "synthetic"},
    )


def jittered_mapping(h: int = 60, w: int = 80, seed: int = 1, dtype=np.uint16) -> Mapping:
    """A dense, slightly irregular grid over lat 60.3-63.7, lon 178.2-181.8 (across ±180).

    Corners are jittered so no center falls on a target cell edge; centers are
    the corner means."""
    rng = np.random.default_rng(seed)
    lat_c = np.linspace(63.7, 60.3, h + 1)[:, np.newaxis] + rng.uniform(-0.004, 0.004, (h + 1, w + 1))
    lon_c = np.linspace(178.2, 181.8, w + 1)[np.newaxis, :] + rng.uniform(-0.004, 0.004, (h + 1, w + 1))
    lat = (lat_c[:-1, :-1] + lat_c[1:, :-1] + lat_c[:-1, 1:] + lat_c[1:, 1:]) / 4
    lon = (lon_c[:-1, :-1] + lon_c[1:, :-1] + lon_c[:-1, 1:] + lon_c[1:, 1:]) / 4
    image = rng.integers(0, np.iinfo(dtype).max, (h, w, 3), dtype=dtype, endpoint=True)
    return Mapping(
        lat_bounds=lat_c, lon_bounds=wrap(lon_c), lat=lat, lon=wrap(lon),
        elevation=rng.uniform(10.0, 60.0, (h, w)), image=image, altitude=110.0, time=TIME,
        camera_position=CAMERA, identifier="jittered",
    )


def polar_mapping(n: int = 300, half_width_deg: float = 8.0) -> Mapping:
    """A square around the north pole (azimuthal equidistant layout), every pixel defined."""

    def latlon(rows, cols):
        x = (cols / n - 0.5) * 2 * half_width_deg
        y = (rows / n - 0.5) * 2 * half_width_deg
        return 90.0 - np.hypot(x, y), np.degrees(np.arctan2(y, x))

    lat_bounds, lon_bounds = latlon(*np.mgrid[0 : n + 1, 0 : n + 1].astype(float))
    lat, lon = latlon(*(np.mgrid[0:n, 0:n] + 0.5))
    rng = np.random.default_rng(2)
    return Mapping(
        lat_bounds=lat_bounds, lon_bounds=lon_bounds, lat=lat, lon=lon,
        elevation=np.full((n, n), 40.0), image=rng.integers(0, 256, (n, n, 1), dtype=np.uint8),
        altitude=110.0, time=TIME, camera_position=[0.0, 0.0, 7000.0], identifier="polar",
    )


def snapped_grid(south, west, north, east, px_per_deg):
    """§4 reference: global linspace grids, box snapped outward (east unwrapped past 180)."""
    lat_global = np.linspace(-90, 90, round(px_per_deg[0] * 180 + 1))
    lon_global = np.linspace(-180, 180, round(px_per_deg[1] * 360 + 1))
    lon_global = np.concatenate([lon_global, lon_global[1:] + 360.0])
    if east < west:
        east += 360.0
    lat = lat_global[(lat_global >= lat_global[lat_global <= south].max()) & (lat_global <= lat_global[lat_global >= north].min())]
    lon = lon_global[(lon_global >= lon_global[lon_global <= west].max()) & (lon_global <= lon_global[lon_global >= east].min())]
    return lat[::-1], lon


def cell_edges(lat_grid, lon_grid):
    return (lat_grid[:-1] + lat_grid[1:]) / 2, (lon_grid[:-1] + lon_grid[1:]) / 2


# -- grid -------------------------------------------------------------------------------


@pytest.mark.parametrize("px_per_deg", [(1.0, 1.0), (2.0, 1.5), (36.0, 13.37)])
def test_fixed_grid_is_the_snapped_global_linspace(px_per_deg):
    mapping = circle_mapping()
    box = mapping.bounding_box
    lat, lon = fixed_grid(box, px_per_deg)
    expected_lat, expected_lon = snapped_grid(box.lat_south, box.lon_west, box.lat_north, box.lon_east, px_per_deg)
    assert_allclose(lat, expected_lat, atol=1e-9)
    assert_allclose(lon, expected_lon, atol=1e-9)


def test_output_shape_is_snapped_grid_minus_two_and_centers_are_interior_points():
    mapping = circle_mapping()
    box = mapping.bounding_box
    result = resample(mapping, px_per_deg=1)
    lat_grid, lon_grid = snapped_grid(box.lat_south, box.lon_west, box.lat_north, box.lon_east, (1, 1))
    assert result.shape == (len(lat_grid) - 2, len(lon_grid) - 2)
    rows, cols = np.nonzero(result.defined)
    assert_allclose(result.lat[rows, cols], lat_grid[1:-1][rows])
    assert_allclose(wrap(result.lon[rows, cols] - lon_grid[1:-1][cols]), 0.0, atol=1e-9)
    corner_lat, corner_lon = cell_edges(lat_grid, lon_grid)
    rows, cols = np.nonzero(result.corner_defined)
    assert_allclose(result.lat_bounds[rows, cols], corner_lat[rows])
    assert_allclose(wrap(result.lon_bounds[rows, cols] - corner_lon[cols]), 0.0, atol=1e-9)


def test_mean_across_antimeridian_is_plate_carree_and_keeps_the_mapping():
    mapping = circle_mapping()
    result = resample(mapping, px_per_deg=1, method="mean")
    result.check_invariants()
    assert is_plate_carree(result.lat_bounds, result.lon_bounds)
    box = result.bounding_box
    assert box.lon_west > box.lon_east, "the result must still straddle the antimeridian"
    finite = result.lon_bounds[result.corner_defined]
    assert finite.min() > -180 and finite.max() <= 180
    assert result.time == TIME and result.altitude == 110.0 and result.identifier == "circle"
    assert_array_equal(result.camera_position, CAMERA)
    assert result.image.dtype == np.uint8 and result.image.shape[2] == 3
    assert result.metadata["mission"] == "synthetic"
    assert result.metadata["resampled_method"] == "mean" and result.metadata["resampled_grid"] == "geo"
    assert result.metadata["resampled_px_per_deg_lat"] == 1.0


def test_mean_equals_independent_histogram_and_conserves_mass():
    mapping = jittered_mapping()
    px_per_deg = (4.0, 2.0)
    result = resample(mapping, px_per_deg=px_per_deg)
    box = mapping.bounding_box
    lat_grid, lon_grid = snapped_grid(box.lat_south, box.lon_west, box.lat_north, box.lon_east, px_per_deg)
    lat_edges, lon_edges = cell_edges(lat_grid, lon_grid)
    src_lat = mapping.lat.ravel()
    src_lon = np.where(mapping.lon < 0, mapping.lon + 360.0, mapping.lon).ravel()
    bins = (lat_edges[::-1], lon_edges)

    def histogram(weights=None):
        values, _, _ = np.histogram2d(src_lat, src_lon, bins=bins, weights=weights)
        return values[::-1]  # rows north to south

    counts = histogram()
    assert result.shape == counts.shape
    assert_array_equal(result.defined, counts > 0)
    with np.errstate(invalid="ignore"):
        for channel in range(3):
            sums = histogram(mapping.image[:, :, channel].ravel().astype(float))
            expected = np.rint(sums / counts)
            assert_array_equal(result.image[:, :, channel][counts > 0], expected[counts > 0])
            # mass: mean x count recovers the binned sum up to the rounding to integers
            assert abs((result.image[:, :, channel] * counts).sum() - sums.sum()) <= 0.5 * counts.sum()
        elevation_sum = histogram(mapping.elevation.ravel())
    assert_allclose((np.nan_to_num(result.elevation) * counts).sum(), elevation_sum.sum(), rtol=1e-12)
    inside = (
        (src_lat > lat_edges[-1]) & (src_lat < lat_edges[0]) & (src_lon > lon_edges[0]) & (src_lon < lon_edges[-1])
    )
    assert counts.sum() == inside.sum() > 0.8 * src_lat.size
    assert result.image.dtype == np.uint16


def test_mean_of_a_collection_shares_one_grid_and_keeps_the_identifier():
    first = jittered_mapping(seed=1)
    second = jittered_mapping(seed=3).replace(identifier="second")
    collection = MappingCollection([first, second], "STATIONS.2025.03.01.12.00.00", may_overlap=False)
    result = resample(collection, arcsec_per_px=600)
    assert isinstance(result, MappingCollection)
    assert result.identifier == collection.identifier and result.may_overlap is False
    assert [m.identifier for m in result] == ["jittered", "second"]
    lat_steps = {m.metadata["resampled_px_per_deg_lat"] for m in result}
    lon_steps = {m.metadata["resampled_px_per_deg_lon"] for m in result}
    assert lat_steps == {6.0} and len(lon_steps) == 1
    via_method = collection.resample(arcsec_per_px=600)
    assert [m.shape for m in via_method] == [m.shape for m in result]


def test_collection_members_left_without_pixels_are_dropped():
    big = jittered_mapping()
    rows = np.arange(big.shape[0])[:, None] + np.zeros(big.shape[1], dtype=int)
    sliver = big.masked(rows == 25).replace(identifier="sliver")  # lat 62.23-62.28: between grid points
    collection = MappingCollection([big, sliver], "NET")
    result = resample(collection, px_per_deg=2)
    assert [m.identifier for m in result] == ["jittered"]
    with pytest.raises(InputError, match="sliver .* leaves no pixel defined|sliver is smaller than one target pixel"):
        resample(sliver, px_per_deg=2)


# -- resolution -------------------------------------------------------------------------


def test_100_arcsec_resample_has_100_arcsec_pixels():
    mapping = circle_mapping()
    result = resample(mapping, arcsec_per_px=100, method="linear")
    result.check_invariants()
    assert result.metadata["resampled_arcsec_per_px"] == 100.0
    assert result.metadata["resampled_px_per_deg_lat"] == 36.0
    assert result.pixel_scale.height.median == pytest.approx(100.0, rel=0.005)
    # the width is 100" on the box's mid-latitude: one cell there, measured on WGS84
    box = mapping.bounding_box
    mid_lat = (box.lat_south + box.lat_north) / 2
    step = 1.0 / result.metadata["resampled_px_per_deg_lon"]
    width = 3600 * angular_distance_deg(mid_lat, 180.0, mid_lat, 180.0 + step)
    assert width == pytest.approx(100.0, rel=0.005)


def test_options_are_validated():
    mapping = circle_mapping()
    with pytest.raises(InputError, match="grid"):
        resample(mapping, grid="sm")
    with pytest.raises(InputError, match="method"):
        resample(mapping, method="cubic")
    with pytest.raises(InputError, match="not both"):
        resample(mapping, arcsec_per_px=100, px_per_deg=10)
    with pytest.raises(InputError, match="px_per_deg"):
        resample(mapping, px_per_deg=-1)
    with pytest.raises(InputError, match="arcsec_per_px"):
        resample(mapping, arcsec_per_px=0)
    with pytest.raises(InputError, match="px_per_deg"):
        resample(mapping, px_per_deg="fine")
    with pytest.raises(InputError, match="pair"):
        resample(mapping, px_per_deg=(1, 2, 3))
    with pytest.raises(InputError, match="smaller than one target pixel"):
        resample(mapping, px_per_deg=0.05)


def test_a_grid_needing_far_too_much_memory_is_refused_at_once_without_allocating():
    mapping = circle_mapping()  # about 8 x 8 degrees
    lat, lon = fixed_grid(mapping.bounding_box, 100000)
    rows, columns = len(lat) - 2, len(lon) - 2  # 777777 x 777777: 6e11 cells
    needed, limit = rows * columns * 128, memory_limit()
    tracemalloc.start()
    started = time.perf_counter()
    with pytest.raises(InputError) as error:
        resample(mapping, px_per_deg=100000)
    elapsed, (_, peak) = time.perf_counter() - started, tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert elapsed < 1 and peak < 4 << 20, f"{elapsed:.2f} s, {peak} bytes"  # the grid's axes alone would take 12 MB
    suggestion = np.floor(100000 / np.sqrt(needed / limit) * 1000) / 1000
    assert str(error.value) == (
        f"resampling mapping circle at 100000 x 100000 px/deg needs a grid of {rows} x {columns} cells ({rows * columns / 1e6:.1f} million) "
        f"and about {needed / 2**30:.1f} GiB with method 'mean', more than the limit of {limit / 2**30:.1f} GiB "
        f"(50% of the physical memory); use a coarser resolution, e.g. {suggestion:g} px/deg or less"
    )


def test_the_memory_check_counts_the_cells_of_the_real_grid(monkeypatch):
    """At the limit a grid is resampled as before; one byte less and it is refused, naming that grid and a resolution that fits."""
    mapping = jittered_mapping()
    allowed = resample(mapping, arcsec_per_px=100, method="nearest")
    rows, columns = allowed.shape
    needed = rows * columns * 448
    monkeypatch.setattr(resample_module, "memory_limit", lambda: needed)
    assert_array_equal(resample(mapping, arcsec_per_px=100, method="nearest").image, allowed.image)
    monkeypatch.setattr(resample_module, "memory_limit", lambda: needed // 5)
    with pytest.raises(InputError, match=(
        rf"^resampling mapping jittered at 100 arcsec/px needs a grid of {rows} x {columns} cells \(0\.\d million\) and about "
        r"0\.\d GiB with method 'nearest', more than the limit of 0\.\d GiB \(50% of the physical memory\); "
        r"use a coarser resolution, e.g. 224 arcsec/px or more$"
    )):
        resample(mapping, arcsec_per_px=100, method="nearest")
    resample(mapping, arcsec_per_px=224, method="nearest")  # the suggestion fits the limit


def test_the_memory_check_of_a_collection_adds_up_its_members(monkeypatch):
    first, second = jittered_mapping(seed=1), jittered_mapping(seed=3).replace(identifier="second")
    cells = [m.shape[0] * m.shape[1] for m in resample(MappingCollection([first, second], "NET"), px_per_deg=20)]
    monkeypatch.setattr(resample_module, "memory_limit", lambda: max(cells) * 128 + min(cells) * 72 - 1)
    with pytest.raises(InputError, match=r"^resampling collection NET at 20 x 20 px/deg needs a grid of \d+ x \d+ cells \(.* million, .* million in all\)"):
        resample(MappingCollection([first, second], "NET"), px_per_deg=20)
    assert len(resample(first, px_per_deg=20).image) > 0, "one member alone fits"


def test_empty_collection_and_input_left_unchanged():
    empty = resample(MappingCollection([], "NONE"), arcsec_per_px=100)
    assert isinstance(empty, MappingCollection) and empty.empty and empty.identifier == "NONE"
    mapping = circle_mapping()
    before = {name: getattr(mapping, name).copy() for name in ("lat_bounds", "lon_bounds", "lat", "lon", "elevation", "image")}
    for grid in ("geo", "mag"):
        resample(mapping, arcsec_per_px=3000, grid=grid, method="nearest")
    for name, array in before.items():
        assert_array_equal(getattr(mapping, name), array)


# -- magnetic grid ----------------------------------------------------------------------


def haversine_deg(lat1, lon1, lat2, lon2):
    lat1, lon1, lat2, lon2 = (np.radians(np.asarray(v, dtype=float)) for v in (lat1, lon1, lat2, lon2))
    h = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return np.degrees(2 * np.arcsin(np.sqrt(np.clip(h, 0, 1))))


@pytest.mark.parametrize("method", ["nearest", "mean"])
def test_mag_grid_is_regular_in_mlat_sm_longitude_and_inside_the_footprint(method):
    mapping = circle_mapping()
    result = resample(mapping, arcsec_per_px=1000, method=method, grid="mag")
    result.check_invariants()
    assert result.defined.any()
    assert not is_plate_carree(result.lat_bounds, result.lon_bounds)
    magnetic = result.magnetic("dipole")
    sm_lon_bounds = (magnetic.mlt_bounds - 12.0) * 15.0
    assert is_plate_carree(magnetic.mlat_bounds, sm_lon_bounds, tolerance=1e-6)
    # centers are interior points of the global 1000"/px MLat grid (3.6 px/deg)
    defined_mlat = magnetic.mlat[result.defined]
    assert_allclose(np.round(defined_mlat * 3.6) / 3.6, defined_mlat, atol=1e-6)
    rows, cols = np.nonzero(result.defined)
    lat, lon = result.lat[rows, cols], result.lon[rows, cols]
    if method == "nearest":
        assert points_in_polygon(lat, lon, mapping.outline).all()
    else:
        # a mean cell holds a source center: one is within the cell's circumradius
        radius = np.max(
            [haversine_deg(lat, lon, result.lat_bounds[rows + dr, cols + dc], result.lon_bounds[rows + dr, cols + dc])
             for dr in (0, 1) for dc in (0, 1)], axis=0,
        )
        distance = haversine_deg(lat[:, None], lon[:, None], mapping.lat[mapping.defined][None], mapping.lon[mapping.defined][None])
        assert (distance.min(axis=1) <= radius).all()
    assert result.metadata["resampled_grid"] == "mag"
    assert result.metadata["resampled_magnetic_model"] == "dipole"


# -- nearest / linear -------------------------------------------------------------------


@pytest.mark.parametrize("method", ["nearest", "linear"])
def test_interpolation_does_not_extrapolate_beyond_the_footprint(method):
    # the 10x10 layout with 10 times finer pixels, so the half-pixel border between the
    # centers (used by linear) and the corners (the footprint) is thin
    mapping = circle_mapping(n=91)
    result = resample(mapping, px_per_deg=4, method=method)
    result.check_invariants()
    assert is_plate_carree(result.lat_bounds, result.lon_bounds)
    box = mapping.bounding_box
    lat_grid, lon_grid = snapped_grid(box.lat_south, box.lon_west, box.lat_north, box.lon_east, (4, 4))
    lat_edges, lon_edges = cell_edges(lat_grid, lon_grid)
    corner_lat, corner_lon = np.meshgrid(lat_edges, wrap(lon_edges), indexing="ij")
    corner_inside = points_in_polygon(corner_lat, corner_lon, mapping.outline)
    cell_inside = corner_inside[:-1, :-1] & corner_inside[1:, :-1] & corner_inside[:-1, 1:] & corner_inside[1:, 1:]
    assert not (result.defined & ~cell_inside).any(), "a cell outside the footprint is defined"
    assert result.defined[cell_inside].mean() > 0.95


SHEARED_ORIGIN = (60.0131, 10.0007)


def sheared_mapping(h: int = 12, w: int = 400) -> Mapping:
    """Pixels as near a photo's horizon: 0.5° tall, 0.002° wide (aspect about 500) and sheared by 5 columns per row.

    Elevation is linear in the pixel column: ``10 + 0.1 * column`` at the centers.
    The first corner is off the target grids, so no target point lies on a source edge.
    """
    rows, cols = np.mgrid[0 : h + 1, 0 : w + 1]
    lat_bounds, lon_bounds = SHEARED_ORIGIN[0] + 0.5 * rows, SHEARED_ORIGIN[1] + 0.002 * cols + 0.01 * rows
    lat, lon = (corner_mean(bounds) for bounds in (lat_bounds, lon_bounds))
    return Mapping(
        lat_bounds=lat_bounds, lon_bounds=lon_bounds, lat=lat, lon=lon, elevation=10.0 + 0.1 * sheared_column(lat, lon),
        image=np.zeros((h, w), dtype=np.uint8), altitude=110.0, time=TIME, camera_position=CAMERA, identifier="sheared",
    )


def corner_mean(bounds: np.ndarray) -> np.ndarray:
    return (bounds[:-1, :-1] + bounds[1:, :-1] + bounds[:-1, 1:] + bounds[1:, 1:]) / 4


def sheared_column(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    """The (fractional) pixel column of :func:`sheared_mapping` at ``lat``, ``lon``, 0 at the first pixel's center."""
    return (lon - SHEARED_ORIGIN[1] - 0.02 * (lat - SHEARED_ORIGIN[0])) / 0.002 - 0.5


def cells_inside(mapping: Mapping, result: Mapping, px_per_deg: float, polygon: np.ndarray) -> np.ndarray:
    """Which cells of ``result`` have all 4 corners inside ``polygon``."""
    box = mapping.bounding_box
    lat_grid, lon_grid = snapped_grid(box.lat_south, box.lon_west, box.lat_north, box.lon_east, (px_per_deg, px_per_deg))
    lat_edges, lon_edges = cell_edges(lat_grid, lon_grid)
    inside = points_in_polygon(*np.meshgrid(lat_edges, wrap(lon_edges), indexing="ij"), polygon)
    cells = inside[:-1, :-1] & inside[1:, :-1] & inside[:-1, 1:] & inside[1:, 1:]
    assert cells.shape == result.shape
    return cells


def test_long_sheared_pixels_leave_no_holes():
    """Each cell inside the footprint is found (for linear: with its center between the source centers),
    also where the pixel holding it is not among those with the nearest centers."""
    mapping = sheared_mapping()
    nearest = resample(mapping, px_per_deg=20, method="nearest")
    footprint = cells_inside(mapping, nearest, 20, mapping.outline)
    assert footprint.sum() > 1500
    assert_array_equal(nearest.defined, footprint)
    linear = resample(mapping, px_per_deg=20, method="linear")
    ring = np.concatenate([np.column_stack([m.lat[i], m.lon[i]]) for m, i in ((mapping, np.s_[0, :]), (mapping, np.s_[:, -1]),
                                                                            (mapping, np.s_[-1, ::-1]), (mapping, np.s_[::-1, 0]))])
    within_centers = footprint & points_in_polygon(linear.lat, linear.lon, ring)
    assert within_centers.sum() > 1400
    assert_array_equal(linear.defined, within_centers)
    expected = 10.0 + 0.1 * sheared_column(linear.lat, linear.lon)
    assert_allclose(linear.elevation[linear.defined], expected[linear.defined], atol=0.005)


def test_nearest_takes_the_value_of_the_nearest_source_center():
    mapping = circle_mapping()
    result = resample(mapping, px_per_deg=3, method="nearest")
    rows, cols = np.nonzero(result.defined)
    target = np.radians(np.column_stack([result.lat[rows, cols], result.lon[rows, cols]]))
    source_rows, source_cols = np.nonzero(mapping.defined)
    source = np.radians(np.column_stack([mapping.lat[source_rows, source_cols], mapping.lon[source_rows, source_cols]]))
    # haversine distance matrix
    dlat = target[:, None, 0] - source[None, :, 0]
    dlon = target[:, None, 1] - source[None, :, 1]
    h = np.sin(dlat / 2) ** 2 + np.cos(target[:, None, 0]) * np.cos(source[None, :, 0]) * np.sin(dlon / 2) ** 2
    nearest = np.argmin(h, axis=1)
    assert_array_equal(result.image[rows, cols], mapping.image[source_rows[nearest], source_cols[nearest]])
    assert_allclose(result.elevation[rows, cols], mapping.elevation[source_rows[nearest], source_cols[nearest]])


def test_linear_reproduces_a_field_linear_in_latitude():
    mapping = jittered_mapping(seed=4)
    elevation = 10.0 + 5.0 * (mapping.lat - 60.0)
    mapping = mapping.replace(elevation=elevation)
    result = resample(mapping, px_per_deg=8, method="linear")
    result.check_invariants()
    assert result.defined.mean() > 0.8
    assert_allclose(result.elevation[result.defined], 10.0 + 5.0 * (result.lat[result.defined] - 60.0), atol=2e-3)
    image = result.image[result.defined].astype(float)
    assert image.min() >= mapping.image.min() and image.max() <= mapping.image.max()


# -- poles ------------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["mean", "nearest", "linear"])
def test_pole_is_covered_by_a_full_circle_plate_carree_grid(method):
    mapping = polar_mapping()
    assert mapping.bounding_box.contains_pole
    result = resample(mapping, px_per_deg=(2, 1), method=method)
    result.check_invariants()
    assert is_plate_carree(result.lat_bounds, result.lon_bounds)
    lat_grid, lon_grid = fixed_grid(mapping.bounding_box, (2, 1))
    assert lat_grid[0] == 90.0
    assert result.shape[1] == 360
    centers = wrap(lon_grid[1:-1])
    assert len(np.unique(np.round(centers, 9) % 360)) == 360, "every longitude once"
    center_lat = lat_grid[1:-1]
    # the source's inscribed circle reaches down to 82°; the mean leaves holes only
    # where cells get narrower than source pixels (near the pole)
    top = 86.0 if method == "mean" else 89.0
    rows = (center_lat > 82.5) & (center_lat < top)
    assert result.defined[rows].all()


# -- plate carrée test ------------------------------------------------------------------


def regular_corners(rows=5, cols=6, lat0=60.0, lon0=170.0, dlat=-0.5, dlon=2.0):
    lat = lat0 + dlat * np.arange(rows)[:, np.newaxis] + np.zeros(cols)
    lon = wrap(lon0 + dlon * np.arange(cols)[np.newaxis, :] + np.zeros((rows, 1)))
    return lat, lon


def test_is_plate_carree_checks_every_row_and_column_in_degrees():
    lat, lon = regular_corners()
    assert is_plate_carree(lat, lon), "regular grid across the antimeridian"
    bad = lat.copy()
    bad[3, 4] += 1e-3  # not in row 0 or column 0, which is all the original looked at
    assert not is_plate_carree(bad, lon)
    bad = lon.copy()
    bad[2, 5] += 5e-5
    assert is_plate_carree(lat, bad)
    bad[2, 5] += 2e-4  # 2.5e-4° < 1e-4 rad: the original's radian tolerance let it pass
    assert not is_plate_carree(lat, bad)
    assert not is_plate_carree(lat[::-1], lon), "latitudes must decrease down the rows"
    assert not is_plate_carree(lat, lon[:, ::-1]), "longitudes must increase along the rows"
    irregular = lat.copy()
    irregular[4] -= 0.1
    assert not is_plate_carree(irregular, lon), "the latitude step must be constant"


def test_is_plate_carree_ignores_undefined_corners():
    lat, lon = regular_corners()
    lat[0, 0] = lon[0, 0] = np.nan
    lat[2, :] = lon[2, :] = np.nan
    assert is_plate_carree(lat, lon)
    assert not is_plate_carree(np.full((3, 3), np.nan), np.full((3, 3), np.nan))
