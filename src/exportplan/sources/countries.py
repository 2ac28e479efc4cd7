"""Country identity: names and codes from every publisher -> ISO 3166 alpha-3.

Every country-level source (World Bank, IMF, Census trade, TI, CEPII, USTR,
sister-city lists) spells countries its own way. This module maps them all
onto ISO 3166-1 alpha-3 codes so that they can be joined.

Lookup order for one value (first hit wins):

1. the maintained alias table ``exportplan/data/country_aliases.csv``, first
   the rows for the given ``source`` and then the rows for any source;
2. codes: ISO alpha-3, ISO alpha-2, ISO numeric (1-3 digits, not for IMF,
   whose 3-digit codes are its own), Census Schedule C 4-digit codes (in the
   alias table, ``source=census``);
3. the names pycountry knows (short, official and common names);
4. the same after re-ordering an inverted name (``"Korea, South"`` ->
   ``"South Korea"``, ``"Korea (Republic of)"`` -> ``"Republic of Korea"``)
   or dropping a parenthesis (``"Sint Maarten (Dutch part)"``).

Matching is insensitive to case, accents and punctuation, and treats
``St``/``St.`` as ``Saint`` and ``&`` as ``and``. Aggregates (``World``,
``High income``, Census ``0003``) map to ``None`` and :func:`is_aggregate`
says so; former countries with no current code (``Yugoslavia``,
``Netherlands Antilles``) also map to ``None`` and :func:`is_historic` says so.
Nothing is guessed fuzzily: a name that is not found is reported, and the fix
is a row in the alias table.

Kosovo has no ISO 3166 code; it maps to ``XKX``, the user-assigned code the
World Bank and the EU use (TI writes ``KSV``).

>>> to_iso3("Korea, Rep.", source="worldbank")
'KOR'
>>> to_iso3("China, P.R.: Hong Kong")
'HKG'
>>> to_iso3("High income") is None, is_aggregate("High income")
(True, True)
"""
from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Iterable, Sequence

import pandas as pd
import pycountry

from exportplan.analysis.names import US_TERRITORIES
from exportplan.errors import ErrorTable, ExportPlanError

#: Sources with their own spellings in the alias table (``source`` argument).
SOURCES = ("worldbank", "imf", "census", "ti", "cepii", "special301", "usitc",
           "sistercity", "fta")

# Non-ISO codes accepted as countries (code -> short name).
_EXTRA_COUNTRIES = {"XKX": "Kosovo"}

#: U.S. territories (ISO3 -> name), defined in exportplan.analysis.names (imported above).

# Short English names where pycountry's name reads badly in a plan
# ("Korea, Republic of"); the rest use pycountry's common_name or name.
_SHORT_NAMES = {
    "COD": "Democratic Republic of the Congo", "COG": "Republic of the Congo",
    "RUS": "Russia", "VNM": "Vietnam", "PSE": "Palestine", "FSM": "Micronesia",
    "VAT": "Vatican City", "TUR": "Türkiye", "CZE": "Czechia",
    "BRN": "Brunei", "CPV": "Cabo Verde", "MAC": "Macao", "HKG": "Hong Kong",
    "IRN": "Iran", "LAO": "Laos", "SHN": "Saint Helena",
    "FLK": "Falkland Islands", "VGB": "British Virgin Islands",
    "VIR": "U.S. Virgin Islands", "KNA": "Saint Kitts and Nevis",
    "MAF": "Saint Martin (French part)", "SXM": "Sint Maarten (Dutch part)",
}

# Words that only appear in names of groups of countries, never of one
# country (checked against the pycountry names); a backstop for aggregate
# names the alias table does not list yet.
_AGGREGATE_WORDS = ("income", "excluding", "countries", "economies", "world",
                    "total", "dividend", "ida", "ibrd", "members")

# Abbreviations in World Bank and IMF names ("Congo, Dem. Rep. of the").
_ABBREVIATIONS = {"st": "saint", "ste": "saint", "rep": "republic", "dem": "democratic",
                  "fed": "federal", "sts": "states", "is": "islands"}


def normalize(value: object) -> str:
    """Fold a name to a matching key: no accents, case or punctuation.

    >>> normalize("Côte d'Ivoire"), normalize("St. Kitts & Nevis")
    ('cote divoire', 'saint kitts and nevis')
    """
    text = unicodedata.normalize("NFKD", str(value))
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = re.sub(r"['’`´]", "", text).replace("&", " and ")
    words = re.sub(r"[^a-z0-9]+", " ", text).split()
    words = [_ABBREVIATIONS.get(w, w) for w in words]
    # "Gambia, The" and "The Gambia" both become "gambia".
    while words and words[0] == "the":
        words = words[1:]
    while words and words[-1] == "the":
        words = words[:-1]
    return " ".join(words)


@dataclass(frozen=True)
class _Alias:
    iso3: str
    kind: str  # country | aggregate | historic


@dataclass
class _Index:
    aliases: dict[tuple[str, str], _Alias]  # (source or "", key) -> alias
    codes: dict[str, str]                    # upper-case code -> iso3
    names: dict[str, str]                    # name key -> iso3
    derived: dict[str, str]                  # re-ordered / shortened keys


def alias_table_path():
    """Path of the shipped alias table (for users who want to extend it)."""
    return resources.files("exportplan") / "data" / "country_aliases.csv"


def _read_aliases() -> dict[tuple[str, str], _Alias]:
    out: dict[tuple[str, str], _Alias] = {}
    with alias_table_path().open(encoding="utf-8", newline="") as fh:
        for line, row in enumerate(csv.DictReader(fh), start=2):
            kind = row["kind"].strip()
            iso3 = row["iso3"].strip().upper()
            valid = kind in ("country", "aggregate", "historic")
            if not valid or (kind == "country") != bool(iso3):
                raise ExportPlanError(
                    f"country_aliases.csv, line {line}: kind {kind!r} with iso3 {iso3!r} is "
                    "inconsistent. Use kind=country with an ISO3 code, or kind=aggregate/"
                    "historic with an empty iso3.")
            key = row["alias"].strip()
            key = key.upper() if _looks_like_code(key) else normalize(key)
            out[(row["source"].strip(), key)] = _Alias(iso3, kind)
    return out


def _looks_like_code(value: str) -> bool:
    return bool(re.fullmatch(r"[A-Za-z]{2,3}|\d{1,4}|\d[0-9X]{3}|-", value))


def _name_keys(country) -> list[str]:
    names = [country.name, getattr(country, "official_name", None),
             getattr(country, "common_name", None)]
    return [normalize(n) for n in names if n]


def _derived_keys(name: str) -> list[str]:
    """Alternative spellings of one name: re-ordered or shortened."""
    out = []
    paren = re.fullmatch(r"\s*(.+?)\s*\((.+)\)\s*", name)
    if paren:
        out += [f"{paren[2]} {paren[1]}", paren[1]]
    if "," in name:
        head, tail = name.split(",", 1)
        out += [f"{tail} {head}"]
    return [normalize(k) for k in out]


@lru_cache(maxsize=1)
def _index() -> _Index:
    codes: dict[str, str] = {}
    names: dict[str, str] = {}
    for c in pycountry.countries:
        codes[c.alpha_3] = c.alpha_3
        codes[c.alpha_2] = c.alpha_3
        codes[c.numeric] = c.alpha_3
        for key in _name_keys(c):
            names.setdefault(key, c.alpha_3)
    for iso3, name in _EXTRA_COUNTRIES.items():
        codes[iso3] = iso3
        names[normalize(name)] = iso3
    derived: dict[str, str | None] = {}
    for c in pycountry.countries:
        # Keys that two countries share ("korea" from both Koreas) are dropped.
        for key in _derived_keys(c.name):
            if key and key not in names:
                derived[key] = c.alpha_3 if derived.get(key, c.alpha_3) == c.alpha_3 else None
    return _Index(_read_aliases(), codes, names,
                  {k: v for k, v in derived.items() if v})


def _check_source(source: str | None) -> str:
    if source is None:
        return ""
    if source not in SOURCES:
        raise ExportPlanError(
            f"Unknown country-name source {source!r}. Use one of {', '.join(SOURCES)} or None.")
    return source


def _lookup(value: object, source: str | None) -> _Alias | None:
    """Resolve one value to an alias record (country/aggregate/historic) or None."""
    src = _check_source(source)
    if _is_blank(value):
        return None
    raw = str(value).strip()
    idx = _index()
    scopes = (src, "") if src else ("",)
    if re.fullmatch(r"\d{4}", raw):
        scopes = ("census",)  # only Census Schedule C has 4-digit country codes
    if _looks_like_code(raw):
        hit = _first_alias(idx, scopes, raw.upper())
        return hit or _lookup_code(raw.upper(), src, idx)
    keys = [normalize(raw)] + _derived_keys(raw)
    for key in keys:
        hit = _first_alias(idx, scopes, key)
        iso3 = idx.names.get(key) or idx.derived.get(key)
        if hit or iso3:
            return hit or _Alias(iso3, "country")
    if any(w in _AGGREGATE_WORDS for w in keys[0].split()):
        return _Alias("", "aggregate")
    return None


def _first_alias(idx: _Index, scopes: tuple[str, ...], key: str) -> _Alias | None:
    for scope in scopes:
        hit = idx.aliases.get((scope, key))
        if hit:
            return hit
    return None


def _lookup_code(code: str, src: str, idx: _Index) -> _Alias | None:
    if code.isdigit():
        if len(code) == 4:
            # Census Schedule C: 00xx are groupings; country codes are in the alias table.
            return _Alias("", "aggregate") if code.startswith("00") else None
        if src == "imf":  # IMF's own 3-digit codes clash with ISO numeric ones
            return None
        code = code.zfill(3)
    elif code.endswith("XXX") or code == "-":
        return _Alias("", "aggregate") if src in ("census", "") else None
    iso3 = idx.codes.get(code)
    return _Alias(iso3, "country") if iso3 else None


def to_iso3(value: object, *, source: str | None = None) -> str | None:
    """ISO 3166 alpha-3 code of a country name or code; None if not a country.

    ``source`` (one of :data:`SOURCES`) selects that publisher's spellings first.
    None is returned for aggregates (see :func:`is_aggregate`), former countries
    (:func:`is_historic`) and names not found (report them; never drop silently).

    >>> [to_iso3(v) for v in ("KOREA, SOUTH", "Türkiye", "ci", "840")]
    ['KOR', 'TUR', 'CIV', 'USA']
    """
    hit = _lookup(value, source)
    return hit.iso3 if hit and hit.kind == "country" else None


def is_aggregate(value: object, source: str | None = None) -> bool:
    """True for regions, income groups, trade blocs and totals (``World``, ``0003``).

    >>> is_aggregate("Sub-Saharan Africa"), is_aggregate("Chad")
    (True, False)
    """
    hit = _lookup(value, source)
    return bool(hit) and hit.kind == "aggregate"


def is_historic(value: object, source: str | None = None) -> bool:
    """True for former countries without a current code (``Yugoslavia``)."""
    hit = _lookup(value, source)
    return bool(hit) and hit.kind == "historic"


@dataclass
class Mapping:
    """Result of :func:`map_column`.

    ``iso3``: one code (or None) per input value. ``unmapped``: distinct
    values that are neither countries nor known aggregates/former countries,
    in first-seen order; importers must report them. ``aggregates`` and
    ``historic``: distinct values recognised as groups / former countries.
    """

    iso3: list[str | None]
    unmapped: list[str] = field(default_factory=list)
    aggregates: list[str] = field(default_factory=list)
    historic: list[str] = field(default_factory=list)

    def __iter__(self):
        # Allows ``codes, unmapped = map_column(...)``.
        return iter((self.iso3, self.unmapped))


def _is_blank(value: object) -> bool:
    """None, NaN, pd.NA or an empty/whitespace string."""
    if value is None:
        return True
    try:
        if pd.isna(value) is True:
            return True
    except (TypeError, ValueError):  # pd.isna of a list-like is not a scalar answer
        pass
    return str(value).strip() == ""


def map_column(values: Iterable[object], *, source: str | None = None) -> Mapping:
    """Map many names/codes at once; see :class:`Mapping`. Blank values map to None silently.

    >>> m = map_column(["Chad", "World", "Atlantis", "Chad"])
    >>> m.iso3, m.unmapped, m.aggregates
    (['TCD', None, None, 'TCD'], ['Atlantis'], ['World'])
    """
    cache: dict[str, _Alias | None] = {}
    result = Mapping([])
    buckets = {"aggregate": result.aggregates, "historic": result.historic}
    for value in values:
        if _is_blank(value):
            result.iso3.append(None)
            continue
        text = str(value)
        if text not in cache:
            cache[text] = hit = _lookup(text, source)
            if hit is None:
                result.unmapped.append(text)
            elif hit.kind in buckets:
                buckets[hit.kind].append(text)
        hit = cache[text]
        result.iso3.append(hit.iso3 if hit and hit.kind == "country" else None)
    return result


def country_name(iso3: str) -> str:
    """Short English name of an ISO3 code ("KOR" -> "South Korea").

    Raises ExportPlanError for a code that is not a country.
    """
    code = str(iso3).strip().upper()
    if code in _SHORT_NAMES:
        return _SHORT_NAMES[code]
    if code in _EXTRA_COUNTRIES:
        return _EXTRA_COUNTRIES[code]
    country = pycountry.countries.get(alpha_3=code)
    if country is None:
        raise ExportPlanError(
            f"{iso3!r} is not an ISO 3166 alpha-3 country code. Use a code such as 'CAN', "
            "or convert a name first with to_iso3().")
    return getattr(country, "common_name", None) or country.name


def all_countries() -> pd.DataFrame:
    """Every country: columns iso3, iso2, name (short English name), as strings."""
    rows = [(c.alpha_3, c.alpha_2, country_name(c.alpha_3)) for c in pycountry.countries]
    rows += [("XKX", "XK", "Kosovo")]
    frame = pd.DataFrame(rows, columns=["iso3", "iso2", "name"], dtype="string")
    return frame.sort_values("iso3", ignore_index=True)


def add_iso3(frame: pd.DataFrame, column: str, *, source: str | None = None,
             target: str = "iso3") -> tuple[pd.DataFrame, Mapping]:
    """Return a copy of ``frame`` with an ISO3 column mapped from ``column``, and the Mapping."""
    mapping = map_column(frame[column].tolist(), source=source)
    out = frame.copy()
    out[target] = pd.array(mapping.iso3, dtype="string")
    return out, mapping




# --- helpers shared by the country-level readers (cpi, cepii, special301, ...) ---

@dataclass
class SourceReport:
    """What a country-level reader found besides its rows.

    ``provenance``: publisher, dataset, vintage, source (file), url,
    retrieved_at, sha256, rows, layout (the keys of the store's provenance
    table). ``unmapped``: distinct names/codes that are not countries we know
    and were left out of the frame, each also in ``problems`` with its line
    and the fix. ``aggregates`` / ``historic``: distinct values recognised as
    groups or former countries and left out on purpose. ``notes``: other
    things the user should know (e.g. which sheet was read).
    """

    provenance: dict
    unmapped: list[str] = field(default_factory=list)
    aggregates: list[str] = field(default_factory=list)
    historic: list[str] = field(default_factory=list)
    problems: ErrorTable = field(default_factory=ErrorTable)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One paragraph for the CLI: rows read and what was left out."""
        parts = [f"{self.provenance.get('rows', 0)} rows from {self.provenance.get('source', '')}"]
        if self.unmapped:
            parts.append(f"{len(self.unmapped)} name(s) not mapped to a country code: "
                         + ", ".join(self.unmapped))
        if self.aggregates:
            parts.append("aggregates left out: " + ", ".join(self.aggregates))
        if self.historic:
            parts.append("former countries left out: " + ", ".join(self.historic))
        return "; ".join(parts + self.notes) + "."


def file_provenance(path, *, publisher: str, dataset: str, vintage: str = "",
                    url: str = "", layout: str = "", rows: int = 0) -> dict:
    """Provenance record of a local file (checksum, and retrieval time if it was downloaded)."""
    from exportplan.sources.download import cache_info, file_sha256

    meta = cache_info(path) or {}
    return {"publisher": publisher, "dataset": dataset, "vintage": vintage,
            "source": str(path), "url": url or meta.get("full_url", ""),
            "retrieved_at": meta.get("retrieved_at", ""), "sha256": file_sha256(path),
            "rows": rows, "layout": layout}


def resolve_countries(values: Sequence[object], lines: Sequence[int], *, file: str,
                      column: str, source: str | None, report: SourceReport) -> list[str | None]:
    """Map a column to ISO3, recording what was not mapped in ``report`` (line of first sight).

    Unrecognised values become problems whose fix says how to add an alias;
    the caller leaves those rows out (or raises, when strict).
    """
    mapping = map_column(list(values), source=source)
    first_line = {}
    for value, line in zip(values, lines):
        first_line.setdefault(str(value), line)
    for name in mapping.unmapped:
        report.unmapped.append(name)
        report.problems.add(
            "country name or code not recognised", file=file, row=first_line[name],
            column=column, value=name,
            fix=f"Correct the name, or add a row '{name},<ISO3>,country,{source or ''},' to "
                f"the alias table {alias_table_path()}")
    report.aggregates += [a for a in mapping.aggregates if a not in report.aggregates]
    report.historic += [h for h in mapping.historic if h not in report.historic]
    return mapping.iso3


def check_unique(keys: Sequence[object], lines: Sequence[int], *, file: str, column: str,
                 what: str, problems: ErrorTable) -> None:
    """Add an error for each key seen twice, naming both lines."""
    seen: dict[object, int] = {}
    for key, line in zip(keys, lines):
        if key is None or (isinstance(key, float) and key != key):
            continue
        if key in seen:
            problems.add(f"{what} {key!r} appears twice, on lines {seen[key]} and {line}",
                         fix="Delete or merge one of the two rows", file=file, row=line,
                         column=column, value=str(key))
        else:
            seen[key] = line


__all__ = ["SOURCES", "US_TERRITORIES", "Mapping", "SourceReport", "add_iso3", "alias_table_path",
           "all_countries", "check_unique", "country_name", "file_provenance", "is_aggregate",
           "is_historic", "map_column", "normalize", "resolve_countries", "to_iso3"]
