"""Workspace identity, and text columns that PostgreSQL would cut short (release 0.3).

- ``workspace_info``: one row naming the workspace that owns the database
  (id, name, sample flag, created), so that two workspace folders can never
  share one database by accident.
- Columns whose length only PostgreSQL enforced (SQLite accepts any length)
  become ``Text``: a provenance layout of a real IMF file is 87 characters,
  non-official cluster codes are longer than 4, area names longer than 20.

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# table -> [(column, old type)]; all become Text
WIDENED = {
    "provenance": [("layout", sa.String(60))],
    "crosswalk_rows": [("cluster_code", sa.String(4)), ("type", sa.String(10))],
    "peer_clusters": [("cluster_code", sa.String(4)), ("type", sa.String(10))],
    "industry_titles": [("naics", sa.String(10))],
    "country_values": [("indicator", sa.String(60))],
    "exports": [("area", sa.String(20))],
}


def upgrade() -> None:
    op.create_table(
        "workspace_info",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("sample", sa.Boolean, nullable=False),
        sa.Column("created", sa.String(40), nullable=False),
    )
    # Batch mode rebuilds each table on SQLite (copy, drop, rename); the store runs
    # migrations with foreign-key enforcement off there and checks the keys before
    # commit (exportplan.store.db.Store.upgrade). On PostgreSQL these are plain ALTERs.
    for table, columns in WIDENED.items():
        with op.batch_alter_table(table) as batch:
            for name, old in columns:
                batch.alter_column(name, type_=sa.Text, existing_type=old)


def downgrade() -> None:
    for table, columns in WIDENED.items():
        with op.batch_alter_table(table) as batch:
            for name, old in columns:
                batch.alter_column(name, type_=old, existing_type=sa.Text)
    op.drop_table("workspace_info")

