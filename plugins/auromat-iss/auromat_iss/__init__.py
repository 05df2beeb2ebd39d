"""auromat plugin: the ESA ISS aurora archive.

* :class:`IssArchive`: the archive client (``api.json``, ``metadata.json``, bad
  pixels, images, WCS solutions), caching one sequence per folder.
* :class:`IssProvider` (provider ``esa-iss``): mappings of a sequence, RAW files
  developed as the archive's solutions expect (:func:`develop_raw`).
* ``auromat download esa-iss --id N``.
"""

from .client import (
    BASE_URL_ENV,
    DEFAULT_BASE_URL,
    ArchiveImage,
    DistortionCorrection,
    IssArchive,
    default_base_url,
    load_json,
    sequence_folder,
)
from .develop import develop_raw
from .provider import IssProvider

__all__ = [
    "BASE_URL_ENV",
    "DEFAULT_BASE_URL",
    "ArchiveImage",
    "DistortionCorrection",
    "IssArchive",
    "IssProvider",
    "default_base_url",
    "develop_raw",
    "load_json",
    "sequence_folder",
]
