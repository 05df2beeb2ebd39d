"""The layout keeps the architecture: the core imports no plugin; plugins import only the core's public modules."""

from __future__ import annotations

import ast
import importlib.util
import inspect
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PUBLIC_CORE_MODULES = {
    "auromat_core", "auromat_core.geometry", "auromat_core.providers", "auromat_core.exporters", "auromat_core.encoding",
    "auromat_core.templates", "auromat_core.download", "auromat_core.options", "auromat_core.timeutil", "auromat_core.testing",
    "auromat_core.errors", "auromat_core.cli", "auromat_core.progress",
}
"""The modules docs/plugins.md lists as the public API."""


def _imported_modules(path: Path) -> list[tuple[int, str]]:
    """``(line, module)`` of every absolute import in a Python file; ``from a import b`` counts as ``a.b`` when that is a module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names if _is_module(node.module, alias.name)]
    return found


def _is_module(package: str, name: str) -> bool:
    """Whether ``from package import name`` imports a module (not a function that shares a module's name)."""
    try:
        value = getattr(importlib.import_module(package), name, None)
        return inspect.ismodule(value) if value is not None else importlib.util.find_spec(f"{package}.{name}") is not None
    except (ImportError, ValueError):  # not importable here, or not a package
        return False


def _sources(folder: Path) -> list[Path]:
    return [path for path in sorted(folder.rglob("*.py")) if "tests" not in path.relative_to(folder).parts]


def test_the_core_imports_no_plugin() -> None:
    plugin_packages = {path.parent.name for path in ROOT.glob("plugins/*/*/__init__.py")}
    assert {"auromat_themis", "auromat_cdf", "auromat"} <= plugin_packages
    offending = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in _sources(ROOT / "auromat_core") for line, module in _imported_modules(path)
        if module.split(".")[0] in plugin_packages
    ]
    assert offending == []


def test_plugins_import_only_public_core_modules() -> None:
    offending = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in _sources(ROOT / "plugins") for line, module in _imported_modules(path)
        if module.split(".")[0] == "auromat_core" and module not in PUBLIC_CORE_MODULES
    ]
    assert offending == []


def test_plugins_import_only_the_public_names_of_the_core() -> None:
    """A name imported from a public core module is in its ``__all__`` (a submodule it holds counts as public where listed)."""
    offending = []
    for path in _sources(ROOT / "plugins"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not (isinstance(node, ast.ImportFrom) and node.level == 0 and node.module in PUBLIC_CORE_MODULES):
                continue
            public = set(getattr(importlib.import_module(node.module), "__all__", ()))
            offending += [
                f"{path.relative_to(ROOT)}:{node.lineno} imports {node.module}.{alias.name}"
                for alias in node.names
                if alias.name not in public and f"{node.module}.{alias.name}" not in PUBLIC_CORE_MODULES
            ]
    assert offending == []


def test_every_public_core_module_says_its_public_names() -> None:
    assert [name for name in sorted(PUBLIC_CORE_MODULES) if not hasattr(importlib.import_module(name), "__all__")] == []
