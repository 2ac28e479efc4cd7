"""Regional industry measures from BLS QCEW: region sums, LQ, growth, shift-share.

Pure functions, polars frames in and out (methods.md §1). The input is the
canonical QCEW frame of :func:`exportplan.sources.qcew.read_qcew`::

    area_fips, own_code, industry_code, agglvl_code, size_code : str
    year : Int32, qtr : str ('A' or '1'..'4'), disclosure_code : str ('' or 'N')
    estabs : Int64, emplvl, total_wages, avg_annual_pay, bls_lq_emplvl : Float64
    (area_title, industry_title, layout : optional)

Withheld cells (disclosure 'N') carry NULL employment and wages. They stay
missing here: a sum over counties keeps the disclosed part as a lower bound,
records the ``withheld`` share, and any row with ``withheld > 0`` gets no LQ
and no growth rate, so a withheld zero can never pull a ratio down.

Area frame (output of :func:`region_sum`, input of the other functions)::

    area_fips, own_code, industry_code : str, year : Int32, qtr : str,
    [period : str], estabs : Int64, emplvl, total_wages, avg_annual_pay : Float64,
    withheld : Float64 (0 disclosed .. 1 fully withheld), n_areas : UInt32,
    [industry_title : str]

A canonical QCEW frame is accepted wherever an area frame is expected: its
``withheld`` is then 1 for withheld cells and 0 otherwise.
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
    """Add ``withheld`` (1.0/0.0 per cell) to a canonical frame; keep an existing one."""
    names = frame.collect_schema().names()
    if "withheld" in names:
        return frame
    if "disclosure_code" in names:
        flag = _withheld_cell()
    else:
        flag = pl.col("emplvl").is_null()
    return frame.with_columns(withheld=flag.cast(pl.Float64))


def _ids(frame: pl.DataFrame | pl.LazyFrame, extra: Sequence[str] = ()) -> list[str]:
    names = frame.collect_schema().names()
    return [c for c in (*_ID_COLUMNS, *extra) if c in names]


# ---------------------------------------------------------------- periods

def annual_rows(qcew: pl.DataFrame) -> pl.DataFrame:
    """Keep annual rows (qtr 'A'); for an area-year with only quarters, average them.

    Adds ``period``: 'annual', or e.g. 'average of Q1,Q2 (wages x4)' when an
    area-year has quarterly rows only. Employment and establishments are the
    mean of the available quarters, wages the mean quarter annualized (x4);
    a row withheld in any quarter is withheld.
    """
    _check_columns(qcew, _REQUIRED, "The QCEW frame")
    annual = qcew.filter(pl.col("qtr") == "A").with_columns(period=pl.lit("annual"))
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
    lower bound and gets no LQ or growth downstream. ``n_areas`` counts the
    areas with a row.

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
    titles = [pl.col("industry_title").drop_nulls().first()] if "industry_title" in rows.columns else []
    if "period" in rows.columns:  # counties may mix annual rows and averaged quarters: say so
        titles.append(pl.col("period").drop_nulls().unique().sort().str.join("; "))
    summed = rows.group_by(keys).agg(
        pl.col("estabs").sum(),
        pl.col("emplvl").filter(pl.col("emplvl").is_not_null()).sum().alias("_emp"),
        pl.col("total_wages").filter(pl.col("total_wages").is_not_null()).sum().alias("_wages"),
        (pl.col("withheld") * pl.col("estabs")).sum().alias("_est_hidden"),
        pl.col("withheld").mean().alias("_cell_share"),
        pl.col("emplvl").is_not_null().any().alias("_any_value"),
        hidden.any().alias("_any_hidden"),
        pl.col("area_fips").n_unique().cast(pl.UInt32).alias("n_areas"),
        *titles,
    )
    est_share = pl.col("_est_hidden") / pl.col("estabs")
    return summed.with_columns(
        area_fips=pl.lit(region_code),
        emplvl=pl.when(pl.col("_any_value")).then(pl.col("_emp")).otherwise(None),
        total_wages=pl.when(pl.col("_any_value")).then(pl.col("_wages")).otherwise(None),
        withheld=pl.when(~pl.col("_any_hidden")).then(0.0)
        .when((pl.col("estabs") > 0) & (pl.col("_est_hidden") > 0)).then(est_share)
        .otherwise(pl.col("_cell_share")),
    ).with_columns(avg_annual_pay=_ratio("total_wages", "emplvl")).select(
        "area_fips", *keys, "estabs", "emplvl", "total_wages", "avg_annual_pay",
        "withheld", "n_areas", *[c for c in ("period", "industry_title") if c in rows.columns],
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
    row or base is withheld (``withheld > 0``) or missing, or a count is 0.

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
    narrow = _lq_narrow(reg.select("area_fips", *_LQ_KEYS, "emplvl", "withheld"), ref, base)
    out = pl.concat([reg, narrow], how="horizontal")
    return out if lazy else out.collect()


_LQ_KEYS = ["own_code", "industry_code", "year", "qtr"]


def _lq_narrow(reg: pl.LazyFrame, ref: pl.LazyFrame, base: str) -> pl.LazyFrame:
    """``ref_emplvl, lq, lq_base`` for each row of ``reg``, in its order (see location_quotients)."""
    base_keys = ["year", "qtr"] if base == "bls" else ["own_code", "year", "qtr"]
    if "size_code" in ref.collect_schema().names():
        ref = ref.filter(pl.col("size_code").fill_null("0") == "0")
    ref_ind = ref.group_by(_LQ_KEYS).agg(pl.col("emplvl").first().alias("ref_emplvl"),
                                         pl.col("withheld").first().alias("_ref_w"))
    out = (reg.join(ref_ind, on=_LQ_KEYS, how="left", maintain_order="left")
           .join(_base_totals(reg, ["area_fips", *base_keys], "_E", "_E_w"), on=["area_fips", *base_keys],
                 how="left", maintain_order="left")
           .join(_base_totals(ref, base_keys, "_N", "_N_w"), on=base_keys, how="left", maintain_order="left"))
    clean = ((pl.col("withheld") == 0) & (pl.col("_ref_w") == 0) & (pl.col("_E_w") == 0) & (pl.col("_N_w") == 0)
             & (pl.col("emplvl") >= 0) & (pl.col("_E") > 0) & (pl.col("ref_emplvl") > 0) & (pl.col("_N") > 0))
    lq = (pl.col("emplvl") / pl.col("_E")) / (pl.col("ref_emplvl") / pl.col("_N"))
    return out.select("ref_emplvl", pl.when(clean).then(lq).otherwise(None).alias("lq"), pl.lit(base).alias("lq_base"))


def _base_totals(frame: pl.LazyFrame, keys: list[str], value: str, flag: str) -> pl.LazyFrame:
    """The industry-'10' totals per key (own_code '0' unless own_code is a key)."""
    rows = frame.filter(pl.col("industry_code") == TOTAL_CODE)
    if "own_code" not in keys:
        rows = rows.filter(pl.col("own_code") == ALL_OWNERSHIPS)
    return rows.group_by(keys).agg(pl.col("emplvl").first().alias(value), pl.col("withheld").first().alias(flag))


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
    All are null where either end is missing or withheld (``withheld >
    max_withheld``); growth and CAGR also where x0 is 0.
    """
    frame = _with_withheld(frame)
    keys = list(keys) if keys is not None else _ids(frame)
    start_year, end_year = growth_window(frame.get_column("year").unique().to_list(),
                                         start_year, end_year, window)
    ends = [frame.filter(pl.col("year") == y).select(*keys, pl.col(value).alias(f"_x{i}"),
                                                      pl.col("withheld").alias(f"_w{i}"))
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
    withheld or missing end, or ``e0 = 0``, get null parts.

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

def withheld_share(region: pl.DataFrame, *, level: int, ownership: str = "5", year: int | None = None) -> float | None:
    """Share of the area's employment (of an ownership) not shown at a NAICS level.

    ``(total - sum of disclosed employment at the level) / total`` for one
    area frame (or a one-area canonical frame) and year (default latest).
    Partially withheld rows count with their disclosed part. Annual averages
    are rounded, so rows can add up to a few jobs over the total: the share
    is floored at 0. None when the total itself is withheld or missing.
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
    shown = frame.filter(naics_level_expr() == level).get_column("emplvl").sum()
    if not total_emp:
        return None
    return max(0.0, (total_emp - shown) / total_emp)


def industry_table(qcew: pl.DataFrame, counties: Iterable[str], reference_area: str = "US000", *,
                   year: int | None = None, level: int | Sequence[int] | None = None,
                   ownership: str = "5", window: int = 5, base: str = "bls",
                   titles: pl.DataFrame | None = None) -> pl.DataFrame:
    """The region's industries with employment, pay, LQ, growth and withheld share.

    Counties are summed first (:func:`region_sum`), annual rows used (or the
    average of quarters, see :func:`annual_rows`), the reference area taken
    from the same frame. ``year`` defaults to the latest year; ``level`` to
    all NAICS levels 2-6 (an int or a list picks levels). Growth runs from
    ``year - window`` (or the earliest loaded year) to ``year``.

    Columns: naics, title, level, ownership, year, period, employment,
    establishments, wages, avg_pay, lq, lq_base, start_year, growth
    (fraction), cagr, vintage_break, withheld (share of establishments in
    withheld cells), level_withheld_share (:func:`withheld_share` of the
    row's level); ranked by employment, largest first.
    """
    own = ownership_code(ownership)
    levels = NAICS_LEVELS if level is None else ([level] if isinstance(level, int) else list(level))
    data = annual_rows(qcew)
    region = region_sum(data, counties)
    reference = region_sum(data, [reference_area], region_code=reference_area)
    year = int(year) if year is not None else int(region.get_column("year").max())
    rows = location_quotients(region.filter(pl.col("year") == year),
                              reference.filter(pl.col("year") == year), base=base)
    if rows.height == 0:
        raise ExportPlanError(f"No QCEW rows for {year}; load that year or pick a loaded one.")
    rows = rows.with_columns(level=naics_level_expr()).filter(
        (pl.col("own_code") == own) & pl.col("level").is_in(levels))
    rows = rows.join(_table_growth(region, year, window), on=["own_code", "industry_code"], how="left")
    shares = {lv: withheld_share(region, level=lv, ownership=own, year=year) for lv in levels}
    return _finish_table(rows, shares, titles)


def _table_growth(region: pl.DataFrame, year: int, window: int) -> pl.DataFrame:
    """Growth columns for industry_table; null columns when no earlier year is loaded."""
    years = [y for y in region.get_column("year").unique().to_list() if y <= year]
    cols = ["own_code", "industry_code", "start_year", "growth", "cagr", "vintage_break"]
    if len(years) < 2:
        return pl.DataFrame(schema={"own_code": pl.String, "industry_code": pl.String, "start_year": pl.Int32,
                                    "growth": pl.Float64, "cagr": pl.Float64, "vintage_break": pl.Boolean})
    return growth(region, end_year=year, window=window, keys=["own_code", "industry_code"]).select(cols)


def _finish_table(rows: pl.DataFrame, shares: dict, titles: pl.DataFrame | None) -> pl.DataFrame:
    share_map = pl.DataFrame({"level": list(shares), "level_withheld_share": list(shares.values())},
                             schema={"level": pl.Int8, "level_withheld_share": pl.Float64})
    rows = attach_titles(rows, titles).join(share_map, on="level", how="left")
    return rows.select(
        pl.col("industry_code").alias("naics"), "title", "level", pl.col("own_code").alias("ownership"),
        "year", pl.col("period") if "period" in rows.columns else pl.lit("annual").alias("period"),
        pl.col("emplvl").alias("employment"), pl.col("estabs").alias("establishments"),
        pl.col("total_wages").alias("wages"), pl.col("avg_annual_pay").alias("avg_pay"),
        "lq", "lq_base", "start_year", "growth", "cagr", "vintage_break", "withheld", "level_withheld_share",
    ).sort(["employment", "naics"], descending=[True, False], nulls_last=True)


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
    "LQ_BASES", "NAICS_LEVELS", "annual_rows", "attach_titles", "growth", "growth_window", "industry_table",
    "location_quotients", "naics_level_expr", "naics_vintage", "ownership_code", "region_sum", "shift_share",
    "withheld_share",
]
