"""Company name search served by an index on PostgreSQL (release 0.8).

The pipeline's name search is a substring match, ``lower(name) LIKE '%text%'``
or ``name_key LIKE '%key%'`` (see :func:`exportplan.store.pipeline.list_companies`),
which a B-tree index cannot serve. On PostgreSQL this migration adds the
``pg_trgm`` extension and two GIN trigram indexes that can:

- ``trgm_companies_name`` on ``lower(name)``;
- ``trgm_companies_name_key`` on ``name_key``.

Both keep the smallest list of pending entries (``gin_pending_list_limit``
64 kB). New rows wait in that list until it is full; the planner counts
every page of it into the cost of a search, and with the default 4 MB left
over after an import of many companies it preferred reading the whole
table (about 75 ms at 100,000 companies instead of under 1 ms). Turning the
list off (``fastupdate = off``) made that import three times slower; a
64 kB list costs little.

A server where the extension cannot be created (PostgreSQL without its
contrib modules, or a user who may not create extensions in the database)
still migrates: the attempt runs inside a SAVEPOINT, and when it fails the
savepoint is rolled back and the database goes on without these indexes
(the search then reads the whole table, as before: correct, only slower).
Running the migration again later does not retry; an administrator can
create the extension and the indexes by hand with the statements below.

The indexes are not declared in :mod:`exportplan.store.schema`: they exist on
PostgreSQL only, and only where the extension could be created. SQLite has no
such index (its name search is fast enough on a local file).

Revision ID: 0008
Revises: 0007
"""
import logging

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

log = logging.getLogger("exportplan.store")

STATEMENTS = (
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    "CREATE INDEX IF NOT EXISTS trgm_companies_name ON companies"
    " USING gin (lower(name) gin_trgm_ops) WITH (gin_pending_list_limit = 64)",
    "CREATE INDEX IF NOT EXISTS trgm_companies_name_key ON companies"
    " USING gin (name_key gin_trgm_ops) WITH (gin_pending_list_limit = 64)",
)


def upgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    savepoint = conn.begin_nested()
    try:
        for statement in STATEMENTS:
            conn.exec_driver_sql(statement)
    except sa.exc.DBAPIError as exc:
        savepoint.rollback()
        log.warning("The company name search has no trigram index: the pg_trgm extension could not be "
                    "created (%s). Searches read the whole companies table. A database administrator can "
                    "add it: %s", (str(exc.orig).strip().splitlines() or [type(exc.orig).__name__])[0],
                    "; ".join(STATEMENTS))
    else:
        savepoint.commit()


def downgrade() -> None:
    conn = op.get_bind()
    if conn.dialect.name != "postgresql":
        return
    for name in ("trgm_companies_name_key", "trgm_companies_name"):
        conn.exec_driver_sql(f"DROP INDEX IF EXISTS {name}")
