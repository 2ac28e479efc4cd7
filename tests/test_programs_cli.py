"""The export services commands: ``programs template|import|list|export|offices|duplicates|role``,
``gaps`` and ``companies match`` (issue 10), on a new workspace and on the sample (built once for the module)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from conftest import need
from exportplan.analysis.program_terms import SHEETS
from exportplan.cli.main import cli
from exportplan.demo.builder import build_demo
from exportplan.demo.sample_programs import COMPLEMENT_PROGRAM, DUPLICATE_PROGRAM, DUPLICATED_PROGRAM
from exportplan.imports.programs import write_programs
from exportplan.workspace import Workspace
from exportplan.ws.programs import catalogue_frames

OFFICES = "programs/ita_us_export_assistance_centers_odo_fixture.csv"


def run(folder, *args, code=0) -> str:
    result = CliRunner().invoke(cli, ["-w", str(folder), *map(str, args)])
    assert result.exit_code == code, result.output + repr(result.exception)
    return result.output


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    folder = tmp_path_factory.mktemp("programs_cli") / "sample"
    build_demo(folder).close()
    return folder


@pytest.fixture
def fresh(tmp_path):
    folder = tmp_path / "ws"
    Workspace.init(folder, name="Programs CLI test", counties=["39049"]).close()
    return folder


def _open(folder):
    return Workspace.open(folder)


def good_file(path: Path) -> Path:
    providers = pd.DataFrame([dict(provider_id="oh-region", name="Ohio Region export office", level="regional",
                                   states="OH", source_url="https://example.org/oh-region")],
                             columns=list(SHEETS["providers"]))
    programs = pd.DataFrame([dict(program_id="oh-logistics", provider_id="oh-region", name="Ohio logistics desk",
                                  status="existing", categories="logistics", stages="all", sectors="all",
                                  countries="all", cost="free", capacity=5, last_verified="2024-03-01",
                                  source_url="https://example.org/oh-region/logistics")],
                            columns=list(SHEETS["programs"]))
    return write_programs({"providers": providers, "programs": programs}, path)


# ------------------------------------------------------------------ programs template / import / list / export

def test_list_shows_the_catalogue_and_not_verified(fresh, tmp_path):
    shipped = catalogue_frames()["programs"]
    out = run(fresh, "programs", "list")
    assert f"{len(shipped)} program(s)" in out
    assert "not verified" in out
    run(fresh, "programs", "list", "--output", tmp_path / "list.csv")
    listed = pd.read_csv(tmp_path / "list.csv", dtype=str, keep_default_na=False).set_index("program_id")
    for row in shipped.to_dict("records"):
        expected = row["last_verified"].strip() or "not verified"
        assert listed.loc[row["program_id"], "last_verified"] == expected, row["program_id"]
    federal = run(fresh, "programs", "list", "--level", "federal")
    assert f"{len(shipped)} program(s)" in federal
    assert "0 program(s)" in run(fresh, "programs", "list", "--level", "regional")
    gold = run(fresh, "programs", "list", "--category", "partner and buyer matchmaking", "--output",
               tmp_path / "gold.csv")
    assert "Wrote" in gold or (tmp_path / "gold.csv").exists()
    matchmaking = pd.read_csv(tmp_path / "gold.csv", dtype=str)
    assert "uscs-gold-key" in set(matchmaking["program_id"])
    assert matchmaking["categories"].str.contains("partner and buyer matchmaking").all()


def test_template_import_reimport_and_bad_file(fresh, tmp_path):
    assert "Wrote" in run(fresh, "programs", "template", tmp_path / "template.xlsx")
    with pd.ExcelFile(tmp_path / "template.xlsx") as book:
        assert {"providers", "programs", "events", "instructions"} <= set(book.sheet_names)
        assert list(pd.read_excel(book, "programs", nrows=0).columns) == list(SHEETS["programs"])
    # the empty template imports and changes nothing
    run(fresh, "programs", "import", tmp_path / "template.xlsx")
    path = good_file(tmp_path / "good.xlsx")
    first = run(fresh, "programs", "import", path)
    assert "providers: 1 added" in first and "programs: 1 added" in first
    again = run(fresh, "programs", "import", path)
    assert "providers: 0 added, 0 changed, 1 unchanged" in again
    assert "programs: 0 added, 0 changed, 1 unchanged" in again
    listed = run(fresh, "programs", "list", "--level", "regional")
    assert "1 program(s)" in listed and "Ohio logistics desk" in listed and "2024-03-01" in listed
    # a bad file: the error table, exit code 2, nothing written
    bad = tmp_path / "bad.xlsx"
    frame = pd.read_excel(path, sheet_name=None, dtype=str)
    frame["programs"].loc[0, ["program_id", "max_employees", "cost"]] = ["oh-new", "many", "gratis"]
    with pd.ExcelWriter(bad) as book:
        for name, sheet in frame.items():
            sheet.to_excel(book, sheet_name=name, index=False)
    result = CliRunner().invoke(cli, ["-w", str(fresh), "programs", "import", str(bad)])
    assert result.exit_code == 2, result.output
    assert "Error:" in result.output and "nothing was written" in result.output
    assert "line 2, column 'max_employees'" in result.output and "'many'" in result.output
    assert "column 'cost'" in result.output and "'gratis'" in result.output
    assert "oh-new" not in run(fresh, "programs", "list", "--output", tmp_path / "after.csv") + \
        (tmp_path / "after.csv").read_text(encoding="utf-8")


def test_import_of_a_missing_file_is_refused_by_the_command(fresh, tmp_path):
    result = CliRunner().invoke(cli, ["-w", str(fresh), "programs", "import", str(tmp_path / "none.xlsx")])
    assert result.exit_code == 2 and "does not exist" in result.output


def test_export_formats(sample, tmp_path):
    out = run(sample, "programs", "export", "--output", tmp_path / "inventory.xlsx")
    assert "Wrote" in out
    with _open(sample) as ws:
        stored = {sheet: len(frame) for sheet, frame in ws.programs.inventory().items()}
    with pd.ExcelFile(tmp_path / "inventory.xlsx") as book:
        for sheet, columns in SHEETS.items():
            read = pd.read_excel(book, sheet, dtype=str)
            assert list(read.columns) == list(columns) and len(read) == stored[sheet], sheet
    run(sample, "programs", "export", "--output", tmp_path / "providers.csv", "--sheet", "providers")
    providers = pd.read_csv(tmp_path / "providers.csv", dtype=str)
    assert list(providers.columns) == list(SHEETS["providers"]) and len(providers) == stored["providers"]
    run(sample, "programs", "export", "--output", tmp_path / "inventory.json")
    assert DUPLICATE_PROGRAM in (tmp_path / "inventory.json").read_text(encoding="utf-8")


# ------------------------------------------------------------------ programs offices

def test_offices_import_and_list(tmp_path, shared_data):
    path = shared_data / OFFICES
    need(path.is_file(), f"the ITA office list {path} is missing")
    folder = tmp_path / "cbus"
    Workspace.init(folder, name="Columbus area", counties=["39049", "39041", "39045", "39089"]).close()
    out = run(folder, "programs", "offices", "--import", path)
    assert "Columbus U.S. Export Assistance Center" in out
    assert "Cincinnati" in out and "Cleveland" in out and "Louisville" not in out
    kentucky = run(folder, "programs", "offices", "--state", "ky")
    assert "Louisville" in kentucky and "Lexington" in kentucky and "Columbus" not in kentucky
    two = tmp_path / "two"
    Workspace.init(two, name="Two states", counties=["39061", "21117"]).close()
    run(two, "programs", "offices", "--import", path, "--output", tmp_path / "two.csv")
    listed = pd.read_csv(tmp_path / "two.csv", dtype=str)
    assert set(listed["states"]) == {"OH", "KY"}
    assert {"Louisville", "Lexington", "Cincinnati"} <= {name.split()[0] for name in listed["name"]}


def test_offices_without_an_office_list_says_how_to_load_it(fresh):
    out = run(fresh, "programs", "offices")
    assert "0 office(s)" in out and "No office list is loaded" in out


# ------------------------------------------------------------------ programs duplicates / role

def test_duplicates(sample, tmp_path):
    with _open(sample) as ws:
        names = ws.programs.programs().set_index("program_id")["name"]
    run(sample, "programs", "duplicates", "--output", tmp_path / "dups.csv")
    dups = pd.read_csv(tmp_path / "dups.csv", dtype=str)
    assert set(dups["kind"]) == {"duplication"}
    row = dups[dups["program_id"] == DUPLICATE_PROGRAM]
    assert len(row) and DUPLICATED_PROGRAM in set(row["duplicates_id"])
    assert COMPLEMENT_PROGRAM not in set(dups["program_id"])
    out = run(sample, "programs", "duplicates")
    assert "duplication(s)" in out and names[DUPLICATE_PROGRAM][:20] in out
    run(sample, "programs", "duplicates", "--all", "--output", tmp_path / "all.csv")
    every = pd.read_csv(tmp_path / "all.csv", dtype=str)
    assert "complement" in set(every.loc[every["program_id"] == COMPLEMENT_PROGRAM, "kind"])


def test_role_follows_the_organization_settings(sample):
    with _open(sample) as ws:
        saved = dict(ws.config["organization"])
    try:
        run(sample, "config", "set", "organization.staff", "2")
        small = run(sample, "programs", "role")
        assert "Role: connect and refer" in small and "candidate program(s)" not in small
        run(sample, "config", "set", "organization.staff", "8")
        run(sample, "config", "set", "organization.budget", "900000")
        large = run(sample, "programs", "role")
        assert "Role: connect, refer and run programs" in large and "candidate program(s)" in large
    finally:
        run(sample, "config", "set", "organization.staff", saved["staff"])
        run(sample, "config", "set", "organization.budget", saved["budget"])


# ------------------------------------------------------------------ gaps

def test_gaps_lists_the_gaps(sample, tmp_path):
    with _open(sample) as ws:
        gaps = ws.programs.gaps()
    n_gaps = int(gaps["gap"].sum())
    assert n_gaps > 0
    out = run(sample, "gaps")
    assert f"{n_gaps} gap(s) of {len(gaps)} demand cell(s)" in out
    run(sample, "gaps", "--all", "--output", tmp_path / "gaps.xlsx")
    with pd.ExcelFile(tmp_path / "gaps.xlsx") as book:
        first = pd.read_excel(book, book.sheet_names[0])
    assert len(first) == len(gaps)
    assert {"category", "stage", "sector", "iso3", "demand", "status"} <= set(first.columns)
    assert int(first["gap"].astype(bool).sum()) == n_gaps


def test_gaps_by_stage_with_chart(sample, tmp_path):
    from PIL import Image

    chart = tmp_path / "gaps.png"
    out = run(sample, "gaps", "--by", "stage", "--chart", chart)
    assert "Companies in a gap, by stage and service category" in out
    assert "Wrote" in out and chart.exists() and chart.stat().st_size > 0
    with Image.open(chart) as image:
        assert image.size[0] > 0 and image.size[1] > 0


# ------------------------------------------------------------------ companies match

def test_companies_match(sample, tmp_path):
    with _open(sample) as ws:
        needs = ws.programs.needs()
        key = sorted(needs["company_id"])[0]
        expected = ws.programs.match(key)
        without = sorted(set(ws.programs.company_rows()["company_id"]) - set(needs["company_id"]))
    run(sample, "companies", "match", key, "--output", tmp_path / "match.csv")
    listed = pd.read_csv(tmp_path / "match.csv", dtype=str, keep_default_na=False)
    assert len(listed) == len(expected) and listed["reason"].str.len().gt(0).all()
    assert list(listed["program"]) == list(expected["program"])
    for _need, group in listed.groupby(["service_category", "iso3"], sort=False):
        flags = [value.lower() in ("true", "yes", "1") for value in group["eligible"]]
        assert flags == sorted(flags, reverse=True)  # eligible first
    printed = run(sample, "companies", "match", key)
    assert expected.iloc[0]["program"][:20] in printed
    unknown = CliRunner().invoke(cli, ["-w", str(sample), "companies", "match", "NO-SUCH-COMPANY"])
    assert unknown.exit_code == 2 and "Error:" in unknown.output and "NO-SUCH-COMPANY" in unknown.output
    if without:
        empty = CliRunner().invoke(cli, ["-w", str(sample), "companies", "match", without[0]])
        assert empty.exit_code == 2 and "no needs recorded" in empty.output and "needs sheet" in empty.output
