"""The settings a conversion's files were made with, recorded in their folder.

Re-running ``auromat convert`` skips the files that exist, which is only
right when they were made with the same settings. Each conversion therefore
records its provider, provider options, exporter options and resampling in
``<out>/.auromat-convert-<format>.json``; a later run into that folder with
other settings is refused (naming what differs) unless it overwrites the
files. Options are recorded with the defaults of the provider and exporter
filled in, so that giving a default explicitly is no difference.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Mapping as MappingABC
from pathlib import Path
from typing import Any

from .errors import InputError
from .io import atomic_output
from .registry import exporter_options_of, provider_options_of

SETTINGS_NAME = ".auromat-convert-{format}.json"


def settings_path(out_dir: Path, format: str) -> Path:
    """Where the settings of the ``format`` files of ``out_dir`` are recorded."""
    return out_dir / SETTINGS_NAME.format(format=format)


def conversion_settings(
    provider: str, factory: Any, provider_options: MappingABC[str, Any], exporter: Any, export_options: MappingABC[str, Any],
    resample: MappingABC[str, Any] | None,
) -> dict[str, Any]:
    """The settings that decide the contents of the files, as JSON values (defaults filled in)."""
    settings = {
        "provider": provider,
        "provider_options": {**_defaults(provider_options_of(factory)), **provider_options},
        "export_options": {**_defaults(exporter_options_of(exporter)), **export_options},
        "resample": None if resample is None else dict(resample),
    }
    return json.loads(json.dumps(settings, default=str))


def _defaults(known: dict[str, Any] | None) -> dict[str, Any]:
    return {} if known is None else {name: value for name, value in known.items() if value is not inspect.Parameter.empty}


def check_settings(out_dir: Path, format: str, settings: dict[str, Any]) -> None:
    """Raise :class:`InputError` if the ``format`` files of ``out_dir`` were made with other ``settings``."""
    path = settings_path(out_dir, format)
    try:
        recorded = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return
    except (OSError, ValueError) as error:
        raise InputError(f"{path}: not a readable record of conversion settings ({error}); remove it to convert anyway") from None
    differences = _differences(recorded, settings)
    if differences:
        raise InputError(
            f"{out_dir} holds {format} files converted with other settings ({'; '.join(differences)}): "
            "choose another --out, or --overwrite to convert them all again"
        )


def _differences(recorded: Any, wanted: Any, where: str = "") -> list[str]:
    if isinstance(recorded, dict) and isinstance(wanted, dict):
        found: list[str] = []
        for key in [*wanted, *(key for key in recorded if key not in wanted)]:
            found += _differences(recorded.get(key), wanted.get(key), key if where in ("", "provider_options", "export_options") else f"{where}.{key}")
        return found
    if recorded == wanted:
        return []
    return [f"{where or 'settings'}: {json.dumps(recorded)} then, {json.dumps(wanted)} now"]


def record_settings(out_dir: Path, format: str, settings: dict[str, Any]) -> Path:
    """Record ``settings`` for the ``format`` files of ``out_dir`` (atomically)."""
    path = settings_path(out_dir, format)
    with atomic_output(path) as temporary:
        temporary.write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")
    return path
