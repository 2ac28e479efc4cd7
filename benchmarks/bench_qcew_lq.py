"""Benchmark: location quotients for every U.S. county from one national QCEW file.

Generates (unless a file is given) one year of QCEW in the bulk *annual
singlefile* layout at national scale: ~3,200 counties x ownerships x NAICS
levels, plus states and US000, ~3.5 million rows, ~18% of the county cells
withheld (disclosure N, values written as 0), text fields quoted as BLS
writes them. Then times ways of computing the employment LQ (BLS base:
all-ownership total) of every county row (aggregation levels 70-78) against
US000, each in a fresh subprocess so that its peak RSS is its own:

  bare    : a bare polars scan of the columns and rows the computation needs
            and one group-by (no joins): the practical limit
  project : exportplan.sources.qcew.scan_qcew (collected once, only those rows
            and columns) + exportplan.analysis.industry.location_quotients
  pandas  : a plain pandas implementation of the same computation
  typed+lq: (attribution) a hand-written typed polars read + location_quotients

The LQ paths must agree (same number of LQs, same sum); withheld cells must
stay missing (no value, no LQ) and the LQs must match the ones planted in
the file (checked after the clock stops).

Usage::

    python benchmarks/bench_qcew_lq.py                 # generate into a temp dir
    python benchmarks/bench_qcew_lq.py FILE.csv        # use (or create) FILE.csv
    python benchmarks/bench_qcew_lq.py --counties 400  # smaller run (~0.6 million rows)

Each path runs ``--repeat`` times (default 3), interleaved, in fresh
processes; the fastest time and the highest peak are printed, and the
ratios of the fastest times. Targets: project within 2x of bare, faster
than pandas, peak RSS under 2 GB. The exit status is 0 whether or not the
targets are met (a failing path still exits non-zero).
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CODE_COLUMNS = ["area_fips", "own_code", "industry_code", "agglvl_code", "size_code", "year", "qtr",
                "disclosure_code"]
MEASURES = ["annual_avg_estabs", "annual_avg_emplvl", "total_annual_wages", "taxable_annual_wages",
            "annual_contributions", "annual_avg_wkly_wage", "avg_annual_pay"]
LAYOUT = (CODE_COLUMNS + MEASURES + ["lq_disclosure_code"] + [f"lq_{m}" for m in MEASURES]
          + ["oty_disclosure_code"] + [f"oty_{m}_{s}" for m in MEASURES for s in ("chg", "pct_chg")])
SECTORS = ["11", "21", "22", "23", "31-33", "42", "44-45", "48-49", "51", "52", "53", "54", "55", "56", "61",
           "62", "71", "72", "81", "92", "99"]
SUPERSECTORS = {"1011": ["11", "21"], "1012": ["23"], "1013": ["31-33"], "1021": ["22", "42", "44-45", "48-49"],
                "1022": ["51"], "1023": ["52", "53"], "1024": ["54", "55", "56"], "1025": ["61", "62"],
                "1026": ["71", "72"], "1027": ["81"], "1028": ["92"], "1029": ["99"]}
GOVERNMENT = {"1": ["92", "48-49"], "2": ["92", "61", "62"], "3": ["92", "61", "62", "22", "48-49"]}
STATES = ["01", "02", "04", "05", "06", "08", "09", "10", "11", "12", "13", "15", "16", "17", "18", "19", "20",
          "21", "22", "23", "24", "25", "26", "27", "28", "29", "30", "31", "32", "33", "34", "35", "36", "37",
          "38", "39", "40", "41", "42", "44", "45", "46", "47", "48", "49", "50", "51", "53", "54", "55", "56",
          "72"]
YEAR = 2022


# ---------------------------------------------------------------- generator

def _industry_tree(rng):
    """Synthetic NAICS tree: sectors -> 3 -> 4 -> 5 -> 6-digit codes, about 1,000 6-digit codes."""
    import numpy as np

    six, parents = [], []  # parents[i] = (sector, 3, 4, 5) of six[i]
    for sector in SECTORS:
        lo, hi = (int(sector[:2]), int(sector[-2:])) if "-" in sector else (int(sector), int(sector))
        firsts = [str(x) for x in range(lo, hi + 1)]
        n3 = 1 if sector in ("55", "99") else int(rng.integers(2, 9))
        for d3 in rng.choice(np.arange(1, 10), size=n3, replace=False):
            c3 = f"{rng.choice(firsts)}{d3}"
            for d4 in rng.choice(np.arange(1, 10), size=int(rng.integers(2, 6)), replace=False):
                c4 = f"{c3}{d4}"
                for d5 in rng.choice(np.arange(1, 10), size=int(rng.integers(1, 4)), replace=False):
                    c5 = f"{c4}{d5}"
                    n6 = int(rng.integers(1, 3))
                    for d6 in (["0"] if n6 == 1 else rng.choice(np.arange(1, 10), size=n6, replace=False)):
                        six.append(f"{c5}{d6}")
                        parents.append((sector, c3, c4, c5))
    unique = {}
    for code, par in zip(six, parents):
        unique.setdefault(code, par)
    return list(unique), [unique[c] for c in unique]


def _membership(children_parent: list[str]):
    """Boolean matrix (n_children x n_parents) and the parent codes, in first-seen order."""
    import numpy as np

    codes = list(dict.fromkeys(children_parent))
    index = {c: i for i, c in enumerate(codes)}
    m = np.zeros((len(children_parent), len(codes)), dtype=np.float64)
    m[np.arange(len(children_parent)), [index[c] for c in children_parent]] = 1.0
    return m, codes


def _counties(rng, n_counties: int):
    import numpy as np

    weights = rng.dirichlet(np.ones(len(STATES)) * 2.0)
    counts = np.maximum(3, np.round(weights * n_counties)).astype(int)
    return [f"{st}{2 * k + 1:03d}" for st, n in zip(STATES, counts) for k in range(n)]


def _values(rng, n_counties: int, six: list[str], parents):
    """Employment (true values) per ownership: dict own -> (C x n6) matrix (0 where absent)."""
    import numpy as np

    size = rng.lognormal(mean=9.0, sigma=1.5, size=n_counties)  # county private employment scale
    density = np.clip(0.011 + 0.024 * np.log(size / size.min() + 1), 0.011, 0.9)
    weight = rng.dirichlet(np.ones(len(six)) * 0.7)
    present = rng.random((n_counties, len(six))) < density[:, None]
    emp = np.round(size[:, None] * weight[None, :] * rng.lognormal(0, 0.8, present.shape) * 40) * present
    out = {"5": np.maximum(emp, present * 1.0)}
    sector = np.array([p[0] for p in parents])
    for own, sectors in GOVERNMENT.items():
        eligible = np.isin(sector, sectors)
        gov_present = (rng.random((n_counties, len(six))) < 0.04) & eligible[None, :]
        gov = np.round(size[:, None] * 0.002 * rng.lognormal(0, 1.0, gov_present.shape)) * gov_present
        out[own] = np.maximum(gov, gov_present * 1.0)
    out["0"] = out["5"] + out["1"] + out["2"] + out["3"]
    return out


def _flatten(counties: list[str], six: list[str], parents, values: dict, rng):
    """One polars frame of county rows (all levels, all ownerships) with true values."""
    import numpy as np
    import polars as pl

    levels = [("78", six, None)]
    for depth, agglvl in ((3, "77"), (2, "76"), (1, "75"), (0, "74")):
        m, codes = _membership([p[depth] for p in parents])
        levels.append((agglvl, codes, m))
    sec_codes = levels[-1][1]
    sup_parent = [next(k for k, v in SUPERSECTORS.items() if s in v) for s in sec_codes]
    sup_m, sup_codes = _membership(sup_parent)
    dom_m, dom_codes = _membership(["101" if s in ("1011", "1012", "1013") else "102"
                                    for s in sup_codes])
    frames = []
    for own, emp6 in values.items():
        mats = {"78": emp6}
        for agglvl, codes, m in levels[1:]:
            mats[agglvl] = emp6 @ m
        mats["73"] = mats["74"] @ sup_m
        mats["72"] = mats["73"] @ dom_m
        mats["71" if own != "0" else "70"] = mats["74"].sum(axis=1, keepdims=True)
        names = {"78": six, **{a: c for a, c, _ in levels[1:]}, "73": sup_codes, "72": dom_codes,
                 "71": ["10"], "70": ["10"]}
        for agglvl, mat in mats.items():
            ci, ji = np.nonzero(mat)
            frames.append(pl.DataFrame({
                "area_fips": np.asarray(counties)[ci], "own_code": own,
                "industry_code": np.asarray(names[agglvl])[ji], "agglvl_code": agglvl,
                "annual_avg_emplvl": mat[ci, ji].astype(np.int64),
            }))
    rows = pl.concat(frames)
    n = rows.height
    return rows.with_columns(
        annual_avg_estabs=pl.Series(np.maximum(1, (rows.get_column("annual_avg_emplvl").to_numpy() / 14
                                                   * rng.lognormal(0, 0.3, n)).round()).astype(np.int64)),
        _pay=pl.Series(rng.normal(55_000, 12_000, n).clip(18_000, 250_000)),
    )


def _aggregate(rows, area_expr, agglvl_prefix: str):
    import polars as pl

    return (rows.group_by(area_expr.alias("area_fips"), "own_code", "industry_code", "agglvl_code")
            .agg(pl.col("annual_avg_emplvl").sum(), pl.col("annual_avg_estabs").sum(), pl.col("_pay").mean())
            .with_columns(agglvl_code=pl.lit(agglvl_prefix) + pl.col("agglvl_code").str.slice(1)))


def _published(frame, rng):
    """All 38 columns from true values: suppression, wages, BLS LQs, quoted text fields."""
    import polars as pl

    emp, est = pl.col("annual_avg_emplvl"), pl.col("annual_avg_estabs")
    total = pl.col("annual_avg_emplvl").filter((pl.col("own_code") == "0") & (pl.col("industry_code") == "10"))
    us = frame.filter(pl.col("area_fips") == "US000").select(
        "own_code", "industry_code", pl.col("annual_avg_emplvl").alias("_N_i"))
    us_total = us.filter((pl.col("own_code") == "0") & (pl.col("industry_code") == "10")).get_column("_N_i")[0]
    frame = frame.join(us, on=["own_code", "industry_code"], how="left").with_columns(
        _E=total.first().over("area_fips"))
    county = ~pl.col("area_fips").str.ends_with("000") & (pl.col("area_fips") != "US000")
    small = (est <= 3).cast(pl.Float64) * 0.5 + (est <= 10).cast(pl.Float64) * 0.1 + 0.02
    draw = pl.Series("_u", rng.random(frame.height))
    withheld = (pl.col("_u") < small) & county & (pl.col("industry_code") != "10")
    frame = frame.with_columns(draw).with_columns(_w=withheld)
    wages = (emp * pl.col("_pay")).round(0).cast(pl.Int64)
    lq = ((emp / pl.col("_E")) / (pl.col("_N_i") / us_total)).round(2)

    def shown(expr):
        return pl.when(pl.col("_w")).then(0).otherwise(expr)

    text = {"size_code": pl.lit("0"), "year": pl.lit(str(YEAR)), "qtr": pl.lit("A"),
            "disclosure_code": pl.when(pl.col("_w")).then(pl.lit("N")).otherwise(pl.lit(""))}
    numbers = {
        "annual_avg_estabs": est, "annual_avg_emplvl": shown(emp), "total_annual_wages": shown(wages),
        "taxable_annual_wages": shown((wages * 0.2).cast(pl.Int64)),
        "annual_contributions": shown((wages * 0.004).cast(pl.Int64)),
        "annual_avg_wkly_wage": shown((pl.col("_pay") / 52).round(0).cast(pl.Int64)),
        "avg_annual_pay": shown(pl.col("_pay").round(0).cast(pl.Int64)),
        "lq_disclosure_code": text["disclosure_code"],
        "lq_annual_avg_estabs": pl.lit(1.0), "lq_annual_avg_emplvl": shown(lq).cast(pl.Float64),
    }
    rest = {c: (pl.lit(0.0) if c.startswith("lq_") else pl.lit(0)) for c in LAYOUT
            if c not in numbers and c not in text and c not in CODE_COLUMNS[:4] and c != "oty_disclosure_code"}
    return frame.select(
        "area_fips", "own_code", "industry_code", "agglvl_code", **text, **numbers,
        oty_disclosure_code=text["disclosure_code"], **rest,
    ).select(LAYOUT).sort("area_fips", "own_code", "industry_code")


def generate(path: Path, n_counties: int = 3200, seed: int = 2022) -> dict:
    """Write a national annual singlefile CSV; return row and withheld counts."""
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(seed)
    six, parents = _industry_tree(rng)
    counties = _counties(rng, n_counties)
    rows = _flatten(counties, six, parents, _values(rng, len(counties), six, parents), rng)
    states = _aggregate(rows, pl.col("area_fips").str.slice(0, 2) + pl.lit("000"), "5")
    nation = _aggregate(rows, pl.lit("US000"), "1")
    frame = _published(pl.concat([rows, states, nation], how="diagonal_relaxed"), rng)
    frame.write_csv(path, quote_style="non_numeric", float_precision=2)
    withheld = frame.filter(pl.col("disclosure_code") == "N").height
    return {"rows": frame.height, "counties": len(counties), "withheld": withheld,
            "withheld_share": withheld / frame.height, "bytes": path.stat().st_size}


# ---------------------------------------------------------------- the paths
#
# Every path computes the same thing: the employment LQ (BLS base: all-ownership,
# all-industry total) of every county row (agglvl 70-78) against US000, withheld
# cells (disclosure N) missing and never 0. Each reads only the columns it needs.

NEEDED = ["area_fips", "own_code", "industry_code", "agglvl_code", "year", "qtr", "disclosure_code",
          "annual_avg_emplvl"]  # the source columns the computation uses


def _county_or_nation():
    """County rows (aggregation levels 70-78) and the U.S. rows: the rows the computation uses."""
    import polars as pl

    return pl.col("agglvl_code").str.starts_with("7") | (pl.col("area_fips") == "US000")


def run_project(path: str) -> dict:
    """exportplan: scan_qcew (one read, only the needed rows and columns) + location_quotients."""
    import polars as pl

    from exportplan.analysis.industry import location_quotients
    from exportplan.sources.qcew import scan_qcew

    start = time.perf_counter()
    qcew = (scan_qcew(path).filter(_county_or_nation())
            .select("area_fips", "own_code", "industry_code", "year", "qtr", "disclosure_code", "emplvl")
            .collect())  # collected once: county and U.S. rows come from the same read
    read = time.perf_counter() - start
    is_us = pl.col("area_fips") == "US000"
    nation, counties = qcew.filter(is_us), qcew.filter(~is_us)
    del qcew  # the county rows are a copy: free the full frame before the LQ step
    out = location_quotients(counties, nation, base="bls")
    seconds, peak = time.perf_counter() - start, _peak_rss_mb()
    return {"seconds": seconds, "peak_rss_mb": peak, "read_seconds": read, "lq_seconds": seconds - read,
            **_summary(out), **_checks(path, out)}


def _checks(path: str, out) -> dict:
    """After the clock stops: withheld cells stay missing; LQs match the planted BLS ones."""
    import polars as pl

    withheld = out.filter(pl.col("disclosure_code") == "N")
    assert withheld.height > 0
    assert withheld.get_column("emplvl").null_count() == withheld.height  # no value, never 0
    assert withheld.get_column("lq").null_count() == withheld.height  # and no LQ
    keys = ["area_fips", "own_code", "industry_code"]
    planted = (pl.scan_csv(path, schema_overrides={c: pl.String for c in CODE_COLUMNS + ["lq_disclosure_code"]})
               .filter(pl.col("agglvl_code").str.starts_with("7") & (pl.col("lq_disclosure_code").fill_null("") == ""))
               .select(*keys, pl.col("lq_annual_avg_emplvl").alias("planted")).collect())
    both = out.select(*keys, "lq").join(planted, on=keys).filter(pl.col("planted") >= 0.5)
    err = both.select((pl.col("lq") / pl.col("planted") - 1).abs().median()).item()
    return {"withheld_rows": withheld.height, "median_rel_err_vs_planted_lq": err}


def run_pandas(path: str) -> dict:
    """The same computation in plain pandas: read the needed columns, merge, divide."""
    import pandas as pd

    start = time.perf_counter()
    df = pd.read_csv(path, usecols=NEEDED, dtype={c: str for c in NEEDED[:-1]}, keep_default_na=False,
                     na_values={"annual_avg_emplvl": [""]})
    df["emplvl"] = df["annual_avg_emplvl"].astype("float64").where(df["disclosure_code"] == "")
    counties = df[df["agglvl_code"].str.startswith("7")]
    nation = df[df["area_fips"] == "US000"]
    keys = ["own_code", "industry_code", "year", "qtr"]

    def total(frame):
        return frame[(frame["own_code"] == "0") & (frame["industry_code"] == "10")]

    ref = nation[keys + ["emplvl"]].rename(columns={"emplvl": "ref_emplvl"})
    county_total = total(counties)[["area_fips", "year", "qtr", "emplvl"]].rename(columns={"emplvl": "E"})
    us_total = total(nation)[["year", "qtr", "emplvl"]].rename(columns={"emplvl": "N"})
    out = (counties.merge(ref, on=keys, how="left").merge(county_total, on=["area_fips", "year", "qtr"], how="left")
           .merge(us_total, on=["year", "qtr"], how="left"))
    ok = (out["emplvl"] >= 0) & (out["E"] > 0) & (out["ref_emplvl"] > 0) & (out["N"] > 0)  # NaN (withheld) fails
    out["lq"] = ((out["emplvl"] / out["E"]) / (out["ref_emplvl"] / out["N"])).where(ok)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "peak_rss_mb": _peak_rss_mb(), **_summary(out)}


def run_bare(path: str) -> dict:
    """Bare polars, the practical limit: read the needed columns and rows, one group-by (no joins).

    Every needed column is used (the filter, the keys), so that projection
    pushdown cannot skip parsing it: a group-by of own_code, industry_code
    and employment alone would parse 3 of the 8 columns the computation
    reads. Of a few equivalent forms, the fastest.
    """
    import polars as pl

    start = time.perf_counter()
    published = pl.col("disclosure_code").fill_null("") == ""
    out = (pl.scan_csv(path, schema_overrides={c: pl.String for c in CODE_COLUMNS} | {"year": pl.Int32})
           .filter(_county_or_nation() & published)
           .group_by("own_code", "industry_code", "year", "qtr")
           .agg(pl.col("annual_avg_emplvl").sum(), pl.len())
           .collect())
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "rows": int(out.get_column("len").sum())}


def run_typed_lq(path: str) -> dict:
    """For attribution only: a hand-written typed polars read of the same columns + location_quotients."""
    import polars as pl

    from exportplan.analysis.industry import location_quotients

    start = time.perf_counter()
    withheld = pl.col("disclosure_code").fill_null("") != ""
    emplvl = pl.when(withheld).then(None).otherwise(pl.col("annual_avg_emplvl").cast(pl.Float64))
    qcew = (pl.scan_csv(path, schema_overrides={c: pl.String for c in CODE_COLUMNS} | {"year": pl.Int32})
            .filter(_county_or_nation())
            .select("area_fips", "own_code", "industry_code", "year", "qtr", "disclosure_code", emplvl.alias("emplvl"))
            .collect())
    is_us = pl.col("area_fips") == "US000"
    nation, counties = qcew.filter(is_us), qcew.filter(~is_us)
    del qcew
    out = location_quotients(counties, nation, base="bls")
    return {"seconds": time.perf_counter() - start, "peak_rss_mb": _peak_rss_mb(), **_summary(out)}


PATHS = {"project": run_project, "pandas": run_pandas, "bare": run_bare, "typed+lq": run_typed_lq}


def _peak_rss_mb() -> float:
    """This process's peak resident set: VmHWM (reset by exec), else ru_maxrss (KiB on Linux)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _summary(out) -> dict:
    """What every LQ path reports, to show that they computed the same thing."""
    import numpy as np

    lq = np.asarray(out["lq"], dtype=np.float64)
    lq = lq[~np.isnan(lq)]
    return {"rows": len(out), "lq_rows": int(lq.size), "lq_sum": float(lq.sum())}


def _child(name: str, path: str, counties: int) -> None:
    if name == "generate":
        print(json.dumps(generate(Path(path), counties)))
        return
    result = PATHS[name](path)
    result.setdefault("peak_rss_mb", _peak_rss_mb())  # a path may measure it before its own checks
    print(json.dumps(result))


def _measure(name: str, path: Path, counties: int = 0) -> dict:
    """Run one path in a fresh interpreter, so that its memory peak is its own."""
    proc = subprocess.run([sys.executable, __file__, "--child", name, "--counties", str(counties), str(path)],
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{name} failed:\n{proc.stderr}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


ORDER = ("bare", "project", "pandas", "typed+lq")


def _run_all(path: Path, repeat: int) -> tuple[dict, list[float]]:
    """Best time (and highest peak) per path over interleaved rounds; project/bare of each round."""
    results, rounds = {}, []
    for _ in range(max(1, repeat)):  # interleaved, so that a busy spell hits every path alike
        this = {name: _measure(name, path) for name in ORDER}
        rounds.append(this["project"]["seconds"] / this["bare"]["seconds"])
        for name, run in this.items():
            best = results.get(name)
            peak = max(run["peak_rss_mb"], best["peak_rss_mb"]) if best else run["peak_rss_mb"]
            results[name] = {**(run if not best or run["seconds"] < best["seconds"] else best), "peak_rss_mb": peak}
    return results, rounds


def _report(results: dict, rounds: list[float]) -> None:
    """The table, the agreement of the LQ paths, and the three targets."""
    for name in ORDER:
        r = results[name]
        lqs = f"   LQs {r['lq_rows']:,}" if "lq_rows" in r else ""
        print(f"{name:9s} {r['seconds']:7.2f} s   peak RSS {r['peak_rss_mb']:7.0f} MB   rows {r['rows']:,}{lqs}")
    p = results["project"]
    print(f"project: read (scan_qcew) {p['read_seconds']:.2f} s + split and location_quotients "
          f"{p['lq_seconds']:.2f} s; {p['withheld_rows']:,} withheld rows kept missing (no value, no LQ); "
          f"median |LQ / planted BLS LQ - 1| = {p['median_rel_err_vs_planted_lq']:.4f}")
    for name in ("pandas", "typed+lq"):
        same = (results[name]["lq_rows"] == p["lq_rows"]
                and abs(results[name]["lq_sum"] - p["lq_sum"]) <= 1e-9 * abs(p["lq_sum"]))
        print(f"{name} vs project: {'same' if same else 'DIFFERENT'} LQs "
              f"({results[name]['lq_rows']:,} vs {p['lq_rows']:,}, sums {results[name]['lq_sum']:.6g} vs "
              f"{p['lq_sum']:.6g})")
    ratio_bare = p["seconds"] / results["bare"]["seconds"]
    ratio_pandas = p["seconds"] / results["pandas"]["seconds"]
    targets = [("project/bare", f"{ratio_bare:.2f}x", "<= 2x", ratio_bare <= 2),
               ("project/pandas", f"{ratio_pandas:.2f}x", "< 1x", ratio_pandas < 1),
               ("project peak RSS", f"{p['peak_rss_mb']:.0f} MB", "< 2048 MB", p["peak_rss_mb"] < 2048)]
    for label, value, target, ok in targets:
        print(f"{label:17s} {value:>9s}   target {target:10s} {'met' if ok else 'MISSED'}")
    print("project/bare per round: " + ", ".join(f"{r:.2f}x" for r in rounds))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", nargs="?", help="QCEW annual singlefile CSV (created if missing)")
    parser.add_argument("--counties", type=int, default=3200,
                        help="counties to generate (default 3200, about 3.5 million rows; 400 is about 0.6 million)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per path; the fastest is shown (default 3)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child, args.file, args.counties)
        return
    with tempfile.TemporaryDirectory(prefix="bench_qcew_") as tmp:
        path = Path(args.file) if args.file else Path(tmp) / f"{YEAR}.annual.singlefile.csv"
        if not path.exists():
            t0 = time.perf_counter()
            info = _measure("generate", path, args.counties)
            print(f"generated {path.name}: {info['rows']:,} rows, {info['counties']:,} counties, "
                  f"{info['withheld']:,} withheld ({info['withheld_share']:.1%}), {info['bytes'] / 1e6:,.0f} MB "
                  f"in {time.perf_counter() - t0:.1f} s")
        results, rounds = _run_all(path, args.repeat)
    _report(results, rounds)  # a benchmark, not a test: the exit status is 0 whether targets are met or not


if __name__ == "__main__":
    os.environ.setdefault("POLARS_MAX_THREADS", str(os.cpu_count() or 2))
    main()
