"""The analyst's interface: data frames in, tidy results out, charts you can keep."""

from __future__ import annotations

import ast
from pathlib import Path

import heenb

PACKAGE = Path(heenb.__file__).parent


def test_no_private_name_is_imported_across_modules():
    crossings = []
    for path in sorted(PACKAGE.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("heenb"):
                crossings += [
                    f"{path.relative_to(PACKAGE.parent)}: {node.module}.{alias.name}"
                    for alias in node.names
                    if alias.name.startswith("_") and not alias.name.startswith("__")
                ]
    assert not crossings, "private names imported across modules: " + "; ".join(crossings)
