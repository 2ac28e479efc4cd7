"""Workspace part: cluster crosswalks, peer sets and NAICS titles."""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import polars as pl
from sqlalchemy import delete, select, update

from ..errors import ExportPlanError
from ..store import schema as t
from ..store.db import now_utc
from .base import ImportReport


def _crosswalk_hash(frame: pl.DataFrame) -> str:
    rows = frame.select("naics", "cluster_code", "type").sort("naics").iter_rows()
    return hashlib.sha256("\n".join("|".join(map(str, r)) for r in rows).encode()).hexdigest()


class ClustersMixin:
    def import_clusters(self, path, *, name: str | None = None, edited: bool = False) -> ImportReport:
        """Load a NAICS -> cluster crosswalk and make it the one in use.

        "In use" is the database's ``active`` flag; a setting
        ``analysis.crosswalk`` naming another crosswalk is emptied in the
        same transaction (see :meth:`_override_cleared`).
        """
        from ..sources import clusters as sc
        from ..sources.qcew import file_checksum

        path = Path(path)
        frame, report = sc.read_crosswalk(path)
        if not report.has_clusters:
            raise ExportPlanError(f"{path.name} maps NAICS codes to traded/local only, not to clusters; "
                                  "import a crosswalk with cluster names or codes (e.g. the US Cluster Mapping definitions).")
        name = (name or path.stem).strip()[:120]
        digest = _crosswalk_hash(frame)
        out = ImportReport("crosswalk", files=[str(path)], notes=report.lines())
        with self._override_cleared("crosswalk", name) as clear, self.store.transaction() as conn:
            pid = self.store.add_provenance(conn, kind="crosswalk", publisher="U.S. Cluster Mapping Project definitions"
                                            + (" (edited by the user)" if edited else ""),
                                            dataset=f"NAICS to cluster crosswalk '{name}'", source=str(path),
                                            sha256=file_checksum(path), rows=frame.height, layout=report.layout,
                                            retrieved_at=now_utc())
            out.replaced = conn.execute(delete(t.crosswalk_rows).where(t.crosswalk_rows.c.crosswalk == name)).rowcount or 0
            conn.execute(delete(t.crosswalks).where(t.crosswalks.c.name == name))
            conn.execute(update(t.crosswalks).values(active=False))
            conn.execute(t.crosswalks.insert().values(name=name, provenance_id=pid, sha256=digest, edited=edited,
                                                      active=True, note="; ".join(report.lines())[:2000]))
            records = frame.select("naics", "cluster_code", "cluster_name", "type", "subcluster").fill_null("")
            out.rows = self.store.insert(conn, t.crosswalk_rows,
                                         [dict(r, crosswalk=name) for r in records.to_dicts()])
            clear()  # last step before the commit: a failed save rolls the import back
        return out


    def crosswalk(self) -> tuple[pl.DataFrame, dict]:
        """The crosswalk in use and its record (name, sha256, edited).

        The one named by the setting ``analysis.crosswalk`` if set, else the
        last one imported (the database's ``active`` flag).
        """
        name = self.config["analysis"].get("crosswalk") or ""
        meta = self.store.frame(select(t.crosswalks).where(
            t.crosswalks.c.name == name if name else t.crosswalks.c.active.is_(True)))
        if meta.empty and name:
            known = self.store.frame(select(t.crosswalks.c.name))["name"].tolist()
            raise ExportPlanError(f"The crosswalk {name!r} named by the setting analysis.crosswalk is not in the "
                                  f"workspace (loaded: {', '.join(map(repr, known)) or 'none'}). Set it to one of "
                                  "those, or empty to use the last one imported.")
        if meta.empty:
            raise ExportPlanError("No cluster crosswalk is loaded. Import the US Cluster Mapping definitions with "
                                  "'exportplan -w DIR import clusters FILE' (CSV or XLSX NAICS -> cluster).")
        record = meta.iloc[0].to_dict()
        rows = self.store.frame(select(t.crosswalk_rows).where(t.crosswalk_rows.c.crosswalk == record["name"]))
        frame = pl.from_pandas(rows.drop(columns=["crosswalk"]).astype(str))
        return frame, record


    def import_peers(self, path, *, name: str | None = None) -> ImportReport:
        """Load a peer set of regions' clusters (US Cluster Mapping layout) for the strong flags.

        The set imported last is the one in use; a setting
        ``analysis.peer_set`` naming another is emptied in the same
        transaction (see :meth:`_override_cleared`).
        """
        from ..sources import clusters as sc
        from ..sources.qcew import file_checksum

        path = Path(path)
        frame = sc.read_uscmp_cluster_table(path)  # validated, repeated region/cluster/year included
        name = (name or path.stem).strip()[:120]
        out = ImportReport("peer-cluster", files=[str(path)])
        years = sorted(frame.get_column("year").unique().to_list())
        with self._override_cleared("peer_set", name) as clear, self.store.transaction() as conn:
            pid = self.store.add_provenance(conn, kind="peers", publisher="U.S. Cluster Mapping Project (layout)",
                                            dataset=f"peer set '{name}'", vintage=",".join(map(str, years)),
                                            source=str(path), sha256=file_checksum(path), rows=frame.height,
                                            retrieved_at=now_utc())
            out.replaced = conn.execute(delete(t.peer_clusters).where(t.peer_clusters.c.peer_set == name)).rowcount or 0
            cols = ["region_code", "region_name", "region_type", "cluster_code", "cluster_name", "type", "year",
                    "employment", "establishments", "lq"]
            records = frame.select(cols).with_columns(pl.col(c).fill_null("") for c in
                                                      ("region_name", "region_type", "cluster_name", "type"))
            out.rows = self.store.insert(conn, t.peer_clusters,
                                         [dict(r, peer_set=name, provenance_id=pid) for r in records.to_dicts()])
            clear()  # last step before the commit: a failed save rolls the import back
        n_regions = frame.get_column("region_code").n_unique()
        out.notes.append(f"{n_regions} peer regions, years {', '.join(map(str, years))}")
        return out


    def peers(self) -> pl.DataFrame | None:
        """The peer set in use: the one named by ``analysis.peer_set`` if set, else the last one imported."""
        name = self.config["analysis"].get("peer_set") or self._last_peer_set()
        if not name:
            return None
        rows = self.store.frame(select(t.peer_clusters).where(t.peer_clusters.c.peer_set == name))
        if rows.empty:
            return None
        return pl.from_pandas(rows.drop(columns=["peer_set", "provenance_id"])).with_columns(
            pl.col("year").cast(pl.Int32), pl.col("cluster_code").cast(pl.Utf8), pl.col("region_code").cast(pl.Utf8))

    def _last_peer_set(self) -> str:
        """The peer set imported last (its rows carry the newest provenance record), '' if none."""
        query = (select(t.peer_clusters.c.peer_set).order_by(t.peer_clusters.c.provenance_id.desc()).limit(1))
        with self.store.engine.connect() as conn:
            return conn.execute(query).scalar() or ""

    @contextmanager
    def _override_cleared(self, key: str, name: str) -> Iterator[Callable[[], None]]:
        """Let an import make ``name`` the one in use when the setting ``analysis.<key>`` names another.

        Which crosswalk and peer set are in use is kept in the database (the
        last imported); the setting only overrides it. The import calls the
        yielded function as the last step of its transaction: it empties a
        differing override and saves the config file, so a failed save rolls
        the import back. If the commit then fails, the old config is restored.
        """
        old = self.config["analysis"].get(key) or ""
        saved = False

        def clear() -> None:
            nonlocal saved
            if old and old != name:
                self.config["analysis"][key] = ""
                try:
                    self.save_config()
                except BaseException:
                    self.config["analysis"][key] = old
                    raise
                saved = True

        try:
            yield clear
        except BaseException:
            if saved:
                self.config["analysis"][key] = old
                self.save_config()
            raise


    def import_titles(self, path) -> ImportReport:
        """Load NAICS titles (BLS industry_titles.csv or a Census code file) for 4- to 6-digit industries."""
        from ..sources import naics
        from ..sources.qcew import file_checksum

        path = Path(path)
        frame = naics.read_titles_file(path)
        out = ImportReport("NAICS title", files=[str(path)])
        with self.store.transaction() as conn:
            self.store.add_provenance(conn, kind="titles", dataset="NAICS titles", source=str(path),
                                      sha256=file_checksum(path), rows=len(frame), retrieved_at=now_utc())
            codes = [str(c) for c in frame["naics"]]
            for start in range(0, len(codes), 500):
                out.replaced += conn.execute(delete(t.industry_titles).where(
                    t.industry_titles.c.naics.in_(codes[start:start + 500]))).rowcount or 0
            out.rows = self.store.insert(conn, t.industry_titles, [
                {"naics": str(c), "title": str(ti), "source": path.name} for c, ti in zip(frame["naics"], frame["title"])])
        return out


    def titles(self) -> pl.DataFrame:
        """Titles known to the workspace: imported or from QCEW files, else the shipped sectors/subsectors."""
        from ..sources import naics

        shipped = naics.naics_titles()[["naics", "title"]].astype(str)
        stored = self.store.frame(select(t.industry_titles.c.naics, t.industry_titles.c.title)).astype(str)
        both = pd.concat([stored, shipped]).drop_duplicates("naics", keep="first")
        return pl.from_pandas(both)

