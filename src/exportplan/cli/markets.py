"""Commands for target country markets (import/fetch country data, rank markets)."""
from __future__ import annotations

from pathlib import Path

import click

from ..analysis.defaults import DEFAULT_DRAWS
from .commands import parse_years, fetch_group, import_group, rank_group
from .main import (
    allow_unmapped_option,
    current_workspace,
    emit_table,
    friendly,
    other_notes,
    sheet_option,
    table_output,
    workspace_option,
)

_PUBLISHERS = ("auto", "wdi", "wgi", "cpi", "cepii-geo", "cepii-dist", "special301", "table")


def _notes(meta: dict) -> None:
    for note in other_notes(meta):  # the top notes were printed before the table
        click.echo(f"Note: {note}")


def _pairs(values: tuple[str, ...]) -> dict[str, str]:
    out = {}
    for item in values:
        name, sep, country = item.partition("=")
        if not sep or not name.strip() or not country.strip():
            raise click.BadParameter(f"{item!r}: write NAME=COUNTRY, e.g. Hefei=China")
        out[name.strip()] = country.strip()
    return out


def _span(value: str | None) -> tuple[int, int] | None:
    if not value:
        return None
    years = parse_years(value)
    return min(years), max(years)


# ---- import -------------------------------------------------------------------------
@import_group.command("countries")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--publisher", type=click.Choice(_PUBLISHERS), default="auto", show_default=True,
              help="The file's layout: World Bank WDI CSV, WGI workbook, TI CPI workbook, CEPII geo or dist, "
                   "USTR Special 301 table, or your own wide country table (see 'exportplan tables').")
@click.option("--indicator", default=None,
              help="WDI indicator code when the file name does not carry it (e.g. NY.GDP.MKTP.CD).")
@sheet_option
@allow_unmapped_option
@workspace_option
@click.pass_context
@friendly
def import_countries(ctx, file, publisher, indicator, sheet, allow_unmapped):
    """Load country indicators: a publisher's file or your own table (all or nothing)."""
    ws = current_workspace(ctx)
    click.echo(str(ws.import_countries(file, publisher=publisher, indicator=indicator, sheet=sheet,
                                       allow_unmapped=allow_unmapped)))


@import_group.command("exports")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--scope", type=click.Choice(["region", "state", "nation"]), default=None,
              help="Whose exports the file holds (default: from the file; IMF DOTS is the nation).")
@click.option("--area", default=None, help="Which region or state, e.g. OH (default: from the file).")
@click.option("--reporter", default="United States", show_default=True, help="Reporter in an IMF DOTS file.")
@sheet_option
@allow_unmapped_option
@workspace_option
@click.pass_context
@friendly
def import_exports(ctx, file, scope, area, reporter, sheet, allow_unmapped):
    """Load exports by destination: your table, an IMF DOTS CSV or a saved Census API answer."""
    ws = current_workspace(ctx)
    click.echo(str(ws.import_exports(file, scope=scope, area=area, reporter=reporter, sheet=sheet,
                                     allow_unmapped=allow_unmapped)))


@import_group.command("partnerships")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--city", default=None, help="Read the sister-city list layout for this U.S. city, e.g. Columbus.")
@click.option("--state", default=None, help="The city's state, e.g. OH (needed when the name is not unique).")
@click.option("--partner-country", multiple=True, metavar="NAME=COUNTRY",
              help="Country of a partner city that neither the list nor GeoNames places in one country, "
                   "e.g. Valencia=Spain (repeatable).")
@sheet_option
@allow_unmapped_option
@workspace_option
@click.pass_context
@friendly
def import_partnerships(ctx, file, city, state, partner_country, sheet, allow_unmapped):
    """Load partnerships: your own table, or one U.S. city's sister cities (--city)."""
    ws = current_workspace(ctx)
    click.echo(str(ws.import_partnerships(file, city=city, state=state, partner_countries=_pairs(partner_country),
                                          sheet=sheet, allow_unmapped=allow_unmapped)))


# ---- fetch --------------------------------------------------------------------------
@fetch_group.command("countries")
@click.option("--years", default=None, help="Years, e.g. 2015-2023 (default: the last ten).")
@click.option("--indicators", default=None,
              help="WDI indicator codes, comma-separated (default: the market ranking's set).")
@click.option("--wgi", default="CC.EST,RL.EST,RQ.EST", show_default=True,
              help="WGI dimensions (comma-separated; empty for none).")
@click.option("--base-url", default=None, help="Another server with the World Bank API v2 layout (tests).")
@allow_unmapped_option
@click.option("--no-progress", is_flag=True, help="No progress bar.")
@workspace_option
@click.pass_context
@friendly
def fetch_countries(ctx, years, indicators, wgi, base_url, allow_unmapped, no_progress):
    """Download country indicators from the World Bank API (WDI and WGI)."""
    import datetime

    ws = current_workspace(ctx)
    span = _span(years)
    if span is None:
        now = datetime.date.today().year
        span = (now - 10, now - 1)
    codes = [c.strip() for c in indicators.split(",") if c.strip()] if indicators is not None else None
    dims = [c.strip() for c in (wgi or "").split(",") if c.strip()]
    click.echo(str(ws.fetch_countries(years=span, indicators=codes, wgi=dims, base_url=base_url,
                                      progress=not no_progress, allow_unmapped=allow_unmapped)))


@fetch_group.command("exports")
@click.option("--state", default=None, help="Two-letter state code, e.g. OH (default: region.state).")
@click.option("--years", required=True, help="Years, e.g. 2019-2023.")
@click.option("--naics-level", type=click.IntRange(2, 4), default=3, show_default=True,
              help="NAICS digits of the state series (2, 3 or 4).")
@click.option("--base-url", default=None, help="Another server with the Census statenaics endpoint (tests).")
@allow_unmapped_option
@click.option("--no-progress", is_flag=True, help="No progress bar.")
@workspace_option
@click.pass_context
@friendly
def fetch_exports(ctx, state, years, naics_level, base_url, allow_unmapped, no_progress):
    """Download a state's exports by destination and NAICS from the Census API.

    Needs a free Census API key in the environment variable EXPORTPLAN_CENSUS_KEY
    (it is never written to the cache or the workspace).
    """
    ws = current_workspace(ctx)
    click.echo(str(ws.fetch_exports(state, parse_years(years), naics_level=naics_level, base_url=base_url,
                                    progress=not no_progress, allow_unmapped=allow_unmapped)))


# ---- rank ---------------------------------------------------------------------------
_SHOWN = ["rank", "iso3", "country", "score", "coverage", "p_top5", "rank_p05", "rank_p95", "robust", "reason"]


@rank_group.command("markets")
@click.option("--sector", default=None,
              help="Per-sector view: a NAICS code (336), cluster:CODE or a cluster name.")
@click.option("--by-sector", is_flag=True, help="Print the top markets of each priority sector instead.")
@click.option("--per-sector", type=click.IntRange(1, 50), default=5, show_default=True,
              help="Markets per sector with --by-sector.")
@click.option("--preset", default=None,
              help="Weight preset: balanced, current-markets, growth-markets, nearby, low-risk.")
@click.option("--weights", default=None, help="Factor weights to override, e.g. proximity=0.3,partnerships=0.2.")
@click.option("--method", type=click.Choice(["weighted", "topsis"]), default="weighted", show_default=True,
              help="Weighted sum, or TOPSIS (distance to the ideal and anti-ideal).")
@click.option("--draws", type=click.IntRange(1, 1_000_000), default=DEFAULT_DRAWS, show_default=True,
              help="Random weight draws for the robustness check.")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the weight draws.")
@click.option("--year", type=int, default=None, help="Use data up to this year (default: the latest).")
@click.option("--doing-business", is_flag=True,
              help="Also score the World Bank's Doing Business rank (discontinued 2021 after data irregularities; "
                   "not used by default: WGI regulatory quality is).")
@click.option("--shortlist", "top_k", type=click.IntRange(1, 100), default=5, show_default=True, metavar="K",
              help="Size of the shortlist: p_top<K> and 'robust' use it.")
@click.option("--top", type=click.IntRange(1, 10_000), default=20, show_default=True, metavar="N",
              help="Rows to print.")
@click.option("--map", "map_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also draw the world map of scores (PNG and SVG).")
@click.option("--chart", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also draw the contribution chart (PNG and SVG).")
@click.option("--explain", "explain_iso3", default=None, metavar="ISO3",
              help="Explain one country's rank (contributions, rank band, what would move it).")
@table_output
@workspace_option
@click.pass_context
@friendly
def rank_markets(ctx, sector, by_sector, per_sector, preset, weights, method, draws, seed, year, doing_business, top_k,
                 top, map_path, chart, explain_iso3, fmt, output):
    """Rank country markets on the guide's eight factors, with reasons and robustness."""
    ws = current_workspace(ctx)
    if by_sector:
        df = ws.markets_by_sector(top=per_sector, preset=preset, weights=weights, method=method,
                                  draws=min(draws, 2_000), seed=seed, year=year, doing_business=doing_business)
        meta = df.attrs.get("exportplan", {})
        emit_table(df, fmt=fmt, output=output, meta=meta, title=meta.get("title"), max_rows=None,
                   columns=["sector", "sector_name", "rank", "iso3", "country", "score", "reason"])
        _notes(meta)
        return
    ranking = ws.rank_markets(sector=sector, preset=preset, weights=weights, method=method, draws=draws,
                              seed=seed, year=year, doing_business=doing_business, top_k=top_k)
    explanation = ranking.explain(explain_iso3) if explain_iso3 else ""  # a bad code fails before any output
    meta = ranking.meta
    emit_table(ranking.table, fmt=fmt, output=output, meta=meta, title=meta["title"], max_rows=top,
               columns=[f"p_top{top_k}" if c == "p_top5" else c for c in _SHOWN])
    _notes(meta)
    for line in ranking.summary()[:8]:
        click.echo(f"Robustness: {line}")
    if map_path:
        from ..output.chartdata import chart_lines

        for line in chart_lines(lambda: ranking.world_map(map_path), "World map"):
            click.echo(line)
    if chart:
        from ..output.chartdata import chart_lines

        for line in chart_lines(lambda: ranking.contribution_chart(chart), "Contribution chart"):
            click.echo(line)
    if explanation:
        click.echo("")
        click.echo(explanation)
