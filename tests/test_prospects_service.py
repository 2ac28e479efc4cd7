"""The prospects service (ws.prospects) and the `prospects` commands on a real workspace and the real files."""
from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from conftest import need
from exportplan.errors import ExportPlanError
from exportplan.workspace import Workspace
from exportplan.ws.prospects import business_keys

BUSINESSES = """name,naics,county_fips,employees,foreign_parent,parent_country
Acme Tool & Die Inc,336390,39049,250,Bosch,Germany
Buckeye Foods,311999,39049,40,,
Columbus Chips,334413,39049,120,,
Acme Tool & Die Inc,336390,39049,12,,
Widget Wholesale,423830,39049,30,,
"""
EXPORTS = "trade/census_usatradeonline_state_exports_by_naics_2012.csv"
QCEW = "qcew/bls_qcew_2019_q1_area_US000.csv"


@pytest.fixture
def files(shared_data, tmp_path):
    exports, qcew = shared_data / EXPORTS, shared_data / QCEW
    need(exports.is_file() and qcew.is_file(), "the USA Trade Online or national QCEW file is missing")
    businesses = tmp_path / "businesses.csv"
    businesses.write_text(BUSINESSES, encoding="utf-8")
    return businesses, exports, qcew


@pytest.fixture
def ws(tmp_path):
    workspace = Workspace.init(tmp_path / "ws", counties=["39049"], name="Test region")
    yield workspace
    workspace.close()


def test_missing_inputs_say_which_command_loads_them(ws, files):
    service = ws.prospects
    with pytest.raises(ExportPlanError, match="prospects import"):
        service.prospects()
    service.import_businesses(files[0])
    with pytest.raises(ExportPlanError, match="prospects intensity"):
        service.prospects()


def test_keys_are_stable_and_repeats_counted():
    frame = pd.DataFrame({"name": ["Acme Tool & Die, Inc.", "ACME TOOL AND DIE", "Acme Foods"],
                          "county_fips": ["39049", "39049", None]})
    assert business_keys(frame) == ["acme tool and die|39049", "acme tool and die|39049-2", "acme foods|"]


def test_prospects_ranked_with_reasons_and_outreach(ws, files):
    businesses, exports, qcew = files
    service = ws.prospects
    first = service.import_businesses(businesses)
    assert first.rows == 5
    stored = ws.pipeline.businesses()
    again = service.import_businesses(businesses)
    assert again.rows == 5
    pd.testing.assert_frame_equal(ws.pipeline.businesses().drop(columns="provenance_id", errors="ignore")
                                  .reset_index(drop=True),
                                  stored.drop(columns="provenance_id", errors="ignore").reset_index(drop=True))
    report = service.import_export_intensity(exports, qcew)
    assert any("2012" in n and "2019" in n for n in report.notes)  # the year gap is said
    table = ws.pipeline.export_intensity().set_index("naics")
    # worked out by hand from the files: 336 exports 241,336,911,762 / mean of Q1 2019 monthly private employment
    assert table.loc["336", "intensity"] == pytest.approx(241_336_911_762 / table.loc["336", "employment"])
    assert table.loc["336", "intensity"] > table.loc["311", "intensity"]
    assert table.loc["334", "intensity"] > table.loc["311", "intensity"]
    assert not bool(table.loc["423", "measured"])

    scored = service.prospects()
    assert list(scored["name"])[:2] == ["Acme Tool & Die Inc", "Columbus Chips"]
    assert scored["reason"].str.len().gt(0).all()
    assert "Germany" in scored.iloc[0]["reason"]
    assert "not measured by goods data" in scored.set_index("name").loc["Widget Wholesale", "reason"]
    meta = scored.attrs["exportplan"]
    assert meta["title"] == "Export prospects" and meta["sources"]
    assert len(service.prospects(top=2)) == 2

    recent = ws.pipeline.add_company(name="Columbus Chips LLC", county_fips="39049")
    ws.pipeline.log_interaction(recent, service.ctx.clock()[:10], "call", "talked about Canada")
    old = ws.pipeline.add_company(name="Buckeye Foods", county_fips="39049")
    ws.pipeline.log_interaction(old, "2020-01-06", "visit", "plant tour")
    outreach = service.outreach()
    names = list(outreach["name"])
    assert "Columbus Chips" not in names
    assert "Buckeye Foods" in names
    row = outreach.set_index("name").loc["Buckeye Foods"]
    assert row["pipeline_key"] == old and "last contact 2020-01-06" in row["outreach_reason"]
    assert outreach.attrs["exportplan"]["title"] == "Outreach list"


def test_failed_import_leaves_the_stored_list(ws, files, tmp_path):
    service = ws.prospects
    service.import_businesses(files[0])
    before = ws.pipeline.businesses()
    bad = tmp_path / "bad.csv"
    bad.write_text("name,naics,county_fips,employees\nGood Co,332,39049,10\nBad Co,33x,39049,-4\n", encoding="utf-8")
    with pytest.raises(ExportPlanError):
        service.import_businesses(bad)
    pd.testing.assert_frame_equal(ws.pipeline.businesses(), before)


def test_failed_first_import_leaves_nothing(ws, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("name,naics,county_fips,employees\nBad Co,33x,39049,-4\n", encoding="utf-8")
    with pytest.raises(ExportPlanError):
        ws.prospects.import_businesses(bad)
    assert ws.pipeline.businesses().empty


def test_cli_imports_and_lists_to_every_format(ws, files, tmp_path):
    from exportplan.cli import prospects  # noqa: F401  (registers the group when main does not yet)
    from exportplan.cli.main import cli

    businesses, exports, qcew = files
    folder = str(tmp_path / "ws")
    ws.close()
    runner = CliRunner()
    result = runner.invoke(cli, ["-w", folder, "prospects", "import", str(businesses)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["-w", folder, "prospects", "intensity", "--exports", str(exports),
                                 "--qcew", str(qcew)])
    assert result.exit_code == 0, result.output
    assert "Year gap" in result.output
    for suffix in ("csv", "xlsx", "json"):
        out = tmp_path / f"prospects.{suffix}"
        result = runner.invoke(cli, ["-w", folder, "prospects", "list", "--top", "3", "--output", str(out)])
        assert result.exit_code == 0, result.output
        assert out.is_file()
    assert "Acme Tool & Die Inc" in result.output
    assert len(pd.read_csv(tmp_path / "prospects.csv")) == 3
    assert len(pd.read_excel(tmp_path / "prospects.xlsx", sheet_name=0)) == 3
    assert json.loads((tmp_path / "prospects.json").read_text(encoding="utf-8"))
    out = tmp_path / "outreach.csv"
    result = runner.invoke(cli, ["-w", folder, "prospects", "list", "--outreach", "--format", "csv",
                                 "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(out)) == 5
    result = runner.invoke(cli, ["-w", folder, "prospects", "intensity", "--exports", str(exports)])
    assert result.exit_code != 0 and "--qcew" in result.output


def test_fetch_export_intensity_replays_a_recorded_census_answer(replay_server, shared_data, tmp_path):
    """The Census path: NAICS 3261's world total (recorded answer, served locally) over national QCEW."""
    recorded = shared_data / "api-responses" / "census_intltrade"
    answer = recorded / "census_intltrade_exports_naics_NAICS3261_by-country_2024-12_ALL_VAL_YR.json"
    qcew_file = shared_data / "qcew" / "bls_qcew_2024_q1_area_US000.csv"
    need(answer.is_file() and qcew_file.is_file(), "the recorded Census answer and the national QCEW file")
    path = "/data/timeseries/intltrade/exports/naics"
    replay_server.add_file(path, answer)
    ws = Workspace.init(tmp_path / "ws", name="Fetch", counties=["39049"])
    try:
        report = ws.prospects.fetch_export_intensity(2024, naics=["3261"], qcew_file=qcew_file, key="k" * 40,
                                                         base_url=replay_server.url(path))
        assert report.rows >= 1
        table = ws.prospects.intensity().set_index("naics")
        row = table.loc["3261"]
        assert float(row["exports_usd"]) == 28562454191  # Census's total for all countries, 2024
        assert int(row["exports_year"]) == 2024 and int(row["employment_year"]) == 2024
        assert float(row["intensity"]) == pytest.approx(28562454191 / float(row["employment"]))
        assert "k" * 40 not in ws.provenance().to_string()
    finally:
        ws.close()


def test_business_keys_take_blank_counties():
    frame = pd.DataFrame({"name": ["Acme Tool Inc.", "Acme Tool", "Beta"],
                          "county_fips": pd.array(["39049", pd.NA, None], dtype="string")})
    assert business_keys(frame) == ["acme tool|39049", "acme tool|", "beta|"]
