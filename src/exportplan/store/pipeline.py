"""The exporter pipeline: every query of companies, their records, the audit log, column mappings,
businesses and export intensity.

Functions take the :class:`~exportplan.store.db.Store` (reads) or the caller's
connection (reads inside a write, and writes), so that a service can make a
whole unit of work one transaction. Companies are addressed by their row id
inside the store and by their ``key`` (the organization's own id) outside it.
An update of a company names the version it read; a moved version updates
nothing and returns 0, and the caller reports the conflict.
"""
from __future__ import annotations

import json
from typing import Iterable, Sequence

import numpy as np
import pandas as pd
from sqlalchemy import Connection, and_, delete, func, literal, or_, select, update

from . import schema as t
from .db import Store, read_frame

#: The stored fields of a company record (its key and values), without bookkeeping.
COMPANY_FIELDS = ("key", "name", "name_key", "naics", "sector", "county_fips", "city", "employees", "revenue_usd",
                  "website", "foreign_parent", "parent_country", "stage", "current_markets", "target_markets",
                  "tags", "notes")
#: Bookkeeping columns of a company.
COMPANY_META = ("id", "version", "created_at", "created_by", "updated_at", "updated_by", "provenance_id")
#: Child table name -> table; each has an integer company_id.
CHILDREN = {"contacts": t.contacts, "interactions": t.interactions, "needs": t.needs, "referrals": t.referrals,
            "outcomes": t.outcomes, "stage_history": t.stage_history, "assessments": t.assessments,
            "company_sales": t.company_sales}
MANUAL_DATASET = "companies entered in exportplan"
_CHUNK = 500
_c = t.companies.c


def _frame(conn: Connection, query) -> pd.DataFrame:
    """A query's rows as a frame, built column by column (much faster than from row objects)."""
    result = conn.execute(query)
    names, rows = list(result.keys()), result.fetchall()
    if not rows:
        return pd.DataFrame({n: pd.Series(dtype="object") for n in names})
    return pd.DataFrame(dict(zip(names, (list(c) for c in zip(*rows)))))


def _read(store: Store, query) -> pd.DataFrame:
    with store.engine.connect() as conn:
        return _frame(conn, query)


def _chunks(values: Sequence, size: int = _CHUNK) -> Iterable[list]:
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start:start + size]


# ---- companies ------------------------------------------------------------------------------
def company_ids(conn: Connection, keys: Iterable[str]) -> dict[str, int]:
    """key -> row id of the stored companies among ``keys``."""
    out: dict[str, int] = {}
    for chunk in _chunks(sorted(set(keys))):
        out.update(conn.execute(select(_c.key, _c.id).where(_c.key.in_(chunk))).all())
    return out


def companies_frame(conn: Connection, keys: Iterable[str]) -> pd.DataFrame:
    """The stored companies among ``keys`` (id, version and :data:`COMPANY_FIELDS`); many keys read the
    whole table once."""
    keys = set(keys)
    query = select(_c.id, _c.version, *[_c[f] for f in COMPANY_FIELDS])
    if len(keys) > 20 * _CHUNK:
        frame = _frame(conn, query)
        # A set lookup per key: Series.isin on Arrow strings takes seconds at 100,000 keys.
        known = np.fromiter((k in keys for k in frame["key"].tolist()), dtype=bool, count=len(frame))
        return frame.loc[known].reset_index(drop=True)
    parts = [_frame(conn, query.where(_c.key.in_(chunk))) for chunk in _chunks(sorted(keys))]
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else _frame(conn, query.where(_c.id == -1))


def company_ids_of_provenance(conn: Connection, provenance_id: int) -> dict[str, int]:
    """key -> row id of the companies that an import (its provenance record) wrote."""
    return dict(conn.execute(select(_c.key, _c.id).where(_c.provenance_id == provenance_id)).all())


def get_company(conn: Connection, key: str) -> dict | None:
    """One stored company (every column), or None."""
    row = conn.execute(select(t.companies).where(_c.key == key)).mappings().first()
    return dict(row) if row else None


def read_company(store: Store, key: str) -> dict | None:
    """One stored company (every column), or None; outside a transaction."""
    with store.engine.connect() as conn:
        return get_company(conn, key)


def insert_company(conn: Connection, record: dict) -> int:
    """Add one company (``record``: its fields and bookkeeping); returns its row id."""
    return int(conn.execute(t.companies.insert().values(**record)).inserted_primary_key[0])


def bulk_insert(store: Store, conn: Connection, table, records: list[dict]) -> int:
    """Insert many rows (each names the same columns); how many."""
    if not records:
        return 0
    columns = [c for c in table.c.keys() if c in records[0]]
    return _bulk(conn, table, columns, [tuple(r[c] for c in columns) for r in records])


def _bulk(conn: Connection, table, columns: list[str], rows: list[tuple]) -> int:
    """Rows (tuples in ``columns`` order) straight to the driver: executemany on SQLite, COPY on PostgreSQL.

    Several times faster than building each row's parameters; runs in the
    caller's transaction (same connection).
    """
    if not rows:
        return 0
    names = ", ".join(conn.dialect.identifier_preparer.quote(c) for c in columns)
    if conn.dialect.name == "sqlite":
        # exactly these columns: a compiled insert would add every column with a Python-side default
        marks = ", ".join("?" for _ in columns)
        conn.exec_driver_sql(f"INSERT INTO {conn.dialect.identifier_preparer.quote(table.name)} ({names}) "
                             f"VALUES ({marks})", rows)
        return len(rows)
    with conn.connection.driver_connection.cursor() as cursor:
        with cursor.copy(f"COPY {conn.dialect.identifier_preparer.quote(table.name)} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    return len(rows)


def insert_companies(store: Store, conn: Connection, frame: pd.DataFrame) -> int:
    """Add many companies (``frame``: every column but the id; missing numbers as None); how many."""
    columns = [c for c in t.companies.c.keys() if c in frame.columns]
    return _bulk(conn, t.companies, columns, list(zip(*[frame[c].tolist() for c in columns])))


def update_company(conn: Connection, company_id: int, expected_version: int, values: dict) -> int:
    """Change a company if it is still at ``expected_version`` (its version then grows by one); rows changed."""
    query = (update(t.companies).where(and_(_c.id == company_id, _c.version == expected_version))
             .values(**values, version=_c.version + 1))
    return conn.execute(query).rowcount or 0


def delete_company(conn: Connection, company_id: int) -> None:
    """Delete a company; its children go with it (ON DELETE CASCADE)."""
    conn.execute(delete(t.companies).where(_c.id == company_id))


def _filters(query, *, dialect: str = "", stage=None, sector=None, county=None, naics=None, search=None,
             search_key=None, tag=None):
    """``query`` narrowed by the filters of :func:`list_companies`.

    The name search is a substring match (``%text%``), which no B-tree index
    helps: each term is the cheapest form of "the name contains the text, any
    case" on the database. On PostgreSQL, ``lower(name) LIKE`` and
    ``name_key LIKE`` are the expressions of the trigram indexes of migration
    0008 (where the server let it create them), which find the matches of a
    text of three or more characters without reading the table. SQLite's LIKE
    already ignores ASCII case and its ``lower()`` folds only ASCII, so
    ``name LIKE`` matches exactly what ``lower(name) LIKE`` does, without a
    function call per row.
    """
    for column, value in ((_c.stage, stage), (_c.sector, sector), (_c.county_fips, county)):
        if value:
            query = query.where(column.in_([value] if isinstance(value, str) else list(value)))
    if naics:
        query = query.where(_c.naics.startswith(str(naics), autoescape=True))
    if tag:  # one of the ';'-joined tags, any case: ';a;b;' contains ';b;'
        tags = func.lower(literal(";") + func.replace(_c.tags, "; ", ";") + literal(";"))
        query = query.where(tags.contains(f";{str(tag).strip().lower()};", autoescape=True))
    if search:
        name = _c.name if dialect == "sqlite" else func.lower(_c.name)
        matches = [name.contains(str(search).lower(), autoescape=True)]
        if search_key:
            matches.append(_c.name_key.contains(search_key, autoescape=True))
        query = query.where(or_(*matches))
    return query


def list_companies(store: Store, *, limit: int | None = None, offset: int = 0, **filters) -> pd.DataFrame:
    """Stored companies (fields and bookkeeping), ordered by name and key.

    Filters: ``stage``, ``sector``, ``county`` (one value or several),
    ``naics`` (a code prefix), ``search`` (text in the name, any case) with
    ``search_key`` (the same text as a name key, to match any spelling).

    With a name search, the page is sorted by ``name || ''``, which sorts as
    ``name`` but no index can serve: the database then finds every match and
    sorts those few. Ordered by ``name`` it would walk the name index from A
    and test row after row, and a search whose matches lie far down the
    alphabet ("precision") read most of the table before it had a page
    (300 ms at 100,000 companies on SQLite and PostgreSQL; about 30 ms so).
    """
    query = _filters(select(t.companies), dialect=store.engine.dialect.name, **filters)
    name = (_c.name + "") if filters.get("search") else _c.name
    query = query.order_by(name, _c.key)
    if limit is not None:
        query = query.limit(int(limit)).offset(int(offset))
    return _read(store, query)


def count_companies(store: Store, **filters) -> int:
    """How many stored companies match the filters of :func:`list_companies`."""
    with store.engine.connect() as conn:
        query = _filters(select(func.count()).select_from(t.companies), dialect=conn.dialect.name, **filters)
        return int(conn.execute(query).scalar_one())


# ---- children of a company --------------------------------------------------------------------
def insert_children(store: Store, conn: Connection, table: str, records: list[dict]) -> int:
    """Add rows to a child table (``records`` name the company by its row id, and give every column)."""
    return bulk_insert(store, conn, CHILDREN[table], records)


def insert_child(conn: Connection, table: str, record: dict) -> int:
    """Add one row to a child table; returns its id (0 for company_sales)."""
    key = conn.execute(CHILDREN[table].insert().values(**record)).inserted_primary_key
    return int(key[0]) if table != "company_sales" else 0


def update_child(conn: Connection, table: str, child_id: int, values: dict) -> dict | None:
    """Change one row of a child table (by its id); returns the row as it was with its company's key, None when
    there is no such row."""
    tb = CHILDREN[table]
    row = conn.execute(select(tb, _c.key.label("company_key")).join(t.companies, t.companies.c.id == tb.c.company_id)
                       .where(tb.c.id == int(child_id))).mappings().first()
    if row is None:
        return None
    conn.execute(update(tb).where(tb.c.id == int(child_id)).values(**values))
    return dict(row)


def children(conn: Connection, table: str, company_ids: Iterable[int]) -> pd.DataFrame:
    """The rows of a child table that belong to these companies, in id (or year) order."""
    tb = CHILDREN[table]
    order = tb.c.year if table == "company_sales" else tb.c.id
    parts = [_frame(conn, select(tb).where(tb.c.company_id.in_(chunk)).order_by(tb.c.company_id, order))
             for chunk in _chunks(sorted(set(company_ids)))]
    parts = [p for p in parts if len(p)]
    return pd.concat(parts, ignore_index=True) if parts else _frame(conn, select(tb).where(tb.c.company_id == -1))


def company_children(store: Store, table: str, company_id: int) -> list[dict]:
    """One company's rows of a child table, as records."""
    with store.engine.connect() as conn:
        return children(conn, table, [company_id]).to_dict("records")


def company_records(store: Store, tables: Iterable[str], company_id: int) -> dict[str, list[dict]]:
    """One company's rows of several child tables (table -> records in id, or year, order), on one connection
    and without building frames: what a company's page reads."""
    out = {}
    with store.engine.connect() as conn:
        for table in tables:
            tb = CHILDREN[table]
            order = tb.c.year if table == "company_sales" else tb.c.id
            rows = conn.execute(select(tb).where(tb.c.company_id == int(company_id)).order_by(order)).mappings()
            out[table] = [dict(r) for r in rows]
    return out


def all_children(store: Store, table: str) -> pd.DataFrame:
    """Every row of a child table with its company's key (column ``key``), ordered by key then id (or year)."""
    tb = CHILDREN[table]
    order = tb.c.year if table == "company_sales" else tb.c.id
    query = select(_c.key, tb).join(t.companies, tb.c.company_id == _c.id).order_by(_c.key, order)
    return _read(store, query)


def set_sales(conn: Connection, company_id: int, year: int, value: float | None) -> None:
    """Replace a company's export sales of one year."""
    sales = t.company_sales
    conn.execute(delete(sales).where(and_(sales.c.company_id == company_id, sales.c.year == year)))
    conn.execute(sales.insert().values(company_id=company_id, year=year, export_sales_usd=value))


def move_children(conn: Connection, from_id: int, to_id: int) -> dict[str, int]:
    """Give every child row of company ``from_id`` to ``to_id`` (sales only for years ``to_id`` lacks); counts."""
    moved = {}
    for name, tb in CHILDREN.items():
        query = update(tb).where(tb.c.company_id == from_id)
        if name == "company_sales":
            keep = t.company_sales.alias("keep_sales")
            has = select(keep.c.year).where(keep.c.company_id == to_id).scalar_subquery()
            query = query.where(tb.c.year.not_in(has))
        moved[name] = conn.execute(query.values(company_id=to_id)).rowcount or 0
    return moved


def contacts_named(conn: Connection, company_id: int, name: str) -> list[int]:
    """Ids of a company's contacts with this name (any case)."""
    tb = t.contacts
    query = select(tb.c.id).where(and_(tb.c.company_id == company_id,
                                       func.lower(tb.c.name) == str(name).strip().lower()))
    return [int(i) for i in conn.execute(query.order_by(tb.c.id)).scalars()]


def contact(conn: Connection, contact_id: int) -> dict | None:
    """One contact with its company's key (``key``), or None."""
    query = select(t.contacts, _c.key).join(t.companies, t.contacts.c.company_id == _c.id)
    row = conn.execute(query.where(t.contacts.c.id == int(contact_id))).mappings().first()
    return dict(row) if row else None


def delete_contact(conn: Connection, contact_id: int) -> int:
    """Delete a contact's row (the person's data); rows deleted."""
    return conn.execute(delete(t.contacts).where(t.contacts.c.id == int(contact_id))).rowcount or 0


def last_contacts(store: Store) -> pd.DataFrame:
    """key, last_contact: each company's latest interaction date ('' when it has none)."""
    last = func.max(t.interactions.c.date)
    query = (select(_c.key, func.coalesce(last, "").label("last_contact"))
             .select_from(t.companies.outerjoin(t.interactions, t.interactions.c.company_id == _c.id))
             .group_by(_c.key).order_by(_c.key))
    return _read(store, query)


# ---- the audit log ------------------------------------------------------------------------------
def add_changes(store: Store, conn: Connection, rows: list[dict]) -> int:
    """Append to the audit log (``at``, ``user``, ``entity``, ``entity_id``, ``field``, ``old``, ``new``)."""
    return store.insert(conn, t.changes, rows)


def changes(store: Store, entity: str | None = None, entity_id: str | None = None) -> pd.DataFrame:
    """The audit log, oldest first; optionally of one entity (kind and id)."""
    query = select(t.changes).order_by(t.changes.c.id)
    if entity:
        query = query.where(t.changes.c.entity == entity)
    if entity_id is not None:
        query = query.where(t.changes.c.entity_id == str(entity_id))
    return _read(store, query)


def recent_changes(store: Store, limit: int = 10, *, exclude: tuple[str, ...] = ()) -> pd.DataFrame:
    """The newest ``limit`` rows of the audit log (at, user, entity, entity_id, field, old, new), newest first (by
    their time, then as written); without the entity kinds ``exclude`` names (e.g. ``session``: sign-ins)."""
    columns = ["at", "user", "entity", "entity_id", "field", "old", "new"]
    query = (select(*[t.changes.c[c] for c in columns]).order_by(t.changes.c.at.desc(), t.changes.c.id.desc())
             .limit(int(limit)))
    if exclude:
        query = query.where(t.changes.c.entity.not_in(list(exclude)))
    return read_frame(store, query, columns)


def last_change(conn: Connection, entity: str, entity_id: str) -> dict | None:
    """The newest audit row of one entity, or None."""
    query = (select(t.changes).where(and_(t.changes.c.entity == entity, t.changes.c.entity_id == str(entity_id)))
             .order_by(t.changes.c.id.desc()).limit(1))
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


# ---- provenance of companies entered by hand ------------------------------------------------------
def manual_provenance(conn: Connection, at: str, note: str = "") -> int:
    """The provenance record of companies entered in exportplan (made on first use); its id.

    Written directly (not by ``Store.add_provenance``), so that adding one company
    does not prune provenance; an import's pruning keeps it while a company refers to it.
    """
    prov = t.provenance
    found = conn.execute(select(func.min(prov.c.id)).where(
        and_(prov.c.kind == "companies", prov.c.dataset == MANUAL_DATASET))).scalar()
    if found is not None:
        return int(found)
    record = dict(kind="companies", publisher="the organization's own records", dataset=MANUAL_DATASET,
                  vintage="", source="", url="", retrieved_at=at, imported_at=at, sha256="", rows=0, layout="",
                  note=note)
    return int(conn.execute(prov.insert().values(**record)).inserted_primary_key[0])


# ---- saved column mappings -----------------------------------------------------------------------
def save_mapping(conn: Connection, name: str, mapping: dict, at: str) -> bool:
    """Save (or replace) a named column mapping; True when it replaced one."""
    tb = t.column_mappings
    replaced = conn.execute(delete(tb).where(tb.c.name == name)).rowcount or 0
    conn.execute(tb.insert().values(name=name, mapping=json.dumps(mapping, ensure_ascii=False, sort_keys=True),
                                    created_at=at))
    return bool(replaced)


def load_mapping(store: Store, name: str) -> dict | None:
    """A saved column mapping (source column -> canonical column), or None."""
    tb = t.column_mappings
    with store.engine.connect() as conn:
        text = conn.execute(select(tb.c.mapping).where(tb.c.name == name)).scalar()
    return None if text is None else json.loads(text)


def mappings(store: Store) -> pd.DataFrame:
    """name, mapping (JSON text), created_at of every saved mapping, by name."""
    return _read(store, select(t.column_mappings).order_by(t.column_mappings.c.name))


# ---- businesses and export intensity (prospects) ---------------------------------------------------
def replace_businesses(store: Store, conn: Connection, records: list[dict], provenance_id: int) -> tuple[int, int]:
    """Replace the business list by ``records``; (rows, replaced)."""
    replaced = conn.execute(delete(t.businesses)).rowcount or 0
    rows = store.insert(conn, t.businesses, [dict(r, provenance_id=provenance_id) for r in records])
    return rows, replaced


def businesses(store: Store) -> pd.DataFrame:
    """The stored business list, by key."""
    return _read(store, select(t.businesses).order_by(t.businesses.c.key))


def replace_export_intensity(store: Store, conn: Connection, records: list[dict],
                             provenance_id: int) -> tuple[int, int]:
    """Replace the export intensity table by ``records``; (rows, replaced)."""
    replaced = conn.execute(delete(t.export_intensity)).rowcount or 0
    rows = store.insert(conn, t.export_intensity, [dict(r, provenance_id=provenance_id) for r in records])
    return rows, replaced


def export_intensity(store: Store) -> pd.DataFrame:
    """The stored export intensity by NAICS."""
    return _read(store, select(t.export_intensity).order_by(t.export_intensity.c.naics))
