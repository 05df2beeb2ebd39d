"""The Provider protocol and its wrappers, on a small provider of synthetic mappings."""

from __future__ import annotations

import gc
import inspect
import re
import weakref
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pytest
from numpy.testing import assert_array_equal

import auromat_core
from auromat_core import (
    InputError,
    Mapping,
    MappingCollection,
    MaskByElevation,
    NoDataError,
    PluginError,
    Provider,
    Resampled,
    frames_between,
)
from auromat_core.resample import is_plate_carree
from auromat_core.testing import ProviderContract
from tests.conftest import register_providers

T0 = datetime(2025, 3, 1, 12, 0, 0)


def synthetic_mapping(time: datetime, identifier: str) -> Mapping:
    """8 x 10 pixels of 0.25° over lat 62-64, lon 20-22.5; elevation 5-75° from top to bottom."""
    h, w = 8, 10
    rows, cols = np.arange(h + 1.0)[:, None], np.arange(w + 1.0)[None, :]
    elevation = np.repeat(np.linspace(5.0, 75.0, h)[:, None], w, axis=1)
    return Mapping(
        lat_bounds=64.0 - 0.25 * rows + 0 * cols,
        lon_bounds=20.0 + 0.25 * cols + 0 * rows,
        lat=64.0 - 0.25 * (rows[:-1] + 0.5) + 0 * cols[:, :-1],
        lon=20.0 + 0.25 * (cols[:, :-1] + 0.5) + 0 * rows[:-1],
        elevation=elevation,
        image=np.full((h, w, 3), 100, dtype=np.uint8),
        altitude=110.0,
        time=time,
        camera_position=[3000.0, 1000.0, 6000.0],
        identifier=identifier,
    )


class SyntheticProvider(Provider):
    """Mappings built on demand at given times; counts loads and tracks live mappings."""

    def __init__(self, times: Sequence[datetime], identifiers: Sequence[str], max_time_offset: float = 3.0,
                 collection: bool = False) -> None:
        self._times = list(times)
        self._identifiers = list(identifiers)
        self.max_time_offset = max_time_offset
        self.collection = collection
        self.loads = 0
        self.alive: weakref.WeakSet[Mapping] = weakref.WeakSet()

    @property
    def times(self) -> Sequence[datetime]:
        return self._times

    @property
    def identifiers(self) -> Sequence[str]:
        return self._identifiers

    def load(self, index: int) -> Mapping | MappingCollection:
        self.loads += 1
        mapping = synthetic_mapping(self._times[index], self._identifiers[index])
        self.alive.add(mapping)
        if self.collection:
            low = mapping.masked(mapping.elevation < 10.0).replace(identifier="low." + self._identifiers[index])
            return MappingCollection([mapping, low], self._identifiers[index])
        return mapping

    def __repr__(self) -> str:
        return f"SyntheticProvider({len(self._times)} mappings)"


def minutes_provider(count: int = 5, **options) -> SyntheticProvider:
    times = [T0 + timedelta(minutes=i) for i in range(count)]
    return SyntheticProvider(times, [f"ISS030-E-{100 + i}" for i in range(count)], **options)


class TestSyntheticProviderContract(ProviderContract):
    @pytest.fixture
    def provider(self):
        return minutes_provider()


class TestResampledProviderContract(ProviderContract):
    @pytest.fixture
    def provider(self):
        return Resampled(MaskByElevation(minutes_provider(), 20.0), px_per_deg=2)


def test_get_returns_the_nearest_and_ties_go_to_the_earlier():
    provider = SyntheticProvider([T0, T0 + timedelta(seconds=4)], ["a", "b"], max_time_offset=3.0)
    assert provider.get(T0 + timedelta(seconds=2)).identifier == "a"
    assert provider.get(T0 + timedelta(seconds=2.5)).identifier == "b"
    assert provider.get(T0 - timedelta(seconds=3)).identifier == "a", "the offset is inclusive"
    assert provider.contains(T0 + timedelta(seconds=7))
    assert not provider.contains(T0 + timedelta(seconds=7.001))
    with pytest.raises(NoDataError):
        provider.get(T0 - timedelta(seconds=3.001))


def test_aware_times_are_converted_to_utc():
    provider = minutes_provider()
    local = (T0 + timedelta(minutes=2, hours=2)).replace(tzinfo=timezone(timedelta(hours=2)))
    assert provider.get(local).time == T0 + timedelta(minutes=2)


def test_nothing_within_the_offset_names_the_nearest_times():
    provider = SyntheticProvider([T0, T0 + timedelta(minutes=10)], ["a", "b"])
    with pytest.raises(LookupError) as info:
        provider.get(T0 + timedelta(minutes=5))
    message = str(info.value)
    assert isinstance(info.value, NoDataError)
    assert "within 3 s of 2025-03-01T12:05:00" in message
    assert "2025-03-01T12:00:00" in message and "2025-03-01T12:10:00" in message
    with pytest.raises(NoDataError, match="nearest available: 2025-03-01T12:10:00$"):
        provider.get(T0 + timedelta(hours=1))


def test_empty_provider_says_so():
    provider = SyntheticProvider([], [])
    with pytest.raises(NoDataError, match="has no data"):
        _ = provider.range
    with pytest.raises(NoDataError, match="has no data"):
        provider.get(T0)
    assert list(provider.sequence()) == []


def test_get_by_id_exact_substring_and_ambiguous():
    provider = SyntheticProvider(
        [T0, T0 + timedelta(minutes=1), T0 + timedelta(minutes=2)], ["ISS030-E-1", "ISS030-E-10", "ISS030-E-2"]
    )
    assert provider.get_by_id("ISS030-E-1").identifier == "ISS030-E-1", "exact match wins over substrings"
    assert provider.get_by_id("E-2").identifier == "ISS030-E-2"
    assert provider.get_by_id("-10").time == T0 + timedelta(minutes=1)
    with pytest.raises(NoDataError, match="ambiguous.*ISS030-E-1, ISS030-E-10, ISS030-E-2"):
        provider.get_by_id("ISS030")
    with pytest.raises(LookupError, match=r"no mapping with identifier 'ISS029' in .*; did you mean [^?]*ISS030-E-2[^?]*\?$"):
        provider.get_by_id("ISS029")


def test_an_unknown_identifier_names_the_most_similar_ones():
    names = [f"ISS029-E-{frame}" for frame in range(8490, 8500)]
    provider = SyntheticProvider([T0 + timedelta(minutes=i) for i in range(10)], names)
    with pytest.raises(NoDataError, match=r"'8942' in .*; did you mean [^?]*ISS029-E-8492[^?]*\?$"):
        provider.get_by_id("8942")  # a mistyped unique part
    with pytest.raises(NoDataError, match=r"'zzzz' in .* \(it has 10, e.g. ISS029-E-8490\)$"):
        provider.get_by_id("zzzz")
    with pytest.raises(NoDataError, match=r"'x' in .* \(it has none\)$"):
        SyntheticProvider([], []).get_by_id("x")


def test_an_unknown_identifier_of_numbers_names_the_neighbouring_ones():
    names = [f"gako.2011.01.06.17.00.{second:02d}" for second in range(0, 60, 3)]
    provider = SyntheticProvider([T0 + timedelta(seconds=3 * i) for i in range(20)], names)
    with pytest.raises(NoDataError, match=r"; did you mean gako\.2011\.01\.06\.17\.00\.03, gako\.2011\.01\.06\.17\.00\.06, [^,]*\?$"):
        provider.get_by_id("gako.2011.01.06.17.00.04")
    with pytest.raises(NoDataError, match=r"; did you mean gako\.2011\.01\.06\.17\.00\.57, "):  # the last one first
        provider.get_by_id("gako.2011.01.06.17.00.59")


def test_an_ambiguous_identifier_names_the_first_matches_and_the_count():
    names = [f"gako.17.{second:02d}" for second in range(0, 60, 3)]
    provider = SyntheticProvider([T0 + timedelta(seconds=3 * i) for i in range(20)], names)
    with pytest.raises(NoDataError) as error:
        provider.get_by_id("gako")
    assert str(error.value) == (f"identifier 'gako' is ambiguous in {provider!r}; it matches 20: " + ", ".join(names[:10]) + " and 10 more")


def test_sequence_is_a_generator_holding_one_mapping_at_a_time():
    provider = minutes_provider(6)
    sequence = provider.sequence()
    assert inspect.isgenerator(sequence)
    assert provider.loads == 0, "nothing is loaded before iterating"
    identifiers = []
    for mapping in sequence:
        identifiers.append(mapping.identifier)
        del mapping
        gc.collect()
        assert len(provider.alive) <= 1
        assert provider.loads == len(identifiers)
    assert identifiers == list(provider.identifiers)


def test_indices_between_includes_both_ends():
    provider = minutes_provider(5)
    t = provider.times
    assert provider.indices_between(t[1], t[3]) == range(1, 4)
    assert provider.indices_between(None, t[1]) == range(2)
    assert provider.indices_between(t[3], None) == range(3, 5)
    assert provider.indices_between() == range(5)
    assert len(provider.indices_between(t[1] + timedelta(seconds=10), t[1] + timedelta(seconds=20))) == 0
    assert [m.time for m in provider.sequence(t[1], t[3])] == list(t[1:4])
    assert provider.range == (t[0], t[4])
    assert len(provider) == 5


def test_a_period_ending_before_it_starts_is_an_error():
    provider = minutes_provider(5)
    t = provider.times
    with pytest.raises(InputError, match=rf"^the period ends \({t[1].isoformat()}\) before it starts \({t[3].isoformat()}\)$"):
        next(provider.sequence(t[3], t[1]))
    assert provider.indices_between(t[2], t[2]) == range(2, 3)


def test_frames_between_names_the_period_it_finds_empty():
    provider = minutes_provider(3)
    t = provider.times
    assert frames_between(provider, t[1]) == range(1, 3)
    later = t[2] + timedelta(minutes=5)
    with pytest.raises(NoDataError, match=rf"^{re.escape(repr(provider))} has no frames between {re.escape(str(later))} and the end$"):
        frames_between(provider, later)
    with pytest.raises(NoDataError, match=r"has no frames between the beginning and 2000-01-01 00:00:00$"):
        frames_between(provider, None, datetime(2000, 1, 1))
    empty = SyntheticProvider([], [])
    with pytest.raises(NoDataError, match=rf"^{re.escape(repr(empty))} has no frames$"):
        frames_between(empty)


def test_mask_by_elevation_wrapper():
    base = minutes_provider()
    wrapper = MaskByElevation(base, 30.0)
    assert wrapper.times == base.times and wrapper.identifiers == base.identifiers
    assert wrapper.max_time_offset == base.max_time_offset
    mapping = wrapper.get(T0 + timedelta(minutes=1, seconds=1))
    mapping.check_invariants()
    reference = synthetic_mapping(T0, "x")
    assert_array_equal(mapping.defined, reference.elevation >= 30.0)
    assert wrapper.get_by_id("E-104").identifier == "ISS030-E-104"
    assert all(np.nanmin(m.elevation) >= 30.0 for m in wrapper.sequence())
    assert "MaskByElevation(SyntheticProvider(5 mappings))" == repr(wrapper)


def test_mask_by_elevation_wrapper_on_collections_drops_empty_members():
    wrapper = MaskByElevation(minutes_provider(collection=True), 30.0)
    collection = wrapper.get(T0)
    assert isinstance(collection, MappingCollection)
    assert collection.identifier == "ISS030-E-100"
    assert [m.identifier for m in collection] == ["ISS030-E-100"]


def test_resampled_wrapper():
    base = minutes_provider()
    wrapper = Resampled(MaskByElevation(base, 20.0), px_per_deg=2, method="mean")
    mapping = wrapper.get(T0)
    mapping.check_invariants()
    assert is_plate_carree(mapping.lat_bounds, mapping.lon_bounds)
    assert mapping.metadata["resampled_px_per_deg_lat"] == 2.0
    assert mapping.identifier == "ISS030-E-100" and mapping.time == T0
    assert np.nanmin(mapping.elevation) >= 20.0, "means of masked mappings only use elevations >= 20"
    sequence = wrapper.sequence()
    assert inspect.isgenerator(sequence)
    assert [m.shape for m in sequence] == [mapping.shape] * 5


def test_resampled_wrapper_on_collections():
    wrapper = Resampled(minutes_provider(collection=True), px_per_deg=8)
    collection = wrapper.get(T0)
    assert isinstance(collection, MappingCollection)
    assert collection.identifier == "ISS030-E-100"
    assert [m.identifier for m in collection] == ["ISS030-E-100", "low.ISS030-E-100"]
    for member in collection:
        member.check_invariants()
        assert is_plate_carree(member.lat_bounds, member.lon_bounds)


def test_wrappers_ask_the_wrapped_provider_own_get():
    class FarReaching(SyntheticProvider):
        """Answers get() for any time with its first mapping, as a provider with its own lookup may."""

        def get(self, time):
            return self.load(0)

    base = FarReaching([T0], ["ISS030-E-100"])
    far = T0 + timedelta(days=1)
    assert not Provider.contains(base, far)
    assert MaskByElevation(base, 30.0).get(far).identifier == "ISS030-E-100"
    assert Resampled(base, px_per_deg=2).get(far).is_plate_carree


class _Listed(SyntheticProvider):
    """A synthetic provider over the given index whose ``load`` may return something else."""

    def __init__(self, path, times=(T0, T0 + timedelta(minutes=1)), identifiers=("a", "b"), loaded=None) -> None:
        super().__init__(times, identifiers)
        self.path, self.loaded = path, loaded

    def load(self, index):
        return super().load(index) if self.loaded is None else self.loaded(super().load(index))


AWARE = T0.replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("times", "identifiers", "problem"),
    [
        ((T0 + timedelta(minutes=1), T0), ("a", "b"), "its times are out of order: times[0] 2025-03-01T12:01:00 is after times[1] 2025-03-01T12:00:00"),
        ((AWARE,), ("a",), f"times[0] is {AWARE!r}; times must be naive UTC datetimes"),
        (("2025-03-01",), ("a",), "times[0] is '2025-03-01'; times must be naive UTC datetimes"),
        ((T0, T0), ("a",), "it lists 2 time(s) but 1 identifier(s)"),
        ((T0, T0, T0), ("a", "b", "a"), "identifier 'a' is listed twice (at 0 and 2); identifiers must be unique"),
        ((T0,), (5,), "identifiers[0] is 5; identifiers must be strings"),
    ],
)
def test_an_index_breaking_the_contract_is_refused_naming_the_plugin(auromat_plugins, tmp_path, times, identifiers, problem):
    register_providers(auromat_plugins, "listing-plugin", ("listed", _Listed, "an index as given"))
    expected = f"provider 'listed' (plugin 'listing-plugin') breaks the provider contract: {problem}"
    with pytest.raises(PluginError) as raised:
        auromat_core.get_provider("listed", tmp_path, times=times, identifiers=identifiers)
    assert str(raised.value) == expected
    with pytest.raises(PluginError) as raised:
        auromat_core.open_data(tmp_path, "listed", times=times, identifiers=identifiers)
    assert str(raised.value) == expected


def test_equal_neighbouring_times_keep_the_contract(auromat_plugins, tmp_path):
    register_providers(auromat_plugins, "listing-plugin", ("listed", _Listed, "an index as given"))
    assert len(auromat_core.get_provider("listed", tmp_path, times=(T0, T0), identifiers=("a", "b"))) == 2


@pytest.mark.parametrize(
    ("loaded", "problem"),
    [
        (lambda mapping: {"lat": mapping.lat}, "returned a dict; a provider returns a Mapping or MappingCollection"),
        (lambda mapping: mapping.replace(identifier="other"), "returned 'other', but its identifiers list 'a' there"),
        (lambda mapping: MappingCollection([mapping], "NET"), "returned 'NET', but its identifiers list 'a' there"),
    ],
)
def test_a_load_breaking_the_contract_is_a_plugin_error(tmp_path, loaded, problem):
    provider = _Listed(tmp_path, loaded=loaded)
    message = re.escape(f"{provider!r}.load(0) {problem}")
    for fetch in (lambda: provider.get(T0), lambda: provider.get_by_id("a"), lambda: next(provider.sequence())):
        with pytest.raises(PluginError, match=f"^{message}$"):
            fetch()
