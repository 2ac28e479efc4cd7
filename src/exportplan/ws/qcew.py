"""Workspace part: BLS QCEW files, downloads and the stored QCEW rows."""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import polars as pl
from sqlalchemy import and_, delete, select

from ..errors import ErrorTable, ExportPlanError, ImportFailed
from ..store import schema as t
from .base import QCEW_COLUMNS, ImportReport


class QcewMixin:
    def import_qcew(self, paths: Sequence[str | Path], *, urls: dict | None = None) -> ImportReport:
        """Load QCEW CSV files the user has (any official layout); all or nothing."""
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
        self._check_duplicate_units(frames)
        report = ImportReport("QCEW", files=[str(p) for p, _ in frames])
        with self.store.transaction() as conn:
            for p, frame in frames:
                prov = q.qcew_provenance(p, frame, url=(urls or {}).get(str(p)))
                prov_id = self.store.add_provenance(conn, kind="qcew", **_prov_fields(prov))
                report.replaced += self._replace_units(conn, frame)
                records = frame.select(list(QCEW_COLUMNS)).with_columns(
                    pl.lit(prov_id).alias("provenance_id")).to_dicts()
                report.rows += self.store.insert(conn, t.qcew, records)
                self._store_titles(conn, frame)
        report.notes += self._area_notes(frames)
        return report

    @staticmethod
    def _check_duplicate_units(frames) -> None:
        seen: dict[tuple, Path] = {}
        problems = ErrorTable()
        for p, frame in frames:
            for unit in frame.select("area_fips", "year", "qtr").unique().iter_rows():
                if unit in seen:
                    problems.add(
                        f"area {unit[0]} {unit[1]} period {unit[2]} is also in {seen[unit].name}",
                        "Import each area and period from one file only.", file=str(p))
                seen[unit] = p
        problems.raise_if_any("The QCEW import")

    def _replace_units(self, conn, frame: pl.DataFrame) -> int:
        replaced = 0
        for area, year, qtr in frame.select("area_fips", "year", "qtr").unique().iter_rows():
            res = conn.execute(delete(t.qcew).where(and_(
                t.qcew.c.area_fips == area, t.qcew.c.year == int(year), t.qcew.c.qtr == qtr)))
            replaced += res.rowcount or 0
        return replaced

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

