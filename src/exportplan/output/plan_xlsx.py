"""The plan's XLSX appendix: every table of the plan, whole, one sheet each, with a contents and a sources sheet.

The plan document shows the first ``Table.max_rows`` rows of a long table and
points here for the rest ("N more rows in the XLSX appendix, sheet KEY"), so
this workbook holds every row. Sheets, in order:

- ``contents``: the plan's title, region, organization, date and edition (and
  a SAMPLE DATA line for a sample plan), then one row per table sheet: its
  sheet (a link to it), section number and title, table title, rows, source
  line and notes; the plan's method notes follow;
- one sheet per table, named by :func:`sheet_names` (the table's key made a
  valid, unique Excel name), written like every other workbook of the project
  (bold frozen header, autofilter, numbers as numbers, the table's number
  formats);
- ``sources``: every source the plan cites (:data:`~exportplan.citation.ROW_KEYS`).

Text cells are formula-safe (:func:`~exportplan.output.workbook.neutralise_text`:
``=x`` is written ``'=x`` and ``imports.companies.restore`` gives it back),
characters XML cannot hold are dropped, and the workbook's creation time is
the plan's date, so two writes of one plan give byte-identical files.
"""
from __future__ import annotations

import os
import re
from datetime import datetime
from pathlib import Path

import pandas as pd

from exportplan.citation import ROW_KEYS
from exportplan.errors import ExportPlanError
from exportplan.output.tables import SOURCES_SHEET, _write_data_sheet, _xlsx_cell, atomic_output
from exportplan.output.workbook import _safe, neutralise_text
from exportplan.plan_model import Plan, Section, Table, source_text

#: The first sheet: what the workbook holds.
CONTENTS_SHEET = "contents"
_MAX_SHEET = 31
_FORBIDDEN = re.compile(r"[\[\]:*?/\\\x00-\x1f]")
#: Names a table sheet may not take (Excel reserves "History"; the other two are this workbook's own).
_RESERVED = {CONTENTS_SHEET, SOURCES_SHEET, "history"}
_CONTENTS_COLUMNS = ("sheet", "section", "section title", "table", "rows", "source", "notes")
# Characters XML 1.0 cannot hold.
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _text(value: object) -> str:
    """Plain text for a document property: characters XML cannot hold dropped."""
    return _XML_ILLEGAL.sub("", str(value or ""))


def _cell(ws, row: int, col: int, value: object, fmt) -> None:
    """One cell of the contents sheet: text neutralised like every table cell (restorable), numbers as numbers."""
    _xlsx_cell(ws, row, col, neutralise_text(value), fmt)


def plan_datetime(plan: Plan) -> datetime:
    """The plan's date as a datetime (files' fixed creation time): ISO ``2026-12-03`` or anything pandas
    reads; 2000-01-01 when the date cannot be read, so the files stay reproducible either way."""
    text = str(plan.date or "").strip()
    try:
        return datetime.fromisoformat(text[:10])
    except ValueError:
        pass
    try:
        stamp = pd.Timestamp(text)
    except (ValueError, TypeError):
        return datetime(2000, 1, 1)
    if pd.isna(stamp):
        return datetime(2000, 1, 1)
    return stamp.tz_localize(None).to_pydatetime() if stamp.tzinfo else stamp.to_pydatetime()


def _base_name(key: str) -> str:
    """``key`` as an Excel sheet name: forbidden characters as '_', no edge apostrophes, at most 31 chars."""
    name = _FORBIDDEN.sub("_", str(key or "")).strip().strip("'").strip()
    name = name[:_MAX_SHEET].rstrip().rstrip("'") or "table"
    return name


def sheet_names(plan: Plan) -> dict[int, str]:
    """Each table's sheet name, by ``id(table)``, in document order.

    The name is the table's key made a valid Excel name; a key that clashes
    (Excel ignores case) with an earlier one or with ``contents``, ``sources``
    or ``History`` gets ``~2``, ``~3``, ... (shortened to fit 31 characters).
    Deterministic: the same plan always gives the same names.
    """
    taken = set(_RESERVED)
    out: dict[int, str] = {}
    for table in plan.tables():
        base = _base_name(table.key)
        name, n = base, 1
        while name.lower() in taken:
            n += 1
            suffix = f"~{n}"
            name = base[:_MAX_SHEET - len(suffix)].rstrip("'") + suffix
        taken.add(name.lower())
        out[id(table)] = name
    return out


def _table_sections(plan: Plan) -> list[tuple[Section, Table]]:
    return [(s, b) for s in plan.walk() for b in s.blocks if isinstance(b, Table)]


def _frame(table: Table) -> pd.DataFrame:
    """The table's frame ready for a sheet; duplicate or odd column names stopped with what to fix."""
    frame = table.frame
    if not isinstance(frame, pd.DataFrame):
        raise ExportPlanError(f"Table {table.key!r} ({table.title}) has no DataFrame (got {type(frame).__name__}); "
                              "build the plan again.")
    try:
        return _safe(frame)
    except ExportPlanError as exc:
        raise ExportPlanError(f"Table {table.key!r} ({table.title}): {exc}") from exc


def _sources_frame(plan: Plan) -> pd.DataFrame:
    rows = [ref.as_row() for ref in plan.sources()]
    return pd.DataFrame(rows, columns=list(ROW_KEYS), dtype=object)


def _sheet_link(name: str) -> str:
    return "internal:'" + name.replace("'", "''") + "'!A1"


def _write_contents(book, plan: Plan, entries: list[tuple[str, Section, Table, int]]) -> None:
    ws = book.add_worksheet(CONTENTS_SHEET)
    title = book.add_format({"bold": True, "font_size": 14})
    bold = book.add_format({"bold": True})
    header = book.add_format({"bold": True, "bottom": 1})
    red = book.add_format({"bold": True, "font_color": "#C00000"})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})
    link = book.add_format({"font_color": "#0563C1", "underline": 1, "valign": "top"})
    top = book.add_format({"valign": "top"})
    row = 0
    _cell(ws, row, 0, f"{plan.title}: appendix tables", title)
    row += 1
    facts = [("region", plan.region), ("organization", plan.organization), ("date", plan.date),
             ("edition", plan.edition)]
    for label, value in facts:
        _cell(ws, row, 0, label, bold)
        _cell(ws, row, 1, value, None)
        row += 1
    if plan.sample:
        _cell(ws, row, 0, "SAMPLE DATA: the figures are illustrative, not real.", red)
        row += 1
    row += 1
    for j, name in enumerate(_CONTENTS_COLUMNS):
        _cell(ws, row, j, name, header)
    first = row
    for sheet, section, table, n_rows in entries:
        row += 1
        # A link to the sheet; the cell's text is the sheet's name (never a formula: sheet names cannot start one).
        ws.write_url(row, 0, _sheet_link(sheet), link, string=_text(neutralise_text(sheet)))
        cells = [section.number, section.title, table.title, n_rows, source_text(table.sources),
                 "\n".join(str(n) for n in table.notes)]
        for j, value in enumerate(cells, start=1):
            _cell(ws, row, j, value, wrap if j in (5, 6) else top)
    ws.freeze_panes(first + 1, 0)
    if plan.method_notes:
        row += 2
        _cell(ws, row, 0, "Method notes", bold)
        for note in plan.method_notes:
            row += 1
            _cell(ws, row, 0, note, None)
    for j, width in enumerate((24, 9, 28, 40, 7, 60, 50)):
        ws.set_column(j, j, width)


def write_xlsx(plan: Plan, path: str | os.PathLike) -> Path:
    """Write the plan's XLSX appendix to ``path``, atomically; return the path (see the module docstring)."""
    import xlsxwriter  # only XLSX output needs it

    names = sheet_names(plan)
    entries = []
    frames: dict[str, tuple[pd.DataFrame, dict]] = {}
    for section, table in _table_sections(plan):
        sheet = names[id(table)]
        frame = _frame(table)
        formats = {str(k): v for k, v in (table.formats or {}).items() if str(k) in frame.columns}
        frames[sheet] = (frame, formats)
        entries.append((sheet, section, table, len(frame)))
    sources = _safe(_sources_frame(plan))
    path = Path(path)
    options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    with atomic_output(path) as tmp:
        book = xlsxwriter.Workbook(str(tmp), options)
        book.set_properties({"title": _text(f"{plan.title}: appendix tables"), "author": _text(plan.organization),
                             "subject": _text(plan.region), "created": plan_datetime(plan),
                             "comments": "SAMPLE DATA: illustrative figures" if plan.sample else ""})
        try:
            _write_contents(book, plan, entries)
            for sheet, (frame, formats) in frames.items():
                _write_data_sheet(book, frame, sheet, formats)
            _write_data_sheet(book, sources, SOURCES_SHEET, None)
        finally:
            book.close()
    return path


__all__ = ["CONTENTS_SHEET", "plan_datetime", "sheet_names", "write_xlsx"]
