"""Solving a folder: EXIF time + TLE camera position -> .wcs, and the ``auromat solve`` command.

The fast tests use an in-test solver that returns the real solutions of the
fixture sequence (a stand-in for the slow external program, which
test_solving.py runs for real); the slow end-to-end test runs astrometry.net.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import auromat_spacecraft.plugin
import numpy as np
import pytest
from astropy.coordinates import SkyCoord
from astropy.io import fits
from auromat_spacecraft.solve_sequence import solve_folder
from auromat_spacecraft.wcs import read_header
from click.testing import CliRunner
from PIL import Image

from auromat_core import InputError, NoDataError, hookimpl
from auromat_core.cli import build_cli
from tests.conftest import astropy_wcs

FRAMES = ("ISS029-E-8493", "ISS029-E-8494", "ISS029-E-8497", "ISS029-E-8498")
PHOTO_KEYWORDS = ("DATE-OBS", "POSX", "POSY", "POSZ", "NORADID")


class FixtureSolver:
    """Returns the fixture solution of an image (by file stem) without the photo keywords; records calls."""

    def __init__(self, seq_folder: Path, unsolvable: tuple[str, ...] = ()) -> None:
        self.seq_folder = seq_folder
        self.unsolvable = unsolvable
        self.calls: list[tuple[str, dict]] = []

    def solve(self, image_path, **options):
        stem = Path(image_path).stem
        self.calls.append((stem, options))
        if stem in self.unsolvable:
            return None
        header = fits.getheader(self.seq_folder / f"{stem}.wcs")
        for key in PHOTO_KEYWORDS:
            header.remove(key, ignore_missing=True)
        header.remove("HISTORY", ignore_missing=True, remove_all=True)
        return header


def _exif_jpeg(path: Path, time: datetime | None) -> Path:
    exif = Image.Exif()
    if time is not None:
        exif.get_ifd(0x8769)[0x9003] = time.strftime("%Y:%m:%d %H:%M:%S")
        exif.get_ifd(0x8769)[0x9291] = f"{time.microsecond // 10000:02d}"
    pixels = np.random.default_rng(len(path.name)).integers(0, 50, (48, 72, 3), dtype=np.uint8)
    Image.fromarray(pixels).save(path, format="JPEG", exif=exif)
    return path


def _fixture_time(header: fits.Header) -> datetime:
    return datetime.strptime(header["DATE-OBS"], "%Y-%m-%dT%H:%M:%S.%f")


@pytest.fixture
def seq_folder(iss_fixtures: Path) -> Path:
    return iss_fixtures / "seq"


@pytest.fixture
def images(tmp_path: Path, seq_folder: Path) -> Path:
    """JPEGs named after fixture frames, with the EXIF time (incl. sub-seconds) of their solutions."""
    folder = tmp_path / "images"
    folder.mkdir()
    for frame in FRAMES:
        _exif_jpeg(folder / f"{frame}.jpg", _fixture_time(fits.getheader(seq_folder / f"{frame}.wcs")))
    (folder / "notes.txt").write_text("not an image")
    return folder


def test_writes_time_position_and_norad_id(images: Path, tmp_path: Path, seq_folder: Path, tle_folder: Path) -> None:
    solver = FixtureSolver(seq_folder)
    wcs_folder = tmp_path / "wcs"
    results = list(solve_folder(images, wcs_folder, tle_folder, solver=solver, progress=False))
    assert [(i.name, w.name) for i, w in results] == [(f"{f}.jpg", f"{f}.wcs") for f in FRAMES]
    assert [stem for stem, _ in solver.calls] == list(FRAMES)
    for frame in FRAMES:
        written = read_header(wcs_folder / f"{frame}.wcs")  # verifies CHECKSUM/DATASUM
        original = fits.getheader(seq_folder / f"{frame}.wcs")
        assert written["DATE-OBS"] == original["DATE-OBS"]
        assert written["NORADID"] == "25544"
        # camera positions of the original toolkit (from a real TLE) within 100 m
        position = np.array([written[k] for k in ("POSX", "POSY", "POSZ")])
        expected = np.array([original[k] for k in ("POSX", "POSY", "POSZ")])
        assert np.linalg.norm(position - expected) < 0.1
        history = " ".join(str(card) for card in written["HISTORY"])
        assert "NORADID added by auromat" in history and "POS* & DATE-OBS added by auromat" in history
        for key in ("CRVAL1", "CRVAL2", "CD1_1", "CD2_1", "IMAGEW", "IMAGEH"):
            assert written[key] == original[key]
    assert sorted(p.name for p in wcs_folder.iterdir()) == [f"{f}.wcs" for f in FRAMES]


def test_existing_solutions_are_skipped_unless_overwrite(images: Path, tmp_path: Path, seq_folder: Path, tle_folder: Path) -> None:
    wcs_folder = tmp_path / "wcs"
    list(solve_folder(images, wcs_folder, tle_folder, solver=FixtureSolver(seq_folder), progress=False))
    solver = FixtureSolver(seq_folder)
    (wcs_folder / f"{FRAMES[1]}.wcs").unlink()
    results = list(solve_folder(images, wcs_folder, tle_folder, solver=solver, progress=False))
    assert [stem for stem, _ in solver.calls] == [FRAMES[1]]
    assert [i.stem for i, _ in results] == [FRAMES[1]]
    list(solve_folder(images, wcs_folder, tle_folder, solver=solver, overwrite=True, progress=False))
    assert len(solver.calls) == 1 + len(FRAMES)


def test_unsolved_images_write_nothing(images: Path, tmp_path: Path, seq_folder: Path, tle_folder: Path) -> None:
    solver = FixtureSolver(seq_folder, unsolvable=(FRAMES[2],))
    results = list(solve_folder(images, tmp_path / "wcs", tle_folder, solver=solver, return_unsolved=True, progress=False, workers=2))
    assert [(i.stem, w is None) for i, w in results] == [(f, f == FRAMES[2]) for f in FRAMES]
    assert not (tmp_path / "wcs" / f"{FRAMES[2]}.wcs").exists()
    solver = FixtureSolver(seq_folder, unsolvable=(FRAMES[2],))
    results = list(solve_folder(images, tmp_path / "wcs2", tle_folder, solver=solver, progress=False))
    assert [i.stem for i, _ in results] == [f for f in FRAMES if f != FRAMES[2]]


def test_solver_options_are_passed_on(images: Path, tmp_path: Path, seq_folder: Path, tle_folder: Path) -> None:
    solver = FixtureSolver(seq_folder)
    list(solve_folder(images, tmp_path / "wcs", tle_folder, solver=solver, progress=False, scale_range=(77.0, 95.0)))
    assert {tuple(options.items()) for _, options in solver.calls} == {(("scale_range", (77.0, 95.0)),)}


def test_missing_exif_time_fails_before_solving(images: Path, tmp_path: Path, seq_folder: Path, tle_folder: Path) -> None:
    _exif_jpeg(images / "ISS029-E-8499.jpg", None)
    solver = FixtureSolver(seq_folder)
    with pytest.raises(InputError, match=r"ISS029-E-8499\.jpg: no EXIF DateTimeOriginal"):
        list(solve_folder(images, tmp_path / "wcs", tle_folder, solver=solver, progress=False))
    assert solver.calls == []


def test_photo_time_outside_the_tles_fails_before_solving(tmp_path: Path, seq_folder: Path, tle_folder: Path) -> None:
    folder = tmp_path / "images"
    folder.mkdir()
    _exif_jpeg(folder / f"{FRAMES[0]}.jpg", datetime(2012, 3, 1, 12, 0, 0))
    solver = FixtureSolver(seq_folder)
    with pytest.raises(NoDataError, match="do not cover 2012-03-01T12:00:00"):
        list(solve_folder(folder, tmp_path / "wcs", tle_folder, solver=solver, progress=False))
    assert solver.calls == []


def test_folder_errors(tmp_path: Path, tle_folder: Path) -> None:
    with pytest.raises(InputError, match="image folder not found"):
        list(solve_folder(tmp_path / "missing", tmp_path / "wcs", tle_folder))
    with pytest.raises(InputError, match="no images to solve"):
        list(solve_folder(tmp_path, tmp_path / "wcs", tle_folder))


class _SolverPlugin:
    def __init__(self, solver) -> None:
        self.solver = solver

    @hookimpl
    def register_solvers(self, register) -> None:
        register("fixture", self.solver, "fixture solutions (test)")


@pytest.fixture
def register_solver(auromat_plugins):
    """Load this plugin into an isolated manager; the returned function adds a solver named ``fixture``."""
    auromat_plugins.register(auromat_spacecraft.plugin)
    return lambda solver: auromat_plugins.register(_SolverPlugin(solver))


def _invoke(*args: str):
    return CliRunner().invoke(build_cli(), list(args))


def test_cli_solve(register_solver, images: Path, tmp_path: Path, seq_folder: Path, tle_folder: Path) -> None:
    solver = FixtureSolver(seq_folder, unsolvable=(FRAMES[3],))
    register_solver(solver)
    wcs_folder = tmp_path / "wcs"
    result = _invoke("solve", "--images", str(images), "--wcs-out", str(wcs_folder), "--tle-folder", str(tle_folder),
                     "--solver", "fixture", "--scale-low", "77", "--scale-high", "95", "--no-progress")
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[:3] == [f"{f}.jpg -> {wcs_folder / f'{f}.wcs'}" for f in FRAMES[:3]]
    assert lines[-1] == f"solved 3 of 4 images; not solved: {FRAMES[3]}.jpg"
    assert solver.calls[0][1] == {"scale_range": (77.0, 95.0)}
    assert read_header(wcs_folder / f"{FRAMES[0]}.wcs")["NORADID"] == "25544"
    again = _invoke("solve", "--images", str(images), "--wcs-out", str(wcs_folder), "--tle-folder", str(tle_folder),
                    "--solver", "fixture", "--scale-low", "77", "--scale-high", "95", "--no-progress")
    assert again.exit_code == 0, again.output
    assert again.output.strip().splitlines() == [f"solved 0 of 1 images; not solved: {FRAMES[3]}.jpg; 3 already had a .wcs (--overwrite solves them again)"]


def test_cli_solve_usage_errors(register_solver, images: Path, tmp_path: Path, tle_folder: Path) -> None:
    base = ["solve", "--images", str(images), "--wcs-out", str(tmp_path / "wcs"), "--tle-folder", str(tle_folder)]
    result = _invoke(*base, "--scale-low", "77")
    assert result.exit_code == 2 and "--scale-low and --scale-high must be given together" in result.output
    result = _invoke(*base, "--scale-low", "95", "--scale-high", "77")
    assert result.exit_code == 2 and "0 < --scale-low < --scale-high" in result.output
    result = _invoke(*base, "--solver", "no-such-solver")
    assert result.exit_code == 1 and result.output.startswith("Error: ") and "no-such-solver" in result.output
    result = _invoke(*base, "--tle-folder", str(tmp_path / "no-tles"), "--solver", "astrometry.net")
    assert result.exit_code == 1 and "25544.tle" in result.output


@pytest.mark.slow
def test_cli_solves_the_real_photo_with_astrometry_net(register_solver, iss_jpeg: Path, iss_wcs: Path, tmp_path: Path, tle_folder: Path) -> None:
    images = tmp_path / "images"
    images.mkdir()
    (images / iss_jpeg.name).symlink_to(iss_jpeg)
    wcs_folder = tmp_path / "wcs"
    result = _invoke("solve", "--images", str(images), "--wcs-out", str(wcs_folder), "--tle-folder", str(tle_folder), "--no-progress")
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "solved 1 of 1 images"
    written = read_header(wcs_folder / "ISS029-E-8492.wcs")
    reference = fits.getheader(iss_wcs)
    assert written["DATE-OBS"] == "2011-09-18T11:54:56.000000"
    position = np.array([written[k] for k in ("POSX", "POSY", "POSZ")])
    assert np.linalg.norm(position - np.array([reference[k] for k in ("POSX", "POSY", "POSZ")])) < 0.1
    center = [SkyCoord(*astropy_wcs(h).all_pix2world(2128, 1416, 0), unit="deg") for h in (written, reference)]
    assert center[0].separation(center[1]).deg < 0.05
