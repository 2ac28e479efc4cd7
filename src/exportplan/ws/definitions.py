"""Service ``ws.definitions``: the definitions the analyses use (cluster crosswalks, peer sets, NAICS titles).

Each import makes what it loads the one in use (the last imported); a
setting (``analysis.crosswalk``, ``analysis.peer_set``) naming another is
emptied in the same transaction.
"""
from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import polars as pl
from ..errors import ExportPlanError
from ..store import definitions as repo
from .base import ImportReport
from .context import Service


MIN_PEERS = 5  # peer regions needed for percentile flags from a QCEW file


def _crosswalk_hash(frame: pl.DataFrame) -> str:
    rows = frame.select("naics", "cluster_code", "type").sort("naics").iter_rows()
    return hashlib.sha256("\n".join("|".join(map(str, r)) for r in rows).encode()).hexdigest()


class Definitions(Service):
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
        store = self.ctx.store
        with self._override_cleared("crosswalk", name) as clear, store.transaction() as conn:
            pid = store.add_provenance(conn, kind="crosswalk", publisher="U.S. Cluster Mapping Project definitions"
                                       + (" (edited by the user)" if edited else ""),
                                       dataset=f"NAICS to cluster crosswalk '{name}'", source=str(path),
                                       sha256=file_checksum(path), rows=frame.height, layout=report.layout,
                                       retrieved_at=self.ctx.clock())
            out.rows, out.replaced = repo.replace_crosswalk(store, conn, name, frame, provenance_id=pid, sha256=digest,
                                                            edited=edited, note="; ".join(report.lines()))
            clear()  # last step before the commit: a failed save rolls the import back
        return out

    def crosswalk(self) -> tuple[pl.DataFrame, dict]:
        """The crosswalk in use and its record (name, sha256, edited).

        The one named by the setting ``analysis.crosswalk`` if set, else the
        last one imported (the database's ``active`` flag).
        """
        name = self.ctx.config["analysis"].get("crosswalk") or ""
        meta = repo.crosswalk_record(self.ctx.store, name)
        if meta.empty and name:
            known = repo.crosswalk_names(self.ctx.store)
            raise ExportPlanError(f"The crosswalk {name!r} named by the setting analysis.crosswalk is not in the "
                                  f"workspace (loaded: {', '.join(map(repr, known)) or 'none'}). Set it to one of "
                                  "those, or empty to use the last one imported.")
        if meta.empty:
            raise ExportPlanError("No cluster crosswalk is loaded. Import the US Cluster Mapping definitions with "
                                  "'exportplan -w DIR import clusters FILE' (CSV or XLSX NAICS -> cluster).")
        record = meta.iloc[0].to_dict()
        return repo.crosswalk_rows(self.ctx.store, record["name"]), record

    def import_peers(self, path, *, name: str | None = None, allow_mismatch: bool = False, from_qcew: bool = False,
                     year: int | None = None) -> ImportReport:
        """Load a peer set of regions' clusters for the strong flags, or compute one from a QCEW single file.

        The file is a US Cluster Mapping table (region x cluster rows), or,
        with ``from_qcew``, BLS's national QCEW single file: the peers are
        then every region of the region's kind in it (:meth:`RegionalData.region_kind`),
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
        kind, _, text = self.ws.regional.region_kind()
        crosswalk, record = self.crosswalk()
        estimate = self.ws.industry.estimates("clusters")
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
        out.notes.append(self.flag_summary())
        return out

    def flag_summary(self) -> str:
        """One sentence on the region's flags among the peers just loaded (or why there are none yet)."""
        try:
            table = self.ws.industry.clusters(cluster_type="traded")
        except ExportPlanError as exc:
            return f"The region is not flagged yet: {exc}"
        peered = table[table["flag_method"].astype(str).str.startswith("peer") & table["strong"].notna()]
        if peered.empty:
            return ("None of the region's clusters is flagged among these peers yet (no LQ, or no peer data for "
                    "them): 'exportplan clusters' says why.")
        strong = peered.loc[peered["strong"].fillna(False).astype(bool), "cluster_name"].tolist()
        return (f"{self.ctx.name} among them: {len(strong)} strong traded cluster(s) of {len(peered)} flagged"
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
        store = self.ctx.store
        with self._override_cleared("peer_set", name) as clear, store.transaction() as conn:
            pid = store.add_provenance(conn, kind="peers", publisher=publisher, dataset=f"peer set '{name}'",
                                       vintage=",".join(map(str, years)), source=str(path),
                                       sha256=file_checksum(path), rows=frame.height, layout=layout,
                                       note=note[:2000], retrieved_at=self.ctx.clock())
            out.rows, out.replaced = repo.replace_peer_set(store, conn, name, frame, provenance_id=pid, kind=kind,
                                                           years=years, method=method, mismatch=mismatch)
            clear()  # last step before the commit: a failed save rolls the import back
        n_regions = frame.get_column("region_code").n_unique()
        out.notes.append(f"{n_regions} peer regions ({ap.kind_name(kind)}), years {', '.join(map(str, years))}")
        if mismatch:
            out.notes.append(f"Accepted with --allow-mismatch ({mismatch}): every flag against it says so.")
        return out

    def _peer_mismatch(self, source: str, set_kind: str, years: list[int], allow: bool) -> str:
        """'' when the peer set is of the region's kind and year; else refuse, or return the mismatch if allowed."""
        from ..analysis import peers as ap

        kind, _, text = self.ws.regional.region_kind()
        year = self.ws.regional.region_year()
        why = ap.peer_mismatch(kind, text, year, set_kind, years)
        if not why or allow:
            return why
        what = ("mixed kinds of" if set_kind == "mixed" else ap.kind_name(set_kind) if set_kind else
                "unknown kinds of (region_type_t is empty)")
        hint = (f"'exportplan -w {self.ctx.path} import peers --from-qcew FILE' computes {ap.kind_name(kind)} peers from "
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

    def peers(self) -> pl.DataFrame | None:
        """The peer set in use: the one named by ``analysis.peer_set`` if set, else the last one imported."""
        name = self._peer_set_name()
        if not name:
            return None
        return repo.peer_rows(self.ctx.store, name)

    def _peer_set_name(self) -> str:
        return self.ctx.config["analysis"].get("peer_set") or repo.last_peer_set(self.ctx.store)

    def peer_set_info(self) -> dict:
        """The peer set in use: name, region_kind, years (list), method, mismatch; {} when none is loaded."""
        name = self._peer_set_name()
        info = repo.peer_set_record(self.ctx.store, name) if name else {}
        if not info:
            return {}
        info["years"] = [int(y) for y in str(info["years"]).split(",") if y.strip()]
        return info

    def peer_flag_args(self) -> dict:
        """Keyword arguments of :func:`exportplan.analysis.clusters.flag_against_peers` for this region."""
        kind, code, text = self.ws.regional.region_kind()
        info = self.peer_set_info()
        return {"region_code": code, "region_kind": kind, "region_text": text,
                "peer_kind": info.get("region_kind") if info else None}

    def peer_notes(self, table: pd.DataFrame) -> list[str]:
        """Notes on the peers the flags used: the region's kind, and any flags against unlike regions."""
        from ..analysis import peers as ap

        if "flag_method" not in table.columns or not table["flag_method"].astype(str).str.startswith("peer").any():
            return []
        kind, _, text = self.ws.regional.region_kind()
        notes = []
        if text.startswith("a custom set"):
            notes.append(f"Peers: the region is {text}: its flags compare it with metro peers.")
        unlike = table["flag_method"].astype(str).str.contains("not of the region's")
        if unlike.any():
            year = int(table["year"].iloc[0]) if len(table) else self.ws.regional.region_year()
            label = table.loc[unlike, "flag_method"].iloc[0].split("; ")[-1]
            fix = (f"import peers --from-qcew FILE with {ap.SINGLEFILE_HINT.replace('e.g. 2020', f'e.g. {year}')}"
                   if kind in ap.QCEW_KINDS else f"import a US Cluster Mapping table of {ap.kind_name(kind)} regions")
            notes.append(f"Strong flags are {label} (the region compares as a {ap.kind_name(kind)}, {year} data): "
                         "US Cluster Mapping compares "
                         f"like with like, so read them as indicative only. For flags among {ap.kind_name(kind)} "
                         f"regions of {year}: {fix}.")
        return notes

    @contextmanager
    def _override_cleared(self, key: str, name: str) -> Iterator[Callable[[], None]]:
        """Let an import make ``name`` the one in use when the setting ``analysis.<key>`` names another.

        Which crosswalk and peer set are in use is kept in the database (the
        last imported); the setting only overrides it. The import calls the
        yielded function as the last step of its transaction: it empties a
        differing override and saves the config file, so a failed save rolls
        the import back. If the commit then fails, the old config is restored.
        """
        config = self.ctx.config
        old = config["analysis"].get(key) or ""
        saved = False

        def clear() -> None:
            nonlocal saved
            if old and old != name:
                config["analysis"][key] = ""
                try:
                    self.ws.save_config()
                except BaseException:
                    config["analysis"][key] = old
                    raise
                saved = True

        try:
            yield clear
        except BaseException:
            if saved:
                config["analysis"][key] = old
                self.ws.save_config()
            raise

    def import_titles(self, path) -> ImportReport:
        """Load NAICS titles (BLS industry_titles.csv or a Census code file) for 4- to 6-digit industries."""
        from ..sources import naics
        from ..sources.qcew import file_checksum

        path = Path(path)
        frame = naics.read_titles_file(path)
        out = ImportReport("NAICS title", files=[str(path)])
        store = self.ctx.store
        with store.transaction() as conn:
            store.add_provenance(conn, kind="titles", dataset="NAICS titles", source=str(path),
                                 sha256=file_checksum(path), rows=len(frame), retrieved_at=self.ctx.clock())
            out.rows, out.replaced = repo.replace_titles(store, conn, frame, path.name)
        return out

    def titles(self) -> pl.DataFrame:
        """Titles known to the workspace: imported or from QCEW files, else the shipped sectors/subsectors."""
        from ..sources import naics

        shipped = naics.all_titles()[["naics", "title"]].astype(str)  # every level, every shipped vintage
        stored = repo.stored_titles(self.ctx.store)
        both = pd.concat([stored, shipped]).drop_duplicates("naics", keep="first")
        return pl.from_pandas(both)

