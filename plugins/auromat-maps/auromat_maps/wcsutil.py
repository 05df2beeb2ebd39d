"""Celestial WCS of a photo: from an astropy WCS, a FITS header, a ``.wcs`` path or a mapping.

A photo's mapping names its ``.wcs`` file in ``metadata["wcs_path"]``
(:data:`auromat_core.SOLUTION_PATH_KEY`; the spacecraft provider sets it).

Pixel convention (astrometry.net's): ``x`` is the image column, ``y`` the image
row counted from the top, and the center of pixel ``[row, col]`` is at
``(x=col, y=row)`` in 0-based WCS pixel coordinates.
"""

from __future__ import annotations

import os
import warnings
from datetime import datetime
from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.wcs import WCS, FITSFixedWarning

from auromat_core import SOLUTION_PATH_KEY, Mapping, WcsError

WcsLike = WCS | fits.Header | str | os.PathLike | Mapping


def _header_from_mapping(mapping: Mapping) -> fits.Header | None:
    return read_header(mapping.metadata[SOLUTION_PATH_KEY]) if names_solution(mapping) else None


def read_header(path: str | os.PathLike) -> fits.Header:
    """The primary header of a (header-only) FITS ``.wcs`` file."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", fits.verify.VerifyWarning)
            return fits.Header.fromfile(os.fspath(path))
    except (OSError, ValueError) as error:
        raise WcsError(f"{path}: not a readable FITS header ({error})") from error


def as_header(source: WcsLike) -> fits.Header:
    """A FITS header from a WCS, header, path or mapping (see module docstring)."""
    if isinstance(source, fits.Header):
        return source
    if isinstance(source, WCS):
        return source.to_header(relax=True)
    if isinstance(source, Mapping):
        header = _header_from_mapping(source)
        if header is None:
            raise WcsError(
                f"mapping {source.identifier} carries no celestial WCS (no existing file in its metadata "
                f"{SOLUTION_PATH_KEY!r}); give the style wcs= (an astropy WCS, FITS header or .wcs path; -o wcs=FILE on the command line)"
            )
        return header
    if isinstance(source, (str, os.PathLike)):
        return read_header(source)
    raise WcsError(f"cannot use {type(source).__name__!r} as a WCS: expected an astropy WCS, a FITS header or a path")


def as_wcs(source: WcsLike) -> WCS:
    """A validated 2-D celestial :class:`astropy.wcs.WCS`."""
    if isinstance(source, WCS):
        wcs = source
    else:
        header = as_header(source)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FITSFixedWarning)
                wcs = WCS(header, relax=True)
        except Exception as error:  # astropy raises many types for a bad header
            raise WcsError(f"invalid WCS header ({type(error).__name__}: {error})") from error
    if not wcs.has_celestial or wcs.naxis != 2:
        raise WcsError(f"the WCS is not a 2-D celestial WCS (CTYPE {list(wcs.wcs.ctype)})")
    return wcs


def names_solution(mapping: Mapping) -> bool:
    """Whether ``mapping`` names an existing ``.wcs`` file in its metadata."""
    path = mapping.metadata.get(SOLUTION_PATH_KEY)
    return bool(path) and Path(path).is_file()


def photo_wcs(mapping: Mapping, wcs: WcsLike | None = None) -> WCS:
    """The WCS of the photo ``mapping`` shows: ``wcs``, else the one the mapping names.

    Raises
    ------
    WcsError
        When there is none, or it describes a photo of another size than the
        mapping (a resampled or binned mapping is not in the photo's pixels).
    """
    source = mapping if wcs is None else wcs
    header = None if isinstance(source, WCS) else as_header(source)
    solution = as_wcs(source if header is None else header)
    size = image_size(header if header is not None else fits.Header(), solution)
    if size is not None and size != (mapping.shape[1], mapping.shape[0]):
        raise WcsError(
            f"mapping {mapping.identifier} has {mapping.shape[1]}x{mapping.shape[0]} pixels, but its WCS is that of a "
            f"{size[0]}x{size[1]} photo: draw on the mapping of the photo itself, not a resampled or binned one"
        )
    return solution


def cd_matrix(wcs: WCS) -> np.ndarray:
    """(2, 2) linear transformation in degrees per pixel (CD, or PC scaled by CDELT)."""
    return np.asarray(wcs.wcs.cd if wcs.wcs.has_cd() else wcs.wcs.get_pc() * wcs.wcs.cdelt[:, np.newaxis])


def photo_time(header: fits.Header) -> datetime | None:
    """DATE-OBS of a header as naive UTC, or None if missing or unreadable."""
    value = header.get("DATE-OBS")
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value).strip().rstrip("Z"))
    except ValueError:
        return None


def image_size(header: fits.Header, wcs: WCS) -> tuple[int, int] | None:
    """(width, height) from IMAGEW/IMAGEH or the WCS's pixel shape, or None."""
    if "IMAGEW" in header and "IMAGEH" in header:
        return int(header["IMAGEW"]), int(header["IMAGEH"])
    if wcs.pixel_shape is not None:
        width, height = wcs.pixel_shape
        return int(width), int(height)
    return None


def pixel_directions(wcs: WCS, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(..., 3) unit vectors (ICRS) of the catalogue directions at pixel coordinates.

    The lines of sight in GCRS are these with the annual aberration
    (:func:`auromat_core.geometry.apparent_directions`).
    """
    ra, dec = wcs.all_pix2world(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64), 0)
    ra, dec = np.radians(ra), np.radians(dec)
    return np.stack([np.cos(dec) * np.cos(ra), np.cos(dec) * np.sin(ra), np.sin(dec)], axis=-1)
