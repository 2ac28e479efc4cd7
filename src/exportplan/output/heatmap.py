"""The export services heat map: companies with a need in each export stage x service category cell,
coloured by how much of it is a gap (docs/programs.md, "Gaps").

Each cell shows the companies with demand there; its colour is the share of them
in a gap (no existing supply, excluded by eligibility, or capacity short of demand):
white when there is no demand, green when every company is served, red when none is.
Rows and columns keep the vocabulary's order, so charts of two workspaces compare.
"""
from __future__ import annotations

import os
import textwrap
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.colors import LinearSegmentedColormap

from exportplan.output.chartdata import ChartNotDrawn
from exportplan.output.charts import _resolve_notes, save_figure, start_chart

#: Served (green) to gap (red), through pale yellow.
_COLOURS = LinearSegmentedColormap.from_list("gaps", ["#2e7d32", "#f7f4d6", "#c62828"])


def heatmap_chart(demand: pd.DataFrame, gap_companies: pd.DataFrame, path: str | os.PathLike, *,
                  title: str = "Export services: demand and gaps by stage and service",
                  meta: Mapping | None = None, formats=("png", "svg"), suppress_below: int = 0) -> list[Path]:
    """Draw ``demand`` (rows x service categories, companies) shaded by ``gap_companies / demand``.

    ``suppress_below`` (the public edition's 3): a cell with fewer companies shows "<3", not its count.

    Both tables come from :meth:`exportplan.analysis.program_gaps.HeatMap.pivot`
    ("demand" and "gap_companies"). Raises :class:`ChartNotDrawn` (nothing is
    written) when no cell has demand.
    """
    demand = demand.astype(float)
    gaps = gap_companies.reindex(index=demand.index, columns=demand.columns).fillna(0).astype(float)
    if not len(demand) or float(demand.to_numpy().sum()) <= 0:
        raise ChartNotDrawn("no company has a need for export services recorded in any cell (the companies' "
                            "needs in the pipeline, or pipeline companies in the target sectors and markets), so "
                            "there is no heat map to draw")
    columns = [c for c in demand.columns if demand[c].sum() > 0]
    demand, gaps = demand[columns], gaps[columns]
    share = np.where(demand.to_numpy() > 0, gaps.to_numpy() / np.maximum(demand.to_numpy(), 1), np.nan)
    n_gap_cells = int(((gaps.to_numpy() > 0) & (demand.to_numpy() > 0)).sum())
    source_note, sample = _resolve_notes(None, meta, None)
    notes = [f"Number: companies with a need in the cell; colour: share of them in a gap ({n_gap_cells} cell(s) "
             "with a gap). Blank: no demand. Service categories with no demand are left out."]
    if suppress_below:
        notes.append(f"Cells with fewer than {suppress_below} companies show <{suppress_below} (public edition).")
    width = max(9.5, 1.05 * len(columns) + 3.2)  # the footer is wrapped for about 9 inches
    height = max(5.2, 0.55 * len(demand.index) + 3.6)
    fig, ax, _footer = start_chart(width, height, title=title, source_note=source_note, notes=notes,
                                   sample_data=sample, watermark_zorder=5)
    masked = np.ma.masked_invalid(share)
    cmap = _COLOURS.with_extremes(bad="white")
    # vector cells (pcolormesh), not a raster image: sharp in SVG and PDF, and much faster to save
    image = ax.pcolormesh(np.arange(share.shape[1] + 1) - 0.5, np.arange(share.shape[0] + 1) - 0.5, masked,
                          cmap=cmap, vmin=0, vmax=1, edgecolors="#dddddd", linewidth=0.8)
    ax.set_xlim(-0.5, share.shape[1] - 0.5)
    ax.set_ylim(share.shape[0] - 0.5, -0.5)
    for i in range(share.shape[0]):
        for j in range(share.shape[1]):
            value = demand.iat[i, j]
            if value > 0:
                dark = share[i, j] > 0.75 or share[i, j] < 0.2
                shown = f"<{suppress_below}" if 0 < value < suppress_below else f"{value:,.0f}"
                ax.text(j, i, shown, ha="center", va="center", fontsize=9,
                        color="white" if dark else "#222222", fontweight="bold")
    ax.set_xticks(range(len(columns)), ["\n".join(textwrap.wrap(str(c), 14)) for c in columns], fontsize=8)
    ax.set_yticks(range(len(demand.index)), [str(r) for r in demand.index], fontsize=9)
    ax.tick_params(length=0)
    for side in ("top", "right", "left", "bottom"):
        ax.spines[side].set_visible(False)
    ax.set_ylabel(str(demand.index.name or "").replace("_", " ").capitalize())
    bar = fig.colorbar(image, ax=ax, fraction=0.035, pad=0.02)
    bar.set_label("Share of the companies in a gap")
    bar.set_ticks([0, 0.5, 1], labels=["0% (served)", "50%", "100% (gap)"])
    return save_figure(fig, path, formats)


__all__ = ["heatmap_chart"]
