"""GCRS -> ITRS rotation, Sun direction and camera footpoint; astropy stays offline."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
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
)
from astropy.io import fits
from astropy.time import Time
from numpy.testing import assert_allclose

from auromat_core.geometry import frames
from auromat_core.geometry.frames import (
    gcrs_position_to_geodetic,
    gcrs_to_itrs,
    gcrs_to_itrs_matrices,
    gcrs_to_itrs_matrix,
    itrs_to_gcrs,
    sun_direction_itrs,
)

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / ".." / "shared" / "fixtures"
PHOTO_TIME = datetime(2011, 9, 18, 11, 54, 56)


def test_matrix_is_a_rotation_and_cached():
    matrix = gcrs_to_itrs_matrix(PHOTO_TIME)
    assert matrix.shape == (3, 3)
    assert_allclose(matrix @ matrix.T, np.eye(3), atol=1e-15)
    assert np.linalg.det(matrix) == pytest.approx(1.0, abs=1e-14)
    assert gcrs_to_itrs_matrix(PHOTO_TIME) is matrix
    assert not matrix.flags.writeable


def test_rotation_matches_astropy_transform_of_vectors():
    rng = np.random.default_rng(0)
    vectors = rng.normal(0.0, 7000.0, (50, 3))
    obstime = Time(PHOTO_TIME, scale="utc")
    coords = SkyCoord(CartesianRepresentation(vectors.T * u.km), frame=GCRS(obstime=obstime))
    expected = coords.transform_to(ITRS(obstime=obstime)).cartesian.xyz.to_value(u.km).T
    assert_allclose(gcrs_to_itrs(vectors, PHOTO_TIME), expected, rtol=0, atol=1e-9)
    assert_allclose(itrs_to_gcrs(expected, PHOTO_TIME), vectors, rtol=0, atol=1e-9)



def _astropy_rotation(time: datetime) -> np.ndarray:
    """Columns: astropy's ITRS image of each GCRS unit vector at ``time``."""
    obstime = Time(time, scale="utc")
    coords = SkyCoord(CartesianRepresentation(np.eye(3) * u.km), frame=GCRS(obstime=obstime))
    return coords.transform_to(ITRS(obstime=obstime)).cartesian.xyz.to_value(u.km)


def _counting_evaluations(monkeypatch) -> list[int]:
    """Replace the cache with an empty one and count the times astropy is asked for."""
    monkeypatch.setattr(frames, "_ORIENTATIONS", frames._OrientationCache(frames.ORIENTATION_CACHE_SIZE))
    counts: list[int] = []
    evaluate = frames._evaluate

    def counted(times):
        counts.append(len(times))
        return evaluate(times)

    monkeypatch.setattr(frames, "_evaluate", counted)
    return counts


def test_batch_of_times_matches_astropy_per_time_and_fills_the_cache(monkeypatch):
    counts = _counting_evaluations(monkeypatch)
    times = [datetime(2011, 1, 6, 17) + timedelta(seconds=3 * i, microseconds=53_000 + 977 * i) for i in range(40)]
    matrices = gcrs_to_itrs_matrices(np.array(times, dtype="datetime64[us]"))
    assert matrices.shape == (40, 3, 3) and counts == [40]
    for index in (0, 17, 39):
        assert_allclose(matrices[index], _astropy_rotation(times[index]), rtol=0, atol=1e-14)
    # every per-time function now finds its time in the cache
    for index, time in enumerate(times):
        assert_allclose(gcrs_to_itrs_matrix(time), matrices[index], rtol=0, atol=0)
        sun = sun_direction_itrs(time)
        assert np.linalg.norm(sun) == pytest.approx(1.0, abs=1e-15)
    assert counts == [40]
    # datetimes (aware ones too) find the same entries; only new times are evaluated
    aware = [t.replace(tzinfo=UTC).astimezone(timezone(timedelta(hours=2))) for t in times[:3]]
    assert_allclose(gcrs_to_itrs_matrices(aware + [times[0] + timedelta(days=1)])[:3], matrices[:3], rtol=0, atol=0)
    assert counts == [40, 1]


def test_sun_direction_of_a_batch_equals_the_one_of_a_single_time(monkeypatch):
    times = [PHOTO_TIME + timedelta(minutes=7 * i) for i in range(5)]
    _counting_evaluations(monkeypatch)
    single = [sun_direction_itrs(time) for time in times]
    _counting_evaluations(monkeypatch)
    gcrs_to_itrs_matrices(times)
    assert_allclose([sun_direction_itrs(time) for time in times], single, rtol=0, atol=1e-15)


def test_cache_keeps_the_most_recently_used_times(monkeypatch):
    counts = _counting_evaluations(monkeypatch)
    monkeypatch.setattr(frames, "_ORIENTATIONS", frames._OrientationCache(2))
    first, second, third = (PHOTO_TIME + timedelta(seconds=i) for i in range(3))
    gcrs_to_itrs_matrices([first, second])
    gcrs_to_itrs_matrix(first)  # first is now the most recent
    gcrs_to_itrs_matrix(third)  # drops second
    gcrs_to_itrs_matrix(first)
    assert counts == [2, 1]
    gcrs_to_itrs_matrix(second)
    assert counts == [2, 1, 1]


def test_empty_batch():
    assert gcrs_to_itrs_matrices([]).shape == (0, 3, 3)

def test_matches_sscweb_reference_vector():
    # reference §12.2: SSCWeb, 2012-01-25 09:26:55, GEO (lat 50, lon -100, r 1) is J2000 (-0.62, 0.16, 0.77)
    lat, lon = np.radians(50.0), np.radians(-100.0)
    geo = [np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)]
    assert_allclose(itrs_to_gcrs(geo, datetime(2012, 1, 25, 9, 26, 55)), [-0.62, 0.16, 0.77], atol=0.006)


def test_aware_datetimes_are_converted_to_utc():
    aware = PHOTO_TIME.replace(tzinfo=UTC).astimezone(timezone(timedelta(hours=-5)))
    assert_allclose(gcrs_to_itrs_matrix(aware), gcrs_to_itrs_matrix(PHOTO_TIME), rtol=0, atol=0)
    assert_allclose(sun_direction_itrs(aware), sun_direction_itrs(PHOTO_TIME), rtol=0, atol=0)


@pytest.mark.parametrize(
    "time", [datetime(1985, 3, 1, 2, 30), PHOTO_TIME, datetime(2020, 12, 21, 23, 59, 59), datetime(2029, 6, 1, 18)]
)
def test_sun_direction_matches_low_precision_almanac_formula(time):
    # Astronomical Almanac low-precision Sun (~0.01 deg) and GMST: independent of astropy
    n = (time - datetime(2000, 1, 1, 12)).total_seconds() / 86400.0
    mean_lon = 280.460 + 0.9856474 * n
    anomaly = np.radians(357.528 + 0.9856003 * n)
    ecliptic_lon = np.radians(mean_lon + 1.915 * np.sin(anomaly) + 0.020 * np.sin(2 * anomaly))
    obliquity = np.radians(23.439 - 0.0000004 * n)
    ra = np.arctan2(np.cos(obliquity) * np.sin(ecliptic_lon), np.cos(ecliptic_lon))
    dec = np.arcsin(np.sin(obliquity) * np.sin(ecliptic_lon))
    gmst = np.radians(15.0 * (18.697374558 + 24.06570982441908 * n))
    lon = ra - gmst
    expected = [np.cos(dec) * np.cos(lon), np.cos(dec) * np.sin(lon), np.sin(dec)]
    sun = sun_direction_itrs(time)
    assert np.linalg.norm(sun) == pytest.approx(1.0, abs=1e-15)
    assert np.degrees(np.arccos(np.clip(np.dot(sun, expected), -1, 1))) < 0.02


def test_camera_footpoint_matches_astropy_earth_location():
    header = fits.getheader(FIXTURES / "iss" / "ISS029-E-8492.wcs")
    position = np.array([header["POSX"], header["POSY"], header["POSZ"]])
    when = datetime.fromisoformat(header["DATE-OBS"])
    obstime = Time(when, scale="utc")
    itrs = SkyCoord(CartesianRepresentation(position * u.km), frame=GCRS(obstime=obstime)).transform_to(
        ITRS(obstime=obstime)
    )
    expected = EarthLocation.from_geocentric(*itrs.cartesian.xyz).to_geodetic("WGS84")
    lat, lon, height = gcrs_position_to_geodetic(position, when)
    assert lat == pytest.approx(expected.lat.deg, abs=1e-9)
    assert lon == pytest.approx(expected.lon.deg, abs=1e-9)
    assert height == pytest.approx(expected.height.to_value(u.km), abs=1e-6)
    assert 350.0 < height < 420.0  # the ISS in 2011
    stacked = gcrs_position_to_geodetic(np.stack([position, position]), when)
    assert_allclose(stacked[0], [lat, lat])


_OFFLINE_SCRIPT = r"""
import json, logging, socket, warnings
from datetime import datetime

import numpy as np

attempts = []
def refuse(*args, **kwargs):
    attempts.append(repr(args[:2]))
    raise OSError("network disabled by test")
socket.socket.connect = refuse
socket.create_connection = refuse
socket.getaddrinfo = refuse

records = []
class Collect(logging.Handler):
    def emit(self, record):
        records.append(record.getMessage())
logging.getLogger().addHandler(Collect())
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    from auromat_core.geometry import frames
    results = {}
    for time in (datetime(2026, 11, 20, 12), datetime(2029, 6, 1)):
        matrix = frames.gcrs_to_itrs_matrix(time)
        sun = frames.sun_direction_itrs(time)
        results[time.isoformat()] = [float(abs(matrix @ matrix.T - np.eye(3)).max()), [float(v) for v in sun]]
offline = {"attempts": list(attempts), "warnings": [str(w.message) for w in caught], "logs": records,
           "results": results}

# control: astropy's own defaults would go online for the same kind of date
from astropy.utils import iers
attempts.clear()
iers.IERS_Auto.iers_table = None
frames._ORIENTATIONS.clear()
with iers.conf.set_temp("auto_download", True), iers.conf.set_temp("auto_max_age", 30), warnings.catch_warnings():
    warnings.simplefilter("ignore")
    try:
        frames.gcrs_to_itrs_matrix(datetime(2027, 6, 1))
    except Exception:
        pass
offline["control_attempts"] = len(attempts)
print(json.dumps(offline))
"""


def test_astropy_never_goes_online_for_recent_or_future_dates():
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    done = subprocess.run(
        [sys.executable, "-c", _OFFLINE_SCRIPT], env=env, capture_output=True, text=True, timeout=120, check=True
    )
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["attempts"] == []
    messages = " ".join(report["warnings"] + report["logs"]).lower()
    assert "download" not in messages
    assert "failed" not in messages
    for error, sun in report["results"].values():
        assert error < 1e-15
        assert np.linalg.norm(sun) == pytest.approx(1.0)
    assert report["control_attempts"] > 0  # the detector does see astropy's download attempts


def test_apparent_directions_are_astropy_gcrs_directions_of_distant_stars():
    """The annual aberration of erfa.ab against astropy's ICRS -> GCRS (which adds the Sun's light deflection, < 20 mas here)."""
    from astropy.coordinates import GCRS, SkyCoord, get_sun

    from auromat_core.geometry import ANNUAL_ABERRATION_MAX_RAD, apparent_directions

    time = datetime(2011, 9, 18, 11, 54, 56)
    rng = np.random.default_rng(3)
    stars = SkyCoord(rng.uniform(0, 360, 400) * u.deg, np.degrees(np.arcsin(rng.uniform(-1, 1, 400))) * u.deg, frame="icrs")
    astropy_time = Time(time, scale="utc")
    stars = stars[stars.separation(get_sun(astropy_time).transform_to("icrs")).deg > 45]
    catalogue = stars.cartesian.xyz.value.T
    seen = SkyCoord(stars.ra, stars.dec, distance=1e9 * u.pc, frame="icrs").transform_to(GCRS(obstime=astropy_time))
    expected = seen.cartesian.xyz.value.T / np.linalg.norm(seen.cartesian.xyz.value.T, axis=1, keepdims=True)
    apparent = apparent_directions(catalogue, time)
    arcsec = lambda a, b: np.degrees(2 * np.arcsin(np.linalg.norm(a - b, axis=1) / 2)) * 3600  # noqa: E731
    assert arcsec(apparent, expected).max() < 0.02
    shift = arcsec(apparent, catalogue)
    assert shift.max() > 19.0 and shift.max() < np.degrees(ANNUAL_ABERRATION_MAX_RAD) * 3600
    assert np.isnan(apparent_directions(np.full((2, 3), np.nan), time)).all()
