"""The Exporter protocol: write a Mapping to a self-contained file."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from .mapping import Mapping

__all__ = ["STANDARD_OPTIONS", "Exporter", "NamingExporter"]

STANDARD_OPTIONS: dict[str, str] = {
    "include_bounds": "write the pixel corners (``--without-bounds`` sets False)",
    "include_mag": "write MLat/MLT (``--without-mag`` sets False)",
    "include_geo": "write geodetic lat/lon (``--without-geo`` sets False)",
    "compression": "deflate level 0-9 (``--compression``)",
    "coordinate_precision": "largest coordinate rounding error in metres, None: exact (``--precision``, ``--exact-coordinates``)",
    "float32_coordinates": "store coordinates as float32 (``--float32-coordinates``)",
}
"""Options of ``write`` that ``auromat convert`` sets from its flags, with their meaning.

An exporter takes those that apply to its format; a flag the exporter does not
take is an error, and an option no flag sets keeps the exporter's default.
"""


@runtime_checkable
class Exporter(Protocol):
    """A writer registered through ``register_exporters``."""

    extension: str
    """File name extension including the dot, e.g. ``".cdf"``."""

    def write(self, mapping: Mapping, path: str | os.PathLike, **options: Any) -> Path:
        """Write ``mapping`` to ``path`` atomically (see :func:`auromat_core.io.atomic_output`) and return the path.

        Options are keywords; an unknown one raises ``TypeError`` (or an
        :class:`~auromat_core.errors.AuromatError`) before anything is written.
        """


@runtime_checkable
class NamingExporter(Exporter, Protocol):
    """An exporter that names its files itself; others' files are ``<identifier><extension>``."""

    def file_name(self, identifier: str, time: datetime, **options: Any) -> str:
        """The file name of the mapping ``identifier`` taken at ``time``, given the options of ``write``."""
