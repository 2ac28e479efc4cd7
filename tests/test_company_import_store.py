"""Company files through the workspace (issue 9), on SQLite and on PostgreSQL.

After any failed import the store is unchanged, and records exported (XLSX with contacts, and CSV) import into
an empty workspace identically. The file-level cases and helpers are those of ``test_company_files``.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from test_company_files import CASES, read, same, workbook

from exportplan.errors import ExportPlanError, ImportFailed
from exportplan.imports.companies import canonical_frame, write_pipeline
from exportplan.imports.company_sheets import COLUMNS, SHEETS

def _second_pg_database(request) -> str:
    """Another fresh PostgreSQL database beside the test's ``pg_url`` one, dropped afterwards."""
    import uuid

    from sqlalchemy import create_engine, text

    first = request.getfixturevalue("pg_url")
    name = f"exportplan_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(first.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()

    request.addfinalizer(drop)
    return first.rsplit("/", 1)[0] + f"/{name}"


def _workspace(request, tmp_path, name: str, second: bool = False):
    from exportplan import Workspace

    url = None if request.param == "sqlite" else (
        _second_pg_database(request) if second else request.getfixturevalue("pg_url"))
    made = Workspace.init(tmp_path / name, name="Company files", counties=["39049"], database_url=url,
                          centre=[39.96, -82.99])
    request.addfinalizer(made.close)
    return made.for_request(user="staff", clock=lambda: "2026-06-30T12:00:00+00:00")


@pytest.fixture(params=["sqlite", "postgres"])
def ws(request, tmp_path):
    return _workspace(request, tmp_path, "ws")


def import_file(ws, path, **kw):
    """What ``companies import`` does: read the file against the stored keys, then store it in one transaction."""
    from exportplan.analysis.pipeline_bundle import CompanyBundle

    stored = set(ws.pipeline.companies()["company_id"])
    frames, _ = read(path, known_ids=stored, **kw)
    return ws.pipeline.store_bundle(CompanyBundle.of(**frames), {"source": Path(path).name})


def state(ws) -> dict[str, list]:
    """Every stored record, as the export sees it, and the row counts of the audit tables."""
    from exportplan.store import schema as t

    out = {name: frame.astype(object).where(frame.notna(), None).values.tolist()
           for name, frame in ws.pipeline.export_bundle(with_contacts=True).sheets().items()}
    out["counts"] = [ws.context.store.count(getattr(t, name)) for name in ("changes", "provenance", "stage_history")]
    return out


def test_after_any_failed_import_the_store_is_unchanged(ws, tmp_path):
    import_file(ws, workbook(tmp_path))
    before = state(ws)
    assert len(before["companies"]) == 2
    for case, (build, (file, row, column, problem)) in CASES.items():
        folder = tmp_path / case.replace(" ", "_")
        folder.mkdir()
        path, kw = build(folder)
        with pytest.raises(ImportFailed) as info:
            import_file(ws, path, **kw)
        assert any(problem in p.problem for p in info.value.table.problems), case
        assert state(ws) == before, case


def test_a_store_refusal_leaves_the_store_unchanged(ws, tmp_path):
    """A bundle the file checks pass but the store refuses (its child names a company deleted meanwhile)."""
    from exportplan.analysis.pipeline_bundle import CompanyBundle

    import_file(ws, workbook(tmp_path))
    before = state(ws)
    frames, _ = read(workbook(tmp_path, "interactions", ["C9", "2025-01-02", "call", "", ""], name="late.xlsx"),
                     known_ids={"C9"})
    frames["companies"].loc[frames["companies"]["company_id"] == "C1", "employees"] = 46
    with pytest.raises(ExportPlanError, match="C9"):
        ws.pipeline.store_bundle(CompanyBundle.of(**frames), {"source": "late.xlsx"})
    assert state(ws) == before


@pytest.fixture(params=["sqlite", "postgres"])
def two_ws(request, tmp_path):
    return _workspace(request, tmp_path, "one"), _workspace(request, tmp_path, "two", second=True)


def messy_pipeline() -> dict[str, pd.DataFrame]:
    """Records whose text holds quotes, commas, accents, emoji, line breaks, HTML and leading signs."""
    companies = pd.DataFrame([
        {"company_id": "=C1", "name": '=HYPERLINK("http://x.example","Acme, \"Tool\" & Die")', "naics": "332710",
         "sector": "<b>Metal</b>", "county_fips": "39049", "city": "Zoë's Town", "employees": 45,
         "revenue_usd": 1250000.25, "website": "https://acme.example/?a=1&b=2", "foreign_parent": "+Müller AG",
         "parent_country": "DEU", "stage": "active", "current_markets": "MEX;CAN", "target_markets": "JPN",
         "tags": "=aero;café", "notes": "line one, \"quoted\"\n<script>alert(1)</script> 😀\n-last"},
        {"company_id": "00042", "name": "Ñandú 日本 👩\u200d🔬 Foods", "naics": None, "sector": None,
         "county_fips": None, "city": None, "employees": None, "revenue_usd": None, "website": None,
         "foreign_parent": None, "parent_country": None, "stage": "not ready", "current_markets": None,
         "target_markets": None, "tags": None, "notes": "@mention"},
    ])
    frames = {
        "companies": companies,
        "export_sales": pd.DataFrame([["=C1", 2024, 250000.5], ["00042", 2025, 0.0]], columns=COLUMNS["export_sales"]),
        "contacts": pd.DataFrame([["=C1", None, "Ana López", "-Export manager", "ana@acme.example",
                                   "+1 614 555 0100"]], columns=COLUMNS["contacts"]),
        "interactions": pd.DataFrame([["=C1", "2025-03-04", "visit", "tour,\n\"quotes\" & <i>html</i>", "jdoe"]],
                                     columns=COLUMNS["interactions"]),
        "needs": pd.DataFrame([["00042", "compliance, standards and IP protection", None, "=1+1"]],
                              columns=COLUMNS["needs"]),
        "referrals": pd.DataFrame([["=C1", "2025-04-01", "U.S. Commercial Service", "Gold Key", "jdoe", "accepted",
                                    "+ met two buyers", "uscs-gold-key"]], columns=COLUMNS["referrals"]),
        "outcomes": pd.DataFrame([["=C1", "2025-06-01", "new market", "CAN", 120000.0, "Gold Key", "café ☕"]],
                                 columns=COLUMNS["outcomes"]),
        "stage_history": pd.DataFrame([["=C1", "2024-01-10", "export-ready", "active", "jdoe", "manual", "-"]],
                                      columns=COLUMNS["stage_history"]),
    }
    return {name: canonical_frame(name, frame) for name, frame in frames.items()}


def test_export_then_import_into_an_empty_workspace_gives_identical_records(two_ws, tmp_path):
    """Store records, export them (XLSX with contacts, and CSV), import them into an empty workspace: identical."""
    from exportplan.analysis.pipeline_bundle import CompanyBundle

    first, second = two_ws
    first.pipeline.store_bundle(CompanyBundle.of(**messy_pipeline()), {"source": "records"})
    xlsx = write_pipeline(first.pipeline.export_bundle(with_contacts=True).sheets(), tmp_path / "p.xlsx",
                          with_contacts=True)
    import_file(second, xlsx)
    one, two = state(first), state(second)
    for name in SHEETS:
        assert two[name] == one[name], name
    assert len(one["companies"]) == 2 and len(one["contacts"]) == 1
    again = import_file(second, xlsx)  # re-importing changes nothing
    assert state(second) == two, again
    csv_path = write_pipeline(first.pipeline.export_bundle().sheets(), tmp_path / "c.csv")
    back, _ = read(csv_path)
    stored = canonical_frame("companies", first.pipeline.export_bundle().companies)
    same(back["companies"], stored)
