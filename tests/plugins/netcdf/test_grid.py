"""CF pixel bounds: the corner grid read back from 4-vertex bounds in either vertex order."""

from __future__ import annotations

import numpy as np
import pytest
from auromat_netcdf.grid import corners_from_vertices, vertex_order, vertices


def _corners(height: int, width: int) -> np.ndarray:
    return np.random.default_rng(height * 100 + width).normal(size=(height + 1, width + 1))


def _bounds(corners: np.ndarray, order: str) -> np.ndarray:
    return vertices(corners, slice(0, corners.shape[0] - 1), order)


@pytest.mark.parametrize("order", ["A", "B"])
@pytest.mark.parametrize("shape", [(5, 8), (1, 6), (6, 1)], ids=["grid", "one-row", "one-column"])
def test_corners_from_vertices_in_either_order(order, shape) -> None:
    corners = _corners(*shape)
    corners[0, 2:] = np.nan
    corners[-1, :2] = np.nan
    read = corners_from_vertices(_bounds(corners, order))
    np.testing.assert_array_equal(read, corners)


@pytest.mark.parametrize("order", ["A", "B"])
def test_order_is_judged_on_the_whole_array_when_the_fullest_row_cannot_tell(order) -> None:
    """One pixel column whose only complete vertex is in its last row: that row has no neighbour to compare with."""
    corners = _corners(3, 1)
    corners[:2, 0] = np.nan
    bounds = _bounds(corners, order)
    assert np.isfinite(bounds[:, :, 0]).sum(axis=1).argmax() == 2
    np.testing.assert_array_equal(corners_from_vertices(bounds), corners)


@pytest.mark.parametrize("rows, columns", [(1, 4), (100, 4), (600, 300)], ids=["one-row", "every-line", "sampled-lines"])
def test_vertex_order_runs_anticlockwise_seen_from_above(rows, columns) -> None:
    """North-up, east-right pixels (row 0 in the north) run anticlockwise as TL, BL, BR, TR: order B."""
    lat = np.linspace(61.0, 60.0, rows + 1)[:, None] * np.ones((1, columns + 1))
    lon = np.ones((rows + 1, 1)) * np.linspace(-150.0, -149.0, columns + 1)[None]
    lat[: rows // 2] = np.nan
    assert vertex_order(lat, lon) == "B"
    assert vertex_order(lat[::-1], lon) == "A"
    assert vertex_order(lat, lon[:, ::-1]) == "A"
