"""Charts for the plan: the cluster bubble chart and score-contribution bars.

Drawn with matplotlib's object API on an Agg canvas (no pyplot, no display,
no global state), saved as PNG and SVG (and PDF on request). Output is
deterministic: a fixed SVG hash salt and no dates in the metadata, so that
re-running a plan gives byte-identical files. SVG text stays text (not
glyph outlines), so labels can be searched, read aloud and tested.

Every chart has a footer with its source and vintage, says what it leaves
out, and says SAMPLE DATA when it is drawn from the sample workspace.
"""
from __future__ import annotations

import math
import os
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.text import Text
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter, PercentFormatter

from exportplan.errors import ExportPlanError
from exportplan.output.tables import as_pandas, atomic_output, column_format

#: Image formats a chart can be saved in.
CHART_FORMATS = ("png", "svg", "pdf")
DEFAULT_FORMATS = ("png", "svg")
DPI = 150
SAMPLE_LABEL = "SAMPLE DATA: illustrative figures, not real data"

_RC = {
    "svg.hashsalt": "exportplan",  # fixed ids: identical SVG on every run
    "svg.fonttype": "none",  # keep text as <text>, not glyph paths
    "font.family": "DejaVu Sans",
    "font.size": 9,
    "axes.titlesize": 13,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
}
# No dates or version strings in the files, so re-runs are byte-identical.
_METADATA = {"png": {"Software": None}, "svg": {"Date": None},
             "pdf": {"CreationDate": None, "ModDate": None}}
_SHORT = {"lq": "LQ"}
# A light box rather than a stroke path effect: path effects turn SVG text into glyph outlines.
_LABEL_BOX = {"boxstyle": "round,pad=0.12", "facecolor": "white", "edgecolor": "none", "alpha": 0.7}
_AXIS_LABELS = {"lq": "Location quotient (LQ; 1 = national average)",
                "growth": "Employment growth", "employment": "Employment"}


# --------------------------------------------------------------------------- shared helpers


@contextmanager
def chart_style():
    """The matplotlib settings every exportplan chart is drawn and saved with."""
    with matplotlib.rc_context(_RC):
        yield


def source_line(meta: Mapping | None) -> str:
    """'Source: BLS, QCEW (2018-2023 annual); ...' from a table's meta (see output.tables).

    Sources of the same publisher and dataset (e.g. one QCEW file per county
    and year) are named once, with their vintages merged.
    """
    parts: dict[str, list[str]] = {}
    for src in (meta or {}).get("sources") or []:
        if isinstance(src, str):
            parts.setdefault(src, [])
            continue
        who = ", ".join(str(src[k]) for k in ("publisher", "dataset") if src.get(k))
        vintages = parts.setdefault(who, [])
        if src.get("vintage") and str(src["vintage"]) not in vintages:
            vintages.append(str(src["vintage"]))
    texts = [f"{who} ({_merge_vintages(v)})" if v else who for who, v in parts.items() if who]
    return "Source: " + "; ".join(texts) if texts else ""


def _merge_vintages(vintages: list[str]) -> str:
    """'2018 annual', '2019 annual' ... -> '2018-2023 annual' when they are consecutive years of one kind."""
    split = [v.split(" ", 1) for v in vintages]
    if all(len(p) == 2 and p[0].isdigit() for p in split) and len({p[1] for p in split}) == 1:
        years = sorted(int(p[0]) for p in split)
        if years == list(range(years[0], years[-1] + 1)):
            span = str(years[0]) if len(years) == 1 else f"{years[0]}-{years[-1]}"
            return f"{span} {split[0][1]}"
    return ", ".join(sorted(vintages))


def output_paths(path: str | os.PathLike, formats: Iterable[str] = DEFAULT_FORMATS) -> list[Path]:
    """The files a chart is written to: ``path`` with each format's suffix.

    A suffix already on ``path`` that is a chart format (``chart.png``) is
    replaced; any other (``bubble.2023``) is kept and the format appended.
    """
    path = Path(path)
    formats = [formats] if isinstance(formats, str) else formats
    formats = [f.lower().lstrip(".") for f in formats]
    bad = [f for f in formats if f not in CHART_FORMATS]
    if bad or not formats:
        raise ExportPlanError(f"Cannot save a chart as {bad or 'nothing'}: choose from {', '.join(CHART_FORMATS)}.")
    stem = path.with_suffix("") if path.suffix.lower().lstrip(".") in CHART_FORMATS else path
    return [stem.with_name(f"{stem.name}.{f}") for f in dict.fromkeys(formats)]


def save_figure(fig: Figure, path: str | os.PathLike, formats: Iterable[str] = DEFAULT_FORMATS) -> list[Path]:
    """Save ``fig`` atomically in each format; return the paths written."""
    written = []
    for out in output_paths(path, formats):
        fmt = out.suffix.lstrip(".")
        with atomic_output(out) as tmp, chart_style():
            fig.savefig(tmp, format=fmt, dpi=DPI, metadata=_METADATA[fmt], facecolor="white")
        written.append(out)
    return written


def new_figure(width: float, height: float, footer_rows: int) -> tuple[Figure, object, object]:
    """A figure with a main axes and a text-only footer strip (``footer_rows`` lines) below it."""
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    footer_in = 0.17 * max(footer_rows, 1) + 0.1
    grid = fig.add_gridspec(2, 1, height_ratios=[height - footer_in, footer_in])
    ax = fig.add_subplot(grid[0])
    footer_ax = fig.add_subplot(grid[1])
    footer_ax.set_axis_off()
    return fig, ax, footer_ax


def footer_lines(source_note: str, notes: Sequence[str] = (), width: int = 150) -> list[str]:
    """The footer text as wrapped lines: the source first, then the notes."""
    lines = []
    for text in [source_note or "Source: not given", *notes]:
        lines += textwrap.wrap(text, width) or [""]
    return lines


def draw_footer(footer_ax, lines: Sequence[str], sample_data: bool):
    """Write the footer lines under a red SAMPLE DATA line when it applies; return the Text."""
    if sample_data:
        footer_ax.annotate(SAMPLE_LABEL, xy=(0.01, 1), xycoords=("figure fraction", "axes fraction"),
                           va="top", ha="left", fontsize=8, color="#b00020", fontweight="bold")
    # x from the figure's left edge: long y-axis labels push the axes right, and the
    # footer must still fit the page width it was wrapped for.
    return footer_ax.annotate("\n".join(lines), xy=(0.01, 1), xycoords=("figure fraction", "axes fraction"),
                              xytext=(0, -13 if sample_data else 0), textcoords="offset points",
                              va="top", ha="left", fontsize=7.5, color="#333333", linespacing=1.35)


def footer_height(lines: Sequence[str], sample_data: bool) -> int:
    """How many text lines the footer needs (for :func:`new_figure`)."""
    return len(lines) + (1 if sample_data else 0)


def watermark(ax, zorder: float = 0) -> None:
    """A faint diagonal SAMPLE DATA across the plot, so a cropped chart still says it."""
    ax.text(0.5, 0.5, "SAMPLE DATA", transform=ax.transAxes, ha="center", va="center",
            fontsize=44, color="#b00020", alpha=0.08, rotation=25, zorder=zorder, fontweight="bold")


def start_chart(width: float, height: float, *, title: str, source_note: str, notes: Sequence[str],
                sample_data: bool, watermark_zorder: float = 0):
    """A figure with its title, footer and (sample) watermark in place.

    They go in first so that the layout is final before anything is placed
    by measuring (bubble labels). Returns the figure, the main axes and the
    footer's Text (whose text may be updated if the line count stays).
    """
    lines = footer_lines(source_note, notes)
    fig, ax, footer_ax = new_figure(width, height, footer_height(lines, sample_data))
    fig.suptitle(title, x=0.01, ha="left", fontsize=13, fontweight="bold")
    footer = draw_footer(footer_ax, lines, sample_data)
    if sample_data:
        watermark(ax, zorder=watermark_zorder)
    return fig, ax, footer


def _need_columns(df: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [c for c in columns if c is not None and c not in df.columns]
    if missing:
        raise ExportPlanError(f"The {what} needs column(s) {missing}, but the table has {list(df.columns)}.")


def _truncate(text: object, limit: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _resolve_notes(source_note: str | None, meta: Mapping | None, sample_data: bool | None):
    note = source_note if source_note is not None else source_line(meta)
    sample = bool((meta or {}).get("sample_data")) if sample_data is None else sample_data
    return note, sample


# --------------------------------------------------------------------------- bubble chart


def _nice(value: float) -> float:
    """Round to one significant digit (1, 2 or 5 times a power of ten)."""
    if value <= 0:
        return 0.0
    power = 10 ** math.floor(math.log10(value))
    return min((1, 2, 5, 10), key=lambda m: abs(m * power - value)) * power


def _categories(series: pd.Series) -> list:
    if isinstance(series.dtype, pd.CategoricalDtype):
        return [c for c in series.cat.categories if (series == c).any()]
    return sorted(series.dropna().unique(), key=lambda v: (str(type(v)), v))


def _palette(n: int) -> list:
    cmap = matplotlib.colormaps["tab10"]
    return [cmap(i % 10) for i in range(n)]


def _percent_axis(col: str) -> bool:
    return column_format(col) == ".1%"


def _use_log_x(values: pd.Series, xscale: str) -> bool:
    if xscale != "auto":
        return xscale == "log"
    return bool((values > 0).all() and values.max() / values.min() >= 20)


def _draw_bubbles(ax, data: pd.DataFrame, x: str, y: str, area: np.ndarray, color: str | None) -> list:
    """Scatter the bubbles (largest first, so small ones stay on top); legend handles."""
    order = np.argsort(-area, kind="stable")
    data, area = data.iloc[order], area[order]
    if color is None:
        ax.scatter(data[x], data[y], s=area, color="#1f77b4", alpha=0.6, edgecolor="white", linewidth=0.8)
        return []
    handles = []
    cats = _categories(data[color])
    for cat, col in zip(cats + [None], _palette(len(cats)) + ["#9e9e9e"]):
        mask = data[color].isna().to_numpy() if cat is None else (data[color] == cat).to_numpy()
        if not mask.any():
            continue
        ax.scatter(data[x][mask], data[y][mask], s=area[mask], color=col, alpha=0.65,
                   edgecolor="white", linewidth=0.8)
        handles.append(ax.scatter([], [], s=60, color=col, alpha=0.65, label="n/a" if cat is None else str(cat)))
    return handles


def _size_handles(ax, size_max: float, max_area: float) -> list:
    values = sorted({_nice(size_max), _nice(size_max / 4), _nice(size_max / 16)} - {0.0}, reverse=True)
    return [ax.scatter([], [], s=max_area * v / size_max, facecolor="none", edgecolor="#555555",
                       label=f"{v:,.0f}" if v >= 1 else f"{v:g}") for v in values]


def _reference_lines(ax, y_ref: float, y_ref_label: str, percent: bool) -> list:
    """Dashed lines at LQ = 1 and at ``y_ref``, each with its label; returns the lines and labels."""
    lines = [ax.axvline(1.0, color="#555555", linestyle="--", linewidth=1, zorder=1),
             ax.axhline(y_ref, color="#555555", linestyle="--", linewidth=1, zorder=1)]
    # Above the bubbles, on a light box, so that a bubble drawn over a line's end cannot hide its label.
    style = {"textcoords": "offset points", "fontsize": 7.5, "color": "#555555", "bbox": _LABEL_BOX, "zorder": 4}
    lq_one = ax.annotate("LQ = 1", xy=(1.0, 1.0), xycoords=("data", "axes fraction"), xytext=(3, -3),
                         va="top", **style)
    shown = f"{y_ref:.1%}" if percent else f"{y_ref:,.2f}"
    y_line = ax.annotate(f"{y_ref_label} ({shown})", xy=(1.0, y_ref), xycoords=("axes fraction", "data"),
                         xytext=(-3, 3), ha="right", va="bottom", **style)
    return [*lines, lq_one, y_line]


def _log_x_axis(ax, values: pd.Series) -> None:
    """A log x axis whose ticks can be read as plain numbers (0.2, 0.5, 1, 2, 5, ...).

    Ticks at 1, 2 and 5 of each decade while that stays a handful, so that a
    range such as 0.07-2.5 gets more than the two ticks 0.1 and 1; minor
    ticks stay unlabelled (matplotlib would write them as 2×10⁻¹).
    """
    ax.set_xscale("log")
    positive = values[values > 0]
    decades = math.log10(positive.max() / positive.min()) if len(positive) else 0.0
    subs = (1.0,) if decades > 4 else (1.0, 2.0, 5.0) if decades > 0.7 else tuple(range(1, 10))
    ax.xaxis.set_major_locator(LogLocator(base=10, subs=subs))
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.xaxis.set_minor_formatter(NullFormatter())


# Label placement works in display pixels; distances below are in points and scaled.
# A label within this of its bubble's edge, and further by at least as much again from every
# other bubble, is read as that bubble's without a leader line.
_NEAR_PT = 6.0
_GAPS_PT = (2.0, 10.0, 20.0, 34.0, 52.0, 76.0, 104.0, 136.0, 172.0)  # label-to-edge gaps tried, nearest first
_MIN_LEADER_PT = 8.0  # a shorter leader line would be too short to see
# Directions tried (degrees, every 15): right, left, above, below, the diagonals, then the rest;
# of two equally good spots the earlier wins.
_ANGLES = (0, 180, 90, 270, 45, 135, 315, 225, 15, 75, 105, 165, 195, 255, 285, 345,
           30, 60, 120, 150, 210, 240, 300, 330)
_LEADER = {"arrowstyle": "-", "color": "#444444", "alpha": 0.55, "linewidth": 0.7, "shrinkA": 0}


class _Scene:
    """What labels must keep clear of, in display pixels: bubbles, placed labels and leaders."""

    def __init__(self, centres: np.ndarray, radii: np.ndarray, scale: float, frame, boxes: list, rules: list):
        self.centres, self.radii, self.scale, self.frame = centres, radii, scale, frame
        self.rules = rules  # (start, end) of reference lines, which a leader must not run along
        # A bubble's centre (its inner half, at least 3 pt across) is never covered or crossed.
        self.cores = np.maximum(radii / 2, 3.0 * scale)
        self.boxes = list(boxes)  # (x0, y0, x1, y1) of placed labels and other text
        self.leaders: list[tuple[np.ndarray, np.ndarray]] = []


def _box_distances(boxes: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Distance from each box (rows of x0, y0, x1, y1) to each point: shape (boxes, points)."""
    dx = np.maximum(np.maximum(boxes[:, None, 0] - points[None, :, 0], points[None, :, 0] - boxes[:, None, 2]), 0)
    dy = np.maximum(np.maximum(boxes[:, None, 1] - points[None, :, 1], points[None, :, 1] - boxes[:, None, 3]), 0)
    return np.hypot(dx, dy)


def _ray_offsets(directions: np.ndarray, half: tuple[float, float], reach: np.ndarray) -> np.ndarray:
    """How far along each unit direction a box of half-size ``half`` must be centred
    so that its nearest point is ``reach`` from the origin (bisection: exact and monotone)."""
    ax_, ay_ = np.abs(directions[:, 0]), np.abs(directions[:, 1])
    lo, hi = np.zeros(len(reach)), reach + half[0] + half[1]
    for _ in range(40):
        mid = (lo + hi) / 2
        dist = np.hypot(np.maximum(mid * ax_ - half[0], 0), np.maximum(mid * ay_ - half[1], 0))
        short = dist < reach
        lo, hi = np.where(short, mid, lo), np.where(short, hi, mid)
    return hi


def _segment_hits_box(a: np.ndarray, b: np.ndarray, box) -> bool:
    """Whether segment a→b passes through the box (Liang–Barsky clipping)."""
    t0, t1 = 0.0, 1.0
    d = b - a
    for p, q in ((-d[0], a[0] - box[0]), (d[0], box[2] - a[0]), (-d[1], a[1] - box[1]), (d[1], box[3] - a[1])):
        if p == 0:
            if q < 0:
                return False
            continue
        t = q / p
        if p < 0:
            t0 = max(t0, t)
        else:
            t1 = min(t1, t)
        if t0 > t1:
            return False
    return True


def _segments_cross(a, b, c, d) -> bool:
    """Whether segments a→b and c→d properly intersect."""
    def side(p, q, r):
        return np.sign((q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0]))
    return side(a, b, c) * side(a, b, d) < 0 and side(c, d, a) * side(c, d, b) < 0


def _segment_distances(a: np.ndarray, b: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Distance from each point to segment a→b."""
    d = b - a
    t = np.clip(((points - a) @ d) / max(float(d @ d), 1e-12), 0, 1)
    return np.hypot(*(points - (a + t[:, None] * d)).T)


def _candidates(scene: _Scene, i: int, half: tuple[float, float]):
    """Every candidate label box around bubble ``i``, centred on rays from its centre.

    Returns the boxes (x0, y0, x1, y1), each ray's unit direction and how
    far along it each box's centre is. The gap between box and bubble edge
    grows through ``_GAPS_PT``, every direction at each gap.
    """
    angles = np.radians(np.tile(np.array(_ANGLES, dtype=float), len(_GAPS_PT)))
    gaps = np.repeat(_GAPS_PT, len(_ANGLES)) * scene.scale
    directions = np.column_stack([np.cos(angles), np.sin(angles)])
    t = _ray_offsets(directions, half, scene.radii[i] + gaps)
    centres = scene.centres[i] + t[:, None] * directions
    return np.column_stack([centres - half, centres + half]), directions, t


def _leader_ok(scene: _Scene, i: int, start: np.ndarray, end: np.ndarray) -> tuple[bool, int]:
    """Whether a leader from bubble ``i``'s edge (``start``) to its label (``end``) is clear,
    and how many other bubbles' bodies it crosses.

    Clear means: it crosses no label or leader, does not run along a reference
    line, passes no other bubble's centre, and meets its bubble's edge where
    that edge is visible (not inside another bubble), so it cannot be read as
    pointing at a neighbour.
    """
    if any(_segment_hits_box(start, end, box) for box in scene.boxes):
        return False, 0
    if any(_segments_cross(start, end, a, b) for a, b in scene.leaders):
        return False, 0
    ends = np.array([start, end])
    if any((_segment_distances(a, b, ends) < 4 * scene.scale).all() for a, b in scene.rules):
        return False, 0  # hidden in a dashed reference line
    dist = _segment_distances(start, end, scene.centres)
    # Bubbles that contain this one's centre cannot be avoided: the leader must cross them.
    around = np.hypot(*(scene.centres - scene.centres[i]).T) < scene.radii
    other = np.arange(len(dist)) != i
    at_edge = np.hypot(*(scene.centres - start).T) < scene.radii
    if (other & ~around & ((dist < scene.cores) | at_edge)).any():
        return False, 0
    return True, int((other & (dist < scene.radii)).sum())


def _best_spot(scene: _Scene, i: int, half: tuple[float, float], leaders: bool):
    """The best free place for bubble ``i``'s label: (box, leader segment or None), or None.

    Hard rules: inside the axes; over no other label, leader or bubble
    centre. A label that is not right beside its bubble, or is about as near
    another bubble, needs a leader line (allowed only with ``leaders``): then
    the label must not sit right beside another bubble, and the leader must
    be long enough to see and clear (see :func:`_leader_ok`). Among the
    rest the cheapest wins: nearest first, then fewer other bubbles covered
    by the label or crossed by its leader.
    """
    boxes, directions, t = _candidates(scene, i, half)
    frame, near = scene.frame, _NEAR_PT * scene.scale
    inside = ((boxes[:, 0] >= frame.x0) & (boxes[:, 1] >= frame.y0)
              & (boxes[:, 2] <= frame.x1) & (boxes[:, 3] <= frame.y1))
    edge_gap = _box_distances(boxes, scene.centres) - scene.radii  # (candidates, bubbles)
    others = np.arange(len(scene.radii)) != i
    clear = inside & ~((edge_gap + scene.radii < scene.cores) & others).any(axis=1)
    own = edge_gap[:, i]
    needs_leader = (own > near) | ((edge_gap < own[:, None] + near) & others).any(axis=1)
    # A label right beside another bubble would be read as that bubble's, leader line or not.
    beside = ((edge_gap >= 0) & (edge_gap < near) & others).any(axis=1)
    clear &= (~needs_leader | ((own >= _MIN_LEADER_PT * scene.scale) & ~beside)) if leaders else ~needs_leader
    covered = ((edge_gap < 0) & others).sum(axis=1)
    best, best_cost = None, math.inf
    # Labels side by side with no space between read as one; stacked ones need less.
    spacing = np.array([-5, -1, 5, 1]) * scene.scale
    for k in np.flatnonzero(clear):
        box = boxes[k]
        if any(_boxes_overlap(box + spacing, other) for other in scene.boxes) or \
                any(_segment_hits_box(a, b, box) for a, b in scene.leaders):
            continue
        cost = own[k] / scene.scale + 6.0 * covered[k] + k * 1e-3
        leader = None
        if needs_leader[k]:
            start = scene.centres[i] + directions[k] * scene.radii[i]
            end = scene.centres[i] + directions[k] * (t[k] - _box_depth(directions[k], half))
            ok, crossed = _leader_ok(scene, i, start, end)
            if not ok:
                continue
            leader = (start, end)
            cost += 20.0 * crossed
        if cost < best_cost:
            best, best_cost = (box, leader), cost
    return best


def _box_depth(direction: np.ndarray, half: tuple[float, float]) -> float:
    """Distance from a box's centre to its edge along ``direction``."""
    ax_, ay_ = abs(direction[0]), abs(direction[1])
    return min(half[0] / ax_ if ax_ > 1e-9 else math.inf, half[1] / ay_ if ay_ > 1e-9 else math.inf)


def _boxes_overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _extent(artist, renderer) -> tuple[float, float, float, float]:
    box = artist.get_window_extent(renderer)
    return box.x0, box.y0, box.x1, box.y1


def _label_bubbles(fig, ax, data: pd.DataFrame, x: str, y: str, label: str, area: np.ndarray, top: int,
                   avoid: Sequence = ()) -> int:
    """Label the ``top`` largest bubbles where a label fits without hiding another; return how many.

    Each label takes the nearest free spot around its bubble (see
    :func:`_best_spot`). A label placed away from its bubble, or about as
    near another bubble as its own, is joined to its bubble's edge by a thin
    leader line, so no label can be read as another bubble's. A label with
    no free spot is left out rather than drawn over the data. ``avoid`` are
    the reference lines (which no leader runs along) and their labels (which
    labels keep clear of).
    """
    fig.draw_without_rendering()  # run the layout so that data → pixel transforms are final
    renderer = fig.canvas.get_renderer()
    scale = fig.dpi / 72
    xy = data[[x, y]].to_numpy(dtype=float)
    texts = [_extent(a, renderer) for a in avoid if isinstance(a, Text)]
    rules = [tuple(a.get_transform().transform(a.get_xydata())) for a in avoid if isinstance(a, Line2D)]
    scene = _Scene(ax.transData.transform(xy), np.sqrt(area) / 2 * scale, scale,
                   ax.get_window_extent(renderer), texts, rules)
    probes = {}
    for i in np.argsort(-area, kind="stable")[:max(top, 0)]:
        probe = ax.annotate(_truncate(data[label].iloc[i], 28), xy=xy[i], xytext=(0, 0), textcoords="offset points",
                            ha="center", va="center", fontsize=7.5)
        probes[i] = _extent(probe, renderer)  # where the text sits around its anchor, before it moves
        probe.remove()
    placed = []
    # Labels that fit right beside their bubble go first (largest bubble first), then the rest
    # with leader lines, so that a far label never takes the one spot where another fits unaided.
    for leaders in (False, True):
        for i in [i for i in probes if i not in placed]:
            if _place_label(ax, scene, i, data[label].iloc[i], xy[i], probes[i], leaders, gid=len(placed)):
                placed.append(i)
    return len(placed)


def _place_label(ax, scene: _Scene, i: int, label: object, xy, probe: tuple, leaders: bool, gid: int) -> bool:
    """Draw bubble ``i``'s label at its best free spot (see :func:`_best_spot`); whether it found one.

    ``probe`` is the text's extent when centred on the bubble; the label is
    moved by the offset from there to the chosen box, so it lands exactly in it.
    """
    x0, y0, x1, y1 = probe
    pad = 1.5 * scene.scale  # the label's white box reaches a little beyond the text
    spot = _best_spot(scene, i, ((x1 - x0) / 2 + pad, (y1 - y0) / 2 + pad), leaders)
    if spot is None:
        return False
    box, leader = spot
    shift = ((box[0] + box[2] - x0 - x1) / 2 / scene.scale, (box[1] + box[3] - y0 - y1) / 2 / scene.scale)
    kw = {"arrowprops": {**_LEADER, "shrinkB": scene.radii[i] / scene.scale}} if leader else {}
    ann = ax.annotate(_truncate(label, 28), xy=xy, xytext=shift, textcoords="offset points", ha="center",
                      va="center", fontsize=7.5, bbox=_LABEL_BOX, zorder=5, gid=f"bubble-label-{gid}", **kw)
    ann.set_in_layout(False)
    scene.boxes.append(tuple(box))
    if leader:
        ann.arrow_patch.set_gid(f"bubble-leader-{gid}")
        scene.leaders.append(leader)
    return True


def bubble_chart(df: pd.DataFrame, *, x: str = "lq", y: str = "growth", size: str = "employment",
                 label: str = "name", color: str | None = None, title: str = "",
                 source_note: str | None = None, path: str | os.PathLike,
                 formats: Sequence[str] = DEFAULT_FORMATS, meta: Mapping | None = None,
                 sample_data: bool | None = None, reference_growth: float = 0.0,
                 reference_label: str | None = None, labels: int = 12, noun: str = "industries",
                 x_label: str | None = None, y_label: str | None = None, size_label: str | None = None,
                 xscale: str = "auto") -> list[Path]:
    """LQ × growth bubble chart, bubble area ∝ ``size``; returns the files written.

    Dashed reference lines mark LQ = 1 and ``reference_growth`` (0, or e.g.
    the nation's growth with ``reference_label='US growth'``). Bubbles are
    coloured by ``color`` (e.g. a tier column) with a legend, and the
    ``labels`` largest carry their ``label``: beside the bubble, or joined to
    it by a thin leader line when there is no room beside it; a label with
    no room at all is left out and counted in the footer. Rows missing
    ``x``, ``y`` or ``size`` (withheld cells) are left out and counted in the
    footer. The footer gives ``source_note`` (default: built from
    ``meta['sources']``), and SAMPLE DATA when ``sample_data`` (default:
    ``meta['sample_data']``). ``xscale`` is 'linear', 'log' or 'auto' (log
    when all LQs are above 0 and span 20×); on a log axis, rows with an LQ
    of 0 or less are left out and counted.
    """
    df = as_pandas(df)
    _need_columns(df, [x, y, size, label, color], "bubble chart")
    note, sample = _resolve_notes(source_note, meta, sample_data)
    data, dropped = _plottable(df, [x, y, size])
    log_x = bool(len(data)) and _use_log_x(data[x], xscale)
    off_axis = int((data[x] <= 0).sum()) if log_x else 0
    data = data[data[x] > 0].reset_index(drop=True) if off_axis else data
    notes = []
    if dropped:
        what = ", ".join(_SHORT.get(c, c) for c in (x, y)) + f" or {_SHORT.get(size, size)}"
        notes.append(f"{dropped} {noun} not shown: withheld or missing {what}.")
    if off_axis:  # only with xscale='log': 'auto' stays linear when an LQ is 0
        notes.append(f"{off_axis} {noun} not shown: {_SHORT.get(x, x)} of 0 or less, "
                     "which a log axis cannot show.")
    by = (size_label or _AXIS_LABELS.get(size, size)).lower()
    which = f"the {labels} largest by {by}" if len(data) > labels else f"all {noun} shown"
    if len(data) and labels > 0:
        notes.append(f"Labels: {which}.")
    with chart_style():
        fig, ax, footer = start_chart(11, 7.2, title=title, source_note=note, notes=notes, sample_data=sample)
        # Labels are placed by measuring text, whose width varies a little with resolution
        # (hinting): measure at the PNG's.
        fig.set_dpi(DPI)
        placed = _plot_bubbles(fig, ax, data, x=x, y=y, size=size, label=label, color=color, labels=labels,
                               reference=(reference_growth, reference_label),
                               axis_labels=(x_label, y_label, size_label),
                               xscale="log" if log_x else "linear")
        unplaced = max(min(labels, len(data)), 0) - placed
        if unplaced:  # same line count: the note only grows by a few words
            notes[-1] = f"Labels: {which} ({unplaced} without room for a label)."
            footer.set_text("\n".join(footer_lines(note, notes)))
        return save_figure(fig, path, formats)


def _plottable(df: pd.DataFrame, columns: list[str]) -> tuple[pd.DataFrame, int]:
    """Rows with finite numbers in ``columns`` (the last, the size, not negative); how many were dropped."""
    values = df[columns].apply(pd.to_numeric, errors="coerce")
    finite = np.isfinite(values.to_numpy(dtype=float, na_value=np.nan)).all(axis=1)
    keep = finite & (values[columns[-1]] >= 0).to_numpy(dtype=bool, na_value=False)
    data = df.loc[keep].assign(**{c: values[c][keep] for c in columns}).reset_index(drop=True)
    return data, int((~keep).sum())


def _plot_bubbles(fig, ax, data, *, x, y, size, label, color, labels, reference, axis_labels, xscale) -> int:
    """Everything inside the bubble chart's axes: bubbles, lines, legends, labels.

    Returns how many labels were placed.
    """
    x_label, y_label, size_label = axis_labels
    percent = _percent_axis(y)
    max_area = 2400.0
    size_max = float(data[size].max()) if len(data) else 0.0
    area = (np.maximum(max_area * data[size].to_numpy(float) / size_max, 8.0)
            if size_max > 0 else np.full(len(data), 30.0))
    if _use_log_x(data[x], xscale) and len(data):
        _log_x_axis(ax, data[x])
    handles = _draw_bubbles(ax, data, x, y, area, color) if len(data) else []
    if not len(data):  # nothing to autoscale on: fixed limits around the reference lines
        ax.set_xlim(0, 2)
        ax.set_ylim(reference[0] - 0.1, reference[0] + 0.1)
        ax.text(0.5, 0.5, "No data to show", transform=ax.transAxes, ha="center", va="center", fontsize=12)
    y_ref_label = reference[1] or ("reference growth" if reference[0] else "no growth")
    references = _reference_lines(ax, reference[0], y_ref_label, percent)
    if percent:
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel(x_label or _AXIS_LABELS.get(x, x))
    ax.set_ylabel(y_label or _AXIS_LABELS.get(y, y))
    ax.margins(0.08)
    ax.grid(True, color="#eeeeee", linewidth=0.6, zorder=0)
    ax.set_axisbelow(True)
    legend_kw = {"loc": "upper left", "frameon": False, "fontsize": 8, "title_fontsize": 8.5}
    if handles:
        colours = ax.legend(handles=handles, title=color.replace("_", " ").capitalize(),
                            bbox_to_anchor=(1.02, 1.0), **legend_kw)
        ax.add_artist(colours)
    if size_max > 0:
        # Wide handles and generous spacing: the largest key bubble is ~50 pt across.
        ax.legend(handles=_size_handles(ax, size_max, max_area), labelspacing=2.4, borderpad=1.0,
                  handlelength=6.5, handletextpad=0.8,
                  title=size_label or _AXIS_LABELS.get(size, size),
                  bbox_to_anchor=(1.02, 0.55 if handles else 1.0), **legend_kw)
    return _label_bubbles(fig, ax, data, x, y, label, area, labels, avoid=references) if len(data) else 0


# --------------------------------------------------------------------------- contribution chart


def contribution_chart(table: pd.DataFrame, *, criteria: Sequence[tuple[str, str]], name_col: str = "name",
                       score_col: str = "score", top: int = 15, title: str = "",
                       source_note: str | None = None, path: str | os.PathLike,
                       formats: Sequence[str] = DEFAULT_FORMATS, meta: Mapping | None = None,
                       sample_data: bool | None = None, noun: str = "alternatives") -> list[Path]:
    """Stacked horizontal bars of each alternative's per-criterion contributions.

    ``criteria`` is a list of (key, label); the table has ``contrib_<key>``
    columns (``w_j · x̂_aj``) that add up to ``score_col``. The ``top``
    alternatives by score are shown, best at the top, with the score at the
    end of each bar (and the share of weight observed when a ``coverage``
    column is below 1). Returns the files written.
    """
    if not criteria:
        raise ExportPlanError("contribution_chart needs at least one (key, label) criterion.")
    table = as_pandas(table)
    contrib_cols = [f"contrib_{key}" for key, _ in criteria]
    _need_columns(table, [name_col, score_col, *contrib_cols], "contribution chart")
    note, sample = _resolve_notes(source_note, meta, sample_data)
    scored = table[pd.to_numeric(table[score_col], errors="coerce").notna()]
    shown = scored.sort_values(score_col, ascending=False, kind="stable").head(top).reset_index(drop=True)
    notes = []
    if len(scored) > len(shown):
        notes.append(f"Showing the top {len(shown)} of {len(scored)} {noun} by score.")
    if len(table) > len(scored):
        notes.append(f"{len(table) - len(scored)} {noun} not shown: no score.")
    with chart_style():
        height = 1.9 + 0.36 * max(len(shown), 3)
        fig, ax, _ = start_chart(10, height, title=title, source_note=note, notes=notes, sample_data=sample)
        _plot_contributions(ax, shown, criteria, name_col, score_col)
        return save_figure(fig, path, formats)


def _score_label(row: pd.Series, score_col: str) -> str:
    text = f"{float(row[score_col]):.3f}"
    coverage = pd.to_numeric(row.get("coverage"), errors="coerce")
    if pd.notna(coverage) and coverage < 1:
        text += f"  ({coverage:.0%} of weight observed)"
    return text


def _plot_contributions(ax, shown: pd.DataFrame, criteria, name_col: str, score_col: str) -> None:
    """The stacked bars, the score at each bar's end and the criteria legend."""
    ypos = np.arange(len(shown))
    left = np.zeros(len(shown))
    for (key, lab), col in zip(criteria, _palette(len(criteria))):
        width = pd.to_numeric(shown[f"contrib_{key}"], errors="coerce").fillna(0.0).to_numpy(float)
        ax.barh(ypos, width, left=left, height=0.7, color=col, label=lab, edgecolor="white", linewidth=0.5)
        left += width
    ends = np.maximum(left, pd.to_numeric(shown[score_col]).to_numpy(float))
    for yy, end, (_, row) in zip(ypos, ends, shown.iterrows()):
        ax.text(end, yy, "  " + _score_label(row, score_col), va="center", ha="left", fontsize=8)
    names = [f"{i + 1}. {_truncate(n, 40)}" for i, n in enumerate(shown[name_col])]
    ax.set_yticks(ypos, names)
    ax.invert_yaxis()
    has_coverage = "coverage" in shown and (pd.to_numeric(shown["coverage"], errors="coerce") < 1).any()
    ax.set_xlim(0, (ends.max() if len(ends) else 1.0) * (1.45 if has_coverage else 1.15) or 1.0)
    ax.set_xlabel("Score (sum of weighted criterion contributions)")
    ax.tick_params(axis="y", length=0)
    ax.grid(True, axis="x", color="#eeeeee", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.legend(loc="lower left", bbox_to_anchor=(0, 1.0), ncol=len(criteria) if len(criteria) <= 6 else 4, frameon=False,
              fontsize=8, handlelength=1.2)
