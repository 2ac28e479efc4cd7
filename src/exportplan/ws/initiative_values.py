"""Checks of the values ``ws.initiatives`` is given, and the texts it builds from them.

Each check returns the stored value (dates ``YYYY-MM-DD``, countries ISO3, lists ';'-joined,
rules as JSON text) or raises :class:`~exportplan.errors.ExportPlanError` with a message that
says what to fix; :func:`values` checks a whole program run and reports every problem at once.
"""
from __future__ import annotations

import datetime as _dt
import json
import math
import re
from typing import Any, Iterable, Mapping

import pandas as pd

from ..analysis import attribution as attr
from ..analysis.initiative_terms import KINDS, REFERRAL_PREFIX, STATUSES
from ..analysis.pipeline_bundle import join_list, split_list
from ..errors import ConflictError, ExportPlanError
from . import pipeline_values as check

_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,59}$")
#: The money fields of a run.
MONEY = ("cost_usd", "grants_usd", "budget_usd")


# ---- checks of the values given ------------------------------------------------------------------
def key(value: Any) -> str:
    key = check.text(value)
    if not _KEY.match(key):
        raise ExportPlanError(f"The key {value!r} must be 1 to 60 letters, digits, '-' or '_', starting with a "
                              "letter or digit, e.g. 'exportech-2026'.")
    if key.lower() == attr.TOTAL_KEY:
        raise ExportPlanError(f"The key {key!r} is the program report's totals row; give another key.")
    return key


def date(value: Any, what: str) -> str:
    """A date YYYY-MM-DD (a date object is accepted); past or future."""
    if isinstance(value, _dt.datetime):
        value = value.date()
    if isinstance(value, _dt.date):
        return value.isoformat()
    text = check.text(value)
    try:
        if len(text) != 10:
            raise ValueError
        return _dt.date.fromisoformat(text).isoformat()
    except ValueError:
        raise ExportPlanError(f"{what} {value!r} is not a date; write it as YYYY-MM-DD, e.g. 2027-03-08.") from None


def text_date(value: Any) -> str:
    if isinstance(value, (_dt.date, _dt.datetime)):
        return date(value, "date")
    return check.text(value)


def whole(value: Any, what: str) -> int:
    try:
        number = float(str(value).strip())
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or number != int(number) or number < 1:
        raise ExportPlanError(f"{what} {value!r} is not an id (a whole number, e.g. 12).")
    return int(number)


def companies(value: Iterable[str] | str) -> list[str]:
    names = split_list(value) if isinstance(value, str) else [check.text(v) for v in value]
    return list(dict.fromkeys(n for n in names if n))


def rules(value: Any) -> str:
    if not isinstance(value, Mapping) and check.blank(value):
        return "{}"
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise ExportPlanError(f"rules is not JSON ({exc.msg}); give an object, e.g. "
                                  '{"cost_share": {"cap": 5000}}.') from None
    if not isinstance(value, Mapping):
        raise ExportPlanError("rules must be a mapping (a JSON object), e.g. {\"cost_share\": {\"cap\": 5000}}.")
    try:
        return json.dumps(dict(value), sort_keys=True)
    except (TypeError, ValueError) as exc:
        raise ExportPlanError(f"rules cannot be stored as JSON ({exc}); use numbers, text, lists and "
                              "mappings only.") from None


def values(fields: dict) -> dict:
    """The stored values of a run's fields; every problem at once in one ExportPlanError."""
    problems, out = [], {}

    def attempt(field: str, make) -> None:
        try:
            out[field] = make(fields.get(field))
        except ExportPlanError as exc:
            problems.append(str(exc).rstrip("."))

    attempt("kind", lambda v: check.choice(v, KINDS, "kind"))
    attempt("name", lambda v: check.text(v) or fail("a program run needs a name, e.g. 'ExporTech 2026 spring'"))
    attempt("status", lambda v: check.choice(v or "planned", STATUSES, "status"))
    for field in ("start_date", "end_date"):
        attempt(field, lambda v, f=field: date(v, f) if not check.blank(v) else "")
    attempt("iso3", lambda v: check.country(v, "iso3"))
    attempt("sector", lambda v: join_list(split_list(v)))
    attempt("partners", lambda v: join_list(split_list(v) if isinstance(v, str) or v is None
                                            else [check.text(p) for p in v]))
    for field in MONEY:
        attempt(field, lambda v, f=field: check.money(v, f))
    attempt("rules", rules)
    for field in ("city", "grant_source", "note"):
        attempt(field, check.text)
    if out.get("start_date") and out.get("end_date") and out["end_date"] < out["start_date"]:
        problems.append(f"end_date {out['end_date']} is before start_date {out['start_date']}; give a last day on "
                        "or after the first")
    if out.get("end_date") and not out.get("start_date") and "start_date" in out:
        problems.append("an end date needs a start date")
    if problems:
        raise ExportPlanError("Cannot save the program run: " + "; ".join(problems) + ".")
    return out


def fail(message: str):
    raise ExportPlanError(message)


def stored_input(field: str, value: Any) -> Any:
    """A stored value as :func:`_values` takes it (rules parsed)."""
    return json.loads(value or "{}") if field == "rules" else value


def destination(referral: dict) -> tuple[str, str]:
    """A referral's program-report key (``referral:<program key, else provider>``) and its destination in words."""
    key = check.text(referral.get("referral_program_key", referral.get("program_key")))
    provider = check.text(referral.get("referral_provider", referral.get("provider")))
    program = check.text(referral.get("referral_program", referral.get("program")))
    where = (key or provider).replace(";", ",")
    label = program or provider or key
    return f"{REFERRAL_PREFIX}{where}", label


def conflict(row: dict, expected: int) -> ConflictError:
    who = row.get("updated_by") or "another user"
    return ConflictError(
        f"Program run {row['key']!r} was changed by {who} at {row.get('updated_at') or 'an unknown time'} after you "
        f"read it (it is now version {row['version']}, you edited version {expected}); nothing was saved. Reload it "
        "and make your change again.", changed_by=row.get("updated_by") or "", changed_at=row.get("updated_at") or "",
        version=row["version"])


def duplicate_message(values: dict, duplicates: pd.DataFrame) -> str:
    when = values["start_date"] + (f" to {values['end_date']}" if values["end_date"] else "")
    lines = [f"The mission {values['name']!r} to {values['iso3']} ({values['sector'] or 'all sectors'}, {when}) "
             f"duplicates {len(duplicates)} existing state or federal mission(s) of the program inventory:"]
    for row in duplicates.to_dict("records"):
        apart = (f"sharing {row['overlap_days']} day(s)" if row["overlap_days"]
                 else f"{row['days_apart']} day(s) apart")
        lines.append(f"  - '{row['event']}' ({row['event_id']}) of {row['program']}, run by {row['provider']} "
                     f"({row['level']}), {row['start_date']} to {row['end_date']}: {apart}.")
    lines.append("Choose another market, sector or dates, join the existing mission instead, or add it anyway with "
                 "--force (force=True).")
    return "\n".join(lines)
