"""The pages' content cache (:mod:`exportplan.web.views`) and the data's change counter it rests on: content is
made once per version of the data and the settings, a change made anywhere (another workspace object, as another
worker or a command would) is seen by the next request, and bookkeeping (sessions, rate-limit counters) does not
empty the cache."""
from __future__ import annotations

from types import SimpleNamespace

import pytest
from starlette.testclient import TestClient

from exportplan import Workspace
from exportplan.store.data_version import data_version
from exportplan.web.views import Views

from .conftest import sign_in

MEMBER = "SAMPLE-0012"


def _request(counter: int, config: dict | None = None):
    """A stand-in request whose version is ``counter`` (the views read the stamp once per request)."""
    return SimpleNamespace(state=SimpleNamespace(data_stamp=(counter, str(config or {}))))


def test_content_is_made_once_per_version_and_again_after_a_change():
    views, made = Views(), []

    def make():
        made.append(1)
        return {"n": len(made)}

    first = views.get(_request(1), ("page", 1), make)
    assert views.get(_request(1), ("page", 1), make) is first
    assert views.get(_request(1), ("page", 2), make) == {"n": 2}  # another key: made
    assert views.get(_request(2), ("page", 1), make) == {"n": 3}  # the data changed: made again
    assert views.get(_request(2, {"weights": 1}), ("page", 1), make) == {"n": 4}  # the settings changed
    assert (views.hits, views.misses) == (1, 4)


def test_a_request_older_than_the_kept_content_is_served_but_not_kept():
    views = Views()
    views.get(_request(5), "k", lambda: "new")
    assert views.get(_request(4), "k", lambda: "old") == "old"  # began before the change: made, not kept
    assert views.get(_request(5), "k", lambda: "again") == "new"


def test_a_failure_keeps_nothing_and_the_oldest_content_goes_first():
    views = Views(max_entries=2)

    def broken():
        raise ValueError("no")

    with pytest.raises(ValueError):
        views.get(_request(1), "k", broken)
    assert views.get(_request(1), "k", lambda: "made") == "made"
    views.get(_request(1), "a", lambda: "a")
    views.get(_request(1), "b", lambda: "b")  # "k" is the least recently used: dropped
    assert len(views) == 2 and views.get(_request(1), "k", lambda: "k again") == "k again"


def test_the_change_counter_moves_with_data_and_not_with_bookkeeping(web_copy):
    ws = Workspace.open(web_copy)
    try:
        before = data_version(ws.store)
        ws.accounts.hit("test:counter", 5, 60)  # a rate-limit counter
        assert ws.accounts.authenticate("nobody", "wrong password") is None  # a failed sign-in is counted
        assert data_version(ws.store) == before
        ws.pipeline.log_interaction(MEMBER, "2026-01-05", "call", "Asked about Mexico")
        assert data_version(ws.store) == before + 1
        with pytest.raises(Exception):
            with ws.store.transaction() as conn:
                ws.pipeline.add_company  # noqa: B018 - a transaction that fails changes nothing
                raise RuntimeError("rolled back")
        assert data_version(ws.store) == before + 1
    finally:
        ws.close()


def test_pages_show_a_change_made_by_another_workspace_object_at_once(web_copy):
    """As when another worker or a command changes the data: the next request sees it."""
    from exportplan.web.app import create_app

    served = Workspace.open(web_copy)
    other = Workspace.open(web_copy)
    try:
        app = create_app(workspace=served, warm=False)
        with TestClient(app, follow_redirects=False) as client:
            sign_in(client, "staff")
            url = f"/companies/{MEMBER}"
            assert client.get(url).status_code == 200
            hits = app.state.views.hits
            assert client.get(url).status_code == 200
            assert app.state.views.hits == hits + 1  # unchanged data: the kept content
            for page in (url, "/", "/companies?q=Renamed+Elsewhere"):  # kept before the change
                assert "Renamed Elsewhere Ltd" not in client.get(page).text
            company = other.pipeline.company(MEMBER)
            other.pipeline.update_company(MEMBER, expected_version=company["version"], name="Renamed Elsewhere Ltd")
            assert "Renamed Elsewhere Ltd" in client.get(url).text
            assert "Renamed Elsewhere Ltd" in client.get("/companies?q=Renamed+Elsewhere").text
            assert "Renamed Elsewhere Ltd" in client.get("/").text  # the dashboard's recent activity
    finally:
        other.close()
        served.close()


def test_a_worker_works_on_as_many_requests_at_once_as_its_threads(web_workspace):
    """``serve --threads N`` (create_app's ``threads``): the thread pool the endpoints run in holds N."""
    import anyio.to_thread
    from starlette.responses import JSONResponse

    from exportplan.web.app import create_app
    from exportplan.web.routes import page

    async def pool(request):
        return JSONResponse({"threads": anyio.to_thread.current_default_thread_limiter().total_tokens})

    app = create_app(workspace=web_workspace, warm=False, threads=3,
                     extra_routes=[page("/test-pool", pool, access="public")])
    with TestClient(app) as client:
        assert client.get("/test-pool").json() == {"threads": 3}


def test_a_table_from_records_reads_as_one_from_a_frame():
    """``table_html`` takes a company's records as they are (the company page's fast path): the same table as
    from a frame of those records with the columns asked for (as the page built before)."""
    import pandas as pd

    from exportplan.web.render import table_html

    records = [{"id": 3, "date": "2026-01-05", "kind": "call", "summary": "<b>Asked</b>", "amount": 1500.0},
               {"id": 4, "date": "2026-02-01", "kind": "visit", "summary": "Plant", "amount": None}]
    args = dict(caption="Interactions", columns={"id": "Id", "date": "Date", "summary": "Summary",
                                                  "amount": "Amount", "missing": "Never given"},
                formats={"id": "d", "amount": ",.0f"}, max_rows=1)
    from_records = table_html(records, **args)
    frame = pd.DataFrame(records, columns=[*records[0], "missing"]).astype({"missing": object})  # no value
    assert from_records == table_html(frame, **args)
    assert "&lt;b&gt;Asked&lt;/b&gt;" in from_records and "Showing 1 of 2 rows." in from_records
    assert '<th scope="col" class="num">Amount</th>' in from_records
    assert "None recorded." in table_html([], caption="Needs", columns={"id": "Id"}, empty="None recorded.")
