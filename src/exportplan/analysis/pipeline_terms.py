"""The exporter pipeline's vocabulary: export stages, interaction kinds, service categories, statuses.

Declared once; the store, the importers, the readiness assessment, the
metrics and the CLI all read them from here (docs: programs-and-pipeline).
"""
from __future__ import annotations

#: A company's export stages, in order (methods: "Export stages of a company").
STAGES = ("not ready", "export-ready", "new-to-export", "active", "expanding")
STAGE_HELP = {
    "not ready": "no plans or capacity to export yet",
    "export-ready": "product and capacity fit, not yet exporting",
    "new-to-export": "first sales abroad, one market",
    "active": "exporting to several markets",
    "expanding": "entering new markets deliberately",
}
#: Stages of a company that exports.
EXPORTING_STAGES = ("new-to-export", "active", "expanding")
INTERACTION_KINDS = ("outreach", "call", "email", "meeting", "visit", "event", "other")
#: Export service categories (shared with the program inventory).
SERVICE_CATEGORIES = (
    "awareness and training", "readiness assessment and counseling", "export planning and acceleration",
    "market research", "partner and buyer matchmaking", "trade shows and trade missions",
    "single-company promotion", "due diligence and credit reports", "trade finance and insurance",
    "grants and cost-share", "compliance, standards and IP protection", "logistics",
    "advocacy and trade barriers", "mentoring", "market-relationship programs", "cluster and sector programs",
)
REFERRAL_STATUSES = ("made", "accepted", "in progress", "completed", "declined", "no response")
OUTCOME_KINDS = ("first export", "new market", "export sales")
#: Where a stage change came from.
STAGE_SOURCES = ("import", "manual", "assessment")
#: Size classes by employees: (label, lowest employees), from the largest.
SIZE_CLASSES = (("large", 500), ("medium", 100), ("small", 10), ("micro", 0))


def size_class(employees: float | None) -> str:
    """'micro' (<10), 'small' (10-99), 'medium' (100-499), 'large' (500+); '' when unknown.

    >>> size_class(12), size_class(None)
    ('small', '')
    """
    if employees is None or employees != employees or employees < 0:
        return ""
    return next(label for label, low in SIZE_CLASSES if employees >= low)
