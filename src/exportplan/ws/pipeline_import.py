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
RENAMES = {"country": "iso3", "program_id": "program_key"}
#: The stored columns that make two child rows the same.
COMPARED = {
    "contacts": ("name", "role", "email", "phone"),
    "interactions": ("date", "kind", "summary", "staff"),
    "needs": ("service_category", "iso3", "note"),
    "referrals": ("date", "provider", "program", "program_key", "referrer", "status", "outcome"),
    "outcomes": ("date", "kind", "iso3", "export_sales_usd", "program", "note"),
    "stage_history": ("date", "from_stage", "to_stage", "changed_by", "source", "note"),
}
_LISTS = ("current_markets", "target_markets", "tags")
_FIELDS = tuple(c for c in COMPANY_COLUMNS if c != "company_id")
_SHOW_UNKNOWN = 20
#: A list that is not in its stored form: spaces around an item, or an empty item.
_MESSY_LIST = r"\s;|;\s|;;|^;|;$"


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
    """Rows as dicts of Python values, None for missing numbers (built column by column: fast)."""
    columns = {}
    for name in frame.columns:
        values = frame[name].tolist()
        if name in NUMERIC:
            values = [None if v != v else v for v in values]
        columns[name] = values
    names = list(columns)
    return [dict(zip(names, row)) for row in zip(*columns.values())] if len(frame) else []


def company_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The bundle's companies in stored form: ``key`` and the fields (lists tidied, blank stage 'not ready').

    A ``name_key`` column the importer computed is kept; otherwise it is added later, for written rows only.
    """
    tidy = _tidy(frame, COMPANY_COLUMNS)
    tidy["stage"] = tidy["stage"].where(tidy["stage"] != "", "not ready")
    for column in _LISTS:
        values = tidy[column]
        # Every messy form has a ';': the pattern is run only on those (a plain search is much faster).
        messy = values.str.contains(";", regex=False)
        if messy.any():
            messy[messy] = values[messy].str.contains(_MESSY_LIST, regex=True)
        if messy.any():
            tidy.loc[messy, column] = [join_list(v) for v in values[messy].tolist()]
    blank_key = tidy["company_id"] == ""
    tidy.loc[blank_key, "company_id"] = [derive_key(n, c) for n, c in
                                         zip(tidy.loc[blank_key, "name"], tidy.loc[blank_key, "county_fips"])]
    if "name_key" in frame.columns:
        tidy["name_key"] = frame["name_key"].fillna("").astype(str)
    return tidy.rename(columns={"company_id": "key"})


def storable(tidy: pd.DataFrame, **constants) -> pd.DataFrame:
    """Rows of :func:`company_frame` ready to insert: ``name_key``, whole employees, None for missing
    numbers, Python values, and the ``constants`` (version, stamps, provenance) in every row."""
    out = pd.DataFrame({c: tidy[c].tolist() for c in tidy.columns}, dtype=object, index=range(len(tidy)))
    keys = out["name_key"].tolist() if "name_key" in out else [""] * len(out)
    out["name_key"] = [k or name_key(n) for k, n in zip(keys, out["name"].tolist())]
    out["employees"] = pd.Series([None if v != v else int(v) for v in tidy["employees"].tolist()], dtype=object,
                                 index=out.index)
    out["revenue_usd"] = pd.Series([None if v != v else v for v in tidy["revenue_usd"].tolist()], dtype=object,
                                   index=out.index)
    for column, value in constants.items():
        out[column] = value
    return out


def changed_fields(tidy: pd.DataFrame, stored: pd.DataFrame) -> pd.DataFrame:
    """One row per stored company whose bundle values differ: ``key``, and each field as new value or NA (same)."""
    both = tidy.merge(stored, on="key", suffixes=("", "_old"))
    differs = pd.DataFrame(index=both.index)
    for field in _FIELDS:
        new, old = both[field], both[field + "_old"]
        if field in NUMERIC:
            new, old = pd.to_numeric(new).astype("float64"), pd.to_numeric(old).astype("float64")
            differs[field] = ~((new == old) | (new.isna() & old.isna()))
        else:
            differs[field] = new.astype(str) != old.astype(object).where(old.notna(), "").astype(str)
    return both[differs.any(axis=1)]


def child_records(sheet: str, frame: pd.DataFrame) -> list[dict]:
    """A child sheet's rows as stored records; ``key`` names the company."""
    columns = [c for c in SHEETS[sheet] if c != "contact_id"]
    tidy = _tidy(frame, columns).rename(columns=dict(RENAMES, company_id="key"))
    records = _records(tidy)
    if sheet == "export_sales":
        for rec in records:
            if rec["year"] is None:
                raise ExportPlanError(f"export_sales of company {rec['key']!r} has no year; give the year of the "
                                      "sales.")
            rec["year"] = int(rec["year"])
    return records


def sheet_frame(sheet: str, stored: pd.DataFrame) -> pd.DataFrame:
    """Stored child rows (with the company's ``key``) in a sheet's columns."""
    if not len(stored):
        return empty_sheet(sheet)
    frame = stored.drop(columns=["company_id"]).rename(columns={"key": "company_id", "iso3": "country",
                                                                "id": "contact_id", "program_key": "program_id"})
    return frame[list(SHEETS[sheet])].reset_index(drop=True)


# ---- storing a bundle ---------------------------------------------------------------------------
def store_bundle(ctx, bundle: CompanyBundle, provenance: Mapping[str, Any]) -> ImportReport:
    """See :meth:`exportplan.ws.pipeline.Pipeline.store_bundle`."""
    companies = company_frame(bundle.companies)
    keys = companies["key"].tolist()
    twice = sorted(k for k, n in Counter(keys).items() if n > 1)
    if twice:
        raise ExportPlanError(f"company_id(s) {', '.join(twice[:_SHOW_UNKNOWN])} appear more than once among the "
                              "companies; give each company one row.")
    children = {sheet: child_records(sheet, frame) for sheet, frame in bundle.child_sheets().items() if len(frame)}
    total = len(companies) + sum(len(v) for v in children.values())
    fields = provenance_fields(provenance, rows=total, sample=ctx.is_sample)
    fields["retrieved_at"] = fields["retrieved_at"] or ctx.clock()
    report = ImportReport("company", files=[fields["source"]] if fields["source"] else [])
    store = ctx.store
    with store.transaction() as conn:
        stored = repo.companies_frame(conn, keys)
        ids = _company_ids(conn, stored, set(keys), children)
        writer = _Writer(ctx, conn, store.add_provenance(conn, kind="companies", **fields))
        ids.update(writer.companies(companies, stored))
        writer.stage_rows(companies, stored, ids, children.get("stage_history", []))
        for sheet, records in children.items():
            writer.children(sheet, records, ids, set(stored["key"].tolist()))
        writer.summary()
    report.rows, report.replaced, report.notes = writer.added, writer.changed, writer.notes
    return report


def _company_ids(conn, stored: pd.DataFrame, bundle_keys: set, children: dict) -> dict[str, int]:
    """key -> row id of every stored company a child row names; refuses rows naming unknown companies."""
    ids = dict(zip(stored["key"].tolist(), stored["id"].tolist()))
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

    def companies(self, companies: pd.DataFrame, stored: pd.DataFrame) -> dict[str, int]:
        """Insert new companies and update changed ones; key -> id of the new ones."""
        stamp = dict(created_at=self.at, created_by=self.user, updated_at=self.at, updated_by=self.user)
        old_keys = set(stored["key"].tolist())  # a set lookup: Series.isin on Arrow strings is far slower
        is_new = pd.Series([k not in old_keys for k in companies["key"].tolist()], index=companies.index, dtype=bool)
        new = storable(companies[is_new], version=1, provenance_id=self.pid, **stamp)
        repo.insert_companies(self.ctx.store, self.conn, new)
        ids = repo.company_ids_of_provenance(self.conn, self.pid) if len(new) else {}
        changed = changed_fields(companies[~is_new], stored)
        for row in changed.to_dict("records"):
            self.update(row)
        self.added += len(new)
        self.changed += len(changed)
        self.notes.append(f"companies: {len(new):,} added, {len(changed):,} changed, "
                          f"{len(companies) - len(new) - len(changed):,} unchanged")
        return ids

    def update(self, row: dict) -> None:
        """Write one changed company (``row``: new values, old ones with suffix ``_old``, id and version)."""
        diffs = {f: row[f] for f in _FIELDS if check.shown(row[f]) != check.shown(row[f + "_old"])}
        if "employees" in diffs:
            diffs["employees"] = None if check.blank(diffs["employees"]) else int(diffs["employees"])
        if "revenue_usd" in diffs and check.blank(diffs["revenue_usd"]):
            diffs["revenue_usd"] = None
        extra = {"name_key": name_key(diffs["name"])} if "name" in diffs else {}
        values = dict(diffs, **extra, updated_at=self.at, updated_by=self.user, provenance_id=self.pid)
        if not repo.update_company(self.conn, int(row["id"]), int(row["version"]), values):
            raise ExportPlanError(f"Company {row['key']!r} was changed by another user during the import; "
                                  "nothing was imported. Import the file again.")
        for field, value in diffs.items():
            self.change(row["key"], field, row[field + "_old"], value)

    def stage_rows(self, companies: pd.DataFrame, stored: pd.DataFrame, ids: dict, history: list[dict]) -> None:
        """Stage history rows for new and changed stages the bundle's own history does not hold."""
        lookup = dict(zip(stored["key"].tolist(), stored["stage"].tolist()))
        known = {(r["key"], r["to_stage"]) for r in history}
        rows = [dict(company_id=ids[k], date=self.at[:10], from_stage=lookup.get(k, ""), to_stage=s,
                     changed_by=self.user, source="import", note="imported")
                for k, s in zip(companies["key"].tolist(), companies["stage"].tolist())
                if s != lookup.get(k, "") and (k, s) not in known]
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
