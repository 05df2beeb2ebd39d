"""The ESA ISS archive client against a real HTTP server on 127.0.0.1 (reference §11.1)."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from auromat_iss import DEFAULT_BASE_URL, IssArchive, load_json, sequence_folder

from auromat_core import DownloadError, InputError, NoDataError
from auromat_core.download import part_path
from tests.http_server import MAINTENANCE_PAGE
from tests.plugins.iss.archive import (
    KEYS,
    SOLUTION_IDS,
    TIMES,
    ArchiveServer,
    api_document,
    bucket,
)
from tests.plugins.iss.conftest import PROCESSED_SEQUENCE, RAW_SEQUENCE

API = f"/api/georef_seqs/{RAW_SEQUENCE}"
BAD_PIXELS = f"/data/bad_pixels/{bucket(KEYS[0])}/ISS029-E_1_badpixels.gz"


def raw_path(key: str) -> str:
    return f"/data/img/{bucket(key)}/{key}.dng"


def wcs_path(key: str) -> str:
    index = KEYS.index(key)
    return f"/data/wcs/{bucket(key)}/{key}_{SOLUTION_IDS[index]}.wcs"


def open_archive(folder: Path, base_url: str, sequence_id: int | None = RAW_SEQUENCE, **options) -> IssArchive:
    return IssArchive(folder, sequence_id, base_url=base_url, progress=False, backoff=0.01, **options)


def test_first_run_fetches_everything_in_order(server: ArchiveServer, base_url: str, tmp_path: Path) -> None:
    folder = sequence_folder(RAW_SEQUENCE, tmp_path)
    assert folder == tmp_path / "seq-12"
    with open_archive(folder, base_url) as archive:
        summary = archive.download()
    expected = [API, f"{API}/metadata.json", BAD_PIXELS]
    for key in KEYS:  # in time order, although api.json lists them differently
        expected += [raw_path(key), wcs_path(key)]
    assert server.paths == expected
    assert all(range_header is None for _, range_header in server.requests)
    assert (len(summary.downloaded), len(summary.present), summary.failed) == (9, 0, [])
    names = {"api.json", "metadata.json", "bad_pixels.gz"} | {f"{k}.dng" for k in KEYS} | {f"{k}.wcs" for k in KEYS}
    assert {p.name for p in folder.iterdir()} == names
    assert (folder / "api.json").read_bytes() == server.files[API]
    assert (folder / "bad_pixels.gz").read_bytes() == server.files[BAD_PIXELS]
    for key in KEYS:
        assert (folder / f"{key}.dng").read_bytes() == server.files[raw_path(key)]
        assert (folder / f"{key}.wcs").read_bytes() == server.files[wcs_path(key)]


def test_second_run_requests_only_missing_files(server: ArchiveServer, base_url: str, tmp_path: Path) -> None:
    open_archive(tmp_path, base_url).download()
    (tmp_path / f"{KEYS[1]}.wcs").unlink()
    (tmp_path / f"{KEYS[2]}.dng").unlink()
    server.requests.clear()
    summary = open_archive(tmp_path, base_url).download()
    assert server.paths == [wcs_path(KEYS[1]), raw_path(KEYS[2])]
    assert (len(summary.downloaded), len(summary.present)) == (2, 7)
    server.requests.clear()
    open_archive(tmp_path, base_url, sequence_id=None).download()
    assert server.requests == []
    with pytest.raises(InputError, match="describes sequence 12, not 13: use another folder"):
        open_archive(tmp_path, base_url, sequence_id=13)


def test_period_filter(server: ArchiveServer, base_url: str, tmp_path: Path) -> None:
    archive = open_archive(tmp_path, base_url)
    assert [image.key for image in archive.select(TIMES[1], TIMES[2])] == list(KEYS[1:])
    assert [image.key for image in archive.select(end=TIMES[0] + timedelta(seconds=1))] == [KEYS[0]]
    server.requests.clear()
    archive.download(TIMES[1] - timedelta(seconds=1), TIMES[1] + timedelta(seconds=1))
    assert server.paths == [BAD_PIXELS, raw_path(KEYS[1]), wcs_path(KEYS[1])]


def test_dates_are_parsed_everywhere(server: ArchiveServer, base_url: str, tmp_path: Path) -> None:
    archive = open_archive(tmp_path, base_url)
    assert archive.range == (TIMES[0], TIMES[-1])
    assert [image.time for image in archive.images] == list(TIMES)
    assert archive.metadata["sequence_metadata"]["date"] == datetime(2011, 9, 18, 11, 54, 59)
    merged = archive.metadata_for(KEYS[1])
    assert merged["date"] == "2011-09-18T11:54:59"
    assert (merged["mission"], merged["frame"], merged["exposure"]) == ("ISS029", 8494, 1.0)
    assert archive.white_balance == (2.0, 1.0, 1.5, 1.0)
    assert archive.upside_down is False and archive.distortion_correction is None


def test_offline_never_requests(server: ArchiveServer, base_url: str, tmp_path: Path) -> None:
    with pytest.raises(NoDataError, match="api.json.*offline"):
        open_archive(tmp_path / "empty", base_url, offline=True)
    assert not (tmp_path / "empty").exists()
    open_archive(tmp_path, base_url).download(TIMES[0], TIMES[0])
    server.requests.clear()
    offline = open_archive(tmp_path, base_url, sequence_id=None, offline=True)
    assert offline.ensure_image(KEYS[0]) == (tmp_path / f"{KEYS[0]}.dng", tmp_path / f"{KEYS[0]}.wcs")
    with pytest.raises(NoDataError) as error:
        offline.ensure_image(KEYS[1])
    message = str(error.value)
    assert str(tmp_path / f"{KEYS[1]}.dng") in message and "offline" in message and "\n" not in message
    with pytest.raises(NoDataError, match="offline"):
        offline.download()
    damaged = tmp_path / f"{KEYS[0]}.wcs"
    damaged.write_bytes(b"<html>maintenance</html>")
    with pytest.raises(InputError, match=rf"^{re.escape(str(damaged))}: the cached .* is not a FITS file .*offline mode forbids downloading it again$"):
        offline.ensure_image(KEYS[0])
    assert damaged.read_bytes() == b"<html>maintenance</html>", "offline, a cached file is kept"
    assert server.requests == []


def test_processed_images_when_no_raw(server: ArchiveServer, base_url: str, tmp_path: Path) -> None:
    archive = open_archive(tmp_path / "processed", base_url, sequence_id=PROCESSED_SEQUENCE)
    assert archive.use_raw is False
    archive.download()
    jpeg_paths = [p for p in server.paths if p.endswith(".jpg")]
    assert jpeg_paths == [f"/data/img/{bucket(k)}/{k}.jpg" for k in KEYS]
    assert not (tmp_path / "processed" / "bad_pixels.gz").exists()
    chosen = open_archive(tmp_path / "no-raw", base_url, use_raw=False)
    server.requests.clear()
    chosen.download()
    assert BAD_PIXELS not in server.paths and not any(p.endswith(".dng") for p in server.paths)
    assert sorted(p.name for p in (tmp_path / "no-raw").glob("*.jpg")) == [f"{k}.jpg" for k in KEYS]


def test_interrupted_download_resumes(server: ArchiveServer, base_url: str, tmp_path: Path) -> None:
    target = raw_path(KEYS[0])
    server.cut_once.add(target)
    open_archive(tmp_path, base_url).download()
    attempts = [range_header for path, range_header in server.requests if path == target]
    assert len(attempts) == 2 and attempts[0] is None
    resumed_at = int(attempts[1].removeprefix("bytes=").removesuffix("-"))
    assert 0 < resumed_at <= len(server.files[target]) // 2  # what arrived before the cut is kept
    assert (tmp_path / f"{KEYS[0]}.dng").read_bytes() == server.files[target]
    assert not list(tmp_path.glob("*.part"))


def test_partial_file_of_an_earlier_run_is_resumed(server: ArchiveServer, base_url: str, tmp_path: Path) -> None:
    archive = open_archive(tmp_path, base_url)
    target = wcs_path(KEYS[2])
    part_path(archive.wcs_path(KEYS[2])).write_bytes(server.files[target][:1000])
    server.requests.clear()
    archive.ensure_image(KEYS[2])
    assert (target, "bytes=1000-") in server.requests
    assert archive.wcs_path(KEYS[2]).read_bytes() == server.files[target]


def test_failed_file_is_reported_and_others_fetched(server: ArchiveServer, base_url: str, tmp_path: Path) -> None:
    del server.files[raw_path(KEYS[1])]
    summary = open_archive(tmp_path, base_url).download()
    assert [path.name for path, _ in summary.failed] == [f"{KEYS[1]}.dng"]
    assert "404" in summary.failed[0][1]
    assert (tmp_path / f"{KEYS[2]}.dng").exists() and (tmp_path / f"{KEYS[1]}.wcs").exists()


def test_a_maintenance_page_instead_of_a_file_fails_and_is_asked_for_again(server: ArchiveServer, base_url: str, tmp_path: Path) -> None:
    wcs = server.files[wcs_path(KEYS[1])]
    server.files[wcs_path(KEYS[1])] = MAINTENANCE_PAGE  # no Content-Type: only the FITS check can tell
    summary = open_archive(tmp_path, base_url).download()
    assert [(path.name, reason) for path, reason in summary.failed] == [(
        f"{KEYS[1]}.wcs",
        f"{server.url}{wcs_path(KEYS[1])}: expected a FITS file (starting 53 49 4D 50 4C 45 20 20 3D), "
        "got no Content-Type, 37 bytes, starting '<html><body>Maintenance</body></...'",
    )]
    assert not (tmp_path / f"{KEYS[1]}.wcs").exists() and not list(tmp_path.glob("*.part*"))
    server.files[wcs_path(KEYS[1])] = wcs
    server.requests.clear()
    summary = open_archive(tmp_path, base_url).download()
    assert server.paths == [wcs_path(KEYS[1])] and summary.failed == []
    assert (tmp_path / f"{KEYS[1]}.wcs").read_bytes() == wcs


def test_a_page_for_api_json_is_one_error(server: ArchiveServer, base_url: str, tmp_path: Path) -> None:
    server.files[API] = MAINTENANCE_PAGE
    with pytest.raises(DownloadError, match=rf"^{server.url}{API}: expected a JSON object, got no Content-Type, 37 bytes"):
        open_archive(tmp_path, base_url)
    assert list(tmp_path.iterdir()) == []


def test_cached_files_that_are_not_what_they_should_be_are_downloaded_again(
    server: ArchiveServer, base_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    open_archive(tmp_path, base_url).download()
    bad = [tmp_path / "api.json", tmp_path / "bad_pixels.gz", tmp_path / f"{KEYS[0]}.dng", tmp_path / f"{KEYS[2]}.wcs"]
    for path in bad:
        path.write_bytes(MAINTENANCE_PAGE)
    server.requests.clear()
    summary = open_archive(tmp_path, base_url).download()
    assert server.paths == [API, BAD_PIXELS, raw_path(KEYS[0]), wcs_path(KEYS[2])]
    assert (len(summary.downloaded), len(summary.present), summary.failed) == (4, 5, [])  # api.json was fetched on opening
    assert (tmp_path / f"{KEYS[0]}.dng").read_bytes() == server.files[raw_path(KEYS[0])]
    warned = [record.getMessage() for record in caplog.records if record.levelname == "WARNING"]
    assert [message.split(" is not ")[0] for message in warned] == [str(path) for path in bad]


def test_a_base_url_with_a_query_is_refused_before_any_request(server: ArchiveServer, tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"/api/georef_seqs/\?key=\.\.\.: a base URL takes no query"):
        IssArchive(tmp_path, RAW_SEQUENCE, base_url=f"{server.url}/api/georef_seqs/?key=K3y", progress=False)
    assert server.paths == []


def test_base_url_from_environment(server: ArchiveServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert DEFAULT_BASE_URL == "https://arrrgh-tools.cosmos.esa.int/api/georef_seqs/"
    monkeypatch.setenv("AUROMAT_ESA_ISS_URL", f"{server.url}/api/georef_seqs")  # trailing slash optional
    archive = IssArchive(tmp_path, RAW_SEQUENCE, progress=False)
    assert archive.api_url == f"{server.url}{API}"
    assert server.paths == [API, f"{API}/metadata.json"]


def write_api(folder: Path, document: dict) -> None:
    folder.mkdir(exist_ok=True)
    (folder / "api.json").write_text(json.dumps(document))
    (folder / "metadata.json").write_text(json.dumps({"sequence_metadata": {}, "image_metadata": {}}))


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.pop("date_start"), "field date_start must be a timestamp"),
        (lambda d: d.update(date_end="2011-09-18 11:55"), "date_end '2011-09-18 11:55' is not a timestamp"),
        (lambda d: d["images"][KEYS[0]].update(date=None), f"images['{KEYS[0]}'].date None is not a timestamp"),
        (lambda d: d["images"][KEYS[1]].pop("wcs_uri"), f"images['{KEYS[1]}'].wcs_uri must be a URL"),
        (lambda d: d["images"].update({"../evil": d["images"].pop(KEYS[2])}), "'../evil' is not a plain file name"),
        (lambda d: d.update(raw_extension="nef"), "field raw_extension must be a file extension"),
        (lambda d: d.update(raw_white_balance=[1, 2]), "field raw_white_balance must be a list of 4"),
        (lambda d: d.update(distortion_correction={"model": "fisheye", "params": [1]}), "distortion_correction"),
        (lambda d: d.update(distortion_correction={"model": "poly5", "params": [1]}), "2 params for poly5"),
    ],
)
def test_malformed_api_json_is_a_one_line_error(tmp_path: Path, change, expected: str) -> None:
    document = api_document("http://127.0.0.1:9", RAW_SEQUENCE)
    change(document)
    write_api(tmp_path, document)
    with pytest.raises(InputError) as error:
        archive = IssArchive(tmp_path, offline=True)
        _ = archive.white_balance
    message = str(error.value)
    assert expected in message and str(tmp_path / "api.json") in message and "\n" not in message


def test_missing_sequence_id_and_bad_metadata(server: ArchiveServer, base_url: str, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="give the sequence id"):
        IssArchive(tmp_path / "new", base_url=base_url)
    assert server.requests == []
    write_api(tmp_path, api_document("http://127.0.0.1:9", RAW_SEQUENCE))
    archive = IssArchive(tmp_path, offline=True)
    with pytest.raises(InputError, match=f"image_metadata has no entry for image '{KEYS[0]}'"):
        archive.metadata_for(KEYS[0])
    (tmp_path / "metadata.json").write_text(f'{{"sequence_metadata": {{"a": [1]}}, "image_metadata": {{"{KEYS[0]}": {{}}}}}}')
    with pytest.raises(InputError, match=r"sequence_metadata\['a'\] must be a string, number or boolean"):
        IssArchive(tmp_path, offline=True).metadata_for(KEYS[0])
    (tmp_path / "metadata.json").write_text("{not json")
    with pytest.raises(InputError, match="metadata.json: not valid JSON"):
        IssArchive(tmp_path, offline=True)


def test_load_json_parses_nested_dates(tmp_path: Path) -> None:
    path = tmp_path / "doc.json"
    path.write_text('{"a": [{"date": "2012-03-04T17:18:54.500000"}], "date_end": "2012-03-04T17:26:45", "other": "x"}')
    document = load_json(path)
    assert document["a"][0]["date"] == datetime(2012, 3, 4, 17, 18, 54, 500000)
    assert document["date_end"] == datetime(2012, 3, 4, 17, 26, 45)
    assert document["other"] == "x"
