"""Plugin manager: registration, duplicates, failure isolation, lookup errors."""

from __future__ import annotations

import pytest

import auromat_core
from auromat_core import hookimpl
from auromat_core.errors import InputError, PluginError, UnknownNameError
from auromat_core.plugins import PluginLoadWarning
from tests.conftest import register_providers


class Camera:
    """A provider factory stand-in."""


class CameraPlugin:
    @hookimpl
    def register_providers(self, register):
        register("camera", Camera, "a camera")


class FailingHookPlugin:
    @hookimpl
    def register_providers(self, register):
        raise ValueError("hook exploded")


def test_registered_provider_is_found_by_name(auromat_plugins):
    auromat_plugins.register(CameraPlugin(), name="camera-plugin")
    assert isinstance(auromat_core.get_provider("camera"), Camera)
    (registration,) = [r for r in auromat_core.list_providers() if r.name == "camera"]
    assert (registration.description, registration.plugin) == ("a camera", "camera-plugin")


class FolderCamera:
    """A provider of a data folder with two options."""

    def __init__(self, path, altitude=110.0, sites=None):
        self.path, self.altitude, self.sites = path, altitude, sites


class PathlessCamera:
    """A provider without a data folder."""

    def __init__(self, start=None):
        self.start = start


def test_get_provider_names_a_mistyped_option(auromat_plugins):
    register_providers(auromat_plugins, "cameras", ("folder", FolderCamera, "a folder"), ("pathless", PathlessCamera, "none"))
    with pytest.raises(InputError, match=r"^provider 'folder' has no option 'altitud' \(did you mean 'altitude'\?\); its options are: altitude, sites$"):
        auromat_core.get_provider("folder", "/data", altitud=90)
    assert auromat_core.get_provider("folder", "/data", altitude=90).altitude == 90
    assert auromat_core.get_provider("folder", path="/data", sites=["gako"]).sites == ["gako"]
    assert auromat_core.get_provider("pathless", start=5).start == 5
    with pytest.raises(InputError, match=r"^provider 'pathless' has no option 'begin'; its options are: start$"):
        auromat_core.get_provider("pathless", begin=5)


def test_duplicate_names_are_an_error_naming_both_plugins(auromat_plugins):
    auromat_plugins.register(CameraPlugin(), name="first")
    auromat_plugins.register(CameraPlugin(), name="second")
    with pytest.raises(PluginError) as info:
        auromat_core.list_providers()
    assert "'first'" in str(info.value) and "'second'" in str(info.value) and "'camera'" in str(info.value)


def test_failing_hook_is_reported_and_others_keep_working(auromat_plugins):
    auromat_plugins.register(FailingHookPlugin(), name="bad-hook")
    auromat_plugins.register(CameraPlugin(), name="good")
    with pytest.warns(PluginLoadWarning, match="bad-hook.*hook exploded"):
        names = [r.name for r in auromat_core.list_providers()]
    assert names == ["camera"]
    assert [(f.plugin, f.stage) for f in auromat_plugins.failures] == [("bad-hook", "register_providers")]


def test_unknown_first_party_name_says_what_to_install(auromat_plugins):
    auromat_plugins.register(CameraPlugin(), name="camera-plugin")
    with pytest.raises(UnknownNameError) as info:
        auromat_core.get_provider("themis")
    message = str(info.value)
    assert "unknown provider 'themis'" in message
    assert "available: camera" in message
    assert "pip install auromat-themis" in message
    assert isinstance(info.value, LookupError)


def test_unknown_other_name_lists_available(auromat_plugins):
    with pytest.raises(UnknownNameError, match=r"unknown exporter 'zarr'; available: none$"):
        auromat_core.get_exporter("zarr")


def test_builtin_dipole_model_is_registered(auromat_plugins):
    model = auromat_core.get_magnetic_model("dipole")
    assert hasattr(model, "to_magnetic") and hasattr(model, "from_magnetic")
    assert [r.plugin for r in auromat_core.list_magnetic_models()] == ["auromat_core.magnetic"]


def test_unregistering_a_plugin_removes_its_names(auromat_plugins):
    auromat_plugins.register(CameraPlugin(), name="camera-plugin")
    assert [r.name for r in auromat_core.list_providers()] == ["camera"]
    auromat_plugins.unregister("camera-plugin")
    assert auromat_core.list_providers() == []


def test_detect_providers_asks_can_open(auromat_plugins, tmp_path):
    class Opener:
        @classmethod
        def can_open(cls, path):
            return str(path).endswith("mine")

    register_providers(auromat_plugins, "opener-plugin", ("opener", Opener, "opens folders named *mine"))
    assert [r.name for r in auromat_core.detect_providers(tmp_path / "mine")] == ["opener"]
    assert auromat_core.detect_providers(tmp_path / "other") == []


def test_detect_providers_prefers_the_most_confident(auromat_plugins, tmp_path):
    class Generic:
        @classmethod
        def can_open(cls, path):
            return True

    class Specific:
        @classmethod
        def can_open(cls, path):
            return 2 if str(path).endswith("archive") else 0

    register_providers(auromat_plugins, "both", ("generic", Generic, "reads any folder"), ("specific", Specific, "reads archive folders"))
    assert [r.name for r in auromat_core.detect_providers(tmp_path / "archive")] == ["specific"]
    assert [r.name for r in auromat_core.detect_providers(tmp_path / "other")] == ["generic"]


def test_open_data_names_unknown_options_and_the_accepted_ones(auromat_plugins, tmp_path):
    class Station:
        def __init__(self, folder, altitude=110.0, sites=None):
            self.folder, self.altitude, self.sites = folder, altitude, sites

        @classmethod
        def can_open(cls, path):
            return True

    register_providers(auromat_plugins, "station-plugin", ("station", Station, "a ground station"))
    opened = auromat_core.open_data(tmp_path, "station", sites="gako", altitude=90.0)
    assert (opened.folder, opened.sites, opened.altitude) == (tmp_path, "gako", 90.0)
    with pytest.raises(InputError) as raised:
        auromat_core.open_data(tmp_path, "station", site="gako", colour="red")
    assert str(raised.value) == (
        "provider 'station' has no option 'site' (did you mean 'sites'?), 'colour'; its options are: altitude, sites"
    )
