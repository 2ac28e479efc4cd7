"""Commands for target sectors: ``rank sectors`` and the ``weights`` helpers."""
from __future__ import annotations

from pathlib import Path

import click

from ..analysis.defaults import DEFAULT_DRAWS
from ..analysis.presets import SECTOR_GROUPS, SECTOR_PRESETS
from ..errors import ExportPlanError
from .commands import rank_group
from .main import cli, current_workspace, friendly, other_notes, print_top_notes, table_output, workspace_option

_TEXT_FORMATS = {"score": ".3f"}  # percentages: the one format of output.tables (PERCENT)
_GROUP_KEYS = ", ".join(SECTOR_GROUPS)


@rank_group.command("sectors")
@click.option("--by", type=click.Choice(["cluster", "naics"]), default="cluster", show_default=True,
              help="Rank the region's traded clusters, or its NAICS industries at --level.")
@click.option("--level", type=click.IntRange(2, 6), default=None,
              help="NAICS level (2-6) for --by naics; default 3.")
@click.option("--preset", type=click.Choice(list(SECTOR_PRESETS)), default=None,
              help="Weight preset (default: the workspace's saved preset, else balanced). "
                   "See 'exportplan weights presets'.")
@click.option("--weights", "weights", default=None, metavar="K=V,...",
              help=f"Override criterion weights, e.g. growth=0.3,state_target=0.1 (keys: {_GROUP_KEYS}); "
                   "the others keep their values (the preset's, plus the workspace's saved overrides when no "
                   "--preset is given), then all are rescaled to sum 1.")
@click.option("--method", type=click.Choice(["weighted", "topsis"]), default="weighted", show_default=True,
              help="Weighted sum of normalized measures, or TOPSIS (closeness to the ideal sector).")
@click.option("--draws", type=click.IntRange(1, 1_000_000), default=DEFAULT_DRAWS, show_default=True,
              help="Random weight draws for the robustness test (rank bands, p_top).")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seed of the weight draws (same seed, same result).")
@click.option("--shortlist", "top_k", type=click.IntRange(1, 100), default=5, show_default=True, metavar="K",
              help="Size of the shortlist: p_top<K>, 'robust' and the priority tier use it.")
@click.option("--top", "rows", type=click.IntRange(1, 10_000), default=25, show_default=True, metavar="N",
              help="Rows to print.")
@click.option("--year", type=int, default=None,
              help="QCEW end year (default: the latest year loaded for both the region and the reference area).")
@click.option("--chart", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also draw the contribution chart at FILE and the tier bubble chart at FILE_bubble (PNG and SVG).")
@click.option("--explain", "explain_code", default=None, metavar="CODE",
              help="Explain one sector (code or exact name): contributions per measure with raw values, and "
                   "its rank band.")
@table_output
@workspace_option
@click.pass_context
@friendly
def rank_sectors(ctx, by, level, preset, weights, method, draws, seed, top_k, rows, year, chart, explain_code,
                 fmt, output):
    """Rank target sectors on the guide's five criteria, with reasons, tiers and robustness.

    The criteria: size (employment, establishments), growth (regional growth
    and the reference area's growth of the sector), strengths (LQ,
    strong-cluster flag, competitive shift, pay vs the reference, unique
    assets), state target industries, and foreign investors. Prints the
    ranking, the robustness to the weights and the user-table entries that
    matched no sector. The output file has rank, code, name, score, tier,
    coverage, p_top5, rank_p05, rank_p95, reason, and raw_/norm_/contrib_
    columns per measure (XLSX and JSON also carry sources, weights and notes).
    """
    if fmt is not None and output is None:
        raise ExportPlanError("--format needs --output FILE (where to write the table).")
    ws = current_workspace(ctx)
    ranking = ws.rank_sectors(by=by, level=level, preset=preset, weights=weights, method=method, draws=draws,
                              seed=seed, top_k=top_k, year=year)
    table = ranking.table
    if explain_code is not None:
        _print_explanation(ranking, _resolve_code(table, explain_code))
    else:
        p_col = f"p_top{top_k}"
        formats = dict(_TEXT_FORMATS)
        columns = ["rank", "code", "name", "score", "tier", "coverage", p_col, "band", "employment", "lq", "reason"]
        _print_ranking(ranking, rows, bool(weights), columns, formats)
    if output is not None:
        click.echo(f"Wrote {ranking.write(output, fmt)}")
    if chart:
        from ..output.chartdata import chart_lines

        for line in chart_lines(lambda: ranking.charts(chart), "Chart"):
            click.echo(line)


def _resolve_code(table, value: str) -> str:
    """A sector code from a code or an exact (case-insensitive) name; unknown → a clear error."""
    value = value.strip()
    codes = [str(c) for c in table["code"]]
    if value in codes:
        return value
    by_name = [str(c) for c, n in zip(table["code"], table["name"]) if str(n).casefold() == value.casefold()]
    if by_name:
        return by_name[0]
    shown = ", ".join(f"{c} ({n})" for c, n in zip(table["code"].head(6), table["name"].head(6)))
    raise ExportPlanError(f"--explain {value!r}: no ranked sector has that code or name. "
                          f"Use a code from the ranking, e.g. {shown}.")


def _print_ranking(ranking, rows: int, adjusted: bool, columns: list[str], formats: dict) -> None:
    from ..output.tables import render_text_table

    print_top_notes(ranking.meta)
    click.echo(ranking.title)
    weights = ", ".join(f"{k} {v:.2f}" for k, v in ranking.group_weights.items())
    how = f"preset '{ranking.preset}'" + (", adjusted by --weights and rescaled to sum 1" if adjusted else "")
    click.echo(f"Weights ({how}): {weights}; method {ranking.method}.")
    from ..output.marks import MARK_NOTE, bound_marks

    shown = [c for c in columns if c in ranking.table.columns]
    marks, ranges, marked = bound_marks(ranking.table.head(rows), shown)  # ~ on estimates, as other tables
    click.echo(render_text_table(ranking.table[shown], max_rows=rows, formats=formats, marks=marks, ranges=ranges))
    if marked:
        click.echo(MARK_NOTE)
    from ..analysis.sector_tiers import no_priority_note

    why = no_priority_note(ranking.table, ranking.top_k)  # also among the notes; said here under the table
    if why:
        click.echo(why)
    click.echo("")
    click.echo("Robustness:")
    for line in ranking.summary():
        click.echo(f"  {line}")
    unmatched = ranking.unmatched
    if len(unmatched):
        click.echo("")
        click.echo(f"Unmatched entries ({len(unmatched)}; not used in the ranking):")
        for r in unmatched.itertuples(index=False):
            click.echo(f"  {r.table}: '{r.entry}' ({r.kind or 'kind inferred'}): {r.note}")
    click.echo("")
    for note in other_notes(ranking.meta):  # the top notes were printed before the table
        click.echo(f"Note: {note}")


def _print_explanation(ranking, code: str) -> None:
    from ..output.tables import PERCENT, render_text_table

    for line in ranking.explain_lines(code):
        click.echo(line)
    frame = ranking.explain(code)[["group", "label", "value", "norm", "weight", "contribution", "share", "gap"]]
    click.echo(render_text_table(frame, formats={"norm": ".2f", "weight": ".3f", "contribution": ".3f",
                                                 "share": PERCENT, "gap": "+.3f"}))
    click.echo("weight: the chosen weight; contribution: weight x normalized value, with the weights rescaled over "
               "the measures the sector has data on; gap: contribution minus that of the sector ranked just above.")


# ---- weights -------------------------------------------------------------------------------------
@cli.group("weights")
def weights_group():
    """Weights for the rankings: presets, saved defaults, and AHP pairwise comparison."""


@weights_group.command("presets")
def weights_presets():
    """List the named weight presets for target sectors and markets."""
    from ..analysis.weights import MARKET_PRESETS

    for title, presets in (("Target sectors (rank sectors --preset)", SECTOR_PRESETS),
                           ("Target markets (rank markets --preset)", MARKET_PRESETS)):
        click.echo(title)
        for name, preset in presets.items():
            values = ", ".join(f"{k}={v:g}" for k, v in preset.weights.items())
            click.echo(f"  {name}: {preset.description}\n    {values}")


@weights_group.command("set")
@click.option("--preset", type=click.Choice(list(SECTOR_PRESETS)), default=None, help="Preset to start from.")
@click.option("--weights", "weights", default=None, metavar="K=V,...",
              help=f"Group weight overrides (keys: {_GROUP_KEYS}).")
@click.option("--clear", is_flag=True, help="Forget the saved sector weights (back to the balanced preset).")
@workspace_option
@click.pass_context
@friendly
def weights_set(ctx, preset, weights, clear):
    """Save the default target-sector weights in the workspace config ([sectors] preset and weights)."""
    ws = current_workspace(ctx)
    if clear and (preset or weights):
        raise ExportPlanError("--clear forgets the saved weights; give it alone, without --preset or --weights.")
    if not clear and not (preset or weights):
        raise ExportPlanError("Give --preset NAME and/or --weights K=V,... to save, or --clear to forget them.")
    resolved = ws.set_sector_weights(None, None) if clear else ws.set_sector_weights(preset, weights)
    click.echo(("Cleared the saved sector weights; now: " if clear else "Saved sector weights: ")
               + ", ".join(f"{k} {v:.3f}" for k, v in resolved.items()))


@weights_group.command("ahp")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--save", is_flag=True,
              help="Save the derived weights as the workspace's target-sector weights (labels must be sector "
                   "criteria; criteria not in FILE get weight 0).")
@workspace_option
@click.pass_context
@friendly
def weights_ahp(ctx, file, save):
    """Derive weights from a pairwise-comparison matrix (AHP) in a CSV file.

    FILE is a square table with the same labels as header and first column;
    cell (row i, column j) says how many times more important i is than j on
    Saaty's 1-9 scale (1/3 allowed). For target sectors use the keys
    size, growth, strength, state_target, foreign_investors. Prints the
    weights, the consistency ratio CR and a warning when CR > 0.10.
    """
    from ..analysis.weights import ahp_weights

    matrix = read_pairwise_csv(file)
    result = ahp_weights(matrix)
    click.echo(f"AHP weights from {file.name} (principal eigenvector):")
    for key, value in result.weights.items():
        click.echo(f"  {key:<20} {value:.3f}")
    click.echo(f"lambda_max {result.lambda_max:.3f}; CI {result.ci:.3f}; CR {result.cr:.3f}"
               f" ({'acceptable, <= 0.10' if result.warning is None else 'too high'})")
    if result.warning:
        click.echo(f"Warning: {result.warning}")
    text = ",".join(f"{k}={v:.3f}" for k, v in result.weights.items())
    click.echo(f"Use them with: --weights {text}")
    if save:
        unknown = [k for k in result.weights if k not in SECTOR_GROUPS]
        if unknown:
            raise ExportPlanError(f"--save stores target-sector weights, but {file.name} has labels {unknown} that are "
                                  f"not sector criteria ({_GROUP_KEYS}).")
        ws = current_workspace(ctx)
        ws.set_sector_weights("balanced", {k: result.weights.get(k, 0.0) for k in SECTOR_GROUPS})
        click.echo("Saved them as the workspace's target-sector weights.")


def read_pairwise_csv(path: Path):
    """A pairwise-comparison CSV as a labelled float DataFrame; cells may be fractions such as 1/3."""
    import pandas as pd

    try:
        raw = pd.read_csv(path, index_col=0, dtype=str, keep_default_na=False)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise ExportPlanError(f"{path.name} is not a readable CSV table: {exc}.") from None
    rows = [str(i).strip() for i in raw.index]
    cols = [str(c).strip() for c in raw.columns]
    if rows != cols:
        raise ExportPlanError(f"{path.name}: the first column {rows} must list the same labels, in the same order, "
                              f"as the header {cols}.")
    values = [[_fraction(cell, path.name, r, c) for c, cell in zip(cols, raw.loc[idx])]
              for r, idx in zip(rows, raw.index)]
    return pd.DataFrame(values, index=rows, columns=cols, dtype=float)


def _fraction(cell: str, file: str, row: str, col: str) -> float:
    text = str(cell).strip()
    try:
        if "/" in text:
            num, den = text.split("/", 1)
            return float(num) / float(den)
        return float(text)
    except (ValueError, ZeroDivisionError):
        raise ExportPlanError(
            f"{file}: cell ({row}, {col}) is {text!r}, not a number or a fraction like 1/3.") from None
