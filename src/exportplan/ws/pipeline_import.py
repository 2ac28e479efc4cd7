"""Storing a whole pipeline import (a :class:`~exportplan.analysis.pipeline_bundle.CompanyBundle`) for
``ws.pipeline``, and reading the stored records back as the template's sheets.

One transaction: either every row is written or none. Re-importing the same
bundle changes nothing: companies are matched by key and left alone when their
values are unchanged (their version stays); a child row is skipped when the
company already has an identical row (counted, so two identical interactions
in a file stay two); export sales are matched by company and year. A company's
new or changed stage is recorded in the stage history, unless the bundle's own
stage history already holds that change.
"""
from __future__ import annotations

from collections import Counter
from typing import Any, Mapping

import pandas as pd

from ..analysis.company_names import name_key
from ..analysis.pipeline_bundle import (COMPANY_COLUMNS, NUMERIC, SHEETS, CompanyBundle, derive_key, empty_sheet,
                                       join_list)
from ..errors import ExportPlanError
from ..store import pipeline as repo
from . import pipeline_values as check
from .base import ImportReport, provenance_fields

#: Child sheet -> stored table.
SHEET_TABLES = {"export_sales": "company_sales", "contacts": "contacts", "interactions": "interactions",
                "needs": "needs", "referrals": "referrals", "outcomes": "outcomes", "stage_history": "stage_history"}
SHEET_COLUMNS = SHEETS
#: Sheet column -> stored column, where they differ.
RENAMES = {"country": "iso3"}
#: The stored columns that make two child rows the same.
COMPARED = {
    "contacts": ("name", "role", "email", "phone"),
    "interactions": ("date", "kind", "summary", "staff"),
    "needs": ("service_category", "iso3", "note"),
    "referrals": ("date", "provider", "program", "referrer", "status", "outcome"),
    "outcomes": ("date", "kind", "iso3", "export_sales_usd", "program", "note"),
    "stage_history": ("date", "from_stage", "to_stage", "changed_by", "source", "note"),
}
_LISTS = ("current_markets", "target_markets", "tags")
_FIELDS = tuple(c for c in COMPANY_COLUMNS if c != "company_id")
_SHOW_UNKNOWN = 20


# ---- canonical frames -------------------------------------------------------------------------
def _tidy(frame: pd.DataFrame, columns) -> pd.DataFrame:
    """Text columns as stripped text ('' for blanks); number columns as floats (NaN for blanks)."""
    out = pd.DataFrame(index=frame.index)
    for column in columns:
        values = frame[column]
        if column in NUMERIC:
            out[column] = pd.to_numeric(values, errors="raise").astype("float64")
        else:
            out[column] = values.astype("object").where(values.notna(), "").astype(str).str.strip()
    return out


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows as dicts with None for missing numbers and Python scalars."""
    out = frame.astype("object").where(frame.notna(), None).to_dict("records")
    for rec in out:
        for k, v in rec.items():
            if hasattr(v, "item"):
                rec[k] = v.item()
    return out


def company_records(frame: pd.DataFrame) -> list[dict]:
    """The bundle's companies as stored records: ``key`` and the fields, with ``name_key``."""
    tidy = _tidy(frame, COMPANY_COLUMNS)
    tidy["stage"] = tidy["stage"].where(tidy["stage"] != "", "not ready")
    for column in _LISTS:
        tidy[column] = tidy[column].map(join_list)
    records = _records(tidy)
    for rec in records:
        rec["key"] = rec.pop("company_id") or derive_key(rec["name"], rec["county_fips"])
        rec["employees"] = None if rec["employees"] is None else int(rec["employees"])
        rec["name_key"] = name_key(rec["name"])
    return records


def child_records(sheet: str, frame: pd.DataFrame) -> list[dict]:
    """A child sheet's rows as stored records; ``key`` names the company."""
    columns = [c for c in SHEETS[sheet] if c != "contact_id"]
    tidy = _tidy(frame, columns).rename(columns=dict(RENAMES, company_id="key"))
    records = _records(tidy)
    if sheet == "export_sales":
        for rec in records:
            if rec["year"] is None:
                raise ExportPlanError(f"export_sales of company {rec['key']!r} has no year; give the year of the sales.")
            rec["year"] = int(rec["year"])
    return records


def sheet_frame(sheet: str, stored: pd.DataFrame) -> pd.DataFrame:
    """Stored child rows (with the company's ``key``) in a sheet's columns."""
    if not len(stored):
        return empty_sheet(sheet)
    frame = stored.drop(columns=["company_id"]).rename(columns={"key": "company_id", "iso3": "country",
                                                                "id": "contact_id"})
    return frame[list(SHEETS[sheet])].reset_index(drop=True)


# ---- storing a bundle ---------------------------------------------------------------------------
def store_bundle(ctx, bundle: CompanyBundle, provenance: Mapping[str, Any]) -> ImportReport:
    """See :meth:`exportplan.ws.pipeline.Pipeline.store_bundle`."""
    companies = company_records(bundle.companies)
    keys = [c["key"] for c in companies]
    twice = sorted(k for k, n in Counter(keys).items() if n > 1)
    if twice:
        raise ExportPlanError(f"company_id(s) {', '.join(twice[:_SHOW_UNKNOWN])} appear more than once among the "
                              "companies; give each company one row.")
    children = {sheet: child_records(sheet, frame) for sheet, frame in bundle.child_sheets().items() if len(frame)}
    total = len(companies) + sum(len(v) for v in children.values())
    fields = provenance_fields(provenance, rows=total, sample=ctx.is_sample)
    report = ImportReport("company", files=[fields["source"]] if fields["source"] else [])
    store = ctx.store
    with store.transaction() as conn:
        stored = repo.companies_by_keys(conn, keys)
        ids = _company_ids(conn, stored, set(keys), children)
        pid = store.add_provenance(conn, kind="companies", **dict(fields, retrieved_at=fields["retrieved_at"]
                                                                   or ctx.clock()))
        writer = _Writer(ctx, conn, pid)
        ids.update(writer.companies(companies, stored))
        writer.stage_rows(companies, stored, ids, children.get("stage_history", []))
        for sheet, records in children.items():
            writer.children(sheet, records, ids, set(stored))
        writer.summary()
    report.rows, report.replaced, report.notes = writer.added, writer.changed, writer.notes
    return report


def _company_ids(conn, stored: dict, bundle_keys: set, children: dict) -> dict[str, int]:
    """key -> row id of every stored company a child row names; refuses rows naming unknown companies."""
    ids = {k: v["id"] for k, v in stored.items()}
    named = {r["key"] for records in children.values() for r in records}
    ids.update(repo.company_ids(conn, named - set(ids) - bundle_keys))
    unknown = sorted(named - bundle_keys - set(ids))
    if unknown:
        sheets = sorted({s for s, records in children.items() for r in records if r["key"] in set(unknown)})
        shown = ", ".join(repr(k) for k in unknown[:_SHOW_UNKNOWN]) + (" ..." if len(unknown) > _SHOW_UNKNOWN else "")
        raise ExportPlanError(f"{len(unknown)} company_id(s) in sheet(s) {', '.join(sheets)} name no company of the "
                              f"file or the workspace: {shown}. Add those companies to the companies sheet, or fix "
                              "the company_id; nothing was imported.")
    return ids


class _Writer:
    """The writes of one bundle, on one connection; counts what it did."""

    def __init__(self, ctx, conn, pid: int):
        self.ctx, self.conn, self.pid = ctx, conn, pid
        self.at, self.user = ctx.clock(), ctx.user
        self.added = self.changed = 0
        self.notes: list[str] = []
        self.audit: list[dict] = []

    def change(self, key: str, field: str, old, new) -> None:
        self.audit.append(dict(at=self.at, user=self.user, entity="company", entity_id=key, field=field,
                               old=check.shown(old), new=check.shown(new)))

    def companies(self, records: list[dict], stored: dict) -> dict[str, int]:
        """Insert new companies and update changed ones; key -> id of the new ones."""
        stamp = dict(created_at=self.at, created_by=self.user, updated_at=self.at, updated_by=self.user)
        new = [dict(r, version=1, provenance_id=self.pid, **stamp) for r in records if r["key"] not in stored]
        ids = repo.insert_companies(self.ctx.store, self.conn, new) if new else {}
        changed = 0
        for rec in (r for r in records if r["key"] in stored):
            old = stored[rec["key"]]
            diffs = {f: rec[f] for f in (*_FIELDS, "name_key") if check.shown(old[f]) != check.shown(rec[f])}
            if not diffs:
                continue
            values = dict(diffs, updated_at=self.at, updated_by=self.user, provenance_id=self.pid)
            if not repo.update_company(self.conn, old["id"], old["version"], values):
                raise ExportPlanError(f"Company {rec['key']!r} was changed by another user during the import; "
                                      "nothing was imported. Import the file again.")
            changed += 1
            for field, value in diffs.items():
                if field != "name_key":
                    self.change(rec["key"], field, old[field], value)
        self.added += len(new)
        self.changed += changed
        self.notes.append(f"companies: {len(new):,} added, {changed:,} changed, "
                          f"{len(records) - len(new) - changed:,} unchanged")
        return ids

    def stage_rows(self, records: list[dict], stored: dict, ids: dict, history: list[dict]) -> None:
        """Stage history rows for new and changed stages the bundle's own history does not hold."""
        known = {(r["key"], r["to_stage"]) for r in history}
        rows = []
        for rec in records:
            before = stored[rec["key"]]["stage"] if rec["key"] in stored else ""
            if rec["stage"] != before and (rec["key"], rec["stage"]) not in known:
                rows.append(dict(company_id=ids[rec["key"]], date=self.at[:10], from_stage=before,
                                 to_stage=rec["stage"], changed_by=self.user, source="import", note="imported"))
        repo.insert_children(self.ctx.store, self.conn, "stage_history", rows)
        if rows:
            self.notes.append(f"stage history: {len(rows):,} new or changed stage(s) recorded")

    def children(self, sheet: str, records: list[dict], ids: dict, old_keys: set) -> None:
        """Insert a child sheet's rows that the store does not hold yet."""
        if sheet == "export_sales":
            return self.sales(records, ids, old_keys)
        table, compared = SHEET_TABLES[sheet], COMPARED[sheet]
        old = repo.children(self.conn, table, [ids[k] for k in {r["key"] for r in records} & old_keys])
        have = Counter(tuple([row["company_id"], *(check.shown(row[c]) for c in compared)])
                       for row in old.to_dict("records"))
        new = []
        for rec in records:
            sig = tuple([ids[rec["key"]], *(check.shown(rec[c]) for c in compared)])
            if have[sig]:
                have[sig] -= 1
            else:
                new.append(dict({c: rec[c] for c in compared}, company_id=ids[rec["key"]]))
        repo.insert_children(self.ctx.store, self.conn, table, new)
        self.added += len(new)
        self.notes.append(f"{sheet}: {len(new):,} added, {len(records) - len(new):,} already stored")
        if new:
            self.audit.append(dict(at=self.at, user=self.user, entity="import", entity_id=str(self.pid),
                                   field=sheet, old="", new=f"{len(new)} added"))

    def sales(self, records: list[dict], ids: dict, old_keys: set) -> None:
        """Export sales by company and year: new years added, changed values replaced."""
        twice = [k for k, n in Counter((r["key"], r["year"]) for r in records).items() if n > 1]
        if twice:
            raise ExportPlanError(f"export_sales gives company {twice[0][0]!r} two values for {twice[0][1]}; "
                                  "keep one row per company and year.")
        old = repo.children(self.conn, "company_sales", [ids[k] for k in {r["key"] for r in records} & old_keys])
        have = {(r["company_id"], r["year"]): r["export_sales_usd"] for r in old.to_dict("records")}
        added = replaced = 0
        new = []
        for rec in records:
            cid, value = ids[rec["key"]], rec["export_sales_usd"]
            if (cid, rec["year"]) not in have:
                new.append(dict(company_id=cid, year=rec["year"], export_sales_usd=value))
            elif check.shown(have[(cid, rec["year"])]) != check.shown(value):
                repo.set_sales(self.conn, cid, rec["year"], value)
                self.change(rec["key"], f"export_sales_{rec['year']}", have[(cid, rec["year"])], value)
                replaced += 1
        repo.insert_children(self.ctx.store, self.conn, "company_sales", new)
        added = len(new)
        self.added += added
        self.changed += replaced
        self.notes.append(f"export_sales: {added:,} added, {replaced:,} changed, "
                          f"{len(records) - added - replaced:,} already stored")

    def summary(self) -> None:
        """Write the audit rows (nothing when the import changed nothing)."""
        if self.audit:
            repo.add_changes(self.ctx.store, self.conn, self.audit)


# ---- replaced tables (prospects' inputs) --------------------------------------------------------------
REPLACED = {"businesses": (repo.replace_businesses, ("key", "name", "naics", "county_fips", "employees",
                                                     "foreign_parent", "parent_country")),
            "export_intensity": (repo.replace_export_intensity, ("naics", "exports_usd", "exports_year", "employment",
                                                                 "employment_year", "intensity", "measured", "note"))}


def replace_table(ctx, kind: str, frame: pd.DataFrame, provenance: Mapping[str, Any]) -> ImportReport:
    """Replace the businesses or the export intensity table by ``frame``, in one transaction."""
    replace, columns = REPLACED[kind]
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ExportPlanError(f"The {kind} table lacks column(s) {', '.join(missing)}.")
    records = _records(frame[list(columns)])
    for rec in records:
        if kind == "businesses":
            rec["name_key"] = name_key(rec["name"])
            rec["employees"] = None if rec["employees"] is None else int(rec["employees"])
            for c in ("naics", "county_fips", "foreign_parent", "parent_country"):
                rec[c] = check.text(rec[c])
        else:
            rec["measured"], rec["note"] = bool(rec["measured"]), check.text(rec["note"])
    fields = provenance_fields(provenance, rows=len(records), sample=ctx.is_sample)
    report = ImportReport(kind, files=[fields["source"]] if fields["source"] else [])
    with ctx.store.transaction() as conn:
        pid = ctx.store.add_provenance(conn, kind=kind, **dict(fields, retrieved_at=fields["retrieved_at"]
                                                                 or ctx.clock()))
        report.rows, report.replaced = replace(ctx.store, conn, records, pid)
    return report
