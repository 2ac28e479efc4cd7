"""What a file is, from its name and first bytes (the one sniffer shared by the readers)."""
from __future__ import annotations

from pathlib import Path

ZIP = b"PK\x03\x04"  # an .xlsx workbook (a zip archive)
OLE = b"\xd0\xcf\x11\xe0"  # an old Excel .xls workbook (and other OLE files)
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm")
WEB_PAGE = "a web page (HTML)"


def read_head(path, n: int = 512) -> bytes:
    """The first ``n`` bytes of the file at ``path``."""
    with Path(path).open("rb") as fh:
        return fh.read(n)


def is_workbook(head: bytes, path=None) -> bool:
    """True for a file that starts like an .xlsx workbook or is named like one."""
    return head.startswith(ZIP) or (path is not None and Path(path).suffix.lower() in WORKBOOK_SUFFIXES)


def looks_like_json(head: bytes) -> bool:
    """True for text that starts (after a BOM and blanks) like a JSON array or object."""
    return head.lstrip(b"\xef\xbb\xbf \r\n\t")[:1] in (b"[", b"{")


def binary_kind(head: bytes) -> str | None:
    """A description such as "an old Excel (.xls) workbook" for a non-text file, None for text.

    ``head`` is the file's first bytes (512 are plenty). A web page is what a
    download often saves instead of the data when the publisher answers with
    an error page.
    """
    if head.startswith(OLE):
        return "an old Excel (.xls) workbook"
    if head.lstrip(b"\xef\xbb\xbf \r\n\t").startswith(b"<"):
        return WEB_PAGE
    if b"\x00" in head:
        return "a binary file"
    return None


def sniff(path, n: int = 512) -> tuple[str, bytes]:
    """(kind, first bytes) of the file at ``path``: kind ``workbook``, ``json``, ``text`` or a :func:`binary_kind`."""
    head = read_head(path, n)
    if is_workbook(head, path):
        return "workbook", head
    if Path(path).suffix.lower() == ".json" or looks_like_json(head):
        return "json", head
    return binary_kind(head) or "text", head


def workbook_or_text(path, expected: str, fix: str) -> bool:
    """True for a workbook, False for text; a file that is neither is an error naming what was ``expected``.

    ``expected`` is e.g. ``"a CSV"``; ``fix`` says what to give instead.
    """
    from exportplan.errors import ExportPlanError

    kind, head = sniff(path)
    if kind == "workbook":
        return True
    not_text = binary_kind(head)
    if not_text:
        raise ExportPlanError(f"{Path(path).name} is {not_text}, not {expected}. {fix}")
    return False
