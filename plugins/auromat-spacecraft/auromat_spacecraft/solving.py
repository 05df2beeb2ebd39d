"""Blind astrometric solving with astrometry.net's ``solve-field`` (reference §9.2).

The image is reduced to its starfield (:func:`.starfield.mask_starfield`:
background subtracted, everything else zero) and written as a FITS image into
a temporary folder, where ``solve-field`` runs with one extraction strategy
after the other (``xy2``: built-in extraction on the image downsampled by 2,
``xy4``: by 4, ``s``: SourceExtractor, ``xy``: full resolution) until one
solves. The pixel-scale range comes from the caller or from the EXIF
``FocalLengthIn35mmFilm`` (±10 %). Each run gets ``--cpulimit`` and a wall-clock
limit, after which its whole process group (``solve-field`` and its
``astrometry-engine``) is terminated and then killed.

Needs the Debian packages ``astrometry.net`` and an index package such as
``astrometry-data-tycho2`` (``astrometry-data-tycho2-10-19``).
"""

from __future__ import annotations

import inspect
import logging
import math
import os
import shutil
import signal
import subprocess
import tempfile
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import attrs
import numpy as np
from astropy.io import fits
from astropy.io.fits.verify import VerifyWarning
from astropy.wcs import WCS, FITSFixedWarning
from PIL import Image

from auromat_core import AuromatError, InputError

from .images import load_image
from .starfield import Starfield, gray_image, mask_starfield

log = logging.getLogger(__name__)

SOLVE_FIELD = "solve-field"
SOURCE_EXTRACTOR = "source-extractor"
DEBIAN_PACKAGES = "astrometry.net astrometry-data-tycho2"
FILM_WIDTH_MM = 36.0
"""Width of a 35 mm film frame, the reference of ``FocalLengthIn35mmFilm``."""
SCALE_TOLERANCE = 0.1
"""Relative half-width of the pixel-scale range estimated from EXIF."""
TERMINATE_GRACE_S = 5.0
_EXIF_IFD = 0x8769
_FOCAL_LENGTH_35MM = 0xA405
_RADIANS_TO_ARCSEC = 180.0 / math.pi * 3600.0

Masking = Callable[[np.ndarray], Starfield]


@attrs.frozen
class Strategy:
    """One way of running ``solve-field``: source extractor and downsampling."""

    name: str
    downsample: int = 1
    source_extractor: bool = False

    def arguments(self) -> list[str]:
        args = ["--downsample", str(self.downsample)] if self.downsample > 1 else []
        return args + (["--use-source-extractor"] if self.source_extractor else [])


STRATEGIES = {
    "xy2": Strategy("xy2", downsample=2),
    "xy4": Strategy("xy4", downsample=4),
    "s": Strategy("s", source_extractor=True),
    "xy": Strategy("xy"),
}
"""The strategies by name (reference §9.2)."""
DEFAULT_STRATEGIES = ("xy2", "xy4", "s", "xy")


def scale_range_from_exif(
    image_path: str | os.PathLike, width: int | None = None, tolerance: float = SCALE_TOLERANCE
) -> tuple[float, float] | None:
    """Pixel-scale bounds (arcsec/px) from EXIF ``FocalLengthIn35mmFilm`` and the image width, or None.

    ``width`` is the width of the decoded image; by default the one Pillow
    reports (for RAW files that may be an embedded preview, so pass it).
    """
    try:
        with Image.open(image_path) as image:
            width = width or image.width
            focal = image.getexif().get_ifd(_EXIF_IFD).get(_FOCAL_LENGTH_35MM)
    except (OSError, SyntaxError, ValueError):
        return None
    if not focal or float(focal) <= 0:
        return None
    scale = math.atan(FILM_WIDTH_MM / width / float(focal)) * _RADIANS_TO_ARCSEC
    return scale * (1 - tolerance), scale * (1 + tolerance)


def solve_image(
    image: str | os.PathLike,
    *,
    scale_range: tuple[float, float] | None = None,
    masking: Masking | None = mask_starfield,
    channel: int | None = None,
    strategies: Sequence[str] = DEFAULT_STRATEGIES,
    timeout: float = 300.0,
    wall_timeout: float | None = None,
    pixel_error: float = 10.0,
    odds_to_solve: float | None = None,
    sigma: float | None = None,
    tweak_order: int | None = None,
    config: str | os.PathLike | None = None,
    solve_field: str | os.PathLike | None = None,
    debug_folder: str | os.PathLike | None = None,
) -> fits.Header | None:
    """Find the celestial WCS of a photograph with ``solve-field``.

    Parameters
    ----------
    image
        Image file (JPEG, PNG, TIFF or RAW); lens distortion should be corrected beforehand.
    scale_range
        ``(low, high)`` pixel scale in arcsec/px; default from EXIF, else unbounded.
    masking
        Starfield masking (:func:`.starfield.mask_starfield` by default); None
        solves the whole gray image.
    channel
        Use one image channel instead of the luminance.
    strategies
        Names from :data:`STRATEGIES`, tried in order until one solves.
    timeout
        CPU seconds per strategy (``--cpulimit``).
    wall_timeout
        Wall-clock seconds per strategy before the processes are killed;
        default ``2 * timeout + 10`` (the machine may be shared).
    pixel_error
        Positional error in pixels allowed in verification (star trails).
    odds_to_solve, sigma
        Passed on as ``--odds-to-solve`` and ``--sigma`` when given.
    tweak_order
        SIP polynomial order to fit; None (default) gives a pure TAN solution (``--no-tweak``).
    config
        ``astrometry-engine`` configuration (index folders); default the system's.
    solve_field
        Path of the ``solve-field`` program; default from ``PATH``.
    debug_folder
        Keep the log and the astrometry.net files of every strategy there.

    Returns
    -------
    astropy.io.fits.Header or None
        The solution (``IMAGEW``/``IMAGEH`` included, a ``HISTORY`` card naming
        the strategy), or None when no strategy solved the image.

    Raises
    ------
    AuromatError
        If ``solve-field`` is not installed or fails (no index files, bad arguments).
    InputError
        For an unreadable image or invalid options.
    """
    program = _find_program(solve_field)
    unknown = [name for name in strategies if name not in STRATEGIES]
    if unknown or not strategies:
        raise InputError(f"unknown solving strategies {unknown or list(strategies)}; choose from {list(STRATEGIES)}")
    if timeout <= 0 or (wall_timeout is not None and wall_timeout <= 0):
        raise InputError(f"solving timeouts must be positive, got timeout={timeout}, wall_timeout={wall_timeout}")
    path = Path(image)
    if scale_range is not None:
        low, high = (float(v) for v in scale_range)
        if not 0 < low < high:
            raise InputError(f"scale_range must be 0 < low < high arcsec/px, got {scale_range}")
        scale_range = (low, high)
    pixels = load_image(path)
    if scale_range is None:
        scale_range = scale_range_from_exif(path, width=pixels.shape[1])
        if scale_range is None:
            log.warning("%s: no FocalLengthIn35mmFilm in EXIF and no scale_range given; solving without scale bounds", path)
    if channel is not None:
        if not 0 <= channel < pixels.shape[2]:
            raise InputError(f"{path}: channel {channel} requested from an image with {pixels.shape[2]} channels")
        pixels = pixels[:, :, channel]
    if masking is None:
        field, _ = gray_image(pixels)
    else:
        starfield = masking(pixels)
        if not starfield.block_mask.any():
            log.info("%s: no starfield found, not solving", path)
            return None
        log.info("%s: starfield covers %.1f %% of the image", path, 100 * starfield.fraction)
        field = starfield.stars_image()
    height, width = field.shape
    run = _Run(
        program=program, scale_range=scale_range, timeout=float(timeout),
        wall_timeout=float(wall_timeout) if wall_timeout is not None else 2.0 * timeout + 10.0,
        pixel_error=pixel_error, odds_to_solve=odds_to_solve, sigma=sigma, tweak_order=tweak_order,
        config=Path(config) if config is not None else None, keep=debug_folder is not None,
    )
    with tempfile.TemporaryDirectory(prefix="auromat-solve-") as temporary:
        field_path = Path(temporary) / f"{path.stem}.fits"
        fits.PrimaryHDU(np.asarray(field, dtype=np.float32)).writeto(field_path)
        for name in strategies:
            strategy = STRATEGIES[name]
            if strategy.source_extractor and shutil.which(SOURCE_EXTRACTOR) is None:
                log.info("skipping strategy %s: %s is not installed (Debian package source-extractor)", name, SOURCE_EXTRACTOR)
                continue
            folder = Path(temporary) / name
            started = time.monotonic()
            header = run.solve(field_path, folder, strategy)
            log.info("%s: strategy %s %s after %.1f s", path, name, "solved" if header else "failed", time.monotonic() - started)
            if debug_folder is not None:
                _keep_files(folder, Path(debug_folder), path.stem, name)
            if header is not None:
                return _finish(header, width, height, strategy, scale_range)
    return None


@attrs.frozen
class _Run:
    program: str
    scale_range: tuple[float, float] | None
    timeout: float
    wall_timeout: float
    pixel_error: float
    odds_to_solve: float | None
    sigma: float | None
    tweak_order: int | None
    config: Path | None
    keep: bool

    def arguments(self, field: Path, folder: Path, strategy: Strategy) -> list[str]:
        base = folder / field.stem
        args = [
            self.program, str(field),
            "--cpulimit", f"{self.timeout:g}",
            "--dir", str(folder), "--temp-dir", str(folder / "tmp"),
            "--wcs", f"{base}.wcs", "--solved", f"{base}.solved", "--match", f"{base}.match",
            "--crpix-center", "--no-plots", "--overwrite",
            "--pixel-error", f"{self.pixel_error:g}",
            "--new-fits", "none", "--rdls", "none",
        ]
        if self.keep:
            args += ["--index-xyls", f"{base}.xyls", "--corr", f"{base}.corr"]
        else:
            args += ["--index-xyls", "none", "--corr", "none"]
        if self.scale_range is not None:
            low, high = self.scale_range
            args += ["--scale-low", f"{low:.4f}", "--scale-high", f"{high:.4f}", "--scale-units", "arcsecperpix"]
        args += ["--no-tweak"] if self.tweak_order is None else ["--tweak-order", str(int(self.tweak_order))]
        if self.odds_to_solve is not None:
            args += ["--odds-to-solve", f"{self.odds_to_solve:g}"]
        if self.sigma is not None:
            args += ["--sigma", f"{self.sigma:g}"]
        if self.config is not None:
            args += ["--config", str(self.config)]
        return args + strategy.arguments()

    def solve(self, field: Path, folder: Path, strategy: Strategy) -> fits.Header | None:
        (folder / "tmp").mkdir(parents=True)
        args = self.arguments(field, folder, strategy)
        log.debug("running %s", " ".join(args))
        log_path = folder / "solve-field.log"
        with open(log_path, "wb") as output:
            returncode = _run_process_group(args, output, self.wall_timeout)
        base = folder / field.stem
        if returncode is None:
            log.warning("solve-field (strategy %s) exceeded %.0f s and was killed", strategy.name, self.wall_timeout)
            return None
        if returncode != 0:
            raise _failure(log_path, returncode)
        solved, wcs_path = base.with_suffix(".solved"), base.with_suffix(".wcs")
        if not (solved.is_file() and wcs_path.is_file()):
            return None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", VerifyWarning)
            return fits.getheader(wcs_path)


def _run_process_group(args: list[str], output: Any, wall_timeout: float) -> int | None:
    """Run ``args`` in a new session; on timeout terminate, then kill, the whole group. None on timeout."""
    process = subprocess.Popen(args, stdout=output, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        return process.wait(timeout=wall_timeout)
    except subprocess.TimeoutExpired:
        _signal_group(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=TERMINATE_GRACE_S)
        except subprocess.TimeoutExpired:
            pass
        _signal_group(process.pid, signal.SIGKILL)
        process.wait()
        return None
    finally:
        if process.poll() is None:  # interrupted (e.g. KeyboardInterrupt): leave no solver behind
            _signal_group(process.pid, signal.SIGKILL)
            process.wait()


def _signal_group(pgid: int, signum: int) -> None:
    try:
        os.killpg(pgid, signum)
    except ProcessLookupError:
        pass


def _failure(log_path: Path, returncode: int) -> AuromatError:
    text = log_path.read_text(errors="replace")
    if "at least one index" in text:
        return AuromatError(
            "solve-field found no astrometry.net index files: install the Debian package astrometry-data-tycho2 "
            "(or astrometry-data-tycho2-10-19) or pass config= naming a folder of index files"
        )
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    last = lines[-1] if lines else "no output"
    return AuromatError(f"solve-field failed with exit status {returncode}: {last[:200]}")


def _find_program(solve_field: str | os.PathLike | None) -> str:
    name = str(solve_field) if solve_field is not None else SOLVE_FIELD
    found = shutil.which(name)
    if found is None:
        raise AuromatError(
            f"astrometry.net's {name} was not found; install the Debian packages {DEBIAN_PACKAGES} "
            "(apt-get install astrometry.net astrometry-data-tycho2) or pass solve_field=<path>"
        )
    return found


def _finish(
    header: fits.Header, width: int, height: int, strategy: Strategy, scale_range: tuple[float, float] | None
) -> fits.Header:
    header = header.copy()
    header["IMAGEW"] = (width, "Image width,  in pixels.")
    header["IMAGEH"] = (height, "Image height, in pixels.")
    bounds = "unbounded" if scale_range is None else f"{scale_range[0]:.2f}-{scale_range[1]:.2f} arcsec/px"
    header.add_history(f"solved by auromat with solve-field strategy {strategy.name}, scale {bounds}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FITSFixedWarning)
        if not WCS(header).has_celestial:
            raise AuromatError("solve-field reported success but wrote no celestial WCS")
    return header


def _keep_files(folder: Path, debug_folder: Path, stem: str, strategy: str) -> None:
    debug_folder.mkdir(parents=True, exist_ok=True)
    for item in folder.iterdir():
        if item.is_file():
            suffix = ".log" if item.name == "solve-field.log" else item.suffix
            shutil.copy2(item, debug_folder / f"{stem}_{strategy}{suffix}")


class AstrometryNetSolver:
    """The ``astrometry.net`` solver of the registry (:class:`auromat_core.Solver`).

    Parameters
    ----------
    **defaults
        Default keyword options of :func:`solve_image`; ``solve`` options override them.
    """

    name = "astrometry.net"

    def __init__(self, **defaults: Any) -> None:
        self._check(defaults)
        self.defaults = defaults

    @staticmethod
    def _check(options: dict[str, Any]) -> None:
        accepted = [p for p in inspect.signature(solve_image).parameters if p != "image"]
        unknown = sorted(set(options) - set(accepted))
        if unknown:
            raise InputError(f"unknown astrometry.net solver options {unknown}; accepted: {', '.join(accepted)}")

    def solve(self, image_path: str | os.PathLike, **options: Any) -> fits.Header | None:
        """The WCS header of ``image_path``, or None when it cannot be solved."""
        self._check(options)
        return solve_image(image_path, **{**self.defaults, **options})

    def __repr__(self) -> str:
        return f"AstrometryNetSolver({', '.join(f'{k}={v!r}' for k, v in self.defaults.items())})"


__all__ = [
    "AstrometryNetSolver",
    "DEFAULT_STRATEGIES",
    "STRATEGIES",
    "Strategy",
    "scale_range_from_exif",
    "solve_image",
]
