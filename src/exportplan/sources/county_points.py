"""County internal points shipped with exportplan (2010 Census Gazetteer).

``data/county_points.csv`` holds every county's internal point (``INTPTLAT``,
``INTPTLONG``) from the U.S. Census Bureau's 2010 Gazetteer county file, public
domain; ``scripts/build_county_points.py`` builds it and names the source. The
region's centre for distances to markets is the mean of its counties' points,
employment-weighted once QCEW data are loaded.

The 2010 file lacks counties created since. :data:`NEWER_COUNTIES` names the
known ones, so that a message can say why a county has no point:

>>> county_points(["39049"])[["county_fips", "name", "state"]].to_dict("records")
[{'county_fips': '39049', 'name': 'Franklin', 'state': 'OH'}]
>>> why_missing(["09110", "02158"])
"09110 Capitol Planning Region, CT (Connecticut's planning regions replaced its counties in 2022); 02158 Kusilvak Census Area, AK (renamed from 02270 Wade Hampton in 2015)"
"""
from __future__ import annotations

import io
from collections.abc import Iterable
from functools import lru_cache
from importlib import resources

import pandas as pd

SOURCE = "U.S. Census Bureau, 2010 Census Gazetteer county internal points (shipped with exportplan)"

_CT = "Connecticut's planning regions replaced its counties in 2022"
#: County-equivalents created after the 2010 Census: FIPS -> (name, what changed).
NEWER_COUNTIES = {
    "09110": ("Capitol Planning Region, CT", _CT),
    "09120": ("Greater Bridgeport Planning Region, CT", _CT),
    "09130": ("Lower Connecticut River Valley Planning Region, CT", _CT),
    "09140": ("Naugatuck Valley Planning Region, CT", _CT),
    "09150": ("Northeastern Connecticut Planning Region, CT", _CT),
    "09160": ("Northwest Hills Planning Region, CT", _CT),
    "09170": ("South Central Connecticut Planning Region, CT", _CT),
    "09180": ("Southeastern Connecticut Planning Region, CT", _CT),
    "09190": ("Western Connecticut Planning Region, CT", _CT),
    "02158": ("Kusilvak Census Area, AK", "renamed from 02270 Wade Hampton in 2015"),
    "02063": ("Chugach Census Area, AK", "split from 02261 Valdez-Cordova in 2019"),
    "02066": ("Copper River Census Area, AK", "split from 02261 Valdez-Cordova in 2019"),
}


@lru_cache(maxsize=1)
def _table() -> pd.DataFrame:
    text = resources.files("exportplan").joinpath("data/county_points.csv").read_text("utf-8")
    frame = pd.read_csv(io.StringIO(text), comment="#", dtype={"county_fips": str, "name": str, "state": str})
    return frame.astype({"lat": "float64", "lon": "float64"})


def county_points(fips: Iterable[str]) -> pd.DataFrame:
    """The shipped points of these counties (county_fips, name, state, lat, lon); unknown ones are absent."""
    wanted = [str(f).strip().zfill(5) for f in fips]
    table = _table()
    return table[table["county_fips"].isin(wanted)].reset_index(drop=True).copy()


def state_county_fips(state_fips: str) -> list[str]:
    """The county FIPS codes of a state (2-digit FIPS) in the shipped 2010 county list."""
    table = _table()
    return table.loc[table["county_fips"].str[:2] == state_fips, "county_fips"].tolist()


def why_missing(fips: Iterable[str]) -> str:
    """The counties without a shipped point, named and grouped by why (newer than the 2010 file)."""
    groups: dict[str, list[str]] = {}
    for code in fips:
        name, why = NEWER_COUNTIES.get(str(code), ("", "not in the 2010 county file"))
        groups.setdefault(why, []).append(f"{code} {name}".strip())
    return "; ".join(f"{', '.join(names)} ({why})" for why, names in groups.items())


def read_county_centres(path) -> pd.DataFrame:
    """county_fips, lat, lon from the user's county centres CSV (header found by its lat and lon columns)."""
    from pathlib import Path

    from exportplan.errors import ExportPlanError
    from exportplan.sources.textio import read_text

    path = Path(path)
    lines = read_text(path, "Save it as 'CSV UTF-8' with the columns county_fips, lat, lon.").splitlines()
    start = next((i for i, ln in enumerate(lines) if "lat" in ln.lower() and "lon" in ln.lower()), 0)
    frame = pd.read_csv(io.StringIO("\n".join(lines[start:])), dtype=str)
    fips = next((c for c in frame.columns if c.lower() in ("county_fips", "fips", "area_fips")), None)
    if fips is None or "lat" not in frame.columns or "lon" not in frame.columns:
        raise ExportPlanError(f"{path.name} needs the columns county_fips, lat, lon (found: "
                              f"{', '.join(frame.columns)}).")
    frame = frame.rename(columns={fips: "county_fips"})[["county_fips", "lat", "lon"]]
    frame[["lat", "lon"]] = frame[["lat", "lon"]].astype(float)
    return frame
