"""Benchmark: keograms of one THEMIS station-hour (1200 frames of 256x256).

The hour is the one of ``bench_themis.py`` (the 23 real Gakona frames of
2011-01-06 17 UT repeated at 3 s cadence, real UCalgary skymap). Timed:
:func:`auromat_core.keogram` over the provider along the station's geographic
meridian and along its magnetic meridian, including loading every frame, and
the loading alone for comparison.

Run from the repository root::

    .venv/bin/python benchmarks/bench_keogram.py [--frames 1200] [--altitude 110]
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from auromat_themis import ThemisProvider
from bench_themis import build_hour

from auromat_core import keogram


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=1200)
    parser.add_argument("--altitude", type=float, default=110.0)
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    warnings.simplefilter("ignore")
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="bench_keogram_") as tmp:
        provider = ThemisProvider(build_hour(Path(tmp), args.frames), altitude=args.altitude, allow_later_skymap=True)
        provider.load(0)  # the geometry, built once per provider
        started = time.perf_counter()
        for index in range(len(provider)):
            provider.load(index)
        loading = time.perf_counter() - started
        print(f"loading only:  {loading:6.2f} s ({loading / len(provider) * 1e3:.1f} ms/frame)")
        for magnetic in (False, True):
            started = time.perf_counter()
            result = keogram(provider, magnetic=magnetic)
            elapsed = time.perf_counter() - started
            print(f"{'magnetic' if magnetic else 'geographic':<10} keogram: {elapsed:6.2f} s for {len(result.times)} frames"
                  f" ({elapsed / len(result.times) * 1e3:.1f} ms/frame, {result.lats.size} latitude bins)")


if __name__ == "__main__":
    main()
