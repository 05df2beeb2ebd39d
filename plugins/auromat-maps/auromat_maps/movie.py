"""Movies from frames (image files, figures or arrays) with the ffmpeg of ``imageio-ffmpeg``.

Frames are decoded one at a time and streamed to ffmpeg as raw RGB through a
pipe: nothing is copied or linked into temporary folders, memory stays at one
frame, and the movie appears at its path only when ffmpeg has succeeded.
"""

from __future__ import annotations

import logging
import os
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from auromat_core import ExportError, InputError, atomic_output
from auromat_core.progress import progress_bar

from .figures import as_figax, close_figure

log = logging.getLogger(__name__)

CODECS: dict[str, tuple[str, list[str]]] = {
    ".mp4": ("mp4", ["-c:v", "libx264", "-preset", "slow", "-profile:v", "main", "-pix_fmt", "yuv420p",
                     "-crf", "18", "-movflags", "+faststart"]),
    ".webm": ("webm", ["-c:v", "libvpx", "-quality", "good", "-cpu-used", "0", "-pix_fmt", "yuv420p",
                       "-qmin", "10", "-qmax", "42", "-crf", "10"]),
}
"""Container format and encoder options per file extension."""


def ffmpeg_executable() -> str:
    """Path of the ffmpeg binary shipped by ``imageio-ffmpeg`` (or named by ``IMAGEIO_FFMPEG_EXE``)."""
    import imageio_ffmpeg

    try:
        return imageio_ffmpeg.get_ffmpeg_exe()
    except RuntimeError as error:
        message = f"no ffmpeg found for movies ({error}); install it with: pip install imageio-ffmpeg"
        raise ExportError(message) from error


def frame_pixels(frame: Any) -> np.ndarray:
    """(h, w, 3) uint8 pixels of an image path, a figure, a ``(figure, axes)`` tuple or an array."""
    if isinstance(frame, (str, os.PathLike)):
        from PIL import Image, UnidentifiedImageError

        try:
            with Image.open(frame) as image:
                return np.asarray(image.convert("RGB"))
        except (OSError, UnidentifiedImageError) as error:
            raise InputError(f"movie frame {os.fspath(frame)}: not a readable image ({error})") from error
    if isinstance(frame, Figure) or (isinstance(frame, tuple) and frame and isinstance(frame[0], Figure)):
        figure, _ = as_figax(frame)
        figure.canvas.draw()
        return np.asarray(figure.canvas.buffer_rgba())[:, :, :3].copy()
    pixels = np.asarray(frame)
    if pixels.ndim == 2:
        pixels = np.repeat(pixels[:, :, np.newaxis], 3, axis=2)
    if pixels.ndim != 3 or pixels.shape[2] not in (3, 4):
        raise InputError(f"movie frame array must have shape (h, w[, 3 or 4]), got {pixels.shape}")
    if pixels.dtype != np.uint8:
        if pixels.dtype.kind == "f":
            pixels = np.clip(pixels, 0.0, 1.0) * 255.0
        elif pixels.dtype.kind == "u":
            pixels = pixels * (255.0 / np.iinfo(pixels.dtype).max)
        else:
            raise InputError(f"movie frame array must be unsigned or float (0..1), got {pixels.dtype}")
        pixels = np.round(pixels).astype(np.uint8)
    return pixels[:, :, :3]


def check_movie(path: str | os.PathLike, frame_rate: float, width: int | None = None, height: int | None = None) -> str:
    """The ffmpeg scale filter of a movie at ``path``; an :class:`InputError` for an extension, rate or size it cannot have.

    Lets a caller check what the user asked for before drawing any frame.
    """
    target = Path(path)
    if target.suffix.lower() not in CODECS:
        raise InputError(f"movie {target}: unsupported extension {target.suffix!r}; use one of {', '.join(CODECS)}")
    if not frame_rate > 0:
        raise InputError(f"movie frame_rate must be > 0, got {frame_rate}")
    return _scale_filter(width, height)


def _scale_filter(width: int | None, height: int | None) -> str:
    if width is None and height is None:
        return "pad=ceil(iw/2)*2:ceil(ih/2)*2"
    for name, value in (("width", width), ("height", height)):
        if value is not None and (value < 2 or value % 2):
            raise InputError(f"movie {name} must be an even number of pixels >= 2, got {value}")
    return f"scale={width or -2}:{height or -2}"


def _ffmpeg_command(executable: str, size: tuple[int, int], frame_rate: float, scale: str, extension: str,
                    max_bitrate: int, output: Path) -> list[str]:
    container, codec = CODECS[extension]
    bitrate = ["-b:v", f"{max_bitrate}k"] if container == "webm" else []
    return [
        executable, "-hide_banner", "-loglevel", "error", "-y",
        "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{size[0]}x{size[1]}", "-r", f"{frame_rate:g}", "-i", "pipe:0",
        "-vf", scale, *codec, *bitrate, "-maxrate", f"{max_bitrate}k", "-bufsize", f"{2 * max_bitrate}k",
        "-r", f"{frame_rate:g}", "-f", container, str(output),
    ]


def _is_figure(frame: Any) -> bool:
    return isinstance(frame, Figure) or (isinstance(frame, tuple) and bool(frame) and isinstance(frame[0], Figure))


def create_movie(
    path: str | os.PathLike,
    frames: Iterable[Any],
    frame_rate: float = 25.0,
    *,
    width: int | None = None,
    height: int | None = None,
    max_bitrate: int = 2000,
    close_figures: bool = True,
    progress: bool = True,
) -> Path:
    """Encode ``frames`` into an ``.mp4`` (H.264, yuv420p) or ``.webm`` (VP8) movie.

    Parameters
    ----------
    path
        Output file; its extension chooses the format. Written atomically.
    frames
        Image paths, matplotlib figures or ``(figure, axes)`` tuples (closed after
        rendering when ``close_figures``), or (h, w[, c]) arrays; all of one size.
        May be a generator: frames are read one at a time.
    frame_rate
        Frames per second.
    width, height
        Output size in pixels (even); with one given the other keeps the aspect.
    max_bitrate
        Maximum bitrate in kbit/s.
    close_figures
        Close figure frames once rendered.
    progress
        Show progress over the frames (:func:`auromat_core.progress.progress_bar`).

    Returns
    -------
    pathlib.Path
        The path of the movie.

    Raises
    ------
    InputError
        For an unknown extension, no frame, or frames of different sizes.
    ExportError
        If ffmpeg fails (its last messages are included).
    """
    target = Path(path)
    extension = target.suffix.lower()
    scale = check_movie(target, frame_rate, width, height)
    total = len(frames) if hasattr(frames, "__len__") else None
    iterator = iter(frames)
    executable = ffmpeg_executable()
    with progress_bar(total=total, desc=f"movie {target.name}", unit="frame", enabled=progress) as bar:
        first = _next_pixels(iterator, close_figures)
        if first is None:
            raise InputError(f"movie {target}: no frames given")
        size = (first.shape[1], first.shape[0])
        with atomic_output(target) as temporary, tempfile.TemporaryFile() as errors:
            command = _ffmpeg_command(executable, size, frame_rate, scale, extension, max_bitrate, temporary)
            log.debug("running %s", " ".join(command))
            process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=errors)
            try:
                count = _stream(process, first, iterator, size, close_figures, bar)
            except BaseException:
                process.kill()
                process.wait()
                raise
            returncode = process.wait()
            if returncode != 0:
                errors.seek(0)
                lines = [line.strip() for line in errors.read().decode(errors="replace").splitlines() if line.strip()]
                message = " | ".join(lines[-5:]) or "no message"
                raise ExportError(f"ffmpeg failed to write movie {target} (exit status {returncode}): {message}")
    log.info("wrote movie %s (%d frames at %g fps)", target, count, frame_rate)
    return target


def _next_pixels(frames: Any, close_figures: bool) -> np.ndarray | None:
    try:
        frame = next(frames)
    except StopIteration:
        return None
    pixels = frame_pixels(frame)
    if close_figures and _is_figure(frame):
        close_figure(as_figax(frame)[0])
    return pixels


def _stream(process: subprocess.Popen, first: np.ndarray, rest: Any, size: tuple[int, int], close_figures: bool,
            bar: Any) -> int:
    """Write frames to ffmpeg's stdin; returns the number of frames written."""
    count = 0
    pixels: np.ndarray | None = first
    try:
        while pixels is not None:
            if (pixels.shape[1], pixels.shape[0]) != size:
                raise InputError(
                    f"movie frame {count} is {pixels.shape[1]}x{pixels.shape[0]} px, "
                    f"but the first frame is {size[0]}x{size[1]} px"
                )
            try:
                process.stdin.write(np.ascontiguousarray(pixels).tobytes())
            except BrokenPipeError:
                return count
            count += 1
            bar.update(1)
            pixels = _next_pixels(rest, close_figures)
    finally:
        try:
            process.stdin.close()
        except BrokenPipeError:
            pass
    return count
