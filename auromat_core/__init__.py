"""auromat core: georeference aurora images pixel by pixel.

The public API: the data model, providers and their wrappers, resampling,
keograms, and the registries through which plugins contribute providers,
exporters, solvers, draw styles and magnetic models.
"""

from __future__ import annotations

import importlib.metadata

from .boundingbox import BoundingBox
from .errors import (
    AuromatError,
    CalibrationError,
    DownloadError,
    ExportError,
    InputError,
    NoDataError,
    PluginError,
    UnknownNameError,
    WcsError,
)
from .geodesy import Location
from .hookspecs import MagneticModel, Register, Solver, hookimpl
from .io import atomic_output
from .keogram import Keogram, keogram
from .mapping import IMAGE_CONTENT_KEY, SOLUTION_PATH_KEY, MagneticCoordinates, Mapping, MappingCollection
from .providers import MappingFileProvider, MaskByElevation, Provider, ProviderWrapper, Resampled, frames_between
from .registry import (
    check_options,
    choose_provider,
    detect_providers,
    get_draw_style,
    get_exporter,
    get_magnetic_model,
    get_provider,
    get_provider_factory,
    get_solver,
    list_draw_styles,
    list_exporters,
    list_magnetic_models,
    list_providers,
    list_solvers,
    open_data,
)
from .resample import fixed_grid, is_plate_carree, resample
from .timeutil import as_utc

try:
    __version__ = importlib.metadata.version("auromat-core")
except importlib.metadata.PackageNotFoundError:  # running from a source tree
    __version__ = "0+unknown"

__all__ = [
    "IMAGE_CONTENT_KEY",
    "SOLUTION_PATH_KEY",
    "AuromatError",
    "BoundingBox",
    "CalibrationError",
    "DownloadError",
    "ExportError",
    "InputError",
    "Keogram",
    "Location",
    "MagneticCoordinates",
    "MagneticModel",
    "Mapping",
    "MappingCollection",
    "MappingFileProvider",
    "MaskByElevation",
    "NoDataError",
    "PluginError",
    "Provider",
    "ProviderWrapper",
    "Register",
    "Resampled",
    "Solver",
    "UnknownNameError",
    "WcsError",
    "__version__",
    "as_utc",
    "atomic_output",
    "check_options",
    "choose_provider",
    "detect_providers",
    "fixed_grid",
    "frames_between",
    "get_draw_style",
    "get_exporter",
    "get_magnetic_model",
    "get_provider",
    "get_provider_factory",
    "get_solver",
    "hookimpl",
    "is_plate_carree",
    "keogram",
    "list_draw_styles",
    "list_exporters",
    "list_magnetic_models",
    "list_providers",
    "list_solvers",
    "open_data",
    "resample",
]
