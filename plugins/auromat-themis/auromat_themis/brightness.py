"""Display brightness of THEMIS frames: 16-bit counts to 8-bit images.

* ``"original"``: the original toolkit's rule, ``min(255, counts / median(counts > 1) * 64)``
  (the median over the pixels brighter than 1 count), or, when ``minimum``
  and/or ``maximum`` are given, IDL's ``bytscl`` between them (the missing
  bound taken from the data; when all pixels lie at or below the given minimum
  they are 0, at or above the given maximum 255).
* ``"percentile"``: a linear stretch between two percentiles of the defined
  pixels (default 1 and 99.5), robust to hot pixels and stars.

Undefined pixels (``mask`` False) are 0 and take no part in the statistics.
"""

from __future__ import annotations

import numpy as np

from auromat_core import InputError

METHODS = ("original", "percentile")


def _values(counts: np.ndarray, mask: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    counts = np.asarray(counts, dtype=np.float64)
    mask = np.ones(counts.shape, dtype=bool) if mask is None else np.broadcast_to(np.asarray(mask, dtype=bool), counts.shape)
    return counts, mask


def bytscl(counts: np.ndarray, minimum: float, maximum: float) -> np.ndarray:
    """IDL ``BYTSCL(counts, MIN=minimum, MAX=maximum)``: uint8, ``floor(255.9999 * (x - min) / (max - min))`` clipped."""
    if not maximum > minimum:
        raise InputError(f"brightness range needs maximum > minimum, got minimum {minimum}, maximum {maximum}")
    scaled = np.floor((np.asarray(counts, dtype=np.float64) - minimum) * (255.9999 / (maximum - minimum)))
    return np.clip(scaled, 0, 255).astype(np.uint8)


def scale_original(
    counts: np.ndarray, mask: np.ndarray | None = None, minimum: float | None = None, maximum: float | None = None
) -> np.ndarray:
    """The original toolkit's display scaling (see the module docstring); uint8 of the same shape."""
    counts, mask = _values(counts, mask)
    defined = counts[mask]
    if minimum is not None or maximum is not None:
        low = float(minimum) if minimum is not None else float(defined.min()) if defined.size else 0.0
        high = float(maximum) if maximum is not None else float(defined.max()) if defined.size else 255.0
        if not high > low:  # the bound from the data: every pixel is at or below the minimum given, or at or above the maximum
            low, high = (low, low + 1.0) if maximum is None else (high - 1.0, high)
        result = bytscl(counts, low, high)
    else:
        bright = defined[defined > 1]
        median = float(np.median(bright)) if bright.size else 1.0
        result = np.minimum(255.0, counts / median * 64.0).astype(np.uint8)
    result[~mask] = 0
    return result


def scale_percentile(
    counts: np.ndarray, mask: np.ndarray | None = None, low: float = 1.0, high: float = 99.5
) -> np.ndarray:
    """Linear stretch of the ``low``..``high`` percentiles of the defined pixels to 0..255 (uint8)."""
    if not 0.0 <= low < high <= 100.0:
        raise InputError(f"percentiles must satisfy 0 <= low < high <= 100, got low {low}, high {high}")
    counts, mask = _values(counts, mask)
    defined = counts[mask]
    if defined.size == 0:
        return np.zeros(counts.shape, dtype=np.uint8)
    bottom, top = np.percentile(defined, [low, high])
    if top <= bottom:
        top = bottom + 1.0
    result = np.clip(np.round((counts - bottom) * (255.0 / (top - bottom))), 0, 255).astype(np.uint8)
    result[~mask] = 0
    return result


def scale_brightness(counts: np.ndarray, mask: np.ndarray | None = None, method: str = "original", **options: float) -> np.ndarray:
    """Scale counts for display with ``method`` ``"original"`` or ``"percentile"`` (uint8).

    Options: ``minimum``/``maximum`` (original), ``low``/``high`` (percentile).
    """
    if method == "original":
        return scale_original(counts, mask, **options)
    if method == "percentile":
        return scale_percentile(counts, mask, **options)
    raise InputError(f"unknown brightness method {method!r}; expected one of {', '.join(METHODS)}")
