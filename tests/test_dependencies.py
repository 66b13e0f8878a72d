"""Every third-party package heenb imports is declared in pyproject.toml."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions

from heenb.paths import PROJECT_ROOT


def _imported_modules() -> set[str]:
    modules = set()
    for path in (PROJECT_ROOT / "heenb").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                modules |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules.add(node.module.split(".")[0])
    return modules - set(sys.stdlib_module_names) - {"heenb", "__future__"}


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_every_imported_third_party_package_is_a_declared_dependency():
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    declared = {_normal(re.split(r"[=<>~!\[ ]", d, maxsplit=1)[0]) for d in project["dependencies"]}
    distributions = packages_distributions()
    undeclared = {
        module: distributions.get(module, [module])
        for module in _imported_modules()
        if not any(_normal(d) in declared for d in distributions.get(module, [module]))
    }
    assert undeclared == {}
