"""Pages: companies (being written)."""
from __future__ import annotations

ROUTES: list = []
