"""Resampling onto plate-carrée grids (``auromat.resample``), delegating to :func:`auromat_core.resample`.

The target grid is the globally aligned grid of the original; ``arcsecPerPx``
is met exactly only at the center of the bounding box.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from auromat_core import resample as core_resample

from .mapping.mapping import BaseMappingProvider, Compat, WrappingProvider, wrap

__all__ = ["ResampleProvider", "resample", "resampleMLatMLT"]


def _options(pxPerDeg: float | Sequence[float] | None, arcsecPerPx: float | None, method: str) -> dict[str, Any]:  # noqa: N803
    """The core's options; ``arcsecPerPx`` wins over ``pxPerDeg``, as in the original."""
    return {"px_per_deg": None if arcsecPerPx is not None else pxPerDeg, "arcsec_per_px": arcsecPerPx, "method": method}


def resample(
    mappingOrCollection: Compat,  # noqa: N803
    pxPerDeg: float | Sequence[float] | None = None,  # noqa: N803
    arcsecPerPx: float | None = None,  # noqa: N803
    method: str = "mean",
) -> Compat:
    """Resample a mapping (or every member of a collection) onto a plate-carrée lat/lon grid.

    Parameters
    ----------
    mappingOrCollection
        A compat mapping or collection.
    pxPerDeg
        Pixels per degree, one number or ``(lat, lon)``; default 25.
    arcsecPerPx
        Target pixel size at the bounding-box center (takes precedence).
    method
        ``"mean"`` (rebinning, default; sparse source pixels leave holes),
        ``"nearest"`` or ``"linear"``.
    """
    return wrap(core_resample(mappingOrCollection.core, **_options(pxPerDeg, arcsecPerPx, method)))


def resampleMLatMLT(  # noqa: N802
    mappingOrCollection: Compat,  # noqa: N803
    pxPerDeg: float | Sequence[float] | None = None,  # noqa: N803
    arcsecPerPx: float | None = None,  # noqa: N803
    method: str = "mean",
) -> Compat:
    """Like :func:`resample`, on a grid regular in magnetic latitude and MLT (centred dipole)."""
    return wrap(core_resample(mappingOrCollection.core, grid="mag", **_options(pxPerDeg, arcsecPerPx, method)))


class ResampleProvider(WrappingProvider):
    """Deliver the mappings of ``provider`` resampled with the options of :func:`resample`."""

    def __init__(self, provider: BaseMappingProvider | WrappingProvider, **options: Any) -> None:
        super().__init__(provider)
        self.options = options

    def transform(self, mapping: Compat) -> Compat:
        return resample(mapping, **self.options)

