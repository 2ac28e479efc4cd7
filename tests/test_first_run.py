"""The first run on a real region: county points, NAICS titles, partner countries (issue 7, item 8)."""
from __future__ import annotations

import csv
import glob
from pathlib import Path

import pandas as pd
import pytest

from exportplan.analysis.geo import great_circle_km, region_centre
from exportplan.errors import ImportFailed
from exportplan.sources import county_points as cp
from exportplan.sources import naics, sistercities
from exportplan.store import schema as t
from exportplan.workspace import Workspace

COLUMBUS = ["39041", "39045", "39049", "39073"]
SCRAPE = "partnerships/sistercity_info_twin_towns_scrape_2025.csv"


# ----------------------------------------------------------------- county points
def test_shipped_points_are_the_gazetteer_file(shared_data):
    source = pd.read_csv(shared_data / "geo/census_2010_gazetteer_county_internal_points.csv", dtype=str)
    shipped = cp.county_points(source["GEOID"])
    assert len(shipped) == len(source) == 3143
    merged = shipped.merge(source, left_on="county_fips", right_on="GEOID", validate="one_to_one")
    assert (merged["lat"] - merged["INTPTLAT"].astype(float)).abs().max() < 1e-6
    assert (merged["lon"] - merged["INTPTLONG"].astype(float)).abs().max() < 1e-6
    assert (merged["state"] == merged["USPS"]).all() and (merged["name"] == merged["NAME"]).all()


def test_columbus_centre_is_the_mean_of_its_counties_then_employment_weighted(tmp_path, shared_data):
    ws = Workspace.init(tmp_path / "col", name="Columbus Region", counties=COLUMBUS)
    try:
        assert any("unweighted centre" in n and "employment-weighted once QCEW is loaded" in n for n in ws.notes)
        (lat, lon), note = ws.region_point()
        points = cp.county_points(COLUMBUS)
        assert (lat, lon) == pytest.approx(region_centre(points.assign(employment=1.0)))
        # four nearby counties: the spherical mean is within a few hundred metres of the plain mean
        assert great_circle_km(lat, lon, points["lat"].mean(), points["lon"].mean()) < 0.3
        assert "unweighted" in note
        ws.import_qcew([p for p in glob.glob(str(shared_data / "qcew/bls_qcew_2020_annual_area_*.csv"))
                        if Path(p).stem[-5:] in COLUMBUS])
        (wlat, wlon), note = ws.region_point()
        assert "employment-weighted" in note and "2020" in note
        franklin = points.set_index("county_fips").loc["39049"]
        # Franklin County holds most of the jobs: the weighted centre moves toward it
        assert (great_circle_km(wlat, wlon, franklin["lat"], franklin["lon"])
                < great_circle_km(lat, lon, franklin["lat"], franklin["lon"]))
    finally:
        ws.close()


def test_connecticut_metro_uses_the_counties_it_has_and_says_so(tmp_path):
    # Hartford: two 2022 planning regions the 2010 file lacks, and old Hartford County
    ws = Workspace.init(tmp_path / "ct", name="Hartford", counties=["09110", "09120", "09003"])
    try:
        (lat, lon), note = ws.region_point()
        hartford = cp.county_points(["09003"]).iloc[0]
        assert (lat, lon) == pytest.approx((hartford["lat"], hartford["lon"]))
        assert "1 of 3 counties" in note and "09110 Capitol Planning Region" in note
        assert "Connecticut's planning regions" in note
    finally:
        ws.close()


def test_region_with_no_known_county_says_how_to_set_the_centre(tmp_path):
    ws = Workspace.init(tmp_path / "ct", name="Hartford", counties=["09110", "09120"])
    try:
        point, note = ws.region_point()
        assert point is None and "exportplan config set region.centre LAT,LON" in note
        assert any("no centre yet" in n for n in ws.notes)
    finally:
        ws.close()


def test_kusilvak_is_named_when_missing():
    assert "renamed from 02270 Wade Hampton" in cp.why_missing(["02158"])
    assert cp.county_points(["02158"]).empty and not cp.county_points(["02270"]).empty


# ----------------------------------------------------------------- NAICS titles
def _qcew_codes(shared_data) -> set[str]:
    codes: set[str] = set()
    for path in glob.glob(str(shared_data / "qcew/bls_qcew_*_area_*.csv")):
        with open(path, newline="", encoding="utf-8") as fh:
            codes |= {row["industry_code"].strip() for row in csv.DictReader(fh)}
    return codes


def test_every_code_of_the_real_qcew_files_has_a_shipped_title(shared_data):
    codes = _qcew_codes(shared_data)
    assert len(codes) > 2000 and {"10", "1013", "31-33", "238111", "999999", "336411"} <= codes
    titles = dict(zip(naics.all_titles()["naics"], naics.all_titles()["title"], strict=True))
    assert sorted(c for c in codes if not titles.get(c)) == []


def test_workspace_titles_need_no_import(tmp_path, shared_data):
    ws = Workspace.init(tmp_path / "col", name="Columbus Region", counties=COLUMBUS)
    try:
        titles = dict(zip(*ws.titles().to_pandas()[["naics", "title"]].to_dict("list").values()))
        assert not set(_qcew_codes(shared_data)) - set(titles)
        assert titles["454"] == "Nonstore Retailers"  # 2017 vintage only (the 2020 county files)
        assert titles["455"] == "General Merchandise Retailers"  # 2022 vintage only (the 2024 U.S. file)
        assert titles["101"] == "Goods producing" and titles["336411"] == "Aircraft Manufacturing"
    finally:
        ws.close()


def test_shipped_titles_hold_every_census_code(shared_data):
    for vintage in (2017, 2022):
        census = naics.read_titles_file(shared_data / f"naics/census_naics{vintage}_codes_titles.csv")
        shipped = naics.naics_titles(vintage)
        codes = set(census["naics"])
        assert dict(zip(census["naics"], census["title"])) == {
            c: title for c, title in zip(shipped["naics"], shipped["title"]) if c in codes}
        assert len(shipped) > len(census)  # plus the BLS aggregates and older codes


# ----------------------------------------------------------------- partner cities
def test_every_columbus_partner_resolves(shared_data):
    frame, report = sistercities.read_sister_cities(shared_data / SCRAPE, city="Columbus", state="Ohio")
    assert report.unmapped == []
    assert dict(zip(frame["partner_city"], frame["iso3"])) == {
        "Ahmedabad": "IND", "Dresden": "DEU", "Genoa": "ITA", "Hefei": "CHN", "Herzliya": "ISR",
        "Kfar Saba": "ISR", "Kumasi": "GHA", "Odense": "DNK", "Seville": "ESP", "Tainan": "TWN",
        "Zapopan, Jalisco": "MEX"}


def test_geonames_lists_ambiguous_names_and_never_guesses():
    country, candidates = sistercities.geonames_country("Córdoba, Veracruz")
    assert country is None and {"Argentina", "Mexico", "Spain"} <= set(candidates)
    assert sistercities.geonames_country("Birmingham") == ("United Kingdom", ["United Kingdom"])  # not Alabama
    assert sistercities.geonames_country("Xyzzyville") == (None, [])


def _scrape(tmp_path, partners) -> Path:
    path = tmp_path / "scrape.csv"
    rows = [",country,city,sister"] + [f'{i},United States,"Springfield, Ohio","{p}"' for i, p in enumerate(partners)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_unresolved_partners_fail_with_the_cli_hint_and_nothing_written(tmp_path):
    path = _scrape(tmp_path, ["Hefei", "Córdoba, Veracruz", "Xyzzyville"])
    ws = Workspace.init(tmp_path / "ws", name="Springfield", counties=["39023"])
    try:
        with pytest.raises(ImportFailed) as caught:
            ws.import_partnerships(path, city="Springfield", state="OH")
        text = str(caught.value)
        assert "Córdoba, Veracruz" in text and "Xyzzyville" in text and "not guessed" in text
        assert "--partner-country 'Xyzzyville=COUNTRY'" in text and "--allow-unmapped" in text
        assert "partner_countries" not in text and "=True" not in text and "{" not in text
        assert ws.store.table(t.partnerships).empty
        report = ws.import_partnerships(path, city="Springfield", state="OH",
                                        partner_countries={"Córdoba, Veracruz": "Mexico", "Xyzzyville": "Spain"})
        assert report.rows == 3
    finally:
        ws.close()
