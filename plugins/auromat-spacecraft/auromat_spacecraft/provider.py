"""The ``spacecraft`` provider: a sequence of photos from orbit with their ``.wcs`` solutions.

Folder mode: every ``*.wcs`` in ``wcs_folder`` (default: the image folder) pairs
with the image ``<same base><extension>`` in ``image_folder``; images without a
solution are listed by :attr:`SpacecraftProvider.unsolved_ids` (when none has
one, a warning names them and ``auromat solve``). List mode: equal
length sequences of images (paths or arrays) and solutions (paths or headers);
an array's identifier is its ``.wcs`` file's name, or ``photo-<DATE-OBS>``.
A ``metadata.json`` (``{"sequence_metadata": {...}, "image_metadata": {id: {...}}}``)
next to the images gives each mapping ``sequence_metadata`` overlaid by its
``image_metadata`` entry.
"""

from __future__ import annotations

import functools
import json
import logging
import os
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from astropy.io import fits

from auromat_core import InputError, Mapping, Provider
from auromat_core.options import instance_option, number_option, path_option
from auromat_core.providers import open_usable

from .images import IMAGE_EXTENSIONS, RawOptions
from .lens import LensCorrection
from .mapping import ImageInput, map_photo
from .orbit import norad_id_option
from .spacetrack import SpaceTrack
from .wcs import WcsSolution

log = logging.getLogger(__name__)

METADATA_FILE = "metadata.json"


class _Entry:
    __slots__ = ("identifier", "image", "solution", "time")

    def __init__(self, identifier: str, image: ImageInput, solution: WcsSolution, time: datetime) -> None:
        self.identifier = identifier
        self.image = image
        self.solution = solution
        self.time = time


class SpacecraftProvider(Provider):
    """Mappings of photos taken from orbit, ordered by (shifted) photo time.

    Parameters
    ----------
    image_folder
        Folder of images, or a sequence of image paths / ``IMAGEH × IMAGEW`` arrays.
    wcs_folder
        Folder of ``.wcs`` files (default ``image_folder``), or a sequence of
        ``.wcs`` paths / FITS headers matching ``image_folder`` one to one.
    altitude
        Mapping altitude, km.
    max_time_offset
        Seconds between a requested time and the nearest photo for :meth:`get`.
    timeshift
        Correction added to every ``DATE-OBS`` (timedelta or seconds); positions
        then come from the orbit (``tle_folder``/``spacetrack``).
    image_extension
        Image file extension (e.g. ``".jpg"``); auto-detected when None.
    norad_id, tle_folder, spacetrack
        Orbit source where a position must be computed: the NORAD catalogue
        number (a positive whole number; None: the ``NORADID`` of each
        ``.wcs``, else the ISS), the folder of ``<norad id>.tle``; ``spacetrack`` is a
        :class:`~auromat_spacecraft.spacetrack.SpaceTrack` session, or True for
        one with the credentials of the environment or ``~/.netrc``
        (``-p spacetrack=true``).
    metadata_path
        ``metadata.json`` to use (default: the one in ``image_folder``, if any).
    raw_options, lens_correction
        Passed to :func:`~auromat_spacecraft.mapping.map_photo`.
    """

    def __init__(
        self,
        image_folder: str | os.PathLike | Sequence[ImageInput],
        wcs_folder: str | os.PathLike | Sequence[str | os.PathLike | fits.Header] | None = None,
        altitude: float = 110.0,
        max_time_offset: float = 3.0,
        timeshift: timedelta | float | None = None,
        image_extension: str | None = None,
        norad_id: int | None = None,
        tle_folder: str | os.PathLike | None = None,
        spacetrack: SpaceTrack | bool | None = None,
        metadata_path: str | os.PathLike | None = None,
        raw_options: RawOptions | None = None,
        lens_correction: LensCorrection | None = None,
    ) -> None:
        self.image_folder = image_folder
        self.wcs_folder = wcs_folder
        self.altitude = number_option("altitude", altitude, 0.0)
        self.max_time_offset = number_option("max_time_offset", max_time_offset, 0.0)
        if timeshift is not None and not isinstance(timeshift, timedelta):
            timeshift = timedelta(seconds=number_option("timeshift", timeshift))
        self.timeshift = timeshift
        if image_extension is not None and not isinstance(image_extension, str):
            raise InputError(f"image_extension must be a file extension such as '.jpg', got {image_extension!r}")
        self.image_extension = image_extension
        self.norad_id = norad_id_option(norad_id)
        self.tle_folder = path_option("tle_folder", tle_folder)
        if isinstance(spacetrack, bool):
            spacetrack = SpaceTrack() if spacetrack else None
        self.spacetrack = instance_option("spacetrack", spacetrack, SpaceTrack)
        self.metadata_path = path_option("metadata_path", metadata_path)
        self.raw_options = instance_option("raw_options", raw_options, RawOptions)
        self.lens_correction = instance_option("lens_correction", lens_correction, LensCorrection)
        self.reload()

    @classmethod
    def can_open(cls, path: str | os.PathLike) -> bool:
        """Whether ``path`` is a folder with ``.wcs`` files."""
        path = Path(path)
        return path.is_dir() and any(path.glob("*.wcs"))

    # -- scanning -------------------------------------------------------------------

    @property
    def _folder_mode(self) -> bool:
        return isinstance(self.image_folder, (str, os.PathLike))

    def reload(self) -> None:
        """Scan the folders (or lists) again."""
        self.skipped_inputs: list[str] = []
        if self._folder_mode:
            entries, self._unsolved = self._scan_folders()
        else:
            entries, self._unsolved = self._from_lists(), []
        identifiers = [entry.identifier for entry in entries]
        duplicates = sorted({name for name in identifiers if identifiers.count(name) > 1})
        if duplicates:
            raise InputError(f"{self!r}: identifiers occur more than once: {', '.join(duplicates)}")
        entries.sort(key=lambda entry: (entry.time, entry.identifier))
        self._entries = entries
        self._times = [entry.time for entry in entries]
        self._identifiers = [entry.identifier for entry in entries]
        self._metadata = self._read_metadata()

    def _time(self, solution: WcsSolution) -> datetime:
        if self.timeshift is not None:
            return solution.date_obs + self.timeshift
        return solution.shifted_time or solution.date_obs

    def _scan_folders(self) -> tuple[list[_Entry], list[str]]:
        image_folder = Path(self.image_folder)
        wcs_folder = Path(path_option("wcs_folder", self.wcs_folder)) if self.wcs_folder is not None else image_folder
        for folder, option in ((image_folder, "image_folder"), (wcs_folder, "wcs_folder")):
            if not folder.is_dir():
                raise InputError(f"{option} {folder} is not a folder")
        wcs_paths = sorted(wcs_folder.glob("*.wcs"))
        images: dict[str, list[Path]] = {}
        for path in sorted(image_folder.iterdir()):
            if path.is_file() and path.suffix.lower() in IMAGE_EXTENSIONS:
                images.setdefault(path.stem, []).append(path)
        extension = self._extension(wcs_paths, images)
        solved = {path.stem for path in wcs_paths}
        unsolved = sorted(
            stem for stem, paths in images.items()
            if stem not in solved and (extension is None or any(p.suffix.lower() == extension for p in paths))
        )
        if not wcs_paths and unsolved:
            _warn_unsolved(image_folder, wcs_folder, [images[stem][0].name for stem in unsolved])
        if extension is None:
            if wcs_paths:
                raise InputError(
                    f"{image_folder}: no image matches any of the {len(wcs_paths)} .wcs files (e.g. {wcs_paths[0].stem}.jpg for "
                    f"{wcs_paths[0].name}; images: {', '.join(sorted(IMAGE_EXTENSIONS))})"
                )
            return [], unsolved
        openers = [functools.partial(self._entry, wcs_path, images.get(wcs_path.stem, []), extension, image_folder) for wcs_path in wcs_paths]
        return open_usable(openers, False, self.skipped_inputs), unsolved

    def _entry(self, wcs_path: Path, images: list[Path], extension: str, image_folder: Path) -> _Entry:
        """The frame of ``wcs_path`` and its image (of ``images``, those of its name)."""
        matches = [path for path in images if path.suffix.lower() == extension]
        if not matches:
            raise InputError(f"{wcs_path}: no image {wcs_path.stem}{extension} in {image_folder}")
        solution = WcsSolution.from_file(wcs_path)
        return _Entry(wcs_path.stem, matches[0], solution, self._time(solution))

    def _extension(self, wcs_paths: list[Path], images: dict[str, list[Path]]) -> str | None:
        if self.image_extension is not None:
            extension = self.image_extension.lower()
            return extension if extension.startswith(".") else "." + extension
        for wcs_path in wcs_paths:
            candidates = images.get(wcs_path.stem, [])
            if len(candidates) > 1:
                names = ", ".join(p.name for p in candidates)
                raise InputError(f"{wcs_path}: several images match ({names}); choose one with image_extension=")
            if candidates:
                return candidates[0].suffix.lower()
        return None

    def _from_lists(self) -> list[_Entry]:
        images = list(self.image_folder)
        solutions = list(self.wcs_folder) if self.wcs_folder is not None else None
        if solutions is None or isinstance(self.wcs_folder, (str, os.PathLike)):
            raise InputError("with a list of images, wcs_folder must be a list of .wcs files of the same length")
        if len(images) != len(solutions):
            raise InputError(f"{len(images)} images but {len(solutions)} WCS solutions: they must pair one to one")
        entries = []
        for image, wcs in zip(images, solutions):
            solution = WcsSolution.load(wcs)
            if isinstance(image, np.ndarray):
                solution.check_image_shape(image.shape, f"image array for {solution.source}")
                identifier = solution.path.stem if solution.path is not None else f"photo-{solution.date_obs:%Y%m%dT%H%M%S}"
            else:
                identifier = Path(image).stem
            entries.append(_Entry(identifier, image, solution, self._time(solution)))
        return entries

    def _read_metadata(self) -> dict[str, Any]:
        path = self.metadata_path
        if path is None and self._folder_mode:
            candidate = Path(self.image_folder) / METADATA_FILE
            path = candidate if candidate.is_file() else None
        if path is None:
            return {}
        try:
            document = json.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise InputError(f"{path}: metadata file not found") from None
        except (OSError, ValueError) as error:
            raise InputError(f"{path}: not valid JSON ({error})") from None
        if not isinstance(document, dict):
            raise InputError(f"{path}: expected an object with sequence_metadata and image_metadata")
        sequence = document.get("sequence_metadata", {})
        per_image = document.get("image_metadata", {})
        if not isinstance(sequence, dict) or not isinstance(per_image, dict):
            raise InputError(f"{path}: sequence_metadata and image_metadata must be objects")
        _check_flat(sequence, f"{path}: sequence_metadata")
        for key, value in per_image.items():
            if not isinstance(value, dict):
                raise InputError(f"{path}: image_metadata[{key!r}] must be an object")
            _check_flat(value, f"{path}: image_metadata[{key!r}]")
        return {"sequence": sequence, "images": per_image}

    # -- Provider API ---------------------------------------------------------------

    @property
    def times(self) -> list[datetime]:
        return self._times

    @property
    def identifiers(self) -> list[str]:
        return self._identifiers

    @property
    def unsolved_ids(self) -> list[str]:
        """Identifiers of images in the folder that have no ``.wcs`` solution."""
        return list(self._unsolved)

    def solution_path(self, identifier: str) -> Path | None:
        """The ``.wcs`` file of the photo ``identifier`` (None when its solution was given as a header).

        Raises
        ------
        KeyError
            For an identifier the provider does not have.
        """
        for entry in self._entries:
            if entry.identifier == identifier:
                return entry.solution.path
        raise KeyError(identifier)

    def metadata_for(self, identifier: str) -> dict[str, Any]:
        """``sequence_metadata`` overlaid by ``image_metadata[identifier]``."""
        if not self._metadata:
            return {}
        merged = dict(self._metadata["sequence"])
        merged.update(self._metadata["images"].get(identifier, {}))
        return merged

    def load(self, index: int) -> Mapping:
        entry = self._entries[index]
        return map_photo(
            entry.image,
            entry.solution,
            altitude=self.altitude,
            timeshift=self.timeshift,
            norad_id=self.norad_id,
            tle_folder=self.tle_folder,
            spacetrack=self.spacetrack,
            metadata=self.metadata_for(entry.identifier),
            identifier=entry.identifier,
            raw_options=self.raw_options,
            lens_correction=self.lens_correction,
        )

    def __repr__(self) -> str:
        where = str(self.image_folder) if self._folder_mode else f"{len(self.image_folder)} listed photos"
        return f"SpacecraftProvider({where!r})"


_NAMED_UNSOLVED = 3
"""Images without a solution a warning names; it counts the rest."""


def _warn_unsolved(image_folder: Path, wcs_folder: Path, names: list[str]) -> None:
    """Warn that none of the images has a ``.wcs`` (so there is no frame): how many, the first few, how to get solutions."""
    shown = ", ".join(names[:_NAMED_UNSOLVED]) + (f" and {len(names) - _NAMED_UNSOLVED} more" if len(names) > _NAMED_UNSOLVED else "")
    count = "1 image has" if len(names) == 1 else f"{len(names)} images have"
    log.warning(
        "%s: %s no .wcs solution in %s (%s), so there is no frame; solve them (auromat solve --images %s --wcs-out %s "
        "--tle-folder <folder of TLEs>; JPEG or PNG photos) or give wcs_folder= the folder of their .wcs files",
        image_folder, count, wcs_folder, shown, image_folder, wcs_folder,
    )


def _check_flat(values: dict, where: str) -> None:
    for key, value in values.items():
        if not isinstance(value, (str, int, float, bool)):
            raise InputError(f"{where}[{key!r}] must be a string, number or boolean, got {type(value).__name__}")


__all__ = ["METADATA_FILE", "SpacecraftProvider"]
