"""The vocabulary of the organization's own programs (issue 12; docs/own-programs.md).

A run of one of the organization's own programs is an **initiative**: an export acceleration
**cohort** (each company writes its own export plan with a coach), a pitch **competition** round,
a trade **mission**, an **event** (training, a seminar, a buyer day) or a **referral program**.
These are the terms the store, the services, the command line and the web app share.
"""
from __future__ import annotations

#: What an initiative is (``initiatives.kind``).
KINDS = ("cohort", "competition", "mission", "event", "referral program")
#: An initiative's status.
STATUSES = ("planned", "open", "closed")
#: A taking-part company's status in a run.
MEMBER_STATUSES = ("enrolled", "completed", "withdrawn")
#: Kinds checked against the inventory's state and federal missions before they are added.
CHECKED_KINDS = ("mission",)
#: A competition application's status.
APPLICATION_STATUSES = ("submitted", "withdrawn")

#: A company export plan's status; "written" is what the KPI "plans written" counts.
PLAN_STATUSES = ("draft", "in review", "written")
PLAN_WRITTEN = "written"
#: The company export plan's sections that the coach and the company write (key -> title), in order.
PLAN_TEXT_SECTIONS = {
    "summary": "Summary",
    "company": "The company and its export goals",
    "products": "Products and competitive advantage",
    "entry_strategy": "Market entry strategy",
    "risks": "Risks and how they are managed",
}
#: What an item of a company plan is, and an action's statuses.
ITEM_KINDS = ("action", "metric")
ACTION_STATUSES = ("planned", "in progress", "done", "dropped")
#: The metrics a company reports when its plan names none (title, unit).
DEFAULT_METRICS = (
    ("Export sales", "USD a year"),
    ("New export markets entered", "markets"),
    ("Export orders or contracts won", "orders"),
)

#: The follow-up points of a cohort's companies, in months after the run ends.
FOLLOW_UP_MONTHS = (6, 12)
#: An attribution's target: an initiative's key, or a referral as ``referral:ID`` (the referral's id).
REFERRAL_PREFIX = "referral:"
