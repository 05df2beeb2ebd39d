"""The user guide's THEMIS steps on the real Gakona frames and skymap.

The real L1 hour (2011-01-06 17 UT) predates the only skymap here (UCalgary,
valid from 2011-03-05), so the sessions pass ``allow_later_skymap=True``.
"""

from __future__ import annotations

import functools
import os
import warnings
from collections.abc import Iterator
from datetime import datetime
from http.server import SimpleHTTPRequestHandler
from pathlib import Path

import numpy as np
import pytest
from auromat_themis import STATIONS, ThemisProvider
from scipy.io import readsav

from auromat_core import CalibrationError, NoDataError
from tests.http_server import serving
from tests.plugins.compat.figures import assert_not_blank, png_pixels

L1_NAME = "thg_l1_asf_gako_2011010617_v01.cdf"
SAV_NAME = "themis_skymap_gako_20110305-+_vXX.sav"
FRAME_TIME = datetime(2011, 1, 6, 17, 0, 3)


@pytest.fixture(scope="module")
def station(themis_fixtures: Path) -> tuple[float, float]:
    """Gakona's latitude and longitude (deg, -180..180) from the skymap file, read with scipy."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # scipy: "Not able to verify number of bytes from header"
        skymap = readsav(str(themis_fixtures / SAV_NAME))["skymap"][0]
    lat, lon = float(skymap["SITE_MAP_LATITUDE"]), float(skymap["SITE_MAP_LONGITUDE"])
    return lat, (lon + 180) % 360 - 180


@pytest.fixture(scope="module")
def themis(themis_fixtures: Path):
    from auromat.mapping.themis import ThemisMappingProvider

    folder = str(themis_fixtures)
    return ThemisMappingProvider(folder, folder, offline=True, allow_later_skymap=True)


def test_no_data_is_a_value_error(themis) -> None:
    with pytest.raises(ValueError, match=r"^No THEMIS mappings found at 2012-03-04 17:20:00 \+- 2s$") as raised:
        themis.get(datetime(2012, 3, 4, 17, 20, 0))
    assert isinstance(raised.value, NoDataError) and isinstance(raised.value, LookupError)


def test_later_skymap_needs_a_choice(themis_fixtures: Path) -> None:
    from auromat.mapping.themis import ThemisMappingProvider

    with pytest.raises(CalibrationError, match="allow_later_skymap=True"):
        ThemisMappingProvider(str(themis_fixtures), str(themis_fixtures), offline=True)


def test_collection_and_map(themis, themis_fixtures: Path, station: tuple[float, float], tmp_path: Path) -> None:
    import auromat.draw as draw
    from auromat.draw import saveFig

    mapping2 = themis.get(FRAME_TIME)
    assert len(mapping2) == 1
    member = mapping2.mappings[0]
    assert member.identifier == "gako.2011.01.06.17.00.03"
    assert abs((member.photoTime - FRAME_TIME).total_seconds()) <= 2
    # the same frame from a core provider of its own
    core = ThemisProvider(themis_fixtures, allow_later_skymap=True).get(FRAME_TIME)[0]
    box = member.boundingBox
    expected = core.bounding_box
    assert (box.latSouth, box.lonWest, box.latNorth, box.lonEast) == (
        expected.lat_south, expected.lon_west, expected.lat_north, expected.lon_east)
    assert mapping2.boundingBox == expected
    lat, lon = station
    assert box.latSouth < lat < box.latNorth and box.lonWest < lon < box.lonEast
    # counts as uint16 (h, w, 1), masked where the skymap has no pixel
    assert member.img.dtype == np.uint16 and member.img.shape == (256, 256, 1)
    np.testing.assert_array_equal(member.img.mask[:, :, 0], np.isnan(core.lat))
    assert member.elevation.max() == pytest.approx(89.71, abs=0.01)  # the skymap's highest pixel

    mapping2 = mapping2.maskedByElevation(10)
    assert mapping2.mappings[0].elevation.min() >= 10
    path = tmp_path / "map.png"
    saveFig(str(path), draw.drawStereographic(mapping2))
    assert_not_blank(png_pixels(path), 0.1)


class _Archive:
    """A THEMIS archive serving a folder (the real Gakona hour under ``thg/l1/asi``); everything else is 404."""

    def __init__(self, root: Path) -> None:
        self.requests: list[str] = []
        self.url = ""
        archive = self

        class Handler(SimpleHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                archive.requests.append(self.path)
                super().do_GET()

            def log_message(self, *args: object) -> None:
                pass

        self.handler = functools.partial(Handler, directory=str(root))


@pytest.fixture
def archive(themis_fixtures: Path, tmp_path: Path) -> Iterator[_Archive]:
    root = tmp_path / "remote"
    hour = root / "thg" / "l1" / "asi" / "gako" / "2011" / "01"
    hour.mkdir(parents=True)
    os.symlink(themis_fixtures / L1_NAME, hour / L1_NAME)
    served = _Archive(root)
    with serving(served.handler) as url:
        served.url = url
        yield served


def test_get_downloads_the_hour_first(archive: _Archive, themis_fixtures: Path, tmp_path: Path) -> None:
    from auromat.mapping.themis import ThemisMappingProvider

    l1, l2 = tmp_path / "L1", tmp_path / "L2"
    l2.mkdir()
    os.symlink(themis_fixtures / SAV_NAME, l2 / SAV_NAME)  # the user's own skymap
    themis = ThemisMappingProvider(str(l1), str(l2), baseUrl=archive.url, allow_later_skymap=True)
    assert archive.requests == []
    mapping2 = themis.get(FRAME_TIME)
    assert [m.identifier for m in mapping2] == ["gako.2011.01.06.17.00.03"]
    asked = sorted(archive.requests)
    expected_l1 = [f"/thg/l1/asi/{s}/2011/01/thg_l1_asf_{s}_2011010617_v01.cdf" for s in STATIONS]
    expected_l2 = [f"/thg/l2/asi/cal/thg_l2_asc_{s}_19700101_v01.cdf" for s in STATIONS]
    assert asked == sorted(expected_l1 + expected_l2)
    assert (l1 / expected_l1[list(STATIONS).index("gako")].lstrip("/")).is_file()
    # files now present, or known to be missing, are not asked for again
    themis.get(FRAME_TIME)
    assert len(archive.requests) == len(asked)
