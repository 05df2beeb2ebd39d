"""The ``esa-iss`` provider: lazy downloads, RAW development and mapping of the synthetic archive."""

from __future__ import annotations

import io
import json
import logging
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
import rawpy
from astropy.io import fits
from auromat_iss import IssProvider
from auromat_spacecraft import LensCorrection, RawOptions, map_photo
from auromat_spacecraft.images import read_raw
from PIL import Image

from auromat_core import SOLUTION_PATH_KEY, InputError, NoDataError, detect_providers, get_provider
from auromat_core.testing import ProviderContract
from tests.plugins.iss.archive import (
    BLUE,
    DISTORTION,
    GREEN,
    HEIGHT,
    HOT_PIXEL,
    KEYS,
    MARKER_GAIN,
    MARKER_ROW,
    MARKER_SIZE,
    RAW_HEIGHT,
    RAW_MARGIN,
    RAW_WIDTH,
    RED,
    TIMES,
    WIDTH,
    WINDOW_COLUMN,
    WINDOW_ROW,
    ArchiveServer,
    marker_column,
)
from tests.plugins.iss.conftest import (
    DISTORTED_SEQUENCE,
    PROCESSED_SEQUENCE,
    RAW_SEQUENCE,
    UPSIDE_DOWN_SEQUENCE,
)


def make_provider(folder: Path, base_url: str, sequence_id: int | None = RAW_SEQUENCE, **options) -> IssProvider:
    return IssProvider(folder, sequence_id, base_url=base_url, progress=False, **options)


class TestIssProviderContract(ProviderContract):
    @pytest.fixture
    def provider(self, base_url: str, tmp_path: Path) -> IssProvider:
        return make_provider(tmp_path / "seq-12", base_url)


def flat(image: np.ndarray) -> np.ndarray:
    """Pixels far from the marker and the hot pixel (developed coordinates)."""
    return image[150:250, 250:380].reshape(-1, image.shape[2]).astype(int)


def marker_block(index: int, flipped: bool = False) -> tuple[slice, slice]:
    """Interior of frame ``index``'s marker in the developed (cropped) image, shrunk by 2 px against demosaicing."""
    rows = np.arange(MARKER_ROW, MARKER_ROW + MARKER_SIZE)
    columns = np.arange(marker_column(index), marker_column(index) + MARKER_SIZE)
    if flipped:
        rows, columns = RAW_HEIGHT - 1 - rows, RAW_WIDTH - 1 - columns
    rows, columns = np.sort(rows) - RAW_MARGIN, np.sort(columns) - RAW_MARGIN
    return slice(rows[0] + 2, rows[-1] - 1), slice(columns[0] + 2, columns[-1] - 1)


def test_construction_fetches_only_the_sequence_description(server: ArchiveServer, base_url: str, tmp_path: Path) -> None:
    provider = make_provider(tmp_path, base_url)
    assert server.paths == ["/api/georef_seqs/12", "/api/georef_seqs/12/metadata.json"]
    assert provider.identifiers == list(KEYS) and provider.times == list(TIMES)
    mapping = provider.get_by_id(KEYS[1])
    assert mapping.identifier == KEYS[1]
    fetched = server.paths[2:]
    assert [Path(p).name for p in fetched] == ["ISS029-E-8494.dng", "ISS029-E-8494_25739.wcs", "ISS029-E_1_badpixels.gz"]


def test_range_and_nearest_time(base_url: str, tmp_path: Path) -> None:
    provider = make_provider(tmp_path, base_url)
    assert provider.range == (TIMES[0], TIMES[2])
    assert provider.get(TIMES[1] + timedelta(seconds=1.4)).identifier == KEYS[1]
    # 11:55:00.5 is 1.5 s from both 8493 and 8494: the earlier one wins
    assert provider.get(TIMES[0] + timedelta(seconds=1.5)).identifier == KEYS[0]
    with pytest.raises(NoDataError, match="2011-09-18T11:55:05"):
        provider.get(TIMES[2] + timedelta(seconds=3.5))
    assert [m.identifier for m in provider.sequence(TIMES[1], TIMES[2])] == list(KEYS[1:])


def test_mapping_is_the_window_of_the_real_solution(base_url: str, tmp_path: Path, seq_wcs: list[Path]) -> None:
    mapping = make_provider(tmp_path, base_url).get_by_id(KEYS[1])
    full = map_photo(np.zeros((2832, 4256, 3), np.uint8), seq_wcs[1])
    rows, columns = slice(WINDOW_ROW, WINDOW_ROW + HEIGHT), slice(WINDOW_COLUMN, WINDOW_COLUMN + WIDTH)
    corner_rows, corner_columns = slice(rows.start, rows.stop + 1), slice(columns.start, columns.stop + 1)
    np.testing.assert_allclose(mapping.lat, full.lat[rows, columns], atol=1e-8, equal_nan=True)
    np.testing.assert_allclose(mapping.lon, full.lon[rows, columns], atol=1e-8, equal_nan=True)
    np.testing.assert_allclose(mapping.elevation, full.elevation[rows, columns], atol=1e-7, equal_nan=True)
    np.testing.assert_allclose(mapping.lat_bounds, full.lat_bounds[corner_rows, corner_columns], atol=1e-8, equal_nan=True)
    assert not mapping.defined[0].any() and mapping.defined[-1].all()  # the window straddles the horizon
    header = fits.getheader(seq_wcs[1])
    assert mapping.time == TIMES[1] and mapping.altitude == 110
    np.testing.assert_array_equal(mapping.camera_position, [header["POSX"], header["POSY"], header["POSZ"]])


def test_raw_development(base_url: str, tmp_path: Path) -> None:
    mapping = make_provider(tmp_path, base_url).get_by_id(KEYS[0])
    image = mapping.image
    assert image.shape == (HEIGHT, WIDTH, 3) and image.dtype == np.uint16
    # api.json raw_white_balance [2, 1, 1.5, 1], linear, no auto-brightening
    expected = np.array([2 * RED, GREEN, 1.5 * BLUE])
    assert np.abs(flat(image) - expected).max() <= 3
    rows, columns = marker_block(0)
    saturated = np.minimum(MARKER_GAIN * expected, 65535)  # blue clips
    assert np.abs(image[rows, columns].reshape(-1, 3) - saturated).max() <= 12
    # the hot pixel is repaired with the sequence's bad-pixel list
    with rawpy.imread(str(tmp_path / f"{KEYS[0]}.dng")) as raw:
        unrepaired = raw.postprocess(user_wb=[2, 1, 1.5, 1], output_bps=16, no_auto_bright=True, gamma=(1, 1), user_flip=0)
    row, column = HOT_PIXEL
    assert unrepaired[row, column, 0] > 30000
    assert abs(int(image[row - RAW_MARGIN, column - RAW_MARGIN, 0]) - 2 * RED) <= 3


def test_raw_options(base_url: str, tmp_path: Path) -> None:
    custom = make_provider(tmp_path, base_url, raw_white_balance=(1, 1, 1)).get_by_id(KEYS[0]).image
    assert np.abs(flat(custom) - [RED, GREEN, BLUE]).max() <= 3
    eight = make_provider(tmp_path, base_url, raw_bps=8).get_by_id(KEYS[0]).image
    assert eight.dtype == np.uint8
    assert np.abs(flat(eight) - np.array([2 * RED, GREEN, 1.5 * BLUE]) / 257).max() <= 1
    bt709 = make_provider(tmp_path, base_url, raw_gamma=None).get_by_id(KEYS[0]).image
    green = GREEN / 65535
    assert flat(bt709)[:, 1].mean() / 65535 == pytest.approx(1.099 * green ** (1 / 2.222) - 0.099, abs=0.01)


def test_upside_down_rotates_pixels_not_geometry(base_url: str, tmp_path: Path) -> None:
    upright = make_provider(tmp_path / "12", base_url).get_by_id(KEYS[2])
    rotated = make_provider(tmp_path / "13", base_url, UPSIDE_DOWN_SEQUENCE).get_by_id(KEYS[2])
    np.testing.assert_array_equal(rotated.image, upright.image[::-1, ::-1])
    normal_marker, flipped_marker = marker_block(2), marker_block(2, flipped=True)
    assert flipped_marker[0].start > HEIGHT // 2 and flipped_marker[1].start > WIDTH // 2
    green_up, green_rotated = upright.image[..., 1], rotated.image[..., 1]
    assert green_rotated[flipped_marker].min() > 3 * GREEN and green_up[flipped_marker].max() < 2 * GREEN
    assert green_up[normal_marker].min() > 3 * GREEN and green_rotated[normal_marker].max() < 2 * GREEN
    np.testing.assert_array_equal(rotated.lat, upright.lat)


def test_lens_distortion_model_is_applied_before_cropping(base_url: str, tmp_path: Path) -> None:
    corrected = make_provider(tmp_path, base_url, DISTORTED_SEQUENCE).get_by_id(KEYS[1]).image
    options = RawOptions(white_balance=(2, 1, 1.5, 1), bad_pixels=np.array([HOT_PIXEL]))
    decoded = read_raw(tmp_path / f"{KEYS[1]}.dng", options)
    assert decoded.shape == (RAW_HEIGHT, RAW_WIDTH, 3)
    lens = LensCorrection.from_model(DISTORTION["model"], DISTORTION["params"])
    crop = np.s_[RAW_MARGIN:-RAW_MARGIN, RAW_MARGIN:-RAW_MARGIN]
    np.testing.assert_array_equal(corrected, lens.apply(decoded)[crop])
    assert np.abs(corrected.astype(int) - decoded[crop]).max() > 1000  # the marker edges moved


def test_metadata_merge(base_url: str, tmp_path: Path) -> None:
    provider = make_provider(tmp_path, base_url)
    first, second = provider.get_by_id(KEYS[0]), provider.get_by_id(KEYS[1])
    assert (first.metadata["mission"], first.metadata["frame"]) == ("ISS029", 8493)
    assert first.metadata["exposure"] == 0.5 and second.metadata["exposure"] == 1.0
    assert second.metadata == {
        "mission": "ISS029", "camera": "Nikon D3S", "exposure": 1.0, "date": "2011-09-18T11:54:59", "frame": 8494,
        SOLUTION_PATH_KEY: str((tmp_path / f"{KEYS[1]}.wcs").resolve()),
    }


def test_processed_images(server: ArchiveServer, base_url: str, tmp_path: Path) -> None:
    provider = make_provider(tmp_path, base_url, PROCESSED_SEQUENCE)
    assert not provider.use_raw
    mapping = provider.get_by_id(KEYS[0])
    served = server.files[f"/data/img/ISS029-E/8000/{KEYS[0]}.jpg"]
    np.testing.assert_array_equal(mapping.image, np.asarray(Image.open(io.BytesIO(served))))
    assert mapping.image.dtype == np.uint8
    assert not any(p.endswith((".dng", ".gz")) for p in server.paths)


def test_offline_provider_makes_no_request(server: ArchiveServer, base_url: str, tmp_path: Path) -> None:
    make_provider(tmp_path, base_url).download(TIMES[0], TIMES[0])
    server.requests.clear()
    offline = IssProvider(tmp_path, offline=True, progress=False)
    assert offline.get(TIMES[0]).identifier == KEYS[0]
    with pytest.raises(NoDataError, match=f"{KEYS[1]}.dng: image {KEYS[1]} is not in the cache"):
        offline.get(TIMES[1])
    assert server.requests == []


def test_registration_and_detection(base_url: str, tmp_path: Path, auromat_plugins) -> None:
    import auromat_iss.plugin
    import auromat_spacecraft.plugin

    auromat_plugins.register(auromat_spacecraft.plugin)
    auromat_plugins.register(auromat_iss.plugin)
    assert not IssProvider.can_open(tmp_path)
    provider = get_provider("esa-iss", tmp_path / "seq-12", RAW_SEQUENCE, base_url=base_url, progress=False)
    assert isinstance(provider, IssProvider)
    assert IssProvider.can_open(tmp_path / "seq-12")
    # once a frame is loaded the folder holds .wcs files too, which the generic spacecraft provider could read
    provider.load(0)
    assert any((tmp_path / "seq-12").glob("*.wcs"))
    assert [registration.name for registration in detect_providers(str(tmp_path / "seq-12"))] == ["esa-iss"]


@pytest.mark.slow
def test_full_frame_raw_with_the_real_solution(server: ArchiveServer, tmp_path: Path, seq_wcs: list[Path]) -> None:
    """A 4256×2832 RAW (multiples of 16: nothing cropped) mapped with the unmodified real solution."""
    import json

    from tests.plugins.iss.archive import api_document, metadata_document, write_dng

    cfa = np.full((2832, 4256), GREEN, np.uint16)
    cfa[0::2, 0::2] = RED
    cfa[1::2, 1::2] = BLUE
    cfa[HOT_PIXEL] = 65535
    document = api_document(server.url, 16)
    for key, entry in document["images"].items():
        entry["raw_uri"] = f"{server.url}/full/{key}.dng"
        entry["wcs_uri"] = f"{server.url}/full/{key}_1.wcs"
    server.files["/api/georef_seqs/16"] = json.dumps(document).encode()
    server.files["/api/georef_seqs/16/metadata.json"] = json.dumps(metadata_document()).encode()
    server.files[f"/full/{KEYS[0]}.dng"] = write_dng(tmp_path / "full.dng", cfa, as_shot_red=1.0).read_bytes()
    server.files[f"/full/{KEYS[0]}_1.wcs"] = seq_wcs[0].read_bytes()
    mapping = make_provider(tmp_path / "seq-16", f"{server.url}/api/georef_seqs/", 16).get(TIMES[0])
    assert mapping.image.shape == (2832, 4256, 3)
    assert np.abs(flat(mapping.image) - [2 * RED, GREEN, 1.5 * BLUE]).max() <= 3
    assert abs(int(mapping.image[HOT_PIXEL][0]) - 2 * RED) <= 3
    assert mapping.defined[-1, 2000] and not mapping.defined[0, 2000]
    assert (tmp_path / "seq-16" / f"{KEYS[0]}.wcs").read_bytes() == seq_wcs[0].read_bytes()



def serve_edited(server: ArchiveServer, sequence: int, edit) -> None:
    """Serve sequence ``sequence`` with its api.json changed by ``edit(document)``."""
    server.add_sequence(sequence)
    path = f"/api/georef_seqs/{sequence}"
    document = json.loads(server.files[path])
    edit(document)
    server.files[path] = json.dumps(document).encode()


def test_raw_sequence_without_a_bad_pixel_list_is_developed_unrepaired(
    server: ArchiveServer, base_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    serve_edited(server, 31, lambda document: document.pop("raw_bad_pixels_uri"))
    provider = make_provider(tmp_path, base_url, 31)
    with caplog.at_level(logging.WARNING):
        image = provider.get_by_id(KEYS[0]).image
    assert "has no raw_bad_pixels_uri: the RAW images are developed without repairing bad pixels" in caplog.text
    row, column = HOT_PIXEL
    assert image[row - RAW_MARGIN, column - RAW_MARGIN, 0] > 30000, "the hot pixel stays"
    summary = provider.download()
    assert not summary.failed and not (tmp_path / "bad_pixels.gz").exists()
    expected = {"api.json", "metadata.json"} | {f"{key}{extension}" for key in KEYS[1:] for extension in (".dng", ".wcs")}
    assert {path.name for path in summary.downloaded} == expected


def test_a_solution_time_that_disagrees_with_the_archive_is_reported(
    server: ArchiveServer, base_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def shift(seconds: float):
        return lambda document: document["images"][KEYS[0]].update(
            date=(TIMES[0] + timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%S.%f")
        )

    serve_edited(server, 32, shift(1))
    serve_edited(server, 33, shift(-10))
    with caplog.at_level(logging.WARNING):
        make_provider(tmp_path / "32", base_url, 32).get_by_id(KEYS[0])  # within max_time_offset
        assert "differs from its date" not in caplog.text
        mapping = make_provider(tmp_path / "33", base_url, 33).get_by_id(KEYS[0])
    assert mapping.time == TIMES[0]
    assert f"DATE-OBS {TIMES[0].isoformat()} of {KEYS[0]} differs from its date" in caplog.text and "by 10.0 s" in caplog.text


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("raw_bps", 12, "raw_bps must be 8 or 16, got 12"),
        ("raw_gamma", 3, r"raw_gamma must be \[power, slope\] \(e.g. \[1, 1\], linear\) or null \(BT.709\), got 3"),
        *(
            ("raw_white_balance", value, rf"raw_white_balance must be 3 or 4 positive multipliers \[R, G, B\(, G2\)\], got {shown}")
            for value, shown in [([1, 2], r"\[1, 2\]"), ([1, -1, 1, 1], r"\[1, -1, 1, 1\]"), ((0, 0, 0, 0), r"\(0, 0, 0, 0\)"),
                                 ([1, float("inf"), 1], r"\[1, inf, 1\]"), ([1, float("nan"), 1], r"\[1, nan, 1\]"), ([1, True, 1], r"\[1, True, 1\]")]
        ),
    ],
)
def test_bad_raw_options_are_named_before_anything_is_fetched(tmp_path: Path, option, value, message) -> None:
    """No server: the folder is empty and a download would fail with another error."""
    with pytest.raises(InputError, match=f"^{message}$"):
        IssProvider(tmp_path, 12, base_url="http://127.0.0.1:9", offline=True, **{option: value})
    assert list(tmp_path.iterdir()) == []
