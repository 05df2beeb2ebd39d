"""The auromat plugin contract: every hook a plugin can implement, on one page.

Each ``register_*`` hook receives a ``register`` callback, called once per
contribution as ``register(name, obj, description)``. The host owns collection,
de-duplication and error reporting, so a plugin cannot get the return shape
wrong. A plugin implements any subset of these hooks with
``@auromat_core.hookimpl`` and is found through the entry-point group
``auromat``::

    [project.entry-points.auromat]
    mycamera = "auromat_mycamera.plugin"
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

import click
import pluggy
from numpy.typing import ArrayLike, NDArray

if TYPE_CHECKING:
    import numpy as np
    from astropy.io import fits

hookspec = pluggy.HookspecMarker("auromat")
hookimpl = pluggy.HookimplMarker("auromat")

Register = Callable[..., None]
"""The callback every ``register_*`` hook receives: ``register(name, obj, description)``."""


@runtime_checkable
class Solver(Protocol):
    """An astrometric solver registered through ``register_solvers``."""

    def solve(self, image_path: str | os.PathLike, **options: Any) -> fits.Header | None:
        """Return a FITS header with a celestial WCS for the image, or None if unsolved."""


class MagneticModel(Protocol):
    """A magnetic coordinate model registered through ``register_magnetic_models`` (angles in degrees, MLT in hours)."""

    def to_magnetic(
        self, lat: ArrayLike, lon: ArrayLike, altitude_km: ArrayLike, time: datetime
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Geodetic lat/lon at ``altitude_km`` to (MLat, MLT)."""

    def from_magnetic(
        self, mlat: ArrayLike, mlt: ArrayLike, altitude_km: ArrayLike, time: datetime
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """(MLat, MLT) at ``altitude_km`` to geodetic (lat, lon)."""


@hookspec
def register_providers(register: Register) -> None:
    """Register mapping providers: ``register(name, factory, description)``.

    ``factory(path, **options)`` (a provider of a data folder; others take no
    path) returns an object following :class:`auromat_core.providers.Provider`;
    its keyword parameters are the provider's options. A factory may define
    ``can_open(path)``, returning a bool or a confidence number, so that
    ``auromat convert`` can detect which provider reads a data folder (the most
    confident one wins).
    """


@hookspec
def register_exporters(register: Register) -> None:
    """Register file writers: ``register(name, exporter, description)``.

    The exporter follows :class:`auromat_core.exporters.Exporter`: an
    ``extension`` such as ``".cdf"`` and ``write(mapping, path, **options)``,
    which must write atomically (see :func:`auromat_core.atomic_output`)
    and takes those of :data:`auromat_core.exporters.STANDARD_OPTIONS` that
    apply to its format. It may name its files with ``file_name(identifier,
    time, **options)`` (:class:`auromat_core.exporters.NamingExporter`).
    """


@hookspec
def register_solvers(register: Register) -> None:
    """Register astrometric solvers: ``register(name, solver, description)``.

    The solver follows :class:`auromat_core.Solver`:
    ``solve(image_path, **options)`` returns an ``astropy.io.fits.Header`` with
    a celestial WCS, or ``None`` when the image could not be solved.
    """


@hookspec
def register_draw_styles(register: Register) -> None:
    """Register figure builders: ``register(name, style, description)``.

    ``style(drawable, **options)`` returns ``(figure, axes)`` without showing or
    saving it. Its attribute ``takes`` says what ``drawable`` is: ``"mapping"``
    (the default: a mapping, a collection or a list of mappings), ``"sequence"``
    (mappings over time) or ``"wcs-sequence"`` (WCS solutions, or mappings).
    """


@hookspec
def register_magnetic_models(register: Register) -> None:
    """Register magnetic coordinate models: ``register(name, model, description)``.

    The model follows :class:`auromat_core.MagneticModel`: it converts
    geodetic lat/lon at an altitude and time to MLat/MLT and back.
    """


@hookspec
def register_commands(cli: click.Group) -> None:
    """Add sub-commands to the ``auromat`` command: use ``@cli.command()``.

    Commands raise :class:`auromat_core.errors.AuromatError` for user errors;
    the CLI turns it into a one-line message and exit status 1.
    """


HOOK_KINDS: dict[str, str] = {
    "register_providers": "provider",
    "register_exporters": "exporter",
    "register_solvers": "solver",
    "register_draw_styles": "draw style",
    "register_magnetic_models": "magnetic model",
}
"""Registration hooks and the kind of object each one registers."""

__all__ = ["HOOK_KINDS", "MagneticModel", "Register", "Solver", "hookimpl", "hookspec"]
