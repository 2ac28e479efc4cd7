"""Country values, exports and partnerships: every query of the markets domain.

Keyed rows (country values by country, indicator and year; exports by
scope, area, country, NAICS and year) replace the stored rows with the same
keys and keep the others, so several sources can be combined.
"""
from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, and_, delete, func, select, tuple_

from . import schema as t
from .db import Store, now_utc

#: kind -> (stored table, its key columns)
KEYED = {
    "countries": (t.country_values, ["iso3", "indicator", "year"]),
    "exports": (t.exports, ["scope", "area", "iso3", "naics", "year"]),
}
#: The tables the market ranking reads, with the columns an empty one must still have.
RANKING_TABLES = {
    "countries": (t.country_values, ["iso3", "indicator", "year", "value", "value_text", "provenance_id"]),
    "exports": (t.exports, ["scope", "area", "iso3", "naics", "year", "value_usd", "provenance_id"]),
    "partnerships": (t.partnerships, ["iso3", "strength", "provenance_id"]),
    "fdi": (t.fdi, ["iso3", "establishments", "provenance_id"]),
    "survey": (t.survey, ["iso3", "weight", "provenance_id"]),
}
_CHUNK = 300


def store_keyed(store: Store, conn: Connection, kind: str, rows: pd.DataFrame, prov: dict) -> tuple[int, int]:
    """Replace rows with the same keys and insert ``rows``, with one provenance record; (inserted, replaced).

    Runs on the caller's connection ``conn``, inside the caller's one
    transaction (a download of several indicators or years is all or nothing).
    """
    table, keys = KEYED[kind]
    replaced = 0
    prov = dict(prov)
    # Rows can only collide within the same indicators (or scopes and areas): skip the
    # key-by-key deletes when there are none yet, as on a first import.
    narrow = ["indicator"] if "indicator" in keys else ["scope", "area"]
    overlap = and_(*[table.c[k].in_(sorted(set(rows[k].astype(str)))) for k in narrow])
    pid = store.add_provenance(conn, kind=kind, retrieved_at=prov.pop("retrieved_at", "") or now_utc(), **prov)
    existing = conn.execute(select(func.count()).select_from(table).where(overlap)).scalar_one()
    tuples = list(rows[keys].itertuples(index=False, name=None)) if existing else []
    columns = tuple_(*[table.c[k] for k in keys])
    for start in range(0, len(tuples), _CHUNK):
        chunk = [tuple(v.item() if hasattr(v, "item") else v for v in tup) for tup in tuples[start:start + _CHUNK]]
        replaced += conn.execute(delete(table).where(columns.in_(chunk))).rowcount or 0
    inserted = store.insert(conn, table, _records(rows, pid))
    return inserted, replaced


def _records(rows: pd.DataFrame, pid: int) -> list[dict]:
    out = rows.assign(provenance_id=pid).to_dict("records")
    for rec in out:
        for k, v in rec.items():
            if hasattr(v, "item"):
                rec[k] = v.item()
    return out


def replace_sister_cities(store: Store, conn: Connection, city: str, records: list[dict],
                          provenance_id: int) -> tuple[int, int]:
    """Replace one U.S. city's sister-city rows (other partnerships are kept); (rows, replaced)."""
    replaced = conn.execute(delete(t.partnerships).where(and_(
        t.partnerships.c.city == city, t.partnerships.c.type == "sister_city"))).rowcount or 0
    rows = store.insert(conn, t.partnerships, [dict(r, provenance_id=provenance_id) for r in records])
    return rows, replaced


def ranking_table(store: Store, kind: str) -> pd.DataFrame:
    """A stored table the market ranking reads; an empty one keeps its columns."""
    table, columns = RANKING_TABLES[kind]
    frame = store.table(table)
    return frame if len(frame) else pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
