"""The ``auromat`` command: exit statuses, listing, plugin sub-commands."""

from __future__ import annotations

import importlib.metadata
import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import auromat_core
from auromat_core import hookimpl
from auromat_core.cli import build_cli, main
from auromat_core.errors import InputError
from auromat_core.plugins import PluginLoadWarning, set_plugins

UNSET = object()


def open_camera(path, altitude=110.0, sites=None, *, percentiles=(1.0, 99.5), key=UNSET):
    """A provider factory with options of several kinds."""


class CommandsPlugin:
    @hookimpl
    def register_providers(self, register):
        register("camera", object, "a camera for the CLI test")
        register("optioned", open_camera, "a camera with options")

    @hookimpl
    def register_commands(self, cli):
        @cli.command()
        @click.argument("path")
        def inspect(path):
            """Fail like a command does on bad input."""
            raise InputError(f"{path}: not an image (expected JPEG)")

        @cli.command()
        @click.argument("folder")
        def store(folder):
            """Fail like a command whose output folder cannot be made."""
            import os

            os.makedirs(os.path.join(folder, "out"))

        @cli.command()
        def crash():
            """Fail like a command with a bug."""
            raise RuntimeError("load exploded")

        @cli.commands["download"].command("camera")
        def download_camera():
            """Pretend to download."""
            click.echo("downloaded")


@pytest.fixture
def run(auromat_plugins):
    auromat_plugins.register(CommandsPlugin(), name="commands-plugin")
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(build_cli(), list(args))

    return invoke


def test_version(run):
    result = run("--version")
    assert result.exit_code == 0
    assert auromat_core.__version__ in result.output


def test_list_providers_json(run):
    result = run("list-providers", "--json")
    assert result.exit_code == 0
    assert json.loads(result.output) == [
        {"name": "camera", "description": "a camera for the CLI test", "plugin": "commands-plugin"},
        {"name": "optioned", "description": "a camera with options", "plugin": "commands-plugin"},
    ]
    options = {row["name"]: row["options"] for row in json.loads(run("list-providers", "--json", "--options").output)}
    assert options["camera"] is None, "object() takes any keyword: nothing to list"
    assert options["optioned"] == {"altitude": "110.0", "sites": "null", "percentiles": "[1.0, 99.5]", "key": repr(UNSET)}


def test_list_providers_table(run):
    result = run("list-providers")
    assert result.output.strip().splitlines() == [
        "camera    a camera for the CLI test  [commands-plugin]",
        "optioned  a camera with options  [commands-plugin]",
    ]
    listed = run("list-providers", "--options").output.strip().splitlines()
    assert listed[1] == "          options: any"
    assert listed[3] == "          options: altitude=110.0, sites=null, percentiles=[1.0, 99.5], key=" + repr(UNSET)


def test_plugins_json_lists_builtins_and_hooks(run):
    result = run("plugins", "--json")
    report = json.loads(result.output)
    by_name = {p["name"]: p for p in report["plugins"]}
    assert by_name["commands-plugin"]["hooks"] == ["register_commands", "register_providers"]
    assert by_name["auromat_core.magnetic"]["hooks"] == ["register_magnetic_models"]
    assert report["failed"] == []


def test_user_error_is_one_line_with_exit_1(run):
    result = run("inspect", "frame.nef")
    assert result.exit_code == 1
    assert result.output == "Error: frame.nef: not an image (expected JPEG)\n"


def test_an_operating_system_error_is_one_line_with_exit_1(run, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = run("store", str(blocker))
    assert result.exit_code == 1
    assert result.output == f"Error: {blocker / 'out'}: Not a directory\n"
    assert isinstance(run("--debug", "store", str(blocker)).exception, NotADirectoryError)


def test_an_unexpected_exception_is_one_line_naming_where_it_was_raised(run):
    result = run("crash")
    assert result.exit_code == 1
    line = Path(__file__).read_text().splitlines().index('            raise RuntimeError("load exploded")') + 1
    assert result.output == (
        f"Error: unexpected RuntimeError: load exploded (raised in plugin 'commands-plugin', tests/core/test_cli.py:{line}; "
        "run auromat --debug ... for the traceback)\n"
    )
    assert isinstance(run("--debug", "crash").exception, RuntimeError)


class ExporterHookFails:
    @hookimpl
    def register_exporters(self, register):
        raise KeyError("npz")


def test_plugins_lists_failures_inside_hooks(run, auromat_plugins):
    auromat_plugins.register(ExporterHookFails(), name="typo")
    with pytest.warns(PluginLoadWarning, match="typo"):
        result = run("plugins", "--json")
    assert json.loads(result.output)["failed"] == [{"plugin": "typo", "stage": "register_exporters", "error": "KeyError: 'npz'"}]


def test_the_console_command_shows_a_plugin_failure_as_one_warning_line(monkeypatch, capsys):
    broken = importlib.metadata.EntryPoint("broken", "auromat_no_such_module.plugin", "auromat")
    monkeypatch.setattr(importlib.metadata, "entry_points", lambda group: importlib.metadata.EntryPoints([broken]).select(group=group))
    previous = set_plugins(None)
    try:
        with pytest.raises(SystemExit) as exited:
            main(["list-providers"])
    finally:
        set_plugins(previous)
    assert exited.value.code == 0
    assert capsys.readouterr().err == (
        "Warning: auromat plugin 'broken' failed (import): ModuleNotFoundError: No module named 'auromat_no_such_module'\n"
    )


def test_debug_shows_the_exception(run):
    result = run("--debug", "inspect", "frame.nef")
    assert result.exit_code == 1
    assert isinstance(result.exception, InputError)


def test_usage_error_exits_2(run):
    assert run("no-such-command").exit_code == 2
    assert run("list-providers", "--no-such-option").exit_code == 2


@pytest.mark.parametrize("command, described", [("convert", "--without-geo"), ("info", "--json")])
def test_a_command_that_needs_options_shows_its_help_without_any(run, command, described):
    result = run(command)
    assert result.exit_code == 2
    assert f"Usage: auromat {command} [OPTIONS]" in result.output and described in result.output
    assert "Missing option" not in result.output


@pytest.mark.parametrize("command", [["info"], ["convert", "--format", "cdf"]])
def test_end_before_start_is_a_usage_error(run, tmp_path, command):
    result = run(*command, "--data", str(tmp_path), "--start", "2011-01-06T18:00", "--end", "2011-01-06 17:00")
    assert result.exit_code == 2
    assert "Invalid value for --end: --end 2011-01-06T17:00:59.999999 is before --start 2011-01-06T18:00:00" in result.output


def test_plugin_adds_download_subcommand(run):
    result = run("download", "camera")
    assert (result.exit_code, result.output) == (0, "downloaded\n")


def test_a_reader_that_goes_away_ends_the_command_quietly():
    """``auromat plugins | head -0``: writing to a closed pipe is no error worth a message."""
    command = [sys.executable, "-m", "auromat_core", "plugins"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    process.stdout.close()
    stderr = process.stderr.read()
    assert process.wait(timeout=120) == 1
    assert stderr == ""


def test_log_records_are_written_above_progress_bars(capsys):
    import logging

    from tqdm import tqdm

    from auromat_core.cli import _AboveProgressBars

    logger = logging.getLogger("auromat_core.test_above_bars")
    handler = _AboveProgressBars()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    try:
        with tqdm(total=3, file=sys.stderr, desc="frames") as bar:
            bar.update(1)
            logger.warning("frame 1 has no pixels")
    finally:
        logger.removeHandler(handler)
    lines = capsys.readouterr().err.split("\n")
    assert "WARNING auromat_core.test_above_bars: frame 1 has no pixels" in [line.split("\r")[-1] for line in lines]


def test_an_error_inside_a_library_is_placed_in_the_top_level_module_plugin_calling_it(auromat_plugins, tmp_path, monkeypatch):
    """A plugin that is one module beside other libraries (site-packages) owns its file, not its folder."""
    (tmp_path / "beside_lib.py").write_text("import numpy as np\n\n\ndef reshape():\n    return np.zeros(3).reshape(2, 2)\n")
    (tmp_path / "lonely_plugin.py").write_text(
        "import beside_lib\nfrom auromat_core import hookimpl\n\n\n"
        "@hookimpl\ndef register_commands(cli):\n    @cli.command()\n    def reshape():\n"
        "        beside_lib.reshape()\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    import lonely_plugin

    auromat_plugins.register(lonely_plugin, name="lonely")
    result = CliRunner().invoke(build_cli(), ["reshape"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: unexpected ValueError: cannot reshape array")
    assert result.output.endswith("(raised in plugin 'lonely', lonely_plugin.py:9; run auromat --debug ... for the traceback)\n")


def test_a_command_that_needs_an_argument_shows_its_help_without_one(run):
    shown = run("inspect")
    assert shown.exit_code == 2 and shown.output.startswith("Usage: auromat inspect [OPTIONS] PATH")
    assert "Fail like a command does on bad input." in shown.output
    assert run("download", "camera").output == "downloaded\n", "a command without required parameters runs"
    grouped = run("download")
    assert grouped.exit_code == 2 and "camera" in grouped.output


def test_the_altitude_given_twice_is_one_error(run, tmp_path):
    result = run("info", "--data", str(tmp_path), "--provider", "optioned", "--altitude", "120", "-p", "altitude=150")
    assert result.exit_code == 1
    assert result.output == "Error: the altitude is given twice (--altitude 120 and -p altitude=150); give it once\n"


class _TextExporter:
    extension = ".txt"

    def write(self, mapping, path, *, header: bool = True):
        return path


class ExporterPlugin:
    @hookimpl
    def register_exporters(self, register):
        register("text", _TextExporter(), "identifiers as text")


def test_list_exporters_names_their_extension_and_options(run, auromat_plugins):
    auromat_plugins.register(ExporterPlugin(), name="text-plugin")
    assert run("list-exporters").output == "text  .txt  identifiers as text  [text-plugin]\n"
    assert run("list-exporters", "--options").output.splitlines()[1] == "      options: header=true"
    assert json.loads(run("list-exporters", "--json").output) == [
        {"name": "text", "extension": ".txt", "description": "identifiers as text", "plugin": "text-plugin"},
    ]


def _footprints(sequence, *, color: str = "red"):
    return None


_footprints.takes = "sequence"


def _outline(mapping, **options):
    return None


class StylePlugin:
    @hookimpl
    def register_draw_styles(self, register):
        register("footprints", _footprints, "camera footprints")
        register("outline", _outline, "the outline")


def test_list_styles_names_what_each_draws_and_its_options(run, auromat_plugins):
    auromat_plugins.register(StylePlugin(), name="style-plugin")
    assert run("list-styles").output == (
        "footprints  sequence  camera footprints  [style-plugin]\n"
        "outline     mapping   the outline  [style-plugin]\n"
    )
    assert run("list-styles", "--options").output.splitlines()[1::2] == ['            options: color="red"', "            options: any"]
    assert json.loads(run("list-styles", "--json").output)[0] == {
        "name": "footprints", "takes": "sequence", "description": "camera footprints", "plugin": "style-plugin",
    }
