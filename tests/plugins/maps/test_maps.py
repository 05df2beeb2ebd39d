"""Map styles: the user guide's stereographic map offline, coastlines, overlap order, MLat/MLT maps, cities."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pytest
import shapefile
from auromat_maps import (
    draw_cities_map,
    draw_mlat_mlt_polar,
    draw_plot,
    draw_stereographic,
    draw_stereographic_mlat_mlt,
    offline,
)
from auromat_maps.cities import all_cities
from auromat_maps.maps import format_mlt

from auromat_core import InputError, Mapping, MappingCollection

GSHHS_COARSE_L1 = "/usr/share/cartopy/data/shapefiles/gshhs/c/GSHHS_c_L1.shp"


def _to_display(ax, lon, lat):
    """Display coordinates of geodetic points on a cartopy axes."""
    points = ax.projection.transform_points(ax.projection.as_geodetic(), np.asarray(lon, float), np.asarray(lat, float))
    return ax.transData.transform(points[:, :2])


def _inside_axes(ax, xy):
    box = ax.get_window_extent()
    return (xy[:, 0] > box.x0 + 2) & (xy[:, 0] < box.x1 - 2) & (xy[:, 1] > box.y0 + 2) & (xy[:, 1] < box.y1 - 2)


def _coast_vertices() -> np.ndarray:
    """(n, 2) lon/lat of every GSHHS coarse land polygon vertex, read with pyshp (not cartopy)."""
    reader = shapefile.Reader(GSHHS_COARSE_L1)
    return np.concatenate([np.asarray(shape.points) for shape in reader.shapes()])


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
    assert ax.get_title() == "2011-09-18 11:54:56.000000 UTC"


def _coastline_hits(figure, ax, render, display_to_index) -> tuple[int, int]:
    pixels = render(figure)
    coast = _coast_vertices()
    xy = _to_display(ax, coast[:, 0], coast[:, 1])
    xy = xy[np.isfinite(xy).all(axis=1) & _inside_axes(ax, xy)]
    rows, cols = display_to_index(figure, xy)
    dark = pixels[:, :, :3].max(axis=2) < 80
    near_dark = np.zeros(len(rows), dtype=bool)
    for dr in (-1, 0, 1):
        for dc in (-1, 0, 1):
            near_dark |= dark[rows + dr, cols + dc]
    return int(near_dark.sum()), len(rows)


def test_coastlines_are_drawn_offline_in_the_map_area(iss_resampled, no_network, render, display_to_index) -> None:
    """The 100"/px map (unmasked, down to the Earth's horizon) reaches the Antarctic coast."""
    figure, ax = draw_stereographic(iss_resampled, dpi=100)
    hits, total = _coastline_hits(figure, ax, render, display_to_index)
    assert total >= 20, "the Antarctic coast should be inside this map"
    assert hits >= 0.9 * total, f"only {hits}/{total} coast vertices have a coastline pixel"
    pixels = render(figure)
    land = np.all(np.abs(pixels[:, :, :3].astype(int) - 209) <= 2, axis=2)
    assert land.sum() > 2000, "grey land should be visible"


def test_user_guide_map_with_room_shows_coastlines_offline(iss_masked, no_network, render, display_to_index) -> None:
    """The 10-deg masked map ends 4 deg short of Antarctica; with size_factor=3 its coast is in view."""
    figure, ax = draw_stereographic(iss_masked, size_factor=3, dpi=100)
    hits, total = _coastline_hits(figure, ax, render, display_to_index)
    assert total >= 20 and hits >= 0.9 * total, (hits, total)
    bare, _ = draw_stereographic(iss_masked, size_factor=3, dpi=100, coastlines=False, land=False)
    hits_without, total_without = _coastline_hits(bare, bare.axes[0], render, display_to_index)
    assert total_without == total and hits_without < 0.2 * total, "coastline pixels must come from the coastlines"


def test_missing_offline_coastlines_is_a_clear_error(iss_masked, tmp_path, monkeypatch) -> None:
    import cartopy

    monkeypatch.setenv(offline.DATA_DIR_ENV, str(tmp_path))
    monkeypatch.setitem(cartopy.config, "pre_existing_data_dir", str(tmp_path))
    monkeypatch.setattr(offline, "DEFAULT_DATA_DIR", tmp_path)
    offline.land_geometries.cache_clear()
    try:
        with pytest.raises(InputError, match="apt-get install python-cartopy-data"):
            draw_stereographic(iss_masked)
    finally:
        offline.land_geometries.cache_clear()


def test_map_is_centred_on_the_bounding_box(iss_masked) -> None:
    figure, ax = draw_stereographic(iss_masked)
    params = ax.projection.proj4_params
    center = iss_masked.bounding_box.center
    assert params["lat_0"] == pytest.approx(center.lat)
    assert params["lon_0"] == pytest.approx(center.lon)
    width_km = (ax.get_xlim()[1] - ax.get_xlim()[0]) / 1000
    assert width_km >= 1.05 * iss_masked.bounding_box.size.width * 0.999


def test_fixed_bounding_box_and_lists(iss_masked, scandinavia_mapping) -> None:
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
    assert any(t.get_text() == "MLat/MLT" for t in ax.texts)
    render(figure)


def test_polar_map_has_midnight_at_the_bottom(iss_masked, render) -> None:
    figure, ax = draw_mlat_mlt_polar(iss_masked)
    render(figure)
    assert ax.projection.proj4_params["lat_0"] == -90.0, "ISS029-E-8492 is in the southern hemisphere"
    midnight, noon, dawn = _to_display(ax, [-180.0, 0.0, -90.0], [-70.0, -70.0, -70.0])
    center = _to_display(ax, [0.0], [-90.0])[0]
    assert midnight[1] < center[1] < noon[1]
    labels = {t.get_text() for t in ax.texts}
    assert {"00:00", "03:00", "06:00", "12:00", "21:00"} <= labels
    assert abs(dawn[1] - center[1]) < 1.0


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
