"""The plan's pipeline charts: the funnel of companies by export stage, and progress on the goals.

Both are drawn like every exportplan chart (:mod:`exportplan.output.charts`): matplotlib's object
API on an Agg canvas, PNG and SVG by default, byte-identical on re-runs, a footer with the sources
and what the chart leaves out, and SAMPLE DATA (footer line and watermark) when ``meta`` says the
workspace is the sample. With nothing to draw, no file is written and
:class:`~exportplan.output.chartdata.ChartNotDrawn` says why.
"""
from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from exportplan.errors import ExportPlanError
from exportplan.output.chartdata import ChartNotDrawn, plural
from exportplan.output.chartlabels import wrap_label
from exportplan.output.charts import DEFAULT_FORMATS, _resolve_notes, chart_style, save_figure, start_chart

#: Bar colours by goal status.
STATUS_COLOURS = {"met": "#2e7d32", "on track": "#1f77b4", "behind": "#c62828", "no target": "#9e9e9e"}
_FUNNEL = "#1f77b4"
_FUNNEL_EXPORTING = "#2e7d32"
_SUPPRESSED = "#bdbdbd"


def _table(data: Any) -> pd.DataFrame:
    """A frame from a frame or a metric (anything with ``.table``)."""
    table = getattr(data, "table", data)
    if not isinstance(table, pd.DataFrame):
        raise ExportPlanError(f"Expected a table (a pandas DataFrame), got {type(data).__name__}.")
    return table


def _need(table: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise ExportPlanError(f"The {what} needs the column(s) {', '.join(missing)}; the table has "
                              f"{', '.join(map(str, table.columns)) or 'none'}.")


# --------------------------------------------------------------------------- the funnel

def funnel_chart(stage_counts: Any, path: str | os.PathLike, *, meta: Mapping | None = None,
                 title: str = "The exporter pipeline: companies by export stage",
                 exporting: Sequence[str] = (), suppress_below: int = 0, notes: Sequence[str] = (),
                 formats: Sequence[str] = DEFAULT_FORMATS) -> list[Path]:
    """Companies by export stage as a funnel: one centred bar per stage, in the table's row order (the
    stage counts metric lists the stages in order), each labelled with its count and share.

    ``stage_counts`` is the ``stage_counts`` metric of ``ws.pipeline.metrics()`` (or its table:
    stage, companies; share is computed when absent; several rows of one stage are added up).
    Stages in ``exporting`` are drawn in green. Counts under ``suppress_below`` (the public
    edition's 3) are not shown: their bar is a grey outline of that width labelled "<N", with no
    share. Returns the files written; raises ChartNotDrawn when no company is counted.
    """
    table = _table(stage_counts)
    _need(table, ["stage", "companies"], "pipeline funnel")
    counts = pd.to_numeric(table["companies"], errors="coerce").fillna(0)
    stages = table["stage"].astype("string").fillna("").str.strip()
    frame = pd.DataFrame({"stage": stages, "companies": counts}).groupby("stage", sort=False)["companies"].sum()
    frame = frame[frame.index != ""]
    total = float(frame.sum())
    if not len(frame) or total <= 0:
        raise ChartNotDrawn("no company in the pipeline has a known export stage, so there is no funnel to draw; "
                            "add companies (exportplan companies import) first")
    note, sample = _resolve_notes(None, meta, None)
    hidden = (frame > 0) & (frame < suppress_below)
    if hidden.any():
        # No total and no shares: with them, a hidden count is the total less the counts shown.
        lines = ["Bars: the pipeline's companies by export stage (width: companies; label: companies).", *notes,
                 f"Stages with fewer than {suppress_below} companies are not shown (grey outline, "
                 f"'<{suppress_below}'), nor the total and shares, so that no company can be identified."]
    else:
        lines = [f"Bars: the {plural(int(total), 'companies')} of the pipeline by export stage (width: companies; "
                 "label: companies and share of all).", *notes]
    if exporting:
        lines.append(f"Green: exporting stages ({', '.join(exporting)}).")
    with chart_style():
        fig, ax, _ = start_chart(9.5, 1.9 + 0.62 * max(len(frame), 3), title=title, source_note=note, notes=lines,
                                 sample_data=sample, watermark_zorder=5)
        _plot_funnel(ax, frame, total, set(exporting), hidden, suppress_below)
        return save_figure(fig, path, formats)


def _plot_funnel(ax, frame: pd.Series, total: float, exporting: set, hidden: pd.Series, floor: int) -> None:
    ypos = np.arange(len(frame))
    widest = float(max(frame.max(), floor, 1))
    for i, (stage, count) in enumerate(frame.items()):
        if hidden.iloc[i]:
            bar = ax.barh(i, floor, left=-floor / 2, height=0.72, facecolor="white", edgecolor=_SUPPRESSED,
                          linestyle="--", linewidth=1.0)
            text, inside = f"<{floor}", False
        else:
            colour = _FUNNEL_EXPORTING if stage in exporting else _FUNNEL
            bar = ax.barh(i, count, left=-count / 2, height=0.72, color=colour, edgecolor="white")
            text = f"{count:,.0f}" if hidden.any() else f"{count:,.0f} ({count / total:.0%})"
            inside = count >= 0.22 * widest
        bar[0].set_gid(f"stage-{i}")
        if inside:
            ax.text(0, i, text, ha="center", va="center", color="white", fontsize=9.5, fontweight="bold", zorder=6)
        else:
            ax.text(max(count, floor if hidden.iloc[i] else 0) / 2 + widest * 0.02, i, text, ha="left", va="center",
                    color="#222222", fontsize=9.5, zorder=6)
    ax.set_yticks(ypos, [wrap_label(s, width=22, max_lines=2) for s in frame.index], fontsize=10)
    ax.set_ylim(len(frame) - 0.5, -0.5)
    ax.set_xlim(-widest * 0.62, widest * 0.75)
    ax.tick_params(axis="y", length=0)
    ax.set_xticks([])
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)


# --------------------------------------------------------------------------- progress on the goals

def _shown(value: float, unit: str) -> str:
    """A value in its unit: '$12.3M', '1,204 companies' (unit left to the row label)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if str(unit).upper() in ("USD", "$", "US$"):
        size = abs(value)
        for cut, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
            if size >= cut:
                return f"${value / cut:,.1f}".removesuffix(".0") + suffix
        return f"${value:,.0f}"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


def progress_chart(progress: Any, path: str | os.PathLike, *, meta: Mapping | None = None,
                   title: str = "Progress on the plan's goals", notes: Sequence[str] = (),
                   formats: Sequence[str] = DEFAULT_FORMATS) -> list[Path]:
    """Each goal's baseline and current value as bars, its target as a marker, coloured by status.

    ``progress`` is :func:`exportplan.analysis.plan_goals.progress`'s table (goal, unit, baseline,
    target, target_year, current, status; progress and expected when present). Each goal has its
    own scale (from 0 to its largest value), so goals in different units share the chart; the
    values are written on the bars. A goal with no target says "no target yet". Returns the files
    written; raises ChartNotDrawn when there is no goal, or no goal has a value.
    """
    table = _table(progress)
    _need(table, ["goal", "unit", "baseline", "target", "current", "status"], "goals progress chart")
    if not len(table):
        raise ChartNotDrawn("the plan has no goals yet, so there is no progress to draw; add goals first")
    values = table.assign(**{c: pd.to_numeric(table[c], errors="coerce")
                             for c in ("baseline", "target", "current", *[c for c in ("expected", "progress")
                                                                          if c in table.columns])})
    drawn = values[values["baseline"].notna() | values["current"].notna()].reset_index(drop=True)
    if not len(drawn):
        raise ChartNotDrawn(f"none of the {plural(len(values), 'goals')} has a baseline or a current value to draw")
    note, sample = _resolve_notes(None, meta, None)
    as_of = str(drawn["as_of"].iloc[0]) if "as_of" in drawn.columns and len(drawn) else ""
    lines = ["Each goal on its own scale, from 0 to its largest value. Grey bar: baseline; coloured bar: current "
             + (f"value on {as_of}" if as_of else "value") + " (green: met, blue: on track, red: behind, grey: no "
             "target); black line: target; dotted line: where a straight path from baseline to target would be now.",
             *notes]
    if len(drawn) < len(values):
        lines.append(f"{plural(len(values) - len(drawn), 'goals')} without a baseline or current value not shown.")
    with chart_style():
        fig, ax, _ = start_chart(10.5, 1.8 + 0.82 * max(len(drawn), 2), title=title, source_note=note, notes=lines,
                                 sample_data=sample, watermark_zorder=5)
        _plot_progress(ax, drawn)
        return save_figure(fig, path, formats)


def _plot_progress(ax, drawn: pd.DataFrame) -> None:
    ax.set_xlim(-0.01, 1.62)
    ax.set_ylim(len(drawn) - 0.45, -0.55)
    for i, row in drawn.iterrows():
        unit, status = str(row["unit"]), str(row["status"])
        parts = [v for v in (row["baseline"], row["current"], row["target"], row.get("expected")) if pd.notna(v)]
        scale = max([abs(float(v)) for v in parts] + [0.0]) or 1.0
        colour = STATUS_COLOURS.get(status, "#9e9e9e")
        for offset, value, fill, name in ((-0.17, row["baseline"], "#d5d5d5", "baseline"),
                                          (0.17, row["current"], colour, "current")):
            if pd.isna(value):
                continue
            width = max(float(value), 0.0) / scale
            bar = ax.barh(i + offset, width, height=0.3, color=fill, edgecolor="white")
            bar[0].set_gid(f"goal-{i}-{name}")
            label = ("Baseline " if name == "baseline" else "Now ") + _shown(float(value), unit)
            # Inside the bar, from its start, so that the markers at the bars' ends never cover a label.
            light = name == "current" and width >= 0.3
            ax.text(0.012 if light or name == "baseline" else width + 0.01, i + offset, label, va="center",
                    ha="left", fontsize=7.5, color="white" if light else "#222222", zorder=4,
                    fontweight="bold" if light else "normal")
        if pd.notna(row.get("expected")) and status != "no target":
            x = float(row["expected"]) / scale
            ax.plot([x, x], [i - 0.02, i + 0.34], color="#222222", linestyle=":", linewidth=1.4, zorder=3,
                    gid=f"goal-{i}-expected")
        if pd.notna(row["target"]):
            x = float(row["target"]) / scale
            ax.plot([x, x], [i - 0.36, i + 0.36], color="#111111", linewidth=2.2, solid_capstyle="butt",
                    gid=f"goal-{i}-target", zorder=3)
            year = row.get("target_year")
            by = f" by {int(year)}" if year is not None and pd.notna(year) else ""
            ax.annotate(f"Target {_shown(float(row['target']), unit)}{by}", xy=(x, i - 0.36), xytext=(4, 0),
                        textcoords="offset points", ha="left", va="top", fontsize=7.5, fontweight="bold")
        ax.text(1.6, i, _status_text(row), ha="right", va="center", fontsize=8.5, color=colour, fontweight="bold")
    labels = [wrap_label(f"{g} ({u})" if u else str(g), width=30, max_lines=3)
              for g, u in zip(drawn["goal"], drawn["unit"])]
    ax.set_yticks(range(len(drawn)), labels, fontsize=8.5, linespacing=1.0)
    ax.tick_params(axis="y", length=0)
    ax.set_xticks([])
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    ax.axvline(0, color="#555555", linewidth=0.8)


def _status_text(row: pd.Series) -> str:
    """'on track: 40% of the way', 'met' (however far past the target), 'no target yet'."""
    status = str(row["status"])
    if pd.isna(row["target"]):
        return "no target yet"
    share = row.get("progress")
    if status == "no target":
        return "no target year yet"
    if status == "met":
        return "met"
    way = f": {float(share):.0%} of the way" if share is not None and pd.notna(share) else ""
    return status + way


__all__ = ["STATUS_COLOURS", "funnel_chart", "progress_chart"]
