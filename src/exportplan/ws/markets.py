"""Workspace part: country data and the target-market ranking."""
from __future__ import annotations


class MarketsMixin:
    pass
