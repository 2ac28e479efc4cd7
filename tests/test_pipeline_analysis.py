"""The exporter pipeline's pure analysis (issue 9): company name keys and likely duplicates,
the readiness assessment, and the pipeline metrics, checked on small hand-built frames."""
from __future__ import annotations

import pandas as pd
import pytest

from exportplan.analysis import pipeline_metrics as pm
from exportplan.analysis import readiness as rd
from exportplan.analysis.company_names import likely_duplicates, match_existing, name_key
from exportplan.analysis.pipeline_terms import STAGES
from exportplan.errors import ExportPlanError


# --- company names ------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, key", [
    ("Acme Tool & Die, Inc.", "acme tool and die"),
    ("ACME TOOL AND DIE", "acme tool and die"),
    ("  Société   Générale S.A. ", "societe generale"),
    ("O'Brien Bros. L.L.C.", "obrien bros"),
    ("Foo S A", "foo"),
    ("Acme Holdings Co., Ltd.", "acme holdings"),
    ("Müller GmbH", "muller"),
    ("Company", "company"),             # never the first word
    ("Inc Ideas LLC", "inc ideas"),     # only trailing words
    ("Coastal Co-op Corp", "coastal co op"),
    ("", ""), (None, ""),
])
def test_name_key(raw, key):
    assert name_key(raw) == key


def _companies(*rows):
    return pd.DataFrame(rows, columns=["key", "name", "county_fips"])


def test_fuzzy_matching_flags_acme_tool_and_die_but_not_acme_foods():
    frame = _companies(("c1", "Acme Tool & Die, Inc.", "39049"), ("c2", "ACME TOOL AND DIE", "39049"),
                       ("c3", "Acme Foods", "39049"))
    pairs = likely_duplicates(frame)
    assert list(pairs.columns) == ["key_a", "key_b", "name_a", "name_b", "score", "reason"]
    assert pairs[["key_a", "key_b", "score"]].values.tolist() == [["c1", "c2", 100.0]]
    assert "same county 39049" in pairs.loc[0, "reason"]


def test_duplicates_need_the_same_county_or_a_blank_one():
    frame = _companies(("a", "Acme Tool & Die, Inc.", "39049"), ("b", "Acme Tool and Die", "39041"),
                       ("c", "Acme Tool and Die LLC", None))
    pairs = likely_duplicates(frame)
    assert pairs[["key_a", "key_b"]].values.tolist() == [["a", "c"], ["b", "c"]]
    assert pairs["reason"].str.contains("county blank for one of them").all()


def test_duplicates_fuzzy_word_order_and_typos_each_pair_once_sorted():
    frame = _companies(("k3", "Buckeye Precision Machining", ""), ("k1", "Precision Machining Buckeye", ""),
                       ("k2", "Buckeye Precision Machinng", ""), ("k4", "Buckeye Plastics", ""))
    pairs = likely_duplicates(frame)
    assert pairs[["key_a", "key_b"]].values.tolist() == [["k1", "k3"], ["k1", "k2"], ["k2", "k3"]]
    assert pairs["score"].tolist()[0] == 100.0
    assert all(90 <= s < 100 for s in pairs["score"].tolist()[1:])
    assert pairs["score"].tolist()[1] == pairs["score"].tolist()[2]
    assert likely_duplicates(frame, threshold=99)[["key_a", "key_b"]].values.tolist() == [["k1", "k3"]]


def test_duplicates_refuse_missing_columns_and_repeated_keys():
    with pytest.raises(ExportPlanError, match="missing: name"):
        likely_duplicates(pd.DataFrame({"key": ["a"]}))
    with pytest.raises(ExportPlanError, match="repeated: a"):
        likely_duplicates(_companies(("a", "X", ""), ("a", "Y", "")))


def test_duplicates_of_an_empty_frame_is_an_empty_table():
    pairs = likely_duplicates(_companies())
    assert pairs.empty and list(pairs.columns) == ["key_a", "key_b", "name_a", "name_b", "score", "reason"]


def test_duplicates_are_found_among_many_names_sharing_a_common_word():
    # more than 256 names share "manufacturing": the block is split, the typo pair still meets
    names = [(f"k{i:04d}", f"Firm{i:04d}x Manufacturing", "") for i in range(400)]
    names += [("t1", "Zanesville Manufacturing", ""), ("t2", "Zanesvile Manufacturing", "")]
    pairs = likely_duplicates(_companies(*names))
    assert ["t1", "t2"] in pairs[["key_a", "key_b"]].values.tolist()


def test_match_existing_flags_import_rows_like_stored_companies():
    stored = _companies(("s1", "Acme Tool & Die, Inc.", "39049"), ("s2", "Acme Foods", "39049"))
    rows = pd.DataFrame({"key": ["n1", "s1", ""], "name": ["ACME TOOL AND DIE", "Acme Tool and Die", "Zed Corp"],
                         "county_fips": ["39049", "39049", ""]})
    found = match_existing(rows, stored)
    assert found[["row", "new_key", "key", "score"]].values.tolist() == [[0, "n1", "s1", 100.0]]
    listed = match_existing(["acme foods llc", "nothing like it"], stored)
    assert listed[["row", "key"]].values.tolist() == [[0, "s2"]]


# --- readiness ----------------------------------------------------------------------------------

def _best(**override):
    answers = {item.key: max(item.answers, key=lambda a: a.points).key for item in rd.ITEMS}
    answers.update(override)
    return answers


def test_the_questionnaire_has_about_20_items_over_the_seven_areas():
    assert 18 <= len(rd.ITEMS) <= 22
    assert {item.area for item in rd.ITEMS} == set(rd.AREAS)
    assert len({item.key for item in rd.ITEMS}) == len(rd.ITEMS)
    assert all(min(a.points for a in item.answers) == 0 and item.question for item in rd.ITEMS)


def test_full_marks_on_a_company_that_does_not_export_is_export_ready():
    result = rd.score(_best(export_markets="none", foreign_inquiries="none"))
    # 18 items at full marks, two at zero: (18 + 0 + 0) / 20
    assert result.score == 90.0 and result.coverage == 1.0 and result.missing == ()
    assert result.by_area["export experience"] == pytest.approx(100 / 3, abs=0.05)
    assert result.suggested_stage == "export-ready"
    assert result.reasons[0].startswith("Suggested stage export-ready")


def test_low_score_is_not_ready():
    answers = {item.key: min(item.answers, key=lambda a: a.points).key for item in rd.ITEMS}
    answers["management_commitment"] = "budgeted"   # 1 of 20 items full
    result = rd.score(answers)
    assert result.score == 5.0 and result.suggested_stage == "not ready"
    assert "below 60" in result.reasons[0]


def test_unanswered_items_are_listed_and_left_out_not_counted_as_zero():
    answers = _best(export_markets="none")
    for key in ("shipping", "export_pricing", "ip_identified"):
        answers[key] = ""                               # blank = unanswered
    del answers["getting_paid"]
    result = rd.score(answers)
    assert result.missing == ("getting_paid", "ip_identified", "shipping", "export_pricing")
    assert result.coverage == 0.8
    assert result.score == round(100 * 15 / 16, 1)      # 16 answered, one of them (export_markets) at zero
    assert any("not counted as zero" in r and "shipping" in r for r in result.reasons)
    assert result.suggested_stage == "export-ready"      # 80% coverage >= 75%


def test_high_score_on_low_coverage_is_not_export_ready():
    result = rd.score({"management_commitment": "budgeted", "export_goals": "written"})
    assert result.score == 100.0 and result.coverage == 0.1
    assert result.suggested_stage == "not ready" and "only 10% of the items" in result.reasons[0]
    assert result.by_area["finance"] is None


def test_exporting_facts_decide_the_exporting_stage():
    assert rd.score({}, markets=1).suggested_stage == "new-to-export"
    assert rd.score({}, export_sales=50_000).suggested_stage == "new-to-export"
    assert rd.score({}, markets=3).suggested_stage == "active"
    assert rd.score({}, markets=3, new_target_markets=2).suggested_stage == "expanding"
    assert rd.score({}, markets=1, new_target_markets=2).suggested_stage == "new-to-export"
    # without facts the answer to export_markets stands in; facts given win over it
    assert rd.score({"export_markets": "two_to_four"}).suggested_stage == "active"
    assert rd.score({"export_markets": "five_plus"}, markets=0).suggested_stage == "not ready"
    empty = rd.score({})
    assert empty.score is None and empty.coverage == 0 and empty.suggested_stage == "not ready"
    assert len(empty.missing) == len(rd.ITEMS)


def test_unknown_items_and_answers_name_the_valid_ones():
    with pytest.raises(ExportPlanError, match="Unknown readiness item.*nonsense.*valid items: management_commitment"):
        rd.score({"nonsense": "yes"})
    with pytest.raises(ExportPlanError, match="'shipping': unknown answer 'often'; valid answers: no, once, regularly"):
        rd.score({"shipping": "often"})
    with pytest.raises(ExportPlanError, match="markets cannot be negative"):
        rd.score({}, markets=-1)


# --- pipeline metrics ---------------------------------------------------------------------------

@pytest.fixture
def companies():
    return pd.DataFrame({
        "company_id": ["a", "b", "c", "d", "e", "f", "g"],
        "stage": ["not ready", "export-ready", "active", "active", "new-to-export", "", "expanding"],
        "sector": ["food", "food", "metal", "metal", "", "food", "metal"],
        "county_fips": ["39049", "39049", "39049", "39041", "39041", "39041", "39041"],
        "current_markets": ["", None, ["CAN", "MEX"], "CAN; DEU;can", "", "MEX", "CAN;MEX;JPN;KOR;DEU"],
    })


@pytest.fixture
def history():
    return pd.DataFrame({
        "company_id": ["a", "a", "b", "b", "c", "c", "d", "d"],
        "date": ["2025-01-05", "2025-02-01", "2025-01-10", "2025-07-01", "2025-03-01", "2025-03-01",
                 "2025-04-02", "not a date"],
        "from_stage": ["", "not ready", "", "export-ready", "", "not ready", "active", "new-to-export"],
        "to_stage": ["not ready", "export-ready", "export-ready", "new-to-export", "not ready", "active",
                     "new-to-export", "active"],
    })


def test_stage_counts_list_every_stage_and_leave_out_unknown(companies):
    table, notes = pm.stage_counts(companies)
    assert table["stage"].tolist() == list(STAGES)
    assert table["companies"].tolist() == [1, 1, 1, 2, 1]
    assert table["share"].tolist() == [0.1667, 0.1667, 0.1667, 0.3333, 0.1667]
    assert any("1 company with no known stage left out" in n for n in notes)


def test_stage_counts_by_sector_share_within_the_sector(companies):
    table, notes = pm.stage_counts(companies, by=("sector", "stage"))
    assert len(table) == 3 * len(STAGES)
    metal = table[table["sector"] == "metal"].set_index("stage")
    assert metal["companies"].tolist() == [0, 0, 0, 2, 1]
    assert metal.loc["active", "share"] == 0.6667
    assert table[table["sector"] == "(blank)"]["companies"].sum() == 1
    assert any("blank sector counted under (blank)" in n for n in notes)
    by_county, _ = pm.stage_counts(companies, by=("county_fips",))
    assert by_county.values.tolist() == [["39041", 3, 0.5], ["39049", 3, 0.5]]


def test_stage_counts_refuse_a_missing_column(companies):
    with pytest.raises(ExportPlanError, match="needs the column.*naics"):
        pm.stage_counts(companies, by=("naics",))


def test_stage_flows_in_a_period(history, companies):
    table, notes = pm.stage_flows(history, "2025-01-01", "2025-03-31")
    assert table.values.tolist() == [
        ["(new)", "not ready", "entry", 2, 2],
        ["(new)", "export-ready", "entry", 1, 1],
        ["not ready", "export-ready", "forward", 1, 1],
        ["not ready", "active", "forward", 1, 1],
    ]
    assert any("without a readable date" in n for n in notes)
    by_sector, _ = pm.stage_flows(history, "2025-04-01", "2025-12-31", companies=companies, by=["sector"])
    assert by_sector.values.tolist() == [["food", "export-ready", "new-to-export", "forward", 1, 1],
                                         ["metal", "active", "new-to-export", "back", 1, 1]]
    empty, _ = pm.stage_flows(history, "2030-01-01", "2030-12-31")
    assert empty.empty and "changes" in empty.columns
    with pytest.raises(ExportPlanError, match="needs the companies frame"):
        pm.stage_flows(history, "2025-01-01", "2025-12-31", by=["sector"])


def test_exporting_share(companies):
    table, notes = pm.exporting_share(companies)
    assert table.values.tolist() == [[6, 4, 0.6667]]
    by_sector, _ = pm.exporting_share(companies, by=["sector"])
    assert by_sector.values.tolist() == [["(blank)", 1, 1, 1.0], ["food", 2, 0, 0.0], ["metal", 3, 3, 1.0]]


def test_markets_per_exporter_leave_out_exporters_without_markets(companies):
    table, notes = pm.markets_per_exporter(companies)
    # exporters c (CAN, MEX), d (CAN, DEU), e (none listed), g (5 markets)
    assert table.to_dict("records") == [{"exporters": 4, "with_markets": 3, "markets_mean": 3.0,
                                         "markets_median": 2.0, "markets_max": 5, "distinct_markets": 5}]
    assert any("1 exporter(s) list no current market" in n for n in notes)
    by_county, _ = pm.markets_per_exporter(companies, by=["county_fips"])
    assert by_county[["county_fips", "exporters", "markets_mean"]].values.tolist() == [
        ["39041", 3, 3.5], ["39049", 1, 2.0]]


def test_conversion_by_quarter_cohort(history):
    table, notes = pm.conversion(history)
    assert table[["stage", "cohort", "companies", "converted", "share", "complete"]].values.tolist() == [
        ["not ready", "2025Q1", 2, 2, 1.0, True],       # a -> export-ready in Feb, c -> active same day
        ["export-ready", "2025Q1", 2, 0, 0.0, True],    # b moves on in Q3: outside Q1-Q2
        ["new-to-export", "2025Q2", 1, 0, 0.0, False],
        ["new-to-export", "2025Q3", 1, 0, 0.0, False],
        ["active", "2025Q1", 1, 0, 0.0, True],
    ]
    assert table["window_end"].tolist()[0] == "2025-06-30"
    two, _ = pm.conversion(history, horizon=2)
    assert two.set_index(["stage", "cohort"]).loc[("export-ready", "2025Q1"), "converted"] == 1
    same, _ = pm.conversion(history, horizon=0)
    assert same.set_index(["stage", "cohort"]).loc[("not ready", "2025Q1"), "converted"] == 2
    yearly, _ = pm.conversion(history, period="year", as_of="2027-01-01")
    assert yearly[["stage", "cohort", "companies", "converted"]].values.tolist()[:2] == [
        ["not ready", "2025", 2, 2], ["export-ready", "2025", 2, 1]]
    assert yearly["complete"].all()
    assert any("expanding has no later stage" in n for n in notes)
    with pytest.raises(ExportPlanError, match="valid periods: month, quarter, year"):
        pm.conversion(history, period="week")


def test_conversion_of_an_empty_history_is_an_empty_table():
    empty = pd.DataFrame({c: pd.Series(dtype="object") for c in
                          ("company_id", "date", "from_stage", "to_stage", "changed_by", "source", "note")})
    result = pm.conversion(empty, as_of="2026-12-01")
    assert result.table.empty and result.notes
