"""Prospects: industry export intensity, export-likelihood scores with reasons, the outreach list.

Pure functions (issue 9, item 3); frames in, frames out, no I/O.

Export intensity (:func:`export_intensity`)
    National goods exports per worker by NAICS: the national exports of an
    industry (Census, USA Trade Online "All States" rows or the API's world
    total) divided by national private employment in the same NAICS (QCEW,
    U.S. total ``US000``, ownership 5 private, all sizes; for a quarterly
    file the quarter's employment is the mean of its three monthly levels, as
    :func:`exportplan.sources.qcew.read_qcew` gives it). Build the employment
    side with :func:`national_employment`.

    *Matching rule.* Census publishes exports at 3- and 4-digit NAICS (the API
    also at 2, 5 and 6); QCEW at 2 to 6 digits. A row is made for every export
    code of 3 digits or more that QCEW has at the same code, so the table holds
    each level both sides have (3- and 4-digit for USA Trade Online). Codes
    under 3 digits are not used (a sector is too mixed). A business is matched
    at the finest code of its NAICS that has an intensity (``336111`` ->
    ``3361`` -> ``336``).

    *Not measured.* Census classifies exports by product, so the goods a
    wholesaler ships abroad are counted in the maker's industry: wholesalers,
    who export a lot, would score zero. Wholesale (42), retail (44-45),
    utilities (22), construction (23), transportation and warehousing (48-49),
    every service sector (51 and up) and the goods sectors' support
    activities with no export code (115, 213) are therefore labelled "not
    measured by goods data" (``measured`` False, intensity missing, never 0).
    Census's special groups (910-990: scrap, used goods, returns, special
    provisions) are not industries and are left out.

    *Years.* Exports and employment often come from different years (USA
    Trade Online 2012 vs QCEW 2019 Q1): the ``note`` column and the notes in
    ``frame.attrs["notes"]`` say so; QCEW's NAICS vintage may differ too.

Prospect score (:func:`score_prospects`)
    Four components, each 0-1, combined with :data:`DEFAULT_WEIGHTS`:

    - ``industry`` (0.40): the percentile of the business's industry intensity
      among measured industries of the same NAICS level (share of them with
      an intensity at or below it);
    - ``size`` (0.25): ``log(1 + employees) / log(1 + 1000)``, capped at 1
      (1,000 employees or more score 1; 10 score 0.35, 100 score 0.67);
    - ``target`` (0.20): 1 when the NAICS starts with a code of one of the
      plan's target sectors, else 0 (clusters are passed in as their NAICS
      codes);
    - ``foreign`` (0.15): 1 with a foreign parent (a parent name, or a parent
      country other than the U.S.), else 0.

    A component that cannot be known (industry not measured or NAICS blank,
    employees blank, no target sectors given) is *left out* and the score is
    the weighted mean of the others (weights renormalized), never counted as
    zero; the reason says so. Score = sum(w * c) / sum(w) over known
    components, 0-1.

Outreach (:func:`outreach_list`)
    The top prospects that are not in the pipeline, or are in it with no
    contact within ``recent_days`` (a contact exactly ``recent_days`` ago is
    recent). Recent contact filters the list; it is not part of the score.
"""
from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from exportplan.errors import ExportPlanError

INTENSITY_COLUMNS = ["naics", "title", "level", "exports_usd", "exports_year", "employment",
                     "employment_year", "intensity", "percentile", "measured", "note"]
EMPLOYMENT_COLUMNS = ["naics", "employment", "employment_year", "employment_period"]
DEFAULT_WEIGHTS = {"industry": 0.40, "size": 0.25, "target": 0.20, "foreign": 0.15}
COMPONENTS = tuple(DEFAULT_WEIGHTS)
SIZE_CAP = 1000
MIN_LEVEL = 3
SCORE_COLUMNS = ["industry_naics", "intensity", "industry_percentile", "industry_measured",
                 "c_industry", "c_size", "c_target", "c_foreign", "target_sector", "score",
                 "rank", "reason"]
OUTREACH_COLUMNS = ["pipeline_key", "last_contact", "outreach_reason"]
NOT_MEASURED = "not measured by goods data"
US_CODES = frozenset({"USA", "US", "UNITED STATES"})
SPECIAL_PREFIXES = ("91", "92", "93", "98", "99")
#: Why a sector is not measured by goods data (first 2 NAICS digits).
SERVICE_SECTORS = {
    "22": "utilities", "23": "construction",
    "42": "wholesale trade: Census classifies exports by product, so goods a wholesaler ships "
          "abroad count in the maker's industry and wholesalers would otherwise score zero",
    "44": "retail trade", "45": "retail trade", "48": "transportation and warehousing",
    "49": "transportation and warehousing",
}
SUPPORT = {"115": "support activities for agriculture and forestry (services)",
           "213": "support activities for mining (services)", "999": "unclassified"}


def service_reason(naics: str) -> str:
    """Why a NAICS code is not measured by goods data, or '' when it is a goods industry."""
    code = str(naics or "")[:2]
    if code in SERVICE_SECTORS:
        return SERVICE_SECTORS[code]
    if code.isdigit() and int(code) >= 51:
        return "services"
    return SUPPORT.get(str(naics or "")[:3], "")


# ------------------------------------------------------------------- export intensity

def national_employment(qcew, *, area: str = "US000", own_code: str = "5") -> pd.DataFrame:
    """National private employment by NAICS (3-6 digits) from a canonical QCEW frame.

    ``qcew``: the frame of :func:`exportplan.sources.qcew.read_qcew` (polars or
    pandas) for one period. Keeps ``area`` (U.S. total), ``own_code`` (5
    private) and size 0. Columns (:data:`EMPLOYMENT_COLUMNS`): naics,
    employment (missing when withheld), employment_year, employment_period
    (``"2019 Q1"`` or ``"2019 annual average"``).
    """
    columns = ["area_fips", "own_code", "industry_code", "size_code", "year", "qtr", "emplvl"]
    if hasattr(qcew, "to_dict") and hasattr(qcew, "select"):  # polars
        qcew = pd.DataFrame(qcew.select(columns).to_dict(as_series=False))
    frame = qcew[columns]
    rows = frame[(frame["area_fips"] == area) & (frame["own_code"].astype(str) == own_code)
                 & (frame["size_code"].astype(str) == "0")
                 & frame["industry_code"].astype(str).str.fullmatch(r"\d{3,6}")]
    if rows.empty:
        raise ExportPlanError(f"The QCEW data has no rows for area {area}, ownership {own_code} "
                              "by NAICS: use the U.S. total file (area US000).")
    periods = rows[["year", "qtr"]].drop_duplicates()
    if len(periods) != 1:
        shown = ", ".join(f"{y} {q}" for y, q in periods.itertuples(index=False))
        raise ExportPlanError(f"The QCEW data holds several periods ({shown}); pass one.")
    year, qtr = int(periods.iloc[0, 0]), str(periods.iloc[0, 1])
    period = f"{year} annual average" if qtr == "A" else f"{year} Q{qtr}"
    return pd.DataFrame({
        "naics": rows["industry_code"].astype("string").to_numpy(),
        "employment": pd.array(rows["emplvl"].to_numpy(dtype="float64"), dtype="Float64"),
        "employment_year": pd.array([year] * len(rows), dtype="Int64"),
        "employment_period": pd.array([period] * len(rows), dtype="string")})


def export_intensity(exports: pd.DataFrame, employment: pd.DataFrame) -> pd.DataFrame:
    """National goods exports per worker by NAICS (see the module notes for every rule).

    ``exports``: naics, exports_usd, year, optional naics_title and special
    (the layout of :func:`exportplan.sources.usatrade.national_exports` and
    :func:`exportplan.sources.census_trade.fetch_national_totals_by_naics`).
    ``employment``: :data:`EMPLOYMENT_COLUMNS` (:func:`national_employment`).

    Returns :data:`INTENSITY_COLUMNS`, sorted by level then intensity
    (highest first): intensity = exports_usd / employment (US$ per worker);
    percentile 0-100 among measured rows of the same level; measured False
    rows (services, wholesale, support activities) have no exports and no
    intensity. ``attrs["notes"]`` explains the year gap and what was left out.
    """
    _need(exports, ("naics", "exports_usd", "year"), "exports")
    _need(employment, ("naics", "employment", "employment_year"), "employment")
    exp = exports.copy()
    exp["naics"] = exp["naics"].astype("string").str.strip()
    special = exp["naics"].str.startswith(SPECIAL_PREFIXES) | (
        exp["special"].astype(bool) if "special" in exp else False)
    coarse = exp["naics"].str.len() < MIN_LEVEL
    exp = exp[~special & ~coarse & (exp["naics"] != "")]
    if exp["naics"].duplicated().any():
        dup = exp.loc[exp["naics"].duplicated(), "naics"].iloc[0]
        raise ExportPlanError(f"The exports hold NAICS {dup} twice: pass one year and one "
                              "destination (world total).")
    emp = employment.drop_duplicates("naics").set_index("naics")
    period = str(emp["employment_period"].iloc[0]) if "employment_period" in emp and len(emp) else ""
    measured_rows = exp[exp["naics"].isin(emp.index)]
    missing = sorted(set(exp["naics"]) - set(emp.index))
    out = pd.DataFrame({
        "naics": measured_rows["naics"].to_numpy(),
        "title": (measured_rows["naics_title"] if "naics_title" in measured_rows
                  else pd.Series([""] * len(measured_rows))).astype("string").to_numpy(),
        "exports_usd": measured_rows["exports_usd"].astype("float64").to_numpy(),
        "exports_year": measured_rows["year"].astype("Int64").to_numpy()})
    out["employment"] = emp.loc[out["naics"], "employment"].astype("float64").to_numpy()
    out["employment_year"] = emp.loc[out["naics"], "employment_year"].astype("Int64").to_numpy()
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = out["exports_usd"] / out["employment"]
    out["intensity"] = ratio.where(out["employment"] > 0)
    out["measured"] = True
    out["note"] = [_gap_note(y, e, period) + ("" if i == i else "; employment withheld or zero")
                   for y, e, i in zip(out["exports_year"], out["employment_year"], out["intensity"])]
    unmeasured = _unmeasured(emp, set(out["naics"]), period)
    out = pd.concat([out, unmeasured], ignore_index=True) if len(unmeasured) else out
    out["level"] = out["naics"].str.len()
    out["percentile"] = (out[out["measured"] & out["intensity"].notna()]
                         .groupby("level")["intensity"].rank(method="max", pct=True) * 100)
    out = out.sort_values(["level", "intensity"], ascending=[True, False], na_position="last",
                          kind="stable", ignore_index=True)
    out = out.astype({"naics": "string", "title": "string", "level": "Int64",
                      "exports_usd": "Float64", "exports_year": "Int64", "employment": "Float64",
                      "employment_year": "Int64", "intensity": "Float64", "percentile": "Float64",
                      "measured": "bool", "note": "string"})[INTENSITY_COLUMNS]
    out.attrs["notes"] = _intensity_notes(out, period, special.sum(), coarse.sum(), missing)
    return out


def _need(frame: pd.DataFrame, columns: Iterable[str], what: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ExportPlanError(f"The {what} frame lacks column(s) {', '.join(missing)} "
                              f"(has {', '.join(map(str, frame.columns))}).")


def _gap_note(exports_year, employment_year, period: str) -> str:
    when = period or str(employment_year)
    if pd.isna(exports_year) or pd.isna(employment_year) or exports_year == employment_year:
        return f"exports {exports_year}, employment {when}"
    gap = abs(int(employment_year) - int(exports_year))
    return (f"year gap: exports {exports_year} vs employment {when} ({gap} year"
            f"{'s' if gap != 1 else ''} apart)")


def _unmeasured(emp: pd.DataFrame, have: set, period: str) -> pd.DataFrame:
    """3-digit QCEW industries with no goods export code: services, wholesale, support."""
    codes = [c for c in emp.index if len(c) == MIN_LEVEL and c not in have and service_reason(c)]
    return pd.DataFrame({
        "naics": codes, "title": [""] * len(codes),
        "exports_usd": [np.nan] * len(codes), "exports_year": pd.array([pd.NA] * len(codes),
                                                                       dtype="Int64"),
        "employment": emp.loc[codes, "employment"].astype("float64").to_numpy(),
        "employment_year": emp.loc[codes, "employment_year"].astype("Int64").to_numpy(),
        "intensity": [np.nan] * len(codes), "measured": [False] * len(codes),
        "note": [f"{NOT_MEASURED} ({service_reason(c)}); employment {period}" for c in codes]})


def _intensity_notes(out: pd.DataFrame, period: str, special: int, coarse: int,
                     missing: list[str]) -> list[str]:
    years = sorted({int(y) for y in out["exports_year"].dropna()})
    notes = []
    emp_years = sorted({int(y) for y in out["employment_year"].dropna()})
    if years and emp_years and years != emp_years:
        notes.append(f"Year gap: exports are {', '.join(map(str, years))}, employment is "
                     f"{period or ', '.join(map(str, emp_years))}; intensities mix the two "
                     "years (and their NAICS vintages).")
    notes.append("Intensity = national goods exports / national private employment (QCEW "
                 "US000, ownership 5) of the same NAICS code, at each level both sides publish "
                 "(3 digits or finer); businesses match at their finest such code.")
    notes.append(f"Wholesale, retail, utilities, construction, transportation and services are "
                 f"{NOT_MEASURED}: Census classifies exports by product, so wholesalers' exports "
                 "are counted in the makers' industries. They get no intensity (not zero).")
    if special:
        notes.append(f"{special} Census special codes (910-990: scrap, used goods, returns, "
                     "special provisions) are not industries and were left out.")
    if coarse:
        notes.append(f"{coarse} export codes under 3 digits were left out (too coarse).")
    if missing:
        notes.append(f"No national employment for export code(s) {', '.join(missing)}: left out.")
    return notes


# ------------------------------------------------------------------- prospect scores

def match_industry(naics: pd.Series, intensity: pd.DataFrame) -> pd.DataFrame:
    """Each NAICS matched to the finest intensity row (see the module notes).

    Returns, aligned with ``naics``: industry_naics (the matched code, or the
    business's own code when unmeasured), intensity, industry_percentile,
    industry_measured (True measured / False not measured / <NA> unknown or no
    figure), industry_why (text for unmatched rows).
    """
    code = naics.astype("string").fillna("").str.strip().str.replace(r"-\d+$", "", regex=True)
    found = intensity[intensity["measured"] & intensity["intensity"].notna()]
    by_code = found.set_index("naics")
    matched = pd.Series(pd.NA, index=naics.index, dtype="string")
    for level in (6, 5, 4, 3):
        prefix = code.str.slice(0, level).where(code.str.len() >= level)
        hit = prefix.where(prefix.isin(by_code.index))
        matched = matched.fillna(hit)
    prefix3 = code.str.slice(0, 3)
    service = prefix3.map({u: service_reason(u) for u in prefix3.dropna().unique()}).fillna("")
    service = service.where(code.str.len() >= 2, "")
    measured = pd.Series(pd.NA, index=naics.index, dtype="boolean")
    measured[matched.notna()] = True
    measured[(service != "") & matched.isna()] = False
    why = pd.Series("", index=naics.index, dtype="string")
    why[(code == "")] = "industry unknown (no NAICS)"
    short = (code != "") & (code.str.len() < MIN_LEVEL) & (service == "")
    why[short] = "NAICS " + code[short] + " too coarse to match (3 digits needed)"
    why[measured == False] = ("industry " + NOT_MEASURED + " (NAICS " + code[measured == False]  # noqa: E712
                              + ", " + service[measured == False].str.split(":").str[0] + ")")  # noqa: E712
    none = measured.isna() & (why == "")
    why[none] = "no national export figure for NAICS " + code[none]
    return pd.DataFrame({
        "industry_naics": matched.where(matched.notna(), code.where(measured == False)),  # noqa: E712
        "intensity": pd.array(matched.map(by_code["intensity"]).astype("float64"),
                              dtype="Float64"),
        "industry_percentile": pd.array(matched.map(by_code["percentile"]).astype("float64"),
                                        dtype="Float64"),
        "industry_measured": measured, "industry_why": why}, index=naics.index)


def target_match(naics: pd.Series, target_sectors) -> pd.Series:
    """The target sector each NAICS falls in ('' none, <NA> unknown NAICS).

    ``target_sectors``: a mapping sector name -> NAICS prefixes (a cluster is
    passed as its NAICS codes), or an iterable of NAICS prefixes (the name is
    then the prefix). The longest matching prefix wins.
    """
    pairs = _target_pairs(target_sectors)
    code = naics.astype("string").fillna("").str.strip().str.replace(r"-\d+$", "", regex=True)
    out = pd.Series("", index=naics.index, dtype="string")
    done = pd.Series(False, index=naics.index)
    for prefix, name in sorted(pairs, key=lambda p: -len(p[0])):
        hit = ~done & code.str.startswith(prefix)
        out[hit] = name
        done |= hit
    return out.where(code != "", pd.NA)


def _target_pairs(target_sectors) -> list[tuple[str, str]]:
    if not target_sectors:
        return []
    if isinstance(target_sectors, Mapping):
        items = [(str(p).strip(), str(name)) for name, codes in target_sectors.items()
                 for p in ([codes] if isinstance(codes, str) else codes)]
    else:
        items = [(str(p).strip(), str(p).strip()) for p in target_sectors]
    items = [(p.split("-")[0], n) for p, n in items]
    bad = [p for p, _ in items if not p.isdigit()]
    if bad:
        raise ExportPlanError(f"Target sectors must be given as NAICS codes; {bad[0]!r} is not "
                              "one (pass a cluster as its NAICS codes).")
    return items


def score_prospects(businesses: pd.DataFrame, intensity: pd.DataFrame, *, target_sectors=None,
                    weights: Mapping[str, float] | None = None,
                    country_names: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Score each business's export likelihood, 0-1, with its components and a reason.

    ``businesses``: name (required), naics, employees, foreign_parent,
    parent_country (ISO3) and any other columns (key, name_key, county_fips),
    which are kept. ``intensity``: :func:`export_intensity`. ``weights``
    override :data:`DEFAULT_WEIGHTS` (keys industry, size, target, foreign;
    >= 0). ``country_names`` (ISO3 -> name) makes the reason say "Germany"
    rather than "DEU".

    Returns the businesses with :data:`SCORE_COLUMNS` added, best first
    (rank 1 = best; ties share the lowest rank).
    """
    if "name" not in businesses:
        raise ExportPlanError("The business list needs a name column.")
    w = _weights(weights)
    out = businesses.reset_index(drop=True).copy()
    n = len(out)
    naics = _col(out, "naics", "")
    match = match_industry(naics, intensity)
    c_industry = (match["industry_percentile"].astype("float64") / 100).to_numpy()
    employees = pd.to_numeric(_col(out, "employees", np.nan), errors="coerce").astype("float64")
    if (employees < 0).any():
        raise ExportPlanError("Employees must be 0 or more.")
    c_size = np.minimum(np.log1p(employees.to_numpy()) / math.log1p(SIZE_CAP), 1.0)
    target = target_match(naics, target_sectors) if target_sectors else None
    c_target = (np.full(n, np.nan) if target is None else
                np.where(target.isna(), np.nan, (target.fillna("") != "").astype(float)))
    parent = _col(out, "foreign_parent", "").astype("string").fillna("").str.strip()
    country = _col(out, "parent_country", "").astype("string").fillna("").str.strip()
    foreign_country = (country != "") & ~country.str.upper().isin(US_CODES)
    c_foreign = ((parent != "") & ((country == "") | foreign_country)
                 | foreign_country).astype(float).to_numpy()
    parts = np.column_stack([c_industry, c_size, c_target, c_foreign])
    wv = np.array([w[k] for k in COMPONENTS])
    known = ~np.isnan(parts)
    total = (known * wv).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where(total > 0, (np.nan_to_num(parts) * wv).sum(axis=1) / total, np.nan)
    out = pd.concat([out, match.drop(columns="industry_why").reset_index(drop=True)], axis=1)
    out["c_industry"], out["c_size"] = c_industry, c_size
    out["c_target"], out["c_foreign"] = c_target, c_foreign
    out["target_sector"] = (pd.Series(pd.NA, index=out.index, dtype="string") if target is None
                            else target.reset_index(drop=True))
    out["score"] = np.round(score, 6)
    out["reason"] = _reasons(match, employees, target, parent, country, known, country_names,
                             has_target=target is not None)
    out = out.sort_values("score", ascending=False, kind="stable", na_position="last",
                          ignore_index=True)
    out["rank"] = out["score"].rank(method="min", ascending=False).astype("Int64")
    return out[[c for c in out.columns if c not in SCORE_COLUMNS] + SCORE_COLUMNS]


def _col(frame: pd.DataFrame, name: str, default) -> pd.Series:
    return frame[name] if name in frame else pd.Series([default] * len(frame), index=frame.index)


def _weights(weights) -> dict[str, float]:
    out = dict(DEFAULT_WEIGHTS)
    for key, value in (weights or {}).items():
        if key not in out:
            raise ExportPlanError(f"Unknown prospect weight {key!r}: use {', '.join(COMPONENTS)}.")
        if not value >= 0:
            raise ExportPlanError(f"The prospect weight {key} must be 0 or more, not {value}.")
        out[key] = float(value)
    if sum(out.values()) <= 0:
        raise ExportPlanError("At least one prospect weight must be above 0.")
    return out


def money_per_worker(value: float) -> str:
    """'$412k', '$1.2M', '$850'."""
    if value >= 1e6:
        return f"${value / 1e6:.1f}M"
    if value >= 1e3:
        return f"${value / 1e3:.0f}k"
    return f"${value:.0f}"


def ordinal(number: int) -> str:
    """1st, 2nd, 3rd, 11th, 92nd, 100th."""
    suffix = "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(number % 10, "th")
    return f"{number}{suffix}"


def _reasons(match, employees, target, parent, country, known, country_names, *,
             has_target: bool) -> list[str]:
    """One reason per business (phrases built once per distinct value, then joined)."""
    names = {str(k).upper(): v for k, v in (country_names or {}).items()}
    codes = match["industry_naics"].where(known[:, 0])
    by_code = match[known[:, 0]].drop_duplicates("industry_naics").set_index("industry_naics")
    phrases = {code: f"industry exports {money_per_worker(row.intensity)} per worker (NAICS "
                     f"{code}, {ordinal(int(round(row.industry_percentile)))} percentile)"
               for code, row in by_code.iterrows()}
    industry = codes.map(phrases).fillna(match["industry_why"]).tolist()
    sizes = {e: f"{e:,.0f} employees" for e in employees.dropna().unique()}
    size = employees.map(sizes).fillna("size unknown").tolist()
    if target is None:
        goal = [""] * len(parent)
    else:
        goal = np.where(~known[:, 2], "", np.where(target.fillna("").to_numpy() != "",
                                                   "target sector " + target.fillna("").to_numpy(
                                                       dtype=object), "not a target sector"))
    mask = sum((~known[:, i]).astype(int) << i for i in range(len(COMPONENTS))
               if has_target or COMPONENTS[i] != "target")
    left = {m: " and ".join(c for i, c in enumerate(COMPONENTS) if m >> i & 1)
            for m in np.unique(mask)}
    left_text = [f"{left[m]} left out, weights spread over the rest" if m else ""
                 for m in np.asarray(mask).tolist()]
    out = []
    for ind, emp, tgt, par, ctry, tail in zip(industry, size, list(goal), parent.tolist(),
                                             country.tolist(), left_text):
        foreign = ctry != "" and ctry.upper() not in US_CODES
        if par and (ctry == "" or foreign):
            where = names.get(ctry.upper(), ctry)
            owner = f"foreign parent {par}" + (f" ({where})" if where else "")
        elif foreign:
            owner = f"foreign parent ({names.get(ctry.upper(), ctry)})"
        else:
            owner = "no foreign parent"
        out.append("; ".join(b for b in (ind, emp, tgt, owner, tail) if b))
    return out


# ------------------------------------------------------------------- outreach

def outreach_list(scored: pd.DataFrame, pipeline_keys_by_name_key: Mapping[str, str],
                  last_contact_dates: Mapping[str, object], recent_days: int, today,
                  *, top: int | None = 50) -> pd.DataFrame:
    """The top prospects to contact: not in the pipeline, or no contact within ``recent_days``.

    ``scored``: :func:`score_prospects` output with a ``name_key`` column
    (:func:`exportplan.analysis.company_names.name_key` of the name).
    ``pipeline_keys_by_name_key``: name_key -> the pipeline company's key.
    ``last_contact_dates``: company key -> date of the last interaction
    (date, datetime or ISO text). A prospect in the pipeline whose last
    contact is ``recent_days`` days ago or fewer is dropped. Returns the
    ``top`` rows (None: all) by score, with :data:`OUTREACH_COLUMNS` added:
    pipeline_key (<NA> when not in the pipeline), last_contact (date or None)
    and outreach_reason.
    """
    if "name_key" not in scored:
        raise ExportPlanError("The scored prospects need a name_key column to find them in "
                              "the pipeline.")
    if recent_days < 0:
        raise ExportPlanError(f"recent_days must be 0 or more, not {recent_days}.")
    today = pd.Timestamp(today).normalize()
    keys = {k: v for k, v in pipeline_keys_by_name_key.items() if k}
    pipeline_key = scored["name_key"].astype("string").map(keys).astype("string")
    contacts = {k: pd.Timestamp(v).normalize() for k, v in last_contact_dates.items()
                if v is not None and v == v}
    last = pd.to_datetime(pipeline_key.map(contacts))
    if (last > today).any():
        raise ExportPlanError("A last-contact date is after today; check the interaction dates.")
    days = (today - last).dt.days
    keep = pipeline_key.isna() | last.isna() | (days > recent_days)
    out = scored.assign(pipeline_key=pipeline_key,
                        last_contact=[d.date() if d == d else None for d in last])
    out["outreach_reason"] = [
        "not in the pipeline" if k is pd.NA or k != k else
        "in the pipeline, never contacted" if d != d else
        f"in the pipeline, last contact {c.isoformat()} ({int(d)} days ago)"
        for k, d, c in zip(pipeline_key.tolist(), days.tolist(), out["last_contact"])]
    out = out[keep.to_numpy()].sort_values("score", ascending=False, kind="stable",
                                           na_position="last", ignore_index=True)
    return out if top is None else out.head(top)


__all__ = ["COMPONENTS", "DEFAULT_WEIGHTS", "EMPLOYMENT_COLUMNS", "INTENSITY_COLUMNS",
           "NOT_MEASURED", "OUTREACH_COLUMNS", "SCORE_COLUMNS", "SIZE_CAP", "export_intensity",
           "match_industry", "money_per_worker", "national_employment", "ordinal",
           "outreach_list", "score_prospects", "service_reason", "target_match"]
