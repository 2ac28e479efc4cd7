"""The plan as a Word document (DOCX) that staff can edit: real Word styles, fields and tables.

Rendered from the one plan model (:mod:`exportplan.plan_model`), computing
nothing. What Word sees:

- the cover: the plan's title in the **Title** style; region, organization,
  date and edition; a red "SAMPLE DATA" line for a sample plan; the headline
  figures with their sources;
- a table of contents: a ``TOC`` field that Word fills in on opening (the
  document asks Word to update its fields), pre-filled with the section list
  so that it reads well before an update, and a line saying how to update it;
- sections as **Heading 1/2/3** by level, their numbers in the text
  ("3.1 Industry clusters"), each chapter on a new page;
- paragraphs by role: text; a draft (an italic "Draft — edit with exportplan
  plan edit KEY" line first); a missing input (a shaded, boxed paragraph); a
  note (smaller text); "- " lines as **List Bullet**;
- tables: a **Caption** "Table N. title" (a ``SEQ Table`` field, so Word's
  cross-references and list of tables work), then a real Word table in the
  **Table Grid** style whose header row repeats on each page (``w:tblHeader``)
  and whose rows do not split, numbers right-aligned; at most ``max_rows``
  rows, with "N more rows in the XLSX appendix" after a longer one;
- charts: a **Caption** "Figure N. title" (``SEQ Figure``), the PNG 6.5 in
  wide (the text width) with its alt text;
- after each table or chart its notes and its "Source: ..." line;
- page numbers in the footer ("Page X of Y": ``PAGE`` and ``NUMPAGES`` fields)
  and, for a sample plan, "SAMPLE DATA" in the header of every page.

User text goes into text runs (python-docx escapes it: ``<script>`` is text),
with characters XML cannot hold dropped. The core properties (title, author =
organization, created and modified = the plan's date) and the ZIP entries'
times are fixed, so two writes of one plan give byte-identical files.
"""
from __future__ import annotations

import io
import os
import re
import zipfile
from pathlib import Path

import pandas as pd

from exportplan.errors import ExportPlanError
from exportplan.output.plan_html import edit_hint
from exportplan.output.plan_xlsx import plan_datetime, sheet_names
from exportplan.output.tables import atomic_output
from exportplan.plan_model import (SUPPRESSED, Chart, Paragraphs, Plan, Section, Table, cell_text, paragraphs,
                                   source_text)

#: The text width of the page (Letter, 1 in margins): charts are this wide.
TEXT_WIDTH_IN = 6.5
#: The tallest a chart may be (inches) so that it fits a page with its caption.
MAX_CHART_HEIGHT_IN = 7.5
TABLE_STYLE = "Table Grid"
# Characters XML 1.0 cannot hold (tab, newline and carriage return can: they become tabs and breaks).
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# A cell that reads as a number: 1,234 / -5.2% / $3.1 / ~120 / <3 / 10..20 / 10–20.
_NUMBERISH = re.compile(r"^[~≈<>≤≥]?\s?[-+]?\$?[\d.,]*\d[\d.,]*%?(\s?(\.\.|–|-)\s?[-+]?\$?[\d.,]*\d[\d.,]*%?)?$")
_THUMBNAIL = "docProps/thumbnail.jpeg"
_THUMBNAIL_REL = re.compile(rb'<Relationship [^>]*Target="/?docProps/thumbnail\.jpeg"[^>]*/>')
_RED = "C00000"
_GREY = "595959"
_EDITION_TEXT = {
    "public": "Public edition: no company-level information; counts under 3 are suppressed.",
    "internal": "Internal edition: contains company-level information; do not circulate outside the organization.",
}


def clean(text: object) -> str:
    """``text`` as a str that XML can hold: control characters (other than tab and line breaks) dropped."""
    return _XML_ILLEGAL.sub("", "" if text is None else str(text))


# --------------------------------------------------------------------------- low-level XML helpers


def _el(tag: str, **attrs: str):
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    element = OxmlElement(tag)
    for key, value in attrs.items():
        element.set(qn(f"w:{key}"), value)
    return element


def _field_runs(paragraph, instr: str, result: str) -> None:
    """Append a complex field (``instr``, showing ``result`` until Word updates it) to ``paragraph``."""
    from docx.oxml.ns import qn

    begin = paragraph.add_run()
    begin._r.append(_el("w:fldChar", fldCharType="begin"))
    code = paragraph.add_run()
    instr_el = _el("w:instrText")
    instr_el.set(qn("xml:space"), "preserve")
    instr_el.text = f" {instr} "
    code._r.append(instr_el)
    paragraph.add_run()._r.append(_el("w:fldChar", fldCharType="separate"))
    paragraph.add_run(clean(result))
    paragraph.add_run()._r.append(_el("w:fldChar", fldCharType="end"))


def _insert_in_order(parent, child, successors: tuple[str, ...]) -> None:
    """Insert ``child`` into ``parent`` before the first existing element named in ``successors`` (schema order)."""
    from docx.oxml.ns import qn

    for tag in successors:
        found = parent.find(qn(tag))
        if found is not None:
            found.addprevious(child)
            return
    parent.append(child)


# pPr children that come after w:pBdr and w:shd in the schema.
_AFTER_PBDR = ("w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct",
               "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid",
               "w:spacing", "w:ind", "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc",
               "w:textDirection", "w:textAlignment", "w:textboxTightWrap", "w:outlineLvl", "w:divId",
               "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange")
# settings children that come after w:updateFields.
_AFTER_UPDATE_FIELDS = ("w:hdrShapeDefaults", "w:footnotePr", "w:endnotePr", "w:compat", "w:docVars", "w:rsids",
                        "m:mathPr", "w:attachedSchema", "w:themeFontLang", "w:clrSchemeMapping",
                        "w:doNotIncludeSubdocsInStats", "w:doNotAutoCompressPictures", "w:forceUpgrade",
                        "w:captions", "w:readModeInkLockDown", "w:smartTagType", "sl:schemaLibrary",
                        "w:shapeDefaults", "w:doNotEmbedSmartTags", "w:decimalSymbol", "w:listSeparator")


# --------------------------------------------------------------------------- styles


def _setup_styles(doc) -> None:
    """The plan's own paragraph styles (so staff can restyle every note at once) on top of Word's built-ins."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.shared import Pt, RGBColor

    styles = doc.styles
    normal = styles["Normal"]
    normal.font.name = "Calibri"
    normal.font.size = Pt(11)

    note = styles.add_style("Plan Note", WD_STYLE_TYPE.PARAGRAPH)
    note.base_style = normal
    note.font.size = Pt(9)
    note.font.color.rgb = RGBColor.from_string(_GREY)
    note.paragraph_format.space_after = Pt(3)

    source = styles.add_style("Plan Source", WD_STYLE_TYPE.PARAGRAPH)
    source.base_style = note
    source.font.italic = True
    source.paragraph_format.space_after = Pt(12)

    draft = styles.add_style("Plan Draft Marker", WD_STYLE_TYPE.PARAGRAPH)
    draft.base_style = normal
    draft.font.italic = True
    draft.font.size = Pt(9)
    draft.font.color.rgb = RGBColor.from_string("9C5700")
    draft.paragraph_format.keep_with_next = True
    draft.paragraph_format.space_after = Pt(2)

    missing = styles.add_style("Plan Missing", WD_STYLE_TYPE.PARAGRAPH)
    missing.base_style = normal
    ppr = missing.element.get_or_add_pPr()
    borders = _el("w:pBdr")
    for side in ("top", "left", "bottom", "right"):
        borders.append(_el(f"w:{side}", val="single", sz="6", space="4", color="BF9000"))
    _insert_in_order(ppr, borders, _AFTER_PBDR)
    _insert_in_order(ppr, _el("w:shd", val="clear", color="auto", fill="FFF2CC"), _AFTER_PBDR[1:])

    cell = styles.add_style("Plan Table Text", WD_STYLE_TYPE.PARAGRAPH)
    cell.base_style = normal
    cell.font.size = Pt(9)
    cell.paragraph_format.space_after = Pt(0)
    cell.paragraph_format.space_before = Pt(0)

    for name in ("Caption",):
        styles[name].paragraph_format.keep_with_next = True


# --------------------------------------------------------------------------- front matter


def _cover(doc, plan: Plan) -> None:
    from docx.shared import Pt, RGBColor

    doc.add_paragraph(clean(plan.title), style="Title")
    for text in (plan.region, f"Prepared by {plan.organization}" if plan.organization else "", plan.date):
        if str(text or "").strip():
            doc.add_paragraph(clean(text), style="Subtitle")
    doc.add_paragraph(clean(_EDITION_TEXT.get(plan.edition, f"Edition: {plan.edition}")))
    if plan.sample:
        run = doc.add_paragraph().add_run("SAMPLE DATA: the figures in this plan are illustrative, not real.")
        run.bold = True
        run.font.size = Pt(14)
        run.font.color.rgb = RGBColor.from_string(_RED)
    if plan.headline:
        doc.add_paragraph("At a glance", style="Heading 4").paragraph_format.keep_with_next = True
        for label, value, source in plan.headline:
            p = doc.add_paragraph(style="List Bullet")
            p.add_run(clean(label) + ": ")
            p.add_run(clean(value)).bold = True
            if str(source or "").strip():
                p.add_run(f" ({clean(source)})").font.size = Pt(9)


def _contents(doc, plan: Plan) -> None:
    """A TOC field over Heading 1-3, pre-filled with the section list, and how to update it."""
    from docx.shared import Inches

    doc.add_paragraph("Contents", style="TOC Heading").paragraph_format.page_break_before = True
    doc.add_paragraph("Word fills in the page numbers when it opens the document; if it does not, right-click "
                      "the list and choose Update Field (or press F9).", style="Plan Note")
    sections = list(plan.walk())
    if not sections:
        return
    paras = []
    for section in sections:
        p = doc.add_paragraph()
        p.paragraph_format.left_indent = Inches(0.25 * (min(section.level, 3) - 1))
        p.paragraph_format.space_after = 0
        paras.append((p, _heading_text(section)))
    from docx.oxml.ns import qn

    first, text = paras[0]
    first.add_run()._r.append(_el("w:fldChar", fldCharType="begin"))
    instr = _el("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = ' TOC \\o "1-3" \\h \\z \\u '
    first.add_run()._r.append(instr)
    first.add_run()._r.append(_el("w:fldChar", fldCharType="separate"))
    for p, text in paras:
        p.add_run(text)
    paras[-1][0].add_run()._r.append(_el("w:fldChar", fldCharType="end"))


def _update_fields_on_open(doc) -> None:
    settings = doc.settings.element
    from docx.oxml.ns import qn

    if settings.find(qn("w:updateFields")) is None:
        _insert_in_order(settings, _el("w:updateFields", val="true"), _AFTER_UPDATE_FIELDS)


def _page_setup(doc, plan: Plan) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Inches, Pt, RGBColor

    section = doc.sections[0]
    section.page_width, section.page_height = Inches(8.5), Inches(11)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Inches(1))
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run(clean(f"{plan.title} · {plan.edition} edition · Page "))
    _field_runs(footer, "PAGE", "1")
    footer.add_run(" of ")
    _field_runs(footer, "NUMPAGES", "1")
    if plan.sample:
        header = section.header.paragraphs[0]
        header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        run = header.add_run("SAMPLE DATA: illustrative figures, not real")
        run.bold = True
        run.font.size = Pt(9)
        run.font.color.rgb = RGBColor.from_string(_RED)


# --------------------------------------------------------------------------- body


def _heading_text(section: Section) -> str:
    return clean(f"{section.number} {section.title}".strip())


def _add_text(doc, text: str, style: str | None) -> None:
    for kind, lines in paragraphs(clean(text)):
        if kind == "ul":
            for item in lines:
                doc.add_paragraph(item, style="List Bullet")
        else:
            doc.add_paragraph(lines[0], style=style)


def _paragraphs(doc, block: Paragraphs, section: Section) -> None:
    role = block.role
    if role == "draft":
        doc.add_paragraph(clean(edit_hint(section)), style="Plan Draft Marker")
        _add_text(doc, block.text, None)
    elif role == "missing":
        _add_text(doc, block.text, "Plan Missing")
    elif role == "note":
        _add_text(doc, block.text, "Plan Note")
    else:
        _add_text(doc, block.text, None)


def _caption(doc, kind: str, number: int, title: str) -> None:
    p = doc.add_paragraph(style="Caption")
    p.add_run(f"{kind} ")
    _field_runs(p, f"SEQ {kind} \\* ARABIC", str(number))
    p.add_run(clean(f". {title}"))


def _numeric_column(values: list[object]) -> bool:
    """True when every non-blank cell is a number (or reads as one: '<3', '1,234', '10..20')."""
    seen = False
    for value in values:
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            continue
        if isinstance(value, bool):
            return False
        if isinstance(value, (int, float)) or value == SUPPRESSED:
            seen = True
        elif isinstance(value, str) and _NUMBERISH.match(value.strip()):
            seen = True
        elif isinstance(value, str) and not value.strip():
            continue
        else:
            return False
    return seen


def _mark_header_row(row) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(_el("w:cantSplit"))
    tr_pr.append(_el("w:tblHeader"))


def _shade(cell, fill: str) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()
    tc_pr.append(_el("w:shd", val="clear", color="auto", fill=fill))


def _column_widths(columns: list[str], texts: list[list[str]]) -> list[int]:
    """Column widths (EMU) sharing the text width by each column's longest word of the header and longest cell,
    so that names get room and short numbers do not."""
    from docx.shared import Inches

    weights = []
    for name, cells in zip(columns, texts):
        longest_word = max((len(w) for w in name.split()), default=1)
        longest_cell = max((len(c) for c in cells), default=0)
        weights.append(min(max(longest_word, longest_cell, 4), 40))
    total = sum(weights)
    return [int(Inches(TEXT_WIDTH_IN) * w / total) for w in weights]


def _table(doc, block: Table, number: int, sheet: str) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    frame = block.frame
    if not isinstance(frame, pd.DataFrame):
        raise ExportPlanError(f"Table {block.key!r} ({block.title}) has no DataFrame (got {type(frame).__name__}); "
                              "build the plan again.")
    _caption(doc, "Table", number, block.title)
    total = len(frame)
    shown = frame if block.max_rows is None else frame.head(max(int(block.max_rows), 0))
    columns = [str(c) for c in shown.columns]
    formats = {str(k): v for k, v in (block.formats or {}).items()}
    values = [shown[c].tolist() for c in shown.columns]  # Python scalars: format specs apply to them
    right = [_numeric_column(col) for col in values]
    texts = [[clean(cell_text(v, formats.get(name))) for v in col] for name, col in zip(columns, values)]
    if not columns:
        doc.add_paragraph("This table has no columns.", style="Plan Missing")
    else:
        table = doc.add_table(rows=len(shown) + 1, cols=len(columns))
        table.style = doc.styles[TABLE_STYLE]
        widths = _column_widths(columns, texts)
        for column, width in zip(table.columns, widths):
            column.width = width
        rows = table.rows
        header = rows[0]
        _mark_header_row(header)
        for j, (cell, name) in enumerate(zip(header.cells, columns)):
            cell.width = widths[j]
            p = cell.paragraphs[0]
            p.style = "Plan Table Text"
            p.add_run(clean(name)).bold = True
            if right[j]:
                p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            _shade(cell, "D9E2F3")
        for i, row in enumerate(rows[1:]):
            row._tr.get_or_add_trPr().append(_el("w:cantSplit"))
            for j, cell in enumerate(row.cells):
                cell.width = widths[j]
                p = cell.paragraphs[0]
                p.style = "Plan Table Text"
                p.add_run(texts[j][i])
                if right[j]:
                    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    rest = total - len(shown)
    extra = [f"{rest:,} more rows in the XLSX appendix (sheet {sheet})."] if rest > 0 else []
    _after(doc, list(block.notes) + extra, source_text(block.sources), first=True)


def _chart(doc, block: Chart, number: int) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Inches

    png = Path(block.png)
    if not png.is_file():
        raise ExportPlanError(f"The chart {block.key!r} ({block.title}) has no image at {png}; draw the charts again "
                              "(build the plan again) before writing the document.")
    _caption(doc, "Figure", number, block.title)
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    p.paragraph_format.keep_with_next = True
    try:
        shape = p.add_run().add_picture(str(png), width=Inches(TEXT_WIDTH_IN))
    except Exception as exc:  # python-docx raises its own types for unreadable images
        raise ExportPlanError(f"The chart {block.key!r} image {png} could not be read ({exc}); draw it again.") from exc
    if shape.height > Inches(MAX_CHART_HEIGHT_IN):  # a tall chart: fit the page's height instead
        shape.width = int(shape.width * Inches(MAX_CHART_HEIGHT_IN) / shape.height)
        shape.height = Inches(MAX_CHART_HEIGHT_IN)
    doc_pr = shape._inline.docPr
    doc_pr.set("name", clean(f"Figure {number}"))
    doc_pr.set("descr", clean(block.alt or block.title))
    _after(doc, list(block.notes), source_text(block.sources), first=False)


def _after(doc, notes: list[str], source: str, first: bool) -> None:
    """A table's or chart's notes, then its source line (space before the first, to part it from the table)."""
    from docx.shared import Pt

    lines = [(clean(n), "Plan Note") for n in notes if str(n).strip()]
    if source:
        lines.append((clean(source), "Plan Source"))
    for k, (text, style) in enumerate(lines):
        p = doc.add_paragraph(text, style=style)
        if k == 0 and first:
            p.paragraph_format.space_before = Pt(4)


def _body(doc, plan: Plan) -> None:
    sheets = sheet_names(plan)
    n_table = n_figure = 0
    methods_done = False
    for section in plan.walk():
        heading = doc.add_heading(_heading_text(section), level=min(section.level, 3))
        if section.level == 1:
            heading.paragraph_format.page_break_before = True
        for block in section.blocks:
            if isinstance(block, Paragraphs):
                _paragraphs(doc, block, section)
            elif isinstance(block, Table):
                n_table += 1
                _table(doc, block, n_table, sheets[id(block)])
            elif isinstance(block, Chart):
                n_figure += 1
                _chart(doc, block, n_figure)
            else:
                raise ExportPlanError(f"Section {section.number} ({section.key}) holds a {type(block).__name__}, "
                                      "which the document cannot show; the plan holds paragraphs, tables and charts.")
        if section.key == "methods" and plan.method_notes:
            for note in plan.method_notes:
                doc.add_paragraph(clean(note), style="List Bullet")
            methods_done = True
    if plan.method_notes and not methods_done:
        doc.add_heading("Method notes", level=1).paragraph_format.page_break_before = True
        for note in plan.method_notes:
            doc.add_paragraph(clean(note), style="List Bullet")


def _properties(doc, plan: Plan) -> None:
    stamp = plan_datetime(plan)
    props = doc.core_properties
    props.title = clean(plan.title)[:255]
    props.author = clean(plan.organization)[:255]
    props.last_modified_by = clean(plan.organization)[:255]
    props.subject = clean(plan.region)[:255]
    props.category = clean(f"{plan.edition} edition")
    props.keywords = "export plan"
    props.comments = "SAMPLE DATA: illustrative figures, not real." if plan.sample else ""
    props.created = props.modified = props.last_printed = stamp
    props.revision = 1


def _fixed_zip(data: bytes, stamp: tuple[int, ...]) -> bytes:
    """The DOCX package again with every entry's time set to ``stamp`` (python-docx stamps the current time),
    and without the template's thumbnail (a picture of an empty page that file browsers would show)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename == _THUMBNAIL:
                continue
            body = src.read(info.filename)
            if info.filename == "_rels/.rels":
                body = _THUMBNAIL_REL.sub(b"", body)
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            dst.writestr(entry, body)
    return out.getvalue()


def build_document(plan: Plan):
    """The plan as a python-docx Document (not saved): cover, contents, sections, method notes."""
    from docx import Document

    doc = Document()
    _setup_styles(doc)
    _page_setup(doc, plan)
    _cover(doc, plan)
    _contents(doc, plan)
    _body(doc, plan)
    _update_fields_on_open(doc)
    _properties(doc, plan)
    return doc


def write_docx(plan: Plan, path: str | os.PathLike) -> Path:
    """Write the plan as a DOCX to ``path``, atomically; return the path (see the module docstring)."""
    doc = build_document(plan)
    buffer = io.BytesIO()
    doc.save(buffer)
    stamp = plan_datetime(plan)
    data = _fixed_zip(buffer.getvalue(), (max(stamp.year, 1980), stamp.month, stamp.day, 0, 0, 0))
    path = Path(path)
    with atomic_output(path) as tmp:
        tmp.write_bytes(data)
    return path


__all__ = ["TABLE_STYLE", "TEXT_WIDTH_IN", "build_document", "clean", "write_docx"]
