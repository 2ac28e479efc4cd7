"""The route registry: every route of the web app is declared here, with who may use it.

A page module builds its routes with :func:`page` and lists them in ``ROUTES``::

    from ..routes import page

    def companies(request):                      # a sync endpoint runs in the thread pool
        ws, user = request.state.ws, request.state.user
        ...
    ROUTES = [page("/companies", companies, access="read", nav="Companies")]

:func:`page` refuses a route without a valid ``access`` (a :class:`TypeError`, whether it is left
out or not one of :data:`ACCESS`), and wraps the endpoint with the checks of
:mod:`exportplan.web.security`, so no endpoint is reachable without them: the user is resolved,
the access is checked against the user's role, and a state-changing request must carry the CSRF
token. The security tests read ``route.access`` of every route of the app, so a new route is
covered by them the day it is added.
"""
from __future__ import annotations

from typing import Callable, Sequence

from starlette.routing import Mount, Route

#: Who may use a route:
#: public        anyone (sign-in page, health check, static files);
#: signed_in     any signed-in user, whatever the role (home, sign-out);
#: read, edit, admin, score, referrals: a signed-in user whose role may take that action
#:               (``analysis.roles.can``);
#: company_link  anyone holding a company's valid private link (the path's ``{token}``);
#: survey        anyone (the public company survey; its submissions are rate-limited).
ACCESS = ("public", "signed_in", "read", "edit", "admin", "score", "referrals", "company_link", "survey")
#: The accesses that need no session.
ANONYMOUS = frozenset({"public", "company_link", "survey"})
#: HTTP methods that change state: each needs a valid CSRF token.
STATE_CHANGING = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def check_access(access) -> str:
    """``access`` when it is one of :data:`ACCESS`, else a TypeError naming them (a route must say who may use
    it, as the code that declares it is written)."""
    if not isinstance(access, str) or access not in ACCESS:
        raise TypeError(f"unknown route access {access!r}; use one of: {', '.join(ACCESS)}")
    return access


def page(path: str, endpoint: Callable, *, access: str, methods: Sequence[str] = ("GET",), name: str | None = None,
         nav: str | None = None) -> Route:
    """A route of the app: ``endpoint(request)`` (sync or async) behind the security checks.

    - ``access``: one of :data:`ACCESS` (required, keyword only: leaving it out is a TypeError);
    - ``methods``: the HTTP methods (GET also answers HEAD);
    - ``name``: for ``request.url_for(name, ...)`` (default: the endpoint's name);
    - ``nav``: a label to list the page in the navigation bar, shown to the users who may open it.

    In the endpoint: ``request.state.user`` (the user's record, or None), ``request.state.ws`` (the
    workspace for this request, acting as that user), ``request.state.form`` (the parsed form of a
    state-changing request, already CSRF-checked), ``request.state.company`` (the company key of a
    ``company_link`` route).
    """
    from .security import guarded  # the checks; imported here so that routes.py has no cycle

    check_access(access)
    methods = tuple(m.upper() for m in methods)
    route = Route(path, guarded(endpoint, access), methods=list(methods), name=name or endpoint.__name__)
    route.access = access
    route.nav = nav
    route.endpoint_function = endpoint
    return route


def public_mount(path: str, app, *, name: str) -> Mount:
    """A mounted app anyone may reach (the static files): GET and HEAD only, so no CSRF applies."""
    mount = Mount(path, app=app, name=name)
    mount.access = "public"
    mount.nav = None
    return mount


def nav_items(routes, user: dict | None) -> list[tuple[str, str]]:
    """(label, path) of the navigation pages this user may open, in the order the routes were registered."""
    from .security import allowed

    return [(route.nav, route.path) for route in routes
            if getattr(route, "nav", None) and "{" not in route.path and allowed(user, route.access)]


__all__ = ["ACCESS", "ANONYMOUS", "STATE_CHANGING", "check_access", "page", "public_mount", "nav_items"]
