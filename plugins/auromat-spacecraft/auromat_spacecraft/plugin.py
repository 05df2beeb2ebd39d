"""auromat plugin hooks of auromat-spacecraft: provider ``spacecraft``, solver ``astrometry.net``, their commands."""

from __future__ import annotations

import click

from auromat_core import Register, hookimpl


@hookimpl
def register_providers(register: Register) -> None:
    """Register the provider of photos taken from orbit."""
    from .provider import SpacecraftProvider

    register("spacecraft", SpacecraftProvider, "Photographs taken from orbit with FITS WCS solutions (.wcs)")


@hookimpl
def register_solvers(register: Register) -> None:
    """Register the astrometry.net blind solver."""
    from .solving import AstrometryNetSolver

    register("astrometry.net", AstrometryNetSolver(), "Blind solving with astrometry.net's solve-field after starfield masking")


@hookimpl
def register_commands(cli: click.Group) -> None:
    """Add ``auromat solve`` and ``auromat download nasa-photos``."""
    from .commands import add_commands

    add_commands(cli)
