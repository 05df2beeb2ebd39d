"""Plugin manager: registration, duplicates, failure isolation, lookup errors."""

from __future__ import annotations

import functools
import importlib.metadata
import logging
import re
import types
from datetime import datetime
from typing import Optional

import numpy as np
import pytest

import auromat_core
from auromat_core import Provider, hookimpl
from auromat_core.errors import InputError, NoDataError, PluginError, UnknownNameError
from auromat_core.hookspecs import HOOK_KINDS
from auromat_core.plugins import ENTRY_POINT_GROUP, PluginLoadWarning, Plugins, registration_problem
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


class AnnotatedCamera:
    """A provider whose options say their types."""

    def __init__(
        self, path: str, altitude: float = 110.0, gain: float = 1.0, flip: bool = False, notes: str | int = "", scale: float = None,  # noqa: RUF013
    ) -> None:
        self.path, self.altitude, self.gain, self.flip, self.notes, self.scale = path, altitude, gain, flip, notes, scale


def test_provider_options_must_fit_their_annotations(auromat_plugins, tmp_path):
    register_providers(auromat_plugins, "cameras", ("annotated", AnnotatedCamera, "typed options"))
    with pytest.raises(InputError, match=r"^provider 'annotated': option gain must be a number, got 'two'$"):
        auromat_core.get_provider("annotated", "/data", gain="two")
    with pytest.raises(InputError, match=r"^provider 'annotated': option flip must be true or false, got 'maybe'$"):
        auromat_core.open_data(tmp_path, "annotated", flip="maybe")
    with pytest.raises(InputError, match=r"^provider 'annotated': option altitude must be a number, got True$"):
        auromat_core.open_data(tmp_path, "annotated", altitude=True)
    camera = auromat_core.open_data(tmp_path, "annotated", altitude=np.float32(120), gain=2, flip=True, notes=5)
    assert (camera.altitude, camera.gain, camera.flip, camera.notes) == (120, 2, True, 5)
    assert auromat_core.get_provider("annotated", tmp_path, scale=None).scale is None  # None where it is the default


class UnevaluableCamera:
    """A provider whose annotation names what its module cannot evaluate at run time."""

    def __init__(self, path: str, lens: np.NoSuchType = None, gain: float = 1.0) -> None:  # AttributeError when evaluated
        self.path, self.lens, self.gain = path, lens, gain


def test_an_annotation_that_cannot_be_evaluated_leaves_the_option_unchecked(auromat_plugins, tmp_path):
    register_providers(auromat_plugins, "cameras", ("unevaluable", UnevaluableCamera, "an odd annotation"))
    assert auromat_core.get_provider("unevaluable", tmp_path, lens="fisheye").lens == "fisheye"
    with pytest.raises(InputError, match=r"^provider 'unevaluable': option gain must be a number, got 'two'$"):
        auromat_core.get_provider("unevaluable", tmp_path, gain="two")  # the other options are still checked
    with pytest.raises(InputError, match=r"^provider 'unevaluable' has no option 'lense' \(did you mean 'lens'\?\)"):
        auromat_core.get_provider("unevaluable", tmp_path, lense="fisheye")


class OtherCameraPlugin:
    @hookimpl
    def register_providers(self, register):
        register("other", Camera, "another camera")


def test_a_name_registered_twice_is_an_error_naming_both_plugins_and_the_others_keep_working(auromat_plugins):
    auromat_plugins.register(CameraPlugin(), name="first")
    auromat_plugins.register(CameraPlugin(), name="second")
    auromat_plugins.register(OtherCameraPlugin(), name="third")
    twice = r"^provider 'camera' is registered twice: by plugin 'first' and by plugin 'second'; none of them is used$"
    with pytest.warns(PluginLoadWarning) as warned:
        assert [r.name for r in auromat_core.list_providers()] == ["other"]
    assert [str(w.message).partition(":")[0] for w in warned] == [
        "auromat plugin 'first' failed (register_providers)", "auromat plugin 'second' failed (register_providers)",
    ]
    with pytest.raises(PluginError, match=twice):
        auromat_core.get_provider("camera")
    assert isinstance(auromat_core.get_provider("other"), Camera)
    assert [(f.plugin, f.stage) for f in auromat_plugins.check()] == [("first", "register_providers"), ("second", "register_providers")]


class TwiceCameraPlugin:
    @hookimpl
    def register_providers(self, register):
        register("camera", Camera, "a camera")
        register("camera", Camera, "the same again")


def test_a_plugin_registering_a_name_twice_keeps_the_first(auromat_plugins):
    auromat_plugins.register(TwiceCameraPlugin(), name="careless")
    with pytest.warns(PluginLoadWarning, match=r"'careless' failed \(register_providers\): provider 'camera' is registered twice by plugin 'careless'"):
        assert [(r.name, r.description) for r in auromat_core.list_providers()] == [("camera", "a camera")]
    auromat_plugins.register(OtherCameraPlugin(), name="other")  # the hooks run again: the failure is listed once
    assert [r.name for r in auromat_core.list_providers()] == ["camera", "other"]
    assert [(f.plugin, f.stage) for f in auromat_plugins.check()] == [("careless", "register_providers")]


def test_a_name_registered_three_times_names_the_three_plugins(auromat_plugins):
    for name in ("a", "b", "c"):
        auromat_plugins.register(CameraPlugin(), name=name)
    with pytest.warns(PluginLoadWarning):
        auromat_plugins.check()
    with pytest.raises(PluginError, match=r"^provider 'camera' is registered 3 times: by plugin 'a', by plugin 'b' and by plugin 'c'; none of them is used$"):
        auromat_core.get_provider("camera")


class WrongArgumentsPlugin:
    @hookimpl
    def register_providers(self, reg, extra):
        reg("never", Camera)


class MisspeltHookPlugin:
    @hookimpl
    def register_provider(self, register):
        register("never", Camera)


class OptionalHookPlugin:
    @hookimpl(optionalhook=True)
    def register_someday(self, register):
        """A hook of a later auromat: allowed, because it is marked optional."""

    @hookimpl
    def register_providers(self, register):
        register("optional", Camera)


class UnmarkedHookPlugin:
    def register_providers(self, register):
        """A hook without @hookimpl, which pluggy does not see."""
        register("never", Camera)


WRONG_ARGUMENTS, MISSPELT_HOOK, OTHER_CAMERA, NO_HOOKS = WrongArgumentsPlugin(), MisspeltHookPlugin(), OtherCameraPlugin(), Camera()
UNMARKED_HOOK = UnmarkedHookPlugin()


def test_a_hook_with_arguments_the_specification_lacks_is_refused(auromat_plugins):
    with pytest.raises(PluginError, match=r"^Plugin 'wrong' for hook 'register_providers'; hookimpl definition: register_providers\(reg, extra\); "
                                          r"Argument\(s\) .* are declared in the hookimpl but can not be found in the hookspec$"):
        auromat_plugins.register(WrongArgumentsPlugin(), name="wrong")
    assert not auromat_plugins.pm.has_plugin("wrong") and auromat_core.list_providers() == []


def test_a_misspelt_hook_is_refused_with_the_closest_hook(auromat_plugins):
    with pytest.raises(PluginError, match=r"^register_provider is not an auromat hook \(did you mean register_providers\?\)$"):
        auromat_plugins.register(MisspeltHookPlugin(), name="misspelt")
    assert not auromat_plugins.pm.has_plugin("misspelt")


def test_a_hook_marked_optional_may_be_unknown(auromat_plugins):
    auromat_plugins.register(OptionalHookPlugin(), name="later")
    assert [r.name for r in auromat_core.list_providers()] == ["optional"]


def entry_points_of(monkeypatch, *values):
    """Installed entry points of group ``auromat`` replaced by ``(name, "module:attribute")`` pairs of this module."""
    points = importlib.metadata.EntryPoints(importlib.metadata.EntryPoint(name, value, ENTRY_POINT_GROUP) for name, value in values)
    monkeypatch.setattr(importlib.metadata, "entry_points", lambda group: points.select(group=group))


def test_installed_plugins_with_bad_hooks_fail_alone(monkeypatch):
    entry_points_of(monkeypatch, ("wrong", f"{__name__}:WRONG_ARGUMENTS"), ("misspelt", f"{__name__}:MISSPELT_HOOK"),
                    ("good", f"{__name__}:OTHER_CAMERA"), ("hookless", f"{__name__}:NO_HOOKS"), ("unmarked", f"{__name__}:UNMARKED_HOOK"))
    with pytest.warns(PluginLoadWarning) as warned:
        plugins = Plugins()
    assert [(f.plugin, f.stage) for f in plugins.failures] == [
        ("wrong", "register"), ("misspelt", "register"), ("hookless", "register"), ("unmarked", "register"),
    ]
    assert "did you mean register_providers?" in plugins.failures[1].error and len(warned) == 4
    assert plugins.failures[2].error == f"{__name__}:NO_HOOKS implements no auromat hook: the entry point must name the module with the @hookimpl functions"
    assert plugins.failures[3].error == f"{__name__}:UNMARKED_HOOK: register_providers is not marked with @auromat_core.hookimpl"
    assert list(plugins.registrations("provider")) == ["other"]
    assert [info.name for info in plugins.plugin_infos()] == ["auromat_core.convert", "auromat_core.magnetic", "good"]


def test_failing_hook_is_reported_and_others_keep_working(auromat_plugins):
    auromat_plugins.register(FailingHookPlugin(), name="bad-hook")
    auromat_plugins.register(CameraPlugin(), name="good")
    with pytest.warns(PluginLoadWarning, match="bad-hook.*hook exploded"):
        names = [r.name for r in auromat_core.list_providers()]
    assert names == ["camera"]
    assert [(f.plugin, f.stage) for f in auromat_plugins.failures] == [("bad-hook", "register_providers")]


def test_an_unknown_name_lists_the_available_ones_and_where_others_are(auromat_plugins):
    auromat_plugins.register(CameraPlugin(), name="camera-plugin")
    with pytest.raises(UnknownNameError) as info:
        auromat_core.get_provider("themis")
    assert str(info.value) == (
        "unknown provider 'themis'; available: camera "
        "(plugins are separate packages: `auromat plugins` lists the installed ones, the README the others)"
    )
    assert isinstance(info.value, LookupError)
    with pytest.raises(UnknownNameError, match=r"^unknown exporter 'zarr'; available: none \(plugins are separate packages"):
        auromat_core.get_exporter("zarr")
    with pytest.raises(UnknownNameError, match=r"^unknown provider 'camrea' \(did you mean 'camera'\?\); available: camera \("):
        auromat_core.get_provider("camrea")


class _Exporter:
    extension = ".npz"

    def write(self, mapping, path):
        return path


class _Extensionless:
    def write(self, mapping, path):
        return path


class _Solver:
    def solve(self, image_path, **options):
        return None


class _Model:
    def to_magnetic(self, lat, lon, altitude_km, time):
        return lat, lon

    def from_magnetic(self, mlat, mlt, altitude_km, time):
        return mlat, mlt


FITTING = {"provider": Camera, "draw style": Camera, "exporter": _Exporter(), "solver": _Solver(), "magnetic model": _Model()}
"""A registration of the right shape, of each kind."""


@pytest.mark.parametrize(
    ("kind", "name", "obj", "problem"),
    [
        ("provider", "My Cam!", Camera, "provider name 'My Cam!' is not a name such as 'my-camera' (letters, digits, '.', '_', '-')"),
        ("provider", "instance", object(), "provider 'instance' is not callable (a object)"),
        ("exporter", "npz", _Exporter, "exporter 'npz' is the class _Exporter: register an instance of it"),
        ("exporter", "npz", object(), "exporter 'npz' (object) has no method write"),
        ("exporter", "npz", _Extensionless(), "exporter 'npz' (_Extensionless) needs an extension such as '.cdf', got None"),
        ("magnetic model", "aacgm", _Exporter(), "magnetic model 'aacgm' (_Exporter) has no method to_magnetic, from_magnetic"),
        ("solver", "nova", _Exporter(), "solver 'nova' (_Exporter) has no method solve"),
        ("draw style", "outline", "outline", "draw style 'outline' is not callable (a str)"),
    ],
)
def test_a_registration_of_the_wrong_shape_fails_its_plugin_alone(auromat_plugins, kind, name, obj, problem):
    hook = next(hook for hook, registered in HOOK_KINDS.items() if registered == kind)

    class Plugin:
        @hookimpl(specname=hook)
        def register_wrongly(self, register):
            register(name, obj)
            register("good", FITTING[kind])

    auromat_plugins.register(Plugin(), name="shapeless")
    with pytest.warns(PluginLoadWarning, match=re.escape(f"auromat plugin 'shapeless' failed ({hook}): {problem}")):
        registered = auromat_plugins.registrations(kind)
    assert registered["good"].obj is FITTING[kind] and name not in registered
    assert [(f.plugin, f.stage, f.error) for f in auromat_plugins.check()] == [("shapeless", hook, problem)]


def test_builtin_dipole_model_is_registered(auromat_plugins):
    model = auromat_core.get_magnetic_model("dipole")
    assert hasattr(model, "to_magnetic") and hasattr(model, "from_magnetic")
    assert [r.plugin for r in auromat_core.list_magnetic_models()] == ["auromat_core.magnetic"]


def test_unregistering_a_plugin_removes_its_names(auromat_plugins):
    auromat_plugins.register(CameraPlugin(), name="camera-plugin")
    assert [r.name for r in auromat_core.list_providers()] == ["camera"]
    auromat_plugins.unregister("camera-plugin")
    assert auromat_core.list_providers() == []


def test_detect_providers_asks_can_open(auromat_plugins, tmp_path, caplog):
    class Opener:
        @classmethod
        def can_open(cls, path):
            return str(path).endswith("mine")

    register_providers(auromat_plugins, "opener-plugin", ("opener", Opener, "opens folders named *mine"))
    with caplog.at_level(logging.INFO, logger="auromat_core.registry"):
        assert [r.name for r in auromat_core.detect_providers(tmp_path / "mine")] == ["opener"]
    assert caplog.messages == [f"{tmp_path / 'mine'}: detected by provider(s) opener (confidence 1)"], "what -v shows"
    assert auromat_core.detect_providers(tmp_path / "other") == []


def test_a_failing_can_open_skips_that_provider_with_a_warning_naming_it(auromat_plugins, tmp_path, caplog):
    class Broken:
        @classmethod
        def can_open(cls, path):
            raise ValueError("can_open blew up")

    class Working:
        @classmethod
        def can_open(cls, path):
            return True

    register_providers(auromat_plugins, "careless", ("broken", Broken, "raises"))
    register_providers(auromat_plugins, "careful", ("working", Working, "opens all"))
    assert [r.name for r in auromat_core.detect_providers(tmp_path)] == ["working"]
    assert [record.getMessage() for record in caplog.records if record.levelname == "WARNING"] == [
        f"provider 'broken' (plugin 'careless') failed to tell whether it can open {tmp_path}, skipped: ValueError: can_open blew up"
    ]


def test_no_provider_for_a_folder_names_the_providers_registered_twice(auromat_plugins, tmp_path):
    auromat_plugins.register(CameraPlugin(), name="first")
    auromat_plugins.register(CameraPlugin(), name="second")
    with pytest.warns(PluginLoadWarning), pytest.raises(NoDataError, match=r"unusable: provider 'camera' is registered twice: .*; choose one"):
        auromat_core.open_data(tmp_path)


def test_a_provider_without_repr_is_named_by_class_and_folder(tmp_path):
    class Folder(Provider):
        times = identifiers = ()

        def __init__(self, folder):
            self.folder = folder

        def load(self, index):
            raise IndexError(index)

    class Nowhere(Folder):
        def __init__(self):
            pass

    assert repr(Folder(tmp_path)) == f"Folder({str(tmp_path)!r})" and repr(Nowhere()) == "Nowhere()"
    with pytest.raises(NoDataError, match=rf"in Folder\('{tmp_path}'\) \(it has no data\)$"):
        Folder(tmp_path).get(datetime(2011, 1, 6))


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


class _StaticExporter:
    """An exporter that is a class of static methods."""

    extension = ".txt"

    @staticmethod
    def write(mapping, path):
        return path


def test_a_class_of_static_methods_or_a_module_may_be_registered():
    assert registration_problem("exporter", "text", _StaticExporter) is None
    module = types.ModuleType("auromat_text")
    module.extension, module.write = ".txt", _StaticExporter.write
    assert registration_problem("exporter", "text", module) is None
    assert registration_problem("exporter", "npz", _Exporter) == "exporter 'npz' is the class _Exporter: register an instance of it"


def _gained(path, gain: Optional[float] = None):  # noqa: UP045 - the module's own typing name, evaluated here
    return gain


class _GainedCall:
    def __call__(self, path, gain: Optional[float] = None):  # noqa: UP045
        return gain


@pytest.mark.parametrize("factory", [functools.partial(_gained), _GainedCall()], ids=["partial", "callable object"])
def test_annotations_of_partials_and_callable_objects_are_evaluated_in_their_module(factory):
    with pytest.raises(InputError, match=r"^provider 'gained': option gain must be a number, got 'two'$"):
        auromat_core.check_options("provider", "gained", factory, 1, {"gain": "two"})
    auromat_core.check_options("provider", "gained", factory, 1, {"gain": 2.0})
