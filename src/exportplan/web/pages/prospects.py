"""Pages: prospects (``/prospects``): the outreach list and the region's business list scored for export
likelihood (``?list=all``, in pages), each business with the reason for its score.

Scoring the business list reads the whole list, the export intensity table and the plan's target
sectors (about a second on the sample), so the two lists come from the app's background cache
(:class:`exportplan.web.app.Cache`): made on the first visit and refreshed while they are served.
The outreach list (``ws.prospects.outreach``) leaves out companies of the pipeline contacted
recently; a prospect already in the pipeline links to its company page.
"""
from __future__ import annotations

import pandas as pd
from starlette.requests import Request

from ..render import render
from ..routes import page
from .companies import company_url

#: How old (seconds) the scored lists may be before they are made again in the background.
LISTS_AGE = 120.0
#: Businesses per page of the scored list; prospects on the outreach list.
PAGE_SIZE, OUTREACH = 50, 50


def _lists(ws) -> dict:
    """The scored business list and the outreach list made from it."""
    scored = ws.prospects.prospects()
    return {"scored": scored, "outreach": ws.prospects.outreach(top=OUTREACH, scored=scored),
            "notes": list(scored.attrs.get("exportplan", {}).get("notes", []))}


def _records(frame: pd.DataFrame) -> list[dict]:
    out = []
    for r in frame.to_dict("records"):
        key = r.get("pipeline_key")
        out.append(dict(r, score_pct=f"{100 * float(r['score']):.0f}" if pd.notna(r.get("score")) else "",
                        employees_text="" if pd.isna(r.get("employees")) else f"{int(r['employees']):,}",
                        url=company_url(key) if isinstance(key, str) and key else "",
                        last=str(r.get("last_contact") or "") if pd.notna(r.get("last_contact")) else ""))
    return out


def prospects(request: Request):
    """The outreach list (``?list=outreach``, the default) or one page of the scored business list (``?list=all``)."""
    cache = request.app.state.cache
    lists = cache.get("prospects.lists", _lists, LISTS_AGE)
    try:
        number = max(1, int(str(request.query_params.get("page", "1"))))
    except ValueError:
        number = 1
    view = "all" if request.query_params.get("list") == "all" else "outreach"
    context = dict(lists=lists is not None, error=cache.error("prospects.lists"), page_number=number, pages=1,
                   outreach=[], scored=[], total=0, notes=[], view=view, outreach_total=0)
    if lists is not None:
        scored = lists["scored"]
        pages = max(1, -(-len(scored) // PAGE_SIZE))
        number = min(number, pages)
        context.update(page_number=number, pages=pages, total=len(scored), notes=lists["notes"],
                       outreach_total=len(lists["outreach"]),
                       outreach=_records(lists["outreach"]),
                       scored=_records(scored.iloc[(number - 1) * PAGE_SIZE:number * PAGE_SIZE]))
    return render(request, "prospects_list.html", title="Prospects", **context)


ROUTES = [page("/prospects", prospects, access="read", name="prospects", nav="Prospects")]
