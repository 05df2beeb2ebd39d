"""Lens distortion correction with lensfun (lensfunpy), reference §9.5.

A :class:`LensCorrection` is built either from the camera and lens named in the
EXIF data (looked up in the lensfun database) or from explicit model parameters
(``ptlens a b c``, ``poly3 k1``, ``poly5 k1 k2``, as the ESA ISS archive gives
them), through a one-camera/one-lens lensfun XML database. Only the geometry is
corrected; the undistortion coordinates are computed once per image size.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from xml.sax.saxutils import quoteattr

import cv2
import lensfunpy
import numpy as np
from PIL import Image

from auromat_core import InputError

MIN_LENS_SCORE = 85
"""Smallest lensfun match score accepted for a lens found by loose search."""

_MODEL_PARAMETERS = {"ptlens": ("a", "b", "c"), "poly3": ("k1",), "poly5": ("k1", "k2")}
_EXIF_IFD = 0x8769
_FLAGS = lensfunpy.ModifyFlags.DISTORTION | lensfunpy.ModifyFlags.SCALE
_TAGS = {"make": 0x010F, "model": 0x0110}
_EXIF_TAGS = {"lens_make": 0xA433, "lens_model": 0xA434, "focal_length": 0x920A, "f_number": 0x829D}


def custom_database_xml(model: str, params: list[float] | tuple[float, ...]) -> str:
    """A lensfun XML database with camera and lens ``CUSTOM`` calibrated by one distortion model."""
    names = _MODEL_PARAMETERS.get(model)
    if names is None:
        raise InputError(f"lens distortion model must be one of {sorted(_MODEL_PARAMETERS)}, got {model!r}")
    if len(params) != len(names):
        raise InputError(f"lens distortion model {model} needs {len(names)} parameters {names}, got {len(params)}")
    attributes = " ".join(f"{name}={quoteattr(repr(float(value)))}" for name, value in zip(names, params))
    return (
        "<lensdatabase>"
        "<mount><name>Generic</name></mount>"
        "<camera><maker>CUSTOM</maker><model>CUSTOM</model><mount>Generic</mount><cropfactor>1.0</cropfactor>"
        "</camera>"
        "<lens><maker>CUSTOM</maker><model>CUSTOM</model><mount>Generic</mount><cropfactor>1.0</cropfactor>"
        f'<calibration><distortion model="{model}" focal="1" {attributes}/></calibration></lens>'
        "</lensdatabase>"
    )


class LensCorrection:
    """Geometry correction for one camera + lens at one focal length and aperture.

    Parameters
    ----------
    camera, lens
        lensfunpy objects.
    focal_length, aperture
        Shooting parameters (mm, f-number).
    distance
        Focus distance in metres.
    scale
        Extra scale; 0 lets lensfun choose one that leaves no empty border.
    """

    def __init__(
        self,
        camera: lensfunpy.Camera,
        lens: lensfunpy.Lens,
        focal_length: float,
        aperture: float,
        distance: float = 10000.0,
        scale: float = 0.0,
    ) -> None:
        self.camera = camera
        self.lens = lens
        self.focal_length = float(focal_length)
        self.aperture = float(aperture)
        self.distance = float(distance)
        self.scale = float(scale)
        self._coordinates = lru_cache(maxsize=4)(self._compute_coordinates)

    @classmethod
    def from_model(cls, model: str, params: list[float] | tuple[float, ...], scale: float = 0.0) -> LensCorrection:
        """Correction from explicit parameters (``ptlens``: a, b, c; ``poly3``: k1; ``poly5``: k1, k2)."""
        database = lensfunpy.Database(xml=custom_database_xml(model, params), load_common=False, load_bundled=False)
        camera = database.find_cameras("CUSTOM", "CUSTOM")[0]
        lens = database.find_lenses(camera, "CUSTOM", "CUSTOM")[0]
        correction = cls(camera, lens, focal_length=1.0, aperture=1.0, scale=scale)
        correction._database = database  # keep the database alive as long as its objects
        return correction

    @classmethod
    def from_names(
        cls,
        camera_maker: str,
        camera_model: str,
        lens_model: str,
        focal_length: float,
        aperture: float,
        lens_maker: str | None = None,
        database: lensfunpy.Database | None = None,
        min_score: int = MIN_LENS_SCORE,
        distance: float = 10000.0,
    ) -> LensCorrection:
        """Correction for a camera (exact maker/model) and a lens (loose search, score >= ``min_score``)."""
        database = database or _default_database()
        cameras = database.find_cameras(camera_maker, camera_model)
        if not cameras:
            raise InputError(f"camera {camera_maker!r} {camera_model!r} is not in the lensfun database")
        camera = cameras[0]
        lenses = [lens for lens in database.find_lenses(camera, lens_maker, lens_model, loose_search=True) if lens.score >= min_score]
        if not lenses:
            raise InputError(
                f"lens {lens_model!r} for camera {camera_model!r} is not in the lensfun database (score >= {min_score})"
            )
        correction = cls(camera, lenses[0], focal_length, aperture, distance)
        correction._database = database
        return correction

    @classmethod
    def from_exif(cls, image_path: str | os.PathLike, database: lensfunpy.Database | None = None) -> LensCorrection:
        """Correction for the camera, lens, focal length and aperture in the EXIF data of ``image_path``."""
        exif = read_lens_exif(image_path)
        missing = [name for name in ("make", "model", "lens_model", "focal_length", "f_number") if not exif.get(name)]
        if missing:
            raise InputError(f"{image_path}: EXIF lacks {', '.join(missing)} needed to find the lens in lensfun")
        return cls.from_names(
            exif["make"], exif["model"], exif["lens_model"], exif["focal_length"], exif["f_number"],
            lens_maker=exif.get("lens_make") or None, database=database,
        )

    def _compute_coordinates(self, width: int, height: int) -> np.ndarray:
        modifier = lensfunpy.Modifier(self.lens, self.camera.crop_factor, width, height)
        modifier.initialize(
            self.focal_length, self.aperture, self.distance, scale=self.scale, flags=_FLAGS
        )
        coordinates = modifier.apply_geometry_distortion()
        if coordinates is None:
            raise InputError(f"lensfun has no distortion calibration for {self.lens.model!r} at {self.focal_length} mm")
        return coordinates

    def source_coordinates(self, width: int, height: int) -> np.ndarray:
        """(h, w, 2) float32 ``x, y`` in the distorted image sampled by each corrected pixel."""
        return self._coordinates(width, height)

    def apply(self, image: np.ndarray) -> np.ndarray:
        """The corrected image (same shape and dtype; Lanczos interpolation, black outside)."""
        height, width = image.shape[:2]
        coordinates = self.source_coordinates(width, height)
        channels = image.shape[2] if image.ndim == 3 else 1
        planes = [image] if channels <= 4 else [image[:, :, i] for i in range(channels)]
        out = [
            cv2.remap(np.ascontiguousarray(plane), coordinates, None, cv2.INTER_LANCZOS4,
                      borderMode=cv2.BORDER_CONSTANT, borderValue=0)
            for plane in planes
        ]
        result = out[0] if len(out) == 1 else np.stack(out, axis=-1)
        return result.reshape(image.shape)

    def __repr__(self) -> str:
        return f"LensCorrection({self.camera.model!r}, {self.lens.model!r}, {self.focal_length:g} mm)"


@lru_cache(maxsize=1)
def _default_database() -> lensfunpy.Database:
    return lensfunpy.Database()


def read_lens_exif(path: str | os.PathLike) -> dict:
    """Camera make/model, lens make/model, focal length (mm) and f-number from EXIF (Pillow)."""
    try:
        with Image.open(Path(path)) as image:
            exif = image.getexif()
            sub = exif.get_ifd(_EXIF_IFD)
    except (OSError, SyntaxError, ValueError) as error:
        raise InputError(f"{path}: cannot read EXIF ({' '.join(str(error).split())})") from None
    values: dict = {name: exif.get(tag) for name, tag in _TAGS.items()}
    values.update({name: sub.get(tag) for name, tag in _EXIF_TAGS.items()})
    for key in ("make", "model", "lens_make", "lens_model"):
        if values[key] is not None:
            values[key] = str(values[key]).strip("\x00 ")
    for key in ("focal_length", "f_number"):
        if values[key] is not None:
            values[key] = float(values[key])
    return values


__all__ = ["MIN_LENS_SCORE", "LensCorrection", "custom_database_xml", "read_lens_exif"]
