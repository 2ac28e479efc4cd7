"""Text on charts: wrapped labels, exact tick labels and bubble-label placement.

Bubble labels are placed by measuring: each label takes the nearest free
spot around its bubble, or is joined to it by a thin leader line that runs
into no other bubble; a label with no such spot is left out (and counted by
the caller) rather than drawn over the data.
"""
from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.lines import Line2D
from matplotlib.text import Text
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

# A light box rather than a stroke path effect: path effects turn SVG text into glyph outlines.
LABEL_BOX = {"boxstyle": "round,pad=0.12", "facecolor": "white", "edgecolor": "none", "alpha": 0.7}
LABEL_WIDTH = 22  # characters per line of a bubble label
LABEL_LINES = 3


# --------------------------------------------------------------------------- wrapping


def wrap_label(text: object, width: int = LABEL_WIDTH, max_lines: int = LABEL_LINES) -> str:
    """``text`` wrapped at word boundaries into at most ``max_lines`` lines of about ``width`` characters.

    A name that would need more lines may use lines up to half as long again
    (so that 'Administrative and Support and Waste Management and
    Remediation Services' still fits whole); a longer one ends with the last
    whole word that fits and an ellipsis, never a cut word. A single word
    longer than a line stays whole.

    >>> wrap_label("Information Technology and Analytical Instruments")
    'Information Technology\\nand Analytical\\nInstruments'
    """
    words = " ".join(str(text).split())
    for w in range(width, width + width // 2 + 1):
        lines = textwrap.wrap(words, w, break_long_words=False, break_on_hyphens=False) or [""]
        if len(lines) <= max_lines:
            return "\n".join(lines)
    kept = lines[:max_lines]
    last = kept[-1].split()
    while len(last) > 1 and len(" ".join(last)) + 2 > w:
        last.pop()
    kept[-1] = " ".join(last).rstrip(",;:") + " …"
    return "\n".join(kept)


# --------------------------------------------------------------------------- exact tick labels


def _decimals(value: float, most: int = 6) -> int:
    """The fewest decimals that write ``value`` exactly (to float noise)."""
    for d in range(most + 1):
        if abs(round(value, d) - value) <= 1e-9 * max(1.0, abs(value)):
            return d
    return most


def exact_number(value: float, _pos=None) -> str:
    """A tick value written in full, with as many decimals as it has: 0.25, 1, 2.5, 10,000."""
    if value == 0:
        return "0"
    d = _decimals(value)
    return f"{value:,.{d}f}".replace("-", "\N{MINUS SIGN}")


def exact_percent(value: float, _pos=None) -> str:
    """A share as a percentage with as many decimals as it needs: 0.075 → '7.5%', never '8%'."""
    return exact_number(value * 100) + "%"


def exact_percent_formatter() -> FuncFormatter:
    return FuncFormatter(exact_percent)


def log_axis(ax, which: str, values: pd.Series) -> None:
    """Make ``ax``'s ``which`` axis ('x' or 'y') logarithmic, with ticks that read as plain, exact numbers.

    Ticks at 1, 2 and 5 of each decade while that stays a handful, so that a
    range such as 0.07-2.5 gets more than the two ticks 0.1 and 1; minor
    ticks stay unlabelled (matplotlib would write them as 2×10⁻¹).
    """
    (ax.set_xscale if which == "x" else ax.set_yscale)("log")
    axis = ax.xaxis if which == "x" else ax.yaxis
    positive = values[values > 0]
    decades = math.log10(positive.max() / positive.min()) if len(positive) else 0.0
    subs = (1.0,) if decades > 4 else (1.0, 2.0, 5.0) if decades > 0.7 else tuple(range(1, 10))
    axis.set_major_locator(LogLocator(base=10, subs=subs))
    axis.set_major_formatter(FuncFormatter(exact_number))
    axis.set_minor_formatter(NullFormatter())


# --------------------------------------------------------------------------- bubble labels


# Label placement works in display pixels; distances below are in points and scaled.
# A label within this of its bubble's edge, and further by at least as much again from every
# other bubble, is read as that bubble's without a leader line.
_NEAR_PT = 6.0
_GAPS_PT = (2.0, 10.0, 20.0, 34.0, 52.0, 76.0, 104.0, 136.0, 172.0)  # label-to-edge gaps tried, nearest first
_MIN_LEADER_PT = 8.0  # a shorter leader line would be too short to see
#: The longest leader line, as a share of the axes' diagonal; a label that needs a longer one is left out.
MAX_LEADER = 0.15
_LEADER_CLEAR_PT = 1.0  # a leader keeps this far from every other bubble's edge
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
        self.max_leader = math.inf  # longest leader line allowed, in pixels


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
    and how many other bubbles' bodies it crosses (only ones it cannot avoid).

    Clear means: it crosses no label or leader, does not run along a reference
    line, and runs into no other bubble (it keeps ``_LEADER_CLEAR_PT`` from
    their edges), so that it cannot be read as pointing at a neighbour. The
    one exception is a bubble drawn around bubble ``i``'s centre, which every
    leader from ``i`` must cross.
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
    if (other & ~around & (dist < scene.radii + _LEADER_CLEAR_PT * scene.scale)).any():
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
            if math.hypot(*(end - start)) > scene.max_leader:
                continue  # a long leader crosses the plot and is hard to follow: no label instead
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


def label_bubbles(fig, ax, data: pd.DataFrame, x: str, y: str, label: str, area: np.ndarray, top: int,
                   avoid: Sequence = (), order: np.ndarray | None = None, obstacles: Sequence = ()) -> int:
    """Label the ``top`` largest bubbles where a label fits without hiding another; return how many.

    Each label takes the nearest free spot around its bubble (see
    :func:`_best_spot`). A label placed away from its bubble, or about as
    near another bubble as its own, is joined to its bubble's edge by a thin
    leader line, so no label can be read as another bubble's. A label with
    no free spot is left out rather than drawn over the data. ``avoid`` are
    the reference lines (which no leader runs along) and their labels (which
    labels keep clear of). ``obstacles`` are other lines (whiskers, bound
    lines) that no label covers and no leader crosses. ``order`` ranks the bubbles for a label (default:
    largest area first). A leader is never longer than :data:`MAX_LEADER`
    of the axes' diagonal: a label that would need a longer one is left out.
    """
    fig.draw_without_rendering()  # run the layout so that data → pixel transforms are final
    renderer = fig.canvas.get_renderer()
    scale = fig.dpi / 72
    xy = data[[x, y]].to_numpy(dtype=float)
    texts = [_extent(a, renderer) for a in avoid if isinstance(a, Text)]
    pad = 1.0 * fig.dpi / 72
    texts += [(x0 - pad, y0 - pad, x1 + pad, y1 + pad) for x0, y0, x1, y1 in (_extent(a, renderer) for a in obstacles)]
    rules = [tuple(a.get_transform().transform(a.get_xydata())) for a in avoid if isinstance(a, Line2D)]
    scene = _Scene(ax.transData.transform(xy), np.sqrt(area) / 2 * scale, scale,
                   ax.get_window_extent(renderer), texts, rules)
    frame = scene.frame
    scene.max_leader = MAX_LEADER * math.hypot(frame.width, frame.height)
    probes = {}
    for i in (np.argsort(-area, kind="stable") if order is None else order)[:max(top, 0)]:
        probe = ax.annotate(wrap_label(data[label].iloc[i]), xy=xy[i], xytext=(0, 0), textcoords="offset points",
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
    ann = ax.annotate(wrap_label(label), xy=xy, xytext=shift, textcoords="offset points", ha="center",
                      va="center", fontsize=7.5, bbox=LABEL_BOX, zorder=5, gid=f"bubble-label-{gid}", **kw)
    ann.set_in_layout(False)
    scene.boxes.append(tuple(box))
    if leader:
        ann.arrow_patch.set_gid(f"bubble-leader-{gid}")
        scene.leaders.append(leader)
    return True
