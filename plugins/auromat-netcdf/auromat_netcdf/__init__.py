"""auromat plugin: CF-compliant netCDF export and reading (netCDF4)."""

from auromat_core.encoding import CoordinateEncoding

from .reader import NetcdfProvider, is_mapping_file, read_netcdf
from .writer import NetcdfExporter

__all__ = ["CoordinateEncoding", "NetcdfExporter", "NetcdfProvider", "is_mapping_file", "read_netcdf"]
