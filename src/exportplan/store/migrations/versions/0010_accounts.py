"""Accounts (release 0.9): users, API tokens, login and survey throttling, companies' private links
and survey responses.

- ``users``: who may sign in to the web app, with a role (analysis.roles.ROLES), an argon2id
  password hash (never the password), and for a partner user the inventory provider key of its
  organization ('' otherwise).
- ``api_tokens``: tokens for scripts; only the SHA-256 of a token is stored (and its first 8
  characters, to tell tokens apart in a list). Revoked, never deleted; they go with their user.
- ``throttle_counters``: hits per key (e.g. failed sign-ins of a user name, or of a client
  address) and fixed time window, kept in the database so that the limits hold across several web
  workers; incremented with INSERT ... ON CONFLICT DO UPDATE.
- ``company_links``: a company's private, expiring links (only the SHA-256 of the token stored);
  they go with their company.
- ``survey_responses``: answers to the public company survey, waiting for staff review; an
  accepted response names the company it became (SET NULL when that company is deleted).

Revision ID: 0010
Revises: 0009
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

TABLES = ("users", "api_tokens", "throttle_counters", "company_links", "survey_responses")


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("username", sa.Text, nullable=False, unique=True),
        sa.Column("display_name", sa.Text, nullable=False, server_default=""),
        sa.Column("email", sa.Text, nullable=False, server_default=""),
        sa.Column("role", sa.String(20), nullable=False),  # admin | staff | viewer | partner | judge
        sa.Column("password_hash", sa.Text, nullable=False),  # argon2id, PHC string
        sa.Column("active", sa.Boolean, nullable=False, server_default="1"),
        sa.Column("partner_provider", sa.Text, nullable=False, server_default=""),  # providers.key of a partner
        sa.Column("created_at", sa.Text, nullable=False, server_default=""),
        sa.Column("created_by", sa.Text, nullable=False, server_default=""),
        sa.Column("last_login_at", sa.Text, nullable=False, server_default=""),
        sa.Column("password_changed_at", sa.Text, nullable=False, server_default=""),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("label", sa.Text, nullable=False, server_default=""),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),  # SHA-256, hex
        sa.Column("prefix", sa.String(8), nullable=False),  # the token's first 8 characters
        sa.Column("created_at", sa.Text, nullable=False, server_default=""),
        sa.Column("last_used_at", sa.Text, nullable=False, server_default=""),
        sa.Column("revoked_at", sa.Text, nullable=False, server_default=""),
    )
    op.create_table(
        "throttle_counters",
        sa.Column("key", sa.Text, primary_key=True),
        sa.Column("window_start", sa.Text, primary_key=True),  # ISO UTC time the window began
        sa.Column("count", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "company_links",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("company_id", sa.Integer, sa.ForeignKey("companies.id", ondelete="CASCADE"), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),  # SHA-256, hex
        sa.Column("purpose", sa.Text, nullable=False, server_default="company plan"),
        sa.Column("created_at", sa.Text, nullable=False, server_default=""),
        sa.Column("created_by", sa.Text, nullable=False, server_default=""),
        sa.Column("expires_at", sa.Text, nullable=False),
        sa.Column("revoked_at", sa.Text, nullable=False, server_default=""),
        sa.Column("last_used_at", sa.Text, nullable=False, server_default=""),
    )
    op.create_table(
        "survey_responses",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("submitted_at", sa.Text, nullable=False),
        sa.Column("company_name", sa.Text, nullable=False, server_default=""),
        sa.Column("answers", sa.Text, nullable=False, server_default="{}"),  # JSON
        sa.Column("status", sa.String(20), nullable=False, server_default="pending"),  # pending | accepted | rejected
        sa.Column("reviewed_at", sa.Text, nullable=False, server_default=""),
        sa.Column("reviewed_by", sa.Text, nullable=False, server_default=""),
        sa.Column("company_id", sa.Integer, sa.ForeignKey("companies.id", ondelete="SET NULL")),
    )
    op.create_index("ix_api_tokens_user_id", "api_tokens", ["user_id"])
    op.create_index("ix_company_links_company_id", "company_links", ["company_id"])
    op.create_index("ix_survey_responses_status", "survey_responses", ["status"])
    op.create_index("ix_survey_responses_company_id", "survey_responses", ["company_id"])


def downgrade() -> None:
    for name in reversed(TABLES):
        op.drop_table(name)
