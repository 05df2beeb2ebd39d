"""auromat plugin hooks of auromat-spacecraft."""

from __future__ import annotations

from auromat_core import hookimpl


@hookimpl
def register_providers(register):
    from .provider import SpacecraftProvider

    register("spacecraft", SpacecraftProvider, "Photographs taken from orbit with FITS WCS solutions (.wcs)")
