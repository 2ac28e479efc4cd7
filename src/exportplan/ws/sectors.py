"""Workspace part: the target-sector ranking."""
from __future__ import annotations


class SectorsMixin:
    pass
