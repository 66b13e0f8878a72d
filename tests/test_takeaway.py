"""Data to take away: every section returns the tables behind it as DataFrames
(``Block.data``), holding exactly the figures the page shows after disclosure control."""

from __future__ import annotations

import csv
import html
import io
import re
from html.parser import HTMLParser
from urllib.parse import unquote

import pandas as pd
import pytest

from heenb.charts.figure import Chart, new_figure
from heenb.report.blocks import Block, cell_text, figure, join, paragraph, table
from heenb.report.takeaway import safe_cell, with_page_names

#: The sections of each report, as its notebook calls them.
SECTIONS = {
    ("objective", "restoration-recovery"): ["headline", "trend", "comparison", "breakdown",
                                            "narrative", "programmes", "notes"],
    ("area", "EM"): ["headline", "scorecard", "trends", "programmes", "involvement",
                     "workforce", "notes"],
    ("programme", "putting-people-first"): ["headline", "status", "milestones", "strands",
                                     "interdependencies", "involvement", "notes"],
}  # fmt: skip
#: Column headers of counts of people (as tests/test_published.py).
COUNT_HEADERS = {"numerator", "denominator", "learners", "respondents", "all outcomes"}


class Tables(HTMLParser):
    """Every table in some markup: caption -> rows of cell texts (headers first)."""

    def __init__(self):
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._caption = self._cell = None
        self._current: list[list[str]] = []

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._current = []
        elif tag == "caption":
            self._caption = []
        elif tag == "tr":
            self._current.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):
        if tag == "caption":
            self.caption = "".join(self._caption)
            self._caption = None
        elif tag in ("td", "th") and self._cell is not None:
            self._current[-1].append("".join(self._cell))
            self._cell = None
        elif tag == "table":
            self.tables[self.caption] = self._current

    def handle_data(self, data):
        if self._caption is not None:
            self._caption.append(data)
        elif self._cell is not None:
            self._cell.append(data)


def tables_of(markup: str) -> dict[str, list[list[str]]]:
    parser = Tables()
    parser.feed(markup)
    return parser.tables


def report_of(kind: str, value: str):
    if kind == "objective":
        from heenb.report.objective import objective_report

        return objective_report(value)
    if kind == "area":
        from heenb.report.area import area_report

        return area_report(value)
    from heenb.report.programme import programme_report

    return programme_report(value)


@pytest.fixture(scope="module", params=list(SECTIONS), ids=lambda key: f"{key[0]}-{key[1]}")
def sections(request) -> list[Block]:
    report = report_of(*request.param)
    return [getattr(report, name)() for name in SECTIONS[request.param]]


# --------------------------------------------------------------------------- Block.data


def test_a_table_block_carries_the_frame_it_shows():
    frame = pd.DataFrame({"Area": ["Leeds"], "Learners": ["[c]"]})
    block = table(frame, "Learners by area")
    assert list(block.data) == ["Learners by area"]
    pd.testing.assert_frame_equal(block.data["Learners by area"], frame)
    frame.loc[0, "Learners"] = "10"
    assert block.data["Learners by area"].loc[0, "Learners"] == "[c]", "a copy, not a view"


def test_joined_blocks_keep_every_table_in_order_and_number_a_repeated_caption():
    one, two = pd.DataFrame({"A": [1]}), pd.DataFrame({"A": [2]})
    joined = join([table(one, "T"), paragraph("text"), table(two, "T")]) + table(one, "U")
    assert list(joined.data) == ["T", "T (2)", "U"]
    assert joined.data["T (2)"]["A"].tolist() == [2]


def test_a_figure_carries_its_chart_data_under_the_data_table_caption_and_headings():
    fig, _ = new_figure(height_in=1.0, width_in=2.0)
    data = pd.DataFrame({"area": ["Leeds", "York"], "value": [81.5, None],
                         "withheld": [False, True]})  # fmt: skip
    block = figure(Chart(figure=fig, alt_text="A chart", data=data, title="Share"))
    frame = block.data["Data for the chart: Share"]
    assert list(frame.columns) == ["Area", "Value", "Withheld"]
    assert frame["Value"].iloc[0] == 81.5 and pd.isna(frame["Value"].iloc[1])


def test_text_blocks_carry_no_tables():
    assert paragraph("text").data == {} and Block("<p>x</p>").data == {}


# --------------------------------------------------------------------------- reports


@pytest.mark.slow
def test_every_table_of_a_report_section_is_in_its_data_with_the_cells_shown(sections):
    compared = 0
    for block in sections:
        shown = tables_of(block.markup)
        assert len(block.data) == len(shown)
        for (caption, frame), (page_caption, rows) in zip(
            block.data.items(), shown.items(), strict=True
        ):
            assert caption.startswith(page_caption)
            assert rows[0] == [str(c) for c in frame.columns]
            if frame.empty:
                continue
            assert len(rows) - 1 == len(frame)
            withheld = frame["Withheld"].tolist() if "Withheld" in frame else [False] * len(frame)
            for row, values, hidden in zip(rows[1:], frame.itertuples(index=False), withheld,
                                           strict=True):  # fmt: skip
                expected = [cell_text(v) for v in values]
                if hidden:  # a chart marks a withheld figure [c] on the page; missing in data
                    expected = ["[c]" if e == "" else e for e in expected]
                assert row == expected, caption
                compared += 1
    assert compared > 5


@pytest.mark.slow
def test_no_table_a_report_section_returns_holds_a_withheld_count(sections):
    checked = withheld = 0
    for block in sections:
        for caption, frame in block.data.items():
            if frame.attrs["national"]:  # England figures are published unsuppressed
                continue
            columns = [c for c in frame.columns if str(c).lower() in COUNT_HEADERS]
            if caption.startswith("Involvement activities"):
                columns = [c for c in frame.columns if c == "Total" or str(c)[:2] == "20"]
            for column in columns:
                for value in frame[column]:
                    if pd.isna(value) or value in ("[c]", "", "no data"):
                        withheld += 1
                        continue
                    count = float(str(value).replace(",", ""))
                    checked += 1
                    assert count == 0 or (count > 7 and count % 5 == 0), (caption, column, value)
    assert checked > 0


def test_a_chart_data_table_shows_a_withheld_rows_missing_figures_as_c():
    fig, _ = new_figure(height_in=1.0, width_in=2.0)
    data = pd.DataFrame({"area": ["Leeds", "York", "Hull"], "value": [81.5, None, None],
                         "withheld": [False, True, False]})  # fmt: skip
    rows = tables_of(figure(Chart(figure=fig, alt_text="A", data=data, title="S")).markup)
    assert rows["Data for the chart: S"][1:] == [
        ["Leeds", "81.5", "no"],
        ["York", "[c]", "yes"],
        ["Hull", "", "no"],
    ]


# --------------------------------------------------------------------------- CSV on the page

LINK = re.compile(r'<a class="heenb-csv" download="([^"]*)" href="([^"]*)">(.*?)</a>', re.S)


def csv_of(href: str) -> list[list[str]]:
    """The rows of the CSV a download link carries."""
    prefix = "data:text/csv;charset=utf-8,"
    assert href.startswith(prefix)
    text = unquote(html.unescape(href[len(prefix) :]))
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline="")))


@pytest.mark.parametrize(
    ("cell", "safe"),
    [("=1+2", "'=1+2"), ("+SUM(A1:A3)", "'+SUM(A1:A3)"), ("@SUM(A1)", "'@SUM(A1)"),
     ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"), ("\t=1", "'\t=1"),
     ("\r=1", "'\r=1"), ("-3 (=cmd)", "'-3 (=cmd)"),
     ("-3.5%", "-3.5%"), ("-1,250", "-1,250"), ("Leeds = York", "Leeds = York"), ("", "")],
)  # fmt: skip
def test_a_csv_cell_that_would_run_as_a_formula_is_prefixed(cell, safe):
    assert safe_cell(cell) == safe


def test_a_table_offers_its_cells_as_shown_as_csv_from_the_page():
    areas = ['=HYPERLINK("x")', "<script>alert(1)</script>", "Hull, \u202eEast"]
    frame = pd.DataFrame({"Area": areas, "Learners": ["[c]", "1,250", "-5"]})
    markup = table(frame, "Learners by area, 2024").markup
    [(name, href, text)] = LINK.findall(markup)
    assert name == "learners-by-area-2024.csv"
    assert csv_of(href) == [
        ["Area", "Learners"], ["'=HYPERLINK(\"x\")", "[c]"],
        ["<script>alert(1)</script>", "1,250"], ["Hull, East", "-5"],
    ]  # fmt: skip
    assert re.fullmatch(r"data:text/csv;charset=utf-8,[A-Za-z0-9%,;:/@$!*()\-_.~]*", href)
    assert (
        text
        == 'Download this table as CSV<span class="visually-hidden">: Learners by area, 2024</span>'
    )


def test_an_empty_table_offers_no_download():
    assert "heenb-csv" not in table(pd.DataFrame({"A": []}), "Nothing").markup


def test_a_chart_data_table_downloads_withheld_figures_as_c():
    fig, _ = new_figure(height_in=1.0, width_in=2.0)
    data = pd.DataFrame({"area": ["Leeds", "York"], "value": [81.5, None],
                         "withheld": [False, True]})  # fmt: skip
    [(_, href, _)] = LINK.findall(
        figure(Chart(figure=fig, alt_text="A", data=data, title="S")).markup
    )
    assert csv_of(href) == [["Area", "Value", "Withheld"], ["Leeds", "81.5", "no"],
                            ["York", "[c]", "yes"]]  # fmt: skip


def test_the_page_names_its_downloads_each_name_once():
    markup = (
        table(pd.DataFrame({"A": [1]}), "Staff, 2024")
        + table(pd.DataFrame({"A": [2]}), "Staff, 2024")
    ).markup
    names = [n for n, _, _ in LINK.findall(with_page_names(markup, "area/Y58.html"))]
    assert names == ["area-Y58-staff-2024.csv", "area-Y58-staff-2024-2.csv"]


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["objective", "area", "programme"])
def test_every_table_on_a_built_page_downloads_as_the_csv_of_its_cells(built_reports, kind):
    checked = 0
    for page in sorted((built_reports / kind).glob("*.html")):
        text = page.read_text()
        name = f"{kind}-{page.stem}-"
        tables, links = tables_of(text), LINK.findall(text)
        shown = [rows for rows in tables.values() if rows[1:] != [["No rows."]]]
        assert len(links) == len(shown), page
        assert all(n.startswith(name) for n, _, _ in links)
        assert len({n for n, _, _ in links}) == len(links), f"{page}: a file name repeats"
        for rows, (_, href, _) in zip(shown, links, strict=True):
            assert csv_of(href) == [[safe_cell(c) for c in row] for row in rows]
            checked += 1
    assert checked > 10
