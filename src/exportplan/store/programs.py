"""The export-services program inventory: every query of providers, programs and their dated events.

Functions take the :class:`~exportplan.store.db.Store` (reads) or the caller's
connection (writes, and reads inside a write), so that a service makes a whole
import one transaction. Rows are addressed by their text key outside the store:
the sheet's ``provider_id``, ``program_id`` and ``event_id`` are the tables'
``key`` columns, and a program's ``provider_id`` (an event's ``program_id``) is
shown as the parent's key although the table holds the parent's integer id.

Frames out have the sheets' columns in template order (the tables' column
order: ``analysis.program_terms.SHEETS``) plus ``origin``, rows sorted by key.
Text is ``str`` ('' for blank); list cells stay the stored ';'-joined text;
whole numbers (employees, years, capacity) are ``int`` or None, other numbers
``float`` or NaN. Nothing here checks the vocabulary (levels, costs, stages):
the importer does. What is checked is what the tables need, the same on SQLite
and PostgreSQL: keys present and unique, parents that exist, numbers that are
numbers, codes that fit their column.
"""
from __future__ import annotations

import math
from collections import Counter
from typing import Iterable

import pandas as pd
from sqlalchemy import Connection, Float, Integer, String, Table, delete, exists, or_, select, update

from ..errors import ErrorTable
from . import schema as t
from .db import Store

#: Sheet name -> table.
TABLES: dict[str, Table] = {"providers": t.providers, "programs": t.programs, "events": t.program_events}
#: Sheet name -> the sheet's key column (the table's ``key``).
KEYS = {"providers": "provider_id", "programs": "program_id", "events": "event_id"}
#: Child sheet -> (its column naming the parent, the parent's sheet).
PARENTS = {"programs": ("provider_id", "providers"), "events": ("program_id", "programs")}
#: Provider columns a program row carries (analysis.program_scope): table column -> name in the row.
PROVIDER_FIELDS = {"level": "level", "name": "provider_name", "states": "provider_states", "type": "provider_type"}
_BOOKKEEPING = ("id", "origin", "provenance_id")
_DATES = ("last_verified", "start_date", "end_date")


def columns(sheet: str) -> list[str]:
    """A sheet's columns in template order (the table's columns, the key first, without bookkeeping)."""
    out = []
    for name in TABLES[sheet].c.keys():
        if name == "key":
            out.append(KEYS[sheet])
        elif name not in _BOOKKEEPING:
            out.append(name)
    return out


def _kinds(sheet: str) -> dict[str, str]:
    """Sheet column -> 'int', 'float' or 'text'."""
    table, out = TABLES[sheet], {}
    for name in columns(sheet):
        column = table.c["key" if name == KEYS[sheet] else name]
        if name == _parent_column(sheet):  # an integer id in the table, the parent's key in the sheet
            out[name] = "text"
        else:
            out[name] = ("int" if isinstance(column.type, Integer) else "float" if isinstance(column.type, Float)
                         else "text")
    return out


def _parent_column(sheet: str) -> str:
    return PARENTS[sheet][0] if sheet in PARENTS else ""


def _width(sheet: str, name: str) -> int | None:
    column = TABLES[sheet].c.get(name)
    return column.type.length if column is not None and isinstance(column.type, String) else None


def _blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):  # a list or other container: not a cell value
        return False


def _cell(sheet: str, key: str, name: str, kind: str, value: object, problems: ErrorTable) -> object:
    """One cell in its stored form (text: str, numbers: int/float or None); a problem when it cannot be."""
    where = dict(file=f"{sheet} sheet", column=name)
    if kind == "text":
        text = "" if _blank(value) else str(value)
        width = _width(sheet, name)
        if width and len(text) > width:
            fix = ("Write the date as YYYY-MM-DD." if name in _DATES
                   else f"Use one of the template's values for {name}.")
            problems.add(f"{sheet[:-1]} {key!r}: {name} is longer than {width} characters", fix, value=text,
                         **where)
        return text
    if _blank(value):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number) or (kind == "int" and number != int(number)):
        what = "a whole number" if kind == "int" else "a number"
        problems.add(f"{sheet[:-1]} {key!r}: {name} is not {what}", f"Write {what}, or leave the cell blank.",
                     value=str(value), **where)
        return None
    return int(number) if kind == "int" else number


def _records(sheet: str, frame: pd.DataFrame | None, problems: ErrorTable) -> dict[str, dict]:
    """A sheet's rows by key, in stored form; blank or repeated keys and missing columns are problems."""
    if frame is None or not len(frame):
        return {}
    kinds, key_column = _kinds(sheet), KEYS[sheet]
    missing = [c for c in kinds if c not in frame.columns]
    if missing:
        problems.add(f"the {sheet} sheet lacks the column(s) {', '.join(missing)}",
                     "Use the program template's columns.", file=f"{sheet} sheet")
        return {}
    rows: dict[str, dict] = {}
    keys = ["" if _blank(k) else str(k).strip() for k in frame[key_column].tolist()]
    for key, n in sorted(Counter(keys).items()):
        if key and n > 1:
            problems.add(f"{key_column} {key!r} is used by {n} rows", "Give each row its own id.",
                         file=f"{sheet} sheet", column=key_column, value=key)
    for position, (key, record) in enumerate(zip(keys, frame[list(kinds)].to_dict("records"))):
        if not key:
            problems.add(f"row {position + 1} of the {sheet} has no {key_column}", "Give every row an id.",
                         file=f"{sheet} sheet", column=key_column)
            continue
        row = {name: (key if name == key_column else _cell(sheet, key, name, kind, record[name], problems))
               for name, kind in kinds.items()}
        if sheet in PARENTS:
            row[_parent_column(sheet)] = row[_parent_column(sheet)].strip()
        rows[key] = row
    return rows


def _query(sheet: str, *extra):
    """Select a sheet's columns (parents as their key), its origin and provenance, and ``extra`` columns."""
    table = TABLES[sheet]
    picked = [table.c.id]
    parent_table = None
    for name in columns(sheet):
        if name == KEYS[sheet]:
            picked.append(table.c.key.label(name))
        elif name == _parent_column(sheet):
            parent_table = TABLES[PARENTS[sheet][1]]
            picked.append(parent_table.c.key.label(name))
        else:
            picked.append(table.c[name])
    picked += [table.c.origin, table.c.provenance_id, *extra]
    query = select(*picked)
    if parent_table is not None:
        query = query.select_from(table.join(parent_table, table.c[_parent_column(sheet)] == parent_table.c.id))
    return query


def _stored(conn: Connection, sheet: str) -> dict[str, dict]:
    """The stored rows of a sheet by key (sheet columns, ``id``, ``origin``, ``provenance_id``)."""
    return {row[KEYS[sheet]]: dict(row) for row in conn.execute(_query(sheet)).mappings()}


def _ids(conn: Connection, sheet: str) -> dict[str, int]:
    table = TABLES[sheet]
    return {key: int(i) for key, i in conn.execute(select(table.c.key, table.c.id)).all()}


def upsert_inventory(store: Store, conn: Connection, providers: pd.DataFrame | None, programs: pd.DataFrame | None,
                     events: pd.DataFrame | None, *, origin: str, provenance_id: int | None) -> dict[str, dict]:
    """Add or change providers, programs and events, matched by key; sheet -> {inserted, updated, unchanged}.

    A row whose values equal the stored row's is left untouched, its origin and
    provenance too (re-importing the same file changes nothing). A new or
    changed row gets ``origin`` and ``provenance_id``. Programs name their
    provider by key (one of this call's or one already stored); events name
    their program the same way. Stored rows absent from the frames stay.
    Everything is checked before anything is written: on a problem
    :class:`~exportplan.errors.ImportFailed` is raised and nothing is written.
    """
    problems = ErrorTable()
    if not str(origin or "").strip() or len(str(origin)) > (_width("providers", "origin") or 0):
        problems.add("the rows' origin is missing or too long", "Name where the rows come from (e.g. 'user').",
                     value=str(origin or ""))
    new = {sheet: _records(sheet, frame, problems)
           for sheet, frame in (("providers", providers), ("programs", programs), ("events", events))}
    old = {sheet: _stored(conn, sheet) for sheet in TABLES}
    for sheet, (column, parent) in PARENTS.items():
        known = set(old[parent]) | set(new[parent])
        for key, row in new[sheet].items():
            if row[column] not in known:
                problems.add(f"{sheet[:-1]} {key!r} names the {parent[:-1]} {row[column]!r}, which is neither in "
                             f"the {parent} sheet nor stored", f"Add that {parent[:-1]} to the {parent} sheet, or "
                             f"correct the {column}.", file=f"{sheet} sheet", column=column, value=row[column])
    problems.raise_if_any("Storing the program inventory")

    counts: dict[str, dict] = {}
    for sheet in ("providers", "programs", "events"):  # parents first: their ids are resolved for the children
        table, names = TABLES[sheet], columns(sheet)
        parent_ids = _ids(conn, PARENTS[sheet][1]) if sheet in PARENTS else {}
        inserts, updated, unchanged = [], 0, 0
        for key in sorted(new[sheet]):
            row, stored = new[sheet][key], old[sheet].get(key)
            if stored is not None and all(_same(row[n], stored[n]) for n in names):
                unchanged += 1
                continue
            values = _values(sheet, row, parent_ids)
            values.update(origin=str(origin), provenance_id=provenance_id)
            if stored is None:
                inserts.append(values)
            else:
                conn.execute(update(table).where(table.c.id == stored["id"]).values(**values))
                updated += 1
        store.insert(conn, table, inserts)
        counts[sheet] = {"inserted": len(inserts), "updated": updated, "unchanged": unchanged}
    return counts


def _same(new: object, stored: object) -> bool:
    if new is None or stored is None:
        return new is None and (stored is None or (isinstance(stored, float) and math.isnan(stored)))
    if isinstance(new, (int, float)) and isinstance(stored, (int, float)):
        return float(new) == float(stored)
    return str(new) == str(stored)


def _values(sheet: str, row: dict, parent_ids: dict[str, int]) -> dict:
    """A sheet row as table values: the key column is ``key``, the parent's key becomes its id."""
    values = {}
    for name, value in row.items():
        if name == KEYS[sheet]:
            values["key"] = value
        elif name == _parent_column(sheet):
            values[name] = parent_ids[value]
        else:
            values[name] = value
    return values


# ---- reading ---------------------------------------------------------------------------------
def _typed(sheet: str, frame: pd.DataFrame, extra: Iterable[str] = ()) -> pd.DataFrame:
    """Rows in a sheet's columns (plus ``origin`` and ``extra``), sorted by key, each column in its type."""
    kinds = _kinds(sheet)
    names = [*kinds, "origin", *extra]
    out = {}
    for name in names:
        values = frame[name].tolist() if name in frame.columns else []
        kind = kinds.get(name, "text")
        if kind == "int":
            out[name] = pd.Series([None if _blank(v) else int(v) for v in values], dtype="object")
        elif kind == "float":
            out[name] = pd.Series([math.nan if _blank(v) else float(v) for v in values], dtype="float64")
        else:
            out[name] = pd.Series(["" if _blank(v) else str(v) for v in values], dtype="object")
    typed = pd.DataFrame(out, columns=names)
    return typed.sort_values(KEYS[sheet], kind="stable").reset_index(drop=True)


def _read(store: Store, query) -> pd.DataFrame:
    with store.engine.connect() as conn:
        result = conn.execute(query)
        names, rows = list(result.keys()), result.fetchall()
    return pd.DataFrame(dict(zip(names, (list(c) for c in zip(*rows))))) if rows else pd.DataFrame(columns=names)


def inventory(store: Store) -> dict[str, pd.DataFrame]:
    """The stored inventory: sheet name -> frame (the sheet's columns plus ``origin``), rows by key."""
    return {sheet: _typed(sheet, _read(store, _query(sheet))) for sheet in TABLES}


def programs_with_providers(store: Store) -> pd.DataFrame:
    """Program rows (analysis.program_scope): the programs sheet's columns, ``origin``, and the provider's
    ``level``, ``provider_name``, ``provider_states`` and ``provider_type``; rows by program key."""
    prov = t.providers
    query = _query("programs", *[prov.c[c].label(label) for c, label in PROVIDER_FIELDS.items()])
    return _typed("programs", _read(store, query), extra=PROVIDER_FIELDS.values())


def stored_keys(conn: Connection) -> dict[str, set[str]]:
    """Sheet name -> the keys stored (for an importer's reference checks inside its transaction)."""
    return {sheet: set(_ids(conn, sheet)) for sheet in TABLES}


def has_origin(store: Store, origin: str) -> bool:
    """True when any provider, program or event came from ``origin`` (e.g. the catalogue was loaded)."""
    query = select(or_(*[exists().where(tb.c.origin == origin) for tb in TABLES.values()]))
    with store.engine.connect() as conn:
        return bool(conn.execute(query).scalar())


def provenance_ids(store: Store) -> list[int]:
    """The provenance records the stored inventory rows name (for citations), ascending."""
    found: set[int] = set()
    with store.engine.connect() as conn:
        for table in TABLES.values():
            query = select(table.c.provenance_id).where(table.c.provenance_id.is_not(None)).distinct()
            found.update(int(i) for i in conn.execute(query).scalars())
    return sorted(found)


# ---- deleting and referrals ------------------------------------------------------------------------
def _delete(conn: Connection, table: Table, keys: Iterable[str]) -> int:
    keys = sorted({str(k) for k in keys})
    removed = 0
    for start in range(0, len(keys), 500):
        removed += conn.execute(delete(table).where(table.c.key.in_(keys[start:start + 500]))).rowcount or 0
    return removed


def delete_programs(conn: Connection, keys: Iterable[str]) -> int:
    """Delete programs by key (their events go with them); how many programs were deleted."""
    return _delete(conn, t.programs, keys)


def delete_providers(conn: Connection, keys: Iterable[str]) -> int:
    """Delete providers by key (their programs and events go with them); how many providers were deleted."""
    return _delete(conn, t.providers, keys)


def delete_events(conn: Connection, keys: Iterable[str]) -> int:
    """Delete events by key; how many were deleted."""
    return _delete(conn, t.program_events, keys)


def set_referral_program(conn: Connection, referral_id: int, program_key: str) -> int:
    """Name the inventory program a referral went to ('' for none); rows changed (0: no such referral)."""
    tb = t.referrals
    return conn.execute(update(tb).where(tb.c.id == int(referral_id)).values(program_key=str(program_key or "")
                                                                             )).rowcount or 0
