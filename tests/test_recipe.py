"""The README's real-region recipe, run as a new user runs it, on the real public files.

The block fenced as ```sh recipe in README.md is read line by line: ``DATA=...``
sets the folder of the publishers' files (here ../shared/data), and each
``exportplan ...`` line runs through the command line in a fresh folder. Every
step must succeed with no hand edits; then the results are checked the way a
reader would look at them.
"""
from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from exportplan.cli.main import cli

ROOT = Path(__file__).resolve().parents[1]
TERRITORIES = {"ASM", "GUM", "MNP", "PRI", "VIR", "UMI"}


def recipe_lines() -> list[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"```sh recipe\n(.*?)```", text, re.S)
    assert found, "README.md has no ```sh recipe block"
    return [line.split("  #")[0].strip() for line in found.group(1).splitlines() if line.strip()]


@pytest.fixture(scope="module")
def recipe(shared_data, tmp_path_factory):
    folder = tmp_path_factory.mktemp("recipe")
    data = None
    outputs: dict[str, str] = {}
    runner = CliRunner()
    before = os.getcwd()
    os.chdir(folder)  # the recipe's relative paths (the workspace, the charts) land here
    try:
        for line in recipe_lines():
            if line.startswith("DATA="):
                data = str(shared_data)
                continue
            words = shlex.split(line)
            assert words[0] == "exportplan", line
            args = [w.replace("$DATA", data) for w in words[1:]]
            result = runner.invoke(cli, args)
            assert result.exit_code == 0, f"{line}\n{result.output}"
            assert "Traceback" not in result.output, line
            outputs[line] = result.output
    finally:
        os.chdir(before)
    return {"dir": folder, "outputs": outputs}


def _output(recipe, fragment: str) -> str:
    return next(out for line, out in recipe["outputs"].items() if fragment in line)


def test_recipe_runs_end_to_end(recipe):
    assert len(recipe["outputs"]) == len(recipe_lines()) - 1


def test_largest_industries_have_lqs_or_bounds_with_a_reason(recipe):
    from exportplan.workspace import Workspace

    ws = Workspace.open(recipe["dir"] / "columbus")
    try:
        top = ws.industries(level=3).head(15)
    finally:
        ws.close()
    for row in top.itertuples():
        assert pd_ok(row.lq) or (pd_ok(row.lq_low) and isinstance(row.lq_note, str) and row.lq_note), row.naics
    assert pd_ok(top.set_index("naics").loc["524", "lq"])  # Insurance: a strength of the region, not blank


def pd_ok(value) -> bool:
    return value is not None and value == value


def test_every_chart_is_drawn_or_says_why_not(recipe):
    for fragment, name in (("industries --level 3", "industries.png"), ("clusters --type", "clusters.png"),
                           ("rank sectors", "sectors.png"), ("--map", "markets_map.png"), ("--map", "markets.png")):
        out = _output(recipe, fragment)
        drawn = (recipe["dir"] / name).is_file() and f"Wrote {name}" in out
        assert drawn or "not drawn" in out, (name, out[-500:])


def test_market_ranking_fits_a_foreign_market_ranking(recipe):
    from exportplan.workspace import Workspace

    ws = Workspace.open(recipe["dir"] / "columbus")
    try:
        ranking = ws.rank_markets(draws=300)
    finally:
        ws.close()
    ranked = set(ranking.table["iso3"])
    assert not ranked & TERRITORIES
    assert not any("IC.BUS.EASE" in c.key or "doing business" in c.label.lower() for c in ranking.criteria)
    top10 = list(ranking.table["iso3"].head(10))
    assert {"CAN", "MEX"} <= set(top10[:3]) and "JPN" in top10
    assert "Mexico" in _output(recipe, "--explain MEX")
