"""The layering, read from the imports: the domain knows nothing of Telegram or the handlers.

Layers, lowest first: ``db`` and ``bot`` (the domain), ``telegram_io`` (Telegram plumbing),
``handlers`` (the Telegram features), ``web`` (the staff web desk, which reuses the handlers'
renderers), ``app`` (the shell that puts them together). A module may import its own layer
and the ones below, never above, and no two modules may import each other, however
indirectly (deferred imports included).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("app", "bot", "db", "handlers", "telegram_io", "web")

FORBIDDEN = {
    "bot": {"app", "handlers", "telegram_io", "web", "telegram"},
    "db": {"app", "handlers", "telegram_io", "web", "telegram"},
    "telegram_io": {"app", "handlers", "web"},
    "handlers": {"app", "web"},
    "web": {"app"},
}
"""What each package must not import (top-level names); ``app`` may import everything."""

ALLOWED = {("handlers", "app.commands")}
"""The one exception: the user command list lives in the shell, the menus and /help read it."""


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            found[_module_name(path)] = path
    return found


MODULES = _modules()


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(path: Path) -> set[str]:
    """Every module this file imports (deferred ones too, not those only for type checking)."""
    name = _module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base]) if base else ".".join(anchor)
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                found.add(candidate if candidate in MODULES else base)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return found


IMPORTS = {name: _imports(path) for name, path in MODULES.items()}


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_no_upward_imports(package: str) -> None:
    wrong = sorted(
        f"{module} imports {imported}"
        for module, imported_set in IMPORTS.items()
        if module.split(".")[0] == package
        for imported in imported_set
        if imported.split(".")[0] in FORBIDDEN[package] and (package, imported) not in ALLOWED
    )
    assert not wrong, "\n".join(wrong)


ON_DEMAND = {("db.connection", "db.postgres")}
"""Deferred imports that are not circles in practice: ``Database.open`` loads the PostgreSQL
backend (and asyncpg, an optional dependency) only for a ``postgresql://`` URL."""


def test_no_import_cycles() -> None:
    graph = {
        module: {
            imported
            for imported in imported_set
            if imported in MODULES and (module, imported) not in ON_DEMAND
        }
        for module, imported_set in IMPORTS.items()
    }
    cycles: list[list[str]] = []
    state: dict[str, int] = {}
    stack: list[str] = []

    def walk(module: str) -> None:
        state[module] = 1
        stack.append(module)
        for imported in sorted(graph[module]):
            if state.get(imported) == 1:
                cycles.append([*stack[stack.index(imported) :], imported])
            elif imported not in state:
                walk(imported)
        stack.pop()
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            walk(module)
    assert not cycles, "\n".join(" -> ".join(cycle) for cycle in cycles)


def test_the_layering_test_sees_the_code() -> None:
    assert "bot.inquiries" in MODULES and "handlers.routes" in MODULES
    assert "db" in IMPORTS["bot.inquiries"] or "db.inquiries" in IMPORTS["bot.inquiries"]
