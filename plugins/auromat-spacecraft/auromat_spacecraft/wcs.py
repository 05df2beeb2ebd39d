"""Header-only FITS ``.wcs`` files: reading, validation, writing, and pixel rays.

A solution file (reference §11.4) holds a celestial FITS WCS (astrometry.net,
TAN, optionally SIP) plus the photo keywords ``DATE-OBS``, ``POSX/POSY/POSZ``
(camera position, GCRS km), ``NORADID`` and the optional time-shift cards
``DATESHIF``, ``POSXSHIF/POSYSHIF/POSZSHIF``. Sky directions are the ICRS
(catalogue) unit vectors the WCS was fitted to; the pixels' lines of sight in
GCRS differ from them by the annual aberration (up to 21 arcsec,
:func:`auromat_core.geometry.apparent_directions`, applied when mapping).

Pixel coordinates are 0-based: pixel centers at ``0 … w-1``, corners at
``-0.5 … w-0.5`` (``(h+1, w+1)`` of them).
"""

from __future__ import annotations

import math
import os
import re
import warnings
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.utils.exceptions import AstropyUserWarning
from astropy.wcs import WCS, FITSFixedWarning

from auromat_core import WcsError, atomic_output
from auromat_core.geometry import WGS84_B_KM

_DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?$")
_FAST_PATH_TOLERANCE_RAD = 1e-11
_POSITION_KEYS = ("POSX", "POSY", "POSZ")
_SHIFTED_POSITION_KEYS = ("POSXSHIF", "POSYSHIF", "POSZSHIF")
_HISTORY = "added by auromat Python library"


def read_header(path: str | os.PathLike) -> fits.Header:
    """The primary header of a FITS file, with checksum verification when present.

    Raises
    ------
    WcsError
        If the file is missing, not FITS, or its ``CHECKSUM``/``DATASUM`` do not match.
    """
    path = Path(path)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", AstropyUserWarning)
            with fits.open(path, checksum=True, memmap=False) as hdus:
                header = hdus[0].header.copy()
    except FileNotFoundError:
        raise WcsError(f"{path}: WCS file not found") from None
    except (OSError, ValueError, IndexError) as error:
        reason = re.sub(r"\s*If this is really a FITS file, try with \w+=True\.?", "", _one_line(error))  # astropy's advice, for its API
        raise WcsError(f"{path}: not a readable FITS header ({reason})") from None
    for warning in caught:
        if "checksum" in str(warning.message).lower() or "datasum" in str(warning.message).lower():
            raise WcsError(f"{path}: CHECKSUM/DATASUM verification failed (file corrupted or edited)")
    return header


def write_header(path: str | os.PathLike, header: fits.Header) -> Path:
    """Write ``header`` as a header-only FITS file with ``CHECKSUM``/``DATASUM``, atomically."""
    header = header.copy()
    for key in ("SIMPLE", "BITPIX", "NAXIS", "EXTEND", "CHECKSUM", "DATASUM"):
        header.remove(key, ignore_missing=True, remove_all=True)
    hdu = fits.PrimaryHDU(header=header)
    path = Path(path)
    with atomic_output(path) as temporary:
        hdu.writeto(temporary, checksum=True)
    return path


def with_photo_keywords(
    header: fits.Header,
    *,
    date_obs: datetime,
    position: np.ndarray | None = None,
    norad_id: str | int | None = None,
    date_shift: float | None = None,
    position_shifted: np.ndarray | None = None,
) -> fits.Header:
    """A copy of ``header`` with the photo keywords of reference §11.4 set.

    ``date_shift`` (seconds) and ``position_shifted`` (GCRS km at the shifted
    time) must be given together.
    """
    if (date_shift is None) != (position_shifted is None):
        raise ValueError("date_shift and position_shifted must be given together")
    header = header.copy()
    if norad_id is not None:
        header["NORADID"] = (str(norad_id), "NORAD ID of spacecraft")
        header.add_history(f"NORADID {_HISTORY}")
    header["DATE-OBS"] = (date_obs.strftime("%Y-%m-%dT%H:%M:%S.%f"), "EXIF timestamp of the photograph")
    if position is not None:
        for key, value in zip(_POSITION_KEYS, np.asarray(position, dtype=float)):
            header[key] = (float(value), f"{key[-1]} coordinate of spacecraft in GCRS at DATE-OBS")
        header.add_history(f"POS* & DATE-OBS {_HISTORY}")
    if date_shift is not None:
        header["DATESHIF"] = (float(date_shift), "time correction of DATE-OBS in seconds")
        for key, value in zip(_SHIFTED_POSITION_KEYS, np.asarray(position_shifted, dtype=float)):
            header[key] = (float(value), f"{key[3]} of spacecraft in GCRS at DATE-OBS+DATESHIF")
        header.add_history(f"POS*SHIF & DATESHIF {_HISTORY}")
    return header


class WcsSolution:
    """A validated astrometric solution of one photograph.

    Parameters
    ----------
    header
        The FITS header.
    source
        Name used in error messages (the file path).
    path
        The ``.wcs`` file read, if any.

    Raises
    ------
    WcsError
        Naming ``source`` and the offending keyword.
    """

    def __init__(self, header: fits.Header, source: str = "<header>", path: str | os.PathLike | None = None) -> None:
        self.header = header
        self.source = str(source)
        self.path = None if path is None else Path(path)
        self.width = self._positive_int("IMAGEW")
        self.height = self._positive_int("IMAGEH")
        self.date_obs = self._date_obs()
        self.position = self._vector(_POSITION_KEYS)
        self.norad_id = self._norad_id()
        self.date_shift = self._float("DATESHIF")
        self.position_shifted = self._vector(_SHIFTED_POSITION_KEYS)
        self.wcs = self._celestial_wcs()
        self._rays = _PixelRays(self.wcs, self.source)

    @classmethod
    def from_file(cls, path: str | os.PathLike) -> WcsSolution:
        """Read and validate a ``.wcs`` file."""
        return cls(read_header(path), str(path), path)

    @classmethod
    def load(cls, path_or_header: str | os.PathLike | fits.Header | WcsSolution) -> WcsSolution:
        """Accept a path, a header or an existing solution."""
        if isinstance(path_or_header, WcsSolution):
            return path_or_header
        if isinstance(path_or_header, fits.Header):
            return cls(path_or_header)
        return cls.from_file(path_or_header)

    # -- keywords ------------------------------------------------------------------

    @property
    def shape(self) -> tuple[int, int]:
        """Image size ``(IMAGEH, IMAGEW)``."""
        return self.height, self.width

    @property
    def shifted_time(self) -> datetime | None:
        """``DATE-OBS + DATESHIF`` when ``DATESHIF`` is present."""
        return None if self.date_shift is None else self.date_obs + timedelta(seconds=self.date_shift)

    def _error(self, key: str, problem: str) -> WcsError:
        return WcsError(f"{self.source}: keyword {key} {problem}")

    def _positive_int(self, key: str) -> int:
        value = self.header.get(key)
        if value is None:
            raise self._error(key, "is missing (image size in pixels expected)")
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
            raise self._error(key, f"must be a positive integer, found {value!r}")
        return int(value)

    def _float(self, key: str) -> float | None:
        value = self.header.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or not math.isfinite(value):
            raise self._error(key, f"must be a finite number, found {value!r}")
        return float(value)

    def _date_obs(self) -> datetime:
        value = self.header.get("DATE-OBS")
        if value is None:
            raise self._error("DATE-OBS", "is missing (photo time YYYY-mm-ddTHH:MM:SS[.ffffff] expected)")
        text = str(value).strip()
        if not _DATE_PATTERN.match(text):
            raise self._error("DATE-OBS", f"is not YYYY-mm-ddTHH:MM:SS[.ffffff], found {text!r}")
        try:
            return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f" if "." in text else "%Y-%m-%dT%H:%M:%S")
        except ValueError:
            raise self._error("DATE-OBS", f"is not a valid date, found {text!r}") from None

    def _vector(self, keys: tuple[str, str, str]) -> np.ndarray | None:
        values = [self._float(key) for key in keys]
        present = [value is not None for value in values]
        if not any(present):
            return None
        if not all(present):
            missing = keys[present.index(False)]
            raise self._error(missing, f"is missing although {'/'.join(k for k, p in zip(keys, present) if p)} is set")
        vector = np.array(values, dtype=np.float64)
        if np.linalg.norm(vector) <= WGS84_B_KM:
            raise self._error(
                "/".join(keys), f"give a camera position inside the Earth ({np.linalg.norm(vector):.1f} km from its "
                "center); GCRS kilometres expected"
            )
        return vector

    def _norad_id(self) -> str | None:
        value = self.header.get("NORADID")
        if value is None:
            return None
        text = str(value).strip()
        if not text.isdigit():
            raise self._error("NORADID", f"must be a NORAD catalogue number, found {value!r}")
        return str(int(text))

    def _pixel_matrix(self) -> None:
        """Raise unless CD1_1..CD2_2 (or PCi_j and CDELTi) form a regular pixel-to-sky matrix.

        astropy would replace a singular matrix by the identity (1 degree per pixel) with only a warning.
        """
        cd = [f"CD{i}_{j}" for i in (1, 2) for j in (1, 2)]
        if any(key in self.header for key in cd):
            keys, matrix = "CD1_1..CD2_2", np.array([self._float(key) or 0.0 for key in cd]).reshape(2, 2)
        else:
            scale = [self._float(f"CDELT{i}") for i in (1, 2)]
            if None in scale:
                raise self._error("CD1_1..CD2_2", "are missing, and so is CDELT1/CDELT2 (the pixel scale)")
            pc = [self._float(f"PC{i}_{j}") for i in (1, 2) for j in (1, 2)]
            identity = (1.0, 0.0, 0.0, 1.0)
            keys = "PC1_1..PC2_2 with CDELT1/CDELT2"
            matrix = np.array([identity[n] if value is None else value for n, value in enumerate(pc)]).reshape(2, 2)
            matrix = matrix * np.array(scale)[:, np.newaxis]
        if np.linalg.det(matrix) == 0.0:
            raise self._error(keys, f"form a singular matrix {matrix.tolist()}: no pixel scale and orientation")

    def _celestial_wcs(self) -> WCS:
        self._pixel_matrix()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FITSFixedWarning)
                wcs = WCS(self.header, relax=True)
        except Exception as error:  # astropy raises many types for bad WCS cards
            raise self._error("CTYPE1/CTYPE2", f"do not form a valid WCS ({_one_line(error)})") from None
        ctypes = [str(c) for c in wcs.wcs.ctype]
        if wcs.naxis != 2 or not wcs.has_celestial:
            raise self._error("CTYPE1/CTYPE2", f"must describe a celestial projection, found {ctypes}")
        if not (ctypes[0].startswith("RA--") and ctypes[1].startswith("DEC-")):
            raise self._error("CTYPE1/CTYPE2", f"must be equatorial RA/DEC axes, found {ctypes}")
        return wcs

    # -- pixel rays ----------------------------------------------------------------

    @property
    def fast_path(self) -> bool:
        """Whether directions come from the exact projective (TAN) formula."""
        return self._rays.matrix is not None

    def check_image_shape(self, shape: tuple[int, ...], image_name: str) -> None:
        """Raise a :class:`WcsError` unless an image of ``shape`` fits ``IMAGEW × IMAGEH``."""
        if tuple(shape[:2]) != self.shape:
            raise WcsError(
                f"{image_name}: image is {shape[1]}x{shape[0]} px but {self.source} keywords IMAGEW x IMAGEH "
                f"say {self.width}x{self.height}"
            )

    def directions(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Unit catalogue (ICRS) directions of 0-based pixel coordinates, shape ``x.shape + (3,)``."""
        return self._rays.directions(np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64))

    def grid_coordinates(
        self, rows: slice, columns: slice = slice(None), corners: bool = False
    ) -> tuple[np.ndarray, np.ndarray]:
        """1-D pixel x and y of a block of the corner (``corners=True``) or center grid."""
        offset = 0.5 if corners else 0.0
        extra = 1 if corners else 0
        x = np.arange(self.width + extra, dtype=np.float64)[columns] - offset
        y = np.arange(self.height + extra, dtype=np.float64)[rows] - offset
        return x, y

    def corner_rows(self, rows: slice, unit: bool = True, columns: slice = slice(None)) -> np.ndarray:
        """Directions of a block of the ``(h+1, w+1)`` corner grid, shape (n, m, 3).

        ``unit=False`` may skip the normalisation (the vectors then only have the right direction).
        """
        return self._rays.grid(*self.grid_coordinates(rows, columns, corners=True), unit)

    def center_rows(self, rows: slice, unit: bool = True, columns: slice = slice(None)) -> np.ndarray:
        """Directions of a block of the ``(h, w)`` pixel-center grid; see :meth:`corner_rows`."""
        return self._rays.grid(*self.grid_coordinates(rows, columns, corners=False), unit)

    def cone_mask(self, rows: slice, corners: bool, axis: np.ndarray, cos_angle: float) -> np.ndarray:
        """(n, w[+1]) bool: rays of the grid rows ``rows`` within ``arccos(cos_angle)`` of unit ``axis``.

        Exact; for TAN without SIP it is evaluated from the ray matrix without
        building the directions.
        """
        x, y = self.grid_coordinates(rows, corners=corners)
        return self._rays.cone_mask(x, y, np.asarray(axis, dtype=np.float64), float(cos_angle))

    def __repr__(self) -> str:
        return f"WcsSolution({self.source!r}, {self.width}x{self.height}, {self.date_obs.isoformat()})"


class _PixelRays:
    """Pixel -> unit direction, exact and fast for TAN (+SIP), astropy otherwise.

    For a TAN projection the unnormalised direction is a projective (3×3) map of
    the (focal-plane) pixel coordinates; the matrix is fitted to astropy at a
    grid of pixels (direct linear transform) and verified against
    ``all_pix2world`` before it is used.
    """

    def __init__(self, wcs: WCS, source: str) -> None:
        self.wcs = wcs
        self.source = source
        self.sip = wcs.sip is not None
        self.crpix = np.array(wcs.wcs.crpix, dtype=np.float64)
        self.matrix: np.ndarray | None = None
        distortion_tables = any(t is not None for t in (wcs.cpdis1, wcs.cpdis2, wcs.det2im1, wcs.det2im2))
        if wcs.wcs.ctype[0].endswith("TAN") or wcs.wcs.ctype[0].endswith("TAN-SIP"):
            if not distortion_tables:
                self.matrix = self._fit_matrix()

    def _sky(self, x: np.ndarray, y: np.ndarray, linear_only: bool) -> np.ndarray:
        transform = self.wcs.wcs_pix2world if linear_only else self.wcs.all_pix2world
        ra, dec = transform(x, y, 0)
        return _unit_vectors(np.radians(ra), np.radians(dec))

    def _fit_matrix(self) -> np.ndarray | None:
        size = np.maximum(np.abs(self.crpix), 10.0)
        grid = np.linspace(-1.0, 1.0, 5)
        gx, gy = np.meshgrid(self.crpix[0] - 1 + grid * size[0], self.crpix[1] - 1 + grid * size[1])
        x, y = gx.ravel(), gy.ravel()
        directions = self._sky(x, y, linear_only=True)
        if not np.isfinite(directions).all():
            return None
        # normalised pixel coordinates for conditioning: p = ((x - x0)/s, (y - y0)/s, 1)
        x0, y0, scale = self.crpix[0] - 1, self.crpix[1] - 1, float(size.max())
        p = np.column_stack([(x - x0) / scale, (y - y0) / scale, np.ones_like(x)])
        # cross(d, M p) = 0 for every point: linear in the 9 entries of M
        rows = []
        for d, q in zip(directions, p):
            skew = np.array([[0, -d[2], d[1]], [d[2], 0, -d[0]], [-d[1], d[0], 0]])
            rows.append(np.kron(skew, q))
        _, _, vt = np.linalg.svd(np.vstack(rows))
        normalised = vt[-1].reshape(3, 3)
        denormalise = np.array([[1 / scale, 0, -x0 / scale], [0, 1 / scale, -y0 / scale], [0, 0, 1]])
        matrix = normalised @ denormalise
        if np.dot(matrix @ np.array([x0, y0, 1.0]), directions[12]) < 0:
            matrix = -matrix
        check_x = np.array([0.0, self.crpix[0] * 2, 0.0, self.crpix[0] * 2, self.crpix[0] * 0.7])
        check_y = np.array([0.0, 0.0, self.crpix[1] * 2, self.crpix[1] * 2, self.crpix[1] * 1.3])
        fast = _project(matrix, *self._focal(check_x, check_y))
        exact = self._sky(check_x, check_y, linear_only=False)
        error = angle_between(fast, exact)
        if not np.isfinite(error).all() or error.max() > _FAST_PATH_TOLERANCE_RAD:
            return None
        return matrix

    def _focal(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if not self.sip:
            return x, y
        pixels = np.column_stack([x.ravel(), y.ravel()])
        focal = self.wcs.sip_pix2foc(pixels, 0) + self.crpix
        return focal[:, 0].reshape(x.shape), focal[:, 1].reshape(x.shape)

    def directions(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        if self.matrix is None:
            return self._sky(x, y, linear_only=False)
        return _project(self.matrix, *self._focal(x, y))

    def grid(self, x: np.ndarray, y: np.ndarray, unit: bool) -> np.ndarray:
        if self.matrix is not None and not self.sip:
            # separable: v = m[:, 0] x + (m[:, 1] y + m[:, 2])
            m = self.matrix
            out = x[None, :, None] * m[:, 0] + (y[:, None] * m[:, 1] + m[:, 2])[:, None, :]
            if unit:
                out /= np.sqrt(np.einsum("...i,...i->...", out, out))[..., None]
            return out
        gx, gy = np.meshgrid(x, y)
        return self.directions(gx, gy)

    def cone_mask(self, x: np.ndarray, y: np.ndarray, axis: np.ndarray, cos_angle: float) -> np.ndarray:
        cos2 = cos_angle * cos_angle
        if self.matrix is not None and not self.sip:
            # v = x m0 + b(y): v.axis and |v|^2 are a linear and a quadratic polynomial in x per row
            m0 = self.matrix[:, 0]
            b = y[:, None] * self.matrix[:, 1] + self.matrix[:, 2]
            along = x[None, :] * (m0 @ axis) + (b @ axis)[:, None]
            norm2 = (x * x * (m0 @ m0))[None, :] + 2.0 * x[None, :] * (b @ m0)[:, None] + np.sum(b * b, axis=1)[:, None]
        else:
            v = self.grid(x, y, unit=False)
            along = v @ axis
            norm2 = np.einsum("...i,...i->...", v, v)
        inside = along > 0
        inside &= along * along >= cos2 * norm2 * (1.0 - 1e-12)
        return inside


def _project(matrix: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Unit vectors of ``matrix @ (x, y, 1)``."""
    out = np.empty(np.shape(x) + (3,), dtype=np.float64)
    for i in range(3):
        np.multiply(x, matrix[i, 0], out=out[..., i])
        out[..., i] += y * matrix[i, 1]
        out[..., i] += matrix[i, 2]
    out /= np.sqrt(np.einsum("...i,...i->...", out, out))[..., None]
    return out


def angle_between(u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Angle (rad) between unit vectors, accurate also for tiny angles."""
    return 2.0 * np.arcsin(np.clip(np.linalg.norm(u - v, axis=-1) / 2.0, 0.0, 1.0))


def _unit_vectors(ra: np.ndarray, dec: np.ndarray) -> np.ndarray:
    cos_dec = np.cos(dec)
    return np.stack([cos_dec * np.cos(ra), cos_dec * np.sin(ra), np.sin(dec)], axis=-1)


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


__all__ = ["WcsSolution", "angle_between", "read_header", "with_photo_keywords", "write_header"]
