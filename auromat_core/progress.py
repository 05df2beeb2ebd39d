"""Progress of long work on stderr: a bar on a terminal, plain status lines in a log file."""

from __future__ import annotations

import io
import sys
from collections.abc import Iterable
from typing import IO, Any

from tqdm import tqdm

LOG_INTERVAL_SECONDS = 30.0
"""Seconds between status lines when stderr is not a terminal (a batch job's log, a pipe)."""
LOG_FORMAT = "{{desc}}: {count} ({{percentage:.0f}}%), {{rate_fmt}}, {{elapsed}} elapsed, {{remaining}} left"
"""A status line in a log: the count, rate and time left of the bar, without the bar."""


def progress_bar(iterable: Iterable[Any] | None = None, *, enabled: bool = True, **options: Any) -> tqdm:
    """A :class:`tqdm.tqdm` on stderr for ``iterable`` (or ``total=`` updates); ``options`` as tqdm takes them.

    On a terminal it is tqdm's bar. Elsewhere it writes a line at the start, one
    every :data:`LOG_INTERVAL_SECONDS` and one at the end, instead of redrawing a
    line with carriage returns that a log file would keep; a transient bar
    (``leave=False``, e.g. of one file's bytes) shows only on a terminal.
    ``enabled=False`` shows nothing.
    """
    stream = sys.stderr
    terminal = stream is not None and _is_terminal(stream)
    if not enabled or stream is None or not (terminal or options.get("leave", True)):
        return tqdm(iterable, disable=True, **options)
    if terminal:
        return tqdm(iterable, file=stream, **options)
    options.pop("dynamic_ncols", None)
    count = "{n_fmt}{unit}/{total_fmt}{unit}" if options.get("unit_scale") else "{n_fmt}/{total_fmt} {unit}s"
    return tqdm(
        iterable, file=_Lines(stream), mininterval=LOG_INTERVAL_SECONDS, maxinterval=LOG_INTERVAL_SECONDS,
        bar_format=LOG_FORMAT.format(count=count), **options,
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
