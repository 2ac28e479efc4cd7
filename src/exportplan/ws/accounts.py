"""Service ``ws.accounts``: users, signing in, throttling, API tokens and companies' private links.

The web app stands on this service; the command line creates the first admin with it
(``exportplan -w DIR users create NAME --role admin``). See docs/accounts.md.

- **Passwords** are hashed with argon2id (argon2-cffi's :class:`~argon2.PasswordHasher`, RFC 9106
  parameters); the password itself is never stored or logged. A hash made with older parameters
  is replaced at the next good sign-in.
- **Signing in is throttled**: after :attr:`Accounts.LOGIN_LIMIT` failed attempts for one user
  name, or from one client address, within :attr:`Accounts.LOGIN_WINDOW` seconds, every attempt
  is refused (:class:`Throttled`, which says until when) until the window passes, even with the
  right password. The counters live in the database (``throttle_counters``), so the limit holds
  across several web workers; :meth:`Accounts.hit` is the same counter for other uses (the
  public survey).
- **API tokens** (for scripts) and **companies' private links** are random tokens
  (:func:`secrets.token_urlsafe`) shown once; only their SHA-256 is stored, so a copy of the
  database gives no way in. Both can be revoked; links also expire.
- Every change is written to the audit log (``changes``: entity ``user``, or ``company`` for a
  company's link), never a password, a hash or a token.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import re
import secrets
from typing import Any

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.exc import IntegrityError

from ..analysis.roles import check_role
from ..errors import ExportPlanError
from ..store import accounts as repo
from ..store import pipeline as audit_log
from .context import Service

#: A user name: 2 to 60 of a-z, 0-9, '.', '_', '-', '@', starting with a letter or digit (stored in lower case).
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,59}$")
#: The shortest and the longest password accepted (the longest only bounds the work of hashing).
PASSWORD_MIN, PASSWORD_MAX = 12, 1024
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
#: How long a company's private link lasts by default, and at most, in days.
LINK_DAYS, LINK_DAYS_MAX = 14, 90
_TOKEN_MAX = 200  # longer "tokens" are refused before hashing


class Throttled(ExportPlanError):
    """Too many attempts: refused until ``until`` (ISO UTC time), ``retry_after`` seconds from now."""

    def __init__(self, message: str, *, until: str, retry_after: int):
        super().__init__(message)
        self.until, self.retry_after = until, retry_after


def token_hash(token: str) -> str:
    """The SHA-256 (hex) stored for an API token or a private link's token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class Accounts(Service):
    """Users and roles, signing in with throttling, API tokens, and companies' private links."""

    #: Failed sign-ins allowed per user name and per client address within one window.
    LOGIN_LIMIT = 5
    #: The throttling window, in seconds (15 minutes).
    LOGIN_WINDOW = 15 * 60
    #: The password hasher: argon2id with argon2-cffi's RFC 9106 parameters.
    hasher = PasswordHasher()
    _dummy: dict[int, str] = {}  # a hash per hasher, verified for unknown user names (same work either way)

    # ---- users ------------------------------------------------------------------------------
    def create_user(self, username: str, password: str, role: str, *, display_name: str = "", email: str = "",
                    partner_provider: str = "") -> str:
        """Add a user who may sign in; returns the user name (stored in lower case).

        The password needs at least 12 characters and is stored as an argon2id hash. A partner user
        names its organization (``partner_provider``: a provider key of the program inventory).
        """
        name = self._check_username(username)
        self._check_password(password, name)
        role = check_role(role)
        values = dict(display_name=_text(display_name, "display name", 200), email=_email(email))
        at, user = self.ctx.clock(), self.ctx.user
        hashed = self.hasher.hash(password)
        with self.ctx.store.transaction() as conn:
            if repo.get_user(conn, name) is not None:
                raise self._exists(name)
            provider = self._check_provider(conn, role, partner_provider)
            try:
                with conn.begin_nested():
                    repo.insert_user(conn, dict(username=name, role=role, password_hash=hashed, active=True,
                                                partner_provider=provider, created_at=at, created_by=user,
                                                password_changed_at=at, **values))
            except IntegrityError:  # another worker added the same name in between
                raise self._exists(name) from None
            self._audit(conn, name, [("created", "", role)] + ([("partner_provider", "", provider)] if provider
                                                                 else []))
        return name

    def user(self, username: str) -> dict:
        """One user's record (no password hash); an error when there is no such user."""
        return _public(self._user(self.ctx.store, username))

    def list_users(self) -> pd.DataFrame:
        """Every user: username, display_name, email, role, active, partner_provider and the times (no hashes)."""
        return repo.list_users(self.ctx.store)

    def set_role(self, username: str, role: str, *, partner_provider: str = "") -> None:
        """Give a user another role (a partner user names its organization's provider key).

        The last active admin keeps the admin role, so that someone can still manage users.
        """
        role = check_role(role)
        with self.ctx.store.transaction() as conn:
            row = self._user(conn, username)
            provider = self._check_provider(conn, role, partner_provider)
            if row["role"] == "admin" and role != "admin" and row["active"]:
                self._keep_an_admin(conn, row["username"], "give them another role")
            repo.update_user(conn, row["id"], role=role, partner_provider=provider)
            self._audit(conn, row["username"], [(f, row[f], v) for f, v in
                                                (("role", role), ("partner_provider", provider)) if row[f] != v])

    def disable(self, username: str) -> None:
        """Stop a user signing in or using API tokens (the record and its history stay).

        The last active admin cannot be disabled.
        """
        self._set_active(username, False)

    def enable(self, username: str) -> None:
        """Let a disabled user sign in again."""
        self._set_active(username, True)

    def _set_active(self, username: str, active: bool) -> None:
        with self.ctx.store.transaction() as conn:
            row = self._user(conn, username)
            if bool(row["active"]) == active:
                return
            if not active and row["role"] == "admin":
                self._keep_an_admin(conn, row["username"], "disable them")
            repo.update_user(conn, row["id"], active=active)
            self._audit(conn, row["username"], [("active", bool(row["active"]), active)])

    def set_password(self, username: str, password: str) -> None:
        """Give a user a new password (at least 12 characters); their failed sign-ins are forgotten."""
        row = self._user(self.ctx.store, username)
        self._check_password(password, row["username"])
        hashed = self.hasher.hash(password)
        with self.ctx.store.transaction() as conn:
            repo.update_user(conn, row["id"], password_hash=hashed, password_changed_at=self.ctx.clock())
            repo.clear(conn, _login_key("user", row["username"]))
            self._audit(conn, row["username"], [("password", "", "changed")])

    # ---- signing in -----------------------------------------------------------------------------
    def authenticate(self, username: str, password: str, *, client: str = "") -> dict | None:
        """The user's record when the name and password are right and the user is active, else None.

        Every attempt takes a place in the counters of the user name and of the ``client``
        address (the web app gives the remote address) for the current window; a good sign-in
        gives its places back. When :attr:`LOGIN_LIMIT` failures already fill either counter,
        the attempt is refused with :class:`Throttled` (saying until when) without checking the
        password. A hash made with older argon2 parameters is replaced after a good sign-in.
        """
        name = str(username or "").strip().lower()[:_TOKEN_MAX]
        password = password if isinstance(password, str) else ""
        start, until, left = self._window(self.LOGIN_WINDOW)
        keys = [_login_key("user", name)] + ([_login_key("client", str(client)[:_TOKEN_MAX])] if client else [])
        with self.ctx.store.transaction(changes_data=False) as conn:
            counts = [repo.bump(conn, key, start) for key in keys]
            row = repo.get_user(conn, name) if name else None
        if any(count > self.LOGIN_LIMIT for count in counts):
            which = "this user name" if counts[0] > self.LOGIN_LIMIT else "this address"
            raise Throttled(f"Too many failed sign-ins for {which} ({self.LOGIN_LIMIT} within "
                            f"{self.LOGIN_WINDOW // 60} minutes): try again after {until[11:16]} UTC, or ask an "
                            "admin to set a new password.", until=until, retry_after=left)
        if not self._verify(row, password):
            return None
        at = self.ctx.clock()
        values: dict[str, Any] = dict(last_login_at=at)
        rehash = self.hasher.check_needs_rehash(row["password_hash"])
        if rehash:
            values["password_hash"] = self.hasher.hash(password)
        with self.ctx.store.transaction(changes_data=False) as conn:
            repo.update_user(conn, row["id"], **values)
            repo.clear(conn, keys[0])
            for key in keys[1:]:
                repo.release(conn, key, start)
            if rehash:
                self._audit(conn, row["username"], [("password", "", "rehashed with the current parameters")])
        return _public({**row, **values})

    def _verify(self, row: dict | None, password: str) -> bool:
        """True when ``row`` is an active user and ``password`` matches its hash (the same work for no user)."""
        if row is None or not password or len(password) > PASSWORD_MAX:
            self._spend(password)
            return False
        try:
            good = self.hasher.verify(row["password_hash"], password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            good = False
        return bool(good and row["active"])

    def _spend(self, password: str) -> None:
        """Verify against a hash of nothing, so that an unknown user name takes as long as a wrong password."""
        dummy = self._dummy.get(id(self.hasher))
        if dummy is None:
            dummy = self._dummy[id(self.hasher)] = self.hasher.hash(secrets.token_urlsafe(16))
        try:
            self.hasher.verify(dummy, (password or "x")[:PASSWORD_MAX])
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            pass

    def unlock(self, username: str) -> None:
        """Forget a user name's failed sign-ins (an admin's help for a locked-out user)."""
        with self.ctx.store.transaction() as conn:
            row = self._user(conn, username)
            repo.clear(conn, _login_key("user", row["username"]))

    # ---- throttling ----------------------------------------------------------------------------
    def hit(self, key: str, limit: int, window_seconds: int) -> bool:
        """Count one hit of ``key`` in the current window of ``window_seconds``; True while the window's hits
        are at most ``limit`` (allowed), False once they are over it (refuse).

        Windows are fixed (they begin at multiples of ``window_seconds`` since 1970, UTC); use one
        window length per key. The count is one atomic statement in the database, so several web
        workers share it.
        """
        key = str(key or "").strip()
        if not key:
            raise ExportPlanError("A throttle counter needs a key (e.g. 'survey:' and the client address).")
        if int(limit) < 1 or int(window_seconds) < 1:
            raise ExportPlanError(f"A throttle limit and window must be at least 1 (got {limit} hits in "
                                  f"{window_seconds} s).")
        start, _until, _left = self._window(int(window_seconds))
        with self.ctx.store.transaction(changes_data=False) as conn:
            return repo.bump(conn, key[:_TOKEN_MAX], start) <= int(limit)

    def hits(self, key: str, window_seconds: int) -> int:
        """How many hits ``key`` has in the current window (without counting one)."""
        return repo.hits(self.ctx.store, str(key or "").strip()[:_TOKEN_MAX], self._window(int(window_seconds))[0])

    def prune_counters(self, older_than_seconds: int = 86_400) -> int:
        """Delete throttle counters of windows that began more than ``older_than_seconds`` ago; returns how many."""
        before = _iso(self._now() - _dt.timedelta(seconds=int(older_than_seconds)))
        with self.ctx.store.transaction(changes_data=False) as conn:
            return repo.prune_counters(conn, before)

    def _now(self) -> _dt.datetime:
        return _parse_time(self.ctx.clock())

    def _window(self, seconds: int) -> tuple[str, str, int]:
        """The current window of ``seconds``: its start and end (ISO UTC) and the seconds left in it."""
        now = int(self._now().timestamp())
        start = now - now % seconds
        return _iso_epoch(start), _iso_epoch(start + seconds), start + seconds - now

    # ---- API tokens ------------------------------------------------------------------------------
    def create_token(self, username: str, label: str) -> dict:
        """A new API token for a user's scripts: ``{"id", "token", "prefix"}``. The token is shown only here
        (only its SHA-256 is stored); keep it like a password."""
        label = _text(label, "token label", 200)
        if not label:
            raise ExportPlanError("Give the token a label that says what uses it, e.g. --label 'monthly report'.")
        token = secrets.token_urlsafe(32)
        with self.ctx.store.transaction() as conn:
            row = self._user(conn, username)
            if not row["active"]:
                raise ExportPlanError(f"User {row['username']!r} is disabled; enable them before giving them a token.")
            tid = repo.insert_token(conn, dict(user_id=row["id"], label=label, token_hash=token_hash(token),
                                               prefix=token[:8], created_at=self.ctx.clock()))
            self._audit(conn, row["username"], [("api token", "", f"#{tid} {label!r} created ({token[:8]}...)")])
        return {"id": tid, "token": token, "prefix": token[:8]}

    def verify_token(self, token: str) -> dict | None:
        """The active user an API token belongs to; None for an unknown, revoked or disabled user's token."""
        if not isinstance(token, str) or not token or len(token) > _TOKEN_MAX:
            return None
        at = self.ctx.clock()
        with self.ctx.store.transaction(changes_data=False) as conn:
            row = repo.token_by_hash(conn, token_hash(token.strip()))
            if row is None or row["revoked_at"] or not row["user"]["active"]:
                return None
            if row["last_used_at"][:16] != at[:16]:  # at most one write a minute per token
                repo.update_token(conn, row["id"], last_used_at=at)
        return _public(row["user"])

    def revoke_token(self, token_id: int) -> bool:
        """Revoke an API token for good; False when it was already revoked."""
        with self.ctx.store.transaction() as conn:
            row = repo.get_token(conn, _whole(token_id, "token id"))
            if row is None:
                raise ExportPlanError(f"There is no API token #{token_id}; list them with 'exportplan users token "
                                      "list'.")
            if row["revoked_at"]:
                return False
            repo.update_token(conn, row["id"], revoked_at=self.ctx.clock())
            self._audit(conn, row["username"], [("api token", "", f"#{row['id']} {row['label']!r} revoked")])
        return True

    def list_tokens(self, username: str | None = None) -> pd.DataFrame:
        """API tokens: id, username, label, prefix, created_at, last_used_at, revoked_at (no hashes)."""
        if username is not None:
            username = self._user(self.ctx.store, username)["username"]
        return repo.list_tokens(self.ctx.store, username)

    # ---- companies' private links -------------------------------------------------------------------
    def create_link(self, company_key: str, days: int = LINK_DAYS, *, purpose: str = "company plan") -> str:
        """A private link token for one company (e.g. to edit its own export plan), valid for ``days`` days.

        The token is returned only here (only its SHA-256 is stored): put it in the link staff send.
        """
        days = _whole(days, "link's days")
        if not 1 <= days <= LINK_DAYS_MAX:
            raise ExportPlanError(f"A private link lasts 1 to {LINK_DAYS_MAX} days (got {days}); send a new link "
                                  "when it runs out.")
        purpose = _text(purpose, "link purpose", 200) or "company plan"
        key = str(company_key or "").strip()
        token = secrets.token_urlsafe(32)
        expires = _iso(self._now() + _dt.timedelta(days=days))
        with self.ctx.store.transaction() as conn:
            cid = repo.company_id(conn, key)
            if cid is None:
                raise ExportPlanError(f"There is no company {key!r}; list them with 'exportplan companies list'.")
            lid = repo.insert_link(conn, dict(company_id=cid, token_hash=token_hash(token), purpose=purpose,
                                              created_at=self.ctx.clock(), created_by=self.ctx.user,
                                              expires_at=expires))
            self._audit(conn, key, [("private link", "", f"#{lid} for {purpose!r}, expires {expires}")],
                        entity="company")
        return token

    def resolve_link(self, token: str) -> str | None:
        """The key of the company a private link is for; None when the link is unknown, revoked or expired."""
        if not isinstance(token, str) or not token or len(token) > _TOKEN_MAX:
            return None
        now, at = self._now(), self.ctx.clock()
        with self.ctx.store.transaction(changes_data=False) as conn:
            row = repo.link_by_hash(conn, token_hash(token.strip()))
            if row is None or row["revoked_at"] or now >= _parse_time(row["expires_at"]):
                return None
            if row["last_used_at"][:16] != at[:16]:
                repo.update_link(conn, row["id"], last_used_at=at)
        return row["company_key"]

    def revoke_link(self, link_id: int) -> bool:
        """Revoke a company's private link; False when it was already revoked."""
        with self.ctx.store.transaction() as conn:
            row = repo.get_link(conn, _whole(link_id, "link id"))
            if row is None:
                raise ExportPlanError(f"There is no private link #{link_id}.")
            if row["revoked_at"]:
                return False
            repo.update_link(conn, row["id"], revoked_at=self.ctx.clock())
            self._audit(conn, row["company_key"], [("private link", "", f"#{row['id']} revoked")], entity="company")
        return True

    def list_links(self, company_key: str | None = None) -> pd.DataFrame:
        """Companies' private links: id, company_id (the key), purpose, created_at, created_by, expires_at,
        revoked_at, last_used_at (no hashes)."""
        return repo.list_links(self.ctx.store, None if company_key is None else str(company_key).strip())

    # ---- checks and the audit log --------------------------------------------------------------------
    @staticmethod
    def _check_username(username: Any) -> str:
        name = str(username or "").strip().lower()
        if not USERNAME.match(name):
            raise ExportPlanError(
                f"{username!r} is not a valid user name: use 2 to 60 letters, digits, '.', '_', '-' or '@', "
                "starting with a letter or digit (e.g. 'jsmith' or 'j.smith@example.org').")
        return name

    @staticmethod
    def _check_password(password: Any, username: str) -> None:
        if not isinstance(password, str) or len(password) < PASSWORD_MIN:
            raise ExportPlanError(f"A password needs at least {PASSWORD_MIN} characters; a few unrelated words make "
                                  "a long one that is easy to remember.")
        if len(password) > PASSWORD_MAX:
            raise ExportPlanError(f"A password may have at most {PASSWORD_MAX} characters.")
        if password.strip().lower() == username:
            raise ExportPlanError("A password must not be the user name.")

    @staticmethod
    def _check_provider(conn, role: str, provider: Any) -> str:
        provider = str(provider or "").strip()
        if role != "partner":
            if provider:
                raise ExportPlanError(f"Only partner users belong to a partner organization; leave out the "
                                      f"provider for the {role} role.")
            return ""
        if not provider:
            raise ExportPlanError("A partner user needs the provider key of their organization (e.g. "
                                  "--partner-provider OH-TRADE); list them with 'exportplan programs list'.")
        if not repo.provider_exists(conn, provider):
            raise ExportPlanError(f"The program inventory has no provider {provider!r}; add it with 'exportplan "
                                  "programs import', or use the key 'exportplan programs list' shows.")
        return provider

    @staticmethod
    def _keep_an_admin(conn, username: str, what: str) -> None:
        if repo.active_admins(conn) <= 1:
            raise ExportPlanError(f"{username!r} is the only active admin; make another user admin before you "
                                  f"{what}.")

    def _user(self, store_or_conn, username: str) -> dict:
        name = str(username or "").strip().lower()
        row = repo.get_user(store_or_conn, name)
        if row is None:
            raise ExportPlanError(f"There is no user {username!r}; list them with 'exportplan users list', or add "
                                  "one with 'exportplan users create NAME --role ROLE'.")
        return row

    @staticmethod
    def _exists(name: str) -> ExportPlanError:
        return ExportPlanError(f"A user named {name!r} already exists; change their role with 'exportplan users "
                               f"role {name} ROLE', or choose another name.")

    def _audit(self, conn, entity_id: str, items: list[tuple[str, Any, Any]], entity: str = "user") -> None:
        at, user = self.ctx.clock(), self.ctx.user
        audit_log.add_changes(self.ctx.store, conn, [
            dict(at=at, user=user, entity=entity, entity_id=entity_id, field=field, old=_shown(old), new=_shown(new))
            for field, old, new in items])


def _login_key(kind: str, value: str) -> str:
    return f"login:{kind}:{value}"


def _public(row: dict) -> dict:
    """A user's record without the password hash, ``active`` as a bool."""
    out = {c: row[c] for c in repo.USER_COLUMNS}
    out["active"] = bool(out["active"])
    return out


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else str(value)


def _text(value: Any, what: str, longest: int) -> str:
    text = "" if value is None else str(value).strip()
    if len(text) > longest:
        raise ExportPlanError(f"The {what} is too long ({len(text)} characters; at most {longest}).")
    return text


def _email(value: Any) -> str:
    email = _text(value, "email address", 254)
    if email and not _EMAIL.match(email):
        raise ExportPlanError(f"{email!r} is not an email address (name@example.org); leave it blank if unknown.")
    return email


def _whole(value: Any, what: str) -> int:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        raise ExportPlanError(f"The {what} must be a whole number (got {value!r}).") from None
    return number


def _parse_time(text: str) -> _dt.datetime:
    """An ISO time (the clock's text) as an aware UTC datetime; a time without zone is taken as UTC."""
    value = _dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=_dt.timezone.utc)
    return value.astimezone(_dt.timezone.utc)


def _iso(value: _dt.datetime) -> str:
    return value.astimezone(_dt.timezone.utc).replace(microsecond=0).isoformat()


def _iso_epoch(seconds: int) -> str:
    return _iso(_dt.datetime.fromtimestamp(seconds, _dt.timezone.utc))


__all__ = ["Accounts", "Throttled", "token_hash"]
