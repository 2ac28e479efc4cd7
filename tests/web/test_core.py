"""The web app's core: signing in and out, the dashboard for each role, escaping, the helpers, serving."""
from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner
from starlette.testclient import TestClient

from exportplan.web.render import svg_figure, table_html

from .conftest import ARTIFACTS, USERS, browser_login, csrf_of, no_horizontal_scroll, sign_in


def _client(app, address):
    return TestClient(app, follow_redirects=False, client=(address, 40000))


def test_sign_in_and_out(app):
    with _client(app, "203.0.113.1") as client:
        form = client.get("/login")
        assert form.status_code == 200
        assert '<label for="username">' in form.text and '<label for="password">' in form.text
        name, password = USERS["staff"]
        wrong = client.post("/login", data={"username": name, "password": "not the password",
                                            "csrf_token": csrf_of(form.text)})
        assert wrong.status_code == 400 and "wrong" in wrong.text
        assert f'value="{name}"' in wrong.text  # the name is kept, the password is not
        token = sign_in(client, "staff")
        home = client.get("/")
        assert "Test staff" in home.text and "Sign out" in home.text
        assert client.get("/login").headers["location"] == "/"  # already signed in
        out = client.post("/logout", data={"csrf_token": token})
        assert out.status_code == 303 and out.headers["location"] == "/login"
        assert client.get("/").status_code == 303


@pytest.mark.parametrize("role", ["admin", "staff", "viewer"])
def test_the_dashboard_for_roles_that_read(app, role):
    with _client(app, "203.0.113.2") as client:
        sign_in(client, role)
        page = client.get("/")
    assert page.status_code == 200
    text = page.text
    assert "<h1>Dashboard</h1>" in text
    assert "300</span>" in text and "companies in the pipeline" in text  # the sample's 300 companies
    for heading in ("Top target sectors", "Top target markets", "The plan", "Goal progress", "Recent activity"):
        assert heading in text
    assert "staff sections saved" in text
    assert '<th scope="col">Goal</th>' in text and '<caption class="visually-hidden">Goal progress</caption>' in text
    assert 'aria-current="page"' in text and 'class="skip-link"' in text


def test_the_dashboards_figures_come_from_the_workspace(app, web_workspace):
    facts = web_workspace.plan.facts()
    with _client(app, "203.0.113.3") as client:
        sign_in(client, "viewer")
        text = client.get("/").text
    assert facts.sectors and facts.markets
    for name in (*facts.sectors, *facts.markets):
        assert f"<li>{name}</li>" in text
    assert f'<span class="figure">{facts.exporters}</span>' in text


@pytest.mark.parametrize("role", ["partner", "judge"])
def test_partners_and_judges_see_no_organization_data_on_the_home_page(app, role):
    with _client(app, "203.0.113.4") as client:
        sign_in(client, role)
        page = client.get("/")
    assert page.status_code == 200
    assert "Welcome" in page.text
    for private in ("companies in the pipeline", "Recent activity", "SAMPLE-0", "Goal progress"):
        assert private not in page.text


def test_a_script_in_a_company_name_is_shown_as_text_on_the_dashboard(web_copy):
    from exportplan import Workspace
    from exportplan.web.app import create_app

    hostile = '<script>alert("pwned")</script><img src=x onerror=alert(1)>'
    with Workspace.open(web_copy) as ws:
        key = ws.pipeline.add_company(name=hostile)
    app = create_app(web_copy, warm=False)
    with _client(app, "203.0.113.5") as client:
        sign_in(client, "staff")
        text = client.get("/").text
        app.state.cache.wait(120)
    assert key in text
    assert "&lt;script&gt;alert(&#34;pwned&#34;)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in text
    assert "<script>alert" not in text and "<img src=x" not in text


def test_error_pages(app):
    with _client(app, "203.0.113.6") as client:
        missing = client.get("/no-such-page")
        assert missing.status_code == 404 and "Not found" in missing.text and "Sign in" in missing.text
        sign_in(client, "viewer")
        assert "Back to the home page" in client.get("/no-such-page").text


def test_static_files_and_the_health_check(app):
    with _client(app, "203.0.113.7") as client:
        css = client.get("/static/app.css")
        assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
        assert client.get("/static/app.js").headers["content-type"].split(";")[0] in (
            "text/javascript", "application/javascript")
        assert client.get("/static/../security.py").status_code == 404
        assert client.get("/healthz").json() == {"status": "ok"}


def test_table_html_is_accessible_and_escaped():
    frame = pd.DataFrame({"name": ["<b>A</b>", "B & C"], "value": [1234.5, None], "n": [3, 4]})
    html = str(table_html(frame, caption="Two <rows>", row_header="name", formats={"value": ",.1f"}))
    assert "<caption>Two &lt;rows&gt;</caption>" in html
    assert '<th scope="col">name</th>' in html and '<th scope="col" class="num">value</th>' in html
    assert '<th scope="row">&lt;b&gt;A&lt;/b&gt;</th>' in html and "B &amp; C" in html
    assert '<td class="num">1,234.5</td><td class="num">3</td>' in html
    assert '<td class="num"></td>' in html  # a missing value is blank, not "nan"
    assert html.startswith('<div class="table-wrap" role="region" aria-label="Two &lt;rows&gt;" tabindex="0">')
    empty = str(table_html(frame.iloc[0:0], caption="None", columns={"name": "Company"}, empty="No companies."))
    assert '<th scope="col">Company</th>' in empty and "No companies." in empty
    shown = str(table_html(frame, caption="Some", max_rows=1))
    assert "Showing 1 of 2 rows." in shown


def test_svg_figure_keeps_the_chart_inside_an_image():
    svg = '<svg xmlns="http://www.w3.org/2000/svg"><style>rect{fill:red}</style><rect width="5" height="5"/></svg>'
    html = str(svg_figure(svg, alt='Exports by "market"', caption="Exports"))
    assert html.startswith('<figure><img class="chart" src="data:image/svg+xml;base64,')
    assert 'alt="Exports by &#34;market&#34;"' in html and "<figcaption>Exports</figcaption>" in html
    assert "<style>" not in html


def test_serve_runs_uvicorn_with_the_app_factory(web_copy, monkeypatch):
    import uvicorn

    from exportplan.cli.main import cli
    from exportplan.web.app import THREADS_ENV, WORKSPACE_ENV, app_from_env

    calls = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append((args, kwargs)))
    monkeypatch.delenv(WORKSPACE_ENV, raising=False)
    monkeypatch.delenv(THREADS_ENV, raising=False)
    result = CliRunner().invoke(cli, ["-w", str(web_copy), "serve", "--port", "8123", "--workers", "3",
                                      "--threads", "6", "--proxy-headers"])
    assert result.exit_code == 0, result.output
    (args, kwargs), = calls
    assert args == ("exportplan.web.app:app_from_env",) and kwargs["factory"] is True
    assert kwargs["workers"] == 3 and kwargs["port"] == 8123 and kwargs["proxy_headers"] is True
    assert "SQLite" in result.output  # several workers on the SQLite file: a note says to use PostgreSQL
    import os

    assert os.environ[WORKSPACE_ENV] == str(web_copy.resolve()) and os.environ[THREADS_ENV] == "6"
    import anyio.to_thread

    app = app_from_env()
    with TestClient(app) as client:
        assert client.get("/healthz").json() == {"status": "ok"}
        assert client.portal.call(lambda: anyio.to_thread.current_default_thread_limiter().total_tokens) == 6
        app.state.cache.wait(120)


def test_serve_without_a_workspace_says_what_to_do(tmp_path):
    from exportplan.cli.main import cli

    result = CliRunner().invoke(cli, ["-w", str(tmp_path / "none"), "serve"])
    assert result.exit_code == 2 and "Error:" in result.output


@pytest.mark.browser
def test_the_dashboard_in_a_browser_at_laptop_and_tablet_sizes(browser, live_server):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for width, height in ((1366, 768), (768, 1024)):
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        errors = []
        page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
        browser_login(page, live_server, "staff")
        assert page.get_by_role("heading", name="Dashboard").is_visible()
        assert page.get_by_text("companies in the pipeline").is_visible()
        assert no_horizontal_scroll(page), f"the dashboard scrolls sideways at {width}x{height}"
        page.screenshot(path=str(ARTIFACTS / f"dashboard-{width}x{height}.png"), full_page=True)
        page.keyboard.press("Tab")  # the skip link comes first and shows when focused
        assert page.evaluate("document.activeElement.className") == "skip-link"
        assert errors == []  # no script or Content-Security-Policy errors
        page.get_by_role("button", name="Sign out").click()
        page.wait_for_url(f"{live_server}/login")
        context.close()


@pytest.mark.postgres
def test_signing_in_and_the_dashboard_of_a_new_workspace_on_postgresql(pg_url, tmp_path):
    """A workspace with no data yet, in PostgreSQL: sessions, sign-in, the dashboard and sign-out work."""
    from exportplan import Workspace
    from exportplan.web.app import create_app

    ws = Workspace.init(tmp_path / "new", name="New Region", counties=["39049"], database_url=pg_url,
                        centre=[40.0, -83.0])
    ws.accounts.create_user("alice", "a long password for alice", "admin")
    app = create_app(workspace=ws)
    try:
        with _client(app, "203.0.113.9") as client:
            page = client.get("/login")
            answer = client.post("/login", data={"username": "alice", "password": "a long password for alice",
                                                 "csrf_token": csrf_of(page.text)})
            assert answer.status_code == 303
            app.state.cache.wait(120)
            home = client.get("/")
            assert home.status_code == 200 and "<h1>Dashboard</h1>" in home.text
            assert '<span class="figure">0</span>' in home.text  # no companies yet
            assert "Not ranked yet" in home.text or "Being worked out" in home.text
            assert client.post("/logout", data={"csrf_token": csrf_of(home.text)}).status_code == 303
            assert client.get("/").status_code == 303
        log = ws.pipeline.changes()
        assert list(log[log["entity"] == "session"]["field"]) == ["signed in", "signed out"]
    finally:
        app.state.cache.wait(120)
        ws.close()
