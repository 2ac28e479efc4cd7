"""The app's page modules: each exposes ``ROUTES``, a list built with :func:`exportplan.web.routes.page`.

A new area adds one line to :data:`MODULES` (the module's name under ``exportplan.web``); the
navigation bar lists the pages in this order.
"""
from __future__ import annotations

import importlib

#: The modules whose ROUTES the app serves, in navigation order.
MODULES = [
    "pages.dashboard",
    "pages.industries",
    "pages.rankings",
    "pages.companies",
    "pages.prospects",
    "pages.company_plans",
    "pages.programs",
    "pages.initiatives",
    "pages.partner",
    "pages.plan",
    "pages.settings",
    "pages.survey",
    "api",
]


def routes() -> list:
    """Every page module's routes, in the order of :data:`MODULES`."""
    out = []
    for name in MODULES:
        out.extend(importlib.import_module(f"exportplan.web.{name}").ROUTES)
    return out
