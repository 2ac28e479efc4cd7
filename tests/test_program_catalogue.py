"""The shipped federal program catalogue and the sample's program inventory.

The catalogue must carry its evidence (a source address on every row, a
last-verified date only where dated evidence is named), use the inventory's
words, and be exactly what ``scripts/build_program_catalogue.py`` writes. The
sample must use the same words and hold its deliberate duplicate of a federal
service and its complement to a fee-based one.
"""
from __future__ import annotations

import datetime as dt
import importlib.util
import io
from importlib import resources
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd
import pytest

from exportplan.analysis.program_scope import eligibility, serves
from exportplan.analysis.program_terms import (
    ALL, COSTS, EVENT_COLUMNS, EVENT_KINDS, LEVELS, PROGRAM_COLUMNS, PROVIDER_COLUMNS, REGIONAL_LEVELS,
    SERVICE_CATEGORIES, SHEETS, STAGES, STATUSES, split_list,
)
from exportplan.demo import sample_programs
from exportplan.demo.sample_common import SAMPLE_NOTE

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "build_program_catalogue.py"
FILES = {"providers": "program_catalogue_providers.csv", "programs": "program_catalogue_programs.csv"}
NUMBER_RANGES = {"min_employees": (0, None), "max_employees": (0, None), "min_years_in_business": (0, None),
                 "capacity": (0, None), "min_us_content_pct": (0, 100), "cost_share_rate": (0, 1),
                 "cost_share_cap_usd": (0, None)}


def shipped_text(name: str) -> str:
    return resources.files("exportplan").joinpath(f"data/{name}").read_text("utf-8")


def read_shipped(kind: str) -> pd.DataFrame:
    """A catalogue file as package data is read: comment line skipped, every cell text."""
    return pd.read_csv(io.StringIO(shipped_text(FILES[kind])), comment="#", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def catalogue() -> dict[str, pd.DataFrame]:
    return {kind: read_shipped(kind) for kind in FILES}


def text(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell as text, blanks as '' (the sample's numbers are nullable numbers)."""
    return frame.astype(object).where(frame.notna(), "").astype(str)


def program_rows(providers: pd.DataFrame, programs: pd.DataFrame) -> list[dict]:
    """Programs with their provider's level, name and states: the rows program_scope reads."""
    by_id = {p["provider_id"]: p for p in text(providers).to_dict("records")}
    return [{**row, "level": by_id[row["provider_id"]]["level"],
             "provider_name": by_id[row["provider_id"]]["name"],
             "provider_states": by_id[row["provider_id"]]["states"]}
            for row in text(programs).to_dict("records")]


def problems_of(providers: pd.DataFrame, programs: pd.DataFrame, events: pd.DataFrame | None = None) -> list[str]:
    """What breaks the inventory's vocabulary and keys (empty when nothing does)."""
    providers, programs = text(providers), text(programs)
    problems = []
    for frame, key in ((providers, "provider_id"), (programs, "program_id")):
        dupes = frame[key][frame[key].duplicated()].tolist()
        problems += [f"{key} {k} twice" for k in dupes] + [f"blank {key}" for k in frame[key] if not k]
    problems += [f"{r.provider_id}: level {r.level!r}" for r in providers.itertuples() if r.level not in LEVELS]
    known = set(providers["provider_id"])
    for row in programs.to_dict("records"):
        key = row["program_id"]
        if row["provider_id"] not in known:
            problems.append(f"{key}: unknown provider {row['provider_id']}")
        if row["cost"] not in COSTS:
            problems.append(f"{key}: cost {row['cost']!r}")
        if row["status"] not in STATUSES:
            problems.append(f"{key}: status {row['status']!r}")
        categories = split_list(row["categories"])
        if not categories:
            problems.append(f"{key}: no service category")
        for column, words in (("categories", SERVICE_CATEGORIES), ("pays_for", SERVICE_CATEGORIES),
                              ("stages", (*STAGES, ALL))):
            problems += [f"{key}: {column} {w!r}" for w in split_list(row[column]) if w not in words]
        for column, (low, high) in NUMBER_RANGES.items():
            if row[column] == "":
                continue
            value = float(row[column])
            if value < low or (high is not None and value > high):
                problems.append(f"{key}: {column} {value} outside {low}..{high}")
            if column in ("min_employees", "max_employees", "min_years_in_business", "capacity") \
                    and value != int(value):
                problems.append(f"{key}: {column} {value} is not a whole number")
        for column in ("countries",):
            problems += [f"{key}: country {c!r}" for c in split_list(row[column])
                         if c != ALL and not (len(c) == 3 and c.isalpha() and c.isupper())]
    if events is not None:
        events = text(events)
        dupes = events["event_id"][events["event_id"].duplicated()].tolist()
        problems += [f"event_id {k} twice" for k in dupes]
        for row in events.to_dict("records"):
            if row["program_id"] not in set(programs["program_id"]):
                problems.append(f"{row['event_id']}: unknown program {row['program_id']}")
            if row["kind"] not in EVENT_KINDS:
                problems.append(f"{row['event_id']}: kind {row['kind']!r}")
            if dt.date.fromisoformat(row["start_date"]) > dt.date.fromisoformat(row["end_date"]):
                problems.append(f"{row['event_id']}: ends before it starts")
    return problems


def evidence_problems(frame: pd.DataFrame, today: dt.date) -> list[str]:
    """Rows without an http(s) source, or with a last-verified date that is not dated evidence."""
    problems = []
    for row in text(frame).to_dict("records"):
        key = row.get("program_id") or row.get("event_id") or row["provider_id"]
        url = urlparse(row["source_url"])
        if url.scheme not in ("http", "https") or not url.netloc:
            problems.append(f"{key}: source_url {row['source_url']!r}")
        if row["last_verified"]:
            try:
                day = dt.date.fromisoformat(row["last_verified"])
            except ValueError:
                problems.append(f"{key}: last_verified {row['last_verified']!r} is not an ISO date")
                continue
            if day > today:
                problems.append(f"{key}: last_verified {day} is after today")
            if not row["evidence"].strip():
                problems.append(f"{key}: last_verified {day} names no evidence")
    return problems


def run_build_script(output: Path) -> None:
    spec = importlib.util.spec_from_file_location("build_program_catalogue", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(["-o", str(output)])


# --- the shipped catalogue ------------------------------------------------------------------------------------


def test_catalogue_files_have_the_inventory_columns_below_a_provenance_line(catalogue):
    assert tuple(catalogue["providers"].columns) == PROVIDER_COLUMNS
    assert tuple(catalogue["programs"].columns) == PROGRAM_COLUMNS
    for name in FILES.values():
        first, header = shipped_text(name).splitlines()[:2]
        assert first.startswith("# ") and "scripts/build_program_catalogue.py" in first
        assert not header.startswith("#")
        # '#' inside a cell would cut the row short where the file is read with comment="#"
        assert all("#" not in line for line in shipped_text(name).splitlines()[1:])


def test_every_catalogue_row_carries_its_source_and_dated_evidence(catalogue):
    today = dt.date.today()
    for kind in FILES:
        assert evidence_problems(catalogue[kind], today) == []
        assert (catalogue[kind]["evidence"].str.strip() != "").all(), "every row says what was read"
    dated = pd.concat([catalogue[k]["last_verified"] for k in FILES])
    assert (dated != "").any() and (dated == "").any(), "some facts are dated, the undated are 'not verified'"


def test_evidence_check_catches_bad_rows():
    rows = pd.DataFrame([
        {"provider_id": "a", "source_url": "trade.gov/page", "last_verified": "", "evidence": ""},
        {"provider_id": "b", "source_url": "https://x.gov", "last_verified": "2999-01-01", "evidence": "r"},
        {"provider_id": "c", "source_url": "https://x.gov", "last_verified": "2020-01-01", "evidence": " "},
        {"provider_id": "d", "source_url": "https://x.gov", "last_verified": "June 2020", "evidence": "r"},
        {"provider_id": "e", "source_url": "https://x.gov", "last_verified": "2020-01-01", "evidence": "r"},
    ])
    found = evidence_problems(rows, dt.date(2026, 1, 1))
    assert [p.split(":")[0] for p in found] == ["a", "b", "c", "d"]


def test_catalogue_uses_the_inventory_words_and_keys(catalogue):
    assert problems_of(catalogue["providers"], catalogue["programs"]) == []
    assert set(catalogue["providers"]["level"]) == {"federal"}
    assert set(catalogue["programs"]["status"]) == {"existing"}


def test_vocabulary_check_catches_bad_rows(catalogue):
    programs = catalogue["programs"].copy()
    programs.loc[0, "cost"] = "cheap"
    programs.loc[1, "categories"] = "matchmaking"
    programs.loc[2, "provider_id"] = "nobody"
    programs.loc[3, "stages"] = "ready"
    programs.loc[4, "program_id"] = programs.loc[5, "program_id"]
    programs.loc[6, "cost_share_rate"] = "50"
    found = problems_of(catalogue["providers"], programs)
    assert len(found) == 6, found


def test_catalogue_covers_the_main_federal_programs(catalogue):
    programs = catalogue["programs"].set_index("program_id")
    providers = set(catalogue["providers"]["type"])
    assert {"SBA", "EXIM", "SBDC", "District Export Council"} <= providers
    assert any("US Commercial Service" in t for t in providers) and any("USDA FAS" in t for t in providers)
    counseling, gold_key = programs.loc["uscs-counseling"], programs.loc["uscs-gold-key"]
    assert counseling["cost"] == "free"
    assert "readiness assessment and counseling" in split_list(counseling["categories"])
    assert gold_key["cost"] == "fee" and float(gold_key["min_us_content_pct"]) == 51
    assert "partner and buyer matchmaking" in split_list(gold_key["categories"])
    assert programs.loc["sba-step", "funding_source"] == "STEP" and programs.loc["sba-step", "cost"] == "cost-share"
    assert float(programs.loc["fas-srtg-branded", "cost_share_rate"]) == 0.5
    assert programs.loc["sbdc-export-counseling", "cost"] == "free"
    assert split_list(programs.loc["dec-mentoring", "categories"]) == ["mentoring"]


def test_branded_program_serves_food_and_agriculture_only(catalogue):
    rows = {r["program_id"]: r for r in program_rows(catalogue["providers"], catalogue["programs"])}
    branded = rows["fas-srtg-branded"]
    cheese = {"company_id": "c1", "naics": "311513", "sector": "", "state": "OH", "employees": 40}
    parts = {"company_id": "c2", "naics": "336390", "sector": "Automotive", "state": "OH", "employees": 40}
    assert eligibility(branded, cheese).eligible
    assert not eligibility(branded, parts).eligible
    assert serves(branded, "grants and cost-share", "active", "", "JPN", naics="311513")
    assert not serves(branded, "grants and cost-share", "active", "Automotive", "JPN", naics="336390")
    # the nationwide counseling row serves the same company everywhere
    assert eligibility(rows["uscs-counseling"], parts).eligible


def test_build_script_reproduces_the_shipped_files(tmp_path):
    run_build_script(tmp_path)
    for name in FILES.values():
        assert (tmp_path / name).read_bytes() == shipped_text(name).encode("utf-8"), name


# --- the sample inventory -------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample() -> dict[str, pd.DataFrame]:
    return sample_programs.sample_inventory()


def test_sample_frames_have_the_template_sheets_and_columns(sample):
    assert list(sample) == list(SHEETS)
    for sheet, columns in SHEETS.items():
        assert tuple(sample[sheet].columns) == columns
        assert len(sample[sheet]) > 0
    assert tuple(sample["events"].columns) == EVENT_COLUMNS


def test_sample_uses_valid_words_and_is_labelled_invented(sample, catalogue):
    assert problems_of(sample["providers"], sample["programs"], sample["events"]) == []
    shared = set(sample["programs"]["program_id"]) & set(catalogue["programs"]["program_id"])
    assert not shared and not set(sample["providers"]["provider_id"]) & set(catalogue["providers"]["provider_id"])
    assert evidence_problems(sample["providers"], dt.date.today()) == []
    for sheet, frame in sample.items():
        assert (frame["last_verified"] == "").all(), "invented facts have no evidence"
        assert frame["source_url"].str.startswith("https://example.org/").all()
    for sheet in ("providers", "programs", "events"):
        assert sample[sheet]["name"].str.endswith("(SAMPLE)").all()
    assert (sample["providers"]["note"] == SAMPLE_NOTE).all()


def test_sample_has_a_state_office_a_useac_office_and_regional_programs(sample):
    providers = sample["providers"].set_index("provider_id")
    state = providers[providers["level"] == "state"]
    assert len(state) == 1 and state["states"].iloc[0] == ""  # the importer accepts real postal codes only
    assert (providers["type"] == "U.S. Export Assistance Center").sum() == 1
    programs = sample["programs"]
    step = programs[programs["funding_source"] == "STEP"]
    assert len(step) == 1 and step["cost"].iloc[0] == "cost-share"
    events = sample["events"]
    assert set(events["iso3"]) <= set(sample_programs.MISSION_MARKETS)
    assert (events["start_date"] > "2026-09-30").all(), "missions come after the sample pipeline's history"
    sector = programs[programs["sectors"] == sample_programs.SECTOR]
    assert len(sector) == 1 and providers.loc[sector["provider_id"].iloc[0], "level"] == "regional"


def test_sample_duplicate_serves_the_same_cells_and_companies_as_federal_free_counseling(sample, catalogue):
    sample_rows = {r["program_id"]: r for r in program_rows(sample["providers"], sample["programs"])}
    federal = {r["program_id"]: r for r in program_rows(catalogue["providers"], catalogue["programs"])}
    duplicate = sample_rows[sample_programs.DUPLICATE_PROGRAM]
    original = federal[sample_programs.DUPLICATED_PROGRAM]
    assert duplicate["level"] in REGIONAL_LEVELS and original["level"] == "federal"
    assert duplicate["cost"] == original["cost"] == "free"
    assert duplicate["sectors"] == duplicate["countries"] == ALL
    company = {"company_id": "SAMPLE-0001", "naics": "336390", "sector": "Automotive",
               "state": "", "employees": 45, "stage": "export-ready"}
    for program in (duplicate, original):
        assert serves(program, "readiness assessment and counseling", "export-ready", "Automotive", "MEX",
                      naics="336390")
        assert eligibility(program, company).eligible
    # only one sample program is meant to duplicate: no other regional one is free counseling
    others = [r for r in sample_rows.values() if r["program_id"] != sample_programs.DUPLICATE_PROGRAM
              and r["level"] in REGIONAL_LEVELS and r["cost"] == "free"
              and "readiness assessment and counseling" in split_list(r["categories"])]
    assert others == []


def test_sample_grant_pays_for_the_fee_based_federal_matchmaking(sample, catalogue):
    sample_rows = {r["program_id"]: r for r in program_rows(sample["providers"], sample["programs"])}
    federal = {r["program_id"]: r for r in program_rows(catalogue["providers"], catalogue["programs"])}
    grant = sample_rows[sample_programs.COMPLEMENT_PROGRAM]
    gold_key = federal[sample_programs.COMPLEMENTED_PROGRAM]
    assert gold_key["cost"] == "fee" and grant["cost"] == "cost-share"
    assert set(split_list(grant["pays_for"])) & set(split_list(gold_key["categories"]))
    assert not set(split_list(grant["categories"])) & set(split_list(gold_key["categories"]))


def test_sample_inventory_is_the_same_every_time(sample):
    again = sample_programs.sample_inventory()
    for sheet in SHEETS:
        pd.testing.assert_frame_equal(sample[sheet], again[sheet])
