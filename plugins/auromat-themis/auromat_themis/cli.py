"""``auromat download themis``: fetch THEMIS all-sky imager files."""

from __future__ import annotations

from datetime import datetime

import click

from auromat_core import InputError
from auromat_core.options import UTC_END, UTC_TIME, check_period

from .download import BASE_URL_ENV, DEFAULT_BASE_URL, download
from .stations import STATIONS, site_codes


def _sites(ctx: click.Context, param: click.Parameter, value: str | None) -> tuple[str, ...] | None:
    try:
        return site_codes(value)
    except InputError as error:
        raise click.BadParameter(str(error)) from None


@click.command("themis")
@click.option("--start", required=True, type=UTC_TIME, metavar="TIME", help="Start of the period (UTC).")
@click.option("--end", required=True, type=UTC_END, metavar="TIME", help="End of the period (UTC, inclusive: 2011-01-06 is the whole day).")
@click.option("--site", "sites", callback=_sites, help=f"Comma-separated site codes (default: all {len(STATIONS)}), e.g. gako,fykn.")
@click.option("--base-url", envvar=BASE_URL_ENV, default=DEFAULT_BASE_URL, show_default=True, help=f"Archive root holding thg/ (or ${BASE_URL_ENV}).")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=".", show_default=True, help="Local root of the THEMIS layout.")
@click.option("--no-skymaps", is_flag=True, help="Do not fetch the L2 skymap CDFs.")
@click.option("--no-progress", is_flag=True, help="Hide the progress bars.")
def download_themis(
    start: datetime, end: datetime, sites: tuple[str, ...] | None, base_url: str, out_dir: str, no_skymaps: bool, no_progress: bool
) -> None:
    """Download THEMIS all-sky imager L1 hours and L2 skymaps in the THEMIS directory layout.

    Hours the server does not have are remembered for 30 days (.404 markers);
    interrupted downloads resume; files already present are skipped.
    """
    check_period(start, end)
    summary = download(start, end, out_dir, sites=sites, base_url=base_url, skymaps=not no_skymaps, progress=not no_progress)
    click.echo(f"THEMIS: {summary} (in {out_dir})")
    summary.raise_for_failures("the THEMIS download")
