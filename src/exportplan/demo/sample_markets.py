"""The sample's user tables for ranking target markets, and the county centres.

Country indicators, the region's and the U.S. exports by destination,
partnerships, foreign investors and the exporter survey: rough magnitudes,
perturbed on output.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from .sample_common import AREA_NAME, COUNTIES, YEARS, write_user_table

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


def write_market_tables(folder: Path, rngs: list) -> dict[str, Path]:
    """Country indicators, exports, partnerships, foreign investors and the client survey."""
    country_rng, export_rng, fdi_rng, survey_rng, nation_rng = rngs
    exports = _export_rows(export_rng) + _nation_export_rows(nation_rng)
    return {
        "countries": write_user_table(folder / "SAMPLE_countries.csv", _country_rows(country_rng)),
        "exports": write_user_table(folder / "SAMPLE_exports.csv", exports),
        "partnerships": write_user_table(folder / "SAMPLE_partnerships.csv", _partnership_rows()),
        "fdi": write_user_table(folder / "SAMPLE_fdi.csv", _fdi_rows(fdi_rng)),
        "survey": write_user_table(folder / "SAMPLE_survey.csv", _survey_rows(survey_rng)),
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


def county_centre_rows() -> list[dict]:
    return [{"county_fips": fips, "name": COUNTIES[fips], "lat": lat, "lon": lon}
            for fips, (lat, lon) in COUNTY_CENTRES.items()]

