"""The checked text path of the QCEW reader: every value as text, trimmed, checked, reported by line.

:func:`_read_checked` builds the canonical frame with one flag column per
check (:func:`_canonical`, :func:`_flags`) and turns the flags, broken lines
and cut-short files into problems with file, line, column and value
(:class:`exportplan.errors.ErrorTable`). The typed fast path
(:mod:`exportplan.sources.qcew_scan`) falls back to it whenever something is off.
"""
from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

import polars as pl

from exportplan.errors import ErrorTable
from exportplan.sources.qcew_layouts import (
    AREA_PATTERN,
    CANONICAL_SCHEMA,
    FIRST_YEAR,
    KEYS,
    OWN_CODES,
    QCEW_FIX,
    REDOWNLOAD,
    SHOWN_PER_PROBLEM,
    TAIL_BYTES,
    _Columns,
    _head_bytes,
    _layout_expr,
    _parse_line,
    _scan,
    _tail_bytes,
)
from exportplan.sources.textio import decode_text


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
# checks shared with the typed path, and the checked read
# ---------------------------------------------------------------------------

NEGATIVE = "negative value (counts, wages, pay and LQs cannot be below 0)"


def _non_negative(c: _Columns) -> tuple[str, ...]:
    """The columns whose values can never be negative (both paths check them alike)."""
    return tuple(col for col in (c.estabs, *c.emplvl, c.wages, c.pay, *c.lq) if col)


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


__all__ = ["NEGATIVE"]
