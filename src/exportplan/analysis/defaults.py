"""Defaults shared by the analysis, the workspace, the CLI and the generated docs.

Standard library only: the CLI imports this module to build its options, and
``exportplan --help`` must not load numpy or pandas (tests/test_startup.py).
"""
from __future__ import annotations

#: Monte Carlo weight draws of the robustness check (sectors and markets).
DEFAULT_DRAWS = 10_000

__all__ = ["DEFAULT_DRAWS"]
