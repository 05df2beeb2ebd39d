"""Solve a folder of photographs taken from a spacecraft (reference §9.3).

For every image (``.jpg``, ``.jpeg``, ``.png``, sorted by name) without a
``<wcs_folder>/<stem>.wcs`` yet: the photo time from EXIF ``DateTimeOriginal``
+ ``SubSecTimeOriginal``, the camera position at that time from the TLEs in
``<tle_folder>/<norad_id>.tle`` (updated from Space-Track when a client is
given), the astrometric solution from a solver, and then the ``.wcs`` with
``DATE-OBS``, ``POSX/POSY/POSZ`` and ``NORADID`` written atomically. Times and
positions are all determined before the first (slow) solve, so a missing EXIF
time or TLE fails at once.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from auromat_core import InputError
from auromat_core.progress import progress_bar

from .images import read_exif_time
from .orbit import DEFAULT_NORAD_ID, position_from_tles
from .solving import AstrometryNetSolver
from .spacetrack import SpaceTrack
from .wcs import with_photo_keywords, write_header

log = logging.getLogger(__name__)

SOLVABLE_EXTENSIONS = frozenset({".jpg", ".jpeg", ".png"})


def pending_images(image_folder: str | os.PathLike, wcs_folder: str | os.PathLike, overwrite: bool = False) -> list[Path]:
    """Images of ``image_folder`` (sorted by name) that have no ``.wcs`` in ``wcs_folder`` yet."""
    image_folder, wcs_folder = Path(image_folder), Path(wcs_folder)
    if not image_folder.is_dir():
        raise InputError(f"{image_folder}: image folder not found")
    images = sorted(p for p in image_folder.iterdir() if p.is_file() and p.suffix.lower() in SOLVABLE_EXTENSIONS)
    if not images:
        raise InputError(f"{image_folder}: no images to solve ({', '.join(sorted(SOLVABLE_EXTENSIONS))} expected)")
    return [p for p in images if overwrite or not wcs_path_for(p, wcs_folder).exists()]


def wcs_path_for(image_path: Path, wcs_folder: str | os.PathLike) -> Path:
    """``<wcs_folder>/<image stem>.wcs``."""
    return Path(wcs_folder) / f"{image_path.stem}.wcs"


def photo_time(image_path: Path) -> datetime:
    """EXIF time of ``image_path``; InputError when it has none."""
    time = read_exif_time(image_path)
    if time is None:
        raise InputError(f"{image_path}: no EXIF DateTimeOriginal (photo time needed for the camera position)")
    return time


def solve_folder(
    image_folder: str | os.PathLike,
    wcs_folder: str | os.PathLike,
    tle_folder: str | os.PathLike,
    norad_id: int | str = DEFAULT_NORAD_ID,
    spacetrack: SpaceTrack | None = None,
    solver: Any = None,
    overwrite: bool = False,
    return_unsolved: bool = False,
    workers: int = 1,
    progress: bool = True,
    **solve_options: Any,
) -> Iterator[tuple[Path, Path | None]]:
    """Solve every image of a folder and write its ``.wcs``; yields ``(image_path, wcs_path)``.

    Parameters
    ----------
    image_folder
        Photographs (lens distortion corrected beforehand, see :mod:`.lens`).
    wcs_folder
        Output folder of the ``.wcs`` files (created).
    tle_folder
        Folder of ``<norad_id>.tle``.
    norad_id
        NORAD catalogue number of the spacecraft (25544: the ISS).
    spacetrack
        Client used to update the TLE file when it does not cover the photos.
    solver
        An object with ``solve(image_path, **options) -> Header | None``;
        default the ``astrometry.net`` solver.
    overwrite
        Solve images that already have a ``.wcs`` again.
    return_unsolved
        Also yield ``(image_path, None)`` for images that could not be solved.
    workers
        Images solved at once (each solve is an external process).
    progress
        Show a progress bar.
    **solve_options
        Passed to ``solver.solve``.

    Raises
    ------
    InputError
        For a missing folder, no images, or an image without EXIF time.
    NoDataError
        When no TLE covers a photo time.
    """
    norad = str(int(norad_id))
    solver = solver if solver is not None else AstrometryNetSolver()
    if workers < 1:
        raise InputError(f"workers must be at least 1, got {workers}")
    images = pending_images(image_folder, wcs_folder, overwrite)
    if not images:
        log.info("%s: every image already has a .wcs in %s", image_folder, wcs_folder)
        return
    times = {path: photo_time(path) for path in images}
    positions = _positions(times, norad, tle_folder, spacetrack)
    Path(wcs_folder).mkdir(parents=True, exist_ok=True)

    def solve_one(path: Path) -> tuple[Path, Path | None]:
        header = solver.solve(path, **solve_options)
        if header is None:
            log.warning("%s: not solved", path)
            return path, None
        header = with_photo_keywords(header, date_obs=times[path], position=positions[path], norad_id=norad)
        return path, write_header(wcs_path_for(path, wcs_folder), header)

    pool = ThreadPoolExecutor(max_workers=workers) if workers > 1 else None
    results = pool.map(solve_one, images) if pool is not None else map(solve_one, images)
    bar = progress_bar(total=len(images), desc="solving", unit="image", enabled=progress)
    try:
        for path, wcs_path in results:
            bar.update()
            if wcs_path is not None or return_unsolved:
                yield path, wcs_path
    finally:
        bar.close()
        if pool is not None:
            pool.shutdown(cancel_futures=True)


def _positions(
    times: dict[Path, datetime], norad_id: str, tle_folder: str | os.PathLike, spacetrack: SpaceTrack | None
) -> dict[Path, np.ndarray]:
    """Camera positions (GCRS km); the TLEs are updated once, for the latest photo time first."""
    latest = max(times, key=times.__getitem__)
    positions = {latest: position_from_tles(times[latest], norad_id, tle_folder, spacetrack, context=f"{latest}: ")}
    for path, time in times.items():
        if path not in positions:
            positions[path] = position_from_tles(time, norad_id, tle_folder, spacetrack, context=f"{path}: ")
    return positions


__all__ = ["SOLVABLE_EXTENSIONS", "pending_images", "photo_time", "solve_folder", "wcs_path_for"]
