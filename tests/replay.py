"""A local HTTP server that replays recorded (or hand-built) publisher responses.

Tests never touch the network: point the code under test at
``srv.base_url`` (every source function takes a ``base_url=`` override) and
serve the publisher's recorded bytes from here.

Importing
---------
``tests/`` is on ``sys.path`` when pytest runs from the repository root
(pytest's default "prepend" import mode adds the folder of ``conftest.py`` and
of each test module), so test files simply write::

    from replay import ReplayServer, Route   # the replay_server fixture comes from conftest.py

The ``replay_server`` fixture is imported in ``conftest.py``, so every test
can ask for it by name.

Use
---
As a context manager::

    with ReplayServer({"/api/x.csv": b"a,b\\n1,2\\n"}) as srv:
        httpx.get(srv.url("/api/x.csv"))
        assert srv.hits("/api/x.csv") == 1

or with the fixture, adding routes in the test::

    def test_it(replay_server, shared_data):
        replay_server.add_file("/cew/data/api/2016/1/area/C1814.csv",
                               shared_data / "api-responses/bls_qcew/....csv")
        fetch(replay_server.url("/cew/data/api/2016/1/area/C1814.csv"), tmp_path)

Routes
------
A route table maps a request target to a response. The key is a path
(``"/v2/country/all/indicator/SP.POP.TOTL"``) or a path plus query
(``"/v2/country?format=json&page=2"``); a key with a query must match the
request's query string exactly (same order), and is tried before the bare path.
Unknown targets get a 404. A value is either a :class:`Route` or a shorthand:
``bytes``/``str`` (200 with that body), an ``int`` (that status, empty body) or
a tuple ``(status, headers, body)``.

:class:`Route` fields:

- ``status``, ``headers``, ``body`` (bytes or str), ``content_type``;
- ``file``: serve this file's bytes (e.g. from ``shared/data/api-responses``);
- ``delay``: seconds to wait before answering (to trigger client timeouts);
- ``truncate_to``: announce the full Content-Length but send only this many
  body bytes, then close the connection (a cut-short download);
- ``fail_times``: answer ``fail_status`` (default 503) this many times, then
  succeed (to test retries);
- ``respond``: a callable ``(Request) -> (status, headers, body)`` for dynamic
  answers (e.g. paging on a query parameter).

Every request is recorded in ``srv.requests`` as a :class:`Request` (method,
path, query, target, headers), so tests can check that a cache hit made no
request or that the User-Agent was sent.
"""
from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest


@dataclass(frozen=True)
class Request:
    """One request the server received."""

    method: str
    path: str
    query: str
    headers: dict[str, str]

    @property
    def target(self) -> str:
        return f"{self.path}?{self.query}" if self.query else self.path


@dataclass
class Route:
    """How to answer one request target (see the module docstring)."""

    status: int = 200
    body: bytes | str = b""
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str | None = None
    file: Path | str | None = None
    delay: float = 0.0
    truncate_to: int | None = None
    fail_times: int = 0
    fail_status: int = 503
    respond: Callable[[Request], tuple[int, Mapping[str, str], bytes]] | None = None

    def payload(self) -> bytes:
        """The body bytes: the file's, else ``body``."""
        if self.file is not None:
            return Path(self.file).read_bytes()
        return self.body.encode() if isinstance(self.body, str) else self.body


def as_route(value) -> Route:
    """Turn a route-table shorthand into a :class:`Route`."""
    if isinstance(value, Route):
        return value
    if isinstance(value, (bytes, str)):
        return Route(body=value)
    if isinstance(value, int):
        return Route(status=value)
    status, headers, body = value
    return Route(status=status, headers=dict(headers), body=body)


class ReplayServer:
    """A threaded HTTP server on 127.0.0.1 (free port) answering from a route table."""

    def __init__(self, routes: Mapping[str, object] | None = None):
        self.routes: dict[str, Route] = {k: as_route(v) for k, v in (routes or {}).items()}
        self.requests: list[Request] = []
        self.errors: list[BaseException] = []
        self._failures: dict[str, int] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- set-up -----------------------------------------------------------
    def add(self, target: str, route: object = None, **fields) -> Route:
        """Add or replace a route: ``add("/x", b"body")`` or ``add("/x", status=404)``."""
        made = as_route(route) if route is not None else Route(**fields)
        self.routes[target] = made
        return made

    def add_file(self, target: str, path: Path | str, **fields) -> Route:
        """Serve a recorded file's bytes at ``target``."""
        return self.add(target, file=Path(path), **fields)

    # -- addresses and records ---------------------------------------------
    @property
    def base_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("the replay server is not running; use it as a context manager")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, target: str = "/") -> str:
        """The full URL of ``target`` on this server."""
        return self.base_url + (target if target.startswith("/") else f"/{target}")

    def hits(self, target: str | None = None) -> int:
        """How many requests were received (for ``target``: path or path?query)."""
        with self._lock:
            return sum(1 for r in self.requests if target in (None, r.target, r.path))

    # -- lifecycle ----------------------------------------------------------
    def start(self) -> ReplayServer:
        self._httpd = _Server(("127.0.0.1", 0), _handler_for(self))
        self._httpd.owner = self
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True,
                                        kwargs={"poll_interval": 0.05})
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes handlers sleeping in a delay
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- answering ----------------------------------------------------------
    def _record(self, request: Request) -> Route | None:
        with self._lock:
            self.requests.append(request)
            return self.routes.get(request.target) or self.routes.get(request.path)

    def _should_fail(self, key: str, route: Route) -> bool:
        """True for the first ``route.fail_times`` requests to ``key``."""
        with self._lock:
            done = self._failures.get(key, 0)
            if done < route.fail_times:
                self._failures[key] = done + 1
                return True
            return False


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    owner: ReplayServer

    def handle_error(self, request, client_address) -> None:
        # A client that gave up (timeout test) breaks the pipe: record, stay quiet.
        import sys

        self.owner.errors.append(sys.exc_info()[1])


def _handler_for(server: ReplayServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server naming
            parts = urlsplit(self.path)
            request = Request(self.command, parts.path, parts.query, dict(self.headers.items()))
            route = server._record(request)
            if route is None:
                self._send(404, {"Content-Type": "text/plain"}, f"no route for {request.target}".encode())
                return
            if route.delay and server._stopping.wait(route.delay):
                return
            key = request.target if request.target in server.routes else request.path
            if server._should_fail(key, route):
                self._send(route.fail_status, {"Content-Type": "text/plain"}, b"temporarily failing")
                return
            status, headers, body = self._answer(route, request)
            self._send(status, headers, body, route.truncate_to)

        do_HEAD = do_GET  # noqa: N815

        def _answer(self, route: Route, request: Request) -> tuple[int, dict, bytes]:
            if route.respond is not None:
                status, headers, body = route.respond(request)
                return status, dict(headers), body
            headers = dict(route.headers)
            if route.content_type:
                headers["Content-Type"] = route.content_type
            return route.status, headers, route.payload()

        def _send(self, status: int, headers: Mapping[str, str], body: bytes,
                  truncate_to: int | None = None) -> None:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body if truncate_to is None else body[:truncate_to])
            self.wfile.flush()
            self.close_connection = True

        def log_message(self, format, *args) -> None:  # noqa: A002 - keep test output clean
            return

    return Handler


@pytest.fixture
def replay_server():
    """A running, empty :class:`ReplayServer`; add routes in the test."""
    with ReplayServer() as srv:
        yield srv
