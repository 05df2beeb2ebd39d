"""The Provider protocol, a base class for indexed data, and provider wrappers.

A provider answers "which mapping is there at time t": :attr:`Provider.range`,
:meth:`~Provider.contains`, :meth:`~Provider.get` (nearest within
``max_time_offset`` seconds), :meth:`~Provider.get_by_id` and a lazy
:meth:`~Provider.sequence` that holds one mapping at a time.
"""

from __future__ import annotations

import abc
import bisect
import builtins
import difflib
import logging
import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from .errors import AuromatError, InputError, NoDataError, PluginError
from .mapping import Mapping, MappingCollection
from .options import number_option
from .timeutil import as_utc, period_phrase

MappingLike = Mapping | MappingCollection
SUFFIX_ONLY_CONFIDENCE = 0.5
"""How sure a file provider is that it opens a file of its suffix that holds no mapping (see ``can_open``)."""
IGNORED_NAMES_SHOWN = 5
"""File names a warning about ignored files lists at most."""
AMBIGUOUS_NAMES_SHOWN = 10
"""Matches named in the error for an ambiguous identifier."""

log = logging.getLogger(__name__)

Opened = TypeVar("Opened")


def identifier_index(identifiers: Sequence[str], identifier: str, where: str) -> int:
    """Position of ``identifier`` in ``identifiers``, or of the only identifier that contains it.

    Raises
    ------
    NoDataError
        When none matches, or several contain it (the first
        :data:`AMBIGUOUS_NAMES_SHOWN` are named, with the count).
    """
    identifiers = list(identifiers)
    if identifier in identifiers:
        return identifiers.index(identifier)
    matches = [index for index, name in enumerate(identifiers) if identifier in name]
    if len(matches) == 1:
        return matches[0]
    if not matches:
        raise unknown_identifier(identifiers, identifier, where)
    names = ", ".join(identifiers[index] for index in matches[:AMBIGUOUS_NAMES_SHOWN])
    more = f" and {len(matches) - AMBIGUOUS_NAMES_SHOWN} more" if len(matches) > AMBIGUOUS_NAMES_SHOWN else ""
    raise NoDataError(f"identifier {identifier!r} is ambiguous in {where}; it matches {len(matches)}: {names}{more}")


def unknown_identifier(identifiers: Sequence[str], identifier: str, where: str, summary: str | None = None) -> NoDataError:
    """The error for an ``identifier`` that matches none of ``identifiers``, naming the most similar ones.

    Without similar ones it says how many there are and gives an example, or ``summary`` instead.
    """
    close = difflib.get_close_matches(identifier, identifiers, n=3, cutoff=0.6)
    if not close:  # a mistyped unique part, e.g. "8942" for "ISS029-E-8492": compare with the ends of the names
        tails = {name[-len(identifier):]: name for name in identifiers}
        close = [tails[tail] for tail in difflib.get_close_matches(identifier, list(tails), n=3, cutoff=0.7)]
    nearest = _numerically_nearest(identifier, identifiers)
    close = (nearest + [name for name in close if name not in nearest])[:3]
    if close:
        hint = f"; did you mean {', '.join(close)}?"
    else:
        hint = f" (it has {summary or f'{len(identifiers)}, e.g. {identifiers[0]}'})" if identifiers else " (it has none)"
    return NoDataError(f"no mapping with identifier {identifier!r} in {where}{hint}")


def _numerically_nearest(identifier: str, identifiers: Sequence[str]) -> list[str]:
    """The identifiers just below and above ``identifier`` among those that differ from it only in their digits.

    Such identifiers (``gako.2011.01.06.17.00.04``, ``ISS029-E-8493``) count
    frames or times: the neighbouring numbers are the useful suggestions, not the similar strings.
    """
    skeleton = re.sub(r"\d", "0", identifier)
    if skeleton == identifier:
        return []
    alike = sorted(name for name in identifiers if re.sub(r"\d", "0", name) == skeleton)  # equal digit positions: text order is number order
    position = bisect.bisect_left(alike, identifier)
    return alike[max(position - 1, 0):position + 1]


def open_usable(openers: Iterable[Callable[[], Opened]], strict: bool, skipped: list[str]) -> list[Opened]:
    """What each of ``openers`` opens; an input that fails (an :class:`AuromatError`) is skipped with a warning naming it.

    The first error is raised instead when ``strict`` (the inputs were named one
    by one) or when no input is usable: then there is nothing to go on with.
    The messages of the skipped inputs are appended to ``skipped``: a list the
    provider keeps as its :attr:`Provider.skipped_inputs` (``self.skipped_inputs = []``
    first), which ``auromat convert`` counts in its summary.
    """
    usable: list[Opened] = []
    errors: list[AuromatError] = []
    for opener in openers:
        try:
            usable.append(opener())
        except AuromatError as error:
            errors.append(error)
    if errors and (strict or not usable):
        raise errors[0]
    for error in errors:
        log.warning("%s; skipped, the other files are used", error)
        skipped.append(str(error))
    return usable


def index_problem(provider: Provider) -> str | None:
    """What breaks the provider contract in the index of ``provider`` (its times and identifiers), or None.

    Times must be naive UTC datetimes in order (equal neighbours allowed);
    identifiers strings, one per time, each listed once.
    """
    times, identifiers = provider.times, provider.identifiers
    if len(times) != len(identifiers):
        return f"it lists {len(times)} time(s) but {len(identifiers)} identifier(s)"
    for index, time in enumerate(times):
        if not isinstance(time, datetime) or time.tzinfo is not None:
            return f"times[{index}] is {time!r}; times must be naive UTC datetimes"
    for index in range(1, len(times)):
        if times[index] < times[index - 1]:
            return f"its times are out of order: times[{index - 1}] {times[index - 1].isoformat()} is after times[{index}] {times[index].isoformat()}"
    first: dict[str, int] = {}
    for index, identifier in enumerate(identifiers):
        if not isinstance(identifier, str):
            return f"identifiers[{index}] is {identifier!r}; identifiers must be strings"
        if identifier in first:
            return f"identifier {identifier!r} is listed twice (at {first[identifier]} and {index}); identifiers must be unique"
        first[identifier] = index
    return None


def load_checked(provider: Provider, index: int) -> MappingLike:
    """``provider.load(index)``, checked to be a mapping or collection with the identifier listed at ``index``.

    Raises
    ------
    PluginError
        Naming the provider, when it returned something else.
    """
    item = provider.load(index)
    if not isinstance(item, (Mapping, MappingCollection)):
        raise PluginError(f"{provider!r}.load({index}) returned a {type(item).__name__}; a provider returns a Mapping or MappingCollection")
    listed = provider.identifiers[index]
    if item.identifier != listed:
        raise PluginError(f"{provider!r}.load({index}) returned {item.identifier!r}, but its identifiers list {listed!r} there")
    return item


def frames_between(source: Provider, start: datetime | None = None, end: datetime | None = None) -> builtins.range:
    """``source.indices_between(start, end)``, or :class:`NoDataError` naming the period when it holds no frames."""
    indices = source.indices_between(start, end)
    if not len(indices):
        raise NoDataError(f"{source!r} has no frames{period_phrase(start, end)}")
    return indices


class Provider(abc.ABC):
    """A source of mappings ordered by time.

    Subclasses implement :attr:`times`, :attr:`identifiers` and :meth:`load`;
    everything else follows from them.
    """

    max_time_offset: float = 3.0
    """Largest distance in seconds between a requested time and a delivered mapping."""

    skipped_inputs: list[str]
    """Inputs that could not be used, a message each: a list a provider that skips inputs makes in its
    factory and fills (see :func:`open_usable`); ``auromat convert`` counts them where it exists."""

    @property
    @abc.abstractmethod
    def times(self) -> Sequence[datetime]:
        """Sorted times (naive UTC) of all available mappings."""

    @property
    @abc.abstractmethod
    def identifiers(self) -> Sequence[str]:
        """Identifiers of all available mappings, in the order of :attr:`times`."""

    @abc.abstractmethod
    def load(self, index: int) -> MappingLike:
        """Build the mapping (or collection) at position ``index`` of :attr:`times`, identified as ``identifiers[index]``."""

    def __repr__(self) -> str:
        """``ClassName('where')`` with the provider's ``path`` or ``folder`` attribute, else ``ClassName()``: errors name providers so."""
        where = next((value for value in (getattr(self, name, None) for name in ("path", "folder")) if value is not None), None)
        return f"{type(self).__name__}({'' if where is None else repr(str(where))})"

    def members(self, index: int) -> Sequence[tuple[str, datetime]] | None:
        """Identifier and time of each mapping of the collection at ``index``, known without loading it.

        None (the default) for a single mapping, or when a collection's members
        are only known once it is loaded. ``auromat convert`` names (and skips
        existing) member files with them before loading anything.
        """
        return None

    @property
    def range(self) -> tuple[datetime, datetime]:
        """First and last available time."""
        times = self.times
        if not times:
            raise NoDataError(f"{self!r} has no data")
        return times[0], times[-1]

    def __len__(self) -> int:
        return len(self.times)

    def nearest_index(self, time: datetime) -> int | None:
        """Index of the nearest time within ``max_time_offset`` (ties: the earlier), else None."""
        time = as_utc(time)
        times = self.times
        position = bisect.bisect_left(times, time)
        candidates = [i for i in (position - 1, position) if 0 <= i < len(times)]
        if not candidates:
            return None
        best = min(candidates, key=lambda i: (abs(times[i] - time), i))
        if abs(times[best] - time) > timedelta(seconds=self.max_time_offset):
            return None
        return best

    def contains(self, time: datetime) -> bool:
        """Whether a mapping exists within ``max_time_offset`` of ``time``."""
        return self.nearest_index(time) is not None

    def get(self, time: datetime) -> MappingLike:
        """The mapping nearest to ``time`` within ``max_time_offset``.

        Raises
        ------
        NoDataError
            (a ``LookupError``) naming the nearest available times.
        """
        index = self.nearest_index(time)
        if index is None:
            raise NoDataError(self._nothing_near(as_utc(time)))
        return load_checked(self, index)

    def _nothing_near(self, time: datetime) -> str:
        times = self.times
        message = f"no mapping within {self.max_time_offset:g} s of {time.isoformat()} in {self!r}"
        if not times:
            return message + " (it has no data)"
        position = bisect.bisect_left(times, time)
        nearest = [times[i].isoformat() for i in (position - 1, position) if 0 <= i < len(times)]
        return message + "; nearest available: " + ", ".join(nearest)

    def get_by_id(self, identifier: str) -> MappingLike:
        """The mapping whose identifier is ``identifier`` or contains it as the only match."""
        return load_checked(self, identifier_index(self.identifiers, identifier, repr(self)))

    def indices_between(self, start: datetime | None = None, end: datetime | None = None) -> builtins.range:
        """Positions of the times in ``[start, end]`` (both inclusive; None = open).

        Raises
        ------
        InputError
            If ``end`` is before ``start``.
        """
        if start is not None and end is not None and as_utc(end) < as_utc(start):
            raise InputError(f"the period ends ({as_utc(end).isoformat()}) before it starts ({as_utc(start).isoformat()})")
        times = self.times
        first = 0 if start is None else bisect.bisect_left(times, as_utc(start))
        last = len(times) if end is None else bisect.bisect_right(times, as_utc(end))
        return range(first, last)

    def sequence(self, start: datetime | None = None, end: datetime | None = None) -> Iterator[MappingLike]:
        """Lazily yield the mappings between ``start`` and ``end`` (inclusive), one at a time."""
        for index in self.indices_between(start, end):
            yield load_checked(self, index)


class ProviderWrapper(Provider):
    """A provider that transforms every mapping of another provider.

    Every query is answered by the wrapped provider (which may have its own
    ``get``, e.g. per-station nearest frames) and its result transformed.
    """

    def __init__(self, provider: Provider) -> None:
        self.provider = provider
        self.max_time_offset = provider.max_time_offset

    @property
    def times(self) -> Sequence[datetime]:
        return self.provider.times

    @property
    def identifiers(self) -> Sequence[str]:
        return self.provider.identifiers

    @property
    def range(self) -> tuple[datetime, datetime]:
        return self.provider.range

    def load(self, index: int) -> MappingLike:
        return self.transform(self.provider.load(index))

    def members(self, index: int) -> Sequence[tuple[str, datetime]] | None:
        return self.provider.members(index)

    def contains(self, time: datetime) -> bool:
        return self.provider.contains(time)

    def get(self, time: datetime) -> MappingLike:
        return self.transform(self.provider.get(time))

    def get_by_id(self, identifier: str) -> MappingLike:
        return self.transform(self.provider.get_by_id(identifier))

    def sequence(self, start: datetime | None = None, end: datetime | None = None) -> Iterator[MappingLike]:
        for item in self.provider.sequence(start, end):
            yield self.transform(item)

    @abc.abstractmethod
    def transform(self, mapping: MappingLike) -> MappingLike:
        """Transform one mapping (or collection) of the wrapped provider."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.provider!r})"


class MaskByElevation(ProviderWrapper):
    """Deliver the mappings of ``provider`` masked below ``min_elevation`` degrees."""

    def __init__(self, provider: Provider, min_elevation: float = 10.0) -> None:
        super().__init__(provider)
        self.min_elevation = min_elevation

    def transform(self, mapping: MappingLike) -> MappingLike:
        return mapping.masked_by_elevation(self.min_elevation)


class Resampled(ProviderWrapper):
    """Deliver the mappings of ``provider`` resampled (options of :func:`auromat_core.resample.resample`)."""

    def __init__(self, provider: Provider, **options: Any) -> None:
        super().__init__(provider)
        self.options = options

    def transform(self, mapping: MappingLike) -> MappingLike:
        return mapping.resample(**self.options)


class MappingFileProvider(Provider):
    """Mappings from one self-contained file per mapping, or a folder of them.

    Readers of exported formats subclass it and define :attr:`suffix`,
    :attr:`format_name` and the static methods :meth:`is_mapping_file`,
    :meth:`read_header` and :meth:`read`.

    Parameters
    ----------
    path
        A file or a folder; files that are not mapping files are ignored (with
        one warning naming them: foreign or unreadable files), and so are hidden
        ones (such as partial files of a running conversion) without a word.
    altitude
        Expected mapping altitude (km); a file stored at another altitude is an
        error (stored coordinates cannot be moved to another altitude).
    max_time_offset
        Seconds within which :meth:`get` accepts a mapping.
    """

    suffix: str
    """File name suffix, e.g. ``".cdf"``."""
    format_name: str
    """Format name used in messages, e.g. ``"CDF"``."""

    @staticmethod
    @abc.abstractmethod
    def is_mapping_file(path: Path) -> bool:
        """Whether ``path`` is a file of this format that holds a mapping."""

    @staticmethod
    @abc.abstractmethod
    def read_header(path: Path) -> tuple[datetime, str, float]:
        """(time, identifier, altitude km) of the mapping in ``path``, without reading its arrays."""

    @staticmethod
    @abc.abstractmethod
    def read(path: Path) -> Mapping:
        """The mapping stored in ``path``."""

    def __init__(self, path: str | os.PathLike, altitude: float | None = None, max_time_offset: float = 3.0) -> None:
        self.path = Path(path)
        self.skipped_inputs: list[str] = []
        self.max_time_offset = number_option("max_time_offset", max_time_offset, 0.0)
        altitude = None if altitude is None else number_option("altitude", altitude, 0.0)
        if self.path.is_dir():
            files = self._mapping_files(self.path)
        elif self.path.is_file():
            files = [self.path]
        else:
            raise InputError(f"{self.path}: no such file or folder")
        if not files:
            raise NoDataError(f"{self.path}: contains no auromat mapping {self.format_name} files")
        entries = []
        for file in files:
            time, identifier, stored_altitude = self.read_header(file)
            if altitude is not None and abs(stored_altitude - altitude) > 1e-9:
                raise InputError(f"{file}: mapped at {stored_altitude:g} km, but altitude {altitude:g} km was requested")
            entries.append((time, identifier, file))
        entries = self._first_of_each_identifier(sorted(entries))
        self._times = [entry[0] for entry in entries]
        self._identifiers = [entry[1] for entry in entries]
        self.files = [entry[2] for entry in entries]

    def _first_of_each_identifier(self, entries: list[tuple[datetime, str, Path]]) -> list[tuple[datetime, str, Path]]:
        """``entries`` without later files of a mapping already held by another (a copy); each is named in a warning."""
        first: dict[str, Path] = {}
        kept = []
        for entry in entries:
            _, identifier, file = entry
            if identifier in first:
                message = f"{file}: holds mapping {identifier}, as {first[identifier].name} does"
                log.warning("%s; left out", message)
                self.skipped_inputs.append(message)
                continue
            first[identifier] = file
            kept.append(entry)
        return kept

    @classmethod
    def _candidates(cls, folder: Path) -> list[Path]:
        return [p for p in sorted(folder.glob(f"*{cls.suffix}")) if not p.name.startswith(".")]

    def _mapping_files(self, folder: Path) -> list[Path]:
        """The mapping files of ``folder``; one warning names the files of the suffix that are not (or are unreadable)."""
        files, ignored = [], []
        for candidate in self._candidates(folder):
            (files if self.is_mapping_file(candidate) else ignored).append(candidate)
        if ignored:
            names = ", ".join(path.name for path in ignored[:IGNORED_NAMES_SHOWN]) + (", ..." if len(ignored) > IGNORED_NAMES_SHOWN else "")
            log.warning(
                "%s: ignoring %d %s file(s) that hold no auromat mapping or cannot be read: %s",
                folder, len(ignored), self.format_name, names,
            )
        return files

    @classmethod
    def can_open(cls, path: str | os.PathLike) -> bool | float:
        """Whether ``path`` is a mapping file of this format or a folder containing one.

        A file with the format's suffix that holds no mapping, or cannot be read,
        gets :data:`SUFFIX_ONLY_CONFIDENCE`: unless another provider claims it,
        opening it then says what is wrong with it.
        """
        path = Path(path)
        if path.is_dir():
            return any(cls.is_mapping_file(p) for p in cls._candidates(path))
        if cls.is_mapping_file(path):
            return True
        return SUFFIX_ONLY_CONFIDENCE if path.is_file() and path.suffix.lower() == cls.suffix else False

    @property
    def times(self) -> Sequence[datetime]:
        return self._times

    @property
    def identifiers(self) -> Sequence[str]:
        return self._identifiers

    def load(self, index: int) -> Mapping:
        return self.read(self.files[index])

    def __repr__(self) -> str:
        return f"{type(self).__name__}({str(self.path)!r}, {len(self.files)} files)"


__all__ = [
    "SUFFIX_ONLY_CONFIDENCE",
    "MappingFileProvider",
    "MappingLike",
    "MaskByElevation",
    "Provider",
    "ProviderWrapper",
    "Resampled",
    "frames_between",
    "identifier_index",
    "index_problem",
    "load_checked",
    "open_usable",
    "unknown_identifier",
]
