"""Astrometry diagnostics over seq/ and the sequence styles: camera footpoints, keograms."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pytest
from astropy import units as u
from astropy.coordinates import GCRS, ITRS, CartesianRepresentation, SkyCoord
from astropy.io import fits
from astropy.time import Time
from astropy.wcs.utils import proj_plane_pixel_scales
from auromat_maps import (
    draw_astrometry_pixel_scales,
    draw_astrometry_rotation_angles,
    draw_camera_footpoints,
    draw_keogram,
    draw_ra_dec,
    solutions,
)

from auromat_core import InputError, NoDataError, WcsError, keogram
from tests.conftest import astropy_wcs


@pytest.fixture(scope="module")
def seq_headers(seq_wcs_paths) -> list[fits.Header]:
    return [fits.Header.fromfile(str(p)) for p in seq_wcs_paths]


def test_pixel_scales_match_astropy(seq_wcs_paths, seq_headers) -> None:
    figure, ax = draw_astrometry_pixel_scales(seq_wcs_paths)
    plotted = ax.collections[0].get_offsets()[:, 1]
    expected = [proj_plane_pixel_scales(astropy_wcs(h))[0] * 3600 for h in seq_headers]
    assert np.allclose(plotted, expected, rtol=1e-9)
    assert 85 < np.mean(plotted) < 95
    assert ax.get_xlabel() == "Photo time (UTC)"


def test_rotation_angles_match_the_position_angle_of_the_x_axis(seq_wcs_paths, seq_headers) -> None:
    figure, ax = draw_astrometry_rotation_angles(seq_wcs_paths)
    plotted = ax.collections[0].get_offsets()[:, 1]
    for angle, header in zip(plotted, seq_headers):
        wcs = astropy_wcs(header)
        x0, y0 = wcs.wcs.crpix - 1
        start = SkyCoord(*wcs.all_pix2world(x0, y0, 0), unit="deg")
        step = SkyCoord(*wcs.all_pix2world(x0 + 1, y0, 0), unit="deg")
        position_angle = start.position_angle(step).deg  # from north through east
        assert (angle - (90.0 - position_angle) + 180) % 360 - 180 == pytest.approx(0.0, abs=1e-3)


def test_rotation_angles_do_not_jump_at_180() -> None:
    headers = []
    for angle in (179.0, -179.0, 178.5):
        header = fits.Header()
        header.update(CTYPE1="RA---TAN", CTYPE2="DEC--TAN", CRVAL1=10.0, CRVAL2=20.0, CRPIX1=50, CRPIX2=50)
        c, s = np.cos(np.radians(angle)), np.sin(np.radians(angle))
        header.update(CD1_1=0.01 * c, CD1_2=-0.01 * s, CD2_1=0.01 * s, CD2_2=0.01 * c)
        headers.append(header)
    rotation = solutions(headers).rotation
    assert np.ptp(rotation) == pytest.approx(2.5)
    assert (rotation % 360) == pytest.approx([179.0, 181.0, 178.5])


def test_ra_dec_is_the_image_center(seq_headers) -> None:
    figure, ax = draw_ra_dec(seq_headers)
    path = ax.lines[0].get_xydata()
    for (ra, dec), header in zip(path, seq_headers):
        center = astropy_wcs(header).pixel_to_world((header["IMAGEW"] - 1) / 2, (header["IMAGEH"] - 1) / 2)
        assert ra == pytest.approx(center.ra.deg, abs=1e-9)
        assert dec == pytest.approx(center.dec.deg, abs=1e-9)
    without_size = solutions([astropy_wcs(h) for h in seq_headers])
    assert without_size.ra == pytest.approx([h["CRVAL1"] for h in seq_headers], abs=1e-9)
    assert without_size.dec == pytest.approx([h["CRVAL2"] for h in seq_headers], abs=1e-9)


def test_diagnostics_reject_bad_input(tmp_path) -> None:
    with pytest.raises(InputError, match="empty"):
        draw_astrometry_pixel_scales([])
    bad = tmp_path / "bad.wcs"
    bad.write_text("not a FITS header")
    with pytest.raises(WcsError, match="bad.wcs"):
        draw_astrometry_pixel_scales([bad])
    with pytest.raises(InputError, match="x has 1 values"):
        draw_astrometry_pixel_scales([fits.Header({"CTYPE1": "RA---TAN", "CTYPE2": "DEC--TAN"})] * 2, x=[1])


def test_camera_footpoints_match_astropy(seq_mappings, seq_headers) -> None:
    figure, ax = draw_camera_footpoints(seq_mappings)
    x, y = ax.lines[0].get_xydata().T
    lonlat = ax.projection.as_geodetic().transform_points(ax.projection, x, y)
    for header, plotted_lon, plotted_lat in zip(seq_headers, lonlat[:, 0], lonlat[:, 1]):
        time = Time(header["DATE-OBS"], scale="utc")
        position = CartesianRepresentation(header["POSX"], header["POSY"], header["POSZ"], unit=u.km)
        itrs = GCRS(position, obstime=time).transform_to(ITRS(obstime=time))
        location = itrs.earth_location.geodetic
        assert plotted_lat == pytest.approx(location.lat.deg, abs=0.01)
        assert (plotted_lon - location.lon.deg + 180) % 360 - 180 == pytest.approx(0.0, abs=0.01)
    assert "11:54:59" in ax.get_title()


def test_keogram_follows_a_moving_band(keogram_sequence) -> None:
    result = keogram(keogram_sequence, meridian_lon=0.0)
    assert result.values.shape == (6, 100)
    bright = result.values > 25000
    peaks = (result.lats[None, :] * bright).sum(axis=1) / bright.sum(axis=1)
    assert peaks == pytest.approx(63.0 + 0.5 * np.arange(6), abs=0.03)
    figure, ax = draw_keogram(list(reversed(keogram_sequence)), meridian_lon=0.0)  # any order: drawn in time order
    mesh = ax.collections[0]
    assert np.array_equal(mesh.get_array().reshape(100, 6), result.values.T)  # latitude up, time across
    assert min(ax.get_ylim()) == pytest.approx(60.0) and max(ax.get_ylim()) == pytest.approx(70.0)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("Time (UTC)", "Latitude (deg)")


def test_keogram_from_arrays_and_errors() -> None:
    times = [datetime(2012, 1, 1) + timedelta(seconds=i) for i in range(4)]
    lats = np.linspace(60, 70, 11)
    values = np.random.default_rng(0).random((4, 11))
    figure, ax = draw_keogram((times, lats, values))
    mesh = ax.collections[0]
    assert mesh.get_array().shape == (11, 4)
    figure, ax = draw_keogram((times, np.linspace(59.5, 70.5, 12), values))  # edges
    assert min(ax.get_ylim()) == pytest.approx(59.5)
    with pytest.raises(InputError, match="centers or 12 edges"):
        draw_keogram((times, lats[:5], values))
    with pytest.raises(InputError, match="4 times"):
        draw_keogram((times, lats, values[:3]))
    with pytest.raises(NoDataError, match="no mappings"):
        draw_keogram([])


def test_a_data_gap_in_a_keogram_stays_empty() -> None:
    import matplotlib.dates as mdates

    start = datetime(2011, 1, 6, 17)
    times = [start + timedelta(seconds=3 * i) for i in range(21)] + [start + timedelta(hours=1, seconds=3 * i) for i in range(21)]
    values = np.arange(42 * 5, dtype=np.float64).reshape(42, 5)
    figure, ax = draw_keogram((times, np.linspace(60, 64, 5), values))
    mesh = ax.collections[0]
    shown = np.ma.getdata(mesh.get_array()).reshape(5, 43)
    masked = np.ma.getmaskarray(mesh.get_array()).reshape(5, 43)
    assert masked[:, 21].all() and not masked[:, :21].any() and not masked[:, 22:].any()
    assert np.array_equal(shown[:, :21], values[:21].T) and np.array_equal(shown[:, 22:], values[21:].T)
    edges = mdates.num2date(np.unique(mesh.get_coordinates()[0, :, 0]))
    seconds = np.array([(edge.replace(tzinfo=None) - start).total_seconds() for edge in edges])
    assert seconds[[0, 1, 21, 22, 23, -1]] == pytest.approx([-1.5, 1.5, 61.5, 3598.5, 3601.5, 3661.5], abs=1e-3)


def test_keogram_of_colour_mappings_is_drawn_in_colour(scandinavia_mapping) -> None:
    result = keogram([scandinavia_mapping], meridian_lon=5.0)
    assert result.values.shape[::2] == (1, 3)
    figure, ax = draw_keogram(result)
    colours = np.asarray(ax.collections[0].get_array()).reshape(result.lats.size, 4)  # one time column
    defined = np.isfinite(result.values[0]).all(axis=1)
    assert defined.sum() > 50
    expected = np.clip(result.values[0][defined] / (255.0 if np.nanmax(result.values) <= 255 else np.nanmax(result.values)), 0, 1)
    assert np.allclose(colours[defined][:, :3], expected, atol=1e-6) and np.all(colours[~defined][:, 3] == 0)


def test_keogram_columns_of_irregular_or_repeated_times_have_no_gap() -> None:
    import matplotlib.dates as mdates

    start = datetime(2011, 1, 6, 17)
    seconds = [0, 3, 6, 11, 14, 14, 17]  # one step of 5 s (< 2 intervals of 3 s) and one repeated time
    values = np.arange(7 * 3, dtype=np.float64).reshape(7, 3)
    figure, ax = draw_keogram(([start + timedelta(seconds=s) for s in seconds], np.array([60.0, 61.0, 62.0]), values))
    mesh = ax.collections[0]
    assert not np.ma.getmaskarray(mesh.get_array()).any(), "no empty column"
    edges = mdates.num2date(mesh.get_coordinates()[0, :, 0])
    offsets = [(edge.replace(tzinfo=None) - start).total_seconds() for edge in edges]
    assert offsets == pytest.approx([-1.5, 1.5, 4.5, 8.5, 12.5, 14.0, 15.5, 18.5], abs=1e-3)
