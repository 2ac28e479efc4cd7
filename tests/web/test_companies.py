"""The companies and prospects pages: the list's filters and search, a company's page for staff and for a
viewer, every form of the company page (each writes through the services), the edit conflict, the readiness
assessment, referrals, outcomes with their attribution, the import by upload (the error table, nothing
stored, then the fixed file imported), and escaping of stored company names."""
from __future__ import annotations

import re
from html import unescape

import pytest
from starlette.testclient import TestClient

from exportplan import Workspace
from exportplan.analysis import readiness

from .conftest import sign_in

#: A company of the sample with contacts, needs, referrals and outcomes (a member of the sample cohort).
MEMBER, COHORT = "SAMPLE-0012", "sample-exportech-2026"
GOOD_CSV = ("company_id,name,naics,county_fips,stage,tags\n"
            "WEB-0001,Web Upload Tooling LLC,332710,99001,export-ready,web-upload\n"
            "WEB-0002,Web Upload Optics Inc.,333314,99003,not ready,web-upload\n")
BAD_CSV = ("company_id,name,naics,county_fips,stage,tags\n"
           "WEB-0001,Web Upload Tooling LLC,33271X,99001,export-ready,web-upload\n"
           "WEB-0002,Web Upload Optics Inc.,333314,99003,nowhere,web-upload\n")


def _client(app, address: str) -> TestClient:
    return TestClient(app, follow_redirects=False, client=(address, 41000))


@pytest.fixture
def written(web_copy):
    """(app, workspace) over a copy of the sample, for tests that write."""
    from exportplan.web.app import create_app

    ws = Workspace.open(web_copy)
    yield create_app(workspace=ws), ws
    ws.close()


@pytest.fixture
def staff(written):
    """A staff client of :func:`written`, its CSRF token and the workspace."""
    application, ws = written
    with _client(application, "198.51.100.10") as client:
        yield client, sign_in(client, "staff"), ws


def _names(html: str) -> list[str]:
    """The company names of a list page (its rows' header cells)."""
    return [unescape(n) for n in re.findall(r'<th scope="row"><a href="/companies/[^"]+">([^<]*)</a></th>', html)]


def _error(html: str) -> str:
    found = re.search(r'<p class="error" role="alert"[^>]*>(.*?)</p>', html, re.S)
    return unescape(found.group(1)) if found else ""


# ---- the list -------------------------------------------------------------------------------------------
def test_the_list_pages_through_every_company(app, web_workspace):
    with _client(app, "198.51.100.1") as client:
        sign_in(client, "viewer")
        first = client.get("/companies")
        second = client.get("/companies?page=2")
    assert first.status_code == 200
    total = web_workspace.pipeline.count_companies()
    assert f"{total:,} companies." in first.text and "Page 1 of" in first.text
    expected = web_workspace.pipeline.companies(limit=50)["name"].tolist()
    assert _names(first.text) == expected
    assert _names(second.text) == web_workspace.pipeline.companies(limit=50, offset=50)["name"].tolist()
    assert 'rel="next"' in first.text and 'href="/companies?page=2"' in first.text
    assert "Import a company file" not in first.text  # a viewer cannot import


@pytest.mark.parametrize("query, filters", [
    ("stage=expanding", dict(stage="expanding")),
    ("county=99005", dict(county="99005")),
    ("naics=3345", dict(naics="3345")),
    ("sector=Biopharmaceuticals&stage=not+ready", dict(sector="Biopharmaceuticals", stage="not ready")),
    ("q=acorn", dict(search="acorn")),
])
def test_the_lists_filters_and_search(app, web_workspace, query, filters):
    with _client(app, "198.51.100.2") as client:
        sign_in(client, "staff")
        page = client.get(f"/companies?{query}")
    assert page.status_code == 200
    wanted = web_workspace.pipeline.companies(**filters, limit=50)
    total = web_workspace.pipeline.count_companies(**filters)
    assert 0 < total < web_workspace.pipeline.count_companies()
    assert _names(page.text) == wanted["name"].tolist()
    assert f"{total:,} compan" in page.text and "match" in page.text


def test_the_tag_filter_keeps_companies_carrying_the_tag(app, web_workspace):
    with _client(app, "198.51.100.3") as client:
        sign_in(client, "staff")
        page = client.get("/companies?tag=foreign-owned")
    every = web_workspace.pipeline.companies()
    tagged = every[every["tags"].fillna("").str.split(";").apply(lambda tags: "foreign-owned" in tags)]
    assert 0 < len(tagged) < len(every)
    assert _names(page.text) == tagged["name"].tolist()[:50]
    assert f"{len(tagged):,} compan" in page.text


def test_a_bad_filter_says_what_to_give(app):
    with _client(app, "198.51.100.4") as client:
        sign_in(client, "staff")
        page = client.get("/companies?naics=abc&stage=nowhere")
    assert page.status_code == 200
    assert "must be the first digits of a code" in page.text and "is not a stage" in page.text


# ---- a company's page -----------------------------------------------------------------------------------
def test_the_company_page_for_staff(app, web_workspace):
    record = web_workspace.pipeline.company(MEMBER)
    outcomes = web_workspace.initiatives.outcomes(company=MEMBER)
    with _client(app, "198.51.100.5") as client:
        sign_in(client, "staff")
        page = client.get(f"/companies/{MEMBER}")
    text = page.text
    assert page.status_code == 200
    assert f"<h1>{record['name']}</h1>" in unescape(text)
    for heading in ("Profile", "Contacts", "Stage history", "Assessments", "Interactions", "Needs",
                    "Matched programs", "Referrals", "Outcomes"):
        assert f">{heading}" in text, heading
    assert record["contacts"] and record["contacts"][0]["email"] in text  # staff see the contacts
    for oid, attributed in zip(outcomes["outcome_id"], outcomes["attributed_to"]):
        assert f"<td class=\"num\">{oid}</td>" in text
        if attributed:
            assert attributed in text
    assert f'href="/companies/{MEMBER}/plan"' in text and f'href="/companies/{MEMBER}/assessment"' in text
    for action in ("edit", "stage", "interactions", "needs", "referrals", "outcomes", "attributions"):
        assert f'action="/companies/{MEMBER}/{action}"' in text, action
    assert text.count('name="csrf_token"') >= 8  # every form carries the token (and sign-out)


def test_the_company_page_for_a_viewer_shows_no_forms_and_no_contacts(app, web_workspace):
    record = web_workspace.pipeline.company(MEMBER)
    with _client(app, "198.51.100.6") as client:
        token = sign_in(client, "viewer")
        page = client.get(f"/companies/{MEMBER}")
        assert page.status_code == 200 and "Stage history" in page.text
        assert record["contacts"][0]["email"] not in page.text and ">Contacts" not in page.text
        assert f'action="/companies/{MEMBER}/' not in page.text and "Run an assessment" not in page.text
        assert client.get(f"/companies/{MEMBER}/assessment").status_code == 403
        assert client.get("/companies/import").status_code == 403
        for action in ("edit", "stage", "interactions", "needs", "referrals", "outcomes", "attributions",
                       "assessment"):
            answer = client.post(f"/companies/{MEMBER}/{action}", data={"csrf_token": token, "stage": "active"})
            assert answer.status_code == 403, action
        assert client.post("/companies/import", data={"csrf_token": token}).status_code == 403
    assert web_workspace.pipeline.company(MEMBER)["version"] == record["version"]


def test_an_unknown_company_is_404(app):
    with _client(app, "198.51.100.7") as client:
        sign_in(client, "viewer")
        page = client.get("/companies/NO-SUCH-COMPANY")
    assert page.status_code == 404 and "No company with company_id" in unescape(page.text)


def test_the_matched_programs_of_a_company(app, web_workspace):
    matched = web_workspace.programs.match(MEMBER)
    with _client(app, "198.51.100.8") as client:
        sign_in(client, "viewer")
        part = client.get(f"/companies/{MEMBER}/programs?part=1")
        whole = client.get(f"/companies/{MEMBER}/programs")
    assert part.status_code == 200 and "<html" not in part.text and "<table" in part.text
    assert whole.status_code == 200 and "<html" in whole.text
    for program in matched["program"].dropna():
        if program:
            assert program in unescape(part.text)


# ---- the forms ------------------------------------------------------------------------------------------
def test_editing_a_companys_fields(staff):
    client, token, ws = staff
    before = ws.pipeline.company(MEMBER)
    answer = client.post(f"/companies/{MEMBER}/edit", data={
        "csrf_token": token, "version": str(before["version"]), "name": before["name"], "city": "Newtown",
        "employees": "77", "tags": "sample;web-edited"})
    assert answer.status_code == 303 and answer.headers["location"] == f"/companies/{MEMBER}#profile"
    after = ws.pipeline.company(MEMBER)
    assert (after["city"], int(after["employees"]), after["tags"]) == ("Newtown", 77, "sample;web-edited")
    assert after["version"] == before["version"] + 1 and after["updated_by"] == "staff"
    page = client.get(f"/companies/{MEMBER}")
    assert "Saved (version" in unescape(page.text) and "Newtown" in page.text


def test_an_edit_on_an_old_version_says_who_saved_and_keeps_the_values(staff):
    client, token, ws = staff
    old = ws.pipeline.company(MEMBER)["version"]
    ws.for_request(user="colleague").pipeline.update_company(MEMBER, expected_version=old, city="Othertown")
    answer = client.post(f"/companies/{MEMBER}/edit", data={
        "csrf_token": token, "version": str(old), "city": "My town"})
    assert answer.status_code == 409
    message = _error(answer.text)
    assert "was changed by colleague" in message and "nothing was saved" in message
    assert 'value="My town"' in answer.text  # what the user typed is kept
    assert ws.pipeline.company(MEMBER)["city"] == "Othertown"


def test_a_bad_value_is_shown_in_its_form(staff):
    client, token, ws = staff
    version = ws.pipeline.company(MEMBER)["version"]
    answer = client.post(f"/companies/{MEMBER}/edit", data={"csrf_token": token, "version": str(version),
                                                            "naics": "12x"})
    assert answer.status_code == 400 and "must be 2 to 6 digits" in _error(answer.text)
    assert 'value="12x"' in answer.text and ws.pipeline.company(MEMBER)["version"] == version


def test_changing_the_stage(staff):
    client, token, ws = staff
    answer = client.post(f"/companies/{MEMBER}/stage", data={"csrf_token": token, "stage": "expanding",
                                                             "note": "web test"})
    assert answer.status_code == 303
    record = ws.pipeline.company(MEMBER)
    assert record["stage"] == "expanding"
    assert record["stage_history"][-1]["note"] == "web test" and record["stage_history"][-1]["changed_by"] == "staff"


def test_logging_an_interaction_and_adding_a_need(staff):
    client, token, ws = staff
    before = ws.pipeline.company(MEMBER)
    one = client.post(f"/companies/{MEMBER}/interactions", data={
        "csrf_token": token, "date": "2026-11-02", "kind": "visit", "summary": "Plant visit", "staff": "Pat"})
    two = client.post(f"/companies/{MEMBER}/needs", data={
        "csrf_token": token, "service_category": "market research", "iso3": "Germany", "note": "EU buyers"})
    assert one.status_code == two.status_code == 303
    after = ws.pipeline.company(MEMBER)
    assert len(after["interactions"]) == len(before["interactions"]) + 1
    assert {k: after["interactions"][-1][k] for k in ("date", "kind", "summary", "staff")} == {
        "date": "2026-11-02", "kind": "visit", "summary": "Plant visit", "staff": "Pat"}
    assert after["needs"][-1]["service_category"] == "market research" and after["needs"][-1]["iso3"] == "DEU"
    bad = client.post(f"/companies/{MEMBER}/interactions", data={
        "csrf_token": token, "date": "2026-11-02", "kind": "telepathy", "summary": "kept summary"})
    assert bad.status_code == 400 and "telepathy" in _error(bad.text) and 'value="kept summary"' in bad.text
    assert len(ws.pipeline.company(MEMBER)["interactions"]) == len(after["interactions"])


def test_recording_a_referral_to_a_program_of_the_inventory(staff):
    client, token, ws = staff
    program = ws.programs.programs().iloc[0]
    answer = client.post(f"/companies/{MEMBER}/referrals", data={
        "csrf_token": token, "program_id": program["program_id"], "date": "2026-11-03", "status": "made",
        "referrer": "Pat"})
    assert answer.status_code == 303
    referral = ws.pipeline.company(MEMBER)["referrals"][-1]
    assert (referral["program_key"], referral["program"], referral["provider"]) == (
        program["program_id"], program["name"], program["provider_name"])
    page = client.get(f"/companies/{MEMBER}")
    assert f"Referral #{referral['id']} recorded." in page.text
    nothing = client.post(f"/companies/{MEMBER}/referrals", data={"csrf_token": token, "date": "2026-11-03"})
    assert nothing.status_code == 400 and "needs a program of the inventory" in _error(nothing.text)


def test_recording_an_outcome_attributed_to_a_run(staff):
    client, token, ws = staff
    answer = client.post(f"/companies/{MEMBER}/outcomes", data={
        "csrf_token": token, "kind": "new market", "date": "2026-11-04", "iso3": "MEX",
        "export_sales_usd": "125000", "attribute_to": COHORT})
    assert answer.status_code == 303
    outcomes = ws.initiatives.outcomes(company=MEMBER)
    newest = outcomes[outcomes["outcome_id"] == outcomes["outcome_id"].max()].iloc[0]
    assert (newest["kind"], newest["iso3"], newest["export_sales_usd"]) == ("new market", "MEX", 125000.0)
    assert COHORT in newest["attributed_to"]
    page = client.get(f"/companies/{MEMBER}#outcomes")
    assert f"Outcome #{newest['outcome_id']} recorded and attributed to {COHORT}." in unescape(page.text)


def test_an_outcome_whose_attribution_is_refused_stays_recorded_and_can_be_attributed(staff):
    client, token, ws = staff
    answer = client.post(f"/companies/{MEMBER}/outcomes", data={
        "csrf_token": token, "kind": "first export", "date": "2026-11-05", "attribute_to": "sample-mission-ind-2026"})
    assert answer.status_code == 400
    oid = int(ws.initiatives.outcomes(company=MEMBER)["outcome_id"].max())
    assert f"Outcome #{oid} is recorded, but it was not attributed" in _error(answer.text)
    forced = client.post(f"/companies/{MEMBER}/attributions", data={
        "csrf_token": token, "outcome_id": str(oid), "target": "sample-mission-ind-2026", "force": "1"})
    assert forced.status_code == 303
    outcomes = ws.initiatives.outcomes(company=MEMBER)
    assert "sample-mission-ind-2026" in outcomes.set_index("outcome_id").loc[oid, "attributed_to"]


def test_the_readiness_assessment(staff):
    client, token, ws = staff
    key = ws.pipeline.companies(stage="not ready", limit=1)["company_id"].iloc[0]
    form = client.get(f"/companies/{key}/assessment")
    assert form.status_code == 200
    assert form.text.count("<fieldset") == len(readiness.ITEMS) + len(readiness.AREAS)
    assert form.text.count("<legend>") == len(readiness.ITEMS) + len(readiness.AREAS)
    first = readiness.ITEMS[0]
    assert f'<input type="radio" id="q-{first.key}-{first.answers[-1].key}" name="{first.key}"' in form.text
    assert f'<label for="q-{first.key}-{first.answers[-1].key}">{first.answers[-1].label}</label>' in form.text
    answers = {item.key: item.answers[-1].key for item in readiness.ITEMS if item.area != "export experience"}
    answers["export_markets"] = "none"
    expected = readiness.score(answers)
    answer = client.post(f"/companies/{key}/assessment", data=dict(answers, csrf_token=token, confirm="1"))
    assert answer.status_code == 303, _error(answer.text)
    record = ws.pipeline.company(key)
    stored = record["assessments"][-1]
    assert stored["score"] == pytest.approx(expected.score) and stored["suggested_stage"] == expected.suggested_stage
    assert record["stage"] == expected.suggested_stage == "export-ready"
    page = client.get(f"/companies/{key}")
    assert f"score {expected.score:g} of 100" in unescape(page.text)
    bad = client.post(f"/companies/{key}/assessment", data={"csrf_token": token, "export_goals": "maybe"})
    assert bad.status_code == 400 and "unknown answer 'maybe'" in _error(bad.text)


# ---- the import -----------------------------------------------------------------------------------------
def test_the_template_downloads(app):
    with _client(app, "198.51.100.9") as client:
        sign_in(client, "viewer")
        csv = client.get("/companies/template.csv")
        xlsx = client.get("/companies/template.xlsx")
        other = client.get("/companies/template.exe")
    assert csv.status_code == 200 and csv.text.startswith("company_id,name,")
    assert "attachment" in csv.headers["content-disposition"]
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert other.status_code == 400


def test_an_upload_with_errors_shows_the_error_table_and_stores_nothing_then_the_fixed_file_imports(staff):
    client, token, ws = staff
    before = ws.pipeline.count_companies()
    page = client.get("/companies/import")
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in page.text
    bad = client.post("/companies/import", data={"csrf_token": token},
                      files={"file": ("companies.csv", BAD_CSV.encode(), "text/csv")})
    assert bad.status_code == 400
    assert "nothing was written" in _error(bad.text)
    table = bad.text[bad.text.index("<table"):bad.text.index("</table>")]
    for heading in ("Row", "Column", "Value", "Problem", "How to fix it"):
        assert f">{heading}</th>" in table
    assert "33271X" in table and "nowhere" in table and "naics" in table and "stage" in table
    assert ws.pipeline.count_companies() == before
    good = client.post("/companies/import", data={"csrf_token": token},
                       files={"file": ("companies.csv", GOOD_CSV.encode(), "text/csv")})
    assert good.status_code == 303
    assert ws.pipeline.count_companies() == before + 2
    assert ws.pipeline.company("WEB-0001")["naics"] == "332710"
    done = client.get("/companies/import")
    assert "Imported 2 " in unescape(done.text)


def test_an_upload_that_is_not_a_company_file_is_refused(staff):
    client, token, ws = staff
    before = ws.pipeline.count_companies()
    none = client.post("/companies/import", data={"csrf_token": token},
                       files={"file": ("", b"", "application/octet-stream")})
    other = client.post("/companies/import", data={"csrf_token": token},
                        files={"file": ("picture.png", b"\x89PNG....", "image/png")})
    assert none.status_code == 400 and "Choose a company file" in _error(none.text)
    assert other.status_code == 400 and "not a CSV or XLSX file" in _error(other.text)
    assert ws.pipeline.count_companies() == before


def test_an_upload_over_the_limit_is_refused(staff, monkeypatch):
    from exportplan.web.pages import companies_import

    client, token, ws = staff
    monkeypatch.setattr(companies_import, "max_mb", lambda ws: 0.0001)
    answer = client.post("/companies/import", data={"csrf_token": token},
                         files={"file": ("companies.csv", GOOD_CSV.encode() * 20, "text/csv")})
    assert answer.status_code == 400 and "over the import limit" in _error(answer.text)
    assert "WEB-0001" not in set(ws.pipeline.companies()["company_id"])


def test_the_upload_limit_is_the_command_lines(web_workspace):
    from exportplan.web.pages.companies_import import max_mb

    assert max_mb(web_workspace) == float(web_workspace.setting("pipeline.max_import_mb"))


# ---- escaping -------------------------------------------------------------------------------------------
def test_a_stored_script_company_name_renders_as_text(staff):
    client, token, ws = staff
    name = '<script>alert("x")</script> & Sons'
    key = ws.pipeline.add_company(company_id="XSS-1", name=name, county_fips="99001", tags="<b>tag</b>",
                                  naics="332710")
    listed = client.get("/companies?q=alert")
    shown = client.get(f"/companies/{key}")
    for page in (listed, shown):
        assert page.status_code == 200
        assert "<script>alert" not in page.text and "<b>tag</b>" not in page.text
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Sons" in page.text
    assert _names(listed.text) == [name]


# ---- prospects ------------------------------------------------------------------------------------------
def test_the_prospects_and_the_outreach_list(app, web_workspace):
    scored = web_workspace.prospects.prospects()
    outreach = web_workspace.prospects.outreach(scored=scored)
    with _client(app, "198.51.100.11") as client:
        sign_in(client, "viewer")
        client.get("/prospects")
        app.state.cache.wait(120)
        page = client.get("/prospects")
        every = client.get("/prospects?list=all&page=2")
    text, all_text = unescape(page.text), unescape(every.text)
    assert page.status_code == every.status_code == 200
    assert "Outreach list" in text and "All businesses, best first" in all_text
    assert f"{len(scored):,} businesses. Page 2 of" in all_text
    for record in outreach.head(5).itertuples():
        assert record.name in text and record.reason in text and record.outreach_reason in text
    for record in scored.iloc[50:55].itertuples():
        assert record.name in all_text and record.reason in all_text
    assert scored.iloc[0]["name"] not in all_text  # the first page's
    linked = outreach[outreach["pipeline_key"].fillna("") != ""]
    for key in linked["pipeline_key"].head(3):
        assert f'href="/companies/{key}"' in page.text
