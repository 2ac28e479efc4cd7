"""Reading a file's text and a workbook's rows, with one set of messages (shared by every reader).

- :func:`decode_text`: bytes as text, UTF-8 (with or without a BOM) first,
  then the reader's fallback encodings in turn.
- :func:`read_text`: a file's text the same way; a file that cannot be read,
  or that is not UTF-8 when the reader has no fallback, is an
  :class:`~exportplan.errors.ExportPlanError` that says so and what to do.
- :func:`workbook_rows`: every sheet's (or the first, or one named sheet's)
  rows of cell values; a workbook openpyxl cannot open is an
  :class:`UnreadableWorkbook`, a sheet it lacks a :class:`MissingSheet`. With
  ``formulas=True`` a formula cell without a saved result is a :class:`Formula`.
"""
from __future__ import annotations

import warnings
from datetime import date, datetime, time, timedelta
from pathlib import Path

from exportplan.errors import ExportPlanError


def decode_text(data: bytes, *fallbacks: str, partial: bool = False) -> str:
    """``data`` as UTF-8 (a BOM dropped), else in the first of ``fallbacks`` that decodes it.

    The last fallback replaces what it cannot decode (so ``decode_text(data,
    "utf-8-sig")`` reads UTF-8, replacing bytes that are not). Without
    fallbacks a non-UTF-8 ``data`` raises :class:`UnicodeDecodeError`. ``partial``: ``data``
    is a chunk of a file, so a character cut at its end is dropped rather than
    taken for another encoding.
    """
    return decode_with(data, *fallbacks, partial=partial)[0]


def decode_with(data: bytes, *fallbacks: str, partial: bool = False) -> tuple[str, str]:
    """(text, encoding used: ``utf-8`` or one of ``fallbacks``), as :func:`decode_text`."""
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as exc:
        if partial and exc.start >= len(data) - 3:
            return data[:exc.start].decode("utf-8-sig", errors="replace"), "utf-8"
        if not fallbacks:
            raise
    for encoding in fallbacks[:-1]:
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return data.decode(fallbacks[-1], errors="replace"), fallbacks[-1]


def read_text(path, fix: str, *fallbacks: str) -> str:
    """The text of the file ``path`` (see :func:`decode_text`); ``fix`` says what to do with a non-UTF-8 file."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ExportPlanError(f"Cannot read {path}: {exc.strerror or exc}. Check the path.") from exc
    try:
        return decode_text(data, *fallbacks)
    except UnicodeDecodeError as exc:
        raise ExportPlanError(f"{path.name} is not UTF-8 text (byte {exc.object[exc.start]:#04x} at offset "
                              f"{exc.start:,}: {exc.reason}). {fix}") from None


class UnreadableWorkbook(ExportPlanError):
    """A workbook openpyxl cannot open (damaged, cut short or not Excel); ``problem`` and ``fix`` as in a Problem.

    ``cause`` is the exception openpyxl raised.
    """

    def __init__(self, name: str, cause: BaseException, fix: str):
        self.cause = cause
        self.problem = (f"not a readable XLSX workbook ({cause.__class__.__name__}: it could not be opened as an "
                        "Excel workbook; damaged, cut short or not Excel)")
        self.fix = fix
        super().__init__(f"{name} is {self.problem}. {fix}")


class MissingSheet(ExportPlanError):
    """The workbook has no sheet named ``sheet``; ``sheets`` are the names it has."""

    def __init__(self, name: str, sheet: str, sheets: list[str]):
        self.sheet, self.sheets = sheet, list(sheets)
        super().__init__(f"{name} has no sheet named {sheet!r}. Use one of the sheets: {', '.join(self.sheets)}.")


class Formula(str):
    """The text of a formula cell that has no saved result (a workbook not saved by Excel); never evaluated."""

    __slots__ = ()


def require_columns(found, required, path, expected: str) -> None:
    """The one 'missing column(s)' error of the publishers' readers: which are missing, which were found, and
    ``expected`` (the layout to give)."""
    found = [str(c) for c in found]
    missing = [c for c in required if c not in found]
    if missing:
        raise ExportPlanError(f"{Path(path).name}: missing column(s) {', '.join(missing)} (found: "
                              f"{', '.join(found)}). {expected}")


def workbook_rows(path, fix: str, *, max_row: int | None = None, first_only: bool = False,
                  sheet: str | None = None, formulas: bool = False) -> list[tuple[str, list[tuple]]]:
    """(sheet title, rows of cell values) for every sheet (or the first) of the workbook at ``path``.

    Opens the file as a file object, so a workbook with another name (an
    .xlsx saved as .csv) is read too. ``max_row`` reads only the first rows of
    each sheet. ``sheet`` reads only the sheet of that name (a
    :class:`MissingSheet` if there is none). ``fix`` is the advice of the
    :class:`UnreadableWorkbook` raised for a file openpyxl cannot open.

    ``formulas``: a sheet's size comes from its cells, not from the dimension
    record some writers get wrong, and a formula cell gives its saved result
    or, if it has none, a :class:`Formula` holding its text instead of None.
    The sheets are streamed; a workbook with a formula (or another cell a
    stream cannot tell apart from text) is read whole instead, once without
    and once with the saved results.
    """
    path = Path(path)
    if not path.is_file():
        raise ExportPlanError(f"{path}: file not found. Check the path.")
    try:
        if formulas:
            return _rows_with_formulas(path, sheet, first_only, max_row)
        with path.open("rb") as fh:
            book = _open_workbook(fh, read_only=True, data_only=True)
            try:
                return [(ws.title, list(ws.iter_rows(max_row=max_row, values_only=True)))
                        for ws in _sheets(book, path, sheet, first_only)]
            finally:
                book.close()
    except ExportPlanError:
        raise
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types for a file that is not a workbook
        raise UnreadableWorkbook(path.name, exc, fix) from exc


def _open_workbook(fh, *, read_only: bool, data_only: bool):
    import openpyxl  # only needed for workbooks

    with warnings.catch_warnings():
        # openpyxl warns about workbook features it ignores (styles, validation).
        warnings.simplefilter("ignore", UserWarning)
        return openpyxl.load_workbook(fh, read_only=read_only, data_only=data_only)


def _sheets(book, path: Path, sheet: str | None, first_only: bool) -> list:
    """The worksheets asked for: the one named ``sheet``, the first, or all."""
    if sheet is not None:
        if sheet not in book.sheetnames:
            raise MissingSheet(path.name, sheet, book.sheetnames)
        return [book[sheet]]
    sheets = book.worksheets[:1] if first_only else book.worksheets
    if not sheets:
        raise IndexError("the workbook has no sheet")
    return sheets


#: The types of a streamed cell's value that are its value as written (a formula streams as "=..." text).
_PLAIN_VALUES = frozenset({type(None), int, float, bool, datetime, date, time, timedelta})


def _streamed_rows(path: Path, sheet: str | None, first_only: bool) -> list[tuple[str, list[tuple]]] | None:
    """Every sheet's rows streamed (read-only, formulas as written), as the whole read gives them; None when
    a cell holds a formula (or anything else than a plain value), which only the whole read resolves.

    Much faster and lighter than loading the workbook for a large sheet. The
    sheet's recorded dimension is ignored (:meth:`reset_dimensions`), so its
    size comes from its cells; each row is padded to the widest one, and rows
    written without any cell at the end of the sheet are dropped, as the whole
    read does.
    """
    with path.open("rb") as fh:
        book = _open_workbook(fh, read_only=True, data_only=False)
        try:
            out = []
            for ws in _sheets(book, path, sheet, first_only):
                ws.reset_dimensions()
                rows = []
                for row in ws.iter_rows(values_only=True):
                    for value in row:
                        if type(value) not in _PLAIN_VALUES and (type(value) is not str or value[:1] == "="):
                            return None
                    rows.append(row)
                while rows and not rows[-1]:
                    rows.pop()
                width = max(map(len, rows), default=0)
                out.append((ws.title, [row if len(row) == width else tuple(row) + (None,) * (width - len(row))
                                       for row in rows]))
            return out
        finally:
            book.close()


def _rows_with_formulas(path: Path, sheet: str | None, first_only: bool, max_row: int | None):
    """:func:`workbook_rows` with ``formulas``: streamed when no cell holds a formula; else the workbook read
    whole, again with saved values."""
    if max_row is None:
        streamed = _streamed_rows(path, sheet, first_only)
        if streamed is not None:
            return streamed

    def load(data_only: bool):
        with path.open("rb") as fh:
            return _open_workbook(fh, read_only=False, data_only=data_only)

    book, saved = load(data_only=False), None
    out = []
    for ws in _sheets(book, path, sheet, first_only):
        cells = list(ws.iter_rows(max_row=max_row))
        if any(c.data_type == "f" for row in cells for c in row):
            saved = saved or load(data_only=True)
            values = [[c.value for c in row] for row in saved[ws.title].iter_rows(max_row=max_row)]
        else:
            values = [[c.value for c in row] for row in cells]
        out.append((ws.title, [tuple(Formula(f.value) if f.data_type == "f" and v is None else v
                                     for f, v in zip(frow, vrow, strict=False))
                               for frow, vrow in zip(cells, values, strict=False)]))
    return out
