"""Write analysis tables to CSV, XLSX and JSON, and print them in a terminal.

Every table carries its source and vintage in a ``meta`` dict::

    {"title": "Industry clusters, Example County",
     "sources": [SourceRef(publisher="BLS", dataset="QCEW", vintage="2023",
                           url="https://...")],   # exportplan.citation
     "notes": ["Withheld cells are missing, never zero."],
     "sample_data": False,
     "withheld_share": 0.04}

Where the meta goes depends on the format:

- **CSV** holds the data only (UTF-8, RFC 4180 with CRLF line ends, missing
  values as empty cells), so that any program can read it as plain
  machine-readable CSV; its sources (one row each: publisher, dataset,
  vintage, file/url, retrieved_at, sha256, notes) go into ``NAME.sources.csv``
  beside it. Use XLSX or JSON when the sources must travel inside the file.
- **XLSX** has the data sheet (bold frozen header, autofilter, column widths,
  numbers stored as numbers, text columns such as codes stored as text) and a
  ``sources`` sheet with the meta.
- **JSON** is ``{"meta": {...}, "columns": [...], "rows": [{...}, ...]}``
  with NaN, NA and infinities as ``null`` and numpy types converted.

Text cells that a spreadsheet would run as a formula (starting with ``=``,
``+``, ``-``, ``@``, tab or carriage return) are prefixed with a single quote
in CSV and XLSX, as OWASP recommends against CSV injection. Numbers are left
alone: a numeric -3 stays -3, and so does a text cell that is just a plain
number such as ``"-3.5"`` (a spreadsheet reads it as a number, not a formula).

Every write is atomic: the file is written under a temporary name in the
target folder and renamed into place only when complete, so a failed write
never leaves a partial file (and never damages an older file of that name).

Number formats follow column-name conventions (see :func:`column_format`):
counts get thousands separators, LQs two decimals, growth and shares are
fractions shown as percentages (0.12 → 12.0%), scores three decimals.
"""
from __future__ import annotations

import csv
import json
import math
import os
import re
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path

import numpy as np
import pandas as pd

from exportplan.citation import ROW_KEYS, SourceRef, as_refs
from exportplan.errors import ExportPlanError

#: Leading characters that make a spreadsheet treat a text cell as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?")
# Control characters that are not allowed in XML 1.0 (and so not in XLSX).
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SHEET_FORBIDDEN = set("[]:*?/\\")
SOURCES_SHEET = "sources"

# Column-name conventions (tokens of the lower-cased name split on non-letters).
_PERCENT_TOKENS = {"growth", "share", "coverage", "prob", "probability", "withheld"}
#: The one format of every percentage in printed tables (fractions: 0.123 -> 12.3%).
PERCENT = ".1%"
_PERCENT_NAMES = re.compile(r"^p_top\d*$")  # probabilities of staying in the top k
_RATIO_TOKENS = {"lq", "rca"}
_SCORE_TOKENS = {"score", "contrib", "contribution", "weight"}
_COUNT_TOKENS = {"employment", "emp", "estabs", "establishments", "count", "jobs",
                 "wages", "exports", "imports", "population", "firms", "companies", "value"}
_PLAIN_INT_TOKENS = {"year", "vintage", "rank", "id", "qtr", "quarter"}

Formatter = str | Callable[[object], str]

#: QCEW ownership codes as table titles say them.
OWNERSHIP_NAMES = {"0": "all ownerships", "1": "federal government", "2": "state government",
                   "3": "local government", "5": "private ownership", "8": "all government",
                   "9": "total government"}


def ownership_label(code: object) -> str:
    """The ownership a table shows, in words ('5' -> 'private ownership')."""
    return OWNERSHIP_NAMES.get(str(code).strip(), f"ownership {code}")


def ownership_note(code: object) -> str | None:
    """What a private-only table leaves out (public schools and hospitals); None for other ownerships."""
    if str(code).strip() != "5":
        return None
    return ("Private ownership only: public schools, universities and hospitals (largely government-owned) are "
            "not counted, so Educational Services and Health Care describe their private part only; "
            "--ownership 0 shows all ownerships.")


# --------------------------------------------------------------------------- atomic writes


@contextmanager
def atomic_output(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; rename it into place on success.

    The writer inside the ``with`` block writes to the yielded path. If it
    raises, the temporary file is removed and ``path`` is left as it was.
    OS errors (missing permissions, full disk) become an ExportPlanError.
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.part")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        yield tmp
        os.replace(tmp, path)
    except OSError as exc:
        raise ExportPlanError(
            f"Could not write {path}: {exc.strerror or exc}. Check that the folder "
            f"{path.parent} exists, is writable and has free space, then try again."
        ) from exc
    finally:
        with suppress(OSError):  # nothing to clean up when the folder itself is unusable
            tmp.unlink(missing_ok=True)


# --------------------------------------------------------------------------- cell helpers


def neutralise(value: object) -> object:
    """Return ``value`` made safe for a spreadsheet cell.

    Text that starts like a formula gets a leading single quote; anything that
    is not text, and text that is just a plain number, is returned unchanged.
    """
    if not isinstance(value, str) or not value.startswith(FORMULA_PREFIXES):
        return value
    if _PLAIN_NUMBER.fullmatch(value):
        return value
    return "'" + value


def is_missing(value: object) -> bool:
    """True for None, NaN, NA, NaT and infinities (written as empty/null)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, (float, np.floating)):
        return not math.isfinite(value)
    return False


def _tokens(name: object) -> set[str]:
    return set(re.split(r"[^a-z0-9]+", str(name).lower())) - {""}


def column_format(name: object, series: pd.Series | None = None, floatfmt: str = ",.2f") -> str | None:
    """The Python format spec for a numeric column, from its name and dtype.

    Returns None for text, boolean and date columns. Conventions, first match
    wins: ``score``/``contrib_*``/``weight`` → ``.3f``; ``lq``/``rca`` →
    ``.2f``; ``growth``/``share``/``coverage``/``prob``/``withheld``/
    ``p_top<k>`` (fractions) → :data:`PERCENT` (``.1%``); ``year``/``rank``/
    ``id`` → ``d``; counts (employment, establishments, exports, ...) and
    other integers → ``,.0f``; other floats → ``floatfmt``.

    >>> column_format("lq_2023"), column_format("emp_growth"), column_format("employment"), column_format("p_top5")
    ('.2f', '.1%', ',.0f', '.1%')
    """
    if series is not None and (not pd.api.types.is_numeric_dtype(series.dtype)
                               or pd.api.types.is_bool_dtype(series.dtype)):
        return None
    tokens = _tokens(name)
    if tokens & _SCORE_TOKENS or str(name).lower().startswith("contrib"):
        return ".3f"  # before the others: contrib_lq is a score part, not an LQ
    if tokens & _RATIO_TOKENS:
        return ".2f"
    if tokens & _PERCENT_TOKENS or _PERCENT_NAMES.match(str(name).lower()):
        return PERCENT
    if tokens & _PLAIN_INT_TOKENS:
        return "d"
    if tokens & _COUNT_TOKENS:
        return ",.0f"
    if series is not None and pd.api.types.is_integer_dtype(series.dtype):
        return ",.0f"
    return floatfmt


def format_value(value: object, fmt: Formatter | None, na: str = "n/a") -> str:
    """Format one cell for people: numbers with ``fmt``, missing as ``na``."""
    if is_missing(value):
        return na
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if callable(fmt):
        return fmt(value)
    if fmt and isinstance(value, (int, float, np.integer, np.floating, Decimal)):
        if fmt == "d":
            return f"{value:.0f}" if isinstance(value, (float, np.floating)) else f"{int(value)}"
        return format(float(value) if isinstance(value, Decimal) else value, fmt)
    if isinstance(value, (pd.Timestamp, datetime, date)):
        return value.isoformat()
    return " ".join(str(value).split()) if isinstance(value, str) else str(value)


def _formats_for(df: pd.DataFrame, floatfmt: str, formats: Mapping[str, Formatter] | None) -> dict:
    formats = dict(formats or {})
    return {c: formats[c] if c in formats else column_format(c, df[c], floatfmt) for c in df.columns}


# --------------------------------------------------------------------------- frame preparation


def as_pandas(frame: object) -> pd.DataFrame:
    """A pandas DataFrame from a pandas or polars frame (analysis modules return either)."""
    if isinstance(frame, pd.DataFrame):
        return frame
    if type(frame).__module__.startswith("polars") and hasattr(frame, "to_pandas"):
        return frame.to_pandas()
    raise ExportPlanError(f"Expected a pandas or polars DataFrame, got {type(frame).__name__}.")


def _prepare(df: pd.DataFrame) -> pd.DataFrame:
    """Columns as unique strings; a named index becomes columns, an unnamed one is dropped."""
    df = as_pandas(df)
    if any(n is not None for n in df.index.names):
        df = df.reset_index()
    else:
        df = df.reset_index(drop=True)
    cols = [" ".join(map(str, c)) if isinstance(c, tuple) else str(c) for c in df.columns]
    dupes = sorted({c for c in cols if cols.count(c) > 1})
    if dupes:
        raise ExportPlanError(f"The table has duplicate column names {dupes}; rename them before writing.")
    out = df.copy()
    out.columns = cols
    return out


def _python_value(value: object) -> object:
    """A plain Python value for JSON: numpy scalars unwrapped, missing → None."""
    if is_missing(value):
        return None
    if isinstance(value, np.generic):
        value = value.item()
        return None if is_missing(value) else value
    if isinstance(value, (pd.Timestamp, datetime, date, time)):
        return value.isoformat()
    if isinstance(value, pd.Timedelta):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value) if value.is_finite() else None
    if isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def to_jsonable(obj: object) -> object:
    """Convert meta (dicts, lists, numpy values, paths, dates) into JSON-ready values."""
    if isinstance(obj, SourceRef):
        return obj.as_row()
    if isinstance(obj, Mapping):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        items = sorted(obj, key=str) if isinstance(obj, (set, frozenset)) else obj
        return [to_jsonable(v) for v in items]
    if isinstance(obj, np.ndarray):
        return [to_jsonable(v) for v in obj.tolist()]
    if isinstance(obj, os.PathLike):
        return os.fspath(obj)
    return _python_value(obj)


# --------------------------------------------------------------------------- writers


def _write_csv(df: pd.DataFrame, tmp: Path, *, sheet: str, meta: dict | None,
               formats: Mapping[str, Formatter] | None) -> None:
    """Plain CSV (RFC 4180: CRLF rows, so a lone CR or LF inside text is quoted): data only."""
    safe = df.copy()
    for col in safe.columns:
        if not pd.api.types.is_numeric_dtype(safe[col].dtype):
            safe[col] = safe[col].map(neutralise, na_action="ignore")
    safe.columns = [neutralise(c) for c in safe.columns]
    safe.to_csv(tmp, index=False, encoding="utf-8", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)


def _write_json(df: pd.DataFrame, tmp: Path, *, sheet: str, meta: dict | None,
                formats: Mapping[str, Formatter] | None) -> None:
    """``{"meta", "columns", "rows"}``; NaN/NA/inf → null, numpy types → Python."""
    columns = list(df.columns)
    values = [[_python_value(v) for v in df[c].tolist()] for c in columns]
    rows = [dict(zip(columns, row)) for row in zip(*values)] if columns else []
    doc = {"meta": to_jsonable(meta or {}), "columns": columns, "rows": rows}
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(doc, fh, ensure_ascii=False, indent=1, allow_nan=False)
        fh.write("\n")


def _excel_number_format(fmt: Formatter | None) -> str | None:
    """Translate a Python format spec (',.0f', '.2f', '.1%', 'd') into an Excel one."""
    if not isinstance(fmt, str):
        return None
    m = re.fullmatch(r"(,)?(?:\.(\d+))?([fd%])", fmt)
    if not m:
        return None
    decimals = int(m.group(2) or 0) if m.group(3) != "d" else 0
    body = ("#,##0" if m.group(1) else "0") + ("." + "0" * decimals if decimals else "")
    return body + ("%" if m.group(3) == "%" else "")


def _column_width(df: pd.DataFrame, col: str, fmt: Formatter | None, sample: int = 200) -> float:
    cells = [format_value(v, fmt, na="") for v in df[col].head(sample).tolist()]
    longest = max([len(col)] + [len(c) for c in cells])
    return float(min(max(longest + 2, 6), 60))


def _xlsx_cell(ws, row: int, col: int, value: object, fmt) -> None:
    """Write one cell with its real type: numbers as numbers, text as (safe) text."""
    if is_missing(value):
        ws.write_blank(row, col, None, fmt)
    elif isinstance(value, (bool, np.bool_)):
        ws.write_boolean(row, col, bool(value), fmt)
    elif isinstance(value, (int, float, np.integer, np.floating, Decimal)):
        ws.write_number(row, col, float(value), fmt)
    elif isinstance(value, (pd.Timestamp, datetime, date)):
        stamp = pd.Timestamp(value)
        if stamp.tzinfo is not None:
            stamp = stamp.tz_convert("UTC").tz_localize(None)
        ws.write_datetime(row, col, stamp.to_pydatetime(), fmt)
    else:
        ws.write_string(row, col, _XML_ILLEGAL.sub("", str(neutralise(str(value)))), fmt)


def _xlsx_formats(wb, df: pd.DataFrame, formats: Mapping[str, Formatter] | None) -> list:
    """One cell format per column: number format, text ('@') or date."""
    fmts = _formats_for(df, ",.2f", formats)
    out = []
    for col in df.columns:
        dtype = df[col].dtype
        if pd.api.types.is_datetime64_any_dtype(dtype):
            out.append(wb.add_format({"num_format": "yyyy-mm-dd"}))
        elif pd.api.types.is_bool_dtype(dtype):
            out.append(None)
        elif pd.api.types.is_numeric_dtype(dtype):
            num = _excel_number_format(fmts[col])
            out.append(wb.add_format({"num_format": num}) if num else None)
        else:
            # '@' keeps codes such as '01' as text when a user edits the cell.
            out.append(wb.add_format({"num_format": "@"}))
    return out


def _write_data_sheet(wb, df: pd.DataFrame, sheet: str, formats: Mapping[str, Formatter] | None) -> None:
    ws = wb.add_worksheet(sheet)
    header = wb.add_format({"bold": True, "bottom": 1, "text_wrap": False})
    col_fmts = _xlsx_formats(wb, df, formats)
    py_fmts = _formats_for(df, ",.2f", formats)
    for j, col in enumerate(df.columns):
        ws.write_string(0, j, _XML_ILLEGAL.sub("", str(neutralise(col))), header)
        ws.set_column(j, j, _column_width(df, col, py_fmts[col]))
    columns = [df[c].tolist() for c in df.columns]
    for i, row in enumerate(zip(*columns), start=1):
        for j, value in enumerate(row):
            _xlsx_cell(ws, i, j, value, col_fmts[j])
    ws.freeze_panes(1, 0)
    if len(df.columns):
        ws.autofilter(0, 0, max(len(df), 1), len(df.columns) - 1)


def _source_dicts(sources: object) -> list[dict]:
    """Sources as rendered rows (:meth:`SourceRef.as_row`); a bare string is taken as the dataset's description."""
    return [ref.as_row() for ref in as_refs(sources)]


def _meta_rows(meta: Mapping | None) -> list[tuple[list[object], str | None]]:
    """The sources sheet as (cells, style) rows; style is 'label', 'header' or None."""
    if not meta:
        return [(["No source information was supplied for this table."], None)]
    meta = to_jsonable(meta)
    rows: list[tuple[list[object], str | None]] = []
    if "title" in meta:
        rows.append((["title", meta["title"]], "label"))
    if "sample_data" in meta:
        flag = "yes: illustrative figures, not real data" if meta["sample_data"] else "no"
        rows.append((["sample data", flag], "label"))
    if meta.get("withheld_share") is not None:
        rows.append((["withheld share", meta["withheld_share"]], "label"))
    sources = _source_dicts(meta.get("sources"))
    if sources:
        keys = list(ROW_KEYS)
        rows += [([], None), (["sources"], "label"), (keys, "header")]
        rows += [([s.get(k) for k in keys], None) for s in sources]
    notes = meta.get("notes") or []
    if notes:
        notes = [notes] if isinstance(notes, str) else notes
        rows += [([], None), (["notes"], "label")] + [([n], None) for n in notes]
    known = {"title", "sample_data", "withheld_share", "sources", "notes"}
    others = {k: v for k, v in meta.items() if k not in known}
    if others:
        rows.append(([], None))
        rows += [([k, json.dumps(v, ensure_ascii=False) if isinstance(v, (dict, list)) else v], "label")
                 for k, v in others.items()]
    return rows


def _write_sources_sheet(wb, meta: Mapping | None) -> None:
    ws = wb.add_worksheet(SOURCES_SHEET)
    bold = wb.add_format({"bold": True})
    for i, (cells, style) in enumerate(_meta_rows(meta)):
        for j, value in enumerate(cells):
            strong = style == "header" or (style == "label" and j == 0)
            _xlsx_cell(ws, i, j, value, bold if strong else None)
    ws.set_column(0, 0, 18)
    ws.set_column(1, 3, 30)
    ws.set_column(4, 8, 50)


def _check_sheet_name(sheet: str) -> None:
    bad = (not sheet or len(sheet) > 31 or set(sheet) & _SHEET_FORBIDDEN
           or sheet.startswith("'") or sheet.endswith("'"))
    if bad:
        raise ExportPlanError(
            f"Sheet name {sheet!r} is not allowed in Excel: use 1-31 characters, "
            "without [ ] : * ? / \\ and not starting or ending with an apostrophe.")
    if sheet.lower() == SOURCES_SHEET:
        raise ExportPlanError(f"Sheet name {sheet!r} is reserved for the sources sheet; choose another name.")


def _write_xlsx(df: pd.DataFrame, tmp: Path, *, sheet: str, meta: dict | None,
                formats: Mapping[str, Formatter] | None) -> None:
    """Data sheet plus a 'sources' sheet; strings never become formulas or links."""
    import xlsxwriter  # imported here: only XLSX output needs it

    _check_sheet_name(sheet)
    options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    wb = xlsxwriter.Workbook(str(tmp), options)
    try:
        _write_data_sheet(wb, df, sheet, formats)
        _write_sources_sheet(wb, meta)
    finally:
        wb.close()


#: Table writers by format name: the CLI and the web app offer these choices.
FORMATS: dict[str, Callable[..., None]] = {"csv": _write_csv, "xlsx": _write_xlsx, "json": _write_json}


def table_format(path: str | os.PathLike, fmt: str | None = None) -> str:
    """The format name for ``path``: ``fmt`` if given, else from the file suffix."""
    name = (fmt or Path(path).suffix.lstrip(".")).lower()
    if name not in FORMATS:
        given = f"format {fmt!r}" if fmt else f"the suffix of {Path(path).name!r}"
        raise ExportPlanError(
            f"Cannot write a table with {given}: choose one of {', '.join(sorted(FORMATS))} "
            "(pass fmt=... or use a file name ending in .csv, .xlsx or .json).")
    return name


def write_table(df: pd.DataFrame, path: str | os.PathLike, fmt: str | None = None, *,
                sheet: str = "data", meta: dict | None = None,
                formats: Mapping[str, Formatter] | None = None) -> Path:
    """Write ``df`` (pandas or polars) to ``path`` as CSV, XLSX or JSON, atomically; return the path.

    ``fmt`` defaults to the file suffix. ``meta`` (title, sources, notes,
    sample_data, withheld_share) goes into the XLSX 'sources' sheet and the
    JSON ``meta`` object; CSV holds the data only, and its sources go into a
    CSV beside it, ``NAME.sources.csv`` (:func:`sources_path`). ``formats``
    overrides the XLSX number format of a column with a Python spec such as
    ``'.1%'``.
    """
    name = table_format(path, fmt)
    frame = _prepare(df)
    path = Path(path)
    with atomic_output(path) as tmp:
        FORMATS[name](frame, tmp, sheet=sheet, meta=meta, formats=formats)
    sources = _source_dicts((meta or {}).get("sources"))
    if name == "csv" and sources:
        with atomic_output(sources_path(path)) as tmp:
            _write_csv(pd.DataFrame(sources, columns=list(ROW_KEYS)), tmp, sheet=sheet, meta=None, formats=None)
    return path


def sources_path(path: str | os.PathLike) -> Path:
    """Where the sources of the CSV table ``path`` are written: ``clusters.csv`` -> ``clusters.sources.csv``."""
    path = Path(path)
    return path.with_name(f"{path.stem}.sources.csv")


# --------------------------------------------------------------------------- terminal


def render_text_table(df: pd.DataFrame, *, max_rows: int | None = None,
                      columns: Sequence[str] | None = None, floatfmt: str = ",.2f",
                      formats: Mapping[str, Formatter] | None = None, na: str = "n/a",
                      marks: Mapping[str, Sequence[str]] | None = None,
                      ranges: Mapping[str, Sequence[tuple | None]] | None = None) -> str:
    """An aligned plain-text table for the terminal.

    Numbers are right-aligned and formatted by :func:`column_format` (or by
    ``formats``: a column → format spec or callable); text is left-aligned.
    With ``max_rows``, a last line says how many rows were left out.
    ``marks`` (column → one suffix per row, e.g. '~' for an estimate) are
    appended to the formatted values; ``ranges`` (column → per row None or
    ``(low, high)``) print a missing value as its bounds, ``low..high``
    (``>=low`` when high is None).

    >>> print(render_text_table(pd.DataFrame({"naics": ["11"], "employment": [12345], "lq": [1.234]})))
    naics  employment    lq
    -----  ----------  ----
    11         12,345  1.23
    """
    frame = _prepare(df)
    if columns is not None:
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise ExportPlanError(f"Columns {missing} are not in the table; it has {list(frame.columns)}.")
        frame = frame[list(columns)]
    shown = frame if max_rows is None else frame.head(max_rows)
    fmts = _formats_for(frame, floatfmt, formats)
    cells = {c: [format_value(v, fmts[c], na) for v in shown[c].tolist()] for c in frame.columns}
    for c, rows in (ranges or {}).items():
        for i, bounds in enumerate(list(rows)[:len(shown)]):
            if c in cells and bounds is not None and is_missing(shown[c].iloc[i]) and not is_missing(bounds[0]):
                low = format_value(bounds[0], fmts[c], na)
                cells[c][i] = f">={low}" if is_missing(bounds[1]) else f"{low}..{format_value(bounds[1], fmts[c], na)}"
    for c, rows in (marks or {}).items():
        for i, mark in enumerate(list(rows)[:len(shown)]):
            if c in cells and mark:
                cells[c][i] += mark
    lines = [_align_row(frame, cells, i) for i in range(-2, len(shown))]
    if len(shown) < len(frame):
        lines.append(f"... {len(frame) - len(shown):,} more rows ({len(frame):,} in all)")
    return "\n".join(lines)


def _align_row(frame: pd.DataFrame, cells: dict[str, list[str]], i: int) -> str:
    """Row ``i`` of the table; -2 is the header and -1 the rule under it."""
    parts = []
    for col in frame.columns:
        width = max([len(col)] + [len(c) for c in cells[col]])
        numeric = (pd.api.types.is_numeric_dtype(frame[col].dtype)
                   and not pd.api.types.is_bool_dtype(frame[col].dtype))
        text = col if i == -2 else "-" * width if i == -1 else cells[col][i]
        parts.append(text.rjust(width) if numeric else text.ljust(width))
    return "  ".join(parts).rstrip()
