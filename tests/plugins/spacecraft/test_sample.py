"""The synthetic sample: its WCS reproduces the camera model, its aurora lies in the oval."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from auromat_spacecraft.images import load_image
from auromat_spacecraft.mapping import map_photo
from auromat_spacecraft.sample import SampleCamera, main
from auromat_spacecraft.wcs import WcsSolution, angle_between
from click.testing import CliRunner

from auromat_core import get_magnetic_model
from auromat_core.geometry.ellipsoid import ecef_to_geodetic
from auromat_core.geometry.frames import gcrs_to_itrs


def test_wcs_reproduces_the_camera(sample_files: tuple[Path, Path]) -> None:
    camera = SampleCamera()
    solution = WcsSolution.from_file(sample_files[1])
    assert solution.shape == (800, 1200)
    lat, lon, height = ecef_to_geodetic(*gcrs_to_itrs(solution.position, camera.time))
    assert abs(lat + 60) < 1e-9 and abs(lon - 120) < 1e-9 and abs(height - 400) < 1e-9
    right, down, forward = camera.axes_itrs()
    # pinhole camera: ray = forward + tan-plane offsets along right/down
    x = np.array([0.0, 1199.0, 0.0, 1199.0, 599.5, 300.0])
    y = np.array([0.0, 0.0, 799.0, 799.0, 399.5, 600.0])
    scale = np.radians(camera.pixel_scale)  # TAN: intermediate degrees are tangent-plane radians * 180/pi
    expected = forward + scale * ((x - 599.5)[:, None] * right + (y - 399.5)[:, None] * down)
    expected /= np.linalg.norm(expected, axis=1, keepdims=True)
    found = gcrs_to_itrs(solution.directions(x, y), camera.time)
    assert angle_between(found, expected).max() < 1e-9


def test_aurora_pixels_lie_in_the_oval(sample_files: tuple[Path, Path]) -> None:
    image_path, wcs_path = sample_files
    mapping = map_photo(image_path, wcs_path)
    picture = load_image(image_path).astype(int)
    green = (picture[..., 1] - picture[..., 0] > 60) & mapping.defined
    assert green.sum() > 5000
    mlat, _ = get_magnetic_model("dipole").to_magnetic(mapping.lat[green], mapping.lon[green], 110.0, mapping.time)
    assert -69.0 < mlat.min() and mlat.max() < -62.0
    dark = mapping.defined & (picture[..., 1] < 30)
    assert dark.sum() > 10000
    box = mapping.bounding_box
    assert -70 < box.lat_south < box.lat_north < -50


def test_cli_writes_the_pair(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, [str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["AUROMAT-SAMPLE-0001.jpg", "AUROMAT-SAMPLE-0001.wcs"]
