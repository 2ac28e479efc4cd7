"""The plan's goals (issue 11, "Goals and metrics"): KPI values with known answers, baselines, progress
statuses, the stored texts and goals on SQLite and PostgreSQL, and the funnel and progress charts.

The pipeline frames are built by hand so that every expected value can be counted on paper; the
comments next to the frames say which rows fall inside which period.
"""
from __future__ import annotations

import math
from types import SimpleNamespace

import pandas as pd
import pytest

from exportplan.analysis import pipeline_metrics as pm
from exportplan.analysis import plan_goals as pg
from exportplan.analysis.pipeline_terms import EXPORTING_STAGES
from exportplan.errors import ConflictError, ExportPlanError, ImportFailed
from exportplan.output.chartdata import ChartNotDrawn
from exportplan.output.plan_charts import funnel_chart, progress_chart
from exportplan.store import plan as repo
from exportplan.store.db import Store, sqlite_url


def frame(columns: str, rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns.split())


@pytest.fixture
def frames() -> dict[str, pd.DataFrame]:
    companies = frame("company_id stage created_at", [
        ("A", "active", "2024-01-10T09:00:00"), ("B", "export-ready", "2024-06-01T09:00:00"),
        ("C", "expanding", "2025-12-31T09:00:00"),
        ("D", "active", "2025-05-01T09:00:00"),  # no stage history: counts from the day it was added
        ("E", "new-to-export", "2025-02-01T09:00:00")])
    history = frame("company_id date from_stage to_stage", [
        ("A", "2024-01-10", "", "export-ready"), ("A", "2025-03-01", "export-ready", "new-to-export"),
        ("A", "2025-11-15", "new-to-export", "active"),
        ("B", "2024-06-01", "", "active"), ("B", "2025-06-30", "active", "export-ready"),
        ("C", "2025-12-31", "", "expanding"),
        ("E", "2025-02-01", "", "not ready"), ("E", "2025-02-01", "not ready", "new-to-export"),  # same day
        ("E", "sometime", "new-to-export", "not ready")])  # no readable date: left out
    outcomes = frame("company_id date kind country export_sales_usd", [
        ("A", "2025-01-01", "new market", "CAN", None),  # first day of 2025: in
        ("A", "2025-12-31", "new market", "MEX", None),  # last day of 2025: in
        ("B", "2024-12-31", "new market", "DEU", None),  # the day before: out
        ("B", "not a date", "new market", "FRA", None),  # unreadable: out
        ("A", "2025-03-01", "first export", "CAN", None),
        ("A", "2025-04-01", "first export", "", None),  # the same company again: one company
        ("B", "2025-05-05", "first export", "", 250.0),  # a value on another kind counts as sales
        ("C", "2025-07-01", "export sales", "", 1000.0),
        ("C", "2026-01-01", "export sales", "", 5000.0)])  # out
    interactions = frame("company_id date kind", [
        ("A", "2025-02-02", "call"), ("B", "2024-12-31", "call"), ("D", "2026-01-01", "visit")])
    referrals = frame("company_id date status", [
        ("C", "2025-12-31", "completed"), ("A", "2025-06-01", "completed"), ("B", "2025-06-01", "declined"),
        ("D", "2024-12-31", "completed")])
    sales = frame("company_id year export_sales_usd", [("A", 2024, 100.0), ("B", 2024, 50.0), ("A", 2025, 300.0)])
    return {"companies": companies, "stage_history": history, "outcomes": outcomes, "interactions": interactions,
            "referrals": referrals, "export_sales": sales}


# ---- KPI values ------------------------------------------------------------------------------------

@pytest.mark.parametrize("key, expected", [
    ("new_markets", 2),  # both edges of the period included, the day before and the unreadable date left out
    ("first_exports", 2),  # A (twice: one company) and B
    ("export_sales", 1250.0),  # 250 + 1000
    ("companies_served", 3),  # A (call, referral), B (declined referral), C (referral on the last day)
    ("referrals_completed", 2),  # C and A; D's is the day before
])
def test_flow_kpis_count_the_period_with_both_edges(frames, key, expected):
    assert pg.kpi_value(key, frames, "2025-01-01", "2025-12-31") == expected


def test_a_one_day_period(frames):
    assert pg.kpi_value("new_markets", frames, "2025-12-31", "2025-12-31") == 1
    assert pg.kpi_value("referrals_completed", frames, "2025-12-31", "2025-12-31") == 1
    assert pg.kpi_value("companies_served", frames, "2025-12-30", "2025-12-30") == 0


@pytest.mark.parametrize("day, exporters", [
    ("2024-12-31", 1),  # B active; A export-ready; C, D, E not yet in the pipeline
    ("2025-02-01", 2),  # B, and E: two changes that day, the later row (new-to-export) wins
    ("2025-06-29", 4),  # A new-to-export (since 03-01), B, D (added 05-01), E
    ("2025-06-30", 3),  # B moved back to export-ready that day
    ("2025-12-30", 3),  # A, D, E
    ("2025-12-31", 4),  # C entered expanding that day
])
def test_exporters_on_a_past_date_come_from_the_stage_history(frames, day, exporters):
    assert pg.kpi_value("exporters", frames, None, day) == exporters
    stages = pg.stages_on(frames, day)
    assert stages["stage"].isin(EXPORTING_STAGES).sum() == exporters


def test_stage_on_a_date(frames):
    stages = pg.stages_on(frames, "2025-06-30").set_index("company_id")["stage"].to_dict()
    assert stages == {"A": "new-to-export", "B": "export-ready", "D": "active", "E": "new-to-export"}


def test_annual_export_sales_take_the_last_complete_year(frames):
    assert pg.complete_year("2025-12-31") == 2025 and pg.complete_year("2025-12-30") == 2024
    assert pg.kpi_value("annual_export_sales", frames, None, "2025-12-31") == 300.0
    assert pg.kpi_value("annual_export_sales", frames, None, "2025-12-30") == 150.0


def test_frames_may_be_an_object_with_attributes(frames):
    bundle = SimpleNamespace(**frames)
    assert pg.kpi_value("new_markets", bundle, "2025-01-01", "2025-12-31") == 2


def test_bad_periods_and_keys_say_what_to_fix(frames):
    with pytest.raises(ExportPlanError, match="ends .* before it starts"):
        pg.kpi_value("new_markets", frames, "2025-12-31", "2025-01-01")
    with pytest.raises(ExportPlanError, match="YYYY-MM-DD"):
        pg.kpi_value("new_markets", frames, "last spring", "2025-01-01")
    with pytest.raises(ExportPlanError, match="Unknown KPI 'sales'.*exporters"):
        pg.kpi_value("sales", frames, "2025-01-01", "2025-12-31")
    with pytest.raises(ExportPlanError, match="needs the column.*status"):
        pg.kpi_value("referrals_completed", {"referrals": frames["referrals"].drop(columns="status")},
                     "2025-01-01", "2025-12-31")


def test_every_kpi_is_declared_once_with_how_it_is_measured():
    keys = [k.key for k in pg.KPIS]
    assert len(keys) == len(set(keys))
    assert {"exporters", "new_markets", "export_sales", "companies_served", "referrals_completed",
            "first_exports"} <= set(keys)
    assert all(k.label and k.unit and k.measured.endswith(".") and k.kind in ("stock", "flow", "year")
               for k in pg.KPIS)


# ---- baselines and default goals ---------------------------------------------------------------------

def test_baselines_are_the_12_months_before_or_the_stock_on_the_date(frames):
    table = pg.baselines(frames, "2025-12-31").set_index("kpi")
    assert table.loc["new_markets", "baseline"] == 2
    assert (table.loc["new_markets", "period_start"], table.loc["new_markets", "period_end"]) == \
        ("2025-01-01", "2025-12-31")
    assert table.loc["exporters", "baseline"] == 4 and table.loc["exporters", "period_start"] == ""
    assert table.loc["annual_export_sales", "baseline"] == 300.0
    assert "1 stage history row(s) without a readable date" in table.loc["exporters", "note"]
    # 12 months before 2025-06-30: 2024-07-01 to 2025-06-30.
    mid = pg.baselines(frames, "2025-06-30").set_index("kpi")
    assert mid.loc["new_markets", "period_start"] == "2024-07-01"
    assert mid.loc["new_markets", "baseline"] == 2  # 2024-12-31 and 2025-01-01


def test_an_empty_pipeline_gives_zero_baselines_with_a_note():
    for empty in ({}, {"outcomes": frame("company_id date kind export_sales_usd", []), "companies": None}):
        table = pg.baselines(empty, "2025-12-31")
        assert list(table["kpi"]) == [k.key for k in pg.KPIS]
        assert (table["baseline"] == 0).all()
        assert table["note"].str.contains("recorded in the pipeline yet").all()
    goals = pg.default_goals({}, "2025-12-31")
    assert len(goals) == len(pg.KPIS) and goals["target"].isna().all() and goals["target_year"].isna().all()
    table = pg.progress(goals, {}, "2026-06-30")
    assert (table["status"] == "no target").all() and (table["current"] == 0).all()


def test_default_goals_start_with_computed_baselines_and_blank_targets(frames):
    goals = pg.default_goals(frames, "2025-12-31")
    assert list(goals.columns) == list(pg.GOAL_COLUMNS)
    assert list(goals["kpi"]) == [k.key for k in pg.KPIS] and list(goals["position"]) == list(range(1, 8))
    assert goals.set_index("kpi").loc["referrals_completed", "baseline"] == 2
    assert (goals["baseline_date"] == "2025-12-31").all()
    assert goals["note"].str.contains("Set the target").all()


# ---- progress ----------------------------------------------------------------------------------

def goal(key, baseline, target=None, year=None, *, kpi="exporters", day="2025-01-01", **more) -> dict:
    return {**dict(key=key, title=f"Goal {key}", kpi=kpi, baseline=baseline, baseline_date=day, target=target,
                   target_year=year), **more}


def test_progress_statuses_follow_the_straight_path(frames):
    # Exporters on 2025-07-02: A, D, E = 3. From 2025-01-01 to 2025-12-31 the path is half way on 07-02.
    goals = [goal("on", 1, 5, 2025), goal("behind", 1, 6, 2025), goal("met", 0, 3, 2025),
             goal("none", 1), goal("noyear", 1, 10), goal("down-on", 6, 2, 2025), goal("down-behind", 4, 0, 2025),
             goal("computed", None, 5, 2026, day="2024-12-31")]
    table = pg.progress(pd.DataFrame(goals), frames, "2025-07-02").set_index("key")
    assert (table["current"] == 3).all()
    assert table["status"].to_dict() == {
        "on": "on track", "behind": "behind", "met": "met", "none": "no target", "noyear": "no target",
        "down-on": "on track", "down-behind": "behind", "computed": "on track"}
    assert table.loc["on", "progress"] == 0.5 and table.loc["on", "expected"] == 3.0
    assert table.loc["behind", "expected"] == 3.5
    assert math.isnan(table.loc["none", "progress"]) and "No target yet" in table.loc["none", "note"]
    assert table.loc["noyear", "progress"] == round(2 / 9, 4) and "target year" in table.loc["noyear", "note"]
    assert table.loc["computed", "baseline"] == 1  # B only on 2024-12-31
    assert "Baseline computed from the pipeline on 2024-12-31" in table.loc["computed", "note"]
    assert list(table.reset_index().columns) == list(pg.PROGRESS_COLUMNS)


def test_progress_of_flow_goals_uses_the_12_months_to_the_as_of_date(frames):
    table = pg.progress([goal("m", 0, 4, 2026, kpi="new_markets", day="2024-12-31")], frames, "2025-12-31")
    assert table.loc[0, "current"] == 2 and table.loc[0, "progress"] == 0.5


def test_progress_lists_goals_in_position_order(frames):
    goals = [goal("b", 1, position=2), goal("a", 1, position=2), goal("c", 1, position=1)]
    assert list(pg.progress(goals, frames, "2025-07-02")["key"]) == ["c", "a", "b"]


def test_bad_goals_are_reported_together_with_row_column_and_fix(frames):
    goals = [goal("x", 1, kpi="sales"), goal("x", "lots"), goal("y", 1, 5, 1800), goal("", 1, day="31/12/2025")]
    with pytest.raises(ImportFailed) as caught:
        pg.progress(goals, frames, "2025-07-02")
    problems = {(p.row, p.column) for p in caught.value.table.problems}
    assert problems == {(1, "kpi"), (2, "key"), (2, "baseline"), (3, "target_year"), (4, "key"),
                        (4, "baseline_date")}
    assert "use one of exporters" in str(caught.value)


# ---- the store ---------------------------------------------------------------------------------

@pytest.fixture(params=["sqlite", "postgres"])
def store(request, tmp_path):
    url = sqlite_url(tmp_path / "ws.db") if request.param == "sqlite" else request.getfixturevalue("pg_url")
    made = Store(url)
    yield made
    made.dispose()


def test_texts_are_saved_with_optimistic_locking(store):
    assert repo.get_text(store, "vision") is None and repo.list_texts(store).empty
    with store.transaction() as conn:
        assert repo.save_text(conn, "vision", "A region that exports.", expected_version=0,
                              at="2026-01-05T10:00:00", user="ann") == 1
    with store.transaction() as conn:
        assert repo.save_text(conn, "vision", "A region that exports more.", expected_version=1,
                              at="2026-01-06T10:00:00", user="bob") == 2
    with pytest.raises(ConflictError, match="saved by bob at 2026-01-06T10:00:00") as caught:
        with store.transaction() as conn:
            repo.save_text(conn, "vision", "ann's stale edit", expected_version=1, at="2026-01-07", user="ann")
    assert (caught.value.changed_by, caught.value.changed_at, caught.value.version) == ("bob", "2026-01-06T10:00:00", 2)
    with pytest.raises(ConflictError, match="version 2, you edited version 0"):
        with store.transaction() as conn:  # a second "new" text of the same section
            repo.save_text(conn, "vision", "again", expected_version=0, at="2026-01-07", user="cy")
    with pytest.raises(ExportPlanError, match="no saved text"):
        with store.transaction() as conn:
            repo.save_text(conn, "policy", "x", expected_version=3, at="2026-01-07", user="cy")
    with store.transaction() as conn:
        repo.save_text(conn, "policy", "<script>alert(1)</script>", expected_version=0, at="2026-01-08", user="cy")
    texts = repo.list_texts(store)
    assert list(texts["section"]) == ["policy", "vision"]
    assert texts.set_index("section").loc["vision", "text"] == "A region that exports more."
    assert repo.get_text(store, "policy")["text"] == "<script>alert(1)</script>"


def test_goals_are_upserted_listed_by_position_and_deleted(store, frames):
    goals = pg.default_goals(frames, "2025-12-31")
    with store.transaction() as conn:
        assert repo.upsert_goals(conn, goals.iloc[::-1], at="2026-01-05", user="ann") == len(goals)
    stored = repo.list_goals(store)
    assert list(stored["key"]) == list(goals["key"])
    assert stored["target"].isna().all() and stored["target_year"].isna().all()
    assert stored.set_index("key").loc["export_sales", "baseline"] == 1250.0
    with store.transaction() as conn:
        repo.upsert_goals(conn, [{"key": "exporters", "target": 12, "target_year": 2028, "position": 9}],
                          at="2026-01-06", user="bob")
        assert repo.delete_goal(conn, "first_exports") and not repo.delete_goal(conn, "first_exports")
    stored = repo.list_goals(store)
    row = stored.set_index("key").loc["exporters"]
    assert (row["target"], row["target_year"], row["baseline"], row["updated_by"]) == (12.0, 2028, 4.0, "bob")
    assert list(stored["key"])[-1] == "exporters" and "first_exports" not in set(stored["key"])
    table = pg.progress(stored, frames, "2026-06-30").set_index("key")
    assert table.loc["exporters", "status"] in pg.STATUSES and table.loc["exporters", "target"] == 12
    with pytest.raises(ExportPlanError, match="needs its KPI"):
        with store.transaction() as conn:
            repo.upsert_goals(conn, [{"key": "new-one", "title": "no kpi"}], at="x", user="y")


# ---- charts ------------------------------------------------------------------------------------

def opened(path) -> tuple[int, int]:
    from PIL import Image

    with Image.open(path) as image:
        image.load()
        return image.size


def test_funnel_chart_is_drawn_with_counts_and_shares(frames, tmp_path):
    counts = pm.stage_counts(frames["companies"])
    written = funnel_chart(counts, tmp_path / "funnel", meta={"sample_data": True}, exporting=EXPORTING_STAGES)
    assert [p.suffix for p in written] == [".png", ".svg"] and all(p.stat().st_size for p in written)
    assert opened(written[0])[0] > 500
    svg = written[1].read_text(encoding="utf-8")
    assert "2 (40%)" in svg and "SAMPLE DATA" in svg and "not ready" in svg
    again = funnel_chart(counts, tmp_path / "again", meta={"sample_data": True}, exporting=EXPORTING_STAGES)
    assert [p.read_bytes() for p in again] == [p.read_bytes() for p in written]


def test_funnel_chart_hides_small_counts_and_the_total(frames, tmp_path):
    counts = pm.stage_counts(frames["companies"]).table  # active 2, expanding 1, new-to-export 1, export-ready 1
    svg = funnel_chart(counts, tmp_path / "public", suppress_below=3, formats=("svg",))[0].read_text("utf-8")
    assert "&lt;3" in svg and "%" not in svg.split("Stages with fewer")[0].split("</metadata>")[-1]
    assert "5 companies" not in svg


def test_progress_chart_shows_targets_and_goals_without_one(frames, tmp_path):
    table = pg.progress([goal("on", 1, 5, 2025), goal("none", 1, title="Exporters <b>"), goal("met", 0, 2, 2025)],
                        frames, "2025-07-02")
    written = progress_chart(table, tmp_path / "progress")
    assert opened(written[0])[1] > 300
    svg = written[1].read_text(encoding="utf-8")
    assert "no target yet" in svg and "Target 5 by 2025" in svg and "on track: 50% of the way" in svg
    assert "Exporters &lt;b&gt;" in svg and ">met<" in svg and "150%" not in svg


def test_charts_with_nothing_to_draw_write_nothing(tmp_path):
    empty = pm.stage_counts(frame("company_id stage", []))
    with pytest.raises(ChartNotDrawn, match="no company"):
        funnel_chart(empty, tmp_path / "funnel")
    with pytest.raises(ChartNotDrawn, match="no goals"):
        progress_chart(pd.DataFrame(columns=list(pg.PROGRESS_COLUMNS)), tmp_path / "progress")
    assert not list(tmp_path.iterdir())
