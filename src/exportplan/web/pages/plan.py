"""The regional export plan's pages (``/plan``): staff sections, goals, a preview and the downloads.

- ``/plan`` lists the staff sections (saved by staff, or still the draft from the data) and the goals;
  staff set each goal's target and year there.
- ``/plan/sections/{section}`` shows one section's text and, for users who may edit, a form that saves
  it with the version read: when a colleague saved in between, nothing is written (ConflictError) and
  the page shows who saved and when, their text, and the user's own text to merge and save again.
- ``/plan/preview`` is the plan as the HTML document that ``exportplan plan build`` writes (charts as
  PNG images, its stylesheet served from ``/plan/document.css``, so the Content-Security-Policy holds:
  no inline style or script).
- ``/plan/download/{edition}/{fmt}`` builds that format (``ws.plan.build``) in a temporary folder for
  this request and sends the file. Building takes from seconds to a minute (the charts): it is done on
  demand, so the file always holds the plan as it is now.

The helpers at the end (:func:`document_page`, :func:`css_response`, :func:`built_file`) serve the
company export plans too (:mod:`exportplan.web.pages.company_plans`).
"""
from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path

from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from ...analysis.roles import can
from ...errors import ConflictError, ExportPlanError
from ...ws.plan import FORMATS, STAFF_SECTIONS
from ..render import flash, render, table_html
from ..routes import page

#: The editions of the regional plan: key -> what it is.
EDITIONS = {"internal": "Internal edition (everything, the outreach list included)",
            "public": "Public edition (no company-level information; counts under 3 shown as \"<3\")"}
#: Each format's label and content type.
MEDIA_TYPES = {
    "pdf": ("PDF", "application/pdf"),
    "docx": ("Word (DOCX)", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "html": ("HTML page", "text/html; charset=utf-8"),
    "md": ("Markdown", "text/markdown; charset=utf-8"),
    "xlsx": ("Excel appendix (XLSX)", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}
#: The bar on top of a previewed document (a link back to the page it came from).
_BAR_CSS = """
.preview-bar { font-family: system-ui, sans-serif; background: #1d2430; color: #fff; padding: 0.5rem 1rem;
  display: flex; flex-wrap: wrap; gap: 0.5rem 1.5rem; align-items: center; }
.preview-bar a { color: #fff; }
.preview-bar a:focus-visible { outline: 3px solid #ffbf47; outline-offset: 2px; }
"""
#: The app cache's key of the plan's facts (shared with the dashboard) and how old they may be (seconds).
FACTS_KEY, FACTS_AGE = "dashboard.facts", 600.0
_STYLE = re.compile(r"<style>.*?</style>", re.DOTALL)


def _when(text: str) -> str:
    """An ISO time as 'YYYY-MM-DD HH:MM' (UTC)."""
    return str(text or "")[:16].replace("T", " ")


def plan_service(request: Request):
    """``ws.plan`` of this request, its drafts' facts (the rankings: seconds) taken from the app's background
    cache when it has them (the dashboard's, refreshed every few minutes), so that pages with drafts answer fast."""
    plan = request.state.ws.plan
    cache = getattr(request.app.state, "cache", None)
    facts = cache.get(FACTS_KEY, lambda ws: ws.plan.facts(), FACTS_AGE) if cache is not None else None
    if facts is not None:
        plan.use_facts(facts)
    return plan


def _can_edit(request: Request) -> bool:
    user = request.state.user
    return bool(user) and can(user.get("role", ""), "edit")


# ---- the plan's page ---------------------------------------------------------------------------------------
def _goal_rows(ws) -> list[dict]:
    goals = ws.plan.goals()
    out = []
    for rec in goals.to_dict("records"):
        target, year = rec.get("target"), rec.get("target_year")
        out.append(dict(key=str(rec["key"]), title=str(rec.get("title") or rec["key"]), unit=str(rec.get("unit") or ""),
                        baseline=rec.get("baseline"), baseline_date=str(rec.get("baseline_date") or ""),
                        target="" if _blank(target) else _plain(target), target_year="" if _blank(year) else
                        str(int(year)), error=""))
    return out


def _blank(value) -> bool:
    try:
        import pandas as pd

        return value is None or bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _plain(value) -> str:
    """A number as a form shows it (no thousands separators; whole numbers without '.0')."""
    number = float(value)
    return str(int(number)) if number.is_integer() else str(number)


def plan_page(request: Request, *, status_code: int = 200, goal_error: dict | None = None):
    """The staff sections (saved or draft, who saved when), the goals, the preview and the downloads."""
    ws = request.state.ws
    plan = plan_service(request)
    sections = []
    for key, title in STAFF_SECTIONS.items():
        text = plan.text(key)
        first = text.text.strip().split("\n", 1)[0]
        sections.append(dict(key=key, title=title, draft=text.draft, version=text.version,
                             updated_by=text.updated_by, updated_at=_when(text.updated_at),
                             excerpt=first[:220] + ("\u2026" if len(first) > 220 else "")))
    goals = _goal_rows(ws)
    if goal_error:
        for goal in goals:
            if goal["key"] == goal_error["key"]:
                goal.update(target=goal_error["target"], target_year=goal_error["target_year"],
                            error=goal_error["message"])
    return render(request, "plan_index.html", status_code=status_code, title="The plan", sections=sections,
                  goals=goals, editions=EDITIONS, formats=[(f, MEDIA_TYPES[f][0]) for f in FORMATS],
                  can_edit=_can_edit(request))


def save_goal(request: Request):
    """Set one goal's target and target year (``ws.plan.set_goal``)."""
    form = request.state.form
    key = request.path_params["key"]
    target, year = str(form.get("target", "")).strip(), str(form.get("target_year", "")).strip()
    try:
        request.state.ws.plan.set_goal(key, target=target or None, target_year=year or None)
    except ExportPlanError as exc:
        return plan_page(request, status_code=400, goal_error=dict(key=key, target=target, target_year=year,
                                                                   message=str(exc)))
    return flash(RedirectResponse("/plan#goals", status_code=303), request, "Goal saved.")


# ---- one staff section ---------------------------------------------------------------------------------------
def _section_key(request: Request) -> str:
    key = request.path_params["section"]
    if key not in STAFF_SECTIONS:
        raise ExportPlanError(f"The plan has no staff section {key!r}; its staff sections are "
                              f"{', '.join(STAFF_SECTIONS)}.")
    return key


def section_page(request: Request):
    """One staff section: its text (saved or the draft), and the form that saves it."""
    key = _section_key(request)
    text = plan_service(request).text(key)
    return _section(request, key, text, draft_text=text.text, version=text.version)


def _section(request, key, text, *, draft_text: str, version: int, conflict: dict | None = None,
             status_code: int = 200, error: str = ""):
    return render(request, "plan_section.html", status_code=status_code, title=STAFF_SECTIONS[key],
                  section=key, heading=STAFF_SECTIONS[key], text=text, draft_text=draft_text, version=version,
                  conflict=conflict, error=error, can_edit=_can_edit(request), back="/plan",
                  action=f"/plan/sections/{key}", updated_at=_when(text.updated_at),
                  help_text="Plain text: a blank line between paragraphs, '- ' at the start of a bullet.")


def save_section(request: Request):
    """Save a staff section with the version read; a colleague's save in between is a conflict (409)."""
    key = _section_key(request)
    form = request.state.form
    mine = str(form.get("text", "")).replace("\r\n", "\n")
    plan = plan_service(request)
    try:
        version = plan.save_text(key, mine, expected_version=_version(form))
    except ConflictError as exc:
        current = plan.text(key)
        return _section(request, key, current, draft_text=mine, version=current.version, status_code=409,
                        conflict=conflict_of(exc, current))
    except ExportPlanError as exc:
        current = plan.text(key)
        return _section(request, key, current, draft_text=mine, version=_version(form), status_code=400,
                        error=str(exc))
    return flash(RedirectResponse(f"/plan/sections/{key}", status_code=303), request,
                 f"Saved \u201c{STAFF_SECTIONS[key]}\u201d (version {version}).")


def _version(form) -> int:
    try:
        return int(str(form.get("version", "0")).strip() or 0)
    except ValueError:
        raise ExportPlanError("The form's version number is not a number; reload the page and edit again.") \
            from None


def conflict_of(exc: ConflictError, current) -> dict:
    """What a conflict page says: who saved, when, and their text now."""
    return dict(by=exc.changed_by or current.updated_by or "someone", at=_when(exc.changed_at or current.updated_at),
                version=current.version, theirs=current.text, message=str(exc))


# ---- preview and downloads --------------------------------------------------------------------------------
def _edition(request: Request) -> str:
    edition = request.path_params.get("edition") or request.query_params.get("edition") or "internal"
    if edition not in EDITIONS:
        raise ExportPlanError(f"The edition is {' or '.join(EDITIONS)}, not {edition!r}.")
    return edition


def preview(request: Request):
    """The plan as its HTML document (built now)."""
    edition = _edition(request)
    with tempfile.TemporaryDirectory(prefix="exportplan-preview-") as folder:
        plan = request.state.ws.plan.model(edition=edition, chart_dir=folder)
        return document_page(plan, css="/plan/document.css", back="/plan", back_label="Back to the plan",
                             note=EDITIONS[edition])


def document_css(request: Request):
    return css_response()


def download(request: Request):
    """One format of the plan, built for this request (``ws.plan.build``)."""
    edition, fmt = _edition(request), _format(request.path_params["fmt"], FORMATS)
    folder = tempfile.mkdtemp(prefix="exportplan-build-")
    try:
        written = request.state.ws.plan.build(formats=[fmt], edition=edition, output=folder)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    return built_file(written[fmt], folder, f"export-plan-{edition}.{fmt}")


def _format(fmt: str, allowed) -> str:
    fmt = str(fmt).lower()
    if fmt not in allowed:
        raise ExportPlanError(f"The plan is downloaded as {', '.join(allowed)}, not {fmt!r}.")
    return fmt


# ---- shared with the company plans ----------------------------------------------------------------------------
def document_page(plan, *, css: str, back: str, back_label: str, note: str = "") -> HTMLResponse:
    """A plan model as its HTML document, with the stylesheet linked from ``css`` (instead of inline, which the
    Content-Security-Policy forbids), charts as PNG images, and a bar linking ``back``."""
    from markupsafe import escape

    from ...output.plan_html import render_html

    text = render_html(plan, charts="png")
    text = _STYLE.sub(lambda _m: f'<link rel="stylesheet" href="{escape(css)}">', text, count=1)
    bar = (f'<nav class="preview-bar" aria-label="Preview"><a href="{escape(back)}">{escape(back_label)}</a>'
           f"<span>Preview{': ' + str(escape(note)) if note else ''}</span></nav>")
    text = text.replace("<body>", "<body>\n" + bar, 1)
    return HTMLResponse(text)


def css_response() -> Response:
    """The plan document's stylesheet (the one the HTML file carries inline)."""
    from ...output.plan_html import CSS

    return Response(CSS + _BAR_CSS, media_type="text/css; charset=utf-8")


def built_file(path: Path, folder: str, filename: str) -> FileResponse:
    """Send a file built into the temporary ``folder`` (removed once sent) as a download named ``filename``."""
    fmt = Path(filename).suffix.lstrip(".")
    return FileResponse(path, media_type=MEDIA_TYPES[fmt][1], filename=filename,
                        background=BackgroundTask(shutil.rmtree, folder, ignore_errors=True))


ROUTES = [
    page("/plan", plan_page, access="read", name="plan", nav="Plan"),
    page("/plan/goals/{key}", save_goal, access="edit", methods=("POST",), name="plan_goal"),
    page("/plan/sections/{section}", section_page, access="read", name="plan_section"),
    page("/plan/sections/{section}", save_section, access="edit", methods=("POST",), name="plan_section_save"),
    page("/plan/preview", preview, access="read", name="plan_preview"),
    page("/plan/document.css", document_css, access="read", name="plan_document_css"),
    page("/plan/download/{edition}/{fmt}", download, access="read", name="plan_download"),
]
