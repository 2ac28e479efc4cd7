"""Referral matching for one company's needs, on a hand-built inventory."""
from __future__ import annotations

import pandas as pd
import pytest

from exportplan.analysis.program_match import COLUMNS, match
from exportplan.errors import ExportPlanError, ImportFailed

RESEARCH = "market research"
COUNSEL = "readiness assessment and counseling"


def program(pid: str, name: str, level: str, categories: str, cost: str = "free", **more) -> dict:
    row = {"program_id": pid, "name": name, "level": level, "status": "existing", "categories": categories,
           "cost": cost, "provider_name": f"{name} provider"}
    row.update(more)
    return row


PROGRAMS = pd.DataFrame([
    program("cs-research", "USEAC market research", "federal", f"{COUNSEL};{RESEARCH}"),
    program("r-aero", "Aerospace Germany desk", "regional", RESEARCH, sectors="336", countries="DEU"),
    program("st-small", "State research for small firms", "state", RESEARCH, "fee", max_employees=50,
            provider_states="OH"),
    program("st-ky", "Kentucky research", "state", RESEARCH, provider_states="KY"),
    program("r-food", "Food research", "regional", RESEARCH, sectors="food"),
    program("r-late", "Expansion research", "local", RESEARCH, stages="expanding"),
    program("new-research", "Proposed research", "regional", RESEARCH, status="proposed"),
    program("cs-content", "Content-checked research", "federal", RESEARCH, "fee", min_us_content_pct=51),
])
COMPANY = {"company_id": "c-1", "name": "Aero Parts", "naics": "336411", "sector": "aerospace", "state": "OH",
           "employees": 120, "stage": "active"}


def needs(*pairs: tuple[str, str]) -> pd.DataFrame:
    return pd.DataFrame({"service_category": [p[0] for p in pairs], "iso3": [p[1] for p in pairs]})


def test_match_lists_eligible_programs_with_reasons_and_marks_the_ineligible():
    out = match(COMPANY, needs((RESEARCH, "DEU")), PROGRAMS)
    assert list(out.columns) == list(COLUMNS)
    assert list(out["program_id"]) == ["cs-content", "cs-research", "r-aero", "st-ky", "st-small"]
    assert list(out["eligible"]) == [True, True, True, False, False]
    reasons = out.set_index("program_id")["reason"]
    assert reasons["cs-research"] == ("no limit excludes it; serves market research for all sectors in all countries; "
                                      "free")
    assert reasons["r-aero"].endswith("serves market research for 336 in DEU; free")
    assert "to check: U.S. content" in reasons["cs-content"] and reasons["cs-content"].endswith("fee-based")
    assert reasons["st-small"].startswith("not eligible: 120 employees, above the maximum of 50")
    assert reasons["st-ky"].startswith("not eligible: the provider serves KY only, not OH")


def test_scope_follows_stage_sector_and_country():
    # The food program serves another sector; the expansion one another stage; proposed programs take no referrals.
    out = match(COMPANY, needs((RESEARCH, "DEU")), PROGRAMS)
    assert not {"r-food", "r-late", "new-research"} & set(out["program_id"])
    expanding = match(dict(COMPANY, stage="expanding"), needs((RESEARCH, "FRA")), PROGRAMS)
    assert "r-late" in set(expanding["program_id"])
    assert "r-aero" not in set(expanding["program_id"])  # Germany only


def test_public_programs_come_before_regional_ones_then_by_name():
    inventory = pd.DataFrame([program("z-local", "A local desk", "local", COUNSEL),
                              program("b-state", "B state desk", "state", COUNSEL),
                              program("a-fed", "C federal desk", "federal", COUNSEL)])
    out = match(COMPANY, needs((COUNSEL, "")), inventory)
    assert list(out["program_id"]) == ["b-state", "a-fed", "z-local"]


def test_a_need_with_no_program_gets_one_row_saying_so():
    out = match(COMPANY, needs(("logistics", "CAN"), (RESEARCH, "CAN")), PROGRAMS)
    gap = out[out["service_category"] == "logistics"]
    assert len(gap) == 1 and gap.iloc[0]["program_id"] == "" and not gap.iloc[0]["eligible"]
    assert gap.iloc[0]["reason"] == ("no existing program in the inventory serves logistics in CAN for an active "
                                     "aerospace company: a gap to report")
    # Needs come in the vocabulary's order: market research before logistics.
    assert list(dict.fromkeys(out["service_category"])) == [RESEARCH, "logistics"]


def test_the_pipeline_needs_sheet_and_a_company_series_are_accepted():
    sheet = pd.DataFrame({"company_id": ["c-1", "c-1"], "service_category": ["Market Research"] * 2,
                          "country": ["deu", "DEU"], "note": ["", ""]})
    out = match(pd.Series(COMPANY), sheet, PROGRAMS)
    assert set(out["iso3"]) == {"DEU"} and out["program_id"].is_unique


def test_unknown_sector_is_named_to_check():
    out = match(dict(COMPANY, sector="", naics=""), needs((RESEARCH, "DEU")), PROGRAMS)
    reason = out.set_index("program_id").loc["r-food", "reason"]
    assert "to check: sector" in reason


def test_bad_input_says_what_to_fix():
    with pytest.raises(ImportFailed) as caught:
        match(COMPANY, needs(("research", "DEU")), PROGRAMS)
    problem = caught.value.table.to_records()[0]
    assert (problem["row"], problem["column"], problem["value"]) == (2, "service_category", "research")
    with pytest.raises(ExportPlanError, match="iso3"):
        match(COMPANY, pd.DataFrame({"service_category": [RESEARCH]}), PROGRAMS)
    with pytest.raises(ExportPlanError, match="stage"):
        match(dict(COMPANY, stage="booming"), needs((RESEARCH, "DEU")), PROGRAMS)
