"""Every built page in a real browser: renders, asks no other host, passes axe-core.

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


def _visit(browser, page_path: Path) -> dict:
    """Open a page; return the requests it made, its console errors and axe's violations."""
    page = browser.new_page()
    requests, errors = [], []
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(page_path.as_uri(), wait_until="load")
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    page.close()
    return {"requests": requests, "errors": errors, "violations": results["violations"]}


def test_every_page_renders_offline_without_errors_and_passes_axe(browser, built_reports):
    pages = sorted(built_reports.rglob("*.html"))
    assert len(pages) == 28
    problems = []
    for page_path in pages:
        visit = _visit(browser, page_path)
        name = page_path.relative_to(built_reports)
        elsewhere = [u for u in visit["requests"] if not u.startswith(("file:", "data:"))]
        if elsewhere:
            problems.append(f"{name}: requests to other hosts {elsewhere[:3]}")
        if visit["errors"]:
            problems.append(f"{name}: console errors {visit['errors'][:3]}")
        for violation in visit["violations"]:
            if violation["impact"] in ("serious", "critical"):
                targets = [n["target"] for n in violation["nodes"][:3]]
                problems.append(f"{name}: axe {violation['id']} ({violation['impact']}) {targets}")
    assert not problems, "\n".join(problems)
