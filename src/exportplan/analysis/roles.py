"""Who may do what: the users' roles and their permissions, as data (issue 13; docs/accounts.md).

The store, the services, the command line and the web app share these terms. The web app checks
:func:`can` on the server for every route; the scoped roles (a partner, a judge) also see only
their own records, which the services that list them enforce (:data:`SCOPES` says which).

========  =================================================================================
admin     users and settings, and everything staff may do
staff     read and edit the organization's data (coaches are staff)
viewer    read only, within the organization (e.g. board members)
partner   a partner organization's user: sees only the referrals sent to its organization
          (``users.partner_provider``, an inventory provider key) and updates their status
judge     a competition judge: sees and scores only the applications assigned to them
========  =================================================================================

A company is not a user: it edits its own export plan through a private, expiring link that staff
send (``company_links``), and sees nothing else.
"""
from __future__ import annotations

from ..errors import ExportPlanError

#: The roles, most powerful first.
ROLES = ("admin", "staff", "viewer", "partner", "judge")
#: What a role may be allowed to do.
#: read: see the organization's data; edit: change it; admin: users and settings;
#: score: score competition applications; referrals: update the status of referrals.
ACTIONS = ("read", "edit", "admin", "score", "referrals")
#: role -> the actions it may take.
PERMISSIONS: dict[str, frozenset[str]] = {
    "admin": frozenset({"read", "edit", "admin", "referrals"}),
    "staff": frozenset({"read", "edit", "referrals"}),
    "viewer": frozenset({"read"}),
    "partner": frozenset({"referrals"}),
    "judge": frozenset({"score"}),
}
#: The roles that see only their own records, and which.
SCOPES = {
    "partner": "the referrals sent to the user's partner organization (users.partner_provider)",
    "judge": "the competition applications assigned to the user",
}
#: One line per role, for the command line's help and the web app's user settings.
DESCRIPTIONS = {
    "admin": "users and settings, and everything staff may do",
    "staff": "reads and edits the organization's data (coaches are staff)",
    "viewer": "reads the organization's data, changes nothing (e.g. board members)",
    "partner": "a partner organization's user: sees only the referrals sent to it and updates their status",
    "judge": "a competition judge: sees and scores only the applications assigned to them",
}


def check_role(role: str) -> str:
    """The role named (trimmed, lower case); an error naming the roles when it is not one."""
    name = str(role or "").strip().lower()
    if name not in ROLES:
        raise ExportPlanError(f"{role!r} is not a role; use one of: {', '.join(ROLES)}.")
    return name


def can(role: str, action: str) -> bool:
    """True when ``role`` may take ``action`` (one of :data:`ACTIONS`); an unknown role may do nothing.

    An unknown action is a programming error (a route asking for a permission nobody has), so it
    raises instead of quietly refusing.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}; the actions are {', '.join(ACTIONS)}")
    return action in PERMISSIONS.get(str(role or ""), frozenset())
