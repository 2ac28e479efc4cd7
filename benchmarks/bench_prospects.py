"""Benchmark: score 100,000 synthetic prospects (issue 9: under 2 s).

A synthetic national export-intensity table (3- and 4-digit goods industries
with exports and employment; services and wholesale unmeasured, built with
``export_intensity``) and 100,000 businesses: 6-digit NAICS across goods,
wholesale, retail and services (3% blank, some 2-digit), employees log-normal
(10% blank), 5% with a foreign parent, two target sectors.

Times, in one process, interleaved, ``--repeat`` times (fastest shown):

  project : exportplan.analysis.prospects.score_prospects: NAICS matched at
            the finest code with an intensity, four components, weights
            renormalized over the known ones, a reason per business, sorted
            and ranked
  baseline: the practical floor: one dict lookup of each business's 3-digit
            percentile, the same four components and one weighted mean in
            numpy (no finest-code match, no reasons, no sort)

Then the outreach list (top 500, a pipeline of 20,000 of them with random
last contacts) is timed once. Usage: ``python benchmarks/bench_prospects.py
[--rows 100000] [--repeat 3]``.
"""
from __future__ import annotations

import argparse
import math
import os
import time
from datetime import date, timedelta

import numpy as np
import pandas as pd

from exportplan.analysis.prospects import (
    DEFAULT_WEIGHTS, SIZE_CAP, export_intensity, outreach_list, score_prospects,
)

TARGET_SECONDS = 2.0
GOODS3 = [str(c) for c in (111, 112, 113, 114, 211, 212, *range(311, 317), 321, 322, 323, 324,
                           325, 326, 327, 331, 332, 333, 334, 335, 336, 337, 339)]
SERVICES3 = ["221", "236", "238", "423", "424", "425", "441", "445", "484", "493", "511", "541",
             "561", "621", "722", "811"]
TARGETS = {"Automotive": ["3361", "3362", "3363"], "Aerospace": ["3364"]}


def make_intensity(rng: np.random.Generator) -> pd.DataFrame:
    codes4 = [f"{c}{d}" for c in GOODS3 for d in (1, 2, 9)]
    exports = pd.DataFrame({"naics": GOODS3 + codes4, "year": 2012,
                            "exports_usd": rng.lognormal(22, 1.5, len(GOODS3) + len(codes4))})
    emp_codes = GOODS3 + codes4 + SERVICES3
    employment = pd.DataFrame({"naics": emp_codes,
                               "employment": rng.lognormal(12, 1, len(emp_codes)),
                               "employment_year": 2019, "employment_period": "2019 Q1"})
    return export_intensity(exports, employment)


def make_businesses(rng: np.random.Generator, rows: int) -> pd.DataFrame:
    pool = GOODS3 * 2 + SERVICES3
    naics = np.array([f"{pool[i]}{rng.integers(1, 10)}{rng.integers(10, 100)}"
                      for i in rng.integers(0, len(pool), rows)], dtype=object)
    naics[rng.random(rows) < 0.03] = ""
    naics[rng.random(rows) < 0.01] = "33"
    employees = np.round(rng.lognormal(3, 1.4, rows)).astype(float)
    employees[rng.random(rows) < 0.10] = np.nan
    foreign = rng.random(rows) < 0.05
    countries = np.array(["DEU", "JPN", "CAN", "GBR", "FRA"])[rng.integers(0, 5, rows)]
    names = [f"Business {i:06d} LLC" for i in range(rows)]
    return pd.DataFrame({
        "name": names, "name_key": [n.lower()[:-4] for n in names], "naics": naics,
        "county_fips": "39049", "employees": pd.array(employees, dtype="Float64"),
        "foreign_parent": np.where(foreign, "Parent AG", ""),
        "parent_country": np.where(foreign, countries, "")})


def baseline(businesses: pd.DataFrame, intensity: pd.DataFrame) -> np.ndarray:
    measured = intensity[intensity["measured"] & (intensity["level"] == 3)]
    pct = dict(zip(measured["naics"], measured["percentile"].astype(float) / 100))
    code = businesses["naics"].str.slice(0, 3)
    c_ind = code.map(pct).astype(float).to_numpy()
    c_size = np.minimum(np.log1p(businesses["employees"].astype(float).to_numpy())
                        / math.log1p(SIZE_CAP), 1)
    prefixes = tuple(p for codes in TARGETS.values() for p in codes)
    c_tgt = businesses["naics"].str.startswith(prefixes).astype(float).to_numpy()
    c_for = (businesses["foreign_parent"] != "").astype(float).to_numpy()
    parts = np.column_stack([c_ind, c_size, c_tgt, c_for])
    w = np.array(list(DEFAULT_WEIGHTS.values()))
    known = ~np.isnan(parts)
    return (np.nan_to_num(parts) * w).sum(axis=1) / (known * w).sum(axis=1)


def timed(fn) -> tuple[float, float, object]:
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rng = np.random.default_rng(9)
    intensity = make_intensity(rng)
    businesses = make_businesses(rng, args.rows)
    best = {"project": (math.inf, 0.0), "baseline": (math.inf, 0.0)}
    scored = None
    for _ in range(args.repeat):
        wall, cpu, scored = timed(lambda: score_prospects(businesses, intensity,
                                                          target_sectors=TARGETS))
        best["project"] = min(best["project"], (wall, cpu))
        wall, cpu, _ = timed(lambda: baseline(businesses, intensity))
        best["baseline"] = min(best["baseline"], (wall, cpu))
    keys = businesses["name_key"].to_numpy()
    pipeline = {k: f"C{i}" for i, k in enumerate(keys[:: max(1, args.rows // 20_000)])}
    today = date(2026, 6, 30)
    contacts = {v: today - timedelta(days=int(d))
                for v, d in zip(pipeline.values(), rng.integers(0, 1000, len(pipeline)))}
    wall_out, _, listed = timed(lambda: outreach_list(scored, pipeline, contacts, 365, today,
                                                      top=500))
    project, floor = best["project"], best["baseline"]
    print(f"prospect scoring: {args.rows:,} businesses, {len(intensity)} industries "
          f"({int(intensity['measured'].sum())} measured), best of {args.repeat}")
    print(f"project : {project[0]:6.3f} s wall, {project[1]:6.3f} s CPU  "
          f"{'OK' if project[0] < TARGET_SECONDS else f'SLOWER THAN {TARGET_SECONDS:g} s'}")
    print(f"baseline: {floor[0]:6.3f} s wall, {floor[1]:6.3f} s CPU  (lookup + weighted mean)")
    print(f"ratio project/baseline: {project[0] / floor[0]:.1f}x (matching, reasons, sort, rank)")
    print(f"outreach list (top {len(listed)} of {len(pipeline):,} in the pipeline): "
          f"{wall_out:6.3f} s")
    print(f"load average: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
