"""auromat plugin hooks of auromat-netcdf: exporter ``netcdf`` and provider ``netcdf``."""

from __future__ import annotations

from auromat_core import Register, hookimpl


@hookimpl
def register_exporters(register: Register) -> None:
    """Register the CF netCDF writer."""
    from .writer import NetcdfExporter

    register("netcdf", NetcdfExporter(), "CF-1.10 netCDF-4 files, one per mapping (netCDF4)")


@hookimpl
def register_providers(register: Register) -> None:
    """Register the reader of auromat netCDF files."""
    from .reader import NetcdfProvider

    register("netcdf", NetcdfProvider, "Mappings stored in auromat netCDF files (a file or a folder)")
