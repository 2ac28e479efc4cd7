"""The official QCEW CSV layouts: the canonical columns, the source, and the layout from the header.

Shared by the readers (:mod:`exportplan.sources.qcew`, :mod:`exportplan.sources.qcew_checks`,
:mod:`exportplan.sources.qcew_scan`) and the downloads (:mod:`exportplan.sources.qcew_fetch`):
the canonical schema (columns described in :mod:`exportplan.sources.qcew`),
the codes a file may hold, reading a path or bytes, and which source
columns feed the canonical ones (:func:`_detect`).
"""
from __future__ import annotations

import csv
import os
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from exportplan.errors import ErrorTable, ExportPlanError
from exportplan.sources.filekind import WEB_PAGE, binary_kind, is_workbook
from exportplan.sources.textio import decode_text

BULK_FILES_PAGE = "https://www.bls.gov/cew/downloadable-data-files.htm"

KEYS = ("area_fips", "own_code", "industry_code", "agglvl_code", "size_code", "year", "qtr",
        "disclosure_code")
MONTHS = ("month1_emplvl", "month2_emplvl", "month3_emplvl")
LAYOUTS = ("annual-slice", "quarterly-slice", "annual-by-area", "quarterly-by-area",
           "annual-by-industry", "quarterly-by-industry", "annual-singlefile",
           "quarterly-singlefile")

CANONICAL_SCHEMA = pl.Schema({
    "area_fips": pl.String, "own_code": pl.String, "industry_code": pl.String,
    "agglvl_code": pl.String, "size_code": pl.String, "year": pl.Int32, "qtr": pl.String,
    "disclosure_code": pl.String, "estabs": pl.Int64, "emplvl": pl.Float64,
    "total_wages": pl.Float64, "avg_annual_pay": pl.Float64, "bls_lq_emplvl": pl.Float64,
    "area_title": pl.String, "industry_title": pl.String, "layout": pl.String,
})

#: area_fips forms: county/state FIPS (incl. SS999), U.S. aggregates, MSA/MicroSA, CSA.
AREA_PATTERN = r"^(?:[0-9]{5}|US000|USCMS|USMSA|USNMS|C[0-9]{4}|CS[0-9]{3})$"
OWN_CODES = ("0", "1", "2", "3", "4", "5", "8", "9")
FIRST_YEAR = 1975
SHOWN_PER_PROBLEM = 10  # rows listed per (column, problem); the rest are counted
TAIL_BYTES = 64 * 1024
QCEW_FIX = ("Use a BLS QCEW CSV: an open-data slice from data.bls.gov/cew/data/api or a "
            f"bulk by_area / by_industry / singlefile CSV from {BULK_FILES_PAGE}.")
REDOWNLOAD = "The file looks cut short (a half-finished download?); download it again."


@dataclass(frozen=True)
class _Columns:
    """Which source columns feed the canonical ones, found from the header."""

    period: str  # "annual" or "quarterly"
    estabs: str
    emplvl: tuple[str, ...]  # one annual column, or the three monthly ones
    wages: str
    pay: str | None
    lq: tuple[str, ...]  # the published employment LQ column(s), may be empty
    lq_disclosure: str | None
    titles: tuple[str, ...]  # area_title / industry_title, when present
    count_names: bool  # bulk "_count" naming (annual_avg_estabs_count, ...)


# ---------------------------------------------------------------------------
# source handling: path or in-memory bytes
# ---------------------------------------------------------------------------

def _source(path_or_buffer, source_name: str | None) -> tuple[Path | bytes, str]:
    """A path stays a path (read lazily); anything else becomes bytes in memory."""
    if isinstance(path_or_buffer, (str, os.PathLike)) and not _looks_like_text(path_or_buffer):
        path = Path(path_or_buffer)
        if not path.is_file():
            raise ExportPlanError(f"there is no file {path}; check the path.")
        return path, source_name or path.name
    data = path_or_buffer
    if hasattr(data, "read"):
        data = data.read()
    if isinstance(data, str):
        data = data.encode("utf-8")
    return bytes(data), source_name or "<input>"


def _looks_like_text(value) -> bool:
    """A str holding CSV contents (has a newline) rather than a file name."""
    return isinstance(value, str) and ("\n" in value or value == "")


def _head_bytes(source: Path | bytes, size: int = TAIL_BYTES) -> bytes:
    if isinstance(source, bytes):
        return source[:size]
    with open(source, "rb") as fh:
        return fh.read(size)


def _tail_bytes(source: Path | bytes, size: int = TAIL_BYTES) -> bytes:
    if isinstance(source, bytes):
        return source[-size:]
    with open(source, "rb") as fh:
        fh.seek(0, os.SEEK_END)
        fh.seek(max(0, fh.tell() - size))
        return fh.read()


def _parse_line(line: str) -> list[str]:
    return next(csv.reader([line]), [])


def _header(source: Path | bytes) -> list[str]:
    """The header's column names, trimmed and lower-cased (no BOM, no quotes)."""
    head = decode_text(_head_bytes(source), "utf-8-sig")
    first = head.split("\n", 1)[0].strip("\r ")
    return [c.strip().lower() for c in _parse_line(first)] if first else []


def _scan(source: Path | bytes) -> pl.LazyFrame:
    """Every column as text (codes keep their leading zeros), names as in :func:`_header`."""
    return pl.scan_csv(source, infer_schema=False, empty_string_is_null=False,
                       encoding="utf8-lossy",
                       with_column_names=lambda cols: [c.strip().lower() for c in cols])


# ---------------------------------------------------------------------------
# layout detection
# ---------------------------------------------------------------------------

def _columns_or_errors(source: Path | bytes, header: list[str], name: str,
                       errors: ErrorTable) -> _Columns | None:
    """Find the layout from the header; add a problem when it is not a QCEW file."""
    if not header:
        errors.add("the file is empty", "Download the file again or choose another file. " + QCEW_FIX,
                   file=name)
        return None
    if not_csv := _not_a_csv(_head_bytes(source, 512)):
        errors.add(not_csv, QCEW_FIX, file=name, row=1)
        return None
    missing = _missing(header)
    if missing:
        errors.add(f"this is not a BLS QCEW CSV: the header lacks {', '.join(missing)}",
                   QCEW_FIX, file=name, row=1, value=",".join(header[:6]) + ("…" if len(header) > 6 else ""))
        return None
    return _detect(set(header))


def _not_a_csv(head: bytes) -> str | None:
    """Recognise the usual wrong files by their first bytes."""
    if is_workbook(head):
        return ("this is a ZIP or Excel file, not a CSV: unzip a BLS bulk ZIP first "
                "(or save the sheet as CSV)")
    if binary_kind(head) == WEB_PAGE:
        return "this looks like a web page (HTML), not a CSV"
    return None


def _missing(header: list[str]) -> list[str]:
    """Required columns absent from the header, worded for the user."""
    cols = set(header)
    missing = [k for k in KEYS if k not in cols]
    if not cols & {"annual_avg_estabs", "annual_avg_estabs_count", "qtrly_estabs", "qtrly_estabs_count"}:
        missing.append("an establishment count (annual_avg_estabs or qtrly_estabs)")
    if "annual_avg_emplvl" not in cols and not set(MONTHS) <= cols:
        missing.append("employment (annual_avg_emplvl, or month1_emplvl..month3_emplvl)")
    if not cols & {"total_annual_wages", "total_qtrly_wages"}:
        missing.append("wages (total_annual_wages or total_qtrly_wages)")
    return missing


def _detect(cols: set[str]) -> _Columns:
    """Map source columns onto canonical measures by name (whichever exist)."""
    annual = "annual_avg_emplvl" in cols
    prefix = "annual_avg_estabs" if annual else "qtrly_estabs"
    estabs = prefix if prefix in cols else f"{prefix}_count"
    if estabs not in cols:  # a mixed header; take whichever count exists
        estabs = next(c for c in ("annual_avg_estabs", "annual_avg_estabs_count", "qtrly_estabs",
                                  "qtrly_estabs_count") if c in cols)
    emplvl = ("annual_avg_emplvl",) if annual else MONTHS
    lq = tuple(f"lq_{c}" for c in emplvl)
    wages = "total_annual_wages" if "total_annual_wages" in cols else "total_qtrly_wages"
    return _Columns(
        period="annual" if annual else "quarterly", estabs=estabs, emplvl=emplvl, wages=wages,
        pay="avg_annual_pay" if annual and "avg_annual_pay" in cols else None,
        lq=lq if set(lq) <= cols else (),
        lq_disclosure="lq_disclosure_code" if "lq_disclosure_code" in cols else None,
        titles=tuple(t for t in ("area_title", "industry_title") if t in cols),
        count_names=estabs.endswith("_count"),
    )


def _layout_expr(c: _Columns, area: pl.Expr | None = None, industry: pl.Expr | None = None) -> pl.Expr:
    """The layout name; by-area vs by-industry and slice vs singlefile need the data.

    Bulk split files carry titles: one area → by-area, else by-industry.
    Without titles: the bulk ``_count`` naming, or many areas and many
    industries, means a single file; otherwise an open-data slice.
    """
    one_area = _all_alike(pl.col("area_fips") if area is None else area)
    one_industry = _all_alike(pl.col("industry_code") if industry is None else industry)
    if c.titles:
        kind = pl.when(one_area).then(pl.lit("by-area")).otherwise(pl.lit("by-industry"))
    elif c.count_names:
        kind = pl.lit("singlefile")
    else:
        kind = pl.when(one_area | one_industry).then(pl.lit("slice")).otherwise(pl.lit("singlefile"))
    return pl.concat_str(pl.lit(f"{c.period}-"), kind)


def _all_alike(values: pl.Expr) -> pl.Expr:
    """True when every row has the first row's value (``n_unique() == 1``, an order cheaper)."""
    return values.eq_missing(values.first()).all()


__all__ = ["AREA_PATTERN", "CANONICAL_SCHEMA", "FIRST_YEAR", "KEYS", "LAYOUTS", "MONTHS", "OWN_CODES"]
