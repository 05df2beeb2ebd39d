"""Point-in-polygon tests on the sphere."""

from __future__ import annotations

import numpy as np


def _unit_vectors(lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
    lat_r, lon_r = np.radians(lat), np.radians(lon)
    cos_lat = np.cos(lat_r)
    return np.stack([cos_lat * np.cos(lon_r), cos_lat * np.sin(lon_r), np.sin(lat_r)], axis=-1)


def points_in_polygon(lat: np.ndarray, lon: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """Whether each point lies inside a polygon whose edges are great-circle arcs.

    Points and vertices are projected gnomonically about the polygon's mean
    direction (great circles become straight lines), so the test is exact for
    polygons smaller than a hemisphere, across the antimeridian and around a pole.

    Parameters
    ----------
    lat, lon
        Points in degrees, any shape; NaN points are outside.
    polygon
        (n, 2) unclosed ``[lat, lon]`` vertices in degrees.

    Returns
    -------
    Boolean array of the shape of ``lat``.
    """
    vertices = _unit_vectors(polygon[:, 0], polygon[:, 1])
    center = vertices.sum(axis=0)
    center /= np.linalg.norm(center)
    east = np.cross([0.0, 0.0, 1.0], center)
    if np.linalg.norm(east) < 1e-12:
        east = np.array([0.0, 1.0, 0.0])
    east /= np.linalg.norm(east)
    north = np.cross(center, east)
    basis = np.stack([east, north, center], axis=1)

    projected_vertices = vertices @ basis
    vx = projected_vertices[:, 0] / projected_vertices[:, 2]
    vy = projected_vertices[:, 1] / projected_vertices[:, 2]

    points = _unit_vectors(lat, lon) @ basis
    with np.errstate(invalid="ignore", divide="ignore"):
        px = points[..., 0] / points[..., 2]
        py = points[..., 1] / points[..., 2]
        front = points[..., 2] > 0
    inside = np.zeros(np.shape(lat), dtype=bool)
    for x1, y1, x2, y2 in zip(vx, vy, np.roll(vx, -1), np.roll(vy, -1)):
        with np.errstate(invalid="ignore"):
            crosses = (y1 > py) != (y2 > py)
            x_at = x1 + (py - y1) * (x2 - x1) / (y2 - y1) if y2 != y1 else np.inf
            inside ^= crosses & (px < x_at)
    return inside & front
