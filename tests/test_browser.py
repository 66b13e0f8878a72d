"""Every built page in a real browser: renders, asks no other host, passes axe-core
on a phone and a desktop, keeps tables usable at 390 px, and prints on A4.

Uses Debian's Chromium (``/usr/bin/chromium``, installed by ``.ci/run``) driven
by Playwright, and axe-core vendored in ``tests/vendor/axe-core``. Without
Chromium these tests skip, saying how to enable them.
"""

from __future__ import annotations

import re
import shutil
import zlib
from pathlib import Path

import pytest

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
#: Flags for a headless Chromium with no network of its own (as root, in CI).
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip

pytestmark = [
    pytest.mark.slow,  # a browser on the whole built report set
    pytest.mark.skipif(
        CHROMIUM is None,
        reason="Chromium not found: install Debian's chromium (apt-get install chromium), "
        "as .ci/run does, to run the browser and accessibility tests",
    ),
]


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


#: Viewport widths, CSS pixels: a phone (iPhone 12 to 15) and a desktop.
PHONE, DESKTOP = 390, 1280
#: An A4 page in PDF points (210 x 297 mm).
A4_POINTS = (595.28, 841.89)


def _visit(browser, page_path: Path, width: int) -> dict:
    """Open a page; return the requests it made, its console errors and axe's violations."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    requests, errors = [], []
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(page_path.as_uri(), wait_until="load")
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    page.close()
    return {"requests": requests, "errors": errors, "violations": results["violations"]}


#: Pages of one report type share a notebook and a layout: of the 44 STP pages and the 42 ICS
#: pages the browser visits this many of each (the first and last by code, and the largest),
#: to keep the run short.
SAMPLE = 3
#: Page kinds the browser sees a sample of, and how many pages of each the build makes (the
#: test build makes 4 of the 42 ICS pages: tests/conftest.py, ``ics_sample``).
SAMPLED = {"stp": 44, "ics": 4}


def browser_pages(folder: Path) -> list[Path]:
    """Every built page, except that STP and ICS pages are a sample (see :data:`SAMPLE`)."""
    every = sorted(
        p for p in folder.rglob("*.html") if p.relative_to(folder).parts[0] != "releases"
    )
    chosen = [p for p in every if p.parent.name not in SAMPLED]
    for kind, count in SAMPLED.items():
        pages = [p for p in every if p.parent.name == kind]
        assert len(pages) == count, kind
        largest = max(pages, key=lambda p: p.stat().st_size)
        chosen += list(dict.fromkeys([pages[0], pages[-1], largest, *pages]))[:SAMPLE]
    return sorted(chosen)


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
def test_every_page_renders_offline_without_errors_and_passes_axe(browser, built_reports, width):
    pages = browser_pages(built_reports)
    assert len(pages) == 28 + 4 + 1 + 2 * SAMPLE  # ..., the index and the page of changes
    problems = []
    for page_path in pages:
        visit = _visit(browser, page_path, width)
        name = f"{page_path.relative_to(built_reports)} at {width} px"
        elsewhere = [u for u in visit["requests"] if not u.startswith(("file:", "data:"))]
        if elsewhere:
            problems.append(f"{name}: requests to other hosts {elsewhere[:3]}")
        if visit["errors"]:
            problems.append(f"{name}: console errors {visit['errors'][:3]}")
        for violation in visit["violations"]:  # any impact, minor included
            targets = [n["target"] for n in violation["nodes"][:3]]
            problems.append(f"{name}: axe {violation['id']} ({violation['impact']}) {targets}")
    assert not problems, "\n".join(problems)


#: For every table on the page at the current width: whether its caption fits in the
#: visible part of its scroll region, and whether the first column is still in view
#: once the region is scrolled to its right-hand end.
TABLE_FIT = """() => [...document.querySelectorAll('table')].map(table => {
    const region = table.closest('.heenb-table');
    if (region === null) return {caption: table.textContent.slice(0, 60), inRegion: false};
    const seen = region.getBoundingClientRect();
    const caption = table.querySelector('caption').getBoundingClientRect();
    region.scrollLeft = region.scrollWidth;
    const first = table.querySelector('tbody tr > :first-child').getBoundingClientRect();
    const fit = {caption: table.querySelector('caption').textContent, inRegion: true,
                 scrolls: region.scrollWidth > region.clientWidth,
                 captionFits: caption.left >= seen.left - 1 && caption.right <= seen.right + 1,
                 firstColumnSeen: first.left >= seen.left - 1 && first.right <= seen.right + 1};
    region.scrollLeft = 0;
    return fit;
})"""


def test_tables_are_usable_on_a_phone(browser, built_reports):
    page = browser.new_page(viewport={"width": PHONE, "height": 900})
    problems, scrolling = [], 0
    for page_path in browser_pages(built_reports):
        page.goto(page_path.as_uri(), wait_until="load")
        name = page_path.relative_to(built_reports)
        if page.evaluate("document.documentElement.scrollWidth") > PHONE:
            problems.append(f"{name}: the page itself scrolls sideways at {PHONE} px")
        for table in page.evaluate(TABLE_FIT):
            if not table["inRegion"]:
                problems.append(f"{name}: table '{table['caption']}' is not in a scroll region")
                continue
            scrolling += table["scrolls"]
            if not table["captionFits"]:
                problems.append(f"{name}: caption '{table['caption']}' runs out of view")
            if table["scrolls"] and not table["firstColumnSeen"]:
                problems.append(f"{name}: '{table['caption']}' loses its first column on scrolling")
    page.close()
    assert scrolling > 0, "no table scrolls at phone width, so this test proves nothing"
    assert not problems, "\n".join(problems[:20])


# --------------------------------------------------------------------------- print


def _print(browser, page_path: Path, pdf_path: Path, scripts: bool = True) -> dict:
    """Print a page to PDF as Chromium's print dialog would; return the rows of its chart
    data tables, its headings and its tables' captions, as the page's DOM has them."""
    context = browser.new_context(java_script_enabled=scripts)
    page = context.new_page()
    page.goto(page_path.as_uri(), wait_until="load")
    page.pdf(path=str(pdf_path), prefer_css_page_size=True, print_background=True)
    dom = {
        "rows": page.eval_on_selector_all(
            "details table tbody tr", "rows => rows.map(row => row.textContent)"
        ),
        "headings": page.eval_on_selector_all(
            # not h1: the title heads page 1, and its words (an area's name) end table rows
            "main h2, main h3, main caption, main summary",
            "found => found.map(element => element.textContent)",
        ),
    }
    context.close()
    return dom


def _pdf_objects(data: bytes) -> dict[int, bytes]:
    return {int(n): body for n, body in re.findall(rb"(\d+) 0 obj\s*(.*?)endobj", data, re.S)}


def _pdf_stream(body: bytes) -> bytes:
    """An object's stream, inflated; its ``/Length`` says where it ends."""
    length = int(re.search(rb"/Length (\d+)", body).group(1))
    start = re.search(rb"stream\r?\n", body).end()
    raw = body[start : start + length]
    return zlib.decompress(raw) if b"/FlateDecode" in body else raw


def _unicode_map(cmap: bytes) -> dict[int, str]:
    """A font's ToUnicode CMap as {glyph code: text}."""
    table = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", cmap, re.S):
        for code, text in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            table[int(code, 16)] = bytes.fromhex(text.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", cmap, re.S):
        pattern = rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>"
        for low, high, text in re.findall(pattern, block):
            for offset, code in enumerate(range(int(low, 16), int(high, 16) + 1)):
                table[code] = chr(int(text, 16) + offset)
    return table


def pdf_pages(data: bytes) -> list[tuple[list[float], str]]:
    """Each page of a Chromium (Skia) PDF, in order, as its MediaBox and its text.

    A minimal reader for what Chromium writes (Type0 fonts with a ToUnicode map,
    ``Tj``/``TJ`` text, one content stream a page), as no PDF library is installed;
    each text object ends a line.
    """
    objects = _pdf_objects(data)
    catalog = next(body for body in objects.values() if b"/Type /Catalog" in body)

    def page_numbers(node: int) -> list[int]:
        kids = re.search(rb"/Kids \[([^\]]*)\]", objects[node])
        if kids is None:
            return [node]
        return [leaf for kid in re.findall(rb"(\d+) 0 R", kids.group(1))
                for leaf in page_numbers(int(kid))]  # fmt: skip

    pages = []
    for number in page_numbers(int(re.search(rb"/Pages (\d+) 0 R", catalog).group(1))):
        body = objects[number]
        box = [float(v) for v in re.search(rb"/MediaBox \[([^\]]*)\]", body).group(1).split()]
        fonts = {}
        for name, ref in re.findall(rb"/(F\d+) (\d+) 0 R", body):
            cmap = re.search(rb"/ToUnicode (\d+) 0 R", objects[int(ref)])
            fonts[name] = _unicode_map(_pdf_stream(objects[int(cmap.group(1))])) if cmap else {}
        content = _pdf_stream(objects[int(re.search(rb"/Contents (\d+) 0 R", body).group(1))])
        text, font = [], {}
        operators = rb"/(F\d+) [\d.]+ Tf|\[(.*?)\] ?TJ|<([0-9A-Fa-f]*)> ?Tj|\b(ET)\b"
        for match in re.finditer(operators, content, re.S):
            if match.group(1):
                font = fonts.get(match.group(1), {})
            elif match.group(4):
                text.append("\n")
            else:
                strings = [match.group(3)] if match.group(2) is None else (
                    re.findall(rb"<([0-9A-Fa-f]*)>", match.group(2)))  # fmt: skip
                for codes in strings:
                    glyphs = [int(codes[i : i + 4], 16) for i in range(0, len(codes), 4)]
                    text.append("".join(font.get(glyph, "\ufffd") for glyph in glyphs))
        pages.append((box, "".join(text)))
    return pages


def _squeezed(text: str) -> str:
    """Text without white space, to compare what a page says with how a PDF wraps it."""
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="module")
def printed(browser, built_reports, tmp_path_factory) -> dict[str, dict]:
    """Every built page printed to PDF: its DOM's chart data rows and headings, and its
    PDF pages, by the page's path in the report set."""
    folder = tmp_path_factory.mktemp("print")
    printed = {}
    for page_path in browser_pages(built_reports):
        name = str(page_path.relative_to(built_reports))
        pdf = folder / name.replace("/", "-").replace(".html", ".pdf")
        dom = _print(browser, page_path, pdf)
        printed[name] = {**dom, "pages": pdf_pages(pdf.read_bytes())}
    return printed


def test_every_report_prints_on_a4_pages(printed):
    assert len(printed) == 28 + 4 + 1 + 2 * SAMPLE  # ..., the index and the page of changes
    for name, report in printed.items():
        assert report["pages"], f"{name} printed no page"
        for number, (box, _) in enumerate(report["pages"], start=1):
            assert box[2:] == pytest.approx(A4_POINTS, abs=1), f"{name} page {number}: {box}"


#: What the print says in place of the data behind each chart.
DATA_POINTER = "in the spreadsheet beside this page, and as CSV on the web page"


def test_the_print_leaves_out_the_data_behind_each_chart_and_says_where_it_is(printed):
    """A board pack: the data behind each chart is in the spreadsheet and the page's CSV, not
    printed in full (KSS printed on 28 A4 pages with it, 12 without)."""
    rows, shown, pointed = 0, 0, []
    for name, report in printed.items():
        text = _squeezed("".join(page_text for _, page_text in report["pages"]))
        rows += len(report["rows"])
        shown += sum(_squeezed(row) in text for row in report["rows"])
        if report["rows"]:
            pointed.append((name, _squeezed(DATA_POINTER) in text))
    assert rows > 1000
    assert shown <= rows // 100, f"{shown} of {rows} chart data rows printed"
    assert all(ok for _, ok in pointed), [name for name, ok in pointed if not ok][:3]


#: The most A4 pages an area page may print on (a board pack).
MOST_AREA_PAGES = 12


def test_kss_prints_on_at_most_twelve_a4_pages_with_its_main_points_first(printed):
    """Kent, Surrey and Sussex printed on 28 pages (30 for East Midlands)."""
    pages = printed["area/KSS.html"]["pages"]
    assert len(pages) <= MOST_AREA_PAGES
    assert "Main points" in pages[0][1] and "What needs attention" in pages[0][1]


def test_every_area_page_prints_on_at_most_twelve_a4_pages_with_its_release_date_first(printed):
    """The longest area page too: East Midlands and Midlands printed on 13 (their provider
    funnels and programme tables), with the title, release date, main points and what needs
    attention on page 1."""
    areas = {name: report["pages"] for name, report in printed.items() if name.startswith("area/")}
    assert len(areas) == 20
    longest = max(areas, key=lambda name: len(areas[name]))
    assert len(areas[longest]) <= MOST_AREA_PAGES, f"{longest}: {len(areas[longest])} pages"
    for name, pages in areas.items():
        first = _squeezed(pages[0][1])
        for words in ("Released", "Main points", "What needs attention"):
            assert _squeezed(words) in first, f"{name}: page 1 has no '{words}'"


def test_no_printed_page_ends_with_a_heading_or_caption(printed):
    ends = []
    for name, report in printed.items():
        headings = {_squeezed(h) for h in report["headings"] if h.strip()}
        for number, (_, page_text) in enumerate(report["pages"][:-1], start=1):
            lines = [_squeezed(line) for line in page_text.splitlines() if line.strip()]
            last = {"".join(lines[-n:]) for n in range(1, min(len(lines), 6) + 1)}
            ends += [f"{name} page {number} ends with '{h}'" for h in headings & last]
    assert not ends, "\n".join(ends)


def test_the_print_says_where_the_data_behind_a_chart_is_with_scripts_off(
    browser, built_reports, tmp_path
):
    pdf = tmp_path / "objective.pdf"
    dom = _print(browser, built_reports / "objective" / "maternity.html", pdf, scripts=False)
    text = _squeezed("".join(page_text for _, page_text in pdf_pages(pdf.read_bytes())))
    assert dom["rows"] and _squeezed(DATA_POINTER) in text


# --------------------------------------------------------------------------- downloads


def test_a_tables_csv_link_downloads_its_cells_offline(browser, built_reports):
    """Clicking a table's CSV link in Chromium, from the page file with no other file or
    host, saves ``<page>-<table>.csv`` holding the table's header and rows."""
    import csv

    context = browser.new_context(accept_downloads=True, offline=True)
    page = context.new_page()
    page.goto((built_reports / "objective" / "maternity.html").as_uri(), wait_until="load")
    link = page.locator("a.heenb-csv >> visible=true").first  # not in a closed <details>
    expected = link.evaluate(
        """a => { const t = a.closest('p').previousElementSibling.querySelector('table');
                 return [...t.rows].map(r => [...r.cells].map(c => c.textContent)); }"""
    )
    name = link.get_attribute("download")
    with page.expect_download() as download:
        link.click()
    saved = download.value
    assert saved.suggested_filename == name and name.startswith("objective-maternity-")
    text = Path(saved.path()).read_text(encoding="utf-8-sig")
    assert list(csv.reader(text.splitlines())) == expected
    assert len(expected) > 1
    context.close()
