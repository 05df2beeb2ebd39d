"""Derive the ISS TLEs in ``25544.tle`` from the real camera positions of the fixture headers.

No TLE archive is reachable offline, so the test TLEs are fitted: for each
chosen epoch, SGP4 mean elements (inclination, RAAN, eccentricity, argument of
perigee, mean anomaly, mean motion; B* fixed at a typical ISS value) are
adjusted by least squares until SGP4 reproduces, in TEME, the GCRS positions
``POSX/POSY/POSZ`` of ``ISS029-E-8492.wcs`` and ``seq/ISS029-E-8493…8502.wcs``
(computed by the original toolkit from a real TLE) at their ``DATE-OBS``.
The lines are written by ``sgp4.exporter.export_tle`` (correct checksums).

Run from the repository root::

    .venv/bin/python tests/plugins/spacecraft/data/derive_iss_tle.py
"""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path

import numpy as np
from astropy.io import fits
from auromat_spacecraft.orbit import Tle, teme_to_gcrs, write_tle_file
from scipy.optimize import least_squares
from sgp4 import exporter
from sgp4.api import WGS72, Satrec

HERE = Path(__file__).resolve().parent
ISS = HERE.parents[3] / ".." / "shared" / "fixtures" / "iss"
EPOCHS = [datetime(2011, 9, 17, 18, 0), datetime(2011, 9, 18, 6, 0), datetime(2011, 9, 18, 18, 0)]
BSTAR = 2.5e-4
SGP4_EPOCH_0 = datetime(1949, 12, 31)


def observations() -> tuple[list[datetime], np.ndarray]:
    times, positions = [], []
    for path in [ISS / "ISS029-E-8492.wcs", *sorted((ISS / "seq").glob("*.wcs"))]:
        header = fits.getheader(path)
        times.append(datetime.strptime(header["DATE-OBS"], "%Y-%m-%dT%H:%M:%S.%f"))
        positions.append([header["POSX"], header["POSY"], header["POSZ"]])
    return times, np.array(positions)


def gcrs_to_teme(positions: np.ndarray, times: list[datetime]) -> np.ndarray:
    # invert teme_to_gcrs per time with its rotation (a pure rotation for geocentric positions)
    out = []
    for position, time in zip(positions, times):
        basis = teme_to_gcrs(np.eye(3), [time] * 3)  # row i: image of TEME unit vector i
        out.append(np.linalg.solve(basis.T, position))
    return np.array(out)


def satrec(elements: np.ndarray, epoch: datetime) -> Satrec:
    inclination, raan, ecc, argp, anomaly, mean_motion = elements
    record = Satrec()
    record.sgp4init(
        WGS72, "i", 25544, (epoch - SGP4_EPOCH_0).total_seconds() / 86400.0, BSTAR, 0.0, 0.0,
        ecc, math.radians(argp), math.radians(inclination), math.radians(anomaly),
        mean_motion * 2 * math.pi / 1440.0, math.radians(raan),
    )
    return record


def fit(epoch: datetime, times: list[datetime], teme: np.ndarray) -> Satrec:
    minutes = np.array([(t - epoch).total_seconds() / 60.0 for t in times])

    def residuals(elements: np.ndarray) -> np.ndarray:
        record = satrec(elements, epoch)
        predicted = np.array([record.sgp4_tsince(m)[1] for m in minutes])
        return (predicted - teme).ravel()

    # start: an ISS-like orbit; the mean anomaly is scanned for the best start
    starts = [np.array([51.64, raan, 0.0012, 90.0, anomaly, 15.60]) for raan in range(0, 360, 30)
              for anomaly in range(0, 360, 30)]
    best = min(starts, key=lambda s: np.sum(residuals(s) ** 2))
    bounds = ([50.0, -720, 1e-5, -720, -1e4, 15.0], [53.0, 720, 0.01, 720, 1e4, 16.2])
    result = least_squares(residuals, best, bounds=bounds, x_scale=[0.1, 1, 1e-4, 10, 1, 1e-3], xtol=1e-14)
    print(f"epoch {epoch}: rms {np.sqrt(np.mean(result.fun ** 2)) * 1000:.1f} m")
    return satrec(result.x, epoch)


def main() -> None:
    times, gcrs = observations()
    teme = gcrs_to_teme(gcrs, times)
    tles = []
    for epoch in EPOCHS:
        record = fit(epoch, times, teme)
        record.revnum = 72400
        record.elnum = 999
        record.intldesg = "98067A"
        record.classification = "U"
        line1, line2 = exporter.export_tle(record)
        tles.append(Tle(line1, line2))
    write_tle_file(HERE / "25544.tle", tles)
    print((HERE / "25544.tle").read_text())


if __name__ == "__main__":
    main()
