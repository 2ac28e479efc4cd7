"""Industries and clusters (``/industries``): the region's industries, its clusters with their strong flags,
and the clusters' bubble chart (LQ against growth, bubble area = employment).

Values that rest on withheld (suppressed) QCEW cells are never shown as firm numbers: where the
exact bounds from the NAICS hierarchy differ, the page shows the range and marks the estimate
(``~``), as the printed tables do. Filters are GET parameters: ``level`` (the NAICS level of the
industries, 2 to 6), ``q`` (a search in the codes and titles) and ``type`` (traded, local or all
clusters). The chart is the project's own (``ws.industry.bubble_chart``), served as an SVG image
of its own route so the tables do not wait for it.
"""
from __future__ import annotations

import math
import tempfile
from pathlib import Path
from typing import Any, Callable, Mapping

import pandas as pd
from starlette.requests import Request
from starlette.responses import Response

from ...errors import ExportPlanError
from ..render import render
from ..routes import page

LEVELS = (2, 3, 4, 5, 6)
DEFAULT_LEVEL = 3
CLUSTER_TYPES = ("traded", "local", "all")
#: Rows of the industries table shown (6-digit tables can be long; the search narrows them).
MAX_ROWS = 300


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def bounded(value: Any, low: Any, high: Any, fmt: Callable[[float], str]) -> dict:
    """A value that may rest on withheld cells, as the page shows it.

    ``text``: the value alone when its bounds agree (or are unknown); ``~value (low to high)``
    when it is an estimate within bounds; ``low to high`` when only the bounds are known. Never a
    firm number for an estimate. ``range`` says whether bounds are shown; ``value`` and ``span``
    are the two parts (the page sets the bounds on a line of their own).
    """
    known = not _missing(value)
    if _missing(low) or _missing(high) or math.isclose(float(low), float(high), rel_tol=1e-9, abs_tol=1e-12):
        text = fmt(float(value)) if known else ""
        return {"text": text, "range": False, "value": text, "span": ""}
    span = f"{fmt(float(low))} to {fmt(float(high))}"
    if not known:
        return {"text": span, "range": True, "value": "", "span": span}
    return {"text": f"~{fmt(float(value))} ({span})", "range": True, "value": f"~{fmt(float(value))}", "span": span}


def _count(value: float) -> str:
    return f"{value:,.0f}"


def _lq(value: float) -> str:
    return f"{value:.2f}"


def _growth(value: float) -> str:
    return f"{value:+.1%}"


def _money(value: Any) -> str:
    return "" if _missing(value) else f"${float(value):,.0f}"


def _row_values(record: Mapping) -> dict:
    """Employment, LQ and growth of a row with their bounds, establishments and average pay."""
    return {
        "employment": bounded(record.get("employment"), record.get("employment_low"), record.get("employment_high"),
                              _count),
        "lq": bounded(record.get("lq"), record.get("lq_low"), record.get("lq_high"), _lq),
        "growth": bounded(record.get("growth"), record.get("growth_low"), record.get("growth_high"), _growth),
        "establishments": "" if _missing(record.get("establishments")) else f"{float(record['establishments']):,.0f}",
        "avg_pay": _money(record.get("avg_pay")),
        "estimated": "" if _missing(record.get("estimated")) or not float(record["estimated"])
        else f"{float(record['estimated']):.0%}",
    }


def _true(value: Any) -> bool:
    return not _missing(value) and bool(value)


#: The flags as a reader names them, strongest first.
FLAG_WORDS = {"strong10": "strong (top 10%)", "strong": "strong", "significant": "significant",
              "qualifying": "qualifying"}


def _flags(record: Mapping) -> list[dict]:
    """The cluster's strong flag: the strongest that holds (``text``), and when a stronger one is uncertain
    (withheld data), ``maybe`` in words ("may be strong") with the analysis's ``note`` (the bounds and
    thresholds) to show on demand."""
    note = "" if _missing(record.get("strong_note")) else str(record.get("strong_note"))
    text = next((FLAG_WORDS[f].capitalize() for f in FLAG_WORDS if _true(record.get(f)) and f != "qualifying"), "")
    maybe = ""
    if note.startswith("uncertain:"):
        named = note[len("uncertain:"):].split(":", 1)[0]  # "strong, strong10" ("LQ bounds ...": the LQ >= 1 rule)
        uncertain = [f for f in FLAG_WORDS if f in {n.strip() for n in named.split(",")}] or ["strong"]
        if uncertain:
            maybe = f"may be {FLAG_WORDS[uncertain[0]]}"
    return [{"text": text, "note": note, "maybe": maybe}] if text or note else []


def _search(frame: pd.DataFrame, text: str, columns: tuple[str, ...]) -> pd.DataFrame:
    if not text:
        return frame
    hit = pd.Series(False, index=frame.index)
    for col in columns:
        if col in frame.columns:
            hit |= frame[col].astype(str).str.contains(text, case=False, regex=False, na=False)
    return frame[hit]


def _int(text: Any, default: int, allowed: tuple[int, ...]) -> int:
    try:
        value = int(str(text))
    except (TypeError, ValueError):
        return default
    return value if value in allowed else default


def industries(request: Request):
    """The industries and clusters page (its tables kept while the data are unchanged)."""
    ws, params = request.state.ws, request.query_params
    level = _int(params.get("level"), DEFAULT_LEVEL, LEVELS)
    query = str(params.get("q", "")).strip()[:100]
    kind = params.get("type") if params.get("type") in CLUSTER_TYPES else "traded"
    table, clusters, errors, status = request.app.state.views.get(
        request, ("industries", level, query, kind), lambda: _tables(ws, level, query, kind))
    return render(request, "industries_page.html", status_code=status, title="Industries and clusters",
                  levels=LEVELS, level=level, q=query, kind=kind, kinds=CLUSTER_TYPES, errors=errors,
                  table=table, clusters=clusters, chart=f"/industries/bubble.svg?type={kind}")


def _tables(ws, level: int, query: str, kind: str) -> tuple[dict, dict, list[str], int]:
    """The industries table, the clusters table, the errors and the HTTP status of the page."""
    errors, status = [], 200
    table = {"rows": [], "notes": [], "title": "", "shown": 0, "total": 0}
    try:
        frame = ws.industry.industries(level=level)
        meta = frame.attrs.get("exportplan", {})
        found = _search(frame, query, ("naics", "title"))
        table.update(title=str(meta.get("title", "")), notes=list(meta.get("notes", [])), total=len(found),
                     shown=min(len(found), MAX_ROWS),
                     rows=[dict(code=str(r["naics"]), name=str(r.get("title") or ""), **_row_values(r))
                           for r in found.head(MAX_ROWS).to_dict("records")])
    except ExportPlanError as exc:
        errors.append(f"Industries: {exc}")
        status = 400
    clusters = {"rows": [], "notes": [], "title": "", "total": 0, "method": ""}
    try:
        frame = ws.industry.clusters(cluster_type=kind)
        meta = frame.attrs.get("exportplan", {})
        found = _search(frame, query, ("cluster_code", "cluster_name"))
        clusters.update(title=str(meta.get("title", "")), notes=list(meta.get("notes", [])), total=len(found),
                        rows=[dict(code=str(r["cluster_code"]), name=str(r.get("cluster_name") or ""),
                                   type=str(r.get("type") or ""), flags=_flags(r), **_row_values(r))
                              for r in found.to_dict("records")])
    except ExportPlanError as exc:
        errors.append(f"Clusters: {exc}")
        status = 400
    return table, clusters, errors, status


def bubble_svg(request: Request):
    """The clusters' bubble chart (LQ x growth, area = employment) as an SVG image."""
    ws = request.state.ws
    kind = request.query_params.get("type")
    kind = kind if kind in CLUSTER_TYPES else "traded"
    status, data = request.app.state.views.get(request, ("industries-bubble", kind), lambda: _bubble(ws, kind))
    return Response(data, status_code=status, media_type="image/svg+xml" if status == 200 else "text/plain")


def _bubble(ws, kind: str) -> tuple[int, bytes]:
    """(200, the chart's SVG), or (400, why it could not be drawn)."""
    try:
        frame = ws.industry.clusters(cluster_type=kind)
        with tempfile.TemporaryDirectory(prefix="exportplan-bubble-") as folder:
            written = ws.industry.bubble_chart(frame, Path(folder) / "clusters", label="cluster_name")
            svg = next(p for p in written if p.suffix == ".svg")
            return 200, svg.read_bytes()
    except ExportPlanError as exc:  # ChartNotDrawn is one: nothing to draw, with the reason
        return 400, f"The chart could not be drawn: {exc}".encode("utf-8")


ROUTES = [
    page("/industries", industries, access="read", name="industries", nav="Industries"),
    page("/industries/bubble.svg", bubble_svg, access="read", name="industries_bubble"),
]
