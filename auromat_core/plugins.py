"""Plugin discovery and the registries of named contributions.

Plugins are the built-in modules of :data:`BUILTIN_PLUGINS` plus every entry
point of the group ``auromat``. A plugin that raises on import, implements a
hook the specification does not know or with other arguments, or raises inside
a hook is reported (a :class:`PluginLoadWarning` naming it, and an entry in
``auromat plugins``) while the others keep working. A name registered by two
plugins is unusable, and asking for it is an error naming both; the plugins'
other names keep working. ``AUROMAT_LOAD_PLUGINS=a,b`` loads only the named
entry points (an empty value loads none).
"""

from __future__ import annotations

import difflib
import importlib
import importlib.metadata
import inspect
import logging
import os
import re
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

NOT_INSTALLED_HINT = "plugins are separate packages: `auromat plugins` lists the installed ones, the README the others"
"""Said of a name no installed plugin registers (the core does not know which package would)."""


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
    distribution: str | None = None
    """The installed package that provides it (what ``pip`` calls it)."""


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
        self._distributions: dict[str, tuple[str | None, str | None]] = {}
        self._registry: dict[str, dict[str, Registration]] | None = None
        self._conflicts: dict[str, dict[str, str]] = {}
        for module_name in BUILTIN_PLUGINS:
            try:
                self.register(importlib.import_module(module_name), name=module_name)
            except Exception as error:  # a broken built-in must not break the others
                self._fail(module_name, "import", error)
                continue
            self._distributions[module_name] = ("auromat-core", _distribution_version("auromat-core"))
        if load_entry_points:
            self._load_entry_points()

    def register(self, plugin: object, name: str | None = None) -> str:
        """Register a plugin object (a module or an instance with hookimpls).

        Raises
        ------
        PluginError
            If a hook has arguments its specification lacks, or is not a hook of
            the specification (naming the closest one); nothing is registered then.
        """
        try:
            plugin_name = self.pm.register(plugin, name=name)
        except pluggy.PluginValidationError as error:
            if self.pm.is_registered(plugin):  # pluggy validates each hook as it adds it
                self.pm.unregister(plugin)
            raise PluginError("; ".join(line.strip() for line in str(error).splitlines() if line.strip())) from None
        unknown = [caller.name for caller in self.pm.get_hookcallers(plugin) or [] if not caller.has_spec() and not _optional(caller, plugin)]
        if unknown:
            self.pm.unregister(plugin)
            raise PluginError("; ".join(self._unknown_hook(hook) for hook in sorted(unknown)))
        self._registry = None
        return plugin_name

    def _unknown_hook(self, hook: str) -> str:
        known = self._hook_names()
        close = difflib.get_close_matches(hook, known, n=1)
        return f"{hook} is not an auromat hook" + (f" (did you mean {close[0]}?)" if close else f"; the hooks are: {', '.join(sorted(known))}")

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
            try:
                self.register(plugin, name=entry_point.name)
            except (PluginError, ValueError) as error:  # ValueError: one module under two names
                self._fail(entry_point.name, "register", error)
                continue
            if not self.pm.get_hookcallers(plugin):
                self.pm.unregister(plugin)
                self._fail(entry_point.name, "register", PluginError(self._no_hooks(entry_point.value, plugin)))
                continue
            dist = entry_point.dist
            self._distributions[entry_point.name] = (dist.name, dist.version) if dist else (None, None)

    def _no_hooks(self, where: str, plugin: object) -> str:
        """Why the plugin ``where`` implements no hook: functions named as hooks lack the marker, or the entry point names another module."""
        unmarked = [name for name in self._hook_names() if callable(getattr(plugin, name, None))]
        if unmarked:
            return f"{where}: {', '.join(unmarked)} {'is' if len(unmarked) == 1 else 'are'} not marked with @auromat_core.hookimpl"
        return f"{where} implements no auromat hook: the entry point must name the module with the @hookimpl functions"

    def _hook_names(self) -> list[str]:
        return sorted(name for name, caller in vars(self.pm.hook).items() if isinstance(caller, pluggy.HookCaller) and caller.has_spec())

    def _fail(self, plugin: str, stage: str, error: BaseException) -> None:
        message = str(error) if isinstance(error, PluginError) else f"{type(error).__name__}: {error}"
        failure = PluginFailure(plugin, stage, message)
        if failure in self.failures:  # the hooks run again after each registration change
            return
        self.failures.append(failure)
        warnings.warn(f"auromat plugin {plugin!r} failed ({stage}): {message}", PluginLoadWarning, stacklevel=3)

    def _collect(self) -> tuple[dict[str, dict[str, Registration]], dict[str, dict[str, str]]]:
        """Run the registration hooks: the registrations by kind and name, and the names registered twice (with the error)."""
        registry: dict[str, dict[str, Registration]] = {kind: {} for kind in hookspecs.HOOK_KINDS.values()}
        conflicts: dict[str, dict[str, str]] = {kind: {} for kind in hookspecs.HOOK_KINDS.values()}
        owners: dict[tuple[str, str], list[str]] = {}
        for hook_name, kind in hookspecs.HOOK_KINDS.items():
            for impl in getattr(self.pm.hook, hook_name).get_hookimpls():
                plugin = impl.plugin_name

                def register(name: str, obj: Any, description: str = "", *, _kind=kind, _plugin=plugin, _hook=hook_name) -> None:
                    problem = registration_problem(_kind, name, obj)
                    if problem is not None:
                        self._fail(_plugin, _hook, PluginError(problem))
                        return
                    plugins = owners.setdefault((_kind, name), [])
                    if _plugin in plugins:
                        raise PluginError(f"{_kind} {name!r} is registered twice by plugin {_plugin!r}")
                    plugins.append(_plugin)
                    if len(plugins) == 1:
                        registry[_kind][name] = Registration(_kind, name, obj, description, _plugin)
                        return
                    registry[_kind].pop(name, None)
                    times = "twice" if len(plugins) == 2 else f"{len(plugins)} times"
                    by = ", ".join(f"by plugin {p!r}" for p in plugins[:-1]) + f" and by plugin {plugins[-1]!r}"
                    conflicts[_kind][name] = f"{_kind} {name!r} is registered {times}: {by}; none of them is used"

                try:
                    impl.function(register=register)
                except Exception as error:  # isolate a failing hook
                    self._fail(plugin, hook_name, error)
            for (registered_kind, name), plugins in owners.items():
                if registered_kind == kind and len(plugins) > 1:
                    for owner in plugins:  # each one's contribution is unusable, not only the last one's
                        self._fail(owner, hook_name, PluginError(conflicts[kind][name]))
        return registry, conflicts

    def check(self) -> list[PluginFailure]:
        """Run every registration hook now (they otherwise run on first use) and return all failures so far."""
        self.registrations("provider")
        return list(self.failures)

    def registrations(self, kind: str) -> dict[str, Registration]:
        """All usable registrations of one kind (``"provider"``, ``"exporter"``, ...), by name."""
        if self._registry is None:
            self._registry, self._conflicts = self._collect()
        return self._registry[kind]

    def conflicts(self, kind: str) -> dict[str, str]:
        """The names of one kind that two plugins register, each with the error that names both."""
        self.registrations(kind)
        return self._conflicts[kind]

    def lookup(self, kind: str, name: str) -> Registration:
        """The registration of ``name``.

        Raises
        ------
        PluginError
            If two plugins register ``name`` (naming both).
        UnknownNameError
            If no plugin does (listing the alternatives, and where to find others).
        """
        found = self.registrations(kind)
        if name in found:
            return found[name]
        if name in self._conflicts[kind]:
            raise PluginError(self._conflicts[kind][name])
        available = ", ".join(sorted(found)) or "none"
        close = difflib.get_close_matches(name, list(found), n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise UnknownNameError(f"unknown {kind} {name!r}{hint}; available: {available} ({NOT_INSTALLED_HINT})")

    def plugin_infos(self) -> list[PluginInfo]:
        """Name, version and implemented hooks of every loaded plugin."""
        infos = []
        for name, plugin in self.pm.list_name_plugin():
            callers = self.pm.get_hookcallers(plugin) or []
            hooks = tuple(sorted(caller.name for caller in callers))
            distribution, version = self._distributions.get(name, (None, None))
            infos.append(PluginInfo(name, version, hooks, distribution))
        return sorted(infos, key=lambda info: info.name)

    def add_commands(self, cli: Any) -> None:
        """Let every plugin add its sub-commands to ``cli``."""
        for impl in self.pm.hook.register_commands.get_hookimpls():
            try:
                impl.function(cli=cli)
            except Exception as error:
                self._fail(impl.plugin_name, "register_commands", error)


REGISTERED_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
"""What a registered name looks like: it is typed after --provider, --format, draw and the like."""

_REQUIRED_METHODS = {"exporter": ("write",), "solver": ("solve",), "magnetic model": ("to_magnetic", "from_magnetic")}


def registration_problem(kind: str, name: Any, obj: Any) -> str | None:
    """What is wrong with registering ``obj`` as the ``kind`` ``name``, or None.

    Providers and draw styles are callables (a provider factory is usually its
    class); exporters, solvers and magnetic models are objects with their
    methods: instances or modules, or classes whose methods are static or class
    methods; an exporter's ``extension`` starts with a dot.
    """
    if not isinstance(name, str) or not REGISTERED_NAME.fullmatch(name):
        return f"{kind} name {name!r} is not a name such as 'my-camera' (letters, digits, '.', '_', '-')"
    if kind in ("provider", "draw style"):
        return None if callable(obj) else f"{kind} {name!r} is not callable (a {type(obj).__name__})"
    methods = _REQUIRED_METHODS.get(kind, ())
    if inspect.isclass(obj) and not all(isinstance(inspect.getattr_static(obj, m, None), (staticmethod, classmethod)) for m in methods):
        return f"{kind} {name!r} is the class {obj.__name__}: register an instance of it"
    missing = [method for method in methods if not callable(getattr(obj, method, None))]
    if missing:
        return f"{kind} {name!r} ({type(obj).__name__}) has no method {', '.join(missing)}"
    extension = getattr(obj, "extension", None)
    if kind == "exporter" and not (isinstance(extension, str) and len(extension) > 1 and extension.startswith(".")):
        return f"exporter {name!r} ({type(obj).__name__}) needs an extension such as '.cdf', got {extension!r}"
    return None


def _optional(caller: pluggy.HookCaller, plugin: object) -> bool:
    """Whether ``plugin`` marked its implementation of the hook ``caller`` optional (``optionalhook=True``)."""
    return all(impl.optionalhook for impl in caller.get_hookimpls() if impl.plugin is plugin)


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


