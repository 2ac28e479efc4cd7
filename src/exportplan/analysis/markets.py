"""Target country markets: the guide's eight factors, scored and explained (methods.md §5).

The entry point of the market modules; it re-exports their public names, so
callers (the workspace's :mod:`exportplan.ws.markets`, the country-file
readers) import ``exportplan.analysis.markets`` only. All are pure functions
(frames in, frames out; no I/O, no printing):

- :mod:`~exportplan.analysis.market_data`: the inputs (:class:`Sector`,
  :class:`MarketData`), the stable indicator keys and the user table's
  mapping onto them, value formats, and each country's latest values.
- :mod:`~exportplan.analysis.market_exports`: which exports by destination
  feed current markets, growth and demand, their measures and labels.
- :mod:`~exportplan.analysis.market_matrix`: countries x measures of the
  eight factors (:func:`build_market_matrix`; its docstring lists the
  measures per factor and the rules).
- :mod:`~exportplan.analysis.market_measures`: measures that need more than a
  country's latest value (market growth, one export-growth window, services).
- :mod:`~exportplan.analysis.market_rank`: the scored, robustness-checked
  ranking (:func:`rank_matrix`) and each country's reasons by factor.
- :mod:`~exportplan.analysis.market_explain`: why a country ranks where it
  does (:func:`explain`) and what single change would move it.
"""
from __future__ import annotations

# Re-exported: the public names of the market modules (and the factors' names).
from exportplan.analysis.market_data import (  # noqa: F401
    CEPII_LAT, CEPII_LON, CONTIGUOUS, COUNTRY_LAT, COUNTRY_LON, CPI, EASE, EXPORT_SCOPES, FTA, GDP, GDP_GROWTH,
    HOME, IP_SCORE, MERCH_IMPORTS, SERVICES_IMPORTS, SPECIAL301_DATASET, SPECIAL301_LEVELS, USER_INDICATORS,
    WGI_CC, WGI_RL, WGI_RQ, MarketData, Sector, canonical_country_values, count, ip_status, latest_values, money,
    sector_tag,
)
from exportplan.analysis.market_exports import (  # noqa: F401
    ExportMeasures, ExportSeries, Step, choose_exports, current_market_exports, export_measures, exports_label,
    sector_rows, source_text,
)
from exportplan.analysis.market_matrix import MarketMatrix, build_market_matrix, country_points, universe
from exportplan.analysis.market_rank import (
    COVERAGE_FLOOR, FACTOR_LABELS, MarketOutcome, RankMemo, factor_reasons, rank_matrix,
)
from exportplan.analysis.market_explain import _invert, explain, what_it_takes  # noqa: F401
from exportplan.analysis.weights import MARKET_FACTORS  # noqa: F401

__all__ = [
    "COVERAGE_FLOOR",
    "EXPORT_SCOPES",
    "FACTOR_LABELS",
    "HOME",
    "USER_INDICATORS",
    "ExportSeries",
    "MarketData",
    "MarketMatrix",
    "MarketOutcome",
    "RankMemo",
    "Sector",
    "build_market_matrix",
    "canonical_country_values",
    "choose_exports",
    "count",
    "country_points",
    "current_market_exports",
    "explain",
    "export_measures",
    "exports_label",
    "factor_reasons",
    "latest_values",
    "money",
    "rank_matrix",
    "sector_rows",
    "source_text",
    "universe",
    "what_it_takes",
]
