"""The web app's security, checked on every route the app has (enumerated from the app itself).

A new page is covered the day it is registered: it must declare its access, it redirects to the
sign-in page (or answers 401 on the API) without a session, a role that may not use it gets 403
on every state-changing method, and no state-changing request passes without the CSRF token.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import re
import uuid

import pytest
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.testclient import TestClient

from exportplan.analysis.roles import ROLES, can
from exportplan.store import web_sessions as sessions_repo
from exportplan.web.routes import ACCESS, ANONYMOUS, STATE_CHANGING, page
from exportplan.web.security import CSRF_COOKIE, SECURITY_HEADERS, SESSION_COOKIE, csrf_token, safe_next

from .conftest import USERS, csrf_of, sign_in

#: The routes anyone may use without signing in (path: methods). Adding one is a security decision:
#: add it here on purpose. Survey routes (access "survey") live under /survey and private links
#: (access "company_link") carry the link's {token}; both are checked below too.
PUBLIC = {"/login": {"GET", "HEAD", "POST"}, "/healthz": {"GET", "HEAD"}, "/static": {"GET", "HEAD"}}
#: State-changing routes every signed-in user may use, whatever the role (their own session).
SIGNED_IN_CHANGES = {"/logout"}


def _routes(app):
    """(route, path with every {parameter} filled in, methods) of every registered route but the static files."""
    out = []
    for route in app.routes:
        methods = set(getattr(route, "methods", None) or {"GET"})
        path = re.sub(r"\{[^}]+\}", "x", route.path)
        out.append((route, path, methods))
    return out


def _fresh(app, address="192.0.2.10"):
    return TestClient(app, follow_redirects=False, client=(address, 50000))


def test_every_route_declares_its_access(app):
    assert len(app.routes) >= 5
    for route in app.routes:
        assert getattr(route, "access", None) in ACCESS, f"{route.path} has no valid access"


def test_a_route_without_access_cannot_be_registered():
    def endpoint(request):
        return PlainTextResponse("x")

    with pytest.raises(TypeError):
        page("/x", endpoint)  # access left out
    for bad in ("anyone", "", None, "READ"):
        with pytest.raises(TypeError, match="access"):
            page("/x", endpoint, access=bad)


def test_the_public_routes_are_the_explicit_list(app):
    public = {}
    for route in app.routes:
        if route.access == "public":
            public.setdefault(route.path, set()).update(getattr(route, "methods", None) or {"GET", "HEAD"})
        elif route.access == "survey":
            assert route.path == "/survey" or route.path.startswith("/survey/"), route.path
        elif route.access == "company_link":
            assert "{token}" in route.path, f"{route.path}: a private link's route takes the link's {{token}}"
    assert public == PUBLIC


def test_without_a_session_every_route_redirects_to_sign_in_or_answers_401(app):
    checked = 0
    with _fresh(app) as anonymous:
        for route, path, methods in _routes(app):
            if route.access in ANONYMOUS:
                continue
            for method in sorted(methods - {"HEAD"}):
                answer = anonymous.request(method, path)
                checked += 1
                if path == "/api" or path.startswith("/api/"):
                    assert answer.status_code == 401, (method, path, answer.status_code)
                    assert answer.json()["error"]
                else:
                    assert answer.status_code == 303, (method, path, answer.status_code)
                    assert answer.headers["location"].startswith("/login?next=/"), (method, path)
    assert checked >= 2  # the dashboard and sign-out at least


def test_anonymous_routes_answer_without_a_session(app):
    with _fresh(app) as anonymous:
        assert anonymous.get("/login").status_code == 200
        assert anonymous.get("/healthz").json() == {"status": "ok"}
        assert anonymous.get("/static/app.css").status_code == 200


@pytest.mark.parametrize("role", [r for r in ROLES if r != "admin"])
def test_a_role_cannot_use_any_state_changing_route_it_may_not(app, role):
    """The viewer changes nothing; a partner or judge changes nothing but their own (403 everywhere else)."""
    refused = 0
    with _fresh(app, f"192.0.2.{20 + ROLES.index(role)}") as client:
        token = sign_in(client, role)
        for route, path, methods in _routes(app):
            if route.access in ANONYMOUS or route.access == "signed_in" or can(role, route.access):
                continue
            for method in sorted(methods & STATE_CHANGING):
                answer = client.request(method, path, data={"csrf_token": token}, headers={"X-CSRF-Token": token})
                assert answer.status_code == 403, (role, method, path, answer.status_code)
                refused += 1
            for method in sorted(methods - STATE_CHANGING - {"HEAD"}):  # and reads nothing either
                assert client.request(method, path).status_code in (403, 404, 405), (role, method, path)
    if role == "viewer":
        changes = [(r.path, m) for r, _p, ms in _routes(app) for m in ms & STATE_CHANGING
                   if r.access not in ANONYMOUS and r.access != "signed_in"]
        assert refused == len(changes)


def test_the_state_changing_routes_of_every_signed_in_user_are_the_explicit_list(app):
    found = {r.path for r, _p, ms in _routes(app) if r.access == "signed_in" and ms & STATE_CHANGING}
    assert found == SIGNED_IN_CHANGES


def test_state_changing_requests_without_a_valid_csrf_token_are_refused(app):
    with _fresh(app, "192.0.2.40") as client:
        token = sign_in(client, "admin")
        for route, path, methods in _routes(app):
            if route.access in ANONYMOUS:
                continue
            for method in sorted(methods & STATE_CHANGING):
                for sent in ({}, {"csrf_token": "forged"}, {"csrf_token": token[:-1]}):
                    answer = client.request(method, path, data=sent)
                    assert answer.status_code == 403, (method, path, sent, answer.status_code)
        # the token of another session is no good either
        with _fresh(app, "192.0.2.41") as other:
            other_token = sign_in(other, "staff")
        answer = client.post("/logout", data={"csrf_token": other_token})
        assert answer.status_code == 403 and "CSRF" in answer.text
        assert client.get("/").status_code == 200  # still signed in
        assert client.post("/logout", headers={"X-CSRF-Token": token}).status_code == 303


def test_the_sign_in_form_needs_its_double_submit_cookie(app):
    name, password = USERS["staff"]
    with _fresh(app, "192.0.2.50") as client:
        form = client.get("/login")
        token = csrf_of(form.text)
        assert client.cookies.get(CSRF_COOKIE) == token
        data = {"username": name, "password": password, "next": "/"}
        assert client.post("/login", data=data).status_code == 403  # no token in the form
        assert client.post("/login", data={**data, "csrf_token": "forged"}).status_code == 403
        client.cookies.delete(CSRF_COOKIE)
        assert client.post("/login", data={**data, "csrf_token": token}).status_code == 403  # no cookie
        assert SESSION_COOKIE not in client.cookies


def test_sign_in_is_throttled_after_five_failures(app, web_workspace):
    name, password = f"throttle-{uuid.uuid4().hex[:8]}", "the right password here"
    web_workspace.accounts.create_user(name, password, "staff")
    with _fresh(app, "192.0.2.60") as client:
        token = csrf_of(client.get("/login").text)
        for _ in range(5):
            wrong = client.post("/login", data={"username": name, "password": "wrong password!!", "csrf_token": token})
            assert wrong.status_code == 400 and "wrong" in wrong.text
        refused = client.post("/login", data={"username": name, "password": password, "csrf_token": token})
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) > 0
        assert "Too many failed sign-ins" in refused.text
        assert SESSION_COOKIE not in client.cookies
    with _fresh(app, "192.0.2.61") as elsewhere:  # the user name's counter holds from any address
        token = csrf_of(elsewhere.get("/login").text)
        again = elsewhere.post("/login", data={"username": name, "password": password, "csrf_token": token})
        assert again.status_code == 429


def _set_cookie(answer, name: str) -> str:
    found = [h for h in answer.headers.get_list("set-cookie") if h.startswith(name + "=")]
    assert found, f"no {name} cookie set"
    return found[0]


def _login_answer(client):
    name, password = USERS["viewer"]
    token = csrf_of(client.get("/login").text)
    # a Secure cookie set over (forwarded) HTTPS is not sent back over the test's plain HTTP: give it back
    client.cookies.set(CSRF_COOKIE, token)
    return client.post("/login", data={"username": name, "password": password, "csrf_token": token})


def test_session_cookie_is_httponly_samesite_and_secure_only_over_https(app):
    with _fresh(app, "192.0.2.70") as plain:
        cookie = _set_cookie(_login_answer(plain), SESSION_COOKIE).lower()
        assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie
        assert "secure" not in cookie
    with TestClient(app, base_url="https://testserver", follow_redirects=False, client=("192.0.2.71", 1)) as https:
        cookie = _set_cookie(_login_answer(https), SESSION_COOKIE).lower()
        assert "httponly" in cookie and "samesite=lax" in cookie and "secure" in cookie


def test_x_forwarded_proto_counts_only_behind_the_proxy_headers_middleware(app):
    from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.7"}
    with TestClient(app, follow_redirects=False, client=("192.0.2.72", 1), headers=forwarded) as direct:
        assert "secure" not in _set_cookie(_login_answer(direct), SESSION_COOKIE).lower()
    proxied = ProxyHeadersMiddleware(app, trusted_hosts="192.0.2.73")
    with TestClient(proxied, follow_redirects=False, client=("192.0.2.73", 1), headers=forwarded) as behind:
        assert "secure" in _set_cookie(_login_answer(behind), SESSION_COOKIE).lower()


def test_sign_out_ends_the_session_on_the_server(app, web_workspace):
    with _fresh(app, "192.0.2.80") as client:
        token = sign_in(client, "staff")
        stolen = client.cookies.get(SESSION_COOKIE)
        session_id = hashlib.sha256(stolen.encode()).hexdigest()
        row = sessions_repo.session_with_user(web_workspace.store, session_id)
        assert row is not None and row["user"]["username"] == "staff"  # stored by its hash, not the cookie
        assert sessions_repo.session_with_user(web_workspace.store, stolen) is None
        assert client.post("/logout", data={"csrf_token": token}).headers["location"] == "/login"
        assert sessions_repo.session_with_user(web_workspace.store, session_id) is None
    with _fresh(app, "192.0.2.81") as thief:  # the old cookie, replayed, opens nothing
        thief.cookies.set(SESSION_COOKIE, stolen)
        assert thief.get("/").status_code == 303
    log = web_workspace.pipeline.changes()
    mine = log[(log["entity"] == "session") & (log["entity_id"] == "staff")]
    assert {"signed in", "signed out"} <= set(mine["field"])


def test_a_new_session_at_every_sign_in(app):
    with _fresh(app, "192.0.2.82") as client:
        sign_in(client, "staff")
        first = client.cookies.get(SESSION_COOKIE)
        name, password = USERS["staff"]
        client.post("/login", data={"username": name, "password": password, "csrf_token": csrf_of(
            client.get("/").text)})
        assert client.cookies.get(SESSION_COOKIE) != first


def test_sessions_expire_when_idle_and_after_their_lifetime(web_workspace):
    from exportplan.web.app import create_app

    now = ["2026-03-02T09:00:00+00:00"]
    app = create_app(workspace=web_workspace, clock=lambda: now[0], warm=False)
    with _fresh(app, "192.0.2.90") as client:
        sign_in(client, "viewer")
        now[0] = "2026-03-02T12:59:00+00:00"  # 3 h 59 min idle: still signed in, and seen now
        assert client.get("/healthz").status_code == 200 and client.get("/").status_code == 200
        now[0] = "2026-03-02T16:58:00+00:00"
        assert client.get("/").status_code == 200
        now[0] = "2026-03-02T21:00:00+00:00"  # over 4 h idle
        assert client.get("/").status_code == 303
        sign_in(client, "viewer")
        start = dt.datetime(2026, 3, 2, 21, 0, tzinfo=dt.timezone.utc)
        for hours in range(3, 7 * 24, 3):  # busy all week, never idle for 4 hours ...
            now[0] = (start + dt.timedelta(hours=hours)).isoformat()
            assert client.get("/").status_code == 200, hours
        now[0] = (start + dt.timedelta(days=7)).isoformat()  # ... but a session lasts 7 days at most
        answer = client.get("/")
        assert answer.status_code == 303


def test_a_disabled_users_session_stops_working(app, web_workspace):
    name, password = f"leaver-{uuid.uuid4().hex[:8]}", "a password for the leaver"
    web_workspace.accounts.create_user(name, password, "staff")
    with _fresh(app, "192.0.2.100") as client:
        token = csrf_of(client.get("/login").text)
        assert client.post("/login", data={"username": name, "password": password,
                                           "csrf_token": token}).status_code == 303
        assert client.get("/").status_code == 200
        web_workspace.accounts.disable(name)
        assert client.get("/").status_code == 303


def test_a_session_made_by_one_worker_holds_in_another(web_sample):
    """Two processes' apps over one database (two uvicorn workers) share the sessions."""
    from exportplan.web.app import create_app

    first, second = create_app(web_sample, warm=False), create_app(web_sample, warm=False)
    with _fresh(first, "192.0.2.110") as one, _fresh(second, "192.0.2.110") as two:
        token = sign_in(one, "staff")
        two.cookies.set(SESSION_COOKIE, one.cookies.get(SESSION_COOKIE))
        assert two.get("/").status_code == 200
        assert two.post("/logout", data={"csrf_token": token}).status_code == 303
        assert one.get("/").status_code == 303


def test_security_headers_on_pages_errors_and_static_files(app):
    with _fresh(app, "192.0.2.120") as client:
        for answer in (client.get("/login"), client.get("/no-such-page"), client.get("/static/app.css"),
                       client.get("/healthz"), client.get("/")):
            for name, value in SECURITY_HEADERS.items():
                assert answer.headers.get(name) == value, (answer.url, name)
        assert client.get("/login").headers["cache-control"] == "no-store"
        assert "no-store" not in client.get("/static/app.css").headers.get("cache-control", "")
        assert "script-src 'self'" in SECURITY_HEADERS["content-security-policy"]
        assert "frame-ancestors 'none'" in SECURITY_HEADERS["content-security-policy"]


@pytest.mark.parametrize("target, expected", [
    ("/companies?stage=x", "/companies?stage=x"), ("//evil.example/x", "/"), ("https://evil.example/", "/"),
    ("/\\evil.example", "/"), ("javascript:alert(1)", "/"), ("", "/"), (None, "/"), ("companies", "/"),
])
def test_sign_in_goes_back_only_to_a_page_of_this_site(target, expected):
    assert safe_next(target) == expected


def test_sign_in_redirects_to_the_page_asked_for(app):
    name, password = USERS["viewer"]
    with _fresh(app, "192.0.2.130") as client:
        assert client.get("/").headers["location"] == "/login?next=/"
        token = csrf_of(client.get("/login?next=/%3Fx%3D1").text)
        answer = client.post("/login", data={"username": name, "password": password, "next": "//evil.example",
                                             "csrf_token": token})
        assert answer.headers["location"] == "/"


def _api_routes():
    def echo(request):
        user = request.state.user
        return JSONResponse({"user": user["username"], "method": request.method})

    return [page("/api/test-echo", echo, access="read", methods=("GET", "POST")),
            page("/api/test-edit", echo, access="edit", methods=("POST",))]


def test_api_tokens_act_as_their_user_without_cookies_or_csrf(web_workspace):
    from exportplan.web.app import create_app

    app = create_app(workspace=web_workspace, warm=False, extra_routes=_api_routes())
    viewer = web_workspace.accounts.create_token("viewer", label="tests")
    staff = web_workspace.accounts.create_token("staff", label="tests")
    with _fresh(app, "192.0.2.140") as client:
        assert client.get("/api/test-echo").status_code == 401
        assert client.get("/api/test-echo", headers={"Authorization": "Bearer nope"}).status_code == 401
        answer = client.get("/api/test-echo", headers={"Authorization": f"Bearer {viewer['token']}"})
        assert answer.json() == {"user": "viewer", "method": "GET"}
        assert client.post("/api/test-echo", headers={"Authorization": f"Bearer {viewer['token']}"}).status_code == 200
        assert client.post("/api/test-edit", headers={"Authorization": f"Bearer {viewer['token']}"}).status_code == 403
        assert client.post("/api/test-edit", headers={"Authorization": f"Bearer {staff['token']}"}).json()[
            "user"] == "staff"
        web_workspace.accounts.revoke_token(staff["id"])
        assert client.post("/api/test-edit", headers={"Authorization": f"Bearer {staff['token']}"}).status_code == 401
        # a browser's API call uses the session cookie and needs the CSRF header
        token = sign_in(client, "staff")
        assert client.post("/api/test-edit").status_code == 403
        assert client.post("/api/test-edit", headers={"X-CSRF-Token": token}).json()["user"] == "staff"
        # an API token is not accepted outside /api/
        with _fresh(app, "192.0.2.141") as other:
            assert other.get("/", headers={"Authorization": f"Bearer {viewer['token']}"}).status_code == 303


def test_a_company_link_opens_only_with_a_valid_token(web_workspace):
    from exportplan.web.app import create_app

    def plan(request):
        csrf_token(request)  # as a page with a form does
        return PlainTextResponse(f"plan of {request.state.company}")

    app = create_app(workspace=web_workspace, warm=False, extra_routes=[
        page("/test-link/{token}", plan, access="company_link", methods=("GET", "POST"))])
    key = str(web_workspace.pipeline.companies(limit=1)["company_id"].iloc[0])
    token = web_workspace.accounts.create_link(key, days=2)
    with _fresh(app, "192.0.2.150") as visitor:
        assert visitor.get(f"/test-link/{token}").text == f"plan of {key}"
        assert visitor.get(f"/test-link/{token[:-2]}").status_code == 404
        assert visitor.get("/test-link/x").status_code == 404
        assert visitor.post(f"/test-link/{token}").status_code == 403  # no CSRF token
        cookie = visitor.cookies.get(CSRF_COOKIE)
        assert cookie and visitor.post(f"/test-link/{token}", data={"csrf_token": cookie}).status_code == 200
    link_id = int(web_workspace.accounts.list_links(key)["id"].max())
    web_workspace.accounts.revoke_link(link_id)
    with _fresh(app, "192.0.2.151") as visitor:
        assert visitor.get(f"/test-link/{token}").status_code == 404


def test_request_bodies_over_the_limit_are_refused(web_workspace, monkeypatch):
    from exportplan.web import app as app_module

    monkeypatch.setattr(app_module, "MAX_BODY", 2000)
    app = app_module.create_app(workspace=web_workspace, warm=False)
    with _fresh(app, "192.0.2.230") as visitor:
        token = csrf_of(visitor.get("/login").text)
        answer = visitor.post("/login", data={"username": "x" * 3000, "password": "y", "csrf_token": token})
        assert answer.status_code == 413
