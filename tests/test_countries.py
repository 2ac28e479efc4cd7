"""Country identity: publishers' spellings and codes -> ISO 3166 alpha-3."""
from __future__ import annotations

import csv

import pandas as pd
import pycountry
import pytest

from exportplan.errors import ExportPlanError
from exportplan.sources import countries
from exportplan.sources.countries import (
    add_iso3, all_countries, country_name, is_aggregate, is_historic, map_column, normalize,
    to_iso3,
)

TRICKY = [
    # World Bank
    ("worldbank", "Korea, Rep.", "KOR"), ("worldbank", "Egypt, Arab Rep.", "EGY"),
    ("worldbank", "Iran, Islamic Rep.", "IRN"), ("worldbank", "Venezuela, RB", "VEN"),
    ("worldbank", "Hong Kong SAR, China", "HKG"), ("worldbank", "Turkiye", "TUR"),
    ("worldbank", "Congo, Dem. Rep.", "COD"), ("worldbank", "Congo, Rep.", "COG"),
    ("worldbank", "Micronesia, Fed. Sts.", "FSM"), ("worldbank", "Lao PDR", "LAO"),
    ("worldbank", "Korea, Dem. People's Rep.", "PRK"), ("worldbank", "Gambia, The", "GMB"),
    ("worldbank", "St. Vincent and the Grenadines", "VCT"), ("worldbank", "Kosovo", "XKX"),
    ("worldbank", "Virgin Islands (U.S.)", "VIR"), ("worldbank", "West Bank and Gaza", "PSE"),
    ("worldbank", "Puerto Rico (US)", "PRI"), ("worldbank", "XKX", "XKX"),
    ("worldbank", "ADO", "AND"), ("worldbank", "WBG", "PSE"), ("worldbank", "KSV", "XKX"),
    ("worldbank", "ZAR", "COD"), ("worldbank", "Jersey, Channel Islands", "JEY"),
    # IMF
    ("imf", "Korea, Republic of", "KOR"), ("imf", "Korea, Rep. of", "KOR"),
    ("imf", "China, P.R.: Mainland", "CHN"), ("imf", "China, P.R.: Hong Kong", "HKG"),
    ("imf", "Netherlands, The", "NLD"), ("imf", "Armenia, Rep. of", "ARM"),
    ("imf", "São Tomé and Príncipe, Dem. Rep. of", "STP"), ("imf", "Türkiye, Rep of", "TUR"),
    ("imf", "Taiwan Province of China", "TWN"), ("imf", "Kosovo, Rep. of", "XKX"),
    # Census Bureau trade
    ("census", "KOREA, SOUTH", "KOR"), ("census", "BURMA", "MMR"),
    ("census", "CONGO, DEMOCRATIC REPUBLIC OF THE CONGO", "COD"),
    ("census", "DEMOCRATIC REPUBLIC OF THE CONGO", "COD"), ("census", "MACAU", "MAC"),
    ("census", "ST KITTS AND NEVIS", "KNA"), ("census", "FALKLAND ISLANDS (ISLAS MALVINAS)", "FLK"),
    ("census", "1220", "CAN"), ("census", "2010", "MEX"), ("census", "5700", "CHN"),
    ("census", "5330", "IND"), ("census", "5800", "KOR"), ("census", "4280", "DEU"),
    # Transparency International
    ("ti", "Korea, South", "KOR"), ("ti", "Korea, North", "PRK"), ("ti", "Cote d'Ivoire", "CIV"),
    ("ti", "Congo", "COG"), ("ti", "Democratic Republic of the Congo", "COD"),
    ("ti", "Guinea Bissau", "GNB"), ("ti", "KSV", "XKX"),
    # CEPII legacy codes
    ("cepii", "ROM", "ROU"), ("cepii", "ZAR", "COD"), ("cepii", "TMP", "TLS"),
    ("cepii", "PAL", "PSE"), ("cepii", "YUG", "SRB"), ("cepii", "Kazakstan", "KAZ"),
    # sister-city scrape and USTR
    ("sistercity", "Congo (Democratic Republic)", "COD"), ("sistercity", "Swaziland", "SWZ"),
    ("sistercity", "Palestinian Territories", "PSE"), ("sistercity", "Macedonia", "MKD"),
    ("special301", "South Korea", "KOR"), ("special301", "Russia", "RUS"),
    # codes and plain spellings, no source
    (None, "usa", "USA"), (None, "CA", "CAN"), (None, "124", "CAN"), (None, "36", "AUS"),
    (None, "  Côte d’Ivoire ", "CIV"), (None, "Bolivia (Plurinational State of)", "BOL"),
    (None, "Korea (Republic of)", "KOR"), (None, "Niger", "NER"), (None, "Nigeria", "NGA"),
    (None, "Dominica", "DMA"), (None, "Dominican Republic", "DOM"), (None, "Sudan", "SDN"),
    (None, "South Sudan", "SSD"), (None, "Guinea", "GIN"), (None, "Equatorial Guinea", "GNQ"),
]


@pytest.mark.parametrize(("source", "value", "expected"), TRICKY)
def test_tricky_spellings_map(source, value, expected):
    assert to_iso3(value, source=source) == expected


@pytest.mark.parametrize("value", ["World", "Euro area", "High income", "Sub-Saharan Africa",
                                   "European Union", "WLD", "EUU", "OECD members",
                                   "Low & middle income", "IDA total"])
def test_aggregates_are_recognised(value):
    assert to_iso3(value, source="worldbank") is None
    assert is_aggregate(value, source="worldbank")


@pytest.mark.parametrize("value", ["0003", "0020", "1XXX", "7XXX", "-", "TOTAL FOR ALL COUNTRIES",
                                   "EUROPEAN UNION", "USMCA (NAFTA)", "PACIFIC RIM COUNTRIES"])
def test_census_groupings_are_aggregates(value):
    assert to_iso3(value, source="census") is None
    assert is_aggregate(value, source="census")


def test_imf_numeric_codes_are_not_read_as_iso_numeric():
    # IMF 112 is the United Kingdom; ISO 112 is Belarus.
    assert to_iso3("112") == "BLR"
    assert to_iso3("112", source="imf") is None


def test_countries_are_not_aggregates_and_former_countries_are_historic():
    assert not is_aggregate("Chad") and not is_aggregate("United States")
    assert is_historic("Yugoslavia") and to_iso3("Yugoslavia") is None
    assert not is_aggregate("Yugoslavia")
    assert is_historic("ANT") and to_iso3("ANT", source="cepii") == "CUW"


def test_map_column_reports_unknown_names_and_keeps_positions():
    result = map_column(["Chad", "Atlantis", "World", None, "Chad", "Atlantis", "Yugoslavia"],
                        source="worldbank")
    assert result.iso3 == ["TCD", None, None, None, "TCD", None, None]
    assert result.unmapped == ["Atlantis"]
    assert result.aggregates == ["World"]
    assert result.historic == ["Yugoslavia"]
    codes, unmapped = result  # tuple-style unpacking is supported
    assert codes == result.iso3 and unmapped == ["Atlantis"]


def test_add_iso3_adds_a_string_column():
    frame, mapping = add_iso3(pd.DataFrame({"name": ["Korea, Rep.", "Narnia"]}), "name",
                              source="worldbank")
    assert frame["iso3"].tolist()[0] == "KOR" and frame["iso3"].isna().tolist() == [False, True]
    assert str(frame["iso3"].dtype) == "string" and mapping.unmapped == ["Narnia"]


def test_unknown_source_is_an_error():
    with pytest.raises(ExportPlanError, match="Unknown country-name source"):
        to_iso3("Chad", source="wb")


def test_normalize_folds_case_accents_and_punctuation():
    assert normalize("Côte d'Ivoire") == normalize("COTE D’IVOIRE") == "cote divoire"
    assert normalize("St. Lucia") == normalize("Saint Lucia")
    assert normalize("Bahamas, The") == normalize("The Bahamas") == "bahamas"


def test_country_names_and_list():
    assert country_name("KOR") == "South Korea"
    assert country_name("cod") == "Democratic Republic of the Congo"
    assert country_name("XKX") == "Kosovo"
    with pytest.raises(ExportPlanError, match="not an ISO 3166"):
        country_name("ZZZ")
    table = all_countries()
    assert list(table.columns) == ["iso3", "iso2", "name"]
    assert table["iso3"].is_unique and len(table) == len(pycountry.countries) + 1
    assert table.set_index("iso3").loc["FRA", "iso2"] == "FR"


def test_every_name_in_the_list_maps_back_to_its_code():
    table = all_countries()
    back = map_column(table["name"].tolist()).iso3
    assert [c for c, b in zip(table["iso3"], back) if c != b] == []


def test_alias_table_is_consistent():
    known = {c.alpha_3 for c in pycountry.countries} | {"XKX"}
    seen = set()
    with countries.alias_table_path().open(encoding="utf-8", newline="") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            assert row["kind"] in ("country", "aggregate", "historic"), line
            if row["kind"] == "country":
                assert row["iso3"] in known, (line, row)
            else:
                assert row["iso3"] == "", (line, row)
            key = (row["source"], row["alias"].strip().upper())
            assert key not in seen, f"line {line} repeats {key}"
            seen.add(key)
            assert row["source"] in ("",) + countries.SOURCES, line


def test_identity_agrees_with_the_datahub_country_code_crosswalk(shared_data):
    """Every ISO2 code and English name in the public country-codes crosswalk maps to its ISO3."""
    import pandas as pd

    table = pd.read_csv(shared_data / "countries" / "datahub_country_codes.csv", dtype=str, keep_default_na=False)
    table = table[table["ISO3166-1-Alpha-3"] != ""]
    assert len(table) > 240
    misses = [(col, row[col], row["ISO3166-1-Alpha-3"], to_iso3(row[col]))
              for _, row in table.iterrows()
              for col in ("ISO3166-1-Alpha-2", "CLDR display name", "UNTERM English Short", "official_name_en")
              if row[col] and to_iso3(row[col]) != row["ISO3166-1-Alpha-3"]]
    assert not misses, misses[:10]
