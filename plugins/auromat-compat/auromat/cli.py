"""The original console scripts, forwarding to the ``auromat`` command.

``auromat-download <source> ...`` runs ``auromat download <source> ...`` and
``auromat-convert ...`` runs ``auromat convert ...``; the options are those
of the new commands (``auromat download esa-iss --help``).
"""

from __future__ import annotations

import sys

from auromat_core.cli import main

__all__ = ["convert_main", "download_main"]


def _forward(command: str, argv: list[str] | None) -> None:
    main([command, *(sys.argv[1:] if argv is None else argv)])


def download_main(argv: list[str] | None = None) -> None:
    """``auromat-download``: ``auromat download ...``."""
    _forward("download", argv)


def convert_main(argv: list[str] | None = None) -> None:
    """``auromat-convert``: ``auromat convert ...``."""
    _forward("convert", argv)
