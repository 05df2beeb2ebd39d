"""auromat plugin hooks of auromat-maps: draw styles and the ``auromat draw`` and ``auromat movie`` commands."""

from __future__ import annotations

import click

from auromat_core import Register, hookimpl


@hookimpl
def register_draw_styles(register: Register) -> None:
    """Register every style of :data:`auromat_maps.styles.STYLES`."""
    from .styles import STYLES

    for name, style in STYLES.items():
        register(name, style.function, style.description)


@hookimpl
def register_commands(cli: click.Group) -> None:
    """Add ``auromat draw`` and ``auromat movie``."""
    from .cli import draw_command, movie_command

    cli.add_command(draw_command)
    cli.add_command(movie_command)
