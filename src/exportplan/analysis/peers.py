"""Peer sets of the same kind: region kinds, mismatch checks, and peers computed from a QCEW single file.

US Cluster Mapping flags a region's clusters against regions of its own kind
(metros with metros, states with states, counties with counties) and year
(methods.md §2, "Peers of the same kind"). This module holds the pure parts:

- :func:`normalize_kind` and :data:`KIND_NAMES`: the kinds (``state``,
  ``msa``, ``county``, ``economic_area``, ``country``) from USCMP's
  ``region_type_t`` or a user's word;
- :func:`region_kind`: the kind a workspace region compares with (a CBSA is a
  metro, one county a county, a state's full county list a state, any other
  county set a metro: the nearest kind, said so);
- :func:`peer_mismatch`: what differs between the region and a peer set
  (kind, year), in words, or '' when they match;
- :func:`qcew_peers`: every MSA, state or county of a national QCEW single
  file (BLS "singlefile" layout) summed into clusters with a crosswalk
  (:func:`exportplan.analysis.clusters.cluster_sums`) and its cluster LQ
  against the U.S. (US000 of the same file) with the traded/local base: a
  peer set in the layout of :func:`exportplan.sources.clusters.read_uscmp_cluster_table`.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence

import polars as pl

from exportplan.analysis.clusters import cluster_sums
from exportplan.analysis.estimation import estimate_withheld
from exportplan.errors import ExportPlanError

#: Region kinds and how they read in messages.
KIND_NAMES = {"msa": "metro (MSA)", "state": "state", "county": "county", "economic_area": "BEA economic area",
              "country": "country", "custom": "custom region"}
_KIND_ALIASES = {"msa": "msa", "metro": "msa", "metropolitan": "msa", "metropolitan statistical area": "msa",
                 "cbsa": "msa", "state": "state", "county": "county", "economic": "economic_area",
                 "economic area": "economic_area", "economic_area": "economic_area", "bea economic area":
                 "economic_area", "country": "country", "nation": "country", "custom": "custom"}
#: QCEW aggregation-level prefix and area codes of each kind a single file holds.
QCEW_KINDS = {"msa": ("4", r"^C[0-9]{4}$"), "state": ("5", r"^[0-9]{2}000$"),
              "county": ("7", r"^[0-9]{2}(?:00[1-9]|0[1-9][0-9]|[1-8][0-9]{2}|9[0-8][0-9]|99[0-8])$")}
US_AREA = "US000"
TERRITORIES = ("72", "78")  # Puerto Rico and the Virgin Islands: outside QCEW's U.S. total
# Aggregation-level suffixes used: total by ownership (1), sector (4), NAICS 3- to 6-digit (5-8).
_LEVELS = ("1", "4", "5", "6", "7", "8")
SINGLEFILE_PAGE = "https://www.bls.gov/cew/downloadable-data-files.htm"
SINGLEFILE_HINT = (f"BLS's national annual averages single file ({SINGLEFILE_PAGE}, 'CSVs Single Files - "
                   "Annual Averages', e.g. 2020.annual.singlefile.csv)")


def normalize_kind(text: str | None) -> str:
    """The kind of a region type as written by USCMP (``region_type_t``) or a user: '' when unknown/empty."""
    key = " ".join(str(text or "").strip().lower().replace("_", " ").split())
    return _KIND_ALIASES.get(key, _KIND_ALIASES.get(key.replace(" ", "_"), key.replace(" ", "_")))


def kind_name(kind: str) -> str:
    return KIND_NAMES.get(kind, kind or "unknown kind")


def peer_set_kind(region_types: Iterable[str | None]) -> str:
    """The one kind of a peer set's regions; 'mixed' when they differ, '' when none is given."""
    kinds = {normalize_kind(t) for t in region_types} - {""}
    return kinds.pop() if len(kinds) == 1 else ("mixed" if kinds else "")


def region_kind(counties: Sequence[str], cbsa: str = "", state_counties: Iterable[str] | None = None,
                ) -> tuple[str, str, str]:
    """The kind a workspace region compares with: (kind, code, description).

    A region given as a CBSA is a metro (code: the CBSA code); one county a
    county (its FIPS); the full county list of a state (``state_counties``,
    when known) a state (its 2-digit FIPS, as USCMP writes states); any other
    county set compares with metros, the nearest kind, and the description
    says so (code 'REGION': no peer is the region itself).
    """
    counties = sorted(str(c) for c in counties)
    if cbsa:
        return "msa", str(cbsa), f"metro (CBSA {cbsa})"
    if len(counties) == 1:
        return "county", counties[0], f"county {counties[0]}"
    states = {c[:2] for c in counties}
    if state_counties is not None and len(states) == 1 and set(counties) == set(state_counties):
        state = states.pop()
        return "state", state, f"state {state} (all its counties)"
    return "msa", "REGION", f"a custom set of {len(counties)} counties, compared as a metro (the nearest kind)"


def peer_mismatch(region: str, region_text: str, region_year: int | None, set_kind: str,
                  set_years: Sequence[int]) -> str:
    """What differs between a region and a peer set, in words; '' when kind and year match.

    ``region`` is the region's kind (:func:`region_kind`), ``region_year``
    the year its clusters use (None: not known yet, only the kind is
    checked); ``set_kind`` the peer set's kind (:func:`peer_set_kind`).
    """
    parts = []
    if set_kind != region:
        parts.append(f"the peers are {kind_name(set_kind) if set_kind != 'mixed' else 'of mixed kinds'} regions, "
                     f"the region is {region_text}")
    if region_year is not None and int(region_year) not in {int(y) for y in set_years}:
        parts.append(f"the peers' data are for {_years_text(set_years)}, the region's for {region_year}")
    return "; ".join(parts)


def mismatch_label(set_kind: str, peer_year: int, kind_differs: bool, year_differs: bool) -> str:
    """The label every flag against an unlike peer set carries, e.g. 'against 2016 state peers, not of ...'."""
    which = " or ".join(w for w, on in (("kind", kind_differs), ("year", year_differs)) if on)
    return f"against {peer_year} {kind_name(set_kind)} peers, not of the region's {which}"


def _years_text(years: Sequence[int]) -> str:
    years = sorted({int(y) for y in years})
    return ", ".join(map(str, years)) if years else "no year"


# ---------------------------------------------------------------- peers from a QCEW single file

def qcew_peers(qcew: pl.LazyFrame | pl.DataFrame, crosswalk: pl.DataFrame, *, kind: str, year: int | None = None,
               estimate: bool = True, source: str = "The file") -> tuple[pl.DataFrame, dict]:
    """Every region of one kind in a national QCEW single file, as a peer set with cluster LQs.

    ``qcew`` holds canonical QCEW columns (:func:`exportplan.sources.qcew.scan_qcew`
    of a BLS annual single file, or a frame): the regions of ``kind``
    ('msa': metropolitan areas C####, aggregation levels 40-48, not
    micropolitan ones; 'state': SS000; 'county': SSCCC, without 'unknown'
    counties SS999; Puerto Rico and the Virgin Islands left out, as from the
    U.S. total) and US000. Private (ownership 5) annual rows of ``year``
    (default: the file's latest) are used; with ``estimate`` their withheld
    cells are first filled with the parent's residual shared by
    establishments (:func:`exportplan.analysis.industry.estimate_withheld`),
    as the region's own clusters are. 6-digit rows are summed into clusters
    with :func:`exportplan.analysis.clusters.cluster_sums`. A peer's cluster
    LQ is ``(e_c / e_type) / (N_c / N_type)`` (traded or local employment as
    the base, US Cluster Mapping's) against US000; it is null when a
    withheld cell without a value is in the cluster or in either base.

    Returns (peers, info): peers has region_code (a CBSA code for a metro,
    the 2-digit FIPS for a state, as US Cluster Mapping writes them; the
    county FIPS), region_name, region_type (``kind``), cluster_code,
    cluster_name, type, year, employment, establishments, lq; info has
    year, regions, rows, estimated (share of the peers' cluster employment
    estimated), null_lq (rows without an LQ), dropped_unnamed (crosswalk
    clusters without an official code, left out). ``source`` names the
    file in messages.
    """
    if kind not in QCEW_KINDS:
        raise ExportPlanError(f"Peers from a QCEW single file can be metros (msa), states or counties, not "
                              f"{kind_name(kind)}.")
    if "cluster_code" not in crosswalk.columns or crosswalk.get_column("cluster_code").drop_nulls().len() == 0:
        raise ExportPlanError("The crosswalk has no cluster codes; import the US Cluster Mapping definitions with "
                              "'exportplan -w DIR import clusters FILE' first.")
    lazy = qcew.lazy() if isinstance(qcew, pl.DataFrame) else qcew
    rows = _kind_rows(lazy, kind, year, estimate)
    if rows.height == 0:
        raise ExportPlanError(f"{source} holds no private annual rows of {kind_name(kind)} areas and US000"
                              f"{f' for {year}' if year else ''}; use {SINGLEFILE_HINT}.")
    year = int(rows.get_column("year").max())
    rows = rows.filter(pl.col("year") == year)
    is_us = pl.col("area_fips") == US_AREA
    if rows.filter(is_us).height == 0:
        raise ExportPlanError(f"{source} holds no U.S. rows (US000) for {year}: the peers' LQs need them. Use "
                              f"{SINGLEFILE_HINT}; it holds every area.")
    if estimate:
        rows = estimate_withheld(rows)
    sums = cluster_sums(rows, crosswalk, by=("area_fips",))
    unnamed = sums.filter(pl.col("cluster_code").is_null()).get_column("_key").n_unique()
    sums = sums.filter(pl.col("cluster_code").is_not_null())
    peers = _peer_lq(sums.filter(pl.col("area_fips") != US_AREA), sums.filter(pl.col("area_fips") == US_AREA))
    names = _area_names(rows)
    out = peers.join(names, on="area_fips", how="left").select(
        region_code=_region_code(kind), region_name=pl.col("region_name").fill_null(""),
        region_type=pl.lit(kind), cluster_code="cluster_code", cluster_name="cluster_name", type="type",
        year=pl.col("year").cast(pl.Int32), employment=pl.col("employment").cast(pl.Float64),
        establishments=pl.col("establishments").cast(pl.Int64), lq="lq",
    ).sort("region_code", "cluster_code")
    if out.height == 0:
        raise ExportPlanError(f"No {kind_name(kind)} area of {source} has 6-digit rows that the crosswalk maps; "
                              f"use {SINGLEFILE_HINT} (it has 6-digit rows) and check the crosswalk's NAICS vintage.")
    emp = out.get_column("employment").fill_null(0).sum()
    est_emp = peers.select((pl.col("employment").fill_null(0) * pl.col("estimated").fill_null(0)).sum()).item()
    info = {"year": year, "kind": kind, "regions": out.get_column("region_code").n_unique(), "rows": out.height,
            "estimated": float(est_emp / emp) if emp else 0.0,
            "null_lq": out.filter(pl.col("type") != "local").get_column("lq").null_count(),
            "dropped_unnamed": int(unnamed)}
    return out, info


def _kind_rows(lazy: pl.LazyFrame, kind: str, year: int | None, estimate: bool) -> pl.DataFrame:
    """The private annual rows (all levels when estimating, else 6-digit) of the kind's areas and US000.

    The scan filters on cheap codes only (aggregation level, ownership,
    period): the area-code pattern and the territories are checked on the
    rows kept. Wages are not read (peers need employment and establishments).
    """
    prefix, pattern = QCEW_KINDS[kind]
    suffixes = list(_LEVELS) if estimate else ["8"]
    agg = pl.col("agglvl_code")
    keep = ((agg.str.starts_with(prefix) | ((pl.col("area_fips") == US_AREA) & agg.str.starts_with("1")))
            & agg.str.slice(1).is_in(suffixes) & (pl.col("own_code") == "5") & (pl.col("qtr") == "A"))
    if year is not None:
        keep = keep & (pl.col("year") == int(year))
    cols = ["area_fips", "own_code", "industry_code", "agglvl_code", "year", "qtr", "disclosure_code", "estabs",
            "emplvl"]
    names = lazy.collect_schema().names()
    title = ["area_title"] if "area_title" in names else []
    rows = lazy.filter(keep).select(*cols, *title).collect()
    area = pl.col("area_fips")
    ours = area.str.contains(pattern) & ~area.str.head(2).is_in(list(TERRITORIES))
    return rows.filter(ours | (area == US_AREA)).with_columns(size_code=pl.lit("0"),
                                                             total_wages=pl.lit(None, pl.Float64))


def _peer_lq(areas: pl.DataFrame, us: pl.DataFrame) -> pl.DataFrame:
    """Cluster LQ of every area against the U.S., the traded/local base, blank where a cell lacks a value."""
    def base(frame: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
        return frame.group_by(keys).agg(pl.col("employment").sum().alias("_base"),
                                        (pl.col("est_missing").sum() > 0).alias("_base_missing"))

    area_base = base(areas, ["area_fips", "type"])
    us_cols = us.select("cluster_code", pl.col("employment").alias("_N"), (pl.col("est_missing") > 0).alias("_Nm"))
    us_base = base(us, ["type"]).rename({"_base": "_Nb", "_base_missing": "_Nbm"})
    out = (areas.join(area_base, on=["area_fips", "type"], how="left")
           .join(us_cols, on="cluster_code", how="left").join(us_base, on="type", how="left"))
    ok = ((pl.col("est_missing") <= 0) & ~pl.col("_base_missing") & ~pl.col("_Nm").fill_null(True)
          & ~pl.col("_Nbm").fill_null(True) & (pl.col("_base") > 0) & (pl.col("_N") > 0) & (pl.col("_Nb") > 0))
    lq = (pl.col("employment") / pl.col("_base")) / (pl.col("_N") / pl.col("_Nb"))
    return out.with_columns(lq=pl.when(ok).then(lq))


def _area_names(rows: pl.DataFrame) -> pl.DataFrame:
    if "area_title" not in rows.columns:
        return pl.DataFrame(schema={"area_fips": pl.String, "region_name": pl.String})
    return (rows.filter(pl.col("area_title").is_not_null()).group_by("area_fips")
            .agg(pl.col("area_title").first().alias("region_name")))


def _region_code(kind: str) -> pl.Expr:
    """The peer's code as US Cluster Mapping writes it: CBSA code, 2-digit state FIPS, county FIPS."""
    area = pl.col("area_fips")
    if kind == "msa":
        return area.str.slice(1) + pl.lit("0")
    if kind == "state":
        return area.str.head(2)
    return area


def qcew_area(kind: str, code: str) -> str:
    """The QCEW area code of a region code as :func:`qcew_peers` writes it (CBSA 18140 -> C1814)."""
    if kind == "msa" and len(code) == 5 and code.isdigit():
        return f"C{code[:4]}"
    if kind == "state" and len(code) == 2:
        return f"{code}000"
    return code


__all__ = ["KIND_NAMES", "QCEW_KINDS", "SINGLEFILE_HINT", "kind_name", "mismatch_label", "normalize_kind",
           "peer_mismatch", "peer_set_kind", "qcew_area", "qcew_peers", "region_kind"]
