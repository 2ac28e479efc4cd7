"""Robustness of rankings to their weights: Monte Carlo, one-at-a-time, smallest reorder."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from exportplan.analysis.scoring import Criterion, score
from exportplan.analysis.sensitivity import (
    dirichlet_weights, draw_weights, monte_carlo, one_at_a_time, relative_spread, robustness, smallest_reorder,
)
from exportplan.errors import ExportPlanError

CRITERIA = [Criterion("lq", "LQ"), Criterion("growth", "growth"),
            Criterion("dist", "distance", direction="cost"), Criterion("size", "size", transform="log")]
WEIGHTS = {"lq": 0.4, "growth": 0.3, "dist": 0.2, "size": 0.1}


def random_matrix(n: int = 9, seed: int = 3, missing: bool = True) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    m = pd.DataFrame({"lq": rng.gamma(2, 0.6, n), "growth": rng.normal(0.02, 0.05, n),
                      "dist": rng.uniform(500, 12000, n), "size": rng.lognormal(8, 1.5, n)},
                     index=[f"C{i:02d}" for i in range(n)])
    if missing:
        m.iloc[1, 0] = np.nan
        m.iloc[4, 2] = np.nan
    return m


def test_dominant_alternative_always_first():
    m = random_matrix()
    m.loc["TOP"] = [9.0, 0.5, 100.0, 1e7]  # best on every criterion
    for method in ("weighted", "topsis"):
        r = score(m, CRITERIA, WEIGHTS, method=method)
        t = monte_carlo(r.norm, r.weights, draws=2000, top_k=3, seed=1, method=method,
                        topsis_scale=r.topsis_scale).table
        row = t.set_index("code").loc["TOP"]
        assert row["p_top1"] == 1.0 and row["p_top3"] == 1.0 and row["p_topk"] == 1.0
        assert (row["median_rank"], row["rank_p05"], row["rank_p95"], row["rank"]) == (1, 1, 1, 1)
        assert bool(row["robust"])


@pytest.mark.parametrize("method", ["weighted", "topsis"])
def test_monte_carlo_matches_score_draw_by_draw(method):
    """Every figure equals ranking each drawn weight vector with score() (missing data included)."""
    r = score(random_matrix(), CRITERIA, WEIGHTS, method=method)
    draws, seed, k = 100, 7, 3
    mc = monte_carlo(r.norm, r.weights, draws=draws, top_k=k, seed=seed, concentration=8.0, method=method,
                     topsis_scale=r.topsis_scale)
    keys = list(r.norm.columns)
    w_draws = dirichlet_weights(np.array([r.weights[k_] for k_ in keys]), draws, 8.0, np.random.default_rng(seed))
    ranks = pd.DataFrame([score(r.matrix, CRITERIA, dict(zip(keys, w)), method=method).table
                          .set_index("code")["rank"] for w in w_draws])
    t = mc.table.set_index("code")
    for code in ranks.columns:
        col = ranks[code].to_numpy()
        assert t.loc[code, "p_top1"] == pytest.approx(np.mean(col == 1))
        assert t.loc[code, "p_topk"] == pytest.approx(np.mean(col <= k))
        assert t.loc[code, "median_rank"] == np.quantile(col, 0.5, method="inverted_cdf")
        assert t.loc[code, "rank_p05"] == np.quantile(col, 0.05, method="inverted_cdf")
        assert t.loc[code, "rank_p95"] == np.quantile(col, 0.95, method="inverted_cdf")
        assert bool(t.loc[code, "robust"]) == (np.mean(col <= k) >= 0.8)
        assert mc.acceptability.loc[code, 2] == pytest.approx(np.mean(col == 2))
    assert list(t["rank"]) == list(r.table.set_index("code").loc[t.index, "rank"])
    assert np.allclose(mc.acceptability.sum(axis=1), 1.0) and np.allclose(mc.acceptability.sum(axis=0), 1.0)


def test_same_seed_same_bands_other_seed_differs():
    r = score(random_matrix(12, seed=5), CRITERIA, WEIGHTS)
    run = lambda seed: monte_carlo(r.norm, r.weights, draws=500, seed=seed, concentration=5.0).table  # noqa: E731
    pd.testing.assert_frame_equal(run(11), run(11))
    a, b = run(11), run(12)
    assert not np.array_equal(a[["p_top1", "p_topk"]].to_numpy(), b[["p_top1", "p_topk"]].to_numpy())


def test_dirichlet_draws_centred_with_zero_weights_kept_zero():
    w = np.array([0.5, 0.0, 0.3, 0.2])
    d = dirichlet_weights(w, 20000, 50.0, np.random.default_rng(0))
    assert np.allclose(d.sum(axis=1), 1.0)
    assert (d[:, 1] == 0).all()
    assert d.mean(axis=0) == pytest.approx(w, abs=0.005)
    # Var(w_j) = w_j (1 − w_j) / (c + 1)
    assert d[:, 0].std() == pytest.approx(np.sqrt(0.25 / 51), rel=0.05)
    with pytest.raises(ExportPlanError, match="concentration"):
        dirichlet_weights(w, 10, 0.0, np.random.default_rng(0))


def test_group_draws_vary_group_weights_and_keep_shares_within_groups():
    # Sector-like: five groups of 0.2; 'strength' spread over five measures of 0.04.
    w = np.array([0.1, 0.1, 0.04, 0.04, 0.04, 0.04, 0.04, 0.2, 0.2, 0.2])
    group = np.array([0, 0, 1, 1, 1, 1, 1, 2, 3, 4])
    d = draw_weights(w, group, 20000, 50.0, np.random.default_rng(0))
    assert np.allclose(d.sum(axis=1), 1.0)
    assert np.allclose(d[:, 2:7] / d[:, 2:7].sum(axis=1, keepdims=True), 0.2)  # shares within a group fixed
    assert d.mean(axis=0) == pytest.approx(w, abs=0.003)
    # Every measure moves with its group: about ±28% for a group weight of 0.2, whatever its own size.
    assert relative_spread(0.2) == pytest.approx(0.28, abs=0.005)
    assert d.std(axis=0) / w == pytest.approx(np.full(10, relative_spread(0.2)), rel=0.05)
    # Per measure (the old draw) a measure weight of 0.04 varied by about ±69%; group totals as much as now.
    per = dirichlet_weights(w, 20000, 50.0, np.random.default_rng(0))
    assert per[:, 2].std() / 0.04 == pytest.approx(relative_spread(0.04), rel=0.05)
    assert relative_spread(0.04) == pytest.approx(0.686, abs=0.005)
    assert per[:, 2:7].sum(axis=1).std() / 0.2 == pytest.approx(relative_spread(0.2), rel=0.05)


def test_one_criterion_per_group_draws_the_same_numbers_as_dirichlet():
    w = np.array([0.5, 0.0, 0.3, 0.2])
    a = draw_weights(w, np.arange(4), 500, 20.0, np.random.default_rng(4))
    b = dirichlet_weights(w, 500, 20.0, np.random.default_rng(4))
    assert np.array_equal(a, b)


@pytest.mark.parametrize("method", ["weighted", "topsis"])
def test_group_monte_carlo_matches_score_draw_by_draw(method):
    groups = {"lq": "strength", "growth": "strength", "dist": "place", "size": "size"}
    r = score(random_matrix(), CRITERIA, WEIGHTS, method=method)
    mc = monte_carlo(r.norm, r.weights, draws=60, top_k=3, seed=5, concentration=8.0, method=method,
                     topsis_scale=r.topsis_scale, groups=groups)
    keys = list(r.norm.columns)
    w = np.array([r.weights[k] for k in keys])
    w_draws = draw_weights(w, np.array([0, 0, 1, 2]), 60, 8.0, np.random.default_rng(5))
    assert np.allclose(w_draws[:, 0] / w_draws[:, 1], 0.4 / 0.3)
    ranks = pd.DataFrame([score(r.matrix, CRITERIA, dict(zip(keys, wd)), method=method).table
                          .set_index("code")["rank"] for wd in w_draws])
    t = mc.table.set_index("code")
    for code in ranks.columns:
        col = ranks[code].to_numpy()
        assert t.loc[code, "p_top1"] == pytest.approx(np.mean(col == 1))
        assert t.loc[code, "p_topk"] == pytest.approx(np.mean(col <= 3))
        assert t.loc[code, "rank_p95"] == np.quantile(col, 0.95, method="inverted_cdf")
    assert mc.drawn == pytest.approx({"strength": 0.7, "place": 0.2, "size": 0.1})


@pytest.mark.parametrize("method", ["weighted", "topsis"])
def test_uninformative_criterion_is_left_out_of_every_view(method):
    grouped = [Criterion(c.key, c.label, direction=c.direction, transform=c.transform,
                         group="strength" if c.key in ("lq", "growth") else c.key) for c in CRITERIA]
    flat = Criterion("flat", "strong cluster", fmt="flag", group="strength")
    m = random_matrix(10, seed=2)
    with_flat = score(m.assign(flat=0.0), [*grouped, flat], {**WEIGHTS, "flat": 0.25}, method=method)
    without = score(m, grouped, WEIGHTS, method=method)
    assert with_flat.uninformative == ("flat",)
    a, b = robustness(with_flat, draws=400, seed=2, top_k=3), robustness(without, draws=400, seed=2, top_k=3)
    assert a.left_out == ("flat",) and b.left_out == ()
    pd.testing.assert_frame_equal(a.table, b.table)
    pd.testing.assert_frame_equal(a.acceptability, b.acceptability)
    pd.testing.assert_frame_equal(a.oat, b.oat, check_exact=False, atol=1e-9, rtol=0)
    pd.testing.assert_frame_equal(a.reorder, b.reorder, check_exact=False, atol=1e-6, rtol=0)
    assert "flat" not in set(a.oat["criterion"]) | set(a.reorder["criterion"])
    assert a.drawn == pytest.approx(b.drawn) and a.by_group
    assert list(a.table["code"]) == list(with_flat.table["code"])


def test_summary_states_what_was_drawn_and_its_spread():
    grouped = [Criterion(c.key, c.label, direction=c.direction, transform=c.transform,
                         group="place" if c.key in ("dist", "size") else c.key) for c in CRITERIA]
    r = score(random_matrix(), grouped, WEIGHTS)
    first = robustness(r, draws=200).summary()[0]
    assert ("(Dirichlet over the 3 group weights, each measure keeping its share of its group's weight; "
            "concentration 50, so one standard deviation is about ±17% of a weight of 0.40 and ±21% of a "
            "weight of 0.30; seed 0)") in first
    per = robustness(r, draws=200, by_group=False).summary()[0]
    assert "over the 4 criterion weights; concentration 50, so one standard deviation is about ±17% of a " \
           "weight of 0.40 and ±42% of a weight of 0.10" in per


# Two criteria, X = (1, 0), Y = (0, 0.9), Z = (0, 0): with weights a = 1 − t, b = t,
# S_X = 1 − t and S_Y = 0.9 t, so X and Y swap at t = 1/1.9.
SWAP = pd.DataFrame({"a": [1.0, 0.0, 0.0], "b": [0.0, 0.9, 0.0]}, index=["X", "Y", "Z"])


def test_one_at_a_time_reports_which_changes_reorder_the_top_k():
    oat = one_at_a_time(SWAP, {"a": 0.5, "b": 0.5}, deltas=(-0.2, 0.2), top_k=2, names={"X": "Xland"})
    row = oat.set_index(["criterion", "delta"])
    assert row.loc[("b", 0.2), "new_weight"] == pytest.approx(0.6)
    assert bool(row.loc[("b", 0.2), "changed"]) and not bool(row.loc[("b", 0.2), "membership_changed"])
    assert row.loc[("b", 0.2), "top_k"] == "Y, X"
    assert row.loc[("b", 0.2), "moves"] == "Xland #1→#2; Y #2→#1"
    assert not bool(row.loc[("b", -0.2), "changed"]) and row.loc[("b", -0.2), "moves"] == ""
    assert bool(row.loc[("a", -0.2), "changed"]) and not bool(row.loc[("a", 0.2), "changed"])


def test_smallest_reorder_finds_the_exact_threshold():
    re = smallest_reorder(SWAP, {"a": 0.5, "b": 0.5}, top_k=2).set_index("criterion")
    assert re.loc["b", "increase_to"] == pytest.approx(1 / 1.9, abs=1e-8)
    assert np.isnan(re.loc["b", "decrease_to"])
    assert re.loc["a", "decrease_to"] == pytest.approx(1 - 1 / 1.9, abs=1e-8)
    assert re.loc["b", "direction"] == "increase" and re.loc["a", "direction"] == "decrease"
    assert re.loc["b", "change_abs"] == pytest.approx(1 / 1.9 - 0.5, abs=1e-8)
    assert re.loc["b", "change_rel"] == pytest.approx((1 / 1.9 - 0.5) / 0.5, abs=1e-7)
    assert re.loc["b", "top_k"] == "Y, X"


def test_smallest_reorder_none_when_nothing_changes():
    dom = pd.DataFrame({"a": [1.0, 0.2, 0.0], "b": [1.0, 0.0, 0.3]}, index=["X", "Y", "Z"])
    re = smallest_reorder(dom, {"a": 0.7, "b": 0.3}, top_k=1)
    assert re["increase_to"].isna().all() and re["decrease_to"].isna().all()
    assert (re["direction"] == "").all()


def test_robustness_tables_and_summary():
    m = random_matrix(10, seed=8)
    names = {c: f"Country {c}" for c in m.index}
    r = score(m, CRITERIA, WEIGHTS, names=names)
    rob = robustness(r, draws=1000, top_k=5, seed=3)
    assert list(rob.table.columns) == ["code", "name", "rank", "median_rank", "rank_p05", "rank_p95",
                                       "p_top1", "p_top5", "p_topk", "coverage", "robust"]
    assert list(rob.table["code"]) == list(r.table["code"])
    assert (rob.table["p_top5"] == rob.table["p_topk"]).all()
    assert (rob.table["rank_p05"] <= rob.table["median_rank"]).all()
    assert (rob.table["median_rank"] <= rob.table["rank_p95"]).all()
    assert set(rob.oat["criterion"]) == set(WEIGHTS)
    assert len(rob.reorder) == len(WEIGHTS)
    lines = rob.summary()
    first = r.table.iloc[0]
    p = rob.table.iloc[0]["p_topk"]
    assert any(line.startswith(f"{first['name']} (#1) stays #1 in ") for line in lines)
    assert any(f"in the top 5 in {p:.0%}" in line or ">99%" in line for line in lines)
    hit = rob.reorder[rob.reorder["direction"] != ""]
    assert not hit.empty  # the top 5 of this matrix is close: some single weight change reorders it
    first_change = hit.iloc[0]
    assert lines[-1].startswith(f"The top 5 changes first if the '{r.labels[first_change['criterion']]}' weight")
    assert first_change["moves"] in lines[-1]


def test_topsis_robustness_runs_vectorized():
    r = score(random_matrix(), CRITERIA, WEIGHTS, method="topsis")
    rob = robustness(r, draws=500, top_k=2)
    assert rob.method == "topsis" and rob.table["p_top1"].sum() == pytest.approx(1.0)


def test_bad_settings_are_explained():
    r = score(random_matrix(), CRITERIA, WEIGHTS)
    with pytest.raises(ExportPlanError, match="top_k"):
        monte_carlo(r.norm, r.weights, top_k=0)
    with pytest.raises(ExportPlanError, match="Valid keys"):
        monte_carlo(r.norm, {"nope": 1.0})
    with pytest.raises(ExportPlanError, match="> -1"):
        one_at_a_time(r.norm, r.weights, deltas=(-1.5,))


def test_alternative_without_data_is_never_robust_and_empty_input_works():
    crit = [Criterion("a"), Criterion("b")]
    m = pd.DataFrame({"a": [1.0, 3.0, np.nan], "b": [2.0, 1.0, np.nan]}, index=["X", "Y", "Z"])
    t = robustness(score(m, crit, {"a": 1, "b": 1}), draws=200).table.set_index("code")
    assert t.loc["Z", "rank"] == 3 and t.loc["Z", "p_topk"] == 1.0  # only 3 alternatives, k = 5
    assert not bool(t.loc["Z", "robust"]) and bool(t.loc["X", "robust"])
    empty = score(m.iloc[:0], crit, {"a": 1})
    rob = robustness(empty, draws=50)
    assert rob.table.empty and rob.oat.empty
    assert rob.summary()[-1] == "No change of a single weight within [0, 1] changes the top 5."


def test_robust_needs_coverage_of_at_least_06():
    """A stable rank on thin data is not robust: coverage < 0.6 is never robust, for sectors and markets alike."""
    crit = [Criterion("a", "A"), Criterion("b", "B"), Criterion("c", "C"), Criterion("d", "D")]
    # T tops every measure it has, but has only 'a' (25% of the weight): the real ranking at 20-28%
    # coverage was called robust. U has a and b (50%), V a, b, c (75%), W everything.
    m = pd.DataFrame({"a": [9.0, 8.0, 7.0, 1.0, 0.0], "b": [np.nan, 8.0, 7.0, 1.0, 0.0],
                      "c": [np.nan, np.nan, 7.0, 1.0, 0.0], "d": [np.nan, np.nan, np.nan, 9.0, 0.0]},
                     index=["T", "U", "V", "W", "X"])
    r = score(m, crit, {"a": 1, "b": 1, "c": 1, "d": 1}, names={"T": "Thin"})
    rob = robustness(r, draws=500, top_k=4, seed=1)
    t = rob.table.set_index("code")
    assert list(t["coverage"]) == pytest.approx([0.25, 0.5, 0.75, 1.0, 1.0])
    assert (t.loc[["T", "U", "V", "W"], "p_topk"] == 1.0).all()  # all four always in the top 4
    assert t["robust"].to_dict() == {"T": False, "U": False, "V": True, "W": True, "X": False}
    lines = rob.summary()
    assert "scored on at least 60% of the weight" in lines[0]
    thin = next(line for line in lines if line.startswith("Thin (#1)"))
    assert "not robust: scored on only 25% of the weight, below 60%" in thin
    # Exactly 60% is enough (the boundary is inclusive), and the figure comes from the ScoreResult.
    mc = monte_carlo(r.norm, r.weights, draws=100, top_k=4, coverage={"T": 0.6, "U": 0.59, "V": 1, "W": 1,
                                                                       "X": 1})
    assert mc.table.set_index("code")["robust"].to_dict() == {"T": True, "U": False, "V": True, "W": True,
                                                              "X": False}
    with pytest.raises(ExportPlanError, match="coverage is missing"):
        monte_carlo(r.norm, r.weights, draws=10, coverage={"T": 1.0})


def test_orders_by_sorted_keys_equal_a_stable_argsort_with_ties_and_missing():
    """orders/top_orders (a sort of whole-number keys) rank as a stable argsort of (−rounded score, code)."""
    from exportplan.analysis.batch_scoring import orders, top_orders
    from exportplan.analysis.scoring import rank_keys

    rng = np.random.default_rng(4)
    for n in (1, 2, 5, 300):
        scores = rng.random((40, n))
        scores[:, : n // 2] = np.round(scores[:, : n // 2], 1)  # many exact ties, broken by column
        scores[:, 1::7] += 1e-14  # equal up to the rank keys' rounding: ties too
        scores[rng.random((40, n)) < 0.15] = np.nan  # last, by column
        expected = np.argsort(-rank_keys(scores), axis=1, kind="stable")
        assert np.array_equal(orders(scores), expected)
        for k in (1, 3):
            assert np.array_equal(top_orders(scores, k), expected[:, : min(k, n)])


def test_smallest_reorder_on_many_alternatives_equals_the_walk_over_all_of_them(monkeypatch):
    """Leaving out the alternatives that cannot reach the top k (weighted sum) changes no threshold or top k."""
    from exportplan.analysis import reorder

    m = random_matrix(120, seed=9)
    r = score(m, CRITERIA, WEIGHTS)
    fast = smallest_reorder(r.norm, r.weights, top_k=4, names=r.names)
    pruned = []
    original = reorder._contenders
    monkeypatch.setattr(reorder, "_contenders", lambda *a: pruned.append(len(original(*a).codes)) or a[0])
    full = smallest_reorder(r.norm, r.weights, top_k=4, names=r.names)
    assert min(pruned) < 120  # the fast walk did leave alternatives out
    pd.testing.assert_frame_equal(fast, full, check_exact=True)
    assert (fast["direction"] != "").any()
