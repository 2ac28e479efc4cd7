"""The command line as a user meets it: demo, init, import, tables, errors."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from exportplan.cli.main import cli


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli") / "sample"
    result = CliRunner().invoke(cli, ["demo", str(folder)])
    assert result.exit_code == 0, result.output
    assert "SAMPLE DATA" in result.output
    return folder


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_demo_writes_outputs(demo_dir):
    out = demo_dir / "outputs"
    for name in ("industries.xlsx", "clusters.csv", "clusters_bubble.png", "clusters_bubble.svg"):
        assert (out / name).stat().st_size > 0, name


def test_demo_refuses_to_overwrite_without_force(demo_dir):
    result = run("demo", demo_dir)
    assert result.exit_code == 2 and "--force" in result.output


@pytest.mark.parametrize("where", ["before", "after"])
def test_workspace_option_before_or_after_the_command(demo_dir, where):
    args = ["-w", demo_dir, "industries", "--level", "2"] if where == "before" else \
        ["industries", "--level", "2", "-w", demo_dir]
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert "Manufacturing" in result.output and "SAMPLE DATA" in result.output


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_industries_written_in_each_format(demo_dir, tmp_path, fmt):
    out = tmp_path / f"ind.{fmt}"
    result = run("-w", demo_dir, "industries", "--level", "3", "--format", fmt, "--output", out)
    assert result.exit_code == 0, result.output
    if fmt == "csv":
        header = out.read_text().splitlines()[0].split(",")
        for col in ("naics", "title", "level", "ownership", "year", "employment", "establishments", "avg_pay",
                    "lq", "growth", "withheld"):
            assert col in header, col
    elif fmt == "json":
        doc = json.loads(out.read_text())
        assert doc["meta"]["sample_data"] is True and doc["meta"]["sources"]
        assert {"naics", "lq"} <= set(doc["columns"])


def test_clusters_csv_has_required_columns_and_chart(demo_dir, tmp_path):
    out = tmp_path / "cl.csv"
    result = run("-w", demo_dir, "clusters", "--output", out, "--chart", tmp_path / "bubble.png")
    assert result.exit_code == 0, result.output
    header = out.read_text().splitlines()[0].split(",")
    for col in ("cluster_code", "cluster_name", "type", "employment", "establishments", "lq", "growth", "strong"):
        assert col in header, col
    assert (tmp_path / "bubble.png").exists() and (tmp_path / "bubble.svg").exists()
    assert "withheld at the 6-digit level" in result.output  # every table reports the withheld share


def test_sources_lists_every_file(demo_dir):
    result = run("-w", demo_dir, "sources")
    assert result.exit_code == 0 and "QCEW" in result.output and "crosswalk" in result.output


def test_not_a_workspace_gives_a_clear_message(tmp_path):
    result = run("-w", tmp_path, "industries")
    assert result.exit_code == 2
    assert "not an exportplan workspace" in result.output and "exportplan init" in result.output


def test_init_with_bad_county_code(tmp_path):
    result = run("init", tmp_path / "w", "--name", "X", "--counties", "39049,ABCDE")
    assert result.exit_code == 2 and "'ABCDE'" in result.output


def test_import_error_table_is_shown(tmp_path, demo_dir):
    bad = tmp_path / "targets.csv"
    bad.write_text("target,priority\n3364,high\n")
    result = run("-w", demo_dir, "import", "targets", bad)
    assert result.exit_code == 2
    assert "line 2" in result.output and "priority" in result.output and "nothing was written" in result.output


def test_hostile_company_name_is_stored_as_text(tmp_path, demo_dir):
    hostile = tmp_path / "survey.csv"
    hostile.write_text("company,country\n\"=cmd|' /C calc'!A0\",MEX\n<script>alert(1)</script>,CAN\n")
    result = run("-w", demo_dir, "import", "survey", hostile)
    assert result.exit_code == 0, result.output
    from exportplan.workspace import Workspace

    with Workspace.open(demo_dir) as ws:
        names = set(ws.user_table("survey")["company"])
    assert "=cmd|' /C calc'!A0" in names and "<script>alert(1)</script>" in names


def test_fetch_years_parse_error(demo_dir):
    result = run("-w", demo_dir, "fetch", "qcew", "--years", "20x9")
    assert result.exit_code == 2 and "not a year" in result.output


def test_shift_share_parts_add_up(demo_dir, tmp_path):
    out = tmp_path / "ss.csv"
    result = run("-w", demo_dir, "shift-share", "--level", "3", "--output", out)
    assert result.exit_code == 0, result.output
    import pandas as pd

    df = pd.read_csv(out, dtype={"naics": str}).dropna(subset=["national_share"])
    assert len(df) > 10
    parts = df["national_share"] + df["industry_mix"] + df["competitive_shift"]
    assert (parts - df["change"]).abs().max() < 1e-6


def test_every_command_takes_the_workspace_option():
    import click

    def leaves(group, path):
        for name, command in group.commands.items():
            if isinstance(command, click.Group):
                yield from leaves(command, path + [name])
            else:
                yield path + [name], command

    missing = [" ".join(p) for p, c in leaves(cli, []) if not any("--workspace" in getattr(o, "opts", ()) for o in c.params)]
    assert not missing, missing


@pytest.mark.parametrize("args", [["clusters", "--year", "1900"], ["industries", "--year", "1900"],
                                  ["shift-share", "--start", "1900"], ["rank", "sectors", "--year", "2030"]])
def test_a_year_not_loaded_is_a_clear_error(demo_dir, args):
    result = run("-w", demo_dir, *args)
    assert result.exit_code == 2, result.output
    assert "No QCEW data for" in result.output and "loaded years: 2018" in result.output
