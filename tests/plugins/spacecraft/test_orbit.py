"""TLE files and SGP4 positions against skyfield's independent implementation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from auromat_spacecraft.orbit import (
    Tle,
    TleFile,
    parse_tles,
    position_from_tles,
    read_tle_file,
    tle_checksum,
)
from skyfield.api import EarthSatellite, load

from auromat_core import InputError, NoDataError

PHOTO_TIME = datetime(2011, 9, 18, 11, 54, 56)


def skyfield_gcrs(tle: Tle, time: datetime) -> np.ndarray:
    timescale = load.timescale(builtin=True)
    satellite = EarthSatellite(tle.line1, tle.line2, ts=timescale)
    return satellite.at(timescale.from_datetime(time.replace(tzinfo=UTC))).position.km


def test_fixture_file_is_valid(tle_folder: Path) -> None:
    lines = (tle_folder / "25544.tle").read_text().splitlines()
    assert len(lines) == 6 and all(len(line) == 69 for line in lines)
    assert all(int(line[68]) == tle_checksum(line) for line in lines)
    tles = read_tle_file(tle_folder / "25544.tle")
    assert [t.epoch for t in tles] == [datetime(2011, 9, 17, 18), datetime(2011, 9, 18, 6), datetime(2011, 9, 18, 18)]
    assert {t.norad_id for t in tles} == {"25544"}


def test_checksum_of_a_published_iss_tle() -> None:
    # the ISS TLE printed in the sgp4 documentation (independently published)
    line1 = "1 25544U 98067A   19343.69339541  .00001764  00000-0  38792-4 0  9991"
    line2 = "2 25544  51.6439 211.2001 0007417  17.6667  85.6398 15.50103472202482"
    assert tle_checksum(line1) == 1 and tle_checksum(line2) == 2
    assert Tle(line1, line2).epoch == datetime(2019, 12, 9, 16, 38, 29, 363424)


@pytest.mark.parametrize("offset", [0.0, 30.0, -600.0, 3600.0, 5 * 3600.0])
def test_sgp4_astropy_agree_with_skyfield(tle_folder: Path, offset: float) -> None:
    tle_file = TleFile(tle_folder / "25544.tle")
    time = PHOTO_TIME + timedelta(seconds=offset)
    tle = tle_file.tle_for(time)
    assert np.linalg.norm(tle_file.position(time) - skyfield_gcrs(tle, time)) < 1.0


def test_latest_tle_before_the_time_is_used(tle_folder: Path) -> None:
    tle_file = TleFile(tle_folder / "25544.tle")
    assert tle_file.tle_for(PHOTO_TIME).epoch == datetime(2011, 9, 18, 6)
    assert tle_file.tle_for(datetime(2011, 9, 18, 6)).epoch == datetime(2011, 9, 18, 6)
    assert tle_file.tle_for(datetime(2011, 9, 18, 5, 59)).epoch == datetime(2011, 9, 17, 18)
    assert tle_file.tle_for(datetime(2011, 9, 19)).epoch == datetime(2011, 9, 18, 18)


def test_header_positions_agree_with_tle_positions(tle_folder: Path, iss_fixtures: Path) -> None:
    tle_file = TleFile(tle_folder / "25544.tle")
    for path in sorted((iss_fixtures / "seq").glob("*.wcs")):
        header = fits.getheader(path)
        time = datetime.strptime(header["DATE-OBS"], "%Y-%m-%dT%H:%M:%S.%f")
        header_position = np.array([header["POSX"], header["POSY"], header["POSZ"]])
        assert np.linalg.norm(tle_file.position(time) - header_position) < 0.1


def test_not_covered_times(tle_folder: Path) -> None:
    tle_file = TleFile(tle_folder / "25544.tle")
    assert tle_file.covers(datetime(2011, 9, 20)) and not tle_file.covers(datetime(2011, 9, 22))
    for time in (datetime(2011, 9, 17), datetime(2011, 9, 25)):
        with pytest.raises(NoDataError, match="do not cover"):
            tle_file.tle_for(time)


def test_position_from_tles_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no tle_folder"):
        position_from_tles(PHOTO_TIME, "25544", None)
    hint = r"\(auromat solve --spacetrack; when mapping, -p spacetrack=true or spacetrack= in Python\)$"
    with pytest.raises(NoDataError, match=r"25544\.tle for NORAD 25544 not found; .*" + hint):
        position_from_tles(PHOTO_TIME, "25544", tmp_path)


def test_invalid_files_name_the_line(tle_folder: Path, tmp_path: Path) -> None:
    lines = (tle_folder / "25544.tle").read_text().splitlines()
    cases = {
        "odd": lines[:3],
        "short": [lines[0][:60], lines[1]],
        "checksum": [lines[0][:68] + str((int(lines[0][68]) + 1) % 10), lines[1]],
        "order": [lines[1], lines[0]],
    }
    expected = {"odd": "even number", "short": "line 1: 60 characters", "checksum": "line 1: checksum",
                "order": "expected TLE line 1"}
    for name, content in cases.items():
        path = tmp_path / f"{name}.tle"
        path.write_text("\n".join(content) + "\n")
        with pytest.raises(InputError) as error:
            read_tle_file(path)
        assert str(path) in str(error.value) and expected[name] in str(error.value)
    empty = tmp_path / "empty.tle"
    empty.write_text("")
    with pytest.raises(NoDataError, match="empty"):
        read_tle_file(empty)


def test_parse_tles_sorts_by_epoch(tle_folder: Path) -> None:
    lines = (tle_folder / "25544.tle").read_text().splitlines()
    shuffled = lines[4:6] + lines[0:2] + lines[2:4]
    epochs = [tle.epoch for tle in parse_tles(shuffled, "test")]
    assert epochs == sorted(epochs)
