"""A small declarative validator for the user's own tables (CSV or XLSX).

A :class:`TableSpec` lists :class:`Column` specs. :func:`validate` reads a file
(or takes a frame), finds the header line, maps the user's header spellings
onto canonical column names, converts every cell to its declared type and
collects *every* problem into one :class:`~exportplan.errors.ErrorTable`
(file, line, column, value, problem, fix). If there is any problem it raises
:class:`~exportplan.errors.ImportFailed` and returns nothing: imports are
all-or-nothing.

Line numbers are those a user sees: the Excel row number, or the line in a
text editor for CSV (a quoted cell spanning several lines counts them all).

Text is stored inert: control characters are removed, length is capped, and a
cell such as ``=HYPERLINK(...)`` or ``<script>`` is kept as plain text and
never evaluated (a warning says so). Whoever writes the text out must escape
it for that format (HTML escaping; spreadsheet writers neutralise a leading
``=``, ``+``, ``-`` or ``@``).

Column types: ``text``, ``code`` (text identifiers), ``int``, ``float``,
``year``, ``bool``, ``choice``, ``iso3`` (a country name or code mapped with
:func:`exportplan.sources.countries.map_column`) and ``naics`` (2-6 digits or
the sector ranges ``31-33``, ``44-45``, ``48-49``; kept as text).
"""
from __future__ import annotations

import codecs
import csv
import io
import itertools
import math
import re
import unicodedata
import warnings
import zipfile
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

import pandas as pd

from exportplan.errors import ErrorTable, ImportFailed, Problem
from exportplan.imports.guard import check_file
from exportplan.sources.filekind import OLE, is_workbook
from exportplan.sources.textio import decode_with

TYPES = ("text", "code", "int", "float", "year", "bool", "choice", "iso3", "naics")
MAX_TEXT = 500
MAX_NUMBER = 1e15  # above any count or US$ amount a region has; larger means a typo
HEADER_SCAN_ROWS = 10
DELIMITERS = (",", ";", "\t", "|")

# Markers spreadsheets and statistical offices use for "no value" in numbers.
MISSING_NUMBER = frozenset({"na", "n/a", "n.a.", "-", "--", "..", "...", "—", "–",
                            "null", "nan", "none", "#n/a"})
TRUE_WORDS = frozenset({"true", "yes", "y", "1", "x", "t"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "f"})
NAICS_SECTORS = frozenset({"11", "21", "22", "23", "31", "32", "33", "42", "44", "45",
                           "48", "49", "51", "52", "53", "54", "55", "56", "61", "62",
                           "71", "72", "81", "92"})
NAICS_RANGES = {"31": "31-33", "32": "31-33", "33": "31-33", "44": "44-45",
                "45": "44-45", "48": "48-49", "49": "48-49"}
FORMULA_SIGNS = ("=", "+", "-", "@")
_DTYPES = {"int": "Int64", "year": "Int64", "float": "float64", "bool": "boolean"}
# Control characters (Unicode category Cc) and bidi overrides ("Trojan Source").
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\u200e\u200f]")
_GROUPED = re.compile(r"[+-]?\d{1,3}([,\u00a0\u202f' ])\d{3}(?:\1\d{3})*(?:\.\d+)?")
_PLAIN = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


class InvalidValue(ValueError):
    """One cell (or row) is wrong: what is wrong and how to fix it."""

    def __init__(self, problem: str, fix: str, column: str | None = None):
        super().__init__(problem)
        self.problem, self.fix, self.column = problem, fix, column


@dataclass(frozen=True)
class Column:
    """One canonical column: its type, header aliases, constraints and help text."""

    name: str
    type: str = "text"
    required: bool = False
    aliases: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()
    choice_aliases: Mapping[str, str] = field(default_factory=dict)
    min: float | None = None
    max: float | None = None
    default: Any = None
    help: str = ""
    example: str = ""
    unit: str = ""  # '%' lets a float cell end with a percent sign
    missing_values: tuple[str, ...] = ()  # extra words meaning "no value" (-> default)
    max_length: int = MAX_TEXT

    def __post_init__(self):
        if self.type not in TYPES:
            raise ValueError(f"column {self.name}: type {self.type!r} is not one of {TYPES}")
        if self.type == "choice" and not self.choices:
            raise ValueError(f"column {self.name}: a choice column needs choices")

    def header_keys(self) -> list[str]:
        """Normalized header spellings that name this column."""
        return [normalize_header(n) for n in (self.name, *self.aliases)]

    @property
    def dtype(self) -> str:
        return _DTYPES.get(self.type, "string")


@dataclass(frozen=True)
class TableSpec:
    """A table the user may import.

    ``row_rule`` checks one converted row (a dict) across columns and may fill
    derived values in it; it raises :class:`InvalidValue` for a problem.
    ``finish`` reshapes the validated frame (pure; cannot fail).
    """

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    description: str = ""
    row_rule: Callable[[dict], None] | None = None
    finish: Callable[[pd.DataFrame], pd.DataFrame] | None = None

    def __post_init__(self):
        seen: dict[str, str] = {}
        for col in self.columns:
            for key in col.header_keys():
                if seen.setdefault(key, col.name) != col.name:
                    raise ValueError(f"table {self.name}: header {key!r} names two columns")
        unknown = set(self.key) - {c.name for c in self.columns}
        if unknown:
            raise ValueError(f"table {self.name}: key columns {sorted(unknown)} are not columns")

    @property
    def header_index(self) -> dict[str, str]:
        """Normalized header spelling -> canonical column name."""
        return {k: c.name for c in self.columns for k in c.header_keys()}

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]


def normalize_header(text: object) -> str:
    """Fold a header to a matching key: case, spaces, punctuation, underscores.

    >>> normalize_header(" Value (USD) "), normalize_header("Foreign_Establishments")
    ('value_usd', 'foreign_establishments')
    """
    folded = unicodedata.normalize("NFKC", str(text)).lower()
    return re.sub(r"[^0-9a-z]+", "_", folded).strip("_")


def choice_key(text: str) -> str:
    """Fold a choice the same way: ``'Sister-City'`` -> ``'sister_city'``."""
    return normalize_header(text)


# --------------------------------------------------------------------- reading

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
        rows, notes = _xlsx_rows(data, sheet, label)
    else:
        rows, notes = _csv_rows(data, label)
    return _grid(rows, notes, label)


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


def _grid(rows: list[tuple[int, list[str]]], notes: list[Problem], label: str) -> pd.DataFrame:
    if not any(cell.strip() for _, cells in rows for cell in cells):
        raise _fail(label, "the file has no data (every cell is empty)",
                    "Save the table with a header line and at least one data line.")
    width = max(len(cells) for _, cells in rows)
    body = [cells + [""] * (width - len(cells)) for _, cells in rows]
    index = pd.Index([line for line, _ in rows], name="line")
    grid = pd.DataFrame(body, index=index, dtype="str")
    grid.attrs["notes"] = notes
    return grid


# Everything openpyxl raises for a damaged or half-written workbook.
_XLSX_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, KeyError, ValueError, TypeError,
                IndexError, OSError, EOFError, zlib.error, ParseError)


def _xlsx_rows(data: bytes, sheet: str | None, label: str):
    """Rows of one sheet as strings; formulas give their saved value."""
    try:
        formulas = _load_sheet(data, sheet, label, data_only=False)
        has_formula = any(c.data_type == "f" for row in formulas for c in row)
        values = _load_sheet(data, sheet, label, data_only=True) if has_formula else formulas
    except _XLSX_ERRORS as exc:
        raise _fail(label, f"the workbook cannot be read ({exc.__class__.__name__}: {exc}); "
                    "it is damaged or was only partly written",
                    "Open it in Excel and save it again (or export it as CSV UTF-8), "
                    "then retry.") from exc
    return _sheet_cells(formulas, values, label)


def _load_sheet(data: bytes, sheet: str | None, label: str, *, data_only: bool):
    import openpyxl  # imported here: only XLSX imports pay for it

    with warnings.catch_warnings():
        # openpyxl warns about Excel features it drops (data validation,
        # conditional formatting); they do not affect the cell values we read.
        warnings.simplefilter("ignore", UserWarning)
        wb = openpyxl.load_workbook(io.BytesIO(data), data_only=data_only)
    if sheet is None:
        return list(wb.worksheets[0].iter_rows())
    if sheet not in wb.sheetnames:
        raise _fail(label, f"the workbook has no sheet named {sheet!r}",
                    f"Use one of the sheets: {', '.join(wb.sheetnames)}.")
    return list(wb[sheet].iter_rows())


def _sheet_cells(formulas, values, label: str):
    rows, kept = [], []
    for line, (frow, vrow) in enumerate(zip(formulas, values), start=1):
        cells = []
        for fcell, vcell in zip(frow, vrow):
            if fcell.data_type == "f" and vcell.value is None:
                # A formula without a saved result (file not saved by Excel):
                # keep its text, inert, rather than lose the cell.
                kept.append(line)
                cells.append(str(fcell.value))
            else:
                cells.append(cell_text(vcell.value))
        rows.append((line, cells))
    notes = []
    if kept:
        notes.append(Problem(
            f"{len(kept)} formula cell(s) had no saved result and were kept as plain text "
            f"(lines {_lines(kept)}); formulas are never evaluated",
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


# ------------------------------------------------------------------- cleaning

def clean_text(raw: str) -> tuple[str, bool]:
    """Inert text: control and bidi-override characters removed, spaces collapsed.

    Returns the clean text and whether anything other than spacing changed.

    >>> clean_text("Acme\\x07 Corp\\u202e\\n Ltd")
    ('Acme Corp Ltd', True)
    """
    if raw.isprintable() and raw == raw.strip() and "  " not in raw:
        return raw, False  # the common case, fast
    spaced = re.sub(r"[\t\r\n\v\f]", " ", raw)
    kept = _CONTROL.sub("", spaced)
    return " ".join(kept.split()), kept != spaced


def _shown(value: str, limit: int = 80) -> str:
    return value if len(value) <= limit else value[:limit] + "…"


def _lines(lines: list[int], limit: int = 10) -> str:
    shown = ", ".join(str(n) for n in lines[:limit])
    return shown + (f" and {len(lines) - limit} more" if len(lines) > limit else "")


# ----------------------------------------------------------------- converters

def parse_number(text: str, col: Column) -> float:
    """A number written the way spreadsheets show it: ``1,234.5``, ``$1 234``, ``12%``."""
    s = text.strip()
    s = re.sub(r"^(US\$|\$)\s*|\s*(USD|US\$)$", "", s)
    if col.unit == "%":
        s = s.removesuffix("%").strip()
    if _GROUPED.fullmatch(s):
        s = re.sub(r"[,\u00a0\u202f' ]", "", s)
    if not _PLAIN.fullmatch(s):
        fix = (f"Use a dot as the decimal separator: {s.replace(',', '.')}."
               if re.fullmatch(r"[+-]?\d+,\d{1,2}", s) else
               "Write a number such as 1234 or 1,234.5 (dot as decimal separator).")
        raise InvalidValue("is not a number", fix)
    value = float(s)
    if not math.isfinite(value) or abs(value) > MAX_NUMBER:
        raise InvalidValue("is too large", f"Use a number below {MAX_NUMBER:.0e}.")
    return value


def _to_int(text: str, col: Column) -> int:
    plain = re.sub(r"[,\u00a0\u202f' ]", "", text) if _GROUPED.fullmatch(text) else text
    if re.fullmatch(r"[+-]?\d{1,15}", plain):
        return int(plain)
    value = parse_number(text, col)
    if not value.is_integer():
        raise InvalidValue("is not a whole number", "Write a whole number such as 12.")
    return int(value)


def _to_year(text: str, col: Column) -> int:
    try:
        year = _to_int(text, col)
    except InvalidValue:
        raise InvalidValue("is not a year", "Write a 4-digit year such as 2022.") from None
    low, high = col.min or 1900, col.max or 2100
    if not low <= year <= high:
        raise InvalidValue(f"is not a plausible year ({low:.0f}-{high:.0f})",
                           "Write a 4-digit year such as 2022.")
    return year


def _to_bool(text: str, col: Column) -> bool:
    word = text.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise InvalidValue("is not yes/no", "Write yes or no (or true/false, 1/0).")


def _to_choice(text: str, col: Column) -> str:
    key = choice_key(text)
    if key in col.choices:
        return key
    if key in col.choice_aliases:
        return col.choice_aliases[key]
    raise InvalidValue(f"is not one of the allowed values for {col.name}",
                       f"Use one of: {', '.join(col.choices)}.")


def to_naics(text: str) -> str:
    """Canonical NAICS text: 2-6 digits with a real sector, or a sector range.

    A two-digit part of a ranged sector becomes the range (``'31'`` -> ``'31-33'``).

    >>> to_naics("31 – 33"), to_naics("336411"), to_naics("44")
    ('31-33', '336411', '44-45')
    """
    s = re.sub(r"\s*[-–—]\s*", "-", text.strip())
    if s in NAICS_RANGES.values():
        return s
    if not re.fullmatch(r"\d{2,6}", s) or s[:2] not in NAICS_SECTORS:
        raise InvalidValue("is not a NAICS code",
                           "Write a NAICS code of 2 to 6 digits (e.g. 3364) or a sector range "
                           "31-33, 44-45 or 48-49.")
    return NAICS_RANGES.get(s, s)


def _to_naics(text: str, col: Column) -> str:
    return to_naics(text)


def _to_number(text: str, col: Column) -> float:
    return parse_number(text, col)


def _to_text(text: str, col: Column) -> str:
    return text


_CONVERTERS: dict[str, Callable[[str, Column], Any]] = {
    "text": _to_text, "code": _to_text, "iso3": _to_text, "int": _to_int,
    "float": _to_number, "year": _to_year, "bool": _to_bool, "choice": _to_choice,
    "naics": _to_naics,
}


def _check_range(value, col: Column) -> None:
    if col.type not in ("int", "float") or value is None:
        return
    if col.min is not None and value < col.min:
        fix = ("Counts and amounts cannot be negative; write 0 or more."
               if col.min == 0 else f"Use a value of at least {col.min:g}.")
        raise InvalidValue(f"is below the minimum {col.min:g}", fix)
    if col.max is not None and value > col.max:
        raise InvalidValue(f"is above the maximum {col.max:g}",
                           f"Use a value of at most {col.max:g}.")


def _is_missing(text: str, col: Column) -> bool:
    if text == "":
        return True
    word = text.lower()
    if word in (w.lower() for w in col.missing_values):
        return True
    return col.type in ("int", "float", "year") and word in MISSING_NUMBER


def convert_cell(raw: str, col: Column) -> tuple[Any, list[str]]:
    """One cell -> (typed value or None for missing, notes); raises InvalidValue."""
    text, stripped = clean_text(raw)
    notes = ["control characters were removed"] if stripped else []
    if len(text) > col.max_length:
        raise InvalidValue(f"is {len(text)} characters long; the limit is {col.max_length}",
                           f"Shorten it to {col.max_length} characters or fewer.")
    if _is_missing(text, col):
        if col.required:
            raise InvalidValue("is empty", f"Fill in {col.name}: {col.help}".rstrip(": ") + ".")
        return col.default, notes
    value = _CONVERTERS[col.type](text, col)
    _check_range(value, col)
    formula_like = text.startswith(FORMULA_SIGNS) and not _PLAIN.fullmatch(text)
    if col.type in ("text", "code") and formula_like:
        notes.append("starts like a spreadsheet formula (=, +, -, @): kept as plain text, "
                     "never evaluated")
    return value, notes


# ----------------------------------------------------------------- validation

@dataclass
class _Run:
    """State of one validation: where we are and what we found."""

    spec: TableSpec
    label: str
    errors: ErrorTable = field(default_factory=ErrorTable)
    notes: dict[tuple[str, str, str], list[tuple[int, str]]] = field(default_factory=dict)

    def error(self, line: int | None, column: str, value: str, problem: str, fix: str) -> None:
        self.errors.add(problem, fix, file=self.label, row=line, column=column,
                        value=_shown(value))

    def note(self, line: int, column: str, value: str, message: str,
             fix: str = "Check these values; nothing else needs doing.") -> None:
        self.notes.setdefault((column, message, fix), []).append((line, value))

    def warnings(self) -> list[Problem]:
        out = []
        for (column, message, fix), hits in self.notes.items():
            lines = [line for line, _ in hits]
            out.append(Problem(f"{message} (line(s) {_lines(lines)})", fix,
                               file=self.label, row=lines[0], column=column,
                               value=_shown(hits[0][1])))
        return out


def validate(source: str | Path | pd.DataFrame, spec: TableSpec, *,
             file_label: str | None = None,
             sheet: str | None = None) -> tuple[pd.DataFrame, list[Problem]]:
    """Validate a file or frame against ``spec``; all-or-nothing.

    ``source`` is a path (read with :func:`read_any`), a grid from
    :func:`read_any` (integer column positions; the header line is found in
    it), or a frame whose column labels are the header (lines numbered from 2).
    Returns the canonical frame (one column per spec column, nullable dtypes,
    codes as text, index ``line`` = source line) and warnings (Problems).
    Raises :class:`ImportFailed` listing every problem found.
    """
    label = file_label or (spec.name if isinstance(source, pd.DataFrame) else Path(source).name)
    grid = _as_grid(source, sheet, label)
    run = _Run(spec, label)
    # Plain lists: row-wise pandas access is far too slow for 10,000+ lines.
    rows = [(int(line), [cell_text(c) for c in cells])
            for line, cells in zip(grid.index, grid.to_numpy(dtype=object).tolist())]
    header_line, positions = _locate_header(rows, run)
    run.errors.raise_if_any(f"Import of {label}")
    body = _body(rows, header_line, run)
    records = [_convert_row(line, cells, positions, run) for line, cells in body]
    lines = [line for line, _ in body]
    _map_countries(records, lines, run)
    _apply_row_rule(records, lines, run)
    _check_duplicates(records, lines, run)
    run.errors.problems.sort(key=lambda p: p.row or 0)  # stable: by line, then as found
    run.errors.raise_if_any(f"Import of {label}")
    return _frame(records, lines, spec), list(grid.attrs.get("notes", [])) + run.warnings()


def _as_grid(source, sheet: str | None, label: str) -> pd.DataFrame:
    if not isinstance(source, pd.DataFrame):
        return read_any(source, sheet=sheet, label=label)
    return source if isinstance(source.columns, pd.RangeIndex) else _frame_to_grid(source)


def _body(rows: list[tuple[int, list[str]]], header_line: int, run: _Run):
    """The non-blank lines below the header (blank lines are skipped)."""
    body = [(line, cells) for line, cells in rows
            if line > header_line and any(c.strip() for c in cells)]
    if not body:
        run.error(header_line, "", "", "there are no data lines below the header",
                  "Add at least one line of data under the header line.")
    else:
        _note_unnamed_columns(dict(rows)[header_line], body, run)
    return body


def _frame_to_grid(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame with named columns -> a grid with the header as line 1."""
    header = [cell_text(c) for c in frame.columns]
    body = [[cell_text(v) for v in row] for row in frame.itertuples(index=False)]
    grid = pd.DataFrame([header] + body, index=pd.Index(range(1, len(body) + 2), name="line"),
                        dtype="str")
    grid.attrs["notes"] = []
    return grid


def _locate_header(rows: list[tuple[int, list[str]]], run: _Run) -> tuple[int, dict[str, int]]:
    """Find the header among the first non-empty lines; map columns to positions."""
    index = run.spec.header_index
    filled = ((line, row) for line, row in rows if any(c.strip() for c in row))
    candidates = list(itertools.islice(filled, HEADER_SCAN_ROWS))
    scored = [(sum(normalize_header(c) in index for c in row), line, row)
              for line, row in candidates]
    best = max(scored, key=lambda s: s[0])
    if best[0] == 0:
        first_line, first_row = candidates[0]
        run.error(first_line, "", " | ".join(c for c in first_row if c),
                  f"no header line found: none of the first {len(candidates)} non-empty lines "
                  f"names a column of the {run.spec.name} table",
                  f"Put a header line with the columns {_expected(run.spec)}.")
        return first_line, {}
    line, row = next((ln, r) for n, ln, r in scored if n == best[0])
    return line, _map_header(line, row, run)


def _expected(spec: TableSpec) -> str:
    return ", ".join(c.name + (" (required)" if c.required else "") for c in spec.columns)


def _map_header(line: int, row: list[str], run: _Run) -> dict[str, int]:
    index, positions, unknown = run.spec.header_index, {}, []
    for pos, cell in enumerate(row):
        name = index.get(normalize_header(cell))
        if name is None:
            unknown += [cell.strip()] if cell.strip() else []
        elif name in positions:
            run.error(line, name, cell, f"two columns mean {name!r} "
                      f"(columns {positions[name] + 1} and {pos + 1})",
                      "Delete or rename one of them.")
        else:
            positions[name] = pos
    missing = [c for c in run.spec.required if c not in positions]
    if missing:
        found = ", ".join(c.strip() for c in row if c.strip())
        run.error(line, ", ".join(missing), "",
                  f"missing required column(s): {', '.join(missing)}; the header line has: {found}",
                  f"Add the column(s) {', '.join(missing)}. The {run.spec.name} table expects: "
                  f"{_expected(run.spec)}.")
    if unknown:
        run.note(line, "", ", ".join(unknown),
                 f"column(s) not used by the {run.spec.name} table were ignored: "
                 f"{', '.join(unknown)}",
                 f"If one of them was meant to be read, rename it to one of: "
                 f"{', '.join(c.name for c in run.spec.columns)}.")
    return positions


def _note_unnamed_columns(header: list[str], body: list[tuple[int, list[str]]],
                          run: _Run) -> None:
    """Warn about values under an empty header cell: they are not read."""
    for pos, cell in enumerate(header):
        filled = [line for line, cells in body if not cell.strip() and cells[pos].strip()]
        if filled:
            run.note(filled[0], "", "", f"column {pos + 1} has values but no header, so it was "
                     "ignored", "Give the column a header (one of the table's column names) "
                     "if it should be read.")


def _convert_row(line: int, row: list[str], positions: dict[str, int], run: _Run) -> dict:
    """Convert one line; a wrong cell is recorded and left out of the dict.

    The dict's ``_ok`` entry says whether every cell converted.
    """
    out, ok = {}, True
    for col in run.spec.columns:
        raw = row[positions[col.name]] if col.name in positions else ""
        try:
            out[col.name], notes = convert_cell(raw, col)
        except InvalidValue as bad:
            run.error(line, col.name, raw, bad.problem, bad.fix)
            ok = False
            continue
        for message in notes:
            run.note(line, col.name, raw, message)
    out["_ok"] = ok
    return out


def _map_countries(records: list[dict], lines: list[int], run: _Run) -> None:
    """Replace country names/codes in iso3 columns by ISO3 codes (in place)."""
    from exportplan.sources.countries import map_column

    for col in (c for c in run.spec.columns if c.type == "iso3"):
        cells = [(i, r[col.name]) for i, r in enumerate(records)
                 if r.get(col.name) is not None]
        mapping = map_column([v for _, v in cells])
        for (i, value), iso3 in zip(cells, mapping.iso3):
            if iso3 is None:
                problem, fix = _country_problem(value, mapping)
                run.error(lines[i], col.name, value, problem, fix)
                records[i]["_ok"] = False
            else:
                records[i][col.name] = iso3


def _country_problem(value: str, mapping) -> tuple[str, str]:
    example = "Use the ISO 3166 alpha-3 code, e.g. MEX for Mexico."
    if value in mapping.aggregates:
        return "is a group of countries, not one country", "Write one line per country. " + example
    if value in getattr(mapping, "historic", ()):
        return "is a former country with no current code", "Use the present-day country. " + example
    if re.search(r"[,;/]| and ", value):
        return "is not a country name (several countries in one cell?)", \
            "Put one country per line. " + example
    return "is not a country name or code we know", example


def _apply_row_rule(records: list[dict], lines: list[int], run: _Run) -> None:
    if run.spec.row_rule is None:
        return
    for i, record in enumerate(records):
        if not record["_ok"]:
            continue
        try:
            run.spec.row_rule(record)
        except InvalidValue as bad:
            column = bad.column or ""
            shown = record.get(column)
            run.error(lines[i], column, "" if shown is None else str(shown), bad.problem, bad.fix)
            record["_ok"] = False


def _check_duplicates(records: list[dict], lines: list[int], run: _Run) -> None:
    key = run.spec.key
    if not key:
        return
    first: dict[tuple, int] = {}
    for i, record in enumerate(records):
        if not record["_ok"]:
            continue
        values = tuple(record[k] for k in key)
        if values in first:
            shown = ", ".join(f"{k}={'' if v is None else v}" for k, v in zip(key, values))
            run.error(lines[i], ", ".join(key), shown,
                      f"duplicates line {first[values]} (the same {', '.join(key)})",
                      f"Keep one of lines {first[values]} and {lines[i]} (or combine them).")
        else:
            first[values] = lines[i]


def _frame(records: list[dict], lines: list[int], spec: TableSpec) -> pd.DataFrame:
    data = {c.name: pd.array([r[c.name] for r in records], dtype=c.dtype) for c in spec.columns}
    return pd.DataFrame(data, index=pd.Index(lines, name="line", dtype="int64"))


__all__ = ["Column", "InvalidValue", "TableSpec", "TYPES", "MAX_TEXT", "cell_text",
           "choice_key", "clean_text", "convert_cell", "normalize_header", "parse_number",
           "read_any", "sniff_delimiter", "to_naics", "validate"]
