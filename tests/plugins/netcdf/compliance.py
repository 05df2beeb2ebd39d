"""An independent CF check of written netCDF files: the IOOS compliance checker, offline, strict."""

from __future__ import annotations

import warnings
from pathlib import Path

from compliance_checker.suite import CheckSuite

CF_CHECK = "cf:1.10"


def cf_problems(path: Path) -> list[str]:
    """Every message of a CF-1.10 check that did not pass, at any weight ("strict"), as ``"<check>: <message>"``.

    Raises
    ------
    AssertionError
        When a check itself failed to run on the file.
    """
    suite = CheckSuite()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # of the package's ioos_sos suite, loaded with the others
        suite.load_all_available_checkers()
    dataset = suite.load_dataset(str(path))
    try:
        groups, errors = suite.run_all(dataset, [CF_CHECK])[CF_CHECK]
    finally:
        dataset.close()
    assert not errors, f"checks that could not run on {path.name}: {errors}"
    return [f"{result.name}: {message}" for result in _failed(groups) for message in result.msgs]


def _failed(results):
    for result in results:
        if result.children:
            yield from _failed(result.children)
        elif result.value[0] != result.value[1]:
            yield result
