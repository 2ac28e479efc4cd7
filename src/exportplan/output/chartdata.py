"""What a chart can draw from a table, and what it says about the rest.

A chart is never written blank: when a table has nothing to draw, the
chart functions raise :class:`ChartNotDrawn` (an ExportPlanError) with the
reason, before any file is written; the CLI prints the reason and goes on.
When a dimension is missing for every row (no growth when only one year
is loaded) the bubble chart falls back to a chart that can be drawn and
says so. Rows left out are counted in the footer, by reason.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from exportplan.errors import ExportPlanError

SHORT = {"lq": "LQ"}
OWNERSHIPS = {"0": "all ownerships", "1": "federal government", "2": "state government",
              "3": "local government", "4": "international government", "5": "private ownership",
              "8": "all government", "9": "private and government"}
_SENTENCE_END = re.compile(r"(?<=[a-z0-9)])\.\s+(?=[A-Z])")
_SINGULAR = {"industries": "industry", "clusters": "cluster", "countries": "country", "sectors": "sector",
             "alternatives": "alternative", "markets": "market"}


class ChartNotDrawn(ExportPlanError):
    """A chart with nothing to draw: no file is written, and the message says why.

    ``written`` holds the files of other charts the same call did draw
    (e.g. the sector ranking's contribution chart when its bubble chart
    has no data).
    """

    def __init__(self, reason: str, written: Iterable[Path] = ()):
        super().__init__(reason)
        self.written = list(written)


def chart_lines(draw: Callable[[], Sequence[Path]], what: str = "Chart") -> list[str]:
    """'Wrote FILE' for each file ``draw()`` writes, or why it wrote none (for the CLI to print)."""
    try:
        return [f"Wrote {p}" for p in draw()]
    except ChartNotDrawn as exc:
        return [f"Wrote {p}" for p in exc.written] + [f"{what} not drawn: {exc}"]


def top_note_heads(meta: Mapping | None) -> list[str]:
    """The first sentence of each note the table prints at its top (e.g. NO REFERENCE DATA FOR 2020: ...)."""
    return [_SENTENCE_END.split(str(n), maxsplit=1)[0].rstrip(".") + "." for n in (meta or {}).get("top_notes") or []]


def one_level(df: pd.DataFrame, column: str = "level") -> tuple[pd.DataFrame, list[str]]:
    """An industries table of several NAICS levels cut to its broadest level, and a note saying so.

    A bubble per industry of every level would count each job up to five
    times (a sector and its subsectors side by side), so a mixed table is
    charted at one level only.
    """
    if column not in df.columns:
        return df, []
    levels = sorted(int(v) for v in pd.to_numeric(df[column], errors="coerce").dropna().unique())
    if len(levels) < 2:
        return df, []
    top = levels[0]
    note = (f"Shown: {top}-digit NAICS industries only (the table has levels {levels[0]}-{levels[-1]}, which "
            f"would count each job more than once); use --level to chart another level.")
    return df[pd.to_numeric(df[column], errors="coerce") == top].reset_index(drop=True), [note]


def plural(n: int, noun: str) -> str:
    """'1 industry', '3 industries'."""
    return f"{n:,} {_SINGULAR.get(noun, noun) if n == 1 else noun}"


def singular(noun: str) -> str:
    return _SINGULAR.get(noun, noun)


def _a(word: str) -> str:
    """'an LQ', 'a growth': the article for a word or an abbreviation read letter by letter."""
    vowel = word[:1] in "AEFHILMNORSX" if word.isupper() else word[:1].lower() in "aeiou"
    return f"{'an' if vowel else 'a'} {word}"


def short(col: str) -> str:
    return SHORT.get(col, col.replace("_", " "))


def counted_text(df: pd.DataFrame, what: str = "employment", *, ownership: str | None = None,
                 year: object = None) -> str:
    """What a size or height counts, with the table's ownership and year: 'employment, private ownership, 2020 annual'.

    ``ownership`` / ``year`` are used when the table has no ``ownership`` /
    ``year`` column (cluster tables are always private). Several values are
    listed.
    """
    parts = [what]
    owns = _distinct(df, "ownership") or ([str(ownership)] if ownership is not None else [])
    if owns:
        parts.append(" and ".join(OWNERSHIPS.get(str(o), f"ownership {o}") for o in owns))
    years = _distinct(df, "year") or ([str(year)] if year not in (None, "") else [])
    periods = _distinct(df, "period")
    if years:
        parts.append(", ".join(str(y) for y in years) + (f" {periods[0]}" if len(periods) == 1 else ""))
    return ", ".join(parts)


def _distinct(df: pd.DataFrame, col: str) -> list[str]:
    if col not in df.columns:
        return []
    values = df[col].dropna()
    return sorted({str(int(v)) if isinstance(v, float) and v.is_integer() else str(v) for v in values})


def numbers(df: pd.DataFrame, col: str) -> pd.Series:
    """A column as float, NaN where it is missing, not a number or not finite."""
    values = pd.to_numeric(df[col], errors="coerce").astype("float64")
    return values.where(np.isfinite(values.to_numpy(dtype=float, na_value=np.nan)))


# --------------------------------------------------------------------------- bubble chart rows


@dataclass
class BubbleRows:
    """The rows a bubble chart draws, its y column, and the footer notes about the rest."""

    data: pd.DataFrame
    y: str
    fallback: bool = False  # no row has y: y is the size column instead
    notes: list[str] = field(default_factory=list)
    left_out: str = ""  # the note counting rows left out, if any
    ranges: pd.DataFrame | None = None  # rows with only x bounds (no point x), drawn as bound lines


def bubble_rows(df: pd.DataFrame, *, x: str, y: str, size: str, noun: str, log_x: bool | None,
                why_no_y: str = "", top_notes: Sequence[str] = (), bounds: tuple[str, str] | None = None,
                draw_ranges: bool = False) -> BubbleRows:
    """The drawable rows of a bubble chart, or :class:`ChartNotDrawn` when there are none.

    A row needs a point value of ``x`` and a ``size`` of 0 or more. When some
    rows have ``y`` too, those are drawn (x against y). When none has ``y``
    (growth with one year loaded), every row with ``x`` is drawn against its
    ``size`` instead, and the notes say so. A row with no point ``x`` but a
    range (``<x>_low``/``<x>_high``, too wide to give a point value) is
    counted apart from plain missing values; with ``draw_ranges`` those with
    a y (and size) are returned in ``ranges`` to be drawn as bound lines, and
    not counted as left out. ``bounds`` names the range columns (default
    ``<x>_low``/``<x>_high``). ``log_x`` True: rows with an x
    of 0 or less cannot be drawn and are counted. ``top_notes`` (the table's
    warnings, see :func:`top_note_heads`) go into the reason a chart is not drawn.
    """
    what = plural(len(df), noun)
    if not len(df):
        raise ChartNotDrawn(f"the table has no {noun}.")
    xs, ys, sizes = numbers(df, x), numbers(df, y), numbers(df, size)
    has_x, has_y, has_size = xs.notna(), ys.notna(), sizes.ge(0)
    low_col, high_col = bounds or (f"{x}_low", f"{x}_high")
    ranged = ~has_x & _has_range(df, x, low_col, high_col)
    note = f"; see {x}_note" if f"{x}_note" in df.columns else ""
    bounds = f"only {short(x)} bounds ({low_col} to {high_col}{note}), no point value"
    any_y = bool((has_x & has_y & has_size).any())
    drawn_ranges = ranged & has_size & (has_y | (not any_y)) if draw_ranges else ranged & False
    if not (has_x & has_size).any() and not drawn_ranges.any():
        if not has_x.any():
            reason = f"the {short(x)} is missing for all {what}"
            if ranged.any():
                reason += f" ({plural(int(ranged.sum()), noun)} with {bounds})"
        elif not has_size.any():
            reason = f"{short(size)} is missing for all {what}"
        else:
            reason = f"no {singular(noun)} has both {_a(short(x))} and {short(size)}"
        why = f" ({' '.join(top_notes).rstrip('.')}; see the note at the top of the table)." if top_notes else \
            "; see the table's notes."
        raise ChartNotDrawn(reason + why)
    fallback = not any_y
    keep = has_x & has_size & (True if fallback else has_y)
    out = BubbleRows(df.loc[keep].assign(**{x: xs[keep], y: ys[keep], size: sizes[keep]}), y=size if fallback else y,
                     fallback=fallback)
    shown_ranges = drawn_ranges & (True if fallback else has_y)
    out.ranges = df.loc[shown_ranges].assign(**{y: ys[shown_ranges], size: sizes[shown_ranges]}).reset_index(drop=True)
    ranged_left = ranged & ~shown_ranges
    if fallback:
        because = f" ({why_no_y})" if why_no_y else ""
        out.notes.append(f"No {singular(noun)} has {_a(short(y))} value{because}: the chart shows {short(x)} "
                         f"against {short(size)} instead.")
    counts = [(int((~has_x & ~ranged).sum()), f"no {short(x)} (withheld or missing)"),
              (int(ranged_left.sum()), bounds),
              (0 if fallback else int((has_x & ~has_y).sum()), f"no {short(y)} (withheld or missing)"),
              (int((has_x & (has_y | fallback) & ~has_size).sum()), f"no {short(size)} (withheld or missing)")]
    data = out.data
    if log_x:
        off = data[x] <= 0
        counts.append((int(off.sum()), f"{_a(short(x))} of 0 or less, which a log axis cannot show"))
        data = data[~off]
    out.data = data.reset_index(drop=True)
    left = [(n, why) for n, why in counts if n]
    detail = ""
    if left:
        total = sum(n for n, _ in left)
        detail = left[0][1] if len(left) == 1 else ", ".join(f"{n:,} with {why}" for n, why in left)
        out.left_out = f"{plural(total, noun)} not shown: {detail}."
    if not len(out.data) and not len(out.ranges):  # e.g. every LQ is 0 on a log axis
        raise ChartNotDrawn(f"no {singular(noun)} can be drawn ({detail}).")
    return out


def _has_range(df: pd.DataFrame, col: str, low: str | None = None, high: str | None = None) -> pd.Series:
    """Whether each row has a bound ``<col>_low`` or ``<col>_high`` (the other may be open; False without the columns)."""
    low, high = low or f"{col}_low", high or f"{col}_high"
    if low not in df.columns or high not in df.columns:
        return pd.Series(False, index=df.index)
    return numbers(df, low).notna() | numbers(df, high).notna()


def why_no_growth(df: pd.DataFrame, year: object = None, start_year: object = "") -> str:
    """Why a table has no growth at all, when its columns tell: one year loaded.

    The one wording for every chart: from the table's ``start_year`` and
    ``year`` columns, or, for a table without them (the sector ranking),
    from ``year`` and ``start_year`` given (e.g. from its meta; None = no
    growth window)."""
    if "start_year" not in df.columns and year not in (None, "") and start_year is None:
        return why_no_growth(pd.DataFrame({"start_year": [np.nan], "year": [year]}))
    if "start_year" in df.columns and numbers(df, "start_year").isna().all():
        years = _distinct(df, "year")
        return f"only {years[0]} is loaded: growth needs an earlier year" if len(years) == 1 else \
            "no earlier year is loaded to measure growth from"
    return ""


# --------------------------------------------------------------------------- contribution chart parts


def drawn_criteria(shown: pd.DataFrame, criteria: Sequence[tuple[str, str]], noun: str
                   ) -> tuple[list[tuple[str, str]], list[str]]:
    """The criteria with a visible bar segment among ``shown`` rows, and a note naming the others.

    A criterion with no value for any row shown, or zero for every one,
    draws nothing, so it is left out of the legend and named in the footer.
    """
    drawn, missing, zero = [], [], []
    for key, lab in criteria:
        values = numbers(shown, f"contrib_{key}")
        if (values.fillna(0) != 0).any():
            drawn.append((key, lab))
        elif values.notna().any():
            zero.append(lab)
        else:
            missing.append(lab)
    notes = []
    who = f"the {noun} shown"
    if missing:
        notes.append(f"No data for any of {who}, so no bar segment: {'; '.join(missing)}.")
    if zero:
        notes.append(f"Zero for every one of {who}, so no bar segment: {'; '.join(zero)}.")
    return drawn, notes
