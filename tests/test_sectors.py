"""Target-sector ranking: the matrix of the five guide criteria, matching, tiers, API, CLI, real data."""
from __future__ import annotations

import json
import math
import re

import numpy as np
import openpyxl
import pandas as pd
import polars as pl
import pytest
from click.testing import CliRunner

from exportplan.analysis import industry as ai
from exportplan.analysis import sectors as asec
from exportplan.analysis.scoring import score
from exportplan.analysis.weights import SECTOR_GROUPS, spread_group_weights
from exportplan.cli.main import cli
from exportplan.demo.builder import build_demo, show_demo
from exportplan.errors import ExportPlanError
from exportplan.sources.clusters import official_clusters
from exportplan.workspace import Workspace

DRAWS = 2000
REQUIRED = ["rank", "code", "name", "score", "tier", "coverage", "p_top5", "rank_p05", "rank_p95", "reason"]
COLUMBUS = ("39041", "39045", "39049", "39073")


# --------------------------------------------------------------------------- helpers

def crosswalk() -> pd.DataFrame:
    """A small crosswalk with official codes and names (traded 4, 23, 30; local 111)."""
    rows = [("336111", "4", "Automotive", "traded"), ("336390", "4", "Automotive", "traded"),
            ("334413", "23", "Information Technology and Analytical Instruments", "traded"),
            ("334516", "23", "Information Technology and Analytical Instruments", "traded"),
            ("334510", "30", "Medical Devices", "traded"), ("339112", "30", "Medical Devices", "traded"),
            ("722511", "111", "Local Hospitality Establishments", "local")]
    return pd.DataFrame(rows, columns=["naics", "cluster_code", "cluster_name", "type"])


def cluster_alternatives() -> pd.DataFrame:
    return pd.DataFrame({"code": ["4", "23", "30"],
                         "name": ["Automotive", "Information Technology and Analytical Instruments",
                                  "Medical Devices"],
                         "employment": [5000.0, 1200.0, 300.0], "establishments": [40, 25, 9],
                         "cagr": [0.01, 0.05, np.nan], "lq": [2.1, 0.7, 1.0], "strong": [True, False, None]})


def targets(*rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["target", "kind", "priority"])


BOUND_COLS = {"lq": ("lq_low", "lq_high"), "employment": ("employment_low", "employment_high"),
              "regional_growth": ("cagr_low", "cagr_high")}


def reason_parts(row: pd.Series, criteria) -> list[tuple[object, str]]:
    """(criterion, cited text) for every value a reason cites; checks the 'no data' list and positions."""
    by_label = {c.label: c for c in criteria}
    cited = []
    text = row["reason"].removeprefix("weakest on every weighted criterion: ")
    for part in text.split("; "):
        if part.startswith(asec.ESTIMATE_PREFIX):
            share = row["estimated"]
            assert part == f"{asec.ESTIMATE_PREFIX}{'<1%' if share < 0.005 else f'{share:.0%}'} of employment"
            continue
        if part == asec.LOWER_BOUND:
            assert row["withheld"] > 0 and not row.get("estimated", 0) > 0
            continue
        if part.startswith("no data: "):
            for label in part.removeprefix("no data: ").split(", "):
                assert math.isnan(row[f"raw_{by_label[label].key}"]), (row["name"], label)
            continue
        if part.startswith("strong cluster: uncertain"):  # an uncertain flag: missing data, with the LQ bounds
            assert math.isnan(row["raw_strong"]) and isinstance(row.get("strong_note"), str), row["name"]
            assert part == (f"strong cluster: uncertain (LQ at least {row['lq_low']:.2f}, no upper bound)"
                            if pd.isna(row["lq_high"]) else
                            f"strong cluster: uncertain (LQ bounds {row['lq_low']:.2f}-{row['lq_high']:.2f})")
            continue
        m = re.fullmatch(r"(.*?)(?: \((estimate, bounds .+?)?(?:, )?(?:(?:tied )?(?:\d+(?:st|nd|rd|th) )?"
                         r"(?:highest|lowest) of (\d+))?\))?", part)
        body, bounds, of = m.group(1), m.group(2), m.group(3)
        crit = next(c for c in sorted(criteria, key=lambda c: -len(c.label))
                    if body == c.label or body.startswith(c.label + " ") or body == f"{c.label}: no")
        if bounds or " ~" in body:  # an estimate is marked and carries its exact bounds
            low, high = row[BOUND_COLS[crit.key][0]], row[BOUND_COLS[crit.key][1]]
            lo, hi = crit.format_value(low), crit.format_value(high)
            span = f"{lo}-{hi}" if " " not in lo else f"{lo.split(' ', 1)[0]} to {hi}"  # '+1.0% to +2.0% a year'
            assert bounds == f"estimate, bounds {span}", (part, low, high)
            assert body.startswith(f"{crit.label} ~")
            body = body.replace(" ~", " ", 1)
        elif crit.key in BOUND_COLS and BOUND_COLS[crit.key][0] in row.index and pd.notna(row[BOUND_COLS[crit.key][0]]):
            low, high = row[BOUND_COLS[crit.key][0]], row[BOUND_COLS[crit.key][1]]
            assert abs(high - low) <= 1e-9 * (1 + abs(high)), part  # exact bounds: no mark
        cited.append((crit, body, int(of) if of else None))
    return cited


def assert_reasons_cite_raw_values(table: pd.DataFrame, criteria) -> int:
    """Every value a reason cites is the formatted raw value of its row (and 'of N' the observed count)."""
    checked = 0
    for _, row in table.iterrows():
        for crit, body, of in reason_parts(row, criteria):
            raw = row[f"raw_{crit.key}"]
            if crit.is_flag:
                assert body == (crit.label if raw else f"{crit.label}: no"), (row["name"], body)
            else:
                assert body == f"{crit.label} {crit.format_value(raw)}", (row["name"], body, raw)
            if of is not None:
                assert of == int(table[f"raw_{crit.key}"].notna().sum()), (row["name"], body)
            checked += 1
    return checked


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


# --------------------------------------------------------------------------- matching (pure)

def test_targets_match_by_cluster_name_code_and_naics_prefix_and_report_the_rest():
    t = targets(("  automotive ", "cluster", 2),          # name: case and spaces do not matter
                ("Automotive", "cluster", 3),              # a worse priority for the same cluster: best kept
                ("30", "cluster", 3),                      # cluster code
                ("3344", "naics", 1),                      # NAICS prefix -> the cluster holding 334413
                ("Local Hospitality Establishments", "cluster", 1),  # known, but a local cluster
                ("7", "cluster", 1),                       # official code (Coal Mining) without employment
                ("Widget Making", "cluster", 1),           # unknown name
                ("5415", "naics", 1))                      # no crosswalk code starts with it
    sm = asec.build_sector_matrix(cluster_alternatives(), by="cluster", crosswalk=crosswalk(), targets=t,
                                  official=official_clusters())  # the caller passes the official list in
    st = sm.matrix["state_target"]
    assert st["4"] == pytest.approx(2 / 3) and st["23"] == 1.0 and st["30"] == pytest.approx(1 / 3)
    report = sm.matches.set_index("entry")
    assert report.loc["3344", "matched"] == "23" and "containing its 6-digit codes" in report.loc["3344", "note"]
    bad = sm.unmatched.set_index("entry")["note"]
    assert set(bad.index) == {"Local Hospitality Establishments", "7", "Widget Making", "5415"}
    assert "a local cluster" in bad["Local Hospitality Establishments"]
    assert "Coal Mining" in bad["7"] and "no employment in the region" in bad["7"]
    assert "no cluster of this name" in bad["Widget Making"]
    assert "no 6-digit NAICS code in the crosswalk starts with 5415" in bad["5415"]
    note = next(n for n in sm.notes if "matched no ranked sector" in n)
    assert note.startswith("4 state targets entries") and "Widget Making" in note


def test_naics_codes_match_industries_by_prefix_and_clusters_through_the_crosswalk():
    alts = pd.DataFrame({"code": ["311", "334", "336", "339"], "name": ["Food", "Computers", "Transport eq.",
                                                                      "Misc. manufacturing"],
                         "employment": [10.0, 20.0, 30.0, 40.0]})
    universe = asec.Universe("naics", list(alts["code"]), dict(zip(alts["code"], alts["name"])), 3, crosswalk())
    assert asec.match_entry("3361", "naics", universe)[0] == ["336"]        # longer code -> its first 3 digits
    assert asec.match_entry("33", "naics", universe)[0] == ["334", "336", "339"]  # shorter -> all inside it
    assert asec.match_entry("31-33", "naics", universe)[0] == ["311", "334", "336", "339"]
    assert asec.match_entry("Medical Devices", "cluster", universe)[0] == ["334", "339"]  # 334510, 339112
    assert asec.match_entry("23", "cluster", universe)[0] == ["334"]
    codes, note = asec.match_entry("5415", "naics", universe)
    assert codes == [] and "no ranked 3-digit industry" in note


def test_a_naics_entry_spanning_clusters_is_credited_to_each_and_fdi_uses_the_latest_year():
    fdi = pd.DataFrame({"sector": ["33", "Automotive", "Automotive", "Nowhere"],
                        "kind": ["naics", "cluster", "cluster", "cluster"],
                        "foreign_establishments": [2, 5, 7, 1], "year": [2023, 2021, 2023, 2023]})
    assets = pd.DataFrame({"sector": ["Automotive", "Automotive", "23"], "kind": ["cluster", "cluster", "cluster"],
                           "strength": [3, 2, None]})
    sm = asec.build_sector_matrix(cluster_alternatives(), by="cluster", crosswalk=crosswalk(), sector_fdi=fdi,
                                  assets=assets)
    # '33' holds codes of all three clusters: 2 each; Automotive's 2023 row (7) replaces its 2021 row (5).
    assert sm.matrix["foreign_establishments"].to_dict() == {"4": 9.0, "23": 2.0, "30": 2.0}
    assert sm.matrix["unique_assets"].to_dict() == {"4": 5.0, "23": 1.0, "30": 0.0}  # empty strength = 1
    spread = sm.matches[sm.matches["entry"] == "33"]
    assert "credited in full to each" in spread["note"].iloc[0]
    assert list(sm.unmatched["entry"]) == ["Nowhere"]


def test_a_list_not_loaded_is_missing_for_all_but_a_loaded_list_scores_unlisted_sectors_zero():
    alts, xw = cluster_alternatives(), crosswalk()
    without = asec.build_sector_matrix(alts, crosswalk=xw)
    assert without.matrix["state_target"].isna().all() and without.matrix["foreign_establishments"].isna().all()
    assert any("No state targets table is loaded" in n for n in without.notes)
    with_list = asec.build_sector_matrix(alts, crosswalk=xw, targets=targets(("Automotive", "cluster", 1)))
    assert with_list.matrix["state_target"].to_dict() == {"4": 1.0, "23": 0.0, "30": 0.0}
    weights = spread_group_weights({g: 0.2 for g in SECTOR_GROUPS}, without.criteria)
    cov_without = score(without.matrix, without.criteria, weights).table.set_index("code")["coverage"]
    cov_with = score(with_list.matrix, with_list.criteria, weights).table.set_index("code")["coverage"]
    assert (cov_without < cov_with - 0.19).all()  # the state-target weight (0.2) is observed only with the list
    # NAICS alternatives have no strong-cluster flag at all; clusters do.
    assert "strong" in [c.key for c in without.criteria]
    assert "strong" not in [c.key for c in asec.sector_criteria("naics")]


def test_matrix_columns_follow_the_measures_and_booleans_become_numbers():
    sm = asec.build_sector_matrix(cluster_alternatives(), crosswalk=crosswalk())
    assert list(sm.matrix.columns) == list(asec.MEASURE_KEYS)
    assert sm.matrix["strong"].tolist()[:2] == [1.0, 0.0] and math.isnan(sm.matrix["strong"].iloc[2])
    assert sm.matrix["regional_growth"].tolist()[:2] == [0.01, 0.05]
    groups = {c.key: c.group for c in sm.criteria}
    assert set(groups.values()) == set(SECTOR_GROUPS)
    assert {k for k, g in groups.items() if g == "size"} == {"employment", "establishments"}
    with pytest.raises(ExportPlanError, match="'cluster'.*'naics'"):
        asec.build_sector_matrix(cluster_alternatives(), by="county")


# --------------------------------------------------------------------------- reference measures (pure)

def _area(code: str, rows: list[tuple]) -> pl.DataFrame:
    """An area frame: (industry, year, employment, wages) rows of private ownership plus the total."""
    frame = pl.DataFrame(rows, schema={"industry_code": pl.String, "year": pl.Int32, "emplvl": pl.Float64,
                                       "total_wages": pl.Float64}, orient="row")
    return frame.with_columns(area_fips=pl.lit(code), own_code=pl.lit("5"), qtr=pl.lit("A"),
                              estabs=pl.lit(3, pl.Int64), withheld=pl.lit(0.0),
                              avg_annual_pay=pl.col("total_wages") / pl.col("emplvl"))


def test_reference_measures_are_growth_and_shift_share_per_job():
    region = _area("REGION", [("336111", 2018, 100, 5e6), ("336111", 2023, 150, 9e6), ("334413", 2018, 50, 4e6),
                              ("334413", 2023, 40, 3e6), ("10", 2018, 1000, 5e7), ("10", 2023, 1100, 6e7)])
    ref = _area("US000", [("336111", 2018, 1000, 6e7), ("336111", 2023, 1100, 7.7e7), ("334413", 2018, 500, 5e7),
                          ("334413", 2023, 600, 7.2e7), ("10", 2018, 10000, 6e8), ("10", 2023, 10500, 7e8)])
    out = asec.cluster_reference_measures(region, ref, pl.from_pandas(crosswalk()), year=2023,
                                          start_year=2018).set_index("code")
    assert out.loc["4", "ref_cagr"] == pytest.approx(1.1 ** (1 / 5) - 1)
    assert out.loc["4", "competitive_shift"] == pytest.approx(0.5 - 0.1)      # g_c − G_c
    assert out.loc["23", "competitive_shift"] == pytest.approx(-0.2 - 0.2)
    assert out.loc["23", "ref_avg_pay"] == pytest.approx(7.2e7 / 600)
    ind = asec.industry_reference_measures(region, ref, level=6, year=2023, start_year=2018).set_index("code")
    ss = ai.shift_share(region, ref, 2018, 2023).to_pandas().set_index("industry_code")
    assert ind.loc["336111", "competitive_shift"] == pytest.approx(ss.loc["336111", "competitive_shift"] / 100)
    one_year = asec.cluster_reference_measures(region, ref, pl.from_pandas(crosswalk()), year=2023, start_year=None)
    assert one_year["ref_cagr"].isna().all() and one_year["competitive_shift"].isna().all()
    assert one_year["ref_avg_pay"].notna().all()


# --------------------------------------------------------------------------- tiers (pure)

def test_tier_rules_in_order_with_missing_values_never_qualifying():
    table = pd.DataFrame({
        "name": list("ABCDEFG"),
        "rank": [1, 2, 3, 6, 7, 8, 9],
        "coverage": [0.9, 0.5, 1.0, 1.0, 1.0, 1.0, 1.0],
        "p_topk": [0.95, 0.99, 0.40, 0.10, 0.0, 0.0, 0.0],
        "cagr": [0.01, 0.08, 0.06, 0.05, -0.02, np.nan, 0.03],
        "lq": [1.5, 0.4, 0.8, 0.6, 1.3, 2.0, np.nan],
    })
    out = asec.assign_tiers(table, top_k=5).set_index("name")
    # median growth over the six observed values: 0.04
    assert out["tier"].astype(str).to_dict() == {
        "A": "priority",   # top 5, coverage 90%, top 5 in 95% of draws
        "B": "emerging",   # top 5 but coverage 50% < 60%: falls through to growth > median, LQ < 1
        "C": "emerging",   # top 5 in only 40% of draws
        "D": "emerging",
        "E": "sustain",    # LQ >= 1
        "F": "sustain",    # LQ >= 1 decides it even without growth data
        "G": "monitor",    # no LQ: neither emerging nor sustain can be decided
    }
    assert out.loc["A", "tier_reason"] == ("priority: rank #1 <= #5; coverage 90% >= 60%; "
                                           "share of draws in the top 5 95% >= 50%")
    assert out.loc["B", "tier_reason"] == ("emerging: regional growth +8.0% a year > the median +4.0% a year; "
                                           "LQ 0.40 < 1.00 (not priority: coverage 50%, not >= 60%)")
    assert "not priority: share of draws in the top 5 40%, not >= 50%" in out.loc["C", "tier_reason"]
    assert out.loc["G", "tier_reason"].startswith("monitor:") and "LQ: no data" in out.loc["G", "tier_reason"]
    assert list(out["tier"].cat.categories) == list(asec.TIERS)
    notes = asec.tier_notes(5)
    assert len(notes) == len(asec.TIER_RULES) + 1 and "top 5" in notes[0]
    assert asec.tier_notes(5, out.reset_index()) == notes  # a priority exists: nothing to explain


def test_the_notes_say_why_no_sector_is_a_priority():
    def tiered(coverage, p_topk):
        n = len(coverage)
        return asec.assign_tiers(pd.DataFrame({"name": [f"S{i}" for i in range(n)], "rank": range(1, n + 1),
                                               "coverage": coverage, "p_topk": p_topk, "cagr": [0.0] * n,
                                               "lq": [1.0] * n}), top_k=2)

    # The real ranking at 20-28% coverage: no sector reaches 60%.
    thin = tiered([0.28, 0.2, 0.25], [1.0, 1.0, 0.0])
    assert not (thin["tier"] == "priority").any()
    first = asec.tier_notes(2, thin)[0]
    assert first.startswith("No sector is a priority: no sector reaches coverage 60%")
    assert "(the highest is 28%, S0)" in first and first == asec.no_priority_note(thin, 2)
    # Coverage is there, but only below the top 2.
    low = tiered([0.5, 0.4, 0.9], [1.0, 1.0, 0.0])
    assert asec.no_priority_note(low, 2).startswith(
        "No sector is a priority: none of the top 2 by score reaches coverage 60% (their highest is 50%)")
    # Coverage is fine, the shortlist is not stable.
    shaky = tiered([1.0, 1.0, 1.0], [0.45, 0.3, 0.25])
    assert asec.no_priority_note(shaky, 2).startswith(
        "No sector is a priority: none of the top 2 by score with coverage of at least 60% stays in the top 2 "
        "in 50% of the weight draws (the most stable is S0, in 45% of draws)")
    assert len(asec.tier_notes(2, shaky)) == len(asec.TIER_RULES) + 2


# --------------------------------------------------------------------------- the sample workspace

@pytest.fixture(scope="module")
def sample_ws(tmp_path_factory):
    ws = build_demo(tmp_path_factory.mktemp("sectors") / "sample", pipeline=False)  # the user tables alone
    yield ws
    ws.close()


@pytest.fixture(scope="module")
def ranking(sample_ws):
    return sample_ws.rank_sectors(draws=DRAWS)


def test_sample_ranking_has_the_required_columns_and_consistent_numbers(ranking):
    t = ranking.table
    for col in REQUIRED + ["median_rank", "robust", "band", "tier_reason", "lq", "growth", "employment"]:
        assert col in t.columns, col
    for c in ranking.criteria:
        assert {f"raw_{c.key}", f"norm_{c.key}", f"contrib_{c.key}"} <= set(t.columns), c.key
    assert list(t["rank"]) == list(range(1, len(t) + 1))
    assert t["score"].is_monotonic_decreasing
    contrib = t[[f"contrib_{c.key}" for c in ranking.criteria]].sum(axis=1)
    assert np.allclose(contrib, t["score"])
    groups = t[[f"group_{g}" for g in SECTOR_GROUPS]].sum(axis=1, min_count=1)
    assert np.allclose(groups, t["score"])
    assert ((t["rank_p05"] <= t["median_rank"]) & (t["median_rank"] <= t["rank_p95"])).all()
    assert t["p_top5"].between(0, 1).all() and t["coverage"].between(0, 1).all()
    assert set(t["tier"].astype(str)) <= set(asec.TIERS) and (t["tier"] == "priority").any()
    assert (t.loc[t["tier"] == "priority", "coverage"] >= 0.6).all()
    assert math.isclose(sum(ranking.weights.values()), 1.0) and ranking.preset == "balanced"


def test_sample_ranking_uses_the_user_tables(ranking):
    t = ranking.table.set_index("name")
    assert t.loc["Automotive", "raw_state_target"] == 1.0
    assert t.loc["Biopharmaceuticals", "raw_state_target"] == pytest.approx(2 / 3)
    assert t.loc["Plastics", "raw_state_target"] == 0.0                  # loaded list, not listed: a real 0
    assert t.loc["Automotive", "raw_foreign_establishments"] == 14.0
    assert t.loc["Automotive", "raw_unique_assets"] == 5.0               # 3 + 2
    assert t.loc["Nonmetal Mining", "raw_foreign_establishments"] == 0.0
    assert ranking.unmatched.empty and len(ranking.matches) == 8 + 10 + 8
    sources = {s["dataset"] for s in ranking.meta["sources"]}
    assert {"state target industries", "QCEW (BLS file layout)"} <= sources and ranking.meta["sample_data"] is True
    assert any(n.startswith("Tier 'priority'") for n in ranking.meta["notes"])


def test_sample_reasons_cite_the_raw_values(ranking):
    assert assert_reasons_cite_raw_values(ranking.table, ranking.criteria) >= len(ranking.table)


def test_weights_presets_overrides_and_the_saved_default(sample_ws, ranking):
    before = dict(sample_ws.config)
    growth = sample_ws.rank_sectors(preset="growth", draws=200)
    assert growth.group_weights["growth"] == pytest.approx(0.40) and growth.preset == "growth"
    bumped = sample_ws.rank_sectors(weights="state_target=0.6", draws=200)
    assert bumped.group_weights["state_target"] == pytest.approx(0.6 / 1.4)
    assert sample_ws.config == before  # nothing saved by ranking
    with pytest.raises(ExportPlanError, match="Valid keys: size, growth, strength, state_target, foreign_investors"):
        sample_ws.rank_sectors(weights="jobs=1", draws=200)
    try:
        sample_ws.set_sector_weights("strengths", "foreign_investors=0")
        reopened = Workspace.open(sample_ws.path)
        saved = reopened.rank_sectors(draws=200)
        assert saved.preset == "strengths" and saved.group_weights["foreign_investors"] == 0
        assert saved.table["contrib_foreign_establishments"].fillna(0).eq(0).all()
        reopened.close()
    finally:
        sample_ws.set_sector_weights(None, None)
    assert sample_ws.rank_sectors(draws=200).preset == "balanced"


def test_topsis_naics_and_seeds(sample_ws, ranking):
    again = sample_ws.rank_sectors(draws=DRAWS)
    pd.testing.assert_frame_equal(again.table, ranking.table)
    top = sample_ws.rank_sectors(method="topsis", draws=200)
    assert top.method == "topsis" and np.allclose(
        top.table[[f"contrib_{c.key}" for c in top.criteria]].sum(axis=1), top.table["score"])
    naics = sample_ws.rank_sectors(by="naics", level=3, draws=200)
    assert naics.table["code"].str.fullmatch(r"\d{3}").all()
    assert "strong" not in [c.key for c in naics.criteria]
    # The targets' NAICS entry 334413 lands on NAICS 334 at priority 1.
    assert naics.table.set_index("code").loc["334", "raw_state_target"] == 1.0
    with pytest.raises(ExportPlanError, match="--by naics only"):
        sample_ws.rank_sectors(level=3)


def test_explain_decomposes_one_sector(ranking):
    second = ranking.table.iloc[1]
    ex = ranking.explain(second["code"])
    assert ex["contribution"].sum() == pytest.approx(second["score"])
    assert ex["gap"].sum() == pytest.approx(second["score"] - ranking.table.iloc[0]["score"])
    sources = ex.set_index("key")["source"]
    assert "QCEW" in sources["employment"] and "SAMPLE_state_targets.csv" in sources["state_target"]
    lines = ranking.explain_lines(second["code"])
    assert lines[0].startswith(f"#2 {second['name']}") and second["band"] in lines[1]
    with pytest.raises(ExportPlanError, match="No ranked sector has code"):
        ranking.explain("999")


# --------------------------------------------------------------------------- the command line

@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_cli_prints_the_ranking_and_writes_each_format(sample_ws, tmp_path, fmt):
    out = tmp_path / f"sectors.{fmt}"
    result = run("-w", sample_ws.path, "rank", "sectors", "--draws", DRAWS, "--format", fmt, "--output", out)
    assert result.exit_code == 0, result.output
    text = result.output
    assert "Automotive" in text and "tier" in text and "band" in text and "Robustness:" in text
    assert "in the top 5" in text and "Note: Tier 'priority'" in text
    if fmt == "csv":
        columns = pd.read_csv(out, dtype=str).columns
    elif fmt == "xlsx":
        book = openpyxl.load_workbook(out, read_only=True)
        columns = [c.value for c in next(book["data"].iter_rows(max_row=1))]
        book.close()
    else:
        doc = json.loads(out.read_text())
        columns = doc["columns"]
        assert doc["meta"]["weights"] == {g: 0.2 for g in SECTOR_GROUPS} and doc["meta"]["robustness"]
    keys = [c.key for c in asec.sector_criteria("cluster")]
    for col in REQUIRED + [f"{p}_{k}" for p in ("raw", "norm", "contrib") for k in keys]:
        assert col in columns, col


def test_cli_rejects_unknown_weight_keys_with_the_valid_ones(sample_ws):
    result = run("-w", sample_ws.path, "rank", "sectors", "--weights", "growth=0.3,jobs=2", "--draws", 100)
    assert result.exit_code == 2
    assert "Unknown weight key 'jobs'" in result.output
    assert "size, growth, strength, state_target, foreign_investors" in result.output


def test_cli_explain_by_code_or_name_and_charts(sample_ws, tmp_path):
    result = run("-w", sample_ws.path, "rank", "sectors", "--draws", DRAWS, "--explain", "automotive",
                 "--chart", tmp_path / "c.png")
    assert result.exit_code == 0, result.output
    assert "Automotive (4)" in result.output and "foreign-owned establishments" in result.output
    assert "priority 1 of 3" in result.output and "ranks #" in result.output
    assert (tmp_path / "c.svg").exists() and (tmp_path / "c_bubble.png").exists()
    missing = run("-w", sample_ws.path, "rank", "sectors", "--draws", 100, "--explain", "Unobtainium")
    assert missing.exit_code == 2 and "no ranked sector has that code or name" in missing.output


def test_cli_naics_topsis_and_option_errors(sample_ws):
    result = run("-w", sample_ws.path, "rank", "sectors", "--by", "naics", "--level", "4", "--method", "topsis",
                 "--draws", 200, "--shortlist", 3, "--top", 5)
    assert result.exit_code == 0, result.output
    assert "4-digit NAICS industries" in result.output and "p_top3" in result.output
    assert "more rows" in result.output
    bad = run("-w", sample_ws.path, "rank", "sectors", "--level", "3", "--draws", 100)
    assert bad.exit_code == 2 and "--by naics only" in bad.output
    no_file = run("-w", sample_ws.path, "rank", "sectors", "--format", "csv")
    assert no_file.exit_code == 2 and "--format needs --output FILE" in no_file.output
    help_text = run("rank", "sectors", "--help").output
    for option in ("--by", "--level", "--preset", "--weights", "--method", "--draws", "--seed", "--top", "--shortlist",
                   "--chart",
                   "--format", "--output", "--explain"):
        assert option in help_text, option


def test_weights_ahp_prints_cr_warns_and_saves(sample_ws, tmp_path):
    keys = list(SECTOR_GROUPS)
    consistent = pd.DataFrame([[2.0 ** (j - i) for j in range(5)] for i in range(5)], index=keys, columns=keys)
    good = tmp_path / "good.csv"
    consistent.to_csv(good)
    result = run("weights", "ahp", good)
    assert result.exit_code == 0, result.output
    assert "CR 0.000" in result.output and "Warning" not in result.output
    # Each key twice as important as the next: 16/31, 8/31, ..., 1/31.
    assert "--weights size=0.516,growth=0.258,strength=0.129,state_target=0.065,foreign_investors=0.032" \
        in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text("k,size,growth,strength\nsize,1,9,1/9\ngrowth,1/9,1,9\nstrength,9,1/9,1\n")
    warned = run("weights", "ahp", bad)
    assert warned.exit_code == 0 and "Warning: Consistency ratio" in warned.output
    try:
        saved = run("-w", sample_ws.path, "weights", "ahp", good, "--save")
        assert saved.exit_code == 0, saved.output
        with Workspace.open(sample_ws.path) as again:
            ranked = again.rank_sectors(draws=100)
        assert ranked.group_weights["size"] == pytest.approx(16 / 31, abs=1e-3)
        assert ranked.group_weights["foreign_investors"] == pytest.approx(1 / 31, abs=1e-3)
    finally:
        assert run("-w", sample_ws.path, "weights", "set", "--clear").exit_code == 0
    assert run("weights", "presets").output.count("balanced") == 2


def test_show_demo_prints_the_sector_ranking_and_writes_table_and_charts(sample_ws, ranking):
    lines = []
    show_demo(sample_ws, echo=lines.append)  # charts through the Python API: ranking.contribution_chart, bubble_chart
    text = "\n".join(lines)
    assert "target sectors on the guide's five criteria" in text and "Robustness:" in text
    out = sample_ws.path / "outputs"
    for name in ("sectors.xlsx", "sectors_contributions.png", "sectors_contributions.svg", "sectors_bubble.png",
                 "sectors_bubble.svg"):
        assert (out / name).stat().st_size > 0, name
    bubble = (out / "sectors_bubble.svg").read_text()
    for tier in set(ranking.table.dropna(subset=["lq", "growth", "employment"])["tier"].astype(str)):
        assert tier in bubble
    bars = (out / "sectors_contributions.svg").read_text()
    assert "SAMPLE DATA" in bars and "foreign investors" in bars and ranking.table.iloc[0]["name"] in bars
    book = openpyxl.load_workbook(out / "sectors.xlsx", read_only=True)
    assert {"data", "sources"} <= set(book.sheetnames)
    book.close()


# --------------------------------------------------------------------------- real data: Columbus, Ohio

@pytest.fixture(scope="module")
def columbus(shared_data, tmp_path_factory):
    qcew = [shared_data / "qcew" / f"bls_qcew_2020_annual_area_{c}.csv" for c in COLUMBUS]
    ws = Workspace.init(tmp_path_factory.mktemp("columbus") / "ws", name="Columbus area (4 counties)",
                        counties=list(COLUMBUS), reference_area="USLQ", state="OH")
    ws.import_qcew(qcew)
    ws.import_clusters(shared_data / "clusters" / "uscmp_naics2012_to_cluster_ACR1.csv")
    ws.import_peers(shared_data / "clusters" / "uscmp_state_clusters_2016.csv", allow_mismatch=True)
    yield ws
    ws.close()


def independent_cluster_sums(shared_data) -> pd.DataFrame:
    """Traded-cluster employment and establishments summed straight from the BLS files (pandas, no exportplan).

    Withheld cells (disclosure N) add establishments but no employment; a cluster whose cells are all
    withheld has no employment figure. The crosswalk's Emsi-specific codes are left out, as the import does.
    """
    xw = pd.read_csv(shared_data / "clusters" / "uscmp_naics2012_to_cluster_ACR1.csv", dtype=str)
    xw = xw[(xw["traded_local"] == "Traded") & (xw["emsi_specific_naics_nonstandard"] == "FALSE")]
    files = [pd.read_csv(shared_data / "qcew" / f"bls_qcew_2020_annual_area_{c}.csv", dtype=str) for c in COLUMBUS]
    q = pd.concat(files)
    q = q[(q["own_code"] == "5") & (q["agglvl_code"] == "78")].merge(xw, left_on="industry_code", right_on="naics")
    q["emp"] = q["annual_avg_emplvl"].astype(float)
    q["est"] = q["annual_avg_estabs"].astype(float)
    q["shown"] = q["disclosure_code"].fillna("") != "N"
    emp = q[q["shown"]].groupby("cluster")["emp"].sum()
    return pd.DataFrame({"employment": emp, "establishments": q.groupby("cluster")["est"].sum()})


def test_columbus_ranks_its_clusters_from_the_real_files(columbus, shared_data):
    ranking = columbus.rank_sectors(draws=DRAWS)
    t = ranking.table
    clusters = columbus.clusters(cluster_type="traded")
    assert len(t) == len(clusters) and set(t["name"]) == set(clusters["cluster_name"])
    expected = independent_cluster_sums(shared_data)
    got = t.set_index("name").loc[expected.index]
    assert len(expected) == len(t)
    assert np.allclose(got["raw_establishments"], expected["establishments"])
    # Withheld cells may be estimated (analysis.estimate_withheld): the disclosed part is the BLS sum.
    disclosed = got["raw_employment"] * (1 - got["estimated"].fillna(0))
    assert np.allclose(disclosed, expected["employment"].fillna(0))
    assert (got.loc[got["estimated"] > 0, "reason"].str.contains(asec.ESTIMATE_PREFIX)).all()
    # Every reason cites exactly the values it used.
    assert assert_reasons_cite_raw_values(t, ranking.criteria) >= len(t)
    top = got.loc[t.iloc[0]["name"]]
    assert f"employment {top['raw_employment']:,.0f}" in top["reason"] or \
        f"establishments {top['raw_establishments']:,.0f}" in top["reason"]


def test_columbus_shows_missing_growth_and_tables_honestly(columbus):
    ranking = columbus.rank_sectors(draws=DRAWS)
    t = ranking.table
    for key in ("regional_growth", "national_growth", "competitive_shift"):
        assert t[f"raw_{key}"].isna().all(), key
    assert (t["coverage"] < 1).all()
    # Missing measures are said once in the notes, not on every row's reason.
    assert not t["reason"].str.contains("no data").any()
    notes = " ".join(ranking.meta["notes"])
    assert "No data for any sector on: regional growth" in notes
    assert "No growth window ends in 2020" in notes and "No state targets table is loaded" in notes
    assert (t.loc[t["tier"] == "priority", "coverage"] >= 0.6).all()
    assert t.loc[t["coverage"] < 0.6, "tier"].ne("priority").all()


# --------------------------------------------------------------------------- NAICS vintage breaks

def test_sample_rankings_carry_the_vintage_break_their_notes_mention(sample_ws, ranking):
    # The sample's window 2018-2023 crosses NAICS 2017 -> 2022; its clusters keep the same codes at both ends.
    assert ranking.table["vintage_break"].astype(bool).all() and (ranking.table["vintage_gap_codes"] == 0).all()
    assert ranking.table["raw_regional_growth"].notna().all()
    naics = sample_ws.rank_sectors(by="naics", level=3, draws=200)
    assert naics.table["vintage_break"].astype(bool).all()
    assert any("crosses a NAICS vintage break" in n and "vintage_break" in n for n in naics.notes)


def test_growth_measures_are_missing_for_clusters_whose_codes_changed_across_a_vintage(shared_data, tmp_path):
    # The real U.S. files of 2019 Q1 (NAICS 2017) and 2024 Q1 (NAICS 2022); a copy relabelled as county 39049
    # (in tmp_path) is the region, so its growth equals the reference's wherever the codes are the same.
    files = []
    for year in (2019, 2024):
        real = shared_data / "qcew" / f"bls_qcew_{year}_q1_area_US000.csv"
        lines = real.read_text().splitlines()
        fake = tmp_path / f"as_county_{year}.csv"
        fake.write_text("\n".join([lines[0]] + [ln.replace('"US000"', '"39049"', 1) for ln in lines[1:]]) + "\n")
        files += [real, fake]
    ws = Workspace.init(tmp_path / "ws", name="U.S. as one county", counties=["39049"], reference_area="US000")
    try:
        ws.import_qcew(files)
        ws.import_clusters(shared_data / "clusters" / "uscmp_naics2012_to_cluster_ACR1.csv")
        ranking = ws.rank_sectors(draws=200)
    finally:
        ws.close()
    t = ranking.table.set_index("name")
    growth = ["raw_regional_growth", "raw_national_growth", "raw_competitive_shift"]
    changed = t[t["vintage_gap_codes"] > 0]
    same = t[t["vintage_gap_codes"] == 0]
    assert len(changed) >= 10 and len(same) >= 10 and t["vintage_break"].astype(bool).all()
    # Coal Mining showed -91% (212111-212113 became 212114-212115); now its growth measures are missing.
    assert "Coal Mining" in changed.index and changed[growth].isna().all().all()
    assert same[growth].notna().all().all() and (same["raw_competitive_shift"].abs() < 1e-12).all()
    assert (changed["coverage"] < same["coverage"].min()).all()
    assert any(f"{len(changed)} cluster(s) hold codes with data at one end of the window only" in n
               and "competitive shift are missing" in n for n in ranking.notes)


def test_a_criterion_no_sector_differs_on_is_noted(tmp_path):
    """A targets list that names none of the ranked clusters cannot separate them: it is left out, with a note."""
    from exportplan import build_demo

    ws = build_demo(tmp_path / "ws")
    only_local = tmp_path / "targets.csv"
    only_local.write_text("target,kind,priority\nLocal Health Services,cluster,1\n")  # a local cluster: not ranked
    ws.import_table("targets", only_local)
    ranking = ws.rank_sectors(draws=300)
    assert any("cannot separate" in n and "state target" in n for n in ranking.notes)
    assert not any("state target" in str(r) for r in ranking.table["reason"])
    ws.close()
