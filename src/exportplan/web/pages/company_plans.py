"""Company export plans: staff's pages (``/companies/{key}/plan``) and the company's private link (``/p/{token}``).

Staff (read to view, edit to change) see a company's plan record (status, coach, markets), its text
sections (saved or the draft; saved with the version read, a colleague's save in between is a conflict
that keeps the user's text), its actions and metrics, a preview (the HTML document of the plan), the PDF
and DOCX (``ws.company_plans.build``, on request), and the company's private links: a new link is
shown once, to copy into an email; links can be revoked.

The company's private link: every route carries the link's ``{token}``; the core resolves it into
``request.state.company`` (unknown, revoked or expired: refused). The company key comes from the token
only, never from the path or a form, so a link for company A can never reach company B. Through it the
company reads and edits its own plan's text sections, previews its plan and downloads its PDF; nothing
else. Its changes are recorded in the audit log as "company link (KEY)".
"""
from __future__ import annotations

import shutil
import tempfile

from starlette.requests import Request
from starlette.responses import RedirectResponse

from ...analysis.initiative_terms import ACTION_STATUSES, PLAN_STATUSES, PLAN_TEXT_SECTIONS
from ...errors import ConflictError, ExportPlanError
from ..render import flash, render, table_html
from ..routes import page
from .plan import _can_edit, _version, _when, built_file, conflict_of, css_response, document_page

#: The formats staff download (the company, through its link: PDF only).
STAFF_FORMATS = {"pdf": "PDF", "docx": "Word (DOCX)"}
#: How long a new private link lasts unless staff choose otherwise (days).
DEFAULT_DAYS = 14
_EMPTY_ITEM = dict(kind="", title="", owner="", due_date="", budget_usd="", status="", note="", target="", unit="")


def _key(request: Request) -> str:
    return str(request.path_params["key"]).strip()


def _section_key(request: Request) -> str:
    key = request.path_params["section"]
    if key not in PLAN_TEXT_SECTIONS:
        raise ExportPlanError(f"A company export plan has no section {key!r}; its sections are "
                              f"{', '.join(PLAN_TEXT_SECTIONS)}.")
    return key


def _sections(request: Request, ws, key: str) -> list[dict]:
    """The plan's sections with their state (saved or draft) and first line, kept while the data are unchanged."""
    return request.app.state.views.get(request, ("company-plan-sections", key), lambda: _read_sections(ws, key))


def _read_sections(ws, key: str) -> list[dict]:
    out = []
    texts = ws.company_plans.texts(key)
    for section, title in PLAN_TEXT_SECTIONS.items():
        text = texts[section]
        first = text.text.strip().split("\n", 1)[0]
        out.append(dict(key=section, title=title, draft=text.draft, version=text.version, updated_by=text.updated_by,
                        updated_at=_when(text.updated_at), excerpt=first[:220] + ("\u2026" if len(first) > 220 else "")))
    return out


# ---- staff: the list and a company's plan -------------------------------------------------------------------
def plans_index(request: Request):
    """Find a company to open its export plan (by name)."""
    ws = request.state.ws
    query = str(request.query_params.get("q", "")).strip()[:200]
    found = ws.pipeline.companies(search=query or None, limit=50)
    return render(request, "company_plan_index.html", title="Company export plans", query=query,
                  companies=[dict(key=str(r["company_id"]), name=str(r["name"]), stage=str(r.get("stage") or ""))
                             for r in found.to_dict("records")], total=ws.pipeline.count_companies())


def plan_page(request: Request, *, status_code: int = 200, error: str = "", new_link: dict | None = None,
              record_form: dict | None = None, item_form: dict | None = None):
    """A company's export plan: its record, sections, actions and metrics, files and private links."""
    ws, key = request.state.ws, _key(request)
    record = ws.company_plans.get(key)
    company = ws.pipeline.company(key)
    items = ws.company_plans.items(key)
    actions = items[items["kind"] == "action"].to_dict("records")
    metrics = items[items["kind"] == "metric"].to_dict("records")
    for row in actions + metrics:
        for field in ("owner", "due_date", "status", "note", "unit"):
            row[field] = "" if row.get(field) is None else str(row.get(field))
    links = ws.accounts.list_links(key)
    form = record_form or dict(status=record["status"], coach=record["coach"], markets="; ".join(record["markets"]),
                               version=record["version"])
    return render(request, "company_plan_page.html", status_code=status_code, title=f"Export plan: {company['name']}",
                  key=key, company=company, record=record, form=form, sections=_sections(request, ws, key),
                  actions=actions, metrics=metrics, statuses=PLAN_STATUSES, action_statuses=ACTION_STATUSES,
                  formats=STAFF_FORMATS, error=error, new_link=new_link, can_edit=_can_edit(request),
                  item_form={**_EMPTY_ITEM, **(item_form or {})}, default_days=DEFAULT_DAYS,
                  live_links=[r for r in links.to_dict("records") if not r.get("revoked_at")],
                  links=table_html(links, caption="Private links", caption_hidden=True, empty="No link sent yet.",
                                   columns={"id": "#", "purpose": "For", "created_at": "Created",
                                            "created_by": "By", "expires_at": "Expires",
                                            "last_used_at": "Last used", "revoked_at": "Revoked"},
                                   formats={c: _when for c in ("created_at", "expires_at", "last_used_at",
                                                                "revoked_at")}, numeric=["id"]),
                  budget=sum(float(a["budget_usd"]) for a in actions if a.get("budget_usd") is not None
                             and a["budget_usd"] == a["budget_usd"]))


def save_record(request: Request):
    """Set the plan's status, coach and markets with the version read (a conflict keeps the form's values)."""
    form, ws, key = request.state.form, request.state.ws, _key(request)
    given = {f: str(form.get(f, "")).strip() for f in ("status", "coach", "markets")}
    given["version"] = str(form.get("version", "0"))
    try:
        ws.company_plans.set(key, status=given["status"], coach=given["coach"], markets=given["markets"],
                             expected_version=_version(form))
    except ConflictError as exc:
        current = ws.company_plans.get(key)
        given["version"] = current["version"]
        return plan_page(request, status_code=409, record_form=given,
                         error=f"Not saved: {exc.changed_by or current['updated_by'] or 'someone'} changed the plan "
                               f"at {_when(exc.changed_at or current['updated_at'])} UTC after you opened it "
                               f"(now: status {current['status']}, coach {current['coach'] or 'none'}, markets "
                               f"{'; '.join(current['markets']) or 'none'}). Your values are in the form: save "
                               "again to replace theirs.")
    except ExportPlanError as exc:
        return plan_page(request, status_code=400, record_form=given, error=str(exc))
    return flash(RedirectResponse(f"/companies/{key}/plan", status_code=303), request, "The plan's record was saved.")


def add_item(request: Request):
    """Add an action (what, who, by when, budget) or a metric (target, unit, date) to the plan."""
    form, ws, key = request.state.form, request.state.ws, _key(request)
    kind = str(form.get("kind", ""))
    values = {f: str(form.get(f, "")).strip() for f in ("title", "owner", "due_date", "budget_usd", "status", "note",
                                                         "target", "unit")}
    try:
        if kind == "action":
            ws.company_plans.add_action(key, values["title"], owner=values["owner"], due_date=values["due_date"],
                                        budget_usd=values["budget_usd"] or None,
                                        status=values["status"] or "planned", note=values["note"])
        elif kind == "metric":
            ws.company_plans.add_metric(key, values["title"], target=values["target"] or None, unit=values["unit"],
                                        due_date=values["due_date"], note=values["note"])
        else:
            raise ExportPlanError("Add an action or a metric: send the plan page's form.")
    except ExportPlanError as exc:
        return plan_page(request, status_code=400, error=str(exc), item_form=dict(values, kind=kind))
    return flash(RedirectResponse(f"/companies/{key}/plan#{kind}s", status_code=303), request, f"The {kind} was added.")


def change_item(request: Request):
    """Change an action's status, or remove an action or metric."""
    form, ws, key = request.state.form, request.state.ws, _key(request)
    item = request.path_params["item_id"]
    if form.get("remove"):
        ws.company_plans.remove_item(key, item)
        message = f"Item {item} removed."
    else:
        ws.company_plans.update_item(key, item, status=str(form.get("status", "")))
        message = f"Action {item} is now {form.get('status')}."
    return flash(RedirectResponse(f"/companies/{key}/plan#actions", status_code=303), request, message)


def create_link(request: Request):
    """A private link for the company, shown once on the page that answers (only its fingerprint is stored)."""
    form, ws, key = request.state.form, request.state.ws, _key(request)
    days = str(form.get("days", DEFAULT_DAYS)).strip()
    try:
        token = ws.accounts.create_link(key, days=int(days) if days.isdigit() else days)
    except ExportPlanError as exc:
        return plan_page(request, status_code=400, error=str(exc))
    url = str(request.base_url).rstrip("/") + f"/p/{token}"
    return plan_page(request, new_link=dict(url=url, days=days))


def revoke_link(request: Request):
    """Revoke one of this company's private links (a link of another company is not found here)."""
    ws, key = request.state.ws, _key(request)
    link_id = str(request.path_params["link_id"])
    ids = {str(i) for i in ws.accounts.list_links(key)["id"]}
    if link_id not in ids:
        raise ExportPlanError(f"The export plan of {key!r} has no private link #{link_id}.")
    ws.accounts.revoke_link(int(link_id))
    return flash(RedirectResponse(f"/companies/{key}/plan#links", status_code=303), request,
                 f"Private link #{link_id} revoked: it no longer opens the plan.")


# ---- a text section (staff and the company's link share it) ------------------------------------------------
def _section_page(request, ws, key, section, *, base: str, back: str, can_edit: bool, mine: str | None = None,
                  status_code: int = 200, conflict: dict | None = None, error: str = "", version: int | None = None):
    text = ws.company_plans.text(key, section)
    return render(request, "plan_section.html", status_code=status_code, title=PLAN_TEXT_SECTIONS[section],
                  section=section, heading=PLAN_TEXT_SECTIONS[section], text=text,
                  draft_text=text.text if mine is None else mine,
                  version=text.version if version is None else version, conflict=conflict, error=error,
                  can_edit=can_edit, back=back, action=f"{base}/sections/{section}", updated_at=_when(text.updated_at),
                  help_text="Plain text: a blank line between paragraphs, '- ' at the start of a bullet.")


def _save_section(request, ws, key, *, base: str, back: str):
    section = _section_key(request)
    form = request.state.form
    mine = str(form.get("text", "")).replace("\r\n", "\n")
    try:
        version = ws.company_plans.save_text(key, section, mine, expected_version=_version(form))
    except ConflictError as exc:
        current = ws.company_plans.text(key, section)
        return _section_page(request, ws, key, section, base=base, back=back, can_edit=True, mine=mine,
                             status_code=409, conflict=conflict_of(exc, current))
    except ExportPlanError as exc:
        return _section_page(request, ws, key, section, base=base, back=back, can_edit=True, mine=mine,
                             status_code=400, error=str(exc), version=_version(form))
    return flash(RedirectResponse(f"{base}/sections/{section}", status_code=303), request,
                 f"Saved \u201c{PLAN_TEXT_SECTIONS[section]}\u201d (version {version}).")


def staff_section(request: Request):
    key = _key(request)
    request.state.ws.company_plans.get(key)  # an unknown company is an error, not an empty page
    base = f"/companies/{key}/plan"
    return _section_page(request, request.state.ws, key, _section_key(request), base=base, back=base,
                         can_edit=_can_edit(request))


def staff_save_section(request: Request):
    key = _key(request)
    base = f"/companies/{key}/plan"
    return _save_section(request, request.state.ws, key, base=base, back=base)


# ---- files ----------------------------------------------------------------------------------------------------
def _preview(request, ws, key: str, *, css: str, back: str):
    with tempfile.TemporaryDirectory(prefix="exportplan-preview-") as folder:
        plan = ws.company_plans.model(key, chart_dir=folder)
        return document_page(plan, css=css, back=back, back_label="Back to the export plan")


def _download(ws, key: str, fmt: str):
    folder = tempfile.mkdtemp(prefix="exportplan-build-")
    try:
        written = ws.company_plans.build(key, formats=[fmt], output=folder)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return built_file(written[fmt], folder, written[fmt].name)


def staff_preview(request: Request):
    key = _key(request)
    return _preview(request, request.state.ws, key, css="/plan/document.css", back=f"/companies/{key}/plan")


def staff_download(request: Request):
    fmt = str(request.path_params["fmt"]).lower()
    if fmt not in STAFF_FORMATS:
        raise ExportPlanError(f"A company's plan is downloaded as {' or '.join(STAFF_FORMATS)}, not {fmt!r}.")
    return _download(request.state.ws, _key(request), fmt)


# ---- the company's private link ------------------------------------------------------------------------------
def _company(request: Request):
    """(workspace acting as the link, company key): the key is the one the token resolved to, nothing else."""
    key = request.state.company
    return request.state.ws.for_request(user=f"company link ({key})"), key


def link_home(request: Request):
    """The company's own plan: its text sections to edit, the preview and the PDF."""
    ws, key = _company(request)
    token = request.path_params["token"]
    company = ws.pipeline.company(key)
    return render(request, "company_plan_link.html", title=f"Your export plan: {company['name']}",
                  company_name=company["name"], base=f"/p/{token}", sections=_sections(request, ws, key))


def link_section(request: Request):
    ws, key = _company(request)
    base = f"/p/{request.path_params['token']}"
    return _section_page(request, ws, key, _section_key(request), base=base, back=base, can_edit=True)


def link_save_section(request: Request):
    ws, key = _company(request)
    base = f"/p/{request.path_params['token']}"
    return _save_section(request, ws, key, base=base, back=base)


def link_preview(request: Request):
    ws, key = _company(request)
    base = f"/p/{request.path_params['token']}"
    return _preview(request, ws, key, css=f"{base}/document.css", back=base)


def link_css(request: Request):
    return css_response()


def link_pdf(request: Request):
    ws, key = _company(request)
    return _download(ws, key, "pdf")


ROUTES = [
    page("/company-plans", plans_index, access="read", name="company_plans", nav="Export plans"),
    page("/companies/{key}/plan", plan_page, access="read", name="company_plan"),
    page("/companies/{key}/plan/record", save_record, access="edit", methods=("POST",), name="company_plan_record"),
    page("/companies/{key}/plan/items", add_item, access="edit", methods=("POST",), name="company_plan_item_add"),
    page("/companies/{key}/plan/items/{item_id}", change_item, access="edit", methods=("POST",),
         name="company_plan_item"),
    page("/companies/{key}/plan/sections/{section}", staff_section, access="read", name="company_plan_section"),
    page("/companies/{key}/plan/sections/{section}", staff_save_section, access="edit", methods=("POST",),
         name="company_plan_section_save"),
    page("/companies/{key}/plan/preview", staff_preview, access="read", name="company_plan_preview"),
    page("/companies/{key}/plan/download/{fmt}", staff_download, access="read", name="company_plan_download"),
    page("/companies/{key}/plan/links", create_link, access="edit", methods=("POST",), name="company_plan_link_add"),
    page("/companies/{key}/plan/links/{link_id}/revoke", revoke_link, access="edit", methods=("POST",),
         name="company_plan_link_revoke"),
    page("/p/{token}", link_home, access="company_link", name="company_link"),
    page("/p/{token}/sections/{section}", link_section, access="company_link", name="company_link_section"),
    page("/p/{token}/sections/{section}", link_save_section, access="company_link", methods=("POST",),
         name="company_link_section_save"),
    page("/p/{token}/preview", link_preview, access="company_link", name="company_link_preview"),
    page("/p/{token}/document.css", link_css, access="company_link", name="company_link_css"),
    page("/p/{token}/plan.pdf", link_pdf, access="company_link", name="company_link_pdf"),
]
