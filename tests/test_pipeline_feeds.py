"""Pipeline companies feed the rankings (issue 9, item 5): target markets → client interest, foreign parents →
the FDI factors of both rankings; a company in both a table and the pipeline counts once, its record winning."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from exportplan.analysis import pipeline_feeds as pf
from exportplan.analysis import sectors as asec
from exportplan.demo.builder import build_demo


def _sums(frame: pd.DataFrame, column: str) -> dict[str, float]:
    return {k: float(v) for k, v in frame.groupby("iso3")[column].sum().items()}


# ============================================================================ pure rules

def _survey() -> pd.DataFrame:
    return pd.DataFrame({"id": [1, 2, 3, 4], "company": ["Acme Tool & Die, Inc.", "Acme Tool & Die, Inc.",
                                                         "Other Co", "Blank Markets"],
                         "iso3": ["JPN", "CAN", "DEU", "FRA"], "weight": [2.0, 1.0, 1.0, 1.0],
                         "provenance_id": [7, 7, 7, 7]})


def test_a_company_in_the_survey_and_the_pipeline_counts_once_with_its_record():
    companies = pd.DataFrame({"name": ["ACME TOOL AND DIE"], "target_markets": ["can;MEX;CAN"]})
    out = pf.client_interest(_survey(), companies)
    # Acme's survey answers (JPN 2, CAN 1) are replaced by its record: CAN and MEX once each, weight 1.
    assert _sums(out, "weight") == {"CAN": 1.0, "MEX": 1.0, "DEU": 1.0, "FRA": 1.0}
    assert list(out.loc[out["source"] == pf.PIPELINE_SOURCE, "iso3"]) == ["CAN", "MEX"]
    assert "1 pipeline company" in out.attrs[pf.FEED_NOTE] and "counts once): 2" in out.attrs[pf.FEED_NOTE]


def test_a_company_without_target_markets_leaves_its_survey_answers():
    companies = pd.DataFrame({"name": ["Blank Markets Ltd", "New Co"], "target_markets": ["", "VNM; xx; USA1"]})
    out = pf.client_interest(_survey(), companies)
    assert _sums(out, "weight") == {"JPN": 2.0, "CAN": 1.0, "DEU": 1.0, "FRA": 1.0, "VNM": 1.0}


def test_no_companies_leave_the_tables_unchanged():
    survey, fdi = _survey(), _fdi()
    for companies in (None, pd.DataFrame(), pd.DataFrame({"name": ["A"], "target_markets": [""],
                                                          "foreign_parent": [""], "parent_country": ["DEU"]})):
        assert pf.client_interest(survey, companies) is survey
        assert pf.fdi_by_country(fdi, companies) is fdi
        assert pf.feed_notes(survey, fdi) == []


def test_an_empty_survey_takes_the_pipeline_answers():
    empty = pd.DataFrame({c: pd.Series(dtype="object") for c in ("iso3", "weight", "provenance_id")})
    out = pf.client_interest(empty, pd.DataFrame({"name": ["A", "B"], "target_markets": ["JPN", "JPN;KOR"],
                                                   "provenance_id": [4, None]}))
    assert _sums(out, "weight") == {"JPN": 2.0, "KOR": 1.0}
    assert out["provenance_id"].tolist()[0] == 4


def _fdi() -> pd.DataFrame:
    return pd.DataFrame({"id": [1, 2, 3, 4], "kind": ["cluster"] * 4, "iso3": ["JPN", "DEU", "FRA", "DEU"],
                         "establishments": [3.0, 2.0, 2.0, 1.0], "sector": ["a", "b", "c", "d"],
                         "company": ["Honda", "Siemens Ohio LLC", "Other", "Bosch"], "provenance_id": [5] * 4})


def test_fdi_rows_naming_a_pipeline_company_give_way_to_its_record():
    companies = pd.DataFrame({"name": ["Siemens Ohio"], "foreign_parent": ["Siemens AG"], "parent_country": ["DEU"]})
    out = pf.fdi_by_country(_fdi(), companies)
    # The table's 2 for Siemens Ohio are replaced by its record: one establishment.
    assert _sums(out, "establishments") == {"JPN": 3.0, "DEU": 2.0, "FRA": 2.0}


def test_a_parents_row_counts_the_larger_of_its_establishments_and_its_companies():
    companies = pd.DataFrame({"name": ["Honda Transmission", "Honda Engines", "Bosch A", "Bosch B"],
                              "foreign_parent": ["Honda", "HONDA", "Bosch", "Bosch GmbH"],
                              "parent_country": ["JPN", "jpn", "DEU", "DEU"]})
    out = pf.fdi_by_country(_fdi(), companies)
    # Honda's row (3) already covers its 2 companies; Bosch's row (1) covers one of its 2.
    assert _sums(out, "establishments") == {"JPN": 3.0, "DEU": 4.0, "FRA": 2.0}
    assert "parent: 3" in out.attrs[pf.FEED_NOTE]


def test_a_company_the_table_lists_by_name_is_not_also_under_its_parents_row():
    fdi = pd.concat([_fdi(), pd.DataFrame({"iso3": ["JPN"], "establishments": [1.0], "company": ["Honda Engines"],
                                           "provenance_id": [5]})], ignore_index=True)
    companies = pd.DataFrame({"name": ["Honda Engines", "Honda Transmission"], "foreign_parent": ["Honda", "Honda"],
                              "parent_country": ["JPN", "JPN"]})
    out = pf.fdi_by_country(fdi, companies)
    # Honda (3) covers Honda Transmission; Honda Engines, listed on its own, counts once as its record.
    assert _sums(out, "establishments") == {"JPN": 4.0, "DEU": 3.0, "FRA": 2.0}


def test_a_company_without_parent_country_or_parent_adds_nothing():
    companies = pd.DataFrame({"name": ["No Country", "No Parent", "Kyoto Parts"],
                              "foreign_parent": ["X Holdings", "", "Kyoto KK"], "parent_country": ["", "FRA", "JPN"]})
    out = pf.fdi_by_country(_fdi(), companies)
    assert _sums(out, "establishments") == {"JPN": 4.0, "DEU": 3.0, "FRA": 2.0}
    assert "1 pipeline company" in pf.feed_notes(out)[0]


def test_sector_feed_places_companies_by_naics_else_sector():
    companies = pd.DataFrame({"name": list("abcdef"), "naics": ["336111", "336111", "", "", "311", "334"],
                              "sector": ["", "", "Automotive", "", "", ""],
                              "foreign_parent": ["P", "P", "Q", "R", "", "S"]})
    feed = pf.sector_feed(companies)
    assert (feed.companies, feed.unplaced) == (5, 1)
    assert feed.entries[["sector", "kind", "foreign_establishments"]].values.tolist() == [
        ["Automotive", "cluster", 1.0], ["334", "naics", 1.0], ["336111", "naics", 2.0]]


def test_sector_fdi_takes_the_larger_count_per_sector_never_the_sum():
    alts = pd.DataFrame({"code": ["311", "334", "336"], "name": ["Food", "Computers", "Transport"],
                         "employment": [100.0, 200.0, 300.0]})
    table = pd.DataFrame({"sector": ["336", "311"], "kind": ["naics", "naics"],
                          "foreign_establishments": [5.0, 1.0]})
    feed = pf.sector_feed(pd.DataFrame({"name": list("abcdefg"),
                                        "naics": ["336111", "336390", "311111", "311222", "311999", "334", "999"],
                                        "foreign_parent": ["P"] * 7}))
    base = asec.build_sector_matrix(alts, by="naics", level=3, sector_fdi=table)
    pipeline = asec.build_sector_matrix(alts, by="naics", level=3, sector_fdi=feed.entries)
    merged = pf.merge_sector_fdi(base, pipeline)
    assert merged.matrix["foreign_establishments"].to_dict() == {"311": 3.0, "334": 1.0, "336": 5.0}
    assert base.matrix["foreign_establishments"].to_dict() == {"311": 1.0, "334": 0.0, "336": 5.0}  # untouched
    note = pf.sector_note(feed, pipeline.matches, table_loaded=True)
    assert "7 pipeline companies" in note and "6 of the 7 sector entries" in note and "larger" in note


# ============================================================================ the workspace

@pytest.fixture(scope="module")
def sample_ws(tmp_path_factory):
    ws = build_demo(tmp_path_factory.mktemp("feeds") / "ws", pipeline=False)  # rankings on the user tables alone
    yield ws
    ws.close()


def test_pipeline_companies_move_the_rankings_raw_values(sample_ws):
    ws = sample_ws
    before = ws.rank_markets(draws=100).table.set_index("iso3")
    sectors_before = ws.rank_sectors(draws=100)
    survey = ws.tables.user_table("survey")
    first = survey[survey["company"] == "Sample Co. 1"].groupby("iso3")["weight"].sum()
    targets = [c for c in ("VNM", "CAN", "MEX", "JPN", "DEU") if c in before.index][:2]
    assert len(targets) == 2 and len(first)
    # A survey respondent (respelled) whose record names two target markets: its answers give way.
    ws.pipeline.add_company(company_id="c1", name="SAMPLE CO 1", target_markets=";".join(targets))
    # A company the FDI table lists (2 establishments in JPN): its record counts it once, in Germany.
    ws.pipeline.add_company(company_id="c2", name="Sample Resin Co., Ltd. (SAMPLE)", foreign_parent="Resin Holding",
                            parent_country="DEU", naics="326199")
    # Six plants of one foreign parent in a ranked cluster's industry; and one without the parent's country.
    crosswalk = ws.definitions.crosswalk()[0].to_pandas()
    fewest = sectors_before.table.sort_values("raw_foreign_establishments", kind="stable")["code"].astype(str)
    naics = next(str(hit.iloc[0]) for code in fewest
                 if len(hit := crosswalk.loc[crosswalk["cluster_code"] == code, "naics"]))
    for i in range(6):
        ws.pipeline.add_company(company_id=f"w{i}", name=f"Ohio Widget {i}", foreign_parent="Widget AG",
                                parent_country="DEU", naics=naics)
    ws.pipeline.add_company(company_id="x", name="Unknown Parent Plant", foreign_parent="Someone", naics=naics)

    ranking = ws.rank_markets(draws=100)
    after = ranking.table.set_index("iso3")
    expected = before["raw_survey_mentions"].sub(first.reindex(before.index).fillna(0.0))
    expected[targets] += 1.0
    pd.testing.assert_series_equal(after["raw_survey_mentions"].reindex(before.index), expected, check_names=False)
    fdi = before["raw_fdi_establishments"].copy()
    fdi["JPN"] -= 2.0
    fdi["DEU"] += 7.0
    pd.testing.assert_series_equal(after["raw_fdi_establishments"].reindex(before.index), fdi, check_names=False)
    assert any("Client interest counts 1 pipeline company" in n for n in ranking.notes)
    assert any("FDI connections count 7 pipeline companies" in n for n in ranking.notes)

    sectors = ws.rank_sectors(draws=100)
    hit = sectors.matches[(sectors.matches["entry"] == naics) & (sectors.matches["status"] == "matched")]
    codes = hit["matched"].iloc[0].split(", ")
    old = sectors_before.table.set_index("code")["raw_foreign_establishments"]
    new = sectors.table.set_index("code")["raw_foreign_establishments"].reindex(old.index)
    pipeline_counts = pd.Series(0.0, index=old.index)
    pipeline_counts[codes] = 7.0  # the six Widget plants and the plant without its parent's country
    hit = sectors.matches[(sectors.matches["entry"] == "326199") & (sectors.matches["status"] == "matched")]
    for code in (hit["matched"].iloc[0].split(", ") if len(hit) else []):
        pipeline_counts[code] += 1.0
    pd.testing.assert_series_equal(new, np.maximum(old, pipeline_counts), check_names=False)
    assert (new > old).any() and (new >= old).all()
    assert any("Foreign investors count 8 pipeline companies" in n for n in sectors.notes)
