"""Pages: the referrals sent to a partner organization, and their status (access ``referrals``).

A partner's user (role ``partner``) has ``partner_provider``: a provider key of the program
inventory. It sees ONLY the referrals sent to that provider: a referral whose inventory program
(``program_id``) is one of the provider's programs, or whose provider is written as the provider's
key or name. Everything is worked out on the server from ``ws.pipeline`` and ``ws.programs`` on
every request; a referral outside the partner's scope answers 404, for reading and for changing
alike. Staff and admins (who may also update referrals) choose a provider and see what its partner
sees.

A referral's status (and what came of it) is changed with ``ws.pipeline.set_referral_status``,
written to the audit log under the referral's company.
"""
from __future__ import annotations

from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import RedirectResponse

from ...analysis.pipeline_terms import REFERRAL_STATUSES
from ...errors import ExportPlanError
from ..render import flash, render
from ..routes import page
from ..security import refuse

def _scope(request: Request) -> str | None:
    """The provider key whose referrals this user sees: a partner's own organization (never anything the
    request says); for staff the provider chosen (``?provider=``), None until one is chosen."""
    user = request.state.user
    if user.get("role") == "partner":
        return str(user.get("partner_provider") or "")
    return str(request.query_params.get("provider", "")).strip()[:120] or None


def _matcher(ws, provider: str | None):
    """A test ``referral -> bool`` for the referrals sent to ``provider`` (None: every referral), and its name."""
    if provider is None:
        return (lambda referral: True), ""
    if not provider:
        return (lambda referral: False), ""
    providers = ws.programs.inventory()["providers"]
    found = providers[providers["provider_id"].astype(str) == provider]
    name = str(found["name"].iloc[0]) if len(found) else ""
    names = {provider.casefold()} | ({name.casefold()} if name else set())
    programs = ws.programs.programs()
    keys = set(programs.loc[programs["provider_id"].astype(str) == provider, "program_id"].astype(str))

    def matches(referral: dict) -> bool:
        key = str(referral.get("program_key") or referral.get("program_id") or "").strip()
        return (bool(key) and key in keys) or str(referral.get("provider") or "").strip().casefold() in names

    return matches, name


def referrals_for(ws, provider: str | None) -> tuple[list[dict], str]:
    """The referrals sent to ``provider`` (None: all), newest first, each with its id and the company's name;
    and the provider's name."""
    matches, name = _matcher(ws, provider)
    rows = ws.pipeline.records("referrals")
    rows = rows[[matches(r) for r in rows.to_dict("records")]] if len(rows) else rows
    out = []
    if "id" in rows.columns:  # the sheet carries the referrals' ids: one read for every company's name
        names = ws.pipeline.companies()
        names = dict(zip(names["company_id"].astype(str), names["name"].astype(str)))
        out = [dict(r, company=str(r["company_id"]), company_name=names.get(str(r["company_id"]), ""))
               for r in rows.to_dict("records")]
    else:  # else each company's record, whose referrals carry their ids
        for company in sorted(set(rows["company_id"].astype(str))) if len(rows) else []:
            record = ws.pipeline.company(company)
            out += [dict(r, company=company, company_name=record["name"]) for r in record["referrals"] if matches(r)]
    out.sort(key=lambda r: (str(r.get("date") or ""), int(r["id"])), reverse=True)
    return out, name


def referrals_page(request: Request):
    """The referrals this user may see, each with a form to update its status."""
    ws, user = request.state.ws, request.state.user
    provider = _scope(request)
    # staff choose a provider first: every referral of the pipeline at once is too long a page
    rows, name = referrals_for(ws, provider) if provider is not None else ([], "")
    providers = []
    if user.get("role") != "partner":
        frame = ws.programs.inventory()["providers"]
        providers = sorted(zip(frame["provider_id"].astype(str), frame["name"].astype(str)), key=lambda p: p[1])
    return render(request, "partner_referrals.html", title="Referrals", rows=rows, provider=provider or "",
                  provider_name=name, providers=providers, statuses=REFERRAL_STATUSES,
                  is_partner=user.get("role") == "partner")


def update_status(request: Request):
    """Change the status (and outcome) of one referral in this user's scope (404 outside it)."""
    ws, form = request.state.ws, request.state.form or {}
    try:
        referral_id = int(str(request.path_params["referral_id"]))
    except ValueError:
        return refuse(request, 404, "No such referral was sent to your organization.")
    provider = _scope(request)
    if provider is None:
        return refuse(request, 400, "Choose the provider whose referral this is (?provider=KEY).")
    rows, _name = referrals_for(ws, provider)
    if referral_id not in {int(r["id"]) for r in rows}:
        return refuse(request, 404, "No such referral was sent to your organization.")
    status = str(form.get("status", "")).strip()
    if status not in REFERRAL_STATUSES:
        return refuse(request, 400, f"Status {status!r} is not one of: {', '.join(REFERRAL_STATUSES)}.")
    outcome = str(form["outcome"]).strip()[:500] if "outcome" in form else None
    try:
        ws.pipeline.set_referral_status(referral_id, status, outcome=outcome)
    except ExportPlanError as exc:
        return refuse(request, 400, str(exc))
    back = "/partner/referrals" + (f"?provider={quote(provider, safe='')}" if request.state.user.get("role") != "partner"
                                   else "")
    return flash(RedirectResponse(back, status_code=303), request, f"Referral {referral_id} is now {status!r}.")


ROUTES = [
    page("/partner/referrals", referrals_page, access="referrals", name="partner_referrals", nav="Referrals"),
    page("/partner/referrals/{referral_id}/status", update_status, access="referrals", methods=("POST",),
         name="partner_referral_status"),
]
