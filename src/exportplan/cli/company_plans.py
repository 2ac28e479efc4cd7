"""Commands for a company's own export plan: ``exportplan companies plan ID ...`` (issue 12).

Being written.
"""
from __future__ import annotations
