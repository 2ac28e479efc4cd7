"""The web app: :func:`create_app` serves one workspace to several users at once.

The workspace is opened once per process; each request works on its own
``workspace.for_request(user=...)`` (its own copy of the settings, the shared connection pool).
Endpoints are plain functions that Starlette runs in its thread pool. Every route comes from the
registry (:mod:`exportplan.web.routes`): the page modules listed in
:data:`exportplan.web.pages.MODULES`, the sign-in routes of :mod:`exportplan.web.security`, the
health check and the static files.

Several uvicorn workers each build their own app with the factory :func:`app_from_env`, which
reads the workspace folder from :data:`WORKSPACE_ENV` (``exportplan serve --workers N`` sets it).
"""
from __future__ import annotations

import contextlib
import os
import threading
import time
from pathlib import Path
from typing import Any, Callable, Sequence

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.staticfiles import StaticFiles

from ..errors import ExportPlanError
from . import security
from .routes import page, public_mount
from .views import Views

#: The environment variable that gives :func:`app_from_env` the workspace folder.
WORKSPACE_ENV = "EXPORTPLAN_WEB_WORKSPACE"
#: The environment variable that gives :func:`app_from_env` the requests a worker works on at once.
THREADS_ENV = "EXPORTPLAN_WEB_THREADS"
#: The largest request body accepted (an uploaded company file), in bytes.
MAX_BODY = 50 * 1024 * 1024
STATIC = Path(__file__).resolve().parent / "static"


#: Seconds a shutting-down app waits for the background figures being made (they hold database connections).
SHUTDOWN_WAIT = 120.0


class Cache:
    """Figures that take long to compute (rankings, goal progress), kept per process and refreshed in the
    background, so that a page never waits for them after the first time.

    ``get(key, make, max_age)`` answers the value made last (or None while the first one is being
    made) at once; when it is older than ``max_age`` seconds (or missing) a background thread makes
    a new one with ``make(ws)`` on a workspace of its own. One thread per key at a time.
    """

    def __init__(self, workspace, clock: Callable[[], str] | None = None):
        self.workspace, self.clock = workspace, clock
        self._values: dict[str, tuple[float, Any]] = {}
        self._errors: dict[str, str] = {}
        self._running: set[str] = set()
        self._lock = threading.Lock()

    def get(self, key: str, make: Callable[[Any], Any], max_age: float = 60.0) -> Any:
        with self._lock:
            made = self._values.get(key)
            stale = made is None or time.monotonic() - made[0] > max_age
            if stale and key not in self._running:
                self._running.add(key)
                threading.Thread(target=self._make, args=(key, make), name=f"exportplan-cache-{key}",
                                 daemon=True).start()
        return made[1] if made else None

    def error(self, key: str) -> str:
        """The message of the last failed attempt to make ``key`` ('' when it worked)."""
        return self._errors.get(key, "")

    def _make(self, key: str, make: Callable[[Any], Any]) -> None:
        try:
            value = make(self.workspace.for_request(user="", clock=self.clock))
            with self._lock:
                self._values[key] = (time.monotonic(), value)
                self._errors.pop(key, None)
        except ExportPlanError as exc:
            self._errors[key] = str(exc)
        except Exception as exc:  # noqa: BLE001 - a background thread must not die silently
            self._errors[key] = f"{exc.__class__.__name__}: {exc}"
        finally:
            with self._lock:
                self._running.discard(key)

    def wait(self, timeout: float = 30.0) -> None:
        """Wait until no value is being made (tests; warming up before a benchmark)."""
        end = time.monotonic() + timeout
        while self._running and time.monotonic() < end:
            time.sleep(0.02)

    def clear(self) -> None:
        with self._lock:
            self._values.clear()


def healthz(request: Request) -> JSONResponse:
    """The health check for a load balancer: the database answers."""
    request.state.ws.store.workspace_info()
    return JSONResponse({"status": "ok"})


def _all_routes(extra: Sequence = ()) -> list:
    from . import pages

    return [*security.ROUTES, page("/healthz", healthz, access="public", name="healthz"), *pages.routes(),
            *extra, public_mount("/static", StaticFiles(directory=str(STATIC)), name="static")]


async def _http_error(request: Request, exc: HTTPException):
    if not hasattr(request.state, "user"):  # no route matched: say who is signed in all the same
        await run_in_threadpool(security.identify, request)
    return security.refuse(request, exc.status_code, exc.detail if exc.status_code != 404 else
                           "There is no such page here; use the menu to find what you need.")


async def _server_error(request: Request, exc: Exception):
    return security.refuse(request, 500, "The server could not answer this request; it has been logged. Try again, "
                                         "and tell the administrator if it keeps happening.")


def create_app(workspace_dir: str | os.PathLike | None = None, *, workspace=None,
               clock: Callable[[], str] | None = None, warm: bool = True, extra_routes: Sequence = (),
               threads: int | None = None) -> Starlette:
    """The web app of the workspace in ``workspace_dir`` (opened now, closed when the app shuts down), or of an
    open ``workspace`` (left open). ``clock`` (ISO UTC text) replaces the time for tests; ``warm`` starts
    making the dashboard's slow figures at start-up; ``extra_routes`` (made with ``routes.page``) are served
    too (tests); ``threads`` sets how many requests the worker works on at once (its thread pool; default:
    Starlette's 40) — the others wait their turn in order, so that a page is not slowed down by sharing the
    interpreter with many others."""
    from ..workspace import Workspace

    if workspace is None:
        if workspace_dir is None:
            raise ExportPlanError("Give the workspace folder to serve (exportplan -w DIR serve).")
        workspace, owned = Workspace.open(workspace_dir), True
    else:
        owned = False
    workspace.reload_config_if_changed()  # notes the settings file as read now; requests reload it when it changes

    @contextlib.asynccontextmanager
    async def lifespan(app):
        if threads:
            import anyio.to_thread

            anyio.to_thread.current_default_thread_limiter().total_tokens = int(threads)
        if warm:
            from .pages import dashboard

            dashboard.warm(app.state.cache)
        yield
        # the background figures being made use the workspace's connections: let them finish first
        app.state.cache.wait(timeout=SHUTDOWN_WAIT)
        if owned:
            workspace.close()

    app = Starlette(routes=_all_routes(extra_routes), middleware=[Middleware(security.SecurityHeaders)],
                    exception_handlers={HTTPException: _http_error, Exception: _server_error}, lifespan=lifespan,
                    max_body_size=MAX_BODY)
    app.state.workspace = workspace
    app.state.clock = clock
    app.state.cache = Cache(workspace, clock)
    app.state.views = Views()
    return app


def app_from_env() -> Starlette:
    """The app of the workspace folder in ``$EXPORTPLAN_WEB_WORKSPACE`` (uvicorn's factory for several workers)."""
    folder = os.environ.get(WORKSPACE_ENV)
    if not folder:
        raise ExportPlanError(f"Set {WORKSPACE_ENV} to the workspace folder (exportplan -w DIR serve sets it).")
    threads = os.environ.get(THREADS_ENV, "").strip()
    return create_app(folder, threads=int(threads) if threads.isdigit() and int(threads) > 0 else None)


__all__ = ["create_app", "app_from_env", "Cache", "WORKSPACE_ENV", "THREADS_ENV", "MAX_BODY"]
