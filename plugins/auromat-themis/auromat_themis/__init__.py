"""auromat plugin: THEMIS all-sky imager frames georeferenced from real calibrations.

* :class:`ThemisProvider` (provider ``themis``): L1 frames + UCalgary ``.sav`` or
  THEMIS L2 CDF skymaps -> :class:`~auromat_core.Mapping` per site and frame.
* :func:`download` / ``auromat download themis``: L1 hours and L2 skymaps.
* :func:`keogram` (the core's :func:`auromat_core.keogram`, re-exported): brightness
  along a geographic or magnetic meridian, by default the station's.
* :func:`scale_brightness`: display scaling (the original rule, percentiles).

Image orientation: see :mod:`auromat_themis.orientation` (row 0 is the image
top, towards the northern horizon; column 0 towards the east; L1 frames are
stored rotated by 180 degrees relative to that).
"""

from auromat_core import Keogram, keogram

from .brightness import scale_brightness, scale_original, scale_percentile
from .download import download
from .geometry import PixelGeometry, pixel_geometry
from .l1 import L1File
from .provider import ThemisProvider
from .skymap import Skymap, SkymapCatalog, SkymapInfo, read_l2, read_l2_infos, read_ucalgary
from .stations import STATIONS

__all__ = [
    "STATIONS",
    "Keogram",
    "L1File",
    "PixelGeometry",
    "Skymap",
    "SkymapCatalog",
    "SkymapInfo",
    "ThemisProvider",
    "download",
    "keogram",
    "pixel_geometry",
    "read_l2",
    "read_l2_infos",
    "read_ucalgary",
    "scale_brightness",
    "scale_original",
    "scale_percentile",
]
