"""Options of commands, providers and styles: UTC times, command-line ``KEY=VALUE`` pairs, checked numbers and booleans."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable
from datetime import datetime
from typing import Any

import click

from .errors import InputError
from .timeutil import as_utc


class UtcTime(click.ParamType):
    """A UTC time on the command line: ISO 8601 with ``T`` or a space, down to a date or to microseconds.

    A ``Z`` or an offset such as ``+00:00`` is accepted and the time converted to
    UTC; the value is a naive UTC :class:`~datetime.datetime`.
    """

    name = "time"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            return as_utc(datetime.fromisoformat(str(value).strip()))
        except ValueError:
            self.fail(f"{value!r} is not a time such as 2011-09-18T11:54:00 or 2011-09-18 (UTC; Z or +00:00 may follow)", param, ctx)


UTC_TIME = UtcTime()
"""The type of every time option of the commands (``--start``, ``--end``, ``--time``)."""


def check_period(start: datetime | None, end: datetime | None) -> None:
    """Reject ``--end`` before ``--start`` (either may be open) as a usage error of the command."""
    if start is not None and end is not None and end < start:
        raise click.BadParameter(f"--end {end.isoformat()} is before --start {start.isoformat()}", param_hint="--end")


def parse_key_values(pairs: Iterable[str], flag: str) -> dict[str, Any]:
    """``KEY=VALUE`` pairs as keyword options; VALUE is JSON where it parses, else a string.

    Dashes in keys become underscores (``allow-later-skymap=true`` is
    ``allow_later_skymap=True``). ``flag`` names the option in error messages.
    """
    options: dict[str, Any] = {}
    for pair in pairs:
        key, separator, value = pair.partition("=")
        key = key.strip().replace("-", "_")
        if not separator or not key.isidentifier():
            raise InputError(f"{flag} {pair!r}: expected KEY=VALUE, e.g. {flag} max_time_offset=5")
        try:
            options[key] = json.loads(value)
        except json.JSONDecodeError:
            options[key] = value
    return options


def provider_options(altitude: float | None, pairs: Iterable[str]) -> dict[str, Any]:
    """Options of a provider from ``--altitude`` (None: the provider's default) and ``-p KEY=VALUE`` pairs."""
    return {**({} if altitude is None else {"altitude": altitude}), **parse_key_values(pairs, "--provider-option")}


def number_option(name: str, value: Any, low: float | None = None, high: float | None = None) -> float:
    """``value`` as a finite float within ``[low, high]`` (None: open).

    Raises
    ------
    InputError
        Naming the option, for a value that is not a number or out of range.
    """
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number) or (low is not None and number < low) or (high is not None and number > high):
        bounds = " and ".join(text for text in (low is not None and f">= {low:g}", high is not None and f"<= {high:g}") if text)
        raise InputError(f"{name} must be a number{' ' + bounds if bounds else ''}, got {value!r}")
    return number


def bool_option(name: str, value: Any) -> bool:
    """``value`` as a bool: True or False (``-p name=true|false`` on the command line).

    Raises
    ------
    InputError
        Naming the option, for anything else (a string such as ``'tru'`` would otherwise be true).
    """
    if isinstance(value, bool):
        return value
    raise InputError(f"{name} must be true or false, got {value!r}")


def instance_option(name: str, value: Any, kind: type) -> Any:
    """``value`` if it is None or a ``kind`` (an option only Python code can set).

    Raises
    ------
    InputError
        Naming the option and the expected class, for anything else (e.g. a
        number or a string given as ``-p name=...`` on the command line).
    """
    if value is None or isinstance(value, kind):
        return value
    raise InputError(f"{name} must be a {kind.__name__} object (set it from Python, not with -p), got {value!r}")


def path_option(name: str, value: Any) -> Any:
    """``value`` if it is None, a string or a path.

    Raises
    ------
    InputError
        Naming the option, for anything else (e.g. ``-p tle_folder=5``, which JSON makes a number).
    """
    if value is None or isinstance(value, (str, os.PathLike)):
        return value
    raise InputError(f"{name} must be a file or folder path, got {value!r}")
