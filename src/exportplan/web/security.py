"""Sessions, sign-in, CSRF, authorization and security headers of the web app (docs/web.md).

Every route is declared with :func:`exportplan.web.routes.page`, which wraps its endpoint with
:func:`guarded`. For each request the wrapper

1. finds the user: an API token (``Authorization: Bearer``, on ``/api/`` paths only) or the
   session cookie, looked up by its SHA-256 in ``web_sessions`` (idle and absolute expiry, the
   user still active);
2. checks the route's ``access`` against the user's role (:func:`allowed`, with
   ``analysis.roles.can``): without a user an HTML page redirects (303) to ``/login?next=...``
   and an API route answers 401 JSON; a user whose role may not answers 403;
3. checks the CSRF token of every state-changing request (POST, PUT, PATCH, DELETE): the
   session's token (form field ``csrf_token`` or header ``X-CSRF-Token``), or for a visitor
   without a session the double-submit cookie ``exportplan_csrf``; API token requests use no
   cookie and need none;
4. gives the endpoint ``request.state.user``, ``request.state.ws`` (the workspace acting as that
   user), ``request.state.form`` and, on a company's private link, ``request.state.company``.

:class:`SecurityHeaders` adds the Content-Security-Policy and the other headers to every
response. Sign-in and sign-out are the routes at the end; sign-ins are throttled by
``ws.accounts.authenticate`` and recorded in the audit log (entity ``session``).
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import hmac
import inspect
import secrets
import threading
from typing import Any, Callable
from urllib.parse import quote, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response

from ..analysis.roles import can
from ..errors import ConflictError, ExportPlanError
from ..store import web_sessions as repo
from ..ws.accounts import Throttled
from .routes import ANONYMOUS, STATE_CHANGING, check_access, page

#: The session cookie (a random value; the database keeps only its SHA-256).
SESSION_COOKIE = "exportplan_session"
#: The double-submit CSRF cookie of visitors without a session (sign-in page, survey, private links).
CSRF_COOKIE = "exportplan_csrf"
#: The form field and the header that carry the CSRF token.
CSRF_FIELD, CSRF_HEADER = "csrf_token", "x-csrf-token"
#: A session ends after this long without a request ...
IDLE_TIMEOUT = _dt.timedelta(hours=4)
#: ... and at the latest this long after sign-in.
LIFETIME = _dt.timedelta(days=7)
#: A session's last use is written at most this often.
TOUCH_EVERY = _dt.timedelta(minutes=1)
#: Password checks running at once per worker: each argon2id check takes 64 MiB and a few tens of
#: milliseconds, so a burst of sign-ins waits here instead of exhausting the server's memory.
_HASHING = threading.BoundedSemaphore(4)
#: Sent with every response.
SECURITY_HEADERS = {
    "content-security-policy": ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                                "frame-ancestors 'none'; base-uri 'self'; form-action 'self'"),
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
}


# ---- who may do what ----------------------------------------------------------------------------
def allowed(user: dict | None, access: str) -> bool:
    """True when ``user`` (None: nobody signed in) may use a route of this ``access``."""
    check_access(access)
    if access in ANONYMOUS:
        return True
    if not user:
        return False
    if access == "signed_in":
        return True
    return can(user.get("role", ""), access)


def is_api(request: Request) -> bool:
    return request.url.path == "/api" or request.url.path.startswith("/api/")


def client_address(request: Request) -> str:
    """The client's address (the proxy's X-Forwarded-For only when uvicorn runs with --proxy-headers)."""
    return request.client.host if request.client else ""


def is_https(request: Request) -> bool:
    """The request came over HTTPS (as uvicorn sees it: X-Forwarded-Proto counts only with --proxy-headers)."""
    return request.url.scheme == "https"


def _sha(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def _now(ws) -> _dt.datetime:
    value = _dt.datetime.fromisoformat(str(ws.context.clock()).replace("Z", "+00:00"))
    return (value if value.tzinfo else value.replace(tzinfo=_dt.timezone.utc)).astimezone(_dt.timezone.utc)


def _iso(value: _dt.datetime) -> str:
    return value.astimezone(_dt.timezone.utc).replace(microsecond=0).isoformat()


# ---- sessions ---------------------------------------------------------------------------------------
def start_session(ws, user: dict, client: str = "") -> tuple[str, str]:
    """A new session for ``user``; returns (cookie value, CSRF token). Expired sessions are pruned and the
    sign-in is written to the audit log."""
    value, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    now = _now(ws)
    with ws.store.transaction(changes_data=False) as conn:
        repo.prune_sessions(conn, _iso(now), _iso(now - IDLE_TIMEOUT))
        repo.insert_session(conn, dict(id=_sha(value), user_id=int(user["id"]), csrf_token=csrf,
                                       created_at=_iso(now), expires_at=_iso(now + LIFETIME),
                                       last_seen_at=_iso(now), client=str(client)[:200]))
        _audit(ws, conn, user["username"], "signed in", client)
    return value, csrf


def end_session(ws, session: dict | None, client: str = "") -> None:
    """End a session on the server (the cookie is worthless afterwards); the sign-out is audited."""
    if not session:
        return
    with ws.store.transaction(changes_data=False) as conn:
        if repo.delete_session(conn, session["id"]):
            _audit(ws, conn, session["user"]["username"], "signed out", client)


def _audit(ws, conn, username: str, what: str, client: str) -> None:
    repo.add_audit(ws.store, conn, [dict(at=ws.context.clock(), user=username, entity="session",
                                         entity_id=username, field=what, old="", new=str(client)[:200])])


def find_session(ws, cookie: str | None) -> dict | None:
    """The live session of a cookie value (with ``user``), or None: unknown, expired, idle too long, or of a
    disabled user. A session's last use is recorded at most once a minute."""
    if not cookie or len(cookie) > 200:
        return None
    session = repo.session_with_user(ws.store, _sha(cookie))
    if session is None or not session["user"]["active"]:
        return None
    now = _now(ws)
    last = _parse(session["last_seen_at"])
    if now >= _parse(session["expires_at"]) or now - last >= IDLE_TIMEOUT:
        return None
    if now - last >= TOUCH_EVERY:
        repo.touch_session(ws.store, session["id"], _iso(now))
    session["user"]["active"] = bool(session["user"]["active"])
    return session


def _parse(text: str) -> _dt.datetime:
    value = _dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    return (value if value.tzinfo else value.replace(tzinfo=_dt.timezone.utc)).astimezone(_dt.timezone.utc)


def set_cookie(response: Response, request: Request, name: str, value: str, *, max_age: int | None = None) -> None:
    """Set one of the app's cookies: HttpOnly, SameSite=Lax, Path=/, Secure when the request came over HTTPS."""
    response.set_cookie(name, value, max_age=max_age, path="/", httponly=True, samesite="lax",
                        secure=is_https(request))


def clear_cookie(response: Response, request: Request, name: str) -> None:
    response.delete_cookie(name, path="/", httponly=True, samesite="lax", secure=is_https(request))


def csrf_token(request: Request) -> str:
    """The CSRF token a form of this page must send: the session's, else the visitor's double-submit cookie
    (made now, and set on the response by :func:`guarded`, when the visitor has none)."""
    session = getattr(request.state, "session", None)
    if session:
        return session["csrf_token"]
    token = request.cookies.get(CSRF_COOKIE) or getattr(request.state, "new_csrf_cookie", None)
    if not token or len(token) > 200:
        token = request.state.new_csrf_cookie = secrets.token_urlsafe(32)
    return token


def _csrf_ok(request: Request, form) -> bool:
    session = getattr(request.state, "session", None)
    expected = session["csrf_token"] if session else request.cookies.get(CSRF_COOKIE, "")
    given = request.headers.get(CSRF_HEADER) or (form.get(CSRF_FIELD) if form is not None else None) or ""
    if not expected or not isinstance(given, str) or not given:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


# ---- the wrapper of every route -----------------------------------------------------------------
def identify(request: Request) -> bool:
    """Set ``request.state`` user, session, via_token and ws from the API token or the session cookie (in the
    thread pool: it reads the database). False when an API token was sent and is no good."""
    base, state = request.app.state.workspace, request.state
    base.reload_config_if_changed()  # settings saved by another request or worker
    state.user = state.session = None
    state.via_token = False
    probe = base.for_request(user="", clock=request.app.state.clock)
    header = request.headers.get("authorization", "")
    good = True
    if is_api(request) and header[:7].lower() == "bearer ":
        state.user = probe.accounts.verify_token(header[7:].strip())
        state.via_token, good = True, state.user is not None
    else:
        state.session = find_session(probe, request.cookies.get(SESSION_COOKIE))
        state.user = state.session["user"] if state.session else None
    state.ws = base.for_request(user=state.user["username"], clock=request.app.state.clock) if state.user else probe
    return good


def _identify(request: Request, access: str) -> Response | None:
    """Step 1 and 2 (in the thread pool: they read the database): the user, the workspace, the access."""
    state = request.state
    if not identify(request):
        return refuse(request, 401, "The API token is unknown, revoked, or its user is disabled.")
    if not allowed(state.user, access):
        if state.user is None:
            if is_api(request):
                return refuse(request, 401, "Sign in, or send an API token (Authorization: Bearer TOKEN).")
            return login_redirect(request)
        return refuse(request, 403, "Your role may not use this page; ask an admin if you need it.")
    if access == "company_link":
        state.company = state.ws.accounts.resolve_link(str(request.path_params.get("token", "")))
        if state.company is None:
            return refuse(request, 404, "This link is unknown, revoked or has expired; ask the export office for "
                                        "a new one.")
    return None


def guarded(endpoint: Callable, access: str) -> Callable:
    """``endpoint`` behind the checks of this module (see the module's docstring)."""
    is_async = inspect.iscoroutinefunction(endpoint)

    async def route(request: Request) -> Response:
        refused = await run_in_threadpool(_identify, request, access)
        if refused is not None:
            return refused
        request.state.form = None
        if request.method in STATE_CHANGING:
            kind = request.headers.get("content-type", "")
            if kind.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
                request.state.form = await request.form()
            if not request.state.via_token and not _csrf_ok(request, request.state.form):
                return refuse(request, 403, "The form's security token is missing or out of date (CSRF check): "
                                            "reload the page and submit it again.")
        try:
            response = await endpoint(request) if is_async else await run_in_threadpool(endpoint, request)
        except ConflictError as exc:
            response = refuse(request, 409, str(exc))
        except Throttled as exc:
            response = refuse(request, 429, str(exc))
            response.headers["Retry-After"] = str(exc.retry_after)
        except ExportPlanError as exc:
            response = refuse(request, 400, str(exc))
        new_token = getattr(request.state, "new_csrf_cookie", None)
        if new_token and not request.state.via_token:
            set_cookie(response, request, CSRF_COOKIE, new_token)
        return response

    route.__name__ = getattr(endpoint, "__name__", "route")
    route.__doc__ = endpoint.__doc__
    return route


def login_redirect(request: Request) -> RedirectResponse:
    """303 to the sign-in page, coming back to this page afterwards."""
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse("/login?next=" + quote(target, safe="/"), status_code=303)


def refuse(request: Request, status: int, message: str) -> Response:
    """An error answer: JSON ``{"error": message}`` on the API, else the error page."""
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if is_api(request):
        return JSONResponse({"error": message, "status": status}, status_code=status, headers=headers)
    from .render import render

    return render(request, "error.html", status_code=status, title=_TITLES.get(status, "Error"), message=message)


_TITLES = {400: "That did not work", 401: "Please sign in", 403: "Not allowed", 404: "Not found",
           405: "Not allowed", 409: "Changed by someone else", 413: "Too large", 429: "Too many attempts",
           500: "Something went wrong"}


def safe_next(target: Any) -> str:
    """A local path to go to after signing in ('/' unless ``target`` is a path of this site)."""
    text = str(target or "")
    parts = urlsplit(text)
    if not text.startswith("/") or text.startswith("//") or "\\" in text or parts.scheme or parts.netloc:
        return "/"
    return text


class SecurityHeaders:
    """ASGI middleware: :data:`SECURITY_HEADERS` on every response, and ``Cache-Control: no-store`` on every
    response but the static files (pages show data that only their user may see)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        static = scope.get("path", "").startswith("/static/")

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                for name, value in SECURITY_HEADERS.items():
                    if name.encode() not in present:
                        headers.append((name.encode(), value.encode()))
                if not static and b"cache-control" not in present:
                    headers.append((b"cache-control", b"no-store"))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_headers)


# ---- sign-in and sign-out -----------------------------------------------------------------------------
def login_page(request: Request) -> Response:
    """The sign-in form (a signed-in user goes on to the page asked for)."""
    from .render import render

    target = safe_next(request.query_params.get("next"))
    if request.state.user:
        return RedirectResponse(target, status_code=303)
    return render(request, "login.html", title="Sign in", next=target, username="", error="")


def login_submit(request: Request) -> Response:
    """Check the name and password (throttled); on success a new session and its cookie, and on to ``next``."""
    from .render import render

    form = request.state.form or {}
    username, password = str(form.get("username", ""))[:200], form.get("password", "")
    target = safe_next(form.get("next"))
    ws, client = request.state.ws, client_address(request)
    try:
        with _HASHING:
            user = ws.accounts.authenticate(username, password if isinstance(password, str) else "", client=client)
    except Throttled as exc:
        response = render(request, "login.html", status_code=429, title="Sign in", next=target, username=username,
                          error=str(exc))
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    if user is None:
        return render(request, "login.html", status_code=400, title="Sign in", next=target, username=username,
                      error="The user name or password is wrong, or the account is disabled.")
    end_session(ws, request.state.session, client)  # a new session id at every sign-in
    value, _csrf = start_session(ws.for_request(user=user["username"]), user, client)
    response = RedirectResponse(target, status_code=303)
    set_cookie(response, request, SESSION_COOKIE, value, max_age=int(LIFETIME.total_seconds()))
    clear_cookie(response, request, CSRF_COOKIE)
    return response


def logout(request: Request) -> Response:
    """End the session on the server and drop its cookie."""
    end_session(request.state.ws, request.state.session, client_address(request))
    response = RedirectResponse("/login", status_code=303)
    clear_cookie(response, request, SESSION_COOKIE)
    return response


ROUTES = [
    page("/login", login_page, access="public", name="login"),
    page("/login", login_submit, access="public", methods=("POST",), name="login_submit"),
    page("/logout", logout, access="signed_in", methods=("POST",), name="logout"),
]

__all__ = ["SESSION_COOKIE", "CSRF_COOKIE", "CSRF_FIELD", "CSRF_HEADER", "allowed", "identify", "is_api",
           "client_address",
           "start_session", "end_session", "find_session", "csrf_token", "guarded", "refuse", "login_redirect",
           "safe_next", "set_cookie", "clear_cookie", "SecurityHeaders", "ROUTES"]
