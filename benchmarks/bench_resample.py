"""Benchmark of resampling a full-resolution (4256 x 2832) mapping.

The input is synthetic but shaped like an oblique ISS photo: seen from a
footpoint near 48°S 107°E looking south, ground range grows from 200 km at the
bottom row to 2500 km at the horizon, which is at 60 % of the image height; the
upper 40 % (sky) is undefined. The footprint covers about 50-70°S, 90-125°E
and the pixel size grows from a few arcseconds to a few arcminutes.

Prints wall time and peak RSS of building the Mapping, its bounding box (part
of mapping a frame, cached afterwards) and the resampling itself.

Run: ``python benchmarks/bench_resample.py [--repeat N] [--arcsec 100] [--method mean] [--grid geo]``
"""

from __future__ import annotations

import argparse
import resource
import time
from datetime import datetime

import numpy as np

from auromat_core import Mapping
from auromat_core.resample import resample

WIDTH, HEIGHT = 4256, 2832
FOOTPOINT = (-48.0, 107.0)
HEADING_DEG, SPREAD_DEG = 180.0, 20.0
RANGE_KM = (200.0, 2500.0)
HORIZON_ROW_FRACTION = 0.4
ORBIT_HEIGHT_KM = 400.0
EARTH_RADIUS_KM = 6371.0


def ground_points(rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lat, lon and elevation (deg) of image positions (fractional rows/cols); NaN above the horizon."""
    v = rows[:, np.newaxis] / HEIGHT
    u = cols[np.newaxis, :] / WIDTH
    with np.errstate(invalid="ignore"):
        depth = np.where(v >= HORIZON_ROW_FRACTION, (1.0 - v) / (1.0 - HORIZON_ROW_FRACTION), np.nan)
    distance = RANGE_KM[0] + (RANGE_KM[1] - RANGE_KM[0]) * depth**3
    bearing = np.radians(HEADING_DEG + SPREAD_DEG * (2 * u - 1))
    arc = distance / EARTH_RADIUS_KM
    lat0, lon0 = np.radians(FOOTPOINT)
    lat = np.arcsin(np.sin(lat0) * np.cos(arc) + np.cos(lat0) * np.sin(arc) * np.cos(bearing))
    lon = lon0 + np.arctan2(np.sin(bearing) * np.sin(arc) * np.cos(lat0), np.cos(arc) - np.sin(lat0) * np.sin(lat))
    elevation = np.broadcast_to(np.degrees(np.arctan2(ORBIT_HEIGHT_KM, distance)), lat.shape).copy()
    return np.degrees(lat), np.degrees(lon), elevation


def synthetic_mapping() -> Mapping:
    lat_bounds, lon_bounds, _ = ground_points(np.arange(HEIGHT + 1.0), np.arange(WIDTH + 1.0))
    lat, lon, elevation = ground_points(np.arange(HEIGHT) + 0.5, np.arange(WIDTH) + 0.5)
    rng = np.random.default_rng(1)
    image = rng.integers(0, 256, (HEIGHT, WIDTH, 3), dtype=np.uint8)
    return Mapping(
        lat_bounds=lat_bounds,
        lon_bounds=lon_bounds,
        lat=lat,
        lon=lon,
        elevation=elevation,
        image=image,
        altitude=110.0,
        time=datetime(2012, 3, 4, 17, 20, 0),
        camera_position=[-4000.0, 3000.0, -4200.0],
        identifier="synthetic-oblique",
    )


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--arcsec", type=float, default=100.0)
    parser.add_argument("--method", default="mean", choices=["mean", "nearest", "linear"])
    parser.add_argument("--grid", default="geo", choices=["geo", "mag"])
    args = parser.parse_args()

    t0 = time.perf_counter()
    mapping = synthetic_mapping()
    t1 = time.perf_counter()
    print(f"input: {WIDTH}x{HEIGHT} px, {mapping.defined.mean():.0%} defined, built in {t1 - t0:.2f} s")
    box = mapping.bounding_box
    t2 = time.perf_counter()
    print(f"bounding box (computed once, cached): {t2 - t1:.3f} s  {box}")
    print(f"peak RSS before resampling: {peak_rss_mb():.0f} MB")

    times, cpu_times = [], []
    for _ in range(args.repeat):
        start, cpu_start = time.perf_counter(), time.process_time()
        result = resample(mapping, arcsec_per_px=args.arcsec, method=args.method, grid=args.grid)
        times.append(time.perf_counter() - start)
        cpu_times.append(time.process_time() - cpu_start)
    h, w = result.shape
    print(
        f"resample {args.grid}/{args.method} at {args.arcsec:g}\"/px -> {w}x{h} px ({result.defined.mean():.0%} defined)"
    )
    print(
        f"  wall: best {min(times):.3f} s, median {np.median(times):.3f} s; "
        f"CPU (all threads): best {min(cpu_times):.3f} s; runs {', '.join(f'{t:.3f}' for t in times)}"
    )
    print(f"peak RSS: {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
