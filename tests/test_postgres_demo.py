"""The whole sample workspace on PostgreSQL gives the same analysis as on SQLite."""
from __future__ import annotations

import pandas as pd

from exportplan import build_demo


def test_demo_on_postgres_matches_sqlite(tmp_path, pg_url):
    on_pg = build_demo(tmp_path / "pg", database_url=pg_url)
    on_sqlite = build_demo(tmp_path / "lite")
    try:
        assert on_pg.store.dialect == "postgresql" and on_sqlite.store.dialect == "sqlite"
        for a, b in ((on_pg.industries(level=3), on_sqlite.industries(level=3)),
                     (on_pg.clusters(), on_sqlite.clusters())):
            cols = [c for c in ("naics", "cluster_code", "employment", "lq", "growth", "withheld") if c in a.columns]
            pd.testing.assert_frame_equal(a[cols].reset_index(drop=True), b[cols].reset_index(drop=True))
        sp = on_pg.rank_sectors(draws=500).table
        ss = on_sqlite.rank_sectors(draws=500).table
        assert list(sp["code"]) == list(ss["code"])
        assert (sp["score"] - ss["score"]).abs().max() < 1e-12
        mp = on_pg.rank_markets(draws=500).table
        ms = on_sqlite.rank_markets(draws=500).table
        assert list(mp["iso3"]) == list(ms["iso3"])
    finally:
        on_pg.close()
        on_sqlite.close()


def test_demo_force_rebuilds_the_sample_in_the_same_database(tmp_path, pg_url):
    first = build_demo(tmp_path / "one", database_url=pg_url)
    first.close()
    again = build_demo(tmp_path / "one", database_url=pg_url, force=True)
    try:
        assert again.store.workspace_info()["sample"] is True
        assert len(again.industries(level=2)) > 5
    finally:
        again.close()


def test_demo_never_clears_a_real_workspace(tmp_path, pg_url):
    import pytest

    from exportplan import ExportPlanError, Workspace

    real = Workspace.init(tmp_path / "real", name="Real Region", counties=["39049"], database_url=pg_url)
    real.close()
    with pytest.raises(ExportPlanError, match="already holds workspace"):
        build_demo(tmp_path / "demo", database_url=pg_url, force=True)
    with Workspace.open(tmp_path / "real") as again:
        assert again.name == "Real Region"
