"""Image reading: Pillow formats, RAW through rawpy (DNG files written by pidng), EXIF time."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from auromat_spacecraft.images import (
    RawOptions,
    centered_crop,
    load_image,
    read_exif_time,
    read_raw,
)
from PIL import Image, ImageFile

from auromat_core import InputError
from tests.plugins.conftest import write_dng

RED, GREEN, BLUE = 4000, 8000, 12000


def bayer(height: int = 64, width: int = 96) -> np.ndarray:
    cfa = np.full((height, width), GREEN, np.uint16)
    cfa[0::2, 0::2] = RED
    cfa[1::2, 1::2] = BLUE
    return cfa


def one_line(error: pytest.ExceptionInfo, path: Path) -> str:
    text = str(error.value)
    assert "\n" not in text and str(path) in text
    return text


# -- Pillow formats ---------------------------------------------------------------


def test_jpeg(iss_jpeg: Path) -> None:
    image = load_image(iss_jpeg)
    assert image.shape == (2832, 4256, 3) and image.dtype == np.uint8
    with Image.open(iss_jpeg) as reference:
        np.testing.assert_array_equal(image[::97, ::89], np.asarray(reference)[::97, ::89])


@pytest.mark.parametrize("lenient", [False, True])
def test_truncated_jpeg(iss_jpeg: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lenient: bool) -> None:
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", lenient)
    path = tmp_path / "truncated.jpg"
    path.write_bytes(iss_jpeg.read_bytes()[:150_000])
    with pytest.raises(InputError) as error:
        load_image(path)
    assert "truncated" in one_line(error, path)
    assert ImageFile.LOAD_TRUNCATED_IMAGES is lenient


def test_missing_and_garbage_files(tmp_path: Path) -> None:
    with pytest.raises(InputError) as error:
        load_image(tmp_path / "none.png")
    one_line(error, tmp_path / "none.png")
    garbage = tmp_path / "garbage.jpg"
    garbage.write_bytes(b"\x00" * 1000)
    with pytest.raises(InputError) as error:
        load_image(garbage)
    one_line(error, garbage)


def test_gray_sixteen_bit_and_alpha(tmp_path: Path) -> None:
    gray = np.arange(12, dtype=np.uint8).reshape(3, 4) * 20
    Image.fromarray(gray).save(tmp_path / "gray.png")
    np.testing.assert_array_equal(load_image(tmp_path / "gray.png"), gray[:, :, None])
    deep = (np.arange(12, dtype=np.uint16).reshape(3, 4) * 5000).astype(np.uint16)
    Image.fromarray(deep).save(tmp_path / "deep.png")
    result = load_image(tmp_path / "deep.png")
    assert result.dtype == np.uint16
    np.testing.assert_array_equal(result, deep[:, :, None])
    rgba = np.dstack([np.full((3, 4), v, np.uint8) for v in (10, 20, 30, 40)])
    Image.fromarray(rgba).save(tmp_path / "rgba.png")
    np.testing.assert_array_equal(load_image(tmp_path / "rgba.png"), rgba[:, :, :3])
    Image.fromarray(np.ones((3, 4), np.float32)).save(tmp_path / "float.tif")
    with pytest.raises(InputError) as error:
        load_image(tmp_path / "float.tif")
    assert "unsigned" in one_line(error, tmp_path / "float.tif")


def test_exif_time(iss_jpeg: Path, sample_files: tuple[Path, Path]) -> None:
    assert read_exif_time(iss_jpeg) == datetime(2011, 9, 18, 11, 54, 56)
    assert read_exif_time(sample_files[0]) == datetime(2011, 9, 18, 11, 55)


def test_centered_crop() -> None:
    image = np.arange(2836 * 4260).reshape(2836, 4260)
    cropped = centered_crop(image, 16)
    assert cropped.shape == (2832, 4256)
    assert cropped[0, 0] == image[2, 2]


# -- RAW --------------------------------------------------------------------------


def interior(rgb: np.ndarray) -> np.ndarray:
    return rgb[4:-4, 4:-4].reshape(-1, 3)


def test_raw_linear_sixteen_bit(tmp_path: Path) -> None:
    path = write_dng(tmp_path / "frame.dng", bayer())
    rgb = read_raw(path, RawOptions(white_balance=(1, 1, 1, 1)))
    assert rgb.shape == (64, 96, 3) and rgb.dtype == np.uint16
    assert np.abs(interior(rgb).astype(int) - [RED, GREEN, BLUE]).max() <= 2


def test_raw_white_balance(tmp_path: Path) -> None:
    path = write_dng(tmp_path / "frame.dng", bayer(), as_shot_red=0.5)
    as_shot = read_raw(path)  # camera white balance: AsShotNeutral red 0.5 -> multiplier 2
    assert np.abs(interior(as_shot).astype(int) - [2 * RED, GREEN, BLUE]).max() <= 2
    three = read_raw(path, RawOptions(white_balance=(1.0, 1.0, 3.0)))
    assert np.abs(interior(three).astype(int) - [RED, GREEN, 3 * BLUE]).max() <= 3
    np.testing.assert_array_equal(three, read_raw(path, RawOptions(white_balance=(1.0, 1.0, 3.0, 1.0))))


def test_raw_eight_bit_gamma_and_auto_bright(tmp_path: Path) -> None:
    path = write_dng(tmp_path / "frame.dng", bayer())
    wb = RawOptions(white_balance=(1, 1, 1, 1))
    linear16 = read_raw(path, wb)
    linear8 = read_raw(path, RawOptions(white_balance=(1, 1, 1, 1), bits=8))
    assert linear8.dtype == np.uint8
    assert np.abs(interior(linear8).astype(float) - interior(linear16) / 257.0).max() <= 1.0
    bt709 = read_raw(path, RawOptions(white_balance=(1, 1, 1, 1), gamma=None))
    # BT.709 curve (power 2.222, slope 4.5) brightens dark linear values
    value = GREEN / 65535
    expected = 1.099 * value ** (1 / 2.222) - 0.099
    assert interior(bt709)[:, 1].astype(float).mean() / 65535 == pytest.approx(expected, abs=0.01)
    bright = read_raw(path, RawOptions(white_balance=(1, 1, 1, 1), auto_bright=True))
    assert interior(bright)[:, 1].mean() > 2 * interior(linear16)[:, 1].mean()


def test_raw_upside_down(tmp_path: Path) -> None:
    cfa = bayer()
    cfa[:, :48] //= 2  # left half darker
    cfa[:32] //= 2  # top half darker
    path = write_dng(tmp_path / "frame.dng", cfa)
    normal = read_raw(path, RawOptions(white_balance=(1, 1, 1, 1)))
    flipped = read_raw(path, RawOptions(white_balance=(1, 1, 1, 1), upside_down=True))
    np.testing.assert_array_equal(flipped, normal[::-1, ::-1])
    assert normal[5, 5, 1] < normal[-5, -5, 1]


def test_raw_bad_pixel_repair(tmp_path: Path) -> None:
    clean = read_raw(write_dng(tmp_path / "clean.dng", bayer()), RawOptions(white_balance=(1, 1, 1, 1)))
    hot = bayer()
    hot[20, 30] = 65535  # a red site
    hot[31, 41] = 65535  # a blue site
    path = write_dng(tmp_path / "hot.dng", hot)
    unrepaired = read_raw(path, RawOptions(white_balance=(1, 1, 1, 1)))
    assert unrepaired[20, 30, 0] > 30000
    list_file = tmp_path / "bad_pixels.txt"
    list_file.write_text("20 30\n31 41\n")
    for source in (np.array([[20, 30], [31, 41]]), list_file):
        repaired = read_raw(path, RawOptions(white_balance=(1, 1, 1, 1), bad_pixels=source))
        np.testing.assert_array_equal(repaired, clean)
    with pytest.raises(InputError, match="outside the visible RAW area"):
        read_raw(path, RawOptions(bad_pixels=np.array([[64, 0]])))


def test_unknown_raw_is_one_line_error(tmp_path: Path) -> None:
    path = tmp_path / "DSC_0001.nef"
    path.write_bytes(b"NIKON" + bytes(range(256)) * 40)
    with pytest.raises(InputError) as error:
        load_image(path)
    assert "LibRaw" in one_line(error, path)


def test_raw_option_validation() -> None:
    with pytest.raises(InputError, match="bits"):
        RawOptions(bits=12)
    with pytest.raises(InputError, match="white_balance"):
        RawOptions(white_balance="tungsten")
    with pytest.raises(InputError, match="3 or 4"):
        RawOptions(white_balance=(1.0, 2.0))


@pytest.mark.parametrize("multipliers", [(1, -1, 1, 1), (0, 0, 0, 0), (1.0, float("inf"), 1.0), (1, "2", 1), (1, True, 1)])
def test_white_balance_multipliers_must_be_positive_numbers(multipliers) -> None:
    """LibRaw would use negative ones and ignore all-zero ones (the camera's balance instead)."""
    with pytest.raises(InputError) as error:
        RawOptions(white_balance=multipliers)
    assert str(error.value) == f"RAW option white_balance multipliers must be positive numbers, got {multipliers!r}"


@pytest.mark.parametrize("gamma", [2.2, (2.2,), ("2.2", 4.5)])
def test_a_gamma_that_is_not_power_and_slope_is_refused(gamma) -> None:
    with pytest.raises(InputError, match=r"^RAW option gamma must be \(power, slope\), e.g. \(1, 1\) for linear, or None for BT.709; got "):
        RawOptions(gamma=gamma)
