"""What a file that should be text is, from its first bytes (shared by the readers)."""
from __future__ import annotations


def binary_kind(head: bytes) -> str | None:
    """A description such as "an old Excel (.xls) workbook" for a non-text file, None for text.

    ``head`` is the file's first bytes (512 are plenty). A web page is what a
    download often saves instead of the data when the publisher answers with
    an error page.
    """
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "an old Excel (.xls) workbook"
    if head.lstrip(b"\xef\xbb\xbf \r\n\t").startswith(b"<"):
        return "a web page (HTML)"
    if b"\x00" in head:
        return "a binary file"
    return None
