"""Templates and the helpers pages render with.

``render(request, "companies.html", title="Companies", rows=...)`` renders a template of
``web/templates/`` (they extend ``base.html``) with, besides the given context:

- ``user`` (the signed-in user's record, or None) and ``role``;
- ``csrf_token`` (put ``{{ csrf_field() }}`` in every form that posts);
- ``nav``: (label, path) of the pages the user may open, and ``path`` (the current page);
- ``flash``: the message a previous request left with :func:`flash` (shown once);
- ``workspace_name`` and ``is_sample``.

Every template is autoescaped (text from the data is shown as text, never as markup) and an
undefined name is an error (StrictUndefined), so a typo fails the tests instead of showing
nothing. :func:`table_html` renders a frame as an accessible table, :func:`svg_figure` a chart.
"""
from __future__ import annotations

import base64
import math
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence
from urllib.parse import quote, unquote

import jinja2
from markupsafe import Markup, escape
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from .routes import nav_items
from .security import CSRF_FIELD, clear_cookie, csrf_token, set_cookie

TEMPLATES = Path(__file__).resolve().parent / "templates"
#: The cookie that carries a message to the next page (a redirect after a form).
FLASH_COOKIE = "exportplan_flash"

ENV = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                         undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def render(request: Request, template: str, *, status_code: int = 200, headers: Mapping[str, str] | None = None,
           **context: Any) -> HTMLResponse:
    """The page ``template`` rendered with ``context`` and the common names (see the module docstring)."""
    user = getattr(request.state, "user", None)
    token = csrf_token(request)
    message = unquote(request.cookies.get(FLASH_COOKIE, ""))[:500]
    base = getattr(request.app.state, "workspace", None)
    common = dict(
        request=request, user=user, role=(user or {}).get("role", ""), csrf_token=token,
        csrf_field=lambda: Markup(f'<input type="hidden" name="{CSRF_FIELD}" value="{escape(token)}">'),
        nav=nav_items(request.app.routes, user), path=request.url.path, flash=message,
        workspace_name=base.name if base is not None else "exportplan",
        is_sample=bool(base.is_sample) if base is not None else False,
    )
    common.update(context)
    common.setdefault("title", "")
    response = HTMLResponse(ENV.get_template(template).render(**common), status_code=status_code,
                            headers=dict(headers or {}))
    if message:
        clear_cookie(response, request, FLASH_COOKIE)
    return response


def flash(response: Response, request: Request, message: str) -> Response:
    """Leave ``message`` for the next page this browser opens (e.g. "Saved." after a redirect)."""
    set_cookie(response, request, FLASH_COOKIE, quote(str(message)[:500], safe=""), max_age=120)
    return response


def _cell(value: Any, fmt: str | Callable | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    try:
        import pandas as pd

        if value is pd.NA or value is pd.NaT:
            return ""
    except ImportError:  # pragma: no cover
        pass
    if callable(fmt):
        return str(fmt(value))
    if fmt:
        try:
            return format(value, fmt)
        except (TypeError, ValueError):
            return str(value)
    if isinstance(value, float):
        return f"{value:,.2f}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def table_html(frame, *, caption: str, columns: Sequence[str] | Mapping[str, str] | None = None,
               formats: Mapping[str, str | Callable] | None = None, row_header: str | None = None,
               numeric: Sequence[str] | None = None, max_rows: int | None = None, empty: str = "Nothing yet.",
               css_class: str = "data", caption_hidden: bool = False, nowrap: Sequence[str] = ()) -> Markup:
    """A pandas frame (or a list of records: dicts of column -> value) as an accessible HTML table inside a
    container that scrolls sideways on small screens.

    ``caption`` names the table (for screen readers and as its title); ``columns`` picks and orders
    the columns (a mapping also renames them: column -> heading); ``formats`` gives a column a
    format spec (``",.0f"``) or a function; ``row_header`` makes that column each row's header
    (``<th scope="row">``); numbers are right-aligned. Every value is escaped. ``caption_hidden`` keeps
    the caption for screen readers only (when a heading above already names the table); ``nowrap``
    columns keep their values on one line (dates).
    """
    records = None if hasattr(frame, "columns") else [dict(r) for r in frame]  # a frame, or records
    present = list(frame.columns) if records is None else list(dict.fromkeys(k for r in records for k in r))
    if records is not None and columns is not None:  # records may lack a column no row has a value for
        present += [c for c in columns if c not in present]
    if columns is None:
        headings = {str(c): str(c) for c in present}
    elif isinstance(columns, Mapping):
        headings = {str(c): str(h) for c, h in columns.items() if c in present}
    else:
        headings = {str(c): str(c) for c in columns if c in present}
    formats = dict(formats or {})
    if numeric is None and records is None:
        numeric = [c for c in headings if str(frame[c].dtype)[:3] in ("int", "flo", "Int", "Flo", "uin", "UIn")]
    elif numeric is None:
        numeric = [c for c in headings if _numbers([r.get(c) for r in records])]
    numeric = set(numeric)

    def classes(col: str) -> str:
        names = [n for n, on in (("num", col in numeric), ("nowrap", col in nowrap)) if on]
        return f' class="{" ".join(names)}"' if names else ""
    if records is None:
        rows = frame if max_rows is None else frame.head(max_rows)
        records_shown = rows[list(headings)].to_dict("records")
    else:
        records_shown = records if max_rows is None else records[:max_rows]
        rows = records_shown
    hidden = ' class="visually-hidden"' if caption_hidden else ""
    out = [f'<div class="table-wrap" role="region" aria-label="{escape(caption)}" tabindex="0">',
           f'<table class="{escape(css_class)}"><caption{hidden}>{escape(caption)}</caption><thead><tr>']
    for col, heading in headings.items():
        cls = ' class="num"' if col in numeric else ""
        out.append(f'<th scope="col"{cls}>{escape(heading)}</th>')
    out.append("</tr></thead><tbody>")
    if not len(rows):
        out.append(f'<tr><td colspan="{max(len(headings), 1)}">{escape(empty)}</td></tr>')
    for record in records_shown:
        out.append("<tr>")
        for col in headings:
            text = escape(_cell(record.get(col), formats.get(col)))
            cls = classes(col)
            tag = f'th scope="row"{cls}' if col == row_header else f"td{cls}"
            out.append(f"<{tag}>{text}</{tag.split()[0]}>")
        out.append("</tr>")
    out.append("</tbody></table></div>")
    total = len(frame) if records is None else len(records)
    if max_rows is not None and total > max_rows:
        out.append(f'<p class="note">Showing {max_rows:,} of {total:,} rows.</p>')
    return Markup("".join(out))


def _numbers(values: list) -> bool:
    """True when every value given is a number (booleans are not) and at least one is given."""
    given = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    return bool(given) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in given)


def svg_figure(svg: str | bytes | Path, *, alt: str, caption: str | None = None, css_class: str = "chart") -> Markup:
    """A server-rendered SVG chart (text, bytes or a file) in the page, as an image with a text alternative.

    The SVG goes in a ``data:`` URL of an ``<img>``: it is drawn like any image, needs no extra
    request, and whatever it holds (styles, a map's scripts) stays inside the image, so the
    page's Content-Security-Policy (no inline styles or scripts) still holds.
    """
    if isinstance(svg, Path):
        data = svg.read_bytes()
    elif isinstance(svg, str):
        data = svg.encode("utf-8")
    else:
        data = bytes(svg)
    src = "data:image/svg+xml;base64," + base64.b64encode(data).decode("ascii")
    img = f'<img class="{escape(css_class)}" src="{src}" alt="{escape(alt)}">'
    if caption is None:
        return Markup(img)
    return Markup(f"<figure>{img}<figcaption>{escape(caption)}</figcaption></figure>")


def number(value: Any, digits: int = 0) -> str:
    """A number with thousands separators ('' when missing), for templates (filter ``number``)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    try:
        return f"{float(value):,.{digits}f}"
    except (TypeError, ValueError):
        return str(value)


ENV.filters["number"] = number
ENV.globals["table_html"] = table_html

__all__ = ["ENV", "render", "flash", "table_html", "svg_figure", "number", "FLASH_COOKIE"]
