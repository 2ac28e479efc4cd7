"""Marks for printed tables: estimated values (``~``) and bounds-only values (``low..high``).

A table with bound columns (``employment_low``/``employment_high``,
``lq_low``/``lq_high``, ``growth_low``/``growth_high``; methods.md,
"Withheld cells: bounds and estimates") prints a value whose bounds are not
exact with a trailing ``~`` (it rests on estimated withheld cells), and a
missing value that has bounds as ``low..high``. Written files keep the numbers
and the bound columns as they are.
"""
from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

ESTIMATE_MARK = "~"
MARK_NOTE = ("~ marks a value that rests on withheld cells filled by an estimate (exact bounds in the *_low/*_high "
             "columns of the written table); low..high is shown where the bounds are too wide for a point value or "
             "no estimate was made (lq_note, growth_note say why).")


def bound_marks(df: pd.DataFrame, columns: Sequence[str]) -> tuple[dict, dict, bool]:
    """``(marks, ranges, any)`` for :func:`exportplan.output.tables.render_text_table`.

    For each printed column with ``{col}_low`` and ``{col}_high`` in ``df``:
    ``~`` where the value is present and its bounds are not exact (or open);
    ``(low, high)`` where the value is missing and a lower bound exists.
    """
    marks: dict[str, list[str]] = {}
    ranges: dict[str, list] = {}
    used = False
    for col in columns:
        low_col, high_col = f"{col}_low", f"{col}_high"
        if col not in df.columns or low_col not in df.columns or high_col not in df.columns:
            continue
        value, low, high = df[col], df[low_col], df[high_col]
        loose = low.notna() & (high.isna() | ((high - low).abs() > 1e-9 * (1.0 + high.abs())))
        mark = (value.notna() & loose).tolist()
        marks[col] = [ESTIMATE_MARK if m else "" for m in mark]
        ranges[col] = [(lo, None if pd.isna(hi) else hi) if pd.isna(v) and pd.notna(lo) else None
                       for v, lo, hi in zip(value, low, high)]
        used = used or any(mark) or any(r is not None for r in ranges[col])
    return marks, ranges, used


__all__ = ["ESTIMATE_MARK", "MARK_NOTE", "bound_marks"]
