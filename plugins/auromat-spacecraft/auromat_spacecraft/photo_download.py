"""Download sequences of NASA astronaut photographs (reference §9.4, JPEG).

Frame ``{mission}-{roll}-{frame}`` is fetched from
``<base>/DatabaseImages/ESC/large/{mission}/{mission}-{roll}-{frame}.JPG``
(base ``$AUROMAT_NASA_PHOTOS_URL``, else ``https://eol.jsc.nasa.gov``) to
``{mission}-{roll}-{frame}.jpg``.
Frame numbers inside a sequence may be missing on the server (HTTP 404): they
are recorded as gaps; the first and last frame must exist, which is asked
before anything is saved (a sequence that fails so leaves no folder). ``meta.json``
describes the complete sequence and is written only when every frame is
present, so an interrupted run is simply repeated: finished files are kept and
partial ones resumed (:func:`auromat_core.download.download_file`). Every file
must be a JPEG: anything else (a maintenance page, say) is a failed frame that
is not kept, and a frame file left by an earlier run that is not a JPEG is
downloaded again.
"""

from __future__ import annotations

import json
import logging
import os
import re
from pathlib import Path
from typing import Any

import attrs
import requests

from auromat_core import InputError, atomic_output
from auromat_core.download import (
    JPEG,
    RemoteFileNotFound,
    check_base_url,
    download_all,
    download_file,
    is_present,
    new_session,
    part_path,
    redact_url,
)

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://eol.jsc.nasa.gov"
BASE_URL_ENV = "AUROMAT_NASA_PHOTOS_URL"
URL_PATTERN = "{base}/DatabaseImages/ESC/large/{mission}/{mission}-{roll}-{frame}.JPG"
FILE_PATTERN = "{mission}-{roll}-{frame}.jpg"
METADATA_FILENAME = "meta.json"
_MISSION = re.compile(r"^[A-Z0-9]{2,12}$")
_ROLL = re.compile(r"^[A-Z0-9]{1,4}$")


@attrs.frozen
class SequenceMetadata:
    """The ``meta.json`` of a downloaded sequence (keys of reference §9.4)."""

    mission: str
    roll: str
    from_frame: int
    to_frame: int
    pattern: str = FILE_PATTERN
    frame_gaps: tuple[int, ...] = attrs.field(default=(), converter=lambda gaps: tuple(sorted(int(g) for g in gaps)))
    lens_distortion_corrected: bool = False
    lens_distortion_correction_params: dict[str, Any] | None = None

    @property
    def frames(self) -> list[int]:
        """The frame numbers present, ascending."""
        gaps = set(self.frame_gaps)
        return [frame for frame in range(self.from_frame, self.to_frame + 1) if frame not in gaps]

    def filename(self, frame: int) -> str:
        return self.pattern.format(mission=self.mission, roll=self.roll, frame=frame)

    @property
    def filenames(self) -> list[str]:
        return [self.filename(frame) for frame in self.frames]

    def to_json(self) -> dict[str, Any]:
        return {
            "mission": self.mission,
            "roll": self.roll,
            "fromFrame": self.from_frame,
            "toFrame": self.to_frame,
            "pattern": self.pattern,
            "frameGaps": list(self.frame_gaps),
            "lensDistortionCorrected": self.lens_distortion_corrected,
            "lensDistortionCorrectionParams": self.lens_distortion_correction_params,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], source: str = "meta.json") -> SequenceMetadata:
        try:
            return cls(
                mission=str(data["mission"]), roll=str(data["roll"]),
                from_frame=int(data["fromFrame"]), to_frame=int(data["toFrame"]),
                pattern=str(data.get("pattern", FILE_PATTERN)), frame_gaps=data.get("frameGaps", ()),
                lens_distortion_corrected=bool(data.get("lensDistortionCorrected", False)),
                lens_distortion_correction_params=data.get("lensDistortionCorrectionParams"),
            )
        except KeyError as error:
            raise InputError(f"{source}: key {error.args[0]!r} missing (sequence metadata expected)") from None
        except (TypeError, ValueError) as error:
            raise InputError(f"{source}: invalid sequence metadata ({error})") from None


def load_metadata(folder: str | os.PathLike) -> SequenceMetadata:
    """Read ``<folder>/meta.json``."""
    path = Path(folder) / METADATA_FILENAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(f"{path}: sequence metadata not found") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InputError(f"{path}: not readable JSON ({error})") from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: a JSON object expected")
    return SequenceMetadata.from_json(data, str(path))


def store_metadata(folder: str | os.PathLike, metadata: SequenceMetadata) -> Path:
    """Write ``<folder>/meta.json`` atomically."""
    path = Path(folder) / METADATA_FILENAME
    with atomic_output(path) as temporary:
        temporary.write_text(json.dumps(metadata.to_json(), indent=4) + "\n", encoding="utf-8")
    return path


def default_base_url() -> str:
    """``$AUROMAT_NASA_PHOTOS_URL`` or NASA's site."""
    return os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL


def photo_url(mission: str, roll: str, frame: int, base_url: str | None = None) -> str:
    """URL of the large JPEG of one photograph (``base_url`` None: :func:`default_base_url`)."""
    return URL_PATTERN.format(base=(base_url or default_base_url()).rstrip("/"), mission=mission, roll=roll, frame=frame)


def download_photo_sequence(
    folder: str | os.PathLike,
    mission: str,
    from_frame: int,
    to_frame: int,
    roll: str = "E",
    base_url: str | None = None,
    session: requests.Session | None = None,
    progress: bool = True,
    retries: int = 3,
    timeout: float = 60.0,
) -> SequenceMetadata:
    """Download frames ``from_frame`` to ``to_frame`` (inclusive) of ``{mission}-{roll}`` into ``folder``.

    ``base_url`` is the site root; None: :func:`default_base_url`.

    Returns
    -------
    SequenceMetadata
        Also written to ``<folder>/meta.json``; an existing one for the same
        sequence is returned without contacting the server while all its
        frames are present JPEG files.

    Raises
    ------
    InputError
        For an invalid mission, roll, frame range or base URL, or when the first or last
        frame does not exist on the server (HTTP 404).
    DownloadError
        When frames failed for other reasons; the files obtained are kept and
        a repeated call continues.
    """
    mission, roll = mission.strip().upper(), roll.strip().upper()
    if not _MISSION.match(mission):
        raise InputError(f"mission {mission!r} is not a NASA mission code such as ISS040")
    if not _ROLL.match(roll):
        raise InputError(f"roll {roll!r} is not a NASA roll code such as E")
    from_frame, to_frame = int(from_frame), int(to_frame)
    if not 0 <= from_frame <= to_frame:
        raise InputError(f"frame range {from_frame}..{to_frame} is empty or negative (from <= to expected)")
    base_url = check_base_url(base_url or default_base_url())
    folder = Path(folder)
    existing = _existing_metadata(folder, mission, roll, from_frame, to_frame)
    if existing is not None:
        log.info("%s: sequence %s-%s %d..%d already downloaded", folder, mission, roll, from_frame, to_frame)
        return existing
    ends = [from_frame] if from_frame == to_frame else [from_frame, to_frame]
    order = ends + list(range(from_frame + 1, to_frame))
    frames = {folder / FILE_PATTERN.format(mission=mission, roll=roll, frame=frame): frame for frame in order}
    own_session = session is None
    session = session or new_session()

    def fetch(path: Path) -> bool:
        frame = frames[path]
        url = photo_url(mission, roll, frame, base_url)
        try:
            download_file(url, path, session=session, retries=retries, timeout=timeout, progress=False, expect=JPEG)
        except RemoteFileNotFound:
            if frame in ends:
                raise _missing_end(mission, roll, frame, url) from None
            log.info("%s-%s-%d: not on the server, recorded as a frame gap", mission, roll, frame)
            return False
        return True

    log.info("downloading frames %d to %d of %s-%s from %s", from_frame, to_frame, mission, roll, redact_url(base_url))
    try:
        for path in list(frames)[: len(ends)]:
            _check_end_exists(path, mission, roll, frames[path], base_url, session, timeout)
        summary = download_all(list(frames), fetch, f"{mission}-{roll}", progress, expect=dict.fromkeys(frames, JPEG))
    finally:
        if own_session:
            session.close()
    summary.raise_for_failures(f"{mission}-{roll} (frames {from_frame}..{to_frame})")
    gaps = sorted(frames[path] for path in summary.missing)
    metadata = SequenceMetadata(mission, roll, from_frame, to_frame, FILE_PATTERN, gaps)
    store_metadata(folder, metadata)
    log.info("%s: %d frames, %d gaps", folder, len(metadata.frames), len(gaps))
    return metadata


def _missing_end(mission: str, roll: str, frame: int, url: str) -> InputError:
    return InputError(
        f"{mission}-{roll}-{frame} does not exist at {redact_url(url)} (HTTP 404): a sequence must start and end with existing frames"
    )


def _check_end_exists(path: Path, mission: str, roll: str, frame: int, base_url: str, session: requests.Session, timeout: float) -> None:
    """Raise :func:`_missing_end` if the server answers HTTP 404 for the first or last ``frame``, before anything is saved.

    An end already there (or partly: a ``.part`` file) is not asked for. Only
    the status is read (the body is not); any other answer, or no answer, is
    left to the download, which retries and reports it.
    """
    if path.exists() or part_path(path).exists():
        return
    url = photo_url(mission, roll, frame, base_url)
    try:
        with session.get(url, stream=True, timeout=timeout) as response:
            status = response.status_code
    except requests.RequestException:
        return
    if status == 404:
        raise _missing_end(mission, roll, frame, url)


def _existing_metadata(folder: Path, mission: str, roll: str, from_frame: int, to_frame: int) -> SequenceMetadata | None:
    if not (folder / METADATA_FILENAME).is_file():
        return None
    metadata = load_metadata(folder)
    same = (metadata.mission, metadata.roll, metadata.from_frame, metadata.to_frame) == (mission, roll, from_frame, to_frame)
    if not same:
        raise InputError(
            f"{folder / METADATA_FILENAME} describes {metadata.mission}-{metadata.roll} "
            f"{metadata.from_frame}..{metadata.to_frame}, not {mission}-{roll} {from_frame}..{to_frame}: use another folder"
        )
    if all(is_present(folder / name, JPEG) for name in metadata.filenames):
        return metadata
    return None


__all__ = [
    "BASE_URL_ENV",
    "DEFAULT_BASE_URL",
    "METADATA_FILENAME",
    "SequenceMetadata",
    "default_base_url",
    "download_photo_sequence",
    "load_metadata",
    "photo_url",
    "store_metadata",
]
