"""RAW images of the ESA ISS archive -> the RGB arrays their WCS solutions describe (reference §10).

Steps: decode with LibRaw (bad pixels repaired by median, white balance,
gamma, 8/16 bits, optional auto-brightness), rotate by 180° if the camera was
upside down, correct the lens distortion, and crop symmetrically to width and
height divisible by 16 (the archive solved the cropped images).
"""

from __future__ import annotations

import logging
import os

import numpy as np
from auromat_spacecraft import LensCorrection, RawOptions
from auromat_spacecraft.images import centered_crop, read_raw

log = logging.getLogger(__name__)

CROP_MULTIPLE = 16
"""Width and height of archive images are cropped to multiples of this."""


def develop_raw(
    path: str | os.PathLike, options: RawOptions, lens_correction: LensCorrection | None = None
) -> np.ndarray:
    """Decode the RAW file ``path`` as the archive's WCS solution expects it.

    Parameters
    ----------
    path
        RAW file (e.g. ``.nef``).
    options
        Decoding options; ``upside_down`` rotates before the lens correction.
    lens_correction
        Applied at the full decoded size, before cropping.

    Returns
    -------
    ndarray
        ``(h, w, 3)`` uint16 (uint8 for 8 bits) with ``h``, ``w`` multiples of 16.
    """
    rgb = read_raw(path, options)
    if lens_correction is not None:
        rgb = lens_correction.apply(rgb)
    height, width = rgb.shape[:2]
    if (height % CROP_MULTIPLE) % 2 or (width % CROP_MULTIPLE) % 2:
        log.warning(
            "%s: %dx%d px cannot be cropped symmetrically to multiples of %d; the extra pixel is cut at the "
            "bottom/right", path, width, height, CROP_MULTIPLE,
        )
    return np.ascontiguousarray(centered_crop(rgb, CROP_MULTIPLE))


__all__ = ["CROP_MULTIPLE", "develop_raw"]
