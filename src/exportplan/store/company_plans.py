"""Company export plans: every query of ``company_plans``, ``company_plan_texts`` and ``company_plan_items``.

Functions take the :class:`~exportplan.store.db.Store` (reads) or the caller's connection
(writes, and reads inside a write), so that a service makes a unit of work one transaction.
Companies are addressed here by their integer id; the service resolves the pipeline key
(:func:`company_id`).

The plan record (status, coach, markets, cohort) and each section's text are saved with
optimistic locking, as the regional plan's texts are (:mod:`exportplan.store.plan`): the caller
names the version it read (0 for one never saved), and if another user saved since, nothing is
written and :class:`~exportplan.errors.ConflictError` says who saved and when. Items (actions and
metrics) are rows edited one at a time, without locking, listed in their ``position`` order.
Nothing here checks values: the service does.
"""
from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import Connection, and_, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from ..errors import ConflictError, ExportPlanError
from . import schema as t
from .db import Store, read_rows
from .pipeline import add_changes  # noqa: F401  (the audit log, shared with the pipeline)

#: The columns of a plan record (its initiative as the initiative's key, '' when none).
PLAN_COLUMNS = ("status", "coach", "markets", "initiative", "version", "updated_at", "updated_by")
#: The columns of a text record.
TEXT_COLUMNS = ("section", "text", "version", "updated_at", "updated_by")
#: The columns of an item, in the table's order (without company_id).
ITEM_COLUMNS = ("id", "kind", "position", "title", "owner", "due_date", "budget_usd", "target", "unit", "status",
                "note")
_P, _X, _I = t.company_plans.c, t.company_plan_texts.c, t.company_plan_items.c




# ---- keys ------------------------------------------------------------------------------------------
def company_id(store_or_conn: Store | Connection, key: str) -> int | None:
    """The integer id of the company with pipeline key ``key``; None when there is none."""
    rows = read_rows(store_or_conn, select(t.companies.c.id).where(t.companies.c.key == str(key)))
    return int(rows[0]["id"]) if rows else None


def initiative(store_or_conn: Store | Connection, key: str) -> dict | None:
    """The initiative ``key`` as id, key, kind and name; None when there is none."""
    c = t.initiatives.c
    rows = read_rows(store_or_conn, select(c.id, c.key, c.kind, c.name).where(c.key == str(key)))
    return dict(rows[0]) if rows else None


# ---- the plan record ------------------------------------------------------------------------------
def get_plan(store_or_conn: Store | Connection, cid: int) -> dict | None:
    """The plan record of company ``cid`` (:data:`PLAN_COLUMNS`); None when never saved."""
    query = (select(_P.status, _P.coach, _P.markets, func.coalesce(t.initiatives.c.key, "").label("initiative"),
                    _P.version, _P.updated_at, _P.updated_by)
             .select_from(t.company_plans.outerjoin(t.initiatives, t.initiatives.c.id == _P.initiative_id))
             .where(_P.company_id == int(cid)))
    rows = read_rows(store_or_conn, query)
    return dict(rows[0]) if rows else None


def save_plan(conn: Connection, cid: int, values: dict[str, Any], *, expected_version: int, at: str, user: str,
              what: str) -> int:
    """Save the plan record's ``values`` (status, coach, markets, initiative_id) if it is still at
    ``expected_version`` (0: never saved); returns the new version. ``what`` names the plan in messages."""
    expected = int(expected_version or 0)
    values = dict(values, updated_at=at, updated_by=user)
    if expected == 0:
        try:
            with conn.begin_nested():
                conn.execute(insert(t.company_plans).values(company_id=int(cid), version=1, **values))
            return 1
        except IntegrityError:
            raise _conflict(what, get_plan(conn, cid) or {}, expected) from None
    done = conn.execute(update(t.company_plans)
                        .where(and_(_P.company_id == int(cid), _P.version == expected))
                        .values(version=_P.version + 1, **values)).rowcount
    if not done:
        found = get_plan(conn, cid)
        if found is None:
            raise ExportPlanError(f"{what} has no saved record to update (you edited version {expected}); save it "
                                  "as new (version 0).")
        raise _conflict(what, found, expected)
    return expected + 1


# ---- texts ---------------------------------------------------------------------------------------
def get_text(store_or_conn: Store | Connection, cid: int, section: str) -> dict | None:
    """A section's text record (:data:`TEXT_COLUMNS`); None when never saved."""
    query = select(*[_X[c] for c in TEXT_COLUMNS]).where(and_(_X.company_id == int(cid), _X.section == section))
    rows = read_rows(store_or_conn, query)
    return dict(rows[0]) if rows else None


def list_texts(store: Store, cid: int) -> pd.DataFrame:
    """Every saved section text of company ``cid`` (:data:`TEXT_COLUMNS`), by section."""
    rows = read_rows(store, select(*[_X[c] for c in TEXT_COLUMNS]).where(_X.company_id == int(cid))
                 .order_by(_X.section))
    return pd.DataFrame([dict(r) for r in rows], columns=list(TEXT_COLUMNS))


def save_text(conn: Connection, cid: int, section: str, text: str, *, expected_version: int, at: str, user: str,
              what: str) -> int:
    """Save a section's text if it is still at ``expected_version`` (0: never saved); returns the new version.

    If another user saved the section since (or created it first), nothing is written and
    :class:`ConflictError` names who saved it, when, and its version now.
    """
    expected = int(expected_version or 0)
    values = dict(text=str(text), updated_at=at, updated_by=user)
    if expected == 0:
        try:
            with conn.begin_nested():
                conn.execute(insert(t.company_plan_texts).values(company_id=int(cid), section=section, version=1,
                                                                 **values))
            return 1
        except IntegrityError:
            raise _conflict(what, get_text(conn, cid, section) or {}, expected) from None
    done = conn.execute(update(t.company_plan_texts)
                        .where(and_(_X.company_id == int(cid), _X.section == section, _X.version == expected))
                        .values(version=_X.version + 1, **values)).rowcount
    if not done:
        found = get_text(conn, cid, section)
        if found is None:
            raise ExportPlanError(f"{what} has no saved text to update (you edited version {expected}); save it "
                                  "as a new text (version 0).")
        raise _conflict(what, found, expected)
    return expected + 1


def _conflict(what: str, found: dict, expected: int) -> ConflictError:
    who = found.get("updated_by") or "another user"
    when = found.get("updated_at") or "an unknown time"
    return ConflictError(
        f"{what} was saved by {who} at {when} after you read it (it is now version {found.get('version')}, you "
        f"edited version {expected}); nothing was saved. Reload it and make your change again.",
        changed_by=found.get("updated_by") or "", changed_at=found.get("updated_at") or "",
        version=found.get("version"))


# ---- items ---------------------------------------------------------------------------------------
def list_items(store: Store, cid: int, kind: str | None = None) -> pd.DataFrame:
    """The items of company ``cid`` (:data:`ITEM_COLUMNS`; of one ``kind`` when given), by position then id."""
    query = select(*[_I[c] for c in ITEM_COLUMNS]).where(_I.company_id == int(cid))
    if kind:
        query = query.where(_I.kind == kind)
    rows = read_rows(store, query.order_by(_I.position, _I.id))
    frame = pd.DataFrame([dict(r) for r in rows], columns=list(ITEM_COLUMNS))
    frame["id"] = frame["id"].astype("int64")
    frame["position"] = frame["position"].astype("int64")
    for column in ("budget_usd", "target"):
        frame[column] = frame[column].astype("float64")
    return frame


def get_item(conn: Connection, cid: int, item_id: int) -> dict | None:
    """One item of company ``cid``; None when it has no item ``item_id``."""
    rows = read_rows(conn, select(*[_I[c] for c in ITEM_COLUMNS])
                 .where(and_(_I.company_id == int(cid), _I.id == int(item_id))))
    return dict(rows[0]) if rows else None


def add_item(conn: Connection, cid: int, record: dict[str, Any]) -> int:
    """Add an item after the company's others (its position is one more than theirs); returns its id."""
    last = conn.execute(select(func.max(_I.position)).where(_I.company_id == int(cid))).scalar()
    position = (int(last) + 1) if last is not None else 1
    result = conn.execute(insert(t.company_plan_items).values(company_id=int(cid), position=position, **record))
    return int(result.inserted_primary_key[0])


def update_item(conn: Connection, cid: int, item_id: int, values: dict[str, Any]) -> bool:
    """Change an item's fields; False when company ``cid`` has no item ``item_id``."""
    return bool(conn.execute(update(t.company_plan_items)
                             .where(and_(_I.company_id == int(cid), _I.id == int(item_id)))
                             .values(**values)).rowcount)


def delete_item(conn: Connection, cid: int, item_id: int) -> bool:
    """Delete an item; False when company ``cid`` has no item ``item_id``."""
    return bool(conn.execute(delete(t.company_plan_items)
                             .where(and_(_I.company_id == int(cid), _I.id == int(item_id)))).rowcount)


def plan_statuses(store: Store) -> pd.DataFrame:
    """company (key) and status of every saved company plan, with its initiative's key ('' when none)."""
    c = t.companies.c
    query = (select(c.key.label("company"), _P.status, func.coalesce(t.initiatives.c.key, "").label("initiative"))
             .select_from(t.company_plans.join(t.companies, c.id == _P.company_id)
                          .outerjoin(t.initiatives, t.initiatives.c.id == _P.initiative_id))
             .order_by(c.key))
    return pd.DataFrame([dict(r) for r in read_rows(store, query)], columns=["company", "status", "initiative"])


__all__ = ["ITEM_COLUMNS", "PLAN_COLUMNS", "TEXT_COLUMNS", "add_changes", "add_item", "company_id", "delete_item",
           "get_item", "get_plan", "get_text", "initiative", "list_items", "list_texts", "plan_statuses",
           "save_plan", "save_text", "update_item"]
