"""BLS QCEW (Quarterly Census of Employment and Wages): read every official CSV layout.

:func:`read_qcew` turns any QCEW CSV (open-data area/industry slices, annual or
quarterly; bulk ``by_area`` / ``by_industry`` files with title columns; bulk
single files) into one canonical frame, validating it first. :func:`scan_qcew`
gives the same columns lazily for very large files (national single files of
millions of rows), parsing only the columns and rows a query uses.
:func:`download_area_slices` fetches open-data slices through
:func:`exportplan.sources.download.fetch`.

The parts live beside this module and are re-exported here:
:mod:`~exportplan.sources.qcew_layouts` (canonical schema, codes, layout
detection), :mod:`~exportplan.sources.qcew_checks` (the checked text path
and its problem report), :mod:`~exportplan.sources.qcew_scan` (the typed
fast path and :func:`scan_qcew`) and :mod:`~exportplan.sources.qcew_fetch`
(slice URLs, downloads, :func:`check_qcew_file`).

Canonical columns (see ``CANONICAL_SCHEMA``):

==================  =========  ==============================================
column              dtype      meaning
==================  =========  ==============================================
area_fips           String     5 characters: ``39049``, ``39000``, ``US000``,
                               ``C1814`` (MSA), ``CS198`` (CSA), ...
own_code            String     ownership: 0 total, 1-3 government, 5 private ...
industry_code       String     ``10`` total, ``31-33``, NAICS 3-6 digit ...
agglvl_code         String     aggregation level (70-78 county, 40-48 MSA ...)
size_code           String     ``0`` all sizes
year                Int32
qtr                 String     ``A`` (annual average) or ``1``-``4``
disclosure_code     String     ``''`` published, ``N`` withheld (BLS ``-``,
                               "not published", also becomes ``N``)
estabs              Int64      establishments (published even when withheld)
emplvl              Float64    annual average employment; for a quarter the
                               mean of the three monthly levels; null if withheld
total_wages         Float64    total wages of the period; null if withheld
avg_annual_pay      Float64    annual files only (published); else null
bls_lq_emplvl       Float64    BLS's published employment location quotient
                               (quarterly: mean of the 3 monthly LQs); null if
                               not disclosed or not in the file
area_title          String     bulk files only, else null
industry_title      String     bulk files only, else null
layout              String     see ``LAYOUTS``
==================  =========  ==============================================

Withheld cells (``disclosure_code`` ``N``) are written by BLS as 0; here they
are null (missing, never 0).
"""
from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from exportplan.errors import ErrorTable
from exportplan.imports.guard import check_file
from exportplan.sources.download import cache_info, file_sha256
from exportplan.sources.qcew_checks import _read_checked
from exportplan.sources.qcew_fetch import (  # noqa: F401  (re-exported)
    DEFAULT_BASE_URL,
    check_qcew_file,
    download_area_slices,
    industry_slice_url,
    qcew_slice_url,
)
from exportplan.sources.qcew_layouts import (  # noqa: F401  (re-exported; _detect for the reader tests)
    AREA_PATTERN,
    BULK_FILES_PAGE,
    CANONICAL_SCHEMA,
    FIRST_YEAR,
    KEYS,
    LAYOUTS,
    MONTHS,
    OWN_CODES,
    _columns_or_errors,
    _detect,
    _header,
    _source,
)
from exportplan.sources.qcew_scan import _read_typed, scan_qcew  # noqa: F401  (re-exported)

PUBLISHER = "U.S. Bureau of Labor Statistics"


# ---------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------

def read_qcew(path_or_buffer, *, source_name: str | None = None) -> pl.DataFrame:
    """Read and validate one QCEW CSV of any official layout into the canonical frame.

    ``path_or_buffer`` is a path, raw ``bytes``/``str`` contents or a binary or
    text file object. Problems (wrong layout, empty or cut-short file, bad
    numbers or codes) are collected with file, line, column and value and
    raised together as :class:`exportplan.errors.ImportFailed`; nothing is
    returned then.

    A clean file is read once with typed columns and checked in bulk; only
    when something is off (a value that does not parse, a bad code, a blank
    or broken line) is it read again line by line to say where.
    """
    # Binary, UTF-16 or random files: a clear error (the reader itself reports empty and cut-short files).
    check_file(path_or_buffer, "QCEW file", empty=False, workbook=False, complete=False)
    source, name = _source(path_or_buffer, source_name)
    errors = ErrorTable()
    header = _header(source)
    columns = _columns_or_errors(source, header, name, errors)
    errors.raise_if_any(f"Reading the QCEW file {name}")
    frame = _read_typed(source, header, columns)
    return frame if frame is not None else _read_checked(source, name, header, columns)


def file_checksum(path: str | os.PathLike) -> str:
    """The SHA-256 of a file (hex), for provenance."""
    return file_sha256(path)


def naics_vintage(year: int) -> str:
    """The industry classification BLS used for QCEW data of ``year`` (data-sources.md 1.7)."""
    for first, name in ((2022, "NAICS 2022"), (2017, "NAICS 2017"), (2011, "NAICS 2012"),
                        (2007, "NAICS 2007"), (1990, "NAICS 2002")):
        if year >= first:
            return name
    return "SIC"


def qcew_provenance(path: str | os.PathLike, frame: pl.DataFrame, url: str | None = None) -> dict:
    """Where a QCEW frame came from: publisher, dataset, vintage, file, URL, time, checksum.

    ``url`` and ``retrieved_at`` come from the download cache's record when
    the file was fetched by :func:`fetch`; otherwise ``retrieved_at`` is the
    file's modification time.
    """
    path = Path(path)
    meta = cache_info(path) or {}
    years = sorted(frame.get_column("year").drop_nulls().unique().to_list())
    return {
        "publisher": PUBLISHER,
        "dataset": "QCEW",
        "vintage": _vintage(frame),
        "naics_vintage": ", ".join(sorted({naics_vintage(y) for y in years})),
        "file": str(path),
        "url": url or meta.get("full_url"),
        "retrieved_at": meta.get("retrieved_at") or _mtime_iso(path),
        "sha256": file_checksum(path),
        "rows": frame.height,
        "layout": ", ".join(sorted(frame.get_column("layout").unique().to_list())),
    }


# ---------------------------------------------------------------------------
# provenance helpers
# ---------------------------------------------------------------------------

def _vintage(frame: pl.DataFrame) -> str:
    """'2020 annual', '2016 Q1-Q4', '2019 Q1; 2024 Q1' ..."""
    parts = []
    periods = frame.select("year", "qtr").unique().drop_nulls().sort("year", "qtr")
    for (year,), group in periods.group_by("year", maintain_order=True):
        qtrs = group.get_column("qtr").to_list()
        quarters = [q for q in qtrs if q != "A"]
        if "A" in qtrs:
            parts.append(f"{year} annual")
        if quarters:
            nums = sorted(int(q) for q in quarters)
            contiguous = nums == list(range(nums[0], nums[-1] + 1)) and len(nums) > 1
            parts.append(f"{year} Q{nums[0]}-Q{nums[-1]}" if contiguous else
                         f"{year} " + ", ".join(f"Q{n}" for n in nums))
    return "; ".join(parts)


def _mtime_iso(path: Path) -> str:
    return datetime.fromtimestamp(path.stat().st_mtime, UTC).isoformat(timespec="seconds")


__all__ = [
    "CANONICAL_SCHEMA", "DEFAULT_BASE_URL", "LAYOUTS", "check_qcew_file", "download_area_slices",
    "file_checksum", "industry_slice_url", "naics_vintage", "qcew_provenance", "qcew_slice_url",
    "read_qcew", "scan_qcew",
]
