"""Photos taken from orbit with WCS solutions (``auromat.mapping.spacecraft``), over the ``spacecraft`` provider.

Mappings are lazy, as in the original: ``getSequence()`` and ``get()`` return
at once and a frame is georeferenced when its coordinates are first used, so
diagnostics that only read the WCS solutions (``draw.drawAstrometryPixelScales``)
map nothing.
"""

from __future__ import annotations

import abc
import functools
import os
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from astropy.io import fits
from auromat_spacecraft import SpacecraftProvider, SpaceTrack, intersects_earth, is_consistent, read_header
from auromat_spacecraft.orbit import norad_id_option

from auromat_core import InputError, Provider
from auromat_core import Mapping as CoreMapping

from .mapping import BaseMapping, BaseMappingProvider, translated

__all__ = ["PhotoMappingProvider", "SpacecraftMapping", "SpacecraftMappingProvider"]


class SpacecraftMapping(BaseMapping):
    """A mapping of a photo taken from orbit, with its astrometric solution.

    Parameters
    ----------
    core
        The core mapping or a function computing it.
    wcs
        Function returning the photo's ``.wcs`` file (it may fetch it first).
    pose
        Orbit options of :func:`auromat_spacecraft.resolve_pose` used for the mapping.
    """

    def __init__(
        self,
        core: CoreMapping | Callable[[], CoreMapping],
        *,
        wcs: Callable[[], Path],
        pose: dict[str, Any] | None = None,
        identifier: str | None = None,
    ) -> None:
        super().__init__(core, identifier=identifier)
        self._wcs = wcs
        self._pose = dict(pose or {})

    def _derive(self, core: CoreMapping) -> SpacecraftMapping:
        return SpacecraftMapping(core, wcs=self._wcs, pose=self._pose)

    @functools.cached_property
    def wcsPath(self) -> Path:  # noqa: N802
        """The ``.wcs`` file of the photo."""
        return Path(self._wcs())

    @functools.cached_property
    def wcsHeader(self) -> fits.Header:  # noqa: N802
        """The FITS header of the astrometric solution."""
        return read_header(self.wcsPath)

    @functools.cached_property
    def intersectsEarth(self) -> np.ndarray:  # noqa: N802
        """(h, w) bool: which pixel-center rays hit the Earth's surface."""
        return intersects_earth(self.wcsPath, **self._pose)

    def isConsistent(self, starPxCoords: np.ndarray | None = None) -> bool:  # noqa: N802, N803
        """False if the Earth fills the photo or is not in it, or covers a given star pixel ``(x, y)``."""
        return is_consistent(self.wcsPath, starPxCoords, **self._pose)


class PhotoMappingProvider(BaseMappingProvider, abc.ABC):
    """A provider of :class:`SpacecraftMapping` objects, delivered lazily."""

    def __init__(self, provider: Provider, pose: dict[str, Any] | None = None) -> None:
        super().__init__(provider)
        self._pose = dict(pose or {})

    @abc.abstractmethod
    def wcsPath(self, identifier: str) -> Path:  # noqa: N802
        """The ``.wcs`` file of the photo ``identifier`` (fetched if needed)."""

    def _wrap(self, item: CoreMapping) -> SpacecraftMapping:
        return SpacecraftMapping(item, wcs=functools.partial(self.wcsPath, item.identifier), pose=self._pose)

    def _lazy(self, index: int) -> SpacecraftMapping:
        identifier = self.provider.identifiers[index]
        return SpacecraftMapping(
            functools.partial(self.provider.load, index),
            wcs=functools.partial(self.wcsPath, identifier),
            pose=self._pose,
            identifier=identifier,
        )

    def get(self, date: datetime) -> SpacecraftMapping:
        """The mapping nearest to ``date`` within ``maxTimeOffset``; :class:`NoMappingError` if none."""
        index = self.provider.nearest_index(date)
        if index is None:
            return self._wrap(translated(self.provider.get, date))
        return self._lazy(index)

    def getSequence(self, dateBegin: datetime | None = None, dateEnd: datetime | None = None) -> Iterator[SpacecraftMapping]:  # noqa: N802, N803
        """The mappings from ``dateBegin`` to ``dateEnd`` (inclusive; None = open), in time order."""
        for index in self.provider.indices_between(dateBegin, dateEnd):
            yield self._lazy(index)


class SpacecraftMappingProvider(PhotoMappingProvider):
    """Photos in ``imageSequenceFolder`` with solutions ``<image base>.wcs`` in ``wcsFolder``.

    Parameters
    ----------
    imageSequenceFolder, wcsFolder
        Folders (``wcsFolder`` defaults to the image folder), or equal-length
        lists of images (paths or arrays) and solutions (``.wcs`` paths or FITS headers).
    imageFileExtension
        E.g. ``"jpg"``; auto-detected when None.
    timeshift
        :class:`~datetime.timedelta` added to every ``DATE-OBS``; camera
        positions then come from the orbit (``noradId``, ``tleFolder``, ``spacetrack``).
    noradId
        NORAD catalogue number, a positive whole number or (as in the
        original) a string of digits such as ``"25544"``.
    spacetrack
        An :class:`auromat_spacecraft.SpaceTrack` client, used when the TLEs
        in ``tleFolder`` do not cover a photo.
    altitude
        Mapping altitude, km.
    maxTimeOffset
        Seconds between a requested time and the nearest photo.
    """

    def __init__(
        self,
        imageSequenceFolder: str | os.PathLike | Sequence[str | os.PathLike | np.ndarray],  # noqa: N803
        wcsFolder: str | os.PathLike | Sequence[str | os.PathLike | fits.Header] | None = None,  # noqa: N803
        imageFileExtension: str | None = None,  # noqa: N803
        timeshift: timedelta | None = None,
        noradId: int | str | None = None,  # noqa: N803
        tleFolder: str | os.PathLike | None = None,  # noqa: N803
        spacetrack: SpaceTrack | None = None,
        altitude: float = 110,
        maxTimeOffset: float = 3,  # noqa: N803
    ) -> None:
        norad_id = norad_id_option(noradId, digits=True)
        pose = {"timeshift": timeshift, "norad_id": norad_id, "tle_folder": tleFolder, "spacetrack": spacetrack}
        provider = SpacecraftProvider(
            imageSequenceFolder, wcsFolder, altitude=altitude, max_time_offset=maxTimeOffset, timeshift=timeshift,
            image_extension=imageFileExtension, norad_id=norad_id, tle_folder=tleFolder, spacetrack=spacetrack,
        )
        super().__init__(provider, pose)

    def wcsPath(self, identifier: str) -> Path:  # noqa: N802
        """The ``.wcs`` file of the photo ``identifier``."""
        path = self.provider.solution_path(identifier)
        if path is None:
            raise InputError(f"photo {identifier} has no .wcs file: its solution was given as a FITS header")
        return path

    @property
    def unsolvedIds(self) -> list[str]:  # noqa: N802
        """Identifiers of images without a ``.wcs`` solution."""
        return self.provider.unsolved_ids

    def reload(self) -> None:
        """Scan the folders again."""
        self.provider.reload()
