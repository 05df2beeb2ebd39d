"""Discovery of code outside this repository through entry points, with real installs.

The third-party packages in ``tests/thirdparty`` are installed with pip into a
temporary folder that the ``auromat`` command sees through ``PYTHONPATH``;
removing that folder from the path uninstalls them. The virtualenv is not touched.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from auromat_core.plugins import BUILTIN_PLUGINS
from tests.conftest import REPO_ROOT

THIRDPARTY = REPO_ROOT / "tests" / "thirdparty"
pytestmark = pytest.mark.slow


def _pip_install(package: str, target: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--target", str(target), str(THIRDPARTY / package)],
        check=True, capture_output=True, timeout=300,
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> dict[str, Path]:
    """Folders holding the installed third-party plugins."""
    folders = {}
    for package in ("auromat-testcamera", "auromat-broken"):
        target = tmp_path_factory.mktemp(package)
        _pip_install(package, target)
        folders[package] = target
    return folders


def auromat(*args: str, path: list[Path] = (), **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != "AUROMAT_LOAD_PLUGINS"}
    environment["PYTHONPATH"] = os.pathsep.join(str(p) for p in path)
    environment.update(env)
    return subprocess.run(
        [sys.executable, "-m", "auromat_core", *args],
        capture_output=True, text=True, env=environment, timeout=120,
    )


def provider_names(result: subprocess.CompletedProcess) -> set[str]:
    assert result.returncode == 0, result.stderr
    return {row["name"] for row in json.loads(result.stdout)}


def test_installed_third_party_plugin_is_listed(site):
    result = auromat("list-providers", "--json", path=[site["auromat-testcamera"]])
    rows = {row["name"]: row for row in json.loads(result.stdout)}
    assert rows["testcamera"] == {
        "name": "testcamera",
        "description": "Synthetic grid camera from a third-party package",
        "plugin": "testcamera",
    }


def test_plugins_json_lists_first_party_and_test_plugin(site):
    result = auromat("plugins", "--json", path=[site["auromat-testcamera"]])
    plugins = {p["name"]: p for p in json.loads(result.stdout)["plugins"]}
    assert plugins["testcamera"]["version"] == "1.2.3"
    assert plugins["testcamera"]["hooks"] == ["register_providers"]
    for first_party in ("spacecraft", "themis", "cdf", "netcdf", "maps"):
        assert first_party in plugins, f"first-party plugin {first_party} is not loaded"


def test_uninstalling_removes_its_names_only(site):
    with_plugin = provider_names(auromat("list-providers", "--json", path=[site["auromat-testcamera"]]))
    without_plugin = provider_names(auromat("list-providers", "--json"))
    assert with_plugin - without_plugin == {"testcamera"}
    assert "testcamera" not in without_plugin


def test_broken_plugin_warns_and_is_listed_while_others_work(site):
    path = [site["auromat-broken"], site["auromat-testcamera"]]
    listing = auromat("list-providers", "--json", path=path)
    assert listing.returncode == 0
    assert "testcamera" in provider_names(listing)
    assert "auromat plugin 'broken' failed (import): RuntimeError: auromat-broken fails on purpose" in listing.stderr
    report = json.loads(auromat("plugins", "--json", path=path).stdout)
    assert report["failed"] == [
        {"plugin": "broken", "stage": "import", "error": "RuntimeError: auromat-broken fails on purpose"}
    ]


def test_load_plugins_variable_limits_what_loads(site):
    result = auromat("plugins", "--json", path=[site["auromat-testcamera"]], AUROMAT_LOAD_PLUGINS="testcamera")
    names = {p["name"] for p in json.loads(result.stdout)["plugins"]}
    assert names == {"testcamera", *BUILTIN_PLUGINS}


def test_provider_from_third_party_package_works(site):
    code = (
        "import auromat_core; p = auromat_core.get_provider('testcamera');"
        "m = p.get(p.range[0]); print(m.identifier, m.shape)"
    )
    environment = dict(os.environ, PYTHONPATH=str(site["auromat-testcamera"]))
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=environment, timeout=120)
    assert result.stdout.strip() == "grid.20250101T200000 (4, 5)", result.stderr

