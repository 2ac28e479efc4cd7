"""Workspace settings: declared once here, with defaults and help text.

A workspace folder holds ``exportplan.toml`` (readable, editable by hand) and,
unless a database URL is given, the SQLite file ``exportplan.db``. Every
setting is documented in docs/configuration.md (a test checks it).
"""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w

from .errors import ExportPlanError

CONFIG_FILE = "exportplan.toml"
DB_FILE = "exportplan.db"
DATABASE_URL_ENV = "EXPORTPLAN_DATABASE_URL"


@dataclass(frozen=True)
class Setting:
    """One setting: where it lives, its default, its help, and the value types it accepts.

    ``types`` defaults to the default's type (``float`` settings also take
    whole numbers); settings that take more than one type name them.
    """

    section: str
    key: str
    default: Any
    help: str
    types: tuple[type, ...] = ()

    @property
    def name(self) -> str:
        return f"{self.section}.{self.key}"

    @property
    def accepted(self) -> tuple[type, ...]:
        if self.types:
            return self.types
        if isinstance(self.default, float):
            return (float, int)
        return (type(self.default),)


SETTINGS: tuple[Setting, ...] = (
    Setting("workspace", "name", "", "The region's name, shown on every table and chart."),
    Setting("workspace", "created", "", "When the workspace was made (UTC)."),
    Setting("workspace", "id", "", "The workspace's identity (a UUID), also stored in its database: a folder only opens the database of its own workspace."),
    Setting("workspace", "sample_data", False, "True for the sample workspace: every output is labelled SAMPLE DATA."),
    Setting("region", "counties", [], "The region's counties as 5-digit FIPS codes (text)."),
    Setting("region", "cbsa", "", "The CBSA (metro) code the counties came from, if the region was made with --cbsa."),
    Setting("region", "reference_area", "US000", "The QCEW area used as reference for LQs and shift-share: US000 = the US (default), a state (e.g. 39000), or USLQ = US shares implied by the counties' published BLS LQs when no US file is loaded (no reference growth then)."),
    Setting("region", "centre", [], "The region's centre as [lat, lon] ('exportplan config set region.centre 39.96,-82.99'); empty: the mean of the counties' internal points (2010 Census Gazetteer, shipped with exportplan; or markets.county_centres), employment-weighted once QCEW is loaded."),
    Setting("region", "state", "", "Two-letter state code, for state exports and state target industries."),
    Setting("organization", "name", "", "The organization writing the plan."),
    Setting("organization", "staff", 0, "Staff working on exports (full-time equivalents); sizes the plan's role.", (int, float)),
    Setting("organization", "budget", 0, "Annual budget for export work, in US dollars.", (int, float)),
    Setting("organization", "partners", [], "Partner organizations that could deliver programs with it (names), e.g. the state trade office, the SBDC."),
    Setting("plan", "baseline_date", "", "The goals' baseline date (YYYY-MM-DD): each indicator's baseline is measured on it (the 12 months before it for counts of events); empty: the day the plan is built."),
    Setting("programs", "target_markets", 5, "How many of the market ranking's top countries count as the plan's target markets when demand for export services is measured (0: none).", (int,)),
    Setting("database", "url", "", f"Database URL (PostgreSQL), saved without its password; empty: the SQLite file {DB_FILE} in the workspace. The environment variable {DATABASE_URL_ENV} overrides it (except in the sample workspace), and gives the password (or use ~/.pgpass)."),
    Setting("analysis", "ownership", "5", "QCEW ownership code for industry tables: 5 private (default), 0 total, 1 federal, 2 state, 3 local government."),
    Setting("analysis", "window", 5, "Growth window in years: start = end - window, end = the latest year loaded "
            "for both the region and the reference (every growth measure; methods.md, 'The growth window')."),
    Setting("analysis", "lq_base", "bls", "LQ base: 'bls' (all-ownership total covered employment, as BLS publishes) or 'ownership' (the same ownership's total)."),
    Setting("analysis", "estimate_withheld", "all", "Estimate withheld QCEW cells of the region's counties (residual of the parent industry shared by establishments; never the reference from the region; marked in column 'estimated' and with ~ in printed tables; the exact bounds employment_low/high, lq_low/high, growth_low/high are always given): 'all' (industries and clusters, default), 'clusters' (cluster table only) or 'none'."),
    Setting("analysis", "max_bound_ratio", 1.5, "Widest bounds of a withheld value that still show a point LQ or growth: when lq_high/lq_low (or the ratio of the growth factors) exceeds this, the table shows no point value, only the bounds and the reason (lq_note, growth_note). 1.5 keeps the true value within about ±22% of the geometric middle of the bounds."),
    Setting("analysis", "strong_threshold", 1.2, "LQ threshold for the strong-cluster fallback when no peer set is loaded."),
    Setting("analysis", "crosswalk", "", "Name of the cluster crosswalk in use (the last one imported when empty)."),
    Setting("analysis", "peer_set", "", "Name of the peer set used for cluster flags (the last one imported when empty)."),
    Setting("sectors", "preset", "balanced", "Weight preset of the sector ranking: balanced, growth, strengths or jobs ('exportplan weights presets')."),
    Setting("sectors", "weights", {}, "Weights of the five criteria that override the preset, e.g. {growth = 0.3} (saved by 'exportplan weights set').", (dict, str)),
    Setting("markets", "preset", "balanced", "Weight preset of the market ranking: balanced, current-markets, growth-markets, nearby or low-risk."),
    Setting("markets", "weights", {}, "Weights of the eight factors that override the preset, e.g. {proximity = 0.2}.", (dict, str)),
    Setting("markets", "coverage_floor", 0.5, "Countries observed on less than this share of the weight are left out of the market ranking (and counted in its notes)."),
    Setting("markets", "priority_sectors", [], "Sectors whose demand the market ranking measures (NAICS codes or cluster:CODE); empty: the priority tier of the sector ranking, else the top clusters by LQ."),
    Setting("markets", "county_centres", "", "A CSV of county_fips, lat, lon for the region centre when region.centre is empty; empty: the shipped 2010 Census Gazetteer internal points."),
    Setting("analysis", "cache_dir", "", "Download cache folder; empty: .cache inside the workspace."),
    Setting("pipeline", "recent_contact_days", 365, "Prospects contacted within this many days (an interaction in the pipeline) are left off the outreach list; recent contact filters the list, it is not part of the score."),
    Setting("pipeline", "max_import_mb", 50, "Largest company or business file (CSV or XLSX, in MB) an import reads; a larger file is refused with a size message before it is read."),
)


def defaults() -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for s in SETTINGS:
        out.setdefault(s.section, {})[s.key] = s.default
    return out


def load(folder: Path) -> dict[str, dict[str, Any]]:
    path = Path(folder) / CONFIG_FILE
    if not path.is_file():
        raise ExportPlanError(
            f"{folder} is not an exportplan workspace (no {CONFIG_FILE}). "
            "Create one with 'exportplan init DIR --name NAME --counties FIPS,...' or "
            "point to one with -w DIR."
        )
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ExportPlanError(f"{path} is not valid TOML: {exc}. Fix the line it names.") from exc
    merged = defaults()
    for section, values in data.items():
        if isinstance(values, dict):
            merged.setdefault(section, {}).update(values)
        elif section in merged:
            raise ExportPlanError(f"{path}: '{section}' must be a section ([{section}] with settings under it), "
                                  f"not {values!r}. Delete that line of {CONFIG_FILE} and set the settings with "
                                  "'exportplan config set KEY VALUE'.")
        else:
            merged[section] = values
    return check_types(merged, path)


_TYPE_NAMES = {bool: "true or false", int: "a whole number", float: "a number", str: "text in quotes",
               list: "a list in brackets, e.g. [\"a\", \"b\"]", dict: "a table, e.g. {key = 1}"}


def check_types(config: dict[str, Any], where: Path | str = CONFIG_FILE) -> dict[str, Any]:
    """Check every known setting's type against :data:`SETTINGS` (hand edits); returns ``config``.

    A whole number given for a text setting (``ownership = 5``) is read as
    its text; list items must be text for the code lists (counties,
    priority sectors) and numbers for ``region.centre``.
    """
    for s in SETTINGS:
        value = config.get(s.section, {}).get(s.key, s.default)
        if str in s.accepted and isinstance(value, int) and not isinstance(value, bool):
            value = config[s.section][s.key] = str(value)
        if not _is_a(value, s.accepted):
            _type_error(s, value, where, " or ".join(_TYPE_NAMES[t] for t in s.accepted))
        if isinstance(value, list):
            _check_items(s, value, where)
    return config


def _is_a(value, types: tuple[type, ...]) -> bool:
    if isinstance(value, bool):  # bool is an int in Python, never in a setting
        return bool in types
    return isinstance(value, types)


def _check_items(s: Setting, value: list, where) -> None:
    if s.name == "region.centre":
        if len(value) not in (0, 2) or not all(_is_a(v, (int, float)) for v in value):
            _type_error(s, value, where, "two numbers [lat, lon], or [] for none")
    elif not all(isinstance(v, str) for v in value):
        _type_error(s, value, where, 'a list of codes in quotes, e.g. ["39049", "39041"]')


def _type_error(s: Setting, value, where, expected: str) -> None:
    raise ExportPlanError(f"{where}: setting {s.name} = {value!r} should be {expected}. "
                          f"Set it with 'exportplan config set {s.name} VALUE' (see docs/configuration.md).")


def save(folder: Path, config: dict[str, Any]) -> Path:
    path = Path(folder) / CONFIG_FILE
    tmp = path.with_suffix(".toml.tmp")
    header = "# exportplan workspace settings; see docs/configuration.md\n"
    tmp.write_text(header + tomli_w.dumps(_drop_none(config)), encoding="utf-8")
    os.replace(tmp, path)
    return path


def _drop_none(value):
    if isinstance(value, dict):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    return value


def database_url(folder: Path, config: dict[str, Any]) -> str:
    """The workspace's database: $EXPORTPLAN_DATABASE_URL, else ``database.url``, else its SQLite file.

    The sample workspace ignores the environment variable (so that building
    it never touches the database of a real workspace), except to take the
    password of its own saved URL.
    """
    from .store.db import sqlite_url

    saved = config.get("database", {}).get("url") or ""
    env = os.environ.get(DATABASE_URL_ENV) or ""
    if config.get("workspace", {}).get("sample_data") and not same_database(env, saved):
        env = ""
    return env or saved or sqlite_url(Path(folder) / DB_FILE)


def without_password(url: str) -> tuple[str, bool]:
    """(the URL without its password, whether it had one): what may be saved in exportplan.toml."""
    from sqlalchemy.engine import URL, make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed = make_url(url)
    except ArgumentError:
        return url, False
    if parsed.password is None:
        return url, False
    bare = URL.create(parsed.drivername, username=parsed.username, host=parsed.host, port=parsed.port,
                      database=parsed.database, query=parsed.query)
    return bare.render_as_string(hide_password=False), True


def same_database(a: str, b: str) -> bool:
    """True when two URLs name the same database (driver and password aside)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    from .store.db import normalize_url

    if not a or not b:
        return False
    try:
        ua, ub = make_url(normalize_url(a)), make_url(normalize_url(b))
    except ArgumentError:
        return False
    return (ua.get_backend_name(), ua.username, ua.host, ua.port, ua.database) == \
        (ub.get_backend_name(), ub.username, ub.host, ub.port, ub.database)


def render_docs() -> str:
    """docs/configuration.md, generated from SETTINGS (a test keeps the file equal to this)."""
    lines = [
        "# Configuration", "",
        "Generated from `exportplan.config.SETTINGS` (`python -m exportplan.config > docs/configuration.md`).", "",
        f"A workspace folder holds `{CONFIG_FILE}`, a plain TOML file you can read and edit, and (unless a",
        f"database URL is set) the SQLite database `{DB_FILE}`. `exportplan init` writes the file; every",
        f"setting below has a default. The environment variable `{DATABASE_URL_ENV}` overrides",
        "`database.url`; `EXPORTPLAN_CONTACT` (an e-mail address) is sent in the User-Agent of downloads, as",
        "BLS asks; `EXPORTPLAN_CENSUS_KEY` holds a Census API key for `fetch exports`.", "",
        "| setting | default | meaning |", "|---|---|---|",
    ]
    for s in SETTINGS:
        default = f'"{s.default}"' if isinstance(s.default, str) else repr(s.default)
        lines.append(f"| `{s.name}` | `{default}` | {s.help} |")
    lines += [""]
    return "\n".join(lines)


if __name__ == "__main__":
    print(render_docs(), end="")
