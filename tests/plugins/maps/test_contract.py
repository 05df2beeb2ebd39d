"""Every registered style passes the core's DrawStyleContract (headless Agg rendering)."""

from __future__ import annotations

import functools

import pytest
from auromat_maps import STYLES

from auromat_core import get_draw_style, list_draw_styles
from auromat_core.testing import DrawStyleContract


def test_every_style_is_registered_through_the_plugin() -> None:
    registered = {r.name: r for r in list_draw_styles()}
    for name, style in STYLES.items():
        assert name in registered, f"style {name} is not registered"
        assert registered[name].plugin == "maps"
        assert get_draw_style(name) is style.function
        assert registered[name].description


OPTIONS = {
    "grid-overlay": {"scale": 0.1},
    "horizon": {"scale": 0.1, "step": 16},
    "reference-stars": {"scale": 1.0},
    "date": {"scale": 0.1},
}


class TestStyles(DrawStyleContract):
    @pytest.fixture(params=sorted(STYLES))
    def style_name(self, request: pytest.FixtureRequest) -> str:
        return request.param

    @pytest.fixture
    def draw_style(self, style_name: str, iss_wcs):
        options = dict(OPTIONS.get(style_name, {}))
        if style_name in ("horizon", "reference-stars"):
            options["wcs"] = iss_wcs
        return functools.partial(get_draw_style(style_name), **options)

    @pytest.fixture
    def drawable(self, style_name: str, request: pytest.FixtureRequest):
        takes = STYLES[style_name].function.takes
        if takes == "wcs-sequence":
            return request.getfixturevalue("seq_wcs_paths")
        if takes == "sequence":
            return request.getfixturevalue("seq_mappings")
        if style_name in ("grid-overlay", "horizon", "reference-stars", "date"):
            return request.getfixturevalue("iss_mapping")
        return request.getfixturevalue("iss_masked")
