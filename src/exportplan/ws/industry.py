"""Service ``ws.industry``: the region's industry, shift-share and cluster tables and their charts.

Each table is a pandas DataFrame whose ``attrs["exportplan"]`` (built by
``ws.citations``) cites its sources and carries its notes: LQ base, withheld
shares, flag method, crosswalk, and whether it is sample data.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import polars as pl

from ..analysis import clusters as ac
from ..analysis import industry as ai
from ..errors import ExportPlanError
from .citations import SAMPLE_NOTE  # noqa: F401  (the sample label, for callers of this module)
from .context import Service
_CLUSTER_OWNERSHIP = "5"
# Reference areas whose LQs compare with US Cluster Mapping peers' (all against the U.S.).
_US_REFERENCES = ("US000", ai.USLQ)
ESTIMATE_MODES = ("clusters", "all", "none")
ESTIMATE_METHOD = "residual of the parent industry shared by establishments"
_LEVEL_NAMES = {2: "sectors", 3: "subsectors", 4: "industry groups", 5: "NAICS industries", 6: "national industries"}


class IndustryTables(Service):
    def estimates(self, table: str, explicit: bool | None = None) -> bool:
        """Whether to estimate withheld cells for 'industries' or 'clusters' (argument, else the setting)."""
        if explicit is not None:
            return bool(explicit)
        mode = str(self.ctx.config["analysis"].get("estimate_withheld", "all")).strip().lower()
        if mode not in ESTIMATE_MODES:
            raise ExportPlanError(f"analysis.estimate_withheld is {mode!r}; set it to one of "
                                  f"{', '.join(ESTIMATE_MODES)} with 'exportplan config set "
                                  "analysis.estimate_withheld VALUE'.")
        return mode == "all" or mode == table

    def industries(self, *, level: int | None = None, year: int | None = None, ownership: str | None = None,
                   window: int | None = None, base: str | None = None, estimate: bool | None = None,
                   max_bound_ratio: float | None = None) -> pd.DataFrame:
        """The region's industries: employment, establishments, pay, LQ, growth, withheld share.

        Counties are summed before any ratio; LQ uses the BLS base by default
        (all-ownership total covered employment). ``estimate`` fills withheld
        cells (residual of the parent industry shared by establishments; on
        unless ``analysis.estimate_withheld`` says otherwise), shown in
        column ``estimated``. Returns a DataFrame with columns naics, title,
        level, ownership, year, employment, establishments, wages, avg_pay,
        lq, lq_base, start_year, growth, cagr, withheld, estimated,
        level_withheld_share and the exact bounds of withheld cells
        (employment_low/high, lq_low/high, lq_note, growth_low/high,
        growth_note; methods.md "Withheld cells"), ranked by employment.
        ``max_bound_ratio`` overrides ``analysis.max_bound_ratio``.
        """
        ctx, regional = self.ctx, self.ws.regional
        regional.check_years(year)
        limit = self.max_bound_ratio() if max_bound_ratio is None else float(max_bound_ratio)
        a = ctx.config["analysis"]
        ownership = ai.ownership_code(ownership or a["ownership"])
        base = base or a["lq_base"]
        window = int(window or a["window"])
        estimate = self.estimates("industries", estimate)
        data = regional.loaded()
        win, gaps = regional.window_and_gaps(window, year)
        table = ai.industry_table(data, ctx.counties, ctx.reference_area, year=win.end, level=level,
                                  ownership=ownership, window=window, base=base, titles=self.ws.definitions.titles(),
                                  estimate=estimate, start_year=win.start if win.start is not None else win.end,
                                  max_bound_ratio=limit)
        df = table.to_pandas()
        yr = int(df["year"].iloc[0]) if len(df) else year
        notes = [_base_note(base, ctx.reference_area)]
        shares = df.drop_duplicates("level")[["level", "level_withheld_share"]] if len(df) else df
        shown = ("withheld industries are estimated where their parent industry is known" if estimate
                 else "withheld industries show no LQ or growth")
        for lv, share in zip(shares.get("level", []), shares.get("level_withheld_share", [])):
            if share is not None and not pd.isna(share):
                notes.append(f"{share:.1%} of the region's employment is withheld at the {int(lv)}-digit level "
                             f"({_LEVEL_NAMES.get(int(lv), '')}); {shown}.")
        n_est = int((df["estimated"] > 0).sum()) if len(df) else 0
        if n_est:
            notes.append(f"{n_est} industr{'y includes' if n_est == 1 else 'ies include'} estimated employment for "
                         f"withheld cells ({ESTIMATE_METHOD}); marked in column `estimated`. The reference is not "
                         "estimated.")
        notes += bound_notes(df, limit, "industry")
        notes += win.notes
        if len(df) and df["start_year"].notna().any():
            notes.append("NAICS vintage breaks in the growth window are marked in vintage_break.")
        level_text = f"{level}-digit NAICS" if level else "NAICS 2- to 6-digit"
        from ..output.tables import ownership_label, ownership_note

        notes += [n for n in [ownership_note(ownership)] if n]
        df.attrs["exportplan"] = self.ws.citations.meta(
            f"{ctx.name}: industries ({level_text}, {ownership_label(ownership)}), {yr}", ("qcew", "titles"), notes,
            gaps)
        return df

    def shift_share(self, *, level: int = 3, start_year: int | None = None, end_year: int | None = None,
                    ownership: str | None = None) -> pd.DataFrame:
        """Shift-share of each industry's employment change between two loaded years.

        national share ``e0*G`` + industry mix ``e0*(G_i - G)`` + competitive
        shift ``e0*(g_i - G_i)`` = ``e1 - e0`` (G: the reference's total growth
        of the ownership; G_i: the reference's growth of the industry; g_i:
        the region's). Rows with withheld ends get no parts. Columns naics,
        title, level, start_year, end_year, e0, e1, change, g_i, G_i, G,
        national_share, industry_mix, competitive_shift; ranked by change.
        """
        from ..analysis.reference import match_reference

        ctx, regional = self.ctx, self.ws.regional
        own = ai.ownership_code(ownership or ctx.config["analysis"]["ownership"])
        data = ai.annual_rows(regional.loaded())
        regional.check_years(start_year, end_year)
        win, _ = regional.window_and_gaps(None, end_year)
        end_year = int(end_year if end_year is not None else win.end)
        start_year = int(start_year) if start_year is not None else win.start
        if start_year is None or start_year >= end_year:
            raise ExportPlanError(f"Shift-share needs two years of the region's counties. {win.text} "
                                  f"{' '.join(w[0].upper() + w[1:] for w in win.warnings)} Import or fetch an "
                                  "earlier year (or give --start and --end).")
        _, gaps = regional.window_and_gaps(None, end_year, years=(start_year, end_year), what="shift-share parts")
        region = ai.region_sum(data, ctx.counties)
        reference, _ = match_reference(region, ai.reference_frame(data, ctx.reference_area), [start_year, end_year])
        parts = ai.shift_share(region.filter(pl.col("own_code") == own), reference.filter(pl.col("own_code") == own),
                               start_year, end_year)
        parts = parts.with_columns(level=ai.naics_level_expr()).filter(pl.col("level") == level)
        parts = ai.attach_titles(parts, self.ws.definitions.titles()) if "industry_title" not in parts.columns else parts
        df = parts.to_pandas().rename(columns={"industry_code": "naics", "industry_title": "title"})
        cols = ["naics", "title", "level", "start_year", "end_year", "e0", "e1", "change", "g_i", "G_i", "G",
                "national_share", "industry_mix", "competitive_shift"]
        df = df[[c for c in cols if c in df.columns]].sort_values("change", ascending=False, na_position="last")
        from ..output.tables import ownership_label

        notes = [f"Shift-share {start_year}-{end_year}, {ownership_label(own)}, reference area {ctx.reference_area}; "
                 "the three parts add up to the change in employment.",
                 "Industries withheld in either year have no parts (withheld cells are never read as zero)."]
        notes += win.notes if (win.start, win.end) == (start_year, end_year) else \
            [f"Years {start_year}-{end_year} as asked (default: {win.text[0].lower()}{win.text[1:]})"]
        if ctx.reference_area == ai.USLQ:
            notes.append("The USLQ reference has no real employment levels, so no shift-share parts are computed; "
                         "load the U.S. file (US000) for shift-share.")
        df.attrs["exportplan"] = self.ws.citations.meta(
            f"{ctx.name}: shift-share {start_year}-{end_year} ({level}-digit NAICS, {ownership_label(own)})",
            ("qcew", "titles"), notes, gaps)
        return df.reset_index(drop=True)

    def clusters(self, *, year: int | None = None, cluster_type: str = "all", window: int | None = None,
                 base: str = "type", estimate: bool | None = None,
                 max_bound_ratio: float | None = None) -> pd.DataFrame:
        """The region's US Cluster Mapping clusters: employment, LQ, growth and the strong flags.

        Cluster LQ uses the traded (local) employment base by default;
        flags come from the loaded peer set's percentiles, or the documented
        LQ fallback when none is loaded or the reference area is not the
        U.S. (the peers' LQs are against the U.S.; ``flag_method`` says
        which). ``estimate`` (default on, see ``analysis.estimate_withheld``)
        fills withheld 6-digit cells of the counties and the reference with
        the residual of the parent industry shared by establishments: columns
        ``estimated`` / ``ref_estimated`` give the share of employment that
        is estimated, and LQ and growth use the estimated totals. An LQ whose
        traded/local base still misses withheld cells is blank
        (``base_missing``, ``ref_base_missing``); growth across a NAICS
        vintage break is blank for clusters whose codes differ between the
        ends (``vintage_gap_codes``). The table is always private ownership
        (the 6-digit rows clusters are built from). Raises ExportPlanError
        when the reference's period differs from the counties' (e.g. a U.S.
        Q1 file against annual county files). ``max_bound_ratio`` overrides
        ``analysis.max_bound_ratio`` (``math.inf`` keeps every point estimate,
        inside its bounds: the sector ranking's input).
        """
        ctx, regional, definitions = self.ctx, self.ws.regional, self.ws.definitions
        regional.check_years(year)
        limit = self.max_bound_ratio() if max_bound_ratio is None else float(max_bound_ratio)
        a = ctx.config["analysis"]
        crosswalk, record = definitions.crosswalk()
        estimate = self.estimates("clusters", estimate)
        region, reference = self.cluster_frames(estimate)
        win, gaps = regional.window_and_gaps(window, year)
        table = ac.cluster_table(region, crosswalk, reference, year=win.end, window=int(window or a["window"]),
                                 base=base, start_year=win.start if win.start is not None else win.end,
                                 region_cells=regional.county_cells(), max_bound_ratio=limit, estimate=estimate)
        peers = definitions.peers() if base == "type" else None
        threshold = float(a["strong_threshold"])
        us_reference = ctx.reference_area in _US_REFERENCES
        if peers is not None and us_reference:
            table = ac.flag_against_peers(table, peers, **definitions.peer_flag_args())
        elif peers is not None:
            table = ac.flag_fallback(table, threshold, reason=f"reference area {ctx.reference_area} is not the U.S. "
                                     "(peer LQs are against the U.S.)")
        else:
            table = ac.flag_fallback(table, threshold)
        if cluster_type != "all":
            table = table.filter(pl.col("type") == cluster_type)
        df = table.to_pandas()
        df.insert(0, "rank", range(1, len(df) + 1))
        df["crosswalk"] = record["name"]
        notes = [f"Cluster LQ base: {'traded (local) employment, as US Cluster Mapping' if base == 'type' else 'all mapped employment'}; {_reference_text(ctx.reference_area)}.",
                 f"Crosswalk '{record['name']}'{' (edited by the user)' if record['edited'] else ''}, sha256 {record['sha256'][:12]}.",
                 f"Strong flags: {_flag_method(df)}."]
        notes += definitions.peer_notes(df)
        from ..analysis.uncertain import flag_notes

        notes += flag_notes(df, "strong-cluster")  # flags on LQ bounds that straddle the threshold
        if peers is not None and not us_reference:
            notes.append(f"A peer set is loaded, but its LQs are against the U.S. while these are against "
                         f"{ctx.reference_area}: flags use the LQ >= {threshold:g} fallback, not peer percentiles. "
                         "Set region.reference_area to US000 (or USLQ) to flag against the peers.")
        # Clusters are built from private 6-digit rows whatever analysis.ownership says (other ownerships
        # publish no 6-digit rows in county files): the notes describe those rows.
        codes = region.filter(pl.col("own_code") == _CLUSTER_OWNERSHIP).get_column("industry_code")
        unmapped = ac_unmapped(crosswalk, codes.unique().to_list())
        if unmapped:
            notes.append(f"{len(unmapped)} of the region's 6-digit industries are not in the crosswalk: "
                         f"{', '.join(unmapped[:10])}{'...' if len(unmapped) > 10 else ''}.")
        yr_used = int(df["year"].iloc[0]) if len(df) else None
        share = ai.withheld_share(region, level=6, ownership=_CLUSTER_OWNERSHIP, year=yr_used)
        if share is not None:
            notes.append(f"{share:.1%} of the region's private employment is withheld at the 6-digit level that "
                         f"clusters are built from{' (estimated as below)' if estimate else ' (left out: cluster employment is a lower bound)'}.")
        notes += _cluster_estimate_notes(df, estimate, ctx.reference_area)
        if not gaps:  # with no reference data every LQ is blank for that reason alone (the top note)
            notes += _base_missing_notes(df, estimate, ctx.reference_area)
        notes += bound_notes(df, limit, "cluster")
        notes += win.notes
        notes += _vintage_notes(df)
        if ctx.reference_area == ai.USLQ:
            notes += _uslq_cluster_notes(reference, crosswalk, df, str(ctx.path))
        yr = int(df["year"].iloc[0]) if len(df) else year
        df.attrs["exportplan"] = self.ws.citations.meta(f"{ctx.name}: clusters ({cluster_type}, private ownership), "
                                                        f"{yr}", ("qcew", "crosswalk", "peers"), notes, gaps)
        return df

    def max_bound_ratio(self) -> float:
        """analysis.max_bound_ratio, checked: bounds wider than this (high/low) show no point value."""
        value = self.ctx.config["analysis"].get("max_bound_ratio", 1.5)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 1:
            raise ExportPlanError(f"analysis.max_bound_ratio is {value!r}; it is the widest high/low ratio of "
                                  "bounds that still shows a point value, a number of at least 1 (default 1.5): "
                                  "'exportplan config set analysis.max_bound_ratio 1.5'.")
        return float(value)

    def cluster_frames(self, estimate: bool) -> tuple[pl.DataFrame, pl.DataFrame]:
        """The region's summed counties and the reference area frame, estimated or not."""
        ctx = self.ctx
        data = ai.drop_estimates(ai.annual_rows(self.ws.regional.loaded()))
        reference = ai.reference_frame(data, ctx.reference_area, estimate=estimate)
        counties = data.filter(pl.col("area_fips").is_in(ctx.counties))
        if estimate:
            counties = ai.estimate_withheld(counties)
        return ai.region_sum(counties, ctx.counties), reference

    def bubble_chart(self, df: pd.DataFrame, path, *, label: str = "title", color: str | None = None) -> list[Path]:
        """LQ x growth bubble chart (size = employment) of an industries or clusters table, as PNG and SVG.

        Without growth (one year loaded) it shows LQ against employment; with
        nothing to draw it writes nothing and raises ChartNotDrawn with the reason.
        A table of several NAICS levels is charted at its broadest level only.
        """
        from ..output.chartdata import one_level
        from ..output.charts import bubble_chart, counted_text

        meta = df.attrs.get("exportplan", {})
        is_clusters = "cluster_name" in df.columns  # cluster tables are always private (see clusters())
        df, notes = one_level(df)
        return bubble_chart(df, x="lq", y="growth", size="employment", label=label, color=color,
                            title=meta.get("title", self.ctx.name), meta=meta, path=path, notes=notes,
                            noun="clusters" if is_clusters else "industries",
                            counted=counted_text(df, "employment", ownership=_CLUSTER_OWNERSHIP if is_clusters else None))


def ac_unmapped(crosswalk: pl.DataFrame, codes: list[str]) -> list[str]:
    from ..sources.clusters import unmapped_naics

    return unmapped_naics(crosswalk, codes)


def bound_notes(df: pd.DataFrame, limit: float, what: str) -> list[str]:
    """What the bounds of withheld cells say about a table (``what``: 'industry' or 'cluster')."""
    if not len(df) or "lq_low" not in df:
        return []

    def count(n: int) -> str:
        return f"{n} {what}" if n == 1 else f"{n} {what[:-1] + 'ies' if what.endswith('y') else what + 's'}"

    loose = (df["employment_low"] != df["employment_high"]) | df["employment_high"].isna()
    n = int(loose.sum())
    if not n:
        return []
    notes = [f"{count(n)} include withheld cells: exact bounds from the NAICS hierarchy (a withheld cell holds at "
             "most its nearest published ancestor's undisclosed residual) are in employment_low/high, lq_low/high "
             "and growth_low/high; values that rest on estimates are marked ~ in printed tables."]
    wide = int((df["lq"].isna() & df["lq_low"].notna()).sum())
    if wide:
        notes.append(f"{count(wide)} show no point LQ but its bounds (printed as low..high): the bounds are wider than "
                     f"analysis.max_bound_ratio = {limit:g} (high/low), or some withheld cells have no estimate "
                     "(column lq_note says which).")
    return notes


def _reference_text(reference: str) -> str:
    if reference != ai.USLQ:
        return f"reference area {reference}"
    return f"{ai.USLQ_NOTE}; growth against the reference (national growth, shift-share) is not computed"


def _base_note(base: str, reference: str) -> str:
    ref = _reference_text(reference)
    if base == "bls":
        return f"LQ base: total covered employment of all ownerships (as BLS publishes); {ref}."
    return f"LQ base: total employment of the same ownership; {ref}."


def _flag_method(df: pd.DataFrame) -> str:
    """The flag method of the traded clusters (local ones are never flagged), else any, else 'none'."""
    for rows in (df[df["type"] != "local"] if "type" in df else df, df):
        methods = rows["flag_method"].dropna() if "flag_method" in rows else []
        if len(methods):
            return str(methods.value_counts().index[0])
    return "none"


def _cluster_estimate_notes(df: pd.DataFrame, estimate: bool, reference: str) -> list[str]:
    """Notes on estimated and still-withheld cells of a cluster table."""
    if not len(df):
        return []
    notes = []
    n_est = int((df["estimated"] > 0).sum())
    if n_est:
        notes.append(f"{n_est} cluster(s) include estimated employment for withheld cells ({ESTIMATE_METHOD}); "
                     "marked in column `estimated`.")
    n_ref = int((df["ref_estimated"].fillna(0) > 0).sum())  # never for USLQ: implied shares are not estimated
    if n_ref:
        notes.append(f"{n_ref} cluster(s) use estimated reference employment (withheld cells of {reference}, from "
                     f"{reference}'s own parent industries: {ESTIMATE_METHOD}); marked in column `ref_estimated`.")
    # An LQ blank for want of the reference's base is not the region's withheld cells (_base_missing_notes).
    ref_ok = df["ref_base_missing"].eq(0) if "ref_base_missing" in df else True  # NaN: no reference data
    blank = int(((df["withheld"] > 0) & df["lq"].isna() & ref_ok).sum())
    if blank:
        why = "could not be estimated (their parent industry is withheld too)" if estimate else "are not estimated"
        notes.append(f"{blank} cluster(s) include withheld cells that {why}: their employment, LQ and growth "
                     "are bounded (employment_low/high, lq_low/high, growth_low/high), with no point LQ or growth "
                     "where a cell has no estimate.")
    return notes


def _base_missing_notes(df: pd.DataFrame, estimate: bool, reference: str) -> list[str]:
    """Why LQs are blank for clusters whose own cells are complete: the traded/local base is not."""
    if not len(df) or "base_missing" not in df:
        return []
    base_gap = (df["base_missing"].fillna(0) > 0) | (df["ref_base_missing"].fillna(0) > 0)
    n = int((base_gap & df["lq"].isna()).sum())
    if not n:
        return []
    parts = []
    for kind, rows in df[base_gap].groupby("type", sort=True):
        ours, theirs = rows["base_missing"].max(), rows["ref_base_missing"].max()
        if pd.notna(ours) and ours > 0:
            parts.append(f"{ours:.1%} of the establishments in the region's {kind} base")
        if pd.notna(theirs) and theirs > 0:
            parts.append(f"industries without a U.S. share in the {kind} base of {reference}" if reference == ai.USLQ
                         else f"{theirs:.1%} of the establishments in the {kind} base of {reference}")
    fix = ("some stay withheld even after estimation (their parent industries are withheld too)" if estimate else
           "estimate them (analysis.estimate_withheld = \"clusters\", or estimate=True) to get these LQs")
    if reference == ai.USLQ and (df["ref_base_missing"].fillna(0) > 0).any():
        fix = ("the U.S. shares come only from published LQs and are never estimated from the region's counties: "
               "load the U.S. file US000 and set region.reference_area to US000 for these LQs")
    note = (f"{n} cluster LQ(s) are left blank because the employment they are divided by (the traded or local "
            f"total) is incomplete: withheld cells without a value hold {'; '.join(parts)} (columns base_missing, "
            f"ref_base_missing); {fix}.")
    return [note]


def _vintage_notes(df: pd.DataFrame) -> list[str]:
    """What a growth window across a NAICS vintage break does to cluster growth."""
    if not len(df) or "vintage_break" not in df or not df["vintage_break"].fillna(False).astype(bool).any():
        return []
    start, end = int(df["start_year"].dropna().min()), int(df["year"].iloc[0])
    n = int((df["vintage_gap_codes"] > 0).sum())
    what = (f"{n} cluster(s) hold codes with data at one end of the window only (split, merged or renumbered; "
            "column vintage_gap_codes), so their growth and CAGR are left blank" if n else
            "every cluster has the same codes at both ends, so growth is kept")
    note = (f"Growth {start}-{end} crosses a NAICS vintage break ({ai.naics_vintage(start)} data to "
            f"{ai.naics_vintage(end)} data; marked in vintage_break) while the crosswalk maps one set of codes: "
            f"{what}.")
    return [note]


def _uslq_cluster_notes(reference: pl.DataFrame, crosswalk: pl.DataFrame, df: pd.DataFrame,
                        workspace: str = "DIR") -> list[str]:
    """What the implied USLQ reference cannot give for the cluster LQs, and how to get them.

    The implied U.S. shares come only from published county LQs (methods.md §1): a share no county publishes
    stays missing, so a cluster holding it, or a traded/local total missing it, has no LQ. Never estimated.
    """
    from ..analysis.reference import slice_url

    codes = set(crosswalk.get_column("naics").to_list())
    year = int(df["year"].iloc[0]) if len(df) and df["year"].notna().any() else reference.get_column("year").max()
    ref = reference.filter(pl.col("year") == year) if year is not None else reference
    six = ref.filter((pl.col("own_code") == "5") & pl.col("industry_code").is_in(list(codes)))
    unknown = sorted(six.filter(pl.col("emplvl").is_null()).get_column("industry_code").unique().to_list())
    notes = []
    if unknown:
        notes.append(f"{len(unknown)} 6-digit industr{'y has' if len(unknown) == 1 else 'ies have'} no U.S. share "
                     f"(no county publishes its LQ): {', '.join(unknown[:10])}{'...' if len(unknown) > 10 else ''}; "
                     "clusters holding them show no LQ. Implied U.S. shares come only from published LQs: a missing "
                     "one is never estimated from the region's own counties.")
    left = ai.withheld_share(ref, level=6, ownership="5", year=year, count_estimates=True)
    if left is not None and left > 0:
        notes.append(f"{left:.1%} of U.S. private employment has no published 6-digit share (industries no loaded "
                     "county publishes): it is missing from the reference's cluster and traded/local totals.")
    traded = df[df["type"] == "traded"] if "type" in df else df
    if len(traded) and year is not None:
        n_lq = int(traded["lq"].notna().sum())
        if n_lq < len(traded):
            notes.append(f"{len(traded) - n_lq} of {len(traded)} traded clusters have no LQ against the implied U.S. "
                         f"shares. For cluster LQs load the U.S. annual file US000 for {year} "
                         f"({slice_url(year, 'a', 'US000')}, or 'exportplan -w {workspace} fetch qcew --years "
                         f"{year}' after setting region.reference_area to US000).")
    return notes