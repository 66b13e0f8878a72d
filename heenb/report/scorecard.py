"""Scorecards a board reads: each KPI's latest value, its change since the previous
period (better, worse or no significant change) and its Making Data Count
variation and assurance, in words beside an icon-like symbol.

The index shows one table per KPI (England and each region, each area linked to
its page); an area page shows one table of its own KPIs. Figures come from
:mod:`heenb.figures.kpis`, so sub-national counts are protected before any rate,
change or SPC result is worked out from them.
"""

from __future__ import annotations

import re

import pandas as pd

from heenb import formatting
from heenb.figures.score import Score
from heenb.report import blocks, providers, takeaway
from heenb.report.blocks import Block

#: The MDC variation icons as a symbol and words (the symbol's text alternative).
VARIATION_SYMBOLS = {
    "common_cause": ("\u25cf", "common cause variation"),
    "improvement_high": ("\u25b2", "special cause: improvement (higher)"),
    "improvement_low": ("\u25bc", "special cause: improvement (lower)"),
    "concern_high": ("\u25b2", "special cause: concern (higher)"),
    "concern_low": ("\u25bc", "special cause: concern (lower)"),
    "neither_high": ("\u25b2", "special cause: neither improvement nor concern (higher)"),
    "neither_low": ("\u25bc", "special cause: neither improvement nor concern (lower)"),
}
#: The MDC assurance icons as a symbol and words.
ASSURANCE_SYMBOLS = {
    "pass": ("\u2713", "will consistently meet the target"),
    "fail": ("\u2717", "will consistently fail the target"),
    "hit_or_miss": ("?", "will hit or miss the target at random"),
}
#: The symbol of a cell MDC cannot assess.
NOT_ASSESSED = "\u2013"
#: Columns of :func:`kpi_cells` that hold a symbol and its words.
SYMBOL_COLUMNS = ("Variation", "Assurance")


def spc_cells(score: Score) -> dict:
    """The MDC variation and assurance of an area's own trend: ``Variation`` and
    ``Assurance``, each a (symbol, words) pair; words say why when not assessed."""
    if score.spc is None:
        reason = (NOT_ASSESSED, f"not assessed: {score.spc_reason}")
        return {"Variation": reason, "Assurance": reason}
    result = score.spc
    if result.variation is None:
        variation = (
            NOT_ASSESSED,
            f"not assessed: {result.limit_points} {score.measure.row['periodicity']} points; "
            f"Making Data Count needs {result.min_points} for process limits",
        )
    else:
        variation = VARIATION_SYMBOLS[result.variation]
    if result.assurance is None:
        assurance = (NOT_ASSESSED, result.assurance_text.removeprefix("Assurance: "))
    else:
        assurance = ASSURANCE_SYMBOLS[result.assurance]
    return {"Variation": variation, "Assurance": assurance}


def change_cell(score: Score) -> str:
    """The change from the previous period to the latest in words: "up 1.2 points on
    2023: better", "... : worse", "... : no significant change"; says why when there is
    no change to give (the latest or previous figure withheld or missing)."""
    if score.change is None:
        return f"not assessed: {score.change_reason}"
    change = score.change
    return (
        f"{formatting.change(change['change'])} on {change['from_period']}: {score.change_verdict}"
    )


def kpi_cells(score: Score) -> dict:
    """One area's scorecard cells for one KPI: ``Period``, ``Latest``, ``Change since
    previous period``, ``Variation``, ``Assurance`` (the last two (symbol, words))."""
    latest = score.latest
    if latest is None:
        missing = (NOT_ASSESSED, f"not assessed: {formatting.NO_DATA}")
        return {
            "Period": score.latest_period or formatting.NO_DATA,
            "Latest": formatting.NO_DATA,
            "Change since previous period": "not assessed: fewer than two periods",
            "Variation": missing,
            "Assurance": missing,
        }
    value = formatting.percent(
        latest["value"], missing=formatting.NO_DATA if latest["no_data"] else formatting.WITHHELD
    )
    return {
        "Period": latest["period"],
        "Latest": value,
        "Change since previous period": change_cell(score),
        **spc_cells(score),
    }


#: "7 annual points; Making Data Count needs 13 for process limits" (:func:`spc_cells`).
_TOO_FEW = re.compile(r"(\d+) (\w+) points; Making Data Count needs (\d+) for process limits")


def without_unassessed(rows: list[dict], what: str) -> tuple[list[dict], str | None]:
    """Scorecard rows (:func:`kpi_cells`) without a symbol column (:data:`SYMBOL_COLUMNS`) in
    which no row could be assessed, and one sentence per such column saying why ("Variation is
    not assessed for any KPI: 5 to 8 annual points, and Making Data Count needs 13 for process
    limits."); None when every column stays. A column that reads only "not assessed" tells a
    board nothing a sentence cannot, and printed three lines a row. ``what`` names a row
    ("KPI", "area")."""
    dropped, sentences = [], []
    for column in SYMBOL_COLUMNS:
        cells = [row[column] for row in rows if column in row]
        if cells and all(symbol == NOT_ASSESSED for symbol, _ in cells):
            dropped.append(column)
            sentences.append(f"{column} is not assessed for any {what}: {reasons(cells, what)}.")
    if not dropped:
        return rows, None
    kept = [{key: value for key, value in row.items() if key not in dropped} for row in rows]
    return kept, " ".join(sentences)


def reasons(cells: list[tuple[str, str]], what: str) -> str:
    """The reasons of "not assessed" cells, each once, too few points as one range ("5 to 8
    annual points, and Making Data Count needs 13 for process limits"); with more than one
    reason, how many rows each covers."""
    by_reason: dict[str, list[int]] = {}
    for _, words in cells:
        reason = re.sub(r"^not assessed[:,] ", "", words)
        found = _TOO_FEW.fullmatch(reason)
        key = f"points {found[2]} {found[3]}" if found else reason
        by_reason.setdefault(key, []).append(int(found[1]) if found else 0)
    phrases = []
    for key, points in by_reason.items():
        if key.startswith("points "):
            _, kind, needed = key.split(" ")
            low, high = min(points), max(points)
            span = f"{low}" if low == high else f"{low} to {high}"
            key = f"{span} {kind} points, and Making Data Count needs {needed} for process limits"
        if len(by_reason) > 1:
            key += f" ({len(points)} {what}{'s' * (len(points) > 1)})"
        phrases.append(key)
    return "; ".join(phrases)


def figure_cells(row: pd.Series | None) -> dict:
    """An area's protected figure at one period as every scorecard row shows it: ``Value``
    (per cent, ``[c]`` or "no data"), ``95% interval``, ``Numerator``, ``Denominator``."""
    if row is None:
        return {"Value": formatting.NO_DATA, "95% interval": "", "Numerator": "",
                "Denominator": ""}  # fmt: skip
    hidden = bool(row["withheld"] or row["no_data"])
    return {
        "Value": providers.rate_text(row),
        "95% interval": "" if hidden else formatting.interval(row["lower"], row["upper"]),
        "Numerator": providers.count_text(row["numerator"], bool(row["withheld"])),
        "Denominator": providers.count_text(row["denominator"], bool(row["withheld"])),
    }


def value_at(trend: pd.DataFrame, period: str) -> str:
    """An area's rate at ``period`` from its :func:`heenb.figures.kpis.trend`, as shown."""
    at = trend[trend["period"] == period]
    return providers.rate_text(at.iloc[0]) if len(at) else formatting.NO_DATA


def symbol_markup(symbol: str, words: str) -> str:
    """A symbol, then its words; screen readers skip the symbol and read the words once."""
    return (
        f'<span class="heenb-mdc" aria-hidden="true">'
        f"{blocks.escape(symbol)}</span> {blocks.escape(words)}"
    )


def table(rows: list[dict], caption: str, note: str | None = None) -> Block:
    """A scorecard table in a scroll region, like :func:`heenb.report.blocks.table`, whose
    cells may carry a link (``href`` key: the first column links there) and MDC symbols.

    ``rows`` are dicts of column -> text, or (symbol, words) for :data:`SYMBOL_COLUMNS`;
    the page's data (spreadsheet, CSV) gets the cells as shown, symbol then words.
    """
    columns = [c for c in rows[0] if c != "href"]
    plain = pd.DataFrame(
        [{c: (" ".join(r[c]) if isinstance(r[c], tuple) else r[c]) for c in columns} for r in rows]
    )
    head = "".join(f'<th scope="col">{blocks.escape(c)}</th>' for c in columns)
    body = []
    for row in rows:
        cells = []
        for i, column in enumerate(columns):
            value = row[column]
            if isinstance(value, tuple):
                text = symbol_markup(*value)
            elif i == 0 and row.get("href"):
                text = f'<a href="{blocks.escape(row["href"])}">{blocks.escape(value)}</a>'
            else:
                text = blocks.escape(value)
            tag = '<th scope="row">' if i == 0 else "<td>"
            cells.append(f"{tag}{text}{tag[:3].replace('<', '</')}>")
        body.append(f"<tr>{''.join(cells)}</tr>")
    foot = f'<p class="heenb-table-note">{blocks.escape(note)}</p>' if note else ""
    link = takeaway.download_link(
        columns, [list(map(str, r)) for r in plain.itertuples(index=False)], caption
    )
    markup = (
        f'<div class="heenb-table" role="region" tabindex="0" '
        f'aria-label="{blocks.escape(caption)}"><table><caption>{blocks.escape(caption)}'
        f"</caption><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"
        f"{foot}</div>{link}"
    )
    return Block(
        markup,
        f"{caption}\n{plain.to_string(index=False)}",
        {caption: blocks.taken(plain, note, False)},
    )


#: What the scorecards' symbols mean, said once above them.
KEY = (
    "Variation and assurance follow NHS England's Making Data Count: \u25cf common cause "
    "variation; \u25b2 or \u25bc special cause variation (improvement or concern, higher or "
    "lower); \u2713 will consistently meet the target; \u2717 will consistently fail it; ? will "
    "hit or miss it; \u2013 not assessed (the reason is given). Change since the previous "
    "period is better or worse only when statistically significant at 5%. Changes are worked "
    "out from unrounded figures, so one may differ by 0.1 from the difference of the rounded "
    "figures shown."
)


def key() -> Block:
    """The symbols and words of the scorecards, explained once."""
    return blocks.paragraph(KEY)


__all__ = [
    "ASSURANCE_SYMBOLS",
    "KEY",
    "VARIATION_SYMBOLS",
    "change_cell",
    "key",
    "kpi_cells",
    "reasons",
    "spc_cells",
    "symbol_markup",
    "table",
    "without_unassessed",
]
