"""The workspace: one region's settings, data and analyses behind one API.

The CLI and (later) the web app are thin layers over this class, so that
anything a user can do in one they can script in Python::

    from exportplan import Workspace
    ws = Workspace.open("sample-workspace")
    ws.industries(level=3).head()

Every import validates the whole input first and writes in one transaction:
all or nothing.

A workspace has an identity (``workspace.id`` in ``exportplan.toml``, the
same id in its database's ``workspace_info`` row): :meth:`Workspace.init`
refuses a database that already holds a workspace (unless ``attach=True``)
and :meth:`Workspace.open` refuses a database that belongs to another one, so
two folders never mix or overwrite each other's data, e.g. when
``EXPORTPLAN_DATABASE_URL`` points every folder at one PostgreSQL database.
"""
from __future__ import annotations

import os
import re
import shutil
import uuid
from pathlib import Path
from typing import Any, Sequence

import pandas as pd

from . import config as cfg
from .errors import ExportPlanError
from .store import schema as t
from .store.db import Store, now_utc
from .ws.analysis import AnalysisMixin
from .ws.base import QCEW_COLUMNS, ImportReport, _check_fips  # noqa: F401
from .ws.clusters import ClustersMixin
from .ws.markets import MarketsMixin
from .ws.qcew import QcewMixin
from .ws.sectors import SectorsMixin
from .ws.tables import TablesMixin

#: USPS codes of the states, DC and the territories (region.state).
STATE_CODES = frozenset({
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY",
    "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH",
    "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY",
    "AS", "GU", "MP", "PR", "VI"})
#: QCEW reference areas: US000 and the other U.S. aggregates, a state or county FIPS
#: (39000), an MSA (C1814) or CSA (CS198) area code, or USLQ (US shares from BLS LQs).
REFERENCE_AREA = re.compile(r"^(?:USLQ|[0-9]{5}|US000|USCMS|USMSA|USNMS|C[0-9]{4}|CS[0-9]{3})$")
_DB_FILES = (cfg.DB_FILE, cfg.DB_FILE + "-wal", cfg.DB_FILE + "-shm", cfg.CONFIG_FILE,
             cfg.CONFIG_FILE.replace(".toml", ".toml.tmp"))


class Workspace(QcewMixin, ClustersMixin, TablesMixin, AnalysisMixin, SectorsMixin, MarketsMixin):
    """A region's export-plan workspace: config file + database.

    ``notes`` holds what the user should know after :meth:`init` or
    :meth:`open` (e.g. a password left out of the saved URL).
    """

    def __init__(self, path: Path, config: dict[str, Any], store: Store, notes: Sequence[str] = ()):
        self.path = Path(path)
        self.config = config
        self.store = store
        self.notes = list(notes)

    # ---- creation and opening -------------------------------------------------
    @classmethod
    def init(
        cls,
        path: str | Path,
        *,
        name: str,
        counties: Sequence[str] | None = None,
        cbsa: str | None = None,
        delineation: str | Path | None = None,
        reference_area: str = "US000",
        database_url: str | None = None,
        organization: str = "",
        staff: float = 0,
        budget: float = 0,
        state: str = "",
        centre: Sequence[float] | None = None,
        sample_data: bool = False,
        cache_dir: str | Path | None = None,
        attach: bool = False,
    ) -> "Workspace":
        """Create a workspace for a region given by county FIPS codes or a CBSA code.

        ``database_url`` is saved in exportplan.toml, without its password
        (``notes`` then says where to give it); without it the database is
        ``$EXPORTPLAN_DATABASE_URL`` (used, never saved; ignored for
        ``sample_data``) or the folder's SQLite file. A database that already
        holds a workspace is refused, unless ``attach=True``: this folder then
        becomes another folder of that workspace (its id and sample flag).
        Nothing is left behind when creation fails.
        """
        path = Path(path)
        if (path / cfg.CONFIG_FILE).exists():
            raise ExportPlanError(f"{path} is already a workspace; open it with -w {path}.")
        if not name or not name.strip():
            raise ExportPlanError("Give the region a name with --name, e.g. --name 'Columbus Region'.")
        if bool(counties) == bool(cbsa):
            raise ExportPlanError("Give the region either as --counties FIPS[,FIPS...] or as --cbsa CODE (one of the two).")
        reference_area, state = check_reference_area(reference_area), check_state(state)
        existed = path.exists()
        before = {f for f in _DB_FILES if (path / f).exists()}
        try:
            if cbsa:
                counties = cls._cbsa_counties(str(cbsa).strip(), delineation, path, cache_dir)
            fips = _check_fips(counties or [])
            config = cfg.defaults()
            config["workspace"].update(name=name.strip(), created=now_utc(), sample_data=bool(sample_data),
                                       id=str(uuid.uuid4()))
            config["region"].update(counties=fips, cbsa=str(cbsa or ""), reference_area=reference_area,
                                    state=state, centre=list(centre or []))
            config["organization"].update(name=organization, staff=staff, budget=budget)
            notes = []
            if database_url:
                config["database"]["url"], secret = cfg.without_password(database_url)
                if secret:
                    notes.append(f"The database password is not saved in {cfg.CONFIG_FILE}: set "
                                 f"{cfg.DATABASE_URL_ENV} to the full URL, or put the password in ~/.pgpass.")
            if cache_dir:
                config["analysis"]["cache_dir"] = str(cache_dir)
            path.mkdir(parents=True, exist_ok=True)
            store = Store(database_url or cfg.database_url(path, config))
            ws = cls(path, config, cls._claim(path, config, store, attach=attach), notes)
        except BaseException:
            _remove_partial(path, existed, before)
            raise
        if not centre:
            ws.notes.append(ws.centre_message())
        return ws

    def centre_message(self) -> str:
        """Where the region sits for distances to markets (the county points it uses, or how to set it)."""
        point, note = self.region_point()
        if point is None:
            return f"The region has no centre yet: {note}."
        if self.config["region"].get("centre"):
            return f"Region centre for distances to markets: {note} ('exportplan config set region.centre \"\"' " \
                   "goes back to the counties' points)."
        later = "; employment-weighted once QCEW is loaded" if "unweighted" in note else ""
        return (f"Region centre for distances to markets: {note}{later} "
                "(or set it: exportplan config set region.centre LAT,LON).")

    @classmethod
    def _claim(cls, path: Path, config: dict, store: Store, *, attach: bool) -> Store:
        """Make `store` this new workspace's database (or adopt its owner with `attach`); save the config."""
        me = config["workspace"]
        claimed = False
        try:
            owner = store.workspace_info() or _legacy_owner(store)
            if owner and not attach:
                raise ExportPlanError(
                    f"That database already holds workspace '{owner['name']}' (id {owner['id'] or 'none'}); give an "
                    "empty database, or open that workspace's folder (or pass --attach to make this folder "
                    f"another folder of that workspace). Database: {store.display_url}.")
            if owner and owner["id"]:
                me.update(id=owner["id"], sample_data=bool(owner["sample"]))
            else:
                if owner:  # attaching a database of release 0.1: it gets its id now
                    me["sample_data"] = bool(owner["sample"])
                store.claim(id=me["id"], name=me["name"], sample=me["sample_data"], created=me["created"])
                claimed = True
            cfg.save(path, config)
        except BaseException:
            if claimed:
                store.release(me["id"])
            store.dispose()
            raise
        return store

    @staticmethod
    def _cbsa_counties(code: str, delineation, path: Path, cache_dir) -> list[str]:
        from .sources import omb

        if delineation is None:
            cache = Path(cache_dir) if cache_dir else path / ".cache"
            delineation = omb.download_delineation(cache)
        frame = omb.read_delineation(delineation)
        return omb.cbsa_counties(frame, code)

    @classmethod
    def open(cls, path: str | Path = ".") -> "Workspace":
        """Open a workspace, upgrading its database to this release's schema.

        The database must belong to this workspace (same id). A workspace of
        release 0.1 (no id yet) is given one, in the database and the config.
        """
        path = Path(path)
        config = cfg.load(path)
        url = cfg.database_url(path, config)
        _check_database_file(path, config, url)
        store = Store(url)
        try:
            notes = _check_owner(path, config, store)
        except BaseException:
            store.dispose()
            raise
        return cls(path, config, store, notes)

    def close(self) -> None:
        self.store.dispose()

    def __enter__(self) -> "Workspace":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def save_config(self) -> None:
        cfg.save(self.path, self.config)

    # ---- settings shortcuts ---------------------------------------------------
    @property
    def name(self) -> str:
        return self.config["workspace"]["name"]

    @property
    def counties(self) -> list[str]:
        return list(self.config["region"]["counties"])

    @property
    def reference_area(self) -> str:
        return self.config["region"]["reference_area"]

    @property
    def is_sample(self) -> bool:
        return bool(self.config["workspace"].get("sample_data"))

    @property
    def cache_dir(self) -> Path:
        configured = self.config["analysis"].get("cache_dir")
        return Path(configured) if configured else self.path / ".cache"

    def setting(self, name: str):
        section, key = name.split(".", 1)
        return self.config.get(section, {}).get(key)

    def provenance(self, kind: str | None = None) -> pd.DataFrame:
        """Every file or download the workspace holds data from, with its vintage and checksum."""
        return self.store.table(t.provenance, **({"kind": kind} if kind else {}))


# ---- checks of the settings and of the database's owner ---------------------------
def check_reference_area(code: str) -> str:
    """A valid QCEW reference area (upper-cased), else an error saying which forms are accepted."""
    text = str(code or "").strip().upper()
    if not REFERENCE_AREA.match(text):
        raise ExportPlanError(
            f"Reference area {code!r} is not a QCEW area: give US000 (the U.S., default), USLQ (U.S. shares "
            "from the counties' published BLS LQs), a 5-digit state or county FIPS code (39000), or an MSA "
            "code like C1814.")
    return text


def check_state(code: str) -> str:
    """'' or a two-letter USPS state/territory code (upper-cased)."""
    text = str(code or "").strip().upper()
    if text and text not in STATE_CODES:
        raise ExportPlanError(f"State {code!r} is not a two-letter U.S. state code; give the USPS code, e.g. OH "
                              "for Ohio (or leave --state out).")
    return text


def _legacy_owner(store: Store) -> dict | None:
    """A database with data but no workspace record was made by release 0.1: its owner is unknown."""
    if not store.has_data():
        return None
    notes = set(store.table(t.provenance)["note"].astype(str))
    return {"id": "", "name": "(made by exportplan 0.1)", "sample": "SAMPLE DATA" in notes}


def _check_owner(path: Path, config: dict, store: Store) -> list[str]:
    """Refuse another workspace's database; adopt a database of release 0.1 (or a new, empty one)."""
    me = config["workspace"]
    owner = store.workspace_info()
    if owner is None:
        if me.get("id") and store.has_data():
            raise ExportPlanError(
                f"The database {store.display_url} holds data of another workspace (made by exportplan 0.1), "
                f"not of '{me['name']}' (id {me['id']}) in {path}. {_url_hint(config)}")
        fresh = not me.get("id")
        me["id"] = me.get("id") or str(uuid.uuid4())
        store.claim(id=me["id"], name=me["name"], sample=bool(me.get("sample_data")),
                    created=me.get("created") or now_utc())
        if fresh:  # release 0.1 wrote no id
            cfg.save(path, config)
            return [f"Gave this workspace the id {me['id']} (in {cfg.CONFIG_FILE} and its database)."]
        return []
    if owner["id"] != me.get("id"):
        raise ExportPlanError(
            f"The database {store.display_url} belongs to workspace '{owner['name']}' (id {owner['id']}), not to "
            f"'{me['name']}' in {path} (id {me.get('id') or 'none'}). {_url_hint(config)}")
    if owner["sample"]:
        me["sample_data"] = True  # every output stays labelled SAMPLE DATA
    return []


def _check_database_file(path: Path, config: dict, url: str) -> None:
    """A workspace that has an id once had a database: never replace a missing SQLite file by an empty one."""
    from .store.db import sqlite_url

    if url != sqlite_url(path / cfg.DB_FILE) or (path / cfg.DB_FILE).exists() or not config["workspace"].get("id"):
        return
    raise ExportPlanError(
        f"{path} has no database file {cfg.DB_FILE}. If the workspace was made with {cfg.DATABASE_URL_ENV} set, "
        "set it again to that database's URL; if the file was moved or deleted, put it back (or start again with "
        "'exportplan init' in a new folder).")


def _url_hint(config: dict) -> str:
    if os.environ.get(cfg.DATABASE_URL_ENV) and not config["workspace"].get("sample_data"):
        return (f"The environment variable {cfg.DATABASE_URL_ENV} overrides database.url: unset it, or point it "
                "at this workspace's database.")
    return ("Point database.url at this workspace's database (exportplan config set database.url URL), or open the "
            "other workspace's folder.")


def _remove_partial(path: Path, existed: bool, before: set[str]) -> None:
    """Undo a failed init: the folder if init made it, else the files it made."""
    if not existed:
        shutil.rmtree(path, ignore_errors=True)
        return
    for name in set(_DB_FILES) - before:
        (path / name).unlink(missing_ok=True)
