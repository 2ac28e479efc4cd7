"""Layering: ``exportplan.analysis`` is pure (issue 8, item 7).

Every module under ``src/exportplan/analysis/`` is parsed with :mod:`ast`; no import in it,
at module level or inside a function, may name the store, the source readers, the output
writers, the CLI or the workspace. Relative imports are resolved against the module's package.
"""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

ANALYSIS = Path(__file__).resolve().parents[1] / "src" / "exportplan" / "analysis"
FORBIDDEN = ("exportplan.store", "exportplan.sources", "exportplan.output", "exportplan.cli",
             "exportplan.ws", "exportplan.workspace")


def imported_modules(path: Path, root: Path = ANALYSIS) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in ``path``; ``from X import y`` gives X and X.y."""
    package = ["exportplan", "analysis"] + list(path.relative_to(root).parent.parts)
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            out += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[:len(package) - (node.level - 1)] if node.level > 1 else package
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            out.append((node.lineno, module))
            out += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return out


def forbidden(module: str) -> bool:
    return any(module == name or module.startswith(name + ".") for name in FORBIDDEN)


MODULES = sorted(ANALYSIS.rglob("*.py"))


def test_the_analysis_package_has_modules():
    assert len(MODULES) > 5


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ANALYSIS)))
def test_analysis_imports_no_store_sources_output_cli_or_workspace(path):
    bad = [f"line {line}: {module}" for line, module in imported_modules(path) if forbidden(module)]
    assert not bad, f"{path.name} imports outside the pure analysis layer: {bad}"


@pytest.mark.parametrize("source, hit", [
    ("from ..sources import countries", True),
    ("from ..sources.clusters import name_key", True),
    ("from .. import store", True),
    ("from .. import errors", False),
    ("from . import scoring", False),
    ("def f():\n    from exportplan.ws import markets\n", True),
    ("import exportplan.output.charts as c", True),
    ("import exportplan.workspace", True),
    ("from exportplan.analysis import weights", False),
    ("from exportplan.storey import x", False),
])
def test_the_checker_resolves_relative_and_nested_imports(tmp_path, source, hit):
    pkg = tmp_path / "analysis"
    pkg.mkdir()
    module = pkg / "probe.py"
    module.write_text(source, encoding="utf-8")
    found = any(forbidden(m) for _, m in imported_modules(module, root=pkg))
    assert found is hit
