"""Mappings of the real Gakona frames: calibrated grids, reprojection, camera, image values."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from auromat_themis import ThemisProvider

STATION = (62.41, 214.84, 0.0)  # lat, lon (deg E), height (m) from the skymap file


def _corner_any(center: np.ndarray) -> np.ndarray:
    corner = np.zeros((center.shape[0] + 1, center.shape[1] + 1), bool)
    for dy in (0, 1):
        for dx in (0, 1):
            corner[dy:dy + center.shape[0], dx:dx + center.shape[1]] |= center
    return corner


def _four(corner: np.ndarray) -> np.ndarray:
    return corner[:-1, :-1] & corner[:-1, 1:] & corner[1:, :-1] & corner[1:, 1:]


@pytest.fixture(scope="module")
def unmasked(themis_fixtures: Path):
    return ThemisProvider(themis_fixtures, allow_later_skymap=True, min_elevation=None).load(0)[0]


def test_corners_at_110_km_are_the_calibrated_grid(unmasked, sav) -> None:
    lat, lon = sav["FULL_MAP_LATITUDE"][1].astype(np.float64), sav["FULL_MAP_LONGITUDE"][1].astype(np.float64)
    assert unmasked.identifier == "gako.2011.01.06.17.00.00" and unmasked.altitude == 110
    assert np.array_equal(unmasked.lat_bounds, lat, equal_nan=True)
    assert np.array_equal(np.isnan(unmasked.lon_bounds), np.isnan(lon))
    defined = np.isfinite(lon)
    assert np.array_equal(unmasked.lon_bounds[defined] % 360.0, lon[defined])
    assert int(defined.sum()) == 49292


def test_default_mask_below_one_degree(sav_provider, sav) -> None:
    mapping = sav_provider.load(0)[0]
    elevation = sav["FULL_ELEVATION"].astype(np.float64)
    lat = sav["FULL_MAP_LATITUDE"][1].astype(np.float64)
    with np.errstate(invalid="ignore"):
        kept = (elevation >= 1.0) & _four(np.isfinite(lat))
    assert mapping.defined.sum() == kept.sum() - 1  # one pixel of this frame is FILLVAL 65535
    assert np.nanmin(mapping.elevation) >= 1.0
    assert np.array_equal(mapping.elevation[mapping.defined], elevation[mapping.defined])
    expected_corners = _corner_any(mapping.defined)
    assert np.array_equal(np.isfinite(mapping.lat_bounds), expected_corners)
    assert np.array_equal(mapping.lat_bounds[expected_corners], lat[expected_corners])
    mapping.check_invariants()


def test_fill_value_pixels_are_undefined(sav_provider, raw_frames) -> None:
    frames, _ = raw_frames
    mapping = sav_provider.load(0)[0]
    fill = frames[0][::-1, ::-1] == 65535
    assert fill.sum() == 1
    assert not mapping.defined[fill].any()


def test_calibration_values_and_station(sav_provider) -> None:
    mapping = sav_provider.load(0)[0]
    meta = mapping.metadata
    assert (meta["station_latitude"], meta["station_longitude"]) == (62.41, -145.16), "as the skymap writes them"
    assert meta["image_orientation"].startswith("skymap orientation, the L1 frame rotated by 180 degrees")
    assert meta["time_meaning"] == "start of the exposure"
    assert meta["skymap_file"] == "themis_skymap_gako_20110305-+_vXX.sav" and meta["skymap_valid_at_time"] is False
    assert meta["site"] == "gako" and meta["site_name"] == "Gakona"


def test_the_exposure_duration_is_in_the_metadata(sav_provider, l1_file) -> None:
    from spacepy import pycdf

    with pycdf.CDF(str(l1_file)) as cdf:
        expected = cdf["thg_asf_gako_tend"][...] - cdf["thg_asf_gako_time"][...]
    exposures = [step[0].metadata["exposure_seconds"] for step in sav_provider.sequence()]
    assert exposures == pytest.approx(np.round(expected, 3).tolist(), abs=1e-9)
    assert 0.9 < min(exposures) and max(exposures) < 1.0


def test_camera_is_the_station_in_gcrs(sav_provider) -> None:
    import astropy.units as u
    from astropy.coordinates import EarthLocation
    from astropy.time import Time

    for index in (0, 22):
        mapping = sav_provider.load(index)[0]
        location = EarthLocation.from_geodetic(STATION[1] * u.deg, STATION[0] * u.deg, STATION[2] * u.m)
        expected = location.get_gcrs(Time(mapping.time, scale="utc")).cartesian.xyz.to_value(u.km)
        assert np.allclose(mapping.camera_position, expected, atol=1e-4)  # 10 cm (float32 station)


def test_centers_lie_inside_their_corners(sav_provider) -> None:
    mapping = sav_provider.load(0)[0]
    lat_b, lon_b = mapping.lat_bounds, mapping.lon_bounds
    mean_lat = (lat_b[:-1, :-1] + lat_b[:-1, 1:] + lat_b[1:, :-1] + lat_b[1:, 1:]) / 4
    mean_lon = (lon_b[:-1, :-1] + lon_b[:-1, 1:] + lon_b[1:, :-1] + lon_b[1:, 1:]) / 4
    high = mapping.defined & (mapping.elevation > 10)
    assert np.abs(mapping.lat - mean_lat)[high].max() < 0.01
    assert np.abs(mapping.lon - mean_lon)[high].max() < 0.01


def _independent_corners(sav, altitude_km: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """pymap3d: station -> 110 km calibrated corner gives az/el; the ray meets the ellipsoid inflated by altitude."""
    import pymap3d

    lat0, lon0, h0 = STATION
    lat110 = sav["FULL_MAP_LATITUDE"][1].astype(np.float64)
    lon110 = sav["FULL_MAP_LONGITUDE"][1].astype(np.float64)
    az, el, _ = pymap3d.geodetic2aer(lat110, lon110, 110e3, lat0, lon0, h0)
    origin = np.array(pymap3d.geodetic2ecef(lat0, lon0, h0))
    ahead = np.array(pymap3d.aer2ecef(az, el, 1000.0, lat0, lon0, h0))
    direction = ahead - origin[:, None, None]
    ell = pymap3d.Ellipsoid.from_name("wgs84")
    a, b = ell.semimajor_axis + altitude_km * 1e3, ell.semiminor_axis + altitude_km * 1e3
    scale = np.array([1 / a, 1 / a, 1 / b])[:, None, None]
    o, d = origin[:, None, None] * scale, direction * scale
    qa, qb, qc = (d * d).sum(0), (o * d).sum(0), (o * o).sum(0) - 1.0
    t = (-qb + np.sqrt(qb * qb - qa * qc)) / qa
    lat, lon, _ = pymap3d.ecef2geodetic(*(origin[:, None, None] + t * direction))
    return lat, lon, el


def test_reprojection_at_120_km_matches_an_independent_computation(themis_fixtures: Path, sav) -> None:
    mapping = ThemisProvider(themis_fixtures, altitude=120, allow_later_skymap=True).load(0)[0]
    lat, lon, el = _independent_corners(sav, 120.0)
    check = np.isfinite(mapping.lat_bounds) & (el > 10)
    assert check.sum() > 30000
    assert np.abs(mapping.lat_bounds - lat)[check].max() < 0.01
    assert np.abs((mapping.lon_bounds - lon + 180) % 360 - 180)[check].max() < 0.01
    # the same reprojection at 110 km gives back the calibrated grid
    lat110, _, _ = _independent_corners(sav, 110.0)
    assert np.nanmax(np.abs(lat110 - sav["FULL_MAP_LATITUDE"][1])[el > 10]) < 1e-4
    # at 120 km the grid lies farther out than at 110 km
    station_lat = STATION[0]
    far = check & (mapping.lat_bounds > station_lat + 2)
    assert np.all(mapping.lat_bounds[far] > sav["FULL_MAP_LATITUDE"][1][far])


def test_reprojection_reproduces_the_other_calibrated_heights(themis_fixtures: Path, sav) -> None:
    """150 km computed from the 110 km grid (altitude 150.001) agrees with the stored 150 km grid."""
    mapping = ThemisProvider(themis_fixtures, altitude=150.001, allow_later_skymap=True).load(0)[0]
    stored = sav["FULL_MAP_LATITUDE"][2].astype(np.float64)
    check = np.isfinite(mapping.lat_bounds)
    assert np.abs(mapping.lat_bounds - stored)[check].max() < 1e-3


def test_synthetic_l2_gives_exactly_the_same_mapping(themis_fixtures: Path, l2_dir: Path) -> None:
    for altitude in (110.0, 120.0):
        from_sav = ThemisProvider(themis_fixtures, altitude=altitude, allow_later_skymap=True).load(5)[0]
        from_l2 = ThemisProvider(themis_fixtures, skymap_dir=l2_dir, altitude=altitude, allow_later_skymap=True).load(5)[0]
        assert from_l2.metadata["skymap_file"] == "thg_l2_asc_gako_19700101_v01.cdf"
        for name in ("lat_bounds", "lon_bounds", "lat", "lon", "elevation", "image", "camera_position"):
            assert np.array_equal(getattr(from_sav, name), getattr(from_l2, name), equal_nan=True), (altitude, name)


def test_offset_is_subtracted_without_wrap_around(sav_provider, raw_frames) -> None:
    frames, _ = raw_frames
    mapping = sav_provider.load(0)[0]
    assert mapping.image.dtype == np.uint16 and mapping.image.shape == (256, 256, 1)
    raw = frames[0][::-1, ::-1].astype(np.int64)
    expected = np.clip(raw - 2500, 0, None)
    defined = mapping.defined
    assert np.array_equal(mapping.image[..., 0][defined], expected[defined])
    dark = raw < 2500  # the unlit corners outside the field of view
    assert dark.sum() > 1000 and np.all(mapping.image[..., 0][dark] == 0)
    assert np.array_equal(mapping.image[..., 0][~fill_of(frames[0])], expected[~fill_of(frames[0])])


def fill_of(frame: np.ndarray) -> np.ndarray:
    return frame[::-1, ::-1] == 65535


def test_display_brightness_rules(themis_fixtures: Path, sav_provider) -> None:
    counts = sav_provider.load(0)[0]
    original = ThemisProvider(themis_fixtures, allow_later_skymap=True, brightness="original").load(0)[0]
    values = counts.image[..., 0].astype(np.float64)
    defined = counts.defined
    median = np.median(values[defined][values[defined] > 1])
    expected = np.minimum(255, values / median * 64).astype(np.uint8)
    assert original.image.dtype == np.uint8
    assert np.array_equal(original.image[..., 0][defined], expected[defined])
    stretched = ThemisProvider(themis_fixtures, allow_later_skymap=True, brightness="percentile", percentiles=(5, 95)).load(0)[0]
    low, high = np.percentile(values[defined], [5, 95])
    image = stretched.image[..., 0]
    assert np.all(image[defined & (values <= low)] == 0) and np.all(image[defined & (values >= high)] == 255)
    middle = defined & (values > low) & (values < high)
    assert np.all(np.abs(image[middle] - (values[middle] - low) * 255 / (high - low)) <= 0.5 + 1e-9)


def test_bytscl_between_bounds() -> None:
    from auromat_themis.brightness import scale_original

    counts = np.array([0.0, 50.0, 100.0, 150.0, 400.0])
    assert scale_original(counts, minimum=50, maximum=150).tolist() == [0, 0, 127, 255, 255]
    assert scale_original(counts, maximum=100).tolist() == [0, 127, 255, 255, 255]  # minimum from the data
    assert scale_original(counts, minimum=400).tolist() == [0, 0, 0, 0, 0]  # all at or below the minimum
    assert scale_original(counts, minimum=500).tolist() == [0, 0, 0, 0, 0]
    assert scale_original(counts, maximum=0).tolist() == [255, 255, 255, 255, 255]  # all at or above the maximum
    assert scale_original(counts, np.array([False, True, True, True, False]), maximum=40).tolist() == [0, 255, 255, 255, 0]


def test_mapping_time_is_the_exposure_start(sav_provider) -> None:
    mapping = sav_provider.load(1)[0]
    assert mapping.time == datetime(2011, 1, 6, 17, 0, 3, 38000)
