"""Pytest plugin for auromat plugin authors (entry point ``pytest11: auromat``).

Fixtures
--------
``auromat_plugins``
    An isolated :class:`~auromat_core.plugins.Plugins` manager with the
    built-ins only (no installed plugins), installed as the process-wide
    manager for the duration of the test. Register the plugin under test with
    ``auromat_plugins.register(module_or_object)``.

Conformance classes
-------------------
Subclass these in a plugin's tests and define the fixtures they name; every
provider, exporter, solver and draw style is held to the same contract::

    class TestMyProvider(ProviderContract):
        @pytest.fixture
        def provider(self):
            return MyProvider(...)
"""

from __future__ import annotations

import gc
import inspect
import pickle
import warnings
import weakref
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from .errors import AuromatError, NoDataError
from .mapping import Mapping, members_of
from .plugins import Plugins, set_plugins
from .providers import index_problem, load_checked


@pytest.fixture
def auromat_plugins() -> Iterator[Plugins]:
    """An isolated plugin manager (built-ins only), active during the test."""
    plugins = Plugins(load_entry_points=False)
    previous = set_plugins(plugins)
    try:
        yield plugins
    finally:
        set_plugins(previous)


class ProviderContract:
    """Contract of every provider. Define the fixture ``provider``."""

    @pytest.fixture
    def provider(self) -> Any:
        raise NotImplementedError("define a 'provider' fixture returning the provider under test")

    def test_range_is_ordered_and_times_sorted(self, provider: Any) -> None:
        first, last = provider.range
        assert isinstance(first, datetime) and isinstance(last, datetime)
        assert first <= last
        times = list(provider.times)
        assert times == sorted(times)
        assert (times[0], times[-1]) == (first, last)
        assert len(provider.identifiers) == len(times)

    def test_index_keeps_the_contract(self, provider: Any) -> None:
        """Naive UTC times in order, one string identifier per time, each listed once (the core refuses others)."""
        assert index_problem(provider) is None

    def test_loaded_items_are_those_listed(self, provider: Any) -> None:
        """A mapping or collection with the identifier listed at its index (see :func:`auromat_core.providers.load_checked`)."""
        for index in sorted({0, len(provider) // 2, len(provider) - 1}):
            assert load_checked(provider, index).identifier == provider.identifiers[index]

    def test_metadata_values_are_flat(self, provider: Any) -> None:
        """Writers store metadata as file attributes: strings, numbers and booleans (numpy scalars too)."""
        for mapping in members_of(provider.load(0)):
            wrong = {key: value for key, value in mapping.metadata.items() if not isinstance(value, (str, int, float, bool, np.number, np.bool_, np.str_))}
            assert not wrong, f"metadata values that are not str, int, float or bool: {wrong}"

    def test_class_can_be_sent_to_worker_processes(self, provider: Any) -> None:
        """``auromat convert`` sends the registered factory to its workers; for a provider registered as its class,
        that class must be defined at the top level of a module (a lambda factory is refused by convert itself)."""
        pickle.dumps(type(provider))

    def test_get_returns_nearest_mapping(self, provider: Any) -> None:
        first, _ = provider.range
        offset = timedelta(seconds=provider.max_time_offset / 2)
        assert provider.contains(first + offset)
        result = provider.get(first + offset)
        for mapping in members_of(result):
            assert isinstance(mapping, Mapping)
            assert abs(mapping.time - first) <= timedelta(seconds=provider.max_time_offset)
            mapping.check_invariants()

    def test_get_far_away_names_nearest_time(self, provider: Any) -> None:
        first, _ = provider.range
        far = first - timedelta(days=3650)
        assert not provider.contains(far)
        with pytest.raises(NoDataError) as info:
            provider.get(far)
        assert isinstance(info.value, LookupError)
        assert first.isoformat() in str(info.value)

    def test_get_by_id_round_trips(self, provider: Any) -> None:
        identifier = provider.identifiers[-1]
        result = provider.get_by_id(identifier)
        assert result.identifier == identifier

    def test_unknown_id_raises_lookup_error(self, provider: Any) -> None:
        with pytest.raises(LookupError):
            provider.get_by_id("no-such-identifier-\u2603")

    def test_sequence_is_lazy_and_ordered(self, provider: Any) -> None:
        sequence = provider.sequence()
        assert inspect.isgenerator(sequence) or isinstance(sequence, Iterator)
        times = []
        previous: weakref.ref | None = None
        for item in sequence:
            gc.collect()
            assert previous is None or previous() is None, "sequence keeps earlier mappings alive"
            times.append(item.time)
            previous = weakref.ref(item)
            del item
        assert times == sorted(times)
        assert len(times) == len(provider.times)

    def test_members_known_before_loading_are_those_loaded(self, provider: Any) -> None:
        named = {index: provider.members(index) for index in sorted({0, len(provider) - 1})}
        if all(members is None for members in named.values()):
            pytest.skip("the provider names no members before loading (members() is None)")
        for index, members in named.items():
            if members is not None:
                assert [(m.identifier, m.time) for m in members_of(provider.load(index))] == list(members)

    def test_sequence_bounds_are_inclusive(self, provider: Any) -> None:
        times = list(provider.times)
        chosen = list(provider.sequence(times[0], times[0]))
        assert len(chosen) == 1


class ExporterContract:
    """Contract of every exporter. Define the fixtures ``exporter`` and ``mapping``."""

    @pytest.fixture
    def exporter(self) -> Any:
        raise NotImplementedError("define an 'exporter' fixture returning the exporter under test")

    @pytest.fixture
    def mapping(self) -> Mapping:
        raise NotImplementedError("define a 'mapping' fixture returning a Mapping to export")

    def test_extension(self, exporter: Any) -> None:
        assert exporter.extension.startswith(".") and len(exporter.extension) > 1

    def test_writes_a_complete_file_and_nothing_else(self, exporter: Any, mapping: Mapping, tmp_path: Path) -> None:
        path = tmp_path / f"{mapping.identifier}{exporter.extension}"
        exporter.write(mapping, path)
        assert path.is_file() and path.stat().st_size > 0
        assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]

    def test_unknown_option_is_rejected_without_output(self, exporter: Any, mapping: Mapping, tmp_path: Path) -> None:
        path = tmp_path / f"out{exporter.extension}"
        with pytest.raises((TypeError, AuromatError)):
            exporter.write(mapping, path, no_such_option_for_any_exporter=True)
        assert list(tmp_path.iterdir()) == []


class SolverContract:
    """Contract of every solver. Define ``solver``, ``solvable_image`` and ``unsolvable_image`` (paths)."""

    @pytest.fixture
    def solver(self) -> Any:
        raise NotImplementedError("define a 'solver' fixture")

    @pytest.fixture
    def solvable_image(self) -> Path:
        raise NotImplementedError("define a 'solvable_image' fixture")

    @pytest.fixture
    def unsolvable_image(self) -> Path:
        raise NotImplementedError("define an 'unsolvable_image' fixture")

    def test_solves_to_celestial_wcs(self, solver: Any, solvable_image: Path) -> None:
        from astropy.wcs import WCS, FITSFixedWarning

        header = solver.solve(solvable_image)
        assert header is not None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FITSFixedWarning)  # header-only files lack NAXISn
            assert WCS(header).has_celestial

    def test_unsolvable_gives_none(self, solver: Any, unsolvable_image: Path) -> None:
        assert solver.solve(unsolvable_image) is None


class DrawStyleContract:
    """Contract of every draw style. Define ``draw_style`` and ``drawable`` (its input)."""

    @pytest.fixture
    def draw_style(self) -> Any:
        raise NotImplementedError("define a 'draw_style' fixture")

    @pytest.fixture
    def drawable(self) -> Any:
        raise NotImplementedError("define a 'drawable' fixture: what the style draws")

    def test_returns_figure_and_axes_with_content(self, draw_style: Any, drawable: Any, tmp_path: Path) -> None:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        fig, ax = draw_style(drawable)
        try:
            assert fig is ax.figure
            path = tmp_path / "figure.png"
            fig.savefig(path, dpi=40)
            pixels = plt.imread(path)
            assert np.ptp(pixels[..., :3]) > 0, "the figure is blank"
        finally:
            plt.close(fig)


__all__ = [
    "DrawStyleContract",
    "ExporterContract",
    "ProviderContract",
    "SolverContract",
    "auromat_plugins",
]
