"""The plan as one self-contained HTML5 page (and the layout that the PDF and Markdown share).

Everything the page needs is inside the file: the CSS in a ``<style>`` element,
charts as inline SVG (when drawn as SVG) or as PNG ``data:`` URIs. Nothing is
loaded from anywhere else, so the page opens offline and leaks nothing. Every
piece of the model's text is escaped with :func:`html.escape`: text is plain,
never markup. The output depends only on the plan (no clock, no random ids),
so two renders of one plan are byte-identical.

Layout: a cover (title, region, organization, date, edition, a SAMPLE DATA
banner), the headline figures, a table of contents, then the sections with
their numbers (``h1`` for "3", ``h2`` for "3.1", ...). Tables and charts are
numbered through the document ("Table 4.", "Figure 2."), each followed by its
notes and its source line. The sources appendix (section key ``sources``)
lists every source of the plan unless the model gave it a table; the methods
appendix (key ``methods``) lists the plan's method notes. When the model has no
such section, one is added at the end.
"""
from __future__ import annotations

from contextvars import ContextVar

import base64
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from exportplan.errors import ExportPlanError
from exportplan.output.tables import atomic_output
from exportplan.plan_model import (SUPPRESSED, Chart, Paragraphs, Plan, Section, Table, cell_text, paragraphs,
                                   ref_text, source_text)

#: Section keys of the appendices that the renderers fill from the plan itself.
SOURCES_KEY = "sources"
METHODS_KEY = "methods"

#: A cell that reads as a number: "1,234", "-3.5", "12.0%", "$1.2M", "~40", "10..20", "<3".
_NUMERIC_TEXT = re.compile(
    r"^[~≈<>$+\-\u2212]*\d[\d,]*(\.\d+)?\s*(%|[kKMB])?"
    r"(\s*(\.\.|\u2013|to)\s*[~$]?\d[\d,]*(\.\d+)?\s*(%|[kKMB])?)?$")


# --------------------------------------------------------------------------- the layout shared by every renderer


@dataclass
class Extra:
    """What a renderer adds to an appendix section: the plan's source list and method notes."""

    sources: list[str] = field(default_factory=list)
    method_notes: list[str] = field(default_factory=list)


@dataclass
class Layout:
    """The plan's numbering, worked out once: table and figure numbers, and what each appendix gets.

    ``extra`` maps a section key to what is added at its end; ``tail`` holds
    appendices the model lacks, as (key, title, Extra), rendered after the last section.
    """

    numbers: dict[int, int]
    extra: dict[str, Extra]
    tail: list[tuple[str, str, Extra]]


def layout(plan: Plan) -> Layout:
    """Number the tables and charts (separately, in document order) and place the sources and method notes."""
    numbers: dict[int, int] = {}
    tables = charts = 0
    for section in plan.walk():
        for block in section.blocks:
            if isinstance(block, Table):
                tables += 1
                numbers[id(block)] = tables
            elif isinstance(block, Chart):
                charts += 1
                numbers[id(block)] = charts
    sources = [ref_text(ref) for ref in plan.sources()]
    sources = [text for text in dict.fromkeys(sources) if text]
    keys = {section.key: section for section in plan.walk()}
    extra: dict[str, Extra] = {}
    tail: list[tuple[str, str, Extra]] = []
    if METHODS_KEY in keys:
        shown = " ".join(b.text for b in keys[METHODS_KEY].blocks if isinstance(b, Paragraphs))
        notes = [note for note in plan.method_notes if note not in shown]
        if notes:
            extra[METHODS_KEY] = Extra(method_notes=notes)
    elif plan.method_notes:
        tail.append((METHODS_KEY, "Method notes", Extra(method_notes=list(plan.method_notes))))
    if SOURCES_KEY in keys:
        if sources and not any(isinstance(b, Table) for b in keys[SOURCES_KEY].blocks):
            extra.setdefault(SOURCES_KEY, Extra()).sources = sources
    elif sources:
        tail.append((SOURCES_KEY, "Sources", Extra(sources=sources)))
    return Layout(numbers, extra, tail)


def shown_frame(table: Table) -> tuple[pd.DataFrame, str]:
    """The rows shown in the document, and a note saying how many were left out ('' when none)."""
    frame = table.frame
    if table.max_rows is not None and len(frame) > table.max_rows:
        return frame.head(table.max_rows), (f"Showing the first {table.max_rows:,} of {len(frame):,} rows; "
                                            "the XLSX appendix has every row.")
    return frame, ""


def numeric_columns(frame: pd.DataFrame) -> list[bool]:
    """Per column: does it hold numbers (right-aligned)? Numeric dtypes, or text cells that all read as numbers."""
    out = []
    for _, series in frame.items():
        if pd.api.types.is_bool_dtype(series):
            out.append(False)
        elif pd.api.types.is_numeric_dtype(series):
            out.append(True)
        else:
            values = [v for v in series.tolist() if not _blank(v)]
            out.append(bool(values) and all(_numeric_cell(v) for v in values))
    return out


def _blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _numeric_cell(value: object) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    text = str(value).strip()
    return text == SUPPRESSED or bool(_NUMERIC_TEXT.match(text))


def table_cells(table: Table, frame: pd.DataFrame) -> list[list[str]]:
    """Every shown cell as text, formatted by the table's ``formats`` (column name to format spec)."""
    specs = [table.formats.get(str(col)) for col in frame.columns]
    return [[cell_text(value, spec) for value, spec in zip(row, specs)]
            for row in frame.itertuples(index=False, name=None)]


def edit_hint(section: Section) -> str:
    """The label of a draft: what to run to replace it."""
    return f"Draft \u2014 edit with {section.edit_command or f'exportplan plan edit {section.key}'}"


# --------------------------------------------------------------------------- HTML pieces

def esc(text: object) -> str:
    """Text as HTML (quotes too, so it is safe in attributes)."""
    return html.escape(str(text), quote=True)


_XML_PROLOG = re.compile(r"<\?xml[^>]*\?>|<!DOCTYPE[^>[]*(\[[^\]]*\])?\s*>|<metadata\b.*?</metadata>",
                         re.DOTALL | re.IGNORECASE)
_SVG_ID = re.compile(r'\bid="([^"]+)"')
_SVG_REF = re.compile(r'(href="#|url\(#)([^")]+)')


def inline_svg(path: Path, prefix: str) -> str:
    """An SVG file as an inline ``<svg>`` element.

    The XML prolog, doctype and metadata (a drawing date) are dropped, and
    every id is prefixed so that two charts' ids (matplotlib numbers them the
    same way) cannot clash in one page.
    """
    text = Path(path).read_text(encoding="utf-8")
    text = _XML_PROLOG.sub("", text).strip()
    start = text.find("<svg")
    if start < 0:
        raise ExportPlanError(f"The chart file {path} is not an SVG drawing (no <svg> element). "
                              "Draw the chart again, or leave its svg empty to use the PNG.")
    text = text[start:]
    text = _SVG_ID.sub(lambda m: f'id="{prefix}{m.group(1)}"', text)
    return _SVG_REF.sub(lambda m: f"{m.group(1)}{prefix}{m.group(2)}", text)


def png_data_uri(path: Path) -> str:
    return "data:image/png;base64," + base64.b64encode(Path(path).read_bytes()).decode("ascii")


def _check_chart_files(chart: Chart) -> None:
    for path in [chart.png] + ([chart.svg] if chart.svg else []):
        if not Path(path).is_file():
            raise ExportPlanError(f"The chart '{chart.key}' ({chart.title}) has no file {path}. "
                                  "Build the plan again so that its charts are drawn first.")


def text_html(text: str, css: str = "") -> Iterator[str]:
    """Plain text as <p> and <ul> elements."""
    attr = f' class="{css}"' if css else ""
    for kind, lines in paragraphs(text):
        if kind == "ul":
            yield f"<ul{attr}>" + "".join(f"<li>{esc(item)}</li>" for item in lines) + "</ul>"
        else:
            yield f"<p{attr}>{esc(lines[0])}</p>"


def paragraphs_html(block: Paragraphs, section: Section) -> Iterator[str]:
    body = list(text_html(block.text))
    if block.role == "draft":
        yield '<div class="draft">'
        yield f'<p class="label">{esc(edit_hint(section))}</p>'
        yield from body
        yield "</div>"
    elif block.role == "missing":
        yield '<div class="missing" role="note">'
        yield '<p class="label">Missing</p>'
        yield from body
        yield "</div>"
    elif block.role == "note":
        yield '<div class="note">'
        yield from body
        yield "</div>"
    else:
        yield from body


def after_html(notes: list[str], sources: list, extra_note: str = "") -> Iterator[str]:
    """A table's or chart's notes, then its source line."""
    items = [n for n in notes if str(n).strip()] + ([extra_note] if extra_note else [])
    if items:
        yield '<div class="notes">' + "".join(f"<p>{esc(n)}</p>" for n in items) + "</div>"
    line = source_text(sources)
    if line:
        yield f'<p class="source">{esc(line)}</p>'


def table_html(table: Table, number: int) -> Iterator[str]:
    frame, cut = shown_frame(table)
    numeric = numeric_columns(frame)
    yield f'<div class="table-block" id="table-{number}">'
    yield '<table>'
    yield f'<caption><span class="caption-label">Table {number}.</span> {esc(table.title)}</caption>'
    heads = "".join(f'<th scope="col" class="num">{esc(col)}</th>' if num else f'<th scope="col">{esc(col)}</th>'
                    for col, num in zip(frame.columns, numeric))
    yield f"<thead><tr>{heads}</tr></thead>"
    yield "<tbody>"
    for row in table_cells(table, frame):
        cells = "".join(f'<td class="num">{esc(c)}</td>' if num else f"<td>{esc(c)}</td>"
                        for c, num in zip(row, numeric))
        yield f"<tr>{cells}</tr>"
    if frame.empty:
        yield f'<tr><td colspan="{max(len(frame.columns), 1)}" class="empty">No rows.</td></tr>'
    yield "</tbody></table>"
    yield from after_html(table.notes, table.sources, cut)
    yield "</div>"


#: How charts are embedded: "svg" (inline, sharp on screen) or "png" (a data URI; the PDF uses it: a raster
#: chart lays out many times faster in WeasyPrint than a large inline SVG).
_CHARTS: ContextVar[str] = ContextVar("plan_html_charts", default="svg")


def chart_html(chart: Chart, number: int) -> Iterator[str]:
    _check_chart_files(chart)
    alt = chart.alt or chart.title
    yield f'<figure class="chart" id="figure-{number}">'
    if chart.svg and _CHARTS.get() == "svg":
        yield f'<div class="svg" role="img" aria-label="{esc(alt)}">{inline_svg(Path(chart.svg), f"f{number}-")}</div>'
    else:
        yield f'<img src="{png_data_uri(Path(chart.png))}" alt="{esc(alt)}">'
    yield f'<figcaption><span class="caption-label">Figure {number}.</span> {esc(chart.title)}</figcaption>'
    yield from after_html(chart.notes, chart.sources)
    yield "</figure>"


def extra_html(extra: Extra) -> Iterator[str]:
    if extra.method_notes:
        yield '<ul class="method-notes">' + "".join(f"<li>{esc(n)}</li>" for n in extra.method_notes) + "</ul>"
    if extra.sources:
        yield '<ol class="sources">' + "".join(f"<li>{esc(s)}</li>" for s in extra.sources) + "</ol>"


def heading(level: int, key: str, number: str, title: str) -> str:
    tag = f"h{min(max(level, 1), 6)}"
    num = f'<span class="num">{esc(number)}</span> ' if number else ""
    return f'<{tag} id="{esc(key)}">{num}{esc(title)}</{tag}>'


def section_html(section: Section, lay: Layout) -> Iterator[str]:
    yield f'<section class="level-{section.level} kind-{esc(section.kind.replace("+", "-"))}">'
    yield heading(section.level, section.key, section.number, section.title)
    for block in section.blocks:
        if isinstance(block, Paragraphs):
            yield from paragraphs_html(block, section)
        elif isinstance(block, Table):
            yield from table_html(block, lay.numbers[id(block)])
        elif isinstance(block, Chart):
            yield from chart_html(block, lay.numbers[id(block)])
    if section.key in lay.extra:
        yield from extra_html(lay.extra[section.key])
    for child in section.children:
        yield from section_html(child, lay)
    yield "</section>"


def toc_html(plan: Plan, lay: Layout) -> Iterator[str]:
    def items(sections: list[Section]) -> Iterator[str]:
        yield "<ol>"
        for s in sections:
            num = f'<span class="num">{esc(s.number)}</span> ' if s.number else ""
            yield f'<li class="toc-{s.level}"><a href="#{esc(s.key)}">{num}{esc(s.title)}</a>'
            if s.children:
                yield from items(s.children)
            yield "</li>"
        for key, title, _ in (lay.tail if sections is plan.sections else []):
            yield f'<li class="toc-1"><a href="#{esc(key)}">{esc(title)}</a></li>'
        yield "</ol>"

    yield '<nav class="toc" aria-labelledby="contents-title">'
    yield '<h2 id="contents-title" class="toc-title">Contents</h2>'
    yield from items(plan.sections)
    yield "</nav>"


def cover_html(plan: Plan) -> Iterator[str]:
    yield '<header class="cover">'
    if plan.sample:
        yield ('<p class="sample-banner">SAMPLE DATA \u2014 invented figures for a demonstration; '
               "not a real region's plan</p>")
    yield f'<p class="doc-title">{esc(plan.title)}</p>'
    yield f'<p class="region">{esc(plan.region)}</p>'
    facts = [("Prepared by", plan.organization), ("Date", plan.date),
             ("Edition", f"{plan.edition.capitalize()} edition" if plan.edition else "")]
    yield '<dl class="facts">' + "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in facts if v) + "</dl>"
    if plan.headline:
        yield '<section class="headline" aria-label="Headline figures"><ul>'
        for label, value, source in plan.headline:
            src = f'<span class="hl-source">{esc(source)}</span>' if source else ""
            yield (f'<li><span class="hl-value">{esc(value)}</span>'
                   f'<span class="hl-label">{esc(label)}</span>{src}</li>')
        yield "</ul></section>"
    yield "</header>"


def render_html(plan: Plan, *, extra_css: str = "", charts: str = "svg") -> str:
    """The whole plan as one HTML5 page (a string). ``extra_css`` is appended to the page's style (print CSS);
    ``charts`` embeds the charts as inline "svg" (default) or as "png" data URIs."""
    token = _CHARTS.set(charts)
    try:
        return _render_html(plan, extra_css)
    finally:
        _CHARTS.reset(token)


def _render_html(plan: Plan, extra_css: str) -> str:
    lay = layout(plan)
    parts = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
             '<meta name="viewport" content="width=device-width, initial-scale=1">',
             f"<title>{esc(plan.title)} \u2014 {esc(plan.region)}</title>",
             '<meta name="generator" content="exportplan">']
    if plan.organization:
        parts.append(f'<meta name="author" content="{esc(plan.organization)}">')
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(plan.date or "")):
        parts.append(f'<meta name="dcterms.created" content="{esc(plan.date)}">')
        parts.append(f'<meta name="dcterms.modified" content="{esc(plan.date)}">')
    parts.append(f"<style>\n{CSS}{extra_css}</style>")
    parts += ["</head>", "<body>", "<main>"]
    parts += cover_html(plan)
    parts += toc_html(plan, lay)
    for section in plan.sections:
        parts += section_html(section, lay)
    for key, title, extra in lay.tail:
        parts += ['<section class="level-1 kind-data">', heading(1, key, "", title)]
        parts += extra_html(extra)
        parts.append("</section>")
    parts += ["</main>", "</body>", "</html>", ""]
    return "\n".join(parts)


def write_html(plan: Plan, path: str | Path) -> Path:
    """Write the plan's HTML page to ``path`` (atomically); returns the path."""
    path = Path(path)
    text = render_html(plan)
    with atomic_output(path) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="\n")
    return path


CSS = """\
:root { --ink: #1d2329; --muted: #5b6670; --rule: #d5dbe0; --zebra: #f3f5f7; --accent: #1f4e79;
  --serif: Charter, "Bitstream Charter", Georgia, Cambria, "Source Serif Pro", "DejaVu Serif", serif;
  --sans: "Source Sans Pro", "Segoe UI", "Helvetica Neue", Arial, "Liberation Sans", "DejaVu Sans", sans-serif; }
html { color: var(--ink); background: #fff; }
body { font-family: var(--serif); font-size: 1.0625rem; line-height: 1.55; margin: 0; }
main { max-width: 60em; margin: 0 auto; padding: 2rem 1.5rem 4rem; }
h1, h2, h3, h4, h5, h6, caption, figcaption, .cover, .toc, th, .label { font-family: var(--sans); }
h1, h2, h3, h4 { color: var(--accent); line-height: 1.25; margin: 2em 0 0.6em; }
h1 { font-size: 1.75rem; border-bottom: 2px solid var(--accent); padding-bottom: 0.2em; }
h2 { font-size: 1.35rem; } h3 { font-size: 1.15rem; } h4 { font-size: 1rem; }
h1 .num, h2 .num, h3 .num, h4 .num { color: var(--muted); margin-right: 0.45em; }
.toc .num { display: inline-block; min-width: 2.4em; color: var(--muted); }
p, ul, ol { margin: 0 0 0.8em; }
.cover { border-bottom: 1px solid var(--rule); padding-bottom: 1.5rem; margin-bottom: 2rem; }
.sample-banner { background: #b00020; color: #fff; font-weight: 700; letter-spacing: 0.04em;
  padding: 0.5em 0.9em; border-radius: 3px; }
.doc-title { font-size: 2.3rem; font-weight: 700; line-height: 1.15; color: var(--accent); margin: 1.2rem 0 0.3rem; }
.region { font-size: 1.35rem; color: var(--muted); margin: 0 0 1rem; }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: 0.2em 1em; margin: 0 0 1.5rem; }
.facts dt { color: var(--muted); } .facts dd { margin: 0; }
.headline ul { list-style: none; padding: 0; margin: 0; display: flex; flex-wrap: wrap; gap: 0.8rem; }
.headline li { flex: 1 1 11em; border: 1px solid var(--rule); border-top: 3px solid var(--accent);
  padding: 0.6em 0.8em; }
.hl-value { display: block; font-size: 1.5rem; font-weight: 700; color: var(--accent); }
.hl-label { display: block; } .hl-source { display: block; font-size: 0.75rem; color: var(--muted); }
.toc { margin: 0 0 2.5rem; } .toc-title { margin-top: 0; }
.toc ol { list-style: none; padding-left: 0; margin: 0; } .toc ol ol { padding-left: 2.2em; }
.toc a { color: var(--ink); text-decoration: none; } .toc a:hover { text-decoration: underline; }
.toc li.toc-1 { margin-top: 0.3em; font-weight: 600; } .toc li li { font-weight: 400; }
.draft { border-left: 4px solid #c98a00; background: #fff8e6; padding: 0.6em 1em; margin: 0 0 1em; }
.draft .label { color: #8a5d00; font-size: 0.85rem; font-weight: 700; margin-bottom: 0.4em; }
.missing { border: 1px solid #b00020; background: #fdf1f3; padding: 0.6em 1em; margin: 0 0 1em; }
.missing .label { color: #b00020; font-size: 0.85rem; font-weight: 700; margin-bottom: 0.4em; }
.note { font-size: 0.875rem; color: var(--muted); }
.table-block, figure.chart { margin: 1.5em 0 2em; }
.table-block { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 0.875rem; font-variant-numeric: tabular-nums; }
caption, figcaption { text-align: left; font-weight: 600; margin-bottom: 0.4em; }
figcaption { margin: 0.4em 0 0.2em; }
.caption-label { color: var(--accent); }
th, td { padding: 0.3em 0.6em; vertical-align: top; text-align: left; }
thead th { border-bottom: 2px solid var(--ink); font-weight: 600; }
tbody tr:nth-child(even) { background: var(--zebra); }
tbody tr:last-child td { border-bottom: 1px solid var(--rule); }
td.num, th.num { text-align: right; }
td.num { white-space: nowrap; }
td.empty { color: var(--muted); font-style: italic; }
figure.chart { margin-left: 0; margin-right: 0; }
figure.chart img, figure.chart svg { display: block; max-width: 100%; height: auto; margin: 0 auto; }
.notes p, .source { font-size: 0.8rem; color: var(--muted); margin: 0.3em 0 0; }
.source { font-style: italic; overflow-wrap: anywhere; }
ol.sources li, ul.method-notes li { margin-bottom: 0.4em; overflow-wrap: anywhere; }
"""

__all__ = ["CSS", "Extra", "Layout", "METHODS_KEY", "SOURCES_KEY", "edit_hint", "esc", "inline_svg", "layout",
           "numeric_columns", "render_html", "shown_frame", "table_cells", "write_html"]
