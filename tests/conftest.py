"""Shared test fixtures: paths to the real data in ../shared/fixtures."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_FIXTURES = (REPO_ROOT / ".." / "shared" / "fixtures").resolve()


@pytest.fixture(scope="session")
def shared_fixtures() -> Path:
    """The folder of real test data (``../shared/fixtures`` beside the repository)."""
    if not SHARED_FIXTURES.is_dir():
        pytest.fail(f"real fixture data not found at {SHARED_FIXTURES}: ../shared must sit beside the repository")
    return SHARED_FIXTURES


@pytest.fixture(scope="session")
def iss_fixtures(shared_fixtures: Path) -> Path:
    """``../shared/fixtures/iss``: ISS029-E-8492 (JPEG + WCS) and ``seq/*.wcs``."""
    return shared_fixtures / "iss"


@pytest.fixture(scope="session")
def themis_fixtures(shared_fixtures: Path) -> Path:
    """``../shared/fixtures/themis``: the Gakona L1 hour file and its UCalgary skymap."""
    return shared_fixtures / "themis"


def binned_header(path: Path, factor: int):
    """The WCS of ``path`` for the same camera with ``factor`` x ``factor`` pixels binned into one.

    Same sky, coarser pixels: tests map the real solutions fast this way.
    """
    from astropy.io import fits

    header = fits.Header.fromfile(str(path))
    for key in ("CD1_1", "CD1_2", "CD2_1", "CD2_2"):
        header[key] = header[key] * factor
    for key in ("CRPIX1", "CRPIX2"):
        header[key] = (header[key] - 0.5) / factor + 0.5
    header["IMAGEW"] = header["IMAGEW"] // factor
    header["IMAGEH"] = header["IMAGEH"] // factor
    for key in ("CHECKSUM", "DATASUM"):
        header.remove(key, ignore_missing=True)
    return header


def write_sequence(iss: Path, folder: Path, factor: int) -> Path:
    """The ISS sequence shrunk by ``factor``: one JPEG and one ``.wcs`` (checksums renewed) per frame."""
    from astropy.io import fits
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    with Image.open(iss / "ISS029-E-8492.jpg") as photo:
        small = photo.resize((photo.width // factor, photo.height // factor), Image.Resampling.BOX)
    for wcs in sorted((iss / "seq").glob("*.wcs")):
        hdu = fits.PrimaryHDU(header=binned_header(wcs, factor))
        hdu.add_checksum()
        hdu.header.tofile(folder / wcs.name)
        small.save(folder / f"{wcs.stem}.jpg", quality=95)
    return folder


def astropy_wcs(header):
    """astropy's WCS of a FITS header, without its warnings about non-standard keywords (an independent reference)."""
    import warnings

    from astropy.wcs import WCS, FITSFixedWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FITSFixedWarning)
        return WCS(header)


def binned_image(path: Path, factor: int):
    """The photo at ``path`` shrunk by ``factor`` (box filter), as an array."""
    import numpy as np
    from PIL import Image

    with Image.open(path) as image:
        return np.asarray(image.resize((image.width // factor, image.height // factor), Image.Resampling.BOX))


def gradient_image(height: int, width: int):
    """A recognisable RGB uint8 image: red grows to the right, green downwards."""
    import numpy as np

    rows, cols = np.mgrid[0:height, 0:width]
    image = np.empty((height, width, 3), dtype=np.uint8)
    image[:, :, 0] = (cols * 255 // max(width - 1, 1)).astype(np.uint8)
    image[:, :, 1] = (rows * 255 // max(height - 1, 1)).astype(np.uint8)
    image[:, :, 2] = 90
    return image


def register_providers(manager, plugin_name: str, *registrations: tuple) -> None:
    """Register on ``manager`` a plugin named ``plugin_name`` whose hook registers each ``(name, factory, description)``."""
    from auromat_core import hookimpl

    class Plugin:
        @hookimpl
        def register_providers(self, register):
            for registration in registrations:
                register(*registration)

    manager.register(Plugin(), name=plugin_name)


def output_names(folder: Path) -> list[str]:
    """Sorted names in a conversion's output folder, without its bookkeeping: settings records and lock file."""
    from auromat_core.convert_settings import SETTINGS_NAME
    from auromat_core.output_folder import LOCK_NAME

    record = SETTINGS_NAME.partition("{")[0]
    return sorted(path.name for path in folder.iterdir() if not path.name.startswith(record) and path.name != LOCK_NAME)
