"""auromat plugin hooks of auromat-cdf: exporter ``cdf`` and provider ``cdf``."""

from auromat_core import hookimpl

from .reader import CdfProvider
from .writer import CdfExporter


@hookimpl
def register_exporters(register):
    """Register the ISTP CDF writer."""
    register("cdf", CdfExporter(), "ISTP-compliant CDF files, one per mapping (spacepy.pycdf)")


@hookimpl
def register_providers(register):
    """Register the reader of auromat CDF files."""
    register("cdf", CdfProvider, "Mappings stored in auromat CDF files (a file or a folder)")
