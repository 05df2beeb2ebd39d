"""``auromat draw`` and ``auromat movie``: the README's map of the sample frame, sequence styles, movies, option errors."""

from __future__ import annotations

import re
import typing

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image

from auromat_core import hookimpl
from auromat_core import plugins as auromat_core_plugins
from auromat_core.cli import build_cli


def _run(*args: str):
    return CliRunner().invoke(build_cli(), list(args), catch_exceptions=False)


def test_draw_the_user_guide_map_of_the_sample_frame(iss_fixtures, tmp_path, no_network) -> None:
    out = tmp_path / "map.png"
    result = _run("draw", "stereographic", "--data", str(iss_fixtures), "--id", "8492", "--resample", "100",
                  "--min-elevation", "10", "--out", str(out), "-o", "line_delta=5")
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.output
    pixels = np.asarray(Image.open(out).convert("RGB"))
    assert pixels.shape == (500, 800, 3)
    coloured = np.ptp(pixels.astype(int), axis=2) > 40
    assert coloured.sum() > 20_000, "the aurora image is on the map"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["map.png"]


def test_draw_astrometry_of_a_wcs_folder(iss_fixtures, tmp_path) -> None:
    out = tmp_path / "scales.pdf"
    result = _run("draw", "astrometry-pixel-scales", "--data", str(iss_fixtures / "seq"), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")


class ThirdPartyStyles:
    """Draw styles of another plugin: one of a mapping, one of WCS solutions; they record what they are given."""

    def __init__(self) -> None:
        self.drawn: list[object] = []

    @hookimpl
    def register_draw_styles(self, register):
        def outline(mapping, colour: str = "red", width: typing.Optional[float] = None):  # noqa: UP045 - Optional is checked too
            self.drawn.append((mapping.identifier, colour))
            return _figure()

        def wcs_paths(solutions):
            self.drawn.append([path.name for path in solutions])
            return _figure()

        wcs_paths.takes = "wcs-sequence"
        register("outline", outline, "the outline of a mapping")
        register("wcs-paths", wcs_paths, "the names of WCS files")


@pytest.fixture
def third_party_styles(auromat_plugins) -> ThirdPartyStyles:
    import auromat_maps.plugin
    import auromat_spacecraft.plugin

    styles = ThirdPartyStyles()
    for name, plugin in [("maps", auromat_maps.plugin), ("spacecraft", auromat_spacecraft.plugin), ("other", styles)]:
        auromat_plugins.register(plugin, name=name)
    return styles


def test_styles_of_another_plugin_are_drawn_with_their_options(third_party_styles, iss_fixtures, tmp_path) -> None:
    result = _run("draw", "outline", "--data", str(iss_fixtures), "-o", 'colour="blue"', "--out", str(tmp_path / "o.png"))
    assert result.exit_code == 0, result.output
    assert third_party_styles.drawn == [("ISS029-E-8492", "blue")] and (tmp_path / "o.png").is_file()
    wrong = _run("draw", "outline", "--data", str(iss_fixtures), "-o", "colour=5", "--out", str(tmp_path / "p.png"))
    assert wrong.exit_code == 1 and wrong.output == "Error: draw style 'outline': option colour must be a string, got 5\n"
    for option, message in (("width=\"wide\"", "draw style 'outline': option width must be a number, got 'wide'"),
                            ("widht=2", "draw style 'outline' has no option 'widht' (did you mean 'width'?); its options are: colour, width")):
        wrong = _run("draw", "outline", "--data", str(iss_fixtures), "-o", option, "--out", str(tmp_path / "p.png"))
        assert wrong.exit_code == 1 and wrong.output == f"Error: {message}\n"
    drawable = " ".join(_run("draw", "--help").output.split()).partition("STYLE: ")[2].rstrip(".").split(", ")
    in_movies = " ".join(_run("movie", "--help").output.split()).partition("STYLE: ")[2].rstrip(".").split(", ")
    assert {"outline", "wcs-paths", "keogram", "stereographic"} <= set(drawable)
    assert {"outline", "stereographic"} <= set(in_movies) and not {"wcs-paths", "keogram"} & set(in_movies)
    refused = _run("movie", "wcs-paths", "--data", str(iss_fixtures), "--out", str(tmp_path / "m.mp4"))
    assert refused.exit_code == 2 and "'wcs-paths' is not a draw style that draws one mapping; choose from: " in refused.output


class MoreStyles:
    """Another plugin's styles: one name the first plugin has too, one with a misspelt ``takes``."""

    @hookimpl
    def register_draw_styles(self, register):
        def outline(mapping):
            return _figure()

        def misspelt(mappings):
            return _figure()

        misspelt.takes = "sequences"
        register("outline", outline, "the same name as another plugin's")
        register("misspelt", misspelt, "a style with an unknown takes")


def test_a_style_named_twice_or_with_an_unknown_takes_is_one_clear_error(third_party_styles, auromat_plugins, iss_fixtures, tmp_path) -> None:
    with pytest.warns(auromat_core_plugins.PluginLoadWarning):
        auromat_plugins.register(MoreStyles(), name="more")
        twice = _run("draw", "outline", "--data", str(iss_fixtures), "--out", str(tmp_path / "o.png"))
    assert twice.exit_code == 1 and "Error: draw style 'outline' is registered twice: by plugin 'other' and by plugin 'more'" in twice.output
    misspelt = _run("draw", "misspelt", "--data", str(iss_fixtures), "--out", str(tmp_path / "m.png"))
    assert misspelt.exit_code == 1
    assert misspelt.output == "Error: draw style misspelt says it takes 'sequences'; a style takes one of mapping, sequence, wcs-sequence\n"
    assert list(tmp_path.iterdir()) == []


def test_wcs_styles_take_the_solutions_of_the_period(third_party_styles, iss_fixtures, tmp_path) -> None:
    result = _run("draw", "wcs-paths", "--data", str(iss_fixtures / "seq"), "--start", "2011-09-18T11:55:05",
                  "--end", "2011-09-18T11:55:12", "--out", str(tmp_path / "p.png"))
    assert result.exit_code == 0, result.output
    assert third_party_styles.drawn == [["ISS029-E-8495.wcs", "ISS029-E-8496.wcs", "ISS029-E-8497.wcs"]]
    empty = _run("draw", "wcs-paths", "--data", str(iss_fixtures / "seq"), "--start", "2012-01-01", "--out", str(tmp_path / "q.png"))
    assert empty.exit_code == 1
    assert "none of the 10 .wcs files of" in empty.output and "has a DATE-OBS between 2012-01-01 00:00:00 and the end" in empty.output
    photos_only = tmp_path / "photos only"
    photos_only.mkdir()
    (photos_only / "ISS029-E-8492.jpg").symlink_to(iss_fixtures / "ISS029-E-8492.jpg")
    unsolved = _run("draw", "ra-dec", "--data", str(photos_only), "--out", str(tmp_path / "r.png"))
    assert unsolved.exit_code == 1
    assert unsolved.output.startswith(f"Error: style ra-dec draws .wcs files, and {photos_only} holds none; no installed provider can open")


def _figure():
    from auromat_maps.figures import new_figure

    figure = new_figure(2, 2, 50)
    return figure, figure.add_subplot(1, 1, 1)


def test_draw_reports_user_errors_on_one_line(iss_fixtures, tmp_path) -> None:
    result = _run("draw", "stereographic", "--data", str(iss_fixtures), "--id", "8492",
                  "--out", str(tmp_path / "m.png"), "-o", "no_such_option=1")
    assert result.exit_code == 1
    assert result.output.strip().startswith("Error: draw style 'stereographic' has no option 'no_such_option'")
    assert len(result.output.strip().splitlines()) == 1
    result = _run("draw", "plot", "--data", str(iss_fixtures), "--id", "8492", "--time", "2011-09-18T11:55:00",
                  "--out", str(tmp_path / "m.png"))
    assert result.exit_code == 2 and "give --id or --time, not both" in result.output
    result = _run("draw", "plot", "--data", str(iss_fixtures), "--id", "8492", "--out", str(tmp_path / "m.png"),
                  "-o", "oops")
    assert result.exit_code == 1 and "expected KEY=VALUE" in result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("style", "option", "message"),
    [
        ("stereographic", "line_delta=five", "draw style 'stereographic': option line_delta must be a number, got 'five'"),
        ("keogram", "magnetic=no", "draw style 'keogram': option magnetic must be true or false, got 'no'"),
        ("mlat-mlt-stereographic", "center=[62]", "draw style 'mlat-mlt-stereographic': option center must be a list of 2 numbers, got [62]"),
        ("cities", "city_options=5", "draw style 'cities': option city_options must be a JSON object, e.g. {\"labels\": 5}, got 5"),
        ("cities", "cities=false", "draw style 'cities' has no option 'cities' (did you mean 'coastlines'?); its options are: "),
    ],
)
def test_style_option_values_of_the_wrong_type_are_one_line_errors(iss_fixtures, tmp_path, style, option, message) -> None:
    result = _run("draw", style, "--data", str(iss_fixtures), "--out", str(tmp_path / "m.png"), "-o", option)
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {message}") and len(result.output.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["-o", "line_delta=0"], "line_delta must be from 0.01 to 180 degrees, got 0"),
        (["-o", "line_delta=1e-9"], "line_delta must be from 0.01 to 180 degrees, got 1e-09"),
        (["-o", "center=[1000, 0]"], "center must be (lat, lon) with -90 <= lat <= 90, got [1000, 0]"),
        (["-o", "cmap=notacmap"], "cmap 'notacmap' is not a matplotlib colormap, e.g. 'gray', 'viridis', 'inferno'"),
        (["-o", "fig_width=-3"], "figure size must be positive, got -3 x 5 in at 100 dpi"),
        (["-o", "fig_height=1e9"], "figure of 8 x 1e+09 in at 100 dpi would be 800 x 100000000000 px; at most 32768 px on each side"),
        (["-o", "bounding_box=[1, 2, 3, 4]"], "bounding_box must be a BoundingBox (set it from Python), got [1, 2, 3, 4]"),
        (["--dpi", "1e6"], "would be 8000000 x 5000000 px; at most 32768 px on each side"),
    ],
)
def test_style_option_values_out_of_range_are_one_line_errors(themis_fixtures, tmp_path, arguments, message) -> None:
    result = _run("draw", "stereographic", "--data", str(themis_fixtures), "-p", "allow_later_skymap=true",
                  "--id", "gako.2011.01.06.17.00.00", "--out", str(tmp_path / "m.png"), *arguments)
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and message in result.output and len(result.output.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("style", "arguments", "message"),
    [
        ("keogram", ["--id", "gako.2011.01.06.17.00.30"], "style keogram draws a sequence: choose its frames with --start and --end"),
        ("keogram", ["--time", "2011-01-06T17:00:30"], "style keogram draws a sequence: choose its frames with --start and --end"),
        ("plot", ["--id", "gako.2011.01.06.17.00.30", "--start", "2011-01-06T17:00:40"],
         "style plot draws one mapping: choose it with --id or --time (--start/--end are for sequence styles)"),
    ],
)
def test_draw_refuses_selections_the_style_does_not_use(themis_fixtures, tmp_path, style, arguments, message) -> None:
    result = _run("draw", style, "--data", str(themis_fixtures), "-p", "allow_later_skymap=true", "--out", str(tmp_path / "m.png"), *arguments)
    assert result.exit_code == 2 and message in result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("style", "message"),
    [
        ("reference-stars", r"^Error: mapping gako\.2011\.01\.06\.17\.00\.00 carries no celestial WCS .*; -o wcs=FILE on the command line\)$"),
        ("horizon", r"^Error: horizon of mapping gako\.2011\.01\.06\.17\.00\.00: .*\(-o wcs=FILE or -o use_mapping_altitude=true on the command line\)$"),
    ],
)
def test_a_photo_style_on_a_mapping_without_solution_says_how_to_give_one(themis_fixtures, tmp_path, style, message) -> None:
    result = _run("draw", style, "--data", str(themis_fixtures), "-p", "allow_later_skymap=true",
                  "--id", "gako.2011.01.06.17.00.00", "--out", str(tmp_path / "m.png"))
    assert result.exit_code == 1 and re.match(message, result.output.strip())
    assert list(tmp_path.iterdir()) == []


def test_draw_without_id_or_time_draws_the_only_mapping(iss_fixtures, tmp_path) -> None:
    from tests.conftest import write_sequence

    out = tmp_path / "plot.png"
    result = _run("draw", "plot", "--data", str(iss_fixtures), "--out", str(out))
    assert result.exit_code == 0, result.output
    assert Image.open(out).size[0] > 100
    folder = write_sequence(iss_fixtures, tmp_path / "seq", 16)
    several = _run("draw", "plot", "--data", str(folder), "--out", str(tmp_path / "m.png"))
    assert several.exit_code == 2
    assert "draws one mapping but" in several.output and "holds 10 (2011-09-18T" in several.output
    assert "choose one with --id or --time" in several.output
    assert not (tmp_path / "m.png").exists()


@pytest.mark.parametrize("command", ["draw", "movie"])
def test_without_arguments_the_help_lists_the_styles(command) -> None:
    result = _run(command)
    assert result.exit_code == 2
    assert f"Usage: auromat {command} [OPTIONS]" in result.output and "stereographic" in result.output
    assert "Missing argument" not in result.output


def test_photo_styles_find_the_solution_of_the_mapping_in_the_data_folder(iss_fixtures, tmp_path) -> None:
    out = tmp_path / "stars.png"
    result = _run("draw", "reference-stars", "--data", str(iss_fixtures), "--out", str(out), "--dpi", "10")
    assert result.exit_code == 0, result.output
    assert Image.open(out).size == (532, 354)


@pytest.mark.parametrize("command", [["draw", "keogram"], ["movie", "stereographic"]])
def test_end_before_start_is_a_usage_error(iss_fixtures, tmp_path, command) -> None:
    result = _run(*command, "--data", str(iss_fixtures), "--start", "2011-09-18T12:00", "--end", "2011-09-18T11:00",
                  "--out", str(tmp_path / "x.mp4"))
    assert result.exit_code == 2 and "--end 2011-09-18T11:00:59.999999 is before --start 2011-09-18T12:00:00" in result.output
    assert list(tmp_path.iterdir()) == []


def test_draw_resample_method_needs_resample(iss_fixtures, tmp_path) -> None:
    result = CliRunner().invoke(build_cli(), ["draw", "stereographic", "--data", str(iss_fixtures), "--id", "8492",
                                              "--resample-method", "nearest", "--out", str(tmp_path / "m.png")])
    assert result.exit_code == 2 and "--resample-method needs --resample" in result.output
    assert not (tmp_path / "m.png").exists()
    result = CliRunner().invoke(build_cli(), ["draw", "stereographic", "--data", str(iss_fixtures), "--id", "8492",
                                              "--resample-grid", "mag", "--out", str(tmp_path / "m.png")])
    assert result.exit_code == 2 and "--resample-grid needs --resample" in result.output


def test_draw_resamples_onto_an_mlat_mlt_grid(iss_fixtures, tmp_path, monkeypatch) -> None:
    from auromat_core import Mapping

    asked = []
    resample = Mapping.resample

    def recorded(self, **options):
        asked.append(options)
        return resample(self, **options)

    monkeypatch.setattr(Mapping, "resample", recorded)
    result = CliRunner().invoke(build_cli(), ["draw", "mlat-mlt-stereographic", "--data", str(iss_fixtures), "--id", "8492",
                                              "--resample", "300", "--resample-grid", "mag", "--out", str(tmp_path / "m.png")])
    assert result.exit_code == 0, result.output
    assert asked == [{"arcsec_per_px": 300.0, "method": "mean", "grid": "mag"}]
    assert (tmp_path / "m.png").stat().st_size > 0


def test_movie_of_a_period_of_a_sequence(iss_fixtures, tmp_path) -> None:
    import imageio_ffmpeg

    from tests.conftest import write_sequence

    folder = write_sequence(iss_fixtures, tmp_path / "seq", 16)
    out = tmp_path / "movie.mp4"
    result = _run("movie", "stereographic", "--data", str(folder), "--start", "2011-09-18T11:55:00", "--end", "2011-09-18T11:55:12",
                  "--out", str(out), "--fps", "2", "--no-progress", "-o", "dpi=40", "-o", "land=false", "-o", "coastlines=false")
    assert result.exit_code == 0, result.output
    frames, seconds = imageio_ffmpeg.count_frames_and_secs(str(out))
    assert f"wrote {out} ({frames} frames at 2 fps)" in result.output
    assert 2 <= frames < 10 and seconds == pytest.approx(frames / 2, abs=0.1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["movie.mp4", "seq"]


def test_movie_errors(iss_fixtures, tmp_path) -> None:
    empty = CliRunner().invoke(build_cli(), ["movie", "stereographic", "--data", str(iss_fixtures), "--start", "2020-01-01T00:00:00",
                                             "--out", str(tmp_path / "m.mp4")])
    assert empty.exit_code == 1 and "has no frames between 2020-01-01 00:00:00 and the end" in empty.output
    sequence_style = CliRunner().invoke(build_cli(), ["movie", "keogram", "--data", str(iss_fixtures), "--out", str(tmp_path / "m.mp4")])
    assert sequence_style.exit_code == 2 and "'keogram' is not a draw style that draws one mapping; choose from: cities," in sequence_style.output
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "no data").mkdir()
    for arguments, message in (
        (["--out", str(tmp_path / "m.avi")], "unsupported extension '.avi'"),
        (["--out", str(tmp_path / "m.mp4"), "--width", "5"], "movie width must be an even number of pixels >= 2, got 5"),
    ):
        refused = CliRunner().invoke(build_cli(), ["movie", "plot", "--data", str(tmp_path / "no data"), *arguments])
        assert refused.exit_code == 1 and message in refused.output, "checked before the data is opened"


def test_draw_a_sequence_style_with_progress(iss_fixtures, tmp_path) -> None:
    from tests.conftest import write_sequence

    folder = write_sequence(iss_fixtures, tmp_path / "seq", 16)
    out = tmp_path / "footpoints.png"
    result = CliRunner().invoke(build_cli(), ["draw", "camera-footpoints", "--data", str(folder), "--out", str(out),
                                              "-o", "land=false", "-o", "coastlines=false"])
    assert result.exit_code == 0, result.output
    assert "camera-footpoints: 10/10 frames (100%), " in result.stderr
    assert Image.open(out).size == (800, 500)
    quiet = CliRunner().invoke(build_cli(), ["draw", "camera-footpoints", "--data", str(folder), "--out", str(out), "--no-progress",
                                             "-o", "land=false", "-o", "coastlines=false"])
    assert quiet.exit_code == 0 and "camera-footpoints:" not in quiet.stderr


@pytest.mark.parametrize(("arguments", "code", "message"), [
    (["--resample", "-5", "--out", "{tmp}/m.png"], 2, "Invalid value for '--resample': -5.0 is not in the range x>0."),
    (["--out", "{tmp}/a file/m.png"], 1, "Error: cannot write {tmp}/a file/m.png: {tmp}/a file is a file, not a folder"),
    (["--out", "{tmp}/m.xyz"], 1, "Error: save_fig: cannot write {tmp}/m.xyz: format 'xyz' is not one of "),
])
def test_draw_refuses_an_unusable_output_before_opening_the_data(iss_fixtures, tmp_path, monkeypatch, arguments, code, message) -> None:
    import auromat_maps.cli

    def never(*args, **kwargs):
        raise AssertionError("the data was opened")

    monkeypatch.setattr(auromat_maps.cli, "open_data", never)
    (tmp_path / "a file").write_text("")
    result = _run("draw", "stereographic", "--data", str(iss_fixtures), "--id", "8492",
                  *[argument.format(tmp=tmp_path) for argument in arguments])
    assert result.exit_code == code
    assert message.format(tmp=tmp_path) in result.output
    assert sorted(path.name for path in tmp_path.iterdir()) == ["a file"]
