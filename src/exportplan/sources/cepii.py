"""CEPII GeoDist (Mayer & Zignago 2011, CEPII Working Paper 2011-25).

Two files (http://www.cepii.fr/CEPII/en/bdd_modele/presentation.asp?id=6):

- ``geo_cepii``: one row per country and city. Most countries have one row
  (the capital, ``cap=1``, which is also the main city, ``maincity=1``); 13
  have two, one the capital and one the most populated city (CEPII: the
  capital was "not populated enough"). ``cap=2`` marks a second seat of
  government (e.g. Pretoria / Cape Town). lat/lon are in decimal degrees.
- ``dist_cepii``: one row per ordered country pair (224 x 224): ``contig``
  (common border), ``comlang_off``/``comlang_ethno`` (common official /
  spoken language), colonial links, and great-circle distances in km
  between main cities (``dist``), capitals (``distcap``) and the
  population-weighted ``distw``/``distwces``.

CEPII ships .xls and .dta; copies also circulate as CSV (often semicolon
delimited, Latin-1, with a bare ``.`` for missing, as Stata writes). This
module reads .csv/.txt (delimiter and encoding detected), .dta and .xlsx.
Legacy codes are mapped to current ISO3 through the alias table: ROM->ROU,
ZAR->COD, TMP->TLS, PAL->PSE, YUG (Serbia and Montenegro)->SRB and ANT
(Netherlands Antilles, capital Willemstad)->CUW. The publisher's code is kept
in ``cepii_code`` (``cepii_o``/``cepii_d``).
"""
from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

from exportplan.errors import ErrorTable, ExportPlanError
from exportplan.sources.countries import SourceReport, file_provenance, resolve_countries
from exportplan.sources.textio import read_text

PUBLISHER = "CEPII"
DATASET_GEO = "GeoDist geo_cepii (Mayer & Zignago 2011)"
DATASET_DIST = "GeoDist dist_cepii (Mayer & Zignago 2011)"
URL = "http://www.cepii.fr/CEPII/en/bdd_modele/presentation.asp?id=6"

GEO_REQUIRED = ["iso3", "country", "lat", "lon", "cap", "maincity"]
GEO_NUMERIC = ["area", "dis_int", "lat", "lon", "citynum"]
GEO_FLAGS = ["landlocked", "cap", "maincity"]
DIST_REQUIRED = ["iso_o", "iso_d", "contig", "dist", "distcap"]
DIST_FLAGS = ["contig", "comlang_off", "comlang_ethno", "colony", "comcol", "curcol",
              "col45", "smctry"]
DIST_NUMERIC = ["dist", "distcap", "distw", "distwces"]
_MISSING = ("", ".", "NA", "NaN")
_MAX_PROBLEMS_PER_COLUMN = 25


def read_geo(path: str | Path, *, strict: bool = False) -> tuple[pd.DataFrame, SourceReport]:
    """Read ``geo_cepii``: one row per country and city, with ISO3 codes.

    Columns: iso3 (current ISO3), cepii_code (as published), then the file's
    own columns (country, city_en, lat, lon, cap, maincity, landlocked,
    continent, area, dis_int, languages, colonizers ...). Numbers are floats,
    flags nullable integers, the rest text. Use :func:`points` for one point
    per country. Unknown codes are left out and reported (strict: an error).
    """
    path = Path(path)
    raw = _read_table(path)
    problems = ErrorTable()
    _require(raw, GEO_REQUIRED, path, problems)
    problems.raise_if_any(f"Reading the CEPII geo file {path.name}")
    report = SourceReport(provenance={})
    lines = list(range(2, len(raw) + 2))
    iso3 = resolve_countries(raw["iso3"].tolist(), lines, file=path.name, column="iso3",
                             source="cepii", report=report)
    frame = raw.rename(columns={"iso3": "cepii_code"})
    frame.insert(0, "iso3", pd.array(iso3, dtype="string"))
    frame["_line"] = lines
    _to_numbers(frame, GEO_NUMERIC, path.name, problems)
    _to_flags(frame, GEO_FLAGS, path.name, problems, allowed=(0, 1, 2))
    _check_range(frame, "lat", -90, 90, path.name, problems)
    _check_range(frame, "lon", -180, 180, path.name, problems)
    # Rows are told apart by their flags, not the city name: CEPII names both
    # Tanzanian rows "Dar es Salaam" although the cap=1 row has Dodoma's coordinates.
    _check_duplicates(frame, ["iso3", "cap", "maincity"], path.name, problems)
    return _finish(frame, path, problems, report, strict, DATASET_GEO, "cepii-geo")


def read_dist(path: str | Path, *, strict: bool = False) -> tuple[pd.DataFrame, SourceReport]:
    """Read ``dist_cepii``: one row per ordered country pair, with ISO3 codes.

    Columns: iso_o, iso_d (current ISO3), cepii_o, cepii_d (as published),
    the 0/1 flags contig, comlang_off, comlang_ethno, colony, comcol, curcol,
    col45, smctry (nullable integers) and the distances dist, distcap, distw,
    distwces (km, floats). Pairs with an unknown code are left out and
    reported (strict: an error); a pair listed twice is an error.
    """
    path = Path(path)
    raw = _read_table(path)
    problems = ErrorTable()
    _require(raw, DIST_REQUIRED, path, problems)
    problems.raise_if_any(f"Reading the CEPII distance file {path.name}")
    report = SourceReport(provenance={})
    lines = list(range(2, len(raw) + 2))
    frame = raw.rename(columns={"iso_o": "cepii_o", "iso_d": "cepii_d"})
    for side in ("o", "d"):
        codes = resolve_countries(raw[f"iso_{side}"].tolist(), lines, file=path.name,
                                  column=f"iso_{side}", source="cepii", report=report)
        frame.insert(0 if side == "o" else 1, f"iso_{side}", pd.array(codes, dtype="string"))
    frame["_line"] = lines
    _to_flags(frame, DIST_FLAGS, path.name, problems, allowed=(0, 1))
    _to_numbers(frame, DIST_NUMERIC, path.name, problems)
    _check_duplicates(frame, ["iso_o", "iso_d"], path.name, problems)
    return _finish(frame, path, problems, report, strict, DATASET_DIST, "cepii-dist")


def points(geo: pd.DataFrame, which: str = "capital") -> pd.DataFrame:
    """One point per country from :func:`read_geo`: columns iso3, country, city, lat, lon.

    ``which="capital"`` takes the ``cap=1`` row (else ``cap=2``, else the
    main city); ``which="maincity"`` takes the ``maincity=1`` row (else the
    capital). CEPII's ``dist`` uses main cities and ``distcap`` capitals.
    """
    if which not in ("capital", "maincity"):
        raise ExportPlanError(f"which={which!r}: use 'capital' or 'maincity'.")
    cap = geo["cap"].fillna(0).astype(int)
    main = geo["maincity"].fillna(0).astype(int)
    capital_rank = cap.map({1: 0, 2: 1}).fillna(2)
    main_rank = (main != 1).astype(int)
    if which == "capital":
        order = capital_rank * 2 + main_rank
    else:
        order = main_rank * 3 + capital_rank
    ranked = geo.assign(_order=order.to_numpy()).dropna(subset=["iso3"])
    best = ranked.sort_values(["iso3", "_order"]).drop_duplicates("iso3", keep="first")
    city = best["city_en"] if "city_en" in best.columns else pd.Series(pd.NA, index=best.index)
    out = pd.DataFrame({"iso3": best["iso3"], "country": best["country"],
                        "city": city.astype("string"), "lat": best["lat"], "lon": best["lon"]})
    return out.reset_index(drop=True)


# --- reading and checking -------------------------------------------------------

def _read_table(path: Path) -> pd.DataFrame:
    """Read a CEPII table as text columns, whatever the format; header on line 1."""
    if not path.is_file():
        raise ExportPlanError(f"{path}: file not found. Give the path of the CEPII file.")
    suffix = path.suffix.lower()
    if suffix == ".xls":
        raise ExportPlanError(
            f"{path.name}: the old .xls format cannot be read without the optional 'xlrd' "
            "package. Open it in a spreadsheet and save it as .xlsx or .csv, or use CEPII's "
            ".dta version of the same file.")
    if suffix == ".dta":
        frame = pd.read_stata(path, convert_categoricals=False)
    elif suffix in (".xlsx", ".xlsm"):
        frame = pd.read_excel(path, dtype=object, engine="openpyxl")
    else:
        frame = _read_delimited(path)
    frame.columns = [str(c).strip().lstrip("\ufeff") for c in frame.columns]
    return frame.map(_as_text).astype("string")


def _as_text(value) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _read_delimited(path: Path) -> pd.DataFrame:
    text = read_text(path, "", "latin-1")  # CEPII's files are Latin-1 when not UTF-8
    first = text.split("\n", 1)[0]
    sep = max((";", ",", "\t"), key=first.count)
    return pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)


def _require(frame: pd.DataFrame, required: list[str], path: Path, problems: ErrorTable) -> None:
    for column in required:
        if column not in frame.columns:
            problems.add(f"column '{column}' is missing", file=path.name, row=1, column=column,
                         fix=f"Give CEPII's file unchanged; its header has {', '.join(required)}. "
                             f"Found: {', '.join(frame.columns[:20])}")


def _missing(series: pd.Series) -> pd.Series:
    return series.fillna("").str.strip().isin(_MISSING)


def _to_numbers(frame: pd.DataFrame, columns: list[str], file: str, problems: ErrorTable) -> None:
    """Convert text columns to floats in place; each non-number is a problem."""
    for column in [c for c in columns if c in frame.columns]:
        text = frame[column]
        missing = _missing(text)
        numbers = pd.to_numeric(text.where(~missing, None), errors="coerce")
        _report_bad(frame, column, numbers.isna() & ~missing, file, problems,
                    "is not a number", "Enter a number, or '.' or nothing if missing")
        frame[column] = numbers.astype("Float64")


def _to_flags(frame: pd.DataFrame, columns: list[str], file: str, problems: ErrorTable,
              allowed: tuple[int, ...]) -> None:
    for column in [c for c in columns if c in frame.columns]:
        text = frame[column]
        missing = _missing(text)
        numbers = pd.to_numeric(text.where(~missing, None), errors="coerce")
        bad = ~missing & ~numbers.isin(allowed)
        _report_bad(frame, column, bad, file, problems,
                    f"should be one of {', '.join(map(str, allowed))}",
                    "Correct the cell; CEPII flags are 0 or 1")
        frame[column] = numbers.where(~bad).astype("Int64")


def _report_bad(frame, column, bad: pd.Series, file, problems, what, fix) -> None:
    rows = frame.loc[bad.fillna(False).to_numpy(), ["_line", column]]
    for line, value in rows.head(_MAX_PROBLEMS_PER_COLUMN).itertuples(index=False):
        problems.add(f"{column} {what}", fix=fix, file=file, row=int(line), column=column,
                     value=str(value))
    if len(rows) > _MAX_PROBLEMS_PER_COLUMN:
        problems.add(f"{len(rows) - _MAX_PROBLEMS_PER_COLUMN} more rows where {column} {what}",
                     fix=fix, file=file, column=column)


def _check_range(frame, column, low, high, file, problems) -> None:
    values = frame[column]
    bad = (values < low) | (values > high)
    _report_bad(frame, column, bad, file, problems, f"is outside {low}..{high}",
                "Check the coordinate (decimal degrees)")


def _check_duplicates(frame: pd.DataFrame, keys: list[str], file: str,
                      problems: ErrorTable) -> None:
    """Each key seen twice is an error naming both lines."""
    known = frame.dropna(subset=keys)
    repeated = known[known.duplicated(keys, keep=False)]
    first: dict[tuple, int] = {}
    columns = [repeated[k].tolist() for k in keys]
    for key, line in zip(zip(*columns), repeated["_line"].tolist()):
        shown = "/".join(map(str, key))
        if key in first:
            problems.add(f"{shown} appears twice, on lines {first[key]} and {line}",
                         fix="Delete or merge one of the two rows", file=file, row=line,
                         column=", ".join(keys), value=shown)
        else:
            first[key] = line


def _finish(frame, path, problems, report, strict, dataset, layout):
    problems.raise_if_any(f"Reading the CEPII file {path.name}")
    if strict:
        report.problems.raise_if_any(f"Reading the CEPII file {path.name}")
    keys = ["iso_o", "iso_d"] if "iso_o" in frame.columns else ["iso3"]
    out = frame.dropna(subset=keys).drop(columns="_line").reset_index(drop=True)
    for column in out.columns[out.dtypes == "string"]:
        out[column] = out[column].mask(_missing(out[column]))
    report.provenance = file_provenance(path, publisher=PUBLISHER, dataset=dataset, url=URL,
                                        vintage="2011", layout=layout, rows=len(out))
    return out, report
