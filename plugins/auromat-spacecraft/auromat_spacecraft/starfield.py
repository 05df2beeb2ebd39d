"""Starfield masking: find the dark sky with stars above the lit Earth (reference §9.1).

The image is cut into square blocks (64 px by default). Per block, the median
is the background and the median absolute deviation the noise. A block is
*sky* when

* its background is dark: below an Otsu split of all block backgrounds, below
  a fraction of full scale, and within a few noise sigmas of the darkest
  blocks (so a faint unlit Earth or airglow brighter than the sky is not sky);
* it holds no extended bright structure: after a grey opening, which erases
  point sources and thin star trails, almost no pixel is 5 sigma above the
  background;
* it is starry: the density of point sources (local maxima 5 sigma above the
  background), averaged over 3×3 blocks, reaches a share of that of the
  starriest dark blocks. Dark spacecraft structure and unlit Earth fail here.

The *Earth* is the largest group of bright blocks touching the bottom edge; in
every block column everything from the top of that group downwards is removed,
as is a margin of one block around any bright block (glow, edges of spacecraft
structure). Sky groups smaller than a few blocks are dropped. Images without
a dark, starry part (a grey or noise frame) give an empty mask.

:class:`Starfield` also gives the image prepared for star extraction: the
smoothly interpolated background subtracted, and zero outside the mask.
"""

from __future__ import annotations

import logging

import attrs
import cv2
import numpy as np
from scipy import ndimage

from auromat_core import InputError

log = logging.getLogger(__name__)

_EIGHT_CONNECTED = np.ones((3, 3), dtype=bool)
_MAD_TO_SIGMA = 1.4826
_NOISE_FLOOR = 1e-4
"""Smallest noise sigma of float images, as a fraction of full scale (integer images: one digital step)."""
_OPENING = 5
"""Edge of the grey opening (px) that removes point sources before looking for extended structure."""


@attrs.frozen(eq=False)
class Starfield:
    """The result of :func:`mask_starfield`.

    Attributes
    ----------
    gray
        ``(h, w)`` float32 gray image the analysis ran on.
    block_mask
        ``(ny, nx)`` bool, True for starfield blocks.
    background
        ``(ny, nx)`` float32 block medians.
    noise
        Robust noise sigma (gray levels) of the starfield blocks, NaN if there are none.
    block_size
        Block edge length in pixels (the last row/column of blocks may be cut).
    """

    gray: np.ndarray
    block_mask: np.ndarray
    background: np.ndarray
    noise: float
    block_size: int

    @property
    def shape(self) -> tuple[int, int]:
        return self.gray.shape

    @property
    def mask(self) -> np.ndarray:
        """``(h, w)`` bool, True where the image shows the starfield."""
        return _expand(self.block_mask, self.block_size, self.shape)

    @property
    def fraction(self) -> float:
        """Share of the image covered by the mask."""
        return float(self.mask.mean())

    def stars_image(self) -> np.ndarray:
        """``(h, w)`` float32: background-subtracted gray (clipped at 0) in the mask, 0 elsewhere."""
        residual = self.gray - _interpolate_blocks(self.background, self.block_size, self.shape)
        return np.where(self.mask, np.maximum(residual, 0.0), 0.0).astype(np.float32)


def gray_image(image: np.ndarray, channel: int | None = None) -> tuple[np.ndarray, float]:
    """The float32 gray (luminance, or one channel) of an ``(h, w[, c])`` image and its full-scale value."""
    image = np.asarray(image)
    if image.ndim not in (2, 3) or min(image.shape[:2]) < 2:
        raise InputError(f"starfield masking needs an (h, w) or (h, w, c) image, got shape {image.shape}")
    if image.dtype.kind == "u":
        full_scale = float(np.iinfo(image.dtype).max)
    elif image.dtype.kind == "f":
        full_scale = float(np.nanmax(image)) if np.isfinite(image).any() else 1.0
    else:
        raise InputError(f"starfield masking needs an unsigned integer or float image, got {image.dtype}")
    if image.ndim == 2:
        if channel not in (None, 0):
            raise InputError(f"channel {channel} requested from a single-channel image")
        return np.ascontiguousarray(image, dtype=np.float32), full_scale
    channels = image.shape[2]
    if channel is not None:
        if not 0 <= channel < channels:
            raise InputError(f"channel {channel} requested from an image with {channels} channels")
        return np.ascontiguousarray(image[:, :, channel], dtype=np.float32), full_scale
    if channels >= 3:
        weights = np.array([0.299, 0.587, 0.114], dtype=np.float32)
        return np.tensordot(image[:, :, :3].astype(np.float32), weights, axes=([2], [0])), full_scale
    return np.ascontiguousarray(image[:, :, 0], dtype=np.float32), full_scale


def mask_starfield(
    image: np.ndarray,
    *,
    channel: int | None = None,
    block_size: int = 64,
    max_background: float = 0.25,
    max_background_rise: float = 3.0,
    max_extended_share: float = 0.02,
    min_blocks: int = 6,
    min_star_share: float = 0.25,
    min_stars_per_block: float = 0.5,
    remove_below_earth: bool = True,
) -> Starfield:
    """Find the starfield of a photograph taken from orbit.

    Parameters
    ----------
    image
        ``(h, w[, c])`` unsigned integer (or float) image, row 0 at the top.
    channel
        Analyse one channel instead of the luminance.
    block_size
        Block edge in pixels.
    max_background
        A sky block's median must stay below this fraction of full scale ...
    max_background_rise
        ... and at most this many noise sigmas above the darkest blocks' (10th percentile).
    max_extended_share
        Largest share of a sky block's pixels in extended bright structure
        (more than 5 sigma above the median after removing point sources).
    min_blocks
        Connected sky regions with fewer blocks are dropped.
    min_star_share
        A sky block's point-source density (mean over 3×3 blocks) must reach
        this share of the 90th percentile among dark blocks ...
    min_stars_per_block
        ... and at least this many sources per block.
    remove_below_earth
        Remove everything below the top of the lit Earth in each block column.

    Returns
    -------
    Starfield
        With an all-False mask when no starfield is found.
    """
    if block_size < 8:
        raise InputError(f"block_size must be at least 8 pixels, got {block_size}")
    gray, full_scale = gray_image(image, channel)
    noise_floor = 1.0 if np.asarray(image).dtype.kind == "u" else _NOISE_FLOOR * full_scale
    background, noise, extended_share = _block_statistics(gray, block_size, noise_floor)
    split = min(_otsu(background.ravel()), max_background * full_scale)
    dark = background < split
    if dark.any():
        darkest = float(np.percentile(background[dark], 10))
        dark &= background <= darkest + max_background_rise * max(float(np.median(noise[dark])), noise_floor)
    sparse = extended_share <= max_extended_share
    density = ndimage.uniform_filter(_star_counts(gray, block_size, noise_floor), size=3, mode="nearest")
    candidates = dark & sparse
    reference = float(np.percentile(density[candidates], 90)) if candidates.any() else 0.0
    starry = density >= max(min_star_share * reference, min_stars_per_block)
    sky = candidates & starry
    bright = ~dark
    if remove_below_earth:
        sky &= ~_below_earth(bright)
    sky &= ~ndimage.binary_dilation(bright, structure=_EIGHT_CONNECTED)
    sky = _drop_small_regions(sky, min_blocks)
    sky_noise = float(np.median(noise[sky])) if sky.any() else float("nan")
    starfield = Starfield(gray, sky, background, sky_noise, block_size)
    log.debug(
        "starfield: %d of %d blocks (%.1f %% of the image), background split %.1f, noise %.2f",
        int(sky.sum()), sky.size, 100 * starfield.fraction, split, sky_noise,
    )
    return starfield


def _block_statistics(gray: np.ndarray, block_size: int, noise_floor: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per block: median, robust sigma, and the share of pixels of extended bright structure.

    Extended structure is what survives a grey opening that erases point
    sources and thin star trails, and lies 5 sigma above the block median.
    """
    median, sigma = _median_and_sigma(_blocks(gray, block_size))
    threshold = median + 5.0 * np.maximum(sigma, noise_floor)
    kernel = np.ones((_OPENING, _OPENING), dtype=np.uint8)
    opened = _blocks(cv2.morphologyEx(gray, cv2.MORPH_OPEN, kernel), block_size)
    extended_share = (opened > threshold[:, :, None]).mean(axis=2)
    return median, sigma, extended_share


def _blocks(image: np.ndarray, block_size: int) -> np.ndarray:
    """``(ny, nx, block_size**2)`` view of the blocks (the image padded by mirroring at the bottom/right)."""
    height, width = image.shape
    ny, nx = -(-height // block_size), -(-width // block_size)
    padded = np.pad(image, ((0, ny * block_size - height), (0, nx * block_size - width)), mode="symmetric")
    return padded.reshape(ny, block_size, nx, block_size).transpose(0, 2, 1, 3).reshape(ny, nx, -1)


def _median_and_sigma(blocks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    median = np.median(blocks, axis=2)
    sigma = _MAD_TO_SIGMA * np.median(np.abs(blocks - median[:, :, None]), axis=2)
    return median.astype(np.float32), sigma.astype(np.float32)


def _star_counts(gray: np.ndarray, block_size: int, noise_floor: float) -> np.ndarray:
    """Per block: number of point sources (7x7 local maxima of the 3x3 mean, 5 sigma above the block median)."""
    smoothed = cv2.blur(gray, (3, 3))
    median, sigma = _median_and_sigma(_blocks(smoothed, block_size))
    threshold = _expand(median + 5.0 * np.maximum(sigma, noise_floor), block_size, gray.shape)
    peaks = (smoothed > threshold) & (smoothed == cv2.dilate(smoothed, np.ones((7, 7), dtype=np.uint8)))
    starts = [np.arange(0, length, block_size) for length in gray.shape]
    return np.add.reduceat(np.add.reduceat(peaks, starts[0], axis=0), starts[1], axis=1).astype(np.float64)


def _expand(blocks: np.ndarray, block_size: int, shape: tuple[int, int]) -> np.ndarray:
    """Block values repeated to every pixel of an image of ``shape``."""
    return np.repeat(np.repeat(blocks, block_size, axis=0), block_size, axis=1)[: shape[0], : shape[1]]


def _otsu(values: np.ndarray, bins: int = 256) -> float:
    """Otsu's threshold of ``values``; +inf when they are (nearly) constant."""
    low, high = float(values.min()), float(values.max())
    if high - low < 1e-6 * max(abs(high), 1.0):
        return float("inf")
    counts, edges = np.histogram(values, bins=bins, range=(low, high))
    centers = 0.5 * (edges[:-1] + edges[1:])
    weight_low = np.cumsum(counts)
    weight_high = weight_low[-1] - weight_low
    mean_low = np.cumsum(counts * centers) / np.maximum(weight_low, 1)
    mean_high = ((counts * centers).sum() - np.cumsum(counts * centers)) / np.maximum(weight_high, 1)
    between = weight_low * weight_high * (mean_low - mean_high) ** 2
    return float(edges[int(np.argmax(between)) + 1])


def _below_earth(bright: np.ndarray) -> np.ndarray:
    """Blocks at or below the top of the largest bright region touching the bottom edge."""
    labels, count = ndimage.label(bright, structure=_EIGHT_CONNECTED)
    bottom = np.unique(labels[-1][labels[-1] > 0])
    if count == 0 or bottom.size == 0:
        return np.zeros_like(bright)
    sizes = ndimage.sum_labels(bright, labels, bottom)
    earth = labels == bottom[int(np.argmax(sizes))]
    return np.cumsum(earth, axis=0) > 0


def _drop_small_regions(sky: np.ndarray, min_blocks: int) -> np.ndarray:
    labels, count = ndimage.label(sky, structure=_EIGHT_CONNECTED)
    if count == 0:
        return sky
    sizes = np.bincount(labels.ravel())
    keep = sizes >= min_blocks
    keep[0] = False
    return keep[labels]


def _interpolate_blocks(values: np.ndarray, block_size: int, shape: tuple[int, int]) -> np.ndarray:
    """Bilinear interpolation of block values (at block centres) to every pixel, separably."""
    rows = _axis_weights(shape[0], block_size, values.shape[0])
    columns = _axis_weights(shape[1], block_size, values.shape[1])
    along_x = values[:, columns[0]] * (1 - columns[2]) + values[:, columns[1]] * columns[2]
    return (along_x[rows[0]] * (1 - rows[2])[:, None] + along_x[rows[1]] * rows[2][:, None]).astype(np.float32)


def _axis_weights(length: int, block_size: int, blocks: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    position = np.clip((np.arange(length) + 0.5) / block_size - 0.5, 0, blocks - 1)
    lower = np.floor(position).astype(np.intp)
    upper = np.minimum(lower + 1, blocks - 1)
    return lower, upper, (position - lower).astype(np.float32)


__all__ = ["Starfield", "gray_image", "mask_starfield"]
