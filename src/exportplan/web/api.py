"""The JSON API (``/api/v1/``): companies, programs and rankings, under the web app's authorization.

Scripts send an API token (``Authorization: Bearer TOKEN``; ``exportplan users token create``,
stored hashed, revoked by an admin) and need no CSRF token; the app's own pages send the session
cookie and, on POST and PATCH, the ``X-CSRF-Token`` header (the page's ``<meta name="csrf-token">``).
Every route is declared through the registry with its access: reading needs the role's ``read``,
writing ``edit``; a partner or a judge, who may not read the organization's data, gets 403.

The endpoints call the services only (``ws.pipeline``, ``ws.programs``, ``ws.sectors``,
``ws.markets``). Answers carry the tables' metadata (sources with vintage, notes) in ``meta``;
:mod:`exportplan.web.api_json` writes answers and errors and checks the input,
:mod:`exportplan.web.api_openapi` writes ``/api/v1/openapi.json`` from these routes. docs/api.md
is the reference.
"""
from __future__ import annotations

from urllib.parse import quote

import pandas as pd
from starlette.responses import JSONResponse

from ..analysis.defaults import DEFAULT_DRAWS
from ..analysis.industry import NAICS_LEVELS
from ..analysis.pipeline_terms import STAGES
from ..analysis.roles import can
from ..analysis.scoring import METHODS
from ..analysis.weights import MARKET_FACTORS, MARKET_PRESETS, SECTOR_GROUPS, SECTOR_PRESETS
from ..errors import ExportPlanError
from .api_json import PREFIX, ApiError, Operation, Param, answer, operation
from .api_openapi import SCHEMAS, document, list_of, one, page_of, ranking

#: Rows of the companies list per request: by default and at most.
PAGE_SIZE, PAGE_MAX = 50, 1000
#: Weight draws of a ranking's robustness check a request may ask for.
DRAWS_MIN, DRAWS_MAX = 100, 20_000

_KEY = {"key": "the company's company_id"}


# ---- companies ------------------------------------------------------------------------------------------
def _company(ws, key: str) -> dict:
    """The company (with its records), or 404."""
    try:
        return ws.pipeline.company(key)
    except ExportPlanError as exc:
        raise ApiError(404, str(exc)) from None


def _company_meta(ws, key: str) -> dict:
    return ws.citations.meta(f"Company {key}", ["companies"], [])


def list_companies(request, query, body):
    """The companies, by name, filtered and a page at a time.

    Filters: stage, sector and county (each repeated or comma-separated for several), naics (a code prefix),
    q (text in the name, any case or spelling). ``total`` counts every match; ``limit`` and ``offset`` page.
    """
    ws = request.state.ws
    filters = dict(stage=query["stage"] or None, sector=query["sector"] or None, county=query["county"] or None,
                   naics=query["naics"], search=query["q"])
    frame = ws.pipeline.companies(**filters, limit=query["limit"], offset=query["offset"])
    return answer(frame, meta=frame, total=ws.pipeline.count_companies(**filters), limit=query["limit"],
                  offset=query["offset"])


def get_company(request, query, body):
    """One company: its fields, its version (send it back to change the company) and its records.

    The records are its export sales, contacts, interactions, needs, referrals, outcomes, stage history and
    assessments. Contacts (people's names, emails and phones) go only to users who may edit: a viewer's
    answer has none, as the company page shows them to staff only.
    """
    ws, key = request.state.ws, request.path_params["key"]
    record = _company(ws, key)
    if not can(request.state.user["role"], "edit"):
        record.pop("contacts", None)
    return answer(record, meta=_company_meta(ws, key))


def add_company(request, query, body):
    """Add a company; answers 201 with the stored company (version 1) and its address in Location.

    A blank company_id is made from the name and county. The values are checked as an import checks
    them: every problem is named in the 422 answer.
    """
    ws = request.state.ws
    key = ws.pipeline.add_company(**body)
    return answer(ws.pipeline.company(key), meta=_company_meta(ws, key), status=201,
                  headers={"Location": f"{PREFIX}/companies/{quote(key, safe='')}"})


def change_company(request, query, body):
    """Change some of a company's fields; send the version you read (optimistic locking).

    When someone saved the company after you read it, nothing is saved and the answer is 409 with who
    saved (changed_by), when (changed_at) and the version now: read the company again and redo the change.
    Fields left out keep their values; the answer is the company as saved, with its new version.
    """
    ws, key = request.state.ws, request.path_params["key"]
    _company(ws, key)
    changes = dict(body)
    version = changes.pop("version")
    ws.pipeline.update_company(key, expected_version=version, **changes)
    return answer(ws.pipeline.company(key), meta=_company_meta(ws, key))


def _today(ws) -> str:
    return str(ws.context.clock())[:10]


def _added(ws, key: str, kind: str, new_id: int):
    """201 with the record just added to a company's ``kind`` list."""
    record = next((r for r in ws.pipeline.company(key)[kind] if int(r.get("id", -1)) == int(new_id)), {"id": new_id})
    return answer(record, status=201, company_id=key)


def add_outcome(request, query, body):
    """Record an outcome of a company: a first export, a new market or export sales (optionally attributed
    to a program). A blank date is today."""
    ws, key = request.state.ws, request.path_params["key"]
    _company(ws, key)
    new_id = ws.pipeline.record_outcome(key, body["kind"], body.get("date") or _today(ws), iso3=body.get("iso3"),
                                        export_sales_usd=body.get("export_sales_usd"), program=body.get("program"),
                                        note=body.get("note"))
    return _added(ws, key, "outcomes", new_id)


def add_referral(request, query, body):
    """Record a referral of a company to a program of the inventory (program_id) or to a provider by name.

    A blank date is today; the status is 'made' unless given.
    """
    ws, key = request.state.ws, request.path_params["key"]
    _company(ws, key)
    new_id = ws.pipeline.refer(key, provider=body.get("provider") or "", program=body.get("program") or "",
                               date=body.get("date") or _today(ws), referrer=body.get("referrer") or "",
                               status=body.get("status") or "made", outcome=body.get("outcome") or "",
                               program_id=body.get("program_id") or "")
    return _added(ws, key, "referrals", new_id)


def add_interaction(request, query, body):
    """Record an interaction with a company (outreach, call, email, meeting, visit, event, other).

    A blank date is today; a blank staff is the user sending the request.
    """
    ws, key, user = request.state.ws, request.path_params["key"], request.state.user
    _company(ws, key)
    staff = body.get("staff") or user.get("display_name") or user["username"]
    new_id = ws.pipeline.log_interaction(key, body.get("date") or _today(ws), body["kind"], body.get("summary") or "",
                                         staff=staff)
    return _added(ws, key, "interactions", new_id)


# ---- programs ---------------------------------------------------------------------------------------------
def list_programs(request, query, body):
    """The inventory's export programs with their provider, filtered by status, provider level or a service
    category they serve."""
    frame = request.state.ws.programs.programs(status=query["status"], level=query["level"],
                                               category=query["category"])
    return answer(frame, meta=frame, total=len(frame))


def get_program(request, query, body):
    """One program of the inventory, with its provider's name, level and states."""
    frame = request.state.ws.programs.programs()
    wanted = request.path_params["program_id"]
    row = frame[frame["program_id"].astype(str) == wanted]
    if not len(row):
        raise ApiError(404, f"No program with program_id {wanted!r}; list them with GET {PREFIX}/programs.")
    return answer(row.iloc[0].to_dict(), meta=frame)


def _filtered(frame: pd.DataFrame, query: dict, columns) -> pd.DataFrame:
    out = frame
    for name in columns:
        if query.get(name) is not None and name in out.columns:
            out = out[out[name].astype(str).str.casefold() == str(query[name]).casefold()]
    return out


def list_gaps(request, query, body):
    """The gaps in export services: one row per demand cell (service category x stage x sector x country)
    with its existing supply, capacity, status and reason; gaps first.

    gap=true keeps the gaps only; category, stage, sector and iso3 keep one value each. It reads the
    pipeline's needs and the plan's target sectors and markets, so it takes seconds.
    """
    frame = request.state.ws.programs.gaps()
    out = _filtered(frame, query, ("category", "stage", "sector", "iso3"))
    if query["gap"] is not None:
        out = out[out["gap"].astype(bool) == query["gap"]]
    return answer(out, meta=frame, total=len(out))


def list_duplications(request, query, body):
    """Regional and proposed programs that duplicate, overlap on different terms, or complement an existing
    state or federal program (kind), each with its reason."""
    frame = request.state.ws.programs.duplications()
    out = _filtered(frame, query, ("kind", "level", "status"))
    return answer(out, meta=frame, total=len(out))


# ---- rankings ---------------------------------------------------------------------------------------------
def _ranked(result, table: pd.DataFrame, weights: dict, preset: str, limit: int | None):
    rows = table if limit is None else table.head(limit)
    return answer(rows, meta=result.meta, total=len(table), weights=weights, preset=preset,
                  robustness=result.robustness.summary())


def rank_sectors(request, query, body):
    """The region's target sectors ranked on the guide's five criteria, with each row's score, reasons and
    robustness (share of weight draws in the top k, rank band, robust).

    Change the weights with preset and/or weights ("size=0.4,growth=0.3": the other criteria share the
    rest as the preset does); by=naics with level ranks NAICS industries instead of traded clusters. The
    weights used, the robustness summary and the sources and notes come with the rows.
    """
    ranked = request.state.ws.sectors.rank_sectors(by=query["by"], level=query["level"], preset=query["preset"],
                                                   weights=query["weights"], method=query["method"],
                                                   top_k=query["top_k"], draws=query["draws"])
    return _ranked(ranked, ranked.table, ranked.group_weights, ranked.preset, query["limit"])


def rank_markets(request, query, body):
    """Country markets ranked on the guide's eight factors, with each row's score, reasons and robustness.

    Change the weights with preset and/or weights ("proximity=0.3,current_markets=0.2"); sector (a NAICS
    code, cluster:CODE or a cluster's name) gives one sector's view. The weights used, the robustness
    summary and the sources and notes come with the rows.
    """
    ranked = request.state.ws.markets.rank_markets(sector=query["sector"], preset=query["preset"],
                                                   weights=query["weights"], method=query["method"],
                                                   top_k=query["top_k"], draws=query["draws"])
    return _ranked(ranked, ranked.table, ranked.weights, ranked.meta.get("preset", ""), query["limit"])


# ---- the description ------------------------------------------------------------------------------------
def openapi(request, query, body):
    """This API's OpenAPI 3.1 description, written from the routes the app serves."""
    return JSONResponse(document(request.app.routes))


# ---- the routes -------------------------------------------------------------------------------------------
_STAGE = Param("stage", description="export stage: " + ", ".join(STAGES), enum=STAGES, many=True)
_COMPANY_QUERY = (
    _STAGE, Param("sector", description="sector name", many=True),
    Param("county", description="county FIPS code", many=True),
    Param("naics", description="NAICS code prefix, e.g. 33"), Param("q", description="text in the name"),
    Param("limit", "integer", "rows at most", minimum=1, maximum=PAGE_MAX, default=PAGE_SIZE),
    Param("offset", "integer", "rows to skip", minimum=0, default=0),
)
_RANK_QUERY = (
    Param("weights", description="weight overrides, 'key=value,...'"),
    Param("method", description="scoring method", enum=tuple(METHODS), default="weighted"),
    Param("top_k", "integer", "the shortlist's size for robustness", minimum=1, maximum=50, default=5),
    Param("draws", "integer", "random weight draws of the robustness check", minimum=DRAWS_MIN, maximum=DRAWS_MAX,
          default=DEFAULT_DRAWS),
    Param("limit", "integer", "rows at most (all by default)", minimum=1, maximum=10_000),
)
_WRITE_ERRORS = (404, 413, 415, 422)

ROUTES = [
    operation(f"{PREFIX}/openapi.json", openapi, access="signed_in",
              op=Operation("api", {"type": "object", "required": ["openapi", "info", "paths"]})),
    operation(f"{PREFIX}/companies", list_companies, access="read",
              op=Operation("companies", page_of("Company"), query=_COMPANY_QUERY, errors=(400,))),
    operation(f"{PREFIX}/companies", add_company, access="edit", method="POST",
              op=Operation("companies", one("CompanyDetail"), status=201, body=SCHEMAS["CompanyNew"],
                           errors=(413, 415, 422))),
    operation(f"{PREFIX}/companies/{{key}}", get_company, access="read",
              op=Operation("companies", one("CompanyDetail"), path=_KEY, errors=(404,))),
    operation(f"{PREFIX}/companies/{{key}}", change_company, access="edit", method="PATCH",
              op=Operation("companies", one("CompanyDetail"), path=_KEY, body=SCHEMAS["CompanyChange"],
                           errors=(409, *_WRITE_ERRORS))),
    *[operation(f"{PREFIX}/companies/{{key}}/{kind}", endpoint, access="edit", method="POST",
                op=Operation("companies", {"type": "object", "required": ["data", "company_id"],
                                           "properties": {"data": {"$ref": "#/components/schemas/Record"},
                                                          "company_id": {"type": "string"}}},
                             status=201, path=_KEY, body=SCHEMAS[schema], errors=_WRITE_ERRORS))
      for kind, endpoint, schema in (("outcomes", add_outcome, "OutcomeNew"),
                                     ("referrals", add_referral, "ReferralNew"),
                                     ("interactions", add_interaction, "InteractionNew"))],
    operation(f"{PREFIX}/programs", list_programs, access="read",
              op=Operation("programs", list_of("Program"), errors=(400,), query=(
                  Param("status", description="existing, proposed, ..."),
                  Param("level", description="provider level: federal, state, regional, ..."),
                  Param("category", description="a service category the program serves")))),
    operation(f"{PREFIX}/programs/{{program_id}}", get_program, access="read",
              op=Operation("programs", one("Program"), path={"program_id": "the program's program_id"},
                           errors=(404,))),
    operation(f"{PREFIX}/gaps", list_gaps, access="read",
              op=Operation("programs", list_of("Gap"), errors=(400,), query=(
                  Param("gap", "boolean", "true: the gaps only; false: the cells with supply only"),
                  Param("category", description="service category"), Param("stage", description="export stage"),
                  Param("sector", description="sector"), Param("iso3", description="country (ISO3) or 'all'")))),
    operation(f"{PREFIX}/duplications", list_duplications, access="read",
              op=Operation("programs", list_of("Duplication"), errors=(400,), query=(
                  Param("kind", description="duplication, different terms or complement"),
                  Param("level", description="the program's level"), Param("status", description="its status")))),
    operation(f"{PREFIX}/rankings/sectors", rank_sectors, access="read",
              op=Operation("rankings", ranking("SectorRank"), errors=(400,), query=(
                  Param("preset", description="weight preset", enum=tuple(SECTOR_PRESETS)),
                  *_RANK_QUERY[:1], Param("by", description="cluster or naics", enum=("cluster", "naics"),
                                          default="cluster"),
                  Param("level", "integer", "NAICS digits with by=naics", minimum=min(NAICS_LEVELS),
                        maximum=max(NAICS_LEVELS)), *_RANK_QUERY[1:]))),
    operation(f"{PREFIX}/rankings/markets", rank_markets, access="read",
              op=Operation("rankings", ranking("MarketRank"), errors=(400,), query=(
                  Param("preset", description="weight preset", enum=tuple(MARKET_PRESETS)),
                  *_RANK_QUERY[:1], Param("sector", description="NAICS code, cluster:CODE or cluster name"),
                  *_RANK_QUERY[1:]))),
]

#: The weight keys a ranking's ``weights`` parameter takes (for the docs and error messages).
WEIGHT_KEYS = {"sectors": tuple(SECTOR_GROUPS), "markets": tuple(MARKET_FACTORS)}

__all__ = ["ROUTES", "PAGE_SIZE", "PAGE_MAX", "WEIGHT_KEYS"]
