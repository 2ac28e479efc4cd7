"""Charts for the plan: the cluster bubble chart and score-contribution bars.

A chart with nothing to draw is not written: :class:`ChartNotDrawn` says
why (see :mod:`exportplan.output.chartdata`); labels and ticks are in
:mod:`exportplan.output.chartlabels`.

Drawn with matplotlib's object API on an Agg canvas (no pyplot, no display,
no global state), saved as PNG and SVG (and PDF on request). Output is
deterministic: a fixed SVG hash salt and no dates in the metadata, so that
re-running a plan gives byte-identical files. SVG text stays text (not
glyph outlines), so labels can be searched, read aloud and tested.

Every chart has a footer with its source and vintage, says what it leaves
out, and says SAMPLE DATA when it is drawn from the sample workspace.
"""
from __future__ import annotations

import math
import os
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from exportplan.citation import as_refs
from exportplan.errors import ExportPlanError
from exportplan.output import chartbounds as cb
from exportplan.output.chartdata import (ChartNotDrawn, bubble_rows, counted_text, drawn_criteria, numbers,
                                         plural, singular, top_note_heads, why_no_growth)
from exportplan.output.chartlabels import (LABEL_BOX, exact_number, exact_percent_formatter, label_bubbles,
                                           log_axis, wrap_label)
from exportplan.output.tables import as_pandas, atomic_output, column_format

#: Image formats a chart can be saved in.
CHART_FORMATS = ("png", "svg", "pdf")
DEFAULT_FORMATS = ("png", "svg")
DPI = 150
SAMPLE_LABEL = "SAMPLE DATA: illustrative figures, not real data"

_RC = {
    "svg.hashsalt": "exportplan",  # fixed ids: identical SVG on every run
    "svg.fonttype": "none",  # keep text as <text>, not glyph paths
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 13,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
}
# No dates or version strings in the files, so re-runs are byte-identical.
_METADATA = {"png": {"Software": None}, "svg": {"Date": None},
             "pdf": {"CreationDate": None, "ModDate": None}}
_AXIS_SHORT = {"lq": "LQ"}
_AXIS_LABELS = {"lq": "Location quotient (LQ; 1 = national average)",
                "growth": "Employment growth", "employment": "Employment"}


# --------------------------------------------------------------------------- shared helpers


@contextmanager
def chart_style():
    """The matplotlib settings every exportplan chart is drawn and saved with."""
    with matplotlib.rc_context(_RC):
        yield


def source_line(meta: Mapping | None) -> str:
    """'Source: BLS, QCEW (2018-2023 annual); ...' from a table's meta (see output.tables).

    Sources of the same publisher and dataset (e.g. one QCEW file per county
    and year) are named once, with their vintages merged.
    """
    parts: dict[str, list[str]] = {}
    for src in as_refs((meta or {}).get("sources")):
        who = ", ".join(v for v in (src.publisher, src.dataset) if v)
        vintages = parts.setdefault(who, [])
        if src.vintage and src.vintage not in vintages:
            vintages.append(src.vintage)
    texts = [f"{who} ({_merge_vintages(v)})" if v else who for who, v in parts.items() if who]
    return "Source: " + "; ".join(texts) if texts else ""


def _merge_vintages(vintages: list[str]) -> str:
    """'2018 annual', '2019 annual' ... -> '2018-2023 annual' when they are consecutive years of one kind."""
    split = [v.split(" ", 1) for v in vintages]
    if all(len(p) == 2 and p[0].isdigit() for p in split) and len({p[1] for p in split}) == 1:
        years = sorted(int(p[0]) for p in split)
        if years == list(range(years[0], years[-1] + 1)):
            span = str(years[0]) if len(years) == 1 else f"{years[0]}-{years[-1]}"
            return f"{span} {split[0][1]}"
    return ", ".join(sorted(vintages))


def output_paths(path: str | os.PathLike, formats: Iterable[str] = DEFAULT_FORMATS) -> list[Path]:
    """The files a chart is written to: ``path`` with each format's suffix.

    A suffix already on ``path`` that is a chart format (``chart.png``) is
    replaced; any other (``bubble.2023``) is kept and the format appended.
    """
    path = Path(path)
    formats = [formats] if isinstance(formats, str) else formats
    formats = [f.lower().lstrip(".") for f in formats]
    bad = [f for f in formats if f not in CHART_FORMATS]
    if bad or not formats:
        raise ExportPlanError(f"Cannot save a chart as {bad or 'nothing'}: choose from {', '.join(CHART_FORMATS)}.")
    stem = path.with_suffix("") if path.suffix.lower().lstrip(".") in CHART_FORMATS else path
    return [stem.with_name(f"{stem.name}.{f}") for f in dict.fromkeys(formats)]


def save_figure(fig: Figure, path: str | os.PathLike, formats: Iterable[str] = DEFAULT_FORMATS) -> list[Path]:
    """Save ``fig`` atomically in each format; return the paths written."""
    written = []
    for out in output_paths(path, formats):
        fmt = out.suffix.lstrip(".")
        with atomic_output(out) as tmp, chart_style():
            fig.savefig(tmp, format=fmt, dpi=DPI, metadata=_METADATA[fmt], facecolor="white")
        written.append(out)
    return written


def new_figure(width: float, height: float, footer_rows: int) -> tuple[Figure, object, object]:
    """A figure with a main axes and a text-only footer strip (``footer_rows`` lines) below it."""
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    footer_in = 0.17 * max(footer_rows, 1) + 0.1
    grid = fig.add_gridspec(2, 1, height_ratios=[height - footer_in, footer_in])
    ax = fig.add_subplot(grid[0])
    footer_ax = fig.add_subplot(grid[1])
    footer_ax.set_axis_off()
    return fig, ax, footer_ax


def footer_lines(source_note: str, notes: Sequence[str] = (), width: int = 150) -> list[str]:
    """The footer text as wrapped lines: the source first, then the notes."""
    lines = []
    for text in [source_note or "Source: not given", *notes]:
        lines += textwrap.wrap(text, width) or [""]
    return lines


def draw_footer(footer_ax, lines: Sequence[str], sample_data: bool):
    """Write the footer lines under a red SAMPLE DATA line when it applies; return the Text."""
    if sample_data:
        footer_ax.annotate(SAMPLE_LABEL, xy=(0.01, 1), xycoords=("figure fraction", "axes fraction"),
                           va="top", ha="left", fontsize=8, color="#b00020", fontweight="bold")
    # x from the figure's left edge: long y-axis labels push the axes right, and the
    # footer must still fit the page width it was wrapped for.
    return footer_ax.annotate("\n".join(lines), xy=(0.01, 1), xycoords=("figure fraction", "axes fraction"),
                              xytext=(0, -13 if sample_data else 0), textcoords="offset points",
                              va="top", ha="left", fontsize=7.5, color="#333333", linespacing=1.35)


def footer_height(lines: Sequence[str], sample_data: bool) -> int:
    """How many text lines the footer needs (for :func:`new_figure`)."""
    return len(lines) + (1 if sample_data else 0)


def watermark(ax, zorder: float = 0) -> None:
    """A faint diagonal SAMPLE DATA across the plot, so a cropped chart still says it."""
    ax.text(0.5, 0.5, "SAMPLE DATA", transform=ax.transAxes, ha="center", va="center",
            fontsize=44, color="#b00020", alpha=0.08, rotation=25, zorder=zorder, fontweight="bold")


def start_chart(width: float, height: float, *, title: str, source_note: str, notes: Sequence[str],
                sample_data: bool, watermark_zorder: float = 0):
    """A figure with its title, footer and (sample) watermark in place.

    They go in first so that the layout is final before anything is placed
    by measuring (bubble labels). Returns the figure, the main axes and the
    footer's Text (whose text may be updated if the line count stays).
    """
    lines = footer_lines(source_note, notes)
    fig, ax, footer_ax = new_figure(width, height, footer_height(lines, sample_data))
    fig.suptitle(title, x=0.01, ha="left", fontsize=13, fontweight="bold")
    footer = draw_footer(footer_ax, lines, sample_data)
    if sample_data:
        watermark(ax, zorder=watermark_zorder)
    return fig, ax, footer


def _need_columns(df: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [c for c in columns if c is not None and c not in df.columns]
    if missing:
        raise ExportPlanError(f"The {what} needs column(s) {missing}, but the table has {list(df.columns)}.")


def _resolve_notes(source_note: str | None, meta: Mapping | None, sample_data: bool | None):
    note = source_note if source_note is not None else source_line(meta)
    sample = bool((meta or {}).get("sample_data")) if sample_data is None else sample_data
    return note, sample


# --------------------------------------------------------------------------- bubble chart


def _nice(value: float) -> float:
    """Round to one significant digit (1, 2 or 5 times a power of ten)."""
    if value <= 0:
        return 0.0
    power = 10 ** math.floor(math.log10(value))
    return min((1, 2, 5, 10), key=lambda m: abs(m * power - value)) * power


def _categories(series: pd.Series) -> list:
    if isinstance(series.dtype, pd.CategoricalDtype):
        return [c for c in series.cat.categories if (series == c).any()]
    return sorted(series.dropna().unique(), key=lambda v: (str(type(v)), v))


def _palette(n: int) -> list:
    cmap = matplotlib.colormaps["tab10"]
    return [cmap(i % 10) for i in range(n)]


def _percent_axis(col: str) -> bool:
    return column_format(col) == ".1%"


def _use_log_x(values: pd.Series, xscale: str) -> bool:
    if xscale != "auto":
        return xscale == "log"
    return bool((values > 0).all() and values.max() / values.min() >= 20)


def _draw_bubbles(ax, data: pd.DataFrame, x: str, y: str, area: np.ndarray, color: str | None,
                  cats: list | None = None) -> list:
    """Scatter the bubbles (largest first, so small ones stay on top; SVG ids bubbles-<k>); legend handles.

    ``cats`` are the colour categories drawn (default: those of ``data``),
    each with its colour; a category with no bubble still gets a legend entry
    (its rows are drawn as bound lines)."""
    order = np.argsort(-area, kind="stable")
    data, area = data.iloc[order], area[order]
    if color is None:
        ax.scatter(data[x], data[y], s=area, color="#1f77b4", alpha=0.6, edgecolor="white", linewidth=0.8,
                   gid="bubbles-0")
        return []
    handles = []
    cats = _categories(data[color]) if cats is None else list(cats)
    for cat, col in zip(cats + [None], _palette(len(cats)) + ["#9e9e9e"]):
        mask = data[color].isna().to_numpy() if cat is None else (data[color] == cat).to_numpy()
        if not mask.any() and cat is None:
            continue
        if mask.any():
            ax.scatter(data[x][mask], data[y][mask], s=area[mask], color=col, alpha=0.65,
                       edgecolor="white", linewidth=0.8, gid=f"bubbles-{len(handles)}")
        handles.append(ax.scatter([], [], s=60, color=col, alpha=0.65, label="n/a" if cat is None else str(cat)))
    return handles


def _size_handles(ax, size_max: float, max_area: float) -> list:
    values = sorted({_nice(size_max), _nice(size_max / 4), _nice(size_max / 16)} - {0.0}, reverse=True)
    return [ax.scatter([], [], s=max_area * v / size_max, facecolor="none", edgecolor="#555555",
                       label=f"{v:,.0f}" if v >= 1 else f"{v:g}") for v in values]


def _reference_lines(ax, reference: tuple[float, str | None] | None, percent: bool) -> list:
    """Dashed lines at LQ = 1 and (unless ``reference`` is None) at its y value, each with its
    label; returns the lines and labels."""
    # Above the bubbles, on a light box, so that a bubble drawn over a line's end cannot hide its label.
    style = {"textcoords": "offset points", "fontsize": 7.5, "color": "#555555", "bbox": LABEL_BOX, "zorder": 4}
    out = [ax.axvline(1.0, color="#555555", linestyle="--", linewidth=1, zorder=1),
           ax.annotate("LQ = 1", xy=(1.0, 1.0), xycoords=("data", "axes fraction"), xytext=(3, -3),
                       va="top", **style)]
    if reference is None:
        return out
    y_ref, name = reference
    name = name or ("reference growth" if y_ref else "no growth")
    shown = f"{y_ref:.1%}" if percent else f"{y_ref:,.2f}"
    out += [ax.axhline(y_ref, color="#555555", linestyle="--", linewidth=1, zorder=1),
            ax.annotate(f"{name} ({shown})", xy=(1.0, y_ref), xycoords=("axes fraction", "data"),
                        xytext=(-3, 3), ha="right", va="bottom", **style)]
    return out


def bubble_chart(df: pd.DataFrame, *, x: str = "lq", y: str = "growth", size: str = "employment",
                 label: str = "name", color: str | None = None, title: str = "",
                 source_note: str | None = None, path: str | os.PathLike,
                 formats: Sequence[str] = DEFAULT_FORMATS, meta: Mapping | None = None,
                 sample_data: bool | None = None, reference_growth: float = 0.0,
                 reference_label: str | None = None, labels: int = 12, noun: str = "industries",
                 x_label: str | None = None, y_label: str | None = None, size_label: str | None = None,
                 xscale: str = "auto", counted: str | None = None, why_no_y: str | None = None,
                 notes: Sequence[str] = (), bounds: tuple[str, str] | None = None) -> list[Path]:
    """LQ × growth bubble chart, bubble area ∝ ``size``; returns the files written.

    Dashed reference lines mark LQ = 1 and ``reference_growth`` (0, or e.g.
    the nation's growth with ``reference_label='US growth'``). Bubbles are
    coloured by ``color`` (e.g. a tier column) with a legend of the colours
    drawn, and the ``labels`` largest carry their ``label`` (wrapped):
    beside the bubble, or joined to it by a thin leader line that runs into
    no other bubble; a label with no room is left out and counted in the
    footer. Rows missing ``x``, ``y`` or ``size`` (withheld cells) are left
    out and counted by reason. When no row has ``y`` (growth with one year
    loaded; ``why_no_y`` says why, default from the table's ``start_year``),
    the chart shows ``x`` against ``size`` instead and says so. When no row
    has ``x`` and ``size``, nothing is written: :class:`ChartNotDrawn` says why.

    The footer says what the bubbles count (``counted``, default built from
    ``size`` and the table's ownership and year columns), the first sentence
    of each of ``meta['top_notes']`` (the table's warnings), ``notes``,
    ``source_note`` (default: built from ``meta['sources']``), and SAMPLE
    DATA when ``sample_data`` (default: ``meta['sample_data']``).
    ``xscale`` is 'linear', 'log' or 'auto' (log when all LQs are above 0 and
    span 20×); on a log axis, rows with an LQ of 0 or less are left out and counted.

    Estimates are not drawn as firm (see :mod:`exportplan.output.chartbounds`):
    where the table has bounds of ``x`` (``bounds``, default ``<x>_low`` and
    ``<x>_high``), a bubble whose x is an estimate gets a whisker from its
    low to its high bound, and a row with only bounds is drawn as a bound
    line at its y, with no bubble; the footer counts both.
    """
    df = as_pandas(df)
    _need_columns(df, [x, y, size, label, color], "bubble chart")
    if xscale not in ("auto", "log", "linear"):
        raise ExportPlanError(f"xscale must be 'auto', 'log' or 'linear', not {xscale!r}.")
    note, sample = _resolve_notes(source_note, meta, sample_data)
    warnings = top_note_heads(meta)
    cols = cb.bound_columns(df, x, bounds)
    why = why_no_growth(df, (meta or {}).get("year"), (meta or {}).get("start_year")) if why_no_y is None else why_no_y
    rows = bubble_rows(df, x=x, y=y, size=size, noun=noun, log_x=xscale == "log", why_no_y=why, top_notes=warnings,
                       bounds=cols, draw_ranges=cols is not None)
    data, ranges = rows.data, rows.ranges
    ends = pd.concat([numbers(ranges, c) for c in cols]) if cols and len(ranges) else pd.Series(dtype=float)
    # The bubbles decide the scale; bounds (often far wider) are clipped to it. Only bounds: their ends decide.
    log_x = _use_log_x(data[x] if len(data) else ends[ends > 0], xscale)
    size_name = size_label or _AXIS_LABELS.get(size, size)
    counted = counted or counted_text(df, size_name.lower())
    notes = [*warnings, *rows.notes, *notes, f"{'Height' if rows.fallback else 'Bubble size'}: {counted}."]
    whiskers = cb.estimated_mask(data, x, cols)
    if whiskers.any() or len(ranges):
        notes.append(_bounds_note(x, cols, int(whiskers.sum()), len(ranges), noun))
    if rows.left_out:
        notes.append(rows.left_out)
    by = size_name.lower()
    shown = len(data) + len(ranges)
    which = f"the {labels} largest by {by}" if shown > labels else f"all {noun} shown"
    if labels > 0:
        notes.append(f"Labels: {which}.")
    with chart_style():
        fig, ax, footer = start_chart(11, 7.2, title=title, source_note=note, notes=notes, sample_data=sample)
        # Labels are placed by measuring text, whose width varies a little with resolution
        # (hinting): measure at the PNG's.
        fig.set_dpi(DPI)
        placed = _plot_bubbles(fig, ax, data, x=x, y=rows.y, size=size, label=label, color=color, labels=labels,
                               reference=None if rows.fallback else (reference_growth, reference_label),
                               axis_labels=(x_label, None if rows.fallback else y_label, size_label),
                               xscale="log" if log_x else "linear", ranges=ranges, bounds=cols, whiskers=whiskers)
        unplaced = max(min(labels, shown), 0) - placed
        if unplaced:  # same line count: the note only grows by a few words
            notes[-1] = f"Labels: {which} ({unplaced} without room for a label)."
            footer.set_text("\n".join(footer_lines(note, notes)))
        return save_figure(fig, path, formats)


def _bounds_note(x: str, cols, estimated: int, ranged: int, noun: str) -> str:
    """The footer sentence on whiskers and bound lines, with how many rows have each."""
    name, (low, high) = _AXIS_SHORT.get(x, x), cols
    parts = []
    if estimated:
        parts.append(f"whiskers: {name} bounds ({low} to {high}) of the {plural(estimated, noun)} whose {name} is "
                     "an estimate (withheld cells)")
    if ranged:
        parts.append(f"lines with no bubble: the {plural(ranged, noun)} with only {name} bounds, too wide for a "
                     "point value")
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "; an arrowhead: the bound is open or runs beyond the axis."


def _plot_bubbles(fig, ax, data, *, x, y, size, label, color, labels, reference, axis_labels, xscale,
                  ranges=None, bounds=None, whiskers=None) -> int:
    """Everything inside the bubble chart's axes: bubbles, lines, legends, labels.

    ``y == size`` is the fallback without growth: equal bubbles, ``size`` up
    the (log) y axis, no size key and no horizontal reference line.
    ``ranges`` (rows with only ``bounds`` of x) are drawn as bound lines and
    the ``whiskers`` rows of ``data`` get whiskers. Returns how many labels
    were placed.
    """
    x_label, y_label, size_label = axis_labels
    fallback = y == size
    ranges = ranges if ranges is not None and bounds is not None else data.iloc[:0]
    log_x = xscale == "log"
    max_area = 2400.0
    size_max = float(pd.concat([data[size], ranges[size]]).max())
    area = (np.full(len(data), 90.0) if fallback or size_max <= 0
            else np.maximum(max_area * data[size].to_numpy(float) / size_max, 8.0))
    lows, highs = ((numbers(ranges, c).to_numpy(float) for c in bounds) if len(ranges)
                   else (np.array([]), np.array([])))
    mids = cb.midpoints(lows, highs, log_x)
    if log_x:
        log_axis(ax, "x", pd.concat([data[x], pd.Series(mids)]))
    if fallback and _use_log_x(pd.concat([data[y], ranges[y]]), "auto"):
        log_axis(ax, "y", pd.concat([data[y], ranges[y]]))
    cats = _categories(pd.concat([data[color], ranges[color]])) if color is not None else []
    handles = _draw_bubbles(ax, data, x, y, area, color, cats)
    references = _reference_lines(ax, reference, _percent_axis(y))
    if _percent_axis(y):
        ax.yaxis.set_major_formatter(exact_percent_formatter())
    elif ax.get_yscale() == "linear":
        ax.yaxis.set_major_formatter(FuncFormatter(exact_number))
    ax.set_xlabel(x_label or _AXIS_LABELS.get(x, x))
    y_name = y_label or _AXIS_LABELS.get(y, y)
    ax.set_ylabel(f"{y_name} (log scale)" if ax.get_yscale() == "log" else y_name)
    ax.margins(0.08)
    whiskers = np.zeros(len(data), bool) if whiskers is None or bounds is None else whiskers
    obstacles: list = []  # bound lines, which labels and leaders keep clear of (whiskers sit under labels' boxes)
    if whiskers.any() or len(ranges):
        w_low, w_high = (numbers(data, c).to_numpy(float)[whiskers] for c in bounds)
        core = np.append(data[x].to_numpy(float) if len(data) else mids, 1.0)  # LQ = 1 stays in view
        xlim = cb.x_limits(core, np.concatenate([w_low, lows]),
                           np.concatenate([w_high, highs]), log_x)
        ax.set_xlim(*xlim)
        if log_x:  # ticks for the range shown
            log_axis(ax, "x", pd.Series(xlim))
        wy = data[y].to_numpy(float)[whiskers]
        for k, (lo, hi, yy) in enumerate(zip(w_low, w_high, wy)):
            cb.draw_range(ax, lo, hi, yy, xlim, log=log_x, gid=f"whisker-{k}", style=cb.WHISKER, cap=4.0)
        colours = dict(zip(cats, _palette(len(cats))))
        for k, (lo, hi, yy) in enumerate(zip(lows, highs, ranges[y].to_numpy(float))):
            cat = ranges[color].iloc[k] if color is not None else None
            col = "#1f77b4" if color is None else colours.get(cat, "#9e9e9e")
            obstacles += cb.draw_range(ax, lo, hi, yy, xlim, log=log_x, gid=f"bound-{k}", style={**cb.BOUND_LINE, "color": col},
                          cap=7.0)
        mids = np.clip(mids, *xlim)
    ax.grid(True, color="#eeeeee", linewidth=0.6, zorder=0)
    ax.set_axisbelow(True)
    legend_kw = {"loc": "upper left", "frameon": False, "fontsize": 8, "title_fontsize": 8.5}
    if handles:
        colours = ax.legend(handles=handles, title=color.replace("_", " ").capitalize(),
                            bbox_to_anchor=(1.02, 1.0), **legend_kw)
    if size_max > 0 and not fallback:
        if handles:  # keep the colour key: a second ax.legend() replaces ax.legend_
            ax.add_artist(colours)
        # Wide handles and generous spacing: the largest key bubble is ~50 pt across.
        ax.legend(handles=_size_handles(ax, size_max, max_area), labelspacing=2.4, borderpad=1.0,
                  handlelength=6.5, handletextpad=0.8,
                  title=size_label or _AXIS_LABELS.get(size, size),
                  bbox_to_anchor=(1.02, 0.55 if handles else 1.0), **legend_kw)
    # Bound lines are labelled at their midpoint, as small bubbles; labels go to the largest by size.
    keep = list(dict.fromkeys([x, y, label, size]))
    marks = pd.concat([data[keep], ranges[keep].assign(**{x: mids})], ignore_index=True)
    marks_area = np.concatenate([area, np.full(len(ranges), 16.0)])
    order = np.argsort(-marks[size].to_numpy(float), kind="stable")
    return label_bubbles(fig, ax, marks, x, y, label, marks_area, labels, avoid=references, order=order,
                         obstacles=obstacles)


# --------------------------------------------------------------------------- contribution chart


def contribution_chart(table: pd.DataFrame, *, criteria: Sequence[tuple[str, str]], name_col: str = "name",
                       score_col: str = "score", top: int = 15, title: str = "",
                       source_note: str | None = None, path: str | os.PathLike,
                       formats: Sequence[str] = DEFAULT_FORMATS, meta: Mapping | None = None,
                       sample_data: bool | None = None, noun: str = "alternatives") -> list[Path]:
    """Stacked horizontal bars of each alternative's per-criterion contributions.

    ``criteria`` is a list of (key, label); the table has ``contrib_<key>``
    columns (``w_j · x̂_aj``) that add up to ``score_col``. The ``top``
    alternatives by score are shown, best at the top, with the score at the
    end of each bar (and the share of weight observed when a ``coverage``
    column is below 1). The legend lists only criteria with a bar segment;
    the footer names the others. With no score, or no segment, to draw,
    nothing is written: :class:`ChartNotDrawn` says why. Returns the files written.
    """
    if not criteria:
        raise ExportPlanError("contribution_chart needs at least one (key, label) criterion.")
    table = as_pandas(table)
    contrib_cols = [f"contrib_{key}" for key, _ in criteria]
    _need_columns(table, [name_col, score_col, *contrib_cols], "contribution chart")
    note, sample = _resolve_notes(source_note, meta, sample_data)
    scored = table[pd.to_numeric(table[score_col], errors="coerce").notna()]
    if not len(scored):
        raise ChartNotDrawn(f"none of the {plural(len(table), noun)} has a score; see the table's notes."
                            if len(table) else f"the table has no {noun}.")
    shown = scored.sort_values(score_col, ascending=False, kind="stable").head(top).reset_index(drop=True)
    drawn, missing_notes = drawn_criteria(shown, criteria, noun)
    partly = "coverage" in shown and bool((pd.to_numeric(shown["coverage"], errors="coerce") < 1).any())
    if not drawn:
        raise ChartNotDrawn(f"every criterion contributes nothing to the {noun} shown: "
                            + " ".join(missing_notes))
    notes = [*top_note_heads(meta), f"Each bar: a {singular(noun)}'s score (0 to 1), split into the weighted contributions of its "
             "criteria (weight × normalized value)"
             + ("; '% of weight observed': the share of the weights it has data on." if partly else "."),
             *missing_notes]
    if len(scored) > len(shown):
        notes.append(f"Showing the top {len(shown)} of {plural(len(scored), noun)} by score.")
    if len(table) > len(scored):
        notes.append(f"{plural(len(table) - len(scored), noun)} not shown: no score.")
    with chart_style():
        height = 1.9 + 0.36 * max(len(shown), 3)
        fig, ax, _ = start_chart(10, height, title=title, source_note=note, notes=notes, sample_data=sample)
        # Colours by position among all the criteria, so that a criterion keeps its colour from chart to chart.
        colours = dict(zip([key for key, _ in criteria], _palette(len(criteria))))
        _plot_contributions(ax, shown, [(key, lab, colours[key]) for key, lab in drawn], name_col, score_col)
        return save_figure(fig, path, formats)


def _score_label(row: pd.Series, score_col: str) -> str:
    text = f"{float(row[score_col]):.3f}"
    coverage = pd.to_numeric(row.get("coverage"), errors="coerce")
    if pd.notna(coverage) and coverage < 1:
        text += f"  ({coverage:.0%} of weight observed)"
    return text


def _plot_contributions(ax, shown: pd.DataFrame, criteria, name_col: str, score_col: str) -> None:
    """The stacked bars of ``criteria`` (key, label, colour), each bar's score and the criteria legend."""
    ypos = np.arange(len(shown))
    left = np.zeros(len(shown))
    for key, lab, col in criteria:
        width = pd.to_numeric(shown[f"contrib_{key}"], errors="coerce").fillna(0.0).to_numpy(float)
        bars = ax.barh(ypos, width, left=left, height=0.7, color=col, label=lab, edgecolor="white", linewidth=0.5)
        for i, bar in enumerate(bars):
            bar.set_gid(f"bar-{key}-{i}")
        left += width
    ends = np.maximum(left, pd.to_numeric(shown[score_col]).to_numpy(float))
    for yy, end, (_, row) in zip(ypos, ends, shown.iterrows()):
        ax.text(end, yy, "  " + _score_label(row, score_col), va="center", ha="left", fontsize=8)
    names = [wrap_label(f"{i + 1}. {n}", width=40, max_lines=2) for i, n in enumerate(shown[name_col])]
    ax.set_yticks(ypos, names, linespacing=1.0)
    ax.invert_yaxis()
    has_coverage = "coverage" in shown and (pd.to_numeric(shown["coverage"], errors="coerce") < 1).any()
    ax.set_xlim(0, (ends.max() if len(ends) else 1.0) * (1.45 if has_coverage else 1.15) or 1.0)
    ax.xaxis.set_major_formatter(FuncFormatter(exact_number))
    ax.set_xlabel("Score (sum of weighted criterion contributions)")
    ax.tick_params(axis="y", length=0)
    ax.grid(True, axis="x", color="#eeeeee", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=len(criteria) if len(criteria) <= 6 else 4, frameon=False,
              fontsize=8, handlelength=1.2)
