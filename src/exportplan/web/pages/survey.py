"""The public company survey (``/survey``, no account) and staff's review of its responses.

The public half asks ``ws.survey.questions()`` as an accessible form (a label on every field, the
required ones marked, help text tied to its field) and stores a submission with
``ws.survey.submit(answers, client=the client's address)``. The answer is a receipt number and a
thank-you, never any stored value: the page does not even say whether the company is already known.
Problems are shown next to their fields with the values kept. Submissions are rate-limited per address
(counters in the database) and the form carries the double-submit CSRF token; over the limit the page
says when to try again (429).

Staff (access edit) list the pending responses, read one with the stored companies whose names resemble
it (``ws.survey.candidates``), and accept it as a new company or into a stored one, or reject it with a
reason.
"""
from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse

from ...errors import ExportPlanError
from ...ws.accounts import Throttled
from ...ws.survey import SurveyInvalid
from ..render import FLASH_COOKIE, flash, render, table_html
from ..routes import page
from ..security import client_address

#: Kinds of question whose answer is several values (checkboxes).
MANY = ("choices",)
#: Kinds of question answered in a text area.
LONG = ("textarea", "countries")
_INPUT_TYPES = {"email": "email", "phone": "tel", "number": "text", "text": "text"}


def _sections(questions: list[dict], values: dict, problems: dict) -> list[dict]:
    """The questions grouped by their section, each with its value (kept after a refused submission) and
    problem."""
    out: list[dict] = []
    for q in questions:
        if not out or out[-1]["title"] != q["section"]:
            out.append(dict(title=q["section"], questions=[]))
        value = values.get(q["key"], [] if q["kind"] in MANY else "")
        out[-1]["questions"].append(dict(q, id="q-" + q["key"].replace("_", "-"), value=value,
                                         problem=problems.get(q["key"], ""),
                                         input_type=_INPUT_TYPES.get(q["kind"], "text")))
    return out


def survey_form(request: Request, *, status_code: int = 200, values: dict | None = None,
                problems: dict | None = None, message: str = ""):
    """The survey's questions as a form."""
    questions = request.state.ws.survey.questions()
    problems = dict(problems or {})
    return render(request, "survey_form.html", status_code=status_code, title="Company export survey",
                  sections=_sections(questions, values or {}, problems), general=problems.get("", ""),
                  problem_count=len(problems), message=message)


def _answers(form, questions: list[dict]) -> dict:
    """The answers of the form: one value per question (a list for several choices); nothing else is passed on."""
    out = {}
    for q in questions:
        if q["kind"] in MANY:
            chosen = [str(v) for v in form.getlist(q["key"]) if str(v).strip()]
            if chosen:
                out[q["key"]] = chosen
        else:
            value = form.get(q["key"])
            if value is not None and str(value).strip():
                out[q["key"]] = str(value)
    return out


def survey_submit(request: Request):
    """Store a submission (pending review) and thank the company with its receipt number."""
    ws = request.state.ws
    questions = ws.survey.questions()
    answers = _answers(request.state.form, questions)
    try:
        receipt = ws.survey.submit(answers, client=client_address(request))
    except Throttled as exc:
        response = survey_form(request, status_code=429, values=answers, message=str(exc))
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    except SurveyInvalid as exc:
        return survey_form(request, status_code=400, values=answers, problems=exc.problems)
    return flash(RedirectResponse("/survey/thanks", status_code=303), request, f"receipt:{int(receipt)}")


def survey_thanks(request: Request):
    """The thank-you page: the receipt number (left by the submission) and what happens next; nothing stored."""
    message = request.cookies.get(FLASH_COOKIE, "")
    receipt = message.split("%3A", 1)[-1] if message.startswith("receipt%3A") else ""
    return render(request, "survey_thanks.html", title="Thank you", receipt=receipt if receipt.isdigit() else "",
                  flash="")


# ---- staff's review -----------------------------------------------------------------------------------------
def responses_page(request: Request):
    """The responses waiting for review, and the ones reviewed."""
    ws = request.state.ws
    every = ws.survey.responses()
    pending = every[every["status"] == "pending"]
    done = every[every["status"] != "pending"].iloc[::-1]
    return render(request, "survey_responses.html", title="Survey responses",
                  pending=pending.to_dict("records"),
                  reviewed=table_html(done, caption="Reviewed responses", caption_hidden=True, max_rows=50,
                                      columns={"id": "#", "submitted_at": "Submitted", "company_name": "Company",
                                               "status": "Status", "reviewed_by": "Reviewed by",
                                               "reviewed_at": "Reviewed", "company_id": "Company key"},
                                      numeric=["id"], empty="None reviewed yet."))


def _answer_rows(ws, answers: dict) -> list[tuple[str, str]]:
    """(question, answer) in the survey's order, the readiness items among them, labels for choice values."""
    flat = dict(answers)
    flat.update(flat.pop("readiness", {}) or {})
    rows = []
    for q in ws.survey.questions():
        if q["key"] not in flat:
            continue
        labels = {str(v): str(label) for v, label in q.get("choices") or []}
        value = flat[q["key"]]
        shown = "; ".join(labels.get(str(v), str(v)) for v in value) if isinstance(value, list) else \
            labels.get(str(value), str(value))
        rows.append((q["label"], shown))
    return rows


def response_page(request: Request, *, status_code: int = 200, error: str = "", reason: str = "",
                  company: str = ""):
    """One response: its answers, stored companies with a similar name, and the forms to accept or reject it."""
    ws = request.state.ws
    row = ws.survey.response(request.path_params["rid"])
    candidates = ws.survey.candidates(row["id"]) if row["status"] == "pending" else None
    options = [] if candidates is None else [
        (str(r["company_id"]), f"{r['name']} ({r['company_id']})") for r in candidates.head(20).to_dict("records")]
    return render(request, "survey_response.html", status_code=status_code, title=f"Survey response #{row['id']}",
                  row=row, answers=_answer_rows(ws, row["answers"]), candidates=options, error=error,
                  reason=reason, company=company,
                  candidate_table=None if candidates is None else table_html(
                      candidates, caption="Stored companies with a similar name", caption_hidden=True, max_rows=20,
                      columns={"company_id": "Key", "name": "Name", "county_fips": "County", "stage": "Stage"},
                      empty="No stored company has a similar name."))


def accept(request: Request):
    """Accept a response as a new company, or into the stored company chosen."""
    form = request.state.form
    into = str(form.get("into", "new"))
    company = str(form.get("company", "")).strip() if into == "existing" else ""
    if into == "existing" and not company:
        return response_page(request, status_code=400, error="Choose the stored company to accept the response "
                                                             "into, or accept it as a new company.")
    try:
        key = request.state.ws.survey.accept(request.path_params["rid"], company=company or None)
    except ExportPlanError as exc:
        return response_page(request, status_code=400, error=str(exc), company=company)
    return flash(RedirectResponse(f"/survey/responses/{request.path_params['rid']}", status_code=303), request,
                 f"Accepted into company {key}.")


def reject(request: Request):
    reason = str(request.state.form.get("reason", "")).strip()
    try:
        request.state.ws.survey.reject(request.path_params["rid"], reason)
    except ExportPlanError as exc:
        return response_page(request, status_code=400, error=str(exc), reason=reason)
    return flash(RedirectResponse("/survey/responses", status_code=303), request,
                 f"Response #{request.path_params['rid']} rejected.")


ROUTES = [
    page("/survey", survey_form, access="survey", name="survey"),
    page("/survey", survey_submit, access="survey", methods=("POST",), name="survey_submit"),
    page("/survey/thanks", survey_thanks, access="survey", name="survey_thanks"),
    page("/survey/responses", responses_page, access="edit", name="survey_responses", nav="Survey responses"),
    page("/survey/responses/{rid}", response_page, access="edit", name="survey_response"),
    page("/survey/responses/{rid}/accept", accept, access="edit", methods=("POST",), name="survey_accept"),
    page("/survey/responses/{rid}/reject", reject, access="edit", methods=("POST",), name="survey_reject"),
]
