"""THEMIS skymaps: the UCalgary .sav reader, the L2 CDF reader, and the choice of skymap."""

from __future__ import annotations

import logging
import os
import re
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

import auromat_core
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


def _warnings(caplog) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]


def _l1_with(folder: Path, l1_file: Path) -> Path:
    os.symlink(l1_file, folder / l1_file.name)
    return folder


def test_unrelated_and_broken_skymap_files_do_not_stop_the_run(tmp_path: Path, l1_file: Path, sav_file: Path, caplog) -> None:
    _l1_with(tmp_path, l1_file)
    write_l2_skymap(tmp_path / "thg_l2_asc_gako_19700101_v01.cdf", sav_file, valid_from=[datetime(2007, 2, 2)])
    (tmp_path / "my_skymap_notes.sav").write_bytes(bytes(range(256)) * 4)  # not named like a skymap: not read
    (tmp_path / "thg_l2_asc_fykn_19700101_v01.cdf").write_bytes(b"\xcd\xf3\x00\x01" + bytes(100))  # another site's, truncated: not counted
    broken = tmp_path / "sub" / "themis_skymap_gako_20120101-+_v01.sav"
    broken.parent.mkdir()
    broken.write_bytes(bytes(range(256)) * 4)
    provider = ThemisProvider(tmp_path)
    mapping = provider.load(0)[0]
    assert mapping.metadata["skymap_file"] == "thg_l2_asc_gako_19700101_v01.cdf"
    assert mapping.metadata["skymap_valid_from"] == "2007-02-02T00:00:00"
    (warning,) = _warnings(caplog)
    assert warning.startswith(f"{broken}: not a readable IDL save file (") and warning.endswith("); skipped")
    assert provider.skipped_inputs == [warning.removesuffix("; skipped")]


def test_without_a_usable_skymap_the_error_names_the_skipped_ones(tmp_path: Path, l1_file: Path, sav_file: Path) -> None:
    _l1_with(tmp_path, l1_file)
    broken = tmp_path / "themis_skymap_gako_20100101-+_v01.sav"
    broken.write_bytes(b"SR\0\4" + b"\0" * 64)
    with pytest.raises(CalibrationError) as info:
        ThemisProvider(tmp_path)
    message = str(info.value)
    assert message.startswith(f"no skymap of THEMIS site gako for {l1_file.name} in {tmp_path} (looked for")
    assert f"; skipped as unusable: {broken}: not a readable IDL save file (" in message and "\n" not in message
    os.symlink(sav_file, tmp_path / sav_file.name)  # a valid but later one next to it
    with pytest.raises(CalibrationError) as info:
        ThemisProvider(tmp_path)
    message = str(info.value)
    assert f"{sav_file.name} (valid from 2011-03-05T08:00:00); skipped as unusable: {broken}: " in message
    assert message.endswith("; to use a later one, pass allow_later_skymap=True (on the command line: -p allow_later_skymap=true)")


def test_a_skymap_given_by_name_that_cannot_be_read_is_an_error(tmp_path: Path, l1_file: Path) -> None:
    broken = tmp_path / "themis_skymap_gako_20100101-+_v01.sav"
    broken.write_bytes(b"SR\0\4" + b"\0" * 64)
    with pytest.raises(CalibrationError, match=rf"^{re.escape(str(broken))}: not a readable IDL save file \("):
        ThemisProvider(l1_file, skymap_dir=broken)


def test_a_name_like_a_skymap_but_not_in_the_pattern_is_named(tmp_path: Path, sav_file: Path, caplog) -> None:
    near = tmp_path / "themis_skymap_gako_2011-03-05.sav"
    os.symlink(sav_file, near)
    os.symlink(sav_file, tmp_path / "thg_l2_asc_gako_19700101.cdf")
    assert SkymapCatalog.scan(tmp_path).for_site("gako") == []
    assert _warnings(caplog) == [
        f"{near}: not used as a skymap: the name does not match themis_skymap_<site>_<YYYYMMDD>-<YYYYMMDD|+>_v<NN>.sav",
        f"{tmp_path / 'thg_l2_asc_gako_19700101.cdf'}: not used as a skymap: the name does not match thg_l2_asc_<site>_<YYYYMMDD>_v<NN>.cdf",
    ]


def test_an_l2_skymap_named_for_another_site_is_used_for_its_own_with_a_warning(tmp_path: Path, l1_file: Path, sav_file: Path, caplog) -> None:
    _l1_with(tmp_path, l1_file)
    misnamed = write_l2_skymap(tmp_path / "thg_l2_asc_fykn_19700101_v01.cdf", sav_file, valid_from=[datetime(2007, 2, 2)])
    provider = ThemisProvider(tmp_path)  # sites: gako (those with frames)
    assert provider.load(0)[0].metadata["skymap_file"] == misnamed.name
    assert _warnings(caplog) == [f"{misnamed}: the file name says THEMIS site fykn but the file holds the skymap of gako; used for gako"]
    (info,) = read_l2_infos(misnamed)
    assert info.site == "gako"


def test_skymaps_of_a_download_are_found_from_inside_the_tree(tmp_path: Path, l1_file: Path, sav_file: Path) -> None:
    """``auromat download themis`` layout: <root>/thg/l1/asi/<site>/<YYYY>/<MM>/ and <root>/thg/l2/asi/cal/."""
    hour = tmp_path / "thg" / "l1" / "asi" / "gako" / "2011" / "01"
    hour.mkdir(parents=True)
    os.symlink(l1_file, hour / l1_file.name)
    calibrations = tmp_path / "thg" / "l2" / "asi" / "cal"
    calibrations.mkdir(parents=True)
    write_l2_skymap(calibrations / "thg_l2_asc_gako_19700101_v01.cdf", sav_file, valid_from=[datetime(2007, 2, 2)])
    for data in (tmp_path, tmp_path / "thg" / "l1", hour.parent.parent, hour / l1_file.name):
        mapping = ThemisProvider(data).load(0)[0]
        assert mapping.metadata["skymap_file"] == "thg_l2_asc_gako_19700101_v01.cdf", data
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    with pytest.raises(CalibrationError, match=rf"^no skymap of THEMIS site gako for {re.escape(l1_file.name)} in {re.escape(str(elsewhere))} \(looked"):
        ThemisProvider(hour, skymap_dir=elsewhere)  # a skymap_dir given is the only place searched
    os.symlink(sav_file, hour / sav_file.name)  # both places are searched: the valid L2 wins over the later .sav
    assert ThemisProvider(hour).load(0)[0].metadata["skymap_file"] == "thg_l2_asc_gako_19700101_v01.cdf"


def test_skymap_dir_may_be_one_skymap_file(l1_file: Path, sav_file: Path, l2_dir: Path, tmp_path: Path) -> None:
    from_sav = ThemisProvider(l1_file, skymap_dir=sav_file, allow_later_skymap=True).load(0)[0]
    assert from_sav.metadata["skymap_file"] == sav_file.name
    l2_file = l2_dir / "thg_l2_asc_gako_19700101_v01.cdf"
    from_l2 = ThemisProvider(l1_file, skymap_dir=l2_file, allow_later_skymap=True).load(0)[0]
    assert from_l2.metadata["skymap_file"] == l2_file.name
    assert np.array_equal(from_sav.lat_bounds, from_l2.lat_bounds, equal_nan=True)
    missing = re.escape(str(tmp_path / "none.sav"))
    with pytest.raises(auromat_core.InputError, match=rf"^skymap_dir {missing} does not exist \(give a folder of skymaps or one skymap file\)$"):
        ThemisProvider(l1_file, skymap_dir=tmp_path / "none.sav")


def test_a_sav_whose_name_gives_another_start_is_named_with_both(tmp_path: Path, sav_file: Path, caplog) -> None:
    renamed = tmp_path / "themis_skymap_gako_20100101-+_vXX.sav"
    os.symlink(sav_file, renamed)
    (info,) = SkymapCatalog.scan(tmp_path).for_site("gako")
    assert info.valid_from == datetime(2011, 3, 5, 8)
    assert _warnings(caplog) == [f"{renamed}: the file name says valid from 20100101 but the file says from 2011-03-05T08:00:00; the file's is used"]
    caplog.clear()
    assert SkymapCatalog.scan(sav_file.parent).for_site("gako")[0].valid_from == datetime(2011, 3, 5, 8)
    assert _warnings(caplog) == []  # the real name: 20110305 agrees with 2011030508
