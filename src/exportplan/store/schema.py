"""The workspace's tables (SQLAlchemy Core), the same on SQLite and PostgreSQL.

This module describes the CURRENT schema, for queries. Free text and codes
whose length is not fixed by their publisher are ``Text`` (migration 0003):
SQLite accepts any length, PostgreSQL would refuse a longer value. Changes to
it are made by migrations in ``migrations/versions`` (never by ``create_all``), so that a
workspace made by an older release upgrades without losing data.
"""
from __future__ import annotations

from sqlalchemy import (
    BigInteger, Boolean, Column, Float, ForeignKey, Index, Integer, MetaData, String, Table, Text, UniqueConstraint,
)

metadata = MetaData()

# ---- release 0.3: which workspace owns the database (migration 0003) ----
# One row. A workspace folder's exportplan.toml names the same id, so that a
# folder never opens (or overwrites) the database of another workspace.
workspace_info = Table(
    "workspace_info", metadata,
    Column("id", String(36), primary_key=True),  # a UUID
    Column("name", Text, nullable=False),
    Column("sample", Boolean, nullable=False, default=False),
    Column("created", String(40), nullable=False),
)

provenance = Table(
    "provenance", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(40), nullable=False),  # qcew, crosswalk, peers, titles, targets, ...
    Column("publisher", Text, nullable=False, default=""),
    Column("dataset", Text, nullable=False, default=""),
    Column("vintage", Text, nullable=False, default=""),
    Column("source", Text, nullable=False, default=""),  # file name the user gave, or URL
    Column("url", Text, nullable=False, default=""),
    Column("retrieved_at", String(40), nullable=False, default=""),
    Column("imported_at", String(40), nullable=False),
    Column("sha256", String(64), nullable=False, default=""),
    Column("rows", Integer, nullable=False, default=0),
    Column("layout", Text, nullable=False, default=""),
    Column("note", Text, nullable=False, default=""),
)

qcew = Table(
    "qcew", metadata,
    Column("area_fips", String(5), primary_key=True),
    Column("own_code", String(1), primary_key=True),
    Column("industry_code", String(10), primary_key=True),
    Column("size_code", String(2), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("qtr", String(1), primary_key=True),
    Column("agglvl_code", String(2), nullable=False),
    Column("disclosure_code", String(1), nullable=False, default=""),
    Column("estabs", BigInteger),
    Column("emplvl", Float),
    Column("total_wages", Float),
    Column("avg_annual_pay", Float),
    Column("bls_lq_emplvl", Float),
    Column("provenance_id", Integer, ForeignKey("provenance.id"), nullable=False),
)

area_titles = Table(
    "area_titles", metadata,
    Column("area_fips", String(5), primary_key=True),
    Column("title", Text, nullable=False),
)

industry_titles = Table(
    "industry_titles", metadata,
    Column("naics", Text, primary_key=True),
    Column("title", Text, nullable=False),
    Column("source", Text, nullable=False, default=""),
)

crosswalks = Table(
    "crosswalks", metadata,
    Column("name", String(120), primary_key=True),
    Column("provenance_id", Integer, ForeignKey("provenance.id"), nullable=False),
    Column("sha256", String(64), nullable=False),  # of the mapping content, recorded with results
    Column("edited", Boolean, nullable=False, default=False),
    Column("active", Boolean, nullable=False, default=False),
    Column("note", Text, nullable=False, default=""),
)

crosswalk_rows = Table(
    "crosswalk_rows", metadata,
    Column("crosswalk", String(120), ForeignKey("crosswalks.name"), primary_key=True),
    Column("naics", String(6), primary_key=True),
    Column("cluster_code", Text, nullable=False, default=""),
    Column("cluster_name", Text, nullable=False, default=""),
    Column("type", Text, nullable=False),
    Column("subcluster", Text, nullable=False, default=""),
)

peer_clusters = Table(
    "peer_clusters", metadata,
    Column("peer_set", String(120), primary_key=True),
    Column("region_code", String(20), primary_key=True),
    Column("cluster_code", Text, primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("region_name", Text, nullable=False, default=""),
    Column("region_type", String(40), nullable=False, default=""),
    Column("cluster_name", Text, nullable=False, default=""),
    Column("type", Text, nullable=False, default=""),
    Column("employment", Float),
    Column("establishments", Float),
    Column("lq", Float),
    Column("provenance_id", Integer, ForeignKey("provenance.id"), nullable=False),
)

# ---- release 0.4: what each peer set is (migration 0004) ----
# One row per peer set: the kind of its regions and its years, so that the
# strong-cluster flags compare a region only with regions of its kind and year.
peer_sets = Table(
    "peer_sets", metadata,
    Column("name", String(120), primary_key=True),  # peer_clusters.peer_set
    Column("region_kind", String(40), nullable=False, default=""),  # state | msa | county | economic_area | mixed | ''
    Column("years", Text, nullable=False, default=""),  # comma-separated data years, e.g. "2016"
    Column("method", String(20), nullable=False, default="file"),  # file (USCMP layout) | qcew (computed)
    Column("mismatch", Text, nullable=False, default=""),  # what did not match the region, accepted explicitly
    Column("provenance_id", Integer, ForeignKey("provenance.id"), nullable=False),
)

# ---- release 0.2: inputs of the sector and market rankings (migration 0002) ----
# Interim tables that company records will later feed (foreign parents, target
# markets); each row keeps the provenance of the file it came from.

targets = Table(
    "targets", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("target", Text, nullable=False),
    Column("kind", String(10), nullable=False),  # naics | cluster
    Column("priority", Integer, nullable=False, default=1),
    Column("source", Text, nullable=False, default=""),
    Column("note", Text, nullable=False, default=""),
    Column("provenance_id", Integer, ForeignKey("provenance.id"), nullable=False),
)

sector_fdi = Table(
    "sector_fdi", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(10), nullable=False, default="naics"),  # naics | cluster
    Column("sector", Text, nullable=False),
    Column("foreign_establishments", Float),
    Column("foreign_companies", Float),
    Column("jobs", Float),
    Column("year", Integer),
    Column("source", Text, nullable=False, default=""),
    Column("provenance_id", Integer, ForeignKey("provenance.id"), nullable=False),
)

assets = Table(
    "assets", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(10), nullable=False, default="naics"),  # naics | cluster
    Column("sector", Text, nullable=False),
    Column("asset", Text, nullable=False),
    Column("strength", Integer, nullable=False, default=1),
    Column("provenance_id", Integer, ForeignKey("provenance.id"), nullable=False),
)

country_values = Table(
    "country_values", metadata,
    Column("iso3", String(3), primary_key=True),
    Column("indicator", Text, primary_key=True),
    Column("year", Integer, primary_key=True),  # 0 when the value has no year
    Column("value", Float),
    Column("value_text", Text, nullable=False, default=""),
    Column("provenance_id", Integer, ForeignKey("provenance.id"), nullable=False),
)

exports = Table(
    "exports", metadata,
    Column("scope", String(10), primary_key=True),  # region | state | nation
    Column("area", Text, primary_key=True),
    Column("iso3", String(3), primary_key=True),
    Column("naics", String(10), primary_key=True),  # '' = all goods
    Column("year", Integer, primary_key=True),
    Column("value_usd", Float),
    Column("provenance_id", Integer, ForeignKey("provenance.id"), nullable=False),
)

partnerships = Table(
    "partnerships", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("city", Text, nullable=False, default=""),
    Column("partner", Text, nullable=False, default=""),
    Column("iso3", String(3), nullable=False),
    Column("type", String(20), nullable=False),
    Column("since", Integer),
    Column("strength", Integer, nullable=False, default=1),
    Column("note", Text, nullable=False, default=""),
    Column("provenance_id", Integer, ForeignKey("provenance.id"), nullable=False),
)

fdi = Table(
    "fdi", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(10), nullable=False, default="naics"),  # naics | cluster
    Column("iso3", String(3), nullable=False),
    Column("establishments", Float),
    Column("jobs", Float),
    Column("sector", Text, nullable=False, default=""),
    Column("company", Text, nullable=False, default=""),
    Column("year", Integer),
    Column("provenance_id", Integer, ForeignKey("provenance.id"), nullable=False),
)

survey = Table(
    "survey", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("company", Text, nullable=False),
    Column("iso3", String(3), nullable=False),
    Column("weight", Float, nullable=False, default=1.0),
    Column("year", Integer),
    Column("note", Text, nullable=False, default=""),
    Column("provenance_id", Integer, ForeignKey("provenance.id"), nullable=False),
)

# ---- release 0.5: the exporter pipeline (migration 0005) ----
# Companies the organization works with, their records, and the audit log. A
# company's children (contacts, interactions, ...) go with it (ON DELETE CASCADE);
# the audit log (`changes`) outlives them. Dates are ISO text (YYYY-MM-DD, or a
# full UTC timestamp for created/updated/at).


def _company_fk() -> Column:
    return Column("company_id", Integer, ForeignKey("companies.id", ondelete="CASCADE"), nullable=False, index=True)


companies = Table(
    "companies", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", Text, nullable=False, unique=True),  # the organization's own stable company id
    Column("name", Text, nullable=False),
    Column("name_key", Text, nullable=False, default="", index=True),  # analysis.company_names.name_key
    Column("naics", String(6), nullable=False, default="", index=True),
    Column("sector", Text, nullable=False, default=""),
    Column("county_fips", String(5), nullable=False, default="", index=True),
    Column("city", Text, nullable=False, default=""),
    Column("employees", Integer),
    Column("revenue_usd", Float),
    Column("website", Text, nullable=False, default=""),
    Column("foreign_parent", Text, nullable=False, default=""),
    Column("parent_country", String(3), nullable=False, default=""),
    Column("stage", String(20), nullable=False, default="not ready", index=True),
    Column("current_markets", Text, nullable=False, default=""),  # ISO3 codes joined by ';'
    Column("target_markets", Text, nullable=False, default=""),
    Column("tags", Text, nullable=False, default=""),  # joined by ';'
    Column("notes", Text, nullable=False, default=""),
    Column("version", Integer, nullable=False, default=1),  # optimistic lock: +1 per update
    Column("created_at", String(40), nullable=False, default=""),
    Column("created_by", Text, nullable=False, default=""),
    Column("updated_at", String(40), nullable=False, default=""),
    Column("updated_by", Text, nullable=False, default=""),
    Column("provenance_id", Integer, ForeignKey("provenance.id")),
)
Index("ix_companies_name", companies.c.name, companies.c.key)

company_sales = Table(
    "company_sales", metadata,
    Column("company_id", Integer, ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True),
    Column("year", Integer, primary_key=True),
    Column("export_sales_usd", Float),
)

contacts = Table(
    "contacts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _company_fk(),
    Column("name", Text, nullable=False),
    Column("role", Text, nullable=False, default=""),
    Column("email", Text, nullable=False, default=""),
    Column("phone", Text, nullable=False, default=""),
)

interactions = Table(
    "interactions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _company_fk(),
    Column("date", String(10), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("summary", Text, nullable=False, default=""),
    Column("staff", Text, nullable=False, default=""),
)

needs = Table(
    "needs", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _company_fk(),
    Column("service_category", String(60), nullable=False),
    Column("iso3", String(3), nullable=False, default=""),  # '' = any country
    Column("note", Text, nullable=False, default=""),
)

referrals = Table(
    "referrals", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _company_fk(),
    Column("date", String(10), nullable=False),
    Column("provider", Text, nullable=False),
    Column("program", Text, nullable=False, default=""),
    Column("referrer", Text, nullable=False, default=""),
    Column("status", String(20), nullable=False, default="made"),
    Column("outcome", Text, nullable=False, default=""),
    # The inventory program referred to (programs.key; migration 0006), '' when none is named.
    Column("program_key", Text, nullable=False, default="", server_default="", index=True),
)

outcomes = Table(
    "outcomes", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _company_fk(),
    Column("date", String(10), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("iso3", String(3), nullable=False, default=""),
    Column("export_sales_usd", Float),
    Column("program", Text, nullable=False, default=""),
    Column("note", Text, nullable=False, default=""),
)

stage_history = Table(
    "stage_history", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _company_fk(),
    Column("date", String(10), nullable=False),
    Column("from_stage", String(20), nullable=False, default=""),  # '' for a company's first stage
    Column("to_stage", String(20), nullable=False),
    Column("changed_by", Text, nullable=False, default=""),
    Column("source", String(20), nullable=False, default="manual"),  # import | manual | assessment
    Column("note", Text, nullable=False, default=""),
)

assessments = Table(
    "assessments", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _company_fk(),
    Column("date", String(10), nullable=False),
    Column("assessed_by", Text, nullable=False, default=""),
    Column("answers", Text, nullable=False, default="{}"),  # JSON: item key -> answer
    Column("score", Float),
    Column("suggested_stage", String(20), nullable=False, default=""),
    Column("confirmed_stage", String(20), nullable=False, default=""),
)

# The audit log: who changed what, when. No foreign key: it outlives what it names,
# and it never holds a contact's personal values.
changes = Table(
    "changes", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", String(40), nullable=False),
    Column("user", Text, nullable=False, default=""),
    Column("entity", String(40), nullable=False),  # company | contact | mapping | ...
    Column("entity_id", Text, nullable=False, default=""),  # a company's key, a contact's id
    Column("field", Text, nullable=False, default=""),
    Column("old", Text, nullable=False, default=""),
    Column("new", Text, nullable=False, default=""),
    Index("ix_changes_entity", "entity", "entity_id"),
    Index("ix_changes_at", "at"),  # the newest changes first (migration 0012)
)

column_mappings = Table(
    "column_mappings", metadata,
    Column("name", String(120), primary_key=True),
    Column("mapping", Text, nullable=False),  # JSON: source column -> canonical column
    Column("created_at", String(40), nullable=False, default=""),
)

# The region's businesses (prospects) and the export intensity of their industries.
businesses = Table(
    "businesses", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", Text, nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("name_key", Text, nullable=False, default="", index=True),
    Column("naics", String(6), nullable=False, default="", index=True),
    Column("county_fips", String(5), nullable=False, default=""),
    Column("employees", Integer),
    Column("foreign_parent", Text, nullable=False, default=""),
    Column("parent_country", String(3), nullable=False, default=""),
    Column("provenance_id", Integer, ForeignKey("provenance.id"), nullable=False),
)

export_intensity = Table(
    "export_intensity", metadata,
    Column("naics", String(6), primary_key=True),
    Column("exports_usd", Float),
    Column("exports_year", Integer),
    Column("employment", Float),
    Column("employment_year", Integer),
    Column("intensity", Float),  # exports per worker, USD
    Column("measured", Boolean, nullable=False, default=True),  # False: not measured by goods data
    Column("note", Text, nullable=False, default=""),
    Column("provenance_id", Integer, ForeignKey("provenance.id"), nullable=False),
)


# ---- release 0.6: the export-services program inventory (migration 0006) ----
# Providers, their programs and the programs' dated events. Each row has an
# integer ``id`` (inside the store) and a text ``key``: the sheet's provider_id,
# program_id or event_id. A program's ``provider_id`` and an event's
# ``program_id`` hold the parent's integer id (the repository shows the key);
# children go with their parent (ON DELETE CASCADE). List cells are ';'-joined
# text; blank numbers are NULL; ``last_verified`` is the ISO date of the evidence
# held, '' = not verified. ``origin``: catalogue | user | offices.


def _sources() -> list[Column]:
    return [Column("source_url", Text, nullable=False, default=""),
            Column("last_verified", String(10), nullable=False, default=""),
            Column("evidence", Text, nullable=False, default="")]


def _origin() -> list[Column]:
    return [Column("origin", String(20), nullable=False),
            Column("provenance_id", Integer, ForeignKey("provenance.id"))]  # file of the row's last change


providers = Table(
    "providers", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", Text, nullable=False, unique=True),  # the sheet's provider_id
    Column("name", Text, nullable=False),
    Column("level", String(20), nullable=False),  # program_terms.LEVELS
    Column("type", Text, nullable=False, default=""),
    Column("states", Text, nullable=False, default=""),  # postal codes, ';'-joined; '' or 'all' = nationwide
    Column("geography", Text, nullable=False, default=""),
    Column("address", Text, nullable=False, default=""),
    Column("phone", Text, nullable=False, default=""),
    Column("contact", Text, nullable=False, default=""),
    Column("url", Text, nullable=False, default=""),
    *_sources(),
    Column("note", Text, nullable=False, default=""),
    *_origin(),
)

programs = Table(
    "programs", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", Text, nullable=False, unique=True),  # the sheet's program_id
    Column("provider_id", Integer, ForeignKey("providers.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("name", Text, nullable=False),
    Column("status", String(20), nullable=False, default="existing"),  # existing | proposed
    Column("categories", Text, nullable=False, default=""),  # service categories, ';'-joined
    Column("stages", Text, nullable=False, default=""),
    Column("sectors", Text, nullable=False, default=""),
    Column("countries", Text, nullable=False, default=""),
    Column("min_employees", Integer),
    Column("max_employees", Integer),
    Column("min_us_content_pct", Float),  # 0-100
    Column("min_years_in_business", Integer),
    Column("eligible_states", Text, nullable=False, default=""),
    Column("eligibility_note", Text, nullable=False, default=""),
    Column("cost", String(20), nullable=False, default=""),  # free | fee | cost-share
    Column("cost_share_rate", Float),  # 0-1, the share the program pays
    Column("cost_share_cap_usd", Float),
    Column("cost_note", Text, nullable=False, default=""),
    Column("funding_source", Text, nullable=False, default=""),
    Column("capacity", Integer),  # companies a year; NULL = unknown (never unlimited, never zero)
    Column("pays_for", Text, nullable=False, default=""),  # service categories whose fees it helps pay
    Column("calendar", Text, nullable=False, default=""),
    *_sources(),
    Column("note", Text, nullable=False, default=""),
    *_origin(),
)

program_events = Table(
    "program_events", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", Text, nullable=False, unique=True),  # the sheet's event_id
    Column("program_id", Integer, ForeignKey("programs.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("name", Text, nullable=False),
    Column("kind", String(20), nullable=False, default=""),  # program_terms.EVENT_KINDS
    Column("iso3", Text, nullable=False, default=""),
    Column("sector", Text, nullable=False, default=""),
    Column("start_date", String(10), nullable=False, default=""),
    Column("end_date", String(10), nullable=False, default=""),
    Column("city", Text, nullable=False, default=""),
    Column("url", Text, nullable=False, default=""),
    *_sources(),
    *_origin(),
)

# ---- release 0.7: the export plan (migration 0007) ----
# Export figures published for metros and counties (Brookings Export Monitor), in US dollars.
regional_exports = Table(
    "regional_exports", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", String(40), nullable=False),  # brookings
    Column("scope", String(10), nullable=False),  # metro | county
    Column("area_code", String(10), nullable=False),  # CBSA code or county FIPS
    Column("area_name", Text, nullable=False, server_default=""),
    Column("year", Integer, nullable=False),
    Column("exports_usd", Float),
    Column("exports_real_usd", Float),
    Column("pct_gdp", Float),  # exports as a share of the area's GDP (0-1)
    Column("provenance_id", Integer, ForeignKey("provenance.id"), nullable=False),
    UniqueConstraint("source", "scope", "area_code", "year", name="uq_regional_exports_area_year"),
)

# The text of the plan's staff sections, saved by staff (optimistic lock: version +1 per save).
plan_texts = Table(
    "plan_texts", metadata,
    Column("section", String(60), primary_key=True),
    Column("text", Text, nullable=False, server_default=""),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("updated_at", Text, nullable=False, server_default=""),
    Column("updated_by", Text, nullable=False, server_default=""),
)

# The plan's goals: the indicator each tracks, its baseline (from the data when NULL) and the target.
plan_goals = Table(
    "plan_goals", metadata,
    Column("key", String(60), primary_key=True),
    Column("title", Text, nullable=False, server_default=""),
    Column("kpi", String(40), nullable=False),
    Column("unit", Text, nullable=False, server_default=""),
    Column("baseline", Float),
    Column("baseline_date", Text, nullable=False, server_default=""),
    Column("target", Float),
    Column("target_year", Integer),
    Column("note", Text, nullable=False, server_default=""),
    Column("position", Integer, nullable=False, server_default="0"),
    Column("updated_at", Text, nullable=False, server_default=""),
    Column("updated_by", Text, nullable=False, server_default=""),
)


# ---- release 0.8 and 0.9: the organization's own programs and the accounts, in their own modules ----
# (imported last: they use ``metadata`` above and name the tables above in their foreign keys)
from .schema_accounts import *  # noqa: E402,F401,F403
from .schema_own import *  # noqa: E402,F401,F403
from .schema_web import *  # noqa: E402,F401,F403
