"""The ``themis`` provider: the provider contract, several sites, selection, detection."""

from __future__ import annotations

import json
import os
import pickle
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from auromat_themis import ThemisProvider

import auromat_core
from auromat_core import Mapping, MappingCollection, NoDataError
from auromat_core.testing import ProviderContract


class TestRealFrames(ProviderContract):
    @pytest.fixture
    def provider(self, sav_provider):
        return sav_provider


class TestTwoSites(ProviderContract):
    @pytest.fixture
    def provider(self, two_sites):
        return ThemisProvider(two_sites, allow_later_skymap=True)


def test_time_steps_group_the_sites(two_sites: Path, frame_epochs) -> None:
    provider = ThemisProvider(two_sites, allow_later_skymap=True)
    assert provider.site_codes == ["fykn", "gako"]
    assert list(provider.times) == frame_epochs  # gako's frames come first in each step
    assert provider.identifiers[0] == "THEMIS.2011.01.06.17.00.00"
    step = provider.load(3)
    assert isinstance(step, MappingCollection) and step.identifier == provider.identifiers[3]
    assert [m.identifier for m in step] == ["fykn.2011.01.06.17.00.09", "gako.2011.01.06.17.00.09"]
    assert step[0].time - step[1].time == timedelta(seconds=0.7)
    assert step[0].metadata["skymap_file"] == "thg_l2_asc_fykn_19700101_v01.cdf"


@pytest.mark.parametrize("layout", ["one site", "two sites", "two sites 1 s apart", "separate steps"])
def test_each_step_has_the_providers_time_and_identifier(layout: str, request) -> None:
    folder, options = {
        "one site": ("themis_fixtures", {}),
        "two sites": ("two_sites", {}),
        "two sites 1 s apart": ("two_sites_1s", {}),
        "separate steps": ("two_sites", {"group_window": 0.5}),
    }[layout]
    provider = ThemisProvider(request.getfixturevalue(folder), allow_later_skymap=True, **options)
    steps = [(step.identifier, step.time) for step in provider.sequence()]
    assert steps == list(zip(provider.identifiers, provider.times))
    assert len(set(provider.identifiers)) == len(provider)
    for index in (0, len(provider) - 1):
        assert provider.get_by_id(provider.identifiers[index]).time == provider.times[index]


def test_steps_at_the_same_time_have_distinct_identifiers(tmp_path: Path, l1_file: Path, sav_file: Path, raw_frames, frame_epochs) -> None:
    from tests.plugins.themis.synthetic import write_l1, write_l2_skymap

    os.symlink(l1_file, tmp_path / l1_file.name)
    frames, times = raw_frames
    for site in ("fykn", "inuv"):  # the very frame times of gako
        write_l1(tmp_path / f"thg_l1_asf_{site}_2011010617_v01.cdf", l1_file, site, frames, frame_epochs, times)
        write_l2_skymap(tmp_path / f"thg_l2_asc_{site}_19700101_v01.cdf", sav_file, site=site, valid_from=[datetime(2007, 2, 2)])
    write_l2_skymap(tmp_path / "thg_l2_asc_gako_19700101_v01.cdf", sav_file, valid_from=[datetime(2007, 2, 2)])
    provider = ThemisProvider(tmp_path, group_window=0)  # every frame a step of its own
    assert len(provider) == 69 and len(set(provider.identifiers)) == 69
    assert list(provider.identifiers[:3]) == [
        "THEMIS.2011.01.06.17.00.00", "THEMIS.2011.01.06.17.00.00.053000", "THEMIS.2011.01.06.17.00.00.053000.2"]
    assert [(step.identifier, [m.identifier for m in step]) for step in map(provider.load, (1, 2))] == [
        (provider.identifiers[1], ["gako.2011.01.06.17.00.00"]), (provider.identifiers[2], ["inuv.2011.01.06.17.00.00"])]


def test_get_names_a_step_that_get_by_id_finds(two_sites_1s: Path, frame_epochs) -> None:
    """Gako at 17:00:00.053, fykn at 17:00:01.053 (one step); at 17:00:02 fykn's frame is nearest, gako's next one is chosen."""
    provider = ThemisProvider(two_sites_1s, allow_later_skymap=True)
    assert provider.times[0] == frame_epochs[0] and provider.identifiers[0] == "THEMIS.2011.01.06.17.00.00"
    result = provider.get(datetime(2011, 1, 6, 17, 0, 2))
    assert [m.identifier for m in result] == ["fykn.2011.01.06.17.00.01", "gako.2011.01.06.17.00.03"]
    assert (result.identifier, result.time) == (provider.identifiers[0], provider.times[0])
    assert provider.get_by_id(result.identifier).identifier == result.identifier
    whole = provider.get(frame_epochs[3] + timedelta(seconds=0.5))  # both frames of step 3 are nearest
    assert [m.identifier for m in whole] == [m.identifier for m in provider.load(3)] and whole.time == frame_epochs[3]


def test_sites_farther_apart_than_the_window_are_separate_steps(two_sites: Path) -> None:
    provider = ThemisProvider(two_sites, allow_later_skymap=True, group_window=0.5)
    assert len(provider) == 46
    assert [len(provider.load(i)) for i in (0, 1)] == [1, 1]


def test_get_takes_each_sites_nearest_frame(two_sites: Path, frame_epochs) -> None:
    provider = ThemisProvider(two_sites, allow_later_skymap=True)
    request = frame_epochs[4] + timedelta(seconds=0.3)  # 0.3 s after gako, 0.4 s before fykn
    result = provider.get(request)
    assert [m.identifier for m in result] == ["fykn.2011.01.06.17.00.12", "gako.2011.01.06.17.00.12"]
    assert all(abs(m.time - request) <= timedelta(seconds=2) for m in result)
    assert (result.identifier, result.time) == (provider.identifiers[4], frame_epochs[4]) == ("THEMIS.2011.01.06.17.00.12", provider.times[4])
    split = provider.get(frame_epochs[4] + timedelta(seconds=1.7))  # fykn of step 4 (1.0 s), gako of step 5 (1.3 s)
    assert [m.identifier for m in split] == ["fykn.2011.01.06.17.00.12", "gako.2011.01.06.17.00.15"]
    assert (split.identifier, split.time) == ("THEMIS.2011.01.06.17.00.12", frame_epochs[4])  # fykn's step is nearer
    later = provider.get(frame_epochs[4] + timedelta(seconds=1.9))  # fykn of step 4 (1.2 s), gako of step 5 (1.1 s)
    assert [m.identifier for m in later] == ["fykn.2011.01.06.17.00.12", "gako.2011.01.06.17.00.15"]
    assert (later.identifier, later.time) == ("THEMIS.2011.01.06.17.00.15", frame_epochs[5])  # gako's step is nearer
    assert provider.get_by_id(later.identifier).identifier == later.identifier == provider.identifiers[5]
    assert not provider.contains(frame_epochs[-1] + timedelta(seconds=3))
    with pytest.raises(NoDataError, match="nearest available"):
        provider.get(frame_epochs[-1] + timedelta(seconds=3))


def test_site_selection(two_sites: Path) -> None:
    provider = ThemisProvider(two_sites, sites="fykn", allow_later_skymap=True)
    assert provider.site_codes == ["fykn"]
    assert all(len(provider.load(i)) == 1 for i in (0, 22))
    assert ThemisProvider(two_sites, sites=["GAKO"], allow_later_skymap=True).site_codes == ["gako"]
    with pytest.raises(auromat_core.InputError, match="invalid THEMIS site code"):
        ThemisProvider(two_sites, sites="gakona")


def test_a_site_code_outside_the_array_is_used_with_a_warning(caplog) -> None:
    from auromat_themis.stations import parse_sites

    assert parse_sites("gako,GAKK") == ("gako", "gakk")
    assert "THEMIS site(s) 'gakk' are not among the 24 known stations (atha, chbg," in caplog.text and "used as given" in caplog.text
    caplog.clear()
    assert parse_sites(["fykn", "gako"]) == ("fykn", "gako") and not caplog.text


def test_a_site_without_files_is_named_with_the_sites_there(two_sites: Path, caplog) -> None:
    provider = ThemisProvider(two_sites, sites="inuv", allow_later_skymap=True)
    assert len(provider) == 0
    assert f"no THEMIS L1 frames of sites inuv in {two_sites}; it has L1 files of fykn, gako" in caplog.text
    caplog.clear()
    assert ThemisProvider(two_sites, sites="inuv,gako,fsmi", allow_later_skymap=True).site_codes == ["gako"]
    assert f"no THEMIS L1 frames of sites fsmi, inuv in {two_sites}; using those of gako" in caplog.text


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ({"altitude": -5}, "altitude must be a number >= 0, got -5"),
        ({"altitude": "high"}, "altitude must be a number >= 0, got 'high'"),
        ({"max_time_offset": float("nan")}, "max_time_offset must be a number >= 0, got nan"),
        ({"min_elevation": 95}, "min_elevation must be a number >= -90 and <= 90, got 95"),
        ({"group_window": None}, "group_window must be a number >= 0, got None"),
        ({"percentiles": (99, 1)}, r"percentiles must be \(low, high\) with 0 <= low < high <= 100, got \(99, 1\)"),
        ({"percentiles": 5}, r"percentiles must be \(low, high\) with 0 <= low < high <= 100, got 5"),
        ({"allow_later_skymap": "tru"}, "allow_later_skymap must be true or false, got 'tru'"),
        ({"sites": [5]}, r"sites must be site codes, comma-separated or a list such as \['gako', 'fykn'\], got \[5\]"),
        ({"sites": True}, r"sites must be site codes, comma-separated or a list such as \['gako', 'fykn'\], got True"),
        ({"skymap_dir": 5}, "skymap_dir must be a file or folder path, got 5"),
        ({"min_brightness": "dark"}, "min_brightness must be a number, got 'dark'"),
        ({"max_brightness": 5000, "brightness": "percentile"},
         "min_brightness/max_brightness scale brightness='original'; brightness='percentile' takes percentiles"),
        ({"min_brightness": 5000, "max_brightness": 1000},
         "min_brightness must be below max_brightness, got min_brightness 5000, max_brightness 1000"),
        ({"min_brightness": 1000, "max_brightness": 1000.0, "brightness": "original"},
         "min_brightness must be below max_brightness, got min_brightness 1000, max_brightness 1000.0"),
        ({"brightness": "original", "percentiles": (5, 95)},
         "percentiles scale brightness='percentile'; brightness='original' takes min_brightness/max_brightness"),
        ({"min_brightness": 100, "percentiles": (5, 95)},
         "percentiles scale brightness='percentile', min_brightness/max_brightness brightness='original': give one or the other"),
        ({"brightness": "percentile", "percentiles": (5, 120)},
         r"percentiles must be \(low, high\) with 0 <= low < high <= 100, got \(5, 120\)"),
        ({"brightness": "bright"}, "brightness must be None or one of original, percentile, got 'bright'"),
    ],
)
def test_invalid_options_name_the_option(l1_file: Path, option, message) -> None:
    with pytest.raises(auromat_core.InputError, match=f"^{message}$"):
        ThemisProvider(l1_file, **{"allow_later_skymap": True, **option})


def test_a_brightness_bound_alone_scales_the_original_way(l1_file: Path) -> None:
    bounded = ThemisProvider(l1_file, allow_later_skymap=True, min_brightness=1000, max_brightness=5000).load(0)[0]
    counts = ThemisProvider(l1_file, allow_later_skymap=True).load(0)[0]
    defined = counts.defined
    expected = np.clip(np.floor((counts.image[..., 0][defined] - 1000.0) * (255.9999 / 4000.0)), 0, 255)
    assert bounded.image.dtype == np.uint8 and np.array_equal(bounded.image[..., 0][defined], expected)
    assert bounded.metadata["image_content"] == "display brightness (original)"


def test_percentiles_alone_stretch_by_percentile(l1_file: Path) -> None:
    from auromat_themis.brightness import scale_percentile

    stretched = ThemisProvider(l1_file, allow_later_skymap=True, percentiles=(5, 95)).load(0)[0]
    counts = ThemisProvider(l1_file, allow_later_skymap=True).load(0)[0]
    expected = scale_percentile(counts.image[..., 0], counts.defined, 5, 95)
    assert stretched.image.dtype == np.uint8 and np.array_equal(stretched.image[..., 0], expected)
    assert stretched.metadata["image_content"] == "display brightness (percentile)"
    default = ThemisProvider(l1_file, allow_later_skymap=True, brightness="percentile").load(0)[0]
    assert np.array_equal(default.image[..., 0], scale_percentile(counts.image[..., 0], counts.defined, 1, 99.5))


def test_convert_with_invalid_brightness_bounds_fails_once_before_any_frame(l1_file: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from auromat_core.cli import build_cli

    result = CliRunner().invoke(build_cli(), [
        "convert", "--data", str(l1_file), "--format", "cdf", "--out", str(tmp_path / "out"), "--no-progress",
        "-p", "allow_later_skymap=true", "-p", "min_brightness=5000", "-p", "max_brightness=1000",
    ])
    assert result.exit_code != 0
    assert result.output.count("min_brightness must be below max_brightness") == 1 and "frame" not in result.output
    assert not list(tmp_path.rglob("*.cdf"))


def test_a_mapping_altitude_below_the_camera_is_refused(l1_file: Path) -> None:
    below = r"^altitude 0 km is not above THEMIS site gako \(0 km\): the mapping altitude must be above the camera$"
    with pytest.raises(auromat_core.InputError, match=below):
        ThemisProvider(l1_file, allow_later_skymap=True, altitude=0)  # before any frame


def test_an_unreadable_hour_in_a_folder_is_skipped_with_a_warning(tmp_path: Path, l1_file: Path, sav_file: Path, caplog) -> None:
    for path in (l1_file, sav_file):
        os.symlink(path, tmp_path / path.name)
    truncated = tmp_path / "thg_l1_asf_gako_2011010618_v01.cdf"
    truncated.write_bytes(l1_file.read_bytes()[:5000])
    provider = ThemisProvider(tmp_path, allow_later_skymap=True)
    assert len(provider) == 23 and provider.get(datetime(2011, 1, 6, 17, 0, 3))
    skipped = [r.getMessage() for r in caplog.records if r.levelname == "WARNING" and "skipped" in r.getMessage()]
    assert len(skipped) == 1 and skipped[0].startswith(f"{truncated}: ") and skipped[0].endswith("; skipped, the other files are used")
    assert provider.skipped_inputs == [skipped[0].removesuffix("; skipped, the other files are used")]
    with pytest.raises(auromat_core.InputError, match=rf"^{truncated}: "):
        ThemisProvider([tmp_path / l1_file.name, truncated], skymap_dir=tmp_path, allow_later_skymap=True)  # named one by one


def test_a_site_without_skymap_is_skipped_when_others_have_one(two_sites: Path, tmp_path: Path, caplog) -> None:
    for path in two_sites.iterdir():
        if not path.name.startswith("thg_l2_asc_fykn"):
            os.symlink(path, tmp_path / path.name)
    provider = ThemisProvider(tmp_path, allow_later_skymap=True)
    assert {m.identifier.partition(".")[0] for step in provider.sequence() for m in step} == {"gako"}
    assert any("no skymap of THEMIS site fykn" in r.getMessage() and r.getMessage().endswith("; skipped, the other files are used")
               for r in caplog.records)


def test_get_by_id_of_a_step_or_one_site(two_sites: Path) -> None:
    provider = ThemisProvider(two_sites, allow_later_skymap=True)
    step = provider.get_by_id("THEMIS.2011.01.06.17.00.06")
    assert isinstance(step, MappingCollection) and len(step) == 2
    single = provider.get_by_id("fykn.2011.01.06.17.00.06")
    assert isinstance(single, Mapping) and single.identifier == "fykn.2011.01.06.17.00.06"
    with pytest.raises(NoDataError, match="ambiguous"):
        provider.get_by_id("fykn.2011.01.06.17.00")
    with pytest.raises(NoDataError, match=r"'fykn.17.00.06' in .*; did you mean fykn.2011.01.06.17.00.06[,?]"):
        provider.get_by_id("fykn.17.00.06")  # the site's identifiers are among the suggestions
    with pytest.raises(NoDataError, match=r"'nothere' in .* \(it has 46 site frames in 23 time steps, e.g. gako.2011.01.06.17.00.00 in THEMIS"):
        provider.get_by_id("nothere")


def test_sequence_and_range(sav_provider, frame_epochs) -> None:
    assert sav_provider.range == (frame_epochs[0], frame_epochs[-1])
    chosen = list(sav_provider.sequence(frame_epochs[2], frame_epochs[5]))
    assert [c.time for c in chosen] == frame_epochs[2:6]


def test_detection_and_registry(themis_fixtures: Path, l1_file: Path, tmp_path: Path) -> None:
    assert ThemisProvider.can_open(themis_fixtures) and ThemisProvider.can_open(l1_file)
    assert not ThemisProvider.can_open(tmp_path)
    (tmp_path / "notes.cdf").write_bytes(b"x")
    assert not ThemisProvider.can_open(tmp_path / "notes.cdf")
    assert "themis" in [r.name for r in auromat_core.detect_providers(themis_fixtures)]
    provider = auromat_core.get_provider("themis", themis_fixtures, altitude=150, allow_later_skymap=True)
    mapping = provider.load(0)[0]
    assert mapping.altitude == 150


def test_nested_layout_and_newest_version(tmp_path: Path, l1_file: Path, sav_file: Path) -> None:
    nested = tmp_path / "thg" / "l1" / "asi" / "gako" / "2011" / "01"
    nested.mkdir(parents=True)
    (nested / l1_file.name).symlink_to(l1_file)
    (tmp_path / "thg_l1_asf_gako_2011010617_v00.cdf").write_bytes(b"an older, broken version")
    (tmp_path / sav_file.name).symlink_to(sav_file)
    provider = ThemisProvider(tmp_path, allow_later_skymap=True)
    assert len(provider) == 23 and provider.load(0)[0].metadata["l1_file"] == l1_file.name


def test_an_unreadable_newest_version_falls_back_to_an_older_one(tmp_path: Path, l1_file: Path, sav_file: Path, caplog) -> None:
    (tmp_path / l1_file.name).symlink_to(l1_file)  # v01
    newer = tmp_path / "thg_l1_asf_gako_2011010617_v02.cdf"
    newer.write_bytes(l1_file.read_bytes()[:4000])  # interrupted
    (tmp_path / sav_file.name).symlink_to(sav_file)
    provider = ThemisProvider(tmp_path, allow_later_skymap=True)
    assert len(provider) == 23 and provider.load(0)[0].metadata["l1_file"] == l1_file.name
    assert any(r.getMessage().startswith(f"{newer}: ") and r.getMessage().endswith(f"; using the older version {l1_file.name}")
               for r in caplog.records)


def test_provider_pickles_for_worker_processes(sav_provider) -> None:
    before = sav_provider.load(7)[0]
    copy = pickle.loads(pickle.dumps(sav_provider))
    after = copy.load(7)[0]
    assert after.identifier == before.identifier
    assert np.array_equal(after.lat_bounds, before.lat_bounds, equal_nan=True)
    assert np.array_equal(after.image, before.image)


def test_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(auromat_core.InputError, match="does not exist"):
        ThemisProvider(tmp_path / "nowhere")


def test_empty_folder_has_no_data(tmp_path: Path) -> None:
    provider = ThemisProvider(tmp_path)
    assert len(provider) == 0
    with pytest.raises(NoDataError):
        provider.get(datetime(2011, 1, 6, 17))


def test_camera_positions_stay_right_when_few_files_are_kept(two_sites: Path, monkeypatch) -> None:
    import astropy.units as u
    from astropy.coordinates import EarthLocation
    from astropy.time import Time
    from auromat_themis import provider as provider_module

    monkeypatch.setattr(provider_module, "CAMERA_FILES", 1)
    provider = ThemisProvider(two_sites, allow_later_skymap=True)
    for index in (0, 5, 1):  # each step holds both sites, so every load evicts the other site's positions
        for mapping in provider.load(index):
            station = (mapping.metadata[f"station_{key}"] for key in ("longitude", "latitude", "altitude_km"))
            location = EarthLocation.from_geodetic(*(value * unit for value, unit in zip(station, (u.deg, u.deg, u.km))))
            expected = location.get_gcrs(Time(mapping.time, scale="utc")).cartesian.xyz.to_value(u.km)
            assert np.allclose(mapping.camera_position, expected, atol=1e-4)  # 10 cm
    assert len(provider._cameras) == 1


def test_info_command_over_a_period_in_either_time_form(themis_fixtures: Path) -> None:
    from click.testing import CliRunner

    from auromat_core.cli import build_cli

    arguments = ["info", "--data", str(themis_fixtures), "-p", "allow_later_skymap=true", "--start", "2011-01-06 17:00:30"]
    result = CliRunner().invoke(build_cli(), [*arguments, "--end", "2011-01-06T17:00:40"])
    assert result.exit_code == 0, result.output
    listed = [line.split()[0] for line in result.stdout.splitlines() if " UTC " in line]
    assert listed == [f"gako.2011.01.06.17.00.{second}" for second in (30, 33, 36, 39)]
    both = CliRunner().invoke(build_cli(), [*arguments, "--time", "2011-01-06T17:00:30"])
    assert both.exit_code == 2 and "give one of --id, --time, or a period (--start/--end)" in both.output
    as_json = CliRunner().invoke(build_cli(), [*arguments, "--end", "2011-01-06T17:00:40", "--json"])
    assert as_json.exit_code == 0, as_json.output
    assert [entry["identifier"] for entry in json.loads(as_json.stdout)] == listed
    assert "info: 4/4 frames (100%), " in as_json.stderr
    quiet = CliRunner().invoke(build_cli(), [*arguments, "--end", "2011-01-06T17:00:40", "--json", "--no-progress"])
    assert quiet.exit_code == 0 and "info:" not in quiet.stderr
    later = CliRunner().invoke(build_cli(), [*arguments[:-1], "2011-01-06T18:00:00"])
    assert later.exit_code == 1
    assert later.output.strip().endswith("gako, 110 km) has no frames between 2011-01-06 18:00:00 and the end")


def test_an_l1_name_without_version_is_named_with_the_pattern(tmp_path: Path, l1_file: Path, sav_file: Path, caplog) -> None:
    unversioned = tmp_path / "thg_l1_asf_gako_2011010617.cdf"
    os.symlink(l1_file, unversioned)
    os.symlink(sav_file, tmp_path / sav_file.name)
    assert len(ThemisProvider(tmp_path, allow_later_skymap=True)) == 0
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warnings[0] == f"{unversioned}: not used: the name does not match thg_l1_asf_<site>_<YYYYMMDDHH>_v<NN>.cdf"
    caplog.clear()
    assert len(ThemisProvider(unversioned, skymap_dir=sav_file, allow_later_skymap=True)) == 23  # given by name, it is read
    assert not [r for r in caplog.records if "not used" in r.getMessage()]
