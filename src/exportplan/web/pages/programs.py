"""Pages: the export program inventory, a program's page, the gaps in export services (with the heat map),
the duplications of existing programs and the organization's recommended role (``ws.programs``).

The gaps take seconds (they read the whole pipeline and the plan's target sectors and markets) and
the heat map more, so they are made in the app's background cache (:class:`exportplan.web.app.Cache`)
and the page says so while they are being worked out; the inventory and the duplications are read
on each request.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
from starlette.requests import Request

from ...analysis.program_terms import split_list
from ..render import render, svg_figure, table_html
from ..routes import page
from ..security import refuse

#: How old (seconds) the cached gaps, heat map and role may be before they are made again in the background.
GAPS_AGE = 600.0
#: The heat maps a visitor may pick (ws.programs.heatmaps).
HEAT_MAPS = ("stage", "sector", "market")
#: The inventory's columns on the list page (column -> heading).
LIST_COLUMNS = {"program_id": "Id", "name": "Program", "provider_name": "Provider", "level": "Level",
                "status": "Status", "categories": "Services", "cost": "Cost", "last_verified": "Verified"}


def _table(frame, **options):
    """:func:`table_html` in the compact style of these pages (cells on one line, the last column wrapping)."""
    return table_html(frame, css_class="data compact", **options)


def _gaps(ws) -> dict:
    """The gaps, the three heat maps as SVG text and the recommended role (background cache; about 20 s)."""
    gaps = ws.programs.gaps()
    charts = {}
    with tempfile.TemporaryDirectory(prefix="exportplan-gaps-") as folder:
        for by in HEAT_MAPS:
            try:
                paths = ws.programs.gap_chart(Path(folder) / f"gaps-{by}", by=by, gaps=gaps)
            except Exception as exc:  # noqa: BLE001 - a chart that cannot be drawn leaves the table usable
                charts[by] = f"The heat map could not be drawn: {exc}"
                continue
            svg = [p for p in paths if Path(p).suffix == ".svg"]
            charts[by] = Path(svg[0]).read_bytes() if svg else "No SVG was written."
    return {"gaps": gaps, "charts": charts, "role": ws.programs.role(gaps=gaps)}


def warm(cache) -> None:
    """Start making the gaps (so that the first visitor of the gaps page waits less)."""
    cache.get("programs.gaps", _gaps, GAPS_AGE)


def _choices(frame: pd.DataFrame, column: str) -> list[str]:
    return sorted({str(v) for v in frame[column] if str(v or "").strip()})


def programs_list(request: Request):
    """The inventory, filtered by provider level, status and a service category."""
    ws = request.state.ws
    every = ws.programs.programs()
    chosen = {f: str(request.query_params.get(f, "")).strip()[:100] for f in ("level", "status", "category")}
    categories = sorted({c for v in every["categories"] for c in split_list(v)})
    frame = ws.programs.programs(**{k: v or None for k, v in chosen.items()})
    frame = frame.assign(name=frame["name"].astype(str))
    return render(request, "programs_list.html", title="Export programs", chosen=chosen,
                  levels=_choices(every, "level"), statuses=_choices(every, "status"), categories=categories,
                  rows=frame[list(LIST_COLUMNS)].to_dict("records"), total=len(every))


def program_page(request: Request):
    """One program of the inventory: its provider, eligibility, cost, evidence, and its events."""
    ws = request.state.ws
    key = str(request.path_params["program_id"])
    found = ws.programs.programs()
    found = found[found["program_id"] == key]
    if not len(found):
        return refuse(request, 404, f"No program with id {key!r} is in the inventory.")
    row = ws.programs.program(key)
    events = ws.programs.inventory()["events"]
    events = events[events["program_id"] == key]
    fields = [(label, row.get(column)) for column, label in (
        ("provider_name", "Provider"), ("level", "Level"), ("provider_type", "Provider type"), ("status", "Status"),
        ("categories", "Services"), ("stages", "Export stages"), ("sectors", "Sectors"), ("countries", "Countries"),
        ("eligible_states", "Eligible states"), ("min_employees", "Minimum employees"),
        ("max_employees", "Maximum employees"), ("eligibility_note", "Eligibility"), ("cost", "Cost"),
        ("cost_share_rate", "Cost share rate"), ("cost_share_cap_usd", "Cost share cap (USD)"),
        ("cost_note", "Cost note"), ("funding_source", "Funding"), ("capacity", "Capacity"),
        ("pays_for", "Pays for"), ("calendar", "Calendar"), ("note", "Note"))]
    fields = [(label, value) for label, value in fields if value is not None and str(value).strip()
              and str(value) != "nan"]
    source = str(row.get("source_url") or "")
    return render(request, "programs_program.html", title=str(row["name"]), program=row, fields=fields,
                  source_url=source if source.startswith(("https://", "http://")) else "",
                  events=_table(events, caption="Dated events", caption_hidden=True, empty="No dated events.",
                                    columns={"event_id": "Id", "name": "Event", "kind": "Kind", "iso3": "Country",
                                             "sector": "Sector", "start_date": "Starts", "end_date": "Ends",
                                             "city": "City"}))


def gaps_page(request: Request):
    """The gaps in export services: the heat map chosen (by stage, sector or market) and the gap cells."""
    cache = request.app.state.cache
    made = cache.get("programs.gaps", _gaps, GAPS_AGE)
    by = str(request.query_params.get("by", "stage"))
    by = by if by in HEAT_MAPS else "stage"
    context = dict(by=by, heat_maps=HEAT_MAPS, error=cache.error("programs.gaps"), chart=None, table=None,
                   n_gaps=0, n_cells=0, notes=[])
    if made is not None:
        gaps = made["gaps"]
        chart = made["charts"].get(by)
        if isinstance(chart, (bytes, bytearray)):
            context["chart"] = svg_figure(bytes(chart), alt=f"Heat map of the demand for export services and the gaps "
                                                             f"by {by} and service category; the table below lists "
                                                             "the same cells.",
                                          caption=f"Demand and gaps by {by} and service")
        else:
            context["chart_error"] = str(chart or "")
        shown = gaps[gaps["gap"].astype(bool)] if len(gaps) else gaps
        context.update(n_gaps=len(shown), n_cells=len(gaps),
                       notes=list((gaps.attrs.get("exportplan") or {}).get("notes", []))
                       if isinstance(gaps.attrs.get("exportplan"), dict) else [],
                       table=table_html(shown, caption="Gaps in export services", max_rows=300,
                                        css_class="data compact gaps",
                                        columns={"category": "Service", "stage": "Stage", "sector": "Sector",
                                                 "iso3": "Country", "demand": "Companies", "status": "Status",
                                                 "reason": "Why"},
                                        empty="No gaps: every demand cell has a program that serves it."))
    context.setdefault("chart_error", "")
    return render(request, "programs_gaps.html", title="Gaps in export services", **context)


def duplications_page(request: Request):
    """Regional and proposed programs that duplicate or complement an existing state or federal program."""
    frame = request.state.ws.programs.duplications()
    table = _table(frame, caption="Duplications", caption_hidden=True, row_header="program",
                       columns={"program": "Program", "level": "Level", "status": "Status",
                                "duplicates": "Existing program", "duplicates_level": "Its level", "kind": "Finding",
                                "categories": "Services", "n_companies": "Companies", "reason": "Why"},
                       empty="No regional or proposed program duplicates an existing one.")
    kinds = frame["kind"].value_counts().to_dict() if len(frame) else {}
    return render(request, "programs_duplications.html", title="Duplications", table=table, kinds=kinds)


def role_page(request: Request):
    """The organization's recommended role and the candidate programs it could run (from the cached gaps)."""
    cache = request.app.state.cache
    made = cache.get("programs.gaps", _gaps, GAPS_AGE)
    context = dict(error=cache.error("programs.gaps"), role=None, candidates=None, dropped=None)
    if made is not None:
        role = made["role"]
        context.update(role=role, candidates=_table(
            role.candidates, caption="Candidate programs", caption_hidden=True, row_header="name",
            columns={"name": "Program", "kind": "Kind", "fills": "Gaps filled", "reason": "Why"},
            empty="No candidate programs."), dropped=_table(
            role.dropped, caption="Candidates left out", caption_hidden=True, row_header="name",
            columns={"name": "Program", "kind": "Kind", "duplicates": "Duplicates", "reason": "Why"},
            empty="None were left out."))
    return render(request, "programs_role.html", title="The organization's role", **context)


ROUTES = [
    page("/programs", programs_list, access="read", name="programs", nav="Programs"),
    page("/programs/gaps", gaps_page, access="read", name="programs_gaps"),
    page("/programs/duplications", duplications_page, access="read", name="programs_duplications"),
    page("/programs/role", role_page, access="read", name="programs_role"),
    page("/programs/{program_id}", program_page, access="read", name="programs_program"),
]
