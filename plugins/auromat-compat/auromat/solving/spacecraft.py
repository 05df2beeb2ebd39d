"""Astrometric solving of photo sequences taken from orbit (``auromat.solving.spacecraft``).

Delegates to :func:`auromat_spacecraft.solve_folder`: photo time from EXIF,
camera position from TLEs (updated from Space-Track when needed), blind
solving with astrometry.net (starfield masked), ``.wcs`` files with
``DATE-OBS``, ``POSX/POSY/POSZ`` and ``NORADID``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from auromat_spacecraft import SpaceTrack, solve_folder

__all__ = ["solveSequence"]


def solveSequence(  # noqa: N802
    imageSequenceFolder: str | os.PathLike,  # noqa: N803
    wcsFolder: str | os.PathLike,  # noqa: N803
    tleFolder: str | os.PathLike,  # noqa: N803
    spacetrackUser: str | None,  # noqa: N803
    spacetrackPassword: str | None,  # noqa: N803
    noradId: int | str,  # noqa: N803
    debugOutputFolder: str | os.PathLike | None = None,  # noqa: N803
    parallel: bool = True,
    maxWorkers: int | None = None,  # noqa: N803
    overwrite: bool = False,
    solveTimeout: float | None = None,  # noqa: N803
    channel: int | None = None,
    sigma: float | None = None,
    oddsToSolve: float | None = None,  # noqa: N803
    solver: Any = None,
) -> Iterator[tuple[Path, Path]]:
    """Solve every ``.jpg``/``.jpeg``/``.png`` of a folder without a ``.wcs`` in ``wcsFolder`` yet.

    Yields ``(imagePath, wcsPath)`` for each solved image. The Space-Track
    credentials are used only when the cached ``<tleFolder>/<noradId>.tle``
    does not cover the photo times (None: ``SPACETRACK_USER``/``SPACETRACK_PASSWORD``
    or ``~/.netrc``). ``solver`` replaces the registered ``astrometry.net``
    solver (an object with ``solve(image_path, **options)``).
    """
    options = {
        name: value
        for name, value in (("debug_folder", debugOutputFolder), ("timeout", solveTimeout), ("channel", channel),
                            ("sigma", sigma), ("odds_to_solve", oddsToSolve))
        if value is not None
    }
    workers = (maxWorkers or os.cpu_count() or 1) if parallel else 1
    return solve_folder(
        imageSequenceFolder, wcsFolder, tleFolder, norad_id=noradId, spacetrack=SpaceTrack(spacetrackUser, spacetrackPassword),
        solver=solver, overwrite=overwrite, workers=workers, **options,
    )
