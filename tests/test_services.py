"""The workspace of services (issue 8): per-request contexts, and a citation for every source of every table.

Built on the SAMPLE workspace (the demo's builder). Every table a user can
export is written as CSV (data plus ``NAME.sources.csv``), XLSX (its sources
sheet) and JSON (its ``meta``), read back, and each source must name its file
or URL.
"""
from __future__ import annotations

import json
import threading

import openpyxl
import pandas as pd
import pytest

from exportplan.citation import ROW_KEYS, SourceRef, as_refs, source_ref
from exportplan.demo.builder import build_demo
from exportplan.output.tables import sources_path, write_table
from exportplan.workspace import ALIASES, SERVICES, Workspace


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    ws = build_demo(tmp_path_factory.mktemp("services") / "sample")
    yield ws
    ws.close()


def exported_tables(ws: Workspace) -> dict[str, pd.DataFrame]:
    """Every table the CLI and the demo let a user write, with its metadata."""
    return {
        "industries": ws.industries(level=3),
        "shift_share": ws.shift_share(level=3),
        "clusters": ws.clusters(cluster_type="traded"),
        "sectors_by_cluster": ws.rank_sectors(draws=200).table,
        "sectors_by_naics": ws.rank_sectors(by="naics", level=3, draws=200).table,
        "markets": ws.rank_markets(draws=200).table,
        "markets_by_sector": ws.markets_by_sector(draws=200),
    }


def xlsx_sources(path) -> list[dict]:
    book = openpyxl.load_workbook(path, read_only=True)
    try:
        rows = list(book["sources"].iter_rows(values_only=True))
    finally:
        book.close()
    start = next(i for i, r in enumerate(rows) if r and r[0] == "sources") + 1
    header = list(rows[start])
    out = []
    for r in rows[start + 1:]:
        if not r or r[0] is None:
            break
        out.append(dict(zip(header, r)))
    return out


def test_every_exported_table_names_a_file_or_url_for_every_source(ws, tmp_path):
    for name, df in exported_tables(ws).items():
        meta = df.attrs["exportplan"]
        refs = as_refs(meta["sources"])
        assert refs, f"{name} cites no source"
        assert all(isinstance(r, SourceRef) for r in meta["sources"]), name
        assert all(r.location for r in refs), f"{name}: a source without file or URL: {refs}"
        csv = write_table(df, tmp_path / f"{name}.csv", meta=meta)
        listed = pd.read_csv(sources_path(csv), dtype=str, keep_default_na=False)
        assert list(listed.columns) == list(ROW_KEYS)
        assert len(listed) == len(refs) and (listed["file/url"] != "").all(), name
        sheet = xlsx_sources(write_table(df, tmp_path / f"{name}.xlsx", meta=meta))
        assert len(sheet) == len(refs) and all(s["file/url"] for s in sheet), name
        doc = json.loads(write_table(df, tmp_path / f"{name}.json", meta=meta).read_text(encoding="utf-8"))
        assert len(doc["meta"]["sources"]) == len(refs)
        assert all(s["file/url"] for s in doc["meta"]["sources"]), name


def test_the_sources_table_cites_every_record_with_its_file(ws):
    table = ws.citations.sources_table()
    assert len(table) == len(ws.provenance()) > 0
    assert (table["file/url"] != "").all()
    assert list(table.columns[2:2 + len(ROW_KEYS)]) == list(ROW_KEYS)


def test_a_source_ref_is_built_from_a_provenance_record_in_one_place():
    record = {"publisher": "BLS", "dataset": "QCEW", "vintage": "2023 annual", "source": "/tmp/a/2023.q1-q4 x.csv",
              "url": "", "sha256": "ab", "retrieved_at": "t", "note": "n", "id": 3}
    ref = source_ref(record)
    assert ref == SourceRef("BLS", "QCEW", "2023 annual", file="2023.q1-q4 x.csv", sha256="ab", retrieved_at="t",
                            notes="n")
    assert ref.location == "2023.q1-q4 x.csv" and ref["file/url"] == ref.location
    downloaded = source_ref(dict(record, url="https://data.bls.gov/x.csv"))
    assert downloaded.location == "https://data.bls.gov/x.csv"
    assert as_refs([{"dataset": "d", "file/url": "https://x/y"}])[0].url == "https://x/y"
    assert as_refs("a description")[0].dataset == "a description"


def test_every_alias_is_its_services_method(ws):
    for service, names in ALIASES.items():
        for name in names:
            assert getattr(ws, name) == getattr(getattr(ws, service), name), name
            assert getattr(ws, name).__doc__ == getattr(SERVICES[service], name).__doc__


def test_a_request_context_shares_no_settings_with_the_workspace(ws):
    request = ws.for_request(user="analyst@example.org")
    assert request.context is not ws.context and request.context.user == "analyst@example.org"
    assert request.store is ws.store
    for name in SERVICES:
        assert getattr(request, name) is not getattr(ws, name)
        assert getattr(request, name).ctx is request.context
    request.config["analysis"]["window"] = 2
    request.config["region"]["reference_area"] = "USLQ"
    assert ws.config["analysis"]["window"] != 2 and ws.reference_area == "US000"
    assert request.analysis_window().start != ws.analysis_window().start


def test_requests_in_threads_answer_as_the_workspace_does(ws):
    expected = ws.industries(level=2)[["naics", "employment", "lq"]]
    results, errors = {}, []

    def run(i: int) -> None:
        try:
            request = ws.for_request(user=f"user{i}")
            if i % 2:
                request.config["analysis"]["window"] = 1  # a request's own setting, seen by no one else
            results[i] = request.industries(level=2)[["naics", "employment", "lq"]]
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    for frame in results.values():
        pd.testing.assert_frame_equal(frame.reset_index(drop=True), expected.reset_index(drop=True))
    assert ws.config["analysis"]["window"] != 1
