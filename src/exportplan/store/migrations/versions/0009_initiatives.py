"""The organization's own programs (release 0.8): runs of its programs, pitch competitions, company export
plans and the attribution of outcomes.

- ``initiatives``: a run of one of the organization's own programs (cohort, competition, mission,
  event, referral program) with its dates, country, sector, partners, cost and grants; ``rules``
  is JSON text (a competition's cost-share rule, minimum score, application fields).
- ``initiative_members``: the companies taking part (status, coach); ``initiative_sessions`` and
  ``attendance``: a cohort's sessions and who came; ``mission_meetings``: a mission's meetings.
- ``competition_*``: a round's rubric criteria, judges, applications (the organization's fields as
  JSON), judge assignments, scores, conflicts of interest, the awards as decided and the receipts
  claimed against them.
- ``company_plans``, ``company_plan_texts``, ``company_plan_items``: a company's own export plan,
  its text sections (optimistic locking, as the regional plan's) and its actions and metrics.
- ``outcome_attributions``: a pipeline outcome attributed to a run or to a referral.

Children go with their parent (ON DELETE CASCADE); a company plan outlives its cohort
(SET NULL). Indexes on every foreign key that lists children.

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

TABLES = ("initiatives", "initiative_members", "initiative_sessions", "attendance",
          "mission_meetings", "competition_criteria", "competition_judges",
          "competition_applications", "competition_assignments", "competition_scores",
          "competition_conflicts", "competition_awards", "competition_receipts", "company_plans",
          "company_plan_texts", "company_plan_items", "outcome_attributions")


def _initiative_fk(primary_key: bool = False) -> sa.Column:
    return sa.Column("initiative_id", sa.Integer, sa.ForeignKey("initiatives.id", ondelete="CASCADE"), nullable=False,
                     primary_key=primary_key)


def _application_fk() -> sa.Column:
    return sa.Column("application_id", sa.Integer, sa.ForeignKey("competition_applications.id", ondelete="CASCADE"),
                     primary_key=True)


def upgrade() -> None:
    op.create_table(
        "initiatives",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("key", sa.Text, nullable=False, unique=True),
        sa.Column("kind", sa.String(20), nullable=False),  # cohort | competition | mission | event | referral program
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False, server_default="planned"),  # planned | open | closed
        sa.Column("start_date", sa.String(10), nullable=False, server_default=""),
        sa.Column("end_date", sa.String(10), nullable=False, server_default=""),
        sa.Column("iso3", sa.String(3), nullable=False, server_default=""),  # a mission's or event's country
        sa.Column("sector", sa.Text, nullable=False, server_default=""),  # sector name(s) or NAICS prefixes, ';'-joined
        sa.Column("city", sa.Text, nullable=False, server_default=""),
        sa.Column("partners", sa.Text, nullable=False, server_default=""),  # partner organizations, ';'-joined
        sa.Column("cost_usd", sa.Float),  # what the run cost the organization; NULL = not known
        sa.Column("grants_usd", sa.Float),  # grant dollars that paid for it (e.g. STEP); NULL = none
        sa.Column("grant_source", sa.Text, nullable=False, server_default=""),
        sa.Column("budget_usd", sa.Float),  # a competition's award budget
        sa.Column("rules", sa.Text, nullable=False, server_default="{}"),  # JSON
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("created_at", sa.Text, nullable=False, server_default=""),
        sa.Column("created_by", sa.Text, nullable=False, server_default=""),
        sa.Column("updated_at", sa.Text, nullable=False, server_default=""),
        sa.Column("updated_by", sa.Text, nullable=False, server_default=""),
    )
    op.create_table(
        "initiative_members",
        _initiative_fk(primary_key=True),
        sa.Column("company_id", sa.Integer, sa.ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("status", sa.String(20), nullable=False, server_default="enrolled"),  # enrolled | completed | withdrawn
        sa.Column("coach", sa.Text, nullable=False, server_default=""),  # the staff user who coaches the company
        sa.Column("joined_date", sa.String(10), nullable=False, server_default=""),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
    )
    op.create_table(
        "initiative_sessions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _initiative_fk(),
        sa.Column("date", sa.String(10), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.UniqueConstraint("initiative_id", "date", "title", name="uq_initiative_sessions"),
    )
    op.create_table(
        "attendance",
        sa.Column("session_id", sa.Integer, sa.ForeignKey("initiative_sessions.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("company_id", sa.Integer, sa.ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("present", sa.Boolean, nullable=False, server_default="1"),
    )
    op.create_table(
        "mission_meetings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _initiative_fk(),
        sa.Column("company_id", sa.Integer, sa.ForeignKey("companies.id", ondelete="CASCADE"), nullable=False),
        sa.Column("date", sa.String(10), nullable=False, server_default=""),
        sa.Column("counterpart", sa.Text, nullable=False),  # the buyer, distributor or agency met
        sa.Column("iso3", sa.String(3), nullable=False, server_default=""),
        sa.Column("result", sa.Text, nullable=False, server_default=""),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
    )
    op.create_table(
        "competition_criteria",
        _initiative_fk(primary_key=True),
        sa.Column("key", sa.String(40), primary_key=True),
        sa.Column("label", sa.Text, nullable=False),
        sa.Column("weight", sa.Float, nullable=False),
        sa.Column("max_points", sa.Float, nullable=False),
        sa.Column("position", sa.Integer, nullable=False, server_default="0"),
    )
    op.create_table(
        "competition_judges",
        _initiative_fk(primary_key=True),
        sa.Column("judge", sa.String(120), primary_key=True),  # the judge's user name
        sa.Column("name", sa.Text, nullable=False, server_default=""),
        sa.Column("email", sa.Text, nullable=False, server_default=""),
    )
    op.create_table(
        "competition_applications",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _initiative_fk(),
        sa.Column("key", sa.String(60), nullable=False),  # the application id users write
        sa.Column("company_id", sa.Integer, sa.ForeignKey("companies.id", ondelete="CASCADE"), nullable=False),
        sa.Column("submitted_at", sa.Text, nullable=False, server_default=""),
        sa.Column("cost_usd", sa.Float),  # the eligible project cost the cost-share rule applies to
        sa.Column("fields", sa.Text, nullable=False, server_default="{}"),  # JSON: the organization's application fields
        sa.Column("status", sa.String(20), nullable=False, server_default="submitted"),  # submitted | withdrawn
        sa.UniqueConstraint("initiative_id", "key", name="uq_competition_applications"),
    )
    op.create_table(
        "competition_assignments",
        _application_fk(),
        sa.Column("judge", sa.String(120), primary_key=True),
    )
    op.create_table(
        "competition_scores",
        _application_fk(),
        sa.Column("judge", sa.String(120), primary_key=True),
        sa.Column("criterion", sa.String(40), primary_key=True),
        sa.Column("points", sa.Float, nullable=False),
        sa.Column("scored_at", sa.Text, nullable=False, server_default=""),
    )
    op.create_table(
        "competition_conflicts",
        _application_fk(),
        sa.Column("judge", sa.String(120), primary_key=True),
        sa.Column("reason", sa.Text, nullable=False, server_default=""),
        sa.Column("recorded_at", sa.Text, nullable=False, server_default=""),
        sa.Column("recorded_by", sa.Text, nullable=False, server_default=""),
    )
    op.create_table(
        "competition_awards",
        _application_fk(),
        sa.Column("rank", sa.Integer),
        sa.Column("score", sa.Float),
        sa.Column("award_usd", sa.Float, nullable=False),
        sa.Column("status", sa.String(20), nullable=False, server_default="awarded"),  # awarded | partial
        sa.Column("decided_at", sa.Text, nullable=False, server_default=""),
        sa.Column("decided_by", sa.Text, nullable=False, server_default=""),
    )
    op.create_table(
        "competition_receipts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("application_id", sa.Integer, sa.ForeignKey("competition_applications.id", ondelete="CASCADE"),
               nullable=False),
        sa.Column("receipt", sa.String(60), nullable=False),  # the receipt's id (invoice number)
        sa.Column("date", sa.String(10), nullable=False),
        sa.Column("amount_usd", sa.Float, nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.UniqueConstraint("application_id", "receipt", name="uq_competition_receipts"),
    )
    op.create_table(
        "company_plans",
        sa.Column("company_id", sa.Integer, sa.ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("initiative_id", sa.Integer, sa.ForeignKey("initiatives.id", ondelete="SET NULL")),
        sa.Column("status", sa.String(20), nullable=False, server_default="draft"),  # draft | in review | written
        sa.Column("coach", sa.Text, nullable=False, server_default=""),
        sa.Column("markets", sa.Text, nullable=False, server_default=""),  # markets the company names, ISO3 ';'-joined
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("updated_at", sa.Text, nullable=False, server_default=""),
        sa.Column("updated_by", sa.Text, nullable=False, server_default=""),
    )
    op.create_table(
        "company_plan_texts",
        sa.Column("company_id", sa.Integer, sa.ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("section", sa.String(60), primary_key=True),
        sa.Column("text", sa.Text, nullable=False, server_default=""),
        sa.Column("version", sa.Integer, nullable=False, server_default="1"),
        sa.Column("updated_at", sa.Text, nullable=False, server_default=""),
        sa.Column("updated_by", sa.Text, nullable=False, server_default=""),
    )
    op.create_table(
        "company_plan_items",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("company_id", sa.Integer, sa.ForeignKey("companies.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", sa.String(10), nullable=False),  # action | metric
        sa.Column("position", sa.Integer, nullable=False, server_default="0"),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("owner", sa.Text, nullable=False, server_default=""),
        sa.Column("due_date", sa.String(10), nullable=False, server_default=""),
        sa.Column("budget_usd", sa.Float),
        sa.Column("target", sa.Float),  # a metric's target
        sa.Column("unit", sa.Text, nullable=False, server_default=""),
        sa.Column("status", sa.String(20), nullable=False, server_default=""),  # an action's: planned | done | dropped
        sa.Column("note", sa.Text, nullable=False, server_default=""),
    )
    op.create_table(
        "outcome_attributions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("outcome_id", sa.Integer, sa.ForeignKey("outcomes.id", ondelete="CASCADE"), nullable=False),
        sa.Column("initiative_id", sa.Integer, sa.ForeignKey("initiatives.id", ondelete="CASCADE")),
        sa.Column("referral_id", sa.Integer, sa.ForeignKey("referrals.id", ondelete="CASCADE")),
        sa.Column("created_at", sa.Text, nullable=False, server_default=""),
        sa.Column("created_by", sa.Text, nullable=False, server_default=""),
        sa.UniqueConstraint("outcome_id", "initiative_id", name="uq_attributions_initiative"),
        sa.UniqueConstraint("outcome_id", "referral_id", name="uq_attributions_referral"),
    )
    op.create_index("ix_initiative_members_company_id", "initiative_members", ["company_id"])
    op.create_index("ix_initiative_sessions_initiative_id", "initiative_sessions", ["initiative_id"])
    op.create_index("ix_attendance_company_id", "attendance", ["company_id"])
    op.create_index("ix_mission_meetings_company_id", "mission_meetings", ["company_id"])
    op.create_index("ix_mission_meetings_initiative_id", "mission_meetings", ["initiative_id"])
    op.create_index("ix_competition_applications_company_id", "competition_applications", ["company_id"])
    op.create_index("ix_competition_applications_initiative_id", "competition_applications", ["initiative_id"])
    op.create_index("ix_competition_assignments_judge", "competition_assignments", ["judge"])
    op.create_index("ix_competition_receipts_application_id", "competition_receipts", ["application_id"])
    op.create_index("ix_company_plans_initiative_id", "company_plans", ["initiative_id"])
    op.create_index("ix_company_plan_items_company_id", "company_plan_items", ["company_id"])
    op.create_index("ix_outcome_attributions_initiative_id", "outcome_attributions", ["initiative_id"])
    op.create_index("ix_outcome_attributions_outcome_id", "outcome_attributions", ["outcome_id"])
    op.create_index("ix_outcome_attributions_referral_id", "outcome_attributions", ["referral_id"])


def downgrade() -> None:
    for name in reversed(TABLES):
        op.drop_table(name)
