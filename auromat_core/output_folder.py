"""The output folder of a conversion: one run writes into it at a time, and an interrupted run leaves nothing behind."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

from .errors import InputError

try:
    import fcntl
except ImportError:  # Windows: no advisory locks, runs are not kept apart
    fcntl = None

log = logging.getLogger(__name__)

LOCK_NAME = ".auromat-convert.lock"
"""File in the output folder that a running conversion holds locked (it stays; the lock goes with the process)."""


@contextlib.contextmanager
def writing_into(out_dir: Path, created: bool, keep: Path) -> Iterator[None]:
    """Write into ``out_dir`` alone: checked writable, locked, partial files of dead runs removed.

    On any exception the partial files of stopped workers are removed too, and
    a folder this run ``created`` is removed again if it holds nothing but ``keep``
    (the settings record) and the lock file.

    Raises
    ------
    InputError
        If the folder is not writable, or another conversion is writing into it.
    """
    _check_writable(out_dir)
    with _locked(out_dir / LOCK_NAME):
        remove_partial_files(out_dir)
        try:
            yield
        except BaseException:
            remove_partial_files(out_dir)  # of the workers stopped (this process removes its own)
            if created and all(path in (keep, out_dir / LOCK_NAME) for path in out_dir.iterdir()):
                with contextlib.suppress(OSError):  # the folder this run made goes when it holds nothing it wrote
                    for path in out_dir.iterdir():
                        path.unlink()
                    out_dir.rmdir()
            raise


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path``; its content names the holder's process id.

    A lock file another user made (not writable here) is locked read-only; where
    the file system has no locks (some network mounts), or the platform none,
    runs are not kept apart.
    """
    if fcntl is None:
        yield
        return
    try:
        lock = open(path, "a+", encoding="ascii")
    except PermissionError:
        lock = open(path, encoding="ascii")
    with lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            holder = lock.read().strip() or "unknown"
            raise InputError(
                f"{path.parent}: another auromat convert (process {holder}) is writing into this folder; "
                "wait for it to finish, or choose another --out"
            ) from None
        except OSError as error:  # ENOLCK, ENOSYS, EOPNOTSUPP: no locks on this file system
            log.warning("%s: cannot lock the output folder (%s); another conversion into it would not be noticed", path.parent, error.strerror)
            yield
            return
        if lock.writable():
            lock.seek(0)
            lock.truncate()
            lock.write(f"{os.getpid()}\n")
            lock.flush()
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def is_complete(path: Path) -> bool:
    """Whether ``path`` is an output file a re-run may skip: it exists and is not empty.

    Files are written under a temporary name and renamed when complete, so an
    existing name is a complete file, unless something else left it empty.
    """
    try:
        return path.stat().st_size > 0
    except OSError:
        return False


def _check_writable(folder: Path) -> None:
    """Raise :class:`InputError` unless a file can be created in ``folder``."""
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        raise InputError(f"{folder}: the output folder is not writable ({error.strerror or error})") from None


def remove_partial_files(out_dir: Path) -> list[Path]:
    """Delete the ``.<name>.<pid>.part*`` files an interrupted conversion left in ``out_dir``.

    Files of a process still running on this machine are kept: a worker may
    still be writing them.
    """
    removed = []
    for path in sorted(out_dir.glob(".*.part*")):
        match = re.fullmatch(r"\..+\.(\d+)\.part(\..+)?", path.name)
        if match and path.is_file() and not _process_alive(int(match.group(1))):
            path.unlink(missing_ok=True)
            removed.append(path)
    if removed:
        log.info("removed %d partial file(s) of an interrupted conversion in %s", len(removed), out_dir)
    return removed


def _process_alive(pid: int) -> bool:
    """Whether process ``pid`` runs on this machine (False where that cannot be asked)."""
    if os.name == "nt":  # os.kill(pid, 0) would send CTRL_C_EVENT there
        return False
    try:
        os.kill(pid, 0)
    except PermissionError:  # exists, owned by someone else
        return True
    except OSError:
        return False
    return True
