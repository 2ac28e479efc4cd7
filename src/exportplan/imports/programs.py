"""The program inventory's files: read a providers/programs/events file (XLSX or CSV), write the template and export.

- :func:`read_program_file` reads an XLSX workbook (sheets ``providers``,
  ``programs`` and ``events``, found by name; any of them may be left out) or
  a CSV file holding one of them (told apart by its header: ``event_id`` =
  events, ``program_id`` = programs, ``provider_id`` = providers) into
  canonical frames with exactly the columns of ``program_terms.SHEETS``
  (text as pandas ``string`` with ``""`` for a blank, list cells tidied with
  ``join_list``, whole numbers ``Int64``, the others ``float64``; index
  ``line`` = the row number a user sees). Every problem of every sheet goes
  into one :class:`~exportplan.errors.ErrorTable` (file and sheet, row,
  column, value, problem, fix) and raises
  :class:`~exportplan.errors.ImportFailed`: nothing is returned partially.
- :func:`template` writes the import template (an XLSX workbook: the three
  sheets' headers and an ``instructions`` sheet).
- :func:`write_programs` writes frames in the template's columns, so that an
  export imports back unchanged: XLSX (the three sheets), CSV (one sheet
  only) or JSON (``{sheet: rows}``).

The cell checks are those of :mod:`exportplan.imports.program_sheets`. Across
cells and sheets: keys are unique within their sheet; ``max_employees`` is
not below ``min_employees`` (a cost-share program may leave its rate blank: not known);
an event does not end before it starts; a program names a provider of the
file (or of ``known_providers``), and an event a program of the file (or of
``known_programs``).

As for company files (:mod:`exportplan.imports.companies`), the file's size
is checked against ``max_mb`` before anything is read, a file no reader can
use is refused (:func:`exportplan.imports.guard.check_file`), and exports put
a single quote before text starting with ``= + - @``, which the reader strips
(:func:`~exportplan.imports.companies.restore`). Notes for the user (columns
ignored, a sheet guessed from its header) are in each frame's
``attrs["notes"]``.
"""
from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from exportplan.analysis.program_terms import LIST_COLUMNS, SHEETS, join_list
from exportplan.errors import ErrorTable, ExportPlanError
from exportplan.imports.cells import InvalidValue, normalize_header
from exportplan.imports.companies import restore
from exportplan.imports.guard import import_failure, refuse_before_reading
from exportplan.imports.records import file_format, typed_frame
from exportplan.imports.program_sheets import DTYPES, FIELDS, KEYS, convert, header_index, instruction_rows
from exportplan.imports.reader import cell_text, lines_text, read_any
from exportplan.imports.schema import HEADER_SCAN_ROWS
from exportplan.sources.filekind import is_workbook
from exportplan.sources.textio import Formula, UnreadableWorkbook, workbook_rows

MAX_MB_SETTING = "pipeline.max_import_mb"
IGNORED_SHEETS = ("instructions", "sources")
#: Other names a workbook's sheet may have (normalized) -> the sheet.
SHEET_ALIASES = {"provider": "providers", "program": "programs", "programme": "programs", "programmes": "programs",
                 "event": "events"}
_XLSX_FIX = "Open it in Excel and save it again as .xlsx (or save each sheet as CSV UTF-8), then retry."
Rows = list[tuple[int, list[str]]]


# ----------------------------------------------------------------- reading

def read_program_file(path: str | os.PathLike, *, known_providers: Collection[str] = frozenset(),
                      known_programs: Collection[str] = frozenset(), today: date | None = None,
                      max_mb: float = 50, sheet: str | None = None) -> dict[str, pd.DataFrame]:
    """Read a program file into ``{sheet: canonical frame}``, for the sheets the file holds; see the module docstring.

    ``known_providers``/``known_programs``: keys already in the workspace,
    which programs and events may name besides those of the file. ``today``
    (default: the system date) is the last ``last_verified`` date allowed.
    ``sheet`` says which sheet a CSV file is, instead of telling it from the
    header. Raises :class:`ImportFailed` listing every problem.
    """
    path = Path(path)
    label = path.name
    today = today or date.today()
    _refuse_before_reading(path, label, max_mb)
    errors = ErrorTable()
    notes: list[str] = []
    sources = _sheet_rows(path, label, sheet, errors, notes)
    frames: dict[str, pd.DataFrame | None] = {}
    for name, (rows, where) in sources.items():
        found = ErrorTable()
        frames[name] = _read_sheet(name, rows, where, today, found, notes)
        found.problems.sort(key=lambda p: p.row or 0)
        errors.problems += found.problems
    _check_references(frames, sources, set(known_providers), set(known_programs), errors)
    errors.raise_if_any(f"Import of {label}")
    out = {name: frames[name] for name in SHEETS if frames.get(name) is not None}
    for frame in out.values():
        frame.attrs["notes"] = list(notes)
    return out


def _refuse_before_reading(path: Path, label: str, max_mb: float) -> None:
    """Missing, too large or not a spreadsheet: refused before a byte of it is parsed (imports.guard)."""
    refuse_before_reading(path, label, max_mb=max_mb, setting=MAX_MB_SETTING, kind="program")


def _sheet_rows(path: Path, label: str, sheet: str | None, errors: ErrorTable,
                notes: list[str]) -> dict[str, tuple[Rows, str]]:
    """{sheet: (rows of cell text, label for problems)}; a wrong set of sheets is reported in ``errors``."""
    if sheet is not None and sheet not in SHEETS:
        raise import_failure(label, f"there is no sheet {sheet!r} in a program file", f"Name one of: {', '.join(SHEETS)}.",
                    column="sheet", value=sheet)
    with path.open("rb") as fh:
        head = fh.read(8)
    if not is_workbook(head, path):
        grid = read_any(path, label=label)
        notes += [str(p) for p in grid.attrs.get("notes", [])]
        rows = list(zip(grid.index.tolist(), grid.to_numpy(dtype=object).tolist()))
        name = sheet or detect_sheet(rows)
        if name is None:
            raise import_failure(label, "cannot tell which sheet this CSV file is: its header names none of provider_id, "
                               "program_id, event_id", "Put the header line of one sheet first (see the template): "
                        "event_id for events, program_id for programs, provider_id for providers.", row=1)
        if sheet is None:
            notes.append(f"{label}: read as the {name} sheet (from its header).")
        return {name: (rows, label)}
    try:
        books = workbook_rows(path, _XLSX_FIX, formulas=True)
    except UnreadableWorkbook as exc:
        raise import_failure(label, f"not a readable .xlsx workbook ({exc.cause.__class__.__name__}): damaged, cut short, "
                           "or another kind of file named .xlsx", _XLSX_FIX) from None
    chosen: dict[str, tuple[str, Rows]] = {}
    strangers: list[tuple[str, Rows]] = []
    for title, values in books:
        rows = _cells(values, f"{label} [{title}]", notes)
        key = normalize_header(title)
        key = SHEET_ALIASES.get(key, key)
        if key in SHEETS:
            if key in chosen:
                errors.add(f"two sheets are the {key} sheet ({chosen[key][0]!r} and {title!r})",
                           "Keep one of them, or combine their lines.", file=label, column="sheet", value=title)
            else:
                chosen[key] = (title, rows)
        elif key not in IGNORED_SHEETS and any(c.strip() for _, cells in rows for c in cells):
            strangers.append((title, rows))
    if not chosen and len(strangers) == 1 and detect_sheet(strangers[0][1]):
        title, rows = strangers.pop()
        name = detect_sheet(rows)
        chosen[name] = (title, rows)
        notes.append(f"{label}: the only sheet, {title!r}, was read as the {name} sheet (from its header).")
    for title, _ in strangers:
        errors.add(f"the sheet {title!r} is not one the import reads (sheets read: {', '.join(SHEETS)})",
                   "Rename it to providers, programs or events, or delete it (the instructions sheet is ignored).",
                   file=label, column="sheet", value=title)
    if not chosen and not strangers:
        errors.add(f"the workbook has none of the sheets {', '.join(SHEETS)} "
                   f"(its sheets: {', '.join(t for t, _ in books)})",
                   "Start from the template (exportplan programs template), or name the sheets providers, "
                   "programs and events.", file=label, column="sheet")
    return {name: (chosen[name][1], f"{label} [{chosen[name][0]}]") for name in SHEETS if name in chosen}


def detect_sheet(rows: Rows) -> str | None:
    """The sheet a header belongs to: the one naming most of its columns, given that some key column is named.

    Ties go to events, then programs (an events header names program_id, a programs header provider_id).
    """
    filled = [cells for _, cells in rows if any(c.strip() for c in cells)][:HEADER_SCAN_ROWS]
    best, found = 0, None
    for cells in filled:
        keys = {normalize_header(c) for c in cells}
        scores = {name: len({index[k] for k in keys if k in index})
                  for name in ("events", "programs", "providers") for index in [header_index(name)]}
        if not any(KEYS[name] in {header_index(name).get(k) for k in keys} for name in SHEETS):
            continue
        name = max(scores, key=lambda n: scores[n])  # the first of equals: events, programs, providers
        if scores[name] > best:
            best, found = scores[name], name
    return found


def _cells(values: list[tuple], where: str, notes: list[str]) -> Rows:
    rows, kept = [], []
    for line, row in enumerate(values, start=1):
        kept += [line for value in row if isinstance(value, Formula)]
        # openpyxl leaves a carriage return escaped as _x000D_
        rows.append((line, [cell_text(value).replace("_x000D_", "\r") for value in row]))
    if kept:
        notes.append(f"{where}: {len(kept)} formula cell(s) had no saved result and were kept as plain text "
                     f"(line(s) {lines_text(kept)}); formulas are never evaluated.")
    return rows


# ----------------------------------------------------------------- one sheet

def _shown(text: str) -> str:
    return text if len(text) <= 80 else text[:80] + "…"


def _header(sheet: str, rows: Rows, where: str, errors: ErrorTable,
            notes: list[str]) -> tuple[int, dict[str, int]] | None:
    """(header line, {column: position}) of a sheet, or None after reporting why there is none."""
    index = header_index(sheet)
    filled = [(line, cells) for line, cells in rows if any(c.strip() for c in cells)][:HEADER_SCAN_ROWS]
    scored = [(sum(normalize_header(c) in index for c in cells), line, cells) for line, cells in filled]
    score, line, cells = max(scored, key=lambda s: s[0])  # the first of the best
    if score == 0:
        errors.add(f"no header line found: none of the first {len(filled)} non-empty lines names a column of the "
                   f"{sheet} sheet", f"Put a header line with the columns {', '.join(SHEETS[sheet])}.", file=where,
                   row=filled[0][0], value=_shown(" | ".join(c for c in filled[0][1] if c)))
        return None
    positions: dict[str, int] = {}
    unknown = []
    for pos, cell in enumerate(cells):
        name = index.get(normalize_header(cell))
        if name is None:
            unknown += [cell.strip()] if cell.strip() else []
        elif name in positions:
            errors.add(f"two columns mean {name!r} (columns {positions[name] + 1} and {pos + 1})",
                       "Delete or rename one of them.", file=where, row=line, column=name, value=cell)
        else:
            positions[name] = pos
    missing = [f.name for f in FIELDS[sheet] if f.required and f.name not in positions]
    if missing:
        errors.add(f"missing required column(s): {', '.join(missing)}; the header line has: "
                   f"{', '.join(c.strip() for c in cells if c.strip())}",
                   f"Add the column(s) {', '.join(missing)}. The {sheet} sheet's columns are: "
                   f"{', '.join(SHEETS[sheet])}.", file=where, row=line, column=", ".join(missing))
    if unknown:
        notes.append(f"{where}: column(s) not read by the {sheet} sheet were ignored: {', '.join(unknown)}.")
    return None if missing else (line, positions)


def _read_sheet(sheet: str, rows: Rows, where: str, today: date, errors: ErrorTable,
                notes: list[str]) -> pd.DataFrame | None:
    """The canonical frame of one sheet (bad cells blank), or None when its header is unusable."""
    if not any(c.strip() for _, cells in rows for c in cells):
        return empty_frame(sheet)
    before = len(errors)
    found = _header(sheet, rows, where, errors, notes)
    if found is None or len(errors) > before:
        return None
    hline, positions = found
    fields = FIELDS[sheet]
    seen: dict[tuple[str, str], tuple[object, InvalidValue | None]] = {}
    records: list[tuple[int, dict[str, object]]] = []
    for line, cells in rows:
        if line <= hline or not any(c.strip() for c in cells):
            continue
        record, bad = {}, set()
        for field in fields:
            pos = positions.get(field.name)
            raw = cells[pos] if pos is not None and pos < len(cells) else ""
            raw = restore(raw) if raw[:1] == "'" else raw
            if (field.name, raw) not in seen:
                try:
                    seen[field.name, raw] = (convert(field, raw, today), None)
                except InvalidValue as exc:
                    seen[field.name, raw] = (None if field.dtype != "string" else "", exc)
            value, problem = seen[field.name, raw]
            if problem is not None:
                errors.add(problem.problem, problem.fix, file=where, row=line, column=field.name,
                           value=_shown(raw.strip()))
                bad.add(field.name)
            record[field.name] = value
        _row_rules(sheet, record, bad, line, where, errors)
        records.append((line, record))
    _duplicates(sheet, records, where, errors)
    frame = pd.DataFrame({f.name: pd.array([r[f.name] for _, r in records], dtype=f.dtype) for f in fields},
                         index=pd.Index([line for line, _ in records], name="line", dtype="int64"))
    return frame


def _row_rules(sheet: str, record: dict, bad: set[str], line: int, where: str, errors: ErrorTable) -> None:
    """The checks across the cells of one line (only of cells that are right on their own)."""
    if sheet == "programs":
        low, high = record["min_employees"], record["max_employees"]
        if low is not None and high is not None and high < low:
            errors.add(f"is below min_employees ({low})", "Make max_employees at least min_employees, or leave one "
                       "of them blank.", file=where, row=line, column="max_employees", value=str(high))
    if sheet == "events" and record["start_date"] and record["end_date"] and record["end_date"] < record["start_date"]:
        errors.add(f"is before start_date ({record['start_date']})", "Make end_date the event's last day, on or "
                   "after start_date (or leave it blank for a one-day event).", file=where, row=line,
                   column="end_date", value=record["end_date"])


def _duplicates(sheet: str, records: list[tuple[int, dict]], where: str, errors: ErrorTable) -> None:
    key = KEYS[sheet]
    first: dict[str, int] = {}
    for line, record in records:
        value = record[key]
        if not value:
            continue
        if value in first:
            errors.add(f"duplicates the {key} of line {first[value]}",
                       f"Give each line its own {key} (or keep one of lines {first[value]} and {line}).",
                       file=where, row=line, column=key, value=value)
        first.setdefault(value, line)


def _check_references(frames: dict[str, pd.DataFrame | None], sources: dict[str, tuple[Rows, str]],
                      providers: set[str], programs: set[str], errors: ErrorTable) -> None:
    """Programs name a provider, events a program, of the file or the workspace (unless that sheet is unreadable)."""
    for sheet, parent, known, what in (("programs", "providers", providers, "provider"),
                                        ("events", "programs", programs, "program")):
        frame = frames.get(sheet)
        if frame is None or frame.empty or (parent in frames and frames[parent] is None):
            continue
        ids = known | (set(frames[parent][KEYS[parent]]) if frames.get(parent) is not None else set())
        column = KEYS[parent]
        for line, value in zip(frame.index, frame[column].tolist()):
            if value and value not in ids:
                errors.add(f"names a {what} that is not in the {parent} sheet (nor in the workspace)",
                           f"Add the {what} to the {parent} sheet, or correct the {column}.",
                           file=sources[sheet][1], row=int(line), column=column, value=value)


# ----------------------------------------------------------------- frames and writing

def empty_frame(sheet: str) -> pd.DataFrame:
    """A sheet's canonical frame with no rows."""
    return pd.DataFrame({c: pd.array([], dtype=t) for c, t in DTYPES[sheet].items()},
                        index=pd.Index([], name="line", dtype="int64"))


def _text(value: object, column: str) -> str:
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, (list, tuple, set)) or column in LIST_COLUMNS:
        return join_list(value)
    if isinstance(value, (datetime, pd.Timestamp)):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def canonical_frame(sheet: str, frame: pd.DataFrame | None) -> pd.DataFrame:
    """``frame`` with exactly the sheet's columns, in order, canonical dtypes and tidy list cells.

    Other columns (such as the store's ``origin``) are left out. Raises
    ExportPlanError naming the columns a frame lacks.
    """
    if sheet not in SHEETS:
        raise ExportPlanError(f"Unknown program sheet {sheet!r}; the sheets are {', '.join(SHEETS)}.")
    if frame is None:
        return empty_frame(sheet)
    missing = [c for c in SHEETS[sheet] if c not in frame.columns]
    if missing:
        raise ExportPlanError(f"The {sheet} table lacks the column(s) {', '.join(missing)}; "
                              f"it needs {', '.join(SHEETS[sheet])}.")
    return typed_frame(frame, DTYPES[sheet], _text)


def template(path: str | os.PathLike, fmt: str | None = None) -> Path:
    """Write the import template: an XLSX workbook with the providers, programs and events headers, then instructions.

    A CSV file holds one sheet only, so the template is always a workbook
    (write one sheet as CSV with :func:`write_programs`).
    """
    from exportplan.output.workbook import write_workbook

    path = Path(path)
    if (fmt or path.suffix.lstrip(".")).lower() == "csv":
        raise ExportPlanError(f"Cannot write {path.name}: the template has three sheets (providers, programs, "
                              "events), which a CSV file cannot hold. Choose a file name ending in .xlsx.")
    file_format(path, fmt, ("xlsx",))
    sheets = {name: empty_frame(name) for name in SHEETS}
    sheets["instructions"] = pd.DataFrame(instruction_rows())
    return write_workbook(sheets, path)


def write_programs(frames: Mapping[str, pd.DataFrame], path: str | os.PathLike, fmt: str | None = None, *,
                   created=None) -> Path:
    """Write the inventory in the template's columns: XLSX (the three sheets), CSV (one sheet) or JSON.

    ``created`` (a datetime) fixes an XLSX file's creation time, for byte-identical files.

    A sheet missing from ``frames`` is written with its header only (XLSX,
    JSON). A CSV holds one sheet: ``frames`` must then hold exactly one.
    Text that starts like a formula is neutralised in XLSX and CSV (and
    restored by the reader).
    """
    from exportplan.output.workbook import write_csv, write_json, write_workbook

    path = Path(path)
    kind = file_format(path, fmt, ("xlsx", "csv", "json"))
    unknown = sorted(set(frames) - set(SHEETS))
    if unknown:
        raise ExportPlanError(f"Unknown program sheet(s) {', '.join(unknown)}; the sheets are {', '.join(SHEETS)}.")
    if kind == "csv":
        if len(frames) != 1:
            given = ", ".join(frames) or "none"
            raise ExportPlanError(f"Cannot write {path.name}: a CSV file holds one sheet, and {len(frames)} were "
                                  f"given ({given}). Write an .xlsx (or .json) file, or one sheet per CSV file.")
        ((name, frame),) = frames.items()
        return write_csv(canonical_frame(name, frame), path)
    out = {name: canonical_frame(name, frames.get(name)) for name in SHEETS}
    if kind == "json":
        return write_json(out, path)
    return write_workbook(out, path, created=created)


__all__ = ["IGNORED_SHEETS", "MAX_MB_SETTING", "SHEET_ALIASES", "canonical_frame", "detect_sheet", "empty_frame",
           "read_program_file", "template", "write_programs"]
