"""IMF Direction of Trade Statistics reader.

The real file is read in place from shared/data/trade; the small CSVs for bad
input are CONSTRUCTED in the tests.
"""
from __future__ import annotations

import hashlib

import pandas as pd
import pytest

from exportplan.errors import ExportPlanError, ImportFailed
from exportplan.sources import imf
from exportplan.sources.census_trade import TIDY_COLUMNS
from exportplan.sources.imf import read_imf_dots, top_partners

HEADER = ('"Country Name","Country Code","Counterpart Country Name","Counterpart Country Code",'
          'Time Period,"Goods, Value of Exports, Free on board (FOB), US Dollars (TXG_FOB_USD)",'
          'Status,"Goods, Value of Imports, Cost, Insurance, Freight (CIF), US Dollars '
          '(TMG_CIF_USD)",Status,\n')


@pytest.fixture
def dots(shared_data):
    return shared_data / "trade" / "imf_dots_us_goods_trade_by_partner.csv"


def test_dots_loads_with_canada_and_mexico_on_top(dots):
    frame, report = read_imf_dots(dots)
    assert list(frame.columns) == TIDY_COLUMNS
    assert set(frame["scope"]) == {"nation"} and set(frame["area"]) == {"US"}
    assert frame["year"].min() == 1995 and frame["year"].max() == 2022
    top = top_partners(frame, 2022, n=2)
    assert top["iso3"].tolist() == ["CAN", "MEX"]
    assert 0.15 < top["share"].iloc[1] < top["share"].iloc[0] < 0.25
    # Canada leads every year of the file; Mexico is always in the top three.
    for year in range(1995, 2023):
        ranked = top_partners(frame, year, n=3)["iso3"].tolist()
        assert ranked[0] == "CAN" and "MEX" in ranked
    uk_1995 = frame[(frame["iso3"] == "GBR") & (frame["year"] == 1995)]["value_usd"]
    assert uk_1995.tolist() == [28826900000]  # first data row of the file
    assert report.provenance["sha256"] == hashlib.sha256(dots.read_bytes()).hexdigest()


def test_dots_aggregates_and_former_countries_left_out(dots):
    frame, report = read_imf_dots(dots)
    assert {"European Union", "Special Categories"} <= set(report.aggregates)
    assert "Yugoslavia" in report.historic and report.unmapped == []
    raw = pd.read_csv(dots, dtype=str, encoding="utf-8-sig")
    left_out = raw["Counterpart Country Name"].isin(report.aggregates + report.historic)
    assert len(frame) == (~left_out).sum()
    assert f"left out {left_out.sum()} rows" in report.notes[0]
    mainland = frame.loc[frame["country"] == "China, P.R.: Mainland", "iso3"]
    assert mainland.unique().tolist() == ["CHN"]
    assert frame.groupby(["iso3", "year"]).size().max() == 1


def test_dots_imports_flow(dots):
    exports, _ = read_imf_dots(dots)
    imports, _ = read_imf_dots(dots, flow="imports")
    chn = lambda f: f[(f["iso3"] == "CHN") & (f["year"] == 2022)]["value_usd"].iloc[0]  # noqa: E731
    assert chn(imports) > 3 * chn(exports)  # the US trade deficit with China


@pytest.mark.parametrize("rows, expected", [
    ('"United States","111","Canada","156",twenty,"5","","1","",\n',
     "line 3, column 'Time Period': the time period is not a year (value 'twenty')"),
    ('"United States","111","Canada","156",2020,"5","","1","",\n',
     "partner and year 'CAN 2020' appears twice, on lines 2 and 3"),
    ('"United States","111","Canada","156",2021,"lots","","1","",\n',
     "the value is not a number (value 'lots')"),
])
def test_bad_rows_fail_whole_file(tmp_path, rows, expected):
    # Constructed: the DOTS layout with one broken row.
    path = tmp_path / "dots.csv"
    path.write_text(HEADER + '"United States","111","Canada","156",2020,"5","","1","",\n' + rows)
    with pytest.raises(ImportFailed) as caught:
        read_imf_dots(path)
    assert expected in str(caught.value)


def test_unknown_partner_reported(tmp_path):
    path = tmp_path / "dots.csv"  # constructed
    path.write_text(HEADER + '"United States","111","Atlantis","999",2020,"5","","1","",\n'
                    '"United States","111","Mexico","273",2020,"7","","1","",\n')
    frame, report = read_imf_dots(path)
    assert frame["iso3"].tolist() == ["MEX"] and report.unmapped == ["Atlantis"]
    assert "dots.csv, line 2, column 'Counterpart Country Name'" in str(report.problems.problems[0])
    with pytest.raises(ImportFailed, match="Atlantis"):
        read_imf_dots(path, strict=True)


def test_wrong_file_or_reporter(tmp_path, dots):
    path = tmp_path / "other.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(ExportPlanError, match="missing column"):
        read_imf_dots(path)
    with pytest.raises(ExportPlanError, match="no rows for the reporter 'Canada'"):
        read_imf_dots(dots, reporter="Canada")
    with pytest.raises(ExportPlanError, match="use 'exports' or 'imports'"):
        read_imf_dots(dots, flow="services")


def test_module_exports_are_complete():
    assert all(hasattr(imf, name) for name in imf.__all__)
