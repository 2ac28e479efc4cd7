"""The JSON API's OpenAPI 3.1 description, written from the app's own routes (docs/api.md).

:func:`document` walks the routes the app serves under ``/api/``: each route's path, method and
access, the first paragraph of its endpoint's docstring as the summary, and the query
parameters, body and answer of its :class:`~exportplan.web.api_json.Operation`. A route under
``/api/`` without one is still listed (with a generic answer), so the document names every API
route the app has and nothing else. The answers' schemas are :data:`SCHEMAS`, written by hand
for each resource; the API checks request bodies against them and the tests check answers.
"""
from __future__ import annotations

from typing import Iterable

from ..analysis.pipeline_terms import INTERACTION_KINDS, OUTCOME_KINDS, REFERRAL_STATUSES, STAGES
from .security import CSRF_HEADER, SESSION_COOKIE

#: The CSRF header as documented (HTTP header names are case-insensitive).
_CSRF_NAME = "X-CSRF-Token"
assert _CSRF_NAME.lower() == CSRF_HEADER
#: The API's version (of its routes and answers; the paths carry /api/v1).
VERSION = "1.0.0"
_TEXT = {"type": ["string", "null"]}
_STR = {"type": "string"}
_INT = {"type": ["integer", "null"]}
_NUM = {"type": ["number", "null"]}
_BOOL = {"type": ["boolean", "null"]}
_LIST = {"type": ["string", "array", "null"], "items": {"type": "string"},
         "description": "';'-separated text or a list of text"}


def _object(properties: dict, required: Iterable[str] = (), *, extra: bool = True, description: str = "") -> dict:
    out = {"type": "object", "properties": properties, "required": list(required), "additionalProperties": extra}
    if description:
        out["description"] = description
    return out


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


_COMPANY_FIELDS = {
    "name": {**_TEXT, "maxLength": 500}, "naics": {**_TEXT, "description": "2 to 6 digits"},
    "sector": _TEXT, "county_fips": {**_TEXT, "description": "5 digits"}, "city": _TEXT,
    "employees": {"type": ["integer", "null"], "minimum": 0}, "revenue_usd": {"type": ["number", "null"], "minimum": 0},
    "website": _TEXT, "foreign_parent": _TEXT, "parent_country": {**_TEXT, "description": "country name or ISO3"},
    "stage": {"type": ["string", "null"], "description": "one of: " + ", ".join(STAGES)},
    "current_markets": _LIST, "target_markets": _LIST, "tags": _LIST, "notes": _TEXT,
}
_BOOKKEEPING = {"version": {"type": "integer"}, "created_at": _TEXT, "created_by": _TEXT, "updated_at": _TEXT,
                "updated_by": _TEXT}
_RECORDS = {"type": "array", "items": {"type": "object"}}

#: The schemas of the API's bodies and answers (components/schemas of the document).
SCHEMAS: dict[str, dict] = {
    "Source": _object({k: _TEXT for k in ("publisher", "dataset", "vintage", "file", "url", "retrieved_at",
                                          "sha256", "notes")}, ("publisher", "dataset", "vintage"),
                      description="Where figures come from: publisher, dataset, vintage, file or URL."),
    "Meta": _object({"title": _STR, "region": _TEXT, "sources": {"type": "array", "items": _ref("Source")},
                     "notes": {"type": "array", "items": _STR}, "sample_data": _BOOL,
                     "top_notes": {"type": "array", "items": _STR}}, ("title", "sources", "notes"),
                    description="A table's metadata: title, sources (with their vintage) and notes; rankings add "
                                "their weights, preset, method and robustness settings."),
    "Error": _object({"error": _STR, "status": {"type": "integer"},
                      "problems": {"type": "array", "items": _object({"field": _TEXT, "problem": _TEXT})}},
                     ("error", "status"), description="What went wrong and how to fix it; 409 adds changed_by, "
                                                      "changed_at and version."),
    "Company": _object({"company_id": _STR, **{k: v for k, v in _COMPANY_FIELDS.items()}, **_BOOKKEEPING},
                       ("company_id", "name", "stage", "version", "updated_at", "updated_by")),
    "CompanyDetail": _object({"company_id": _STR, **_COMPANY_FIELDS, **_BOOKKEEPING,
                              **{k: _RECORDS for k in ("export_sales", "contacts", "interactions", "needs",
                                                       "referrals", "outcomes", "stage_history", "assessments")}},
                             ("company_id", "name", "version", "interactions", "referrals", "outcomes"),
                             description="A company and its records; contacts only for users who may edit."),
    "CompanyNew": _object({"company_id": {**_TEXT, "description": "blank: made from the name and county"},
                           **_COMPANY_FIELDS}, ("name",), extra=False),
    "CompanyChange": _object({"version": {"type": "integer", "minimum": 1,
                                          "description": "the version read (optimistic locking)"},
                              **_COMPANY_FIELDS}, ("version",), extra=False),
    "OutcomeNew": _object({"kind": {"type": "string", "enum": list(OUTCOME_KINDS)},
                           "date": {**_TEXT, "description": "YYYY-MM-DD; blank: today"},
                           "iso3": {**_TEXT, "description": "country name or ISO3"},
                           "export_sales_usd": {"type": ["number", "null"], "minimum": 0},
                           "program": _TEXT, "note": _TEXT}, ("kind",), extra=False),
    "ReferralNew": _object({"program_id": {**_TEXT, "description": "a program of GET /api/v1/programs"},
                            "provider": _TEXT, "program": _TEXT, "date": {**_TEXT, "description": "blank: today"},
                            "referrer": _TEXT, "status": {"type": "string", "enum": list(REFERRAL_STATUSES)},
                            "outcome": _TEXT}, (), extra=False),
    "InteractionNew": _object({"kind": {"type": "string", "enum": list(INTERACTION_KINDS)},
                               "date": {**_TEXT, "description": "blank: today"}, "summary": _TEXT,
                               "staff": {**_TEXT, "description": "blank: the signed-in user"}}, ("kind",), extra=False),
    "Record": _object({"id": {"type": "integer"}}, ("id",), description="A company's record as stored."),
    "Program": _object({"program_id": _STR, "provider_id": _TEXT, "provider_name": _TEXT, "name": _TEXT,
                        "status": _TEXT, "level": _TEXT, "categories": _TEXT, "stages": _TEXT, "sectors": _TEXT,
                        "countries": _TEXT, "cost": _TEXT, "capacity": {"type": ["string", "number", "null"]},
                        "source_url": _TEXT, "last_verified": _TEXT, "origin": _TEXT},
                       ("program_id", "name", "status", "level")),
    "Gap": _object({"category": _STR, "stage": _STR, "sector": _STR, "iso3": _STR, "demand": _INT,
                    "status": _STR, "gap": {"type": "boolean"}, "programs": _TEXT, "capacity_status": _TEXT,
                    "gap_companies": _TEXT, "reason": _STR},
                   ("category", "stage", "sector", "iso3", "demand", "status", "gap", "reason")),
    "Duplication": _object({"program_id": _STR, "program": _STR, "level": _TEXT, "status": _TEXT,
                            "duplicates_id": _TEXT, "duplicates": _TEXT, "duplicates_level": _TEXT, "kind": _STR,
                            "categories": _TEXT, "n_companies": _INT, "reason": _STR},
                           ("program_id", "program", "kind", "reason")),
    "SectorRank": _object({"rank": {"type": "integer"}, "code": _STR, "name": _STR, "score": _NUM, "tier": _TEXT,
                           "coverage": _NUM, "median_rank": _NUM, "rank_p05": _NUM, "rank_p95": _NUM,
                           "band": _TEXT, "robust": _BOOL, "reason": _TEXT, "tier_reason": _TEXT},
                          ("rank", "code", "name", "score", "coverage", "robust", "reason"),
                          description="One ranked sector: score, reasons, robustness (p_top<k>, rank band), then "
                                      "raw_/norm_/contrib_<measure> per measure."),
    "MarketRank": _object({"rank": {"type": "integer"}, "iso3": _STR, "country": _STR, "score": _NUM,
                           "coverage": _NUM, "median_rank": _NUM, "rank_p05": _NUM, "rank_p95": _NUM,
                           "robust": _BOOL, "reason": _TEXT},
                          ("rank", "iso3", "country", "score", "coverage", "robust", "reason"),
                          description="One ranked country: score, reasons, robustness (p_top<k>, rank band), then "
                                      "contrib_<factor> and raw_/norm_/contrib_<measure>."),
    "Ranking": _object({"data": {"type": "array", "items": {"type": "object"}}, "meta": _ref("Meta"),
                        "weights": {"type": "object", "additionalProperties": {"type": "number"}},
                        "preset": _STR, "robustness": {"type": "array", "items": _STR}},
                       ("data", "meta", "weights", "preset", "robustness")),
}


def page_of(item: str) -> dict:
    """The schema of a page of a list: ``data`` (items), ``total``, ``limit``, ``offset`` and ``meta``."""
    return _object({"data": {"type": "array", "items": _ref(item)}, "total": {"type": "integer"},
                    "limit": {"type": ["integer", "null"]}, "offset": {"type": "integer"}, "meta": _ref("Meta")},
                   ("data", "total", "meta"))


def list_of(item: str) -> dict:
    """The schema of a whole list: ``data`` (items), ``total`` and ``meta``."""
    return _object({"data": {"type": "array", "items": _ref(item)}, "total": {"type": "integer"},
                    "meta": _ref("Meta")}, ("data", "total", "meta"))


def one(item: str, *, meta: bool = True) -> dict:
    """The schema of one resource: ``data`` (and ``meta``)."""
    return _object({"data": _ref(item), **({"meta": _ref("Meta")} if meta else {})},
                   ("data", "meta") if meta else ("data",))


def ranking(row: str) -> dict:
    """The schema of a ranking: rows of ``row``, with the weights used, the robustness lines and ``meta``."""
    schema = dict(SCHEMAS["Ranking"])
    schema["properties"] = dict(schema["properties"], data={"type": "array", "items": _ref(row)})
    return schema


_STATUS_TEXT = {200: "OK", 201: "Created", 400: "The query is not right, or the service refused it",
                401: "No session and no valid API token (unknown or revoked)",
                403: "The user's role may not do this, or the CSRF token is missing (session)",
                404: "Not found", 409: "Someone else saved first (optimistic locking)",
                413: "The body is too large", 415: "The body is not JSON",
                422: "The body's values were refused (each problem listed)"}


def summary_of(endpoint) -> tuple[str, str]:
    """(summary, description) from an endpoint's docstring: its first sentence line, then the rest."""
    text = (getattr(endpoint, "__doc__", None) or "").strip()
    paragraphs = [" ".join(p.split()) for p in text.split("\n\n") if p.strip()]
    return (paragraphs[0] if paragraphs else ""), "\n\n".join(paragraphs[1:])


def _path_names(path: str) -> list[str]:
    import re

    return [name.split(":")[0] for name in re.findall(r"\{([^}]+)\}", path)]


def describe(route) -> list[tuple[str, str, dict]]:
    """(path, method, OpenAPI operation) of each method of one API route (HEAD left out)."""
    methods = sorted(set(route.methods or {"GET"}) - {"HEAD"})
    return [(route.path, method.lower(), _operation(route, method)) for method in methods]


def _operation(route, method: str) -> dict:
    op = getattr(route, "api", None)
    endpoint = getattr(route, "endpoint_function", None) or route.endpoint
    summary, description = summary_of(endpoint)
    out: dict = {"operationId": f"{method.lower()}_{route.name}", "summary": summary or route.name,
                 "x-access": route.access, "tags": [op.tag if op else "other"]}
    if description:
        out["description"] = description
    params = [{"name": name, "in": "path", "required": True, "schema": {"type": "string"},
               "description": (op.path.get(name, "") if op else "")} for name in _path_names(route.path)]
    for param in (op.query if op else ()):
        item = {"name": param.name, "in": "query", "required": False, "schema": param.schema(),
                "description": param.description}
        if param.many:
            item.update(style="form", explode=True)
        params.append(item)
    if method in ("POST", "PUT", "PATCH", "DELETE"):
        params.append({"name": _CSRF_NAME, "in": "header", "required": False, "schema": {"type": "string"},
                       "description": "the session's CSRF token; needed with the session cookie, not with a token"})
    if params:
        out["parameters"] = params
    if op is not None and op.body is not None:
        out["requestBody"] = {"required": True, "content": {"application/json": {"schema": op.body}}}
    ok = {"description": _STATUS_TEXT.get(op.status if op else 200, "OK"),
          "content": {"application/json": {"schema": op.response if op else {"type": "object"}}}}
    responses = {str(op.status if op else 200): ok}
    for status in sorted({401, 403, *(op.errors if op else ())}):
        responses[str(status)] = {"description": _STATUS_TEXT.get(status, "Error"),
                                  "content": {"application/json": {"schema": _ref("Error")}}}
    out["responses"] = responses
    if route.access not in ("public", "survey", "company_link"):
        out["security"] = [{"bearerToken": []}, {"sessionCookie": []}]
    return out


def document(routes, *, title: str = "exportplan JSON API", server: str = "") -> dict:
    """The OpenAPI 3.1 document of the routes under ``/api/`` among ``routes`` (the app's routes)."""
    paths: dict[str, dict] = {}
    for route in routes:
        path = getattr(route, "path", "")
        if not (path == "/api" or path.startswith("/api/")) or not getattr(route, "methods", None):
            continue
        for at, method, op in describe(route):
            paths.setdefault(at, {})[method] = op
    doc = {
        "openapi": "3.1.0",
        "info": {"title": title, "version": VERSION,
                 "description": "Companies, programs and rankings of an exportplan workspace, under the web app's "
                                "authorization: a script sends an API token (Authorization: Bearer TOKEN, made by "
                                "an admin with 'exportplan users token create'); a page of the app sends its "
                                "session cookie and, on POST and PATCH, the X-CSRF-Token header. Errors are "
                                "{\"error\", \"problems\", \"status\"}. See docs/api.md."},
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {
                "bearerToken": {"type": "http", "scheme": "bearer",
                                "description": "an API token of a user (stored hashed; an admin revokes it)"},
                "sessionCookie": {"type": "apiKey", "in": "cookie", "name": SESSION_COOKIE,
                                  "description": "the web app's session (POST/PATCH also need X-CSRF-Token)"},
            },
        },
        "tags": [{"name": "companies"}, {"name": "programs"}, {"name": "rankings"}, {"name": "api"}],
    }
    if server:
        doc["servers"] = [{"url": server}]
    return doc


__all__ = ["SCHEMAS", "VERSION", "describe", "document", "list_of", "one", "page_of", "ranking", "summary_of"]
