"""Published regional export figures (the Brookings Export Monitor): every query of the export profile.

The rows of one (source, scope), e.g. (brookings, county), are replaced as a
whole by an import, on the caller's connection inside its one transaction.
When the stored rows and their file's checksum are the same as the new ones,
nothing is written (a re-import of the same file changes nothing, not even
the provenance record).
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Connection, and_, delete, select

from . import schema as t
from .db import Store

#: The stored columns an import gives, besides source, scope and provenance_id.
ROW_COLUMNS = ("area_code", "area_name", "year", "exports_usd", "exports_real_usd", "pct_gdp")
READ_COLUMNS = ["source", "scope", "area_code", "area_name", "year", "exports_usd", "exports_real_usd", "pct_gdp",
                "provenance_id"]


@dataclass
class Replaced:
    """What :func:`replace_rows` did: rows written, rows removed, and whether nothing changed."""

    rows: int
    replaced: int
    unchanged: bool = False
    provenance_id: int | None = None


def _key(record: dict) -> tuple:
    return tuple(None if record[c] is None else record[c] for c in ROW_COLUMNS)


def replace_rows(store: Store, conn: Connection, source: str, scope: str, records: list[dict],
                 provenance: dict) -> Replaced:
    """Replace the stored rows of (``source``, ``scope``) by ``records`` (dicts of :data:`ROW_COLUMNS`).

    ``provenance``: the fields of the provenance record (``kind`` included).
    Runs on ``conn``, the caller's transaction. Writes nothing when the same
    rows from a file with the same checksum are stored already.
    """
    table, prov = t.regional_exports, t.provenance
    where = and_(table.c.source == source, table.c.scope == scope)
    stored = conn.execute(select(*[table.c[c] for c in ROW_COLUMNS], prov.c.sha256, table.c.provenance_id)
                          .join(prov, prov.c.id == table.c.provenance_id).where(where)).all()
    sha = str(provenance.get("sha256") or "")
    if stored and sha and all(row[-2] == sha for row in stored):
        old = sorted((tuple(row[:-2]) for row in stored), key=repr)
        new = sorted((_key(r) for r in records), key=repr)
        if old == new:
            return Replaced(rows=0, replaced=0, unchanged=True, provenance_id=int(stored[0][-1]))
    replaced = conn.execute(delete(table).where(where)).rowcount or 0
    pid = store.add_provenance(conn, **provenance)
    rows = store.insert(conn, table, [dict({c: r[c] for c in ROW_COLUMNS}, source=source, scope=scope,
                                           provenance_id=pid) for r in records])
    return Replaced(rows=rows, replaced=replaced, provenance_id=pid)


def rows(store: Store, source: str | None = None, scope: str | None = None) -> pd.DataFrame:
    """The stored rows (of one source and scope when given), ordered by source, scope, area and year."""
    table = t.regional_exports
    query = select(*[table.c[c] for c in READ_COLUMNS])
    if source is not None:
        query = query.where(table.c.source == source)
    if scope is not None:
        query = query.where(table.c.scope == scope)
    frame = store.frame(query.order_by(table.c.source, table.c.scope, table.c.area_code, table.c.year))
    if not len(frame):
        return pd.DataFrame({c: pd.Series(dtype="object") for c in READ_COLUMNS})
    return frame.astype({"source": "string", "scope": "string", "area_code": "string", "area_name": "string",
                         "year": "Int64", "exports_usd": "Float64", "exports_real_usd": "Float64",
                         "pct_gdp": "Float64", "provenance_id": "Int64"})


__all__ = ["READ_COLUMNS", "ROW_COLUMNS", "Replaced", "replace_rows", "rows"]
