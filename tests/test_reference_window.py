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


US_2020 = "https://data.bls.gov/cew/data/api/2020/a/area/US000.csv"


def _says_no_reference_at_the_top(table) -> None:
    meta = table.attrs["exportplan"]
    first = meta["notes"][0]
    assert meta["top_notes"] == [first]
    assert first.startswith("NO REFERENCE DATA FOR 2020") and "US000 has no data for 2020" in first
    assert "2019 Q1, 2024 Q1" in first and US_2020 in first and "fetch qcew --years 2020" in first
    # The blank LQs are never put down to withheld cells.
    for note in meta["notes"][1:]:
        assert not ("withheld" in note and any(w in note for w in ("blank", "no point LQ", "no LQ"))), note


def test_real_recipe_tables_say_the_reference_is_missing_at_the_top(columbus_us, shared_data):
    """2020 annual counties against the real 2019 Q1 and 2024 Q1 U.S. files (the README recipe)."""
    industries = columbus_us.industries(level=2)
    assert industries["lq"].isna().all() and industries["employment"].notna().all()
    _says_no_reference_at_the_top(industries)
    columbus_us.import_clusters(shared_data / "clusters" / "uscmp_naics2012_to_cluster_ACR1.csv")
    clusters = columbus_us.clusters()
    assert clusters["lq"].isna().all() and clusters["employment"].notna().any()
    _says_no_reference_at_the_top(clusters)
    ranking = columbus_us.rank_sectors(draws=200)
    assert ranking.meta["notes"][0] == ranking.meta["top_notes"][0] == clusters.attrs["exportplan"]["top_notes"][0]
    assert sum(n.startswith("NO REFERENCE DATA") for n in ranking.meta["notes"]) == 1
    # Shift-share needs two years of the counties: nothing can be computed, a clear error naming the window.
    with pytest.raises(ExportPlanError, match="No growth window ending 2020.*fetch qcew --years 2015"):
        columbus_us.shift_share()


def test_real_recipe_cli_prints_the_reference_note_before_the_table(columbus_us):
    from click.testing import CliRunner

    from exportplan.cli.main import cli

    out = CliRunner().invoke(cli, ["-w", str(columbus_us.path), "industries", "--level", "2"])
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert lines[0].startswith("Note: NO REFERENCE DATA FOR 2020") and US_2020 in lines[0]
    assert sum("NO REFERENCE DATA" in line for line in lines) == 1
    assert "industries" in lines[1]


# --------------------------------------------------------------------------- fetch qcew: the reference with the region

def test_fetch_qcew_requests_the_reference_slice_with_the_counties(replay_server, shared_data, tmp_path):
    county = shared_data / "qcew" / "bls_qcew_2020_annual_area_39049.csv"
    # A stand-in U.S. annual file for 2020 (no real one is in the test data): Franklin's rows relabelled US000,
    # so every LQ against it is 1.
    us = tmp_path / "us.csv"
    lines = county.read_text().splitlines()
    us.write_text("\n".join([lines[0]] + ["US000" + line.removeprefix("39049") for line in lines[1:]]) + "\n")
    replay_server.add_file("/cew/data/api/2020/a/area/39049.csv", county, content_type="text/csv")
    base = replay_server.url("/cew/data/api")
    ws = Workspace.init(tmp_path / "w", name="Franklin", counties=["39049"], reference_area="US000")
    try:
        with pytest.raises(ExportPlanError, match="US000"):  # asked for with the county; not on the server (404)
            ws.fetch_qcew([2020], base_url=base, progress=False, retries=0, timeout=5)
        assert replay_server.hits("/cew/data/api/2020/a/area/US000.csv") == 1
        assert ws.years() == []  # all or nothing: the county's file is not imported alone
        replay_server.add_file("/cew/data/api/2020/a/area/US000.csv", us, content_type="text/csv")
        report = ws.fetch_qcew([2020], base_url=base, progress=False, retries=0, timeout=5)
        assert "US000" in str(report) and "39049" in str(report)
        urls = set(ws.provenance("qcew")["url"])
        assert {f"{base}/2020/a/area/39049.csv", f"{base}/2020/a/area/US000.csv"} <= urls
        window = ws.analysis_window()
        assert window.end == 2020 and not window.reference_missing
        table = ws.industries(level=2)
        assert table.attrs["exportplan"]["top_notes"] == []
        assert table["lq"].dropna().round(6).eq(1.0).all() and table["lq"].notna().sum() > 10
    finally:
        ws.close()


def test_fetch_qcew_with_uslq_fetches_only_the_counties(replay_server, shared_data, tmp_path):
    county = shared_data / "qcew" / "bls_qcew_2020_annual_area_39049.csv"
    replay_server.add_file("/cew/data/api/2020/a/area/39049.csv", county, content_type="text/csv")
    ws = Workspace.init(tmp_path / "w", name="Franklin", counties=["39049"], reference_area="USLQ")
    try:
        ws.fetch_qcew([2020], base_url=replay_server.url("/cew/data/api"), progress=False, retries=0, timeout=5)
        # The USLQ reference comes from the counties' published LQs: nothing else to fetch.
        assert [r.path for r in replay_server.requests] == ["/cew/data/api/2020/a/area/39049.csv"]
        assert ws.analysis_window().end == 2020
    finally:
        ws.close()


def test_no_reference_file_at_all_prints_the_counties_numbers_and_says_why(shared_data, tmp_path):
    ws = Workspace.init(tmp_path / "w", name="Franklin", counties=["39049"], reference_area="US000")
    try:
        ws.import_qcew([shared_data / "qcew" / "bls_qcew_2020_annual_area_39049.csv"])
        ws.import_clusters(shared_data / "clusters" / "uscmp_naics2012_to_cluster_ACR1.csv")
        for table in (ws.industries(level=3), ws.clusters()):
            assert table["lq"].isna().all() and table["employment"].notna().any()
            first = table.attrs["exportplan"]["notes"][0]
            assert "no QCEW file of the reference area US000 is loaded" in first and US_2020 in first
    finally:
        ws.close()


def _relabel(src, dst, *, area: str | None = None, year: int | None = None):
    lines = src.read_text().splitlines()
    out = [lines[0]]
    for line in lines[1:]:
        if area:
            line = area + line[line.index(","):]
        if year:
            line = line.replace(",2020,A,", f",{year},A,", 1)
        out.append(line)
    dst.write_text("\n".join(out) + "\n")
    return dst


def test_start_year_the_reference_lacks_blanks_shift_share_and_says_so(shared_data, tmp_path):
    franklin = shared_data / "qcew" / "bls_qcew_2020_annual_area_39049.csv"
    files = [franklin, _relabel(franklin, tmp_path / "f2015.csv", year=2015),
             _relabel(franklin, tmp_path / "us2020.csv", area="US000")]  # stand-ins: Franklin as 2015 and as U.S.
    ws = Workspace.init(tmp_path / "w", name="Franklin", counties=["39049"], reference_area="US000")
    try:
        ws.import_qcew(files)
        w = ws.analysis_window()
        assert (w.start, w.end) == (2015, 2020) and w.years == (2020,)
        assert any("US000 has no data for 2015" in x for x in w.warnings)
        assert any("ends in 2020" in x for x in w.warnings)
        industries = ws.industries(level=2)
        assert industries.attrs["exportplan"]["top_notes"] == []  # the LQs of 2020 are there
        assert industries["lq"].notna().any() and industries["growth"].dropna().round(9).eq(0).all()
        assert any(n.startswith("Growth window 2015-2020") for n in industries.attrs["exportplan"]["notes"])
        parts = ws.shift_share(level=2)
        top = parts.attrs["exportplan"]["top_notes"]
        assert len(top) == 1 and top[0].startswith("NO REFERENCE DATA FOR 2015") and "shift-share parts" in top[0]
        assert "api/2015/a/area/US000.csv" in top[0]
        assert parts["e0"].notna().any() and parts["national_share"].isna().all()
        ws.import_clusters(shared_data / "clusters" / "uscmp_naics2012_to_cluster_ACR1.csv")
        ranking = ws.rank_sectors(draws=100)
        top = ranking.meta["top_notes"]
        assert len(top) == 1 and "NO REFERENCE DATA FOR 2015" in top[0] and "competitive shift are blank" in top[0]
        assert ranking.table["raw_competitive_shift"].isna().all() and ranking.table["raw_lq"].notna().any()
    finally:
        ws.close()
