"""Time the user guide's stereographic map of ISS029-E-8492.

The photo is mapped at 110 km (spacecraft provider), resampled at 100 arcsec/px
and masked below 10 deg, as in the user guide; then ``draw_stereographic`` and
``save_fig`` to PNG are timed separately and together (the first run includes
reading the offline coastlines once). The unmasked resampled frame, which
reaches the horizon, is timed as well.

Run: ``python benchmarks/bench_maps.py [--repeat N]``. Target: <= 2 s per map.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from auromat_maps import draw_stereographic, save_fig  # noqa: E402

from auromat_core import get_provider  # noqa: E402

FIXTURES = Path(__file__).resolve().parents[1] / ".." / "shared" / "fixtures" / "iss"


def time_map(mapping, path: Path, repeat: int) -> list[tuple[float, float]]:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        figax = draw_stereographic(mapping)
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


if __name__ == "__main__":
    main()
