"""A synthetic ESA ISS archive (reference §11.1) served over HTTP on 127.0.0.1.

Geometry: the real solutions ``seq/ISS029-E-849{3,4,5}.wcs`` (4256×2832). To
keep RAW decoding and mapping fast, the served WCS files describe a window of
the real frames: ``IMAGEW × IMAGEH`` = 384×256 starting at full-frame pixel
(row 1560, column 1936), i.e. ``CRPIX`` shifted by that offset (``CRPIX1`` 2129
-> 193, ``CRPIX2`` 1417 -> -143), everything else unchanged, ``CHECKSUM``
recomputed. The window straddles the horizon: its top row lies in the sky, its bottom
row on the Earth (about four fifths of it are mapped at 110 km).
The RAW files are 392×264 DNGs (16-bit RGGB, pidng): the provider's centred
crop to multiples of 16 removes 4 pixels on each side and leaves exactly that
window. The processed images are 384×256 JPEGs (already cropped, as the
archive serves them).

RAW content: a flat Bayer field (R, G, B = 4000, 8000, 12000) with a marker
block four times brighter at a frame-dependent position, and one hot pixel
listed in the bad-pixel file. The DNG colour matrix makes LibRaw's camera ->
sRGB conversion the identity, so developed values are predictable.
"""

from __future__ import annotations

import gzip
import io
import json
import threading
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

import numpy as np
from astropy.io import fits
from PIL import Image

from tests.http_server import FixtureHandler, QuietHTTPServer
from tests.plugins.conftest import write_dng

KEYS = ("ISS029-E-8493", "ISS029-E-8494", "ISS029-E-8495")
TIMES = (datetime(2011, 9, 18, 11, 54, 59), datetime(2011, 9, 18, 11, 55, 2), datetime(2011, 9, 18, 11, 55, 5))
SOLUTION_IDS = (25738, 25739, 25740)
"""Server-side solution ids in the WCS file names (renamed to <key>.wcs locally)."""

WINDOW_ROW, WINDOW_COLUMN = 1560, 1936
WIDTH, HEIGHT = 384, 256
"""The window of the real frames that the served WCS files describe."""
RAW_MARGIN = 4
RAW_WIDTH, RAW_HEIGHT = WIDTH + 2 * RAW_MARGIN, HEIGHT + 2 * RAW_MARGIN

RED, GREEN, BLUE = 4000, 8000, 12000
MARKER_GAIN = 4
MARKER_ROW, MARKER_SIZE = 20, 16
HOT_PIXEL = (100, 200)
"""(row, column) of the hot pixel in the RAW (a red site), listed in the bad-pixel file."""
WHITE_BALANCE = [2.0, 1.0, 1.5, 1.0]
"""The sequences' raw_white_balance (R, G, B, G2)."""
DISTORTION = {"model": "poly3", "params": [-0.05]}

# XYZ -> linear sRGB (D65): LibRaw's camera -> sRGB conversion becomes the identity.

SEQUENCE_METADATA = {"mission": "ISS029", "camera": "Nikon D3S", "exposure": 0.5, "date": "2011-09-18T11:54:59.000000"}
IMAGE_METADATA = {
    "ISS029-E-8493": {"frame": 8493},
    "ISS029-E-8494": {"frame": 8494, "exposure": 1.0},
    "ISS029-E-8495": {"frame": 8495},
}


def marker_column(index: int) -> int:
    """RAW column where frame ``index``'s marker block starts."""
    return 40 + 60 * index


def bayer(index: int) -> np.ndarray:
    """The RGGB mosaic of frame ``index`` (RAW_HEIGHT × RAW_WIDTH uint16)."""
    cfa = np.full((RAW_HEIGHT, RAW_WIDTH), GREEN, np.uint16)
    cfa[0::2, 0::2] = RED
    cfa[1::2, 1::2] = BLUE
    column = marker_column(index)
    block = np.s_[MARKER_ROW : MARKER_ROW + MARKER_SIZE, column : column + MARKER_SIZE]
    cfa[block] *= MARKER_GAIN
    cfa[HOT_PIXEL] = 65535
    return cfa


def window_wcs(source: Path) -> bytes:
    """The real solution ``source`` rewritten for the 384×256 window (see module docstring)."""
    header = fits.getheader(source)
    header["IMAGEW"] = WIDTH
    header["IMAGEH"] = HEIGHT
    header["CRPIX1"] = header["CRPIX1"] - WINDOW_COLUMN
    header["CRPIX2"] = header["CRPIX2"] - WINDOW_ROW
    for key in ("CHECKSUM", "DATASUM"):
        header.remove(key, ignore_missing=True)
    buffer = io.BytesIO()
    fits.PrimaryHDU(header=header).writeto(buffer, checksum=True)
    return buffer.getvalue()


def jpeg(index: int) -> bytes:
    """A 384×256 RGB JPEG with frame ``index``'s marker (the processed image)."""
    image = np.full((HEIGHT, WIDTH, 3), (60, 120, 180), np.uint8)
    column = marker_column(index) - RAW_MARGIN
    image[MARKER_ROW - RAW_MARGIN : MARKER_ROW - RAW_MARGIN + MARKER_SIZE, column : column + MARKER_SIZE] = 250
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="JPEG", quality=95)
    return buffer.getvalue()


def bad_pixels_gz() -> bytes:
    """The gzip-compressed bad-pixel list: one ``row column`` pair per line."""
    return gzip.compress(f"{HOT_PIXEL[0]} {HOT_PIXEL[1]}\n".encode())


def bucket(key: str) -> str:
    """``ISS029-E/8000``: mission-roll folder and frame bucket of 500, as on the production server."""
    roll, frame = key.rsplit("-", 1)
    return f"{roll}/{int(frame) // 500 * 500}"


def frame_files(seq_wcs: Iterable[Path], work: Path) -> dict[str, bytes]:
    """Remote path -> content of the image, WCS and bad-pixel files shared by all sequences."""
    files = {}
    for index, (key, solution_id, wcs) in enumerate(zip(KEYS, SOLUTION_IDS, seq_wcs)):
        assert wcs.stem == key
        files[f"/data/img/{bucket(key)}/{key}.dng"] = write_dng(work / f"{key}.dng", bayer(index), as_shot_red=1.0).read_bytes()
        files[f"/data/img/{bucket(key)}/{key}.jpg"] = jpeg(index)
        files[f"/data/wcs/{bucket(key)}/{key}_{solution_id}.wcs"] = window_wcs(wcs)
    files[f"/data/bad_pixels/{bucket(KEYS[0])}/ISS029-E_1_badpixels.gz"] = bad_pixels_gz()
    return files


def _date(time: datetime) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.%f")


def api_document(
    base: str, sequence_id: int, raw: bool = True, upside_down: bool = False, distortion: dict | None = None
) -> dict:
    """``api.json`` of a sequence in the archive's format (images listed in non-chronological order)."""
    images = {}
    for index in (2, 0, 1):
        key = KEYS[index]
        entry = {
            "date": _date(TIMES[index]),
            "image_uri": f"{base}/data/img/{bucket(key)}/{key}.jpg",
            "wcs_uri": f"{base}/data/wcs/{bucket(key)}/{key}_{SOLUTION_IDS[index]}.wcs",
        }
        if raw:
            entry["raw_uri"] = f"{base}/data/img/{bucket(key)}/{key}.dng"
        images[key] = entry
    document = {
        "id": sequence_id,
        "date_start": _date(TIMES[0]),
        "date_end": _date(TIMES[-1]),
        "metadata_uri": f"{base}/api/georef_seqs/{sequence_id}/metadata.json",
        "image_extension": ".jpg",
        "images": images,
    }
    if raw:
        document.update({
            "raw_extension": ".dng",
            "raw_bad_pixels_uri": f"{base}/data/bad_pixels/{bucket(KEYS[0])}/ISS029-E_1_badpixels.gz",
            "raw_white_balance": WHITE_BALANCE,
            "raw_is_upside_down": upside_down,
            "distortion_correction": distortion,
        })
    return document


def metadata_document() -> dict:
    return {"sequence_metadata": SEQUENCE_METADATA, "image_metadata": IMAGE_METADATA}


class ArchiveServer:
    """Serves path -> bytes over HTTP/1.1 with byte ranges, recording every request.

    A path in :attr:`cut_once` is answered the first time with its full
    ``Content-Length`` but only half the body before the connection is closed.
    """

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.requests: list[tuple[str, str | None]] = []
        self.cut_once: set[str] = set()
        self._httpd = QuietHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    @property
    def paths(self) -> list[str]:
        return [path for path, _ in self.requests]

    def add_sequence(self, sequence_id: int, **options: object) -> None:
        """Serve ``api.json`` and ``metadata.json`` of a sequence (options of :func:`api_document`)."""
        document = api_document(self.url, sequence_id, **options)
        self.files[f"/api/georef_seqs/{sequence_id}"] = json.dumps(document, indent=1).encode()
        self.files[f"/api/georef_seqs/{sequence_id}/metadata.json"] = json.dumps(metadata_document()).encode()

    def start(self) -> ArchiveServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def _handler(self) -> type[FixtureHandler]:
        server = self

        class Handler(FixtureHandler):
            def do_GET(self) -> None:  # noqa: N802
                server.requests.append((self.path, self.headers.get("Range")))
                content = server.files.get(self.path)
                if content is None:
                    self.send_body(404, b"not found")
                elif self.path in server.cut_once:
                    server.cut_once.discard(self.path)
                    self.send_cut(content, len(content) // 2)
                else:
                    self.send_content(content)

        return Handler
