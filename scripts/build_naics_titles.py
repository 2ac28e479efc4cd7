"""Build src/exportplan/data/naics_titles.csv: titles of every NAICS level and QCEW code.

Sources (public domain):
- U.S. Census Bureau, "2-6 digit 2017 Code File", https://www.census.gov/naics/2017NAICS/2-6%20digit_2017_Codes.xlsx
- U.S. Census Bureau, "2-6 digit 2022 Code File", https://www.census.gov/naics/2022NAICS/2-6%20digit_2022_Codes.xlsx
- U.S. Bureau of Labor Statistics, QCEW industry titles ``industry_titles.csv``,
  https://data.bls.gov/cew/doc/titles/industry/industry_titles.csv (QCEW aggregates such as 10, 101, 1011,
  older NAICS codes and the BLS-only construction splits such as 238111)

Each Census file may be the .xlsx as downloaded or a CSV of its code and title columns (such as the
project's test copies in ../shared/data/naics/). Output columns: naics, title, level, vintage. Rows of
vintage 2017 and 2022 hold every code of that Census file; rows with an empty vintage hold the BLS codes
that are in neither Census file (QCEW aggregates, retired codes, BLS-only codes), for every vintage.

    python scripts/build_naics_titles.py [--census2017 F] [--census2022 F] [--bls F] [-o OUT]
"""
from __future__ import annotations

import argparse
import csv
from pathlib import Path

from exportplan.sources.naics import naics_level, read_titles_file

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "naics"
DEFAULT_OUTPUT = ROOT / "src" / "exportplan" / "data" / "naics_titles.csv"
SOURCES = ("Census 2-6 digit 2017 and 2022 NAICS code files (census.gov/naics); "
           "BLS QCEW industry_titles.csv (data.bls.gov/cew/doc/titles/industry)")


def build(census: dict[int, Path], bls: Path) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    seen: set[str] = set()
    for vintage, path in sorted(census.items()):
        frame = read_titles_file(path)
        if frame.attrs.get("vintage") not in (None, vintage):
            raise SystemExit(f"{path.name} is the {frame.attrs['vintage']} code file, not {vintage}")
        for code, title in zip(frame["naics"], frame["title"], strict=True):
            rows.append({"naics": code, "title": title, "level": _level(code), "vintage": str(vintage)})
            seen.add(code)
    frame = read_titles_file(bls)
    for code, title in zip(frame["naics"], frame["title"], strict=True):
        if code not in seen:
            rows.append({"naics": code, "title": title, "level": _level(code), "vintage": ""})
    return rows


def _level(code: str) -> str:
    level = naics_level(code)
    return "" if level is None else str(level)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--census2017", type=Path, default=SHARED / "census_naics2017_codes_titles.csv")
    parser.add_argument("--census2022", type=Path, default=SHARED / "census_naics2022_codes_titles.csv")
    parser.add_argument("--bls", type=Path, default=SHARED / "bls_qcew_industry_titles_2018.csv")
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    rows = build({2017: args.census2017, 2022: args.census2022}, args.bls)
    with args.output.open("w", newline="", encoding="utf-8") as fh:
        fh.write(f"# {SOURCES}; public domain. Built by scripts/build_naics_titles.py.\n")
        writer = csv.DictWriter(fh, fieldnames=["naics", "title", "level", "vintage"], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"Wrote {len(rows)} titles to {args.output}")


if __name__ == "__main__":
    main()
