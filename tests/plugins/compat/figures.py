"""Checks of saved figures: written, not blank, coloured where expected."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image


def png_pixels(path: Path) -> np.ndarray:
    """(h, w, 3) uint8 pixels of a saved figure."""
    assert path.is_file(), f"{path} was not written"
    with Image.open(path) as image:
        return np.asarray(image.convert("RGB"))


def assert_not_blank(pixels: np.ndarray, min_fraction: float = 0.01) -> None:
    """At least ``min_fraction`` of the pixels differ from the most common colour (the background)."""
    stride = max(1, int(np.ceil(np.sqrt(pixels.shape[0] * pixels.shape[1] / 1e6))))
    sample = pixels[::stride, ::stride].astype(np.int32)
    packed = (sample[:, :, 0] << 16 | sample[:, :, 1] << 8 | sample[:, :, 2]).ravel()
    colours, counts = np.unique(packed, return_counts=True)
    background = colours[np.argmax(counts)]
    other = float(np.mean(packed != background))
    assert other >= min_fraction, f"only {other:.2%} of the pixels differ from the background #{background:06x}"


def colour_mask(pixels: np.ndarray, rgb: tuple[int, int, int], tolerance: int = 40) -> np.ndarray:
    """(h, w) bool: pixels within ``tolerance`` of ``rgb`` in every channel."""
    return np.all(np.abs(pixels.astype(int) - np.array(rgb)) <= tolerance, axis=2)
