"""Fixtures of the THEMIS plugin tests: the real Gakona files and synthetic files built from them."""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from auromat_themis import ThemisProvider

from tests.plugins.themis.synthetic import read_sav, write_l1, write_l2_skymap

L1_NAME = "thg_l1_asf_gako_2011010617_v01.cdf"
SAV_NAME = "themis_skymap_gako_20110305-+_vXX.sav"


@pytest.fixture(scope="session")
def l1_file(themis_fixtures: Path) -> Path:
    """The real Gakona L1 hour file (2011-01-06 17 UT, 23 frames)."""
    return themis_fixtures / L1_NAME


@pytest.fixture(scope="session")
def sav_file(themis_fixtures: Path) -> Path:
    """The real UCalgary Gakona skymap (valid from 2011-03-05)."""
    return themis_fixtures / SAV_NAME


@pytest.fixture(scope="session")
def sav(sav_file: Path) -> np.record:
    """The skymap structure as scipy reads it (the reference numbers)."""
    return read_sav(sav_file)


@pytest.fixture(scope="session")
def raw_frames(l1_file: Path) -> tuple[np.ndarray, np.ndarray]:
    """(frames [23, 256, 256] uint16 as stored, nominal unix times) read with cdflib (an independent reader)."""
    import cdflib

    cdf = cdflib.CDF(str(l1_file))
    return np.asarray(cdf.varget("thg_asf_gako")), np.asarray(cdf.varget("thg_asf_gako_time"))


@pytest.fixture(scope="session")
def frame_epochs(l1_file: Path) -> list[datetime]:
    """Exposure start times of the real frames (cdflib)."""
    import cdflib

    epochs = cdflib.cdfepoch.to_datetime(cdflib.CDF(str(l1_file)).varget("thg_asf_gako_epoch"))
    return np.asarray(epochs, dtype="datetime64[us]").astype(datetime).tolist()


@pytest.fixture(scope="session")
def l2_dir(tmp_path_factory: pytest.TempPathFactory, sav_file: Path) -> Path:
    """A folder with a synthetic L2 skymap CDF built from the real .sav numbers."""
    folder = tmp_path_factory.mktemp("l2")
    write_l2_skymap(folder / "thg_l2_asc_gako_19700101_v01.cdf", sav_file)
    return folder


@pytest.fixture(scope="session")
def sav_provider(themis_fixtures: Path) -> ThemisProvider:
    """The real frames with the real (later) .sav skymap at 110 km."""
    return ThemisProvider(themis_fixtures, allow_later_skymap=True)


def _two_sites(folder: Path, l1_file: Path, sav_file: Path, raw_frames, frame_epochs, shift: float) -> Path:
    """Gako (real) plus a synthetic second site 'fykn' in ``folder``: the gako frames ``shift`` s later, the gako skymap as L2."""
    os.symlink(l1_file, folder / l1_file.name)
    os.symlink(sav_file, folder / sav_file.name)
    frames, times = raw_frames
    shifted = [t + timedelta(seconds=shift) for t in frame_epochs]
    write_l1(folder / "thg_l1_asf_fykn_2011010617_v01.cdf", l1_file, "fykn", frames, shifted, times + shift)
    write_l2_skymap(folder / "thg_l2_asc_fykn_19700101_v01.cdf", sav_file, site="fykn")
    return folder


@pytest.fixture(scope="session")
def two_sites(tmp_path_factory: pytest.TempPathFactory, l1_file: Path, sav_file: Path, raw_frames, frame_epochs) -> Path:
    """Gako (real) plus a synthetic second site 'fykn': the gako frames 0.7 s later, the gako skymap as L2."""
    return _two_sites(tmp_path_factory.mktemp("two_sites"), l1_file, sav_file, raw_frames, frame_epochs, 0.7)


@pytest.fixture(scope="session")
def two_sites_1s(tmp_path_factory: pytest.TempPathFactory, l1_file: Path, sav_file: Path, raw_frames, frame_epochs) -> Path:
    """As :func:`two_sites` with fykn 1 s after gako (gako at 17:00:00.053, fykn at 17:00:01.053, ...)."""
    return _two_sites(tmp_path_factory.mktemp("two_sites_1s"), l1_file, sav_file, raw_frames, frame_epochs, 1.0)

