"""auromat plugin hooks of auromat-spacecraft."""

from __future__ import annotations

from auromat_core import hookimpl


@hookimpl
def register_providers(register):
    from .provider import SpacecraftProvider

    register("spacecraft", SpacecraftProvider, "Photographs taken from orbit with FITS WCS solutions (.wcs)")


@hookimpl
def register_solvers(register):
    from .solving import AstrometryNetSolver

    register("astrometry.net", AstrometryNetSolver(), "Blind solving with astrometry.net's solve-field after starfield masking")


@hookimpl
def register_commands(cli):
    from .commands import add_commands

    add_commands(cli)
