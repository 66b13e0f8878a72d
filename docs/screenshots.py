"""Take the README's screenshots of built reports (``make screenshots``).

Needs Debian's Chromium and Playwright (installed with the test extras). Reads
``reports/`` (build it first with ``make reports``) and writes PNGs to
``docs/screenshots/``: each page on a desktop (1100 px wide), and the index on
a phone (390 px, ``index-phone.png``) with its scorecard scrolled sideways by
half a screen, so the first column is seen to stay.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
REPORTS = ROOT / "reports"
PAGES = {
    "objective": REPORTS / "objective" / "restoration-recovery.html",
    "area": REPORTS / "area" / "EM.html",
    "index": REPORTS / "index.html",
}
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]
#: Viewports, CSS pixels: the README's desktop pictures and a phone (iPhone 12 to 15).
DESKTOP = {"width": 1100, "height": 1400}
PHONE = {"width": 390, "height": 844}


def main() -> int:
    chromium = shutil.which("chromium")
    if chromium is None:
        print("Chromium not found: apt-get install chromium", file=sys.stderr)
        return 1
    missing = [str(path) for path in PAGES.values() if not path.exists()]
    if missing:
        print(f"Build the reports first (make reports); missing {missing[0]}", file=sys.stderr)
        return 1
    out = ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=chromium, args=ARGS)
        page = browser.new_page(viewport=DESKTOP)
        for name, path in PAGES.items():
            page.goto(path.as_uri(), wait_until="load")
            page.screenshot(path=str(out / f"{name}.png"))
            print(f"wrote {out / name}.png")
        page.close()
        page = browser.new_page(viewport=PHONE)
        page.goto(PAGES["index"].as_uri(), wait_until="load")
        page.locator(".heenb-table").first.evaluate(
            "region => { region.scrollIntoView(); region.scrollLeft = region.clientWidth / 2; }"
        )
        page.screenshot(path=str(out / "index-phone.png"))
        print(f"wrote {out / 'index-phone.png'}")
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
