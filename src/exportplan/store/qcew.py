"""The stored QCEW rows and the titles their files carry: every query of the QCEW domain.

Stored rows are keyed by area, ownership, industry, size, year and period;
an import replaces rows by that key (:func:`replace_rows`), so an industry
slice or a trimmed file updates its own rows and leaves the rest alone.
"""
from __future__ import annotations

from collections.abc import Sequence

import polars as pl
from sqlalchemy import Column, Connection, Integer, MetaData, String, Table, delete, func, select, text, tuple_

from . import schema as t
from .db import Store

#: The stored columns of a QCEW row, with their types.
QCEW_COLUMNS = {
    "area_fips": pl.Utf8, "own_code": pl.Utf8, "industry_code": pl.Utf8, "agglvl_code": pl.Utf8,
    "size_code": pl.Utf8, "year": pl.Int32, "qtr": pl.Utf8, "disclosure_code": pl.Utf8,
    "estabs": pl.Int64, "emplvl": pl.Float64, "total_wages": pl.Float64,
    "avg_annual_pay": pl.Float64, "bls_lq_emplvl": pl.Float64,
}
#: The stored rows' primary key: a file's row replaces the stored row with the same key.
KEY = ("area_fips", "own_code", "industry_code", "size_code", "year", "qtr")
#: An area's period: what a whole-area file covers.
UNIT = ("area_fips", "year", "qtr")
#: The all-industries total of an area's period: a file holding it covers the whole area.
TOTAL_ROW = (pl.col("own_code") == "0") & (pl.col("industry_code") == "10")
_KEYS_TABLE = "exportplan_qcew_import_keys"  # temporary, one connection's, dropped after use
_TEMP_SCHEMA = {"sqlite": "temp", "postgresql": "pg_temp"}


def insert_rows(store: Store, conn: Connection, frame: pl.DataFrame, provenance_id: int) -> int:
    """Store a file's rows (canonical columns) under its provenance record; returns how many."""
    records = frame.select(list(QCEW_COLUMNS)).with_columns(pl.lit(provenance_id).alias("provenance_id")).to_dicts()
    return store.insert(conn, t.qcew, records)


def store_titles(conn: Connection, frame: pl.DataFrame) -> None:
    """Keep the area and industry titles a QCEW file carries (the newest file's title wins)."""
    for col, table, key in (("area_title", t.area_titles, "area_fips"),
                            ("industry_title", t.industry_titles, "industry_code")):
        if col not in frame.columns:
            continue
        pairs = frame.select(key, col).drop_nulls().unique(subset=[key])
        for code, title in pairs.iter_rows():
            if table is t.area_titles:
                conn.execute(delete(table).where(table.c.area_fips == code))
                conn.execute(table.insert().values(area_fips=code, title=title))
            else:
                conn.execute(delete(table).where(table.c.naics == code))
                conn.execute(table.insert().values(naics=code, title=_strip_naics_prefix(title), source="QCEW file"))


def _strip_naics_prefix(title: str) -> str:
    parts = title.split(" ", 2)
    if len(parts) == 3 and parts[0] == "NAICS" and parts[1].replace("-", "").isdigit():
        return parts[2]
    return title


def rows(store: Store, areas: Sequence[str]) -> pl.DataFrame:
    """The stored rows (canonical columns plus industry_title) of the given areas."""
    query = select(*[t.qcew.c[c] for c in QCEW_COLUMNS]).where(t.qcew.c.area_fips.in_(list(areas)))
    with store.engine.connect() as conn:
        found = conn.execute(query).fetchall()
    frame = pl.DataFrame(found, schema=QCEW_COLUMNS, orient="row")
    titles = industry_titles(store)
    if len(titles):
        tl = pl.from_pandas(titles.astype(str)).rename({"naics": "industry_code", "title": "industry_title"})
        return frame.join(tl, on="industry_code", how="left")
    return frame.with_columns(pl.lit(None, dtype=pl.Utf8).alias("industry_title"))


def industry_titles(store: Store):
    """naics, title of every stored industry title (pandas)."""
    return store.frame(select(t.industry_titles.c.naics, t.industry_titles.c.title))


def years(store: Store) -> list[int]:
    """Every year with stored QCEW rows, ascending."""
    frame = store.frame(select(t.qcew.c.year).distinct())
    return sorted(int(y) for y in frame["year"]) if len(frame) else []


def latest_year(store: Store, areas: Sequence[str]) -> int | None:
    """The latest year with rows for any of the areas, None if none."""
    query = select(func.max(t.qcew.c.year)).where(t.qcew.c.area_fips.in_(list(areas)))
    with store.engine.connect() as conn:
        year = conn.execute(query).scalar()
    return int(year) if year is not None else None


def periods(store: Store, areas: Sequence[str]) -> list[tuple[str, int, str, int]]:
    """(area, year, qtr, rows with a published LQ) of every stored area period of the given areas."""
    c = t.qcew.c
    query = (select(c.area_fips, c.year, c.qtr, func.count(c.bls_lq_emplvl))
             .where(c.area_fips.in_(list(areas))).group_by(c.area_fips, c.year, c.qtr))
    with store.engine.connect() as conn:
        return [(a, int(y), q, int(n)) for a, y, q, n in conn.execute(query).fetchall()]


def replace_rows(conn, frames: list[pl.DataFrame]) -> tuple[int, int]:
    """Delete the stored rows the files hold again; return (rows replaced, rows kept in whole units).

    Only areas' periods that already have stored rows are looked at, so a
    first import of a national file deletes nothing and costs nothing. Rows
    kept are counted only where a file has the area's all-industries total
    (a whole-area file), where a row it lacks may be one BLS no longer has.
    """
    keys = pl.concat([frame.select(KEY) for frame in frames])
    stored = _stored_units(conn, keys.select(UNIT).unique())
    if stored.is_empty():
        return 0, 0
    replaced = _delete_keys(conn, keys.join(stored.select(UNIT), on=list(UNIT), how="semi"))
    whole = pl.concat([frame.filter(TOTAL_ROW).select(UNIT) for frame in frames]).unique()
    whole = whole.join(stored.select(UNIT), on=list(UNIT), how="semi")
    kept = _stored_units(conn, whole).get_column("n").sum() if whole.height else 0
    return replaced, int(kept)


def _stored_units(conn, units: pl.DataFrame) -> pl.DataFrame:
    """The stored row count of each of the given (area, year, qtr) units that has any."""
    years = [int(y) for y in units.get_column("year").unique().to_list()]
    qtrs = units.get_column("qtr").unique().to_list()
    c = t.qcew.c
    rows = conn.execute(select(c.area_fips, c.year, c.qtr, func.count()).where(c.year.in_(years), c.qtr.in_(qtrs))
                        .group_by(c.area_fips, c.year, c.qtr)).fetchall()
    frame = pl.DataFrame(rows, schema={"area_fips": pl.String, "year": pl.Int32, "qtr": pl.String, "n": pl.Int64},
                         orient="row")
    return frame.join(units, on=list(UNIT), how="semi")


def _delete_keys(conn, keys: pl.DataFrame) -> int:
    """Delete the stored rows with these keys through a temporary key table; return how many.

    One set-based delete: a long ``(..) IN (values)`` list is slow on
    PostgreSQL, and one statement per row is slow everywhere.
    """
    if keys.is_empty():
        return 0
    schema = _TEMP_SCHEMA.get(conn.dialect.name)
    # A rolled-back import may leave the table on this pooled connection (SQLite).
    conn.execute(text(f"DROP TABLE IF EXISTS {schema + '.' if schema else ''}{_KEYS_TABLE}"))
    table = Table(_KEYS_TABLE, MetaData(), *[Column(c, Integer if c == "year" else String(10)) for c in KEY],
                  prefixes=["TEMPORARY"])
    table.create(conn)
    records = keys.to_dicts()
    for start in range(0, len(records), 5_000):
        conn.execute(table.insert(), records[start:start + 5_000])
    stored_key = tuple_(*[t.qcew.c[c] for c in KEY])
    replaced = conn.execute(delete(t.qcew).where(stored_key.in_(select(*table.c)))).rowcount or 0
    table.drop(conn)
    return replaced
