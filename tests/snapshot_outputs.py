"""The SAMPLE workspace's outputs as plain JSON data, for tests/test_snapshot.py.

:func:`compute_outputs` builds the sample workspace (the demo's builder) in a
folder and collects, through the public :class:`~exportplan.Workspace` API
only, every table the project prints or writes (all columns, all rows, with
their ``attrs["exportplan"]`` metadata), the rankings' robustness tables,
summaries, notes and explanations, and the data behind every chart: the
points, bars and map colours the chart functions would draw, their titles and
footers. Charts are not rendered: :func:`capture_charts` replaces the drawing
steps of :mod:`exportplan.output.charts` and :mod:`exportplan.output.worldmap`
(``_plot_bubbles``, ``_plot_contributions``, ``_draw_countries``,
``save_figure``) by recorders, so the real chart functions still choose the
rows, notes and footers, and nothing is written.

:func:`normalise` makes the result comparable between runs and machines:
floats rounded to 10 significant digits, NaN/None/NaT to null, infinities to
the strings "Infinity"/"-Infinity", the build folder replaced by ``<tmp>`` in
every string, import and retrieval times (columns or keys ``imported_at``,
``retrieved_at``) replaced by ``<time>``, and the workspace's creation time
and random id left out of its config: checked by building twice, those are
the only values that change from build to build (file checksums do not). Nothing is
sorted that has an order (rank order matters). :func:`differences` lists
where two normalised results differ, as readable paths.
"""
from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path, PurePath
from typing import Any

import numpy as np
import pandas as pd

#: Keys whose value is the time of the build, wherever they occur: a value given becomes "<time>" (so a
#: time that goes missing is still a difference); checked by building twice, these are the only ones.
TIME_KEYS = frozenset({"retrieved_at", "imported_at"})
TIME = "<time>"
#: Keys of the config's [workspace] section left out: the creation time and the random workspace id.
VOLATILE_CONFIG_KEYS = frozenset({"created", "id"})
SIGNIFICANT = 10
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+")
WS_NAME = "sample-workspace"


# =============================================================================== normalising


def _float(value: float) -> float | str | None:
    if math.isnan(value):
        return None
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    out = float(f"{value:.{SIGNIFICANT}g}")
    return 0.0 if out == 0 else out  # -0.0 and 0.0 alike


def frame(df) -> dict:
    """A pandas or polars DataFrame as columns, dtypes and rows (list of {column: value}), plus its metadata."""
    import polars as pl

    if isinstance(df, pl.DataFrame):
        return {"columns": list(df.columns), "dtypes": {c: str(t) for c, t in zip(df.columns, df.dtypes)},
                "rows": df.to_dicts()}
    out: dict[str, Any] = {"columns": [str(c) for c in df.columns],
                           "dtypes": {str(c): str(t) for c, t in df.dtypes.items()},
                           "rows": [dict(zip(map(str, df.columns), row))
                                    for row in df.itertuples(index=False, name=None)]}
    if not isinstance(df.index, pd.RangeIndex) or df.index.start != 0 or df.index.step != 1:
        out["index"] = list(df.index)
    meta = df.attrs.get("exportplan")
    if meta is not None:
        out["meta"] = meta
    return out


def normalise(obj: Any, tmp: str = "") -> Any:
    """``obj`` as JSON data (see the module docstring); ``tmp``: the build folder, replaced by ``<tmp>``."""
    import polars as pl

    def go(o: Any) -> Any:
        if o is None or o is pd.NaT or o is pd.NA:
            return None
        if isinstance(o, (bool, np.bool_)):
            return bool(o)
        if isinstance(o, (int, np.integer)):
            return int(o)
        if isinstance(o, (float, np.floating)):
            return _float(float(o))
        if isinstance(o, str):
            text = o.replace(tmp, "<tmp>") if tmp else o
            return _ADDRESS.sub("", text)
        if isinstance(o, PurePath):
            return go(str(o))
        if isinstance(o, (pd.DataFrame, pl.DataFrame)):
            parts = frame(o)  # dtypes as they are: a column named like a time key holds no time there
            return {k: (dict(v) if k == "dtypes" else go(v)) for k, v in parts.items()}
        if isinstance(o, pd.Series):
            return {"name": go(o.name), "index": go(list(o.index)), "values": go(list(o))}
        if isinstance(o, (pd.Timestamp, datetime, date)):
            return o.isoformat()
        if dataclasses.is_dataclass(o) and not isinstance(o, type):
            o = {f.name: getattr(o, f.name) for f in dataclasses.fields(o)}
        if isinstance(o, Mapping):
            return {str(k): (TIME if str(k) in TIME_KEYS and go(v) not in (None, "") else go(v))
                    for k, v in o.items()}
        if isinstance(o, (list, tuple, set, frozenset, np.ndarray)):
            items = sorted(o, key=str) if isinstance(o, (set, frozenset)) else list(o)
            return [go(v) for v in items]
        if callable(o):
            return f"<callable {getattr(o, '__qualname__', type(o).__name__)}>"
        try:
            if pd.isna(o):
                return None
        except (TypeError, ValueError):
            pass
        return go(f"<{type(o).__name__}> {o}")

    return go(obj)


# =============================================================================== comparing


def _show(value: Any, other: Any = None, width: int = 80) -> str:
    """A value as JSON, cut to ``width``; a string is cut around where it first differs from ``other``."""
    import json

    if isinstance(value, str) and isinstance(other, str) and len(value) > width:
        at = next((i for i, (a, b) in enumerate(zip(value, other)) if a != b), min(len(value), len(other)))
        start = max(0, at - 25)
        text = json.dumps(value[start:start + width - 6], ensure_ascii=False)
        return ("..." if start else "") + text + ("..." if start + width - 6 < len(value) else "")
    text = json.dumps(value, sort_keys=True, ensure_ascii=False)
    return text if len(text) <= width else text[:width - 3] + "..."


def _same_number(a: Any, b: Any) -> bool:
    numbers = (int, float)
    if isinstance(a, bool) or isinstance(b, bool) or not isinstance(a, numbers) or not isinstance(b, numbers):
        return False
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


def differences(expected: Any, actual: Any, path: str = "") -> Iterator[str]:
    """Every place where ``actual`` differs from ``expected`` (both normalised), as 'path: expected != actual'.

    Numbers are equal within a relative 1e-9 (10 significant digits, as
    stored), so that a value rounded on the other side of a digit is no
    difference.
    """
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in expected:
            sub = f"{path}.{key}" if path else key
            if key not in actual:
                yield f"{sub}: {_show(expected[key])} != <missing>"
            else:
                yield from differences(expected[key], actual[key], sub)
        for key in actual:
            if key not in expected:
                sub = f"{path}.{key}" if path else key
                yield f"{sub}: <missing> != {_show(actual[key])}"
        return
    if isinstance(expected, list) and isinstance(actual, list):
        if len(expected) != len(actual):
            yield f"{path}: length {len(expected)} != {len(actual)}"
        for i, (e, a) in enumerate(zip(expected, actual)):
            yield from differences(e, a, f"{path}[{i}]")
        return
    if expected == actual and type(expected) is type(actual):
        return
    if _same_number(expected, actual):
        return
    yield f"{path}: {_show(expected, actual)} != {_show(actual, expected)}"


# =============================================================================== charts


@dataclasses.dataclass
class ChartCapture:
    """What the chart functions would draw, in call order (see :func:`capture_charts`)."""

    charts: list[dict] = dataclasses.field(default_factory=list)

    def start(self, kind: str) -> dict:
        self.charts.append({"kind": kind})
        return self.charts[-1]

    @property
    def current(self) -> dict:
        return self.charts[-1] if self.charts else self.start("unknown")


def _rows(df: pd.DataFrame, columns: list[str]) -> list[dict]:
    keep = [c for c in dict.fromkeys(columns) if c is not None and c in df.columns]
    return [dict(zip(keep, r)) for r in df[keep].itertuples(index=False, name=None)]


@contextmanager
def capture_charts() -> Iterator[ChartCapture]:
    """Replace the drawing steps of the chart modules by recorders (restored on exit).

    The chart functions run as usual up to the drawing: they pick the rows,
    the notes, the footer and the files. ``start_chart`` is recorded (title,
    source line, notes, sample flag, figure size) and runs (a figure in
    memory, never drawn); ``_plot_bubbles`` / ``_plot_contributions`` /
    ``_draw_countries`` record their data and draw nothing; ``save_figure``
    records the file names and writes nothing.
    """
    from exportplan.output import charts, worldmap

    capture = ChartCapture()
    saved: list[tuple[object, str, object]] = []

    def patch(module, name: str, replacement: Callable) -> None:
        saved.append((module, name, getattr(module, name)))
        setattr(module, name, replacement)

    real_start = charts.start_chart

    def start_chart(width, height, *, title, source_note, notes, sample_data, watermark_zorder=0):
        rec = capture.start("chart")
        rec.update(title=title, source_note=source_note, notes=list(notes), sample_data=sample_data,
                   size=[width, height])
        return real_start(width, height, title=title, source_note=source_note, notes=notes,
                          sample_data=sample_data, watermark_zorder=watermark_zorder)

    def plot_bubbles(fig, ax, data, *, x, y, size, label, color, labels, reference, axis_labels, xscale,
                     ranges=None, bounds=None, whiskers=None) -> int:
        rec = capture.current
        rec["kind"] = "bubble"
        ranges = ranges if ranges is not None else data.iloc[:0]
        rec.update(x=x, y=y, size=size, label=label, color=color, labels=labels, reference=reference,
                   axis_labels=list(axis_labels), xscale=xscale, bounds=list(bounds) if bounds else None,
                   points=_rows(data, [label, x, y, size, color]),
                   whiskers=[int(i) for i in np.flatnonzero(whiskers)] if whiskers is not None else [],
                   ranges=_rows(ranges, [label, *(bounds or []), y, size, color]))
        return max(min(labels, len(data) + len(ranges)), 0)  # every label placed: the footer is left as it is

    def plot_contributions(ax, shown, criteria, name_col, score_col) -> None:
        rec = capture.current
        rec["kind"] = "contribution"
        rec.update(criteria=[[key, lab] for key, lab, _colour in criteria], name_col=name_col, score_col=score_col,
                   bars=_rows(shown, [name_col, score_col, "coverage", *(f"contrib_{k}" for k, *_ in criteria)]))

    def draw_countries(ax, shapes, scored, norm, colours, iso3_of) -> None:
        rec = capture.current
        rec["kind"] = "world_map"
        rec.update(scores=[[iso3_of[code], value] for code, value in scored.items()],
                   colour_range=[norm.vmin, norm.vmax], colormap=colours.name)
        ax.set_axis_off()

    def save_figure(fig, path, formats=charts.DEFAULT_FORMATS):
        paths = charts.output_paths(path, formats)
        capture.current["files"] = [p.name for p in paths]
        return paths

    try:
        patch(charts, "start_chart", start_chart)
        patch(worldmap, "start_chart", start_chart)
        patch(charts, "_plot_bubbles", plot_bubbles)
        patch(charts, "_plot_contributions", plot_contributions)
        patch(worldmap, "_draw_countries", draw_countries)
        patch(charts, "save_figure", save_figure)
        patch(worldmap, "save_figure", save_figure)
        yield capture
    finally:
        for module, name, original in reversed(saved):
            setattr(module, name, original)


def chart(capture: ChartCapture, draw: Callable[[], Any]) -> list[dict]:
    """The charts one public call would draw, or why it draws none (ChartNotDrawn)."""
    from exportplan.output.chartdata import ChartNotDrawn

    before = len(capture.charts)
    try:
        files = draw()
        out = capture.charts[before:]
        return out + [{"returned": [Path(p).name for p in files]}]
    except ChartNotDrawn as exc:
        return capture.charts[before:] + [{"not_drawn": str(exc), "written": [Path(p).name for p in exc.written]}]


# =============================================================================== the outputs


def build_sample(directory: Path):
    """The sample workspace, built by the demo's builder in ``directory``/sample-workspace."""
    from exportplan.demo.builder import build_demo

    return build_demo(Path(directory) / WS_NAME)


def _explained(codes: pd.Series, top: int = 5) -> list[str]:
    """The codes to explain: the first ``top`` and the last (explaining every one is slow)."""
    codes = [str(c) for c in codes]
    return list(dict.fromkeys(codes[:top] + codes[-1:]))


def _sector_ranking(ranking, explain_codes) -> dict:
    return {
        "table": ranking.table, "meta": ranking.meta, "notes": ranking.notes, "summary": ranking.summary(),
        "robustness": ranking.robustness, "weights": ranking.weights, "group_weights": ranking.group_weights,
        "criteria": ranking.criteria, "preset": ranking.preset, "method": ranking.method, "by": ranking.by,
        "level": ranking.level, "top_k": ranking.top_k, "matches": ranking.matches, "unmatched": ranking.unmatched,
        "title": ranking.title, "short_title": ranking.short_title,
        "explain": {str(c): {"lines": ranking.explain_lines(str(c)), "table": ranking.explain(str(c))}
                    for c in explain_codes},
    }


def _market_ranking(ranking, explain_iso3) -> dict:
    return {
        "table": ranking.table, "meta": ranking.meta, "notes": ranking.notes, "summary": ranking.summary(),
        "robustness": ranking.robustness, "weights": ranking.weights,
        "criterion_weights": ranking.criterion_weights, "criteria": ranking.criteria, "sector": ranking.sector,
        "explain": {iso3: ranking.explain(iso3).splitlines() for iso3 in explain_iso3},
    }


def collect(ws, charts_dir: Path) -> dict:
    """Every output of the sample workspace ``ws`` (raw Python objects; see :func:`normalise`)."""
    out: dict[str, Any] = {}
    config = {section: ({k: v for k, v in values.items() if not (section == "workspace"
                                                                  and k in VOLATILE_CONFIG_KEYS)}
                        if isinstance(values, Mapping) else values)
              for section, values in ws.config.items()}
    out["workspace"] = {
        "name": ws.name, "counties": ws.counties, "reference_area": ws.reference_area, "is_sample": ws.is_sample,
        "config": config, "notes": ws.notes, "years": ws.years(), "table_kinds": ws.table_kinds(),
        "analysis_window": ws.analysis_window(), "region_point": ws.region_point(),
        "centre_message": ws.centre_message(), "region_kind": ws.region_kind(), "region_year": ws.region_year(),
        "sector_weights": ws.sector_weights(), "priority_sectors": ws.priority_sectors(),
        "peer_set_info": ws.peer_set_info(),
    }
    out["provenance"] = ws.provenance()
    crosswalk, record = ws.crosswalk()
    out["crosswalk"] = {"rows": crosswalk, "record": record}
    out["peers"] = ws.peers()
    out["titles"] = ws.titles()
    for kind in ws.table_kinds():
        out[f"user_table[{kind}]"] = ws.user_table(kind)

    tables: dict[str, pd.DataFrame] = {}
    for key, call in {
        "industries[level=all]": lambda: ws.industries(),
        "industries[level=3]": lambda: ws.industries(level=3),
        "industries[level=3,base=ownership]": lambda: ws.industries(level=3, base="ownership"),
        "industries[level=3,estimate=False]": lambda: ws.industries(level=3, estimate=False),
        "industries[level=2,ownership=0]": lambda: ws.industries(level=2, ownership="0"),
        "shift_share[level=3]": lambda: ws.shift_share(),
        "shift_share[level=6]": lambda: ws.shift_share(level=6),
        "clusters[type=all]": lambda: ws.clusters(),
        "clusters[type=traded]": lambda: ws.clusters(cluster_type="traded"),
        "clusters[type=all,estimate=False]": lambda: ws.clusters(estimate=False),
    }.items():
        tables[key] = out[key] = call()

    sectors = {
        "rank_sectors[by=cluster]": ws.rank_sectors(),
        "rank_sectors[by=naics,level=3]": ws.rank_sectors(by="naics", level=3),
        "rank_sectors[by=cluster,method=topsis,preset=growth,draws=200]":
            ws.rank_sectors(method="topsis", preset="growth", draws=200),
    }
    for key, ranking in sectors.items():
        out[key] = _sector_ranking(ranking, _explained(ranking.table["code"]))

    markets = {
        "rank_markets[default]": ws.rank_markets(),
        "rank_markets[sector=336]": ws.rank_markets(sector="336"),
        "rank_markets[preset=nearby,method=topsis,draws=200]": ws.rank_markets(preset="nearby", method="topsis",
                                                                               draws=200),
    }
    for key, ranking in markets.items():
        out[key] = _market_ranking(ranking, _explained(ranking.table["iso3"]))
    out["markets_by_sector[top=5]"] = ws.markets_by_sector()
    out.update(_pipeline(ws))

    charts_dir.mkdir(parents=True, exist_ok=True)
    with capture_charts() as cap:
        drawn = {
            "bubble[industries,level=all]": lambda: ws.bubble_chart(tables["industries[level=all]"],
                                                                   charts_dir / "industries", label="title"),
            "bubble[industries,level=3]": lambda: ws.bubble_chart(tables["industries[level=3]"],
                                                                 charts_dir / "industries3", label="title"),
            "bubble[clusters,type=traded]": lambda: ws.bubble_chart(tables["clusters[type=traded]"],
                                                                   charts_dir / "clusters_bubble.png",
                                                                   label="cluster_name"),
            "bubble[clusters,type=all]": lambda: ws.bubble_chart(tables["clusters[type=all]"],
                                                                charts_dir / "clusters_all", label="cluster_name"),
        }
        for key, ranking in sectors.items():
            name = key.split("[", 1)[1].rstrip("]")
            drawn[f"sector_charts[{name}]"] = (lambda r=ranking: r.charts(charts_dir / "sectors.png"))
        for key, ranking in markets.items():
            name = key.split("[", 1)[1].rstrip("]")
            drawn[f"world_map[{name}]"] = (lambda r=ranking: r.world_map(charts_dir / "markets_map.png"))
            drawn[f"market_contributions[{name}]"] = (
                lambda r=ranking: r.contribution_chart(charts_dir / "markets_contributions.png"))
        for key, draw in drawn.items():
            out[f"chart:{key}"] = chart(cap, draw)
    left = sorted(p.name for p in charts_dir.iterdir())
    if left:
        raise AssertionError(f"a chart was written although drawing was replaced: {left}")
    return out


#: The day the pipeline outputs are computed on (the outreach list's recent-contact rule and the metrics'
#: periods count back from "today"): fixed, so that the snapshot does not age.
PIPELINE_DAY = "2026-12-01T12:00:00+00:00"
#: Company columns that hold the time of the build.
_BUILD_TIMES = ("created_at", "updated_at")


def _pipeline(ws) -> dict:
    """The sample pipeline's companies, metrics, prospects and outreach list, on :data:`PIPELINE_DAY`."""
    fixed = ws.for_request(clock=lambda: PIPELINE_DAY)
    companies = fixed.pipeline.companies()
    return {
        "pipeline.companies": companies.drop(columns=[c for c in _BUILD_TIMES if c in companies]),
        "pipeline.metrics": {name: {"table": m.table, "notes": m.notes}
                             for name, m in fixed.pipeline.metrics().items()},
        "prospects[top=100]": fixed.prospects.prospects(top=100),
        "outreach[top=50]": fixed.prospects.outreach(top=50),
    }


def compute_outputs(directory: Path) -> dict:
    """Build the sample workspace under ``directory`` and return its normalised outputs."""
    directory = Path(directory)
    ws = build_sample(directory)
    try:
        return normalise(collect(ws, directory / "charts"), tmp=str(directory))
    finally:
        ws.close()
