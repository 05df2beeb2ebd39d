"""Styles on the original photo: horizon, reference stars, coordinate grid, date."""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pytest
from astropy.io import fits
from astropy.wcs import WCS, FITSFixedWarning
from auromat_maps import (
    draw_date,
    draw_grid_overlay,
    draw_horizon,
    draw_reference_stars,
)
from auromat_maps.stars import StarCatalogue, bright_stars
from matplotlib.contour import ContourSet
from PIL import Image

from auromat_core import SOLUTION_PATH_KEY, InputError, Mapping, MappingCollection, WcsError


def _contour_vertices(ax) -> list[tuple[float, np.ndarray]]:
    """(level, (n, 2) vertices in pixel coordinates) of every contour line on ``ax``."""
    found = []
    for contours in (c for c in ax.collections if isinstance(c, ContourSet)):
        for level, path in zip(contours.levels, contours.get_paths()):
            if len(path.vertices):
                found.append((float(level), path.vertices))
    return found


def _wcs(path) -> WCS:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FITSFixedWarning)
        return WCS(fits.Header.fromfile(str(path)))


def _closest_approach_km(iss_wcs, iss_mapping, vertices: np.ndarray) -> np.ndarray:
    """Distance from the Earth's centre of the line of sight through each pixel (astropy only).

    Rotations keep distances, so |p x d| needs no Earth orientation: at the
    limb it is the radius of the Earth (6357..6378 km) plus the shell height.
    """
    wcs = _wcs(iss_wcs)
    ra, dec = np.radians(wcs.all_pix2world(vertices[:, 0], vertices[:, 1], 0))
    directions = np.stack([np.cos(dec) * np.cos(ra), np.cos(dec) * np.sin(ra), np.sin(dec)], axis=-1)
    return np.linalg.norm(np.cross(iss_mapping.camera_position, directions), axis=1)


def test_horizon_is_the_earth_limb(iss_mapping, iss_wcs) -> None:
    figure, ax = draw_horizon(iss_mapping, wcs=iss_wcs, scale=0.1, color="red")
    lines = _contour_vertices(ax)
    assert lines, "no horizon drawn"
    vertices = np.concatenate([v for _, v in lines])
    assert np.ptp(vertices[:, 0]) > 3000, "the limb crosses the photo"
    distance = _closest_approach_km(iss_wcs, iss_mapping, vertices)
    assert distance.min() > 6345 and distance.max() < 6380, (distance.min(), distance.max())


def test_horizon_at_the_mapping_altitude(iss_mapping, iss_wcs) -> None:
    figure, ax = draw_horizon(iss_mapping, wcs=iss_wcs, use_mapping_altitude=True, scale=0.1)
    vertices = np.concatenate([v for _, v in _contour_vertices(ax)])
    distance = _closest_approach_km(iss_wcs, iss_mapping, vertices)
    assert distance.min() > 6345 + 110 and distance.max() < 6380 + 110, (distance.min(), distance.max())


@pytest.fixture(scope="module")
def iss_without_solution(iss_mapping, iss_wcs) -> Mapping:
    """ISS029-E-8492 without the name of its ``.wcs`` in the metadata."""
    assert iss_mapping.metadata == {SOLUTION_PATH_KEY: str(iss_wcs.resolve())}
    return iss_mapping.replace(metadata={})


def test_horizon_of_the_mapped_region_without_camera_model(iss_without_solution) -> None:
    iss_mapping = iss_without_solution
    figure, ax = draw_horizon(iss_mapping, use_mapping_altitude=True, scale=0.1)
    vertices = np.concatenate([v for _, v in _contour_vertices(ax)])
    rows = np.round(vertices[:, 1]).astype(int).clip(0, iss_mapping.shape[0] - 1)
    cols = np.round(vertices[:, 0]).astype(int).clip(0, iss_mapping.shape[1] - 1)
    above = iss_mapping.defined[(rows - 6).clip(0), cols]
    below = iss_mapping.defined[(rows + 6).clip(max=iss_mapping.shape[0] - 1), cols]
    assert np.mean(~above & below) > 0.9, "the line separates sky (above) from the mapped Earth (below)"


def test_horizon_needs_a_camera_model_or_mask(iss_mapping, iss_without_solution, caplog) -> None:
    with pytest.raises(InputError, match="intersects_earth"):
        draw_horizon(iss_without_solution)
    with pytest.raises(InputError, match="shape"):
        draw_horizon(iss_mapping, intersects_earth=np.ones((3, 3), dtype=bool))
    mask = np.zeros(iss_mapping.shape, dtype=bool)
    mask[2000:] = True
    figure, ax = draw_horizon(iss_mapping, intersects_earth=mask, scale=0.05, step=8)
    vertices = np.concatenate([v for _, v in _contour_vertices(ax)])
    assert np.allclose(vertices[:, 1], 1996, atol=8)
    with caplog.at_level(logging.WARNING, logger="auromat_maps"):
        figure, ax = draw_horizon(iss_mapping, intersects_earth=np.ones(iss_mapping.shape, bool), scale=0.05)
    assert not _contour_vertices(ax)
    assert "fills the photo" in caplog.text


def test_reference_stars_fall_on_stars_of_the_photo(iss_mapping, iss_wcs, iss_fixtures) -> None:
    figure, ax = draw_reference_stars(iss_mapping, wcs=iss_wcs)
    names = [t.get_text() for t in ax.texts]
    positions = dict(zip(names, ax.collections[-1].get_offsets()))
    photo = np.asarray(Image.open(iss_fixtures / "ISS029-E-8492.jpg"), dtype=np.float64).sum(axis=2)
    for name in ("Naos", "Suhail"):
        x, y = positions[name]
        near = photo[int(round(y)) - 3:int(round(y)) + 4, int(round(x)) - 3:int(round(x)) + 4]
        around = photo[int(round(y)) - 30:int(round(y)) + 31, int(round(x)) - 30:int(round(x)) + 31]
        assert near.max() > 3 * np.median(around), f"{name} is not on a star of the photo"
    assert "Alphard" not in names, "Alphard lies behind the Earth in this photo"
    figure, ax = draw_reference_stars(iss_mapping, wcs=iss_wcs, hide_behind_earth=False)
    assert "Alphard" in [t.get_text() for t in ax.texts]


def test_reference_stars_from_a_given_catalogue(iss_mapping, iss_wcs) -> None:
    wcs = _wcs(iss_wcs)
    ra, dec = wcs.all_pix2world([100.0, 4000.0, 2000.0], [100.0, 200.0, 5000.0], 0)
    catalogue = StarCatalogue.from_arrays(["a", "b", "outside"], ra, dec, [1.0, 5.0, 1.0])
    figure, ax = draw_reference_stars(iss_mapping, wcs=iss_wcs, catalogue=catalogue)
    assert np.allclose(ax.collections[-1].get_offsets(), [[100.0, 100.0], [4000.0, 200.0]], atol=1e-6)
    figure, ax = draw_reference_stars(iss_mapping, wcs=iss_wcs, catalogue=catalogue, max_magnitude=2)
    assert [t.get_text() for t in ax.texts] == ["a"]


def test_reference_stars_need_a_wcs(iss_without_solution) -> None:
    with pytest.raises(WcsError, match="carries no celestial WCS"):
        draw_reference_stars(iss_without_solution)


def test_photo_styles_use_the_solution_the_mapping_names(iss_mapping, iss_wcs) -> None:
    for style in (draw_horizon, draw_reference_stars):
        named = style(iss_mapping, scale=0.1)[1]
        given = style(iss_mapping, wcs=iss_wcs, scale=0.1)[1]
        assert [v.tolist() for _, v in _contour_vertices(named)] == [v.tolist() for _, v in _contour_vertices(given)]
        assert [c.get_offsets().tolist() for c in named.collections] == [c.get_offsets().tolist() for c in given.collections]


@pytest.mark.parametrize("style", [draw_horizon, draw_reference_stars])
def test_photo_styles_refuse_a_resampled_mapping(iss_resampled, iss_wcs, style) -> None:
    assert iss_resampled.metadata[SOLUTION_PATH_KEY] == str(iss_wcs.resolve())
    h, w = iss_resampled.shape
    expected = rf"mapping ISS029-E-8492 has {w}x{h} pixels, but its WCS is that of a 4256x2832 photo: .* not a resampled or binned one"
    for wcs in (None, iss_wcs):
        with pytest.raises(WcsError, match=expected):
            style(iss_resampled, wcs=wcs)


def test_bright_star_catalogue_positions() -> None:
    stars = bright_stars()
    assert 100 <= len(stars.name) <= 116
    sirius = np.flatnonzero(stars.name == "Sirius")[0]
    # Sirius (Hipparcos, J2000): RA 06h45m08.9s, Dec -16d42m58s, V -1.46
    assert stars.ra[sirius] == pytest.approx(101.2871, abs=0.01)
    assert stars.dec[sirius] == pytest.approx(-16.7161, abs=0.01)
    assert stars.magnitude[sirius] < -1.3
    assert len(set(zip(stars.ra.round(5), stars.dec.round(5)))) == len(stars.name)


def test_grid_lines_follow_the_mapping(iss_mapping) -> None:
    figure, ax = draw_grid_overlay(iss_mapping, scale=0.1, line_delta=2)
    lines = _contour_vertices(ax)
    assert len(lines) >= 8
    rng = np.random.default_rng(0)
    errors = []
    lon_levels = set()
    for level, vertices in lines:
        sample = vertices[rng.choice(len(vertices), min(20, len(vertices)), replace=False)]
        rows, cols = np.round(sample[:, 1]).astype(int), np.round(sample[:, 0]).astype(int)
        lat, lon = iss_mapping.lat[rows, cols], iss_mapping.lon[rows, cols]
        is_lat = abs(np.nanmedian(lat) - level) < abs(np.nanmedian((lon - level + 180) % 360 - 180))
        values = lat if is_lat else level + (lon - level + 180) % 360 - 180
        if not is_lat:
            lon_levels.add(level)
        elevation = iss_mapping.elevation[rows, cols]
        good = np.isfinite(values) & (elevation > 10)
        errors.extend(np.abs(values[good] - level))
    assert lon_levels and len(lon_levels) < len(lines)
    assert np.percentile(errors, 95) < 0.02, np.percentile(errors, 95)
    labels = [t.get_text() for t in ax.texts]
    assert any(label.endswith("°S") for label in labels) and any(label.endswith("°E") for label in labels)


def test_date_stamp(iss_mapping) -> None:
    figure, ax = draw_date(iss_mapping, scale=0.1)
    assert [t.get_text() for t in figure.texts] == ["2011-09-18 11:54:56 UTC"]
    assert figure.get_size_inches()[0] * figure.dpi == pytest.approx(425.6)


@pytest.mark.parametrize("style", [draw_date, draw_grid_overlay, draw_horizon, draw_reference_stars])
def test_overlays_draw_on_the_only_camera_of_a_collection(style, scandinavia_mapping, overlapping_collection) -> None:
    single = MappingCollection([scandinavia_mapping], "one camera")
    if style is draw_date:
        figure, _ = style(single)
        assert [t.get_text() for t in figure.texts] == [scandinavia_mapping.time.strftime("%Y-%m-%d %H:%M:%S UTC")]
    if style is draw_grid_overlay:
        _, ax = style(single)
        assert _contour_vertices(ax), "grid lines are drawn on the camera image"
    names = ", ".join(member.identifier for member in overlapping_collection)
    with pytest.raises(InputError, match=f"draws on the image of one camera, but {overlapping_collection.identifier} holds 2: {names}"):
        style(overlapping_collection)


def test_a_small_image_is_enlarged_so_that_labels_stay_readable(scandinavia_mapping, iss_mapping) -> None:
    figure, _ = draw_grid_overlay(scandinavia_mapping, line_delta=5)
    width, height = figure.get_size_inches() * figure.dpi
    assert (round(width), round(height)) == (800, 533), "150x100 px shown 800 px wide"
    figure, _ = draw_grid_overlay(scandinavia_mapping, line_delta=5, scale=1.0)
    assert round(figure.get_size_inches()[0] * figure.dpi) == 150
    figure, _ = draw_grid_overlay(iss_mapping, step=32)
    assert round(figure.get_size_inches()[0] * figure.dpi) == 4256, "a photo is shown at its size"
