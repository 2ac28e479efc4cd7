"""The plan's commands (issue 11): ``plan build|edit|texts export|texts import|goals`` and ``metrics``, on the
sample workspace (built once for the module), and the messages of bad input."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from exportplan.cli.main import cli
from exportplan.demo.builder import build_demo
from exportplan.ws.plan import FORMATS, STAFF_SECTIONS


def run(folder: Path, *args, code: int = 0) -> str:
    result = CliRunner().invoke(cli, ["-w", str(folder), *map(str, args)])
    assert result.exit_code == code, result.output + repr(result.exception)
    assert "Traceback" not in result.output
    return result.output


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("plan_cli") / "sample"
    build_demo(folder).close()
    return folder


def test_build_public_html_and_markdown(sample, tmp_path):
    out = tmp_path / "public"
    printed = run(sample, "plan", "build", "--format", "html,md", "--edition", "public", "-o", out)
    html, md = out / "export-plan-public.html", out / "export-plan-public.md"
    assert html.is_file() and md.is_file()
    assert {p.suffix for p in out.glob("export-plan-*.*")} == {".html", ".md"}  # only the formats asked for
    assert f"Wrote {html}" in printed and f"Wrote {md}" in printed
    text = md.read_text(encoding="utf-8")
    assert "Public edition" in text and "Outreach list" not in text
    assert "# 10 Policy opportunities" in text


def test_edit_from_a_file_then_show(sample, tmp_path):
    shown = run(sample, "plan", "edit", "strategies", "--show")
    assert shown.startswith("[draft from the data]")
    new = tmp_path / "strategies.txt"
    new.write_text("Three strategies, agreed with the board.\n\n- Reach exporters\n- Fill the gaps\n", encoding="utf-8")
    saved = run(sample, "plan", "edit", "strategies", "--file", new)
    assert "Saved strategies (version 1)" in saved
    shown = run(sample, "plan", "edit", "strategies", "--show")
    assert "[draft from the data]" not in shown
    assert shown.strip() == new.read_text(encoding="utf-8").strip()


def test_edit_refuses_a_file_that_is_not_utf8(sample, tmp_path):
    bad = tmp_path / "policy.txt"
    bad.write_bytes("Politique d'exportation \xe9t\xe9".encode("latin-1"))
    printed = run(sample, "plan", "edit", "policy", "--file", bad, code=1)
    assert "not UTF-8" in printed and "save it as UTF-8" in printed


def test_texts_export_edit_and_import(sample, tmp_path):
    folder = tmp_path / "texts"
    printed = run(sample, "plan", "texts", "export", folder)
    files = sorted(p.name for p in folder.glob("*.txt"))
    assert files == sorted(f"{s}.txt" for s in STAFF_SECTIONS)
    assert all(f"Wrote {folder / name}" in printed for name in files)
    assert run(sample, "plan", "texts", "import", folder).strip() == "Nothing changed."
    vision = folder / "vision.txt"
    vision.write_text("Exports matter here: our vision, written by staff.\n", encoding="utf-8")
    assert "Saved vision." in run(sample, "plan", "texts", "import", folder)
    shown = run(sample, "plan", "edit", "vision", "--show")
    assert shown.strip() == "Exports matter here: our vision, written by staff."
    assert run(sample, "plan", "texts", "import", folder).strip() == "Nothing changed."


def test_goals_set_a_target_and_metrics_show_it(sample, tmp_path):
    printed = run(sample, "plan", "goals", "--set", "exporters=120", "--year", "2028")
    row = next(line for line in printed.splitlines() if line.startswith("exporters "))
    assert "120" in row and "2028" in row
    path = tmp_path / "m.csv"
    run(sample, "metrics", "--output", path)
    metrics = pd.read_csv(path, dtype={"key": str})
    goal = metrics.set_index("key").loc["exporters"]
    assert float(goal["target"]) == 120 and int(goal["target_year"]) == 2028
    assert {"baseline", "current", "status"} <= set(metrics.columns)
    assert float(goal["current"]) > 0
    others = metrics[metrics["key"] != "exporters"]
    assert others["target"].isna().all()  # only the goal set has a target
    assert "exporters" in run(sample, "metrics")


def test_bad_section_name_is_refused(sample):
    printed = run(sample, "plan", "edit", "strategy", "--show", code=2)
    assert "strategy" in printed and "strategies" in printed and "Invalid value" in printed


def test_bad_format_is_refused(sample, tmp_path):
    printed = run(sample, "plan", "build", "--format", "html,doc", "-o", tmp_path / "out", code=2)
    assert "Error:" in printed and "doc" in printed
    assert all(fmt in printed for fmt in FORMATS)
    assert not list((tmp_path / "out").glob("export-plan-*"))


def test_bad_goal_is_refused(sample):
    printed = run(sample, "plan", "goals", "--set", "exportrs=10", code=2)
    assert "exportrs" in printed and "exporters" in printed
    printed = run(sample, "plan", "goals", "--set", "exporters", code=2)
    assert "KEY=TARGET" in printed
