"""Settings (admins only): the region, the ranking weights' defaults, the organization's profile, other
settings, and the users with their API tokens.

Settings change through the same function as ``exportplan config set`` (:func:`exportplan.settings.set_value`:
each value is read by its type, checked by its rule, and the whole configuration must still pass), then
``exportplan.toml`` is saved. The running app's workspace takes the new settings at once (its background
figures are made again); other worker processes read them when they start (restart them after a change of
the region).

Users: list, create with a role, change a role, disable or enable, set a password; API tokens: create (the
token is shown once, on the page that answers the form), list, revoke. Every change goes through
``ws.accounts``, which writes the audit log.
"""
from __future__ import annotations

import copy

from starlette.requests import Request
from starlette.responses import RedirectResponse

from ... import config as cfg
from ... import settings as config_rules
from ...analysis.roles import DESCRIPTIONS, ROLES
from ...errors import ExportPlanError
from ..render import flash, render, table_html
from ..routes import page

#: The groups of settings on the page: key -> (heading, intro, setting names).
GROUPS = {
    "region": ("Region", "The region's counties and reference area. Changing them changes every analysis.",
               ("workspace.name", "region.counties", "region.reference_area", "region.state", "region.centre")),
    "weights": ("Ranking weights (defaults)", "The presets and weights the sector and market rankings start from; "
                "users try other weights on the ranking pages without changing these.",
                ("sectors.preset", "sectors.weights", "markets.preset", "markets.weights",
                 "markets.priority_sectors", "markets.coverage_floor")),
    "organization": ("Organization profile", "Who writes the plan: it sizes the organization's role in the plan.",
                     ("organization.name", "organization.staff", "organization.budget", "organization.partners")),
}
#: Settings never changed from the web page: kept by the tool, or the database the server itself runs on.
NOT_EDITABLE = set(config_rules.READ_ONLY) | {"database.url", "analysis.cache_dir"}
#: Settings after which the regional figures must be worked out again (shown in the message).
REGION_SETTINGS = ("region.centre", "region.counties", "markets.county_centres")


def _other_names() -> tuple[str, ...]:
    grouped = {name for _h, _i, names in GROUPS.values() for name in names}
    return tuple(s.name for s in cfg.SETTINGS if s.name not in grouped and s.name not in NOT_EDITABLE)


def _groups() -> dict:
    groups = dict(GROUPS)
    groups["other"] = ("Analysis and other settings", "The finer settings of the analyses, the pipeline and the plan.",
                       _other_names())
    return groups


def _fields(config: dict, names, *, given: dict | None = None, errors: dict | None = None) -> list[dict]:
    out = []
    for name in names:
        s = config_rules.setting(name)
        value = config_rules.show(config_rules.get(config, name))
        out.append(dict(name=name, id="setting-" + name.replace(".", "-").replace("_", "-"), help=s.help,
                        default=config_rules.show(s.default), value=(given or {}).get(name, value),
                        error=(errors or {}).get(name, ""), boolean=bool in s.accepted))
    return out


def _centre(ws) -> str:
    try:
        return ws.centre_message()
    except ExportPlanError as exc:
        return str(exc)


def settings_page(request: Request, *, status_code: int = 200, group: str = "", given: dict | None = None,
                  errors: dict | None = None):
    """The settings in their groups, each group a form; the region's summary; the read-only settings."""
    ws = request.state.ws
    groups = []
    for key, (heading, intro, names) in _groups().items():
        mine = key == group
        groups.append(dict(key=key, heading=heading, intro=intro,
                           fields=_fields(ws.config, names, given=given if mine else None,
                                          errors=errors if mine else None)))
    region = [("Name", ws.name), ("Counties", ", ".join(ws.counties) or "none yet"),
              ("Reference area", ws.reference_area), ("State", str(ws.config.get("region", {}).get("state") or "")),
              ("Centre", _centre(ws))]
    fixed = [(name, config_rules.show(config_rules.get(ws.config, name)), why)
             for name, why in config_rules.READ_ONLY.items()]
    return render(request, "settings_index.html", status_code=status_code, title="Settings", groups=groups,
                  region=region, fixed=fixed, config_file=cfg.CONFIG_FILE)


def save_settings(request: Request):
    """Set every changed setting of one group (each checked as 'exportplan config set' checks it), then save."""
    form = request.state.form
    group = str(form.get("group", ""))
    groups = _groups()
    if group not in groups:
        raise ExportPlanError(f"Unknown group of settings {group!r}; send the settings page's form.")
    ws = request.state.ws
    config, given, errors, changed = ws.config, {}, {}, []
    for name in groups[group][2]:
        if name not in form:
            continue
        text = str(form.get(name, "")).strip()
        given[name] = text
        if text == config_rules.show(config_rules.get(config, name)):
            continue
        try:
            config, _value = config_rules.set_value(config, name, text)
        except ExportPlanError as exc:
            errors[name] = str(exc)
            continue
        changed.append(name)
    if errors:
        return settings_page(request, status_code=400, group=group, given=given, errors=errors)
    if not changed:
        return flash(RedirectResponse(f"/settings#group-{group}", status_code=303), request, "Nothing changed.")
    ws.config = config
    ws.save_config()
    base = request.app.state.workspace
    base.config = copy.deepcopy(config)  # the next requests of this process see the new settings
    request.app.state.cache.clear()  # figures made with the old settings are made again
    message = f"Saved {', '.join(changed)}."
    if any(name in REGION_SETTINGS for name in changed):
        message += f" {_centre(ws)}"
    return flash(RedirectResponse(f"/settings#group-{group}", status_code=303), request, message)


# ---- users and API tokens ---------------------------------------------------------------------------------
def _providers(ws) -> list[tuple[str, str]]:
    try:
        frame = ws.programs.inventory()["providers"]
    except (ExportPlanError, KeyError):
        return []
    names = frame["name"] if "name" in frame.columns else frame["provider_id"]
    return sorted(((str(k), str(n)) for k, n in zip(frame["provider_id"], names)), key=lambda item: item[1].lower())


def users_page(request: Request, *, status_code: int = 200, error: str = "", new_user: dict | None = None,
               new_token: dict | None = None, token_form: dict | None = None):
    """The users (role, state), the form to add one, each user's changes, and the API tokens."""
    ws = request.state.ws
    users = ws.accounts.list_users()
    tokens = ws.accounts.list_tokens()
    rows = users.to_dict("records")
    for row in rows:
        row["active"] = bool(row.get("active"))
        for field in ("display_name", "email", "partner_provider", "created_at", "password_changed_at"):
            row[field] = "" if row.get(field) is None else str(row.get(field))
    token_rows = tokens.assign(
        state=["revoked " + str(r)[:16].replace("T", " ") if r else "active" for r in tokens["revoked_at"]]
    ) if len(tokens) else tokens
    return render(request, "settings_users.html", status_code=status_code, title="Users and API tokens", users=rows,
                  roles=[(r, DESCRIPTIONS[r]) for r in ROLES], providers=_providers(ws), error=error,
                  new_user=new_user or dict(username="", display_name="", email="", role="staff",
                                            partner_provider=""),
                  new_token=new_token, token_form=token_form or dict(username="", label=""),
                  tokens=token_rows.to_dict("records") if len(tokens) else [],
                  token_table=table_html(tokens, caption="API tokens", caption_hidden=True, empty="No API tokens yet.",
                                         columns={"id": "#", "username": "User", "label": "Label",
                                                  "prefix": "Starts with", "created_at": "Created",
                                                  "last_used_at": "Last used", "revoked_at": "Revoked"},
                                         numeric=["id"]))


def create_user(request: Request):
    form = request.state.form
    fields = {k: str(form.get(k, "")).strip() for k in ("username", "display_name", "email", "role",
                                                          "partner_provider")}
    try:
        name = request.state.ws.accounts.create_user(fields["username"], str(form.get("password", "")),
                                                     fields["role"], display_name=fields["display_name"],
                                                     email=fields["email"],
                                                     partner_provider=fields["partner_provider"])
    except ExportPlanError as exc:
        return users_page(request, status_code=400, error=str(exc), new_user=fields)
    return flash(RedirectResponse("/settings/users", status_code=303), request,
                 f"User {name} created with the role {fields['role']}.")


def change_user(request: Request):
    """Change a user's role, state (disable, enable) or password: one form per change."""
    form = request.state.form
    accounts = request.state.ws.accounts
    username = request.path_params["username"]
    what = str(form.get("change", ""))
    try:
        if what == "role":
            role = str(form.get("role", "")).strip()
            accounts.set_role(username, role, partner_provider=str(form.get("partner_provider", "")).strip())
            message = f"{username} is now {role}."
        elif what == "disable":
            accounts.disable(username)
            message = f"{username} is disabled: they can no longer sign in or use their API tokens."
        elif what == "enable":
            accounts.enable(username)
            message = f"{username} may sign in again."
        elif what == "password":
            accounts.set_password(username, str(form.get("password", "")))
            message = f"{username}'s password was changed."
        else:
            raise ExportPlanError(f"Unknown change {what!r}; send the users page's form.")
    except ExportPlanError as exc:
        return users_page(request, status_code=400, error=f"{username}: {exc}")
    return flash(RedirectResponse("/settings/users", status_code=303), request, message)


def create_token(request: Request):
    """A new API token: shown once on the page this form answers with (never stored, never shown again)."""
    form = request.state.form
    fields = {k: str(form.get(k, "")).strip() for k in ("username", "label")}
    try:
        made = request.state.ws.accounts.create_token(fields["username"], fields["label"])
    except ExportPlanError as exc:
        return users_page(request, status_code=400, error=str(exc), token_form=fields)
    return users_page(request, new_token=dict(made, username=fields["username"], label=fields["label"]))


def revoke_token(request: Request):
    try:
        token_id = int(request.path_params["token_id"])
    except ValueError:
        raise ExportPlanError("An API token is named by its number.") from None
    done = request.state.ws.accounts.revoke_token(token_id)
    return flash(RedirectResponse("/settings/users#tokens", status_code=303), request,
                 f"API token #{token_id} revoked." if done else f"API token #{token_id} was already revoked.")


ROUTES = [
    page("/settings", settings_page, access="admin", name="settings", nav="Settings"),
    page("/settings", save_settings, access="admin", methods=("POST",), name="settings_save"),
    page("/settings/users", users_page, access="admin", name="settings_users"),
    page("/settings/users", create_user, access="admin", methods=("POST",), name="settings_user_create"),
    page("/settings/users/{username}", change_user, access="admin", methods=("POST",), name="settings_user_change"),
    page("/settings/tokens", create_token, access="admin", methods=("POST",), name="settings_token_create"),
    page("/settings/tokens/{token_id}/revoke", revoke_token, access="admin", methods=("POST",),
         name="settings_token_revoke"),
]
