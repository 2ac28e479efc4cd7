"""The ``companies`` commands and the pipeline service's file, assessment and metrics methods."""
from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from exportplan.cli.main import cli
from exportplan.demo.sample_pipeline import write_sample_pipeline
from exportplan.workspace import Workspace


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return write_sample_pipeline(tmp_path_factory.mktemp("sample")).pipeline


def _init(folder):
    ws = Workspace.init(folder, name="Companies test", counties=["39049"], centre=[39.96, -82.99])
    ws.close()
    return folder


def run(folder, *args, code=0):
    result = CliRunner().invoke(cli, ["-w", str(folder), *map(str, args)])
    assert result.exit_code == code, result.output + repr(result.exception)
    return result.output


@pytest.fixture(scope="module")
def loaded(tmp_path_factory, sample):
    folder = _init(tmp_path_factory.mktemp("ws") / "ws")
    out = run(folder, "companies", "import", sample)
    assert "companies: 300 added" in out and "no NAICS code" in out
    return folder


def _all_sheets(folder, tmp):
    path = tmp / "all.xlsx"
    run(folder, "companies", "export", "--format", "xlsx", "--output", path, "--with-contacts")
    sheets = pd.read_excel(path, sheet_name=None, dtype=str)
    return {name: frame.sort_values(list(frame.columns)).reset_index(drop=True)
            for name, frame in sheets.items() if name not in ("instructions", "sources")}


def test_list_filter_and_reimport(loaded, sample, tmp_path):
    out = run(loaded, "companies", "list", "--stage", "active", "--limit", "3")
    assert "(3 shown)" in out and "active" in out
    assert "email" not in out
    assert "300 companies" in run(loaded, "companies", "list", "--search", "SAMPLE")
    run(loaded, "companies", "list", "--naics", "33", "--output", tmp_path / "list.csv")
    listed = pd.read_csv(tmp_path / "list.csv", dtype=str)
    assert len(listed) and listed["naics"].str.startswith("33").all()
    again = run(loaded, "companies", "import", sample)
    assert "0 added, 0 changed, 300 unchanged" in again
    run(loaded, "companies", "list", "--duplicates")


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_export_formats_leave_out_contacts(loaded, tmp_path, fmt):
    path = tmp_path / f"pipeline.{fmt}"
    run(loaded, "companies", "export", "--format", fmt, "--output", path)
    text = path.read_text(encoding="utf-8", errors="replace") if fmt != "xlsx" else ""
    if fmt == "xlsx":
        with pd.ExcelFile(path) as book:
            assert "contacts" not in book.sheet_names
    else:
        assert "SAMPLE-0001" in text and "@" not in text.replace("'@", "")
    if fmt == "xlsx":
        with_contacts = tmp_path / "with.xlsx"
        run(loaded, "companies", "export", "--output", with_contacts, "--with-contacts")
        assert len(pd.read_excel(with_contacts, sheet_name="contacts")) > 0


def test_export_import_round_trip(loaded, tmp_path):
    path = tmp_path / "round.xlsx"
    run(loaded, "companies", "export", "--output", path, "--with-contacts")
    empty = _init(tmp_path / "empty")
    run(empty, "companies", "import", path)
    first = _all_sheets(loaded, tmp_path)
    (tmp_path / "b").mkdir()
    second = _all_sheets(empty, tmp_path / "b")
    assert first.keys() == second.keys()
    for name in first:
        pd.testing.assert_frame_equal(first[name], second[name], obj=name)
    assert "0 added, 0 changed" in run(empty, "companies", "import", path)


def test_template_and_metrics(loaded, tmp_path):
    assert "Wrote" in run(loaded, "companies", "template", tmp_path / "template.xlsx")
    assert (tmp_path / "template.xlsx").exists()
    out = run(loaded, "companies", "metrics")
    for title in ("stage counts", "stage flows", "exporting share", "markets per exporter", "conversion"):
        assert title in out


def test_assess_records(tmp_path, sample):
    folder = _init(tmp_path / "ws")
    run(folder, "companies", "import", sample)
    assert "management_commitment" in run(folder, "companies", "assess", "--questions")
    answers = tmp_path / "answers.json"
    answers.write_text(json.dumps({"management_commitment": "budgeted", "export_goals": "written"}))
    ws = Workspace.open(folder)
    try:
        before = ws.pipeline.company("SAMPLE-0002")
        out = run(folder, "companies", "assess", "SAMPLE-0002", "--answers", answers)
        assert "Stage unchanged" in out
        result = ws.pipeline.assess("SAMPLE-0002", {"export_markets": "five_plus"}, confirm=True,
                                    assessed_by="Sample Staff 1")
        after = ws.pipeline.company("SAMPLE-0002")
        assert after["stage"] == result.suggested_stage
        assert len(after["assessments"]) == 2 and after["assessments"][-1]["assessed_by"] == "Sample Staff 1"
        if result.suggested_stage != before["stage"]:
            assert after["stage_history"][-1]["source"] == "assessment"
            assert after["stage_history"][-1]["from_stage"] == before["stage"]
        out = run(folder, "companies", "assess", "SAMPLE-0003", "--answer", "export_markets=none", "--confirm")
        assert "Stage set to" in out
        assert ws.pipeline.company("SAMPLE-0003")["assessments"]

        run(folder, "companies", "log", "SAMPLE-0002", "--date", "2024-05-02", "--kind", "call",
            "--summary", "Asked about Mexico", "--staff", "Sample Staff 2")
        run(folder, "companies", "refer", "SAMPLE-0002", "--provider", "SBA", "--program", "STEP grant",
            "--date", "2024-05-03")
        run(folder, "companies", "outcome", "SAMPLE-0002", "--kind", "new market", "--date", "2024-06-01",
            "--country", "MEX", "--sales", "12000")
        record = ws.pipeline.company("SAMPLE-0002")
        assert any(r["summary"] == "Asked about Mexico" for r in record["interactions"])
        assert any(r["program"] == "STEP grant" for r in record["referrals"])
        assert any(r["kind"] == "new market" and r["iso3"] == "MEX" for r in record["outcomes"])
        assert "Asked about Mexico" in run(folder, "companies", "show", "SAMPLE-0002")
        bad = run(folder, "companies", "log", "SAMPLE-0002", "--date", "2024-05-02", "--kind", "party",
                  "--summary", "x", code=2)
        assert "Error" in bad

        contacts = ws.pipeline.company("SAMPLE-0004")["contacts"]
        assert contacts
        shown = run(folder, "companies", "show", "SAMPLE-0004")
        assert contacts[0]["name"] not in shown
        assert contacts[0]["name"] in run(folder, "companies", "show", "SAMPLE-0004", "--with-contacts")
        run(folder, "companies", "forget-contact", "SAMPLE-0004", "--name", contacts[0]["name"])
        run(folder, "companies", "forget-contact", contacts[-1]["id"]) if len(contacts) > 1 else None
        assert not any(c["name"] == contacts[0]["name"] for c in ws.pipeline.company("SAMPLE-0004")["contacts"])

        keep_n = len(ws.pipeline.company("SAMPLE-0005")["interactions"])
        drop_n = len(ws.pipeline.company("SAMPLE-0006")["interactions"])
        assert "Merged SAMPLE-0006 into SAMPLE-0005" in run(folder, "companies", "merge", "SAMPLE-0005", "SAMPLE-0006")
        assert len(ws.pipeline.company("SAMPLE-0005")["interactions"]) == keep_n + drop_n
        assert "Error" in run(folder, "companies", "show", "SAMPLE-0006", code=2)
    finally:
        ws.close()


def test_saved_mapping_for_crm_csv(tmp_path):
    folder = _init(tmp_path / "ws")
    first = tmp_path / "crm.csv"
    pd.DataFrame({"Account ID": ["C-1", "C-2"], "Account Name": ["Buckeye Widgets", "Scioto Foods"],
                  "Industry Code": ["332710", "311412"], "County": ["39049", "39049"]}).to_csv(first, index=False)
    maps = ["--map", "Account ID=company_id", "--map", "Account Name=name", "--map", "Industry Code=naics",
            "--map", "County=county_fips"]
    out = run(folder, "companies", "import", first, *maps, "--save-mapping", "crm")
    assert "2 added" in out and "saved as 'crm'" in out
    second = tmp_path / "crm-june.csv"
    pd.DataFrame({"Account ID": ["C-3"], "Account Name": ["Olentangy Plastics"], "Industry Code": ["326199"],
                  "County": ["39049"]}).to_csv(second, index=False)
    assert "1 added" in run(folder, "companies", "import", second, "--mapping", "crm")
    ws = Workspace.open(folder)
    try:
        assert ws.pipeline.company("C-3")["naics"] == "326199"
        report = ws.pipeline.import_companies(second, mapping="crm")
        assert "0 added" in str(report)
    finally:
        ws.close()


def test_import_reports_likely_duplicates(tmp_path):
    folder = _init(tmp_path / "ws")
    ws = Workspace.open(folder)
    try:
        ws.pipeline.add_company(company_id="A-1", name="Acme Tool & Die, Inc.", county_fips="39049")
        path = tmp_path / "more.csv"
        pd.DataFrame({"company_id": ["A-2"], "name": ["ACME TOOL AND DIE"], "county_fips": ["39049"]}).to_csv(
            path, index=False)
        text = str(ws.pipeline.import_companies(path))
        assert "1 likely duplicate pair(s)" in text and "A-1 ~ A-2" in text and "never merged" in text
        assert "no NAICS code" in text
    finally:
        ws.close()


def test_update_fields_and_conflict(tmp_path, sample):
    folder = _init(tmp_path / "ws")
    run(folder, "companies", "import", sample)
    ws = Workspace.open(folder)
    key = ws.pipeline.companies(limit=1)["company_id"].iloc[0]
    before = ws.pipeline.company(key)
    ws.close()
    out = run(folder, "companies", "update", key, "--set", "employees=1234", "--set", "target_markets=Mexico;CAN")
    assert f"Updated {key}: employees, target_markets (version {before['version'] + 1})" in out
    out = run(folder, "companies", "update", key, "--set", "employees=1234")
    assert "nothing changed" in out
    # a version read before someone else saved is refused, and nothing is written
    out = run(folder, "companies", "update", key, "--set", "employees=5", "--expect-version", before["version"],
              code=2)
    assert "changed by another user" in out and "nothing was saved" in out
    out = run(folder, "companies", "update", key, "--set", "employees=-3", "--set", "colour=red", code=2)
    assert "colour" in out and "employees" in out
    ws = Workspace.open(folder)
    after = ws.pipeline.company(key)
    assert after["employees"] == 1234 and after["target_markets"] == "MEX;CAN"
    assert set(ws.pipeline.changes(key)["field"]) >= {"employees", "target_markets"}
    ws.close()


def test_metrics_by_sector_and_naics2(loaded, tmp_path):
    run(loaded, "companies", "metrics", "--by", "naics2", "--output", tmp_path / "m.csv")
    share = pd.read_csv(tmp_path / "m-exporting_share.csv", dtype={"naics2": str})
    assert list(share.columns[:3]) == ["naics2", "companies", "exporting"]
    assert (share["naics2"].str.fullmatch(r"\d\d") | (share["naics2"] == "(blank)")).all()
    assert share["companies"].sum() == 300 and "(blank)" in set(share["naics2"])
    out = run(loaded, "companies", "metrics", "--by", "sector", "--by", "county")
    assert "exporting share" in out and "county_fips" in out
    run(loaded, "companies", "metrics", "--by", "colour", code=2)


def test_a_referral_to_an_inventory_program_keeps_its_program_id_through_export_and_import(tmp_path, sample):
    folder = _init(tmp_path / "ws")
    run(folder, "companies", "import", sample)
    ws = Workspace.open(folder)
    key = ws.pipeline.companies(limit=1)["company_id"].iloc[0]
    ws.close()
    run(folder, "companies", "refer", key, "--program-id", "uscs-gold-key", "--date", "2026-01-15")
    run(folder, "companies", "export", "--format", "xlsx", "--output", tmp_path / "all.xlsx")
    other = _init(tmp_path / "other")
    run(other, "companies", "import", tmp_path / "all.xlsx")
    ws = Workspace.open(other)
    referrals = ws.pipeline.records("referrals")
    mine = referrals[(referrals["company_id"] == key) & (referrals["program_id"] == "uscs-gold-key")]
    assert len(mine) == 1 and mine["provider"].iloc[0].startswith("U.S. Commercial Service")
    assert (referrals["program_id"] == "").sum() == len(referrals) - 1
    ws.close()
    again = run(other, "companies", "import", tmp_path / "all.xlsx")
    assert "0 added, 0 changed" in again
