"""Atomic file output: never leave a half-written file behind."""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_output(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it to ``path`` on success.

    On any exception the temporary file is removed and ``path`` is left as it was.
    The temporary name ends in ``.part`` so interrupted work is recognisable; an
    operating-system error about it (a read-only or full disk) names ``path``.

    Raises
    ------
    NotADirectoryError
        When a file stands where a parent folder of ``path`` should be (naming that file).
    """
    target = Path(path)
    make_folder(target.parent)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        yield temporary
        os.replace(temporary, target)
    except OSError as error:
        if error.filename is not None and os.fspath(error.filename).startswith(os.fspath(temporary)):
            error.filename = os.fspath(target)
        raise
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()


def make_folder(folder: Path) -> None:
    """Create ``folder`` and its parents; a file in the way is a :class:`NotADirectoryError` naming it."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        blocking = next((parent for parent in (folder, *folder.parents) if parent.exists() and not parent.is_dir()), folder)
        raise NotADirectoryError(errno.ENOTDIR, "a file, not a folder", os.fspath(blocking)) from None
