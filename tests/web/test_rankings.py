"""The analysis pages: industries and clusters, the sector and market rankings with their weights, the world map.

Expected orders come from the services themselves (``ws.sectors.rank_sectors``,
``ws.markets.rank_markets``) with the same weights, so a page that ignored the weights, or
showed another ranking's rows, fails.
"""
from __future__ import annotations

import html
import re
from urllib.parse import urlencode

import pytest
from markupsafe import escape

from exportplan.analysis.presets import MARKET_FACTORS, SECTOR_GROUPS

from .conftest import csrf_of, sign_in

PAGES = ["/industries", "/sectors", "/markets", "/map"]
_ROW = re.compile(r'<th scope="row"><a href="/(?:sectors|markets)/explain\?code=[^"]*">([^<]*)</a></th>')


def names(text: str) -> list[str]:
    """The ranking table's names, in the order the page lists them."""
    return [html.unescape(n) for n in _ROW.findall(text)]


def only(keys, key: str) -> dict[str, float]:
    """Every weight 0 but ``key`` (1)."""
    return {k: (1.0 if k == key else 0.0) for k in keys}


def query(weights: dict[str, float], preset: str | None = None) -> str:
    pairs = [("preset", preset)] if preset else []
    return urlencode(pairs + [(f"w_{k}", v) for k, v in weights.items()])


def changed_top(rank, keys) -> tuple[dict, list[str], list[str]]:
    """Weights on one group only that put another first than the default weights, and both orders."""
    base = rank(None)
    name_col = "country" if "country" in base.table.columns else "name"
    first = str(base.table[name_col].iloc[0])
    for key in keys:
        weights = only(keys, key)
        other = rank(weights)
        if str(other.table[name_col].iloc[0]) != first:
            return weights, list(base.table[name_col].astype(str)), list(other.table[name_col].astype(str))
    raise AssertionError("no single-group weighting changes the first place on the sample")


@pytest.mark.parametrize("role", ["staff", "viewer"])
@pytest.mark.parametrize("path", PAGES)
def test_each_analysis_page_renders_for_staff_and_viewer(client, role, path):
    sign_in(client, role)
    answer = client.get(path)
    assert answer.status_code == 200, answer.text[:2000]
    assert "<h1>" in answer.text
    save = 'action="/sectors/weights"' in answer.text or 'action="/markets/weights"' in answer.text
    assert save == (role == "staff" and path in ("/sectors", "/markets"))  # only staff may save the weights


def test_the_navigation_lists_the_analysis_pages(client):
    sign_in(client, "viewer")
    text = client.get("/").text
    for label, path in (("Industries", "/industries"), ("Sectors", "/sectors"), ("Markets", "/markets"),
                        ("Map", "/map")):
        assert f'href="{path}">{label}</a>' in text


def test_changing_a_market_weight_changes_the_order(client, web_workspace):
    weights, before, after = changed_top(lambda w: web_workspace.markets.rank_markets(weights=w), list(MARKET_FACTORS))
    sign_in(client, "viewer")
    page = client.get("/markets")
    assert names(page.text) == before
    changed = client.get(f"/markets?{query(weights)}")
    assert changed.status_code == 200
    assert names(changed.text) == after and after[0] != before[0]
    for key, value in weights.items():  # the inputs keep what was typed
        assert f'name="w_{key}" value="{value}"' in changed.text


def test_changing_a_sector_weight_changes_the_order(client, web_workspace):
    weights, before, after = changed_top(lambda w: web_workspace.sectors.rank_sectors(weights=w), list(SECTOR_GROUPS))
    sign_in(client, "viewer")
    assert names(client.get("/sectors").text) == before
    changed = client.get(f"/sectors?{query(weights)}")
    assert names(changed.text) == after and after[0] != before[0]


def test_a_preset_ranks_as_the_service_does(client, web_workspace):
    expected = web_workspace.markets.rank_markets(preset="nearby")
    sign_in(client, "viewer")
    # the preset form's button: the typed weights are left aside
    text = client.get("/markets?preset=nearby&use_preset=1&w_proximity=0").text
    assert names(text) == list(expected.table["country"])
    assert '<option value="nearby" data-weights' in text and "selected" in text.split('<option value="nearby"')[1][:400]


def test_reasons_and_robustness_are_shown(client, web_workspace):
    ranking = web_workspace.markets.rank_markets()
    sign_in(client, "viewer")
    text = client.get("/markets").text
    for reason in ranking.table["reason"].head(5):
        assert str(escape(str(reason))) in text
    for line in ranking.summary():
        assert str(escape(line)) in text
    first = ranking.table.iloc[0]
    assert f"{first['p_top5']:.0%}" in text  # share of draws in the top 5
    band = f"#{int(first['rank_p05'])}" if first["rank_p05"] == first["rank_p95"] else \
        f"#{int(first['rank_p05'])} to #{int(first['rank_p95'])}"
    assert f'<td class="band">{band}</td>' in text
    sectors = web_workspace.sectors.rank_sectors()
    text = client.get("/sectors").text
    assert str(escape(str(sectors.table["reason"].iloc[0]))) in text
    assert str(escape(sectors.summary()[1])) in text
    assert f"<td>{sectors.table['tier'].iloc[0]}</td>" in text


def test_the_partial_answers_the_result_alone(client, web_workspace):
    weights, _before, after = changed_top(lambda w: web_workspace.markets.rank_markets(weights=w),
                                          list(MARKET_FACTORS))
    sign_in(client, "viewer")
    answer = client.get(f"/markets/table?{query(weights)}")
    assert answer.status_code == 200
    assert "<html" not in answer.text and "<nav" not in answer.text  # a fragment, not a page
    assert names(answer.text) == after
    assert f'data-announce="Ranking updated. First: {str(escape(after[0]))}' in answer.text
    sectors = client.get("/sectors/table?preset=growth")
    assert sectors.status_code == 200 and "<html" not in sectors.text
    assert names(sectors.text) == list(web_workspace.sectors.rank_sectors(preset="growth").table["name"])


def test_bad_weights_are_explained_with_the_form_kept(client):
    sign_in(client, "viewer")
    answer = client.get("/markets?w_proximity=-1")
    assert answer.status_code == 400
    assert "Negative market weights are not allowed" in answer.text
    assert 'name="w_proximity" value="-1"' in answer.text
    fragment = client.get("/markets/table?w_proximity=lots")
    assert fragment.status_code == 400 and "not a number" in fragment.text
    zero = client.get("/sectors?" + query({k: 0 for k in SECTOR_GROUPS}))
    assert zero.status_code == 400 and "All sector weights are zero" in zero.text
    unknown = client.get("/sectors?preset=nonsense")
    assert unknown.status_code == 400 and "There is no preset" in unknown.text


def test_explanations_of_a_row(client, web_workspace):
    sign_in(client, "viewer")
    ranking = web_workspace.markets.rank_markets()
    iso3 = str(ranking.table["iso3"].iloc[1])
    text = client.get(f"/markets/explain?code={iso3}").text
    for line in ranking.explain(iso3).splitlines()[:3]:
        assert str(escape(line.strip())) in text
    sectors = web_workspace.sectors.rank_sectors(preset="jobs")
    code = str(sectors.table["code"].iloc[0])
    text = client.get(f"/sectors/explain?code={code}&preset=jobs").text
    assert str(escape(sectors.explain_lines(code)[0])) in text
    assert 'href="/sectors?preset=jobs"' in text  # back to the same weights
    assert client.get("/markets/explain?code=XXX").status_code == 400
    assert client.get("/sectors/explain").status_code == 400


def test_the_world_map_and_its_table(client, web_workspace):
    sign_in(client, "viewer")
    ranking = web_workspace.markets.rank_markets(preset="low-risk")
    text = client.get("/map?preset=low-risk&use_preset=1").text
    assert 'src="/map/world.svg?preset=low-risk"' in text
    rows = re.findall(r'<th scope="row">([^<]*)</th>', text)
    assert [html.unescape(r) for r in rows] == list(ranking.table["country"])  # the text alternative, in order
    image = client.get("/map/world.svg?preset=low-risk")
    assert image.status_code == 200 and image.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in image.content[:2000] and b"country-CAN" in image.content


def test_a_viewer_cannot_save_weights(client):
    token = sign_in(client, "viewer")
    for path, key in (("/markets/weights", "proximity"), ("/sectors/weights", "growth")):
        answer = client.post(path, data={"csrf_token": token, "preset": "balanced", f"w_{key}": "0.9"})
        assert answer.status_code == 403, path


def test_staff_save_the_weights_as_the_workspace_default(web_copy):
    from starlette.testclient import TestClient

    from exportplan import Workspace
    from exportplan.web.app import create_app

    market_weights = only(MARKET_FACTORS, "market_factors")
    sector_weights = {**only(SECTOR_GROUPS, "size"), "growth": 0.5}
    application = create_app(web_copy, warm=False)
    with TestClient(application, follow_redirects=False) as client:
        token = sign_in(client, "staff")
        answer = client.post("/markets/weights", data={"csrf_token": token, "preset": "nearby",
                                                       **{f"w_{k}": v for k, v in market_weights.items()}})
        assert answer.status_code == 303 and answer.headers["location"] == "/markets"
        answer = client.post("/sectors/weights", data={"csrf_token": token, "preset": "growth",
                                                       **{f"w_{k}": v for k, v in sector_weights.items()}})
        assert answer.status_code == 303
        page = client.get("/markets")
        assert "Saved as the workspace&#39;s default" in page.text  # the flash message
        with Workspace.open(web_copy) as ws:  # saved in the workspace's settings, as the command line saves them
            assert ws.setting("markets.preset") == "nearby"
            assert ws.setting("markets.weights") == market_weights
            assert ws.setting("sectors.preset") == "growth"
            assert ws.setting("sectors.weights") == sector_weights
            expected_markets = list(ws.markets.rank_markets().table["country"])
            expected_sectors = list(ws.sectors.rank_sectors().table["name"])
        # the pages now start from the saved weights, in this process at once
        assert names(page.text) == expected_markets
        assert names(client.get("/sectors").text) == expected_sectors
        refused = client.post("/markets/weights", data={"csrf_token": token,
                                                        **{f"w_{k}": 0 for k in MARKET_FACTORS}})
        assert refused.status_code == 400 and "not saved" in refused.text and "All market weights are zero" in refused.text
    with Workspace.open(web_copy) as ws:
        assert ws.setting("markets.weights") == market_weights  # the refused save changed nothing


def test_a_save_without_the_csrf_token_is_refused(client):
    sign_in(client, "staff")
    assert client.post("/markets/weights", data={"preset": "nearby"}).status_code == 403


def test_text_from_the_request_is_escaped(client):
    sign_in(client, "viewer")
    evil = "<script>alert(1)</script>"
    for path in (f"/markets?w_proximity={evil}", f"/sectors/table?w_growth={evil}", f"/markets?preset={evil}",
                 f"/markets/explain?code={evil}", f"/industries?q={evil}", f"/map?preset={evil}"):
        text = client.get(path).text
        assert evil not in text, path
        assert "&lt;script&gt;" in text, path


def test_industries_show_bounds_as_ranges(client, web_workspace):
    from exportplan.web.pages.industries import bounded

    assert bounded(1.0, 1.0, 1.0, "{:.2f}".format)["text"] == "1.00"
    estimate = bounded(1.05, 0.9, 1.2, "{:.2f}".format)
    assert estimate["text"] == "~1.05 (0.90 to 1.20)" and estimate["range"]
    assert (estimate["value"], estimate["span"]) == ("~1.05", "0.90 to 1.20")
    assert bounded(float("nan"), 0.9, 1.2, "{:.2f}".format)["text"] == "0.90 to 1.20"
    clusters = web_workspace.industry.clusters(cluster_type="traded")
    loose = clusters[(clusters["lq_low"] != clusters["lq_high"]) & clusters["lq_low"].notna()]
    assert len(loose), "the sample has clusters with withheld cells"
    row = loose.iloc[0]
    sign_in(client, "viewer")
    text = client.get("/industries").text
    shown = bounded(row["lq"], row["lq_low"], row["lq_high"], lambda v: f"{v:.2f}")
    assert f'<span class="est">{shown["value"]} <span class="bounds">({shown["span"]})</span></span>' in text
    assert str(escape(str(row["cluster_name"]))) in text
    strong = clusters[clusters["strong"].fillna(False).astype(bool)]
    if len(strong):
        assert '<span class="flag' in text
    assert 'src="/industries/bubble.svg?type=traded"' in text


def test_industries_filters(client, web_workspace):
    sign_in(client, "viewer")
    level4 = web_workspace.industry.industries(level=4)
    word = "Manufacturing"
    text = client.get(f"/industries?level=4&q={word}&type=all").text
    codes = re.findall(r"<tr>\s*<td>(\d+)</td>", text)
    expected = level4[level4["title"].str.contains(word, case=False) | level4["naics"].str.contains(word)]
    assert codes == list(expected["naics"].astype(str))[:300]
    assert '<option value="4" selected>' in text and '<option value="all" selected>' in text
    assert client.get("/industries?level=9").status_code == 200  # an unknown level falls back to the default


def test_the_bubble_chart_is_an_svg_image(client):
    sign_in(client, "viewer")
    image = client.get("/industries/bubble.svg?type=traded")
    assert image.status_code == 200 and image.headers["content-type"].startswith("image/svg+xml")
    assert b"<svg" in image.content[:2000]
