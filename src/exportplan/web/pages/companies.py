"""Pages: the companies of the pipeline (``/companies``), one company (``/companies/{key}``) and its forms.

- The list filters by stage, sector, county, NAICS prefix and tag, searches the name, and pages
  with ``limit``/``offset`` in the database (``ws.pipeline.companies`` and ``count_companies``), so
  it stays fast with tens of thousands of companies.
- The company page shows the profile, contacts (to staff only: personal data), the stage history,
  assessments, interactions, needs, referrals and outcomes (with their ids and attributions, from
  ``ws.initiatives.outcomes``). The matched programs (``ws.programs.match``: a second or so) are
  a page of their own that the company page's script pulls in, so the company page answers at once.
- The forms that change a company post to :mod:`.companies_forms` (access "edit"); the upload of
  a company file is :mod:`.companies_import`.

Every name from the data is escaped by the templates (autoescape), so a stored ``<script>`` name
shows as text.
"""
from __future__ import annotations

from urllib.parse import quote, urlencode

import pandas as pd
from starlette.requests import Request

from ...analysis.pipeline_bundle import split_list
from ...analysis.pipeline_terms import (INTERACTION_KINDS, OUTCOME_KINDS, REFERRAL_STATUSES, SERVICE_CATEGORIES,
                                        STAGE_HELP, STAGES)
from ...analysis.roles import can
from ...errors import ExportPlanError
from ..render import render, table_html
from ..routes import page
from ..security import refuse
from . import companies_forms as forms
from . import companies_import as uploads

#: Companies per page of the list.
PAGE_SIZE = 50
#: How old (seconds) the list's filter choices (sectors, counties, tags) may be.
OPTIONS_AGE = 60.0
#: A company's records shown on its page, with their columns (column -> heading).
RECORD_TABLES = {
    "stage_history": ("Stage history", {"date": "Date", "from_stage": "From", "to_stage": "To",
                                        "changed_by": "By", "source": "Source", "note": "Note"}),
    "assessments": ("Assessments", {"id": "Id", "date": "Date", "assessed_by": "By", "score": "Score",
                                    "suggested_stage": "Suggested stage", "confirmed_stage": "Confirmed stage"}),
    "interactions": ("Interactions", {"id": "Id", "date": "Date", "kind": "Kind", "summary": "Summary",
                                      "staff": "Staff"}),
    "needs": ("Needs", {"id": "Id", "service_category": "Service category", "iso3": "Country", "note": "Note"}),
    "referrals": ("Referrals", {"id": "Id", "date": "Date", "provider": "Provider", "program": "Program",
                                "program_key": "Program id", "referrer": "Referrer", "status": "Status",
                                "outcome": "Result"}),
    "export_sales": ("Export sales by year", {"year": "Year", "export_sales_usd": "Export sales (USD)"}),
    "contacts": ("Contacts", {"id": "Id", "name": "Name", "role": "Role", "email": "Email", "phone": "Phone"}),
}
#: The fields of the edit form (field -> label), in the import template's order.
EDIT_FIELDS = {"name": "Name", "naics": "NAICS code", "sector": "Sector", "county_fips": "County FIPS",
               "city": "City", "employees": "Employees", "revenue_usd": "Revenue (USD)", "website": "Website",
               "foreign_parent": "Foreign parent", "parent_country": "Parent's country",
               "current_markets": "Current markets (ISO3, ';' between)",
               "target_markets": "Target markets (ISO3, ';' between)", "tags": "Tags (';' between)",
               "notes": "Notes"}


def company_url(key: str, tail: str = "") -> str:
    """The path of a company's page (its key quoted: keys may hold spaces or slashes)."""
    return f"/companies/{quote(str(key), safe='')}{tail}"


# ---- the list ---------------------------------------------------------------------------------------
def _options(ws) -> dict:
    """The values the list's filters offer: sectors, counties and tags stored (made in the background)."""
    frame = ws.pipeline.companies()
    tags = sorted({tag for value in frame["tags"].fillna("") for tag in split_list(value)})
    values = lambda col: sorted({str(v) for v in frame[col].dropna() if str(v).strip()})  # noqa: E731
    return {"sector": values("sector"), "county": values("county_fips"), "tag": tags}


def _filters(query) -> tuple[dict, list[str]]:
    """The list's filters from the query string, and the problems with them (shown above the list)."""
    text = lambda name: str(query.get(name, "")).strip()[:200]  # noqa: E731
    chosen = {"q": text("q"), "stage": text("stage"), "sector": text("sector"), "county": text("county"),
              "naics": text("naics"), "tag": text("tag")}
    problems = []
    if chosen["stage"] and chosen["stage"] not in STAGES:
        problems.append(f"Stage {chosen['stage']!r} is not a stage; pick one of the list.")
        chosen["stage"] = ""
    if chosen["naics"] and not chosen["naics"].isdigit():
        problems.append(f"NAICS {chosen['naics']!r} must be the first digits of a code (e.g. 33 or 3345).")
        chosen["naics"] = ""
    return chosen, problems


def _page_number(query) -> int:
    try:
        return max(1, int(str(query.get("page", "1"))))
    except ValueError:
        return 1


def find_companies(ws, chosen: dict, page_number: int, size: int = PAGE_SIZE) -> tuple[pd.DataFrame, int]:
    """One page of the companies matching the filters, and how many match in all."""
    args = dict(stage=chosen["stage"] or None, sector=chosen["sector"] or None, county=chosen["county"] or None,
                naics=chosen["naics"] or None, search=chosen["q"] or None, tag=chosen["tag"] or None)
    offset = (page_number - 1) * size
    return ws.pipeline.companies(**args, limit=size, offset=offset), ws.pipeline.count_companies(**args)


def _list_rows(ws, chosen: dict, number: int) -> tuple[list[dict], int]:
    """The rows of one page of the list as the template shows them, and how many companies match."""
    rows, total = find_companies(ws, chosen, number)
    return [dict(r, url=company_url(r["company_id"]),
                 employees="" if pd.isna(r["employees"]) else f"{int(r['employees']):,}",
                 updated=str(r["updated_at"] or "")[:10])
            for r in rows.to_dict("records")], total


def companies(request: Request):
    """The companies of the pipeline: filters, name search and pages."""
    ws = request.state.ws
    chosen, problems = _filters(request.query_params)
    number = _page_number(request.query_params)
    records, total = request.app.state.views.get(request, ("companies", tuple(sorted(chosen.items())), number),
                                                 lambda: _list_rows(ws, chosen, number))
    pages = max(1, -(-total // PAGE_SIZE))
    kept = {k: v for k, v in chosen.items() if v}
    link = lambda n: "/companies?" + urlencode(dict(kept, page=n))  # noqa: E731
    options = request.app.state.cache.get("companies.options", _options, OPTIONS_AGE) or \
        {"sector": [], "county": [], "tag": []}
    return render(request, "companies_list.html", title="Companies", rows=records, total=total, chosen=chosen,
                  problems=problems, page_number=number, pages=pages, stages=STAGES, options=options,
                  previous=link(number - 1) if number > 1 else "", next=link(number + 1) if number < pages else "",
                  filtered=bool(kept), can_edit=can(request.state.user["role"], "edit"))


# ---- one company --------------------------------------------------------------------------------------
def _table(company: dict, name: str, **extra):
    caption, columns = RECORD_TABLES[name]
    return table_html(company.get(name) or [], caption=caption, columns=columns, caption_hidden=True,
                      empty="None recorded.", formats={"export_sales_usd": ",.0f", "score": ".1f", "id": "d",
                                                       "year": "d"}, **extra)


def outcome_table(outcomes: pd.DataFrame):
    """A company's outcomes with their ids and what they are attributed to."""
    return table_html(outcomes, caption="Outcomes", caption_hidden=True, empty="None recorded.",
                      columns={"outcome_id": "Id", "date": "Date", "kind": "Kind", "iso3": "Country",
                               "export_sales_usd": "Export sales (USD)", "program": "Program (note)",
                               "attributed_to": "Attributed to"},
                      formats={"outcome_id": "d", "export_sales_usd": ",.0f"})


def _choices(ws) -> dict:
    """The program runs and the inventory's programs the forms offer (kept for a minute: they change rarely)."""
    return {"runs": ws.initiatives.list()[["key", "name", "kind"]],
            "programs": ws.programs.programs()[["program_id", "name", "provider_name"]]}


def company_context(request: Request, key: str) -> dict:
    """What the company page shows (raises ExportPlanError when no such company is stored): the content read
    from the data, kept while the data are unchanged (:mod:`exportplan.web.views`), and this request's own."""
    ws, user = request.state.ws, request.state.user
    staff = can(user["role"], "edit")
    content = request.app.state.views.get(request, ("company", str(key), staff),
                                          lambda: _company_content(request, key, staff))
    context = dict(content, form_error={"form": "", "message": ""}, kept={})
    if staff:
        context.update(today=ws.context.clock()[:10], staff_name=user.get("display_name") or user["username"])
    return context


def _company_content(request: Request, key: str, staff: bool) -> dict:
    """What the company page shows from the data (the same for every user of the same ``staff``-ness)."""
    ws = request.state.ws
    company = ws.pipeline.company(key)
    outcomes = ws.initiatives.outcomes(company=company["company_id"])
    context = dict(
        company=company, key=company["company_id"], url=company_url(company["company_id"]),
        plan_url=company_url(company["company_id"], "/plan"),
        programs_url=company_url(company["company_id"], "/programs"),
        staff=staff, stage_help=STAGE_HELP, stages=STAGES,
        markets=", ".join(split_list(company.get("current_markets"))),
        targets=", ".join(split_list(company.get("target_markets"))),
        tags=split_list(company.get("tags")),
        tables={name: _table(company, name) for name in RECORD_TABLES if name != "contacts" or staff},
        outcomes=outcome_table(outcomes), outcome_ids=[int(o) for o in outcomes["outcome_id"]],
    )
    if staff:
        choices = request.app.state.cache.get("companies.choices", _choices, OPTIONS_AGE) or _choices(ws)
        runs, programs = choices["runs"], choices["programs"]
        context.update(
            edit_fields=EDIT_FIELDS, interaction_kinds=INTERACTION_KINDS,
            service_categories=SERVICE_CATEGORIES, referral_statuses=REFERRAL_STATUSES, outcome_kinds=OUTCOME_KINDS,
            programs=[dict(id=str(p["program_id"]), label=f"{p['name']} ({p['provider_name']})")
                      for p in programs.sort_values(["name", "program_id"]).to_dict("records")],
            targets_for_attribution=(
                [dict(value=str(r["key"]), label=f"{r['name']} ({r['kind']}, {r['key']})")
                 for r in runs.to_dict("records")] +
                [dict(value=f"referral:{r['id']}", label=f"Referral #{r['id']}: {r['program'] or r['provider']}")
                 for r in company["referrals"]]),
        )
    return context


def show_company(request: Request, key: str, *, status_code: int = 200, form: str = "", message: str = "",
                 kept=None):
    """The company page; with ``form`` and ``message``, that form's error shown in it with the values kept."""
    try:
        context = company_context(request, key)
    except ExportPlanError as exc:
        return refuse(request, 404, str(exc))
    context["form_error"] = {"form": form, "message": message}
    context["kept"] = {k: str(v) for k, v in dict(kept or {}).items() if k != "csrf_token"}
    return render(request, "companies_company.html", title=context["company"]["name"], status_code=status_code,
                  **context)


def company(request: Request):
    """One company's page."""
    return show_company(request, request.path_params["key"])


def matched_programs(request: Request):
    """The programs that serve a company's needs (eligible first, with reasons); ``?part=1`` gives only the
    table, for the company page's script to put in place."""
    ws, key = request.state.ws, request.path_params["key"]
    try:
        record = ws.pipeline.company(key)
    except ExportPlanError as exc:
        return refuse(request, 404, str(exc))
    try:
        matched = ws.programs.match(record["company_id"])
        table, note = table_html(matched, caption="Matched programs", caption_hidden=True,
                                 columns={"service_category": "Need", "iso3": "Country", "program_id": "Program id",
                                          "program": "Program", "provider": "Provider", "level": "Level",
                                          "cost": "Cost", "eligible": "Eligible", "reason": "Why"},
                                 formats={"eligible": lambda v: "yes" if v else "no"}), ""
    except ExportPlanError as exc:
        table, note = None, str(exc)
    template = "companies_programs_part.html" if request.query_params.get("part") else "companies_programs.html"
    return render(request, template, title=f"Programs for {record['name']}", company=record, table=table,
                  note=note, url=company_url(record["company_id"]))


ROUTES = [
    page("/companies", companies, access="read", name="companies", nav="Companies"),
    *uploads.ROUTES,
    page("/companies/{key}", company, access="read", name="company"),
    page("/companies/{key}/programs", matched_programs, access="read", name="company_programs"),
    *forms.ROUTES,
]
