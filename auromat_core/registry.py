"""Pick plugins' contributions by name: providers, exporters, solvers, draw styles, magnetic models."""

from __future__ import annotations

import difflib
import functools
import inspect
import logging
import os
from collections.abc import Mapping as MappingABC
from typing import Any

from .errors import AuromatError, InputError, NoDataError, PluginError
from .options import type_mismatch
from .plugins import Registration, get_plugins
from .providers import index_problem

log = logging.getLogger(__name__)


def _list(kind: str) -> list[Registration]:
    return sorted(get_plugins().registrations(kind).values(), key=lambda r: r.name)


def get_provider(name: str, *args: Any, **options: Any) -> Any:
    """Build the provider registered as ``name`` with the given options.

    Raises
    ------
    auromat_core.errors.UnknownNameError
        Listing the available providers and, for first-party names, the package to install.
    auromat_core.errors.InputError
        Naming the options the provider does not take (and the most similar one it does).
    auromat_core.errors.PluginError
        When the provider's times or identifiers break the provider contract (naming its plugin).
    """
    registration = get_plugins().lookup("provider", name)
    check_options("provider", name, registration.obj, len(args), options)
    return _checked(registration, registration.obj(*args, **options))


def get_provider_factory(name: str) -> Any:
    """The factory (usually a class) registered as provider ``name``."""
    return get_plugins().lookup("provider", name).obj


def list_providers() -> list[Registration]:
    """All registered providers (name, description, plugin), sorted by name."""
    return _list("provider")


def get_exporter(name: str) -> Any:
    """The exporter registered as ``name`` (e.g. ``"cdf"``)."""
    return get_plugins().lookup("exporter", name).obj


def list_exporters() -> list[Registration]:
    """All registered exporters, sorted by name."""
    return _list("exporter")


def get_solver(name: str) -> Any:
    """The astrometric solver registered as ``name`` (e.g. ``"astrometry.net"``)."""
    return get_plugins().lookup("solver", name).obj


def list_solvers() -> list[Registration]:
    """All registered solvers, sorted by name."""
    return _list("solver")


def get_draw_style(name: str) -> Any:
    """The draw style registered as ``name`` (e.g. ``"stereographic"``)."""
    return get_plugins().lookup("draw style", name).obj


def list_draw_styles() -> list[Registration]:
    """All registered draw styles, sorted by name."""
    return _list("draw style")


def get_magnetic_model(name: str = "dipole") -> Any:
    """The magnetic coordinate model registered as ``name``."""
    return get_plugins().lookup("magnetic model", name).obj


def list_magnetic_models() -> list[Registration]:
    """All registered magnetic models, sorted by name."""
    return _list("magnetic model")


def detect_providers(path: str | os.PathLike) -> list[Registration]:
    """The providers that can open ``path``, asking each factory's ``can_open(path)``.

    ``can_open`` returns a bool or a confidence number (True counts as 1): a
    provider for a specific layout (e.g. an archive folder with an index file)
    returns more than a generic one that could also read it, and only the
    providers with the highest confidence are returned.
    A ``can_open`` that raises counts as "no", with a warning naming the provider and its plugin.
    """
    scores = []
    for registration in list_providers():
        score = _confidence(registration, path)
        if score > 0:
            scores.append((score, registration))
    best = max((score for score, _ in scores), default=0.0)
    found = [registration for score, registration in scores if score == best]
    log.info("%s: detected by provider(s) %s (confidence %g)", path, ", ".join(r.name for r in found) or "none", best)
    return found


def _confidence(registration: Registration, path: str | os.PathLike) -> float:
    can_open = getattr(registration.obj, "can_open", None)
    if can_open is None:
        return 0.0
    try:
        return float(can_open(path))
    except Exception as error:  # noqa: BLE001 - one plugin's bug must not stop the detection by the others
        log.warning("provider %r (plugin %r) failed to tell whether it can open %s, skipped: %s: %s",
                    registration.name, registration.plugin, path, type(error).__name__, error)
        return 0.0


def choose_provider(path: str | os.PathLike, provider: str | None = None) -> Registration:
    """The provider named ``provider``, or else the one plugin that can open ``path``.

    Raises
    ------
    auromat_core.errors.AuromatError
        When no installed provider, or more than one, can open ``path`` (listing them).
    """
    if provider is not None:
        return get_plugins().lookup("provider", provider)
    candidates = detect_providers(path)
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        able = ", ".join(r.name for r in list_providers() if hasattr(r.obj, "can_open")) or "none installed"
        unusable = "".join(f"; unusable: {message}" for message in get_plugins().conflicts("provider").values())
        raise NoDataError(
            f"no installed provider can open {path} (providers that detect their data: {able}{unusable}); choose one with --provider"
        )
    names = ", ".join(r.name for r in candidates)
    raise AuromatError(f"several providers can open {path}: {names}; choose one with --provider")


def open_data(path: str | os.PathLike, provider: str | None = None, **options: Any) -> Any:
    """Open a data folder or file with the named provider, or with the one plugin that can open it.

    Raises
    ------
    auromat_core.errors.AuromatError
        When no installed provider, or more than one, can open ``path``, or when
        the provider does not accept ``options``.
    """
    registration = choose_provider(path, provider)
    check_options("provider", registration.name, registration.obj, 1, options)
    try:
        provider = registration.obj(path, **options)
    except TypeError as error:
        raise InputError(f"provider {registration.name!r} cannot open {path} with options {options}: {error}") from None
    return _checked(registration, provider)


def _checked(registration: Registration, provider: Any) -> Any:
    """``provider`` once its index (times, identifiers) keeps the provider contract (see :func:`providers.index_problem`)."""
    if hasattr(provider, "times") and hasattr(provider, "identifiers"):
        problem = index_problem(provider)
        if problem is not None:
            raise PluginError(f"provider {registration.name!r} (plugin {registration.plugin!r}) breaks the provider contract: {problem}")
    return provider


def keyword_options(function: Any, positional: int) -> dict[str, Any] | None:
    """The options ``function`` takes after its first ``positional`` parameters, with their defaults.

    A default of ``inspect.Parameter.empty`` means none. None when the function
    accepts any keyword or has no signature to ask (no parameters at all, as
    that of a class without ``__init__``, counts as none to ask).
    """
    parameters = _option_parameters(function, positional)
    if parameters is None or any(parameter.kind is parameter.VAR_KEYWORD for parameter in parameters):
        return None
    return {p.name: p.default for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}


def _option_parameters(function: Any, positional: int) -> list[inspect.Parameter] | None:
    """The parameters of ``function`` after the first ``positional``, annotations evaluated where they can be.

    None without a signature to ask (a builtin, or no parameters at all);
    ``**kwargs`` is among them.
    """
    try:
        signature = inspect.signature(function)
    except (TypeError, ValueError):  # a builtin or C callable
        return None
    namespace = _annotation_namespace(function)
    parameters = [_evaluated(parameter, namespace) for parameter in signature.parameters.values()]
    if not parameters:
        return None
    variable = [p for p in parameters if p.kind is p.VAR_KEYWORD]
    return [p for p in parameters[positional:] if p.kind is not p.VAR_KEYWORD] + variable


def _annotation_namespace(function: Any) -> dict[str, Any]:
    """The module globals ``function``'s annotations are written in (a class's ``__init__``, a partial's function, a
    callable object's ``__call__``; decorators unwrapped), or an empty namespace."""
    target = inspect.unwrap(function)
    if isinstance(target, functools.partial):
        target = inspect.unwrap(target.func)
    if isinstance(target, type):
        target = inspect.unwrap(target.__init__)
    elif not hasattr(target, "__globals__") and callable(target):
        target = inspect.unwrap(getattr(type(target).__call__, "__func__", type(target).__call__))
    return getattr(target, "__globals__", {})


def _evaluated(parameter: inspect.Parameter, namespace: dict[str, Any]) -> inspect.Parameter:
    """``parameter`` with its annotation evaluated in ``namespace`` (its module's); unannotated if it cannot be.

    Each annotation on its own: one that names what the module imports only
    for type checkers leaves that option unchecked, not the others.
    """
    annotation = parameter.annotation
    if not isinstance(annotation, str):
        return parameter
    try:
        value = eval(annotation, namespace)  # noqa: S307 - the function's own annotation
    except Exception:  # noqa: BLE001 - an annotation that cannot be evaluated here: its option is not type-checked
        log.debug("annotation %r cannot be evaluated; option %s is not type-checked", annotation, parameter.name)
        return parameter.replace(annotation=inspect.Parameter.empty)
    return parameter.replace(annotation=value)


def provider_options_of(factory: Any) -> dict[str, Any] | None:
    """The options a provider factory takes after its path (see :func:`keyword_options`)."""
    return keyword_options(factory, 1)


def exporter_options_of(exporter: Any) -> dict[str, Any] | None:
    """The options of an exporter's ``write`` after the mapping and the path (see :func:`keyword_options`)."""
    return keyword_options(exporter.write, 2)


def check_options(kind: str, name: str, function: Any, positional: int, options: MappingABC[str, Any]) -> None:
    """Check ``options`` against the keyword parameters of the ``kind`` ``name``'s ``function`` after ``positional`` ones.

    An option it does not take is an error (unless it takes ``**kwargs``), and
    so is a value that does not fit the parameter's annotation (see
    :func:`auromat_core.options.type_mismatch`).

    Raises
    ------
    InputError
        Naming the options the function does not take (with the most similar one
        it does), or the option whose value has the wrong type.
    """
    parameters = _option_parameters(function, positional)
    if parameters is None:
        return
    named = {p.name: p for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    unknown = [option for option in options if option not in named]
    if unknown and not any(p.kind is p.VAR_KEYWORD for p in parameters):
        hints = [
            f"{option!r} (did you mean {close[0]!r}?)" if (close := difflib.get_close_matches(option, list(named), n=1)) else repr(option)
            for option in unknown
        ]
        raise InputError(f"{kind} {name!r} has no option {', '.join(hints)}; its options are: {', '.join(named) or 'none'}")
    for option, value in options.items():
        parameter = named.get(option)
        if parameter is None or (value is None and parameter.default is None):
            continue
        expected = type_mismatch(parameter.annotation, value)
        if expected is not None:
            raise InputError(f"{kind} {name!r}: option {option} must be {expected}, got {value!r}")
