"""Figures: creation (headless), image figures, titles and atomic saving.

Figures are plain :class:`matplotlib.figure.Figure` objects with an Agg
canvas, so drawing needs no display and leaves nothing in pyplot's registry.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, TypeVar

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

import auromat_core
from auromat_core import InputError, Mapping, MappingCollection, atomic_output

log = logging.getLogger(__name__)

FigAx = tuple[Figure, Any]
Drawable = Mapping | MappingCollection | Sequence[Mapping]


Color = str | tuple[float, float, float] | tuple[float, float, float, float]
"""A matplotlib colour: a name or ``"#rrggbb"``, or RGB(A) values from 0 to 1."""

Function = TypeVar("Function", bound=Callable[..., Any])


def checked_options(function: Function) -> Function:
    """Decorate a drawing function so that its keyword options are checked before it runs.

    Names and, where annotated, types (see :func:`auromat_core.check_options`):
    ``draw_stereographic(m, line_delta="five")`` is one :class:`InputError`
    naming the option, from Python as from ``auromat draw``.
    """

    @functools.wraps(function)
    def checked(*args: Any, **options: Any) -> Any:
        auromat_core.check_options("drawing function", function.__name__, function, len(args), options)
        return function(*args, **options)

    return checked  # type: ignore[return-value]


_CHANNELS = {"red": 0, "green": 1, "blue": 2}


MAX_FIGURE_PIXELS = 32768
"""Largest width or height of a figure, in pixels (the Agg renderer's limit is 65536)."""
MIN_LINE_DELTA = 0.01
"""Finest spacing of grid lines, degrees."""


def check_line_delta(line_delta: float) -> float:
    """``line_delta`` if it is a spacing of grid lines from :data:`MIN_LINE_DELTA` to 180 degrees, else an :class:`InputError`."""
    if not MIN_LINE_DELTA <= line_delta <= 180.0:
        raise InputError(f"line_delta must be from {MIN_LINE_DELTA} to 180 degrees, got {line_delta}")
    return line_delta


def check_size(width_in: float, height_in: float, dpi: float, what: str = "figure") -> None:
    """Raise :class:`InputError` unless a figure of ``width_in`` x ``height_in`` inches at ``dpi`` is positive and at most
    :data:`MAX_FIGURE_PIXELS` on each side."""
    if not (dpi > 0 and width_in > 0 and height_in > 0):
        raise InputError(f"{what} size must be positive, got {width_in:g} x {height_in:g} in at {dpi:g} dpi")
    if max(width_in, height_in) * dpi > MAX_FIGURE_PIXELS:
        raise InputError(
            f"{what} of {width_in:g} x {height_in:g} in at {dpi:g} dpi would be {width_in * dpi:.0f} x {height_in * dpi:.0f} px; "
            f"at most {MAX_FIGURE_PIXELS} px on each side"
        )


def new_figure(width: float = 8.0, height: float = 5.0, dpi: float = 100.0) -> Figure:
    """A headless figure of ``width`` x ``height`` inches (see :func:`check_size`)."""
    check_size(width, height, dpi)
    figure = Figure(figsize=(width, height), dpi=dpi)
    FigureCanvasAgg(figure)
    return figure


def members(mappings: Drawable) -> list[Mapping]:
    """The mappings of a mapping, a collection or a list of mappings/collections.

    Raises
    ------
    InputError
        If there is no mapping, or an item is not a mapping.
    """
    if isinstance(mappings, Mapping):
        found = [mappings]
    else:
        found = []
        for item in mappings:
            if isinstance(item, MappingCollection):
                found.extend(item)
            elif isinstance(item, Mapping):
                found.append(item)
            else:
                raise InputError(f"cannot draw {type(item).__name__!r}: expected a Mapping or MappingCollection")
    if not found:
        raise InputError("nothing to draw: no mapping given (empty collection or list)")
    return found


def as_drawable(mappings: Drawable | Iterable[Mapping]) -> Drawable:
    """A mapping or collection as is; any other iterable (e.g. a generator) as a list."""
    if isinstance(mappings, (Mapping, MappingCollection)):
        return mappings
    if isinstance(mappings, Iterable):
        return list(mappings)
    raise InputError(f"cannot draw {type(mappings).__name__!r}: expected a Mapping, a MappingCollection or a list")


def time_title(times: Iterable[datetime]) -> str:
    """``2011-09-18 11:54:56 UTC`` (milliseconds when there are, ``17:00:00.053``), or first and last time joined by `` - ``."""
    unique = sorted(set(times))
    if not unique:
        return ""
    if len(unique) == 1:
        return _time_label(unique[0])
    return f"{_time_label(unique[0])} - {_time_label(unique[-1])}"


def _time_label(time: datetime) -> str:
    fraction = f".{time.microsecond // 1000:03d}" if time.microsecond else ""
    return f"{time:%Y-%m-%d %H:%M:%S}{fraction} UTC"


def display_image(image: np.ndarray, channel: str | None = None) -> np.ndarray:
    """An (h, w, 3) uint8 or (h, w) image for ``imshow`` from an unsigned integer image.

    Deeper than 8 bits, the 99.5th percentile becomes white (raw sensor counts
    rarely reach the type's maximum); gray images become 2-D; ``channel``
    (``"red"``, ``"green"`` or ``"blue"``) keeps only that channel, as gray.
    """
    image = np.asarray(image)
    if image.ndim == 2:
        image = image[:, :, np.newaxis]
    if image.ndim != 3 or image.dtype.kind not in "ub":
        raise InputError(f"image must be an unsigned integer array (h, w[, c]), got {image.dtype} {image.shape}")
    if image.dtype != np.uint8:
        white = max(float(np.percentile(image[::4, ::4], 99.5)), 1.0)
        image = np.clip(image.astype(np.float32) * (255.0 / white), 0.0, 255.0).round().astype(np.uint8)
    if channel is not None:
        if channel not in _CHANNELS or _CHANNELS[channel] >= image.shape[2]:
            available = ", ".join(name for name, i in _CHANNELS.items() if i < image.shape[2]) or "none (gray image)"
            raise InputError(f"unknown image channel {channel!r}; available: {available}")
        return image[:, :, _CHANNELS[channel]]
    if image.shape[2] == 1:
        return image[:, :, 0]
    return image[:, :, :3]


MIN_PHOTO_FIGURE_WIDTH_PX = 800
"""By default an image narrower than this (a 256-pixel all-sky frame) is enlarged to it, so that labels stay readable."""


def image_figure(image: np.ndarray, *, channel: str | None = None, dpi: float = 80.0, scale: float | None = None) -> FigAx:
    """A borderless figure showing ``image`` at ``scale`` figure pixels per image pixel.

    The default ``scale`` is 1, or what makes the figure :data:`MIN_PHOTO_FIGURE_WIDTH_PX` wide.
    Data coordinates are pixel coordinates: pixel ``[row, col]`` has its center
    at ``(x=col, y=row)``, row 0 at the top.
    """
    shown = display_image(image, channel)
    height, width = shown.shape[:2]
    scale = max(1.0, MIN_PHOTO_FIGURE_WIDTH_PX / width) if scale is None else scale
    figure = new_figure(width * scale / dpi, height * scale / dpi, dpi)
    ax = figure.add_axes((0.0, 0.0, 1.0, 1.0))
    ax.imshow(shown, cmap="gray" if shown.ndim == 2 else None, interpolation="antialiased",
              extent=(-0.5, width - 0.5, height - 0.5, -0.5))
    ax.set_xlim(-0.5, width - 0.5)
    ax.set_ylim(height - 0.5, -0.5)
    ax.set_axis_off()
    return figure, ax


def as_figax(figax: FigAx | Figure) -> FigAx:
    """``(figure, axes)`` from a figure or a ``(figure, axes[, ...])`` tuple."""
    if isinstance(figax, Figure):
        return figax, (figax.axes[0] if figax.axes else None)
    if isinstance(figax, tuple) and figax and isinstance(figax[0], Figure):
        return figax[0], figax[1] if len(figax) > 1 else None
    raise InputError(f"expected a matplotlib Figure or a (figure, axes) tuple, got {type(figax).__name__}")


def close_figure(figure: Figure) -> None:
    """Release a figure (also one created through pyplot)."""
    if getattr(figure.canvas, "manager", None) is not None:
        import matplotlib.pyplot as plt

        plt.close(figure)
    figure.clear()


def image_format(path: str | os.PathLike) -> str:
    """The image format ``path``'s extension names (``png``, ``pdf``, ...), checked before anything is drawn.

    Raises
    ------
    InputError
        For a path without an extension, or one matplotlib cannot write.
    """
    name = os.path.basename(os.fspath(path))
    suffix = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if not suffix:
        raise InputError(f"save_fig: {path} has no file extension to choose the format (e.g. .png, .pdf)")
    supported = FigureCanvasAgg.get_supported_filetypes()
    if suffix not in supported:
        raise InputError(f"save_fig: cannot write {path}: format {suffix!r} is not one of {', '.join(sorted(supported))}")
    return suffix


def save_fig(
    path: str | os.PathLike,
    figax: FigAx | Figure,
    *,
    dpi: float | None = None,
    width_px: int | None = None,
    height_px: int | None = None,
    transparent: bool = False,
    bgcolor: str | None = None,
    close: bool = True,
) -> None:
    """Write a figure to ``path`` (format from the suffix) atomically, then close it.

    Parameters
    ----------
    path
        Output file; its extension chooses the format (``.png``, ``.jpg``, ``.pdf``, ``.svg``, ...).
    figax
        A figure or the ``(figure, axes)`` a style returns.
    dpi, width_px, height_px
        At most one: the resolution, or the output width or height in pixels.
    transparent
        Transparent background.
    bgcolor
        Figure background colour (default: the figure's own).
    close
        Close the figure after writing.
    """
    figure, _ = as_figax(figax)
    chosen = [name for name, value in (("dpi", dpi), ("width_px", width_px), ("height_px", height_px)) if value is not None]
    if len(chosen) > 1:
        raise InputError(f"save_fig: give at most one of dpi, width_px, height_px (got {', '.join(chosen)})")
    width_in, height_in = figure.get_size_inches()
    if width_px is not None:
        dpi = width_px / width_in
    elif height_px is not None:
        dpi = height_px / height_in
    check_size(width_in, height_in, figure.dpi if dpi is None else dpi, f"image {os.fspath(path)}")
    options: dict[str, Any] = {"format": image_format(path), "transparent": transparent, "dpi": dpi or "figure"}
    if bgcolor is not None:
        options["facecolor"] = bgcolor
    try:
        with atomic_output(path) as temporary:
            figure.savefig(temporary, **options)
    except ValueError as error:
        raise InputError(f"save_fig: cannot write {path}: {error}") from error
    finally:
        if close:
            close_figure(figure)
    log.debug("wrote %s", path)


def time_axis(ax: Axes, axis: str = "x") -> None:
    """Format an axis of datetimes concisely."""
    import matplotlib.dates as mdates

    locator = mdates.AutoDateLocator()
    target = ax.xaxis if axis == "x" else ax.yaxis
    target.set_major_locator(locator)
    target.set_major_formatter(mdates.ConciseDateFormatter(locator))
