"""The store: migrations and all-or-nothing writes, on SQLite and on PostgreSQL."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from exportplan.errors import ExportPlanError
from exportplan.store import schema as t
from exportplan.store.db import Store, head_revision, sqlite_url


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return sqlite_url(tmp_path / "ws.db")
    return request.getfixturevalue("pg_url")


def _qcew_row(prov_id, **over):
    row = dict(area_fips="39049", own_code="5", industry_code="3254", size_code="0", year=2020, qtr="A",
               agglvl_code="74", disclosure_code="", estabs=12, emplvl=1500.0, total_wages=9.0e7,
               avg_annual_pay=60000.0, bls_lq_emplvl=1.25, provenance_id=prov_id)
    row.update(over)
    return row


def test_fresh_database_is_at_head(db_url):
    store = Store(db_url)
    assert store.revision() == head_revision()
    assert store.count(t.qcew) == 0
    store.dispose()


def test_older_workspace_upgrades_without_losing_data(db_url):
    old = Store(db_url, target="0001")  # what release 0.1 created
    assert old.revision() == "0001"
    with old.transaction() as conn:
        pid = old.add_provenance(conn, kind="qcew", publisher="BLS", dataset="QCEW", rows=2)
        old.insert(conn, t.qcew, [_qcew_row(pid), _qcew_row(pid, industry_code="3361", disclosure_code="N",
                                                            emplvl=None, total_wages=None, bls_lq_emplvl=None)])
    old.dispose()

    new = Store(db_url)  # opening with this release migrates to head
    assert new.revision() == head_revision() != "0001"
    rows = new.frame(select(t.qcew).order_by(t.qcew.c.industry_code))
    assert list(rows["industry_code"]) == ["3254", "3361"]
    assert rows["emplvl"].isna().tolist() == [False, True]  # a withheld cell stays missing
    assert new.count(t.targets) == 0  # tables of the newer release exist
    new.dispose()


def test_transaction_is_all_or_nothing(db_url):
    store = Store(db_url)
    with store.transaction() as conn:
        pid = store.add_provenance(conn, kind="qcew")
    with pytest.raises(Exception):
        with store.transaction() as conn:
            store.insert(conn, t.qcew, [_qcew_row(pid)])
            store.insert(conn, t.qcew, [_qcew_row(pid)])  # duplicate key: the whole write rolls back
    assert store.count(t.qcew) == 0
    store.dispose()


def test_codes_keep_leading_zeros(db_url):
    store = Store(db_url)
    with store.transaction() as conn:
        pid = store.add_provenance(conn, kind="qcew")
        store.insert(conn, t.qcew, [_qcew_row(pid, area_fips="01001", industry_code="0111")])
    got = store.frame(select(t.qcew.c.area_fips, t.qcew.c.industry_code))
    assert got.iloc[0].tolist() == ["01001", "0111"]
    store.dispose()


def test_unreachable_database_says_what_to_do():
    with pytest.raises(ExportPlanError, match="Check that the server runs"):
        Store("postgresql://nobody@127.0.0.1:1/none")
