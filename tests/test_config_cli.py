"""exportplan config get|set|list, --verbose, the PostgreSQL driver message, one percent format (issue 7, item 8)."""
from __future__ import annotations

import sys
import tomllib

import pandas as pd
import pytest
from click.testing import CliRunner

from exportplan import config as cfg
from exportplan import settings
from exportplan.cli.main import cli
from exportplan.errors import ExportPlanError
from exportplan.output.tables import ownership_label, render_text_table
from exportplan.verbosity import long_list, set_verbose
from exportplan.workspace import Workspace


@pytest.fixture
def folder(tmp_path):
    ws = Workspace.init(tmp_path / "ws", name="Columbus Region", counties=["39049", "39041"])
    ws.close()
    return tmp_path / "ws"


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def saved(folder) -> dict:
    return tomllib.loads((folder / cfg.CONFIG_FILE).read_text(encoding="utf-8"))


def test_set_get_and_list_edit_the_toml_with_validation(folder):
    result = run("-w", folder, "config", "set", "region.centre", "39.96,-82.99")
    assert result.exit_code == 0, result.output
    assert saved(folder)["region"]["centre"] == [39.96, -82.99]
    assert "region.centre = 39.96,-82.99" in result.output
    assert run("-w", folder, "config", "get", "region.centre").stdout.strip() == "39.96,-82.99"
    assert run("-w", folder, "config", "set", "markets.priority_sectors", "336, cluster:6").exit_code == 0
    assert saved(folder)["markets"]["priority_sectors"] == ["336", "cluster:6"]
    assert run("-w", folder, "config", "set", "sectors.weights", "growth=0.3,size=0.1").exit_code == 0
    assert saved(folder)["sectors"]["weights"] == {"growth": 0.3, "size": 0.1}
    assert run("-w", folder, "config", "set", "region.state", "oh").exit_code == 0
    assert saved(folder)["region"]["state"] == "OH"
    assert run("-w", folder, "config", "set", "region.centre", "").exit_code == 0
    assert saved(folder)["region"]["centre"] == []
    listing = run("-w", folder, "config", "list")
    assert listing.exit_code == 0 and "markets.priority_sectors" in listing.output and "336,cluster:6" in listing.output
    assert all(s.name in listing.output for s in cfg.SETTINGS)
    Workspace.open(folder).close()  # what was saved still opens


@pytest.mark.parametrize(("key", "value", "message"), [
    ("region.centre", "95,3", "latitude -90..90"),
    ("region.centre", "north", "two numbers LAT,LON"),
    ("regoin.centre", "1,2", "Did you mean region.centre"),
    ("analysis.window", "2.5", "whole number"),
    ("analysis.ownership", "7", "one of 0, 1, 2, 3, 5"),
    ("markets.coverage_floor", "1.5", "between 0 and 1"),
    ("sectors.weights", "growth=0.3,luck=1", "Unknown weight key 'luck'"),
    ("markets.preset", "cheap", "presets are"),
    ("region.reference_area", "Ohio", "not a QCEW area"),
    ("region.counties", "39049,abc", "5-digit FIPS"),
    ("workspace.id", "x", "cannot be set"),
    ("workspace.sample_data", "true", "cannot be set"),
    ("database.url", "postgresql://me:secret@db/x", "password is never saved"),
])
def test_bad_values_are_refused_and_nothing_is_saved(folder, key, value, message):
    before = (folder / cfg.CONFIG_FILE).read_bytes()
    result = run("-w", folder, "config", "set", key, value)
    assert result.exit_code == 2 and message in result.output, result.output
    assert "Traceback" not in result.output
    assert (folder / cfg.CONFIG_FILE).read_bytes() == before


def test_every_setting_can_be_written_back_as_shown(folder):
    config = cfg.load(folder)
    for s in cfg.SETTINGS:
        if s.name in settings.READ_ONLY or s.name == "database.url":
            continue
        shown = settings.show(settings.get(config, s.name))
        new, _ = settings.set_value(config, s.name, shown)
        assert settings.show(settings.get(new, s.name)) == shown, s.name


def test_messages_name_the_command_not_the_toml_file():
    import pathlib
    import re

    src = pathlib.Path(cfg.__file__).parent
    offenders = []
    for path in src.rglob("*.py"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if re.search(r"(set|Set|Fix|fix|edit|Edit)\b[^\"']*in (exportplan\.toml|\{CONFIG_FILE\})", line):
                offenders.append(f"{path.name}: {line.strip()}")
    assert offenders == []


def test_long_lists_need_verbose():
    items = [f"Region {i}" for i in range(30)]
    try:
        assert long_list(items) == "30 (--verbose lists them)"
        assert long_list(items[:3]) == "Region 0, Region 1, Region 2"
        set_verbose(True)
        assert long_list(items).count("Region") == 30
    finally:
        set_verbose(False)


def test_wdi_aggregates_are_counted_unless_verbose(folder, shared_data):
    path = shared_data / "countries/worldbank_wdi_ny.gdp.mktp.cd.csv"
    quiet = run("-w", folder, "import", "countries", path)
    assert quiet.exit_code == 0, quiet.output
    assert "aggregates left out: 48 (--verbose lists them)" in quiet.output
    assert "Arab World" not in quiet.output
    loud = run("--verbose", "-w", folder, "import", "countries", path)
    assert loud.exit_code == 0 and "Arab World" in loud.output
    set_verbose(False)


def test_postgres_url_without_the_driver_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if psycopg were not installed
    result = run("init", tmp_path / "pg", "--name", "X", "--counties", "39049",
                 "--database-url", "postgresql://me@localhost/exportplan")
    assert result.exit_code == 2, result.output
    assert "pip install 'exportplan[postgres]'" in result.output
    assert "unparseable" not in result.output and "postgresql+psycopg://me@localhost/exportplan" in result.output
    assert not (tmp_path / "pg").exists()


def test_percentages_print_one_way():
    frame = pd.DataFrame({"coverage": [1.0], "p_top5": [0.712], "withheld": [0.04], "emp_growth": [0.123]})
    text = render_text_table(frame)
    assert "100.0%" in text and "71.2%" in text and "4.0%" in text and "12.3%" in text


def test_ownership_in_words():
    assert ownership_label("5") == "private ownership" and ownership_label(0) == "all ownerships"


def test_init_names_the_driver_install_in_the_readme():
    import pathlib

    readme = (pathlib.Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert ".[postgres]" in readme


def test_config_set_refuses_unknown_setting_in_python():
    with pytest.raises(ExportPlanError, match="no setting"):
        settings.setting("nothing.here")


def test_table_help_examples_are_valid_rows_and_true(tmp_path):
    from exportplan.imports import tables as it

    for spec in it.TABLES.values():
        shown = [c for c in spec.columns if c.required or c.example]
        path = tmp_path / f"{spec.name}.csv"
        path.write_text(",".join(c.name for c in shown) + "\n"
                        + ",".join(it._csv_cell(c.example) for c in shown) + "\n", encoding="utf-8")
        frame = it.read_table(spec.name, path)
        assert len(frame) >= 1, spec.name  # (countries: one row per indicator)
    partner = {c.name: c.example for c in it.PARTNERSHIPS.columns}
    assert (partner["partner"], partner["country"]) == ("Hefei", "China")  # Hefei is in China
    fdi = {c.name: c.example for c in it.FDI.columns}
    assert (fdi["company"], fdi["country"]) == ("Honda", "Japan")  # Honda is Japanese


def test_real_wdi_values_match_the_countries_example(shared_data):
    from exportplan.imports import tables as it

    example = {c.name: c.example for c in it.COUNTRIES.columns}
    wdi = pd.read_csv(shared_data / "countries/worldbank_wdi_ny.gdp.mktp.cd.csv")
    row = wdi[(wdi["Country Code"] == "MEX") & (wdi["Year"] == int(example["year"]))]
    assert example["country"] == "Mexico"
    assert float(example["gdp_usd"].replace(",", "")) == pytest.approx(float(row["Value"].iloc[0]), abs=1)
