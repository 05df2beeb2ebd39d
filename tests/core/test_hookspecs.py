"""Every hook of the plugin contract is documented, in its docstring and in docs/plugins.md."""

from __future__ import annotations

import inspect
import re

import pytest

from auromat_core import hookspecs
from tests.conftest import REPO_ROOT

HOOKSPECS = [
    name for name, function in inspect.getmembers(hookspecs, inspect.isfunction) if hasattr(function, "auromat_spec")
]


def test_the_contract_has_the_documented_hooks():
    assert set(HOOKSPECS) == {
        "register_providers",
        "register_exporters",
        "register_solvers",
        "register_draw_styles",
        "register_magnetic_models",
        "register_commands",
    }


@pytest.mark.parametrize("name", HOOKSPECS)
def test_hookspec_has_a_docstring(name):
    doc = inspect.getdoc(getattr(hookspecs, name))
    assert doc and len(doc.split()) >= 8, f"hookspec {name} needs a docstring saying what it registers"


@pytest.mark.parametrize("name", HOOKSPECS)
def test_hookspec_is_documented_for_plugin_authors(name):
    guide = (REPO_ROOT / "docs" / "plugins.md").read_text()
    assert re.search(rf"^#+ `{name}\(", guide, re.MULTILINE), f"docs/plugins.md has no section for {name}"
