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

Every browser test (a test that uses ``browser``) runs twice: once with the workspace on SQLite and once
on PostgreSQL (``web_backend``: "sqlite" or "postgres", see :func:`pytest_generate_tests`). On
PostgreSQL, ``live_server`` serves and ``web_copy`` gives copies of the same sample with the same users,
built once per session in a database that the fixtures create and drop (``web_pg_sample``; each copy is
a database made from it as a template, so a copy takes a second, not the minute of a build). The TestClient
fixtures (``app``, ``client``, ``web_workspace``) stay on SQLite. The PostgreSQL run's screenshots go to
``tests/artifacts/postgres/`` (``ARTIFACTS / name`` follows the test's backend), so neither run overwrites
the other's.
"""
from __future__ import annotations

import re
import shutil
import socket
import threading
import time
import uuid
from pathlib import Path

import pytest

from conftest import ROOT, _pg_admin_url, need

#: The users of the sample workspace: role -> (user name, password).
USERS = {
    "admin": ("admin", "admin password for tests"),
    "staff": ("staff", "staff password for tests"),
    "viewer": ("viewer", "viewer password for tests"),
    "partner": ("partner", "partner password for tests"),
    "judge": ("sample-judge-1", "judge password for tests"),
}
#: The workspace's database backends that every browser test runs on.
BACKENDS = ("sqlite", "postgres")
_IN_USE = {"backend": "sqlite"}  # the backend of the test that runs now (set by _backend_of_the_test)


class _Artifacts(type(Path())):
    """The screenshots' folder: ``ARTIFACTS / name`` is in ``postgres/`` under it while a test runs on
    PostgreSQL, so that the two runs of a browser test keep their own screenshots."""

    def __truediv__(self, name):
        backend = _IN_USE["backend"]
        return Path(str(self), name) if backend == "sqlite" else Path(str(self), backend, name)


ARTIFACTS = _Artifacts(ROOT / "tests" / "artifacts")
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


def pytest_generate_tests(metafunc):
    """Every browser test (one that uses ``browser``) runs on each of :data:`BACKENDS`, grouped by backend
    (``web_backend`` is session-scoped, so the PostgreSQL sample and server are made once)."""
    if "browser" in metafunc.fixturenames and "web_backend" in metafunc.fixturenames:
        metafunc.parametrize("web_backend", BACKENDS, indirect=True)


@pytest.fixture(scope="session")
def web_backend(request) -> str:
    """The workspace's database for the test: "sqlite" (the default) or "postgres" (browser tests run on both)."""
    return getattr(request, "param", "sqlite")


@pytest.fixture(autouse=True)
def _backend_of_the_test(request):
    """Points :data:`ARTIFACTS` at the running test's backend (``postgres/`` for PostgreSQL)."""
    callspec = getattr(request.node, "callspec", None)
    backend = callspec.params.get("web_backend", "sqlite") if callspec else "sqlite"
    _IN_USE["backend"] = backend
    if backend != "sqlite":
        Path(str(ARTIFACTS), backend).mkdir(parents=True, exist_ok=True)
    yield
    _IN_USE["backend"] = "sqlite"


class PgSample:
    """The sample workspace built on PostgreSQL: its folder and its database, kept unopened as the template
    of the copies (PostgreSQL copies a database only while nobody is connected to it)."""

    def __init__(self, folder: Path, database: str):
        from sqlalchemy import create_engine

        self.folder, self.database = folder, database
        self.admin = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")

    def url(self, database: str) -> str:
        return _pg_admin_url().rsplit("/", 1)[0] + f"/{database}"

    def create(self, template: str | None = None) -> str:
        """A new database (empty, or a copy of ``template``); returns its name."""
        from sqlalchemy import text

        name = f"exportplan_web_{uuid.uuid4().hex[:12]}"
        with self.admin.connect() as conn:
            if template:
                conn.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                  f"WHERE datname = '{template}' AND pid <> pg_backend_pid()"))
                conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
            else:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        return name

    def drop(self, name: str) -> None:
        from sqlalchemy import text

        with self.admin.connect() as conn:
            conn.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))

    def copy(self, target: Path) -> str:
        """The sample in folder ``target`` on a new database copied from the sample's; returns its name."""
        name = self.create(template=self.database)
        shutil.copytree(self.folder, target, ignore=shutil.ignore_patterns("sample-data"))
        config = target / "exportplan.toml"
        saved = config.read_text(encoding="utf-8")
        assert saved.count(self.database) == 1, f"the sample's {config.name} does not name its database once"
        config.write_text(saved.replace(self.database, name), encoding="utf-8")
        return name


@pytest.fixture(scope="session")
def web_pg_sample(tmp_path_factory):
    """The sample workspace on PostgreSQL with the users of :data:`USERS` (built once per session, about a
    minute), in a database made here and dropped at the end; skipped locally, failing in CI, without a server."""
    try:
        import psycopg  # noqa: F401
        from sqlalchemy import create_engine, text
    except ImportError as exc:  # pragma: no cover
        need(False, f"psycopg is not installed ({exc})")
    try:
        probe = create_engine(_pg_admin_url())
        with probe.connect() as conn:
            conn.execute(text("SELECT 1"))
        probe.dispose()
    except Exception as exc:  # noqa: BLE001 - any failure means no server
        need(False, f"PostgreSQL is not reachable at {_pg_admin_url()} ({exc.__class__.__name__})")
    from exportplan.demo.builder import build_demo

    sample = PgSample(tmp_path_factory.mktemp("web-pg") / "sample", "")
    sample.database = sample.create()
    try:
        ws = build_demo(sample.folder, database_url=sample.url(sample.database))
        try:
            assert ws.store.dialect == "postgresql"
            add_users(ws)
        finally:
            ws.close()
        yield sample
    finally:
        sample.drop(sample.database)
        sample.admin.dispose()


def _pg_copy(request, target: Path):
    """A copy of the PostgreSQL sample in folder ``target``; yields the folder, drops the copy afterwards."""
    sample = request.getfixturevalue("web_pg_sample")
    name = sample.copy(target)
    try:
        yield target
    finally:
        sample.drop(name)


@pytest.fixture
def web_copy(web_backend, request, tmp_path):
    """A copy of the sample workspace's folder for one test, which may change it (on PostgreSQL in the
    PostgreSQL run of a browser test: a database of its own, dropped afterwards)."""
    target = tmp_path / "sample"
    if web_backend == "postgres":
        yield from _pg_copy(request, target)
        return
    shutil.copytree(request.getfixturevalue("web_sample"), target, ignore=shutil.ignore_patterns("sample-data"))
    yield target


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
        self.thread.join(timeout=180)  # the app waits for its background figures (app.SHUTDOWN_WAIT)


@pytest.fixture(scope="session")
def live_server(web_backend, request, tmp_path_factory):
    """The app over the sample workspace, served by uvicorn on a free port; yields the base URL. On SQLite
    the shared sample (:func:`web_workspace`); on PostgreSQL a copy of the PostgreSQL sample, made for the
    session (tests do not change it)."""
    from exportplan import Workspace
    from exportplan.web.app import create_app

    if web_backend == "sqlite":
        yield from _serve(create_app(workspace=request.getfixturevalue("web_workspace")))
        return
    for folder in _pg_copy(request, tmp_path_factory.mktemp("web-pg-live") / "sample"):
        ws = Workspace.open(folder)
        try:
            assert ws.store.dialect == "postgresql"
            yield from _serve(create_app(workspace=ws))
        finally:
            ws.close()


def _serve(application):
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
