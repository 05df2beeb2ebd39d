"""Coordinate storage: the sentence each variable's notes carry about its precision."""

from __future__ import annotations

from auromat_core.encoding import CoordinateEncoding


def test_notes_state_the_rounding_step_and_its_error() -> None:
    rounded = CoordinateEncoding(False, 1.0)
    assert rounded.describe(2.0**-17, "degrees") == "Rounded to multiples of 2^-17 degrees (horizontal error below 1 m)."
    assert rounded.describe(2.0**-17, "degrees", position=False) == "Rounded to multiples of 2^-17 degrees (error at most 3.8e-06 degrees)."
    assert CoordinateEncoding(False, None).describe(None, "degrees") == "Stored as exact float64."
    assert CoordinateEncoding(True, 1.0).describe(2.0**-17, "hours") == "Stored as float32."
