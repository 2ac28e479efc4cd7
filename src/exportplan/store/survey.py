"""The public survey's responses (``survey_responses``, migration 0010): every query of that table.

Functions take the :class:`~exportplan.store.db.Store` (reads) or the caller's connection (writes, and
reads inside a write), so that ``ws.survey`` makes each step one transaction. Nothing here checks
answers: :mod:`exportplan.analysis.survey_form` does. :func:`claim` moves a response out of one status
with a single conditional ``UPDATE``, so that two staff reviewing the same response at once cannot both
accept it.
"""
from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import Connection, and_, insert, select, update

from . import schema as t
from .db import Store, read_frame, read_one

_R = t.survey_responses.c
#: The columns of a response as lists show them (``company_id`` is the accepted company's key).
RESPONSE_COLUMNS = ("id", "submitted_at", "company_name", "status", "reviewed_at", "reviewed_by", "company_id")


def _query():
    return (select(*[t.companies.c.key.label("company_id") if c == "company_id" else _R[c]
                     for c in RESPONSE_COLUMNS], _R.answers)
            .select_from(t.survey_responses.outerjoin(t.companies, t.companies.c.id == _R.company_id)))


def insert_response(conn: Connection, record: dict[str, Any]) -> int:
    """Store a response (submitted_at, company_name, answers as JSON text, status); returns its id."""
    return int(conn.execute(insert(t.survey_responses).values(**record)).inserted_primary_key[0])


def get_response(store_or_conn: Store | Connection, response_id: int) -> dict | None:
    """One response with its answers (JSON text) and the accepted company's key; None when there is none."""
    return read_one(store_or_conn, _query().where(_R.id == int(response_id)))


def list_responses(store: Store, status: str | None = None) -> pd.DataFrame:
    """Responses (:data:`RESPONSE_COLUMNS`, without their answers), oldest first; of one status if given."""
    query = _query().order_by(_R.id)
    if status is not None:
        query = query.where(_R.status == status)
    return read_frame(store, query, RESPONSE_COLUMNS)


def claim(conn: Connection, response_id: int, from_status: str, **values: Any) -> bool:
    """Set ``values`` (status, reviewed_at, reviewed_by ...) on a response that is still in ``from_status``;
    False when it is not (another reviewer was first, or there is no such response)."""
    stmt = (update(t.survey_responses).where(and_(_R.id == int(response_id), _R.status == from_status))
            .values(**values))
    return bool(conn.execute(stmt).rowcount)


def update_response(conn: Connection, response_id: int, **values: Any) -> int:
    """Change a response's review fields; returns the number of rows changed."""
    return conn.execute(update(t.survey_responses).where(_R.id == int(response_id)).values(**values)).rowcount or 0


def company_row_id(conn: Connection, key: str) -> int | None:
    """A company's id from its key (to link an accepted response); None when there is no such company."""
    return conn.execute(select(t.companies.c.id).where(t.companies.c.key == key)).scalar_one_or_none()
