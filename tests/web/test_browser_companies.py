"""The companies pages in a browser (Playwright, Debian's chromium, a real server): sign in, upload a company
file with errors and see the error table, fix it and import, run an assessment, record a referral; the list,
the company page, the error table and the assessment at 1366x768 and 768x1024 without horizontal scrolling
(screenshots in tests/artifacts/)."""
from __future__ import annotations

import pytest

from exportplan import Workspace

from .conftest import ARTIFACTS, LiveServer, browser_login, no_horizontal_scroll

SIZES = ((1366, 768), (768, 1024))
BAD = ("company_id,name,naics,county_fips,stage\n"
       "BRW-0001,Browser Test Fittings LLC,3327XX,99001,export-ready\n"
       "BRW-0002,Browser Test Optics Inc.,333314,99003,somewhere\n")
GOOD = ("company_id,name,naics,county_fips,stage\n"
        "BRW-0001,Browser Test Fittings LLC,332710,99001,not ready\n"
        "BRW-0002,Browser Test Optics Inc.,333314,99003,not ready\n")


@pytest.fixture
def writable_server(web_copy):
    """A server over a copy of the sample (the flow writes), and its workspace."""
    from exportplan.web.app import create_app

    ws = Workspace.open(web_copy)
    application = create_app(workspace=ws)
    with LiveServer(application) as server:
        yield server.url, ws
    ws.close()


def _shot(page, name: str, width: int, height: int) -> None:
    assert no_horizontal_scroll(page), f"{name} scrolls sideways at {width}x{height}"
    page.screenshot(path=str(ARTIFACTS / f"companies-{name}-{width}x{height}.png"), full_page=True)


@pytest.mark.browser
def test_import_assess_and_refer_in_a_browser(browser, writable_server, tmp_path):
    base, ws = writable_server
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    bad, good = tmp_path / "bad" / "companies.csv", tmp_path / "good" / "companies.csv"
    for path, text in ((bad, BAD), (good, GOOD)):
        path.parent.mkdir()
        path.write_text(text, encoding="utf-8")
    before = ws.pipeline.count_companies()
    program = ws.programs.programs().sort_values("name").iloc[0]

    context = browser.new_context(viewport={"width": SIZES[0][0], "height": SIZES[0][1]})
    page = context.new_page()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    browser_login(page, base, "staff")

    # upload a file with errors: the error table, nothing stored
    page.get_by_role("link", name="Companies", exact=True).click()
    page.get_by_role("link", name="Import a company file").click()
    page.get_by_label("Company file").set_input_files(str(bad))
    page.get_by_role("button", name="Upload and import").click()
    table = page.get_by_role("table", name="problem(s) in the file")
    assert table.is_visible()
    assert table.get_by_role("cell", name="3327XX").is_visible() and table.get_by_role("cell", name="somewhere").is_visible()
    assert ws.pipeline.count_companies() == before
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        _shot(page, "import-errors", width, height)
    errors.clear()  # the refused upload's page answers 400, which the console reports

    # fix it and import
    page.get_by_label("Company file").set_input_files(str(good))
    page.get_by_role("button", name="Upload and import").click()
    assert page.get_by_role("status").filter(has_text="Imported 2").is_visible()
    assert ws.pipeline.count_companies() == before + 2

    # find the new company in the list
    page.goto(f"{base}/companies")
    page.get_by_label("Name").fill("browser test")
    page.get_by_role("button", name="Find").click()
    assert page.get_by_text("2 companies match").is_visible()
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        _shot(page, "list", width, height)
    page.get_by_role("link", name="Browser Test Fittings LLC").click()
    assert page.get_by_role("heading", name="Browser Test Fittings LLC", level=1).is_visible()

    # run an assessment, confirming the suggested stage
    page.get_by_role("link", name="Run an assessment").first.click()
    for item in ("management_commitment", "export_goals", "export_staff", "spare_capacity", "domestic_sales",
                 "years_in_business", "export_budget", "getting_paid", "working_capital", "market_research",
                 "product_adaptation", "international_marketing", "ip_identified", "ip_protected_abroad",
                 "export_training", "foreign_inquiries", "shipping", "export_compliance", "export_pricing"):
        page.locator(f'fieldset.question:has(input[name="{item}"]) input[type="radio"]').nth(-2).check()
    page.get_by_role("group", name="In how many foreign markets").get_by_label("none", exact=True).check()
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        _shot(page, "assessment", width, height)
    page.get_by_label("Move the company to the suggested stage").check()
    page.get_by_role("button", name="Score and record the assessment").click()
    assert page.get_by_role("status").filter(has_text="Assessment recorded").is_visible()
    assert ws.pipeline.company("BRW-0001")["stage"] == "export-ready"

    # record a referral to a program of the inventory
    page.get_by_label("Program of the inventory").select_option(program["program_id"])
    page.get_by_role("button", name="Record the referral").click()
    assert page.get_by_role("status").filter(has_text="Referral #").is_visible()
    referral = ws.pipeline.company("BRW-0001")["referrals"][-1]
    assert referral["program_key"] == program["program_id"]
    assert page.get_by_role("region", name="Referrals").get_by_text(program["name"]).first.is_visible()
    page.wait_for_load_state("networkidle")  # the matched programs arrive
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        _shot(page, "company", width, height)

    assert errors == []  # no script or Content-Security-Policy errors
    context.close()


@pytest.mark.browser
def test_prospects_in_a_browser(browser, live_server):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": SIZES[0][0], "height": SIZES[0][1]})
    page = context.new_page()
    browser_login(page, live_server, "viewer")
    for _attempt in range(60):  # the first visit starts scoring the business list in the background
        page.goto(f"{live_server}/prospects")
        if page.get_by_role("heading", name="Outreach list").count():
            break
        page.wait_for_timeout(1000)
    assert page.get_by_role("heading", name="Outreach list").is_visible()
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        _shot(page, "prospects", width, height)
    page.get_by_role("link", name="All businesses").click()
    assert page.get_by_role("heading", name="All businesses, best first").is_visible()
    for width, height in SIZES:
        page.set_viewport_size({"width": width, "height": height})
        _shot(page, "prospects-all", width, height)
    context.close()
