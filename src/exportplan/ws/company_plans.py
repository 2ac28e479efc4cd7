"""Company export plans (``ws.company_plans``): each company's own export plan, built by the plan engine.

Being written (issue 12); see docs/company-plans.md.
"""
from __future__ import annotations

from .context import Service


class CompanyPlans(Service):
    """A company's own export plan: profile, markets for its products, programs, actions, metrics."""
