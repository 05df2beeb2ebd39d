"""Benchmark of the dipole MLat/MLT conversions on a full-resolution frame.

The inputs are shaped like a mapped 4256 x 2832 ISS photo: pixel corners
(2833 x 4257) and centers (2832 x 4256), about 24 M points, spanning latitudes
-70..-50 and longitudes 100..180 with the sky (the 40 % of the image above a
curved horizon) undefined (NaN). ``to_magnetic`` converts corners and centers
as :meth:`auromat_core.Mapping.magnetic` does; ``from_magnetic`` converts the
resulting MLat/MLT back, as the netCDF/CDF readers and magnetic-grid
resampling do.

For each call it prints the wall and CPU time and the extra peak RSS beyond
its inputs and outputs (Linux: the peak is reset through
``/proc/self/clear_refs`` before each call and read from ``VmHWM``), plus the
load average, since the machine may be shared. ``--scatter`` puts the NaNs at
random pixels instead (the worst case for the vectorised kernels).

Run: ``python benchmarks/bench_magnetic.py [--repeat N] [--altitude KM] [--scatter]``
"""

from __future__ import annotations

import argparse
import logging
import os
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

import numpy as np

from auromat_core.magnetic import DipoleModel

WIDTH, HEIGHT = 4256, 2832
LAT_RANGE, LON_RANGE = (-70.0, -50.0), (100.0, 180.0)
SKY_FRACTION = 0.4
WHEN = datetime(2012, 3, 4, 17, 20, 0)

log = logging.getLogger("bench_magnetic")


def frame_points(rows: np.ndarray, cols: np.ndarray, scatter: bool) -> tuple[np.ndarray, np.ndarray]:
    """Lat/lon (deg) at fractional image positions.

    NaN above a curved horizon (``SKY_FRACTION`` of the area), or at random
    pixels (the same fraction) if ``scatter``.
    """
    v = rows[:, np.newaxis] / HEIGHT
    u = cols[np.newaxis, :] / WIDTH
    horizon = SKY_FRACTION + 0.1 * (np.square(2.0 * u - 1.0) - 1.0 / 3.0)  # mean SKY_FRACTION over u
    depth = (v - horizon) / (1.0 - horizon)  # 0 at the horizon, 1 at the bottom row
    lat = LAT_RANGE[1] - (LAT_RANGE[1] - LAT_RANGE[0]) * np.clip(1.0 - depth, 0.0, 1.0)
    lon = LON_RANGE[0] + (LON_RANGE[1] - LON_RANGE[0]) * (u + 0.05 * np.sin(7.0 * v) * (1.0 - u))
    lat, lon = np.broadcast_arrays(lat, lon)
    lat, lon = lat.copy(), lon.copy()
    np.clip(lon, *LON_RANGE, out=lon)
    sky = np.random.default_rng(len(rows)).random(lat.shape) < SKY_FRACTION if scatter else depth < 0.0
    lat[sky] = np.nan
    lon[sky] = np.nan
    return lat, lon


def _status_kb(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"/proc/self/status has no {field}")


class Figures(NamedTuple):
    wall: float
    cpu: float
    extra_mb: float

    def __add__(self, other: object) -> Figures:
        if not isinstance(other, Figures):
            return NotImplemented
        return Figures(self.wall + other.wall, self.cpu + other.cpu, max(self.extra_mb, other.extra_mb))

    def __str__(self) -> str:
        return f"{self.wall:.3f} s wall ({self.cpu:.3f} s CPU), extra peak {self.extra_mb:.0f} MB"


def measure(
    call: Callable[..., tuple[np.ndarray, np.ndarray]], *args: object
) -> tuple[tuple[np.ndarray, np.ndarray], Figures]:
    """Run ``call(*args)``; return its outputs, wall and CPU time (s) and extra peak RSS beyond the outputs (MB)."""
    Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
    before = _status_kb("VmRSS")
    cpu = time.process_time()
    start = time.perf_counter()
    outputs = call(*args)
    wall = time.perf_counter() - start
    cpu = time.process_time() - cpu
    peak = _status_kb("VmHWM")
    output_kb = sum(array.nbytes for array in outputs) / 1024.0
    return outputs, Figures(wall, cpu, (peak - before - output_kb) / 1024.0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--altitude", type=float, default=110.0)
    parser.add_argument("--scatter", action="store_true", help="NaN at random pixels instead of a sky region")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    lat_bounds, lon_bounds = frame_points(np.arange(HEIGHT + 1.0), np.arange(WIDTH + 1.0), args.scatter)
    lat, lon = frame_points(np.arange(HEIGHT) + 0.5, np.arange(WIDTH) + 0.5, args.scatter)
    points = lat_bounds.size + lat.size
    undefined = (np.count_nonzero(np.isnan(lat_bounds)) + np.count_nonzero(np.isnan(lat))) / points
    model = DipoleModel()
    # caches (IGRF table, SM matrix) and a first full-size call, after which RSS accounting is steady
    model.to_magnetic(lat_bounds, lon_bounds, args.altitude, WHEN)
    log.info("%d points (%.1f %% NaN), %d CPUs, RSS with inputs %.0f MB",
             points, 100 * undefined, os.cpu_count(), _status_kb("VmRSS") / 1024.0)

    results: dict[str, list[Figures]] = {"to_magnetic": [], "from_magnetic": []}
    for attempt in range(args.repeat):
        load = os.getloadavg()[0]
        corners, to_corners = measure(model.to_magnetic, lat_bounds, lon_bounds, args.altitude, WHEN)
        centers, to_centers = measure(model.to_magnetic, lat, lon, args.altitude, WHEN)
        _, from_corners = measure(model.from_magnetic, *corners, args.altitude, WHEN)
        _, from_centers = measure(model.from_magnetic, *centers, args.altitude, WHEN)
        results["to_magnetic"].append(to_corners + to_centers)
        results["from_magnetic"].append(from_corners + from_centers)
        log.info("run %d (1-min load %.2f)", attempt + 1, load)
        log.info("  to_magnetic   corners %s; centers %s", to_corners, to_centers)
        log.info("  from_magnetic corners %s; centers %s", from_corners, from_centers)
        del corners, centers
    for name, runs in results.items():
        best = min(runs, key=lambda figures: figures.wall)
        log.info("%s (corners + centers): best of %d runs %s; max extra peak %.0f MB",
                 name, len(runs), best, max(figures.extra_mb for figures in runs))
    log.info("load average %.2f %.2f %.2f", *os.getloadavg())


if __name__ == "__main__":
    main()
