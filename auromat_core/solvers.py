"""The Solver protocol: find the astrometric (WCS) solution of an image."""

from __future__ import annotations

import os
from typing import Any, Protocol, runtime_checkable

from astropy.io import fits


@runtime_checkable
class Solver(Protocol):
    """An astrometric solver registered through ``register_solvers``."""

    def solve(self, image_path: str | os.PathLike, **options: Any) -> fits.Header | None:
        """Return a FITS header with a celestial WCS for the image, or None if unsolved."""
