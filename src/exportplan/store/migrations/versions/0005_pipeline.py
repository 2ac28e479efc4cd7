"""The exporter pipeline (release 0.5): companies and their records, the audit log, saved column
mappings, the region's businesses (prospects) and the export intensity of industries.

- ``companies``: one row per company the organization works with, keyed by the
  organization's own id (``key``); ``version`` starts at 1 and grows by one per
  update (optimistic locking: an update names the version it read).
- Children of a company, deleted with it (ON DELETE CASCADE): ``company_sales``
  (export sales by year), ``contacts`` (personal data, few fields),
  ``interactions``, ``needs``, ``referrals``, ``outcomes``, ``stage_history``
  and ``assessments``.
- ``changes``: the audit log (who changed what, when); it outlives what it names.
- ``column_mappings``: saved mappings of a CRM export's columns.
- ``businesses`` and ``export_intensity``: the prospects' inputs.

Indexes make listing and filtering companies fast at 100,000 rows (name, name
key, county, NAICS, stage) and a company's children quick to read.

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

#: Tables whose rows belong to one company (each gets an index on company_id).
CHILDREN = ("contacts", "interactions", "needs", "referrals", "outcomes", "stage_history", "assessments")


def _id():
    return sa.Column("id", sa.Integer, primary_key=True, autoincrement=True)


def _company(primary_key: bool = False):
    return sa.Column("company_id", sa.Integer, sa.ForeignKey("companies.id", ondelete="CASCADE"), nullable=False,
                     primary_key=primary_key)


def _text(name: str):
    return sa.Column(name, sa.Text, nullable=False)


def _code(name: str, length: int):
    return sa.Column(name, sa.String(length), nullable=False)


def _prov(nullable: bool = False):
    return sa.Column("provenance_id", sa.Integer, sa.ForeignKey("provenance.id"), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "companies", _id(), sa.Column("key", sa.Text, nullable=False, unique=True), _text("name"), _text("name_key"),
        _code("naics", 6), _text("sector"), _code("county_fips", 5), _text("city"),
        sa.Column("employees", sa.Integer), sa.Column("revenue_usd", sa.Float), _text("website"),
        _text("foreign_parent"), _code("parent_country", 3), _code("stage", 20), _text("current_markets"),
        _text("target_markets"), _text("tags"), _text("notes"), sa.Column("version", sa.Integer, nullable=False),
        _code("created_at", 40), _text("created_by"), _code("updated_at", 40), _text("updated_by"), _prov(True))
    for column in ("name_key", "naics", "county_fips", "stage"):
        op.create_index(f"ix_companies_{column}", "companies", [column])
    op.create_index("ix_companies_name", "companies", ["name", "key"])

    op.create_table("company_sales", _company(primary_key=True), sa.Column("year", sa.Integer, primary_key=True),
                    sa.Column("export_sales_usd", sa.Float))
    op.create_table("contacts", _id(), _company(), _text("name"), _text("role"), _text("email"), _text("phone"))
    op.create_table("interactions", _id(), _company(), _code("date", 10), _code("kind", 20), _text("summary"),
                    _text("staff"))
    op.create_table("needs", _id(), _company(), _code("service_category", 60), _code("iso3", 3), _text("note"))
    op.create_table("referrals", _id(), _company(), _code("date", 10), _text("provider"), _text("program"),
                    _text("referrer"), _code("status", 20), _text("outcome"))
    op.create_table("outcomes", _id(), _company(), _code("date", 10), _code("kind", 20), _code("iso3", 3),
                    sa.Column("export_sales_usd", sa.Float), _text("program"), _text("note"))
    op.create_table("stage_history", _id(), _company(), _code("date", 10), _code("from_stage", 20),
                    _code("to_stage", 20), _text("changed_by"), _code("source", 20), _text("note"))
    op.create_table("assessments", _id(), _company(), _code("date", 10), _text("assessed_by"), _text("answers"),
                    sa.Column("score", sa.Float), _code("suggested_stage", 20), _code("confirmed_stage", 20))
    for table in CHILDREN:
        op.create_index(f"ix_{table}_company_id", table, ["company_id"])

    op.create_table("changes", _id(), _code("at", 40), _text("user"), _code("entity", 40), _text("entity_id"),
                    _text("field"), _text("old"), _text("new"))
    op.create_index("ix_changes_entity", "changes", ["entity", "entity_id"])
    op.create_table("column_mappings", sa.Column("name", sa.String(120), primary_key=True), _text("mapping"),
                    _code("created_at", 40))

    op.create_table(
        "businesses", _id(), sa.Column("key", sa.Text, nullable=False, unique=True), _text("name"),
        _text("name_key"), _code("naics", 6), _code("county_fips", 5), sa.Column("employees", sa.Integer),
        _text("foreign_parent"), _code("parent_country", 3), _prov())
    op.create_index("ix_businesses_name_key", "businesses", ["name_key"])
    op.create_index("ix_businesses_naics", "businesses", ["naics"])
    op.create_table(
        "export_intensity", sa.Column("naics", sa.String(6), primary_key=True), sa.Column("exports_usd", sa.Float),
        sa.Column("exports_year", sa.Integer), sa.Column("employment", sa.Float),
        sa.Column("employment_year", sa.Integer), sa.Column("intensity", sa.Float),
        sa.Column("measured", sa.Boolean, nullable=False), _text("note"), _prov())


def downgrade() -> None:
    for name in ("export_intensity", "businesses", "column_mappings", "changes", *reversed(CHILDREN),
                 "company_sales", "companies"):
        op.drop_table(name)
