"""The original AUROMAT Python API (camelCase names), delegating to auromat_core and its plugins.

The modules mirror the original's imports (``auromat.mapping.iss``,
``auromat.resample``, ``auromat.draw``, ...) so that the user guide's sessions
run unchanged; every computation happens in the new packages.
"""

from __future__ import annotations

import importlib.metadata

try:
    __version__ = importlib.metadata.version("auromat-compat")
except importlib.metadata.PackageNotFoundError:  # running from a source tree
    __version__ = "0+unknown"

__all__ = ["__version__"]
