"""Workspace part: BLS QCEW files, downloads and the stored QCEW rows.

An import replaces stored rows by their full key (area, ownership, industry,
size, year, period): an industry slice or a trimmed file updates its own rows
and leaves the other industries of its areas and years alone.
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import polars as pl
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    delete,
    func,
    select,
    text,
    tuple_,
)

from ..errors import ErrorTable, ExportPlanError, ImportFailed
from ..store import schema as t
from .base import QCEW_COLUMNS, ImportReport

#: The stored rows' primary key: a file's row replaces the stored row with the same key.
KEY = ("area_fips", "own_code", "industry_code", "size_code", "year", "qtr")
#: An area's period: what a whole-area file covers.
UNIT = ("area_fips", "year", "qtr")
SHOWN_DUPLICATES = 10  # repeated rows listed one by one; the rest are counted
_KEYS_TABLE = "exportplan_qcew_import_keys"  # temporary, one connection's, dropped after use
_TEMP_SCHEMA = {"sqlite": "temp", "postgresql": "pg_temp"}
#: The all-industries total of an area's period: a file holding it covers the whole area.
_TOTAL_ROW = (pl.col("own_code") == "0") & (pl.col("industry_code") == "10")


class QcewMixin:
    def import_qcew(self, paths: Sequence[str | Path], *, urls: dict | None = None) -> ImportReport:
        """Load QCEW CSV files the user has (any official layout); all or nothing.

        Each row replaces the stored row with the same area, ownership,
        industry, size, year and period; stored rows the files do not hold
        are kept (and counted in the report's notes).
        """
        from ..sources import qcew as q

        if not paths:
            raise ExportPlanError("Name at least one QCEW CSV file to import.")
        frames, problems = [], ErrorTable()
        for p in paths:
            p = Path(p)
            if not p.is_file():
                problems.add("file not found", "Check the path; give the CSV file BLS published.", file=str(p))
                continue
            try:
                frames.append((p, q.read_qcew(p)))
            except ImportFailed as exc:
                problems.problems.extend(exc.table.problems)
        problems.raise_if_any("The QCEW import")
        _check_duplicate_rows(frames)
        report = ImportReport("QCEW", files=[str(p) for p, _ in frames])
        with self.store.transaction() as conn:
            report.replaced, kept = _replace_rows(conn, [frame for _, frame in frames])
            for p, frame in frames:
                prov = q.qcew_provenance(p, frame, url=(urls or {}).get(str(p)))
                prov_id = self.store.add_provenance(conn, kind="qcew", **_prov_fields(prov))
                records = frame.select(list(QCEW_COLUMNS)).with_columns(
                    pl.lit(prov_id).alias("provenance_id")).to_dicts()
                report.rows += self.store.insert(conn, t.qcew, records)
                self._store_titles(conn, frame)
        report.notes += self._area_notes(frames) + _coverage_notes(frames, kept)
        return report

    def _store_titles(self, conn, frame: pl.DataFrame) -> None:
        for col, table, key in (("area_title", t.area_titles, "area_fips"),
                                ("industry_title", t.industry_titles, "industry_code")):
            if col not in frame.columns:
                continue
            pairs = frame.select(key, col).drop_nulls().unique(subset=[key])
            for code, title in pairs.iter_rows():
                if table is t.area_titles:
                    conn.execute(delete(table).where(table.c.area_fips == code))
                    conn.execute(table.insert().values(area_fips=code, title=title))
                else:
                    conn.execute(delete(table).where(table.c.naics == code))
                    conn.execute(table.insert().values(naics=code, title=_strip_naics_prefix(title), source="QCEW file"))

    def _area_notes(self, frames) -> list[str]:
        known = set(self.counties) | {self.reference_area}
        notes = []
        for p, frame in frames:
            areas = sorted(set(frame["area_fips"].unique().to_list()))
            years = sorted(set(frame["year"].unique().to_list()))
            other = [a for a in areas if a not in known]
            withheld = frame.filter(pl.col("disclosure_code") == "N").height
            notes.append(f"{p.name}: layout {frame['layout'][0]}, areas {', '.join(areas[:6])}"
                         f"{'...' if len(areas) > 6 else ''}, years {', '.join(map(str, years))}, "
                         f"{withheld:,} withheld cell(s) kept as missing")
            if other and len(areas) <= 10:
                notes.append(f"{p.name}: area(s) {', '.join(other)} are neither the region's counties nor the reference area (kept, e.g. as peers)")
        return notes

    def fetch_qcew(self, years: Sequence[int], *, qtr: str = "a", base_url: str | None = None,
                   progress: bool = True, timeout: float = 60.0, retries: int = 3) -> ImportReport:
        """Download BLS open-data area slices for the region's counties and the reference area."""
        from ..sources import qcew as q

        # USLQ is computed from the counties' published LQs: there is no file to download for it.
        areas = self.counties + ([self.reference_area] if self.reference_area != "USLQ" else [])
        kwargs = dict(qtr=qtr, timeout=timeout, retries=retries, progress=progress)
        if base_url:
            kwargs["base_url"] = base_url
        paths = q.download_area_slices(areas, list(years), self.cache_dir / "qcew", **kwargs)
        urls = {}
        for path, (area, year) in zip(paths, [(a, y) for y in years for a in areas]):  # the downloader's order
            urls[str(path)] = q.qcew_slice_url(year, qtr, area, **({"base_url": base_url} if base_url else {}))
        return self.import_qcew(paths, urls=urls)

    def qcew_frame(self, areas: Sequence[str] | None = None) -> pl.DataFrame:
        """The stored QCEW rows (canonical columns) for the given areas (default: region + reference)."""
        areas = list(areas) if areas is not None else self.counties + [self.reference_area]
        query = select(*[t.qcew.c[c] for c in QCEW_COLUMNS]).where(t.qcew.c.area_fips.in_(areas))
        with self.store.engine.connect() as conn:
            rows = conn.execute(query).fetchall()
        frame = pl.DataFrame(rows, schema=QCEW_COLUMNS, orient="row")
        titles = self.store.frame(select(t.industry_titles.c.naics, t.industry_titles.c.title))
        if len(titles):
            tl = pl.from_pandas(titles.astype(str)).rename({"naics": "industry_code", "title": "industry_title"})
            frame = frame.join(tl, on="industry_code", how="left")
        else:
            frame = frame.with_columns(pl.lit(None, dtype=pl.Utf8).alias("industry_title"))
        return frame

    def years(self) -> list[int]:
        frame = self.store.frame(select(t.qcew.c.year).distinct())
        return sorted(int(y) for y in frame["year"]) if len(frame) else []



def _strip_naics_prefix(title: str) -> str:
    parts = title.split(" ", 2)
    if len(parts) == 3 and parts[0] == "NAICS" and parts[1].replace("-", "").isdigit():
        return parts[2]
    return title


def _prov_fields(prov: dict) -> dict:
    keys = ("publisher", "dataset", "vintage", "source", "url", "retrieved_at", "sha256", "rows", "layout", "note")
    out = {k: prov.get(k, "") for k in keys}
    out["source"] = out["source"] or prov.get("file", "")
    out["vintage"] = str(out["vintage"])
    return out


# ---------------------------------------------------------------- repeated rows

def _check_duplicate_rows(frames: list[tuple[Path, pl.DataFrame]]) -> None:
    """Refuse a key held twice, in one file or in two: the second row would overwrite the first."""
    keyed = pl.concat([frame.select(KEY).with_columns(pl.lit(i, pl.Int32).alias("_file"),
                                                       pl.int_range(pl.len(), dtype=pl.Int64).alias("_pos"))
                       for i, (_, frame) in enumerate(frames)])
    repeats = keyed.filter(pl.len().over(KEY) > 1).sort("_file", "_pos")
    if repeats.is_empty():
        return
    n_keys = repeats.select(KEY).unique().height
    shown = repeats.select(KEY).unique(maintain_order=True).head(SHOWN_DUPLICATES)
    occurrences = repeats.join(shown, on=list(KEY), how="semi", nulls_equal=True)
    lines = {i: _key_lines(frames[i][0], occurrences.filter(pl.col("_file") == i).select(KEY).unique())
             for i in occurrences.get_column("_file").unique().to_list()}
    problems = ErrorTable()
    for key, group in occurrences.group_by(KEY, maintain_order=True):
        places = _places(group, lines, key)
        first_file, first_line = places[0]
        for file_index, line in places[1:]:
            where = f"line {first_line}" if first_line else "an earlier line"
            if file_index != first_file:
                where += f" of {frames[first_file][0].name}"
            problems.add(f"the row for {_describe(key)} repeats {where}",
                         "Keep one row per area, ownership, industry, size and period (delete the repeated "
                         "line), or import the files one at a time: a later import replaces the earlier rows.",
                         file=str(frames[file_index][0]), row=line)
    more = repeats.height - n_keys - (occurrences.height - shown.height)
    if more > 0:
        problems.add(f"{more:,} more repeated row(s) like the ones above", "Keep one row per key.")
    problems.raise_if_any("The QCEW import")


def _places(group: pl.DataFrame, lines: dict, key: tuple) -> list[tuple[int, int | None]]:
    """(file index, line) of each occurrence of a key, in file order; line None if not found."""
    out, taken = [], {}
    for file_index in group.get_column("_file").to_list():
        found = lines.get(file_index, {}).get(key, [])
        k = taken.get(file_index, 0)
        taken[file_index] = k + 1
        out.append((file_index, found[k] if k < len(found) else None))
    return out


def _key_lines(path: Path, keys: pl.DataFrame) -> dict[tuple, list[int]]:
    """Line numbers (header = line 1) of the rows with the given keys (error path only)."""
    try:
        raw = pl.scan_csv(path, infer_schema=False, encoding="utf8-lossy",
                          with_column_names=lambda cols: [c.strip().lower() for c in cols])
        text_key = {c: pl.col(c).str.strip_chars() for c in KEY}
        text_key["area_fips"] = text_key["area_fips"].str.to_uppercase()
        text_key["qtr"] = text_key["qtr"].str.to_uppercase()
        text_key["year"] = text_key["year"].cast(pl.Int32, strict=False)
        found = (raw.with_row_index("_line", offset=2).select("_line", **text_key)
                 .join(keys.lazy(), on=list(KEY), how="semi").sort("_line").collect())
    except (pl.exceptions.PolarsError, OSError):
        return {}  # the key alone still names the row
    out: dict[tuple, list[int]] = {}
    for row in found.iter_rows():
        out.setdefault(tuple(row[1:]), []).append(int(row[0]))
    return out


def _describe(key: tuple) -> str:
    area, own, industry, size, year, qtr = key
    period = "annual average" if qtr == "A" else f"quarter {qtr}"
    return f"area {area}, ownership {own}, industry {industry}, size {size}, {year} {period}"


# ---------------------------------------------------------------- replacing stored rows

def _replace_rows(conn, frames: list[pl.DataFrame]) -> tuple[int, int]:
    """Delete the stored rows the files hold again; return (rows replaced, rows kept in whole units).

    Only areas' periods that already have stored rows are looked at, so a
    first import of a national file deletes nothing and costs nothing. Rows
    kept are counted only where a file has the area's all-industries total
    (a whole-area file), where a row it lacks may be one BLS no longer has.
    """
    keys = pl.concat([frame.select(KEY) for frame in frames])
    stored = _stored_units(conn, keys.select(UNIT).unique())
    if stored.is_empty():
        return 0, 0
    replaced = _delete_keys(conn, keys.join(stored.select(UNIT), on=list(UNIT), how="semi"))
    whole = pl.concat([frame.filter(_TOTAL_ROW).select(UNIT) for frame in frames]).unique()
    whole = whole.join(stored.select(UNIT), on=list(UNIT), how="semi")
    kept = _stored_units(conn, whole).get_column("n").sum() if whole.height else 0
    return replaced, int(kept)


def _stored_units(conn, units: pl.DataFrame) -> pl.DataFrame:
    """The stored row count of each of the given (area, year, qtr) units that has any."""
    years = [int(y) for y in units.get_column("year").unique().to_list()]
    qtrs = units.get_column("qtr").unique().to_list()
    c = t.qcew.c
    rows = conn.execute(select(c.area_fips, c.year, c.qtr, func.count()).where(c.year.in_(years), c.qtr.in_(qtrs))
                        .group_by(c.area_fips, c.year, c.qtr)).fetchall()
    frame = pl.DataFrame(rows, schema={"area_fips": pl.String, "year": pl.Int32, "qtr": pl.String, "n": pl.Int64},
                         orient="row")
    return frame.join(units, on=list(UNIT), how="semi")


def _delete_keys(conn, keys: pl.DataFrame) -> int:
    """Delete the stored rows with these keys through a temporary key table; return how many.

    One set-based delete: a long ``(..) IN (values)`` list is slow on
    PostgreSQL, and one statement per row is slow everywhere.
    """
    if keys.is_empty():
        return 0
    schema = _TEMP_SCHEMA.get(conn.dialect.name)
    # A rolled-back import may leave the table on this pooled connection (SQLite).
    conn.execute(text(f"DROP TABLE IF EXISTS {schema + '.' if schema else ''}{_KEYS_TABLE}"))
    table = Table(_KEYS_TABLE, MetaData(), *[Column(c, Integer if c == "year" else String(10)) for c in KEY],
                  prefixes=["TEMPORARY"])
    table.create(conn)
    records = keys.to_dicts()
    for start in range(0, len(records), 5_000):
        conn.execute(table.insert(), records[start:start + 5_000])
    stored_key = tuple_(*[t.qcew.c[c] for c in KEY])
    replaced = conn.execute(delete(t.qcew).where(stored_key.in_(select(*table.c)))).rowcount or 0
    table.drop(conn)
    return replaced


def _coverage_notes(frames: list[tuple[Path, pl.DataFrame]], kept: int) -> list[str]:
    """Say which files hold only some industries of their areas, and how many stored rows were kept."""
    notes = []
    for p, frame in frames:
        partial = frame.group_by(UNIT).agg(_TOTAL_ROW.any().alias("whole")).filter(~pl.col("whole")).height
        if partial:
            notes.append(f"{p.name}: industry slice (no all-industries total, industry 10 ownership 0, for "
                         f"{partial} area-period(s)): replaces only its own industries; the other stored "
                         "industries of those areas and periods are kept")
    if kept:
        notes.append(f"{kept:,} earlier row(s) of areas and periods the file(s) hold in full are not in them and "
                     "were kept (a row is replaced only by one with the same area, ownership, industry, size "
                     "and period)")
    return notes
