"""Settings: admins only; settings checked as 'exportplan config set' checks them; users and API tokens."""
from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from .conftest import sign_in


def _client(app, address):
    return TestClient(app, follow_redirects=False, client=(address, 42000))


@pytest.fixture
def write_app(web_copy):
    from exportplan import Workspace
    from exportplan.web.app import create_app

    ws = Workspace.open(web_copy)
    yield create_app(workspace=ws, warm=False)
    ws.close()


def test_an_admin_sees_the_settings_and_the_users(app):
    with _client(app, "203.0.113.60") as client:
        sign_in(client, "admin")
        page = client.get("/settings")
        users = client.get("/settings/users")
    assert page.status_code == 200
    for heading in ("The region now", "Ranking weights (defaults)", "Organization profile", "Region"):
        assert heading in page.text
    for name in ("organization.name", "organization.staff", "organization.budget", "organization.partners",
                 "sectors.weights", "markets.preset", "region.counties"):
        assert f'name="{name}"' in page.text
    assert 'name="database.url"' not in page.text  # never from the web page
    assert '<label for="setting-organization-name">' in page.text
    assert users.status_code == 200
    for name in ("admin", "staff", "viewer", "partner", "sample-judge-1"):
        assert f'action="/settings/users/{name}"' in users.text


@pytest.mark.parametrize("role", ["staff", "viewer", "partner", "judge"])
def test_settings_are_for_admins_only(app, role):
    with _client(app, "203.0.113.61") as client:
        token = sign_in(client, role)
        assert "/settings" not in [href for href in re.findall(r'<a href="([^"]+)"', client.get("/").text)]
        for path in ("/settings", "/settings/users"):
            assert client.get(path).status_code == 403, path
        for path in ("/settings", "/settings/users", "/settings/users/staff", "/settings/tokens",
                     "/settings/tokens/1/revoke"):
            answer = client.post(path, data={"csrf_token": token, "group": "organization", "username": "x",
                                             "role": "admin", "change": "role", "organization.name": "Hijacked"})
            assert answer.status_code == 403, path


def test_a_setting_is_saved_through_the_config_rules_and_a_bad_value_is_shown(write_app, web_copy):
    from exportplan import Workspace

    with _client(write_app, "203.0.113.62") as client:
        token = sign_in(client, "admin")
        bad = client.post("/settings", data={"csrf_token": token, "group": "organization",
                                             "organization.name": "Columbus Export Office",
                                             "organization.staff": "-3"})
        assert bad.status_code == 400
        assert "organization.staff must be" in bad.text and 'value="-3"' in bad.text
        assert 'value="Columbus Export Office"' in bad.text  # the other values are kept
        good = client.post("/settings", data={"csrf_token": token, "group": "organization",
                                              "organization.name": "Columbus Export Office",
                                              "organization.staff": "2.5", "organization.partners":
                                                  "State trade office, SBDC"})
        assert good.status_code == 303
        assert 'value="Columbus Export Office"' in client.get("/settings").text  # this process sees it at once
        weights = client.post("/settings", data={"csrf_token": token, "group": "weights",
                                                 "sectors.weights": "nonsense=0.5"})
        assert weights.status_code == 400  # the same rule as 'config set' (an unknown factor)
    with Workspace.open(web_copy) as ws:
        org = ws.config["organization"]
        assert org["name"] == "Columbus Export Office" and org["staff"] == 2.5
        assert org["partners"] == ["State trade office", "SBDC"]
        assert not ws.config.get("sectors", {}).get("weights")


def test_users_are_created_changed_and_disabled_from_the_page(write_app, web_copy):
    from exportplan import Workspace

    with _client(write_app, "203.0.113.63") as client:
        token = sign_in(client, "admin")
        short = client.post("/settings/users", data={"csrf_token": token, "username": "board.member",
                                                     "role": "viewer", "password": "short",
                                                     "display_name": "Board Member"})
        assert short.status_code == 400 and 'value="board.member"' in short.text and "12" in short.text
        made = client.post("/settings/users", data={"csrf_token": token, "username": "board.member",
                                                    "role": "viewer", "password": "a long enough password",
                                                    "display_name": "Board Member", "email": "b@example.org"})
        assert made.status_code == 303
        assert client.post("/settings/users/board.member", data={"csrf_token": token, "change": "role",
                                                                 "role": "staff"}).status_code == 303
        assert client.post("/settings/users/board.member", data={"csrf_token": token,
                                                                 "change": "disable"}).status_code == 303
        last = client.post("/settings/users/admin", data={"csrf_token": token, "change": "disable"})
        assert last.status_code == 400  # the last admin stays
    with Workspace.open(web_copy) as ws:
        user = ws.accounts.user("board.member")
        assert user["role"] == "staff" and not user["active"] and user["display_name"] == "Board Member"
        assert ws.accounts.authenticate("board.member", "a long enough password") is None  # disabled


def test_an_api_token_is_shown_once_listed_without_its_value_and_revoked(write_app, web_copy):
    from exportplan import Workspace

    with _client(write_app, "203.0.113.64") as client:
        token = sign_in(client, "admin")
        made = client.post("/settings/tokens", data={"csrf_token": token, "username": "staff",
                                                     "label": "monthly report"})
        assert made.status_code == 200
        secret = re.search(r'id="new-token" value="([^"]+)"', made.text).group(1)
        listing = client.get("/settings/users").text
        assert secret not in listing and "monthly report" in listing and secret[:8] in listing
        with Workspace.open(web_copy) as ws:
            assert ws.accounts.verify_token(secret)["username"] == "staff"
            token_id = int(ws.accounts.list_tokens("staff")["id"].iloc[-1])
        assert client.post(f"/settings/tokens/{token_id}/revoke", data={"csrf_token": token}).status_code == 303
    with Workspace.open(web_copy) as ws:
        assert ws.accounts.verify_token(secret) is None
