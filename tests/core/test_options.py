"""Provider and style options: KEY=VALUE pairs and checked numbers."""

from __future__ import annotations

import inspect
import math
import types
from datetime import datetime
from pathlib import Path

import click
import numpy as np
import pytest

from auromat_core import InputError
from auromat_core.options import (
    UTC_END,
    UTC_TIME,
    bool_option,
    instance_option,
    number_option,
    parse_key_values,
    path_option,
    provider_options,
    type_mismatch,
)


def test_key_values_are_json_where_they_parse() -> None:
    pairs = ["altitude=120", "allow-later-skymap=true", "sites=gako,fykn", "lats=[60, 61.5]"]
    assert parse_key_values(pairs, "-p") == {"altitude": 120, "allow_later_skymap": True, "sites": "gako,fykn", "lats": [60, 61.5]}
    with pytest.raises(InputError, match=r"^-p 'altitude': expected KEY=VALUE, e.g. -p max_time_offset=5$"):
        parse_key_values(["altitude"], "-p")
    with pytest.raises(InputError, match=r"^-p altitude is given twice \(altitude=150 and 'altitude=130'\); give it once$"):
        parse_key_values(["altitude=150", "sites=gako", "altitude=130"], "-p")


def test_the_altitude_is_given_once() -> None:
    assert provider_options(120.0, ["sites=gako"]) == {"altitude": 120.0, "sites": "gako"}
    assert provider_options(None, ["altitude=150"]) == {"altitude": 150}
    with pytest.raises(InputError, match=r"^the altitude is given twice \(--altitude 120 and -p altitude=150\); give it once$"):
        provider_options(120.0, ["altitude=150"])


@pytest.mark.parametrize(
    ("annotation", "fitting", "wrong", "expected"),
    [
        (float, [1, 2.5, np.float32(3), np.int64(4)], ["two", True, np.True_, None], "a number"),
        (int, [3, np.int64(3)], [3.5, False, "3"], "a whole number"),
        (bool, [True, False, np.True_], ["no", 1], "true or false"),
        (str, ["gray", Path("skymaps")], [5], "a string"),
        (float | None, [None, 1.0], ["x"], "a number"),
        (tuple[float, float], [[62, -145], (1.0, np.float64(2)), np.array([1.0, 99.5])], [[62], [True, 1], "62,-145", np.ones((2, 1))],
         "a list of 2 numbers"),
        (dict[str, int], [{"labels": 5}, types.MappingProxyType({"labels": 5})], [[1]], 'a JSON object, e.g. {"labels": 5}'),
    ],
)
def test_type_mismatch_names_what_an_annotated_option_takes(annotation, fitting, wrong, expected) -> None:
    assert all(type_mismatch(annotation, value) is None for value in fitting)
    assert [type_mismatch(annotation, value) for value in wrong] == [expected] * len(wrong)


def test_unchecked_annotations_take_anything() -> None:
    assert type_mismatch(str | Path, 5) is None and type_mismatch(inspect.Parameter.empty, object()) is None
    assert type_mismatch(tuple[float, ...], "any") is None and type_mismatch("float", "a string annotation") is None


@pytest.mark.parametrize(("value", "expected"), [(110, 110.0), ("90.5", 90.5), (0, 0.0), (np.float32(1.5), 1.5)])
def test_numbers_within_range(value, expected) -> None:
    assert number_option("altitude", value, 0.0) == expected


@pytest.mark.parametrize(
    ("value", "low", "high", "message"),
    [
        ("high", 0.0, None, "altitude must be a number >= 0, got 'high'"),
        (None, None, None, "altitude must be a number, got None"),
        (-1, 0.0, None, "altitude must be a number >= 0, got -1"),
        (math.inf, 0.0, None, "altitude must be a number >= 0, got inf"),
        (math.nan, None, None, "altitude must be a number, got nan"),
        (91, -90.0, 90.0, "altitude must be a number >= -90 and <= 90, got 91"),
        ([1, 2], None, 5.0, r"altitude must be a number <= 5, got \[1, 2\]"),
        (True, 0.0, None, "altitude must be a number >= 0, got True"),  # -p altitude=true is not 1 km
    ],
)
def test_other_values_are_named_errors(value, low, high, message) -> None:
    with pytest.raises(InputError, match=f"^{message}$"):
        number_option("altitude", value, low, high)


def test_bool_options_are_true_or_false() -> None:
    assert bool_option("offline", True) is True and bool_option("offline", False) is False
    for value in ("tru", "false", 1, None):
        with pytest.raises(InputError, match=f"^offline must be true or false, got {value!r}$"):
            bool_option("offline", value)


def test_instance_options_take_none_or_an_object_of_the_class() -> None:
    value = Path("x")
    assert instance_option("folder", value, Path) is value and instance_option("folder", None, Path) is None
    for wrong in (1, "x", True):
        with pytest.raises(InputError, match=rf"^folder must be a Path object \(set it from Python, not with -p\), got {wrong!r}$"):
            instance_option("folder", wrong, Path)


def test_path_options_take_strings_and_paths() -> None:
    assert path_option("tle_folder", "tles") == "tles" and path_option("tle_folder", Path("t")) == Path("t")
    assert path_option("tle_folder", None) is None
    with pytest.raises(InputError, match=r"^tle_folder must be a file or folder path, got 5$"):
        path_option("tle_folder", 5)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2011-09-18T11:54:00", datetime(2011, 9, 18, 11, 54)),
        ("2011-09-18 11:54", datetime(2011, 9, 18, 11, 54)),
        ("2011-09-18", datetime(2011, 9, 18)),
        ("2011-09-18T11:54:56.123456", datetime(2011, 9, 18, 11, 54, 56, 123456)),
        ("2011-09-18T11:54:00Z", datetime(2011, 9, 18, 11, 54)),
        ("2011-09-18T11:54:00+00:00", datetime(2011, 9, 18, 11, 54)),
        ("2011-09-18T13:54:00+02:00", datetime(2011, 9, 18, 11, 54)),
    ],
)
def test_utc_times_of_the_commands(text, expected):
    assert UTC_TIME.convert(text, None, None) == expected


def test_a_time_that_is_not_one_says_what_is_expected():
    with pytest.raises(click.BadParameter, match=r"'18/09/2011' is not a time such as 2011-09-18T11:54:00 or 2011-09-18"):
        UTC_TIME.convert("18/09/2011", None, None)


@pytest.mark.parametrize(
    ("written", "end"),
    [
        ("2011-01-06", datetime(2011, 1, 6, 23, 59, 59, 999999)),
        ("20110106", datetime(2011, 1, 6, 23, 59, 59, 999999)),
        ("2011-01-06T17", datetime(2011, 1, 6, 17, 59, 59, 999999)),
        ("2011-01-06 17:00", datetime(2011, 1, 6, 17, 0, 59, 999999)),
        ("2011-01-06T17:00:30", datetime(2011, 1, 6, 17, 0, 30, 999999)),
        ("2011-01-06T17:00:30.5", datetime(2011, 1, 6, 17, 0, 30, 599999)),
        ("2011-01-06T17:00:30.021000", datetime(2011, 1, 6, 17, 0, 30, 21000)),
        ("2011-01-06T18:00:30+01:00", datetime(2011, 1, 6, 17, 0, 30, 999999)),
        ("2011-01-06t17:00", datetime(2011, 1, 6, 17, 0, 59, 999999)),
        ("20110106T1700", datetime(2011, 1, 6, 17, 0, 59, 999999)),
        ("2011-01-06 17:00:30,5", datetime(2011, 1, 6, 17, 0, 30, 599999)),
        ("2011-W01-4T10", datetime(2011, 1, 6, 10, 59, 59, 999999)),
        ("2011W014", datetime(2011, 1, 6, 23, 59, 59, 999999)),
    ],
)
def test_an_end_time_includes_the_whole_unit_written(written, end):
    assert UTC_END.convert(written, None, None) == end
