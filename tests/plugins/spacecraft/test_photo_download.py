"""NASA astronaut-photo sequences from a real HTTP server on 127.0.0.1 (with frame gaps and byte ranges)."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import auromat_spacecraft.plugin
import numpy as np
import pytest
from auromat_spacecraft.images import read_exif_time
from auromat_spacecraft.photo_download import (
    default_base_url,
    download_photo_sequence,
    load_metadata,
    photo_url,
)
from click.testing import CliRunner
from PIL import Image

from auromat_core import DownloadError, InputError
from auromat_core.cli import build_cli
from auromat_core.download import part_path
from tests.http_server import MAINTENANCE_PAGE, FixtureHandler, serving

MISSION, ROLL = "ISS040", "E"
FRAMES = range(64750, 64757)
GAPS = {64752, 64753}
PATH = re.compile(r"^/DatabaseImages/ESC/large/(?P<mission>\w+)/(?P=mission)-(?P<roll>\w+)-(?P<frame>\d+)\.JPG$")


def _jpeg(frame: int) -> bytes:
    """A small JPEG with EXIF DateTimeOriginal, as the NASA files have."""
    rng = np.random.default_rng(frame)
    pixels = rng.integers(0, 60, (96, 144, 3), dtype=np.uint8)
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = f"2014:07:15 10:21:{frame - 64750 + 3:02d}"
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=90, exif=exif)
    return buffer.getvalue()


class PhotoServer:
    """Serves ``FRAMES`` minus ``GAPS`` under the EOL layout; supports ``Range: bytes=N-``."""

    def __init__(self) -> None:
        self.files = {(MISSION, ROLL, frame): _jpeg(frame) for frame in FRAMES if frame not in GAPS}
        self.requests: list[tuple[str, str | None]] = []
        self.broken: set[int] = set()
        self.pages: set[int] = set()
        """Frames answered with a maintenance page (HTTP 200, text/html)."""
        self.url = ""
        server = self

        class Handler(FixtureHandler):
            def do_GET(self) -> None:  # noqa: N802
                server.requests.append((self.path, self.headers.get("Range")))
                match = PATH.match(self.path)
                if match and int(match["frame"]) in server.broken:
                    self.send_error(500)
                    return
                if match and int(match["frame"]) in server.pages:
                    self.send_page()
                    return
                body = server.files.get((match["mission"], match["roll"], int(match["frame"]))) if match else None
                if body is None:
                    self.send_error(404)
                    return
                self.send_content(body, {"Content-Type": "image/jpeg"})

        self.handler = Handler

    def photo_requests(self) -> list[str]:
        return [path for path, _ in self.requests]


@pytest.fixture
def server() -> Iterator[PhotoServer]:
    server = PhotoServer()
    with serving(server.handler) as url:
        server.url = url
        yield server


def _name(frame: int) -> str:
    return f"{MISSION}-{ROLL}-{frame}.jpg"


def test_sequence_with_gaps(server: PhotoServer, tmp_path: Path) -> None:
    metadata = download_photo_sequence(tmp_path, MISSION, FRAMES[0], FRAMES[-1], base_url=server.url, progress=False)
    assert metadata.frame_gaps == tuple(sorted(GAPS))
    assert metadata.frames == [64750, 64751, 64754, 64755, 64756]
    for frame in metadata.frames:
        assert (tmp_path / _name(frame)).read_bytes() == server.files[(MISSION, ROLL, frame)]
    assert read_exif_time(tmp_path / _name(64754)).second == 7
    assert not any((tmp_path / _name(frame)).exists() for frame in GAPS)
    stored = json.loads((tmp_path / "meta.json").read_text())
    assert stored == {
        "mission": "ISS040", "roll": "E", "fromFrame": 64750, "toFrame": 64756,
        "pattern": "{mission}-{roll}-{frame}.jpg", "frameGaps": [64752, 64753],
        "lensDistortionCorrected": False, "lensDistortionCorrectionParams": None,
    }
    assert load_metadata(tmp_path) == metadata
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*(_name(f) for f in metadata.frames), "meta.json"])


def test_the_base_url_defaults_to_the_environment(server: PhotoServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AUROMAT_NASA_PHOTOS_URL", server.url)
    assert default_base_url() == server.url
    metadata = download_photo_sequence(tmp_path, MISSION, 64750, 64751, progress=False)
    assert metadata.frames == [64750, 64751] and (tmp_path / _name(64751)).read_bytes() == server.files[(MISSION, ROLL, 64751)]
    monkeypatch.delenv("AUROMAT_NASA_PHOTOS_URL")
    assert default_base_url() == "https://eol.jsc.nasa.gov"


def test_url_layout_of_the_public_site(monkeypatch) -> None:
    monkeypatch.delenv("AUROMAT_NASA_PHOTOS_URL", raising=False)
    assert photo_url("ISS040", "E", 64750) == "https://eol.jsc.nasa.gov/DatabaseImages/ESC/large/ISS040/ISS040-E-64750.JPG"
    assert photo_url("ISS040", "E", 64750, "http://mirror.example/eol/") == (
        "http://mirror.example/eol/DatabaseImages/ESC/large/ISS040/ISS040-E-64750.JPG"
    )
    monkeypatch.setenv("AUROMAT_NASA_PHOTOS_URL", "http://127.0.0.1:8765/")
    assert photo_url("ISS040", "E", 64750) == "http://127.0.0.1:8765/DatabaseImages/ESC/large/ISS040/ISS040-E-64750.JPG"


def test_a_base_url_with_a_query_is_refused_before_any_request(server: PhotoServer, tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"\?mirror=\.\.\.: a base URL takes no query"):
        download_photo_sequence(tmp_path / "a", MISSION, 64750, 64751, base_url=f"{server.url}/?mirror=1", progress=False)
    assert server.photo_requests() == [] and not (tmp_path / "a").exists()


def test_missing_first_or_last_frame_is_an_error(server: PhotoServer, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="ISS040-E-64752 does not exist.*start and end with existing frames"):
        download_photo_sequence(tmp_path / "a", MISSION, 64752, 64756, base_url=server.url, progress=False)
    with pytest.raises(InputError, match="ISS040-E-64753 does not exist"):
        download_photo_sequence(tmp_path / "b", MISSION, 64750, 64753, base_url=server.url, progress=False)
    # both ends are asked for before anything is saved: no folder is left
    assert not (tmp_path / "a").exists() and not (tmp_path / "b").exists()
    assert server.photo_requests() == [
        f"/DatabaseImages/ESC/large/ISS040/ISS040-E-{frame}.JPG" for frame in (64752, 64750, 64753)
    ]


def test_an_end_frame_already_there_is_not_asked_for_first(server: PhotoServer, tmp_path: Path) -> None:
    (tmp_path / _name(64750)).write_bytes(server.files[(MISSION, ROLL, 64750)])
    download_photo_sequence(tmp_path, MISSION, 64750, 64751, base_url=server.url, progress=False)
    assert server.photo_requests() == ["/DatabaseImages/ESC/large/ISS040/ISS040-E-64751.JPG"] * 2  # the check, the download


def test_interrupted_download_resumes(server: PhotoServer, tmp_path: Path) -> None:
    body = server.files[(MISSION, ROLL, 64751)]
    part_path(tmp_path / _name(64751)).write_bytes(body[:1000])
    (tmp_path / _name(64750)).write_bytes(server.files[(MISSION, ROLL, 64750)])
    download_photo_sequence(tmp_path, MISSION, 64750, 64751, base_url=server.url, progress=False)
    assert (tmp_path / _name(64751)).read_bytes() == body
    assert not part_path(tmp_path / _name(64751)).exists()
    assert server.requests == [("/DatabaseImages/ESC/large/ISS040/ISS040-E-64751.JPG", "bytes=1000-")]


def test_complete_sequence_is_not_fetched_again(server: PhotoServer, tmp_path: Path) -> None:
    first = download_photo_sequence(tmp_path, MISSION, FRAMES[0], FRAMES[-1], base_url=server.url, progress=False)
    count = len(server.requests)
    again = download_photo_sequence(tmp_path, MISSION, FRAMES[0], FRAMES[-1], base_url=server.url, progress=False)
    assert again == first and len(server.requests) == count
    with pytest.raises(InputError, match="describes ISS040-E 64750..64756, not ISS040-E 64750..64751"):
        download_photo_sequence(tmp_path, MISSION, 64750, 64751, base_url=server.url, progress=False)


def test_server_errors_fail_without_metadata_and_keep_the_rest(server: PhotoServer, tmp_path: Path) -> None:
    server.broken = {64754}
    with pytest.raises(DownloadError, match=r"^1 file\(s\) of ISS040-E \(frames 64750..64756\) failed, e.g. ISS040-E-64754.jpg: .*HTTP 500"):
        download_photo_sequence(tmp_path, MISSION, FRAMES[0], FRAMES[-1], base_url=server.url, progress=False, retries=0)
    assert not (tmp_path / "meta.json").exists()
    assert (tmp_path / _name(64756)).exists()
    server.broken = set()
    metadata = download_photo_sequence(tmp_path, MISSION, FRAMES[0], FRAMES[-1], base_url=server.url, progress=False)
    assert (tmp_path / _name(64754)).read_bytes() == server.files[(MISSION, ROLL, 64754)]
    assert metadata.frame_gaps == (64752, 64753)


def test_a_maintenance_page_is_a_failed_frame_and_asked_for_again(server: PhotoServer, tmp_path: Path) -> None:
    server.pages = {64754}
    url = photo_url(MISSION, ROLL, 64754, server.url)
    with pytest.raises(DownloadError) as error:
        download_photo_sequence(tmp_path, MISSION, FRAMES[0], FRAMES[-1], base_url=server.url, progress=False)
    assert str(error.value) == (
        f"1 file(s) of ISS040-E (frames 64750..64756) failed, e.g. ISS040-E-64754.jpg: {url}: expected a JPEG image "
        "(starting FF D8 FF), got text/html, 37 bytes, starting '<html><body>Maintenance</body></...'"
    )
    assert not (tmp_path / _name(64754)).exists() and not part_path(tmp_path / _name(64754)).exists()
    assert not (tmp_path / "meta.json").exists()
    server.pages = set()
    metadata = download_photo_sequence(tmp_path, MISSION, FRAMES[0], FRAMES[-1], base_url=server.url, progress=False)
    assert (tmp_path / _name(64754)).read_bytes() == server.files[(MISSION, ROLL, 64754)]
    assert metadata.frame_gaps == (64752, 64753)


def test_a_frame_that_is_not_a_jpeg_is_downloaded_again(server: PhotoServer, tmp_path: Path, caplog) -> None:
    first = download_photo_sequence(tmp_path, MISSION, FRAMES[0], FRAMES[-1], base_url=server.url, progress=False)
    (tmp_path / _name(64755)).write_bytes(MAINTENANCE_PAGE)  # saved by an earlier version, meta.json written
    server.requests.clear()
    again = download_photo_sequence(tmp_path, MISSION, FRAMES[0], FRAMES[-1], base_url=server.url, progress=False)
    assert again == first
    asked = [f"/DatabaseImages/ESC/large/ISS040/ISS040-E-{frame}.JPG" for frame in (64752, 64753, 64755)]
    assert server.photo_requests() == asked  # the sequence is incomplete again: its gaps are asked once more
    assert (tmp_path / _name(64755)).read_bytes() == server.files[(MISSION, ROLL, 64755)]
    warned = [record.getMessage() for record in caplog.records if record.levelname == "WARNING"]
    assert len(warned) == 1 and warned[0].startswith(f"{tmp_path / _name(64755)} is not a JPEG image (starting FF D8 FF): found 37 bytes")


@pytest.mark.parametrize(
    ("mission", "roll", "first", "last", "message"),
    [("ISS 040", "E", 1, 2, "mission"), ("ISS040", "E-1", 1, 2, "roll"), ("ISS040", "E", 5, 2, "range")],
)
def test_invalid_requests(tmp_path: Path, mission: str, roll: str, first: int, last: int, message: str) -> None:
    with pytest.raises(InputError, match=message):
        download_photo_sequence(tmp_path, mission, first, last, roll=roll, base_url="http://127.0.0.1:9", progress=False)


def test_cli_download(server: PhotoServer, tmp_path: Path, auromat_plugins) -> None:
    auromat_plugins.register(auromat_spacecraft.plugin)
    out = tmp_path / "photos"
    args = ["download", "nasa-photos", "--mission", "iss040", "--from", "64750", "--to", "64756",
            "--out", str(out), "--base-url", server.url, "--no-progress"]
    result = CliRunner().invoke(build_cli(), args)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"ISS040-E: 5 photos in {out}, gaps 64752, 64753"
    assert load_metadata(out).frames == [64750, 64751, 64754, 64755, 64756]
    args[5], args[9] = "64753", str(tmp_path / "other")
    result = CliRunner().invoke(build_cli(), args)
    assert result.exit_code == 1
    assert result.output.startswith("Error: ISS040-E-64753 does not exist") and result.output.count("\n") == 1
