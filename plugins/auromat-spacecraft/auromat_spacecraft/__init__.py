"""auromat plugin: map photographs taken from orbit (FITS WCS solutions, TLE orbits, RAW images, lens correction)."""

from __future__ import annotations

from .images import RawOptions, load_image, read_exif_time
from .lens import LensCorrection
from .mapping import CameraPose, SpacecraftCamera, intersects_earth, is_consistent, map_photo, resolve_pose
from .orbit import Tle, TleFile, position_from_tles
from .provider import SpacecraftProvider
from .spacetrack import SpaceTrack
from .wcs import WcsSolution, read_header, with_photo_keywords, write_header

__all__ = [
    "CameraPose",
    "LensCorrection",
    "RawOptions",
    "SpaceTrack",
    "SpacecraftCamera",
    "SpacecraftProvider",
    "Tle",
    "TleFile",
    "WcsSolution",
    "intersects_earth",
    "is_consistent",
    "load_image",
    "map_photo",
    "position_from_tles",
    "read_exif_time",
    "read_header",
    "resolve_pose",
    "with_photo_keywords",
    "write_header",
]
