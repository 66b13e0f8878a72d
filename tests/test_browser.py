"""Every built page in a real browser: renders, asks no other host, passes axe-core
on a phone and a desktop, and keeps tables usable at 390 px.

Uses Debian's Chromium (``/usr/bin/chromium``, installed by ``.ci/run``) driven
by Playwright, and axe-core vendored in ``tests/vendor/axe-core``. Without
Chromium these tests skip, saying how to enable them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
#: Flags for a headless Chromium with no network of its own (as root, in CI).
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip

pytestmark = pytest.mark.skipif(
    CHROMIUM is None,
    reason="Chromium not found: install Debian's chromium (apt-get install chromium), "
    "as .ci/run does, to run the browser and accessibility tests",
)


@pytest.fixture(scope="module")
def browser():
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


#: Viewport widths, CSS pixels: a phone (iPhone 12 to 15) and a desktop.
PHONE, DESKTOP = 390, 1280


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


@pytest.mark.parametrize("width", [PHONE, DESKTOP])
def test_every_page_renders_offline_without_errors_and_passes_axe(browser, built_reports, width):
    pages = sorted(built_reports.rglob("*.html"))
    assert len(pages) == 28
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
    for page_path in sorted(built_reports.rglob("*.html")):
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
