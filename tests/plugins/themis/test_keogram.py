"""Keograms along geographic and magnetic meridians."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest
from auromat_themis import keogram

from auromat_core import Mapping, get_magnetic_model


def _grid_mapping(time: datetime) -> Mapping:
    """A regular 0.25 x 0.5 degree grid, north at the top, image value = row * 100 + column."""
    h, w = 40, 30
    lat_edges = np.linspace(70.0, 60.0, h + 1)
    lon_edges = np.linspace(-150.0, -135.0, w + 1)
    lat_b, lon_b = np.meshgrid(lat_edges, lon_edges, indexing="ij")
    lat_c = (lat_edges[:-1] + lat_edges[1:]) / 2
    lon_c = (lon_edges[:-1] + lon_edges[1:]) / 2
    lat, lon = np.meshgrid(lat_c, lon_c, indexing="ij")
    rows, cols = np.indices((h, w))
    return Mapping(
        lat_bounds=lat_b, lon_bounds=lon_b, lat=lat, lon=lon, elevation=np.full((h, w), 45.0),
        image=(rows * 100 + cols).astype(np.uint16), altitude=110, time=time,
        camera_position=[0.0, 0.0, 6400.0], identifier="grid",
        metadata={"station_latitude": 65.0, "station_longitude": -142.0},
    )


def test_geographic_keogram_of_a_regular_grid_is_one_column() -> None:
    times = [datetime(2011, 1, 6, 17, 0, s) for s in (0, 3, 6)]
    mappings = [_grid_mapping(t) for t in times]
    result = keogram(mappings, meridian_lon=-141.25 + 0.1)  # inside column 17 (-141.5 .. -141.0)
    assert result.times.tolist() == times
    assert np.allclose(result.lats, np.linspace(60.125, 69.875, 40))
    expected = (np.arange(40)[::-1] * 100 + 17).astype(float)  # south (last row) first
    assert np.array_equal(result.values, np.tile(expected, (3, 1)))
    default = keogram(mappings[0])  # the station meridian -142.0 is a column border: column 15 or 16
    assert set(np.unique(default.values % 100)) <= {15.0, 16.0}
    only_middle = keogram(mappings, start=times[1], end=times[1], meridian_lon=-149.9)
    assert only_middle.times.tolist() == [times[1]] and np.all(only_middle.values % 100 == 0)


def _encoded(mapping: Mapping, values: np.ndarray) -> Mapping:
    return mapping.replace(image=np.round(np.nan_to_num(values)).astype(np.uint16))


def test_geographic_keogram_follows_the_station_meridian(sav_provider) -> None:
    mapping = sav_provider.load(0)[0]
    lon0 = mapping.metadata["station_longitude"]
    by_lon = keogram(_encoded(mapping, (mapping.lon + 180.0) * 100))
    corners = np.stack([mapping.lat_bounds[:-1, :-1], mapping.lat_bounds[:-1, 1:],
                        mapping.lat_bounds[1:, :-1], mapping.lat_bounds[1:, 1:]])
    by_low = keogram(_encoded(mapping, np.min(corners, axis=0) * 100))
    by_high = keogram(_encoded(mapping, np.max(corners, axis=0) * 100))
    filled = np.isfinite(by_lon.values[0])
    assert filled.sum() > 0.99 * filled.size
    assert by_lon.lats.min() < 62.41 - 8 and by_lon.lats.max() > 62.41 + 8
    lon = by_lon.values[0][filled] / 100 - 180
    half_width = 0.5 * np.nanmax(np.abs(np.diff(mapping.lon_bounds, axis=1)))
    assert np.all(np.abs(lon - lon0) <= half_width + 0.01)
    # every bin center lies within the latitude extent of the pixel chosen for it
    assert np.all(by_low.values[0][filled] / 100 <= by_low.lats[filled] + 0.006)
    assert np.all(by_high.values[0][filled] / 100 >= by_high.lats[filled] - 0.006)


def test_keogram_over_a_provider_period(sav_provider) -> None:
    times = list(sav_provider.times)
    result = keogram(sav_provider, times[2], times[9])
    assert result.times.astype(datetime).tolist() == times[2:10]
    assert result.values.shape == (8, result.lats.size)
    assert np.nanmax(result.values) > 0


def test_magnetic_keogram_follows_the_magnetic_meridian(sav_provider) -> None:
    mapping = sav_provider.load(0)[0]
    model = get_magnetic_model("dipole")
    mlat, mlt = model.to_magnetic(mapping.lat, mapping.lon, mapping.altitude, mapping.time)
    mlat0, mlt0 = (float(np.asarray(v).reshape(-1)[0]) for v in model.to_magnetic(
        np.array([62.41]), np.array([-145.16]), mapping.altitude, mapping.time))
    by_mlt = keogram(_encoded(mapping, mlt * 1000), magnetic=True)
    filled = np.isfinite(by_mlt.values[0])
    assert filled.sum() > 0.98 * filled.size
    assert by_mlt.lats.min() < mlat0 < by_mlt.lats.max()
    assert np.nanmax(mlat) == pytest.approx(by_mlt.lats.max(), abs=1.0)
    picked = by_mlt.values[0][filled] / 1000
    assert np.all(np.abs((picked - mlt0 + 12) % 24 - 12) * 15 * np.cos(np.radians(by_mlt.lats[filled])) < 0.7)
    geographic = keogram(_encoded(mapping, mlt * 1000))
    picked_geo = geographic.values[0][np.isfinite(geographic.values[0])] / 1000
    assert np.abs((picked_geo - mlt0 + 12) % 24 - 12).max() > 0.2  # the geographic meridian crosses MLT lines


def test_meridian_outside_the_field_of_view(sav_provider) -> None:
    from auromat_core import NoDataError

    with pytest.raises(NoDataError, match="does not cross"):
        keogram(sav_provider.load(0)[0], meridian_lon=0.0)
