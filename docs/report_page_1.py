"""Draw the first printed page of a report as a PNG, for the README (``make screenshot``).

The page is printed on A4 by headless Chromium exactly as the browser tests print it (the
system ``chromium`` driven by the ``playwright`` package, every network request refused)
and its first page rasterized by ``pdftoppm`` (poppler-utils).

Usage: python docs/report_page_1.py REPORT.html OUT.png [--dpi 100]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
from pathlib import Path

from playwright.sync_api import Route, sync_playwright

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--host-resolver-rules=MAP * ~NOTFOUND"]


def print_pdf(report: Path, pdf: Path) -> None:
    """``report`` printed on A4 by the system Chromium, offline."""
    executable = shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        raise SystemExit("error: Chromium is not installed (Debian: apt-get install chromium)")
    url = report.resolve().as_uri()
    with sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=executable, args=ARGS)
        page = browser.new_page()

        def offline(route: Route) -> None:
            if route.request.url == url:
                route.continue_()
            else:
                route.abort()

        page.route("**/*", offline)
        page.goto(url, wait_until="load")
        pdf.write_bytes(page.pdf(format="A4", print_background=True, prefer_css_page_size=True))
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("report", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--dpi", type=int, default=100)
    args = parser.parse_args()
    if shutil.which("pdftoppm") is None:
        raise SystemExit("error: pdftoppm is not installed (Debian: apt-get install poppler-utils)")
    with tempfile.TemporaryDirectory() as folder:
        pdf = Path(folder) / "report.pdf"
        print_pdf(args.report, pdf)
        stem = Path(folder) / "page"
        subprocess.run(["pdftoppm", "-png", "-r", str(args.dpi), "-f", "1", "-l", "1",
                        "-singlefile", str(pdf), str(stem)], check=True)
        shutil.move(stem.with_suffix(".png"), args.out)
    print(f"Wrote {args.out}")


if __name__ == "__main__":
    main()
