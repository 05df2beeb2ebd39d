"""Synthetic THEMIS files in the exact layout of the real ones, built from real numbers.

* :func:`write_l2_skymap` writes a THEMIS L2 skymap CDF
  (``thg_l2_asc_<site>_19700101_v01.cdf``) from a real UCalgary ``.sav``
  skymap: per site ``thg_asc_<s>_{glat,glon,alti,mlat,mlon,midn}`` (one record
  each), per record ``thg_asf_<s>_{azim,elev}`` float32 [rec, 256, 256] and the
  corners ``thg_asf_<s>_{glat,glon,mlat,mlon}`` [rec, 3, 257, 257] at the
  heights ``thg_asf_<s>_alti`` (m), valid from ``thg_asf_<s>_time`` (unix s),
  ``thg_asf_<s>_offset`` uint16 [256, 256], ``_c256``, ``_mult``, ``_binr``,
  ``_binc``, ``_binv`` and the global attribute ``Generation_date``. The L2
  CDFs are stored rotated by 180 degrees relative to the ``.sav`` arrays (see
  ``auromat_themis.orientation``), so the arrays are rotated when written. No
  magnetic coordinates are computed (fill values); the reader does not use them.
* :func:`write_l1` writes an L1 hour file in the layout of a real one (same
  variables, types, compression and attributes) for any site, frames and times.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import numpy as np
import scipy.io
from spacepy import pycdf

UNIX_EPOCH = datetime(1970, 1, 1)


def read_sav(path: Path) -> np.record:
    """The ``skymap`` structure of a UCalgary ``.sav`` file."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return scipy.io.readsav(str(path))["skymap"][0]


def _half_turn(array: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(np.asarray(array)[..., ::-1, ::-1])


def _new(cdf: pycdf.CDF, name: str, data, cdf_type: int, rv: bool = True, attrs: dict | None = None, **kw) -> None:
    cdf.new(name, data=data, type=cdf_type, recVary=rv, **kw)
    for key, value in (attrs or {}).items():
        cdf[name].attrs[key] = value


def write_l2_skymap(
    path: Path,
    sav_path: Path,
    site: str = "gako",
    valid_from: Sequence[datetime] | None = None,
) -> Path:
    """Write an L2 skymap CDF with the numbers of ``sav_path``, one record per ``valid_from``.

    ``valid_from`` defaults to the skymap's own ``VALID_INTERVAL_START``. Every
    record holds the same calibration.
    """
    sky = read_sav(sav_path)
    generation = sky["GENERATION_INFO"][0]
    if valid_from is None:
        valid_from = [datetime.strptime(generation["VALID_INTERVAL_START"].decode(), "%Y%m%d%H")]
    n = len(valid_from)
    f32 = np.float32
    nan = f32(np.nan)
    asc, asf = f"thg_asc_{site}", f"thg_asf_{site}"
    path.unlink(missing_ok=True)
    with pycdf.CDF(str(path), "") as cdf:
        generated = datetime.strptime(generation["DATE_GENERATED"].decode(), "%a %b %d %H:%M:%S %Y")
        cdf.attrs["Project"] = "THEMIS"
        cdf.attrs["Source_name"] = "THG>THEMIS Ground-Based Observatory"
        cdf.attrs["Data_type"] = "ASC>All Sky Imager Calibration"
        cdf.attrs["Descriptor"] = f"{site.upper()}>{site}"
        cdf.attrs["Logical_source"] = f"thg_l2_asc_{site}"
        cdf.attrs["Logical_file_id"] = f"thg_l2_asc_{site}_19700101_v01"
        cdf.attrs["Generation_date"] = generated.strftime("%Y-%m-%d")
        station = {"glat": sky["SITE_MAP_LATITUDE"], "glon": sky["SITE_MAP_LONGITUDE"], "alti": sky["SITE_MAP_ALTITUDE"]}
        units = {"glat": "degrees", "glon": "degrees", "alti": "m", "mlat": "degrees", "mlon": "degrees"}
        for key in ("glat", "glon", "alti", "mlat", "mlon"):
            value = f32(station.get(key, nan))
            _new(cdf, f"{asc}_{key}", np.array([value], f32), pycdf.const.CDF_FLOAT,
                 attrs={"UNITS": units[key], "FILLVAL": nan, "VAR_TYPE": "support_data"})
        _new(cdf, f"{asc}_midn", np.array(["     "]), pycdf.const.CDF_CHAR, attrs={"VAR_TYPE": "support_data"})
        times = np.array([(t - UNIX_EPOCH).total_seconds() for t in valid_from], np.float64)
        _new(cdf, f"{asf}_time", times, pycdf.const.CDF_DOUBLE,
             attrs={"UNITS": "sec", "CATDESC": "start of validity, seconds since 1970-01-01", "FILLVAL": np.nan})

        def per_record(array: np.ndarray) -> np.ndarray:
            return np.repeat(_half_turn(array).astype(f32)[np.newaxis], n, axis=0)

        for key, field in (("azim", "FULL_AZIMUTH"), ("elev", "FULL_ELEVATION")):
            _new(cdf, f"{asf}_{key}", per_record(sky[field]), pycdf.const.CDF_FLOAT,
                 attrs={"UNITS": "degrees", "FILLVAL": nan, "VAR_TYPE": "support_data"})
        for key, field in (("glat", "FULL_MAP_LATITUDE"), ("glon", "FULL_MAP_LONGITUDE")):
            _new(cdf, f"{asf}_{key}", per_record(sky[field]), pycdf.const.CDF_FLOAT,
                 attrs={"UNITS": "degrees", "FILLVAL": nan, "VAR_TYPE": "support_data"})
        for key in ("mlat", "mlon"):
            _new(cdf, f"{asf}_{key}", np.full((n, 3, 257, 257), nan, f32), pycdf.const.CDF_FLOAT,
                 attrs={"UNITS": "degrees", "FILLVAL": nan, "VAR_TYPE": "support_data"})
        _new(cdf, f"{asf}_alti", np.asarray(sky["FULL_MAP_ALTITUDE"], f32), pycdf.const.CDF_FLOAT, rv=False,
             attrs={"UNITS": "m", "VAR_TYPE": "support_data"})
        _new(cdf, f"{asf}_offset", _half_turn(sky["FULL_SUBTRACT"]).astype(np.uint16), pycdf.const.CDF_UINT2, rv=False,
             attrs={"UNITS": "counts", "VAR_TYPE": "support_data"})
        _new(cdf, f"{asf}_mult", _half_turn(sky["FULL_MULTIPLY"]).astype(f32), pycdf.const.CDF_FLOAT, rv=False,
             attrs={"VAR_TYPE": "support_data"})
        _new(cdf, f"{asf}_c256", np.arange(256, dtype=np.uint8), pycdf.const.CDF_UINT1, rv=False,
             attrs={"VAR_TYPE": "support_data"})
        _new(cdf, f"{asf}_binr", (255 - sky["BIN_ROW"].astype(np.int32)).astype(np.uint16), pycdf.const.CDF_UINT2, rv=False,
             attrs={"VAR_TYPE": "support_data"})
        _new(cdf, f"{asf}_binc", (255 - sky["BIN_COLUMN"].astype(np.int32)).astype(np.uint16), pycdf.const.CDF_UINT2, rv=False,
             attrs={"VAR_TYPE": "support_data"})
        _new(cdf, f"{asf}_binv", _half_turn(sky["FULL_BIN"]).astype(np.uint16), pycdf.const.CDF_UINT2, rv=False,
             attrs={"VAR_TYPE": "support_data"})
    return path


def write_l1(
    path: Path,
    template: Path,
    site: str,
    frames: np.ndarray,
    epochs: Sequence[datetime],
    unix_times: np.ndarray,
) -> Path:
    """Write an L1 hour file laid out like ``template`` (a real L1 CDF) for ``site``.

    Parameters
    ----------
    frames
        uint16 [n, 256, 256], as stored in L1 files.
    epochs
        Exposure start times (n,) for ``thg_asf_<site>_epoch``.
    unix_times
        Nominal times (n,), unix seconds, for ``thg_asf_<site>_time``.
    """
    unix_times = np.asarray(unix_times, dtype=np.float64)
    epochs = list(epochs)
    path.unlink(missing_ok=True)
    with pycdf.CDF(str(template)) as source, pycdf.CDF(str(path), "") as target:
        old = next(k for k in source if k.startswith("thg_asf_") and k.count("_") == 2)[len("thg_asf_"):]
        for key, entries in source.attrs.items():
            target.attrs[key] = [str(e).replace(old, site).replace(old.upper(), site.upper()) for e in entries]
        integration = float(np.median(source[f"thg_asf_{old}_tend"][...] - source[f"thg_asf_{old}_time"][...]))
        data = {
            f"thg_asf_{old}": np.asarray(frames, dtype=np.uint16),
            f"thg_asf_{old}_time": unix_times,
            f"thg_asf_{old}_tend": unix_times + integration,
            f"thg_asf_{old}_epoch": epochs,
            "range_epoch": [epochs[0], epochs[-1]],
        }
        for name in source:
            variable = source[name]
            values = data.get(name, variable[...])
            compression, level = variable.compress()
            options = {"compress": compression, "compress_param": level} if compression.value else {}
            new_name = name.replace(old, site)
            target.new(new_name, data=values, type=variable.type(), recVary=variable.rv(), **options)
            for key in variable.attrs:
                value = variable.attrs[key]
                if isinstance(value, str):
                    value = value.replace(old, site)
                target[new_name].attrs.new(key, value, type=variable.attrs.type(key))
    return path
