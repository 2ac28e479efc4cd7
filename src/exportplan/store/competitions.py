"""Pitch competition rounds: every query of the ``competition_*`` tables.

Functions take the :class:`~exportplan.store.db.Store` (reads) or the caller's connection (writes,
and reads inside a write), so that a service makes each change one transaction. A round is a row of
``initiatives`` of kind "competition"; :func:`round_row` reads the few columns the competition
service needs (id, key, kind, name, budget_usd, rules) so that it does not depend on the
initiatives service's queries. Applications are addressed by their text ``key`` within a round and
companies by their pipeline key outside the store; the tables hold integer ids.

Nothing here checks points, weights, costs or fields: the service does (with
``analysis.competition`` and ``analysis.competition_awards``). Frames out have plain Python
values: text as ``str``, money and points as ``float`` (NaN for a missing cost).
"""
from __future__ import annotations

from typing import Iterable

import pandas as pd
from sqlalchemy import Connection, and_, delete, func, select, update

from . import schema as t
from .db import Store, read_frame, read_rows

_A = t.competition_applications.c
APPLICATION_COLUMNS = ("id", "application", "company", "name", "submitted_at", "cost_usd", "fields", "status")
CRITERION_COLUMNS = ("key", "label", "weight", "max_points")
JUDGE_COLUMNS = ("judge", "name", "email")
AWARD_COLUMNS = ("application", "rank", "score", "award_usd", "status", "decided_at", "decided_by")
RECEIPT_COLUMNS = ("id", "application", "receipt", "date", "amount", "description")






# ---- the round and the companies -----------------------------------------------------------------
def round_row(source: Store | Connection, key: str) -> dict | None:
    """The initiative ``key`` (id, key, kind, name, budget_usd, rules as JSON text), or None."""
    i = t.initiatives.c
    found = read_rows(source, select(i.id, i.key, i.kind, i.name, i.budget_usd, i.rules).where(i.key == key))
    return found[0] if found else None


def company_ids(conn: Connection, keys: Iterable[str]) -> dict[str, int]:
    """Pipeline key -> the company's integer id, for the keys that are stored."""
    keys = sorted(set(keys))
    if not keys:
        return {}
    c = t.companies.c
    return {k: int(i) for k, i in conn.execute(select(c.key, c.id).where(c.key.in_(keys))).all()}


# ---- rubric --------------------------------------------------------------------------------------
def criteria(source: Store | Connection, round_id: int) -> pd.DataFrame:
    """The rubric's criteria (key, label, weight, max_points) in their order."""
    c = t.competition_criteria.c
    query = (select(c.key, c.label, c.weight, c.max_points).where(c.initiative_id == round_id)
             .order_by(c.position, c.key))
    return read_frame(source, query, CRITERION_COLUMNS)


def replace_criteria(conn: Connection, round_id: int, rows: list[dict]) -> None:
    """Replace the round's rubric by ``rows`` (key, label, weight, max_points), kept in the given order."""
    table = t.competition_criteria
    conn.execute(delete(table).where(table.c.initiative_id == round_id))
    if rows:
        conn.execute(table.insert(), [dict(initiative_id=round_id, key=r["key"], label=r["label"],
                                           weight=float(r["weight"]), max_points=float(r["max_points"]),
                                           position=n) for n, r in enumerate(rows)])


def count_scores(conn: Connection, round_id: int) -> int:
    """How many points are stored for the round's applications."""
    s = t.competition_scores.c
    query = (select(func.count()).select_from(t.competition_scores.join(t.competition_applications,
                                                                         s.application_id == _A.id))
             .where(_A.initiative_id == round_id))
    return int(conn.execute(query).scalar_one())


# ---- judges --------------------------------------------------------------------------------------
def judges(source: Store | Connection, round_id: int) -> pd.DataFrame:
    """The round's judges (judge, name, email), by judge."""
    j = t.competition_judges.c
    query = select(j.judge, j.name, j.email).where(j.initiative_id == round_id).order_by(j.judge)
    return read_frame(source, query, JUDGE_COLUMNS)


def insert_judge(conn: Connection, round_id: int, judge: str, name: str, email: str) -> None:
    conn.execute(t.competition_judges.insert().values(initiative_id=round_id, judge=judge, name=name, email=email))


# ---- applications --------------------------------------------------------------------------------
def _application_query(round_id: int):
    c = t.companies.c
    return (select(_A.id, _A.key.label("application"), c.key.label("company"), c.name, _A.submitted_at,
                   _A.cost_usd, _A.fields, _A.status)
            .select_from(t.competition_applications.join(t.companies, _A.company_id == c.id))
            .where(_A.initiative_id == round_id))


def applications(source: Store | Connection, round_id: int) -> pd.DataFrame:
    """The round's applications (:data:`APPLICATION_COLUMNS`; ``fields`` is JSON text), by key."""
    frame = read_frame(source, _application_query(round_id).order_by(_A.key), APPLICATION_COLUMNS)
    frame["cost_usd"] = pd.to_numeric(frame["cost_usd"], errors="coerce").astype("float64")
    return frame


def application(source: Store | Connection, round_id: int, key: str) -> dict | None:
    """One application of the round by its key (:data:`APPLICATION_COLUMNS`), or None."""
    found = read_rows(source, _application_query(round_id).where(_A.key == key))
    return found[0] if found else None


def insert_application(conn: Connection, record: dict) -> int:
    """Add an application (initiative_id, key, company_id, submitted_at, cost_usd, fields, status); its id."""
    return int(conn.execute(t.competition_applications.insert().values(**record)).inserted_primary_key[0])


def set_application_status(conn: Connection, application_id: int, status: str) -> None:
    conn.execute(update(t.competition_applications).where(_A.id == application_id).values(status=status))


# ---- assignments, conflicts, scores ----------------------------------------------------------------
def _pairs_query(table, *columns):
    return (select(table.c.judge, _A.key.label("application"), *columns)
            .select_from(table.join(t.competition_applications, table.c.application_id == _A.id)))


def assignments(source: Store | Connection, round_id: int) -> pd.DataFrame:
    """(judge, application) of every assignment in the round."""
    table = t.competition_assignments
    query = _pairs_query(table).where(_A.initiative_id == round_id).order_by(table.c.judge, _A.key)
    return read_frame(source, query, ("judge", "application"))


def insert_assignments(conn: Connection, judge: str, application_ids: Iterable[int]) -> None:
    rows = [dict(application_id=i, judge=judge) for i in application_ids]
    if rows:
        conn.execute(t.competition_assignments.insert(), rows)


def conflicts(source: Store | Connection, round_id: int) -> pd.DataFrame:
    """(judge, application, reason, recorded_at, recorded_by) of every declared conflict in the round."""
    table = t.competition_conflicts
    query = (_pairs_query(table, table.c.reason, table.c.recorded_at, table.c.recorded_by)
             .where(_A.initiative_id == round_id).order_by(table.c.judge, _A.key))
    return read_frame(source, query, ("judge", "application", "reason", "recorded_at", "recorded_by"))


def insert_conflict(conn: Connection, application_id: int, judge: str, reason: str, at: str, user: str) -> None:
    conn.execute(t.competition_conflicts.insert().values(application_id=application_id, judge=judge, reason=reason,
                                                         recorded_at=at, recorded_by=user))


def scores(source: Store | Connection, round_id: int) -> pd.DataFrame:
    """(judge, application, criterion, points, scored_at) of every stored point in the round."""
    table = t.competition_scores
    query = (_pairs_query(table, table.c.criterion, table.c.points, table.c.scored_at)
             .where(_A.initiative_id == round_id).order_by(table.c.judge, _A.key, table.c.criterion))
    frame = read_frame(source, query, ("judge", "application", "criterion", "points", "scored_at"))
    frame["points"] = frame["points"].astype("float64")
    return frame


def set_points(conn: Connection, application_id: int, judge: str, points: dict[str, float], at: str) -> None:
    """Store a judge's points for some criteria of an application, replacing their earlier points for those."""
    table = t.competition_scores
    conn.execute(delete(table).where(and_(table.c.application_id == application_id, table.c.judge == judge,
                                          table.c.criterion.in_(list(points)))))
    conn.execute(table.insert(), [dict(application_id=application_id, judge=judge, criterion=k, points=float(v),
                                       scored_at=at) for k, v in points.items()])


# ---- awards and receipts -------------------------------------------------------------------------
def awards(source: Store | Connection, round_id: int) -> pd.DataFrame:
    """The decided awards (:data:`AWARD_COLUMNS`), in rank order."""
    table = t.competition_awards
    query = (select(_A.key.label("application"), table.c.rank, table.c.score, table.c.award_usd, table.c.status,
                    table.c.decided_at, table.c.decided_by)
             .select_from(table.join(t.competition_applications, table.c.application_id == _A.id))
             .where(_A.initiative_id == round_id).order_by(table.c.rank, _A.key))
    frame = read_frame(source, query, AWARD_COLUMNS)
    frame["award_usd"] = frame["award_usd"].astype("float64")
    frame["score"] = pd.to_numeric(frame["score"], errors="coerce").astype("float64")
    return frame


def replace_awards(conn: Connection, round_id: int, rows: list[dict]) -> None:
    """Replace the round's awards by ``rows`` (application_id, rank, score, award_usd, status, decided_at/by)."""
    table = t.competition_awards
    ids = select(_A.id).where(_A.initiative_id == round_id)
    conn.execute(delete(table).where(table.c.application_id.in_(ids)))
    if rows:
        conn.execute(table.insert(), rows)


def delete_award(conn: Connection, application_id: int) -> None:
    table = t.competition_awards
    conn.execute(delete(table).where(table.c.application_id == application_id))


def receipts(source: Store | Connection, round_id: int) -> pd.DataFrame:
    """The receipts claimed in the round (:data:`RECEIPT_COLUMNS`), by application, date and id."""
    table = t.competition_receipts
    query = (select(table.c.id, _A.key.label("application"), table.c.receipt, table.c.date,
                    table.c.amount_usd.label("amount"), table.c.description)
             .select_from(table.join(t.competition_applications, table.c.application_id == _A.id))
             .where(_A.initiative_id == round_id).order_by(_A.key, table.c.date, table.c.id))
    frame = read_frame(source, query, RECEIPT_COLUMNS)
    frame["amount"] = frame["amount"].astype("float64")
    return frame


def insert_receipt(conn: Connection, application_id: int, receipt: str, date: str, amount: float,
                   description: str) -> int:
    result = conn.execute(t.competition_receipts.insert().values(application_id=application_id, receipt=receipt,
                                                                 date=date, amount_usd=float(amount),
                                                                 description=description))
    return int(result.inserted_primary_key[0])
