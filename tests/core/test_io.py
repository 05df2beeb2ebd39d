"""Atomic output (auromat_core.io): nothing half-written, and a full file system named as such."""

from __future__ import annotations

import errno
import shutil
from collections import namedtuple

import pytest

from auromat_core import InputError, atomic_output
from auromat_core import io as core_io

DiskUsage = namedtuple("DiskUsage", "total used free")


def test_a_failed_write_leaves_nothing_and_the_target_as_it_was(tmp_path):
    target = tmp_path / "out" / "file.cdf"
    target.parent.mkdir()
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError, match="NetCDF: HDF error"), atomic_output(target) as temporary:
        temporary.write_bytes(b"new, half")
        raise RuntimeError("NetCDF: HDF error")
    assert [p.name for p in target.parent.iterdir()] == ["file.cdf"] and target.read_bytes() == b"old"


def test_any_error_on_a_nearly_full_file_system_is_no_space_left_naming_the_file(tmp_path, monkeypatch):
    measured = []

    def disk_usage(folder):
        measured.append(sorted(p.name for p in folder.iterdir()))
        return DiskUsage(10 * 2**30, 10 * 2**30 - 2**20, 2**20)

    monkeypatch.setattr(core_io.shutil, "disk_usage", disk_usage)
    target = tmp_path / "frame.nc"
    with pytest.raises(OSError) as caught, atomic_output(target) as temporary:
        temporary.write_bytes(b"part")
        raise RuntimeError("NetCDF: HDF error")
    error = caught.value
    assert error.errno == errno.ENOSPC and error.filename == str(target)
    assert error.strerror == "No space left on device (RuntimeError: NetCDF: HDF error)"
    assert isinstance(error.__cause__, RuntimeError)
    assert measured == [[temporary.name]], "measured while the partial file still took its space"
    assert list(tmp_path.iterdir()) == []


def test_with_space_left_the_error_is_the_original(tmp_path):
    assert shutil.disk_usage(tmp_path).free > core_io.NEARLY_FULL_BYTES
    with pytest.raises(RuntimeError, match="CDF_CLOSE_ERROR"), atomic_output(tmp_path / "f.cdf"):
        raise RuntimeError("CDF_CLOSE_ERROR")


@pytest.mark.parametrize("error", [InputError("bad input"), ValueError("not a number"), PermissionError(13, "Permission denied")])
def test_on_a_nearly_full_file_system_errors_that_are_not_storage_stay_themselves(tmp_path, monkeypatch, error):
    monkeypatch.setattr(core_io.shutil, "disk_usage", lambda folder: DiskUsage(10 * 2**30, 10 * 2**30 - 2**20, 2**20))
    with pytest.raises(type(error)) as caught, atomic_output(tmp_path / "frame.cdf"):
        raise error
    assert caught.value is error


def test_an_operating_system_error_without_number_keeps_its_message(tmp_path):
    with pytest.raises(OSError, match="^cannot identify image file$") as caught, atomic_output(tmp_path / "map.png"):
        raise OSError("cannot identify image file")
    assert caught.value.filename is None
