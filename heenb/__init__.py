"""heenb: reporting workbook for NHS workforce education (HEE goals, objectives, KPIs).

Analysts start here::

    import heenb
    catalogue = heenb.load_catalogue()
    mart = heenb.load_mart()          # the derived tables the reports read

Submodules: ``stats`` (rates and intervals), ``spc`` (Making Data Count XmR),
``funnel`` (funnel plots), ``disclosure`` (small-number suppression),
``charts`` (matplotlib charts with text alternatives).
"""

from __future__ import annotations

__version__ = "0.1.0"

from heenb.errors import (  # noqa: E402
    ArgumentError,
    DataValidationError,
    HeenbError,
    ParameterError,
)

__all__ = [
    "__version__",
    "ArgumentError",
    "DataValidationError",
    "HeenbError",
    "ParameterError",
    "load_catalogue",
    "load_mart",
]


_SUBMODULES = {
    "catalogue": "heenb.data.catalogue",
    "charts": "heenb.charts",
    "disclosure": "heenb.disclosure",
    "figures": "heenb.figures",
    "funnel": "heenb.funnel",
    "mart": "heenb.data.mart",
    "report": "heenb.report",
    "spc": "heenb.spc",
    "stats": "heenb.stats",
}


def __getattr__(name):
    # Heavy pieces load on first use, so `import heenb` stays fast.
    if name in _SUBMODULES:
        import importlib

        return importlib.import_module(_SUBMODULES[name])
    if name == "load_catalogue":
        from heenb.data.catalogue import load_catalogue

        return load_catalogue
    if name == "load_mart":
        from heenb.data.mart import load_mart

        return load_mart
    raise AttributeError(f"module 'heenb' has no attribute {name!r}")
