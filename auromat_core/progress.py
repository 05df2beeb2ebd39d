"""Progress of long work on stderr: a bar on a terminal, plain status lines in a log file."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterable, Sized
from typing import IO, Any

from tqdm import tqdm
from tqdm.auto import tqdm as notebook_tqdm

LOG_INTERVAL_SECONDS = 30.0
"""Seconds between status lines when stderr is not a terminal (a batch job's log, a pipe)."""
LOG_FORMAT = "{{desc}}: {count}, {{rate_fmt}}, {{elapsed}} elapsed{left}"
"""A status line in a log: the count, rate and time left of the bar, without the bar."""


def progress_bar(iterable: Iterable[Any] | None = None, *, enabled: bool = True, **options: Any) -> tqdm:
    """A :class:`tqdm.tqdm` on stderr for ``iterable`` (or ``total=`` updates); ``options`` as tqdm takes them.

    On a terminal it is tqdm's bar, in a Jupyter notebook its widget. Elsewhere it
    writes a line at the start, one every :data:`LOG_INTERVAL_SECONDS` and one at
    the end, instead of redrawing a line with carriage returns that a log file
    would keep; a transient bar (``leave=False``, e.g. of one file's bytes) shows
    only on a terminal. ``enabled=False`` shows nothing.
    """
    stream = sys.stderr
    terminal = stream is not None and _is_terminal(stream)
    if not enabled or stream is None or not (terminal or options.get("leave", True)):
        return tqdm(iterable, disable=True, **options)
    if terminal:
        return tqdm(iterable, file=stream, **options)
    if "ipykernel" in sys.modules:
        return notebook_tqdm(iterable, **options)
    options.pop("dynamic_ncols", None)
    total = options.get("total", len(iterable) if isinstance(iterable, Sized) else None)
    scaled = options.get("unit_scale")
    if total is None:
        count, left = ("{n_fmt}{unit}" if scaled else "{n_fmt} {unit}s"), ""
    else:
        count = "{n_fmt}{unit}/{total_fmt}{unit}" if scaled else "{n_fmt}/{total_fmt} {unit}s"
        count, left = count + " ({percentage:.0f}%)", ", {remaining} left"
    return tqdm(
        iterable, file=_Lines(stream), mininterval=LOG_INTERVAL_SECONDS, maxinterval=LOG_INTERVAL_SECONDS,
        bar_format=LOG_FORMAT.format(count=count, left=left), **options,
    )


def _is_terminal(stream: IO[str]) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # a closed or unusual stream
        return False


class _Lines(io.TextIOBase):
    """What tqdm writes, one status per line: its carriage returns and blanking spaces dropped."""

    def __init__(self, stream: IO[str]) -> None:
        super().__init__()
        self.stream = stream

    def write(self, text: str) -> int:
        status = text.replace("\r", "").strip()
        if status:
            self.stream.write(status + "\n")
            self.stream.flush()
        return len(text)

    def flush(self) -> None:
        self.stream.flush()


__all__ = [
    "LOG_INTERVAL_SECONDS",
    "progress_bar",
]
