"""The organization's own programs: every query of ``initiatives``, ``initiative_members``,
``initiative_sessions``, ``attendance``, ``mission_meetings`` and ``outcome_attributions``.

Functions take the :class:`~exportplan.store.db.Store` (reads) or the caller's connection
(writes, and reads inside a write), so that a service makes a unit of work one transaction.
Initiatives and companies are addressed by their integer row id inside the store and by their
text ``key`` outside it: frames out carry the keys. The pipeline's companies, outcomes and
referrals, the competitions' applications and the company plans are only read here (their own
modules write them). Nothing here checks the vocabulary or dates: the service does.
"""
from __future__ import annotations


import pandas as pd
from sqlalchemy import Connection, and_, case, delete, func, insert, select, update

from . import schema as t
from .db import Store, read_frame, read_one

#: The stored fields of an initiative a caller sets (the rest is bookkeeping).
FIELDS = ("key", "kind", "name", "status", "start_date", "end_date", "iso3", "sector", "city", "partners",
          "cost_usd", "grants_usd", "grant_source", "budget_usd", "rules", "note")
_I, _M, _S, _A = t.initiatives.c, t.initiative_members.c, t.initiative_sessions.c, t.attendance.c
_C, _O, _R, _X = t.companies.c, t.outcomes.c, t.referrals.c, t.outcome_attributions.c








# ---- initiatives ---------------------------------------------------------------------------------
def get(store_or_conn: Store | Connection, key: str) -> dict | None:
    """One initiative (every column), or None."""
    return read_one(store_or_conn, select(t.initiatives).where(_I.key == key))


def keys(store_or_conn: Store | Connection, kind: str | None = None) -> list[str]:
    """The stored initiatives' keys (of one kind), sorted."""
    query = select(_I.key).order_by(_I.key)
    if kind:
        query = query.where(_I.kind == kind)
    if isinstance(store_or_conn, Store):
        with store_or_conn.engine.connect() as conn:
            return list(conn.execute(query).scalars())
    return list(store_or_conn.execute(query).scalars())


def insert_initiative(conn: Connection, record: dict) -> int:
    """Add an initiative (its fields and bookkeeping); its row id."""
    return int(conn.execute(insert(t.initiatives).values(**record)).inserted_primary_key[0])


def update_initiative(conn: Connection, initiative_id: int, expected_version: int, values: dict) -> int:
    """Change an initiative if it is still at ``expected_version`` (the version goes up by one); rows changed."""
    query = (update(t.initiatives).where(and_(_I.id == initiative_id, _I.version == expected_version))
             .values(version=_I.version + 1, **values))
    return conn.execute(query).rowcount or 0


def delete_initiative(conn: Connection, initiative_id: int) -> int:
    """Delete an initiative; its members, sessions, meetings, attributions and competition rows go with it."""
    return conn.execute(delete(t.initiatives).where(_I.id == initiative_id)).rowcount or 0


LIST_COLUMNS = ("key", "kind", "name", "status", "start_date", "end_date", "iso3", "sector", "cost_usd",
                "grants_usd")


def list_initiatives(store: Store, kind: str | None = None, status: str | None = None) -> pd.DataFrame:
    """The initiatives (:data:`LIST_COLUMNS`) by start date and key, of one kind and status when given."""
    query = select(*[_I[c] for c in LIST_COLUMNS]).order_by(_I.start_date, _I.key)
    if kind:
        query = query.where(_I.kind == kind)
    if status:
        query = query.where(_I.status == status)
    return read_frame(store, query, LIST_COLUMNS)


def all_initiatives(store: Store) -> pd.DataFrame:
    """Every initiative's id, key, name, kind, cost_usd and grants_usd, by start date and key."""
    columns = ("id", "key", "name", "kind", "cost_usd", "grants_usd")
    return read_frame(store, select(*[_I[c] for c in columns]).order_by(_I.start_date, _I.key), columns)


# ---- companies (read only) ---------------------------------------------------------------------------
def company(store_or_conn: Store | Connection, key: str) -> dict | None:
    """A pipeline company's id, key, name and naics, or None."""
    return read_one(store_or_conn, select(_C.id, _C.key, _C.name, _C.naics).where(_C.key == key))


# ---- members ---------------------------------------------------------------------------------------
def member(conn: Connection, initiative_id: int, company_id: int) -> dict | None:
    """One member row, or None."""
    return read_one(conn, select(t.initiative_members).where(and_(_M.initiative_id == initiative_id,
                                                                _M.company_id == company_id)))


def insert_member(conn: Connection, record: dict) -> None:
    conn.execute(insert(t.initiative_members).values(**record))


def update_member(conn: Connection, initiative_id: int, company_id: int, values: dict) -> int:
    query = (update(t.initiative_members)
             .where(and_(_M.initiative_id == initiative_id, _M.company_id == company_id)).values(**values))
    return conn.execute(query).rowcount or 0


MEMBER_COLUMNS = ("company", "name", "naics", "status", "coach", "joined_date", "plan_status", "sessions_attended",
                  "sessions_held")


def members(store: Store, initiative_id: int, today: str) -> pd.DataFrame:
    """An initiative's members by company key: :data:`MEMBER_COLUMNS`.

    ``plan_status`` is the company's export plan status ('' without a plan); ``sessions_held`` counts the
    initiative's sessions dated up to ``today``, ``sessions_attended`` those the company was present at.
    """
    held = (select(func.count()).select_from(t.initiative_sessions)
            .where(and_(_S.initiative_id == initiative_id, _S.date <= today)).scalar_subquery())
    attended = (select(func.count()).select_from(t.attendance.join(t.initiative_sessions, _S.id == _A.session_id))
                .where(and_(_S.initiative_id == initiative_id, _A.company_id == _M.company_id, _A.present))
                .correlate(t.initiative_members).scalar_subquery())
    plans = t.company_plans.c
    query = (select(_C.key.label("company"), _C.name, _C.naics, _M.status, _M.coach, _M.joined_date,
                    func.coalesce(plans.status, "").label("plan_status"), attended.label("sessions_attended"),
                    held.label("sessions_held"))
             .select_from(t.initiative_members.join(t.companies, _C.id == _M.company_id)
                          .outerjoin(t.company_plans, plans.company_id == _M.company_id))
             .where(_M.initiative_id == initiative_id).order_by(_C.key))
    return read_frame(store, query, MEMBER_COLUMNS)


def member_companies(conn: Connection, initiative_id: int) -> dict[str, int]:
    """company key -> company id of an initiative's members (any status)."""
    query = (select(_C.key, _C.id).select_from(t.initiative_members.join(t.companies, _C.id == _M.company_id))
             .where(_M.initiative_id == initiative_id))
    return dict(conn.execute(query).all())


def takes_part(conn: Connection, initiative_id: int, company_id: int) -> bool:
    """Whether a company is a member of an initiative (not withdrawn) or has a submitted application to it."""
    apps = t.competition_applications.c
    found = conn.execute(select(_M.company_id).where(and_(_M.initiative_id == initiative_id,
                                                          _M.company_id == company_id, _M.status != "withdrawn"))
                         .union(select(apps.company_id).where(and_(apps.initiative_id == initiative_id,
                                                                   apps.company_id == company_id,
                                                                   apps.status == "submitted")))).first()
    return found is not None


def participation(store: Store) -> pd.DataFrame:
    """Who took part in what: ``program`` (an initiative key), ``company_id`` (a company key), ``kind``
    (initiative kind), ``source`` (member or applicant) and ``plan_written`` (the company's plan is written
    and belongs to that initiative). Members who withdrew and applications withdrawn are left out."""
    plans = t.company_plans.c
    written = case((and_(plans.status == "written", plans.initiative_id == _I.id), True), else_=False)
    by_member = (select(_I.key.label("program"), _C.key.label("company_id"), _I.kind, written.label("plan_written"))
                 .select_from(t.initiative_members.join(t.initiatives, _I.id == _M.initiative_id)
                              .join(t.companies, _C.id == _M.company_id)
                              .outerjoin(t.company_plans, plans.company_id == _M.company_id))
                 .where(_M.status != "withdrawn"))
    apps = t.competition_applications.c
    by_application = (select(_I.key.label("program"), _C.key.label("company_id"), _I.kind)
                      .select_from(t.competition_applications.join(t.initiatives, _I.id == apps.initiative_id)
                                   .join(t.companies, _C.id == apps.company_id))
                      .where(apps.status == "submitted"))
    columns = ("program", "company_id", "kind", "plan_written")
    members_frame = read_frame(store, by_member, columns).assign(source="member")
    applicants = read_frame(store, by_application, columns[:3]).assign(plan_written=False, source="applicant")
    frames = [f for f in (members_frame, applicants) if len(f)]
    if not frames:
        return pd.DataFrame(columns=[*columns, "source"])
    out = pd.concat(frames, ignore_index=True)
    out["plan_written"] = out["plan_written"].astype(bool)
    return out.sort_values(["program", "company_id"], kind="stable").reset_index(drop=True)


# ---- sessions and attendance ---------------------------------------------------------------------------
def session(conn: Connection, session_id: int) -> dict | None:
    """One session row, or None."""
    return read_one(conn, select(t.initiative_sessions).where(_S.id == int(session_id)))


def find_session(conn: Connection, initiative_id: int, date: str, title: str) -> dict | None:
    return read_one(conn, select(t.initiative_sessions).where(and_(_S.initiative_id == initiative_id, _S.date == date,
                                                                 _S.title == title)))


def insert_session(conn: Connection, record: dict) -> int:
    return int(conn.execute(insert(t.initiative_sessions).values(**record)).inserted_primary_key[0])


SESSION_COLUMNS = ("id", "date", "title", "note", "present", "absent")


def sessions(store: Store, initiative_id: int) -> pd.DataFrame:
    """An initiative's sessions by date: :data:`SESSION_COLUMNS` (counts of companies present and absent)."""
    present = func.coalesce(func.sum(case((_A.present, 1), else_=0)), 0)
    absent = func.coalesce(func.sum(case((and_(_A.company_id.is_not(None), ~_A.present), 1), else_=0)), 0)
    query = (select(_S.id, _S.date, _S.title, _S.note, present.label("present"), absent.label("absent"))
             .select_from(t.initiative_sessions.outerjoin(t.attendance, _A.session_id == _S.id))
             .where(_S.initiative_id == initiative_id).group_by(_S.id, _S.date, _S.title, _S.note)
             .order_by(_S.date, _S.id))
    return read_frame(store, query, SESSION_COLUMNS)


def set_attendance(conn: Connection, session_id: int, company_id: int, present: bool) -> None:
    """Record a company present or absent at a session (replacing what was recorded)."""
    conn.execute(delete(t.attendance).where(and_(_A.session_id == session_id, _A.company_id == company_id)))
    conn.execute(insert(t.attendance).values(session_id=session_id, company_id=company_id, present=bool(present)))


# ---- meetings ----------------------------------------------------------------------------------------------
def insert_meeting(conn: Connection, record: dict) -> int:
    return int(conn.execute(insert(t.mission_meetings).values(**record)).inserted_primary_key[0])


MEETING_COLUMNS = ("id", "company", "name", "date", "counterpart", "iso3", "result", "note")


def meetings(store: Store, initiative_id: int) -> pd.DataFrame:
    """An initiative's meetings by date and id: :data:`MEETING_COLUMNS`."""
    mm = t.mission_meetings.c
    query = (select(mm.id, _C.key.label("company"), _C.name, mm.date, mm.counterpart, mm.iso3, mm.result, mm.note)
             .select_from(t.mission_meetings.join(t.companies, _C.id == mm.company_id))
             .where(mm.initiative_id == initiative_id).order_by(mm.date, mm.id))
    return read_frame(store, query, MEETING_COLUMNS)


# ---- outcomes, referrals (read only) and attributions ------------------------------------------------------------
OUTCOME_COLUMNS = ("outcome_id", "company", "name", "date", "kind", "iso3", "export_sales_usd", "program")


def outcomes(store: Store, company_id: int | None = None) -> pd.DataFrame:
    """The pipeline's outcomes by date and id (of one company): :data:`OUTCOME_COLUMNS`."""
    query = (select(_O.id.label("outcome_id"), _C.key.label("company"), _C.name, _O.date, _O.kind, _O.iso3,
                    _O.export_sales_usd, _O.program)
             .select_from(t.outcomes.join(t.companies, _C.id == _O.company_id)).order_by(_O.date, _O.id))
    if company_id is not None:
        query = query.where(_O.company_id == company_id)
    return read_frame(store, query, OUTCOME_COLUMNS)


def outcome(conn: Connection, outcome_id: int) -> dict | None:
    """One outcome with its company's key (``company``), or None."""
    query = (select(t.outcomes, _C.key.label("company"))
             .select_from(t.outcomes.join(t.companies, _C.id == _O.company_id)).where(_O.id == int(outcome_id)))
    return read_one(conn, query)


def referral(conn: Connection, referral_id: int) -> dict | None:
    """One referral with its company's key (``company``), or None."""
    query = (select(t.referrals, _C.key.label("company"))
             .select_from(t.referrals.join(t.companies, _C.id == _R.company_id)).where(_R.id == int(referral_id)))
    return read_one(conn, query)


REFERRAL_COLUMNS = ("referral_id", "company", "date", "provider", "program", "program_key", "status")


def referrals(store: Store) -> pd.DataFrame:
    """Every referral with its company's key: :data:`REFERRAL_COLUMNS`, by id."""
    query = (select(_R.id.label("referral_id"), _C.key.label("company"), _R.date, _R.provider, _R.program,
                    _R.program_key, _R.status)
             .select_from(t.referrals.join(t.companies, _C.id == _R.company_id)).order_by(_R.id))
    return read_frame(store, query, REFERRAL_COLUMNS)


def attribution(conn: Connection, outcome_id: int, *, initiative_id: int | None = None,
                referral_id: int | None = None) -> dict | None:
    """The attribution of an outcome to an initiative or to a referral, or None."""
    target = _X.initiative_id == initiative_id if initiative_id is not None else _X.referral_id == referral_id
    return read_one(conn, select(t.outcome_attributions).where(and_(_X.outcome_id == int(outcome_id), target)))


def insert_attribution(conn: Connection, record: dict) -> int:
    return int(conn.execute(insert(t.outcome_attributions).values(**record)).inserted_primary_key[0])


def delete_attribution(conn: Connection, attribution_id: int) -> int:
    return conn.execute(delete(t.outcome_attributions).where(_X.id == attribution_id)).rowcount or 0


ATTRIBUTION_COLUMNS = ("outcome_id", "company", "date", "kind", "export_sales_usd", "initiative", "initiative_kind",
                       "referral_id", "referral_provider", "referral_program", "referral_program_key", "created_at",
                       "created_by")


def attributions(store: Store, company_id: int | None = None) -> pd.DataFrame:
    """Every attribution (of one company's outcomes), by outcome and id: :data:`ATTRIBUTION_COLUMNS`
    (``initiative`` is the key, '' for a referral; the ``referral_*`` columns are blank for an initiative)."""
    query = (select(_X.outcome_id, _C.key.label("company"), _O.date, _O.kind, _O.export_sales_usd,
                    func.coalesce(_I.key, "").label("initiative"), func.coalesce(_I.kind, "").label("initiative_kind"),
                    _X.referral_id, func.coalesce(_R.provider, "").label("referral_provider"),
                    func.coalesce(_R.program, "").label("referral_program"),
                    func.coalesce(_R.program_key, "").label("referral_program_key"), _X.created_at, _X.created_by)
             .select_from(t.outcome_attributions.join(t.outcomes, _O.id == _X.outcome_id)
                          .join(t.companies, _C.id == _O.company_id)
                          .outerjoin(t.initiatives, _I.id == _X.initiative_id)
                          .outerjoin(t.referrals, _R.id == _X.referral_id))
             .order_by(_X.outcome_id, _X.id))
    if company_id is not None:
        query = query.where(_O.company_id == company_id)
    return read_frame(store, query, ATTRIBUTION_COLUMNS)


# ---- the audit log -------------------------------------------------------------------------------------------
def add_changes(store: Store, conn: Connection, rows: list[dict]) -> int:
    """Append to the audit log (``at``, ``user``, ``entity``, ``entity_id``, ``field``, ``old``, ``new``)."""
    return store.insert(conn, t.changes, rows)
