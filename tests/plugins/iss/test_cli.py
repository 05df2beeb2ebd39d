"""``auromat download esa-iss`` against the synthetic archive on 127.0.0.1."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from auromat_core.cli import build_cli
from tests.plugins.iss.archive import KEYS, ArchiveServer
from tests.plugins.iss.conftest import PROCESSED_SEQUENCE, RAW_SEQUENCE


def run(*args: str, env: dict[str, str] | None = None):
    return CliRunner().invoke(build_cli(), ["download", "esa-iss", "--no-progress", *args], env=env)


def test_download_and_rerun(server: ArchiveServer, base_url: str, tmp_path: Path) -> None:
    out = tmp_path / "iss"
    result = run("--id", str(RAW_SEQUENCE), "--out", str(out), "--base-url", base_url)
    assert result.exit_code == 0, result.output
    assert result.output == (  # the progress bar (off here) counts 7 files: the summary says which 2 it adds
        f"ESA ISS sequence {RAW_SEQUENCE}: 3 RAW images; 9 downloaded, 0 already present, 0 failed, api.json and metadata.json "
        f"included (in {out})\n"
    )
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["api.json", "metadata.json", "bad_pixels.gz", *(f"{k}.dng" for k in KEYS), *(f"{k}.wcs" for k in KEYS)]
    )
    server.requests.clear()
    again = run("--id", str(RAW_SEQUENCE), "--out", str(out), "--base-url", base_url)
    assert again.exit_code == 0, again.output
    assert "0 downloaded, 9 already present" in again.output
    assert server.requests == []


def test_default_folder_period_and_environment(
    server: ArchiveServer, base_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run(
        "--id", "12", "--start", "2011-09-18T11:55:01", "--end", "2011-09-18T11:55:03", env={"AUROMAT_ESA_ISS_URL": base_url}
    )
    assert result.exit_code == 0, result.output
    assert "1 RAW images" in result.output
    assert sorted(p.name for p in (tmp_path / "seq-12").iterdir()) == sorted(
        ["api.json", "metadata.json", "bad_pixels.gz", f"{KEYS[1]}.dng", f"{KEYS[1]}.wcs"]
    )


@pytest.mark.parametrize("sequence", [RAW_SEQUENCE, PROCESSED_SEQUENCE])
def test_processed_images(server: ArchiveServer, base_url: str, tmp_path: Path, sequence: int) -> None:
    extra = ["--no-raw"] if sequence == RAW_SEQUENCE else []
    result = run("--id", str(sequence), "--out", str(tmp_path), "--base-url", base_url, *extra)
    assert result.exit_code == 0, result.output
    assert "3 processed images; 8 downloaded" in result.output
    assert sorted(p.suffix for p in tmp_path.iterdir() if p.stem in KEYS) == [".jpg"] * 3 + [".wcs"] * 3
    assert not (tmp_path / "bad_pixels.gz").exists()


def test_errors(server: ArchiveServer, base_url: str, tmp_path: Path) -> None:
    missing = run("--id", "99", "--out", str(tmp_path / "x"), "--base-url", base_url)
    assert missing.exit_code == 1
    assert missing.output.count("\n") == 1 and "georef_seqs/99" in missing.output and "404" in missing.output
    del server.files[f"/data/img/ISS029-E/8000/{KEYS[2]}.dng"]
    partial = run("--id", "12", "--out", str(tmp_path / "y"), "--base-url", base_url)
    assert partial.exit_code == 1
    assert "1 failed" in partial.output and f"Error: 1 file(s) of sequence 12 failed, e.g. {KEYS[2]}.dng" in partial.output
    backwards = run("--id", "12", "--start", "2011-09-19", "--end", "2011-09-18", "--base-url", base_url)
    assert backwards.exit_code == 2 and "before --start" in backwards.output
