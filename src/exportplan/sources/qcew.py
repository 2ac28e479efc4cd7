"""BLS QCEW (Quarterly Census of Employment and Wages): read every official CSV layout.

:func:`read_qcew` turns any QCEW CSV (open-data area/industry slices, annual or
quarterly; bulk ``by_area`` / ``by_industry`` files with title columns; bulk
single files) into one canonical frame, validating it first. :func:`scan_qcew`
gives the same columns lazily for very large files (national single files of
millions of rows), parsing only the columns and rows a query uses.
:func:`download_area_slices` fetches open-data slices through
:func:`exportplan.sources.download.fetch`.

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

import csv
import io
import os
import re
import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import partial
from pathlib import Path

import httpx
import polars as pl
from polars.io.plugins import register_io_source

from exportplan.errors import ErrorTable, ExportPlanError
from exportplan.imports.guard import check_file
from exportplan.sources.download import DownloadFailed, cache_info, fetch, file_sha256
from exportplan.sources.filekind import WEB_PAGE, binary_kind, is_workbook
from exportplan.sources.textio import decode_text

DEFAULT_BASE_URL = "https://data.bls.gov/cew/data/api"
BULK_FILES_PAGE = "https://www.bls.gov/cew/downloadable-data-files.htm"
PUBLISHER = "U.S. Bureau of Labor Statistics"

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


def scan_qcew(path: str | os.PathLike) -> pl.LazyFrame:
    """The canonical columns of a QCEW CSV, lazily (for multi-million-row bulk files).

    The header and the last line are checked up front (layout, a cut-short
    file). On collection the file is parsed with typed columns, only the
    columns the query uses, and the query's filter is applied while reading;
    ``layout`` still describes the whole file. Codes are taken as written
    (official files need no trimming), any disclosure code but blank counts
    as withheld (null values, never BLS's 0), lines without an area code
    (blank lines) are skipped and lines with extra fields are not looked
    for. If a value does not parse as a number, the file is validated like
    :func:`read_qcew` instead: its problems are raised as
    :class:`exportplan.errors.ImportFailed` when the query is collected, or,
    if it has none (e.g. thousands separators), the checked frame is used.
    """
    source, name = _source(Path(path), None)
    errors = ErrorTable()
    header = _header(source)
    columns = _columns_or_errors(source, header, name, errors)
    tail = _tail_problem(source, len(header)) if columns else None
    if tail:
        errors.add(tail, REDOWNLOAD, file=name, row=None)
    errors.raise_if_any(f"Reading the QCEW file {name}")
    with warnings.catch_warnings():  # polars marks IO sources unstable (a warning only if asked for)
        warnings.simplefilter("ignore", pl.exceptions.UnstableWarning)
        return register_io_source(partial(_scan_batches, source, name, header, columns),
                                  schema=CANONICAL_SCHEMA, explain_name="QCEW", explain_detail=name)


def qcew_slice_url(year: int, qtr: str | int, area_fips: str, base_url: str = DEFAULT_BASE_URL) -> str:
    """The open-data area slice URL, e.g. ``.../2020/a/area/39049.csv``."""
    area = _checked_area(area_fips)
    return f"{base_url.rstrip('/')}/{_checked_year(year)}/{_qtr_path(qtr)}/area/{area}.csv"


def industry_slice_url(year: int, qtr: str | int, industry_code: str,
                       base_url: str = DEFAULT_BASE_URL) -> str:
    """The open-data industry slice URL; hyphens become underscores (``31-33`` → ``31_33``)."""
    code = str(industry_code).strip()
    if not re.fullmatch(r"[0-9]{2,6}|[0-9]{2}-[0-9]{2}", code):
        raise ExportPlanError(f"'{industry_code}' is not a QCEW industry code; use a NAICS code "
                              "such as 336411 or a sector such as 31-33 (10 = all industries).")
    return (f"{base_url.rstrip('/')}/{_checked_year(year)}/{_qtr_path(qtr)}/industry/"
            f"{code.replace('-', '_')}.csv")


def download_area_slices(
    areas: Iterable[str],
    years: Iterable[int],
    cache_dir: str | os.PathLike,
    *,
    qtr: str | int = "a",
    base_url: str = DEFAULT_BASE_URL,
    timeout: float = 30.0,
    retries: int = 3,
    progress: bool = True,
    client: httpx.Client | None = None,
) -> list[Path]:
    """Download (or take from the cache) the area slice of every area × year.

    Returns the cached paths year by year, areas in the given order within a
    year (``[(a, y) for y in years for a in areas]``). Each file is
    checked (QCEW header, complete last line, the requested area and year)
    before it is cached. A 404 says BLS has no such slice.
    """
    areas, years = [_checked_area(a) for a in areas], [_checked_year(y) for y in years]
    own_client = client is None
    client = client or httpx.Client(follow_redirects=True)
    try:
        return [_download_one(area, year, qtr, cache_dir, base_url, timeout, retries, progress, client)
                for year in years for area in areas]
    finally:
        if own_client:
            client.close()


def check_qcew_file(path: str | os.PathLike, *, area: str | None = None, year: int | None = None) -> None:
    """Cheap check of a downloaded QCEW CSV: header, complete last line, area and year.

    Raises :class:`ExportPlanError` saying what is wrong; used as the
    ``validate`` callback of :func:`exportplan.sources.download.fetch`.
    """
    source = Path(path)
    header = _header(source)
    errors = ErrorTable()
    _columns_or_errors(source, header, source.name, errors)
    problem = errors.problems[0].problem if errors else _tail_problem(source, len(header))
    if problem is None and (area or year):
        problem = _first_row_mismatch(source, header, area, year)
    if problem:
        raise ExportPlanError(problem)


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


# ---------------------------------------------------------------------------
# the canonical frame (lazy) with problem flags
# ---------------------------------------------------------------------------

_FLAG_PREFIX = "__bad__"
_LINE = "__line"  # 1-based line number in the file (header = line 1)


def _text(col: str) -> pl.Expr:
    return pl.col(col).str.strip_chars()


def _number(col: str) -> pl.Expr:
    """Parse a number; a value that does not parse becomes null (flagged separately)."""
    return _text(col).str.replace_all(",", "", literal=True).cast(pl.Float64, strict=False)


def _mean(cols: tuple[str, ...], value=None) -> pl.Expr:
    """Mean of the columns, null if any is null (sum_horizontal would count null as 0).

    ``value`` turns a column name into a number (default :func:`_number`, from text).
    """
    value = value or _number
    if len(cols) == 1:
        return value(cols[0])
    total = value(cols[0])
    for col in cols[1:]:
        total = total + value(col)
    return total / len(cols)


def _canonical(raw: pl.LazyFrame, c: _Columns) -> pl.LazyFrame:
    """Canonical columns plus ``__bad__*`` flag columns (True where a value is wrong)."""
    disclosure = _text("disclosure_code").str.to_uppercase()
    withheld = disclosure.is_in(["N", "-"])
    lq_hidden = withheld | (_text(c.lq_disclosure).str.to_uppercase().is_in(["N", "-"])
                            if c.lq_disclosure else pl.lit(False))

    def published(expr: pl.Expr) -> pl.Expr:
        return pl.when(withheld).then(None).otherwise(expr)

    estabs = _number(c.estabs)
    lq = pl.when(lq_hidden).then(None).otherwise(_mean(c.lq)) if c.lq else pl.lit(None, pl.Float64)
    titles = {t: _text(t) if t in c.titles else pl.lit(None, pl.String)
              for t in ("area_title", "industry_title")}
    area = _text("area_fips").str.to_uppercase()
    exprs = {
        "area_fips": area,
        "own_code": _text("own_code"),
        "industry_code": _text("industry_code"),
        "agglvl_code": _text("agglvl_code"),
        "size_code": _text("size_code"),
        "year": _text("year").cast(pl.Int32, strict=False),
        "qtr": _text("qtr").str.to_uppercase(),
        "disclosure_code": pl.when(withheld).then(pl.lit("N")).otherwise(disclosure),
        "estabs": estabs.cast(pl.Int64, strict=False),
        "emplvl": published(_mean(c.emplvl)),
        "total_wages": published(_number(c.wages)),
        "avg_annual_pay": published(_number(c.pay)) if c.pay else pl.lit(None, pl.Float64),
        "bls_lq_emplvl": lq.cast(pl.Float64),
        **titles,
        "layout": _layout_expr(c, area, _text("industry_code")),  # of the trimmed codes
    }
    used = [col for col in {*KEYS, c.estabs, *c.emplvl, c.wages} if col]
    blank = pl.all_horizontal([pl.col(col).fill_null("").str.strip_chars() == "" for col in used])
    # Line numbers are taken before blank lines are dropped, so problems point at the file.
    lines = raw.with_row_index(_LINE, offset=2).filter(~blank)
    return lines.select(_LINE, **{k: v.cast(CANONICAL_SCHEMA[k]) for k, v in exprs.items()}, **_flags(c))


def _flags(c: _Columns) -> dict[str, pl.Expr]:
    """One boolean column per check, named ``__bad__<column>|<problem>``."""
    quarters = ["A"] if c.period == "annual" else ["1", "2", "3", "4"]
    year = _text("year").cast(pl.Int32, strict=False)
    checks = {
        ("area_fips", "unknown area code"): ~_text("area_fips").str.to_uppercase().str.contains(AREA_PATTERN),
        ("own_code", "unknown ownership code"): ~_text("own_code").is_in(list(OWN_CODES)),
        ("industry_code", "missing or too long industry code"):
            ~_text("industry_code").str.contains(r"^[0-9A-Za-z_-]{1,6}$"),
        ("agglvl_code", "aggregation level is not 2 digits"): ~_text("agglvl_code").str.contains(r"^[0-9]{2}$"),
        ("size_code", "size code is not 1 digit"): ~_text("size_code").str.contains(r"^[0-9]$"),
        ("year", "not a valid year"): year.is_null() | ~year.is_between(FIRST_YEAR, date.today().year + 1),
        ("qtr", f"quarter is not {'A' if c.period == 'annual' else '1-4'} ({c.period} file)"):
            ~_text("qtr").str.to_uppercase().is_in(quarters),
        ("disclosure_code", "unknown disclosure code (expected empty or N)"):
            ~_text("disclosure_code").str.to_uppercase().is_in(["", "N", "-"]),
        (c.estabs, "establishment count is not a whole number"):
            _number(c.estabs).is_null() | (_number(c.estabs) != _number(c.estabs).round()),
    }
    for col in (*c.emplvl, c.wages, *([c.pay] if c.pay else [])):
        checks[(col, "not a number")] = _number(col).is_null()
    for col in c.lq:  # published LQs may be blank, but not text
        checks[(col, "not a number")] = (_text(col) != "") & _number(col).is_null()
    for col in _non_negative(c):  # counts, wages, pay and LQs cannot be below 0
        checks[(col, NEGATIVE)] = (_number(col) < 0).fill_null(False)
    return {f"{_FLAG_PREFIX}{col}|{problem}": expr.fill_null(True) for (col, problem), expr in checks.items()}


# ---------------------------------------------------------------------------
# the typed fast path (clean official files) and the checked text path
# ---------------------------------------------------------------------------

_PUBLISHED_DISCLOSURES = ("", "N", "-")  # as BLS writes them; anything else takes the text path


NEGATIVE = "negative value (counts, wages, pay and LQs cannot be below 0)"


def _non_negative(c: _Columns) -> tuple[str, ...]:
    """The columns whose values can never be negative (both paths check them alike)."""
    return tuple(col for col in (c.estabs, *c.emplvl, c.wages, c.pay, *c.lq) if col)


def _typed_scan(source: Path | bytes, header: list[str], c: _Columns) -> pl.LazyFrame:
    """The file with its own types: codes and titles String, counts Int64, measures Float64.

    A value that does not parse makes the collection fail (then the text
    path takes over). Columns a query does not use are never parsed.
    """
    types = {col: pl.String for col in header}
    types.update({"year": pl.Int32, c.estabs: pl.Int64})
    types.update({col: pl.Float64 for col in (*c.emplvl, c.wages, c.pay, *c.lq) if col})
    return pl.scan_csv(source, infer_schema=False, schema_overrides=types, empty_string_is_null=False,
                       with_column_names=lambda cols: [col.strip().lower() for col in cols])


def _typed_canonical(c: _Columns) -> dict[str, pl.Expr]:
    """The canonical columns from typed ones, no trimming (compare :func:`_canonical`).

    Official files need none: codes are unpadded and upper-case, numbers
    plain. Only titles are trimmed (they are short files). Any disclosure
    code but blank counts as withheld (BLS writes N, or - in national
    files): a cell flagged in some other spelling is hidden, never shown as
    BLS's placeholder 0.
    """
    disclosure = pl.col("disclosure_code").fill_null("")
    withheld = disclosure != ""
    lq_hidden = withheld | (pl.col(c.lq_disclosure).fill_null("") != "") if c.lq_disclosure else withheld

    def published(expr: pl.Expr) -> pl.Expr:
        return pl.when(withheld).then(None).otherwise(expr)

    employment = _mean(c.emplvl, pl.col)
    lq = _mean(c.lq, pl.col) if c.lq else None
    exprs = {
        **{col: pl.col(col) for col in ("area_fips", "own_code", "industry_code", "agglvl_code", "size_code",
                                         "year", "qtr")},
        "disclosure_code": pl.when(withheld).then(pl.lit("N")).otherwise(pl.lit("")),
        "estabs": pl.col(c.estabs),
        "emplvl": published(employment),
        "total_wages": published(pl.col(c.wages)),
        "avg_annual_pay": published(pl.col(c.pay)) if c.pay else None,
        "bls_lq_emplvl": pl.when(lq_hidden).then(None).otherwise(lq) if lq is not None else None,
        **{t: _text(t) if t in c.titles else None for t in ("area_title", "industry_title")},
        "layout": _layout_expr(c),
    }
    return {k: (pl.lit(None) if v is None else v).cast(CANONICAL_SCHEMA[k]) for k, v in exprs.items()}


def _typed_oddities(c: _Columns) -> pl.Expr:
    """True on a line the typed path may not judge: anything :func:`_flags` could flag.

    Stricter than the text path's checks (no trimming, upper case only), so a
    file passing here would pass there with the same frame.
    """
    quarters = ["A"] if c.period == "annual" else ["1", "2", "3", "4"]
    year = pl.col("year")
    checks = [
        ~pl.col("area_fips").str.contains(AREA_PATTERN),
        ~pl.col("own_code").is_in(list(OWN_CODES)),
        ~pl.col("industry_code").str.contains(r"^[0-9A-Za-z_-]{1,6}$"),
        ~pl.col("agglvl_code").str.contains(r"^[0-9]{2}$"),
        ~pl.col("size_code").str.contains(r"^[0-9]$"),
        year.is_null() | ~year.is_between(FIRST_YEAR, date.today().year + 1),
        ~pl.col("qtr").is_in(quarters),
        ~pl.col("disclosure_code").fill_null("").is_in(_PUBLISHED_DISCLOSURES),
        *[pl.col(col).is_null() for col in (c.estabs, *c.emplvl, c.wages, c.pay) if col],
        *[(pl.col(col) < 0).fill_null(False) for col in _non_negative(c)],  # the text path says where
    ]
    if c.lq_disclosure:
        checks.append(~pl.col(c.lq_disclosure).fill_null("").is_in(_PUBLISHED_DISCLOSURES))
    return pl.any_horizontal([check.fill_null(True) for check in checks])


def _read_typed(source: Path | bytes, header: list[str], c: _Columns) -> pl.DataFrame | None:
    """The canonical frame by the typed parse, or None when anything is off (then :func:`_read_checked`)."""
    if _tail_problem(source, len(header)):
        return None
    raw = _typed_scan(source, header, c)
    odd = "__odd"
    try:
        frame, ragged = pl.collect_all([raw.select(**_typed_canonical(c), **{odd: _typed_oddities(c)}),
                                        _ragged_lines(source, len(header), quick=True).select(pl.len())])
    except pl.exceptions.PolarsError:  # a value that does not parse, a malformed file
        return None
    if frame.height == 0 or ragged.item() or frame.get_column(odd).any():
        return None
    return frame.drop(odd)


def _read_checked(source: Path | bytes, name: str, header: list[str], c: _Columns) -> pl.DataFrame:
    """Every value as text, trimmed and checked: the canonical frame or every problem with its line."""
    errors = ErrorTable()
    what = f"Reading the QCEW file {name}"
    try:
        frame, ragged = pl.collect_all([_canonical(_scan(source), c), _ragged_lines(source, len(header))])
    except pl.exceptions.PolarsError as exc:
        _unreadable(source, name, exc, errors)
        errors.raise_if_any(what)
        raise  # pragma: no cover - _unreadable always adds a problem
    last_line = frame.get_column(_LINE).max() if frame.height else 1
    _report_ragged(ragged, len(header), last_line, name, errors)
    errors.raise_if_any(what)  # values on broken lines would only repeat the problem
    _validate(frame, source, name, errors)
    errors.raise_if_any(what)
    return frame.select(list(CANONICAL_SCHEMA))


def _scan_batches(source: Path, name: str, header: list[str], c: _Columns, with_columns: list[str] | None,
                  predicate: pl.Expr | None, n_rows: int | None, _batch_size: int | None):
    """The IO source behind :func:`scan_qcew`: the typed parse, else the checked text path.

    Polars passes the query's columns, filter and row limit; they go into the
    typed scan so that unused columns are never parsed.
    """
    raw = _typed_scan(source, header, c)
    # Only the columns the query uses are built: layout (a whole-file aggregate) would
    # otherwise stop the filter from being applied while reading.
    used = set(with_columns or CANONICAL_SCHEMA) | set(predicate.meta.root_names() if predicate is not None else ())
    exprs = {k: v for k, v in _typed_canonical(c).items() if k in used}
    lazy = raw.filter(pl.col("area_fips") != "").select(**exprs)  # blank lines have no area (null or "")
    try:
        frame = _restricted(lazy, with_columns, predicate, n_rows).collect()
    except pl.exceptions.PolarsError:  # e.g. "1,234" or "12a" in a number column: say where, or read as text
        frame = _restricted(_read_checked(source, name, header, c).lazy(), with_columns, predicate, n_rows).collect()
    yield frame


def _restricted(lazy: pl.LazyFrame, with_columns: list[str] | None, predicate: pl.Expr | None,
                n_rows: int | None) -> pl.LazyFrame:
    """Apply an IO source's projection, filter and row limit (the filter before the projection)."""
    if predicate is not None:
        lazy = lazy.filter(predicate)
    if with_columns is not None:
        lazy = lazy.select(with_columns)
    return lazy.head(n_rows) if n_rows is not None else lazy


# ---------------------------------------------------------------------------
# validation report
# ---------------------------------------------------------------------------

_FIXES = {
    "area_fips": ("area_fips must be 5 characters: county/state FIPS (39049, 39000), US000, "
                  "USMSA, USCMS, USNMS, C + 4 digits (MSA, e.g. C1814) or CS + 3 digits (CSA)"),
    "own_code": "own_code must be one of 0, 1, 2, 3, 4, 5, 8, 9 (0 = total covered, 5 = private)",
    "year": f"year must be a 4-digit year from {FIRST_YEAR} to {date.today().year + 1}",
    "qtr": "qtr must be A in annual files and 1-4 in quarterly files",
}


def _validate(frame: pl.DataFrame, source, name: str, errors: ErrorTable) -> None:
    """Turn the flag columns into problems (a few lines each, the rest counted)."""
    if frame.height == 0:
        errors.add("the file has a header but no data rows", "Download the file again. " + QCEW_FIX,
                   file=name, row=2)
        return
    flags = [col for col in frame.columns if col.startswith(_FLAG_PREFIX)]
    counts = frame.select(pl.col(flags).sum()).row(0, named=True)
    shown = {flag: frame.filter(pl.col(flag)).get_column(_LINE).head(SHOWN_PER_PROBLEM).to_list()
             for flag, n in counts.items() if n}
    raw = _raw_values(source, shown)
    for flag, lines in shown.items():
        column, problem = flag[len(_FLAG_PREFIX):].split("|", 1)
        for line in lines:
            value = raw.get((column, line), "")
            errors.add(problem, _fix(column, problem, value), file=name, row=line, column=column,
                       value=value)
        if counts[flag] > len(lines):
            errors.add(f"{problem}: {counts[flag] - len(lines)} more lines like the ones above",
                       _fix(column, problem, ""), file=name, column=column)


def _fix(column: str, problem: str, value: str) -> str:
    """How to fix one problem, with a hint for a lost leading zero."""
    if column == "area_fips" and re.fullmatch(r"[0-9]{4}", value.strip()):
        return (f"The leading zero was probably lost (the file was re-saved by a spreadsheet): "
                f"it should be '0{value.strip()}'. Download the file again rather than editing it.")
    if column in _FIXES:
        return _FIXES[column] + "."
    if problem == NEGATIVE:
        return ("A count, wage or LQ below 0 cannot be: the file was edited or damaged. Download it again "
                "rather than editing it.")
    if problem == "not a number" or "whole number" in problem:
        return ("Counts and wages must be plain numbers (withheld cells are 0 with disclosure "
                "code N); download the file again rather than editing it.")
    return "Check the value against the BLS QCEW field layout, or download the file again."


def _raw_values(source, shown: dict[str, list[int]]) -> dict[tuple[str, int], str]:
    """The original text of the flagged cells, by (column, line) (error path only)."""
    wanted: dict[str, set[int]] = {}
    for flag, lines in shown.items():
        wanted.setdefault(flag[len(_FLAG_PREFIX):].split("|", 1)[0], set()).update(lines)
    if not wanted:
        return {}
    every = sorted(set().union(*wanted.values()))
    picked = (_scan(source).select(list(wanted)).with_row_index(_LINE, offset=2)
              .filter(pl.col(_LINE).is_in(every)).collect())
    return {(col, row[_LINE]): row[col] for row in picked.iter_rows(named=True) for col in wanted}


def _unreadable(source, name: str, exc: Exception, errors: ErrorTable) -> None:
    """Polars could not parse the CSV: find ragged lines with Python's csv (error path only)."""
    text = io.TextIOWrapper(io.BytesIO(source) if isinstance(source, bytes) else open(source, "rb"),
                            encoding="utf-8", errors="replace", newline="")
    with text:
        reader = csv.reader(text)
        width = len(next(reader, []))
        for line_no, row in enumerate(reader, start=2):
            if row and len(row) != width:
                errors.add(f"this line has {len(row)} fields but the header has {width}",
                           "Download the file again; QCEW files have the same number of fields on "
                           "every line.", file=name, row=line_no)
            if len(errors) >= SHOWN_PER_PROBLEM:
                break
    if not errors:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else exc.__class__.__name__
        errors.add(f"the CSV could not be read ({first})", REDOWNLOAD + " " + QCEW_FIX, file=name)


def _ragged_lines(source: Path | bytes, width: int, *, quick: bool = False) -> pl.LazyFrame:
    """Lines whose field count differs from the header's (quote-aware, vectorised).

    Polars skips this check when only some columns are read, so count the
    separators outside quoted text on each raw line instead. ``quick``
    first counts commas plainly and looks again only at lines whose count is
    off (a comma in a quoted title, or a broken line): a line short of as
    many fields as its title has commas passes, but its values then sit in
    the wrong columns, which the typed parse and its checks catch.
    """
    lines = pl.scan_csv(source, has_header=False, separator="\x1f", quote_char=None,
                        infer_schema=False, new_columns=["text"], encoding="utf8-lossy")
    lines = lines.with_row_index("line", offset=1)
    if quick:
        lines = lines.filter(pl.col("text").str.count_matches(",", literal=True) != width - 1)
    fields = pl.col("text").str.replace_all(r'"[^"]*"', "").str.count_matches(",") + 1
    return lines.select("line", fields.alias("fields")).filter(pl.col("fields") != width)


def _report_ragged(ragged: pl.DataFrame, width: int, last_line: int, name: str,
                   errors: ErrorTable) -> None:
    """One problem per broken line (first few), worded for a cut-short last line."""
    for line, fields in ragged.head(SHOWN_PER_PROBLEM).iter_rows():
        if line == last_line and fields < width:
            errors.add(f"the last line is incomplete: it has {fields} of the header's {width} fields",
                       REDOWNLOAD, file=name, row=line)
        else:
            errors.add(f"this line has {fields} fields but the header has {width}",
                       "Download the file again; QCEW files have the same number of fields on "
                       "every line.", file=name, row=line)
    if ragged.height > SHOWN_PER_PROBLEM:
        errors.add(f"{ragged.height - SHOWN_PER_PROBLEM} more lines with the wrong number of fields",
                   REDOWNLOAD, file=name)


def _tail_problem(source: Path | bytes, width: int) -> str | None:
    """A last line with fewer fields than the header: the typical half-downloaded file."""
    text = _tail_bytes(source).decode("utf-8", errors="replace").rstrip("\r\n ")
    last = text.rsplit("\n", 1)[-1].strip("\r")
    if "\n" not in text and len(_tail_bytes(source)) < TAIL_BYTES:
        return None  # only the header: reported as "no data rows"
    got = len(_parse_line(last))
    if width and got < width:
        return f"the last line is incomplete: it has {got} of the header's {width} fields"
    return None


def _first_row_mismatch(source: Path, header: list[str], area: str | None, year: int | None) -> str | None:
    """Does the first data row belong to the requested area and year?"""
    lines = decode_text(_head_bytes(source), "utf-8-sig").split("\n", 2)
    if len(lines) < 2 or not lines[1].strip():
        return "the file has a header but no data rows"
    row = dict(zip(header, (v.strip() for v in _parse_line(lines[1].strip("\r")))))
    if area and row.get("area_fips", "").upper() != area.upper():
        return f"the file is for area {row.get('area_fips')!r}, not {area!r}"
    if year and row.get("year") != str(year):
        return f"the file is for year {row.get('year')!r}, not {year}"
    return None


# ---------------------------------------------------------------------------
# URLs, downloads, provenance helpers
# ---------------------------------------------------------------------------

def _checked_area(area_fips) -> str:
    area = str(area_fips).strip().upper()
    if re.fullmatch(AREA_PATTERN, area):
        return area
    hint = f" (did you mean '0{area}'? FIPS codes keep their leading zero)" if re.fullmatch(r"[0-9]{4}", area) else ""
    raise ExportPlanError(f"'{area_fips}' is not a QCEW area code{hint}; {_FIXES['area_fips']}.")


def _checked_year(year) -> int:
    try:
        value = int(year)
    except (TypeError, ValueError):
        value = 0
    if not FIRST_YEAR <= value <= date.today().year + 1:
        raise ExportPlanError(f"'{year}' is not a QCEW data year; use a year from {FIRST_YEAR} on.")
    return value


def _qtr_path(qtr) -> str:
    """``a`` for annual averages or ``1``-``4``, as BLS writes them in slice URLs."""
    text = str(qtr).strip().lower()
    if text not in ("a", "1", "2", "3", "4"):
        raise ExportPlanError(f"'{qtr}' is not a QCEW period; use 'a' (annual) or a quarter 1-4.")
    return text


def _download_one(area, year, qtr, cache_dir, base_url, timeout, retries, progress, client) -> Path:
    url = qcew_slice_url(year, qtr, area, base_url)
    check = partial(check_qcew_file, area=area, year=year)
    try:
        return fetch(url, cache_dir, timeout=timeout, retries=retries, progress=progress,
                     validate=check, client=client)
    except DownloadFailed as exc:
        if exc.status != 404:
            raise
        period = "annual averages" if _qtr_path(qtr) == "a" else f"quarter {_qtr_path(qtr)}"
        raise DownloadFailed(
            f"BLS has no file for area {area} year {year} ({period}) at {url} (the open-data slices "
            "cover roughly the last five years; for older years download the bulk files from "
            f"{BULK_FILES_PAGE} and import them)", url=url, kind="not-found", status=404) from None


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
