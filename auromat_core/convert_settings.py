"""The settings a conversion's files were made with, recorded in their folder.

Re-running ``auromat convert`` skips the files that exist, which is only
right when they were made with the same settings. Each conversion therefore
records its provider, provider options, exporter options and resampling in
``<out>/.auromat-convert-<format>.json``; a later run into that folder with
other settings is refused (naming what differs) unless it overwrites the
files.

- Options are recorded with the defaults of the provider and exporter filled
  in, so giving a default explicitly is no difference; an option the record
  lacks (one added by a later version) counts as its default then.
- An option value naming an existing file or folder is recorded as its
  absolute path, so a relative path means the same from any folder.
- A run that overwrites files of other settings marks the record unfinished
  until it has converted every frame of the data without a failure: until
  then the folder may hold files of both settings, and only another
  overwriting run is accepted.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import os
from collections.abc import Mapping as MappingABC
from pathlib import Path
from typing import Any

import attrs

from .errors import InputError
from .io import atomic_output
from .output_folder import is_complete
from .registry import exporter_options_of, provider_options_of

SETTINGS_NAME = ".auromat-convert-{format}.json"
UNFINISHED_KEY = "unfinished_overwrite"
"""Set in a record while an overwriting run has not yet converted every frame."""
_OPTION_GROUPS = ("provider_options", "export_options")


@attrs.frozen
class ConversionSettings:
    """What decides the contents of a conversion's files (JSON values), and the defaults of its options."""

    values: dict[str, Any]
    defaults: dict[str, dict[str, Any]]

    @classmethod
    def of(
        cls, provider: str, factory: Any, provider_options: MappingABC[str, Any], exporter: Any, export_options: MappingABC[str, Any],
        resample: MappingABC[str, Any] | None,
    ) -> ConversionSettings:
        defaults = {"provider_options": _defaults(provider_options_of(factory)), "export_options": _defaults(exporter_options_of(exporter))}
        values = {
            "provider": provider,
            "provider_options": {**defaults["provider_options"], **provider_options},
            "export_options": {**defaults["export_options"], **export_options},
            "resample": None if resample is None else dict(resample),
        }
        return cls(_as_json(values), _as_json(defaults))


def settings_path(out_dir: Path, format: str) -> Path:
    """Where the settings of the ``format`` files of ``out_dir`` are recorded."""
    return out_dir / SETTINGS_NAME.format(format=format)


def _defaults(known: dict[str, Any] | None) -> dict[str, Any]:
    return {} if known is None else {name: value for name, value in known.items() if value is not inspect.Parameter.empty}


def _as_json(value: Any) -> Any:
    """``value`` as JSON values; strings and paths naming an existing file or folder become absolute paths."""
    if isinstance(value, MappingABC):
        return {str(key): _as_json(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_as_json(item) for item in value]
    if isinstance(value, (str, os.PathLike)) and str(value) and os.path.exists(value):
        return str(Path(value).resolve())
    return json.loads(json.dumps(value, default=str))


def read_record(out_dir: Path, format: str) -> dict[str, Any] | None:
    """The recorded settings of the ``format`` files of ``out_dir``, None without a record.

    Raises
    ------
    InputError
        For a record that cannot be read.
    """
    path = settings_path(out_dir, format)
    try:
        recorded = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        raise InputError(f"{path}: not a readable record of conversion settings ({error}); remove it to convert anyway") from None
    if not isinstance(recorded, dict):
        raise InputError(f"{path}: not a record of conversion settings (a JSON object expected); remove it to convert anyway")
    return recorded


EXPORT_OPTION_FLAGS = {
    "compression": "--compression", "coordinate_precision": "--precision, --exact-coordinates",
    "float32_coordinates": "--float32-coordinates", "include_bounds": "--without-bounds", "include_mag": "--without-mag",
    "include_geo": "--without-geo",
}
"""The ``auromat convert`` flags that set each standard exporter option."""
_FLAGS = {"export_options": EXPORT_OPTION_FLAGS, "provider_options": {"altitude": "--altitude"}}
"""The flags that set a setting (a provider option without one is ``-p NAME``)."""


def differences(recorded: dict[str, Any], settings: ConversionSettings) -> list[str]:
    """What differs between ``recorded`` and ``settings``, e.g. ``altitude (--altitude): 110.0 then, 120.0 now``."""
    found = []
    for key, wanted in settings.values.items():
        then = recorded.get(key)
        if key in _OPTION_GROUPS and isinstance(then, dict):
            then = {**settings.defaults[key], **then}  # an option added since counts as its default then
            found += [_difference(_named(key, name), then.get(name), value) for name, value in wanted.items() if then.get(name) != value]
            found += [_difference(_named(key, name), value, None) for name, value in then.items() if name not in wanted]
        elif then != wanted:
            found.append(_difference("resample (--resample ...)" if key == "resample" else key, then, wanted))
    return found


def _named(group: str, name: str) -> str:
    flag = _FLAGS[group].get(name, f"-p {name}" if group == "provider_options" else None)
    return f"{name} ({flag})" if flag else name


def _difference(name: str, then: Any, now: Any) -> str:
    return f"{name}: {json.dumps(then)} then, {json.dumps(now)} now"


def check_settings(out_dir: Path, format: str, settings: ConversionSettings, extension: str) -> None:
    """Raise :class:`InputError` if the ``format`` files of ``out_dir`` may have been made with other ``settings``.

    A record is only checked while ``out_dir`` holds a complete file ending in
    ``extension``: a run that wrote none (every frame failed, or it was stopped
    first) leaves nothing that other settings would mix with.
    """
    recorded = read_record(out_dir, format)
    if recorded is None or not any(is_complete(path) for path in out_dir.glob(f"[!.]*{extension}")):
        return
    found = differences(recorded, settings)
    if found:
        raise InputError(
            f"{out_dir} holds {format} files converted with other settings ({'; '.join(found)}): "
            "choose another --out, or --overwrite to convert them all again"
        )
    if recorded.get(UNFINISHED_KEY):
        raise InputError(
            f"{out_dir}: a conversion with --overwrite into it did not convert every frame, so some {format} files may "
            "hold earlier settings: run it again with --overwrite"
        )


def record_settings(out_dir: Path, format: str, settings: ConversionSettings, unfinished: bool = False) -> Path:
    """Record ``settings`` for the ``format`` files of ``out_dir`` (atomically), marked ``unfinished`` if so.

    An equal record is left as it is, so re-running a finished conversion needs no write access.
    """
    path = settings_path(out_dir, format)
    text = json.dumps({**settings.values, **({UNFINISHED_KEY: True} if unfinished else {})}, indent=2) + "\n"
    with contextlib.suppress(OSError, UnicodeDecodeError):
        if path.read_text(encoding="utf-8") == text:
            return path
    with atomic_output(path) as temporary:
        temporary.write_text(text, encoding="utf-8")
    return path
