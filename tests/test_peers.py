"""Peers of the same kind: the refusal, peers computed from a national QCEW single file, the migration."""
from __future__ import annotations

import csv
import math

import polars as pl
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from exportplan.analysis.clusters import FLAGS, flag_against_peers
from exportplan.analysis.peers import peer_mismatch, peer_set_kind, qcew_peers, region_kind
from exportplan.cli.main import cli
from exportplan.demo.sample import QCEW_COLUMNS
from exportplan.errors import ExportPlanError
from exportplan.sources.clusters import read_crosswalk
from exportplan.sources.qcew import scan_qcew
from exportplan.store import schema as t
from exportplan.store.db import Store, head_revision, sqlite_url

COLUMBUS = ("39041", "39045", "39049", "39073")  # 4 of the Columbus metro's 10 counties
STATE_PEERS = "uscmp_state_clusters_2016.csv"

# ---------------------------------------------------------------- kinds


def test_region_kind_of_a_cbsa_a_county_a_state_and_a_custom_county_set():
    assert region_kind(COLUMBUS, cbsa="18140")[:2] == ("msa", "18140")
    assert region_kind(["39049"])[:2] == ("county", "39049")
    assert region_kind(["10001", "10003", "10005"], state_counties=["10005", "10001", "10003"])[:2] == ("state", "10")
    kind, code, text = region_kind(COLUMBUS)
    assert (kind, code) == ("msa", "REGION") and "custom set of 4 counties" in text and "metro" in text


def test_peer_set_kind_and_mismatch_words():
    assert peer_set_kind(["state", "state", None]) == "state"
    assert peer_set_kind(["economic", "Economic"]) == "economic_area"
    assert peer_set_kind(["msa", "state"]) == "mixed" and peer_set_kind([None, ""]) == ""
    assert peer_mismatch("msa", "metro", 2020, "msa", [2019, 2020]) == ""
    both = peer_mismatch("msa", "metro (CBSA 18140)", 2020, "state", [2016])
    assert "state regions" in both and "metro (CBSA 18140)" in both and "2016" in both and "2020" in both
    assert peer_mismatch("msa", "metro", None, "msa", [2016]) == ""  # the year is checked once data is loaded


# ---------------------------------------------------------------- a metro with a state peer file


@pytest.fixture(scope="module")
def metro(shared_data, tmp_path_factory):
    """The Columbus metro (CBSA 18140, 10 counties) with generated 2020 QCEW data (a national single file)."""
    from exportplan.workspace import Workspace

    folder = tmp_path_factory.mktemp("peers")
    ws = Workspace.init(folder / "metro", name="Columbus metro", cbsa="18140",
                        delineation=shared_data / "qcew" / "census_omb_cbsa_county_delineation_list1_2023.xlsx")
    assert sorted(ws.counties) == sorted(METRO_COUNTIES)
    ws.import_qcew([write_singlefile(folder / "2020.annual.singlefile.csv")])
    ws.import_clusters(shared_data / "clusters" / "uscmp_naics2012_to_cluster_ACR1.csv")
    yield ws
    ws.close()


def test_a_metro_with_a_state_peer_file_is_refused(metro, shared_data):
    assert metro.region_kind()[:2] == ("msa", "18140")
    with pytest.raises(ExportPlanError) as err:
        metro.import_peers(shared_data / "clusters" / STATE_PEERS)
    text = str(err.value)
    for words in (STATE_PEERS, "state regions with 2016 data", "metro (CBSA 18140)", "2020 data",
                  "kind and year differ", "--from-qcew", "--allow-mismatch"):
        assert words in text
    assert metro.peers() is None and metro.store.count(t.peer_sets) == 0  # nothing written


def test_a_metro_accepts_a_state_peer_file_only_explicitly_and_labels_every_flag(metro, shared_data):
    report = metro.import_peers(shared_data / "clusters" / STATE_PEERS, allow_mismatch=True)
    assert any("--allow-mismatch" in n for n in report.notes)
    info = metro.peer_set_info()
    assert (info["region_kind"], info["years"], info["method"]) == ("state", [2016], "file") and info["mismatch"]
    table = metro.clusters()
    traded = table[table["type"] == "traded"]
    assert traded["strong"].notna().any()  # flags were computed, not dropped
    peer_flagged = traded[traded["flag_method"].str.startswith("peer percentiles")]
    assert len(peer_flagged) == len(traded)
    assert peer_flagged["flag_method"].str.endswith(
        "against 2016 state peers, not of the region's kind or year").all()
    notes = table.attrs["exportplan"]["notes"]
    assert any("not of the region's kind or year" in n and "--from-qcew" in n for n in notes)


def test_cli_refuses_and_explains(metro, shared_data):
    runner = CliRunner()
    out = runner.invoke(cli, ["-w", str(metro.path), "import", "peers", str(shared_data / "clusters" / STATE_PEERS)])
    assert out.exit_code == 2 and "Error:" in out.output and "--allow-mismatch" in out.output
    out = runner.invoke(cli, ["-w", str(metro.path), "import", "peers"])
    assert out.exit_code == 2 and "--from-qcew" in out.output


# ---------------------------------------------------------------- a generated national single file

LAYOUT = list(QCEW_COLUMNS)  # BLS's annual single-file layout (that of the area slices)
# Real NAICS codes the US Cluster Mapping definitions map: two per traded cluster, one local.
CODES = {"336111": "Automotive", "336390": "Automotive", "524113": "Insurance Services",
         "524126": "Insurance Services", "493110": "Distribution and Electronic Commerce",
         "423430": "Distribution and Electronic Commerce", "325412": "Biopharmaceuticals",
         "325414": "Biopharmaceuticals", "722511": "Local Hospitality Establishments"}
# MSA -> employment per code (same order as CODES); establishments = employment // 20 + 1.
MSAS = {
    "C1814": [900, 300, 4000, 800, 2500, 900, 50, 20, 9000],  # Columbus, OH: the region itself in --cbsa
    "C1006": [50, 10, 300, 100, 200, 80, 900, 400, 2000],
    "C1174": [3000, 1200, 100, 50, 300, 100, 10, 5, 3000],
    "C1258": [400, 100, 1200, 300, 900, 500, 100, 40, 5000],
    "C1798": [20, 5, 50, 10, 100, 40, 5, 2, 800],
    "C3342": [700, 200, 900, 200, 1500, 600, 300, 100, 7000],
    "C4518": [100, 60, 500, 90, 400, 120, 60, 30, 2500],
}
MICRO = {"C1098": [5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000, 5000]}  # micropolitan: never a metro peer
STATES = {"39000": [6000, 2000, 9000, 2000, 7000, 3000, 2000, 800, 40000],
          "06000": [2000, 900, 20000, 6000, 30000, 9000, 20000, 9000, 200000],
          "72000": [10, 10, 10, 10, 10, 10, 10, 10, 10]}  # Puerto Rico: outside the U.S. total
# The Columbus metro's 10 counties (OMB 2023): Franklin (39049) holds most of the metro's jobs.
METRO_COUNTIES = ("39041", "39045", "39049", "39073", "39089", "39097", "39117", "39127", "39129", "39159")
COUNTIES_ = {c: [max(1, round(v * (0.6 if c == "39049" else 0.045))) for v in MSAS["C1814"]] for c in METRO_COUNTIES}
US = [300000, 120000, 500000, 150000, 600000, 200000, 200000, 90000, 5000000]


SECTOR = {"33": "31-33", "32": "31-33", "52": "52", "49": "48-49", "42": "42", "72": "72"}


def _row(area: str, agglvl: str, code: str, emp: int | None, year: int = 2020) -> dict:
    row = {c: 0 for c in LAYOUT}
    row.update(area_fips=area, own_code="5", industry_code=code, agglvl_code=agglvl, size_code="0", year=year,
               qtr="A", disclosure_code="" if emp is not None else "N", lq_disclosure_code="",
               oty_disclosure_code="", annual_avg_estabs=(emp or 0) // 20 + 1, annual_avg_emplvl=emp or 0,
               total_annual_wages=(emp or 0) * 60000, avg_annual_pay=60000 if emp else 0)
    return row


def write_singlefile(path, *, withheld: tuple[str, str] | None = None, year: int = 2020):
    rows = []
    for prefix, areas in (("4", MSAS), ("3", MICRO), ("5", STATES), ("7", COUNTIES_), ("1", {"US000": US})):
        for area, emps in areas.items():
            parents: dict[tuple[str, str], int] = {}  # (agglvl suffix, code) -> employment: the NAICS hierarchy
            for code, emp in zip(CODES, emps):
                hidden = withheld == (area, code)
                rows.append(_row(area, prefix + "8", code, None if hidden else emp, year))
                for level, parent in (("7", code[:5]), ("6", code[:4]), ("5", code[:3]), ("4", SECTOR[code[:2]])):
                    parents[level, parent] = parents.get((level, parent), 0) + emp
            rows += [_row(area, prefix + level, code, emp, year) for (level, code), emp in parents.items()]
            rows.append(_row(area, prefix + "1", "10", sum(emps), year))  # the private total row
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, LAYOUT, quoting=csv.QUOTE_NONNUMERIC)
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.fixture(scope="module")
def crosswalk(shared_data):
    return read_crosswalk(shared_data / "clusters" / "uscmp_naics2012_to_cluster_ACR1.csv")[0]


def _code_of(crosswalk, name):
    return crosswalk.filter(pl.col("cluster_name") == name).get_column("cluster_code")[0]


def test_peers_from_a_national_single_file(tmp_path, crosswalk):
    path = write_singlefile(tmp_path / "2020.annual.singlefile.csv", withheld=("C1174", "524126"))
    peers, info = qcew_peers(scan_qcew(path), crosswalk, kind="msa", estimate=False)
    assert sorted(peers.get_column("region_code").unique()) == sorted(a[1:] + "0" for a in MSAS)  # no micro area
    assert (info["year"], info["regions"]) == (2020, len(MSAS)) and set(peers.get_column("region_type")) == {"msa"}
    # Hand LQ for Columbus Automotive: (e_c / e_traded) / (N_c / N_traded) over the 8 traded codes.
    auto = _code_of(crosswalk, "Automotive")
    got = peers.filter((pl.col("region_code") == "18140") & (pl.col("cluster_code") == auto)).row(0, named=True)
    col = MSAS["C1814"]
    assert got["employment"] == 1200 and got["establishments"] == 900 // 20 + 1 + 300 // 20 + 1
    assert got["lq"] == pytest.approx((1200 / sum(col[:8])) / (420000 / sum(US[:8])))
    # A withheld cell without a value leaves its cluster, and its area's traded base, without an LQ.
    c1174 = peers.filter(pl.col("region_code") == "11740")
    assert c1174.filter(pl.col("type") == "traded").get_column("lq").null_count() == 4
    states, _ = qcew_peers(scan_qcew(path), crosswalk, kind="state", estimate=False)
    assert sorted(states.get_column("region_code").unique()) == ["06", "39"]  # Puerto Rico left out
    counties, _ = qcew_peers(scan_qcew(path), crosswalk, kind="county", estimate=False)
    assert sorted(counties.get_column("region_code").unique()) == sorted(METRO_COUNTIES)


def test_estimated_withheld_cell_gets_its_parents_residual(tmp_path, crosswalk):
    path = write_singlefile(tmp_path / "2020.annual.singlefile.csv", withheld=("C1174", "524126"))
    peers, info = qcew_peers(scan_qcew(path), crosswalk, kind="msa", estimate=True)
    insurance = _code_of(crosswalk, "Insurance Services")
    got = peers.filter((pl.col("region_code") == "11740") & (pl.col("cluster_code") == insurance)).row(0, named=True)
    assert got["employment"] == pytest.approx(150) and got["lq"] is not None  # 50 = total - disclosed cells
    assert 0 < info["estimated"] < 0.01


def _percentile(values, q):
    """Linear interpolation between closest ranks (numpy's default), written out by hand."""
    v = sorted(values)
    pos = q / 100 * (len(v) - 1)
    lo, hi = math.floor(pos), math.ceil(pos)
    return v[lo] + (v[hi] - v[lo]) * (pos - lo)


def _expected_flags(pool: pl.DataFrame, region_code: str) -> dict:
    """The US Cluster Mapping rules for the region's traded clusters, thresholds computed by hand."""
    out = {}
    for cluster in pool.filter((pl.col("region_code") == region_code) & (pl.col("type") == "traded")) \
            .get_column("cluster_code").to_list():
        rows = pool.filter((pl.col("cluster_code") == cluster) & (pl.col("employment") > 0))
        lqs = rows.get_column("lq").drop_nulls().to_list()
        mine = (pl.col("region_code") == region_code) & (pl.col("cluster_code") == cluster)
        me = pool.filter(mine).row(0, named=True)
        size = (me["employment"] > _percentile(rows.get_column("employment").to_list(), 25)
                and me["establishments"] > _percentile(rows.get_column("establishments").to_list(), 25))
        lq = me["lq"]
        if lq is None:
            out[cluster] = dict.fromkeys(FLAGS)
            continue
        out[cluster] = {"strong": lq >= _percentile(lqs, 75) and lq >= 1 and size,
                        "strong10": lq >= _percentile(lqs, 90) and lq >= 1 and size,
                        "significant": lq > _percentile(lqs, 50) and size,
                        "qualifying": lq > _percentile(lqs, 25) and size}
    return out


def test_flags_among_generated_peers_follow_the_us_cluster_mapping_rules(tmp_path, crosswalk):
    path = write_singlefile(tmp_path / "2020.annual.singlefile.csv")
    peers, _ = qcew_peers(scan_qcew(path), crosswalk, kind="msa", estimate=False)
    for region_code in sorted(peers.get_column("region_code").unique()):
        region = peers.filter(pl.col("region_code") == region_code).drop("region_code", "region_name",
                                                                           "region_type")
        flagged = flag_against_peers(region.with_columns(lq_base=pl.lit("type")), peers, region_code=region_code,
                                     region_kind="msa", region_text="metro")
        expected = _expected_flags(peers, region_code)
        got = {r["cluster_code"]: {f: r[f] for f in FLAGS} for r in flagged.filter(pl.col("type") == "traded")
               .iter_rows(named=True)}
        assert got == expected, region_code
        assert not flagged.get_column("flag_method").str.contains("not of the region's").any()
    # The case is not trivial: some clusters are strong, some are not.
    every = [flag_against_peers(peers.filter(pl.col("region_code") == c).drop("region_code"), peers,
                                region_code=c).get_column("strong").to_list()
             for c in peers.get_column("region_code").unique()]
    assert any(True in s for s in every) and any(False in s for s in every)


def test_a_hand_worked_case_of_five_peers():
    # One traded cluster, LQs 0.5, 0.8, 1.1, 1.4, 2.0 (region: 1.4): P25 0.8, P50 1.1, P75 1.4, P90 1.76.
    lqs = {"A": 0.5, "B": 0.8, "C": 1.1, "R": 1.4, "E": 2.0}
    pool = pl.DataFrame({"region_code": list(lqs), "region_type": ["msa"] * 5, "cluster_code": ["1"] * 5,
                         "cluster_name": ["X"] * 5, "type": ["traded"] * 5, "year": [2020] * 5,
                         "employment": [100.0, 200.0, 300.0, 400.0, 500.0], "establishments": [5, 10, 15, 20, 25],
                         "lq": list(lqs.values())}).with_columns(pl.col("year").cast(pl.Int32))
    region = pool.filter(pl.col("region_code") == "R").drop("region_code")
    row = flag_against_peers(region, pool, region_code="R", region_kind="msa").row(0, named=True)
    # emp P25 = 200, est P25 = 10: 400 > 200 and 20 > 10. LQ 1.4 >= P75 1.4 and >= 1: strong; < P90 1.76.
    assert (row["strong"], row["strong10"], row["significant"], row["qualifying"]) == (True, False, True, True)
    assert row["flag_method"] == ("peer percentiles over 5 regions (4 msa regions, 2020 data, plus this region, "
                                  "2020 data)")


# ---------------------------------------------------------------- the workspace, end to end


def test_workspace_computes_metro_peers_from_qcew_and_flags_the_region(metro, tmp_path, crosswalk):
    path = write_singlefile(tmp_path / "2020.annual.singlefile.csv")
    report = metro.import_peers(path, from_qcew=True)
    assert any("7 metro (MSA) regions" in n for n in report.notes)
    assert any("strong traded cluster(s) of 4 flagged" in n for n in report.notes)
    info = metro.peer_set_info()
    assert (info["region_kind"], info["years"], info["method"], info["mismatch"]) == ("msa", [2020], "qcew", "")
    table = metro.clusters()
    traded = table[(table["type"] == "traded") & table["flag_method"].str.startswith("peer")]
    assert len(traded) == 4
    # The region replaces its own row (CBSA 18140) in the peer set: 6 peers plus the region.
    assert traded["flag_method"].str.startswith("peer percentiles over 7 regions (6 msa regions, 2020 data").all()
    assert not traded["flag_method"].str.contains("not of the region's").any()
    pool = pl.concat([metro.peers().filter(pl.col("region_code") != "18140").select(
        "region_code", "cluster_code", "type", "employment", "lq", pl.col("establishments").cast(pl.Int64)),
        pl.from_pandas(traded[["cluster_code", "type", "employment", "lq", "establishments"]]).select(
            pl.lit("18140").alias("region_code"), "cluster_code", "type", pl.col("employment").cast(pl.Float64),
            "lq", pl.col("establishments").cast(pl.Int64))], how="vertical_relaxed")
    expected = _expected_flags(pool, "18140")
    for row in traded.itertuples():
        assert {f: getattr(row, f) for f in FLAGS} == expected[row.cluster_code], row.cluster_name


def test_workspace_refuses_a_qcew_file_of_another_year_and_too_few_peers(metro, tmp_path):
    with pytest.raises(ExportPlanError, match="with 2019 data.*2020 data: the year differ"):
        metro.import_peers(write_singlefile(tmp_path / "2019.csv", year=2019), from_qcew=True)
    small = tmp_path / "small.csv"
    lines = write_singlefile(tmp_path / "all.csv").read_text().splitlines()
    dropped = ('"C1174', '"C1258', '"C1798', '"C4518')
    small.write_text("\n".join(ln for ln in lines if not ln.startswith(dropped)) + "\n")
    with pytest.raises(ExportPlanError, match="only 3 metro .* at least 5"):
        metro.import_peers(small, from_qcew=True)


# ---------------------------------------------------------------- the migration


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return sqlite_url(tmp_path / "ws.db")
    return request.getfixturevalue("pg_url")


def test_upgrade_from_03_describes_each_peer_set(db_url):
    old = Store(db_url, target="0003")
    with old.transaction() as conn:
        p1 = old.add_provenance(conn, kind="peers", dataset="states")
        p2 = old.add_provenance(conn, kind="peers", dataset="metros")
        rows = [dict(peer_set="states", region_code=c, cluster_code="1", year=2016, region_name="", region_type="state",
                     cluster_name="", type="traded", employment=1.0, establishments=1.0, lq=1.0, provenance_id=p1)
                for c in ("01", "02")]
        rows += [dict(peer_set="metros", region_code="18140", cluster_code="1", year=y, region_name="",
                      region_type="msa", cluster_name="", type="traded", employment=2.0, establishments=1.0, lq=0.5,
                      provenance_id=p2) for y in (2020, 2019)]
        old.insert(conn, t.peer_clusters, rows)
    old.dispose()
    new = Store(db_url)
    assert new.revision() == head_revision()
    sets = new.frame(select(t.peer_sets).order_by(t.peer_sets.c.name))
    assert sets[["name", "region_kind", "years", "method", "mismatch"]].values.tolist() == [
        ["metros", "msa", "2019,2020", "file", ""], ["states", "state", "2016", "file", ""]]
    assert sets["provenance_id"].tolist() == [p2, p1]
    assert new.count(t.peer_clusters) == 4  # the rows survived
    new.dispose()


def test_a_mismatch_that_arises_later_is_labelled():
    # Peers of 2020 metros; the region's data move on to 2021 (a new year loaded): flags say so.
    pool = pl.DataFrame({"region_code": ["A", "B", "C"], "region_type": ["msa"] * 3, "cluster_code": ["1"] * 3,
                         "cluster_name": ["X"] * 3, "type": ["traded"] * 3, "year": [2020] * 3,
                         "employment": [100.0, 200.0, 300.0], "establishments": [5, 10, 15],
                         "lq": [0.5, 1.0, 1.5]}).with_columns(pl.col("year").cast(pl.Int32))
    region = pool.filter(pl.col("region_code") == "C").drop("region_code").with_columns(year=pl.lit(2021, pl.Int32))
    later = flag_against_peers(region, pool, region_code="R", region_kind="msa").row(0, named=True)
    assert later["flag_method"].endswith("against 2020 metro (MSA) peers, not of the region's year")
    county = flag_against_peers(region, pool, region_code="R", region_kind="county").row(0, named=True)
    assert county["flag_method"].endswith("against 2020 metro (MSA) peers, not of the region's kind or year")


def test_a_whole_state_compares_with_states(tmp_path, shared_data):
    from exportplan.sources.county_points import county_points
    from exportplan.workspace import Workspace

    delaware = ["10001", "10003", "10005"]
    assert county_points(delaware).shape[0] == 3
    ws = Workspace.init(tmp_path / "de", name="Delaware", counties=delaware)
    try:
        assert ws.region_kind()[:2] == ("state", "10")
        ws.import_peers(shared_data / "clusters" / STATE_PEERS)  # no data loaded yet: the kind matches
        assert ws.peer_set_info()["mismatch"] == ""
        assert ws.peer_flag_args()["region_code"] == "10"  # Delaware's own row is replaced by the region
    finally:
        ws.close()
    two = Workspace.init(tmp_path / "de2", name="Two of Delaware", counties=delaware[:2])
    try:
        assert two.region_kind()[0] == "msa"
    finally:
        two.close()
