"""The JSON API (/api/v1): every endpoint for staff by session and by API token, the authorization of each
role, CSRF on a browser's writes, optimistic locking, filters, rankings that follow the weights, the
OpenAPI document against the app's own routes, the error format, and a stored <script> name."""
from __future__ import annotations

import datetime as dt
import json
import re

import numpy as np
import pandas as pd
import pytest
from starlette.testclient import TestClient

from exportplan.web.api_json import jsonable, validate
from exportplan.web.api_openapi import SCHEMAS, document
from exportplan.web.routes import STATE_CHANGING
from exportplan.web.security import CSRF_HEADER

from .conftest import sign_in

API = "/api/v1"
#: Each read endpoint (with a real key or id filled in by :func:`_reads`) and the rows it must have.
FAST = "draws=200"


def _api_routes(app):
    """(route, path, method) of every route of the app under /api/."""
    return [(route, route.path, method) for route in app.routes
            if route.path.startswith("/api/") for method in sorted(set(route.methods) - {"HEAD"})]


def _schema_problems(body, route):
    return validate(body, route.api.response, components=SCHEMAS)


def _route(app, path, method="GET"):
    return next(r for r, p, m in _api_routes(app) if p == path and m == method)


@pytest.fixture(scope="module")
def tokens(web_workspace):
    """An API token per role of the shared sample workspace."""
    return {role: web_workspace.accounts.create_token(name, label="api tests")["token"]
            for role, name in (("admin", "admin"), ("staff", "staff"), ("viewer", "viewer"),
                               ("partner", "partner"), ("judge", "sample-judge-1"))}


def _bearer(token):
    return {"Authorization": f"Bearer {token}"}


def _reads(web_workspace):
    company = str(web_workspace.pipeline.companies(limit=1)["company_id"].iloc[0])
    program = str(web_workspace.programs.programs()["program_id"].iloc[0])
    return {
        f"{API}/openapi.json": f"{API}/openapi.json",
        f"{API}/companies": f"{API}/companies?limit=5",
        f"{API}/companies/{{key}}": f"{API}/companies/{company}",
        f"{API}/programs": f"{API}/programs",
        f"{API}/programs/{{program_id}}": f"{API}/programs/{program}",
        f"{API}/gaps": f"{API}/gaps",
        f"{API}/duplications": f"{API}/duplications",
        f"{API}/rankings/sectors": f"{API}/rankings/sectors?{FAST}",
        f"{API}/rankings/markets": f"{API}/rankings/markets?{FAST}",
    }


# ---- every endpoint, by session and by token ---------------------------------------------------------------
@pytest.mark.parametrize("how", ["session", "token"])
def test_every_read_endpoint_answers_staff_with_json_that_fits_its_schema(app, web_workspace, tokens, how):
    reads = _reads(web_workspace)
    described = {p for _r, p, m in _api_routes(app) if m == "GET"}
    assert described == set(reads), "a GET route of the API is not exercised here"
    with TestClient(app, follow_redirects=False, client=("192.0.2.200", 1)) as client:
        headers = _bearer(tokens["staff"]) if how == "token" else {}
        if how == "session":
            sign_in(client, "staff")
        for path, url in reads.items():
            answer = client.get(url, headers=headers)
            assert answer.status_code == 200, (url, answer.text[:500])
            assert answer.headers["content-type"].startswith("application/json")
            assert answer.headers["x-content-type-options"] == "nosniff"
            assert answer.headers["cache-control"] == "no-store"
            body = answer.json()
            assert _schema_problems(body, _route(app, path)) == [], url
            if path != f"{API}/openapi.json":
                assert body["meta"]["title"] and isinstance(body["meta"]["sources"], list), url
                assert "NaN" not in answer.text, url


def test_tables_carry_their_sources_with_vintage_and_notes(app, tokens):
    with TestClient(app, follow_redirects=False) as client:
        body = client.get(f"{API}/rankings/sectors?{FAST}", headers=_bearer(tokens["viewer"])).json()
    sources = body["meta"]["sources"]
    assert sources and all({"publisher", "dataset", "vintage"} <= set(s) for s in sources)
    assert any(s["vintage"] for s in sources)
    assert body["meta"]["notes"] and body["meta"]["sample_data"] is True
    assert body["robustness"] and "draws" in body["robustness"][0]
    assert body["meta"]["draws"] == 200


@pytest.fixture
def write_app(web_copy):
    """The app over a copy of the sample (the tests write), with API tokens for staff, admin and viewer."""
    from exportplan import Workspace
    from exportplan.web.app import create_app

    ws = Workspace.open(web_copy)
    application = create_app(workspace=ws, warm=False)
    application.state.tokens = {role: ws.accounts.create_token(role, label="api tests")
                                for role in ("staff", "admin", "viewer")}
    yield application
    ws.close()


def _write_all(client, headers):
    """Add a company, change it, and add an outcome, a referral and an interaction; returns the answers."""
    out = {}
    added = client.post(f"{API}/companies", json={"name": "Api Widgets Inc", "county_fips": "99001",
                                                  "naics": "332710", "employees": 40, "stage": "export-ready",
                                                  "target_markets": ["Canada", "MEX"]}, headers=headers)
    out["add"] = added
    key = added.json()["data"]["company_id"]
    version = added.json()["data"]["version"]
    out["change"] = client.patch(f"{API}/companies/{key}", json={"version": version, "city": "Sampleton",
                                                                 "employees": 45}, headers=headers)
    out["outcomes"] = client.post(f"{API}/companies/{key}/outcomes",
                                  json={"kind": "export sales", "date": "2024-05-01", "iso3": "CAN",
                                        "export_sales_usd": 125000}, headers=headers)
    out["referrals"] = client.post(f"{API}/companies/{key}/referrals",
                                   json={"provider": "U.S. Commercial Service", "program": "Gold Key"},
                                   headers=headers)
    out["interactions"] = client.post(f"{API}/companies/{key}/interactions",
                                      json={"kind": "meeting", "summary": "planning <b>call</b>"}, headers=headers)
    return key, out


@pytest.mark.parametrize("how", ["session", "token"])
def test_every_write_endpoint_works_for_staff(write_app, how):
    with TestClient(write_app, follow_redirects=False, client=("192.0.2.201", 1)) as client:
        if how == "session":
            headers = {"X-CSRF-Token": sign_in(client, "staff")}
        else:
            headers = _bearer(write_app.state.tokens["staff"]["token"])
        key, out = _write_all(client, headers)
        writes = {(p, m) for _r, p, m in _api_routes(write_app) if m in STATE_CHANGING}
        assert len(writes) == 5 and len(out) == 5  # every state-changing API route is exercised
        assert out["add"].status_code == 201, out["add"].text
        assert out["add"].headers["location"] == f"{API}/companies/{key}"
        assert out["change"].status_code == 200, out["change"].text
        changed = out["change"].json()["data"]
        assert changed["version"] == 2 and changed["city"] == "Sampleton" and changed["employees"] == 45
        assert changed["updated_by"] == "staff" and changed["target_markets"] == "CAN;MEX"
        for kind in ("outcomes", "referrals", "interactions"):
            assert out[kind].status_code == 201, out[kind].text
            assert out[kind].json()["company_id"] == key
            route = _route(write_app, f"{API}/companies/{{key}}/{kind}", "POST")
            assert _schema_problems(out[kind].json(), route) == []
        assert out["outcomes"].json()["data"]["export_sales_usd"] == 125000
        interaction = out["interactions"].json()["data"]
        assert interaction["summary"] == "planning <b>call</b>" and interaction["staff"] == "Test staff"
        assert interaction["date"] == str(write_app.state.workspace.context.clock())[:10]  # blank date: today
        stored = client.get(f"{API}/companies/{key}", headers=headers).json()["data"]
        assert [len(stored[k]) for k in ("outcomes", "referrals", "interactions")] == [1, 1, 1]
        assert _schema_problems({"data": stored, "meta": {"title": "x", "sources": [], "notes": []}},
                                _route(write_app, f"{API}/companies/{{key}}")) == []


# ---- authorization -----------------------------------------------------------------------------------------
def test_every_api_route_answers_401_without_a_session_or_with_a_bad_token(app):
    with TestClient(app, follow_redirects=False, client=("192.0.2.202", 1)) as client:
        for _route_, path, method in _api_routes(app):
            url = re.sub(r"\{[^}]+\}", "x", path)
            for headers in ({}, _bearer("not-a-token"), {"Authorization": "Basic abc"}):
                answer = client.request(method, url, headers=headers, json={})
                assert answer.status_code == 401, (method, url, headers, answer.status_code)
                assert answer.json()["error"] and answer.headers["www-authenticate"] == "Bearer"


def test_a_revoked_token_gets_401(write_app):
    staff = write_app.state.tokens["staff"]
    with TestClient(write_app, follow_redirects=False) as client:
        assert client.get(f"{API}/companies?limit=1", headers=_bearer(staff["token"])).status_code == 200
        write_app.state.workspace.accounts.revoke_token(staff["id"])
        answer = client.get(f"{API}/companies?limit=1", headers=_bearer(staff["token"]))
        assert answer.status_code == 401 and "revoked" in answer.json()["error"]
        answer = client.post(f"{API}/companies", json={"name": "After revoking"}, headers=_bearer(staff["token"]))
        assert answer.status_code == 401
    assert not write_app.state.workspace.pipeline.count_companies(search="After revoking")


def test_a_viewer_reads_but_cannot_write(app, web_workspace, tokens):
    key = str(web_workspace.pipeline.companies(limit=1)["company_id"].iloc[0])
    before = web_workspace.pipeline.company(key)
    with TestClient(app, follow_redirects=False, client=("192.0.2.203", 1)) as client:
        for headers in (_bearer(tokens["viewer"]), None):
            if headers is None:  # the viewer's browser session, with its CSRF token
                headers = {"X-CSRF-Token": sign_in(client, "viewer")}
            read = client.get(f"{API}/companies/{key}", headers=headers)
            assert read.status_code == 200
            assert "contacts" not in read.json()["data"]  # people's details are for staff only
            writes = [("POST", f"{API}/companies", {"name": "Viewer Co"}),
                      ("PATCH", f"{API}/companies/{key}", {"version": before["version"], "city": "Nope"}),
                      ("POST", f"{API}/companies/{key}/outcomes", {"kind": "first export"}),
                      ("POST", f"{API}/companies/{key}/referrals", {"provider": "X"}),
                      ("POST", f"{API}/companies/{key}/interactions", {"kind": "call"})]
            for method, url, body in writes:
                answer = client.request(method, url, json=body, headers=headers)
                assert answer.status_code == 403, (method, url, answer.status_code)
                assert answer.json()["error"]
    after = web_workspace.pipeline.company(key)
    assert after["version"] == before["version"] and len(after["outcomes"]) == len(before["outcomes"])


@pytest.mark.parametrize("role", ["partner", "judge"])
def test_partners_and_judges_get_403_on_companies_programs_and_rankings(app, web_workspace, tokens, role):
    reads = _reads(web_workspace)
    with TestClient(app, follow_redirects=False, client=("192.0.2.204", 1)) as client:
        for path, url in reads.items():
            answer = client.get(url, headers=_bearer(tokens[role]))
            if path == f"{API}/openapi.json":  # the description holds no data: any signed-in user may read it
                assert answer.status_code == 200
                continue
            assert answer.status_code == 403, (role, url, answer.status_code)
        token = sign_in(client, role)
        assert client.get(f"{API}/companies", headers={}).status_code == 403
        answer = client.post(f"{API}/companies", json={"name": "X"}, headers={"X-CSRF-Token": token})
        assert answer.status_code == 403


def test_a_browser_write_needs_the_csrf_header_and_a_token_write_does_not(write_app):
    with TestClient(write_app, follow_redirects=False, client=("192.0.2.205", 1)) as client:
        token = sign_in(client, "staff")
        for headers in ({}, {"X-CSRF-Token": "forged"}, {"X-CSRF-Token": token[:-1]}):
            answer = client.post(f"{API}/companies", json={"name": "Csrf Co"}, headers=headers)
            assert answer.status_code == 403 and "CSRF" in answer.json()["error"], headers
        assert not write_app.state.workspace.pipeline.count_companies(search="Csrf Co")
        assert client.post(f"{API}/companies", json={"name": "Csrf Co"},
                           headers={"X-CSRF-Token": token}).status_code == 201
    with TestClient(write_app, follow_redirects=False, client=("192.0.2.206", 1)) as script:
        answer = script.post(f"{API}/companies", json={"name": "Script Co"},
                             headers=_bearer(write_app.state.tokens["staff"]["token"]))
        assert answer.status_code == 201 and answer.json()["data"]["created_by"] == "staff"
        assert "set-cookie" not in answer.headers  # a token request gets no cookie


# ---- optimistic locking --------------------------------------------------------------------------------------
def test_a_change_to_an_old_version_is_refused_with_who_saved(write_app):
    tokens = write_app.state.tokens
    with TestClient(write_app, follow_redirects=False) as client:
        key = client.post(f"{API}/companies", json={"name": "Locking Co", "county_fips": "99001"},
                          headers=_bearer(tokens["staff"]["token"])).json()["data"]["company_id"]
        read = client.get(f"{API}/companies/{key}", headers=_bearer(tokens["staff"]["token"])).json()["data"]
        first = client.patch(f"{API}/companies/{key}", json={"version": read["version"], "city": "Admin City"},
                             headers=_bearer(tokens["admin"]["token"]))
        assert first.status_code == 200 and first.json()["data"]["version"] == read["version"] + 1
        late = client.patch(f"{API}/companies/{key}", json={"version": read["version"], "city": "Staff City"},
                            headers=_bearer(tokens["staff"]["token"]))
        assert late.status_code == 409
        body = late.json()
        assert body["changed_by"] == "admin" and body["version"] == read["version"] + 1 and body["changed_at"]
        assert "admin" in body["error"] and "nothing was saved" in body["error"]
        assert validate(body, {"$ref": "#/components/schemas/Error"}, components=SCHEMAS) == []
        now = client.get(f"{API}/companies/{key}", headers=_bearer(tokens["staff"]["token"])).json()["data"]
        assert now["city"] == "Admin City"
        missing = client.patch(f"{API}/companies/{key}", json={"city": "No Version"},
                               headers=_bearer(tokens["staff"]["token"]))
        assert missing.status_code == 422 and missing.json()["problems"] == [{"field": "version",
                                                                             "problem": "is required"}]


# ---- filters ---------------------------------------------------------------------------------------------------
def test_company_filters_match_the_pipeline_and_page_through(app, web_workspace, tokens):
    frame = web_workspace.pipeline.companies()
    stage = frame["stage"].value_counts().index[0]
    naics = str(frame["naics"][frame["naics"].str.len() >= 2].iloc[0])[:2]
    with TestClient(app, follow_redirects=False) as client:
        get = lambda q: client.get(f"{API}/companies?{q}", headers=_bearer(tokens["viewer"])).json()  # noqa: E731
        body = get(f"stage={stage}&limit=1000")
        assert body["total"] == int((frame["stage"] == stage).sum()) == len(body["data"])
        assert {row["stage"] for row in body["data"]} == {stage}
        two = get("stage=active,expanding&limit=1000")
        assert two["total"] == int(frame["stage"].isin(["active", "expanding"]).sum())
        assert get("stage=active&stage=expanding&limit=1000")["total"] == two["total"]
        body = get(f"naics={naics}&limit=1000")
        assert body["total"] == int(frame["naics"].astype(str).str.startswith(naics).sum())
        assert all(row["naics"].startswith(naics) for row in body["data"])
        name = str(frame["name"].iloc[3])
        word = name.split()[1]
        assert any(row["name"] == name for row in get(f"q={word}&limit=1000")["data"])
        county = str(frame["county_fips"].iloc[0])
        assert get(f"county={county}&limit=1")["total"] == int((frame["county_fips"] == county).sum())
        first, second = get("limit=3&offset=0"), get("limit=3&offset=3")
        assert [r["company_id"] for r in first["data"] + second["data"]] == list(frame["company_id"][:6])
        assert first["total"] == len(frame) and first["limit"] == 3 and second["offset"] == 3
        for query, field in (("stage=nowhere", "stage"), ("limit=0", "limit"), ("limit=x", "limit"),
                             ("colour=red", "colour")):
            answer = client.get(f"{API}/companies?{query}", headers=_bearer(tokens["viewer"]))
            assert answer.status_code == 400 and answer.json()["problems"][0]["field"] == field, query


def test_program_gap_and_duplication_filters(app, web_workspace, tokens):
    programs = web_workspace.programs.programs()
    level = programs["level"].value_counts().index[0]
    with TestClient(app, follow_redirects=False) as client:
        get = lambda q: client.get(f"{API}/{q}", headers=_bearer(tokens["staff"])).json()  # noqa: E731
        body = get(f"programs?level={level}")
        assert body["total"] == int((programs["level"] == level).sum()) and {r["level"] for r in body["data"]} == {level}
        gaps = get("gaps?gap=true")
        assert gaps["total"] > 0 and all(row["gap"] for row in gaps["data"])
        assert get("gaps")["total"] > gaps["total"]
        dups = get("duplications?kind=duplication")
        assert dups["total"] > 0 and {row["kind"] for row in dups["data"]} == {"duplication"}
        missing = client.get(f"{API}/programs/no-such-program", headers=_bearer(tokens["staff"]))
        assert missing.status_code == 404 and "no-such-program" in missing.json()["error"]


# ---- rankings ----------------------------------------------------------------------------------------------------
def test_sector_ranking_follows_the_weights(app, web_workspace, tokens):
    with TestClient(app, follow_redirects=False) as client:
        get = lambda q: client.get(f"{API}/rankings/sectors?{FAST}&{q}",  # noqa: E731
                                   headers=_bearer(tokens["staff"])).json()
        base, sized = get(""), get("weights=size=0.8")
    order = lambda body: [row["code"] for row in body["data"]]  # noqa: E731
    assert order(base) != order(sized)
    expected = web_workspace.sectors.rank_sectors(weights="size=0.8", draws=200)
    assert order(sized) == list(expected.table["code"])
    assert sized["weights"] == pytest.approx(expected.group_weights)
    assert sized["weights"]["size"] > base["weights"]["size"] and sum(sized["weights"].values()) == pytest.approx(1)
    row = sized["data"][0]
    assert {"score", "reason", "robust", "rank_p05", "rank_p95"} <= set(row) and row["reason"]


def test_market_ranking_follows_the_weights_and_the_preset(app, web_workspace, tokens):
    with TestClient(app, follow_redirects=False) as client:
        get = lambda q: client.get(f"{API}/rankings/markets?{FAST}&{q}",  # noqa: E731
                                   headers=_bearer(tokens["staff"])).json()
        base, near, preset = get(""), get("weights=proximity=0.9"), get("preset=low-risk&limit=5")
        bad = client.get(f"{API}/rankings/markets?weights=sunshine=1", headers=_bearer(tokens["staff"]))
    order = lambda body: [row["iso3"] for row in body["data"]]  # noqa: E731
    expected = web_workspace.markets.rank_markets(weights="proximity=0.9", draws=200)
    assert order(base) != order(near) and order(near) == list(expected.table["iso3"])
    assert near["weights"] == pytest.approx(expected.weights)
    assert near["weights"]["proximity"] > base["weights"]["proximity"]
    assert preset["preset"] == "low-risk" and len(preset["data"]) == 5 and preset["total"] == len(base["data"])
    assert bad.status_code == 400 and "sunshine" in bad.json()["error"]  # the service's message, passed through


# ---- the OpenAPI document ---------------------------------------------------------------------------------------
def _check_openapi(doc: dict) -> None:
    """A structural check of an OpenAPI 3.1 document: version, info, paths, operations with responses, every
    $ref resolving, path parameters matching the path."""
    assert re.match(r"^3\.1\.\d+$", doc["openapi"])
    assert doc["info"]["title"] and doc["info"]["version"]
    schemas = doc["components"]["schemas"]
    assert doc["paths"]
    for path, item in doc["paths"].items():
        assert path.startswith("/")
        assert item and set(item) <= {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
        names = set(re.findall(r"\{([^}]+)\}", path))
        for method, op in item.items():
            assert op["summary"] and op["operationId"] and op["responses"], (path, method)
            assert any(code.startswith("2") for code in op["responses"]), (path, method)
            for code, response in op["responses"].items():
                assert re.match(r"^[1-5]\d\d$", code) and response["description"]
                assert "application/json" in response["content"]
            params = op.get("parameters", [])
            assert {p["name"] for p in params if p["in"] == "path"} == names, (path, method)
            assert all(p["in"] in ("query", "path", "header", "cookie") and "schema" in p for p in params)
            assert all(p["required"] for p in params if p["in"] == "path")
            if "requestBody" in op:
                assert op["requestBody"]["content"]["application/json"]["schema"]["type"] == "object"
            for security in op.get("security", []):
                assert set(security) <= set(doc["components"]["securitySchemes"])
    refs = re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', json.dumps(doc))
    assert refs and all(name in schemas for name in refs)
    ids = [op["operationId"] for item in doc["paths"].values() for op in item.values()]
    assert len(ids) == len(set(ids))


def test_the_openapi_document_describes_exactly_the_api_routes(app, tokens):
    with TestClient(app, follow_redirects=False) as client:
        answer = client.get(f"{API}/openapi.json", headers=_bearer(tokens["viewer"]))
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("application/json")
    doc = json.loads(answer.text)
    _check_openapi(doc)
    described = {(path, method.upper()) for path, item in doc["paths"].items() for method in item}
    served = {(path, method) for _r, path, method in _api_routes(app)}
    assert described == served
    assert len(served) >= 14
    for route, path, method in _api_routes(app):
        op = doc["paths"][path][method.lower()]
        assert op["x-access"] == route.access
        assert op["summary"] == " ".join(route.endpoint.__doc__.strip().split("\n\n")[0].split())
        for param in getattr(route, "api").query:
            assert any(p["name"] == param.name and p["in"] == "query" for p in op["parameters"])
    assert all("requestBody" in doc["paths"][p][m.lower()] for _r, p, m in _api_routes(app) if m in STATE_CHANGING)
    companies = doc["paths"][f"{API}/companies"]
    assert companies["post"]["requestBody"]["content"]["application/json"]["schema"]["required"] == ["name"]
    assert "409" in doc["paths"][f"{API}/companies/{{key}}"]["patch"]["responses"]
    assert {"bearerToken", "sessionCookie"} == set(doc["components"]["securitySchemes"])


def test_a_new_api_route_is_described_the_day_it_is_added(web_workspace):
    from starlette.responses import JSONResponse

    from exportplan.web.app import create_app
    from exportplan.web.routes import page

    def extra(request):
        """A route added without an operation description."""
        return JSONResponse({})

    app = create_app(workspace=web_workspace, warm=False,
                     extra_routes=[page("/api/v1/extra/{thing}", extra, access="read", methods=("GET", "POST"))])
    doc = document(app.routes)
    _check_openapi(doc)
    item = doc["paths"]["/api/v1/extra/{thing}"]
    assert set(item) == {"get", "post"}
    assert item["get"]["summary"] == "A route added without an operation description."
    assert item["get"]["x-access"] == item["post"]["x-access"] == "read"
    assert any(p["name"].lower() == CSRF_HEADER and p["in"] == "header" for p in item["post"]["parameters"])


# ---- errors and JSON ------------------------------------------------------------------------------------------------
def test_errors_say_what_is_wrong(write_app):
    headers = _bearer(write_app.state.tokens["staff"]["token"])
    with TestClient(write_app, follow_redirects=False) as client:
        missing = client.get(f"{API}/companies/NO-SUCH-CO", headers=headers)
        assert missing.status_code == 404 and "NO-SUCH-CO" in missing.json()["error"]
        assert client.post(f"{API}/companies/NO-SUCH-CO/outcomes", json={"kind": "first export"},
                           headers=headers).status_code == 404
        not_json = client.post(f"{API}/companies", data={"name": "Form Co"}, headers=headers)
        assert not_json.status_code == 415 and "application/json" in not_json.json()["error"]
        broken = client.post(f"{API}/companies", content=b"{name:", headers={**headers,
                                                                               "Content-Type": "application/json"})
        assert broken.status_code == 400 and "not valid JSON" in broken.json()["error"]
        wrong = client.post(f"{API}/companies", json={"name": 5, "colour": "red", "employees": -1}, headers=headers)
        assert wrong.status_code == 422
        fields = {p["field"] for p in wrong.json()["problems"]}
        assert fields == {"name", "colour", "employees"}
        refused = client.post(f"{API}/companies", json={"name": "Bad Naics Co", "naics": "12x"}, headers=headers)
        assert refused.status_code == 422 and "NAICS" in refused.json()["error"]  # the service's own message
        key = client.post(f"{API}/companies", json={"name": "Dated Co"}, headers=headers).json()["data"]["company_id"]
        future = client.post(f"{API}/companies/{key}/interactions", json={"kind": "call", "date": "2999-01-01"},
                             headers=headers)
        assert future.status_code == 422 and "in the future" in future.json()["error"]
        again = client.post(f"{API}/companies", json={"name": "Dated Co", "company_id": key}, headers=headers)
        assert again.status_code == 422 and "already stored" in again.json()["error"]
        for answer in (missing, not_json, broken, wrong, refused, future):
            assert validate(answer.json(), {"$ref": "#/components/schemas/Error"}, components=SCHEMAS) == []
            assert answer.json()["status"] == answer.status_code


def test_a_script_company_name_comes_back_as_a_json_string(write_app):
    name = "<script>alert('x')</script>\"&"
    headers = _bearer(write_app.state.tokens["staff"]["token"])
    with TestClient(write_app, follow_redirects=False) as client:
        key = client.post(f"{API}/companies", json={"name": name}, headers=headers).json()["data"]["company_id"]
        for url in (f"{API}/companies/{key}", f"{API}/companies?q=alert"):
            answer = client.get(url, headers=headers)
            assert answer.headers["content-type"] == "application/json"
            assert answer.headers["x-content-type-options"] == "nosniff"
            assert "default-src 'self'" in answer.headers["content-security-policy"]
            body = answer.json()
            data = body["data"] if isinstance(body["data"], dict) else body["data"][0]
            assert data["name"] == name


def test_values_become_plain_json():
    frame = pd.DataFrame({"a": [1.5, np.nan], "b": pd.array([1, None], dtype="Int64"),
                          "when": [pd.Timestamp("2024-01-02"), pd.NaT], "flag": [np.bool_(True), False]})
    frame.attrs["exportplan"] = {"title": "t"}
    out = jsonable({"rows": frame, "day": dt.date(2024, 5, 6), "inf": float("inf"), "n": np.int64(3),
                    "f": np.float32(0.5), "set": {"b", "a"}})
    assert out == {"rows": [{"a": 1.5, "b": 1, "when": "2024-01-02T00:00:00", "flag": True},
                            {"a": None, "b": None, "when": None, "flag": False}],
                   "day": "2024-05-06", "inf": None, "n": 3, "f": 0.5, "set": ["a", "b"]}
    json.dumps(out, allow_nan=False)
