"""Benchmark the CDF and netCDF exporters on full-resolution frames of ISS029-E-8492 (4256 x 2832).

Prints, per format at default settings: bytes per frame, write and read seconds,
the largest coordinate error against the in-memory mapping (pyproj geodesic
distance, metres at the mapping altitude) and the largest zenith-angle error;
the sizes of the float32 and exact float64 variants; and seconds per frame of
``auromat convert`` (spacecraft provider, ``seq/*.wcs`` with the fixture photo)
with 1 and 2 local worker processes, the speed-up and the peak memory per worker.

Usage: ``python benchmarks/bench_export.py [--frames N] [--formats cdf,netcdf] [--skip-convert | --skip-export]``
"""

from __future__ import annotations

import argparse
import logging
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pyproj

from auromat_core import get_exporter
from auromat_core.convert import convert, peak_rss_mb

FIXTURES = Path(__file__).resolve().parents[1] / ".." / "shared" / "fixtures" / "iss"
GEOD = pyproj.Geod(ellps="WGS84")


def error_m(lat, lon, ref_lat, ref_lon, altitude_km: float) -> float:
    defined = np.isfinite(ref_lat)
    _, _, distance = GEOD.inv(lon[defined], lat[defined], ref_lon[defined], ref_lat[defined])
    return float(distance.max()) * (1 + altitude_km / 6356.752)


def independent_read(path: Path, name: str) -> tuple[np.ndarray, np.ndarray]:
    """lat, lon of pixel centers read with cdflib / xarray."""
    if name == "cdf":
        import cdflib

        cdf = cdflib.CDF(str(path))
        return cdf.varget("lat")[0], cdf.varget("lon")[0]
    import xarray as xr

    with xr.open_dataset(path) as dataset:
        return dataset.lat.values, dataset.lon.values


def bench_formats(formats: list[str], folder: Path) -> None:
    from auromat_cdf import read_cdf
    from auromat_netcdf import read_netcdf
    from auromat_spacecraft import map_photo

    start = time.perf_counter()
    mapping = map_photo(FIXTURES / "ISS029-E-8492.jpg", FIXTURES / "ISS029-E-8492.wcs")
    mapped = time.perf_counter() - start
    start = time.perf_counter()
    mapping.magnetic()
    magnetic = time.perf_counter() - start
    print(f"frame {mapping.identifier}: {mapping.shape[1]}x{mapping.shape[0]} px, {mapping.defined.mean():.1%} mapped; "
          f"map_photo {mapped:.1f} s, MLat/MLT {magnetic:.1f} s")
    readers = {"cdf": read_cdf, "netcdf": read_netcdf}
    for name in formats:
        exporter = get_exporter(name)
        path = folder / f"bench{exporter.extension}"
        start = time.perf_counter()
        exporter.write(mapping, path)
        written = time.perf_counter() - start
        size = path.stat().st_size
        start = time.perf_counter()
        read = readers[name](path)
        reading = time.perf_counter() - start
        lat, lon = independent_read(path, name)
        center = error_m(lat, lon, mapping.lat, mapping.lon, mapping.altitude)
        corner = error_m(read.lat_bounds, read.lon_bounds, mapping.lat_bounds, mapping.lon_bounds, mapping.altitude)
        zenith = float(np.nanmax(np.abs(read.elevation - mapping.elevation)))
        print(f"{name:7s} default: {size / 1e6:6.1f} MB, write {written:5.1f} s, read {reading:5.1f} s, "
              f"max error centers {center:.3f} m, corners {corner:.3f} m, zenith {zenith:.1e} deg")
        for label, options in (("float32", {"float32_coordinates": True}), ("exact", {"coordinate_precision": None})):
            exporter.write(mapping, path, **options)
            print(f"{name:7s} {label}: {path.stat().st_size / 1e6:6.1f} MB")
        path.unlink()
    print(f"peak memory of this process: {peak_rss_mb():.0f} MB")


def full_resolution_sequence(folder: Path, frames: int) -> Path:
    """``frames`` of ``seq/*.wcs``, each paired with (a link to) the fixture photo."""
    sequence = folder / "seq"
    sequence.mkdir()
    for wcs in sorted((FIXTURES / "seq").glob("*.wcs"))[:frames]:
        (sequence / wcs.name).symlink_to(wcs.resolve())
        (sequence / f"{wcs.stem}.jpg").symlink_to((FIXTURES / "ISS029-E-8492.jpg").resolve())
    return sequence


def bench_convert(name: str, frames: int, folder: Path) -> None:
    sequence = full_resolution_sequence(folder, frames)
    seconds = {}
    for workers in (1, 2):
        out = folder / f"out{workers}"
        start = time.perf_counter()
        summary = convert(sequence, name, out=out, workers=workers, progress=False)
        seconds[workers] = (time.perf_counter() - start) / frames
        assert len(summary.written) == frames and not summary.failures, summary.failures
        peaks = {}
        for result in summary.results:
            peaks[result.pid] = max(peaks.get(result.pid, 0.0), result.peak_rss_mb)
        worker_seconds = np.mean([result.seconds for result in summary.results])
        cpu_seconds = np.mean([result.cpu_seconds for result in summary.results])
        print(f"convert {name}, {workers} worker(s): {seconds[workers]:.1f} s per frame wall "
              f"({worker_seconds:.1f} s wall, {cpu_seconds:.1f} s CPU per frame in a worker), peak memory per worker "
              + ", ".join(f"{peak:.0f} MB" for peak in peaks.values()))
    print(f"convert {name}: speed-up with 2 workers {seconds[1] / seconds[2]:.2f}x "
          f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs: other processes share them)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=4, help="frames per conversion run (default 4)")
    parser.add_argument("--formats", default="cdf,netcdf", help="comma list of exporters (default cdf,netcdf)")
    parser.add_argument("--skip-convert", action="store_true", help="only measure single-frame export")
    parser.add_argument("--skip-export", action="store_true", help="only measure conversion runs")
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    formats = [name.strip() for name in arguments.formats.split(",") if name.strip()]
    with tempfile.TemporaryDirectory(prefix="bench_export_") as temporary:
        folder = Path(temporary)
        if not arguments.skip_export:
            bench_formats(formats, folder)
        if not arguments.skip_convert:
            for name in formats:
                run = folder / name
                run.mkdir()
                bench_convert(name, arguments.frames, run)


if __name__ == "__main__":
    main()
