"""map_photo on the real ISS029-E-8492 against an independent per-point astropy computation."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import astropy.units as u
import numpy as np
import pytest
from astropy.coordinates import (
    GCRS,
    ITRS,
    CartesianRepresentation,
    EarthLocation,
    SkyCoord,
    get_body_barycentric_posvel,
)
from astropy.io import fits
from astropy.time import Time
from auromat_spacecraft.mapping import map_photo, resolve_pose
from auromat_spacecraft.orbit import read_tle_file
from auromat_spacecraft.wcs import WcsSolution, read_header
from skyfield.api import EarthSatellite, load

from auromat_core import SOLUTION_PATH_KEY, InputError, NoDataError, WcsError
from tests.conftest import astropy_wcs

WGS84_A = 6378.137
WGS84_B = WGS84_A * (1 - 1 / 298.257223563)


def aberrated(directions: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """Directions (n, 3) seen by an observer moving at ``beta`` (velocity / c): special-relativistic aberration.

    The lines of sight of a photo's pixels in the geocentric frame are the catalogue
    directions its WCS gives, seen from the moving Earth (the annual aberration).
    """
    gamma = 1.0 / np.sqrt(1.0 - beta @ beta)
    along = directions @ beta
    seen = (directions / gamma + beta[None, :] * (1.0 + gamma * along / (1.0 + gamma))[:, None]) / (1.0 + along)[:, None]
    return seen / np.linalg.norm(seen, axis=1, keepdims=True)


def reference_mapping(header: fits.Header, x: np.ndarray, y: np.ndarray, altitude: float) -> tuple[np.ndarray, ...]:
    """lat, lon, elevation per pixel from astropy alone (no auromat code)."""
    ra, dec = astropy_wcs(header).all_pix2world(x, y, 0)
    time = Time(datetime.strptime(header["DATE-OBS"], "%Y-%m-%dT%H:%M:%S.%f"), scale="utc")
    camera_gcrs = np.array([header["POSX"], header["POSY"], header["POSZ"]])
    catalogue = SkyCoord(ra * u.deg, dec * u.deg, frame="icrs").cartesian.xyz.value.T
    sky = aberrated(catalogue, get_body_barycentric_posvel("earth", time)[1].xyz.to_value(u.km / u.s) / 299792.458)
    points = camera_gcrs + 1000.0 * sky  # 1000 km along each line of sight
    to_itrs = lambda p: GCRS(CartesianRepresentation(p.T * u.km), obstime=time).transform_to(  # noqa: E731
        ITRS(obstime=time)).cartesian.xyz.to_value(u.km).T
    camera = to_itrs(camera_gcrs[None])[0]
    direction = to_itrs(points) - camera
    direction /= np.linalg.norm(direction, axis=1, keepdims=True)
    # closed-form first intersection with the ellipsoid (a+h, a+h, b+h)
    scale = np.array([1 / (WGS84_A + altitude)] * 2 + [1 / (WGS84_B + altitude)])
    o, d = camera * scale, direction * scale
    qa, qb, qc = (d * d).sum(1), (o * d).sum(1), (o * o).sum() - 1
    with np.errstate(invalid="ignore"):
        t = (-qb - np.sqrt(qb * qb - qa * qc)) / qa
    hits = t >= 0
    hit = camera + t[hits, None] * direction[hits]
    location = EarthLocation.from_geocentric(hit[:, 0] * u.km, hit[:, 1] * u.km, hit[:, 2] * u.km)
    geodetic = location.to_geodetic("WGS84")
    lat, lon = np.full(len(t), np.nan), np.full(len(t), np.nan)
    lat[hits], lon[hits] = geodetic.lat.to_value(u.deg), geodetic.lon.to_value(u.deg)
    phi, lam = np.radians(lat), np.radians(lon)
    normal = np.stack([np.cos(phi) * np.cos(lam), np.cos(phi) * np.sin(lam), np.sin(phi)], axis=1)
    elevation = np.degrees(np.arcsin(np.abs((normal * direction).sum(1))))
    return lat, lon, elevation


def test_centers_equal_independent_astropy(iss_mapping, iss_wcs: Path) -> None:
    rows, columns = np.meshgrid(np.arange(5, 2832, 31), np.arange(3, 4256, 61), indexing="ij")
    rows, columns = rows.ravel(), columns.ravel()
    lat, lon, elevation = reference_mapping(read_header(iss_wcs), columns.astype(float), rows.astype(float), 110.0)
    defined = np.isfinite(lat)
    assert defined.sum() >= 1000
    mapped = np.isfinite(iss_mapping.lat[rows, columns])
    assert not (mapped & ~defined).any()
    # a hit center is masked only at the limb, where one of its corners misses (masking invariant)
    corners = iss_mapping.lat_bounds
    limb = defined & ~mapped
    assert limb.sum() < 10
    for row, column in zip(rows[limb], columns[limb]):
        assert np.isnan(corners[row : row + 2, column : column + 2]).any()
    defined &= mapped
    assert defined.sum() >= 1000
    assert np.abs(iss_mapping.lat[rows, columns][defined] - lat[defined]).max() < 1e-6
    lon_error = (iss_mapping.lon[rows, columns][defined] - lon[defined] + 180) % 360 - 180
    assert np.abs(lon_error).max() < 1e-6
    assert np.abs(iss_mapping.elevation[rows, columns][defined] - elevation[defined]).max() < 1e-6


def test_corners_equal_independent_astropy(iss_mapping, iss_wcs: Path) -> None:
    rows, columns = np.meshgrid(np.arange(1400, 2833, 37), np.arange(0, 4257, 111), indexing="ij")
    rows, columns = rows.ravel(), columns.ravel()
    lat, lon, _ = reference_mapping(read_header(iss_wcs), columns - 0.5, rows - 0.5, 110.0)
    mapped = iss_mapping.lat_bounds[rows, columns]
    both = np.isfinite(mapped) & np.isfinite(lat)
    assert both.sum() >= 1000
    # corners may only be undefined where the reference has no hit or no adjacent center is defined
    assert not (np.isfinite(mapped) & ~np.isfinite(lat)).any()
    assert np.abs(mapped[both] - lat[both]).max() < 1e-6
    lon_error = (iss_mapping.lon_bounds[rows, columns][both] - lon[both] + 180) % 360 - 180
    assert np.abs(lon_error).max() < 1e-6


def test_column_2000_bottom_mapped_top_in_sky(iss_mapping) -> None:
    assert np.isfinite(iss_mapping.lat[-1, 2000])
    assert np.isnan(iss_mapping.lat[0, 2000])
    assert np.isfinite(iss_mapping.lat_bounds[-1, 2000]) and np.isnan(iss_mapping.lat_bounds[0, 2000])


def test_mapping_properties(iss_mapping) -> None:
    iss_mapping.check_invariants()
    assert iss_mapping.identifier == "ISS029-E-8492"
    assert iss_mapping.time == datetime(2011, 9, 18, 11, 54, 56)
    assert iss_mapping.altitude == 110.0
    assert iss_mapping.image.shape == (2832, 4256, 3) and iss_mapping.image.dtype == np.uint8
    elevation = iss_mapping.elevation[iss_mapping.defined]
    assert 0 <= elevation.min() and elevation.max() <= 90
    box = iss_mapping.bounding_box
    lat, lon = iss_mapping.lat_bounds, iss_mapping.lon_bounds
    # the footprint does not cross the antimeridian: the box is the plain extent of the corners
    assert box.lat_south == pytest.approx(np.nanmin(lat), abs=1e-9)
    assert box.lat_north == pytest.approx(np.nanmax(lat), abs=1e-9)
    assert box.lon_west == pytest.approx(np.nanmin(lon), abs=1e-9)
    assert box.lon_east == pytest.approx(np.nanmax(lon), abs=1e-9)
    assert box.lat_south < iss_mapping.centroid.lat < box.lat_north
    assert box.lon_west < iss_mapping.centroid.lon < box.lon_east


def test_array_image_and_identifier(iss_image, iss_wcs: Path) -> None:
    mapping = map_photo(iss_image[:, :, :1], iss_wcs, altitude=0.0, metadata={"mission": "ISS029"})
    assert mapping.identifier == "ISS029-E-8492"
    assert mapping.metadata == {"mission": "ISS029", SOLUTION_PATH_KEY: str(iss_wcs.resolve())}, "the solution file is named"
    with_header = map_photo(iss_image[:, :, :1], read_header(iss_wcs), altitude=0.0, identifier="from-header")
    assert with_header.metadata == {}, "a header read elsewhere names no file"
    assert mapping.image.shape == (2832, 4256, 1)
    assert mapping.altitude == 0.0


def test_size_mismatch_names_image_and_wcs(iss_wcs: Path) -> None:
    with pytest.raises(WcsError) as error:
        map_photo(np.zeros((2832, 4000, 3), np.uint8), iss_wcs)
    assert "IMAGEW" in str(error.value) and str(iss_wcs) in str(error.value)


# -- time and position resolution (reference §3.3) ------------------------------------


def skyfield_position(tle_folder: Path, time: datetime) -> np.ndarray:
    tles = read_tle_file(tle_folder / "25544.tle")
    tle = [t for t in tles if t.epoch <= time][-1]
    timescale = load.timescale(builtin=True)
    satellite = EarthSatellite(tle.line1, tle.line2, ts=timescale)
    return satellite.at(timescale.from_datetime(time.replace(tzinfo=UTC))).position.km


def test_header_position_is_used(iss_wcs: Path, tle_folder: Path) -> None:
    pose = resolve_pose(WcsSolution.from_file(iss_wcs), tle_folder=tle_folder)
    assert pose.source == "header" and pose.time == pose.original_time == datetime(2011, 9, 18, 11, 54, 56)
    np.testing.assert_array_equal(pose.position, [3631.092688542516, -2155.308046530645, -5284.393739145378])


def test_timeshift_takes_position_from_orbit(iss_wcs: Path, tle_folder: Path) -> None:
    pose = resolve_pose(WcsSolution.from_file(iss_wcs), timeshift=timedelta(seconds=-13), tle_folder=tle_folder)
    assert pose.source == "tle" and pose.time == datetime(2011, 9, 18, 11, 54, 43)
    assert pose.original_time == datetime(2011, 9, 18, 11, 54, 56)
    assert np.linalg.norm(pose.position - skyfield_position(tle_folder, pose.time)) < 1.0
    # 13 s of ISS motion: about 100 km from the header position
    assert 90 < np.linalg.norm(pose.position - WcsSolution.from_file(iss_wcs).position) < 110


def test_shifted_header_values(iss_wcs: Path) -> None:
    header = read_header(iss_wcs)
    header["DATESHIF"] = 3.0
    header["POSXSHIF"], header["POSYSHIF"], header["POSZSHIF"] = 3644.5, -2136.7, -5282.7
    pose = resolve_pose(WcsSolution(header))
    assert pose.source == "header (shifted)" and pose.time == datetime(2011, 9, 18, 11, 54, 59)
    np.testing.assert_array_equal(pose.position, [3644.5, -2136.7, -5282.7])


def test_date_shift_without_shifted_position(iss_wcs: Path, tle_folder: Path) -> None:
    header = read_header(iss_wcs)
    header["DATESHIF"] = -13.0
    pose = resolve_pose(WcsSolution(header), tle_folder=tle_folder)
    assert pose.source == "tle" and pose.time == datetime(2011, 9, 18, 11, 54, 43)
    assert np.linalg.norm(pose.position - skyfield_position(tle_folder, pose.time)) < 1.0
    with pytest.raises(InputError) as error:
        resolve_pose(WcsSolution(header, "shifted.wcs"))
    assert "shifted.wcs" in str(error.value) and "DATESHIF" in str(error.value)


def test_missing_position_comes_from_tles(iss_wcs: Path, tle_folder: Path, caplog) -> None:
    header = read_header(iss_wcs)
    for key in ("POSX", "POSY", "POSZ", "NORADID"):
        header.remove(key)
    with caplog.at_level(logging.WARNING):
        pose = resolve_pose(WcsSolution(header), tle_folder=tle_folder)
    assert "POSX/POSY/POSZ" in caplog.text and "25544" in caplog.text
    assert pose.source == "tle"
    # the header position (original toolkit, PyEphem) and ours agree closely
    assert np.linalg.norm(pose.position - np.array([3631.092688542516, -2155.308046530645, -5284.393739145378])) < 0.1


def test_missing_position_without_tle_folder(iss_wcs: Path) -> None:
    header = read_header(iss_wcs)
    header.remove("POSX"), header.remove("POSY"), header.remove("POSZ")
    with pytest.raises(InputError, match="tle_folder"):
        resolve_pose(WcsSolution(header))


def test_tle_file_not_covering(iss_wcs: Path, tle_folder: Path) -> None:
    with pytest.raises(NoDataError, match="do not cover"):
        resolve_pose(WcsSolution.from_file(iss_wcs), timeshift=timedelta(days=-30), tle_folder=tle_folder)
    with pytest.raises(NoDataError, match="99999.tle"):
        resolve_pose(WcsSolution.from_file(iss_wcs), timeshift=1.0, norad_id=99999, tle_folder=tle_folder)
    with pytest.raises(NoDataError, match="99999.tle"):
        resolve_pose(WcsSolution.from_file(iss_wcs), timeshift=1.0, norad_id="99999", tle_folder=tle_folder)


@pytest.mark.parametrize("norad_id", ["abc", 25544.7, True, [25544]])
def test_a_norad_id_that_is_no_catalogue_number_is_one_clear_error(iss_wcs: Path, tle_folder: Path, norad_id) -> None:
    expected = rf"^norad_id must be a NORAD catalogue number \(a positive whole number such as 25544\), got {re.escape(repr(norad_id))}$"
    with pytest.raises(InputError, match=expected):
        resolve_pose(WcsSolution.from_file(iss_wcs), timeshift=1.0, norad_id=norad_id, tle_folder=tle_folder)


def test_timeshift_mapping_uses_shifted_time(iss_image, iss_wcs: Path, tle_folder: Path) -> None:
    image = iss_image[:, :, :1]
    mapping = map_photo(image, iss_wcs, timeshift=-13.0, tle_folder=tle_folder)
    assert mapping.time == datetime(2011, 9, 18, 11, 54, 43)
    np.testing.assert_allclose(mapping.camera_position, skyfield_position(tle_folder, mapping.time), atol=1.0)
