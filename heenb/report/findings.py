"""Main points: up to six findings a reader can act on, generated from the figures.

Each function here turns figures into one sentence: a KPI's latest value with
its change (direction and meaning) and where it stands against its own history
and any target; the areas that stand out on the funnel plot; a commitment met
or missed; programmes off track. Reports pick the findings that matter most and
show them first with :func:`main_points`. Build status is not a finding.
"""

from __future__ import annotations

import re

import pandas as pd

from heenb import formatting
from heenb.figures import kpis
from heenb.figures.measure import Measure
from heenb.figures.score import OUTSIDE, Score
from heenb.report import blocks
from heenb.report.blocks import Block

#: Most bullets a "Main points" section shows (ONS bulletins open with up to six).
MOST_POINTS = 6


def main_points(points: list[str]) -> Block:
    """The "Main points" heading and up to :data:`MOST_POINTS` bullets."""
    points = [p for p in points if p][:MOST_POINTS]
    if not points:
        points = ["No figures are available for this page yet."]
    return blocks.heading("Main points") + blocks.bullet_list(points)


#: A significant change in words that name its question ("since 2023"), by its meaning.
CHANGE_WORDS = {"better": "improved", "worse": "worsened"}


#: Words that make a main point adverse: a worse verdict, a red or amber rating, a missed
#: milestone, special cause of concern.
ADVERSE = re.compile(r"\b(worse|red|amber|missed|concern)\b", re.IGNORECASE)


def adverse_first(points: list[str], keep: int = 0) -> list[str]:
    """The points with what is adverse first (:data:`ADVERSE`), each group in its order;
    the first ``keep`` points stay where they are (an objective's own headline KPI)."""
    points = [p for p in points if p]
    kept, rest = points[:keep], points[keep:]
    return (
        kept + [p for p in rest if ADVERSE.search(p)] + [p for p in rest if not ADVERSE.search(p)]
    )


def change_words(change: dict, kpi: pd.Series) -> str:
    """A change since the previous period, its question named ("since 2023"), with direction,
    meaning and significance: "improved since 2023 (down 4.1 points, a statistically
    significant change)"; "up 0.2 points since 2023, within what chance alone could explain".

    Its verdict is a change's ("improved", "worsened"), never "better" or "worse", which
    answer another question (against other areas) on the same page."""
    unit = kpi["unit"] if kpi["unit"] else "%"
    moved = formatting.change(change["change"], unit)
    since = f"since {change['from_period']}"
    if not change["significant"]:
        return f"{moved} {since}, within what chance alone could explain"
    judged = CHANGE_WORDS.get(Measure(kpi).meaning(change["change"]))
    if judged:
        return f"{judged} {since} ({moved}, a statistically significant change)"
    return f"{moved} {since}, a statistically significant change"


def history_words(trend: pd.DataFrame, unit: str = "%") -> str:
    """Where the latest value stands against the earlier periods of the same series.

    "the highest since records began in 2018", "the lowest since 2019", or
    "still below 2018 to 2020 (85.6% to 85.9%)". Empty with fewer than three
    periods shown.
    """
    rows = trend[kpis.shown(trend)] if "withheld" in trend else trend
    rows = rows.dropna(subset=["value"])
    if len(rows) < 3:
        return ""
    latest = rows.iloc[-1]
    earlier = rows.iloc[:-1]
    value = latest["value"]
    if value > earlier["value"].max():
        return f"the highest of the {len(rows)} periods since {rows['period'].iloc[0]}"
    if value < earlier["value"].min():
        return f"the lowest of the {len(rows)} periods since {rows['period'].iloc[0]}"
    if value in (earlier["value"].max(), earlier["value"].min()):
        side = "highest" if value == earlier["value"].max() else "lowest"
        return f"level with the {side} of the {len(rows)} periods since {rows['period'].iloc[0]}"
    above = earlier[earlier["value"] > value]
    below = earlier[earlier["value"] < value]
    # Name the side with fewer earlier periods: that is what the latest value has not reached.
    side, word = (above, "below") if len(above) <= len(below) else (below, "above")
    span = _span(list(side["period"]), list(earlier["period"]))
    values = side["value"]
    levels = (
        formatting.number(values.iloc[0], unit)
        if len(values) == 1
        else f"{formatting.number(values.min(), unit)} to {formatting.number(values.max(), unit)}"
    )
    return f"still {word} {span} ({levels})"


def _span(chosen: list[str], every: list[str]) -> str:
    """Periods as words: consecutive runs as "2018 to 2020", others listed."""
    runs: list[list[str]] = []
    for period in chosen:
        if runs and every.index(period) == every.index(runs[-1][-1]) + 1:
            runs[-1].append(period)
        else:
            runs.append([period])
    parts = [run[0] if len(run) == 1 else f"{run[0]} to {run[-1]}" for run in runs]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def kpi_point(kpi: pd.Series, trend: pd.DataFrame, where: str = "England") -> str:
    """One KPI's latest value in ``where``, its change and its place in its own history."""
    rows = trend[kpis.shown(trend)]
    if rows.empty:
        return ""
    latest = rows.iloc[-1]
    unit = kpi["unit"] or "%"
    text = (
        f"{kpi['short_name']}: {formatting.number(latest['value'], unit)} in {where} in "
        f"{latest['period']}"
    )
    change = kpis.change(trend)
    if change:
        text += f", {change_words(change, kpi)}"
    history = history_words(trend, unit)
    if history:
        text += f"; {history}"
    target = Measure(kpi).target_value()
    if target is not None and kpi["target_kind"] != "increase_from_baseline":
        met = Measure(kpi).meaning(latest["value"] - target) in ("better", "")
        text += f"; target {formatting.number(target, unit)} {'met' if met else 'missed'}"
    return text + "."


def standing_out(table: pd.DataFrame, kpi: pd.Series, peers: str, reference: str) -> str:
    """Areas beyond the 99.8% funnel limits of a comparison table, better or worse, out of
    those compared; areas not compared (withheld, no data) are counted, never called within.

    ``table`` is from :func:`heenb.figures.kpis.compare`; ``peers`` names the
    areas ("local offices"); ``reference`` is the centre line in words ("England's 2.0%").
    """
    better, worse = split_outliers(table, kpi["improvement"])
    adjusted = funnel_words(table)
    one = peers[:-1] if peers.endswith("s") else peers
    tested = int(table["outlier"].isin(["", *OUTSIDE]).sum())
    untested = len(table) - tested
    if not tested:
        return (
            f"{kpi['short_name']}: no {one} could be compared with {reference} (figures "
            "withheld, missing or too few to compare)."
        )
    rest = f"; {untested} could not be compared (figures withheld or missing)" if untested else ""
    compared = f"of the {tested} {one if tested == 1 else peers} compared"
    if not better and not worse:
        return (
            f"{kpi['short_name']}: none {compared} stands out from {reference}; "
            f"{'it lies' if tested == 1 else 'all lie'} within the 99.8% funnel "
            f"limits{adjusted}{rest}."
        )
    parts = []
    unit = kpi["unit"] or "%"
    centre = reference.split("'s ")[0]  # "England's 2.0%": better than England
    directed = kpi["improvement"] in ("higher", "lower")
    for names, word in ((better, "better"), (worse, "worse")):
        if names:
            figures = ", ".join(f"{area} {formatting.number(value, unit)}" for area, value in names)
            parts.append(f"{word} than {centre}: {figures}" if directed else figures)
    k = len(better) + len(worse)
    return (
        f"{kpi['short_name']}: {k} {compared} {'stands' if k == 1 else 'stand'} out from "
        f"{reference}, beyond the 99.8% funnel limits{adjusted}; " + "; ".join(parts) + rest + "."
    )


def split_outliers(table: pd.DataFrame, improvement: str) -> tuple[list, list]:
    """(better, worse): lists of (area name, value) beyond the 99.8% funnel limits."""
    high = list(table.loc[table["outlier"] == "high", ["area", "value"]].itertuples(False))
    low = list(table.loc[table["outlier"] == "low", ["area", "value"]].itertuples(False))
    if improvement == "lower":
        return low, high
    if improvement == "higher":
        return high, low
    return [], high + low


def funnel_words(table: pd.DataFrame) -> str:
    """ ", limits widened because the areas vary 2.9 times as much as chance alone would
    explain (overdispersion)" when the funnel was widened."""
    phi = table.attrs.get("phi")
    if table.attrs.get("overdispersion") and phi is not None:
        return (
            f", limits widened because the areas vary {phi:.1f} times as much as chance alone "
            "would explain (overdispersion)"
        )
    return ""


def projects_point(name: str, projects: pd.DataFrame) -> str:
    """A programme's projects at their latest update: how many are rated red or amber and
    how many missed their latest milestone; "on track" only when every project is green."""
    if projects.empty:
        return ""
    n = len(projects)
    red = int((projects["rag"] == "red").sum())
    amber = int((projects["rag"] == "amber").sum())
    missed = int((projects["milestone_status"] == "missed").sum())
    green = int((projects["rag"] == "green").sum())
    plural = "s" * (n > 1)
    if green == n and not missed:
        return (
            f"{name}: {'the' if n == 1 else f'all {n}'} project{plural} on track (rated "
            "green, no milestone missed)."
        )
    ratings = [f"{k} rated {rag}" for k, rag in ((red, "red"), (amber, "amber")) if k]
    others = n - red - amber - green
    if others:
        ratings.append(f"{others} not yet rated")
    text = f"{name}: of {n} project{plural}, " + (", ".join(ratings) or "none rated red or amber")
    text += f"; {missed} with the latest milestone missed." if missed else "; no milestone missed."
    return text


def rating_point(name: str, updates: pd.DataFrame) -> str:
    """An objective's latest qualitative rating and how it moved since the previous quarter."""
    if updates.empty:
        return ""
    rows = updates.sort_values("quarter")
    latest = rows.iloc[-1]
    assurance = f", {latest['assurance']} assurance" if latest["assurance"] else ""
    text = f"{name}: latest update ({latest['quarter']}) rated {latest['rag']}{assurance}"
    if len(rows) > 1:
        before = rows.iloc[-2]
        moved = "unchanged" if before["rag"] == latest["rag"] else f"was {before['rag']}"
        text += f" ({moved} in {before['quarter']})"
    return text + "."


# ---------------------------------------------------------------- points from scores
def standing_point(score: Score, where: str, peers: str) -> str | None:
    """A KPI on which an area lies beyond its peers' 99.8% funnel limits, with its value
    and England's; None when it does not (or was not compared). The sentence names its
    question ("than other local offices that year"), so it reads beside a change since the
    previous period without seeming to contradict it."""
    verdict = score.standing_verdict
    if score.standing not in OUTSIDE:
        return None
    mine = score.peers[score.peers["area_code"] == score.area_code].iloc[0]
    unit = score.measure.unit
    england = score.peers.attrs.get("centre")
    side = "higher" if score.standing == "high" else "lower"
    how = (f"{verdict} than other {peers} that year: {side}" if verdict in ("better", "worse")
           else f"{side} than other {peers} that year")  # fmt: skip
    return (
        f"{score.measure.short_name}: {formatting.number(mine['value'], unit)} in {where} in "
        f"{score.latest_period}, {how}, beyond the 99.8% funnel limits (England "
        f"{formatting.number(england, unit) if england is not None else formatting.NO_DATA})."
    )


def change_point(score: Score, where: str) -> str | None:
    """A KPI whose latest change in the area is statistically significant, in words with its
    history (:func:`kpi_point`); None otherwise."""
    if score.change is None or not score.change["significant"]:
        return None
    return kpi_point(score.measure.row, score.trend, where) or None


def standing_summary(scores: list[Score], where: str, peers: str) -> str | None:
    """When no KPI stands out: how many KPIs were compared and found within limits, and how
    many could not be compared (never called within limits); None when some KPI stands out
    or there are none."""
    if not scores or any(s.standing in OUTSIDE for s in scores):
        return None
    total = len(scores)
    tested = sum(s.standing == "" for s in scores)
    untested = total - tested
    against = f"for {where} with other {peers}"
    if not tested:
        if total == 1:
            return f"The KPI could not be compared {against}: its figure is withheld or missing."
        return (
            f"None of the {total} KPIs could be compared {against}: figures are withheld, "
            "missing or too few to compare."
        )
    none = ("and it does not stand out: it lies" if tested == 1
            else "and none stands out: all lie")  # fmt: skip
    if not untested:
        if total == 1:
            return f"The KPI was compared {against}, {none} within the 99.8% funnel limits."
        return f"All {total} KPIs were compared {against}, {none} within the 99.8% funnel limits."
    return (
        f"{tested} of the {total} KPIs could be compared {against}, {none} within the 99.8% "
        f"funnel limits; the other {untested} could not be compared (withheld, missing or too "
        "few areas)."
    )


def area_points(scores: list[Score], where: str, peers: str, summary: bool = True) -> list[str]:
    """The main points every area page (region, local office, HEE region, STP) draws from its
    scores: KPIs beyond its peers' funnel limits (worse first), then significant changes in
    its own figures, then (with ``summary``), when nothing stands out, how many KPIs were
    compared (:func:`standing_summary`)."""
    standing = [(s.standing_verdict != "worse", standing_point(s, where, peers)) for s in scores]
    points = [text for _, text in sorted(standing, key=lambda pair: pair[0]) if text]
    points += [text for s in scores if (text := change_point(s, where))]
    said = standing_summary(scores, where, peers) if summary else None
    return points + ([said] if said else [])


def staff_words(kpi: pd.Series, figures: dict) -> str:
    """Staff in post (:func:`heenb.figures.commitments.commitment_figures`) in words, the one
    wording every page uses: "22,391 FTE in 2024-09, 1,350 more than in 2021-03 against a
    commitment of 1,200 more (21,049 FTE): the commitment is met"; the commitment only where
    there is one (England)."""
    latest = figures["latest"]
    text = f"{formatting.fte(latest['fte'])} FTE in {latest['month']}"
    if figures["start"] is None:
        return text
    gained = latest["fte"] - figures["start"]
    text += (
        f", {formatting.fte(abs(gained))} {'more' if gained >= 0 else 'fewer'} than in "
        f"{figures['baseline_month']}"
    )
    if figures["target"] is not None:
        met = "met" if figures["met"] else "not yet met"
        text += (
            f" against a commitment of {formatting.plain(float(kpi['target']))} more "
            f"({formatting.fte(figures['target'])} FTE): the commitment is {met}"
        )
    return text
