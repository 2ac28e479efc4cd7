"""Demand cells, supply and gaps (analysis.program_gaps) on hand-built cases with known answers."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from exportplan.analysis import program_gaps as g
from exportplan.analysis.pipeline_terms import SERVICE_CATEGORIES, STAGES
from exportplan.analysis.program_terms import PROGRAM_COLUMNS
from exportplan.errors import ExportPlanError

MR = "market research"
MM = "partner and buyer matchmaking"
TS = "trade shows and trade missions"


def company(key: str, *, sector: str = "Aerospace", naics: str = "336411", state: str = "OH",
            employees: float | None = 50, stage: str = "export-ready", target: str = "", current: str = "") -> dict:
    return {"company_id": key, "name": key.upper(), "naics": naics, "sector": sector, "state": state,
            "employees": employees, "stage": stage, "target_markets": target, "current_markets": current}


def program(pid: str, categories: str = MR, *, capacity: float | None = None, status: str = "existing",
            **values) -> dict:
    row = {c: "" for c in PROGRAM_COLUMNS}
    row.update(program_id=pid, provider_id="prov", name=f"Program {pid}", status=status, categories=categories,
               capacity=capacity, min_employees=None, max_employees=None, level="federal",
               provider_name="Provider", provider_states="")
    row.update(values)
    return row


def frames(companies: list[dict], needs: list[tuple], programs: list[dict] = ()):
    comp = pd.DataFrame(companies)
    need = pd.DataFrame(needs, columns=["company_id", "service_category", "iso3"])
    progs = pd.DataFrame(list(programs), columns=list(PROGRAM_COLUMNS) + ["level", "provider_name",
                                                                         "provider_states"])
    return comp, need, progs


def gaps_of(companies, needs, programs=(), **priorities) -> pd.DataFrame:
    comp, need, progs = frames(companies, needs, programs)
    return g.supply_and_gaps(g.demand_cells(comp, need, **priorities), progs, comp)


def row(gaps: pd.DataFrame, category: str = MR, stage: str = "export-ready", sector: str = "Aerospace",
        iso3: str = "MEX") -> pd.Series:
    hit = gaps[(gaps.category == category) & (gaps.stage == stage) & (gaps.sector == sector) & (gaps.iso3 == iso3)]
    assert len(hit) == 1, f"expected one cell, got {len(hit)}"
    return hit.iloc[0]


# --- demand -------------------------------------------------------------------------------------------

def test_each_need_is_one_demand_row_with_the_company_stage_and_sector():
    comp, need, _ = frames([company("a", stage="active"), company("b", sector="Plastics", naics="326199")],
                           [("a", MR, "MEX"), ("b", MR, ""), ("b", MM, "deu")])
    demand = g.demand_cells(comp, need)
    assert list(demand.columns) == list(g.DEMAND_COLUMNS)
    got = set(map(tuple, demand[["company_id", "category", "stage", "sector", "iso3", "source"]].values))
    assert got == {("a", MR, "active", "Aerospace", "MEX", "pipeline need"),
                   ("b", MR, "export-ready", "Plastics", "all", "pipeline need"),
                   ("b", MM, "export-ready", "Plastics", "DEU", "pipeline need")}
    assert not demand["priority"].any()


def test_cells_count_distinct_companies_and_list_them_sorted():
    comp, need, _ = frames([company("b"), company("a"), company("c")],
                           [("b", MR, "MEX"), ("a", MR, "MEX"), ("a", MR, "MEX"), ("c", MR, "DEU")])
    table = g.cells(g.demand_cells(comp, need))
    mex = table[table.iso3 == "MEX"].iloc[0]
    assert mex["demand"] == 2 and mex["companies"] == "a;b" and mex["sources"] == "pipeline need"
    assert table[table.iso3 == "DEU"].iloc[0]["demand"] == 1


def test_priorities_count_the_companies_concerned():
    companies = [company("a", stage="export-ready", target="MEX"), company("b", stage="not ready", current="MEX"),
                 company("c", stage="active", sector="Plastics", naics="326199"),
                 company("d", stage="expanding", sector="", naics="336412")]
    comp, need, _ = frames(companies, [])
    table = g.cells(g.demand_cells(comp, need, target_sectors=["aerospace", "336"], target_markets=["mex", "CAN"]))
    assert set(table["category"]) == set(g.PRIORITY_CATEGORIES)
    assert table["priority"].all() and (table["stage"] == "all").all()
    for category in g.PRIORITY_CATEGORIES:
        by = table[table.category == category].set_index(["sector", "iso3"])
        # "aerospace" by name: a only (b is not ready, d has no sector name); "336" by NAICS: a and d
        assert by.loc[("aerospace", "all"), "companies"] == "a"
        assert by.loc[("336", "all"), "companies"] == "a;d"
        # a target market counts every company naming it, target or current
        assert by.loc[("all", "MEX"), "companies"] == "a;b"
        assert by.loc[("all", "CAN"), "demand"] == 0 and by.loc[("all", "CAN"), "companies"] == ""


def test_bad_target_market_and_unknown_need_company_say_what_to_fix():
    comp, need, _ = frames([company("a")], [("zz", MR, "MEX")])
    with pytest.raises(ExportPlanError, match="zz"):
        g.demand_cells(comp, need)
    with pytest.raises(ExportPlanError, match="three-letter code"):
        g.demand_cells(comp, need.iloc[:0], target_markets=["Mexico"])
    with pytest.raises(ExportPlanError, match="service_category"):
        g.demand_cells(comp, need.drop(columns="service_category"))


# --- supply and gaps ------------------------------------------------------------------------------------

def test_no_supply_is_a_gap_with_a_reason_in_words():
    gaps = gaps_of([company("a"), company("b")], [("a", MR, "MEX"), ("b", MR, "MEX")],
                   [program("p1", MM), program("p2", MR, countries="DEU")])
    cell = row(gaps)
    assert cell["status"] == "no supply" and cell["gap"] and cell["programs"] == ""
    assert cell["gap_companies"] == "a;b"
    assert cell["reason"] == ("2 companies in Aerospace need market research in MEX at export-ready; "
                              "no existing program serves it")


def test_country_names_word_the_reason():
    comp, need, progs = frames([company("a")], [("a", MR, "MEX")])
    gaps = g.supply_and_gaps(g.demand_cells(comp, need), progs, comp, country_names={"MEX": "Mexico"})
    assert "market research in Mexico at export-ready" in gaps.iloc[0]["reason"]


def test_capacity_is_shared_in_proportion_to_demand_and_both_cells_are_short():
    companies = [company(k) for k in "abcdef"]
    needs = [(k, MR, "MEX") for k in "abcd"] + [(k, MR, "DEU") for k in "ef"]
    gaps = gaps_of(companies, needs, [program("p1", MR, capacity=3)])
    mex, deu = row(gaps, iso3="MEX"), row(gaps, iso3="DEU")
    assert (mex["capacity_known"], deu["capacity_known"]) == (2.0, 1.0)
    assert mex["status"] == deu["status"] == "capacity short" and mex["gap"] and deu["gap"]
    assert mex["programs"] == "p1" and mex["gap_companies"] == "a;b;c;d"
    assert "known capacity 2 (p1: a share of 2 of 3) is short of the demand of 4" in mex["reason"]


def test_enough_capacity_serves_the_cells():
    companies = [company(k) for k in "abcdef"]
    needs = [(k, MR, "MEX") for k in "abcd"] + [(k, MR, "DEU") for k in "ef"]
    gaps = gaps_of(companies, needs, [program("p1", MR, capacity=6)])
    assert set(gaps["status"]) == {"served"} and not gaps["gap"].any()
    assert row(gaps, iso3="MEX")["capacity_known"] == 4.0


def test_unknown_capacity_is_reported_as_unknown_never_unlimited_nor_zero():
    companies = [company(k) for k in "abcd"]
    needs = [(k, MR, "MEX") for k in "abcd"]
    only_unknown = row(gaps_of(companies, needs, [program("p1", MR)]))
    assert only_unknown["status"] == "capacity unknown" and not only_unknown["gap"]
    assert math.isnan(only_unknown["capacity_known"]) and only_unknown["capacity_unknown_programs"] == "p1"
    assert only_unknown["capacity_status"] == "unknown"
    short_plus_unknown = row(gaps_of(companies, needs, [program("p1", MR), program("p2", MR, capacity=1)]))
    assert short_plus_unknown["status"] == "capacity unknown" and short_plus_unknown["capacity_known"] == 1.0
    assert "capacity unknown for p1" in short_plus_unknown["reason"]
    covered = row(gaps_of(companies, needs, [program("p1", MR), program("p2", MR, capacity=10)]))
    assert covered["status"] == "served" and covered["capacity_status"] == "known"
    assert covered["capacity_unknown_programs"] == "p1"


def test_eligibility_excludes_the_only_provider():
    gaps = gaps_of([company("small", employees=120), company("big", employees=900)],
                   [("small", MR, "MEX"), ("big", MR, "MEX")], [program("p1", MR, max_employees=500, capacity=10)])
    cell = row(gaps)
    assert cell["status"] == "excluded by eligibility" and cell["gap"]
    assert cell["excluded_companies"] == "big" and cell["gap_companies"] == "big"
    assert cell["programs"] == "p1" and cell["excluding_programs"] == "p1"
    assert "900 employees, above the maximum of 500" in cell["reason"]


def test_eligibility_excluding_every_company_keeps_the_program_out_of_supply():
    gaps = gaps_of([company("big", employees=900)], [("big", MR, "MEX")], [program("p1", MR, max_employees=500)])
    cell = row(gaps)
    assert cell["status"] == "excluded by eligibility" and cell["programs"] == ""
    assert cell["excluding_programs"] == "p1"


def test_a_second_provider_without_the_limit_serves_the_excluded_company():
    gaps = gaps_of([company("big", employees=900)], [("big", MR, "MEX")],
                   [program("p1", MR, max_employees=500), program("p2", MR, capacity=5)])
    assert row(gaps)["status"] == "served" and row(gaps)["programs"] == "p2"


def test_a_proposed_program_never_counts_as_supply():
    gaps = gaps_of([company("a")], [("a", MR, "MEX")], [program("p1", MR, capacity=10, status="proposed")])
    assert row(gaps)["status"] == "no supply"


def test_all_sector_and_country_programs_serve_specific_cells():
    needs = [("a", MR, "MEX"), ("b", MM, "DEU")]
    companies = [company("a"), company("b", sector="Plastics", naics="326199", stage="active")]
    gaps = gaps_of(companies, needs, [program("p1", f"{MR};{MM}", sectors="all", countries="", capacity=5)])
    assert set(gaps["status"]) == {"served"}
    assert set(gaps["programs"]) == {"p1"}
    # a NAICS-prefix program serves its sector's companies only
    gaps = gaps_of(companies, needs, [program("p2", f"{MR};{MM}", sectors="336", capacity=5)])
    assert row(gaps)["status"] == "served"
    assert row(gaps, MM, "active", "Plastics", "DEU")["status"] == "no supply"


def test_priority_cells_without_companies_show_missing_supply():
    gaps = gaps_of([company("a")], [], [program("p1", MR, countries="CAN")], target_markets=["CAN", "JPN"])
    assert len(gaps) == 6 and gaps["priority"].all() and (gaps["demand"] == 0).all()
    can = row(gaps, MR, "all", "all", "CAN")
    assert can["status"] == "served" and can["programs"] == "p1"  # scope alone
    jpn = row(gaps, MM, "all", "all", "JPN")
    assert jpn["status"] == "no supply" and jpn["gap"]
    assert jpn["reason"] == ("partner and buyer matchmaking in JPN (a target market of the plan; "
                             "no pipeline company names it yet); no existing program serves it")


def test_priority_cells_with_companies_honour_eligibility():
    gaps = gaps_of([company("a", employees=900, target="MEX")], [], [program("p1", MR, max_employees=500)],
                   target_markets=["MEX"])
    cell = row(gaps, MR, "all", "all", "MEX")
    assert cell["demand"] == 1 and cell["status"] == "excluded by eligibility"


def test_gap_order_is_gaps_first_then_demand_then_keys():
    companies = [company(k) for k in "abcde"]
    needs = [("a", MR, "DEU"), ("b", MR, "MEX"), ("c", MR, "MEX"), ("d", MM, "MEX"), ("e", MR, "CAN")]
    gaps = gaps_of(companies, needs, [program("p1", MR, countries="DEU", capacity=1)])
    keys = list(zip(gaps["status"], gaps["category"], gaps["iso3"], gaps["demand"]))
    assert keys == [("no supply", MR, "MEX", 2), ("no supply", MR, "CAN", 1), ("no supply", MM, "MEX", 1),
                    ("served", MR, "DEU", 1)]
    shuffled = gaps_of(list(reversed(companies)), list(reversed(needs)), [program("p1", MR, countries="DEU",
                                                                                  capacity=1)])
    pd.testing.assert_frame_equal(gaps, shuffled)


# --- heat maps ------------------------------------------------------------------------------------------

def test_heat_maps_count_cells_gaps_and_distinct_companies():
    companies = [company("a", stage="active"), company("b"), company("c", sector="Plastics", naics="326199")]
    needs = [("a", MR, "MEX"), ("a", MR, "DEU"), ("b", MR, "MEX"), ("c", MR, "MEX"), ("c", MM, "")]
    gaps = gaps_of(companies, needs, [program("p1", MR, countries="DEU", capacity=5)])
    heat = g.stage_service(gaps)
    long = heat.long.set_index(["stage", "category"])
    assert long.loc[("active", MR)].tolist() == [2, 1, 1, 1]  # cells MEX (gap) and DEU (served); company a once
    assert long.loc[("export-ready", MR)].tolist() == [2, 2, 2, 2]  # Aerospace and Plastics cells in MEX
    assert long.loc[("export-ready", MM)].tolist() == [1, 1, 1, 1]
    wide = heat.pivot("gap_cells")
    assert list(wide.index) == list(STAGES) and list(wide.columns) == list(SERVICE_CATEGORIES)
    assert wide.loc["export-ready", MR] == 2 and wide.loc["not ready", MR] == 0
    assert heat.pivot("demand").values.sum() == 4
    sectors = g.sector_service(gaps).pivot("demand")
    assert sectors.loc["Aerospace", MR] == 2 and sectors.loc["Plastics", MM] == 1
    markets = g.market_service(gaps).pivot("gap_cells")
    assert list(markets.index) == ["DEU", "MEX", "all"]
    assert markets.loc["MEX", MR] == 3 and markets.loc["DEU", MR] == 0 and markets.loc["all", MM] == 1
    with pytest.raises(ExportPlanError, match="choose one of"):
        heat.pivot("nonsense")


# --- empty inputs ---------------------------------------------------------------------------------------

def test_empty_inputs_give_empty_typed_frames():
    comp, need, progs = frames([], [])
    comp = pd.DataFrame(columns=["company_id", "name", "naics", "sector", "state", "employees", "stage"])
    demand = g.demand_cells(comp, need)
    assert demand.empty and list(demand.columns) == list(g.DEMAND_COLUMNS) and demand["priority"].dtype == bool
    table = g.cells(demand)
    assert table.empty and list(table.columns) == list(g.CELL_COLUMNS) and table["demand"].dtype == "int64"
    gaps = g.supply_and_gaps(demand, progs, comp)
    assert gaps.empty and list(gaps.columns) == list(g.GAP_COLUMNS)
    assert (gaps["demand"].dtype, gaps["gap"].dtype, gaps["capacity_known"].dtype) == ("int64", bool, "float64")
    heat = g.stage_service(gaps)
    assert heat.long.empty and heat.long["cells"].dtype == "int64"
    assert heat.pivot("demand").shape == (len(STAGES), len(SERVICE_CATEGORIES))
    assert g.market_service(gaps).pivot().empty
