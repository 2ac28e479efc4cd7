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
