"""Service ``ws.competitions``: a pitch competition round's rubric, judges, applications, scores, awards, claims.

A round is an initiative of kind "competition" (``ws.initiatives.add(key, "competition", name,
budget_usd=..., rules=...)``), named by its key. Its ``rules`` hold the cost-share rule
(``{"cost_share": {"tiers": [[2500, 1.0], [7500, 0.5]], "cap": 5000}}``), an optional
``min_score`` and ``partial`` (partial awards allowed), and ``fields``: the application fields the
organization sets (key -> label), all required. The scoring, the ranking, the awards and the claims
are the pure functions of :mod:`exportplan.analysis.competition` and
:mod:`exportplan.analysis.competition_awards` (docs/competitions.md) run on the stored rows.

**A judge sees only the applications assigned to them.** ``applications(round, judge=J)`` lists
only J's assignments, with J's own points and no other judge's; ``application(...)`` and
``score(...)`` refuse an application not assigned to J. A conflicted judge cannot score the
application; scores given before the conflict was declared stay stored and are excluded.

**Awards are frozen when decided**: :meth:`Competitions.decide_awards` stores them, and later scores
do not change a grant until the awards are decided again with ``force=True``. Every write is one
transaction and goes to the audit log (``changes``: entities "competition rubric", "competition
judge", "competition application", "competition assignment", "competition conflict",
"competition score", "competition award", "competition receipt").
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any, Iterable, Mapping

import pandas as pd

from ..analysis import competition as comp
from ..analysis import competition_awards as aw
from ..errors import ExportPlanError
from ..store import competitions as repo
from ..store import pipeline as audit_log
from . import pipeline_values as check
from .context import Service

KEY = re.compile(r"^[A-Za-z0-9_-]{1,60}$")
#: The columns of :meth:`Competitions.awards`.
AWARD_COLUMNS = ("rank", "application", "company", "name", "score", "cost_usd", "award", "status", "decided_at",
                 "decided_by")


@dataclass(frozen=True)
class Results:
    """A round's results: the analysis frames, also readable as ``results["ranking"]``."""

    ranking: pd.DataFrame          # comp.ranking, plus company and name
    applications: pd.DataFrame     # comp.application_scores
    judge_scores: pd.DataFrame     # comp.judge_scores
    conflicts: pd.DataFrame        # comp.conflicts
    missing: pd.DataFrame          # comp.missing_scores
    rubric: pd.DataFrame           # key, label, weight, max_points, share

    def __getitem__(self, name: str) -> pd.DataFrame:
        return getattr(self, name)


class Competitions(Service):
    """A pitch competition round's rubric, judges, applications, scores, ranking, awards and claims."""

    # ---- rubric --------------------------------------------------------------------------------
    def set_rubric(self, round: str, criteria) -> pd.DataFrame:
        """Replace the round's rubric (list of dicts or frame: key, label, weight, max_points); returns it.

        Refused once any judge has scored (the scores were given against the old rubric).
        """
        checked = comp.check_rubric(criteria)
        long = [k for k in checked["key"] if len(k) > 40 or not KEY.match(k)]
        if long:
            raise ExportPlanError(f"Criterion key(s) {', '.join(map(repr, long))}: a key is up to 40 letters, digits, "
                                  "'-' or '_' (e.g. 'market'); put the wording in the label.")
        with self.ctx.store.transaction() as conn:
            rnd = self._round(conn, round)
            if repo.count_scores(conn, rnd["id"]):
                raise ExportPlanError(f"Round {rnd['key']!r} already has scores, so its rubric cannot change "
                                      "(the judges scored against it). Keep the rubric, or start a new round.")
            old = repo.criteria(conn, rnd["id"])
            rows = checked[["key", "label", "weight", "max_points"]].to_dict("records")
            repo.replace_criteria(conn, rnd["id"], rows)
            self._audit(conn, "competition rubric", rnd["key"], "criteria", _rubric_words(old.to_dict("records")),
                        _rubric_words(rows))
        return self.rubric(round)

    def rubric(self, round: str) -> pd.DataFrame:
        """The rubric: key, label, weight, max_points and share (weight over the sum of the weights)."""
        stored = repo.criteria(self.ctx.store, self._round(self.ctx.store, round)["id"])
        if not len(stored):
            return pd.DataFrame({c: pd.Series(dtype="object") for c in comp.RUBRIC_COLUMNS})
        return comp.check_rubric(stored)

    # ---- judges, assignments, conflicts ----------------------------------------------------------
    def add_judge(self, round: str, judge: str, name: str = "", email: str = "") -> None:
        """Add a judge (their user name) to the round."""
        judge = check.text(judge)
        if not judge or len(judge) > 120:
            raise ExportPlanError(f"Judge {judge!r}: give the judge's user name (1 to 120 characters).")
        with self.ctx.store.transaction() as conn:
            rnd = self._round(conn, round)
            if judge in set(repo.judges(conn, rnd["id"])["judge"]):
                raise ExportPlanError(f"{judge!r} is already a judge of round {rnd['key']!r}.")
            repo.insert_judge(conn, rnd["id"], judge, check.text(name), check.text(email))
            self._audit(conn, "competition judge", rnd["key"], judge, "", "added")

    def judges(self, round: str) -> pd.DataFrame:
        """judge, name, email, assigned, completed (applications scored on every criterion), conflicts."""
        rnd = self._round(self.ctx.store, round)
        frame = repo.judges(self.ctx.store, rnd["id"])
        data = self._data(self.ctx.store, rnd)
        judged = self._judged(data)
        done = judged.loc[judged["complete"].astype(bool), "judge"]
        for column, judges in (("assigned", data["assignments"]["judge"]), ("completed", done),
                               ("conflicts", data["conflicts"]["judge"])):
            frame[column] = [int((judges == j).sum()) for j in frame["judge"]]
        return frame

    def assign(self, round: str, judge: str, applications: str | Iterable[str]) -> int:
        """Assign applications to a judge; returns how many were newly assigned (repeats change nothing).

        Refused for an unknown judge or application, a withdrawn application, or one the judge declared
        a conflict with.
        """
        keys = [applications] if isinstance(applications, str) else list(applications)
        with self.ctx.store.transaction() as conn:
            rnd = self._round(conn, round)
            judge = self._judge(conn, rnd, judge)
            apps = [self._application(conn, rnd, k, open_only=True) for k in keys]
            conflicted = set(_where(repo.conflicts(conn, rnd["id"]), judge=judge)["application"])
            bad = [a["application"] for a in apps if a["application"] in conflicted]
            if bad:
                raise ExportPlanError(f"Judge {judge!r} declared a conflict of interest with {', '.join(bad)}: a "
                                      "conflicted judge is not assigned. Assign another judge.")
            done = set(_where(repo.assignments(conn, rnd["id"]), judge=judge)["application"])
            new = {a["application"]: a["id"] for a in apps if a["application"] not in done}
            repo.insert_assignments(conn, judge, new.values())
            for key in new:
                self._audit(conn, "competition assignment", f"{rnd['key']}/{key}", judge, "", "assigned")
        return len(new)

    def declare_conflict(self, round: str, judge: str, application: str, reason: str) -> None:
        """Record a judge's conflict of interest with an application: their scores of it are excluded."""
        reason = check.text(reason)
        if not reason:
            raise ExportPlanError("A conflict of interest needs its reason, e.g. 'advises the company' or "
                                  "'former employer'.")
        with self.ctx.store.transaction() as conn:
            rnd = self._round(conn, round)
            judge = self._judge(conn, rnd, judge)
            app = self._application(conn, rnd, application)
            if len(_where(repo.conflicts(conn, rnd["id"]), judge=judge, application=app["application"])):
                raise ExportPlanError(f"Judge {judge!r}'s conflict with {app['application']} is already recorded.")
            repo.insert_conflict(conn, app["id"], judge, reason, self.ctx.clock(), self.ctx.user)
            self._audit(conn, "competition conflict", f"{rnd['key']}/{app['application']}", judge, "", reason)

    # ---- applications --------------------------------------------------------------------------
    def add_application(self, round: str, key: str, company: str, *, cost_usd, fields: Mapping[str, Any],
                        submitted_at=None) -> int:
        """Add a company's application; returns its id.

        ``cost_usd`` is the eligible project cost the cost-share rule applies to; ``fields`` must give
        every field of the round's ``rules["fields"]`` and no other; ``submitted_at`` (date, or date and
        time) defaults to now. Every problem is listed at once and nothing is written.
        """
        key, company = check.text(key), check.text(company)
        problems = []
        if not KEY.match(key):
            problems.append(f"the application id {key!r} must be 1 to 60 letters, digits, '-' or '_' (e.g. 'A01')")
        try:
            cost = check.money(cost_usd, "cost_usd")
            if cost is None:
                problems.append("cost_usd is missing: give the eligible project cost in dollars, e.g. 6000")
        except ExportPlanError as exc:
            problems.append(str(exc).rstrip("."))
        when = self._when(submitted_at, problems)
        with self.ctx.store.transaction() as conn:
            rnd = self._round(conn, round)
            values = self._fields(rnd, fields, problems)
            if key and repo.application(conn, rnd["id"], key):
                problems.append(f"round {rnd['key']!r} already has an application {key!r}; give another id")
            company_id = repo.company_ids(conn, [company]).get(company)
            if company_id is None:
                problems.append(f"no company with company_id {company!r} is stored; find it with "
                                "'exportplan companies list --search NAME'")
            if problems:
                raise ExportPlanError(f"Application {key!r} to round {rnd['key']!r} was not added: "
                                      + "; ".join(problems) + ".")
            new_id = repo.insert_application(conn, dict(initiative_id=rnd["id"], key=key, company_id=company_id,
                                                        submitted_at=when, cost_usd=cost, fields=json.dumps(values),
                                                        status="submitted"))
            self._audit(conn, "competition application", f"{rnd['key']}/{key}", "created", "", company)
        return new_id

    def withdraw_application(self, round: str, key: str) -> None:
        """Withdraw an application: it is no longer ranked; an award it had is removed (refused once paid against)."""
        with self.ctx.store.transaction() as conn:
            rnd = self._round(conn, round)
            app = self._application(conn, rnd, key)
            if app["status"] == "withdrawn":
                return
            award = _where(repo.awards(conn, rnd["id"]), application=app["application"])
            if len(award):
                if len(_where(repo.receipts(conn, rnd["id"]), application=app["application"])):
                    raise ExportPlanError(f"Application {app['application']} has receipts claimed against its "
                                          "award, so it cannot be withdrawn.")
                repo.delete_award(conn, app["id"])
                self._audit(conn, "competition award", f"{rnd['key']}/{app['application']}", "award_usd",
                            float(award["award_usd"].iloc[0]), "withdrawn")
            repo.set_application_status(conn, app["id"], "withdrawn")
            self._audit(conn, "competition application", f"{rnd['key']}/{app['application']}", "status",
                        app["status"], "withdrawn")

    def applications(self, round: str, *, judge: str | None = None) -> pd.DataFrame:
        """The round's applications; with ``judge``, only those assigned to that judge.

        Columns: application, company, name, submitted_at, cost_usd, status, the round's fields, then for
        staff (no judge) score, rank, judges_assigned, judges_used, judges_conflicted, award; for a judge
        only their own conflict, criteria_scored and score (never another judge's scores).
        """
        rnd = self._round(self.ctx.store, round)
        data = self._data(self.ctx.store, rnd)
        apps = data["applications"]
        labels = list(_rules(rnd).get("fields", {}) or {})
        base = apps[["application", "company", "name", "submitted_at", "cost_usd", "status"]].copy()
        stored = [json.loads(f or "{}") for f in apps["fields"]]
        for field in labels:
            base[field if field not in base.columns else f"field:{field}"] = [s.get(field, "") for s in stored]
        judged = self._judged(data)
        if judge is not None:
            judge = self._judge(self.ctx.store, rnd, judge)
            mine = set(_where(data["assignments"], judge=judge)["application"])
            base = base[base["application"].isin(mine)].reset_index(drop=True)
            own = judged[judged["judge"] == judge].set_index("application") if len(judged) else pd.DataFrame()
            conflicted = set(_where(data["conflicts"], judge=judge)["application"])
            base["conflict"] = base["application"].isin(conflicted)
            base["criteria_scored"] = [int(own.at[a, "criteria_scored"]) if a in own.index else 0
                                       for a in base["application"]]
            base["score"] = [float(own.at[a, "score"]) if a in own.index else math.nan for a in base["application"]]
            return base
        results = self._results(data)
        scores = results.applications.set_index("application") if results else pd.DataFrame()
        ranks = results.ranking.set_index("application")["rank"] if results else pd.Series(dtype="Int64")
        for column in ("score", "judges_assigned", "judges_used", "judges_conflicted"):
            base[column] = [scores.at[a, column] if a in scores.index else math.nan for a in base["application"]]
        base["rank"] = pd.array([ranks.get(a, pd.NA) for a in base["application"]], dtype="Int64")
        awarded = dict(zip(data["awards"]["application"], data["awards"]["award_usd"]))
        base["award"] = [awarded.get(a, 0.0) for a in base["application"]]
        return base

    def application(self, round: str, key: str, *, judge: str | None = None) -> dict:
        """One application with its fields; for a judge, refused unless assigned to them, with only their points."""
        rnd = self._round(self.ctx.store, round)
        app = self._application(self.ctx.store, rnd, key)
        out = {k: app[k] for k in ("application", "company", "name", "submitted_at", "cost_usd", "status")}
        out["fields"] = json.loads(app["fields"] or "{}")
        points = _where(repo.scores(self.ctx.store, rnd["id"]), application=app["application"])
        if judge is not None:
            judge = self._assigned(self.ctx.store, rnd, judge, app)
            mine = points[points["judge"] == judge]
            out["conflict"] = bool(len(_where(repo.conflicts(self.ctx.store, rnd["id"]), judge=judge,
                                              application=app["application"])))
            out["points"] = dict(zip(mine["criterion"], mine["points"]))
            return out
        row = self.applications(round).set_index("application").loc[app["application"]]
        out.update({k: row[k] for k in ("score", "rank", "judges_assigned", "judges_used", "judges_conflicted",
                                        "award")})
        judged = self._judged(self._data(self.ctx.store, rnd))
        out["judges"] = (judged[judged["application"] == app["application"]].drop(columns="application")
                         .to_dict("records") if len(judged) else [])
        return out

    # ---- scores and results ----------------------------------------------------------------------
    def score(self, round: str, judge: str, application: str, points: Mapping[str, Any]) -> None:
        """Store a judge's points (criterion -> points) for an assigned application.

        The points given replace the judge's earlier points for those criteria. Refused: an application
        not assigned to the judge, a declared conflict, an unknown criterion, points that are not a number
        in 0..max_points; every problem is listed and nothing is written.
        """
        if not isinstance(points, Mapping) or not points:
            raise ExportPlanError("Give the points as criterion -> points, e.g. {'market': 8, 'team': 4}.")
        with self.ctx.store.transaction() as conn:
            rnd = self._round(conn, round)
            app = self._application(conn, rnd, application, open_only=True)
            judge = self._assigned(conn, rnd, judge, app)
            conflict = _where(repo.conflicts(conn, rnd["id"]), judge=judge, application=app["application"])
            if len(conflict):
                raise ExportPlanError(f"Judge {judge!r} declared a conflict of interest with {app['application']} "
                                      f"({conflict['reason'].iloc[0]}), so cannot score it.")
            rubric = repo.criteria(conn, rnd["id"])
            if not len(rubric):
                raise ExportPlanError(f"Round {rnd['key']!r} has no rubric yet; set its criteria before scoring.")
            maxima = dict(zip(rubric["key"], rubric["max_points"]))
            problems, values = [], {}
            for criterion, given in points.items():
                criterion, value = check.text(criterion), comp.number(given)
                if criterion not in maxima:
                    problems.append(f"{criterion!r} is not a criterion of the rubric (use {', '.join(maxima)})")
                elif value is None or math.isnan(value) or not 0 <= value <= maxima[criterion]:
                    problems.append(f"{criterion}: {given!r} must be a number from 0 to "
                                    f"{comp.score_words(maxima[criterion])}")
                else:
                    values[criterion] = value
            if problems:
                raise ExportPlanError(f"The scores of {judge} for {app['application']} were not saved: "
                                      + "; ".join(problems) + ".")
            before = _where(repo.scores(conn, rnd["id"]), judge=judge, application=app["application"])
            old = dict(zip(before["criterion"], before["points"]))
            repo.set_points(conn, app["id"], judge, values, self.ctx.clock())
            for criterion, value in values.items():
                if old.get(criterion) != value:
                    self._audit(conn, "competition score", f"{rnd['key']}/{app['application']}",
                                f"{judge}: {criterion}", old.get(criterion, ""), value)

    def results(self, round: str) -> Results:
        """The ranking (ties broken by the documented rule), each judge's scores, the conflicts, what is missing."""
        rnd = self._round(self.ctx.store, round)
        data = self._data(self.ctx.store, rnd)
        if not len(data["rubric"]):
            raise ExportPlanError(f"Round {rnd['key']!r} has no rubric yet; set its criteria, then score.")
        out = self._results(data)
        note = ["Ties broken by: " + "; then ".join(comp.TIE_RULES) + " (docs/competitions.md)."]
        out.ranking.attrs["exportplan"] = self.ws.citations.meta(f"{rnd['name']}: ranking", ("companies",), note)
        return out

    # ---- awards --------------------------------------------------------------------------------
    def decide_awards(self, round: str, *, force: bool = False) -> pd.DataFrame:
        """Decide and store (freeze) the awards down the ranking under the round's cost-share rule and budget.

        Refused when awards are already decided, unless ``force`` (which recomputes them from the scores
        now; refused if an application with receipts would lose its award). Returns
        :func:`~exportplan.analysis.competition_awards.awards`' frame with company and name.
        """
        at, user = self.ctx.clock(), self.ctx.user
        with self.ctx.store.transaction() as conn:
            rnd = self._round(conn, round)
            data = self._data(conn, rnd)
            old = data["awards"]
            if len(old) and not force:
                first = old.iloc[0]
                raise ExportPlanError(f"The awards of round {rnd['key']!r} were decided at {first['decided_at']} by "
                                      f"{first['decided_by'] or 'the local user'} and are frozen; decide them "
                                      "again with force (--force) to recompute them from the scores now.")
            rules, budget = _rules(rnd), self._budget(rnd)
            if not len(data["rubric"]):
                raise ExportPlanError(f"Round {rnd['key']!r} has no rubric and no scores; nothing to award.")
            result = aw.awards(self._results(data).ranking, _cost_share(rnd), budget,
                               min_score=rules.get("min_score"), partial=bool(rules.get("partial", False)))
            paid = set(data["receipts"]["application"])
            lost = sorted(a for a in paid if not (result[result["application"] == a]["award"] > 0).any())
            if lost:
                raise ExportPlanError(f"Recomputing would remove the award of {', '.join(lost)}, against which "
                                      "receipts are claimed; the awards were left as they were.")
            ids = dict(zip(data["applications"]["application"], data["applications"]["id"]))
            rows = [dict(application_id=int(ids[r["application"]]), rank=int(r["rank"]), score=float(r["score"]),
                         award_usd=float(r["award"]), status=r["status"], decided_at=at, decided_by=user)
                    for r in result.to_dict("records") if r["award"] > 0]
            repo.replace_awards(conn, rnd["id"], rows)
            before = dict(zip(old["application"], old["award_usd"]))
            after = {r["application"]: float(r["award"]) for r in result.to_dict("records") if r["award"] > 0}
            for app in sorted(set(before) | set(after)):
                if before.get(app) != after.get(app):
                    self._audit(conn, "competition award", f"{rnd['key']}/{app}", "award_usd", before.get(app, ""),
                                after.get(app, 0.0))
        names = data["applications"].set_index("application")
        result.insert(2, "company", result["application"].map(names["company"]))
        result.insert(3, "name", result["application"].map(names["name"]))
        result.attrs["exportplan"] = self.ws.citations.meta(f"{rnd['name']}: awards", ("companies",),
                                                            [_rule_words(rnd)])
        return result

    def awards(self, round: str) -> pd.DataFrame:
        """The decided (frozen) awards: :data:`AWARD_COLUMNS`, in rank order; empty before they are decided."""
        rnd = self._round(self.ctx.store, round)
        data = self._data(self.ctx.store, rnd)
        out = self._award_frame(data)
        out.attrs["exportplan"] = self.ws.citations.meta(f"{rnd['name']}: awards", ("companies",), [_rule_words(rnd)])
        return out

    def budget(self, round: str) -> pd.DataFrame:
        """One row: the budget, the sum awarded, the budget left, the number of awards, and why in words.

        A round without a budget gives budget and left as NaN, and says so in the reason.
        """
        rnd = self._round(self.ctx.store, round)
        awarded = self._award_frame(self._data(self.ctx.store, rnd))
        if rnd["budget_usd"] is not None and not pd.isna(rnd["budget_usd"]):
            return aw.budget_summary(awarded, self._budget(rnd))
        out = aw.budget_summary(awarded, 0)
        out["budget"] = out["left"] = math.nan
        out["reason"] = f"no award budget is set; {_budget_fix(rnd['key'])}"
        return out

    # ---- receipts and claims ---------------------------------------------------------------------
    def add_receipt(self, round: str, application: str, receipt: str, date, amount, description: str = "") -> int:
        """Record a receipt claimed against an application's award; returns its id."""
        receipt = check.text(receipt)
        if not receipt or len(receipt) > 60:
            raise ExportPlanError(f"Receipt id {receipt!r}: give the receipt's id or invoice number "
                                  "(1 to 60 characters).")
        day = check.date(date, self.ctx.clock(), "receipt date")
        value = check.money(amount, "receipt amount")
        if value is None:
            raise ExportPlanError("The receipt amount is missing; give it in dollars, e.g. 1250.00.")
        with self.ctx.store.transaction() as conn:
            rnd = self._round(conn, round)
            app = self._application(conn, rnd, application)
            data = self._data(conn, rnd)
            if app["application"] not in set(data["awards"]["application"]):
                raise ExportPlanError(f"Application {app['application']} has no award in round {rnd['key']!r}; "
                                      "receipts are claimed only against a decided award.")
            mine = data["receipts"][data["receipts"]["application"] == app["application"]]
            if receipt in set(mine["receipt"]):
                raise ExportPlanError(f"Receipt {receipt!r} is already recorded for {app['application']}.")
            new_id = repo.insert_receipt(conn, app["id"], receipt, day, value, check.text(description))
            self._audit(conn, "competition receipt", f"{rnd['key']}/{app['application']}", receipt, "", value)
        return new_id

    def claim_lines(self, round: str) -> pd.DataFrame:
        """Each receipt reimbursed in date order under the cost-share rule, never above the award."""
        rnd = self._round(self.ctx.store, round)
        data = self._data(self.ctx.store, rnd)
        return aw.claim_lines(self._award_frame(data), data["receipts"], _cost_share(rnd))

    def claims(self, round: str) -> pd.DataFrame:
        """Per award: receipts, eligible total, reimbursed and still claimable."""
        rnd = self._round(self.ctx.store, round)
        data = self._data(self.ctx.store, rnd)
        out = aw.claims(self._award_frame(data), data["receipts"], _cost_share(rnd))
        out.attrs["exportplan"] = self.ws.citations.meta(f"{rnd['name']}: claims", ("companies",), [_rule_words(rnd)])
        return out

    # ---- helpers ---------------------------------------------------------------------------------
    def _round(self, source, key: str) -> dict:
        key = check.text(key)
        found = repo.round_row(source, key)
        if found is None:
            raise ExportPlanError(f"No competition round {key!r} is stored; add it with ws.initiatives.add({key!r}, "
                                  "'competition', NAME, budget_usd=..., rules=...).")
        if found["kind"] != "competition":
            raise ExportPlanError(f"{key!r} is a {found['kind']}, not a competition round; name a round of kind "
                                  "'competition'.")
        return found

    def _judge(self, source, rnd: dict, judge: str) -> str:
        judge = check.text(judge)
        if judge not in set(repo.judges(source, rnd["id"])["judge"]):
            raise ExportPlanError(f"{judge!r} is not a judge of round {rnd['key']!r}; add the judge first.")
        return judge

    def _application(self, source, rnd: dict, key: str, *, open_only: bool = False) -> dict:
        found = repo.application(source, rnd["id"], check.text(key))
        if found is None:
            raise ExportPlanError(f"Round {rnd['key']!r} has no application {key!r}; list them with "
                                  "applications(round).")
        if open_only and found["status"] == "withdrawn":
            raise ExportPlanError(f"Application {found['application']} was withdrawn.")
        return found

    def _assigned(self, source, rnd: dict, judge: str, app: dict) -> str:
        judge = self._judge(source, rnd, judge)
        if not len(_where(repo.assignments(source, rnd["id"]), judge=judge, application=app["application"])):
            raise ExportPlanError(f"Application {app['application']} is not assigned to you ({judge}); a judge sees "
                                  "and scores only the applications assigned to them.")
        return judge

    def _data(self, source, rnd: dict) -> dict[str, pd.DataFrame]:
        """The round's stored rows; assignments, scores and conflicts of withdrawn applications left out."""
        rid = rnd["id"]
        apps = repo.applications(source, rid)
        live = set(apps.loc[apps["status"] != "withdrawn", "application"])
        out = {"rubric": repo.criteria(source, rid), "applications": apps, "judges": repo.judges(source, rid),
               "awards": repo.awards(source, rid), "receipts": repo.receipts(source, rid)}
        for name, read in (("assignments", repo.assignments), ("scores", repo.scores), ("conflicts", repo.conflicts)):
            frame = read(source, rid)
            out[name] = frame[frame["application"].isin(live)].reset_index(drop=True)
        return out

    @staticmethod
    def _check(data: dict) -> comp.Round:
        apps = data["applications"]
        live = apps[apps["status"] != "withdrawn"]
        return comp.check_round(data["rubric"], pd.DataFrame({"application": live["application"],
                                                              "submitted_at": live["submitted_at"],
                                                              "cost": live["cost_usd"]}),
                                data["judges"][["judge"]], data["assignments"][["judge", "application"]],
                                data["scores"][["judge", "application", "criterion", "points"]],
                                data["conflicts"][["judge", "application", "reason"]])

    def _judged(self, data: dict) -> pd.DataFrame:
        return comp.judge_scores(self._check(data)) if len(data["rubric"]) else pd.DataFrame(
            columns=list(comp.JUDGE_SCORE_COLUMNS))

    def _results(self, data: dict) -> Results | None:
        if not len(data["rubric"]):
            return None
        rnd = self._check(data)
        ranked = comp.ranking(rnd)
        names = data["applications"].set_index("application")
        ranked.insert(2, "company", ranked["application"].map(names["company"]))
        ranked.insert(3, "name", ranked["application"].map(names["name"]))
        return Results(ranked, comp.application_scores(rnd), comp.judge_scores(rnd), comp.conflicts(rnd),
                       comp.missing_scores(rnd), rnd.rubric)

    @staticmethod
    def _award_frame(data: dict) -> pd.DataFrame:
        stored, apps = data["awards"], data["applications"].set_index("application")
        out = pd.DataFrame({"rank": stored["rank"].astype("Int64"), "application": stored["application"],
                            "company": stored["application"].map(apps["company"]),
                            "name": stored["application"].map(apps["name"]), "score": stored["score"],
                            "cost_usd": stored["application"].map(apps["cost_usd"]).astype("float64"),
                            "award": stored["award_usd"], "status": stored["status"],
                            "decided_at": stored["decided_at"], "decided_by": stored["decided_by"]})
        return out[list(AWARD_COLUMNS)].reset_index(drop=True)

    @staticmethod
    def _budget(rnd: dict) -> float:
        if rnd["budget_usd"] is None or pd.isna(rnd["budget_usd"]):
            raise ExportPlanError(f"Round {rnd['key']!r} has no award budget; {_budget_fix(rnd['key'])}.")
        # whole cents, rounded down, as awards() holds it (budget_summary alone would round half up)
        return float(Decimal(str(float(rnd["budget_usd"]))).quantize(comp.CENT, rounding=ROUND_DOWN))

    def _when(self, value, problems: list[str]) -> str:
        """A submission time (a date, or a date and time) as 'YYYY-MM-DD HH:MM:SS' UTC; now when blank."""
        moment = pd.to_datetime(str(self.ctx.clock() if check.blank(value) else value), errors="coerce", utc=True)
        if pd.isna(moment):
            problems.append(f"submitted_at {value!r} is not a date and time; write it as YYYY-MM-DD HH:MM")
            return ""
        return moment.strftime("%Y-%m-%d %H:%M:%S")

    @staticmethod
    def _fields(rnd: dict, fields, problems: list[str]) -> dict[str, str]:
        """The application's fields checked against the round's ``rules["fields"]`` (missing and unknown listed)."""
        wanted = _rules(rnd).get("fields", {}) or {}
        wanted = dict(wanted) if isinstance(wanted, Mapping) else {str(k): str(k) for k in wanted}
        if not isinstance(fields, Mapping):
            problems.append("fields must be a mapping of field -> text, e.g. {'project': 'Trade show in Toronto'}")
            return {}
        given = {check.text(k): check.text(v) for k, v in fields.items()}
        missing = [f"{k} ({label})" for k, label in wanted.items() if not given.get(k)]
        unknown = [k for k in given if k not in wanted]
        if missing:
            problems.append(f"missing field(s): {', '.join(missing)}")
        if unknown:
            problems.append(f"unknown field(s): {', '.join(unknown)} (the round's fields are "
                            f"{', '.join(wanted) or 'none'})")
        return {k: given[k] for k in wanted if k in given}

    def _audit(self, conn, entity: str, entity_id: str, field: str, old, new) -> None:
        row = dict(at=self.ctx.clock(), user=self.ctx.user, entity=entity, entity_id=entity_id, field=field,
                   old=check.shown(old), new=check.shown(new))
        audit_log.add_changes(self.ctx.store, conn, [row])


def _where(frame: pd.DataFrame, **equal) -> pd.DataFrame:
    """The rows of ``frame`` whose columns equal the values given."""
    keep = pd.Series(True, index=frame.index)
    for column, value in equal.items():
        keep &= frame[column] == value
    return frame[keep]


def _budget_fix(key: str) -> str:
    return (f"set it with 'initiatives update {key} --set budget_usd=20000' "
            f"(ws.initiatives.update({key!r}, budget_usd=20000))")


def _rules(rnd: dict) -> dict:
    try:
        rules = json.loads(rnd["rules"] or "{}")
    except ValueError:
        raise ExportPlanError(f"Round {rnd['key']!r}: its stored rules are not valid JSON; set them again with "
                              "ws.initiatives.update(key, rules=...).") from None
    return rules if isinstance(rules, dict) else {}


def _cost_share(rnd: dict) -> aw.CostShare:
    rule = _rules(rnd).get("cost_share")
    if not isinstance(rule, dict) or not rule.get("tiers"):
        raise ExportPlanError(f"Round {rnd['key']!r} has no cost-share rule; give the round one ('initiatives add' "
                              "--tier 2500:1.0 --tier 7500:0.5 --cap 5000, or ws.initiatives.update(key, rules="
                              "{'cost_share': {'tiers': [[2500, 1.0], [7500, 0.5]], 'cap': 5000}, ...})).")
    return aw.CostShare([tuple(t) for t in rule["tiers"]], cap=rule.get("cap"))


def _rule_words(rnd: dict) -> str:
    try:
        rule = _cost_share(rnd)
    except ExportPlanError:
        return "No cost-share rule is set for this round."
    tiers = "; ".join(f"{s * 100:g}% up to {'no limit' if math.isinf(u) else comp.usd(u)}" for u, s in rule.tiers)
    cap = f", capped at {comp.usd(rule.cap)} per award" if rule.cap is not None else ""
    return f"Cost-share rule: {tiers}{cap}. Awards are frozen when decided (docs/competitions.md)."


def _rubric_words(rows: list[dict]) -> str:
    return "; ".join(f"{r['key']} (weight {comp.score_words(r['weight'])}, out of {comp.score_words(r['max_points'])})"
                     for r in rows)
