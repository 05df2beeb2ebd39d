"""The core's install hints (``FIRST_PARTY_PACKAGES``) name exactly what the first-party plugins register."""

from __future__ import annotations

import importlib.metadata

import pytest

from auromat_core.plugins import FIRST_PARTY_PACKAGES, get_plugins


def _distributions() -> dict[str, str]:
    """The package installing each ``auromat`` entry point, by entry-point (plugin) name."""
    return {point.name: point.dist.name for point in importlib.metadata.entry_points(group="auromat")}


@pytest.mark.parametrize("kind", sorted(FIRST_PARTY_PACKAGES))
def test_install_hints_match_the_installed_first_party_plugins(kind):
    packages = set().union(*(table.values() for table in FIRST_PARTY_PACKAGES.values()))
    distributions = _distributions()
    registered = {
        name: distributions[registration.plugin]
        for name, registration in get_plugins().registrations(kind).items()
        if distributions.get(registration.plugin) in packages
    }
    assert registered == FIRST_PARTY_PACKAGES[kind]
