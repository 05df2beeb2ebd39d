"""The ``spacecraft`` provider: the real seq/*.wcs solutions and folders of synthetic photos."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta
from pathlib import Path

import auromat_spacecraft.plugin
import numpy as np
import pytest
from auromat_spacecraft.orbit import TleFile
from auromat_spacecraft.provider import SpacecraftProvider
from auromat_spacecraft.spacetrack import SpaceTrack
from auromat_spacecraft.wcs import read_header, write_header

from auromat_core import SOLUTION_PATH_KEY, InputError, NoDataError, detect_providers, get_provider
from auromat_core.testing import ProviderContract

SEQ_TIMES = [
    datetime(2011, 9, 18, 11, 54, 59),
    datetime(2011, 9, 18, 11, 55, 2),
    datetime(2011, 9, 18, 11, 55, 5),
    datetime(2011, 9, 18, 11, 55, 8),
    datetime(2011, 9, 18, 11, 55, 11, 50000),
    datetime(2011, 9, 18, 11, 55, 14, 50000),
    datetime(2011, 9, 18, 11, 55, 17),
    datetime(2011, 9, 18, 11, 55, 20),
    datetime(2011, 9, 18, 11, 55, 23, 50000),
    datetime(2011, 9, 18, 11, 55, 26),
]


@pytest.fixture(scope="module")
def seq_provider(seq_wcs: list[Path]) -> SpacecraftProvider:
    image = np.zeros((2832, 4256, 1), np.uint8)
    return SpacecraftProvider([image] * len(seq_wcs), seq_wcs)


def sample_folder(folder: Path, sample_files: tuple[Path, Path], offsets: list[float], names: list[str]) -> Path:
    """Copies of the sample photo, with DATE-OBS shifted by ``offsets`` seconds."""
    folder.mkdir(parents=True, exist_ok=True)
    image, wcs = sample_files
    header = read_header(wcs)
    start = datetime.strptime(header["DATE-OBS"], "%Y-%m-%dT%H:%M:%S.%f")
    for offset, name in zip(offsets, names):
        shutil.copy(image, folder / f"{name}.jpg")
        header["DATE-OBS"] = (start + timedelta(seconds=offset)).strftime("%Y-%m-%dT%H:%M:%S.%f")
        write_header(folder / f"{name}.wcs", header)
    return folder


# -- the real sequence (reference behaviour) ------------------------------------------


def test_seq_range_and_order(seq_provider: SpacecraftProvider) -> None:
    assert seq_provider.range == (SEQ_TIMES[0], SEQ_TIMES[-1])
    assert list(seq_provider.times) == SEQ_TIMES
    assert seq_provider.identifiers == [f"ISS029-E-{n}" for n in range(8493, 8503)]
    assert len(seq_provider) == 10 and seq_provider.unsolved_ids == []


def test_seq_nearest_within_offset(seq_provider: SpacecraftProvider) -> None:
    assert seq_provider.nearest_index(datetime(2011, 9, 18, 11, 55, 3)) == 1
    assert seq_provider.nearest_index(datetime(2011, 9, 18, 11, 55, 3, 500000)) == 1  # tie: the earlier one
    assert seq_provider.nearest_index(datetime(2011, 9, 18, 11, 55, 29)) == 9
    assert not seq_provider.contains(datetime(2011, 9, 18, 11, 55, 29, 100000))
    with pytest.raises(NoDataError) as error:
        seq_provider.get(datetime(2011, 9, 18, 11, 54, 50))
    assert "2011-09-18T11:54:59" in str(error.value)


def test_seq_get_maps_the_nearest(seq_provider: SpacecraftProvider, seq_wcs: list[Path]) -> None:
    mapping = seq_provider.get(datetime(2011, 9, 18, 11, 55, 12))
    assert mapping.identifier == "ISS029-E-8497" and mapping.time == SEQ_TIMES[4]
    header = read_header(seq_wcs[4])
    np.testing.assert_array_equal(mapping.camera_position, [header["POSX"], header["POSY"], header["POSZ"]])
    assert np.isfinite(mapping.lat[-1, 2000]) and np.isnan(mapping.lat[0, 2000])
    mapping.check_invariants()


def test_seq_get_by_id(seq_provider: SpacecraftProvider) -> None:
    assert seq_provider.get_by_id("8495").identifier == "ISS029-E-8495"
    with pytest.raises(NoDataError) as error:
        seq_provider.get_by_id("850")
    assert all(f"ISS029-E-{n}" in str(error.value) for n in (8500, 8501, 8502))
    with pytest.raises(NoDataError):
        seq_provider.get_by_id("ISS030")


def test_seq_sequence_between(seq_provider: SpacecraftProvider) -> None:
    sequence = seq_provider.sequence(datetime(2011, 9, 18, 11, 55, 4), datetime(2011, 9, 18, 11, 55, 8))
    assert next(sequence).identifier == "ISS029-E-8495"
    assert [m.identifier for m in sequence] == ["ISS029-E-8496"]


@pytest.mark.slow
def test_seq_whole_sequence(seq_provider: SpacecraftProvider) -> None:
    assert [m.time for m in seq_provider.sequence()] == SEQ_TIMES


def test_list_mode_checks_sizes(seq_wcs: list[Path]) -> None:
    with pytest.raises(InputError, match="IMAGEW"):
        SpacecraftProvider([np.zeros((100, 100), np.uint8)], seq_wcs[:1])
    with pytest.raises(InputError, match="pair one to one"):
        SpacecraftProvider([np.zeros((2832, 4256), np.uint8)], seq_wcs[:2])


def test_list_mode_names_solutions_and_header_photos(seq_provider: SpacecraftProvider, seq_wcs: list[Path]) -> None:
    assert seq_provider.solution_path("ISS029-E-8497") == seq_wcs[4]
    with pytest.raises(KeyError):
        seq_provider.solution_path("ISS029-E-8492")
    image = np.zeros((2832, 4256), np.uint8)
    headers = SpacecraftProvider([image, image], [read_header(seq_wcs[0]), read_header(seq_wcs[1])])
    assert headers.identifiers == ["photo-20110918T115459", "photo-20110918T115502"]
    assert headers.solution_path("photo-20110918T115459") is None


# -- folders of synthetic photos --------------------------------------------------


@pytest.fixture(scope="module")
def contract_folder(sample_files, tmp_path_factory) -> Path:
    names = ["SAMPLE-0001", "SAMPLE-0002", "SAMPLE-0003"]
    return sample_folder(tmp_path_factory.mktemp("contract"), sample_files, [0, 3, 6], names)


class TestSampleFolderContract(ProviderContract):
    @pytest.fixture
    def provider(self, contract_folder: Path) -> SpacecraftProvider:
        return SpacecraftProvider(contract_folder)


def test_folder_pairs_images_and_solutions(sample_files, tmp_path: Path) -> None:
    folder = sample_folder(tmp_path, sample_files, [6, 0, 3], ["C", "A", "B"])
    shutil.copy(sample_files[0], folder / "UNSOLVED.jpg")
    (folder / "notes.txt").write_text("not an image")
    provider = SpacecraftProvider(folder)
    assert provider.identifiers == ["A", "B", "C"]
    assert provider.unsolved_ids == ["UNSOLVED"]
    mapping = provider.get_by_id("B")
    assert mapping.identifier == "B" and mapping.time == datetime(2011, 9, 18, 11, 55, 3)
    assert mapping.image.shape == (800, 1200, 3)
    assert SpacecraftProvider.can_open(folder)
    assert not SpacecraftProvider.can_open(tmp_path / "A.jpg") and not SpacecraftProvider.can_open(tmp_path / "x")


def test_unusable_solutions_in_a_folder_are_skipped_naming_each(sample_files, tmp_path: Path, caplog) -> None:
    folder = sample_folder(tmp_path / "photos", sample_files, [0, 3], ["A", "B"])
    (folder / "GARBAGE.wcs").write_bytes(b"not a FITS header at all" * 200)
    shutil.copy(folder / "A.jpg", folder / "GARBAGE.jpg")
    shutil.copy(folder / "A.wcs", folder / "NOJPG.wcs")
    provider = SpacecraftProvider(folder)
    assert provider.identifiers == ["A", "B"]
    assert [message.split(": ")[0] for message in provider.skipped_inputs] == [str(folder / "GARBAGE.wcs"), str(folder / "NOJPG.wcs")]
    assert provider.skipped_inputs[0].startswith(f"{folder / 'GARBAGE.wcs'}: not a readable FITS header (No SIMPLE card found")
    assert "ignore_missing_simple" not in provider.skipped_inputs[0], "no advice on astropy's API"
    assert provider.skipped_inputs[1] == f"{folder / 'NOJPG.wcs'}: no image NOJPG.jpg in {folder}"
    warned = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warned == [f"{message}; skipped, the other files are used" for message in provider.skipped_inputs]
    for name in ("A", "B"):
        (folder / f"{name}.wcs").unlink()
    with pytest.raises(InputError, match=rf"^{folder / 'GARBAGE.wcs'}: not a readable FITS header"):
        SpacecraftProvider(folder)  # nothing usable: the first error


def test_solutions_without_any_image_are_one_error_naming_an_example(sample_files, tmp_path: Path) -> None:
    folder = sample_folder(tmp_path / "photos", sample_files, [0, 3], ["A", "B"])
    for name in ("A", "B"):
        (folder / f"{name}.jpg").unlink()
    with pytest.raises(InputError, match=rf"^{folder}: no image matches any of the 2 .wcs files \(e.g. A.jpg for A.wcs; images: "):
        SpacecraftProvider(folder)


def test_separate_wcs_folder_and_extension(sample_files, tmp_path: Path) -> None:
    images = sample_folder(tmp_path / "images", sample_files, [0, 3], ["A", "B"])
    wcs_folder = tmp_path / "wcs"
    wcs_folder.mkdir()
    for path in images.glob("*.wcs"):
        shutil.move(path, wcs_folder / path.name)
    shutil.copy(sample_files[0], images / "A.png")  # same base name, other format
    with pytest.raises(InputError, match="several images match"):
        SpacecraftProvider(images, wcs_folder)
    provider = SpacecraftProvider(images, wcs_folder, image_extension="jpg")
    assert provider.identifiers == ["A", "B"]
    (images / "B.jpg").unlink()
    without_b = SpacecraftProvider(images, wcs_folder, image_extension=".jpg")
    assert without_b.identifiers == ["A"] and without_b.skipped_inputs == [f"{wcs_folder / 'B.wcs'}: no image B.jpg in {images}"]


def test_same_time_photos_do_not_collapse(sample_files, tmp_path: Path) -> None:
    folder = sample_folder(tmp_path, sample_files, [0, 0, 3], ["A", "B", "C"])
    provider = SpacecraftProvider(folder)
    assert provider.identifiers == ["A", "B", "C"]
    assert provider.get_by_id("B").identifier == "B"
    assert [m.identifier for m in provider.sequence()] == ["A", "B", "C"]


def test_metadata_json_merge(sample_files, tmp_path: Path) -> None:
    folder = sample_folder(tmp_path, sample_files, [0, 3], ["A", "B"])
    document = {
        "sequence_metadata": {"mission": "ISS029", "lens": "Nikkor 14-24"},
        "image_metadata": {"B": {"frame": 8493, "lens": "Nikkor 24"}},
    }
    (folder / "metadata.json").write_text(json.dumps(document))
    provider = SpacecraftProvider(folder)
    solution = {name: {SOLUTION_PATH_KEY: str((folder / f"{name}.wcs").resolve())} for name in "AB"}
    assert provider.get_by_id("A").metadata == {"mission": "ISS029", "lens": "Nikkor 14-24", **solution["A"]}
    assert provider.get_by_id("B").metadata == {"mission": "ISS029", "lens": "Nikkor 24", "frame": 8493, **solution["B"]}
    (folder / "metadata.json").write_text(json.dumps({"sequence_metadata": {"nested": {"a": 1}}}))
    with pytest.raises(InputError, match="nested"):
        SpacecraftProvider(folder)


def test_timeshift_override_uses_orbit(sample_files, tmp_path: Path, tle_folder: Path) -> None:
    folder = sample_folder(tmp_path, sample_files, [0, 3], ["A", "B"])
    provider = SpacecraftProvider(folder, timeshift=-13.0, tle_folder=tle_folder, max_time_offset=1.0)
    assert provider.range == (datetime(2011, 9, 18, 11, 54, 47), datetime(2011, 9, 18, 11, 54, 50))
    mapping = provider.get(datetime(2011, 9, 18, 11, 54, 50, 400000))
    assert mapping.identifier == "B" and mapping.time == datetime(2011, 9, 18, 11, 54, 50)
    expected = TleFile(tle_folder / "25544.tle").position(mapping.time)
    np.testing.assert_array_equal(mapping.camera_position, expected)
    with pytest.raises(InputError, match="tle_folder"):
        SpacecraftProvider(folder, timeshift=timedelta(seconds=1)).get_by_id("A")


def test_a_folder_of_images_without_any_solution_warns_naming_them_and_auromat_solve(sample_files, tmp_path: Path, caplog) -> None:
    folder, solutions = tmp_path / "photos", tmp_path / "wcs"
    folder.mkdir(), solutions.mkdir()
    shutil.copy(sample_files[0], folder / "A.jpg")
    provider = SpacecraftProvider(folder)
    assert (len(provider), provider.unsolved_ids) == (0, ["A"]), "the unsolved images stay listed, to be solved and reloaded"
    assert caplog.messages == [
        f"{folder}: 1 image has no .wcs solution in {folder} (A.jpg), so there is no frame; solve them (auromat solve --images {folder} "
        f"--wcs-out {folder} --tle-folder <folder of TLEs>; JPEG or PNG photos) or give wcs_folder= the folder of their .wcs files"
    ]
    caplog.clear()
    for name in "BCDE":
        shutil.copy(sample_files[0], folder / f"{name}.jpg")
    SpacecraftProvider(folder, solutions)
    assert caplog.messages[0].startswith(f"{folder}: 5 images have no .wcs solution in {solutions} (A.jpg, B.jpg, C.jpg and 2 more), so there is no frame")
    caplog.clear()
    assert len(SpacecraftProvider(tmp_path / "wcs")) == 0 and caplog.messages == [], "a folder without images has no frames, as before"


def test_altitude_option(sample_files, tmp_path: Path) -> None:
    folder = sample_folder(tmp_path, sample_files, [0], ["A"])
    low, high = SpacecraftProvider(folder, altitude=0).get_by_id("A"), SpacecraftProvider(folder).get_by_id("A")
    assert low.altitude == 0 and high.altitude == 110
    assert low.defined.sum() < high.defined.sum()
    with pytest.raises(InputError, match=r"^altitude must be a number >= 0, got 'high'$"):
        SpacecraftProvider(folder, altitude="high")


def test_spacetrack_true_is_a_session_with_the_stored_credentials(sample_files, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SPACETRACK_USER", "observer")
    monkeypatch.setenv("SPACETRACK_PASSWORD", "s3cret-value")
    folder = sample_folder(tmp_path, sample_files, [0], ["A"])
    session = SpacecraftProvider(folder, spacetrack=True).spacetrack
    assert isinstance(session, SpaceTrack) and session._resolve_credentials() == ("observer", "s3cret-value")
    assert SpacecraftProvider(folder, spacetrack=False).spacetrack is None


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("spacetrack", "yes", r"spacetrack must be a SpaceTrack object \(set it from Python, not with -p\), got 'yes'"),
        ("raw_options", 1, r"raw_options must be a RawOptions object \(set it from Python, not with -p\), got 1"),
        ("lens_correction", "poly3", r"lens_correction must be a LensCorrection object .*, got 'poly3'"),
        ("timeshift", "late", r"timeshift must be a number, got 'late'"),
        ("tle_folder", 5, r"tle_folder must be a file or folder path, got 5"),
        ("wcs_folder", 5, r"wcs_folder must be a file or folder path, got 5"),
        ("image_extension", 1, r"image_extension must be a file extension such as '.jpg', got 1"),
        *(
            ("norad_id", value, rf"norad_id must be a NORAD catalogue number \(a positive whole number such as 25544\), got {shown}")
            for value, shown in [("abc", "'abc'"), ("25544", "'25544'"), (25544.7, "25544.7"), (True, "True"), ([1], r"\[1\]"),
                                 (0, "0"), (-5, "-5")]
        ),
    ],
)
def test_options_of_the_wrong_kind_are_named(sample_files, tmp_path: Path, option, value, message) -> None:
    """What ``-p KEY=VALUE`` can give (JSON numbers, booleans, strings) for options that need other values."""
    folder = sample_folder(tmp_path, sample_files, [0], ["A"])
    with pytest.raises(InputError, match=f"^{message}$"):
        SpacecraftProvider(folder, **{option: value})


def test_norad_id_is_checked_before_any_work(auromat_plugins, sample_files, tmp_path: Path) -> None:
    """The sample's .wcs has POSX/Y/Z (no orbit needed), yet a bad norad_id is refused; a good one is kept as an int."""
    auromat_plugins.register(auromat_spacecraft.plugin)
    folder = sample_folder(tmp_path, sample_files, [0], ["A"])
    with pytest.raises(InputError, match=r"^provider 'spacecraft': option norad_id must be a whole number, got 'abc'$"):
        get_provider("spacecraft", folder, norad_id="abc")
    assert SpacecraftProvider(folder, norad_id=np.int64(25544)).norad_id == 25544


def test_registered_and_detected(auromat_plugins, sample_files, tmp_path: Path) -> None:
    auromat_plugins.register(auromat_spacecraft.plugin)
    folder = sample_folder(tmp_path, sample_files, [0], ["A"])
    assert [r.name for r in detect_providers(str(folder))] == ["spacecraft"]
    provider = get_provider("spacecraft", folder, altitude=90)
    assert isinstance(provider, SpacecraftProvider) and provider.altitude == 90
