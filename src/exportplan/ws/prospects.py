"""Service ``ws.prospects``: the region's business list, national export intensity, scored prospects
and the outreach list (issue 9, item 3).

The business list and the intensity table are stored through ``ws.pipeline``
(its repository holds the SQL); the scoring is :mod:`exportplan.analysis.prospects`.
Imports replace the stored table in one transaction (all or nothing) and a
re-import of the same file stores the same rows.
"""
from __future__ import annotations

from pathlib import Path
from typing import Iterable

import pandas as pd

from ..analysis import prospects as ap
from ..analysis.company_names import name_key
from ..errors import ExportPlanError
from .base import ImportReport
from .context import Service

#: The 3-digit NAICS codes of goods (agriculture, mining, manufacturing) that Census publishes exports for.
GOODS_NAICS = ("111", "112", "113", "114", "211", "212", "311", "312", "313", "314", "315", "316", "321", "322",
               "323", "324", "325", "326", "327", "331", "332", "333", "334", "335", "336", "337", "339")

NO_BUSINESSES = "No business list is loaded: run `exportplan prospects import BUSINESS_FILE` first."
NO_INTENSITY = ("No export intensity table is loaded: run `exportplan prospects intensity --exports FILE "
                "--qcew FILE` (or --fetch YEAR) first.")


def business_keys(frame: pd.DataFrame) -> list[str]:
    """Stable keys: name_key + county, with ``-2``, ``-3`` ... for repeats in file order."""
    seen: dict[str, int] = {}
    keys = []
    for name, county in zip(frame["name"], frame["county_fips"]):
        county = "" if pd.isna(county) else str(county)  # None, NaN and pd.NA (a blank cell) alike
        base = f"{name_key(str(name)) or 'business'}|{county}"
        seen[base] = seen.get(base, 0) + 1
        keys.append(base if seen[base] == 1 else f"{base}-{seen[base]}")
    return keys


class Prospects(Service):
    """Prospects: imports of the business list and export intensity, scores and the outreach list."""

    # ---- imports ----------------------------------------------------------------------------------
    def import_businesses(self, path, *, sheet: str | None = None) -> ImportReport:
        """Read a business list (CSV or XLSX), derive stable keys and replace the stored list."""
        from ..imports.businesses import read_businesses

        path = Path(path)
        frame = read_businesses(path, sheet=sheet).reset_index(drop=True)
        frame["key"] = business_keys(frame)
        provenance = {"source": path.name, "dataset": "business list", "layout": "businesses",
                      "note": "the region's business list (prospects)"}
        report = self.ws.pipeline.store_businesses(frame.astype(object).where(frame.notna(), None), provenance)
        report.notes.extend(frame.attrs.get("warnings") or [])
        return report

    def import_export_intensity(self, exports_file, qcew_file) -> ImportReport:
        """USA Trade Online CSV (All States rows) / national QCEW file (US000) -> the intensity table."""
        from ..sources.qcew import read_qcew
        from ..sources.usatrade import national_exports, read_usatrade

        exports_file, qcew_file = Path(exports_file), Path(qcew_file)
        trade, trade_prov = read_usatrade(exports_file, file=exports_file.name)
        employment = ap.national_employment(read_qcew(qcew_file, source_name=qcew_file.name))
        sources = [f"{exports_file.name} (USA Trade Online, {trade_prov.get('vintage', '')})",
                   f"{qcew_file.name} (QCEW, {employment['employment_period'].iloc[0]})"]
        return self._store_intensity(national_exports(trade), employment, sources, trade_prov)

    def fetch_export_intensity(self, year: int, *, naics: Iterable[str] | None = None,
                               qcew_file=None, key: str | None = None, base_url: str | None = None,
                               progress: bool = False, client=None) -> ImportReport:
        """National exports by NAICS from the Census API / national QCEW employment -> the intensity table.

        Employment comes from ``qcew_file`` (a national US000 file) or the
        workspace's stored US000 rows. The key is ``key`` or ``$EXPORTPLAN_CENSUS_KEY``.
        """
        from ..sources.census_trade import NATIONAL_URL, fetch_national_totals_by_naics

        if qcew_file is not None:
            from ..sources.qcew import read_qcew

            qcew = read_qcew(Path(qcew_file), source_name=Path(qcew_file).name)
            employment_source = f"{Path(qcew_file).name} (QCEW)"
        else:
            qcew = self.ws.regional.qcew_frame(["US000"])
            if len(qcew) == 0:
                raise ExportPlanError("No national QCEW rows (area US000) are stored: pass --qcew FILE with "
                                      "the U.S. total file, or import it first.")
            employment_source = "stored QCEW rows, area US000"
        employment = ap.national_employment(qcew)
        options = {"cache_dir": self.ctx.cache_dir / "census", "key": key, "progress": progress, "client": client}
        if base_url:
            options["base_url"] = base_url
        exports, _reports = fetch_national_totals_by_naics(list(naics or GOODS_NAICS), year, **options)
        prov = {"publisher": "U.S. Census Bureau", "dataset": "International trade API, exports by NAICS",
                "url": base_url or NATIONAL_URL, "source": base_url or NATIONAL_URL, "vintage": str(year),
                "retrieved_at": self.ctx.clock()}
        sources = [f"Census API {year}", employment_source]
        return self._store_intensity(exports, employment, sources, prov)

    def _store_intensity(self, exports: pd.DataFrame, employment: pd.DataFrame, sources: list[str],
                         prov: dict) -> ImportReport:
        table = ap.export_intensity(exports, employment)
        notes = list(table.attrs.get("notes") or [])
        provenance = dict(prov, source=" + ".join(sources), layout="export-intensity",
                          note="; ".join(notes)[:2000])
        stored = table.astype(object).where(table.notna(), None)  # pd.NA -> None for the database driver
        report = self.ws.pipeline.store_export_intensity(stored, provenance)
        report.notes.extend(notes)
        return report

    # ---- reading ----------------------------------------------------------------------------------
    def businesses(self) -> pd.DataFrame:
        frame = self.ws.pipeline.businesses()
        if frame is None or frame.empty:
            raise ExportPlanError(NO_BUSINESSES)
        return frame

    def intensity(self) -> pd.DataFrame:
        frame = self.ws.pipeline.export_intensity()
        if frame is None or frame.empty:
            raise ExportPlanError(NO_INTENSITY)
        frame = frame.copy()
        frame["naics"] = frame["naics"].astype("string")
        if "percentile" not in frame:
            frame["level"] = frame["naics"].str.len()
            measured = frame["measured"].astype(bool) & frame["intensity"].notna()
            frame["percentile"] = (frame[measured].groupby("level")["intensity"]
                                   .rank(method="max", pct=True) * 100)
        if "title" not in frame:
            frame["title"] = ""
        return frame

    def target_sectors(self) -> tuple[list[tuple[str, tuple[str, ...]]], str]:
        """(name, NAICS codes) of the plan's priority sectors, and where they came from."""
        try:
            sectors, why = self.ws.markets.priority_sectors()
        except ExportPlanError as exc:
            return [], f"no target sectors ({str(exc).splitlines()[0]})"
        return [(s.name or s.code, tuple(str(n) for n in s.naics)) for s in sectors if s.naics], why

    def prospects(self, *, top: int | None = None) -> pd.DataFrame:
        """The business list scored for export likelihood, best first, each with its reason."""
        from .market_ranking import country_names

        businesses, intensity = self.businesses(), self.intensity()
        targets, why = self.target_sectors()
        target_arg = {name: codes for name, codes in targets} or None
        scored = ap.score_prospects(businesses, intensity, target_sectors=target_arg,
                                    country_names=country_names())
        if top is not None:
            scored = scored.head(top)
        notes = [f"Target sectors: {why}.", "Scores: industry export intensity 40%, size 25%, target sector 20%, "
                 "foreign parent 15%; an unknown component is left out, never counted as zero."]
        scored.attrs["exportplan"] = self.ws.citations.meta("Export prospects", ("businesses", "export_intensity"),
                                                            notes)
        return scored

    def outreach(self, *, top: int | None = 50, scored: pd.DataFrame | None = None) -> pd.DataFrame:
        """The top prospects not in the pipeline or with no contact within ``pipeline.recent_contact_days``.

        ``scored``: the whole table of :meth:`prospects` when the caller already has it (it is not
        scored again).
        """
        scored = self.prospects() if scored is None else scored.copy()
        if "name_key" not in scored:
            scored["name_key"] = [name_key(str(n)) for n in scored["name"]]
        companies = self.ws.pipeline.companies()
        keys = {}
        if len(companies):
            for k, n in zip(companies["company_id"], companies["name"]):
                keys.setdefault(name_key(str(n)), str(k))
        last = self.ws.pipeline.last_contacts()
        dates = {str(k): (v or None) for k, v in zip(last["company_id"], last["last_contact"])} if len(last) else {}
        recent = self.ctx.setting("pipeline.recent_contact_days")
        recent = 365 if recent is None else int(recent)
        out = ap.outreach_list(scored, keys, dates, recent, self.ctx.clock()[:10], top=top)
        meta = dict(scored.attrs["exportplan"])
        meta = self.ws.citations.meta("Outreach list", ("businesses", "export_intensity"),
                                      meta["notes"] + [f"Companies in the pipeline contacted within {recent} days "
                                                       "(pipeline.recent_contact_days) are left out."])
        out.attrs["exportplan"] = meta
        return out


__all__ = ["GOODS_NAICS", "Prospects", "business_keys"]
