"""Build src/exportplan/data/county_points.csv: every U.S. county's internal point.

Source (public domain): U.S. Census Bureau, 2010 Census Gazetteer Files, county file
``Gaz_counties_national.txt`` (columns GEOID, USPS, NAME, ..., INTPTLAT, INTPTLONG),
https://www2.census.gov/geo/docs/maps-data/data/gazetteer/Gaz_counties_national.zip
(described at https://www.census.gov/geographies/reference-files/2010/geo/gazetter-file.html).

Input: that tab-separated file, or a CSV with the same column names (GEOID, USPS, NAME,
INTPTLAT, INTPTLONG), such as the project's test copy
``../shared/data/geo/census_2010_gazetteer_county_internal_points.csv``.

Output columns: county_fips (5 digits), name, state (USPS code), lat, lon (decimal degrees).
The 2010 set has 3,143 counties (50 states and DC). Later changes are not in it: Connecticut's
planning regions (09110-09190, 2022), Kusilvak (02158, was 02270), the 2019 Valdez-Cordova
split (02063, 02066); exportplan says so when a region uses them.

    python scripts/build_county_points.py [INPUT] [-o src/exportplan/data/county_points.csv]
"""
from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_INPUT = ROOT.parent / "shared" / "data" / "geo" / "census_2010_gazetteer_county_internal_points.csv"
DEFAULT_OUTPUT = ROOT / "src" / "exportplan" / "data" / "county_points.csv"
SOURCE = ("U.S. Census Bureau, 2010 Census Gazetteer county file (Gaz_counties_national.txt), "
          "https://www2.census.gov/geo/docs/maps-data/data/gazetteer/Gaz_counties_national.zip")


def read_gazetteer(path: Path) -> list[dict[str, str]]:
    text = path.read_text(encoding="utf-8-sig", errors="replace")
    dialect = "excel-tab" if "\t" in text.splitlines()[0] else "excel"
    rows = []
    for line, row in enumerate(csv.DictReader(text.splitlines(), dialect=dialect), start=2):
        row = {k.strip(): (v or "").strip() for k, v in row.items() if k}
        try:
            fips = row["GEOID"].zfill(5)
            lat, lon = float(row["INTPTLAT"]), float(row["INTPTLONG"])
        except (KeyError, ValueError) as exc:
            sys.exit(f"{path.name} line {line}: cannot read GEOID/INTPTLAT/INTPTLONG ({exc})")
        if not (len(fips) == 5 and fips.isdigit() and -90 <= lat <= 90 and -180 <= lon <= 180):
            sys.exit(f"{path.name} line {line}: bad county row {row}")
        rows.append({"county_fips": fips, "name": row["NAME"], "state": row["USPS"],
                     "lat": f"{lat:.6f}", "lon": f"{lon:.6f}"})
    if len({r["county_fips"] for r in rows}) != len(rows):
        sys.exit(f"{path.name}: duplicate GEOIDs")
    return sorted(rows, key=lambda r: r["county_fips"])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("input", nargs="?", type=Path, default=DEFAULT_INPUT)
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    rows = read_gazetteer(args.input)
    with args.output.open("w", newline="", encoding="utf-8") as fh:
        fh.write(f"# {SOURCE}; public domain. Built by scripts/build_county_points.py.\n")
        writer = csv.DictWriter(fh, fieldnames=["county_fips", "name", "state", "lat", "lon"],
                                lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"Wrote {len(rows)} counties to {args.output}")


if __name__ == "__main__":
    main()
