"""Workspace part: cluster crosswalks, peer sets and NAICS titles."""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import polars as pl
from sqlalchemy import delete, func, select, update

from ..errors import ExportPlanError
from ..store import schema as t
from ..store.db import now_utc
from .base import ImportReport


MIN_PEERS = 5  # peer regions needed for percentile flags from a QCEW file


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


    def import_peers(self, path, *, name: str | None = None, allow_mismatch: bool = False, from_qcew: bool = False,
                     year: int | None = None) -> ImportReport:
        """Load a peer set of regions' clusters for the strong flags, or compute one from a QCEW single file.

        The file is a US Cluster Mapping table (region x cluster rows), or,
        with ``from_qcew``, BLS's national QCEW single file: the peers are
        then every region of the region's kind in it (:meth:`region_kind`),
        their clusters summed with the crosswalk in use and their LQs
        computed against US000 (:func:`exportplan.analysis.peers.qcew_peers`;
        ``year`` picks one of the file's years). A peer set whose kind or year
        differs from the region's is refused with what to get instead, unless
        ``allow_mismatch``: then every flag against it is labelled. The set
        imported last is the one in use; a setting ``analysis.peer_set``
        naming another is emptied in the same transaction (see
        :meth:`_override_cleared`).
        """
        from ..analysis import peers as ap
        from ..sources import clusters as sc

        path = Path(path)
        if from_qcew:
            return self._import_qcew_peers(path, name=name, allow_mismatch=allow_mismatch, year=year)
        frame = sc.read_uscmp_cluster_table(path)  # validated, repeated region/cluster/year included
        if year is not None:
            frame = frame.filter(pl.col("year") == int(year))
            if frame.height == 0:
                raise ExportPlanError(f"{path.name} holds no rows for {year}; leave out --year or pick one of "
                                      "its years.")
        if frame.height == 0:
            raise ExportPlanError(f"no values found in {path.name}: it has a header but no rows of regions' "
                                  "clusters. Import the complete file.")
        years = sorted(frame.get_column("year").unique().to_list())
        kind = ap.peer_set_kind(frame.get_column("region_type").to_list())
        mismatch = self._peer_mismatch(f"The peer file {path.name}", kind, years, allow_mismatch)
        return self._store_peers(frame, name=(name or path.stem), path=path, kind=kind, years=years, method="file",
                                 mismatch=mismatch, publisher="U.S. Cluster Mapping Project (layout)", layout="")

    def _import_qcew_peers(self, path: Path, *, name: str | None, allow_mismatch: bool,
                           year: int | None) -> ImportReport:
        from ..analysis import peers as ap
        from ..sources.qcew import scan_qcew

        if not path.is_file():
            raise ExportPlanError(f"QCEW file {path} does not exist. Check the path; use {ap.SINGLEFILE_HINT}.")
        kind, _, text = self.region_kind()
        crosswalk, record = self.crosswalk()
        estimate = self._estimate("clusters", None)
        frame, info = ap.qcew_peers(scan_qcew(path), crosswalk, kind=kind, year=year, estimate=estimate,
                                    source=path.name)
        if info["regions"] < MIN_PEERS:
            raise ExportPlanError(f"{path.name} holds only {info['regions']} {ap.kind_name(kind)} area(s) with "
                                  f"clusters; peer percentiles need at least {MIN_PEERS}. Use {ap.SINGLEFILE_HINT}: "
                                  "it holds every area of the country.")
        mismatch = self._peer_mismatch(f"The QCEW file {path.name}", kind, [info["year"]], allow_mismatch)
        notes = [f"Computed from QCEW {info['year']}: {info['regions']} {ap.kind_name(kind)} regions (the region is "
                 f"{text}), private 6-digit employment summed into clusters with the crosswalk '{record['name']}', "
                 "LQ against US000 of the same file with the traded/local base.",
                 (f"Withheld cells estimated as the region's are (parent residual shared by establishments): "
                  f"{info['estimated']:.1%} of the peers' cluster employment." if estimate else
                  "Withheld cells not estimated: a cluster holding one has no LQ."),
                 f"{info['null_lq']} traded peer cluster(s) have no LQ (withheld cells without a value)."]
        if info["dropped_unnamed"]:
            notes.append(f"{info['dropped_unnamed']} crosswalk cluster(s) without an official code left out.")
        out = self._store_peers(frame, name=(name or f"{kind} peers {info['year']} from {path.name}"), path=path,
                                kind=kind, years=[info["year"]], method="qcew", mismatch=mismatch,
                                publisher="U.S. Bureau of Labor Statistics (QCEW); peers computed by exportplan",
                                layout="qcew-singlefile", notes=notes, crosswalk_sha=record["sha256"])
        out.notes.append(self._flag_summary())
        return out

    def _flag_summary(self) -> str:
        """One sentence on the region's flags among the peers just loaded (or why there are none yet)."""
        try:
            table = self.clusters(cluster_type="traded")
        except ExportPlanError as exc:
            return f"The region is not flagged yet: {exc}"
        peered = table[table["flag_method"].astype(str).str.startswith("peer") & table["strong"].notna()]
        if peered.empty:
            return ("None of the region's clusters is flagged among these peers yet (no LQ, or no peer data for "
                    "them): 'exportplan clusters' says why.")
        strong = peered.loc[peered["strong"].fillna(False).astype(bool), "cluster_name"].tolist()
        return (f"{self.name} among them: {len(strong)} strong traded cluster(s) of {len(peered)} flagged"
                f"{': ' + ', '.join(strong[:8]) + (' ...' if len(strong) > 8 else '') if strong else ''} "
                "('exportplan clusters' for all flags).")

    def _store_peers(self, frame: pl.DataFrame, *, name: str, path: Path, kind: str, years: list[int], method: str,
                     mismatch: str, publisher: str, layout: str, notes: list[str] | None = None,
                     crosswalk_sha: str = "") -> ImportReport:
        from ..analysis import peers as ap
        from ..sources.qcew import file_checksum

        name = name.strip()[:120]
        out = ImportReport("peer-cluster", files=[str(path)], notes=list(notes or []))
        note = " ".join(out.notes + ([f"crosswalk sha256 {crosswalk_sha[:12]}."] if crosswalk_sha else []))
        with self._override_cleared("peer_set", name) as clear, self.store.transaction() as conn:
            pid = self.store.add_provenance(conn, kind="peers", publisher=publisher, dataset=f"peer set '{name}'",
                                            vintage=",".join(map(str, years)), source=str(path),
                                            sha256=file_checksum(path), rows=frame.height, layout=layout,
                                            note=note[:2000], retrieved_at=now_utc())
            out.replaced = conn.execute(delete(t.peer_clusters).where(t.peer_clusters.c.peer_set == name)).rowcount or 0
            conn.execute(delete(t.peer_sets).where(t.peer_sets.c.name == name))
            conn.execute(t.peer_sets.insert().values(name=name, region_kind=kind, years=",".join(map(str, years)),
                                                     method=method, mismatch=mismatch, provenance_id=pid))
            cols = ["region_code", "region_name", "region_type", "cluster_code", "cluster_name", "type", "year",
                    "employment", "establishments", "lq"]
            records = frame.select(cols).with_columns(pl.col(c).fill_null("") for c in
                                                      ("region_name", "region_type", "cluster_name", "type"))
            out.rows = self.store.insert(conn, t.peer_clusters,
                                         [dict(r, peer_set=name, provenance_id=pid) for r in records.to_dicts()])
            clear()  # last step before the commit: a failed save rolls the import back
        n_regions = frame.get_column("region_code").n_unique()
        out.notes.append(f"{n_regions} peer regions ({ap.kind_name(kind)}), years {', '.join(map(str, years))}")
        if mismatch:
            out.notes.append(f"Accepted with --allow-mismatch ({mismatch}): every flag against it says so.")
        return out

    def _peer_mismatch(self, source: str, set_kind: str, years: list[int], allow: bool) -> str:
        """'' when the peer set is of the region's kind and year; else refuse, or return the mismatch if allowed."""
        from ..analysis import peers as ap

        kind, _, text = self.region_kind()
        year = self.region_year()
        why = ap.peer_mismatch(kind, text, year, set_kind, years)
        if not why or allow:
            return why
        what = ("mixed kinds of" if set_kind == "mixed" else ap.kind_name(set_kind) if set_kind else
                "unknown kinds of (region_type_t is empty)")
        hint = (f"'exportplan -w {self.path} import peers --from-qcew FILE' computes {ap.kind_name(kind)} peers from "
                f"{ap.SINGLEFILE_HINT.replace('e.g. 2020', f'e.g. {year or 2020}')}, or import a US Cluster "
                f"Mapping table of {ap.kind_name(kind)} regions{f' for {year}' if year else ''}"
                if kind in ap.QCEW_KINDS else
                f"import a US Cluster Mapping table of {ap.kind_name(kind)} regions{f' for {year}' if year else ''}")
        differs = " and ".join(w for w, on in (("kind", set_kind != kind), ("year", "peers' data are" in why)) if on)
        raise ExportPlanError(
            f"{source} holds {what} regions with {', '.join(map(str, years))} data, but this workspace's region is "
            f"{text}{f', with {year} data' if year else ''}: the {differs} {'differ' if ' and ' in differs else 'differs'}. Strong-cluster flags compare "
            "a region only "
            f"with regions of its kind and year, as US Cluster Mapping does. Get a matching peer set: {hint}. "
            "Or add --allow-mismatch to use this one anyway; every flag is then labelled as compared with unlike "
            "regions.")

    def region_kind(self) -> tuple[str, str, str]:
        """(kind, code, description) of the region for peer comparisons (analysis.peers.region_kind)."""
        from ..analysis import peers as ap

        region, counties = self.config["region"], self.counties
        states = {c[:2] for c in counties}
        state_counties = None
        if len(counties) > 1 and len(states) == 1:  # maybe a whole state: its counties in the shipped 2010 list
            from ..sources.county_points import _table

            table = _table()
            state_counties = table.loc[table["county_fips"].str[:2] == states.pop(), "county_fips"].tolist()
        return ap.region_kind(counties, str(region.get("cbsa") or ""), state_counties)

    def region_year(self) -> int | None:
        """The latest year with QCEW rows for the region's counties (what its cluster table uses), None if none."""
        query = select(func.max(t.qcew.c.year)).where(t.qcew.c.area_fips.in_(self.counties))
        with self.store.engine.connect() as conn:
            year = conn.execute(query).scalar()
        return int(year) if year is not None else None

    def peers(self) -> pl.DataFrame | None:
        """The peer set in use: the one named by ``analysis.peer_set`` if set, else the last one imported."""
        name = self._peer_set_name()
        if not name:
            return None
        rows = self.store.frame(select(t.peer_clusters).where(t.peer_clusters.c.peer_set == name))
        if rows.empty:
            return None
        return pl.from_pandas(rows.drop(columns=["peer_set", "provenance_id"])).with_columns(
            pl.col("year").cast(pl.Int32), pl.col("cluster_code").cast(pl.Utf8), pl.col("region_code").cast(pl.Utf8))

    def _peer_set_name(self) -> str:
        return self.config["analysis"].get("peer_set") or self._last_peer_set()

    def peer_set_info(self) -> dict:
        """The peer set in use: name, region_kind, years (list), method, mismatch; {} when none is loaded."""
        name = self._peer_set_name()
        row = self.store.frame(select(t.peer_sets).where(t.peer_sets.c.name == name)) if name else None
        if row is None or row.empty:
            return {}
        info = row.iloc[0].to_dict()
        info["years"] = [int(y) for y in str(info["years"]).split(",") if y.strip()]
        return info

    def peer_flag_args(self) -> dict:
        """Keyword arguments of :func:`exportplan.analysis.clusters.flag_against_peers` for this region."""
        kind, code, text = self.region_kind()
        info = self.peer_set_info()
        return {"region_code": code, "region_kind": kind, "region_text": text,
                "peer_kind": info.get("region_kind") if info else None}

    def peer_notes(self, table: pd.DataFrame) -> list[str]:
        """Notes on the peers the flags used: the region's kind, and any flags against unlike regions."""
        from ..analysis import peers as ap

        if "flag_method" not in table.columns or not table["flag_method"].astype(str).str.startswith("peer").any():
            return []
        kind, _, text = self.region_kind()
        notes = []
        if text.startswith("a custom set"):
            notes.append(f"Peers: the region is {text}: its flags compare it with metro peers.")
        unlike = table["flag_method"].astype(str).str.contains("not of the region's")
        if unlike.any():
            year = int(table["year"].iloc[0]) if len(table) else self.region_year()
            label = table.loc[unlike, "flag_method"].iloc[0].split("; ")[-1]
            fix = (f"import peers --from-qcew FILE with {ap.SINGLEFILE_HINT.replace('e.g. 2020', f'e.g. {year}')}"
                   if kind in ap.QCEW_KINDS else f"import a US Cluster Mapping table of {ap.kind_name(kind)} regions")
            notes.append(f"Strong flags are {label} (the region compares as a {ap.kind_name(kind)}, {year} data): "
                         "US Cluster Mapping compares "
                         f"like with like, so read them as indicative only. For flags among {ap.kind_name(kind)} "
                         f"regions of {year}: {fix}.")
        return notes

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

        shipped = naics.all_titles()[["naics", "title"]].astype(str)  # every level, every shipped vintage
        stored = self.store.frame(select(t.industry_titles.c.naics, t.industry_titles.c.title)).astype(str)
        both = pd.concat([stored, shipped]).drop_duplicates("naics", keep="first")
        return pl.from_pandas(both)

