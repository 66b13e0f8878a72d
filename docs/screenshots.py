"""Take the README's screenshots of built reports (``make screenshots``).

Needs Debian's Chromium and Playwright (installed with the test extras). Reads
``reports/`` (build it first with ``make reports``) and writes PNGs to
``docs/screenshots/``.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
PAGES = {
    "objective": ROOT / "reports" / "objective" / "restoration-recovery.html",
    "area": ROOT / "reports" / "area" / "EM.html",
    "index": ROOT / "reports" / "index.html",
}
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def main() -> int:
    chromium = shutil.which("chromium")
    if chromium is None:
        print("Chromium not found: apt-get install chromium", file=sys.stderr)
        return 1
    out = ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=chromium, args=ARGS)
        page = browser.new_page(viewport={"width": 1100, "height": 1400})
        for name, path in PAGES.items():
            page.goto(path.as_uri(), wait_until="load")
            page.screenshot(path=str(out / f"{name}.png"))
            print(f"wrote {out / name}.png")
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
