"""Refuse QCEW files that hold one row twice (in one file or across files), naming the lines.

A second row with the same key would silently replace the first; the error
table lists the first few repeats with their file and line.
"""
from __future__ import annotations

from pathlib import Path

import polars as pl

from ..errors import ErrorTable

#: The stored rows' primary key: a file's row replaces the stored row with the same key.
KEY = ("area_fips", "own_code", "industry_code", "size_code", "year", "qtr")
SHOWN_DUPLICATES = 10  # repeated rows listed one by one; the rest are counted


def check_duplicate_rows(frames: list[tuple[Path, pl.DataFrame]]) -> None:
    """Refuse a key held twice, in one file or in two: the second row would overwrite the first."""
    keyed = pl.concat([frame.select(KEY).with_columns(pl.lit(i, pl.Int32).alias("_file"),
                                                       pl.int_range(pl.len(), dtype=pl.Int64).alias("_pos"))
                       for i, (_, frame) in enumerate(frames)])
    repeats = keyed.filter(pl.len().over(KEY) > 1).sort("_file", "_pos")
    if repeats.is_empty():
        return
    n_keys = repeats.select(KEY).unique().height
    shown = repeats.select(KEY).unique(maintain_order=True).head(SHOWN_DUPLICATES)
    occurrences = repeats.join(shown, on=list(KEY), how="semi", nulls_equal=True)
    lines = {i: _key_lines(frames[i][0], occurrences.filter(pl.col("_file") == i).select(KEY).unique())
             for i in occurrences.get_column("_file").unique().to_list()}
    problems = ErrorTable()
    for key, group in occurrences.group_by(KEY, maintain_order=True):
        places = _places(group, lines, key)
        first_file, first_line = places[0]
        for file_index, line in places[1:]:
            where = f"line {first_line}" if first_line else "an earlier line"
            if file_index != first_file:
                where += f" of {frames[first_file][0].name}"
            problems.add(f"the row for {_describe(key)} repeats {where}",
                         "Keep one row per area, ownership, industry, size and period (delete the repeated "
                         "line), or import the files one at a time: a later import replaces the earlier rows.",
                         file=str(frames[file_index][0]), row=line)
    more = repeats.height - n_keys - (occurrences.height - shown.height)
    if more > 0:
        problems.add(f"{more:,} more repeated row(s) like the ones above", "Keep one row per key.")
    problems.raise_if_any("The QCEW import")


def _places(group: pl.DataFrame, lines: dict, key: tuple) -> list[tuple[int, int | None]]:
    """(file index, line) of each occurrence of a key, in file order; line None if not found."""
    out, taken = [], {}
    for file_index in group.get_column("_file").to_list():
        found = lines.get(file_index, {}).get(key, [])
        k = taken.get(file_index, 0)
        taken[file_index] = k + 1
        out.append((file_index, found[k] if k < len(found) else None))
    return out


def _key_lines(path: Path, keys: pl.DataFrame) -> dict[tuple, list[int]]:
    """Line numbers (header = line 1) of the rows with the given keys (error path only)."""
    try:
        raw = pl.scan_csv(path, infer_schema=False, encoding="utf8-lossy",
                          with_column_names=lambda cols: [c.strip().lower() for c in cols])
        text_key = {c: pl.col(c).str.strip_chars() for c in KEY}
        text_key["area_fips"] = text_key["area_fips"].str.to_uppercase()
        text_key["qtr"] = text_key["qtr"].str.to_uppercase()
        text_key["year"] = text_key["year"].cast(pl.Int32, strict=False)
        found = (raw.with_row_index("_line", offset=2).select("_line", **text_key)
                 .join(keys.lazy(), on=list(KEY), how="semi").sort("_line").collect())
    except (pl.exceptions.PolarsError, OSError):
        return {}  # the key alone still names the row
    out: dict[tuple, list[int]] = {}
    for row in found.iter_rows():
        out.setdefault(tuple(row[1:]), []).append(int(row[0]))
    return out


def _describe(key: tuple) -> str:
    area, own, industry, size, year, qtr = key
    period = "annual average" if qtr == "A" else f"quarter {qtr}"
    return f"area {area}, ownership {own}, industry {industry}, size {size}, {year} {period}"
