"""The program inventory's tables and repository (issue 10), on SQLite and on PostgreSQL.

The migration from a 0.5 workspace (pipeline data kept, referrals gain
``program_key``), the tables against ``store/schema.py``, idempotent upserts
matched by key, updates of one row, cascading deletes, text round trips, and
references to missing providers or programs refused before anything is written.
"""
from __future__ import annotations

import math
from importlib import resources

import pandas as pd
import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Float, Integer, String, inspect, select, text

from exportplan.analysis.program_terms import SHEETS
from exportplan.errors import ImportFailed
from exportplan.store import programs as repo
from exportplan.store import schema as t
from exportplan.store.db import Store, head_revision, sqlite_url

INVENTORY = ("providers", "programs", "program_events")


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        return sqlite_url(tmp_path / "ws.db")
    return request.getfixturevalue("pg_url")


@pytest.fixture
def store(db_url):
    made = Store(db_url)
    yield made
    made.dispose()


def sheet(name: str, rows: list[dict]) -> pd.DataFrame:
    """A sheet frame as an importer gives it: every template column, blanks as NaN."""
    return pd.DataFrame(rows).reindex(columns=list(SHEETS[name]))


def providers(**over) -> pd.DataFrame:
    rows = [dict(provider_id="USCS", name="U.S. Commercial Service", level="federal", states="",
                 source_url="https://www.trade.gov/", last_verified="2025-05-01"),
            dict(provider_id="OH-TRADE", name="Ohio export office", level="state", states="OH")]
    rows[0].update(over)
    return sheet("providers", rows)


def programs(**over) -> pd.DataFrame:
    rows = [dict(program_id="GOLD-KEY", provider_id="USCS", name="Gold Key", status="existing",
                 categories="partner and buyer matchmaking", countries="all", cost="fee", capacity=40,
                 min_employees=1, cost_share_cap_usd=None),
            dict(program_id="OH-STEP", provider_id="OH-TRADE", name="STEP grant", status="existing",
                 categories="grants and cost-share", cost="cost-share", cost_share_rate=0.75,
                 cost_share_cap_usd=7_500, pays_for="partner and buyer matchmaking;trade shows and trade missions"),
            dict(program_id="COUNSEL", provider_id="USCS", name="Export counseling", status="existing",
                 categories="readiness assessment and counseling", cost="free")]
    rows[0].update(over)
    return sheet("programs", rows)


def events() -> pd.DataFrame:
    return sheet("events", [dict(event_id="MX-2026", program_id="GOLD-KEY", name="Mexico mission",
                                 kind="trade mission", iso3="MEX", start_date="2026-03-02", end_date="2026-03-06")])


def upsert(store: Store, prov=None, prog=None, ev=None, *, origin="user", source="programs.xlsx") -> tuple[dict, int]:
    """One import in one transaction (with its own provenance record, pruned when nothing refers to it)."""
    with store.transaction() as conn:
        pid = store.add_provenance(conn, kind="programs", source=source, rows=1)
        counts = repo.upsert_inventory(store, conn, prov, prog, ev, origin=origin, provenance_id=pid)
    return counts, pid


def counts_of(store: Store) -> dict[str, int]:
    return {name: store.count(getattr(t, name)) for name in INVENTORY}


def stored(store: Store, table, key: str) -> dict:
    return dict(store.table(table, key=key).iloc[0])


def all_unchanged(n: dict) -> dict:
    return {s: {"inserted": 0, "updated": 0, "unchanged": k} for s, k in n.items()}


# ---- migration ---------------------------------------------------------------------------------
def alembic(store: Store, conn) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("exportplan.store") / "migrations"))
    cfg.attributes["connection"] = conn
    return cfg


def test_upgrade_from_05_keeps_pipeline_data_and_adds_program_key(db_url):
    old = Store(db_url, target="0005")
    with old.transaction() as conn:
        company = conn.execute(t.companies.insert().values(
            key="C1", name="Acme Tool & Die", name_key="acme", naics="332710", sector="metal", county_fips="39049",
            city="", website="", foreign_parent="", parent_country="", stage="exporting", current_markets="",
            target_markets="", tags="", notes="", version=1, created_at="", created_by="", updated_at="",
            updated_by="")).inserted_primary_key[0]
        conn.execute(text("INSERT INTO referrals (company_id, date, provider, program, referrer, status, outcome) "
                          "VALUES (:c, '2025-02-01', 'U.S. Commercial Service', 'Gold Key', 'Sam', 'made', '')"),
                     {"c": company})
    assert "providers" not in inspect(old.engine).get_table_names()
    old.dispose()

    new = Store(db_url)
    assert new.revision() == head_revision() >= "0006"
    referral = new.table(t.referrals).iloc[0]
    assert (referral["program"], referral["referrer"], referral["program_key"]) == ("Gold Key", "Sam", "")
    assert new.table(t.companies)["key"].tolist() == ["C1"]
    with new.transaction() as conn:  # a referral added the 0.5 way (no program_key) still gets ''
        conn.execute(text("INSERT INTO referrals (company_id, date, provider, program, referrer, status, outcome) "
                          "VALUES (:c, '2025-03-01', 'SBA', 'STEP', '', 'made', '')"), {"c": company})
        assert repo.set_referral_program(conn, int(referral["id"]), "GOLD-KEY") == 1
        assert repo.set_referral_program(conn, 9999, "GOLD-KEY") == 0
    got = new.table(t.referrals).sort_values("date")
    assert got["program_key"].tolist() == ["GOLD-KEY", ""]
    new.dispose()


def test_downgrade_to_05_and_upgrade_again(db_url):
    store = Store(db_url)
    upsert(store, providers(), programs(), events())
    with store.engine.connect() as conn, conn.begin():
        command.downgrade(alembic(store, conn), "0005")
    names = set(inspect(store.engine).get_table_names())
    assert not names & set(INVENTORY) and "referrals" in names
    assert "program_key" not in {c["name"] for c in inspect(store.engine).get_columns("referrals")}
    store.dispose()
    again = Store(db_url)
    assert again.revision() == head_revision() and counts_of(again) == dict.fromkeys(INVENTORY, 0)
    again.dispose()


def _kind(column_type) -> tuple:
    if isinstance(column_type, Integer):
        return ("int",)
    if isinstance(column_type, Float):
        return ("float",)
    if isinstance(column_type, String):
        return ("text", column_type.length)
    return (type(column_type).__name__,)


def test_the_migrated_tables_match_the_schema_module(store):
    found = inspect(store.engine)
    for name in (*INVENTORY, "referrals"):
        table = getattr(t, name)
        columns = found.get_columns(name)
        assert [c["name"] for c in columns] == list(table.c.keys()), name
        assert found.get_pk_constraint(name)["constrained_columns"] == [c.name for c in table.primary_key], name
        keys = set(found.get_pk_constraint(name)["constrained_columns"])
        assert {c["name"]: (_kind(c["type"]), c["nullable"]) for c in columns if c["name"] not in keys} == \
            {c.name: (_kind(c.type), c.nullable) for c in table.c if not c.primary_key}, name
        assert {i["name"] for i in found.get_indexes(name) if i["name"].startswith("ix_")} == \
            {i.name for i in table.indexes}, name
        assert sorted((fk["referred_table"], fk["options"].get("ondelete")) for fk in found.get_foreign_keys(name)) \
            == sorted((fk.column.table.name, fk.ondelete) for fk in table.foreign_keys), name
        assert [u["column_names"] for u in found.get_unique_constraints(name)] == \
            [[c.name] for c in table.c if c.unique], name
    default = next(c["default"] for c in found.get_columns("referrals") if c["name"] == "program_key")
    assert default.startswith("''")  # '' on SQLite, ''::text on PostgreSQL


def test_the_repository_speaks_the_sheets_columns():
    for name, wanted in SHEETS.items():
        assert repo.columns(name) == list(wanted)


# ---- upserts -----------------------------------------------------------------------------------
def test_upsert_stores_every_sheet_and_a_second_upsert_changes_nothing(store):
    first, pid = upsert(store, providers(), programs(), events())
    assert first == {"providers": {"inserted": 2, "updated": 0, "unchanged": 0},
                     "programs": {"inserted": 3, "updated": 0, "unchanged": 0},
                     "events": {"inserted": 1, "updated": 0, "unchanged": 0}}
    second, pid2 = upsert(store, providers(), programs(), events())
    assert second == all_unchanged({"providers": 2, "programs": 3, "events": 1})
    for name in INVENTORY:  # nothing changed, not even the provenance; the second record was pruned
        assert set(store.table(getattr(t, name))["provenance_id"]) == {pid}
    assert store.table(t.provenance)["id"].tolist() == [pid] and pid2 != pid

    # the stored inventory read back and stored again is the same inventory
    again = repo.inventory(store)
    with store.transaction() as conn:
        assert repo.upsert_inventory(store, conn, again["providers"], again["programs"], again["events"],
                                     origin="user", provenance_id=None) == second


def test_an_update_changes_only_that_row(store):
    _, pid = upsert(store, providers(), programs(), events())
    counts, pid2 = upsert(store, providers(), programs(capacity=55.0), events(), origin="catalogue")
    assert counts["programs"] == {"inserted": 0, "updated": 1, "unchanged": 2}
    assert counts["providers"] == {"inserted": 0, "updated": 0, "unchanged": 2}
    assert counts["events"] == {"inserted": 0, "updated": 0, "unchanged": 1}
    gold, step = stored(store, t.programs, "GOLD-KEY"), stored(store, t.programs, "OH-STEP")
    assert (gold["capacity"], gold["origin"], gold["provenance_id"]) == (55, "catalogue", pid2)
    assert (step["origin"], step["provenance_id"]) == ("user", pid)
    assert stored(store, t.program_events, "MX-2026")["program_id"] == gold["id"]  # the id did not move

    moved, _ = upsert(store, None, programs(capacity=55, provider_id="OH-TRADE"), None)  # to another provider
    assert moved["programs"] == {"inserted": 0, "updated": 1, "unchanged": 2}
    assert repo.inventory(store)["programs"].set_index("program_id").loc["GOLD-KEY", "provider_id"] == "OH-TRADE"


def test_programs_and_events_may_name_parents_already_stored(store):
    upsert(store, providers(), None, None)
    counts, _ = upsert(store, None, programs(), None)
    assert counts["programs"]["inserted"] == 3 and counts["providers"] == {"inserted": 0, "updated": 0,
                                                                            "unchanged": 0}
    counts, _ = upsert(store, None, None, events())
    assert counts["events"]["inserted"] == 1
    got = repo.inventory(store)
    assert got["programs"]["provider_id"].tolist() == ["USCS", "USCS", "OH-TRADE"]  # sorted by program key
    assert got["programs"]["program_id"].tolist() == ["COUNSEL", "GOLD-KEY", "OH-STEP"]
    assert got["events"]["program_id"].tolist() == ["GOLD-KEY"]


def test_values_come_back_typed(store):
    upsert(store, providers(), programs(), events())
    got = repo.inventory(store)
    for name, frame in got.items():
        assert list(frame.columns) == [*SHEETS[name], "origin"]
    prog = got["programs"].set_index("program_id")
    assert prog.loc["GOLD-KEY", "capacity"] == 40 and type(prog.loc["GOLD-KEY", "capacity"]) is int
    assert prog.loc["COUNSEL", "capacity"] is None  # unknown capacity stays unknown
    assert prog.loc["OH-STEP", "cost_share_rate"] == 0.75 and math.isnan(prog.loc["GOLD-KEY", "cost_share_cap_usd"])
    assert prog["cost_share_cap_usd"].dtype == "float64"
    assert prog.loc["OH-STEP", "pays_for"] == "partner and buyer matchmaking;trade shows and trade missions"
    assert prog.loc["COUNSEL", "sectors"] == "" and prog.loc["GOLD-KEY", "origin"] == "user"
    ev = got["events"].iloc[0]
    assert (ev["iso3"], ev["start_date"], ev["end_date"]) == ("MEX", "2026-03-02", "2026-03-06")

    rows = repo.programs_with_providers(store).set_index("program_id")
    assert list(rows.columns[-4:]) == ["level", "provider_name", "provider_states", "provider_type"]
    assert rows.loc["OH-STEP", ["level", "provider_name", "provider_states"]].tolist() == [
        "state", "Ohio export office", "OH"]
    assert rows.loc["GOLD-KEY", "level"] == "federal"


def test_an_empty_inventory_reads_as_empty_frames(store):
    got = repo.inventory(store)
    assert {name: len(frame) for name, frame in got.items()} == {"providers": 0, "programs": 0, "events": 0}
    assert list(got["programs"].columns) == [*SHEETS["programs"], "origin"]
    assert len(repo.programs_with_providers(store)) == 0
    assert not repo.has_origin(store, "catalogue") and repo.provenance_ids(store) == []


def test_origin_and_provenance_are_recorded(store):
    _, pid = upsert(store, providers(), programs(), None, origin="catalogue", source="catalogue.csv")
    assert repo.has_origin(store, "catalogue") and not repo.has_origin(store, "offices")
    assert repo.provenance_ids(store) == [pid]
    counts, _ = upsert(store, providers(), programs(), None, origin="user")  # the user's copy of the same rows
    assert counts["programs"]["unchanged"] == 3
    assert set(repo.inventory(store)["programs"]["origin"]) == {"catalogue"}


def test_text_round_trips_unchanged(store):
    name = "Société d'Export \"Ouest\" — 東京; O'Brien & Sons\nsecond line"
    url = "https://example.org/a?b=1&c='x'"
    upsert(store, providers(name=name, url=url, states="OH;KY", note="  spaces kept  "), programs(), events())
    got = repo.inventory(store)["providers"].set_index("provider_id").loc["USCS"]
    assert (got["name"], got["url"], got["states"], got["note"]) == (name, url, "OH;KY", "  spaces kept  ")
    counts, _ = upsert(store, providers(name=name, url=url, states="OH;KY", note="  spaces kept  "), None, None)
    assert counts["providers"]["unchanged"] == 2


# ---- deletes -----------------------------------------------------------------------------------
def test_deleting_a_provider_deletes_its_programs_and_their_events(store):
    upsert(store, providers(), programs(), events())
    with store.transaction() as conn:
        assert repo.delete_programs(conn, ["GOLD-KEY", "NOT-THERE"]) == 1
    assert counts_of(store) == {"providers": 2, "programs": 2, "program_events": 0}
    upsert(store, None, programs(), events())
    with store.transaction() as conn:
        assert repo.delete_providers(conn, ["USCS"]) == 1
    assert counts_of(store) == {"providers": 1, "programs": 1, "program_events": 0}
    assert repo.inventory(store)["programs"]["program_id"].tolist() == ["OH-STEP"]
    with store.transaction() as conn:
        assert repo.delete_events(conn, []) == 0 and repo.delete_providers(conn, ["OH-TRADE"]) == 1
    assert counts_of(store) == dict.fromkeys(INVENTORY, 0)


# ---- what is refused, with nothing written ------------------------------------------------------------
def test_a_program_naming_a_missing_provider_writes_nothing(store):
    bad = programs(provider_id="SBA")
    with pytest.raises(ImportFailed, match="nothing was written") as err:
        upsert(store, providers(), bad, events())
    assert "program 'GOLD-KEY' names the provider 'SBA', which is neither in the providers sheet nor stored" \
        in str(err.value)
    assert [(p["column"], p["value"]) for p in err.value.table.to_records()] == [("provider_id", "SBA")]
    assert counts_of(store) == dict.fromkeys(INVENTORY, 0)  # not even the providers of the same call


def test_an_event_naming_a_missing_program_writes_nothing(store):
    upsert(store, providers(), programs(), None)
    bad = events().assign(program_id="NOPE")
    with pytest.raises(ImportFailed, match="event 'MX-2026' names the program 'NOPE'"):
        upsert(store, providers(name="Changed"), None, bad)
    assert counts_of(store)["program_events"] == 0
    assert stored(store, t.providers, "USCS")["name"] == "U.S. Commercial Service"


@pytest.mark.parametrize("frame, message", [
    (programs(capacity="many"), "program 'GOLD-KEY': capacity is not a whole number"),
    (programs(capacity=2.5), "program 'GOLD-KEY': capacity is not a whole number"),
    (programs(cost_share_rate="half"), "program 'GOLD-KEY': cost_share_rate is not a number"),
    (programs(last_verified="1 May 2025, from the page"), "last_verified is longer than 10 .*YYYY-MM-DD"),
    (programs(cost="cost-share with a cap"), "cost is longer than 20 .*values for cost"),
    (programs(program_id="OH-STEP"), "program_id 'OH-STEP' is used by 2 rows"),
    (programs(program_id=None), "row 1 of the programs has no program_id"),
    (programs().drop(columns=["capacity"]), "the programs sheet lacks the column"),
])
def test_values_the_tables_cannot_hold_are_refused(store, frame, message):
    with pytest.raises(ImportFailed, match=message):
        upsert(store, providers(), frame, None)
    assert counts_of(store) == dict.fromkeys(INVENTORY, 0)


def test_a_blank_origin_is_refused(store):
    with store.transaction() as conn, pytest.raises(ImportFailed, match="origin is missing"):
        repo.upsert_inventory(store, conn, providers(), None, None, origin=" ", provenance_id=None)
    assert counts_of(store)["providers"] == 0


def test_a_stored_parent_is_read_inside_the_transaction(store):
    with store.transaction() as conn:
        repo.upsert_inventory(store, conn, providers(), None, None, origin="user", provenance_id=None)
        assert repo.stored_keys(conn)["providers"] == {"USCS", "OH-TRADE"}
        counts = repo.upsert_inventory(store, conn, None, programs(), None, origin="user", provenance_id=None)
    assert counts["programs"]["inserted"] == 3
    assert store.frame(select(t.programs.c.key).order_by(t.programs.c.id))["key"].tolist() == [
        "COUNSEL", "GOLD-KEY", "OH-STEP"]
