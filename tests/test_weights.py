"""Weight presets, parsing, group spreading, and AHP against published examples."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exportplan.analysis.scoring import Criterion
from exportplan.analysis.weights import (
    MARKET_FACTORS, MARKET_PRESETS, RANDOM_INDEX, SECTOR_GROUPS, SECTOR_PRESETS, ahp_from_pairs, ahp_weights,
    empty_groups, normalize_weights, parse_weights, preset_weights, resolve_weights, spread_group_weights,
)
from exportplan.errors import ExportPlanError

# --------------------------------------------------------------------------- presets


@pytest.mark.parametrize(("presets", "groups"), [(SECTOR_PRESETS, SECTOR_GROUPS), (MARKET_PRESETS, MARKET_FACTORS)])
def test_presets_cover_their_groups_and_sum_to_one(presets, groups):
    assert "balanced" in presets
    for name, preset in presets.items():
        assert list(preset.weights) == list(groups), name
        assert sum(preset.weights.values()) == pytest.approx(1.0), name
        assert all(w >= 0 for w in preset.weights.values()) and preset.description
    assert len(SECTOR_GROUPS) == 5 and len(MARKET_FACTORS) == 8


def test_presets_emphasize_what_they_say():
    growth = preset_weights("sector", "growth")
    assert max(growth, key=growth.get) == "growth"
    assert max(preset_weights("market", "nearby").items(), key=lambda kv: kv[1])[0] == "proximity"
    with pytest.raises(ExportPlanError, match="presets are: balanced, current-markets"):
        preset_weights("market", "cheap")
    with pytest.raises(ExportPlanError, match="'sector' or 'market'"):
        preset_weights("county", "balanced")


# --------------------------------------------------------------------------- parsing and normalizing

def test_parse_weights():
    assert parse_weights(" size = 2, growth=1.5 ,", SECTOR_GROUPS) == {"size": 2.0, "growth": 1.5}


@pytest.mark.parametrize(("text", "message"), [
    ("size=1,jobs=2", "Unknown weight key 'jobs'. Valid keys: size, growth, strength, state_target, foreign_investors"),
    ("size:1", "not of the form key=value"),
    ("size=lots", "not a number"),
    ("size=-1", "negative"),
    ("size=1,size=2", "given twice"),
    ("size=nan", "finite"),
    ("", "No weights given"),
])
def test_parse_weights_errors(text, message):
    with pytest.raises(ExportPlanError, match=message):
        parse_weights(text, SECTOR_GROUPS)


def test_normalize_weights():
    assert normalize_weights({"a": 1, "b": 3}, ["a", "b", "c"]) == {"a": 0.25, "b": 0.75, "c": 0.0}
    assert normalize_weights(pd.Series({"a": 1.0, "b": 1.0}), ["a", "b"]) == {"a": 0.5, "b": 0.5}
    with pytest.raises(ExportPlanError, match="Valid keys: a, b"):
        normalize_weights({"x": 1}, ["a", "b"])
    with pytest.raises(ExportPlanError, match="Negative"):
        normalize_weights({"a": -1, "b": 2})
    with pytest.raises(ExportPlanError, match="All weights are zero"):
        normalize_weights({"a": 0})
    with pytest.raises(ExportPlanError, match="not a number"):
        normalize_weights({"a": "heavy"})


def test_resolve_weights_overrides_a_preset():
    w = resolve_weights("sector", "growth", "state_target=0.3")
    assert sum(w.values()) == pytest.approx(1.0)
    assert w["state_target"] == pytest.approx(0.3 / 1.15)
    assert w["growth"] == pytest.approx(0.4 / 1.15)
    assert resolve_weights("market") == pytest.approx(MARKET_PRESETS["balanced"].weights)


def test_spread_group_weights_evenly_and_handles_empty_groups():
    crits = [Criterion("emp", group="size"), Criterion("estabs", group="size"), Criterion("lq", group="strength"),
             Criterion("cagr", group="growth")]
    groups = {"size": 0.5, "strength": 0.25, "growth": 0.25}
    assert spread_group_weights(groups, crits) == {"emp": 0.25, "estabs": 0.25, "lq": 0.25, "cagr": 0.25}
    with_fdi = {"size": 0.4, "strength": 0.2, "growth": 0.2, "foreign_investors": 0.2}
    assert empty_groups(with_fdi, crits) == ["foreign_investors"]
    w = spread_group_weights(with_fdi, crits)
    assert w == pytest.approx({"emp": 0.25, "estabs": 0.25, "lq": 0.25, "cagr": 0.25})
    with pytest.raises(ExportPlanError, match="no measures"):
        spread_group_weights(with_fdi, crits, on_empty="error")
    with pytest.raises(ExportPlanError, match="belong to no weighted group"):
        spread_group_weights({"size": 1.0}, crits)


# --------------------------------------------------------------------------- AHP

# Saaty, T. L. (2008), "Decision making with the analytic hierarchy process",
# Int. J. Services Sciences 1(1), 83-98, Table 2: relative consumption of drinks in
# the US. Published derived priorities .177 .019 .042 .116 .190 .129 .327 and C.R. = .022.
DRINKS = ["coffee", "wine", "tea", "beer", "sodas", "milk", "water"]
DRINKS_MATRIX = [
    [1, 9, 5, 2, 1, 1, 1 / 2],
    [1 / 9, 1, 1 / 3, 1 / 9, 1 / 9, 1 / 9, 1 / 9],
    [1 / 5, 3, 1, 1 / 3, 1 / 4, 1 / 3, 1 / 9],
    [1 / 2, 9, 3, 1, 1 / 2, 1, 1 / 3],
    [1, 9, 4, 2, 1, 2, 1 / 2],
    [1, 9, 3, 1, 1 / 2, 1, 1 / 3],
    [2, 9, 9, 3, 2, 3, 1],
]
DRINKS_PUBLISHED = [0.177, 0.019, 0.042, 0.116, 0.190, 0.129, 0.327]

# Saaty & Khouja (1976) relative wealth of nations, as reproduced in Saaty (1980),
# The Analytic Hierarchy Process: US, USSR, China, France, UK, Japan, W. Germany.
# Published eigenvector .427 .230 .021 .052 .052 .123 .094, λmax = 7.61, C.I. = .10, C.R. = .08.
WEALTH_MATRIX = [
    [1, 4, 9, 6, 6, 5, 5],
    [1 / 4, 1, 7, 5, 5, 3, 4],
    [1 / 9, 1 / 7, 1, 1 / 5, 1 / 5, 1 / 7, 1 / 5],
    [1 / 6, 1 / 5, 5, 1, 1, 1 / 3, 1 / 3],
    [1 / 6, 1 / 5, 5, 1, 1, 1 / 3, 1 / 3],
    [1 / 5, 1 / 3, 7, 3, 3, 1, 2],
    [1 / 5, 1 / 4, 5, 3, 3, 1 / 2, 1],
]
WEALTH_PUBLISHED = [0.427, 0.230, 0.021, 0.052, 0.052, 0.123, 0.094]


def test_ahp_saaty_drinks_example():
    res = ahp_weights(pd.DataFrame(DRINKS_MATRIX, index=DRINKS, columns=DRINKS))
    assert [round(res.weights[d], 3) for d in DRINKS] == DRINKS_PUBLISHED
    assert round(res.cr, 3) == 0.022
    assert res.warning is None


def test_ahp_saaty_wealth_of_nations_example():
    weights, lam, ci, cr, warning = ahp_weights(np.array(WEALTH_MATRIX))
    assert np.round(weights, 3).tolist() == WEALTH_PUBLISHED
    assert (round(lam, 2), round(ci, 2), round(cr, 2)) == (7.61, 0.10, 0.08)
    assert cr == pytest.approx((lam - 7) / 6 / RANDOM_INDEX[6])
    assert warning is None


def test_ahp_from_pairs_matches_the_matrix():
    pairs = {(DRINKS[i], DRINKS[j]): DRINKS_MATRIX[i][j] for i in range(7) for j in range(i + 1, 7)}
    res = ahp_from_pairs(pairs, DRINKS)
    direct = ahp_weights(pd.DataFrame(DRINKS_MATRIX, index=DRINKS, columns=DRINKS))
    assert res.weights == pytest.approx(direct.weights, abs=1e-12)
    # Giving a pair the other way round (as its reciprocal) is the same judgement.
    flipped = {**{k: v for k, v in pairs.items() if k != ("coffee", "wine")}, ("wine", "coffee"): 1 / 9}
    assert ahp_from_pairs(flipped, DRINKS).weights == pytest.approx(direct.weights, abs=1e-12)


def test_ahp_warns_when_inconsistent():
    # a > b (5), b > c (5) but c > a (3): a cycle.
    res = ahp_from_pairs({("a", "b"): 5, ("b", "c"): 5, ("c", "a"): 3}, ["a", "b", "c"])
    assert res.cr > 0.10
    assert res.warning and "Consistency ratio" in res.warning and "exceeds 0.10" in res.warning
    assert sum(res.weights.values()) == pytest.approx(1.0)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.floats(0.05, 20), min_size=1, max_size=15))
def test_ahp_recovers_weights_of_consistent_matrices(raw):
    w = np.array(raw) / sum(raw)
    res = ahp_weights(np.outer(w, 1 / w))
    assert np.allclose(res.weights, w, atol=1e-9)
    assert res.lambda_max == pytest.approx(len(w), abs=1e-8)
    assert res.cr == pytest.approx(0.0, abs=1e-8) and res.warning is None


@pytest.mark.parametrize(("matrix", "message"), [
    ([[1, 3], [3, 1]], "not reciprocal at \\(row 1, row 2\\) = 3 and \\(row 2, row 1\\) = 3; the second must be 1/3"),
    ([[1, -2], [-0.5, 1]], "positive"),
    ([[2, 1], [1, 2]], "diagonal"),
    ([[1, 2, 3], [0.5, 1, 2]], "square"),
    (np.ones((16, 16)), "tabulated up to 15"),
])
def test_ahp_matrix_errors(matrix, message):
    with pytest.raises(ExportPlanError, match=message):
        ahp_weights(matrix)


def test_ahp_accepts_rounded_reciprocals_and_small_matrices():
    assert ahp_weights([[1, 3], [0.33, 1]]).weights == pytest.approx([0.75, 0.25], abs=0.002)
    one = ahp_weights([[1]])
    assert one.weights.tolist() == [1.0] and one.cr == 0.0


@pytest.mark.parametrize(("pairs", "message"), [
    ({("a", "b"): 2}, "missing: \\[\\('a', 'c'\\), \\('b', 'c'\\)\\]"),
    ({("a", "z"): 2}, "unknown key"),
    ({("a", "a"): 2}, "itself"),
    ({("a", "b"): 2, ("b", "a"): 2, ("a", "c"): 1, ("b", "c"): 1}, "disagree"),
    ({("a", "b"): 0, ("a", "c"): 1, ("b", "c"): 1}, "must be > 0"),
])
def test_ahp_pair_errors(pairs, message):
    with pytest.raises(ExportPlanError, match=message):
        ahp_from_pairs(pairs, ["a", "b", "c"])
