"""Benchmark: one THEMIS station-hour (1200 frames of 256x256) mapped and exported.

The hour is built by repeating the 23 real Gakona frames of 2011-01-06 17 UT in
a synthetic L1 file (exact real layout, 3 s cadence) in a temporary folder,
with the real UCalgary skymap. Timed: indexing, mapping every frame with
``--workers`` processes, mapping plus export in ``--format`` (``cdf`` or
``netcdf``, when installed) at deflate level ``--compression``, with the time
one worker spends per file in each step, and the same through ``auromat
convert`` (:func:`auromat_core.convert.convert`: spawned workers, one task
per frame). The exporters start each file from a template of the variables
that repeat (:mod:`auromat_core.templates`), so a file costs mostly the
compression of its own image and MLat/MLT. The floor printed after the export
is what deflating those arrays alone costs (Python's zlib, which is no slower
than the libraries' own; netCDF: shuffled first, as HDF5 does), i.e. a lower
bound of the hour with ``--workers`` processes at that level.
Target: <= 20 s for mapping and export with 2 workers.

Run from the repository root::

    .venv/bin/python benchmarks/bench_themis.py [--frames 1200] [--workers 2] [--altitude 110]
        [--format cdf] [--compression 4] [--no-export] [--skip-convert]
"""

from __future__ import annotations

import argparse
import hashlib
import logging
import os
import sys
import tempfile
import time
import warnings
import zlib
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from auromat_themis import ThemisProvider

from auromat_core import get_exporter, list_exporters
from auromat_core.convert import convert
from tests.plugins.themis.synthetic import write_l1

FIXTURES = REPO.parent / "shared" / "fixtures" / "themis"
L1 = FIXTURES / "thg_l1_asf_gako_2011010617_v01.cdf"
SAV = FIXTURES / "themis_skymap_gako_20110305-+_vXX.sav"

FLOOR_FILES = 23
"""Files over which the compression floor is taken: one cycle of the real frames (later cycles repeat their images)."""

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


def _work(task: tuple[list[int], str | None, str | None, int]) -> tuple[int, dict[str, float]]:
    """Map (and export) frames; the pixel count and the seconds spent in each step."""
    indices, exporter_name, out, compression = task
    exporter = get_exporter(exporter_name) if exporter_name else None
    pixels = 0
    seconds = {"map": 0.0, "MLat/MLT": 0.0, "write": 0.0}
    for index in indices:
        started = time.perf_counter()
        collection = _provider.load(index)
        seconds["map"] += time.perf_counter() - started
        for mapping in collection:
            pixels += int(mapping.defined.sum())
            if exporter is not None:
                started = time.perf_counter()
                mapping.magnetic()
                seconds["MLat/MLT"] += time.perf_counter() - started
                started = time.perf_counter()
                exporter.write(mapping, Path(out) / f"{mapping.identifier}{exporter.extension}", compression=compression)
                seconds["write"] += time.perf_counter() - started
    return pixels, seconds


def run(provider: ThemisProvider, workers: int, exporter: str | None, out: str | None, compression: int = 4) -> tuple[float, int, dict[str, float]]:
    chunks = [list(c) for c in np.array_split(np.arange(len(provider)), workers * 8) if len(c)]
    started = time.perf_counter()
    with ProcessPoolExecutor(workers, initializer=_init, initargs=(provider,)) as pool:
        results = list(pool.map(_work, [(c, exporter, out, compression) for c in chunks]))
    elapsed = time.perf_counter() - started
    seconds = {key: sum(r[1][key] for r in results) for key in results[0][1]}
    return elapsed, sum(r[0] for r in results), seconds


def _arrays(path: Path) -> dict[str, np.ndarray]:
    """The numeric variables of a CDF or netCDF file."""
    if path.suffix == ".cdf":
        from spacepy import pycdf

        with pycdf.CDF(str(path)) as cdf:
            arrays = {name: np.asarray(cdf[name][...]) for name in cdf}
    else:
        import netCDF4

        with netCDF4.Dataset(path) as dataset:
            dataset.set_auto_mask(False)
            arrays = {name: dataset[name][...] for name in dataset.variables}
    return {name: values for name, values in arrays.items() if values.dtype.kind in "iuf"}


def compression_floor(files: list[Path], level: int, shuffle: bool) -> tuple[float, float, dict[str, int]]:
    """A lower bound of the cost of a file: deflating the arrays no earlier file holds.

    For each of ``files`` (in time order) after the first, the arrays of 1024
    values or more that equal none of the same variable's arrays in the earlier
    files are deflated with zlib at ``level`` (bytes shuffled first for netCDF,
    as HDF5 does): what even a perfect template would leave to the file.
    Returns the mean bytes and seconds per file and how often each variable
    had to be compressed.
    """
    seen: dict[str, set[bytes]] = {}
    for name, values in _arrays(files[0]).items():
        seen.setdefault(name, set()).add(hashlib.sha256(values.tobytes()).digest())
    sizes, seconds, counts = [], [], {}
    for path in files[1:]:
        blobs = []
        for name, values in _arrays(path).items():
            digest = hashlib.sha256(values.tobytes()).digest()
            known = seen.setdefault(name, set())
            if values.size < 1024 or digest in known:
                continue
            known.add(digest)
            counts[name] = counts.get(name, 0) + 1
            values = np.ascontiguousarray(values)
            if shuffle:
                values = np.ascontiguousarray(values.reshape(-1).view(np.uint8).reshape(-1, values.itemsize).T)
            blobs.append(values.tobytes())
        started = time.perf_counter()
        for blob in blobs:
            zlib.compress(blob, level)
        seconds.append(time.perf_counter() - started)
        sizes.append(sum(len(blob) for blob in blobs))
    return float(np.mean(sizes)), float(np.mean(seconds)), counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=1200)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--altitude", type=float, default=110.0)
    parser.add_argument("--format", default="cdf", help="exporter (default cdf)")
    parser.add_argument("--compression", type=int, default=4, help="deflate level of the files (default 4, the exporters')")
    parser.add_argument("--no-export", action="store_true")
    parser.add_argument("--skip-convert", action="store_true", help="do not time auromat convert")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    warnings.simplefilter("ignore")
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")
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
        elapsed, pixels, _ = run(provider, args.workers, None, None)
        print(f"map, {args.workers} workers:        {elapsed:6.2f} s for {len(provider)} frames"
              f" ({len(provider) / elapsed:.0f} frames/s, {pixels / 1e6:.1f} M pixels)")
        if args.no_export:
            return
        if args.format not in [r.name for r in list_exporters()]:
            print(f"map + {args.format}: skipped, no {args.format!r} exporter installed")
            return
        extension = get_exporter(args.format).extension
        out = Path(tmp) / args.format
        out.mkdir()
        elapsed, _, seconds = run(provider, args.workers, args.format, str(out), args.compression)
        files = list(out.glob(f"*{extension}"))
        size = sum(f.stat().st_size for f in files) / 1e6
        hour = elapsed * 1200 / args.frames
        scaled = "" if args.frames == 1200 else f"; {hour:.1f} s scaled to 1200 frames"
        verdict = "meets" if hour <= 20 else "misses"
        print(f"map + {args.format}, {args.workers} workers: {elapsed:6.2f} s for {len(files)} files ({size:.0f} MB, deflate level"
              f" {args.compression}{scaled}); {verdict} the 20 s target")
        print("  per file in a worker: " + ", ".join(f"{key} {value / len(files) * 1e3:.1f} ms" for key, value in seconds.items()))
        if args.compression and len(files) > 1:
            window = sorted(files)[:FLOOR_FILES]
            size, floor, counts = compression_floor(window, args.compression, args.format != "cdf")
            changed = ", ".join(f"{name} {count}" for name, count in counts.items())
            print(f"  compression floor: what no earlier file holds ({size / 1e6:.2f} MB per file, over"
                  f" {len(window) - 1} files: {changed}) deflates in {floor * 1e3:.1f} ms, so >= {floor * len(files) / args.workers:.1f} s"
                  f" for {len(files)} files with {args.workers} workers")
        if not args.skip_convert:
            converted = Path(tmp) / "converted"
            started = time.perf_counter()
            summary = convert(folder, args.format, provider="themis", provider_options={"altitude": args.altitude, "allow_later_skymap": True},
                              out=converted, workers=args.workers, export_options={"compression": args.compression}, progress=False)
            elapsed = time.perf_counter() - started
            in_worker = np.mean([result.seconds for result in summary.results])
            print(f"auromat convert, {args.workers} workers: {elapsed:6.2f} s for {len(summary.written)} files"
                  f" ({len(summary.failures)} failed; {in_worker * 1e3:.1f} ms per frame in a worker)")


if __name__ == "__main__":
    main()
