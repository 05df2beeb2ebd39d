"""``auromat draw STYLE --data DIR --out FILE`` and ``auromat movie STYLE --data DIR --out FILE.mp4``."""

from __future__ import annotations

import contextlib
import inspect
import logging
import textwrap
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from auromat_core import InputError, NoDataError, UnknownNameError, frames_between, get_draw_style, list_draw_styles, open_data
from auromat_core.options import UTC_END, UTC_TIME, check_period, parse_key_values, provider_options
from auromat_core.progress import progress_bar
from auromat_core.timeutil import period_phrase

from .figures import image_format, save_fig
from .movie import CODECS, check_movie, create_movie
from .styles import Takes, check_options, takes
from .wcsutil import photo_time, read_header

log = logging.getLogger(__name__)

_PERIOD = {"type": UTC_TIME, "metavar": "TIME"}


def _source_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The options of ``draw`` and ``movie`` that choose and prepare the data, and the style options."""
    options = [
        click.option("--data", "data", required=True, type=click.Path(exists=True, path_type=Path), help="Data folder or file."),
        click.option("--provider", help="Provider name (default: detected from the data)."),
        click.option("--altitude", type=float, help="Mapping altitude, km (default: the provider's, 110 km for cameras; files: as stored)."),
        click.option("--resample", "arcsec", type=click.FloatRange(min=0, min_open=True), metavar="ARCSEC",
                     help="Resample to this many arcsec per pixel first."),
        click.option("--resample-method", type=click.Choice(["mean", "nearest", "linear"]), default="mean", show_default=True,
                     help="With --resample: mean of the source pixels in a cell (leaves holes where the grid is finer), nearest or linear."),
        click.option("--resample-grid", type=click.Choice(["geo", "mag"]), default="geo", show_default=True,
                     help="With --resample: a grid in geodetic lat/lon or in MLat/MLT."),
        click.option("--min-elevation", type=float, help="Mask pixels seen below this elevation (deg) first."),
        click.option("--option", "-o", "pairs", multiple=True, metavar="KEY=VALUE",
                     help="Style option, e.g. -o line_delta=5 -o cities=true (values are JSON)."),
        click.option("--provider-option", "-p", "provider_pairs", multiple=True, metavar="KEY=VALUE",
                     help="Provider option, e.g. -p allow_later_skymap=true (values are JSON)."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _preparation(arcsec: float | None, resample_method: str, resample_grid: str, min_elevation: float | None) -> Callable[[Any], Any]:
    """What is done to each mapping before drawing: elevation mask, then resampling."""
    context = click.get_current_context()
    for option in ("resample_method", "resample_grid"):
        if arcsec is None and context.get_parameter_source(option) is not click.core.ParameterSource.DEFAULT:
            raise click.UsageError(f"--{option.replace('_', '-')} needs --resample")

    def prepare(item: Any) -> Any:
        if min_elevation is not None:
            item = item.masked_by_elevation(min_elevation)
        if arcsec is not None:
            item = item.resample(arcsec_per_px=arcsec, method=resample_method, grid=resample_grid)
        return item

    return prepare


class _StyleName(click.ParamType):
    """A registered draw style's name (of any plugin); for movies, one that draws a mapping."""

    name = "style"

    def __init__(self, movie: bool = False) -> None:
        self.movie = movie

    def choices(self) -> list[str]:
        return [r.name for r in list_draw_styles() if not self.movie or getattr(r.obj, "takes", "mapping") == "mapping"]

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        with contextlib.suppress(UnknownNameError):  # the usage error below names the choices
            get_draw_style(value)  # a name two plugins register is a PluginError naming both: status 1, not a usage error
        choices = self.choices()
        if value not in choices:
            what = "a draw style that draws one mapping" if self.movie else "an installed draw style"
            self.fail(f"{value!r} is not {what}; choose from: {', '.join(choices) or 'none installed'}", param, ctx)
        return value


class _StylesCommand(click.Command):
    """A command whose help ends with the installed styles it can draw, wrapped between names."""

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        style = next(param.type for param in self.params if isinstance(param.type, _StyleName))
        text = f"STYLE: {', '.join(style.choices()) or 'none installed'}."
        formatter.write_paragraph()
        for line in textwrap.wrap(text, width=max(formatter.width - formatter.current_indent - 2, 40), break_on_hyphens=False):
            formatter.write(f"{'':>{formatter.current_indent + 2}}{line}\n")


def _style_options(style: str, function: Callable[..., Any], pairs: tuple[str, ...]) -> dict[str, Any]:
    options = parse_key_values(pairs, "--option")
    check_options(style, function, options)
    return options


def _open(data: Path, provider: str | None, altitude: float | None, provider_pairs: tuple[str, ...]) -> Any:
    return open_data(data, provider, **provider_options(altitude, provider_pairs))


def _check_output(out: Path) -> None:
    """Refuse an output file the figure could not be saved as, before any work: no format, or a file where a folder must be."""
    image_format(out)
    existing = next((folder for folder in out.parents if folder.exists()), None)
    if existing is not None and not existing.is_dir():
        raise InputError(f"cannot write {out}: {existing} is a file, not a folder")


def _wcs_files(data: Path) -> list[Path]:
    return sorted(data.glob("*.wcs")) if data.is_dir() else ([data] if data.suffix == ".wcs" else [])


def _wcs_in_period(data: Path, paths: list[Path], start: datetime | None, end: datetime | None) -> list[Path]:
    """The ``.wcs`` files whose DATE-OBS lies in ``[start, end]`` (all when the period is open)."""
    if start is None and end is None:
        return paths
    times = {path: photo_time(read_header(path)) for path in paths}
    chosen = [path for path, time in times.items() if time is not None and (start is None or time >= start) and (end is None or time <= end)]
    if not chosen:
        raise NoDataError(f"none of the {len(paths)} .wcs files of {data} has a DATE-OBS{period_phrase(start, end)}")
    return chosen


def _options_for(function: Callable[..., Any], options: dict[str, Any], data: Path) -> Callable[[Any], dict[str, Any]]:
    """The options per item drawn: plus ``wcs=DATA/<identifier>.wcs`` for a style drawn on the photo, if that file exists and none was given."""
    if "wcs" in options or "wcs" not in inspect.signature(function).parameters or not data.is_dir():
        return lambda item: options

    def with_solution(item: Any) -> dict[str, Any]:
        solution = data / f"{getattr(item, 'identifier', '')}.wcs"
        return {**options, "wcs": solution} if solution.is_file() else options

    return with_solution


def _one_mapping(source: Any, style: str, identifier: str | None, time: datetime | None) -> Any:
    """The mapping chosen by ``--id`` or ``--time``, or the only one of the data when neither is given."""
    if identifier is not None:
        return source.get_by_id(identifier)
    if time is not None:
        return source.get(time)
    if len(source) != 1:
        first, last = source.range
        raise click.UsageError(f"style {style} draws one mapping but {source!r} holds {len(source)} "
                               f"({first.isoformat()} .. {last.isoformat()}): choose one with --id or --time")
    return source.load(0)


@click.command("draw", cls=_StylesCommand)
@click.argument("style", type=_StyleName(), metavar="STYLE")
@_source_options
@click.option("--id", "identifier", help="Draw the mapping with this identifier (or unique part of it); "
              "not needed when the data holds one.")
@click.option("--time", "time", help="Draw the mapping nearest to this UTC time.", **_PERIOD)
@click.option("--start", help="Sequence styles: first UTC time (default: all).", **_PERIOD)
@click.option("--end", type=UTC_END, metavar="TIME", help="Sequence styles: last UTC time (inclusive; default: all).")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Output image (format from the extension: .png, .jpg, .pdf, .svg).")
@click.option("--dpi", type=float, help="Output resolution (default: the style's).")
@click.option("--no-progress", is_flag=True, help="Sequence styles: hide the progress bar over the frames.")
def draw_command(style: str, data: Path, provider: str | None, altitude: float | None, arcsec: float | None, resample_method: str,
                 resample_grid: str, min_elevation: float | None, pairs: tuple[str, ...], provider_pairs: tuple[str, ...], identifier: str | None,
                 time: datetime | None, start: datetime | None, end: datetime | None, out: Path, dpi: float | None,
                 no_progress: bool) -> None:
    """Draw STYLE of one mapping (or of a sequence) of the data at DIR into FILE."""
    check_period(start, end)
    _check_output(out)
    prepare = _preparation(arcsec, resample_method, resample_grid, min_elevation)
    function = get_draw_style(style)
    draws: Takes = takes(style, function)
    options = _style_options(style, function, pairs)
    if draws == "mapping":
        if identifier is not None and time is not None:
            raise click.UsageError(f"style {style} draws one mapping: give --id or --time, not both")
        if start is not None or end is not None:
            raise click.UsageError(f"style {style} draws one mapping: choose it with --id or --time (--start/--end are for sequence styles)")
        source = _open(data, provider, altitude, provider_pairs)
        drawable: Any = prepare(_one_mapping(source, style, identifier, time))
        options = _options_for(function, options, data)(drawable)
    elif identifier is not None or time is not None:
        raise click.UsageError(f"style {style} draws a sequence: choose its frames with --start and --end (--id/--time are for one mapping)")
    elif draws == "wcs-sequence" and provider is None and (solutions := _wcs_files(data)):
        drawable = _wcs_in_period(data, solutions, start, end)
    else:
        try:
            source = _open(data, provider, altitude, provider_pairs)
        except NoDataError as error:
            if draws != "wcs-sequence" or provider is not None:
                raise
            raise NoDataError(f"style {style} draws .wcs files, and {data} holds none; {error}") from error
        frames = progress_bar(source.sequence(start, end), total=len(frames_between(source, start, end)), desc=style, unit="frame",
                              enabled=not no_progress)
        drawable = (prepare(item) for item in frames)
    figax = function(drawable, **options)
    save_fig(out, figax, dpi=dpi)
    click.echo(f"wrote {out}")


class _Frames:
    """The figures of a movie, drawn one at a time; its length lets the progress bar show an ETA."""

    def __init__(self, count: int, figures: Iterator[Any]) -> None:
        self.count = count
        self.figures = figures

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[Any]:
        return self.figures


@click.command("movie", cls=_StylesCommand)
@click.argument("style", type=_StyleName(movie=True), metavar="STYLE")
@_source_options
@click.option("--start", help="First UTC time (default: the first frame).", **_PERIOD)
@click.option("--end", type=UTC_END, metavar="TIME", help="Last UTC time (inclusive; default: the last frame).")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help=f"Output movie (format from the extension: {', '.join(sorted(CODECS))}).")
@click.option("--fps", type=click.FloatRange(min=0, min_open=True), default=10.0, show_default=True, help="Frames per second.")
@click.option("--width", type=click.IntRange(min=2), help="Movie width in pixels, even (default: the figures').")
@click.option("--no-progress", is_flag=True, help="Hide the progress bar.")
def movie_command(style: str, data: Path, provider: str | None, altitude: float | None, arcsec: float | None, resample_method: str,
                  resample_grid: str, min_elevation: float | None, pairs: tuple[str, ...], provider_pairs: tuple[str, ...], start: datetime | None,
                  end: datetime | None, out: Path, fps: float, width: int | None, no_progress: bool) -> None:
    """Draw STYLE of every mapping of the data at DIR between --start and --end, as the frames of a movie.

    The frames of a fixed camera share one map extent; for a moving camera, fix
    the extent with style options (e.g. -o center=[65,-147] -o width_km=2000).
    """
    check_period(start, end)
    check_movie(out, fps, width)
    prepare = _preparation(arcsec, resample_method, resample_grid, min_elevation)
    function = get_draw_style(style)
    options_for = _options_for(function, _style_options(style, function, pairs), data)
    source = _open(data, provider, altitude, provider_pairs)
    count = len(frames_between(source, start, end))
    figures = (function(prepare(item), **options_for(item)) for item in source.sequence(start, end))
    create_movie(out, _Frames(count, figures), fps, width=width, progress=not no_progress)
    click.echo(f"wrote {out} ({count} frames at {fps:g} fps)")
