"""Service ``ws.sectors``: the target-sector ranking (the guide's five criteria).

``ws.rank_sectors()`` gathers the region's QCEW measures (clusters or NAICS
industries), the reference area's figures and the user's tables (state
targets, foreign-owned establishments by sector, unique assets), builds the
matrix (:mod:`exportplan.analysis.sectors`), scores it
(:mod:`exportplan.analysis.scoring`), tests it against the weights
(:mod:`exportplan.analysis.sensitivity`) and sorts the sectors into tiers::

    ranking = ws.rank_sectors(preset="growth", weights="state_target=0.3")
    ranking.table.head()            # rank, code, name, score, tier, coverage, p_top5, ...
    ranking.summary()               # robustness in plain sentences
    ranking.explain("4")            # why is Automotive where it is?
    ranking.write("sectors.xlsx")   # with sources, weights and notes
    ranking.charts("sectors.png")   # contribution bars + tier bubble chart (PNG and SVG)

Weights are group weights over the five criteria
(:data:`~exportplan.analysis.weights.SECTOR_GROUPS`), shared evenly among each
group's measures. They come from the ``preset`` argument, else the
workspace config ``[sectors] preset = "..."`` (default
``balanced``), with overrides from the config's ``[sectors] weights``
table and then the ``weights`` argument. Nothing is saved unless
:meth:`Sectors.set_sector_weights` is called.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Mapping

import numpy as np
import pandas as pd
import polars as pl

from ..analysis import industry as ai
from ..analysis import pipeline_feeds as pf
from ..analysis import sectors as asec
from ..analysis.scoring import Criterion, ScoreResult, score
from ..analysis.sensitivity import DEFAULT_DRAWS, Robustness, robustness
from ..analysis.weights import SECTOR_GROUPS, parse_weights, resolve_weights, spread_group_weights
from ..citation import as_refs
from ..errors import ExportPlanError
from ..sources.clusters import official_clusters
from . import ranking_cache
from .context import Service

_US_AREAS = ("US000", "USLQ")
#: Exact bounds of values on withheld cells, carried into the ranked table (reasons, tiers, printed marks).
_BOUND_COLUMNS = ("lq_low", "lq_high", "employment_low", "employment_high", "growth_low", "growth_high")
_GROUP_LABELS = {"size": "size", "growth": "growth", "strength": "strengths, assets",
                 "state_target": "state target", "foreign_investors": "foreign investors"}
_NOTE_METHOD = {"weighted": "weighted sum of min-max normalized measures",
                "topsis": "TOPSIS (closeness to the ideal sector) on the measures"}


@dataclass
class SectorRanking:
    """A ranking of the region's target sectors and everything needed to defend it.

    ``table`` (pandas, best first): ``rank, code, name, score, tier, coverage,
    p_top5, p_top1, p_topk, median_rank, rank_p05, rank_p95, band, robust,
    reason, tier_reason``, ``raw_/norm_/contrib_<measure>`` per measure, then
    ``lq, growth, cagr, employment, establishments, withheld, ...`` (for the
    bubble chart). ``robustness`` holds the Monte Carlo, one-at-a-time and
    reorder tables; ``weights`` the criterion weights used (sum 1),
    ``group_weights`` the five criteria's; ``matches`` reports how every
    user-table entry matched (``unmatched`` the ones that did not); ``notes``
    and ``meta`` (title, sources, notes, weights, sample flag) travel with
    every output. ``table.attrs['exportplan']`` is ``meta`` as well.
    """

    table: pd.DataFrame
    result: ScoreResult
    robustness: Robustness
    criteria: tuple[Criterion, ...]
    weights: dict[str, float]
    group_weights: dict[str, float]
    preset: str
    method: str
    by: str
    level: int | None
    top_k: int
    matches: pd.DataFrame
    notes: list[str] = field(default_factory=list)
    meta: dict = field(default_factory=dict)

    @property
    def unmatched(self) -> pd.DataFrame:
        """User-table entries that matched no ranked sector, with the reason."""
        return self.matches[self.matches["status"] == "unmatched"].reset_index(drop=True)

    @property
    def title(self) -> str:
        return self.meta.get("title", "Target sectors")

    @property
    def short_title(self) -> str:
        """'<region>: target sectors, <year>' for chart titles."""
        return f"{self.meta.get('region', '')}: target sectors, {self.meta.get('year', '')}".strip(": ,")

    def summary(self) -> list[str]:
        """The robustness of the ranking in plain sentences."""
        return self.robustness.summary()

    def explain(self, code: str) -> pd.DataFrame:
        """One sector's contributions per measure with raw values (see :func:`exportplan.analysis.sectors.explain`)."""
        return asec.explain(self.table, self.criteria, self.weights, str(code))

    def explain_lines(self, code: str) -> list[str]:
        """Sentences heading :meth:`explain`: rank, score, coverage, rank band, tier."""
        self.explain(code)  # raises a clear error for an unknown code
        return asec.explain_lines(self.table, str(code), self.top_k)

    def write(self, path, fmt: str | None = None) -> Path:
        """Write the table (CSV, XLSX or JSON; XLSX/JSON carry sources, weights and notes)."""
        from ..output.tables import write_table

        return write_table(self.table, path, fmt, meta=self.meta)

    def contribution_chart(self, path, *, top: int = 15) -> list[Path]:
        """Stacked bars of each sector's score split into the five guide criteria (PNG and SVG).

        Each bar segment is the summed contribution of that criterion's
        measures (``group_<criterion>`` columns of the table).
        """
        from ..output.charts import contribution_chart

        # The five guide criteria, not the eleven measures: what a board asks about, in distinct colours.
        groups = [g for g in SECTOR_GROUPS if f"group_{g}" in self.table and self.group_weights.get(g, 0) > 0]
        frame = self.table[["name", "score", "coverage"]].copy()
        for g in groups:
            frame[f"contrib_{g}"] = self.table[f"group_{g}"]
        keys = [(g, _GROUP_LABELS.get(g, g)) for g in groups]
        return contribution_chart(frame, criteria=keys, name_col="name", top=top,
                                  title=f"{self.short_title}: score by criterion", meta=self.meta,
                                  source_note=chart_source_note(self.meta), path=path,
                                  noun="clusters" if self.by == "cluster" else "industries")

    def bubble_chart(self, path) -> list[Path]:
        """LQ × growth bubble chart (size = employment), bubbles coloured by tier (PNG and SVG).

        Without growth it shows LQ against employment; with no LQ at all it
        writes nothing and raises ChartNotDrawn with the reason.
        """
        from ..output.charts import bubble_chart

        # What the bubbles count, from the employment measure's source: 'employment (QCEW 2020 annual averages, private)'.
        source = str(next((m.get("source") for m in self.meta.get("measures") or [] if m.get("key") == "employment"),
                          "") or "").split(";")[0]
        counted = f"employment ({source[source.index('QCEW'):] if 'QCEW' in source else source})" if source else None
        return bubble_chart(self.table, x="lq", y="growth", size="employment", label="name", color="tier",
                            title=f"{self.short_title}: tiers", meta=self.meta,
                            source_note=chart_source_note(self.meta),
                            path=path, noun="clusters" if self.by == "cluster" else "industries", counted=counted)

    def charts(self, path) -> list[Path]:
        """Both charts: contributions at ``path``, the tier bubble chart at ``<path stem>_bubble``.

        A chart with nothing to draw is skipped; then ChartNotDrawn names
        the reason(s) and lists in ``written`` the files the other chart wrote.
        """
        from ..output.charts import ChartNotDrawn

        path = Path(path)
        stem = path.with_suffix("") if path.suffix.lower() in (".png", ".svg", ".pdf") else path
        written, skipped = [], []
        for what, draw, at in (("contribution chart", self.contribution_chart, stem),
                               ("tier bubble chart", self.bubble_chart, stem.with_name(stem.name + "_bubble"))):
            try:
                written += draw(at)
            except ChartNotDrawn as exc:
                skipped.append(f"{what}: {exc}")
        if skipped:
            raise ChartNotDrawn(" ".join(skipped), written=written)
        return written


def chart_source_note(meta: Mapping) -> str:
    """A compact 'Source: ...' line: publishers with their datasets, yearly vintages joined as ranges."""
    by_publisher: dict[str, dict[str, set[str]]] = {}
    for src in as_refs(meta.get("sources")):
        datasets = by_publisher.setdefault(src.publisher, {})
        vintages = datasets.setdefault(src.dataset, set())
        vintages.update(v for v in src.vintage.split(",") if v.strip())
    parts = []
    for who, datasets in by_publisher.items():
        items = [f"{what} ({_vintage_text(v)})" if v else what for what, v in datasets.items()]
        parts.append(f"{who}: {', '.join(items)}" if who else ", ".join(items))
    return "Source: " + "; ".join(parts) if parts else ""


def _vintage_text(vintages: set[str]) -> str:
    """{'2018 annual', ..., '2023 annual'} → '2018-2023 annual' when the years run on; else listed."""
    split = [(v.strip()[:4], v.strip()[4:].strip()) for v in vintages]
    years = sorted({int(y) for y, _ in split if y.isdigit()})
    rests = {r for _, r in split}
    if len(years) == len(split) and len(rests) == 1 and years == list(range(years[0], years[-1] + 1)):
        span = str(years[0]) if len(years) == 1 else f"{years[0]}-{years[-1]}"
        return f"{span} {rests.pop()}".strip()
    return ", ".join(sorted(v.strip() for v in vintages))


def _vintage_notes(info: dict, table: pd.DataFrame) -> list[str]:
    """What a growth window across a NAICS vintage break does to the growth measures (column vintage_break)."""
    start, year = info["start_year"], info["year"]
    if start is None or year is None or ai.naics_vintage(int(start)) == ai.naics_vintage(int(year)):
        return []
    span = (f"Growth {start}-{year} crosses a NAICS vintage break ({ai.naics_vintage(int(start))} data to "
            f"{ai.naics_vintage(int(year))} data; marked in vintage_break)")
    if info["by"] != "cluster":
        return [(f"{span}: industries are compared as BLS coded them in each vintage; a code that exists at one "
                 "end only has no growth.")]
    gaps = pd.to_numeric(table.get("vintage_gap_codes", pd.Series(dtype=float)), errors="coerce").fillna(0)
    n = int((gaps > 0).sum())
    if not n:  # the cluster table's own note (among the table notes) says the growth is kept
        return []
    return [(f"{span}: {n} cluster(s) hold codes with data at one end of the window only (column "
             f"vintage_gap_codes), so regional growth, {info['reference_label']} growth and the competitive shift "
             "are missing for them (see coverage) rather than comparing different sets of industries.")]


class Sectors(Service):
    # ---- weights -------------------------------------------------------------------------------
    def sector_weights(self, preset: str | None = None,
                       weights: str | Mapping[str, float] | None = None) -> tuple[dict[str, float], str]:
        """The five criteria's weights (sum 1) and the preset they start from.

        ``preset`` (argument) wins over the config's ``[sectors]
        preset``; the config's own overrides apply only when no preset
        argument is given; ``weights`` (``"k=v,..."`` or a mapping over
        :data:`~exportplan.analysis.weights.SECTOR_GROUPS`) override last.
        """
        conf = self.ctx.config.get("sectors") or {}
        overrides: dict[str, float] = {}
        if preset is None:
            preset = str(conf.get("preset") or "balanced")
            saved = conf.get("weights") or {}
            overrides.update(parse_weights(saved, SECTOR_GROUPS) if isinstance(saved, str) else dict(saved))
        if isinstance(weights, str):
            overrides.update(parse_weights(weights, SECTOR_GROUPS))
        elif weights:
            overrides.update(dict(weights))
        return resolve_weights("sector", preset, overrides), preset

    def set_sector_weights(self, preset: str | None = None,
                           weights: str | Mapping[str, float] | None = None) -> dict[str, float]:
        """Save a preset and/or group-weight overrides as the workspace's default (``None, None`` clears them)."""
        if preset is None and not weights:
            self.ctx.config["sectors"] = {"preset": "balanced", "weights": {}}
            self.ws.save_config()
            return resolve_weights("sector", "balanced")
        overrides = parse_weights(weights, SECTOR_GROUPS) if isinstance(weights, str) else dict(weights or {})
        resolved = resolve_weights("sector", preset or "balanced", overrides)  # validates before saving
        self.ctx.config["sectors"] = {"preset": preset or "balanced",
                                      "weights": {k: float(v) for k, v in overrides.items()}}
        self.ws.save_config()
        return resolved

    # ---- the ranking ---------------------------------------------------------------------------
    def rank_sectors(self, *, by: str = "cluster", level: int | None = None, preset: str | None = None,
                     weights: str | Mapping[str, float] | None = None, method: str = "weighted",
                     draws: int = DEFAULT_DRAWS, seed: int = 0, top_k: int = 5, year: int | None = None,
                     normalize: str = "minmax") -> SectorRanking:
        """Rank the region's traded clusters (``by='cluster'``) or NAICS industries (``by='naics'``, ``level``).

        Scores on the guide's five criteria (methods.md §4) with the weights
        of :meth:`sector_weights`; ``method`` is ``'weighted'`` or
        ``'topsis'``; ``draws`` Dirichlet weight draws (seeded by ``seed``)
        give the rank bands and ``p_top<k>``; ``top_k`` sizes the shortlist
        (robust, priority tier). Returns a :class:`SectorRanking`.
        """
        asec.check_by(by)
        if by == "naics":
            level = int(level or 3)
            if level not in ai.NAICS_LEVELS:
                raise ExportPlanError(f"NAICS level {level} is not one of {ai.NAICS_LEVELS}.")
        elif level is not None:
            raise ExportPlanError("--level applies to --by naics only; clusters have no NAICS level.")
        if not isinstance(top_k, (int, np.integer)) or top_k < 1:
            raise ExportPlanError(f"top_k must be a whole number >= 1, not {top_k!r}.")
        group_weights, preset = self.sector_weights(preset, weights)
        # The same ranking asked again (a page reloaded, another user, the plan) is kept under the same
        # data-and-settings stamp as the inputs; each caller gets its own copy of the table, notes and meta.
        key = ("sectors-ranking", by, level, preset, tuple(sorted(group_weights.items())), method, int(draws), seed,
               int(top_k), year, normalize)
        kept = ranking_cache.cached(self.ctx, key, lambda: self._rank(by, level, preset, group_weights, method,
                                                                       draws, seed, top_k, year, normalize))
        meta = copy.deepcopy(kept.meta)
        table = kept.table.copy()
        table.attrs["exportplan"] = meta
        return replace(kept, table=table, notes=list(kept.notes), meta=meta)

    def _rank(self, by: str, level: int | None, preset: str, group_weights: dict, method: str, draws: int, seed: int,
              top_k: int, year: int | None, normalize: str) -> SectorRanking:
        """The ranking itself (see :meth:`rank_sectors`) on the kept inputs."""
        alts, info, tables, sm, feed_note, bounded = self._ranking_inputs(by, level, year, seed)
        crit_weights = spread_group_weights(group_weights, sm.criteria)
        result = score(sm.matrix, sm.criteria, crit_weights, method=method, normalize=normalize, names=sm.names)
        rob = robustness(result, draws=draws, top_k=int(top_k), seed=seed,
                         data_draws=bounded)  # leaves out measures without data
        extras = alts.drop(columns=["name"])
        table = asec.ranking_table(result, rob, extras)
        notes = self._sector_notes(sm, info, result, group_weights, preset, int(top_k), table) + feed_note
        if bounded is not None:
            notes.append(f"The rank bands also draw the {bounded.n_members} withheld cells the sectors rest on within "
                         "their exact bounds (each parent's undisclosed residual split by Dirichlet weights on "
                         "establishments), so employment, LQ and growth vary where the data are suppressed "
                         "(methods.md, \"Withheld cells\").")
        meta = self._sector_meta(info, notes, tables)
        meta.update(weights={k: round(v, 6) for k, v in group_weights.items()},
                    measure_weights={k: round(v, 6) for k, v in result.weights.items()},
                    year=info["year"], preset=preset, method=method, normalize=normalize, top_k=int(top_k),
                    draws=int(draws), seed=seed, robustness=rob.summary(),
                    measures=[{"key": c.key, "label": c.label, "criterion": c.group, "unit": c.unit,
                               "weight": round(result.weights[c.key], 6), "source": c.source} for c in sm.criteria])
        table.attrs["exportplan"] = meta
        return SectorRanking(table, result, rob, sm.criteria, dict(result.weights), group_weights, preset, method,
                             by, level, int(top_k), sm.matches, notes, meta)

    # ---- inputs --------------------------------------------------------------------------------
    def _ranking_inputs(self, by: str, level: int | None, year: int | None, seed: int) -> tuple:
        """Alternatives, their notes' facts, user tables, matrix, feed note and withheld draws (or None).

        None depend on the weights: they are kept in the per-process cache (:mod:`exportplan.ws.ranking_cache`)
        while the stored data and the settings are unchanged, so a re-rank only scores and checks robustness.
        """
        def build() -> tuple:
            self.ws.regional.check_years(year)
            alts, info = self._sector_alternatives(by, level, year)
            if alts.empty:
                raise ExportPlanError("The region has no sectors to rank for that year and level; check the QCEW "
                                      "data.")
            tables = {kind: self._sector_user_table(kind) for kind in asec.USER_TABLES}
            sm, feed_note = self._sector_matrix(alts, info, tables, by, level)
            bounded = self._withheld_draws(by, level, alts, info, seed)  # withheld cells drawn within their bounds
            return alts, info, tables, sm, feed_note, bounded

        return ranking_cache.cached(self.ctx, ("sectors", by, level, year, seed), build)

    def _sector_matrix(self, alts: pd.DataFrame, info: dict, tables: dict, by: str,
                       level: int | None) -> tuple[asec.SectorMatrix, list[str]]:
        """The matrix, with the pipeline's foreign-owned companies in the foreign-investors criterion
        (:mod:`exportplan.analysis.pipeline_feeds`: the larger of the sector FDI table's count and theirs)."""
        feed = pf.sector_feed(self.ws.pipeline.companies())
        sources, loaded = self._sector_sources(info, tables), tables["sector_fdi"] is not None
        if feed.companies:
            what = f"pipeline companies with a foreign parent ({feed.companies}; exportplan records)"
            sources["foreign_establishments"] = (f"{sources['foreign_establishments']}; or, where more, {what}"
                                                 if loaded else what)
        official = official_clusters()

        def build(**user_tables):
            return asec.build_sector_matrix(alts, by=by, level=level, crosswalk=info["crosswalk"], **user_tables,
                                            reference=info["reference_label"], start_year=info["start_year"],
                                            sources=sources, official=official)

        if not feed.companies:
            return build(**tables), []
        if not loaded:
            sm = build(**dict(tables, sector_fdi=feed.entries))
            return replace(sm, matches=pf.pipeline_matches(sm.matches)), [pf.sector_note(feed, sm.matches,
                                                                                         table_loaded=False)]
        pipeline = build(sector_fdi=feed.entries)
        return pf.merge_sector_fdi(build(**tables), pipeline), [pf.sector_note(feed, pipeline.matches,
                                                                                table_loaded=True)]

    def _withheld_draws(self, by: str, level: int | None, alts: pd.DataFrame, info: dict, seed: int):
        """Draws of the withheld cells the sectors rest on (analysis.bound_draws), or None when there are none."""
        from ..analysis.bound_draws import sector_draws

        cells = self.ws.regional.county_cells()
        own = "5" if by == "cluster" else ai.ownership_code(self.ctx.config["analysis"]["ownership"])
        crosswalk = info["crosswalk"]
        if by == "cluster" and crosswalk is not None and not isinstance(crosswalk, pl.DataFrame):
            crosswalk = pl.from_pandas(crosswalk)
        return sector_draws(cells, alts, by=by, level=level, year=int(info["year"]), start_year=info["start_year"],
                            crosswalk=crosswalk, ownership=own, seed=seed)

    def _sector_user_table(self, kind: str) -> pd.DataFrame | None:
        frame = self.ws.tables.user_table(kind)
        return frame if len(frame) else None

    def _sector_frames(self, by: str) -> tuple[pl.DataFrame, pl.DataFrame]:
        """The region's and the reference area's area frames, built (and estimated) as ws.clusters/ws.industries do."""
        industry = self.ws.industry
        if by == "cluster":
            return industry.cluster_frames(industry.estimates("clusters"))
        ctx = self.ctx
        data = ai.drop_estimates(ai.annual_rows(self.ws.regional.loaded()))
        reference = ai.reference_frame(data, ctx.reference_area)
        counties = data.filter(pl.col("area_fips").is_in(ctx.counties))
        if industry.estimates("industries"):
            counties = ai.estimate_withheld(counties)
        return ai.region_sum(counties, ctx.counties), reference

    def _sector_alternatives(self, by: str, level: int | None, year: int | None) -> tuple[pd.DataFrame, dict]:
        """The alternatives frame (code, name and measure columns) and what the notes and sources need."""
        region, reference = self._sector_frames(by)
        if by == "cluster":
            # Point estimates however wide their bounds: the robustness draws carry the bounds into the rank bands.
            base = self.ws.industry.clusters(year=year, cluster_type="traded", max_bound_ratio=float("inf"))
            crosswalk, record = self.ws.definitions.crosswalk()
            codes = [c if asec.present(c) else n for c, n in zip(base["cluster_code"], base["cluster_name"])]
            alts = pd.DataFrame({"code": pd.array(codes, dtype="str"),
                                 "name": pd.array(base["cluster_name"].astype(str), dtype="str")})
            for col in ("employment", "establishments", "lq", "strong", "growth", "cagr", "avg_pay", "withheld",
                        "estimated", "start_year", "vintage_break", "vintage_gap_codes", *_BOUND_COLUMNS,
                        "strong_note"):
                alts[col] = base[col].to_numpy() if col in base.columns else np.nan
            flag_method = str(base["flag_method"].dropna().iloc[0]) if base["flag_method"].notna().any() else ""
        else:
            base = self.ws.industry.industries(level=level, year=year, max_bound_ratio=float("inf"))
            try:
                crosswalk, record = self.ws.definitions.crosswalk()
            except ExportPlanError:
                crosswalk, record = None, None
            names = [t if asec.present(t) else f"NAICS {c}" for t, c in zip(base["title"], base["naics"])]
            alts = pd.DataFrame({"code": pd.array(base["naics"].astype(str), dtype="str"),
                                 "name": pd.array(names, dtype="str")})
            for col in ("employment", "establishments", "lq", "growth", "cagr", "avg_pay", "withheld", "estimated",
                        "start_year", "vintage_break", *_BOUND_COLUMNS):
                alts[col] = base[col].to_numpy() if col in base.columns else np.nan
            flag_method = ""
            keep = (pd.to_numeric(alts["employment"], errors="coerce").fillna(0) > 0) | \
                   (pd.to_numeric(alts["establishments"], errors="coerce").fillna(0) > 0)
            alts = alts[keep].reset_index(drop=True)
        yr = int(base["year"].dropna().iloc[0]) if len(base) and base["year"].notna().any() else year
        start = pd.to_numeric(alts["start_year"], errors="coerce").dropna()
        start_year = int(start.min()) if len(start) else None
        # The CAGR's bounds follow from the growth's over the same years (a monotone map).
        span = yr - pd.to_numeric(alts["start_year"], errors="coerce").to_numpy(dtype=float)
        for end in ("low", "high"):
            g = pd.to_numeric(alts[f"growth_{end}"], errors="coerce").to_numpy(dtype=float)
            with np.errstate(divide="ignore", invalid="ignore"):
                alts[f"cagr_{end}"] = np.where((span > 0) & (g >= -1), np.power(1.0 + g, 1.0 / span) - 1.0, np.nan)
        alts = alts.drop(columns="start_year")
        own = str(self.ctx.config["analysis"]["ownership"]) if by == "naics" else "5"
        if by == "cluster":
            ref = asec.cluster_reference_measures(region, reference, crosswalk, year=yr, start_year=start_year)
        else:
            ref = asec.industry_reference_measures(region, reference, level=level, year=yr, start_year=start_year,
                                                   ownership=own)
        ref = ref.set_index("code").reindex(alts["code"])
        alts["ref_cagr"] = ref["ref_cagr"].to_numpy(dtype=float)
        alts["competitive_shift"] = ref["competitive_shift"].to_numpy(dtype=float)
        pay = pd.to_numeric(alts["avg_pay"], errors="coerce").to_numpy(dtype=float)
        ref_pay = ref["ref_avg_pay"].to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            alts["wage_premium"] = np.where((pay > 0) & (ref_pay > 0), pay / ref_pay, np.nan)
        info = {"by": by, "level": level, "year": yr, "start_year": start_year, "crosswalk": crosswalk,
                "crosswalk_record": record, "flag_method": flag_method,
                "reference_note": asec.reference_note(reference, self.ctx.reference_area),
                "reference_label": "US" if self.ctx.reference_area in _US_AREAS else self.ctx.reference_area,
                "table_notes": list(base.attrs.get("exportplan", {}).get("notes", [])),
                "top_notes": list(base.attrs.get("exportplan", {}).get("top_notes", []))}
        if start_year is not None:  # reference growth and the competitive shift need the start year too
            _, gaps = self.ws.regional.window_and_gaps(None, yr, years=(start_year,),
                                            what=f"{info['reference_label']} growth and the competitive shift")
            info["top_notes"] += [g for g in gaps if g not in info["top_notes"]]
        return alts, info

    def _sector_sources(self, info: dict, tables: dict) -> dict[str, str]:
        """Source text (publisher + vintage) for every measure."""
        ctx, citations = self.ctx, self.ws.citations
        qcew = citations.refs(("qcew",))
        publisher = qcew[0].publisher if qcew else "BLS"
        year, start, ref = info["year"], info["start_year"], ctx.reference_area
        window = f"{start}-{year}" if start else f"{year} (one year: no growth)"
        own = "private" if info["by"] == "cluster" or str(ctx.config["analysis"]["ownership"]) == "5" else \
            f"ownership {ctx.config['analysis']['ownership']}"
        region = f"{len(ctx.counties)} count{'y' if len(ctx.counties) == 1 else 'ies'} summed"
        out = {
            "employment": f"{publisher}, QCEW {year} annual averages, {own}; {region}",
            "establishments": f"{publisher}, QCEW {year} annual averages, {own}; {region}",
            "regional_growth": f"{publisher}, QCEW {window}, {own}; {region}",
            "national_growth": f"{publisher}, QCEW {window}, reference area {ref}",
            "lq": f"{publisher}, QCEW {year}; LQ against reference area {ref}",
            "strong": f"US Cluster Mapping flag rules; {info['flag_method'] or 'no flags'}",
            "competitive_shift": f"{publisher}, QCEW {window}; shift-share against reference area {ref}",
            "wage_premium": f"{publisher}, QCEW {year}; average annual pay against reference area {ref}",
        }
        if info["crosswalk_record"] is not None:
            out["employment"] += f"; crosswalk '{info['crosswalk_record']['name']}'"
        for kind, key in (("targets", "state_target"), ("sector_fdi", "foreign_establishments"),
                          ("assets", "unique_assets")):
            frame = tables.get(kind)
            if frame is None:
                out[key] = "not loaded"
                continue
            refs = citations.refs((kind,), frame["provenance_id"].unique() if "provenance_id" in frame else None)
            files = ", ".join(sorted({r.file for r in refs if r.file}))
            given = sorted({str(s) for s in frame.get("source", pd.Series(dtype="str")) if asec.present(s)})
            years = sorted({int(y) for y in frame.get("year", pd.Series(dtype="float")) if asec.present(y)})
            text = "; ".join(given) or ("staff-flagged assets" if kind == "assets" else "the organization's records")
            if years:
                text += f" ({', '.join(map(str, years))})"
            out[key] = text + (f"; file {files}" if files else "")
        return out

    def _sector_notes(self, sm, info: dict, result: ScoreResult, group_weights: dict, preset: str, top_k: int,
                      table: pd.DataFrame) -> list[str]:
        what = "traded clusters" if info["by"] == "cluster" else f"{info['level']}-digit NAICS industries"
        weights = ", ".join(f"{k} {v:.2f}" for k, v in group_weights.items())
        notes = [f"Ranks the region's {len(table)} {what} on the guide's five criteria with the "
                 f"'{preset}' weights ({weights}); {_NOTE_METHOD.get(result.method, result.method)}; each "
                 "criterion's weight is shared evenly among its measures.",
                 "Employment and establishments are log-transformed (log1p) before normalizing; every measure is "
                 f"normalized over the ranked sectors ({result.normalize}).",
                 "Coverage is the share of the informative weight a sector has data on: a missing measure is left "
                 "out and the weights renormalized over the rest, never counted as zero.",
                 "State target priority is scored 1 → 1.0, 2 → 0.67, 3 → 0.33; a sector the loaded list does not "
                 "name scores 0. Sectors missing from a loaded FDI or assets table count 0."]
        if info["start_year"] is None:
            notes.append(f"No growth window ends in {info['year']} (see the growth window note below): regional "
                         f"growth, {info['reference_label']} growth and the competitive shift need two years and are "
                         "missing for every sector. Load an earlier QCEW year to score growth.")
        if info["reference_note"]:
            notes.append(info["reference_note"])
        notes += _vintage_notes(info, table)
        notes += sm.notes
        notes += result.uninformative_notes("ranked sector")
        notes += result.missing_notes("ranked sector", skip_all=True)  # once here, not on every reason
        if "strong_note" in table.columns and table["strong_note"].notna().any():
            n = int(table["strong_note"].notna().sum())
            notes.append(f"Of the sectors without a strong-cluster flag, {n} have an uncertain one: the LQ rests on "
                         "withheld cells and its exact bounds straddle the flag's threshold (column strong_note). It "
                         "counts as missing data for that measure, never as strong.")
        if any(table[f"raw_{c.key}"].isna().all() for c in sm.criteria):
            notes.append("The robustness test varies the weights of the measures with data; a measure no sector has "
                         "data on cannot change any rank.")
        notes += asec.tier_notes(top_k, table)  # says first why no sector is a priority, when none is
        # The QCEW table's own notes (LQ base, crosswalk, flags, withheld and estimated cells) hold here too.
        notes += [n for n in info["table_notes"] if not n.startswith("SAMPLE DATA") and n not in info["top_notes"]]
        return notes

    def _sector_meta(self, info: dict, notes: list[str], tables: dict) -> dict:
        what = "traded clusters" if info["by"] == "cluster" else f"{info['level']}-digit NAICS industries"
        citations = self.ws.citations
        used = [ref for kind in asec.USER_TABLES
                if (frame := tables.get(kind)) is not None and "provenance_id" in frame
                for ref in citations.refs((kind,), frame["provenance_id"].unique())]
        return citations.meta(f"{self.ctx.name}: target sectors ({what}), {info['year']}",
                              ("qcew", "crosswalk", "peers", "titles"), notes, info.get("top_notes", []), extra=used)
