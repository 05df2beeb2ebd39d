"""open_usable (auromat_core.providers): a provider keeps the inputs that open and names those it leaves out."""

from __future__ import annotations

import logging

import pytest

from auromat_core import InputError
from auromat_core.providers import open_usable


def _opener(name: str):
    def open_input() -> str:
        if name.startswith("bad"):
            raise InputError(f"{name}: not readable")
        return name

    return open_input


def test_unusable_inputs_are_skipped_with_a_warning_each(caplog):
    skipped: list[str] = []
    with caplog.at_level(logging.WARNING):
        assert open_usable([_opener(n) for n in ("a", "bad1", "b", "bad2")], False, skipped) == ["a", "b"]
    assert skipped == ["bad1: not readable", "bad2: not readable"]
    assert [r.getMessage() for r in caplog.records] == [f"{m}; skipped, the other files are used" for m in skipped]


@pytest.mark.parametrize(("names", "strict"), [(("a", "bad1"), True), (("bad1", "bad2"), False)], ids=["named one by one", "none usable"])
def test_the_first_error_is_raised_when_inputs_were_named_or_none_is_usable(names, strict):
    skipped: list[str] = []
    with pytest.raises(InputError, match="^bad1: not readable$"):
        open_usable([_opener(n) for n in names], strict, skipped)
    assert skipped == []
