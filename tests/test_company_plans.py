"""Company export plans (issue 12, item 1): ``ws.company_plans`` and ``exportplan companies plan ...``.

On the sample workspace (built once for the module): a sample company's plan renders to PDF (read back with
pdftotext) and DOCX (opened with python-docx); its target markets are the per-sector ranking of its NAICS code
(at the coarser level the sample's exports allow, which the plan states) without the region-only factors;
the markets it names are shown even when ranked lower; its matched programs are eligible for it; a conflicting
text save is refused (SQLite and PostgreSQL). The pure choices (NAICS levels, weights, budget total) on
hand-built cases.
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from exportplan.analysis import company_plan as cp
from exportplan.analysis.initiative_terms import DEFAULT_METRICS, PLAN_TEXT_SECTIONS
from exportplan.cli.main import cli
from exportplan.demo.builder import build_demo
from exportplan.errors import ConflictError, ExportPlanError
from exportplan.plan_model import Table

REGION_ONLY_ZERO = {"partnerships": 0.0, "fdi_connections": 0.0, "client_interest": 0.0}


@pytest.fixture(scope="module")
def ws(tmp_path_factory):
    workspace = build_demo(tmp_path_factory.mktemp("cp") / "sample")
    yield workspace
    workspace.close()


def _pick(ws, *, services: bool = False) -> str:
    """A sample company with needs and a NAICS code: a manufacturer (exports data at its 3-digit code), or a
    professional-services one (no exports data for its code)."""
    companies = ws.pipeline.companies()
    needs = set(ws.pipeline.records("needs")["company_id"])
    naics = companies["naics"].fillna("").astype(str)
    wanted = naics.str.startswith("54") if services else naics.str.startswith("33")
    keys = companies.loc[wanted & (naics.str.len() == 6) & companies["company_id"].isin(needs), "company_id"]
    assert len(keys), "the sample has such a company"
    return str(keys.iloc[0])


@pytest.fixture(scope="module")
def key(ws) -> str:
    return _pick(ws)


# ---- the pure choices ------------------------------------------------------------------------------------
@pytest.mark.parametrize("naics, loaded, used, tried", [
    ("332710", ["332", "336"], "332", ["332710", "33271", "3327"]),
    ("332710", ["3327", "332"], "3327", ["332710", "33271"]),
    ("332710", ["332710"], "332710", []),
    ("332710", ["33"], "33", ["332710", "33271", "3327", "332"]),
    ("541715", ["332", "311"], None, ["541715", "54171", "5417", "541", "54"]),
    ("", ["332"], None, []),
    ("3327", ["33271"], "3327", []),  # finer data count for a coarser code
])
def test_finest_level_with_data(naics, loaded, used, tried):
    assert cp.finest_level(naics, loaded) == (used, tried)


def test_level_statement_says_which_level_and_why():
    text = cp.level_statement("332710", "332", ["332710", "33271", "3327"], "Fabricated Metal", ["332", "336"])
    assert "NAICS 332 (Fabricated Metal)" in text and "3-digit level of the company's code 332710" in text
    assert "no exports of NAICS 332710, 33271, 3327 are loaded" in text and "falls back" in text
    own = cp.level_statement("332710", "332710", [], "Machine shops", ["332710"])
    assert "own NAICS code 332710" in own and "falls back" not in own
    none = cp.level_statement("541715", None, ["541715", "54"], "", ["332"], priority="the sector ranking's tier")
    assert "region's priority sectors (the sector ranking's tier)" in none and "541715" in none


def test_company_weights_zero_the_region_only_factors_and_keep_the_workspace_overrides():
    assert cp.company_weights(None) == REGION_ONLY_ZERO
    assert cp.company_weights("proximity=0.3,partnerships=0.2") == {"proximity": 0.3, **REGION_ONLY_ZERO}
    with pytest.raises(ExportPlanError, match="Unknown weight key"):
        cp.company_weights("nearness=0.3")


def test_budget_total_is_summed_in_cents():
    assert cp.budget_total([0.1, 0.2, None, float("nan")]) == 0.3
    table = cp.actions_table(pd.DataFrame({"title": ["a", "b"], "owner": ["", ""], "due_date": ["", ""],
                                           "status": ["planned", "done"], "budget_usd": [0.1, 0.2],
                                           "note": ["", ""]}))
    assert table["action"].iloc[-1] == "Total budget" and table["budget_usd"].iloc[-1] == 0.3


def test_due_dates_may_be_in_the_future_but_must_be_dates():
    assert cp.due_date("2031-02-28") == "2031-02-28" and cp.due_date("") == ""
    with pytest.raises(ExportPlanError, match="YYYY-MM-DD"):
        cp.due_date("next spring")


def test_named_markets_outside_the_ranking_are_listed_last():
    ranking = pd.DataFrame({"rank": [1, 2, 3], "iso3": ["CAN", "MEX", "DEU"], "country": ["Canada", "Mexico",
                                                                                             "Germany"],
                            "score": [0.9, 0.8, 0.1], "coverage": [1.0, 1.0, 1.0], "robust": [True, True, False],
                            "reason": ["r1", "r2", "r3"]})
    rows = cp.market_rows(ranking, {"DEU": ["plan"], "ATA": ["pipeline"], "CAN": ["plan", "pipeline"]}, top=2,
                          names={"ATA": "Antarctica"})
    assert list(rows["iso3"]) == ["CAN", "MEX", "DEU", "ATA"]
    assert rows["basis"].iloc[0] == ("top 2 of the ranking; named by the company (in its plan and as a target "
                                     "market in the pipeline)")
    assert rows["basis"].iloc[2] == "named by the company (in its plan)" and rows["rank"].iloc[2] == 3
    assert pd.isna(rows["rank"].iloc[3]) and rows["reason"].iloc[3].startswith("not ranked")


# ---- the market ranking for the company's products ----------------------------------------------------------
def test_target_markets_come_from_the_per_sector_ranking_of_its_naics(ws, key):
    naics = ws.pipeline.company(key)["naics"]
    markets = ws.company_plans.markets(key)
    info = markets.attrs["company_plan"]
    # the sample's exports by destination are at 3-digit NAICS: the company's code falls back to its 3 digits
    assert info["sector"] == naics[:3] and info["tried"] == [naics[:n] for n in (6, 5, 4)]
    assert info["weights"] == REGION_ONLY_ZERO
    expected = ws.markets.rank_markets(sector=naics[:3], weights=REGION_ONLY_ZERO)
    assert all(expected.weights[f] == 0 for f in cp.REGION_ONLY) and expected.weights["current_markets"] > 0
    top = markets[markets["basis"].str.contains("top 5 of the ranking")]
    assert list(top["iso3"]) == list(expected.table["iso3"].head(5))
    assert list(top["rank"]) == [1, 2, 3, 4, 5]
    assert top["score"].round(9).tolist() == expected.table["score"].head(5).round(9).tolist()
    assert "3-digit level of the company's code" in info["statement"]


def test_markets_the_company_names_are_shown_even_when_ranked_lower(ws, key):
    ranked = ws.markets.rank_markets(sector=ws.pipeline.company(key)["naics"][:3], weights=REGION_ONLY_ZERO).table
    low = str(ranked["iso3"].iloc[-1])
    version = ws.company_plans.get(key)["version"]
    ws.company_plans.set(key, markets=[low], expected_version=version)
    markets = ws.company_plans.markets(key)
    row = markets[markets["iso3"] == low].iloc[0]
    assert row["basis"] == "named by the company (in its plan)" and row["rank"] == len(ranked)
    pipeline_targets = ws.pipeline.company(key)["target_markets"].split(";")
    for iso3 in filter(None, pipeline_targets):
        assert "as a target market in the pipeline" in markets.loc[markets["iso3"] == iso3, "basis"].iloc[0]


def test_a_company_whose_code_has_no_export_data_is_ranked_as_the_regions_priority_sectors(ws):
    other = _pick(ws, services=True)
    info = ws.company_plans.markets(other).attrs["company_plan"]
    assert info["sector"] == ""
    assert "as for the region's priority sectors" in info["statement"]
    assert ws.pipeline.company(other)["naics"] in info["statement"]


# ---- programs, texts, items -------------------------------------------------------------------------------
def test_matched_programs_in_the_plan_are_eligible_for_it(ws, key, tmp_path):
    plan = ws.company_plans.model(key, chart_dir=tmp_path)
    table = next(b for b in plan.section("programs").blocks if isinstance(b, Table))
    shown = set(table.frame["program"])
    matched = ws.programs.match(key)
    eligible = set(matched.loc[matched["eligible"].astype(bool), "program"])
    assert shown and shown == eligible
    assert table.frame["reason"].str.len().gt(0).all()


def test_a_text_is_a_draft_until_saved_and_a_conflicting_save_is_refused(ws, key):
    plans = ws.company_plans
    first = plans.text(key, "entry_strategy")
    assert first.draft and first.version == 0
    top = ws.company_plans.markets(key)["country"].iloc[0]
    assert top in first.text  # drafted from the company's own markets
    coach = ws.for_request(user="coach").company_plans
    other = ws.for_request(user="company-staff").company_plans
    assert coach.save_text(key, "entry_strategy", "Distributor in Canada first.", expected_version=0) == 1
    with pytest.raises(ConflictError, match="saved by coach"):
        other.save_text(key, "entry_strategy", "Direct sales.", expected_version=0)
    assert coach.save_text(key, "entry_strategy", "Distributor in Canada, then Mexico.", expected_version=1) == 2
    with pytest.raises(ConflictError):
        other.save_text(key, "entry_strategy", "Direct sales, late.", expected_version=1)
    stored = plans.text(key, "entry_strategy")
    assert (stored.text, stored.version, stored.draft, stored.updated_by) == (
        "Distributor in Canada, then Mexico.", 2, False, "coach")
    with pytest.raises(ExportPlanError, match="the sections are summary"):
        plans.text(key, "vision")


def test_plan_record_is_locked_and_audited(ws, key):
    plans = ws.company_plans
    before = plans.get(key)
    version = plans.set(key, coach="Sample Coach", status="in review", expected_version=before["version"])
    assert version == before["version"] + 1
    with pytest.raises(ConflictError):
        plans.set(key, status="written", expected_version=before["version"])
    with pytest.raises(ExportPlanError, match="plan status 'finished' is not known"):
        plans.set(key, status="finished")
    with pytest.raises(ExportPlanError, match="No initiative 'no-such-cohort'"):
        plans.set(key, initiative="no-such-cohort")
    assert plans.get(key)["status"] == "in review"
    log = ws.pipeline.changes()
    mine = log[(log["entity"] == "company plan") & (log["entity_id"] == key)]
    assert {"coach", "status"} <= set(mine["field"])


def test_actions_and_metrics(ws, key):
    plans = ws.company_plans
    first = plans.add_action(key, "Exhibit at a trade show", owner="CEO", due_date="2031-05-15", budget_usd="7,500.10")
    second = plans.add_action(key, "Gold Key matching", owner="Sales", due_date="2031-03-01", budget_usd=0.2)
    metric = plans.add_metric(key, "Export sales", target="250000", unit="USD a year", due_date="2032-12-31")
    with pytest.raises(ExportPlanError, match="YYYY-MM-DD"):
        plans.add_action(key, "Visit buyers", due_date="03/01/2031")
    with pytest.raises(ExportPlanError, match="needs a title"):
        plans.add_metric(key, " ")
    plans.update_item(key, second, status="done")
    with pytest.raises(ExportPlanError, match="has no field"):
        plans.update_item(key, metric, budget_usd=3)
    actions = plans.items(key, "action")
    assert list(actions["id"]) == [first, second] and actions["status"].tolist() == ["planned", "done"]
    assert plans.items(key, "metric")["target"].tolist() == [250000.0]
    plans.remove_item(key, second)
    with pytest.raises(ExportPlanError, match="has no item"):
        plans.remove_item(key, second)
    assert list(plans.items(key, "action")["id"]) == [first]


def test_the_profile_shows_the_latest_readiness_assessment(ws, tmp_path):
    other = _pick(ws, services=True)
    plan = ws.company_plans.model(other, chart_dir=tmp_path)
    missing = [b for b in plan.section("company").blocks if getattr(b, "role", "") == "missing"]
    assert missing and f"companies assess {other}" in missing[0].text
    ws.pipeline.assess(other, {"management_commitment": "committed", "export_goals": "none"}, assessed_by="Ana")
    result = ws.pipeline.assess(other, {"management_commitment": "budgeted", "export_goals": "written"},
                                assessed_by="Ben")
    plan = ws.company_plans.model(other, chart_dir=tmp_path)
    blocks = plan.section("company").blocks
    sentence = next(b.text for b in blocks if getattr(b, "text", "").startswith("Export readiness"))
    assert f"{result.score:.0f} of 100" in sentence and "by Ben" in sentence
    assert f"suggested stage {result.suggested_stage}" in sentence and "not confirmed by staff" in sentence
    areas = next(b for b in blocks if isinstance(b, Table) and b.key == "readiness").frame
    commitment = areas.loc[areas["area"] == "management commitment", "score"].iloc[0]
    assert commitment == result.by_area["management commitment"] == 100.0


def test_default_metrics_when_the_plan_names_none(ws, tmp_path):
    other = _pick(ws, services=True)
    plan = ws.company_plans.model(other, chart_dir=tmp_path)
    table = next(b for b in plan.section("metrics").blocks if isinstance(b, Table))
    assert list(table.frame["metric"]) == [m[0] for m in DEFAULT_METRICS]


# ---- the files --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def built(ws, key, tmp_path_factory):
    plans = ws.company_plans
    plans.save_text(key, "products", "Precision parts for medical devices, ISO 13485 certified.")
    if not len(plans.items(key, "action")):
        plans.add_action(key, "Exhibit at a trade show", owner="CEO", due_date="2031-05-15", budget_usd=7500.1)
    return plans.build(key, ("pdf", "docx"), tmp_path_factory.mktemp("cp_files"))


def test_the_plan_renders_to_pdf_with_its_sections_and_sources(ws, key, built):
    assert set(built) == {"pdf", "docx"} and all(key in p.name for p in built.values())
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) is not installed")
    text = subprocess.run(["pdftotext", "-layout", str(built["pdf"]), "-"], capture_output=True, text=True,
                          check=True).stdout
    flat = " ".join(text.split())
    name = ws.pipeline.company(key)["name"]
    for wanted in (f"{name}: export plan", "Target markets for its products", "Programs matched to its needs",
                   "Action plan", "Total budget", "Metrics the company will report", "Data sources and vintages",
                   "ISO 13485 certified", "3-digit level of the company's code", "Left out of the company's ranking",
                   "SAMPLE DATA", f"companies plan-edit {key} company"):
        assert wanted in flat, wanted
    assert "plan edit summary" not in flat  # the regional plan's command is not offered for a company's text
    for title in PLAN_TEXT_SECTIONS.values():
        assert title in flat, title


def test_the_plan_renders_to_docx(ws, key, built):
    from docx import Document

    doc = Document(str(built["docx"]))
    text = "\n".join(p.text for p in doc.paragraphs)
    cells = " ".join(cell.text for table in doc.tables for row in table.rows for cell in row.cells)
    assert f"{ws.pipeline.company(key)['name']}: export plan" in text
    assert "ISO 13485 certified" in text and "Market entry strategy" in text
    assert "Total budget" in cells and "Exhibit at a trade show" in cells


def test_the_default_folder_is_per_company(ws, key):
    written = ws.company_plans.build(key, "md")
    assert written["md"] == ws.path / "outputs" / "company-plans" / key / f"export-plan-{key}.md"
    with pytest.raises(ExportPlanError, match="Unknown plan format"):
        ws.company_plans.build(key, "pdf,odt")


# ---- the commands -----------------------------------------------------------------------------------------
def run(folder: Path, *args, code: int = 0) -> str:
    result = CliRunner().invoke(cli, ["-w", str(folder), *map(str, args)])
    assert result.exit_code == code, result.output + repr(result.exception)
    assert "Traceback" not in result.output
    return result.output


def test_cli_builds_edits_sets_and_adds_items(ws, key, tmp_path):
    folder = ws.path
    text = tmp_path / "risks.txt"
    text.write_text("- Getting paid: letters of credit\n- Currency: quote in USD\n", encoding="utf-8")
    assert "Saved risks of" in run(folder, "companies", "plan-edit", key, "risks", "--file", text)
    shown = run(folder, "companies", "plan-edit", key, "risks", "--show")
    assert shown.startswith("[version 1]") and "letters of credit" in shown
    printed = run(folder, "companies", "plan-edit", key, "risks", "--file", text, "--expect-version", 0, code=2)
    assert "nothing was saved" in printed
    printed = run(folder, "companies", "plan-set", key, "--coach", "J. Rivera", "--markets", "MEX;Canada")
    assert "coach: J. Rivera" in printed and "markets: MEX;CAN" in printed
    added = run(folder, "companies", "plan-item", key, "--action", "Visit distributors in Monterrey", "--owner",
                "Sales", "--due", "2031-09-30", "--budget", "4200", "--list")
    assert "Added action" in added and "Visit distributors in Monterrey" in added
    assert "Added metric" in run(folder, "companies", "plan-item", key, "--metric", "New export markets entered",
                                 "--target", "2", "--unit", "markets")
    printed = run(folder, "companies", "plan-item", key, "--metric", "Orders", "--budget", "5", code=2)
    assert "--budget do(es) not apply to a metric" in printed
    printed = run(folder, "companies", "plan-item", key, "--action", "Visit", "--due", "soon", code=2)
    assert "YYYY-MM-DD" in printed
    markets = run(folder, "companies", "plan-markets", key)
    assert "named by the company" in markets and "Left out of the company's ranking" in markets
    out = tmp_path / "files"
    printed = run(folder, "companies", "plan", key, "--format", "md,docx", "--output", out)
    md = out / f"export-plan-{key}.md"
    assert f"Wrote {md}" in printed and (out / f"export-plan-{key}.docx").is_file()
    body = md.read_text(encoding="utf-8")
    assert "Visit distributors in Monterrey" in body and "J. Rivera" in body and "letters of credit" in body


def test_cli_names_an_unknown_company(ws):
    printed = run(ws.path, "companies", "plan", "NO-SUCH-COMPANY", code=2)
    assert "No company with company_id 'NO-SUCH-COMPANY'" in printed


def test_help_has_examples():
    for command in ("plan", "plan-edit", "plan-set", "plan-item", "plan-markets"):
        result = CliRunner().invoke(cli, ["companies", command, "--help"])
        assert result.exit_code == 0 and "exportplan -w DIR companies " + command in result.output, command


# ---- concurrent saves on both databases -------------------------------------------------------------------
def _conflict(ws_a, ws_b, key: str) -> None:
    assert ws_a.company_plans.save_text(key, "summary", "First writer.", expected_version=0) == 1
    with pytest.raises(ConflictError):
        ws_b.company_plans.save_text(key, "summary", "Second writer.", expected_version=0)
    assert ws_a.company_plans.set(key, coach="Ana", expected_version=0) == 1
    with pytest.raises(ConflictError):
        ws_b.company_plans.set(key, coach="Ben", expected_version=0)
    assert ws_b.company_plans.get(key)["coach"] == "Ana"


def test_concurrent_saves_conflict_sqlite(tmp_path):
    from exportplan.workspace import Workspace

    made = Workspace.init(tmp_path / "ws", name="Conflict Region", counties=["39049"])
    key = made.pipeline.add_company(name="Conflict Tools Inc.", county_fips="39049", naics="332710")
    made.close()
    a, b = Workspace.open(tmp_path / "ws"), Workspace.open(tmp_path / "ws")
    try:
        _conflict(a.for_request(user="ana"), b.for_request(user="ben"), key)
    finally:
        a.close()
        b.close()


def test_concurrent_saves_conflict_postgres(tmp_path, pg_url):
    from exportplan.workspace import Workspace

    made = Workspace.init(tmp_path / "ws", name="Conflict Region", counties=["39049"], database_url=pg_url)
    try:
        key = made.pipeline.add_company(name="Conflict Tools Inc.", county_fips="39049", naics="332710")
        _conflict(made.for_request(user="ana"), made.for_request(user="ben"), key)
        made.company_plans.add_action(key, "Trade show", budget_usd=10.05)
        made.company_plans.add_action(key, "Market study", budget_usd=0.1)
        assert cp.budget_total(made.company_plans.items(key, "action")["budget_usd"]) == 10.15
    finally:
        made.close()
