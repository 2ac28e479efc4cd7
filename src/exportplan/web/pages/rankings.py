"""The sector ranking (``/sectors``), the market ranking (``/markets``) and the world map (``/map``).

The user changes the weights of the ranking's factor groups and sees the ranking, the reason for
each row and its robustness (the share of weight draws that keep it in the top k, its rank band).
The weights travel as query parameters (``preset=`` and one ``w_<group>=`` per group), so without
JavaScript the form is a plain GET form and the server renders the page; with JavaScript
(``static/rankings.js``) the inputs ask ``/sectors/table`` or ``/markets/table`` for the result
fragment alone and swap it in. Nothing is saved from here, except by staff: ``POST
/sectors/weights`` and ``POST /markets/weights`` save the weights shown as the workspace's default
(what ``exportplan weights set`` and ``exportplan config set markets.weights`` save).

Every ranking comes from the services (``ws.sectors.rank_sectors``, ``ws.markets.rank_markets``),
which keep the inputs that do not depend on the weights, so a re-rank only scores and checks
robustness.
"""
from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping
from urllib.parse import urlencode

import pandas as pd
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from ... import settings as settings_rules
from ...analysis.presets import MARKET_FACTORS, MARKET_PRESETS, SECTOR_GROUPS, SECTOR_PRESETS
from ...analysis.roles import can
from ...errors import ExportPlanError
from ..render import flash, render, table_html
from ..routes import page

#: Short labels of the weight inputs (the groups' descriptions are shown as hints).
_LABELS = {
    "size": "Size", "growth": "Growth", "strength": "Strengths and assets", "state_target": "State target",
    "foreign_investors": "Foreign investors", "current_markets": "Current markets", "export_growth": "Export growth",
    "client_interest": "Client interest", "cluster_demand": "Demand for the region's sectors",
    "partnerships": "Partnerships", "proximity": "Proximity", "market_factors": "Market factors and barriers",
    "fdi_connections": "FDI connections",
}
#: Rows of the ranking table shown on the page (every sector; the markets' table is a few dozen countries).
MAX_ROWS = 60


@dataclass(frozen=True)
class Kind:
    """What differs between the sector and the market ranking pages."""

    key: str            # "sectors" or "markets": the path and the query's meaning
    title: str
    noun: str           # what is ranked ("clusters", "countries")
    groups: Mapping[str, str]
    presets: Mapping
    code_col: str       # the column that names a row for /explain
    name_col: str


SECTORS = Kind("sectors", "Sector ranking", "sectors", SECTOR_GROUPS, SECTOR_PRESETS, "code", "name")
MARKETS = Kind("markets", "Market ranking", "countries", MARKET_FACTORS, MARKET_PRESETS, "iso3", "country")


# ---- the weights a request asks for ---------------------------------------------------------------
@dataclass
class Choice:
    """The weights of one request: the preset, the group weights typed (None: the saved default), what the
    inputs show, and the error of a value that is not a number."""

    preset: str | None
    weights: dict[str, float] | None
    typed: dict[str, str]
    error: str = ""

    def query(self) -> str:
        """The query string that asks for these weights again (for links: the map, an explanation)."""
        pairs = [("preset", self.preset)] if self.preset else []
        if self.weights is not None:
            pairs += [(f"w_{k}", _short(v)) for k, v in self.weights.items()]
        return urlencode(pairs)


def _short(value: float) -> str:
    """A weight as short text (0.25, not 0.25000000000000006)."""
    return f"{float(value):.6g}"


def read_choice(kind: Kind, params: Mapping[str, Any]) -> Choice:
    """The preset and weights in ``params`` (a query or a form): ``preset`` and ``w_<group>``.

    ``use_preset`` (the preset form's button) ignores the typed weights. A weight left empty keeps
    the preset's value; a value that is not a number is an error that names it.
    """
    preset = str(params.get("preset") or "").strip() or None
    if preset is not None and preset not in kind.presets:
        return Choice(None, None, {}, f"There is no preset {preset!r}; choose one of: {', '.join(kind.presets)}.")
    typed = {k: str(params.get(f"w_{k}", "")).strip() for k in kind.groups}
    if params.get("use_preset") or not any(typed.values()):
        return Choice(preset, None, {})
    weights: dict[str, float] = {}
    for key, text in typed.items():
        if not text:
            continue
        try:
            value = float(text)
        except ValueError:
            return Choice(preset, None, typed, f"The weight of {_LABELS.get(key, key).lower()} is {text!r}, "
                                               "not a number; give a number of 0 or more (e.g. 0.2).")
        if not math.isfinite(value):
            return Choice(preset, None, typed, f"The weight of {_LABELS.get(key, key).lower()} must be a finite "
                                               "number of 0 or more.")
        weights[key] = value
    return Choice(preset, weights, typed)


def rank(ws, kind: Kind, choice: Choice):
    """The ranking for ``choice`` from the service (raises ExportPlanError with the service's message)."""
    if choice.error:
        raise ExportPlanError(choice.error)
    if kind is SECTORS:
        return ws.sectors.rank_sectors(preset=choice.preset, weights=choice.weights)
    return ws.markets.rank_markets(preset=choice.preset, weights=choice.weights)


def used_weights(kind: Kind, ranking) -> dict[str, float]:
    """The group weights the ranking used (sum 1)."""
    return dict(ranking.group_weights if kind is SECTORS else ranking.weights)


def used_preset(kind: Kind, ranking) -> str:
    return str(ranking.preset if kind is SECTORS else ranking.meta.get("preset", ""))


# ---- what the pages show ---------------------------------------------------------------------------
def _pct(value) -> str:
    return "" if value is None or pd.isna(value) else f"{float(value):.0%}"


def _rank_band(row: Mapping) -> str:
    low, high = row.get("rank_p05"), row.get("rank_p95")
    if low is None or pd.isna(low) or high is None or pd.isna(high):
        return ""
    low, high = int(low), int(high)
    return f"#{low}" if low == high else f"#{low} to #{high}"


def _first_rows(table: pd.DataFrame, columns, rows: int) -> list[dict]:
    """The first ``rows`` rows of ``table`` as dicts of the named columns (None for a column it lacks).

    Read through a frame without the table's metadata (``attrs``, the ranking's meta), which pandas
    would deep-copy for every column and row taken from the table itself.
    """
    plain = pd.DataFrame(table, copy=False).head(rows)
    values = {c: plain[c].tolist() if c in plain.columns else [None] * len(plain) for c in dict.fromkeys(columns)}
    return [dict(zip(values, row)) for row in zip(*values.values())]


def result_rows(kind: Kind, ranking, choice: Choice) -> list[dict]:
    """The ranking's rows as the table shows them: rank, name, score, (tier), coverage, share of draws in the
    top k, rank band, robust, reason, and the link to the row's full explanation."""
    table = ranking.table
    top_k = int(getattr(ranking, "top_k", 0) or 5)
    p_col = "p_topk" if "p_topk" in table.columns else f"p_top{top_k}"
    query = choice.query()
    rows = []
    for record in _first_rows(table, ["rank", kind.code_col, kind.name_col, "score", "tier", "coverage", p_col,
                                      "rank_p05", "rank_p95", "robust", "reason"], MAX_ROWS):
        code = str(record[kind.code_col])
        rows.append({
            "rank": int(record["rank"]), "code": code, "name": str(record[kind.name_col]),
            "score": "" if pd.isna(record["score"]) else f"{float(record['score']):.3f}",
            "tier": str(record.get("tier") or ""), "coverage": _pct(record.get("coverage")),
            "p_top": _pct(record.get(p_col)), "band": _rank_band(record), "robust": bool(record.get("robust")),
            "reason": str(record.get("reason") or ""),
            "link": f"/{kind.key}/explain?" + urlencode([("code", code)]) + (f"&{query}" if query else ""),
        })
    return rows


def result_context(request: Request, kind: Kind, choice: Choice) -> tuple[dict, int]:
    """What the result fragment shows (and the HTTP status): the ranking, or the error and the form kept."""
    ws = request.state.ws
    user = request.state.user
    try:
        ranking = rank(ws, kind, choice)
    except ExportPlanError as exc:
        return dict(kind=kind, error=str(exc), ranking=None, choice=choice, can_save=False,
                    inputs=_inputs(kind, choice, None), preset=choice.preset or "", query=choice.query(),
                    announce=f"Not ranked: {exc}"), 400
    weights = used_weights(kind, ranking)
    rows = result_rows(kind, ranking, choice)
    top = [row["name"] for row in rows[:3]]
    return dict(
        kind=kind, error="", ranking={"count": len(ranking.table)}, choice=choice, rows=rows,
        top_k=int(getattr(ranking, "top_k", 0) or 5),
        summary=ranking.summary(), notes=ranking.notes, weights=weights, preset=used_preset(kind, ranking),
        labels=_LABELS, can_save=can(user["role"], "edit"), inputs=_inputs(kind, choice, weights),
        query=choice.query(), announce=f"Ranking updated. First: {', '.join(top)}." if top else "Ranking updated.",
    ), 200


def _inputs(kind: Kind, choice: Choice, weights: Mapping[str, float] | None) -> list[dict]:
    """The weight inputs: what the user typed, else the weights the ranking used (rounded)."""
    out = []
    for key, description in kind.groups.items():
        if choice.typed:
            value = choice.typed.get(key, "")
        elif weights is not None:
            value = f"{weights.get(key, 0.0):.3f}".rstrip("0").rstrip(".") or "0"
        else:
            value = ""
        out.append(dict(key=key, label=_LABELS.get(key, key), description=description, value=value))
    return out


def _preset_options(kind: Kind) -> list[dict]:
    import json

    return [dict(name=name, description=p.description, weights=json.dumps(p.weights)) for name, p in
            kind.presets.items()]


def kept_result_context(request: Request, kind: Kind, choice: Choice) -> tuple[dict, int]:
    """:func:`result_context`, kept while the data and the settings are unchanged (:mod:`exportplan.web.views`):
    the same weights asked again, by anyone of the same role, are answered without ranking again."""
    weights = None if choice.weights is None else tuple(sorted(choice.weights.items()))
    key = ("ranking", kind.key, choice.preset, weights, tuple(sorted((choice.typed or {}).items())), choice.error,
           can(request.state.user["role"], "edit"))
    context, status = request.app.state.views.get(request, key, lambda: result_context(request, kind, choice))
    return dict(context), status


def ranking_page(request: Request, kind: Kind) -> Response:
    choice = read_choice(kind, request.query_params)
    context, status = kept_result_context(request, kind, choice)
    return render(request, "rankings_page.html", status_code=status, title=kind.title,
                  presets=_preset_options(kind), **context)


def ranking_fragment(request: Request, kind: Kind) -> Response:
    choice = read_choice(kind, request.query_params)
    context, status = kept_result_context(request, kind, choice)
    return render(request, "rankings_result.html", status_code=status, **context)


def explain_page(request: Request, kind: Kind) -> Response:
    """One row's full explanation: contributions by factor with the raw values, rank band, what would move it."""
    choice = read_choice(kind, request.query_params)
    code = str(request.query_params.get("code", "")).strip()
    back = f"/{kind.key}" + (f"?{choice.query()}" if choice.query() else "")
    try:
        if not code:
            raise ExportPlanError(f"Say which {kind.noun[:-1] if kind is SECTORS else 'country'} to explain: "
                                  f"open it from the {kind.title.lower()}'s table.")
        ranking = rank(request.state.ws, kind, choice)
        hit = ranking.table[ranking.table[kind.code_col].astype(str) == code]
        if hit.empty:
            raise ExportPlanError(f"{code!r} is not in the {kind.title.lower()}; open it from the table.")
        name = str(hit[kind.name_col].iloc[0])
        if kind is SECTORS:
            lines = ranking.explain_lines(code)
            frame = ranking.explain(code)
            columns = {c: h for c, h in (("label", "Measure"), ("group", "Criterion"), ("value", "Value"),
                                         ("norm", "Normalized"), ("weight", "Weight"),
                                         ("contribution", "Contribution"), ("gap", "Gap to the one above"))
                       if c in frame.columns}
            detail = table_html(frame, caption=f"{name}: contributions by measure", columns=columns,
                                row_header="label", formats={"norm": ".2f", "weight": ".3f",
                                                             "contribution": ".3f", "gap": "+.3f"})
        else:
            lines = ranking.explain(code).splitlines()
            detail = None
    except ExportPlanError as exc:
        return render(request, "rankings_explain.html", status_code=400, title=f"{kind.title}: explanation",
                      kind=kind, error=str(exc), name="", lines=[], detail=None, back=back)
    return render(request, "rankings_explain.html", title=f"{name}: {kind.title.lower()}", kind=kind, error="",
                  name=name, lines=lines, detail=detail, back=back)


def save_weights(request: Request, kind: Kind) -> Response:
    """Save the weights of the form as the workspace's default for this ranking (staff)."""
    ws = request.state.ws
    choice = read_choice(kind, request.state.form)
    try:
        if choice.error:
            raise ExportPlanError(choice.error)
        if kind is SECTORS:
            saved = ws.sectors.set_sector_weights(choice.preset, choice.weights)
        else:
            saved = _save_market_weights(ws, choice)
    except ExportPlanError as exc:
        context, _ = result_context(request, kind, choice)
        context.update(error=f"The weights were not saved: {exc}", ranking=None)
        return render(request, "rankings_page.html", status_code=400, title=kind.title,
                      presets=_preset_options(kind), **context)
    text = ", ".join(f"{_LABELS.get(k, k).lower()} {v:.2f}" for k, v in saved.items())
    return flash(RedirectResponse(f"/{kind.key}", status_code=303), request,
                 f"Saved as the workspace's default {kind.title.lower()} weights: {text}.")


def _save_market_weights(ws, choice: Choice) -> dict[str, float]:
    """Save ``markets.preset`` and ``markets.weights`` with the checks of ``exportplan config set``."""
    from ...analysis.weights import resolve_weights

    preset = choice.preset or "balanced"
    weights = choice.weights or {}
    resolved = resolve_weights("market", preset, weights)  # checks the values before anything is saved
    config, _ = settings_rules.set_value(ws.config, "markets.preset", preset)
    text = ",".join(f"{k}={_short(v)}" for k, v in weights.items())
    config, _ = settings_rules.set_value(config, "markets.weights", text)
    ws.config = config
    ws.save_config()
    return resolved


# ---- the world map -----------------------------------------------------------------------------------
def map_page(request: Request) -> Response:
    """The market ranking's scores on the world map, with the same scores as a table (the text alternative)."""
    choice = read_choice(MARKETS, request.query_params)
    query = choice.query()
    try:
        ranking = rank(request.state.ws, MARKETS, choice)
    except ExportPlanError as exc:
        return render(request, "rankings_map.html", status_code=400, title="World map", error=str(exc),
                      table=None, image="", query=query, preset="")
    frame = ranking.table[["rank", "country", "iso3", "score", "coverage", "robust"]].copy()
    frame["coverage"] = frame["coverage"].map(_pct)
    frame["robust"] = frame["robust"].map(lambda v: "yes" if bool(v) else "no")
    table = table_html(frame, caption="Market scores by country (the map's data)", row_header="country",
                       columns={"rank": "Rank", "country": "Country", "iso3": "ISO code", "score": "Score (0 to 1)",
                                "coverage": "Data coverage", "robust": "Robust"},
                       formats={"score": ".3f"}, numeric=["rank", "score", "coverage"])
    top = ", ".join(f"{c} ({s:.2f})" for c, s in zip(ranking.table["country"].head(5), ranking.table["score"].head(5)))
    return render(request, "rankings_map.html", title="World map", error="", table=table,
                  image="/map/world.svg" + (f"?{query}" if query else ""), query=query,
                  preset=used_preset(MARKETS, ranking),
                  alt=f"World map of the market ranking's scores of {len(ranking.table)} countries; highest: {top}. "
                      "The table below lists every score.")


def map_svg(request: Request) -> Response:
    """The world map as an SVG image (output.worldmap draws it from the ranking's scores)."""
    from ...output.worldmap import world_map

    choice = read_choice(MARKETS, request.query_params)
    try:
        ranking = rank(request.state.ws, MARKETS, choice)
        with tempfile.TemporaryDirectory(prefix="exportplan-map-") as folder:
            written = world_map(ranking.table[["iso3", "score"]], title=ranking.meta["title"], meta=ranking.meta,
                                path=Path(folder) / "map", formats=("svg",), label="Score (0 to 1)")
            data = written[0].read_bytes()
    except ExportPlanError as exc:
        return Response(f"The map could not be drawn: {exc}", status_code=400, media_type="text/plain")
    return Response(data, media_type="image/svg+xml")


# ---- routes -----------------------------------------------------------------------------------------
def sectors(request: Request):
    """The sector ranking with its weights form."""
    return ranking_page(request, SECTORS)


def sectors_table(request: Request):
    """The sector ranking's result alone (the fragment the page's script swaps in)."""
    return ranking_fragment(request, SECTORS)


def sectors_explain(request: Request):
    return explain_page(request, SECTORS)


def sectors_save(request: Request):
    return save_weights(request, SECTORS)


def markets(request: Request):
    """The market ranking with its weights form."""
    return ranking_page(request, MARKETS)


def markets_table(request: Request):
    """The market ranking's result alone (the fragment the page's script swaps in)."""
    return ranking_fragment(request, MARKETS)


def markets_explain(request: Request):
    return explain_page(request, MARKETS)


def markets_save(request: Request):
    return save_weights(request, MARKETS)


ROUTES = [
    page("/sectors", sectors, access="read", name="sectors", nav="Sectors"),
    page("/sectors/table", sectors_table, access="read", name="sectors_table"),
    page("/sectors/explain", sectors_explain, access="read", name="sectors_explain"),
    page("/sectors/weights", sectors_save, access="edit", methods=("POST",), name="sectors_save"),
    page("/markets", markets, access="read", name="markets", nav="Markets"),
    page("/markets/table", markets_table, access="read", name="markets_table"),
    page("/markets/explain", markets_explain, access="read", name="markets_explain"),
    page("/markets/weights", markets_save, access="edit", methods=("POST",), name="markets_save"),
    page("/map", map_page, access="read", name="world_map", nav="Map"),
    page("/map/world.svg", map_svg, access="read", name="world_map_svg"),
]
