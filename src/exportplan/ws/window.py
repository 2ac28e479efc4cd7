"""Workspace part: the years of QCEW data loaded for the region and the reference (for the analysis window).

One grouped query over the stored rows, no frame of the data: which
(area, year, quarter) units the region's counties and the reference area
hold, and for USLQ which county years carry BLS's published LQs.
"""
from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select

from ..analysis.window import period_label
from ..store import schema as t

USLQ = "USLQ"


def loaded_periods(ws) -> tuple[dict[int, set[str]], dict[int, set[str]]]:
    """``({year: periods} of the region, {year: periods} of the reference)``.

    A region year needs rows for every county; its periods are the union of
    the counties' (annual_rows labels). The reference's years are those of
    its area; for USLQ the years whose county rows carry published LQs.
    """
    counties = list(ws.counties)
    ref = ws.reference_area
    areas = counties + ([ref] if ref != USLQ else [])
    c = t.qcew.c
    query = (select(c.area_fips, c.year, c.qtr, func.count(c.bls_lq_emplvl))
             .where(c.area_fips.in_(areas)).group_by(c.area_fips, c.year, c.qtr))
    with ws.store.engine.connect() as conn:
        rows = conn.execute(query).fetchall()
    qtrs: dict[tuple[str, int], set[str]] = defaultdict(set)
    lq_qtrs: dict[tuple[str, int], set[str]] = defaultdict(set)
    for area, year, qtr, n_lq in rows:
        qtrs[(area, int(year))].add(qtr)
        if n_lq:
            lq_qtrs[(area, int(year))].add(qtr)
    years = sorted({y for (_, y) in qtrs})
    region: dict[int, set[str]] = {}
    for year in years:
        if all((a, year) in qtrs for a in counties):
            region[year] = {period_label(qtrs[(a, year)]) for a in counties}
    if ref == USLQ:
        reference = {y: {period_label(lq_qtrs[(a, y)]) for a in counties if (a, y) in lq_qtrs}
                     for y in years if any((a, y) in lq_qtrs for a in counties)}
    else:
        reference = {y: {period_label(qtrs[(ref, y)])} for y in years if (ref, y) in qtrs}
    return region, reference
