"""Shared fixtures.

Tests that need ../shared/data, the PostgreSQL server or chromium skip when
those are missing on a developer's machine, and FAIL when CI=true, so that a
green CI run proves they ran.

Hypothesis (property tests) runs under one of two settings profiles,
registered here:

* ``ci`` (loaded when CI=true): ``derandomize=True``, so every CI run draws
  the same examples (from a seed derived from each test) and a green run
  cannot turn red without a code change; and ``database=None``.
* ``dev`` (everywhere else): random examples, so local runs keep exploring;
  also ``database=None``.

``database=None`` in both: hypothesis then keeps no example database
(``.hypothesis/``), so a failure found once is not replayed on every later
run. That makes the runs independent of each other: a failing example is
printed with the failure (copy it into an ``@example`` to keep it), and a
flaky property is fixed in the code, not hidden or amplified by a local
cache. ``HYPOTHESIS_PROFILE=ci`` forces the CI profile locally.
"""
from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from hypothesis import settings
from replay import replay_server  # noqa: F401  (the local publisher-replay server fixture, for every test)

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")

settings.register_profile("ci", derandomize=True, database=None)
settings.register_profile("dev", database=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if IN_CI else "dev"))


def need(condition: bool, why: str) -> None:
    """Skip locally, fail in CI, when a test's outside requirement is missing."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI=true and {why}")
    pytest.skip(why)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    need(SHARED_DATA.is_dir(), f"the real test data folder {SHARED_DATA} is missing")
    return SHARED_DATA


def _pg_admin_url() -> str:
    return os.environ.get("EXPORTPLAN_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@pytest.fixture
def pg_url():
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    try:
        import psycopg  # noqa: F401
        from sqlalchemy import create_engine, text
    except ImportError as exc:  # pragma: no cover
        need(False, f"psycopg is not installed ({exc})")
    admin = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
    name = f"exportplan_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any failure means no server
        admin.dispose()
        need(False, f"PostgreSQL is not reachable at {_pg_admin_url()} ({exc.__class__.__name__})")
    url = _pg_admin_url().rsplit("/", 1)[0] + f"/{name}"
    yield url
    with admin.connect() as conn:
        conn.execute(text(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"))
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
    admin.dispose()
