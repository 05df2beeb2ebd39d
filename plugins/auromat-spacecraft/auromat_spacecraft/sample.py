"""A synthetic photo from orbit with its exact WCS solution, for demos and tests.

The camera sits at a known geodetic position (by default 400 km above 60°S
120°E on 2011-09-18 11:55 UTC, like the ISS) and looks obliquely at the
horizon. Every pixel is mapped with the core engine: rays that hit the Earth's
surface see a dark Earth, rays whose 110 km hit lies in an oval band around the
southern magnetic pole (centred-dipole MLat, brighter towards magnetic midnight)
add green auroral emission, and the other rays see stars above the limb. The
``.wcs`` (TAN, ``DATE-OBS``, ``POSX/Y/Z``, ``NORADID``) is written by
:mod:`.wcs`, so mapping the JPEG with it reproduces the rendering geometry.

Command line: ``python -m auromat_spacecraft.sample OUT_DIR``.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import attrs
import click
import numpy as np
from astropy.io import fits
from PIL import Image

from auromat_core import atomic_output, get_magnetic_model
from auromat_core.geometry import apparent_directions, geodetic_to_ecef, horizontal_directions, intersects_earth, itrs_to_gcrs, map_directions

from .wcs import WcsSolution, with_photo_keywords, write_header

_EXIF_IFD = 0x8769
_DATE_TIME_ORIGINAL = 0x9003
IDENTIFIER = "AUROMAT-SAMPLE-0001"


@attrs.frozen
class SampleCamera:
    """Pose and optics of the synthetic camera."""

    time: datetime = datetime(2011, 9, 18, 11, 55, 0)
    latitude: float = -60.0
    longitude: float = 120.0
    height_km: float = 400.0
    azimuth: float = 100.0
    """View direction, degrees clockwise from north."""
    depression: float = 21.0
    """View direction, degrees below the local horizontal."""
    roll: float = 0.0
    """Rotation about the view direction, degrees."""
    width: int = 1200
    height: int = 800
    pixel_scale: float = 0.04
    """Degrees per pixel at the image centre."""
    norad_id: str = "25544"

    def position_itrs(self) -> np.ndarray:
        return np.array(geodetic_to_ecef(self.latitude, self.longitude, self.height_km), dtype=np.float64)

    def axes_itrs(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Unit vectors (ITRS) of image right, image down and the view direction."""
        up = horizontal_directions(self.latitude, self.longitude, 0.0, 90.0)
        forward = horizontal_directions(self.latitude, self.longitude, self.azimuth, -self.depression)
        right = np.cross(forward, up)
        right /= np.linalg.norm(right)
        down = np.cross(forward, right)
        roll = np.radians(self.roll)
        right, down = np.cos(roll) * right + np.sin(roll) * down, -np.sin(roll) * right + np.cos(roll) * down
        return right, down, forward


def sample_header(camera: SampleCamera) -> fits.Header:
    """The exact TAN WCS header (with photo keywords) of ``camera``."""
    right, down, forward = (itrs_to_gcrs(vector, camera.time) for vector in camera.axes_itrs())
    ra = np.arctan2(forward[1], forward[0])
    dec = np.arcsin(forward[2])
    east = np.array([-np.sin(ra), np.cos(ra), 0.0])
    north = np.array([-np.sin(dec) * np.cos(ra), -np.sin(dec) * np.sin(ra), np.cos(dec)])
    cd = camera.pixel_scale * np.array([[right @ east, down @ east], [right @ north, down @ north]])
    header = fits.Header()
    header["WCSAXES"] = 2
    header["CTYPE1"] = "RA---TAN"
    header["CTYPE2"] = "DEC--TAN"
    header["EQUINOX"] = 2000.0
    header["LONPOLE"] = 180.0
    header["LATPOLE"] = 0.0
    header["CRVAL1"] = float(np.degrees(ra) % 360.0)
    header["CRVAL2"] = float(np.degrees(dec))
    header["CRPIX1"] = (camera.width - 1) / 2 + 1
    header["CRPIX2"] = (camera.height - 1) / 2 + 1
    header["CUNIT1"] = "deg"
    header["CUNIT2"] = "deg"
    for (i, j), value in np.ndenumerate(cd):
        header[f"CD{i + 1}_{j + 1}"] = float(value)
    header["IMAGEW"] = (camera.width, "Image width,  in pixels.")
    header["IMAGEH"] = (camera.height, "Image height, in pixels.")
    header.add_history("Synthetic camera of auromat_spacecraft.sample")
    position = itrs_to_gcrs(camera.position_itrs(), camera.time)
    return with_photo_keywords(header, date_obs=camera.time, position=position, norad_id=camera.norad_id)


def render(camera: SampleCamera, solution: WcsSolution, seed: int = 1) -> np.ndarray:
    """The (h, w, 3) uint8 picture seen by ``camera``."""
    rng = np.random.default_rng(seed)
    height, width = solution.shape
    position = solution.position
    directions = apparent_directions(solution.center_rows(slice(0, height)), camera.time)  # lines of sight, GCRS
    ground = intersects_earth(position, directions, camera.time)
    hits = map_directions(position, directions, camera.time, 110.0)
    image = np.empty((height, width, 3), dtype=np.float64)
    image[:] = (3.0, 3.0, 8.0)
    image[ground] = (10.0, 12.0, 20.0)
    image += rng.normal(0.0, 1.2, image.shape)
    _draw_stars(image, solution, ~ground, rng)
    defined = np.isfinite(hits.lat)
    if defined.any():
        mlat, mlt = get_magnetic_model("dipole").to_magnetic(hits.lat[defined], hits.lon[defined], 110.0, camera.time)
        band = np.exp(-0.5 * ((mlat + 64.5) / 0.7) ** 2) + 0.5 * np.exp(-0.5 * ((mlat + 66.5) / 0.4) ** 2)
        midnight = 0.55 + 0.45 * np.cos(np.radians((mlt - 23.0) * 15.0))
        rays = 0.7 + 0.3 * np.sin(mlt * (2 * np.pi / 24.0) * 150.0) ** 2
        slant = np.clip(1.0 / np.maximum(np.sin(np.radians(hits.elevation[defined])), 0.2), 1.0, 5.0)
        intensity = band * midnight * rays * (0.45 + 0.11 * slant)
        image[defined] += intensity[:, None] * np.array([40.0, 235.0, 110.0])
    return np.clip(np.rint(image), 0, 255).astype(np.uint8)


def _draw_stars(image: np.ndarray, solution: WcsSolution, sky: np.ndarray, rng: np.random.Generator) -> None:
    count = 20000
    z = rng.uniform(-1.0, 1.0, count)
    phi = rng.uniform(0.0, 2 * np.pi, count)
    ra, dec = np.degrees(phi), np.degrees(np.arcsin(z))
    magnitude = rng.uniform(0.0, 1.0, count) ** 3
    x, y = solution.wcs.all_world2pix(ra, dec, 0)
    height, width = sky.shape
    inside = (x >= 1) & (x < width - 2) & (y >= 1) & (y < height - 2)
    offsets = np.arange(-1, 2)
    for xi, yi, brightness in zip(x[inside], y[inside], 60.0 + 195.0 * magnitude[inside]):
        column, row = int(round(xi)), int(round(yi))
        if not sky[row, column]:
            continue
        dx = (column + offsets)[None, :] - xi
        dy = (row + offsets)[:, None] - yi
        spot = brightness * np.exp(-(dx * dx + dy * dy) / (2 * 0.6**2))
        image[row - 1 : row + 2, column - 1 : column + 2] += spot[:, :, None]


def make_sample(
    folder: str | os.PathLike, camera: SampleCamera | None = None, seed: int = 1, identifier: str = IDENTIFIER
) -> tuple[Path, Path]:
    """Write ``<identifier>.jpg`` (with EXIF DateTimeOriginal) and ``<identifier>.wcs`` into ``folder``.

    Returns
    -------
    (image path, WCS path)
    """
    camera = camera or SampleCamera()
    folder = Path(folder)
    header = sample_header(camera)
    wcs_path = write_header(folder / f"{identifier}.wcs", header)
    solution = WcsSolution(header, str(wcs_path))
    picture = render(camera, solution, seed)
    exif = Image.Exif()
    exif.get_ifd(_EXIF_IFD)[_DATE_TIME_ORIGINAL] = camera.time.strftime("%Y:%m:%d %H:%M:%S")
    image_path = folder / f"{identifier}.jpg"
    with atomic_output(image_path) as temporary:
        Image.fromarray(picture).save(temporary, format="JPEG", quality=92, exif=exif)
    return image_path, wcs_path


@click.command()
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@click.option("--seed", default=1, show_default=True, help="Seed of the star field and noise.")
def main(out_dir: Path, seed: int) -> None:
    """Write a synthetic photo from orbit and its .wcs solution into OUT_DIR."""
    image_path, wcs_path = make_sample(out_dir, seed=seed)
    click.echo(f"{image_path}\n{wcs_path}")


if __name__ == "__main__":
    main()
