"""Company export plans: staff's pages, and the company's private link (its own plan only, expiring, revocable)."""
from __future__ import annotations

import html
import re

import pytest
from starlette.testclient import TestClient

from exportplan.analysis.initiative_terms import PLAN_TEXT_SECTIONS

from .conftest import csrf_of, sign_in

_VERSION = re.compile(r'name="version" value="(\d+)"')
_LINK = re.compile(r'id="new-link" value="http://testserver(/p/[^"]+)"')


def _client(app, address="198.18.0.1"):
    return TestClient(app, follow_redirects=False, client=(address, 44000))


@pytest.fixture
def write_ws(web_copy):
    from exportplan import Workspace

    ws = Workspace.open(web_copy)
    yield ws
    ws.close()


@pytest.fixture
def write_app(write_ws):
    from exportplan.web.app import create_app

    return create_app(workspace=write_ws, warm=False)


def _two_companies(ws) -> tuple[str, str]:
    keys = ws.pipeline.companies(limit=2)["company_id"].astype(str).tolist()
    return keys[0], keys[1]


@pytest.mark.parametrize("role", ["admin", "staff", "viewer"])
def test_staff_pages_of_a_company_plan(app, web_workspace, role):
    key, _other = _two_companies(web_workspace)
    with _client(app, "198.18.0.2") as client:
        sign_in(client, role)
        index = client.get("/company-plans?q=Sample")
        page = client.get(f"/companies/{key}/plan")
        section = client.get(f"/companies/{key}/plan/sections/entry_strategy")
    assert index.status_code == 200 and f'href="/companies/{key}/plan"' in index.text
    assert page.status_code == 200, page.text[-2000:]
    for section_key in PLAN_TEXT_SECTIONS:
        assert f'href="/companies/{key}/plan/sections/{section_key}"' in page.text
    assert f"/companies/{key}/plan/download/pdf" in page.text and f"/companies/{key}/plan/download/docx" in page.text
    editable = role != "viewer"
    assert ('action="/companies/' in page.text) == editable
    assert ("<textarea" in section.text) == editable


@pytest.mark.parametrize("role", ["partner", "judge"])
def test_partners_and_judges_see_no_company_plan(app, web_workspace, role):
    key, _other = _two_companies(web_workspace)
    with _client(app, "198.18.0.3") as client:
        sign_in(client, role)
        for path in ("/company-plans", f"/companies/{key}/plan", f"/companies/{key}/plan/download/pdf",
                     f"/companies/{key}/plan/preview"):
            assert client.get(path).status_code == 403, path


def test_a_viewer_changes_nothing_on_a_company_plan(app, web_workspace):
    key, _other = _two_companies(web_workspace)
    with _client(app, "198.18.0.4") as client:
        token = sign_in(client, "viewer")
        for path in ("record", "items", "items/1", "sections/summary", "links", "links/1/revoke"):
            answer = client.post(f"/companies/{key}/plan/{path}", data={"csrf_token": token, "status": "written",
                                                                       "text": "x", "kind": "action", "title": "x"})
            assert answer.status_code == 403, path


def test_staff_edit_the_record_sections_and_actions_with_version_locking(write_app, write_ws):
    key, _other = _two_companies(write_ws)
    base = f"/companies/{key}/plan"
    with _client(write_app, "198.18.0.5") as first, _client(write_app, "198.18.0.6") as second:
        token_a, token_b = sign_in(first, "staff"), sign_in(second, "admin")
        read_b = second.get(base)
        saved = first.post(f"{base}/record", data={"csrf_token": token_a, "version": "0", "status": "in review",
                                                   "coach": "staff", "markets": "CAN; Mexico"})
        assert saved.status_code == 303
        stale = second.post(f"{base}/record", data={"csrf_token": token_b, "status": "written", "coach": "admin",
                                                    "markets": "DEU", "version": _VERSION.search(read_b.text)[1]})
        assert stale.status_code == 409 and "Not saved" in stale.text and 'value="DEU"' in stale.text
        added = first.post(f"{base}/items", data={"csrf_token": token_a, "kind": "action", "title": "Attend a fair",
                                                  "owner": "Pat", "due_date": "2027-03-01", "budget_usd": "4500"})
        assert added.status_code == 303
        bad = first.post(f"{base}/items", data={"csrf_token": token_a, "kind": "action", "title": "Fly",
                                                "budget_usd": "lots"})
        assert bad.status_code == 400 and 'value="Fly"' in bad.text
        text_read = first.get(f"{base}/sections/risks")
        version = _VERSION.search(text_read.text)[1]
        assert first.post(f"{base}/sections/risks", data={"csrf_token": token_a, "version": version,
                                                          "text": "Currency risk, hedged."}).status_code == 303
        clash = second.post(f"{base}/sections/risks", data={"csrf_token": token_b, "version": version,
                                                            "text": "Mine."})
        assert clash.status_code == 409 and "Mine." in clash.text and "Currency risk, hedged." in clash.text
    record = write_ws.company_plans.get(key)
    assert record["status"] == "in review" and record["markets"] == ["CAN", "MEX"]
    actions = write_ws.company_plans.items(key, "action")
    assert actions["title"].tolist() == ["Attend a fair"] and float(actions["budget_usd"].iloc[0]) == 4500
    assert write_ws.company_plans.text(key, "risks").text == "Currency risk, hedged."


@pytest.mark.parametrize("fmt, kind, magic", [
    ("pdf", "application/pdf", b"%PDF-"),
    ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", b"PK\x03\x04"),
])
def test_staff_download_a_company_plan(app, web_workspace, fmt, kind, magic):
    key, _other = _two_companies(web_workspace)
    with _client(app, "198.18.0.7") as client:
        sign_in(client, "viewer")
        answer = client.get(f"/companies/{key}/plan/download/{fmt}")
    assert answer.status_code == 200, answer.text[-2000:]
    assert answer.headers["content-type"].split(";")[0] == kind
    assert answer.headers["content-disposition"] == f'attachment; filename="export-plan-{key}.{fmt}"'
    assert answer.content.startswith(magic)


def _make_link(app, key: str, days: str = "7") -> str:
    with _client(app, "198.18.0.8") as staff:
        token = sign_in(staff, "staff")
        made = staff.post(f"/companies/{key}/plan/links", data={"csrf_token": token, "days": days})
        assert made.status_code == 200 and "shown only this once" in made.text
        path = _LINK.search(made.text)[1]
        assert path.split("/p/")[1] not in staff.get(f"/companies/{key}/plan").text  # shown once only
    return path


def test_the_private_link_edits_its_own_plan_and_reaches_nothing_else(write_app, write_ws):
    mine, other = _two_companies(write_ws)
    link = _make_link(write_app, mine)
    other_name = write_ws.pipeline.company(other)["name"]
    with _client(write_app, "198.18.0.9") as company:
        home = company.get(link)
        assert home.status_code == 200 and html.escape(write_ws.pipeline.company(mine)["name"]) in home.text
        assert html.escape(other_name) not in home.text and 'class="site-nav"' not in home.text
        form = company.get(f"{link}/sections/entry_strategy")
        token, version = csrf_of(form.text), _VERSION.search(form.text)[1]
        saved = company.post(f"{link}/sections/entry_strategy",
                             data={"csrf_token": token, "version": version, "text": "Distributors in Ontario.",
                                   "company": other, "key": other})  # a key in the form is ignored
        assert saved.status_code == 303
        assert company.post(f"{link}/sections/summary", data={"version": "0", "text": "x"}).status_code == 403
        # nothing of the staff's pages, nor another company's plan
        for path in (f"/companies/{other}/plan", f"/companies/{mine}/plan", "/plan", "/company-plans", "/",
                     "/survey/responses", "/settings"):
            answer = company.get(path)
            assert answer.status_code == 303 and answer.headers["location"].startswith("/login"), path
        assert company.post(f"/companies/{other}/plan/sections/summary",
                            data={"csrf_token": token, "version": "0", "text": "x"}).status_code in (303, 403)
        assert company.get("/p/not-a-real-token/sections/summary").status_code == 404
        pdf = company.get(f"{link}/plan.pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
        assert pdf.headers["content-disposition"] == f'attachment; filename="export-plan-{mine}.pdf"'
    text = write_ws.company_plans.text(mine, "entry_strategy")
    assert text.text == "Distributors in Ontario." and text.updated_by == f"company link ({mine})"
    assert write_ws.company_plans.text(other, "entry_strategy").draft
    assert write_ws.company_plans.text(other, "summary").draft


def test_an_expired_or_revoked_link_is_refused(write_ws, write_app):
    from exportplan.web.app import create_app

    mine, _other = _two_companies(write_ws)
    expiring = _make_link(write_app, mine, days="1")
    revoked = _make_link(write_app, mine, days="7")
    with _client(write_app, "198.18.0.10") as company:
        assert company.get(expiring).status_code == 200
        assert company.get(revoked).status_code == 200
    links = write_ws.accounts.list_links(mine)
    newest = int(links["id"].max())
    with _client(write_app, "198.18.0.11") as staff:
        token = sign_in(staff, "staff")
        assert staff.post(f"/companies/{mine}/plan/links/{newest}/revoke",
                          data={"csrf_token": token}).status_code == 303
        assert staff.post(f"/companies/{_other}/plan/links/{newest - 1}/revoke",  # not that company's link
                          data={"csrf_token": token}).status_code == 400
    with _client(write_app, "198.18.0.12") as company:
        refused = company.get(revoked)
        assert refused.status_code == 404 and "revoked or has expired" in refused.text
        assert company.get(expiring).status_code == 200
    later = create_app(workspace=write_ws, warm=False, clock=lambda: "2099-01-01T00:00:00+00:00")
    with _client(later, "198.18.0.13") as company:
        assert company.get(expiring).status_code == 404
        assert company.get(f"{expiring}/plan.pdf").status_code == 404
