"""Regional industry measures from BLS QCEW: region sums, LQ, growth, shift-share.

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
ratio down.

Optional estimation (:func:`estimate_withheld`, methods.md §1) fills withheld
cells with the residual of their parent NAICS industry shared by
establishments; the frame then carries ``estimated`` (bool) and every sum
reports the share of its employment that is estimated, so an estimate never
passes as disclosed. LQ and growth are computed on estimated values.

Area frame (output of :func:`region_sum`, input of the other functions)::

    area_fips, own_code, industry_code : str, year : Int32, qtr : str,
    [period : str], estabs : Int64, emplvl, total_wages, avg_annual_pay : Float64,
    withheld : Float64 (share of establishments in withheld cells, estimated or not),
    estimated : Float64 (share of emplvl that is estimated),
    missing : Float64 (share of establishments in withheld cells with no value;
              LQ and growth need 0), n_areas : UInt32, [industry_title : str]

A canonical QCEW frame is accepted wherever an area frame is expected: its
``withheld`` is then 1 for withheld cells and 0 otherwise, ``missing`` 1 for
withheld cells that were not estimated.

Reference ``USLQ`` (:func:`implied_reference`): when no U.S. file is loaded,
the U.S. shares implied by BLS's published county LQs make a synthetic
reference area whose employment levels are not real (``synthetic``): LQs
against it work, growth and shift-share against it are null.
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
LQ_BASES = ("bls", "ownership")
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


# ---------------------------------------------------------------- estimating withheld cells

_EST_KEYS = ("area_fips", "year", "qtr", "own_code", "size_code")
# NAICS sectors that QCEW publishes as ranges: the 2-digit prefix of a 3-digit code -> its sector code.
_SECTOR_RANGES = {"31": "31-33", "32": "31-33", "33": "31-33", "44": "44-45", "45": "44-45",
                  "48": "48-49", "49": "48-49"}


def naics_parent_expr(code: str = "industry_code") -> pl.Expr:
    """Expression giving the parent of a QCEW industry code in the NAICS hierarchy.

    A sector's parent is the all-industry total '10'; a 3-digit code's parent
    its sector (ranges '31-33', '44-45', '48-49' included); a 4- to 6-digit
    code's parent the code one digit shorter. Null for the total and the
    domain/supersector aggregates.
    """
    c, level = pl.col(code), naics_level_expr(code)
    sector = c.str.head(2).replace(_SECTOR_RANGES)
    return (pl.when(level == 2).then(pl.lit(TOTAL_CODE))
            .when(level == 3).then(sector)
            .when(level >= 4).then(c.str.head(level.cast(pl.Int64) - 1))
            .otherwise(pl.lit(None, pl.String)))


def estimate_withheld(qcew: pl.DataFrame, *, weight: str = "estabs") -> pl.DataFrame:
    """Fill withheld cells with the residual of their parent industry, shared by establishments.

    Per area, year, qtr and ownership (and size_code), top-down through the
    NAICS hierarchy (total '10' -> sectors -> 3 -> 4 -> 5 -> 6 digits): for a
    parent with a value (disclosed, or estimated one step earlier, so a
    withheld child of a withheld parent waits for its parent's estimate) the
    residual ``R = parent - sum of disclosed children`` is split among the
    withheld children in proportion to ``weight`` (establishment counts,
    which BLS publishes even for withheld cells; equally when they are all
    0); wages likewise. A negative residual (rounding of the published
    averages) is clipped: the children get 0 and ``estimate_note`` says so.
    Withheld cells whose parent has no value stay null.

    Returns the frame with ``emplvl``, ``total_wages`` and ``avg_annual_pay``
    filled for estimated rows, ``estimated`` (bool, True only for those rows;
    ``disclosure_code`` stays 'N') and ``estimate_note`` (how each estimate was
    made; null otherwise). Disclosed cells are never changed. Estimates
    already in the frame are dropped first, so the function is idempotent.
    """
    _check_columns(qcew, ("area_fips", "own_code", "industry_code", "year", "qtr", "emplvl", weight),
                   "The QCEW frame")
    if "n_areas" in qcew.columns and "synthetic" not in qcew.columns:
        raise ExportPlanError("estimate_withheld works on the cells of each area (a QCEW frame from read_qcew), "
                              "not on region sums: estimate first, then sum with region_sum.")
    base = drop_estimates(qcew)
    keys = [k for k in _EST_KEYS if k in base.columns]
    wages = pl.col("total_wages") if "total_wages" in base.columns else pl.lit(None, pl.Float64)
    flag = _withheld_cell() if "disclosure_code" in base.columns else pl.col("emplvl").is_null()
    work = base.with_row_index("_row").select(
        "_row", *keys, "industry_code", _level=naics_level_expr(), _parent=naics_parent_expr(),
        _hidden=flag, _w=pl.col(weight).cast(pl.Float64).fill_null(0.0),
        _emp=pl.col("emplvl"), _wages=wages.cast(pl.Float64), _note=pl.lit(None, pl.String))
    by = "establishments" if weight == "estabs" else weight
    for level in (2, 3, 4, 5, 6):
        work = _estimate_level(work, keys, level, by)
    filled = work.filter(pl.col("_hidden") & pl.col("_emp").is_not_null() & pl.col("_note").is_not_null())
    return _apply_estimates(base, filled)


def _estimate_level(work: pl.DataFrame, keys: list[str], level: int, by: str) -> pl.DataFrame:
    """Fill the withheld cells of one NAICS level from their parents' current values."""
    parent_level = 0 if level == 2 else level - 1
    parents = work.filter(pl.col("_level") == parent_level).select(
        *keys, pl.col("industry_code").alias("_parent"), pl.col("_emp").alias("_P"), pl.col("_wages").alias("_PW"))
    kids = work.filter((pl.col("_level") == level) & pl.col("_parent").is_not_null())
    shown = ~pl.col("_hidden")
    groups = kids.group_by(*keys, "_parent").agg(
        pl.col("_emp").filter(shown).sum().alias("_shown"),
        pl.col("_wages").filter(shown).sum().alias("_shown_w"),
        pl.col("_w").filter(pl.col("_hidden")).sum().alias("_wsum"),
        pl.col("_hidden").sum().alias("_nh"),
    ).filter(pl.col("_nh") > 0).join(parents.filter(pl.col("_P").is_not_null()), on=[*keys, "_parent"],
                                     how="inner", nulls_equal=True)
    if groups.height == 0:
        return work
    residual, residual_w = pl.col("_P") - pl.col("_shown"), pl.col("_PW") - pl.col("_shown_w")
    part = (pl.when(pl.col("_wsum") > 0).then(pl.col("_w") / pl.col("_wsum"))
            .otherwise(1.0 / pl.col("_nh").cast(pl.Float64)))
    note = (pl.when(residual < 0)
            .then(pl.format("residual of {} was negative ({}, rounding of published averages): estimated 0",
                            pl.col("_parent"), residual.round(0)))
            .otherwise(pl.format("share of the residual of {} ({}) by {}",
                                 pl.col("_parent"), residual.round(0), pl.lit(by))))
    estimates = kids.filter(pl.col("_hidden") & pl.col("_emp").is_null()).join(
        groups, on=[*keys, "_parent"], how="inner", nulls_equal=True).select(
        "_row", (residual.clip(lower_bound=0.0) * part).alias("_e"),
        (residual_w.clip(lower_bound=0.0) * part).alias("_ew"), note.alias("_n"))
    return work.join(estimates, on="_row", how="left").with_columns(
        _emp=pl.coalesce("_emp", "_e"),
        _wages=pl.when(pl.col("_e").is_not_null()).then(pl.col("_ew")).otherwise(pl.col("_wages")),
        _note=pl.coalesce("_note", "_n"),
    ).drop("_e", "_ew", "_n")


def _apply_estimates(base: pl.DataFrame, filled: pl.DataFrame) -> pl.DataFrame:
    """Write the estimated values into the frame's rows and flag them."""
    fill = filled.select("_row", pl.col("_emp").alias("_e"), pl.col("_wages").alias("_ew"), "_note")
    out = base.with_row_index("_row").join(fill, on="_row", how="left", maintain_order="left")
    est = pl.col("_e").is_not_null()
    cols = {"emplvl": pl.when(est).then(pl.col("_e")).otherwise(pl.col("emplvl")),
            "estimated": est, "estimate_note": pl.col("_note")}
    if "total_wages" in base.columns:
        cols["total_wages"] = pl.when(est).then(pl.col("_ew")).otherwise(pl.col("total_wages"))
    out = out.with_columns(**cols)
    if "avg_annual_pay" in base.columns:
        out = out.with_columns(avg_annual_pay=pl.when(est).then(_ratio("total_wages", "emplvl"))
                               .otherwise(pl.col("avg_annual_pay")))
    return out.drop("_row", "_e", "_ew", "_note")


def drop_estimates(qcew: pl.DataFrame) -> pl.DataFrame:
    """Undo :func:`estimate_withheld`: estimated cells back to null, flag columns removed.

    Only cell frames carry the boolean flag; an area frame (``estimated`` a
    share) is returned as it is.
    """
    if "estimated" not in qcew.columns or qcew.schema["estimated"] != pl.Boolean:
        return qcew
    est = pl.col("estimated").fill_null(False)
    cols = [c for c in ("emplvl", "total_wages", "avg_annual_pay") if c in qcew.columns]
    return qcew.with_columns(pl.when(est).then(None).otherwise(pl.col(c)).alias(c) for c in cols).drop(
        [c for c in ("estimated", "estimate_note") if c in qcew.columns])


# ---------------------------------------------------------------- USLQ: U.S. shares implied by published LQs

USLQ = "USLQ"
IMPLIED_TOTAL = 1_000_000.0
USLQ_NOTE = ("reference: U.S. shares implied by BLS's published county LQs (no U.S. file loaded); "
             "two-decimal rounding limits precision")


def implied_reference(qcew: pl.DataFrame, counties: Iterable[str], *, area_code: str = USLQ) -> pl.DataFrame:
    """A synthetic U.S. reference area built from the LQs BLS publishes in county files.

    BLS's LQ of a county row is ``(e_ci / E_c) / (N_i / N)`` with E and N the
    total covered employment of all ownerships (own 0, industry 10), so the
    U.S. share ``s_i = N_i / N = (e_ci / E_c) / LQ_ci`` (methods.md §1). For
    each year, qtr, ownership and industry the share is taken from the county
    whose published LQ (disclosed, > 0) is largest: the two-decimal rounding
    of the LQ then costs the least relative precision (at most 0.005 / LQ).
    The frame has ``N = 1,000,000`` (own 0, industry 10) and ``N_i = s_i x
    1,000,000``, so LQs with base 'bls' work unchanged, and base 'ownership'
    too (the ownership totals have published LQs). For quarterly rows BLS's
    LQ is the mean of the monthly LQs: the share is approximate.

    Returns a canonical/area frame with ``area_fips = area_code``: own_code,
    industry_code, year, qtr, disclosure_code ('N' where no county has a
    usable LQ: then emplvl is null, withheld 1, and stays so: an implied
    share is never estimated), emplvl, withheld,
    ``n_areas`` (counties with a usable LQ), ``source_area`` and
    ``source_lq`` (the county and LQ used), ``synthetic``
    (True: levels are not employment, so growth and shift-share against this
    frame are null) and, when the input has it (:func:`annual_rows`),
    ``period``: that of the county row used, so :func:`check_periods` can
    compare it with the region's. estabs and wages are null.
    """
    areas = sorted({str(c) for c in counties})
    if not areas:
        raise ExportPlanError("The implied U.S. reference needs at least one county file with published LQs.")
    _check_columns(qcew, (*_REQUIRED, "bls_lq_emplvl"), "The QCEW frame")
    rows = qcew.filter(pl.col("area_fips").is_in(areas))
    if "size_code" in rows.columns:
        rows = rows.filter(pl.col("size_code").fill_null("0") == "0")
    flag = _withheld_cell() if "disclosure_code" in rows.columns else pl.col("emplvl").is_null()
    totals = rows.filter((pl.col("own_code") == ALL_OWNERSHIPS) & (pl.col("industry_code") == TOTAL_CODE)
                         & (pl.col("emplvl") > 0)).select("area_fips", "year", "qtr", pl.col("emplvl").alias("_E"))
    cells = rows.join(totals, on=["area_fips", "year", "qtr"], how="left").with_columns(
        _ok=~flag & (pl.col("bls_lq_emplvl") > 0) & pl.col("_E").is_not_null() & pl.col("emplvl").is_not_null())
    if cells.filter(pl.col("_ok")).height == 0:
        raise ExportPlanError(
            f"No published LQs in the QCEW rows of {', '.join(areas)}: the U.S. reference cannot be implied. "
            "Load the BLS area files (they carry lq_annual_avg_emplvl) or a U.S. file (US000) as reference.")
    return _implied_frame(cells, area_code)


def _implied_frame(cells: pl.DataFrame, area_code: str) -> pl.DataFrame:
    """One synthetic row per year/qtr/ownership/industry from the usable county cells (implied_reference)."""
    keys = ["own_code", "industry_code", "year", "qtr"]
    best = (cells.filter(pl.col("_ok")).sort(["bls_lq_emplvl", "area_fips"], descending=[True, False])
            .group_by(keys, maintain_order=True).agg(
                ((pl.col("emplvl") / pl.col("_E")) / pl.col("bls_lq_emplvl")).first().alias("_share"),
                pl.col("area_fips").first().alias("source_area"), pl.col("bls_lq_emplvl").first().alias("source_lq"),
                pl.len().cast(pl.UInt32).alias("n_areas"),
                *[pl.col("period").first()] if "period" in cells.columns else []))
    titles = [pl.col("industry_title").drop_nulls().first()] if "industry_title" in cells.columns else []
    every = cells.group_by(keys).agg(pl.len().alias("_cells"), *titles).drop("_cells")
    out = every.join(best, on=keys, how="left")
    total = (pl.col("own_code") == ALL_OWNERSHIPS) & (pl.col("industry_code") == TOTAL_CODE)
    value = pl.when(total).then(pl.lit(IMPLIED_TOTAL)).otherwise(pl.col("_share") * IMPLIED_TOTAL)
    known = value.is_not_null()
    return out.select(
        pl.lit(area_code).alias("area_fips"), *keys, pl.lit("0").alias("size_code"),
        pl.when(known).then(pl.lit("")).otherwise(pl.lit("N")).alias("disclosure_code"),
        pl.lit(None, pl.Int64).alias("estabs"), value.alias("emplvl"),
        *[pl.lit(None, pl.Float64).alias(c) for c in ("total_wages", "avg_annual_pay", "bls_lq_emplvl")],
        pl.when(known).then(0.0).otherwise(1.0).alias("withheld"),
        pl.col("n_areas").fill_null(0), "source_area", "source_lq",
        pl.lit(True).alias("synthetic"), *[c for c in ("period", "industry_title") if c in out.columns],
    ).sort(keys)


# ---------------------------------------------------------------- LQ

def location_quotients(region, reference, *, base: str = "bls"):
    """Employment location quotients of ``region`` against one ``reference`` area.

    ``LQ_i = (e_i / E) / (N_i / N)``, matched on own_code, industry_code,
    year and qtr. With ``base='bls'`` (default) E and N are each area's total
    covered employment of all ownerships (own_code '0', industry '10'), BLS's
    definition also for private rows, so a one-county region reproduces the
    published ``lq_annual_avg_emplvl``. With ``base='ownership'`` they are the
    total of the row's own ownership. ``region`` may hold several areas
    (``area_fips``), each with its own base. LQ is null when either side's
    row or base has a withheld cell without a value (``missing > 0``) or is
    absent, or a count is 0; estimated values (estimate_withheld) are used.

    Returns ``region`` with ``ref_emplvl``, ``lq`` and ``lq_base`` ('bls' or
    'ownership') added. Lazy frames in give a lazy frame out.
    """
    if base not in LQ_BASES:
        raise ExportPlanError(f"Unknown LQ base {base!r}; use 'bls' (BLS definition) or 'ownership'.")
    lazy = isinstance(region, pl.LazyFrame)
    # cache(): the region feeds two branches below; a lazy scan would otherwise read its file twice.
    reg, ref = _with_withheld(region.lazy()).cache(), _with_withheld(reference.lazy())
    _check_columns(reg, ("area_fips", "own_code", "industry_code", "year", "qtr", "emplvl"), "The region frame")
    _check_columns(ref, ("own_code", "industry_code", "year", "qtr", "emplvl"), "The reference frame")
    reg = reg.drop([c for c in ("ref_emplvl", "lq", "lq_base") if c in reg.collect_schema().names()])
    # The ratio is computed on a narrow projection whose joins keep the left order, then
    # put beside the untouched input: joining the wide frame would copy every column.
    narrow = _lq_narrow(reg.select("area_fips", *_LQ_KEYS, "emplvl", "missing"), ref, base)
    out = pl.concat([reg, narrow], how="horizontal")
    return out if lazy else out.collect()


_LQ_KEYS = ["own_code", "industry_code", "year", "qtr"]


def _lq_narrow(reg: pl.LazyFrame, ref: pl.LazyFrame, base: str) -> pl.LazyFrame:
    """``ref_emplvl, lq, lq_base`` for each row of ``reg``, in its order (see location_quotients)."""
    base_keys = ["year", "qtr"] if base == "bls" else ["own_code", "year", "qtr"]
    if "size_code" in ref.collect_schema().names():
        ref = ref.filter(pl.col("size_code").fill_null("0") == "0")
    ref_ind = ref.group_by(_LQ_KEYS).agg(pl.col("emplvl").first().alias("ref_emplvl"),
                                         pl.col("missing").first().alias("_ref_w"))
    out = (reg.join(ref_ind, on=_LQ_KEYS, how="left", maintain_order="left")
           .join(_base_totals(reg, ["area_fips", *base_keys], "_E", "_E_w"), on=["area_fips", *base_keys],
                 how="left", maintain_order="left")
           .join(_base_totals(ref, base_keys, "_N", "_N_w"), on=base_keys, how="left", maintain_order="left"))
    clean = ((pl.col("missing") == 0) & (pl.col("_ref_w") == 0) & (pl.col("_E_w") == 0) & (pl.col("_N_w") == 0)
             & (pl.col("emplvl") >= 0) & (pl.col("_E") > 0) & (pl.col("ref_emplvl") > 0) & (pl.col("_N") > 0))
    lq = (pl.col("emplvl") / pl.col("_E")) / (pl.col("ref_emplvl") / pl.col("_N"))
    return out.select("ref_emplvl", pl.when(clean).then(lq).otherwise(None).alias("lq"), pl.lit(base).alias("lq_base"))


def _base_totals(frame: pl.LazyFrame, keys: list[str], value: str, flag: str) -> pl.LazyFrame:
    """The industry-'10' totals per key (own_code '0' unless own_code is a key)."""
    rows = frame.filter(pl.col("industry_code") == TOTAL_CODE)
    if "own_code" not in keys:
        rows = rows.filter(pl.col("own_code") == ALL_OWNERSHIPS)
    return rows.group_by(keys).agg(pl.col("emplvl").first().alias(value), pl.col("missing").first().alias(flag))


# ---------------------------------------------------------------- growth

def growth(frame: pl.DataFrame, start_year: int | None = None, end_year: int | None = None, *,
           window: int = 5, value: str = "emplvl", keys: Sequence[str] | None = None,
           max_withheld: float = 0.0) -> pl.DataFrame:
    """Change, growth and compound annual growth of ``value`` between two years.

    ``end_year`` defaults to the latest year in ``frame``; ``start_year`` to
    ``end_year - window`` when that year is present, else the earliest year.
    Keys default to the id columns present (area_fips, own_code,
    industry_code, qtr). Returns one row per key with ``start_year,
    end_year, start_value, end_value, change, growth`` ((x1/x0) - 1, a
    fraction), ``cagr`` ((x1/x0)^(1/(t1-t0)) - 1) and ``vintage_break``
    (True when the window crosses a NAICS vintage: codes may differ).
    All are null where either end is absent or has withheld cells without a
    value (``missing > max_withheld``; estimated values count), growth and
    CAGR also where x0 is 0, and all where a row is ``synthetic`` (the
    implied USLQ reference: its levels are not real employment).
    """
    frame = _with_withheld(frame)
    keys = list(keys) if keys is not None else _ids(frame)
    start_year, end_year = growth_window(frame.get_column("year").unique().to_list(),
                                         start_year, end_year, window)
    # A synthetic row's level is a scaled share: treat it like a missing value.
    unusable = (pl.when(pl.col("synthetic").fill_null(False)).then(float("inf")).otherwise(pl.col("missing"))
                if "synthetic" in frame.columns else pl.col("missing"))
    ends = [frame.filter(pl.col("year") == y).select(*keys, pl.col(value).alias(f"_x{i}"),
                                                      unusable.alias(f"_w{i}"))
            for i, y in enumerate((start_year, end_year))]
    joined = ends[0].join(ends[1], on=keys, how="full", coalesce=True, nulls_equal=True)
    ok = ((pl.col("_w0") <= max_withheld) & (pl.col("_w1") <= max_withheld)
          & pl.col("_x0").is_not_null() & pl.col("_x1").is_not_null())
    x0 = pl.when(ok).then(pl.col("_x0"))
    x1 = pl.when(ok).then(pl.col("_x1"))
    ratio = pl.when(ok & (pl.col("_x0") > 0)).then(pl.col("_x1") / pl.col("_x0"))
    return joined.with_columns(
        start_year=pl.lit(start_year, pl.Int32), end_year=pl.lit(end_year, pl.Int32),
        start_value=x0, end_value=x1, change=x1 - x0, growth=ratio - 1,
        cagr=ratio.pow(1.0 / (end_year - start_year)) - 1,
        vintage_break=pl.lit(naics_vintage(start_year) != naics_vintage(end_year)),
    ).drop("_x0", "_x1", "_w0", "_w1").sort(keys)


def growth_window(years: Iterable[int], start_year: int | None, end_year: int | None,
                  window: int = 5) -> tuple[int, int]:
    """Resolve the (start, end) years of a growth window from the years present."""
    present = sorted({int(y) for y in years if y is not None})
    if not present:
        raise ExportPlanError("No years in the data; load QCEW data for at least two years.")
    end = int(end_year) if end_year is not None else present[-1]
    if start_year is None:
        earlier = [y for y in present if y < end]
        if not earlier:
            raise ExportPlanError(
                f"Growth needs two years of data; only {end} is loaded at or before it. "
                "Load an earlier QCEW year (the default window is 5 years).")
        start = end - window if end - window in present else earlier[0]
    else:
        start = int(start_year)
    if start >= end:
        raise ExportPlanError(f"The growth window {start}-{end} is empty; the start year must precede the end year.")
    return start, end


# ---------------------------------------------------------------- shift-share

def shift_share(region: pl.DataFrame, reference: pl.DataFrame, start_year: int, end_year: int) -> pl.DataFrame:
    """Shift-share decomposition of each industry's employment change.

    With ``e0, e1`` the region's employment, ``G`` the reference's total
    growth of the same ownership (industry '10'), ``G_i`` the reference's
    growth of industry i and ``g_i`` the region's: ``national_share =
    e0*G``, ``industry_mix = e0*(G_i - G)``, ``competitive_shift =
    e0*(g_i - G_i)``; the three add up to ``change = e1 - e0``. Rows with a
    withheld or missing end, or ``e0 = 0``, get null parts; so does every row
    against a ``synthetic`` reference (USLQ: no real national levels).

    Returns own_code, industry_code(, qtr), start_year, end_year, e0, e1,
    change, g_i, G_i, G and the three parts.
    """
    keys = [k for k in ("own_code", "industry_code", "qtr") if k in region.columns]
    reg = growth(region, start_year, end_year, keys=keys)
    ref = growth(reference, start_year, end_year, keys=keys).select(*keys, pl.col("growth").alias("G_i"))
    total = ref.filter(pl.col("industry_code") == TOTAL_CODE).select(
        *[k for k in keys if k != "industry_code"], pl.col("G_i").alias("G"))
    out = reg.join(ref, on=keys, how="left").join(total, on=[k for k in keys if k != "industry_code"], how="left")
    e0 = pl.col("start_value")
    return out.select(
        *keys, "start_year", "end_year", e0.alias("e0"), pl.col("end_value").alias("e1"), "change",
        pl.col("growth").alias("g_i"), "G_i", "G",
        (e0 * pl.col("G")).alias("national_share"),
        (e0 * (pl.col("G_i") - pl.col("G"))).alias("industry_mix"),
        (e0 * (pl.col("growth") - pl.col("G_i"))).alias("competitive_shift"),
    )


# ---------------------------------------------------------------- tables

def withheld_share(region: pl.DataFrame, *, level: int, ownership: str = "5", year: int | None = None,
                   count_estimates: bool = False) -> float | None:
    """Share of the area's employment (of an ownership) not shown at a NAICS level.

    ``(total - sum of disclosed employment at the level) / total`` for one
    area frame (or a one-area canonical frame) and year (default latest).
    Partially withheld rows count with their disclosed part; estimated
    employment (estimate_withheld) counts as not shown, since this measures
    what BLS withheld (``count_estimates=True`` counts it as shown: the share
    left unplaced even after estimation). Annual averages are rounded, so
    rows can add up to a few jobs over the total: the share is floored at 0.
    None when the total itself is withheld or missing.
    """
    frame = _with_withheld(region)
    if "area_fips" in frame.columns and frame.get_column("area_fips").n_unique() > 1:
        raise ExportPlanError("withheld_share needs one area; sum the counties first with region_sum.")
    own = ownership_code(ownership)
    frame = frame.filter(pl.col("own_code") == own)
    year = year if year is not None else frame.get_column("year").max()
    frame = frame.filter(pl.col("year") == year)
    total = frame.filter(pl.col("industry_code") == TOTAL_CODE)
    if total.height == 0 or total.get_column("withheld")[0] > 0 or total.get_column("emplvl")[0] is None:
        return None
    total_emp = total.get_column("emplvl")[0]
    disclosed = pl.col("emplvl") * (1.0 - (pl.lit(0.0) if count_estimates else _estimated_share(frame.columns)))
    shown = frame.filter(naics_level_expr() == level).select(disclosed.sum()).item()
    if not total_emp:
        return None
    return max(0.0, (total_emp - shown) / total_emp)


def industry_table(qcew: pl.DataFrame, counties: Iterable[str], reference_area: str = "US000", *,
                   year: int | None = None, level: int | Sequence[int] | None = None,
                   ownership: str = "5", window: int = 5, base: str = "bls",
                   titles: pl.DataFrame | None = None, estimate: bool = False,
                   max_bound_ratio: float | None = None, start_year: int | None = None) -> pl.DataFrame:
    """The region's industries with employment, pay, LQ, growth and withheld share.

    Counties are summed first (:func:`region_sum`), annual rows used (or the
    average of quarters, see :func:`annual_rows`), the reference area taken
    from the same frame; ``reference_area='USLQ'`` builds it instead with
    :func:`implied_reference` from every area in the frame (all published
    LQs are against the U.S.). ``year`` defaults to the latest year;
    ``level`` to all NAICS levels 2-6 (an int or a list picks levels).
    Growth (the region's own) runs from ``start_year`` (the workspace passes
    its analysis window's) to ``year``; without it from ``year - window`` (or
    the earliest loaded year); a ``start_year`` not before ``year`` means no
    growth. ``estimate=True`` fills the counties' withheld
    cells first (:func:`estimate_withheld`); the reference is not estimated,
    so an LQ never rests on an estimated reference row.

    Columns: naics, title, level, ownership, year, period, employment,
    establishments, wages, avg_pay, lq, lq_base, start_year, growth
    (fraction), cagr, vintage_break, withheld (share of establishments in
    withheld cells), estimated (share of employment estimated; 0 without
    estimation), level_withheld_share (:func:`withheld_share` of the row's
    level), and the exact bounds of withheld cells from the NAICS hierarchy
    (:mod:`exportplan.analysis.withheld`): employment_low/high, lq_low/high,
    growth_low/high; where the bounds are wider than ``max_bound_ratio``
    (high/low; default ``withheld.DEFAULT_MAX_RATIO``) lq (growth) is null
    and lq_note (growth_note) says why. Ranked by employment, largest first.

    When the reference lacks ``year`` in the region's period (e.g. a U.S.
    file of Q1 only against the counties' annual averages, or no U.S. file
    for the year) every LQ is blank: the reference rows of another period
    are never used (:func:`exportplan.analysis.reference.match_reference`);
    the caller says so (:func:`exportplan.analysis.reference.reference_gap`).
    """
    from .reference import match_reference

    own = ownership_code(ownership)
    levels = NAICS_LEVELS if level is None else ([level] if isinstance(level, int) else list(level))
    data = drop_estimates(annual_rows(qcew))
    counties = sorted({str(c) for c in counties})
    reference = reference_frame(data, reference_area)
    if estimate:
        data = estimate_withheld(data.filter(pl.col("area_fips").is_in(counties)))
    region = region_sum(data, counties)
    year = int(year) if year is not None else int(region.get_column("year").max())
    reference, _ = match_reference(region, reference, [year])
    rows = location_quotients(region.filter(pl.col("year") == year),
                              reference.filter(pl.col("year") == year), base=base)
    if rows.height == 0:
        raise ExportPlanError(f"No QCEW rows for {year}; load that year or pick a loaded one.")
    rows = rows.with_columns(level=naics_level_expr()).filter(
        (pl.col("own_code") == own) & pl.col("level").is_in(levels))
    rows = rows.join(_table_growth(region, year, window, start_year), on=["own_code", "industry_code"], how="left")
    # Exact bounds from the NAICS hierarchy (analysis.withheld); wide ones blank the point value.
    from exportplan.analysis import withheld as wh

    starts = rows.get_column("start_year").drop_nulls()
    bounds = wh.industry_table_bounds(data.filter(pl.col("area_fips").is_in(counties)), reference, year=year,
                                      start_year=int(starts[0]) if starts.len() else None, base=base)
    rows = wh.limit_table(rows.join(bounds, on=["own_code", "industry_code", "year", "qtr"], how="left"),
                          max_bound_ratio, midpoint=estimate)
    shares = {lv: withheld_share(region, level=lv, ownership=own, year=year) for lv in levels}
    return _finish_table(rows, shares, titles)


def reference_frame(data: pl.DataFrame, reference_area: str, *, estimate: bool = False) -> pl.DataFrame:
    """The reference area frame: the area's rows summed, or for 'USLQ' the implied U.S. shares.

    For USLQ the shares come from every other area in ``data`` (all
    published LQs are against the U.S.), see :func:`implied_reference`, and
    only from published LQs: a share no county publishes stays missing, and
    ``estimate`` does not apply (the reference is never estimated from the
    region's own counties). For a real area ``estimate=True`` fills its
    withheld cells from its own parent industries (:func:`estimate_withheld`).
    """
    if reference_area == USLQ:
        areas = [a for a in data.get_column("area_fips").unique().to_list() if a != USLQ]
        return implied_reference(data, areas)
    rows = data.filter(pl.col("area_fips") == reference_area)
    if rows.height == 0:  # no file of the reference yet: an empty frame, so what needs it is blank (and said)
        return _sum_cells(_with_withheld(rows), reference_area)
    if estimate:
        rows = estimate_withheld(rows)
    return region_sum(rows, [reference_area], region_code=reference_area)


def _table_growth(region: pl.DataFrame, year: int, window: int, start_year: int | None = None) -> pl.DataFrame:
    """Growth columns for industry_table; null columns when no earlier year is loaded (or start_year >= year)."""
    years = [y for y in region.get_column("year").unique().to_list() if y <= year]
    cols = ["own_code", "industry_code", "start_year", "growth", "cagr", "vintage_break"]
    if start_year is not None and (int(start_year) >= year or int(start_year) not in years):
        years = []
    if len(years) < 2:
        return pl.DataFrame(schema={"own_code": pl.String, "industry_code": pl.String, "start_year": pl.Int32,
                                    "growth": pl.Float64, "cagr": pl.Float64, "vintage_break": pl.Boolean})
    return growth(region, start_year, year, window=window, keys=["own_code", "industry_code"]).select(cols)


def _finish_table(rows: pl.DataFrame, shares: dict, titles: pl.DataFrame | None) -> pl.DataFrame:
    share_map = pl.DataFrame({"level": list(shares), "level_withheld_share": list(shares.values())},
                             schema={"level": pl.Int8, "level_withheld_share": pl.Float64})
    rows = attach_titles(rows, titles).join(share_map, on="level", how="left")
    return rows.select(
        pl.col("industry_code").alias("naics"), "title", "level", pl.col("own_code").alias("ownership"),
        "year", pl.col("period") if "period" in rows.columns else pl.lit("annual").alias("period"),
        pl.col("emplvl").alias("employment"), pl.col("estabs").alias("establishments"),
        pl.col("total_wages").alias("wages"), pl.col("avg_annual_pay").alias("avg_pay"),
        "lq", "lq_base", "start_year", "growth", "cagr", "vintage_break", "withheld", "estimated",
        "level_withheld_share", *[c for c in _BOUND_COLUMNS if c in rows.columns],
    ).sort(["employment", "naics"], descending=[True, False], nulls_last=True)


_BOUND_COLUMNS = ("employment_low", "employment_high", "lq_low", "lq_high", "lq_note", "growth_low",
                  "growth_high", "growth_note")


def attach_titles(rows: pl.DataFrame, titles: pl.DataFrame | None = None) -> pl.DataFrame:
    """Add ``title``: the data's industry_title, else a titles frame's, else null.

    ``titles`` has columns ``naics, title`` (or BLS's ``industry_code,
    industry_title``). BLS's 'NAICS 336411 ' prefix is removed.
    """
    title = (pl.col("industry_title") if "industry_title" in rows.columns else pl.lit(None, pl.String))
    rows = rows.with_columns(title=_clean_title(title))
    if titles is None:
        return rows
    lookup = _titles_frame(titles)
    return (rows.join(lookup, left_on="industry_code", right_on="naics", how="left")
            .with_columns(title=pl.coalesce("title", "_title")).drop("_title"))


def _titles_frame(titles: pl.DataFrame) -> pl.DataFrame:
    cols = {c.lower(): c for c in titles.columns}
    code = cols.get("naics") or cols.get("industry_code")
    name = cols.get("title") or cols.get("industry_title")
    if code is None or name is None:
        raise ExportPlanError("The titles frame needs columns 'naics, title' (or 'industry_code, industry_title').")
    return titles.select(pl.col(code).cast(pl.String).str.strip_chars().alias("naics"),
                         _clean_title(pl.col(name).cast(pl.String)).alias("_title")).unique("naics", keep="first")


def _clean_title(expr: pl.Expr) -> pl.Expr:
    return expr.str.replace(r"^NAICS\s+[0-9-]+\s+", "").str.strip_chars()


__all__ = [
    "IMPLIED_TOTAL", "LQ_BASES", "NAICS_LEVELS", "USLQ", "USLQ_NOTE", "annual_rows", "attach_titles",
    "check_periods", "drop_estimates", "estimate_withheld", "growth", "growth_window", "implied_reference", "industry_table",
    "location_quotients", "naics_level_expr", "naics_parent_expr", "naics_vintage", "ownership_code",
    "reference_frame", "region_sum", "shift_share", "withheld_share",
]
