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
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from exportplan.errors import ErrorTable, Problem
from exportplan.imports.cells import (FORMULA_SIGNS, MAX_TEXT, TYPES, InvalidValue, choice_key, clean_text,
                                      convert_cell, normalize_header, parse_number, to_naics)
from exportplan.imports.reader import cell_text, lines_text, read_any, read_rows, sniff_delimiter

HEADER_SCAN_ROWS = 10
_NOT_PLAIN_START = " " + "".join(FORMULA_SIGNS)  # a space, or a first character that may start a formula
_LINE_START = re.compile("(?:^|\n)[" + re.escape(_NOT_PLAIN_START) + "]")
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

    ``source`` is a path (read with :func:`read_rows`), a grid from
    :func:`read_any` (integer column positions; the header line is found in
    it), or a frame whose column labels are the header (lines numbered from 2).
    Returns the canonical frame (one column per spec column, nullable dtypes,
    codes as text, index ``line`` = source line) and warnings (Problems).
    Raises :class:`ImportFailed` listing every problem found.
    """
    label = file_label or (spec.name if isinstance(source, pd.DataFrame) else Path(source).name)
    if isinstance(source, pd.DataFrame):
        grid = source if isinstance(source.columns, pd.RangeIndex) else _frame_to_grid(source)
        rows, notes = _grid_rows(grid), list(grid.attrs.get("notes", []))
    else:
        rows, notes = read_rows(source, sheet=sheet, label=label)
        width = max(map(len, map(itemgetter(1), rows)))
        rows = [(line, cells if len(cells) == width else cells + [""] * (width - len(cells)))
                for line, cells in rows]
    return validate_rows(rows, spec, file_label=label, notes=notes)


def validate_rows(rows: list[tuple[int, Sequence[str]]], spec: TableSpec, *, file_label: str,
                  notes: Sequence[Problem] = ()) -> tuple[pd.DataFrame, list[Problem]]:
    """:func:`validate` of lines already read: ``[(line, cells)]``, every line (a list or tuple) as wide as
    the widest, every cell a string (``''`` when empty), as :func:`read_rows` gives them once padded.

    ``notes`` (the reader's) come first among the warnings returned. A caller
    that holds the lines as lists (a large company file) saves building a
    frame of every cell only for it to be taken apart again here.
    """
    run = _Run(spec, file_label)
    header_line, positions = _locate_header(rows, run)
    run.errors.raise_if_any(f"Import of {file_label}")
    body = _body(rows, header_line, run)
    lines = [line for line, _ in body]
    columns, ok = _convert_body(body, positions, run)
    _map_countries(columns, ok, lines, run)
    _apply_row_rule(columns, ok, lines, run)
    _check_duplicates(columns, ok, lines, run)
    run.errors.problems.sort(key=lambda p: p.row or 0)  # stable: by line, then as found
    run.errors.raise_if_any(f"Import of {file_label}")
    return _frame(columns, lines, spec), list(notes) + run.warnings()


def _grid_rows(grid: pd.DataFrame) -> list[tuple[int, list[str]]]:
    """A grid's lines as plain lists (row-wise pandas access is far too slow for 10,000+ lines).

    Cells of a text grid without a missing value (every grid :func:`read_any`
    gives) are already what the user sees; any other cell is shown as a
    spreadsheet would (:func:`cell_text`).
    """
    lines = [int(line) for line in grid.index]
    values = grid.to_numpy(dtype=object).tolist()
    text = all(isinstance(dtype, pd.StringDtype) for dtype in grid.dtypes) and not grid.isna().to_numpy().any()
    if text:
        return list(zip(lines, values))
    return [(line, [c if type(c) is str else cell_text(c) for c in cells]) for line, cells in zip(lines, values)]


def _body(rows: list[tuple[int, list[str]]], header_line: int, run: _Run):
    """The non-blank lines below the header (blank lines are skipped)."""
    body = [(line, cells) for line, cells in rows if line > header_line and "".join(cells).strip()]
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


def _convert_body(body: list[tuple[int, list[str]]], positions: dict[str, int],
                  run: _Run) -> tuple[dict[str, list], list[bool]]:
    """Every line converted: ``({column: values}, [line converted in full])``; see :func:`_convert_row`.

    Columns repeat their values a lot, and a conversion depends only on the
    cell and its column: each distinct cell of a column is converted once. A
    plain text cell (printable, no leading, trailing or double space, not
    starting like a formula, within the length limit) is its own value, which
    :func:`_plain_text` tells without converting it. When no distinct cell is
    wrong or noted, the values are mapped column by column; otherwise line by
    line, so that problems and notes are found in the same order as always
    (the values of a wrong cell are None).
    """
    caches: dict[str, dict[str, tuple]] = {}
    columns: dict[str, list] = {}
    plain = True
    cell_rows = [cells for _, cells in body]
    for col in run.spec.columns:
        pos = positions.get(col.name)
        raws = list(map(itemgetter(pos), cell_rows)) if pos is not None else [""]
        cache = caches[col.name] = {}
        distinct = dict.fromkeys(raws)
        if col.type in ("text", "code"):  # only the cells that are not plain text are converted
            blank = [""] if distinct.pop("", 0) is None else []  # a blank cell is converted (to the default)
            if _all_plain_text(distinct, col):
                distinct = blank
            else:
                plain_text = _plain_text(col)
                distinct = blank + [raw for raw in distinct if not plain_text(raw)]
        for raw in distinct:
            try:
                value, notes = convert_cell(raw, col)
                cache[raw] = (True, value, tuple(notes))
                plain = plain and not notes
            except InvalidValue as bad:
                cache[raw] = (False, bad.problem, bad.fix)
                plain = False
        if not plain:
            continue
        value_of = {raw: done[1] for raw, done in cache.items()}
        if pos is None:
            columns[col.name] = [value_of[""]] * len(body)
        elif col.type not in ("text", "code"):
            columns[col.name] = list(map(value_of.__getitem__, raws))
        else:  # a plain text cell, not in the cache, is its own value
            columns[col.name] = list(map(value_of.get, raws, raws)) if value_of else raws
    if plain:
        return columns, [True] * len(body)
    records = [_convert_row(line, cells, positions, run, caches) for line, cells in body]
    return ({col.name: [r.get(col.name) for r in records] for col in run.spec.columns},
            [r["_ok"] for r in records])


def _all_plain_text(cells: Collection[str], col: Column) -> bool:
    """Whether every one of ``cells`` (distinct) is plain text for :func:`_plain_text`, told at once from
    the cells joined by line breaks (which plain text never holds), without a call per cell."""
    if not cells:
        return True
    blob = "\n".join(cells)
    return (blob != "" and blob.count("\n") == len(cells) - 1 and blob.replace("\n", "").isprintable()
            and "\n\n" not in blob and blob[0] != "\n" and blob[-1] != "\n"  # no empty cell
            and "  " not in blob and " \n" not in blob and blob[-1] != " "
            and not _LINE_START.search(blob) and max(map(len, cells)) <= col.max_length
            and not (col.missing_values and {w.lower() for w in col.missing_values} & set(map(str.lower, cells))))


def _plain_text(col: Column) -> Callable[[str], bool]:
    """Whether a cell of the text or code column ``col`` is its own value, with no note: what
    :func:`convert_cell` would give for it, told faster. A cell it cannot tell is converted."""
    limit = col.max_length
    missing = frozenset(w.lower() for w in col.missing_values)

    def plain(raw: str) -> bool:
        # Printable text has no whitespace but the space, so no space at either end means it is stripped.
        return (raw != "" and raw.isprintable() and raw[0] not in _NOT_PLAIN_START and raw[-1] != " "
                and "  " not in raw and len(raw) <= limit and (not missing or raw.lower() not in missing))

    return plain


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


def _map_countries(columns: dict[str, list], ok: list[bool], lines: list[int], run: _Run) -> None:
    """Replace country names/codes in iso3 columns by ISO3 codes (in place); a line with an unknown one is
    no longer ``ok``."""
    from exportplan.sources.countries import map_column

    for col in (c for c in run.spec.columns if c.type == "iso3"):
        values = columns[col.name]
        cells = [(i, v) for i, v in enumerate(values) if v is not None]
        mapping = map_column([v for _, v in cells])
        for (i, value), iso3 in zip(cells, mapping.iso3):
            if iso3 is None:
                problem, fix = _country_problem(value, mapping)
                run.error(lines[i], col.name, value, problem, fix)
                ok[i] = False
            else:
                values[i] = iso3


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


def _apply_row_rule(columns: dict[str, list], ok: list[bool], lines: list[int], run: _Run) -> None:
    """The spec's row rule on every line converted in full, as a dict of its values (which the rule may
    change or fill: they are written back)."""
    if run.spec.row_rule is None:
        return
    names = [c.name for c in run.spec.columns]
    for i in range(len(lines)):
        if not ok[i]:
            continue
        record = {name: columns[name][i] for name in names}
        record["_ok"] = True
        try:
            run.spec.row_rule(record)
        except InvalidValue as bad:
            column = bad.column or ""
            shown = record.get(column)
            run.error(lines[i], column, "" if shown is None else str(shown), bad.problem, bad.fix)
            ok[i] = False
            continue
        for name in names:
            columns[name][i] = record[name]


def _check_duplicates(columns: dict[str, list], ok: list[bool], lines: list[int], run: _Run) -> None:
    key = run.spec.key
    if not key:
        return
    first: dict[tuple, int] = {}
    for i, values in enumerate(zip(*(columns[k] for k in key))):
        if not ok[i]:
            continue
        if values in first:
            shown = ", ".join(f"{k}={'' if v is None else v}" for k, v in zip(key, values))
            run.error(lines[i], ", ".join(key), shown,
                      f"duplicates line {first[values]} (the same {', '.join(key)})",
                      f"Keep one of lines {first[values]} and {lines[i]} (or combine them).")
        else:
            first[values] = lines[i]


def _frame(columns: dict[str, list], lines: list[int], spec: TableSpec) -> pd.DataFrame:
    data = {c.name: column_array(columns[c.name], c.dtype) for c in spec.columns}
    return pd.DataFrame(data, index=pd.Index(lines, name="line", dtype="int64"))


def column_array(values: list, dtype: str) -> pd.api.extensions.ExtensionArray:
    """``pd.array(values, dtype=dtype)``; a ``string`` column of str and None is built by Arrow directly,
    several times faster than pandas' check of every value (the same array)."""
    if dtype == "string":
        try:
            return pd.array(pa.array(values, type=pa.large_string()), dtype="string")
        except (pa.ArrowTypeError, pa.ArrowInvalid):  # a value that is not text: pandas converts it
            pass
    return pd.array(values, dtype=dtype)


__all__ = ["Column", "InvalidValue", "TableSpec", "TYPES", "MAX_TEXT", "cell_text",
           "choice_key", "clean_text", "column_array", "convert_cell", "normalize_header", "parse_number",
           "read_any", "read_rows", "sniff_delimiter", "to_naics", "validate", "validate_rows"]
