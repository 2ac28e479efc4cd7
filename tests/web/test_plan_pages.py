"""The plan's pages: staff sections (save, conflict), goals, preview, and the downloads of each format."""
from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from exportplan.ws.plan import STAFF_SECTIONS

from .conftest import USERS, sign_in

_VERSION = re.compile(r'name="version" value="(\d+)"')


def _client(app, address):
    return TestClient(app, follow_redirects=False, client=(address, 41000))


@pytest.fixture
def write_app(web_copy):
    """An app over a copy of the sample (tests that save)."""
    from exportplan import Workspace
    from exportplan.web.app import create_app

    ws = Workspace.open(web_copy)
    yield create_app(workspace=ws, warm=False)
    ws.close()


@pytest.mark.parametrize("role", ["admin", "staff", "viewer"])
def test_the_plan_page_lists_every_staff_section_and_the_goals(app, role):
    with _client(app, "198.51.100.1") as client:
        sign_in(client, role)
        page = client.get("/plan")
    assert page.status_code == 200, page.text
    for key, title in STAFF_SECTIONS.items():
        assert f'href="/plan/sections/{key}"' in page.text and title in page.text
    assert "Goals" in page.text and "/plan/preview?edition=public" in page.text
    for fmt in ("pdf", "docx", "html", "md", "xlsx"):
        assert f'href="/plan/download/internal/{fmt}"' in page.text
    # only users who may edit get the goal forms
    assert ('action="/plan/goals/' in page.text) == (role != "viewer")


@pytest.mark.parametrize("role", ["partner", "judge"])
def test_partners_and_judges_cannot_open_the_plan(app, role):
    with _client(app, "198.51.100.2") as client:
        sign_in(client, role)
        assert client.get("/plan").status_code == 403
        assert client.get("/plan/sections/vision").status_code == 403
        assert client.get("/plan/download/internal/pdf").status_code == 403


def test_a_viewer_reads_a_section_without_a_form_and_every_plan_post_is_refused(app):
    with _client(app, "198.51.100.3") as client:
        token = sign_in(client, "viewer")
        page = client.get("/plan/sections/strategies")
        assert page.status_code == 200 and "<textarea" not in page.text
        for path in ("/plan/sections/strategies", "/plan/goals/exporters"):
            answer = client.post(path, data={"csrf_token": token, "text": "x", "version": "0", "target": "1"})
            assert answer.status_code == 403, path


def test_a_section_is_saved_and_a_later_save_with_an_old_version_is_a_conflict(write_app, web_copy):
    from exportplan import Workspace

    with _client(write_app, "198.51.100.4") as first, _client(write_app, "198.51.100.5") as second:
        token_a, token_b = sign_in(first, "staff"), sign_in(second, "admin")
        read_a = first.get("/plan/sections/vision")
        read_b = second.get("/plan/sections/vision")
        assert read_a.status_code == read_b.status_code == 200
        assert "Draft" in read_a.text and "<textarea" in read_a.text
        version = _VERSION.search(read_a.text).group(1)
        saved = first.post("/plan/sections/vision", data={"csrf_token": token_a, "version": version,
                                                          "text": "Exports keep our factories busy."})
        assert saved.status_code == 303 and saved.headers["location"] == "/plan/sections/vision"
        after = first.get("/plan/sections/vision")
        assert "Exports keep our factories busy." in after.text and "Saved" in after.text
        # the second user still holds the version they read: nothing is written, their text is kept
        stale = _VERSION.search(read_b.text).group(1)
        conflict = second.post("/plan/sections/vision", data={"csrf_token": token_b, "version": stale,
                                                              "text": "My own <b>vision</b> text."})
        assert conflict.status_code == 409
        assert "Someone else saved this section" in conflict.text
        assert f"{USERS['staff'][0]} saved it at" in conflict.text
        assert "My own &lt;b&gt;vision&lt;/b&gt; text." in conflict.text  # kept, as text
        assert "Exports keep our factories busy." in conflict.text      # theirs shown
        # saving again with the version the conflict page carries replaces it on purpose
        again = _VERSION.search(conflict.text).group(1)
        assert second.post("/plan/sections/vision", data={"csrf_token": token_b, "version": again,
                                                          "text": "Merged text."}).status_code == 303
    with Workspace.open(web_copy) as ws:
        text = ws.plan.text("vision")
        assert text.text == "Merged text." and text.updated_by == USERS["admin"][0] and text.version == 2


def test_a_goal_target_is_set_from_the_page_and_a_bad_year_is_shown_with_the_values(write_app, web_copy):
    from exportplan import Workspace

    with _client(write_app, "198.51.100.6") as client:
        token = sign_in(client, "staff")
        bad = client.post("/plan/goals/exporters", data={"csrf_token": token, "target": "95", "target_year": "1800"})
        assert bad.status_code == 400 and 'aria-invalid="true"' in bad.text and 'value="1800"' in bad.text
        good = client.post("/plan/goals/exporters", data={"csrf_token": token, "target": "95",
                                                          "target_year": "2029"})
        assert good.status_code == 303
    with Workspace.open(web_copy) as ws:
        row = ws.plan.goals().set_index("key").loc["exporters"]
        assert float(row["target"]) == 95 and int(row["target_year"]) == 2029


def test_the_preview_is_the_plan_document_under_the_content_security_policy(app):
    with _client(app, "198.51.100.7") as client:
        sign_in(client, "viewer")
        page = client.get("/plan/preview?edition=public")
        css = client.get("/plan/document.css")
    assert page.status_code == 200, page.text[-2000:]
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert "<style" not in page.text and 'style="' not in page.text and "<script" not in page.text
    assert '<link rel="stylesheet" href="/plan/document.css">' in page.text
    assert "regional export plan" in page.text and 'href="/plan"' in page.text
    assert "Outreach list" not in page.text  # the public edition
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css") and ".draft" in css.text


@pytest.mark.parametrize("fmt, kind, magic", [
    ("pdf", "application/pdf", b"%PDF-"),
    ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", b"PK\x03\x04"),
])
def test_each_format_is_built_and_downloaded(app, fmt, kind, magic):
    with _client(app, "198.51.100.8") as client:
        sign_in(client, "viewer")
        answer = client.get(f"/plan/download/internal/{fmt}")
    assert answer.status_code == 200, answer.text[-2000:]
    assert answer.headers["content-type"].split(";")[0] == kind
    assert answer.headers["content-disposition"] == f'attachment; filename="export-plan-internal.{fmt}"'
    assert answer.content.startswith(magic) and len(answer.content) > 10_000


def test_an_unknown_format_edition_or_section_is_refused(app):
    with _client(app, "198.51.100.9") as client:
        sign_in(client, "staff")
        assert client.get("/plan/download/internal/exe").status_code == 400
        assert client.get("/plan/download/secret/pdf").status_code == 400
        assert client.get("/plan/sections/nonsense").status_code == 400
