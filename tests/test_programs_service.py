"""The export services service (``ws.programs``) on real workspaces (issue 10, "Show it works").

- the shipped catalogue in every new workspace, each row with its source URL and the date of its
  evidence (blank = not verified, never a date after today);
- ITA's real office list: the offices of each of the region's states;
- bad program files refused with the error table and nothing written, on SQLite and PostgreSQL;
- export and import back unchanged (XLSX, and one CSV per sheet);
- gaps on a hand-built workspace with known answers (no supply, capacity short and shared in
  proportion to demand, unknown capacity, eligibility excluding the only provider) and a proposed
  program duplicating a federal service;
- duplication and complementarity on the sample and on the shipped catalogue;
- the organization's role, and referral matching.

The sample workspace is built once for the module (it takes about 20 s).
"""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from conftest import need
from exportplan.analysis import program_duplicates as adup
from exportplan.analysis.org_role import CONNECT, RUN
from exportplan.analysis.program_terms import SHEETS
from exportplan.demo.builder import build_demo
from exportplan.demo.sample_programs import (COMPLEMENT_PROGRAM, COMPLEMENTED_PROGRAM, DUPLICATE_PROGRAM,
                                             DUPLICATED_PROGRAM)
from exportplan.errors import ExportPlanError, ImportFailed
from exportplan.imports.programs import write_programs
from exportplan.workspace import Workspace
from exportplan.ws.programs import catalogue_frames

OFFICES = "programs/ita_us_export_assistance_centers_odo_fixture.csv"
COLUMBUS_AREA = ["39049", "39041", "39045", "39089", "39097", "39117", "39129", "39159"]
KEYS = {"providers": "provider_id", "programs": "program_id", "events": "event_id"}
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
URL = re.compile(r"^https?://\S+$")


# ------------------------------------------------------------------ helpers and fixtures

@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    ws = build_demo(tmp_path_factory.mktemp("programs") / "sample")
    yield ws
    ws.close()


@pytest.fixture
def fresh(tmp_path):
    """A new Ohio workspace (Franklin County): the catalogue and nothing else."""
    ws = Workspace.init(tmp_path / "ws", name="Programs test", counties=["39049"])
    yield ws
    ws.close()


def sorted_inventory(ws: Workspace, *, origin: bool = True) -> dict[str, pd.DataFrame]:
    """The stored inventory, each sheet sorted by its key (``origin`` kept or left out)."""
    out = {}
    for sheet, frame in ws.programs.inventory().items():
        frame = frame if origin else frame.drop(columns=["origin"], errors="ignore")
        out[sheet] = frame.sort_values(KEYS[sheet]).reset_index(drop=True)
    return out


def assert_same_inventory(first: dict[str, pd.DataFrame], second: dict[str, pd.DataFrame]) -> None:
    assert first.keys() == second.keys()
    for sheet in first:
        pd.testing.assert_frame_equal(first[sheet], second[sheet], obj=sheet)


def program_file(path: Path, providers: list[dict] = (), programs: list[dict] = (), events: list[dict] = ()) -> Path:
    """A program workbook in the template's columns (cells not given are blank)."""
    frames = {}
    for sheet, rows in (("providers", providers), ("programs", programs), ("events", events)):
        frames[sheet] = pd.DataFrame(list(rows), columns=list(SHEETS[sheet]))
    return write_programs(frames, path)


def ohio_region(**over) -> dict:
    row = dict(provider_id="oh-region", name="Ohio Region export office", level="regional", type="regional EDO",
               states="OH", source_url="https://example.org/oh-region")
    row.update(over)
    return row


def program(program_id: str, name: str, categories: str, **over) -> dict:
    """A regional existing program of ``oh-region`` for every stage, sector and country, free, unknown capacity."""
    row = dict(program_id=program_id, provider_id="oh-region", name=name, status="existing", categories=categories,
               stages="all", sectors="all", countries="all", cost="free",
               source_url=f"https://example.org/oh-region/{program_id}")
    row.update(over)
    return row


def overlaps(frame: pd.DataFrame, program_id: str, kind: str | None = None) -> set[str]:
    """The existing programs ``program_id`` overlaps (of ``kind``)."""
    rows = frame[frame["program_id"] == program_id]
    if kind is not None:
        rows = rows[rows["kind"] == kind]
    return set(rows["duplicates_id"])


# ------------------------------------------------------------------ 1. the catalogue

def test_catalogue_rows_carry_source_url_and_last_verified(fresh):
    today = date.today()
    shipped = catalogue_frames()
    stored = fresh.programs.inventory()
    for sheet, frame in shipped.items():
        assert len(frame), sheet
        # every shipped row is loaded into a new workspace, as it was shipped, marked as the catalogue's
        mine = stored[sheet].set_index(KEYS[sheet])
        assert set(mine.index) == set(frame[KEYS[sheet]]), sheet
        assert set(mine["origin"]) == {"catalogue"}
        for row in frame.to_dict("records"):
            where = f"{sheet} {row[KEYS[sheet]]}"
            assert URL.match(row["source_url"].strip()), f"{where}: source_url {row['source_url']!r}"
            verified = row["last_verified"].strip()
            if verified:
                assert ISO_DATE.match(verified), f"{where}: last_verified {verified!r} is not an ISO date"
                assert date.fromisoformat(verified) <= today, f"{where}: last_verified {verified} is after today"
            assert mine.loc[row[KEYS[sheet]], "last_verified"] == verified, where
            assert mine.loc[row[KEYS[sheet]], "source_url"] == row["source_url"].strip(), where
    # the federal programs the issue names
    providers = set(shipped["providers"]["provider_id"])
    assert {"fed-uscs", "fed-sba", "fed-exim", "fed-usda-fas", "fed-sbdc", "fed-dec"} <= providers
    programs = shipped["programs"]
    assert (programs["provider_id"].map(dict(zip(shipped["providers"]["provider_id"],
                                                 shipped["providers"]["level"]))) == "federal").all()
    # the catalogue is loaded once: a second call keeps it as it is
    assert fresh.programs.ensure_catalogue() is False
    assert len(fresh.programs.programs()) == len(programs)


def test_blank_last_verified_is_never_filled_with_a_load_date(fresh):
    shipped = catalogue_frames()["programs"]
    blank = set(shipped.loc[shipped["last_verified"].str.strip() == "", "program_id"])
    listed = fresh.programs.programs().set_index("program_id")
    assert (listed.loc[sorted(blank), "last_verified"] == "").all()


# ------------------------------------------------------------------ 2. the U.S. Export Assistance Centers

@pytest.fixture(scope="module")
def office_file(shared_data):
    path = shared_data / OFFICES
    need(path.is_file(), f"the ITA office list {path} is missing")
    return path


def test_columbus_area_lists_the_ohio_offices_and_names_columbus(tmp_path, office_file):
    raw = pd.read_csv(office_file, dtype=str)
    ohio = set(raw.loc[raw["state_abbr"] == "OH", "office_name"].str.split().str.join(" "))
    assert len(ohio) >= 3  # Cincinnati, Cleveland, Columbus (and the network director)
    ws = Workspace.init(tmp_path / "cbus", name="Columbus area", counties=COLUMBUS_AREA)
    try:
        assert ws.programs.region_states() == ["OH"]
        report = ws.programs.import_offices(office_file)
        assert report.rows > len(ohio)  # every office of the file, not only Ohio's
        assert any("Columbus U.S. Export Assistance Center" in note for note in report.notes), report.notes
        listed = ws.programs.offices()
        names = set(listed["name"].str.split().str.join(" "))
        assert names == ohio
        assert "Columbus U.S. Export Assistance Center" in names
        assert set(listed["states"]) == {"OH"}
        assert not any("Louisville" in n or "Lexington" in n for n in names)
        # every office of the file is stored (another state's on request), with its source
        kentucky = ws.programs.offices(["KY"])
        assert {"Louisville", "Lexington"} <= {n.split()[0] for n in kentucky["name"]}
        # importing the same file again changes nothing
        before = sorted_inventory(ws)
        again = ws.programs.import_offices(office_file)
        assert again.rows == 0, again.notes
        assert_same_inventory(before, sorted_inventory(ws))
    finally:
        ws.close()


def test_region_in_two_states_lists_the_offices_of_both(tmp_path, office_file):
    raw = pd.read_csv(office_file, dtype=str)
    wanted = set(raw.loc[raw["state_abbr"].isin(["OH", "KY"]), "office_name"].str.split().str.join(" "))
    ws = Workspace.init(tmp_path / "cincy", name="Cincinnati area", counties=["39061", "21117"])
    try:
        assert ws.programs.region_states() == ["KY", "OH"]
        ws.programs.import_offices(office_file)
        listed = ws.programs.offices()
        names = set(listed["name"].str.split().str.join(" "))
        assert names == wanted
        for city in ("Louisville", "Lexington", "Cincinnati", "Columbus", "Cleveland"):
            assert any(n.startswith(city) for n in names), city
        assert set(listed["states"]) == {"OH", "KY"}
    finally:
        ws.close()


# ------------------------------------------------------------------ 3. bad input: error table, nothing written

@pytest.fixture(params=["sqlite", "postgres"])
def any_db(request, tmp_path):
    """A new Ohio workspace on SQLite or on a fresh PostgreSQL database."""
    url = request.getfixturevalue("pg_url") if request.param == "postgres" else None
    ws = Workspace.init(tmp_path / "ws", name="Programs test", counties=["39049"], database_url=url)
    yield ws
    ws.close()


def _bad_workbook(path: Path) -> Path:
    """A workbook of text cells, with one good provider and program and a problem on every other line."""
    providers = pd.DataFrame([ohio_region(), ohio_region(provider_id="oh-bad", level="galactic")],
                             columns=list(SHEETS["providers"]))
    rows = [program("good", "Good program", "market research"),
            program("size", "Bad size", "market research", max_employees="lots"),
            program("range", "Bad range", "market research", min_employees="100", max_employees="10"),
            program("good", "Repeated id", "market research"),
            program("share", "Rate above one", "grants and cost-share", cost="cost-share", cost_share_rate="1.5"),
            program("orphan", "No such provider", "market research", provider_id="nobody"),
            program("cat", "Unknown category", "telepathy")]
    programs = pd.DataFrame(rows, columns=list(SHEETS["programs"])).astype(object)
    with pd.ExcelWriter(path) as book:
        providers.to_excel(book, sheet_name="providers", index=False)
        programs.to_excel(book, sheet_name="programs", index=False)
    return path


def test_bad_program_file_gets_the_error_table_and_nothing_is_written(any_db, tmp_path):
    ws = any_db
    before = sorted_inventory(ws)
    sources = len(ws.citations.sources_table())
    with pytest.raises(ImportFailed) as caught:
        ws.programs.import_programs(_bad_workbook(tmp_path / "bad.xlsx"))
    records = pd.DataFrame(caught.value.table.to_records())
    # the same table as company imports: row, column, value, problem, fix
    assert {"file", "row", "column", "value", "problem", "fix"} <= set(records.columns)
    assert records["problem"].str.len().gt(0).all() and records["fix"].str.len().gt(0).all()
    found = {(r["column"], r["value"]) for r in records.to_dict("records")}
    for expected in [("level", "galactic"), ("max_employees", "lots"), ("max_employees", "10"),
                     ("program_id", "good"), ("cost_share_rate", "1.5"), ("provider_id", "nobody"),
                     ("categories", "telepathy")]:
        assert expected in found, (expected, sorted(found))
    # line numbers are the spreadsheet's (the header is line 1)
    by_column = records.set_index("column")
    assert int(by_column.loc["level", "row"]) == 3
    assert int(records[records["value"] == "lots"]["row"].iloc[0]) == 3
    assert int(records[records["value"] == "telepathy"]["row"].iloc[0]) == 8
    assert "nothing was written" in str(caught.value)
    # nothing written: not the good rows, and no source record
    assert_same_inventory(before, sorted_inventory(ws))
    assert len(ws.citations.sources_table()) == sources
    assert "good" not in set(ws.programs.programs()["program_id"])
    assert "oh-region" not in set(ws.programs.inventory()["providers"]["provider_id"])


def test_good_file_imports_on_both_databases_and_again_changes_nothing(any_db, tmp_path):
    ws = any_db
    path = program_file(tmp_path / "good.xlsx", [ohio_region()],
                        [program("oh-research", "Ohio research", "market research", capacity=12, max_employees=250,
                                 last_verified="2024-05-01", countries="DEU;CAN")])
    first = ws.programs.import_programs(path)
    assert first.rows == 2
    stored = ws.programs.programs().set_index("program_id").loc["oh-research"]
    assert stored["capacity"] == 12 and stored["max_employees"] == 250
    assert stored["countries"] == "CAN;DEU" or set(stored["countries"].split(";")) == {"CAN", "DEU"}
    assert stored["last_verified"] == "2024-05-01" and stored["level"] == "regional"
    before = sorted_inventory(ws)
    again = ws.programs.import_programs(path)
    assert again.rows == 0
    assert_same_inventory(before, sorted_inventory(ws))


def test_last_verified_after_today_is_refused(fresh, tmp_path):
    path = program_file(tmp_path / "future.xlsx", [ohio_region(last_verified="2999-01-01")])
    with pytest.raises(ImportFailed) as caught:
        fresh.programs.import_programs(path)
    assert [(p.column, p.value) for p in caught.value.table.problems] == [("last_verified", "2999-01-01")]


# ------------------------------------------------------------------ 4. round trip


def test_the_shipped_catalogue_passes_the_importers_checks(tmp_path):
    from exportplan.imports.programs import read_program_file

    path = write_programs(catalogue_frames(), tmp_path / "catalogue.xlsx")
    read = read_program_file(path)
    assert len(read["programs"]) == len(catalogue_frames()["programs"])


def _user_rows(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The rows of ``frames`` that are not the shipped catalogue's."""
    shipped = catalogue_frames()
    return {sheet: frame[~frame[KEYS[sheet]].isin(shipped[sheet][KEYS[sheet]] if sheet in shipped else [])]
            .reset_index(drop=True) for sheet, frame in frames.items()}


def test_user_rows_export_and_import_into_a_new_workspace_unchanged(sample, tmp_path):
    original = _user_rows(sorted_inventory(sample, origin=False))
    assert all(len(frame) for frame in original.values())  # the sample's providers, programs and events
    path = write_programs(original, tmp_path / "mine.xlsx")
    other = Workspace.init(tmp_path / "other", name="Copy", counties=["39049"])
    try:
        assert other.programs.import_programs(path).rows == sum(len(f) for f in original.values())
        assert_same_inventory(original, _user_rows(sorted_inventory(other, origin=False)))
        assert other.programs.import_programs(path).rows == 0
        # the CSV of one sheet: the programs, changed in one cell, update that program only
        changed = original["programs"].copy()
        changed.loc[0, "capacity"] = 99
        csv = write_programs({"programs": changed}, tmp_path / "programs.csv")
        report = other.programs.import_programs(csv)
        assert report.rows == 1
        stored = _user_rows(sorted_inventory(other, origin=False))["programs"]
        pd.testing.assert_frame_equal(stored, changed.astype(stored.dtypes.to_dict()), obj="programs")
    finally:
        other.close()


def test_export_then_import_into_a_new_workspace_gives_the_same_inventory(sample, tmp_path):
    original = sorted_inventory(sample, origin=False)
    assert len(original["events"]) and len(original["programs"]) > len(catalogue_frames()["programs"])
    path = sample.programs.export_programs(tmp_path / "inventory.xlsx")
    other = Workspace.init(tmp_path / "other", name="Copy", counties=["39049"])
    try:
        other.programs.import_programs(path)
        assert_same_inventory(original, sorted_inventory(other, origin=False))
        assert other.programs.import_programs(path).rows == 0
    finally:
        other.close()


def test_one_csv_per_sheet_imports_back_unchanged(sample, tmp_path):
    original = sorted_inventory(sample, origin=False)
    other = Workspace.init(tmp_path / "other", name="Copy", counties=["39049"])
    try:
        for sheet in ("providers", "programs", "events"):  # parents first: a program names its provider
            path = sample.programs.export_programs(tmp_path / f"{sheet}.csv", sheet=sheet)
            assert list(pd.read_csv(path, dtype=str, nrows=0).columns) == list(SHEETS[sheet])
            other.programs.import_programs(path)  # the sheet told from its header
        assert_same_inventory(original, sorted_inventory(other, origin=False))
    finally:
        other.close()


# ------------------------------------------------------------------ 5. gap logic, known answers

@pytest.fixture
def hand_built(tmp_path):
    """Four Ohio companies with needs, a regional provider's programs and one proposed program.

    - A (200 employees, active) needs logistics in Germany: no program of the catalogue or the file
      serves logistics -> "no supply".
    - A needs due diligence: the only provider is for up to 50 employees -> "excluded by eligibility".
    - A, B, C (active) and D (expanding) need cluster programs: one program of capacity 2 serves both
      cells, shared in proportion to demand (3:1) -> 1.5 and 0.5, "capacity short" in both.
    - B needs mentoring: only the catalogue's District Export Councils, of unknown capacity ->
      "capacity unknown", not a gap.
    - C needs counseling: served by federal programs; the proposed counseling program is no supply.
    """
    ws = Workspace.init(tmp_path / "ws", name="Gaps test", counties=["39049"])
    for key, employees, stage in (("A", 200, "active"), ("B", 20, "active"), ("C", 20, "active"),
                                  ("D", 20, "expanding")):
        ws.pipeline.add_company(company_id=key, name=f"Company {key}", naics="332710", county_fips="39049",
                                employees=employees, stage=stage)
    ws.pipeline.add_need("A", "logistics", "DEU")
    ws.pipeline.add_need("A", "due diligence and credit reports")
    for key in "ABCD":
        ws.pipeline.add_need(key, "cluster and sector programs")
    ws.pipeline.add_need("B", "mentoring")
    ws.pipeline.add_need("C", "readiness assessment and counseling")
    path = program_file(tmp_path / "programs.xlsx", [ohio_region()], [
        program("oh-cluster", "Ohio cluster program", "cluster and sector programs", capacity=2),
        program("oh-due-diligence", "Small-firm due diligence", "due diligence and credit reports",
                max_employees=50, capacity=10),
        program("oh-counseling-proposed", "Proposed counseling", "readiness assessment and counseling",
                status="proposed"),
    ])
    ws.programs.import_programs(path)
    yield ws
    ws.close()


def _cell(gaps: pd.DataFrame, category: str, stage: str) -> pd.Series:
    rows = gaps[(gaps["category"] == category) & (gaps["stage"] == stage)]
    assert len(rows) == 1, rows
    return rows.iloc[0]


def test_gap_logic_on_a_hand_built_workspace(hand_built):
    gaps = hand_built.programs.gaps()
    assert set(gaps["sources"]) == {"pipeline need"}  # no target sectors or markets in this workspace

    no_supply = _cell(gaps, "logistics", "active")
    assert no_supply["status"] == "no supply" and bool(no_supply["gap"])
    assert no_supply["iso3"] == "DEU" and no_supply["companies"] == "A" and no_supply["programs"] == ""

    excluded = _cell(gaps, "due diligence and credit reports", "active")
    assert excluded["status"] == "excluded by eligibility" and bool(excluded["gap"])
    assert excluded["excluded_companies"] == "A" and excluded["excluding_programs"] == "oh-due-diligence"
    assert excluded["gap_companies"] == "A"

    short = _cell(gaps, "cluster and sector programs", "active")
    assert short["status"] == "capacity short" and bool(short["gap"])
    assert short["demand"] == 3 and short["companies"] == "A;B;C"
    assert short["capacity_known"] == pytest.approx(2 * 3 / 4)  # capacity 2 shared 3:1
    other = _cell(gaps, "cluster and sector programs", "expanding")
    assert other["status"] == "capacity short" and other["demand"] == 1
    assert other["capacity_known"] == pytest.approx(2 * 1 / 4)
    assert short["programs"] == other["programs"] == "oh-cluster"

    unknown = _cell(gaps, "mentoring", "active")
    assert unknown["status"] == "capacity unknown" and not bool(unknown["gap"])
    assert "dec-mentoring" in unknown["capacity_unknown_programs"].split(";")
    assert pd.isna(unknown["capacity_known"])

    counseling = _cell(gaps, "readiness assessment and counseling", "active")
    assert counseling["status"] == "capacity unknown" and not bool(counseling["gap"])
    serving = set(counseling["programs"].split(";"))
    assert {"uscs-counseling", "sbdc-export-counseling"} <= serving
    assert "oh-counseling-proposed" not in serving  # a proposed program is no supply

    assert set(gaps.loc[gaps["gap"], "category"]) == {"logistics", "due diligence and credit reports",
                                                      "cluster and sector programs"}
    # gaps first
    assert list(gaps["gap"]) == sorted(gaps["gap"], reverse=True)


def test_heat_map_counts_the_gaps_by_stage_and_service(hand_built):
    gaps = hand_built.programs.gaps()
    heat = hand_built.programs.heatmaps(gaps)["stage"].pivot("gap_companies")
    assert heat.loc["active", "logistics"] == 1
    assert heat.loc["active", "cluster and sector programs"] == 3
    assert heat.loc["expanding", "cluster and sector programs"] == 1
    assert heat.loc["active", "mentoring"] == 0
    market = hand_built.programs.heatmaps(gaps)["market"].pivot("gap_companies")
    assert market.loc["DEU", "logistics"] == 1
    assert set(hand_built.programs.heatmaps(gaps)) == {"stage", "sector", "market"}




def test_gap_chart_is_written(hand_built, tmp_path):
    paths = hand_built.programs.gap_chart(tmp_path / "gaps.png", by="stage")
    assert {p.suffix for p in paths} == {".png", ".svg"} and all(p.stat().st_size > 0 for p in paths)
    from PIL import Image

    with Image.open(next(p for p in paths if p.suffix == ".png")) as image:
        assert image.size[0] > 0 and image.size[1] > 0


def test_gap_chart_draws_without_deprecation_warnings(hand_built, tmp_path):
    hand_built.programs.gap_chart(tmp_path / "gaps.png", by="stage")


def test_proposed_program_duplicating_a_federal_service_is_flagged(hand_built):
    dups = hand_built.programs.duplications()
    flagged = dups[dups["kind"] == "duplication"]
    # free counseling for every stage, sector and country, for Ohio companies of any size: the USEAC's and
    # the SBDC's free counseling already serve it
    assert set(flagged["program_id"]) == {"oh-counseling-proposed"}
    assert overlaps(dups, "oh-counseling-proposed", "duplication") == {"uscs-counseling", "sbdc-export-counseling"}
    row = flagged[flagged["duplicates_id"] == "uscs-counseling"].iloc[0]
    assert row["status"] == "proposed" and "readiness assessment and counseling" in row["categories"]
    # the companies eligible for both: all four (Ohio, sizes within both, stages both serve)
    assert set(row["companies"].split(";")) == {"A", "B", "C", "D"} and row["n_companies"] == 4
    # the existing regional programs serve categories no state or federal program serves
    assert not len(dups[dups["program_id"].isin(["oh-cluster", "oh-due-diligence"])])


# ------------------------------------------------------------------ 6. duplication on the sample and catalogue

def test_sample_deliberate_duplicate_is_found(sample):
    dups = sample.programs.duplications()
    assert DUPLICATED_PROGRAM in overlaps(dups, DUPLICATE_PROGRAM, "duplication")
    assert overlaps(dups, COMPLEMENT_PROGRAM, "duplication") == set()
    assert COMPLEMENTED_PROGRAM in overlaps(dups, COMPLEMENT_PROGRAM, "complement")
    # duplications are listed first
    kinds = list(dups["kind"])
    assert kinds == sorted(kinds, key=lambda k: k != "duplication")


def test_on_the_catalogue_a_matchmaking_grant_complements_and_free_counseling_duplicates(fresh, tmp_path):
    path = program_file(tmp_path / "regional.xlsx", [ohio_region()], [
        program("oh-pitch-grants", "Pitch competition grants", "grants and cost-share", cost="cost-share",
                cost_share_rate=0.5, cost_share_cap_usd=5000, pays_for="partner and buyer matchmaking",
                stages="export-ready;new-to-export;active;expanding"),
        program("oh-counseling", "Regional export counseling", "readiness assessment and counseling"),
    ])
    fresh.programs.import_programs(path)
    dups = fresh.programs.duplications()
    assert overlaps(dups, "oh-pitch-grants", "duplication") == set()
    assert "uscs-gold-key" in overlaps(dups, "oh-pitch-grants", "complement")
    assert "uscs-counseling" in overlaps(dups, "oh-counseling", "duplication")
    row = dups[(dups["program_id"] == "oh-counseling") & (dups["duplicates_id"] == "uscs-counseling")].iloc[0]
    assert "free" in row["reason"]


def test_a_specialised_regional_program_is_no_duplicate_of_an_all_sector_row(fresh, tmp_path):
    path = program_file(tmp_path / "regional.xlsx", [ohio_region()], [
        program("oh-aero-research", "Aerospace market research", "market research", sectors="Aerospace"),
        program("oh-research-all", "Market research for all", "market research"),
    ])
    fresh.programs.import_programs(path)
    dups = fresh.programs.duplications()
    assert overlaps(dups, "oh-aero-research", "duplication") == set()
    assert "uscs-counseling" in overlaps(dups, "oh-research-all", "duplication")


# ------------------------------------------------------------------ 7. the organization's role

@pytest.fixture
def organization(sample):
    """Change the sample's organization.* settings for one test (in memory), restoring them after."""
    saved = dict(sample.config["organization"])

    def set_(**values):
        sample.config["organization"].update(values)

    yield set_
    sample.config["organization"].clear()
    sample.config["organization"].update(saved)


def test_a_two_person_organization_connects_and_refers(sample, organization):
    organization(staff=2, budget=900_000)
    role = sample.programs.role()
    assert role.role == CONNECT
    assert len(role.candidates) == 0 and len(role.programs) == 0
    assert "staff" in role.reason


def test_a_large_organization_gets_candidates_that_duplicate_nothing(sample, organization):
    organization(staff=8, budget=900_000, partners=["Sample State Office of International Trade (SAMPLE)"])
    gaps = sample.programs.gaps()
    role = sample.programs.role(gaps)
    assert role.role == RUN
    assert len(role.candidates) > 0 and len(role.programs) == len(role.candidates)
    assert (role.programs["status"] == "proposed").all()
    # each candidate names the gaps it fills and the programs it was checked against
    assert role.candidates["fills"].str.len().gt(0).all()
    assert role.candidates["checked_against"].str.len().gt(0).all()
    assert (role.candidates["n_gaps"] > 0).all()
    # none duplicates an existing program: by the duplication rule, against the state and federal ones ...
    existing = sample.programs.programs(status="existing")
    both = pd.concat([role.programs, existing], ignore_index=True)
    found = adup.duplications(both)
    candidates = set(role.programs["program_id"])
    assert not len(found[found["program_id"].isin(candidates) & (found["kind"] == "duplication")])
    # ... and against every existing program of any level (the sample's regional ones too)
    rows = adup.check_programs(both).to_dict("records")
    for cand in (r for r in rows if r["program_id"] in candidates):
        for other in (r for r in rows if r["program_id"] not in candidates):
            kinds = {o["kind"] for o in adup.compare(cand, other)}
            assert "duplication" not in kinds, (cand["program_id"], other["program_id"])


def test_role_settings_must_be_numbers(sample, organization):
    organization(staff="many", budget=900_000)
    with pytest.raises(ExportPlanError, match="staff"):
        sample.programs.role()


# ------------------------------------------------------------------ 8. referral matching

def test_match_lists_eligible_programs_first_with_reasons(sample):
    needs = sample.programs.needs()
    assert len(needs)
    key = sorted(needs["company_id"])[0]
    wanted = needs[needs["company_id"] == key]
    out = sample.programs.match(key)
    assert len(out) and out["reason"].str.len().gt(0).all()
    assert set(zip(out["service_category"], out["iso3"])) <= set(zip(wanted["service_category"], wanted["iso3"])) | \
        {(c, "") for c in wanted["service_category"]}
    assert set(out["service_category"]) == set(wanted["service_category"])
    for _need, group in out.groupby(["service_category", "iso3"], sort=False):
        flags = [bool(e) for e in group["eligible"]]
        assert flags == sorted(flags, reverse=True), group  # eligible first
    # only existing programs take referrals
    proposed = set(sample.programs.programs(status="proposed")["program_id"])
    assert not (set(out["program_id"]) & proposed)


def test_match_of_an_unknown_company_says_so(sample):
    with pytest.raises(ExportPlanError, match="NO-SUCH-COMPANY"):
        sample.programs.match("NO-SUCH-COMPANY")


def test_match_of_a_company_without_needs_says_how_to_add_them(sample):
    with_needs = set(sample.programs.needs()["company_id"])
    without = sorted(set(sample.programs.company_rows()["company_id"]) - with_needs)
    need(bool(without), "every sample company has needs")
    with pytest.raises(ExportPlanError, match="no needs recorded") as caught:
        sample.programs.match(without[0])
    assert "needs sheet" in str(caught.value)


def test_match_on_a_hand_built_company(hand_built):
    out = hand_built.programs.match("A")
    diligence = out[out["service_category"] == "due diligence and credit reports"]
    assert list(diligence["program_id"]) == ["oh-due-diligence"]
    assert not bool(diligence["eligible"].iloc[0]) and "50" in diligence["reason"].iloc[0]
    logistics = out[out["service_category"] == "logistics"]
    assert len(logistics) == 1 and "gap" in logistics["reason"].iloc[0]


def test_a_referral_to_a_matched_program_is_recorded_through_the_pipeline(hand_built):
    out = hand_built.programs.match("C")
    chosen = out[(out["service_category"] == "readiness assessment and counseling") & out["eligible"].astype(bool)]
    assert "uscs-counseling" in set(chosen["program_id"])
    hand_built.pipeline.refer("C", program_id="uscs-counseling", date="2026-01-15", referrer="Staff 1")
    referrals = hand_built.pipeline.records("referrals")
    row = referrals[referrals["company_id"] == "C"].iloc[0]
    listed = hand_built.programs.programs().set_index("program_id").loc["uscs-counseling"]
    assert row["program"] == listed["name"] and row["provider"] == listed["provider_name"]
    with pytest.raises(ExportPlanError, match="no-such-program"):
        hand_built.pipeline.refer("C", program_id="no-such-program", date="2026-01-15")
