"""Flags, reasons and tiers on values that rest on withheld cells (methods.md, "Withheld cells").

An LQ (or employment) summed over withheld QCEW cells has exact bounds
(``lq_low``/``lq_high``, :mod:`exportplan.analysis.withheld`) next to a point
estimate. A yes/no judgement on such a value is made on its bounds, never on
the estimate alone:

- **Strong-cluster flags are tri-state.** Every flag rule rises with the LQ
  (and with employment, the size test), so a flag is True when it holds at
  the low ends of the bounds, False when it fails at the high ends, and null
  (*uncertain*) when the bounds straddle the threshold; ``strong_note`` says
  why. An exact value (no bounds, or equal bounds) decides as before.
- **Reasons** that cite an estimated value say so and give its bounds, e.g.
  ``"LQ ~2.08 (estimate, bounds 1.54-2.82, highest of 35)"``; an uncertain
  strong flag is missing data for the ranking (never counted as strong) and
  the reason says ``"strong cluster: uncertain (LQ bounds 0.13-15.21)"`` when
  it does not already cite the LQ with its bounds.
- **Tier conditions** on a bounded column hold or fail only when they do so at
  both ends of the bounds (:func:`bounded_test`); otherwise the condition is
  uncertain and its rule does not apply.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd
import polars as pl

#: An open upper bound, as a number the flag rules can compare.
OPEN = 1e18
NOTE_COLUMN = "strong_note"
#: Measures of the sector ranking whose raw value can rest on withheld cells, and their bound columns.
BOUNDED_MEASURES = {"lq": ("lq_low", "lq_high"), "employment": ("employment_low", "employment_high"),
                    "regional_growth": ("cagr_low", "cagr_high")}


def _has(frame: pl.DataFrame, col: str) -> bool:
    return col in frame.columns


def ends(frame: pl.DataFrame, value: str) -> tuple[pl.Expr, pl.Expr]:
    """The low and high ends ``value`` may take: its bounds where it has them, else the value itself (exact).

    An open upper bound is :data:`OPEN`. Without ``{value}_low`` in ``frame``
    both ends are the value.
    """
    v = pl.col(value)
    if not _has(frame, f"{value}_low") or not _has(frame, f"{value}_high"):
        return v, v
    low, high = pl.col(f"{value}_low"), pl.col(f"{value}_high")
    return (pl.when(low.is_not_null()).then(low).otherwise(v),
            pl.when(low.is_not_null()).then(high.fill_null(OPEN)).otherwise(v))


def two_dec(x: pl.Expr) -> pl.Expr:
    """A non-negative number as text with two decimals ('1.50'); 'open' for :data:`OPEN`."""
    cents = (x * 100).round(0).cast(pl.Int64)
    text = pl.format("{}.{}", (cents // 100).cast(pl.String), (cents % 100).cast(pl.String).str.zfill(2))
    return pl.when(x >= OPEN / 10).then(pl.lit("open")).otherwise(text)


def bounds_text(frame: pl.DataFrame, value: str = "lq", sep: str = "..") -> pl.Expr:
    low, high = ends(frame, value)
    return pl.format("{}{}{}", two_dec(low), pl.lit(sep), two_dec(high))


def fallback_flags(frame: pl.DataFrame, threshold: float, traded: pl.Expr) -> dict[str, pl.Expr]:
    """``strong`` and ``strong_note`` for the LQ >= threshold fallback, decided on the LQ's bounds."""
    low, high = ends(frame, "lq")
    known = traded & low.is_not_null()
    strong = pl.when(known & (low >= threshold)).then(True).when(known & (high < threshold)).then(False)
    note = pl.when(known & (low < threshold) & (high >= threshold)).then(
        pl.format("uncertain: LQ bounds {} straddle {}", bounds_text(frame), pl.lit(f"{threshold:g}")))
    return {"strong": strong.otherwise(None).cast(pl.Boolean), NOTE_COLUMN: note.otherwise(None).cast(pl.String)}


def combine_ends(low: pl.DataFrame, high: pl.DataFrame, flags: Sequence[str], key: str) -> pl.DataFrame:
    """Peer flags computed with the region at the low and at the high ends of its bounds, made tri-state.

    Both frames hold ``key``, the flags and the thresholds of
    :func:`exportplan.analysis.clusters.cluster_flags` (``low`` also the
    region's LQ and employment ends as ``_lq_lo, _lq_hi, _emp_lo, _emp_hi``).
    A flag equal at both ends keeps that value; one that differs is null,
    and ``strong_note`` names the uncertain flags and the bounds.
    """
    hi = high.select(key, *[pl.col(f).alias(f"_{f}_hi") for f in flags])
    out = low.join(hi, on=key, how="left")
    differ = {f: pl.col(f).is_not_null() & pl.col(f"_{f}_hi").is_not_null() & (pl.col(f) != pl.col(f"_{f}_hi"))
              for f in flags}
    names = pl.concat_list([pl.when(differ[f]).then(pl.lit(f)) for f in flags]).list.drop_nulls()
    lq_text = pl.format("{}..{}", two_dec(pl.col("_lq_lo")), two_dec(pl.col("_lq_hi")))
    size = pl.col("_emp_lo") != pl.col("_emp_hi")
    emp_text = pl.when(size).then(pl.format(", employment bounds {}..{}", pl.col("_emp_lo").round(0).cast(pl.Int64),
                                            pl.when(pl.col("_emp_hi") >= OPEN / 10).then(pl.lit("open"))
                                            .otherwise(pl.col("_emp_hi").round(0).cast(pl.Int64).cast(pl.String))))
    thresh = pl.when(pl.col("lq_p75").is_not_null()).then(
        pl.format(" (strong: LQ at least 1 and at least the peers' P75, {}, with employment and establishments "
                  "above the peers' P25)", two_dec(pl.col("lq_p75").clip(0.0, None)))).otherwise(pl.lit(""))
    note = pl.when(names.list.len() > 0).then(pl.format(
        "uncertain: {}: LQ bounds {}{} straddle the peer thresholds{}", names.list.join(", "), lq_text,
        emp_text.fill_null(""), thresh))
    return out.with_columns(**{f: pl.when(differ[f]).then(None).otherwise(pl.col(f)) for f in flags},
                            **{NOTE_COLUMN: note}).drop([f"_{f}_hi" for f in flags])


def flag_notes(df: pd.DataFrame, noun: str = "cluster") -> list[str]:
    """A table note counting the uncertain strong-cluster flags, or none."""
    if NOTE_COLUMN not in df.columns:
        return []
    n = int(df[NOTE_COLUMN].notna().sum())
    if not n:
        return []
    shown = "; ".join(str(x) for x in df.loc[df[NOTE_COLUMN].notna(), "cluster_name"].head(6)) \
        if "cluster_name" in df.columns else ""
    more = f" and {n - 6} more" if n > 6 else ""
    return [f"{n} {noun} flag(s) are uncertain{': ' + shown + more if shown else ''}: the LQ rests on withheld "
            "cells and its exact bounds straddle the flag's threshold (column strong_note), so the flag is left "
            "blank, neither strong nor not strong; a flag is set only when it holds at both ends of the bounds."]


# --------------------------------------------------------------------------- reasons

def _num(value) -> float:
    x = pd.to_numeric(value, errors="coerce")
    return float(x) if pd.notna(x) else math.nan


def loose(low: float, high: float) -> bool:
    """True when bounds exist and are not exact (an open high is loose)."""
    if math.isnan(low):
        return False
    return math.isnan(high) or abs(high - low) > 1e-9 * (1.0 + abs(high))


def span_text(low_text: str, high_text: str) -> str:
    """``'0.13-15.21'``; with a unit, ``'+0.5% to +2.0% a year'`` (the unit said once)."""
    if " " in low_text and " " in high_text:
        (a, unit), (b, unit_b) = low_text.split(" ", 1), high_text.split(" ", 1)
        if unit == unit_b:
            return f"{a} to {b} {unit}"
        return f"{low_text} to {high_text}"
    return f"{low_text}-{high_text}"


def _bound_range(crit, low: float, high: float) -> str:
    return f"at least {crit.format_value(low)}" if math.isnan(high) else \
        span_text(crit.format_value(low), crit.format_value(high))


def mark_reason(reason: str, row: pd.Series, criteria: Sequence) -> str:
    """``reason`` with each cited estimated value marked ``~`` and its bounds given; an uncertain strong flag said.

    ``row`` holds ``raw_<key>`` and the bound columns of :data:`BOUNDED_MEASURES`
    (and ``strong_note``); ``criteria`` the ranking's criteria (labels, formats).
    """
    parts = str(reason).split("; ")
    crits = {c.key: c for c in criteria}
    lq_cited = False
    for key, (lo_col, hi_col) in BOUNDED_MEASURES.items():
        crit = crits.get(key)
        if crit is None or lo_col not in row.index or hi_col not in row.index:
            continue
        raw, low, high = _num(row.get(f"raw_{key}")), _num(row[lo_col]), _num(row[hi_col])
        if math.isnan(raw) or not loose(low, high):
            continue
        cited = crit.describe(raw)
        for k, part in enumerate(parts):
            at = part.find(cited)
            rest = part[at + len(cited):] if at >= 0 else ""
            if at < 0 or (rest and not rest.startswith(" (")):
                continue
            inner = f"estimate, bounds {_bound_range(crit, low, high)}"  # no ';': it separates a reason's parts
            rest = f" ({inner}, {rest[2:]}" if rest else f" ({inner})"
            parts[k] = f"{part[:at]}{crit.label} ~{crit.format_value(raw)}{rest}"
            lq_cited = lq_cited or key == "lq"
    note = row.get(NOTE_COLUMN) if NOTE_COLUMN in row.index else None
    if "strong" in crits and isinstance(note, str) and note and not lq_cited:
        low, high = _num(row.get("lq_low")), _num(row.get("lq_high"))
        text = f"{crits['strong'].label}: uncertain"
        if not math.isnan(low):
            text += (f" (LQ at least {low:.2f}, no upper bound)" if math.isnan(high)
                     else f" (LQ bounds {low:.2f}-{high:.2f})")
        parts.append(text)
    return "; ".join(p for p in parts if p)


def value_text(crit, raw, row: pd.Series) -> str:
    """A measure's raw value as text for an explanation: ``~1.40 (estimate, bounds 0.13-15.21)`` for an
    estimate, ``uncertain (LQ bounds ...)`` for an uncertain strong flag, else the plain formatted value."""
    cols = BOUNDED_MEASURES.get(crit.key)
    x = _num(raw)
    if cols and not math.isnan(x) and all(c in row.index for c in cols):
        low, high = _num(row[cols[0]]), _num(row[cols[1]])
        if loose(low, high):
            return f"~{crit.format_value(x)} (estimate, bounds {_bound_range(crit, low, high)})"
    note = row.get(NOTE_COLUMN) if NOTE_COLUMN in row.index else None
    if crit.key == "strong" and math.isnan(x) and isinstance(note, str) and note:
        low, high = _num(row.get("lq_low")), _num(row.get("lq_high"))
        if not math.isnan(low):
            return "uncertain (LQ " + (f"at least {low:.2f}, no upper bound)" if math.isnan(high)
                                       else f"bounds {low:.2f}-{high:.2f})")
        return "uncertain"
    return crit.format_value(raw)


# --------------------------------------------------------------------------- tiers

def bounded_test(cond, row: pd.Series, x: float, threshold: float, show=None,
                 show_threshold: str | None = None) -> tuple[bool | None, str]:
    """A tier condition tested on the bounds of its column when the row has them.

    Returns ``(result, text)``: ``result`` True/False when the condition holds
    (fails) at both ends of the bounds, or at the exact value; None when the
    value is missing *or* the bounds straddle the threshold (then ``text``
    says so, e.g. "LQ ~1.05 uncertain (bounds 0.88-1.65 straddle 1.00)"; else
    ``text`` is ''). ``show`` formats a value of the column, ``show_threshold``
    is the threshold as text (default: two decimals).
    """
    lo_col, hi_col = f"{cond.column}_low", f"{cond.column}_high"
    low = _num(row[lo_col]) if lo_col in row.index else math.nan
    high = _num(row[hi_col]) if hi_col in row.index else math.nan
    if not loose(low, high):
        return cond.test(x, threshold), ""
    top = OPEN if math.isnan(high) else high
    a, b = cond.test(low, threshold), cond.test(top, threshold)
    if a is not None and a == b:
        return a, ""
    if a is None or b is None:
        return None, ""
    show = show or (lambda v: f"{v:.2f}")
    point = f" ~{show(x)}" if not math.isnan(x) else ""
    span = f"at least {show(low)}" if math.isnan(high) else span_text(show(low), show(high))
    return None, f"{cond.label}{point} uncertain (bounds {span} straddle {show_threshold or show(threshold)})"


__all__ = ["BOUNDED_MEASURES", "NOTE_COLUMN", "OPEN", "bounded_test", "bounds_text", "combine_ends", "ends",
           "fallback_flags", "flag_notes", "loose", "mark_reason", "span_text", "two_dec", "value_text"]
