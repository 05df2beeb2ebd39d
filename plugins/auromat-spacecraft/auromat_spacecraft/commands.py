"""``auromat solve`` and ``auromat download nasa-photos``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from auromat_core import get_solver

from .orbit import DEFAULT_NORAD_ID
from .photo_download import BASE_URL_ENV, DEFAULT_BASE_URL, download_photo_sequence
from .solve_sequence import pending_images, solve_folder
from .spacetrack import SpaceTrack

_FOLDER = click.Path(file_okay=False, path_type=Path)


@click.command("solve")
@click.option("--images", required=True, type=click.Path(exists=True, file_okay=False, path_type=Path), help="Folder of photographs (.jpg, .jpeg, .png).")
@click.option("--wcs-out", required=True, type=_FOLDER, help="Folder for the .wcs solutions.")
@click.option("--tle-folder", required=True, type=_FOLDER, help="Folder of <norad id>.tle.")
@click.option("--norad-id", type=int, default=int(DEFAULT_NORAD_ID), show_default=True, help="NORAD number of the spacecraft.")
@click.option("--scale-low", type=float, help="Lowest pixel scale, arcsec/px (default from EXIF).")
@click.option("--scale-high", type=float, help="Highest pixel scale, arcsec/px.")
@click.option("--timeout", type=float, help="CPU seconds per solving strategy (astrometry.net; default 300).")
@click.option("--sip-order", type=click.IntRange(2, 5), help="Fit SIP distortion of this order (lens distortion not corrected).")
@click.option("--spacetrack", "use_spacetrack", is_flag=True, help="Update the TLEs from Space-Track (SPACETRACK_USER/SPACETRACK_PASSWORD or ~/.netrc).")
@click.option("--solver", "solver_name", default="astrometry.net", show_default=True, help="Registered solver to use.")
@click.option("--workers", type=click.IntRange(1), default=1, show_default=True, help="Images solved at once.")
@click.option("--overwrite", is_flag=True, help="Solve images that already have a .wcs again.")
@click.option("--no-progress", is_flag=True, help="Hide the progress bar.")
def solve_command(
    images: Path,
    wcs_out: Path,
    tle_folder: Path,
    norad_id: int,
    scale_low: float | None,
    scale_high: float | None,
    timeout: float | None,
    sip_order: int | None,
    use_spacetrack: bool,
    solver_name: str,
    workers: int,
    overwrite: bool,
    no_progress: bool,
) -> None:
    """Blindly solve photographs taken from orbit and write .wcs files with the camera position.

    The photo time comes from EXIF, the spacecraft position from TLEs; images
    that already have a .wcs are skipped.
    """
    if (scale_low is None) != (scale_high is None):
        raise click.UsageError("--scale-low and --scale-high must be given together")
    options: dict[str, Any] = {}
    if scale_low is not None:
        if not 0 < scale_low < scale_high:
            raise click.BadParameter(f"need 0 < --scale-low < --scale-high, got {scale_low} and {scale_high}", param_hint="--scale-low")
        options["scale_range"] = (scale_low, scale_high)
    if timeout is not None:
        options["timeout"] = timeout
    if sip_order is not None:
        options["tweak_order"] = sip_order
    solver = get_solver(solver_name)
    spacetrack = SpaceTrack() if use_spacetrack else None
    images_in_folder = len(pending_images(images, wcs_out, overwrite=True))
    solved, unsolved = 0, []
    for image_path, wcs_path in solve_folder(
        images, wcs_out, tle_folder, norad_id=norad_id, spacetrack=spacetrack, solver=solver, overwrite=overwrite,
        return_unsolved=True, workers=workers, progress=not no_progress, **options,
    ):
        if wcs_path is None:
            unsolved.append(image_path.name)
        else:
            solved += 1
            click.echo(f"{image_path.name} -> {wcs_path}")
    skipped = images_in_folder - solved - len(unsolved)
    click.echo(
        f"solved {solved} of {solved + len(unsolved)} images"
        + (f"; not solved: {', '.join(unsolved)}" if unsolved else "")
        + (f"; {skipped} already had a .wcs (--overwrite solves them again)" if skipped else "")
    )


@click.command("nasa-photos")
@click.option("--mission", required=True, help="Mission code, e.g. ISS040.")
@click.option("--roll", default="E", show_default=True, help="Roll code.")
@click.option("--from", "from_frame", required=True, type=click.IntRange(0), help="First frame number.")
@click.option("--to", "to_frame", required=True, type=click.IntRange(0), help="Last frame number (inclusive).")
@click.option("--out", "out_dir", type=_FOLDER, help="Target folder (default ./<mission>-<roll>-<from>-<to>).")
@click.option("--base-url", envvar=BASE_URL_ENV, default=DEFAULT_BASE_URL, show_default=True, help=f"Site root (or ${BASE_URL_ENV}).")
@click.option("--no-progress", is_flag=True, help="Hide the progress bar.")
def download_nasa_photos(
    mission: str, roll: str, from_frame: int, to_frame: int, out_dir: Path | None, base_url: str, no_progress: bool
) -> None:
    """Download a sequence of NASA astronaut photographs (large JPEGs) with its meta.json.

    Missing frame numbers inside the range are recorded as gaps; interrupted
    downloads resume when the command is repeated.
    """
    if to_frame < from_frame:
        raise click.BadParameter(f"--to {to_frame} is before --from {from_frame}", param_hint="--to")
    folder = out_dir or Path(f"{mission.upper()}-{roll.upper()}-{from_frame}-{to_frame}")
    metadata = download_photo_sequence(folder, mission, from_frame, to_frame, roll=roll, base_url=base_url, progress=not no_progress)
    gaps = f", gaps {', '.join(map(str, metadata.frame_gaps))}" if metadata.frame_gaps else ""
    click.echo(f"{metadata.mission}-{metadata.roll}: {len(metadata.frames)} photos in {folder}{gaps}")


def add_commands(cli: click.Group) -> None:
    """Add ``solve`` and ``download nasa-photos`` to the ``auromat`` group."""
    cli.add_command(solve_command)
    group = cli.commands.get("download")
    if not isinstance(group, click.Group):
        group = click.Group("download", help="Download data from a remote archive.")
        cli.add_command(group)
    group.add_command(download_nasa_photos)


__all__ = ["add_commands", "download_nasa_photos", "solve_command"]
