"""The workspace: one region's settings, data and analyses behind one API.

The CLI and (later) the web app are thin layers over this class, so that
anything a user can do in one they can script in Python::

    from exportplan import Workspace
    ws = Workspace.open("sample-workspace")
    ws.industries(level=3).head()          # short for ws.industry.industries(level=3)

A :class:`Workspace` is a thin front over a :class:`~exportplan.ws.context.Context`
(store, settings, region, acting user, clock) with one service per domain:

========================  ==========================================================
``ws.regional``           QCEW imports and downloads, loaded years, growth window, region centre
``ws.definitions``        cluster crosswalks, peer sets, NAICS titles
``ws.tables``             the user's own tables (targets, FDI, assets, survey, ...)
``ws.citations``          provenance and the sources every table cites
``ws.industry``           industry, shift-share and cluster tables
``ws.sectors``            the target-sector ranking
``ws.markets``            country data and the target-market ranking
``ws.pipeline``           companies, contacts, interactions, needs, referrals, outcomes, stages
``ws.prospects``          the business list, export intensity, prospect scores, outreach list
========================  ==========================================================

The short names (``ws.industries()``, ``ws.rank_sectors()`` ...) are aliases
of the services' methods. :meth:`Workspace.for_request` gives a web worker its
own context and services over the same database.

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
from typing import Any, Callable, Sequence


from . import config as cfg
from .errors import ExportPlanError
from .store import provenance
from .store.db import Store, now_utc
from .ws.accounts import Accounts
from .ws.base import QCEW_COLUMNS, ImportReport, check_fips  # noqa: F401
from .ws.citations import Citations
from .ws.company_plans import CompanyPlans
from .ws.competitions import Competitions
from .ws.context import Context
from .ws.definitions import Definitions
from .ws.export_profile import ExportProfile
from .ws.industry import IndustryTables
from .ws.initiatives import Initiatives
from .ws.markets import Markets
from .ws.pipeline import Pipeline
from .ws.plan import PlanService
from .ws.programs import Programs
from .ws.prospects import Prospects
from .ws.regional import RegionalData
from .ws.sectors import Sectors
from .ws.survey import Survey
from .ws.tables import UserTables

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


class _Alias:
    """``ws.name`` is ``ws.<service>.<method>`` (same signature and docstring)."""

    def __init__(self, service: str, method: str | None = None):
        self.service, self.method = service, method

    def __set_name__(self, owner, name: str) -> None:
        self.method = self.method or name

    def __get__(self, ws, owner=None):
        if ws is None:
            return self
        return getattr(getattr(ws, self.service), self.method)


#: service attribute -> its class; a new domain adds its service here.
SERVICES = {"regional": RegionalData, "definitions": Definitions, "tables": UserTables, "citations": Citations,
            "industry": IndustryTables, "sectors": Sectors, "markets": Markets, "pipeline": Pipeline,
            "prospects": Prospects, "programs": Programs, "plan": PlanService,
            "export_profile": ExportProfile, "initiatives": Initiatives, "competitions": Competitions,
            "company_plans": CompanyPlans, "accounts": Accounts, "survey": Survey}


class Workspace:
    """A region's export-plan workspace: config file + database, and one service per domain.

    ``notes`` holds what the user should know after :meth:`init` or
    :meth:`open` (e.g. a password left out of the saved URL).
    """

    regional: RegionalData
    definitions: Definitions
    tables: UserTables
    citations: Citations
    industry: IndustryTables
    sectors: Sectors
    markets: Markets
    pipeline: Pipeline
    prospects: Prospects
    programs: Programs
    plan: PlanService
    export_profile: ExportProfile
    initiatives: Initiatives
    competitions: Competitions
    company_plans: CompanyPlans
    accounts: Accounts
    survey: Survey

    def __init__(self, path: Path, config: dict[str, Any], store: Store, notes: Sequence[str] = (), *,
                 user: str = "", clock: Callable[[], str] = now_utc):
        self._attach(Context(Path(path), config, store, user=user, clock=clock))
        self.notes = list(notes)

    def _attach(self, context: Context) -> None:
        self.context = context
        for attr, service in SERVICES.items():
            setattr(self, attr, service(self))

    def for_request(self, *, user: str | None = None, clock: Callable[[], str] | None = None) -> "Workspace":
        """The same workspace for one request (a web worker's unit of work): its own copy of the settings,
        its own services, the acting ``user``; the database connection pool is shared."""
        other = object.__new__(type(self))
        other._attach(self.context.for_request(user=user, clock=clock))
        other.notes = []
        return other

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
            fips = check_fips(counties or [])
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
            if not attach:
                ws.programs.ensure_catalogue()  # the shipped federal program catalogue
        except BaseException:
            _remove_partial(path, existed, before)
            raise
        if not centre:
            ws.notes.append(ws.centre_message())
        return ws

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

    # ---- the context ----------------------------------------------------------------------
    @property
    def path(self) -> Path:
        return self.context.path

    @property
    def store(self) -> Store:
        return self.context.store

    @property
    def config(self) -> dict[str, Any]:
        return self.context.config

    @config.setter
    def config(self, value: dict[str, Any]) -> None:
        self.context.config = value

    def __enter__(self) -> "Workspace":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def save_config(self) -> None:
        self.context.save_config()

    def reload_config_if_changed(self) -> bool:
        """Read the settings file again when it changed since this workspace last read it (True when it did).

        A web server keeps one open workspace and gives each request a copy of its settings; a request
        that saves settings writes the file, and the server's workspace (in every worker process) calls
        this before each request, so the next requests start from the saved settings. One ``stat`` a call.
        """
        path = self.path / cfg.CONFIG_FILE
        try:
            found = path.stat()
        except OSError:
            return False
        stamp = (found.st_mtime_ns, found.st_size)
        seen = self.__dict__.get("_config_stamp")
        self.__dict__["_config_stamp"] = stamp
        if seen is None or seen == stamp:
            return False
        self.context.config = cfg.load(self.path)
        return True

    # ---- settings shortcuts ---------------------------------------------------
    @property
    def name(self) -> str:
        return self.context.name

    @property
    def counties(self) -> list[str]:
        return self.context.counties

    @property
    def reference_area(self) -> str:
        return self.context.reference_area

    @property
    def is_sample(self) -> bool:
        return self.context.is_sample

    @property
    def cache_dir(self) -> Path:
        return self.context.cache_dir

    def setting(self, name: str):
        return self.context.setting(name)


#: The short names of the services' methods (the documented Python API): ``ws.industries`` is
#: ``ws.industry.industries``, with its signature and docstring.
ALIASES = {
    "regional": ("import_qcew", "fetch_qcew", "qcew_frame", "years", "analysis_window", "region_kind", "region_year",
                 "region_point", "centre_message"),
    "definitions": ("import_clusters", "crosswalk", "import_peers", "peers", "peer_set_info", "peer_flag_args",
                    "peer_notes", "import_titles", "titles"),
    "tables": ("table_kinds", "import_table", "user_table"),
    "citations": ("provenance",),
    "industry": ("industries", "shift_share", "clusters", "bubble_chart"),
    "sectors": ("sector_weights", "set_sector_weights", "rank_sectors"),
    "markets": ("import_countries", "import_exports", "import_partnerships", "fetch_countries", "fetch_exports",
                "market_data", "sector", "priority_sectors", "rank_markets", "markets_by_sector"),
}
for _service, _names in ALIASES.items():
    for _name in _names:
        setattr(Workspace, _name, _Alias(_service, _name))


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
    notes = set(provenance.records(store)["note"].astype(str))
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
