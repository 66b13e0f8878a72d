"""The spreadsheet beside every report: the page's tables in the Government Analysis
Function's accessible layout (cover, contents, notes, one table per sheet, no merged
cells, no blank rows above a table), with no withheld count in it.

The workbook is read as the XML inside the .xlsx (openpyxl is not a dependency).
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest

from heenb.render.html import ReportExporter, page_tables, spreadsheet_name, with_spreadsheet_link
from heenb.render.spreadsheet import column_values, write_spreadsheet

NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
      "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships"}  # fmt: skip
REL = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"


def column_number(reference: str) -> int:
    letters = re.match(r"[A-Z]+", reference).group(0)
    number = 0
    for letter in letters:
        number = number * 26 + ord(letter) - 64
    return number


def read_xlsx(path: Path) -> dict[str, dict]:
    """Each sheet by name, in order: its rows (row number -> cells, numbers as floats),
    its formulas, merged ranges and number of tables."""
    with zipfile.ZipFile(path) as archive:
        xml = {name: ElementTree.fromstring(archive.read(name)) for name in archive.namelist()
               if name.endswith((".xml", ".rels"))}  # fmt: skip
    strings = ["".join(t.text or "" for t in si.iter(f"{{{NS['m']}}}t"))
               for si in xml["xl/sharedStrings.xml"].findall("m:si", NS)]  # fmt: skip
    targets = {r.get("Id"): r.get("Target") for r in xml["xl/_rels/workbook.xml.rels"].iter(REL)}
    sheets = {}
    for sheet in xml["xl/workbook.xml"].find("m:sheets", NS):
        target = "xl/" + targets[sheet.get(f"{{{NS['r']}}}id")]
        root, rows = xml[target], {}
        for row in root.iter(f"{{{NS['m']}}}row"):
            cells = {}
            for c in row.findall("m:c", NS):
                value = c.find("m:v", NS)
                if value is None:
                    continue
                text = value.text
                cells[column_number(c.get("r"))] = (
                    strings[int(text)] if c.get("t") == "s" else float(text)
                )
            rows[int(row.get("r"))] = [cells.get(i) for i in range(1, max(cells, default=0) + 1)]
        sheets[sheet.get("name")] = {
            "rows": rows,
            "formulas": len(list(root.iter(f"{{{NS['m']}}}f"))),
            "merged": len(list(root.iter(f"{{{NS['m']}}}mergeCell"))),
            "tables": len(list(root.iter(f"{{{NS['m']}}}tablePart"))),
        }
    return sheets


TABLES = [
    {"caption": "Learners by area, 2024", "columns": ["Area", "Learners", "Share", "Text"],
     "rows": [['=HYPERLINK("http://x")', "1,250", "84.2%", "a"],
              ["York", "[c]", "[c]", "no data"], ["Hull", "", "0.0%", "$$x$$"]],
     "note": "[c]: withheld by disclosure control.", "national": False},
    {"caption": "England, by year", "columns": ["Year", "Value"], "rows": [["2024", "5"]],
     "note": "", "national": True},
    {"caption": "Nothing", "columns": ["A"], "rows": [], "note": "", "national": False},
]  # fmt: skip


@pytest.fixture
def workbook(tmp_path) -> dict:
    path = tmp_path / "page.xlsx"
    write_spreadsheet(path, TABLES, "Maternity", ["Data: demo"])
    assert [p.name for p in tmp_path.iterdir()] == ["page.xlsx"]  # no temporary file left
    return read_xlsx(path)


def test_a_workbook_has_a_cover_contents_notes_then_one_table_per_sheet(workbook):
    assert list(workbook) == ["Cover", "Contents", "Notes", "Table_1", "Table_2"]
    assert workbook["Cover"]["rows"][1] == ["Maternity: the report's tables"]
    contents = [row[0] for row in workbook["Contents"]["rows"].values() if row]
    assert "Table_1" in contents and "Table_2" in contents
    for name, sheet in workbook.items():
        assert sheet["merged"] == 0 and sheet["formulas"] == 0, name
        assert sorted(sheet["rows"]) == list(range(1, len(sheet["rows"]) + 1)), name  # no gaps
        assert sheet["tables"] == int(name != "Cover"), name  # one table on every other sheet


def test_the_notes_explain_the_symbols_and_each_tables_notes(workbook):
    notes = " ".join(str(c) for row in workbook["Notes"]["rows"].values() for c in row if c)
    for symbol in ("[c] means", "[x] means"):  # the symbols the tables use
        assert symbol in notes
    assert "[z] means" not in notes  # none uses it; the cover says what each symbol means
    cover = " ".join(str(c) for row in workbook["Cover"]["rows"].values() for c in row if c)
    assert "[x] not available, [z] not applicable" in cover
    assert "withheld by disclosure control." in notes and "England figures are published" in notes
    title, symbols = workbook["Table_1"]["rows"][1][0], workbook["Table_1"]["rows"][2][0]
    assert re.fullmatch(r"Learners by area, 2024 \[note \d\]", title)
    assert re.fullmatch(
        r"Symbols in this table: \[c\] \(confidential\), \[x\] \(not available\)\."
        r"\[note \d\]\[note \d\]",
        symbols,
    )


def test_a_table_sheet_holds_the_cells_shown_numbers_as_numbers_symbols_and_text_as_text(
    workbook,
):
    rows = workbook["Table_1"]["rows"]
    header = next(n for n, row in rows.items() if row and row[0] == "Area")
    assert rows[header] == ["Area", "Learners", "Share\n(%)", "Text"]
    assert [rows[header + i] for i in (1, 2, 3)] == [
        ['=HYPERLINK("http://x")', 1250.0, 84.2, "a"],
        ["York", "[c]", "[c]", "[x]"],
        ["Hull", "[x]", 0.0, "$$x$$"],
    ]


def test_a_column_is_numbers_only_when_every_figure_is_one():
    assert column_values(["1,250", "[c]", "7"]) == ([1250.0, "[c]", 7.0], None)
    assert column_values(["84.2%", "[x]"]) == ([84.2, "[x]"], "%")
    assert column_values(["84.2%", "3"]) == (["84.2%", "3"], None)
    assert column_values(["2024-Q1", "12"]) == (["2024-Q1", "12"], None)
    assert column_values(["2023", "2024"]) == (["2023", "2024"], None)  # years name periods


def test_a_page_links_its_spreadsheet_only_when_it_has_tables():
    body = '<main><h1>T</h1><nav class="heenb-toc">x</nav><h2 id="a">A</h2></main>'
    linked = with_spreadsheet_link(body, spreadsheet_name("area/Y58.html"))
    assert '<p class="heenb-spreadsheet"><a href="Y58.xlsx">' in linked
    assert linked.index("heenb-spreadsheet") < linked.index("heenb-toc")


def test_the_exporter_reads_the_tables_from_the_notebooks_outputs():
    import nbformat

    from heenb.report.blocks import TABLES_MIME, paragraph, table

    notebook = nbformat.v4.new_notebook()
    for block in (paragraph("text"), table(__import__("pandas").DataFrame({"A": ["[c]"]}), "T")):
        bundle = {"text/html": block._repr_html_(), **block._repr_mimebundle_()}
        output = nbformat.v4.new_output("execute_result", data=bundle, execution_count=1)
        notebook.cells.append(nbformat.v4.new_code_cell("x", outputs=[output]))
    assert TABLES_MIME in notebook.cells[1].outputs[0].data
    assert page_tables(notebook) == [{"caption": "T", "columns": ["A"], "rows": [["[c]"]],
                                      "note": "", "national": False}]  # fmt: skip
    page = ReportExporter().to_html(notebook, page="objective/maternity.html")
    assert 'href="maternity.xlsx"' in page
    assert ".xlsx" not in ReportExporter().to_html(notebook)  # no page, no file to link


@pytest.mark.slow
@pytest.mark.parametrize(
    "page", ["objective/maternity", "area/EM", "programme/putting-people-first"]
)
def test_every_built_page_has_its_spreadsheet_with_its_tables_and_no_withheld_count(
    built_reports, page
):
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    from test_takeaway import tables_of

    html = (built_reports / f"{page}.html").read_text()
    name = Path(page).name + ".xlsx"
    assert f'<a href="{name}">' in html
    workbook = read_xlsx(built_reports / f"{page}.xlsx")
    shown = [rows for rows in tables_of(html).values() if rows[1:] != [["No rows."]]]
    sheets = [s for n, s in workbook.items() if n.startswith("Table_")]
    assert len(sheets) == len(shown) > 0
    withheld = 0
    for rows, sheet in zip(shown, sheets, strict=True):
        assert sheet["tables"] == 1 and sheet["merged"] == 0 and sheet["formulas"] == 0
        lines = list(sheet["rows"].values())
        header = next(i for i, line in enumerate(lines) if line and line[0] == rows[0][0])
        cells = lines[header + 1 :]
        assert len(cells) == len(rows) - 1
        parts = sheet_columns(rows[0], lines[header])
        for page_row, sheet_row in zip(rows[1:], cells, strict=True):
            for text, where in zip(page_row, parts, strict=True):
                values = [sheet_row[j] for j in where]
                if text == "[c]":
                    withheld += 1
                    assert values == ["[c]"] * len(values)
                elif text.strip() in ("", "no data"):
                    assert values[0] in ("[x]", "within limits", "common cause")
                elif len(values) == 1 and isinstance(values[0], float):
                    assert values[0] == float(text.replace(",", "").removesuffix("%"))
                elif len(values) == 1:
                    assert values[0] == text
                else:  # a cell split into figures and words: each part is in the cell
                    figures = {float(n.replace(",", "")) for n in re.findall(r"[\d,]+\.?\d*", text)}
                    for value in values:
                        assert (
                            abs(value) in figures or value == 0 and "no change" in text
                            if isinstance(value, float)
                            else value in text or value in ("[x]", "within")
                        ), (text, value)
    assert withheld > 0


def sheet_columns(page: list[str], sheet: list[str]) -> list[list[int]]:
    """For each page column, the sheet columns it was written as: itself, or its parts
    (named "<heading>: <part>"), a unit after a line break in either."""
    names = [str(name).split("\n")[0] for name in sheet]
    out, j = [], 0
    for i, heading in enumerate(page):
        mine = [j]
        j += 1
        following = page[i + 1] if i + 1 < len(page) else None
        while j < len(names) and names[j].startswith(f"{heading}: ") and names[j] != following:
            mine.append(j)
            j += 1
        out.append(mine)
    assert j == len(names)
    return out


def test_a_table_without_rows_makes_no_sheet_and_alone_no_spreadsheet():
    import nbformat
    import pandas as pd

    from heenb.report.blocks import table

    empty = table(pd.DataFrame({"A": []}), "Nothing")
    bundle = {"text/html": empty.markup, **empty._repr_mimebundle_()}
    output = nbformat.v4.new_output("execute_result", execution_count=1, data=bundle)
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x", outputs=[output])])
    assert page_tables(notebook) == []
    assert ".xlsx" not in ReportExporter().to_html(notebook, page="area/EM.html")


LINKS = [  # text gptables would read as Markdown links: none may become a live hyperlink
    "[Trust](https://example.org/phish)",
    "[Email us](mailto:someone@example.org)",
    r"[Share](file:///\\host\share\x.exe)",
    "[Click](javascript:alert(1))",
    "[one](https://a.example) and [two](https://b.example)",
]


def hyperlinks(path: Path) -> dict[str, list[str]]:
    """Each sheet's hyperlink elements (their targets or in-workbook locations)."""
    found = {}
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/sheet") and name.endswith(".xml"):
                root = ElementTree.fromstring(archive.read(name))
                links = root.iter(f"{{{NS['m']}}}hyperlink")
                found[name] = [link.get("location") or link.get(f"{{{NS['r']}}}id")
                               for link in links]  # fmt: skip
        rels = [n for n in archive.namelist() if n.startswith("xl/worksheets/_rels/")]
        external = [archive.read(n).decode() for n in rels]
    assert not any("External" in text for text in external), external
    return found


def test_link_text_in_data_is_written_as_text_never_a_hyperlink(tmp_path):
    tables = [
        {"caption": text, "columns": ["Provider", "Learners"],
         "rows": [[text, "5"], ["York", "7"]], "note": text, "national": False}
        for text in LINKS
    ]  # fmt: skip
    path = tmp_path / "page.xlsx"
    write_spreadsheet(path, tables, LINKS[0], [f"Data: {LINKS[3]}"])
    for sheet, links in hyperlinks(path).items():
        # the contents sheet's links to the table sheets are gptables' own, within the workbook
        assert all(re.fullmatch(r"'Table_\d+'!A1", link or "") for link in links), (sheet, links)
    workbook = read_xlsx(path)
    cells = {c for sheet in workbook.values() for row in sheet["rows"].values() for c in row}
    for text in LINKS:
        assert text in cells  # the cell, exactly as the page shows it
        assert any(isinstance(c, str) and c.startswith(f"{text} [note") for c in cells)  # caption
    assert f"{LINKS[0]}: the report's tables" in cells and f"Data: {LINKS[3]}" in cells


MARKERS = [  # text gptables would read as a note marker ($$reference$$): data, never a note
    "Project $$x$$",
    "St Mary's $$note1$$ Trust",
    "Cost $$5$$ and $$6$$ saved",
    "$$symbol1$$",
]


def test_note_marker_text_in_data_is_written_as_text_never_a_note(tmp_path):
    """A project, provider or programme name holding ``$$...$$`` stays as it is in every
    place it can appear (title, caption, heading, cell, note, cover) and refers to no note;
    heenb's own notes are still referenced."""
    tables = [
        {"caption": text, "columns": ["Provider", text, "Learners"],
         "rows": [[text, text, "5"], ["York", "a", "[c]"]], "note": f"About {text}.",
         "national": False}
        for text in MARKERS
    ]  # fmt: skip
    path = tmp_path / "page.xlsx"
    write_spreadsheet(path, tables, f"Programme {MARKERS[0]}", [f"Data: {MARKERS[1]}"])

    workbook = read_xlsx(path)
    assert list(workbook) == ["Cover", "Contents", "Notes"] + [
        f"Table_{n}" for n in range(1, len(MARKERS) + 1)
    ]
    assert workbook["Cover"]["rows"][1] == [f"Programme {MARKERS[0]}: the report's tables"]
    cover = {c for row in workbook["Cover"]["rows"].values() for c in row}
    assert f"Data: {MARKERS[1]}" in cover
    notes = [row for row in list(workbook["Notes"]["rows"].values())[3:] if row]
    assert {note for _, note in notes} == {  # heenb's notes (only those cited), none from data
        *(f"About {text}." for text in MARKERS),
        "[c] means the figure is confidential: withheld by disclosure control so that no one "
        "can be identified.",
    }
    number = {note: f"[note {n:.0f}]" for n, note in notes}
    contents = [row[1] for row in workbook["Contents"]["rows"].values() if len(row) > 1]
    for sheet, text in enumerate(MARKERS, start=1):
        rows = workbook[f"Table_{sheet}"]["rows"]
        assert rows[1] == [f"{text} {number[f'About {text}.']}"]  # its own note, and no other
        header = next(n for n, row in rows.items() if row and row[0] == "Provider")
        assert rows[header] == ["Provider", text, "Learners"]
        assert rows[header + 1] == [text, text, 5.0]
        assert any(entry.startswith(f"{text} \n") for entry in contents)


# ------------------------------------------------------------------ notes, symbols, numbers
def notes_of(workbook: dict) -> dict[float, str]:
    """The notes sheet's rows below its header: note number -> text."""
    rows = list(workbook["Notes"]["rows"].values())
    header = next(i for i, row in enumerate(rows) if row and row[0] == "Note number")
    return {row[0]: row[1] for row in rows[header + 1 :] if row}


def test_note_numbers_are_unique_and_each_reference_finds_its_note(workbook):
    """gptables numbered the notes no table referenced after the referenced ones by their
    place in the table given ([z] became a second note 3 in 73 of 75 workbooks)."""
    rows = list(workbook["Notes"]["rows"].values())
    numbers = [row[0] for row in rows if row and isinstance(row[0], float)]
    assert len(numbers) == len(set(numbers)) == len(notes_of(workbook))
    assert numbers == list(range(1, len(numbers) + 1))
    cited = set()
    for sheet in workbook.values():
        for row in sheet["rows"].values():
            for cell in row:
                cited |= {float(n) for n in re.findall(r"\[note (\d+)\]", str(cell or ""))}
    assert cited == set(notes_of(workbook))  # every note cited, every citation a note


VERDICTS = [
    {"caption": "Data for the chart: funnel", "national": False, "note": "",
     "columns": ["Area", "Proportion", "Outlier"],
     "rows": [["York", "83.3", ""], ["Hull", "99.0", "high"], ["Leeds", "[c]", "[c]"]]},
    {"caption": "Data for the chart: XmR", "national": False, "note": "",
     "columns": ["Period", "Value", "Special cause variation"],
     "rows": [["2024-01", "5.1", ""], ["2024-02", "9.9", "concern"], ["2024-03", "", ""]]},
]  # fmt: skip


def test_within_limits_and_common_cause_are_words_not_the_not_available_symbol(tmp_path):
    """[x] means not available; a figure within the funnel limits, or with no special cause,
    is a verdict (5,382 cells of the demo build said [x] for them)."""
    path = tmp_path / "verdicts.xlsx"
    write_spreadsheet(path, VERDICTS, "Verdicts", [])
    book = read_xlsx(path)
    funnel, xmr = (list(book[f"Table_{n}"]["rows"].values())[-3:] for n in (1, 2))
    assert [row[2] for row in funnel] == ["within limits", "high", "[c]"]
    assert [row[2] for row in xmr] == ["common cause", "concern", "[x]"]  # no value: no verdict


SCORECARD = [
    {"caption": "Every KPI for Here", "national": False, "note": "",
     "columns": ["KPI", "Latest", "95% interval", "Change since previous period"],
     "rows": [["A", "83.3%", "77.2% to 88.1%", "up 7.7 points on 2023: no significant change"],
              ["B", "2.9%", "2.4% to 3.4%", "down 4.1 points on 2023: better"],
              ["C", "[c]", "[c]", "not assessed: latest figure [c]"]]},
    {"caption": "Every KPI for England and each region", "national": True, "note": "",
     "columns": ["KPI", "England", "North"],
     "rows": [["A", "87.5%", "91.0% (above)"], ["B", "2.0%", "1.1% (below)"],
              ["C", "9.3%", "9.9%"]]},
    {"caption": "Representation", "national": True, "note": "",
     "columns": ["Group", "Ratio", "95% interval"],
     "rows": [["Women", "0.93", "0.90 to 0.96"], ["Men", "1.07", "1.03 to 1.11"]]},
    {"caption": "Commitments, England", "national": True, "note": "",
     "columns": ["Commitment", "Latest", "Since baseline", "Commitment asks"],
     "rows": [["Midwives", "23,737.3 FTE in 2024-12", "up 1,508.6 FTE since 2021-03",
               "1,200 more (23,428.7 FTE)"]]},
]  # fmt: skip


def test_scorecard_figures_are_numbers_with_the_unit_in_the_heading(tmp_path):
    """Cells such as "77.2% to 88.1%", "91.0% (above)" and "up 7.7 points on 2023: ..." were
    text: each figure is now a number in a column of its own, its unit in the heading, and
    the words beside it in a text column."""
    path = tmp_path / "scorecard.xlsx"
    write_spreadsheet(path, SCORECARD, "Scorecard", [])
    book = read_xlsx(path)
    first = list(book["Table_1"]["rows"].values())
    header = next(i for i, row in enumerate(first) if row and row[0] == "KPI")
    assert first[header] == [
        "KPI", "Latest\n(%)", "95% interval: lower\n(%)", "95% interval: upper\n(%)",
        "Change since previous period\n(percentage points)",
        "Change since previous period: compared with", "Change since previous period: verdict",
    ]  # fmt: skip
    assert first[header + 1 :] == [
        ["A", 83.3, 77.2, 88.1, 7.7, "2023", "no significant change"],
        ["B", 2.9, 2.4, 3.4, -4.1, "2023", "better"],
        ["C", "[c]", "[c]", "[c]", "[x]", "[x]", "not assessed: latest figure [c]"],
    ]
    second = list(book["Table_2"]["rows"].values())
    header = next(i for i, row in enumerate(second) if row and row[0] == "KPI")
    assert second[header] == ["KPI", "England\n(%)", "North\n(%)",
                              "North: against the funnel limits"]  # fmt: skip
    assert second[header + 1 :] == [["A", 87.5, 91.0, "above"], ["B", 2.0, 1.1, "below"],
                                    ["C", 9.3, 9.9, "within"]]  # fmt: skip
    ratios = list(book["Table_3"]["rows"].values())
    header = next(i for i, row in enumerate(ratios) if row and row[0] == "Group")
    assert ratios[header:] == [["Group", "Ratio", "95% interval: lower", "95% interval: upper"],
                               ["Women", 0.93, 0.90, 0.96], ["Men", 1.07, 1.03, 1.11]]  # fmt: skip
    third = list(book["Table_4"]["rows"].values())
    header = next(i for i, row in enumerate(third) if row and row[0] == "Commitment")
    assert third[header] == [
        "Commitment", "Latest\n(FTE)", "Latest: month", "Since baseline\n(FTE)",
        "Since baseline: compared with", "Commitment asks: more\n(FTE)",
        "Commitment asks: in all\n(FTE)",
    ]  # fmt: skip
    assert third[header + 1] == ["Midwives", 23737.3, "2024-12", 1508.6, "2021-03", 1200.0,
                                 23428.7]  # fmt: skip
    for sheet in ("Table_1", "Table_2", "Table_3", "Table_4"):  # no figure left as text
        for row in book[sheet]["rows"].values():
            figure = re.compile(r"-?[\d,]+(\.\d+)?%|-?[\d,]+\.\d+")
            assert not any(isinstance(c, str) and figure.fullmatch(c) for c in row)


def test_an_area_page_has_no_chart_rows_for_periods_before_a_kpi_existed():
    """ARCP outcome 10.1 began in 2020: the trends' data had blank rows for 2017 to 2019, which
    the spreadsheet wrote [x] (not available) where [z] (not applicable) was meant."""
    from heenb.figures.kpis import not_applicable
    from heenb.report.area import area_report

    start, _ = not_applicable("arcp-covid-share")
    report = area_report("EM")
    data = next(iter(report.trends().data.values()))
    name = report.catalogue.kpi("arcp-covid-share")["short_name"]
    mine = data[data["KPI"] == name]
    assert len(mine) and (mine["Period"] >= start).all()
    assert (data["Period"] < start).any()  # other KPIs keep their earlier years
