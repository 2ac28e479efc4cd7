"""A counter of the stored data's changes, and the audit log by time (release 0.9).

- ``data_changes``: one row (``id`` 1) whose ``counter`` every transaction that changes the
  workspace's data raises by one as its last statement (``Store.transaction``). Reading it is one
  primary-key look-up, so the rankings' cache and the web app's page cache can check on every
  request, in every worker, whether anything changed since they made what they keep
  (:mod:`exportplan.store.data_version`).
- ``ix_changes_at``: the audit log's newest changes first (the web app's dashboard).

Revision ID: 0012
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table(
        "data_changes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("counter", sa.BigInteger, nullable=False, server_default="0"),
    )
    op.bulk_insert(table, [{"id": 1, "counter": 0}])
    op.create_index("ix_changes_at", "changes", ["at"])


def downgrade() -> None:
    op.drop_index("ix_changes_at", table_name="changes")
    op.drop_table("data_changes")
