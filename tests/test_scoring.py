"""The scoring engine against independent, plain-loop implementations and its invariants."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exportplan.analysis.scoring import (
    METHODS, NORMALIZERS, Criterion, minmax, normalize_matrix, percentile, score,
)
from exportplan.errors import ExportPlanError

# --------------------------------------------------------------------------- reference implementations
# Written the textbook way, one alternative and one criterion at a time, sharing no code with the engine.


def ref_value(x: float, crit: dict) -> float:
    return math.log1p(x) if crit["log"] else x


def ref_weighted(rows: list[list[float | None]], crits: list[dict], weights: list[float]) -> list[float]:
    """Weighted sum of min-max values (cost: (max − x)/(max − min)), weights renormalized over observed.

    A criterion with a single observed value (constant) is left out, as if nobody had it.
    """
    n, m = len(rows), len(crits)
    norm = [[None] * m for _ in range(n)]
    for j, crit in enumerate(crits):
        seen = [ref_value(rows[i][j], crit) for i in range(n) if rows[i][j] is not None]
        if not seen or min(seen) == max(seen):
            continue
        lo, hi = min(seen), max(seen)
        for i in range(n):
            if rows[i][j] is None:
                continue
            x = ref_value(rows[i][j], crit)
            if crit["cost"]:
                norm[i][j] = (hi - x) / (hi - lo)
            else:
                norm[i][j] = (x - lo) / (hi - lo)
    out = []
    for i in range(n):
        wsum = sum(weights[j] for j in range(m) if norm[i][j] is not None and weights[j] > 0)
        if wsum == 0:
            out.append(math.nan)
            continue
        out.append(sum(weights[j] / wsum * norm[i][j] for j in range(m) if norm[i][j] is not None and weights[j] > 0))
    return out


def ref_topsis(rows: list[list[float | None]], crits: list[dict], weights: list[float]) -> list[float]:
    """Textbook TOPSIS (Hwang & Yoon 1981) over observed values, weights renormalized per alternative.

    A constant criterion is left out (its ideal and anti-ideal coincide, and it
    must not keep an alternative observed only on it in the ranking).
    """
    n, m = len(rows), len(crits)
    r = [[None] * m for _ in range(n)]
    for j, crit in enumerate(crits):
        col = [ref_value(rows[i][j], crit) for i in range(n) if rows[i][j] is not None]
        if not col or min(col) == max(col):
            continue
        size = math.sqrt(sum(x * x for x in col))
        for i in range(n):
            if rows[i][j] is not None:
                r[i][j] = ref_value(rows[i][j], crit) / size if size > 0 else 0.0
    out = []
    for i in range(n):
        seen = [j for j in range(m) if r[i][j] is not None and weights[j] > 0]
        if not seen:
            out.append(math.nan)
            continue
        wsum = sum(weights[j] for j in seen)
        d_plus = d_minus = 0.0
        for j in seen:
            w = weights[j] / wsum
            col = [w * r[k][j] for k in range(n) if r[k][j] is not None]
            best, worst = (min(col), max(col)) if crits[j]["cost"] else (max(col), min(col))
            v = w * r[i][j]
            d_plus += (v - best) ** 2
            d_minus += (v - worst) ** 2
        d_plus, d_minus = math.sqrt(d_plus), math.sqrt(d_minus)
        out.append(d_minus / (d_plus + d_minus))  # > 0: every criterion left has best != worst
    return out


# --------------------------------------------------------------------------- random problems

@st.composite
def problems(draw, min_alts=2, missing=True):
    n = draw(st.integers(min_alts, 7))
    m = draw(st.integers(1, 4))
    crits = [{"cost": draw(st.booleans()), "log": draw(st.booleans())} for _ in range(m)]
    rows = []
    for _ in range(n):
        row = []
        for crit in crits:
            if missing and draw(st.integers(0, 5)) == 0:
                row.append(None)
            elif crit["log"]:  # heavy-tailed, non-negative (employment, exports)
                row.append(float(draw(st.integers(0, 10_000_000))))
            else:  # rates and indices, two decimals
                row.append(draw(st.integers(-5000, 5000)) / 100)
        rows.append(row)
    weights = [draw(st.integers(0, 20)) / 4 for _ in range(m)]
    if sum(weights) == 0:
        weights[0] = 1.0
    return rows, crits, weights


def build(rows, crits, weights):
    keys = [f"k{j}" for j in range(len(crits))]
    criteria = [Criterion(k, f"crit {k}", direction="cost" if c["cost"] else "benefit",
                          transform="log" if c["log"] else "none") for k, c in zip(keys, crits)]
    codes = [f"{i:02d}" for i in range(len(rows))]
    matrix = pd.DataFrame([[np.nan if v is None else v for v in row] for row in rows], index=codes, columns=keys)
    return matrix, criteria, dict(zip(keys, weights))


def scores_by_code(result) -> dict[str, float]:
    return dict(zip(result.table["code"], result.table["score"]))


def assert_scores_match(got: dict[str, float], expected: list[float]) -> None:
    for i, want in enumerate(expected):
        value = got[f"{i:02d}"]
        if math.isnan(want):
            assert math.isnan(value)
        else:
            assert value == pytest.approx(want, abs=1e-9)


# --------------------------------------------------------------------------- equality with the references

@settings(max_examples=80, deadline=None)
@given(problems())
def test_weighted_sum_matches_plain_loops(problem):
    rows, crits, weights = problem
    result = score(*build(rows, crits, weights), method="weighted")
    assert_scores_match(scores_by_code(result), ref_weighted(rows, crits, weights))


@settings(max_examples=80, deadline=None)
@given(problems())
def test_topsis_matches_textbook_loops(problem):
    rows, crits, weights = problem
    result = score(*build(rows, crits, weights), method="topsis")
    assert_scores_match(scores_by_code(result), ref_topsis(rows, crits, weights))


def test_topsis_hand_worked_example():
    # Two benefit criteria, weights 0.5/0.5; x1 = (3, 4, 0), x2 = (4, 0, 3): ||x1|| = ||x2|| = 5.
    # v = 0.5·x/5 = 0.1·x: A = (0.3, 0.4), B = (0.4, 0.0), C = (0.0, 0.3); ideal (0.4, 0.4), anti (0.0, 0.0).
    # A: D+ = 0.1, D− = 0.5 → 5/6.  B: D+ = 0.4, D− = 0.4 → 1/2.  C: D+ = sqrt(0.17), D− = 0.3.
    m = pd.DataFrame({"x1": [3, 4, 0], "x2": [4, 0, 3]}, index=["A", "B", "C"])
    result = score(m, [Criterion("x1"), Criterion("x2")], {"x1": 1, "x2": 1}, method="topsis")
    got = scores_by_code(result)
    assert got["A"] == pytest.approx(5 / 6, abs=1e-12)
    assert got["B"] == pytest.approx(0.5, abs=1e-12)
    assert got["C"] == pytest.approx(0.3 / (0.3 + math.sqrt(0.17)), abs=1e-12)
    assert list(result.table["code"]) == ["A", "B", "C"]


# --------------------------------------------------------------------------- invariants

@settings(max_examples=60, deadline=None)
@given(problems(), st.sampled_from(sorted(METHODS)))
def test_contributions_add_up_and_scores_in_unit_interval(problem, method):
    rows, crits, weights = problem
    t = score(*build(rows, crits, weights), method=method).table
    contrib = t[[c for c in t.columns if c.startswith("contrib_")]].to_numpy()
    for i, s in enumerate(t["score"]):
        if math.isnan(s):
            assert t["coverage"].iloc[i] == 0
            continue
        assert 0.0 <= s <= 1.0
        assert np.nansum(contrib[i]) == pytest.approx(s, abs=1e-12)
    assert list(t["rank"]) == list(range(1, len(t) + 1))


@settings(max_examples=60, deadline=None)
@given(problems(missing=True), st.data())
def test_raising_a_weight_never_lowers_the_best_alternative(problem, data):
    rows, crits, weights = problem
    matrix, criteria, w = build(rows, crits, weights)
    j = data.draw(st.integers(0, len(criteria) - 1))
    key = criteria[j].key
    base = score(matrix, criteria, w)
    best = base.table.loc[base.table[f"norm_{key}"] == 1.0, "code"]
    raised = score(matrix, criteria, {**w, key: w[key] + data.draw(st.integers(1, 10)) / 4})
    before, after = scores_by_code(base), scores_by_code(raised)
    for code in best:
        if not math.isnan(before[code]):  # NaN: no weighted data before the raise
            assert after[code] >= before[code] - 1e-12


def test_missing_value_scored_on_the_rest_with_coverage():
    crit = [Criterion("a"), Criterion("b"), Criterion("c")]
    m = pd.DataFrame({"a": [1.0, 0.0, 0.5], "b": [0.0, 1.0, np.nan], "c": [1.0, 0.0, 0.25]}, index=["X", "Y", "Z"])
    t = score(m, crit, {"a": 0.5, "b": 0.3, "c": 0.2}).table.set_index("code")
    # Z: a = 0.5, c = 0.25 (min-max over X, Y, Z), b missing → weights 0.5/0.7 and 0.2/0.7.
    assert t.loc["Z", "score"] == pytest.approx((0.5 * 0.5 + 0.2 * 0.25) / 0.7, abs=1e-12)
    assert t.loc["Z", "coverage"] == pytest.approx(0.7)
    assert t.loc["X", "coverage"] == 1.0
    assert math.isnan(t.loc["Z", "contrib_b"]) and math.isnan(t.loc["Z", "norm_b"])
    assert t.loc["Z", "contrib_a"] == pytest.approx(0.5 / 0.7 * 0.5)
    # Missing measures are said once in a note, not on the row's reason.
    assert "no data" not in t.loc["Z", "reason"]
    r = score(m, crit, {"a": 0.5, "b": 0.3, "c": 0.2}, names={"Z": "Zeta"})
    assert r.missing_notes("sector") == ["No data on b for 1 of 3 sectors: Zeta (scored on the other measures, "
                                         "never as zero; see coverage)."]


def test_alternative_without_any_weighted_data_ranks_last_with_nan():
    crit = [Criterion("a"), Criterion("b")]
    m = pd.DataFrame({"a": [np.nan, 1.0, 2.0], "b": [5.0, 1.0, 2.0]}, index=["A", "B", "C"])
    t = score(m, crit, {"a": 1.0}).table
    assert list(t["code"]) == ["C", "B", "A"]
    assert math.isnan(t["score"].iloc[-1]) and t["coverage"].iloc[-1] == 0
    assert t["reason"].iloc[-1].startswith("no data on any weighted criterion")


def test_ties_broken_by_code_and_codes_stay_text():
    crit = [Criterion("a")]
    m = pd.DataFrame({"a": [1.0, 1.0, 0.0]}, index=["06", "01", "10"])
    t = score(m, crit, {"a": 1}).table
    assert list(t["code"]) == ["01", "06", "10"]
    assert list(t["rank"]) == [1, 2, 3]


# --------------------------------------------------------------------------- normalization

def test_minmax_and_percentile_rules():
    x = np.array([2.0, np.nan, 4.0, 3.0, 3.0])
    assert np.allclose(minmax(x), [0.0, np.nan, 1.0, 0.5, 0.5], equal_nan=True)
    assert np.allclose(percentile(x), [0.0, np.nan, 1.0, 0.5, 0.5], equal_nan=True)
    # No spread to normalize over: constant columns and single values come back NaN.
    assert np.isnan(minmax(np.array([7.0, 7.0, np.nan]))).all()
    assert np.isnan(percentile(np.array([7.0, 7.0]))).all()
    assert np.isnan(minmax(np.array([np.nan, 5.0]))).all() and np.isnan(percentile(np.array([5.0]))).all()
    assert np.isnan(minmax(np.array([np.nan, np.nan]))).all()
    assert set(NORMALIZERS) == {"minmax", "percentile"}


def test_cost_flip_log_transform_and_percentile_choice():
    crits = [Criterion("dist", direction="cost"), Criterion("gdp", transform="log")]
    raw = pd.DataFrame({"dist": [100.0, 300.0, 200.0], "gdp": [0.0, 99.0, 9999.0]}, index=["A", "B", "C"])
    norm = normalize_matrix(raw, crits)
    assert list(norm["dist"]) == [1.0, 0.0, 0.5]
    assert norm["gdp"].tolist() == pytest.approx([0.0, math.log(100) / math.log(10000), 1.0])
    assert list(normalize_matrix(raw, crits, "percentile")["dist"]) == [1.0, 0.0, 0.5]


def test_constant_column_is_uninformative_and_left_out():
    m = pd.DataFrame({"a": [2.0, 2.0, 2.0], "b": [1.0, 3.0, np.nan], "c": [0.0, 1.0, 1.0]}, index=["A", "B", "C"])
    crit = [Criterion("a", "alpha", direction="cost"), Criterion("b", "beta"), Criterion("c", "gamma")]
    r = score(m, crit, {"a": 2, "b": 1, "c": 1})
    assert r.uninformative == ("a",)
    t = r.table.set_index("code")
    assert t["norm_a"].isna().all() and (t["contrib_a"] == 0.0).all()
    # Scored on b and c only, weights 1/2 each: A = 0, B = 1, C = 1 (c only, b missing).
    assert t["score"].to_dict() == {"A": 0.0, "B": 1.0, "C": 1.0}
    assert t.loc["C", "coverage"] == pytest.approx(0.5) and t.loc["A", "coverage"] == 1.0  # share of b + c
    assert not any("alpha" in reason for reason in t["reason"])
    assert list(r.table["code"]) == ["B", "C", "A"]


def test_only_uninformative_criteria_score_nan_and_say_so():
    m = pd.DataFrame({"a": [2.0, 2.0], "b": [1.0, 3.0]}, index=["A", "B"])
    for method in METHODS:
        t = score(m, [Criterion("a"), Criterion("b")], {"a": 1, "b": 0}, method=method).table
        assert t["score"].isna().all() and (t["coverage"] == 0).all()
        assert (t["reason"] == "no weighted criterion separates the alternatives (each has a single value)").all()


def test_single_observed_value_is_uninformative():
    m = pd.DataFrame({"a": [np.nan, 5.0, np.nan], "b": [1.0, 0.0, 2.0]}, index=["A", "B", "C"])
    r = score(m, [Criterion("a", "alpha"), Criterion("b")], {"a": 0.9, "b": 0.1})
    # Before: B got full marks on the only 'a' value and ranked first with 0.9.
    assert r.uninformative == ("a",) and list(r.table["code"]) == ["C", "A", "B"]
    assert r.uninformative_notes("country", "countries") == [
        "alpha: only one country has a value (5.00), so it cannot separate them and is left out of the score."]


def test_constant_flag_no_longer_lifts_alternatives_with_missing_data():
    """The review's example: X (full data) ranked below Y (employment missing) because of 'strong: no'."""
    crit = [Criterion("lq", "LQ", fmt="{:.2f}"), Criterion("emp", "employment", fmt="{:.2f}"),
            Criterion("strong", "strong cluster", fmt="flag")]
    m = pd.DataFrame({"lq": [0.0, 1.0, 0.6, 0.5], "emp": [0.0, 1.0, 0.6, np.nan], "strong": [False] * 4},
                     index=["L", "H", "X", "Y"])
    r = score(m, crit, {"lq": 0.3, "emp": 0.3, "strong": 0.4})
    t = r.table.set_index("code")
    # With full marks on 'strong' X scored 0.760, Y 0.786 (Y above X) and L 0.40.
    assert t["score"].to_dict() == pytest.approx({"H": 1.0, "X": 0.6, "Y": 0.5, "L": 0.0}, abs=1e-12)
    assert list(r.table["code"]) == ["H", "X", "Y", "L"]
    assert not any("strong cluster" in reason for reason in t["reason"])
    assert t.loc["Y", "coverage"] == pytest.approx(0.5)
    assert r.uninformative_notes("ranked sector") == [
        ("strong cluster: every ranked sector has the same value (no), so it cannot separate them and is left out "
         "of the score.")]
    m["strong"] = [0.0, 0.0, 0.0, np.nan]
    assert score(m, crit, {"lq": 0.3, "emp": 0.3, "strong": 0.4}).uninformative_notes("sector")[0].startswith(
        "strong cluster: the 3 sectors with data all have the same value (no)")


@settings(max_examples=60, deadline=None)
@given(problems(), st.sampled_from(["weighted/minmax", "weighted/percentile", "topsis/minmax"]), st.data())
def test_adding_a_constant_column_changes_nothing(problem, how, data):
    """Scores, ranks, coverage, reasons and the other columns are exactly as without the constant criterion."""
    rows, crits, weights = problem
    method, normalize = how.split("/")
    matrix, criteria, w = build(rows, crits, weights)
    base = score(matrix, criteria, w, method=method, normalize=normalize)
    value = data.draw(st.sampled_from([0.0, 1.0, 3.5, 1e6]))
    missing = data.draw(st.lists(st.booleans(), min_size=len(matrix), max_size=len(matrix)))
    col = [np.nan if gone else value for gone in missing]
    if all(missing):
        col[0] = value  # constant among at least one observed value
    extra = Criterion("flat", "flat measure", direction=data.draw(st.sampled_from(["benefit", "cost"])),
                      transform=data.draw(st.sampled_from(["none", "log"])))
    where = data.draw(st.integers(0, len(criteria)))
    more = score(matrix.assign(flat=col), [*criteria[:where], extra, *criteria[where:]],
                 {**w, "flat": data.draw(st.integers(1, 20)) / 4}, method=method, normalize=normalize)
    assert set(more.uninformative) == set(base.uninformative) | {"flat"}
    same = list(base.table.columns)
    pd.testing.assert_frame_equal(more.table[same], base.table[same], check_exact=False, atol=1e-12, rtol=0)
    assert list(more.table["code"]) == list(base.table["code"])
    contrib = more.table["contrib_flat"]
    assert (contrib[more.table["score"].notna() & more.table["raw_flat"].notna()] == 0).all()


# --------------------------------------------------------------------------- reasons and table

def test_reasons_cite_raw_values_positions_and_missing_data():
    crit = [Criterion("lq", "LQ", fmt="{:.2f}", group="strength"),
            Criterion("growth", "employment", fmt="change"),
            Criterion("target", "state target industry", fmt="flag"),
            Criterion("fdi", "foreign investors", fmt="int")]
    m = pd.DataFrame({"lq": [3.1, 0.8, 1.2, 2.0], "growth": [0.12, -0.05, 0.01, 0.02],
                      "target": [True, False, True, False], "fdi": [np.nan, 3, 1, 2]},
                     index=["336", "311", "325", "332"])
    t = score(m, crit, {"lq": 0.4, "growth": 0.3, "target": 0.2, "fdi": 0.1},
              names={"336": "Transportation equipment"}).table
    top = t.iloc[0]
    assert (top["code"], top["name"]) == ("336", "Transportation equipment")
    assert top["reason"] == "LQ 3.10 (highest of 4); employment +12.0% (highest of 4); state target industry"
    last = t.set_index("code").loc["311", "reason"]
    assert last.startswith("foreign investors 3 (highest of 3)")
    assert t.set_index("code").loc["332", "name"] == "332"


def test_table_columns_and_inputs_kept():
    crit = [Criterion("a", "A"), Criterion("b", "B", direction="cost")]
    m = pd.DataFrame({"a": [1, 2], "b": [3, 4], "extra": ["x", "y"]}, index=["P", "Q"])
    r = score(m, crit, {"a": 3, "b": 1})
    assert list(r.table.columns) == ["rank", "code", "name", "score", "coverage", "raw_a", "raw_b",
                                     "norm_a", "norm_b", "contrib_a", "contrib_b", "reason"]
    assert r.weights == {"a": 0.75, "b": 0.25}
    assert r.method == "weighted" and r.normalize == "minmax"
    assert list(r.norm.columns) == ["a", "b"] and r.labels == {"a": "A", "b": "B"}


def test_empty_matrix_gives_empty_table():
    m = pd.DataFrame({"a": pd.Series([], dtype=float)})
    t = score(m, [Criterion("a")], {"a": 1}).table
    assert t.empty and "reason" in t.columns


def test_describe_formats():
    assert Criterion("x", "share", fmt="percent").describe(0.123) == "share 12.3%"
    assert Criterion("x", "exports", fmt="money").describe(1234567) == "exports $1,234,567"
    assert Criterion("x", "distance", fmt=lambda v: f"{v:,.0f} km").describe(2500) == "distance 2,500 km"
    assert Criterion("x", "FTA", fmt="flag").describe(0.0) == "FTA: no"
    assert Criterion("x", "GDP").describe(float("nan")) == "GDP: no data"
    assert Criterion("x").label == "x"


# --------------------------------------------------------------------------- errors

@pytest.mark.parametrize(("kwargs", "message"), [
    ({"weights": {"a": 1, "zz": 1}}, "Valid keys: a, b"),
    ({"weights": {"a": -1, "b": 1}}, "Negative"),
    ({"weights": {"a": 0, "b": 0}}, "zero"),
    ({"method": "electre"}, "choose one of"),
    ({"method": "topsis", "normalize": "percentile"}, "normalize='minmax'"),
])
def test_bad_arguments_are_explained(kwargs, message):
    m = pd.DataFrame({"a": [1, 2], "b": [3, 4]}, index=["P", "Q"])
    args = {"weights": {"a": 1, "b": 1}} | kwargs
    weights = args.pop("weights")
    with pytest.raises(ExportPlanError, match=message):
        score(m, [Criterion("a"), Criterion("b")], weights, **args)


def test_bad_data_is_explained():
    crit = [Criterion("a", transform="log")]
    with pytest.raises(ExportPlanError, match="no column for criteria"):
        score(pd.DataFrame({"b": [1]}), crit, {"a": 1})
    with pytest.raises(ExportPlanError, match="not numbers: Q='n/a'"):
        score(pd.DataFrame({"a": ["1", "n/a"]}, index=["P", "Q"]), crit, {"a": 1})
    with pytest.raises(ExportPlanError, match="negative values"):
        score(pd.DataFrame({"a": [1, -2]}, index=["P", "Q"]), crit, {"a": 1})
    with pytest.raises(ExportPlanError, match="unique"):
        score(pd.DataFrame({"a": [1, 2]}, index=["P", "P"]), crit, {"a": 1})
    with pytest.raises(ExportPlanError, match="infinite"):
        score(pd.DataFrame({"a": [1, np.inf]}, index=["P", "Q"]), [Criterion("a")], {"a": 1})
    with pytest.raises(ExportPlanError, match="direction"):
        Criterion("a", direction="up")


def test_equal_contributions_are_cited_in_key_order_whatever_the_noise():
    """Reasons order tied contributions by criterion key, also when the tie is broken only by float noise."""
    crit = [Criterion("zeta", "Z"), Criterion("alpha", "A"), Criterion("mid", "M")]
    m = pd.DataFrame({"zeta": [1.0, 0.0], "alpha": [1.0, 0.0], "mid": [1.0, 0.0]}, index=["P", "Q"])
    # 0.1 + 0.2 != 0.3 in floating point: the weights are equal on paper but differ in the last bit.
    for w in ({"zeta": 0.3, "alpha": 0.1 + 0.2, "mid": 0.3}, {"zeta": 0.1 + 0.2, "alpha": 0.3, "mid": 0.3}):
        r = score(m, crit, w)
        contrib = r.table.set_index("code").loc["P", ["contrib_zeta", "contrib_alpha", "contrib_mid"]]
        assert contrib.max() - contrib.min() < 1e-15
        assert r.table.set_index("code").loc["P", "reason"] == "A 1.00 (highest of 2); M 1.00 (highest of 2); " \
                                                                "Z 1.00 (highest of 2)"
    # Weakest everywhere: the heaviest measures, equal weights by key.
    assert r.table.set_index("code").loc["Q", "reason"] == ("weakest on every weighted criterion: "
                                                            "A 0.00 (lowest of 2); M 0.00 (lowest of 2)")


def test_missing_measures_are_listed_once_in_notes():
    crit = [Criterion("a", "A"), Criterion("b", "B"), Criterion("c", "C"), Criterion("d", "D"),
            Criterion("e", "E")]
    codes = [f"{i:02d}" for i in range(9)]
    m = pd.DataFrame({"a": range(9), "b": [np.nan] * 7 + [1.0, 2.0], "c": [np.nan] * 7 + [2.0, 1.0],
                      "d": [np.nan] * 9, "e": [5.0] * 9}, index=codes, dtype=float)
    m.loc["03", "a"] = np.nan
    r = score(m, crit, {"a": 1, "b": 1, "c": 1, "d": 1, "e": 1}, names={"08": "Eight"})
    assert not r.table["reason"].str.contains("no data:").any()
    notes = r.missing_notes("sector")
    # Same missing set → one sentence; best first; at most 6 named; the constant 'e' is not listed.
    order = [r.names.get(c, c) for c in r.table["code"] if c not in ("07", "08")]
    assert notes == [
        "No data on D for any sector: left out of every score, the weights renormalized over the rest.",
        f"No data on B, C for 7 of 9 sectors: {', '.join(order[:6])} and 1 more (scored on the other "
        "measures, never as zero; see coverage).",
        "No data on A for 1 of 9 sectors: 03 (scored on the other measures, never as zero; see coverage).",
    ]
    assert r.missing_notes("sector", skip_all=True) == notes[1:]
    assert score(m[["a"]].fillna(0), crit[:1], {"a": 1}).missing_notes() == []
