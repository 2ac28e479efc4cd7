"""The web app's sessions (release 0.9).

- ``web_sessions``: one row per signed-in browser. The id is the SHA-256 of the session cookie's
  random value (the cookie itself is never stored), with the user (the session goes with its
  user), the session's CSRF token, when it began, when it ends at the latest, when it was last
  used (for the idle timeout) and the client address it began from.

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "web_sessions",
        sa.Column("id", sa.String(64), primary_key=True),  # SHA-256 (hex) of the cookie value
        sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
        sa.Column("csrf_token", sa.String(64), nullable=False),
        sa.Column("created_at", sa.Text, nullable=False),
        sa.Column("expires_at", sa.Text, nullable=False),
        sa.Column("last_seen_at", sa.Text, nullable=False),
        sa.Column("client", sa.Text, nullable=False, server_default=""),
    )
    op.create_index("ix_web_sessions_user_id", "web_sessions", ["user_id"])


def downgrade() -> None:
    op.drop_table("web_sessions")
