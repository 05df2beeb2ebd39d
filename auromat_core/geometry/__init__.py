"""Geometry: WGS84 ellipsoid, GCRS/ITRS frames and the ray-mapping engine."""

from .ellipsoid import (
    WGS84_A_KM,
    WGS84_B_KM,
    WGS84_E2,
    WGS84_F,
    ecef_to_geodetic,
    ellipsoid_line_intersection,
    ellipsoid_line_intersects,
    geodetic_to_ecef,
    horizontal_directions,
    sphere_line_intersection,
)
from .engine import RayHits, intersects_earth, map_directions, map_grid
from .frames import (
    ANNUAL_ABERRATION_MAX_RAD,
    apparent_directions,
    gcrs_position_to_geodetic,
    gcrs_to_itrs,
    gcrs_to_itrs_matrices,
    gcrs_to_itrs_matrix,
    itrs_to_gcrs,
    sun_direction_itrs,
)

__all__ = [
    "ANNUAL_ABERRATION_MAX_RAD",
    "WGS84_A_KM",
    "WGS84_B_KM",
    "WGS84_E2",
    "WGS84_F",
    "RayHits",
    "apparent_directions",
    "ecef_to_geodetic",
    "ellipsoid_line_intersection",
    "ellipsoid_line_intersects",
    "gcrs_position_to_geodetic",
    "gcrs_to_itrs",
    "gcrs_to_itrs_matrices",
    "gcrs_to_itrs_matrix",
    "geodetic_to_ecef",
    "horizontal_directions",
    "intersects_earth",
    "itrs_to_gcrs",
    "map_directions",
    "map_grid",
    "sphere_line_intersection",
    "sun_direction_itrs",
]
