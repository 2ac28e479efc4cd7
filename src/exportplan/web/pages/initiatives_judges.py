"""Pages: a competition judge's applications, one application and its scoring form (``ws.competitions``).

A judge signs in with the user name they are registered under as a judge of a round
(``ws.competitions.add_judge(round, username)``). Every read and write passes ``judge=`` the
signed-in user's name, so the service shows only the applications assigned to them and only
their own points; an application that is not assigned to them (or does not exist, or a round they
do not judge) answers the same 404, so that a judge cannot even learn which applications exist.
A judge may also declare a conflict of interest with an assigned application.
"""
from __future__ import annotations

import math

import pandas as pd
from starlette.requests import Request
from starlette.responses import RedirectResponse

from ...errors import ExportPlanError
from ..render import flash, render
from ..routes import page
from ..security import refuse

NOT_YOURS = ("No such application is assigned to you. A judge sees only the applications assigned to them; "
             "ask the competition's staff if one is missing.")


def _rounds(ws, judge: str) -> list[tuple[dict, pd.DataFrame]]:
    """(round, the judge's applications) of every competition round this user judges."""
    out = []
    for row in ws.initiatives.list(kind="competition").to_dict("records"):
        try:
            mine = ws.competitions.applications(row["key"], judge=judge)
        except ExportPlanError:  # not a judge of this round
            continue
        out.append((row, mine))
    return out


def my_applications(request: Request):
    """The applications assigned to the signed-in judge, by round, with their own score so far."""
    ws, user = request.state.ws, request.state.user
    rounds = []
    for row, mine in _rounds(ws, user["username"]):
        apps = []
        for app in mine.to_dict("records"):
            score = app.get("score")
            apps.append(dict(application=app["application"], name=app["name"], status=app["status"],
                             conflict=bool(app["conflict"]), criteria_scored=int(app["criteria_scored"]),
                             score="" if score is None or (isinstance(score, float) and math.isnan(score))
                             else f"{float(score):.1f}"))
        rounds.append(dict(key=row["key"], name=row["name"], status=row["status"], apps=apps))
    return render(request, "initiatives_judging.html", title="My applications", rounds=rounds)


def _mine(request: Request) -> tuple[str, str, dict | None]:
    """(round, application, the application as the judge may see it, or None when it is not theirs)."""
    ws, user = request.state.ws, request.state.user
    rnd, key = str(request.path_params["round"]), str(request.path_params["application"])
    try:
        return rnd, key, ws.competitions.application(rnd, key, judge=user["username"])
    except ExportPlanError:
        return rnd, key, None


def _application_page(request: Request, rnd: str, app: dict, *, values: dict | None = None, error: str = "",
                      status_code: int = 200):
    ws = request.state.ws
    rubric = ws.competitions.rubric(rnd).to_dict("records")
    run = ws.initiatives.get(rnd)
    labels = dict((run["rules"] or {}).get("fields", {}) or {})
    fields = [(labels.get(k, k), v) for k, v in app["fields"].items()]
    points = {k: ("" if v is None else f"{float(v):g}") for k, v in app["points"].items()}
    shown = dict(points) | dict(values or {})
    criteria = [dict(key=c["key"], label=c["label"], max_points=f"{float(c['max_points']):g}",
                     weight=f"{float(c['weight']):g}", value=shown.get(c["key"], "")) for c in rubric]
    complete = bool(rubric) and all(c["key"] in points for c in rubric)
    return render(request, "initiatives_application.html", status_code=status_code,
                  title=f"Application {app['application']}", round=run, app=app, fields=fields, criteria=criteria,
                  saved=points, complete=complete, error=error)


def application_page(request: Request):
    """One assigned application: its fields, the rubric and the judge's own points (404 when not theirs)."""
    rnd, _key, app = _mine(request)
    if app is None:
        return refuse(request, 404, NOT_YOURS)
    return _application_page(request, rnd, app)


def score_application(request: Request):
    """Save the judge's points for an assigned application (every criterion given at once)."""
    ws, user, form = request.state.ws, request.state.user, request.state.form or {}
    rnd, key, app = _mine(request)
    if app is None:
        return refuse(request, 404, NOT_YOURS)
    values = {str(name)[len("points-"):]: str(value).strip()[:20] for name, value in form.items()
              if str(name).startswith("points-")}
    given = {k: v for k, v in values.items() if v != ""}
    try:
        if not given:
            raise ExportPlanError("Give points for at least one criterion.")
        ws.competitions.score(rnd, user["username"], key, given)
    except ExportPlanError as exc:
        return _application_page(request, rnd, app, values=values, error=str(exc), status_code=400)
    target = f"/judging/{rnd}/{key}"
    return flash(RedirectResponse(target, status_code=303), request, f"Your scores for {key} were saved.")


def declare_conflict(request: Request):
    """Record that the judge has a conflict of interest with an assigned application."""
    ws, user, form = request.state.ws, request.state.user, request.state.form or {}
    rnd, key, app = _mine(request)
    if app is None:
        return refuse(request, 404, NOT_YOURS)
    try:
        ws.competitions.declare_conflict(rnd, user["username"], key, str(form.get("reason", "")).strip()[:500])
    except ExportPlanError as exc:
        return _application_page(request, rnd, app, error=str(exc), status_code=400)
    return flash(RedirectResponse(f"/judging/{rnd}/{key}", status_code=303), request,
                 f"Your conflict of interest with {key} was recorded; your scores of it will not count.")


ROUTES = [
    page("/judging", my_applications, access="score", name="judging", nav="My applications"),
    page("/judging/{round}/{application}", application_page, access="score", name="judging_application"),
    page("/judging/{round}/{application}/score", score_application, access="score", methods=("POST",),
         name="judging_score"),
    page("/judging/{round}/{application}/conflict", declare_conflict, access="score", methods=("POST",),
         name="judging_conflict"),
]
