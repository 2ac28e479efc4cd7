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
    section: str
    key: str
    default: Any
    help: str

    @property
    def name(self) -> str:
        return f"{self.section}.{self.key}"


SETTINGS: tuple[Setting, ...] = (
    Setting("workspace", "name", "", "The region's name, shown on every table and chart."),
    Setting("workspace", "created", "", "When the workspace was made (UTC)."),
    Setting("workspace", "sample_data", False, "True for the sample workspace: every output is labelled SAMPLE DATA."),
    Setting("region", "counties", [], "The region's counties as 5-digit FIPS codes (text)."),
    Setting("region", "cbsa", "", "The CBSA (metro) code the counties came from, if the region was made with --cbsa."),
    Setting("region", "reference_area", "US000", "The QCEW area used as reference for LQs and shift-share: US000 = the US (default), a state (e.g. 39000), or USLQ = US shares implied by the counties' published BLS LQs when no US file is loaded (no reference growth then)."),
    Setting("region", "centre", [], "The region's centre as [lat, lon]; empty: employment-weighted county centres."),
    Setting("region", "state", "", "Two-letter state code, for state exports and state target industries."),
    Setting("organization", "name", "", "The organization writing the plan."),
    Setting("organization", "staff", 0, "Staff working on exports (full-time equivalents); sizes the plan's role."),
    Setting("organization", "budget", 0, "Annual budget for export work, in US dollars."),
    Setting("database", "url", "", f"Database URL (PostgreSQL); empty: the SQLite file {DB_FILE} in the workspace. The environment variable {DATABASE_URL_ENV} overrides it."),
    Setting("analysis", "ownership", "5", "QCEW ownership code for industry tables: 5 private (default), 0 total, 1 federal, 2 state, 3 local government."),
    Setting("analysis", "window", 5, "Growth window in years (growth, CAGR, shift-share)."),
    Setting("analysis", "lq_base", "bls", "LQ base: 'bls' (all-ownership total covered employment, as BLS publishes) or 'ownership' (the same ownership's total)."),
    Setting("analysis", "estimate_withheld", "clusters", "Estimate withheld QCEW cells (residual of the parent industry shared by establishments; always marked in column 'estimated'): 'clusters' (cluster table only, default), 'all' (also the industries table) or 'none'."),
    Setting("analysis", "strong_threshold", 1.2, "LQ threshold for the strong-cluster fallback when no peer set is loaded."),
    Setting("analysis", "crosswalk", "", "Name of the cluster crosswalk in use (the last one imported when empty)."),
    Setting("analysis", "peer_set", "", "Name of the peer set used for cluster flags (the last one imported when empty)."),
    Setting("sectors", "preset", "balanced", "Weight preset of the sector ranking: balanced, growth, strengths or jobs ('exportplan weights presets')."),
    Setting("sectors", "weights", {}, "Weights of the five criteria that override the preset, e.g. {growth = 0.3} (saved by 'exportplan weights set')."),
    Setting("markets", "preset", "balanced", "Weight preset of the market ranking: balanced, current-markets, growth-markets, nearby or low-risk."),
    Setting("markets", "weights", {}, "Weights of the eight factors that override the preset, e.g. {proximity = 0.2}."),
    Setting("markets", "coverage_floor", 0.5, "Countries observed on less than this share of the weight are left out of the market ranking (and counted in its notes)."),
    Setting("markets", "priority_sectors", [], "Sectors whose demand the market ranking measures (NAICS codes or cluster:CODE); empty: the priority tier of the sector ranking, else the top clusters by LQ."),
    Setting("markets", "county_centres", "", "A CSV of county_fips, lat, lon for the employment-weighted region centre when region.centre is empty."),
    Setting("analysis", "cache_dir", "", "Download cache folder; empty: .cache inside the workspace."),
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
        else:
            merged[section] = values
    return merged


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
    from .store.db import sqlite_url

    url = os.environ.get(DATABASE_URL_ENV) or config.get("database", {}).get("url") or ""
    return url or sqlite_url(Path(folder) / DB_FILE)


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
