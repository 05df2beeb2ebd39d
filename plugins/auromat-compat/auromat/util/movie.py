"""Movies from frame images (``auromat.util.movie``), delegating to :func:`auromat_maps.create_movie`."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from auromat_maps import create_movie

__all__ = ["createMovie"]


def createMovie(  # noqa: N802
    moviePath: str | os.PathLike,  # noqa: N803
    imagePaths: Iterable[str | os.PathLike],  # noqa: N803
    frameRate: float = 25,  # noqa: N803
    maxBitrate: int = 2000,  # noqa: N803
    width: int | None = None,
    height: int | None = None,
) -> Path:
    """Encode the images, in order, into an ``.mp4`` (H.264) or ``.webm`` (VP8) movie.

    With only one of ``width``/``height`` given, the other keeps the aspect
    ratio. The movie is written atomically; returns its path.
    """
    return create_movie(moviePath, imagePaths, frame_rate=frameRate, width=width, height=height,
                        max_bitrate=maxBitrate)
