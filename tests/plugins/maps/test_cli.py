"""``auromat draw``: the README's map of the sample frame, sequence styles, option errors."""

from __future__ import annotations

import numpy as np
from click.testing import CliRunner
from PIL import Image

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


def test_draw_reports_user_errors_on_one_line(iss_fixtures, tmp_path) -> None:
    result = _run("draw", "stereographic", "--data", str(iss_fixtures), "--id", "8492",
                  "--out", str(tmp_path / "m.png"), "-o", "no_such_option=1")
    assert result.exit_code == 1
    assert result.output.strip().startswith("Error: style stereographic has no option no_such_option")
    assert len(result.output.strip().splitlines()) == 1
    result = _run("draw", "plot", "--data", str(iss_fixtures), "--out", str(tmp_path / "m.png"))
    assert result.exit_code == 2 and "exactly one of --id and --time" in result.output
    result = _run("draw", "plot", "--data", str(iss_fixtures), "--id", "8492", "--out", str(tmp_path / "m.png"),
                  "-o", "oops")
    assert result.exit_code == 1 and "expected KEY=VALUE" in result.output
    assert list(tmp_path.iterdir()) == []


def test_draw_resample_method_needs_resample(iss_fixtures, tmp_path) -> None:
    result = CliRunner().invoke(build_cli(), ["draw", "stereographic", "--data", str(iss_fixtures), "--id", "8492",
                                              "--resample-method", "nearest", "--out", str(tmp_path / "m.png")])
    assert result.exit_code == 2 and "--resample-method needs --resample" in result.output
    assert not (tmp_path / "m.png").exists()
