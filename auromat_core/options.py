"""Command-line ``KEY=VALUE`` options, for provider and style options a command does not name."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from .errors import InputError


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
