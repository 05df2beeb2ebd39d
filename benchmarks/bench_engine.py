"""Benchmark of the mapping engine on a full-resolution spacecraft frame.

Maps the pixel corners (2833 x 4257) and centers (2832 x 4256) of the 4256 x 2832
TAN camera of ISS029-E-8492 at 110 km and prints wall time and peak RSS. The
directions are generated block-wise as an affine function of the pixel
coordinates, which is exact for a TAN projection without SIP.

Run: ``python benchmarks/bench_engine.py [--repeat N] [--altitude KM]``
"""

from __future__ import annotations

import argparse
import logging
import resource
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import numpy as np
from astropy.io import fits

from auromat_core.geometry import gcrs_to_itrs_matrix, map_grid

WCS_PATH = Path(__file__).resolve().parents[1] / ".." / "shared" / "fixtures" / "iss" / "ISS029-E-8492.wcs"

log = logging.getLogger("bench_engine")


def tan_direction_matrix(header: fits.Header) -> np.ndarray:
    """M (3, 3) with GCRS direction ∝ M @ [x, y, 1] for 0-based pixel coordinates (TAN, no SIP)."""
    ra0, dec0 = np.radians([header["CRVAL1"], header["CRVAL2"]])
    centre = np.array([np.cos(dec0) * np.cos(ra0), np.cos(dec0) * np.sin(ra0), np.sin(dec0)])
    east = np.array([-np.sin(ra0), np.cos(ra0), 0.0])
    north = np.cross(centre, east)
    cd = np.radians([[header["CD1_1"], header["CD1_2"]], [header["CD2_1"], header["CD2_2"]]])
    crpix0 = np.array([header["CRPIX1"] - 1.0, header["CRPIX2"] - 1.0])
    affine = np.zeros((3, 3))
    affine[:2, :2] = cd
    affine[:2, 2] = -cd @ crpix0
    affine[2, 2] = 1.0
    return np.column_stack([east, north, centre]) @ affine


def rows_function(matrix: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> Callable[[slice], np.ndarray]:
    """``directions_for_rows`` for the pixel grid ``xs`` × ``ys``."""
    x_terms = matrix[:, 0, None] * xs  # (3, w)

    def directions_for_rows(rows: slice) -> np.ndarray:
        y = ys[rows]
        directions = np.empty((len(y), len(xs), 3))
        for axis in range(3):  # one component at a time: long inner loops, no size-3 axis
            row_terms = (y * matrix[axis, 1] + matrix[axis, 2])[:, None]
            np.add(x_terms[axis], row_terms, out=directions[:, :, axis])
        return directions

    return directions_for_rows


def max_rss_mb() -> float:
    """Peak resident set size of this process so far (MB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--altitude", type=float, default=110.0)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    header = fits.getheader(WCS_PATH)
    width, height = header["IMAGEW"], header["IMAGEH"]
    camera = np.array([header["POSX"], header["POSY"], header["POSZ"]])
    when = datetime.fromisoformat(header["DATE-OBS"])
    matrix = tan_direction_matrix(header)

    start = time.perf_counter()
    gcrs_to_itrs_matrix(when)
    log.info("GCRS->ITRS matrix (astropy, once per frame): %.3f s", time.perf_counter() - start)
    log.info("RSS before mapping: %.0f MB", max_rss_mb())

    corners = rows_function(matrix, np.arange(width + 1) - 0.5, np.arange(height + 1) - 0.5)
    centers = rows_function(matrix, np.arange(width, dtype=float), np.arange(height, dtype=float))
    totals = []
    for attempt in range(args.repeat):
        cpu = time.process_time()
        start = time.perf_counter()
        corner_hits = map_grid(camera, when, args.altitude, (height + 1, width + 1), corners)
        middle = time.perf_counter()
        center_hits = map_grid(camera, when, args.altitude, (height, width), centers)
        stop = time.perf_counter()
        totals.append(stop - start)
        log.info(
            "run %d: corners %.3f s, centers %.3f s, total %.3f s wall, %.3f s CPU; peak RSS %.0f MB; "
            "%.1f%% of centers mapped",
            attempt + 1, middle - start, stop - middle, stop - start, time.process_time() - cpu, max_rss_mb(),
            100.0 * np.count_nonzero(~np.isnan(center_hits.lat)) / center_hits.lat.size,
        )
        del corner_hits, center_hits
    log.info("best total %.3f s wall over %d runs; peak RSS %.0f MB", min(totals), args.repeat, max_rss_mb())


if __name__ == "__main__":
    main()
