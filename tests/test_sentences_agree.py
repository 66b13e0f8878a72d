"""Every generated sentence about a KPI agrees with the KPI's Score, on every page type.

A page's main points and its "What needs attention" are read back as a board member
reads them: each verdict a sentence gives must name the question it answers (against
other areas, or since an earlier period), and must be the verdict the
:class:`~heenb.figures.score.Score` decided for that question. "None stands out" counts
only what was compared; "on track" only projects with no amber or red rating and no
missed milestone. A verdict word no question claims (a bare "better") fails.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

import pandas as pd
import pytest
from test_figures import kpi_row, peers, trend
from test_report_main_points import PAGE_TYPES, _every_page_type

from heenb.data.catalogue import ENGLAND, load_catalogue
from heenb.figures.measure import Measure
from heenb.figures.score import OUTSIDE, Score, score, scores
from heenb.report import attention, findings
from heenb.report.narrative import latest_project_status

#: Verdict words; each must sit inside a phrase that names its question.
VERDICT_WORDS = re.compile(r"\b(better|worse|improved|worsened|improvement|concern)\b")
NUMBER = r"[\d,]+(?:\.\d+)?"
MOVE = rf"(?:(?:up|down) {NUMBER} (?:points|FTE)|no change)"

#: Against other areas at the latest period: "worse than other local offices that year:
#: higher, beyond ..." or, for a KPI with no better direction, "higher than other ...".
STANDING = re.compile(
    r"(?:(?P<verdict>better|worse) than other (?P<peers>[\w ]+?) that year: (?P<side>higher|lower)"
    r"|(?P<plain>higher|lower) than other (?P<peers2>[\w ]+?) that year), beyond the 99\.8% "
    r"funnel limits"
)
#: Since an earlier period, statistically significant or not.
CHANGE = re.compile(
    rf"(?P<verdict>improved|worsened) since (?P<since>\S+) \({MOVE}, a statistically "
    r"significant change\)"
    rf"|{MOVE} since (?P<since2>\S+), (?P<how>a statistically significant change|within what "
    r"chance alone could explain)"
)
#: The matrix and the exceptions: one verdict per question, its words naming the question.
CELL_STANDING = re.compile(
    r"(?P<verdict>better|worse) than other (?P<peers>[\w ]+)|within limits"
    r"|outside limits \(no better direction\)|not compared: .+"
)
CELL_CHANGE = re.compile(
    rf"(?P<verdict>improved|worsened|changed) since (?P<since>\S+) \({MOVE}\)"
    r"|no significant change|not assessed: .+"
)
CELL_VARIATION = re.compile(
    r"special cause (?P<verdict>concern|improvement)|no special cause|special cause"
    r"|not assessed: .+"
)
#: "None stands out" in its three forms: all compared, some compared, none compared.
SUMMARY = re.compile(
    r"All (?P<all>\d+) KPIs were compared for .+? with other .+?, and none stands out"
    r"|The KPI was compared for .+? with other .+?, and it does not stand out"
    r"|(?P<some>\d+) of the (?P<total>\d+) KPIs could be compared for .+? with other .+?, and "
    r"(?:none stands|it does not stand) out: .+?; the other (?P<rest>\d+) could not be compared"
    r"|None of the (?P<none>\d+) KPIs could be compared|The KPI could not be compared"
)
#: An objective page's local offices against England's rate.
STANDING_OUT = re.compile(r"\b(better|worse) than England: ")
ON_TRACK = re.compile(r"(?P<name>[^:]+): (?:the|all (?P<n>\d+)) projects? on track")
CHANGE_WORDS = {"improved": "better", "worsened": "worse", "changed": "significant"}


@dataclass
class Reading:
    """What one page's generated sentences say, question by question, and what is wrong."""

    page: str
    problems: list[str] = field(default_factory=list)
    read: int = 0  # verdicts read and checked

    def expect(self, ok: bool, what: str, text: str) -> None:
        self.read += 1
        if not ok:
            self.problems.append(f"{self.page}: {what}: {text!r}")


def without_names(text: str, names) -> str:
    """``text`` without KPI names (some hold verdict words: "good or better")."""
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, "KPI")
    return text


def about(text: str, judged: dict[str, Score]) -> Score | None:
    """The Score a sentence is about: the KPI its text starts with."""
    for name in sorted(judged, key=len, reverse=True):
        if text.startswith(name) or text.startswith(f"England, {name}"):
            return judged[name]
    return None


def check_sentence(reading: Reading, text: str, judged: Score | None, names) -> None:
    """Each verdict of a main point or exception against ``judged``; no verdict word left
    that does not name its question."""
    rest = without_names(text, names)
    for match in STANDING.finditer(rest):
        verdict, side = match["verdict"], match["side"] or match["plain"]
        reading.expect(judged is not None and judged.standing in OUTSIDE, "standing", text)
        if judged is not None and judged.standing in OUTSIDE:
            reading.expect(side == {"high": "higher", "low": "lower"}[judged.standing],
                           "side of the limits", text)  # fmt: skip
            expected = judged.standing_verdict
            reading.expect((verdict or "outside limits") == expected, "standing verdict", text)
    for match in CHANGE.finditer(rest):
        reading.expect(judged is not None and judged.change is not None, "a change", text)
        if judged is None or judged.change is None:
            continue
        if match["verdict"]:
            said = CHANGE_WORDS[match["verdict"]]
        else:
            significant = match["how"] == "a statistically significant change"
            said = "significant" if significant else "no significant change"
        reading.expect(said == judged.change_verdict, "change verdict", text)
        since = match["since"] or match["since2"]
        reading.expect(since == judged.change["from_period"], "period compared", text)
    left = VERDICT_WORDS.findall(STANDING_OUT.sub("", CHANGE.sub("", STANDING.sub("", rest))))
    reading.expect(not left, f"verdict words naming no question {left}", text)


def check_exception(reading: Reading, text: str, judged: Score | None, names) -> None:
    """An exception ("KPI: worse than other STPs; 3.5% in 2024 against ..."): its verdict read
    as the matrix cell of its question, the reason after it with no verdict word of its own."""
    rest = without_names(text, names).split(": ", 1)[-1]
    words, _, reason = rest.partition("; ")
    reading.expect(judged is not None, "the KPI it is about", text)
    if judged is not None:
        frame = pd.DataFrame({"KPI": ["KPI"], **{
            column: [f"x {words}"] for column, pattern in
            (("Against", CELL_STANDING), ("Since", CELL_CHANGE), ("Variation", CELL_VARIATION))
            if pattern.fullmatch(words)}})  # fmt: skip
        reading.expect(frame.shape[1] == 2, "one question named", text)
        check_matrix(reading, frame, {"KPI": judged})
    reading.expect(not VERDICT_WORDS.findall(reason), "a reason with a verdict of its own", text)


def check_summary(reading: Reading, text: str, judged: list[Score]) -> None:
    """A "none stands out" sentence counts only the KPIs compared."""
    match = SUMMARY.search(text)
    if match is None:
        return
    tested = sum(s.standing == "" for s in judged)
    reading.expect(not any(s.standing in OUTSIDE for s in judged), "none stands out", text)
    if match["all"] or match.group(0).startswith("The KPI was"):
        reading.expect(int(match["all"] or 1) == tested == len(judged), "all compared", text)
    elif match["some"]:
        reading.expect(
            (int(match["some"]), int(match["total"]), int(match["rest"]))
            == (tested, len(judged), len(judged) - tested),
            "how many were compared",
            text,
        )
    else:
        reading.expect(tested == 0 and int(match["none"] or 1) == len(judged), "none compared",
                       text)  # fmt: skip


def check_projects(reading: Reading, text: str, projects: pd.DataFrame | None) -> None:
    """ "on track" only for projects all rated green with no milestone missed."""
    if ON_TRACK.search(text) is None:
        return
    reading.expect(projects is not None and len(projects) > 0, "projects it is about", text)
    if projects is not None:
        n = ON_TRACK.search(text)["n"]
        reading.expect(n is None or int(n) == len(projects), "how many projects", text)
        reading.expect(
            (projects["rag"] == "green").all() and (projects["milestone_status"] != "missed").all(),
            "on track with an amber or red rating or a missed milestone",
            text,
        )


def check_matrix(reading: Reading, frame: pd.DataFrame, judged: dict[str, Score]) -> None:
    """Each cell of an area page's matrix (KPIs by question) against the KPI's Score."""
    readers = {"Against": CELL_STANDING, "Since": CELL_CHANGE, "Variation": CELL_VARIATION}
    for _, row in frame.iterrows():
        kpi = judged[row["KPI"]]
        for column in frame.columns[1:]:
            words = row[column].split(" ", 1)[1]  # the symbol, then the words
            pattern = next(p for start, p in readers.items() if column.startswith(start))
            match = pattern.fullmatch(words)
            reading.expect(match is not None, f"{column} says its question", words)
            if match is None:
                continue
            if pattern is CELL_STANDING:
                expected = kpi.standing_verdict
                said = match["verdict"] or (
                    "within limits" if words == "within limits" else
                    "outside limits" if words.startswith("outside") else kpi.standing_verdict
                )  # fmt: skip
                reading.expect(said == expected, f"{row['KPI']}: {column}", words)
                reading.expect(words.startswith("not compared") == (kpi.standing not in
                               ("", *OUTSIDE)), f"{row['KPI']}: not compared", words)  # fmt: skip
            elif pattern is CELL_CHANGE:
                said = (CHANGE_WORDS[match["verdict"]] if match["verdict"] else
                        "" if words.startswith("not assessed") else words)  # fmt: skip
                reading.expect(said == kpi.change_verdict, f"{row['KPI']}: {column}", words)
            else:
                icon = kpi.spc.variation if kpi.spc is not None else None
                expected = (
                    "not assessed" if icon is None else "no special cause"
                    if icon == "common_cause" else icon.split("_")[0]
                )  # fmt: skip
                said = match["verdict"] or (
                    "not assessed" if words.startswith("not assessed") else
                    "no special cause" if words == "no special cause" else "neither"
                )  # fmt: skip
                reading.expect(said == expected, f"{row['KPI']}: {column}", words)


def bullets(markup: str) -> list[str]:
    items = re.findall(r"<li[^>]*>(.*?)</li>", markup, re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", item)).strip() for item in items]


def read_area_page(page: str, report) -> Reading:
    """An area, STP or HEE region page: its main points and what needs attention."""
    reading = Reading(page)
    judged = {s.measure.short_name: s for s in report.scores.values()}
    offices = getattr(report, "offices", [])
    projects = latest_project_status(report.mart)
    projects = projects[projects["local_office"].isin(offices)] if offices else None
    for text in report.findings():
        check_sentence(reading, text, about(text, judged), judged)
        check_summary(reading, text, list(judged.values()))
        check_projects(reading, text, projects)
    block = report.attention()
    for text in bullets(block.markup):
        check_exception(reading, text, about(text, judged), judged)
    for frame in block.data.values():
        check_matrix(reading, frame, judged)
    return reading


def read_objective_page(page: str, report) -> Reading:
    """An objective page: England's KPIs and the local offices that stand out."""
    reading = Reading(page)
    catalogue, mart = report.catalogue, report.mart
    kpis = [report.kpi, *(k for _, k in report.supporting.iterrows())] if report.quantitative \
        else [k for _, k in report.supporting.iterrows()]  # fmt: skip
    england = {k["short_name"]: score(catalogue, mart, k) for k in kpis
               if Measure(k).kind.name == "PROPORTION"}  # fmt: skip
    offices = list(catalogue.local_offices["local_office_code"])
    projects = latest_project_status(mart)
    names = [*england, *catalogue.programmes["name"]]  # data: "service improvement"
    for text in report.findings():
        judged = about(text, england)
        check_sentence(reading, text, judged, names)
        if judged is not None and "stand" in text:  # the local offices against England
            check_standing_out(reading, text, scores(catalogue, mart, judged.measure.row,
                                                     offices, "local_office"))  # fmt: skip
        name = text.split(":")[0]
        mine = catalogue.programmes[catalogue.programmes["name"] == name]
        if len(mine):
            check_projects(
                reading, text, projects[projects["programme"] == mine["programme_id"].iloc[0]]
            )
    return reading


def check_standing_out(reading: Reading, text: str, judged: list[Score]) -> None:
    """An objective's sentence on the local offices: those it names as better or worse are
    those the Scores put beyond the limits, and it counts only those compared."""
    names = {s.catalogue.area_name(s.area_code): s for s in judged}
    tested = [s for s in judged if s.standing in ("", *OUTSIDE)]
    for verdict in ("better", "worse"):
        part = re.search(rf"{verdict} than England: ([^;]+)", text)
        said = (
            set()
            if part is None
            else {name for name in names if re.search(rf"\b{re.escape(name)} \d", part.group(1))}
        )
        expected = {n for n, s in names.items() if s.standing_verdict == verdict}
        reading.expect(said == expected, f"local offices {verdict} than England", text)
    compared = re.search(r"of the (\d+) local offices? compared", text)
    reading.expect(compared is not None and int(compared.group(1)) == len(tested),
                   "how many local offices were compared", text)  # fmt: skip


def read_index_page(page: str, report) -> Reading:
    """The front page: England's KPIs, regions beyond the limits, the matrix of regions."""
    reading = Reading(page)
    catalogue, mart = report.catalogue, report.mart
    measures = [k for _, k in report._measures().iterrows()]
    england = {k["short_name"]: score(catalogue, mart, k) for k in measures}
    codes = list(catalogue.regions["region_code"])
    regions = {k["short_name"]: dict(zip(codes, scores(catalogue, mart, k, codes, "region"),
                                         strict=True)) for k in measures}  # fmt: skip
    names = {catalogue.area_name(c): c for c in codes}
    for text in report.findings():
        if text.startswith(("Regions beyond", "No region")):
            found = re.findall(r"(?:: |; )([^;:]+?) (better|worse) on ([^;.]+?)(?=;|\.(?: |$))",
                               text)  # fmt: skip
            said = {(area, kpi): verdict for area, verdict, kpi in found}
            expected = {(catalogue.area_name(c), kpi): s.standing_verdict
                        for kpi, by in regions.items() for c, s in by.items()
                        if s.standing in OUTSIDE}  # fmt: skip
            reading.expect(said == expected, "regions beyond the limits", text)
            untested = sum(s.standing not in ("", *OUTSIDE)
                           for by in regions.values() for s in by.values())  # fmt: skip
            reading.expect(not untested or "could not be compared" in text,
                           "regions not compared are said to be", text)  # fmt: skip
            continue
        check_sentence(reading, text, about(text, england),
                       [*england, *catalogue.programmes["name"]])  # fmt: skip
        check_projects(reading, text, latest_project_status(mart))
    block = report.attention()
    for text in bullets(block.markup):
        if text.startswith("England, "):
            check_exception(reading, text.removeprefix("England, "), about(text, england),
                            england)  # fmt: skip
    for frame in block.data.values():
        for _, row in frame.iterrows():
            code = names[row.iloc[0]]
            for kpi in frame.columns[1:]:
                words = row[kpi].split(" ", 1)[1]
                judged = regions[kpi][code]
                reading.expect(words.startswith(judged.standing_verdict),
                               f"{row.iloc[0]}, {kpi}", words)  # fmt: skip
    return reading


def read_ics_page(page: str, report) -> Reading:
    """An ICS page: its published measures have no Score; each main point is read back
    against the figures instead (the latest rate, and each organisation's p' verdict)."""
    from heenb.figures import rates
    from heenb.report.rates import month

    reading = Reading(page)
    for _, kpi in report.measures.iterrows():
        rows = rates.series(kpi, "ics", report.code)
        last = rows.iloc[-1]
        period = rates.latest_with_parts(kpi, "organisation")
        units = rates.units(kpi, "organisation", period, ("ics_code", report.code))
        for text in report.findings():
            if text.startswith(f"{kpi['short_name']}, {report.name}:"):
                reading.expect(f"{last['value'] * 100:.2f}% in {month(last['period'])}" in text,
                               "the latest published rate", text)  # fmt: skip
                continue
            name = text.split(":", 1)[0]
            row = units[units["area_name"] == name]
            reading.expect(len(row) == 1, "an organisation of this ICS", text)
            if len(row) == 1:
                side = "above" if row["outlier"].iloc[0] == "high" else "below"
                worse = (side == "above") == (kpi["improvement"] == "lower")
                reading.expect(f"{side} the 99.8% limit ({'worse' if worse else 'better'})"
                               in text, "its p' verdict", text)  # fmt: skip
    return reading


def read_page(group: str, value: str, tmp_path=None) -> Reading:
    report = PAGE_TYPES[group](value)
    page = f"{group}/{value}"
    if group == "objective":
        return read_objective_page(page, report)
    if group == "ics":
        return read_ics_page(page, report)
    if group == "programme":
        reading = Reading(page)
        for text in report.findings():
            check_projects(reading, text, report.projects)
        return reading
    return read_area_page(page, report)


# ------------------------------------------------------------------ the finding reproduced
def thames_valley() -> Score:
    """ARCP outcomes 10.1 and 10.2 in Thames Valley: higher (worse) than the other local
    offices, yet down significantly since the year before (better)."""
    measure = Measure(kpi_row(short_name="ARCP outcomes 10.1 and 10.2", improvement="lower"))
    return Score(measure, "TV", trend([0.065, 0.035]), peers("TV", "high", 0.035),
                 load_catalogue(), "2021")  # fmt: skip


def test_worse_than_peers_and_improved_since_last_year_each_name_their_question():
    judged = thames_valley()
    assert judged.standing_verdict == "worse" and judged.change_verdict == "better"
    points = findings.area_points([judged], "Thames Valley", "local offices")
    assert points[0] == (
        "ARCP outcomes 10.1 and 10.2: 3.5% in Thames Valley in 2021, worse than other local "
        "offices that year: higher, beyond the 99.8% funnel limits (England 80.0%)."
    )
    assert points[1].startswith(
        "ARCP outcomes 10.1 and 10.2: 3.5% in Thames Valley in 2021, improved since 2020 "
        "(down 3.0 points, a statistically significant change)"
    )
    reading = Reading("Thames Valley")
    names = [judged.measure.short_name]
    for text in points:
        check_sentence(reading, text, judged, names)
    assert reading.read >= 4 and not reading.problems, reading.problems


def test_the_matrix_and_exceptions_name_the_question_of_each_verdict():
    judged = thames_valley()
    block = attention.area_attention([judged], "Thames Valley", "local offices",
                                     {"standing": "#scorecard"})  # fmt: skip
    reading = Reading("Thames Valley")
    for text in bullets(block.markup):
        check_exception(reading, text, judged, [judged.measure.short_name])
    for frame in block.data.values():
        check_matrix(reading, frame, {judged.measure.short_name: judged})
    assert reading.read >= 3 and not reading.problems, reading.problems
    assert bullets(block.markup)[0].startswith(
        "ARCP outcomes 10.1 and 10.2: worse than other local offices; 3.5% in 2021"
    )


def test_a_sentence_that_contradicts_its_score_is_caught():
    """The reader itself: a verdict the Score did not give, or a bare "better", fails."""
    judged = thames_valley()
    names = [judged.measure.short_name]
    for wrong in (
        "ARCP outcomes 10.1 and 10.2: 3.5% in X in 2021, better than other local offices "
        "that year: lower, beyond the 99.8% funnel limits (England 2.0%).",
        "ARCP outcomes 10.1 and 10.2: 3.5% in X in 2021, worsened since 2020 (up 3.0 points, "
        "a statistically significant change).",
        "ARCP outcomes 10.1 and 10.2: 3.5% in X in 2021, down 3.0 points on 2020: better, a "
        "statistically significant change.",
    ):
        reading = Reading("X")
        check_sentence(reading, wrong, judged, names)
        assert reading.problems, wrong


def test_none_stands_out_counts_only_the_kpis_compared():
    within = Score(Measure(kpi_row()), "X", trend([0.8, 0.8]), peers("X", ""), None)
    untested = Score(Measure(kpi_row()), "X", trend([0.8, 0.8]), peers("X", "withheld"), None)
    for judged in ([within, within], [within, untested], [untested, untested], [within]):
        text = findings.standing_summary(judged, "Here", "regions")
        reading = Reading("Here")
        check_summary(reading, text, judged)
        assert reading.read and not reading.problems, (text, reading.problems)
    assert findings.standing_summary([within, untested], "Here", "regions") == (
        "1 of the 2 KPIs could be compared for Here with other regions, and it does not stand "
        "out: it lies within the 99.8% funnel limits; the other 1 could not be compared "
        "(withheld, missing or too few areas)."
    )


def test_on_track_only_when_every_project_is_green_with_no_milestone_missed():
    projects = pd.DataFrame({"rag": ["green", "amber", "amber"],
                             "milestone_status": ["met", "met", "met"]})  # fmt: skip
    text = findings.projects_point("Programme projects in X", projects)
    assert "on track" not in text and "2 rated amber" in text
    green = projects.assign(rag="green")
    reading = Reading("X")
    check_projects(reading, findings.projects_point("Programme projects in X", green), green)
    assert reading.read and not reading.problems


# ------------------------------------------------------------------ every page type
@pytest.mark.parametrize(("group", "value"), [*_every_page_type(), ("area", "TV"),
                                               ("area", "EM"), ("area", "Y61")])  # fmt: skip
def test_every_sentence_about_a_kpi_agrees_with_its_score(group, value):
    reading = read_page(group, value)
    assert not reading.problems, "\n".join(reading.problems)


@pytest.mark.slow
def test_the_index_sentences_agree_with_the_scores(tmp_path):
    from heenb.report.national import index_report

    reading = read_index_page("index", index_report(str(tmp_path)))
    assert reading.read > 20 and not reading.problems, "\n".join(reading.problems)


@pytest.mark.slow
def test_every_page_of_the_plan_agrees_with_its_scores():
    from heenb.plan import load_plan

    problems, read = [], 0
    for job in load_plan():
        reading = read_page(job.group, str(next(iter(job.parameters.values()))))
        problems += reading.problems
        read += reading.read
    assert read > 500 and not problems, "\n".join(problems[:30])


def test_england_is_not_compared_with_peers():
    """England's Score has no peers: a page never says England stands out from itself."""
    catalogue = load_catalogue()
    from heenb.data.mart import load_mart

    judged = score(catalogue, load_mart(), catalogue.kpis.iloc[0], ENGLAND, "region")
    assert judged.standing == "not assessed"
