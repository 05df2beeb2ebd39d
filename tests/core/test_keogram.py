"""Keograms (auromat_core.keogram) of synthetic grids: the pixel each bin takes, the meridian, channels, collections."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest

from auromat_core import InputError, Mapping, MappingCollection, NoDataError, keogram
from auromat_core.geometry import geodetic_to_ecef, itrs_to_gcrs

TIMES = [datetime(2011, 1, 6, 17, 0, s) for s in (0, 3, 6)]


def _grid_mapping(
    time: datetime, channels: int = 1, camera: tuple[float, float] = (65.0, -142.0), lat_range: tuple[float, float] = (70.0, 60.0),
) -> Mapping:
    """A regular 0.25 x 0.5 degree grid, north at the top, value = row * 100 + column (+ 10000 per further channel)."""
    h, w = 40, 30
    lat_edges = np.linspace(*lat_range, h + 1)
    lon_edges = np.linspace(-150.0, -135.0, w + 1)
    lat_b, lon_b = np.meshgrid(lat_edges, lon_edges, indexing="ij")
    lat, lon = np.meshgrid((lat_edges[:-1] + lat_edges[1:]) / 2, (lon_edges[:-1] + lon_edges[1:]) / 2, indexing="ij")
    rows, cols = np.indices((h, w))
    image = np.stack([rows * 100 + cols + 10000 * c for c in range(channels)], axis=-1).astype(np.uint16)
    station = np.array(geodetic_to_ecef(camera[0], camera[1], 0.0))
    return Mapping(
        lat_bounds=lat_b, lon_bounds=lon_b, lat=lat, lon=lon, elevation=np.full((h, w), 45.0), image=image,
        altitude=110, time=time, camera_position=itrs_to_gcrs(station, time), identifier=f"grid{time:%S}",
    )


def test_geographic_keogram_of_a_regular_grid_is_one_column() -> None:
    mappings = [_grid_mapping(t) for t in TIMES]
    result = keogram(mappings, meridian_lon=-141.25 + 0.1)  # inside column 17 (-141.5 .. -141.0)
    assert result.times.tolist() == TIMES
    assert np.allclose(result.lats, np.linspace(60.125, 69.875, 40))
    expected = (np.arange(40)[::-1] * 100 + 17).astype(float)  # south (last row) first
    assert np.array_equal(result.values, np.tile(expected, (3, 1)))
    only_middle = keogram(mappings, start=TIMES[1], end=TIMES[1], meridian_lon=-149.9)
    assert only_middle.times.tolist() == [TIMES[1]] and np.all(only_middle.values % 100 == 0)


def test_default_meridian_is_the_camera_footpoint_else_the_median_pixel() -> None:
    at_station = keogram(_grid_mapping(TIMES[0]))  # -142.0 is the border of columns 15 and 16
    assert set(np.unique(at_station.values % 100)) <= {15.0, 16.0}
    away = keogram(_grid_mapping(TIMES[0], camera=(0.0, 30.0)))  # that meridian misses the grid: median -142.5
    assert set(np.unique(away.values % 100)) <= {14.0, 15.0}
    with pytest.raises(NoDataError, match="does not cross"):
        keogram(_grid_mapping(TIMES[0]), meridian_lon=0.0)


def test_pixels_taller_than_a_bin_fill_every_bin_they_cover() -> None:
    fine = np.arange(60.01, 70.0, 0.02)  # 500 bins, 12.5 per 0.25 degree pixel row
    result = keogram(_grid_mapping(TIMES[0]), meridian_lon=-141.2, lats=fine)
    assert np.isfinite(result.values).all()
    row = np.floor((70.0 - fine) / 0.25)  # the grid row whose extent holds each bin center
    assert np.array_equal(result.values[0], row * 100 + 17)


def test_every_image_channel_is_kept() -> None:
    result = keogram([_grid_mapping(t, channels=3) for t in TIMES], meridian_lon=-141.2)
    assert result.values.shape == (3, 40, 3)
    assert np.array_equal(result.values[..., 2] - result.values[..., 0], np.full((3, 40), 20000.0))
    with pytest.raises(InputError, match="1 image channel"):
        keogram([_grid_mapping(TIMES[0], channels=3), _grid_mapping(TIMES[1])], meridian_lon=-141.2)


def test_a_collection_of_cameras_is_one_keogram_column_per_time() -> None:
    collection = MappingCollection(
        [_grid_mapping(TIMES[0]), _grid_mapping(TIMES[0], camera=(55.0, -142.0), lat_range=(60.0, 50.0))], "two", may_overlap=False
    )
    result = keogram(collection, meridian_lon=-141.2)
    assert result.values.shape == (1, 80)
    assert np.allclose(result.lats[[0, -1]], [50.125, 69.875])
    assert np.array_equal(result.values[0, :40], np.arange(40)[::-1] * 100 + 17)  # the southern camera
    assert np.array_equal(result.values[0, 40:], np.arange(40)[::-1] * 100 + 17)


def test_nothing_in_the_period() -> None:
    with pytest.raises(NoDataError, match=f"^no mappings between {TIMES[1]} and the end for a keogram$"):
        keogram([_grid_mapping(TIMES[0])], start=TIMES[1])
    with pytest.raises(NoDataError, match="^no mappings for a keogram$"):
        keogram([])


def test_a_camera_that_moves_between_frames_gets_its_own_pixels() -> None:
    still, moved, again = (_grid_mapping(time) for time in TIMES)
    moved = moved.replace(lon_bounds=moved.lon_bounds + 1.0, lon=moved.lon + 1.0)  # one degree east: two columns
    axis = np.linspace(60.125, 69.875, 40)
    result = keogram([still, moved, again], meridian_lon=-141.2, lats=axis)
    for row, mapping in zip(result.values, [still, moved, again]):
        assert np.array_equal(row, keogram(mapping, meridian_lon=-141.2, lats=axis).values[0])
    assert np.array_equal(result.values[0] - result.values[1], np.full(40, 2.0))


def test_mappings_in_any_order_give_a_keogram_in_time_order() -> None:
    mappings = [_grid_mapping(t) for t in TIMES]
    mappings[1] = mappings[1].replace(image=mappings[1].image + 1)
    forward = keogram(mappings, meridian_lon=-141.2)
    backward = keogram(mappings[::-1], meridian_lon=-141.2)
    assert backward.times.tolist() == TIMES
    assert np.array_equal(backward.values, forward.values) and np.array_equal(backward.lats, forward.lats)
    assert np.all(forward.values[1] == forward.values[0] + 1)


@pytest.mark.parametrize(
    ("lats", "message"),
    [
        (np.linspace(69.0, 61.0, 9), "ascending"),
        ([61.0, 62.0, 64.0, 65.0], "evenly spaced, got steps from 1 to 2 degrees"),
        (np.ones((2, 3)), "1-D array of finite latitudes, got shape \\(2, 3\\)"),
        ([61.0, np.nan], "finite"),
        ("north", "latitudes in degrees"),
    ],
)
def test_latitude_bins_that_cannot_be_a_keogram_axis_are_refused(lats, message) -> None:
    with pytest.raises(InputError, match=message):
        keogram(_grid_mapping(TIMES[0]), meridian_lon=-141.2, lats=lats)
