"""Exception types for every error auromat reports to a user.

Each error names what was looked at (a file, URL, option or plugin), what was
found and what was expected. The CLI prints ``str(error)`` on one line and exits
with status 1; ``--debug`` shows the traceback.
"""

from __future__ import annotations


class AuromatError(Exception):
    """Base class of all user-facing auromat errors."""


class PluginError(AuromatError):
    """A plugin failed to load, registered a duplicate name, or a name is unknown."""


class UnknownNameError(PluginError, LookupError):
    """A provider, exporter, solver, draw style or magnetic model name is not registered."""


class NoDataError(AuromatError, LookupError):
    """A provider has no data for the requested time or identifier."""


class InputError(AuromatError, ValueError):
    """Input data (a file, an array or an option) is malformed or inconsistent."""


class WcsError(InputError):
    """A FITS WCS header is missing a keyword, has an invalid one, or does not fit its image."""


class CalibrationError(InputError):
    """A camera calibration (e.g. a THEMIS skymap) is missing, invalid or not valid for a time."""


class DownloadError(AuromatError):
    """A remote resource could not be fetched."""


class ExportError(AuromatError):
    """A mapping could not be written to a file."""


__all__ = [
    "AuromatError",
    "CalibrationError",
    "DownloadError",
    "ExportError",
    "InputError",
    "NoDataError",
    "PluginError",
    "UnknownNameError",
    "WcsError",
]
