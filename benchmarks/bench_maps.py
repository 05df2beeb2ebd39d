"""Time the user guide's stereographic map of ISS029-E-8492.

The photo is mapped at 110 km (spacecraft provider), resampled at 100 arcsec/px
and masked below 10 deg, as in the user guide; then ``draw_stereographic`` and
``save_fig`` to PNG are timed separately and together (the first run includes
reading the offline GSHHS coastlines once). The unmasked resampled frame, which
reaches the horizon, is timed as well, and so is the full-resolution frame (4256 x 2832
pixels, no resampling: drawn with the level of detail of :mod:`auromat_maps.mesh`).
Then the reading of each GSHHS resolution
and the most coast-dense map (Canadian Arctic Archipelago) at the size limits
of the resolutions (:data:`auromat_maps.offline.RESOLUTION_LIMITS_KM`).

Run: ``python benchmarks/bench_maps.py [--repeat N]``. Target: <= 2 s per map.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import datetime
from pathlib import Path

import matplotlib
import numpy as np

matplotlib.use("Agg")

from auromat_maps import draw_stereographic, offline, save_fig  # noqa: E402

from auromat_core import Mapping, get_provider  # noqa: E402

FIXTURES = Path(__file__).resolve().parents[1] / ".." / "shared" / "fixtures" / "iss"


def time_map(mapping, path: Path, repeat: int, **options) -> list[tuple[float, float]]:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        figax = draw_stereographic(mapping, **options)
        built = time.perf_counter()
        save_fig(path, figax)
        runs.append((built - start, time.perf_counter() - built))
    return runs


def report(name: str, mapping, runs: list[tuple[float, float]]) -> None:
    totals = [draw + save for draw, save in runs]
    cells = int(mapping.defined.sum())
    print(f"{name}: {mapping.shape[0]}x{mapping.shape[1]} grid, {cells} defined cells")
    print(f"  first run  {totals[0]:.3f} s (draw {runs[0][0]:.3f} s + save {runs[0][1]:.3f} s)")
    if len(runs) > 1:
        rest = runs[1:]
        print(f"  later runs median {statistics.median(d + s for d, s in rest):.3f} s, "
              f"min {min(d + s for d, s in rest):.3f} s "
              f"(draw median {statistics.median(d for d, _ in rest):.3f} s, "
              f"save median {statistics.median(s for _, s in rest):.3f} s)")


def arctic_mapping() -> Mapping:
    """A small synthetic mapping over the Canadian Arctic Archipelago (75 N, 95 W)."""
    lat_b, lon_b = np.meshgrid(np.linspace(77.0, 73.0, 11), np.linspace(-105.0, -85.0, 21), indexing="ij")
    center = lambda a: (a[:-1, :-1] + a[1:, 1:] + a[:-1, 1:] + a[1:, :-1]) / 4  # noqa: E731
    return Mapping(lat_bounds=lat_b, lon_bounds=lon_b, lat=center(lat_b), lon=center(lon_b),
                   elevation=np.full((10, 20), 40.0), image=np.full((10, 20, 3), 60, np.uint8), altitude=110.0,
                   time=datetime(2012, 1, 25, 21, 0), camera_position=[0.0, -1500.0, 6700.0], identifier="arctic")


def coast_figures(folder: Path, repeat: int) -> None:
    for resolution in ("c", "l", "i"):
        offline.shoreline.cache_clear()
        start = time.perf_counter()
        data = offline.shoreline(resolution)
        print(f"GSHHS {offline.RESOLUTIONS[resolution]}: {data.land.size} land polygons read in "
              f"{time.perf_counter() - start:.3f} s")
    mapping = arctic_mapping()
    limits = [(limit * 0.99, resolution) for limit, resolution in offline.RESOLUTION_LIMITS_KM]
    for size_km, resolution in limits + [(20000.0, "c")]:
        runs = time_map(mapping, folder / "arctic.png", repeat, width_km=size_km, height_km=size_km * 5 / 8)
        totals = [draw + save for draw, save in runs]
        print(f"Canadian Arctic map {size_km:.0f} km across ({offline.RESOLUTIONS[resolution]} coasts): "
              f"median {statistics.median(totals):.3f} s, max {max(totals):.3f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    start = time.perf_counter()
    provider = get_provider("spacecraft", FIXTURES.resolve(), altitude=110.0)
    mapping = provider.get_by_id("ISS029-E-8492")
    resampled = mapping.resample(arcsec_per_px=100)
    masked = resampled.masked_by_elevation(10)
    print(f"mapping, resampling and masking (not part of the target): {time.perf_counter() - start:.2f} s")
    with tempfile.TemporaryDirectory() as folder:
        report("user-guide map (100\"/px, >= 10 deg)", masked, time_map(masked, Path(folder) / "map.png", args.repeat))
        report("unmasked 100\"/px map", resampled, time_map(resampled, Path(folder) / "full.png", args.repeat))
        report("full-resolution map", mapping, time_map(mapping, Path(folder) / "photo.png", args.repeat))
        coast_figures(Path(folder), args.repeat)


if __name__ == "__main__":
    main()
