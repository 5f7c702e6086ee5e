"""Layers import only downward, and no module imports itself back through others.

Every import of the package is walked, those inside functions included (they run all the same), and
checked against the layer table of docs/design.md:

    L0  vocab · foundation modules of itsutsuboshi/ (formats, iris, licences, spool …)
    L1  converters · shapes · store
    L2  pipeline · validation · diagnosis · linking
    L3  publish · server (the server never imports converters or the pipeline)
    L4  cli
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: top-level folders mapped into the namespace (pyproject.toml's package-dir)
FOLDERS = {"itsutsuboshi": "itsutsuboshi", "vocab": "itsutsuboshi.vocab", "shapes": "itsutsuboshi.shapes",
           "converters": "itsutsuboshi.converters", "server": "itsutsuboshi.server"}
#: package → the packages it may import besides itself ("foundation": the modules of itsutsuboshi/ itself)
ALLOWED: dict[str, set[str]] = {
    "vocab": set(),
    "foundation": {"vocab"},
    "converters": {"foundation", "vocab"},
    "store": {"foundation", "vocab"},
    "shapes": {"foundation", "vocab", "converters"},
    "pipeline": {"foundation", "vocab", "converters"},
    "linking": {"foundation", "vocab", "converters", "pipeline"},
    "validation": {"foundation", "vocab", "converters", "shapes", "pipeline"},
    "diagnosis": {"foundation", "vocab", "converters", "shapes", "pipeline", "validation"},
    "publish": {"foundation", "vocab", "converters", "shapes", "store", "pipeline", "validation", "diagnosis",
                "linking"},
    "server": {"foundation", "vocab", "shapes", "store"},
    "cli": {"foundation", "vocab", "converters", "shapes", "store", "pipeline", "validation", "diagnosis",
            "linking", "publish", "server"},
}


def modules() -> dict[str, Path]:
    """Every module of the namespace, by dotted name."""
    found: dict[str, Path] = {}
    for folder, package in FOLDERS.items():
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = path.relative_to(ROOT / folder).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join((package, *parts))] = path
    return found


def package_of(module: str) -> str:
    """The layer table's name for a module's package."""
    parts = module.split(".")
    if len(parts) > 1 and parts[1] in ALLOWED:
        return parts[1]
    if module == "itsutsuboshi.__main__":
        return "cli"
    return "foundation"


def imports(module: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The modules of the namespace ``module`` imports anywhere in its file."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")[: len(module.split(".")) - node.level + (1 if is_package else 0)]
                origin = ".".join(base + ([node.module] if node.module else []))
            else:
                origin = node.module or ""
            # `from package import module` imports that module; `from module import name` the module itself
            names = [f"{origin}.{a.name}" if f"{origin}.{a.name}" in known else origin for a in node.names]
        else:
            continue
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != module:
                found.add(name)
    return found


GRAPH = {name: imports(name, path, modules()) for name, path in modules().items()}


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_imports_go_down(module):
    here = package_of(module)
    upward = sorted(m for m in GRAPH[module] if package_of(m) != here and package_of(m) not in ALLOWED[here])
    assert not upward, f"{module} ({here}) imports {upward}: layers import only downward (docs/design.md)"


def test_no_import_cycles():
    state: dict[str, int] = {}  # 1: on the path, 2: done
    cycles: list[list[str]] = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(GRAPH[module]):
            if state.get(target) == 1:
                cycles.append(path[path.index(target):] + [target])
            elif target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [module])
    assert not cycles, "import cycles: " + "; ".join(" → ".join(c) for c in cycles)


def test_every_package_has_a_layer():
    packages = {package_of(m) for m in GRAPH}
    assert packages <= set(ALLOWED)
    assert {"converters", "pipeline", "validation", "publish", "server", "cli", "store"} <= packages
