"""The web app's sessions and its reads of the audit log: every query of ``web_sessions``.

Functions take the :class:`~exportplan.store.db.Store` (reads) or the caller's connection
(writes). Nothing here makes tokens or checks times: ``exportplan.web.security`` does. A session
is found by the SHA-256 of its cookie value (the ``id``), never by the cookie itself.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, insert, or_, select, update

from . import schema as t
from .db import Store

_S, _U = t.web_sessions.c, t.users.c


def insert_session(conn: Connection, record: dict[str, Any]) -> None:
    """Add a session (id, user_id, csrf_token, created_at, expires_at, last_seen_at, client)."""
    conn.execute(insert(t.web_sessions).values(**record))


def session_with_user(store: Store, session_id: str) -> dict | None:
    """A session joined with its user: the session's fields, and ``user`` (the user's record without the
    password hash); None when there is no such session."""
    user_columns = [c for c in t.users.c.keys() if c != "password_hash"]
    query = (select(t.web_sessions, *[_U[c].label(f"u__{c}") for c in user_columns])
             .join(t.users, _U.id == _S.user_id).where(_S.id == session_id))
    with store.engine.connect() as conn:
        row = conn.execute(query).mappings().first()
    if row is None:
        return None
    out = {c: row[c] for c in t.web_sessions.c.keys()}
    out["user"] = {c: row[f"u__{c}"] for c in user_columns}
    return out


def touch_session(store: Store, session_id: str, at: str) -> None:
    """Record that a session was used at ``at`` (for the idle timeout)."""
    with store.transaction(changes_data=False) as conn:
        conn.execute(update(t.web_sessions).where(_S.id == session_id).values(last_seen_at=at))


def delete_session(conn: Connection, session_id: str) -> int:
    """End a session; returns 1 when it existed."""
    return conn.execute(delete(t.web_sessions).where(_S.id == session_id)).rowcount or 0


def delete_user_sessions(conn: Connection, user_id: int) -> int:
    """End every session of one user (e.g. after a password change); returns how many."""
    return conn.execute(delete(t.web_sessions).where(_S.user_id == int(user_id))).rowcount or 0


def prune_sessions(conn: Connection, now: str, idle_before: str) -> int:
    """Delete sessions past their absolute expiry (``expires_at <= now``) or idle since before ``idle_before``."""
    return conn.execute(delete(t.web_sessions).where(
        or_(_S.expires_at <= now, _S.last_seen_at < idle_before))).rowcount or 0


def count_sessions(store: Store, user_id: int | None = None) -> int:
    """How many sessions there are (of one user)."""
    query = select(_S.id)
    if user_id is not None:
        query = query.where(_S.user_id == int(user_id))
    with store.engine.connect() as conn:
        return len(conn.execute(query).all())


def add_audit(store: Store, conn: Connection, rows: list[dict]) -> int:
    """Append to the audit log (``changes``): at, user, entity, entity_id, field, old, new."""
    return store.insert(conn, t.changes, rows)


__all__ = ["insert_session", "session_with_user", "touch_session", "delete_session", "delete_user_sessions",
           "prune_sessions", "count_sessions", "add_audit"]
