"""``auromat download esa-iss``: fetch a sequence of the ESA ISS aurora archive."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from auromat_core.options import UTC_END, UTC_TIME, check_period

from .client import API_FILE, BASE_URL_ENV, DEFAULT_BASE_URL, METADATA_FILE, IssArchive, sequence_folder


@click.command("esa-iss")
@click.option("--id", "sequence_id", required=True, type=click.IntRange(min=0), help="Sequence id in the archive.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False), help="Sequence folder [default: ./seq-<id>].")
@click.option("--start", type=UTC_TIME, metavar="TIME", help="Only images from this time on (UTC).")
@click.option("--end", type=UTC_END, metavar="TIME", help="Only images up to this time (UTC, inclusive: 2011-09-18 is the whole day).")
@click.option("--no-raw", is_flag=True, help="Download the processed images instead of the RAW files.")
@click.option("--base-url", envvar=BASE_URL_ENV, default=DEFAULT_BASE_URL, show_default=True, help=f"API root (or ${BASE_URL_ENV}).")
@click.option("--no-progress", is_flag=True, help="Hide the progress bars.")
def download_esa_iss(
    sequence_id: int, out_dir: str | None, start: datetime | None, end: datetime | None, no_raw: bool,
    base_url: str, no_progress: bool,
) -> None:
    """Download a georeferenced image sequence: api.json, metadata.json, bad pixels, images and WCS files.

    Files already present are skipped and interrupted downloads resume.
    """
    check_period(start, end)
    folder = Path(out_dir) if out_dir is not None else sequence_folder(sequence_id)
    with IssArchive(folder, sequence_id, base_url=base_url, use_raw=not no_raw, progress=not no_progress) as archive:
        summary = archive.download(start, end)
        kind = "RAW" if archive.use_raw else "processed"
        images = len(archive.select(start, end))
    # the progress bar counts the files of the images; the summary also the two descriptions fetched before them
    click.echo(f"ESA ISS sequence {sequence_id}: {images} {kind} images; {summary}, {API_FILE} and {METADATA_FILE} included (in {folder})")
    summary.raise_for_failures(f"sequence {sequence_id}")
