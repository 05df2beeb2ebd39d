"""The Space-Track client against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import http.server
import logging
import urllib.parse
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import numpy as np
import pytest
from auromat_spacecraft.mapping import resolve_pose
from auromat_spacecraft.orbit import (
    TleFile,
    position_from_tles,
    read_tle_file,
    tle_epoch,
)
from auromat_spacecraft.spacetrack import SpaceTrack
from auromat_spacecraft.wcs import WcsSolution, read_header

from auromat_core import DownloadError, InputError, NoDataError
from tests.http_server import serving

USER = "observer@example.org"
PASSWORD = "s3cret-Pa55word!"
COOKIE = "chocolatechip=abc123"


class FakeSpaceTrack(http.server.BaseHTTPRequestHandler):
    """Login form + gp_history TLE query, as served by space-track.org."""

    tle_lines: list[str] = []
    log: list[str] = []

    def log_message(self, *args) -> None:  # keep the test output clean
        pass

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", 0))
        form = urllib.parse.parse_qs(self.rfile.read(length).decode())
        self.log.append(f"POST {self.path}")
        if self.path != "/ajaxauth/login":
            self.send_error(404)
            return
        ok = form.get("identity") == [USER] and form.get("password") == [PASSWORD]
        body = b'""' if ok else b'{"Login":"Failed"}'
        self.send_response(200)
        if ok:
            self.send_header("Set-Cookie", f"{COOKIE}; Path=/")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        path = urllib.parse.unquote(self.path)
        self.log.append(f"GET {path}")
        if COOKIE not in (self.headers.get("Cookie") or ""):
            self.send_error(401, "not logged in")
            return
        parts = path.strip("/").split("/")
        prefix = ["basicspacedata", "query", "class", "gp_history", "NORAD_CAT_ID"]
        if parts[:5] != prefix or parts[6] != "EPOCH" or parts[8:] != ["orderby", "EPOCH asc", "format", "tle"]:
            self.send_error(400, "unexpected query")
            return
        start, end = (datetime.fromisoformat(t) for t in parts[7].split("--"))
        pairs = zip(self.tle_lines[0::2], self.tle_lines[1::2])
        chosen = [p for p in pairs if p[0][2:7].lstrip("0") == parts[5] and start <= tle_epoch(p[0]) <= end]
        body = "".join(f"{a}\r\n{b}\r\n" for a, b in chosen).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def server(tle_folder: Path) -> Iterator[str]:
    FakeSpaceTrack.tle_lines = (tle_folder / "25544.tle").read_text().splitlines()
    FakeSpaceTrack.log = []
    with serving(FakeSpaceTrack) as url:
        yield url


@pytest.fixture(autouse=True)
def no_ambient_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("SPACETRACK_USER", raising=False)
    monkeypatch.delenv("SPACETRACK_PASSWORD", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()


def test_a_base_url_with_a_fragment_is_refused() -> None:
    with pytest.raises(InputError, match=r"^http://127\.0\.0\.1:1/st: a base URL takes no query .* or fragment"):
        SpaceTrack(USER, PASSWORD, base_url="http://127.0.0.1:1/st#part")


def test_download_creates_tle_file(server: str, tmp_path: Path) -> None:
    path = tmp_path / "tles" / "25544.tle"
    client = SpaceTrack(USER, PASSWORD, base_url=server)
    client.update_tles_for("25544", path, datetime(2011, 9, 18, 11, 54, 56))
    tles = read_tle_file(path)
    assert [t.epoch for t in tles] == [datetime(2011, 9, 17, 18), datetime(2011, 9, 18, 6), datetime(2011, 9, 18, 18)]
    assert path.read_text().endswith("\n") and "\r" not in path.read_text()
    assert sorted(p.name for p in path.parent.iterdir()) == ["25544.tle"]
    assert FakeSpaceTrack.log[0] == "POST /ajaxauth/login"
    assert FakeSpaceTrack.log[1].startswith("GET /basicspacedata/query/class/gp_history/NORAD_CAT_ID/25544/EPOCH/")


def test_existing_tles_are_merged(server: str, tmp_path: Path, tle_folder: Path) -> None:
    lines = (tle_folder / "25544.tle").read_text().splitlines()
    path = tmp_path / "25544.tle"
    path.write_text("\n".join(lines[:2]) + "\n")
    SpaceTrack(USER, PASSWORD, base_url=server).update_tles_for("25544", path, datetime(2011, 9, 18, 12))
    assert (path.read_text().splitlines()) == lines


def test_resolve_pose_downloads_when_needed(server: str, tmp_path: Path, iss_wcs: Path, monkeypatch) -> None:
    monkeypatch.setenv("SPACETRACK_USER", USER)
    monkeypatch.setenv("SPACETRACK_PASSWORD", PASSWORD)
    header = read_header(iss_wcs)
    header.remove("POSX"), header.remove("POSY"), header.remove("POSZ")
    pose = resolve_pose(WcsSolution(header), tle_folder=tmp_path, spacetrack=SpaceTrack(base_url=server))
    assert (tmp_path / "25544.tle").is_file()
    expected = TleFile(tmp_path / "25544.tle").position(pose.time)
    np.testing.assert_array_equal(pose.position, expected)
    # a second photo in the covered range needs no request
    count = len(FakeSpaceTrack.log)
    resolve_pose(WcsSolution(header), tle_folder=tmp_path, spacetrack=SpaceTrack(base_url=server))
    assert len(FakeSpaceTrack.log) == count


def test_credentials_from_netrc(server: str, tmp_path: Path) -> None:
    netrc = tmp_path / "home" / ".netrc"
    netrc.write_text(f"machine 127.0.0.1 login {USER} password {PASSWORD}\n")
    netrc.chmod(0o600)
    path = tmp_path / "25544.tle"
    SpaceTrack(base_url=server).update_tles_for("25544", path, datetime(2011, 9, 18, 12))
    assert path.is_file()


def test_failed_login_hides_password(server: str, tmp_path: Path, caplog) -> None:
    client = SpaceTrack(USER, "wrong-" + PASSWORD, base_url=server)
    with caplog.at_level(logging.DEBUG), pytest.raises(DownloadError) as error:
        client.update_tles_for("25544", tmp_path / "25544.tle", datetime(2011, 9, 18, 12))
    text = str(error.value)
    assert "refused" in text and "\n" not in text
    for secret in (PASSWORD, "wrong-" + PASSWORD):
        assert secret not in text and secret not in caplog.text and secret not in repr(client)
    assert not (tmp_path / "25544.tle").exists()


def test_credentials_in_the_base_url_are_never_shown(server: str, tmp_path: Path, caplog) -> None:
    """A ``user:password@`` in ``base_url`` is left out of ``repr``, log lines and errors."""
    secret = "url-S3cret-PW"
    with_user = server.replace("http://", f"http://alice:{secret}@")
    client = SpaceTrack(USER, PASSWORD, base_url=with_user)
    assert repr(client) == f"SpaceTrack({server!r})"
    with caplog.at_level(logging.DEBUG):
        client.update_tles_for("25544", tmp_path / "25544.tle", datetime(2011, 9, 18, 12))
    assert f"logged in to {server}" in caplog.text and f"querying {server}/basicspacedata/" in caplog.text
    unreachable = SpaceTrack(USER, PASSWORD, base_url=f"http://alice:{secret}@127.0.0.1:9", timeout=2)
    with caplog.at_level(logging.DEBUG), pytest.raises(DownloadError) as error:
        unreachable.login()
    assert str(error.value) == "Space-Track login at http://127.0.0.1:9/ajaxauth/login failed: ConnectionError"
    assert secret not in caplog.text and "alice" not in caplog.text and secret not in repr(unreachable)


def test_missing_credentials(server: str) -> None:
    with pytest.raises(InputError, match="SPACETRACK_USER"):
        SpaceTrack(base_url=server).login()


def test_no_tle_for_the_time(server: str, tmp_path: Path) -> None:
    with pytest.raises(NoDataError, match="NORAD 25544"):
        SpaceTrack(USER, PASSWORD, base_url=server).update_tles_for("25544", tmp_path / "x.tle", datetime(2015, 1, 1))
    assert not (tmp_path / "x.tle").exists()


def test_unreachable_server() -> None:
    with pytest.raises(DownloadError, match="login"):
        SpaceTrack(USER, PASSWORD, base_url="http://127.0.0.1:9", timeout=2).login()


def test_stored_tle_is_used_when_nothing_newer(server: str, tmp_path: Path, tle_folder: Path) -> None:
    lines = (tle_folder / "25544.tle").read_text().splitlines()
    (tmp_path / "25544.tle").write_text("\n".join(lines[:2]) + "\n")  # epoch 2011-09-17 18:00
    FakeSpaceTrack.tle_lines = []
    time = datetime(2011, 9, 18, 12)
    position = position_from_tles(time, "25544", tmp_path, SpaceTrack(USER, PASSWORD, base_url=server))
    assert any(entry.startswith("GET /basicspacedata") for entry in FakeSpaceTrack.log)
    np.testing.assert_array_equal(position, TleFile(tmp_path / "25544.tle").position(time))
    with pytest.raises(NoDataError):
        position_from_tles(datetime(2011, 9, 25), "25544", tmp_path, SpaceTrack(USER, PASSWORD, base_url=server))


def test_photos_after_the_latest_tle_ask_once_per_session(server: str, tmp_path: Path, tle_folder: Path) -> None:
    """A sequence after the latest published TLE: one query serves every photo its window covers."""
    lines = (tle_folder / "25544.tle").read_text().splitlines()
    (tmp_path / "25544.tle").write_text("\n".join(lines[:2]) + "\n")  # epoch 2011-09-17 18:00
    FakeSpaceTrack.tle_lines = lines[:2]
    session = SpaceTrack(USER, PASSWORD, base_url=server)
    photos = [datetime(2011, 9, 18, 12, 0, second) for second in range(0, 60, 10)]
    positions = [position_from_tles(time, "25544", tmp_path, session) for time in photos]
    queries = [entry for entry in FakeSpaceTrack.log if entry.startswith("GET /basicspacedata")]
    assert len(queries) == 1
    stored = TleFile(tmp_path / "25544.tle")
    for time, position in zip(photos, positions):
        np.testing.assert_array_equal(position, stored.position(time))
    position_from_tles(datetime(2011, 9, 20, 17), "25544", tmp_path, session)  # beyond the first window: asked again
    assert len([entry for entry in FakeSpaceTrack.log if entry.startswith("GET /basicspacedata")]) == 2
    with pytest.raises(NoDataError, match="no TLE of NORAD 25544 covering 2011-09-20T19:00:00$"):  # 3 days after the epoch
        position_from_tles(datetime(2011, 9, 20, 19), "25544", tmp_path, session)
    assert len([entry for entry in FakeSpaceTrack.log if entry.startswith("GET /basicspacedata")]) == 2
