"""The plan's HTML page, PDF and Markdown (output/plan_html.py, plan_pdf.py, plan_markdown.py).

A small hand-built plan stands in for the workspace's: four chapters with
subsections, a 120-row table, two matplotlib charts (PNG and SVG), a company
named like a script tag, a draft and a missing paragraph, and the SAMPLE flag.
"""
from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from exportplan.citation import SourceRef
from exportplan.errors import ExportPlanError
from exportplan.plan_model import SUPPRESSED, Chart, Paragraphs, Plan, Section, Table

HOSTILE = "<script>alert(1)</script>"
QCEW = SourceRef(publisher="U.S. Bureau of Labor Statistics", dataset="QCEW", vintage="2023 annual",
                 url="https://data.bls.gov/cew/data/api/2023/a/area/39049.csv")
CENSUS = SourceRef(publisher="U.S. Census Bureau", dataset="USA Trade Online", vintage="2023",
                   file="exports_by_naics_2023.csv")
PIPELINE = SourceRef(publisher="Example Export Council", dataset="Company pipeline", vintage="2026-11")


def draw(path_stem: Path, kind: str) -> Chart:
    """A small matplotlib chart saved as PNG and SVG (fixed metadata and hash salt: the files are reproducible)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rng = np.random.default_rng(11)
    with matplotlib.rc_context({"svg.hashsalt": "plan-test", "svg.fonttype": "path"}):
        fig, ax = plt.subplots(figsize=(6, 3.6), dpi=100)
        if kind == "bars":
            ax.barh(["Machinery", "Chemicals", "Food", "Plastics"], rng.integers(50, 400, 4), color="#1f4e79")
            ax.set_xlabel("Exports ($ million)")
        else:
            x = rng.normal(1, 0.4, 12)
            ax.scatter(x, rng.normal(0.02, 0.05, 12), s=rng.integers(20, 300, 12), alpha=0.6)
            ax.set_xlabel("Location quotient")
            ax.set_ylabel("Growth")
        fig.tight_layout()
        png, svg = path_stem.with_suffix(".png"), path_stem.with_suffix(".svg")
        fig.savefig(png, metadata={"Software": None})
        fig.savefig(svg, metadata={"Date": None})
        plt.close(fig)
    return Chart(key=path_stem.name, title=f"Chart of {kind}", png=png, svg=svg, alt=f"A {kind} chart",
                 sources=[QCEW], notes=[f"Note under the {kind} chart."])


def long_frame(rows: int = 120) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    return pd.DataFrame({
        "Establishment ID": [f"E{i:04d}" for i in range(rows)],
        "County": [["Franklin", "Delaware", "Licking", "Fairfield"][i % 4] for i in range(rows)],
        "Employment": rng.integers(5, 5000, rows),
        "Wage growth": rng.normal(0.03, 0.02, rows),
    })


def make_plan(folder: Path) -> Plan:
    """The test plan; charts are drawn into ``folder``."""
    bars = draw(folder / "exports_bars", "bars")
    bubbles = draw(folder / "cluster_bubbles", "bubbles")
    companies = pd.DataFrame({
        "Company": [HOSTILE, "Acme | Pipes & Co.", "*Bold* _Co_ [x](y)"],
        "Stage": ["new exporter", "expanding", "not yet"],
        "Markets": [3, SUPPRESSED, 12],
        "Export sales": [1_250_000.0, None, 98_000.5],
    })
    sections = [
        Section("summary", "1", "Executive summary", "data+staff", [
            Paragraphs(f"The region exports machinery.\n\n- first point\n- {HOSTILE} named here"),
        ]),
        Section("vision", "2", "Why exports matter here; vision", "staff", [
            Paragraphs("Exports pay better wages.\nA second line of the same paragraph.", role="draft"),
        ]),
        Section("assessment", "3", "Market assessment", "data", [], children=[
            Section("export_profile", "3.1", "Regional economy and export profile", "data", [
                Paragraphs("No national exports for 2024: import them with exportplan markets import-exports "
                           "--year 2024.", role="missing"),
                Table("establishments", "Establishments of the region", long_frame(), sources=[QCEW, CENSUS],
                      notes=["Withheld cells are missing, never zero."],
                      formats={"Employment": ",.0f", "Wage growth": ".1%"}, max_rows=None),
                bars,
            ]),
            Section("exporter_base", "3.3", "The exporter base", "data", [
                Table("companies", f"Companies in the pipeline, including {HOSTILE}", companies,
                      sources=[PIPELINE], formats={"Export sales": ",.0f"}),
                Paragraphs("Counts under 3 are suppressed.", role="note"),
            ]),
        ]),
        Section("target_sectors", "4", "Target sectors and clusters", "data", [
            bubbles,
            Table("short", "Top sectors", pd.DataFrame({"Sector": ["Machinery", "Chemicals"],
                                                        "Score": [0.812, 0.644]}),
                  sources=[QCEW], max_rows=1),
        ]),
        Section("sources", "A", "Appendix A. Data sources and vintages", "data", []),
        Section("methods", "B", "Appendix B. Method notes", "data", [Paragraphs("How the figures were made.")]),
    ]
    return Plan(title="Regional Export Plan", region="Columbus, OH Metro Area",
                organization=f"Example Export Council {HOSTILE}", date="2026-12-01", edition="public",
                sections=sections, sample=True,
                method_notes=["LQ = regional share / national share.", "Exports estimated by employment share."],
                headline=[("Goods exports, 2023", "$12.4 billion", "Census"), ("Export intensity", "8.1%", ""),
                          ("Exporting firms", "1,240", "Pipeline")])


TITLES = ["Executive summary", "Why exports matter here; vision", "Market assessment",
          "Regional economy and export profile", "The exporter base", "Target sectors and clusters",
          "Appendix A. Data sources and vintages", "Appendix B. Method notes"]


@pytest.fixture(scope="module")
def plan(tmp_path_factory) -> Plan:
    return make_plan(tmp_path_factory.mktemp("charts"))


# --------------------------------------------------------------------------- HTML

class Collector(HTMLParser):
    """Every start tag with its attributes, the text, and whether the page's tags balance."""

    VOID = {"meta", "img", "br", "hr", "link", "input", "col", "source", "wbr", "area", "base", "embed", "track"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()

    def handle_data(self, data):
        self.text.append(data)


def parse(page: str) -> Collector:
    collector = Collector()
    collector.feed(page)
    collector.close()
    return collector


def test_the_html_page_parses_and_holds_every_section(plan):
    from exportplan.output.plan_html import render_html

    page = render_html(plan)
    doc = parse(page)
    assert not doc.errors and not doc.stack
    text = " ".join(" ".join(doc.text).split())
    for title in TITLES:
        assert title in text
    ids = [attrs["id"] for _, attrs in doc.tags if "id" in attrs]
    assert len(ids) == len(set(ids)), "ids are unique, the two inline SVGs' too"
    for key in ("summary", "export_profile", "sources", "methods"):
        assert key in ids
    toc = [attrs["href"] for tag, attrs in doc.tags if tag == "a"]
    assert "#export_profile" in toc and all(href[1:] in ids for href in toc)
    assert "Table 1." in text and "Table 3." in text and "Figure 2." in text
    assert "Source: U.S. Bureau of Labor Statistics, QCEW, 2023 annual" in text
    assert "Draft \u2014 edit with exportplan plan edit vision" in text
    assert "SAMPLE DATA" in text
    # every source once in the appendix, method notes in theirs
    assert "LQ = regional share / national share." in text
    assert text.count("exports_by_naics_2023.csv") == 2  # the table's source line and the sources appendix
    # the 120 rows are all there (max_rows=None), the short table shows 1 of 2 and says so
    assert "E0119" in text and "Chemicals" not in text.split("Top sectors")[1].split("Appendix A")[0]
    assert "Showing the first 1 of 2 rows" in text


def test_the_html_page_escapes_user_text_and_loads_nothing(plan):
    from exportplan.output.plan_html import render_html

    page = render_html(plan)
    doc = parse(page)
    assert not [tag for tag, _ in doc.tags if tag in ("script", "iframe", "object", "link", "base")]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and HOSTILE not in page
    assert HOSTILE in " ".join(doc.text)  # shown as text
    for tag, attrs in doc.tags:
        for name in ("src", "href", "xlink:href", "srcset", "action", "data"):
            value = attrs.get(name) or ""
            assert not re.match(r"\s*(https?:)?//", value), (tag, name, value)
            assert not value or value.startswith(("#", "data:image/")), (tag, name, value[:40])
    assert "url(http" not in page and "@import" not in page
    # the citation's URL is plain text, never a link
    assert "https://data.bls.gov/cew/data/api/2023/a/area/39049.csv" in page
    assert not [a for t, a in doc.tags if t == "a" and "bls.gov" in a.get("href", "")]


def test_charts_are_inline_svg_or_png_data(plan, tmp_path):
    from exportplan.output.plan_html import render_html

    page = render_html(plan)
    assert page.count("<svg") == 2 and "<?xml" not in page and "<!DOCTYPE svg" not in page
    assert "<metadata" not in page
    # the SVG is well-formed XML once cut out of the page
    svg = page[page.index("<svg"):page.index("</svg>") + 6]
    assert ET.fromstring(svg).tag.endswith("svg")
    # numbers are right-aligned, text is not
    assert re.search(r'<th scope="col" class="num">Employment</th>', page)
    assert '<th scope="col">County</th>' in page
    assert re.search(r'<td class="num">&lt;3</td>', page)
    # without an SVG the PNG is embedded
    chart = plan.charts()[0]
    png_only = Plan(plan.title, plan.region, plan.organization, plan.date, plan.edition,
                    [Section("one", "1", "One", "data", [Chart(chart.key, chart.title, chart.png)])])
    page = render_html(png_only)
    assert "<svg" not in page and '<img src="data:image/png;base64,iVBOR' in page
    missing = Plan("T", "R", "O", "2026-01-01", "public",
                   [Section("one", "1", "One", "data", [Chart("gone", "Gone", tmp_path / "gone.png")])])
    with pytest.raises(ExportPlanError, match="has no file"):
        render_html(missing)


def test_html_renders_are_identical_and_written_atomically(plan, tmp_path):
    from exportplan.output.plan_html import render_html, write_html

    assert render_html(plan) == render_html(plan)
    first = write_html(plan, tmp_path / "a" / "plan.html").read_bytes()
    second = write_html(plan, tmp_path / "b" / "plan.html").read_bytes()
    assert first == second
    assert [p.name for p in (tmp_path / "a").iterdir()] == ["plan.html"]


def test_a_plan_without_appendix_sections_gets_its_sources_and_method_notes(plan):
    from exportplan.output.plan_html import render_html

    bare = Plan(plan.title, plan.region, plan.organization, plan.date, "internal", plan.sections[:4],
                method_notes=["One note."])
    text = " ".join(parse(render_html(bare)).text)
    assert "Sources" in text and "exports_by_naics_2023.csv" in text and "One note." in text
    assert "SAMPLE DATA" not in text and "Internal edition" in text


# --------------------------------------------------------------------------- PDF

def squash(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def pdf(plan, tmp_path_factory) -> Path:
    from exportplan.output.plan_pdf import write_pdf

    return write_pdf(plan, tmp_path_factory.mktemp("pdf") / "plan.pdf")


def page_texts(path: Path) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(path).pages]


def test_the_pdf_has_every_section_contents_and_page_numbers(pdf):
    pages = page_texts(pdf)
    assert len(pages) >= 5
    whole = squash(" ".join(pages))
    for title in TITLES:
        assert title in whole, title
    assert "Contents" in whole
    for n in range(1, len(pages) + 1):
        assert f"Page {n} of {len(pages)}" in pages[n - 1]
    assert HOSTILE in whole  # shown as text
    # the contents give each section's real page
    toc = next(i for i, text in enumerate(pages) if text.lstrip().startswith("Contents"))
    for number, title in (("3.1", "Regional economy and export profile"), ("4", "Target sectors and clusters"),
                          ("B", "Appendix B. Method notes")):
        match = re.search(re.escape(title) + r"\s*\.{3,}\s*(\d+)", pages[toc])
        assert match, title
        page = int(match.group(1))
        heading = [i + 1 for i, text in enumerate(pages) if i != toc and f"{number} {title}" in squash(text)]
        assert heading == [page], (title, heading, page)


def test_the_long_table_repeats_its_header_and_charts_are_whole(pdf):
    pages = page_texts(pdf)
    with_header = [i for i, text in enumerate(pages) if "Establishment ID" in text]
    assert len(with_header) >= 2
    rows = [i for i, text in enumerate(pages) if re.search(r"\bE0\d{3}\b", text)]
    assert rows == with_header  # every page of the table starts with its header row
    for caption in ("Figure 1.", "Figure 2."):
        assert sum(caption in text for text in pages) == 1


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler's pdftoppm is not installed")
def test_the_pdf_pages_are_not_blank(pdf, tmp_path):
    from PIL import Image

    subprocess.run(["pdftoppm", "-png", "-r", "40", str(pdf), str(tmp_path / "page")], check=True)
    images = sorted(tmp_path.glob("page-*.png"))
    assert len(images) == len(page_texts(pdf))
    for image in images:
        with Image.open(image) as im:
            low, _high = im.convert("L").getextrema()
            assert low < 200, f"{image.name} is blank"


def test_pdf_renders_are_identical_and_offline(plan, pdf, tmp_path):
    from pypdf import PdfReader

    from exportplan.output.plan_pdf import offline_fetcher, render_pdf, write_pdf

    again = write_pdf(plan, tmp_path / "again.pdf")
    assert page_texts(again) == page_texts(pdf)
    assert again.read_bytes() == pdf.read_bytes()
    info = PdfReader(pdf).metadata
    assert info["/CreationDate"].startswith("D:20261201")
    letter = PdfReader(pdf).pages[0].mediabox
    assert (round(float(letter.width)), round(float(letter.height))) == (612, 792)
    import io
    a4 = PdfReader(io.BytesIO(render_pdf(plan, page_size="A4"))).pages[0].mediabox
    assert (round(float(a4.width)), round(float(a4.height))) == (595, 842)
    with pytest.raises(ExportPlanError, match="Unknown page size"):
        render_pdf(plan, page_size="tabloid")
    fetcher = offline_fetcher()
    for url in ("https://example.com/x.css", "http://127.0.0.1/a.png", "file:///etc/passwd"):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert fetcher.fetch("data:text/plain;base64,aGk=").read() == b"hi"


# --------------------------------------------------------------------------- Markdown

def test_markdown_has_headings_tables_escaped_text_and_images(plan, tmp_path):
    from exportplan.output.plan_markdown import md_escape, render_markdown, write_markdown

    path = write_markdown(plan, tmp_path / "out" / "plan.md")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("> **SAMPLE DATA**")
    for heading in ("# 1 Executive summary", "## 3.1 Regional economy and export profile", "# 4 Target sectors",
                    "# B Appendix B. Method notes"):
        assert f"\n{heading}" in text, heading
    assert "| Establishment ID | County | Employment | Wage growth |\n|:---|:---|---:|---:|\n| E0000 |" in text
    assert text.count("\n| E0") == 120
    assert HOSTILE not in text and r"\<script\>alert(1)\</script\>" in text
    assert r"| Acme \| Pipes & Co. |" in text and r"\*Bold\* \_Co\_ \[x\](y)" in text
    assert "**Draft \u2014 edit with exportplan plan edit vision**" in text
    assert "*Source: U.S. Bureau of Labor Statistics, QCEW, 2023 annual" in text
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert len(links) == 2
    for link in links:
        assert not link.startswith(("/", "http")) and link.startswith("plan_files/")
        assert (path.parent / link).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert render_markdown(plan, "plan_files") == text
    assert write_markdown(plan, tmp_path / "b" / "plan.md").read_bytes() == path.read_bytes()
    # escaping: block starts, entities, pipes and line breaks in one line
    assert md_escape("# not a heading") == r"\# not a heading"
    assert md_escape("1. not a list") == r"1\. not a list"
    assert md_escape("- not a list") == r"\- not a list"
    assert md_escape("&amp; a\nb | c") == r"\&amp; a b \| c"
