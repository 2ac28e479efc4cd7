"""Bounds on the bubble chart: estimates are never drawn as firm.

Where withheld cells make a value an estimate, the table carries exact
bounds (``lq_low``/``lq_high``, see methods.md, "Withheld cells"). The
bubble chart draws them:

- a bubble whose x rests on estimates (bounds not equal) gets a thin
  horizontal whisker from its low to its high bound;
- a row with only bounds (too wide for a point value) is drawn as a
  horizontal bound line at its y, with no bubble.

Both are clipped to the axis. An end that is cut by the axis, or a bound
that is open (missing, or 0 or less on a log axis), ends in an arrowhead
instead of a cap. The x axis spans the bubbles and the bound lines'
midpoints, widened for the bounds only so far (:data:`MAX_WIDEN`), so one
very wide bound cannot squeeze the rest of the chart.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from exportplan.output.chartdata import numbers

WHISKER = {"color": "#444444", "linewidth": 0.9, "alpha": 0.8, "zorder": 0.9}  # under the bubbles
BOUND_LINE = {"linewidth": 1.2, "alpha": 0.6, "zorder": 0.95, "solid_capstyle": "butt"}
MARGIN = 0.08  # of the span, each side, as ax.margins
MAX_WIDEN = 0.25  # bounds widen the x axis by at most this share of its span on each side
_EXACT = 1e-9


def bound_columns(df: pd.DataFrame, x: str, bounds: tuple[str, str] | None = None) -> tuple[str, str] | None:
    """The (low, high) bound columns of ``x`` in ``df`` (default ``<x>_low``/``<x>_high``), or None."""
    low, high = bounds or (f"{x}_low", f"{x}_high")
    return (low, high) if low in df.columns and high in df.columns else None


def estimated_mask(df: pd.DataFrame, x: str, cols: tuple[str, str] | None) -> np.ndarray:
    """Rows whose point ``x`` rests on estimates: some bound differs from it (or one is open)."""
    if cols is None or not len(df):
        return np.zeros(len(df), dtype=bool)
    value = numbers(df, x).to_numpy(float)
    low, high = (numbers(df, c).to_numpy(float) for c in cols)
    given = ~np.isnan(low) | ~np.isnan(high)
    tol = _EXACT * np.maximum(np.abs(value), 1.0)
    with np.errstate(invalid="ignore"):
        differs = ~(np.abs(low - value) <= tol) | ~(np.abs(high - value) <= tol)
    return given & differs & ~np.isnan(value)


def _fwd(v, log):
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.log10(v) if log else np.asarray(v, float)


def _inv(v, log):
    return 10.0 ** v if log else v


def midpoints(low: np.ndarray, high: np.ndarray, log: bool) -> np.ndarray:
    """Where a bound line's label and marker sit: the midpoint of its finite ends (geometric on a log axis)."""
    lo, hi = _fwd(low, log), _fwd(high, log)
    lo = np.where(np.isfinite(lo), lo, hi)
    hi = np.where(np.isfinite(hi), hi, lo)
    return _inv((lo + hi) / 2, log)


def x_limits(core: np.ndarray, lows: np.ndarray, highs: np.ndarray, log: bool) -> tuple[float, float]:
    """The x axis range: the ``core`` values (the bubbles, or without any the bound-line midpoints) with margins,
    widened to the bounds by at most :data:`MAX_WIDEN` of the span on each side."""
    c = _fwd(core, log)
    c = c[np.isfinite(c)]
    lo, hi = float(c.min()), float(c.max())
    span = hi - lo or (1.0 if log else max(abs(hi), 1.0)) * 0.5
    lo, hi = lo - MARGIN * span, hi + MARGIN * span
    b = np.concatenate([_fwd(lows, log), _fwd(highs, log)])
    b = b[np.isfinite(b)]
    if len(b):
        lo = max(min(lo, float(b.min()) - 0.02 * span), lo - MAX_WIDEN * span)
        hi = min(max(hi, float(b.max()) + 0.02 * span), hi + MAX_WIDEN * span)
    return _inv(lo, log), _inv(hi, log)


def draw_range(ax, low: float, high: float, y: float, xlim: tuple[float, float], *, log: bool, gid: str,
               style: dict, cap: float) -> list:
    """One horizontal range at ``y`` from ``low`` to ``high``, clipped to ``xlim``.

    A closed end inside the axis gets a cap (``|``); an open end (NaN, or 0
    or less on a log axis) or one cut by the axis gets an arrowhead at the
    axis edge. Returns the lines drawn (the range's gid is ``gid``).
    """
    x0, x1 = xlim
    open_lo = not math.isfinite(low) or (log and low <= 0)
    open_hi = not math.isfinite(high)
    a = x0 if open_lo or low < x0 else low
    b = x1 if open_hi or high > x1 else high
    if b < a:
        return []
    kw = {k: v for k, v in style.items() if k != "solid_capstyle"}
    kw.pop("linewidth", None)
    line, = ax.plot([a, b], [y, y], scalex=False, scaley=True, gid=gid, **style)
    out = [line]
    for end, cut, marker in ((a, open_lo or low < x0, "<"), (b, open_hi or high > x1, ">")):
        mark, = ax.plot([end], [y], marker=marker if cut else "|", markersize=cap * (0.8 if cut else 1.0),
                        markeredgewidth=style.get("linewidth", 1.0) * (0.5 if cut else 0.9), linestyle="none",
                        scalex=False, scaley=False, gid=f"{gid}-{'open' if cut else 'end'}", **kw)
        out.append(mark)
    return out
