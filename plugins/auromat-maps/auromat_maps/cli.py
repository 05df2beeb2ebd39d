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


def _prepare(item: Any, min_elevation: float | None, arcsec: float | None) -> Any:
    if min_elevation is not None:
        item = item.masked_by_elevation(min_elevation)
    if arcsec is not None:
        item = item.resample(arcsec_per_px=arcsec)
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
@click.option("--min-elevation", type=float, help="Mask pixels seen below this elevation (deg) first.")
@click.option("--dpi", type=float, help="Output resolution (default: the style's).")
@click.option("--option", "-o", "pairs", multiple=True, metavar="KEY=VALUE",
              help="Style option, e.g. -o line_delta=5 -o cities=true (values are JSON).")
@click.option("--provider-option", "-p", "provider_pairs", multiple=True, metavar="KEY=VALUE",
              help="Provider option, e.g. -p allow_later_skymap=true (values are JSON).")
def draw_command(style: str, data: Path, identifier: str | None, time: datetime | None, start: datetime | None,
                 end: datetime | None, out: Path, provider: str | None, altitude: float, arcsec: float | None,
                 min_elevation: float | None, dpi: float | None, pairs: tuple[str, ...],
                 provider_pairs: tuple[str, ...]) -> None:
    """Draw STYLE of one mapping (or of a sequence) of the data at DIR into FILE."""
    chosen = STYLES[style]
    options = parse_key_values(pairs, "--option")
    provider_options = {"altitude": altitude, **parse_key_values(provider_pairs, "--provider-option")}
    check_options(style, options)
    if chosen.takes == "mapping":
        if (identifier is None) == (time is None):
            raise click.UsageError(f"style {style} draws one mapping: give exactly one of --id and --time")
        source = open_data(data, provider, **provider_options)
        item = source.get_by_id(identifier) if identifier is not None else source.get(time)
        drawable: Any = _prepare(item, min_elevation, arcsec)
    elif chosen.takes == "wcs-sequence" and provider is None and _wcs_files(data):
        drawable = _wcs_files(data)
    else:
        source = open_data(data, provider, **provider_options)

        def sequence() -> Iterator[Any]:
            for item in source.sequence(start, end):
                yield _prepare(item, min_elevation, arcsec)

        drawable = sequence()
    figax = chosen.function(drawable, **options)
    save_fig(out, figax, dpi=dpi)
    click.echo(f"wrote {out}")
