"""Service ``ws.initiatives``: runs of the organization's own programs (issue 12; docs/own-programs.md §3).

A run (an *initiative*) is an export acceleration cohort, a pitch competition round, a trade
mission, an event or a referral program, named by a key users write (``exportech-2026``). This
service keeps the runs, the companies taking part (``enroll``), a cohort's sessions and who
attended, a mission's meetings, the follow-up of the companies at 6 and 12 months, the
attribution of the pipeline's outcomes to runs and referrals, and the program report.

- A mission is checked before it is added against the dated state and federal missions of the
  program inventory (``analysis.mission_check``): a duplicate is refused with
  :class:`DuplicateMission`, naming the existing mission, unless ``force`` is given.
- Runs are edited with optimistic locking, as companies are (``version``; ``ConflictError``).
- Every write is one transaction and goes to the audit log (``changes``, entity "initiative", or
  "outcome" for attributions) with ``ctx.user`` and ``ctx.clock()``.
- The report is ``analysis.attribution.program_report`` over the stored runs, their participants
  and the attributed outcomes; its attribution rule is documented there.

Companies are named by their pipeline key everywhere; bad input raises ExportPlanError saying
what to fix, and nothing is written.
"""
from __future__ import annotations

import json
from typing import Any, Iterable, Mapping

import pandas as pd

from ..analysis import attribution as attr
from ..analysis import mission_check as mc
from ..analysis.initiative_terms import (CHECKED_KINDS, FOLLOW_UP_MONTHS, KINDS, MEMBER_STATUSES, REFERRAL_PREFIX,
                                         STATUSES)
from ..analysis.pipeline_bundle import join_list, split_list
from ..errors import ExportPlanError
from ..store import initiatives as repo
from . import initiative_values as iv
from . import pipeline_values as check
from .context import Service

#: The fields of a run that ``add`` and ``update`` take (besides the key).
FIELDS = ("kind", "name", "status", "start_date", "end_date", "iso3", "sector", "city", "partners", "cost_usd",
          "grants_usd", "grant_source", "budget_usd", "rules", "note")
_MISSION_FIELDS = ("iso3", "sector", "start_date", "end_date")
_BOOKKEEPING = ("version", "created_at", "created_by", "updated_at", "updated_by")


class DuplicateMission(ExportPlanError):
    """A new mission duplicates a state or federal mission of the inventory; ``findings`` is the check's frame."""

    def __init__(self, message: str, findings: pd.DataFrame):
        super().__init__(message)
        self.findings = findings


class Initiatives(Service):
    """Runs of the organization's own programs: cohorts, competitions, missions, events, referral programs."""

    # ---- runs ----------------------------------------------------------------------------------
    def add(self, key: str, kind: str, name: str, *, status: str = "planned", start_date: Any = "",
            end_date: Any = "", iso3: str = "", sector: Any = "", city: str = "", partners: Any = (),
            cost_usd: Any = None, grants_usd: Any = None, grant_source: str = "", budget_usd: Any = None,
            rules: Mapping[str, Any] | str | None = None, note: str = "", force: bool = False) -> dict:
        """Add a run; returns :meth:`get`'s record plus ``findings`` (the mission check's frame).

        ``key``: letters, digits, '-' and '_' (up to 60), unique. A mission needs its country
        and start date and is first checked with :meth:`check_mission`: a duplicate state or
        federal mission raises :class:`DuplicateMission` unless ``force``; overlapping trade
        shows are only returned in ``findings``.
        """
        key = iv.key(key)
        values = iv.values(dict(kind=kind, name=name, status=status, start_date=start_date, end_date=end_date,
                              iso3=iso3, sector=sector, city=city, partners=partners, cost_usd=cost_usd,
                              grants_usd=grants_usd, grant_source=grant_source, budget_usd=budget_usd, rules=rules,
                              note=note))
        if repo.get(self.ctx.store, key):
            raise ExportPlanError(f"A program run with key {key!r} is already stored; give the new one another key, "
                                  "or change that one with 'initiatives update'.")
        findings = self._mission_findings(values, force)
        at, user = self.ctx.clock(), self.ctx.user
        with self.ctx.store.transaction() as conn:
            if repo.get(conn, key):
                raise ExportPlanError(f"A program run with key {key!r} was stored just now by another user; "
                                      "give the new one another key.")
            repo.insert_initiative(conn, dict(values, key=key, version=1, created_at=at, created_by=user,
                                              updated_at=at, updated_by=user))
            items = [("created", "", f"{values['kind']}: {values['name']}")]
            items += self._forced(findings)
            self._audit(conn, "initiative", key, items)
        return dict(self.get(key), findings=findings)

    def update(self, key: str, *, expected_version: int | None = None, force: bool = False, **fields: Any) -> int:
        """Change a run's fields (those of :meth:`add`, but not its kind); returns its new version.

        ``expected_version`` is the version the caller read (``get(key)["version"]``); if
        another user saved since, ConflictError says who and when and nothing is written.
        A mission whose country, sector or dates change is checked again (``force`` as in :meth:`add`).
        """
        unknown = sorted(set(fields) - set(FIELDS) - {"kind"})
        if unknown:
            raise ExportPlanError(f"Unknown field(s) {', '.join(unknown)}; a program run has {', '.join(FIELDS)}.")
        row = self._row(self.ctx.store, key)
        if "kind" in fields and check.text(fields["kind"]).lower() != row["kind"]:
            raise ExportPlanError(f"The program run {row['key']!r} is a {row['kind']}; its kind cannot change. "
                                  "Remove it and add it again with the other kind.")
        merged = {f: iv.stored_input(f, row[f]) for f in FIELDS}
        merged.update(fields)
        values = iv.values(merged)
        diffs = {f: v for f, v in values.items() if check.shown(row[f]) != check.shown(v)}
        expected = row["version"] if expected_version is None else int(expected_version)
        if row["version"] != expected:
            raise iv.conflict(row, expected)
        if not diffs:
            return int(row["version"])
        findings = (self._mission_findings(values, force) if set(diffs) & set(_MISSION_FIELDS)
                    else pd.DataFrame(columns=list(mc.COLUMNS)))
        at, user = self.ctx.clock(), self.ctx.user
        with self.ctx.store.transaction() as conn:
            if not repo.update_initiative(conn, row["id"], expected, dict(diffs, updated_at=at, updated_by=user)):
                raise iv.conflict(repo.get(conn, row["key"]) or row, expected)
            self._audit(conn, "initiative", row["key"], [(f, row[f], v) for f, v in diffs.items()]
                        + self._forced(findings))
        return expected + 1

    def get(self, key: str) -> dict:
        """One run: its fields (``partners`` as a list, ``rules`` parsed from JSON), ``id``, ``version`` and who
        created and changed it when."""
        row = self._row(self.ctx.store, key)
        out = {"id": row["id"], "key": row["key"], **{f: row[f] for f in FIELDS},
               **{f: row[f] for f in _BOOKKEEPING}}
        out["partners"] = split_list(row["partners"])
        out["rules"] = json.loads(row["rules"] or "{}")
        for field in iv.MONEY:
            out[field] = None if out[field] is None else float(out[field])
        return out

    def list(self, kind: str | None = None, status: str | None = None) -> pd.DataFrame:
        """The runs by start date and key: key, kind, name, status, start_date, end_date, iso3, sector,
        companies (members who have not withdrawn and submitted applicants, each company once), cost_usd,
        grants_usd."""
        kind = check.choice(kind, KINDS, "kind") if not check.blank(kind) else None
        status = check.choice(status, STATUSES, "status") if not check.blank(status) else None
        frame = repo.list_initiatives(self.ctx.store, kind, status)
        part = repo.participation(self.ctx.store)
        counts = part.drop_duplicates(["program", "company_id"]).groupby("program").size()
        frame.insert(8, "companies", frame["key"].map(counts).fillna(0).astype("int64"))
        for column in ("cost_usd", "grants_usd"):
            frame[column] = frame[column].astype("float64")
        frame.attrs["exportplan"] = self.ws.citations.meta("The organization's own programs", ("companies",), [
            "Companies: the members who have not withdrawn and a competition's submitted applicants."])
        return frame.reset_index(drop=True)

    def remove(self, key: str) -> None:
        """Delete a run with its members, sessions, attendance, meetings, competition records and attributions
        (a company plan made in it stays, without the run)."""
        with self.ctx.store.transaction() as conn:
            row = self._row(conn, key)
            repo.delete_initiative(conn, row["id"])
            self._audit(conn, "initiative", row["key"], [("deleted", f"{row['kind']}: {row['name']}", "")])

    # ---- the mission check ------------------------------------------------------------------------
    def check_mission(self, iso3: str, sector: Any = "", start_date: Any = "", end_date: Any = "", *,
                      window_days: int | None = None, name: str = "") -> pd.DataFrame:
        """The state and federal trade missions (and shows) of the inventory a mission to ``iso3`` would
        duplicate (``analysis.mission_check.check_mission``); empty when none.

        Sector names relate to NAICS codes through the workspace's cluster crosswalk (cluster
        name -> its NAICS codes) when one is loaded; without it only equal names and NAICS
        prefixes match. ``window_days`` defaults to ``mission_check.WINDOW_DAYS`` (90).
        """
        try:
            iso3 = check.country(iso3) or check.text(iso3)
        except ExportPlanError:
            iso3 = check.text(iso3)  # mission_check names the problem with the others
        mission = {"iso3": iso3, "sector": check.text(sector) if isinstance(sector, str) else join_list(sector),
                   "start_date": iv.text_date(start_date), "end_date": iv.text_date(end_date), "name": name}
        events = self.ws.programs.inventory()["events"]
        programs = self.ws.programs.programs()
        codes = self._sector_codes()
        frame = mc.check_mission(mission, events, programs,
                                 window_days=mc.WINDOW_DAYS if window_days is None else window_days,
                                 sector_codes=codes)
        notes = list(frame.attrs.get("notes", []))
        notes.append("Sector names were related to NAICS codes through the cluster crosswalk." if codes else
                     "No cluster crosswalk is loaded: sector names match only the same name, NAICS codes only "
                     "related codes.")
        frame.attrs["exportplan"] = self.ws.citations.meta("State and federal missions the new mission would "
                                                           "duplicate", ("programs",), notes)
        return frame

    def _sector_codes(self) -> dict[str, list[str]] | None:
        try:
            crosswalk, _record = self.ws.definitions.crosswalk()
        except ExportPlanError:
            return None
        frame = crosswalk.to_pandas()
        if not len(frame) or not {"cluster_name", "naics"} <= set(frame.columns):
            return None
        return {str(n): sorted({str(c) for c in g}) for n, g in frame.groupby("cluster_name")["naics"]}

    def _mission_findings(self, values: dict, force: bool) -> pd.DataFrame:
        if values["kind"] not in CHECKED_KINDS:
            return pd.DataFrame(columns=list(mc.COLUMNS))
        missing = [w for f, w in (("iso3", "its country (iso3)"), ("start_date", "its start date")) if not values[f]]
        if missing:
            raise ExportPlanError(f"A mission needs {' and '.join(missing)}, to be checked against the state and "
                                  "federal missions; e.g. iso3='MEX', start_date='2027-03-08'.")
        findings = self.check_mission(values["iso3"], values["sector"], values["start_date"], values["end_date"],
                                      name=values["name"])
        duplicates = findings[findings["finding"] == mc.FINDINGS["trade mission"]]
        if len(duplicates) and not force:
            raise DuplicateMission(iv.duplicate_message(values, duplicates), findings)
        return findings

    @staticmethod
    def _forced(findings: pd.DataFrame) -> list[tuple[str, Any, Any]]:
        found = findings[findings["finding"] == mc.FINDINGS["trade mission"]] if len(findings) else findings
        if not len(found):
            return []
        return [("duplicate mission", "", "added anyway (force): duplicates " + ", ".join(found["event_id"]))]

    # ---- members ---------------------------------------------------------------------------------------
    def enroll(self, key: str, company: str, *, coach: str = "", status: str = "enrolled", joined_date: Any = None,
               note: str = "") -> None:
        """Add a company to a run (a cohort's company, a mission's participant, an event's attendee).

        ``joined_date`` defaults to today; a company already in the run is refused (change it with
        :meth:`set_member`)."""
        status = check.choice(status, MEMBER_STATUSES, "member status")
        joined = iv.date(joined_date, "joined_date") if not check.blank(joined_date) else self.ctx.clock()[:10]
        with self.ctx.store.transaction() as conn:
            row, firm = self._row(conn, key), self._company(conn, company)
            if repo.member(conn, row["id"], firm["id"]):
                raise ExportPlanError(f"Company {firm['key']!r} is already in {row['key']!r}; change its status, "
                                      "coach or note with set_member ('initiatives member').")
            repo.insert_member(conn, dict(initiative_id=row["id"], company_id=firm["id"], status=status,
                                          coach=check.text(coach), joined_date=joined, note=check.text(note)))
            self._audit(conn, "initiative", row["key"], [(f"member {firm['key']}", "", status)])

    def set_member(self, key: str, company: str, *, status: str | None = None, coach: str | None = None,
                   note: str | None = None) -> None:
        """Change a member's status, coach or note (those given)."""
        values = {}
        if status is not None:
            values["status"] = check.choice(status, MEMBER_STATUSES, "member status")
        if coach is not None:
            values["coach"] = check.text(coach)
        if note is not None:
            values["note"] = check.text(note)
        if not values:
            raise ExportPlanError("Give what to change: status, coach or note.")
        with self.ctx.store.transaction() as conn:
            row, firm = self._row(conn, key), self._company(conn, company)
            found = self._member(conn, row, firm)
            diffs = {f: v for f, v in values.items() if found[f] != v}
            if diffs:
                repo.update_member(conn, row["id"], firm["id"], diffs)
                self._audit(conn, "initiative", row["key"],
                            [(f"member {firm['key']} {f}", found[f], v) for f, v in diffs.items()])

    def members(self, key: str) -> pd.DataFrame:
        """A run's companies: company, name, naics, status, coach, joined_date, plan_status (the company's
        export plan, '' without one), sessions_attended, sessions_held (sessions dated up to today)."""
        row = self._row(self.ctx.store, key)
        frame = repo.members(self.ctx.store, row["id"], self.ctx.clock()[:10])
        for column in ("sessions_attended", "sessions_held"):
            frame[column] = frame[column].astype("int64")
        frame.attrs["exportplan"] = self.ws.citations.meta(f"{row['name']}: companies", ("companies",), [])
        return frame

    # ---- sessions and attendance -----------------------------------------------------------------
    def add_session(self, key: str, date: Any, title: str, note: str = "") -> int:
        """Add a session (a cohort's workshop, an event's day); returns its id."""
        day, title = iv.date(date, "session date"), check.text(title)
        if not title:
            raise ExportPlanError("A session needs a title, e.g. 'Market selection workshop'.")
        with self.ctx.store.transaction() as conn:
            row = self._row(conn, key)
            if repo.find_session(conn, row["id"], day, title):
                raise ExportPlanError(f"{row['key']!r} already has the session {title!r} on {day}; give another "
                                      "title or date.")
            sid = repo.insert_session(conn, dict(initiative_id=row["id"], date=day, title=title,
                                                 note=check.text(note)))
            self._audit(conn, "initiative", row["key"], [("session", "", f"#{sid} {day} {title}")])
        return sid

    def sessions(self, key: str) -> pd.DataFrame:
        """A run's sessions by date: id, date, title, note, present, absent (companies recorded)."""
        row = self._row(self.ctx.store, key)
        frame = repo.sessions(self.ctx.store, row["id"])
        for column in ("id", "present", "absent"):
            frame[column] = frame[column].astype("int64")
        frame.attrs["exportplan"] = self.ws.citations.meta(f"{row['name']}: sessions", ("companies",), [])
        return frame

    def record_attendance(self, key: str, session_id: int, present: Iterable[str] | str = (),
                          absent: Iterable[str] | str = ()) -> int:
        """Record which members were present at and absent from a session that has taken place (replacing what
        was recorded for them); returns how many companies were recorded."""
        here, away = iv.companies(present), iv.companies(absent)
        both = sorted(set(here) & set(away))
        if both:
            raise ExportPlanError(f"Company {', '.join(both)} is both present and absent; name each company once.")
        if not here and not away:
            raise ExportPlanError("Name the companies present or absent (their company_id).")
        with self.ctx.store.transaction() as conn:
            row = self._row(conn, key)
            found = repo.session(conn, iv.whole(session_id, "session_id"))
            if not found or found["initiative_id"] != row["id"]:
                raise ExportPlanError(f"{row['key']!r} has no session {session_id!r}; list its sessions with "
                                      "'initiatives sessions'.")
            if found["date"] > self.ctx.clock()[:10]:
                raise ExportPlanError(f"Session {session_id} is on {found['date']}, after today; record attendance "
                                      "once it has taken place.")
            members = repo.member_companies(conn, row["id"])
            self._need_members(conn, row, here + away, members)
            for name, flag in [(c, True) for c in here] + [(c, False) for c in away]:
                repo.set_attendance(conn, found["id"], members[name], flag)
            self._audit(conn, "initiative", row["key"], [(f"attendance #{found['id']}", "",
                                                          f"present {join_list(here)}; absent {join_list(away)}")])
        return len(here) + len(away)

    # ---- meetings -----------------------------------------------------------------------------------
    def add_meeting(self, key: str, company: str, counterpart: str, *, date: Any = None, iso3: str = "",
                    result: str = "", note: str = "") -> int:
        """Record a member's meeting on a mission or event (the buyer, distributor or agency met, and what came
        of it); ``iso3`` defaults to the run's country. Returns the meeting's id."""
        counterpart = check.text(counterpart)
        if not counterpart:
            raise ExportPlanError("A meeting needs its counterpart: the buyer, distributor or agency met.")
        day = iv.date(date, "meeting date") if not check.blank(date) else ""
        country = check.country(iso3, "meeting country")
        with self.ctx.store.transaction() as conn:
            row = self._row(conn, key)
            firm = self._company(conn, company)
            self._member(conn, row, firm)
            mid = repo.insert_meeting(conn, dict(initiative_id=row["id"], company_id=firm["id"], date=day,
                                                 counterpart=counterpart, iso3=country or row["iso3"],
                                                 result=check.text(result), note=check.text(note)))
            self._audit(conn, "initiative", row["key"], [("meeting", "", f"#{mid} {firm['key']}: {counterpart}")])
        return mid

    def meetings(self, key: str) -> pd.DataFrame:
        """A run's meetings by date: id, company, name, date, counterpart, iso3, result, note."""
        row = self._row(self.ctx.store, key)
        frame = repo.meetings(self.ctx.store, row["id"])
        frame["id"] = frame["id"].astype("int64")
        frame.attrs["exportplan"] = self.ws.citations.meta(f"{row['name']}: meetings", ("companies",), [])
        return frame

    # ---- follow-up ---------------------------------------------------------------------------------
    def follow_up(self, key: str) -> pd.DataFrame:
        """Each member's outcomes after the run ends, at each of ``FOLLOW_UP_MONTHS`` (6 and 12).

        Columns: company, name, end_date, and per m: ``due_<m>m`` (end date + m months),
        ``outcomes_<m>m`` and ``export_sales_<m>m`` (the company's outcomes dated after the end
        date and up to the due date, and their export sales), ``status_<m>m``: "reported" when
        there is one, "due" when the due date is past and there is none, else "not yet due".
        Members who withdrew are left out.
        """
        row = self._row(self.ctx.store, key)
        if not row["end_date"]:
            raise ExportPlanError(f"{row['key']!r} has no end date; the follow-up counts from it. Set it with "
                                  "'initiatives update KEY --end-date YYYY-MM-DD'.")
        end, today = pd.Timestamp(row["end_date"]), self.ctx.clock()[:10]
        people = repo.members(self.ctx.store, row["id"], today)
        people = people[people["status"] != "withdrawn"]
        found = repo.outcomes(self.ctx.store)
        found = found[found["company"].isin(set(people["company"]))]
        rows = []
        for firm in people.to_dict("records"):
            mine = found[found["company"] == firm["company"]]
            out = {"company": firm["company"], "name": firm["name"], "end_date": row["end_date"]}
            for months in FOLLOW_UP_MONTHS:
                due = (end + pd.DateOffset(months=months)).strftime("%Y-%m-%d")
                window = mine[(mine["date"] > row["end_date"]) & (mine["date"] <= due)]
                cents = sum(round(float(v) * 100) for v in window["export_sales_usd"] if not check.blank(v))
                out[f"due_{months}m"] = due
                out[f"outcomes_{months}m"] = len(window)
                out[f"export_sales_{months}m"] = cents / 100
                out[f"status_{months}m"] = ("reported" if len(window) else "due" if due < today else "not yet due")
            rows.append(out)
        columns = ["company", "name", "end_date"] + [f"{c}_{m}m" for m in FOLLOW_UP_MONTHS
                                                     for c in ("due", "outcomes", "export_sales", "status")]
        frame = pd.DataFrame(rows, columns=columns)
        for months in FOLLOW_UP_MONTHS:
            frame[f"outcomes_{months}m"] = frame[f"outcomes_{months}m"].astype("int64")
            frame[f"export_sales_{months}m"] = frame[f"export_sales_{months}m"].astype("float64")
        frame.attrs["exportplan"] = self.ws.citations.meta(f"{row['name']}: follow-up", ("companies",), [
            f"Outcomes recorded in the pipeline dated after the run's end ({row['end_date']}) and up to each "
            f"follow-up date ({', '.join(f'{m}' for m in FOLLOW_UP_MONTHS)} months later); the 12-month figures "
            "include the 6-month ones. Members who withdrew are left out."])
        return frame

    # ---- attribution ----------------------------------------------------------------------------------
    def outcomes(self, company: str | None = None) -> pd.DataFrame:
        """The pipeline's outcomes (of one company) by date: outcome_id, company, name, date, kind, iso3,
        export_sales_usd, program (the pipeline's free-text note), attributed_to (';'-joined targets)."""
        cid = None
        if not check.blank(company):
            cid = self._company(self.ctx.store, company)["id"]
        frame = repo.outcomes(self.ctx.store, cid)
        pairs = self._pairs(cid)
        targets: dict[int, list[str]] = {}
        for oid, target in zip(pairs["outcome_id"], pairs["target"]):
            targets.setdefault(int(oid), []).append(target)
        frame["outcome_id"] = frame["outcome_id"].astype("int64")
        frame["export_sales_usd"] = frame["export_sales_usd"].astype("float64")
        frame["attributed_to"] = [join_list(sorted(set(targets.get(o, [])))) for o in frame["outcome_id"]]
        frame.attrs["exportplan"] = self.ws.citations.meta("Outcomes and the programs they are attributed to",
                                                           ("companies",), [])
        return frame

    def attribute(self, outcome_id: int, *targets: str, force: bool = False) -> int:
        """Attribute an outcome to runs (their keys) and referrals (``referral:ID``); returns how many
        attributions were added (one already there is kept, not repeated).

        A referral must be the outcome's company's. A run must have the company as a member (not
        withdrawn) or a submitted applicant; ``force`` attributes it to a run the company did not take part in.
        """
        if not targets:
            raise ExportPlanError("Name what the outcome is attributed to: a program run's key, or "
                                  f"'{REFERRAL_PREFIX}ID' for a referral.")
        oid = iv.whole(outcome_id, "outcome_id")
        at, user, added = self.ctx.clock(), self.ctx.user, []
        with self.ctx.store.transaction() as conn:
            found = self._outcome(conn, oid)
            for target in dict.fromkeys(check.text(t) for t in targets):
                record, name = self._target(conn, found, target, force)
                if repo.attribution(conn, oid, **record):
                    continue
                repo.insert_attribution(conn, dict(record, outcome_id=oid, created_at=at, created_by=user))
                added.append(name)
            if added:
                self._audit(conn, "outcome", str(oid), [("attributed", "", t) for t in added])
        return len(added)

    def unattribute(self, outcome_id: int, target: str) -> None:
        """Take an attribution back."""
        oid = iv.whole(outcome_id, "outcome_id")
        with self.ctx.store.transaction() as conn:
            found = self._outcome(conn, oid)
            record, name = self._target(conn, found, check.text(target), True)
            stored = repo.attribution(conn, oid, **record)
            if not stored:
                raise ExportPlanError(f"Outcome {oid} is not attributed to {name}; see 'initiatives outcomes'.")
            repo.delete_attribution(conn, stored["id"])
            self._audit(conn, "outcome", str(oid), [("attributed", name, "")])

    def attributions(self) -> pd.DataFrame:
        """Every attribution: outcome_id, company, date, kind, export_sales_usd, target (a run's key or
        ``referral:ID``), program (the program report's key: the run's, or ``referral:<program or provider>``),
        created_at, created_by."""
        frame = self._pairs()
        frame.attrs["exportplan"] = self.ws.citations.meta("Outcomes attributed to programs", ("companies",), [])
        return frame

    def _pairs(self, company_id: int | None = None) -> pd.DataFrame:
        stored = repo.attributions(self.ctx.store, company_id)
        columns = ["outcome_id", "company", "date", "kind", "export_sales_usd", "target", "program", "created_at",
                   "created_by"]
        if not len(stored):
            return pd.DataFrame(columns=columns)
        referral = stored["referral_id"].notna()
        stored["target"] = stored["initiative"].where(
            ~referral, REFERRAL_PREFIX + stored["referral_id"].astype("Int64").astype(str))
        stored["program"] = stored["initiative"].where(
            ~referral, [iv.destination(r)[0] for r in stored.to_dict("records")])
        out = stored[columns].copy()
        out["outcome_id"] = out["outcome_id"].astype("int64")
        out["export_sales_usd"] = out["export_sales_usd"].astype("float64")
        return out.reset_index(drop=True)

    # ---- the program report ------------------------------------------------------------------------
    def report(self, start: Any = None, end: Any = None) -> pd.DataFrame:
        """Each run's and referral program's results and the totals (``attribution.program_report``).

        Programs: the runs, plus one "referral program" row per referral destination (the
        inventory program, else the provider) that has attributed outcomes. Participation: the
        members who have not withdrawn, a competition's submitted applicants, the companies
        referred. Plans written: cohort members whose plan is "written" and made in that cohort.
        Period: ``start`` (default the ``plan.baseline_date`` setting, else no bound) to ``end``
        (default today).
        """
        start = iv.date(start, "start") if not check.blank(start) else (self.ctx.setting("plan.baseline_date") or None)
        end = iv.date(end, "end") if not check.blank(end) else self.ctx.clock()[:10]
        runs = repo.all_initiatives(self.ctx.store)
        programs = runs[["key", "name", "kind", "cost_usd", "grants_usd"]].copy()
        part = repo.participation(self.ctx.store)[["program", "company_id", "plan_written"]]
        pairs = self._pairs()
        referred = pairs[pairs["target"].str.startswith(REFERRAL_PREFIX)] if len(pairs) else pairs
        extra_programs, extra_part = [], []
        if len(referred):
            refs = repo.referrals(self.ctx.store)
            found_refs = [iv.destination(r) for r in refs.to_dict("records")]
            refs["dest"] = [d for d, _label in found_refs]
            refs["label"] = [label for _d, label in found_refs]
            for key in sorted(set(referred["program"])):
                mine = refs[refs["dest"] == key]
                extra_programs.append({"key": key, "name": f"Referrals to {mine['label'].iloc[0]}",
                                       "kind": "referral program", "cost_usd": None, "grants_usd": None})
                extra_part += [{"program": key, "company_id": c, "plan_written": False}
                               for c in sorted(set(mine["company"]))]
        if extra_programs:
            programs = pd.concat([programs, pd.DataFrame(extra_programs)], ignore_index=True)
            part = pd.concat([part, pd.DataFrame(extra_part)], ignore_index=True) if len(part) \
                else pd.DataFrame(extra_part)
        found = repo.outcomes(self.ctx.store).rename(columns={"company": "company_id"})
        found["outcome_id"] = found["outcome_id"].astype(str)
        links = pd.DataFrame({"outcome_id": pairs["outcome_id"].astype(str), "program": pairs["program"]})
        frame = attr.program_report(programs, part, found, links, start, end)
        frame.attrs["exportplan"] = self.ws.citations.meta("Results of the organization's programs",
                                                           ("companies",), list(frame.attrs.get("notes", [])))
        return frame

    # ---- helpers ---------------------------------------------------------------------------------------
    def _row(self, store_or_conn, key: str) -> dict:
        row = repo.get(store_or_conn, check.text(key))
        if row is None:
            known = repo.keys(store_or_conn)
            shown = ", ".join(known[:8]) + (", ..." if len(known) > 8 else "")
            raise ExportPlanError(f"No program run with key {key!r}; stored: {shown or 'none'} (see "
                                  "'exportplan initiatives list').")
        return row

    @staticmethod
    def _company(store_or_conn, key: str) -> dict:
        firm = repo.company(store_or_conn, check.text(key))
        if firm is None:
            raise ExportPlanError(f"No company with company_id {key!r} is stored; find it with "
                                  "'exportplan companies list --search NAME'.")
        return firm

    @staticmethod
    def _member(conn, row: dict, firm: dict) -> dict:
        found = repo.member(conn, row["id"], firm["id"])
        if found is None:
            raise ExportPlanError(f"Company {firm['key']!r} is not in {row['key']!r}; enroll it first "
                                  "('initiatives enroll').")
        return found

    def _need_members(self, conn, row: dict, names: list[str], members: dict[str, int]) -> None:
        unknown = [c for c in names if c not in members and repo.company(conn, c) is None]
        if unknown:
            raise ExportPlanError(f"No company with company_id {', '.join(map(repr, unknown))} is stored; find it "
                                  "with 'exportplan companies list --search NAME'.")
        outside = [c for c in names if c not in members]
        if outside:
            raise ExportPlanError(f"Company {', '.join(map(repr, outside))} is not in {row['key']!r}; enroll it "
                                  "first ('initiatives enroll').")

    @staticmethod
    def _outcome(conn, oid: int) -> dict:
        found = repo.outcome(conn, oid)
        if found is None:
            raise ExportPlanError(f"No outcome with id {oid} is stored; list them with 'exportplan initiatives "
                                  "outcomes' (record one with 'exportplan companies outcome').")
        return found

    def _target(self, conn, outcome: dict, target: str, force: bool) -> tuple[dict, str]:
        """The attribution's column (initiative_id or referral_id) for a target, checked."""
        if target.lower().startswith(REFERRAL_PREFIX):
            rid = iv.whole(target[len(REFERRAL_PREFIX):], "referral id")
            found = repo.referral(conn, rid)
            if found is None:
                raise ExportPlanError(f"No referral with id {rid} is stored; see the company's referrals with "
                                      "'exportplan companies show KEY'.")
            if found["company"] != outcome["company"]:
                raise ExportPlanError(f"Referral {rid} is of company {found['company']!r}, but outcome "
                                      f"{outcome['id']} is of {outcome['company']!r}; attribute an outcome only to "
                                      "its own company's referrals.")
            return {"referral_id": rid}, f"{REFERRAL_PREFIX}{rid}"
        row = self._row(conn, target)
        if not force and not repo.takes_part(conn, row["id"], outcome["company_id"]):
            raise ExportPlanError(f"Company {outcome['company']!r} (outcome {outcome['id']}) did not take part in "
                                  f"{row['key']!r}: it is neither a member nor a submitted applicant. Enroll it "
                                  "first, or attribute the outcome anyway with --force.")
        return {"initiative_id": row["id"]}, row["key"]

    def _audit(self, conn, entity: str, entity_id: str, items: list[tuple[str, Any, Any]]) -> None:
        at, user = self.ctx.clock(), self.ctx.user
        repo.add_changes(self.ctx.store, conn, [dict(at=at, user=user, entity=entity, entity_id=str(entity_id),
                                                     field=f, old=check.shown(old), new=check.shown(new))
                                                for f, old, new in items])
