"""Reading the user's table file (CSV or XLSX) into a grid of strings, never inferring types.

:func:`read_any` (a frame) and :func:`read_rows` (the same lines as lists)
decide by content whether a file is a workbook (through
:mod:`exportplan.sources.filekind`), read a workbook with the shared
:func:`~exportplan.sources.textio.workbook_rows` (a formula's saved result; a
formula without one kept as inert text) and decode a CSV with the shared
:func:`~exportplan.sources.textio.decode_with`, sniffing its delimiter. A
missing, empty, corrupt or half-written file is an
:class:`~exportplan.errors.ImportFailed` that says what to do.
"""
from __future__ import annotations

import codecs
import csv
import io
import re
from datetime import date, datetime, time
from pathlib import Path

import pandas as pd

from exportplan.errors import ErrorTable, ImportFailed, Problem
from exportplan.imports.cells import MAX_TEXT
from exportplan.imports.guard import check_file
from exportplan.sources.filekind import OLE, is_workbook
from exportplan.sources.textio import Formula, MissingSheet, UnreadableWorkbook, decode_with, workbook_rows

DELIMITERS = (",", ";", "\t", "|")


def _fail(label: str, problem: str, fix: str, **where) -> ImportFailed:
    table = ErrorTable()
    table.add(problem, fix, file=label, **where)
    return ImportFailed(f"Reading {label}", table)


def read_any(path: str | Path, *, sheet: str | None = None,
             label: str | None = None) -> pd.DataFrame:
    """Read a CSV or XLSX file into a grid of strings, never inferring types.

    The result has integer column positions, one row per line of the file
    (index ``line`` = the line number a user sees) and ``''`` for empty
    cells. XLSX: the first sheet, or ``sheet`` by name. CSV: delimiter
    sniffed among ``, ; TAB |``; encoding UTF-8 (with or without BOM), then
    UTF-16 by BOM, then Windows-1252, then Latin-1. Notes (e.g. the encoding
    fallback) are in ``grid.attrs["notes"]`` as :class:`Problem` objects.
    Raises :class:`ImportFailed` with a clear message for a missing, empty,
    corrupt or half-written file.
    """
    return _grid(*read_rows(path, sheet=sheet, label=label))


def read_rows(path: str | Path, *, sheet: str | None = None,
              label: str | None = None) -> tuple[list[tuple[int, list[str]]], list[Problem]]:
    """The lines of a CSV or XLSX file as ``([(line, cells)], notes)``: what :func:`read_any` reads,
    without building its frame.

    ``cells`` are strings (``''`` for an empty cell) and lines are not padded:
    a short line has fewer cells. Checks, notes and errors are exactly those
    of :func:`read_any`; a caller that works line by line (a large company
    file) saves building and unpacking a frame of every cell.
    """
    path = Path(path)
    label = label or path.name
    if not path.is_file():
        raise _fail(label, f"file not found: {path}", "Check the file name and folder.")
    # A last line cut short of its fields (the reader itself reports empty, binary and unclosed-quote files).
    check_file(path, "table", utf16=True, empty=False, workbook=False, binary=False, text=False, quotes=False)
    data = path.read_bytes()
    if not data.strip(b" \t\r\n\x00\xef\xbb\xbf"):
        raise _fail(label, "the file is empty",
                    "Save the table with a header line and at least one data line.")
    if _is_xlsx(data, path, label):
        rows, notes = _xlsx_rows(path, sheet, label)
    else:
        rows, notes = _csv_rows(data, label)
    if not any(cell.strip() for _, cells in rows for cell in cells):
        raise _fail(label, "the file has no data (every cell is empty)",
                    "Save the table with a header line and at least one data line.")
    return rows, notes


def _is_xlsx(data: bytes, path: Path, label: str) -> bool:
    """Decide by content (an .xlsx renamed .csv is still a workbook)."""
    suffix = path.suffix.lower()
    if suffix in (".ods", ".numbers"):
        raise _fail(label, f"{suffix} spreadsheets cannot be read",
                    "Save the sheet as .xlsx (Excel Workbook) or CSV UTF-8, then retry.")
    if is_workbook(data):
        return True
    if data.startswith(OLE):
        raise _fail(label, "this is an old-style .xls workbook (or a password-protected one)",
                    "Open it in Excel and save it as .xlsx (Excel Workbook) or CSV UTF-8, "
                    "without a password.")
    if suffix in (".xlsx", ".xlsm"):
        raise _fail(label, "the file is not a valid Excel workbook: it is damaged, "
                    "only partly written, or not really an .xlsx file",
                    "Open it in Excel and save it again (or export it as CSV UTF-8), then retry.")
    return False


def _grid(rows: list[tuple[int, list[str]]], notes: list[Problem]) -> pd.DataFrame:
    """The frame of :func:`read_any`: ``rows`` padded to the widest with ``''``."""
    width = max(len(cells) for _, cells in rows)
    body = [cells + [""] * (width - len(cells)) for _, cells in rows]
    index = pd.Index([line for line, _ in rows], name="line")
    grid = pd.DataFrame(body, index=index, dtype="str")
    grid.attrs["notes"] = notes
    return grid


_XLSX_FIX = "Open it in Excel and save it again (or export it as CSV UTF-8), then retry."


def _xlsx_rows(path: Path, sheet: str | None, label: str):
    """Rows of one sheet as strings; formulas give their saved value."""
    try:
        ((_, values),) = workbook_rows(path, _XLSX_FIX, sheet=sheet, first_only=True, formulas=True)
    except MissingSheet as exc:
        raise _fail(label, f"the workbook has no sheet named {exc.sheet!r}",
                    f"Use one of the sheets: {', '.join(exc.sheets)}.") from exc
    except UnreadableWorkbook as exc:
        cause = exc.cause
        raise _fail(label, f"the workbook cannot be read ({cause.__class__.__name__}: {cause}); "
                    "it is damaged or was only partly written", _XLSX_FIX) from cause
    return _sheet_cells(values, label)


def _sheet_cells(values: list[tuple], label: str):
    rows, kept = [], []
    for line, row in enumerate(values, start=1):
        # A formula without a saved result (file not saved by Excel) keeps its text, inert.
        kept += [line for value in row if isinstance(value, Formula)]
        rows.append((line, [cell_text(value) for value in row]))
    notes = []
    if kept:
        notes.append(Problem(
            f"{len(kept)} formula cell(s) had no saved result and were kept as plain text "
            f"(lines {lines_text(kept)}); formulas are never evaluated",
            "Open the file in Excel and save it so that formula results are stored, "
            "or type the values.", file=label, row=kept[0]))
    return rows, notes


def cell_text(value: object) -> str:
    """A spreadsheet cell's value as the text a user sees (``1234.0`` -> ``'1234'``)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        if value != value:
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat()
    if isinstance(value, (date, time)):
        return value.isoformat()
    return str(value)


def _decode(data: bytes, label: str) -> tuple[str, list[Problem]]:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), []
    # Excel's plain "CSV" on Windows is Windows-1252; Latin-1 decodes anything.
    text, encoding = decode_with(data, "cp1252", "latin-1")
    if encoding == "utf-8":
        return text, []
    return text, [Problem(
        f"the file is not UTF-8; it was read as {encoding}",
        "If accented names look wrong, save the file from Excel as 'CSV UTF-8'.", file=label)]


def _csv_rows(data: bytes, label: str):
    text, notes = _decode(data, label)
    if "\x00" in text:
        raise _fail(label, "the file contains NUL bytes: it is only partly written, or it is "
                    "not a text (CSV) file", "Wait until the file is fully saved, or save it "
                    "again from Excel as CSV UTF-8 or .xlsx, then retry.")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text),
                        strict=True)
    rows, last = [], 0
    try:
        for cells in reader:
            rows.append((last + 1, cells))
            last = reader.line_num
    except csv.Error as exc:
        if "field larger" in str(exc):
            raise _fail(label, f"a cell is longer than {csv.field_size_limit():,} characters",
                        "Shorten the cell (the limit for text is "
                        f"{MAX_TEXT} characters).", row=last + 1) from exc
        raise _fail(label, f"the CSV cannot be parsed ({exc}); the file may be only partly "
                    "written or have a stray double quote", "Check the quotes on this line, or "
                    "save the file again from Excel as CSV UTF-8.", row=last + 1) from exc
    return rows, notes


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first lines most consistently into >1 cells.

    Consistency (share of lines with the most common cell count) wins over
    cell count, so that ``1,234`` in a ``;`` file does not fool it.

    >>> sniff_delimiter("country;value\\nMexico;1,234\\nCanada;12\\n")
    ';'
    """
    lines = [ln[:5000] for ln in text[:200_000].splitlines()[:30] if ln.strip()]
    hint = re.fullmatch(r'"?sep=(.)"?', lines[0].strip()) if lines else None
    if hint:  # Excel's own delimiter line, e.g. "sep=;"
        return hint[1]
    best, best_score = ",", (0.0, 0)
    for delim in DELIMITERS:
        counts = [len(r) for r in csv.reader(lines, delimiter=delim)]
        mode = max(set(counts), key=counts.count) if counts else 1
        score = (counts.count(mode) / len(counts), mode) if mode > 1 else (0.0, 0)
        if score > best_score:
            best, best_score = delim, score
    return best


def lines_text(lines: list[int], limit: int = 10) -> str:
    """Line numbers for a message: ``'3, 5, 8'``, the first ``limit`` and how many more."""
    shown = ", ".join(str(n) for n in lines[:limit])
    return shown + (f" and {len(lines) - limit} more" if len(lines) > limit else "")
