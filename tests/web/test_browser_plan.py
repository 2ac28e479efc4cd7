"""In the browser: staff open the plan, build and download its PDF; the plan, settings, survey and company plan
pages at laptop and tablet sizes, with screenshots and no horizontal scrolling."""
from __future__ import annotations

from pathlib import Path

from .conftest import ARTIFACTS, browser_login, no_horizontal_scroll

SIZES = {"laptop": (1366, 768), "tablet": (768, 1024)}
#: Building the plan's PDF draws every chart: allow for a slow machine.
BUILD_TIMEOUT_MS = 600_000


def _shoot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_staff_open_the_plan_and_download_the_pdf(browser, live_server):
    context = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(120_000)
    try:
        browser_login(page, live_server, "staff")
        page.get_by_role("link", name="Plan", exact=True).click()
        page.wait_for_url(f"{live_server}/plan")
        assert page.get_by_role("heading", name="Staff sections").is_visible()
        _shoot(page, "plan-1366x768")
        assert no_horizontal_scroll(page)
        with page.expect_download(timeout=BUILD_TIMEOUT_MS) as info:
            page.get_by_role("link", name="PDF of the internal edition").click()
        download = info.value
        assert download.suggested_filename == "export-plan-internal.pdf"
        assert Path(download.path()).read_bytes()[:5] == b"%PDF-"
        # a section's editing page, reached by keyboard from the plan page
        page.get_by_role("link", name="Edit: Strategies and tactics").focus()
        page.keyboard.press("Enter")
        page.wait_for_url(f"{live_server}/plan/sections/strategies")
        assert page.get_by_label("Text").is_visible()
        _shoot(page, "plan-section-1366x768")
        assert no_horizontal_scroll(page)
    finally:
        context.close()


def test_the_pages_fit_a_laptop_and_a_tablet(browser, live_server, web_workspace):
    key = str(web_workspace.pipeline.companies(limit=1)["company_id"].iloc[0])
    pages = {"admin": ["/plan", "/settings", "/settings/users", f"/companies/{key}/plan", "/survey/responses"],
             None: ["/survey"]}
    for label, (width, height) in SIZES.items():
        for role, paths in pages.items():
            context = browser.new_context(viewport={"width": width, "height": height})
            page = context.new_page()
            page.set_default_timeout(120_000)
            try:
                if role:
                    browser_login(page, live_server, role)
                for path in paths:
                    page.goto(f"{live_server}{path}")
                    assert page.locator("h1").first.is_visible(), path
                    name = path.strip("/").replace("/", "-").replace(key, "company") or "home"
                    _shoot(page, f"{name}-{width}x{height}")
                    assert no_horizontal_scroll(page), f"{path} scrolls sideways at {label} size"
            finally:
                context.close()
