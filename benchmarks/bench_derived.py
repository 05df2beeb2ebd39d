"""Time the derived mapping quantities on a full-size synthetic corner grid.

A 2833 x 4257 corner grid (a 4256 x 2832 Nikon D3S frame) spans 50-70°S and
95-120°E with a sheared, perspective-like layout; the sky above a curved horizon
(about the top 40 %) is undefined. Timed: the bounding box (outline tracing,
convex hull, corner look-up and pole test), the centroid and the pixel scales.

Run: ``python benchmarks/bench_derived.py [--repeat N]``. Targets: bounding box
<= 0.1 s, pixel scales <= 0.3 s.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from auromat_core.boundingbox import bounding_box_of
from auromat_core.outline import centroid_latlon, convex_hull_indices, outline_indices, pixel_scales

ROWS, COLS = 2833, 4257


def synthetic_grid() -> tuple[np.ndarray, np.ndarray]:
    """Corner latitudes and longitudes with NaN in the sky."""
    v = np.linspace(0.0, 1.0, ROWS)[:, None]
    u = np.linspace(0.0, 1.0, COLS)[None, :]
    lat = -50.0 - 20.0 * v - 1.5 * (u - 0.5) ** 2
    lon = 95.0 + 25.0 * u + 3.0 * (u - 0.5) * v
    horizon = 0.40 - 0.08 * (1.0 - (2.0 * u - 1.0) ** 2)
    sky = v < horizon
    return np.where(sky, np.nan, lat), np.where(sky, np.nan, lon)


def bounding_box(lat: np.ndarray, lon: np.ndarray):
    outline = outline_indices(np.isfinite(lat))
    hull = convex_hull_indices(outline)
    outline_latlon = np.column_stack([lat[tuple(outline.T)], lon[tuple(outline.T)]])
    hull_latlon = np.column_stack([lat[tuple(hull.T)], lon[tuple(hull.T)]])
    return bounding_box_of(outline_latlon, hull_latlon), outline_latlon


def timed(function: Callable[[], object], repeat: int) -> tuple[object, float, float]:
    """Result, best and median wall time in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return result, min(times), float(np.median(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    lat, lon = synthetic_grid()
    defined = np.count_nonzero(np.isfinite(lat))
    print(f"corner grid {ROWS} x {COLS}, {defined / lat.size:.0%} defined")

    def report(name: str, best: float, median: float, note: str) -> None:
        print(f"{name:13s} best {best * 1e3:7.1f} ms  median {median * 1e3:7.1f} ms  {note}")

    (box, outline_latlon), best, median = timed(lambda: bounding_box(lat, lon), args.repeat)
    report("bounding box", best, median, "(target <= 100 ms)")
    print(f"  {box!r}, outline {len(outline_latlon)} points")

    centroid, best, median = timed(
        lambda: centroid_latlon(outline_latlon, box.contains_pole), args.repeat
    )
    report("centroid", best, median, f"-> {centroid}")

    scales, best, median = timed(lambda: pixel_scales(lat, lon), args.repeat)
    report("pixel scales", best, median, "(target <= 300 ms)")
    for name, scale in scales._asdict().items():
        print(f"  {name:8s} " + "  ".join(f"{k} {v:.3f}\"" for k, v in scale._asdict().items()))


if __name__ == "__main__":
    main()
