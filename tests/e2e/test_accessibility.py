"""The pages people use most, checked with axe-core in Chromium at 360 × 740 and 1280 × 800, in
Chinese: the front page, the holder's show screen, the verify page a scanned code opens (for a
visitor and for a signed-in inspector), the scanner, the paper-certificate check and its answer,
both sign-in pages and the issue form. No violation of any impact is allowed, for the WCAG 2.0,
2.1 and 2.2 A and AA rules and axe's best practices.

axe-core comes from the npm registry, pinned in tests/e2e/axe/package-lock.json and installed by
``make test`` (``npm ci``); it is only ever injected into pages here, never served. Missing, the
test fails."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from playwright.sync_api import Browser, Page

from .conftest import Demo, sign_in

AXE = Path(__file__).parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
SIZES = [{"width": 360, "height": 740}, {"width": 1280, "height": 800}]
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]
RUN = """
async tags => {
  const result = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return result.violations.map(v => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' — ' + n.failureSummary.replace(/\\s+/g, ' '))
  }));
}
"""


def violations(page: Page) -> list[dict[str, Any]]:
    """What axe finds on the page as it is now."""
    page.add_script_tag(path=str(AXE))
    found: list[dict[str, Any]] = page.evaluate(RUN, TAGS)
    return found


def describe(where: str, found: list[dict[str, Any]]) -> list[str]:
    """One line per violation, with the first few elements it concerns."""
    return [f"{where}: {v['id']} ({v['impact']}) {v['help']}: {v['nodes']}" for v in found]


def presentation_path(page: Page, base: str, certificate_id: int) -> str:
    """The path a scanner opens for the holder's current code (fetched with his session)."""
    shown = page.request.get(f"{base}/me/show/{certificate_id}/presentation").json()
    return urlsplit(shown["url"]).path


def visitor_pages(page: Page, base: str, demo: Demo, check: Callable[[str], None]) -> None:
    for path in ("/", "/scan", "/legacy", "/me/login", "/admin/login"):
        page.goto(base + path)
        check(path)
    page.goto(base + "/legacy")
    page.fill("main input[name=number]", "P404")
    page.fill("main input[name=name]", "李四")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    check("/legacy (answer)")


def test_axe_core_is_installed_and_finds_faults(browser: Browser) -> None:
    """``make test`` installs it (without it the check below would check nothing), and it reports
    a picture without words and a page without a language."""
    assert AXE.is_file(), f"{AXE} is missing: run `npm ci` in {AXE.parent.parent.parent} (make test does)"
    page = browser.new_page()
    page.set_content("<!doctype html><title>t</title><main><h1>t</h1><img src='data:,'></main>")
    assert {"image-alt", "html-has-lang"} <= {v["id"] for v in violations(page)}
    page.close()


def test_main_pages_have_no_accessibility_violation(browser: Browser, live_server: str, demo: Demo) -> None:
    assert AXE.is_file(), f"{AXE} is missing: run `npm ci` in its folder (make test does)"
    problems: list[str] = []
    for size in SIZES:
        problems += axe_findings(browser, live_server, demo, size)
    assert not problems, "\n".join(problems)


def axe_findings(browser: Browser, live_server: str, demo: Demo, size: dict[str, int]) -> list[str]:
    """What axe finds on each page at ``size``."""
    problems: list[str] = []
    # The test injects axe as an inline script: the page's own CSP (checked by the page walk) would
    # refuse it.
    contexts = []

    def open_page() -> Page:
        context = browser.new_context(viewport=size, locale="zh-CN", bypass_csp=True)  # type: ignore[arg-type]
        contexts.append(context)
        return context.new_page()

    def checker(page: Page) -> Callable[[str], None]:
        return lambda where: problems.extend(describe(f"[{size['width']}] {where}", violations(page)))

    visitor = open_page()
    visitor_pages(visitor, live_server, demo, checker(visitor))

    holder = open_page()
    sign_in(holder, live_server, demo)
    checker(holder)("/me")
    holder.goto(f"{live_server}/me/show/{demo.certificate_id}")
    holder.wait_for_selector("#qr-meta", state="visible")  # the code is drawn
    checker(holder)("/me/show")
    scanned = presentation_path(holder, live_server, demo.certificate_id)

    visitor.goto(live_server + scanned)
    checker(visitor)("/v/… (visitor)")

    inspector = open_page()
    sign_in(inspector, live_server, demo, "sanya_inspector")
    inspector.goto(live_server + scanned)
    checker(inspector)("/v/… (inspector)")

    clerk = open_page()
    sign_in(clerk, live_server, demo, "sanya_admin")
    clerk.goto(live_server + "/admin/certificates/new")
    checker(clerk)("issue form")

    for context in contexts:
        context.close()
    return problems
