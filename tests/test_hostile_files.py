"""Every import answers a broken file with a clear message, never a traceback, and writes nothing.

Each ``exportplan import`` command is run (through click's CliRunner, as a
user would) on files a user really ends up with:

* ``random``: random bytes (a binary file picked by mistake);
* ``random-text``: random bytes without NUL bytes (garbage that is not
  obviously binary);
* ``empty``: a 0-byte file;
* ``truncated``: the first half of a real file, cut in the middle of a line
  (a half-finished download);
* ``utf16``: a real file saved as UTF-16 (Excel's "Unicode text");
* ``latin1``: a real file with an accented name saved as Latin-1.

The first four must end with exit code 2, ``Error:`` naming the file and
saying what to do, no traceback, and the database exactly as before (imports
are all-or-nothing). The re-encoded files are either read exactly as the
original (the user-table readers decode UTF-16 and Windows-1252, as Excel
writes them; some publishers' readers Latin-1) or refused in that same clean
way, never half-read and never with a traceback. Real files come from ../shared/data where it has one
for the command, else from the generated sample (user tables).
"""
from __future__ import annotations

import random
import re
import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner

from exportplan.cli.main import cli
from exportplan.demo import sample
from exportplan.workspace import Workspace

#: command → (real file: ("shared", relative path) or ("sample", SampleFiles attribute), extra options)
COMMANDS: dict[str, tuple[tuple[str, str], list[str]]] = {
    "qcew": (("shared", "qcew/bls_qcew_2020_annual_area_39073.csv"), []),
    "clusters": (("shared", "clusters/uscmp_naics2012_to_cluster_ACR1.csv"), []),
    "peers": (("shared", "clusters/uscmp_state_clusters_2016.csv"), ["--allow-mismatch"]),
    "titles": (("shared", "naics/bls_qcew_industry_titles_2018.csv"), []),
    "targets": (("sample", "targets"), []),
    "sector-fdi": (("sample", "sector_fdi"), []),
    "assets": (("sample", "assets"), []),
    "countries": (("shared", "countries/worldbank_wdi_ny.gdp.mktp.cd.csv"), []),
    "exports": (("shared", "trade/imf_dots_us_goods_trade_by_partner.csv"), []),
    "partnerships": (("shared", "partnerships/sistercity_info_twin_towns_scrape_2025.csv"),
                     ["--city", "Columbus", "--state", "OH"]),
    "fdi": (("sample", "fdi"), []),
    "survey": (("sample", "survey"), []),
    "brookings": (("shared", "trade/brookings_export_monitor_2018_county_exports_2017.csv"), []),
}
REFUSED = ("random", "random-text", "empty", "truncated")
ENCODED = ("utf16", "latin1")
#: Words of an instruction: every message must tell the user what to do about the file.
FIX_WORDS = ("save", "download", "export", "check", "use ", "give", "import", "fix", "open", "re-", "pick", "write",
             "choose", "add", "remove", "delete")


def test_every_import_command_is_covered():
    """A new import command must be added here (and so be tested on hostile files)."""
    out = CliRunner().invoke(cli, ["import", "--help"])
    listed = {line.split()[0] for line in out.output.split("Commands:")[1].splitlines() if line.strip()}
    assert listed == set(COMMANDS)


@pytest.fixture(scope="module")
def sample_files(tmp_path_factory):
    return sample.write_sample_files(tmp_path_factory.mktemp("hostile_sample"))


@pytest.fixture(scope="module")
def workspace(tmp_path_factory, shared_data):
    """A workspace that already holds data, so that a failed import visibly must not touch it."""
    path = tmp_path_factory.mktemp("hostile") / "ws"
    ws = Workspace.init(path, name="Hostile", counties=["39073"], centre=[39.5, -82.5])
    ws.import_qcew([shared_data / "qcew/bls_qcew_2020_annual_area_39073.csv"])
    ws.import_titles(shared_data / "naics/bls_qcew_industry_titles_2018.csv")
    ws.close()
    return path


def real_file(source: tuple[str, str], shared_data: Path, sample_files) -> Path:
    where, name = source
    return shared_data / name if where == "shared" else getattr(sample_files, name)


def hostile(case: str, real: Path, folder: Path) -> Path:
    """The hostile variant of ``real`` (same suffix and name stem, so messages can name it)."""
    path = folder / f"{case}_{real.name}"
    data = real.read_bytes()
    rng = random.Random(f"{case}:{real.name}")  # fixed seed per file and case
    if case == "random":
        path.write_bytes(bytes(rng.randrange(256) for _ in range(4096)))
    elif case == "random-text":
        path.write_bytes(bytes(rng.randrange(1, 256) for _ in range(4096)))
    elif case == "empty":
        path.write_bytes(b"")
    elif case == "truncated":
        half = len(data) // 2
        start = data.rfind(b"\n", 0, half) + 1
        # Cut just after the first character of a line past the middle: a download that stopped mid-line.
        path.write_bytes(data[:start + 1])
    elif case == "utf16":
        path.write_bytes(data.decode("utf-8-sig").encode("utf-16"))
    elif case == "latin1":
        text = data.decode("utf-8-sig")
        # An accented letter inside the first long word after the header (a name or title, not a code),
        # so that the bytes are not ASCII and not UTF-8.
        word = re.search(r"[A-Za-z]{6,}", text[text.find("\n"):])
        if word:
            at = text.find("\n") + word.start() + 3
            text = text[:at] + "\u00e9" + text[at:]
        path.write_bytes(text.encode("latin-1", errors="replace"))
    else:  # pragma: no cover
        raise AssertionError(case)
    return path


def snapshot(path: Path) -> dict[str, int]:
    """Rows per table of the workspace's SQLite database."""
    con = sqlite3.connect(path / "exportplan.db")
    try:
        names = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        return {n: con.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0] for n in sorted(names)}
    finally:
        con.close()


def run(workspace: Path, command: str, file: Path, extra: list[str]):
    return CliRunner().invoke(cli, ["-w", str(workspace), "import", command, str(file), *extra])


def assert_clean_refusal(result, file: Path) -> None:
    text = result.output + (result.stderr if result.stderr_bytes is not None else "")
    assert "Traceback" not in text, text
    assert result.exit_code == 2, (result.exit_code, text, result.exception)
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Error:" in text, text
    assert file.name in text, f"the message does not name {file.name}: {text}"
    assert any(word in text.lower() for word in FIX_WORDS), f"the message says nothing to do: {text}"


@pytest.mark.parametrize("case", REFUSED)
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_hostile_file_is_refused_cleanly_and_nothing_is_written(command, case, workspace, shared_data,
                                                               sample_files, tmp_path):
    source, extra = COMMANDS[command]
    file = hostile(case, real_file(source, shared_data, sample_files), tmp_path)
    before = snapshot(workspace)
    result = run(workspace, command, file, extra)
    assert_clean_refusal(result, file)
    assert snapshot(workspace) == before


@pytest.mark.parametrize("case", ENCODED)
@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_reencoded_file_reads_as_the_original_or_is_refused_cleanly(command, case, shared_data, sample_files,
                                                                    tmp_path):
    source, extra = COMMANDS[command]
    real = real_file(source, shared_data, sample_files)
    file = hostile(case, real, tmp_path)
    spaces = []
    for name in ("original", "encoded"):
        ws = tmp_path / name
        Workspace.init(ws, name=name, counties=["39073"], centre=[39.5, -82.5]).close()
        spaces.append(ws)
    original = run(spaces[0], command, real, extra)
    assert original.exit_code == 0, original.output
    before = snapshot(spaces[1])
    result = run(spaces[1], command, file, extra)
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    if result.exit_code == 0:  # read: the same rows as the UTF-8 original
        assert snapshot(spaces[1]) == snapshot(spaces[0])
    else:
        assert_clean_refusal(result, file)
        assert snapshot(spaces[1]) == before


@pytest.mark.parametrize("command, name", [("clusters", "clusters/uscmp_naics2012_to_cluster_ACR1.xlsx"),
                                           ("titles", "naics/census_2-6_digit_2022_Codes.xlsx"),
                                           ("countries", "countries/ti_cpi2022_global_results_trends.xlsx")])
def test_half_downloaded_workbook_is_refused_cleanly(command, name, workspace, shared_data, tmp_path):
    data = (shared_data / name).read_bytes()
    file = tmp_path / f"half_{Path(name).name}"
    file.write_bytes(data[:len(data) // 2])
    before = snapshot(workspace)
    result = run(workspace, command, file, [])
    assert_clean_refusal(result, file)
    assert snapshot(workspace) == before


# --------------------------------------------------------------------------- values that cannot be

def _edit_qcew(real: Path, out: Path, edits: dict[tuple[int, str], str]) -> Path:
    """A copy of a real QCEW file with cells replaced: (line number as a user sees it, column) → value."""
    lines = real.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\r\n").split(",")
    for (line, column), value in edits.items():
        cells = lines[line - 1].rstrip("\r\n").split(",")
        cells[header.index(column)] = value
        lines[line - 1] = ",".join(cells) + "\n"
    out.write_text("".join(lines), encoding="utf-8")
    return out


@pytest.mark.parametrize("edits, expected", [
    ({(5, "annual_avg_emplvl"): "-46"}, [(5, "annual_avg_emplvl", "-46")]),
    ({(8, "annual_avg_estabs"): "-3", (10, "total_annual_wages"): "-100"},
     [(8, "annual_avg_estabs", "-3"), (10, "total_annual_wages", "-100")]),
    ({(12, "avg_annual_pay"): "-1", (14, "lq_annual_avg_emplvl"): "-0.5"},
     [(12, "avg_annual_pay", "-1"), (14, "lq_annual_avg_emplvl", "-0.5")]),
    ({(4, "year"): "2099"}, [(4, "year", "2099")]),
    ({(6, "year"): "1874"}, [(6, "year", "1874")]),
])
def test_impossible_qcew_values_are_refused_with_line_and_column(edits, expected, workspace, shared_data, tmp_path):
    """Negative counts, wages, pay or LQs and years out of range: refused where they are, nothing written."""
    from exportplan.errors import ImportFailed
    from exportplan.sources.qcew import read_qcew

    real = shared_data / "qcew/bls_qcew_2020_annual_area_39073.csv"
    file = _edit_qcew(real, tmp_path / "edited.csv", edits)
    before = snapshot(workspace)
    result = run(workspace, "qcew", file, [])
    assert_clean_refusal(result, file)
    for line, column, value in expected:
        assert f"line {line}, column '{column}'" in result.output and f"(value '{value}')" in result.output
    assert snapshot(workspace) == before
    # The typed fast path never lets such a file through: the library call fails just the same.
    with pytest.raises(ImportFailed) as info:
        read_qcew(file)
    found = {(r["row"], r["column"]) for r in info.value.table.to_records()}
    assert found >= {(line, col) for line, col, _ in expected}
    # And the untouched file reads (both paths agree on what is valid).
    assert read_qcew(real).height > 0


def test_negative_value_in_a_user_table_is_refused_with_line_and_column(workspace, sample_files, tmp_path):
    text = sample_files.sector_fdi.read_text(encoding="utf-8-sig").splitlines()
    header_at = next(i for i, line in enumerate(text) if line.startswith("sector,"))
    cells = text[header_at + 2].split(",")
    cells[1] = "-4"  # foreign_establishments
    text[header_at + 2] = ",".join(cells)
    file = tmp_path / "sector_fdi.csv"
    file.write_text("\n".join(text) + "\n", encoding="utf-8")
    before = snapshot(workspace)
    result = run(workspace, "sector-fdi", file, [])
    assert_clean_refusal(result, file)
    assert f"line {header_at + 3}" in result.output and "foreign_establishments" in result.output
    assert "minimum 0" in result.output
    assert snapshot(workspace) == before
