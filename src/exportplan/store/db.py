"""Open a workspace database (SQLite file by default, PostgreSQL by URL) and migrate it.

Opening always upgrades the schema to the newest migration, inside one
transaction, so a workspace made by an older release keeps its data. On
SQLite the driver's own transaction handling is switched off and the store
emits ``BEGIN`` itself, so that schema changes (DDL) are transactional too.

The database also records which workspace owns it (table ``workspace_info``,
see :meth:`Store.workspace_info`), and provenance rows that no data refers
to any more are removed at the end of every write that added provenance
(:meth:`Store.prune_provenance`).
"""
from __future__ import annotations

import datetime as _dt
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Iterable, Iterator

import pandas as pd
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import (Connection, Engine, and_, create_engine, delete, event, func, inspect, select, text,
                        union, update)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DatabaseError, OperationalError, ProgrammingError

from ..errors import ExportPlanError
from . import schema

_CHUNK = 5_000
SUPPORTED = ("sqlite", "postgresql")
# Provenance kinds whose data carries no provenance_id (titles): nothing refers to
# them, so pruning keeps the newest record of each source file instead.
UNREFERENCED_KINDS = ("titles",)
_ADDED = "exportplan_provenance_added"  # Connection.info flag set by add_provenance


def _alembic_config(connection: Connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("exportplan.store") / "migrations"))
    cfg.attributes["connection"] = connection
    return cfg


def head_revision() -> str:
    """The newest schema revision this release knows."""
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("exportplan.store") / "migrations"))
    return ScriptDirectory.from_config(cfg).get_current_head()


def normalize_url(url: str) -> str:
    """Accept postgres:// and postgresql:// URLs and use the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def sqlite_url(path: Path) -> str:
    return f"sqlite:///{Path(path).resolve()}"


class Store:
    """The workspace's database: one engine, migrations, and small typed helpers."""

    def __init__(self, url: str, *, migrate: bool = True, target: str = "head"):
        self.url = normalize_url(url)
        self._tables: set[str] | None = None  # table names, read once for prune_provenance
        _check_backend(self.url)
        try:
            self.engine: Engine = create_engine(self.url, future=True)
        except ImportError as exc:  # the driver is not installed
            raise ExportPlanError(
                f"Cannot use the database URL {self._safe_url()}: the PostgreSQL driver (psycopg) is not "
                "installed. Install it with: pip install 'exportplan[postgres]' (in a clone: pip install -e "
                "'.[postgres]', as ./dev does), then run the command again."
            ) from exc
        except Exception as exc:  # bad URL text
            raise ExportPlanError(
                f"Cannot use the database URL {self._safe_url()}: {exc}. "
                "Give a URL like postgresql://user@host:5432/dbname, or leave it out to use "
                "the workspace's own SQLite file."
            ) from exc
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(self.engine, "begin", _sqlite_begin)
        if migrate:
            self.upgrade(target)

    def _safe_url(self) -> str:
        from sqlalchemy.engine import make_url

        try:  # make_url: no driver needed to show the URL
            return make_url(self.url).render_as_string(hide_password=True)
        except Exception:  # noqa: BLE001 - only for a message
            return "(unparseable URL)"

    @property
    def display_url(self) -> str:
        """The database for messages: the SQLite file, or the URL without its password."""
        if self.engine.dialect.name == "sqlite":
            return str(self.engine.url.database)
        return self._safe_url()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def upgrade(self, target: str = "head") -> None:
        """Migrate the schema to `target` (default: the newest), in one transaction.

        Raises :class:`ExportPlanError` when the server cannot be reached, the
        SQLite file is not a database, or the schema is newer than this release.
        """
        self._tables = None
        try:
            with self.engine.connect() as conn, _foreign_keys_off(conn), conn.begin():
                command.upgrade(_alembic_config(conn), target)
                _check_foreign_keys(conn)
        except OperationalError as exc:
            self.engine.dispose()
            if self.dialect == "sqlite":
                raise ExportPlanError(
                    f"Cannot open the database file {self.engine.url.database}: {exc.orig}. "
                    "Check that the folder exists and that you may write to it."
                ) from exc
            raise ExportPlanError(
                f"Cannot open the database {self._safe_url()}: {exc.orig}. "
                "Check that the server runs and the database exists (createdb NAME)."
            ) from exc
        except DatabaseError as exc:  # e.g. SQLite: "file is not a database"
            self.engine.dispose()
            where = self.engine.url.database if self.dialect == "sqlite" else self._safe_url()
            raise ExportPlanError(
                f"{where} is not a valid exportplan database ({exc.orig}). Restore it from a backup, or "
                "move it away and start a new workspace with 'exportplan init'."
            ) from exc
        except CommandError as exc:  # a revision this release does not know
            found = self._stored_revision()
            self.engine.dispose()
            if found is not None and not _known_revision(found):
                raise ExportPlanError(
                    f"This workspace was made by a newer exportplan (schema {found}); upgrade exportplan "
                    "(pip install --upgrade exportplan) to open it."
                ) from exc
            raise ExportPlanError(f"Cannot migrate the database {self._safe_url()}: {exc}.") from exc

    def _stored_revision(self) -> str | None:
        """The revision recorded in the database, or None when it cannot be read."""
        try:
            return self.revision()
        except Exception:  # noqa: BLE001 - only for a message
            return None

    def revision(self) -> str | None:
        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    @contextmanager
    def transaction(self, *, changes_data: bool = True) -> Iterator[Connection]:
        """All-or-nothing: everything inside commits together or not at all.

        When the block added provenance (an import), records that no row
        refers to any more (replaced by the import) are removed before commit.
        Its last statement raises the data's change counter
        (:func:`exportplan.store.data_version.data_version`), last so that the
        counter's row is locked only for the moment before the commit; pass
        ``changes_data=False`` for bookkeeping that no page or ranking shows
        (sessions, rate-limit counters), so that it does not empty the caches.
        """
        with self.engine.begin() as conn:
            conn.info.pop(_ADDED, None)
            yield conn
            if conn.info.pop(_ADDED, False):
                self.prune_provenance(conn)
            if changes_data and "data_changes" in self._table_names(conn):  # an older revision lacks it
                counter = schema.data_changes.c.counter
                conn.execute(update(schema.data_changes).where(schema.data_changes.c.id == 1).values(counter=counter + 1))

    def _table_names(self, conn: Connection) -> set[str]:
        """The database's tables, read once (a store kept at an older revision lacks some)."""
        if self._tables is None:
            self._tables = set(inspect(conn).get_table_names())
        return self._tables

    def insert(self, conn: Connection, table, rows: Iterable[dict]) -> int:
        rows = list(rows)
        for start in range(0, len(rows), _CHUNK):
            conn.execute(table.insert(), rows[start:start + _CHUNK])
        return len(rows)

    def add_provenance(self, conn: Connection, **fields) -> int:
        """Record where rows come from; the transaction prunes unreferenced records at its end.

        An import that names its file (``source``) and a row count of 0 is
        refused here ("no values found in FILE"), so that every import kind
        fails the same way on a file with a header and no data.
        """
        if "rows" in fields and not int(fields["rows"] or 0) and fields.get("source"):
            name = Path(str(fields["source"])).name
            raise ExportPlanError(f"no values found in {name}: it has no data rows, so nothing was imported. Check "
                                  "that it is the right file and that the values are below the header row.")
        record = {
            "publisher": "", "dataset": "", "vintage": "", "source": "", "url": "",
            "retrieved_at": "", "sha256": "", "rows": 0, "layout": "", "note": "",
            "imported_at": now_utc(),
        }
        record.update({k: ("" if v is None else v) for k, v in fields.items()})
        record["rows"] = int(record["rows"] or 0)
        result = conn.execute(schema.provenance.insert().values(**record))
        conn.info[_ADDED] = True
        return int(result.inserted_primary_key[0])

    def prune_provenance(self, conn: Connection) -> int:
        """Delete provenance records that no stored row refers to any more; returns how many.

        Every table with a ``provenance_id`` column (and the crosswalks) counts
        as a reference. Kinds whose rows carry no provenance id
        (:data:`UNREFERENCED_KINDS`) keep the newest record per source file.
        """
        prov = schema.provenance
        tables = self._table_names(conn)
        # NOT IN over a list holding a NULL is never true: leave out the rows without a record.
        used = union(*[select(tb.c.provenance_id).where(tb.c.provenance_id.is_not(None))
                       for tb in schema.metadata.sorted_tables
                       if "provenance_id" in tb.c and tb.name in tables])
        unused = delete(prov).where(prov.c.kind.not_in(UNREFERENCED_KINDS), prov.c.id.not_in(used))
        removed = conn.execute(unused).rowcount or 0
        newest = select(func.max(prov.c.id)).where(prov.c.kind.in_(UNREFERENCED_KINDS)).group_by(
            prov.c.kind, prov.c.source)
        stale = delete(prov).where(and_(prov.c.kind.in_(UNREFERENCED_KINDS), prov.c.id.not_in(newest)))
        return removed + (conn.execute(stale).rowcount or 0)

    # ---- which workspace owns the database ----------------------------------------
    def workspace_info(self) -> dict | None:
        """The owning workspace (id, name, sample, created), or None when no workspace claimed it."""
        with self.engine.connect() as conn:
            row = conn.execute(select(schema.workspace_info)).mappings().first()
        return dict(row) if row else None

    def claim(self, *, id: str, name: str, sample: bool, created: str) -> None:
        """Record the workspace that owns this database (refused when one already does)."""
        with self.transaction() as conn:
            if conn.execute(select(func.count()).select_from(schema.workspace_info)).scalar_one():
                raise ExportPlanError("This database already belongs to a workspace.")
            conn.execute(schema.workspace_info.insert().values(id=id, name=name, sample=bool(sample),
                                                               created=created))

    def release(self, workspace_id: str) -> None:
        """Forget the owner `workspace_id` (undoes :meth:`claim` when creating a workspace fails)."""
        with self.transaction() as conn:
            conn.execute(delete(schema.workspace_info).where(schema.workspace_info.c.id == workspace_id))

    def clear_sample(self) -> bool:
        """Empty a database that holds the SAMPLE workspace (for ``demo --force``); never a real one.

        Returns True when something was cleared.
        """
        info = self.workspace_info()
        if not info or not info.get("sample"):
            return False
        with self.transaction() as conn:  # the change counter's row stays (this transaction raises it)
            for table in reversed(schema.metadata.sorted_tables):
                if table is not schema.data_changes:
                    conn.execute(delete(table))
        return True

    def has_data(self) -> bool:
        """True when any table of the workspace holds rows (a database used by an older release)."""
        bookkeeping = (schema.workspace_info, schema.data_changes)  # rows every new database has
        tables = [tb for tb in schema.metadata.sorted_tables if tb not in bookkeeping]
        with self.engine.connect() as conn:
            return any(conn.execute(select(tb).limit(1)).first() is not None for tb in tables)

    def frame(self, query, params: dict | None = None) -> pd.DataFrame:
        """Run a select (SQLAlchemy construct or SQL text) and return a pandas frame."""
        if isinstance(query, str):
            query = text(query)
        with self.engine.connect() as conn:
            result = conn.execute(query, params or {})
            return pd.DataFrame(result.fetchall(), columns=list(result.keys()))

    def table(self, table, **where) -> pd.DataFrame:
        query = select(table)
        for key, value in where.items():
            query = query.where(table.c[key] == value)
        return self.frame(query)

    def count(self, table) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(table)).scalar_one())

    def dispose(self) -> None:
        self.engine.dispose()


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    # The sqlite3 module would commit before DDL and begin only before DML; turn
    # that off and emit BEGIN ourselves (_sqlite_begin) so migrations are atomic.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.close()


def _sqlite_begin(conn: Connection) -> None:
    conn.exec_driver_sql("BEGIN")


@contextmanager
def _foreign_keys_off(conn: Connection) -> Iterator[None]:
    """On SQLite, no foreign-key enforcement while migrating (checked before commit instead).

    Batch migrations rebuild a SQLite table (copy, drop, rename); dropping a
    table that others point at fails while enforcement is on, and the pragma
    can only change outside a transaction, so it is set on the raw connection.
    """
    if conn.dialect.name != "sqlite":
        yield
        return
    raw = conn.connection.dbapi_connection
    raw.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        raw.execute("PRAGMA foreign_keys=ON")


def _check_foreign_keys(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise ExportPlanError(f"The migration would leave {len(broken)} broken reference(s) "
                                  f"(e.g. table {broken[0][0]}); nothing was changed.")


def _check_backend(url: str) -> None:
    try:
        backend = make_url(url).get_backend_name()
    except ArgumentError as exc:
        raise ExportPlanError(f"{url!r} is not a database URL: give one like postgresql://user@host:5432/dbname, "
                              "or leave it out to use the workspace's own SQLite file.") from exc
    if backend not in SUPPORTED:
        raise ExportPlanError(f"{backend} databases are not supported: exportplan works with SQLite (the default) "
                              "and PostgreSQL (postgresql://user@host:5432/dbname).")


def _known_revision(revision: str) -> bool:
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("exportplan.store") / "migrations"))
    try:
        return ScriptDirectory.from_config(cfg).get_revision(revision) is not None
    except CommandError:
        return False



# ---- reading rows (the repositories' shared helpers) ------------------------------------------------
def read_rows(source: "Store | Connection", query) -> list[dict]:
    """A query's rows as dicts, on the store (its own connection) or on the caller's connection."""
    if isinstance(source, Store):
        with source.engine.connect() as conn:
            return [dict(r) for r in conn.execute(query).mappings().all()]
    return [dict(r) for r in source.execute(query).mappings().all()]


def read_one(source: "Store | Connection", query) -> dict | None:
    """A query's first row as a dict (None when there is none), on the store or the caller's connection."""
    if isinstance(source, Store):
        with source.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
    else:
        row = source.execute(query).mappings().first()
    return dict(row) if row else None


def read_frame(source: "Store | Connection", query, columns: Iterable[str]) -> pd.DataFrame:
    """A query's rows as a frame with these columns (in this order, also when there are no rows)."""
    return pd.DataFrame(read_rows(source, query), columns=list(columns))


def now_utc() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


__all__ = ["Store", "head_revision", "normalize_url", "sqlite_url", "now_utc", "ProgrammingError"]
