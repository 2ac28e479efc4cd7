"""The tables of the organization's own programs (migration 0009), part of :mod:`exportplan.store.schema`.

Import them from ``schema`` (``from . import schema as t``; ``t.initiatives``): this module only keeps
``schema`` within the size limit. Same rules as there: changes are made by migrations.
"""
from __future__ import annotations

from sqlalchemy import Boolean, Column, Float, ForeignKey, Integer, String, Table, Text, UniqueConstraint

from .schema import metadata


# ---- release 0.8: the organization's own programs (migration 0009) ----
# A run of one of the organization's own programs ("initiative"): an export acceleration cohort,
# a pitch competition round, a trade mission, an event or training, or a referral program. Each
# has an integer ``id`` (inside the store) and a text ``key`` users write (e.g. ``exportech-2026``).
# Children go with their initiative (ON DELETE CASCADE), and with their company. ``rules`` is JSON
# text: a competition's cost-share tiers, cap, minimum score and application fields.
initiatives = Table(
    "initiatives", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", Text, nullable=False, unique=True),
    Column("kind", String(20), nullable=False),  # cohort | competition | mission | event | referral program
    Column("name", Text, nullable=False),
    Column("status", String(20), nullable=False, server_default="planned"),  # planned | open | closed
    Column("start_date", String(10), nullable=False, server_default=""),
    Column("end_date", String(10), nullable=False, server_default=""),
    Column("iso3", String(3), nullable=False, server_default=""),  # a mission's or event's country
    Column("sector", Text, nullable=False, server_default=""),  # sector name(s) or NAICS prefixes, ';'-joined
    Column("city", Text, nullable=False, server_default=""),
    Column("partners", Text, nullable=False, server_default=""),  # partner organizations, ';'-joined
    Column("cost_usd", Float),  # what the run cost the organization; NULL = not known
    Column("grants_usd", Float),  # grant dollars that paid for it (e.g. STEP); NULL = none
    Column("grant_source", Text, nullable=False, server_default=""),
    Column("budget_usd", Float),  # a competition's award budget
    Column("rules", Text, nullable=False, server_default="{}"),  # JSON
    Column("note", Text, nullable=False, server_default=""),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("created_at", Text, nullable=False, server_default=""),
    Column("created_by", Text, nullable=False, server_default=""),
    Column("updated_at", Text, nullable=False, server_default=""),
    Column("updated_by", Text, nullable=False, server_default=""),
)


def _initiative_fk(primary_key: bool = False) -> Column:
    return Column("initiative_id", Integer, ForeignKey("initiatives.id", ondelete="CASCADE"), nullable=False,
                  primary_key=primary_key, index=not primary_key)


# The companies taking part in a run (a cohort's companies, a mission's participants, an event's attendees).
initiative_members = Table(
    "initiative_members", metadata,
    _initiative_fk(primary_key=True),
    Column("company_id", Integer, ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True, index=True),
    Column("status", String(20), nullable=False, server_default="enrolled"),  # enrolled | completed | withdrawn
    Column("coach", Text, nullable=False, server_default=""),  # the staff user who coaches the company
    Column("joined_date", String(10), nullable=False, server_default=""),
    Column("note", Text, nullable=False, server_default=""),
)

# A cohort's (or event's) sessions and who attended each.
initiative_sessions = Table(
    "initiative_sessions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _initiative_fk(),
    Column("date", String(10), nullable=False),
    Column("title", Text, nullable=False),
    Column("note", Text, nullable=False, server_default=""),
    UniqueConstraint("initiative_id", "date", "title", name="uq_initiative_sessions"),
)

attendance = Table(
    "attendance", metadata,
    Column("session_id", Integer, ForeignKey("initiative_sessions.id", ondelete="CASCADE"), primary_key=True),
    Column("company_id", Integer, ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True, index=True),
    Column("present", Boolean, nullable=False, server_default="1"),
)

# A mission's meetings: which company met whom, and what came of it.
mission_meetings = Table(
    "mission_meetings", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _initiative_fk(),
    Column("company_id", Integer, ForeignKey("companies.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("date", String(10), nullable=False, server_default=""),
    Column("counterpart", Text, nullable=False),  # the buyer, distributor or agency met
    Column("iso3", String(3), nullable=False, server_default=""),
    Column("result", Text, nullable=False, server_default=""),
    Column("note", Text, nullable=False, server_default=""),
)

# A pitch competition round: rubric, judges, applications, assignments, scores, conflicts, awards, receipts.
competition_criteria = Table(
    "competition_criteria", metadata,
    _initiative_fk(primary_key=True),
    Column("key", String(40), primary_key=True),
    Column("label", Text, nullable=False),
    Column("weight", Float, nullable=False),
    Column("max_points", Float, nullable=False),
    Column("position", Integer, nullable=False, server_default="0"),
)

competition_judges = Table(
    "competition_judges", metadata,
    _initiative_fk(primary_key=True),
    Column("judge", String(120), primary_key=True),  # the judge's user name
    Column("name", Text, nullable=False, server_default=""),
    Column("email", Text, nullable=False, server_default=""),
)

competition_applications = Table(
    "competition_applications", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    _initiative_fk(),
    Column("key", String(60), nullable=False),  # the application id users write
    Column("company_id", Integer, ForeignKey("companies.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("submitted_at", Text, nullable=False, server_default=""),
    Column("cost_usd", Float),  # the eligible project cost the cost-share rule applies to
    Column("fields", Text, nullable=False, server_default="{}"),  # JSON: the organization's application fields
    Column("status", String(20), nullable=False, server_default="submitted"),  # submitted | withdrawn
    UniqueConstraint("initiative_id", "key", name="uq_competition_applications"),
)


def _application_fk() -> Column:
    return Column("application_id", Integer, ForeignKey("competition_applications.id", ondelete="CASCADE"),
                  primary_key=True)


competition_assignments = Table(
    "competition_assignments", metadata,
    _application_fk(),
    Column("judge", String(120), primary_key=True, index=True),
)

competition_scores = Table(
    "competition_scores", metadata,
    _application_fk(),
    Column("judge", String(120), primary_key=True),
    Column("criterion", String(40), primary_key=True),
    Column("points", Float, nullable=False),
    Column("scored_at", Text, nullable=False, server_default=""),
)

competition_conflicts = Table(
    "competition_conflicts", metadata,
    _application_fk(),
    Column("judge", String(120), primary_key=True),
    Column("reason", Text, nullable=False, server_default=""),
    Column("recorded_at", Text, nullable=False, server_default=""),
    Column("recorded_by", Text, nullable=False, server_default=""),
)

# The awards as decided (frozen: later score changes do not silently change a grant).
competition_awards = Table(
    "competition_awards", metadata,
    _application_fk(),
    Column("rank", Integer),
    Column("score", Float),
    Column("award_usd", Float, nullable=False),
    Column("status", String(20), nullable=False, server_default="awarded"),  # awarded | partial
    Column("decided_at", Text, nullable=False, server_default=""),
    Column("decided_by", Text, nullable=False, server_default=""),
)

competition_receipts = Table(
    "competition_receipts", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("application_id", Integer, ForeignKey("competition_applications.id", ondelete="CASCADE"),
           nullable=False, index=True),
    Column("receipt", String(60), nullable=False),  # the receipt's id (invoice number)
    Column("date", String(10), nullable=False),
    Column("amount_usd", Float, nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    UniqueConstraint("application_id", "receipt", name="uq_competition_receipts"),
)

# A company's own export plan (written in an acceleration cohort with a coach).
company_plans = Table(
    "company_plans", metadata,
    Column("company_id", Integer, ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True),
    Column("initiative_id", Integer, ForeignKey("initiatives.id", ondelete="SET NULL"), index=True),
    Column("status", String(20), nullable=False, server_default="draft"),  # draft | in review | written
    Column("coach", Text, nullable=False, server_default=""),
    Column("markets", Text, nullable=False, server_default=""),  # markets the company names, ISO3 ';'-joined
    Column("version", Integer, nullable=False, server_default="1"),
    Column("updated_at", Text, nullable=False, server_default=""),
    Column("updated_by", Text, nullable=False, server_default=""),
)

company_plan_texts = Table(
    "company_plan_texts", metadata,
    Column("company_id", Integer, ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True),
    Column("section", String(60), primary_key=True),
    Column("text", Text, nullable=False, server_default=""),
    Column("version", Integer, nullable=False, server_default="1"),
    Column("updated_at", Text, nullable=False, server_default=""),
    Column("updated_by", Text, nullable=False, server_default=""),
)

# The plan's action items (what, who, when, budget) and the metrics the company will report.
company_plan_items = Table(
    "company_plan_items", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("company_id", Integer, ForeignKey("companies.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("kind", String(10), nullable=False),  # action | metric
    Column("position", Integer, nullable=False, server_default="0"),
    Column("title", Text, nullable=False),
    Column("owner", Text, nullable=False, server_default=""),
    Column("due_date", String(10), nullable=False, server_default=""),
    Column("budget_usd", Float),
    Column("target", Float),  # a metric's target
    Column("unit", Text, nullable=False, server_default=""),
    Column("status", String(20), nullable=False, server_default=""),  # an action's: planned | done | dropped
    Column("note", Text, nullable=False, server_default=""),
)

# Outcomes attributed to a run of the organization's programs or to a referral (exactly one of the two).
outcome_attributions = Table(
    "outcome_attributions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("outcome_id", Integer, ForeignKey("outcomes.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("initiative_id", Integer, ForeignKey("initiatives.id", ondelete="CASCADE"), index=True),
    Column("referral_id", Integer, ForeignKey("referrals.id", ondelete="CASCADE"), index=True),
    Column("created_at", Text, nullable=False, server_default=""),
    Column("created_by", Text, nullable=False, server_default=""),
    UniqueConstraint("outcome_id", "initiative_id", name="uq_attributions_initiative"),
    UniqueConstraint("outcome_id", "referral_id", name="uq_attributions_referral"),
)

__all__ = ["initiatives", "initiative_members", "initiative_sessions", "attendance", "mission_meetings",
           "competition_criteria", "competition_judges", "competition_applications",
           "competition_assignments", "competition_scores", "competition_conflicts",
           "competition_awards", "competition_receipts", "company_plans", "company_plan_texts",
           "company_plan_items", "outcome_attributions"]
