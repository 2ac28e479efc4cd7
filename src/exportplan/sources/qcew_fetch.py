"""QCEW open-data slices: their URLs, their download into the cache, and the check of a downloaded file.

Downloads go through :func:`exportplan.sources.download.fetch`, which calls
:func:`check_qcew_file` before caching a file.
"""
from __future__ import annotations

import os
import re
from collections.abc import Iterable
from datetime import date
from functools import partial
from pathlib import Path

import httpx

from exportplan.errors import ErrorTable, ExportPlanError
from exportplan.sources.download import DownloadFailed, fetch
from exportplan.sources.qcew_checks import _FIXES, _first_row_mismatch, _tail_problem
from exportplan.sources.qcew_layouts import AREA_PATTERN, BULK_FILES_PAGE, FIRST_YEAR, _columns_or_errors, _header

DEFAULT_BASE_URL = "https://data.bls.gov/cew/data/api"


# ---------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------

def qcew_slice_url(year: int, qtr: str | int, area_fips: str, base_url: str = DEFAULT_BASE_URL) -> str:
    """The open-data area slice URL, e.g. ``.../2020/a/area/39049.csv``."""
    area = _checked_area(area_fips)
    return f"{base_url.rstrip('/')}/{_checked_year(year)}/{_qtr_path(qtr)}/area/{area}.csv"


def industry_slice_url(year: int, qtr: str | int, industry_code: str,
                       base_url: str = DEFAULT_BASE_URL) -> str:
    """The open-data industry slice URL; hyphens become underscores (``31-33`` → ``31_33``)."""
    code = str(industry_code).strip()
    if not re.fullmatch(r"[0-9]{2,6}|[0-9]{2}-[0-9]{2}", code):
        raise ExportPlanError(f"'{industry_code}' is not a QCEW industry code; use a NAICS code "
                              "such as 336411 or a sector such as 31-33 (10 = all industries).")
    return (f"{base_url.rstrip('/')}/{_checked_year(year)}/{_qtr_path(qtr)}/industry/"
            f"{code.replace('-', '_')}.csv")


def download_area_slices(
    areas: Iterable[str],
    years: Iterable[int],
    cache_dir: str | os.PathLike,
    *,
    qtr: str | int = "a",
    base_url: str = DEFAULT_BASE_URL,
    timeout: float = 30.0,
    retries: int = 3,
    progress: bool = True,
    client: httpx.Client | None = None,
) -> list[Path]:
    """Download (or take from the cache) the area slice of every area × year.

    Returns the cached paths year by year, areas in the given order within a
    year (``[(a, y) for y in years for a in areas]``). Each file is
    checked (QCEW header, complete last line, the requested area and year)
    before it is cached. A 404 says BLS has no such slice.
    """
    areas, years = [_checked_area(a) for a in areas], [_checked_year(y) for y in years]
    own_client = client is None
    client = client or httpx.Client(follow_redirects=True)
    try:
        return [_download_one(area, year, qtr, cache_dir, base_url, timeout, retries, progress, client)
                for year in years for area in areas]
    finally:
        if own_client:
            client.close()


def check_qcew_file(path: str | os.PathLike, *, area: str | None = None, year: int | None = None) -> None:
    """Cheap check of a downloaded QCEW CSV: header, complete last line, area and year.

    Raises :class:`ExportPlanError` saying what is wrong; used as the
    ``validate`` callback of :func:`exportplan.sources.download.fetch`.
    """
    source = Path(path)
    header = _header(source)
    errors = ErrorTable()
    _columns_or_errors(source, header, source.name, errors)
    problem = errors.problems[0].problem if errors else _tail_problem(source, len(header))
    if problem is None and (area or year):
        problem = _first_row_mismatch(source, header, area, year)
    if problem:
        raise ExportPlanError(problem)


# ---------------------------------------------------------------------------
# URL parts and the download of one slice
# ---------------------------------------------------------------------------

def _checked_area(area_fips) -> str:
    area = str(area_fips).strip().upper()
    if re.fullmatch(AREA_PATTERN, area):
        return area
    hint = f" (did you mean '0{area}'? FIPS codes keep their leading zero)" if re.fullmatch(r"[0-9]{4}", area) else ""
    raise ExportPlanError(f"'{area_fips}' is not a QCEW area code{hint}; {_FIXES['area_fips']}.")


def _checked_year(year) -> int:
    try:
        value = int(year)
    except (TypeError, ValueError):
        value = 0
    if not FIRST_YEAR <= value <= date.today().year + 1:
        raise ExportPlanError(f"'{year}' is not a QCEW data year; use a year from {FIRST_YEAR} on.")
    return value


def _qtr_path(qtr) -> str:
    """``a`` for annual averages or ``1``-``4``, as BLS writes them in slice URLs."""
    text = str(qtr).strip().lower()
    if text not in ("a", "1", "2", "3", "4"):
        raise ExportPlanError(f"'{qtr}' is not a QCEW period; use 'a' (annual) or a quarter 1-4.")
    return text


def _download_one(area, year, qtr, cache_dir, base_url, timeout, retries, progress, client) -> Path:
    url = qcew_slice_url(year, qtr, area, base_url)
    check = partial(check_qcew_file, area=area, year=year)
    try:
        return fetch(url, cache_dir, timeout=timeout, retries=retries, progress=progress,
                     validate=check, client=client)
    except DownloadFailed as exc:
        if exc.status != 404:
            raise
        period = "annual averages" if _qtr_path(qtr) == "a" else f"quarter {_qtr_path(qtr)}"
        raise DownloadFailed(
            f"BLS has no file for area {area} year {year} ({period}) at {url} (the open-data slices "
            "cover roughly the last five years; for older years download the bulk files from "
            f"{BULK_FILES_PAGE} and import them)", url=url, kind="not-found", status=404) from None


__all__ = ["DEFAULT_BASE_URL", "check_qcew_file", "download_area_slices", "industry_slice_url", "qcew_slice_url"]
