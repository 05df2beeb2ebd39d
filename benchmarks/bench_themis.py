"""Benchmark: one THEMIS station-hour (1200 frames of 256x256) mapped and exported.

The hour is built by repeating the 23 real Gakona frames of 2011-01-06 17 UT in
a synthetic L1 file (exact real layout, 3 s cadence) in a temporary folder,
with the real UCalgary skymap. Timed: indexing, mapping every frame with
``--workers`` processes, and mapping plus CDF export (when the ``cdf``
exporter is installed). Target: <= 20 s for mapping and export with 2 workers.

Run from the repository root::

    .venv/bin/python benchmarks/bench_themis.py [--frames 1200] [--workers 2] [--altitude 110] [--no-export]
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from auromat_core import get_exporter, list_exporters  # noqa: E402
from auromat_themis import ThemisProvider  # noqa: E402
from tests.plugins.themis.synthetic import write_l1  # noqa: E402

FIXTURES = REPO.parent / "shared" / "fixtures" / "themis"
L1 = FIXTURES / "thg_l1_asf_gako_2011010617_v01.cdf"
SAV = FIXTURES / "themis_skymap_gako_20110305-+_vXX.sav"

_provider: ThemisProvider | None = None


def build_hour(folder: Path, frames: int) -> Path:
    """An L1 file of ``frames`` frames (the real ones repeated) plus the skymap, in ``folder``."""
    import cdflib

    cdf = cdflib.CDF(str(L1))
    images = np.asarray(cdf.varget("thg_asf_gako"))
    epochs = np.asarray(cdflib.cdfepoch.to_datetime(cdf.varget("thg_asf_gako_epoch")), dtype="datetime64[us]").astype(datetime)
    start = datetime(2011, 1, 6, 17)
    offsets = [e - (start + timedelta(seconds=3 * i)) for i, e in enumerate(epochs)]
    index = np.arange(frames) % len(images)
    nominal = [start + timedelta(seconds=3 * i) for i in range(frames)]
    unix = np.array([(t - datetime(1970, 1, 1)).total_seconds() for t in nominal])
    write_l1(folder / L1.name, L1, "gako", images[index], [t + offsets[i] for t, i in zip(nominal, index)], unix)
    (folder / SAV.name).symlink_to(SAV)
    return folder


def _init(provider: ThemisProvider) -> None:
    global _provider
    logging.disable(logging.WARNING)
    warnings.simplefilter("ignore")
    _provider = provider


def _work(task: tuple[list[int], str | None, str | None]) -> int:
    indices, exporter_name, out = task
    exporter = get_exporter(exporter_name) if exporter_name else None
    pixels = 0
    for index in indices:
        for mapping in _provider.load(index):
            pixels += int(mapping.defined.sum())
            if exporter is not None:
                exporter.write(mapping, Path(out) / f"{mapping.identifier}{exporter.extension}")
    return pixels


def run(provider: ThemisProvider, workers: int, exporter: str | None, out: str | None) -> tuple[float, int]:
    chunks = [list(c) for c in np.array_split(np.arange(len(provider)), workers * 8) if len(c)]
    started = time.perf_counter()
    with ProcessPoolExecutor(workers, initializer=_init, initargs=(provider,)) as pool:
        pixels = sum(pool.map(_work, [(c, exporter, out) for c in chunks]))
    return time.perf_counter() - started, pixels


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=1200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--altitude", type=float, default=110.0)
    parser.add_argument("--no-export", action="store_true")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory(prefix="bench_themis_") as tmp:
        folder = build_hour(Path(tmp), args.frames)
        print(f"synthetic L1 hour: {args.frames} frames, {(folder / L1.name).stat().st_size / 1e6:.1f} MB")
        started = time.perf_counter()
        provider = ThemisProvider(folder, altitude=args.altitude, allow_later_skymap=True)
        print(f"index:                 {time.perf_counter() - started:6.2f} s ({len(provider)} time steps)")
        started = time.perf_counter()
        provider.load(0)
        first = time.perf_counter() - started
        count = min(50, len(provider) - 1)
        started = time.perf_counter()
        for index in range(1, count + 1):
            provider.load(index)
        serial = (time.perf_counter() - started) / max(count, 1)
        print(f"map, 1 process:        {serial * 1e3:6.1f} ms/frame (the first frame, building the geometry: {first:.2f} s)")
        elapsed, pixels = run(provider, args.workers, None, None)
        print(f"map, {args.workers} workers:        {elapsed:6.2f} s for {len(provider)} frames"
              f" ({len(provider) / elapsed:.0f} frames/s, {pixels / 1e6:.1f} M pixels)")
        if not args.no_export and "cdf" in [r.name for r in list_exporters()]:
            out = Path(tmp) / "cdf"
            out.mkdir()
            elapsed, _ = run(provider, args.workers, "cdf", str(out))
            files = list(out.glob("*.cdf"))
            size = sum(f.stat().st_size for f in files) / 1e6
            verdict = "meets" if elapsed <= 20 else "misses"
            print(f"map + CDF, {args.workers} workers:  {elapsed:6.2f} s for {len(files)} files ({size:.0f} MB);"
                  f" {verdict} the 20 s target")
        elif not args.no_export:
            print("map + CDF: skipped, no 'cdf' exporter installed")
    print(f"(machine: {os.cpu_count()} CPUs)")


if __name__ == "__main__":
    main()
