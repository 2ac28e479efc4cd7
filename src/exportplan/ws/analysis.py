"""Workspace part: the region's industry and cluster tables and their charts.

Each table is a pandas DataFrame whose ``attrs["exportplan"]`` holds what the
writers and charts need to cite it: title, sources (publisher, dataset,
vintage, file), notes (LQ base, withheld shares, flag method, crosswalk) and
whether it is sample data.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import polars as pl

from ..analysis import clusters as ac
from ..analysis import industry as ai
from ..errors import ExportPlanError

SAMPLE_NOTE = "SAMPLE DATA: invented for demonstration, not real statistics."
_LEVEL_NAMES = {2: "sectors", 3: "subsectors", 4: "industry groups", 5: "NAICS industries", 6: "national industries"}


class AnalysisMixin:
    def _meta(self, title: str, kinds: tuple[str, ...], notes: list[str]) -> dict:
        prov = self.provenance()
        prov = prov[prov["kind"].isin(kinds)] if len(prov) else prov
        sources = [{"publisher": r.publisher, "dataset": r.dataset, "vintage": r.vintage,
                    "file": Path(r.source).name if r.source else "", "url": r.url, "retrieved_at": r.retrieved_at}
                   for r in prov.itertuples()]
        sources = [dict(s) for s in {tuple(sorted(s.items())) for s in sources}]
        sources.sort(key=lambda s: (s["dataset"], s["vintage"], s["file"]))
        if self.is_sample:
            notes = [SAMPLE_NOTE] + notes
        return {"title": title, "region": self.name, "sources": sources, "notes": notes,
                "sample_data": self.is_sample}

    def _qcew_loaded(self) -> pl.DataFrame:
        frame = self.qcew_frame()
        if frame.height == 0:
            raise ExportPlanError("The workspace holds no QCEW data yet. Run 'exportplan -w DIR fetch qcew --years "
                                  "2019-2023' or 'exportplan -w DIR import qcew FILE...'.")
        have = set(frame.get_column("area_fips").unique().to_list())
        if self.reference_area not in have:
            raise ExportPlanError(f"No QCEW rows for the reference area {self.reference_area}; import or fetch its "
                                  "file for the same years as the counties.")
        return frame

    def industries(self, *, level: int | None = None, year: int | None = None, ownership: str | None = None,
                   window: int | None = None, base: str | None = None) -> pd.DataFrame:
        """The region's industries: employment, establishments, pay, LQ, growth, withheld share.

        Counties are summed before any ratio; LQ uses the BLS base by default
        (all-ownership total covered employment). Returns a DataFrame with
        columns naics, title, level, ownership, year, employment,
        establishments, wages, avg_pay, lq, lq_base, start_year, growth, cagr,
        withheld, level_withheld_share, ranked by employment.
        """
        a = self.config["analysis"]
        ownership = ai.ownership_code(ownership or a["ownership"])
        base = base or a["lq_base"]
        window = int(window or a["window"])
        table = ai.industry_table(self._qcew_loaded(), self.counties, self.reference_area, year=year, level=level,
                                  ownership=ownership, window=window, base=base, titles=self.titles())
        df = table.to_pandas()
        yr = int(df["year"].iloc[0]) if len(df) else year
        notes = [_base_note(base, self.reference_area)]
        shares = df.drop_duplicates("level")[["level", "level_withheld_share"]] if len(df) else df
        for lv, share in zip(shares.get("level", []), shares.get("level_withheld_share", [])):
            if share is not None and not pd.isna(share):
                notes.append(f"{share:.1%} of the region's employment is withheld at the {int(lv)}-digit level "
                             f"({_LEVEL_NAMES.get(int(lv), '')}); withheld industries show no LQ or growth.")
        if len(df) and df["start_year"].notna().any():
            notes.append(f"Growth {int(df['start_year'].dropna().min())}-{yr}; NAICS vintage breaks are marked in "
                         "vintage_break.")
        level_text = f"{level}-digit NAICS" if level else "NAICS 2- to 6-digit"
        df.attrs["exportplan"] = self._meta(f"{self.name}: industries ({level_text}, ownership {ownership}), {yr}",
                                            ("qcew", "titles"), notes)
        return df

    def clusters(self, *, year: int | None = None, cluster_type: str = "all", window: int | None = None,
                 base: str = "type") -> pd.DataFrame:
        """The region's US Cluster Mapping clusters: employment, LQ, growth and the strong flags.

        Cluster LQ uses the traded (local) employment base by default;
        flags come from the loaded peer set's percentiles, or the documented
        LQ fallback when none is loaded (``flag_method`` says which).
        """
        a = self.config["analysis"]
        crosswalk, record = self.crosswalk()
        data = ai.annual_rows(self._qcew_loaded())
        region = ai.region_sum(data, self.counties)
        reference = ai.region_sum(data, [self.reference_area], region_code=self.reference_area)
        table = ac.cluster_table(region, crosswalk, reference, year=year, window=int(window or a["window"]), base=base)
        peers = self.peers() if base == "type" else None
        table = ac.flag_against_peers(table, peers) if peers is not None else ac.flag_fallback(
            table, float(a["strong_threshold"]))
        if cluster_type != "all":
            table = table.filter(pl.col("type") == cluster_type)
        df = table.to_pandas()
        df.insert(0, "rank", range(1, len(df) + 1))
        df["crosswalk"] = record["name"]
        notes = [f"Cluster LQ base: {'traded (local) employment, as US Cluster Mapping' if base == 'type' else 'all mapped employment'}; reference area {self.reference_area}.",
                 f"Crosswalk '{record['name']}'{' (edited by the user)' if record['edited'] else ''}, sha256 {record['sha256'][:12]}.",
                 f"Strong flags: {df['flag_method'].dropna().iloc[0] if len(df) and df['flag_method'].notna().any() else 'none'}."]
        codes = region.filter(pl.col("own_code") == ai.ownership_code(a["ownership"])).get_column("industry_code")
        unmapped = ac_unmapped(crosswalk, codes.unique().to_list())
        if unmapped:
            notes.append(f"{len(unmapped)} of the region's 6-digit industries are not in the crosswalk: "
                         f"{', '.join(unmapped[:10])}{'...' if len(unmapped) > 10 else ''}.")
        if len(df) and (df["withheld"] > 0).any():
            notes.append(f"{int((df['withheld'] > 0).sum())} cluster(s) include withheld cells: employment is a lower "
                         "bound and LQ/growth are left blank.")
        yr = int(df["year"].iloc[0]) if len(df) else year
        df.attrs["exportplan"] = self._meta(f"{self.name}: clusters ({cluster_type}), {yr}",
                                            ("qcew", "crosswalk", "peers"), notes)
        return df

    def bubble_chart(self, df: pd.DataFrame, path, *, label: str = "title", color: str | None = None) -> list[Path]:
        """LQ x growth bubble chart (size = employment) of an industries or clusters table, as PNG and SVG."""
        from ..output.charts import bubble_chart

        meta = df.attrs.get("exportplan", {})
        return bubble_chart(df, x="lq", y="growth", size="employment", label=label, color=color,
                            title=meta.get("title", self.name), meta=meta, path=path)


def ac_unmapped(crosswalk: pl.DataFrame, codes: list[str]) -> list[str]:
    from ..sources.clusters import unmapped_naics

    return unmapped_naics(crosswalk, codes)


def _base_note(base: str, reference: str) -> str:
    if base == "bls":
        return (f"LQ base: total covered employment of all ownerships (as BLS publishes); reference area {reference}.")
    return f"LQ base: total employment of the same ownership; reference area {reference}."
