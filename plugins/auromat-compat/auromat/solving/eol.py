"""NASA astronaut photographs (``auromat.solving.eol``): sequence downloads and lens correction.

Downloads delegate to :func:`auromat_spacecraft.download_photo_sequence`,
lens correction to :class:`auromat_spacecraft.LensCorrection` (lensfun, from
the EXIF camera and lens of the first frame).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
from auromat_spacecraft import LensCorrection, SequenceMetadata, download_photo_sequence, load_image, load_metadata
from auromat_spacecraft.photo_download import store_metadata
from PIL import Image

from auromat_core import DownloadError, InputError, atomic_output
from auromat_core.progress import progress_bar

if TYPE_CHECKING:
    import lensfunpy

__all__ = ["correctLensDistortion", "downloadImageSequence"]

log = logging.getLogger(__name__)

CORRECTED_SUFFIX = "_dc"
"""Appended to the file stem of a lens-corrected frame."""


def downloadImageSequence(  # noqa: N802
    folderPath: str | os.PathLike,  # noqa: N803
    mission: str,
    fromFrame: int,  # noqa: N803
    toFrame: int,  # noqa: N803
    format_: str,
    roll: str = "E",
    baseUrl: str | None = None,  # noqa: N803
) -> tuple[SequenceMetadata | bool, list[str]]:
    """Download frames ``fromFrame``..``toFrame`` of ``{mission}-{roll}`` as ``{mission}-{roll}-{frame}.jpg``.

    Frames missing on the server inside the range are recorded as gaps in
    ``meta.json``; the first and last frame must exist (else InputError).
    ``baseUrl`` is the site root (None: ``$AUROMAT_NASA_PHOTOS_URL``, else
    ``https://eol.jsc.nasa.gov``).

    Returns
    -------
    ``(metadata, [])`` on success, ``(False, [reason])`` when frames failed
    (the files obtained are kept; calling again continues).
    """
    if format_ != "jpg":
        raise InputError(f"format_ {format_!r} is not supported: auromat-spacecraft downloads NASA photos as 'jpg' only")
    try:
        return download_photo_sequence(folderPath, mission, fromFrame, toFrame, roll=roll, base_url=baseUrl), []
    except DownloadError as error:
        log.error("%s", error)
        return False, [str(error)]


def _corrected_name(name: str) -> str:
    path = Path(name)
    return f"{path.stem}{CORRECTED_SUFFIX}{path.suffix}"


def _parameters(correction: LensCorrection) -> dict[str, Any]:
    return {
        "cameraMaker": correction.camera.maker,
        "cameraModel": correction.camera.model,
        "cameraVariant": correction.camera.variant,
        "lensMaker": correction.lens.maker,
        "lensModel": correction.lens.model,
        "focalLength": correction.focal_length,
        "aperture": correction.aperture,
    }


def correctLensDistortion(  # noqa: N802
    folderPath: str | os.PathLike,  # noqa: N803
    undistFolderPath: str | os.PathLike,  # noqa: N803
    lensfunDbObj: lensfunpy.Database | None = None,  # noqa: N803
) -> SequenceMetadata:
    """Correct the lens distortion of every frame of a downloaded sequence into ``undistFolderPath``.

    The camera and lens come from the EXIF data of the first frame (lensfun
    database ``lensfunDbObj``, default the installed one). Each frame is
    written as ``<name>_dc.jpg`` with its EXIF data (frames already there are
    skipped), then ``meta.json`` with the ``_dc`` pattern, ``lensDistortionCorrected``
    and the lens parameters. Returns that metadata.
    """
    source, target = Path(folderPath), Path(undistFolderPath)
    metadata = load_metadata(source)
    names = metadata.filenames
    correction = LensCorrection.from_exif(source / names[0], database=lensfunDbObj)
    log.info("using lensfun lens %r (camera %r)", correction.lens.model, correction.camera.model)
    target.mkdir(parents=True, exist_ok=True)
    for name in progress_bar(names, desc="lens correction", unit="photo"):
        output = target / _corrected_name(name)
        if output.exists():
            continue
        with Image.open(source / name) as image:
            exif = image.info.get("exif", b"")
        corrected = correction.apply(load_image(source / name))
        pixels = corrected[:, :, 0] if corrected.shape[2] == 1 else corrected
        with atomic_output(output) as temporary:
            Image.fromarray(pixels).save(temporary, format="JPEG", quality=95, exif=exif)
    pattern = _corrected_name(metadata.pattern)
    corrected_metadata = attrs.evolve(
        metadata, pattern=pattern, lens_distortion_corrected=True, lens_distortion_correction_params=_parameters(correction),
    )
    store_metadata(target, corrected_metadata)
    return corrected_metadata
