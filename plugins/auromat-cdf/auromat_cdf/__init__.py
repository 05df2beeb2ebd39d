"""auromat plugin: ISTP-compliant CDF export and reading (spacepy.pycdf)."""

from auromat_core.encoding import CoordinateEncoding

from .reader import CdfProvider, is_mapping_file, read_cdf
from .writer import CdfExporter

__all__ = ["CdfExporter", "CdfProvider", "CoordinateEncoding", "is_mapping_file", "read_cdf"]
