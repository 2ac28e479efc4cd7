"""Inputs of the sector and market rankings: targets, sector FDI, assets,
country values, exports by destination, partnerships, FDI by country, survey (release 0.2).

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _prov():
    return sa.Column("provenance_id", sa.Integer, sa.ForeignKey("provenance.id"), nullable=False)


def _id():
    return sa.Column("id", sa.Integer, primary_key=True, autoincrement=True)


def _kind():
    return sa.Column("kind", sa.String(10), nullable=False)


def upgrade() -> None:
    op.create_table("targets", _id(), sa.Column("target", sa.Text, nullable=False),
                    sa.Column("kind", sa.String(10), nullable=False),
                    sa.Column("priority", sa.Integer, nullable=False),
                    sa.Column("source", sa.Text, nullable=False), sa.Column("note", sa.Text, nullable=False), _prov())
    op.create_table("sector_fdi", _id(), sa.Column("sector", sa.Text, nullable=False), _kind(),
                    sa.Column("foreign_establishments", sa.Float), sa.Column("foreign_companies", sa.Float),
                    sa.Column("jobs", sa.Float), sa.Column("year", sa.Integer),
                    sa.Column("source", sa.Text, nullable=False), _prov())
    op.create_table("assets", _id(), sa.Column("sector", sa.Text, nullable=False), _kind(),
                    sa.Column("asset", sa.Text, nullable=False), sa.Column("strength", sa.Integer, nullable=False), _prov())
    op.create_table("country_values",
                    sa.Column("iso3", sa.String(3), primary_key=True),
                    sa.Column("indicator", sa.String(60), primary_key=True),
                    sa.Column("year", sa.Integer, primary_key=True),
                    sa.Column("value", sa.Float), sa.Column("value_text", sa.Text, nullable=False), _prov())
    op.create_table("exports",
                    sa.Column("scope", sa.String(10), primary_key=True),
                    sa.Column("area", sa.String(20), primary_key=True),
                    sa.Column("iso3", sa.String(3), primary_key=True),
                    sa.Column("naics", sa.String(10), primary_key=True),
                    sa.Column("year", sa.Integer, primary_key=True),
                    sa.Column("value_usd", sa.Float), _prov())
    op.create_table("partnerships", _id(), sa.Column("city", sa.Text, nullable=False),
                    sa.Column("partner", sa.Text, nullable=False), sa.Column("iso3", sa.String(3), nullable=False),
                    sa.Column("type", sa.String(20), nullable=False), sa.Column("since", sa.Integer),
                    sa.Column("strength", sa.Integer, nullable=False), sa.Column("note", sa.Text, nullable=False), _prov())
    op.create_table("fdi", _id(), sa.Column("iso3", sa.String(3), nullable=False), _kind(),
                    sa.Column("establishments", sa.Float), sa.Column("jobs", sa.Float),
                    sa.Column("sector", sa.Text, nullable=False), sa.Column("company", sa.Text, nullable=False),
                    sa.Column("year", sa.Integer), _prov())
    op.create_table("survey", _id(), sa.Column("company", sa.Text, nullable=False),
                    sa.Column("iso3", sa.String(3), nullable=False), sa.Column("weight", sa.Float, nullable=False),
                    sa.Column("year", sa.Integer), sa.Column("note", sa.Text, nullable=False), _prov())


def downgrade() -> None:
    for name in ("survey", "fdi", "partnerships", "exports", "country_values", "assets", "sector_fdi", "targets"):
        op.drop_table(name)
