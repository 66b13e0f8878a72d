"""A measure: one KPI row of ``kpis.csv`` with its meaning as typed properties.

Pages never compare a KPI's ``rule`` or ``kind`` text: they ask its :class:`Measure`
(``measure.kind is Kind.STAFF``, ``measure.meaning(change)``, ``measure.definition()``)
or pick rows with :func:`of_kind`. A new way of counting is a rule in
:mod:`heenb.data.rules` plus, where its words differ, one entry of :data:`WHAT_IS_COUNTED`.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from heenb import formatting
from heenb.data.rules import RULES, selection


class Kind(enum.Enum):
    """What a measure's figures are, from its counting rule's ``kind``."""

    #: A share of people: protected counts, rates, funnels and SPC.
    PROPORTION = "proportion"
    #: Staff in post (FTE) by month, against a commitment.
    STAFF = "count"
    #: A ratio of two shares (representation).
    RATIO = "ratio"
    #: A published rate, the ratio of two summed values (FTE days lost over available).
    RATE = "rate"
    #: Quarterly narrative updates and ratings; nothing is counted.
    NARRATIVE = "narrative"


class Direction(enum.Enum):
    """Which way a measure improves."""

    HIGHER = "higher"
    LOWER = "lower"
    NEITHER = "neither"

    @classmethod
    def of(cls, text: str) -> Direction:
        return {"higher": cls.HIGHER, "lower": cls.LOWER}.get(str(text).strip(), cls.NEITHER)


def _chosen(text: str) -> str:
    """A row selection in words: "outcome 10.1 or 10.2, learner group student-midwife"."""
    return ", ".join(
        f"{column.replace('_', ' ')} {' or '.join(codes)}"
        for column, codes in selection(text).items()
    )


def _row_share(kpi: pd.Series) -> str:
    among = _chosen(kpi["denominator"]) or "all"
    label = formatting.in_sentence(kpi["denominator_label"])
    return f"{_chosen(kpi['numerator'])} among {among} {label}"


def _positive_answer_share(kpi: pd.Series) -> str:
    label = formatting.in_sentence(kpi["denominator_label"])
    return f"positive answers among {label} ({_chosen(kpi['denominator'])})"


def _staff_fte(kpi: pd.Series) -> str:
    return f"full-time equivalent in post, {_chosen(kpi['numerator'])}"


#: What a KPI of each rule counts, in words from its row; a rule not listed is described
#: by its :attr:`heenb.data.rules.Rule.description`.
WHAT_IS_COUNTED: dict[str, Callable[[pd.Series], str]] = {
    "row_share": _row_share,
    "positive_answer_share": _positive_answer_share,
    "staff_fte": _staff_fte,
}


@dataclass(frozen=True)
class Measure:
    """One KPI: its row of ``kpis.csv`` (``row``) and what the row means."""

    row: pd.Series = field(compare=False, repr=False)

    @property
    def id(self) -> str:
        return str(self.row["kpi_id"])

    @property
    def short_name(self) -> str:
        return str(self.row["short_name"])

    @property
    def unit(self) -> str:
        """The unit values are written in: ``%`` for a proportion (the default)."""
        return str(self.row["unit"]) or "%"

    @property
    def kind(self) -> Kind:
        return Kind(RULES[self.row["rule"]].kind)

    @property
    def direction(self) -> Direction:
        return Direction.of(self.row["improvement"])

    @property
    def has_target(self) -> bool:
        return bool(str(self.row["target"]).strip())

    def meaning(self, change: float) -> str:
        """Whether a change is "better" or "worse" for this measure; "" when neither."""
        if change == 0 or self.direction is Direction.NEITHER:
            return ""
        return "better" if (change > 0) == (self.direction is Direction.HIGHER) else "worse"

    def target_value(self, baseline: float | None = None) -> float | None:
        """The target in the unit of the values (a fraction for ``%``); None without one.

        ``target_kind`` says how ``target`` reads: ``level`` and ``parity`` are the
        value itself; ``increase_from_baseline`` is added to ``baseline`` (the value
        at ``baseline_period``; None when that is unknown).
        """
        if not self.has_target:
            return None
        value = float(self.row["target"]) / (100 if self.row["unit"] == "%" else 1)
        if self.row["target_kind"] == "increase_from_baseline":
            return None if baseline is None else baseline + value
        return value

    def definition(self) -> str:
        """What the KPI counts, how often, its target and its source, in one sentence."""
        kpi = self.row
        describe = WHAT_IS_COUNTED.get(kpi["rule"])
        what = describe(kpi) if describe else RULES[kpi["rule"]].description
        text = f"{kpi['short_name']}: {what}; {kpi['periodicity']}"
        if self.has_target:
            text += f"; target {self._target_words()}"
        return f"{text}; source: {kpi['source']}"

    def _target_words(self) -> str:
        kpi = self.row
        if kpi["target_kind"] == "increase_from_baseline":
            amount = formatting.plain(float(kpi["target"]))
            return f"{amount} {kpi['unit']} more than in {kpi['baseline_period']}".replace(
                "  ", " "
            )
        shown = formatting.number(self.target_value(), kpi["unit"])
        return f"{shown} (parity)" if kpi["target_kind"] == "parity" else shown


def of_kind(kpis: pd.DataFrame, kind: Kind) -> pd.DataFrame:
    """The rows of a KPI table (``catalogue.kpis`` or part of it) whose measures are ``kind``."""
    mask = [Measure(row).kind is kind for _, row in kpis.iterrows()]
    return kpis[pd.Series(mask, index=kpis.index, dtype=bool)]
