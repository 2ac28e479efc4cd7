"""The sample's cluster files: the official crosswalk of its industries and invented peer regions.

The peer regions follow the US Cluster Mapping API layout for traded
clusters, with their U.S. cluster sizes taken from the sample QCEW.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from .sample_common import SAMPLE_NOTE, US_AREA, YEARS, write_csv

#: Official US Cluster Mapping assignments of the sample industries (code, subcluster).
#: 111150 and 112120 (crop and animal production) are in no cluster, as in USCMP.
CROSSWALK = (
    ("336390", "4", "Automotive Parts"), ("336350", "4", "Automotive Parts"),
    ("336320", "4", "Automotive Parts"), ("326199", "38", "Plastic Products"),
    ("332710", "116", "Industrial Machinery and Distribution"),
    ("333517", "32", "Machine Tools and Accessories"),
    ("333111", "40", "Agricultural and Construction Machinery and Components"),
    ("323111", "39", "Printing Services"), ("313210", "42", "Fabric Mills"),
    ("334413", "23", "Semiconductors"), ("334516", "23", "Process and Laboratory Instruments"),
    ("334510", "23", "Medical Apparatus"),
    ("339112", "30", "Surgical and Dental Instruments and Supplies"),
    ("339113", "30", "Surgical and Dental Instruments and Supplies"),
    ("325412", "5", "Biopharmaceutical Products"), ("311211", "18", "Baked Goods"),
    ("311513", "18", "Dairy Products"), ("311612", "28", "Meat Processing"),
    ("311812", "101", "Commercial and Retail Bakeries"), ("541511", "6", "Computer Services"),
    ("541512", "6", "Computer Services"), ("518210", "6", "Computer Services"),
    ("541715", "13", "Research and Development in the Physical, Engineering, and Life Sciences "
                     "(except Nanotechnology and Biotechnology)"),
    ("541330", "6", "Engineering Services"), ("551114", "6", "Corporate Headquarters"),
    ("423430", "10", "Wholesale of Professional and Commercial Equipment and Supplies"),
    ("424210", "10", "Wholesale of Drugs and Druggists' Sundries"),
    ("423120", "108", "Automotive Parts Wholesaling"), ("493110", "10", "Warehousing and Storage"),
    ("484121", "45", "Trucking"), ("481112", "45", "Air Transportation"),
    ("492110", "105", "Local Transportation Services"),
    ("488510", "45", "Ground Transportation Support Activities"),
    ("621111", "103", "Healthcare Provider Offices"), ("622110", "103", "Hospitals"),
    ("623110", "103", "Home and Residential Care"),
    ("522110", "107", "Deposit-taking Institutions"), ("522320", "16", "Credit Intermediation"),
    ("524113", "24", "Insurance Carriers"), ("524126", "24", "Insurance Carriers"),
    ("524210", "107", "Insurance Agents and Brokers"), ("115112", "2", "Agricultural Services"),
    ("212312", "34", "Nonmetal Mining"), ("221122", "104", "Electric Power Distribution"),
    ("236220", "115", "General Contractors"), ("238220", "115", "Specialty Contractors"),
    ("445110", "101", "Retail Food Stores"), ("441110", "108", "Automobile Dealers"),
    ("531110", "115", "Real Estate Services"), ("561720", "112", "Building Support Services"),
    ("561320", "112", "Local Professional Services"),
    ("611310", "13", "Colleges, Universities, and Professional Schools"),
    ("713940", "111", "Recreational Facilities and Instruction"),
    ("722511", "111", "Hospitality Establishments"), ("813110", "114", "Religious Organizations"),
)
#: Official cluster names (US Cluster Mapping) of the clusters the sample uses.
CLUSTER_NAMES = {
    "2": "Agricultural Inputs and Services", "4": "Automotive", "5": "Biopharmaceuticals",
    "6": "Business Services", "10": "Distribution and Electronic Commerce",
    "13": "Education and Knowledge Creation", "16": "Financial Services",
    "18": "Food Processing and Manufacturing",
    "23": "Information Technology and Analytical Instruments", "24": "Insurance Services",
    "28": "Livestock Processing", "30": "Medical Devices", "32": "Metalworking Technology",
    "34": "Nonmetal Mining", "38": "Plastics", "39": "Printing Services",
    "40": "Production Technology and Heavy Machinery", "42": "Textile Manufacturing",
    "45": "Transportation and Logistics",
    "101": "Local Food and Beverage Processing and Distribution", "103": "Local Health Services",
    "104": "Local Utilities", "105": "Local Logistical Services", "107": "Local Financial Services",
    "108": "Local Motor Vehicle Products and Services", "111": "Local Hospitality Establishments",
    "112": "Local Commercial Services", "114": "Local Community and Civic Organizations",
    "115": "Local Real Estate, Construction, and Development",
    "116": "Local Industrial Products and Services",
}
PEER_COUNT = 30


def cluster_type(code: str) -> str:
    """``traded`` for clusters 1-51, ``local`` for 101-116."""
    return "traded" if int(code) < 100 else "local"


def write_crosswalk(path: Path) -> Path:
    """The sample industries' clusters; a ``note`` column labels every row SAMPLE."""
    rows = [{"naics": naics, "cluster_code": code, "cluster_name": CLUSTER_NAMES[code],
             "type": cluster_type(code), "subcluster": sub,
             "note": f"{SAMPLE_NOTE} (official cluster assignment; sample industries only)"}
            for naics, code, sub in CROSSWALK]
    return write_csv(path, rows)


def _traded_clusters(qcew: pd.DataFrame) -> pd.DataFrame:
    """U.S. employment, establishments and pay of each traded cluster by year."""
    us = qcew[(qcew["area_fips"] == US_AREA) & (qcew["agglvl_code"] == "18") & qcew["year"].isin(YEARS)]
    codes = {naics: code for naics, code, _ in CROSSWALK if cluster_type(code) == "traded"}
    us = us[us["industry_code"].isin(codes)].assign(cluster=lambda d: d["industry_code"].map(codes))
    return us.groupby(["cluster", "year"], as_index=False)[
        ["annual_avg_emplvl", "annual_avg_estabs", "total_annual_wages"]].sum()


def peer_rows(rng, qcew: pd.DataFrame) -> list[dict]:
    """Invented peer regions in the US Cluster Mapping API layout (traded clusters)."""
    clusters = _traded_clusters(qcew)
    us_traded = clusters.groupby("year")["annual_avg_emplvl"].sum()
    rows = []
    for peer in range(1, PEER_COUNT + 1):
        traded = math.exp(rng.normal(math.log(250_000), 0.7))
        region_growth = rng.normal(0.01, 0.01)
        lq = {c: math.exp(rng.normal(0, 0.6)) for c in sorted(clusters["cluster"].unique(), key=int)}
        trend = {c: rng.normal(0, 0.02) for c in lq}
        for rec in clusters.sort_values(["cluster", "year"]).itertuples(index=False):
            t = rec.year - YEARS[0]
            share = rec.annual_avg_emplvl / us_traded[rec.year]  # the cluster's U.S. share
            region_traded = traded * (1 + region_growth) ** t
            emp = round(region_traded * share * lq[rec.cluster] * (1 + trend[rec.cluster]) ** t)
            rows.append(_peer_row(peer, rec, emp, region_traded, share))
    return _rank_and_flag(rows)


def _peer_row(peer: int, rec, emp: int, traded: float, share: float) -> dict:
    """One region x cluster x year row (USCMP API field names)."""
    name = CLUSTER_NAMES[rec.cluster]
    pay = rec.total_annual_wages / rec.annual_avg_emplvl
    size = rec.annual_avg_emplvl / rec.annual_avg_estabs
    code = f"99{peer:02d}0"
    region = f"Peer Region {peer:02d} (SAMPLE)"
    ap = round(emp * pay / 1000)
    return {
        "id": f"cluster/msa/{code}/{rec.cluster}/{rec.year}", "type_t": "cluster",
        "cluster_name_t": name, "cluster_code_t": rec.cluster,
        "key_t": _key(name), "year_t": rec.year, "region_type_t": "msa", "region_code_t": code,
        "region_name_t": region, "region_short_name_t": f"Peer {peer:02d} (SAMPLE)",
        "region_area_type_t": "msa", "region_key_t": _key(region), "traded_b": "TRUE",
        "subcluster_b": "FALSE", "empflag_t": "", "emp_tl": emp, "emp_reported_tl": emp,
        "qp1_tl": round(ap * 0.24), "est_tl": max(1, round(emp / size)), "ap_tl": ap,
        "private_wage_tf": round(ap * 1000 / emp, 3) if emp else 0.0,
        "rec_count_tl": sum(1 for _, c, _s in CROSSWALK if c == rec.cluster),
        "supression_b": "FALSE", "naics_b": "TRUE",
        "lq_tf": round(emp / traded / share, 7) if share else 0.0,
        "region_emp_per_tf": round(emp / (traded / 0.36), 7),
        "cluster_emp_per_tf": round(emp / rec.annual_avg_emplvl, 9),
    }


def _key(name: str) -> str:
    return "_".join("".join(ch if ch.isalnum() else " " for ch in name.lower()).split())


def _rank_and_flag(rows: list[dict]) -> list[dict]:
    """Ranks within each cluster-year and the USCMP flags among the peers (methods.md §2)."""
    frame = pd.DataFrame(rows)
    group = frame.groupby(["cluster_code_t", "year_t"])
    for col in ("emp_tl", "private_wage_tf", "lq_tf", "est_tl"):
        ranks = group[col].rank(ascending=False, method="min").astype("int64")
        frame[f"{col}_rank_i"] = ranks
        frame[f"{col}_per_rank_i"] = ranks
    frame["timestamp"] = "2024-06-30T00:00:00.000Z"
    # pandas' quantile interpolates linearly, as numpy's percentile does by default
    pct = lambda col, q: group[col].transform("quantile", q / 100)  # noqa: E731
    big = (frame["emp_tl"] > pct("emp_tl", 25)) & (frame["est_tl"] > pct("est_tl", 25))
    lq = frame["lq_tf"]
    flags = {"qualifying_b": big & (lq > pct("lq_tf", 25)),
             "significant_b": big & (lq > pct("lq_tf", 50)),
             "strong_b": big & (lq >= pct("lq_tf", 75)) & (lq >= 1),
             "strong10_b": big & (lq >= pct("lq_tf", 90)) & (lq >= 1)}
    for col, flag in flags.items():
        frame[col] = np.where(flag, "TRUE", "FALSE")
    frame["cluster_type"] = "traded"
    return frame.to_dict("records")
