"""Benchmark: full-resolution ISS029-E-8492 (4256x2832) through the ``spacecraft`` provider.

Per frame: JPEG decode + mapping (corners and centers at 110 km) + bounding box.
The first frame of a process also pays one-time costs (astropy's Earth
orientation tables, thread pools, page faults of fresh memory); the following
frames show the steady state of a sequence. Prints wall time per stage, the
CPU time of all threads per frame (on a shared machine the wall time depends
on the load) and the peak resident memory. Targets: <= 1.5 s per frame,
<= 1.5 GB peak.

Run from the repository root::

    .venv/bin/python benchmarks/bench_spacecraft.py [--frames 3]
"""

from __future__ import annotations

import argparse
import resource
import time
from collections import defaultdict
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / ".." / "shared" / "fixtures" / "iss"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=3, help="frames to map (the first one is cold)")
    args = parser.parse_args()

    start = time.perf_counter()
    import auromat_spacecraft.mapping as mapping_module
    from auromat_spacecraft.provider import SpacecraftProvider

    print(f"import                 {time.perf_counter() - start:6.3f} s")

    stages: dict[str, float] = defaultdict(float)

    def timed(name, function):
        def wrapper(*a, **k):
            t0 = time.perf_counter()
            try:
                return function(*a, **k)
            finally:
                stages[name] += time.perf_counter() - t0

        return wrapper

    # instrument the two stages inside provider.get (decode, geometry)
    mapping_module.load_image = timed("decode", mapping_module.load_image)
    mapping_module.SpacecraftCamera.map = timed("geometry", mapping_module.SpacecraftCamera.map)

    t0 = time.perf_counter()
    provider = SpacecraftProvider([FIXTURES / "ISS029-E-8492.jpg"], [FIXTURES / "ISS029-E-8492.wcs"])
    print(f"provider scan          {time.perf_counter() - t0:6.3f} s")

    for frame in range(args.frames):
        stages.clear()
        cpu = time.process_time()
        t0 = time.perf_counter()
        mapping = provider.get_by_id("ISS029-E-8492")
        t1 = time.perf_counter()
        box = mapping.bounding_box
        t2 = time.perf_counter()
        cpu = time.process_time() - cpu
        other = (t1 - t0) - stages["decode"] - stages["geometry"]
        label = "cold" if frame == 0 else "warm"
        print(
            f"frame {frame + 1} ({label})  decode {stages['decode']:.3f} s  geometry {stages['geometry']:.3f} s  "
            f"pose+Mapping {other:.3f} s  bounding box {t2 - t1:.3f} s  total {t2 - t0:.3f} s (CPU {cpu:.3f} s)"
        )
        del mapping
    print(f"bounding box           {box}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS               {peak:6.0f} MB")


if __name__ == "__main__":
    main()
