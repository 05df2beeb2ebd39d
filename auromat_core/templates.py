"""File templates for exporters: reuse the variables that repeat from file to file.

A fixed camera (an all-sky imager) maps every frame of a night onto the same
coordinates; only the image, the time and the magnetic local time change.
Compressing those coordinates is most of the cost of writing a file. An
exporter therefore describes each variable it is about to write as a
:class:`Part` (its name, everything about it that is not array data, and the
arrays its stored values are computed from) and asks a :class:`TemplateCache`
for a template: a small file, already written and compressed, holding the parts
that equal those of the previous files. Parts that change from file to file
but are described alike (the image, the time) can be declared in a template
without their values. The exporter starts the new file as a copy of the
template's bytes, stores the values of the declared parts and adds the other
parts, so the result holds the same variables, values and attributes as a file
written from scratch.

Parts are compared by SHA-256 digests. A digest of about :data:`SAMPLE_VALUES`
evenly spaced values of each array comes first; the digest of all values is
only computed when the sample matches the previous file's or a template's, so
frames of a moving camera cost next to nothing. A template is built once three
recent files agree on at least one part that is worth it (a compressed
array); it then serves every later file whose digests match.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict, deque
from collections.abc import Callable, Sequence
from typing import Any

import attrs
import numpy as np

SAMPLE_VALUES = 1024
"""Values per array that enter the cheap sample digest."""
TEMPLATES_PER_PROCESS = 4
"""Templates kept (least recently used ones are dropped)."""
RECENT_FILES = 8
"""Files whose digests are remembered to find repeated parts."""


@attrs.frozen(eq=False)
class Part:
    """A variable as the template cache sees it.

    Parameters
    ----------
    name
        Variable name.
    static
        Everything about the variable that is not array data (type, attributes,
        encoding); compared through its ``repr``.
    sources
        Arrays and scalars the stored values are computed from, deterministically.
    worth
        Whether writing it is costly (a compressed array); a template needs one such part.
    declare
        Whether the exporter can declare it in a template without its values.
        A template declares those parts of its file whose ``static`` equals that
        of the recent file it was built from; it serves files whose declarable
        parts match them, and those files store the declared parts' values.
    """

    name: str
    static: Any
    sources: tuple[Any, ...]
    worth: bool = False
    declare: bool = False

    def digest(self, sample: bool) -> bytes:
        """SHA-256 of the name, the static description and the sources (a sample of each array)."""
        hasher = hashlib.sha256(repr((self.name, self.static)).encode())
        for source in self.sources:
            array = np.asarray(source)
            if array.dtype.hasobject:
                hasher.update(repr(source).encode())
                continue
            hasher.update(f"{array.dtype.str}{array.shape}".encode())
            values = array.flat[:: max(1, array.size // SAMPLE_VALUES)] if sample else np.ascontiguousarray(array)
            hasher.update(np.ascontiguousarray(values).reshape(-1).view(np.uint8))
        return hasher.digest()

    def declaration(self) -> bytes:
        """SHA-256 of the name and the static description: what a declaration in a template must match."""
        return hashlib.sha256(repr((self.name, self.static)).encode()).digest()


@attrs.frozen(eq=False)
class Template:
    """A file holding some parts (``names``) and declaring others (``declared``), as bytes.

    ``extra`` is whatever the exporter needs to extend the file; ``declared``
    maps the names of the declared parts to their :meth:`Part.declaration`.
    """

    names: tuple[str, ...]
    samples: dict[str, bytes]
    digests: dict[str, bytes]
    content: bytes
    extra: Any = None
    declared: dict[str, bytes] = attrs.field(factory=dict)


@attrs.define(eq=False)
class _Seen:
    """Digests of the parts of a recent file (full digests only where its samples matched an earlier file's)."""

    samples: dict[str, bytes]
    digests: dict[str, bytes]
    declarations: dict[str, bytes]


class TemplateCache:
    """Templates of one process, keyed by the digests of the parts they hold.

    The last :data:`RECENT_FILES` files are remembered, so frames of several
    cameras that are written in turn (a collection of stations) each get a template.
    """

    def __init__(self, capacity: int = TEMPLATES_PER_PROCESS) -> None:
        self._templates: OrderedDict[tuple[tuple[str, bytes], ...], Template] = OrderedDict()
        self._capacity = capacity
        self._recent: deque[_Seen] = deque(maxlen=RECENT_FILES)

    def find(
        self, parts: Sequence[Part], build: Callable[[Sequence[Part], Sequence[Part]], tuple[bytes, Any]]
    ) -> Template | None:
        """The template for a file of ``parts``, building one with ``build`` when parts repeat.

        Of the templates whose parts and declarations all match, the one holding
        the most parts is used; a better one is built when the file shares more
        costly parts with a recent file. ``build(held, declared)`` writes a file
        holding the parts ``held`` and declaring the parts ``declared`` (each in
        the order of ``parts``) and returns its bytes and any extra information
        the exporter wants back with the template. Returns ``None`` when the
        file should be written from scratch.
        """
        by_name = {part.name: part for part in parts}
        samples = {name: part.digest(sample=True) for name, part in by_name.items()}
        declarations = {name: part.declaration() for name, part in by_name.items() if part.declare}
        digests: dict[str, bytes] = {}

        def digest(name: str) -> bytes:
            if name not in digests:
                digests[name] = by_name[name].digest(sample=False)
            return digests[name]

        matches = [
            key for key, template in self._templates.items()
            if all(samples.get(name) == template.samples[name] for name in template.names)
            and all(digest(name) == template.digests[name] for name in template.names)
            and all(declarations.get(name) == value for name, value in template.declared.items())
        ]
        best = max(matches, key=lambda key: (len(self._templates[key].names), len(self._templates[key].declared)), default=None)
        template = None if best is None else self._templates[best]
        if best is not None:
            self._templates.move_to_end(best)
        held = set() if template is None else set(template.names)
        earlier = next((seen for seen in reversed(self._recent) if self._shares_more(seen, samples, by_name, held)), None)
        current = _Seen(samples, {}, declarations)
        self._recent.append(current)
        if earlier is None:
            return template
        current.digests = {name: digest(name) for name in samples if earlier.samples.get(name) == samples[name]}
        shared = [by_name[name] for name, value in current.digests.items() if earlier.digests.get(name) == value]
        if not any(part.worth for part in shared) or not held < {part.name for part in shared}:
            return template
        names = tuple(part.name for part in shared)
        declared = [
            part for part in parts
            if part.name not in names and part.name in declarations and earlier.declarations.get(part.name) == declarations[part.name]
        ]
        content, extra = build(shared, declared)
        template = Template(
            names, {name: samples[name] for name in names}, {name: digests[name] for name in names}, content, extra,
            {part.name: declarations[part.name] for part in declared},
        )
        self._templates[(*template.digests.items(), *template.declared.items())] = template
        while len(self._templates) > self._capacity:
            self._templates.popitem(last=False)
        return template

    @staticmethod
    def _shares_more(seen: _Seen, samples: dict[str, bytes], parts: dict[str, Part], held: set[str]) -> bool:
        """Whether ``seen`` has the same sample of a costly part that no template in use holds."""
        return any(
            parts[name].worth and name not in held and seen.samples.get(name) == sample for name, sample in samples.items()
        )

    @property
    def templates(self) -> list[Template]:
        """The templates kept, least recently used first."""
        return list(self._templates.values())

    def clear(self) -> None:
        """Forget all templates and recent files."""
        self._templates.clear()
        self._recent.clear()


__all__ = [
    "RECENT_FILES",
    "SAMPLE_VALUES",
    "TEMPLATES_PER_PROCESS",
    "Part",
    "Template",
    "TemplateCache",
]
