"""The target-market ranking as a result object (:class:`MarketRanking`) and the notes that compare views.

:meth:`exportplan.ws.markets.Markets.rank_markets` returns a
:class:`MarketRanking`: the table, its robustness, weights, notes and
sources, with ``explain``, ``write`` and the charts.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pandas as pd

from ..analysis import markets as am
from ..analysis.weights import MARKET_FACTORS, MIN_TRADE_EVIDENCE, trade_evidence_share


@lru_cache(maxsize=1)
def country_names() -> dict[str, str]:
    """ISO3 -> short English name for every country (ISO 3166 and Kosovo)."""
    from ..sources.countries import all_countries

    frame = all_countries()
    return dict(zip(frame["iso3"].astype(str), frame["name"].astype(str)))


@dataclass
class MarketRanking:
    """A target-market ranking: the table, its robustness, weights, notes and sources.

    ``table``: rank, iso3, country, score, coverage, p_top<k>, rank_p05,
    rank_p95, median_rank, robust, reason, contrib_<factor> per factor, then
    raw_<measure>, norm_<measure>, contrib_<measure> per measure (its
    ``attrs['exportplan']`` is :attr:`meta`). ``weights``: the factor
    weights used; ``criterion_weights``: per measure. ``meta``: title,
    sources, notes, exports_scope and exports_label, preset, method, draws.
    """

    outcome: am.MarketOutcome
    meta: dict
    sector: am.Sector | None = None

    @property
    def table(self) -> pd.DataFrame:
        return self.outcome.table

    @property
    def robustness(self):
        return self.outcome.robustness

    @property
    def weights(self) -> dict[str, float]:
        return self.outcome.group_weights

    @property
    def criterion_weights(self) -> dict[str, float]:
        return self.outcome.weights

    @property
    def criteria(self):
        return self.outcome.result.criteria

    @property
    def notes(self) -> list[str]:
        return list(self.meta.get("notes", []))

    def explain(self, iso3: str) -> str:
        """Why ``iso3`` ranks where it does: contributions with raw values, rank band, what would move it."""
        return "\n".join(am.explain(self.outcome, iso3))

    def summary(self) -> list[str]:
        """The robustness sentences (draws, top countries, what reorders the top k)."""
        return self.outcome.robustness.summary()

    def write(self, path, fmt: str | None = None) -> Path:
        """Write the table (CSV, XLSX with a sources sheet, or JSON with meta)."""
        from ..output.tables import write_table

        return write_table(self.table, path, fmt, meta=self.meta)

    def world_map(self, path) -> list[Path]:
        """A world map of the scores (PNG and SVG)."""
        from ..output.worldmap import world_map

        return world_map(self.table[["iso3", "score"]], title=self.meta["title"], meta=self.meta, path=path,
                         label="Score (0 to 1)")

    def contribution_chart(self, path, *, top: int = 15) -> list[Path]:
        """Stacked bars of each top country's score by factor (PNG and SVG)."""
        from ..output.charts import contribution_chart

        factors = [(g, am.FACTOR_LABELS[g]) for g in MARKET_FACTORS if f"contrib_{g}" in self.table.columns]
        return contribution_chart(self.table, criteria=factors, name_col="country", top=top,
                                  title=self.meta["title"], meta=self.meta, path=path, noun="countries")


def trade_evidence_note(group_weights: Mapping[str, float], mm: am.MarketMatrix) -> list[str]:
    """A note when the factors with data put less than half of the weight on trade evidence."""
    used = {c.group for c in mm.criteria}
    live = {g: w for g, w in group_weights.items() if g in used}
    share = trade_evidence_share(live) if live else 0.0
    if not live or share >= MIN_TRADE_EVIDENCE - 1e-9:
        return []
    return [f"Trade evidence (current markets, export growth, demand) carries {share:.0%} of the weight of the "
            f"factors with data, less than the {MIN_TRADE_EVIDENCE:.0%} the presets give it (methods.md §5)."]


def identical_views_notes(views: Sequence[tuple[am.Sector, MarketRanking]]) -> list[str]:
    """Which per-sector views rank every country alike, and whether for want of data by sector."""
    groups: dict[tuple, list[tuple[am.Sector, MarketRanking]]] = {}
    for sec, ranking in views:
        table = ranking.table
        key = tuple(zip(table["iso3"], table["score"].round(9)))
        groups.setdefault(key, []).append((sec, ranking))
    notes = []
    for same in groups.values():
        if len(same) < 2:
            continue
        names = [sec.name for sec, _ in same]
        listed = ", ".join(names[:-1]) + f" and {names[-1]}"
        every = f"All the per-sector views ({listed})" if len(same) == len(views) else f"The views of {listed}"
        if not any(r.meta.get("sector_data") for _, r in same):
            notes.append(f"{every} are identical for want of sector data: no regional, state or national exports of "
                         "these sectors' NAICS codes are loaded, so each view uses the same all-goods exports and "
                         "the same demand measure. Load exports by NAICS ('exportplan fetch exports --state XX', or "
                         "a saved Census answer) for views that differ.")
        else:
            notes.append(f"{every} rank every country alike.")
    return notes
