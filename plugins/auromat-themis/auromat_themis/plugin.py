"""auromat plugin hooks of auromat-themis: provider ``themis`` and ``auromat download themis``."""

from __future__ import annotations

import click

from auromat_core import Register, hookimpl


@hookimpl
def register_providers(register: Register) -> None:
    """Register the THEMIS all-sky imager provider."""
    from .provider import ThemisProvider

    register("themis", ThemisProvider, "THEMIS all-sky imagers (L1 CDF + UCalgary or L2 skymaps)")


@hookimpl
def register_commands(cli: click.Group) -> None:
    """Add ``auromat download themis``."""
    from .cli import download_themis

    cli.commands["download"].add_command(download_themis)
