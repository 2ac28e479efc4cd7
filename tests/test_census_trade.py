"""Census international trade API: parsing recorded bodies, state and national fetches.

The two exports/naics bodies are recorded (shared/data/api-responses/census_intltrade).
No statenaics body was ever recorded, so the state answers here are CONSTRUCTED
in the API's array-of-arrays layout (header first, every value a string), as are
the missing-key page and the error answers.
"""
from __future__ import annotations

import json
from urllib.parse import parse_qs

import httpx
import pytest
from replay import Route

from exportplan.errors import DownloadError, ExportPlanError, ImportFailed
from exportplan.sources import census_trade
from exportplan.sources.census_trade import (
    TIDY_COLUMNS, fetch_national_exports_by_naics, fetch_state_exports, parse_intltrade,
    state_exports_url, total_check,
)

N3261 = "census_intltrade_exports_naics_NAICS3261_by-country_2024-12_ALL_VAL_YR.json"
N3241 = "census_intltrade_exports_naics_NAICS3241_by-country_2019-12_ALL_VAL_YR.json"
STATE_PATH = "/data/timeseries/intltrade/exports/statenaics"
NATION_PATH = "/data/timeseries/intltrade/exports/naics"
KEY = "k" * 40


@pytest.fixture
def recorded(shared_data):
    return shared_data / "api-responses" / "census_intltrade"


@pytest.fixture(autouse=True)
def no_key_in_environment(monkeypatch):
    monkeypatch.delenv("EXPORTPLAN_CENSUS_KEY", raising=False)


def _files(folder):
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def _state_body(year="2024", state="OH"):
    """Constructed statenaics answer: 2 NAICS codes, total, a group, a continent, 3 countries."""
    header = ["CTY_CODE", "CTY_NAME", "NAICS", "NAICS_SDESC", "ALL_VAL_YR", "STATE", "COMM_LVL",
              "time"]
    rows = []
    for naics, title, values in (("325", "CHEMICALS", (700, 200, 100)),
                                 ("336", "TRANSPORTATION EQUIPMENT", (5000, 3000, 0))):
        can, mex, deu = values
        rows += [["-", "TOTAL FOR ALL COUNTRIES", naics, title, str(can + mex + deu)],
                 ["0003", "EUROPEAN UNION", naics, title, str(deu)],
                 ["1XXX", "NORTH AMERICA", naics, title, str(can + mex)],
                 ["1220", "CANADA", naics, title, str(can)],
                 ["2010", "MEXICO", naics, title, str(mex)],
                 ["4280", "GERMANY", naics, title, str(deu)]]
    rows = [r + [state, "NA3", f"{year}-12"] for r in rows]
    return json.dumps([header] + rows).encode()


# ---------------------------------------------------------------- recorded bodies

@pytest.mark.parametrize("name, countries, total", [(N3241, 191, 93882128376),
                                                    (N3261, 208, 28562454191)])
def test_recorded_country_rows_sum_to_total(recorded, name, countries, total):
    frame, report = parse_intltrade(recorded / name)
    assert frame["kind"].value_counts().to_dict() == {"country": countries, "group": 19,
                                                      "total": 1}
    check = total_check(frame)
    assert check[["total", "countries_sum", "difference"]].values.tolist() == [[total, total, 0]]
    groups = frame[frame["kind"] != "country"]
    assert {"-", "0003", "0020", "1XXX", "7XXX"} <= set(groups["cty_code"])
    assert groups["iso3"].isna().all()
    assert frame.loc[frame["cty_name"] == "MEXICO", "iso3"].tolist() == ["MEX"]
    assert frame.loc[frame["kind"] == "country", "iso3"].notna().all()
    assert report.unmapped == []


def test_recorded_naics_and_time_columns(recorded):
    frame, _ = parse_intltrade(recorded / N3261)
    assert set(frame["naics"]) == {"3261"} and set(frame["time"]) == {"2024-12"}
    assert frame["naics_title"].iloc[0] == "PLASTICS PRODUCTS"
    assert frame.loc[frame["cty_code"] == "1220", "value"].iloc[0] > 0


# ---------------------------------------------------------------- bad input

@pytest.mark.parametrize("body, error, match", [
    (b'[["CTY_CODE","CTY_NAME","ALL_VAL_YR"],["1220","CANADA","12x"]]', ImportFailed,
     "line 2, column 'ALL_VAL_YR': the value is not a whole number"),
    (b'[["CTY_CODE","CTY_NAME","ALL_VAL_YR"],["1220","CANADA","1"],["1220","CANADA","2"]]',
     ImportFailed, r"country 1220 \(CANADA\) appears more than once"),
    (b'[["CTY_CODE","CTY_NAME","ALL_VAL_YR"],["1220","CANA', ExportPlanError,
     "is not complete JSON"),
    (b'[["CTY_CODE","CTY_NAME","ALL_VAL_YR"],["1220","CANADA"]]', ExportPlanError,
     "row 2: 2 values under 3 column names"),
    (b'[["CTY_CODE","CTY_NAME"],["1220","CANADA"]]', ExportPlanError, "has no value column"),
])
def test_bad_bodies_fail_whole(body, error, match):
    with pytest.raises(error, match=match):
        parse_intltrade(body)


def test_unmapped_country_is_reported_not_dropped_silently():
    body = b'[["CTY_CODE","CTY_NAME","ALL_VAL_YR"],["-","TOTAL FOR ALL COUNTRIES","3"],' \
           b'["1220","CANADA","1"],["9999","ATLANTIS","2"]]'
    frame, report = parse_intltrade(body, file="answer.json")
    assert report.unmapped == ["ATLANTIS"]
    assert "answer.json, line 4, column 'CTY_NAME'" in str(report.problems.problems[0])
    assert total_check(frame)["difference"].tolist() == [0]  # kept for the check
    with pytest.raises(ImportFailed, match="ATLANTIS"):
        parse_intltrade(body, strict=True)


# ---------------------------------------------------------------- requests

def test_state_url_and_validation():
    url = state_exports_url("oh", 2024, naics_level=4, key="secret")
    query = parse_qs(url.split("?", 1)[1])
    assert query["STATE"] == ["OH"] and query["COMM_LVL"] == ["NA4"]
    assert query["time"] == ["2024-12"] and "ALL_VAL_YR" in query["get"][0]
    assert census_trade.redact(url).endswith("key=***&time=2024-12")
    with pytest.raises(ExportPlanError, match="two-letter postal abbreviation"):
        state_exports_url("Ohio", 2024)
    with pytest.raises(ExportPlanError, match="2, 3, 4-digit NAICS only"):
        state_exports_url("OH", 2024, naics_level=6)


def test_fetch_national_exports_replays_recorded_body(replay_server, recorded, tmp_path):
    replay_server.add_file(NATION_PATH, recorded / N3261)
    frame, reports = fetch_national_exports_by_naics(
        "3261", 2024, cache_dir=tmp_path, key=KEY, base_url=replay_server.url(NATION_PATH),
        progress=False)
    query = parse_qs(replay_server.requests[0].query)
    assert query["get"] == ["NAICS_LDESC,CTY_CODE,CTY_NAME,ALL_VAL_YR"]
    assert query["NAICS"] == ["3261"] and query["time"] == ["2024-12"] and query["key"] == [KEY]
    assert list(frame.columns) == TIDY_COLUMNS
    assert set(frame["scope"]) == {"nation"} and set(frame["area"]) == {"US"}
    assert frame.loc[frame["iso3"] == "MEX", "value_usd"].tolist() == [9617108131]
    assert frame["value_usd"].sum() == 28562454191  # every country mapped: adds to the total
    report = reports["3261 2024"]
    assert KEY not in json.dumps(report.provenance) and "key=***" in report.provenance["url"]
    assert report.provenance["vintage"] == "2024-12 (ALL_VAL_YR)" and report.notes == []


def test_fetch_state_exports_constructed_body(replay_server, tmp_path, monkeypatch):
    monkeypatch.setenv("EXPORTPLAN_CENSUS_KEY", KEY)
    replay_server.add(STATE_PATH, respond=lambda request: (
        200, {"Content-Type": "application/json"},
        _state_body(parse_qs(request.query)["time"][0][:4])))
    frame, reports = fetch_state_exports("OH", [2023, 2024], cache_dir=tmp_path,
                                         base_url=replay_server.url(STATE_PATH), progress=False)
    query = parse_qs(replay_server.requests[0].query)
    assert query["STATE"] == ["OH"] and query["COMM_LVL"] == ["NA3"] and query["key"] == [KEY]
    assert sorted(parse_qs(r.query)["time"][0] for r in replay_server.requests) == [
        "2023-12", "2024-12"]
    one = frame[frame["year"] == 2024].set_index(["iso3", "naics"])["value_usd"]
    assert one[("CAN", "325")] == 700 and one[("MEX", "336")] == 3000
    assert one[("CAN", "")] == 5700 and one[("DEU", "")] == 100  # totals over NAICS
    assert set(frame["scope"]) == {"state"} and set(frame["area"]) == {"OH"}
    assert set(frame["iso3"]) == {"CAN", "MEX", "DEU"}  # groups and the total left out
    assert set(reports) == {"OH 2023", "OH 2024"}


def test_state_countries_not_adding_up_are_noted(replay_server, tmp_path):
    body = json.loads(_state_body())
    body[1][4] = "999999"  # constructed: the total row disagrees with the countries
    replay_server.add(STATE_PATH, json.dumps(body))
    _, reports = fetch_state_exports("OH", 2024, cache_dir=tmp_path, key=KEY,
                                     base_url=replay_server.url(STATE_PATH), progress=False)
    expected = "NAICS 325 2024-12 sum to 1,000 but Census's total is 999,999"
    assert any(expected in note for note in reports["OH 2024"].notes)


@pytest.mark.parametrize("follow", [False, True])
def test_missing_key_redirect(replay_server, tmp_path, follow):
    replay_server.add(STATE_PATH, Route(status=302, headers={
        "Location": replay_server.url("/data/missing_key.html")}))
    replay_server.add("/data/missing_key.html", Route(
        body="<html><body>A key is required</body></html>", content_type="text/html"))
    # Our own client sees the 302; a caller's redirect-following client sees the HTML page.
    client = httpx.Client(follow_redirects=True) if follow else None
    try:
        with pytest.raises(DownloadError) as caught:
            fetch_state_exports("OH", 2024, cache_dir=tmp_path, retries=0, client=client,
                                base_url=replay_server.url(STATE_PATH), progress=False)
    finally:
        if client:
            client.close()
    assert replay_server.hits("/data/missing_key.html") == int(follow)
    text = str(caught.value)
    assert "the Census API needs a key for this request: get one free at" in text
    assert "set EXPORTPLAN_CENSUS_KEY" in text
    assert _files(tmp_path) == []


def test_bad_key_html_page(replay_server, tmp_path):
    replay_server.add(STATE_PATH, Route(body="<html><body>Invalid Key</body></html>",
                                        content_type="text/html"))
    with pytest.raises(DownloadError, match="refused the API key") as caught:
        fetch_state_exports("OH", 2024, cache_dir=tmp_path, key=KEY, retries=0,
                            base_url=replay_server.url(STATE_PATH), progress=False)
    assert KEY not in str(caught.value)
    assert _files(tmp_path) == []


def test_no_content_204(replay_server, tmp_path):
    replay_server.add(STATE_PATH, 204)
    with pytest.raises(DownloadError, match="Census has no data for OH 2024"):
        fetch_state_exports("OH", 2024, cache_dir=tmp_path, key=KEY,
                            base_url=replay_server.url(STATE_PATH), progress=False)
    assert _files(tmp_path) == []


def test_http_400_detail_without_key(replay_server, tmp_path):
    replay_server.add(STATE_PATH, (400, {"Content-Type": "text/plain"},
                                   b"error: unknown variable 'XYZ'"))
    with pytest.raises(DownloadError) as caught:
        fetch_state_exports("OH", 2024, cache_dir=tmp_path, key=KEY, retries=0,
                            base_url=replay_server.url(STATE_PATH), progress=False)
    text = str(caught.value)
    assert "HTTP 400: error: unknown variable 'XYZ'" in text and "Check the state code" in text
    assert KEY not in text


def test_module_exports_are_complete():
    assert all(hasattr(census_trade, name) for name in census_trade.__all__)
