"""The plan as Markdown: numbered headings, pipe tables, charts as image links to PNG files beside it.

Markdown interprets characters that plain text uses freely (``*``, ``_``,
``[``, ``<``, ``#`` at the start of a line, ...). Every piece of the model's
text is escaped with backslashes (:func:`md_escape`), so a company named
``<script>alert(1)</script>`` or ``*Bold* [x](y)`` shows as typed. Table cells
also escape ``|`` and fold line breaks into spaces, so a cell never breaks
its row.

:func:`write_markdown` copies each chart's PNG into ``NAME_files/`` beside
``NAME.md`` and links it relatively, so the folder can be moved or zipped
whole. The text depends only on the plan: two renders are byte-identical.
"""
from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from exportplan.errors import ExportPlanError
from exportplan.output.plan_html import Extra, edit_hint, layout, numeric_columns, shown_frame, table_cells
from exportplan.output.tables import atomic_output
from exportplan.plan_model import Chart, Paragraphs, Plan, Section, Table, paragraphs, source_text

#: Characters escaped everywhere: CommonMark's inline markup and raw HTML.
_ACTIVE = re.compile(r"([\\`*_\[\]<>|~])")
#: Constructs active at the start of a line: headings, quotes, list markers, thematic breaks, "1." / "1)".
_LINE_START = re.compile(r"^(\s*)([#>+=-]|\d+(?=[.)]))")
#: An HTML entity or character reference, which Markdown would decode ("&lt;" would show as "<").
_ENTITY = re.compile(r"&(?=#?\w+;)")


def md_escape(text: object, line_start: bool = True) -> str:
    """Plain text as Markdown that renders as exactly that text (one line: line breaks become spaces).

    ``line_start``: the text starts a line, where "# ", "- ", "> " or "1." would start a block.
    """
    out = " ".join(str(text).split())
    out = _ACTIVE.sub(r"\\\1", out)
    out = _ENTITY.sub(r"\\&", out)
    match = _LINE_START.match(out) if line_start else None
    if match:
        lead, token = match.groups()
        if token[0].isdigit():
            end = len(lead) + len(token)
            out = out[:end] + "\\" + out[end:]
        else:
            out = lead + "\\" + out[len(lead):]
    return out


def cell_escape(text: object) -> str:
    """A table cell: inline markup escaped ('|' included); a cell starts no block, so "-1.5" stays as it is."""
    return md_escape(text, line_start=False)


def _text_blocks(text: str) -> Iterator[str]:
    for kind, lines in paragraphs(text):
        if kind == "ul":
            yield "\n".join(f"- {md_escape(item)}" for item in lines)
        else:
            yield md_escape(lines[0])


def _quoted(blocks: list[str]) -> str:
    """Blocks inside a block quote (each line prefixed with '> ', blank lines as '>')."""
    return "\n>\n".join("\n".join(f"> {line}" for line in block.split("\n")) for block in blocks)


def paragraphs_md(block: Paragraphs, section: Section) -> Iterator[str]:
    body = list(_text_blocks(block.text))
    if block.role == "draft":
        yield _quoted([f"**{md_escape(edit_hint(section), False)}**"] + body)
    elif block.role == "missing":
        yield _quoted(["**Missing**"] + body)
    elif block.role == "note":
        yield "\n\n".join(f"*{b}*" if not b.startswith("- ") else b for b in body)
    else:
        yield from body


def _after(notes: list[str], sources: list, extra_note: str = "") -> Iterator[str]:
    for note in [n for n in notes if str(n).strip()] + ([extra_note] if extra_note else []):
        yield f"*{md_escape(note, False)}*"
    line = source_text(sources)
    if line:
        yield f"*{md_escape(line, False)}*"


def table_md(table: Table, number: int) -> Iterator[str]:
    frame, cut = shown_frame(table)
    yield f"**Table {number}.** {md_escape(table.title, False)}"
    columns = [cell_escape(col) or " " for col in frame.columns]
    if not columns:
        yield "*No columns.*"
    else:
        numeric = numeric_columns(frame)
        rows = [f"| {' | '.join(columns)} |",
                "|" + "|".join("---:" if num else ":---" for num in numeric) + "|"]
        rows += [f"| {' | '.join(cell_escape(c) for c in row)} |" for row in table_cells(table, frame)]
        if frame.empty:
            rows.append("| " + " | ".join(["*No rows.*"] + [" "] * (len(columns) - 1)) + " |")
        yield "\n".join(rows)
    yield from _after(table.notes, table.sources, cut)


def chart_name(chart: Chart, number: int) -> str:
    """The PNG's file name in the ``_files`` folder: the figure number and the chart's key (safe characters only)."""
    key = re.sub(r"[^A-Za-z0-9_.-]+", "-", chart.key).strip("-.") or "chart"
    return f"figure-{number:02d}-{key}.png"


def chart_md(chart: Chart, number: int, files_dir: str) -> Iterator[str]:
    link = quote(str(PurePosixPath(files_dir) / chart_name(chart, number))) if files_dir else \
        quote(chart_name(chart, number))
    alt = md_escape(chart.alt or chart.title, False)
    yield f"![{alt}]({link})"
    yield f"**Figure {number}.** {md_escape(chart.title, False)}"
    yield from _after(chart.notes, chart.sources)


def extra_md(extra: Extra) -> Iterator[str]:
    if extra.method_notes:
        yield "\n".join(f"- {md_escape(note)}" for note in extra.method_notes)
    if extra.sources:
        yield "\n".join(f"{i}. {md_escape(text)}" for i, text in enumerate(extra.sources, 1))


def heading_md(level: int, number: str, title: str) -> str:
    marks = "#" * min(max(level, 1), 6)
    text = f"{md_escape(number, False) + ' ' if number else ''}{md_escape(title, False)}"
    return f"{marks} {re.sub(r'#+$', lambda m: chr(92) + m.group(0), text)}"


def section_md(section: Section, lay, files_dir: str) -> Iterator[str]:
    yield heading_md(section.level, section.number, section.title)
    for block in section.blocks:
        if isinstance(block, Paragraphs):
            yield from paragraphs_md(block, section)
        elif isinstance(block, Table):
            yield from table_md(block, lay.numbers[id(block)])
        elif isinstance(block, Chart):
            yield from chart_md(block, lay.numbers[id(block)], files_dir)
    if section.key in lay.extra:
        yield from extra_md(lay.extra[section.key])
    for child in section.children:
        yield from section_md(child, lay, files_dir)


def _contents(sections: list[Section], depth: int = 0) -> Iterator[str]:
    for s in sections:
        yield f"{'   ' * depth}- {md_escape(s.number, False) + ' ' if s.number else ''}{md_escape(s.title, False)}"
        yield from _contents(s.children, depth + 1)


def render_markdown(plan: Plan, files_dir: str = "plan_files") -> str:
    """The plan as Markdown text; chart images are linked as ``files_dir/figure-NN-KEY.png``."""
    lay = layout(plan)
    blocks: list[str] = []
    if plan.sample:
        blocks.append("> **SAMPLE DATA** \u2014 invented figures for a demonstration; not a real region's plan")
    blocks.append(heading_md(1, "", plan.title))
    blocks.append(f"**{md_escape(plan.region, False)}**")
    facts = [("Prepared by", plan.organization), ("Date", plan.date),
             ("Edition", f"{plan.edition.capitalize()} edition" if plan.edition else "")]
    blocks.append("  \n".join(f"{k}: {md_escape(v, False)}" for k, v in facts if v))
    if plan.headline:
        blocks.append("\n".join(
            f"- **{md_escape(value, False)}** {md_escape(label, False)}"
            + (f" *({md_escape(source, False)})*" if source else "")
            for label, value, source in plan.headline))
    blocks.append("## Contents")
    blocks.append("\n".join(list(_contents(plan.sections)) + [f"- {md_escape(t)}" for _, t, _ in lay.tail]))
    for section in plan.sections:
        blocks += section_md(section, lay, files_dir)
    for _key, title, extra in lay.tail:
        blocks.append(heading_md(1, "", title))
        blocks += extra_md(extra)
    return "\n\n".join(b for b in blocks if b) + "\n"


def write_markdown(plan: Plan, path: str | Path) -> Path:
    """Write ``NAME.md`` and copy the charts' PNGs into ``NAME_files/`` beside it; returns the .md path."""
    path = Path(path)
    files_dir = f"{path.stem}_files"
    lay = layout(plan)
    charts = [(block, lay.numbers[id(block)]) for block in plan.charts()]
    for chart, _ in charts:
        if not Path(chart.png).is_file():
            raise ExportPlanError(f"The chart '{chart.key}' ({chart.title}) has no file {chart.png}. "
                                  "Build the plan again so that its charts are drawn first.")
    text = render_markdown(plan, files_dir)
    if charts:
        folder = path.parent / files_dir
        try:
            folder.mkdir(parents=True, exist_ok=True)
            for chart, number in charts:
                with atomic_output(folder / chart_name(chart, number)) as tmp:
                    shutil.copyfile(chart.png, tmp)
        except OSError as exc:
            raise ExportPlanError(f"Could not write the chart images into {folder}: {exc.strerror or exc}. "
                                  "Check that the folder is writable and has free space.") from exc
    with atomic_output(path) as tmp:
        tmp.write_text(text, encoding="utf-8", newline="\n")
    return path


__all__ = ["chart_name", "md_escape", "render_markdown", "write_markdown"]
