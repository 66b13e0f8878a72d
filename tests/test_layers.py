"""The layers of heenb import one way: data, statistics, figures, report, rendering,
publishing. A module may import its own layer and the layers below it, never above;
no subpackage imports another that imports it back."""

from __future__ import annotations

import ast
import itertools
from pathlib import Path

import heenb

PACKAGE = Path(heenb.__file__).parent

#: Each top-level module or subpackage of heenb, by layer (lowest first).
LAYERS = [
    {"errors", "paths", "checks", "files"},
    {"data"},
    {"stats", "funnel", "pprime", "spc", "disclosure", "formatting", "plan"},
    {"figures", "charts"},
    {"report"},
    {"render"},
    {"publish", "scaffold"},
    # The package facade: `import heenb` then heenb.stats, heenb.figures ... load on use.
    {"cli", "__init__"},
]
RANK = {name: rank for rank, names in enumerate(LAYERS) for name in names}


def _unit(path: Path) -> str:
    """The top-level unit of heenb a source file belongs to ("data", "stats", ...)."""
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    return parts[0]


def _imports(path: Path) -> set[str]:
    """The top-level units of heenb a source file imports, anywhere in it."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "heenb" and len(parts) > 1 and parts[1] in RANK:
                found.add(parts[1])
    return found


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        unit = _unit(path)
        graph.setdefault(unit, set()).update(_imports(path) - {unit})
    return graph


def test_every_unit_of_heenb_has_a_layer():
    units = {_unit(p) for p in PACKAGE.rglob("*.py")}
    assert units <= set(RANK), f"give these a layer in LAYERS: {sorted(units - set(RANK))}"


def test_no_module_imports_a_layer_above_its_own():
    upward = sorted(
        f"heenb.{unit} imports heenb.{other}"
        for unit, others in _graph().items()
        for other in others
        if RANK[other] > RANK[unit]
    )
    assert not upward


def test_no_two_units_import_each_other():
    graph = _graph()
    both = [
        (a, b) for a, b in itertools.combinations(sorted(graph), 2)
        if b in graph[a] and a in graph[b]
    ]  # fmt: skip
    assert not both
