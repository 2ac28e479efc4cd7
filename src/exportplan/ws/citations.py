"""Service ``ws.citations``: what every table cites, and the metadata that travels with it.

Each table is a pandas DataFrame whose ``attrs["exportplan"]`` holds what the
writers and charts need to cite it: title, region, sources (a list of
:class:`~exportplan.citation.SourceRef`, each with its file or URL), notes
and whether it is sample data. :meth:`Citations.meta` builds that dict; every
service that returns a table uses it.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

import pandas as pd

from ..citation import ROW_KEYS, SourceRef, source_ref, unique_refs
from ..store import provenance as repo
from .context import Service

SAMPLE_NOTE = "SAMPLE DATA: invented for demonstration, not real statistics."


class Citations(Service):
    def provenance(self, kind: str | None = None) -> pd.DataFrame:
        """Every file or download the workspace holds data from, with its vintage and checksum."""
        return repo.records(self.ctx.store, kind)

    def refs(self, kinds: Sequence[str] = (), ids: Iterable[int] | None = None) -> list[SourceRef]:
        """The citations of the stored records of these kinds (all when empty), or of these record ids."""
        frame = repo.records(self.ctx.store)
        if len(frame) and kinds:
            frame = frame[frame["kind"].isin(list(kinds))]
        if len(frame) and ids is not None:
            frame = frame[frame["id"].isin([int(i) for i in ids])]
        return [source_ref(r) for r in frame.sort_values("id").to_dict("records")] if len(frame) else []

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
