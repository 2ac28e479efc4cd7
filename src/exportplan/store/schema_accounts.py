"""The tables of the web app's accounts (migration 0010), part of :mod:`exportplan.store.schema`.

Import them from ``schema`` (``from . import schema as t``; ``t.users``): this module only keeps
``schema`` within the size limit. Same rules as there: changes are made by migrations.
"""
from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table, Text

from .schema import metadata


# ---- release 0.9: accounts (migration 0010) ----
# Who may sign in to the web app (role: analysis.roles.ROLES; an argon2id hash, never the password;
# a partner user's inventory provider key, '' otherwise), scripts' API tokens and companies' private
# links (only the SHA-256 of a token is stored), throttle counters per key and time window (in the
# database, so that limits hold across several web workers), and the public survey's responses.
users = Table(
    "users", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", Text, nullable=False, unique=True),
    Column("display_name", Text, nullable=False, server_default=""),
    Column("email", Text, nullable=False, server_default=""),
    Column("role", String(20), nullable=False),  # admin | staff | viewer | partner | judge
    Column("password_hash", Text, nullable=False),  # argon2id, PHC string
    Column("active", Boolean, nullable=False, server_default="1"),
    Column("partner_provider", Text, nullable=False, server_default=""),  # providers.key of a partner user
    Column("created_at", Text, nullable=False, server_default=""),
    Column("created_by", Text, nullable=False, server_default=""),
    Column("last_login_at", Text, nullable=False, server_default=""),
    Column("password_changed_at", Text, nullable=False, server_default=""),
)

api_tokens = Table(
    "api_tokens", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("label", Text, nullable=False, server_default=""),
    Column("token_hash", String(64), nullable=False, unique=True),  # SHA-256, hex
    Column("prefix", String(8), nullable=False),  # the token's first 8 characters, to tell tokens apart
    Column("created_at", Text, nullable=False, server_default=""),
    Column("last_used_at", Text, nullable=False, server_default=""),
    Column("revoked_at", Text, nullable=False, server_default=""),
)

throttle_counters = Table(
    "throttle_counters", metadata,
    Column("key", Text, primary_key=True),
    Column("window_start", Text, primary_key=True),  # ISO UTC time the window began
    Column("count", Integer, nullable=False, server_default="0"),
)

company_links = Table(
    "company_links", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("company_id", Integer, ForeignKey("companies.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("token_hash", String(64), nullable=False, unique=True),  # SHA-256, hex
    Column("purpose", Text, nullable=False, server_default="company plan"),
    Column("created_at", Text, nullable=False, server_default=""),
    Column("created_by", Text, nullable=False, server_default=""),
    Column("expires_at", Text, nullable=False),
    Column("revoked_at", Text, nullable=False, server_default=""),
    Column("last_used_at", Text, nullable=False, server_default=""),
)

survey_responses = Table(
    "survey_responses", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("submitted_at", Text, nullable=False),
    Column("company_name", Text, nullable=False, server_default=""),
    Column("answers", Text, nullable=False, server_default="{}"),  # JSON
    Column("status", String(20), nullable=False, server_default="pending", index=True),  # pending|accepted|rejected
    Column("reviewed_at", Text, nullable=False, server_default=""),
    Column("reviewed_by", Text, nullable=False, server_default=""),
    Column("company_id", Integer, ForeignKey("companies.id", ondelete="SET NULL"), index=True),
)

__all__ = ["users", "api_tokens", "throttle_counters", "company_links", "survey_responses"]
