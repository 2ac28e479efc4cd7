"""A judge in a browser (Playwright, Debian's chromium, a real server): signs in, opens an application
assigned to them from "My applications", scores it and sees the scores saved; a staff member opens the
own programs and the gaps. Screenshots at 1366x768 and 768x1024 in tests/artifacts/, without horizontal
scrolling."""
from __future__ import annotations

import pytest

from exportplan import Workspace

from .conftest import ARTIFACTS, USERS, LiveServer, browser_login, no_horizontal_scroll

SIZES = ((1366, 768), (768, 1024))
ROUND = "sample-pitch-2026"


@pytest.fixture
def writable_server(web_copy):
    """A server over a copy of the sample (scoring writes), and its workspace."""
    from exportplan.web.app import create_app

    ws = Workspace.open(web_copy)
    application = create_app(workspace=ws)
    with LiveServer(application) as server:
        yield server.url, ws
    ws.close()


def _shot(page, name: str, width: int, height: int) -> None:
    page.set_viewport_size({"width": width, "height": height})
    assert no_horizontal_scroll(page), f"{name} scrolls sideways at {width}x{height}"
    page.screenshot(path=str(ARTIFACTS / f"judge-{name}-{width}x{height}.png"), full_page=True)


@pytest.mark.browser
def test_a_judge_scores_an_assigned_application_in_a_browser(browser, writable_server):
    base, ws = writable_server
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    judge = USERS["judge"][0]
    mine = ws.competitions.applications(ROUND, judge=judge)
    key = sorted(mine["application"])[0]
    rubric = ws.competitions.rubric(ROUND)

    context = browser.new_context(viewport={"width": SIZES[0][0], "height": SIZES[0][1]})
    page = context.new_page()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    browser_login(page, base, "judge")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="My applications").click()
    page.wait_for_url(f"{base}/judging")
    rows = page.locator("table.data tbody tr")
    assert rows.count() == len(mine)
    for width, height in SIZES:
        _shot(page, "list", width, height)
    page.set_viewport_size({"width": SIZES[0][0], "height": SIZES[0][1]})

    page.get_by_role("link", name=key, exact=True).click()
    page.wait_for_url(f"{base}/judging/{ROUND}/{key}")
    given = {}
    for i, criterion in enumerate(rubric.to_dict("records")):
        value = str(int(criterion["max_points"]) - 1 - (i % 3))
        page.get_by_label(f"{criterion['label']} (0 to", exact=False).fill(value)
        given[criterion["key"]] = float(value)
    page.get_by_role("button", name="Save my scores").click()
    page.wait_for_url(f"{base}/judging/{ROUND}/{key}")
    assert page.get_by_role("status").inner_text().strip() == f"Your scores for {key} were saved."
    assert page.locator("#saved-status").inner_text().strip() == "Scored on every criterion."
    for criterion in rubric.to_dict("records"):
        field = page.get_by_label(f"{criterion['label']} (0 to", exact=False)
        assert float(field.input_value()) == given[criterion["key"]]
    assert ws.competitions.application(ROUND, key, judge=judge)["points"] == given
    for width, height in SIZES:
        _shot(page, "application", width, height)

    # back on the list, the score shows; an application of another judge is not found
    page.goto(f"{base}/judging")
    assert "criteria scored" in page.locator("table.data tbody tr").first.inner_text()
    assert not errors, errors
    other = sorted(set(ws.competitions.applications(ROUND)["application"]) - set(mine["application"]))[0]
    answer = page.goto(f"{base}/judging/{ROUND}/{other}")
    assert answer.status == 404
    context.close()


@pytest.mark.browser
def test_staff_see_the_own_programs_and_the_gaps_in_a_browser(browser, writable_server):
    base, _ws = writable_server
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": SIZES[0][0], "height": SIZES[0][1]})
    page = context.new_page()
    browser_login(page, base, "staff")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Own programs").click()
    page.get_by_role("link", name="Sample Region export pitch competition", exact=False).click()
    page.get_by_role("heading", name="Awards").wait_for()
    for width, height in SIZES:
        _shot(page, "competition", width, height)
    page.goto(f"{base}/initiatives/new-mission")
    page.get_by_label("Key").fill("auto-mex")
    page.get_by_label("Name").fill("Automotive mission to Mexico")
    page.get_by_label("Country").fill("MEX")
    page.get_by_label("Sector").fill("Automotive")
    page.get_by_label("Start date").fill("2027-03-09")
    page.get_by_role("button", name="Check and add the mission").click()
    assert "sample-mission-1" in page.get_by_role("alert").inner_text()
    for width, height in SIZES:
        _shot(page, "mission-duplicate", width, height)
    page.set_viewport_size({"width": SIZES[0][0], "height": SIZES[0][1]})
    page.goto(f"{base}/programs/gaps")
    for _ in range(90):
        if page.locator("img.chart").count():
            break
        page.wait_for_timeout(2000)
        page.reload()
    assert page.locator("img.chart").count() == 1
    for width, height in SIZES:
        _shot(page, "gaps", width, height)
    page.goto(f"{base}/programs")
    for width, height in SIZES:
        _shot(page, "programs", width, height)
    context.close()
