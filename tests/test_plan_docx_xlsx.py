"""The plan's Word document and XLSX appendix, from a small hand-built plan.

The plan has a chapter with two subsections, a 60-row table (more than its
25 shown rows), a chart drawn here with matplotlib, hostile names (markup, a
leading "=", a control character), a draft and a missing paragraph, and the
SAMPLE flag. The checks read the files back with python-docx, openpyxl and
the raw XML.
"""
from __future__ import annotations

import re
import zipfile

import pandas as pd
import pytest

from exportplan.citation import SourceRef
from exportplan.errors import ExportPlanError
from exportplan.imports.companies import restore
from exportplan.plan_model import Chart, Paragraphs, Plan, Section, Table

docx = pytest.importorskip("docx")
openpyxl = pytest.importorskip("openpyxl")

from exportplan.output.plan_docx import write_docx  # noqa: E402
from exportplan.output.plan_xlsx import sheet_names, write_xlsx  # noqa: E402

HOSTILE = "<script>alert(1)</script>"
FORMULA = "=HYPERLINK(\"http://x\",\"y\")"
CONTROL = "Bell\x07 Works"
QCEW = SourceRef(publisher="U.S. Bureau of Labor Statistics", dataset="QCEW", vintage="2023 annual",
                 file="2023.annual.csv", sha256="abc123")
PIPE = SourceRef(publisher="Sample EDO", dataset="exporter pipeline", vintage="2026-11", file="companies.xlsx")
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _chart_png(path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4), dpi=60)
    ax.bar(["a", "b", "c"], [3, 1, 2], color="#1f77b4")
    ax.set_title("clusters")
    fig.savefig(path, format="png", metadata={"Software": None})
    plt.close(fig)
    return path


def make_plan(tmp_path) -> Plan:
    rng = range(60)
    clusters = pd.DataFrame({
        "cluster": [f"Cluster {i:02d}" for i in rng],
        "employment": [1000 + 37 * i for i in rng],
        "lq": [0.5 + i / 40 for i in rng],
        "growth": [(i - 30) / 300 for i in rng],
    })
    clusters.loc[3, "cluster"] = HOSTILE
    companies = pd.DataFrame({"company": [HOSTILE, FORMULA, CONTROL], "stage": ["new", "active", "active"],
                              "companies": [1, 2, 5]})
    png = _chart_png(tmp_path / "bubble.png")
    sections = [
        Section("summary", "1", "Executive summary", "data+staff", [
            Paragraphs("The region exports a great deal.\n\n- first point\n- second point"),
            Paragraphs(f"Our partner {HOSTILE} leads.", role="draft"),
        ]),
        Section("assessment", "3", "Market assessment", "data", [Paragraphs("What the data say.")], children=[
            Section("export_profile", "3.1", "Regional economy and export profile", "data", [
                Paragraphs("National goods exports by NAICS are missing for 2024: import them with "
                           "exportplan trade import.", role="missing"),
            ]),
            Section("clusters", "3.2", "Industry clusters", "data", [
                Table("clusters", "Industry clusters", clusters, sources=[QCEW], notes=["Private ownership only."],
                      formats={"employment": ",.0f", "lq": ".2f", "growth": ".1%"}),
                Chart("bubble", "Clusters by LQ and growth", png, alt="Bubble chart of the clusters",
                      sources=[QCEW], notes=["Bubble size is employment."]),
                Paragraphs("Withheld cells are shown as bounds.", role="note"),
            ]),
        ]),
        Section("exporter_base", "4", "The exporter base", "data", [
            Table("companies", "Companies by stage", companies, sources=[PIPE]),
            # A second table whose key clashes with the first (Excel ignores case) and is too long.
            Table("Companies", "Companies again", companies.head(1), sources=[PIPE]),
        ]),
    ]
    return Plan(title="Sample Region Export Plan", region="Sample Region, OH", organization="Sample EDO",
                date="2026-12-03", edition="internal", sections=sections, sample=True,
                method_notes=["Location quotients use private ownership."],
                headline=[("Exports", "$1.2 billion", "Brookings 2017")])


def _body_text(document) -> str:
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def _table_values(document) -> list[list[list[str]]]:
    return [[[c.text for c in row.cells] for row in t.rows] for t in document.tables]


# ----------------------------------------------------------------------------------------------- DOCX


@pytest.fixture
def built(tmp_path):
    plan = make_plan(tmp_path)
    path = write_docx(plan, tmp_path / "plan.docx")
    return plan, path, docx.Document(str(path))


def test_docx_headings_use_word_heading_styles_by_level(built):
    plan, _, document = built
    styles = {p.text: p.style.name for p in document.paragraphs}
    assert styles["Sample Region Export Plan"] == "Title"
    assert styles["1 Executive summary"] == "Heading 1"
    assert styles["3 Market assessment"] == "Heading 1"
    assert styles["3.1 Regional economy and export profile"] == "Heading 2"
    assert styles["3.2 Industry clusters"] == "Heading 2"
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading ")
                and p.style.name[-1] in "123"]
    expected = [f"{s.number} {s.title}" for s in plan.walk()]
    assert headings[:len(expected)] == expected


def test_docx_captions_tables_and_the_repeating_header_row(built):
    _, _, document = built
    captions = [p.text for p in document.paragraphs if p.style.name == "Caption"]
    assert captions == ["Table 1. Industry clusters", "Figure 1. Clusters by LQ and growth",
                        "Table 2. Companies by stage", "Table 3. Companies again"]
    assert len(document.tables) == 3
    first = document.tables[0]
    assert first.style.name == "Table Grid"
    tr_pr = first.rows[0]._tr.trPr
    assert tr_pr is not None and tr_pr.find(f"{W}tblHeader") is not None
    assert first.rows[1]._tr.trPr.find(f"{W}tblHeader") is None
    # 25 of the 60 rows, the header, and a pointer to the rest.
    assert len(first.rows) == 26
    assert [c.text for c in first.rows[0].cells] == ["cluster", "employment", "lq", "growth"]
    assert [c.text for c in first.rows[2].cells] == ["Cluster 01", "1,037", "0.53", "-9.7%"]
    text = _body_text(document)
    assert "35 more rows in the XLSX appendix (sheet clusters)." in text
    assert "Source: U.S. Bureau of Labor Statistics, QCEW, 2023 annual (2023.annual.csv)." in text
    # Numbers right-aligned, text left.
    row = first.rows[2].cells
    assert row[1].paragraphs[0].alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.RIGHT
    assert row[0].paragraphs[0].alignment is None


def test_docx_shows_hostile_text_as_text_and_drops_control_characters(built, tmp_path):
    _, path, document = built
    text = _body_text(document)
    assert f"Our partner {HOSTILE} leads." in text
    assert HOSTILE in [c.text for c in document.tables[1].columns[0].cells]
    assert FORMULA in text  # a Word document runs no formulas: shown as written
    assert "Bell Works" in text and "\x07" not in text
    with zipfile.ZipFile(path) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    assert "<script>" not in xml and "&lt;script&gt;alert(1)&lt;/script&gt;" in xml


def test_docx_roles_cover_contents_footer_and_image(built):
    plan, path, document = built
    paras = document.paragraphs
    styles = [(p.style.name, p.text) for p in paras]
    i = styles.index(("Plan Draft Marker", "Draft — edit with exportplan plan edit summary"))
    assert styles[i + 1] == ("Normal", f"Our partner {HOSTILE} leads.")
    assert paras[i].runs[0].italic or paras[i].style.font.italic
    missing = [t for s, t in styles if s == "Plan Missing"]
    assert missing and missing[0].startswith("National goods exports by NAICS are missing")
    assert ("Plan Note", "Withheld cells are shown as bounds.") in styles
    bullets = [t for s, t in styles if s == "List Bullet"]
    assert bullets[:3] == ["Exports: $1.2 billion (Brookings 2017)", "first point", "second point"]
    sample = [p for p in paras if p.text.startswith("SAMPLE DATA")]
    assert sample and str(sample[0].runs[0].font.color.rgb) == "C00000"
    with zipfile.ZipFile(path) as z:
        xml = z.read("word/document.xml").decode("utf-8")
        footers = "".join(z.read(n).decode() for n in z.namelist() if re.match(r"word/footer\d*\.xml", n))
        settings = z.read("word/settings.xml").decode()
        media = [n for n in z.namelist() if n.startswith("word/media/")]
        assert "docProps/thumbnail.jpeg" not in z.namelist()  # the template's picture of an empty page
    assert 'TOC \\o "1-3"' in xml and "Update Field" in _body_text(document)
    assert "PAGE" in footers and "NUMPAGES" in footers
    assert '<w:updateFields w:val="true"/>' in settings
    assert len(media) == 1 and media[0].endswith(".png")
    shapes = document.inline_shapes
    assert len(shapes) == 1 and abs(shapes[0].width.inches - 6.5) < 0.01
    assert shapes[0]._inline.docPr.get("descr") == "Bubble chart of the clusters"
    props = document.core_properties
    assert (props.title, props.author) == ("Sample Region Export Plan", "Sample EDO")
    assert props.created.date().isoformat() == "2026-12-03" == props.modified.date().isoformat()
    assert "Location quotients use private ownership." in _body_text(document)


def test_two_docx_writes_are_identical(tmp_path):
    plan = make_plan(tmp_path)
    a = write_docx(plan, tmp_path / "a.docx")
    b = write_docx(plan, tmp_path / "b.docx")
    da, db = docx.Document(str(a)), docx.Document(str(b))
    assert _body_text(da) == _body_text(db)
    assert _table_values(da) == _table_values(db)
    assert a.read_bytes() == b.read_bytes()
    with zipfile.ZipFile(a) as z:  # python-docx stamps the current time; the writer fixes it to the plan's date
        assert {info.date_time for info in z.infolist()} == {(2026, 12, 3, 0, 0, 0)}


def test_docx_refuses_a_chart_without_its_image(tmp_path):
    plan = make_plan(tmp_path)
    plan.section("clusters").blocks[1].png = tmp_path / "gone.png"
    with pytest.raises(ExportPlanError, match="gone.png.*draw the charts again"):
        write_docx(plan, tmp_path / "plan.docx")
    assert not (tmp_path / "plan.docx").exists()


# ----------------------------------------------------------------------------------------------- XLSX


def test_xlsx_has_contents_one_sheet_per_table_and_sources(tmp_path):
    plan = make_plan(tmp_path)
    path = write_xlsx(plan, tmp_path / "appendix.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["contents", "clusters", "companies", "Companies~2", "sources"]
    assert len(book.sheetnames) == len(plan.tables()) + 2
    clusters = pd.read_excel(path, sheet_name="clusters")
    assert len(clusters) == 60  # every row, not only the 25 the document shows
    pd.testing.assert_frame_equal(clusters, plan.tables()[0].frame, check_dtype=False)
    contents = [tuple(row) for row in book["contents"].iter_rows(values_only=True)]
    header = contents.index(("sheet", "section", "section title", "table", "rows", "source", "notes"))
    listed = contents[header + 1:header + 4]
    assert [r[:5] for r in listed] == [("clusters", "3.2", "Industry clusters", "Industry clusters", 60),
                                       ("companies", "4", "The exporter base", "Companies by stage", 3),
                                       ("Companies~2", "4", "The exporter base", "Companies again", 1)]
    assert listed[0][5].startswith("Source: U.S. Bureau of Labor Statistics, QCEW")
    flat = [c for row in contents for c in row if c]
    assert any(str(c).startswith("SAMPLE DATA") for c in flat)
    sources = pd.read_excel(path, sheet_name="sources", dtype=str).fillna("")
    assert list(sources.columns) == ["publisher", "dataset", "vintage", "file/url", "retrieved_at", "sha256",
                                     "notes"]
    assert sorted(sources["dataset"]) == ["QCEW", "exporter pipeline"]
    assert "abc123" in set(sources["sha256"])


def test_xlsx_neutralises_formulas_restorably_and_keeps_hostile_text(tmp_path):
    plan = make_plan(tmp_path)
    path = write_xlsx(plan, tmp_path / "appendix.xlsx")
    sheet = openpyxl.load_workbook(path)["companies"]
    names = [sheet.cell(row=r, column=1).value for r in range(2, 5)]
    assert names[0] == HOSTILE
    assert names[1] == "'" + FORMULA and restore(names[1]) == FORMULA
    assert sheet.cell(row=3, column=1).data_type == "s"  # text, not a formula
    assert names[2] == "Bell Works"


def test_two_xlsx_writes_are_byte_identical(tmp_path):
    plan = make_plan(tmp_path)
    a = write_xlsx(plan, tmp_path / "a.xlsx")
    b = write_xlsx(plan, tmp_path / "b.xlsx")
    assert a.read_bytes() == b.read_bytes()


def test_sheet_names_are_valid_unique_and_deterministic(tmp_path):
    frame = pd.DataFrame({"x": [1]})
    keys = ["a" * 40, "A" * 40, "bad:/name?", "sources", "History", "'quoted'", ""]
    plan = Plan(title="t", region="r", organization="o", date="2026-01-02", edition="public",
                sections=[Section("s", "1", "S", blocks=[Table(k, k, frame) for k in keys])])
    names = list(sheet_names(plan).values())
    assert names == ["a" * 31, "A" * 29 + "~2", "bad__name_", "sources~2", "History~2", "quoted", "table"]
    assert len({n.lower() for n in names}) == len(names)
    assert all(len(n) <= 31 and not set(n) & set("[]:*?/\\") for n in names)
    path = write_xlsx(plan, tmp_path / "a.xlsx")
    assert openpyxl.load_workbook(path).sheetnames[1:-1] == names
