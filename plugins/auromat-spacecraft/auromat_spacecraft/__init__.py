"""auromat plugin: map photographs taken from orbit (FITS WCS solutions, TLE orbits, RAW images, lens correction)."""

from __future__ import annotations

from .images import RawOptions, load_image, read_exif_time
from .lens import LensCorrection
from .mapping import CameraPose, SpacecraftCamera, intersects_earth, is_consistent, map_photo, resolve_pose
from .orbit import Tle, TleFile, position_from_tles
from .photo_download import SequenceMetadata, download_photo_sequence, load_metadata
from .provider import SpacecraftProvider
from .solve_sequence import solve_folder
from .solving import AstrometryNetSolver, solve_image
from .spacetrack import SpaceTrack
from .starfield import Starfield, mask_starfield
from .wcs import WcsSolution, read_header, with_photo_keywords, write_header

__all__ = [
    "AstrometryNetSolver",
    "CameraPose",
    "LensCorrection",
    "RawOptions",
    "SequenceMetadata",
    "SpaceTrack",
    "SpacecraftCamera",
    "SpacecraftProvider",
    "Starfield",
    "Tle",
    "TleFile",
    "WcsSolution",
    "download_photo_sequence",
    "intersects_earth",
    "is_consistent",
    "load_image",
    "load_metadata",
    "map_photo",
    "mask_starfield",
    "position_from_tles",
    "read_exif_time",
    "read_header",
    "resolve_pose",
    "solve_folder",
    "solve_image",
    "with_photo_keywords",
    "write_header",
]
