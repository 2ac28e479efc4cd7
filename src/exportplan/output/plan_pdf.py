"""The plan as a PDF: the HTML page of :mod:`plan_html` laid out for print by WeasyPrint.

Print rules added to the page's own CSS:

- Letter pages by default (the plan's readers are US boards and funders), A4 on request;
- "Page N of M" in every page's footer, the plan's title in the header;
- a table of contents with dotted leaders and the page of each section
  (``target-counter``);
- chapters start on a new page, headings stay with what follows them, and a
  chart never splits across pages (``break-inside: avoid``);
- long tables repeat their header row on every page (``thead`` is a table
  header group) and never split a row.

Fonts are the system's (DejaVu when nothing better is installed). Nothing is
fetched: the page is self-contained, and the URL fetcher refuses every URL
except ``data:``. The PDF's dates come from the plan's date and its file
identifier from the plan's text, so two builds of one plan are identical.
"""
from __future__ import annotations

import hashlib
import logging
import os
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

from exportplan.errors import ExportPlanError
from exportplan.output.plan_html import render_html
from exportplan.output.tables import atomic_output
from exportplan.plan_model import Plan

#: Page sizes a plan can be printed on.
PAGE_SIZES = {"letter": "Letter", "a4": "A4"}

PRINT_CSS = """
@page {
  size: %(size)s; margin: 22mm 20mm 24mm 20mm;
  @top-right { content: string(doctitle); font-family: "DejaVu Sans", sans-serif; font-size: 7.5pt; color: #5b6670; }
  @bottom-center { content: "Page " counter(page) " of " counter(pages);
    font-family: "DejaVu Sans", sans-serif; font-size: 8pt; color: #5b6670; }
}
@page :first { @top-right { content: none; } }
html { font-size: 10pt; }
body { font-family: "DejaVu Serif", serif; font-size: 10pt; line-height: 1.45; }
h1, h2, h3, h4, h5, h6, caption, figcaption, .cover, .toc, th, .label, .hl-value {
  font-family: "DejaVu Sans", sans-serif; }
main { max-width: none; padding: 0; margin: 0; }
.doc-title { string-set: doctitle content(); font-size: 24pt; margin-top: 30mm; }
.region { font-size: 15pt; }
.cover { border-bottom: none; break-after: page; }
.headline li { break-inside: avoid; }
.toc { break-after: page; }
.toc a::after { content: leader('.') target-counter(attr(href), page); }
.toc a { display: block; }
.toc .num { min-width: 2.4em; }
section.level-1 { break-before: page; }
h1 { font-size: 17pt; margin-top: 0; }
h2 { font-size: 13pt; } h3 { font-size: 11pt; }
h1, h2, h3, h4, h5, h6, caption, figcaption, .draft .label, .missing .label { break-after: avoid; }
p { orphans: 2; widows: 2; }
.table-block { overflow: visible; }
table { font-size: 8pt; }
thead { display: table-header-group; }
tr, .headline li, .draft, .missing { break-inside: avoid; }
caption { break-after: avoid; }
figure.chart { break-inside: avoid; }
figure.chart svg, figure.chart img { max-height: 150mm; width: auto; max-width: 100%%; }
.notes, .source { break-before: avoid; }
a { color: inherit; text-decoration: none; }
"""


def print_css(page_size: str = "letter") -> str:
    """The print stylesheet for one page size ('letter' or 'a4')."""
    size = PAGE_SIZES.get(str(page_size).lower())
    if size is None:
        raise ExportPlanError(f"Unknown page size '{page_size}'. Use one of: {', '.join(PAGE_SIZES)} "
                              "(letter for a US audience).")
    return PRINT_CSS % {"size": size}


def _quiet_subset_notice(record: logging.LogRecord) -> bool:
    """Drop WeasyPrint's notice that fonts are subset with fontTools (the system lacks HarfBuzz-Subset): the PDF is
    the same, and the notice would be printed once per font on every build."""
    return "instead of HarfBuzz-Subset" not in record.getMessage()


def weasyprint_module():
    """WeasyPrint, imported without its warning about a missing HarfBuzz-Subset library (see above)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="HarfBuzz-Subset will be required", category=DeprecationWarning)
        import weasyprint
    logger = logging.getLogger("weasyprint")
    if _quiet_subset_notice not in logger.filters:
        logger.addFilter(_quiet_subset_notice)
    return weasyprint


def offline_fetcher():
    """A WeasyPrint URL fetcher that serves ``data:`` URIs only and refuses everything else (no network, no files)."""
    weasyprint_module()
    from weasyprint.urls import URLFetcher

    class OfflineFetcher(URLFetcher):
        def fetch(self, url, headers=None):  # noqa: D102 - WeasyPrint's interface
            if not str(url).lower().startswith("data:"):
                raise ValueError(f"the plan's PDF loads nothing from outside the page (refused {url[:80]})")
            return super().fetch(url, headers)

    return OfflineFetcher(allowed_protocols=("data",), fail_on_errors=False)


@contextmanager
def source_date(date: str) -> Iterator[None]:
    """Set ``SOURCE_DATE_EPOCH`` to the plan's date while the PDF is written (unless already set).

    The embedded font subsets carry a "modified" time, which the font tools take
    from this variable (the reproducible-builds convention) instead of the clock.
    """
    if "SOURCE_DATE_EPOCH" in os.environ:
        yield
        return
    try:
        stamp = int(datetime.strptime(str(date)[:10], "%Y-%m-%d").replace(tzinfo=timezone.utc).timestamp())
    except ValueError:
        stamp = 0
    os.environ["SOURCE_DATE_EPOCH"] = str(max(stamp, 0))
    try:
        yield
    finally:
        os.environ.pop("SOURCE_DATE_EPOCH", None)


def render_pdf(plan: Plan, *, page_size: str = "letter") -> bytes:
    """The plan's PDF as bytes: identical for one plan (file identifier from its text, dates from its date)."""
    weasyprint = weasyprint_module()
    css = print_css(page_size)
    page = render_html(plan, extra_css=css, charts="png")
    identifier = hashlib.sha256(page.encode("utf-8")).hexdigest()[:32].encode("ascii")
    document = weasyprint.HTML(string=page, base_url=None, url_fetcher=offline_fetcher())
    with source_date(plan.date):
        return document.write_pdf(pdf_identifier=identifier)


def write_pdf(plan: Plan, path: str | Path, *, page_size: str = "letter") -> Path:
    """Write the plan's PDF to ``path`` (atomically); returns the path."""
    path = Path(path)
    data = render_pdf(plan, page_size=page_size)
    with atomic_output(path) as tmp:
        tmp.write_bytes(data)
    return path


def page_size_for(country: str) -> str:
    """'letter' for a US or Canadian audience, else 'a4'."""
    return "letter" if re.fullmatch(r"(?i)us|usa|united states|ca|canada", country.strip()) else "a4"


__all__ = ["PAGE_SIZES", "PRINT_CSS", "offline_fetcher", "page_size_for", "print_css", "render_pdf", "write_pdf"]
