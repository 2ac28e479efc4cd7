"""Inputs a user gets wrong, and databases that are not what they seem: every one ends in
``Error: ...`` with exit code 2 (never a traceback), and nothing is half written."""
from __future__ import annotations

import json
from urllib.parse import parse_qs

import click
import pytest
from click.testing import CliRunner

from exportplan import config as cfg
from exportplan.cli.main import cli, friendly
from exportplan.errors import ExportPlanError
from exportplan.store import schema as t
from exportplan.store.db import Store, sqlite_url
from exportplan.workspace import Workspace
from records import imported_records

UNREACHABLE = "postgresql://nobody@127.0.0.1:1/none"


def run(*args, env=None):
    return CliRunner().invoke(cli, [str(a) for a in args], env=env)


@pytest.fixture
def quiet_demo(monkeypatch):
    """'exportplan demo' builds the sample but skips printing its analysis (slow, and tested elsewhere)."""
    from exportplan.demo import builder

    monkeypatch.setattr(builder, "show_demo", lambda ws, echo: echo("(analysis not shown)"))


@pytest.fixture
def ws(tmp_path):
    made = Workspace.init(tmp_path / "ws", name="Test Region", counties=["39049"], centre=[39.96, -82.99])
    yield made
    made.close()


def _write(path, text):
    path.write_text(text, encoding="utf-8")
    return path


def _counts(workspace):
    counts = {name: workspace.store.count(tb) for name, tb in (("values", t.country_values), ("exports", t.exports),
                                                               ("partners", t.partnerships))}
    return {"provenance": imported_records(workspace), **counts}


# ============================================================================ one database per workspace

def test_demo_with_the_environment_variable_leaves_a_real_workspace_alone(tmp_path, pg_url, monkeypatch,
                                                                           quiet_demo):
    env = {cfg.DATABASE_URL_ENV: pg_url}
    assert run("init", tmp_path / "real", "--name", "Real", "--counties", "39049", env=env).exit_code == 0
    targets = _write(tmp_path / "targets.csv", "target,priority\n3361,1\n")
    assert run("-w", tmp_path / "real", "import", "targets", targets, env=env).exit_code == 0
    demo = run("demo", tmp_path / "demo", env=env)
    assert demo.exit_code == 0, demo.output
    assert cfg.load(tmp_path / "demo")["database"]["url"] == ""  # the sample went to its own SQLite file
    assert cfg.load(tmp_path / "real")["database"]["url"] == ""  # an environment URL is never saved
    monkeypatch.setenv(cfg.DATABASE_URL_ENV, pg_url)
    with Workspace.open(tmp_path / "real") as real:
        assert list(real.user_table("targets")["target"]) == ["3361"]
        assert real.store.count(t.qcew) == 0
    monkeypatch.delenv(cfg.DATABASE_URL_ENV)
    again = run("init", tmp_path / "real1", "--name", "Real 1", "--counties", "39049", "--database-url", pg_url)
    assert again.exit_code == 2 and "already holds workspace 'Real'" in again.output
    assert not (tmp_path / "real1").exists()


def test_init_on_a_sample_database_needs_attach_and_stays_sample(tmp_path, pg_url, quiet_demo):
    assert run("demo", tmp_path / "demo", "--database-url", pg_url).exit_code == 0
    counties = ",".join(cfg.load(tmp_path / "demo")["region"]["counties"])
    refused = run("init", tmp_path / "real1", "--name", "Real", "--counties", counties, "--database-url", pg_url)
    assert refused.exit_code == 2 and "--attach" in refused.output
    attached = run("init", tmp_path / "real1", "--name", "Real", "--counties", counties, "--database-url", pg_url,
                   "--attach")
    assert attached.exit_code == 0, attached.output
    shown = run("-w", tmp_path / "real1", "industries", "--level", "2")
    assert shown.exit_code == 0, shown.output
    assert "SAMPLE DATA" in shown.output


# ============================================================================ errors, not tracebacks

def test_unreadable_file_is_a_message(ws, tmp_path, monkeypatch):
    from exportplan.imports import tables as it

    path = _write(tmp_path / "targets.csv", "target\n336\n")

    def denied(*_a, **_k):
        raise PermissionError(13, "Permission denied", str(path))
    monkeypatch.setattr(it, "read_table", denied)
    result = run("-w", ws.path, "import", "targets", path)
    assert result.exit_code == 2 and f"Error: cannot read {path}: Permission denied" in result.output


def _failing_command(action):
    @click.command()
    @friendly
    def command():
        action()
    return command


def test_data_the_database_rejects_is_a_message_naming_the_table(pg_url):
    store = Store(pg_url)

    def too_long():
        with store.transaction() as conn:
            store.insert(conn, t.area_titles, [{"area_fips": "390490", "title": "six digits"}])
    result = CliRunner().invoke(_failing_command(too_long), [])
    store.dispose()
    assert result.exit_code == 2
    assert "Error: the database rejected the data (table area_titles" in result.output and "Traceback" not in result.output


def test_duplicate_key_is_a_message(tmp_path):
    store = Store(sqlite_url(tmp_path / "x.db"))

    def twice():
        with store.transaction() as conn:
            store.insert(conn, t.area_titles, [{"area_fips": "39049", "title": "a"}, {"area_fips": "39049", "title": "b"}])
    result = CliRunner().invoke(_failing_command(twice), [])
    store.dispose()
    assert result.exit_code == 2 and "the database rejected the data (table area_titles)" in result.output


def test_unknown_migration_is_a_message():
    from alembic.util.exc import CommandError

    def unknown():
        raise CommandError("Can't locate revision identified by '0099'")
    result = CliRunner().invoke(_failing_command(unknown), [])
    assert result.exit_code == 2 and "upgrade exportplan" in result.output


def test_other_errors_still_raise():
    def bug():
        raise ZeroDivisionError("a bug, not a user error")
    result = CliRunner().invoke(_failing_command(bug), [])
    assert isinstance(result.exception, ZeroDivisionError)


def test_workspace_of_a_newer_release_is_a_message(ws):
    from sqlalchemy import text

    with ws.store.transaction() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    ws.close()
    result = run("-w", ws.path, "sources")
    assert result.exit_code == 2
    assert "made by a newer exportplan (schema 0099); upgrade exportplan" in result.output


def test_damaged_database_file_is_a_message(ws):
    ws.close()
    for suffix in ("-wal", "-shm"):
        (ws.path / (cfg.DB_FILE + suffix)).unlink(missing_ok=True)
    (ws.path / cfg.DB_FILE).write_bytes(b"garbage" * 1000)
    result = run("-w", ws.path, "sources")
    assert result.exit_code == 2 and "exportplan.db is not a valid exportplan database" in result.output


@pytest.mark.parametrize("line, message", [
    ("window = \"five\"", "analysis.window = 'five' should be a whole number"),
    ("strong_threshold = \"high\"", "analysis.strong_threshold = 'high' should be a number"),
])
def test_hand_edited_config_is_a_message(ws, line, message):
    path = ws.path / cfg.CONFIG_FILE
    key = line.split(" =")[0]
    lines = [line if ln.startswith(key + " =") else ln for ln in path.read_text().splitlines()]
    path.write_text("\n".join(lines) + "\n")
    result = run("-w", ws.path, "sources")
    assert result.exit_code == 2 and message in result.output


# ============================================================================ init checks

@pytest.mark.parametrize("args, message", [
    (["--reference-area", "BOGUS"], "is not a QCEW area"),
    (["--state", "Ohio"], "not a two-letter U.S. state code"),
    (["--database-url", "mysql://user@localhost/db"], "SQLite (the default) and PostgreSQL"),
    (["--database-url", UNREACHABLE], "Check that the server runs"),
])
def test_init_refuses_bad_options_and_leaves_no_folder(tmp_path, args, message):
    result = run("init", tmp_path / "w", "--name", "X", "--counties", "39049", *args)
    assert result.exit_code == 2 and message in result.output
    assert not (tmp_path / "w").exists()


def test_init_saves_codes_in_their_official_form(tmp_path):
    result = run("init", tmp_path / "w", "--name", "X", "--counties", "39049", "--state", "oh",
                 "--reference-area", "c1814")
    assert result.exit_code == 0, result.output
    region = cfg.load(tmp_path / "w")["region"]
    assert (region["state"], region["reference_area"]) == ("OH", "C1814")


# ============================================================================ options

@pytest.mark.parametrize("window", ["0", "-3", "31"])
def test_window_must_be_1_to_30(ws, window):
    result = run("-w", ws.path, "industries", "--window", window)
    assert result.exit_code == 2 and "--window" in result.output and "1<=x<=30" in result.output


@pytest.mark.parametrize("command", [["import", "targets"], ["import", "countries"], ["import", "exports"],
                                     ["import", "partnerships"]])
def test_sheet_for_a_csv_file_is_refused(ws, tmp_path, command):
    path = _write(tmp_path / "t.csv", "target,country,year,value_usd\n336,Mexico,2022,5\n")
    result = run("-w", ws.path, *command, path, "--sheet", "Sheet1")
    assert result.exit_code == 2 and "leave --sheet out for a CSV file" in result.output
    assert imported_records(ws) == 0


def test_fetch_countries_needs_an_indicator_when_given(ws):
    with pytest.raises(ExportPlanError, match="Name at least one indicator"):
        ws.fetch_countries(indicators=[], wgi=())
    with pytest.raises(ExportPlanError, match="Name at least one indicator"):
        ws.fetch_countries(indicators=["", " "], wgi=())


# ============================================================================ all or nothing

def _fail_on_second_insert(workspace, monkeypatch):
    real = workspace.store.insert
    calls = []

    def insert(conn, table, rows):
        calls.append(table.name)
        if len(calls) == 2:
            raise ExportPlanError("the connection dropped (simulated)")
        return real(conn, table, rows)
    monkeypatch.setattr(workspace.store, "insert", insert)
    return calls


def test_fetch_countries_writes_all_indicators_or_none(ws, shared_data, replay_server, monkeypatch):  # noqa: F811
    api = shared_data / "api-responses/worldbank"
    replay_server.add_file("/v2/country/all/indicator/SP.POP.TOTL",
                           api / "worldbank_v2_country-all_SP.POP.TOTL_source2_2015_per20000.json")
    replay_server.add_file("/v2/country/all/indicator/GOV_WGI_GE.EST",
                           api / "worldbank_v2_country-all_GOV_WGI_GE.EST_source3_2015_per20000.json")
    calls = _fail_on_second_insert(ws, monkeypatch)
    with pytest.raises(ExportPlanError, match="simulated"):
        ws.fetch_countries(years=(2015, 2015), indicators=["SP.POP.TOTL"], wgi=["GE.EST"],
                           base_url=replay_server.url("/v2"))
    assert calls == ["country_values", "country_values"]  # the first indicator was stored, then it failed
    assert _counts(ws) == {"provenance": 0, "values": 0, "exports": 0, "partners": 0}
    monkeypatch.undo()
    report = ws.fetch_countries(years=(2015, 2015), indicators=["SP.POP.TOTL"], wgi=["GE.EST"],
                                base_url=replay_server.url("/v2"))
    assert report.rows == ws.store.count(t.country_values) > 0


def _state_answer(request):
    year = parse_qs(request.query)["time"][0][:4]
    body = [["CTY_CODE", "CTY_NAME", "NAICS", "NAICS_SDESC", "ALL_VAL_YR", "STATE", "COMM_LVL", "time"],
            ["1220", "CANADA", "336", "TRANSPORTATION EQUIPMENT", "3000", "OH", "NA3", f"{year}-12"],
            ["2010", "MEXICO", "336", "TRANSPORTATION EQUIPMENT", "2000", "OH", "NA3", f"{year}-12"]]
    return 200, {"Content-Type": "application/json"}, json.dumps(body).encode()


def test_fetch_exports_writes_all_years_or_none(ws, replay_server, monkeypatch):  # noqa: F811
    monkeypatch.setenv("EXPORTPLAN_CENSUS_KEY", "k" * 40)
    path = "/data/timeseries/intltrade/exports/statenaics"
    replay_server.add(path, respond=_state_answer)
    _fail_on_second_insert(ws, monkeypatch)
    with pytest.raises(ExportPlanError, match="simulated"):
        ws.fetch_exports("OH", [2022, 2023], base_url=replay_server.url(path))
    assert _counts(ws) == {"provenance": 0, "values": 0, "exports": 0, "partners": 0}


# ============================================================================ imports of nothing

def test_country_file_without_values_fails(ws, tmp_path):
    before = _counts(ws)
    only_keys = _write(tmp_path / "countries.csv", "country,year\nMexico,2022\nCanada,2022\n")
    for attempt in (lambda: ws.import_countries(only_keys), lambda: ws.import_table("countries", only_keys)):
        with pytest.raises(ExportPlanError, match="no values found in countries.csv"):
            attempt()
    wdi = _write(tmp_path / "worldbank_wdi_ny.gdp.mktp.cd.csv", "Country Name,Country Code,Year,Value\n"
                                                               "Mexico,MEX,2022,\nCanada,CAN,2022,\n")
    with pytest.raises(ExportPlanError, match="no values found in worldbank_wdi_ny.gdp.mktp.cd.csv"):
        ws.import_countries(wdi)
    assert _counts(ws) == before
    result = run("-w", ws.path, "import", "countries", only_keys)
    assert result.exit_code == 2 and "Error: no values found in countries.csv" in result.output


@pytest.mark.parametrize("kind, header", [
    ("clusters", "clusters/uscmp_naics2012_to_cluster_ACR1.csv"),
    ("peers", "clusters/uscmp_state_clusters_2016.csv"),
    ("titles", "naics/bls_qcew_industry_titles_2018.csv"),
])
def test_files_with_only_a_header_import_nothing(ws, tmp_path, shared_data, kind, header):
    with open(shared_data / header, encoding="utf-8-sig") as fh:  # the real file's header line, read in place
        first = fh.readline()
    path = _write(tmp_path / f"{kind}.csv", first)
    result = run("-w", ws.path, "import", kind, path)
    assert result.exit_code == 2 and f"Error: no values found in {kind}.csv" in result.output
    assert imported_records(ws) == 0
    assert cfg.load(ws.path)["analysis"]["crosswalk"] == cfg.load(ws.path)["analysis"]["peer_set"] == ""


def test_sister_cities_all_left_out_is_no_values(ws, tmp_path):
    scrape = _write(tmp_path / "scrape.csv", ",country,city,sister\n0,United States,\"Springfield, Ohio\",Qwzxville\n")
    with pytest.raises(ExportPlanError, match="no values found in scrape.csv"):
        ws.import_partnerships(scrape, city="Springfield", state="OH", allow_unmapped=True)
    assert imported_records(ws) == 0


# ============================================================================ one path for country tables

COUNTRY_TABLE = ("country,year,gdp_usd,control_of_corruption,special301,lat,lon\n"
                 "Mexico,2022,1414000000000,-0.9,watch_list,19.43,-99.13\n"
                 "Japan,2022,4231000000000,1.4,none,35.68,139.69\n")


def _stored(workspace, table):
    frame = workspace.store.table(table).drop(columns=["provenance_id"])
    return frame.sort_values(list(frame.columns[:3])).reset_index(drop=True)


def test_import_table_and_import_countries_store_the_same_rows(tmp_path):
    path = _write(tmp_path / "countries.csv", COUNTRY_TABLE)
    a = Workspace.init(tmp_path / "a", name="A", counties=["39049"])
    b = Workspace.init(tmp_path / "b", name="B", counties=["39049"])
    a.import_table("countries", path)
    b.import_countries(path)
    rows = _stored(a, t.country_values)
    assert "NY.GDP.MKTP.CD" in set(rows["indicator"]) and "gdp_usd" not in set(rows["indicator"])
    assert rows.equals(_stored(b, t.country_values))
    b.import_table("countries", path)  # the other path again: replaced, not piled up
    assert _stored(b, t.country_values).equals(rows)
    a.close()
    b.close()


def test_import_table_exports_and_partnerships_match_the_markets_path(tmp_path):
    exports = _write(tmp_path / "exports.csv", "country,year,value_usd,area\nMexico,2022,500,Columbus-Marion-"
                                               "Zanesville OH Combined Statistical Area\nCanada,2022,700,\n")
    partners = _write(tmp_path / "partners.csv", "city,partner,country,type\nColumbus,Hefei,China,sister_city\n")
    a = Workspace.init(tmp_path / "a", name="A", counties=["39049"])
    b = Workspace.init(tmp_path / "b", name="B", counties=["39049"])
    a.import_table("exports", exports)
    a.import_table("partnerships", partners)
    b.import_exports(exports)
    b.import_partnerships(partners)
    assert _stored(a, t.exports).equals(_stored(b, t.exports))
    assert _stored(a, t.partnerships).drop(columns="id").equals(_stored(b, t.partnerships).drop(columns="id"))
    a.close()
    b.close()


# ============================================================================ sources list each file once

def test_reimports_leave_one_provenance_record_per_file(ws, tmp_path, shared_data):
    targets = _write(tmp_path / "targets.csv", "target,priority\n3361,1\n")
    countries = _write(tmp_path / "countries.csv", COUNTRY_TABLE)
    cpi_only = _write(tmp_path / "cpi.csv", "country,year,cpi_score\nMexico,2022,31\n")
    qcew = shared_data / "qcew" / "bls_qcew_2020_annual_area_39049.csv"
    for _ in range(3):
        ws.import_table("targets", targets)
        ws.import_countries(countries)
        ws.import_countries(cpi_only)  # other indicators: both files stay sources
        ws.import_qcew([qcew])
    sources = ws.provenance()
    assert sorted(sources["source"].map(lambda s: s.rsplit("/", 1)[-1])) == sorted(
        ["targets.csv", "countries.csv", "cpi.csv", qcew.name, "exportplan package data"])  # + the catalogue
    partly = _write(tmp_path / "mexico.csv", "country,year,gdp_usd\nMexico,2022,1500000000000\n")
    ws.import_countries(partly)  # replaces one value of countries.csv: both files are still sources
    assert {"countries.csv", "mexico.csv"} <= set(ws.provenance("countries")["source"].map(lambda s: s.rsplit("/", 1)[-1]))
    listed = run("-w", ws.path, "sources")
    assert listed.exit_code == 0 and listed.output.count("targets.csv") == 1


# ============================================================================ PostgreSQL: long texts

def test_real_imf_file_and_long_area_names_on_postgres(tmp_path, pg_url, shared_data):
    ws = Workspace.init(tmp_path / "pg", name="PG", counties=["39049"], database_url=pg_url)
    report = ws.import_exports(shared_data / "trade/imf_dots_us_goods_trade_by_partner.csv")
    assert report.rows > 1000
    assert len(ws.provenance("exports")["layout"].iloc[0]) > 60
    area = "Columbus-Marion-Zanesville, OH Combined Statistical Area"
    ws.import_exports(_write(tmp_path / "regional.csv", f"country,year,value_usd,area\nMexico,2022,500,\"{area}\"\n"))
    assert area in set(ws.store.table(t.exports)["area"])
    ws.close()
