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


# ---------------------------------------------------------------- the workspace's services (issue 8, items 1 and 2)
SRC = ANALYSIS.parent
SERVICES = sorted((SRC / "ws").glob("*.py"))


def private_service_reaches(path: Path) -> list[str]:
    """``ws.<service>._name`` (or ``self.ws.<service>._name``) anywhere in ``path``: another service's private name."""
    from exportplan.workspace import SERVICES as NAMES

    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if (isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__")
                and isinstance(node.value, ast.Attribute) and node.value.attr in NAMES
                and isinstance(node.value.value, (ast.Name, ast.Attribute))
                and (getattr(node.value.value, "id", None) == "ws" or getattr(node.value.value, "attr", None) == "ws")):
            out.append(f"line {node.lineno}: {node.value.attr}.{node.attr}")
    return out


def private_imports_from_siblings(path: Path) -> list[str]:
    """``from .other_service import _name``: a private name of another ws module."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            out += [f"line {node.lineno}: {node.module}.{a.name}" for a in node.names
                    if a.name.startswith("_") and not a.name.startswith("__")]
    return out


@pytest.mark.parametrize("path", SERVICES + [SRC / "workspace.py"] + sorted((SRC / "cli").glob("*.py")),
                         ids=lambda p: str(p.relative_to(SRC)))
def test_no_code_reaches_into_a_services_private_names(path):
    bad = private_service_reaches(path) + private_imports_from_siblings(path)
    assert not bad, f"{path.name} uses private names of another service: {bad}"


#: What running SQL looks like: a statement builder, a connection's execute, a transaction or the engine.
SQL_CALLS = {"execute", "transaction", "engine", "select", "insert", "update", "delete", "text", "frame"}


def sql_uses(path: Path) -> list[str]:
    out = []
    for line, module in imported_modules(path, root=path.parent):
        if module.startswith("sqlalchemy") and not module.startswith("sqlalchemy.exc"):
            out.append(f"line {line}: imports {module}")
        if module.startswith(("exportplan.store.schema", "exportplan.store.db")):
            out.append(f"line {line}: imports {module}")
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Attribute) and node.attr in SQL_CALLS and isinstance(node.value, ast.Attribute) \
                and node.value.attr in ("store", "conn", "connection"):
            out.append(f"line {node.lineno}: {node.value.attr}.{node.attr}")
        if isinstance(node, ast.Attribute) and node.attr == "execute":
            out.append(f"line {node.lineno}: .execute")
    return out


CLI = sorted((SRC / "cli").glob("*.py"))


@pytest.mark.parametrize("path", CLI, ids=lambda p: p.name)
def test_the_cli_runs_no_sql(path):
    bad = sql_uses(path)
    assert not bad, f"cli/{path.name} runs SQL itself (put it in a store/ repository behind a service): {bad}"


@pytest.mark.parametrize("path", SERVICES + [SRC / "workspace.py"], ids=lambda p: str(p.relative_to(SRC)))
def test_services_leave_sql_to_the_store_repositories(path):
    bad = [b for b in sql_uses(path) if "store.transaction" not in b and "store.db" not in b]
    assert not bad, f"{path.name} builds or runs SQL; move it into its domain's store/ module: {bad}"


@pytest.mark.parametrize("source, hit", [
    ("x = self.ws.industry._meta()", True),
    ("x = ws.regional._county_cells", True),
    ("x = self.ws.industry.clusters()", False),
    ("x = self._private()", False),
    ("from .industry import _helper", True),
    ("from .industry import bound_notes", False),
])
def test_the_service_checker_finds_private_reaches(tmp_path, source, hit):
    module = tmp_path / "probe.py"
    module.write_text(source, encoding="utf-8")
    assert bool(private_service_reaches(module) + private_imports_from_siblings(module)) is hit


@pytest.mark.parametrize("source, hit", [
    ("conn.execute(x)", True),
    ("from sqlalchemy import select", True),
    ("from sqlalchemy.exc import DatabaseError", False),
    ("with ws.store.transaction() as c: pass", True),
    ("from ..store import schema as t", True),
    ("ws.rank_sectors()", False),
])
def test_the_sql_checker_finds_sql(tmp_path, source, hit):
    module = tmp_path / "probe.py"
    module.write_text(source, encoding="utf-8")
    assert bool(sql_uses(module)) is hit


# ---------------------------------------------------------------- module size (issue 8, item 6)
MAX_LINES = 600
ALL_MODULES = sorted(SRC.rglob("*.py"))


def test_no_module_is_over_the_size_limit():
    over = {str(p.relative_to(SRC)): n for p in ALL_MODULES
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not over, (f"modules over {MAX_LINES} lines (split them along their seams; docs/architecture.md): "
                      f"{over}")
