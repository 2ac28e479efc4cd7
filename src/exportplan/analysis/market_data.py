"""Target country markets: what the ranking reads, and the country values it is built from.

Pure definitions and functions for :mod:`exportplan.analysis.markets`: the
stable indicator keys of the store's ``country_values`` table and the user
table's mapping onto them (:data:`USER_INDICATORS`), the value formats of the
measures (:func:`money`, :func:`count`, :func:`ip_status`), the inputs
(:class:`Sector`, :class:`MarketData`) and each country's latest value of an
indicator (:func:`canonical_country_values`, :func:`latest_values`).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from exportplan.analysis import market_measures as mm_

HOME = "USA"
EXPORT_SCOPES = ("region", "state", "nation")

# Stable indicator keys in the store's country_values table.
GDP = "NY.GDP.MKTP.CD"
GDP_GROWTH = "NY.GDP.MKTP.KD.ZG"
MERCH_IMPORTS = "TM.VAL.MRCH.CD.WT"
EASE = "IC.BUS.EASE.XQ"
WGI_CC = "CC.EST"
WGI_RL = "RL.EST"
WGI_RQ = "RQ.EST"
SERVICES_IMPORTS = mm_.SERVICES_IMPORTS
CPI = "cpi_score"
IP_SCORE = "special301_ip_score"
CEPII_LAT, CEPII_LON = "cepii_lat", "cepii_lon"
COUNTRY_LAT, COUNTRY_LON = "country_lat", "country_lon"
CONTIGUOUS = "contiguous_us"
FTA = "us_fta"

#: The user's wide country-table columns (:data:`exportplan.imports.tables.INDICATORS`)
#: -> the stable keys the publishers' files are stored under.
USER_INDICATORS: dict[str, str] = {
    "gdp_usd": GDP, "gdp_growth_pct": GDP_GROWTH, "gdp_per_capita_usd": "NY.GDP.PCAP.CD",
    "imports_pct_gdp": "NE.IMP.GNFS.ZS", "merch_imports_usd": MERCH_IMPORTS,
    "population": "SP.POP.TOTL", "fdi_inflows_usd": "BX.KLT.DINV.CD.WD",
    "control_of_corruption": WGI_CC, "rule_of_law": WGI_RL, "regulatory_quality": WGI_RQ,
    "cpi_score": CPI, "doing_business_rank": EASE, "special301": IP_SCORE,
    "lat": COUNTRY_LAT, "lon": COUNTRY_LON, "contiguous_us": CONTIGUOUS, "fta_partner": FTA,
}
#: The user table's Special 301 levels (0 none ... 3 PFC) -> (IP score, status), as
#: :data:`exportplan.sources.special301.IP_SCORES`.
SPECIAL301_LEVELS = {0: (1.0, "none"), 1: (0.5, "watch_list"), 2: (0.25, "priority_watch_list"),
                     3: (0.0, "priority_foreign_country")}
_IP_TEXT = {1.0: "not listed", 0.5: "Watch List", 0.25: "Priority Watch List",
            0.0: "Priority Foreign Country"}
SPECIAL301_DATASET = "Special 301 Report status"  # as exportplan.sources.special301.DATASET


# --------------------------------------------------------------------------- formats

def money(value: float) -> str:
    """US dollars in a short form: $1.23tn, $4.56bn, $7.8m, $12,345."""
    size = abs(value)
    for limit, unit in ((1e12, "tn"), (1e9, "bn"), (1e6, "m")):
        if size >= limit:
            return f"${value / limit:,.2f}{unit}" if limit > 1e6 else f"${value / limit:,.1f}{unit}"
    return f"${value:,.0f}"


def count(value: float) -> str:
    """A (weighted) count: whole numbers without decimals, others with one."""
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def ip_status(value: float) -> str:
    """A Special 301 IP score as the USTR list it stands for."""
    return _IP_TEXT.get(round(float(value), 2), f"score {value:.2f}")


# --------------------------------------------------------------------------- inputs

@dataclass(frozen=True)
class Sector:
    """A sector for the per-sector view or the priority list: code, name and its NAICS codes."""

    code: str
    name: str
    naics: tuple[str, ...]
    kind: str = "naics"


def sector_tag(sector: Sector) -> str:
    """How a sector is named in labels: "NAICS 336" or the cluster's name."""
    return f"NAICS {sector.code}" if sector.kind == "naics" else sector.name


@dataclass(frozen=True)
class MarketData:
    """What the market ranking reads, as stored in the workspace.

    ``countries``: iso3, indicator, year (0 = no year), value, value_text,
    provenance_id (keys as stored; :func:`canonical_country_values` maps the
    user-table names). ``exports``: scope, area, iso3, naics ('' = all goods),
    year, value_usd, provenance_id. ``partnerships`` (iso3, strength, ...),
    ``fdi`` (iso3, establishments, ...), ``survey`` (iso3, weight, ...):
    the stored tables. ``provenance``: the provenance table (id, publisher,
    dataset, vintage, source, ...). ``centre``: the region's (lat, lon) or None,
    described by ``centre_note``. ``fta_partners``: countries with a U.S. FTA
    in force (e.g. the shipped USTR list, :func:`exportplan.sources.fta.us_fta_partners`),
    described by ``fta_source``; an imported ``us_fta`` flag overrides it.
    ``growth_window``: the analysis window (start, end) export growth should
    use (start None: ``end - window``), described by ``window_text``; None
    uses the exports' own latest window. ``doing_business``: include the
    discontinued Doing Business rank (an explicit choice; never by default).
    """

    countries: pd.DataFrame
    exports: pd.DataFrame
    partnerships: pd.DataFrame
    fdi: pd.DataFrame
    survey: pd.DataFrame
    provenance: pd.DataFrame
    centre: tuple[float, float] | None = None
    centre_note: str = ""
    state: str = ""
    window: int = 5
    year: int | None = None
    fta_partners: frozenset[str] = frozenset()
    fta_source: str = ""
    growth_window: tuple[int | None, int | None] | None = None
    window_text: str = ""
    doing_business: bool = False



# --------------------------------------------------------------------------- country values

def canonical_country_values(values: pd.DataFrame) -> pd.DataFrame:
    """Stored country values with the user table's names mapped to the stable keys.

    Special 301 levels of the user table (0-3) become IP scores (1.0 ... 0.0)
    with the status in ``value_text``. When two rows share iso3, indicator
    and year the one with the higher ``provenance_id`` (the later import) is
    kept. Rows without a value are dropped.
    """
    cols = ["iso3", "indicator", "year", "value", "value_text", "provenance_id"]
    if values.empty:
        return pd.DataFrame({c: pd.Series(dtype="float64" if c == "value" else "object") for c in cols})
    out = values[cols].copy()
    out["value"] = pd.to_numeric(out["value"], errors="coerce").astype("float64")
    out = out[out["value"].notna()]
    user_ip = out["indicator"] == "special301"
    out["indicator"] = out["indicator"].map(lambda k: USER_INDICATORS.get(k, k))
    levels = out.loc[user_ip, "value"].round().astype(int)
    out.loc[user_ip, "value"] = levels.map(lambda v: SPECIAL301_LEVELS.get(v, (np.nan, ""))[0])
    out.loc[user_ip, "value_text"] = levels.map(lambda v: SPECIAL301_LEVELS.get(v, (np.nan, ""))[1])
    out["year"] = out["year"].fillna(0).astype(int)
    out = out[out["value"].notna()]
    out = out.sort_values("provenance_id", kind="stable").drop_duplicates(
        ["iso3", "indicator", "year"], keep="last")
    return out.sort_values(["indicator", "iso3", "year"], ignore_index=True)


def latest_values(values: pd.DataFrame, indicator: str, year: int | None = None) -> pd.DataFrame:
    """Each country's latest value of ``indicator`` (at or before ``year``; year 0 always counts).

    Index iso3; columns value, year, provenance_id, value_text.
    """
    rows = values[values["indicator"] == indicator]
    if year is not None:
        rows = rows[(rows["year"] <= year) | (rows["year"] == 0)]
    latest = rows.sort_values("year", kind="stable").drop_duplicates("iso3", keep="last")
    return latest.set_index("iso3")[["value", "year", "provenance_id", "value_text"]]


__all__ = ["CEPII_LAT", "CEPII_LON", "CONTIGUOUS", "COUNTRY_LAT", "COUNTRY_LON", "CPI", "EASE", "EXPORT_SCOPES", "FTA",
           "GDP", "GDP_GROWTH", "HOME", "IP_SCORE", "MERCH_IMPORTS", "SERVICES_IMPORTS", "SPECIAL301_DATASET",
           "SPECIAL301_LEVELS", "USER_INDICATORS", "WGI_CC", "WGI_RL", "WGI_RQ", "MarketData", "Sector",
           "canonical_country_values", "count", "ip_status", "latest_values", "money", "sector_tag"]
