"""A pitch competition round: the rubric, the judges' scores, the ranking, the awards and the claims.

Pure functions over frames (issue 12, "Pitch competitions"; the rules with worked examples are in
docs/competitions.md). The organization sets:

- a **rubric**: weighted criteria (key, label, weight > 0, max_points > 0); weights are normalised
  to shares that sum to 1;
- the **applications** (application id; optional submitted_at, the eligible project ``cost``);
- the **judges** and the **assignments** (judge, application): a judge scores only what they are
  assigned;
- the **scores** (judge, application, criterion, points in 0..max_points) and the **conflicts of
  interest** (judge, application, reason).

:func:`check_round` validates all of it at once (every problem in one table: row, column, value,
problem, fix) and returns a :class:`Round`. From it: :func:`judge_scores` (each judge's weighted
score, 0-100), :func:`application_scores` (the mean over the judges used), :func:`ranking` (ties
broken by :data:`TIE_RULES`), :func:`conflicts` and :func:`missing_scores` (what the organization
must follow up). Awards go down the ranking under a :class:`CostShare` rule within a budget
(``competition_awards``: ``awards``, ``budget_summary``); ``claims`` and ``claim_lines`` reimburse
receipts against each award.
"""
from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

from exportplan.errors import ErrorTable, ExportPlanError

#: How the ranking breaks ties, in order (docs/competitions.md, "Ranking").
TIE_RULES = (
    "higher mean score",
    "higher mean score on the highest-weight criterion, then the next (equal weights: rubric order)",
    "more judges used (a mean over more judges is better evidence)",
    "earlier submission time (a missing time comes after every given time)",
    "application id, in text order",
)
#: Scores that agree to this many decimals are tied (weights are floats; sums in another order differ
#: in the last bits).
TIE_DECIMALS = 9
RUBRIC_COLUMNS = ("key", "label", "weight", "max_points", "share")
JUDGE_SCORE_COLUMNS = ("judge", "application", "score", "criteria_scored", "complete", "conflict", "used", "reason")
APPLICATION_SCORE_COLUMNS = ("application", "score", "judges_assigned", "judges_used", "judges_conflicted",
                             "judges_incomplete", "reason")
RANKING_COLUMNS = ("rank", "application", "score", "judges_used", "submitted_at", "cost", "tie_break", "reason")
CENT = Decimal("0.01")


# --- small helpers -------------------------------------------------------------------------------

def text(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value is pd.NaT:
        return ""
    return str(value).strip()


def number(value) -> float | None:
    """A number, ``None`` for blank, NaN for text that is not a number."""
    if text(value) == "":
        return None
    try:
        out = float(str(value).replace(",", "").replace("$", "").strip())
    except ValueError:
        return math.nan
    return out if math.isfinite(out) else math.nan


def cents(value) -> Decimal:
    """Dollars as a Decimal of whole cents (half a cent rounds up)."""
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


def usd(value) -> str:
    """$2,500 or $2,500.50: money as the reasons print it."""
    amount = cents(value)
    return f"${amount:,.0f}" if amount == amount.to_integral_value() else f"${amount:,.2f}"


def score_words(value: float) -> str:
    """82.5, 80, 66.67: a score as the reasons print it."""
    return f"{round(float(value), 2):g}"


def frame_of(data, what: str, needs: Sequence[str]) -> pd.DataFrame:
    rows = None if isinstance(data, pd.DataFrame) else list(data if data is not None else [])
    frame = data.copy() if rows is None else pd.DataFrame(rows) if rows else pd.DataFrame(columns=list(needs))
    missing = [c for c in needs if c not in frame.columns]
    if missing:
        raise ExportPlanError(f"The {what} need the column(s) {', '.join(missing)}; they have "
                              f"{', '.join(map(str, frame.columns)) or 'none'}. Name the columns as documented "
                              f"in docs/competitions.md.")
    return frame.reset_index(drop=True)


class Problems(ErrorTable):
    def bad(self, file: str, row: int, column: str, value, problem: str, fix: str) -> None:
        self.add(problem, fix, file=file, row=row, column=column, value=text(value))


# --- the rubric ----------------------------------------------------------------------------------

def check_rubric(rubric) -> pd.DataFrame:
    """The rubric checked, with each criterion's ``share`` (its weight over the sum of the weights).

    ``rubric`` is a frame or a list of dicts with key, weight, max_points (label optional: the key).
    Raises :class:`~exportplan.errors.ImportFailed` listing every blank or repeated key and every weight
    or maximum that is not a number above 0.
    """
    frame = frame_of(rubric, "rubric", ("key", "weight", "max_points"))
    problems, rows, seen = Problems(), [], set()
    for i, rec in enumerate(frame.to_dict("records"), start=1):
        key = text(rec.get("key"))
        if not key:
            problems.bad("rubric", i, "key", "", "a criterion needs a key", "give a short key such as 'market'")
        elif key in seen:
            problems.bad("rubric", i, "key", key, "this key is used by an earlier criterion",
                         "give each criterion its own key, or merge the two rows into one")
        seen.add(key)
        values = {}
        for column, example in (("weight", "30"), ("max_points", "10")):
            values[column] = number(rec.get(column))
            if values[column] is None or math.isnan(values[column]) or values[column] <= 0:
                problems.bad("rubric", i, column, rec.get(column), f"the {column} must be a number above 0",
                             f"give a positive number such as {example} (drop a criterion rather than weigh it 0)")
        rows.append({"key": key, "label": text(rec.get("label")) or key, **values})
    if not rows:
        problems.add("the rubric has no criteria", "give at least one criterion (key, label, weight, max_points)",
                     file="rubric")
    problems.raise_if_any("Checking the rubric")
    out = pd.DataFrame(rows)
    out["share"] = out["weight"] / out["weight"].sum()
    return out[list(RUBRIC_COLUMNS)]


# --- a round -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Round:
    """A competition round's checked frames (see :func:`check_round`)."""

    rubric: pd.DataFrame        # key, label, weight, max_points, share
    applications: pd.DataFrame  # application, submitted_at (datetime, NaT), cost (float, NaN), ...
    judges: pd.DataFrame        # judge, ...
    assignments: pd.DataFrame   # judge, application
    scores: pd.DataFrame        # judge, application, criterion, points
    conflicts: pd.DataFrame     # judge, application, reason


def _ids(frame: pd.DataFrame, column: str, file: str, problems: Problems) -> list[str]:
    ids, seen = [], set()
    for i, value in enumerate(frame[column].tolist(), start=1):
        key = text(value)
        if not key:
            problems.bad(file, i, column, "", f"a blank {column} id", f"give every row its {column} id")
        elif key in seen:
            problems.bad(file, i, column, key, f"this {column} id is repeated", f"list each {column} once")
        seen.add(key)
        ids.append(key)
    return ids


def _pairs(frame: pd.DataFrame, file: str, judges: set, apps: set, problems: Problems) -> list[tuple[str, str]]:
    """(judge, application) of each row, with unknown ids reported."""
    out = []
    for i, rec in enumerate(frame.to_dict("records"), start=1):
        judge, app = text(rec.get("judge")), text(rec.get("application"))
        if judge not in judges:
            problems.bad(file, i, "judge", judge, "unknown judge",
                         "use a judge id from the judges list, or add the judge")
        if app not in apps:
            problems.bad(file, i, "application", app, "unknown application",
                         "use an application id from the applications, or add the application")
        out.append((judge, app))
    return out


def check_round(rubric, applications, judges, assignments, scores, conflicts=None) -> Round:
    """Every input of a round checked at once; raises :class:`~exportplan.errors.ImportFailed` listing all problems.

    Refused: an unknown judge, application or criterion; points that are not a number in 0..max_points;
    the same judge, application and criterion scored twice; a judge scoring an application not assigned
    to them (a judge sees only their assignments); a repeated assignment or conflict; a conflict
    without a reason; a submission time or cost that cannot be read. Not refused, but reported by
    :func:`conflicts` and :func:`missing_scores`: a conflicted judge's scores (excluded from the
    scores) and a judge who has not scored every criterion (left out of that application's mean).
    """
    rub = check_rubric(rubric)
    apps = frame_of(applications, "applications", ("application",))
    judge_frame = (frame_of(judges, "judges", ("judge",)) if isinstance(judges, pd.DataFrame)
                   else pd.DataFrame({"judge": list(judges or [])}))
    assign = frame_of(assignments, "assignments", ("judge", "application"))
    score = frame_of(scores, "scores", ("judge", "application", "criterion", "points"))
    conflict = frame_of(conflicts, "conflicts", ("judge", "application", "reason"))
    problems = Problems()
    apps["application"] = _ids(apps, "application", "applications", problems)
    judge_frame["judge"] = _ids(judge_frame, "judge", "judges", problems)
    app_set, judge_set = set(apps["application"]) - {""}, set(judge_frame["judge"]) - {""}
    if "submitted_at" not in apps.columns:
        apps["submitted_at"] = None
    if "cost" not in apps.columns:
        apps["cost"] = None
    times, costs = [], []
    for i, rec in enumerate(apps.to_dict("records"), start=1):
        raw = text(rec.get("submitted_at"))
        when = pd.to_datetime(raw, errors="coerce") if raw else pd.NaT
        if raw and pd.isna(when):
            problems.bad("applications", i, "submitted_at", raw, "not a date and time",
                         "give it as YYYY-MM-DD HH:MM, or leave it blank")
        times.append(when)
        cost = number(rec.get("cost"))
        if cost is not None and (math.isnan(cost) or cost < 0):
            problems.bad("applications", i, "cost", rec.get("cost"), "the cost must be a number of dollars, 0 or more",
                         "give the eligible project cost, e.g. 6000, or leave it blank")
        costs.append(math.nan if cost is None or math.isnan(cost) else cost)
    apps["submitted_at"], apps["cost"] = pd.to_datetime(pd.Series(times, dtype="object")), costs
    assigned = _pairs(assign, "assignments", judge_set, app_set, problems)
    earlier: set[tuple[str, str]] = set()
    for i, pair in enumerate(assigned, start=1):
        if pair in earlier:
            problems.bad("assignments", i, "application", pair[1],
                         f"judge {pair[0]} is already assigned this application",
                         "list each assignment once")
        earlier.add(pair)
    earlier = set()
    conflict_pairs = _pairs(conflict, "conflicts", judge_set, app_set, problems)
    for i, (pair, reason) in enumerate(zip(conflict_pairs, conflict["reason"].tolist()), start=1):
        if pair in earlier:
            problems.bad("conflicts", i, "application", pair[1], "this conflict is already recorded",
                         "record each judge's conflict with an application once")
        earlier.add(pair)
        if not text(reason):
            problems.bad("conflicts", i, "reason", "", "a conflict needs its reason",
                         "say why, e.g. 'advises the company' or 'former employer'")
    maxima = dict(zip(rub["key"], rub["max_points"]))
    assigned_set, seen, points = set(assigned), set(), []
    for i, ((judge, app), rec) in enumerate(zip(_pairs(score, "scores", judge_set, app_set, problems),
                                                score.to_dict("records")), start=1):
        criterion, value = text(rec.get("criterion")), number(rec.get("points"))
        if criterion not in maxima:
            problems.bad("scores", i, "criterion", criterion, "unknown criterion",
                         f"use one of the rubric's keys: {', '.join(maxima)}")
        elif value is None or math.isnan(value) or not 0 <= value <= maxima[criterion]:
            problems.bad("scores", i, "points", rec.get("points"), f"points must be a number from 0 to "
                         f"{score_words(maxima[criterion])} (the criterion's max_points)", "correct the judge's points")
        if judge in judge_set and app in app_set and (judge, app) not in assigned_set:
            problems.bad("scores", i, "application", app, f"judge {judge} is not assigned this application",
                         "remove the score, or assign the application to the judge first")
        if (judge, app, criterion) in seen:
            problems.bad("scores", i, "criterion", criterion, f"judge {judge} already scored this criterion "
                         f"for {app}", "keep one score per judge, application and criterion")
        seen.add((judge, app, criterion))
        points.append(value)
    problems.raise_if_any("Checking the competition round")
    score = pd.DataFrame({"judge": score["judge"].map(text), "application": score["application"].map(text),
                          "criterion": score["criterion"].map(text), "points": pd.Series(points, dtype="float64")})
    return Round(rub, apps, judge_frame, pd.DataFrame(assigned, columns=["judge", "application"]), score,
                 pd.DataFrame({"judge": [p[0] for p in conflict_pairs], "application": [p[1] for p in conflict_pairs],
                               "reason": conflict["reason"].map(text).tolist()}))


# --- scores --------------------------------------------------------------------------------------

def _conflicted(rnd: Round) -> dict[tuple[str, str], str]:
    return {(j, a): r for j, a, r in rnd.conflicts[["judge", "application", "reason"]].itertuples(index=False)}


def judge_scores(rnd: Round) -> pd.DataFrame:
    """One row per assignment: the judge's weighted score 0-100 (sum of share x points / max_points x 100).

    ``complete`` says whether every criterion is scored (only then is there a score); ``used`` whether
    it counts in the application's mean (complete and no conflict).
    """
    shares = dict(zip(rnd.rubric["key"], rnd.rubric["share"]))
    maxima = dict(zip(rnd.rubric["key"], rnd.rubric["max_points"]))
    conflicted, rows = _conflicted(rnd), []
    grouped = {k: dict(zip(g["criterion"], g["points"])) for k, g in rnd.scores.groupby(["judge", "application"])}
    for judge, app in rnd.assignments.itertuples(index=False):
        given = grouped.get((judge, app), {})
        missing = [k for k in shares if k not in given]
        score = math.nan if missing else 100 * sum(shares[k] * given[k] / maxima[k] for k in shares)
        conflict = (judge, app) in conflicted
        if conflict:
            reason = f"excluded: conflict of interest ({conflicted[(judge, app)]})"
        elif missing:
            reason = (f"left out: {len(missing)} of {len(shares)} criteria not scored "
                      f"({', '.join(missing)})")
        else:
            reason = f"weighted score {score_words(score)}"
        rows.append({"judge": judge, "application": app, "score": score, "criteria_scored": len(shares) - len(missing),
                     "complete": not missing, "conflict": conflict, "used": not missing and not conflict,
                     "reason": reason})
    out = pd.DataFrame(rows, columns=list(JUDGE_SCORE_COLUMNS))
    return out.astype({"score": "float64", "criteria_scored": "int64", "complete": bool, "conflict": bool,
                       "used": bool})


def _criterion_means(rnd: Round, used: pd.DataFrame) -> pd.DataFrame:
    """Mean points / max_points x 100 per application and criterion, over the judges used."""
    keep = rnd.scores.merge(used[["judge", "application"]], on=["judge", "application"])
    if keep.empty:
        return pd.DataFrame()
    keep = keep.assign(pct=100 * keep["points"] / keep["criterion"].map(dict(zip(rnd.rubric["key"],
                                                                                rnd.rubric["max_points"]))))
    return keep.pivot_table(index="application", columns="criterion", values="pct", aggfunc="mean")


def application_scores(rnd: Round) -> pd.DataFrame:
    """One row per application: the mean of the used judges' scores, the judges counted, and why in words.

    Also a ``criterion:<key>`` column per criterion (mean points as a share of the maximum, 0-100),
    which the ranking's tie-break reads. An application no judge completed has no score (NaN).
    """
    judged = judge_scores(rnd)
    means = _criterion_means(rnd, judged[judged["used"]])
    rows = []
    for app in rnd.applications["application"]:
        mine = judged[judged["application"] == app]
        used, conflicted = mine[mine["used"]], mine[mine["conflict"]]
        incomplete = mine[~mine["complete"] & ~mine["conflict"]]
        score = float(used["score"].mean()) if len(used) else math.nan
        n = len(mine)
        parts = [f"{n} judge{'s' if n != 1 else ''}" if n else "no judge assigned"]
        if len(conflicted):
            parts.append(f"{len(conflicted)} excluded for a conflict")
        if len(incomplete):
            parts.append(f"{len(incomplete)} left out for missing scores ({', '.join(incomplete['judge'])})")
        over = f" over {len(used)} judges used" if len(used) != n else ""
        reason = ", ".join(parts) + (f"; mean {score_words(score)}{over}" if len(used)
                                     else "; no complete score, not ranked")
        row = {"application": app, "score": score, "judges_assigned": n, "judges_used": len(used),
               "judges_conflicted": len(conflicted), "judges_incomplete": len(incomplete), "reason": reason}
        for key in rnd.rubric["key"]:
            row[f"criterion:{key}"] = (float(means.loc[app, key]) if app in means.index and key in means.columns
                                       else math.nan)
        rows.append(row)
    return pd.DataFrame(rows, columns=list(APPLICATION_SCORE_COLUMNS) + [f"criterion:{k}" for k in rnd.rubric["key"]])


def conflicts(rnd: Round) -> pd.DataFrame:
    """Each recorded conflict: whether the judge was assigned (they should not have been) and scores excluded."""
    assigned = set(rnd.assignments.itertuples(index=False, name=None))
    scored = rnd.scores.groupby(["judge", "application"]).size().to_dict()
    rows = []
    for judge, app, why in rnd.conflicts[["judge", "application", "reason"]].itertuples(index=False):
        was, n = (judge, app) in assigned, int(scored.get((judge, app), 0))
        note = (f"assigned although conflicted: should not have been assigned; {n} score(s) excluded" if was
                else "not assigned: nothing to exclude")
        rows.append({"judge": judge, "application": app, "conflict": why, "assigned": was, "scores_excluded": n,
                     "reason": note})
    return pd.DataFrame(rows, columns=["judge", "application", "conflict", "assigned", "scores_excluded", "reason"])


def missing_scores(rnd: Round) -> pd.DataFrame:
    """Assignments of non-conflicted judges that lack a score for some criterion: what to chase."""
    judged = judge_scores(rnd)
    todo = judged[~judged["complete"] & ~judged["conflict"]]
    given = rnd.scores.groupby(["judge", "application"])["criterion"].agg(set).to_dict()
    rows = []
    for judge, app in todo[["judge", "application"]].itertuples(index=False):
        lack = [k for k in rnd.rubric["key"] if k not in given.get((judge, app), set())]
        rows.append({"judge": judge, "application": app, "missing": ", ".join(lack),
                     "reason": f"{judge} has not scored {', '.join(lack)}; {app}'s score uses the judges who "
                               f"completed it"})
    return pd.DataFrame(rows, columns=["judge", "application", "missing", "reason"])


# --- ranking -------------------------------------------------------------------------------------

def _criteria_by_weight(rubric: pd.DataFrame) -> list[str]:
    """The criteria in tie-break order: highest weight first, equal weights in rubric order."""
    order = sorted(range(len(rubric)), key=lambda i: (-float(rubric["weight"].iloc[i]), i))
    return [rubric["key"].iloc[i] for i in order]


def ranking(rnd: Round) -> pd.DataFrame:
    """The applications in rank order, ties broken by :data:`TIE_RULES`; ``tie_break`` says which rule decided.

    Every scored application gets its own rank (1, 2, 3 ...); applications without a complete score
    come last with no rank.
    """
    scores = application_scores(rnd)
    apps = rnd.applications.set_index("application")
    criteria = _criteria_by_weight(rnd.rubric)
    labels = dict(zip(rnd.rubric["key"], rnd.rubric["label"]))

    def key(row: dict) -> tuple:
        when = apps.at[row["application"], "submitted_at"]
        return ((0, -round(row["score"], TIE_DECIMALS)) if not math.isnan(row["score"]) else (1, 0.0),
                tuple(-round(row[f"criterion:{k}"], TIE_DECIMALS) if not math.isnan(row[f"criterion:{k}"]) else 0.0
                      for k in criteria),
                -row["judges_used"], (1, 0) if pd.isna(when) else (0, when.value), row["application"])

    rows = sorted(scores.to_dict("records"), key=key)
    out, previous = [], None
    for position, row in enumerate(rows, start=1):
        scored = not math.isnan(row["score"])
        tie = ""
        if previous is not None and scored and key(previous)[0] == key(row)[0]:
            tie = _tie_words(previous, row, key(previous), key(row), criteria, labels, apps)
        out.append({"rank": position if scored else pd.NA, "application": row["application"], "score": row["score"],
                    "judges_used": row["judges_used"], "submitted_at": apps.at[row["application"], "submitted_at"],
                    "cost": apps.at[row["application"], "cost"], "tie_break": tie, "reason": row["reason"]})
        previous = row
    frame = pd.DataFrame(out, columns=list(RANKING_COLUMNS))
    frame["rank"] = frame["rank"].astype("Int64")
    return frame


def _tie_words(ahead: dict, row: dict, k_ahead: tuple, k_row: tuple, criteria: list[str], labels: dict,
               apps: pd.DataFrame) -> str:
    """Why ``row`` comes after ``ahead`` although their mean scores are equal."""
    start = f"tied with {ahead['application']} on the mean score {score_words(row['score'])}; after it by "
    for i, crit in enumerate(criteria):
        if k_ahead[1][i] != k_row[1][i]:
            return (start + f"the score on '{labels[crit]}' ({score_words(ahead[f'criterion:{crit}'])} vs "
                    f"{score_words(row[f'criterion:{crit}'])})")
    if k_ahead[2] != k_row[2]:
        return start + f"more judges used ({ahead['judges_used']} vs {row['judges_used']})"
    if k_ahead[3] != k_row[3]:
        when = apps.at[row["application"], "submitted_at"]
        return (start + f"earlier submission ({apps.at[ahead['application'], 'submitted_at']} vs "
                f"{'no time' if pd.isna(when) else when})")
    return start + "application id (equal on every other rule)"
