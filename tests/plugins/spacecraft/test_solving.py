"""Blind solving with the real astrometry.net (Debian astrometry.net + astrometry-data-tycho2-10-19)."""

from __future__ import annotations

import math
import os
import stat
import tempfile
import time
from pathlib import Path

import auromat_spacecraft.plugin
import numpy as np
import pytest
from astropy.coordinates import SkyCoord
from astropy.io import fits
from astropy.wcs import WCS
from auromat_spacecraft.solving import (
    AstrometryNetSolver,
    scale_range_from_exif,
    solve_image,
)
from PIL import Image

from auromat_core import AuromatError, InputError, get_solver
from auromat_core.testing import SolverContract
from tests.conftest import astropy_wcs


def _separations(reference: WCS, solution: WCS, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    a = SkyCoord(*reference.all_pix2world(x, y, 0), unit="deg")
    b = SkyCoord(*solution.all_pix2world(x, y, 0), unit="deg")
    return a.separation(b).deg


def _star_image(path: Path, seed: int = 7, stars: int = 300) -> Path:
    """A small dark frame with random point sources (no real sky)."""
    rng = np.random.default_rng(seed)
    image = rng.normal(20.0, 3.0, (480, 640))
    rows, columns = rng.integers(2, 478, stars), rng.integers(2, 638, stars)
    image[rows, columns] += rng.uniform(60.0, 200.0, stars)
    Image.fromarray(np.clip(image, 0, 255).astype(np.uint8)).save(path)
    return path


@pytest.fixture
def grey_image(tmp_path: Path) -> Path:
    path = tmp_path / "grey.png"
    Image.fromarray(np.full((600, 800, 3), 128, dtype=np.uint8)).save(path)
    return path


@pytest.mark.slow
class TestAstrometryNetContract(SolverContract):
    @pytest.fixture
    def solver(self):
        return AstrometryNetSolver()

    @pytest.fixture
    def solvable_image(self, iss_jpeg: Path) -> Path:
        return iss_jpeg

    @pytest.fixture
    def unsolvable_image(self, grey_image: Path) -> Path:
        return grey_image


@pytest.mark.slow
@pytest.mark.parametrize(
    "options",
    [{}, {"scale_range": (77.0, 95.0), "strategies": ("xy4",)}],
    ids=["exif-scale-default-strategies", "explicit-scale-xy4"],
)
def test_iss_photo_solves_close_to_the_known_solution(iss_jpeg: Path, iss_wcs: Path, options: dict) -> None:
    header = solve_image(iss_jpeg, **options)
    assert header is not None
    assert (header["IMAGEW"], header["IMAGEH"]) == (4256, 2832)
    assert header["CTYPE1"] == "RA---TAN" and "A_ORDER" not in header
    assert any("strategy" in str(card) for card in header["HISTORY"])
    reference, solution = astropy_wcs(fits.getheader(iss_wcs)), astropy_wcs(header)
    crpix = reference.wcs.crpix - 1
    assert _separations(reference, solution, crpix[:1], crpix[1:])[0] < 0.05
    x, y = np.meshgrid(np.linspace(0, 4255, 24), np.linspace(0, 2831, 16))
    assert np.median(_separations(reference, solution, x, y)) < 0.2
    scale = 3600 * math.sqrt(abs(np.linalg.det(solution.wcs.cd)))
    assert 88 < scale < 93  # the fixture: sqrt(CD1_1**2 + CD2_1**2) = 90.44 arcsec/px


def test_scale_range_from_exif_contains_the_known_scale(iss_jpeg: Path, iss_wcs: Path) -> None:
    low, high = scale_range_from_exif(iss_jpeg)
    # EXIF: FocalLengthIn35mmFilm 20 mm, 4256 px across a 36 mm frame
    expected = math.degrees(math.atan(36.0 / 4256 / 20.0)) * 3600
    assert low == pytest.approx(0.9 * expected) and high == pytest.approx(1.1 * expected)
    header = fits.getheader(iss_wcs)
    known = 3600 * math.hypot(header["CD1_1"], header["CD2_1"])
    assert low < known < high


def test_scale_range_without_exif_is_none(grey_image: Path) -> None:
    assert scale_range_from_exif(grey_image) is None


def test_no_starfield_returns_none_without_running_solve_field(grey_image: Path, tmp_path: Path) -> None:
    debug = tmp_path / "debug"
    assert solve_image(grey_image, debug_folder=debug) is None
    assert not debug.exists()


def test_unsolvable_star_image_runs_solve_field_and_gives_none(tmp_path: Path, monkeypatch) -> None:
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temporary))
    image = _star_image(tmp_path / "random.png", stars=20)
    debug = tmp_path / "debug"
    header = solve_image(image, masking=None, scale_range=(80.0, 95.0), strategies=("xy2",), timeout=2, debug_folder=debug)
    assert header is None
    log = (debug / "random_xy2.log").read_text()
    assert "simplexy: found" in log
    assert not (debug / "random_xy2.solved").exists()
    assert list(temporary.iterdir()) == []


def test_registered_as_astrometry_net(auromat_plugins) -> None:
    auromat_plugins.register(auromat_spacecraft.plugin)
    assert isinstance(get_solver("astrometry.net"), AstrometryNetSolver)


def test_missing_solve_field_names_the_debian_packages(grey_image: Path, tmp_path: Path, monkeypatch) -> None:
    with pytest.raises(AuromatError, match="astrometry.net astrometry-data-tycho2"):
        solve_image(grey_image, solve_field=tmp_path / "no-such-solve-field")
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(AuromatError, match="solve-field was not found"):
        AstrometryNetSolver().solve(grey_image)


def test_no_index_files_is_a_clear_error(tmp_path: Path) -> None:
    image = _star_image(tmp_path / "stars.png")
    (tmp_path / "empty").mkdir()
    config = tmp_path / "empty.cfg"
    config.write_text(f"add_path {tmp_path / 'empty'}\nautoindex\n")
    with pytest.raises(AuromatError, match="no astrometry.net index files.*astrometry-data-tycho2"):
        solve_image(image, masking=None, config=config, strategies=("xy2",))


def test_wall_clock_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    """A stand-in program that ignores --cpulimit and leaves a child running: both must be killed."""
    child_pid_file, finished = tmp_path / "child.pid", tmp_path / "finished"
    program = tmp_path / "stuck-solve-field"
    program.write_text(f"#!/bin/sh\nsleep 300 &\necho $! > {child_pid_file}\nwait\ntouch {finished}\n")
    program.chmod(program.stat().st_mode | stat.S_IXUSR)
    image = _star_image(tmp_path / "stars.png")
    header = solve_image(image, masking=None, solve_field=program, strategies=("xy2",), timeout=1, wall_timeout=1)
    assert header is None
    assert not finished.exists(), "the program ran to its end instead of being killed"
    child = int(child_pid_file.read_text())
    deadline = time.monotonic() + 5
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/stat")
    return not (status.exists() and status.read_text().split()[2] == "Z")


def test_invalid_options_are_rejected(grey_image: Path) -> None:
    with pytest.raises(InputError, match="unknown astrometry.net solver options.*no_such_option"):
        AstrometryNetSolver().solve(grey_image, no_such_option=1)
    with pytest.raises(InputError, match="unknown astrometry.net solver options"):
        AstrometryNetSolver(colour=True)
    with pytest.raises(InputError, match="unknown solving strategies"):
        solve_image(grey_image, strategies=("xy3",))
    with pytest.raises(InputError, match="scale_range"):
        solve_image(grey_image, scale_range=(90.0, 80.0))
    with pytest.raises(InputError, match="channel 5"):
        solve_image(grey_image, channel=5)
    with pytest.raises(InputError, match="image file not found"):
        solve_image(grey_image.with_name("missing.png"), scale_range=(80.0, 90.0))
