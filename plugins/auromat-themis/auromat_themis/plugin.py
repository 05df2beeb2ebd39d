"""auromat plugin hooks of auromat-themis."""

from __future__ import annotations

import click

from auromat_core import hookimpl

from .cli import download_themis
from .provider import ThemisProvider


@hookimpl
def register_providers(register) -> None:
    register("themis", ThemisProvider, "THEMIS all-sky imagers (L1 CDF + UCalgary or L2 skymaps)")


@hookimpl
def register_commands(cli: click.Group) -> None:
    cli.commands["download"].add_command(download_themis)
