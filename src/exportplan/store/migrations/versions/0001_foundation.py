"""Foundation: provenance, QCEW, titles, cluster crosswalks, peer sets (release 0.1).

Revision ID: 0001
Revises:
"""
import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "provenance",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("publisher", sa.Text, nullable=False),
        sa.Column("dataset", sa.Text, nullable=False),
        sa.Column("vintage", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("retrieved_at", sa.String(40), nullable=False),
        sa.Column("imported_at", sa.String(40), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("rows", sa.Integer, nullable=False),
        sa.Column("layout", sa.String(60), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
    )
    op.create_table(
        "qcew",
        sa.Column("area_fips", sa.String(5), primary_key=True),
        sa.Column("own_code", sa.String(1), primary_key=True),
        sa.Column("industry_code", sa.String(10), primary_key=True),
        sa.Column("size_code", sa.String(2), primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("qtr", sa.String(1), primary_key=True),
        sa.Column("agglvl_code", sa.String(2), nullable=False),
        sa.Column("disclosure_code", sa.String(1), nullable=False),
        sa.Column("estabs", sa.BigInteger),
        sa.Column("emplvl", sa.Float),
        sa.Column("total_wages", sa.Float),
        sa.Column("avg_annual_pay", sa.Float),
        sa.Column("bls_lq_emplvl", sa.Float),
        sa.Column("provenance_id", sa.Integer, sa.ForeignKey("provenance.id"), nullable=False),
    )
    op.create_index("ix_qcew_year_area", "qcew", ["year", "area_fips"])
    op.create_table(
        "area_titles",
        sa.Column("area_fips", sa.String(5), primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
    )
    op.create_table(
        "industry_titles",
        sa.Column("naics", sa.String(10), primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("source", sa.Text, nullable=False),
    )
    op.create_table(
        "crosswalks",
        sa.Column("name", sa.String(120), primary_key=True),
        sa.Column("provenance_id", sa.Integer, sa.ForeignKey("provenance.id"), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("edited", sa.Boolean, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("note", sa.Text, nullable=False),
    )
    op.create_table(
        "crosswalk_rows",
        sa.Column("crosswalk", sa.String(120), sa.ForeignKey("crosswalks.name"), primary_key=True),
        sa.Column("naics", sa.String(6), primary_key=True),
        sa.Column("cluster_code", sa.String(4), nullable=False),
        sa.Column("cluster_name", sa.Text, nullable=False),
        sa.Column("type", sa.String(10), nullable=False),
        sa.Column("subcluster", sa.Text, nullable=False),
    )
    op.create_table(
        "peer_clusters",
        sa.Column("peer_set", sa.String(120), primary_key=True),
        sa.Column("region_code", sa.String(20), primary_key=True),
        sa.Column("cluster_code", sa.String(4), primary_key=True),
        sa.Column("year", sa.Integer, primary_key=True),
        sa.Column("region_name", sa.Text, nullable=False),
        sa.Column("region_type", sa.String(40), nullable=False),
        sa.Column("cluster_name", sa.Text, nullable=False),
        sa.Column("type", sa.String(10), nullable=False),
        sa.Column("employment", sa.Float),
        sa.Column("establishments", sa.Float),
        sa.Column("lq", sa.Float),
        sa.Column("provenance_id", sa.Integer, sa.ForeignKey("provenance.id"), nullable=False),
    )


def downgrade() -> None:
    for name in ("peer_clusters", "crosswalk_rows", "crosswalks", "industry_titles",
                 "area_titles", "qcew", "provenance"):
        op.drop_table(name)
