"""The forms of a company's page (access "edit"): edit the fields, move the stage, log an interaction, add a
need, record a referral or an outcome (attributed to a run or a referral), attribute an outcome, and the
readiness assessment (its own page, ``/companies/{key}/assessment``).

Each form posts to its own route; on success the browser is sent back (303) to the company's page
with a message, on an error the page is shown again with the message in that form and the values
the user typed kept. An edit names the version it was made on: when someone saved in between, the
answer is 409 with who saved and when (``ws.pipeline.update_company``), and nothing is written.
"""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse

from ...analysis import readiness
from ...errors import ConflictError, ExportPlanError
from ..render import flash, render
from ..routes import page
from ..security import refuse

#: The company fields the edit form may change (the stage has its own form, kept in the stage history).
EDITABLE = ("name", "naics", "sector", "county_fips", "city", "employees", "revenue_usd", "website",
            "foreign_parent", "parent_country", "current_markets", "target_markets", "tags", "notes")


def _key(request: Request) -> str:
    return request.path_params["key"]


def _form(request: Request) -> dict:
    form = request.state.form
    return {k: str(v) for k, v in (form.multi_items() if form is not None else []) if isinstance(v, str)}


def _back(request: Request, message: str, anchor: str = ""):
    from .companies import company_url

    return flash(RedirectResponse(company_url(_key(request)) + anchor, status_code=303), request, message)


def _again(request: Request, form_name: str, exc: ExportPlanError, values: dict):
    from .companies import show_company

    status = 409 if isinstance(exc, ConflictError) else 400
    return show_company(request, _key(request), status_code=status, form=form_name, message=str(exc), kept=values)


def _run(request: Request, form_name: str, action, message, anchor: str = ""):
    """Run ``action(ws, values)``; back to the company page with ``message(result)``, or the form again."""
    values = _form(request)
    try:
        result = action(request.state.ws, values)
    except ExportPlanError as exc:
        return _again(request, form_name, exc, values)
    return _back(request, message(result), anchor)


def edit_company(request: Request):
    """Save the edit form: only the fields that changed, on the version the form was read at."""
    def save(ws, values):
        try:
            version = int(values.get("version", ""))
        except ValueError:
            raise ExportPlanError("The form does not say which version of the company it edits; reload the "
                                  "company and make your change again.") from None
        current = ws.pipeline.company(_key(request))
        changes = {f: values[f] for f in EDITABLE if f in values and values[f] != _shown(current.get(f))}
        return ws.pipeline.update_company(_key(request), expected_version=version, **changes)

    return _run(request, "edit", save, lambda v: f"Saved (version {v}).", "#profile")


def _shown(value) -> str:
    """A stored value as the edit form shows it (blank for none; whole numbers without '.0')."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def set_stage(request: Request):
    return _run(request, "stage", lambda ws, v: ws.pipeline.set_stage(_key(request), v.get("stage", ""),
                                                                      note=v.get("note", "")),
                lambda _: "Stage changed.", "#stage-history")


def log_interaction(request: Request):
    return _run(request, "interaction",
                lambda ws, v: ws.pipeline.log_interaction(_key(request), v.get("date", ""), v.get("kind", ""),
                                                          v.get("summary", ""), v.get("staff", "")),
                lambda i: f"Interaction #{i} logged.", "#interactions")


def add_need(request: Request):
    return _run(request, "need",
                lambda ws, v: ws.pipeline.add_need(_key(request), v.get("service_category", ""), v.get("iso3", ""),
                                                   v.get("note", "")),
                lambda i: f"Need #{i} added.", "#needs")


def refer(request: Request):
    return _run(request, "referral",
                lambda ws, v: ws.pipeline.refer(_key(request), provider=v.get("provider", ""),
                                                program=v.get("program", ""), date=v.get("date") or None,
                                                referrer=v.get("referrer", ""), status=v.get("status") or "made",
                                                program_id=v.get("program_id", "")),
                lambda i: f"Referral #{i} recorded.", "#referrals")


def record_outcome(request: Request):
    """Record an outcome and, when a run or a referral is chosen, attribute it there.

    The two are separate writes: when the attribution is refused (the company took no part in the run)
    the outcome stays recorded and the page says so, with the attribution form to try again.
    """
    values = _form(request)
    ws = request.state.ws
    try:
        oid = ws.pipeline.record_outcome(_key(request), values.get("kind", ""), values.get("date", ""),
                                         values.get("iso3", ""), values.get("export_sales_usd") or None,
                                         values.get("program", ""), values.get("note", ""))
    except ExportPlanError as exc:
        return _again(request, "outcome", exc, values)
    target = values.get("attribute_to", "").strip()
    if not target:
        return _back(request, f"Outcome #{oid} recorded.", "#outcomes")
    try:
        ws.initiatives.attribute(oid, target, force=bool(values.get("force")))
    except ExportPlanError as exc:
        kept = {"outcome_id": str(oid), "target": target}
        return _again(request, "attribute", ExportPlanError(
            f"Outcome #{oid} is recorded, but it was not attributed to {target}: {exc}"), kept)
    return _back(request, f"Outcome #{oid} recorded and attributed to {target}.", "#outcomes")


def attribute(request: Request):
    def save(ws, v):
        try:
            oid = int(v.get("outcome_id", ""))
        except ValueError:
            raise ExportPlanError("Pick the outcome to attribute (its id).") from None
        return oid, ws.initiatives.attribute(oid, v.get("target", ""), force=bool(v.get("force")))

    return _run(request, "attribute", save,
                lambda r: f"Outcome #{r[0]} attributed." if r[1] else f"Outcome #{r[0]} was already attributed "
                                                                      "there; nothing changed.", "#outcomes")


# ---- the readiness assessment ------------------------------------------------------------------------
def _assessment_page(request: Request, *, status_code: int = 200, message: str = "", answers=None, confirm=False):
    from .companies import company_url

    try:
        record = request.state.ws.pipeline.company(_key(request))
    except ExportPlanError as exc:
        return refuse(request, 404, str(exc))
    areas = [(area, [item for item in readiness.ITEMS if item.area == area]) for area in readiness.AREAS]
    return render(request, "companies_assessment.html", title=f"Assessment: {record['name']}",
                  status_code=status_code, company=record, url=company_url(record["company_id"]),
                  action=company_url(record["company_id"], "/assessment"), areas=areas, message=message,
                  answers=dict(answers or {}), confirm=confirm, ready_score=readiness.READY_SCORE,
                  min_coverage=readiness.MIN_COVERAGE)


def assessment_form(request: Request):
    """The readiness questionnaire: one group of choices per question, by area."""
    return _assessment_page(request)


def assess(request: Request):
    """Score the answers and record the assessment; with 'confirm' the company moves to the suggested stage."""
    values = _form(request)
    answers = {item.key: values.get(item.key, "") for item in readiness.ITEMS}
    confirm = bool(values.get("confirm"))
    try:
        result = request.state.ws.pipeline.assess(_key(request), answers, confirm=confirm,
                                                  assessed_by=request.state.user["username"])
    except ExportPlanError as exc:
        return _assessment_page(request, status_code=400, message=str(exc), answers=answers, confirm=confirm)
    score = "no score (nothing answered)" if result.score is None else f"score {result.score:g} of 100"
    moved = f"; the company moved to {result.suggested_stage}" if confirm else \
        "; the stage is unchanged (confirm to move it)"
    return _back(request, f"Assessment recorded: {score}, coverage {result.coverage:.0%}, suggested stage "
                          f"{result.suggested_stage}{moved}. {result.reasons[0] if result.reasons else ''}"[:480],
                 "#assessments")


ROUTES = [
    page("/companies/{key}/edit", edit_company, access="edit", methods=("POST",), name="company_edit"),
    page("/companies/{key}/stage", set_stage, access="edit", methods=("POST",), name="company_stage"),
    page("/companies/{key}/interactions", log_interaction, access="edit", methods=("POST",),
         name="company_interaction"),
    page("/companies/{key}/needs", add_need, access="edit", methods=("POST",), name="company_need"),
    page("/companies/{key}/referrals", refer, access="edit", methods=("POST",), name="company_referral"),
    page("/companies/{key}/outcomes", record_outcome, access="edit", methods=("POST",), name="company_outcome"),
    page("/companies/{key}/attributions", attribute, access="edit", methods=("POST",), name="company_attribution"),
    page("/companies/{key}/assessment", assessment_form, access="edit", name="company_assessment"),
    page("/companies/{key}/assessment", assess, access="edit", methods=("POST",), name="company_assess"),
]
