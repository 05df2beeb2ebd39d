"""auromat plugin hooks of auromat-netcdf: exporter ``netcdf`` and provider ``netcdf``."""

from auromat_core import hookimpl

from .reader import NetcdfProvider
from .writer import NetcdfExporter


@hookimpl
def register_exporters(register):
    """Register the CF netCDF writer."""
    register("netcdf", NetcdfExporter(), "CF-1.10 netCDF-4 files, one per mapping (netCDF4)")


@hookimpl
def register_providers(register):
    """Register the reader of auromat netCDF files."""
    register("netcdf", NetcdfProvider, "Mappings stored in auromat netCDF files (a file or a folder)")
