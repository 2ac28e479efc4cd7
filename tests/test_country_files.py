"""Country-level source files: the real public files load; bad files fail clearly."""
from __future__ import annotations

import openpyxl
import pytest

from exportplan.analysis.geo import distances_from, us_neighbours
from exportplan.errors import ExportPlanError, ImportFailed
from exportplan.sources import cepii, cpi, fta, sistercities, special301

pytestmark = pytest.mark.shared_data

CAFTA_DR = {"CRI", "DOM", "SLV", "GTM", "HND", "NIC"}


@pytest.fixture(scope="module")
def countries_dir(shared_data):
    return shared_data / "countries"


@pytest.fixture(scope="module")
def cepii_dist(countries_dir):
    return cepii.read_dist(countries_dir / "cepii_geodist_dist_cepii.csv")


@pytest.fixture(scope="module")
def cepii_geo(countries_dir):
    return cepii.read_geo(countries_dir / "cepii_geodist_geo_cepii.csv")


# --- real files ---------------------------------------------------------------

def test_cpi_2022_workbook(countries_dir):
    frame, report = cpi.read_cpi(countries_dir / "ti_cpi2022_global_results_trends.xlsx")
    latest = frame[frame["year"] == 2022]
    assert len(latest) >= 175 and latest["iso3"].is_unique
    assert len(latest) + len(report.unmapped) == 180  # the rest are listed, not dropped
    by_country = latest.set_index("iso3")
    assert by_country.loc["DNK", "cpi_score"] == 90 and by_country.loc["DNK", "rank"] == 1
    assert by_country.loc["USA", "cpi_score"] == 69 and by_country.loc["USA", "region"] == "AME"
    assert by_country.loc["SOM", "cpi_score"] == 12
    assert by_country.loc["XKX", "country"] == "Kosovo"  # TI writes KSV
    assert set(frame["year"]) == set(range(2012, 2023))  # time-series sheet, long form
    assert frame[(frame["iso3"] == "USA") & (frame["year"] == 2012)]["cpi_score"].item() == 73
    assert report.provenance["vintage"] == "2022" and len(report.provenance["sha256"]) == 64
    assert cpi.latest_scores(frame).set_index("iso3").loc["NZL", "cpi_score"] == 87


def test_cepii_geo(cepii_geo):
    geo, report = cepii_geo
    assert len(geo) == 238 and report.unmapped == []
    assert {"ROU", "COD", "TLS", "PSE"} <= set(geo["iso3"])
    assert set(geo["cepii_code"]) >= {"ROM", "ZAR", "TMP", "PAL"}
    capitals = cepii.points(geo).set_index("iso3")
    assert capitals.index.is_unique and len(capitals) == 225  # one point per country
    assert capitals.loc["USA", "city"] == "Washington, DC"
    assert capitals.loc["AUS", "city"] == "Canberra"
    assert cepii.points(geo, "maincity").set_index("iso3").loc["AUS", "city"] == "Sydney"


def test_cepii_dist(cepii_dist):
    dist, report = cepii_dist
    assert len(dist) == 224 * 224 and report.unmapped == []
    usa_can = dist[(dist["iso_o"] == "USA") & (dist["iso_d"] == "CAN")].iloc[0]
    assert usa_can["contig"] == 1 and round(usa_can["distw"]) == 2079
    assert us_neighbours(dist) == {"CAN", "MEX"}
    assert "ROU" in set(dist["iso_o"]) and "ROM" in set(dist["cepii_o"])


def test_columbus_ohio_is_nearer_canada_than_china(cepii_geo):
    geo, _ = cepii_geo
    distances = distances_from((39.96, -82.99), cepii.points(geo)).set_index("iso3")["distance_km"]
    assert distances["CAN"] < distances["MEX"] < distances["CHN"]
    assert 700 < distances["CAN"] < 1000  # Columbus to Ottawa is about 850 km


def test_special301(countries_dir):
    frame, report = special301.read_special301(
        countries_dir / "ustr_special301_status_2005_2018.csv")
    assert report.aggregates == ["European Union"] and report.unmapped == []
    assert frame["iso3"].nunique() == 62  # 63 rows, less the European Union
    at = frame.set_index(["iso3", "year"])
    assert at.loc[("UKR", 2013), "status"] == "priority_foreign_country"
    assert at.loc[("UKR", 2013), "changed"]
    assert at.loc[("CHN", 2018), "status"] == "priority_watch_list"
    assert at.loc[("AZE", 2006), "status"] == "none"  # a lone '*' = left the list
    assert at.loc[("PRY", 2005), "status"] == "section_306_monitoring"
    year = special301.status_in(frame, 2018, ["CHN", "MEX", "FRA"]).set_index("iso3")
    assert year["ip_score"].to_dict() == {"CHN": 0.25, "MEX": 0.5, "FRA": 1.0}


def test_fta_list_is_complete_and_matches_usitc(countries_dir):
    partners = fta.us_fta_partners()
    assert len(partners) == 20 and partners["source"].str.startswith("https://").all()
    expected = {"CAN", "MEX", "KOR", "AUS", "CHL", "COL", "PER", "ISR", "SGP"} | CAFTA_DR
    assert expected <= set(partners["iso3"])
    usitc, _ = fta.read_usitc_agreements(
        countries_dir / "usitc_hts_trade_agreements_tidytuesday.csv")
    ftas = usitc[usitc["kind"] == "fta"]
    single = set(ftas["partner_iso3"].dropna())
    # The USITC file names CAFTA-DR only as one agreement (code dr_cafta), not its members.
    assert set(partners["iso3"]) - CAFTA_DR == single
    assert "dr_cafta" in set(ftas["agreement"])
    assert set(partners.loc[partners["agreement"].str.contains("CAFTA-DR"), "iso3"]) == CAFTA_DR
    assert "japan" not in set(ftas["agreement"])  # a limited agreement, not an FTA


def test_sister_cities_of_columbus_ohio(shared_data):
    path = shared_data / "partnerships" / "sistercity_info_twin_towns_scrape_2025.csv"
    frame, report = sistercities.read_sister_cities(path, city="Columbus", state="Ohio")
    assert len(frame) == 11 and (frame["type"] == "sister_city").all()
    by_city = frame.set_index("partner_city")["iso3"]
    assert by_city["Dresden"] == "DEU" and by_city["Tainan"] == "TWN"
    assert by_city["Zapopan, Jalisco"] == "MEX"
    # Hefei and Kumasi never appear as source cities: GeoNames places them, and says so.
    assert report.unmapped == [] and frame["iso3"].notna().all()
    assert by_city["Hefei"] == "CHN" and by_city["Kumasi"] == "GHA"
    assert any("GeoNames" in n and "Hefei (China)" in n for n in report.notes)
    fixed, report = sistercities.read_sister_cities(  # the user's word wins
        path, city="Columbus", state="Ohio", partner_countries={"Hefei": "Taiwan"})
    assert fixed.set_index("partner_city").loc["Hefei", "iso3"] == "TWN"
    with pytest.raises(ExportPlanError, match="several U.S. cities"):
        sistercities.read_sister_cities(path, city="Columbus")


# --- bad input ----------------------------------------------------------------

def _cpi_workbook(path, rows, *, title_rows=2):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "CPI 2022 (final)"
    for i in range(title_rows):
        sheet.append([f"Corruption Perceptions Index 2022 (title {i + 1})"] if i == 0 else [])
    sheet.append(["Country / Territory", "ISO3", "Region", "CPI score 2022", "Rank"])
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


GOOD = [["Denmark", "DNK", "WE/EU", 90, 1], ["Korea, South", "KOR", "AP", 63, 31]]


def test_cpi_extra_title_row_still_reads(tmp_path):
    path = _cpi_workbook(tmp_path / "cpi.xlsx", GOOD, title_rows=3)
    frame, report = cpi.read_cpi(path)
    assert frame["iso3"].tolist() == ["DNK", "KOR"] and frame["rank"].tolist() == [1, 31]
    assert report.unmapped == []


def test_cpi_unknown_country_is_reported_by_name(tmp_path):
    path = _cpi_workbook(tmp_path / "cpi.xlsx", GOOD + [["Atlantis", "", "AME", 50, 60]])
    frame, report = cpi.read_cpi(path)
    assert "Atlantis" not in set(frame["country"]) and report.unmapped == ["Atlantis"]
    assert report.problems.problems[0].row == 6 and "Atlantis" in report.summary()
    with pytest.raises(ImportFailed, match="Atlantis"):
        cpi.read_cpi(path, strict=True)


def test_cpi_duplicate_country_names_both_lines(tmp_path):
    path = _cpi_workbook(tmp_path / "cpi.xlsx", GOOD + [["South Korea", "KOR", "AP", 63, 31]])
    with pytest.raises(ImportFailed, match=r"appears twice, on lines 5 and 6"):
        cpi.read_cpi(path)


def test_cpi_score_holding_text_is_an_error(tmp_path):
    path = _cpi_workbook(tmp_path / "cpi.xlsx", [["Denmark", "DNK", "WE/EU", "ninety", 1]])
    with pytest.raises(ImportFailed, match=r"line 4, column 'cpi_score 2022'.*not a number"):
        cpi.read_cpi(path)


def test_cpi_code_contradicting_name_is_an_error(tmp_path):
    path = _cpi_workbook(tmp_path / "cpi.xlsx", [["Denmark", "DEU", "WE/EU", 90, 1]])
    with pytest.raises(ImportFailed, match="does not match the country name"):
        cpi.read_cpi(path)


def test_cpi_without_header_is_a_clear_error(tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["Country", "Score"])
    book.save(tmp_path / "other.xlsx")
    with pytest.raises(ExportPlanError, match="no sheet has a header row with 'ISO3'"):
        cpi.read_cpi(tmp_path / "other.xlsx")
    (tmp_path / "fake.xlsx").write_text("not a workbook")
    with pytest.raises(ExportPlanError, match="could not be opened as an Excel workbook"):
        cpi.read_cpi(tmp_path / "fake.xlsx")


def test_special301_year_column_holding_text(tmp_path):
    path = tmp_path / "s301.csv"
    path.write_text("Country,2017,Year 2018\nChina,PWL,PWL\n", encoding="utf-8")
    with pytest.raises(ImportFailed, match="column 'Year 2018'.*not a year"):
        special301.read_special301(path)


def test_special301_bad_status_and_duplicates(tmp_path):
    path = tmp_path / "s301.csv"
    path.write_text("Country,2017,2018\nChina,PWL,Maybe\nPeople's Republic of China,WL,WL\n",
                    encoding="utf-8")
    with pytest.raises(ImportFailed) as caught:
        special301.read_special301(path)
    message = str(caught.value)
    assert "line 2, column '2018': unknown Special 301 status (value 'Maybe')" in message
    assert "'CHN' appears twice, on lines 2 and 3" in message


def test_special301_unknown_country_reported(tmp_path):
    path = tmp_path / "s301.csv"
    path.write_text("Country,2018\nChina,PWL\nAtlantis,WL\n", encoding="utf-8")
    frame, report = special301.read_special301(path)
    assert frame["iso3"].tolist() == ["CHN"] and report.unmapped == ["Atlantis"]
    with pytest.raises(ImportFailed, match="Atlantis"):
        special301.read_special301(path, strict=True)


def test_cepii_bad_values_and_duplicate_pairs(tmp_path):
    path = tmp_path / "dist.csv"
    path.write_text("iso_o;iso_d;contig;dist;distcap\nUSA;CAN;1;548.4;737.0\n"
                    "USA;MEX;1;far;3037.9\nUSA;CAN;1;548.4;737.0\nUSA;XXY;0;1;1\n",
                    encoding="latin-1")
    with pytest.raises(ImportFailed) as caught:
        cepii.read_dist(path)
    message = str(caught.value)
    assert "line 3, column 'dist': dist is not a number (value 'far')" in message
    assert "USA/CAN appears twice, on lines 2 and 4" in message


def test_cepii_latin1_comma_file_and_missing_column(tmp_path):
    path = tmp_path / "geo.csv"
    path.write_bytes("iso3,country,lat,lon,cap,maincity,city_en\n"
                     "CIV,Côte d'Ivoire,6.82,-5.28,1,0,Yamoussoukro\n"
                     "ROM,Romania,44.43,26.1,1,1,Bucharest\n".encode("latin-1"))
    geo, _ = cepii.read_geo(path)
    assert geo["iso3"].tolist() == ["CIV", "ROU"] and geo["country"][0] == "Côte d'Ivoire"
    (tmp_path / "bad.csv").write_text("iso3;country\nUSA;United States\n", encoding="utf-8")
    with pytest.raises(ImportFailed, match="column 'lat' is missing"):
        cepii.read_geo(tmp_path / "bad.csv")
    (tmp_path / "geo.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    with pytest.raises(ExportPlanError, match="save it as .xlsx or .csv"):
        cepii.read_geo(tmp_path / "geo.xls")


def test_fta_list_checks_a_users_copy(tmp_path):
    path = tmp_path / "fta.csv"
    path.write_text("iso3,country,agreement,in_force_year,fta_since,source\n"
                    "KOR,Korea,KORUS,2012,2012,https://ustr.gov\n"
                    "KOR,Korea,KORUS,twenty,2012,https://ustr.gov\n", encoding="utf-8")
    with pytest.raises(ImportFailed) as caught:
        fta.us_fta_partners(path)
    assert "in_force_year is not a year" in str(caught.value)
    assert "appears twice, on lines 2 and 3" in str(caught.value)


@pytest.mark.parametrize(("name", "source", "iso3"), [
    ("Guam", "worldbank", "GUM"), ("American Samoa", "worldbank", "ASM"),
    ("Northern Mariana Islands", "worldbank", "MNP"), ("Puerto Rico (US)", "worldbank", "PRI"),
    ("Virgin Islands (U.S.)", "worldbank", "VIR"), ("U.S. Outlying Islands", None, "UMI"),
    ("Puerto Rico", "imf", "PRI"), ("Guam", "cepii", "GUM"),
])
def test_publishers_spellings_of_us_territories_map_to_the_excluded_codes(name, source, iso3):
    # The market ranking leaves out US_TERRITORIES by code: every publisher's spelling must reach that code.
    from exportplan.sources.countries import US_TERRITORIES, to_iso3

    assert to_iso3(name, source=source) == iso3 and iso3 in US_TERRITORIES
