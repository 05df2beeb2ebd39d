"""The template cache: which parts repeat, when templates are built and which one serves a file."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from auromat_core.templates import SAMPLE_VALUES, Part, TemplateCache

GRID = np.linspace(0.0, 1.0, 40_000).reshape(200, 200)


class Builder:
    """Records what it was asked to build."""

    def __init__(self) -> None:
        self.built: list[list[str]] = []
        self.declared: list[list[str]] = []

    def __call__(self, parts, declared):
        self.built.append([part.name for part in parts])
        self.declared.append([part.name for part in declared])
        return f"file of {len(self.built)}".encode(), ("attribute",)


def frame(index: int, geometry: np.ndarray = GRID, camera: str = "gako", epoch: str = "tt2000") -> list[Part]:
    """Parts of a file: fixed geometry, a per-frame image and time, a constant, a description that changes per frame."""
    image = np.random.default_rng(index).integers(0, 1000, size=geometry.shape)
    return [
        Part("altitude", ("double",), (110.0,)),
        Part("lat", ("double", camera), (geometry,), worth=True),
        Part("img", ("int32",), (image,), worth=True, declare=True),
        Part("Epoch", (epoch,), (f"2011-01-06T17:00:{index:02d}",), declare=True),
        Part("mcrs", ("int8", {"pole_lat": 80.0 + index * 1e-6}), (0,), declare=True),
    ]


def test_fixed_geometry_gets_a_template_of_the_repeated_parts_at_the_third_file():
    cache, build = TemplateCache(), Builder()
    results = [cache.find(frame(i), build) for i in range(6)]
    assert results[:2] == [None, None]
    assert build.built == [["altitude", "lat"]]
    template = results[2]
    assert template is not None and template.names == ("altitude", "lat")
    assert template.content == b"file of 1" and template.extra == ("attribute",)
    assert build.declared == [["img", "Epoch"]], "mcrs is described differently in every file: added by each"
    assert list(template.declared) == ["img", "Epoch"]
    assert all(result is template for result in results[3:])
    assert cache.templates == [template]


def test_a_file_whose_declared_part_is_described_otherwise_is_not_served():
    cache, build = TemplateCache(), Builder()
    template = [cache.find(frame(i), build) for i in range(3)][-1]
    assert cache.find(frame(3, epoch="cdf_epoch"), build) is not template
    without_image = [part for part in frame(4) if part.name != "img"]
    assert cache.find(without_image, build) is not template
    assert cache.find(frame(5), build) is template
    assert Part("img", ("int32",), (GRID,)).declaration() == Part("img", ("int32",), (GRID + 1,)).declaration()
    assert Part("img", ("int32",), (GRID,)).declaration() != Part("img", ("int16",), (GRID,)).declaration()


def test_moving_camera_builds_nothing():
    cache, build = TemplateCache(), Builder()
    for i in range(5):
        assert cache.find(frame(i, GRID + i), build) is None
    assert build.built == []


def test_change_outside_the_sample_is_found_by_the_full_digest():
    cache, build = TemplateCache(), Builder()
    for i in range(3):
        cache.find(frame(i), build)
    changed = GRID.copy()
    changed.flat[1] = np.nan  # between two sampled values
    assert GRID.size // SAMPLE_VALUES > 1
    assert Part("lat", (), (changed,)).digest(sample=True) == Part("lat", (), (GRID,)).digest(sample=True)
    assert cache.find(frame(3, changed), build) is None
    assert cache.find(frame(4), build) is cache.templates[0]


def test_static_description_is_part_of_the_match():
    assert Part("lat", ("double",), (GRID,)).digest(sample=False) != Part("lat", ("float",), (GRID,)).digest(sample=False)
    assert Part("lat", (), (GRID, 2.0**-17)).digest(sample=True) != Part("lat", (), (GRID, 2.0**-16)).digest(sample=True)
    assert Part("lat", (), (GRID,)).digest(sample=False) != Part("lon", (), (GRID,)).digest(sample=False)


def test_cameras_written_in_turn_each_get_a_template():
    cache, build = TemplateCache(), Builder()
    other = GRID[::-1].copy()
    for i in range(8):
        cache.find(frame(i, GRID if i % 2 == 0 else other, "gako" if i % 2 == 0 else "fsmi"), build)
    assert build.built == [["altitude", "lat"], ["altitude", "lat"]]
    assert cache.find(frame(9, other, "fsmi"), build).content == b"file of 2"
    assert cache.find(frame(10, GRID, "gako"), build).content == b"file of 1"


def test_a_fuller_template_replaces_a_partial_one():
    """Frames with one more undefined pixel first share only their corners with earlier frames, then everything."""
    cache, build = TemplateCache(), Builder()

    def with_bounds(index: int, centers: np.ndarray) -> list[Part]:
        return [*frame(index, centers), Part("lat_bounds", (), (GRID.T.copy(),), worth=True)]

    holey = GRID.copy()
    holey[0, 0] = np.nan  # sampled
    full = ("altitude", "lat", "lat_bounds")
    assert [cache.find(with_bounds(i, GRID), build) is not None for i in range(3)] == [False, False, True]
    used = [cache.find(with_bounds(i, holey), build) for i in range(3, 7)]
    assert [template.names for template in used] == [("altitude", "lat_bounds"), ("altitude", "lat_bounds"), full, full]
    assert used[3] is used[2] and used[2].content == b"file of 3"
    assert cache.find(with_bounds(7, GRID), build).content == b"file of 1"
    assert len(build.built) == 3


def test_parts_not_worth_it_build_nothing():
    cache, build = TemplateCache(), Builder()
    for i in range(4):
        assert cache.find([Part("altitude", (), (110.0,)), Part("img", (), (np.full(4, i),), worth=True)], build) is None
    assert build.built == []


def test_capacity_drops_the_least_recently_used():
    cache, build = TemplateCache(capacity=1), Builder()
    for i in range(3):
        cache.find(frame(i), build)
    for i in range(3, 6):
        cache.find(frame(i, GRID + 1), build)
    assert [t.content for t in cache.templates] == [b"file of 2"]
    cache.clear()
    assert cache.templates == []
    assert cache.find(frame(7), build) is None


@pytest.mark.parametrize(
    ("source", "other"),
    [(["x", "y", "z"], ["x", "y", "w"]), ("2011-01-06T17:00:00", "2011-01-06T17:00:03"), (0, 1), (np.arange(3), np.arange(1, 4))],
)
def test_digests_of_lists_strings_scalars_and_arrays_tell_their_values_apart(source, other):
    digest = Part("v", (), (source,)).digest
    assert digest(sample=True) == Part("v", (), (copy.deepcopy(source),)).digest(sample=True)
    assert digest(sample=True) != Part("v", (), (other,)).digest(sample=True)
    assert digest(sample=False) != Part("v", (), (other,)).digest(sample=False)
    assert digest(sample=True) == digest(sample=False), "a short source is sampled whole"
