"""The shared download client against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import gzip
import logging
import os
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from auromat_core import download as download_module
from auromat_core.download import (
    CDF,
    GZIP,
    JPEG,
    DownloadSummary,
    RemoteFileNotFound,
    ServerUnreachable,
    check_base_url,
    clear_missing,
    download_all,
    download_file,
    download_if_available,
    is_marked_missing,
    is_present,
    leading_bytes,
    mark_missing,
    missing_marker,
    part_path,
    redact_url,
)
from auromat_core.errors import DownloadError, InputError
from tests.http_server import MAINTENANCE_PAGE, FixtureHandler, etag, serving, unused_port


class Behaviour:
    """What the server does, per path, and what it saw."""

    def __init__(self, content: bytes) -> None:
        self.content = content
        self.requests: list[tuple[str, str | None]] = []
        self.if_ranges: list[str | None] = []
        self.failures_left: dict[str, int] = {}
        self.lock = threading.Lock()


def _handler(behaviour: Behaviour) -> type[FixtureHandler]:
    class Handler(FixtureHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server API)
            path = self.path.split("?")[0]
            range_header = self.headers.get("Range")
            with behaviour.lock:
                behaviour.requests.append((path, range_header))
                behaviour.if_ranges.append(self.headers.get("If-Range"))
                failures = behaviour.failures_left.get(path, 0)
                behaviour.failures_left[path] = max(0, failures - 1)
            content = behaviour.content
            if path == "/missing":
                self.send_body(404, b"not here")
            elif path == "/forbidden":
                self.send_body(403, b"no")
            elif path in ("/flaky", "/down") and failures:
                self.send_body(500, b"busy")
            elif path in ("/cut", "/stale") and failures:
                self.send_cut(content, len(content) // 3)
            elif path in ("/cut", "/ranged"):
                self.send_content(content)
            elif path == "/stale":  # resumes whatever If-Range says
                self.send_content(content, if_range=False)
            elif path == "/same":  # ignores Range, but the file and its ETag are unchanged
                self.send_content(content, ranges=False)
            elif path == "/page" or (path == "/mislabelled-page" and failures):
                self.send_page()
            elif path == "/unlabelled-page" and failures:
                self.send_body(200, MAINTENANCE_PAGE)
            elif path == "/mislabelled":  # the file, but called a web page
                self.send_body(200, content, {"Content-Type": "text/html"})
            elif path == "/encoded.gz":  # a .gz file labelled as gzip-encoded, as Apache's 'AddEncoding gzip .gz' does
                self.send_body(200, gzip.compress(content), {"Content-Type": "application/gzip", "Content-Encoding": "gzip"})
            else:  # /flaky after failing, /norange (ignores Range), /file
                self.send_body(200, content)

    return Handler


@pytest.fixture
def content(themis_fixtures: Path) -> bytes:
    """Real bytes to serve: the Gakona L1 CDF (2.3 MB)."""
    return (themis_fixtures / "thg_l1_asf_gako_2011010617_v01.cdf").read_bytes()


@pytest.fixture
def server(content: bytes) -> Iterator[tuple[str, Behaviour]]:
    behaviour = Behaviour(content)
    with serving(_handler(behaviour)) as url:
        yield url, behaviour


FAST = {"backoff": 0.0, "timeout": 10.0, "progress": False}


def test_downloads_a_file_and_leaves_no_part(server, tmp_path: Path, content: bytes) -> None:
    base, behaviour = server
    target = tmp_path / "sub" / "file.cdf"
    assert download_file(f"{base}/file", target, **FAST) == target
    assert target.read_bytes() == content
    assert not part_path(target).exists()
    assert behaviour.requests == [("/file", None)]


def test_a_gzip_labelled_file_is_stored_as_sent(server, tmp_path: Path, content: bytes) -> None:
    base, _ = server
    target = download_file(f"{base}/encoded.gz", tmp_path / "bad_pixels.gz", expect=GZIP, **FAST)
    assert gzip.decompress(target.read_bytes()) == content


def test_existing_file_is_not_fetched_again(server, tmp_path: Path) -> None:
    base, behaviour = server
    target = tmp_path / "file.cdf"
    target.write_bytes(b"already here")
    download_file(f"{base}/file", target, **FAST)
    assert target.read_bytes() == b"already here"
    assert behaviour.requests == []


def test_404_raises_not_found_without_retry(server, tmp_path: Path) -> None:
    base, behaviour = server
    target = tmp_path / "gone.cdf"
    with pytest.raises(RemoteFileNotFound) as info:
        download_file(f"{base}/missing", target, **FAST)
    assert isinstance(info.value, DownloadError)
    assert "/missing" in str(info.value) and "404" in str(info.value)
    assert "\n" not in str(info.value)
    assert not target.exists() and not part_path(target).exists()
    assert len(behaviour.requests) == 1


def test_other_client_error_is_a_download_error_without_retry(server, tmp_path: Path) -> None:
    base, behaviour = server
    with pytest.raises(DownloadError, match="403") as info:
        download_file(f"{base}/forbidden", tmp_path / "f", **FAST)
    assert not isinstance(info.value, RemoteFileNotFound)
    assert len(behaviour.requests) == 1


def test_500_then_200_is_retried(server, tmp_path: Path, content: bytes, caplog) -> None:
    base, behaviour = server
    behaviour.failures_left["/flaky"] = 2
    target = tmp_path / "flaky.cdf"
    with caplog.at_level(logging.WARNING, logger="auromat_core.download"):
        download_file(f"{base}/flaky", target, retries=3, **FAST)
    assert target.read_bytes() == content
    assert [p for p, _ in behaviour.requests] == ["/flaky"] * 3
    assert sum("HTTP 500" in r.getMessage() for r in caplog.records) == 2


def test_retries_exhausted_raise_and_write_nothing(server, tmp_path: Path) -> None:
    base, behaviour = server
    behaviour.failures_left["/down"] = 100
    target = tmp_path / "down.cdf"
    with pytest.raises(DownloadError, match=r"failed after 3 attempts: HTTP 500"):
        download_file(f"{base}/down", target, retries=2, **FAST)
    assert len(behaviour.requests) == 3
    assert not target.exists()


def test_back_off_doubles(server, tmp_path: Path, monkeypatch) -> None:
    base, behaviour = server
    behaviour.failures_left["/flaky"] = 2
    delays: list[float] = []
    monkeypatch.setattr(download_module, "time", SimpleNamespace(sleep=delays.append, time=time.time))
    download_file(f"{base}/flaky", tmp_path / "f", retries=2, backoff=0.2, timeout=10, progress=False)
    assert delays == [0.2, 0.4]


def test_connection_cut_mid_file_resumes_with_range(server, tmp_path: Path, content: bytes) -> None:
    base, behaviour = server
    behaviour.failures_left["/cut"] = 1
    target = tmp_path / "cut.cdf"
    download_file(f"{base}/cut", target, retries=1, **FAST)
    assert target.read_bytes() == content
    (first, no_range), (second, resumed) = behaviour.requests
    assert first == second == "/cut" and no_range is None
    start = int(resumed.removeprefix("bytes=").rstrip("-"))
    assert 0 < start <= len(content) // 3  # what arrived before the cut is kept (up to a chunk)
    assert behaviour.if_ranges == [None, etag(content)]  # resumed only if it is still the same file
    assert [p.name for p in tmp_path.iterdir()] == ["cut.cdf"]


def _interrupted(base: str, name: str, behaviour: Behaviour, target: Path) -> None:
    """A download of ``name`` cut off after a third, its part kept with the file's validator."""
    behaviour.failures_left[f"/{name}"] = 1
    with pytest.raises(DownloadError, match="connection"):
        download_file(f"{base}/{name}", target, retries=0, **FAST)
    assert 0 < part_path(target).stat().st_size <= len(behaviour.content) // 3
    assert target.with_name(target.name + ".part.validator").read_text() == etag(behaviour.content)


def test_a_file_changed_on_the_server_is_downloaded_anew_not_spliced(server, tmp_path: Path, content: bytes, caplog) -> None:
    base, behaviour = server
    target = tmp_path / "cut.cdf"
    _interrupted(base, "cut", behaviour, target)
    behaviour.content = changed = content[::-1]
    with caplog.at_level(logging.INFO, logger="auromat_core.download"):
        download_file(f"{base}/cut", target, **FAST)
    assert target.read_bytes() == changed
    assert behaviour.requests[-1][1] is not None and behaviour.if_ranges[-1] == etag(content)
    assert [p.name for p in tmp_path.iterdir()] == ["cut.cdf"]
    assert "the remote file changed since the partial download; downloading it again" in caplog.text
    assert "ignored the byte range" not in caplog.text


def test_a_server_ignoring_the_range_of_an_unchanged_file_is_not_called_a_change(server, tmp_path: Path, content: bytes, caplog) -> None:
    base, behaviour = server
    target = tmp_path / "same.cdf"
    part_path(target).write_bytes(content[:1000])
    target.with_name("same.cdf.part.validator").write_text(etag(content))
    with caplog.at_level(logging.INFO, logger="auromat_core.download"):
        download_file(f"{base}/same", target, **FAST)
    assert target.read_bytes() == content
    assert behaviour.requests == [("/same", "bytes=1000-")] and behaviour.if_ranges == [etag(content)]
    assert f"{base}/same: the server ignored the byte range; downloading same.cdf again from the start" in caplog.messages
    assert "changed" not in caplog.text


def test_a_server_ignoring_if_range_with_another_file_makes_it_start_over(server, tmp_path: Path, content: bytes, caplog) -> None:
    base, behaviour = server
    target = tmp_path / "stale.cdf"
    _interrupted(base, "stale", behaviour, target)
    behaviour.content = changed = content[::-1]
    with caplog.at_level(logging.WARNING, logger="auromat_core.download"):
        download_file(f"{base}/stale", target, **FAST)
    assert target.read_bytes() == changed
    assert [r[1] is None for r in behaviour.requests] == [True, False, True]
    assert "the remote file changed since the partial download; starting over" in caplog.text


def test_partial_file_from_an_earlier_run_is_resumed(server, tmp_path: Path, content: bytes) -> None:
    base, behaviour = server
    target = tmp_path / "ranged.cdf"
    part_path(target).write_bytes(content[:1000])
    download_file(f"{base}/ranged", target, **FAST)
    assert target.read_bytes() == content
    assert behaviour.requests == [("/ranged", "bytes=1000-")]


def test_complete_partial_file_is_finished_on_416(server, tmp_path: Path, content: bytes) -> None:
    base, behaviour = server
    target = tmp_path / "ranged.cdf"
    part_path(target).write_bytes(content)
    download_file(f"{base}/ranged", target, **FAST)
    assert target.read_bytes() == content and not part_path(target).exists()
    assert behaviour.requests == [("/ranged", f"bytes={len(content)}-")]


def test_server_ignoring_range_gives_the_full_file(server, tmp_path: Path, content: bytes) -> None:
    base, behaviour = server
    target = tmp_path / "norange.cdf"
    part_path(target).write_bytes(b"x" * 5000)
    download_file(f"{base}/norange", target, **FAST)
    assert target.read_bytes() == content
    assert behaviour.requests == [("/norange", "bytes=5000-")]


def test_an_html_page_instead_of_the_file_fails_and_leaves_nothing(server, tmp_path: Path) -> None:
    base, behaviour = server
    target = tmp_path / "hour.cdf"
    with pytest.raises(DownloadError) as error:
        download_file(f"{base}/page", target, **FAST)
    assert str(error.value) == (
        f"{base}/page: expected a .cdf file, not an HTML page, "
        "got text/html, 37 bytes, starting '<html><body>Maintenance</body></...'"
    )
    assert list(tmp_path.iterdir()) == []  # no file, no .part, no validator: the next run asks again
    assert len(behaviour.requests) == 1  # a page is not retried like a server error
    assert download_file(f"{base}/page.html", tmp_path / "page.html", **FAST).exists()  # a web page may be HTML


def test_the_callers_check_refuses_a_body_without_a_content_type(server, tmp_path: Path, content: bytes) -> None:
    base, behaviour = server
    behaviour.failures_left["/unlabelled-page"] = 1
    target = tmp_path / "hour.cdf"
    with pytest.raises(DownloadError) as error:
        download_file(f"{base}/unlabelled-page", target, expect=CDF, **FAST)
    assert str(error.value) == (
        f"{base}/unlabelled-page: expected a CDF file (starting CD F3 00 01 or CD F2 60 02 or 00 00 FF FF), "
        "got no Content-Type, 37 bytes, starting '<html><body>Maintenance</body></...'"
    )
    assert list(tmp_path.iterdir()) == []
    assert download_file(f"{base}/unlabelled-page", target, expect=CDF, **FAST) == target  # the server is back
    assert target.read_bytes() == content


def test_the_callers_check_decides_over_a_wrong_content_type(server, tmp_path: Path, content: bytes) -> None:
    base, _ = server
    assert download_file(f"{base}/mislabelled", tmp_path / "a.cdf", expect=CDF, **FAST).read_bytes() == content
    with pytest.raises(DownloadError, match=r"expected a JPEG image \(starting FF D8 FF\), got text/html, 2\d{6} bytes, starting '\\xcd\\xf3\\x00\\x01"):
        download_file(f"{base}/mislabelled", tmp_path / "a.jpg", expect=JPEG, **FAST)
    assert not part_path(tmp_path / "a.jpg").exists()


def test_a_complete_part_is_checked_before_it_is_renamed(server, tmp_path: Path, content: bytes) -> None:
    base, behaviour = server
    target = tmp_path / "ranged.cdf"
    part_path(target).write_bytes(MAINTENANCE_PAGE.ljust(len(content), b" "))
    with pytest.raises(DownloadError, match=r"/ranged: expected a CDF file .*, got \d+ bytes, starting '<html>"):
        download_file(f"{base}/ranged", target, expect=CDF, **FAST)
    assert behaviour.requests == [("/ranged", f"bytes={len(content)}-")]  # 416: nothing left to send
    assert list(tmp_path.iterdir()) == []


def test_a_present_file_failing_the_check_is_downloaded_again(server, tmp_path: Path, content: bytes, caplog) -> None:
    base, behaviour = server
    target = tmp_path / "hour.cdf"
    target.write_bytes(MAINTENANCE_PAGE)
    with caplog.at_level(logging.WARNING, logger="auromat_core.download"):
        download_file(f"{base}/file", target, expect=CDF, **FAST)
    assert target.read_bytes() == content and behaviour.requests == [("/file", None)]
    assert caplog.messages == [
        f"{target} is not a CDF file (starting CD F3 00 01 or CD F2 60 02 or 00 00 FF FF): "
        "found 37 bytes, starting '<html><body>Maintenance</body></...'; deleting it to download it again"
    ]
    download_file(f"{base}/file", target, expect=CDF, **FAST)
    assert len(behaviour.requests) == 1  # a good file is present


def test_content_checks(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "f"
    path.write_bytes(content)
    assert CDF(path) is None and JPEG(path) == "a JPEG image (starting FF D8 FF)"
    two = leading_bytes("a TIFF file", b"II*\x00", b"MM\x00*")
    for head in (b"II*\x00rest", b"MM\x00*"):
        path.write_bytes(head)
        assert two(path) is None
    path.write_bytes(b"MM")
    assert two(path) == "a TIFF file (starting 49 49 2A 00 or 4D 4D 00 2A)"
    assert not is_present(tmp_path / "absent", two)
    assert is_present(path) and path.exists()  # no check: any file is present
    assert not is_present(path, two) and not path.exists()


def test_a_batch_downloads_again_a_present_file_that_fails_its_check_and_counts_a_page_as_failed(server, tmp_path: Path, content: bytes) -> None:
    base, behaviour = server
    bad, page, good = tmp_path / "file", tmp_path / "page", tmp_path / "present"
    bad.write_bytes(MAINTENANCE_PAGE)
    good.write_bytes(content)

    def fetch(path: Path) -> bool:
        download_file(f"{base}/{path.name}", path, expect=CDF, **FAST)
        return True

    summary = download_all([bad, page, good], fetch, "files", progress=False, expect=dict.fromkeys([bad, page, good], CDF))
    assert summary.downloaded == [bad] and summary.present == [good] and [p for p, _ in summary.failed] == [page]
    assert "expected a CDF file" in summary.failed[0][1] and "got text/html" in summary.failed[0][1]
    assert bad.read_bytes() == content and not page.exists() and not part_path(page).exists()
    assert str(summary) == "1 downloaded, 1 already present, 1 failed"


def test_download_if_available_checks_a_present_file(server, tmp_path: Path, content: bytes) -> None:
    base, behaviour = server
    target = tmp_path / "hour.cdf"
    target.write_bytes(MAINTENANCE_PAGE)
    assert download_if_available(f"{base}/file", target, expect=CDF, **FAST) == target
    assert target.read_bytes() == content and len(behaviour.requests) == 1


def test_unreachable_server_is_a_download_error_and_leaves_no_folders(tmp_path: Path) -> None:
    with pytest.raises(ServerUnreachable, match=r"failed after 2 attempts: ConnectionError: \[Errno \d+\] Connection refused$"):
        download_file(f"http://127.0.0.1:{unused_port()}/x", tmp_path / "thg" / "l1" / "x", retries=1, **FAST)
    assert list(tmp_path.iterdir()) == []


def test_a_batch_collects_failures_and_stops_when_the_server_is_unreachable(tmp_path: Path) -> None:
    paths = [tmp_path / name for name in ("present", "gone", "broken", "fine", "down", "after", "also-present")]
    for path in (paths[0], paths[-1]):
        path.write_bytes(b"x")
    fetched = []

    def fetch(path: Path) -> bool:
        fetched.append(path.name)
        if path.name == "broken":
            raise DownloadError("broken: HTTP 403 Forbidden")
        if path.name == "down":
            raise ServerUnreachable("down: cannot connect")
        return path.name != "gone"

    summary = download_all(paths, fetch, "files", progress=False)
    assert fetched == ["gone", "broken", "fine", "down"]
    assert summary.present == [paths[0]] and summary.missing == [paths[1]] and summary.downloaded == [paths[3]]
    assert summary.failed == [(paths[2], "broken: HTTP 403 Forbidden"), (paths[4], "down: cannot connect")]
    assert summary.not_attempted == [paths[5]]  # the present file after it is not counted
    assert str(summary) == "1 downloaded, 1 already present, 1 not on the server, 2 failed, 1 not attempted (server unreachable)"
    with pytest.raises(DownloadError, match=r"^stopped, the server cannot be reached: down: cannot connect; 1 file\(s\) of the test not attempted"):
        summary.raise_for_failures("the test")
    summary.not_attempted = []
    with pytest.raises(DownloadError, match=r"^2 file\(s\) of the test failed, e.g. broken: broken: HTTP 403 Forbidden$"):
        summary.raise_for_failures("the test")
    assert str(DownloadSummary(downloaded=[paths[3]])) == "1 downloaded, 0 already present, 0 failed"
    DownloadSummary(downloaded=[paths[3]]).raise_for_failures("the test")


def test_secrets_are_not_in_errors() -> None:
    assert redact_url("https://user:secret@host:8443/a/b?token=abc&x=1") == "https://host:8443/a/b?token=...&x=..."


@pytest.mark.parametrize(
    "url",
    [
        "http://alice:S3cretPw@127.0.0.1:99999/x/file.cdf",
        "ftp://alice:S3cretPw@127.0.0.1/x/file.cdf",
        "alice:S3cretPw@127.0.0.1/x/file.cdf",
        "http://:S3cretPw@/x/file.cdf",
    ],
)
def test_a_malformed_url_is_refused_without_its_secrets(url: str, tmp_path: Path) -> None:
    with pytest.raises(ServerUnreachable, match="not an http:// or https:// URL with a host name and a valid port") as error:
        download_file(url, tmp_path / "file.cdf", retries=0, progress=False)
    assert "S3cretPw" not in str(error.value) and "alice" not in str(error.value)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("url", ["http://127.0.0.1:8000/data/?token=T0ken", "http://127.0.0.1:8000/data#T0ken"])
def test_a_base_url_with_a_query_or_fragment_is_refused_without_its_values(url: str) -> None:
    with pytest.raises(InputError, match=r"^http://127\.0\.0\.1:8000/data/?(\?token=\.\.\.)?: a base URL takes no query .* or fragment") as error:
        check_base_url(url)
    assert "T0ken" not in str(error.value)


def test_a_base_url_loses_its_trailing_slashes_and_must_be_http() -> None:
    assert check_base_url("https://example.org/themis//") == "https://example.org/themis"
    with pytest.raises(ServerUnreachable, match="not an http:// or https:// URL"):
        check_base_url("ftp://example.org/themis")


def test_redacting_a_url_with_an_impossible_port() -> None:
    assert redact_url("http://bob:PwX99@127.0.0.1:99999/api/?key=K") == "http://127.0.0.1:99999/api/?key=..."


def test_markers_expire(tmp_path: Path) -> None:
    target = tmp_path / "hour.cdf"
    assert not is_marked_missing(target)
    marker = mark_missing(target)
    assert marker == missing_marker(target) == tmp_path / "hour.cdf.404"
    assert marker.stat().st_size == 0
    assert is_marked_missing(target)
    old = time.time() - timedelta(days=31).total_seconds()
    os.utime(marker, (old, old))
    assert is_marked_missing(target, max_age=timedelta(days=40))
    assert not is_marked_missing(target)
    assert not marker.exists()
    mark_missing(target)
    clear_missing(target)
    assert not marker.exists()


def test_download_if_available_records_and_respects_markers(server, tmp_path: Path, content: bytes) -> None:
    base, behaviour = server
    target = tmp_path / "missing.cdf"
    assert download_if_available(f"{base}/missing", target, **FAST) is None
    assert missing_marker(target).exists()
    assert download_if_available(f"{base}/missing", target, **FAST) is None
    assert len(behaviour.requests) == 1  # the fresh marker answered the second time
    old = time.time() - timedelta(days=31).total_seconds()
    os.utime(missing_marker(target), (old, old))
    assert download_if_available(f"{base}/file", target, **FAST) == target
    assert target.read_bytes() == content
    assert not missing_marker(target).exists()
