"""Snapshot of the SAMPLE workspace's outputs: a refactor must leave every table and chart as it was.

The test builds the sample workspace once (the demo's builder, in a temporary
folder), collects through the public Workspace API every table the project
prints or writes (industries, shift-share, clusters, the sector rankings by
cluster and by NAICS, the market rankings and the per-sector markets, sources,
crosswalk, peers, titles, the user tables), with their metadata
(``attrs["exportplan"]``: title, sources, notes, sample flag), the rankings'
robustness tables, summaries, notes and explanations, and the data behind
every chart (points, bars, map colours, titles, footers; charts are not
rendered), and compares it with ``tests/snapshots/sample_outputs.json``.
See ``tests/snapshot_outputs.py`` for what is collected and how it is
normalised (floats to 10 significant digits, NaN -> null, build times, ids and
the temporary folder left out; row order kept).

On a difference the test fails and lists the first differing paths, e.g.
``industries[level=3].rows[4].lq: 1.23 != 1.24``.

When a change of the outputs is intended, regenerate the snapshot and review
its diff before committing it::

    EXPORTPLAN_UPDATE_SNAPSHOT=1 pytest tests/test_snapshot.py

The test then writes the file and passes. With ``CI=true`` the variable is
ignored: CI only ever compares, it never rewrites the snapshot.
"""
from __future__ import annotations

import json
import os
from itertools import islice
from pathlib import Path

import pytest
from snapshot_outputs import compute_outputs, differences

SNAPSHOT = Path(__file__).parent / "snapshots" / "sample_outputs.json"
UPDATE_ENV = "EXPORTPLAN_UPDATE_SNAPSHOT"
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")  # as conftest.py
SHOWN = 20


def _update_requested() -> bool:
    return not IN_CI and os.environ.get(UPDATE_ENV, "").strip().lower() in ("1", "true", "yes")


def dump(outputs: dict) -> str:
    return json.dumps(outputs, indent=1, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> dict:
    return compute_outputs(tmp_path_factory.mktemp("snapshot"))


def test_sample_outputs_match_snapshot(outputs):
    if _update_requested():
        SNAPSHOT.parent.mkdir(parents=True, exist_ok=True)
        SNAPSHOT.write_text(dump(outputs), encoding="utf-8")
        return
    assert SNAPSHOT.is_file(), (f"{SNAPSHOT} is missing; create it with {UPDATE_ENV}=1 pytest "
                                "tests/test_snapshot.py (outside CI) and commit it.")
    expected = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    # The same JSON round trip as the stored file: tuples become lists, keys strings.
    actual = json.loads(dump(outputs))
    found = list(islice(differences(expected, actual), SHOWN + 1))
    if found:
        more = "\n  ... and more" if len(found) > SHOWN else ""
        pytest.fail(f"The sample workspace's outputs differ from {SNAPSHOT.name} (expected != actual):\n  "
                    + "\n  ".join(found[:SHOWN]) + more
                    + f"\nIf the change is intended, regenerate with {UPDATE_ENV}=1 pytest tests/test_snapshot.py "
                      "and review the diff.", pytrace=False)


def test_differences_are_readable():
    """The failure message names the path and both values, and numbers equal to 10 digits are no difference."""
    expected = {"industries[level=3]": {"rows": [{"lq": 1.23, "title": "a"}, {"lq": 2.0}]}, "n": [1, 2]}
    actual = {"industries[level=3]": {"rows": [{"lq": 1.24, "title": "a"}, {"lq": 2.0 + 1e-12}]}, "n": [1, 2, 3],
              "new": True}
    assert list(differences(expected, actual)) == [
        "industries[level=3].rows[0].lq: 1.23 != 1.24",
        "n: length 2 != 3",
        "new: <missing> != true",
    ]
    assert list(differences({"a": None}, {"a": 0.0})) == ["a: null != 0.0"]
    assert list(differences({"a": True}, {"a": 1})) == ["a: true != 1"]
