"""Options of commands, providers and styles: UTC times, command-line ``KEY=VALUE`` pairs, checked numbers and booleans."""

from __future__ import annotations

import json
import math
import numbers
import os
import re
import types
import typing
from collections.abc import Iterable, Sequence
from collections.abc import Mapping as MappingABC
from datetime import datetime, timedelta
from typing import Any

import click
import numpy as np

from .errors import InputError
from .timeutil import as_utc


class UtcTime(click.ParamType):
    """A UTC time on the command line: ISO 8601 with ``T`` or a space, down to a date or to microseconds.

    A ``Z`` or an offset such as ``+00:00`` is accepted and the time converted to
    UTC; the value is a naive UTC :class:`~datetime.datetime`. The end of a
    period (``end=True``) is the last microsecond of the unit written:
    ``2011-01-06`` is the whole day, ``17:00`` the whole minute, ``17:00:30``
    the whole second (a frame at 17:00:30.021 is in it).
    """

    name = "time"

    def __init__(self, end: bool = False) -> None:
        self.end = end

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> datetime:
        if isinstance(value, datetime):
            return value
        text = str(value).strip()
        try:
            time = datetime.fromisoformat(text)
        except ValueError:
            self.fail(f"{value!r} is not a time such as 2011-09-18T11:54:00 or 2011-09-18 (UTC; Z or +00:00 may follow)", param, ctx)
        if self.end:
            time += _written_unit(text) - timedelta(microseconds=1)
        return as_utc(time)


def _written_unit(text: str) -> timedelta:
    """The unit of the last field of an ISO time: a day, hour, minute, second or a decimal fraction of one."""
    clock = _CLOCK.match(text, _date_length(text) + 1)
    if clock is None:
        return timedelta(days=1)
    if clock.group("minute") is None:
        return timedelta(hours=1)
    if clock.group("second") is None:
        return timedelta(minutes=1)
    digits = len(clock.group("fraction") or "")
    return timedelta(microseconds=10 ** max(6 - digits, 0))


def _date_length(text: str) -> int:
    """Characters of the date that starts an ISO time, as :meth:`datetime.fromisoformat` reads it.

    ``2011-01-06`` and ``2011-W01-4`` have 10, ``20110106``, ``2011W014`` and ``2011-W01`` 8.
    """
    if text[4:5] != "-":
        return 8
    if text[5:6] == "W" and text[8:9] != "-":
        return 8
    return 10


_CLOCK = re.compile(r"(?P<hour>\d\d)(?::?(?P<minute>\d\d)(?::?(?P<second>\d\d)(?:[.,](?P<fraction>\d+))?)?)?")

UTC_TIME = UtcTime()
"""The type of the time options of the commands (``--start``, ``--time``)."""
UTC_END = UtcTime(end=True)
"""The type of ``--end``: inclusive to the last microsecond of the unit written."""


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
        if key in options:
            raise InputError(f"{flag} {key} is given twice ({key}={options[key]!r} and {pair!r}); give it once")
        try:
            options[key] = json.loads(value)
        except json.JSONDecodeError:
            options[key] = value
    return options


def provider_options(altitude: float | None, pairs: Iterable[str]) -> dict[str, Any]:
    """Options of a provider from ``--altitude`` (None: the provider's default) and ``-p KEY=VALUE`` pairs.

    Raises
    ------
    InputError
        When both give the altitude.
    """
    options = parse_key_values(pairs, "--provider-option")
    if altitude is not None and "altitude" in options:
        raise InputError(f"the altitude is given twice (--altitude {altitude:g} and -p altitude={options['altitude']!r}); give it once")
    return {**({} if altitude is None else {"altitude": altitude}), **options}


def type_mismatch(annotation: Any, value: Any) -> str | None:
    """What ``value`` should be for a parameter annotated ``annotation``, or None when it fits or the type is not checked.

    Checked are ``bool``, ``int``, ``float``, ``str``, ``dict`` and
    fixed-length ``tuple[float, float, ...]``, optionally ``| None`` or
    ``Optional[...]`` (JSON from the command line: ``true``, ``5``, ``"gray"``,
    ``[62, -145]``). From Python, numpy numbers and booleans count as numbers
    and booleans (a boolean is not a number), a path as a string, any mapping
    as a dict and any sequence or 1-d array as a tuple.
    """
    union = isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union
    kinds = typing.get_args(annotation) if union else (annotation,)
    if value is None and type(None) in kinds:
        return None
    kinds = tuple(kind for kind in kinds if kind is not type(None))
    if len(kinds) != 1:
        return None
    kind, origin = kinds[0], typing.get_origin(kinds[0])
    if kind is bool:
        return None if isinstance(value, (bool, np.bool_)) else "true or false"
    if kind is int:
        return None if _is_number(value, numbers.Integral) else "a whole number"
    if kind is float:
        return None if _is_number(value, numbers.Real) else "a number"
    if kind is str:
        return None if isinstance(value, (str, os.PathLike)) else "a string"
    if kind is dict or origin is dict:
        return None if isinstance(value, MappingABC) else "a JSON object, e.g. {\"labels\": 5}"
    arguments = typing.get_args(kind)
    if origin is tuple and arguments and Ellipsis not in arguments and all(arg is float for arg in arguments):
        fits = _is_sequence(value) and len(value) == len(arguments) and all(_is_number(v, numbers.Real) for v in value)
        return None if fits else f"a list of {len(arguments)} numbers"
    return None


def _is_number(value: Any, kind: type) -> bool:
    return isinstance(value, kind) and not isinstance(value, (bool, np.bool_))


def _is_sequence(value: Any) -> bool:
    """A list, tuple, other sequence or 1-d array, not a string."""
    if isinstance(value, np.ndarray):
        return value.ndim == 1
    return isinstance(value, Sequence) and not isinstance(value, (str, bytes))


def number_option(name: str, value: Any, low: float | None = None, high: float | None = None) -> float:
    """``value`` as a finite float within ``[low, high]`` (None: open).

    Raises
    ------
    InputError
        Naming the option, for a value that is not a number (true and false
        are not) or out of range.
    """
    try:
        number = math.nan if isinstance(value, bool) else float(value)
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


__all__ = [
    "UTC_END",
    "UTC_TIME",
    "UtcTime",
    "bool_option",
    "check_period",
    "instance_option",
    "number_option",
    "parse_key_values",
    "path_option",
    "provider_options",
    "type_mismatch",
]
