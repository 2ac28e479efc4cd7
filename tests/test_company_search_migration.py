"""Migration 0008 on PostgreSQL: the trigram indexes of the company name search, and a server where the
pg_trgm extension cannot be created (the migration still completes, without them)."""
from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, make_url, text

from exportplan.store.db import Store, head_revision

pytestmark = pytest.mark.postgres

INDEXES = {"trgm_companies_name", "trgm_companies_name_key"}


def _indexes(store: Store) -> set[str]:
    with store.engine.connect() as conn:
        return set(conn.execute(text("SELECT indexname FROM pg_indexes WHERE tablename = 'companies'")).scalars())


def test_the_name_search_gets_its_trigram_indexes(pg_url):
    store = Store(pg_url)
    try:
        assert store.revision() == head_revision()
        assert INDEXES <= _indexes(store)
    finally:
        store.dispose()


def test_without_the_right_to_create_the_extension_the_migration_still_completes(pg_url):
    """A user who may create tables but not extensions in the database (no CREATE on it): every table is made,
    the trigram indexes are left out, and the search still works (reading the whole table)."""
    admin_url = pg_url
    database = admin_url.rsplit("/", 1)[1]
    role = f"exportplan_noext_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE ROLE "{role}" LOGIN'))
        conn.execute(text(f'REVOKE CREATE ON DATABASE "{database}" FROM PUBLIC'))
        conn.execute(text(f'GRANT CONNECT ON DATABASE "{database}" TO "{role}"'))
        conn.execute(text(f'GRANT ALL ON SCHEMA public TO "{role}"'))
    user_url = make_url(admin_url).set(username=role, password=None).render_as_string(hide_password=False)
    store = None
    try:
        store = Store(user_url)
        assert store.revision() == head_revision()
        assert not INDEXES & _indexes(store)
        with store.engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM pg_extension WHERE extname = 'pg_trgm'")).scalar() == 0
    finally:
        if store is not None:
            store.dispose()
        with admin.connect() as conn:
            conn.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}' "
                              f"AND usename = '{role}'"))
            conn.execute(text(f'REASSIGN OWNED BY "{role}" TO CURRENT_USER'))
            conn.execute(text(f'DROP OWNED BY "{role}"'))
        admin.dispose()
        admin_root = create_engine(admin_url.rsplit("/", 1)[0] + "/postgres", isolation_level="AUTOCOMMIT")
        with admin_root.connect() as conn:
            conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        admin_root.dispose()
