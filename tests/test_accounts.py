"""Accounts (issue 13): users, roles, signing in with throttling, API tokens and companies' private links,
on SQLite and on PostgreSQL.

The tables of migration 0010 against ``store/schema.py``; passwords stored as argon2id hashes and
rehashed when the parameters change; failed sign-ins throttled per user name and per client
address with the counters in the database, seen by a second workspace opened on the same database
(two web workers) and exact under concurrent writers; tokens and links stored as SHA-256 hashes,
revocable, links expiring (a fixed clock); the audit log without passwords or tokens; the messages
for bad input; and ``exportplan users ...`` through click's runner.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import threading
from importlib import resources

import pytest
from alembic import command
from alembic.config import Config
from argon2 import PasswordHasher
from click.testing import CliRunner
from sqlalchemy import Boolean, Float, Integer, String, inspect, select

from exportplan import workspace as workspace_module
from exportplan.analysis.roles import ACTIONS, PERMISSIONS, ROLES, can, check_role
from exportplan.errors import ExportPlanError
from exportplan.store import schema as t
from exportplan.store.db import Store
from exportplan.workspace import Workspace
from exportplan.ws.accounts import Accounts, Throttled

ACCOUNT_TABLES = ("users", "api_tokens", "throttle_counters", "company_links", "survey_responses")
PASSWORD = "correct horse battery staple"
FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)  # argon2id, cheap: for the tests' many sign-ins


class Clock:
    """A fixed clock the test moves by hand."""

    def __init__(self, at: str = "2026-03-02T09:00:00+00:00"):
        self.now = dt.datetime.fromisoformat(at)

    def __call__(self) -> str:
        return self.now.isoformat()

    def advance(self, **delta) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture(autouse=True)
def fast_hasher(monkeypatch):
    monkeypatch.setattr(Accounts, "hasher", FAST)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A new SQLite workspace, made once and copied for each test (making one takes seconds)."""
    path = tmp_path_factory.mktemp("accounts") / "ws"
    Workspace.init(path, name="Accounts Region", counties=["39049"]).close()
    return path


@pytest.fixture
def sqlite_folder(sqlite_template, tmp_path):
    shutil.copytree(sqlite_template, tmp_path / "ws")
    return tmp_path / "ws"


@pytest.fixture(params=["sqlite", "postgres"])
def folder(request, tmp_path):
    """A new workspace's folder, its database SQLite or PostgreSQL."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_folder")
    made = Workspace.init(tmp_path / "ws", name="Accounts Region", counties=["39049"],
                          database_url=request.getfixturevalue("pg_url"))
    made.close()
    return tmp_path / "ws"


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def opened(folder):
    """Opens workspaces on the folder's database (each its own store, as web workers); closes them after."""
    made = []

    def open_one(clock=None, user="admin-user"):
        ws = Workspace.open(folder)
        made.append(ws)
        return ws.for_request(user=user, clock=clock)
    yield open_one
    for ws in made:
        ws.close()


@pytest.fixture
def ws(opened, clock):
    return opened(clock)


@pytest.fixture
def acc(ws):
    return Accounts(ws)


@pytest.fixture
def sqlite_acc(sqlite_folder, clock):
    """The service on SQLite only, for checks made before anything is written (the same on either database)."""
    ws = Workspace.open(sqlite_folder)
    yield Accounts(ws.for_request(user="admin-user", clock=clock))
    ws.close()


def rows(ws, table) -> list[dict]:
    with ws.store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(table)).mappings()]


def audit_text(ws) -> str:
    return " ".join(" ".join(str(v) for v in row.values()) for row in rows(ws, t.changes))


# ---- tables ----------------------------------------------------------------------------------------
def _kind(column_type) -> tuple:
    if isinstance(column_type, Integer):
        return ("int",)
    if isinstance(column_type, Float):
        return ("float",)
    if isinstance(column_type, Boolean):
        return ("bool",)
    if isinstance(column_type, String):
        return ("text", column_type.length)
    return (type(column_type).__name__,)


def test_the_migrated_tables_match_the_schema_module(ws):
    found = inspect(ws.store.engine)
    for name in ACCOUNT_TABLES:
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
        assert sorted(u["column_names"] for u in found.get_unique_constraints(name)) == \
            sorted([c.name] for c in table.c if c.unique), name


def test_downgrade_to_0009_drops_the_account_tables_and_upgrade_brings_them_back(ws):
    store = ws.store
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("exportplan.store") / "migrations"))
    with store.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0009")
    assert not set(ACCOUNT_TABLES) & set(inspect(store.engine).get_table_names())
    again = Store(store.url)
    try:
        assert set(ACCOUNT_TABLES) <= set(inspect(again.engine).get_table_names())
    finally:
        again.dispose()


# ---- passwords ----------------------------------------------------------------------------------------
def test_the_stored_hash_is_argon2id_with_the_default_parameters_not_the_password(ws, monkeypatch):
    monkeypatch.setattr(Accounts, "hasher", PasswordHasher())
    acc = Accounts(ws)
    assert acc.create_user("Alice", PASSWORD, "admin", display_name="Alice Smith") == "alice"
    stored = rows(ws, t.users)[0]
    assert stored["password_hash"].startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert PASSWORD not in stored["password_hash"]
    assert acc.authenticate("alice", PASSWORD)["display_name"] == "Alice Smith"
    assert "password_hash" not in acc.user("alice") and "password_hash" not in acc.list_users().columns


def test_wrong_password_unknown_or_disabled_user_give_none(acc):
    acc.create_user("alice", PASSWORD, "admin")
    acc.create_user("bob", PASSWORD + "!", "staff")
    assert acc.authenticate("alice", PASSWORD + "x") is None
    assert acc.authenticate("nobody", PASSWORD) is None
    assert acc.authenticate("alice", "") is None
    assert acc.authenticate(" ALICE ", PASSWORD)["username"] == "alice"  # names are not case-sensitive
    acc.disable("bob")
    assert acc.authenticate("bob", PASSWORD + "!") is None
    acc.enable("bob")
    assert acc.authenticate("bob", PASSWORD + "!")["role"] == "staff"


def test_a_good_sign_in_records_the_time(acc, clock):
    acc.create_user("alice", PASSWORD, "admin")
    clock.advance(hours=2)
    assert acc.authenticate("alice", PASSWORD)["last_login_at"] == "2026-03-02T11:00:00+00:00"
    assert acc.user("alice")["last_login_at"] == "2026-03-02T11:00:00+00:00"


def test_a_hash_made_with_other_parameters_is_replaced_at_the_next_sign_in(ws, monkeypatch):
    acc = Accounts(ws)
    acc.create_user("alice", PASSWORD, "admin")
    old = rows(ws, t.users)[0]["password_hash"]
    assert ",t=1," in old
    monkeypatch.setattr(Accounts, "hasher", PasswordHasher(time_cost=2, memory_cost=16, parallelism=1))
    assert acc.authenticate("alice", PASSWORD) is not None
    new = rows(ws, t.users)[0]["password_hash"]
    assert new != old and new.startswith("$argon2id$") and ",t=2," in new
    assert "rehashed" in audit_text(ws)
    assert acc.authenticate("alice", PASSWORD) is not None
    assert rows(ws, t.users)[0]["password_hash"] == new  # not again


def test_set_password_replaces_the_hash(acc, ws):
    acc.create_user("alice", PASSWORD, "admin")
    acc.set_password("alice", "another long password")
    assert acc.authenticate("alice", PASSWORD) is None
    assert acc.authenticate("alice", "another long password") is not None


# ---- throttling --------------------------------------------------------------------------------------------
def test_sign_ins_are_refused_after_five_failures_and_a_second_worker_sees_the_counter(opened, clock):
    first = Accounts(opened(clock))
    second = Accounts(opened(clock))  # another workspace object on the same database: another web worker
    first.create_user("alice", PASSWORD, "admin")
    for worker in (first, second, first, second, first):
        assert worker.authenticate("alice", "wrong password!", client="10.0.0.1") is None
    assert second.hits("login:user:alice", Accounts.LOGIN_WINDOW) == 5
    for worker in (first, second):
        with pytest.raises(Throttled, match=r"Too many failed sign-ins for this user name .*try again after "
                                            r"09:15 UTC") as refused:
            worker.authenticate("alice", PASSWORD, client="10.0.0.2")  # even the right password
        assert refused.value.until == "2026-03-02T09:15:00+00:00" and refused.value.retry_after == 900
    clock.advance(minutes=15)
    assert second.authenticate("alice", PASSWORD)["username"] == "alice"


def test_one_client_address_is_throttled_across_user_names(acc, clock):
    acc.create_user("alice", PASSWORD, "admin")
    for n in range(5):
        assert acc.authenticate(f"guess{n}", "wrong password!", client="203.0.113.9") is None
    with pytest.raises(Throttled, match="for this address"):
        acc.authenticate("alice", PASSWORD, client="203.0.113.9")
    assert acc.authenticate("alice", PASSWORD, client="198.51.100.1") is not None  # another address may
    clock.advance(minutes=15)
    assert acc.authenticate("alice", PASSWORD, client="203.0.113.9") is not None


def test_good_sign_ins_give_their_place_back(acc):
    acc.create_user("alice", PASSWORD, "admin")
    for _ in range(4):
        assert acc.authenticate("alice", "wrong password!", client="10.0.0.1") is None
    assert acc.authenticate("alice", PASSWORD, client="10.0.0.1") is not None  # clears the name's failures
    for _ in range(8):  # a busy office behind one address signs in many times
        assert acc.authenticate("alice", PASSWORD, client="10.0.0.1") is not None
    assert acc.hits("login:user:alice", Accounts.LOGIN_WINDOW) == 0
    assert acc.hits("login:client:10.0.0.1", Accounts.LOGIN_WINDOW) == 4


def test_an_admin_unlocks_a_user_name(acc):
    acc.create_user("alice", PASSWORD, "admin")
    for _ in range(6):
        try:
            acc.authenticate("alice", "wrong password!")
        except Throttled:
            pass
    with pytest.raises(Throttled):
        acc.authenticate("alice", PASSWORD)
    acc.unlock("alice")
    assert acc.authenticate("alice", PASSWORD) is not None


def test_hit_allows_up_to_the_limit_in_each_window(acc, clock):
    assert [acc.hit("survey:10.0.0.1", 3, 60) for _ in range(5)] == [True, True, True, False, False]
    assert acc.hit("survey:10.0.0.2", 3, 60)  # another key has its own counter
    clock.advance(seconds=60)
    assert acc.hit("survey:10.0.0.1", 3, 60)
    assert acc.hits("survey:10.0.0.1", 60) == 1
    # the earlier window's counter was deleted with the new window's first hit
    assert [r["window_start"] for r in rows(acc.ws, t.throttle_counters) if r["key"] == "survey:10.0.0.1"] == \
        ["2026-03-02T09:01:00+00:00"]
    clock.advance(days=2)
    assert acc.prune_counters() == 2 and not rows(acc.ws, t.throttle_counters)


@pytest.mark.parametrize("key, limit, window, message", [
    ("", 3, 60, "needs a key"), ("k", 0, 60, "at least 1"), ("k", 3, 0, "at least 1")])
def test_hit_refuses_bad_arguments(sqlite_acc, key, limit, window, message):
    with pytest.raises(ExportPlanError, match=message):
        sqlite_acc.hit(key, limit, window)


def test_concurrent_hits_from_two_workers_are_all_counted(opened, clock):
    workers = [Accounts(opened(clock)), Accounts(opened(clock))]
    errors: list[BaseException] = []

    def run(acc):
        try:
            for _ in range(15):
                acc.hit("survey:shared", 1000, 900)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
    threads = [threading.Thread(target=run, args=(workers[n % 2],)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert workers[0].hits("survey:shared", 900) == 90


# ---- API tokens -------------------------------------------------------------------------------------------
def test_tokens_are_stored_hashed_shown_once_and_revocable(acc, ws, clock):
    acc.create_user("alice", PASSWORD, "admin")
    made = acc.create_token("alice", "monthly report")
    token = made["token"]
    assert len(token) >= 40 and made["prefix"] == token[:8]
    stored = rows(ws, t.api_tokens)[0]
    assert stored["token_hash"] == hashlib.sha256(token.encode()).hexdigest()
    assert token not in " ".join(str(v) for v in stored.values())
    assert token not in audit_text(ws) and "monthly report" in audit_text(ws)
    clock.advance(minutes=5)
    assert acc.verify_token(token)["username"] == "alice"
    listed = acc.list_tokens("alice")
    assert list(listed.columns) == ["id", "username", "label", "prefix", "created_at", "last_used_at", "revoked_at"]
    assert listed.iloc[0]["last_used_at"] == "2026-03-02T09:05:00+00:00"
    assert acc.verify_token(token + "x") is None and acc.verify_token("") is None and acc.verify_token(None) is None
    assert acc.revoke_token(made["id"]) is True
    assert acc.verify_token(token) is None
    assert acc.revoke_token(made["id"]) is False
    assert acc.list_tokens().iloc[0]["revoked_at"] == "2026-03-02T09:05:00+00:00"


def test_a_disabled_users_tokens_stop_working(acc):
    acc.create_user("alice", PASSWORD, "admin")
    acc.create_user("bob", PASSWORD, "staff")
    token = acc.create_token("bob", "script")["token"]
    acc.disable("bob")
    assert acc.verify_token(token) is None
    with pytest.raises(ExportPlanError, match="disabled"):
        acc.create_token("bob", "another")
    with pytest.raises(ExportPlanError, match="no API token #99"):
        acc.revoke_token(99)
    with pytest.raises(ExportPlanError, match="label"):
        acc.create_token("alice", "  ")


# ---- companies' private links ---------------------------------------------------------------------------------
def test_links_resolve_to_their_company_until_they_expire_or_are_revoked(acc, ws, clock):
    ws.pipeline.add_company(company_id="acme", name="Acme Tools", county_fips="39049")
    ws.pipeline.add_company(company_id="bolt", name="Bolt Works", county_fips="39049")
    acme, bolt = acc.create_link("acme"), acc.create_link("bolt", days=1)
    assert acme != bolt and acme not in audit_text(ws)
    assert hashlib.sha256(acme.encode()).hexdigest() in {r["token_hash"] for r in rows(ws, t.company_links)}
    assert (acc.resolve_link(acme), acc.resolve_link(bolt)) == ("acme", "bolt")
    links = acc.list_links()
    assert list(links["company_id"]) == ["acme", "bolt"] and "token_hash" not in links.columns
    assert list(links["expires_at"]) == ["2026-03-16T09:00:00+00:00", "2026-03-03T09:00:00+00:00"]
    clock.advance(days=1)
    assert acc.resolve_link(bolt) is None and acc.resolve_link(acme) == "acme"
    clock.advance(days=13, seconds=-1)
    assert acc.resolve_link(acme) == "acme"
    clock.advance(seconds=1)
    assert acc.resolve_link(acme) is None


def test_a_revoked_or_unknown_link_resolves_to_nothing(acc, ws):
    ws.pipeline.add_company(company_id="acme", name="Acme Tools", county_fips="39049")
    token = acc.create_link("acme", purpose="company plan")
    link_id = int(acc.list_links("acme").iloc[0]["id"])
    assert acc.revoke_link(link_id) is True and acc.revoke_link(link_id) is False
    assert acc.resolve_link(token) is None
    assert acc.resolve_link("not-a-token") is None and acc.resolve_link("") is None and acc.resolve_link("x" * 500) \
        is None
    changes = ws.pipeline.changes("acme")
    assert list(changes["field"])[-2:] == ["private link", "private link"]
    assert "revoked" in changes.iloc[-1]["new"]


@pytest.mark.parametrize("company, days, message", [
    ("nobody", 14, "no company 'nobody'"), ("acme", 0, "1 to 90 days"), ("acme", 91, "1 to 90 days"),
    ("acme", "two", "whole number")])
def test_bad_links_are_refused(sqlite_acc, company, days, message):
    sqlite_acc.ws.pipeline.add_company(company_id="acme", name="Acme Tools", county_fips="39049")
    with pytest.raises(ExportPlanError, match=message):
        sqlite_acc.create_link(company, days)


# ---- roles, users and the audit log ---------------------------------------------------------------------------
def test_roles_and_what_each_may_do():
    assert ROLES == ("admin", "staff", "viewer", "partner", "judge") and set(PERMISSIONS) == set(ROLES)
    assert [a for a in ACTIONS if can("admin", a)] == ["read", "edit", "admin", "referrals"]
    assert [a for a in ACTIONS if can("staff", a)] == ["read", "edit", "referrals"]
    assert [a for a in ACTIONS if can("viewer", a)] == ["read"]
    assert [a for a in ACTIONS if can("partner", a)] == ["referrals"]
    assert [a for a in ACTIONS if can("judge", a)] == ["score"]
    assert not can("nobody", "read") and not can("", "read")
    with pytest.raises(ValueError, match="unknown action"):
        can("admin", "delete everything")
    assert check_role(" Staff ") == "staff"


def test_roles_change_and_the_last_admin_stays(acc, ws):
    acc.create_user("alice", PASSWORD, "admin")
    acc.create_user("bob", PASSWORD, "staff")
    with pytest.raises(ExportPlanError, match="only active admin"):
        acc.set_role("alice", "staff")
    with pytest.raises(ExportPlanError, match="only active admin"):
        acc.disable("alice")
    acc.set_role("bob", "admin")
    acc.set_role("alice", "viewer")
    assert dict(zip(acc.list_users()["username"], acc.list_users()["role"])) == {"alice": "viewer", "bob": "admin"}
    changes = ws.pipeline.changes()
    users = changes[changes["entity"] == "user"]
    assert ("alice", "role", "admin", "viewer", "admin-user") in set(
        zip(users["entity_id"], users["field"], users["old"], users["new"], users["user"]))


def test_a_partner_user_belongs_to_a_provider_of_the_inventory(acc, ws):
    provider = rows(ws, t.providers)[0]["key"]
    with pytest.raises(ExportPlanError, match="needs the provider key"):
        acc.create_user("pat", PASSWORD, "partner")
    with pytest.raises(ExportPlanError, match="no provider 'NOPE'"):
        acc.create_user("pat", PASSWORD, "partner", partner_provider="NOPE")
    with pytest.raises(ExportPlanError, match="Only partner users"):
        acc.create_user("pat", PASSWORD, "staff", partner_provider=provider)
    acc.create_user("pat", PASSWORD, "partner", partner_provider=provider)
    assert acc.user("pat")["partner_provider"] == provider
    acc.set_role("pat", "viewer")
    assert acc.user("pat")["partner_provider"] == ""


@pytest.mark.parametrize("name, password, role, extra, message", [
    ("Bob Smith", PASSWORD, "staff", {}, "not a valid user name"),
    ("", PASSWORD, "staff", {}, "not a valid user name"),
    ("b", PASSWORD, "staff", {}, "not a valid user name"),
    ("-bob", PASSWORD, "staff", {}, "not a valid user name"),
    ("bob", "short pass", "staff", {}, "at least 12 characters"),
    ("bob", None, "staff", {}, "at least 12 characters"),
    ("bob", "x" * 1025, "staff", {}, "at most 1024"),
    ("longusername", "LongUserName", "staff", {}, "not be the user name"),
    ("bob", PASSWORD, "boss", {}, "'boss' is not a role; use one of: admin, staff"),
    ("bob", PASSWORD, "staff", {"email": "bob at example"}, "not an email address"),
])
def test_bad_input_is_refused_with_a_message(sqlite_acc, name, password, role, extra, message):
    with pytest.raises(ExportPlanError, match=message):
        sqlite_acc.create_user(name, password, role, **extra)
    assert not rows(sqlite_acc.ws, t.users)


def test_a_second_user_with_the_same_name_is_refused(acc):
    acc.create_user("bob", PASSWORD, "staff")
    with pytest.raises(ExportPlanError, match="'bob' already exists"):
        acc.create_user("BOB", PASSWORD, "viewer")
    with pytest.raises(ExportPlanError, match="no user 'carol'"):
        acc.set_role("carol", "staff")


def test_the_audit_log_names_who_changed_users_and_never_a_password(acc, ws):
    acc.create_user("alice", PASSWORD, "admin")
    acc.set_password("alice", "another long password")
    acc.create_user("bob", PASSWORD, "staff")
    acc.disable("bob")
    text = audit_text(ws)
    assert PASSWORD not in text and "another long password" not in text and "$argon2" not in text
    changes = ws.pipeline.changes()
    assert set(changes["entity"]) == {"user"} and set(changes["user"]) == {"admin-user"}
    assert [tuple(r) for r in changes[["entity_id", "field", "new"]].values] == [
        ("alice", "created", "admin"), ("alice", "password", "changed"), ("bob", "created", "staff"),
        ("bob", "active", "no")]


# ---- the command line ---------------------------------------------------------------------------------------------
@pytest.fixture
def cli(monkeypatch):
    monkeypatch.setitem(workspace_module.SERVICES, "accounts", Accounts)
    from exportplan.cli import users  # noqa: F401  (registers the users commands)
    from exportplan.cli.main import cli as group

    def run(*args, input=None):
        return CliRunner().invoke(group, [str(a) for a in args], input=input)
    return run


def test_users_create_with_a_prompt_or_a_file_then_list_disable_and_tokens(cli, folder, tmp_path):
    made = cli("-w", folder, "users", "create", "Alice", "--role", "admin", "--display-name", "Alice Smith",
               input=f"{PASSWORD}\n{PASSWORD}\n")
    assert made.exit_code == 0, made.output
    assert "Created user 'alice' (admin)." in made.output and PASSWORD not in made.output
    secret = tmp_path / "pw.txt"
    secret.write_text(PASSWORD + "!\n", encoding="utf-8")
    assert cli("-w", folder, "users", "create", "bob", "--role", "staff", "--password-file", secret).exit_code == 0
    listed = cli("-w", folder, "users", "list")
    assert listed.exit_code == 0 and "alice" in listed.output and "Alice Smith" in listed.output
    assert "argon2" not in listed.output
    ws = Workspace.open(folder)
    try:
        assert Accounts(ws).authenticate("bob", PASSWORD + "!")["role"] == "staff"
    finally:
        ws.close()
    token = cli("-w", folder, "users", "token", "create", "bob", "--label", "nightly export")
    assert token.exit_code == 0, token.output
    printed = token.output.strip().splitlines()[-1]
    tokens = cli("-w", folder, "users", "token", "list")
    assert printed[:8] in tokens.output and printed not in tokens.output and "nightly export" in tokens.output
    assert cli("-w", folder, "users", "token", "revoke", "1").output.strip() == "Revoked API token #1."
    assert cli("-w", folder, "users", "role", "bob", "viewer").exit_code == 0
    assert cli("-w", folder, "users", "disable", "bob").exit_code == 0
    assert "viewer" in cli("-w", folder, "users", "list").output


def test_users_create_refuses_a_short_password_and_a_mismatched_prompt(cli, folder, tmp_path):
    short = cli("-w", folder, "users", "create", "alice", "--role", "admin", input="short\nshort\n")
    assert short.exit_code == 2 and "at least 12 characters" in short.output
    typo = cli("-w", folder, "users", "create", "alice", "--role", "admin",
               input=f"{PASSWORD}\n{PASSWORD}x\n{PASSWORD}\n{PASSWORD}\n")
    assert typo.exit_code == 0 and "do not match" in typo.output.lower()
    empty = tmp_path / "empty.txt"
    empty.write_text("", encoding="utf-8")
    refused = cli("-w", folder, "users", "create", "bob", "--role", "staff", "--password-file", empty)
    assert refused.exit_code == 2 and "holds no password" in refused.output
    bad_role = cli("-w", folder, "users", "create", "bob", "--role", "boss", input="x\n")
    assert bad_role.exit_code == 2 and "boss" in bad_role.output
