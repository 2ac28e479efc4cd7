"""The analysis window (one growth window for every table) and the reference area's data (issue 7, items 1, 2, 6)."""
from __future__ import annotations

import pytest

from exportplan.analysis.window import analysis_window, common_years, period_label
from exportplan.errors import ExportPlanError
from exportplan.workspace import Workspace

A = {"annual"}
Q1 = {period_label(["1"])}
COLUMBUS = ("39041", "39045", "39049", "39073")


# --------------------------------------------------------------------------- the window rule (pure)

def test_period_labels_match_annual_rows():
    assert period_label(["A", "1"]) == "annual"
    assert period_label(["2", "1"]) == "average of Q1,Q2 (wages x4)"


def test_end_is_the_latest_year_loaded_for_both():
    region = {y: A for y in (2015, 2016, 2019, 2022, 2023)}
    reference = {y: A for y in (2015, 2016, 2019, 2022)}  # no 2023 for the reference
    w = analysis_window(region, reference, 5)
    assert (w.start, w.end) == (2019, 2022)  # 2017 missing: the nearest later loaded year
    assert w.years == (2015, 2016, 2019, 2022)
    assert any("2017 is not loaded" in x and "2019" in x for x in w.warnings)
    assert "2019-2022" in w.text and "methods.md" in w.text


def test_exact_start_year_carries_no_warning():
    years = {y: A for y in range(2015, 2024)}
    w = analysis_window(years, years, 5)
    assert (w.start, w.end, w.warnings) == (2018, 2023, [])


def test_reference_year_in_another_period_does_not_count():
    region = {2019: A, 2024: A}
    reference = {2019: A, 2024: Q1}
    assert common_years(region, reference) == [2019]
    w = analysis_window(region, reference, 5)
    assert w.end == 2019 and not w.reference_missing


def test_no_common_year_uses_the_region_and_says_so():
    w = analysis_window({2020: A}, {2019: Q1, 2024: Q1}, 5, reference_name="US000")
    assert w.end == 2020 and w.start is None and w.reference_missing
    assert "US000 has no data" in w.text
    assert any("no loaded year from 2015 to 2019" in x for x in w.warnings)


@pytest.mark.parametrize("years, warned", [((2019, 2020), True), ((2020, 2025), True), ((2016, 2021), False)])
def test_pandemic_year_warning(years, warned):
    loaded = {y: A for y in years}
    w = analysis_window(loaded, loaded, years[1] - years[0])
    assert (w.start, w.end) == years
    assert any("2020" in x and "pandemic" in x for x in w.warnings) is warned


def test_one_year_window_warning():
    loaded = {2017: A, 2018: A}
    w = analysis_window(loaded, loaded, 1)
    assert (w.start, w.end) == (2017, 2018)
    assert any("one year" in x for x in w.warnings)
    five = analysis_window({y: A for y in (2013, 2018)}, {y: A for y in (2013, 2018)}, 5)
    assert not any("one year" in x for x in five.warnings)


def test_explicit_end_year_and_bad_window():
    loaded = {y: A for y in range(2010, 2024)}
    assert (analysis_window(loaded, loaded, 3, end=2016).start, analysis_window(loaded, loaded, 3, end=2016).end) \
        == (2013, 2016)
    with pytest.raises(ExportPlanError, match="analysis.window"):
        analysis_window(loaded, loaded, 0)


# --------------------------------------------------------------------------- real data: Columbus

@pytest.fixture(scope="module")
def columbus_us(shared_data, tmp_path_factory):
    """The README recipe: 2020 annual county files, the 2019 Q1 and 2024 Q1 U.S. files."""
    ws = Workspace.init(tmp_path_factory.mktemp("refwin") / "ws", name="Columbus Region", counties=list(COLUMBUS))
    ws.import_qcew([shared_data / "qcew" / f"bls_qcew_2020_annual_area_{c}.csv" for c in COLUMBUS])
    ws.import_qcew(sorted((shared_data / "qcew").glob("bls_qcew_20*_US000.csv")))
    yield ws
    ws.close()


def test_workspace_window_on_the_real_recipe(columbus_us):
    w = columbus_us.analysis_window()
    assert w.end == 2020 and w.start is None and w.reference_missing
    assert any("pandemic" in x for x in w.warnings)
