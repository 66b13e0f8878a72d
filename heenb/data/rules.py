"""Counting rules: how a KPI row of ``kpis.csv`` becomes numerators and denominators.

Code holds the rules, never the KPIs: a KPI names its rule (``rule``), the raw
file it counts (``source_file``), and the rule's parameters, read from its row:

``numerator``, ``denominator``
    Row selections written ``column=code;code``, several joined by ``&``
    (``item=overall & learner_group=student-midwife``); blank selects every row.
``breakdowns``
    Code columns of the source, ``;``-separated, by which the counts are also split.
``periodicity``
    ``annual``, ``quarterly`` or ``monthly``: the source's period column
    (``year``, ``quarter``, ``month``).

See ``data/reference/README.md`` for what each rule counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

#: The period column a periodicity counts by.
PERIOD_COLUMNS = {"annual": "year", "quarterly": "quarter", "monthly": "month"}


@dataclass(frozen=True)
class Rule:
    """A counting rule.

    ``kind`` and ``unit`` are what the rule computes (a KPI of this rule must
    say the same); ``sources`` are the raw files it can count (empty: any with
    a ``local_office`` column); ``numerator`` and ``denominator`` say whether
    the row's selection is ``required``, ``optional`` or must be ``blank``.
    """

    name: str
    kind: str
    unit: str
    sources: tuple[str, ...]
    numerator: str
    denominator: str
    description: str
    #: ``raw`` for the raw data files, ``published`` for declared published sources
    #: (``data/published/sources.yml``), whose ``numerator`` and ``denominator`` name values.
    reads: str = "raw"

    @property
    def counts_rows(self) -> bool:
        """True when the rule's numerator and denominator go to the mart's ``proportions``."""
        return self.kind == "proportion"


RULES = {
    rule.name: rule
    for rule in (
        Rule("row_share", "proportion", "%", (), "required", "optional",
             "rows matching the numerator among rows matching the denominator (all rows when "
             "blank), e.g. ARCP outcomes 10.1 and 10.2 among all outcomes of the year"),
        Rule("positive_answer_share", "proportion", "%", ("nets_responses",), "blank", "required",
             "positive answers (data/reference/nets_scale.csv) among the answers the "
             "denominator selects"),
        Rule("staff_fte", "count", "FTE", ("workforce_fte",), "required", "blank",
             "full-time equivalent in post of the staff group the numerator selects, by month"),
        Rule("representation_ratio", "ratio", "ratio", ("demographics",), "blank", "blank",
             "share of learners from ethnic minority groups (ethnic_groups.csv) over the share "
             "of the population served"),
        Rule("narrative_update", "narrative", "", ("kpi_updates",), "blank", "blank",
             "the quarterly update and its ratings; nothing is counted"),
        Rule("ratio_of_sums", "rate", "%", (), "required", "required",
             "a published source's numerator value summed over an area's rows, divided by its "
             "denominator value summed likewise (FTE days lost over FTE days available); where "
             "the publication gives an area's rate but not its parts, the published rate",
             reads="published"),
    )
}  # fmt: skip


def selection(text: str) -> dict[str, list[str]]:
    """A row selection (``column=code;code & column=code``) as codes by column.

    Raises ``ValueError`` with the part it cannot read; an empty text selects every row.
    """
    chosen: dict[str, list[str]] = {}
    for part in (p.strip() for p in text.split("&")):
        if not part and not text.strip():
            continue
        column, sign, codes = part.partition("=")
        values = [c.strip() for c in codes.split(";") if c.strip()]
        if not sign or not column.strip() or not values:
            raise ValueError(f"'{part}' is not of the form column=code;code")
        chosen[column.strip()] = values
    return chosen


def selected(table: pd.DataFrame, text: str) -> pd.Series:
    """True for the rows of ``table`` a selection picks."""
    mask = pd.Series(True, index=table.index)
    for column, codes in selection(text).items():
        values = table[column]
        if not isinstance(values.dtype, pd.CategoricalDtype):  # a categorical compares as text
            values = values.astype(str)
        mask &= values.isin(codes)
    return mask


def breakdown_columns(kpi) -> list[str]:
    """The breakdown columns of a KPI row."""
    return [c.strip() for c in str(kpi["breakdowns"]).split(";") if c.strip()]


def counted_rows(kpi, table: pd.DataFrame, positive_answers: list[int]):
    """The rows in a proportion KPI's denominator and, of those, the ones in its numerator.

    Parameters
    ----------
    kpi : Series
        A row of ``kpis.csv`` whose rule counts rows (``row_share``,
        ``positive_answer_share``).
    table : DataFrame
        The validated raw file the KPI counts.
    positive_answers : list of int
        The NETS answers that count as positive.

    Returns
    -------
    (DataFrame, Series)
        The denominator rows and a boolean Series (same index), True in the numerator.
    """
    rows = table[selected(table, kpi["denominator"])]
    if kpi["rule"] == "positive_answer_share":
        return rows, rows["answer"].isin(positive_answers)
    return rows, selected(rows, kpi["numerator"])
