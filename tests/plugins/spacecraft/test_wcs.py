"""WCS files: keywords, validation, writing, and exact pixel directions."""

from __future__ import annotations

import warnings
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from astropy.wcs import WCS, FITSFixedWarning
from auromat_spacecraft.wcs import (
    WcsSolution,
    angle_between,
    read_header,
    with_photo_keywords,
    write_header,
)

from auromat_core import WcsError


def astropy_directions(header: fits.Header, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Unit vectors from astropy's all_pix2world (the reference)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FITSFixedWarning)
        ra, dec = WCS(header).all_pix2world(x, y, 0)
    ra, dec = np.radians(ra), np.radians(dec)
    return np.stack([np.cos(dec) * np.cos(ra), np.cos(dec) * np.sin(ra), np.sin(dec)], axis=-1)


def random_pixels(solution: WcsSolution, n: int = 20000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.uniform(-0.5, solution.width - 0.5, n), rng.uniform(-0.5, solution.height - 0.5, n)


def test_fixture_keywords(iss_wcs: Path) -> None:
    solution = WcsSolution.from_file(iss_wcs)
    assert solution.shape == (2832, 4256)
    assert solution.date_obs == datetime(2011, 9, 18, 11, 54, 56)
    np.testing.assert_array_equal(solution.position, [3631.092688542516, -2155.308046530645, -5284.393739145378])
    assert solution.norad_id == "25544"
    assert solution.date_shift is None and solution.position_shifted is None and solution.shifted_time is None
    assert solution.fast_path


@pytest.mark.parametrize("name", ["ISS029-E-8492.wcs", "seq/ISS029-E-8493.wcs", "seq/ISS029-E-8502.wcs"])
def test_fast_directions_equal_astropy(iss_fixtures: Path, name: str) -> None:
    solution = WcsSolution.from_file(iss_fixtures / name)
    x, y = random_pixels(solution)
    error = angle_between(solution.directions(x, y), astropy_directions(solution.header, x, y))
    assert error.max() < 1e-9


def test_corner_and_center_grids_equal_astropy(iss_wcs: Path) -> None:
    solution = WcsSolution.from_file(iss_wcs)
    rows = slice(0, solution.height + 1, 700)
    corners = solution.corner_rows(rows)
    x = np.arange(solution.width + 1) - 0.5
    y = np.arange(solution.height + 1)[rows] - 0.5
    gx, gy = np.meshgrid(x, y)
    assert corners.shape == (len(y), solution.width + 1, 3)
    assert angle_between(corners, astropy_directions(solution.header, gx, gy)).max() < 1e-9
    centers = solution.center_rows(slice(2831, 2832), columns=slice(10, 20))
    gx, gy = np.meshgrid(np.arange(10, 20), [2831])
    assert angle_between(centers, astropy_directions(solution.header, gx, gy)).max() < 1e-9
    unnormalised = solution.corner_rows(rows, unit=False)
    unit = unnormalised / np.linalg.norm(unnormalised, axis=-1, keepdims=True)
    assert angle_between(unit, corners).max() < 1e-12


def sip_header(header: fits.Header) -> fits.Header:
    header = header.copy()
    header["CTYPE1"], header["CTYPE2"] = "RA---TAN-SIP", "DEC--TAN-SIP"
    header["A_ORDER"] = header["B_ORDER"] = 3
    for key, value in {"A_2_0": 2e-6, "A_1_1": -1e-6, "A_0_2": 5e-7, "A_3_0": 1e-9, "B_0_2": 3e-6,
                       "B_2_0": -1e-6, "B_1_1": 4e-7, "B_0_3": -2e-9}.items():
        header[key] = value
    return header


def test_sip_directions_equal_astropy(iss_wcs: Path) -> None:
    header = sip_header(read_header(iss_wcs))
    solution = WcsSolution(header, "sip")
    assert solution.fast_path
    x, y = random_pixels(solution)
    expected = astropy_directions(header, x, y)
    assert angle_between(solution.directions(x, y), expected).max() < 1e-9
    # the distortion is real: without SIP the directions differ by many pixels
    plain = astropy_directions(read_header(iss_wcs), x, y)
    assert angle_between(plain, expected).max() > np.radians(0.05)
    gx, gy = np.meshgrid(np.arange(4256) - 0.5, [99.5])
    grid = solution.corner_rows(slice(100, 101), columns=slice(0, 4256))
    assert angle_between(grid, astropy_directions(header, gx, gy)).max() < 1e-9


def test_other_projection_uses_astropy(iss_wcs: Path) -> None:
    header = read_header(iss_wcs)
    header["CTYPE1"], header["CTYPE2"] = "RA---ZEA", "DEC--ZEA"
    solution = WcsSolution(header, "zea")
    assert not solution.fast_path
    x, y = random_pixels(solution, 500)
    assert angle_between(solution.directions(x, y), astropy_directions(header, x, y)).max() < 1e-12


def test_pc_and_cdelt_describe_the_same_solution_as_cd(iss_wcs: Path) -> None:
    with_cd = read_header(iss_wcs)
    header = with_cd.copy()
    for i in (1, 2):
        header[f"CDELT{i}"] = 0.025
        for j in (1, 2):
            header[f"PC{i}_{j}"] = header.pop(f"CD{i}_{j}") / 0.025
    solution = WcsSolution(header, "pc")
    x, y = random_pixels(solution, 500)
    assert angle_between(solution.directions(x, y), WcsSolution(with_cd).directions(x, y)).max() < 1e-12


def test_date_obs_with_and_without_fraction(iss_wcs: Path) -> None:
    header = read_header(iss_wcs)
    header["DATE-OBS"] = "2012-01-25T09:27:08.06"
    assert WcsSolution(header).date_obs == datetime(2012, 1, 25, 9, 27, 8, 60000)
    header["DATE-OBS"] = "2012-01-25T09:27:08"
    assert WcsSolution(header).date_obs == datetime(2012, 1, 25, 9, 27, 8)


def test_shifted_keywords(iss_wcs: Path) -> None:
    header = read_header(iss_wcs)
    header["DATESHIF"] = -13.0
    header["POSXSHIF"], header["POSYSHIF"], header["POSZSHIF"] = 3500.0, -2300.0, -5300.0
    solution = WcsSolution(header)
    assert solution.shifted_time == datetime(2011, 9, 18, 11, 54, 43)
    np.testing.assert_array_equal(solution.position_shifted, [3500.0, -2300.0, -5300.0])


def message_of(error: pytest.ExceptionInfo) -> str:
    text = str(error.value)
    assert "\n" not in text
    return text


@pytest.mark.parametrize(
    ("change", "keyword"),
    [
        (lambda h: h.remove("DATE-OBS"), "DATE-OBS"),
        (lambda h: h.set("DATE-OBS", "18/09/2011 11:54"), "DATE-OBS"),
        (lambda h: h.set("DATE-OBS", "2011-13-18T11:54:56"), "DATE-OBS"),
        (lambda h: h.remove("POSY"), "POSY"),
        (lambda h: h.set("POSX", "far"), "POSX"),
        (lambda h: h.set("POSX", 3.6), "POSX/POSY/POSZ"),
        (lambda h: h.remove("IMAGEW"), "IMAGEW"),
        (lambda h: h.set("IMAGEH", -5), "IMAGEH"),
        (lambda h: h.set("NORADID", "ISS"), "NORADID"),
        (lambda h: h.set("DATESHIF", "soon"), "DATESHIF"),
        (lambda h: (h.set("DATESHIF", 1.0), h.set("POSXSHIF", 3600.0)), "POSYSHIF"),
        (lambda h: (h.set("CTYPE1", "LINEAR"), h.set("CTYPE2", "LINEAR")), "CTYPE1/CTYPE2"),
        (lambda h: (h.set("CTYPE1", "GLON-TAN"), h.set("CTYPE2", "GLAT-TAN")), "CTYPE1/CTYPE2"),
        (lambda h: [h.set(f"CD{i}_{j}", 0.0) for i in (1, 2) for j in (1, 2)], "CD1_1..CD2_2 form a singular matrix"),
        (lambda h: (h.set("CD1_1", h["CD1_2"]), h.set("CD2_1", h["CD2_2"])), "CD1_1..CD2_2 form a singular matrix"),
        (lambda h: [h.remove(f"CD{i}_{j}") for i in (1, 2) for j in (1, 2)], "CD1_1..CD2_2 are missing, and so is CDELT1/CDELT2"),
        (lambda h: ([h.remove(f"CD{i}_{j}") for i in (1, 2) for j in (1, 2)], h.set("CDELT1", 0.01), h.set("CDELT2", 0.0)),
         "PC1_1..PC2_2 with CDELT1/CDELT2 form a singular matrix"),
    ],
)
def test_invalid_keywords_name_file_and_keyword(iss_wcs: Path, tmp_path: Path, change, keyword: str) -> None:
    header = read_header(iss_wcs)
    change(header)
    path = write_header(tmp_path / "bad.wcs", header)
    with pytest.raises(WcsError) as error:
        WcsSolution.from_file(path)
    text = message_of(error)
    assert str(path) in text and keyword in text


def test_image_size_mismatch(iss_wcs: Path) -> None:
    solution = WcsSolution.from_file(iss_wcs)
    with pytest.raises(WcsError) as error:
        solution.check_image_shape((2832, 4255, 3), "photo.jpg")
    text = message_of(error)
    assert "photo.jpg" in text and "IMAGEW" in text and str(iss_wcs) in text


def test_write_round_trip_with_checksum(iss_wcs: Path, tmp_path: Path) -> None:
    header = with_photo_keywords(
        read_header(iss_wcs),
        date_obs=datetime(2011, 9, 18, 11, 54, 56, 500000),
        position=np.array([1.0e4, 0.0, 0.0]),
        norad_id=25544,
        date_shift=2.5,
        position_shifted=np.array([0.0, 1.0e4, 0.0]),
    )
    path = write_header(tmp_path / "out.wcs", header)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.wcs"]
    assert path.stat().st_size % 2880 == 0
    with fits.open(path, checksum=True) as hdus:
        written = hdus[0].header
        assert written["NAXIS"] == 0 and "CHECKSUM" in written and "DATASUM" in written
        assert hdus[0].verify_checksum() == 1
    assert written["DATE-OBS"] == "2011-09-18T11:54:56.500000"
    assert written["NORADID"] == "25544"
    solution = WcsSolution.from_file(path)
    assert solution.shifted_time == datetime(2011, 9, 18, 11, 54, 59)
    np.testing.assert_array_equal(solution.position_shifted, [0.0, 1.0e4, 0.0])
    assert any("POS*SHIF & DATESHIF added by auromat" in str(card) for card in written["HISTORY"])


def test_corrupted_checksum_is_reported(iss_fixtures: Path, tmp_path: Path) -> None:
    raw = bytearray((iss_fixtures / "seq" / "ISS029-E-8493.wcs").read_bytes())
    position = raw.index(b"2011-09-18T11:54:59")
    raw[position + 18] = ord("8")
    path = tmp_path / "edited.wcs"
    path.write_bytes(bytes(raw))
    with pytest.raises(WcsError) as error:
        WcsSolution.from_file(path)
    text = message_of(error)
    assert str(path) in text and "CHECKSUM" in text


def test_not_fits(tmp_path: Path) -> None:
    path = tmp_path / "junk.wcs"
    path.write_text("not a FITS header")
    with pytest.raises(WcsError) as error:
        WcsSolution.from_file(path)
    assert str(path) in message_of(error)
