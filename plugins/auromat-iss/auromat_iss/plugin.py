"""auromat plugin hooks of auromat-iss."""

from __future__ import annotations

import click

from auromat_core import hookimpl


@hookimpl
def register_providers(register) -> None:
    from .provider import IssProvider

    register("esa-iss", IssProvider, "ESA ISS aurora archive sequences (RAW or processed photos with WCS solutions)")


@hookimpl
def register_commands(cli: click.Group) -> None:
    from .cli import download_esa_iss

    cli.commands["download"].add_command(download_esa_iss)
