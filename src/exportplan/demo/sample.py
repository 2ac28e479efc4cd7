"""SAMPLE data for the demo workspace: invented, plausible, deterministic, labelled.

:func:`write_sample_files` writes every file the sample workspace imports:
QCEW files in the official BLS annual area-slice layout for a three-county
"Sample Region" (state FIPS 99, which no real state uses) and the U.S., a
cluster crosswalk, a US-Cluster-Mapping-style peer set, and the user tables
for ranking target sectors and country markets.

Nothing is read from outside the package: all numbers are drawn from a seeded
generator around hand-set magnitudes, so the same seed writes the same bytes.
Every file name starts with ``SAMPLE_``; tables whose layout allows it carry
a title row (user tables) or a ``note`` column (crosswalk) saying SAMPLE DATA;
QCEW files cannot carry a note in-band, so ``SAMPLE_README.txt`` explains
them.

The sample economy consists of the 57 industries in :data:`INDUSTRIES` only:
every QCEW parent (5- to 3-digit NAICS, sector, supersector, domain, total)
is the exact sum of its children, so U.S. totals are smaller than the real
economy's. Location quotients use the BLS base (all-ownership total covered
employment), as BLS does.

>>> import tempfile
>>> files = write_sample_files(tempfile.mkdtemp())
>>> files.region_name, files.counties, files.years[0], files.years[-1]
('Sample Region (SAMPLE DATA)', ['99001', '99003', '99005'], 2018, 2023)
"""
from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

SAMPLE_NOTE = "SAMPLE DATA — invented for demonstration, not real statistics"
#: Who published the sample files: the project itself, never BLS, Census or the Cluster Mapping Project,
#: whose file layouts the sample imitates. Every provenance record of the sample workspace names it.
SAMPLE_PUBLISHER = "exportplan sample (invented data)"
#: Publishers whose file layouts the sample imitates, by a short name for the dataset text.
_LAYOUTS = {"U.S. Bureau of Labor Statistics": "BLS", "U.S. Cluster Mapping Project": "US Cluster Mapping"}


def sample_provenance(publisher: str, dataset: str) -> dict[str, str]:
    """Provenance fields for a sample file read by an importer that named ``publisher`` and ``dataset``.

    The publisher becomes :data:`SAMPLE_PUBLISHER`; the dataset keeps its name
    and says whose layout it imitates, e.g. ``"QCEW (BLS file layout)"``; the
    URL is cleared (no publisher serves these files) and the note says
    SAMPLE DATA.
    """
    layout = next((short for name, short in _LAYOUTS.items() if (publisher or "").startswith(name)), "")
    if layout and "layout)" not in dataset:
        dataset = f"{dataset} ({layout} file layout)"
    return {"publisher": SAMPLE_PUBLISHER, "dataset": dataset, "url": "", "note": SAMPLE_NOTE}


REGION_NAME = "Sample Region (SAMPLE DATA)"
AREA_NAME = "SAMPLE"
COUNTIES = {"99001": "Sample County A", "99003": "Sample County B", "99005": "Sample County C"}
US_AREA = "US000"
YEARS = tuple(range(2018, 2024))
#: Generated but not written: the base of the 2018 over-the-year changes.
BASE_YEAR = 2017
GEN_YEARS = (BASE_YEAR, *YEARS)
CENTRE = (40.0, -83.0)

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

#: Official US Cluster Mapping assignments of the sample industries (code, subcluster).
#: 111150 and 112120 (crop and animal production) are in no cluster, as in USCMP.
CROSSWALK = (
    ("336390", "4", "Automotive Parts"), ("336350", "4", "Automotive Parts"),
    ("336320", "4", "Automotive Parts"), ("326199", "38", "Plastic Products"),
    ("332710", "116", "Industrial Machinery and Distribution"),
    ("333517", "32", "Machine Tools and Accessories"),
    ("333111", "40", "Agricultural and Construction Machinery and Components"),
    ("323111", "39", "Printing Services"), ("313210", "42", "Fabric Mills"),
    ("334413", "23", "Semiconductors"), ("334516", "23", "Process and Laboratory Instruments"),
    ("334510", "23", "Medical Apparatus"),
    ("339112", "30", "Surgical and Dental Instruments and Supplies"),
    ("339113", "30", "Surgical and Dental Instruments and Supplies"),
    ("325412", "5", "Biopharmaceutical Products"), ("311211", "18", "Baked Goods"),
    ("311513", "18", "Dairy Products"), ("311612", "28", "Meat Processing"),
    ("311812", "101", "Commercial and Retail Bakeries"), ("541511", "6", "Computer Services"),
    ("541512", "6", "Computer Services"), ("518210", "6", "Computer Services"),
    ("541715", "13", "Research and Development in the Physical, Engineering, and Life Sciences "
                     "(except Nanotechnology and Biotechnology)"),
    ("541330", "6", "Engineering Services"), ("551114", "6", "Corporate Headquarters"),
    ("423430", "10", "Wholesale of Professional and Commercial Equipment and Supplies"),
    ("424210", "10", "Wholesale of Drugs and Druggists' Sundries"),
    ("423120", "108", "Automotive Parts Wholesaling"), ("493110", "10", "Warehousing and Storage"),
    ("484121", "45", "Trucking"), ("481112", "45", "Air Transportation"),
    ("492110", "105", "Local Transportation Services"),
    ("488510", "45", "Ground Transportation Support Activities"),
    ("621111", "103", "Healthcare Provider Offices"), ("622110", "103", "Hospitals"),
    ("623110", "103", "Home and Residential Care"),
    ("522110", "107", "Deposit-taking Institutions"), ("522320", "16", "Credit Intermediation"),
    ("524113", "24", "Insurance Carriers"), ("524126", "24", "Insurance Carriers"),
    ("524210", "107", "Insurance Agents and Brokers"), ("115112", "2", "Agricultural Services"),
    ("212312", "34", "Nonmetal Mining"), ("221122", "104", "Electric Power Distribution"),
    ("236220", "115", "General Contractors"), ("238220", "115", "Specialty Contractors"),
    ("445110", "101", "Retail Food Stores"), ("441110", "108", "Automobile Dealers"),
    ("531110", "115", "Real Estate Services"), ("561720", "112", "Building Support Services"),
    ("561320", "112", "Local Professional Services"),
    ("611310", "13", "Colleges, Universities, and Professional Schools"),
    ("713940", "111", "Recreational Facilities and Instruction"),
    ("722511", "111", "Hospitality Establishments"), ("813110", "114", "Religious Organizations"),
)
#: Official cluster names (US Cluster Mapping) of the clusters the sample uses.
CLUSTER_NAMES = {
    "2": "Agricultural Inputs and Services", "4": "Automotive", "5": "Biopharmaceuticals",
    "6": "Business Services", "10": "Distribution and Electronic Commerce",
    "13": "Education and Knowledge Creation", "16": "Financial Services",
    "18": "Food Processing and Manufacturing",
    "23": "Information Technology and Analytical Instruments", "24": "Insurance Services",
    "28": "Livestock Processing", "30": "Medical Devices", "32": "Metalworking Technology",
    "34": "Nonmetal Mining", "38": "Plastics", "39": "Printing Services",
    "40": "Production Technology and Heavy Machinery", "42": "Textile Manufacturing",
    "45": "Transportation and Logistics",
    "101": "Local Food and Beverage Processing and Distribution", "103": "Local Health Services",
    "104": "Local Utilities", "105": "Local Logistical Services", "107": "Local Financial Services",
    "108": "Local Motor Vehicle Products and Services", "111": "Local Hospitality Establishments",
    "112": "Local Commercial Services", "114": "Local Community and Civic Organizations",
    "115": "Local Real Estate, Construction, and Development",
    "116": "Local Industrial Products and Services",
}
PEER_COUNT = 30


@dataclass
class SampleFiles:
    """The sample files by role, and what the workspace needs to know about them."""

    folder: Path
    qcew: list[Path]
    crosswalk: Path
    peers: Path
    targets: Path
    sector_fdi: Path
    assets: Path
    countries: Path
    exports: Path
    partnerships: Path
    fdi: Path
    survey: Path
    county_centres: Path
    readme: Path
    counties: list[str] = field(default_factory=lambda: list(COUNTIES))
    region_name: str = REGION_NAME
    years: list[int] = field(default_factory=lambda: list(YEARS))
    centre: tuple[float, float] = CENTRE

    def all_paths(self) -> list[Path]:
        """Every file written, in a stable order."""
        return [*self.qcew, self.crosswalk, self.peers, self.targets, self.sector_fdi, self.assets,
                self.countries, self.exports, self.partnerships, self.fdi, self.survey,
                self.county_centres, self.readme]


def write_sample_files(folder: str | Path, *, seed: int = 2024) -> SampleFiles:
    """Write every SAMPLE file into ``folder`` (created if needed) and list them by role.

    Deterministic: the same ``seed`` writes byte-identical files. Each part
    draws from its own generator, so changing one part leaves the others alone.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    rngs = [np.random.default_rng([seed, part]) for part in range(8)]
    qcew = build_qcew(rngs[0])
    paths = {
        "qcew": write_qcew_files(folder, qcew),
        "crosswalk": _write_crosswalk(folder / "SAMPLE_cluster_crosswalk.csv"),
        "peers": _write_csv(folder / "SAMPLE_peer_clusters.csv", _peer_rows(rngs[1], qcew)),
    }
    paths.update(_write_sector_tables(folder, rngs[2]))
    paths.update(_write_market_tables(folder, rngs[3:8]))
    paths["county_centres"] = _write_user_table(folder / "SAMPLE_county_centres.csv",
                                                _county_centre_rows())
    paths["readme"] = _write_readme(folder / "SAMPLE_README.txt")
    return SampleFiles(folder=folder, **paths)


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


# ---------------------------------------------------------------------------
# clusters: crosswalk and peer regions
# ---------------------------------------------------------------------------

def cluster_type(code: str) -> str:
    """``traded`` for clusters 1-51, ``local`` for 101-116."""
    return "traded" if int(code) < 100 else "local"


def _write_crosswalk(path: Path) -> Path:
    """The sample industries' clusters; a ``note`` column labels every row SAMPLE."""
    rows = [{"naics": naics, "cluster_code": code, "cluster_name": CLUSTER_NAMES[code],
             "type": cluster_type(code), "subcluster": sub,
             "note": f"{SAMPLE_NOTE} (official cluster assignment; sample industries only)"}
            for naics, code, sub in CROSSWALK]
    return _write_csv(path, rows)


def _traded_clusters(qcew: pd.DataFrame) -> pd.DataFrame:
    """U.S. employment, establishments and pay of each traded cluster by year."""
    us = qcew[(qcew["area_fips"] == US_AREA) & (qcew["agglvl_code"] == "18") & qcew["year"].isin(YEARS)]
    codes = {naics: code for naics, code, _ in CROSSWALK if cluster_type(code) == "traded"}
    us = us[us["industry_code"].isin(codes)].assign(cluster=lambda d: d["industry_code"].map(codes))
    return us.groupby(["cluster", "year"], as_index=False)[
        ["annual_avg_emplvl", "annual_avg_estabs", "total_annual_wages"]].sum()


def _peer_rows(rng, qcew: pd.DataFrame) -> list[dict]:
    """Invented peer regions in the US Cluster Mapping API layout (traded clusters)."""
    clusters = _traded_clusters(qcew)
    us_traded = clusters.groupby("year")["annual_avg_emplvl"].sum()
    rows = []
    for peer in range(1, PEER_COUNT + 1):
        traded = math.exp(rng.normal(math.log(250_000), 0.7))
        region_growth = rng.normal(0.01, 0.01)
        lq = {c: math.exp(rng.normal(0, 0.6)) for c in sorted(clusters["cluster"].unique(), key=int)}
        trend = {c: rng.normal(0, 0.02) for c in lq}
        for rec in clusters.sort_values(["cluster", "year"]).itertuples(index=False):
            t = rec.year - YEARS[0]
            share = rec.annual_avg_emplvl / us_traded[rec.year]  # the cluster's U.S. share
            region_traded = traded * (1 + region_growth) ** t
            emp = round(region_traded * share * lq[rec.cluster] * (1 + trend[rec.cluster]) ** t)
            rows.append(_peer_row(peer, rec, emp, region_traded, share))
    return _rank_and_flag(rows)


def _peer_row(peer: int, rec, emp: int, traded: float, share: float) -> dict:
    """One region x cluster x year row (USCMP API field names)."""
    name = CLUSTER_NAMES[rec.cluster]
    pay = rec.total_annual_wages / rec.annual_avg_emplvl
    size = rec.annual_avg_emplvl / rec.annual_avg_estabs
    code = f"99{peer:02d}0"
    region = f"Peer Region {peer:02d} (SAMPLE)"
    ap = round(emp * pay / 1000)
    return {
        "id": f"cluster/msa/{code}/{rec.cluster}/{rec.year}", "type_t": "cluster",
        "cluster_name_t": name, "cluster_code_t": rec.cluster,
        "key_t": _key(name), "year_t": rec.year, "region_type_t": "msa", "region_code_t": code,
        "region_name_t": region, "region_short_name_t": f"Peer {peer:02d} (SAMPLE)",
        "region_area_type_t": "msa", "region_key_t": _key(region), "traded_b": "TRUE",
        "subcluster_b": "FALSE", "empflag_t": "", "emp_tl": emp, "emp_reported_tl": emp,
        "qp1_tl": round(ap * 0.24), "est_tl": max(1, round(emp / size)), "ap_tl": ap,
        "private_wage_tf": round(ap * 1000 / emp, 3) if emp else 0.0,
        "rec_count_tl": sum(1 for _, c, _s in CROSSWALK if c == rec.cluster),
        "supression_b": "FALSE", "naics_b": "TRUE",
        "lq_tf": round(emp / traded / share, 7) if share else 0.0,
        "region_emp_per_tf": round(emp / (traded / 0.36), 7),
        "cluster_emp_per_tf": round(emp / rec.annual_avg_emplvl, 9),
    }


def _key(name: str) -> str:
    return "_".join("".join(ch if ch.isalnum() else " " for ch in name.lower()).split())


def _rank_and_flag(rows: list[dict]) -> list[dict]:
    """Ranks within each cluster-year and the USCMP flags among the peers (methods.md §2)."""
    frame = pd.DataFrame(rows)
    group = frame.groupby(["cluster_code_t", "year_t"])
    for col in ("emp_tl", "private_wage_tf", "lq_tf", "est_tl"):
        ranks = group[col].rank(ascending=False, method="min").astype("int64")
        frame[f"{col}_rank_i"] = ranks
        frame[f"{col}_per_rank_i"] = ranks
    frame["timestamp"] = "2024-06-30T00:00:00.000Z"
    # pandas' quantile interpolates linearly, as numpy's percentile does by default
    pct = lambda col, q: group[col].transform("quantile", q / 100)  # noqa: E731
    big = (frame["emp_tl"] > pct("emp_tl", 25)) & (frame["est_tl"] > pct("est_tl", 25))
    lq = frame["lq_tf"]
    flags = {"qualifying_b": big & (lq > pct("lq_tf", 25)),
             "significant_b": big & (lq > pct("lq_tf", 50)),
             "strong_b": big & (lq >= pct("lq_tf", 75)) & (lq >= 1),
             "strong10_b": big & (lq >= pct("lq_tf", 90)) & (lq >= 1)}
    for col, flag in flags.items():
        frame[col] = np.where(flag, "TRUE", "FALSE")
    frame["cluster_type"] = "traded"
    return frame.to_dict("records")


# ---------------------------------------------------------------------------
# user tables for the target-sector ranking
# ---------------------------------------------------------------------------

STATE_SOURCE = "Sample State Department of Development (SAMPLE)"
STATE_TARGETS = (  # target, kind, priority (1 highest to 3), note
    ("Automotive", "cluster", 1, "Advanced mobility: parts, EV electrical systems"),
    ("Information Technology and Analytical Instruments", "cluster", 1,
     "Semiconductors and instruments; new fab in Sample County B"),
    ("Biopharmaceuticals", "cluster", 2, "Life sciences corridor"),
    ("Medical Devices", "cluster", 2, "Life sciences corridor"),
    ("Distribution and Electronic Commerce", "cluster", 2, "Logistics hub strategy"),
    ("Food Processing and Manufacturing", "cluster", 2, "Agribusiness and food"),
    ("Insurance Services", "cluster", 3, "Financial services retention"),
    ("334413", "naics", 1, "Semiconductor manufacturing (NAICS 334413)"),
)
SECTOR_FDI = (  # cluster, foreign establishments, companies, jobs
    ("Automotive", 14, 9, 6200), ("Information Technology and Analytical Instruments", 5, 4, 1400),
    ("Biopharmaceuticals", 3, 2, 650), ("Medical Devices", 4, 3, 820),
    ("Distribution and Electronic Commerce", 11, 8, 2300), ("Food Processing and Manufacturing", 3, 3, 540),
    ("Insurance Services", 2, 2, 900), ("Plastics", 6, 5, 1100), ("Business Services", 9, 7, 1800),
    ("Transportation and Logistics", 4, 4, 700),
)
ASSETS = (  # sector, asset, strength (1 some to 3 exceptional)
    ("Automotive", "Sample Tech Automotive Research Center (SAMPLE)", 3),
    ("Automotive", "Interstate corridor with two intermodal terminals (SAMPLE)", 2),
    ("Information Technology and Analytical Instruments",
     "Semiconductor fab site with utilities in place (SAMPLE)", 3),
    ("Information Technology and Analytical Instruments",
     "State university engineering college (SAMPLE)", 2),
    ("Biopharmaceuticals", "Academic medical center (SAMPLE)", 3),
    ("Distribution and Electronic Commerce", "Cargo airport with foreign-trade zone (SAMPLE)", 3),
    ("Food Processing and Manufacturing", "Agricultural research station (SAMPLE)", 2),
    ("Insurance Services", "Insurance headquarters cluster downtown (SAMPLE)", 1),
)


def _write_sector_tables(folder: Path, rng) -> dict[str, Path]:
    """State targets, foreign investment by sector and unique assets."""
    targets = [{"target": t, "kind": k, "priority": p, "source": STATE_SOURCE, "note": n}
               for t, k, p, n in STATE_TARGETS]
    fdi = [{"sector": s, "foreign_establishments": e, "foreign_companies": c,
            "jobs": round(j * rng.lognormal(0, 0.05)), "year": YEARS[-1],
            "source": "Sample state FDI survey (SAMPLE)"} for s, e, c, j in SECTOR_FDI]
    assets = [{"sector": s, "asset": a, "strength": st} for s, a, st in ASSETS]
    return {"targets": _write_user_table(folder / "SAMPLE_state_targets.csv", targets),
            "sector_fdi": _write_user_table(folder / "SAMPLE_sector_fdi.csv", fdi),
            "assets": _write_user_table(folder / "SAMPLE_assets.csv", assets)}


# ---------------------------------------------------------------------------
# user tables for the target-market ranking
# ---------------------------------------------------------------------------

#: Rough magnitudes (GDP $bn, growth %, population m, imports % GDP, FDI inflows $bn,
#: WGI control of corruption, rule of law, regulatory quality, CPI score, ease of doing
#: business rank, Special 301 status, capital latitude and longitude); perturbed on output.
COUNTRIES = (
    ("CAN", 2140, 1.2, 40.1, 34, 50, 1.7, 1.6, 1.6, 76, 23, "watch_list", 45.42, -75.70),
    ("MEX", 1790, 3.2, 128.5, 40, 36, -0.9, -0.8, 0.0, 31, 60, "watch_list", 19.43, -99.13),
    ("CHN", 17800, 5.2, 1410.0, 17, 33, -0.3, 0.0, -0.3, 42, 31, "priority_watch_list", 39.90, 116.41),
    ("JPN", 4210, 1.9, 124.5, 22, 21, 1.5, 1.5, 1.4, 73, 29, "none", 35.68, 139.69),
    ("DEU", 4460, -0.3, 84.5, 44, 36, 1.8, 1.6, 1.6, 78, 22, "none", 52.52, 13.40),
    ("GBR", 3340, 0.1, 68.3, 33, 15, 1.6, 1.5, 1.5, 71, 8, "none", 51.51, -0.13),
    ("KOR", 1710, 1.4, 51.7, 44, 18, 1.0, 1.1, 1.1, 63, 5, "none", 37.57, 126.98),
    ("FRA", 3030, 0.9, 68.2, 35, 42, 1.2, 1.3, 1.1, 71, 32, "none", 48.86, 2.35),
    ("IND", 3550, 8.2, 1428.0, 23, 28, -0.3, 0.0, -0.3, 39, 63, "priority_watch_list", 28.61, 77.21),
    ("BRA", 2170, 2.9, 216.0, 18, 64, -0.4, -0.3, -0.2, 36, 124, "watch_list", -15.79, -47.88),
    ("NLD", 1120, 0.1, 17.9, 72, 20, 1.9, 1.7, 1.8, 79, 42, "none", 52.37, 4.90),
    ("ITA", 2250, 0.9, 59.0, 32, 20, 0.5, 0.3, 0.6, 56, 58, "none", 41.90, 12.50),
    ("ESP", 1580, 2.5, 48.4, 34, 36, 0.8, 0.9, 0.8, 60, 31, "none", 40.42, -3.70),
    ("AUS", 1720, 2.0, 26.6, 22, 30, 1.7, 1.6, 1.8, 75, 14, "none", -35.28, 149.13),
    ("ISR", 510, 2.0, 9.7, 27, 16, 0.8, 0.9, 1.2, 62, 35, "none", 31.77, 35.21),
    ("CHE", 880, 0.7, 8.8, 53, 10, 2.0, 1.8, 1.6, 82, 36, "none", 46.95, 7.45),
    ("SGP", 500, 1.1, 5.9, 150, 160, 2.2, 1.8, 2.3, 83, 2, "none", 1.35, 103.82),
    ("VNM", 430, 5.0, 100.3, 85, 18, -0.4, -0.1, -0.5, 41, 70, "watch_list", 21.03, 105.85),
    ("COL", 360, 0.6, 52.1, 22, 17, -0.3, -0.5, 0.4, 40, 67, "watch_list", 4.71, -74.07),
    ("CHL", 335, 0.2, 19.6, 31, 21, 1.0, 0.9, 1.1, 66, 59, "priority_watch_list", -33.45, -70.67),
    ("IRL", 545, 1.0, 5.3, 95, 25, 1.5, 1.4, 1.6, 77, 24, "none", 53.35, -6.26),
    ("SAU", 1070, -0.8, 36.9, 25, 12, 0.2, 0.1, 0.1, 52, 62, "none", 24.71, 46.68),
    ("ARE", 500, 3.4, 9.5, 75, 30, 0.8, 0.8, 1.0, 68, 16, "none", 24.45, 54.38),
    ("POL", 810, 0.2, 36.7, 50, 28, 0.6, 0.5, 0.9, 54, 40, "none", 52.23, 21.01),
    ("THA", 515, 1.9, 71.8, 60, 4.5, -0.4, 0.0, 0.1, 35, 21, "watch_list", 13.76, 100.50),
    ("IDN", 1370, 5.0, 277.5, 20, 22, -0.4, -0.3, -0.1, 34, 73, "priority_watch_list", -6.21, 106.85),
)
#: U.S. free-trade agreements in force with the sample's countries (USMCA, KORUS, ...).
FTA_PARTNERS = frozenset({"CAN", "MEX", "KOR", "AUS", "ISR", "SGP", "COL", "CHL"})
CONTIGUOUS = frozenset({"CAN", "MEX"})
#: Export destinations: share of the region's 2018 exports and annual growth.
DESTINATIONS = (
    ("CAN", 0.28, 0.02), ("MEX", 0.17, 0.05), ("CHN", 0.07, -0.03), ("JPN", 0.05, 0.01),
    ("DEU", 0.045, 0.02), ("GBR", 0.04, 0.0), ("KOR", 0.03, 0.04), ("FRA", 0.025, 0.01),
    ("IND", 0.02, 0.10), ("BRA", 0.018, 0.03), ("NLD", 0.02, 0.02), ("AUS", 0.015, 0.03),
    ("ISR", 0.008, 0.05), ("CHE", 0.012, 0.02), ("SGP", 0.012, 0.04), ("VNM", 0.008, 0.12),
    ("COL", 0.007, 0.04), ("CHL", 0.006, 0.01), ("IRL", 0.01, 0.06), ("POL", 0.006, 0.07),
)
REGION_EXPORTS_2018 = 5.0e9
#: The sample's priority 3-digit NAICS and their usual share of a destination's exports.
EXPORT_SECTORS = {"336": 0.25, "334": 0.12, "325": 0.10, "311": 0.08, "333": 0.09}
SECTOR_TILTS = {("CAN", "336"): 1.3, ("MEX", "336"): 1.5, ("CHN", "311"): 1.8, ("CHN", "334"): 1.3,
                ("JPN", "325"): 1.6, ("DEU", "333"): 1.6, ("IND", "334"): 1.5, ("VNM", "334"): 1.7,
                ("IRL", "325"): 2.0, ("CHE", "325"): 1.8}
EXPORT_COVID = {2020: 0.88, 2021: 0.97}
#: U.S. goods exports to each sample country in 2023, $bn (rough magnitudes; perturbed on output).
US_EXPORTS_2023 = {
    "CAN": 354, "MEX": 323, "CHN": 148, "JPN": 76, "DEU": 77, "GBR": 74, "KOR": 65, "FRA": 43,
    "IND": 40, "BRA": 45, "NLD": 84, "ITA": 28, "ESP": 23, "AUS": 35, "ISR": 14, "CHE": 27,
    "SGP": 46, "VNM": 10, "COL": 19, "CHL": 17, "IRL": 18, "SAU": 20, "ARE": 25, "POL": 14,
    "THA": 17, "IDN": 10,
}
#: U.S. goods exports by year relative to 2023 (the 2020 slump, the 2022 price surge).
US_EXPORT_INDEX = {2018: 0.82, 2019: 0.81, 2020: 0.70, 2021: 0.87, 2022: 1.02, 2023: 1.0}
#: Census-style 3-digit NAICS export codes of the sample's goods industries and their usual share
#: of U.S. goods exports. Census's NAICS-based export series cover goods only (crops, animals,
#: mining, manufacturing), so the sample's service industries (wholesale, warehousing, IT, ...)
#: have no rows here, as with real data: their demand falls back to the imports proxy.
NATION_SECTORS = {"111": 0.032, "112": 0.002, "212": 0.015, "311": 0.040, "313": 0.003,
                  "323": 0.003, "325": 0.110, "326": 0.020, "332": 0.020, "333": 0.070,
                  "334": 0.090, "336": 0.140, "339": 0.035}
#: Destinations that buy more (or less) of a product than the U.S. average.
NATION_TILTS = {
    ("CHN", "111"): 4.0, ("CHN", "112"): 1.5, ("CHN", "212"): 2.0, ("CHN", "336"): 0.6,
    ("CHN", "334"): 1.2, ("JPN", "111"): 2.5, ("JPN", "311"): 2.0, ("JPN", "325"): 1.4,
    ("KOR", "111"): 1.5, ("KOR", "334"): 1.5, ("KOR", "212"): 1.5, ("MEX", "111"): 1.5,
    ("MEX", "311"): 1.5, ("MEX", "326"): 2.0, ("MEX", "332"): 1.6, ("MEX", "334"): 1.3,
    ("MEX", "313"): 2.5, ("CAN", "336"): 1.6, ("CAN", "311"): 1.2, ("CAN", "326"): 1.4,
    ("CAN", "332"): 1.5, ("CAN", "333"): 1.2, ("DEU", "336"): 1.5, ("DEU", "325"): 1.3,
    ("DEU", "334"): 1.3, ("DEU", "339"): 1.5, ("GBR", "336"): 1.3, ("GBR", "325"): 1.2,
    ("FRA", "336"): 2.0, ("FRA", "325"): 1.3, ("NLD", "325"): 1.8, ("NLD", "339"): 1.5,
    ("IRL", "325"): 3.0, ("IRL", "334"): 1.2, ("CHE", "325"): 2.0, ("CHE", "339"): 2.0,
    ("SGP", "334"): 1.5, ("SGP", "336"): 1.5, ("VNM", "111"): 3.0, ("VNM", "313"): 5.0,
    ("VNM", "112"): 2.0, ("IND", "212"): 2.5, ("IND", "325"): 1.3, ("IND", "111"): 1.5,
    ("BRA", "325"): 1.5, ("SAU", "336"): 2.0, ("SAU", "333"): 1.5, ("ARE", "336"): 2.0,
    ("ARE", "333"): 1.3, ("ISR", "334"): 1.3, ("ISR", "336"): 1.3, ("AUS", "336"): 1.3,
    ("AUS", "333"): 1.4, ("COL", "311"): 1.5, ("CHL", "311"): 1.5, ("THA", "111"): 1.5,
    ("THA", "334"): 1.4, ("IDN", "111"): 2.5, ("IDN", "313"): 3.0, ("POL", "336"): 1.3,
}
NATION_AREA = "US"
NATION_SOURCE = "Sample U.S. exports by NAICS (SAMPLE)"
PARTNERSHIPS = (  # city, partner, country, type, since, strength
    ("Sample City", "Querétaro", "MEX", "sister_city", 2004, 3),
    ("Sample City", "Windsor", "CAN", "sister_city", 1996, 3),
    ("Sample City", "Toyota City", "JPN", "sister_city", 1992, 2),
    ("Sample City", "Hefei", "CHN", "sister_city", 2012, 1),
    ("Sample Town B", "Ingolstadt", "DEU", "sister_city", 2008, 2),
    ("Sample State University (SAMPLE)", "Partner Institute of Technology (SAMPLE), Pune", "IND",
     "academic", 2016, 2),
    ("Sample State University (SAMPLE)", "Partner University (SAMPLE), Seoul", "KOR", "research", 2019, 2),
    ("Sample Innovation District (SAMPLE)", "Partner Innovation Hub (SAMPLE), Dublin", "IRL",
     "innovation", 2021, 1),
    ("Sample Medical Center (SAMPLE)", "Partner Hospital Network (SAMPLE), Tel Aviv", "ISR", "research", 2018, 2),
    ("Sample County C", "Partner Dairy Cooperative (SAMPLE), Friesland", "NLD", "business", 2014, 1),
)
FDI_INVESTORS = (  # country, sector (cluster), establishments, jobs, company
    ("JPN", "Automotive", 5, 2600, "Sample Auto Parts K.K. (SAMPLE)"),
    ("JPN", "Plastics", 2, 380, "Sample Resin Co., Ltd. (SAMPLE)"),
    ("DEU", "Automotive", 3, 1500, "Sample Antriebstechnik GmbH (SAMPLE)"),
    ("DEU", "Medical Devices", 1, 420, "Sample Medizintechnik AG (SAMPLE)"),
    ("CAN", "Distribution and Electronic Commerce", 4, 900, "Sample Logistics Inc. (SAMPLE)"),
    ("MEX", "Food Processing and Manufacturing", 2, 310, "Sample Alimentos S.A. (SAMPLE)"),
    ("KOR", "Information Technology and Analytical Instruments", 1, 650, "Sample Semicon Co. (SAMPLE)"),
    ("GBR", "Insurance Services", 2, 900, "Sample Assurance plc (SAMPLE)"),
    ("FRA", "Biopharmaceuticals", 1, 350, "Sample Pharma SA (SAMPLE)"),
    ("CHE", "Biopharmaceuticals", 1, 300, "Sample Life Sciences AG (SAMPLE)"),
    ("IND", "Business Services", 3, 1100, "Sample Infotech Ltd. (SAMPLE)"),
    ("NLD", "Distribution and Electronic Commerce", 2, 480, "Sample Forwarding B.V. (SAMPLE)"),
)
SURVEY_COMPANIES = 30
#: Where the sample's exporter clients see growth (relative chance of being named).
SURVEY_MARKETS = {"CAN": 5, "MEX": 6, "DEU": 3, "JPN": 2, "GBR": 2, "IND": 3, "KOR": 2,
                  "VNM": 2, "BRA": 1, "AUS": 1, "CHN": 1, "IRL": 1}
COUNTY_CENTRES = {"99001": (40.02, -82.99), "99003": (40.25, -83.35), "99005": (39.70, -82.60)}


def _write_market_tables(folder: Path, rngs: list) -> dict[str, Path]:
    """Country indicators, exports, partnerships, foreign investors and the client survey."""
    country_rng, export_rng, fdi_rng, survey_rng, nation_rng = rngs
    exports = _export_rows(export_rng) + _nation_export_rows(nation_rng)
    return {
        "countries": _write_user_table(folder / "SAMPLE_countries.csv", _country_rows(country_rng)),
        "exports": _write_user_table(folder / "SAMPLE_exports.csv", exports),
        "partnerships": _write_user_table(folder / "SAMPLE_partnerships.csv", _partnership_rows()),
        "fdi": _write_user_table(folder / "SAMPLE_fdi.csv", _fdi_rows(fdi_rng)),
        "survey": _write_user_table(folder / "SAMPLE_survey.csv", _survey_rows(survey_rng)),
    }


def _country_rows(rng) -> list[dict]:
    """One row per country for the latest sample year, perturbed from rough magnitudes."""
    rows = []
    for iso, gdp, growth, pop, imports, fdi, cc, rl, rq, cpi, db, s301, lat, lon in COUNTRIES:
        gdp_usd = round(gdp * 1e9 * rng.lognormal(0, 0.03), -6)
        population = round(pop * 1e6 * rng.lognormal(0, 0.01), -3)
        rows.append({
            "country": iso, "year": YEARS[-1], "gdp_usd": int(gdp_usd),
            "gdp_growth_pct": round(growth + rng.normal(0, 0.3), 1),
            "gdp_per_capita_usd": round(gdp_usd / population),
            "imports_pct_gdp": round(imports * rng.lognormal(0, 0.03), 1),
            "merch_imports_usd": int(round(gdp_usd * imports / 100 * 0.8, -6)),
            "population": int(population), "fdi_inflows_usd": int(round(fdi * 1e9 * rng.lognormal(0, 0.1), -6)),
            "control_of_corruption": round(cc + rng.normal(0, 0.05), 2),
            "rule_of_law": round(rl + rng.normal(0, 0.05), 2),
            "regulatory_quality": round(rq + rng.normal(0, 0.05), 2),
            "cpi_score": int(min(100, max(0, cpi + rng.integers(-2, 3)))), "doing_business_rank": db,
            "special301": s301, "lat": lat, "lon": lon,
            "contiguous_us": "yes" if iso in CONTIGUOUS else "no",
            "fta_partner": "yes" if iso in FTA_PARTNERS else "no",
        })
    return rows


def _export_rows(rng) -> list[dict]:
    """Region exports by destination and year: totals (naics '') and priority sectors."""
    rows = []
    for iso, share, growth in DESTINATIONS:
        tilts = {s: SECTOR_TILTS.get((iso, s), 1.0) * rng.lognormal(0, 0.15) for s in EXPORT_SECTORS}
        weights = {s: EXPORT_SECTORS[s] * tilts[s] for s in EXPORT_SECTORS}
        scale = min(1.0, 0.75 / sum(weights.values()))  # priority sectors stay below the total
        for year in YEARS:
            total = (REGION_EXPORTS_2018 * share * (1 + growth) ** (year - YEARS[0])
                     * EXPORT_COVID.get(year, 1.0) * rng.lognormal(0, 0.04))
            rows.append(_export_row(iso, year, total, ""))
            for sector, weight in weights.items():
                rows.append(_export_row(iso, year, total * weight * scale * rng.lognormal(0, 0.05), sector))
    return rows


def _nation_export_rows(rng) -> list[dict]:
    """U.S. goods exports by destination, year and 3-digit NAICS (scope nation, area US).

    What the demand factor reads for the priority sectors: each country's
    U.S. total split by :data:`NATION_SECTORS` shares, tilted by
    :data:`NATION_TILTS`, following the U.S. export cycle with a trend of its own.
    """
    rows = []
    for iso, total_bn in US_EXPORTS_2023.items():
        trend = rng.normal(0.0, 0.02)  # the country's growth relative to all U.S. exports
        mix = {s: share * NATION_TILTS.get((iso, s), 1.0) * rng.lognormal(0, 0.15)
               for s, share in NATION_SECTORS.items()}
        scale = min(1.0, 0.9 / sum(mix.values()))  # the listed products stay below all goods
        for year in YEARS:
            total = (total_bn * 1e9 * US_EXPORT_INDEX[year] * (1 + trend) ** (year - YEARS[-1])
                     * rng.lognormal(0, 0.03))
            for sector, weight in mix.items():
                value = total * weight * scale * rng.lognormal(0, 0.05)
                rows.append(_export_row(iso, year, value, sector, scope="nation", area=NATION_AREA,
                                        source=NATION_SOURCE))
    return rows


def _export_row(iso: str, year: int, value: float, naics: str, *, scope: str = "region",
                area: str = AREA_NAME, source: str = "Sample export records (SAMPLE)") -> dict:
    return {"country": iso, "year": year, "value_usd": int(round(value, -3)), "naics": naics,
            "scope": scope, "area": area, "source": source}


def _partnership_rows() -> list[dict]:
    return [{"city": c, "partner": p, "country": iso, "type": t, "since": s, "strength": st,
             "note": "SAMPLE — invented relationship"} for c, p, iso, t, s, st in PARTNERSHIPS]


def _fdi_rows(rng) -> list[dict]:
    return [{"country": iso, "establishments": e, "jobs": round(j * rng.lognormal(0, 0.05)),
             "sector": s, "company": co, "year": YEARS[-1]} for iso, s, e, j, co in FDI_INVESTORS]


def _survey_rows(rng) -> list[dict]:
    """Exporter clients naming one to three growth markets each."""
    markets = list(SURVEY_MARKETS)
    chance = np.array([SURVEY_MARKETS[m] for m in markets], dtype=float)
    chance /= chance.sum()
    rows = []
    for number in range(1, SURVEY_COMPANIES + 1):
        picks = rng.choice(len(markets), size=int(rng.integers(1, 4)), replace=False, p=chance)
        for rank, pick in enumerate(picks):  # the first market named counts double
            rows.append({"company": f"Sample Co. {number}", "country": markets[pick],
                         "weight": 2 if rank == 0 else 1, "year": YEARS[-1],
                         "note": "SAMPLE survey answer"})
    return rows


def _county_centre_rows() -> list[dict]:
    return [{"county_fips": fips, "name": COUNTIES[fips], "lat": lat, "lon": lon}
            for fips, (lat, lon) in COUNTY_CENTRES.items()]


# ---------------------------------------------------------------------------
# writers
# ---------------------------------------------------------------------------

def _csv_text(rows: Iterable[dict], title: str | None = None) -> str:
    rows = list(rows)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    if title:
        writer.writerow([title])
    header = list(rows[0])
    writer.writerow(header)
    writer.writerows([row[c] for c in header] for row in rows)
    return out.getvalue()


def _write_csv(path: Path, rows: list[dict]) -> Path:
    """A plain CSV (header on line 1), UTF-8."""
    path.write_bytes(_csv_text(rows).encode("utf-8"))
    return path


def _write_user_table(path: Path, rows: list[dict]) -> Path:
    """A user table with the SAMPLE title row above its header.

    Written with a UTF-8 byte-order mark so that Excel shows the title's dash
    and accented names (Querétaro) correctly; the importers accept it.
    """
    path.write_bytes(_csv_text(rows, title=SAMPLE_NOTE).encode("utf-8-sig"))
    return path


def _write_readme(path: Path) -> Path:
    lines = [
        SAMPLE_NOTE, "",
        "Every file in this folder whose name starts with SAMPLE_ was invented by exportplan's",
        "demo builder (exportplan.demo.sample). None of it is real data. The region, its counties",
        f"({', '.join(f'{k} {v}' for k, v in COUNTIES.items())}) and the state FIPS code 99 do not",
        "exist; peer regions, companies, partnerships and survey answers are fictional.",
        "",
        "SAMPLE_qcew_{year}_annual_area_{fips}.csv follow the BLS QCEW annual area-slice layout",
        f"(38 columns) for {YEARS[0]}-{YEARS[-1]}. Their economy has only the sample's "
        f"{len(INDUSTRIES)} six-digit",
        "industries, so U.S. totals are smaller than the real U.S. economy. Parents are exact sums",
        "of their children; withheld cells (disclosure_code N) show 0 as BLS writes them.",
        "Location quotients use the BLS base (all-ownership total covered employment).",
        "",
        "SAMPLE_exports.csv holds the region's exports by destination (scope region) and",
        "U.S. goods exports by destination and 3-digit NAICS (scope nation, area US) shaped like",
        "Census's NAICS-based series, which cover goods only: service sectors have no such rows.",
        "",
        "Country indicators are rough, perturbed magnitudes for demonstration only: use the",
        "real World Bank, Transparency International and USTR sources for a real plan.",
    ]
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
    return path
