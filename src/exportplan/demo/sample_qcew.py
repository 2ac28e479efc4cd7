"""The invented QCEW of the sample region and the U.S.: six-digit cells, exact aggregates, BLS files.

:func:`build_qcew` draws the private six-digit cells of :data:`INDUSTRIES`
for the U.S. and the three counties, sums them into every parent level, adds
government and all-ownership totals, withholds county cells as BLS
disclosure rules would (protected against subtraction), and derives the
averages, location quotients and over-the-year changes.
:func:`write_qcew_files` writes them in the BLS annual area-slice layout.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .sample_common import BASE_YEAR, COUNTIES, GEN_YEARS, US_AREA, YEARS

#: The 38 columns of the BLS annual area slice, in order.
QCEW_COLUMNS = (
    "area_fips", "own_code", "industry_code", "agglvl_code", "size_code", "year", "qtr",
    "disclosure_code", "annual_avg_estabs", "annual_avg_emplvl", "total_annual_wages",
    "taxable_annual_wages", "annual_contributions", "annual_avg_wkly_wage", "avg_annual_pay",
    "lq_disclosure_code", "lq_annual_avg_estabs", "lq_annual_avg_emplvl", "lq_total_annual_wages",
    "lq_taxable_annual_wages", "lq_annual_contributions", "lq_annual_avg_wkly_wage",
    "lq_avg_annual_pay", "oty_disclosure_code", "oty_annual_avg_estabs_chg",
    "oty_annual_avg_estabs_pct_chg", "oty_annual_avg_emplvl_chg", "oty_annual_avg_emplvl_pct_chg",
    "oty_total_annual_wages_chg", "oty_total_annual_wages_pct_chg", "oty_taxable_annual_wages_chg",
    "oty_taxable_annual_wages_pct_chg", "oty_annual_contributions_chg",
    "oty_annual_contributions_pct_chg", "oty_annual_avg_wkly_wage_chg",
    "oty_annual_avg_wkly_wage_pct_chg", "oty_avg_annual_pay_chg", "oty_avg_annual_pay_pct_chg",
)
#: BLS quotes its text fields and leaves numbers bare.
QCEW_TEXT = frozenset({"area_fips", "own_code", "industry_code", "agglvl_code", "size_code", "year",
                       "qtr", "disclosure_code", "lq_disclosure_code", "oty_disclosure_code"})
#: Summable measures, then the two averages derived from them.
COUNTS = ("annual_avg_estabs", "annual_avg_emplvl", "total_annual_wages", "taxable_annual_wages",
          "annual_contributions")
AVERAGES = ("annual_avg_wkly_wage", "avg_annual_pay")
MEASURES = COUNTS + AVERAGES


@dataclass(frozen=True)
class Industry:
    """One invented industry: U.S. 2017 employment, trend, pay, plant size, county LQs."""

    naics: str
    us_emp: int
    growth: float  # U.S. annual growth
    pay: int  # U.S. average annual pay in 2017
    size: int  # employees per establishment
    lq: tuple[float, float, float]  # intended specialisation of counties A, B, C (0: absent)


INDUSTRIES = (
    # manufacturing: automotive, plastics, machinery, printing and textiles declining
    Industry("336390", 230_000, 0.005, 62_000, 95, (0.3, 8.0, 1.5)),
    Industry("336350", 95_000, -0.010, 68_000, 140, (0.1, 9.0, 0.0)),
    Industry("336320", 55_000, 0.020, 60_000, 80, (0.2, 6.0, 0.0)),
    Industry("326199", 340_000, 0.008, 52_000, 45, (0.4, 3.5, 2.0)),
    Industry("332710", 250_000, -0.005, 55_000, 12, (0.6, 2.5, 2.0)),
    Industry("333517", 28_000, -0.015, 65_000, 25, (0.2, 3.0, 1.0)),
    Industry("333111", 60_000, 0.005, 60_000, 60, (0.0, 0.5, 9.0)),
    Industry("323111", 300_000, -0.030, 48_000, 14, (0.9, 0.8, 1.8)),
    Industry("313210", 30_000, -0.040, 45_000, 60, (0.0, 0.0, 6.0)),
    # electronics, instruments, medical devices, pharmaceuticals
    Industry("334413", 185_000, 0.035, 140_000, 100, (0.2, 0.0, 0.0)),
    Industry("334516", 38_000, 0.020, 110_000, 40, (1.8, 1.0, 0.0)),
    Industry("334510", 60_000, 0.025, 105_000, 70, (1.2, 2.0, 0.0)),
    Industry("339112", 120_000, 0.015, 85_000, 60, (0.8, 3.0, 0.0)),
    Industry("339113", 110_000, 0.010, 65_000, 40, (1.0, 1.5, 0.5)),
    Industry("325412", 180_000, 0.020, 120_000, 120, (1.5, 0.5, 0.0)),
    # food processing
    Industry("311211", 21_000, 0.000, 60_000, 60, (0.0, 0.0, 8.0)),
    Industry("311513", 55_000, 0.010, 50_000, 90, (0.0, 0.5, 10.0)),
    Industry("311612", 110_000, 0.015, 45_000, 70, (0.2, 1.0, 6.0)),
    Industry("311812", 190_000, 0.005, 42_000, 60, (1.2, 1.0, 1.5)),
    # IT, R&D, engineering, headquarters
    Industry("541511", 680_000, 0.045, 115_000, 12, (1.8, 0.4, 0.1)),
    Industry("541512", 780_000, 0.040, 118_000, 11, (1.6, 0.5, 0.1)),
    Industry("518210", 350_000, 0.065, 120_000, 18, (2.2, 0.5, 0.0)),
    Industry("541715", 400_000, 0.030, 135_000, 30, (1.8, 0.8, 0.0)),
    Industry("541330", 1_000_000, 0.015, 95_000, 17, (1.3, 1.2, 0.4)),
    Industry("551114", 2_300_000, 0.015, 125_000, 40, (1.6, 0.6, 0.2)),
    # distribution and logistics
    Industry("423430", 200_000, 0.005, 115_000, 14, (1.3, 0.8, 0.0)),
    Industry("424210", 250_000, 0.020, 105_000, 30, (2.0, 1.0, 0.0)),
    Industry("423120", 170_000, 0.005, 58_000, 13, (0.8, 2.0, 1.0)),
    Industry("493110", 780_000, 0.070, 45_000, 55, (2.0, 3.5, 0.8)),
    Industry("484121", 520_000, 0.010, 55_000, 12, (0.9, 2.0, 2.5)),
    Industry("481112", 80_000, 0.040, 70_000, 40, (2.5, 0.0, 0.0)),
    Industry("492110", 620_000, 0.060, 48_000, 40, (1.5, 2.0, 0.5)),
    Industry("488510", 250_000, 0.030, 70_000, 12, (1.8, 1.5, 0.3)),
    # health
    Industry("621111", 2_500_000, 0.015, 105_000, 12, (1.1, 0.7, 0.6)),
    Industry("622110", 4_700_000, 0.012, 65_000, 700, (1.3, 0.5, 0.8)),
    Industry("623110", 1_400_000, -0.015, 42_000, 95, (0.9, 1.0, 1.6)),
    # finance and insurance
    Industry("522110", 1_300_000, -0.005, 80_000, 15, (1.6, 0.7, 1.0)),
    Industry("522320", 190_000, 0.030, 95_000, 30, (3.0, 0.2, 0.0)),
    Industry("524113", 330_000, 0.000, 105_000, 60, (2.5, 0.2, 0.0)),
    Industry("524126", 430_000, 0.010, 95_000, 40, (3.5, 0.5, 0.0)),
    Industry("524210", 800_000, 0.015, 70_000, 5, (1.2, 0.9, 1.0)),
    # agriculture and mining
    Industry("111150", 60_000, -0.010, 40_000, 4, (0.02, 0.5, 12.0)),
    Industry("112120", 110_000, -0.010, 38_000, 9, (0.0, 0.3, 10.0)),
    Industry("115112", 50_000, 0.010, 40_000, 8, (0.0, 0.5, 8.0)),
    Industry("212312", 70_000, 0.005, 62_000, 18, (0.1, 1.0, 7.0)),
    # local-serving industries
    Industry("221122", 300_000, 0.000, 105_000, 60, (1.0, 0.8, 1.2)),
    Industry("236220", 480_000, 0.020, 80_000, 11, (1.3, 1.2, 0.6)),
    Industry("238220", 1_000_000, 0.025, 58_000, 10, (1.0, 1.1, 0.9)),
    Industry("445110", 2_500_000, 0.005, 28_000, 38, (0.9, 1.1, 1.1)),
    Industry("441110", 1_260_000, 0.005, 60_000, 60, (0.9, 1.2, 1.0)),
    Industry("531110", 600_000, 0.015, 45_000, 5, (1.2, 0.8, 0.5)),
    Industry("561720", 920_000, 0.005, 28_000, 14, (1.2, 0.8, 0.5)),
    Industry("561320", 3_000_000, -0.010, 35_000, 40, (1.3, 2.0, 0.6)),
    Industry("611310", 1_500_000, 0.000, 58_000, 350, (1.8, 0.3, 0.5)),
    Industry("713940", 560_000, 0.020, 20_000, 15, (1.1, 1.0, 0.6)),
    Industry("722511", 5_300_000, 0.015, 24_000, 25, (1.1, 1.0, 0.8)),
    Industry("813110", 180_000, 0.000, 30_000, 8, (0.9, 1.0, 1.4)),
)

#: County share of U.S. industry employment at LQ 1, pay level, plant-size factor.
COUNTY_SCALE = {"99001": (0.0045, 1.02, 1.1), "99003": (0.0008, 0.95, 1.0),
                "99005": (0.00018, 0.82, 0.7)}
#: Regional growth above or below the national trend (the competitive shift).
REGIONAL_GROWTH = {
    ("99001", "518210"): 0.06, ("99001", "541511"): 0.02, ("99001", "541512"): 0.015,
    ("99001", "524126"): 0.01, ("99001", "493110"): 0.02, ("99001", "522320"): 0.03,
    ("99001", "323111"): -0.02, ("99001", "336390"): -0.02,
    ("99003", "336320"): 0.06, ("99003", "336390"): 0.01, ("99003", "336350"): -0.03,
    ("99003", "493110"): 0.05, ("99003", "339112"): 0.03, ("99003", "326199"): 0.01,
    ("99005", "313210"): -0.04, ("99005", "323111"): -0.02, ("99005", "311513"): 0.03,
    ("99005", "333111"): 0.02, ("99005", "623110"): -0.01,
}
#: New plants: employment by year in a county where the industry was absent.
ENTRIES = {("99003", "334413"): {2022: 320, 2023: 1150},
           ("99005", "518210"): {2021: 35, 2022: 55, 2023: 80}}
#: Pandemic employment factors by sector (other sectors: DEFAULT key).
COVID = {2020: {"72": 0.80, "71": 0.74, "44-45": 0.96, "56": 0.93, "62": 0.97, "61": 0.95,
                "81": 0.88, "31-33": 0.95, "48-49": 1.01, "53": 0.96, "DEFAULT": 0.98},
         2021: {"72": 0.90, "71": 0.86, "56": 0.98, "81": 0.94, "31-33": 0.98, "61": 0.97,
                "48-49": 1.03, "DEFAULT": 0.995}}
#: Government employment as a share of private employment: federal, state, local.
GOVERNMENT_SHARE = {"US000": (0.022, 0.036, 0.112), "99001": (0.025, 0.090, 0.090),
                    "99003": (0.008, 0.020, 0.120), "99005": (0.012, 0.030, 0.160)}
GOVERNMENT_PAY = (92_000, 62_000, 55_000)
GOVERNMENT_SIZE = (60, 90, 60)
PAY_GROWTH = 0.035
TAXABLE_BASE = 9_000  # a state UI taxable wage base, per employee and year
MIN_COUNTY_EMP = 4  # below this an industry has no establishment in the county

RANGES = {"31": "31-33", "32": "31-33", "33": "31-33", "44": "44-45", "45": "44-45",
          "48": "48-49", "49": "48-49"}
SUPERSECTORS = {"11": "1011", "21": "1011", "23": "1012", "31-33": "1013", "22": "1021",
                "42": "1021", "44-45": "1021", "48-49": "1021", "51": "1022", "52": "1023",
                "53": "1023", "54": "1024", "55": "1024", "56": "1024", "61": "1025",
                "62": "1025", "71": "1026", "72": "1026", "81": "1027", "92": "1028", "99": "1029"}


# ---------------------------------------------------------------------------
# QCEW: six-digit cells, then every aggregate as exact sums
# ---------------------------------------------------------------------------

def sector_of(naics: str) -> str:
    """The NAICS sector of a code, with the QCEW ranges (``336390`` -> ``31-33``)."""
    return RANGES.get(naics[:2], naics[:2])


def _parent(code: str) -> str:
    """The next level up of a 3- to 6-digit code (a sector for 3 digits)."""
    return sector_of(code) if len(code) == 3 else code[:-1]


def _covid(naics: str, year: int) -> float:
    factors = COVID.get(year, {})
    return factors.get(sector_of(naics), factors.get("DEFAULT", 1.0))


def _turnover(pay: float) -> float:
    """Employees per job over a year: more in low-paid industries (raises taxable wages)."""
    return 1.1 if pay >= 80_000 else 1.25 if pay >= 45_000 else 1.5


def _ui_rate(naics: str) -> float:
    """Average UI contribution rate on taxable wages (construction pays more)."""
    return {"23": 0.040, "31-33": 0.030}.get(sector_of(naics), 0.025)


def _cell(rng, naics: str, emp: float, pay: float, size: float) -> dict[str, int]:
    """The five summable QCEW counts of one industry, area and year."""
    jobs = max(1, round(emp))
    estabs = min(jobs, max(1, round(emp / size * rng.lognormal(0.0, 0.05))))
    wages = round(jobs * pay)
    taxable = min(wages, round(jobs * TAXABLE_BASE * _turnover(pay)))
    return {"annual_avg_estabs": estabs, "annual_avg_emplvl": jobs, "total_annual_wages": wages,
            "taxable_annual_wages": taxable, "annual_contributions": round(taxable * _ui_rate(naics))}


def _us_cells(rng) -> list[dict]:
    """Private six-digit cells of the U.S. for every generated year."""
    rows = []
    for ind in INDUSTRIES:
        for year in GEN_YEARS:
            t = year - BASE_YEAR
            emp = ind.us_emp * (1 + ind.growth) ** t * _covid(ind.naics, year) * rng.lognormal(0, 0.01)
            pay = ind.pay * (1 + PAY_GROWTH) ** t * rng.lognormal(0, 0.005)
            size = ind.size * (1 + 0.01 * t)  # establishments grow a little slower than jobs
            rows.append({"area_fips": US_AREA, "year": year, "naics": ind.naics,
                         **_cell(rng, ind.naics, emp, pay, size)})
    return rows


def _county_emp(rng, fips: str, ind: Industry, year: int) -> float | None:
    """Employment of an industry in a county and year, or None if it has no establishment."""
    entry = ENTRIES.get((fips, ind.naics))
    if entry is not None:
        return entry[year] * rng.lognormal(0, 0.03) if year in entry else None
    share = COUNTY_SCALE[fips][0]
    base = ind.us_emp * share * ind.lq[list(COUNTIES).index(fips)]
    if base < MIN_COUNTY_EMP:
        return None
    growth = ind.growth + REGIONAL_GROWTH.get((fips, ind.naics), 0.0)
    return (base * (1 + growth) ** (year - BASE_YEAR) * _covid(ind.naics, year)
            * rng.lognormal(0, 0.03))


def _county_cells(rng) -> list[dict]:
    """Private six-digit cells of the three sample counties."""
    rows = []
    for fips, (_, pay_level, size_factor) in COUNTY_SCALE.items():
        for ind in INDUSTRIES:
            for year in GEN_YEARS:
                emp = _county_emp(rng, fips, ind, year)
                if emp is None:
                    continue
                pay = ind.pay * (1 + PAY_GROWTH) ** (year - BASE_YEAR) * pay_level * rng.lognormal(0, 0.04)
                rows.append({"area_fips": fips, "year": year, "naics": ind.naics,
                             **_cell(rng, ind.naics, emp, pay, ind.size * size_factor)})
    return rows


def _aggregate(six: pd.DataFrame) -> pd.DataFrame:
    """Private (own 5) rows at every level, each the exact sum of its six-digit cells."""
    codes = six["naics"]
    sector = codes.map(sector_of)
    supersector = sector.map(SUPERSECTORS)
    levels = {"8": codes, "7": codes.str[:5], "6": codes.str[:4], "5": codes.str[:3], "4": sector,
              "3": supersector, "2": supersector.str[:3], "1": pd.Series("10", index=six.index)}
    parts = []
    for digit, industry in levels.items():
        grouped = (six.assign(industry_code=industry).groupby(["area_fips", "year", "industry_code"],
                                                                as_index=False)[list(COUNTS)].sum())
        parts.append(grouped.assign(own_code="5", level=digit))
    return pd.concat(parts, ignore_index=True)


def _government(rng, private_totals: pd.DataFrame) -> pd.DataFrame:
    """Federal, state and local government (own 1-3), industry 10 only."""
    rows = []
    for rec in private_totals.sort_values(["area_fips", "year"]).itertuples(index=False):
        pay_level = COUNTY_SCALE.get(rec.area_fips, (0, 1.0, 1.0))[1]
        for own, share in zip(("1", "2", "3"), GOVERNMENT_SHARE[rec.area_fips], strict=True):
            index = int(own) - 1
            emp = rec.annual_avg_emplvl * share * rng.lognormal(0, 0.01)
            pay = (GOVERNMENT_PAY[index] * (1 + 0.03) ** (rec.year - BASE_YEAR)
                   * (pay_level ** 0.5) * rng.lognormal(0, 0.01))
            cell = _cell(rng, "92", emp, pay, GOVERNMENT_SIZE[index])
            # federal and state governments reimburse UI instead of paying contributions
            taxable = 0 if own in ("1", "2") else cell["annual_avg_emplvl"] * 250
            cell.update(taxable_annual_wages=taxable, annual_contributions=round(taxable * 0.02))
            rows.append({"area_fips": rec.area_fips, "year": rec.year, "industry_code": "10",
                         "own_code": own, "level": "1", **cell})
    return pd.DataFrame(rows)


def _total_covered(frame: pd.DataFrame) -> pd.DataFrame:
    """Own 0 (all ownerships) totals: the sum of the ownership totals."""
    totals = frame[frame["industry_code"] == "10"]
    summed = totals.groupby(["area_fips", "year"], as_index=False)[list(COUNTS)].sum()
    return summed.assign(industry_code="10", own_code="0", level="0")


def build_qcew(rng) -> pd.DataFrame:
    """All sample QCEW rows (every generated year) with disclosure, LQ and OTY columns."""
    six = pd.DataFrame(_us_cells(rng) + _county_cells(rng))
    private = _aggregate(six)
    totals = private[private["level"] == "1"]
    frame = pd.concat([private, _government(rng, totals)], ignore_index=True)
    frame = pd.concat([frame, _total_covered(frame)], ignore_index=True)
    frame["agglvl_code"] = np.where(frame["area_fips"] == US_AREA, "1", "7") + frame["level"]
    frame["withheld"] = _withheld_flags(rng, frame)
    frame = _add_averages(frame)
    frame = _add_lq(frame)
    return _add_oty(frame)


# ---------------------------------------------------------------------------
# disclosure: withheld county cells, protected against subtraction
# ---------------------------------------------------------------------------

def _withheld_flags(rng, frame: pd.DataFrame) -> pd.Series:
    """True for county private cells (3- to 6-digit NAICS) that BLS-style rules withhold."""
    flags = pd.Series(False, index=frame.index)
    detail = frame[(frame["area_fips"] != US_AREA) & frame["level"].isin(["5", "6", "7", "8"])]
    for _, group in detail.groupby(["area_fips", "year"], sort=True):
        cells = dict(zip(group["industry_code"],
                         zip(group["annual_avg_estabs"], group["annual_avg_emplvl"], strict=True),
                         strict=True))
        hidden = _withheld_codes(rng, cells)
        flags.loc[group.index[group["industry_code"].isin(sorted(hidden))]] = True
    return flags


def _is_primary(rng, estabs: int, emp: int) -> bool:
    """A cell too few establishments or one dominant plant would reveal (randomly applied)."""
    if estabs <= 2:
        return rng.random() < 0.25
    return estabs <= 4 and emp >= 150 and rng.random() < 0.3


def _withheld_codes(rng, cells: dict[str, tuple[int, int]]) -> set[str]:
    """The codes to withhold in one county-year: primaries plus complementary cells.

    A primary six-digit cell is kept only if protecting it never needs a
    sector withheld (sectors and totals are always published).
    """
    children: dict[str, list[str]] = defaultdict(list)
    for code in sorted(cells):
        children[_parent(code)].append(code)
    withheld: set[str] = set()
    for code in sorted(c for c in cells if len(c) == 6):
        if _is_primary(rng, *cells[code]):
            protected = _protect(withheld | {code}, children, cells)
            withheld = protected if protected is not None else withheld
    return withheld


def _protect(withheld: set[str], children: dict[str, list[str]],
             cells: dict[str, tuple[int, int]]) -> set[str] | None:
    """Close ``withheld`` so no cell can be recovered by subtraction; None if a sector would go.

    A lone withheld child of a published parent is either paired with its
    smallest published sibling (and that sibling's whole subtree) or, if it
    has no sibling, its parent is withheld too.
    """
    withheld = set(withheld)
    changed = True
    while changed:
        changed = False
        for parent in sorted(children):
            kids = children[parent]
            hidden = [k for k in kids if k in withheld]
            if len(hidden) != 1 or parent in withheld:
                continue
            if len(kids) == 1:
                if parent not in cells:  # a sector: never withheld
                    return None
                withheld.add(parent)
            else:
                shown = [k for k in kids if k not in withheld]
                sibling = min(shown, key=lambda k: (cells[k][1], k))
                withheld.update(c for c in cells if c.startswith(sibling))
            changed = True
    return withheld


# ---------------------------------------------------------------------------
# derived columns: averages, BLS location quotients, over-the-year changes
# ---------------------------------------------------------------------------

def _add_averages(frame: pd.DataFrame) -> pd.DataFrame:
    """Average weekly wage and annual pay from the totals (0 where there is no employment)."""
    emp = frame["annual_avg_emplvl"].where(frame["annual_avg_emplvl"] > 0)
    frame["avg_annual_pay"] = (frame["total_annual_wages"] / emp).round().fillna(0).astype("int64")
    frame["annual_avg_wkly_wage"] = (frame["total_annual_wages"] / emp / 52).round().fillna(0).astype("int64")
    return frame


def _add_lq(frame: pd.DataFrame) -> pd.DataFrame:
    """BLS location quotients: share of the area's all-ownership total over the U.S. share.

    ``LQ = (x / X_area_total) / (x_US / X_US_total)`` for every measure, with
    the area's own 0 / industry 10 row as total (also for private rows);
    U.S. rows are 1.00 (0.00 where the value is 0), rounded to hundredths.
    """
    keys = ["year", "own_code", "industry_code"]
    base = frame[(frame["own_code"] == "0") & (frame["industry_code"] == "10")]
    base = base.set_index(["area_fips", "year"])[list(MEASURES)]
    us = frame[frame["area_fips"] == US_AREA].set_index(keys)[list(MEASURES)]
    area_total = base.reindex(pd.MultiIndex.from_frame(frame[["area_fips", "year"]])).to_numpy(float)
    us_value = us.reindex(pd.MultiIndex.from_frame(frame[keys])).to_numpy(float)
    us_total = base.xs(US_AREA, level="area_fips").reindex(frame["year"]).to_numpy(float)
    values = frame[list(MEASURES)].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        lq = (values / area_total) / (us_value / us_total)
    lq = np.where(np.isfinite(lq) & (values > 0), lq, 0.0)
    for i, measure in enumerate(MEASURES):
        frame[f"lq_{measure}"] = lq[:, i].round(2)
    return frame


def _add_oty(frame: pd.DataFrame) -> pd.DataFrame:
    """Over-the-year change and % change against the same cell a year earlier."""
    keys = ["area_fips", "own_code", "industry_code", "year"]
    prior = frame[keys + list(MEASURES) + ["withheld"]].copy()
    prior["year"] += 1
    merged = frame.merge(prior, on=keys, how="left", suffixes=("", "_prior"))
    merged["oty_withheld"] = merged["withheld"] | merged["withheld_prior"].eq(True)
    for measure in MEASURES:
        before = merged[f"{measure}_prior"].fillna(0).astype("int64")
        change = merged[measure] - before
        pct = (100 * change / before.where(before > 0)).round(1).fillna(0.0) + 0.0
        merged[f"oty_{measure}_chg"] = change
        merged[f"oty_{measure}_pct_chg"] = pct
    return merged.drop(columns=[f"{m}_prior" for m in MEASURES] + ["withheld_prior"])


# ---------------------------------------------------------------------------
# QCEW files
# ---------------------------------------------------------------------------

def qcew_file_name(year: int, area_fips: str) -> str:
    """``SAMPLE_qcew_{year}_annual_area_{fips}.csv``."""
    return f"SAMPLE_qcew_{year}_annual_area_{area_fips}.csv"


def write_qcew_files(folder: Path, frame: pd.DataFrame) -> list[Path]:
    """One BLS annual area-slice CSV per area and written year (counties first, then US)."""
    paths = []
    for area in [*COUNTIES, US_AREA]:
        for year in YEARS:
            rows = frame[(frame["area_fips"] == area) & (frame["year"] == year)]
            rows = rows.sort_values(["own_code", "agglvl_code", "industry_code"])
            path = folder / qcew_file_name(year, area)
            path.write_bytes(_qcew_csv(rows).encode("utf-8"))
            paths.append(path)
    return paths


def _qcew_csv(rows: pd.DataFrame) -> str:
    """The rows as BLS serves them: text quoted, numbers bare, withheld values as 0."""
    fields = _qcew_fields(rows.reset_index(drop=True))
    lines = fields[QCEW_COLUMNS[0]]
    for column in QCEW_COLUMNS[1:]:
        lines = lines + "," + fields[column]
    header = ",".join(f'"{c}"' for c in QCEW_COLUMNS)
    return "\n".join([header, *lines.tolist()]) + "\n"


def _qcew_fields(rows: pd.DataFrame) -> dict[str, pd.Series]:
    """Every QCEW column as formatted text (vectorized: thousands of rows per file)."""
    hidden, oty_hidden = rows["withheld"].to_numpy(bool), rows["oty_withheld"].to_numpy(bool)
    rows = rows.assign(size_code="0", qtr="A", disclosure_code=np.where(hidden, "N", ""),
                       lq_disclosure_code=np.where(hidden, "N", ""),
                       oty_disclosure_code=np.where(oty_hidden, "N", ""))
    fields = {}
    for column in QCEW_COLUMNS:
        values = rows[column]
        if column in QCEW_TEXT:
            fields[column] = '"' + values.astype(str) + '"'
            continue
        pct, lq = column.endswith("pct_chg"), column.startswith("lq_")
        text = np.char.mod("%.2f" if lq else "%.1f" if pct else "%d", values.to_numpy())
        blank = (oty_hidden if column.startswith("oty_") else hidden) & ("estabs" not in column)
        zero = "0.00" if lq else "0.0" if pct else "0"
        fields[column] = pd.Series(np.where(blank, zero, text), index=rows.index)
    return fields

