"""The regional export plan end to end (issue 11): the sample workspace's plan in every format, both editions,
and a Columbus-area plan from the real files in ../shared/data.

The sample plan is built once for the module (the builds are the slow part): the internal edition in HTML,
DOCX, Markdown and XLSX, the public edition in every format, and the public edition a second time (HTML,
Markdown, XLSX, PDF) to check that two builds give the same text and table values. Before building, one staff
section is saved, the top prospect of the outreach list is renamed to a script tag and a goal is titled with
one, so that the escaping is checked in the real documents. The plan models of the builds are kept (the
service's ``model`` is wrapped), and so are the count columns each table declares for the public edition's
suppression (``plan_sections.table(counts=...)``).
"""
from __future__ import annotations

import csv
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from conftest import need
from exportplan.plan_model import Paragraphs, Plan, Table
from exportplan.ws import plan_sections

HOSTILE = "<script>alert(1)</script>"
HOSTILE_COMPANY = f"{HOSTILE} Tooling LLC"
HOSTILE_GOAL = 'Exporters <script>alert("goal")</script>'
POLICY_TEXT = (f"Ask the state for a second trade specialist (saved by staff, marker PX-7731).\n\n"
               f"- {HOSTILE} must show as text\n- Keep the federal export counseling close to the region")
#: The outline's sections (plan-outline.md) as the plan numbers them: key -> number.
OUTLINE = {"summary": "1", "vision": "2", "assessment": "3", "export_profile": "3.1", "clusters": "3.2",
           "exporter_base": "3.3", "services": "3.4", "target_sectors": "4", "target_markets": "5", "goals": "6",
           "strategies": "7", "implementation": "8", "metrics": "9", "policy": "10", "sources": "A", "methods": "B",
           "inventory": "C", "outreach": "D", "survey": "E"}
#: A table column that counts companies, shown in the public edition, that plan_sections.table is not told of.
UNDECLARED_COUNTS = {"candidate_programs": ("demand",)}
COLUMBUS = ("39041", "39045", "39049", "39073")


def squash(text: str) -> str:
    """Whitespace as single spaces (extracted PDF text breaks lines anywhere)."""
    return re.sub(r"\s+", " ", text).strip()


def heading(section) -> str:
    return f"{section.number} {section.title}"


# ---- the sample plan, built once -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    from exportplan.demo.builder import build_demo

    root = tmp_path_factory.mktemp("plan")
    ws = build_demo(root / "ws")
    renamed = _rename_top_prospect(ws, root)
    ws.plan.save_text("policy", POLICY_TEXT)
    ws.plan.set_goal("exporters", title=HOSTILE_GOAL)
    models: dict[str, list[Plan]] = {"internal": [], "public": []}
    counts: dict[str, tuple[str, ...]] = {}
    original_model, original_table = ws.plan.model, plan_sections.table

    def model(*args, **kwargs):
        plan = original_model(*args, **kwargs)
        models[plan.edition].append(plan)
        return plan

    def table(svc, key, *args, **kwargs):
        if svc.public:
            counts[key] = tuple(plan_sections.label(c) for c in kwargs.get("counts", ()))
        return original_table(svc, key, *args, **kwargs)

    from exportplan.output import heatmap

    heat: list[pd.DataFrame] = []  # the company counts each build's gap heat map writes in its cells
    original_heatmap = heatmap.heatmap_chart

    def heatmap_chart(demand, *args, **kwargs):
        # the counts the chart writes in its cells: a count under suppress_below is written as "<N"
        below = kwargs.get("suppress_below", 0)
        heat.append(demand.where(~((demand > 0) & (demand < below)), other=float("nan")))
        return original_heatmap(demand, *args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ws.plan, "model", model)
        mp.setattr(plan_sections, "table", table)
        mp.setattr(heatmap, "heatmap_chart", heatmap_chart)
        internal = ws.plan.build(("html", "docx", "md", "xlsx"), edition="internal", output=root / "internal")
        public = ws.plan.build(edition="public", output=root / "public")
        again = ws.plan.build(("html", "md", "xlsx", "pdf"), edition="public", output=root / "public2")
    yield {"ws": ws, "root": root, "internal": internal, "public": public, "again": again,
           "model": {k: v[0] for k, v in models.items()}, "counts": counts, "renamed": renamed,
           "heat": dict(zip(("internal", "public"), heat))}
    ws.close()


def _rename_top_prospect(ws, root: Path) -> str:
    """Rename the first business of the outreach list to a script tag (the business list imported again)."""
    top = str(ws.prospects.outreach(top=1)["name"].iloc[0])
    source = next((ws.path / "sample-data").glob("*businesses*.csv"))
    with source.open(newline="", encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    start = next(i for i, row in enumerate(rows) if "name" in row)  # after the SAMPLE banner line
    column = rows[start].index("name")
    hits = [row for row in rows[start + 1:] if row[column] == top]
    assert len(hits) == 1, top
    hits[0][column] = HOSTILE_COMPANY
    renamed = root / "businesses.csv"
    with renamed.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    ws.prospects.import_businesses(renamed)
    return top


def pdf_pages(path: Path) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(path).pages]


class Page(HTMLParser):
    """The tags (with attributes), the text of the h1-h3 headings and all text of an HTML page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.headings: list[str] = []
        self.text: list[str] = []
        self._in_heading: list[str] | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag in ("h1", "h2", "h3"):
            self._in_heading = []

    def handle_endtag(self, tag):
        if tag in ("h1", "h2", "h3") and self._in_heading is not None:
            self.headings.append(squash(" ".join(self._in_heading)))
            self._in_heading = None

    def handle_data(self, data):
        self.text.append(data)
        if self._in_heading is not None:
            self._in_heading.append(data)


def parse_html(path: Path) -> Page:
    page = Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    return page


def docx_text(path: Path) -> str:
    import docx

    document = docx.Document(path)
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def xlsx_values(path: Path) -> dict[str, list[tuple]]:
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    try:
        return {name: [tuple(row) for row in book[name].iter_rows(values_only=True)] for name in book.sheetnames}
    finally:
        book.close()


def xlsx_text(path: Path) -> str:
    return "\n".join(str(v) for rows in xlsx_values(path).values() for row in rows for v in row if v is not None)


def unescape_md(text: str) -> str:
    """Markdown with its backslash escapes removed: the text a reader sees."""
    return re.sub(r"\\(.)", r"\1", text)


# ---- the model covers the outline -------------------------------------------------------------------------
@pytest.mark.parametrize("edition", ["internal", "public"])
def test_model_has_every_section_of_the_outline(sample, edition):
    plan = sample["model"][edition]
    found = {s.key: s.number for s in plan.walk()}
    expected = dict(OUTLINE)
    if edition == "public":
        expected.pop("outreach")
        expected["survey"] = "D"
    assert found == expected
    for section in plan.walk():
        assert section.title.strip()
        assert section.blocks or section.children, section.key


# ---- PDF ----------------------------------------------------------------------------------------------------
def test_pdf_has_every_section_contents_and_page_numbers(sample):
    plan = sample["model"]["public"]
    pages = [squash(p) for p in pdf_pages(sample["public"]["pdf"])]
    total = len(pages)
    assert total > 5
    for number, page in enumerate(pages, 1):
        assert f"Page {number} of {total}" in page, number
    contents = next(i for i, page in enumerate(pages) if page.startswith("Contents"))
    toc = " ".join(pages[contents:contents + 2])
    for section in plan.walk():
        title = heading(section)
        listed = re.search(re.escape(title) + r" ?\.{3,} ?(\d+)", toc)
        assert listed, f"{title!r} is not in the contents with a page number"
        target = int(listed.group(1))
        assert contents + 1 < target <= total
        assert title in pages[target - 1], f"{title!r} is not on page {target}, as the contents say"


def test_pdf_shows_user_text_as_text(sample):
    whole = squash(" ".join(pdf_pages(sample["public"]["pdf"])))
    assert squash(HOSTILE) in whole and "PX-7731" in whole
    assert squash(HOSTILE_GOAL) in whole


def test_pdf_pages_are_not_blank(sample, tmp_path):
    need(shutil.which("pdftoppm") is not None, "pdftoppm (poppler-utils) is not installed")
    from PIL import Image

    subprocess.run(["pdftoppm", "-png", "-r", "30", str(sample["public"]["pdf"]), str(tmp_path / "page")],
                   check=True, capture_output=True, timeout=120)
    pngs = sorted(tmp_path.glob("page*.png"))
    assert len(pngs) == len(pdf_pages(sample["public"]["pdf"]))
    for png in pngs:  # the body of the page (without the running header and the page number) holds something
        with Image.open(png) as image:
            gray = image.convert("L")
            width, height = gray.size
            body = gray.crop((0, int(height * 0.08), width, int(height * 0.92)))
            inked = sum(body.histogram()[:250]) / (body.size[0] * body.size[1])
            assert body.getextrema()[0] < 220 and inked > 0.002, f"{png.name} looks blank ({inked:.2%} inked)"


# ---- DOCX ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("edition", ["internal", "public"])
def test_docx_opens_and_uses_heading_styles(sample, edition):
    import docx

    document = docx.Document(sample[edition]["docx"])
    styled = [(p.style.name, squash(p.text)) for p in document.paragraphs if p.style.name.startswith("Heading")]
    for section in sample["model"][edition].walk():
        assert (f"Heading {section.level}", heading(section)) in styled, heading(section)
    assert document.tables, "no table in the Word file"


# ---- HTML ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("edition", ["internal", "public"])
def test_html_parses_has_every_heading_and_loads_nothing_from_outside(sample, edition):
    path = sample[edition]["html"]
    page = parse_html(path)
    for section in sample["model"][edition].walk():
        assert heading(section) in page.headings, heading(section)
    outside = re.compile(r"^\s*(https?:|//|file:)", re.I)
    for tag, attrs in page.tags:
        for name in ("src", "href", "srcset", "data", "poster", "action"):
            assert not outside.match(attrs.get(name) or ""), (tag, name, attrs.get(name))
        assert not (tag == "link" and "stylesheet" in (attrs.get("rel") or "").lower()), attrs
        assert not (tag == "script" and "src" in attrs), attrs
    raw = path.read_text(encoding="utf-8")
    assert not re.search(r"url\(\s*['\"]?\s*(https?:|//|file:)", raw, re.I)
    assert not re.search(r"@import", raw, re.I)
    charts = sample["model"][edition].charts()  # drawn into the page itself: inline SVG or data: images
    inline = [t for t, a in page.tags if t == "svg" or (t == "img" and (a.get("src") or "").startswith("data:"))]
    assert charts and len(inline) >= len(charts)


# ---- XLSX ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("edition", ["internal", "public"])
def test_xlsx_has_one_sheet_per_table(sample, edition):
    tables = sample["model"][edition].tables()
    values = xlsx_values(sample[edition]["xlsx"])
    assert "contents" in values and "sources" in values
    sheets = [s for s in values if s not in ("contents", "sources")]
    assert len(values) == len(tables) + 2
    for table, sheet in zip(tables, sheets):
        assert sheet == table.key or sheet.startswith(f"{table.key}~"), (table.key, sheet)
        rows = [row for row in values[sheet] if any(v is not None for v in row)]
        header = [str(v) for v in rows[0] if v is not None]
        assert header == [str(c) for c in table.frame.columns], sheet
        assert len(rows) - 1 == len(table.frame), f"{sheet}: not every row of the table"


def test_xlsx_holds_the_table_values(sample):
    plan = sample["model"]["internal"]
    values = xlsx_values(sample["internal"]["xlsx"])
    stages = next(t for t in plan.tables() if t.key == "pipeline_stages").frame
    rows = values["pipeline_stages"]
    assert [r[1] for r in rows[1:len(stages) + 1]] == [int(v) for v in stages["companies"]]
    counts = sample["ws"].pipeline.metrics()["stage_counts"].table
    assert int(sum(r[1] for r in rows[1:len(stages) + 1])) == int(counts["companies"].sum())


# ---- the public edition ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def names(sample):
    ws = sample["ws"]
    companies = {str(n) for n in ws.pipeline.companies()["name"] if str(n).strip()}
    businesses = {str(n) for n in ws.prospects.businesses()["name"] if str(n).strip()}
    assert len(companies) > 50 and len(businesses) > 50 and HOSTILE_COMPANY in businesses
    return companies, businesses


def public_texts(sample) -> dict[str, str]:
    files = sample["public"]
    return {"html": " ".join(parse_html(files["html"]).text), "md": unescape_md(files["md"].read_text("utf-8")),
            "docx": docx_text(files["docx"]), "xlsx": xlsx_text(files["xlsx"])}


def test_public_edition_names_no_company(sample, names):
    companies, businesses = names
    internal = docx_text(sample["internal"]["docx"])
    assert sum(name in internal for name in businesses) >= 10  # the check can find names: the internal edition has
    for fmt, text in public_texts(sample).items():
        assert not [n for n in companies if n in text], f"pipeline company names in the public {fmt}"
        assert not [n for n in businesses if n in text], f"business names in the public {fmt}"
        assert "Outreach list" not in text, fmt
    assert not any(key.startswith("outreach") for key in xlsx_values(sample["public"]["xlsx"]))
    assert "outreach" not in {s.key for s in sample["model"]["public"].walk()}


def small_counts(plan: Plan, columns: dict[str, tuple[str, ...]]) -> list[tuple[str, str, object]]:
    out = []
    for table in plan.tables():
        for column in columns.get(table.key, ()):
            if column not in table.frame.columns:
                continue
            for value in table.frame[column]:
                number = pd.to_numeric(pd.Series([value]), errors="coerce").iloc[0]
                if pd.notna(number) and 0 < number < 3:
                    out.append((table.key, column, value))
    return out


def test_public_edition_has_no_count_under_3(sample):
    counts = {k: v for k, v in sample["counts"].items() if v}
    assert {"pipeline_stages", "pipeline_sectors", "gaps", "gaps_by_service"} <= set(counts)
    public, internal = sample["model"]["public"], sample["model"]["internal"]
    assert small_counts(internal, counts), "the sample has small counts to suppress"
    assert small_counts(public, counts) == []
    shown = [v for t in public.tables() for c in counts.get(t.key, ()) if c in t.frame for v in t.frame[c]]
    assert "<3" in shown


def test_public_edition_suppresses_candidate_program_demand(sample):
    assert small_counts(sample["model"]["internal"], UNDECLARED_COUNTS)
    assert small_counts(sample["model"]["public"], UNDECLARED_COUNTS) == []


def small_cells(frame: pd.DataFrame) -> list:
    values = frame.apply(pd.to_numeric, errors="coerce").to_numpy().ravel()
    return [v for v in values if v == v and 0 < v < 3]


def test_public_gap_heat_map_shows_no_count_under_3(sample):
    assert small_cells(sample["heat"]["internal"]), "the sample's heat map has small counts"
    assert small_cells(sample["heat"]["public"]) == []


# ---- drafts and staff text -------------------------------------------------------------------------------------
def test_drafted_strategies_name_top_sector_market_and_gap(sample):
    ws = sample["ws"]
    sector = str(ws.sectors.rank_sectors().table["name"].iloc[0])
    market = str(ws.markets.rank_markets().table["country"].iloc[0])
    gaps = ws.programs.gaps()
    gap_rows = gaps[gaps["gap"]]
    companies = {cat: len({c for cell in group["gap_companies"] for c in str(cell).split(";") if c})
                 for cat, group in gap_rows.groupby("category")}
    largest = max(sorted(companies), key=companies.get)
    section = sample["model"]["internal"].section("strategies")
    drafts = [b for b in section.blocks if isinstance(b, Paragraphs) and b.role == "draft"]
    assert drafts, "the strategies section is not a draft"
    text = " ".join(b.text for b in drafts)
    for name in (sector, market, largest):
        assert name in text, name
    html = " ".join(parse_html(sample["internal"]["html"]).text)
    assert all(name in squash(html) for name in (sector, market, largest))


def test_saved_staff_text_replaces_the_draft(sample):
    ws = sample["ws"]
    saved = ws.plan.text("policy")
    assert not saved.draft and saved.version == 1
    draft = ws.plan.draft("policy")
    first = squash(draft.split("\n\n")[0])
    for edition in ("internal", "public"):
        section = sample["model"][edition].section("policy")
        roles = [b.role for b in section.blocks if isinstance(b, Paragraphs)]
        assert "draft" not in roles and "text" in roles
        html = squash(" ".join(parse_html(sample[edition]["html"]).text))
        assert "PX-7731" in html and first not in html, edition
        md = unescape_md(sample[edition]["md"].read_text("utf-8"))
        assert "PX-7731" in md and first not in squash(md)


@pytest.mark.parametrize("edition", ["internal", "public"])
def test_user_text_is_escaped_in_html_docx_and_md(sample, edition):
    files = sample[edition]
    raw = files["html"].read_text(encoding="utf-8")
    page = parse_html(files["html"])
    assert not [tag for tag, _ in page.tags if tag in ("script", "iframe", "object", "embed", "base")]
    assert "<script" not in raw.lower()
    visible = " ".join(page.text)
    docx = docx_text(files["docx"])
    md = files["md"].read_text(encoding="utf-8")
    assert not re.search(r"(?<!\\)<script", md, re.I)  # every < of user text is escaped
    shown = [HOSTILE, HOSTILE_GOAL] + ([HOSTILE_COMPANY] if edition == "internal" else [])
    for text in shown:
        assert text in visible, text
        assert text in docx, text
        assert text in unescape_md(md), text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in raw


def _conflict(ws_a, ws_b):
    from exportplan.errors import ConflictError

    assert ws_a.plan.save_text("vision", "First writer.", expected_version=0) == 1
    with pytest.raises(ConflictError):
        ws_b.plan.save_text("vision", "Second writer.", expected_version=0)
    assert ws_a.plan.save_text("vision", "First writer again.", expected_version=1) == 2
    with pytest.raises(ConflictError):
        ws_b.plan.save_text("vision", "Second writer, late.", expected_version=1)
    stored = ws_b.plan.text("vision")
    assert (stored.text, stored.version, stored.draft) == ("First writer again.", 2, False)


def test_concurrent_saves_conflict_sqlite(tmp_path):
    from exportplan.workspace import Workspace

    Workspace.init(tmp_path / "ws", name="Conflict Region", counties=["39049"]).close()
    a, b = Workspace.open(tmp_path / "ws"), Workspace.open(tmp_path / "ws")
    try:
        _conflict(a.for_request(user="ana"), b.for_request(user="ben"))
    finally:
        a.close()
        b.close()


def test_concurrent_saves_conflict_postgres(tmp_path, pg_url):
    from exportplan.workspace import Workspace

    made = Workspace.init(tmp_path / "ws", name="Conflict Region", counties=["39049"], database_url=pg_url)
    try:
        _conflict(made.for_request(user="ana"), made.for_request(user="ben"))
    finally:
        made.close()


# ---- reproducibility -----------------------------------------------------------------------------------------
def test_two_builds_give_the_same_text_and_table_values(sample):
    first, second = sample["public"], sample["again"]
    for fmt in ("html", "md"):
        assert first[fmt].read_text(encoding="utf-8") == second[fmt].read_text(encoding="utf-8"), fmt
    assert xlsx_values(first["xlsx"]) == xlsx_values(second["xlsx"])
    assert pdf_pages(first["pdf"]) == pdf_pages(second["pdf"])


# ---- real data: a Columbus-area workspace --------------------------------------------------------------------
@pytest.fixture(scope="module")
def columbus(shared_data, tmp_path_factory):
    from click.testing import CliRunner

    from exportplan.cli.main import cli
    from exportplan.workspace import Workspace

    root = tmp_path_factory.mktemp("columbus")
    folder = root / "columbus"
    qcew = [str(shared_data / "qcew" / f"bls_qcew_2020_annual_area_{c}.csv") for c in COLUMBUS]
    countries = ["worldbank_wdi_ny.gdp.mktp.cd.csv", "worldbank_wdi_ny.gdp.mktp.kd.zg.csv",
                 "worldbank_wdi_ny.gdp.pcap.cd.csv", "worldbank_wdi_sp.pop.totl.csv", "cepii_geodist_dist_cepii.csv"]
    steps = [["init", str(folder), "--name", "Columbus Region", "--counties", ",".join(COLUMBUS),
              "--reference-area", "USLQ"],
             ["-w", str(folder), "import", "qcew", *qcew],
             ["-w", str(folder), "import", "clusters",
              str(shared_data / "clusters" / "uscmp_naics2012_to_cluster_ACR1.xlsx")],
             *[["-w", str(folder), "import", "countries", str(shared_data / "countries" / f)] for f in countries],
             ["-w", str(folder), "import", "exports",
              str(shared_data / "trade" / "imf_dots_us_goods_trade_by_partner.csv")],
             ["-w", str(folder), "import", "brookings", str(brookings_file(shared_data))],
             ["-w", str(folder), "programs", "offices", "--import",
              str(shared_data / "programs" / "ita_us_export_assistance_centers_odo_fixture.csv")]]
    runner = CliRunner()
    for args in steps:
        result = runner.invoke(cli, args)
        assert result.exit_code == 0, f"{args}\n{result.output}"
    ws = Workspace.open(folder)
    models: list[Plan] = []
    original = ws.plan.model

    def model(*args, **kwargs):
        models.append(original(*args, **kwargs))
        return models[-1]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ws.plan, "model", model)
        written = ws.plan.build(edition="internal", output=root / "plan")
    yield {"ws": ws, "written": written, "model": models[0]}
    ws.close()


def brookings_file(shared_data: Path) -> Path:
    return shared_data / "trade" / "brookings_export_monitor_2018_county_exports_2017.csv"


def test_real_region_plan_in_every_format(columbus):
    from exportplan.ws.plan import FORMATS

    assert set(columbus["written"]) == set(FORMATS)
    for fmt, path in columbus["written"].items():
        assert path.is_file() and path.stat().st_size > 1000, fmt
    assert len(pdf_pages(columbus["written"]["pdf"])) > 5
    page = parse_html(columbus["written"]["html"])
    for section in columbus["model"].walk():
        assert heading(section) in page.headings


def test_real_region_every_section_is_filled_or_says_what_is_missing(columbus):
    plan = columbus["model"]
    for section in plan.walk():
        assert section.blocks or section.children, section.key
        for block in section.blocks:
            if isinstance(block, Paragraphs):
                assert block.text.strip(), f"{section.key}: a blank paragraph"
                if block.role == "missing":
                    assert re.search(r"\bexportplan\b|\b(import|fetch|load)", block.text, re.I), block.text
    missing = {s.key for s in plan.walk() for b in s.blocks if isinstance(b, Paragraphs) and b.role == "missing"}
    # No pipeline, business list or export intensity is loaded: those sections say so.
    assert {"exporter_base", "outreach", "export_profile"} <= missing
    said = next(b.text for b in plan.section("exporter_base").blocks if b.role == "missing")
    md = squash(unescape_md(columbus["written"]["md"].read_text(encoding="utf-8")))
    assert squash(said) in md
    assert squash(said) in squash(" ".join(parse_html(columbus["written"]["html"]).text))


def test_real_region_has_no_empty_table(columbus):
    """An empty table says nothing: a section with no rows to show says what is missing instead."""
    empty = [(s.key, b.key) for s in columbus["model"].walk() for b in s.blocks
             if isinstance(b, Table) and not len(b.frame)]
    assert empty == []


def test_real_region_export_profile_shows_the_brookings_county_sum(columbus, shared_data):
    frame = pd.read_csv(brookings_file(shared_data), dtype={"stco_code": str})
    rows = frame[frame["stco_code"].isin(COLUMBUS) & (frame["year"] == 2017)]
    assert len(rows) == len(COLUMBUS)
    expected = float(rows["county_exports_nominal"].sum()) * 1e6
    section = columbus["model"].section("export_profile")
    comparison = next(b for b in section.blocks if isinstance(b, Table) and b.key == "export_comparison").frame
    brookings = comparison[comparison["figure"].str.contains("Brookings")]
    assert len(brookings) == 1
    row = brookings.iloc[0]
    assert row["exports (USD)"] == pytest.approx(expected, rel=1e-9)
    assert str(row["years"]) == "2017" and "4 counties" in str(row["area"])
    shown = f"{expected:,.0f}"
    for fmt in ("md", "html"):
        assert shown in columbus["written"][fmt].read_text(encoding="utf-8"), fmt
    assert shown in docx_text(columbus["written"]["docx"])


@pytest.mark.parametrize("edition", ["internal", "public"])
def test_the_own_programs_and_their_results_are_in_the_implementation_and_metrics(sample, edition):
    """Issue 12: the implementation section lists the organization's programs with their results, and the
    metrics section their KPIs, the totals counting each company and outcome once (the service's report)."""
    plan = sample["model"][edition]
    report = sample["ws"].initiatives.report()
    tables = {t.key: t for t in plan.tables()}
    runs = tables["own_programs"].frame
    assert len(runs) == len(sample["ws"].initiatives.list()) == 3
    results, costs = tables["program_results"].frame, tables["program_costs"].frame
    assert list(results["name"]) == list(report["name"]) == list(costs["name"])
    total = report[report["key"] == "total"].iloc[0]
    shown = costs[costs["name"] == total["name"]].iloc[0]
    assert shown["cost (USD)"] == total["cost_usd"] and shown["outcomes"] == total["outcomes"]
    # the totals count each outcome once: not the sum of the programs' rows
    assert total["outcomes"] < report.loc[report["key"] != "total", "outcomes"].sum()
    section = {s.key: s for s in plan.walk()}
    assert any(getattr(b, "key", "") == "own_programs" for b in section["implementation"].blocks)
    assert any(getattr(b, "key", "") == "program_costs" for b in section["metrics"].blocks)
    if edition == "public":  # counts of companies under 3 are hidden
        small = report["first_exports"].between(1, 2)
        assert (results.loc[small.values, "first exports"] == "<3").all() and small.any()
