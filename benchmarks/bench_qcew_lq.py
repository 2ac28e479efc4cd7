"""Benchmark: location quotients for every U.S. county from one national QCEW file.

Generates (unless a file is given) one year of QCEW in the bulk *annual
singlefile* layout at national scale: ~3,200 counties x ownerships x NAICS
levels, plus states and US000, ~3.5 million rows, ~17% of the county cells
withheld (disclosure N, values written as 0), text fields quoted as BLS
writes them. Then times three ways of computing employment LQs (BLS base:
all-ownership total) for every county and industry, each in a fresh
subprocess so that its peak RSS (ru_maxrss of that process) is its own:

  project : exportplan.sources.qcew.scan_qcew + analysis.industry.location_quotients
  pandas  : a plain pandas implementation of the same computation
  bare    : a bare polars scan + group-by of the same columns (the practical limit)
  typed+lq: (attribution) a typed polars read + the project's location_quotients

Usage::

    python benchmarks/bench_qcew_lq.py                 # generate into a temp dir
    python benchmarks/bench_qcew_lq.py FILE.csv        # use (or create) FILE.csv
    python benchmarks/bench_qcew_lq.py --counties 400  # smaller run

Each path runs ``--repeat`` times (default 3) in fresh processes; the fastest
time and the highest peak are printed. Targets: project within 2x of bare,
faster than pandas, peak RSS under 2 GB.
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


# ---------------------------------------------------------------- the three paths

def run_project(path: str) -> dict:
    """exportplan: the canonical frame (scan_qcew, read once), LQs for every county and industry (BLS base)."""
    import polars as pl

    from exportplan.analysis.industry import location_quotients
    from exportplan.sources.qcew import scan_qcew

    start = time.perf_counter()
    qcew = scan_qcew(path).collect()  # collected once: county and U.S. rows come from the same file
    read = time.perf_counter() - start
    nation = qcew.filter(pl.col("area_fips") == "US000")
    counties = qcew.filter(pl.col("area_fips").str.contains(r"^[0-9]{5}$") & ~pl.col("area_fips").str.ends_with("000"))
    del qcew  # the county rows are a copy: free the full frame before the LQ step
    out = location_quotients(counties, nation, base="bls")
    seconds, peak = time.perf_counter() - start, _peak_rss_mb()
    out = out.select("disclosure_code", "emplvl", "lq", "bls_lq_emplvl")  # the checks below need no more
    withheld = out.filter(pl.col("disclosure_code") == "N")
    # Withheld cells stay missing: no value, no LQ (never a zero).
    assert withheld.height > 0
    assert withheld.get_column("emplvl").null_count() == withheld.height
    assert withheld.get_column("lq").null_count() == withheld.height
    disclosed = out.filter((pl.col("disclosure_code") == "") & pl.col("lq").is_not_null()
                           & (pl.col("bls_lq_emplvl") >= 0.5))
    err = disclosed.select((pl.col("lq") / pl.col("bls_lq_emplvl") - 1).abs().median()).item()
    return {"seconds": seconds, "peak_rss_mb": peak, "read_seconds": read, "lq_seconds": seconds - read,
            "rows": out.height,
            "lq_rows": out.get_column("lq").drop_nulls().len(), "withheld_rows": withheld.height,
            "median_rel_err_vs_planted_lq": err}


def run_pandas(path: str) -> dict:
    """The same computation in plain pandas."""
    import pandas as pd

    start = time.perf_counter()
    cols = ["area_fips", "own_code", "industry_code", "year", "qtr", "disclosure_code", "annual_avg_emplvl"]
    df = pd.read_csv(path, usecols=cols, dtype={c: str for c in cols[:6]}, keep_default_na=False,
                     na_values={"annual_avg_emplvl": [""]})
    withheld = df["disclosure_code"].ne("")
    df["emplvl"] = df["annual_avg_emplvl"].astype("float64").where(~withheld)
    df["withheld"] = withheld
    area = df["area_fips"]
    counties = df[area.str.fullmatch(r"[0-9]{5}") & ~area.str.endswith("000")]
    nation = df[area == "US000"]
    totals = (counties["own_code"] == "0") & (counties["industry_code"] == "10")
    base = counties.loc[totals, ["area_fips", "emplvl"]].rename(columns={"emplvl": "E"})
    n_total = nation.loc[(nation["own_code"] == "0") & (nation["industry_code"] == "10"), "emplvl"].iloc[0]
    ref = nation[["own_code", "industry_code", "emplvl", "withheld"]].rename(
        columns={"emplvl": "ref_emplvl", "withheld": "ref_withheld"})
    out = counties.merge(ref, on=["own_code", "industry_code"], how="left").merge(base, on="area_fips", how="left")
    lq = (out["emplvl"] / out["E"]) / (out["ref_emplvl"] / n_total)
    ok = ~out["withheld"] & ~out["ref_withheld"].fillna(True).astype(bool) & (out["ref_emplvl"] > 0)
    out["lq"] = lq.where(ok)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "rows": len(out), "lq_rows": int(out["lq"].notna().sum())}


def run_bare(path: str) -> dict:
    """Bare polars: scan the same columns, one group-by (no canonical frame, no joins)."""
    import polars as pl

    start = time.perf_counter()
    codes = {c: pl.String for c in CODE_COLUMNS}
    out = (pl.scan_csv(path, schema_overrides=codes)
           .select("area_fips", "own_code", "industry_code", "year", "qtr", "disclosure_code", "annual_avg_estabs",
                   "annual_avg_emplvl", "total_annual_wages", "lq_annual_avg_emplvl")
           .group_by("own_code", "industry_code")
           .agg(pl.col("annual_avg_emplvl").sum(), pl.col("annual_avg_estabs").sum(), pl.len())
           .collect())
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "rows": int(out.get_column("len").sum())}


def run_typed_lq(path: str) -> dict:
    """For attribution only: a typed polars read of the canonical columns + the project's location_quotients."""
    import polars as pl

    from exportplan.analysis.industry import location_quotients

    start = time.perf_counter()
    withheld = pl.col("disclosure_code") != ""
    qcew = (pl.scan_csv(path, schema_overrides={c: pl.String for c in CODE_COLUMNS})
            .select(*CODE_COLUMNS[:5], pl.col("year").cast(pl.Int32), "qtr", "disclosure_code",
                    pl.col("annual_avg_estabs").alias("estabs"),
                    pl.when(withheld).then(None).otherwise(pl.col("annual_avg_emplvl").cast(pl.Float64)).alias("emplvl"),
                    pl.when(withheld).then(None).otherwise(pl.col("total_annual_wages").cast(pl.Float64))
                    .alias("total_wages"))
            .collect())
    nation = qcew.filter(pl.col("area_fips") == "US000")
    counties = qcew.filter(pl.col("area_fips").str.contains(r"^[0-9]{5}$") & ~pl.col("area_fips").str.ends_with("000"))
    del qcew
    out = location_quotients(counties, nation, base="bls")
    return {"seconds": time.perf_counter() - start, "rows": out.height}


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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("file", nargs="?", help="QCEW annual singlefile CSV (created if missing)")
    parser.add_argument("--counties", type=int, default=3200, help="counties to generate (default 3200)")
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
        results = {}
        for _ in range(max(1, args.repeat)):  # interleaved, so that a busy spell hits every path alike
            for name in ("bare", "project", "pandas", "typed+lq"):
                run = _measure(name, path)
                best = results.get(name)
                peak = max(run["peak_rss_mb"], best["peak_rss_mb"]) if best else run["peak_rss_mb"]
                results[name] = {**(run if not best or run["seconds"] < best["seconds"] else best), "peak_rss_mb": peak}
    for name, r in results.items():
        print(f"{name:9s} {r['seconds']:7.2f} s   peak RSS {r['peak_rss_mb']:7.0f} MB   rows {r['rows']:,}")
    p = results["project"]
    print(f"project: read (scan_qcew) {p['read_seconds']:.2f} s + location_quotients {p['lq_seconds']:.2f} s; "
          f"{p['lq_rows']:,} LQs; {p['withheld_rows']:,} withheld rows kept missing; "
          f"median |LQ / planted BLS LQ - 1| = {p['median_rel_err_vs_planted_lq']:.4f}")
    ratio_bare = p["seconds"] / results["bare"]["seconds"]
    ratio_pandas = p["seconds"] / results["pandas"]["seconds"]
    print(f"project/bare = {ratio_bare:.2f}x (target <= 2)   project/pandas = {ratio_pandas:.2f}x (target < 1)   "
          f"project peak {p['peak_rss_mb']:.0f} MB (target < 2048)")


if __name__ == "__main__":
    os.environ.setdefault("POLARS_MAX_THREADS", str(os.cpu_count() or 2))
    main()
