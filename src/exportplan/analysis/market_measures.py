"""Market measures that need more than a country's latest value (methods.md §5).

Pure functions used by the market modules (:mod:`exportplan.analysis.markets`):

- **Who is a market**: U.S. territories (:data:`~exportplan.analysis.names.US_TERRITORIES`)
  are part of the United States, not foreign markets: :func:`foreign_markets`
  leaves them out and :func:`territories_note` names them.
- **Market growth**: :func:`average_growth` is each country's average real GDP
  growth (WDI ``NY.GDP.MKTP.KD.ZG``) over its last five reported years, a
  market indicator of its own (not the analysis window).
- **Export growth**: :func:`growth_window` picks ONE window for every country
  (the analysis window when the exports cover its years, else the latest
  window of the same length they allow, said in a note) and
  :func:`window_cagr` computes each country's CAGR over exactly that window.
- **Services demand**: :func:`is_services` tells services sectors (NAICS 48-49
  and 5x-9x, or a cluster made mostly of those codes), whose demand is never
  proxied by merchandise imports.
- **Reasons**: :func:`majority_value` finds the value most countries share on a
  measure (e.g. "Special 301: not listed"); a value shared by most countries
  says nothing about one of them and is never given as a reason.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from exportplan.analysis.window import PANDEMIC_YEAR
from exportplan.analysis.names import US_TERRITORIES

#: Years averaged for market growth (each country's last reported years).
GROWTH_YEARS = 5
#: WDI service imports (BoP, current US$): the demand proxy for services sectors.
SERVICES_IMPORTS = "BM.GSR.NFSV.CD"
#: A measure's value shared by more than this share of the countries observed on it is not a reason.
MAJORITY = 0.5


# --------------------------------------------------------------------------- who is a market

def foreign_markets(codes: Iterable[str]) -> tuple[list[str], list[str]]:
    """(codes that are foreign markets, U.S. territories left out), both sorted."""
    codes = sorted(set(codes))
    return [c for c in codes if c not in US_TERRITORIES], [c for c in codes if c in US_TERRITORIES]


def territories_note(left_out: Sequence[str]) -> str:
    """The note naming the U.S. territories left out ("" when none was in the data)."""
    if not left_out:
        return ""
    names = ", ".join(f"{US_TERRITORIES[c]} ({c})" for c in sorted(left_out, key=lambda c: US_TERRITORIES[c]))
    return (f"U.S. territories are part of the United States, not foreign markets, and are left out: {names}.")


# --------------------------------------------------------------------------- market growth

def average_growth(values: pd.DataFrame, indicator: str, year: int | None = None,
                   n: int = GROWTH_YEARS) -> tuple[pd.Series, pd.DataFrame]:
    """Each country's mean of ``indicator`` over its last ``n`` reported years (at or before ``year``).

    ``values``: canonical country values (iso3, indicator, year, value). A
    country with fewer than ``n`` reported years gets no value. Returns the
    means (index iso3) and the years used per country (first, last, count;
    every country with any value, so the caller can name who lacks some).
    """
    rows = values[(values["indicator"] == indicator) & (values["year"] > 0) & values["value"].notna()]
    if year is not None:
        rows = rows[rows["year"] <= year]
    last = rows.sort_values(["iso3", "year"], kind="stable").groupby("iso3", sort=True).tail(n)
    spans = last.groupby("iso3", sort=True).agg(first=("year", "min"), last=("year", "max"),
                                                count=("year", "size"), mean=("value", "mean"),
                                                provenance_id=("provenance_id", "max"))
    means = spans.loc[spans["count"] >= n, "mean"].astype("float64")
    return means, spans


def growth_span_text(spans: pd.DataFrame, n: int = GROWTH_YEARS,
                     universe: Sequence[str] | None = None) -> tuple[str, str, list[str]]:
    """(the years most countries' averages cover, e.g. "2021-2025"; a note on the others, or ""; stale codes).

    ``universe``: the countries in play (others are not named in the note).
    A country whose last reported years all lie before the common five years
    (e.g. 2005-2009 against 2021-2025) is stale: it describes another era,
    so the caller leaves it without a value, and the note says so.
    """
    if universe is not None:
        spans = spans[spans.index.isin(universe)]
    full = spans[spans["count"] >= n]
    if full.empty:
        return "", "", []
    pairs = full.groupby(["first", "last"]).size().rename("n").reset_index()
    # the most common five years; a tie goes to the later years
    first, last = pairs.sort_values(["n", "last", "first"], ascending=False).iloc[0][["first", "last"]]
    common = f"{int(first)}-{int(last)}"
    stale = full[full["last"] < first]
    full = full[full["last"] >= first]
    other = full[(full["first"] != first) | (full["last"] != last)]
    parts = []
    if len(other):
        ends = other["last"].astype(int)
        span = f"{ends.min()}" + (f"-{ends.max()}" if ends.max() != ends.min() else "")
        verb = "averages" if len(other) == 1 else "average"
        parts.append(f"{len(other)} {_plural(len(other))} ({codes_text(other.index)}) {verb} {n} years "
                     f"ending {span}")
    if len(stale):
        ends = stale["last"].astype(int)
        span = f"{ends.min()}" + (f"-{ends.max()}" if ends.max() != ends.min() else "")
        parts.append(f"{len(stale)} {_plural(len(stale))} whose last reported years end before {int(first)} "
                     f"({codes_text(stale.index)}, ending {span}) {_have(len(stale))} no market growth")
    short = spans[spans["count"] < n]
    if len(short):
        parts.append(f"{len(short)} {_plural(len(short))} with fewer than {n} reported years "
                     f"({codes_text(short.index)}) {_have(len(short))} no market growth")
    return common, "; ".join(parts), [str(c) for c in stale.index]


# --------------------------------------------------------------------------- export growth

def growth_window(years: Iterable[int], length: int,
                  wanted: tuple[int | None, int | None] | None = None) -> tuple[int | None, int | None, str]:
    """One window (start, end) for every country's export growth, and a note when it is not ``wanted``.

    ``years``: the years the exports data have rows in; ``length``: the
    window in years (``analysis.window``); ``wanted``: the analysis window
    (start may be None when the analysis has no start year: ``end - length``
    is then wanted). When the exports have rows in both wanted years those
    are used; otherwise the latest pair ``(end - length, end)`` they have,
    else their earliest and latest years (a shorter window). (None, None)
    when fewer than two years are loaded.
    """
    have = sorted({int(y) for y in years})
    length = max(int(length), 1)
    if len(have) < 2:
        return None, None, ""
    want = None
    if wanted is not None and wanted[1] is not None:
        end = int(wanted[1])
        want = (int(wanted[0]) if wanted[0] is not None else end - length, end)
        if want[0] in have and want[1] in have and want[0] < want[1]:
            return want[0], want[1], ""
    start, end = next(((e - length, e) for e in reversed(have) if e - length in have), (have[0], have[-1]))
    if want is None:
        return start, end, ""
    lacking = [str(y) for y in want if y not in have]
    why = f"they have no rows for {' or '.join(lacking)}" if lacking else "the window is empty"
    return start, end, (f"export growth uses {start}-{end} for every country, not the analysis window "
                        f"{want[0]}-{want[1]}: {why} (exports loaded for {have[0]}-{have[-1]})")


def window_cagr(rows: pd.DataFrame, start: int, end: int) -> pd.DataFrame:
    """CAGR from ``start`` to ``end`` per country (index iso3): exports_cagr, growth_start, growth_end.

    ``rows``: iso3, year, value_usd. A country needs a positive value in
    ``start`` and a value in ``end``; otherwise its growth is missing (never
    taken from another year).
    """
    at = rows[rows["value_usd"].notna()]
    then = at[at["year"] == start].groupby("iso3")["value_usd"].sum()
    now = at[at["year"] == end].groupby("iso3")["value_usd"].sum()
    both = pd.concat([then.rename("then"), now.rename("now")], axis=1)
    ok = (both["then"] > 0) & both["now"].notna() & (both["now"] >= 0)
    cagr = pd.Series(np.nan, index=both.index, dtype="float64")
    cagr[ok] = (both.loc[ok, "now"] / both.loc[ok, "then"]) ** (1.0 / (end - start)) - 1.0
    out = both.assign(exports_cagr=cagr)[["exports_cagr", "then", "now"]]
    return out.rename(columns={"then": "growth_start", "now": "growth_end"})


def growth_gaps(growth: pd.DataFrame, universe: Sequence[str], start: int, end: int) -> str:
    """Which countries with exports in either window year have no growth, and why ("" when none).

    ``growth``: :func:`window_cagr`'s columns (index iso3).
    """
    g = growth[growth.index.isin(universe)]
    g = g[g["growth_start"].notna() | g["growth_end"].notna()]
    missing = g[g["exports_cagr"].isna()]
    if missing.empty:
        return ""
    no_start = missing["growth_start"].isna()
    zero = missing["growth_start"].notna() & (missing["growth_start"] <= 0)
    no_end = missing["growth_start"].notna() & ~zero
    why = [f"{int(no_start.sum())} without a {start} row" if no_start.any() else "",
           f"{int(zero.sum())} with zero exports in {start}" if zero.any() else "",
           f"{int(no_end.sum())} without a {end} row" if no_end.any() else ""]
    return (f"export growth {start}-{end} could not be computed for {len(missing)} of {len(g)} countries with "
            f"exports in either year ({codes_text(missing.index)}): {' and '.join(w for w in why if w)}")


# --------------------------------------------------------------------------- services

def is_services_naics(code: str) -> bool:
    """NAICS 48-49 (transportation) and 5x-9x (information, finance, insurance, professional, ... services)."""
    code = str(code).strip()
    return code[:2] in ("48", "49") or code[:1] in ("5", "6", "7", "8", "9")


def is_services(naics: Sequence[str]) -> bool:
    """True when most of a sector's NAICS codes are services codes (a cluster such as Insurance Services)."""
    codes = [c for c in naics if str(c).strip()]
    return bool(codes) and sum(is_services_naics(c) for c in codes) * 2 > len(codes)


# --------------------------------------------------------------------------- reasons

def majority_value(values: np.ndarray, share: float = MAJORITY) -> float | None:
    """The value more than ``share`` of the observed values are equal to (None when there is none)."""
    seen = values[~np.isnan(values)]
    if seen.size < 2:
        return None
    uniq, counts = np.unique(seen, return_counts=True)
    top = int(np.argmax(counts))
    return float(uniq[top]) if counts[top] > share * seen.size else None


# --------------------------------------------------------------------------- text

def _plural(n: int) -> str:
    return "country" if n == 1 else "countries"


def _have(n: int) -> str:
    return "has" if n == 1 else "have"


def codes_text(codes: Iterable[str], limit: int = 8) -> str:
    """"AAA, BBB, ... and 3 more"."""
    codes = list(codes)
    return ", ".join(codes[:limit]) + (f" and {len(codes) - limit} more" if len(codes) > limit else "")


__all__ = ["GROWTH_YEARS", "MAJORITY", "PANDEMIC_YEAR", "SERVICES_IMPORTS", "average_growth", "codes_text", "foreign_markets",
           "growth_gaps", "growth_span_text", "growth_window", "is_services", "is_services_naics",
           "majority_value", "territories_note", "window_cagr"]
