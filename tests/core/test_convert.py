"""``auromat convert``: provider detection, resumable atomic output, local processes and a Dask cluster.

The input is the real ISS sequence (``seq/*.wcs`` of ISS029-E-8493..8502 with the
ISS029-E-8492 photo), shrunk 16-fold (WCS and image alike) so a frame takes a
fraction of a second.
"""

from __future__ import annotations

import errno
import gc
import json
import logging
import multiprocessing
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

import auromat_cdf.plugin
import auromat_netcdf.plugin
import auromat_spacecraft.plugin
import numpy as np
import pyproj
import pytest
from auromat_cdf import read_cdf
from auromat_netcdf import read_netcdf
from auromat_spacecraft import SpacecraftProvider
from click.testing import CliRunner
from spacepy import pycdf

from auromat_core import AuromatError, InputError, Mapping, NoDataError, PluginError, Provider, atomic_output, get_exporter, hookimpl
from auromat_core.cli import build_cli
from auromat_core.convert import ConvertJob, convert, convert_frame
from auromat_core.output_folder import LOCK_NAME, _locked, remove_partial_files
from tests.conftest import output_names, register_providers, write_sequence

FACTOR = 16
HANG_GUARD_SECONDS = 60
"""How long a test waits for something that must end before calling it hung (not a speed limit)."""
GEOD = pyproj.Geod(ellps="WGS84")


@pytest.fixture(scope="module")
def sequence(iss_fixtures, tmp_path_factory) -> Path:
    return write_sequence(iss_fixtures, tmp_path_factory.mktemp("seq"), FACTOR)


@pytest.fixture
def plugins(auromat_plugins):
    """An isolated manager with the spacecraft, CDF and netCDF plugins (``convert`` is a built-in)."""
    for module in (auromat_spacecraft.plugin, auromat_cdf.plugin, auromat_netcdf.plugin):
        auromat_plugins.register(module)
    return auromat_plugins


def ended_pid() -> int:
    """The process id of a process that has ended (of a conversion that was killed, say)."""
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True)
    return int(ended.stdout)


def live_processes_of_group(group: int) -> list[int]:
    """Processes of process group ``group`` that are not zombies (a container may have no init to reap them)."""
    live = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:  # ended meanwhile
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            live.append(int(stat.parent.name))
    return live


def position_error_m(a, b) -> float:
    defined = np.isfinite(a.lat)
    _, _, distance = GEOD.inv(a.lon[defined], a.lat[defined], b.lon[defined], b.lat[defined])
    return float(distance.max()) * (1 + a.altitude / 6356.752)


def complete_files(out: Path, pattern: str) -> list[Path]:
    """Files matching ``pattern``, without hidden (partial) ones."""
    return sorted(p for p in out.glob(pattern) if not p.name.startswith("."))


def conversion_command(data: Path, out: Path, workers: int) -> list[str]:
    return [sys.executable, "-m", "auromat_core", "convert", "--data", str(data), "--format", "cdf", "--out", str(out), "--workers", str(workers)]


def started_conversion(data: Path, out: Path, workers: int, stderr: int = subprocess.PIPE) -> subprocess.Popen:
    """``auromat convert`` to CDF in a session of its own, returned once its first file is complete (or it ended).

    It starts with Ctrl-C's default action, as a command in a terminal does, even when the tests run in the
    background of a shell, which starts its jobs ignoring SIGINT.
    """
    process = subprocess.Popen(
        conversion_command(data, out, workers),
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not complete_files(out, "*.cdf") and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    return process


def assert_converted(out: Path, sequence: Path, reader, pattern: str) -> None:
    """``out`` holds exactly one valid file per frame, each equal to the frame mapped afresh."""
    provider = SpacecraftProvider(sequence)
    files = complete_files(out, pattern)
    assert output_names(out) == [p.name for p in files]
    assert len(files) == len(provider) == 10
    for index, path in enumerate(files):
        read, expected = reader(path), provider.load(index)
        assert read.identifier == expected.identifier and read.time == expected.time
        assert np.array_equal(read.defined, expected.defined)
        assert np.array_equal(read.image[read.defined], expected.image[expected.defined])
        assert position_error_m(read, expected) <= 1.0


def test_converts_resumes_and_overwrites_in_process(plugins, sequence, tmp_path):
    out = tmp_path / "out"
    summary = convert(sequence, "cdf", out=out, workers=0, progress=False)
    assert len(summary.written) == 10 and summary.skipped == 0 and not summary.failures
    assert_converted(out, sequence, read_cdf, "*.cdf")
    assert summary.written[0].name == "auromat_map_l2_20110918T115459_ISS029-E-8493.cdf"
    first = summary.written[0]
    (out / f".{first.name}.{ended_pid()}.part.cdf").write_bytes(b"interrupted")
    first.unlink()
    again = convert(sequence, "cdf", out=out, workers=0, progress=False)
    assert [p.name for p in again.written] == [first.name] and again.skipped == 9
    assert_converted(out, sequence, read_cdf, "*.cdf")
    stamps = [path.stat().st_mtime_ns for path in summary.written]
    last = SpacecraftProvider(sequence).times[-1]
    rewritten = convert(sequence, "cdf", out=out, start=last, workers=0, progress=False, overwrite=True)
    assert rewritten.written == summary.written[-1:] and rewritten.skipped == 0
    assert [path.stat().st_mtime_ns for path in summary.written][:-1] == stamps[:-1]
    assert summary.written[-1].stat().st_mtime_ns > stamps[-1]


def test_a_later_run_sees_the_data_as_it_is_then(plugins, iss_fixtures, tmp_path):
    """Frames added between two runs in one process are converted from the new data, not a provider of the first run."""
    data = write_sequence(iss_fixtures, tmp_path / "data", FACTOR)
    moved = tmp_path / "later"
    moved.mkdir()
    for suffix in (".jpg", ".wcs"):
        (data / f"ISS029-E-8493{suffix}").rename(moved / f"ISS029-E-8493{suffix}")
    out = tmp_path / "out"
    first = convert(data, "cdf", out=out, workers=0, progress=False)
    assert len(first.written) == 9
    for path in moved.iterdir():
        path.rename(data / path.name)
    second = convert(data, "cdf", out=out, workers=0, progress=False, overwrite=True)
    assert len(second.written) == 10
    assert_converted(out, data, read_cdf, "*.cdf")
    assert gc.get_freeze_count() == 0


def test_a_frame_that_changed_after_planning_fails_clearly(plugins, sequence, tmp_path):
    job = ConvertJob(SpacecraftProvider, str(sequence), (), get_exporter("cdf"), (), None, str(tmp_path), False)
    target = tmp_path / "frame.cdf"
    with pytest.raises(AuromatError, match=rf"the data in {sequence} changed during the conversion: frame 0 is ISS029-E-8493, not ISS029-E-8492; run again"):
        convert_frame(job, 0, "ISS029-E-8492", str(target))
    with pytest.raises(AuromatError, match="frame 10 is gone, not ISS029-E-8503"):
        convert_frame(job, 10, "ISS029-E-8503", str(target))
    assert list(tmp_path.iterdir()) == []
    assert convert_frame(job, 0, "ISS029-E-8493", str(target)).paths == (str(target),) and target.exists()


class _Twins(Provider):
    """Two frames, one second apart, whose identifiers differ only in characters a file name cannot hold."""

    def __init__(self, path):
        self.path = path

    @property
    def times(self):
        return [datetime(2011, 9, 18, 11, 55), datetime(2011, 9, 18, 11, 55, 1)]

    @property
    def identifiers(self):
        return ["twin:1", "twin/1"]

    def load(self, index):
        raise AssertionError("nothing is loaded when the file names clash")


class _Raced(Provider):
    """Two frames; loading one finishes its file first, as another run into the same folder would."""

    def __init__(self, path):
        self.out = Path(path) / "out"

    @property
    def times(self):
        return [datetime(2011, 9, 18, 11, 55), datetime(2011, 9, 18, 11, 56)]

    @property
    def identifiers(self):
        return ["first", "second"]

    def load(self, index):
        if index == 0:
            (self.out / "first.nc").write_bytes(b"written by another run")
        lat_bounds, lon_bounds = np.meshgrid(np.linspace(70, 69, 3), np.linspace(18, 20, 4), indexing="ij")
        lat, lon = ((b[:-1, :-1] + b[1:, 1:]) / 2 for b in (lat_bounds, lon_bounds))
        return Mapping(lat_bounds=lat_bounds, lon_bounds=lon_bounds, lat=lat, lon=lon, elevation=np.full(lat.shape, 45.0),
                       image=np.zeros(lat.shape, np.uint8), altitude=110, time=self.times[index], camera_position=[2100.0, 700.0, 5980.0],
                       identifier=self.identifiers[index])


def test_an_empty_output_file_is_converted_again(plugins, sequence, tmp_path):
    first = convert(sequence, "cdf", out=tmp_path, end=SpacecraftProvider(sequence).times[1], workers=0, progress=False)
    emptied = first.written[0]
    emptied.write_bytes(b"")
    again = convert(sequence, "cdf", out=tmp_path, end=SpacecraftProvider(sequence).times[1], workers=0, progress=False)
    assert again.written == (emptied,) and again.skipped == 1
    assert read_cdf(emptied).identifier == "ISS029-E-8493"


def test_a_file_finished_meanwhile_by_another_run_counts_as_skipped(plugins, tmp_path):
    register_providers(plugins, "raced-plugin", ("raced", _Raced, "frames another run finishes meanwhile"))
    summary = convert(tmp_path, "netcdf", provider="raced", out=tmp_path / "out", workers=0, progress=False)
    assert [path.name for path in summary.written] == ["second.nc"] and summary.skipped == 1
    assert (tmp_path / "out" / "first.nc").read_bytes() == b"written by another run"


def test_frames_that_would_share_a_file_name_are_refused_before_loading(plugins, tmp_path):
    register_providers(plugins, "twins-plugin", ("twins", _Twins, "two frames named alike"))
    with pytest.raises(InputError, match=r"^1 file\(s\) of .* would be written to the same name as another; identifiers must be unique$"):
        convert(tmp_path, "netcdf", provider="twins", out=tmp_path / "out", workers=0, progress=False)


def test_period_resampling_and_options(plugins, sequence, tmp_path):
    summary = convert(
        sequence, "netcdf", out=tmp_path, workers=0, progress=False,
        start=SpacecraftProvider(sequence).times[2], end=SpacecraftProvider(sequence).times[4],
        resample={"arcsec_per_px": 800, "grid": "geo"}, export_options={"include_mag": False},
    )
    assert [p.name for p in summary.written] == ["ISS029-E-8495.nc", "ISS029-E-8496.nc", "ISS029-E-8497.nc"]
    read = read_netcdf(summary.written[0])
    assert read.is_plate_carree and read.metadata["resampled_grid"] == "geo"


@pytest.mark.parametrize("debug", [False, True], ids=["quiet", "debug"])
def test_failed_frame_is_reported_and_others_written(plugins, sequence, tmp_path, caplog, debug):
    """One line per failed frame; with debug logging (``auromat --debug``) its traceback too."""
    broken = tmp_path / "seq"
    broken.mkdir()
    for path in sequence.iterdir():
        (broken / path.name).symlink_to(path)
    (broken / "ISS029-E-8496.jpg").unlink()
    (broken / "ISS029-E-8496.jpg").write_bytes(b"\xff\xd8 truncated")
    with caplog.at_level(logging.DEBUG if debug else logging.INFO, logger="auromat_core.convert"):
        summary = convert(broken, "cdf", workers=0, progress=False)
    assert len(summary.written) == 9
    assert [name for name, _ in summary.failures] == ["ISS029-E-8496"]
    assert "ISS029-E-8496.jpg" in summary.failures[0][1]
    [failed] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert failed.getMessage().startswith("frame 3 (ISS029-E-8496) failed: ")
    assert bool(failed.exc_info) == debug


def test_full_storage_stops_the_conversion_with_one_message(plugins, sequence, tmp_path, monkeypatch):
    from auromat_cdf.writer import CdfExporter

    write = CdfExporter.write
    written = []

    def write_until_full(self, mapping, path, **options):
        if len(written) == 3:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        written.append(write(self, mapping, path, **options))
        return written[-1]

    monkeypatch.setattr(CdfExporter, "write", write_until_full)
    with pytest.raises(AuromatError, match=rf"^{re.escape(str(tmp_path))}/auromat_map_l2_\w+_ISS029-E-8496.cdf: the output storage is full "
                                           r"\(No space left on device\) while writing frame ISS029-E-8496; "
                                           r"3 frame\(s\) were converted before: free space and run again to resume"):
        convert(sequence, "cdf", out=tmp_path, workers=0, progress=False)
    assert output_names(tmp_path) == sorted(p.name for p in written)


def test_a_folder_another_conversion_writes_into_is_refused(plugins, sequence, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    with _locked(out / LOCK_NAME):
        with pytest.raises(InputError, match=rf"^{re.escape(str(out))}: another auromat convert \(process {os.getpid()}\) is writing into "
                                             r"this folder; wait for it to finish, or choose another --out$"):
            convert(sequence, "cdf", out=out, workers=0, progress=False)
    assert output_names(out) == []
    assert len(convert(sequence, "cdf", out=out, end=SpacecraftProvider(sequence).times[0], workers=0, progress=False).written) == 1


def test_without_locks_on_the_file_system_the_conversion_runs_with_a_warning(plugins, sequence, tmp_path, monkeypatch, caplog):
    import fcntl

    def no_locks(*args):
        raise OSError(errno.ENOLCK, os.strerror(errno.ENOLCK))

    monkeypatch.setattr(fcntl, "flock", no_locks)
    summary = convert(sequence, "cdf", out=tmp_path, end=SpacecraftProvider(sequence).times[0], workers=0, progress=False)
    assert len(summary.written) == 1
    assert [r.getMessage() for r in caplog.records if r.levelname == "WARNING"] == [
        f"{tmp_path}: cannot lock the output folder (No locks available); another conversion into it would not be noticed"
    ]


def test_rerunning_a_finished_conversion_writes_nothing(plugins, sequence, tmp_path):
    """So it also works in a read-only folder; a record of an earlier version, without an option added since, stays."""
    out = tmp_path / "out"
    convert(sequence, "cdf", out=out, workers=0, progress=False)
    (out / LOCK_NAME).unlink()
    record = out / ".auromat-convert-cdf.json"
    older = json.loads(record.read_text())
    del older["export_options"]["magnetic_model"]
    record.write_text(json.dumps(older))
    before = {path.name: path.stat().st_mtime_ns for path in out.iterdir()}
    summary = convert(sequence, "cdf", out=out, workers=0, progress=False)
    assert summary.written == () and summary.skipped == 10
    assert {path.name: path.stat().st_mtime_ns for path in out.iterdir()} == before
    assert json.loads(record.read_text()) == older


def test_a_folder_made_for_a_run_that_cannot_record_its_settings_is_removed(plugins, sequence, tmp_path, monkeypatch):
    def full(path, *args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

    monkeypatch.setattr("auromat_core.convert.record_settings", full)
    with pytest.raises(OSError, match="No space left on device"):
        convert(sequence, "cdf", out=tmp_path / "new", workers=0, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_provider_detection(plugins, sequence, tmp_path):
    with pytest.raises(NoDataError, match=r"no installed provider can open .*cdf, netcdf, spacecraft"):
        convert(tmp_path, "cdf", workers=0, progress=False)
    mixed = tmp_path / "mixed"
    convert(sequence, "cdf", out=mixed, end=SpacecraftProvider(sequence).times[0], workers=0, progress=False)
    convert(sequence, "netcdf", out=mixed, end=SpacecraftProvider(sequence).times[0], workers=0, progress=False)
    with pytest.raises(AuromatError, match="several providers can open .*: cdf, netcdf; choose one with --provider"):
        convert(mixed, "netcdf", workers=0, progress=False)
    summary = convert(mixed, "netcdf", provider="cdf", out=tmp_path / "again", workers=0, progress=False)
    assert [p.name for p in summary.written] == ["ISS029-E-8493.nc"]


@pytest.mark.slow
def test_local_worker_processes(plugins, sequence, tmp_path):
    summary = convert(sequence, "netcdf", out=tmp_path, workers=2, progress=False)
    assert len(summary.written) == 10
    assert os.getpid() not in {result.pid for result in summary.results}
    assert_converted(tmp_path, sequence, read_netcdf, "*.nc")


@pytest.mark.slow
def test_a_killed_worker_stops_the_conversion_with_one_clear_error(plugins, sequence, tmp_path):
    """A worker the system kills (out of memory, say) ends the run with one message; a re-run completes it."""

    def kill_a_worker() -> None:
        deadline = time.monotonic() + 60
        while not multiprocessing.active_children() and time.monotonic() < deadline:
            time.sleep(0.01)
        for child in multiprocessing.active_children()[:1]:
            os.kill(child.pid, signal.SIGKILL)

    threading.Thread(target=kill_a_worker, daemon=True).start()
    ended = r"^a worker process ended abruptly \(killed, or out of memory\?\) (at the start|while converting .*); .*run again to resume"
    with pytest.raises(AuromatError, match=ended):
        convert(sequence, "cdf", out=tmp_path, workers=2, progress=False)
    summary = convert(sequence, "cdf", out=tmp_path, workers=0, progress=False)
    assert len(summary.written) + summary.skipped == 10 and not summary.failures
    assert_converted(tmp_path, sequence, read_cdf, "*.cdf")


def test_a_scheduler_address_without_port_is_one_error_and_leaves_no_folder(plugins, sequence, tmp_path):
    with pytest.raises(AuromatError, match=r"^cannot connect to the Dask scheduler at notanaddress: .*port.* \(expected an address such as tcp://host:8786\)$"):
        convert(sequence, "cdf", out=tmp_path / "out", scheduler="notanaddress", progress=False)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow
def test_dask_cluster(plugins, sequence, tmp_path):
    from dask import distributed

    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None) as cluster:
        summary = convert(sequence, "cdf", out=tmp_path, scheduler=cluster.scheduler_address, progress=False)
    assert len(summary.written) == 10 and not summary.failures
    assert len({result.pid for result in summary.results} - {os.getpid()}) == 2
    assert_converted(tmp_path, sequence, read_cdf, "*.cdf")


@pytest.mark.slow
def test_killed_conversion_resumes_to_the_full_set(sequence, tmp_path):
    out = tmp_path / "out"
    process = started_conversion(sequence, out, 1)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL, process.stderr.read()
    finished = complete_files(out, "*.cdf")
    assert 1 <= len(finished) < 10
    for path in finished:
        read_cdf(path)
    rerun = subprocess.run(conversion_command(sequence, out, 1), capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert f"into {10 - len(finished)} file(s), skipped {len(finished)} frame(s) already converted" in rerun.stdout
    assert_converted(out, sequence, read_cdf, "*.cdf")


@pytest.mark.slow
@pytest.mark.parametrize("stop", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_ctrl_c_or_sigterm_stops_the_workers_and_leaves_only_complete_files(iss_fixtures, tmp_path, stop):
    """SIGINT to the process group is what Ctrl-C in a terminal does; batch systems send SIGTERM at a time limit."""
    out = tmp_path / "out"
    process = started_conversion(write_sequence(iss_fixtures, tmp_path / "data", 4), out, 2)  # about a second per frame
    os.killpg(process.pid, stop)
    _, stderr = process.communicate(timeout=60)
    # CPython's resource tracker may warn of semaphores of the killed workers (python/cpython#114062)
    last = [line for line in stderr.strip().splitlines() if "resource_tracker" not in line][-1]
    assert process.returncode == 130 and "Traceback" not in stderr, stderr
    assert re.fullmatch(r"Interrupted: \d of 10 frame\(s\) were converted; run the same command again to resume \(complete files are skipped\)", last)
    deadline = time.monotonic() + HANG_GUARD_SECONDS
    while live_processes_of_group(process.pid) and time.monotonic() < deadline:
        time.sleep(0.05)  # a terminated worker may still be exiting
    assert live_processes_of_group(process.pid) == [], "no worker is left"
    finished = complete_files(out, "*.cdf")
    assert 1 <= len(finished) < 10
    assert output_names(out) == [p.name for p in finished], "no partial file is left"
    for path in finished:
        read_cdf(path)


@pytest.mark.slow
def test_workers_end_when_the_conversion_process_is_killed(iss_fixtures, tmp_path):
    """As when the out-of-memory killer (or a lost session) ends only the main process."""
    out = tmp_path / "out"
    process = started_conversion(write_sequence(iss_fixtures, tmp_path / "data", 4), out, 2, stderr=subprocess.DEVNULL)  # ~1 s per frame
    assert process.poll() is None and len(live_processes_of_group(process.pid)) >= 3, "the conversion and its two workers run"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + HANG_GUARD_SECONDS
    while live_processes_of_group(process.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = live_processes_of_group(process.pid)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert left == [], "the workers ended with their parent"


def test_an_unwritable_output_folder_is_one_error_before_any_frame(plugins, sequence):
    with pytest.raises(InputError, match=r"^/proc: the output folder is not writable \("):
        convert(sequence, "cdf", out="/proc", workers=0, progress=False)


def test_a_file_in_the_way_of_the_output_folder_is_named(plugins, sequence, tmp_path):
    (tmp_path / "taken").write_text("a file")
    with pytest.raises(NotADirectoryError, match="a file, not a folder") as error:
        convert(sequence, "cdf", out=tmp_path / "taken" / "out", workers=0, progress=False)
    assert error.value.filename == str(tmp_path / "taken")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--format", "netcdf", "--without-geo", "--without-mag"], "--without-geo and --without-mag exclude each other"),
        (["--format", "cdf", "--skip", "--overwrite"], "--skip and --overwrite exclude each other"),
        (["--format", "cdf", "--resolution", "50"], "--resolution needs --resample"),
        (["--format", "cdf", "--method", "nearest"], "--method needs --resample"),
        (["--format", "cdf", "--exact-coordinates", "--precision", "2"], "--exact-coordinates and --precision exclude each other"),
        (["--format", "cdf", "--exact-coordinates", "--float32-coordinates"], "--exact-coordinates and --float32-coordinates exclude each other"),
    ],
)
def test_cli_usage_errors(plugins, sequence, arguments, message):
    result = CliRunner().invoke(build_cli(), ["convert", "--data", str(sequence), *arguments])
    assert result.exit_code == 2 and message in result.output


def test_cli_user_error_is_one_line(plugins, tmp_path):
    result = CliRunner().invoke(build_cli(), ["convert", "--data", str(tmp_path), "--format", "cdf"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: no installed provider can open") and result.output.count("\n") == 1


def test_cli_converts(plugins, sequence, tmp_path):
    result = CliRunner().invoke(
        build_cli(),
        ["convert", "--data", str(sequence), "--format", "netcdf", "--out", str(tmp_path), "--workers", "0",
         "--start", "2011-09-18T11:55:20", "--without-bounds", "--exact-coordinates"],
    )
    assert result.exit_code == 0, result.output
    assert "converted 3 frame(s) into 3 file(s), skipped 0 frame(s) already converted" in result.output
    assert output_names(tmp_path) == ["ISS029-E-8500.nc", "ISS029-E-8501.nc", "ISS029-E-8502.nc"]
    assert read_netcdf(tmp_path / "ISS029-E-8502.nc").lat_bounds.shape == (177 + 1, 266 + 1)


def test_the_summary_counts_the_inputs_left_out(plugins, sequence, tmp_path, caplog):
    data = tmp_path / "data"
    shutil.copytree(sequence, data)
    (data / "ISS029-E-8493.wcs").write_text("not FITS")
    result = CliRunner().invoke(build_cli(), ["convert", "--data", str(data), "--format", "cdf", "--out", str(tmp_path / "out"), "--workers", "0"])
    assert result.exit_code == 0, result.output
    unusable = "; 1 input file(s) could not be used (see the warnings)"
    assert result.stdout.strip().endswith(f"skipped 0 frame(s) already converted, in {tmp_path / 'out'}{unusable}")
    assert any(r.getMessage().startswith(f"{data / 'ISS029-E-8493.wcs'}: not a readable FITS header") for r in caplog.records)
    assert len(output_names(tmp_path / "out")) == 9


def test_cli_progress_and_reading_files_back_at_their_altitude(plugins, sequence, tmp_path):
    arguments = ["convert", "--data", str(sequence), "--format", "cdf", "--workers", "0", "--start", "2011-09-18T11:55:25",
                 "--altitude", "150"]
    shown = CliRunner().invoke(build_cli(), [*arguments, "--out", str(tmp_path / "shown")])
    assert shown.exit_code == 0, shown.output
    assert "convert to cdf: 1/1 frames (100%), " in shown.stderr, "a status line: stderr is not a terminal"
    quiet = CliRunner().invoke(build_cli(), [*arguments, "--out", str(tmp_path / "quiet"), "--no-progress"])
    assert quiet.exit_code == 0 and "convert to cdf" not in quiet.stderr
    info = CliRunner().invoke(build_cli(), ["info", "--data", str(tmp_path / "quiet")])
    assert info.exit_code == 0, info.output
    assert "ISS029-E-8502" in info.stdout and " at 150 km, " in info.stdout, "files are read at their own altitude"
    other = CliRunner().invoke(build_cli(), ["info", "--data", str(tmp_path / "quiet"), "--altitude", "110"])
    assert other.exit_code == 1 and "mapped at 150 km, but altitude 110 km was requested" in other.output


def test_cli_resamples_with_the_chosen_method(plugins, sequence, tmp_path):
    arguments = ["convert", "--data", str(sequence), "--format", "netcdf", "--workers", "0", "--start", "2011-09-18T11:55:20",
                 "--resample", "--resolution", "400", "--grid", "geo", "--without-mag"]
    for method in ("mean", "nearest"):
        result = CliRunner().invoke(build_cli(), [*arguments, "--method", method, "--out", str(tmp_path / method)])
        assert result.exit_code == 0, result.output
    mean, nearest = (read_netcdf(tmp_path / method / "ISS029-E-8502.nc") for method in ("mean", "nearest"))
    assert mean.metadata["resampled_method"] == "mean" and nearest.metadata["resampled_method"] == "nearest"
    assert mean.shape == nearest.shape and not np.array_equal(mean.image, nearest.image)


class _NpzExporter:
    """A third party's exporter that takes none of the standard options."""

    extension = ".npz"

    def write(self, mapping, path, *, compressed: bool = True):
        with atomic_output(path) as partial, open(partial, "wb") as file:
            (np.savez_compressed if compressed else np.savez)(file, image=mapping.image, lat=mapping.lat)
        return Path(path)


@pytest.fixture
def npz_plugins(plugins):
    class NpzPlugin:
        @hookimpl
        def register_exporters(self, register):
            register("npz", _NpzExporter(), "image and latitudes in a numpy archive")

    plugins.register(NpzPlugin(), name="npz-plugin")
    return plugins


def test_cli_converts_with_an_exporter_that_takes_no_standard_option(npz_plugins, sequence, tmp_path):
    arguments = ["convert", "--data", str(sequence), "--format", "npz", "--workers", "0", "--start", "2011-09-18T11:55:25"]
    result = CliRunner().invoke(build_cli(), [*arguments, "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    with np.load(tmp_path / "ISS029-E-8502.npz") as stored:
        np.testing.assert_array_equal(stored["image"], SpacecraftProvider(sequence).load(9).image)
    refused = CliRunner().invoke(build_cli(), [*arguments, "--out", str(tmp_path / "refused"), "--compression", "1", "--without-bounds"])
    assert refused.exit_code == 1
    assert refused.output == (
        "Error: exporter 'npz' does not take --compression, --without-bounds; its options are: compressed\n"
    )
    assert not (tmp_path / "refused").exists()


class _CarelessExporter:
    """A third party's exporter that writes straight into ``path`` and fails halfway through its first file."""

    extension = ".txt"

    def __init__(self) -> None:
        self.calls = 0

    def write(self, mapping, path):
        self.calls += 1
        with open(path, "w") as file:
            file.write(mapping.identifier)
            if self.calls == 1:
                raise OSError(errno.EIO, "the disk failed halfway")
        return Path(path)


def test_a_failed_write_leaves_no_partial_file_and_the_rerun_converts_it(plugins, sequence, tmp_path):
    exporter = _CarelessExporter()

    class CarelessPlugin:
        @hookimpl
        def register_exporters(self, register):
            register("careless", exporter, "writes without atomic_output")

    plugins.register(CarelessPlugin(), name="careless-plugin")
    period = {"start": datetime(2011, 9, 18, 11, 55, 25), "out": tmp_path, "workers": 0, "progress": False}
    first = convert(sequence, "careless", **period)
    assert [identifier for identifier, _ in first.failures] == ["ISS029-E-8502"] and not first.written
    assert sorted(path.name for path in tmp_path.iterdir() if not path.name.startswith(".")) == []
    again = convert(sequence, "careless", **period)
    assert [path.name for path in again.written] == ["ISS029-E-8502.txt"] and again.skipped == 0
    assert (tmp_path / "ISS029-E-8502.txt").read_text() == "ISS029-E-8502"


class _PickyExporter:
    """An exporter that fails every frame at ``level=0``."""

    extension = ".npz"

    def write(self, mapping, path, *, level: int = 1):
        if level == 0:
            raise ValueError("level 0 is not supported")
        with atomic_output(path) as partial, open(partial, "wb") as file:
            np.savez(file, image=mapping.image)
        return Path(path)


def test_a_run_that_wrote_nothing_does_not_refuse_the_corrected_run(plugins, sequence, tmp_path):
    class PickyPlugin:
        @hookimpl
        def register_exporters(self, register):
            register("picky", _PickyExporter(), "fails at level 0")

    plugins.register(PickyPlugin(), name="picky-plugin")
    period = {"start": datetime(2011, 9, 18, 11, 55, 23), "out": tmp_path, "workers": 0, "progress": False}
    failed = convert(sequence, "picky", export_options={"level": 0}, **period)
    assert len(failed.failures) == 2 and not failed.written
    corrected = convert(sequence, "picky", export_options={"level": 1}, **period)
    assert [path.name for path in corrected.written] == ["ISS029-E-8501.npz", "ISS029-E-8502.npz"]
    with pytest.raises(InputError, match=r"holds picky files converted with other settings \(level: 1 then, 2 now\)"):
        convert(sequence, "picky", export_options={"level": 2}, **period)


def test_a_provider_workers_cannot_import_is_one_error_before_any_frame(plugins, sequence, tmp_path):
    register_providers(plugins, "closure-plugin", ("closure", lambda path: SpacecraftProvider(path), "a lambda for a factory"))
    message = (
        r"^provider 'closure' \(plugin 'closure-plugin'\) cannot be sent to the worker processes \(.*local object.*\): it must be importable, "
        r"e\.g\. a class or instance defined at the top level of a module; --workers 0 converts in this process$"
    )
    with pytest.raises(PluginError, match=message):
        convert(sequence, "cdf", provider="closure", out=tmp_path / "out", workers=2, progress=False)
    assert not any((tmp_path / "out").glob("*.cdf"))
    in_process = convert(sequence, "cdf", provider="closure", out=tmp_path / "out", workers=0, progress=False, start=datetime(2011, 9, 18, 11, 55, 25))
    assert [path.name for path in in_process.written] == ["auromat_map_l2_20110918T115526_ISS029-E-8502.cdf"]


def test_misspelled_export_option_is_named_before_any_frame(npz_plugins, sequence, tmp_path):
    with pytest.raises(InputError, match=r"^exporter 'npz' has no option 'compresed' \(did you mean 'compressed'\?\); its options are: compressed$"):
        convert(sequence, "npz", out=tmp_path / "out", workers=0, progress=False, export_options={"compresed": False})
    assert not (tmp_path / "out").exists()


def test_cli_leaves_unset_export_options_to_the_exporter(plugins, sequence, tmp_path):
    arguments = ["convert", "--data", str(sequence), "--format", "cdf", "--workers", "0", "--start", "2011-09-18T11:55:25"]
    levels = {}
    for name, flags in (("default", []), ("level1", ["--compression", "1"])):
        result = CliRunner().invoke(build_cli(), [*arguments, "--out", str(tmp_path / name), *flags])
        assert result.exit_code == 0, result.output
        (path,) = (tmp_path / name).glob("*.cdf")
        with pycdf.CDF(str(path)) as cdf:
            levels[name] = cdf["mlat"].compress()[1]
    assert levels == {"default": 4, "level1": 1}


def test_a_rerun_with_other_settings_is_refused_and_overwrite_converts_again(plugins, sequence, tmp_path):
    frames = {"start": datetime(2011, 9, 18, 11, 55, 23), "workers": 0, "progress": False, "out": tmp_path}
    first = convert(sequence, "cdf", **frames)
    assert len(first.written) == 2
    record = json.loads((tmp_path / ".auromat-convert-cdf.json").read_text())
    assert (record["provider"], record["provider_options"]["altitude"], record["export_options"]["compression"]) == ("spacecraft", 110.0, 4)
    assert record["resample"] is None
    assert convert(sequence, "cdf", provider_options={"altitude": 110.0}, export_options={"compression": 4}, **frames).skipped == 2
    with pytest.raises(InputError, match=rf"^{tmp_path} holds cdf files converted with other settings \(altitude \(--altitude\): 110.0 then, "
                                         r"120.0 now; compression \(--compression\): 4 then, 1 now\): choose another --out, or --overwrite to "
                                         r"convert them all again$"):
        convert(sequence, "cdf", provider_options={"altitude": 120.0}, export_options={"compression": 1}, **frames)
    with pytest.raises(InputError, match=r"\(max_time_offset \(-p max_time_offset\): 3.0 then, 1.0 now; include_mag \(--without-mag\): "
                                         r"true then, false now; resample \(--resample ...\): null then, "):
        convert(sequence, "cdf", provider_options={"max_time_offset": 1.0}, export_options={"include_mag": False},
                resample={"arcsec_per_px": 300}, **frames)
    again = convert(sequence, "cdf", provider_options={"altitude": 120.0}, overwrite=True, **frames)
    assert len(again.written) == 2 and {read_cdf(path).altitude for path in again.written} == {120.0}
    with pytest.raises(InputError, match=r": a conversion with --overwrite into it did not convert every frame, so some cdf files may hold "
                                         r"earlier settings: run it again with --overwrite$"):
        convert(sequence, "cdf", provider_options={"altitude": 120.0}, **frames)  # the overwriting run covered 2 of 10 frames
    whole = {**frames, "start": None}
    assert len(convert(sequence, "cdf", provider_options={"altitude": 120.0}, overwrite=True, **whole).written) == 10
    assert convert(sequence, "cdf", provider_options={"altitude": 120.0}, **frames).skipped == 2
    assert len(convert(sequence, "netcdf", **frames).written) == 2, "each format has its own record"
    assert sorted(path.name for path in tmp_path.glob(".auromat-convert-*")) == [".auromat-convert-cdf.json", ".auromat-convert-netcdf.json"]


def test_the_settings_record_fills_in_defaults_and_absolute_paths(plugins, sequence, tmp_path, monkeypatch):
    from auromat_core.convert_settings import ConversionSettings, differences

    monkeypatch.chdir(sequence.parent)
    given = ConversionSettings.of("spacecraft", SpacecraftProvider, {"wcs_folder": sequence.name}, get_exporter("cdf"), {}, None)
    assert given.values["provider_options"]["wcs_folder"] == str(sequence.resolve())
    same = ConversionSettings.of("spacecraft", SpacecraftProvider, {"wcs_folder": str(sequence.resolve())}, get_exporter("cdf"), {}, None)
    assert differences(same.values, given) == []
    older = {**same.values, "export_options": {k: v for k, v in same.values["export_options"].items() if k != "magnetic_model"}}
    assert differences(older, given) == [], "an option the record lacks counts as its default"
    (tmp_path / ".auromat-convert-cdf.json").write_text("[1, 2]")
    with pytest.raises(InputError, match=r"\.auromat-convert-cdf\.json: not a record of conversion settings \(a JSON object expected\)"):
        convert(sequence, "cdf", out=tmp_path, workers=0, progress=False)


def test_remove_partial_files_only_touches_partials_of_ended_processes(tmp_path):
    dead, running = ended_pid(), os.getpid()
    keep = [tmp_path / "a.cdf", tmp_path / ".hidden", tmp_path / "b.part", tmp_path / f".c.cdf.{running}.part.cdf"]
    drop = [tmp_path / f".a.cdf.{dead}.part", tmp_path / f".a.cdf.{dead}.part.cdf"]
    for path in keep + drop:
        path.write_bytes(b"x")
    assert sorted(remove_partial_files(tmp_path)) == sorted(drop)
    assert sorted(tmp_path.iterdir()) == sorted(keep)


def test_worker_log_messages_are_shown_once(caplog):
    """A message this process logged, or a worker already relayed, is not shown again."""
    from auromat_core.convert import _Relay, _ShownMessages

    logger = logging.getLogger("auromat_core.test_relay")
    shown = _ShownMessages()
    with caplog.at_level(logging.INFO), shown.watching():
        logger.warning("skymap %s used early", "x")
    relay = _Relay(shown)
    for message in ("skymap x used early", "frame 3 has no pixels", "frame 3 has no pixels", "frame 4 has no pixels"):
        relay.handle(logging.LogRecord(logger.name, logging.WARNING, __file__, 1, message, None, None))
    relay.handle(logging.LogRecord(logger.name, logging.DEBUG, __file__, 1, "below the level", None, None))
    assert [r.getMessage() for r in caplog.records] == ["skymap x used early", "frame 3 has no pixels", "frame 4 has no pixels"]


def test_worker_log_records_are_relayed_and_a_locked_queue_does_not_hang(caplog, monkeypatch):
    """Records a worker writes reach this process, which never writes to the queue itself; a queue whose write
    lock a killed worker kept only delays the end briefly."""
    import multiprocessing.queues
    from types import SimpleNamespace

    from auromat_core import convert as convert_module
    from auromat_core.convert import _relayed_worker_logs, _ShownMessages

    feeders = []  # a feeder thread here would hold the queue's semaphore until interpreter exit ('leaked semaphore')
    start_feeder = multiprocessing.queues.Queue._start_thread
    monkeypatch.setattr(multiprocessing.queues.Queue, "_start_thread", lambda queue: (feeders.append(queue), start_feeder(queue)))
    context = multiprocessing.get_context("spawn")
    record = logging.LogRecord("auromat_core.test_relay", logging.WARNING, __file__, 1, "from a worker", None, None)
    with caplog.at_level(logging.INFO), _relayed_worker_logs(context, _ShownMessages()) as queue:
        worker = context.Process(target=queue.put, args=(record,))
        worker.start()
        worker.join(HANG_GUARD_SECONDS)
    assert worker.exitcode == 0 and feeders == []
    assert [r.getMessage() for r in caplog.records] == ["from a worker"]
    stuck = context.Queue()
    stuck._wlock.acquire()  # as a worker SIGKILLed while writing a record leaves it
    monkeypatch.setattr(convert_module, "RELAY_STOP_SECONDS", 0.2)
    def relay_and_stop() -> None:
        with _relayed_worker_logs(SimpleNamespace(Queue=lambda: stuck), _ShownMessages()):
            pass

    stopping = threading.Thread(target=relay_and_stop, daemon=True)
    stopping.start()
    stopping.join(HANG_GUARD_SECONDS)
    assert not stopping.is_alive(), "the end of the run waits for a queue whose lock is kept"
    stuck._wlock.release()
