"""The QCEW frames the industry measures work on: codes, withheld cells, annual rows, region sums.

Pure functions, polars frames in and out (methods.md §1). The input is the
canonical QCEW frame of :func:`exportplan.sources.qcew.read_qcew`::

    area_fips, own_code, industry_code, agglvl_code, size_code : str
    year : Int32, qtr : str ('A' or '1'..'4'), disclosure_code : str ('' or 'N')
    estabs : Int64, emplvl, total_wages, avg_annual_pay, bls_lq_emplvl : Float64
    (area_title, industry_title, layout : optional)

Withheld cells (disclosure 'N') carry NULL employment and wages. They stay
missing here: a sum over counties keeps the disclosed part as a lower bound,
records the ``withheld`` share, and any row with a withheld cell that has no
value gets no LQ and no growth rate, so a withheld zero can never pull a
ratio down. Cells filled by :func:`exportplan.analysis.estimation.estimate_withheld`
carry ``estimated`` and every sum reports the share of its employment that
is estimated.

Area frame (output of :func:`region_sum`, input of the other measures)::

    area_fips, own_code, industry_code : str, year : Int32, qtr : str,
    [period : str], estabs : Int64, emplvl, total_wages, avg_annual_pay : Float64,
    withheld : Float64 (share of establishments in withheld cells, estimated or not),
    estimated : Float64 (share of emplvl that is estimated),
    missing : Float64 (share of establishments in withheld cells with no value;
              LQ and growth need 0), n_areas : UInt32, [industry_title : str]

A canonical QCEW frame is accepted wherever an area frame is expected: its
``withheld`` is then 1 for withheld cells and 0 otherwise, ``missing`` 1 for
withheld cells that were not estimated.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

import polars as pl

from exportplan.errors import ExportPlanError

TOTAL_CODE = "10"
ALL_OWNERSHIPS = "0"
OWNERSHIP_ALIASES = {
    "total": "0", "all": "0", "federal": "1", "state": "2", "local": "3",
    "private": "5", "government": "8",
}
NAICS_LEVELS = (2, 3, 4, 5, 6)
# First data year of each NAICS vintage used by QCEW (data-sources.md §1.7).
NAICS_VINTAGES = ((2022, "NAICS 2022"), (2017, "NAICS 2017"), (2011, "NAICS 2012"),
                  (2007, "NAICS 2007"), (1990, "NAICS 2002"))
_ID_COLUMNS = ("area_fips", "own_code", "industry_code", "qtr")
_REQUIRED = ("area_fips", "own_code", "industry_code", "year", "qtr", "estabs", "emplvl")


# ---------------------------------------------------------------- helpers

def ownership_code(ownership: str | int) -> str:
    """Return the QCEW own_code for a code or a name ('private' -> '5')."""
    text = str(ownership).strip().lower()
    code = OWNERSHIP_ALIASES.get(text, text)
    if code not in {"0", "1", "2", "3", "4", "5", "8", "9"}:
        raise ExportPlanError(
            f"Unknown ownership {ownership!r}. Use a QCEW own_code (0 total, 1 federal, "
            "2 state, 3 local government, 5 private) or one of "
            f"{', '.join(sorted(OWNERSHIP_ALIASES))}.")
    return code


def naics_level_expr(code: str = "industry_code") -> pl.Expr:
    """Expression giving the NAICS level of a QCEW industry code, as Int8.

    0 for the all-industry total '10'; 2 for sectors, including the ranges
    '31-33', '44-45' and '48-49'; 3-6 for 3- to 6-digit codes; null for the
    domain ('101', '102') and supersector ('1011'-'1029') aggregates, which
    are not NAICS levels (no NAICS code starts with '10').
    """
    c = pl.col(code)
    digits = c.str.contains(r"^[0-9]{2,6}$")
    return (pl.when(c == TOTAL_CODE).then(pl.lit(0, pl.Int8))
            .when(c.str.starts_with("10")).then(pl.lit(None, pl.Int8))
            .when(c.str.contains(r"^[0-9]{2}-[0-9]{2}$")).then(pl.lit(2, pl.Int8))
            .when(digits).then(c.str.len_chars().cast(pl.Int8))
            .otherwise(pl.lit(None, pl.Int8)))


def naics_vintage(year: int) -> str:
    """NAICS vintage that QCEW uses for a data year (e.g. 2020 -> 'NAICS 2017')."""
    for first, name in NAICS_VINTAGES:
        if year >= first:
            return name
    return "SIC"


def _check_columns(frame: pl.DataFrame | pl.LazyFrame, needed: Iterable[str], what: str) -> None:
    names = frame.collect_schema().names()
    missing = [c for c in needed if c not in names]
    if missing:
        raise ExportPlanError(
            f"{what} lacks column(s) {', '.join(missing)}. Pass the frame returned by "
            "exportplan.sources.qcew.read_qcew or by region_sum.")


def _withheld_cell() -> pl.Expr:
    """True for a withheld cell: disclosure code set (N, or '-' in national files) or no value."""
    flagged = pl.col("disclosure_code").fill_null("") != ""
    return flagged | pl.col("emplvl").is_null()


def _with_withheld(frame: pl.DataFrame | pl.LazyFrame):
    """Add ``withheld`` and ``missing`` (1.0/0.0 per cell) to a canonical frame; keep existing ones.

    ``missing`` is a withheld cell without an estimate (see estimate_withheld);
    an area frame without it (no estimation) has ``missing = withheld``.
    """
    names = frame.collect_schema().names()
    if "withheld" not in names:
        flag = _withheld_cell() if "disclosure_code" in names else pl.col("emplvl").is_null()
        frame = frame.with_columns(withheld=flag.cast(pl.Float64))
    if "missing" not in names:
        frame = frame.with_columns(missing=pl.col("withheld") * (1.0 - _estimated_share(names)))
    return frame


def _estimated_share(names: Sequence[str]) -> pl.Expr:
    """The row's estimated share of employment: the ``estimated`` flag or share, else 0."""
    if "estimated" not in names:
        return pl.lit(0.0)
    return pl.col("estimated").cast(pl.Float64).fill_null(0.0)


def _ids(frame: pl.DataFrame | pl.LazyFrame, extra: Sequence[str] = ()) -> list[str]:
    names = frame.collect_schema().names()
    return [c for c in (*_ID_COLUMNS, *extra) if c in names]


# ---------------------------------------------------------------- periods

def annual_rows(qcew: pl.DataFrame) -> pl.DataFrame:
    """Keep annual rows (qtr 'A'); for an area-year with only quarters, average them.

    Adds ``period``: 'annual', or e.g. 'average of Q1,Q2 (wages x4)' when an
    area-year has quarterly rows only. Employment and establishments are the
    mean of the available quarters, wages the mean quarter annualized (x4);
    a row withheld in any quarter is withheld. Idempotent: rows that already
    carry a period (an earlier call's averages, qtr 'A') keep it.
    """
    _check_columns(qcew, _REQUIRED, "The QCEW frame")
    label = pl.col("period").fill_null("annual") if "period" in qcew.columns else pl.lit("annual")
    annual = qcew.filter(pl.col("qtr") == "A").with_columns(period=label)
    quarterly = qcew.filter(pl.col("qtr") != "A").join(
        annual.select("area_fips", "year").unique(), on=["area_fips", "year"], how="anti")
    if quarterly.height == 0:
        return annual
    return pl.concat([annual, _average_quarters(quarterly)], how="diagonal_relaxed")


def _average_quarters(quarterly: pl.DataFrame) -> pl.DataFrame:
    """One row per area-ownership-industry-year from quarterly rows (see annual_rows)."""
    keys = [c for c in ("area_fips", "own_code", "industry_code", "agglvl_code", "size_code", "year")
            if c in quarterly.columns]
    withheld = _withheld_cell()
    titles = [pl.col(c).drop_nulls().first() for c in ("area_title", "industry_title")
              if c in quarterly.columns]
    out = quarterly.group_by(keys).agg(
        pl.col("estabs").mean().round(0).cast(pl.Int64),
        pl.col("emplvl").mean().alias("_emp"),
        (pl.col("total_wages").mean() * 4).alias("_wages"),
        withheld.any().alias("_withheld"),
        pl.lit("average of Q").add(pl.col("qtr").unique().sort().str.join(",Q"))
        .add(pl.lit(" (wages x4)")).alias("period"),
        *titles,
    )
    return out.with_columns(
        qtr=pl.lit("A"),
        disclosure_code=pl.when(pl.col("_withheld")).then(pl.lit("N")).otherwise(pl.lit("")),
        emplvl=pl.when(pl.col("_withheld")).then(None).otherwise(pl.col("_emp")),
        total_wages=pl.when(pl.col("_withheld")).then(None).otherwise(pl.col("_wages")),
        bls_lq_emplvl=pl.lit(None, pl.Float64),
    ).with_columns(avg_annual_pay=_ratio("total_wages", "emplvl")).drop("_emp", "_wages", "_withheld")


def _ratio(num: str, den: str) -> pl.Expr:
    return pl.when(pl.col(den) > 0).then(pl.col(num) / pl.col(den)).otherwise(None)


def check_periods(region: pl.DataFrame, reference: pl.DataFrame, years: int | Iterable[int]) -> None:
    """Raise ExportPlanError when the reference lacks a year of the region in the region's period.

    ``period`` comes from :func:`annual_rows` ('annual', or 'average of Q1,Q2
    (wages x4)' for an area-year with quarterly rows only) and travels
    through :func:`region_sum` and :func:`reference_frame`. The check fires
    both when the reference has the year in another period only (a U.S. Q1
    file against annual county averages) and when it has no rows for the
    year at all (U.S. files for 2019 and 2024 against 2020 counties). A
    region whose counties mix periods passes when the reference has one of
    them. Frames without ``period`` count as annual.

    The tables do not call this: they blank what needs the reference
    (:func:`exportplan.analysis.reference.match_reference`) and say so at
    the top. It is for callers where nothing could be computed.
    """
    from .reference import match_reference

    _, gaps = match_reference(region, reference, [years] if isinstance(years, int) else list(years))
    if gaps:
        raise ExportPlanError(_period_message(region, reference, gaps[0]))


def _period_message(region: pl.DataFrame, reference: pl.DataFrame, year: int) -> str:
    """The reference gap note of ``year`` (analysis.reference.reference_gap) for two area frames."""
    from .reference import frame_periods, reference_gap

    area = reference.get_column("area_fips")[0] if "area_fips" in reference.columns and reference.height else \
        "the reference area"
    counties = sorted(set(region.get_column("area_fips").to_list()) - {"REGION"}) if "area_fips" in region.columns \
        else []
    return reference_gap(frame_periods(region), frame_periods(reference), year, reference_area=str(area),
                         counties=counties or ["COUNTY"]) or ""


# ---------------------------------------------------------------- region sums

def region_sum(qcew: pl.DataFrame, counties: Iterable[str], *, region_code: str = "REGION") -> pl.DataFrame:
    """Sum a region's counties (or any areas) before any ratio is taken.

    Returns an area frame (module docstring) with ``area_fips = region_code``:
    establishments, employment and wages are summed over the areas' rows of
    all establishment sizes (size_code '0'); ``avg_annual_pay`` is summed
    wages / summed employment. ``withheld`` is the share of the row's
    establishments that sit in withheld area cells (the share of cells when
    those report no establishments). Employment and wages are null when every
    cell is withheld; a partially withheld row keeps the disclosed sum as a
    lower bound and gets no LQ or growth downstream. Cells filled by
    :func:`estimate_withheld` are summed with the rest: ``estimated`` is the
    share of the row's employment that is estimated and ``missing`` the share
    of establishments in withheld cells still without a value (LQ and growth
    need ``missing == 0``). ``n_areas`` counts the areas with a row.

    Raises ExportPlanError when a requested area has no rows at all.
    """
    areas = sorted({str(c) for c in counties})
    if not areas:
        raise ExportPlanError("The region has no counties. List at least one county FIPS code.")
    _check_columns(qcew, _REQUIRED, "The QCEW frame")
    rows = qcew.filter(pl.col("area_fips").is_in(areas))
    if "size_code" in rows.columns:
        rows = rows.filter(pl.col("size_code").fill_null("0") == "0")
    missing = sorted(set(areas) - set(rows.get_column("area_fips").unique().to_list()))
    if missing:
        raise ExportPlanError(
            f"No QCEW rows for area(s) {', '.join(missing)}. Load the QCEW files for these "
            "areas (or fix the county list) and run again.")
    return _sum_cells(_with_withheld(rows), region_code)


def _sum_cells(rows: pl.DataFrame, region_code: str) -> pl.DataFrame:
    """Group-sum cells that carry ``withheld`` (0/1 or shares) into one area."""
    keys = [c for c in ("own_code", "industry_code", "year", "qtr") if c in rows.columns]
    hidden = pl.col("withheld") > 0
    value = pl.col("emplvl").filter(pl.col("emplvl").is_not_null())
    titles = [pl.col("industry_title").drop_nulls().first()] if "industry_title" in rows.columns else []
    if "period" in rows.columns:  # counties may mix annual rows and averaged quarters: say so
        titles.append(pl.col("period").drop_nulls().unique().sort().str.join("; "))
    summed = rows.group_by(keys).agg(
        pl.col("estabs").sum(),
        value.sum().alias("_emp"),
        (pl.col("emplvl") * _estimated_share(rows.columns)).sum().alias("_emp_est"),
        pl.col("total_wages").filter(pl.col("total_wages").is_not_null()).sum().alias("_wages"),
        (pl.col("withheld") * pl.col("estabs")).sum().alias("_est_hidden"),
        (pl.col("missing") * pl.col("estabs")).sum().alias("_est_missing"),
        pl.col("withheld").mean().alias("_cell_share"),
        pl.col("missing").mean().alias("_missing_cells"),
        _estimated_share(rows.columns).max().alias("_any_est"),
        pl.col("emplvl").is_not_null().any().alias("_any_value"),
        hidden.any().alias("_any_hidden"),
        (pl.col("missing") > 0).any().alias("_any_missing"),
        pl.col("area_fips").n_unique().cast(pl.UInt32).alias("n_areas"),
        *titles,
    )
    return summed.with_columns(
        area_fips=pl.lit(region_code),
        emplvl=pl.when(pl.col("_any_value")).then(pl.col("_emp")).otherwise(None),
        total_wages=pl.when(pl.col("_any_value")).then(pl.col("_wages")).otherwise(None),
        withheld=_estab_share("_any_hidden", "_est_hidden", "_cell_share"),
        estimated=pl.when(pl.col("_emp") > 0).then(pl.col("_emp_est") / pl.col("_emp"))
        .otherwise(pl.col("_any_est")),
        missing=_estab_share("_any_missing", "_est_missing", "_missing_cells"),
    ).with_columns(avg_annual_pay=_ratio("total_wages", "emplvl")).select(
        "area_fips", *keys, "estabs", "emplvl", "total_wages", "avg_annual_pay",
        "withheld", "estimated", "missing", "n_areas",
        *[c for c in ("period", "industry_title") if c in rows.columns],
    ).sort(keys)


def _estab_share(any_flag: str, flagged_estabs: str, cell_share: str) -> pl.Expr:
    """Share of establishments in flagged cells (the share of cells when those report none)."""
    return (pl.when(~pl.col(any_flag)).then(0.0)
            .when((pl.col("estabs") > 0) & (pl.col(flagged_estabs) > 0)).then(pl.col(flagged_estabs) / pl.col("estabs"))
            .otherwise(pl.col(cell_share)))


__all__ = [
    "ALL_OWNERSHIPS", "NAICS_LEVELS", "NAICS_VINTAGES", "OWNERSHIP_ALIASES", "TOTAL_CODE", "annual_rows",
    "check_periods", "naics_level_expr", "naics_vintage", "ownership_code", "region_sum",
]
