"""THEMIS skymaps: the UCalgary .sav reader, the L2 CDF reader, and the choice of skymap."""

from __future__ import annotations

import logging
import os
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from auromat_themis import (
    SkymapCatalog,
    ThemisProvider,
    read_l2,
    read_l2_infos,
    read_ucalgary,
)
from auromat_themis import skymap as skymap_module

from auromat_core import CalibrationError
from tests.plugins.themis.synthetic import write_l2_skymap

FRAME_TIME = datetime(2011, 1, 6, 17, 0, 0, 53000)


def test_ucalgary_skymap_values_as_stored(sav_file: Path) -> None:
    skymap = read_ucalgary(sav_file)
    assert skymap.elevation[29, 161] == np.float32(15.458)
    assert skymap.azimuth[29, 161] == np.float32(1.6255488)
    assert round(float(np.nanmax(skymap.elevation)), 2) == 89.71
    assert skymap.heights_km.tolist() == [90.0, 110.0, 150.0]
    assert int(np.isfinite(skymap.corner_lat[1]).sum()) == 49292
    assert np.array_equal(np.isfinite(skymap.corner_lat), np.isfinite(skymap.corner_lon))
    assert skymap.station_lat == pytest.approx(62.41, abs=1e-5)
    assert skymap.station_lon == pytest.approx(214.84 - 360.0, abs=1e-5)
    assert skymap.station_alt_km == 0.0
    assert np.all(skymap.subtract == 2500) and np.all(skymap.multiply == 1.0)
    assert skymap.shape == (256, 256)
    info = skymap.info
    assert (info.site, info.kind, info.valid_from, info.valid_until) == ("gako", "ucalgary", datetime(2011, 3, 5, 8), None)
    assert info.generated == "Thu May 03 12:01:05 2012"


def test_ucalgary_longitudes_are_wrapped_not_changed(sav_file: Path, sav) -> None:
    skymap = read_ucalgary(sav_file)
    stored = sav["FULL_MAP_LONGITUDE"].astype(np.float64)
    defined = np.isfinite(stored)
    assert np.nanmin(stored) > 180  # stored as degrees east 0..360
    assert np.all((skymap.corner_lon[defined] >= -180) & (skymap.corner_lon[defined] < 180))
    assert np.array_equal(skymap.corner_lon[defined] + 360.0, stored[defined])


def test_synthetic_l2_holds_the_sav_numbers_rotated(l2_dir: Path, sav) -> None:
    import cdflib

    path = l2_dir / "thg_l2_asc_gako_19700101_v01.cdf"
    stored = cdflib.CDF(str(path)).varget("thg_asf_gako_elev")
    # L2 layout: L1 orientation, i.e. the .sav arrays rotated by 180 degrees
    assert stored[0, 29, 161] == sav["FULL_ELEVATION"][226, 94]
    assert stored[0, 226, 94] == np.float32(15.458)


def test_l2_skymap_equals_the_sav_skymap(l2_dir: Path, sav_file: Path) -> None:
    (info,) = read_l2_infos(l2_dir / "thg_l2_asc_gako_19700101_v01.cdf")
    assert (info.site, info.kind, info.record, info.valid_from, info.valid_until) == ("gako", "l2", 0, datetime(2011, 3, 5, 8), None)
    assert info.generated == "2012-05-03"
    l2, sav = read_l2(info), read_ucalgary(sav_file)
    for name in ("azimuth", "elevation", "heights_km", "corner_lat", "corner_lon", "subtract", "multiply"):
        assert np.array_equal(getattr(l2, name), getattr(sav, name), equal_nan=True), name
    assert (l2.station_lat, l2.station_lon, l2.station_alt_km) == (sav.station_lat, sav.station_lon, sav.station_alt_km)


def test_only_a_later_skymap_is_an_error_naming_files_and_dates(sav_file: Path, l1_file: Path) -> None:
    catalog = SkymapCatalog([read_ucalgary(sav_file).info], "/data")
    with pytest.raises(CalibrationError) as info:
        catalog.select("gako", FRAME_TIME, needed_by=l1_file)
    message = str(info.value)
    assert "\n" not in message
    for part in (l1_file.name, sav_file.name, "2011-01-06T17:00:00.053", "valid from 2011-03-05T08:00:00", "allow_later_skymap=True"):
        assert part in message


def test_later_skymap_on_request_with_one_warning(sav_file: Path, caplog, monkeypatch) -> None:
    """One warning per process, however many catalogs (providers) use the skymap."""
    monkeypatch.setattr(skymap_module, "_WARNED_LATER", set())
    catalog = SkymapCatalog([read_ucalgary(sav_file).info], "/data")
    with caplog.at_level(logging.WARNING, logger="auromat_themis"):
        first = catalog.select("gako", FRAME_TIME, allow_later=True)
        second = catalog.select("gako", datetime(2011, 1, 6, 17, 0, 3), allow_later=True)
        again = SkymapCatalog([read_ucalgary(sav_file).info], "/data").select("gako", FRAME_TIME, allow_later=True)
    assert first is second and first.path == sav_file == again.path
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and sav_file.name in warnings[0].getMessage()


def test_provider_without_a_valid_skymap_fails_early(themis_fixtures: Path) -> None:
    hint = r"allow_later_skymap=True \(on the command line: -p allow_later_skymap=true\)$"
    with pytest.raises(CalibrationError, match=r"thg_l1_asf_gako_2011010617_v01\.cdf: .*" + hint):
        ThemisProvider(themis_fixtures)


def test_missing_skymap_names_the_l1_file_and_folder(tmp_path: Path, l1_file: Path) -> None:
    os.symlink(l1_file, tmp_path / l1_file.name)
    with pytest.raises(CalibrationError) as info:
        ThemisProvider(tmp_path)
    message = str(info.value)
    assert l1_file.name in message and str(tmp_path) in message and "themis_skymap_gako_*.sav" in message
    assert "\n" not in message and message.endswith("; give a folder holding one with skymap_dir (-p skymap_dir=DIR on the command line)")
    assert "download server" not in message


def test_missing_skymap_after_a_download_says_the_server_had_none(tmp_path: Path, l1_file: Path) -> None:
    os.symlink(l1_file, tmp_path / l1_file.name)
    (tmp_path / "thg/l2/asi/cal").mkdir(parents=True)
    (tmp_path / "thg/l2/asi/cal/thg_l2_asc_gako_19700101_v01.cdf.404").touch()  # what auromat download themis leaves
    with pytest.raises(CalibrationError, match=r"; the download server had no L2 skymap \(thg_l2_asc_gako_19700101_v01\.cdf\.404\); give"):
        ThemisProvider(tmp_path)


def test_l2_records_each_valid_until_the_next(tmp_path: Path, sav_file: Path) -> None:
    path = write_l2_skymap(tmp_path / "thg_l2_asc_gako_19700101_v01.cdf", sav_file,
                           valid_from=[datetime(2011, 3, 5, 8), datetime(2007, 2, 2)])
    catalog = SkymapCatalog.scan(tmp_path)
    infos = catalog.for_site("gako")
    assert [(i.record, i.valid_from, i.valid_until) for i in infos] == [
        (0, datetime(2011, 3, 5, 8), None),
        (1, datetime(2007, 2, 2), datetime(2011, 3, 5, 8)),
    ]
    assert catalog.select("gako", FRAME_TIME).record == 1
    assert catalog.select("gako", datetime(2011, 3, 5, 8)).record == 0
    with pytest.raises(CalibrationError, match=r"valid from 2007-02-02T00:00:00 until 2011-03-05T08:00:00"):
        catalog.select("gako", datetime(2006, 1, 1))
    assert read_l2(infos[1]).info.record == 1 and path.exists()


def test_a_skymap_named_for_another_site_is_used_for_its_own_with_a_warning(tmp_path: Path, sav_file: Path, caplog) -> None:
    misnamed = tmp_path / sav_file.name.replace("_gako_", "_fykn_")
    os.symlink(sav_file, misnamed)
    catalog = SkymapCatalog.scan(tmp_path)
    assert catalog.for_site("fykn") == [] and [info.path for info in catalog.for_site("gako")] == [misnamed]
    assert [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING] == [
        f"{misnamed}: the file name says THEMIS site fykn but the file holds the skymap of gako; used for gako"
    ]
    caplog.clear()
    assert SkymapCatalog.scan(tmp_path, ["fykn"]).for_site("fykn") == []
    assert [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING] == [
        f"{misnamed}: the file name says THEMIS site fykn but the file holds the skymap of gako; not used"
    ]


def test_equal_start_prefers_the_ucalgary_skymap(tmp_path: Path, sav_file: Path) -> None:
    os.symlink(sav_file, tmp_path / sav_file.name)
    write_l2_skymap(tmp_path / "thg_l2_asc_gako_19700101_v01.cdf", sav_file)
    chosen = SkymapCatalog.scan(tmp_path).select("gako", datetime(2012, 1, 1))
    assert chosen.kind == "ucalgary"


def test_corrupt_skymaps_are_one_line_errors(tmp_path: Path) -> None:
    bad_sav = tmp_path / "themis_skymap_gako_20110305-+_v01.sav"
    bad_sav.write_bytes(b"SR\0\4" + b"\0" * 64)
    with pytest.raises(CalibrationError) as info:
        read_ucalgary(bad_sav)
    assert str(bad_sav) in str(info.value) and "\n" not in str(info.value)
    bad_cdf = tmp_path / "thg_l2_asc_gako_19700101_v01.cdf"
    bad_cdf.write_bytes(b"garbage")
    with pytest.raises(CalibrationError) as info:
        read_l2_infos(bad_cdf)
    assert str(bad_cdf) in str(info.value) and "not a readable CDF" in str(info.value)
