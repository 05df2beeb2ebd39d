"""Movies: the user guide's movie of a sequence, frame kinds, formats and errors."""

from __future__ import annotations

import imageio_ffmpeg
import numpy as np
import pytest
from auromat_maps import create_movie, draw_plot, draw_stereographic, save_fig
from auromat_maps.figures import new_figure
from PIL import Image

from auromat_core import ExportError, InputError
from auromat_core.boundingbox import BoundingBox


def test_movie_of_the_seq_solutions_is_a_valid_mp4(seq_mappings, tmp_path) -> None:
    """The user guide's recipe: masked, resampled frames on one merged bounding box, saved, then encoded."""
    box = BoundingBox.merged([seq_mappings[0].bounding_box, seq_mappings[-1].bounding_box])
    folder = tmp_path / "frames"
    folder.mkdir()
    paths = []
    for mapping in seq_mappings:
        resampled = mapping.resample(arcsec_per_px=300)
        paths.append(folder / f"{mapping.identifier}.png")
        save_fig(paths[-1], draw_stereographic(resampled, bounding_box=box, dpi=50))
    movie = create_movie(tmp_path / "movie.mp4", paths, frame_rate=3, progress=False)
    frames, seconds = imageio_ffmpeg.count_frames_and_secs(str(movie))
    assert frames == 10
    assert seconds == pytest.approx(10 / 3, abs=0.1)
    reader = imageio_ffmpeg.read_frames(str(movie))
    meta = next(reader)
    assert meta["codec"].startswith("h264") and meta["size"] == (400, 250)
    first = np.frombuffer(next(reader), dtype=np.uint8).reshape(250, 400, 3)
    reader.close()
    expected = np.asarray(Image.open(paths[0]).convert("RGB"), dtype=np.float64)
    assert np.abs(first.astype(np.float64) - expected).mean() < 6, "the first movie frame shows the first map"
    assert sorted(p.name for p in folder.iterdir()) == sorted(p.name for p in paths), "the caller's folder is kept"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["frames", "movie.mp4"]


def test_webm_from_figures_and_arrays_with_a_width(scandinavia_mapping, tmp_path) -> None:
    figures = [draw_plot(scandinavia_mapping, dpi=40) for _ in range(2)]
    arrays = [np.full((200, 320, 3), value, dtype=np.uint8) for value in (0, 255)]
    movie = create_movie(tmp_path / "m.webm", iter(figures + arrays), frame_rate=5, width=160, progress=False)
    frames, _ = imageio_ffmpeg.count_frames_and_secs(str(movie))
    assert frames == 4
    reader = imageio_ffmpeg.read_frames(str(movie))
    meta = next(reader)
    reader.close()
    assert meta["codec"].startswith("vp8") and meta["size"] == (160, 100)
    assert not figures[0][0].axes, "figures are closed after rendering"


def test_odd_frame_sizes_are_padded_for_yuv420(tmp_path) -> None:
    frames = [np.zeros((101, 151), dtype=np.uint16), np.ones((101, 151), dtype=np.float32)]
    movie = create_movie(tmp_path / "odd.mp4", frames, frame_rate=2, progress=False)
    reader = imageio_ffmpeg.read_frames(str(movie))
    assert next(reader)["size"] == (152, 102)
    reader.close()


def test_movie_errors_leave_no_file(tmp_path, monkeypatch) -> None:
    frame = np.zeros((20, 20, 3), dtype=np.uint8)
    with pytest.raises(InputError, match="unsupported extension"):
        create_movie(tmp_path / "m.avi", [frame])
    with pytest.raises(InputError, match="no frames"):
        create_movie(tmp_path / "m.mp4", [], progress=False)
    with pytest.raises(InputError, match="frame 1 is 30x20 px, but the first frame is 20x20"):
        create_movie(tmp_path / "m.mp4", [frame, np.zeros((20, 30, 3), np.uint8)], progress=False)
    with pytest.raises(InputError, match="even number"):
        create_movie(tmp_path / "m.mp4", [frame], width=101, progress=False)
    with pytest.raises(InputError, match="not a readable image"):
        create_movie(tmp_path / "m.mp4", [tmp_path / "missing.png"], progress=False)
    monkeypatch.setenv("IMAGEIO_FFMPEG_EXE", "/bin/false")
    with pytest.raises(ExportError, match="ffmpeg failed to write movie .*m.mp4"):
        create_movie(tmp_path / "m.mp4", [frame] * 3, progress=False)
    assert list(tmp_path.iterdir()) == []


def test_save_fig_is_atomic_and_closes(tmp_path) -> None:
    figure = new_figure(2, 1, 50)
    figure.add_subplot(1, 1, 1).plot([0, 1], [0, 1])
    with pytest.raises(InputError, match="no file extension"):
        save_fig(tmp_path / "plain", figure)
    with pytest.raises(InputError, match="cannot write"):
        save_fig(tmp_path / "x.unknownformat", figure)
    assert list(tmp_path.iterdir()) == []
    figure = new_figure(2, 1, 50)
    figure.add_subplot(1, 1, 1)
    save_fig(tmp_path / "f.png", (figure, figure.axes[0]), width_px=300)
    assert Image.open(tmp_path / "f.png").size == (300, 150)
    assert not figure.axes
    with pytest.raises(InputError, match="at most one"):
        save_fig(tmp_path / "g.png", new_figure(), dpi=10, width_px=100)
