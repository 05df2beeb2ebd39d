"""``auromat download themis`` against a real HTTP server on 127.0.0.1 serving the THEMIS layout."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from auromat_themis import ThemisProvider, download
from auromat_themis.download import hours_between, l1_path, l2_path
from click.testing import CliRunner

from auromat_core import DownloadError
from auromat_core.cli import build_cli
from auromat_core.download import missing_marker, part_path
from tests.http_server import MAINTENANCE_PAGE, FixtureHandler, serving, unused_port
from tests.plugins.themis.synthetic import write_l2_skymap

L1_RELATIVE = "thg/l1/asi/gako/2011/01/thg_l1_asf_gako_2011010617_v01.cdf"
L2_RELATIVE = "thg/l2/asi/cal/thg_l2_asc_gako_19700101_v01.cdf"


class Archive:
    """A THEMIS archive tree served over HTTP (with Range support), recording requests."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.requests: list[tuple[str, str | None]] = []
        self.fail_with: int | None = None
        self.page_for: str | None = None
        """Requests whose path contains this are answered with a maintenance page (HTTP 200, text/html)."""

    def handler(self) -> type[FixtureHandler]:
        archive = self

        class Handler(FixtureHandler):
            def do_GET(self) -> None:  # noqa: N802
                archive.requests.append((self.path, self.headers.get("Range")))
                path = archive.root / self.path.lstrip("/").removeprefix("data/themis/")
                if archive.fail_with:
                    return self.send_body(archive.fail_with, b"failure")
                if archive.page_for and archive.page_for in self.path:
                    return self.send_page()
                if not self.path.startswith("/data/themis/") or not path.is_file():
                    return self.send_body(404, b"not found")
                return self.send_content(path.read_bytes())

        return Handler

    def l1_requests(self) -> list[str]:
        return [p for p, _ in self.requests if "/l1/" in p]


@pytest.fixture
def archive(tmp_path: Path, l1_file: Path, sav_file: Path) -> Iterator[tuple[str, Archive]]:
    root = tmp_path / "remote"
    (root / L1_RELATIVE).parent.mkdir(parents=True)
    os.symlink(l1_file, root / L1_RELATIVE)
    (root / L2_RELATIVE).parent.mkdir(parents=True)
    write_l2_skymap(root / L2_RELATIVE, sav_file)
    served = Archive(root)
    with serving(served.handler()) as url:
        yield f"{url}/data/themis", served


def _run(base: str, out: Path, *extra: str):
    args = ["download", "themis", "--start", "2011-01-06T16:30:00", "--end", "2011-01-06T18:10:00",
            "--site", "gako", "--base-url", base, "--out", str(out), "--no-progress", *extra]
    return CliRunner().invoke(build_cli(), args, catch_exceptions=False)


def test_layout_paths() -> None:
    hour = datetime(2011, 1, 6, 17)
    assert str(l1_path("gako", hour)) == L1_RELATIVE
    assert str(l2_path("gako")) == L2_RELATIVE
    assert hours_between(datetime(2011, 1, 6, 16, 30), datetime(2011, 1, 6, 18)) == [
        datetime(2011, 1, 6, 16), datetime(2011, 1, 6, 17), datetime(2011, 1, 6, 18)
    ]


def test_download_command_fetches_and_records_missing_hours(archive, tmp_path: Path, l1_file: Path) -> None:
    base, served = archive
    out = tmp_path / "local"
    result = _run(base, out)
    assert result.exit_code == 0, result.output
    assert "2 downloaded, 0 already present, 2 not on the server, 0 failed" in result.output
    assert (out / L1_RELATIVE).read_bytes() == l1_file.read_bytes()
    assert (out / L2_RELATIVE).read_bytes() == (served.root / L2_RELATIVE).read_bytes()
    for hour in ("2011010616", "2011010618"):
        missing = out / f"thg/l1/asi/gako/2011/01/thg_l1_asf_gako_{hour}_v01.cdf"
        assert not missing.exists() and missing_marker(missing).exists()
    assert len(served.requests) == 4

    again = _run(base, out)
    assert "0 downloaded, 2 already present, 2 not on the server" in again.output
    assert len(served.requests) == 4  # nothing asked: files present, markers fresh

    old = time.time() - timedelta(days=31).total_seconds()
    marker = missing_marker(out / "thg/l1/asi/gako/2011/01/thg_l1_asf_gako_2011010616_v01.cdf")
    os.utime(marker, (old, old))
    _run(base, out)
    assert served.l1_requests()[-1].endswith("thg_l1_asf_gako_2011010616_v01.cdf") and len(served.requests) == 5
    assert marker.exists()  # asked again, still missing, marked afresh

    provider = ThemisProvider(out, allow_later_skymap=True)
    assert len(provider) == 23 and provider.load(0)[0].metadata["skymap_file"] == "thg_l2_asc_gako_19700101_v01.cdf"


def test_partial_file_is_resumed(archive, tmp_path: Path, l1_file: Path) -> None:
    base, served = archive
    out = tmp_path / "local"
    target = out / L1_RELATIVE
    target.parent.mkdir(parents=True)
    part_path(target).write_bytes(l1_file.read_bytes()[:1_000_000])
    summary = download(datetime(2011, 1, 6, 17), datetime(2011, 1, 6, 17, 30), out, sites="gako", base_url=base,
                       skymaps=False, progress=False)
    assert summary.downloaded == [target]
    assert target.read_bytes() == l1_file.read_bytes()
    assert served.requests == [(f"/data/themis/{L1_RELATIVE}", "bytes=1000000-")]


def test_a_maintenance_page_is_a_failed_file_and_asked_for_again(archive, tmp_path: Path, l1_file: Path) -> None:
    base, served = archive
    served.page_for = "/l1/"
    out = tmp_path / "local"
    args = ["download", "themis", "--start", "2011-01-06T17:00:00", "--end", "2011-01-06T17:10:00", "--site", "gako",
            "--base-url", base, "--out", str(out), "--no-progress"]
    result = CliRunner().invoke(build_cli(), args, catch_exceptions=False)
    assert result.exit_code == 1
    assert f"THEMIS: 1 downloaded, 0 already present, 1 failed (in {out})" in result.output
    assert result.output.splitlines()[-1] == (
        "Error: 1 file(s) of the THEMIS download failed, e.g. thg_l1_asf_gako_2011010617_v01.cdf: "
        f"{base}/{L1_RELATIVE}: expected a CDF file (starting CD F3 00 01 or CD F2 60 02 or 00 00 FF FF), "
        "got text/html, 37 bytes, starting '<html><body>Maintenance</body></...'"
    )
    assert sorted(p.name for p in (out / L1_RELATIVE).parent.iterdir()) == []  # no file, no .part, no .404 marker

    served.page_for = None
    again = CliRunner().invoke(build_cli(), args, catch_exceptions=False)
    assert again.exit_code == 0, again.output
    assert "THEMIS: 1 downloaded, 1 already present, 0 failed" in again.output
    assert (out / L1_RELATIVE).read_bytes() == l1_file.read_bytes()


def test_pages_saved_by_an_earlier_run_are_downloaded_again(archive, tmp_path: Path, l1_file: Path, caplog) -> None:
    base, served = archive
    out = tmp_path / "local"
    for relative in (L1_RELATIVE, L2_RELATIVE):
        (out / relative).parent.mkdir(parents=True)
        (out / relative).write_bytes(MAINTENANCE_PAGE)
    summary = download(datetime(2011, 1, 6, 17), datetime(2011, 1, 6, 17), out, sites="gako", base_url=base, progress=False)
    assert summary.downloaded == [out / L2_RELATIVE, out / L1_RELATIVE] and not summary.present
    assert (out / L1_RELATIVE).read_bytes() == l1_file.read_bytes()
    assert (out / L2_RELATIVE).read_bytes() == (served.root / L2_RELATIVE).read_bytes()
    warned = [record.getMessage() for record in caplog.records if record.levelname == "WARNING"]
    assert [message.split(" is not a CDF file")[0] for message in warned] == [str(out / L2_RELATIVE), str(out / L1_RELATIVE)]


def test_server_errors_are_collected_and_fail_the_command(archive, tmp_path: Path) -> None:
    base, served = archive
    served.fail_with = 503
    summary = download(datetime(2011, 1, 6, 17), datetime(2011, 1, 6, 17), tmp_path, sites="gako", base_url=base,
                       progress=False, retries=1, backoff=0.0)
    assert len(summary.failed) == 2 and not summary.downloaded
    assert "HTTP 503" in summary.failed[0][1]
    assert not list(tmp_path.rglob("*.404"))  # a failure is not a missing file


def test_an_unreachable_server_stops_the_run_after_one_file(tmp_path: Path) -> None:
    summary = download(datetime(2011, 1, 6, 16), datetime(2011, 1, 6, 18), tmp_path, sites="gako",
                       base_url=f"http://127.0.0.1:{unused_port()}/themis", progress=False, retries=1, backoff=0.0)
    assert [path.name for path, _ in summary.failed] == ["thg_l2_asc_gako_19700101_v01.cdf"]
    assert "Connection refused" in summary.failed[0][1]
    assert len(summary.not_attempted) == 3 and not summary.downloaded and not list(tmp_path.rglob("*.404"))
    with pytest.raises(DownloadError, match=r"^stopped, the server cannot be reached: .*; 3 file\(s\) of the THEMIS download not attempted"):
        summary.raise_for_failures("the THEMIS download")


def test_bad_options_are_usage_errors(archive, tmp_path: Path) -> None:
    base, _ = archive
    result = CliRunner().invoke(build_cli(), ["download", "themis", "--start", "2011-01-06", "--end", "2011-01-06T01:00:00",
                                              "--site", "gakona", "--base-url", base, "--out", str(tmp_path)])
    assert result.exit_code == 2 and "invalid THEMIS site code" in result.output
    result = CliRunner().invoke(build_cli(), ["download", "themis", "--start", "2011-01-07", "--end", "2011-01-06",
                                              "--base-url", base, "--out", str(tmp_path)])
    assert result.exit_code == 2 and "before --start" in result.output


def test_a_base_url_with_a_query_is_one_error_before_any_request(archive, tmp_path: Path) -> None:
    base, served = archive
    result = _run(f"{base}?token=T0ken", tmp_path / "local")
    assert result.exit_code == 1
    assert result.output == f"Error: {base}?token=...: a base URL takes no query (?...) or fragment (#...); file paths are appended to it\n"
    assert not served.requests and not (tmp_path / "local").exists()


def test_an_unknown_site_is_warned_about_once(archive, tmp_path: Path, caplog) -> None:
    base, _ = archive
    result = CliRunner().invoke(build_cli(), ["download", "themis", "--start", "2011-01-06T17:00", "--end", "2011-01-06T17:10",
                                              "--site", "abcd", "--base-url", base, "--out", str(tmp_path), "--no-progress"])
    assert result.exit_code == 0, result.output
    warned = [record.getMessage() for record in caplog.records if "not among the" in record.getMessage()]
    assert len(warned) == 1 and warned[0].startswith("THEMIS site(s) 'abcd' are not among the 24 known stations")


def test_command_registers_into_the_download_group() -> None:
    from auromat_core.cli import build_cli

    assert "themis" in build_cli().commands["download"].commands


def test_provider_downloads_into_its_folder(archive, tmp_path: Path) -> None:
    base, _ = archive
    out = tmp_path / "local"
    out.mkdir()
    provider = ThemisProvider(out, sites="gako", allow_later_skymap=True)
    assert len(provider) == 0
    summary = provider.download(datetime(2011, 1, 6, 17, 5), datetime(2011, 1, 6, 17, 50), base_url=base, progress=False)
    assert len(summary.downloaded) == 2
    assert len(provider) == 23 and provider.load(22)[0].identifier == "gako.2011.01.06.17.01.06"
