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

The file is read into a grid of strings by :mod:`exportplan.imports.reader`
and each cell converted by :mod:`exportplan.imports.cells`; their public
names are importable from here too.

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

import itertools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from exportplan.errors import ErrorTable, Problem
from exportplan.imports.cells import (MAX_TEXT, TYPES, InvalidValue, choice_key, clean_text, convert_cell,
                                      normalize_header, parse_number, to_naics)
from exportplan.imports.reader import cell_text, lines_text, read_any, sniff_delimiter

HEADER_SCAN_ROWS = 10
_DTYPES = {"int": "Int64", "year": "Int64", "float": "float64", "bool": "boolean"}


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


def _shown(value: str, limit: int = 80) -> str:
    return value if len(value) <= limit else value[:limit] + "…"


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
            out.append(Problem(f"{message} (line(s) {lines_text(lines)})", fix,
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
    # Text cells (every cell of a CSV) are already what the user sees.
    rows = [(int(line), [c if type(c) is str else cell_text(c) for c in cells])
            for line, cells in zip(grid.index, grid.to_numpy(dtype=object).tolist())]
    header_line, positions = _locate_header(rows, run)
    run.errors.raise_if_any(f"Import of {label}")
    body = _body(rows, header_line, run)
    records = _convert_body(body, positions, run)
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
        if cell.strip():
            continue
        filled = [line for line, cells in body if cells[pos].strip()]
        if filled:
            run.note(filled[0], "", "", f"column {pos + 1} has values but no header, so it was "
                     "ignored", "Give the column a header (one of the table's column names) "
                     "if it should be read.")


def _convert_body(body: list[tuple[int, list[str]]], positions: dict[str, int], run: _Run) -> list[dict]:
    """Convert every line (see :func:`_convert_row`), each distinct cell of a column once.

    Columns repeat their values a lot, and a conversion depends only on the
    cell and its column. When no distinct cell is wrong or noted, the values
    are mapped column by column; otherwise line by line, so that problems and
    notes are found in the same order as always.
    """
    caches: dict[str, dict[str, tuple]] = {}
    columns: dict[str, list] = {}
    plain = True
    for col in run.spec.columns:
        pos = positions.get(col.name)
        raws = [cells[pos] for _, cells in body] if pos is not None else [""]
        cache = caches[col.name] = {}
        for raw in dict.fromkeys(raws):
            try:
                value, notes = convert_cell(raw, col)
                cache[raw] = (True, value, tuple(notes))
                plain = plain and not notes
            except InvalidValue as bad:
                cache[raw] = (False, bad.problem, bad.fix)
                plain = False
        if plain:
            columns[col.name] = ([cache[raw][1] for raw in raws] if pos is not None
                                 else [cache[""][1]] * len(body))
    if not plain:
        return [_convert_row(line, cells, positions, run, caches) for line, cells in body]
    names = list(columns)
    return [dict(zip(names, values), _ok=True) for values in zip(*columns.values())]


def _convert_row(line: int, row: list[str], positions: dict[str, int], run: _Run,
                 caches: dict[str, dict[str, tuple]] | None = None) -> dict:
    """Convert one line; a wrong cell is recorded and left out of the dict.

    The dict's ``_ok`` entry says whether every cell converted. ``caches``
    (column -> {raw cell: outcome}) converts each distinct cell of a column
    once: columns repeat their values a lot, and a conversion depends only on
    the cell and its column.
    """
    out, ok = {}, True
    for col in run.spec.columns:
        raw = row[positions[col.name]] if col.name in positions else ""
        cache = caches[col.name] if caches is not None else {}
        done = cache.get(raw)
        if done is None:
            try:
                value, notes = convert_cell(raw, col)
                done = cache[raw] = (True, value, tuple(notes))
            except InvalidValue as bad:
                done = cache[raw] = (False, bad.problem, bad.fix)
        if not done[0]:
            run.error(line, col.name, raw, done[1], done[2])
            ok = False
            continue
        out[col.name] = done[1]
        for message in done[2]:
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
