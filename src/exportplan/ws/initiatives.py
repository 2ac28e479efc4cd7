"""The organization's own programs (``ws.initiatives``): runs, members, sessions, missions, attribution, reports.

Being written (issue 12); see docs/own-programs.md.
"""
from __future__ import annotations

from .context import Service


class Initiatives(Service):
    """Runs of the organization's own programs: cohorts, competitions, missions, events, referral programs."""
