"""The dashboard (``/``): headline figures, the plan's status, goal progress and recent activity.

It answers fast: the figures read from the data (how many companies, which plan sections staff
saved, the latest entries of the audit log) are kept while the data are unchanged
(:mod:`exportplan.web.views`); the slow ones (the target sectors
and markets need the rankings, the exporters and goal progress read the whole pipeline) come from
the app's background cache (:class:`exportplan.web.app.Cache`), made at start-up and refreshed
while the page is being served. A partner or a judge, who may not read the organization's data,
sees a short page that points to their own pages.
"""
from __future__ import annotations

import pandas as pd
from starlette.requests import Request

from ...analysis.roles import can
from ...ws.plan import STAFF_SECTIONS
from ..render import render, table_html
from ..routes import page

#: How old (seconds) the cached figures may be before they are made again in the background.
FIGURES_AGE, FACTS_AGE = 30.0, 600.0
#: How many entries of the audit log the dashboard lists.
ACTIVITY_ROWS = 12


def _figures(ws) -> dict:
    """Exporters and the goals' progress (the pipeline's metrics; about a second on the sample)."""
    share = ws.pipeline.metrics()["exporting_share"].table
    progress = ws.plan.progress()[["goal", "unit", "baseline", "current", "target", "target_year", "status"]]
    return {"exporters": int(share["exporting"].iloc[0]) if len(share) else 0,
            "progress": table_html(progress, caption="Goal progress", row_header="goal", caption_hidden=True,
                                   columns={"goal": "Goal", "unit": "Unit", "baseline": "Baseline",
                                            "current": "Now", "target": "Target", "target_year": "By",
                                            "status": "Status"},
                                   formats={"baseline": ",.0f", "current": ",.0f", "target": ",.0f"},
                                   numeric=["baseline", "current", "target", "target_year"], nowrap=["status"])}


def _facts(ws):
    """The plan's facts: the target sectors and markets (the rankings; seconds)."""
    return ws.plan.facts()


def warm(cache) -> None:
    """Start making the dashboard's slow figures (at start-up, so the first visitor does not wait)."""
    cache.get("dashboard.figures", _figures, FIGURES_AGE)
    cache.get("dashboard.facts", _facts, FACTS_AGE)


def plan_status(ws) -> list[dict]:
    """Each staff section of the plan: saved by staff (who, when) or still the draft from the data."""
    saved = {row["section"]: row for row in ws.plan.saved_texts().to_dict("records")
             if str(row.get("text") or "").strip()}
    return [dict(key=key, title=title, saved=key in saved, updated_by=str(saved.get(key, {}).get("updated_by") or ""),
                 updated_at=str(saved.get(key, {}).get("updated_at") or "")[:16].replace("T", " "))
            for key, title in STAFF_SECTIONS.items()]


def recent_activity(ws, limit: int = ACTIVITY_ROWS) -> pd.DataFrame:
    """The newest changes of the audit log (who changed what, when; sign-ins left out)."""
    rows = ws.pipeline.recent_changes(limit, exclude=("session",))
    what = rows["entity"].astype(str) + " " + rows["entity_id"].astype(str)
    change = [(f"{field}: {new}" if new else field) if not old else f"{field}: {old} \u2192 {new}"
              for field, old, new in zip(rows["field"], rows["old"], rows["new"])]
    who = rows["user"].where(rows["user"] != "", "(command line)")
    return pd.DataFrame({"When (UTC)": rows["at"].astype(str).str[:16].str.replace("T", " "), "Who": who,
                         "What": what, "Change": change})


def dashboard(request: Request):
    """The home page: the dashboard for users who may read the data, else the links to their pages."""
    ws, user = request.state.ws, request.state.user
    if not can(user["role"], "read"):
        return render(request, "dashboard.html", title="Home", limited=True)
    cache = request.app.state.cache
    figures = cache.get("dashboard.figures", _figures, FIGURES_AGE)
    facts = cache.get("dashboard.facts", _facts, FACTS_AGE)
    stored = request.app.state.views.get(request, ("dashboard",), lambda: _stored(ws))
    sections = stored["sections"]
    progress = None if figures is None else figures["progress"]
    return render(
        request, "dashboard.html", title="Dashboard", limited=False,
        companies=stored["companies"],
        exporters=None if figures is None else figures["exporters"],
        sectors=list(facts.sectors) if facts is not None else None,
        markets=list(facts.markets) if facts is not None else None,
        facts_error=cache.error("dashboard.facts"), figures_error=cache.error("dashboard.figures"),
        sections=sections, saved=sum(s["saved"] for s in sections), progress=progress,
        activity=stored["activity"],
    )


def _stored(ws) -> dict:
    """The dashboard's figures read from the data on every change (kept while the data are unchanged)."""
    return dict(companies=ws.pipeline.count_companies(), sections=plan_status(ws),
                activity=table_html(recent_activity(ws), caption="Recent activity", row_header="When (UTC)",
                                    empty="No changes recorded yet.", caption_hidden=True, nowrap=["When (UTC)"]))


ROUTES = [page("/", dashboard, access="signed_in", name="dashboard", nav="Dashboard")]
