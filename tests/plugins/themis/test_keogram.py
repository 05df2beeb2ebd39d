"""Keograms of the real Gakona frames along the station's geographic and magnetic meridians."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest
from auromat_themis import keogram

from auromat_core import Mapping, get_magnetic_model


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
