"""Represent a Mapping as an xarray Dataset with CF names and units."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import xarray as xr

if TYPE_CHECKING:
    from .mapping import Mapping


def mapping_to_dataset(mapping: Mapping) -> xr.Dataset:
    """The mapping's arrays as a Dataset: centers on ``(y, x)``, corners on ``(y_corner, x_corner)``.

    Image pixels outside the defined area are kept (their mask is the NaN of ``lat``).
    """
    channels = ["red", "green", "blue"] if mapping.image.shape[2] == 3 else [f"c{i}" for i in range(mapping.image.shape[2])]
    return xr.Dataset(
        data_vars={
            "elevation": (("y", "x"), mapping.elevation, {"long_name": "elevation angle of the line of sight", "units": "degree"}),
            "image": (("y", "x", "channel"), mapping.image, {"long_name": "image counts"}),
            "lat_bounds": (("y_corner", "x_corner"), mapping.lat_bounds, {"long_name": "geodetic latitude of pixel corners", "units": "degrees_north"}),
            "lon_bounds": (("y_corner", "x_corner"), mapping.lon_bounds, {"long_name": "geodetic longitude of pixel corners", "units": "degrees_east"}),
            "camera_position": (("xyz",), mapping.camera_position, {"long_name": "camera position (GCRS)", "units": "km"}),
        },
        coords={
            "lat": (("y", "x"), mapping.lat, {"standard_name": "latitude", "units": "degrees_north"}),
            "lon": (("y", "x"), mapping.lon, {"standard_name": "longitude", "units": "degrees_east"}),
            "time": ((), np.datetime64(mapping.time, "us"), {"standard_name": "time"}),
            "channel": (("channel",), channels),
        },
        attrs={"identifier": mapping.identifier, "altitude_km": mapping.altitude, **mapping.metadata},
    )
