"""Convert every mapping of a provider into files: the engine behind ``auromat convert``.

Frames are independent, so they run in parallel: in local worker processes
(:class:`concurrent.futures.ProcessPoolExecutor`, the default) or on a Dask
distributed cluster (``scheduler=ADDRESS``), through one code path (``submit``
and ``as_completed``). Each worker re-creates the provider from its factory,
data path and options (once per process and conversion) and loads one frame at
a time with ``provider.load(index)``, so memory per worker is bounded by one
frame; a frame whose identifier is no longer the planned one (the data changed
meanwhile) fails instead of being written under another frame's name. Workers
write the files themselves, atomically (a file only gets its final name when it
is complete), so a re-run skips finished files and resumes a killed conversion;
partial ``.part`` files left by a killed run are removed at the start. Log
records of local workers are relayed to this process's handlers, each message
once (every worker re-creates the provider, and would repeat its warnings).

This module is a built-in plugin: it adds the ``convert`` command.
"""

from __future__ import annotations

import atexit
import concurrent.futures
import contextlib
import functools
import gc
import logging
import logging.handlers
import multiprocessing
import multiprocessing.connection
import os
import pickle
import re
import signal
import sys
import threading
import time as timing
import uuid
from collections.abc import Callable, Iterator, Sequence
from collections.abc import Mapping as MappingABC
from datetime import datetime
from pathlib import Path
from queue import Empty
from typing import Any

import attrs
import click

from .convert_settings import (
    EXPORT_OPTION_FLAGS,
    UNFINISHED_KEY,
    ConversionSettings,
    check_settings,
    differences,
    read_record,
    record_settings,
    settings_path,
)
from .errors import AuromatError, InputError, PluginError
from .hookspecs import hookimpl
from .io import STORAGE_FULL_ERRNOS, make_folder
from .mapping import MappingCollection
from .options import UTC_END, UTC_TIME, check_period, provider_options
from .output_folder import is_complete, writing_into
from .progress import progress_bar
from .providers import frames_between, load_checked
from .registry import check_options, choose_provider, exporter_options_of, get_exporter, list_exporters, open_data

log = logging.getLogger(__name__)

DEFAULT_MAX_WORKERS = 4
"""Local workers by default: the CPU count, at most this (a full 12-megapixel frame needs about 3 GB per worker)."""
_UNSAFE = re.compile(r"[\\/:*?\"<>|\s]")


@attrs.frozen
class ConvertJob:
    """What a worker needs to convert any frame of one conversion (picklable)."""

    factory: Any
    data: str
    provider_options: tuple[tuple[str, Any], ...]
    exporter: Any
    export_options: tuple[tuple[str, Any], ...]
    resample_options: tuple[tuple[str, Any], ...] | None
    out_dir: str
    overwrite: bool
    run: str = attrs.field(factory=lambda: uuid.uuid4().hex)
    """Identifies the conversion: a process that outlives it (a Dask worker, this one with ``workers=0``)
    creates the provider of the next conversion afresh, as the data may have changed since."""


@attrs.frozen
class FrameResult:
    """What converting one frame produced."""

    index: int
    identifier: str
    paths: tuple[str, ...]
    seconds: float
    cpu_seconds: float
    """CPU time the worker process spent on the frame (all its threads)."""
    pid: int
    """Process that converted the frame."""
    peak_rss_mb: float
    """Peak resident memory of that process so far (MB)."""


@attrs.frozen
class ConvertSummary:
    """Outcome of a conversion."""

    out_dir: Path
    written: tuple[Path, ...]
    skipped: int
    failures: tuple[tuple[str, str], ...]
    """``(identifier, error message)`` of every frame that failed."""
    results: tuple[FrameResult, ...]
    skipped_inputs: tuple[str, ...] = ()
    """Why each input file the provider could not use was left out (its ``skipped_inputs``)."""


def file_name(exporter: Any, identifier: str, time: datetime, export_options: MappingABC[str, Any]) -> str:
    """The output file name of a mapping: the exporter's ``file_name`` or ``<identifier><extension>``."""
    safe = _UNSAFE.sub("_", identifier)
    naming = getattr(exporter, "file_name", None)
    if naming is None:
        return f"{safe}{exporter.extension}"
    return naming(safe, time, **export_options)


def peak_rss_mb() -> float:
    """Peak resident memory of this process in MB (NaN where the platform does not report it).

    On Linux this is ``VmHWM`` of ``/proc/self/status``: unlike ``ru_maxrss``, it
    does not inherit the parent's peak in a freshly spawned worker.
    """
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024.0
    try:
        import resource
    except ImportError:  # Windows
        return float("nan")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024.0


@functools.lru_cache(maxsize=2)
def _worker_provider(factory: Any, data: str, options: tuple[tuple[str, Any], ...], run: str) -> Any:
    """The provider of a conversion (``run``), created once per worker process.

    In a worker, everything alive once the provider exists is frozen out of the
    garbage collector (and again after the first frame, which imports the
    exporter's libraries and fills their caches), so the collection after each
    frame scans only that frame's objects (a full scan costs ~80 ms per frame).
    """
    provider = factory(data, **dict(options))
    _freeze_in_worker()
    return provider


def _freeze_in_worker() -> None:
    if multiprocessing.parent_process() is not None:
        gc.freeze()


def convert_frame(job: ConvertJob, index: int, identifier: str, target: str) -> FrameResult:
    """Load frame ``index`` of the job's provider, (resample it and) write it to ``target``.

    A collection (several cameras at one time) is written as one file per member,
    named by the member; existing member files are skipped unless ``overwrite``.

    Raises
    ------
    AuromatError
        If the frame at ``index`` is no longer ``identifier``: the data changed
        after the conversion was planned (a re-run converts what is new).
    """
    start, cpu_start = timing.perf_counter(), timing.process_time()
    misses = _worker_provider.cache_info().misses
    provider = _worker_provider(job.factory, job.data, job.provider_options, job.run)
    first = _worker_provider.cache_info().misses > misses
    found = provider.identifiers[index] if index < len(provider) else None
    if found != identifier:
        raise AuromatError(
            f"the data in {job.data} changed during the conversion: frame {index} is {found or 'gone'}, not {identifier}; run again"
        )
    item = load_checked(provider, index)
    export_options = dict(job.export_options)
    if isinstance(item, MappingCollection):
        members = [(m, str(Path(job.out_dir) / file_name(job.exporter, m.identifier, m.time, export_options))) for m in item]
    else:
        members = [(item, target)]
    del item
    written = _write_members(job, members, export_options)
    del members
    gc.collect()  # free this frame's arrays before the next one even if a library left reference cycles
    if first:
        _freeze_in_worker()
    return FrameResult(
        index, identifier, tuple(written), timing.perf_counter() - start,
        timing.process_time() - cpu_start, os.getpid(), peak_rss_mb(),
    )


def _write_members(job: ConvertJob, members: list[tuple[Any, str]], export_options: dict[str, Any]) -> list[str]:
    written = []
    for mapping, path in members:
        if not job.overwrite and is_complete(Path(path)):
            continue
        if job.resample_options is not None:
            mapping = mapping.resample(**dict(job.resample_options))
        _write_or_remove(job.exporter, mapping, Path(path), export_options)
        written.append(path)
    return written


def _write_or_remove(exporter: Any, mapping: Any, path: Path, export_options: dict[str, Any]) -> None:
    """``exporter.write(mapping, path)``; a failed write leaves no file at ``path`` that it changed.

    Exporters write through :func:`auromat_core.atomic_output`; this guards
    against one that does not, whose partial file a re-run would skip as done.
    """
    before = _file_state(path)
    try:
        exporter.write(mapping, str(path), **export_options)
    except BaseException:
        if before != _file_state(path):
            with contextlib.suppress(OSError):
                path.unlink()
        raise


def _file_state(path: Path) -> tuple[int, int, int] | None:
    """Inode, size and modification time of ``path``, None when there is none."""
    try:
        status = path.stat()
    except OSError:
        return None
    return status.st_ino, status.st_size, status.st_mtime_ns


class _Inline:
    """Runs the submitted tasks one by one in this process, as they are collected (``workers=0``)."""

    def __init__(self) -> None:
        self.pending: dict[concurrent.futures.Future, tuple[Callable[..., Any], tuple[Any, ...]]] = {}

    def submit(self, fn: Callable[..., Any], *args: Any) -> concurrent.futures.Future:
        future: concurrent.futures.Future = concurrent.futures.Future()
        self.pending[future] = (fn, args)
        return future

    def as_completed(self, futures: Sequence[concurrent.futures.Future]) -> Iterator[concurrent.futures.Future]:
        for future in futures:
            fn, args = self.pending.pop(future)
            try:
                future.set_result(fn(*args))
            except Exception as error:
                future.set_exception(error)
            yield future

    def cancel(self, futures: Sequence[concurrent.futures.Future]) -> None:
        for future in futures:
            self.pending.pop(future, None)
            future.cancel()


@contextlib.contextmanager
def _in_this_process() -> Iterator[None]:
    """Frames run in this process: what is alive before stays out of the collection after each frame.

    The objects are frozen out of the garbage collector for the run (unless
    something else froze objects already), as in a worker: otherwise every
    frame's collection scans the whole session (~80 ms per frame with astropy
    loaded). The run's provider is dropped at the end.
    """
    freeze = gc.get_freeze_count() == 0
    if freeze:
        gc.freeze()
    try:
        yield
    finally:
        _worker_provider.cache_clear()
        if freeze:
            gc.unfreeze()


_Submit = Callable[..., Any]
_AsCompleted = Callable[[Sequence[Any]], Iterator[Any]]
_Cancel = Callable[[Sequence[Any]], None]


@contextlib.contextmanager
def _executor(workers: int, scheduler: str | None, shown: _ShownMessages) -> Iterator[tuple[_Submit, _AsCompleted, _Cancel]]:
    """``(submit, as_completed, cancel)`` of a Dask client, a process pool or the current process."""
    if scheduler is not None:
        try:
            from dask.distributed import Client, as_completed
        except ImportError:
            raise AuromatError("--scheduler needs dask.distributed: pip install 'dask[distributed]'") from None
        try:
            client = Client(scheduler, timeout="30s")
        except (OSError, TimeoutError, ValueError) as error:
            raise AuromatError(
                f"cannot connect to the Dask scheduler at {scheduler}: {error} (expected an address such as tcp://host:8786)"
            ) from None
        try:
            yield (functools.partial(client.submit, pure=False), as_completed, client.cancel)
        finally:
            client.close()
    elif workers == 0:
        with _in_this_process():
            inline = _Inline()
            yield (inline.submit, inline.as_completed, inline.cancel)
    else:
        context = multiprocessing.get_context("spawn")
        with _relayed_worker_logs(context, shown) as queue:
            pool = concurrent.futures.ProcessPoolExecutor(
                max_workers=workers, mp_context=context, initializer=_init_worker,
                initargs=(queue, logging.getLogger().getEffectiveLevel()),
            )

            def cancel(futures: Sequence[Any]) -> None:
                # stopping the workers fails every pending future; cancelling one here first would make
                # the pool's thread fail a cancelled future (InvalidStateError)
                _terminate_workers(pool)

            def submit(fn: Callable[..., Any], *args: Any) -> concurrent.futures.Future:
                try:
                    return pool.submit(fn, *args)
                except (OSError, RuntimeError):
                    # CPython 3.11 starts workers inside submit: one ending meanwhile breaks the pool mid-call
                    if pool._broken:  # noqa: SLF001
                        raise concurrent.futures.BrokenExecutor(pool._broken) from None  # noqa: SLF001
                    raise

            try:
                yield (submit, concurrent.futures.as_completed, cancel)
            except BaseException:
                _terminate_workers(pool)
                with contextlib.suppress(OSError):  # CPython 3.11 may wake the thread of a broken pool through a closed pipe
                    pool.shutdown(wait=True)
                raise
            pool.shutdown(wait=True)


WORKER_STOP_SECONDS = 5.0
"""How long an aborted conversion waits for each terminated worker to end."""


def _terminate_workers(pool: concurrent.futures.ProcessPoolExecutor) -> None:
    """Stop the workers of an aborted conversion now instead of waiting for their frames.

    After one worker was killed the others can block forever on a queue lock it
    held, and a worker started while the pool broke is not stopped by the pool
    itself (CPython 3.11); there is no public way to stop them before Python 3.14.
    """
    processes = list((pool._processes or {}).values())  # noqa: SLF001
    for process in processes:
        process.kill()  # workers ignore SIGTERM
    for process in processes:
        process.join(WORKER_STOP_SECONDS)


class _ShownMessages:
    """The log messages shown during a conversion, so that a worker repeating one stays quiet.

    Every worker re-creates the provider, so a warning about the data (say, a
    calibration used outside its validity) would otherwise appear once in
    this process and once more per worker.
    """

    def __init__(self) -> None:
        self._keys: set[tuple[str, int, str]] = set()

    def first(self, record: logging.LogRecord) -> bool:
        """Whether ``record``'s message is new (it then counts as shown)."""
        key = (record.name, record.levelno, record.getMessage())
        if key in self._keys:
            return False
        self._keys.add(key)
        return True

    @contextlib.contextmanager
    def watching(self) -> Iterator[None]:
        """Count what this process logs in the block as shown."""
        witness = _Witness(self)
        root = logging.getLogger()
        root.addHandler(witness)
        try:
            yield
        finally:
            root.removeHandler(witness)


class _Witness(logging.Handler):
    def __init__(self, shown: _ShownMessages) -> None:
        super().__init__()
        self.shown = shown

    def emit(self, record: logging.LogRecord) -> None:
        self.shown.first(record)


class _Relay(logging.Handler):
    """Hands the workers' log records to this process's loggers, each message once."""

    def __init__(self, shown: _ShownMessages) -> None:
        super().__init__()
        self.shown = shown

    def emit(self, record: logging.LogRecord) -> None:
        logger = logging.getLogger(record.name)
        if self.shown.first(record) and logger.isEnabledFor(record.levelno):
            logger.handle(record)


RELAY_STOP_SECONDS = 10.0
"""How long the end of a conversion waits for the last worker log records."""
RELAY_POLL_SECONDS = 0.05
"""How often the relay of worker log records looks whether the conversion has ended."""


@contextlib.contextmanager
def _relayed_worker_logs(context: Any, shown: _ShownMessages) -> Iterator[Any]:
    """A queue for the workers' log records, relayed to this process until the block ends.

    Only the workers write to the queue: a writer in this process would start a
    feeder thread holding the queue's semaphore, released (and unregistered from
    multiprocessing's resource tracker) only as that thread ends, which at
    interpreter exit it may not, and the tracker then warns of a leaked
    semaphore. At the end the relay takes what the workers left and stops; a
    worker killed while writing a record leaves a part of one, so the end waits
    at most :data:`RELAY_STOP_SECONDS` for the relay.
    """
    queue = context.Queue()
    relay = _Relay(shown)
    ended = threading.Event()
    thread = threading.Thread(target=_relay_records, args=(queue, relay, ended), name="auromat-log-relay", daemon=True)
    thread.start()
    try:
        yield queue
    finally:
        ended.set()
        thread.join(RELAY_STOP_SECONDS)


def _relay_records(queue: Any, relay: logging.Handler, ended: threading.Event) -> None:
    """Hand each record of ``queue`` to ``relay`` until ``ended`` is set and the queue is empty."""
    while True:
        try:
            record = queue.get(timeout=RELAY_POLL_SECONDS)
        except Empty:
            if ended.is_set():
                return
            continue
        relay.handle(record)


def _init_worker(queue: Any, level: int) -> None:
    """Set up a worker: its log records (and Python warnings) go to the parent's queue.

    At exit the worker drops its providers while the interpreter is intact:
    objects frozen out of the garbage collector would otherwise only be
    destroyed after the modules are torn down, and files they hold open
    (a provider's CDF files) fail to close then.
    """
    for stop in (signal.SIGINT, signal.SIGTERM):  # Ctrl-C (or a batch system's SIGTERM) reaches the whole group: the parent stops the workers
        signal.signal(stop, signal.SIG_IGN)
    _exit_with_parent()
    root = logging.getLogger()
    root.handlers[:] = [logging.handlers.QueueHandler(queue)]
    root.setLevel(level)
    logging.captureWarnings(True)
    atexit.register(_release_worker)


def _exit_with_parent() -> None:
    """End this worker as soon as the process that started it is gone (killed, say): nobody would take its results."""
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_wait_for_parent, args=(parent.sentinel,), name="auromat-parent-watch", daemon=True).start()


def _wait_for_parent(sentinel: int) -> None:
    multiprocessing.connection.wait([sentinel])
    os._exit(1)


def _release_worker() -> None:
    _worker_provider.cache_clear()
    gc.unfreeze()
    gc.collect()


def convert(
    data: str | os.PathLike,
    format: str,
    *,
    provider: str | None = None,
    provider_options: MappingABC[str, Any] | None = None,
    resample: MappingABC[str, Any] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    out: str | os.PathLike | None = None,
    overwrite: bool = False,
    workers: int | None = None,
    scheduler: str | None = None,
    export_options: MappingABC[str, Any] | None = None,
    progress: bool = True,
) -> ConvertSummary:
    """Convert the mappings of a data folder between ``start`` and ``end`` into files of ``format``.

    Parameters
    ----------
    data
        Folder or file the provider opens.
    format
        Exporter name, e.g. ``"cdf"`` or ``"netcdf"``.
    provider
        Provider name; by default the one installed provider whose ``can_open`` accepts ``data``.
    provider_options
        Options of the provider factory (e.g. ``altitude``).
    resample
        Options of :func:`auromat_core.resample.resample`; None writes the mappings as they are.
    start, end
        Inclusive period (UTC); None leaves it open.
    out
        Output folder, default ``<data>/converted``.
    overwrite
        Rewrite existing files (atomically); by default they are skipped.
    workers
        Local worker processes (default: the number of CPUs, at most :data:`DEFAULT_MAX_WORKERS`);
        0 runs in this process.
    scheduler
        Address of a Dask scheduler; the frames then run on its workers.
    export_options
        Options of the exporter's ``write`` (and of its ``file_name``).
    progress
        Show a progress bar (frames, rate, ETA).

    Raises
    ------
    AuromatError
        No or several providers for ``data``, an unknown name, no frames in the period.
    """
    data_path = Path(data).resolve()
    if not data_path.exists():
        raise InputError(f"data folder {data_path} does not exist")
    registration = choose_provider(data_path, provider)
    factory = registration.obj
    exporter = get_exporter(format)
    export = dict(export_options or {})
    check_options("exporter", format, exporter.write, 2, export)
    options = dict(provider_options or {})
    shown = _ShownMessages()
    with shown.watching():
        source = open_data(data_path, registration.name, **options)
        indices = frames_between(source, start, end)
    skipped_inputs = tuple(getattr(source, "skipped_inputs", ()))
    base = data_path if data_path.is_dir() else data_path.parent
    out_dir = Path(out).resolve() if out is not None else base / "converted"
    created = not out_dir.exists()
    make_folder(out_dir)
    settings = ConversionSettings.of(registration.name, factory, options, exporter, export, resample)
    if overwrite:
        recorded = read_record(out_dir, format)
        replacing = recorded is not None and bool(differences(recorded, settings) or recorded.get(UNFINISHED_KEY))
    else:
        check_settings(out_dir, format, settings, exporter.extension)
        replacing = False
    targets = {index: out_dir / file_name(exporter, source.identifiers[index], source.times[index], export) for index in indices}
    outputs = {index: _outputs(source, index, targets[index], exporter, out_dir, export) for index in indices}
    names = [path for paths in outputs.values() for path in paths]
    duplicates = len(names) - len(set(names))
    if duplicates:
        raise InputError(f"{duplicates} file(s) of {source!r} would be written to the same name as another; identifiers must be unique")
    todo = [
        (index, source.identifiers[index], targets[index]) for index in indices
        if overwrite or not all(is_complete(path) for path in outputs[index])
    ]
    skipped = len(targets) - len(todo)
    if skipped:
        log.info("skipping %d frame(s) already converted in %s", skipped, out_dir)
    job = ConvertJob(
        factory, str(data_path), tuple(sorted(options.items())), exporter,
        tuple(sorted(export.items())), None if resample is None else tuple(sorted(dict(resample).items())),
        str(out_dir), overwrite,
    )
    every_frame = len(indices) == len(source)
    del source
    workers = min(os.cpu_count() or 1, DEFAULT_MAX_WORKERS) if workers is None else workers
    if todo and workers and scheduler is None:  # a Dask cluster sends functions with cloudpickle, which takes more
        _check_sendable({f"provider {registration.name!r} (plugin {registration.plugin!r})": factory, f"exporter {format!r}": exporter})
    results: list[FrameResult] = []
    failures: list[tuple[str, str]] = []
    if todo:
        with writing_into(out_dir, created, settings_path(out_dir, format)):
            record_settings(out_dir, format, settings, unfinished=replacing)
            results, failures = _run(job, todo, workers, scheduler, progress, format, shown)
            if replacing and every_frame and not failures:
                record_settings(out_dir, format, settings)  # every file now has these settings
    elif read_record(out_dir, format) is None:  # nothing to write, and a record that matched is left as it is
        with contextlib.suppress(OSError):  # a read-only folder: nothing can change there anyway
            record_settings(out_dir, format, settings)
    written = tuple(Path(path) for result in results for path in result.paths)
    skipped += sum(not result.paths for result in results)  # completed meanwhile, by another run into the same folder
    return ConvertSummary(out_dir, written, skipped, tuple(failures), tuple(sorted(results, key=lambda r: r.index)), skipped_inputs)


def _check_sendable(objects: dict[str, Any]) -> None:
    """Refuse, before any frame, a provider factory or exporter that cannot be sent to worker processes (by pickle)."""
    for what, obj in objects.items():
        try:
            pickle.dumps(obj)
        except Exception as error:  # noqa: BLE001 - pickle raises many kinds (PicklingError, AttributeError, TypeError)
            raise PluginError(
                f"{what} cannot be sent to the worker processes ({type(error).__name__}: {error}): it must be importable, "
                "e.g. a class or instance defined at the top level of a module; --workers 0 converts in this process"
            ) from None


def _outputs(source: Any, index: int, target: Path, exporter: Any, out_dir: Path, export: MappingABC[str, Any]) -> list[Path]:
    """The files frame ``index`` becomes: ``target``, or one per member of a collection the provider names before loading."""
    members = source.members(index) if hasattr(source, "members") else None
    if members is None:
        return [target]
    return [out_dir / file_name(exporter, identifier, time, export) for identifier, time in members]


def _run(
    job: ConvertJob, todo: list[tuple[int, str, Path]], workers: int, scheduler: str | None, progress: bool, format: str,
    shown: _ShownMessages,
) -> tuple[list[FrameResult], list[tuple[str, str]]]:
    results: list[FrameResult] = []
    failures: list[tuple[str, str]] = []
    if not todo:
        return results, failures
    with _executor(workers, scheduler, shown) as (submit, as_completed, cancel):
        try:
            futures = {submit(convert_frame, job, index, identifier, str(path)): (index, identifier) for index, identifier, path in todo}
        except concurrent.futures.BrokenExecutor:
            raise _worker_ended("at the start", 0) from None
        bar = progress_bar(total=len(futures), unit="frame", desc=f"convert to {format}", enabled=progress, dynamic_ncols=True)
        try:
            for future in as_completed(list(futures)):
                index, identifier = futures[future]
                try:
                    results.append(future.result())
                except concurrent.futures.BrokenExecutor:
                    raise _worker_ended(f"while converting {identifier}", len(results)) from None
                except Exception as error:
                    if isinstance(error, OSError) and error.errno in STORAGE_FULL_ERRNOS:
                        raise AuromatError(
                            f"{error.filename or job.out_dir}: the output storage is full ({error.strerror}) while writing frame {identifier}; "
                            f"{len(results)} frame(s) were converted before: free space and run again to resume (complete files are skipped)"
                        ) from None
                    message = f"{type(error).__name__}: {error}" if not isinstance(error, AuromatError) else str(error)
                    # with --debug, each failed frame's traceback (a worker's included, as its cause)
                    log.error("frame %d (%s) failed: %s", index, identifier, message, exc_info=log.isEnabledFor(logging.DEBUG))
                    failures.append((identifier, message))
                bar.update(1)
        except BaseException as error:
            cancel(list(futures))
            if isinstance(error, KeyboardInterrupt):
                raise ConversionInterrupted(len(results), len(futures)) from None
            raise
        finally:
            bar.close()
    return results, failures


class ConversionInterrupted(KeyboardInterrupt):
    """Ctrl-C (or SIGTERM) during a conversion, with how far it got."""

    def __init__(self, converted: int, total: int) -> None:
        super().__init__(converted, total)
        self.converted, self.total = converted, total

    def __str__(self) -> str:
        return (f"{self.converted} of {self.total} frame(s) were converted; run the same command again to resume "
                "(complete files are skipped)")


def _worker_ended(when: str, converted: int) -> AuromatError:
    return AuromatError(
        f"a worker process ended abruptly (killed, or out of memory?) {when}; {converted} frame(s) were converted "
        "before: run again to resume (complete files are skipped), with fewer --workers if memory is short"
    )


class _FormatOption(click.Option):
    """``--format``, whose help lists the installed exporters."""

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        names = ", ".join(registration.name for registration in list_exporters()) or "none installed"
        self.help = f"Output format: an exporter name ({names})."
        return super().get_help_record(ctx)


@click.command("convert")
@click.option("--data", type=click.Path(exists=True, path_type=Path), default=".", show_default=True, help="Data folder (or file) to convert.")
@click.option("--format", "format_", cls=_FormatOption, required=True, help="Output format: an exporter name.")
@click.option("--provider", help="Provider name (default: detected from the data).")
@click.option("--altitude", type=float, help="Mapping altitude in km (default: the provider's).")
@click.option("--resample", is_flag=True, help="Resample every mapping onto a plate-carree grid.")
@click.option("--resolution", type=click.FloatRange(min=0, min_open=True), default=100.0, show_default=True, help="Resampling resolution, arcsec per pixel.")
@click.option("--grid", type=click.Choice(["geo", "mag"]), default="mag", show_default=True, help="Resampling grid: geodetic or MLat/MLT.")
@click.option("--method", type=click.Choice(["mean", "nearest", "linear"]), default="mean", show_default=True,
              help="Resampling method: mean of the source pixels in a cell (leaves holes where the grid is finer), nearest or linear.")
@click.option("--without-bounds", is_flag=True, help="Do not write pixel corners.")
@click.option("--without-mag", is_flag=True, help="Do not write MLat/MLT.")
@click.option("--without-geo", is_flag=True, help="Do not write geodetic lat/lon (readers recover them from MLat/MLT).")
@click.option("--start", type=UTC_TIME, metavar="TIME", help="First time (UTC), e.g. 2011-09-18T11:54:00.")
@click.option("--end", type=UTC_END, metavar="TIME", help="Last time (UTC, inclusive: 2011-01-06 is the whole day).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help="Output folder [default: DATA/converted].")
@click.option("--skip", is_flag=True, help="Skip existing output files (the default).")
@click.option("--overwrite", is_flag=True, help="Rewrite existing output files.")
@click.option("--workers", type=click.IntRange(min=0), help="Local worker processes [default: CPU count, at most 4; 0: none].")
@click.option("--scheduler", metavar="ADDRESS", help="Run on a Dask distributed scheduler, e.g. tcp://host:8786.")
@click.option("--compression", type=click.IntRange(0, 9), help="Deflate/GZIP level [default: the exporter's].")
@click.option("--precision", type=click.FloatRange(min=0, min_open=True), help="Largest coordinate rounding error, metres [default: the exporter's].")
@click.option("--exact-coordinates", is_flag=True, help="Store exact float64 coordinates (no rounding).")
@click.option("--float32-coordinates", is_flag=True, help="Store float32 coordinates.")
@click.option("--provider-option", "-p", "provider_pairs", multiple=True, metavar="KEY=VALUE",
              help="Provider option, e.g. -p allow_later_skymap=true (values are JSON).")
@click.option("--no-progress", is_flag=True, help="Hide the progress bar (frames done, rate, time left).")
@click.pass_context
def convert_command(
    ctx: click.Context, data: Path, format_: str, provider: str | None, altitude: float | None, resample: bool,
    resolution: float, grid: str, method: str, without_bounds: bool, without_mag: bool, without_geo: bool,
    start: datetime | None, end: datetime | None, out: Path | None, skip: bool, overwrite: bool,
    workers: int | None, scheduler: str | None, compression: int | None, precision: float | None,
    exact_coordinates: bool, float32_coordinates: bool, provider_pairs: tuple[str, ...], no_progress: bool,
) -> None:
    """Convert a data folder into one file per mapping.

    Re-running resumes: complete files are skipped, partial ones redone. The
    settings are recorded in the output folder; a run with other settings into
    it is refused unless it overwrites the files.
    """
    check_period(start, end)
    if skip and overwrite:
        raise click.UsageError("--skip and --overwrite exclude each other", ctx)
    if without_geo and without_mag:
        raise click.UsageError("--without-geo and --without-mag exclude each other: a file needs lat/lon or MLat/MLT", ctx)
    if not resample:
        for name in ("resolution", "grid", "method"):
            if ctx.get_parameter_source(name) is not click.core.ParameterSource.DEFAULT:
                raise click.UsageError(f"--{name} needs --resample", ctx)
    if scheduler is not None and workers is not None:
        raise click.UsageError("--workers is for local processes; the Dask cluster's workers run with --scheduler", ctx)
    export_options = _export_options(ctx, format_, compression, precision, exact_coordinates, float32_coordinates, without_bounds, without_mag, without_geo)
    summary = convert(
        data, format_,
        provider=provider,
        provider_options=provider_options(altitude, provider_pairs),
        resample={"arcsec_per_px": resolution, "grid": grid, "method": method} if resample else None,
        start=start, end=end, out=out, overwrite=overwrite, workers=workers, scheduler=scheduler,
        export_options=export_options, progress=not no_progress,
    )
    unusable = f"; {len(summary.skipped_inputs)} input file(s) could not be used (see the warnings)" if summary.skipped_inputs else ""
    frames = sum(bool(result.paths) for result in summary.results)
    click.echo(
        f"converted {frames} frame(s) into {len(summary.written)} file(s), skipped {summary.skipped} frame(s) already converted, "
        f"in {summary.out_dir}{unusable}"
    )
    if summary.failures:
        name, message = summary.failures[0]
        total = len(summary.failures) + len(summary.results)
        raise AuromatError(f"{len(summary.failures)} of {total} frame(s) failed; first: {name}: {message}")


def _export_options(
    ctx: click.Context, format: str, compression: int | None, precision: float | None, exact_coordinates: bool,
    float32_coordinates: bool, without_bounds: bool, without_mag: bool, without_geo: bool,
) -> dict[str, Any]:
    """The standard exporter options (:data:`auromat_core.exporters.STANDARD_OPTIONS`) set by flags; the exporter's defaults stand for the rest."""
    if exact_coordinates and (float32_coordinates or precision is not None):
        other = "--float32-coordinates" if float32_coordinates else "--precision"
        raise click.UsageError(f"--exact-coordinates and {other} exclude each other", ctx)
    flags: dict[str, tuple[str, Any]] = {}
    if compression is not None:
        flags["compression"] = (EXPORT_OPTION_FLAGS["compression"], compression)
    if exact_coordinates:
        flags["coordinate_precision"] = ("--exact-coordinates", None)
    elif precision is not None:
        flags["coordinate_precision"] = ("--precision", precision)
    if float32_coordinates:
        flags["float32_coordinates"] = (EXPORT_OPTION_FLAGS["float32_coordinates"], True)
    for name, given in (("include_bounds", without_bounds), ("include_mag", without_mag), ("include_geo", without_geo)):
        if given:
            flags[name] = (EXPORT_OPTION_FLAGS[name], False)
    known = exporter_options_of(get_exporter(format))
    refused = [flag for name, (flag, _) in flags.items() if known is not None and name not in known]
    if refused:
        raise InputError(f"exporter {format!r} does not take {', '.join(refused)}; its options are: {', '.join(known) or 'none'}")
    return {name: value for name, (_, value) in flags.items()}


@hookimpl
def register_commands(cli: click.Group) -> None:
    """Add ``auromat convert``."""
    cli.add_command(convert_command)
