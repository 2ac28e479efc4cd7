"""The exporter pipeline's store and service (issue 9), on SQLite and on PostgreSQL.

Records and their checks, filters, the audit log and the stage history,
idempotent and all-or-nothing bundle imports, forgetting a contact, merging
companies, and two users editing one company at once.
"""
from __future__ import annotations

import threading

import pandas as pd
import pytest

from exportplan import Workspace
from exportplan.analysis.pipeline_bundle import SHEETS, CompanyBundle
from exportplan.errors import ConflictError, ExportPlanError
from exportplan.store import pipeline as repo
from exportplan.store import schema as t
from exportplan.ws.programs import CATALOGUE_KIND

TODAY = "2025-06-30"


def clock() -> str:
    return TODAY + "T12:00:00+00:00"


@pytest.fixture(params=["sqlite", "postgres"])
def ws(request, tmp_path):
    url = None if request.param == "sqlite" else request.getfixturevalue("pg_url")
    made = Workspace.init(tmp_path / "ws", name="Pipeline test", counties=["39049"], database_url=url,
                          centre=[39.96, -82.99])
    yield made.for_request(user="staff", clock=clock)
    made.close()


def counts(ws) -> dict[str, int]:
    tables = ("companies", "company_sales", "contacts", "interactions", "needs", "referrals", "outcomes",
              "stage_history", "assessments", "changes", "provenance")
    return {name: ws.context.store.count(getattr(t, name)) for name in tables}


def acme(ws, **over) -> str:
    fields = dict(company_id="C1", name="Acme Tool & Die, Inc.", naics="332710", sector="metal",
                  county_fips="39049", employees=25, revenue_usd=4_000_000, parent_country="Canada",
                  target_markets="Mexico; CAN", tags="tooling")
    return ws.pipeline.add_company(**dict(fields, **over))


# ---- companies: add, read, check --------------------------------------------------------------
def test_add_company_stores_canonical_values_history_and_audit(ws):
    key = acme(ws)
    got = ws.pipeline.company(key)
    assert (got["company_id"], got["version"], got["stage"]) == ("C1", 1, "not ready")
    assert (got["parent_country"], got["target_markets"], got["employees"]) == ("CAN", "MEX;CAN", 25)
    assert (got["created_by"], got["created_at"]) == ("staff", clock())
    assert [(h["from_stage"], h["to_stage"], h["source"]) for h in got["stage_history"]] == [("", "not ready",
                                                                                             "manual")]
    log = ws.pipeline.changes(key)
    assert log[["user", "field", "new"]].values.tolist() == [["staff", "created", "Acme Tool & Die, Inc."]]


def test_a_blank_company_id_is_derived_from_name_and_county(ws):
    assert ws.pipeline.add_company(name="Société Générale S.A.", county_fips="39049") == "societe-generale-39049"
    with pytest.raises(ExportPlanError, match="already stored"):
        ws.pipeline.add_company(name="Societe Generale", county_fips="39049")


@pytest.mark.parametrize("field, value, message", [
    ("stage", "big", "stage 'big' is not known; use one of: not ready"),
    ("naics", "33a", "must be 2 to 6 digits"),
    ("county_fips", "3904", "5-digit county FIPS"),
    ("employees", -1, "whole number of zero or more"),
    ("employees", 2.5, "whole number of zero or more"),
    ("revenue_usd", -5, "must be zero or more"),
    ("parent_country", "Atlantis", "not a country exportplan knows"),
    ("target_markets", "CAN;Narnia", "not a country"),
    ("name", " ", "needs a name"),
    ("colour", "red", "unknown field"),
])
def test_bad_company_values_are_refused_with_what_to_fix(ws, field, value, message):
    with pytest.raises(ExportPlanError, match=message):
        acme(ws, **{field: value})
    assert counts(ws)["companies"] == 0


def test_child_records_are_checked(ws):
    key = acme(ws)
    p = ws.pipeline
    with pytest.raises(ExportPlanError, match="in the future"):
        p.log_interaction(key, "2025-07-01", "call", "later")
    with pytest.raises(ExportPlanError, match="interaction kind 'fax' is not known"):
        p.log_interaction(key, "2025-01-01", "fax", "x")
    with pytest.raises(ExportPlanError, match="not a date; write it as YYYY-MM-DD"):
        p.log_interaction(key, "01/02/2025", "call", "x")
    with pytest.raises(ExportPlanError, match="referral status"):
        p.refer(key, "USCS", "Gold Key", "2025-01-01", status="maybe")
    with pytest.raises(ExportPlanError, match="provider"):
        p.refer(key, "", "Gold Key", "2025-01-01")
    with pytest.raises(ExportPlanError, match="must be zero or more"):
        p.record_outcome(key, "export sales", "2025-01-01", "CAN", -10)
    with pytest.raises(ExportPlanError, match="service category"):
        p.add_need(key, "lunch")
    with pytest.raises(ExportPlanError, match="No company with company_id 'nope'"):
        p.log_interaction("nope", "2025-01-01", "call", "x")
    assert counts(ws)["interactions"] == counts(ws)["referrals"] == counts(ws)["outcomes"] == 0


def test_child_records_are_stored_with_the_company(ws):
    key = acme(ws)
    p = ws.pipeline
    p.log_interaction(key, "2025-01-15", "visit", "plant tour", staff="Sam")
    p.add_need(key, "market research", "Germany", "EU rules")
    p.refer(key, "U.S. Commercial Service", "Gold Key", "2025-02-01", referrer="Sam")
    p.record_outcome(key, "first export", "2025-05-01", "DEU", 120_000, program="Gold Key")
    p.set_export_sales(key, 2024, 80_000)
    p.add_contact(key, "Jane Doe", role="CEO", email="jane@example.com")
    got = p.company(key)
    assert got["interactions"][0]["summary"] == "plant tour"
    assert got["needs"][0]["iso3"] == "DEU"
    assert got["referrals"][0]["status"] == "made"
    assert got["outcomes"][0]["export_sales_usd"] == 120_000
    assert got["export_sales"] == [{"year": 2024, "export_sales_usd": 80_000.0}]
    assert got["contacts"][0]["email"] == "jane@example.com"
    assert p.last_contacts().values.tolist() == [["C1", "2025-01-15"]]


def test_a_referral_status_changes_with_the_audit_log(ws):
    key = acme(ws)
    p = ws.pipeline
    rid = p.refer(key, "U.S. Commercial Service", "Gold Key", "2025-02-01")
    p.set_referral_status(rid, "accepted")
    p.set_referral_status(rid, "completed", outcome="Met three distributors")
    got = p.company(key)["referrals"][0]
    assert (got["status"], got["outcome"]) == ("completed", "Met three distributors")
    logged = p.changes(key)
    assert {f"referral #{rid} status", f"referral #{rid} outcome"} <= set(logged["field"])
    with pytest.raises(ExportPlanError, match="accepted"):  # the message lists the statuses
        p.set_referral_status(rid, "lost")
    with pytest.raises(ExportPlanError, match="No referral #999"):
        p.set_referral_status(999, "accepted")
    assert p.company(key)["referrals"][0]["status"] == "completed"


# ---- listing and filters ------------------------------------------------------------------------
def test_filters_and_order(ws):
    p = ws.pipeline
    p.add_company(company_id="b", name="Beta Plastics", naics="326199", county_fips="39049", stage="active",
                  sector="plastics")
    p.add_company(company_id="a2", name="Acme Foods", naics="311999", county_fips="39041", sector="food")
    p.add_company(company_id="a1", name="Acme Foods", naics="311421", county_fips="39049", sector="food",
                  stage="active")
    p.add_company(company_id="s", name="Société Générale", naics="5221", county_fips="39049")
    listed = p.companies()
    assert listed["company_id"].tolist() == ["a1", "a2", "b", "s"]  # by name, then key
    assert list(listed.columns[:16]) == list(SHEETS["companies"])
    assert listed.attrs["exportplan"]["title"] == "Companies in the pipeline"
    assert p.companies(stage="active")["company_id"].tolist() == ["a1", "b"]
    assert p.companies(stage=["active", "not ready"], county="39041")["company_id"].tolist() == ["a2"]
    assert p.companies(sector="food", naics="3114")["company_id"].tolist() == ["a1"]
    assert p.companies(naics="31")["company_id"].tolist() == ["a1", "a2"]
    assert p.companies(search="ACME")["company_id"].tolist() == ["a1", "a2"]
    assert p.companies(search="societe")["company_id"].tolist() == ["s"]  # accents folded
    assert p.companies(search="100%")["company_id"].tolist() == []  # LIKE wildcards are literal
    assert p.companies(limit=2)["company_id"].tolist() == ["a1", "a2"]
    assert p.companies(limit=2, offset=2)["company_id"].tolist() == ["b", "s"]
    assert p.count_companies() == 4 and p.count_companies(stage="active", search="acme") == 1


def test_the_tag_filter_matches_a_whole_tag_in_any_case(ws):
    p = ws.pipeline
    p.add_company(company_id="t1", name="One", tags="STEP grant; Aerospace")
    p.add_company(company_id="t2", name="Two", tags="aerospace-supplier")
    p.add_company(company_id="t3", name="Three", tags="aerospace")
    p.add_company(company_id="t4", name="Four", tags="50%_off")
    assert p.companies(tag="aerospace")["company_id"].tolist() == ["t1", "t3"]  # not 'aerospace-supplier'
    assert p.companies(tag="step grant")["company_id"].tolist() == ["t1"]
    assert p.companies(tag="50%_off")["company_id"].tolist() == ["t4"]  # wildcards are literal
    assert p.count_companies(tag="AEROSPACE") == 2 and p.count_companies(tag="aero") == 0


def test_likely_duplicates_are_listed_not_merged(ws):
    p = ws.pipeline
    p.add_company(company_id="x", name="Acme Tool & Die, Inc.", county_fips="39049")
    p.add_company(company_id="y", name="ACME TOOL AND DIE", county_fips="")
    p.add_company(company_id="z", name="Acme Foods", county_fips="39049")
    pairs = p.duplicates()
    assert pairs[["key_a", "key_b"]].values.tolist() == [["x", "y"]]
    assert p.count_companies() == 3


# ---- updates, audit, stage history, conflicts --------------------------------------------------------
def test_update_records_each_change_and_the_stage_history(ws):
    key = acme(ws)
    p = ws.pipeline
    assert p.update_company(key, expected_version=1, city="Columbus", stage="export-ready", employees=25) == 2
    log = p.changes(key)
    assert log[["field", "old", "new"]].values.tolist()[1:] == [["city", "", "Columbus"],
                                                               ["stage", "not ready", "export-ready"]]
    history = p.company(key)["stage_history"]
    assert [(h["from_stage"], h["to_stage"], h["changed_by"]) for h in history][-1] == ("not ready", "export-ready",
                                                                                         "staff")
    assert p.update_company(key, expected_version=2, city="Columbus") == 2  # nothing changed: no new version
    assert p.set_stage(key, "new-to-export", note="first order") == 3
    assert p.company(key)["stage_history"][-1]["note"] == "first order"
    assert len(p.changes(key)) == 4


def test_concurrent_edits_the_second_writer_is_told(ws):
    key = acme(ws)
    ann, bob = ws.for_request(user="ann"), ws.for_request(user="bob")
    seen_by_ann, seen_by_bob = ann.pipeline.company(key), bob.pipeline.company(key)
    assert seen_by_ann["version"] == seen_by_bob["version"] == 1
    ann.pipeline.update_company(key, expected_version=seen_by_ann["version"], city="Columbus")
    with pytest.raises(ConflictError, match="changed by ann at 2025-06-30T12:00:00") as caught:
        bob.pipeline.update_company(key, expected_version=seen_by_bob["version"], city="Dublin", employees=40)
    assert (caught.value.changed_by, caught.value.version) == ("ann", 2)
    stored = ws.pipeline.company(key)
    assert (stored["city"], stored["employees"], stored["version"], stored["updated_by"]) == ("Columbus", 25, 2,
                                                                                             "ann")
    assert "bob" not in set(ws.pipeline.changes(key)["user"])
    bob.pipeline.update_company(key, expected_version=2, city="Dublin")  # after reloading, bob's edit goes in
    assert ws.pipeline.company(key)["city"] == "Dublin"


def test_simultaneous_edits_one_wins_the_other_conflicts(ws):
    key = acme(ws)
    users = [ws.for_request(user=name) for name in ("ann", "bob", "cy", "di")]
    start, results = threading.Barrier(len(users)), {}

    def edit(w):
        start.wait()
        try:
            results[w.context.user] = w.pipeline.update_company(key, expected_version=1, city=w.context.user)
        except ConflictError as exc:
            results[w.context.user] = exc

    threads = [threading.Thread(target=edit, args=(w,)) for w in users]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    winners = [u for u, r in results.items() if r == 2]
    assert len(winners) == 1 and all(isinstance(r, ConflictError) for u, r in results.items() if u not in winners)
    stored = ws.pipeline.company(key)
    assert (stored["city"], stored["version"]) == (winners[0], 2)


# ---- bundles: idempotent, all or nothing -----------------------------------------------------------------
def bundle(city: str = "Columbus") -> CompanyBundle:
    companies = pd.DataFrame([
        dict(company_id="C1", name="Acme Tool & Die, Inc.", naics="332710", sector="", county_fips="39049",
             city=city, employees=25, revenue_usd=None, website="", foreign_parent="", parent_country="",
             stage="active", current_markets="CAN;MEX", target_markets="DEU", tags="", notes='=1+1 "quoted"'),
        dict(company_id="C2", name="Beta Plastics", naics="", sector="", county_fips="", city="", employees=None,
             revenue_usd=1.5e6, website="", foreign_parent="Beta AG", parent_country="DEU", stage="not ready",
             current_markets="", target_markets="", tags="a;b", notes=""),
    ])
    return CompanyBundle.of(
        companies=companies,
        export_sales=pd.DataFrame({"company_id": ["C1", "C1"], "year": [2023, 2024],
                                   "export_sales_usd": [1000.0, 2000.0]}),
        contacts=pd.DataFrame([dict(company_id="C1", contact_id="", name="Jane Doe", role="CEO",
                                    email="jane@example.com", phone="")]),
        interactions=pd.DataFrame([dict(company_id="C1", date="2025-01-02", kind="call", summary="hello", staff="")] * 2
                                  + [dict(company_id="C2", date="2025-01-03", kind="visit", summary="", staff="Sam")]),
        needs=pd.DataFrame([dict(company_id="C2", service_category="logistics", country="", note="")]),
        referrals=pd.DataFrame([dict(company_id="C1", date="2025-02-01", provider="SBA", program="STEP",
                                     referrer="", status="accepted", outcome="")]),
        outcomes=pd.DataFrame([dict(company_id="C1", date="2025-03-01", kind="new market", country="MEX",
                                    export_sales_usd=None, program="STEP", note="")]),
        stage_history=pd.DataFrame([dict(company_id="C1", date="2024-01-01", from_stage="", to_stage="active",
                                         changed_by="old crm", source="import", note="")]),
    )


def test_store_bundle_is_idempotent_and_reads_back(ws):
    report = ws.pipeline.store_bundle(bundle(), {"source": "pipeline.xlsx", "sha256": "x"})
    assert report.rows == 2 + 2 + 1 + 3 + 1 + 1 + 1 + 1  # rows of the file
    assert "stage history: 1 new or changed stage(s) recorded" in report.notes  # C2's first stage
    first = counts(ws)
    versions = ws.pipeline.companies()["version"].tolist()
    again = ws.pipeline.store_bundle(bundle(), {"source": "pipeline.xlsx", "sha256": "x"})
    assert again.rows == again.replaced == 0
    assert counts(ws) == first and ws.pipeline.companies()["version"].tolist() == versions == [1, 1]
    out = ws.pipeline.export_bundle(with_contacts=True)
    assert len(out.interactions) == 3  # two identical calls stay two
    history = out.stage_history[["company_id", "to_stage", "changed_by", "source"]].values.tolist()
    assert history == [["C1", "active", "old crm", "import"], ["C2", "not ready", "staff", "import"]]
    assert out.companies.loc[0, "notes"] == '=1+1 "quoted"'
    assert out.contacts.loc[0, "email"] == "jane@example.com"
    assert "contacts" not in {k for k, v in ws.pipeline.export_bundle().sheets().items() if len(v)}
    # what was exported imports back unchanged
    ws.pipeline.store_bundle(out, {"source": "export.xlsx"})
    assert counts(ws) == first


def test_store_bundle_updates_only_what_changed(ws):
    ws.pipeline.store_bundle(bundle(), {"source": "one.csv"})
    changed = bundle(city="Dublin")
    changed.export_sales.loc[1, "export_sales_usd"] = 2500.0
    report = ws.pipeline.store_bundle(changed, {"source": "two.csv"})
    assert report.replaced == 2
    listed = ws.pipeline.companies().set_index("company_id")
    assert listed.loc["C1", "city"] == "Dublin" and listed.loc["C1", "version"] == 2 and listed.loc["C2", "version"] == 1
    log = ws.pipeline.changes("C1")
    assert log[["field", "old", "new"]].values.tolist() == [["city", "Columbus", "Dublin"],
                                                            ["export_sales_2024", "2000", "2500"]]


def test_a_bundle_with_an_unknown_company_changes_nothing(ws):
    acme(ws)
    before = counts(ws)
    bad = bundle()
    bad.interactions.loc[2, "company_id"] = "ghost"
    with pytest.raises(ExportPlanError, match="1 company_id\\(s\\) in sheet\\(s\\) interactions.*'ghost'"):
        ws.pipeline.store_bundle(bad, {"source": "bad.csv"})
    assert counts(ws) == before
    only_children = CompanyBundle.of(interactions=pd.DataFrame([dict(company_id="C1", date="2025-01-02",
                                                                     kind="call", summary="", staff="")]))
    assert ws.pipeline.store_bundle(only_children, {"source": "calls.csv"}).rows == 1  # a stored company is fine


def test_a_failure_halfway_leaves_the_store_unchanged(ws, monkeypatch):
    acme(ws)
    before = counts(ws)
    real = repo.insert_children

    def failing(store, conn, table, records):
        if table == "needs":
            raise RuntimeError("disk full")
        return real(store, conn, table, records)

    monkeypatch.setattr(repo, "insert_children", failing)
    with pytest.raises(RuntimeError):
        ws.pipeline.store_bundle(bundle(), {"source": "half.csv"})
    assert counts(ws) == before


# ---- personal data, merging, mappings, prospects' tables -----------------------------------------------
def test_forget_contact_keeps_the_anonymous_history(ws):
    key = acme(ws)
    p = ws.pipeline
    jane = p.add_contact(key, "Jane Doe", email="jane@example.com", phone="555-0100")
    p.add_contact(key, "Joe Roe", email="joe@example.com")
    p.add_contact(key, "joe roe", role="buyer")
    p.log_interaction(key, "2025-01-02", "call", "pricing")
    assert p.forget_contact(jane) == 1
    assert p.forget_contact((key, "Joe Roe")) == 2
    got = p.company(key)
    assert got["contacts"] == [] and len(got["interactions"]) == 1
    log = p.changes(key)
    assert log["new"].tolist().count("forgotten") == 3
    text = " ".join(ws.context.store.frame("SELECT * FROM changes").astype(str).values.ravel())
    assert "Jane" not in text and "jane@" not in text and "555-0100" not in text and "Joe" not in text
    with pytest.raises(ExportPlanError, match="No contact"):
        p.forget_contact(jane)


def test_merge_moves_records_and_fills_blanks(ws):
    p = ws.pipeline
    keep = p.add_company(company_id="K", name="Acme Tool and Die", county_fips="39049", target_markets="CAN")
    drop = p.add_company(company_id="D", name="ACME TOOL & DIE INC", naics="332710", target_markets="MEX",
                         city="Columbus")
    p.log_interaction(drop, "2025-01-02", "call", "hello")
    p.add_contact(drop, "Jane Doe")
    p.set_export_sales(keep, 2024, 100)
    p.set_export_sales(drop, 2024, 999)
    p.set_export_sales(drop, 2023, 50)
    moved = p.merge(keep, drop)
    assert moved["interactions"] == 1 and moved["contacts"] == 1 and moved["company_sales"] == 1
    got = p.company(keep)
    assert (got["naics"], got["city"], got["target_markets"], got["version"]) == ("332710", "Columbus",
                                                                                   "CAN;MEX", 2)
    assert got["export_sales"] == [{"year": 2023, "export_sales_usd": 50.0}, {"year": 2024, "export_sales_usd": 100.0}]
    assert p.companies()["company_id"].tolist() == ["K"]
    assert ["merged", "", "D"] in p.changes(keep)[["field", "old", "new"]].values.tolist()
    assert p.changes(drop)["new"].tolist()[-1] == "merged into K"
    assert counts(ws)["stage_history"] == 2  # both companies' histories are kept
    with pytest.raises(ExportPlanError, match="two different companies"):
        p.merge(keep, keep)


def test_assessment_confirms_a_stage(ws):
    key = acme(ws)
    ws.pipeline.record_assessment(key, {"commitment": "yes"}, 72.5, "export-ready", confirmed_stage="export-ready")
    got = ws.pipeline.company(key)
    assert got["stage"] == "export-ready" and got["assessments"][0]["score"] == 72.5
    assert got["stage_history"][-1]["source"] == "assessment"


def test_column_mappings(ws):
    p = ws.pipeline
    p.save_mapping("crm", {"Account Name": "name", "SIC/NAICS": "naics"})
    assert p.mapping("crm") == {"Account Name": "name", "SIC/NAICS": "naics"}
    p.save_mapping("crm", {"Company": "name"})
    assert p.mapping("crm") == {"Company": "name"} and p.mappings() == ["crm"]
    with pytest.raises(ExportPlanError, match="unknown template column"):
        p.save_mapping("bad", {"x": "colour"})
    with pytest.raises(ExportPlanError, match="saved: crm"):
        p.mapping("other")


def test_businesses_and_export_intensity_are_replaced(ws):
    p = ws.pipeline
    rows = pd.DataFrame([dict(key="B1", name="Gamma LLC", naics="336111", county_fips="39049", employees=600,
                              foreign_parent="", parent_country="")])
    p.store_businesses(rows, {"source": "register.csv"})
    p.store_businesses(rows.assign(key="B2"), {"source": "register2.csv"})
    assert p.businesses()[["key", "name_key", "employees"]].values.tolist() == [["B2", "gamma", 600]]
    intensity = pd.DataFrame([dict(naics="336", exports_usd=1e9, exports_year=2023, employment=1e4,
                                   employment_year=2023, intensity=1e5, measured=True, note="")])
    p.store_export_intensity(intensity, {"source": "usatrade.csv"})
    assert p.export_intensity()["intensity"].tolist() == [1e5]
    assert sorted(_imported(ws)["source"]) == ["register2.csv", "usatrade.csv"]


def _imported(ws) -> pd.DataFrame:
    """The provenance records, without the federal program catalogue every new workspace holds."""
    records = ws.citations.provenance()
    return records[records["kind"] != CATALOGUE_KIND]


def test_a_manual_company_does_not_stop_provenance_pruning(ws):
    acme(ws)
    rows = pd.DataFrame([dict(key="B1", name="Gamma", naics="", county_fips="", employees=None, foreign_parent="",
                              parent_country="")])
    ws.pipeline.store_businesses(rows, {"source": "one.csv"})
    ws.pipeline.store_businesses(rows, {"source": "two.csv"})
    kinds = _imported(ws)[["kind", "source"]].values.tolist()
    assert sorted(kinds) == [["businesses", "two.csv"], ["companies", ""]]
