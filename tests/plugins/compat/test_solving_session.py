"""The user guide's download -> lens correction -> solving steps, against a photo server on 127.0.0.1.

The served JPEGs carry the EXIF data of the real frames ISS029-E-8493..8495
(Nikon D3S, AF Nikkor 50mm f/1.4D, their photo times). Solving uses a
stand-in for astrometry.net that returns the frames' real solutions (the
external program itself is exercised by the auromat-spacecraft tests); camera
positions come from the TLEs fitted to those solutions
(tests/plugins/spacecraft/data/25544.tle).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator
from datetime import datetime
from http.server import SimpleHTTPRequestHandler
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from auromat_spacecraft import read_exif_time, read_header
from PIL import Image

from tests.http_server import serving

MISSION = "ISS029"
FRAMES = {8493: "ISS029-E-8493", 8495: "ISS029-E-8495"}
"""Served frames; 8494 is a gap on the server."""
TLE_FOLDER = Path(__file__).resolve().parents[1] / "spacecraft" / "data"
PHOTO_KEYWORDS = ("DATE-OBS", "POSX", "POSY", "POSZ", "NORADID")


def photo(time: datetime, width: int = 600, height: int = 400) -> Image.Image:
    """A grid pattern with the EXIF data of the real frames."""
    pixels = np.full((height, width, 3), 20, np.uint8)
    pixels[::40] = 230
    pixels[:, ::40] = 230
    image = Image.fromarray(pixels)
    exif = image.getexif()
    exif[0x010F], exif[0x0110] = "NIKON CORPORATION", "NIKON D3S"
    sub = exif.get_ifd(0x8769)
    sub[0x9003] = time.strftime("%Y:%m:%d %H:%M:%S")
    sub[0x9291] = f"{time.microsecond // 10000:02d}"
    sub[0xA434], sub[0x920A], sub[0x829D] = "AF Nikkor 50mm f/1.4D", 50.0, 1.4
    image.info["exif"] = exif.tobytes()
    return image


@pytest.fixture
def photo_server(iss_fixtures: Path, tmp_path: Path) -> Iterator[str]:
    root = tmp_path / "eol"
    folder = root / "DatabaseImages" / "ESC" / "large" / MISSION
    folder.mkdir(parents=True)
    for frame, key in FRAMES.items():
        time = datetime.fromisoformat(fits.getheader(iss_fixtures / "seq" / f"{key}.wcs")["DATE-OBS"])
        image = photo(time)
        image.save(folder / f"{MISSION}-E-{frame}.JPG", format="JPEG", quality=95, exif=image.info["exif"])

    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    with serving(functools.partial(Quiet, directory=str(root))) as url:
        yield url


class RealSolutions:
    """Stand-in for astrometry.net: the real solution of the frame (without the photo keywords)."""

    def __init__(self, seq: Path) -> None:
        self.seq = seq
        self.solved: list[str] = []

    def solve(self, image_path: Path, **options: object) -> fits.Header:
        frame = int(Path(image_path).stem.split("-")[2].removesuffix("_dc"))
        self.solved.append(Path(image_path).name)
        header = fits.getheader(self.seq / f"{FRAMES[frame]}.wcs")
        for key in PHOTO_KEYWORDS:
            header.remove(key, ignore_missing=True)
        return header


def test_download_correct_and_solve(photo_server: str, iss_fixtures: Path, tmp_path: Path) -> None:
    from auromat.mapping.spacecraft import SpacecraftMappingProvider
    from auromat.solving.eol import correctLensDistortion, downloadImageSequence
    from auromat.solving.spacecraft import solveSequence

    imgfolder = str(tmp_path / "iss_imgs")
    metadata, failures = downloadImageSequence(imgfolder, MISSION, 8493, 8495, "jpg", baseUrl=photo_server)
    assert failures == []
    assert metadata.frames == [8493, 8495] and list(metadata.frame_gaps) == [8494]
    assert sorted(p.name for p in Path(imgfolder).iterdir()) == ["ISS029-E-8493.jpg", "ISS029-E-8495.jpg", "meta.json"]

    dcfolder = str(tmp_path / "iss_imgs_dc")
    corrected = correctLensDistortion(imgfolder, dcfolder)
    names = ["ISS029-E-8493_dc.jpg", "ISS029-E-8495_dc.jpg"]
    assert corrected.filenames == names
    meta = json.loads((Path(dcfolder) / "meta.json").read_text())
    assert meta["lensDistortionCorrected"] is True and meta["frameGaps"] == [8494]
    assert meta["lensDistortionCorrectionParams"]["lensModel"] == "Nikon AF Nikkor 50mm f/1.4D"
    assert meta["lensDistortionCorrectionParams"]["focalLength"] == 50.0
    for name in names:
        original = Path(imgfolder) / name.replace("_dc", "")
        assert read_exif_time(Path(dcfolder) / name) == read_exif_time(original)  # EXIF kept for the solver
        with Image.open(original) as a, Image.open(Path(dcfolder) / name) as b:
            before, after = np.asarray(a, dtype=int), np.asarray(b, dtype=int)
        assert after.shape == before.shape
        # the lens model moves the grid lines near the border, not at the center
        assert np.abs(after - before)[:20].mean() > 5 * np.abs(after - before)[180:220, 280:320].mean()

    wcsfolder = str(tmp_path / "iss_wcs")
    solver = RealSolutions(iss_fixtures / "seq")
    paths = list(solveSequence(dcfolder, wcsfolder, str(TLE_FOLDER), None, None, 25544, solver=solver))
    assert [(Path(i).name, Path(w).name) for i, w in paths] == [(n, n.replace(".jpg", ".wcs")) for n in names]
    assert sorted(solver.solved) == names
    for (image_path, wcs_path), key in zip(paths, FRAMES.values(), strict=True):
        written, real = read_header(wcs_path), fits.getheader(iss_fixtures / "seq" / f"{key}.wcs")
        assert datetime.fromisoformat(written["DATE-OBS"]) == read_exif_time(image_path)
        assert int(written["NORADID"]) == 25544
        position = np.array([written[k] for k in ("POSX", "POSY", "POSZ")])
        assert np.linalg.norm(position - np.array([real[k] for k in ("POSX", "POSY", "POSZ")])) < 0.1
        assert written["CRVAL1"] == real["CRVAL1"]

    provider = SpacecraftMappingProvider(dcfolder, wcsfolder)
    times = [read_exif_time(Path(dcfolder) / n) for n in names]
    assert provider.range == (times[0], times[-1])
    assert list(solveSequence(dcfolder, wcsfolder, str(TLE_FOLDER), None, None, 25544, solver=solver)) == []


def test_the_photo_server_of_the_environment_is_used(photo_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """$AUROMAT_NASA_PHOTOS_URL stands for the default base URL in Python, as on the command line."""
    from auromat.solving.eol import downloadImageSequence

    monkeypatch.setenv("AUROMAT_NASA_PHOTOS_URL", photo_server)
    metadata, failures = downloadImageSequence(str(tmp_path / "imgs"), MISSION, 8493, 8495, "jpg")
    assert failures == [] and metadata.frames == [8493, 8495]
    assert sorted(p.name for p in (tmp_path / "imgs").iterdir()) == ["ISS029-E-8493.jpg", "ISS029-E-8495.jpg", "meta.json"]


def test_raw_downloads_are_not_offered(tmp_path: Path) -> None:
    from auromat.solving.eol import downloadImageSequence

    with pytest.raises(ValueError, match="'jpg' only"):
        downloadImageSequence(str(tmp_path), MISSION, 8493, 8495, "raw")
