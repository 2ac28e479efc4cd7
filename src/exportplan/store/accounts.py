"""Users, API tokens, throttle counters and companies' private links: every query of their tables.

Functions take the :class:`~exportplan.store.db.Store` (reads) or the caller's connection (writes,
and reads inside a write), so that a service makes a unit of work one transaction. Nothing here
hashes or checks values: the service does (``ws.accounts``). Lists never return a password hash or
a token hash.

:func:`bump` increments a throttle counter with one ``INSERT ... ON CONFLICT DO UPDATE ...
RETURNING`` statement (SQLite 3.35+ and PostgreSQL), so that concurrent writers in several web
workers never lose a hit.
"""
from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import Connection, and_, delete, func, insert, select, update

from . import schema as t
from .db import Store, read_frame, read_one

_U, _K, _C, _L = t.users.c, t.api_tokens.c, t.throttle_counters.c, t.company_links.c
#: The columns of a user record as lists show it (no password hash).
USER_COLUMNS = tuple(c for c in t.users.c.keys() if c != "password_hash")
#: The columns of a token record as lists show it (no hash; the user's name instead of the id).
TOKEN_COLUMNS = ("id", "username", "label", "prefix", "created_at", "last_used_at", "revoked_at")
#: The columns of a company link as lists show it (no hash; the company's key instead of the id).
LINK_COLUMNS = ("id", "company_id", "purpose", "created_at", "created_by", "expires_at", "revoked_at",
                "last_used_at")






# ---- users -------------------------------------------------------------------------------------
def get_user(store_or_conn: Store | Connection, username: str) -> dict | None:
    """A user's whole record, password hash included (for signing in); None when there is none."""
    return read_one(store_or_conn, select(t.users).where(_U.username == username))


def get_user_by_id(store_or_conn: Store | Connection, user_id: int) -> dict | None:
    return read_one(store_or_conn, select(t.users).where(_U.id == int(user_id)))


def insert_user(conn: Connection, record: dict[str, Any]) -> int:
    """Add a user; returns its id (the caller checked that the name is free)."""
    return int(conn.execute(insert(t.users).values(**record)).inserted_primary_key[0])


def update_user(conn: Connection, user_id: int, **values: Any) -> int:
    """Change a user's fields; returns the number of rows changed (0: no such user)."""
    return conn.execute(update(t.users).where(_U.id == int(user_id)).values(**values)).rowcount or 0


def list_users(store: Store) -> pd.DataFrame:
    """Every user (:data:`USER_COLUMNS`, no password hash), by name."""
    return read_frame(store, select(*[_U[c] for c in USER_COLUMNS]).order_by(_U.username), USER_COLUMNS)


def active_admins(conn: Connection) -> int:
    """How many active users have the admin role."""
    return int(conn.execute(select(func.count()).select_from(t.users)
                            .where(and_(_U.role == "admin", _U.active.is_(True)))).scalar_one())


def provider_exists(conn: Connection, key: str) -> bool:
    """True when the program inventory holds a provider with this key (a partner user's organization)."""
    return conn.execute(select(t.providers.c.id).where(t.providers.c.key == key)).first() is not None


def company_id(conn: Connection, key: str) -> int | None:
    """A company's id from its key; None when there is no such company."""
    return conn.execute(select(t.companies.c.id).where(t.companies.c.key == key)).scalar_one_or_none()


# ---- throttle counters ---------------------------------------------------------------------------
def _upsert(conn: Connection):
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    return dialect_insert


def bump(conn: Connection, key: str, window_start: str) -> int:
    """Add one hit to ``key``'s counter of the window that began at ``window_start``; returns its new count.

    One atomic statement: two workers bumping the same counter at once both count. Counters of the
    key's earlier windows are deleted (a key is used with one window length).
    """
    count = _C["count"]
    stmt = _upsert(conn)(t.throttle_counters).values(key=key, window_start=window_start, count=1)
    stmt = stmt.on_conflict_do_update(index_elements=[_C.key, _C.window_start], set_={"count": count + 1})
    new = int(conn.execute(stmt.returning(count)).scalar_one())
    conn.execute(delete(t.throttle_counters).where(and_(_C.key == key, _C.window_start < window_start)))
    return new


def hits(store_or_conn: Store | Connection, key: str, window_start: str) -> int:
    """The hits counted for ``key`` in the window that began at ``window_start`` (0 when none)."""
    row = read_one(store_or_conn, select(_C["count"]).where(and_(_C.key == key, _C.window_start == window_start)))
    return int(row["count"]) if row else 0


def release(conn: Connection, key: str, window_start: str) -> None:
    """Give back one hit of ``key``'s counter in the window that began at ``window_start`` (never below 0)."""
    count = _C["count"]
    conn.execute(update(t.throttle_counters).where(and_(_C.key == key, _C.window_start == window_start, count > 0))
                 .values(count=count - 1))


def clear(conn: Connection, key: str) -> None:
    """Forget every counter of ``key`` (e.g. a user name's failed sign-ins after a good one)."""
    conn.execute(delete(t.throttle_counters).where(_C.key == key))


def prune_counters(conn: Connection, before: str) -> int:
    """Delete the counters of windows that began before ``before``; returns how many."""
    return conn.execute(delete(t.throttle_counters).where(_C.window_start < before)).rowcount or 0


# ---- API tokens ----------------------------------------------------------------------------------
def insert_token(conn: Connection, record: dict[str, Any]) -> int:
    return int(conn.execute(insert(t.api_tokens).values(**record)).inserted_primary_key[0])


def token_by_hash(conn: Connection, token_hash: str) -> dict | None:
    """A token's record with its user's record under ``user`` (None when no token has this hash)."""
    row = read_one(conn, select(t.api_tokens).where(_K.token_hash == token_hash))
    if row is not None:
        row["user"] = get_user_by_id(conn, row["user_id"])
    return row


def get_token(conn: Connection, token_id: int) -> dict | None:
    return read_one(conn, select(t.api_tokens, _U.username).join(t.users, _U.id == _K.user_id)
                .where(_K.id == int(token_id)))


def update_token(conn: Connection, token_id: int, **values: Any) -> int:
    return conn.execute(update(t.api_tokens).where(_K.id == int(token_id)).values(**values)).rowcount or 0


def list_tokens(store: Store, username: str | None = None) -> pd.DataFrame:
    """API tokens (:data:`TOKEN_COLUMNS`, no hash), oldest first; optionally one user's."""
    query = select(_K.id, _U.username, _K.label, _K.prefix, _K.created_at, _K.last_used_at, _K.revoked_at)
    query = query.select_from(t.api_tokens.join(t.users, _U.id == _K.user_id)).order_by(_K.id)
    if username is not None:
        query = query.where(_U.username == username)
    return read_frame(store, query, TOKEN_COLUMNS)


# ---- companies' private links --------------------------------------------------------------------
def insert_link(conn: Connection, record: dict[str, Any]) -> int:
    return int(conn.execute(insert(t.company_links).values(**record)).inserted_primary_key[0])


def link_by_hash(conn: Connection, token_hash: str) -> dict | None:
    """A link's record with its company's key as ``company_key`` (None when no link has this hash)."""
    query = (select(t.company_links, t.companies.c.key.label("company_key"))
             .join(t.companies, t.companies.c.id == _L.company_id).where(_L.token_hash == token_hash))
    return read_one(conn, query)


def get_link(conn: Connection, link_id: int) -> dict | None:
    query = (select(t.company_links, t.companies.c.key.label("company_key"))
             .join(t.companies, t.companies.c.id == _L.company_id).where(_L.id == int(link_id)))
    return read_one(conn, query)


def update_link(conn: Connection, link_id: int, **values: Any) -> int:
    return conn.execute(update(t.company_links).where(_L.id == int(link_id)).values(**values)).rowcount or 0


def list_links(store: Store, company_key: str | None = None) -> pd.DataFrame:
    """Companies' private links (:data:`LINK_COLUMNS`, no hash; ``company_id`` is the company's key), oldest
    first; optionally one company's."""
    cols = [t.companies.c.key.label("company_id") if c == "company_id" else _L[c] for c in LINK_COLUMNS]
    query = select(*cols).select_from(t.company_links.join(t.companies, t.companies.c.id == _L.company_id))
    if company_key is not None:
        query = query.where(t.companies.c.key == company_key)
    return read_frame(store, query.order_by(_L.id), LINK_COLUMNS)
