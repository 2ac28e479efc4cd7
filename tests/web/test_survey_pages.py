"""The public survey (no account, CSRF double-submit, rate-limited, nothing shown back) and staff's review."""
from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from exportplan.web.security import CSRF_COOKIE

from .conftest import csrf_of, sign_in

ANSWERS = {"company_name": "Gamma Lathe Works", "contact_name": "Pat Doe", "contact_email": "pat@example.org",
           "export_status": "export-ready", "naics": "332710", "target_markets": "Canada; MEX",
           "needs": ["awareness and training", "export planning and acceleration"], "export_goals": "informal"}


def _client(app, address):
    return TestClient(app, follow_redirects=False, client=(address, 43000))


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


def test_the_survey_is_an_accessible_form_without_an_account(app, web_workspace):
    with _client(app, "192.0.2.70") as anonymous:
        page = anonymous.get("/survey")
    assert page.status_code == 200
    assert CSRF_COOKIE in page.cookies or CSRF_COOKIE in page.headers.get("set-cookie", "")
    questions = web_workspace.survey.questions()
    for q in questions:
        if q["kind"] == "choices":
            assert f'name="{q["key"]}"' in page.text
        else:
            ident = "q-" + q["key"].replace("_", "-")
            assert f'<label for="{ident}">' in page.text and f'id="{ident}"' in page.text, q["key"]
    assert "Sign out" not in page.text and 'class="site-nav"' not in page.text


def test_a_submission_needs_the_double_submit_token(write_app, write_ws):
    with _client(write_app, "192.0.2.71") as anonymous:
        token = csrf_of(anonymous.get("/survey").text)
        assert anonymous.post("/survey", data=ANSWERS).status_code == 403
        assert anonymous.post("/survey", data={**ANSWERS, "csrf_token": "forged"}).status_code == 403
    with _client(write_app, "192.0.2.72") as other:  # a token without its cookie is no good
        assert other.post("/survey", data={**ANSWERS, "csrf_token": token}).status_code == 403
    assert len(write_ws.survey.pending()) == 0


def test_a_submission_is_stored_pending_and_only_a_receipt_is_shown(write_app, write_ws):
    with _client(write_app, "192.0.2.73") as anonymous:
        token = csrf_of(anonymous.get("/survey").text)
        sent = anonymous.post("/survey", data={**ANSWERS, "csrf_token": token})
        assert sent.status_code == 303 and sent.headers["location"] == "/survey/thanks"
        thanks = anonymous.get("/survey/thanks")
    assert thanks.status_code == 200 and "Thank you" in thanks.text
    pending = write_ws.survey.pending()
    assert len(pending) == 1 and pending["company_name"].iloc[0] == ANSWERS["company_name"]
    assert f"receipt number <strong>{int(pending['id'].iloc[0])}</strong>" in thanks.text
    for stored in ("Gamma Lathe Works", "pat@example.org", "Pat Doe", "332710", "SAMPLE-"):
        assert stored not in thanks.text and stored not in sent.text


def test_problems_are_shown_by_their_fields_with_the_answers_kept(write_app, write_ws):
    with _client(write_app, "192.0.2.74") as anonymous:
        token = csrf_of(anonymous.get("/survey").text)
        bad = anonymous.post("/survey", data={"csrf_token": token, "company_name": "Delta <b>Tools</b>",
                                              "contact_email": "not an address", "export_status": "export-ready",
                                              "naics": "33", "needs": ["awareness and training"]})
    assert bad.status_code == 400
    assert 'id="q-contact-email-problem"' in bad.text and 'aria-invalid="true"' in bad.text
    assert 'value="Delta &lt;b&gt;Tools&lt;/b&gt;"' in bad.text and 'value="not an address"' in bad.text
    assert re.search(r'value="awareness and training" checked', bad.text)
    assert len(write_ws.survey.pending()) == 0


def test_the_rate_limit_answers_429(write_app, write_ws):
    statuses = []
    with _client(write_app, "192.0.2.75") as anonymous:
        token = csrf_of(anonymous.get("/survey").text)
        for i in range(25):
            answer = anonymous.post("/survey", data={**ANSWERS, "company_name": f"Flood {i}", "csrf_token": token})
            statuses.append(answer.status_code)
            if answer.status_code == 429:
                assert "Too many survey submissions" in answer.text
                break
    assert statuses[0] == 303 and statuses[-1] == 429
    assert len(write_ws.survey.pending()) == statuses.count(303) == write_ws.survey.SUBMIT_LIMIT  # counted once
    with _client(write_app, "192.0.2.76") as elsewhere:  # another address is not held back
        token = csrf_of(elsewhere.get("/survey").text)
        assert elsewhere.post("/survey", data={**ANSWERS, "csrf_token": token}).status_code == 303


def test_staff_review_accepts_and_rejects_responses(write_app, write_ws):
    first = write_ws.survey.submit(ANSWERS, client="192.0.2.80")
    second = write_ws.survey.submit({**ANSWERS, "company_name": "Spam Spam"}, client="192.0.2.80")
    with _client(write_app, "192.0.2.81") as staff:
        token = sign_in(staff, "staff")
        listing = staff.get("/survey/responses")
        assert listing.status_code == 200
        assert f'href="/survey/responses/{first}"' in listing.text and "Spam Spam" in listing.text
        one = staff.get(f"/survey/responses/{first}")
        assert one.status_code == 200 and "pat@example.org" in one.text and "Accept the response" in one.text
        no_reason = staff.post(f"/survey/responses/{second}/reject", data={"csrf_token": token, "reason": ""})
        assert no_reason.status_code == 400
        assert staff.post(f"/survey/responses/{second}/reject",
                          data={"csrf_token": token, "reason": "spam"}).status_code == 303
        accepted = staff.post(f"/survey/responses/{first}/accept", data={"csrf_token": token, "into": "new"})
        assert accepted.status_code == 303
        again = staff.post(f"/survey/responses/{first}/accept", data={"csrf_token": token, "into": "new"})
        assert again.status_code == 400 and "already accepted" in again.text
    done = write_ws.survey.responses().set_index("id")
    assert done.loc[first, "status"] == "accepted" and done.loc[second, "status"] == "rejected"
    assert write_ws.pipeline.company(done.loc[first, "company_id"])["name"] == ANSWERS["company_name"]


@pytest.mark.parametrize("role", ["viewer", "partner", "judge"])
def test_only_staff_review_responses(app, role):
    with _client(app, "192.0.2.82") as client:
        token = sign_in(client, role)
        assert client.get("/survey/responses").status_code == 403
        assert client.get("/survey/responses/1").status_code == 403
        assert client.post("/survey/responses/1/accept", data={"csrf_token": token}).status_code == 403
        assert client.post("/survey/responses/1/reject", data={"csrf_token": token,
                                                               "reason": "x"}).status_code == 403
