"""The version of the stored data: a number that changes with every change, read in one look-up.

Every transaction that changes the workspace's data (``Store.transaction``:
imports, downloads, companies entered or edited, plan texts, programs,
accounts ...) raises the one-row counter ``data_changes`` as its last
statement, in the same transaction, so that the new version is seen exactly
when the change is. Bookkeeping that no page or ranking shows (web sessions,
rate-limit counters) leaves it alone. Reading it is one primary-key look-up,
so the rankings' input cache (:mod:`exportplan.ws.ranking_cache`) and the
web app's page cache (:mod:`exportplan.web.views`) check it on every call,
in every worker process.

Changes made to the database by other programs than exportplan are not
counted: change the data through exportplan (or restart the web app).
"""
from __future__ import annotations

from sqlalchemy import select

from . import schema as t
from .db import Store

_QUERY = select(t.data_changes.c.counter).where(t.data_changes.c.id == 1)


def data_version(store: Store) -> int:
    """The data's change counter: equal only while nothing has changed."""
    with store.engine.connect() as conn:
        return int(conn.execute(_QUERY).scalar_one())


__all__ = ["data_version"]
