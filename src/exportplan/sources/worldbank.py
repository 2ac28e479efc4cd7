"""World Bank World Development Indicators (WDI): bulk CSV files and the Indicators API v2.

Two ways in, one tidy frame out (:data:`COLUMNS`):

- :func:`read_wdi_csv` reads a file the user downloaded: the official bulk
  CSV (``API_{ID}_DS2_en_csv_v2_*.csv``: 4 preamble lines, then a wide table
  ``Country Name, Country Code, Indicator Name, Indicator Code, 1960, ...``)
  or the long re-packaging ``Country Name, Country Code, Year, Value`` of the
  datasets/world-development-indicators repository. The layout is detected
  from the header row, which is found by pattern, not position.
- :func:`fetch_indicators` calls ``https://api.worldbank.org/v2`` (no key),
  one indicator per request, paging until ``meta.pages``, through the cached
  downloader; :func:`parse_api_pages` turns the JSON pages into the frame.

Both drop regional and income aggregates (``WLD``, ``High income``) and
report them; rows without an ISO3 code (the API leaves ``countryiso3code``
empty for "Taiwan, China", Anguilla, ...) are mapped by name through
:mod:`exportplan.sources.countries`, and names that cannot be mapped are
listed in the report (never dropped silently). Missing values stay missing.

Frame columns: iso3, country (the publisher's name), indicator (the API
code, upper case), indicator_name, year (Int64), value (Float64, <NA> when
the World Bank has no value).
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
import pandas as pd

from exportplan.errors import ErrorTable, ExportPlanError
from exportplan.sources import download
from exportplan.sources.textio import decode_text, read_text, require_columns
from exportplan.sources.countries import (
    SourceReport, file_provenance, map_column, resolve_countries,
)

PUBLISHER = "World Bank"
BASE_URL = "https://api.worldbank.org/v2"
COLUMNS = ["iso3", "country", "indicator", "indicator_name", "year", "value"]
#: API ``source=`` ids and the databases they name.
SOURCE_NAMES = {"1": "Doing Business", "2": "World Development Indicators",
                "3": "Worldwide Governance Indicators"}
DATASET = SOURCE_NAMES["2"]
_COUNTRY_SOURCE = "worldbank"  # the spelling table used by countries.to_iso3
_HEADER = re.compile(r'^\ufeff?"?Country Name"?\s*,\s*"?Country Code"?', re.IGNORECASE)
_YEAR = re.compile(r"^\d{4}$")


@dataclass(frozen=True)
class IndicatorInfo:
    """What one indicator measures and how a ranking should treat it.

    ``label``: a short name for tables; ``name``: the World Bank's own name
    (what the API sends as ``indicator.value``). ``direction``: ``benefit``
    (more is better for an exporter) or ``cost``. ``log``: heavy-tailed and
    positive, so log-transform before min-max (methods.md §3).
    """

    code: str
    label: str
    name: str
    unit: str
    direction: str
    log: bool = False
    note: str = ""


#: The default indicator set for the market ranking (methods.md §5), in order.
DEFAULT_INDICATORS: dict[str, IndicatorInfo] = {i.code: i for i in (
    IndicatorInfo("NY.GDP.MKTP.CD", "GDP", "GDP (current US$)", "current US$", "benefit",
                  log=True),
    IndicatorInfo("NY.GDP.MKTP.KD.ZG", "GDP growth", "GDP growth (annual %)", "annual %",
                  "benefit", note="the market ranking averages each country's last five "
                                  "reported years"),
    IndicatorInfo("NY.GDP.PCAP.CD", "GDP per capita", "GDP per capita (current US$)",
                  "current US$", "benefit", log=True),
    IndicatorInfo("NE.IMP.GNFS.ZS", "Imports of goods and services",
                  "Imports of goods and services (% of GDP)", "% of GDP", "benefit"),
    IndicatorInfo("TM.VAL.MRCH.CD.WT", "Merchandise imports",
                  "Merchandise imports (current US$)", "current US$", "benefit", log=True),
    IndicatorInfo("BM.GSR.NFSV.CD", "Service imports",
                  "Service imports (BoP, current US$)", "BoP, current US$", "benefit", log=True,
                  note="the demand proxy for services sectors (never merchandise imports)"),
    IndicatorInfo("SP.POP.TOTL", "Population", "Population, total", "people", "benefit",
                  log=True),
    IndicatorInfo("BX.KLT.DINV.CD.WD", "FDI, net inflows",
                  "Foreign direct investment, net inflows (BoP, current US$)",
                  "BoP, current US$", "benefit",
                  note="can be negative (disinvestment), so not log-transformed"),
)}

#: Indicators that are no longer published: read from a saved file, fetched only when named,
#: and used by the market ranking only by explicit choice (``rank markets --doing-business``).
DISCONTINUED_INDICATORS: dict[str, IndicatorInfo] = {i.code: i for i in (
    IndicatorInfo("IC.BUS.EASE.XQ", "Ease of doing business rank (discontinued 2021)",
                  "Ease of doing business rank (1=most business-friendly regulations)",
                  "rank (1 = best)", "cost",
                  note="Doing Business was discontinued in 2021 after data irregularities; the "
                       "last edition (DB2020) ranks 2019. WGI regulatory quality replaces it."),
)}

#: Every indicator the readers know by name: the default set and the discontinued ones.
KNOWN_INDICATORS: dict[str, IndicatorInfo] = {**DEFAULT_INDICATORS, **DISCONTINUED_INDICATORS}


#: Indicators that :func:`fetch_indicators` may skip when the API refuses them.
OPTIONAL_INDICATORS = ("IC.BUS.EASE.XQ",)


# ---------------------------------------------------------------- bulk CSV files

def read_wdi_csv(path: str | os.PathLike, *, indicator: str | None = None,
                 strict: bool = False) -> tuple[pd.DataFrame, SourceReport]:
    """Read a World Bank WDI CSV (official wide bulk layout or long layout) into the tidy frame.

    ``indicator`` is the API code; the wide layout carries it in ``Indicator
    Code``; for the long layout it is taken from the file name
    (``worldbank_wdi_ny.gdp.mktp.cd.csv``, ``API_NY.GDP.MKTP.CD_DS2_...csv``,
    or ``.../NY.GDP.MKTP.CD/data.csv``) unless given. Aggregates are left
    out and listed in ``report.aggregates`` (how many rows: ``report.notes``).
    Names that cannot be mapped are left out and listed in ``report.unmapped``
    (``strict=True`` makes them fail). A non-numeric year or value, or a
    country listed twice for one year, raises ImportFailed: nothing is
    returned.
    """
    path = Path(path)
    lines = _read_lines(path)
    start = _header_index(lines, path)
    raw = pd.read_csv(io.StringIO("\n".join(lines[start:])), dtype=str, keep_default_na=False)
    raw = raw.loc[:, [c for c in raw.columns if c.strip() and not c.startswith("Unnamed")]]
    problems = ErrorTable()
    if "Indicator Code" in raw.columns:
        long, layout = _melt_wide(raw, start, path, problems), "wdi-bulk-wide"
    else:
        long, layout = _long_layout(raw, start, path, indicator, problems), "wdi-long"
    frame, report = _finish_rows(long, path.name, problems, strict, f"Reading {path.name}")
    vintage = _preamble_value(lines[:start], "Last Updated Date")
    report.provenance = file_provenance(path, publisher=PUBLISHER, dataset=DATASET,
                                        vintage=vintage or _years_span(frame), layout=layout,
                                        rows=len(frame))
    return frame, report


def _read_lines(path: Path) -> list[str]:
    text = read_text(path, "Give the CSV file from the World Bank download (not the ZIP or XLSX).")
    return text.splitlines()


def _header_index(lines: list[str], path: Path) -> int:
    """Index of the ``Country Name,Country Code,...`` line (after any preamble)."""
    for index, line in enumerate(lines[:20]):
        if _HEADER.match(line):
            return index
    raise ExportPlanError(
        f"{path.name}: no header row starting 'Country Name, Country Code' in the first 20 "
        "lines. Give a World Bank indicator CSV (the 'CSV' download of an indicator page, "
        "file API_<indicator>_DS2_en_csv_v2_*.csv).")


def _preamble_value(lines: list[str], label: str) -> str:
    """A value from the bulk CSV preamble (``"Last Updated Date","2026-07-13",``)."""
    for line in lines:
        cells = [c.strip().strip('"') for c in line.split(",")]
        if len(cells) > 1 and cells[0] == label:
            return cells[1]
    return ""


def _require(raw: pd.DataFrame, columns: Sequence[str], path: Path) -> None:
    require_columns(raw.columns, columns, path,
                    "Expected the World Bank layout 'Country Name, Country Code, Indicator Name, Indicator Code, "
                    "1960, ...' or 'Country Name, Country Code, Year, Value'.")


def _melt_wide(raw: pd.DataFrame, start: int, path: Path, problems: ErrorTable) -> pd.DataFrame:
    """The official wide layout -> one row per country, indicator and year."""
    _require(raw, ["Country Name", "Country Code", "Indicator Name", "Indicator Code"], path)
    others = [c for c in raw.columns if c not in
              ("Country Name", "Country Code", "Indicator Name", "Indicator Code")]
    years = [c for c in others if _YEAR.match(c.strip())]
    for column in others:
        if column not in years:
            problems.add("the column heading is not a year", file=path.name, row=start + 1,
                         column=column, value=column,
                         fix="Give the file as downloaded: after the four name/code columns "
                             "every column is a year (1960, 1961, ...)")
    frame = raw.assign(_line=range(start + 2, start + 2 + len(raw)))
    long = frame.melt(id_vars=["Country Name", "Country Code", "Indicator Name",
                               "Indicator Code", "_line"], value_vars=years,
                      var_name="Year", value_name="Value")
    long["_vcol"] = long["Year"]  # a bad value is reported under its year's column
    return long.rename(columns={"Indicator Code": "indicator", "Indicator Name": "indicator_name"})


def _long_layout(raw: pd.DataFrame, start: int, path: Path, indicator: str | None,
                 problems: ErrorTable) -> pd.DataFrame:
    """The long layout ``Country Name, Country Code, Year, Value`` (one indicator per file)."""
    _require(raw, ["Country Name", "Country Code", "Year", "Value"], path)
    code = (indicator or _indicator_from_name(path)).upper()
    info = KNOWN_INDICATORS.get(code)
    return raw.assign(_line=range(start + 2, start + 2 + len(raw)), indicator=code,
                      indicator_name=info.name if info else code, _vcol="Value")


def _indicator_from_name(path: Path) -> str:
    """The indicator code in a WDI file name (or its folder, for ``<code>/data.csv``)."""
    for pattern, text in ((r"^worldbank_wdi_(.+)\.csv$", path.name),
                          (r"^API_(.+?)_DS2_", path.name),
                          (r"^([A-Za-z0-9]+(?:\.[A-Za-z0-9]+)+)$", path.parent.name)):
        hit = re.match(pattern, text, re.IGNORECASE)
        if hit:
            return hit[1]
    raise ExportPlanError(
        f"{path.name}: cannot tell which indicator this file holds (it has no 'Indicator "
        "Code' column and its name has no code). Pass indicator='NY.GDP.MKTP.CD' (the "
        "World Bank code) or rename the file worldbank_wdi_<code>.csv.")


def _finish_rows(long: pd.DataFrame, file: str, problems: ErrorTable, strict: bool,
                 what: str) -> tuple[pd.DataFrame, SourceReport]:
    """Check years/values/duplicates, map countries, drop aggregates; raise on any problem."""
    years = _check_years(long, file, problems)
    values = _check_values(long, file, problems)
    report = SourceReport(provenance={})
    problems.raise_if_any(what)
    iso3 = _iso3(long["Country Code"].tolist(), long["Country Name"].tolist(),
                 long["_line"].tolist(), file=file, report=report)
    frame = pd.DataFrame({
        "iso3": pd.array(iso3, dtype="string"),
        "country": pd.array(long["Country Name"].str.strip(), dtype="string"),
        "indicator": pd.array(long["indicator"].str.strip(), dtype="string"),
        "indicator_name": pd.array(long["indicator_name"], dtype="string"),
        "year": years, "value": values, "_line": long["_line"].to_numpy()})
    _note_dropped(frame, report)
    frame = frame[frame["iso3"].notna()]
    _check_duplicates(frame, file, problems)
    problems.raise_if_any(what)
    if strict:
        report.problems.raise_if_any(what)
    out = frame.sort_values(["indicator", "iso3", "year"], ignore_index=True)
    return out[COLUMNS], report


def _check_years(long: pd.DataFrame, file: str, problems: ErrorTable) -> pd.array:
    text = long["Year"].astype(str).str.strip()
    bad = ~text.str.fullmatch(r"\d{4}")
    for line, value in zip(long.loc[bad, "_line"], text[bad]):
        problems.add("the year is not a 4-digit year", file=file, row=int(line), column="Year",
                     value=value, fix="Give the year as a number such as 2023")
    return pd.array(pd.to_numeric(text.where(~bad), errors="coerce"), dtype="Int64")


def _check_values(long: pd.DataFrame, file: str, problems: ErrorTable) -> pd.array:
    text = long["Value"].astype(str).str.strip()
    blank = text.isin(["", "..", "nan", "NaN", "None"])
    numbers = pd.to_numeric(text.where(~blank), errors="coerce")
    bad = numbers.isna() & ~blank
    where = long.loc[bad]
    for line, value, column in zip(where["_line"], text[bad], where["_vcol"]):
        problems.add("the value is not a number", file=file, row=int(line),
                     column=str(column), value=value,
                     fix="Leave the cell empty when there is no value; otherwise give a "
                         "number without thousands separators")
    return pd.array(numbers, dtype="Float64")


def _iso3(codes: list, names: list, lines: list, *, file: str,
          report: SourceReport) -> list[str | None]:
    """ISO3 per row: the World Bank code when it is a country code, else the name.

    Aggregate and former-country codes are recorded by name; a row whose code
    is blank or unknown falls back to its name (API rows for "Taiwan, China").
    """
    by_code = map_column(codes, source=_COUNTRY_SOURCE)
    skip = set(by_code.aggregates) | set(by_code.historic)
    for bucket, found in ((report.aggregates, by_code.aggregates),
                          (report.historic, by_code.historic)):
        for code, name in dict.fromkeys((c, n) for c, n in zip(codes, names) if c in found):
            label = f"{name} ({code})"
            if label not in bucket:
                bucket.append(label)
    need = ["" if (code_iso or code in skip) else name
            for code, code_iso, name in zip(codes, by_code.iso3, names)]
    by_name = resolve_countries(need, lines, file=file, column="Country Name",
                                source=_COUNTRY_SOURCE, report=report)
    return [c or n for c, n in zip(by_code.iso3, by_name)]


def _note_dropped(frame: pd.DataFrame, report: SourceReport) -> None:
    """Say how many rows were left out for being aggregates, former countries or unknown."""
    dropped = frame["iso3"].isna().to_numpy()
    if dropped.any():
        report.notes.append(
            f"left out {int(dropped.sum())} rows: {len(report.aggregates)} aggregate(s), "
            f"{len(report.historic)} former country(ies), {len(report.unmapped)} "
            "unrecognised name(s)")


def _check_duplicates(frame: pd.DataFrame, file: str, problems: ErrorTable) -> None:
    keys = ["iso3", "indicator", "year"]
    dup = frame[frame.duplicated(keys, keep=False)]
    for _, group in dup.groupby(keys, sort=False):
        lines = [str(v) for v in group["_line"].tolist()]
        first = group.iloc[0]
        problems.add(f"{first['iso3']} {first['indicator']} {first['year']} appears more than "
                     f"once (lines {', '.join(lines)})", file=file, row=int(group["_line"].iloc[1]),
                     column="Country Code", value=str(first["country"]),
                     fix="Keep one row per country and year: delete the duplicate")


def _years_span(frame: pd.DataFrame) -> str:
    years = frame["year"].dropna()
    return f"{int(years.min())}-{int(years.max())}" if len(years) else ""


# ---------------------------------------------------------------- API v2 JSON

class WorldBankApiError(download.DownloadFailed):
    """The API answered with its error body (HTTP 200, ``[{"message": [...]}]``).

    ``codes`` are the message ids (``120`` = invalid value, ``175`` = indicator
    deleted or archived).
    """

    def __init__(self, message: str, *, url: str, codes: Sequence[str]):
        super().__init__(message, url=url, kind="invalid", status=200)
        self.codes = list(codes)


def parse_api_pages(json_bodies: Iterable[bytes | str | os.PathLike | list], *,
                    indicator: str | None = None, require_complete: bool = True,
                    strict: bool = False, url: str = "") -> tuple[pd.DataFrame, SourceReport]:
    """Turn the JSON pages of one API request (``[meta, rows]`` each) into the tidy frame.

    Each body is bytes, text, a path, or already-parsed JSON. Rows with an
    empty ``countryiso3code`` are mapped by name (or reported); aggregates are
    left out and listed; ``null`` values stay missing. With
    ``require_complete`` the pages must be 1..``meta.pages`` and hold
    ``meta.total`` rows. The error body (``[{"message": [{"id": "120", ...}]}]``)
    raises :class:`WorldBankApiError` naming ``indicator``; a body that is not
    complete JSON of the expected shape raises ExportPlanError.
    """
    pages = [_load_page(body, indicator, url) for body in json_bodies]
    if not pages:
        raise ExportPlanError("No World Bank API pages were given to parse.")
    if require_complete:
        _check_complete(pages, indicator, url)
    rows = [row for _, page_rows in pages for row in page_rows]
    what = f"the World Bank answer for {indicator or 'the indicator'}"
    long = pd.DataFrame([_flatten(row, number, what) for number, row in enumerate(rows, 1)],
                        columns=["Country Code", "Country Name", "indicator", "indicator_name",
                                 "Year", "Value", "_line"]).assign(_vcol="value")
    problems = ErrorTable()
    frame, report = _finish_rows(long, url or what, problems, strict, f"Reading {what}")
    meta = pages[0][0]
    if not rows:
        report.notes.append(f"the World Bank has no data for {indicator or 'this request'} "
                            "in the years asked for")
    report.provenance = {"publisher": PUBLISHER, "dataset": _dataset(meta),
                         "indicator": indicator or ",".join(frame["indicator"].unique()),
                         "vintage": str(meta.get("lastupdated") or ""), "url": url,
                         "source": url or "World Bank Indicators API", "retrieved_at": "", "sha256": "", "rows": len(frame),
                         "layout": "worldbank-api-v2-json"}
    return frame, report


def _load_page(body, indicator: str | None, url: str) -> tuple[dict, list]:
    """One page as ``(meta, rows)``; raise a clear error for anything else."""
    what = f"the World Bank answer for {indicator or 'the request'}" + (f" ({url})" if url else "")
    if isinstance(body, (bytes, str, os.PathLike)):
        data = _json(body, what)
    else:
        data = body
    if _is_error_body(data):
        raise _api_error(data, indicator, url)
    if (not isinstance(data, list) or len(data) != 2 or not isinstance(data[0], dict)
            or not {"page", "pages", "total"} <= set(data[0])
            or not isinstance(data[1], (list, type(None)))):
        raise ExportPlanError(
            f"{what} is not in the expected layout [page header, rows] (it starts "
            f"{json.dumps(data)[:120]!r}). Ask for format=json from the v2 API "
            "(https://api.worldbank.org/v2/country/all/indicator/<code>?format=json).")
    return data[0], data[1] or []


def _json(body: bytes | str | os.PathLike, what: str):
    if isinstance(body, os.PathLike):
        body = Path(body).read_bytes()
    text = decode_text(body, "utf-8-sig") if isinstance(body, bytes) else body
    try:
        return json.loads(text.lstrip("\ufeff"))
    except ValueError as exc:
        html = text.lstrip("\ufeff \r\n").startswith("<")
        looks = "an HTML page" if html else "not complete JSON"
        raise ExportPlanError(
            f"{what} is {looks} ({exc}; {len(text)} characters). It may have been cut short "
            "or the server may have answered with an error page: download it again.") from exc


def _is_error_body(data) -> bool:
    return (isinstance(data, list) and len(data) == 1 and isinstance(data[0], dict)
            and "message" in data[0])


def _api_error(data, indicator: str | None, url: str) -> WorldBankApiError:
    messages = data[0].get("message") or []
    if isinstance(messages, dict):
        messages = [messages]
    codes = [str(m.get("id", "")) for m in messages if isinstance(m, dict)]
    texts = sorted({f"{m.get('id', '?')} {m.get('key', '')}: {m.get('value', '')}".strip()
                    for m in messages if isinstance(m, dict)})
    name = f"indicator {indicator}" if indicator else "the request"
    return WorldBankApiError(
        f"The World Bank API rejected {name}: {'; '.join(texts) or 'error'}"
        + (f" ({url})" if url else "") + ". Check the indicator code at "
        "https://data.worldbank.org/indicator (codes such as NY.GDP.MKTP.CD), the country "
        "codes and the source id; a retired indicator cannot be downloaded any more.",
        url=url, codes=codes)


def _check_complete(pages: list[tuple[dict, list]], indicator: str | None, url: str) -> None:
    """Pages 1..n each once, and as many rows as ``meta.total`` says."""
    first = pages[0][0]
    expected = int(first.get("pages") or 0)
    got = sorted(int(meta.get("page") or 0) for meta, _ in pages)
    rows = sum(len(r) for _, r in pages)
    total = int(first.get("total") or 0)
    if expected == 0 and total == 0:
        return
    if got != list(range(1, expected + 1)) or rows != total:
        raise ExportPlanError(
            f"The World Bank answer for {indicator or 'the request'} is incomplete: pages "
            f"{got} of {expected}, {rows} of {total} rows" + (f" ({url})" if url else "")
            + ". Download it again; the data may have been updated between pages.")


def _flatten(row, number: int, what: str) -> list:
    """One API row -> [code, name, indicator id, indicator name, date, value, row number]."""
    try:
        value = row["value"]
        return [(row.get("countryiso3code") or "").strip(), row["country"]["value"],
                row["indicator"]["id"], row["indicator"]["value"], row["date"],
                "" if value is None else str(value), number]
    except (KeyError, TypeError) as exc:
        raise ExportPlanError(
            f"{what}: row {number} lacks the field {exc} (row: {json.dumps(row)[:160]}). "
            "The API layout may have changed; report this with the URL.") from exc


def _dataset(meta: dict) -> str:
    return (meta.get("sourcename") or SOURCE_NAMES.get(str(meta.get("sourceid")), "")
            or "World Bank Indicators API")


def fetch_indicators(indicators: Iterable[str] | None = None, *, cache_dir: str | os.PathLike,
                     years: tuple[int, int] | int | None = None, mrv: int | None = None,
                     countries: str = "all", base_url: str = BASE_URL,
                     source: int | str | None = None, per_page: int = 20000,
                     timeout: float = 30.0, retries: int = 3, progress: bool = True,
                     client: httpx.Client | None = None,
                     optional: Iterable[str] = OPTIONAL_INDICATORS,
                     ) -> tuple[pd.DataFrame, dict[str, SourceReport]]:
    """Download indicators from the API v2 (one request per indicator) into one tidy frame.

    ``indicators`` defaults to :data:`DEFAULT_INDICATORS`. ``years`` is a year
    or ``(start, end)``; ``mrv`` asks for the most recent N values instead.
    Returns the frame and one report per indicator (``report.provenance``:
    vintage = the API's ``lastupdated``, url, retrieved_at, sha256). Every
    page is cached in ``cache_dir``; an error body or a non-JSON answer is
    never cached. Raises DownloadError when an indicator cannot be had
    (nothing is returned partially), except that an ``optional`` indicator
    the API refuses (Doing Business, retired) is skipped with a note in its
    report. Discontinued indicators (:data:`DISCONTINUED_INDICATORS`) are
    fetched only when named.
    """
    frames, reports = [], {}
    skippable = set(optional)
    for code in list(indicators or DEFAULT_INDICATORS):
        try:
            frame, report = fetch_indicator(
                code, cache_dir=cache_dir, years=years, mrv=mrv, countries=countries,
                base_url=base_url, source=source, per_page=per_page, timeout=timeout,
                retries=retries, progress=progress, client=client)
        except WorldBankApiError as exc:
            if code not in skippable:
                raise
            reports[code] = _skipped(code, exc)
            continue
        frames.append(frame)
        reports[code] = report
    out = pd.concat(frames, ignore_index=True) if frames else _empty()
    return out, reports


def _skipped(code: str, exc: WorldBankApiError) -> SourceReport:
    """The report of an optional indicator the API refused: no rows, and why."""
    return SourceReport(
        provenance={"publisher": PUBLISHER, "dataset": DATASET, "indicator": code, "url": exc.url,
                    "rows": 0, "layout": "worldbank-api-v2-json"},
        notes=[f"{code} was skipped: {exc} Load it from a saved CSV with read_wdi_csv instead."])


def fetch_indicator(code: str, *, cache_dir: str | os.PathLike,
                    years: tuple[int, int] | int | None = None, mrv: int | None = None,
                    countries: str = "all", base_url: str = BASE_URL,
                    source: int | str | None = None, per_page: int = 20000,
                    timeout: float = 30.0, retries: int = 3, progress: bool = True,
                    client: httpx.Client | None = None) -> tuple[pd.DataFrame, SourceReport]:
    """Download one indicator, all pages, and parse it (see :func:`fetch_indicators`)."""
    url = f"{base_url.rstrip('/')}/country/{countries}/indicator/{code}"
    params = _params(years, mrv, source, per_page)
    get = dict(cache_dir=cache_dir, timeout=timeout, retries=retries, progress=progress,
               client=client)
    first = _fetch_page(url, params, 1, code, source, **get)
    meta, _ = _load_page(first.read_bytes(), code, url)
    paths = [first] + [_fetch_page(url, params, n, code, source, **get)
                       for n in range(2, int(meta.get("pages") or 1) + 1)]
    shown = download.full_url(url, params)
    frame, report = parse_api_pages(paths, indicator=code, url=shown)
    info = download.cache_info(first) or {}
    report.provenance.update(retrieved_at=info.get("retrieved_at", ""), sha256=_digest(paths),
                             source=str(first), pages=len(paths))
    return frame, report


def _params(years, mrv, source, per_page) -> dict[str, object]:
    params: dict[str, object] = {"format": "json", "per_page": per_page}
    if years is not None and mrv is not None:
        raise ExportPlanError("Give either years or mrv (most recent values), not both.")
    if isinstance(years, (tuple, list)):
        start, end = (int(y) for y in years)
        params["date"] = f"{start}:{end}"
    elif years is not None:
        params["date"] = str(int(years))
    if mrv is not None:
        params["mrv"] = int(mrv)
    if source is not None:
        params["source"] = str(source)
    return params


def _fetch_page(url: str, params: dict, page: int, code: str, source, **get) -> Path:
    """One cached page; reword the downloader's HTTP errors for the World Bank."""
    try:
        return download.fetch(url, params={**params, "page": page},
                              validate=lambda p: _load_page(p.read_bytes(), code, url), **get)
    except WorldBankApiError:
        raise
    except download.DownloadFailed as exc:
        if exc.status in (400, 404):
            raise download.DownloadFailed(
                f"The World Bank API rejected the request for indicator {code} (HTTP "
                f"{exc.status}) at {exc.url}. Check the indicator code"
                + (f" and source={source}" if source is not None else "")
                + " at https://data.worldbank.org/indicator.",
                url=exc.url, kind=exc.kind, status=exc.status) from exc
        raise


def _digest(paths: Sequence[Path]) -> str:
    """SHA-256 of one page, or of all pages concatenated in order."""
    h = hashlib.sha256()
    for path in paths:
        h.update(Path(path).read_bytes())
    return h.hexdigest()


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.array([], dtype="Int64" if c == "year" else
                                     "Float64" if c == "value" else "string") for c in COLUMNS})


def latest_values(frame: pd.DataFrame) -> pd.DataFrame:
    """The latest non-missing value per country and indicator (iso3, indicator, year, value)."""
    known = frame.dropna(subset=["value"]).sort_values("year")
    latest = known.groupby(["iso3", "indicator"], as_index=False).tail(1)
    return latest[["iso3", "indicator", "year", "value"]].sort_values(
        ["indicator", "iso3"], ignore_index=True)


__all__ = ["BASE_URL", "COLUMNS", "DEFAULT_INDICATORS", "DISCONTINUED_INDICATORS", "IndicatorInfo",
           "KNOWN_INDICATORS", "OPTIONAL_INDICATORS",
           "SOURCE_NAMES",
           "WorldBankApiError", "fetch_indicator", "fetch_indicators", "latest_values",
           "parse_api_pages", "read_wdi_csv"]
