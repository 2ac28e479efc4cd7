"""The gap heat map: its cells' numbers, the public edition's '<3', and the chart that is not drawn."""
from __future__ import annotations

import re

import pandas as pd
import pytest

from exportplan.output.chartdata import ChartNotDrawn
from exportplan.output.heatmap import heatmap_chart


def _tables():
    demand = pd.DataFrame({"market research": [1, 4], "logistics": [0, 2]}, index=["export-ready", "active"])
    demand.index.name = "stage"
    gaps = pd.DataFrame({"market research": [1, 0], "logistics": [0, 2]}, index=demand.index)
    return demand, gaps


def _cell_texts(svg_path) -> list[str]:
    text = svg_path.read_text(encoding="utf-8")
    return [t.strip() for t in re.findall(r"<text[^>]*>([^<]*)</text>", text)]


@pytest.mark.parametrize("below, shown, hidden", [(0, {"1", "4", "2"}, set()), (3, {"&lt;3", "4"}, {"1", "2"})])
def test_cells_show_counts_or_the_suppressed_mark(tmp_path, below, shown, hidden):
    demand, gaps = _tables()
    paths = heatmap_chart(demand, gaps, tmp_path / "gaps.png", suppress_below=below)
    svg = next(p for p in paths if p.suffix == ".svg")
    texts = set(_cell_texts(svg))
    assert shown <= texts
    assert not hidden & texts
    assert all(p.stat().st_size > 0 for p in paths)


def test_no_company_in_any_cell_draws_nothing(tmp_path):
    demand, gaps = _tables()
    with pytest.raises(ChartNotDrawn, match="no company has a need"):
        heatmap_chart(demand * 0, gaps * 0, tmp_path / "none.png")
    assert not list(tmp_path.iterdir())
