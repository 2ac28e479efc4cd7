"""The exporter pipeline's files: read a company file (CSV or XLSX), write the template and the pipeline export.

- :func:`read_company_file` reads a CSV (the companies sheet alone) or an
  XLSX workbook (every known sheet present; ``companies`` required) into
  canonical frames, one per sheet, with exactly the columns of
  :data:`~exportplan.imports.company_sheets.COLUMNS` (text as pandas
  ``string``, counts and years ``Int64``, amounts ``float64``; index ``line``
  = the row number a user sees). Every problem of every sheet goes into one
  :class:`~exportplan.errors.ErrorTable` (file and sheet, row, column, value,
  problem, fix) and raises :class:`~exportplan.errors.ImportFailed`: nothing
  is returned partially.
- :func:`template` writes the import template (XLSX: every sheet's header and
  an ``instructions`` sheet; CSV: the companies header).
- :func:`write_pipeline` writes the pipeline in the template's columns, so
  that an export imports back unchanged: XLSX (one sheet per record kind;
  contacts only when asked), CSV (companies) or JSON (``{sheet: rows}``).

Before anything is read the file's size is checked against ``max_mb`` (the
setting ``pipeline.max_import_mb``), and a file no reader can use (empty,
binary, an image, a damaged or renamed workbook) is refused
(:func:`exportplan.imports.guard.check_file`).

Headers are matched by the canonical names, the specs' aliases and a
``mapping`` (a CRM export's column name -> canonical name; the service saves
and loads it). Exports put a single quote before text that starts with
``= + - @``; the reader strips exactly one such quote (:func:`restore`).

This module writes files too (the template and the export), through
:mod:`exportplan.output.workbook`, so that the layout is declared once.
"""
from __future__ import annotations

import gc
import os
import re
from collections.abc import Collection, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from itertools import islice
from operator import itemgetter
from pathlib import Path

import pandas as pd

from exportplan.errors import ErrorTable, ExportPlanError, ImportFailed
from exportplan.imports.cells import InvalidValue, clean_text, normalize_header
from exportplan.imports.company_sheets import (CHECKS, CHILD_SHEETS, COLUMNS, DTYPES, SHEETS, clean_multiline,
                                               derived_key, instruction_rows)
from exportplan.imports.guard import import_failure, refuse_before_reading
from exportplan.imports.records import file_format, typed_frame
from exportplan.imports.reader import cell_text, lines_text, read_rows
from exportplan.imports.schema import HEADER_SCAN_ROWS, TableSpec, column_array, validate_rows
from exportplan.sources.filekind import is_workbook
from exportplan.sources.textio import Formula, UnreadableWorkbook, workbook_rows

MAX_MB_SETTING = "pipeline.max_import_mb"
IGNORED_SHEETS = ("instructions", "sources")
_QUOTED = re.compile(r"'+[=+\-@]")
_XLSX_FIX = "Open it in Excel and save it again as .xlsx (or export the companies as CSV UTF-8), then retry."
Rows = list[tuple[int, list[str]]]


def restore(text: str) -> str:
    """Undo an export's formula neutralisation: one leading quote before ``= + - @`` (or before more quotes and one).

    >>> restore("'=SUM(A1)"), restore("''=x"), restore("it's"), restore("'quoted'")
    ('=SUM(A1)', "'=x", "it's", "'quoted'")
    """
    return text[1:] if text[:1] == "'" and _QUOTED.match(text) else text


# ----------------------------------------------------------------- reading

def read_company_file(path: str | os.PathLike, *, sheet: str | None = None, mapping: Mapping[str, str] | None = None,
                      max_mb: float = 50, known_ids: Collection[str] = (),
                      today: date | None = None) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """Read a company file into ``({sheet: canonical frame}, notes)``; see the module docstring.

    ``sheet`` names the workbook's companies sheet when it is not called
    ``companies``. ``mapping`` maps the file's column names to canonical
    ones. ``known_ids``: company_ids already in the workspace, which child
    rows may name besides those of the file's companies sheet. ``today``
    (default: the system date) is the last date allowed. ``notes`` are for
    the user, not errors: companies without a NAICS code or county, sheets
    ignored, values adjusted. Raises :class:`ImportFailed` listing every
    problem.
    """
    path = Path(path)
    _refuse_before_reading(path, path.name, max_mb)
    with _no_cycle_collection():
        return _read_company_file(path, sheet, mapping, known_ids, today or date.today())


@contextmanager
def _no_cycle_collection():
    """The cyclic garbage collector paused while a file is read: the reader makes millions of small lists and
    strings and no reference cycles, and the collector's passes over them took a third of the time of a large
    file. Reference counting still frees everything; the collector runs again afterwards (unless it was off)."""
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


def _read_company_file(path: Path, sheet: str | None, mapping: Mapping[str, str] | None,
                       known_ids: Collection[str], today: date) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """:func:`read_company_file` of a file that passed the checks made before reading."""
    label = path.name
    errors = ErrorTable()
    maps = _mapping(mapping, label, errors)
    notes: list[str] = []
    sources = _sheet_rows(path, label, sheet, notes)
    frames: dict[str, pd.DataFrame | None] = {}
    for name, (rows, where) in sources.items():
        found = ErrorTable()
        frames[name] = _read_sheet(SHEETS[name], rows, where, maps, today, found, notes)
        found.problems.sort(key=lambda p: p.row or 0)
        errors.problems += found.problems
    companies = frames.get("companies")
    if companies is not None:
        _company_keys(companies, sources["companies"][1], errors)
    if companies is not None:
        ids = frames["companies"]["company_id"].to_numpy(dtype=object, na_value=None).tolist()
        _check_references(frames, sources, (set(ids) - {None}) | set(known_ids), errors)
    errors.raise_if_any(f"Import of {label}")
    out = {name: frame for name, frame in frames.items() if frame is not None}
    notes += _missing_notes(out["companies"])
    return out, notes


def _refuse_before_reading(path: Path, label: str, max_mb: float) -> None:
    """Missing, too large or not a spreadsheet: refused before a byte of it is parsed (imports.guard)."""
    refuse_before_reading(path, label, max_mb=max_mb, setting=MAX_MB_SETTING, kind="company")


def _mapping(mapping: Mapping[str, str] | None, label: str, errors: ErrorTable) -> dict[str, str]:
    """The column mapping as normalized source header -> canonical column; unknown targets are problems."""
    known = {c for cols in COLUMNS.values() for c in cols}
    out = {}
    for source, target in (mapping or {}).items():
        if target not in known:
            errors.add(f"the column mapping sends {source!r} to {target!r}, which is not a column of any sheet",
                       f"Map it to one of: {', '.join(sorted(known))}.", file=label, column=str(source),
                       value=str(target))
        else:
            out[normalize_header(source)] = target
    return out


def _sheet_rows(path: Path, label: str, sheet: str | None, notes: list[str]) -> dict[str, tuple[Rows, str]]:
    """{sheet name: (rows of cell text, label for problems)}, companies first; CSV = companies only."""
    with path.open("rb") as fh:
        head = fh.read(8)
    if not is_workbook(head, path):
        if sheet:
            notes.append(f"{label} is a CSV file, which has no sheets: the sheet {sheet!r} was not looked for.")
        # The lines as lists of strings ('' for an empty cell): no frame of every cell is built.
        rows, found = read_rows(path, label=label)
        notes += [str(p) for p in found]
        return {"companies": (rows, label)}
    try:
        books = workbook_rows(path, _XLSX_FIX, formulas=True)
    except UnreadableWorkbook as exc:
        raise import_failure(label, f"not a readable .xlsx workbook ({exc.cause.__class__.__name__}): damaged, cut short, "
                           "or another kind of file named .xlsx", _XLSX_FIX) from None
    titles = [title for title, _ in books]
    by_title = dict(books)
    chosen: dict[str, str] = {}
    for title in titles:
        key = normalize_header(title)
        if key in SHEETS and key not in chosen:
            chosen[key] = title
    if sheet is not None:
        if sheet not in by_title:
            raise import_failure(label, f"the workbook has no sheet named {sheet!r}",
                        f"Name one of its sheets: {', '.join(titles)}.", column="sheet", value=sheet)
        chosen["companies"] = sheet
    elif "companies" not in chosen:
        others = [t for t in titles if normalize_header(t) not in SHEETS and normalize_header(t) not in IGNORED_SHEETS]
        if len(titles) == 1 and others:
            chosen["companies"] = titles[0]
            notes.append(f"{label}: the only sheet, {titles[0]!r}, was read as the companies sheet.")
        else:
            raise import_failure(label, f"the workbook has no sheet named 'companies' (its sheets: {', '.join(titles)})",
                        "Rename the sheet of companies to 'companies', or name it (--sheet NAME).",
                        column="sheet")
    used = set(chosen.values())
    for title in titles:
        if title not in used and normalize_header(title) not in IGNORED_SHEETS:
            notes.append(f"{label}: the sheet {title!r} is not one the import reads and was ignored "
                         f"(sheets read: {', '.join(SHEETS)}).")
    out = {}
    for name in SHEETS:
        if name in chosen:
            title = chosen[name]
            out[name] = (_cells(by_title[title], f"{label} [{title}]", notes), f"{label} [{title}]")
    return out


def _unescape(text: str) -> str:
    """A carriage return in a workbook's text, which openpyxl leaves escaped as ``_x000D_``."""
    return text.replace("_x000D_", "\r") if "_x000D_" in text else text


def _cells(values: list[tuple], where: str, notes: list[str]) -> Rows:
    rows, kept = [], []
    for line, row in enumerate(values, start=1):
        kept += [line for value in row if isinstance(value, Formula)]
        rows.append((line, [_unescape(cell_text(value)) for value in row]))
    if kept:
        notes.append(f"{where}: {len(kept)} formula cell(s) had no saved result and were kept as plain text "
                     f"(line(s) {lines_text(kept)}); formulas are never evaluated.")
    return rows


# ----------------------------------------------------------------- one sheet

def _read_sheet(spec: TableSpec, rows: Rows, where: str, maps: dict[str, str], today: date,
                errors: ErrorTable, notes: list[str]) -> pd.DataFrame | None:
    """The canonical frame of one sheet, or None when it has problems (added to ``errors``)."""
    # The first lines with a cell that is not blank (where the header is looked for).
    filled = list(islice(((line, cells) for line, cells in rows if "".join(cells).strip()), HEADER_SCAN_ROWS))
    if not filled:
        if spec.name == "companies":
            errors.add("the companies sheet is empty", "Put a header line and one line per company in it.",
                       file=where)
            return None
        return empty_frame(spec.name)
    header = _header(filled, spec, maps)
    if header is not None:
        hline, hcells = header
        renamed = [_canonical_header(cell, spec, maps) for cell in hcells]
        # Lines come in order: those above the header, the header (renamed), then the body (quotes restored).
        at = next(i for i, (line, _) in enumerate(rows) if line == hline)
        body = rows[at + 1:]
        for i, (line, cells) in enumerate(body):
            if "'" in "".join(cells):
                body[i] = (line, [restore(c) for c in cells])
        rows = rows[:at] + [(hline, renamed)] + body
        if spec.name != "companies" and not any("".join(cells).strip() for _, cells in body):
            return empty_frame(spec.name)  # a child sheet with its header only
        custom, done = _custom_columns(spec, renamed, body, where, today, errors, notes)
        body_lines = [line for line, _ in body]
        hidden = _hidden(spec, renamed, done, hline, filled, _width(rows))
    else:
        hline, custom, done, hidden, body_lines = 0, {}, [], [], []
    shown = _validator_rows(rows, hline, done, hidden)
    before = len(errors)
    try:
        frame, warnings = validate_rows(shown, spec, file_label=where)
    except ImportFailed as exc:
        errors.problems += exc.table.problems
        return None
    if len(errors) > before:
        return None
    notes += [str(w) for w in warnings]
    lines = frame.index.tolist()
    same = lines == body_lines  # no blank line in the body, which the validator leaves out
    for name, values in custom.items():
        if values is None:
            values = [None] * len(lines)
        elif not same:
            values = list(map(dict(zip(body_lines, values)).get, lines))
        frame[name] = column_array(values, DTYPES[spec.name][name])
    return frame.astype(DTYPES[spec.name])


def _header(rows: Rows, spec: TableSpec, maps: dict[str, str]) -> tuple[int, list[str]] | None:
    """The header line among the first non-empty lines: the one naming the most columns (as the validator does)."""
    keys = set(spec.header_index) | {k for k, v in maps.items() if v in COLUMNS[spec.name]}
    best, found = 0, None
    for line, cells in rows[:HEADER_SCAN_ROWS]:
        score = sum(normalize_header(c) in keys for c in cells)
        if score > best:
            best, found = score, (line, cells)
    return found


def _canonical_header(cell: str, spec: TableSpec, maps: dict[str, str]) -> str:
    target = maps.get(normalize_header(cell))
    return target if target in COLUMNS[spec.name] else cell


def _hidden(spec: TableSpec, header: list[str], done: list[int], hline: int, filled: Rows,
            width: int) -> list[int]:
    """The positions among ``done`` that the validator need not see at all (their columns left out of its
    grid, which saves it a pass over every line), or none when leaving them out could change what it says.

    A column it does not see is a missing optional column, converted as a
    blank cell is: the same values. Its messages about the header stay the
    same while no cell of the header (as wide as the widest line) is blank
    (those are reported by position), no two name the same column, the
    required ones are there, and the header line still names more columns
    than any line above it (none of which turns blank) and at least as many
    as any line below.
    """
    if not done or len(header) < width or not all(cell.strip() for cell in header):
        return []
    known = [n for n in (spec.header_index.get(normalize_header(cell)) for cell in header) if n is not None]
    if len(set(known)) != len(known) or any(name not in known for name in spec.required):
        return []
    hidden, index = set(done), spec.header_index

    def score(cells: list[str]) -> int:
        return sum(normalize_header(c) in index for pos, c in enumerate(cells) if pos not in hidden)

    top = score(header)
    for line, cells in filled:
        if line < hline and (score(cells) >= top
                             or not "".join(c for pos, c in enumerate(cells) if pos not in hidden).strip()):
            return []
        if line > hline and score(cells) > top:
            return []
    return sorted(hidden)


def _width(rows: Rows) -> int:
    """The number of cells of the widest line."""
    return max(map(len, map(itemgetter(1), rows)))


def _validator_rows(rows: Rows, hline: int, done: list[int], hidden: list[int]) -> list[tuple[int, Sequence[str]]]:
    """The validator's lines: ``rows`` padded with '' to the widest, the cells below line ``hline`` at the
    positions ``done`` blank: those columns were converted in full here, and the validator has nothing left
    to check in them. The columns at the positions ``hidden`` (see :func:`_hidden`) are left out.

    Plain lists and tuples of strings, which the validator takes as they are (no frame of every cell).
    """
    width = _width(rows)
    pad = [""] * width
    if hidden:
        keep = [pos for pos in range(width) if pos not in set(hidden)]
        pick = itemgetter(*keep) if len(keep) > 1 else (lambda cells: (cells[keep[0]],))
        return [(line, pick(cells if len(cells) == width else cells + pad[len(cells):])) for line, cells in rows]
    out = []
    for line, cells in rows:
        if len(cells) < width or (done and line > hline):
            cells = cells + pad[len(cells):]
            if line > hline:
                for pos in done:
                    cells[pos] = ""
        out.append((line, cells))
    return out


def _custom_columns(spec: TableSpec, header: list[str], body: Rows, where: str, today: date, errors: ErrorTable,
                    notes: list[str]) -> tuple[dict[str, list | None], list[int]]:
    """The columns converted here rather than by the validator: ({column: the value of every line of ``body``
    (None when blank or wrong), or None when the column is missing}, positions of the optional ones, which
    the validator need not see); problems go to ``errors``."""
    index = spec.header_index
    positions: dict[str, int] = {}
    for pos, cell in enumerate(header):
        positions.setdefault(index.get(normalize_header(cell), ""), pos)
    limits = {c.name: c.max_length for c in spec.columns}
    required = set(spec.required)
    done = [positions[name] for name in CHECKS[spec.name] if name in positions and name not in required]
    out: dict[str, list | None] = {}
    adjusted: dict[str, list[int]] = {}
    width = max(positions.values(), default=0) + 1
    cell_rows = [cells if len(cells) >= width else cells + [""] * (width - len(cells)) for _, cells in body]
    body_lines = [line for line, _ in body]
    for name, check in CHECKS[spec.name].items():
        pos = positions.get(name)
        if pos is None:
            out[name] = None
            continue
        raws = list(map(itemgetter(pos), cell_rows))
        # raw cell -> (text, value, note, problem): codes and lists repeat a lot
        seen = {raw: _convert(raw, check, limits[name], today, name not in required) for raw in dict.fromkeys(raws)}
        value_of = {raw: value for raw, (_, value, _, _) in seen.items()}
        out[name] = list(map(value_of.__getitem__, raws))  # a wrong cell's value is None
        if not any(note or bad for _, _, note, bad in seen.values()):
            continue
        for line, raw in zip(body_lines, raws):
            text, value, note, bad = seen[raw]
            if bad is not None:
                errors.add(bad.problem, bad.fix, file=where, row=line, column=name,
                           value=text if len(text) <= 80 else text[:80] + "…")
            elif value is not None and note:
                adjusted.setdefault(f"{name}: {note}", []).append(line)
    for message, lines in adjusted.items():
        notes.append(f"{where}, {message} (line(s) {lines_text(lines)}).")
    return out, done


def _convert(raw: str, check, limit: int, today: date,
             long: bool) -> tuple[str, object, str | None, InvalidValue | None]:
    """(clean text, value, note, problem) of one raw cell; an empty cell is None, and an over-long one a
    problem (``long``) or left to the validator (a required column, which it checks)."""
    text = clean_multiline(raw) if check.multiline else clean_text(raw)[0]
    if not text or len(text) > limit:
        bad = InvalidValue(f"is {len(text)} characters long; the limit is {limit}",
                           f"Shorten it to {limit} characters or fewer.") if text and long else None
        return text, None, None, bad
    try:
        value, note = check.convert(text, today)
    except InvalidValue as bad:
        return text, None, None, bad
    return text, value, note, None


# ----------------------------------------------------------------- across sheets

def _company_keys(frame: pd.DataFrame, where: str, errors: ErrorTable) -> None:
    """Fill blank company_ids with :func:`derived_key`; report duplicate keys (in place)."""
    ids = frame["company_id"].to_numpy(dtype=object, na_value=None).tolist()
    derived = [key is None for key in ids]
    counties = frame["county_fips"].to_numpy(dtype=object, na_value=None).tolist()
    keys = [derived_key(name, county) if blank else key
            for key, blank, name, county in zip(ids, derived, frame["name"].to_numpy(dtype=object).tolist(), counties)]
    first: dict[str, int] = {}
    for line, key, blank in zip(frame.index, keys, derived):
        if key not in first:
            first[key] = line
        elif blank:
            errors.add(f"has no company_id, and its name and county are those of line {first[key]} "
                       f"(both would get the key {key})", "Give each of the two companies its own company_id, "
                       "or keep one line if they are the same company.", file=where, row=int(line),
                       column="company_id", value="")
        else:
            errors.add(f"duplicates the company_id of line {first[key]}",
                       f"Give each company its own company_id (or keep one of lines {first[key]} and {line}).",
                       file=where, row=int(line), column="company_id", value=key)
    frame["company_id"] = column_array(keys, "string")


def _check_references(frames: dict[str, pd.DataFrame | None], sources: dict[str, tuple[Rows, str]],
                      known: set[str], errors: ErrorTable) -> None:
    """Every child row must name a company of the file (or of ``known``); contact_ids must be unique."""
    for name in CHILD_SHEETS:
        frame = frames.get(name)
        if frame is None or frame.empty:
            continue
        where = sources[name][1]
        for line, key in zip(frame.index, frame["company_id"].tolist()):
            if key not in known:
                errors.add("names a company that is not in the companies sheet (nor in the workspace)",
                           "Add the company to the companies sheet, or correct the company_id.", file=where,
                           row=int(line), column="company_id", value=key)
        if name == "contacts":
            seen: dict[str, int] = {}
            for line, key in zip(frame.index, frame["contact_id"].tolist()):
                if pd.isna(key):
                    continue
                if key in seen:
                    errors.add(f"duplicates the contact_id of line {seen[key]}",
                               "Give each person their own contact_id, or leave it blank.", file=where,
                               row=int(line), column="contact_id", value=key)
                seen.setdefault(key, int(line))


def missing_codes(companies: pd.DataFrame) -> dict[str, list[str]]:
    """company_ids of the companies without a NAICS code (``naics``) and without a county (``county_fips``)."""
    return {col: companies.loc[companies[col].isna(), "company_id"].tolist() for col in ("naics", "county_fips")}


def _missing_notes(companies: pd.DataFrame) -> list[str]:
    out = []
    for col, what in (("naics", "NAICS code"), ("county_fips", "county FIPS code")):
        missing = companies.loc[companies[col].isna(), ["company_id", "name"]]
        if len(missing):
            shown = [f"{n} ({k})" for k, n in missing.head(10).itertuples(index=False)]
            more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
            out.append(f"{len(missing)} compan{'y has' if len(missing) == 1 else 'ies have'} no {what} yet "
                       f"(fill it in later): {', '.join(shown)}{more}.")
    return out


# ----------------------------------------------------------------- frames and writing

def empty_frame(sheet: str) -> pd.DataFrame:
    """A sheet's canonical frame with no rows."""
    return pd.DataFrame({c: pd.array([], dtype=t) for c, t in DTYPES[sheet].items()},
                        index=pd.Index([], name="line", dtype="int64"))


def _text_value(value: object) -> object:
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value):
        return pd.NA
    if isinstance(value, str):
        return value if value.strip() else pd.NA
    if isinstance(value, (datetime, pd.Timestamp)):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def canonical_frame(sheet: str, frame: pd.DataFrame | None) -> pd.DataFrame:
    """``frame`` with exactly the sheet's columns, in order, and canonical dtypes (dates as ISO text, blank text <NA>).

    Raises ExportPlanError naming the columns a frame lacks.
    """
    if sheet not in SHEETS:
        raise ExportPlanError(f"Unknown pipeline sheet {sheet!r}; the sheets are {', '.join(SHEETS)}.")
    if frame is None:
        return empty_frame(sheet)
    missing = [c for c in COLUMNS[sheet] if c not in frame.columns]
    if missing:
        raise ExportPlanError(f"The {sheet} table lacks the column(s) {', '.join(missing)}; "
                              f"it needs {', '.join(COLUMNS[sheet])}.")
    return typed_frame(frame, DTYPES[sheet], lambda value, _column: _text_value(value))


def template(path: str | os.PathLike, fmt: str | None = None) -> Path:
    """Write the import template: XLSX (every sheet's header, then an instructions sheet) or CSV (companies header)."""
    from exportplan.output.workbook import write_csv, write_workbook

    path = Path(path)
    if file_format(path, fmt, ("xlsx", "csv")) == "csv":
        return write_csv(empty_frame("companies"), path)
    sheets = {name: empty_frame(name) for name in SHEETS}
    sheets["instructions"] = pd.DataFrame(instruction_rows())
    return write_workbook(sheets, path)


def write_pipeline(frames: Mapping[str, pd.DataFrame], path: str | os.PathLike, *, with_contacts: bool = False,
                   fmt: str | None = None) -> Path:
    """Write the pipeline in the template's columns: XLSX (a sheet per record kind), CSV (companies) or JSON.

    A sheet missing from ``frames`` is written with its header only.
    Contacts are written only ``with_contacts``. Text that starts like a
    formula is neutralised in XLSX and CSV (and restored by the reader).
    """
    from exportplan.output.workbook import write_csv, write_json, write_workbook

    path = Path(path)
    kind = file_format(path, fmt, ("xlsx", "csv", "json"))
    unknown = sorted(set(frames) - set(SHEETS))
    if unknown:
        raise ExportPlanError(f"Unknown pipeline sheet(s) {', '.join(unknown)}; the sheets are {', '.join(SHEETS)}.")
    if kind == "csv":
        return write_csv(canonical_frame("companies", frames.get("companies")), path)
    names = [n for n in SHEETS if n != "contacts" or with_contacts]
    out = {name: canonical_frame(name, frames.get(name)) for name in names}
    if kind == "json":
        return write_json(out, path)
    return write_workbook(out, path)


__all__ = ["IGNORED_SHEETS", "MAX_MB_SETTING", "canonical_frame", "empty_frame", "missing_codes",
           "read_company_file", "restore", "template", "write_pipeline"]
