"""Fixtures shared by plugin tests: the real ISS photo mapped at 1/8 resolution, and synthetic mappings."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pyproj
import pytest
from auromat_spacecraft import map_photo

from auromat_core import InputError, Mapping, detect_providers, open_data
from auromat_core.templates import Template, TemplateCache
from tests.conftest import binned_header, binned_image

FACTOR = 8
"""Downscaling of ISS029-E-8492 (4256 x 2832) for fast tests: 532 x 354 pixels."""


@pytest.fixture(scope="session")
def binned_iss_mapping(iss_fixtures: Path) -> Mapping:
    """ISS029-E-8492 at 110 km, mapped from its WCS at 1/8 resolution (read-only)."""
    header = binned_header(iss_fixtures / "ISS029-E-8492.wcs", FACTOR)
    image = binned_image(iss_fixtures / "ISS029-E-8492.jpg", FACTOR)
    return map_photo(image, header, identifier="ISS029-E-8492", metadata={"mission": "ISS029", "frame": 8492})


def synthetic_mapping(
    h: int = 24,
    w: int = 32,
    *,
    masked: bool = True,
    channels: int = 3,
    dtype: type = np.uint8,
    time: datetime = datetime(2012, 1, 25, 9, 26, 55, 60_123),
    identifier: str = "synthetic",
    seed: int = 0,
) -> Mapping:
    """A smooth, slightly rotated pixel grid across the antimeridian near 65°N.

    With ``masked`` a disc of corners in the lower right is undefined.
    """
    y, x = np.mgrid[0 : h + 1, 0 : w + 1].astype(float)
    lat_bounds = 68.0 - 0.11 * y + 0.013 * x
    lon_bounds = 178.0 + 0.23 * x + 0.031 * y
    lon_bounds = 180.0 - np.mod(180.0 - lon_bounds, 360.0)
    if masked:
        lat_bounds[(y - h) ** 2 + (x - w) ** 2 < (0.5 * min(h, w)) ** 2] = np.nan
    lat_r, lon_r = np.radians(lat_bounds), np.radians(lon_bounds)
    vectors = np.stack([np.cos(lat_r) * np.cos(lon_r), np.cos(lat_r) * np.sin(lon_r), np.sin(lat_r)], axis=-1)
    mean = (vectors[:-1, :-1] + vectors[:-1, 1:] + vectors[1:, :-1] + vectors[1:, 1:]) / 4
    lat = np.degrees(np.arctan2(mean[..., 2], np.hypot(mean[..., 0], mean[..., 1])))
    lon = np.degrees(np.arctan2(mean[..., 1], mean[..., 0]))
    elevation = 15.0 + 70.0 * (y[:-1, :-1] + x[:-1, :-1]) / (h + w)
    rng = np.random.default_rng(seed)
    image = rng.integers(0, np.iinfo(dtype).max, size=(h, w, channels), endpoint=True).astype(dtype)
    return Mapping(
        lat_bounds=lat_bounds, lon_bounds=lon_bounds, lat=lat, lon=lon, elevation=elevation, image=image,
        altitude=110.0, time=time, camera_position=[-1512.25, -2340.5, 6035.125], identifier=identifier,
        metadata={"camera": "synthetic", "exposure_s": 0.5, "frame": 7, "lens_corrected": False},
    )


def fixed_camera_frames(count: int = 5) -> list[Mapping]:
    """Frames of one fixed camera (same coordinates; own image, time and camera position), then one with a pixel less.

    The last frame is the first with pixel (3, 4) undefined.
    """
    first = synthetic_mapping(40, 48, identifier="frame-0")
    frames = [
        first.replace(
            image=synthetic_mapping(40, 48, seed=i).image, time=first.time.replace(second=i),
            camera_position=first.camera_position + [10.0 * i, 0.0, 0.0], identifier=f"frame-{i}",
        )
        for i in range(count)
    ]
    keep = frames[0].defined.copy()
    keep[3, 4] = False
    return [*frames, frames[0].masked(keep).replace(identifier="frame-holey")]


def mapping_files_folder(folder: Path, write: Callable[..., Path], junk: str) -> Path:
    """Three small mapping files written out of time order (frames a, b, c at :10, :20, :30) plus a non-mapping file ``junk``."""
    for second, name in ((20, "b"), (10, "a"), (30, "c")):
        mapping = synthetic_mapping(8, 10, identifier=f"frame-{name}", time=synthetic_mapping().time.replace(second=second))
        write(mapping, folder, include_mag=False)
    (folder / junk).write_bytes(b"not a mapping file")
    return folder


def check_template_sequence(
    writer: Any, write: Callable[[Mapping, Path], Path], read: Callable[[Path], Mapping],
    contents: Callable[[Path], dict], assert_same_contents: Callable[[dict, dict], None], folder: Path, monkeypatch: Any,
) -> tuple[list[Mapping], list[Path], Template]:
    """Write :func:`fixed_camera_frames` through the exporter module ``writer``'s template cache and check each file.

    Every file must hold what writing its frame from scratch gives (``contents``
    compared by ``assert_same_contents``), read back within 1 m, and the holey
    frame must keep its extra undefined pixel. Returns the frames, the files and
    the one template built.
    """
    monkeypatch.setattr(writer, "_TEMPLATES", TemplateCache())
    frames = fixed_camera_frames()
    templated = [write(frame, folder / "templated") for frame in frames]
    templates = writer._TEMPLATES.templates
    assert len(templates) == 1
    for frame, path in zip(frames, templated):
        writer._TEMPLATES.clear()
        assert_same_contents(contents(path), contents(write(frame, folder / "fresh")))
        assert_same_mapping(read(path), frame, exact=False)
    assert np.isnan(read(templated[-1]).lat[3, 4]) and not np.isnan(read(templated[0]).lat[3, 4])
    assert sorted(p.name for p in (folder / "templated").iterdir()) == sorted(p.name for p in templated)
    return frames, templated, templates[0]


GEOD = pyproj.Geod(ellps="WGS84")


def position_error_m(a_lat, a_lon, b_lat, b_lon, altitude_km: float) -> float:
    """Largest distance (m) between corresponding defined points, at the mapping altitude (pyproj)."""
    defined = np.isfinite(a_lat)
    _, _, distance = GEOD.inv(a_lon[defined], a_lat[defined], b_lon[defined], b_lat[defined])
    return float(np.max(distance)) * (1 + altitude_km / 6356.752)


def assert_same_mapping(read: Mapping, original: Mapping, *, exact: bool = True) -> None:
    """Equal masks, image, time, altitude, camera, identifier and metadata; coordinates exact or within 1 m."""
    assert read.shape == original.shape
    assert np.array_equal(read.defined, original.defined)
    assert np.array_equal(read.corner_defined, original.corner_defined)
    assert np.array_equal(read.image[read.defined], original.image[original.defined])
    assert read.image.dtype == original.image.dtype
    assert read.time == original.time
    assert read.altitude == original.altitude
    assert np.array_equal(read.camera_position, original.camera_position)
    assert read.identifier == original.identifier
    assert read.metadata == original.metadata
    assert [type(v) for v in read.metadata.values()] == [type(original.metadata[k]) for k in read.metadata]
    if exact:
        for name in ("lat", "lon", "lat_bounds", "lon_bounds"):
            assert np.array_equal(getattr(read, name), getattr(original, name), equal_nan=True), name
        np.testing.assert_allclose(read.elevation, original.elevation, atol=1e-12, rtol=0)
    else:
        assert position_error_m(read.lat, read.lon, original.lat, original.lon, original.altitude) <= 1.0
        assert position_error_m(read.lat_bounds, read.lon_bounds, original.lat_bounds, original.lon_bounds, original.altitude) <= 1.0
        np.testing.assert_allclose(read.elevation, original.elevation, atol=4e-6, rtol=0)


# XYZ -> linear sRGB (D65): with this ColorMatrix1 LibRaw's camera -> sRGB conversion is the identity,
# so the developed values can be predicted exactly from the Bayer data.
XYZ_TO_SRGB = [[3.2406, -1.5372, -0.4986], [-0.9689, 1.8758, 0.0415], [0.0557, -0.2040, 1.0570]]


def write_dng(path: Path, cfa: np.ndarray, as_shot_red: float = 0.5) -> Path:
    """A 16-bit RGGB DNG of ``cfa`` written by pidng (Nikon D3S Make/Model, sRGB colour matrix).

    ``as_shot_red`` is the camera's as-shot neutral red multiplier (green and blue are 1).
    """
    from pidng.core import RAW2DNG, DNGTags, Tag
    from pidng.defs import (
        CalibrationIlluminant,
        CFAPattern,
        DNGVersion,
        Orientation,
        PhotometricInterpretation,
    )

    height, width = cfa.shape
    tags = DNGTags()
    tags.set(Tag.ImageWidth, width)
    tags.set(Tag.ImageLength, height)
    tags.set(Tag.TileWidth, width)
    tags.set(Tag.TileLength, height)
    tags.set(Tag.Orientation, Orientation.Horizontal)
    tags.set(Tag.PhotometricInterpretation, PhotometricInterpretation.Color_Filter_Array)
    tags.set(Tag.SamplesPerPixel, 1)
    tags.set(Tag.BitsPerSample, 16)
    tags.set(Tag.CFARepeatPatternDim, [2, 2])
    tags.set(Tag.CFAPattern, CFAPattern.RGGB)
    tags.set(Tag.BlackLevel, 0)
    tags.set(Tag.WhiteLevel, 65535)
    tags.set(Tag.ColorMatrix1, [[round(v * 10000), 10000] for row in XYZ_TO_SRGB for v in row])
    tags.set(Tag.CalibrationIlluminant1, CalibrationIlluminant.D65)
    tags.set(Tag.AsShotNeutral, [[round(as_shot_red * 1000), 1000], [1, 1], [1, 1]])
    tags.set(Tag.Make, "Nikon")
    tags.set(Tag.Model, "D3S")
    tags.set(Tag.DNGVersion, DNGVersion.V1_4)
    tags.set(Tag.DNGBackwardVersion, DNGVersion.V1_2)
    converter = RAW2DNG()
    converter.options(tags, path="", compress=False)
    return Path(converter.convert(cfa, filename=str(path.with_suffix(""))))


def assert_truncated_file_is_reported(written: Path, folder: Path, provider: str, format_name: str) -> None:
    """A copy of the file ``written`` cut in half is detected as ``provider``'s, and opening it says it is unreadable."""
    truncated = folder / written.name
    truncated.parent.mkdir(parents=True, exist_ok=True)
    truncated.write_bytes(written.read_bytes()[: written.stat().st_size // 2])
    assert [registration.name for registration in detect_providers(truncated)] == [provider]
    with pytest.raises(InputError, match=rf"^{truncated}: not a readable {format_name} file"):
        open_data(truncated)
