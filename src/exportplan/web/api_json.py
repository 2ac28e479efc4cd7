"""The JSON API's plumbing: how an API route is declared, how its input is read and checked, and how its
answers and errors are written (docs/api.md).

An API route is declared with :func:`operation`, which builds the route through the registry
(:func:`exportplan.web.routes.page`, so the security checks of every route apply: token or session,
the route's access, CSRF for a browser's state-changing request) and keeps its description on
``route.api`` (an :class:`Operation`): the query parameters, the JSON schema of the request body
and of the answer. The endpoint gets its query and body already checked against that description
and the OpenAPI document (:mod:`exportplan.web.api_openapi`) is written from the same objects,
so what the API accepts and what it documents cannot drift apart.

Answers: ``{"data": ..., "meta": {...}}``; a table's ``meta`` is its ``attrs["exportplan"]``
(title, sources with their vintage, notes). Dates are ISO text, NaN and missing values ``null``.
Errors: ``{"error": message, "problems": [{"field"?, "problem"}...], "status": code}`` with 400 (a
bad query or a refused read), 404, 409 (someone else saved first), 415 (the body is not JSON) or
422 (the body's values were refused; an :class:`~exportplan.errors.ExportPlanError`'s message is
passed through as ``error``).
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import decimal
import json
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np
import pandas as pd
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..errors import ConflictError, ExportPlanError, ImportFailed
from .routes import STATE_CHANGING, page

#: Where every route of this version of the API lives.
PREFIX = "/api/v1"
#: The largest JSON body an API request may send (bytes).
MAX_JSON = 1024 * 1024


class ApiError(Exception):
    """A refused API request: answered as ``{"error": message, "problems": [...], "status": status}``."""

    def __init__(self, status: int, message: str, problems: Sequence[dict] = (), **extra: Any):
        super().__init__(message)
        self.status, self.message, self.problems, self.extra = status, message, list(problems), extra


# ---- values to JSON ---------------------------------------------------------------------------------
def jsonable(value: Any) -> Any:
    """``value`` as plain JSON values: NaN, NaT and pd.NA become None, numpy scalars Python numbers, dates and
    times ISO text, data classes (a :class:`~exportplan.citation.SourceRef`) dicts, tables lists of records."""
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, (int, np.integer)) and not isinstance(value, np.bool_):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, (float, np.floating, decimal.Decimal)):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, pd.DataFrame):
        return records(value)
    if isinstance(value, (list, tuple, set, frozenset, pd.Series, np.ndarray)):
        return [jsonable(v) for v in (sorted(value, key=str) if isinstance(value, (set, frozenset)) else value)]
    if isinstance(value, (pd.Timestamp, _dt.datetime, _dt.date, _dt.time)):
        return None if pd.isna(value) else value.isoformat()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return jsonable(dataclasses.asdict(value))
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


def records(frame: pd.DataFrame) -> list[dict]:
    """The rows of a table as JSON objects (column -> value, in the table's column order)."""
    columns = [str(c) for c in frame.columns]
    return [{c: jsonable(v) for c, v in zip(columns, row)} for row in frame.itertuples(index=False, name=None)]


def meta_of(frame_or_meta: Any) -> dict:
    """A table's metadata (its ``attrs["exportplan"]``: title, region, sources with vintage, notes) as JSON."""
    meta = frame_or_meta.attrs.get("exportplan", {}) if isinstance(frame_or_meta, pd.DataFrame) else frame_or_meta
    return jsonable(dict(meta or {}))


def answer(data: Any, *, meta: Any = None, status: int = 200, headers: dict | None = None, **extra: Any) -> Response:
    """A successful answer: ``{"data": data, **extra, "meta": meta}`` (``meta`` a table or its metadata)."""
    body = {"data": jsonable(data), **{k: jsonable(v) for k, v in extra.items()}}
    if meta is not None:
        body["meta"] = meta_of(meta)
    return JSONResponse(body, status_code=status, headers=headers)


def error(status: int, message: str, problems: Sequence[dict] = (), **extra: Any) -> Response:
    """An error answer: ``{"error": message, "problems": [...], "status": status, **extra}``."""
    body = {"error": message, "problems": jsonable(list(problems)), "status": status,
            **{k: jsonable(v) for k, v in extra.items()}}
    return JSONResponse(body, status_code=status, headers={"WWW-Authenticate": "Bearer"} if status == 401 else None)


# ---- the description of an operation ------------------------------------------------------------------
@dataclass(frozen=True)
class Param:
    """A query parameter: its JSON ``type`` (string, integer, number, boolean), a description, and the values
    it may take (``enum``, ``minimum``/``maximum``); ``many`` accepts it repeated or comma-separated."""

    name: str
    type: str = "string"
    description: str = ""
    enum: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    default: Any = None
    many: bool = False

    def schema(self) -> dict:
        item: dict = {"type": self.type}
        if self.enum:
            item["enum"] = list(self.enum)
        if self.minimum is not None:
            item["minimum"] = self.minimum
        if self.maximum is not None:
            item["maximum"] = self.maximum
        if self.default is not None:
            item["default"] = self.default
        return {"type": "array", "items": item} if self.many else item


@dataclass(frozen=True)
class Operation:
    """What an API route takes and gives: the OpenAPI document is written from these.

    ``query``: its :class:`Param` list; ``path``: path parameter -> description; ``body``: the JSON
    schema of the request body (None: no body); ``response``: the JSON schema of a successful answer
    (``status``); ``errors``: the error statuses it may answer besides 401 and 403; ``tag``: its group.
    """

    tag: str
    response: dict
    status: int = 200
    query: tuple[Param, ...] = ()
    path: dict = field(default_factory=dict)
    body: dict | None = None
    errors: tuple[int, ...] = ()


def operation(path: str, endpoint: Callable, *, access: str, method: str = "GET", op: Operation) -> Any:
    """An API route: ``endpoint(request, query, body)`` (sync, run in the thread pool) behind the registry's
    security checks, with its query parameters and JSON body checked against ``op`` first. The endpoint
    returns a Response (:func:`answer`) or raises :class:`ApiError` / ExportPlanError."""
    method = method.upper()

    async def run(request: Request) -> Response:
        try:
            query = read_query(request, op.query)
            body = await read_body(request, op.body) if op.body is not None else None
            return await run_in_threadpool(endpoint, request, query, body)
        except ApiError as exc:
            return error(exc.status, exc.message, exc.problems, **exc.extra)
        except ConflictError as exc:
            return error(409, str(exc), [{"problem": "changed by someone else since it was read"}],
                         changed_by=exc.changed_by, changed_at=exc.changed_at, version=exc.version)
        except ImportFailed as exc:
            return error(422, str(exc), exc.table.to_records())
        except ExportPlanError as exc:
            return error(422 if method in STATE_CHANGING else 400, str(exc))

    run.__name__ = endpoint.__name__
    run.__doc__ = endpoint.__doc__
    route = page(path, run, access=access, methods=(method,), name=f"api_{endpoint.__name__}")
    route.api = op
    return route


# ---- reading a request ---------------------------------------------------------------------------------
def read_query(request: Request, params: Sequence[Param]) -> dict:
    """The query parameters ``params`` describe, converted to their types (defaults for the missing ones); an
    unknown parameter or a bad value is a 400 that lists every problem."""
    known = {p.name for p in params}
    problems = [{"field": name, "problem": f"unknown query parameter; this request takes "
                                          f"{', '.join(sorted(known)) or 'none'}"}
                for name in dict.fromkeys(request.query_params.keys()) if name not in known]
    out: dict[str, Any] = {}
    for param in params:
        given = request.query_params.getlist(param.name)
        if param.many:
            values = [v.strip() for text in given for v in text.split(",") if v.strip()]
        else:
            values = [given[-1].strip()] if given and given[-1].strip() else []
        converted = []
        for value in values:
            try:
                converted.append(_convert(param, value))
            except ValueError as exc:
                problems.append({"field": param.name, "problem": str(exc), "value": value})
        out[param.name] = converted if param.many else (converted[0] if converted else param.default)
    if problems:
        raise ApiError(400, "The request's query parameters are not right: "
                            + "; ".join(f"{p['field']}: {p['problem']}" for p in problems) + ".", problems)
    return out


def _convert(param: Param, value: str) -> Any:
    if param.type == "integer":
        try:
            number: Any = int(value)
        except ValueError:
            raise ValueError("must be a whole number") from None
    elif param.type == "number":
        try:
            number = float(value)
        except ValueError:
            raise ValueError("must be a number") from None
        if not math.isfinite(number):
            raise ValueError("must be a finite number")
    elif param.type == "boolean":
        if value.lower() not in ("true", "false", "1", "0", "yes", "no"):
            raise ValueError("must be true or false")
        return value.lower() in ("true", "1", "yes")
    else:
        if param.enum and value not in param.enum:
            raise ValueError(f"must be one of {', '.join(param.enum)}")
        if len(value) > 500:
            raise ValueError("is too long (500 characters at most)")
        return value
    if param.minimum is not None and number < param.minimum or param.maximum is not None and number > param.maximum:
        raise ValueError(f"must be between {param.minimum:g} and {param.maximum:g}")
    return number


async def read_body(request: Request, schema: dict) -> dict:
    """The request's JSON object, checked against ``schema`` (415 when it is not JSON, 400 when it does not
    parse, 422 listing every field that does not fit)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/json":
        raise ApiError(415, "Send the request body as JSON, with the header Content-Type: application/json.")
    raw = await request.body()
    if len(raw) > MAX_JSON:
        raise ApiError(413, f"The JSON body is larger than {MAX_JSON // 1024} KiB.")
    try:
        body = json.loads(raw or b"null")
    except ValueError as exc:
        raise ApiError(400, f"The request body is not valid JSON ({exc}).") from None
    problems = validate(body, schema)
    if problems:
        raise ApiError(422, "The request body does not fit: " + "; ".join(
            f"{p['field']}: {p['problem']}" if p.get("field") else p["problem"] for p in problems) + ".", problems)
    return body


# ---- JSON schema (the subset the API's schemas use) ------------------------------------------------------
_TYPES = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}


def _is(value: Any, kind: str) -> bool:
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    return isinstance(value, _TYPES[kind])


def validate(value: Any, schema: dict, where: str = "", components: dict | None = None) -> list[dict]:
    """Problems of ``value`` against a JSON schema (type, enum, required, properties, additionalProperties,
    items, minimum, maxLength, ``$ref`` into ``components``): a list of ``{"field", "problem"}``, empty when it
    fits. Used on every request body, and by the tests on every answer."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if components is None:
            from .api_openapi import SCHEMAS as components
        return validate(value, components[name], where, components)
    label = where or "body"
    kinds = schema.get("type")
    if kinds is not None:
        kinds = [kinds] if isinstance(kinds, str) else list(kinds)
        if not any(_is(value, k) for k in kinds):
            return [{"field": where, "problem": f"{label} must be {' or '.join(kinds)}, not "
                                                f"{type(value).__name__ if value is not None else 'null'}"}]
    if "enum" in schema and value not in schema["enum"]:
        return [{"field": where, "problem": f"{label} must be one of {', '.join(map(str, schema['enum']))}"}]
    problems: list[dict] = []
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for name in schema.get("required", ()):
            if name not in value:
                problems.append({"field": _join(where, name), "problem": "is required"})
        extra = schema.get("additionalProperties", True)
        for name, item in value.items():
            if name in props:
                problems += validate(item, props[name], _join(where, name), components)
            elif extra is False:
                problems.append({"field": _join(where, name),
                                 "problem": f"is not a field here; use {', '.join(props) or 'none'}"})
            elif isinstance(extra, dict):
                problems += validate(item, extra, _join(where, name), components)
    elif isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            problems += validate(item, schema["items"], f"{where}[{i}]", components)
    elif isinstance(value, str) and "maxLength" in schema and len(value) > schema["maxLength"]:
        problems.append({"field": where, "problem": f"is longer than {schema['maxLength']} characters"})
    elif _is(value, "number") and "minimum" in schema and value < schema["minimum"]:
        problems.append({"field": where, "problem": f"must be at least {schema['minimum']}"})
    return problems


def _join(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


__all__ = ["PREFIX", "ApiError", "Operation", "Param", "answer", "error", "jsonable", "meta_of", "operation",
           "read_body", "read_query", "records", "validate"]
