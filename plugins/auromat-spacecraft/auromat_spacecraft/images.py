"""Reading photographs: JPEG/PNG/TIFF (Pillow) and camera RAW files (rawpy/LibRaw).

Images are returned as ``(h, w, c)`` unsigned integer arrays, row 0 at the top.
RAW post-processing follows reference §10: optional bad-pixel repair, white
balance, gamma, 8/16 bits, auto-brightness, and a 180° rotation for cameras
mounted upside down. Lens distortion correction lives in :mod:`.lens`.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import logging
import math
import numbers
import os
import threading
import warnings
from collections.abc import Iterator, Sequence
from datetime import datetime
from pathlib import Path

import attrs
import numpy as np
from PIL import Image, ImageFile

from auromat_core import InputError

log = logging.getLogger(__name__)

RAW_EXTENSIONS = frozenset(
    ".3fr .ari .arw .bay .cr2 .cr3 .crw .dcr .dng .erf .fff .iiq .k25 .kdc .mef .mos .mrw .nef .nrw .orf .pef "
    ".raf .raw .rw2 .rwl .sr2 .srf .srw .x3f".split()
)
"""File extensions read through LibRaw."""
PILLOW_EXTENSIONS = frozenset(".jpg .jpeg .png .tif .tiff".split())
"""File extensions read through Pillow."""
IMAGE_EXTENSIONS = RAW_EXTENSIONS | PILLOW_EXTENSIONS

_EXIF_IFD = 0x8769
_DATE_TIME_ORIGINAL = 0x9003
_SUBSEC_TIME_ORIGINAL = 0x9291
_truncation_lock = threading.Lock()


@attrs.frozen
class RawOptions:
    """How a RAW file becomes an RGB image (reference §10).

    Parameters
    ----------
    white_balance
        ``"camera"`` (as shot, default), ``"daylight"`` (LibRaw's daylight
        multipliers), 4 positive multipliers ``(r, g, b, g2)``, or 3 ``(r, g, b)``
        (expanded to ``(r, g, b, g)``; only for RGBG sensors).
    gamma
        ``(power, slope)``; ``(1, 1)`` is linear (default); None is LibRaw's
        BT.709 curve (2.222, 4.5).
    bits
        8 or 16 bits per sample.
    auto_bright
        Let LibRaw brighten the image (about 1 % of pixels saturate).
    bad_pixels
        ``(n, 2)`` (row, column) coordinates in visible-RAW pixels, or a path to
        a (gzip) text file with two integers per line; repaired by median.
    upside_down
        Rotate the result by 180°.
    """

    white_balance: str | tuple[float, ...] = "camera"
    gamma: tuple[float, float] | None = (1.0, 1.0)
    bits: int = 16
    auto_bright: bool = False
    bad_pixels: np.ndarray | str | os.PathLike | None = attrs.field(default=None, eq=False)
    upside_down: bool = False

    def __attrs_post_init__(self) -> None:
        if self.bits not in (8, 16):
            raise InputError(f"RAW option bits must be 8 or 16, got {self.bits!r}")
        wb = self.white_balance
        if isinstance(wb, str):
            if wb not in ("camera", "daylight"):
                raise InputError(f"RAW option white_balance must be 'camera', 'daylight' or 3/4 numbers, got {wb!r}")
        elif len(wb) not in (3, 4):
            raise InputError(f"RAW option white_balance needs 3 or 4 multipliers, got {len(wb)}")
        elif not all(isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v) and v > 0 for v in wb):
            raise InputError(f"RAW option white_balance multipliers must be positive numbers, got {wb!r}")
        gamma = self.gamma
        if gamma is not None and not (isinstance(gamma, (tuple, list)) and len(gamma) == 2 and all(isinstance(v, numbers.Real) for v in gamma)):
            raise InputError(f"RAW option gamma must be (power, slope), e.g. (1, 1) for linear, or None for BT.709; got {gamma!r}")


def is_raw(path: str | os.PathLike) -> bool:
    """Whether ``path`` has a RAW file extension."""
    return Path(path).suffix.lower() in RAW_EXTENSIONS


def load_image(path: str | os.PathLike, raw_options: RawOptions | None = None) -> np.ndarray:
    """Read an image file as ``(h, w, c)`` uint8/uint16 (RAW files via :func:`read_raw`).

    Raises
    ------
    InputError
        A one-line message naming the file: missing, truncated, unreadable or of
        an unsupported pixel type.
    """
    if is_raw(path):
        return read_raw(path, raw_options or RawOptions())
    return read_pillow(path)


@contextlib.contextmanager
def _strict_truncation() -> Iterator[None]:
    """Make Pillow raise on truncated files even if someone enabled LOAD_TRUNCATED_IMAGES."""
    with _truncation_lock:
        previous = ImageFile.LOAD_TRUNCATED_IMAGES
        ImageFile.LOAD_TRUNCATED_IMAGES = False
        try:
            yield
        finally:
            ImageFile.LOAD_TRUNCATED_IMAGES = previous


def read_pillow(path: str | os.PathLike) -> np.ndarray:
    """Read a JPEG/PNG/TIFF with Pillow as ``(h, w, c)`` uint8 (or uint16 for 16-bit gray)."""
    path = Path(path)
    try:
        with _strict_truncation(), warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(path) as image:
                image.load()
                return _pillow_array(image, path)
    except FileNotFoundError:
        raise InputError(f"{path}: image file not found") from None
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombWarning) as error:
        raise InputError(f"{path}: cannot read image ({_one_line(error)})") from None


def _pillow_array(image: Image.Image, path: Path) -> np.ndarray:
    mode = image.mode
    if mode in ("RGBA", "LA", "RGBa", "La"):
        image = image.convert(mode[0] if mode[0] == "L" else "RGB")
    elif mode in ("I;16", "I;16L", "I;16B", "I;16N"):
        return np.asarray(image, dtype=np.uint16)[:, :, np.newaxis]
    elif mode in ("I", "F", "I;32", "F;32"):
        raise InputError(f"{path}: {mode} pixels are not supported (8- or 16-bit unsigned images expected)")
    elif mode not in ("RGB", "L"):
        image = image.convert("RGB")
    array = np.asarray(image)
    return array[:, :, np.newaxis] if array.ndim == 2 else array


def read_raw(path: str | os.PathLike, options: RawOptions | None = None) -> np.ndarray:
    """Decode and post-process a RAW file (NEF, DNG, CR2, ...) with rawpy.

    Returns
    -------
    ndarray
        ``(h, w, 3)`` uint16 (or uint8 for ``bits=8``).
    """
    import rawpy

    options = options or RawOptions()
    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: RAW file not found")
    try:
        with rawpy.imread(str(path)) as raw:
            if options.bad_pixels is not None:
                _repair_bad_pixels(raw, load_bad_pixels(options.bad_pixels), path)
            white_balance = _white_balance(raw, options.white_balance, path)
            rgb = raw.postprocess(
                output_bps=options.bits,
                no_auto_bright=not options.auto_bright,
                gamma=options.gamma or (2.222, 4.5),
                user_flip=0,
                **white_balance,
            )
    except rawpy.LibRawError as error:
        raise InputError(f"{path}: not a RAW file LibRaw can read ({_one_line(error) or type(error).__name__})") from None
    if options.upside_down:
        rgb = np.ascontiguousarray(rgb[::-1, ::-1])
    return rgb


def _white_balance(raw, white_balance: str | Sequence[float], path: Path) -> dict:
    if white_balance == "camera":
        return {"use_camera_wb": True}
    if white_balance == "daylight":
        return {"use_camera_wb": False}
    multipliers = [float(m) for m in white_balance]
    if len(multipliers) == 3:
        if raw.num_colors != 3 or raw.color_desc != b"RGBG":
            desc = raw.color_desc.decode(errors="replace")
            raise InputError(
                f"{path}: 3 white-balance multipliers need an RGBG sensor with 3 colours, this one is {desc}; give 4"
            )
        multipliers.append(multipliers[1])
    return {"user_wb": multipliers}


def load_bad_pixels(source: np.ndarray | str | os.PathLike) -> np.ndarray:
    """Bad-pixel coordinates ``(n, 2)`` (row, column) from an array or a (gzip) text file."""
    if isinstance(source, np.ndarray):
        coordinates = source
    else:
        path = Path(source)
        try:
            opener = gzip.open if path.suffix == ".gz" else open
            with opener(path, "rt") as handle:
                coordinates = np.loadtxt(handle, dtype=np.int64, ndmin=2)
        except FileNotFoundError:
            raise InputError(f"{path}: bad-pixel file not found") from None
        except (OSError, ValueError) as error:
            raise InputError(f"{path}: bad-pixel file must have two integers per line ({_one_line(error)})") from None
    coordinates = np.asarray(coordinates)
    if coordinates.size == 0:
        return np.empty((0, 2), dtype=np.int64)
    if coordinates.ndim != 2 or coordinates.shape[1] != 2 or coordinates.dtype.kind not in "iu":
        raise InputError(f"bad pixels must be integer (row, column) pairs of shape (n, 2), got {coordinates.shape}")
    return coordinates.astype(np.int64)


def _repair_bad_pixels(raw, coordinates: np.ndarray, path: Path) -> None:
    if not len(coordinates):
        return
    height, width = raw.raw_image_visible.shape
    outside = (coordinates < 0).any(axis=1) | (coordinates[:, 0] >= height) | (coordinates[:, 1] >= width)
    if outside.any():
        row, column = coordinates[np.flatnonzero(outside)[0]]
        raise InputError(f"{path}: bad pixel ({row}, {column}) is outside the visible RAW area {height}x{width}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # rawpy.enhance warns about its optional back ends at import
        import rawpy.enhance
    with contextlib.redirect_stdout(io.StringIO()):  # rawpy.enhance prints a progress line
        rawpy.enhance.repair_bad_pixels(raw, coordinates, method="median")
    log.debug("%s: repaired %d bad pixels", path, len(coordinates))


def read_exif_time(path: str | os.PathLike) -> datetime | None:
    """EXIF ``DateTimeOriginal`` (+ ``SubSecTimeOriginal`` as a decimal fraction), or None."""
    try:
        with Image.open(path) as image:
            exif = image.getexif().get_ifd(_EXIF_IFD)
    except (OSError, SyntaxError, ValueError):
        return None
    text = exif.get(_DATE_TIME_ORIGINAL)
    if not text:
        return None
    try:
        time = datetime.strptime(str(text).strip("\x00 "), "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None
    fraction = str(exif.get(_SUBSEC_TIME_ORIGINAL, "")).strip("\x00 ")
    if fraction.isdigit():
        time = time.replace(microsecond=round(float("0." + fraction) * 1e6))
    return time


def centered_crop(image: np.ndarray, multiple: int) -> np.ndarray:
    """Crop ``image`` symmetrically so that height and width are multiples of ``multiple``."""
    height, width = image.shape[:2]
    top = (height % multiple) // 2
    left = (width % multiple) // 2
    return image[top : top + height - height % multiple, left : left + width - width % multiple]


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split())


__all__ = [
    "IMAGE_EXTENSIONS",
    "PILLOW_EXTENSIONS",
    "RAW_EXTENSIONS",
    "RawOptions",
    "centered_crop",
    "is_raw",
    "load_bad_pixels",
    "load_image",
    "read_exif_time",
    "read_pillow",
    "read_raw",
]
