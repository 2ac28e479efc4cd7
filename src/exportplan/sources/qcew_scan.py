"""The typed fast path of the QCEW reader, and the lazy scan of very large files.

A clean official file is parsed once with its own types (:func:`_read_typed`);
:func:`scan_qcew` gives the canonical columns lazily for national single
files of millions of rows, parsing only the columns and rows a query uses.
Anything off falls back to the checked text path
(:func:`exportplan.sources.qcew_checks._read_checked`).
"""
from __future__ import annotations

import os
import warnings
from datetime import date
from functools import partial
from pathlib import Path

import polars as pl
from polars.io.plugins import register_io_source

from exportplan.errors import ErrorTable
from exportplan.sources.qcew_checks import _mean, _non_negative, _ragged_lines, _read_checked, _tail_problem, _text
from exportplan.sources.qcew_layouts import (
    AREA_PATTERN,
    CANONICAL_SCHEMA,
    FIRST_YEAR,
    OWN_CODES,
    REDOWNLOAD,
    _Columns,
    _columns_or_errors,
    _header,
    _layout_expr,
    _source,
)


# ---------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------

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


# ---------------------------------------------------------------------------
# the typed fast path (clean official files)
# ---------------------------------------------------------------------------

_PUBLISHED_DISCLOSURES = ("", "N", "-")  # as BLS writes them; anything else takes the text path


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


__all__ = ["scan_qcew"]
