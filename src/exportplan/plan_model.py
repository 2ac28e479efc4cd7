"""The regional export plan as data: sections holding paragraphs, tables, charts and notes.

One model, built by the workspace (``ws.plan``), rendered to every format by
``output/plan_*`` (HTML, PDF, DOCX, Markdown, XLSX). Renderers never compute:
they lay out what the model holds, and escape every piece of text (user text
is never markup). Every table and chart carries its sources
(:class:`~exportplan.citation.SourceRef`) and notes; the plan's own source list
is the union of them.

Text is plain: paragraphs are separated by a blank line, a line starting with
"- " is a bullet. Nothing else is interpreted, in any format.
"""
from __future__ import annotations

import numbers
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from exportplan.citation import SourceRef, unique_refs

#: Section kinds (plan-outline.md): built from the data, written by staff (pre-filled with a draft), or both.
KINDS = ("data", "staff", "data+staff")
#: Editions: public (no company-level information, small counts suppressed) or internal.
EDITIONS = ("public", "internal")
#: Counts under this are suppressed in the public edition.
SUPPRESS_BELOW = 3
#: What a suppressed count shows.
SUPPRESSED = "<3"


@dataclass
class Paragraphs:
    """Plain text (see the module docstring); ``role`` says how it reads: text, a note, a draft to edit, or a
    statement of what is missing and how to get it."""

    text: str
    role: str = "text"  # text | note | draft | missing


@dataclass
class Table:
    """A table of the plan: its frame (shown as is, column names as headers), title and citations.

    ``formats`` maps a column to a format spec (",.0f", ".1%"); ``key`` names its sheet in
    the XLSX appendix (unique in a plan, at most 31 characters).
    """

    key: str
    title: str
    frame: pd.DataFrame
    sources: list[SourceRef] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    formats: dict[str, str] = field(default_factory=dict)
    #: Rows shown in the document (all rows go to the XLSX appendix); None = all.
    max_rows: int | None = 25


@dataclass
class Chart:
    """A chart drawn to files beforehand: ``png`` (every format can embed it) and ``svg`` when drawn."""

    key: str
    title: str
    png: Path
    svg: Path | None = None
    alt: str = ""
    sources: list[SourceRef] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


Block = Paragraphs | Table | Chart


@dataclass
class Section:
    """One section of the outline: its number ("3.1"), title, kind and content, then its subsections."""

    key: str
    number: str
    title: str
    kind: str = "data"
    blocks: list[Block] = field(default_factory=list)
    children: list["Section"] = field(default_factory=list)
    #: The command that replaces the section's draft (its label in every format); blank: the regional plan's
    #: ``exportplan plan edit KEY``.
    edit_command: str = ""

    @property
    def level(self) -> int:
        """1 for a chapter ("3"), 2 for "3.1", ..."""
        return self.number.count(".") + 1 if self.number else 1

    def walk(self) -> Iterator["Section"]:
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass
class Plan:
    """The whole plan: front matter, sections in order, and the method notes."""

    title: str
    region: str
    organization: str
    date: str
    edition: str
    sections: list[Section]
    sample: bool = False
    method_notes: list[str] = field(default_factory=list)
    #: Headline figures for the cover: (label, value as text, source) triples.
    headline: list[tuple[str, str, str]] = field(default_factory=list)

    def walk(self) -> Iterator[Section]:
        """Every section, depth first, in document order."""
        for section in self.sections:
            yield from section.walk()

    def tables(self) -> list[Table]:
        return [b for s in self.walk() for b in s.blocks if isinstance(b, Table)]

    def charts(self) -> list[Chart]:
        return [b for s in self.walk() for b in s.blocks if isinstance(b, Chart)]

    def sources(self) -> list[SourceRef]:
        """Every source cited by a table or chart of the plan, once, in order of first use."""
        refs: list[SourceRef] = []
        for section in self.walk():
            for block in section.blocks:
                if isinstance(block, (Table, Chart)):
                    refs.extend(block.sources)
        return unique_refs(refs)

    def section(self, key: str) -> Section:
        for section in self.walk():
            if section.key == key:
                return section
        raise KeyError(key)


def paragraphs(text: str) -> list[tuple[str, list[str]]]:
    """Plain text as (kind, lines) blocks: ("p", [text]) per paragraph, ("ul", [items]) per bullet list.

    >>> paragraphs("One\\ntwo.\\n\\n- a\\n- b")
    [('p', ['One two.']), ('ul', ['a', 'b'])]
    """
    out: list[tuple[str, list[str]]] = []
    for chunk in str(text or "").replace("\r\n", "\n").split("\n\n"):
        lines = [line.strip() for line in chunk.split("\n") if line.strip()]
        if not lines:
            continue
        if all(line.startswith("- ") for line in lines):
            out.append(("ul", [line[2:].strip() for line in lines]))
        else:
            out.append(("p", [" ".join(lines)]))
    return out


def ref_text(ref: SourceRef) -> str:
    """One citation in words: 'Publisher, dataset, vintage (file or URL)'."""
    head = ", ".join(part for part in (ref.publisher, ref.dataset, ref.vintage) if part)
    where = ref.location
    return f"{head} ({where})" if head and where else (head or where)


def source_text(refs: Sequence[SourceRef]) -> str:
    """'Source: A; B.' from citations, compact: the files of one publisher's dataset are one entry with their
    vintages ('BLS, QCEW, 2018-2023 (30 files)'); the full list is the plan's sources appendix."""
    groups: dict[tuple[str, str], list[SourceRef]] = {}
    for ref in refs:
        groups.setdefault((ref.publisher, ref.dataset), []).append(ref)
    texts = []
    for (publisher, dataset), members in groups.items():
        if len(members) == 1:
            texts.append(ref_text(members[0]))
            continue
        vintages = sorted({m.vintage for m in members if m.vintage})
        head = ", ".join(part for part in (publisher, dataset, _span(vintages)) if part)
        files = len({m.location for m in members if m.location})
        texts.append(f"{head} ({files} files)" if files > 1 else head)
    texts = list(dict.fromkeys(t for t in texts if t))
    return "Source: " + "; ".join(texts) + "." if texts else ""


def _span(vintages: list[str]) -> str:
    """Vintages in words: '2018-2023' when they are the years between, else listed."""
    years = [v[:4] for v in vintages]
    if len(vintages) > 2 and all(y.isdigit() for y in years):
        low, high = min(years), max(years)
        if sorted(set(years)) == [str(y) for y in range(int(low), int(high) + 1)]:
            return f"{low}-{high}"
    return ", ".join(vintages)


def cell_text(value: object, spec: str | None = None) -> str:
    """One table cell as text: blanks as '', numbers by ``spec`` (or as they are), the rest as str."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, numbers.Number):  # numpy numbers too
        value = value.item() if hasattr(value, "item") else value
    if spec and isinstance(value, (int, float)):
        try:
            return format(value, spec)
        except (TypeError, ValueError):
            return str(value)
    if isinstance(value, float) and value.is_integer():
        return f"{value:,.0f}"
    if isinstance(value, float):
        return f"{value:,.3g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


__all__ = ["Block", "Chart", "EDITIONS", "KINDS", "Paragraphs", "Plan", "SUPPRESSED", "SUPPRESS_BELOW", "Section",
           "Table", "cell_text", "paragraphs", "ref_text", "source_text"]
