"""The ``auromat`` command.

Exit status: 0 success, 1 user error (one-line message on stderr; ``--debug``
shows the traceback), 2 usage error, 130 interrupted (Ctrl-C or SIGTERM).
Plugins add sub-commands through the ``register_commands`` hook; downloaders
add theirs to the ``download`` group.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import logging
import os
import signal
import sys
import threading
import traceback
import types
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import click
from tqdm import tqdm

from . import __version__
from .errors import AuromatError
from .mapping import members_of
from .options import UTC_END, UTC_TIME, check_period, provider_options
from .plugins import PluginLoadWarning, Registration, get_plugins
from .progress import progress_bar
from .providers import frames_between
from .registry import exporter_options_of, keyword_options, list_draw_styles, list_exporters, list_providers, open_data, provider_options_of

log = logging.getLogger(__name__)


EXIT_INTERRUPTED = 128 + signal.SIGINT
"""Exit status after Ctrl-C or SIGTERM (130, as shells report an interrupted command)."""


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """SIGTERM raises :class:`KeyboardInterrupt` in the main thread, so commands clean up as after Ctrl-C."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class AuromatGroup(click.Group):
    """A click group that turns user errors into a one-line message and exit status 1.

    User errors are :class:`AuromatError` and operating-system errors (a folder
    that cannot be created, a full disk, a permission): neither is a bug, so
    neither shows a traceback unless ``--debug`` is given. Any other exception
    is a bug: it is also one line, naming the plugin (or the core) that raised
    it, and ``--debug`` shows its traceback.
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            with _terminate_as_interrupt():
                return super().invoke(ctx)
        except KeyboardInterrupt as interrupt:  # Ctrl-C, or SIGTERM (a batch system's time limit)
            click.echo(f"\nInterrupted{f': {interrupt}' if str(interrupt) else ''}", err=True)
            ctx.exit(EXIT_INTERRUPTED)
        except BrokenPipeError:  # the reader went away (``auromat info | head``): nothing to say
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(1)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as error:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            if isinstance(error, (AuromatError, OSError)):
                click.echo(f"Error: {_one_line(error)}", err=True)
            else:
                click.echo(f"Error: unexpected {type(error).__name__}: {error} ({_raised_where(error)}; "
                           "run auromat --debug ... for the traceback)", err=True)
            ctx.exit(1)


def _one_line(error: Exception) -> str:
    if isinstance(error, OSError) and error.strerror:
        where = " -> ".join(str(name) for name in (error.filename, error.filename2) if name is not None)
        return f"{where}: {error.strerror}" if where else error.strerror
    return str(error)


def _raised_where(error: BaseException) -> str:
    """``raised in plugin 'name', package/module.py:line``: the innermost frame of the traceback in a plugin's or the core's package."""
    core = Path(__file__).parent
    roots = {core: "auromat-core"}  # package folders, or the files of top-level modules
    for name, plugin in get_plugins().pm.list_name_plugin():
        module = plugin if isinstance(plugin, types.ModuleType) else sys.modules.get(type(plugin).__module__)
        package = sys.modules.get(module.__name__.partition(".")[0]) if module is not None else None
        places = [Path(folder) for folder in getattr(package, "__path__", [])]  # a package, also a namespace one
        if not places and getattr(package, "__file__", None):
            places = [Path(package.__file__)]
        roots.update({place: f"plugin {name!r}" for place in places if place != core})
    for frame in reversed(traceback.extract_tb(error.__traceback__)):
        path = Path(frame.filename)
        for root, owner in roots.items():
            if path == root or (root.is_dir() and path.is_relative_to(root)):
                return f"raised in {owner}, {path.relative_to(root.parent)}:{frame.lineno}"
    return "raised outside auromat's packages"


def _root_callback(ctx: click.Context, debug: bool, verbose: bool) -> None:
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    level = logging.DEBUG if debug else logging.INFO if verbose else logging.WARNING
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s", handlers=[_AboveProgressBars()])


class _AboveProgressBars(logging.Handler):
    """Log records on stderr, each on a line of its own above any progress bar (``tqdm.write``)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            tqdm.write(self.format(record), file=sys.stderr)
        except Exception:  # noqa: BLE001 - logging must not raise
            self.handleError(record)


@click.command("plugins")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def plugins_command(as_json: bool) -> None:
    """List loaded plugins with their versions and hooks, and plugins that failed."""
    plugins = get_plugins()
    failed = [attrs.asdict(failure) for failure in plugins.check()]
    loaded = [attrs.asdict(info) for info in plugins.plugin_infos()]
    if as_json:
        click.echo(json.dumps({"plugins": loaded, "failed": failed}, indent=2))
        return
    for info in loaded:
        package = f" ({info['distribution']})" if info["distribution"] not in (None, info["name"]) else ""
        click.echo(f"{info['name']} {info['version'] or ''}{package}: {', '.join(info['hooks']) or '-'}")
    for failure in failed:
        click.echo(f"FAILED {failure['plugin']} ({failure['stage']}): {failure['error']}")


@click.command("list-providers")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--options", "with_options", is_flag=True, help="Also list each provider's options (-p KEY=VALUE) and defaults.")
def list_providers_command(as_json: bool, with_options: bool) -> None:
    """List the data providers the installed plugins offer."""
    _echo_registrations(list_providers(), provider_options_of, as_json, with_options)


@click.command("list-exporters")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--options", "with_options", is_flag=True, help="Also list each exporter's options and defaults.")
def list_exporters_command(as_json: bool, with_options: bool) -> None:
    """List the output formats (auromat convert --format NAME) the installed plugins offer."""
    _echo_registrations(list_exporters(), exporter_options_of, as_json, with_options, lambda r: {"extension": r.obj.extension})


@click.command("list-styles")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--options", "with_options", is_flag=True, help="Also list each style's options (-o KEY=VALUE) and defaults.")
def list_styles_command(as_json: bool, with_options: bool) -> None:
    """List the draw styles (auromat draw STYLE) the installed plugins offer, with what each draws."""
    _echo_registrations(list_draw_styles(), lambda style: keyword_options(style, 1), as_json, with_options,
                        lambda r: {"takes": getattr(r.obj, "takes", "mapping")})


def _echo_registrations(
    registrations: list[Registration], options_of: Callable[[Any], dict[str, Any] | None], as_json: bool, with_options: bool,
    columns: Callable[[Registration], dict[str, str]] = lambda registration: {},
) -> None:
    """Print registrations a line each (name, extra ``columns``, description, plugin), or as JSON; ``with_options``: their options."""
    rows = [{"name": r.name, **columns(r), "description": r.description, "plugin": r.plugin} for r in registrations]
    if with_options:
        for row, registration in zip(rows, registrations):
            known = options_of(registration.obj)
            row["options"] = None if known is None else {name: _default_text(default) for name, default in known.items()}
    if as_json:
        click.echo(json.dumps(rows, indent=2))
        return
    width = max((len(row["name"]) for row in rows), default=0)
    extras = [list(columns(registration).values()) for registration in registrations]
    widths = [max(len(values[i]) for values in extras) for i in range(len(extras[0]))] if extras else []
    for row, values in zip(rows, extras):
        extra = "".join(f"{value:<{size}}  " for value, size in zip(values, widths))
        click.echo(f"{row['name']:<{width}}  {extra}{row['description']}  [{row['plugin']}]")
        if with_options:
            options = row["options"]
            listed = "any" if options is None else ", ".join(f"{name}={default}" for name, default in options.items()) or "none"
            click.echo(f"{'':<{width}}  options: {listed}")


def _default_text(default: Any) -> str:
    """An option's default as the command line would write it (JSON where it has a JSON form)."""
    if default is inspect.Parameter.empty:
        return "(required)"
    try:
        return json.dumps(default)
    except TypeError:
        return repr(default)


def _summary(mapping: Any) -> dict[str, Any]:
    box = mapping.bounding_box
    scale = mapping.pixel_scale.width
    return {
        "identifier": mapping.identifier,
        "time": mapping.time.isoformat(),
        "altitude_km": mapping.altitude,
        "shape": list(mapping.shape),
        "defined_pixels": int(mapping.defined.sum()),
        "bounding_box": {"lat_south": box.lat_south, "lon_west": box.lon_west, "lat_north": box.lat_north, "lon_east": box.lon_east},
        "centroid": {"lat": mapping.centroid.lat, "lon": mapping.centroid.lon},
        "pixel_scale_width_arcsec": {"mean": scale.mean, "median": scale.median, "min": scale.min, "max": scale.max},
        "camera_footpoint": {"lat": mapping.camera_footpoint.lat, "lon": mapping.camera_footpoint.lon},
    }


def _format_summary(summary: dict[str, Any]) -> str:
    box, centroid, scale = summary["bounding_box"], summary["centroid"], summary["pixel_scale_width_arcsec"]
    return "\n".join([
        f"{summary['identifier']}  {summary['time']} UTC  {summary['shape'][1]}x{summary['shape'][0]} px"
        f" at {summary['altitude_km']:g} km, {summary['defined_pixels']} px mapped",
        f"  bounding box  lat {box['lat_south']:.4f} .. {box['lat_north']:.4f}, lon {box['lon_west']:.4f} .. {box['lon_east']:.4f}",
        f"  centroid      {centroid['lat']:.4f}, {centroid['lon']:.4f}",
        f"  pixel scale   mean {scale['mean']:.1f}\", median {scale['median']:.1f}\", min {scale['min']:.1f}\", max {scale['max']:.1f}\" (width)",
    ])


@click.command("info")
@click.option("--data", "data", required=True, type=click.Path(exists=True), help="Data folder or file.")
@click.option("--provider", help="Provider name (default: detected from the data).")
@click.option("--altitude", type=float, help="Mapping altitude, km (default: the provider's, 110 km for cameras; files: as stored).")
@click.option("--id", "identifier", help="Only the mapping with this identifier (or unique part of it).")
@click.option("--time", "time", type=UTC_TIME, metavar="TIME", help="Only the mapping nearest to this UTC time.")
@click.option("--start", type=UTC_TIME, metavar="TIME", help="Only mappings from this UTC time on.")
@click.option("--end", type=UTC_END, metavar="TIME", help="Only mappings up to this UTC time (inclusive: 2011-01-06 is the whole day).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (once all are mapped; a progress bar on stderr meanwhile).")
@click.option("--provider-option", "-p", "provider_pairs", multiple=True, metavar="KEY=VALUE",
              help="Provider option, e.g. -p allow_later_skymap=true (values are JSON).")
@click.option("--no-progress", is_flag=True, help="With --json: hide the progress bar.")
def info_command(
    data: str, provider: str | None, altitude: float | None, identifier: str | None, time: Any, start: Any, end: Any, as_json: bool,
    provider_pairs: tuple[str, ...], no_progress: bool,
) -> None:
    """Map data and print a summary: time, bounding box, centroid, pixel scale.

    Text is printed mapping by mapping as they are mapped; JSON once all are.
    """
    if sum(value is not None for value in (identifier, time)) + (start is not None or end is not None) > 1:
        raise click.UsageError("give one of --id, --time, or a period (--start/--end)")
    check_period(start, end)
    source = open_data(data, provider, **provider_options(altitude, provider_pairs))
    if identifier is not None:
        items = [source.get_by_id(identifier)]
    elif time is not None:
        items = [source.get(time)]
    else:
        count = len(frames_between(source, start, end))
        items = source.sequence(start, end)
        if as_json:
            items = progress_bar(items, total=count, desc="info", unit="frame", enabled=not no_progress)
    summaries = (_summary(m) for item in items for m in members_of(item))
    if as_json:
        click.echo(json.dumps(list(summaries), indent=2))
        return
    for summary in summaries:
        click.echo(_format_summary(summary))


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
    cli.add_command(list_exporters_command)
    cli.add_command(list_styles_command)
    cli.add_command(info_command)
    cli.add_command(click.Group("download", help="Download data from a remote archive (sub-commands come from plugins)."))
    get_plugins().add_commands(cli)
    _help_without_arguments(cli)
    return cli


def _help_without_arguments(group: click.Group) -> None:
    """Commands that need an option show their help when run without arguments (as groups do)."""
    for command in group.commands.values():
        if isinstance(command, click.Group):
            _help_without_arguments(command)
        elif any(parameter.required for parameter in command.params):
            command.no_args_is_help = True


def main(argv: list[str] | None = None) -> None:
    """Console entry point: plugin failures are one ``Warning:`` line each, other warnings as Python shows them."""
    with warnings.catch_warnings():
        show = warnings.showwarning

        def show_warning(message: Warning | str, category: type[Warning], *args: Any, **kwargs: Any) -> None:
            if issubclass(category, PluginLoadWarning):
                click.echo(f"Warning: {message}", err=True)
            else:
                show(message, category, *args, **kwargs)

        warnings.showwarning = show_warning
        build_cli().main(args=argv if argv is not None else sys.argv[1:], prog_name="auromat")


__all__ = [
    "EXIT_INTERRUPTED",
    "build_cli",
    "main",
]
