"""A stored company name with markup renders as text on every page that shows it (issue 13, "Security").

A company named with a ``<script>`` element and an ``<img onerror>`` attribute is stored with a
referral to the partner user's organization and a place in the sample cohort. Then every page the
app serves to staff with GET (enumerated from the app's own routes, so new pages are covered) and
the partner's referrals page are read: none holds the markup as markup, and the pages that list the
company hold it as escaped text.
"""
from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from exportplan import Workspace

from .conftest import sign_in

PAYLOAD = "<script>alert('xss')</script><img src=x onerror=alert(1)> Corp"
RAW = ("<script>alert(", "<img src=x onerror")
ESCAPED = "&lt;script&gt;alert("
#: Path parameters that are not pages of one thing (downloads, files, tokens, forms of other users' items).
SKIPPED = re.compile(r"\{(kind|fmt|edition|token|round|application|rid)\}|\.svg$|\.css$|^/api/")


@pytest.fixture
def hostile(web_copy):
    """(app, workspace, company key, cohort key) over a copy of the sample holding the hostile company."""
    from exportplan.web.app import create_app

    ws = Workspace.open(web_copy)
    key = ws.pipeline.add_company(name=PAYLOAD, county_fips=ws.counties[0], naics="334516",
                                  target_markets="MEX", tags="<b>bold</b>")
    partner = ws.accounts.user("partner")["partner_provider"]
    programs = ws.programs.programs()
    program = programs[programs["provider_id"] == partner]["program_id"]
    ws.pipeline.refer(key, provider=partner, program_id=str(program.iloc[0]) if len(program) else "",
                      date="2026-09-01")
    cohort = ws.initiatives.list(kind="cohort")["key"].iloc[0]
    ws.initiatives.enroll(cohort, key, coach="staff", joined_date="2026-01-06")
    yield create_app(workspace=ws, warm=False), ws, key, cohort
    ws.close()


def _pages(app, values: dict[str, str], role: str) -> list[str]:
    """The app's GET pages that ``role`` may open (not files, downloads or the API), path parameters filled in."""
    from exportplan.web.security import allowed

    out = []
    for route in app.routes:
        path, methods = getattr(route, "path", ""), getattr(route, "methods", None) or ()
        access = getattr(route, "access", "")
        if "GET" not in methods or SKIPPED.search(path) or access in ("survey", "company_link") or \
                not allowed({"role": role}, access):
            continue
        names = re.findall(r"\{(\w+)\}", path)
        if any(n not in values for n in names):
            continue
        filled = path
        for name in names:
            filled = filled.replace("{" + name + "}", values[name] if not path.startswith("/initiatives")
                                    else values["initiative"])
        out.append(filled)
    return out


def test_a_script_company_name_is_text_on_every_page(hostile):
    app, ws, key, cohort = hostile
    section = "summary"
    program = str(ws.programs.programs()["program_id"].iloc[0])
    pages = _pages(app, {"key": key, "section": section, "program_id": program, "initiative": cohort}, "staff")
    assert f"/companies/{key}" in pages and "/companies" in pages and f"/initiatives/{cohort}" in pages
    shown = []
    with TestClient(app, follow_redirects=False, client=("198.51.100.77", 1)) as client:
        sign_in(client, "staff")
        for path in pages + [f"/companies?q={PAYLOAD[:8]}"]:
            answer = client.get(path)  # 400: a page that needs a choice in its query (e.g. which sector to explain)
            assert answer.status_code in (200, 303, 400), (path, answer.status_code)
            for raw in RAW:
                assert raw not in answer.text, f"{path} holds the name as markup"
            if ESCAPED in answer.text:
                shown.append(path)
    # the pages that list the company show its name, as text
    for path in (f"/companies/{key}", f"/initiatives/{cohort}", f"/companies?q={PAYLOAD[:8]}"):
        assert path in shown, f"{path} does not show the company's name"


def test_the_partner_sees_the_name_as_text(hostile):
    app, _ws, _key, _cohort = hostile
    with TestClient(app, follow_redirects=False, client=("198.51.100.78", 1)) as client:
        sign_in(client, "partner")
        answer = client.get("/partner/referrals")
    assert answer.status_code == 200
    assert ESCAPED in answer.text and not any(raw in answer.text for raw in RAW)
