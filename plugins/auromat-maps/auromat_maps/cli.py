"""``auromat draw STYLE --data DIR (--id ID | --time T) --out FILE``."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from auromat_core import open_data
from auromat_core.options import parse_key_values

from .figures import save_fig
from .styles import STYLES, check_options

log = logging.getLogger(__name__)

TIME_FORMATS = ["%Y-%m-%dT%H:%M:%S.%f", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S"]


def _prepare(item: Any, min_elevation: float | None, resample: dict[str, Any] | None) -> Any:
    if min_elevation is not None:
        item = item.masked_by_elevation(min_elevation)
    if resample is not None:
        item = item.resample(**resample)
    return item


def _wcs_files(data: Path) -> list[Path]:
    return sorted(data.glob("*.wcs")) if data.is_dir() else ([data] if data.suffix == ".wcs" else [])


@click.command("draw")
@click.argument("style", type=click.Choice(sorted(STYLES)))
@click.option("--data", "data", required=True, type=click.Path(exists=True, path_type=Path),
              help="Data folder or file.")
@click.option("--id", "identifier", help="Draw the mapping with this identifier (or unique part of it).")
@click.option("--time", "time", type=click.DateTime(TIME_FORMATS), help="Draw the mapping nearest to this UTC time.")
@click.option("--start", type=click.DateTime(TIME_FORMATS), help="Sequence styles: first UTC time (default: all).")
@click.option("--end", type=click.DateTime(TIME_FORMATS), help="Sequence styles: last UTC time (default: all).")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Output image (format from the extension: .png, .jpg, .pdf, .svg).")
@click.option("--provider", help="Provider name (default: detected from the data).")
@click.option("--altitude", type=float, default=110.0, show_default=True, help="Mapping altitude, km.")
@click.option("--resample", "arcsec", type=float, help="Resample to this many arcsec per pixel first.")
@click.option("--resample-method", type=click.Choice(["mean", "nearest", "linear"]), default="mean", show_default=True,
              help="With --resample: mean of the source pixels in a cell (leaves holes where the grid is finer), nearest or linear.")
@click.option("--min-elevation", type=float, help="Mask pixels seen below this elevation (deg) first.")
@click.option("--dpi", type=float, help="Output resolution (default: the style's).")
@click.option("--option", "-o", "pairs", multiple=True, metavar="KEY=VALUE",
              help="Style option, e.g. -o line_delta=5 -o cities=true (values are JSON).")
@click.option("--provider-option", "-p", "provider_pairs", multiple=True, metavar="KEY=VALUE",
              help="Provider option, e.g. -p allow_later_skymap=true (values are JSON).")
def draw_command(style: str, data: Path, identifier: str | None, time: datetime | None, start: datetime | None,
                 end: datetime | None, out: Path, provider: str | None, altitude: float, arcsec: float | None,
                 resample_method: str, min_elevation: float | None, dpi: float | None, pairs: tuple[str, ...],
                 provider_pairs: tuple[str, ...]) -> None:
    """Draw STYLE of one mapping (or of a sequence) of the data at DIR into FILE."""
    if arcsec is None and click.get_current_context().get_parameter_source("resample_method") is not click.core.ParameterSource.DEFAULT:
        raise click.UsageError("--resample-method needs --resample")
    resample = None if arcsec is None else {"arcsec_per_px": arcsec, "method": resample_method}
    chosen = STYLES[style]
    options = parse_key_values(pairs, "--option")
    provider_options = {"altitude": altitude, **parse_key_values(provider_pairs, "--provider-option")}
    check_options(style, options)
    if chosen.takes == "mapping":
        if (identifier is None) == (time is None):
            raise click.UsageError(f"style {style} draws one mapping: give exactly one of --id and --time")
        source = open_data(data, provider, **provider_options)
        item = source.get_by_id(identifier) if identifier is not None else source.get(time)
        drawable: Any = _prepare(item, min_elevation, resample)
    elif chosen.takes == "wcs-sequence" and provider is None and _wcs_files(data):
        drawable = _wcs_files(data)
    else:
        source = open_data(data, provider, **provider_options)

        def sequence() -> Iterator[Any]:
            for item in source.sequence(start, end):
                yield _prepare(item, min_elevation, resample)

        drawable = sequence()
    figax = chosen.function(drawable, **options)
    save_fig(out, figax, dpi=dpi)
    click.echo(f"wrote {out}")
