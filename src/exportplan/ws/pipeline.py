"""Service ``ws.pipeline``: the exporter pipeline's records (companies, contacts, interactions, needs,
referrals, outcomes, stage history, assessments), the audit log and saved column mappings.

Every write runs in one transaction, stamps its time with ``ctx.clock()`` and
its author with ``ctx.user``, and adds rows to the audit log (``changes``): who
changed what, when. Contacts are personal data: the audit log never holds their
values, and :meth:`Pipeline.forget_contact` deletes them for good.

Companies are edited with optimistic locking: :meth:`Pipeline.company` gives
the record's ``version``; :meth:`Pipeline.update_company` names the version it
edited and raises :class:`~exportplan.errors.ConflictError` (who saved in
between, and when) if another user saved first, so nothing is silently
overwritten. Whole imports go through :meth:`Pipeline.store_bundle` (all or
nothing, idempotent; :mod:`exportplan.ws.pipeline_import`).
"""
from __future__ import annotations

import json
import time
from typing import Any, Callable, Mapping, TypeVar

import pandas as pd
from sqlalchemy.exc import OperationalError

from ..analysis.pipeline_bundle import COMPANY_COLUMNS, CompanyBundle, derive_key, join_list, split_list
from ..analysis.pipeline_terms import (INTERACTION_KINDS, OUTCOME_KINDS, REFERRAL_STATUSES, SERVICE_CATEGORIES,
                                       STAGE_SOURCES, STAGES)
from ..errors import ConflictError, ExportPlanError
from ..store import pipeline as repo
from . import pipeline_files as files
from . import pipeline_import as imp
from . import pipeline_values as check
from .base import ImportReport
from .context import Service

#: Bookkeeping columns that :meth:`Pipeline.companies` adds to the template's columns.
LIST_EXTRA = ("version", "created_at", "created_by", "updated_at", "updated_by")
#: The children :meth:`Pipeline.company` returns, with the stored table each comes from.
CHILD_LISTS = {"export_sales": "company_sales", "contacts": "contacts", "interactions": "interactions",
               "needs": "needs", "referrals": "referrals", "outcomes": "outcomes", "stage_history": "stage_history",
               "assessments": "assessments"}


class Pipeline(Service):
    # ---- companies ---------------------------------------------------------------------------
    def add_company(self, **fields: Any) -> str:
        """Add a company; returns its key.

        Fields are the import template's columns (``company_id``, ``name``,
        ``naics``, ``sector``, ``county_fips``, ``city``, ``employees``,
        ``revenue_usd``, ``website``, ``foreign_parent``, ``parent_country``,
        ``stage``, ``current_markets``, ``target_markets``, ``tags``, ``notes``).
        A blank ``company_id`` is derived from the name and county. Its first
        stage is recorded in the stage history.
        """
        key = check.text(fields.pop("company_id", None))
        values = check.company_values(fields)
        key = key or derive_key(values["name"], values["county_fips"])
        at, user = self.ctx.clock(), self.ctx.user
        with self.ctx.store.transaction() as conn:
            found = repo.get_company(conn, key)
            if found:
                raise ExportPlanError(f"A company with company_id {key!r} is already stored ({found['name']}); give "
                                      "another company_id, or change that company with update_company.")
            pid = repo.manual_provenance(conn, at, note="SAMPLE DATA" if self.ctx.is_sample else "")
            cid = repo.insert_company(conn, dict(values, key=key, version=1, created_at=at, created_by=user,
                                                 updated_at=at, updated_by=user, provenance_id=pid))
            repo.insert_child(conn, "stage_history", dict(company_id=cid, date=at[:10], from_stage="",
                                                          to_stage=values["stage"], changed_by=user,
                                                          source="manual", note="added"))
            self._audit(conn, key, [("created", "", values["name"])])
        return key

    def update_company(self, key: str, *, expected_version: int, **changes: Any) -> int:
        """Change a company's fields; returns its new version.

        ``expected_version`` is the version the caller read (``company(key)["version"]``).
        If another user saved since, :class:`ConflictError` says who and when,
        and nothing is written. Each changed field goes to the audit log, a
        stage change also to the stage history. Unchanged values change nothing.
        """
        return self._update(key, int(expected_version), check.company_values(changes, partial=True), "manual", "")

    def set_stage(self, key: str, stage: str, source: str = "manual", note: str = "") -> int:
        """Move a company to another export stage (recorded in the stage history); returns its version."""
        stage = check.choice(stage, STAGES, "stage")
        source = check.choice(source, STAGE_SOURCES, "source")
        return self._update(key, None, {"stage": stage}, source, check.text(note))

    def _update(self, key: str, expected: int | None, values: dict, source: str, note: str) -> int:
        return _retry_locked(lambda: self._update_once(key, expected, values, source, note))

    def _update_once(self, key: str, expected: int | None, values: dict, source: str, note: str) -> int:
        at, user = self.ctx.clock(), self.ctx.user
        with self.ctx.store.transaction() as conn:
            row = self._company_row(conn, key)
            expected = row["version"] if expected is None else expected
            if row["version"] != expected:
                raise self._conflict(row, expected)
            diffs = {f: v for f, v in values.items() if check.shown(row[f]) != check.shown(v)}
            if not diffs:
                return int(row["version"])
            if not repo.update_company(conn, row["id"], expected, dict(diffs, updated_at=at, updated_by=user)):
                raise self._conflict(repo.get_company(conn, key) or row, expected)
            self._audit(conn, key, [(f, row[f], v) for f, v in diffs.items() if f != "name_key"])
            if "stage" in diffs:
                repo.insert_child(conn, "stage_history", dict(company_id=row["id"], date=at[:10],
                                                              from_stage=row["stage"], to_stage=diffs["stage"],
                                                              changed_by=user, source=source, note=note))
        return expected + 1

    @staticmethod
    def _conflict(row: dict, expected: int) -> ConflictError:
        who = row.get("updated_by") or "another user"
        return ConflictError(
            f"Company {row['key']!r} was changed by {who} at {row.get('updated_at') or 'an unknown time'} after you "
            f"read it (it is now version {row['version']}, you edited version {expected}); nothing was saved. "
            "Reload the company and make your change again.",
            changed_by=row.get("updated_by") or "", changed_at=row.get("updated_at") or "", version=row["version"])

    def company(self, key: str) -> dict:
        """One company: its fields (``company_id`` = key), ``version`` and bookkeeping, and its children as lists
        of records: export_sales, contacts, interactions, needs, referrals, outcomes, stage_history, assessments."""
        row = repo.read_company(self.ctx.store, check.text(key))
        if row is None:
            raise self._not_found(key)
        out = {"company_id": row["key"], **{c: row[c] for c in COMPANY_COLUMNS[1:]},
               **{c: row[c] for c in LIST_EXTRA}}
        records = repo.company_records(self.ctx.store, CHILD_LISTS.values(), row["id"])
        for name, table in CHILD_LISTS.items():
            out[name] = [{k: v for k, v in r.items() if k != "company_id"} for r in records[table]]
        return out

    def companies(self, *, stage=None, sector=None, county=None, naics: str | None = None,
                  search: str | None = None, tag: str | None = None, limit: int | None = None,
                  offset: int = 0) -> pd.DataFrame:
        """The companies, ordered by name: the template's columns plus version and who changed them when.

        Filters: ``stage``, ``sector`` and ``county`` (a value or a list),
        ``naics`` (a code prefix, e.g. "33"), ``search`` (text in the name,
        any case or spelling), ``tag`` (one of the company's tags, any case); ``limit`` rows at most, from row
        ``offset``
        (a page; :meth:`count_companies` gives the total).
        """
        from ..analysis.company_names import name_key

        frame = repo.list_companies(self.ctx.store, stage=stage, sector=sector, county=county, naics=naics,
                                    search=search, search_key=name_key(search) if search else None, tag=tag,
                                    limit=limit, offset=offset)
        frame = frame.rename(columns={"key": "company_id"})[list(COMPANY_COLUMNS) + list(LIST_EXTRA)]
        frame["employees"] = frame["employees"].astype("Int64")
        frame["revenue_usd"] = frame["revenue_usd"].astype("float64")
        frame.attrs["exportplan"] = self.ws.citations.meta("Companies in the pipeline", ["companies"], [])
        return frame.reset_index(drop=True)

    def count_companies(self, *, stage=None, sector=None, county=None, naics: str | None = None,
                        search: str | None = None, tag: str | None = None) -> int:
        """How many companies match the filters of :meth:`companies` (for paging with its ``limit``/``offset``)."""
        from ..analysis.company_names import name_key

        return repo.count_companies(self.ctx.store, stage=stage, sector=sector, county=county, naics=naics,
                                    search=search, search_key=name_key(search) if search else None, tag=tag)

    def duplicates(self) -> pd.DataFrame:
        """Likely duplicate companies (similar normalized names in the same or a blank county) for staff to
        review and :meth:`merge`; never merged automatically. Columns: key_a, key_b, name_a, name_b, score, reason."""
        from ..analysis.company_names import likely_duplicates

        stored = repo.list_companies(self.ctx.store)
        pairs = likely_duplicates(stored[["key", "name", "county_fips"]])
        pairs.attrs["exportplan"] = self.ws.citations.meta("Likely duplicate companies", ["companies"], [
            "Pairs of companies whose normalized names match closely (legal suffixes and punctuation removed) "
            "in the same county or where either county is blank; merge them with 'companies merge' after checking."])
        return pairs

    # ---- a company's records -------------------------------------------------------------------
    def log_interaction(self, key: str, date, kind: str, summary: str, staff: str = "") -> int:
        """Record an interaction (outreach, call, email, meeting, visit, event, other); returns its id."""
        record = dict(date=check.date(date, self.ctx.clock(), "date"),
                      kind=check.choice(kind, INTERACTION_KINDS, "interaction kind"),
                      summary=check.text(summary), staff=check.text(staff))
        return self._add_child(key, "interactions", record)

    def add_need(self, key: str, service_category: str, iso3: str = "", note: str = "") -> int:
        """Record a company's need for a service category (in one country, or any when blank); returns its id."""
        record = dict(service_category=check.choice(service_category, SERVICE_CATEGORIES, "service category"),
                      iso3=check.country(iso3), note=check.text(note))
        return self._add_child(key, "needs", record)

    def refer(self, key: str, provider: str = "", program: str = "", date=None, referrer: str = "",
              status: str = "made", outcome: str = "", program_id: str = "") -> int:
        """Record a referral to a provider's program; returns its id.

        ``program_id`` names a program of the inventory (``exportplan programs list``): its name and
        its provider's fill ``program`` and ``provider`` when they are not given.
        """
        if not check.blank(program_id):
            chosen = self.ws.programs.program(str(program_id).strip())
            provider = provider if not check.blank(provider) else chosen["provider_name"]
            program = program if not check.blank(program) else chosen["name"]
        if check.blank(provider):
            raise ExportPlanError("A referral needs a program of the inventory (program_id, see 'exportplan programs "
                                  "list') or the provider's name (e.g. 'U.S. Commercial Service').")
        record = dict(date=check.date(date, self.ctx.clock(), "date"), provider=check.text(provider),
                      program=check.text(program), referrer=check.text(referrer),
                      status=check.choice(status, REFERRAL_STATUSES, "referral status"), outcome=check.text(outcome),
                      program_key=check.text(program_id))
        return self._add_child(key, "referrals", record)

    def set_referral_status(self, referral_id: int, status: str, *, outcome: str | None = None) -> None:
        """Change a referral's status (and, when given, what came of it), e.g. a partner accepting it.

        The change is written to the audit log under the referral's company.
        """
        values = {"status": check.choice(status, REFERRAL_STATUSES, "referral status")}
        if outcome is not None:
            values["outcome"] = check.text(outcome)

        def write() -> None:
            with self.ctx.store.transaction() as conn:
                old = repo.update_child(conn, "referrals", int(referral_id), values)
                if old is None:
                    raise ExportPlanError(f"No referral #{referral_id} is stored; 'exportplan companies show KEY' "
                                          "lists a company's referrals with their numbers.")
                self._audit(conn, old["company_key"], [(f"referral #{referral_id} {name}", old[name], value)
                                                       for name, value in values.items() if old[name] != value])

        _retry_locked(write)

    def record_outcome(self, key: str, kind: str, date, iso3: str = "", export_sales_usd=None, program: str = "",
                       note: str = "") -> int:
        """Record an outcome (first export, new market, export sales), optionally attributed to a program."""
        record = dict(kind=check.choice(kind, OUTCOME_KINDS, "outcome kind"),
                      date=check.date(date, self.ctx.clock(), "date"), iso3=check.country(iso3),
                      export_sales_usd=check.money(export_sales_usd, "export_sales_usd"),
                      program=check.text(program), note=check.text(note))
        return self._add_child(key, "outcomes", record)

    def set_export_sales(self, key: str, year: int, export_sales_usd) -> None:
        """Set a company's export sales of one year (replacing what was stored for that year)."""
        year_now = int(self.ctx.clock()[:4])
        year = check.count(year, "year")
        if year is None or not 1900 <= year <= year_now:
            raise ExportPlanError(f"year {year!r} must be a year between 1900 and {year_now}.")
        value = check.money(export_sales_usd, "export_sales_usd")
        with self.ctx.store.transaction() as conn:
            row = self._company_row(conn, key)
            repo.set_sales(conn, row["id"], year, value)
            self._audit(conn, key, [(f"export_sales_{year}", "", value)])

    def add_contact(self, key: str, name: str, role: str = "", email: str = "", phone: str = "") -> int:
        """Add a contact person (personal data: keep it to these fields); returns the contact's id."""
        if check.blank(name):
            raise ExportPlanError("A contact needs a name.")
        record = dict(name=check.text(name), role=check.text(role), email=check.text(email), phone=check.text(phone))
        return self._add_child(key, "contacts", record)

    def record_assessment(self, key: str, answers: Mapping[str, Any], score: float | None, suggested_stage: str,
                          confirmed_stage: str = "", date=None, assessed_by: str = "") -> int:
        """Store a readiness assessment; a confirmed stage moves the company there (source 'assessment')."""
        suggested = check.choice(suggested_stage, STAGES, "suggested stage") if suggested_stage else ""
        confirmed = check.choice(confirmed_stage, STAGES, "confirmed stage") if confirmed_stage else ""
        record = dict(date=check.date(date or self.ctx.clock(), self.ctx.clock(), "date"),
                      assessed_by=assessed_by or self.ctx.user, answers=json.dumps(dict(answers), sort_keys=True, default=str),
                      score=None if score is None else float(score), suggested_stage=suggested,
                      confirmed_stage=confirmed)
        aid = self._add_child(key, "assessments", record)
        if confirmed:
            self.set_stage(key, confirmed, "assessment", f"assessment #{aid}")
        return aid

    def _add_child(self, key: str, table: str, record: dict) -> int:
        return _retry_locked(lambda: self._add_child_once(key, table, record))

    def _add_child_once(self, key: str, table: str, record: dict) -> int:
        with self.ctx.store.transaction() as conn:
            row = self._company_row(conn, key)
            new_id = repo.insert_child(conn, table, dict(record, company_id=row["id"]))
            self._audit(conn, key, [(table, "", f"added #{new_id}")])
        return new_id

    def forget_contact(self, contact: int | tuple[str, str]) -> int:
        """Delete a person's data: a contact id, or (company key, name) for every contact of that name.

        The company and its anonymous history stay; the audit log records that
        a contact was forgotten, without the person's values. Returns how many.
        """
        with self.ctx.store.transaction() as conn:
            if isinstance(contact, tuple):
                key, name = contact
                ids = repo.contacts_named(conn, self._company_row(conn, key)["id"], name)
            else:
                ids = [int(contact)]
            found = [repo.contact(conn, i) for i in ids]
            if not ids or not all(found):
                raise ExportPlanError(f"No contact {contact!r} is stored; list a company's contacts with "
                                      "'exportplan companies show KEY --with-contacts'.")
            for record in found:
                repo.delete_contact(conn, record["id"])
                self._audit(conn, record["key"], [("contacts", f"#{record['id']}", "forgotten")])
        return len(ids)

    def merge(self, keep_key: str, drop_key: str) -> dict[str, int]:
        """Merge company ``drop_key`` into ``keep_key`` (staff decide; never automatic).

        Every record of the dropped company moves to the kept one (export sales
        only for years the kept one lacks); the kept company's blank fields are
        filled from the dropped one, markets and tags are combined; the dropped
        company is deleted. Both steps go to the audit log. Returns the rows moved per table.
        """
        if keep_key == drop_key:
            raise ExportPlanError("Merge two different companies: keep and drop name the same company_id.")
        at, user = self.ctx.clock(), self.ctx.user
        with self.ctx.store.transaction() as conn:
            keep, drop = self._company_row(conn, keep_key), self._company_row(conn, drop_key)
            fills = _merged_fields(keep, drop)
            if fills and not repo.update_company(conn, keep["id"], keep["version"],
                                                 dict(fills, updated_at=at, updated_by=user)):
                raise self._conflict(repo.get_company(conn, keep_key) or keep, keep["version"])
            moved = repo.move_children(conn, drop["id"], keep["id"])
            repo.delete_company(conn, drop["id"])
            self._audit(conn, keep_key, [("merged", "", drop_key)] +
                        [(f, keep[f], v) for f, v in fills.items() if f != "name_key"])
            self._audit(conn, drop_key, [("deleted", drop["name"], f"merged into {keep_key}")])
        return moved

    # ---- imports and exports ----------------------------------------------------------------------
    def store_bundle(self, bundle: CompanyBundle, provenance: Mapping[str, Any]) -> ImportReport:
        """Write a whole validated import in one transaction (all or nothing); re-importing changes nothing.

        ``provenance``: the import's file fields (``source`` or ``file``,
        ``sha256``, ...). Companies are upserted by key (unchanged ones are
        left alone); child rows identical to stored ones are skipped; child
        rows naming a company that is neither in the bundle nor stored are refused.
        """
        return imp.store_bundle(self.ctx, bundle, provenance)

    def export_bundle(self, *, with_contacts: bool = False) -> CompanyBundle:
        """Every record in the import template's sheets (contacts only ``with_contacts``), for the exporter."""
        sheets = {sheet: self.records(sheet) for sheet in imp.SHEET_TABLES
                  if with_contacts or sheet != "contacts"}
        sheets["companies"] = self.companies().drop(columns=list(LIST_EXTRA))
        return CompanyBundle.of(**sheets)

    def import_companies(self, path, *, sheet: str | None = None, mapping: Mapping[str, str] | str | None = None,
                         save_mapping: str | None = None) -> ImportReport:
        """Import a company file (the template's XLSX sheets, or a CSV of companies) all or nothing.

        ``mapping``: file column -> template column, or the name of a saved
        mapping; ``save_mapping`` saves the one given under that name. The
        report notes companies without NAICS code or county and the likely
        duplicates among the stored companies (never merged automatically).
        """
        return files.import_companies(self, path, sheet=sheet, mapping=mapping, save_mapping=save_mapping)

    def export_companies(self, path, fmt: str | None = None, *, with_contacts: bool = False):
        """Write every record as XLSX (a sheet per kind), CSV (companies) or JSON; contacts only ``with_contacts``."""
        from ..imports.companies import write_pipeline

        bundle = self.export_bundle(with_contacts=with_contacts)
        return write_pipeline(bundle.sheets(), path, with_contacts=with_contacts, fmt=fmt)

    def template(self, path, fmt: str | None = None):
        """Write the empty import template (XLSX with instructions, or a CSV header)."""
        from ..imports.companies import template

        return template(path, fmt)

    def assess(self, key: str, answers: Mapping[str, str], *, confirm: bool = False, assessed_by: str = ""):
        """Score the readiness questionnaire for a company and record it (:class:`ReadinessResult`).

        The suggestion uses the company's current markets and latest export
        sales; with ``confirm`` the company moves to the suggested stage (source
        'assessment', kept in the stage history). Staff confirm; nothing moves otherwise.
        """
        return files.assess(self, key, answers, confirm=confirm, assessed_by=assessed_by)

    def metrics(self, *, start=None, end=None, by=()) -> dict:
        """Pipeline metrics (name -> Metric(table, notes)): stage counts by stage, sector and county, stage
        flows from ``start`` to ``end``, exporting share, markets per exporter, conversion."""
        return files.metrics(self, start=start, end=end, by=by)

    def records(self, sheet: str) -> pd.DataFrame:
        """One child sheet of every company (export_sales, contacts, interactions, needs, referrals, outcomes,
        stage_history) in the template's columns, by company_id."""
        if sheet not in imp.SHEET_TABLES:
            raise ExportPlanError(f"Unknown sheet {sheet!r}; use one of {', '.join(imp.SHEET_TABLES)}.")
        return imp.sheet_frame(sheet, repo.all_children(self.ctx.store, imp.SHEET_TABLES[sheet]))

    def save_mapping(self, name: str, mapping: Mapping[str, str]) -> None:
        """Save a column mapping (source column -> template column) under ``name`` for later imports."""
        name = check.text(name)
        if not name or len(name) > 120:
            raise ExportPlanError("Give the mapping a name of 1 to 120 characters, e.g. 'salesforce'.")
        bad = sorted(str(v) for v in mapping.values() if v not in set().union(*imp.SHEET_COLUMNS.values()))
        if bad:
            raise ExportPlanError(f"The mapping names unknown template column(s) {', '.join(bad)}; map to one of "
                                  f"{', '.join(COMPANY_COLUMNS)} (or another sheet's columns).")
        with self.ctx.store.transaction() as conn:
            replaced = repo.save_mapping(conn, name, {str(k): str(v) for k, v in mapping.items()}, self.ctx.clock())
            repo.add_changes(self.ctx.store, conn, [self._change("mapping", name, "mapping", "replaced" if replaced
                                                                 else "", "saved")])

    def mapping(self, name: str) -> dict[str, str]:
        """A saved column mapping by name."""
        found = repo.load_mapping(self.ctx.store, name)
        if found is None:
            names = repo.mappings(self.ctx.store)["name"].tolist()
            raise ExportPlanError(f"No column mapping named {name!r} is saved; saved: {', '.join(names) or 'none'}.")
        return found

    def mappings(self) -> list[str]:
        """The names of the saved column mappings."""
        return repo.mappings(self.ctx.store)["name"].tolist()

    # ---- the audit log and contact dates ------------------------------------------------------------
    def changes(self, key: str | None = None) -> pd.DataFrame:
        """The audit log (at, user, entity, entity_id, field, old, new), oldest first; of one company with ``key``."""
        return repo.changes(self.ctx.store, "company" if key else None, key)

    def recent_changes(self, limit: int = 10, *, exclude: tuple[str, ...] = ()) -> pd.DataFrame:
        """The newest ``limit`` entries of the audit log (at, user, entity, entity_id, field, old, new), newest
        first, of every kind of record but those ``exclude`` names (e.g. ``session``: sign-ins)."""
        return repo.recent_changes(self.ctx.store, limit, exclude=tuple(exclude))

    def last_contacts(self) -> pd.DataFrame:
        """company_id, last_contact: each company's latest interaction date ('' when none)."""
        return repo.last_contacts(self.ctx.store).rename(columns={"key": "company_id"})

    # ---- prospects' inputs ----------------------------------------------------------------------
    def store_businesses(self, frame: pd.DataFrame, provenance: Mapping[str, Any]) -> ImportReport:
        """Replace the region's business list (key, name, naics, county_fips, employees, foreign_parent,
        parent_country; name_key is added) in one transaction."""
        return imp.replace_table(self.ctx, "businesses", frame, provenance)

    def businesses(self) -> pd.DataFrame:
        """The stored business list (prospects), by key."""
        return repo.businesses(self.ctx.store)

    def store_export_intensity(self, frame: pd.DataFrame, provenance: Mapping[str, Any]) -> ImportReport:
        """Replace the export intensity table (naics, exports_usd, exports_year, employment, employment_year,
        intensity, measured, note) in one transaction."""
        return imp.replace_table(self.ctx, "export_intensity", frame, provenance)

    def export_intensity(self) -> pd.DataFrame:
        """The stored export intensity by NAICS."""
        return repo.export_intensity(self.ctx.store)

    # ---- helpers ------------------------------------------------------------------------------------
    def _company_row(self, conn, key: str) -> dict:
        row = repo.get_company(conn, check.text(key))
        if row is None:
            raise self._not_found(key)
        return row

    @staticmethod
    def _not_found(key: str) -> ExportPlanError:
        return ExportPlanError(f"No company with company_id {key!r} is stored; find it with "
                               "'exportplan companies list --search NAME'.")

    def _change(self, entity: str, entity_id: str, field: str, old, new) -> dict:
        return dict(at=self.ctx.clock(), user=self.ctx.user, entity=entity, entity_id=str(entity_id), field=field,
                    old=check.shown(old), new=check.shown(new))

    def _audit(self, conn, key: str, items: list[tuple[str, Any, Any]]) -> None:
        repo.add_changes(self.ctx.store, conn, [self._change("company", key, f, old, new) for f, old, new in items])


_T = TypeVar("_T")


def _retry_locked(write: Callable[[], _T], attempts: int = 6) -> _T:
    """Run a write, again when SQLite was locked by another writer (its snapshot was stale).

    The retry reads the record anew, so an edit of a version another user has
    just saved ends in a :class:`ConflictError`, as on PostgreSQL.
    """
    for attempt in range(attempts):
        try:
            return write()
        except OperationalError as exc:
            if "locked" not in str(exc.orig) or attempt == attempts - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")


def _merged_fields(keep: dict, drop: dict) -> dict:
    """The kept company's blank fields filled from the dropped one; markets and tags combined."""
    out = {}
    for field in COMPANY_COLUMNS[2:]:
        if field in ("current_markets", "target_markets", "tags"):
            combined = join_list(split_list(keep[field]) + split_list(drop[field]))
            if combined != keep[field]:
                out[field] = combined
        elif field != "stage" and check.blank(keep[field]) and not check.blank(drop[field]):
            out[field] = drop[field]
    return out
