"""The market ranking's memo (what does not depend on the weights, kept between re-ranks) changes no result."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from exportplan.analysis import market_rank as mr
from exportplan.analysis import markets as am
from exportplan.analysis.weights import resolve_weights
from exportplan.demo.builder import build_demo

DRAWS = 300


@pytest.fixture(scope="module")
def sample_matrix(tmp_path_factory):
    ws = build_demo(tmp_path_factory.mktemp("sample") / "ws")
    try:
        yield ws.markets._ranking_inputs(None, None, False)[4]
    finally:
        ws.close()


def _same(a: am.MarketOutcome, b: am.MarketOutcome) -> None:
    pd.testing.assert_frame_equal(a.table, b.table, check_exact=True)
    rob_a, rob_b = a.robustness, b.robustness
    for name in ("table", "acceptability", "oat", "reorder"):
        pd.testing.assert_frame_equal(getattr(rob_a, name), getattr(rob_b, name), check_exact=True)
    assert rob_a.summary() == rob_b.summary()
    assert (a.notes, a.dropped, a.weights) == (b.notes, b.dropped, b.weights)


def test_rankings_with_the_memo_equal_rankings_without_it(sample_matrix):
    """Other weights, other floors (other sets of countries kept), back to the first: each as without a memo."""
    memo = am.RankMemo(sample_matrix)
    settings = [(resolve_weights("market", "balanced", None), 0.5),
                (resolve_weights("market", "balanced", {"proximity": 0.5, "partnerships": 0.0}), 0.5),
                (resolve_weights("market", "balanced", {"market_factors": 0.6}), 0.8),
                (resolve_weights("market", "balanced", None), 0.5)]
    for weights, floor in settings:
        for method in ("weighted", "topsis"):
            fresh = am.rank_matrix(sample_matrix, weights, draws=DRAWS, floor=floor, method=method)
            kept = am.rank_matrix(sample_matrix, weights, draws=DRAWS, floor=floor, method=method, memo=memo)
            _same(fresh, kept)
    kept_sets = {tuple(sorted(o)) for o in _kept_sets(sample_matrix, settings)}
    assert len(kept_sets) >= 2 and len(memo._views) == len(kept_sets)  # a view per set of countries kept


def _kept_sets(mm, settings):
    return [set(am.rank_matrix(mm, w, draws=10, floor=f).table["iso3"]) for w, f in settings]


def test_memo_keeps_a_bounded_number_of_views(sample_matrix, monkeypatch):
    monkeypatch.setattr(mr, "MEMO_VIEWS", 2)
    memo = am.RankMemo(sample_matrix)
    codes = sorted(sample_matrix.matrix.index)
    for drop in range(4):
        memo.view(tuple(codes[:drop] + codes[drop + 1:]))
    assert list(memo._views) == [tuple(codes[:2] + codes[3:]), tuple(codes[:3] + codes[4:])]


def test_a_memo_of_another_matrix_is_not_used(sample_matrix):
    other = am.RankMemo(sample_matrix)
    weights = resolve_weights("market", "balanced", None)
    copy = am.MarketMatrix(sample_matrix.matrix.copy(), sample_matrix.criteria, dict(sample_matrix.names),
                           list(sample_matrix.notes), sample_matrix.exports_scope, sample_matrix.exports_label)
    am.rank_matrix(copy, weights, draws=10, memo=other)
    assert not other._views


@pytest.mark.parametrize("n_columns", [1, 3, 9])
def test_row_sum_is_the_frames_sum_with_min_count(n_columns):
    rng = np.random.default_rng(n_columns)
    frame = pd.DataFrame(rng.random((50, n_columns)) * 10.0 ** rng.integers(-6, 6, (50, n_columns)))
    frame[rng.random(frame.shape) < 0.3] = np.nan
    frame.iloc[0] = np.nan  # a row without any value: NaN, not 0
    expected = frame.sum(axis=1, min_count=1).to_numpy()
    got = mr._row_sum([frame[c].to_numpy() for c in frame.columns])
    np.testing.assert_array_equal(got, expected)
    assert np.isnan(got[0])
