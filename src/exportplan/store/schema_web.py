"""The web app's tables (migration 0011) and the data's change counter (0012), part of :mod:`exportplan.store.schema`.

Import them from ``schema`` (``from . import schema as t``; ``t.web_sessions``): this module only
keeps ``schema`` within the size limit. Same rules as there: changes are made by migrations.
"""
from __future__ import annotations

from sqlalchemy import BigInteger, Column, ForeignKey, Integer, String, Table, Text

from .schema import metadata


# ---- release 0.9: the web app's sessions (migration 0011) ----
# One row per signed-in browser: the id is the SHA-256 of the cookie's random value (so a copy of
# the database holds no usable session), the session's CSRF token, and its times as ISO UTC text
# (created, absolute expiry, last seen for the idle timeout) and the client address it began from.
web_sessions = Table(
    "web_sessions", metadata,
    Column("id", String(64), primary_key=True),  # SHA-256 (hex) of the cookie value
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", Text, nullable=False),
    Column("expires_at", Text, nullable=False),
    Column("last_seen_at", Text, nullable=False),
    Column("client", Text, nullable=False, server_default=""),
)


# ---- release 0.9: the data's change counter (migration 0012) ----
# One row (id 1): every transaction that changes the data raises ``counter`` by one as its last
# statement (Store.transaction), so caches check for changes with one primary-key read.
data_changes = Table(
    "data_changes", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("counter", BigInteger, nullable=False, server_default="0"),
)

__all__ = ["web_sessions", "data_changes"]
