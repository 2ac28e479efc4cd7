"""Service ``ws.citations``: what every table cites, and the metadata that travels with it.

Each table is a pandas DataFrame whose ``attrs["exportplan"]`` holds what the
writers and charts need to cite it: title, region, sources (a list of
:class:`~exportplan.citation.SourceRef`, each with its file or URL), notes
and whether it is sample data. :meth:`Citations.meta` builds that dict; every
service that returns a table uses it.
"""
from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable, Sequence

import pandas as pd

from ..citation import ROW_KEYS, SourceRef, source_ref, unique_refs
from ..store import provenance as repo
from ..store.data_version import data_version
from .context import Service

SAMPLE_NOTE = "SAMPLE DATA: invented for demonstration, not real statistics."

#: Each store's provenance records as read at one version of the data: store -> (version, records by id).
_KEPT: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_KEPT_LOCK = threading.Lock()


class Citations(Service):
    def provenance(self, kind: str | None = None) -> pd.DataFrame:
        """Every file or download the workspace holds data from, with its vintage and checksum."""
        return repo.records(self.ctx.store, kind)

    def refs(self, kinds: Sequence[str] = (), ids: Iterable[int] | None = None) -> list[SourceRef]:
        """The citations of the stored records of these kinds (all when empty), or of these record ids."""
        rows = self._records()
        if kinds:
            wanted = set(kinds)
            rows = [r for r in rows if r["kind"] in wanted]
        if ids is not None:
            numbers = {int(i) for i in ids}
            rows = [r for r in rows if int(r["id"]) in numbers]
        return [source_ref(r) for r in rows]

    def _records(self) -> list[dict]:
        """Every provenance record (by id), read again only when the data have changed (every table's metadata
        cites them: reading them once per version keeps pages and reports from reading them per table)."""
        store = self.ctx.store
        version = data_version(store)
        with _KEPT_LOCK:
            kept = _KEPT.get(store)
        if kept is not None and kept[0] == version:
            return kept[1]
        frame = repo.records(store)
        rows = frame.sort_values("id").to_dict("records") if len(frame) else []
        with _KEPT_LOCK:
            _KEPT[store] = (version, rows)
        return rows

    def sources_table(self) -> pd.DataFrame:
        """Every stored record as a citation: id, kind, the :data:`~exportplan.citation.ROW_KEYS`, rows, imported_at."""
        frame = repo.records(self.ctx.store)
        columns = ["id", "kind", *ROW_KEYS, "rows", "imported_at"]
        if not len(frame):
            return pd.DataFrame({c: pd.Series(dtype="object") for c in columns})
        frame = frame.sort_values("id")
        rows = [{"id": int(r["id"]), "kind": r["kind"], **source_ref(r).as_row(), "rows": r["rows"],
                 "imported_at": r["imported_at"]} for r in frame.to_dict("records")]
        return pd.DataFrame(rows, columns=columns)

    def meta(self, title: str, kinds: Sequence[str], notes: list[str], top_notes: Sequence[str] = (),
             extra: Iterable[SourceRef] = ()) -> dict:
        """A table's metadata: its title, the sources of ``kinds`` (plus ``extra``), notes, sample flag.

        What makes a whole column blank (no reference data for the year) goes
        in ``top_notes``: it comes first, and the CLI prints it before the table.
        """
        ctx = self.ctx
        sources = unique_refs([*(self.refs(kinds) if kinds else []), *extra])
        if ctx.is_sample:
            notes = [SAMPLE_NOTE] + list(notes)
        return {"title": title, "region": ctx.name, "sources": sources, "notes": list(top_notes) + list(notes),
                "sample_data": ctx.is_sample, "top_notes": list(top_notes)}
