"""Open a workspace database (SQLite file by default, PostgreSQL by URL) and migrate it.

Opening always upgrades the schema to the newest migration, inside one
transaction, so a workspace made by an older release keeps its data.
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
from sqlalchemy import Connection, Engine, create_engine, event, func, select, text
from sqlalchemy.exc import OperationalError, ProgrammingError

from ..errors import ExportPlanError
from . import schema

_CHUNK = 5_000


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
        try:
            self.engine: Engine = create_engine(self.url, future=True)
        except Exception as exc:  # bad URL text or missing driver
            raise ExportPlanError(
                f"Cannot use the database URL {self._safe_url()}: {exc}. "
                "Give a URL like postgresql://user@host:5432/dbname, or leave it out to use "
                "the workspace's own SQLite file."
            ) from exc
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        if migrate:
            self.upgrade(target)

    def _safe_url(self) -> str:
        try:
            return create_engine(self.url).url.render_as_string(hide_password=True)
        except Exception:  # noqa: BLE001 - only for a message
            return "(unparseable URL)"

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def upgrade(self, target: str = "head") -> None:
        """Migrate the schema to `target` (default: the newest), in one transaction."""
        try:
            with self.engine.begin() as conn:
                command.upgrade(_alembic_config(conn), target)
        except OperationalError as exc:
            self.engine.dispose()
            raise ExportPlanError(
                f"Cannot open the database {self._safe_url()}: {exc.orig}. "
                "Check that the server runs and the database exists (createdb NAME)."
            ) from exc

    def revision(self) -> str | None:
        with self.engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """All-or-nothing: everything inside commits together or not at all."""
        with self.engine.begin() as conn:
            yield conn

    def insert(self, conn: Connection, table, rows: Iterable[dict]) -> int:
        rows = list(rows)
        for start in range(0, len(rows), _CHUNK):
            conn.execute(table.insert(), rows[start:start + _CHUNK])
        return len(rows)

    def add_provenance(self, conn: Connection, **fields) -> int:
        record = {
            "publisher": "", "dataset": "", "vintage": "", "source": "", "url": "",
            "retrieved_at": "", "sha256": "", "rows": 0, "layout": "", "note": "",
            "imported_at": now_utc(),
        }
        record.update({k: ("" if v is None else v) for k, v in fields.items()})
        record["rows"] = int(record["rows"] or 0)
        result = conn.execute(schema.provenance.insert().values(**record))
        return int(result.inserted_primary_key[0])

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
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.close()


def now_utc() -> str:
    return _dt.datetime.now(_dt.timezone.utc).replace(microsecond=0).isoformat()


__all__ = ["Store", "head_revision", "normalize_url", "sqlite_url", "now_utc", "ProgrammingError"]
