"""Reading THEMIS L1 hour files."""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from auromat_themis import L1File, ThemisProvider
from auromat_themis.l1 import parse_l1_name

from auromat_core import InputError


def test_name_is_parsed() -> None:
    name = parse_l1_name("/x/thg_l1_asf_gako_2011010617_v01.cdf")
    assert (name.site, name.hour, name.version) == ("gako", datetime(2011, 1, 6, 17), 1)
    assert parse_l1_name("thg_l1_asf_gako_2011013517_v01.cdf") is None
    assert parse_l1_name("notes.txt") is None


def test_real_file_times_and_frames(l1_file: Path, raw_frames) -> None:
    import cdflib

    frames, _ = raw_frames
    file = L1File(l1_file)
    assert file.site == "gako" and len(file) == 23
    assert file.times[0] == np.datetime64("2011-01-06T17:00:00.053")
    assert file.times[-1] == np.datetime64("2011-01-06T17:01:06.020")
    epochs = cdflib.cdfepoch.to_datetime(cdflib.CDF(str(l1_file)).varget("thg_asf_gako_epoch"))
    assert np.array_equal(file.times, np.asarray(epochs, dtype="datetime64[us]"))
    for index in (0, 11, 22):
        frame = file.read(index)
        assert frame.dtype == np.uint16 and frame.shape == (256, 256)
        assert np.array_equal(frame, frames[index])
    file.close()


def test_times_fall_back_to_unix_seconds(tmp_path: Path, l1_file: Path, raw_frames) -> None:
    from spacepy import pycdf

    _, unix = raw_frames
    copy = tmp_path / l1_file.name
    shutil.copy(l1_file, copy)
    with pycdf.CDF(str(copy), readonly=False) as cdf:
        del cdf["thg_asf_gako_epoch"]
    file = L1File(copy)
    expected = np.datetime64("1970-01-01T00:00:00", "us") + np.round(unix * 1e6).astype("timedelta64[us]")
    assert np.array_equal(file.times, expected)
    assert file.times[1] == np.datetime64("2011-01-06T17:00:03")  # the nominal 3 s grid


def test_corrupt_file_is_a_one_line_error_naming_it(tmp_path: Path, l1_file: Path) -> None:
    garbage = tmp_path / "thg_l1_asf_gako_2011010618_v01.cdf"
    garbage.write_bytes(b"this is not a CDF file\n" * 100)
    truncated = tmp_path / "thg_l1_asf_gako_2011010619_v01.cdf"
    truncated.write_bytes(l1_file.read_bytes()[:500_000])
    for path in (garbage, truncated):
        with pytest.raises(InputError) as info:
            L1File(path)
        message = str(info.value)
        assert str(path) in message and "\n" not in message


def test_corrupt_file_in_a_folder_stops_the_provider(tmp_path: Path, sav_file: Path) -> None:
    (tmp_path / sav_file.name).symlink_to(sav_file)
    bad = tmp_path / "thg_l1_asf_gako_2011010618_v01.cdf"
    bad.write_bytes(b"\0" * 4096)
    with pytest.raises(InputError, match=r"thg_l1_asf_gako_2011010618_v01\.cdf: not a readable CDF"):
        ThemisProvider(tmp_path, allow_later_skymap=True)


def test_file_of_another_site_than_asked(l1_file: Path) -> None:
    with pytest.raises(InputError) as info:
        L1File(l1_file, site="fykn")
    message = str(info.value)
    assert str(l1_file) in message and "site gako" in message and "fykn" in message and "\n" not in message


def test_file_named_for_another_hour(tmp_path: Path, l1_file: Path) -> None:
    renamed = tmp_path / "thg_l1_asf_gako_2011010618_v01.cdf"
    shutil.copy(l1_file, renamed)
    expected = (rf"^{renamed}: frames from 2011-01-06 17:00:00 to 2011-01-06 17:01:06, "
                r"but the file name says hour 2011-01-06 18:00$")
    with pytest.raises(InputError, match=expected):
        L1File(renamed)


def test_file_named_for_another_site(tmp_path: Path, l1_file: Path) -> None:
    renamed = tmp_path / "thg_l1_asf_fykn_2011010617_v01.cdf"
    shutil.copy(l1_file, renamed)
    with pytest.raises(InputError, match=r"L1 file of site gako, but the file name says site fykn"):
        L1File(renamed)


def test_provider_refuses_a_file_of_an_unrequested_site(l1_file: Path) -> None:
    with pytest.raises(InputError) as info:
        ThemisProvider([l1_file], sites="fykn", allow_later_skymap=True)
    assert str(l1_file) in str(info.value) and "fykn" in str(info.value)


def test_missing_image_variable(tmp_path: Path, l1_file: Path) -> None:
    from spacepy import pycdf

    copy = tmp_path / l1_file.name
    shutil.copy(l1_file, copy)
    with pycdf.CDF(str(copy), readonly=False) as cdf:
        del cdf["thg_asf_gako"]
    with pytest.raises(InputError, match="no THEMIS all-sky image variable"):
        L1File(copy)
