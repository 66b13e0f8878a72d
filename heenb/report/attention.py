"""What needs attention: the exceptions first, then a compact matrix of verdicts.

Right after a page's main points, a board reads which KPIs are worse than their peers,
worsened since the previous period, or showing special cause concern, each with a
one-line reason and a link to its evidence; then a Making Data Count style matrix (KPIs
by question on an area page, areas by KPI on the index) whose cells say good, bad or no
signal in words and a symbol, coloured too, so colour is never alone. Every verdict is
read from the :class:`~heenb.figures.score.Score` the scorecard and main points read, in
words that name its question ("worse than other STPs", "improved since 2023"), so two
answers to two questions never read as a contradiction.

Each exception is an :class:`Item`: its sentence and link, and what it is about in words
that stay the same from one release to the next (the area, the KPI, objective or programme,
and the concern). The list carries these as ``data-`` attributes of its items, so the page
of changes (:mod:`heenb.report.changes`) reads the exceptions from the page as readers saw
them, as it reads figures from the pages' tables.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from heenb import formatting
from heenb.figures.score import OUTSIDE, Score
from heenb.report import blocks, scorecard, takeaway
from heenb.report.blocks import Block, escape

#: A cell's tone: its symbol and CSS class; its words are the verdict itself.
TONES = {
    "bad": ("\u26a0", "heenb-bad"),
    "good": ("\u2713", "heenb-good"),
    "none": ("\u2013", "heenb-none"),
}
KEY = (
    "\u26a0 needs attention (worse than the other areas, worsened since the previous period, or "
    "special cause concern); \u2713 better than the other areas, improved, or special cause "
    "improvement; \u2013 no signal, or not assessed (the reason is given)."
)


@dataclass(frozen=True)
class Verdict:
    """One answer of a Score to one question: words that name the question ("worse than
    other STPs", "improved since 2023"), a tone, and the one-line reason an exception gives
    (no verdict of its own)."""

    words: str
    tone: str  # "bad", "good" or "none"
    reason: str = ""
    concern: str = ""  # the words without figures or periods, when they hold any

    def item(self, name: str) -> str:
        """The exception as a sentence: "ARCP outcomes 2 and 3: worsened since 2023 (up 1.2
        points); a statistically significant change."."""
        return f"{name}: {self.words}; {self.reason}." if self.reason else f"{name}: {self.words}."


def standing(score: Score, peers: str) -> Verdict:
    """The area against its peers' 99.8% funnel limits."""
    verdict = score.standing_verdict
    if score.standing in OUTSIDE and verdict in ("better", "worse"):
        mine = score.peers[score.peers["area_code"] == score.area_code].iloc[0]
        unit, england = score.measure.unit, score.peers.attrs.get("centre")
        reason = (
            f"{formatting.number(mine['value'], unit)} in {score.latest_period} against "
            f"England's {formatting.number(england, unit)}, beyond the 99.8% funnel limits"
            if england is not None
            else "beyond the 99.8% funnel limits"
        )
        return Verdict(f"{verdict} than other {peers}", "good" if verdict == "better" else "bad",
                       reason)  # fmt: skip
    if verdict == "within limits":
        return Verdict("within limits", "none")
    if verdict == "outside limits":
        return Verdict("outside limits (no better direction)", "none")
    return Verdict(f"not compared: {verdict}", "none")


#: A significant change's verdict in words that say it is a change, not a standing.
CHANGED = {"better": "improved", "worse": "worsened", "significant": "changed"}


def change(score: Score) -> Verdict:
    """The change since the previous period, significant at 5% or not: "improved since 2023
    (down 4.1 points)", "no significant change"."""
    if score.change is None:
        return Verdict(f"not assessed: {score.change_reason}", "none")
    verdict = score.change_verdict
    if verdict == "no significant change":
        return Verdict(verdict, "none")
    moved = formatting.change(score.change["change"], score.measure.unit)
    words = f"{CHANGED[verdict]} since {score.change['from_period']} ({moved})"
    tone = {"better": "good", "worse": "bad"}.get(verdict, "none")
    concern = f"{CHANGED[verdict]} since the previous period"
    return Verdict(words, tone, "a statistically significant change", concern)


def variation(score: Score) -> Verdict:
    """The Making Data Count variation of the area's own series."""
    if score.spc is None:
        return Verdict(f"not assessed: {score.spc_reason}", "none")
    icon = score.spc.variation
    if icon is None:
        return Verdict(scorecard.spc_cells(score)["Variation"][1], "none")
    reason = "found by Making Data Count's special cause rules in the area's own series"
    if icon.startswith("concern"):
        return Verdict("special cause concern", "bad", reason)
    if icon.startswith("improvement"):
        return Verdict("special cause improvement", "good", reason)
    return Verdict("no special cause" if icon == "common_cause" else "special cause", "none")


def cell(verdict: Verdict) -> str:
    """A matrix cell's markup: the symbol (hidden from screen readers) and the words."""
    symbol, css = TONES[verdict.tone]
    return (
        f'<td class="{css}"><span class="heenb-mdc" aria-hidden="true">{escape(symbol)}</span> '
        f"{escape(verdict.words)}</td>"
    )


def matrix(rows: list[tuple[str, str | None, list[Verdict]]], columns: list[str],
           caption: str, corner: str) -> Block:  # fmt: skip
    """A table of verdicts: each row a name (linked where it has a page) under ``corner``
    and one verdict per column; the page's data gets each cell as its symbol and words."""
    head = "".join(f'<th scope="col">{escape(c)}</th>' for c in [corner, *columns])
    body = []
    for name, href, verdicts in rows:
        label = f'<a href="{escape(href)}">{escape(name)}</a>' if href else escape(name)
        body.append(f'<tr><th scope="row">{label}</th>{"".join(map(cell, verdicts))}</tr>')
    markup = (
        f'<div class="heenb-table heenb-attention" role="region" tabindex="0" '
        f'aria-label="{escape(caption)}"><table><caption>{escape(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )
    plain = pd.DataFrame(
        [
            [name, *(f"{TONES[v.tone][0]} {v.words}" for v in verdicts)]
            for name, _, verdicts in rows
        ],
        columns=[corner, *columns],
    )
    link = takeaway.download_link(
        list(plain.columns), [list(r) for r in plain.itertuples(index=False)], caption
    )
    return Block(
        markup + link,
        f"{caption}\n{plain.to_string(index=False)}",
        {caption: blocks.taken(plain, None, False)},
    )


@dataclass(frozen=True)
class Item:
    """One exception of a "What needs attention" list: its sentence, the link to its
    evidence, and what it is about: the ``area``, the ``subject`` (a KPI, objective or
    programme) and the ``concern`` ("worse than other regions", "worsened since the previous
    period", "special cause concern", "rated red"), in words free of figures and periods."""

    text: str
    href: str | None
    area: str
    subject: str
    concern: str


def item(verdict: Verdict, area: str, subject: str, name: str, href: str | None) -> Item:
    """``verdict`` (a bad one) about ``subject`` in ``area`` as an exception named ``name``."""
    return Item(verdict.item(name), href, area, subject, verdict.concern or verdict.words)


#: The class of each exception's list item, which the page of changes looks for.
ITEM_CLASS = "heenb-exception"


def exceptions(items: list[Item]) -> Block:
    """The exceptions as a list, each a sentence and a link to its evidence (with what it is
    about as ``data-`` attributes); or one sentence that there are none."""
    if not items:
        return blocks.paragraph("No KPI needs attention: none is worse than the other areas or "
                                "worsened since the previous period, and none shows special "
                                "cause concern.")  # fmt: skip
    markup = []
    for found in items:
        link = f' <a href="{escape(found.href)}">See the evidence.</a>' if found.href else ""
        markup.append(
            f'<li class="{ITEM_CLASS}" data-area="{escape(found.area)}" '
            f'data-subject="{escape(found.subject)}" data-concern="{escape(found.concern)}">'
            f"{escape(found.text)}{link}</li>"
        )
    text = "\n".join(f"{f.text} See the evidence." if f.href else f.text for f in items)
    return Block(f"<ul>{''.join(markup)}</ul>", text)


def area_attention(scores: list[Score], where: str, peers: str,
                   evidence: dict[str, str]) -> Block:  # fmt: skip
    """An area page's "What needs attention": its exceptions, then its KPIs by question
    (improvements are in the matrix). ``evidence`` gives the anchor of each question's evidence
    (``standing``, ``change``, ``variation``) on the page."""
    questions = [
        (f"Against other {peers}", "standing", lambda s: standing(s, peers)),
        ("Since the previous period", "change", change),
        ("Variation (Making Data Count)", "variation", variation),
    ]
    rows, bad = [], []
    for score in scores:
        verdicts = [judge(score) for _, _, judge in questions]
        name = score.measure.short_name
        rows.append((name, None, verdicts))
        for (_, key, _), verdict in zip(questions, verdicts, strict=True):
            if verdict.tone == "bad":
                bad.append(item(verdict, where, name, name, evidence.get(key)))
    columns = [q for q, _, _ in questions]
    rows, columns, unassessed = without_unassessed(rows, columns)
    return blocks.join([
        blocks.heading("What needs attention"),
        exceptions(bad),
        blocks.paragraph(" ".join([KEY, *unassessed]), "heenb-table-note"),
        matrix(rows, columns, f"Each KPI for {where}: the verdicts", "KPI") if columns else Block(),
    ])  # fmt: skip


def without_unassessed(rows, columns):
    """The matrix without columns in which nothing could be assessed, and a sentence for
    each saying why (every reason once, with how many KPIs it covers: the scorecards' words),
    so no column reads "not assessed" alone."""
    keep = [i for i in range(len(columns))
            if any(not r[2][i].words.startswith("not ") for r in rows)]  # fmt: skip
    notes = [f"{columns[i]} is not assessed for any KPI: "
             f"{scorecard.reasons([('', r[2][i].words) for r in rows], 'KPI')}."
             for i in range(len(columns)) if i not in keep and rows]  # fmt: skip
    rows = [(name, href, [verdicts[i] for i in keep]) for name, href, verdicts in rows]
    return rows, [columns[i] for i in keep], notes


def worse_areas(rows: list[tuple[str, str | None, list[Score]]], peers: str,
                evidence: str | None) -> list[Item]:  # fmt: skip
    """The exceptions among ``rows`` (each an area's name, its page and its Scores): areas
    worse than their ``peers`` on a KPI, each linked to its page (else ``evidence``)."""
    bad = []
    for name, href, scores in rows:
        for score in scores:
            verdict = standing(score, peers)
            if verdict.tone == "bad":
                kpi = score.measure.short_name
                bad.append(item(verdict, name, kpi, f"{name}, {kpi}", href or evidence))
    return bad


def areas_by_kpi(
    rows: list[tuple[str, str | None, list[Score]]],
    kpis: list[str],
    peers: str,
    items: list[Item],
) -> Block:
    """The index's "What needs attention": its exceptions ``items`` (areas worse than their
    peers on a KPI, :func:`worse_areas`, and any others, e.g. England's own), then a matrix
    of areas by KPI whose cells give each area's standing against the funnel limits."""
    table = []
    for name, href, scores in rows:
        verdicts = []
        for score in scores:
            verdict = standing(score, peers)
            short = verdict.words.split(" than ")[0].removeprefix("not compared: ")
            verdicts.append(Verdict(short, verdict.tone))
        table.append((name, href, verdicts))
    return blocks.join([
        blocks.heading("What needs attention"),
        exceptions(items),
        blocks.paragraph(KEY + f" Each cell compares the area with the other {peers} on the "
                         "KPI's funnel plot at its latest period.", "heenb-table-note"),
        matrix(table, kpis, f"Each {peers[:-1]} by KPI: against the other {peers}",
               peers[:-1].capitalize()),
    ])  # fmt: skip
