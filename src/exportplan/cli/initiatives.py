"""Commands for the organization's own programs: ``exportplan initiatives cohort|competition|mission|event ...``.

Being written (issue 12).
"""
from __future__ import annotations

from .main import cli


@cli.group("initiatives")
def initiatives_group():
    """The organization's own programs: export acceleration cohorts, pitch competitions, trade missions,
    events, and what they achieve."""
