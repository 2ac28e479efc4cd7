"""The export plan's staff text and goals: every query of ``plan_texts`` and ``plan_goals``.

Functions take the :class:`~exportplan.store.db.Store` (reads) or the caller's connection
(writes, and reads inside a write), so that a service makes a unit of work one transaction.

A section's text is saved with optimistic locking, as companies are: the caller names the
version it read (0 for a section never saved), and if another user saved since, nothing is
written and :class:`~exportplan.errors.ConflictError` says who saved and when. Goals are
upserted by key (no locking: a goal is a few fields that staff edit in one table) and listed
in their ``position`` order. Nothing here checks the KPIs or values: the service does
(``analysis.plan_goals.check_goals``).
"""
from __future__ import annotations

import math
from typing import Any, Iterable

import pandas as pd
from sqlalchemy import Connection, and_, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from ..errors import ConflictError, ExportPlanError
from . import schema as t
from .db import Store, read_frame, read_one

#: The columns of a text record.
TEXT_COLUMNS = ("section", "text", "version", "updated_at", "updated_by")
#: The columns of a goal, in the table's order.
GOAL_COLUMNS = tuple(t.plan_goals.c.keys())
_GOAL_VALUES = tuple(c for c in GOAL_COLUMNS if c not in ("key", "updated_at", "updated_by"))
_T, _G = t.plan_texts.c, t.plan_goals.c




# ---- texts ---------------------------------------------------------------------------------------
def get_text(store_or_conn: Store | Connection, section: str) -> dict | None:
    """A section's text record (section, text, version, updated_at, updated_by); None when never saved."""
    return read_one(store_or_conn, select(*[_T[c] for c in TEXT_COLUMNS]).where(_T.section == section))


def list_texts(store: Store) -> pd.DataFrame:
    """Every saved section text (:data:`TEXT_COLUMNS`), ordered by section."""
    with store.engine.connect() as conn:
        return read_frame(conn, select(*[_T[c] for c in TEXT_COLUMNS]).order_by(_T.section), TEXT_COLUMNS)


def save_text(conn: Connection, section: str, text: str, *, expected_version: int, at: str, user: str) -> int:
    """Save a section's text if it is still at ``expected_version`` (0: never saved); returns the new version.

    If another user saved the section since (or created it first), nothing is written and
    :class:`ConflictError` names who saved it, when, and its version now.
    """
    section = str(section).strip()
    if not section:
        raise ExportPlanError("A plan text needs its section's key (e.g. 'vision').")
    expected = int(expected_version or 0)
    values = dict(text=str(text), updated_at=at, updated_by=user)
    if expected == 0:
        try:
            with conn.begin_nested():
                conn.execute(insert(t.plan_texts).values(section=section, version=1, **values))
            return 1
        except IntegrityError:
            raise _conflict(get_text(conn, section) or {"section": section, "version": None}, expected) from None
    done = conn.execute(update(t.plan_texts).where(and_(_T.section == section, _T.version == expected))
                        .values(version=_T.version + 1, **values)).rowcount
    if not done:
        found = get_text(conn, section)
        if found is None:
            raise ExportPlanError(f"The plan section {section!r} has no saved text to update (you edited version "
                                  f"{expected}); save it as a new text (version 0).")
        raise _conflict(found, expected)
    return expected + 1


def _conflict(found: dict, expected: int) -> ConflictError:
    who = found.get("updated_by") or "another user"
    when = found.get("updated_at") or "an unknown time"
    return ConflictError(
        f"The plan section {found['section']!r} was saved by {who} at {when} after you read it (it is now version "
        f"{found.get('version')}, you edited version {expected}); nothing was saved. Reload the text and make "
        "your change again.",
        changed_by=found.get("updated_by") or "", changed_at=found.get("updated_at") or "",
        version=found.get("version"))


# ---- goals ---------------------------------------------------------------------------------------
def list_goals(store: Store) -> pd.DataFrame:
    """Every goal (:data:`GOAL_COLUMNS`), ordered by position, then key."""
    with store.engine.connect() as conn:
        frame = read_frame(conn, select(*[_G[c] for c in GOAL_COLUMNS]).order_by(_G.position, _G.key), GOAL_COLUMNS)
    for column in ("baseline", "target"):
        frame[column] = frame[column].astype("float64")
    frame["target_year"] = frame["target_year"].astype("Int64")
    frame["position"] = frame["position"].astype("int64")
    return frame


def _value(value: Any) -> Any:
    """A cell as the table takes it: None for a missing number, plain int/float/str otherwise."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def upsert_goals(conn: Connection, goals: pd.DataFrame | Iterable[dict], *, at: str, user: str) -> int:
    """Insert or update goals by key (the given columns of :data:`GOAL_COLUMNS`); returns how many rows."""
    records = goals.to_dict("records") if isinstance(goals, pd.DataFrame) else list(goals)
    written = 0
    for rec in records:
        key = str(_value(rec.get("key")) or "").strip()
        if not key:
            raise ExportPlanError("A goal needs a key; give each goal a short key such as 'exporters'.")
        values = {c: _value(rec[c]) for c in _GOAL_VALUES if c in rec}
        for column in ("title", "unit", "baseline_date", "note"):
            if column in values and values[column] is None:
                values[column] = ""
        values.update(updated_at=at, updated_by=user)
        if not conn.execute(update(t.plan_goals).where(_G.key == key).values(**values)).rowcount:
            if not values.get("kpi"):
                raise ExportPlanError(f"The new goal {key!r} needs its KPI (kpi).")
            conn.execute(insert(t.plan_goals).values(key=key, **values))
        written += 1
    return written


def delete_goal(conn: Connection, key: str) -> bool:
    """Delete the goal ``key``; False when there was none."""
    return bool(conn.execute(delete(t.plan_goals).where(_G.key == key)).rowcount)


__all__ = ["GOAL_COLUMNS", "TEXT_COLUMNS", "delete_goal", "get_text", "list_goals", "list_texts", "save_text",
           "upsert_goals"]
