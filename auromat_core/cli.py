"""The ``auromat`` command.

Exit status: 0 success, 1 user error (one-line message on stderr; ``--debug``
shows the traceback), 2 usage error. Plugins add sub-commands through the
``register_commands`` hook; downloaders add theirs to the ``download`` group.
"""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

import attrs
import click

from . import __version__
from .errors import AuromatError
from .plugins import get_plugins
from .registry import list_providers

log = logging.getLogger(__name__)


class AuromatGroup(click.Group):
    """A click group that turns :class:`AuromatError` into a one-line message and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AuromatError as error:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.echo(f"Error: {error}", err=True)
            ctx.exit(1)


def _root_callback(ctx: click.Context, debug: bool, verbose: bool) -> None:
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    level = logging.DEBUG if debug else logging.INFO if verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


@click.command("plugins")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def plugins_command(as_json: bool) -> None:
    """List loaded plugins with their versions and hooks, and plugins that failed."""
    plugins = get_plugins()
    loaded = [attrs.asdict(info) for info in plugins.plugin_infos()]
    failed = [attrs.asdict(failure) for failure in plugins.failures]
    if as_json:
        click.echo(json.dumps({"plugins": loaded, "failed": failed}, indent=2))
        return
    for info in loaded:
        click.echo(f"{info['name']} {info['version'] or ''}: {', '.join(info['hooks']) or '-'}")
    for failure in failed:
        click.echo(f"FAILED {failure['plugin']} ({failure['stage']}): {failure['error']}")


@click.command("list-providers")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def list_providers_command(as_json: bool) -> None:
    """List the data providers the installed plugins offer."""
    rows = [{"name": r.name, "description": r.description, "plugin": r.plugin} for r in list_providers()]
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    width = max((len(row["name"]) for row in rows), default=0)
    for row in rows:
        click.echo(f"{row['name']:<{width}}  {row['description']}  [{row['plugin']}]")


def build_cli() -> click.Group:
    """A fresh ``auromat`` group with the built-in commands and those of every loaded plugin."""
    cli = AuromatGroup(
        name="auromat",
        callback=click.pass_context(_root_callback),
        params=[
            click.Option(["--debug"], is_flag=True, help="Show tracebacks and debug logging."),
            click.Option(["-v", "--verbose"], is_flag=True, help="Show informational logging."),
        ],
        help="auromat: georeference aurora images pixel by pixel and convert them to science files.",
    )
    click.version_option(__version__, prog_name="auromat")(cli)
    cli.add_command(plugins_command)
    cli.add_command(list_providers_command)
    cli.add_command(click.Group("download", help="Download data from a remote archive (sub-commands come from plugins)."))
    get_plugins().add_commands(cli)
    return cli


def main(argv: list[str] | None = None) -> None:
    """Console entry point."""
    build_cli().main(args=argv if argv is not None else sys.argv[1:], prog_name="auromat")
