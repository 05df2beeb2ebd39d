"""Benchmark of the core pipeline on a full-resolution frame (issue 3 targets).

Maps the 4256 x 2832 TAN camera of ISS029-E-8492 at 110 km — corners, centers,
elevation — builds the :class:`auromat_core.Mapping` (masking invariants) and its
bounding box, then resamples it at 100 arcsec/px. Prints wall time and peak RSS
of each stage. Targets on a 2-core machine: mapping <= 0.8 s and <= 1.0 GB peak,
resampling <= 0.2 s.

Run: ``python benchmarks/bench_mapping.py [--repeat N]``
"""

from __future__ import annotations

import argparse
import resource
import time
from datetime import datetime

import numpy as np
from astropy.io import fits
from bench_engine import WCS_PATH, rows_function, tan_direction_matrix

from auromat_core import Mapping
from auromat_core.geometry import map_grid


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def map_frame(header: fits.Header) -> Mapping:
    width, height = header["IMAGEW"], header["IMAGEH"]
    camera = np.array([header["POSX"], header["POSY"], header["POSZ"]])
    when = datetime.fromisoformat(header["DATE-OBS"])
    matrix = tan_direction_matrix(header)
    corners = map_grid(camera, when, 110.0, (height + 1, width + 1),
                       rows_function(matrix, np.arange(width + 1) - 0.5, np.arange(height + 1) - 0.5))
    centers = map_grid(camera, when, 110.0, (height, width),
                       rows_function(matrix, np.arange(width, dtype=float), np.arange(height, dtype=float)))
    return Mapping(
        lat_bounds=corners.lat, lon_bounds=corners.lon, lat=centers.lat, lon=centers.lon,
        elevation=centers.elevation, image=np.zeros((height, width, 3), np.uint8), altitude=110.0,
        time=when, camera_position=camera, identifier="ISS029-E-8492",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    header = fits.getheader(WCS_PATH)
    map_frame(header)  # warm-up: astropy's Earth orientation tables, page faults of first allocation
    print(f"warm-up done, peak RSS {peak_rss_mb():.0f} MB")
    for run in range(args.repeat):
        start = time.perf_counter()
        mapping = map_frame(header)
        mapped = time.perf_counter()
        box = mapping.bounding_box
        boxed = time.perf_counter()
        resampled = mapping.resample(arcsec_per_px=100)
        done = time.perf_counter()
        print(
            f"run {run + 1}: mapping (corners+centers+elevation+invariants) {mapped - start:.3f} s, "
            f"bounding box {boxed - mapped:.3f} s, total {boxed - start:.3f} s; "
            f"resample 100\"/px {done - boxed:.3f} s -> {resampled.shape}; peak RSS {peak_rss_mb():.0f} MB"
        )
        del mapping, resampled
    print(f"bounding box: {box}")


if __name__ == "__main__":
    main()
