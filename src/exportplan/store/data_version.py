"""The version of the stored data the rankings read: a cheap fingerprint that changes with every change.

Every import and download writes a provenance record in the transaction
that stores its rows (a new id, its time, checksum and row count); an
import that replaces rows prunes the records nothing refers to any more, so
the set of records changes too. Companies entered or edited in exportplan
write no new record: an edit raises the company's ``version``, an addition
or a merge changes the count and the largest id. :func:`data_version`
reads both in two small queries, so that a cache of the rankings' inputs
(:mod:`exportplan.ws.ranking_cache`) can check it on every call.
"""
from __future__ import annotations

from sqlalchemy import func, select

from . import schema as t
from .db import Store

_P, _C = t.provenance.c, t.companies.c


def data_version(store: Store) -> tuple:
    """A fingerprint of the provenance records and the companies; equal only while neither has changed."""
    records = select(_P.id, _P.kind, _P.imported_at, _P.sha256, _P.rows, _P.source, _P.publisher, _P.dataset,
                     _P.vintage).order_by(_P.id)
    companies = select(func.count(), func.max(_C.id), func.sum(_C.version), func.max(_C.updated_at))
    with store.engine.connect() as conn:
        prov = tuple(tuple(row) for row in conn.execute(records))
        comp = tuple(conn.execute(companies).one())
    return prov, comp


__all__ = ["data_version"]
