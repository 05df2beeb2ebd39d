"""auromat plugin hooks of auromat-cdf: exporter ``cdf`` and provider ``cdf``."""

from __future__ import annotations

from auromat_core import Register, hookimpl


@hookimpl
def register_exporters(register: Register) -> None:
    """Register the ISTP CDF writer."""
    from .writer import CdfExporter

    register("cdf", CdfExporter(), "ISTP-compliant CDF files, one per mapping (spacepy.pycdf)")


@hookimpl
def register_providers(register: Register) -> None:
    """Register the reader of auromat CDF files."""
    from .reader import CdfProvider

    register("cdf", CdfProvider, "Mappings stored in auromat CDF files (a file or a folder)")
