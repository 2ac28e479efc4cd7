"""Benchmark: the sample workspace's full regional export plan in every format (issue 11).

The sample workspace is built once (``demo.builder.build_demo``, not timed) in a
temporary directory. Timed, in one process:

  full (first) : ws.plan.build of every format (HTML, PDF, DOCX, Markdown, XLSX), the model
                 included: what ``exportplan plan build`` costs, imports and font caches cold
  model        : ws.plan.model (the analyses, the drafts and the charts drawn)
  each format  : its writer on that one model (output/plan_*.py), separately
  full (again) : ws.plan.build of every format once more, warm

Printed: each time, each format's ratio to the model build, and the issue's
target with PASS or MISS: the full plan in all formats under 30 s (the slower
of the two full builds decides).
Usage: ``python benchmarks/bench_plan.py [--edition internal|public]``.
"""
from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from exportplan.demo.builder import build_demo
from exportplan.ws.plan import FORMATS

TARGET_S = 30.0


def writers() -> dict:
    """Format -> the writer of that format (plan, path) -> path, as ws.plan.build calls them."""
    from exportplan.output.plan_docx import write_docx
    from exportplan.output.plan_html import write_html
    from exportplan.output.plan_markdown import write_markdown
    from exportplan.output.plan_pdf import write_pdf
    from exportplan.output.plan_xlsx import write_xlsx

    return {"html": write_html, "pdf": write_pdf, "docx": write_docx, "md": write_markdown, "xlsx": write_xlsx}


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - start


def full_build(ws, edition: str, out: Path, label: str) -> float:
    steps: dict = {}
    written, took = timed(ws.plan.build, FORMATS, edition=edition, output=out, timings=steps)
    parts = ", ".join(f"{k} {v:.2f} s" for k, v in steps.items())
    print(f"{f'full plan, all formats ({label})':38s}{took:8.2f} s   ({parts})")
    sizes = ", ".join(f"{fmt} {path.stat().st_size / 1e6:.1f} MB" for fmt, path in written.items())
    print(f"  files: {sizes}")
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--edition", choices=("internal", "public"), default="internal",
                        help="the edition built (internal: the whole plan, the outreach list included)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        ws, took = timed(build_demo, tmp / "sample")
        try:
            print(f"sample workspace built in {took:.1f} s (not timed against the target); edition {args.edition}")
            first = full_build(ws, args.edition, tmp / "first", "first")
            plan, model = timed(ws.plan.model, edition=args.edition, chart_dir=tmp / "separate" / "charts")
            print(f"{'model (sections, tables, charts)':38s}{model:8.2f} s   ({len(plan.tables())} tables, "
                  f"{len(plan.charts())} charts)")
            total = model
            for fmt, write in writers().items():
                _, took = timed(write, plan, tmp / "separate" / f"export-plan.{fmt}")
                total += took
                print(f"{'  ' + fmt:38s}{took:8.2f} s   ratio to the model "
                      f"{took / model:5.2f}x")
            print(f"{'model + each format separately':38s}{total:8.2f} s")
            again = full_build(ws, args.edition, tmp / "again", "again")
        finally:
            ws.close()
    worst = max(first, again)
    mark = "PASS" if worst < TARGET_S else "MISS"
    print(f"load average: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print("targets:")
    print(f"  {mark}  full sample plan, all formats          {worst:8.2f} s  (limit {TARGET_S:g} s, "
          f"{worst / TARGET_S:4.2f} of it)")


if __name__ == "__main__":
    main()
