"""The workspace end to end: init, QCEW import and fetch, all-or-nothing on bad input,
SQLite and PostgreSQL alike."""
from __future__ import annotations

import shutil

import pytest
from replay import ReplayServer, Route

from exportplan import config as cfg
from exportplan.errors import DownloadError, ExportPlanError, ImportFailed
from exportplan.store import schema as t
from exportplan.workspace import Workspace
from records import imported_records

OHIO = ["39041", "39045", "39049", "39073"]


def qcew_file(shared, fips):
    return shared / "qcew" / f"bls_qcew_2020_annual_area_{fips}.csv"


@pytest.fixture(params=["sqlite", "postgres"])
def make_ws(request, tmp_path):
    url = None if request.param == "sqlite" else request.getfixturevalue("pg_url")
    made = []

    def make(**kw):
        kw.setdefault("name", "Columbus test region")
        kw.setdefault("counties", OHIO)
        ws = Workspace.init(tmp_path / f"ws{len(made)}", database_url=url, **kw)
        made.append(ws)
        return ws
    yield make
    for ws in made:
        ws.close()


def test_init_writes_readable_config_and_opens_again(make_ws):
    ws = make_ws(organization="Test EDO", staff=2, budget=100000)
    text = (ws.path / cfg.CONFIG_FILE).read_text()
    assert 'counties = [' in text and '"39049"' in text
    again = Workspace.open(ws.path)
    assert again.counties == OHIO and again.config["organization"]["staff"] == 2
    again.close()


def test_a_served_workspace_reads_settings_saved_by_another_process_or_request(tmp_path):
    served = Workspace.init(tmp_path / "ws", name="Served", counties=OHIO)
    assert served.reload_config_if_changed() is False  # the first call notes the file as read
    other = Workspace.open(served.path)  # another worker, or a request's copy
    try:
        other.config["organization"]["staff"] = 7
        other.save_config()
        assert served.config["organization"].get("staff") != 7
        assert served.reload_config_if_changed() is True
        assert served.config["organization"]["staff"] == 7
        assert served.for_request(user="x").config["organization"]["staff"] == 7
        assert served.reload_config_if_changed() is False  # unchanged since
    finally:
        other.close()
        served.close()


def test_init_rejects_bad_county_codes(tmp_path):
    with pytest.raises(ExportPlanError, match="5-digit FIPS"):
        Workspace.init(tmp_path / "w", name="x", counties=["3904X"])
    assert not (tmp_path / "w" / cfg.CONFIG_FILE).exists()


def test_init_needs_counties_or_cbsa(tmp_path):
    with pytest.raises(ExportPlanError, match="either"):
        Workspace.init(tmp_path / "w", name="x")


def test_cbsa_expands_to_its_counties(tmp_path, shared_data):
    book = shared_data / "qcew" / "census_omb_cbsa_county_delineation_list1_2023.xlsx"
    ws = Workspace.init(tmp_path / "w", name="Columbus", cbsa="18140", delineation=book)
    assert len(ws.counties) == 10 and "39049" in ws.counties and "39047" not in ws.counties
    assert ws.config["region"]["cbsa"] == "18140"
    ws.close()


def test_import_real_county_files(make_ws, shared_data):
    ws = make_ws()
    report = ws.import_qcew([qcew_file(shared_data, f) for f in OHIO])
    assert report.rows == sum(len(qcew_file(shared_data, f).read_text().splitlines()) - 1 for f in OHIO)
    frame = ws.qcew_frame(["39049"])
    withheld = frame.filter(frame["disclosure_code"] == "N")
    assert withheld.height > 0 and withheld["emplvl"].null_count() == withheld.height
    prov = ws.provenance("qcew")
    assert len(prov) == 4 and prov["sha256"].str.len().eq(64).all()
    assert set(prov["vintage"]) == {"2020 annual"}


def test_reimport_is_idempotent(make_ws, shared_data):
    ws = make_ws()
    ws.import_qcew([qcew_file(shared_data, "39073")])
    n = ws.store.count(t.qcew)
    report = ws.import_qcew([qcew_file(shared_data, "39073")])
    assert ws.store.count(t.qcew) == n and report.replaced == n


BAD_FILES = {
    "other_layout": ("area_fips,area_title\n39049,Franklin County\n", "not a bls qcew"),
    "truncated": (None, "line"),
    "non_numeric": (None, "annual_avg_emplvl"),
    "unknown_area": (None, "area"),
    "empty": ("", "empty"),
}


def _bad_file(tmp_path, shared_data, kind):
    text = qcew_file(shared_data, "39073").read_text()
    lines = text.splitlines()
    if kind == "truncated":
        body = "\n".join(lines[:50]) + "\n" + lines[50][: len(lines[50]) // 2]
    elif kind == "non_numeric":
        cells = lines[10].split(",")
        cells[9] = "12a"
        body = "\n".join(lines[:10] + [",".join(cells)] + lines[11:20]) + "\n"
    elif kind == "unknown_area":
        body = "\n".join(lines[:5] + [lines[5].replace("39073", "3907X", 1)] + lines[6:20]) + "\n"
    else:
        body = BAD_FILES[kind][0]
    path = tmp_path / f"bad_{kind}.csv"
    path.write_text(body)
    return path


@pytest.mark.parametrize("kind", sorted(BAD_FILES))
def test_bad_file_leaves_workspace_unchanged(make_ws, shared_data, tmp_path, kind):
    ws = make_ws()
    ws.import_qcew([qcew_file(shared_data, "39041")])
    before = (ws.store.count(t.qcew), ws.store.count(t.provenance))
    bad = _bad_file(tmp_path, shared_data, kind)
    with pytest.raises(ImportFailed) as err:
        ws.import_qcew([qcew_file(shared_data, "39045"), bad])  # a good file with a bad one: nothing is written
    message = str(err.value)
    assert bad.name in message and BAD_FILES[kind][1] in message.lower()
    assert "nothing was written" in message
    assert (ws.store.count(t.qcew), ws.store.count(t.provenance)) == before


def test_fetch_downloads_caches_and_imports(tmp_path, shared_data):
    ws = Workspace.init(tmp_path / "w", name="x", counties=["39049"], reference_area="39073")
    routes = {f"/cew/data/api/2020/a/area/{f}.csv": Route(file=qcew_file(shared_data, f)) for f in ("39049", "39073")}
    with ReplayServer(routes) as srv:
        report = ws.fetch_qcew([2020], base_url=srv.base_url + "/cew/data/api", progress=False)
        assert report.rows > 3000
        ws.fetch_qcew([2020], base_url=srv.base_url + "/cew/data/api", progress=False)
        assert srv.hits("/cew/data/api/2020/a/area/39049.csv") == 1  # second time from the cache
    prov = ws.provenance("qcew")
    assert prov["url"].str.contains("/2020/a/area/39049.csv").any()
    ws.close()


def test_fetch_404_and_truncation_write_nothing(tmp_path, shared_data):
    ws = Workspace.init(tmp_path / "w", name="x", counties=["39049"], reference_area="39073")
    body = qcew_file(shared_data, "39049").read_bytes()
    routes = {"/api/2020/a/area/39049.csv": Route(body=body, truncate_to=len(body) // 3)}
    with ReplayServer(routes) as srv:
        with pytest.raises(DownloadError, match="cut short|no file"):
            ws.fetch_qcew([2020], base_url=srv.base_url + "/api", progress=False, retries=0, timeout=2)
        with pytest.raises(DownloadError, match="no file"):
            ws.fetch_qcew([2019], base_url=srv.base_url + "/api", progress=False, retries=0, timeout=2)
    assert ws.store.count(t.qcew) == 0
    cached = [p for p in (ws.cache_dir / "qcew").rglob("*") if p.is_file()] if (ws.cache_dir / "qcew").exists() else []
    assert not [p for p in cached if p.suffix == ".csv"]
    ws.close()


def test_open_missing_workspace_says_what_to_do(tmp_path):
    with pytest.raises(ExportPlanError, match="exportplan init"):
        Workspace.open(tmp_path)


def test_workspace_copy_keeps_working(tmp_path, shared_data):
    ws = Workspace.init(tmp_path / "a", name="x", counties=["39073"])
    ws.import_qcew([qcew_file(shared_data, "39073")])
    ws.close()
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    moved = Workspace.open(tmp_path / "b")
    assert moved.store.count(t.qcew) > 0
    moved.close()


# ---- identity: a folder only ever uses its own workspace's database --------------------
def _targets_file(tmp_path, code="3361"):
    path = tmp_path / f"targets_{code}.csv"
    path.write_text(f"target,priority\n{code},1\n")
    return path


def test_init_refuses_a_database_that_holds_a_workspace(tmp_path, pg_url):
    real = Workspace.init(tmp_path / "real", name="Real region", counties=["39049"], database_url=pg_url)
    real.import_table("targets", _targets_file(tmp_path))
    with pytest.raises(ExportPlanError, match=r"already holds workspace 'Real region' \(id "
                                              + real.config["workspace"]["id"]):
        Workspace.init(tmp_path / "other", name="Other", counties=["39041"], database_url=pg_url)
    assert not (tmp_path / "other").exists()  # nothing left behind
    assert list(real.user_table("targets")["target"]) == ["3361"]
    real.close()


def test_attach_adopts_the_id_and_the_sample_flag(tmp_path, pg_url):
    from exportplan.demo.builder import build_demo

    sample = build_demo(tmp_path / "sample", database_url=pg_url)
    second = Workspace.init(tmp_path / "second", name="Second folder", counties=["39049"], database_url=pg_url,
                            attach=True)
    assert second.config["workspace"]["id"] == sample.config["workspace"]["id"]
    again = Workspace.open(second.path)
    assert second.is_sample and again.is_sample
    for ws in (sample, second, again):
        ws.close()


def test_open_refuses_another_workspaces_database(tmp_path, pg_url, monkeypatch):
    real = Workspace.init(tmp_path / "real", name="Real region", counties=["39049"], database_url=pg_url)
    real.close()
    mine = Workspace.init(tmp_path / "mine", name="Mine", counties=["39049"])  # SQLite
    mine.close()
    monkeypatch.setenv(cfg.DATABASE_URL_ENV, pg_url)
    with pytest.raises(ExportPlanError, match=r"belongs to workspace 'Real region'.*not to 'Mine'.*"
                                              r"EXPORTPLAN_DATABASE_URL overrides"):
        Workspace.open(tmp_path / "mine")


def test_sample_ignores_the_environment_database(tmp_path, pg_url, monkeypatch):
    from exportplan.demo.builder import build_demo

    real = Workspace.init(tmp_path / "real", name="Real region", counties=["39049"], database_url=pg_url)
    real.import_table("targets", _targets_file(tmp_path))
    monkeypatch.setenv(cfg.DATABASE_URL_ENV, pg_url)
    sample = build_demo(tmp_path / "sample")
    assert sample.store.dialect == "sqlite" and sample.config["database"]["url"] == ""
    assert list(real.user_table("targets")["target"]) == ["3361"]  # untouched by the sample
    assert real.store.count(t.qcew) == 0
    sample.close()
    real.close()


def test_environment_url_is_used_not_saved_and_passwords_are_never_saved(tmp_path, pg_url, monkeypatch):
    monkeypatch.setenv(cfg.DATABASE_URL_ENV, pg_url)
    via_env = Workspace.init(tmp_path / "env", name="Env", counties=["39049"])
    assert via_env.store.dialect == "postgresql"
    assert 'url = ""' in (via_env.path / cfg.CONFIG_FILE).read_text()
    via_env.close()
    monkeypatch.delenv(cfg.DATABASE_URL_ENV)
    with pytest.raises(ExportPlanError, match="no database file exportplan.db.*EXPORTPLAN_DATABASE_URL"):
        Workspace.open(tmp_path / "env")  # never an empty SQLite file in its place
    assert not (tmp_path / "env" / cfg.DB_FILE).exists()


def test_password_is_left_out_of_the_saved_url(tmp_path, pg_url):
    with_password = pg_url.replace("://postgres@", "://postgres:s3cret@")  # the test server trusts local users
    ws = Workspace.init(tmp_path / "w", name="W", counties=["39049"], database_url=with_password)
    text = (ws.path / cfg.CONFIG_FILE).read_text()
    assert "s3cret" not in text and cfg.load(ws.path)["database"]["url"] == pg_url
    assert any(cfg.DATABASE_URL_ENV in n and ".pgpass" in n for n in ws.notes)
    ws.close()
    Workspace.open(ws.path).close()


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_release_01_workspace_is_adopted_on_open(tmp_path, request, backend):
    from exportplan.store.db import Store, sqlite_url

    folder = tmp_path / "old"
    folder.mkdir()
    url = request.getfixturevalue("pg_url") if backend == "postgres" else sqlite_url(folder / cfg.DB_FILE)
    config = cfg.defaults()  # what release 0.1 wrote: no workspace.id
    del config["workspace"]["id"]
    config["workspace"].update(name="Old region", created="2024-05-01T00:00:00+00:00")
    config["region"]["counties"] = ["39049"]
    config["database"]["url"] = url if backend == "postgres" else ""
    cfg.save(folder, config)
    old = Store(url, target="0001")
    with old.transaction() as conn:
        pid = old.add_provenance(conn, kind="qcew", rows=1)
        old.insert(conn, t.qcew, [dict(area_fips="39049", own_code="5", industry_code="3254", size_code="0",
                                       year=2020, qtr="A", agglvl_code="74", disclosure_code="", emplvl=5.0,
                                       provenance_id=pid)])
    old.dispose()
    ws = Workspace.open(folder)
    wid = cfg.load(folder)["workspace"]["id"]
    assert len(wid) == 36 and ws.store.workspace_info()["id"] == wid and ws.store.count(t.qcew) == 1
    assert any(wid in n for n in ws.notes)
    ws.close()
    Workspace.open(folder).close()  # opens again with its id
    if backend == "postgres":  # a second 0.1 folder that shared the database is refused
        twin = tmp_path / "twin"
        twin.mkdir()
        config["workspace"]["name"] = "Twin"
        cfg.save(twin, config)
        with pytest.raises(ExportPlanError, match="belongs to workspace 'Old region'"):
            Workspace.open(twin)


def test_failed_init_leaves_nothing_behind(tmp_path):
    with pytest.raises(ExportPlanError, match="Check that the server runs"):
        Workspace.init(tmp_path / "new", name="X", counties=["39049"],
                       database_url="postgresql://nobody@127.0.0.1:1/none")
    assert not (tmp_path / "new").exists()
    kept = tmp_path / "kept"
    kept.mkdir()
    (kept / "notes.txt").write_text("mine")
    with pytest.raises(ExportPlanError):
        Workspace.init(kept, name="X", counties=["39049"], database_url="postgresql://nobody@127.0.0.1:1/none")
    assert [p.name for p in kept.iterdir()] == ["notes.txt"]


@pytest.mark.parametrize("given, saved", [("us000", "US000"), ("USLQ", "USLQ"), ("39000", "39000"),
                                          ("c1814", "C1814"), ("CS198", "CS198")])
def test_reference_area_forms_are_accepted(tmp_path, given, saved):
    ws = Workspace.init(tmp_path / "w", name="X", counties=["39049"], reference_area=given, state="oh")
    assert cfg.load(ws.path)["region"]["reference_area"] == saved and ws.config["region"]["state"] == "OH"
    ws.close()


@pytest.mark.parametrize("option, value, message", [
    ("reference_area", "BOGUS", "not a QCEW area"), ("reference_area", "3900", "not a QCEW area"),
    ("state", "Ohio", "not a two-letter U.S. state code"), ("state", "XX", "not a two-letter U.S. state code")])
def test_bad_reference_area_or_state_is_refused(tmp_path, option, value, message):
    with pytest.raises(ExportPlanError, match=message):
        Workspace.init(tmp_path / "w", name="X", counties=["39049"], **{option: value})
    assert not (tmp_path / "w").exists()


# ---- hand-edited settings are type-checked ---------------------------------------------
def _edit(ws_path, section, key, value):
    import tomllib

    import tomli_w

    path = ws_path / cfg.CONFIG_FILE
    data = tomllib.loads(path.read_text())
    data[section][key] = value
    path.write_text(tomli_w.dumps(data))


@pytest.mark.parametrize("section, key, value, expected", [
    ("analysis", "window", "five", "analysis.window = 'five' should be a whole number"),
    ("region", "counties", "99001", "region.counties = '99001' should be a list"),
    ("region", "counties", [39049], "region.counties = \\[39049\\] should be a list of codes in quotes"),
    ("workspace", "sample_data", "yes", "workspace.sample_data = 'yes' should be true or false"),
    ("markets", "coverage_floor", "half", "markets.coverage_floor = 'half' should be a number"),
    ("region", "centre", [39.9], "region.centre = \\[39.9\\] should be two numbers"),
    ("markets", "priority_sectors", "336", "markets.priority_sectors = '336' should be a list"),
])
def test_hand_edited_setting_of_the_wrong_type_is_named(tmp_path, section, key, value, expected):
    ws = Workspace.init(tmp_path / "w", name="X", counties=["39049"])
    ws.close()
    _edit(ws.path, section, key, value)
    with pytest.raises(ExportPlanError, match=expected):
        Workspace.open(ws.path)


def test_hand_edited_settings_of_the_right_type_are_read(tmp_path):
    ws = Workspace.init(tmp_path / "w", name="X", counties=["39049"])
    ws.close()
    for section, key, value in (("analysis", "ownership", 5), ("organization", "staff", 1.5),
                                ("markets", "weights", "proximity=0.2"), ("region", "centre", [40, -83.0])):
        _edit(ws.path, section, key, value)
    again = Workspace.open(ws.path)
    assert again.config["analysis"]["ownership"] == "5" and again.config["organization"]["staff"] == 1.5
    assert again.config["markets"]["weights"] == "proximity=0.2"
    again.close()


# ---- crosswalk / peer set in use, and bad peer and title files (the workspace's cluster part) ----

XWALK_CSV = "naics,cluster_code\n336411,1\n722511,111\n"
PEERS_CSV = ("region_code_t,region_name_t,region_type_t,cluster_code_t,cluster_name_t,year_t,emp_tl,est_tl,lq_tf,"
             "cluster_type\n01,Alabama,county,1,Aerospace Vehicles and Defense,2016,1200,30,1.5,traded\n"
             "02,Alaska,county,1,Aerospace Vehicles and Defense,2016,800,20,0.9,traded\n")  # the region is one county


@pytest.fixture
def cluster_ws(tmp_path):
    ws = Workspace.init(tmp_path / "cw", name="Cluster test", counties=["39049"])
    for name, text in (("xa.csv", XWALK_CSV), ("xb.csv", XWALK_CSV.replace("336411,1", "336411,2")),
                       ("pa.csv", PEERS_CSV), ("pb.csv", PEERS_CSV.replace("02,Alaska", "04,Arizona"))):
        (tmp_path / name).write_text(text, encoding="utf-8")
    yield ws
    ws.close()


def _config_text(ws):
    return (ws.path / cfg.CONFIG_FILE).read_text(encoding="utf-8")


def test_the_last_imported_crosswalk_and_peer_set_are_in_use_without_a_config_write(cluster_ws, tmp_path):
    ws, before = cluster_ws, _config_text(cluster_ws)
    for stem in ("xa", "xb"):
        ws.import_clusters(tmp_path / f"{stem}.csv")
        assert ws.crosswalk()[1]["name"] == stem
    for stem, region in (("pa", "02"), ("pb", "04")):
        ws.import_peers(tmp_path / f"{stem}.csv")
        assert region in ws.peers().get_column("region_code").to_list()
    assert _config_text(ws) == before  # "in use" lives in the database only
    again = Workspace.open(ws.path)
    assert again.crosswalk()[1]["name"] == "xb" and "04" in again.peers().get_column("region_code").to_list()
    again.close()


def test_a_config_override_is_honoured_and_a_new_import_clears_it(cluster_ws, tmp_path):
    ws = cluster_ws
    ws.import_clusters(tmp_path / "xa.csv")
    ws.import_clusters(tmp_path / "xb.csv")
    ws.import_peers(tmp_path / "pa.csv")
    ws.import_peers(tmp_path / "pb.csv")
    ws.config["analysis"].update(crosswalk="xa", peer_set="pa")
    ws.save_config()
    assert ws.crosswalk()[1]["name"] == "xa" and "02" in ws.peers().get_column("region_code").to_list()
    ws.import_clusters(tmp_path / "xb.csv", name="xc")
    ws.import_peers(tmp_path / "pb.csv", name="pc")
    reopened = cfg.load(ws.path)["analysis"]
    assert (reopened["crosswalk"], reopened["peer_set"]) == ("", "")
    assert ws.crosswalk()[1]["name"] == "xc" and "04" in ws.peers().get_column("region_code").to_list()
    ws.config["analysis"]["crosswalk"] = "nope"
    with pytest.raises(ExportPlanError, match="'nope'.*analysis.crosswalk"):
        ws.crosswalk()


def test_a_failed_config_save_rolls_the_import_back(cluster_ws, tmp_path, monkeypatch):
    ws = cluster_ws
    ws.import_clusters(tmp_path / "xa.csv")
    ws.config["analysis"]["crosswalk"] = "xa"
    ws.save_config()
    before = _config_text(ws)

    def broken_save():
        raise OSError("read-only folder (simulated)")

    monkeypatch.setattr(ws, "save_config", broken_save)
    with pytest.raises(OSError, match="simulated"):
        ws.import_clusters(tmp_path / "xb.csv")
    assert set(ws.store.table(t.crosswalks)["name"]) == {"xa"} and ws.crosswalk()[1]["name"] == "xa"
    assert _config_text(ws) == before and ws.config["analysis"]["crosswalk"] == "xa"


def test_a_failed_commit_restores_the_config(cluster_ws, tmp_path, monkeypatch):
    from contextlib import contextmanager

    ws = cluster_ws
    ws.import_peers(tmp_path / "pa.csv")
    ws.config["analysis"]["peer_set"] = "pa"
    ws.save_config()
    before = _config_text(ws)
    real = ws.store.transaction

    @contextmanager
    def failing_commit():
        with real() as conn:
            yield conn
            raise RuntimeError("commit failed (simulated)")

    monkeypatch.setattr(ws.store, "transaction", failing_commit)
    with pytest.raises(RuntimeError, match="simulated"):
        ws.import_peers(tmp_path / "pb.csv")
    assert _config_text(ws) == before and ws.config["analysis"]["peer_set"] == "pa"
    assert set(ws.store.table(t.peer_clusters)["peer_set"]) == {"pa"}


def test_bad_peer_and_title_files_write_nothing(cluster_ws, tmp_path):
    ws = cluster_ws
    bad_peers = tmp_path / "bad_peers.csv"
    bad_peers.write_text(PEERS_CSV.replace(",2016,800,", ",NA,800,").replace("01,Alabama", ",Alabama"))
    with pytest.raises(ImportFailed) as err:
        ws.import_peers(bad_peers)
    assert [(p.row, p.column) for p in err.value.table.problems] == [(2, "region_code_t"), (3, "year_t")]
    damaged = tmp_path / "titles.xlsx"
    damaged.write_bytes(b"PK\x03\x04 not really a workbook")
    with pytest.raises(ExportPlanError, match="titles.xlsx is not a readable XLSX"):
        ws.import_titles(damaged)
    assert imported_records(ws) == 0 and ws.store.count(t.peer_clusters) == 0
