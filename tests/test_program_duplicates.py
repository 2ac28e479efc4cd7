"""Duplication and complementarity on hand-built inventories with known answers."""
from __future__ import annotations

import pandas as pd
import pytest

from exportplan.analysis.program_duplicates import COLUMNS, duplications, strict_overlap
from exportplan.errors import ExportPlanError, ImportFailed


def program(pid: str, name: str, level: str, categories: str, cost: str, *, status: str = "existing",
            **more) -> dict:
    row = {"program_id": pid, "name": name, "level": level, "status": status, "categories": categories,
           "cost": cost, "provider_name": f"{name} provider"}
    row.update(more)
    return row


COUNSEL = "readiness assessment and counseling"
MATCH = "partner and buyer matchmaking"
RESEARCH = "market research"

#: A federal inventory like the catalogue's: free counseling and research, fee-based matchmaking.
FEDERAL = [
    program("cs-counsel", "USEAC export counseling", "federal", f"{COUNSEL};{RESEARCH}", "free"),
    program("cs-goldkey", "Gold Key matchmaking", "federal", MATCH, "fee", min_us_content_pct=51),
]

COMPANIES = pd.DataFrame([
    {"company_id": "c-aero", "name": "Aero Parts", "naics": "336411", "sector": "aerospace", "state": "OH",
     "employees": 40, "stage": "active"},
    {"company_id": "c-food", "name": "Food Co", "naics": "311", "sector": "food", "state": "OH",
     "employees": 12, "stage": "new-to-export"},
    {"company_id": "c-ky", "name": "Kentucky Tools", "naics": "333", "sector": "machinery", "state": "KY",
     "employees": 30, "stage": "active"},
    {"company_id": "c-big", "name": "Big Plant", "naics": "332", "sector": "metals", "state": "OH",
     "employees": 900, "stage": "expanding"},
])


def run(*rows: dict, companies: pd.DataFrame | None = None) -> pd.DataFrame:
    return duplications(pd.DataFrame(list(FEDERAL) + list(rows)), companies)


def pairs(out: pd.DataFrame, kind: str | None = None) -> set[tuple[str, str]]:
    rows = out if kind is None else out[out["kind"] == kind]
    return set(zip(rows["program_id"], rows["duplicates_id"]))


def test_a_proposed_program_duplicating_a_federal_service_is_flagged():
    out = run(program("new-research", "Market research desk", "non-profit", RESEARCH, "free", status="proposed"))
    assert list(out.columns) == list(COLUMNS)
    assert pairs(out, "duplication") == {("new-research", "cs-counsel")}
    row = out.iloc[0]
    assert row["categories"] == RESEARCH and "USEAC export counseling" in row["reason"]
    # The same program, existing and run by a non-profit, is not one the rule checks.
    assert run(program("new-research", "Market research desk", "non-profit", RESEARCH, "free")).empty


def test_a_regional_free_counseling_program_for_the_same_companies_is_a_duplication():
    out = run(program("r-counsel", "Regional export counseling", "regional", COUNSEL, "free",
                      provider_states="OH", max_employees=500), companies=COMPANIES)
    assert pairs(out) == {("r-counsel", "cs-counsel")}
    row = out.iloc[0]
    assert row["kind"] == "duplication" and row["categories"] == COUNSEL
    assert "all sectors" in row["cells"] and "all countries" in row["cells"]
    # Companies eligible for both: in Ohio, at most 500 employees (not the Kentucky one, nor the big plant).
    assert row["companies"].split(";") == ["c-aero", "c-food"] and row["n_companies"] == 2
    assert "both free" in row["reason"]


def test_a_regional_grant_paying_for_fee_based_matchmaking_is_a_complement_not_a_duplication():
    grant = program("r-grant", "Pitch competition grants", "regional", "grants and cost-share", "cost-share",
                    pays_for=MATCH, cost_share_rate=0.5, cost_share_cap_usd=5000, provider_states="OH")
    out = run(grant)
    assert pairs(out, "duplication") == set()
    assert pairs(out, "complement") == {("r-grant", "cs-goldkey")}
    row = out.iloc[0]
    assert row["categories"] == MATCH and "50% up to $5,000" in row["reason"]
    # A grant that also lists matchmaking among its categories is still a complement on it.
    both = dict(grant, categories=f"grants and cost-share;{MATCH}")
    assert set(run(both)["kind"]) == {"complement"}
    # Paying for a free service complements nothing; matchmaking sold for free by a region would be different.
    assert run(dict(grant, pays_for=COUNSEL)).empty


def test_a_sector_specific_regional_grant_still_complements_an_all_sector_fee_service():
    grant = program("r-grant", "Aerospace grants", "regional", "grants and cost-share", "cost-share",
                    pays_for=MATCH, sectors="336", countries="DEU")
    out = run(grant)
    assert pairs(out, "complement") == {("r-grant", "cs-goldkey")}
    assert "336" in out.iloc[0]["cells"] and "DEU" in out.iloc[0]["cells"]


def test_an_all_sector_federal_row_does_not_flag_a_regional_sector_specific_program():
    aero = program("r-aero", "Aerospace market research", "regional", RESEARCH, "free", sectors="aerospace")
    germany = program("r-deu", "Germany market research", "regional", RESEARCH, "free", countries="DEU")
    everyone = program("r-all", "Market research for all", "regional", RESEARCH, "free", sectors="all")
    out = run(aero, germany, everyone)
    assert pairs(out) == {("r-all", "cs-counsel")}


def test_specific_lists_overlap_on_common_entries_and_naics_prefixes():
    state = program("st-aero", "State aerospace research", "state", RESEARCH, "free", sectors="336",
                    countries="DEU;FRA", provider_states="OH")
    narrow = program("r-narrow", "Aircraft research", "regional", RESEARCH, "free", sectors="336411",
                     countries="FRA;JPN")
    other = program("r-other", "Food research", "regional", RESEARCH, "free", sectors="311", countries="FRA")
    broad = program("r-broad", "Research everywhere", "local", RESEARCH, "free", sectors="all")
    out = run(state, narrow, other, broad)
    found = out[out["duplicates_id"] == "st-aero"].set_index("program_id")
    assert set(found.index) == {"r-narrow", "r-broad"}
    assert "in 336411, in FRA" in found.loc["r-narrow", "cells"]
    assert "in 336, in DEU and FRA" in found.loc["r-broad", "cells"]  # an "all" R covers F's entries
    assert strict_overlap(["336"], ["3364", "311"], lambda x, y: x if x.startswith(y) else y if y.startswith(x)
                          else "") == ["3364"]
    assert strict_overlap([], []) == [] and strict_overlap(["CAN"], []) is None


def test_different_cost_kinds_are_an_overlap_on_different_terms():
    paid = program("r-paid", "Paid counseling", "regional", COUNSEL, "fee")
    free_match = program("r-match", "Free matchmaking", "regional", MATCH, "free")
    out = run(paid, free_match)
    assert pairs(out, "duplication") == set()
    assert pairs(out, "different terms") == {("r-paid", "cs-counsel"), ("r-match", "cs-goldkey")}
    assert all("different terms, not a duplication" in r for r in out["reason"])


def test_different_states_or_sizes_are_not_the_same_companies():
    kentucky_office = program("st-ky", "Kentucky export counseling", "state", COUNSEL, "free", provider_states="KY")
    ohio = program("r-oh", "Ohio counseling", "regional", COUNSEL, "free", provider_states="OH")
    big = program("r-big", "Large-firm counseling", "regional", COUNSEL, "free", min_employees=501,
                  provider_states="KY")
    small_state = program("st-small", "Kentucky small-firm counseling", "state", COUNSEL, "fee",
                          provider_states="KY", max_employees=100)
    out = run(kentucky_office, ohio, big, small_state)
    # Ohio's program does not serve Kentucky's companies; the federal one serves every state.
    assert ("r-oh", "st-ky") not in pairs(out) and ("r-oh", "cs-counsel") in pairs(out)
    # 501+ employees and at most 100 employees: no company is eligible for both.
    assert ("r-big", "st-small") not in pairs(out) and ("r-big", "st-ky") in pairs(out)
    # A program's own eligible states narrow its provider's.
    narrowed = dict(kentucky_office, provider_states="KY;OH", eligible_states="OH")
    assert ("r-oh", "st-ky") in pairs(run(narrowed, ohio))


def test_stages_must_overlap():
    early = program("st-early", "State readiness", "state", COUNSEL, "fee", stages="not ready;export-ready")
    late = program("r-late", "Expansion counseling", "regional", COUNSEL, "fee", stages="expanding")
    either = program("r-any", "Counseling", "regional", COUNSEL, "fee")
    out = run(early, late, either)
    assert ("r-late", "st-early") not in pairs(out)
    assert ("r-any", "st-early") in pairs(out, "duplication")
    cells = out.set_index(["program_id", "duplicates_id"])["cells"]
    assert "not ready and export-ready companies" in cells[("r-any", "st-early")]


def test_two_grants_overlap_only_on_what_both_pay_for():
    step = program("step", "STEP grants", "state", "grants and cost-share", "cost-share",
                   pays_for="trade shows and trade missions", provider_states="OH")
    shows = program("r-shows", "Trade show grants", "regional", "grants and cost-share", "cost-share",
                    pays_for="trade shows and trade missions")
    goldkey = program("r-gk", "Gold Key grants", "regional", "grants and cost-share", "cost-share", pays_for=MATCH)
    out = run(step, shows, goldkey)
    assert pairs(out, "duplication") == {("r-shows", "step")}
    assert "both pay for trade shows and trade missions" in out.iloc[0]["cells"]
    assert pairs(out, "complement") == {("r-gk", "cs-goldkey")}


def test_regional_programs_are_compared_with_public_ones_only():
    one = program("r-1", "Regional counseling A", "regional", COUNSEL, "free", provider_states="OH")
    two = program("r-2", "Regional counseling B", "local", COUNSEL, "free", provider_states="OH")
    assert pairs(duplications(pd.DataFrame([one, two]))) == set()


def test_the_order_is_deterministic_and_duplications_come_first():
    rows = [program("r-b", "B counseling", "regional", COUNSEL, "free"),
            program("r-a", "A paid research", "regional", RESEARCH, "fee"),
            program("r-c", "C grant", "regional", "grants and cost-share", "cost-share", pays_for=MATCH),
            program("r-a2", "A2 counseling", "regional", COUNSEL, "free")]
    out = run(*rows)
    again = duplications(pd.DataFrame(list(reversed(rows)) + list(reversed(FEDERAL))))
    pd.testing.assert_frame_equal(out, again)
    assert list(out["kind"]) == ["duplication", "duplication", "different terms", "complement"]
    assert list(out["program_id"]) == ["r-a2", "r-b", "r-a", "r-c"]


def test_vocabulary_is_matched_without_case_and_companies_are_optional():
    out = run(program("r-x", "Counseling", "Regional", "Readiness Assessment and Counseling", "FREE"))
    assert pairs(out) == {("r-x", "cs-counsel")} and out["n_companies"].isna().all()


def test_bad_rows_are_listed_with_what_to_fix():
    bad = [program("r-1", "One", "regional", "counselling", "gratis"),
           program("r-1", "Two", "county", COUNSEL, "free", min_employees="ten", max_employees=5)]
    with pytest.raises(ImportFailed) as caught:
        run(*bad)
    problems = caught.value.table.to_records()
    found = {(p["row"], p["column"], p["value"]) for p in problems}
    # FEDERAL holds lines 2 and 3; the bad rows are lines 4 and 5.
    assert {(4, "categories", "counselling"), (4, "cost", "gratis"), (5, "program_id", "r-1"),
            (5, "level", "county"), (5, "min_employees", "ten")} <= found
    assert all(p["fix"] for p in problems)
    with pytest.raises(ExportPlanError, match="lacks column"):
        duplications(pd.DataFrame([{"program_id": "x", "name": "x"}]))
    with pytest.raises(ExportPlanError, match="company_id"):
        run(companies=pd.DataFrame({"name": ["A"]}))
