"""The own programs' pages, the judges' pages and the partner's referrals: what each role sees and may do.

Read-only checks use the shared sample app; tests that write use a copy of the sample workspace
(``web_copy``) with an app of its own.
"""
from __future__ import annotations

import re

import pytest
from starlette.testclient import TestClient

from exportplan import Workspace
from exportplan.web.app import create_app

from .conftest import USERS, sign_in

ROUND = "sample-pitch-2026"
JUDGE = USERS["judge"][0]
EVIL = "<script>alert('x')</script> Evil Exports"


@pytest.fixture
def copy_ws(web_copy):
    ws = Workspace.open(web_copy)
    yield ws
    ws.close()


@pytest.fixture
def copy_client(copy_ws):
    with TestClient(create_app(workspace=copy_ws), follow_redirects=False) as test_client:
        yield test_client


# ---- the runs and the report ------------------------------------------------------------------------
@pytest.mark.parametrize("role", ["staff", "viewer"])
def test_the_runs_their_pages_and_the_report_render(client, web_workspace, role):
    sign_in(client, role)
    runs = web_workspace.initiatives.list()
    page = client.get("/initiatives")
    assert page.status_code == 200
    for key in runs["key"]:
        assert f'href="/initiatives/{key}"' in page.text
    assert ("/initiatives/new-mission" in page.text) == (role == "staff")
    for key, kind in zip(runs["key"], runs["kind"]):
        run = client.get(f"/initiatives/{key}")
        assert run.status_code == 200, (key, run.text[-800:])
        members = web_workspace.initiatives.members(key)
        for name in members["name"] if kind != "competition" else []:
            assert str(name).replace("&", "&amp;").replace("'", "&#39;") in run.text
    cohort = client.get("/initiatives/sample-exportech-2026").text
    assert "Sessions and attendance" in cohort and "Follow-up at 6 and 12 months" in cohort
    mission = client.get("/initiatives/sample-mission-ind-2026").text
    assert "Meetings" in mission and "Check against state and federal missions" in mission
    competition = client.get(f"/initiatives/{ROUND}").text
    for title in ("Rubric", "Judges", "Applications", "Ranking", "Awards", "Budget", "Claims"):
        assert f"<h2>{title}</h2>" in competition
    assert "sample-judge-2" in competition  # staff see every judge
    report = client.get("/initiatives/report")
    assert report.status_code == 200
    assert "All programs" in report.text
    assert client.get("/initiatives/no-such-run").status_code == 404


def test_a_viewer_may_not_add_a_mission(client):
    token = sign_in(client, "viewer")
    page = client.get("/initiatives/new-mission")
    assert page.status_code == 200 and "<form method=\"post\"" not in page.text
    answer = client.post("/initiatives/new-mission", data={"csrf_token": token, "key": "m1", "name": "M",
                                                           "iso3": "MEX", "start_date": "2027-03-08"})
    assert answer.status_code == 403


def test_a_mission_duplicating_a_state_mission_is_named_and_added_only_when_forced(copy_client, copy_ws):
    token = sign_in(copy_client, "staff")
    form = {"csrf_token": token, "key": "auto-mex-2027", "name": "Automotive mission to Mexico", "iso3": "MEX",
            "sector": "Automotive", "start_date": "2027-03-09", "end_date": "2027-03-13", "city": "Monterrey"}
    answer = copy_client.post("/initiatives/new-mission", data=form)
    assert answer.status_code == 409
    assert "duplicates 1 existing state or federal mission" in answer.text
    assert "sample-mission-1" in answer.text and "Sample State automotive mission" in answer.text
    assert 'value="auto-mex-2027"' in answer.text  # the form keeps what was typed
    assert 'name="force"' in answer.text
    assert "auto-mex-2027" not in set(copy_ws.initiatives.list()["key"])
    answer = copy_client.post("/initiatives/new-mission", data=dict(form, force="yes"))
    assert answer.status_code == 303 and answer.headers["location"] == "/initiatives/auto-mex-2027"
    assert copy_ws.initiatives.get("auto-mex-2027")["iso3"] == "MEX"
    page = copy_client.get("/initiatives/auto-mex-2027")
    assert "Mission auto-mex-2027 added." in page.text and "sample-mission-1" in page.text
    # a mission that duplicates nothing is added at once; a bad one says what to fix
    clean = dict(form, key="auto-jpn", iso3="JPN", city="Tokyo")
    assert copy_client.post("/initiatives/new-mission", data=clean).status_code == 303
    bad = copy_client.post("/initiatives/new-mission", data=dict(form, key="x y", iso3="JPN"))
    assert bad.status_code == 400 and "key" in bad.text


# ---- judges ---------------------------------------------------------------------------------------------
def _assigned(ws) -> set[str]:
    return set(ws.competitions.applications(ROUND, judge=JUDGE)["application"])


def test_a_judge_sees_only_the_applications_assigned_to_them(client, web_workspace):
    sign_in(client, "judge")
    mine = _assigned(web_workspace)
    every = set(web_workspace.competitions.applications(ROUND)["application"])
    assert mine and every - mine
    page = client.get("/judging")
    assert page.status_code == 200
    listed = set(re.findall(rf'href="/judging/{ROUND}/([^"]+)"', page.text))
    assert listed == mine
    others = web_workspace.competitions.applications(ROUND)
    for name in others.loc[~others["application"].isin(mine), "name"]:
        assert str(name).replace("&", "&amp;").replace("'", "&#39;") not in page.text
    for key in sorted(every - mine) + ["NOPE"]:
        assert client.get(f"/judging/{ROUND}/{key}").status_code == 404
        assert client.get(f"/judging/no-round/{key}").status_code == 404
    # the staff's pages with everyone's scores are closed to a judge
    for path in ("/initiatives", f"/initiatives/{ROUND}", "/initiatives/report", "/programs"):
        assert client.get(path).status_code == 403, path


def test_a_judge_sees_only_their_own_scores(client, web_workspace):
    sign_in(client, "judge")
    key = sorted(_assigned(web_workspace))[0]
    own = web_workspace.competitions.application(ROUND, key, judge=JUDGE)["points"]
    staff_view = web_workspace.competitions.application(ROUND, key)
    page = client.get(f"/judging/{ROUND}/{key}")
    assert page.status_code == 200
    for criterion, points in own.items():
        assert f'name="points-{criterion}"' in page.text and f'value="{points:g}"' in page.text
    for other in staff_view["judges"]:
        if other["judge"] != JUDGE:
            assert other["judge"] not in page.text
    assert "Rank" not in page.text and "judges_used" not in page.text  # no result of the round either


def test_a_judge_scores_an_assigned_application_and_nothing_else(copy_client, copy_ws):
    token = sign_in(copy_client, "judge")
    mine = _assigned(copy_ws)
    key = sorted(mine)[0]
    rubric = copy_ws.competitions.rubric(ROUND)
    points = {f"points-{c}": "5" for c in rubric["key"]}
    answer = copy_client.post(f"/judging/{ROUND}/{key}/score", data=dict(points, csrf_token=token))
    assert answer.status_code == 303 and answer.headers["location"] == f"/judging/{ROUND}/{key}"
    saved = copy_ws.competitions.application(ROUND, key, judge=JUDGE)["points"]
    assert saved == {c: 5.0 for c in rubric["key"]}
    page = copy_client.get(f"/judging/{ROUND}/{key}")
    assert f"Your scores for {key} were saved." in page.text and "Scored on every criterion." in page.text
    # out of range: refused, the values typed kept, nothing saved
    bad = copy_client.post(f"/judging/{ROUND}/{key}/score",
                           data=dict(points, **{f"points-{rubric['key'][0]}": "99"}, csrf_token=token))
    assert bad.status_code == 400 and 'value="99"' in bad.text
    assert copy_ws.competitions.application(ROUND, key, judge=JUDGE)["points"][rubric["key"][0]] == 5.0
    # an application not assigned to the judge: 404, nothing stored
    other = sorted(set(copy_ws.competitions.applications(ROUND)["application"]) - mine)[0]
    before = copy_ws.competitions.application(ROUND, other)["score"]
    answer = copy_client.post(f"/judging/{ROUND}/{other}/score", data=dict(points, csrf_token=token))
    assert answer.status_code == 404
    assert copy_ws.competitions.application(ROUND, other)["score"] == before
    assert copy_client.post(f"/judging/{ROUND}/{other}/conflict",
                            data={"csrf_token": token, "reason": "x"}).status_code == 404


def test_a_judge_declares_a_conflict_of_interest(copy_client, copy_ws):
    token = sign_in(copy_client, "judge")
    key = sorted(_assigned(copy_ws))[-1]
    answer = copy_client.post(f"/judging/{ROUND}/{key}/conflict",
                              data={"csrf_token": token, "reason": "advises the company"})
    assert answer.status_code == 303
    assert copy_ws.competitions.application(ROUND, key, judge=JUDGE)["conflict"] is True
    page = copy_client.get(f"/judging/{ROUND}/{key}")
    assert "You declared a conflict of interest" in page.text and "Save my scores" not in page.text


@pytest.mark.parametrize("role", ["viewer", "staff"])
def test_other_roles_cannot_score(client, role):
    token = sign_in(client, role)
    assert client.get("/judging").status_code == 403
    answer = client.post(f"/judging/{ROUND}/A01/score", data={"csrf_token": token, "points-market": "1"})
    assert answer.status_code == 403


def test_a_company_name_with_markup_is_shown_as_text_to_the_judge(copy_ws, copy_client):
    company = copy_ws.pipeline.add_company(company_id="EVIL-1", name=EVIL, naics="334516")
    rules = copy_ws.initiatives.get(ROUND)["rules"]
    copy_ws.competitions.add_application(ROUND, "A99", company, cost_usd=4000,
                                         fields={k: "<b>bold</b> plan" for k in rules["fields"]})
    copy_ws.competitions.assign(ROUND, JUDGE, "A99")
    sign_in(copy_client, "judge")
    for path in ("/judging", f"/judging/{ROUND}/A99"):
        text = copy_client.get(path).text
        assert "<script>alert" not in text and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in text, path
    assert "<b>bold</b>" not in copy_client.get(f"/judging/{ROUND}/A99").text


# ---- partners ------------------------------------------------------------------------------------------
def _referrals(ws):
    """Two referrals to the partner's provider (one by its program, one by its name, the second of a company
    whose name holds markup) and one to another provider."""
    partner = ws.accounts.user(USERS["partner"][0])["partner_provider"]
    programs = ws.programs.programs()
    own = programs[programs["provider_id"] == partner].iloc[0]
    other = programs[programs["provider_id"] != partner].iloc[0]
    evil = ws.pipeline.add_company(company_id="EVIL-2", name=EVIL, naics="334516")
    ids = {"by_program": ws.pipeline.refer("SAMPLE-0001", program_id=own["program_id"], date="2026-11-01"),
           "by_name": ws.pipeline.refer(evil, provider=own["provider_name"], program="Mentoring", date="2026-11-02"),
           "other": ws.pipeline.refer("SAMPLE-0002", program_id=other["program_id"], date="2026-11-03")}
    return ids, own, other


def test_a_partner_sees_only_the_referrals_sent_to_its_organization(copy_ws, copy_client):
    ids, own, other = _referrals(copy_ws)
    token = sign_in(copy_client, "partner")
    page = copy_client.get("/partner/referrals")
    assert page.status_code == 200
    shown = {int(i) for i in re.findall(r'action="/partner/referrals/(\d+)/status', page.text)}
    assert shown == {ids["by_program"], ids["by_name"]}
    assert "2 referral(s)." in page.text
    assert "2026-11-01" in page.text and "2026-11-02" in page.text and "2026-11-03" not in page.text
    assert "<script>alert" not in page.text and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page.text
    # another provider's referral: 404, whatever the request says
    for target in (f"/partner/referrals/{ids['other']}/status",
                   f"/partner/referrals/{ids['other']}/status?provider={other['provider_id']}",
                   "/partner/referrals/999999/status", "/partner/referrals/x/status"):
        answer = copy_client.post(target, data={"csrf_token": token, "status": "accepted"})
        assert answer.status_code == 404, target
    assert copy_client.get(f"/partner/referrals?provider={other['provider_id']}").text.count("2026-11-03") == 0
    # the partner reads nothing else of the organization
    for path in ("/programs", "/initiatives", "/judging", "/companies"):
        assert copy_client.get(path).status_code in (403, 404), path
    # its own referral: updated, and the outcome written
    answer = copy_client.post(f"/partner/referrals/{ids['by_program']}/status",
                              data={"csrf_token": token, "status": "accepted", "outcome": "first call held"})
    assert answer.status_code == 303 and answer.headers["location"] == "/partner/referrals"
    found = {r["id"]: r for r in copy_ws.pipeline.company("SAMPLE-0001")["referrals"]}[ids["by_program"]]
    assert (found["status"], found["outcome"]) == ("accepted", "first call held")
    page = copy_client.get("/partner/referrals")
    assert f"Referral {ids['by_program']} is now &#39;accepted&#39;." in page.text
    bad = copy_client.post(f"/partner/referrals/{ids['by_name']}/status", data={"csrf_token": token, "status": "won"})
    assert bad.status_code == 400


def test_staff_choose_a_provider_and_a_viewer_sees_no_referrals(copy_ws, copy_client):
    ids, own, _other = _referrals(copy_ws)
    token = sign_in(copy_client, "staff")
    page = copy_client.get("/partner/referrals", params={"provider": own["provider_id"]})
    assert page.status_code == 200 and "2 referral(s)." in page.text
    target = f"/partner/referrals/{ids['by_name']}/status"
    assert copy_client.post(target, data={"csrf_token": token, "status": "declined"}).status_code == 400
    answer = copy_client.post(f"{target}?provider={own['provider_id']}", data={"csrf_token": token, "status": "declined"})
    assert answer.status_code == 303 and answer.headers["location"] == f"/partner/referrals?provider={own['provider_id']}"
    with TestClient(copy_client.app, follow_redirects=False) as viewer:
        token = sign_in(viewer, "viewer")
        assert viewer.get("/partner/referrals").status_code == 403
        answer = viewer.post(f"/partner/referrals/{ids['by_program']}/status",
                             data={"csrf_token": token, "status": "accepted"})
        assert answer.status_code == 403
