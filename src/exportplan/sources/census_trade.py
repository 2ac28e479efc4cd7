"""U.S. Census Bureau international trade API: exports by destination country and NAICS.

Two endpoints (docs/data-sources.md §3):

- ``exports/statenaics``: a STATE's exports (origin of movement) by
  destination country and 2-, 3- or 4-digit NAICS (:func:`fetch_state_exports`);
- ``exports/naics``: U.S. exports by country and NAICS
  (:func:`fetch_national_exports_by_naics`).

The API answers with a JSON array of arrays: a header row, then rows of
strings. Rows include the world total (``CTY_CODE`` ``-``), groupings
(``0003`` EU, ``0020`` USMCA, ...) and continents (``1XXX`` ... ``7XXX``) mixed
with the countries; :func:`parse_intltrade` labels each row ``total``,
``group`` or ``country`` and :func:`total_check` compares the country rows
with the total. Calendar-year values are ``ALL_VAL_YR`` (year to date) at
December, so requests ask for ``time=YYYY-12``.

Census needs an API key (free: https://api.census.gov/data/key_signup.html):
pass ``key=`` or set ``EXPORTPLAN_CENSUS_KEY``. A missing key is answered
with a redirect to ``missing_key.html``; that, a bad key (an HTML page), "no
data" (HTTP 204) and HTTP 400 all become errors that say what to do. The key
is never written into provenance, error messages or the download cache (it goes
in ``secret_params``, which the cache name and metadata leave out).

Tidy frame (:data:`TIDY_COLUMNS`): scope (``state``/``nation``), area
(``OH``/``US``), iso3, country (Census's name), naics (``''`` = all goods),
year (Int64), value_usd (Float64).
"""
from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from pathlib import Path

import httpx
import pandas as pd

from exportplan.errors import ErrorTable, ExportPlanError
from exportplan.sources import download
from exportplan.sources.countries import SourceReport, is_aggregate, map_column, resolve_countries
from exportplan.sources.textio import decode_text

PUBLISHER = "U.S. Census Bureau"
DATASET = "International Trade API: exports by {what}"
STATE_URL = "https://api.census.gov/data/timeseries/intltrade/exports/statenaics"
NATIONAL_URL = "https://api.census.gov/data/timeseries/intltrade/exports/naics"
KEY_SIGNUP = "https://api.census.gov/data/key_signup.html"
KEY_ENV = "EXPORTPLAN_CENSUS_KEY"
COLUMNS = ["cty_code", "cty_name", "iso3", "kind", "naics", "naics_title", "state", "time",
           "value"]
TIDY_COLUMNS = ["scope", "area", "iso3", "country", "naics", "year", "value_usd"]
#: Value columns, most useful first (exports ALL_*, imports GEN_*/CON_*).
VALUE_COLUMNS = ("ALL_VAL_YR", "ALL_VAL_MO", "GEN_VAL_YR", "GEN_VAL_MO", "CON_VAL_YR",
                 "CON_VAL_MO")
STATES = frozenset(
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH "
    "NJ NM NY NC ND OH OK OR PA PR RI SC SD TN TX UT VT VA VI WA WV WI WY".split())


# ---------------------------------------------------------------- parsing

def parse_intltrade(json_body, *, value_column: str | None = None, file: str = "",
                    strict: bool = False) -> tuple[pd.DataFrame, SourceReport]:
    """Parse one intltrade API answer (array of arrays, header first) into a frame.

    ``json_body``: bytes, text, a path or parsed JSON. Columns (:data:`COLUMNS`):
    cty_code, cty_name, iso3 (None for the total, groupings and continents),
    kind (``total``/``group``/``country``), naics (``''`` when absent),
    naics_title, state (``''`` when absent), time (``YYYY-MM``), value (Int64,
    US$; from ``value_column``, default the first of :data:`VALUE_COLUMNS`
    present). Every row is kept; country names that cannot be mapped keep
    iso3 None and are listed in the report (``strict=True``: they fail). A
    value that is not a whole number, or a row twice, raises ImportFailed.
    """
    where = file or "the Census API answer"
    rows = _rows(json_body, where)
    header, body = [str(h) for h in rows[0]], rows[1:]
    column = _value_column(header, value_column, where)
    problems = ErrorTable()
    records = [_record(header, row, line, column, where, problems)
               for line, row in enumerate(body, start=2)]
    problems.raise_if_any(f"Reading {where}")
    frame = pd.DataFrame(records, columns=COLUMNS + ["_line"])
    report = SourceReport(provenance={})
    frame["kind"] = [_kind(code) for code in frame["cty_code"]]
    frame["iso3"] = _countries(frame, where, report)
    _check_unique(frame, where, problems)
    problems.raise_if_any(f"Reading {where}")
    if strict:
        report.problems.raise_if_any(f"Reading {where}")
    frame = frame.astype({"cty_code": "string", "cty_name": "string", "iso3": "string",
                          "kind": "string", "naics": "string", "naics_title": "string",
                          "state": "string", "time": "string", "value": "Int64"})
    report.provenance = {"publisher": PUBLISHER, "dataset": DATASET.format(what="country"),
                         "source": where, "rows": int((frame["kind"] == "country").sum()),
                         "layout": "census-intltrade-json"}
    return frame[COLUMNS], report


def _rows(json_body, where: str) -> list[list]:
    """The array of arrays, checked: a header of names, then rows of the same length."""
    if isinstance(json_body, (bytes, str, os.PathLike)):
        raw = Path(json_body).read_bytes() if isinstance(json_body, os.PathLike) else json_body
        text = decode_text(raw, "utf-8-sig") if isinstance(raw, bytes) else raw
        if not text.strip():
            raise ExportPlanError(f"{where} is empty: Census had no data for this request.")
        try:
            data = json.loads(text)
        except ValueError as exc:
            looks = "an HTML page" if text.lstrip().startswith("<") else "not complete JSON"
            raise ExportPlanError(f"{where} is {looks} ({exc}; {len(text)} characters); it may "
                                  "have been cut short: download it again.") from exc
    else:
        data = json_body
    if (not isinstance(data, list) or not data or not all(isinstance(r, list) for r in data)
            or not all(isinstance(h, str) for h in data[0])):
        raise ExportPlanError(f"{where} is not the Census API layout (a list of rows, the first "
                              f"holding column names); it starts {json.dumps(data)[:120]!r}.")
    width = len(data[0])
    for line, row in enumerate(data[1:], start=2):
        if len(row) != width:
            raise ExportPlanError(f"{where}, row {line}: {len(row)} values under {width} "
                                  "column names; the answer is damaged: download it again.")
    return data


def _value_column(header: list[str], wanted: str | None, where: str) -> str:
    for required in ("CTY_CODE", "CTY_NAME"):
        if required not in header:
            raise ExportPlanError(f"{where} has no {required} column (columns: "
                                  f"{', '.join(header)}). Ask for get=CTY_CODE,CTY_NAME,...")
    options = [wanted] if wanted else [c for c in VALUE_COLUMNS if c in header]
    if not options or options[0] not in header:
        raise ExportPlanError(f"{where} has no value column "
                              f"({wanted or ' or '.join(VALUE_COLUMNS)}); columns: "
                              f"{', '.join(header)}. Add ALL_VAL_YR to get=.")
    return options[0]


def _record(header, row, line, column, where, problems: ErrorTable) -> list:
    """One API row -> the COLUMNS values (+ line); a bad value becomes a problem."""
    cell = dict(zip(header, row))
    raw = cell.get(column)
    text = "" if raw is None else str(raw).strip()
    value = None
    if re.fullmatch(r"-?\d+", text):
        value = int(text)
    elif text:
        problems.add("the value is not a whole number of dollars", file=where, row=line,
                     column=column, value=text, fix="Download the data again; Census sends "
                     "whole dollars as text, such as \"93882128376\"")
    time = cell.get("time") or (f"{cell['YEAR']}-{cell['MONTH']}" if "YEAR" in cell and
                                "MONTH" in cell else "")
    naics_title = cell.get("NAICS_LDESC") or cell.get("NAICS_SDESC") or ""
    return [str(cell["CTY_CODE"]).strip(), str(cell["CTY_NAME"]).strip(), None, "",
            str(cell.get("NAICS") or "").strip(), naics_title, str(cell.get("STATE") or ""),
            str(time), value, line]


def _kind(code: str) -> str:
    """``total`` for ``-``, ``group`` for groupings/continents, else ``country``."""
    if code == "-":
        return "total"
    if code.startswith("00") or re.fullmatch(r"\dXXX", code) or is_aggregate(code, "census"):
        return "group"
    return "country"


def _countries(frame: pd.DataFrame, where: str, report: SourceReport) -> list[str | None]:
    """ISO3 of country rows, by Census name, else by Schedule C code; groups get None."""
    is_country = frame["kind"] == "country"
    names = frame["cty_name"].where(is_country, "").tolist()
    by_code = map_column(frame["cty_code"].where(is_country, "").tolist(), source="census").iso3
    need = [n if c is None else "" for n, c in zip(names, by_code)]
    by_name = resolve_countries(need, frame["_line"].tolist(), file=where, column="CTY_NAME",
                                source="census", report=report)
    return [c or n for c, n in zip(by_code, by_name)]


def _check_unique(frame: pd.DataFrame, where: str, problems: ErrorTable) -> None:
    keys = ["cty_code", "naics", "state", "time"]
    for _, group in frame[frame.duplicated(keys, keep=False)].groupby(keys, sort=False):
        first = group.iloc[0]
        problems.add(f"country {first['cty_code']} ({first['cty_name']}) appears more than once "
                     f"for NAICS {first['naics'] or '(all)'} {first['time']} (rows "
                     f"{', '.join(str(x) for x in group['_line'])})", file=where,
                     row=int(group["_line"].iloc[1]), column="CTY_CODE",
                     value=str(first["cty_code"]), fix="Download the data again")


def total_check(parsed: pd.DataFrame) -> pd.DataFrame:
    """Country rows summed against the ``TOTAL FOR ALL COUNTRIES`` row, per state/NAICS/time.

    Columns: state, naics, time, total, countries_sum, difference (total -
    sum; <NA> when the answer has no total row).
    """
    keys = ["state", "naics", "time"]
    sums = (parsed[parsed["kind"] == "country"].groupby(keys, as_index=False)["value"].sum()
            .rename(columns={"value": "countries_sum"}))
    totals = (parsed[parsed["kind"] == "total"][keys + ["value"]]
              .rename(columns={"value": "total"}))
    out = sums.merge(totals, on=keys, how="outer")
    out["difference"] = out["total"] - out["countries_sum"]
    return out[keys + ["total", "countries_sum", "difference"]]


# ---------------------------------------------------------------- requests

def census_key(key: str | None = None) -> str | None:
    """The API key: ``key`` if given, else ``$EXPORTPLAN_CENSUS_KEY``, else None."""
    return (key or os.environ.get(KEY_ENV, "")).strip() or None


def state_exports_params(state: str, year: int, *, naics_level: int = 3,
                         naics: str | None = None, key: str | None = None) -> dict[str, str]:
    """Query parameters for one state's calendar-year exports by country and NAICS."""
    code = str(state).strip().upper()
    if code not in STATES:
        raise ExportPlanError(f"{state!r} is not a state code the Census API knows: use the "
                              "two-letter postal abbreviation, such as OH.")
    params = {"get": "CTY_CODE,CTY_NAME,NAICS,NAICS_SDESC,ALL_VAL_YR", "STATE": code,
              "time": f"{_year(year)}-12"}
    params.update(_naics_filter(naics, naics_level, allowed=(2, 3, 4)))
    if key:
        params["key"] = key
    return params


def state_exports_url(state: str, year: int, *, naics_level: int = 3, naics: str | None = None,
                      key: str | None = None, base_url: str = STATE_URL) -> str:
    """The full request URL for :func:`state_exports_params` (to show or to try in a browser)."""
    return download.full_url(base_url, state_exports_params(state, year, naics_level=naics_level,
                                                            naics=naics, key=key))


def national_exports_params(naics: str, year: int, *, key: str | None = None) -> dict[str, str]:
    """Query parameters for U.S. calendar-year exports of one NAICS code by country."""
    params = {"get": "NAICS_LDESC,CTY_CODE,CTY_NAME,ALL_VAL_YR", "time": f"{_year(year)}-12",
              "NAICS": _naics_code(naics)}
    if key:
        params["key"] = key
    return params


def _year(year) -> int:
    try:
        value = int(str(year).strip())
    except ValueError:
        raise ExportPlanError(f"{year!r} is not a year: give a year such as 2024.") from None
    if not 2000 <= value <= 2100:
        raise ExportPlanError(f"{value} is outside the years the Census trade API covers "
                              "(monthly data from 2010; state data from 2013 or so).")
    return value


def _naics_code(naics) -> str:
    code = str(naics).strip()
    if not re.fullmatch(r"\d{2,6}", code):
        raise ExportPlanError(f"{naics!r} is not a NAICS code: give 2 to 6 digits, such as 3261.")
    return code


def _naics_filter(naics, level: int, allowed) -> dict[str, str]:
    if naics is not None:
        code = _naics_code(naics)
        if len(code) not in allowed:
            raise ExportPlanError(f"NAICS {code}: state exports are published at "
                                  f"{', '.join(map(str, allowed))} digits only.")
        return {"NAICS": code, "COMM_LVL": f"NA{len(code)}"}
    if level not in allowed:
        raise ExportPlanError(f"naics_level {level}: state exports are published at "
                              f"{', '.join(map(str, allowed))}-digit NAICS only.")
    return {"COMM_LVL": f"NA{level}"}


def fetch_state_exports(state: str, years: int | Iterable[int], *, cache_dir: str | os.PathLike,
                        naics_level: int = 3, naics: str | None = None, key: str | None = None,
                        base_url: str = STATE_URL, include_total: bool = True,
                        timeout: float = 30.0, retries: int = 3, progress: bool = True,
                        client: httpx.Client | None = None,
                        ) -> tuple[pd.DataFrame, dict[str, SourceReport]]:
    """A state's calendar-year goods exports by destination country and NAICS (tidy frame).

    One request per year (``time=YYYY-12``, ``ALL_VAL_YR``). With
    ``include_total`` and no ``naics`` filter, rows with naics ``''`` give
    each country's total over all NAICS codes of the level (sum of the rows).
    Returns the frame and a report per year (``"OH 2024"``); the report notes
    when country rows do not add up to Census's world total. Raises
    DownloadError (key missing or refused, no data, bad request): nothing is
    returned partially.
    """
    key = census_key(key)
    code = str(state).strip().upper()
    frames, reports = [], {}
    for year in _years(years):
        params = state_exports_params(code, year, naics_level=naics_level, naics=naics, key=key)
        frame, report = _fetch_one(base_url, params, cache_dir=cache_dir, what=f"{code} {year}",
                                   timeout=timeout, retries=retries, progress=progress,
                                   client=client)
        tidy = _tidy(frame, "state", code, year)
        if include_total and naics is None:
            tidy = pd.concat([tidy, _country_totals(tidy)], ignore_index=True)
            report.notes.append(f"naics '' rows are each country's sum over the NA{naics_level} "
                                "codes")
        report.provenance["dataset"] = DATASET.format(what="state, country and NAICS (statenaics)")
        frames.append(tidy)
        reports[f"{code} {year}"] = report
    return _sorted(frames), reports


def fetch_national_exports_by_naics(naics: str | Iterable[str], year: int | Iterable[int], *,
                                    cache_dir: str | os.PathLike, key: str | None = None,
                                    base_url: str = NATIONAL_URL, timeout: float = 30.0,
                                    retries: int = 3, progress: bool = True,
                                    client: httpx.Client | None = None,
                                    ) -> tuple[pd.DataFrame, dict[str, SourceReport]]:
    """U.S. calendar-year exports of NAICS code(s) by destination country (tidy frame).

    One request per NAICS code and year; reports keyed ``"3261 2024"``. Raises
    DownloadError as :func:`fetch_state_exports` does.
    """
    key = census_key(key)
    codes = [naics] if isinstance(naics, (str, int)) else list(naics)
    frames, reports = [], {}
    for code in codes:
        for one_year in _years(year):
            params = national_exports_params(code, one_year, key=key)
            label = f"{code} {one_year}"
            frame, report = _fetch_one(base_url, params, cache_dir=cache_dir, what=label,
                                       timeout=timeout, retries=retries, progress=progress,
                                       client=client)
            report.provenance["dataset"] = DATASET.format(what="NAICS and country (naics)")
            frames.append(_tidy(frame, "nation", "US", one_year))
            reports[label] = report
    return _sorted(frames), reports


NATIONAL_TOTAL_COLUMNS = ["naics", "naics_title", "year", "exports_usd"]


def fetch_national_totals_by_naics(naics: str | Iterable[str], year: int | Iterable[int], *,
                                   cache_dir: str | os.PathLike, key: str | None = None,
                                   base_url: str = NATIONAL_URL, timeout: float = 30.0,
                                   retries: int = 3, progress: bool = True,
                                   client: httpx.Client | None = None,
                                   ) -> tuple[pd.DataFrame, dict[str, SourceReport]]:
    """U.S. calendar-year exports to the world of NAICS code(s): Census's ``TOTAL FOR ALL
    COUNTRIES`` row of each answer (same requests as :func:`fetch_national_exports_by_naics`).

    Columns (:data:`NATIONAL_TOTAL_COLUMNS`): naics, naics_title, year (Int64),
    exports_usd (Float64). An answer without the total row raises ExportPlanError.
    """
    key = census_key(key)
    codes = [naics] if isinstance(naics, (str, int)) else list(naics)
    rows, reports = [], {}
    for code in codes:
        for one_year in _years(year):
            label = f"{code} {one_year}"
            frame, report = _fetch_one(base_url, national_exports_params(code, one_year, key=key),
                                       cache_dir=cache_dir, what=label, timeout=timeout,
                                       retries=retries, progress=progress, client=client)
            total = frame[frame["kind"] == "total"]
            if total.empty:
                raise ExportPlanError(f"the Census answer for {label} has no TOTAL FOR ALL "
                                      "COUNTRIES row (CTY_CODE '-'): download it again.")
            first = total.iloc[0]
            rows.append((str(first["naics"] or code), str(first["naics_title"]), one_year,
                         float(first["value"])))
            report.provenance["dataset"] = DATASET.format(what="NAICS, world total (naics)")
            reports[label] = report
    out = pd.DataFrame(rows, columns=NATIONAL_TOTAL_COLUMNS)
    return out.astype({"naics": "string", "naics_title": "string", "year": "Int64",
                       "exports_usd": "Float64"}), reports


def _years(years) -> list[int]:
    out = [years] if isinstance(years, (int, str)) else list(years)
    if not out:
        raise ExportPlanError("No years given: pass a year such as 2024 or a list of years.")
    return [_year(y) for y in out]


def _fetch_one(base_url: str, params: dict, *, cache_dir, what: str, timeout, retries,
               progress, client) -> tuple[pd.DataFrame, SourceReport]:
    """Download one answer (cached), parse it and check it adds up."""
    shown = redact(download.full_url(base_url, params))
    has_key = "key" in params
    # The key is sent but kept out of the cache file's name and its .meta.json.
    public = {k: v for k, v in params.items() if k != "key"}
    secret = {"key": params["key"]} if has_key else None
    own = client is None
    # Not following redirects lets us see Census's 302 to missing_key.html for what it is.
    client = client or httpx.Client(follow_redirects=False)
    try:
        path = download.fetch(base_url, cache_dir, params=public, secret_params=secret,
                              timeout=timeout, retries=retries, progress=progress, client=client,
                              validate=_validator(shown, what, has_key))
    except download.DownloadFailed as exc:
        raise _census_error(exc, shown, what, has_key) from None
    finally:
        if own:
            client.close()
    frame, report = parse_intltrade(path, file=f"Census answer for {what}")
    _note_total(frame, report)
    info = download.cache_info(path) or {}
    report.provenance = {
        "publisher": PUBLISHER, "dataset": "", "vintage": f"{params['time']} (ALL_VAL_YR)",
        "source": str(path), "url": shown, "retrieved_at": info.get("retrieved_at", ""),
        "sha256": info.get("sha256") or download.file_sha256(path),
        "rows": int((frame["kind"] == "country").sum()), "layout": "census-intltrade-json"}
    return frame, report


def redact(url: str) -> str:
    """The URL without the API key's value (safe to show and to store)."""
    return re.sub(r"([?&]key=)[^&]*", r"\1***", url)


def _validator(shown: str, what: str, has_key: bool):
    """Reject (and so never cache) empty answers, HTML pages and non-table JSON."""
    def check(path: Path) -> None:
        text = decode_text(path.read_bytes(), "utf-8-sig").strip()
        if not text:
            raise download.DownloadFailed(_no_data(what, shown), url=shown, kind="not-found",
                                          status=204)
        if text.startswith("<"):
            raise download.DownloadFailed(_key_message(has_key, shown), url=shown, kind="http")
        _rows(text, f"the Census answer for {what}")
    return check


def _no_data(what: str, shown: str) -> str:
    return (f"Census has no data for {what} ({shown}). December figures for a year are "
            "published in early February of the next year; also check the state, NAICS "
            "code and level.")


def _key_message(has_key: bool, shown: str) -> str:
    if has_key:
        return (f"the Census API refused the API key ({shown} answered with a web page instead "
                f"of data). Check the key in {KEY_ENV} (40 characters, from {KEY_SIGNUP}); a "
                "new key works only after you click the link in the confirmation e-mail.")
    return (f"the Census API needs a key for this request: get one free at {KEY_SIGNUP} and set "
            f"{KEY_ENV} (or pass key=). Request: {shown}")


def _census_error(exc: download.DownloadFailed, shown: str, what: str,
                  has_key: bool) -> download.DownloadFailed:
    """Reword the downloader's error for Census, without the key in the text."""
    status = exc.status
    if status in (301, 302, 303, 307, 308):
        message = _key_message(has_key, shown)
    elif status == 400:
        found = re.search(r" for \S+: (.*)$", str(exc), re.DOTALL)
        detail = redact(found[1]) if found else "no detail"
        message = (f"the Census API rejected the request for {what} (HTTP 400: {detail}). "
                   "Check the state code, the NAICS code or level (2-4 digits for states) and "
                   f"the year. Request: {shown}")
    else:
        message = redact(str(exc))
    return download.DownloadFailed(message, url=shown, kind=exc.kind, status=status)


def _note_total(frame: pd.DataFrame, report: SourceReport) -> None:
    """Add a note for every state/NAICS/month whose countries miss the world total."""
    for row in total_check(frame).itertuples(index=False):
        if pd.isna(row.total):
            report.notes.append(f"no TOTAL FOR ALL COUNTRIES row for NAICS "
                                f"{row.naics or '(all)'} {row.time}; the sum could not be checked")
        elif row.difference != 0:
            report.notes.append(
                f"country rows for NAICS {row.naics or '(all)'} {row.time} sum to "
                f"{row.countries_sum:,} but Census's total is {row.total:,} (difference "
                f"{row.difference:,}: unmapped or withheld countries)")


def _tidy(parsed: pd.DataFrame, scope: str, area: str, year: int) -> pd.DataFrame:
    """Country rows with an ISO3 code, in the tidy layout."""
    rows = parsed[(parsed["kind"] == "country") & parsed["iso3"].notna()]
    return pd.DataFrame({
        "scope": pd.array([scope] * len(rows), dtype="string"),
        "area": pd.array([area] * len(rows), dtype="string"),
        "iso3": rows["iso3"].array, "country": rows["cty_name"].array,
        "naics": rows["naics"].array,
        "year": pd.array([year] * len(rows), dtype="Int64"),
        "value_usd": pd.array(rows["value"].astype("Float64"), dtype="Float64")})


def _country_totals(tidy: pd.DataFrame) -> pd.DataFrame:
    keys = ["scope", "area", "iso3", "country", "year"]
    totals = tidy.groupby(keys, as_index=False, dropna=False)["value_usd"].sum(min_count=1)
    return totals.assign(naics=pd.array([""] * len(totals), dtype="string"))[TIDY_COLUMNS]


def _sorted(frames: list[pd.DataFrame]) -> pd.DataFrame:
    out = pd.concat(frames, ignore_index=True)
    return out.sort_values(["area", "year", "naics", "iso3"], ignore_index=True)[TIDY_COLUMNS]


__all__ = ["COLUMNS", "NATIONAL_TOTAL_COLUMNS", "NATIONAL_URL", "STATE_URL", "TIDY_COLUMNS",
           "census_key", "fetch_national_exports_by_naics", "fetch_national_totals_by_naics",
           "fetch_state_exports", "national_exports_params", "parse_intltrade", "redact",
           "state_exports_params", "state_exports_url", "total_check"]
