"""Pages: settings (being written)."""
from __future__ import annotations

ROUTES: list = []
