"""One citation type: :class:`SourceRef`, built from a provenance record by :func:`source_ref`.

Every table's metadata (``attrs["exportplan"]["sources"]``), every renderer
(CSV/XLSX/JSON tables, chart source lines, and later the plan document and the
web pages) and ``exportplan sources`` cite their data with it::

    SourceRef(publisher="U.S. Bureau of Labor Statistics", dataset="QCEW",
              vintage="2023 annual", file="2023.annual 39049 Franklin County.csv",
              url="https://data.bls.gov/cew/data/api/2023/a/area/39049.csv", sha256="…")

``location`` is what a reader follows: the URL when the data were downloaded,
else the file's name.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from pathlib import PurePath

#: The columns of a source in a rendered table (XLSX sources sheet, JSON meta, ``exportplan sources``).
ROW_KEYS = ("publisher", "dataset", "vintage", "file/url", "retrieved_at", "sha256", "notes")


@dataclass(frozen=True, order=True)
class SourceRef:
    """Where a figure comes from: publisher, dataset, vintage, file or URL, checksum, notes."""

    publisher: str = ""
    dataset: str = ""
    vintage: str = ""
    file: str = ""
    url: str = ""
    retrieved_at: str = ""
    sha256: str = ""
    notes: str = ""

    @property
    def location(self) -> str:
        """The URL it was downloaded from, else the file's name ('' only for a bare description)."""
        return self.url or self.file

    def as_row(self) -> dict[str, str]:
        """The source as one row of a rendered sources table (keys :data:`ROW_KEYS`)."""
        return {"publisher": self.publisher, "dataset": self.dataset, "vintage": self.vintage,
                "file/url": self.location, "retrieved_at": self.retrieved_at, "sha256": self.sha256,
                "notes": self.notes}

    def as_dict(self) -> dict[str, str]:
        return asdict(self)

    # Read like the dicts tables carried before: ref["dataset"], ref.get("file/url").
    def __getitem__(self, key: str) -> str:
        if key == "file/url":
            return self.location
        if key in self.__dataclass_fields__:
            return getattr(self, key)
        raise KeyError(key)

    def get(self, key: str, default=None):
        try:
            return self[key]
        except KeyError:
            return default


def source_ref(record: Mapping) -> SourceRef:
    """The citation of one provenance record (a row of ``ws.provenance()``, or a reader's provenance dict).

    The one place a citation is built: ``source`` (a path) becomes the file's
    name, and ``note`` the notes; missing fields are ''.
    """
    def text(key: str) -> str:
        value = record.get(key)
        return "" if value is None or value != value else str(value)  # None and NaN are ''

    path = text("source") or text("file")
    return SourceRef(publisher=text("publisher"), dataset=text("dataset"), vintage=text("vintage"),
                     file=PurePath(path.replace("\\", "/")).name if path else "", url=text("url"),
                     retrieved_at=text("retrieved_at"), sha256=text("sha256"), notes=text("note") or text("notes"))


def as_refs(sources: object) -> list[SourceRef]:
    """Sources given as SourceRefs, provenance-like mappings or bare descriptions, as SourceRefs."""
    if isinstance(sources, (str, Mapping, SourceRef)):
        sources = [sources]
    out = []
    for item in sources or []:
        if isinstance(item, SourceRef):
            out.append(item)
        elif isinstance(item, Mapping):
            item = dict(item)
            if item.get("file/url") and not (item.get("url") or item.get("file") or item.get("source")):
                where = str(item.pop("file/url"))
                item["url" if "://" in where else "file"] = where
            out.append(source_ref(item))
        else:
            out.append(SourceRef(dataset=str(item)))
    return out


def unique_refs(refs: Iterable[SourceRef]) -> list[SourceRef]:
    """Each source once, ordered by dataset, vintage and file."""
    return sorted(set(refs), key=lambda r: (r.dataset, r.vintage, r.file, r.url, r.publisher, r.sha256,
                                            r.retrieved_at, r.notes))
