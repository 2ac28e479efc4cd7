"""The rankings' inputs kept per process (exportplan.ws.ranking_cache): re-ranks with other weights reuse them,
give what a cold ranking gives, and never outlive a change of the data or the settings."""
from __future__ import annotations

import threading
from types import SimpleNamespace

import pandas as pd
import pytest

from exportplan.demo.builder import build_demo
from exportplan.errors import ExportPlanError
from exportplan.store.data_version import data_version
from exportplan.workspace import Workspace
from exportplan.ws import markets as ws_markets
from exportplan.ws import ranking_cache
from exportplan.ws import sectors as ws_sectors

DRAWS = 500
COUNTRIES = ("country,year,gdp_usd,control_of_corruption\n"
             "Mexico,2023,9414000000000,1.9\n"
             "Japan,2023,231000000000,-1.4\n")


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    ws = build_demo(tmp_path_factory.mktemp("cache") / "ws")
    yield ws
    ws.close()


@pytest.fixture
def fresh_sample(tmp_path):
    """A sample workspace of its own, for the tests that change its data."""
    ws = build_demo(tmp_path / "ws")
    yield ws
    ws.close()


@pytest.fixture
def builds(monkeypatch):
    """Counts the inputs each ranking builds (market data read, sector alternatives built)."""
    counts = {"markets": 0, "sectors": 0}
    market_data, alternatives = ws_markets.Markets.market_data, ws_sectors.Sectors._sector_alternatives

    def counted_market_data(self, *args, **kwargs):
        counts["markets"] += 1
        return market_data(self, *args, **kwargs)

    def counted_alternatives(self, *args, **kwargs):
        counts["sectors"] += 1
        return alternatives(self, *args, **kwargs)

    monkeypatch.setattr(ws_markets.Markets, "market_data", counted_market_data)
    monkeypatch.setattr(ws_sectors.Sectors, "_sector_alternatives", counted_alternatives)
    return counts


def cold(rank, **kwargs):
    """A ranking computed with nothing cached."""
    ranking_cache.clear()
    return rank(**kwargs)


def assert_same(a, b, code_col: str) -> None:
    """Same table (ranks, scores, reasons, bands), robustness, notes and the top row's explanation."""
    pd.testing.assert_frame_equal(a.table, b.table)
    pd.testing.assert_frame_equal(a.robustness.table, b.robustness.table)
    pd.testing.assert_frame_equal(a.robustness.reorder, b.robustness.reorder)
    pd.testing.assert_frame_equal(a.robustness.oat, b.robustness.oat)
    assert a.summary() == b.summary()
    assert a.meta == b.meta
    top = a.table[code_col].iloc[0]
    first, second = a.explain(top), b.explain(top)
    if isinstance(first, pd.DataFrame):
        pd.testing.assert_frame_equal(first, second)
    else:
        assert first == second


# --------------------------------------------------------------------------- re-ranks reuse the inputs

@pytest.mark.parametrize("weights", ["proximity=0.4", {"current_markets": 0.1, "market_factors": 0.5}])
def test_market_rerank_reuses_the_inputs_and_equals_a_cold_ranking(sample, builds, weights):
    ranking_cache.clear()
    sample.rank_markets(draws=DRAWS)
    again = sample.rank_markets(weights=weights, draws=DRAWS, method="topsis")
    assert builds["markets"] == 1  # the second ranking read nothing
    assert_same(again, cold(sample.rank_markets, weights=weights, draws=DRAWS, method="topsis"), "iso3")
    assert builds["markets"] == 2


def test_sector_rerank_reuses_the_inputs_and_equals_a_cold_ranking(sample, builds):
    ranking_cache.clear()
    first = sample.rank_sectors(draws=DRAWS)
    again = sample.rank_sectors(weights="growth=0.5", draws=DRAWS)
    assert builds["sectors"] == 1
    assert again.group_weights != first.group_weights
    assert_same(again, cold(sample.rank_sectors, weights="growth=0.5", draws=DRAWS), "code")
    assert builds["sectors"] == 2


def test_a_sector_view_and_other_options_are_entries_of_their_own(sample, builds):
    ranking_cache.clear()
    sample.rank_markets(draws=DRAWS)
    view = sample.rank_markets(sector="336", draws=DRAWS)
    assert view.meta["sector"] == "336" and builds["markets"] == 2
    assert_same(sample.rank_markets(sector="336", weights="proximity=0.3", draws=DRAWS),
                cold(sample.rank_markets, sector="336", weights="proximity=0.3", draws=DRAWS), "iso3")
    ranking_cache.clear()
    before = builds["sectors"]  # the market rankings' priority sectors come from a sector ranking
    sample.rank_sectors(draws=DRAWS)
    sample.rank_sectors(draws=DRAWS, seed=1)  # the withheld cells' draws follow the seed
    sample.rank_sectors(draws=DRAWS, by="naics", level=3)
    sample.rank_sectors(draws=DRAWS, weights="size=0.5")
    assert builds["sectors"] - before == 3


def test_request_copies_of_a_workspace_share_the_cache(sample, builds):
    ranking_cache.clear()
    sample.for_request(user="a").rank_markets(draws=DRAWS)
    sample.for_request(user="b").rank_markets(weights="proximity=0.3", draws=DRAWS)
    assert builds["markets"] == 1


def test_threads_reranking_at_once_build_once_and_agree(sample, builds):
    ranking_cache.clear()
    weights = [f"proximity={w:.2f}" for w in (0.05, 0.1, 0.15, 0.2, 0.25, 0.3)]
    got, errors = {}, []

    def rank(w):
        try:
            got[w] = sample.for_request().rank_markets(weights=w, draws=DRAWS)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=rank, args=(w,)) for w in weights]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert not errors and len(got) == len(weights)
    assert builds["markets"] == 1  # the others waited for the one building
    for w in weights[:2]:
        pd.testing.assert_frame_equal(got[w].table, cold(sample.rank_markets, weights=w, draws=DRAWS).table)


# --------------------------------------------------------------------------- never stale

def test_a_ranking_asked_again_is_kept_and_each_caller_gets_its_own_copy(sample):
    first = sample.markets.rank_markets(draws=500)
    first.table["score"] = -1.0  # a caller changing its copy
    first.table.loc[0, "reason"] = "changed in place"
    first.meta["notes"].append("changed by a caller")
    again = sample.markets.rank_markets(draws=500)
    assert (again.table["score"] >= 0).all() and "changed by a caller" not in again.meta["notes"]
    assert again.table.loc[0, "reason"] != "changed in place"
    assert again.table.attrs["exportplan"] is again.meta
    sectors = sample.sectors.rank_sectors(draws=500)
    sectors.table["score"] = -1.0
    assert (sample.sectors.rank_sectors(draws=500).table["score"] >= 0).all()


def test_an_import_changes_the_next_market_ranking(fresh_sample, tmp_path):
    ws = fresh_sample
    before = ws.rank_markets(draws=DRAWS)
    path = tmp_path / "countries.csv"
    path.write_text(COUNTRIES, encoding="utf-8")
    ws.import_countries(path)
    after = ws.rank_markets(weights="proximity=0.2", draws=DRAWS)
    assert_same(after, cold(ws.rank_markets, weights="proximity=0.2", draws=DRAWS), "iso3")
    raw = [c for c in after.table.columns if c.startswith("raw_")]
    assert not after.table.set_index("iso3").loc[["MEX", "JPN"], raw].equals(
        before.table.set_index("iso3").loc[["MEX", "JPN"], raw])


def test_an_import_changes_the_next_sector_ranking(fresh_sample, tmp_path):
    ws = fresh_sample
    before = ws.rank_sectors(draws=DRAWS)
    path = tmp_path / "targets.csv"
    last, name = (str(v) for v in before.table[["code", "name"]].iloc[-1])
    pd.DataFrame({"target": [name], "kind": ["cluster"], "priority": [1]}).to_csv(path, index=False)
    ws.import_table("targets", path)  # replaces the state's targets: only the last sector is one now
    after = ws.rank_sectors(draws=DRAWS)
    assert after.table.set_index("code").loc[last, "raw_state_target"] == 1.0
    assert before.table.set_index("code").loc[last, "raw_state_target"] != 1.0
    assert_same(after, cold(ws.rank_sectors, draws=DRAWS), "code")


def test_companies_added_and_edited_change_the_next_ranking(fresh_sample):
    ws = fresh_sample
    ws.rank_markets(draws=DRAWS)
    key = ws.pipeline.add_company(name="Cache Test Works", county_fips="39049", naics="336390",
                                  target_markets="IDN", foreign_parent="Kiwi Holdings", parent_country="NZL")
    added = ws.rank_markets(draws=DRAWS)
    assert_same(added, cold(ws.rank_markets, draws=DRAWS), "iso3")
    version = ws.pipeline.company(key)["version"]
    ws.pipeline.update_company(key, expected_version=version, target_markets="THA")
    edited = ws.rank_markets(draws=DRAWS)
    assert_same(edited, cold(ws.rank_markets, draws=DRAWS), "iso3")
    mentions = [t.set_index("iso3")["raw_survey_mentions"] for t in (added.table, edited.table)]
    assert mentions[1]["THA"] == mentions[0]["THA"] + 1 and mentions[1]["IDN"] == mentions[0]["IDN"] - 1


def test_a_settings_change_changes_the_next_ranking(fresh_sample):
    ws = fresh_sample
    first = ws.rank_markets(draws=DRAWS)
    ws.config.setdefault("region", {})["centre"] = [64.15, -21.94]  # Reykjavik: proximity changes
    moved = ws.rank_markets(draws=DRAWS)
    assert_same(moved, cold(ws.rank_markets, draws=DRAWS), "iso3")
    assert not moved.table.set_index("iso3")["score"].equals(first.table.set_index("iso3")["score"])


def test_a_failing_build_is_not_kept(tmp_path):
    ws = Workspace.init(tmp_path / "empty", name="Empty", counties=["39049"], centre=[39.96, -82.99])
    try:
        for _ in range(2):
            with pytest.raises(ExportPlanError):
                ws.rank_markets(draws=DRAWS)
    finally:
        ws.close()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_the_data_version_follows_imports_and_company_edits(tmp_path, backend, request):
    url = request.getfixturevalue("pg_url") if backend == "postgresql" else None
    ws = Workspace.init(tmp_path / "ws", name="Version", counties=["39049"], database_url=url)
    try:
        seen = [data_version(ws.store)]
        path = tmp_path / "countries.csv"
        path.write_text(COUNTRIES, encoding="utf-8")
        ws.import_countries(path)
        seen.append(data_version(ws.store))
        ws.import_countries(path)  # the same file again: its rows are replaced under a new record
        seen.append(data_version(ws.store))
        key = ws.pipeline.add_company(name="Version Works", county_fips="39049")
        seen.append(data_version(ws.store))
        ws.pipeline.update_company(key, expected_version=1, target_markets="MEX")
        seen.append(data_version(ws.store))
        assert len(set(seen)) == len(seen)
        assert data_version(ws.store) == seen[-1]  # nothing changed: the same version
    finally:
        ws.close()


# --------------------------------------------------------------------------- the cache itself

class _Store:
    """Stands in for a Store: the cache keys on it (weakly)."""


@pytest.fixture
def version(monkeypatch):
    state = {"v": 1}
    monkeypatch.setattr(ranking_cache, "data_version", lambda store: state["v"])
    return state


def _ctx(**config):
    return SimpleNamespace(store=_Store(), config=dict(config))


def test_cached_builds_once_per_stamp(version):
    ctx, calls = _ctx(), []

    def build():
        calls.append(1)
        return len(calls)

    assert ranking_cache.cached(ctx, "k", build) == 1
    assert ranking_cache.cached(ctx, "k", build) == 1
    version["v"] = 2  # an import
    assert ranking_cache.cached(ctx, "k", build) == 2
    ctx.config["markets"] = {"coverage_floor": 0.3}  # a setting
    assert ranking_cache.cached(ctx, "k", build) == 3
    assert ranking_cache.cached(_ctx(), "k", build) == 4  # another workspace has its own entries


def test_a_value_built_while_the_data_changed_is_not_kept(version):
    ctx = _ctx()

    def build_during_import():
        version["v"] += 1  # the data move on while the inputs are read
        return "read half before, half after"

    assert ranking_cache.cached(ctx, "k", build_during_import) == "read half before, half after"
    assert ranking_cache.cached(ctx, "k", lambda: "fresh") == "fresh"


def test_a_failing_build_stores_nothing(version):
    ctx = _ctx()

    def fail():
        raise ExportPlanError("no data")

    with pytest.raises(ExportPlanError):
        ranking_cache.cached(ctx, "k", fail)
    assert ranking_cache.cached(ctx, "k", lambda: "ok") == "ok"


def test_entries_are_bounded(version):
    ctx = _ctx()
    for i in range(ranking_cache.MAX_ENTRIES + 5):
        ranking_cache.cached(ctx, i, lambda i=i: i)
    assert ranking_cache.cached(ctx, 0, lambda: "rebuilt") == "rebuilt"  # the oldest went first
    last = ranking_cache.MAX_ENTRIES + 4
    assert ranking_cache.cached(ctx, last, lambda: "rebuilt") == last


def test_concurrent_callers_of_one_key_wait_for_one_build(version):
    ctx, calls, started, release = _ctx(), [], threading.Event(), threading.Event()

    def slow():
        calls.append(1)
        started.set()
        release.wait(10)
        return "value"

    results = []
    threads = [threading.Thread(target=lambda: results.append(ranking_cache.cached(ctx, "k", slow)))
               for _ in range(4)]
    threads[0].start()
    started.wait(10)
    for t in threads[1:]:
        t.start()
    release.set()
    for t in threads:
        t.join(10)
    assert results == ["value"] * 4 and len(calls) == 1
