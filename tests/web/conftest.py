"""Fixtures of the web app's tests.

- ``web_sample``: the sample workspace (``build_demo``), built once per test session, with one
  user per role (:data:`USERS`: admin, staff, viewer, partner, judge) made through ``ws.accounts``;
  ``web_workspace`` is that workspace, open (shared: tests that write use ``web_copy``).
- ``web_copy``: a copy of the sample folder for one test (write freely).
- ``app`` / ``client``: the app over the shared workspace and a Starlette TestClient with its own
  cookies; ``login(client, role)`` signs in and returns the session's CSRF token.
- ``live_server``: the app served by uvicorn on a free port in a thread (its base URL), and
  ``browser``: Playwright's chromium (Debian's /usr/bin/chromium), skipped locally and failing in CI
  when either is missing. ``ARTIFACTS`` is where browser tests save their screenshots.
"""
from __future__ import annotations

import re
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from conftest import ROOT, need

#: The users of the sample workspace: role -> (user name, password).
USERS = {
    "admin": ("admin", "admin password for tests"),
    "staff": ("staff", "staff password for tests"),
    "viewer": ("viewer", "viewer password for tests"),
    "partner": ("partner", "partner password for tests"),
    "judge": ("sample-judge-1", "judge password for tests"),
}
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
_CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def _partner_provider(ws) -> str:
    """The inventory provider that the sample sends most referrals to (the partner user's organization)."""
    providers = set(ws.programs.inventory()["providers"]["provider_id"].astype(str))
    referrals = ws.pipeline.records("referrals")
    for key in referrals["provider"].astype(str).value_counts().index:
        if key in providers:
            return key
    return sorted(providers)[0]


def add_users(ws) -> None:
    """One user per role (:data:`USERS`) in workspace ``ws``."""
    for role, (name, password) in USERS.items():
        ws.accounts.create_user(name, password, role, display_name=f"Test {role}",
                                partner_provider=_partner_provider(ws) if role == "partner" else "")


@pytest.fixture(scope="session")
def web_sample(tmp_path_factory) -> Path:
    """The sample workspace's folder, with the users of :data:`USERS` (built once per session)."""
    from exportplan.demo.builder import build_demo

    folder = tmp_path_factory.mktemp("web") / "sample"
    ws = build_demo(folder)
    try:
        add_users(ws)
    finally:
        ws.close()
    return folder


@pytest.fixture(scope="session")
def web_workspace(web_sample):
    """The sample workspace, open for the whole session (shared: do not change its data)."""
    from exportplan import Workspace

    ws = Workspace.open(web_sample)
    yield ws
    ws.close()


@pytest.fixture
def web_copy(web_sample, tmp_path) -> Path:
    """A copy of the sample workspace's folder for one test, which may change it."""
    target = tmp_path / "sample"
    shutil.copytree(web_sample, target, ignore=shutil.ignore_patterns("sample-data"))
    return target


@pytest.fixture(scope="session")
def app(web_workspace):
    """The web app over the shared sample workspace (its slow dashboard figures made once, up front)."""
    from exportplan.web.app import create_app

    application = create_app(workspace=web_workspace)
    from exportplan.web.pages import dashboard

    dashboard.warm(application.state.cache)
    application.state.cache.wait(120)
    return application


@pytest.fixture
def client(app):
    """A TestClient of :func:`app` with its own cookie jar."""
    from starlette.testclient import TestClient

    with TestClient(app, follow_redirects=False) as test_client:
        yield test_client


def csrf_of(html: str) -> str:
    """The CSRF token a page carries (its ``<meta name="csrf-token">``)."""
    found = _CSRF_META.search(html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def sign_in(client, role: str) -> str:
    """Sign ``client`` in as the test user of ``role``; returns the session's CSRF token."""
    name, password = USERS[role]
    page = client.get("/login")
    assert page.status_code == 200, page.text
    answer = client.post("/login", data={"username": name, "password": password, "next": "/",
                                         "csrf_token": csrf_of(page.text)})
    assert answer.status_code == 303, answer.text
    home = client.get("/")
    assert home.status_code == 200, home.text
    return csrf_of(home.text)


@pytest.fixture
def login():
    """``login(client, role)``: sign in as that role's test user; returns the session's CSRF token."""
    return sign_in


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LiveServer:
    """uvicorn serving an app on 127.0.0.1 in a thread; ``url`` is its base URL."""

    def __init__(self, application):
        import uvicorn

        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(application, host="127.0.0.1", port=self.port, log_level="warning",
                                lifespan="on", proxy_headers=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="uvicorn-test", daemon=True)

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test web server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


@pytest.fixture(scope="session")
def live_server(web_workspace):
    """The app over the shared sample workspace, served by uvicorn on a free port; yields the base URL."""
    from exportplan.web.app import create_app

    application = create_app(workspace=web_workspace)
    with LiveServer(application) as server:
        application.state.cache.wait(120)
        yield server.url


@pytest.fixture(scope="session")
def _playwright():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        need(False, f"the playwright package is not installed ({exc}); pip install -e '.[test]'")
    need(CHROMIUM.exists(), f"Debian's chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    manager = sync_playwright().start()
    yield manager
    manager.stop()


@pytest.fixture(scope="session")
def browser(_playwright):
    """Playwright's chromium, the Debian build at /usr/bin/chromium (never a downloaded browser)."""
    instance = _playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                           args=["--no-sandbox", "--disable-dev-shm-usage"])
    yield instance
    instance.close()


def browser_login(page, base_url: str, role: str) -> None:
    """Sign in through the sign-in form of a Playwright ``page``."""
    name, password = USERS[role]
    page.goto(f"{base_url}/login")
    page.get_by_label("User name").fill(name)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/")


def no_horizontal_scroll(page) -> bool:
    """True when the page is no wider than the window (no horizontal scrolling)."""
    return page.evaluate("document.scrollingElement.scrollWidth <= window.innerWidth")
