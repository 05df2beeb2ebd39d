"""How THEMIS image rows and columns relate to the skymaps' arrays.

All arrays here are numpy arrays as the readers return them: ``spacepy.pycdf``
for CDF files (index order as written in the CDF, last index fastest) and
``scipy.io.readsav`` for IDL save files (IDL's ``[column, row]`` reversed to
``[row, column]``).

*Skymap orientation* (the UCalgary ``.sav`` skymap as stored) is the one every
auromat THEMIS mapping uses: ``FULL_ELEVATION[i, j]``, ``FULL_AZIMUTH[i, j]``
describe pixel row ``i`` (the skymap's ``FULL_ROW[i, j] == i``), column ``j``
(``FULL_COLUMN[i, j] == j``); pixel ``[i, j]`` has the corners
``FULL_MAP_LATITUDE[k, i:i+2, j:j+2]``, corner ``[k, i, j]`` being its top-left
one (the 256x256 pixels have 257x257 corners). Row 0 is the image top
(``Mapping`` convention) and lies towards the *northern* horizon, column 0
towards the *eastern* horizon: the sky as seen from below, north up and east
left, not mirrored. For the Gakona camera (2011 skymap) north lies about 22
degrees clockwise from the top, east about 24 degrees above the left, and the
zenith (elevation 89.7) at row 129, column 124.

*L1 frames* (``thg_asf_<site>[record]``, 256x256) are stored rotated by 180
degrees relative to that: ``frame[::-1, ::-1]`` is in skymap orientation. This
was established on the real Gakona frames of 2011-01-06 17:00 with the real
skymap: the stars Vega, Capella, Arcturus, Polaris, Deneb, Dubhe and others
appear at the pixels whose skymap azimuth/elevation equals their astropy
positions only after this rotation (none of the other 7 flips/transposes
matches); the test suite checks it.

*L2 skymap CDFs* (``thg_l2_asc_<site>_19700101_v01.cdf``, written by the same
THEMIS pipeline as the L1 files) are stored in L1 orientation, i.e. also rotated
by 180 degrees relative to the ``.sav`` skymaps, pixel and corner arrays alike:
the official Gakona L2 skymap of 2007 gives elevation 19.13 and azimuth 183.8 at
[29, 161], where the 2011 ``.sav`` skymap has 18.78 and 184.8 at the rotated
index [226, 94] (and 15.46, 1.6 at [29, 161]).
"""

from __future__ import annotations

import numpy as np


def rotate_half_turn(array: np.ndarray) -> np.ndarray:
    """Rotate the last two axes by 180 degrees (a contiguous copy)."""
    return np.ascontiguousarray(array[..., ::-1, ::-1])


def l1_frame_to_skymap(frame: np.ndarray) -> np.ndarray:
    """An L1 frame (rows, columns) as stored, turned into skymap orientation."""
    return rotate_half_turn(frame)


def l2_array_to_skymap(array: np.ndarray) -> np.ndarray:
    """An L2 skymap array (..., rows[+1], columns[+1]) as stored, turned into skymap orientation."""
    return rotate_half_turn(array)
