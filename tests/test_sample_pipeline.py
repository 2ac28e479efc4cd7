"""The sample exporter pipeline and business list: layout, vocabulary, consistent history, labelled."""
from __future__ import annotations

import csv
import datetime as dt
import re
import unicodedata
from collections import Counter, defaultdict

import numpy as np
import openpyxl
import pytest
from rapidfuzz import fuzz, process

from exportplan.analysis.pipeline_terms import (EXPORTING_STAGES, INTERACTION_KINDS, OUTCOME_KINDS,
                                                REFERRAL_STATUSES, SERVICE_CATEGORIES, STAGE_SOURCES,
                                                STAGES)
from exportplan.demo import sample_pipeline as sp
from exportplan.demo.sample_clusters import CLUSTER_NAMES, CROSSWALK
from exportplan.demo.sample_common import COUNTIES, SAMPLE_NOTE
from exportplan.demo.sample_markets import COUNTRIES
from exportplan.imports.businesses import read_businesses

ISO3 = {row[0] for row in COUNTRIES}
SECTORS = {naics: CLUSTER_NAMES[code] for naics, code, _sub in CROSSWALK}
#: The spec's sheets and columns (issue 9), written out here so that a change to either is seen.
SPEC_SHEETS = {
    "companies": ["company_id", "name", "naics", "sector", "county_fips", "city", "employees", "revenue_usd",
                  "website", "foreign_parent", "parent_country", "stage", "current_markets",
                  "target_markets", "tags", "notes"],
    "export_sales": ["company_id", "year", "export_sales_usd"],
    "contacts": ["company_id", "contact_id", "name", "role", "email", "phone"],
    "interactions": ["company_id", "date", "kind", "summary", "staff"],
    "needs": ["company_id", "service_category", "country", "note"],
    "referrals": ["company_id", "date", "provider", "program", "referrer", "status", "outcome", "program_id"],
    "outcomes": ["company_id", "date", "kind", "country", "export_sales_usd", "program", "note"],
    "stage_history": ["company_id", "date", "from_stage", "to_stage", "changed_by", "source", "note"],
}
DATED = ("interactions", "referrals", "outcomes", "stage_history")


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return sp.write_sample_pipeline(tmp_path_factory.mktemp("pipeline"))


@pytest.fixture(scope="module")
def book(files):
    wb = openpyxl.load_workbook(files.pipeline, read_only=True)
    try:
        sheets = {}
        for ws in wb.worksheets:
            rows = list(ws.iter_rows(values_only=True))
            header = list(rows[0])
            sheets[ws.title] = (header, [dict(zip(header, row, strict=True)) for row in rows[1:]])
        props = wb.properties.title, wb.properties.description
    finally:
        wb.close()
    return sheets, props


@pytest.fixture(scope="module")
def tables(book):
    return {name: rows for name, (_header, rows) in book[0].items()}


@pytest.fixture(scope="module")
def companies(tables):
    return {row["company_id"]: row for row in tables["companies"]}


@pytest.fixture(scope="module")
def businesses(files):
    with open(files.businesses, encoding="utf-8-sig", newline="") as fh:
        lines = list(csv.reader(fh))
    return lines[0], lines[1], [dict(zip(lines[1], line, strict=True)) for line in lines[2:]]


def by_company(rows):
    out = defaultdict(list)
    for row in rows:
        out[row["company_id"]].append(row)
    return out


def name_key(name: str) -> str:
    """A plain stand-in for analysis.company_names.name_key: casefold, '&' -> 'and', no punctuation or suffixes."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold().replace("&", " and ")
    words = re.sub(r"[^\w\s]", "", text).split()
    suffixes = {"inc", "llc", "ltd", "corp", "co", "company", "corporation", "incorporated", "limited"}
    return " ".join(w for w in words if w not in suffixes)


def test_same_seed_writes_the_same_bytes(files, tmp_path):
    again = sp.write_sample_pipeline(tmp_path / "again")
    for first, second in zip(files.all_paths(), again.all_paths(), strict=True):
        assert first.name == second.name
        assert first.read_bytes() == second.read_bytes()
    other = sp.write_sample_pipeline(tmp_path / "other", seed=7)
    assert other.pipeline.read_bytes() != files.pipeline.read_bytes()
    assert other.businesses.read_bytes() != files.businesses.read_bytes()


def test_files_are_named_and_labelled_sample(files, book, businesses):
    assert [p.name for p in files.all_paths()] == ["SAMPLE_pipeline.xlsx", "SAMPLE_businesses.csv",
                                                   "SAMPLE_usatradeonline_exports_by_naics.csv"]
    assert files.exports.read_text(encoding="utf-8").startswith('"SAMPLE DATA')
    assert book[1] == ("SAMPLE exporter pipeline", SAMPLE_NOTE)
    assert businesses[0] == [SAMPLE_NOTE]


def test_sheets_and_columns_are_the_spec_layout(book, businesses):
    assert {name: header for name, (header, _rows) in book[0].items()} == SPEC_SHEETS
    assert list(book[0]) == list(SPEC_SHEETS)
    assert {k: list(v) for k, v in sp.SHEETS.items()} == SPEC_SHEETS
    assert businesses[1] == ["name", "naics", "county_fips", "employees", "foreign_parent", "parent_country"]


def test_counts(tables, companies, businesses):
    assert len(tables["companies"]) == len(companies) == sp.COMPANY_COUNT == 300
    assert len({c["name"] for c in companies.values()}) == 300
    assert len(businesses[2]) == sp.BUSINESS_COUNT == 1500
    assert len(tables["stage_history"]) >= 300
    assert len(tables["interactions"]) >= 300
    for sheet in ("export_sales", "contacts", "needs", "referrals", "outcomes"):
        assert len(tables[sheet]) >= 50, sheet


def test_every_value_is_valid(tables, companies):
    for c in companies.values():
        assert re.fullmatch(r"SAMPLE-\d{4}", c["company_id"])
        assert c["naics"] is None or re.fullmatch(r"\d{6}", c["naics"])
        assert c["sector"] == SECTORS.get(c["naics"])  # blank for industries in no cluster
        assert c["county_fips"] is None or c["county_fips"] in COUNTIES
        assert isinstance(c["employees"], int) and c["employees"] >= 0
        assert c["revenue_usd"] is None or c["revenue_usd"] >= 0
        assert c["stage"] in STAGES
        assert (c["foreign_parent"] is None) == (c["parent_country"] is None)
        assert c["parent_country"] is None or c["parent_country"] in ISO3
        for col in ("current_markets", "target_markets"):
            assert set((c[col] or "").split(";")) - {""} <= ISO3
        assert c["website"].endswith(".example")
    for sheet, rows in tables.items():
        for row in rows:
            assert row["company_id"] in companies, sheet
            for value in row.values():
                assert not (isinstance(value, str) and value[:1] in "=+-@\t\r"), (sheet, value)
    assert {r["kind"] for r in tables["interactions"]} <= set(INTERACTION_KINDS)
    assert {r["service_category"] for r in tables["needs"]} <= set(SERVICE_CATEGORIES)
    assert {r["country"] for r in tables["needs"]} - {None} <= ISO3
    assert {r["status"] for r in tables["referrals"]} <= set(REFERRAL_STATUSES)
    assert {r["kind"] for r in tables["outcomes"]} == set(OUTCOME_KINDS)
    assert {r["country"] for r in tables["outcomes"]} - {None} <= ISO3
    assert {r["source"] for r in tables["stage_history"]} <= set(STAGE_SOURCES)
    assert {r["to_stage"] for r in tables["stage_history"]} <= set(STAGES)
    assert {r["from_stage"] for r in tables["stage_history"]} - {None} <= set(STAGES)
    for row in tables["export_sales"] + tables["outcomes"]:
        assert row["export_sales_usd"] is None or row["export_sales_usd"] >= 0
    sales_keys = [(r["company_id"], r["year"]) for r in tables["export_sales"]]
    assert len(sales_keys) == len(set(sales_keys))
    contact_ids = [r["contact_id"] for r in tables["contacts"]]
    assert len(contact_ids) == len(set(contact_ids))


def test_dates_are_iso_in_range_and_never_in_the_future(tables):
    today = dt.date.today()
    for sheet in DATED:
        for row in tables[sheet]:
            day = dt.date.fromisoformat(row["date"])
            assert row["date"] == day.isoformat()
            assert sp.FIRST_DAY <= day <= sp.LAST_DAY <= today, (sheet, row)
    assert {r["year"] for r in tables["export_sales"]} <= set(sp.SALES_YEARS)


def test_stage_history_chains_to_the_company_stage(tables, companies):
    history = by_company(tables["stage_history"])
    assert set(history) == set(companies)
    for cid, rows in history.items():
        assert rows[0]["from_stage"] is None and rows[0]["source"] == "import"
        for before, after in zip(rows, rows[1:], strict=False):
            assert after["from_stage"] == before["to_stage"] != after["to_stage"]
            assert before["date"] <= after["date"]
        assert rows[-1]["to_stage"] == companies[cid]["stage"]
    first_contact = {cid: min(r["date"] for r in rows) for cid, rows in by_company(tables["interactions"]).items()}
    assert all(first_contact[cid] == rows[0]["date"] for cid, rows in history.items())


def test_first_exports_match_the_history(tables, companies):
    history = by_company(tables["stage_history"])
    became = {cid: r["date"] for cid, rows in history.items() for r in rows
              if r["to_stage"] == "new-to-export" and r["from_stage"] not in (None, *EXPORTING_STAGES)}
    firsts = {r["company_id"]: r for r in tables["outcomes"] if r["kind"] == "first export"}
    assert became and set(firsts) == set(became)
    for cid, outcome in firsts.items():
        assert outcome["date"] == became[cid]
        assert companies[cid]["stage"] in EXPORTING_STAGES
        assert outcome["country"] == companies[cid]["current_markets"].split(";")[0]
    for outcome in tables["outcomes"]:
        markets = (companies[outcome["company_id"]]["current_markets"] or "").split(";")
        assert outcome["country"] is None or outcome["country"] in markets


def test_markets_and_sales_follow_the_stage(tables, companies):
    sales = by_company(tables["export_sales"])
    firsts = {r["company_id"]: r["date"] for r in tables["outcomes"] if r["kind"] == "first export"}
    least = {"new-to-export": 1, "active": 2, "expanding": 3}
    for cid, c in companies.items():
        markets = (c["current_markets"] or "").split(";") if c["current_markets"] else []
        targets = c["target_markets"].split(";") if c["target_markets"] else []
        assert not set(markets) & set(targets)
        if c["stage"] in EXPORTING_STAGES:
            assert len(markets) >= least[c["stage"]] and (c["stage"] != "new-to-export" or len(markets) == 1)
            if cid in firsts:  # sales start in the year of the first export
                assert all(r["year"] >= int(firsts[cid][:4]) for r in sales.get(cid, []))
            else:
                assert [r["year"] for r in sales[cid]] == list(sp.SALES_YEARS)
        else:
            assert not markets and cid not in sales
    reported = [r for r in tables["outcomes"] if r["kind"] == "export sales"]
    assert reported
    for r in reported:
        latest = sales[r["company_id"]][-1]
        assert (latest["year"], latest["export_sales_usd"]) == (sp.SALES_YEARS[-1], r["export_sales_usd"])


def test_stages_and_markets_are_plausible(companies):
    stages = Counter(c["stage"] for c in companies.values())
    assert set(stages) == set(STAGES)
    exporting = sum(stages[s] for s in EXPORTING_STAGES)
    assert stages["not ready"] + stages["export-ready"] > 0.6 * len(companies)
    assert min(stages["not ready"], stages["export-ready"]) > max(stages[s] for s in EXPORTING_STAGES)
    assert exporting > 0.15 * len(companies)
    markets = Counter(m for c in companies.values() if c["current_markets"] for m in c["current_markets"].split(";"))
    assert {m for m, _n in markets.most_common(2)} == {"CAN", "MEX"}
    assert sum(1 for c in companies.values() if c["foreign_parent"]) >= 10
    assert sum(1 for c in companies.values() if c["naics"] is None or c["county_fips"] is None) >= 3


def test_everything_invented_is_marked_sample(tables, companies, businesses):
    for c in companies.values():
        assert c["name"].startswith("Sample ") and c["name"].endswith(" (SAMPLE)")
        assert c["notes"] == SAMPLE_NOTE and "sample" in c["tags"].split(";")
    for row in businesses[2]:
        assert row["name"].casefold().startswith("sample ") and row["name"].endswith(" (SAMPLE)")
    assert all(r["provider"].endswith("(SAMPLE referral)") for r in tables["referrals"])
    assert all(re.fullmatch(r"Sample Person \d+", r["name"]) for r in tables["contacts"])
    assert all(r["email"].endswith(".example") and r["phone"].startswith("555-01") for r in tables["contacts"])
    for sheet, column in (("interactions", "summary"), ("needs", "note"), ("outcomes", "note"),
                          ("stage_history", "note")):
        assert all(r[column].startswith("SAMPLE") for r in tables[sheet]), sheet


def test_business_list_values(businesses):
    rows = businesses[2]
    assert len({r["name"] for r in rows}) == len(rows)
    for r in rows:
        assert r["naics"] == "" or re.fullmatch(r"\d{6}", r["naics"])
        assert r["county_fips"] == "" or r["county_fips"] in COUNTIES
        assert int(r["employees"]) >= 1
        assert bool(r["foreign_parent"]) == bool(r["parent_country"])
        assert r["parent_country"] == "" or r["parent_country"] in ISO3
    assert len({r["naics"] for r in rows}) >= 40


def test_business_list_reads_through_the_business_importer(files):
    frame = read_businesses(files.businesses)
    assert len(frame) == sp.BUSINESS_COUNT and not frame.attrs["warnings"]


def test_business_list_holds_respelled_pipeline_companies_and_no_other_look_alikes(companies, businesses):
    """About 40% of the pipeline is in the list under other spellings; other names are not near-duplicates."""
    pipeline = list(companies.values())
    rows = businesses[2]
    pipeline_names = {c["name"] for c in pipeline}
    assert not pipeline_names & {r["name"] for r in rows}  # every copy is spelled differently
    keys = [name_key(c["name"]) for c in pipeline]
    listed = [name_key(r["name"]) for r in rows]
    scores = process.cdist(keys, listed, scorer=fuzz.token_sort_ratio, workers=1)
    pipe_i, list_j = np.nonzero(scores >= 90)
    pairs = {(i, j) for i, j in zip(pipe_i.tolist(), list_j.tolist(), strict=True)
             if "" in (pipeline[i]["county_fips"] or "", rows[j]["county_fips"])
             or pipeline[i]["county_fips"] == rows[j]["county_fips"]}
    found = Counter(i for i, _j in pairs)
    assert round(0.4 * len(pipeline)) == len(found) == len(pairs)  # one copy each, no stray match
    for i, j in pairs:
        assert (pipeline[i]["naics"] or "") == rows[j]["naics"]
    among = process.cdist(keys, keys, scorer=fuzz.token_sort_ratio, workers=1)
    np.fill_diagonal(among, 0)
    assert (among < 90).all()
    others = [k for j, k in enumerate(listed) if j not in {j for _i, j in pairs}]
    within = process.cdist(others, others, scorer=fuzz.token_sort_ratio, workers=1)
    np.fill_diagonal(within, 0)
    assert (within < 90).all()


def test_respell_changes_the_spelling_but_not_the_key():
    rng = np.random.default_rng(0)
    for name in ("Sample Summit Tool & Die Co. (SAMPLE)", "Sample Zenith Bakery, Inc. (SAMPLE)",
                 "Sample Kestrel Plastics (SAMPLE)", "Sample Alder Molding LLC (SAMPLE)"):
        for _ in range(20):
            spelled = sp.respell(name, rng)
            assert spelled != name and spelled.endswith("(SAMPLE)")
            assert fuzz.token_sort_ratio(name_key(spelled), name_key(name)) >= 90


def test_history_ends_recently_before_the_fixed_last_day(tables):
    """The newest interactions are months, not years, before LAST_DAY, so that the outreach list's recent-contact
    rule (365 days) has pipeline companies to leave out; LAST_DAY is fixed, never later than 2026-09-30."""
    assert sp.LAST_DAY == dt.date(2026, 9, 30)
    last = {}
    for r in tables["interactions"]:
        day = dt.date.fromisoformat(str(r["date"])[:10])
        last[r["company_id"]] = max(last.get(r["company_id"], day), day)
    recent = [cid for cid, day in last.items() if (dt.date(2026, 12, 1) - day).days <= 365]
    assert 20 <= len(recent) < len(last)


def test_sample_exports_read_as_usa_trade_online_national_rows(files, tmp_path):
    from exportplan.analysis.prospects import export_intensity, national_employment
    from exportplan.demo.sample import write_sample_files
    from exportplan.demo.sample_qcew import qcew_file_name
    from exportplan.sources.qcew import read_qcew
    from exportplan.sources.usatrade import national_exports, read_usatrade

    trade, prov = read_usatrade(files.exports, file=files.exports.name)
    assert set(trade["state"]) == {"All States"} and set(trade["year"]) == {sp.EXPORTS_YEAR}
    assert prov["vintage"] == str(sp.EXPORTS_YEAR)
    national = national_exports(trade)
    values = dict(zip(national["naics"], national["exports_usd"], strict=True))
    assert values == pytest.approx(sp.sample_exports())
    for code, value in values.items():  # 3- and 4-digit rows are the sums of their 6-digit industries
        if len(code) < 6:
            assert value == sum(v for k, v in values.items() if len(k) == 6 and k.startswith(code))
    assert not any(code.startswith(("42", "5", "6", "7")) for code in values)  # goods only
    qcew = write_sample_files(tmp_path / "s").folder / qcew_file_name(sp.EXPORTS_YEAR, "US000")
    table = export_intensity(national, national_employment(read_qcew(qcew, source_name=qcew.name)))
    by = dict(zip(table["naics"], table["intensity"], strict=False))
    assert by["336"] > by["311"] and by["334"] > by["311"]
