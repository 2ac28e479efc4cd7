"""Docs stay true to the code: the command reference, the settings table, the public API."""
from __future__ import annotations

import inspect
from pathlib import Path

import exportplan
from exportplan.cli.reference import render
from exportplan.config import SETTINGS, render_docs

ROOT = Path(__file__).resolve().parents[1]


def test_command_reference_matches_the_commands():
    assert (ROOT / "docs" / "cli.md").read_text() == render(), (
        "docs/cli.md is out of date: run python -m exportplan.cli.reference > docs/cli.md")


def test_every_setting_is_documented():
    text = (ROOT / "docs" / "configuration.md").read_text()
    missing = [s.name for s in SETTINGS if f"`{s.name}`" not in text]
    assert not missing, f"settings missing from docs/configuration.md: {missing}"
    assert text == render_docs(), "run python -m exportplan.config > docs/configuration.md"


def test_readme_names_the_two_setup_commands():
    readme = (ROOT / "README.md").read_text()
    assert "./dev demo" in readme and "./dev test" in readme
    assert "./dev test" in (ROOT / ".ci" / "run").read_text()


def test_public_api_export_list_is_complete():
    public = {name for name, obj in vars(exportplan).items()
              if not name.startswith("_") and (inspect.isclass(obj) or inspect.isfunction(obj))}
    assert public <= set(exportplan.__all__), public - set(exportplan.__all__)
    for name in exportplan.__all__:
        assert hasattr(exportplan, name), name
