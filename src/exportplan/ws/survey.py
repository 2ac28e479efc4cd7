"""Service ``ws.survey``: the public company survey, and staff's review of its responses (issue 13, item 4).

Two audiences, two halves (docs/survey.md):

- **The public link** (no account) uses only :meth:`Survey.questions` and :meth:`Survey.submit`.
  ``submit`` validates the answers (:mod:`exportplan.analysis.survey_form`), counts the attempt
  against the client's limit (:attr:`Survey.SUBMIT_LIMIT` per :attr:`Survey.SUBMIT_WINDOW`, with
  counters in the database through ``ws.accounts.hit``, so several web workers share them) and stores
  a *pending* response. It returns a receipt number and nothing else: no stored value, no sign of
  whether the company is known. The web page adds CSRF protection.
- **Staff** list, read, accept and reject responses. A response enters the pipeline only when accepted:
  :meth:`Survey.accept` makes a new company (or, with ``company=KEY``, adds to a stored one) with its
  contact, needs, markets and a readiness assessment from the company's own answers, and links the
  response to it. Every submission and review is written to the audit log (``changes``, entity
  ``survey_response``).

A response is reviewed once: accepting or rejecting first *claims* it with one conditional update
(pending -> accepted/rejected), so two reviewers cannot both accept it. Should the pipeline refuse a
step of an acceptance, the claim is given back (the response is pending again) and the error says why.
"""
from __future__ import annotations

import datetime as _dt
import json
from typing import Any, Mapping

import pandas as pd

from ..analysis import survey_form as form
from ..analysis.survey_form import STATUSES
from ..analysis.pipeline_bundle import derive_key, join_list, split_list
from ..errors import ExportPlanError
from ..store import pipeline as audit_log
from ..store import survey as repo
from .accounts import Throttled
from .context import Service

#: The audit log's entity for a survey response.
ENTITY = "survey_response"
_REASON_MAX = 500


class SurveyInvalid(ExportPlanError):
    """A submission with problems; ``problems`` maps each field ('' for the whole form) to what to fix."""

    def __init__(self, problems: Mapping[str, str]):
        self.problems = dict(problems)
        super().__init__("The survey was not sent; please fix: "
                         + " ".join(f"{k + ': ' if k else ''}{v}" for k, v in self.problems.items()))


class Survey(Service):
    """The public survey's questions and submissions, and staff's review of the responses."""

    #: Submissions (valid or not) allowed from one client within one window.
    SUBMIT_LIMIT = 10
    #: The window of the limits, in seconds (one hour).
    SUBMIT_WINDOW = 60 * 60
    #: Submissions allowed from all clients together within one window (bounds what a flood can store).
    SUBMIT_LIMIT_ALL = 500

    # ---- the public half -------------------------------------------------------------------------
    def questions(self) -> list[dict]:
        """The survey's questions for a page to render, in order: key, label, kind, required, choices
        ((value, label) pairs), max_length, help, section. The county question lists the region's counties."""
        return [f.as_dict() for f in form.fields(self._counties())]

    def validate(self, answers: Mapping[str, Any]) -> form.Checked:
        """Check answers without storing them: ``(clean, problems)`` (see :func:`survey_form.validate`)."""
        from ..sources.countries import to_iso3

        return form.validate(answers, counties=self._counties(), to_iso3=to_iso3)

    def submit(self, answers: Mapping[str, Any], *, client: str = "") -> int:
        """Store a pending response; returns its receipt number, and nothing of what is stored.

        ``client`` names the sender for the rate limit (the web app passes the client's address). Over
        the limit, :class:`~exportplan.ws.accounts.Throttled` says when to try again; answers with
        problems raise :class:`SurveyInvalid` (its ``problems``: field -> what to fix). Every attempt
        counts towards the limit, so that a flood of bad submissions is stopped too.
        """
        self._throttle(str(client or "").strip())
        clean, problems = self.validate(answers)
        if problems:
            raise SurveyInvalid(problems)
        at = self.ctx.clock()
        with self.ctx.store.transaction() as conn:
            rid = repo.insert_response(conn, dict(submitted_at=at, company_name=clean["company_name"],
                                                  answers=json.dumps(clean, sort_keys=True), status="pending"))
            self._audit(conn, rid, [("submitted", "", "pending")])
        return rid

    def _throttle(self, client: str) -> None:
        window = self.SUBMIT_WINDOW
        for key, limit in ((f"survey:{client}", self.SUBMIT_LIMIT), ("survey-all", self.SUBMIT_LIMIT_ALL)):
            if not self.ws.accounts.hit(key, limit, window):
                until, left = self._window_end(window)
                whose = "from your address" if key != "survey-all" else "from everyone"
                raise Throttled(f"Too many survey submissions {whose} within the hour; nothing was stored. Please "
                                f"try again after {until[11:16]} UTC.", until=until, retry_after=left)

    def _window_end(self, seconds: int) -> tuple[str, int]:
        now = _dt.datetime.fromisoformat(self.ctx.clock().replace("Z", "+00:00"))
        if now.tzinfo is None:
            now = now.replace(tzinfo=_dt.timezone.utc)
        epoch = int(now.timestamp())
        end = epoch - epoch % seconds + seconds
        return _dt.datetime.fromtimestamp(end, _dt.timezone.utc).isoformat(), end - epoch

    # ---- staff's review -----------------------------------------------------------------------------
    def responses(self, status: str | None = None) -> pd.DataFrame:
        """The responses, oldest first (id, submitted_at, company_name, status, reviewed_at, reviewed_by,
        company_id = the key of the company it was accepted into); of one ``status`` when given."""
        if status is not None and status not in STATUSES:
            raise ExportPlanError(f"Unknown survey response status {status!r}; use one of {', '.join(STATUSES)}.")
        return repo.list_responses(self.ctx.store, status)

    def pending(self) -> pd.DataFrame:
        """The responses waiting for review, oldest first."""
        return self.responses("pending")

    def response(self, response_id: int) -> dict:
        """One response: its fields, ``answers`` (the clean answers, a dict) and, once rejected, ``reason``."""
        row = repo.get_response(self.ctx.store, self._id(response_id))
        if row is None:
            raise self._not_found(response_id)
        row["answers"] = json.loads(row["answers"] or "{}")
        log = audit_log.changes(self.ctx.store, ENTITY, str(row["id"]))
        reasons = log.loc[log["field"] == "reason", "new"].tolist() if len(log) else []
        row["reason"] = reasons[-1] if reasons else ""
        return row

    def candidates(self, response_id: int) -> pd.DataFrame:
        """Stored companies whose names resemble the response's company (to accept it into one of them)."""
        name = self.response(response_id)["company_name"]
        return self.ws.pipeline.companies(search=name)

    def accept(self, response_id: int, *, company: str | None = None) -> str:
        """Let a pending response into the pipeline; returns the company's key.

        Without ``company``: a new company from the answers (name, NAICS, county, employees, export
        status as its stage, current and target markets, tag ``survey``, the other answers in its notes).
        With ``company=KEY``: the stored company gains what it lacks (blank NAICS, county, employees are
        filled; markets are combined; the answers are added to its notes; its stage is kept). Either way
        the contact (unless one of that name is stored), the needs it does not have yet, and a readiness
        assessment of the answered items (assessed by the company itself; staff confirm its stage).
        """
        row = self.response(response_id)
        self._check_pending(row)
        answers = row["answers"]
        if company is not None:
            key = self.ws.pipeline.company(str(company).strip())["company_id"]
        else:
            key = derive_key(answers["company_name"], answers.get("county_fips", ""))
            if self._stored(key):
                raise ExportPlanError(
                    f"A company with company_id {key!r} (the same name and county) is already stored; accept the "
                    f"response into it with company={key!r} ('exportplan survey accept {row['id']} --company "
                    f"{key}'), or reject the response.")
        self._claim(row["id"], "accepted")
        try:
            key = self._enter(row["id"], answers, key, new=company is None)
        except Exception:
            with self.ctx.store.transaction() as conn:
                repo.update_response(conn, row["id"], status="pending", reviewed_at="", reviewed_by="")
            raise
        with self.ctx.store.transaction() as conn:
            repo.update_response(conn, row["id"], company_id=repo.company_row_id(conn, key))
            self._audit(conn, row["id"], [("status", "pending", "accepted"),
                                          ("company", "", f"{key} ({'new' if company is None else 'existing'})")])
        return key

    def reject(self, response_id: int, reason: str) -> None:
        """Refuse a pending response (spam, a duplicate, outside the region ...); ``reason`` is kept in the
        audit log. Nothing enters the pipeline."""
        reason = form.clean_text(reason or "")
        if not reason:
            raise ExportPlanError("Say why the response is rejected (e.g. 'spam' or 'duplicate of #12').")
        if len(reason) > _REASON_MAX:
            raise ExportPlanError(f"The reason is too long ({len(reason)} characters; at most {_REASON_MAX}).")
        row = self.response(response_id)
        self._check_pending(row)
        self._claim(row["id"], "rejected")
        with self.ctx.store.transaction() as conn:
            self._audit(conn, row["id"], [("status", "pending", "rejected"), ("reason", "", reason)])

    # ---- helpers -------------------------------------------------------------------------------------
    def _enter(self, rid: int, answers: dict, key: str, *, new: bool) -> str:
        """The pipeline's records of an accepted response (each step through ``ws.pipeline``)."""
        pipeline = self.ws.pipeline
        day = self.ctx.clock()[:10]
        note = f"Survey response #{rid} ({day}): {form.summary(answers)}".rstrip(": ")
        if new:
            key = pipeline.add_company(
                company_id=key, name=answers["company_name"], naics=answers.get("naics", ""),
                county_fips=answers.get("county_fips", ""), employees=answers.get("employees"),
                stage=answers.get("export_status", ""), current_markets=answers.get("current_markets", []),
                target_markets=answers.get("target_markets", []), tags="survey", notes=note)
            record = pipeline.company(key)
        else:
            record = pipeline.company(key)
            changes = _additions(record, answers, note)
            if changes:
                pipeline.update_company(key, expected_version=record["version"], **changes)
        self._contact(key, record, answers)
        held = {n["service_category"] for n in record["needs"] if not n.get("iso3")}
        for need in answers.get("needs", []):
            if need not in held:
                pipeline.add_need(key, need, note=f"survey response #{rid}")
        if answers.get("readiness"):
            pipeline.assess(key, answers["readiness"], assessed_by=f"the company (survey response #{rid})")
        return key

    def _contact(self, key: str, record: dict, answers: dict) -> None:
        name = answers.get("contact_name") or ("survey respondent" if answers.get("contact_email")
                                               or answers.get("contact_phone") else "")
        if not name or any(c["name"].strip().lower() == name.lower() for c in record["contacts"]):
            return
        self.ws.pipeline.add_contact(key, name, role="survey respondent", email=answers.get("contact_email", ""),
                                     phone=answers.get("contact_phone", ""))

    def _stored(self, key: str) -> bool:
        try:
            self.ws.pipeline.company(key)
        except ExportPlanError:
            return False
        return True

    def _claim(self, rid: int, status: str) -> None:
        with self.ctx.store.transaction() as conn:
            if not repo.claim(conn, rid, "pending", status=status, reviewed_at=self.ctx.clock(),
                              reviewed_by=self.ctx.user):
                raise ExportPlanError(f"Survey response #{rid} was reviewed by someone else just now; reload it.")

    @staticmethod
    def _check_pending(row: dict) -> None:
        if row["status"] != "pending":
            into = f" into company {row['company_id']!r}" if row.get("company_id") else ""
            raise ExportPlanError(f"Survey response #{row['id']} was already {row['status']}{into} by "
                                  f"{row['reviewed_by'] or 'a local user'} at {row['reviewed_at']}; only pending "
                                  "responses are reviewed ('exportplan survey pending').")

    @staticmethod
    def _id(response_id: Any) -> int:
        try:
            return int(str(response_id).strip().lstrip("#"))
        except ValueError:
            raise ExportPlanError(f"A survey response is named by its number (e.g. 12), not {response_id!r}.") \
                from None

    @staticmethod
    def _not_found(response_id: Any) -> ExportPlanError:
        return ExportPlanError(f"No survey response #{response_id} is stored; list them with "
                               "'exportplan survey pending'.")

    def _counties(self) -> dict[str, str]:
        """The region's counties, FIPS -> 'Name County, ST' (the FIPS code when the shipped list lacks it), by name."""
        from ..sources.county_points import county_points

        fips = self.ctx.counties
        named = {r["county_fips"]: f"{r['name']} County, {r['state']}"
                 for r in county_points(fips).to_dict("records")}
        return dict(sorted(((f, named.get(f, f)) for f in fips), key=lambda item: item[1]))

    def _audit(self, conn, rid: int, items: list[tuple[str, Any, Any]]) -> None:
        at, user = self.ctx.clock(), self.ctx.user
        audit_log.add_changes(self.ctx.store, conn, [
            dict(at=at, user=user, entity=ENTITY, entity_id=str(rid), field=f, old=str(old), new=str(new))
            for f, old, new in items])


def _additions(record: dict, answers: dict, note: str) -> dict:
    """What a stored company gains from a response: its blank fields filled, markets combined, the note added."""
    out: dict[str, Any] = {}
    for field, answer in (("naics", "naics"), ("county_fips", "county_fips"), ("employees", "employees")):
        if _blank(record.get(field)) and not _blank(answers.get(answer)):
            out[field] = answers[answer]
    for field in ("current_markets", "target_markets"):
        combined = join_list(split_list(record.get(field)) + list(answers.get(field, [])))
        if combined != join_list(record.get(field)):
            out[field] = combined
    notes = str(record.get("notes") or "").strip()
    out["notes"] = f"{notes}\n{note}" if notes else note
    tags = split_list(record.get("tags"))
    if "survey" not in tags:
        out["tags"] = join_list(tags + ["survey"])
    return out


def _blank(value: Any) -> bool:
    if value is None or (isinstance(value, str) and not value.strip()):
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


__all__ = ["ENTITY", "STATUSES", "Survey", "SurveyInvalid"]
