"""The user's own tables (state targets, sector FDI, assets, partnerships, FDI by country, survey, and the
keyed country values and exports): where each is stored and how a list-like one is replaced.
"""
from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, delete

from . import schema as t
from .db import Store

#: kind -> (store table, columns a file supplies)
TABLES = {
    "targets": (t.targets, ["target", "kind", "priority", "source", "note"]),
    "sector_fdi": (t.sector_fdi, ["sector", "kind", "foreign_establishments", "foreign_companies", "jobs", "year",
                                  "source"]),
    "assets": (t.assets, ["sector", "kind", "asset", "strength"]),
    "partnerships": (t.partnerships, ["city", "partner", "iso3", "type", "since", "strength", "note"]),
    "fdi": (t.fdi, ["iso3", "kind", "establishments", "jobs", "sector", "company", "year"]),
    "survey": (t.survey, ["company", "iso3", "weight", "year", "note"]),
    "countries": (t.country_values, ["iso3", "indicator", "year", "value", "value_text"]),
    "exports": (t.exports, ["scope", "area", "iso3", "naics", "year", "value_usd"]),
}


def columns(kind: str) -> list[str]:
    return TABLES[kind][1]


def replace_all(store: Store, conn: Connection, kind: str, records: list[dict], provenance_id: int) -> tuple[int, int]:
    """Replace a list-like table's rows by ``records``; (rows, replaced)."""
    table = TABLES[kind][0]
    replaced = conn.execute(delete(table)).rowcount or 0
    rows = store.insert(conn, table, [dict(r, provenance_id=provenance_id) for r in records])
    return rows, replaced


def read(store: Store, kind: str) -> pd.DataFrame:
    """A stored user table as a DataFrame."""
    return store.table(TABLES[kind][0])
