"""The user's own tables: their specs and one reader per table.

Each ``read_<name>(path)`` validates a CSV or XLSX file against its
:class:`~exportplan.imports.schema.TableSpec` and returns the canonical frame
(index ``line`` = the source line of each row; warnings in
``frame.attrs["warnings"]`` as :class:`~exportplan.errors.Problem` objects).
Any problem raises :class:`~exportplan.errors.ImportFailed`; nothing is
returned partially. :data:`TABLES` is the name -> spec registry that the CLI
and the web app read; :func:`read_table` dispatches on it.

Sectors (``targets.target``, ``sector_fdi.sector``, ``assets.sector``,
``fdi.sector``) are NAICS codes or US Cluster Mapping clusters. The ``kind``
column says which; when it is empty the rule is:

- only digits (or a sector range such as ``31-33``) -> ``naics``; a value that
  is not a valid NAICS code is an error that suggests ``kind = cluster``
  (cluster codes 1-51 and 101-116 collide with NAICS codes such as 51 or
  111, so digits are never silently taken as clusters);
- any other text -> ``cluster`` (a cluster name, matched to the workspace's
  cluster crosswalk later, which reports names it does not know);
- ``kind = cluster`` with digits -> a cluster code, which must be 1-51 or 101-116.

Country indicators (``countries``) come wide and are returned long:
``[iso3, year, indicator, value]``. Text and yes/no indicators are coded as
numbers: ``special301`` as :data:`SPECIAL301_LEVELS` (0 none ... 3 priority
foreign country, higher = weaker IP protection), booleans as 1/0.
"""
from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from exportplan.errors import ExportPlanError
from exportplan.imports.schema import Column, InvalidValue, TableSpec, to_naics, validate

SECTOR_KINDS = ("naics", "cluster")
TRADED_CLUSTERS = range(1, 52)
LOCAL_CLUSTERS = range(101, 117)
SPECIAL301_LEVELS = {"none": 0, "watch_list": 1, "priority_watch_list": 2,
                     "priority_foreign_country": 3}
PARTNERSHIP_TYPES = ("sister_city", "academic", "research", "innovation", "business", "other")
EXPORT_SCOPES = ("region", "state", "nation")
COUNTRY_HELP = "country name or ISO 3166 code (Mexico, MEX, MX)"


# ------------------------------------------------------------ shared columns

def _country(**kw) -> Column:
    kw.setdefault("aliases", ("country_name", "country_code", "iso3", "iso", "nation"))
    kw.setdefault("example", "Mexico")
    return Column("country", "iso3", required=True, help=COUNTRY_HELP, **kw)


def _year(**kw) -> Column:
    return Column("year", "year", aliases=("yr", "fiscal_year", "data_year"),
                  help="4-digit year", example="2022", **kw)


def _count(name: str, aliases: tuple[str, ...] = (), required: bool = False, example: str = "",
           help: str = "") -> Column:
    return Column(name, "int", required=required, aliases=aliases, min=0, example=example,
                  help=help or "whole number, 0 or more")


def _text(name: str, aliases: tuple[str, ...] = (), required: bool = False, example: str = "",
          help: str = "") -> Column:
    return Column(name, "text", required=required, aliases=aliases, example=example, help=help)


def _level(name: str, help: str, default: int | None = 1, example: str = "1",
           aliases: tuple[str, ...] = ()) -> Column:
    return Column(name, "int", min=1, max=3, default=default, help=help, example=example,
                  aliases=aliases)


_KIND = Column("kind", "choice", choices=SECTOR_KINDS, aliases=("type", "code_type", "sector_kind"),
               choice_aliases={"industry": "naics", "naics_code": "naics", "clusters": "cluster",
                               "cluster_code": "cluster", "cluster_name": "cluster"},
               help="naics or cluster; inferred when empty", example="naics")
_SOURCE = _text("source", ("data_source", "reference"), help="where the figure comes from")
_NOTE = _text("note", ("notes", "comment", "comments", "remarks"), help="free text")
_JOBS = _count("jobs", ("employment", "employees", "emp", "workers"))
_SECTOR_HELP = "NAICS code (3364, 31-33) or cluster code/name (Automotive)"


def _sector(name: str = "sector", required: bool = True, aliases: tuple[str, ...] = (),
            example: str = "3364") -> Column:
    return Column(name, "code", required=required, help=_SECTOR_HELP, example=example,
                  aliases=aliases or ("industry", "naics", "naics_code", "cluster",
                                      "cluster_name", "cluster_code", "sector_code"),
                  max_length=120)


# ------------------------------------------------------------- sector rule

def classify_sector(value: str, kind: str | None = None) -> tuple[str, str]:
    """(canonical value, kind) of a sector cell; raises InvalidValue.

    >>> classify_sector("31"), classify_sector("Automotive"), classify_sector("07", "cluster")
    (('31-33', 'naics'), ('Automotive', 'cluster'), ('7', 'cluster'))
    """
    codeish = re.fullmatch(r"\d+|\d{2}\s*[-–—]\s*\d{2}", value.strip())
    if kind == "cluster":
        return (_cluster_code(value), "cluster") if codeish else (value, "cluster")
    if codeish:
        return _naics_or_hint(value, kind), "naics"
    if kind == "naics":
        raise InvalidValue("is not a NAICS code", "Write a NAICS code of 2 to 6 digits, or set "
                           "kind to cluster if this is a cluster name.")
    if re.match(r"\d{2,6}\s*[-–—:]?\s+\D", value):
        raise InvalidValue("looks like a code followed by its title",
                           "Put only the code in this column (e.g. 3364, not 3364 Aerospace).")
    return value, "cluster"


def _cluster_code(value: str) -> str:
    number = int(value) if value.strip().isdigit() else -1
    if number not in TRADED_CLUSTERS and number not in LOCAL_CLUSTERS:
        raise InvalidValue("is not a US Cluster Mapping cluster code",
                           "Use a traded cluster code 1-51 or a local cluster code 101-116, "
                           "or a cluster name.")
    return str(number)


def _naics_or_hint(value: str, kind: str | None) -> str:
    try:
        return to_naics(value)
    except InvalidValue as bad:
        if kind is None:
            raise InvalidValue(bad.problem, "Write a NAICS code of 2 to 6 digits (e.g. 3364) or "
                               "31-33; if this is a US Cluster Mapping cluster code, set the "
                               "column kind to cluster on this line.") from None
        raise


def _sector_rule(field: str) -> Callable[[dict], None]:
    """Row rule: classify ``field`` (NAICS or cluster) and fill ``kind``."""
    def rule(row: dict) -> None:
        if row[field] is None:
            return
        try:
            row[field], row["kind"] = classify_sector(row[field], row.get("kind"))
        except InvalidValue as bad:
            raise InvalidValue(bad.problem, bad.fix, column=field) from None
    return rule


# ------------------------------------------------------------------- specs

TARGETS = TableSpec(
    "targets",
    (Column("target", "code", required=True, max_length=120, example="3364",
            aliases=("industry", "sector", "naics", "naics_code", "cluster", "cluster_name",
                     "cluster_code", "target_industry", "target_cluster", "code"),
            help=_SECTOR_HELP),
     _KIND,
     _level("priority", "1 (highest) to 3; default 1", aliases=("rank", "tier", "level")),
     _SOURCE, _NOTE),
    key=("kind", "target"),
    description="State (or regional) target industries or clusters.",
    row_rule=_sector_rule("target"),
)

SECTOR_FDI = TableSpec(
    "sector_fdi",
    (_sector(), _KIND,
     _count("foreign_establishments", ("foreign_owned_establishments", "establishments",
                                       "foreign_estabs", "fdi_establishments"),
            required=True, example="12"),
     _count("foreign_companies", ("foreign_owned_companies", "companies", "foreign_firms",
                                  "firms"), example="9"),
     _JOBS, _year(), _SOURCE),
    key=("kind", "sector", "year"),
    description="Foreign-owned establishments (and companies) in the region, per sector.",
    row_rule=_sector_rule("sector"),
)

ASSETS = TableSpec(
    "assets",
    (_sector(), _KIND,
     _text("asset", ("unique_asset", "description", "name", "asset_name"), required=True,
           example="Deep-water port", help="the asset, in a few words"),
     _level("strength", "1 (some) to 3 (exceptional); default 1", example="2")),
    key=("kind", "sector", "asset"),
    description="Unique assets flagged by staff (a port, a university lab, a test site).",
    row_rule=_sector_rule("sector"),
)

_WGI = "World Bank WGI estimate, about -2.5 (weak) to 2.5 (strong)"
_INDICATORS = (
    Column("gdp_usd", "float", min=0, aliases=("gdp", "gdp_current_usd", "gdp_current_us"),
           help="GDP, current US$", example="1,466,934,724,243"),  # Mexico 2022, WDI
    Column("gdp_growth_pct", "float", unit="%", aliases=("gdp_growth", "growth",
                                                         "gdp_growth_annual"),
           help="real GDP growth, % per year", example="3.7"),  # Mexico 2022, WDI
    Column("gdp_per_capita_usd", "float", min=0, aliases=("gdp_per_capita", "gdppc"),
           help="GDP per capita, current US$"),
    Column("imports_pct_gdp", "float", min=0, unit="%", aliases=("imports_gdp", "imports_of_gdp"),
           help="imports of goods and services, % of GDP"),
    Column("merch_imports_usd", "float", min=0, aliases=("merchandise_imports", "merch_imports",
                                                         "imports_usd"),
           help="merchandise imports, current US$"),
    Column("population", "float", min=0, aliases=("pop",), help="people"),
    Column("fdi_inflows_usd", "float", aliases=("fdi_inflows", "fdi_net_inflows"),
           help="FDI net inflows, current US$ (may be negative)"),
    Column("control_of_corruption", "float", min=-3, max=3, aliases=("wgi_cc", "cc"), help=_WGI),
    Column("rule_of_law", "float", min=-3, max=3, aliases=("wgi_rl", "rl"), help=_WGI),
    Column("regulatory_quality", "float", min=-3, max=3, aliases=("wgi_rq", "rq"), help=_WGI),
    Column("cpi_score", "float", min=0, max=100,
           aliases=("cpi", "corruption_perceptions_index", "ti_cpi"),
           help="TI Corruption Perceptions Index, 0 (corrupt) to 100 (clean)"),
    Column("doing_business_rank", "int", min=1, aliases=("ease_of_doing_business",
                                                         "doing_business", "ease_rank"),
           help="World Bank Doing Business rank (1 = easiest)"),
    Column("special301", "choice", choices=tuple(SPECIAL301_LEVELS),
           aliases=("special_301", "special301_status", "ustr_special_301"),
           choice_aliases={"wl": "watch_list", "pwl": "priority_watch_list",
                           "pfc": "priority_foreign_country", "not_listed": "none",
                           "no": "none"},
           help="USTR Special 301 status: none, watch_list, priority_watch_list, "
                "priority_foreign_country (WL, PWL, PFC accepted)"),
    Column("lat", "float", min=-90, max=90, aliases=("latitude",), help="latitude, degrees"),
    Column("lon", "float", min=-180, max=180, aliases=("longitude", "lng", "long"),
           help="longitude, degrees"),
    Column("contiguous_us", "bool", aliases=("contiguous", "borders_us", "land_border"),
           help="shares a land border with the US (yes/no)"),
    Column("fta_partner", "bool", aliases=("fta", "us_fta", "free_trade_agreement"),
           help="US free-trade agreement in force (yes/no)"),
)
INDICATORS = tuple(c.name for c in _INDICATORS)


def _countries_long(wide: pd.DataFrame) -> pd.DataFrame:
    """Wide indicators -> [iso3, year, indicator, value]; empty cells give no row."""
    parts = []
    for name in INDICATORS:
        values = wide[name]
        if name == "special301":
            values = values.map(SPECIAL301_LEVELS, na_action="ignore")
        values = values.astype("float64")
        kept = values.notna()
        parts.append(pd.DataFrame({"iso3": wide.loc[kept, "country"],
                                   "year": wide.loc[kept, "year"],
                                   "indicator": name, "value": values[kept]}))
    long = pd.concat(parts)
    long = long.astype({"iso3": "string", "year": "Int64", "indicator": "string",
                        "value": "float64"})
    return long.sort_index(kind="stable")


COUNTRIES = TableSpec(
    "countries",
    (_country(), _year(), *_INDICATORS),
    key=("country", "year"),
    description="Country indicators you maintain yourself (wide: one column per indicator); "
                "returned long as iso3, year, indicator, value.",
    finish=_countries_long,
)

EXPORTS = TableSpec(
    "exports",
    (_country(aliases=("destination", "destination_country", "partner_country", "market",
                       "country_name", "iso3", "partner")),
     _year(required=True),
     Column("value_usd", "float", required=True, min=0,
            aliases=("value", "exports", "export_value", "exports_usd", "amount", "usd",
                     "value_us"),
            help="exports in US dollars (1,234,567 is fine)", example="1,234,567"),
     Column("naics", "naics", default="", missing_values=("total", "all", "all industries"),
            aliases=("naics_code", "industry", "sector"),
            help="NAICS code; empty = all industries", example="3364"),
     Column("scope", "choice", choices=EXPORT_SCOPES, default="region",
            choice_aliases={"regional": "region", "metro": "region", "msa": "region",
                            "county": "region", "statewide": "state", "national": "nation",
                            "us": "nation", "usa": "nation", "united_states": "nation"},
            help="region (default), state or nation", example="region"),
     Column("area", "code", default="", aliases=("area_code", "geography", "geo"),
            help="which region/state, e.g. a CBSA or state code; optional"),
     _SOURCE),
    key=("scope", "area", "country", "naics", "year"),
    description="Exports by destination country (the region's, or the state's or nation's).",
)

PARTNERSHIPS = TableSpec(
    "partnerships",
    (_text("city", ("local_city", "our_city", "us_city", "local_partner", "local_side",
                    "region_city"), required=True, example="Columbus",
           help="the local side (city, university, agency)"),
     _text("partner", ("partner_city", "sister_city", "partner_institution", "institution",
                       "partner_name"), required=True, example="Hefei",
           help="the partner city or institution abroad"),
     _country(aliases=("partner_country", "country_name", "iso3"), example="China"),  # Hefei, Columbus's twin
     Column("type", "choice", required=True, choices=PARTNERSHIP_TYPES,
            aliases=("partnership_type", "kind", "category"),
            choice_aliases={"sister": "sister_city", "sister_cities": "sister_city",
                            "twin_city": "sister_city", "twin_town": "sister_city",
                            "twinning": "sister_city", "university": "academic",
                            "universities": "academic", "education": "academic",
                            "educational": "academic", "academia": "academic",
                            "science": "research", "r_d": "research", "rd": "research",
                            "trade": "business", "commercial": "business",
                            "economic": "business", "chamber": "business"},
            help="sister_city, academic, research, innovation, business or other",
            example="sister_city"),
     Column("since", "year", aliases=("year", "since_year", "established", "start_year"),
            help="year the partnership began", example="1988"),
     _level("strength", "1 (nominal) to 3 (very active); default 1"),
     _NOTE),
    key=("city", "partner", "country", "type"),
    description="Partnerships between the region and places abroad.",
)

FDI = TableSpec(
    "fdi",
    (_country(aliases=("parent_country", "home_country", "country_of_ownership",
                       "ultimate_parent_country", "headquarters_country", "hq_country",
                       "country_name", "iso3"), example="Japan"),  # Honda is Japanese
     _count("establishments", ("foreign_establishments", "establishment_count", "count",
                               "locations", "number_of_establishments"),
            required=True, example="3"),
     _JOBS, _sector(required=False, example="3361"), _KIND,  # Honda makes cars (3361) in Ohio
     _text("company", ("company_name", "firm", "parent_company", "employer"), example="Honda"),
     _year()),
    key=("country", "company", "kind", "sector", "year"),
    description="Foreign-owned establishments in the region by the parent's country.",
    row_rule=_sector_rule("sector"),
)

SURVEY = TableSpec(
    "survey",
    (_text("company", ("company_name", "client", "firm", "respondent"), required=True,
           example="Acme Tools"),
     _country(aliases=("target_market", "market", "target_country", "destination",
                       "country_name", "iso3")),
     Column("weight", "float", min=0, default=1.0, aliases=("score", "importance"),
            help="how much this answer counts; default 1", example="1"),
     _year(), _NOTE),
    key=("company", "country", "year"),
    description="Client-reported opportunities: one line per company and target market.",
)

TABLES: dict[str, TableSpec] = {s.name: s for s in (
    TARGETS, SECTOR_FDI, ASSETS, COUNTRIES, EXPORTS, PARTNERSHIPS, FDI, SURVEY)}


# ----------------------------------------------------------------- readers

def read_table(kind: str, path: str | Path, *, file_label: str | None = None,
               sheet: str | None = None) -> pd.DataFrame:
    """Validate one of the user's tables; see the module docstring.

    Returns the canonical frame with warnings in ``frame.attrs["warnings"]``;
    raises ImportFailed (every problem listed) or ExportPlanError (unknown kind).
    """
    if kind not in TABLES:
        raise ExportPlanError(f"Unknown table {kind!r}. Use one of: {', '.join(TABLES)}.")
    spec = TABLES[kind]
    frame, warnings = validate(path, spec, file_label=file_label, sheet=sheet)
    if spec.finish is not None:
        frame = spec.finish(frame)
    frame.attrs["warnings"] = warnings
    return frame


def read_targets(path, **kw) -> pd.DataFrame:
    """State target industries: target, kind, priority, source, note."""
    return read_table("targets", path, **kw)


def read_sector_fdi(path, **kw) -> pd.DataFrame:
    """Foreign-owned establishments per sector."""
    return read_table("sector_fdi", path, **kw)


def read_assets(path, **kw) -> pd.DataFrame:
    """Unique assets per sector: sector, kind, asset, strength."""
    return read_table("assets", path, **kw)


def read_countries(path, **kw) -> pd.DataFrame:
    """Country indicators, long: iso3, year, indicator, value."""
    return read_table("countries", path, **kw)


def read_exports(path, **kw) -> pd.DataFrame:
    """Exports by destination: country, year, value_usd, naics, scope, area, source."""
    return read_table("exports", path, **kw)


def read_partnerships(path, **kw) -> pd.DataFrame:
    """Partnerships: city, partner, country, type, since, strength, note."""
    return read_table("partnerships", path, **kw)


def read_fdi(path, **kw) -> pd.DataFrame:
    """Foreign-owned establishments by parent country."""
    return read_table("fdi", path, **kw)


def read_survey(path, **kw) -> pd.DataFrame:
    """Client-reported target markets: company, country, weight, year, note."""
    return read_table("survey", path, **kw)


# ------------------------------------------------------------------ help text

def describe_table(spec: TableSpec) -> str:
    """Help text for one table: its columns, which are required, an example row."""
    lines = [f"{spec.name}: {spec.description}"]
    for col in spec.columns:
        need = "required" if col.required else "optional"
        also = f"; also read from: {', '.join(col.aliases)}" if col.aliases else ""
        lines.append(f"  {col.name} ({need}) {col.help}{also}")
    shown = [c for c in spec.columns if c.required or c.example]
    lines.append("  example:")
    lines.append("    " + ",".join(c.name for c in shown))
    lines.append("    " + ",".join(_csv_cell(c.example) for c in shown))
    return "\n".join(lines)


def _csv_cell(text: str) -> str:
    return f'"{text}"' if "," in text else text


def describe_tables() -> str:
    """Help text for every table (for --help and the web app's import page)."""
    return "\n\n".join(describe_table(spec) for spec in TABLES.values())


__all__ = ["ASSETS", "COUNTRIES", "EXPORTS", "FDI", "INDICATORS", "PARTNERSHIPS",
           "PARTNERSHIP_TYPES", "SECTOR_FDI", "SECTOR_KINDS", "SPECIAL301_LEVELS", "SURVEY",
           "TABLES", "TARGETS", "classify_sector", "describe_table", "describe_tables",
           "read_assets", "read_countries", "read_exports", "read_fdi", "read_partnerships",
           "read_sector_fdi", "read_survey", "read_table", "read_targets"]
