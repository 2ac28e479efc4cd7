"""The market ranking in a real browser: changing a weight updates the ranking without reloading the page.

Also: the analysis pages at laptop (1366 x 768) and tablet (768 x 1024) sizes, with screenshots in
tests/artifacts/ and no horizontal scrolling, and no script or Content-Security-Policy errors.
"""
from __future__ import annotations

import pytest

from exportplan.analysis.presets import MARKET_FACTORS

from .conftest import ARTIFACTS, browser_login, no_horizontal_scroll

SIZES = ((1366, 768), (768, 1024))
_FIRST = "document.querySelector('#ranking-result table.ranking tbody th a').textContent"
#: The first row's name (polled with Playwright's expect: the page's CSP forbids evaluating strings).
FIRST_ROW = "#ranking-result table.ranking tbody tr:first-child th a"


def expect(locator):
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


def _weights_that_change_the_top(ws) -> tuple[dict[str, float], str, str]:
    """Weights on one factor only that put another country first, with the first country before and after."""
    first = str(ws.markets.rank_markets().table["country"].iloc[0])
    for key in MARKET_FACTORS:
        weights = {k: (1.0 if k == key else 0.0) for k in MARKET_FACTORS}
        top = str(ws.markets.rank_markets(weights=weights).table["country"].iloc[0])
        if top != first:
            return weights, first, top
    raise AssertionError("no single-factor weighting changes the first market on the sample")


@pytest.mark.browser
@pytest.mark.parametrize("width,height", SIZES)
def test_changing_a_weight_updates_the_market_ranking_without_a_reload(browser, live_server, web_workspace,
                                                                       width, height):
    weights, first, top = _weights_that_change_the_top(web_workspace)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    browser_login(page, live_server, "staff")
    page.get_by_role("link", name="Markets", exact=True).click()
    page.wait_for_url(f"{live_server}/markets")
    assert page.evaluate(_FIRST) == first
    assert no_horizontal_scroll(page), f"the market ranking scrolls sideways at {width}x{height}"
    page.screenshot(path=str(ARTIFACTS / f"markets-{width}x{height}.png"), full_page=False)
    page.evaluate("window.stillTheSamePage = true")  # gone if the page reloads

    for key, value in weights.items():  # typing in the labelled inputs, as a user would
        field = page.get_by_label(page.eval_on_selector(f"label[for=w_{key}]", "e => e.textContent"), exact=True)
        field.fill(str(value))
    expect(page.locator(FIRST_ROW)).to_have_text(top, timeout=30_000)

    assert page.evaluate("window.stillTheSamePage === true"), "the page reloaded"
    assert "w_" in page.url and page.url.startswith(f"{live_server}/markets?")  # a reload shows the same ranking
    expect(page.locator("#ranking-status")).to_contain_text(f"Ranking updated. First: {top}")
    assert page.locator("#ranking-result").get_by_text("Robustness", exact=True).is_visible()
    assert no_horizontal_scroll(page), f"the updated ranking scrolls sideways at {width}x{height}"
    page.screenshot(path=str(ARTIFACTS / f"markets-changed-{width}x{height}.png"), full_page=True)

    page.reload()  # the address kept the weights: the server renders the same ranking
    assert page.evaluate(_FIRST) == top
    # a preset puts its weights in the inputs and ranks with them
    page.get_by_label("Start from a preset").select_option("balanced")
    expect(page.locator(FIRST_ROW)).to_have_text(first, timeout=30_000)
    assert page.get_by_label("Proximity", exact=True).input_value() not in ("", "0", "1")
    assert errors == [], errors  # no script or Content-Security-Policy errors
    context.close()


@pytest.mark.browser
@pytest.mark.parametrize("width,height", SIZES)
def test_the_analysis_pages_fit_laptop_and_tablet_screens(browser, live_server, width, height):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    browser_login(page, live_server, "viewer")
    for path, heading in (("/industries", "Industries and clusters"), ("/sectors", "Sector ranking"),
                          ("/map", "World map of the market ranking")):
        page.goto(f"{live_server}{path}")
        assert page.get_by_role("heading", name=heading, level=1).is_visible()
        page.wait_for_load_state("load")  # the charts are images of their own routes
        assert no_horizontal_scroll(page), f"{path} scrolls sideways at {width}x{height}"
        name = path.strip("/")
        page.screenshot(path=str(ARTIFACTS / f"{name}-{width}x{height}.png"), full_page=False)
    images = page.evaluate("Array.from(document.images).map(i => i.complete && i.naturalWidth > 0)")
    assert images and all(images), "the world map did not load"
    assert errors == [], errors
    context.close()
