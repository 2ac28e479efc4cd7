"""What every SAMPLE file shares: the invented region and years, the SAMPLE label, the CSV writers.

The region is "Sample Region" (state FIPS 99, which no real state uses) with
three counties; :data:`YEARS` are the years written, :data:`GEN_YEARS` add
the base year the first over-the-year changes start from. User tables carry
:data:`SAMPLE_NOTE` as a title row above their header (:func:`write_user_table`).
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

SAMPLE_NOTE = "SAMPLE DATA — invented for demonstration, not real statistics"

REGION_NAME = "Sample Region (SAMPLE DATA)"
AREA_NAME = "SAMPLE"
COUNTIES = {"99001": "Sample County A", "99003": "Sample County B", "99005": "Sample County C"}
US_AREA = "US000"
YEARS = tuple(range(2018, 2024))
#: Generated but not written: the base of the 2018 over-the-year changes.
BASE_YEAR = 2017
GEN_YEARS = (BASE_YEAR, *YEARS)
CENTRE = (40.0, -83.0)


def csv_text(rows: Iterable[dict], title: str | None = None) -> str:
    """The rows as CSV text (header from the first row's keys), below ``title`` if given."""
    rows = list(rows)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if title:
        writer.writerow([title])
    header = list(rows[0])
    writer.writerow(header)
    writer.writerows([row[c] for c in header] for row in rows)
    return out.getvalue()


def write_csv(path: Path, rows: list[dict]) -> Path:
    """A plain CSV (header on line 1), UTF-8."""
    path.write_bytes(csv_text(rows).encode("utf-8"))
    return path


def write_user_table(path: Path, rows: list[dict]) -> Path:
    """A user table with the SAMPLE title row above its header.

    Written with a UTF-8 byte-order mark so that Excel shows the title's dash
    and accented names (Querétaro) correctly; the importers accept it.
    """
    path.write_bytes(csv_text(rows, title=SAMPLE_NOTE).encode("utf-8-sig"))
    return path
