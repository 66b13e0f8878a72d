"""The measure registry checked like raw data: every field of ``kpis.csv`` and
``kpi_change_points.csv``.

A KPI is declared entirely by its row (see ``data/reference/README.md`` and
:mod:`heenb.data.rules`), so a bad row is a data problem: :func:`problems`
lists each one with the file, the row as a spreadsheet shows it (header = row
1), the column and the valid values, and the catalogue raises them together as
one :class:`~heenb.errors.DataValidationError` before any report work starts.
"""

from __future__ import annotations

import re

import pandas as pd

from heenb.checks import IMPROVEMENTS
from heenb.data.contract import PATTERNS, RAW_FILES_BY_NAME
from heenb.data.published import load_sources
from heenb.data.rules import PERIOD_COLUMNS, RULES, breakdown_columns, selection
from heenb.errors import Problem

KPIS = "kpis.csv"
CHANGE_POINTS = "kpi_change_points.csv"
KPI_COLUMNS = (
    "kpi_id", "objective_id", "role", "descriptor", "short_name", "kind", "source_file", "rule",
    "numerator", "denominator", "breakdowns", "periodicity", "improvement", "unit", "target",
    "target_kind", "baseline_period", "compare_with", "denominator_label", "source",
)  # fmt: skip
CHANGE_POINT_COLUMNS = ("kpi_id", "period", "reason")
ROLES = ("headline", "supporting")
KINDS = ("proportion", "count", "ratio", "rate", "narrative")
#: How a target is read: the value itself, an increase on the baseline period, or parity.
TARGET_KINDS = ("level", "increase_from_baseline", "parity")
_ID = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_FIRST_ROW = 2


def _one_of(value: str, valid) -> str:
    return f"'{value}' is not valid; valid values: {', '.join(valid)}"


def problems(kpis: pd.DataFrame, change_points: pd.DataFrame, catalogue) -> list[Problem]:
    """Every problem in the KPI rows and change points; empty when both are valid.

    ``catalogue`` supplies the objectives and the code lists a selection may use.
    """
    found = _missing_columns(KPIS, kpis, KPI_COLUMNS)
    found += _missing_columns(CHANGE_POINTS, change_points, CHANGE_POINT_COLUMNS)
    if found:
        return found
    ids = list(kpis["kpi_id"])
    for position, (_, kpi) in enumerate(kpis.iterrows()):
        row = position + _FIRST_ROW
        found += [
            Problem(KPIS, row, column, text)
            for column, text in _row(kpi, ids, list(kpis["kind"]), catalogue)
        ]
    by_id = kpis.drop_duplicates("kpi_id").set_index("kpi_id")
    for position, (_, point) in enumerate(change_points.iterrows()):
        row = position + _FIRST_ROW
        found += [
            Problem(CHANGE_POINTS, row, column, text)
            for column, text in _change_point(point, by_id)
        ]
    return found


def _missing_columns(name: str, table: pd.DataFrame, columns) -> list[Problem]:
    missing = [c for c in columns if c not in table.columns]
    if not missing:
        return []
    return [Problem(name, 1, None, f"missing column(s) {', '.join(missing)}; the header must "
                    f"name {', '.join(columns)}")]  # fmt: skip


def _row(kpi: pd.Series, ids: list[str], kinds: list[str], catalogue):
    """(column, message) for each problem in one KPI row."""
    kpi_id = kpi["kpi_id"]
    if not _ID.match(kpi_id):
        yield "kpi_id", f"'{kpi_id}' is not an id: use lower-case letters, digits and hyphens"
    elif ids.count(kpi_id) > 1:
        yield "kpi_id", f"'{kpi_id}' is declared more than once; each KPI needs its own id"
    objectives = list(catalogue.objectives["objective_id"])
    if kpi["objective_id"] not in objectives:
        yield "objective_id", _one_of(kpi["objective_id"], objectives) + " (objectives.csv)"
    if kpi["role"] not in ROLES:
        yield "role", _one_of(kpi["role"], ROLES)
    for column in ("descriptor", "short_name", "source"):
        if not kpi[column].strip():
            yield column, "is empty; every KPI needs one"
    if kpi["improvement"] not in IMPROVEMENTS:
        yield "improvement", _one_of(kpi["improvement"], IMPROVEMENTS)
    yield from _rule(kpi, catalogue)
    yield from _target(kpi)
    shares = [i for i, kind in zip(ids, kinds, strict=True) if kind == "proportion" and i != kpi_id]
    if kpi["compare_with"] and kpi["compare_with"] not in shares:
        yield "compare_with", _one_of(kpi["compare_with"], shares) + " (proportions)"


def _rule(kpi: pd.Series, catalogue):
    """Kind, rule, source file, selections, breakdowns, periodicity and unit."""
    if kpi["kind"] not in KINDS:
        yield "kind", _one_of(kpi["kind"], KINDS)
    rule = RULES.get(kpi["rule"])
    if rule is None:
        yield "rule", _one_of(kpi["rule"], RULES)
        return
    if kpi["kind"] in KINDS and kpi["kind"] != rule.kind:
        yield "kind", f"'{kpi['kind']}' does not match rule '{rule.name}' (a {rule.kind})"
    if kpi["unit"] != rule.unit:
        yield "unit", f"'{kpi['unit']}' is not valid for rule '{rule.name}'; valid: '{rule.unit}'"
    if rule.reads == "published":
        yield from _published(kpi, rule)
        return
    raw = RAW_FILES_BY_NAME.get(kpi["source_file"])
    known = rule.sources or [n for n, f in RAW_FILES_BY_NAME.items() if _has(f, "local_office")]
    if raw is None or raw.name not in known:
        yield "source_file", _one_of(kpi["source_file"], known) + f" (for rule '{rule.name}')"
        return
    for column in ("numerator", "denominator"):
        yield from _selection(kpi, column, getattr(rule, column), raw, catalogue)
    for column in breakdown_columns(kpi):
        if not _has(raw, column) or raw.column(column).codes is None:
            codes = [c.name for c in raw.columns if c.codes and c.name != "local_office"]
            yield "breakdowns", _one_of(column, codes) + f" (code columns of {raw.filename})"
    if rule.kind == "proportion" and not kpi["denominator_label"].strip():
        yield "denominator_label", "is empty; a proportion needs a name for what it counts"
    period = PERIOD_COLUMNS.get(kpi["periodicity"])
    if period is None:
        yield "periodicity", _one_of(kpi["periodicity"], PERIOD_COLUMNS)
    elif not _has(raw, period):
        valid = [p for p, c in PERIOD_COLUMNS.items() if _has(raw, c)]
        yield "periodicity", _one_of(kpi["periodicity"], valid) + f" (for {raw.filename})"


def _published(kpi: pd.Series, rule):
    """Source, values and periodicity of a KPI on a declared published source."""
    sources = load_sources()
    source = sources.get(kpi["source_file"])
    if source is None:
        valid = list(sources) or ["none declared in data/published/sources.yml"]
        yield "source_file", _one_of(kpi["source_file"], valid) + f" (for rule '{rule.name}')"
        return
    values = [n for n, v in source.values.items() if not v.rate_of]
    for column in ("numerator", "denominator"):
        if kpi[column].strip() not in values:
            yield column, _one_of(kpi[column], values) + f" (values of {source.name})"
    if kpi["breakdowns"].strip():
        yield "breakdowns", f"must be empty for rule '{rule.name}'"
    period = {"month": "monthly", "quarter": "quarterly", "year": "annual"}[source.periodicity]
    if kpi["periodicity"] != period:
        yield "periodicity", _one_of(kpi["periodicity"], [period]) + f" (for {source.name})"


def _has(raw, column: str) -> bool:
    return any(c.name == column for c in raw.columns)


def _selection(kpi: pd.Series, column: str, need: str, raw, catalogue):
    text = kpi[column]
    if need == "blank" and text.strip():
        yield column, f"must be empty for rule '{kpi['rule']}'"
        return
    if need == "required" and not text.strip():
        yield column, f"is empty; rule '{kpi['rule']}' needs a selection such as column=code;code"
        return
    try:
        chosen = selection(text)
    except ValueError as error:
        yield column, f"{error}; write column=code;code, several joined by &"
        return
    for name, codes in chosen.items():
        if not _has(raw, name) or raw.column(name).codes is None:
            valid = [c.name for c in raw.columns if c.codes]
            yield column, _one_of(name, valid) + f" (code columns of {raw.filename})"
            continue
        allowed = catalogue.allowed(*raw.column(name).codes)
        for code in codes:
            if code not in allowed:
                yield column, f"{name}: " + _one_of(code, allowed)


def _target(kpi: pd.Series):
    target, kind = kpi["target"].strip(), kpi["target_kind"]
    if target:
        try:
            value = float(target)
        except ValueError:
            yield "target", f"'{target}' is not a number; write the target in the KPI's unit"
        else:
            if kpi["unit"] == "%" and not 0 <= value <= 100:
                yield "target", f"{target} is not a percentage; valid values: 0 to 100"
    if bool(target) != bool(kind):
        yield (
            "target_kind",
            (f"'{kind}' needs a target" if kind else "is empty but the row has a target")
            + f"; valid values with a target: {', '.join(TARGET_KINDS)}",
        )
    elif kind and kind not in TARGET_KINDS:
        yield "target_kind", _one_of(kind, TARGET_KINDS)
    baseline = kpi["baseline_period"]
    if kind == "increase_from_baseline" and not baseline:
        yield "baseline_period", "is empty; an increase_from_baseline target needs one"
    elif baseline and not _period_ok(kpi["periodicity"], baseline):
        yield "baseline_period", _period_text(kpi["periodicity"], baseline)


def _period_ok(periodicity: str, period: str) -> bool:
    column = PERIOD_COLUMNS.get(periodicity)
    return column is None or bool(re.match(PATTERNS[column][0], period))


def _period_text(periodicity: str, period: str) -> str:
    return f"'{period}' is not {PATTERNS[PERIOD_COLUMNS[periodicity]][1]} ({periodicity} KPI)"


def _change_point(point: pd.Series, kpis: pd.DataFrame):
    kpi_id = point["kpi_id"]
    charted = [i for i, kind in kpis["kind"].items() if kind in ("proportion", "count", "rate")]
    if kpi_id not in charted:
        yield "kpi_id", _one_of(kpi_id, charted) + " (KPIs charted over time, kpis.csv)"
    elif not _period_ok(kpis.loc[kpi_id, "periodicity"], point["period"]):
        yield "period", _period_text(kpis.loc[kpi_id, "periodicity"], point["period"])
    if not point["reason"].strip():
        yield "reason", "is empty; record why the limits are recalculated (Making Data Count)"
