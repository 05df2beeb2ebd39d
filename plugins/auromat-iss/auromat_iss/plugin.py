"""auromat plugin hooks of auromat-iss: provider ``esa-iss`` and ``auromat download esa-iss``."""

from __future__ import annotations

import click

from auromat_core import Register, hookimpl


@hookimpl
def register_providers(register: Register) -> None:
    """Register the ESA ISS archive provider."""
    from .provider import IssProvider

    register("esa-iss", IssProvider, "ESA ISS aurora archive sequences (RAW or processed photos with WCS solutions)")


@hookimpl
def register_commands(cli: click.Group) -> None:
    """Add ``auromat download esa-iss``."""
    from .cli import download_esa_iss

    cli.commands["download"].add_command(download_esa_iss)
