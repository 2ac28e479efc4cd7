"""The reference area's data for the region's years: gaps, and the file or command that fills them.

An LQ, reference growth or shift-share needs the reference area in the same
year and period as the region's counties. When the reference lacks them (no
U.S. file for the year, or only a Q1 file against annual county averages)
those measures are blank, never computed against another period, and every
table says so at the top, naming the BLS file and the ``fetch`` command.

Periods are the labels of :func:`exportplan.analysis.industry.annual_rows`
('annual', or 'average of Q1,Q2 (wages x4)'), given per year as
``{year: {period, ...}}`` maps (:func:`reference_gap`) or read from the
``period`` column of area frames (:func:`match_reference`).
"""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

import polars as pl

USLQ = "USLQ"
BLS_API = "https://data.bls.gov/cew/data/api"


def _quarters(period: str) -> list[str]:
    """'annual' -> ['a']; 'average of Q1,Q2 (wages x4)' -> ['1', '2']."""
    if period == "annual":
        return ["a"]
    return re.findall(r"Q([1-4])", period) or ["a"]


def period_words(periods: Iterable[str]) -> str:
    """'annual' / 'Q1' / 'Q1, Q2' for a set of period labels, joined with 'and'."""
    out = []
    for p in sorted(set(periods)):
        qs = _quarters(p)
        out.append("annual" if qs == ["a"] else ", ".join(f"Q{q}" for q in qs))
    return " and ".join(out) or "none"


def _loaded_words(reference: Mapping[int, set[str]]) -> str:
    return ", ".join(f"{y} {period_words(p)}" for y, p in sorted(reference.items()) if p) or "nothing"


def slice_url(year: int, qtr: str, area: str, base_url: str = BLS_API) -> str:
    """The BLS open-data area file (same as :func:`exportplan.sources.qcew.qcew_slice_url`)."""
    return f"{base_url.rstrip('/')}/{int(year)}/{qtr}/area/{area}.csv"


def reference_fix(reference_area: str, year: int, periods: Iterable[str], counties: Sequence[str], *,
                  workspace: str = "DIR") -> str:
    """What supplies the reference for ``year`` in the region's ``periods``: the file(s) and the fetch command."""
    periods = sorted(set(periods)) or ["annual"]
    qtrs = sorted({q for p in periods for q in _quarters(p)})
    if reference_area == USLQ:
        files = [slice_url(year, q, c) for q in qtrs for c in counties]
        what = (f"the BLS area files of the counties for {year} (they carry the published LQs, lq_ columns): "
                + ", ".join(files[:2]) + (", ..." if len(files) > 2 else ""))
    else:
        kind = "annual area file" if qtrs == ["a"] else "quarterly area file"
        files = [slice_url(year, q, reference_area) for q in qtrs]
        what = f"the BLS {kind} {reference_area} for {year}: {', '.join(files)}"
    commands = [f"'exportplan -w {workspace} fetch qcew --years {year}"
                + ("" if q == "a" else f" --quarter {q}") + "'" for q in qtrs]
    fix = f"load {what} (or run {' and '.join(commands)})"
    if reference_area != USLQ:
        fix += (f"; or, when the county files carry BLS's published LQs, compare with the U.S. shares they imply: "
                f"'exportplan -w {workspace} config set region.reference_area USLQ'")
    return fix


def reference_gap(region: Mapping[int, set[str]], reference: Mapping[int, set[str]], year: int | None, *,
                  reference_area: str, counties: Sequence[str], workspace: str = "DIR",
                  what: str = "LQs") -> str | None:
    """The note for a year the region has and the reference lacks in the region's period; None when it has it.

    ``what`` names the measures left blank ('LQs', 'shift-share parts', ...).
    A region whose counties mix periods needs the reference in one of them.
    """
    if year is None:
        return None
    ours = set(region.get(int(year), set()))
    theirs = set(reference.get(int(year), set()))
    if not ours or ours & theirs:
        return None
    if reference_area == USLQ:
        lacks = f"the counties' {year} rows carry no published LQs (the USLQ reference is built from them)"
    elif theirs:
        lacks = (f"the reference area {reference_area} has only {period_words(theirs)} data for {year} while the "
                 f"region's counties have {period_words(ours)} data")
    elif any(reference.values()):
        lacks = (f"the reference area {reference_area} has no data for {year} (loaded: "
                 f"{_loaded_words(reference)})")
    else:
        lacks = f"no QCEW file of the reference area {reference_area} is loaded"
    return (f"NO REFERENCE DATA FOR {year}: {lacks}, so {what} are blank (not withheld cells). To fix, "
            f"{reference_fix(reference_area, int(year), ours, counties, workspace=workspace)}.")


def reference_gaps(region: Mapping[int, set[str]], reference: Mapping[int, set[str]], years: Iterable[int | None],
                   **kwargs) -> list[str]:
    """:func:`reference_gap` of each distinct year, in order; gaps only."""
    out: list[str] = []
    for year in dict.fromkeys(y for y in years if y is not None):
        note = reference_gap(region, reference, year, **kwargs)
        if note:
            out.append(note)
    return out


def frame_periods(frame: pl.DataFrame) -> dict[int, set[str]]:
    """``{year: periods}`` of an area frame with a ``period`` column (region labels '; '-joined are split)."""
    if frame.height == 0 or "year" not in frame.columns:
        return {}
    if "period" not in frame.columns:
        return {int(y): {"annual"} for y in frame.get_column("year").unique().to_list()}
    out: dict[int, set[str]] = {}
    for year, label in frame.select("year", "period").unique().iter_rows():
        if label is None:
            continue
        out.setdefault(int(year), set()).update(p for p in str(label).split("; ") if p)
    return out


def match_reference(region: pl.DataFrame, reference: pl.DataFrame, years: Iterable[int | None]
                    ) -> tuple[pl.DataFrame, list[int]]:
    """The reference without its rows of the given years it lacks in the region's period; and those years.

    A reference year whose period the region does not have (a U.S. Q1 file
    against annual county averages) is dropped, so LQs and reference growth
    of that year are blank instead of mixing periods. The years returned are
    the gaps (the reference lacks the year or its period).
    """
    ours, theirs = frame_periods(region), frame_periods(reference)
    gaps = [int(y) for y in dict.fromkeys(y for y in years if y is not None)
            if ours.get(int(y)) and not (ours[int(y)] & theirs.get(int(y), set()))]
    mismatched = [y for y in gaps if theirs.get(y)]
    if mismatched:
        reference = reference.filter(~pl.col("year").is_in(mismatched))
    return reference, gaps


__all__ = ["frame_periods", "match_reference", "period_words", "reference_fix", "reference_gap", "reference_gaps",
           "slice_url"]
