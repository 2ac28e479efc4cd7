"""The named weightings (presets) and the groups they weigh: plain data, no numpy or pandas.

Kept apart from :mod:`exportplan.analysis.weights` (which re-exports every name
here) so that the command line can list the presets and group keys in its help
without importing the scoring libraries.
"""
from __future__ import annotations

from typing import NamedTuple

#: The guide's five criteria for target sectors (methods.md §4): group key → meaning.
SECTOR_GROUPS: dict[str, str] = {
    "size": "Large numbers of companies and/or employment",
    "growth": "Significant growth potential",
    "strength": "Competitive strengths or unique assets",
    "state_target": "State target industries or clusters",
    "foreign_investors": "Significant number of foreign investors",
}

#: The guide's eight factors for target country markets (methods.md §5): group key → meaning.
MARKET_FACTORS: dict[str, str] = {
    "current_markets": "Top current destination markets",
    "export_growth": "Countries where exports are growing",
    "client_interest": "Growth opportunity reported by exporter clients",
    "cluster_demand": "Peer regions with similar clusters (potential customers)",
    "partnerships": "Partnerships (sister cities, academic, research, innovation)",
    "proximity": "Nearby regions (Mexico, Canada)",
    "market_factors": "Other market factors and barriers",
    "fdi_connections": "FDI connections",
}


class Preset(NamedTuple):
    """A named weighting: what it emphasizes, and the group weights (sum 1)."""

    description: str
    weights: dict[str, float]


#: Target-sector presets over :data:`SECTOR_GROUPS`.
#:
#: * ``balanced`` — the five criteria count equally (the guide lists them without ranking).
#: * ``growth`` — favours clusters that are growing regionally and nationally.
#: * ``strengths`` — favours existing competitive strengths: LQ, strong-cluster flag, competitive shift.
#: * ``jobs`` — favours large clusters by employment and establishments, then growth.
SECTOR_PRESETS: dict[str, Preset] = {
    "balanced": Preset(
        "All five guide criteria count equally.",
        {"size": 0.20, "growth": 0.20, "strength": 0.20, "state_target": 0.20, "foreign_investors": 0.20}),
    "growth": Preset(
        "Emphasizes growth potential (regional and national growth, projections).",
        {"size": 0.15, "growth": 0.40, "strength": 0.20, "state_target": 0.15, "foreign_investors": 0.10}),
    "strengths": Preset(
        "Emphasizes competitive strengths and unique assets (LQ, strong clusters, competitive shift, wages).",
        {"size": 0.15, "growth": 0.15, "strength": 0.45, "state_target": 0.15, "foreign_investors": 0.10}),
    "jobs": Preset(
        "Emphasizes size: employment, establishments and companies in the pipeline.",
        {"size": 0.40, "growth": 0.25, "strength": 0.15, "state_target": 0.10, "foreign_investors": 0.10}),
}

#: The market factors that are trade evidence: where the goods and services already go
#: (current markets), where those sales grow (export growth) and what the countries buy of
#: the region's priority sectors (demand). Every market preset puts at least
#: :data:`MIN_TRADE_EVIDENCE` of the weight on them and at most :data:`MAX_PARTNERSHIPS` on
#: partnerships (methods.md §5, "Default weights"); ITA's Market Diversification Tool, for
#: comparison, puts 0.5 on historic U.S. exports alone.
TRADE_EVIDENCE = ("current_markets", "export_growth", "cluster_demand")
MIN_TRADE_EVIDENCE = 0.5
MAX_PARTNERSHIPS = 0.1

#: Target-market presets over :data:`MARKET_FACTORS` (each meets the trade-evidence rule above).
#:
#: * ``balanced`` (default) — trade evidence 0.55, the five other guide factors share the rest.
#: * ``current-markets`` — where the region already sells: current exports and client interest.
#: * ``growth-markets`` — where exports and demand for the region's clusters are growing.
#: * ``nearby`` — close, contiguous markets (Canada, Mexico first): distance and contiguity.
#: * ``low-risk`` — good business climate, low corruption, IP protection, FTAs.
MARKET_PRESETS: dict[str, Preset] = {
    "balanced": Preset(
        "Trade evidence first (current markets, export growth, demand: 0.55); the other five factors share the "
        "rest, partnerships 0.05.",
        {"current_markets": 0.25, "export_growth": 0.15, "client_interest": 0.10, "cluster_demand": 0.15,
         "partnerships": 0.05, "proximity": 0.10, "market_factors": 0.15, "fdi_connections": 0.05}),
    "current-markets": Preset(
        "Emphasizes the region's current top destinations and what its exporters report.",
        {"current_markets": 0.30, "export_growth": 0.15, "client_interest": 0.15, "cluster_demand": 0.10,
         "partnerships": 0.05, "proximity": 0.05, "market_factors": 0.10, "fdi_connections": 0.10}),
    "growth-markets": Preset(
        "Emphasizes growing exports and demand for the region's priority clusters.",
        {"current_markets": 0.10, "export_growth": 0.30, "client_interest": 0.10, "cluster_demand": 0.20,
         "partnerships": 0.05, "proximity": 0.05, "market_factors": 0.15, "fdi_connections": 0.05}),
    "nearby": Preset(
        "Emphasizes proximity (distance, contiguity): easiest markets for new exporters; trade evidence 0.5.",
        {"current_markets": 0.20, "export_growth": 0.15, "client_interest": 0.05, "cluster_demand": 0.15,
         "partnerships": 0.05, "proximity": 0.30, "market_factors": 0.05, "fdi_connections": 0.05}),
    "low-risk": Preset(
        "Emphasizes market factors and barriers: governance, corruption, IP protection, FTAs; trade evidence 0.5.",
        {"current_markets": 0.25, "export_growth": 0.10, "client_interest": 0.05, "cluster_demand": 0.15,
         "partnerships": 0.05, "proximity": 0.05, "market_factors": 0.30, "fdi_connections": 0.05}),
}
