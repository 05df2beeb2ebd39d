"""Image comparison with committed baselines (``baseline/*.png``, RMS tolerance 2 on 0..255).

Regenerate after an intended change with ``AUROMAT_MAPS_GENERATE_BASELINES=1`` and
inspect the images before committing them.
"""

from __future__ import annotations

from auromat_maps import (
    draw_astrometry_pixel_scales,
    draw_grid_overlay,
    draw_keogram,
    draw_mlat_mlt_polar,
    draw_plot,
    draw_stereographic,
)


def test_stereographic_user_guide_map(iss_masked, compare_baseline) -> None:
    figure, _ = draw_stereographic(iss_masked)
    compare_baseline(figure, "stereographic_iss029_e_8492")


def test_stereographic_unmasked_with_antarctic_coast(iss_resampled, compare_baseline) -> None:
    figure, _ = draw_stereographic(iss_resampled)
    compare_baseline(figure, "stereographic_iss029_e_8492_unmasked")


def test_mlat_mlt_polar(iss_masked, compare_baseline) -> None:
    figure, _ = draw_mlat_mlt_polar(iss_masked)
    compare_baseline(figure, "mlat_mlt_polar_iss029_e_8492")


def test_grid_overlay(iss_mapping, compare_baseline) -> None:
    figure, _ = draw_grid_overlay(iss_mapping, scale=0.1)
    compare_baseline(figure, "grid_overlay_iss029_e_8492", dpi=40)


def test_plot_of_an_overlapping_collection(overlapping_collection, compare_baseline) -> None:
    figure, _ = draw_plot(overlapping_collection, vmin=0, vmax=65535)
    compare_baseline(figure, "plot_overlapping_collection")


def test_keogram(keogram_sequence, compare_baseline) -> None:
    figure, _ = draw_keogram(keogram_sequence, meridian_lon=0.0)
    compare_baseline(figure, "keogram")


def test_astrometry_pixel_scales(seq_wcs_paths, compare_baseline) -> None:
    figure, _ = draw_astrometry_pixel_scales(seq_wcs_paths)
    compare_baseline(figure, "astrometry_pixel_scales_seq")
