"""The workspace: one region's settings, data and analyses behind one API.

The CLI and (later) the web app are thin layers over this class, so that
anything a user can do in one they can script in Python::

    from exportplan import Workspace
    ws = Workspace.open("sample-workspace")
    ws.industries(level=3).head()

Every import validates the whole input first and writes in one transaction:
all or nothing.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import pandas as pd

from . import config as cfg
from .errors import ExportPlanError
from .store import schema as t
from .store.db import Store, now_utc

from .ws.base import QCEW_COLUMNS, ImportReport, _check_fips  # noqa: F401
from .ws.clusters import ClustersMixin
from .ws.qcew import QcewMixin
from .ws.tables import TablesMixin
from .ws.analysis import AnalysisMixin
from .ws.markets import MarketsMixin
from .ws.sectors import SectorsMixin


class Workspace(QcewMixin, ClustersMixin, TablesMixin, AnalysisMixin, SectorsMixin, MarketsMixin):
    """A region's export-plan workspace: config file + database."""

    def __init__(self, path: Path, config: dict[str, Any], store: Store):
        self.path = Path(path)
        self.config = config
        self.store = store

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
    ) -> "Workspace":
        """Create a workspace for a region given by county FIPS codes or a CBSA code."""
        path = Path(path)
        if (path / cfg.CONFIG_FILE).exists():
            raise ExportPlanError(f"{path} is already a workspace; open it with -w {path}.")
        if not name or not name.strip():
            raise ExportPlanError("Give the region a name with --name, e.g. --name 'Columbus Region'.")
        if bool(counties) == bool(cbsa):
            raise ExportPlanError("Give the region either as --counties FIPS[,FIPS...] or as --cbsa CODE (one of the two).")
        if cbsa:
            counties = cls._cbsa_counties(str(cbsa).strip(), delineation, path, cache_dir)
        fips = _check_fips(counties or [])
        path.mkdir(parents=True, exist_ok=True)
        config = cfg.defaults()
        config["workspace"].update(name=name.strip(), created=now_utc(), sample_data=bool(sample_data))
        config["region"].update(counties=fips, cbsa=str(cbsa or ""), reference_area=reference_area,
                                state=state.upper(), centre=list(centre or []))
        config["organization"].update(name=organization, staff=staff, budget=budget)
        config["database"]["url"] = database_url or ""
        if cache_dir:
            config["analysis"]["cache_dir"] = str(cache_dir)
        store = Store(cfg.database_url(path, config))
        cfg.save(path, config)
        return cls(path, config, store)

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
        """Open a workspace, upgrading its database to this release's schema."""
        path = Path(path)
        config = cfg.load(path)
        return cls(path, config, Store(cfg.database_url(path, config)))

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


