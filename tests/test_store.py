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


# ---- release 0.3: identity table, text columns, errors that say what to do ----------
LONG_LAYOUT = "imf-dots-csv (Goods, Value of Exports, Free on board (FOB), US Dollars (TXG_FOB_USD))"


def test_upgrade_from_02_widens_columns_and_keeps_rows(db_url):
    old = Store(db_url, target="0002")
    with old.transaction() as conn:
        pid = old.add_provenance(conn, kind="exports", layout="short")
        old.insert(conn, t.exports, [dict(scope="region", area="REGION", iso3="MEX", naics="", year=2022,
                                          value_usd=1.0, provenance_id=pid)])
    old.dispose()
    new = Store(db_url)
    assert new.revision() == head_revision() and new.workspace_info() is None
    long_area = "Columbus-Marion-Zanesville, OH Combined Statistical Area"
    with new.transaction() as conn:  # each of these was refused by PostgreSQL before 0003
        pid2 = new.add_provenance(conn, kind="exports", layout=LONG_LAYOUT)
        new.insert(conn, t.exports, [dict(scope="region", area=long_area, iso3="MEX", naics="", year=2022,
                                          value_usd=2.0, provenance_id=pid2)])
        new.insert(conn, t.country_values, [dict(iso3="MEX", indicator="x" * 90, year=0, value=1.0, value_text="",
                                                 provenance_id=pid2)])
        new.insert(conn, t.industry_titles, [dict(naics="31-33 and more", title="t", source="")])
    exports = new.table(t.exports).sort_values("value_usd")
    assert list(exports["area"]) == ["REGION", long_area]  # the 0.2 row survived the table rebuild
    assert new.table(t.provenance, id=pid2)["layout"].iloc[0] == LONG_LAYOUT
    new.dispose()


def test_crosswalk_and_peer_codes_take_any_length(db_url):
    store = Store(db_url)
    with store.transaction() as conn:
        pid = store.add_provenance(conn, kind="crosswalk")
        conn.execute(t.crosswalks.insert().values(name="own", provenance_id=pid, sha256="0" * 64, edited=True,
                                                  active=True, note=""))
        store.insert(conn, t.crosswalk_rows, [dict(crosswalk="own", naics="336111", cluster_code="legacy-12345",
                                                   cluster_name="Legacy", type="traded-legacy", subcluster="")])
        store.insert(conn, t.peer_clusters, [dict(peer_set="p", region_code="39", cluster_code="legacy-12345",
                                                  year=2020, region_name="", region_type="", cluster_name="",
                                                  type="traded-legacy", provenance_id=pid)])
    assert store.table(t.crosswalk_rows)["cluster_code"].tolist() == ["legacy-12345"]
    store.dispose()


def test_schema_changes_are_transactional(db_url):
    from sqlalchemy import inspect, text

    store = Store(db_url)
    with pytest.raises(RuntimeError):
        with store.transaction() as conn:
            conn.execute(text("CREATE TABLE scratch (x INTEGER)"))
            raise RuntimeError("undo")
    assert "scratch" not in inspect(store.engine).get_table_names()  # the DDL rolled back too
    store.dispose()


def test_replaced_provenance_is_pruned_but_titles_keep_their_newest(db_url):
    from sqlalchemy import delete

    store = Store(db_url)
    with store.transaction() as conn:
        old = store.add_provenance(conn, kind="qcew")
        store.insert(conn, t.qcew, [_qcew_row(old)])
        store.add_provenance(conn, kind="titles", source="titles.csv")
    with store.transaction() as conn:  # a re-import: the rows now come from a new record
        new = store.add_provenance(conn, kind="qcew")
        conn.execute(delete(t.qcew))
        store.insert(conn, t.qcew, [_qcew_row(new)])
        titles = store.add_provenance(conn, kind="titles", source="titles.csv")
    prov = store.table(t.provenance).sort_values("id")
    assert list(prov["id"]) == [new, titles]
    store.dispose()


def test_database_of_a_newer_release_is_refused(db_url):
    from sqlalchemy import text

    store = Store(db_url)
    with store.transaction() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    store.dispose()
    with pytest.raises(ExportPlanError, match=r"made by a newer exportplan \(schema 0099\); upgrade exportplan"):
        Store(db_url)


def test_damaged_sqlite_file_is_named(tmp_path):
    bad = tmp_path / "exportplan.db"
    bad.write_bytes(b"this is not a database" * 100)
    with pytest.raises(ExportPlanError, match=r"exportplan.db is not a valid exportplan database"):
        Store(sqlite_url(bad))


@pytest.mark.parametrize("url", ["mysql://user@localhost/db", "oracle://user@localhost/db"])
def test_only_sqlite_and_postgres_are_supported(url):
    with pytest.raises(ExportPlanError, match="SQLite.*PostgreSQL"):
        Store(url)


def test_workspace_record_is_claimed_once(db_url):
    store = Store(db_url)
    store.claim(id="a" * 36, name="A", sample=True, created="2025-01-01T00:00:00+00:00")
    assert store.workspace_info() == {"id": "a" * 36, "name": "A", "sample": True,
                                      "created": "2025-01-01T00:00:00+00:00"}
    with pytest.raises(ExportPlanError, match="already belongs"):
        store.claim(id="b" * 36, name="B", sample=False, created="")
    store.dispose()
