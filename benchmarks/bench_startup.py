"""Benchmark: how long ``exportplan --version`` and ``exportplan --help`` take to print.

Runs each command as a fresh subprocess ``--repeat`` times, interleaved, and
prints the median (and fastest) wall time of:

  version  : exportplan --version   (the console script beside this python; else
  help     : exportplan --help       python -c "from exportplan.cli.main import main; main()")
  python   : python -c pass                      (the interpreter's own start-up: the floor)
  heavy    : python -c "import pandas, polars"   (what the CLI no longer imports to print help)

and the ratios version/python and help/python. Target: ``--version`` and
``--help`` under 0.3 s each (median). On a shared machine other work inflates
wall times; the load average is printed, and the ratio against the same-run
``python -c pass`` baseline is the steadier number.

Usage::

    python benchmarks/bench_startup.py               # 7 runs of each
    python benchmarks/bench_startup.py --repeat 15
    python benchmarks/bench_startup.py --script /path/to/exportplan

The exit status is 0 whether or not the target is met.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time

TARGET_SECONDS = 0.3


def _time(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main(args: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="Runs of each command (default 7).")
    parser.add_argument("--script", default=None,
                        help="The console script to time (default: exportplan beside this python).")
    opts = parser.parse_args(args)

    script = opts.script or os.path.join(os.path.dirname(sys.executable), "exportplan")
    if os.path.exists(script):
        cli = [script]
    else:
        cli = [sys.executable, "-c", "from exportplan.cli.main import main; main()"]
    commands = {
        "version": cli + ["--version"],
        "help": cli + ["--help"],
        "python": [sys.executable, "-c", "pass"],
        "heavy": [sys.executable, "-c", "import pandas, polars"],
    }
    for argv in commands.values():  # warm the file cache and .pyc files; fails loudly if a command fails
        _time(argv)
    times: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(opts.repeat):
        for name, argv in commands.items():
            times[name].append(_time(argv))

    median = {name: statistics.median(ts) for name, ts in times.items()}
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"exportplan start-up, {opts.repeat} runs each, load average {load:.2f} ({os.cpu_count()} CPUs)")
    print(f"{'command':<9} {'median s':>9} {'fastest s':>10} {'x python':>9}")
    for name, argv in commands.items():
        ratio = median[name] / median["python"]
        print(f"{name:<9} {median[name]:>9.3f} {min(times[name]):>10.3f} {ratio:>9.1f}   {' '.join(argv[-2:])}")
    met = all(median[name] < TARGET_SECONDS for name in ("version", "help"))
    print(f"Target --version and --help under {TARGET_SECONDS} s (median): {'met' if met else 'NOT met'}.")


if __name__ == "__main__":
    main()
