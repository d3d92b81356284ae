"""The layering of docs/ARCHITECTURE.md, checked on the source: who may import whom, and no cycles.

Imports are read with `ast` (nothing is executed). Module-level imports form the graph checked for
cycles; imports inside functions (lazy, e.g. the service registry) count for the layer rules.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from vssid.settings import PROJECT_ROOT

PACKAGES = ("actions", "connectors", "vssid", "kb", "scripts")
# Modules of the domain: plain Python over SQLAlchemy, usable from any channel, action or script.
DOMAIN = (
    "vssid.db",
    "vssid.services",
    "vssid.text",
    "vssid.settings",
    "vssid.privacy",
    "vssid.channels",
    "vssid.aio",
    "vssid.constants",
)
FRAMEWORKS = ("rasa", "rasa_sdk", "sanic", "telegram")


def _module_name(path: Path) -> str:
    parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _sources() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (PROJECT_ROOT / package).rglob("*.py"):
            if "migrations" not in path.parts:
                found[_module_name(path)] = path
    return found


def _is_type_checking(node: ast.stmt) -> bool:
    return isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)


def _names(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    if isinstance(node, ast.ImportFrom) and node.module and not node.level:
        # `from pkg import mod` imports the module pkg.mod when there is one, else names of pkg.
        return [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
    return []


def _imports(path: Path) -> tuple[set[str], set[str]]:
    """(module-level imports, all imports but type-checking ones) of a file, as module names."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    checked = [node for node in tree.body if not _is_type_checking(node)]
    every = {name for top in checked for node in ast.walk(top) for name in _names(node)}
    top_level = {
        name
        for node in checked
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        for name in _names(node)
    }
    return top_level, every


def _within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


SOURCES = _sources()
IMPORTS = {module: _imports(path) for module, path in SOURCES.items()}


@pytest.mark.parametrize(
    ("layer", "forbidden"),
    [
        (DOMAIN, ("actions", "connectors", "scripts", *FRAMEWORKS)),
        (("vssid",), ("actions", "connectors", "scripts")),
        (("actions",), ("connectors", "scripts")),
        (("connectors",), ("actions", "scripts")),
    ],
)
def test_layers_import_only_downwards(layer: tuple[str, ...], forbidden: tuple[str, ...]) -> None:
    wrong = sorted(
        f"{module} imports {name}"
        for module, (_, every) in IMPORTS.items()
        if _within(module, layer)
        for name in every
        if _within(name, forbidden)
    )
    assert wrong == []


def test_no_import_cycles() -> None:
    graph = {
        module: {name for name in top if name in SOURCES and name != module}
        for module, (top, _) in IMPORTS.items()
    }
    cycles: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for child in sorted(graph[node]):
            if state.get(child) == 1:
                cycles.append([*trail[trail.index(child) :], child])
            elif child not in state:
                visit(child, [*trail, child])
        state[node] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_the_graph_is_not_empty() -> None:
    """Guards the two tests above against reading nothing."""
    assert "vssid.services.registry" in SOURCES
    assert "vssid.services.sql_records" in IMPORTS["vssid.services.registry"][1]
    assert "vssid.services.records" in IMPORTS["vssid.services.sql_records"][0]


def _under(module: str, roots: list[str]) -> bool:
    """The module's file is one of ``roots`` (project-relative files or folders) or lies in one."""
    path = SOURCES[module]
    return any(path == PROJECT_ROOT / root or (PROJECT_ROOT / root) in path.parents for root in roots)


def _reached_from(roots: list[str]) -> set[str]:
    """Project modules under the given paths and every project module they import, transitively."""
    start = {module for module in SOURCES if _under(module, roots)}
    seen, todo = set(), list(start)
    while todo:
        module = todo.pop()
        if module in seen:
            continue
        seen.add(module)
        todo.extend(name for name in IMPORTS[module][1] if name in SOURCES)
    return seen


def test_model_fingerprints_cover_the_code_the_components_import() -> None:
    """A model (and Rasa's cache of its nodes) is reused while its fingerprint holds: a change to
    any code it runs must change it. (vssid/text.py once shaped the tokenizer without being hashed:
    a stale model was kept.) scripts/train.py, bench/eval_nlu.py and the components' cache addon
    all hash MODEL_CODE.
    """
    from bench.eval_nlu import CODE_INPUTS
    from scripts.train import INPUTS
    from vssid.nlu.code_fingerprint import MODEL_CODE

    assert set(MODEL_CODE) <= set(INPUTS) and CODE_INPUTS == MODEL_CODE
    inputs = list(MODEL_CODE)
    reached = _reached_from([p for p in inputs if p.startswith("vssid")])
    assert "vssid.nlu.tokenizer" in reached
    # Settings give the components only PROJECT_ROOT (where data files are), not what they learn.
    shaping = reached - {"vssid.settings"}
    assert sorted(m for m in shaping if not _under(m, inputs)) == []
