"""Drawing of mappings, checked on the rendered pixels: full-resolution detail at any dpi, pixels around a pole."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest
from auromat_maps import draw_plot, draw_stereographic
from auromat_maps.mesh import Coloring, MappingsArtist, corner_grid
from matplotlib.collections import QuadMesh
from matplotlib.path import Path
from scipy import ndimage

from auromat_core import Mapping, MappingCollection

NEAR_FIELD_ROW = 2400
"""ISS029-E-8492 below this row: the near field, 4256 x 432 quads of 0.03 x 0.07 px on a 100 dpi map."""


def _artist(ax) -> MappingsArtist:
    (artist,) = [a for a in ax.get_children() if isinstance(a, MappingsArtist)]
    return artist


def _drawn(figure, ax, render) -> np.ndarray:
    """(h, w) output pixels that the mappings change: the figure rendered with and without them."""
    with_data = render(figure)
    artist = _artist(ax)
    artist.set_visible(False)
    without = render(figure)
    artist.set_visible(True)
    return (np.abs(with_data.astype(int) - without.astype(int)) > 8).any(axis=2)


def _pixel_centres(figure) -> tuple[np.ndarray, tuple[int, int]]:
    """Display coordinates (n, 2) of the centres of the rendered pixels (row 0 at the top), and the shape."""
    width, height = (int(round(size * figure.dpi)) for size in figure.get_size_inches())
    rows, cols = np.mgrid[0:height, 0:width]
    return np.column_stack([cols.ravel() + 0.5, height - rows.ravel() - 0.5]), (height, width)


def _inside_outline(figure, ax, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(h, w) output pixels whose centre lies inside the outline of a corner grid given in data coordinates."""
    outline = np.concatenate([np.column_stack([x[0], y[0]]), np.column_stack([x[1:, -1], y[1:, -1]]),
                              np.column_stack([x[-1, -2::-1], y[-1, -2::-1]]), np.column_stack([x[-2:0:-1, 0], y[-2:0:-1, 0]])])
    centres, shape = _pixel_centres(figure)
    return Path(ax.transData.transform(outline)).contains_points(centres).reshape(shape)


def _assert_covers(drawn: np.ndarray, footprint: np.ndarray) -> None:
    """The footprint is drawn (but for a pixel along its outline) and nothing beyond one pixel around it."""
    core = ndimage.binary_erosion(footprint, iterations=1)
    covered = (drawn & core).sum() / core.sum()
    spilled = (drawn & ~ndimage.binary_dilation(footprint, iterations=1)).sum() / footprint.sum()
    assert covered > 0.995, f"only {covered:.1%} of the footprint is drawn"
    assert spilled < 0.005, f"{spilled:.1%} of the footprint's area is drawn outside it"


@pytest.fixture(scope="module")
def near_field(iss_mapping: Mapping) -> Mapping:
    keep = np.zeros(iss_mapping.shape, dtype=bool)
    keep[NEAR_FIELD_ROW:] = True
    return iss_mapping.masked(keep)


def _near_field_corners(mapping: Mapping) -> tuple[np.ndarray, np.ndarray]:
    return mapping.lat_bounds[NEAR_FIELD_ROW:], mapping.lon_bounds[NEAR_FIELD_ROW:]


@pytest.mark.parametrize("dpi", [100.0, 40.0])
def test_full_resolution_plot_draws_every_pixel(iss_mapping, near_field, render, dpi) -> None:
    figure, ax = draw_plot(near_field, bounding_box=iss_mapping.bounding_box, dpi=dpi)
    lat, lon = _near_field_corners(iss_mapping)
    _assert_covers(_drawn(figure, ax, render), _inside_outline(figure, ax, lon, lat))


def test_full_resolution_stereographic_draws_every_pixel(iss_mapping, near_field, render) -> None:
    figure, ax = draw_stereographic(near_field, bounding_box=iss_mapping.bounding_box, land=False,
                                    coastlines=False, labels=False, dpi=60.0)
    lat, lon = _near_field_corners(iss_mapping)
    points = ax.projection.transform_points(ax.projection.as_geodetic(), lon, lat)
    _assert_covers(_drawn(figure, ax, render), _inside_outline(figure, ax, points[..., 0], points[..., 1]))


def test_overlapping_full_resolution_members_draw_every_pixel(iss_mapping, near_field, render) -> None:
    shifted = near_field.replace(lon_bounds=near_field.lon_bounds + 1.5, lon=near_field.lon + 1.5, identifier="shifted")
    collection = MappingCollection([near_field, shifted], "overlapping", may_overlap=True)
    figure, ax = draw_plot(collection, bounding_box=iss_mapping.bounding_box)
    lat, lon = _near_field_corners(iss_mapping)
    footprint = _inside_outline(figure, ax, lon, lat) | _inside_outline(figure, ax, lon + 1.5, lat)
    _assert_covers(_drawn(figure, ax, render), footprint)


def test_a_coarse_mapping_is_drawn_as_before(scandinavia_mapping, render) -> None:
    figure, ax = draw_plot(scandinavia_mapping)
    drawn = render(figure)
    _artist(ax).set_visible(False)
    lat, lon = corner_grid(scandinavia_mapping.lat_bounds, scandinavia_mapping.lon_bounds, 0.0)
    mesh = QuadMesh(np.stack([lon, lat], axis=-1), antialiased=False, edgecolors="none", linewidth=0,
                    transform=ax.transData)
    mesh.set_array(Coloring([scandinavia_mapping]).rgba(scandinavia_mapping, slice(None), slice(None)))
    ax.add_collection(mesh, autolim=False)
    assert np.array_equal(render(figure), drawn)


def _unit(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    lat, lon = np.radians(lat), np.radians(lon)
    return np.stack([np.cos(lat) * np.cos(lon), np.cos(lat) * np.sin(lon), np.sin(lat)], axis=-1)


def _lat_lon(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return (np.degrees(np.arcsin(np.clip(vectors[..., 2], -1.0, 1.0))),
            np.degrees(np.arctan2(vectors[..., 1], vectors[..., 0])))


def _rotation(center_lat: float, center_lon: float) -> np.ndarray:
    """The rotation taking (0 N, 0 E) to the center (first about y by the latitude, then about z)."""
    phi, lam = np.radians(center_lat), np.radians(center_lon)
    about_y = np.array([[np.cos(phi), 0.0, -np.sin(phi)], [0.0, 1.0, 0.0], [np.sin(phi), 0.0, np.cos(phi)]])
    about_z = np.array([[np.cos(lam), -np.sin(lam), 0.0], [np.sin(lam), np.cos(lam), 0.0], [0.0, 0.0, 1.0]])
    return about_z @ about_y


POLE_CENTER = (86.0, 180.0)
POLE_HALF_DEG = 5.5
POLE_PIXELS = 61


@pytest.fixture
def pole_mapping() -> Mapping:
    """A square of 61 x 61 pixels, 11 deg across, centred at 86 N 180 E: it covers the pole (one pixel contains it)."""
    edges = np.linspace(POLE_HALF_DEG, -POLE_HALF_DEG, POLE_PIXELS + 1)
    lon_local, lat_local = np.meshgrid(-edges, edges)
    centres = (edges[:-1] + edges[1:]) / 2
    lon_centre, lat_centre = np.meshgrid(-centres, centres)
    rotation = _rotation(*POLE_CENTER)
    lat_b, lon_b = _lat_lon(_unit(lat_local, lon_local) @ rotation.T)
    lat, lon = _lat_lon(_unit(lat_centre, lon_centre) @ rotation.T)
    image = np.broadcast_to(np.linspace(5000, 60000, POLE_PIXELS).astype(np.uint16), (POLE_PIXELS, POLE_PIXELS))
    return Mapping(lat_bounds=lat_b, lon_bounds=lon_b, lat=lat, lon=lon, elevation=np.full(lat.shape, 45.0),
                   image=image.copy(), altitude=110.0, time=datetime(2011, 1, 6, 17), camera_position=[0.0, 0.0, 7000.0],
                   identifier="pole")


def test_plot_draws_the_pixels_around_a_pole_where_they_are(pole_mapping, render) -> None:
    figure, ax = draw_plot(pole_mapping, vmin=0, vmax=65535)
    drawn = _drawn(figure, ax, render)
    centres, shape = _pixel_centres(figure)
    lon, lat = ax.transData.inverted().transform(centres).T
    local_lat, local_lon = _lat_lon(_unit(lat, lon) @ _rotation(*POLE_CENTER))
    footprint = ((np.abs(local_lat) <= POLE_HALF_DEG) & (np.abs(local_lon) <= POLE_HALF_DEG)).reshape(shape)
    box = ax.get_window_extent().padded(-2.0)  # clear of the axes' frame
    inner = ((centres[:, 0] > box.x0) & (centres[:, 0] < box.x1) & (centres[:, 1] > box.y0)
             & (centres[:, 1] < box.y1)).reshape(shape)
    drawn &= inner
    footprint &= inner
    assert ax.get_ylim()[1] == 90.0 and footprint.any(axis=1).sum() > 50
    spill = drawn & ~ndimage.binary_dilation(footprint, iterations=2)
    assert not spill.any(axis=1).any(), f"drawn without data in the rows {np.flatnonzero(spill.any(axis=1))}"
    core = ndimage.binary_erosion(footprint, iterations=2)
    assert (drawn & core).sum() / core.sum() > 0.995
    top = np.flatnonzero(footprint.any(axis=1))[:3]
    assert drawn[top][footprint[top]].all(), "the rows at the pole are drawn"
