"""The export plan (release 0.7): published regional export figures, the staff's plan text and goals.

- ``regional_exports``: export figures published for metros and counties (the
  Brookings Export Monitor: goods and services exports by production location),
  one row per source, scope (metro | county), area and year, in US dollars.
- ``plan_texts``: the text of a staff section of the plan (its key, e.g.
  ``vision``), who saved it and when; ``version`` grows by one per save
  (optimistic locking, as companies).
- ``plan_goals``: the plan's goals: the indicator (``kpi``) each tracks, its
  baseline (computed from the data when blank) and the staff's target.

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def _text(name: str) -> sa.Column:
    return sa.Column(name, sa.Text, nullable=False, server_default="")


def upgrade() -> None:
    op.create_table(
        "regional_exports",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("scope", sa.String(10), nullable=False),
        sa.Column("area_code", sa.String(10), nullable=False),
        _text("area_name"),
        sa.Column("year", sa.Integer, nullable=False),
        sa.Column("exports_usd", sa.Float),
        sa.Column("exports_real_usd", sa.Float),
        sa.Column("pct_gdp", sa.Float),
        sa.Column("provenance_id", sa.Integer, sa.ForeignKey("provenance.id"), nullable=False),
        sa.UniqueConstraint("source", "scope", "area_code", "year", name="uq_regional_exports_area_year"),
    )
    op.create_table(
        "plan_texts",
        sa.Column("section", sa.String(60), primary_key=True),
        _text("text"),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        _text("updated_at"),
        _text("updated_by"),
    )
    op.create_table(
        "plan_goals",
        sa.Column("key", sa.String(60), primary_key=True),
        _text("title"),
        sa.Column("kpi", sa.String(40), nullable=False),
        _text("unit"),
        sa.Column("baseline", sa.Float),
        _text("baseline_date"),
        sa.Column("target", sa.Float),
        sa.Column("target_year", sa.Integer),
        _text("note"),
        sa.Column("position", sa.Integer, nullable=False, server_default="0"),
        _text("updated_at"),
        _text("updated_by"),
    )


def downgrade() -> None:
    for name in ("plan_goals", "plan_texts", "regional_exports"):
        op.drop_table(name)
