"""The organization's role and its candidate programs, on hand-built gaps and inventories."""
from __future__ import annotations

import pandas as pd
import pytest

from exportplan.analysis.org_role import CANDIDATE_COLUMNS, CONNECT, RUN, THRESHOLDS, recommend_role
from exportplan.analysis.program_duplicates import duplications
from exportplan.errors import ExportPlanError


def program(pid: str, name: str, level: str, categories: str, cost: str = "free", **more) -> dict:
    row = {"program_id": pid, "name": name, "level": level, "status": "existing", "categories": categories,
           "cost": cost, "provider_name": f"{name} provider"}
    row.update(more)
    return row


PROGRAMS = pd.DataFrame([
    program("cs-counsel", "USEAC export counseling", "federal", "readiness assessment and counseling;market research"),
    program("cs-goldkey", "Gold Key matchmaking", "federal", "partner and buyer matchmaking", "fee"),
    program("st-training", "State export training", "state", "awareness and training", provider_states="OH"),
    program("st-mission", "State mission to Mexico", "state", "trade shows and trade missions", "fee",
            countries="MEX", provider_states="OH"),
    program("cs-missions", "Federal trade missions", "federal", "trade shows and trade missions", "fee"),
])


def gap(category: str, stage: str = "", sector: str = "all", iso3: str = "", demand: float = 1.0,
        is_gap: bool = True) -> dict:
    return {"category": category, "stage": stage, "sector": sector, "iso3": iso3, "demand": demand,
            "companies": 1, "programs": "", "status": "", "gap": is_gap, "reason": ""}


GAPS = pd.DataFrame([
    gap("awareness and training", "export-ready", demand=6),              # capacity short at the state's training
    gap("compliance, standards and IP protection", "active", "aerospace", demand=2),
    gap("export planning and acceleration", "export-ready", demand=5),
    gap("partner and buyer matchmaking", "active", iso3="DEU", demand=4),   # Gold Key sells it: a fee-based gap
    gap("grants and cost-share", "new-to-export", demand=3),
    gap("trade shows and trade missions", "active", "aerospace", "DEU", demand=2),
    gap("trade shows and trade missions", "active", "aerospace", "MEX", demand=2),
    gap("cluster and sector programs", "", "aerospace", demand=3),
    gap("market research", "active", "food", "CAN", demand=1),
    gap("logistics", "active", demand=9, is_gap=False),
])


def large(**more):
    return recommend_role(6, 600_000, ["World Trade Center", "Port Authority"], gaps=GAPS, programs=PROGRAMS,
                          states=["OH"], **more)


def test_a_two_person_organization_connects_and_refers_and_gets_no_candidates():
    role = recommend_role(2, 180_000, ["SBDC"], gaps=GAPS, programs=PROGRAMS)
    assert role.role == CONNECT
    assert role.candidates.empty and role.programs.empty and list(role.candidates.columns) == list(CANDIDATE_COLUMNS)
    assert "2 FTE staff is under 3" in role.reason and "$180,000 budget is under $250,000" in role.reason
    assert role.thresholds == THRESHOLDS and "partners to refer with: SBDC" in role.reason


@pytest.mark.parametrize("staff, budget, expected", [
    (3, 250_000, RUN), (2.9, 1_000_000, CONNECT), (10, 249_999, CONNECT), (None, 500_000, CONNECT),
    (5, None, CONNECT), ("4", "300000", RUN),
])
def test_the_thresholds(staff, budget, expected):
    assert recommend_role(staff, budget, gaps=GAPS, programs=PROGRAMS).role == expected


def test_a_large_organization_gets_candidates_none_of_which_duplicates_an_existing_program():
    role = large()
    assert role.role == RUN
    assert list(role.candidates["candidate_id"]) == [
        "proposed-training", "proposed-acceleration", "proposed-pitch-competition", "proposed-mission-deu",
        "proposed-cluster-aerospace", "proposed-cluster-food"]
    together = duplications(pd.concat([PROGRAMS, role.programs], ignore_index=True))
    proposed = together[together["program_id"].isin(role.candidates["candidate_id"])]
    assert not (proposed["kind"] == "duplication").any()
    assert set(role.programs["status"]) == {"proposed"}
    assert list(role.programs["program_id"]) == list(role.candidates["candidate_id"])
    for _, row in role.candidates.iterrows():
        assert row["fills"] and row["n_gaps"] >= 1
        assert row["checked_against"].split("; ") == sorted(PROGRAMS["name"], key=lambda n: dict(
            zip(PROGRAMS["name"], PROGRAMS["program_id"]))[n])
        assert row["co_deliverers"] == "World Trade Center; Port Authority"


def test_a_candidate_that_would_duplicate_is_dropped_and_said_so():
    # Free training for all sectors in Ohio: the state's free training already serves it (its capacity is short).
    only = GAPS[GAPS["category"] == "awareness and training"]
    role = recommend_role(6, 600_000, gaps=only, programs=PROGRAMS, states=["OH"])
    assert role.role == RUN and role.candidates.empty
    dropped = role.dropped.set_index("candidate_id")
    assert list(dropped.index) == ["proposed-training"]
    assert dropped.loc["proposed-training", "duplicates"] == "State export training"
    assert "would duplicate State export training" in dropped.loc["proposed-training", "reason"]
    assert "State export training" in role.reason
    # Without the state's program the same candidate is kept.
    alone = recommend_role(6, 600_000, gaps=only, programs=PROGRAMS[PROGRAMS["program_id"] != "st-training"])
    assert list(alone.candidates["candidate_id"]) == ["proposed-training"]


def test_a_candidate_leaves_out_the_cells_an_existing_program_serves():
    training = large().candidates.set_index("candidate_id").loc["proposed-training"]
    # The aerospace compliance gap is kept; the all-sector training gap is left to the state's training.
    assert training["categories"] == "compliance, standards and IP protection"
    assert training["sectors"] == "aerospace" and training["stages"] == "active" and training["n_gaps"] == 1
    assert training["left_out"] == ("awareness and training / export-ready / all sectors / all countries "
                                    "(covered by State export training: refer there)")
    assert "leaves out awareness and training" in training["reason"]


def test_missions_go_to_markets_the_state_does_not_serve():
    role = large()
    missions = role.candidates[role.candidates["kind"] == "mission"]
    assert list(missions["countries"]) == ["DEU"] and list(missions["sectors"]) == ["aerospace"]
    # The federal "all countries" missions do not make a Germany mission a duplicate; the state's Mexico one does
    # keep a Mexico mission out.
    assert "proposed-mission-mex" in set(role.dropped["candidate_id"])


def test_the_pitch_competition_pays_for_the_fee_based_gaps_and_complements_them():
    role = large()
    pitch = role.candidates.set_index("candidate_id").loc["proposed-pitch-competition"]
    assert pitch["categories"] == "grants and cost-share" and pitch["cost"] == "cost-share"
    # Gold Key sells matchmaking, and the federal missions (all countries) sell the missions gapped in DEU and MEX.
    assert pitch["pays_for"] == "partner and buyer matchmaking;trade shows and trade missions"
    assert {"complement with Gold Key matchmaking", "complement with Federal trade missions",
            "complement with State mission to Mexico"} == set(pitch["overlaps"].split("; "))
    assert pitch["n_gaps"] == 4  # the grants gap, the matchmaking gap and the two mission gaps
    # With only the grants gap, the grant pays for the demanded categories a fee-based program sells.
    only = recommend_role(6, 600_000, gaps=GAPS[GAPS["category"].isin(["grants and cost-share", "logistics"])]
                          .assign(category=["grants and cost-share", "partner and buyer matchmaking"],
                                  gap=[True, False]), programs=PROGRAMS)
    assert only.candidates.set_index("candidate_id").loc["proposed-pitch-competition", "pays_for"] == (
        "partner and buyer matchmaking")


def test_cluster_programs_are_one_per_sector_and_acceleration_has_its_own_plans():
    kinds = large().candidates.set_index("candidate_id")
    assert {"proposed-cluster-aerospace", "proposed-cluster-food"} <= set(kinds.index)
    assert kinds.loc["proposed-cluster-food", "categories"] == "market research"
    assert kinds.loc["proposed-cluster-food", "countries"] == "CAN"
    assert "write their own export plans" in kinds.loc["proposed-acceleration", "name"]
    assert not any(kinds["fills"].str.contains("logistics"))  # not a gap


def test_no_gaps_no_candidates_and_the_order_is_stable():
    none = recommend_role(6, 600_000, gaps=GAPS.assign(gap=False), programs=PROGRAMS)
    assert none.role == RUN and none.candidates.empty and "no gap calls for one" in none.reason
    shuffled = recommend_role(6, 600_000, ["World Trade Center", "Port Authority"], gaps=GAPS.iloc[::-1],
                              programs=PROGRAMS.iloc[::-1], states=["OH"])
    pd.testing.assert_frame_equal(large().candidates, shuffled.candidates)


def test_bad_input_says_what_to_fix():
    with pytest.raises(ExportPlanError, match="staff"):
        recommend_role(-1, 500_000, gaps=GAPS, programs=PROGRAMS)
    with pytest.raises(ExportPlanError, match="budget"):
        recommend_role(5, "lots", gaps=GAPS, programs=PROGRAMS)
    with pytest.raises(ExportPlanError, match="lacks column"):
        recommend_role(5, 500_000, gaps=GAPS.drop(columns="gap"), programs=PROGRAMS)
    with pytest.raises(ExportPlanError, match="service category"):
        recommend_role(5, 500_000, gaps=GAPS.assign(category="shipping"), programs=PROGRAMS)


def test_the_grant_leaves_to_an_existing_grant_what_that_grant_already_pays_for():
    step = program("st-step", "State STEP grants", "state", "grants and cost-share", "cost-share",
                   pays_for="trade shows and trade missions", provider_states="OH")
    role = recommend_role(6, 600_000, gaps=GAPS, programs=pd.concat([PROGRAMS, pd.DataFrame([step])]),
                          states=["OH"])
    pitch = role.candidates.set_index("candidate_id").loc["proposed-pitch-competition"]
    assert pitch["pays_for"] == "partner and buyer matchmaking" and pitch["n_gaps"] == 2
    assert pitch["left_out"].count("(covered by State STEP grants: refer there)") == 2  # the DEU and MEX missions
    together = duplications(pd.concat([PROGRAMS, pd.DataFrame([step]), role.programs], ignore_index=True))
    assert not ((together["program_id"] == "proposed-pitch-competition") & (together["kind"] == "duplication")).any()
    # A STEP grant paying for matchmaking too takes the all-country grants cell; the Germany and Mexico cells stay,
    # a specialisation of an all-country grant (the rule for "all" countries).
    both = pd.DataFrame([dict(step, pays_for="trade shows and trade missions;partner and buyer matchmaking")])
    role = recommend_role(6, 600_000, gaps=GAPS, programs=pd.concat([PROGRAMS, both]), states=["OH"])
    pitch = role.candidates.set_index("candidate_id").loc["proposed-pitch-competition"]
    assert pitch["countries"] == "DEU;MEX" and pitch["n_gaps"] == 3
    assert pitch["left_out"] == ("grants and cost-share / new-to-export / all sectors / all countries "
                                 "(covered by State STEP grants: refer there)")
    together = duplications(pd.concat([PROGRAMS, both, role.programs], ignore_index=True))
    assert not ((together["program_id"] == "proposed-pitch-competition") & (together["kind"] == "duplication")).any()
    # Without any country cell the candidate has nothing of its own left: it is dropped.
    plain = GAPS[GAPS["category"] == "grants and cost-share"]
    dropped = recommend_role(6, 600_000, gaps=plain, programs=pd.concat([PROGRAMS, both]), states=["OH"]).dropped
    assert dropped.set_index("candidate_id").loc["proposed-pitch-competition", "duplicates"] == "State STEP grants"
