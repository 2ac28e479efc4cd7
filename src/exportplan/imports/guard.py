"""A first look at a file before any reader parses it: is it there at all, text, and complete?

Readers raise clear errors about *their* layout (a missing column, a bad
value). A file can be wrong before that: empty, binary (a file picked by
mistake), UTF-16 text where the reader expects UTF-8, a damaged workbook, or
cut short by a download that stopped. Without this check such a file ends
in a parser's traceback (``_csv.Error``, ``UnicodeDecodeError``,
``ParserError``) or, worse, a cut last line is read as a short row.
:func:`check_file` says what is wrong and what to do, naming the file, as an
:class:`~exportplan.errors.ExportPlanError` (the CLI prints ``Error: ...``,
exit 2). It reads only the first and last 64 kB (plus a line count when it
refuses a cut file), so it costs nothing on a 500 MB national QCEW file.

Checks, in order:

* **empty**: 0 bytes, or only blanks;
* **workbook**: a ``.xlsx`` (or a file starting like one) must be a complete
  zip archive; an old binary ``.xls`` is refused with how to convert it;
* **binary or UTF-16**: NUL bytes in the first 64 kB (UTF-16 and UTF-32 text
  have them too); ``utf16=True`` lets UTF-16 text with a byte-order mark
  through, for readers that decode it;
* **not text**: more than 2% control characters (other than tab and line
  breaks) in the first 64 kB: random or compressed bytes;
* **cut short**: a text file whose last line does not end with a line break
  and has fewer fields (or, with ``quotes``, an unclosed quote) than the
  lines before it. A file cut exactly at a line break cannot be told from a
  complete one.

Each check can be switched off (keyword of the same name) where a reader
already makes it with its own, more precise message (the user-table reader
gives the row of an unclosed quote; the QCEW reader the line of a short
one). A zip or OLE file (a workbook) skips the text checks in any case.
"""
from __future__ import annotations

import codecs
import csv
import zipfile
from collections import Counter
from pathlib import Path

from exportplan.errors import ErrorTable, ExportPlanError, ImportFailed
from exportplan.sources.filekind import OLE, ZIP, is_workbook
from exportplan.sources.textio import decode_text

_CHUNK = 65_536
_DELIMITERS = (",", ";", "\t", "|")
_CONTROL_SHARE = 0.02


def check_file(path, what: str = "file", *, utf16: bool = False, empty: bool = True, workbook: bool = True,
               binary: bool = True, text: bool = True, complete: bool = True, quotes: bool = True) -> None:
    """Refuse a file no reader can use, with what is wrong and what to do; a path that is not a file is left alone.

    ``what`` names the expected content in messages (e.g. ``"QCEW file"``).
    The keywords switch single checks off (see the module notes). Returns
    None when the file passes (the reader's own checks then apply).
    """
    if isinstance(path, str) and ("\n" in path or len(path) > 4096):
        return  # CSV contents given as text, not a path
    if not isinstance(path, (str, Path)):
        return  # a buffer (a download in memory): the caller checked it
    path = Path(path)
    try:
        if not path.is_file():
            return  # the reader (or the OS) says it is missing, with the path
    except OSError:
        return
    size = path.stat().st_size
    name = path.name
    if size == 0 and empty:
        raise ExportPlanError(f"{name} is empty (0 bytes): there is nothing to import. Check that you picked the "
                              f"right {what}, or download or export it again.")
    with path.open("rb") as fh:
        head = fh.read(_CHUNK)
        if size > _CHUNK:
            fh.seek(max(size - _CHUNK, _CHUNK))
        tail = fh.read(_CHUNK) if size > _CHUNK else head
    if is_workbook(head, path):
        if workbook:
            _check_workbook(path, head, what)
        return
    if head.startswith(OLE):
        if not workbook:
            return
        raise ExportPlanError(f"{name} is an old binary Excel workbook (.xls), which exportplan cannot read. Open it "
                              "in Excel and save it as .xlsx or as 'CSV UTF-8', then import that file.")
    if not size:
        return
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and not head.startswith(codecs.BOM_UTF32_LE):
        if utf16 or not binary:
            return
        raise ExportPlanError(f"{name} is UTF-16 text (Excel's 'Unicode Text'), but this {what} must be UTF-8. "
                              "Open it and save it again as 'CSV UTF-8 (comma delimited)', then import that file.")
    if b"\x00" in head:
        if not binary:
            return
        raise ExportPlanError(f"{name} is not a text (CSV) file: it holds binary data (NUL bytes). Check that you "
                              f"picked the right {what}; a CSV file opens as readable text in a text editor. If it "
                              "is a download, download it again.")
    chars = _text(head)
    if not chars.strip() and empty:
        raise ExportPlanError(f"{name} holds only blank lines: there is nothing to import. Check that you picked "
                              f"the right {what}, or download or export it again.")
    controls = sum(1 for ch in chars if ord(ch) < 32 and ch not in "\t\r\n\f" or ord(ch) == 127)
    if text and controls > _CONTROL_SHARE * len(chars):
        raise ExportPlanError(f"{name} does not look like a text (CSV) file: {controls:,} of its first {len(chars):,} "
                              f"characters are control characters. Check that you picked the right {what} (not a "
                              "compressed or binary file); unzip a .zip download first.")
    if complete and not chars.lstrip("\ufeff \t\r\n").startswith(("[", "{")):
        # JSON (an API answer) is not line-shaped; a cut JSON file fails its parser with the reader's message
        _check_complete(path, tail, size, what, quotes)


def _text(data: bytes) -> str:
    """Bytes as text: UTF-8 (a character cut at the end of a chunk tolerated), else Latin-1."""
    return decode_text(data, "latin-1", partial=True)


def _check_workbook(path: Path, head: bytes, what: str) -> None:
    if not head.startswith(ZIP):
        if head.startswith(OLE):
            raise ExportPlanError(f"{path.name} is an old binary Excel workbook (.xls) with an .xlsx name. Open it in "
                                  "Excel and save it as .xlsx (Excel Workbook), then import that file.")
        raise ExportPlanError(f"{path.name} is named like an Excel workbook but is not one. Check that you picked the "
                              f"right {what}; save it from Excel as .xlsx, or as 'CSV UTF-8' and import the CSV.")
    try:
        with zipfile.ZipFile(path) as book:
            bad = book.testzip()
    except (zipfile.BadZipFile, EOFError, OSError, ValueError) as exc:
        raise ExportPlanError(f"{path.name} is a damaged or incomplete Excel workbook ({exc}): it may be cut short "
                              "by a download that did not finish. Download it again, or open it in Excel and save "
                              "it again as .xlsx.") from None
    if bad is not None:
        raise ExportPlanError(f"{path.name} is a damaged Excel workbook (part {bad} is corrupt). Download it again, "
                              "or open it in Excel and save it again as .xlsx.")


def _check_complete(path: Path, tail: bytes, size: int, what: str, quotes: bool) -> None:
    """Refuse a text file whose last line stops short of the fields (or the closing quote) the lines before have."""
    if tail.endswith((b"\n", b"\r")):
        return
    text = _text(tail)
    lines = text.splitlines()
    if len(lines) < 2:
        return
    last = lines[-1]
    # The first line of a tail chunk may be a fragment: judge the last line by the complete ones before it.
    before = lines[1:-1] if size > _CHUNK else lines[:-1]
    before = [line for line in before[-200:] if line.strip()]
    if not before:
        return
    delimiter, usual = _usual_fields(before)
    unclosed = last.count('"') % 2 == 1
    if unclosed and not quotes:
        return  # the reader reports the unclosed quote itself
    cut = unclosed
    if not cut and usual > 1:
        cut = _fields(last, delimiter) < usual
    if not cut:
        return
    line = _line_count(path)
    raise ExportPlanError(
        f"{path.name} ends in the middle of a line (line {line:,}: "
        + ("an unclosed quote" if unclosed else
           f"{_fields(last, delimiter)} field(s) where the lines before have {usual}")
        + f"): the {what} looks cut short, e.g. by a download that did not finish. Download or export it again "
        "and import the complete file.")


def _fields(line: str, delimiter: str) -> int:
    try:
        return len(next(csv.reader([line], delimiter=delimiter)))
    except (csv.Error, StopIteration):
        return 0


def _usual_fields(lines: list[str]) -> tuple[str, int]:
    """The delimiter that splits the lines most consistently into the most fields, and that usual count."""
    best = (",", 1, 0.0)
    for delimiter in _DELIMITERS:
        counts = Counter(_fields(line, delimiter) for line in lines)
        usual, seen = counts.most_common(1)[0]
        share = seen / len(lines)
        if usual > 1 and share >= 0.5 and (usual, share) > (best[1], best[2]):
            best = (delimiter, usual, share)
    return best[0], best[1]


def _line_count(path: Path) -> int:
    count = 0
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            count += block.count(b"\n")
    return count + 1


def import_failure(label: str, problem: str, fix: str, *, title: str | None = None, **where) -> ImportFailed:
    """An ImportFailed holding one problem of file ``label`` (``where``: row, column, value), titled
    "Import of LABEL" unless ``title`` says otherwise."""
    table = ErrorTable()
    table.add(problem, fix, file=label, **where)
    return ImportFailed(title or f"Import of {label}", table)


def checked_lines(path: Path, label: str, *, what: str, fix: str, title: str) -> list[tuple[int, list[str]]]:
    """A publisher's CSV file as its non-blank (line, cells) rows, header first; a missing or unusable file is
    refused with one problem (``what`` names the file, ``fix`` says what to pick instead)."""
    from exportplan.imports.reader import read_rows

    if not path.is_file():
        raise import_failure(label, f"file not found: {path}", "Check the file name and folder.", title=title)
    try:
        check_file(path, what)
    except ExportPlanError as exc:
        raise import_failure(label, f"the file cannot be read: {exc}", fix, title=title) from None
    rows, _notes = read_rows(path, label=label)
    return [(line, cells) for line, cells in rows if any(c.strip() for c in cells)]


def refuse_before_reading(path: Path, label: str, *, max_mb: float, setting: str, kind: str) -> None:
    """A record file (companies, programs) that is missing, over the size limit, a spreadsheet format no reader
    takes, or not a complete CSV/XLSX file: refused with one problem (ImportFailed), before any of it is parsed.

    ``setting`` names the size limit's setting (e.g. pipeline.max_import_mb); ``kind`` the file in the messages
    ("company", "program").
    """
    def fail(problem: str, fix: str, **where) -> ImportFailed:
        return import_failure(label, problem, fix, **where)

    if not path.is_file():
        raise fail(f"file not found: {path}", "Check the file name and folder.")
    size = path.stat().st_size
    if size > max_mb * 1024 * 1024:
        raise fail(f"the file is {size / 1024 / 1024:,.2f} MB, over the import limit of {max_mb:g} MB (setting "
                   f"{setting}); it was not read",
                   f"Split the file into smaller ones, or raise the limit: exportplan config set {setting} <MB>.",
                   value=f"{size:,} bytes")
    if path.suffix.lower() in (".ods", ".numbers", ".xls"):
        raise fail(f"{path.suffix} spreadsheets cannot be read",
                   "Save the sheets as .xlsx (Excel Workbook) or CSV UTF-8, then import that file.")
    try:
        check_file(path, f"{kind} file (CSV or .xlsx)", utf16=True, quotes=False)
    except ImportFailed:
        raise
    except ExportPlanError as exc:
        raise fail(f"the file cannot be imported: {exc}",
                   f"Pick the {kind} file itself, complete: a CSV (UTF-8) or an .xlsx workbook.") from None
