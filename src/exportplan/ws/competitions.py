"""Pitch competition rounds (``ws.competitions``): rubric, judges, applications, scores, awards, claims.

Being written (issue 12); see docs/competitions.md.
"""
from __future__ import annotations

from .context import Service


class Competitions(Service):
    """A pitch competition round's rubric, judges, applications, scores, ranking, awards and claims."""
