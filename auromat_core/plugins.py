"""Plugin discovery and the registries of named contributions.

Plugins are the built-in modules of :data:`BUILTIN_PLUGINS` plus every entry
point of the group ``auromat``. A plugin that raises on import or inside a hook
is reported (a :class:`PluginLoadWarning` naming it, and an entry in
``auromat plugins``) while the others keep working. ``AUROMAT_LOAD_PLUGINS=a,b``
loads only the named entry points (an empty value loads none).
"""

from __future__ import annotations

import importlib
import importlib.metadata
import logging
import os
import warnings
from typing import Any

import attrs
import pluggy

from . import hookspecs
from .errors import PluginError, UnknownNameError

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "auromat"
LOAD_PLUGINS_ENV = "AUROMAT_LOAD_PLUGINS"
BUILTIN_PLUGINS: tuple[str, ...] = ("auromat_core.magnetic", "auromat_core.convert")

FIRST_PARTY_PACKAGES: dict[str, dict[str, str]] = {
    "provider": {
        "spacecraft": "auromat-spacecraft",
        "esa-iss": "auromat-iss",
        "themis": "auromat-themis",
        "cdf": "auromat-cdf",
        "netcdf": "auromat-netcdf",
    },
    "exporter": {"cdf": "auromat-cdf", "netcdf": "auromat-netcdf"},
    "solver": {"astrometry.net": "auromat-spacecraft"},
    "draw style": {
        name: "auromat-maps"
        for name in (
            "stereographic", "mlat-mlt-stereographic", "mlat-mlt-polar", "plot",
            "grid-overlay", "horizon", "reference-stars", "date", "cities",
            "astrometry-pixel-scales", "astrometry-rotation-angles", "ra-dec",
            "camera-footpoints", "keogram",
        )
    },
    "magnetic model": {},
}
"""Names contributed by first-party plugins, to tell users what to install (``tests/plugins/test_first_party_names.py`` keeps it exact)."""


class PluginLoadWarning(RuntimeWarning):
    """A plugin could not be loaded or one of its hooks failed."""


@attrs.frozen
class Registration:
    """One named contribution of a plugin."""

    kind: str
    name: str
    obj: Any
    description: str
    plugin: str


@attrs.frozen
class PluginFailure:
    """A plugin that raised while importing or inside a hook."""

    plugin: str
    stage: str
    error: str


@attrs.frozen
class PluginInfo:
    """What ``auromat plugins`` reports about one loaded plugin."""

    name: str
    version: str | None
    hooks: tuple[str, ...]


class Plugins:
    """The plugin manager and the registries it fills.

    Parameters
    ----------
    load_entry_points
        Whether to load installed plugins (entry points of group ``auromat``);
        tests pass False to get an isolated manager with the built-ins only.
    """

    def __init__(self, load_entry_points: bool = True) -> None:
        self.pm = pluggy.PluginManager("auromat")
        self.pm.add_hookspecs(hookspecs)
        self.failures: list[PluginFailure] = []
        self._versions: dict[str, str | None] = {}
        self._registry: dict[str, dict[str, Registration]] | None = None
        for module_name in BUILTIN_PLUGINS:
            try:
                module = importlib.import_module(module_name)
            except Exception as error:  # a broken built-in must not break the others
                self._fail(module_name, "import", error)
                continue
            self.pm.register(module, name=module_name)
            self._versions[module_name] = _distribution_version("auromat-core")
        if load_entry_points:
            self._load_entry_points()

    def register(self, plugin: object, name: str | None = None) -> str:
        """Register a plugin object (a module or an instance with hookimpls)."""
        plugin_name = self.pm.register(plugin, name=name)
        self._registry = None
        return plugin_name

    def unregister(self, name: str) -> None:
        """Remove a registered plugin by name."""
        self.pm.unregister(name=name)
        self._registry = None

    def _load_entry_points(self) -> None:
        selected = os.environ.get(LOAD_PLUGINS_ENV)
        allowed = None if selected is None else {s.strip() for s in selected.split(",") if s.strip()}
        for entry_point in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP):
            if allowed is not None and entry_point.name not in allowed:
                continue
            if self.pm.has_plugin(entry_point.name):
                continue
            try:
                plugin = entry_point.load()
            except Exception as error:  # a broken plugin must not break the others
                self._fail(entry_point.name, "import", error)
                continue
            self.pm.register(plugin, name=entry_point.name)
            self._versions[entry_point.name] = entry_point.dist.version if entry_point.dist else None

    def _fail(self, plugin: str, stage: str, error: BaseException) -> None:
        message = f"{type(error).__name__}: {error}"
        self.failures.append(PluginFailure(plugin, stage, message))
        warnings.warn(f"auromat plugin {plugin!r} failed ({stage}): {message}", PluginLoadWarning, stacklevel=3)

    def _collect(self) -> dict[str, dict[str, Registration]]:
        registry: dict[str, dict[str, Registration]] = {kind: {} for kind in hookspecs.HOOK_KINDS.values()}
        for hook_name, kind in hookspecs.HOOK_KINDS.items():
            for impl in getattr(self.pm.hook, hook_name).get_hookimpls():
                plugin = impl.plugin_name

                def register(name: str, obj: Any, description: str = "", *, _kind=kind, _plugin=plugin) -> None:
                    existing = registry[_kind].get(name)
                    if existing is not None:
                        raise PluginError(
                            f"{_kind} {name!r} is registered twice: by plugin {existing.plugin!r} "
                            f"and by plugin {_plugin!r}"
                        )
                    registry[_kind][name] = Registration(_kind, name, obj, description, _plugin)

                try:
                    impl.function(register=register)
                except PluginError:
                    raise
                except Exception as error:  # isolate a failing hook
                    self._fail(plugin, hook_name, error)
        return registry

    def registrations(self, kind: str) -> dict[str, Registration]:
        """All registrations of one kind (``"provider"``, ``"exporter"``, ...), by name."""
        if self._registry is None:
            self._registry = self._collect()
        return self._registry[kind]

    def lookup(self, kind: str, name: str) -> Registration:
        """The registration of ``name``; an :class:`UnknownNameError` lists the alternatives."""
        found = self.registrations(kind)
        if name in found:
            return found[name]
        available = ", ".join(sorted(found)) or "none"
        message = f"unknown {kind} {name!r}; available: {available}"
        package = FIRST_PARTY_PACKAGES.get(kind, {}).get(name)
        if package:
            message += f" (install it with: pip install {package})"
        raise UnknownNameError(message)

    def plugin_infos(self) -> list[PluginInfo]:
        """Name, version and implemented hooks of every loaded plugin."""
        infos = []
        for name, plugin in self.pm.list_name_plugin():
            callers = self.pm.get_hookcallers(plugin) or []
            hooks = tuple(sorted(caller.name for caller in callers))
            infos.append(PluginInfo(name, self._versions.get(name), hooks))
        return sorted(infos, key=lambda info: info.name)

    def add_commands(self, cli: Any) -> None:
        """Let every plugin add its sub-commands to ``cli``."""
        for impl in self.pm.hook.register_commands.get_hookimpls():
            try:
                impl.function(cli=cli)
            except Exception as error:
                self._fail(impl.plugin_name, "register_commands", error)


def _distribution_version(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


_current: Plugins | None = None


def get_plugins() -> Plugins:
    """The process-wide plugin manager, loaded on first use."""
    global _current
    if _current is None:
        _current = Plugins()
    return _current


def set_plugins(plugins: Plugins | None) -> Plugins | None:
    """Replace the process-wide plugin manager (``None`` reloads on next use); returns the old one."""
    global _current
    previous, _current = _current, plugins
    return previous


