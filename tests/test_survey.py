"""The public company survey (issue 13, item 4), on SQLite and on PostgreSQL.

The questionnaire reuses the readiness items; a valid submission is stored pending and is not in the
pipeline until staff accept it; accepting makes the company with its contact, needs, markets and
assessment, or adds to a stored company; rejecting keeps nothing but the response and the reason;
every review is in the audit log; the messages for bad answers say per field what to fix; one client
is throttled after the limit; a ``<script>`` name is stored as the text it is; a submission returns
only its receipt number and reads nothing stored.
"""
from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest
from sqlalchemy import select

from exportplan.analysis import readiness, survey_form
from exportplan.analysis.pipeline_terms import SERVICE_CATEGORIES, STAGES
from exportplan.errors import ExportPlanError
from exportplan.store import schema as t
from exportplan.workspace import Workspace
from exportplan.ws.accounts import Throttled
from exportplan.ws.survey import Survey, SurveyInvalid

SCRIPT = "<script>alert('x')</script> & Sons"
COUNTIES = {"39049": "Franklin County, OH"}


def check(given) -> survey_form.Checked:
    """The questionnaire's validation with the look-ups the service gives it."""
    from exportplan.sources.countries import to_iso3

    return survey_form.validate(given, counties=COUNTIES, to_iso3=to_iso3)


class Clock:
    def __init__(self, at: str = "2026-03-02T09:10:00+00:00"):
        self.now = dt.datetime.fromisoformat(at)

    def __call__(self) -> str:
        return self.now.isoformat()

    def advance(self, **delta) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("survey") / "ws"
    Workspace.init(path, name="Survey Region", counties=["39049", "39041"]).close()
    return path


@pytest.fixture(params=["sqlite", "postgres"])
def folder(request, tmp_path, sqlite_template):
    if request.param == "sqlite":
        shutil.copytree(sqlite_template, tmp_path / "ws")
    else:
        Workspace.init(tmp_path / "ws", name="Survey Region", counties=["39049", "39041"],
                       database_url=request.getfixturevalue("pg_url")).close()
    return tmp_path / "ws"


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def opened(folder):
    made = []

    def open_one(clock, user="staff-user"):
        ws = Workspace.open(folder)
        made.append(ws)
        return ws.for_request(user=user, clock=clock)
    yield open_one
    for ws in made:
        ws.close()


@pytest.fixture
def public(opened, clock):
    """The survey as the public link uses it: no user."""
    return Survey(opened(clock, user=""))


@pytest.fixture
def staff(opened, clock):
    return Survey(opened(clock))


def answers(**changes) -> dict:
    base = {
        "company_name": "Buckeye Valves", "contact_name": "Ann Lee", "contact_email": "ann@buckeye.example",
        "contact_phone": "614-555-0100", "naics": "332911", "county_fips": "Franklin", "employees": "42",
        "export_status": "new-to-export", "current_markets": "Canada", "target_markets": "Mexico\nDEU",
        "barriers": ["finding buyers, distributors or agents", "other"], "barrier_other": "Certification cost",
        "needs": ["market research", "trade shows and trade missions"], "comments": "Call after 3 pm.",
        "management_commitment": "budgeted", "export_goals": "informal", "shipping": "once",
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def rows(survey, table) -> list[dict]:
    with survey.ws.store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(table)).mappings()]


# ---- the questionnaire (pure) ----------------------------------------------------------------------
def test_questions_reuse_the_readiness_items_and_name_the_vocabularies():
    fields = {f.key: f for f in survey_form.fields({"39049": "Franklin County, OH"})}
    for item in readiness.ITEMS:
        assert fields[item.key].label == item.question
        assert [c[0] for c in fields[item.key].choices] == [a.key for a in item.answers]
    assert [c[0] for c in fields["export_status"].choices] == list(STAGES)
    assert [c[0] for c in fields["needs"].choices] == list(SERVICE_CATEGORIES)
    assert fields["county_fips"].choices == (("39049", "Franklin County, OH"),)
    assert {k for k, f in fields.items() if f.required} == {"company_name", "export_status"}
    assert len(fields) == len(survey_form.field_keys())  # no key shared between the facts and the items


def test_validate_cleans_and_maps_every_field():
    clean, problems = check(answers(current_markets="Canada, Mexico\nKorea, South", employees="1,200",
                                    export_status="ACTIVE", shipping="once or twice"))
    assert problems == {}
    assert clean["current_markets"] == ["CAN", "MEX", "KOR"]
    assert clean["target_markets"] == ["MEX", "DEU"]
    assert clean["county_fips"] == "39049" and clean["employees"] == 1200 and clean["export_status"] == "active"
    assert clean["readiness"] == {"management_commitment": "budgeted", "export_goals": "informal",
                                  "shipping": "once"}
    assert "shipping" not in clean and clean["barriers"][-1] == "other"


@pytest.mark.parametrize("field, value, says", [
    ("company_name", "", "'Company name' is required; please answer it."),
    ("company_name", "x" * 201, "at most 200"),
    ("export_status", "exporting lots", "choose one of: not ready"),
    ("contact_email", "ann-at-buckeye", "name@example.org"),
    ("contact_phone", "call me", "phone number"),
    ("naics", "33A", "2 to 6 digits"),
    ("employees", "-3", "whole number"),
    ("employees", "a lot", "whole number"),
    ("county_fips", "Cook", "not one of the region's counties"),
    ("target_markets", "Narnia", "'Narnia' is not a country we know"),
    ("needs", ["free money"], "choose from: awareness and training"),
    ("shipping", "maybe", "not one of the answers to 'Has it shipped abroad"),
    ("comments", "y" * 4001, "at most 4,000"),
    ("current_markets", "; ".join(["CAN"] + [c for c in ("MEX DEU FRA ITA ESP PRT NLD BEL LUX AUT CHE POL CZE "
                                                         "SVK HUN ROU BGR GRC TUR ISR EGY MAR ZAF NGA KEN BRA "
                                                         "ARG CHL PER COL").split()]), "at most 30"),
])
def test_validate_says_per_field_what_to_fix(field, value, says):
    clean, problems = check(answers(**{field: value}))
    assert set(problems) == {field}, problems
    assert says in problems[field]
    assert field not in clean


def test_validate_needs_a_naics_code_or_a_product_and_a_described_other_barrier():
    clean, problems = survey_form.validate(answers(naics=None, barrier_other=None))
    assert "NAICS code or describe" in problems["product"]
    assert "say in a few words" in problems["barrier_other"]
    clean, problems = survey_form.validate(answers(naics=None, product="Brass valves", barriers=[],
                                                   county_fips="39049", current_markets="CAN", target_markets="MEX"))
    assert problems == {} and clean["barriers"] == ["other"]  # the described barrier implies 'other'


def test_validate_refuses_fields_the_survey_does_not_have_and_odd_shapes():
    _, problems = survey_form.validate(dict(answers(), is_admin="1", company_id="acme"))
    assert "Unknown field(s) 'company_id', 'is_admin'" in problems[""]
    _, problems = survey_form.validate(answers(company_name=["a", "b"], employees={"n": 1}))
    assert "give one answer as text" in problems["company_name"] and "employees" in problems
    _, problems = survey_form.validate(["not", "a", "mapping"])
    assert problems[""].startswith("The survey's answers must be given")


def test_hostile_text_is_kept_as_text_without_control_characters():
    clean, problems = check(answers(company_name=SCRIPT + "\x00\x07", comments="a\r\nb\x00{{7*7}}",
                                    product="=cmd|' /C calc'!A0 \ud800"))
    assert problems == {}
    assert clean["company_name"] == SCRIPT
    assert clean["comments"] == "a\nb{{7*7}}"
    assert clean["product"] == "=cmd|' /C calc'!A0 ?"


# ---- submitting --------------------------------------------------------------------------------------
def test_a_valid_submission_is_pending_and_not_in_the_pipeline(public, staff):
    receipt = public.submit(answers(), client="203.0.113.5")
    assert isinstance(receipt, int)
    assert staff.pending()["id"].tolist() == [receipt]
    stored = staff.response(receipt)
    assert stored["status"] == "pending" and stored["company_id"] is None
    assert stored["submitted_at"] == "2026-03-02T09:10:00+00:00"
    assert stored["answers"]["current_markets"] == ["CAN"] and stored["answers"]["county_fips"] == "39049"
    assert staff.ws.pipeline.count_companies() == 0
    log = staff.ws.pipeline.changes()
    assert log[["entity", "entity_id", "field", "new"]].values.tolist() == [
        ["survey_response", str(receipt), "submitted", "pending"]]


def test_questions_list_the_regions_counties(public):
    county = next(q for q in public.questions() if q["key"] == "county_fips")
    assert county["choices"] == [["39041", "Delaware County, OH"], ["39049", "Franklin County, OH"]]  # by name


def test_an_invalid_submission_stores_nothing_and_says_what_to_fix(public, staff):
    with pytest.raises(SurveyInvalid) as caught:
        public.submit(answers(contact_email="nope", export_status=""), client="a")
    assert set(caught.value.problems) == {"contact_email", "export_status"}
    assert "name@example.org" in str(caught.value)
    assert rows(staff, t.survey_responses) == []


def test_one_client_is_throttled_after_the_limit(public, staff, clock, monkeypatch):
    monkeypatch.setattr(Survey, "SUBMIT_LIMIT", 3)
    for n in range(3):
        public.submit(answers(company_name=f"Company {n}"), client="198.51.100.7")
    with pytest.raises(Throttled) as caught:
        public.submit(answers(company_name="Company 4"), client="198.51.100.7")
    assert "try again after 10:00 UTC" in str(caught.value) and caught.value.retry_after == 50 * 60
    with pytest.raises(Throttled):  # bad answers count too: a flood of them is stopped as well
        public.submit({"company_name": ""}, client="198.51.100.7")
    public.submit(answers(company_name="Other client"), client="198.51.100.8")
    assert len(staff.responses()) == 4
    clock.advance(hours=1)
    public.submit(answers(company_name="Next hour"), client="198.51.100.7")
    assert len(staff.pending()) == 5


def test_all_clients_together_are_bounded(public, staff, monkeypatch):
    monkeypatch.setattr(Survey, "SUBMIT_LIMIT_ALL", 2)
    public.submit(answers(), client="a")
    public.submit(answers(), client="b")
    with pytest.raises(Throttled, match="from everyone"):
        public.submit(answers(), client="c")
    assert len(staff.responses()) == 2


def test_a_script_company_name_is_stored_as_text(public, staff):
    receipt = public.submit(answers(company_name=SCRIPT), client="x")
    assert rows(staff, t.survey_responses)[0]["company_name"] == SCRIPT
    key = staff.accept(receipt)
    assert staff.ws.pipeline.company(key)["name"] == SCRIPT


def test_a_submission_reads_nothing_stored(public, staff):
    known = staff.ws.pipeline.add_company(name="Secret Exporter", county_fips="39049", stage="active",
                                          current_markets="JPN", notes="confidential")
    staff.ws.pipeline.add_contact(known, "Private Person", email="private@secret.example")
    first = public.submit(answers(company_name="Secret Exporter", county_fips="39049"), client="x")
    second = public.submit(answers(company_name="Unknown Co"), client="x")
    assert (type(first), type(second)) == (int, int) and second == first + 1  # a number, the same either way
    refusals = []
    for name in ("Secret Exporter", "Unknown Co"):  # refused alike, whether the company is stored or not
        with pytest.raises(SurveyInvalid) as caught:
            public.submit(answers(company_name=name, county_fips="39049", export_status=""), client="y")
        refusals.append(caught.value.problems)
    assert refusals[0] == refusals[1] == {"export_status": "'Which best describes your exporting today?' "
                                                           "is required; please answer it."}
    for question in public.questions():
        assert "Secret" not in json.dumps(question) and "private@" not in json.dumps(question)
    public_methods = {name for name in dir(Survey) if not name.startswith("_")}
    assert {"questions", "validate", "submit"} <= public_methods  # the only ones the public page calls


# ---- review ------------------------------------------------------------------------------------------
def test_accept_creates_the_company_with_its_assessment_needs_and_contact(public, staff):
    receipt = public.submit(answers(), client="x")
    key = staff.accept(receipt)
    assert key == "buckeye-valves-39049"
    company = staff.ws.pipeline.company(key)
    assert (company["name"], company["naics"], company["county_fips"], company["employees"]) == (
        "Buckeye Valves", "332911", "39049", 42)
    assert company["stage"] == "new-to-export"
    assert (company["current_markets"], company["target_markets"], company["tags"]) == ("CAN", "MEX;DEU", "survey")
    assert "barriers: finding buyers, distributors or agents; other: Certification cost" in company["notes"]
    assert f"Survey response #{receipt} (2026-03-02)" in company["notes"]
    assert sorted(n["service_category"] for n in company["needs"]) == ["market research",
                                                                       "trade shows and trade missions"]
    assert [(c["name"], c["email"]) for c in company["contacts"]] == [("Ann Lee", "ann@buckeye.example")]
    [assessment] = company["assessments"]
    expected = readiness.score({"management_commitment": "budgeted", "export_goals": "informal",
                                "shipping": "once"}, markets=1)
    assert assessment["score"] == pytest.approx(expected.score)
    assert assessment["suggested_stage"] == expected.suggested_stage and assessment["confirmed_stage"] == ""
    assert "survey response" in assessment["assessed_by"]
    stored = staff.response(receipt)
    assert (stored["status"], stored["company_id"], stored["reviewed_by"]) == ("accepted", key, "staff-user")
    assert staff.pending().empty
    log = staff.ws.pipeline.changes()
    review = log[log["entity"] == "survey_response"][["field", "old", "new", "user"]].values.tolist()
    assert review[-2:] == [["status", "pending", "accepted", "staff-user"],
                           ["company", "", f"{key} (new)", "staff-user"]]
    with pytest.raises(ExportPlanError, match="already accepted into company 'buckeye-valves-39049' by staff-user"):
        staff.accept(receipt)


def test_accept_into_an_existing_company(public, staff):
    pipeline = staff.ws.pipeline
    key = pipeline.add_company(company_id="BV-1", name="Buckeye Valves Inc", stage="active", current_markets="JPN",
                               naics="", notes="Met at the expo.")
    pipeline.add_need(key, "market research")
    pipeline.add_contact(key, "Ann Lee", email="old@buckeye.example")
    receipt = public.submit(answers(), client="x")
    assert "BV-1" in staff.candidates(receipt)["company_id"].tolist()
    assert staff.accept(receipt, company="BV-1") == "BV-1"
    company = pipeline.company("BV-1")
    assert company["name"] == "Buckeye Valves Inc" and company["stage"] == "active"  # kept
    assert (company["naics"], company["county_fips"], company["employees"]) == ("332911", "39049", 42)  # filled
    assert company["current_markets"] == "JPN;CAN" and company["target_markets"] == "MEX;DEU"
    assert company["notes"].startswith("Met at the expo.\nSurvey response #")
    assert sorted(n["service_category"] for n in company["needs"]) == ["market research",
                                                                       "trade shows and trade missions"]
    assert [c["email"] for c in company["contacts"]] == ["old@buckeye.example"]  # same name: not added twice
    assert len(company["assessments"]) == 1
    assert staff.response(receipt)["company_id"] == "BV-1"


def test_accept_refuses_a_company_already_stored_under_the_same_key_and_stays_pending(public, staff):
    staff.ws.pipeline.add_company(name="Buckeye Valves", county_fips="39049")
    receipt = public.submit(answers(), client="x")
    with pytest.raises(ExportPlanError, match="company='buckeye-valves-39049'"):
        staff.accept(receipt)
    with pytest.raises(ExportPlanError, match="No company with company_id 'nope'"):
        staff.accept(receipt, company="nope")
    assert staff.response(receipt)["status"] == "pending"


def test_a_refused_pipeline_step_gives_the_response_back(public, staff, monkeypatch):
    receipt = public.submit(answers(), client="x")

    def refuse(*_args, **_kw):
        raise ExportPlanError("the pipeline refused")
    monkeypatch.setattr(type(staff.ws.pipeline), "add_need", refuse)
    with pytest.raises(ExportPlanError, match="the pipeline refused"):
        staff.accept(receipt)
    assert staff.response(receipt)["status"] == "pending"


def test_reject_keeps_the_reason_and_nothing_enters_the_pipeline(public, staff):
    receipt = public.submit(answers(), client="x")
    with pytest.raises(ExportPlanError, match="Say why"):
        staff.reject(receipt, "  ")
    staff.reject(receipt, "spam")
    stored = staff.response(receipt)
    assert (stored["status"], stored["reason"], stored["reviewed_by"]) == ("rejected", "spam", "staff-user")
    assert staff.ws.pipeline.count_companies() == 0
    assert staff.responses("rejected")["id"].tolist() == [receipt]
    log = staff.ws.pipeline.changes()
    assert log[log["field"].isin(["status", "reason"])][["field", "new"]].values.tolist() == [
        ["status", "rejected"], ["reason", "spam"]]
    with pytest.raises(ExportPlanError, match="already rejected"):
        staff.accept(receipt)


def test_unknown_responses_and_statuses_are_named(staff):
    with pytest.raises(ExportPlanError, match="No survey response #99"):
        staff.response(99)
    with pytest.raises(ExportPlanError, match="by its number"):
        staff.response("abc")
    with pytest.raises(ExportPlanError, match="use one of pending, accepted, rejected"):
        staff.responses("done")


def test_a_response_is_claimed_for_review_once(public, opened, clock):
    """Two reviewers who both read it pending: the conditional update lets one of them through."""
    from exportplan.store import survey as repo

    receipt = public.submit(answers(), client="x")
    first, second = Survey(opened(clock, user="ann")), Survey(opened(clock, user="bob"))
    assert second.response(receipt)["status"] == "pending"
    first.accept(receipt)
    with second.ws.store.transaction() as conn:
        assert repo.claim(conn, receipt, "pending", status="accepted", reviewed_by="bob") is False
    with pytest.raises(ExportPlanError, match="already accepted .* by ann"):
        second.accept(receipt)
    assert first.ws.pipeline.count_companies() == 1


# ---- the command line (SQLite) -------------------------------------------------------------------------
@pytest.fixture
def run():
    """``exportplan survey ...`` through click's runner."""
    from click.testing import CliRunner

    from exportplan.cli.main import cli as group

    return lambda *args: CliRunner().invoke(group, [str(a) for a in args])


def test_survey_commands_list_show_accept_and_reject(run, sqlite_template, tmp_path):
    folder = tmp_path / "ws"
    shutil.copytree(sqlite_template, folder)
    ws = Workspace.open(folder)
    try:
        public = Survey(ws.for_request(user=""))
        first = public.submit(answers(company_name=SCRIPT), client="x")
        second = public.submit(answers(company_name="Spam Co"), client="x")
    finally:
        ws.close()
    listed = run("-w", folder, "survey", "pending")
    assert listed.exit_code == 0, listed.output
    assert "Spam Co" in listed.output and "pending" in listed.output
    shown = run("-w", folder, "survey", "show", first)
    assert shown.exit_code == 0, shown.output
    assert f"Survey response #{first}" in shown.output and SCRIPT in shown.output
    assert "Countries you want to sell to: MEX; DEU" in shown.output and "Readiness answers (3 item(s))" in shown.output
    accepted = run("-w", folder, "survey", "accept", first)
    assert accepted.exit_code == 0, accepted.output
    assert "into company" in accepted.output
    assert run("-w", folder, "survey", "reject", second).exit_code == 2  # --reason is required
    rejected = run("-w", folder, "survey", "reject", second, "--reason", "spam")
    assert rejected.output.strip() == f"Rejected survey response #{second}."
    assert "No survey responses are waiting" in run("-w", folder, "survey", "pending").output
    again = run("-w", folder, "survey", "accept", second)
    assert again.exit_code != 0 and "already rejected" in again.output
    rejected_list = run("-w", folder, "survey", "list", "--status", "rejected").output
    assert "Spam Co" in rejected_list and SCRIPT not in rejected_list
    missing = run("-w", folder, "survey", "show", "99")
    assert missing.exit_code != 0 and "No survey response #99" in missing.output
