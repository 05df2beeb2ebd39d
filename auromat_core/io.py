"""Atomic file output: never leave a half-written file behind."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from .errors import AuromatError

STORAGE_FULL_ERRNOS = (errno.ENOSPC, errno.EDQUOT)
"""``OSError.errno`` of a full output file system (or quota): no further file can be written there."""
NEARLY_FULL_BYTES = 16 * 2**20
"""Free space below which a failed write is put down to a full file system (file libraries say "error from file system")."""
NOT_STORAGE_ERRORS: tuple[type[BaseException], ...] = (
    AuromatError, ValueError, TypeError, LookupError, MemoryError, PermissionError, FileNotFoundError, IsADirectoryError,
    NotADirectoryError,
)
"""Errors of a failed write that are never a full file system: bad input, a bug, memory, permissions, paths."""


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
    OSError
        With ``errno.ENOSPC`` naming ``path``, in place of an error that a file
        library may raise for a failed write (not a :data:`NOT_STORAGE_ERRORS` one)
        while the file system holding ``path`` has less than :data:`NEARLY_FULL_BYTES`
        free (measured before the temporary file is removed); the original error is its cause.
    """
    target = Path(path)
    make_folder(target.parent)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.part")
    try:
        yield temporary
        os.replace(temporary, target)
    except Exception as error:
        if isinstance(error, OSError) and error.errno is not None and (
            error.filename is None or os.fspath(error.filename).startswith(os.fspath(temporary))
        ):
            error.filename = os.fspath(target)
        if _may_be_storage(error) and _nearly_full(target.parent):
            raise OSError(errno.ENOSPC, f"{os.strerror(errno.ENOSPC)} ({type(error).__name__}: {error})", os.fspath(target)) from error
        raise
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()


def _may_be_storage(error: Exception) -> bool:
    """Whether ``error`` may be a full file system that a library reported vaguely (not yet as ENOSPC)."""
    if isinstance(error, OSError) and error.errno in STORAGE_FULL_ERRNOS:
        return False
    return not isinstance(error, NOT_STORAGE_ERRORS)


def _nearly_full(folder: Path) -> bool:
    try:
        return shutil.disk_usage(folder).free < NEARLY_FULL_BYTES
    except OSError:
        return False


def make_folder(folder: Path) -> None:
    """Create ``folder`` and its parents; a file in the way is a :class:`NotADirectoryError` naming it."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        blocking = next((parent for parent in (folder, *folder.parents) if parent.exists() and not parent.is_dir()), folder)
        raise NotADirectoryError(errno.ENOTDIR, "a file, not a folder", os.fspath(blocking)) from None
