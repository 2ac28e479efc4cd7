"""Several tables in one XLSX workbook (one sheet each), plus their CSV and JSON forms; atomic and formula-safe.

:mod:`exportplan.output.tables` writes one analysis table with its sources.
The record exports (the exporter pipeline: companies, interactions, needs,
...) are several tables that must import back unchanged, so they are written
here, with the same cell writer, formats and atomic rename:

- :func:`write_workbook`: ``{sheet name: frame}`` -> one XLSX, one sheet per
  frame in the given order (bold frozen header, autofilter, numbers as
  numbers, text columns as text);
- :func:`write_csv`: one frame -> plain CSV (UTF-8, CRLF, RFC 4180), no
  sources file beside it;
- :func:`write_json`: ``{sheet name: frame}`` -> ``{sheet: [{column: value}, ...]}``
  (missing values as ``null``).

Formula safety: a text cell starting with ``=``, ``+``, ``-``, ``@``, tab or
carriage return gets a leading single quote (:func:`~exportplan.output.tables.neutralise`).
So that an importer can strip exactly one quote and get the text back,
:func:`neutralise_text` also quotes text that *already* starts with one or
more quotes followed by one of those characters (``'=x`` is written
``''=x``). JSON is not a spreadsheet and is written as is.

Every write goes to a temporary file in the target folder that is renamed
into place when complete, so a failed write leaves no partial file.
"""
from __future__ import annotations

from datetime import datetime

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from exportplan.errors import ExportPlanError
from exportplan.output.tables import (_check_sheet_name, _python_value, _write_csv, _write_data_sheet,
                                      atomic_output, neutralise)

_QUOTED_FORMULA = re.compile(r"'+[=+\-@\t\r]")


def neutralise_text(value: object) -> object:
    """:func:`neutralise`, and one more quote before text that already starts with quotes and a formula sign.

    An importer that strips exactly one leading quote before ``= + - @``
    (or before quotes followed by one) gets the original text back.

    >>> neutralise_text("=SUM(A1)"), neutralise_text("'=x"), neutralise_text("-3.5"), neutralise_text("it's")
    ("'=SUM(A1)", "''=x", '-3.5', "it's")
    """
    if isinstance(value, str) and _QUOTED_FORMULA.match(value):
        return "'" + value
    return neutralise(value)


def _safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with every text cell neutralised (numbers untouched); unique string column names required."""
    if not isinstance(frame, pd.DataFrame):
        raise ExportPlanError(f"Expected a pandas DataFrame, got {type(frame).__name__}.")
    cols = [str(c) for c in frame.columns]
    dupes = sorted({c for c in cols if cols.count(c) > 1})
    if dupes:
        raise ExportPlanError(f"The table has duplicate column names {dupes}; rename them before writing.")
    out = frame.reset_index(drop=True).copy()
    out.columns = cols
    for col in cols:
        if not pd.api.types.is_numeric_dtype(out[col].dtype):
            out[col] = out[col].map(neutralise_text, na_action="ignore")
    return out


def write_workbook(sheets: Mapping[str, pd.DataFrame], path: str | os.PathLike, *,
                   created: datetime | None = None) -> Path:
    """Write each frame of ``sheets`` to its own sheet of one XLSX workbook at ``path``, atomically.

    ``created`` fixes the workbook's creation time (default: now), for byte-identical files.

    Sheets come in the mapping's order. Text is written as text (never a
    formula or a link) and neutralised; numbers are numbers; missing values
    are empty cells. Sheet names must be valid Excel names (not ``sources``).
    """
    import xlsxwriter  # only XLSX output needs it

    if not sheets:
        raise ExportPlanError("Nothing to write: a workbook needs at least one sheet.")
    seen: set[str] = set()
    for name in sheets:
        _check_sheet_name(name)
        if name.lower() in seen:
            raise ExportPlanError(f"Two sheets are named {name!r} (Excel ignores case); rename one.")
        seen.add(name.lower())
    safe = {name: _safe(frame) for name, frame in sheets.items()}
    path = Path(path)
    options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    with atomic_output(path) as tmp:
        book = xlsxwriter.Workbook(str(tmp), options)
        if created is not None:
            book.set_properties({"created": created})
        try:
            for name, frame in safe.items():
                _write_data_sheet(book, frame, name, None)
        finally:
            book.close()
    return path


def write_csv(frame: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write one frame as plain CSV (UTF-8, CRLF rows, text neutralised), atomically; no sources file."""
    safe = _safe(frame)
    path = Path(path)
    with atomic_output(path) as tmp:
        _write_csv(safe, tmp, sheet="", meta=None, formats=None)
    return path


def write_json(sheets: Mapping[str, pd.DataFrame], path: str | os.PathLike) -> Path:
    """Write ``{sheet: [{column: value}, ...]}`` (UTF-8, missing as null, numpy values unwrapped), atomically."""
    doc = {}
    for name, frame in sheets.items():
        columns = [str(c) for c in frame.columns]
        values = [[_python_value(v) for v in frame[c].tolist()] for c in frame.columns]
        doc[name] = [dict(zip(columns, row)) for row in zip(*values)] if columns else []
    path = Path(path)
    with atomic_output(path) as tmp:
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, ensure_ascii=False, indent=1, allow_nan=False)
            fh.write("\n")
    return path


__all__ = ["neutralise_text", "write_csv", "write_json", "write_workbook"]
