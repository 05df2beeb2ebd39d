"""The Exporter protocol: write a Mapping to a self-contained file."""

from __future__ import annotations

import os
from typing import Any, Protocol, runtime_checkable

from .mapping import Mapping


@runtime_checkable
class Exporter(Protocol):
    """A writer registered through ``register_exporters``."""

    extension: str
    """File name extension including the dot, e.g. ``".cdf"``."""

    def write(self, mapping: Mapping, path: str | os.PathLike, **options: Any) -> None:
        """Write ``mapping`` to ``path`` atomically (see :func:`auromat_core.io.atomic_output`)."""
