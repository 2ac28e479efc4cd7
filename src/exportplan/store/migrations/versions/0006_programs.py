"""The export-services program inventory (release 0.6): providers, their programs and dated events,
and the inventory program a referral names.

- ``providers``: who offers export services (federal, state, regional, ...).
- ``programs``: a provider's programs; deleted with their provider (ON DELETE CASCADE).
- ``program_events``: a program's dated trade missions, trade shows and training;
  deleted with their program (ON DELETE CASCADE).
- ``referrals`` gains ``program_key`` (text, '' when the referral names no
  inventory program): the key of the program a company was referred to.

Each inventory row has an integer ``id`` used inside the store only, and a
text ``key`` (unique per table): the sheet's ``provider_id``, ``program_id`` or
``event_id``, the id users write and read. ``programs.provider_id`` and
``program_events.program_id`` hold the parent's integer id; the repository
(``store/programs.py``) shows them as the parent's key. ``origin`` says where a
row came from (catalogue, user, offices); ``provenance_id`` names the file of
its last change (nullable: rows written by hand have none). List cells are
';'-joined text; blank numbers are NULL (capacity: unknown). Dates are ISO text
(YYYY-MM-DD). Indexes: the parent id of programs and events (listing and
cascades), and a referral's program key.

Revision ID: 0006
Revises: 0005
"""
import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def _id():
    return sa.Column("id", sa.Integer, primary_key=True, autoincrement=True)


def _key():
    return sa.Column("key", sa.Text, nullable=False, unique=True)


def _text(name: str):
    return sa.Column(name, sa.Text, nullable=False)


def _code(name: str, length: int):
    return sa.Column(name, sa.String(length), nullable=False)


def _parent(name: str, table: str):
    return sa.Column(name, sa.Integer, sa.ForeignKey(f"{table}.id", ondelete="CASCADE"), nullable=False)


def _sources():
    """Where a row's facts were read: the page, the date of the evidence held ('' = not verified), the evidence."""
    return [_text("source_url"), _code("last_verified", 10), _text("evidence")]


def _origin():
    """Where a row came from (catalogue, user, offices) and the file of its last change."""
    return [_code("origin", 20), sa.Column("provenance_id", sa.Integer, sa.ForeignKey("provenance.id"), nullable=True)]


def upgrade() -> None:
    op.create_table(
        "providers", _id(), _key(), _text("name"), _code("level", 20), _text("type"), _text("states"),
        _text("geography"), _text("address"), _text("phone"), _text("contact"), _text("url"), *_sources(),
        _text("note"), *_origin())
    op.create_table(
        "programs", _id(), _key(), _parent("provider_id", "providers"), _text("name"), _code("status", 20),
        _text("categories"), _text("stages"), _text("sectors"), _text("countries"),
        sa.Column("min_employees", sa.Integer), sa.Column("max_employees", sa.Integer),
        sa.Column("min_us_content_pct", sa.Float), sa.Column("min_years_in_business", sa.Integer),
        _text("eligible_states"), _text("eligibility_note"), _code("cost", 20), sa.Column("cost_share_rate", sa.Float),
        sa.Column("cost_share_cap_usd", sa.Float), _text("cost_note"), _text("funding_source"),
        sa.Column("capacity", sa.Integer), _text("pays_for"), _text("calendar"), *_sources(), _text("note"),
        *_origin())
    op.create_index("ix_programs_provider_id", "programs", ["provider_id"])
    op.create_table(
        "program_events", _id(), _key(), _parent("program_id", "programs"), _text("name"), _code("kind", 20),
        _text("iso3"), _text("sector"), _code("start_date", 10), _code("end_date", 10), _text("city"), _text("url"),
        *_sources(), *_origin())
    op.create_index("ix_program_events_program_id", "program_events", ["program_id"])

    with op.batch_alter_table("referrals") as batch:
        batch.add_column(sa.Column("program_key", sa.Text, nullable=False, server_default=""))
    op.create_index("ix_referrals_program_key", "referrals", ["program_key"])


def downgrade() -> None:
    op.drop_index("ix_referrals_program_key", table_name="referrals")
    with op.batch_alter_table("referrals") as batch:
        batch.drop_column("program_key")
    for name in ("program_events", "programs", "providers"):
        op.drop_table(name)
