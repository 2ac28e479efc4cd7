"""Crosswalks, peer sets and NAICS titles: every query of the definitions domain.

Which crosswalk and which peer set are in use is kept here (the last one
imported: the crosswalk's ``active`` flag, the peer set with the newest
provenance record); the settings may override it by name.
"""
from __future__ import annotations

import pandas as pd
import polars as pl
from sqlalchemy import Connection, delete, select, update

from . import schema as t
from .db import Store

PEER_COLUMNS = ["region_code", "region_name", "region_type", "cluster_code", "cluster_name", "type", "year",
                "employment", "establishments", "lq"]


# ---------------------------------------------------------------- crosswalks
def replace_crosswalk(store: Store, conn: Connection, name: str, frame: pl.DataFrame, *, provenance_id: int,
                      sha256: str, edited: bool, note: str) -> tuple[int, int]:
    """Store crosswalk ``name`` (replacing one of that name) and make it the one in use; (rows, replaced)."""
    replaced = conn.execute(delete(t.crosswalk_rows).where(t.crosswalk_rows.c.crosswalk == name)).rowcount or 0
    conn.execute(delete(t.crosswalks).where(t.crosswalks.c.name == name))
    conn.execute(update(t.crosswalks).values(active=False))
    conn.execute(t.crosswalks.insert().values(name=name, provenance_id=provenance_id, sha256=sha256, edited=edited,
                                              active=True, note=note[:2000]))
    records = frame.select("naics", "cluster_code", "cluster_name", "type", "subcluster").fill_null("")
    rows = store.insert(conn, t.crosswalk_rows, [dict(r, crosswalk=name) for r in records.to_dicts()])
    return rows, replaced


def crosswalk_record(store: Store, name: str = "") -> pd.DataFrame:
    """The record of crosswalk ``name``, or of the active one when no name is given (0 or 1 rows)."""
    return store.frame(select(t.crosswalks).where(
        t.crosswalks.c.name == name if name else t.crosswalks.c.active.is_(True)))


def crosswalk_names(store: Store) -> list[str]:
    return store.frame(select(t.crosswalks.c.name))["name"].tolist()


def crosswalk_rows(store: Store, name: str) -> pl.DataFrame:
    """naics, cluster_code, cluster_name, type, subcluster of crosswalk ``name``, as text."""
    rows = store.frame(select(t.crosswalk_rows).where(t.crosswalk_rows.c.crosswalk == name))
    return pl.from_pandas(rows.drop(columns=["crosswalk"]).astype(str))


# ---------------------------------------------------------------- peer sets
def replace_peer_set(store: Store, conn: Connection, name: str, frame: pl.DataFrame, *, provenance_id: int,
                     kind: str, years: list[int], method: str, mismatch: str) -> tuple[int, int]:
    """Store peer set ``name`` (replacing one of that name); (rows, replaced)."""
    replaced = conn.execute(delete(t.peer_clusters).where(t.peer_clusters.c.peer_set == name)).rowcount or 0
    conn.execute(delete(t.peer_sets).where(t.peer_sets.c.name == name))
    conn.execute(t.peer_sets.insert().values(name=name, region_kind=kind, years=",".join(map(str, years)),
                                             method=method, mismatch=mismatch, provenance_id=provenance_id))
    records = frame.select(PEER_COLUMNS).with_columns(pl.col(c).fill_null("") for c in
                                                      ("region_name", "region_type", "cluster_name", "type"))
    rows = store.insert(conn, t.peer_clusters,
                        [dict(r, peer_set=name, provenance_id=provenance_id) for r in records.to_dicts()])
    return rows, replaced


def peer_rows(store: Store, name: str) -> pl.DataFrame | None:
    """The regions' clusters of peer set ``name``; None when it has none."""
    rows = store.frame(select(t.peer_clusters).where(t.peer_clusters.c.peer_set == name))
    if rows.empty:
        return None
    return pl.from_pandas(rows.drop(columns=["peer_set", "provenance_id"])).with_columns(
        pl.col("year").cast(pl.Int32), pl.col("cluster_code").cast(pl.Utf8), pl.col("region_code").cast(pl.Utf8))


def peer_set_record(store: Store, name: str) -> dict:
    """name, region_kind, years (text), method, mismatch, provenance_id of a peer set; {} when unknown."""
    row = store.frame(select(t.peer_sets).where(t.peer_sets.c.name == name))
    return row.iloc[0].to_dict() if len(row) else {}


def last_peer_set(store: Store) -> str:
    """The peer set imported last (its rows carry the newest provenance record), '' if none."""
    query = select(t.peer_clusters.c.peer_set).order_by(t.peer_clusters.c.provenance_id.desc()).limit(1)
    with store.engine.connect() as conn:
        return conn.execute(query).scalar() or ""


# ---------------------------------------------------------------- NAICS titles
def replace_titles(store: Store, conn: Connection, titles: pd.DataFrame, source: str) -> tuple[int, int]:
    """Store naics/title pairs (replacing those codes' titles); (rows, replaced)."""
    codes = [str(c) for c in titles["naics"]]
    replaced = 0
    for start in range(0, len(codes), 500):
        replaced += conn.execute(delete(t.industry_titles).where(
            t.industry_titles.c.naics.in_(codes[start:start + 500]))).rowcount or 0
    rows = store.insert(conn, t.industry_titles, [
        {"naics": str(c), "title": str(ti), "source": source} for c, ti in zip(titles["naics"], titles["title"])])
    return rows, replaced


def stored_titles(store: Store) -> pd.DataFrame:
    """naics, title of every stored title (imported, or from QCEW files), as text."""
    return store.frame(select(t.industry_titles.c.naics, t.industry_titles.c.title)).astype(str)
