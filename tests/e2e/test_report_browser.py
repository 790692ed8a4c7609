"""The HTML report in a real headless Chromium: every figure renders, no request leaves the machine."""

import shutil

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (.ci/run installs Debian's chromium)")
def test_report_renders_offline_with_every_figure(project):
    from playwright.sync_api import sync_playwright

    report = project / "reports/report.html"
    requested = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.on("request", lambda request: requested.append(request.url))
        page.goto(report.as_uri(), wait_until="load")
        images = page.evaluate("Array.from(document.images).map(i => [i.complete, i.naturalWidth])")
        headings = page.evaluate("Array.from(document.querySelectorAll('h2')).map(h => h.textContent)")
        scripts = page.evaluate("document.scripts.length")
        summary_top = page.evaluate("document.querySelector('h2').getBoundingClientRect().top")
        first_paragraph = page.evaluate("document.querySelector('h2').nextElementSibling.textContent")
        widest = page.evaluate("Math.max(...Array.from(document.images).map(i => i.getBoundingClientRect().right))")
        browser.close()
    assert len(images) >= 8 and all(complete and width > 0 for complete, width in images)
    assert {
        "Corpus",
        "Cleaning ledger",
        "Model selection",
        "Metrics (held-out test split)",
        "Slices (test)",
        "Top features per class",
        "Most confident errors (test)",
    } <= set(headings)
    assert headings[0] == "Summary" and headings[1] == "This round"
    assert summary_top < 200 and "test macro-F1" in first_paragraph  # the answer is on the first screen
    assert widest <= 1280  # figures fit the window
    assert scripts == 0
    assert all(url.startswith(("file:", "data:")) for url in requested), requested
