"""The export readiness assessment: 20 questions, a documented score and a suggested stage (issue 9, item 4).

Pure functions, no I/O; staff confirm the suggested stage (the service keeps the history).

Scoring (docs/methods.md, "Exporter pipeline"):

- Each item's answer earns points (0 up to the item's maximum, 2 or 3). An item's share is its
  points divided by its maximum, so every item counts equally.
- ``score`` (0-100) is the mean share of the *answered* items x 100; ``by_area`` is the same
  mean within each of the seven areas (None when no item of the area is answered).
- Unanswered items (absent, None or blank) are **left out**, never counted as zero: they are
  listed in ``missing`` and lower ``coverage`` (answered items / all items). A score on low
  coverage is flagged in the reasons, and cannot make a company export-ready (below).

Suggested stage (in this order):

1. Exporting facts decide among the exporting stages. ``markets`` (foreign markets the company
   sells to now; when not given, the answer to ``export_markets``) and ``export_sales`` (latest
   year, USD): a company with at least one market or any export sales exports.
   - 1 market (or sales but no market count): ``new-to-export``;
   - 2 or more markets: ``active``, or ``expanding`` when it also targets at least one market
     it does not sell to yet (``new_target_markets`` >= 1: entering new markets deliberately).
2. A company that does not export is ``export-ready`` when its score is at least
   :data:`READY_SCORE` (60) on a coverage of at least :data:`MIN_COVERAGE` (75%, 15 of 20
   items); otherwise ``not ready``.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from exportplan.analysis.pipeline_terms import STAGES
from exportplan.errors import ExportPlanError

#: The score (0-100) at or above which a company that does not export yet is export-ready.
READY_SCORE = 60.0
#: The least share of items answered for an export-ready suggestion.
MIN_COVERAGE = 0.75
AREAS = ("management commitment", "capacity", "finance", "export experience",
         "marketing and product adaptation", "intellectual property", "logistics")


@dataclass(frozen=True)
class Answer:
    key: str
    label: str
    points: int


@dataclass(frozen=True)
class Item:
    key: str
    area: str
    question: str
    answers: tuple[Answer, ...]

    @property
    def max_points(self) -> int:
        return max(a.points for a in self.answers)

    def answer(self, key: str) -> Answer:
        for a in self.answers:
            if a.key == key:
                return a
        valid = ", ".join(a.key for a in self.answers)
        raise ExportPlanError(f"Readiness item '{self.key}': unknown answer {key!r}; valid answers: {valid}.")


def _item(key: str, area: str, question: str, *answers: tuple[str, str, int]) -> Item:
    return Item(key, area, question, tuple(Answer(*a) for a in answers))


_NO_SOME_YES = (("no", "no", 0), ("partly", "partly", 1), ("yes", "yes", 2))

ITEMS: tuple[Item, ...] = (
    _item("management_commitment", "management commitment",
          "Is senior management committed to exporting, with time and money set aside?",
          ("no", "not interested", 0), ("interested", "interested, nothing set aside", 1),
          ("committed", "committed, no budget yet", 2), ("budgeted", "committed with budget and staff time", 3)),
    _item("export_goals", "management commitment",
          "Has the company set export goals (markets, sales, timing)?",
          ("none", "no goals", 0), ("informal", "informal goals", 1), ("written", "a written export plan", 2)),
    _item("export_staff", "management commitment", "Who handles export work?",
          ("nobody", "nobody", 0), ("owner", "the owner, part-time", 1),
          ("named", "a named staff member", 2), ("team", "a dedicated person or team", 3)),
    _item("spare_capacity", "capacity",
          "Could the company fill 10-20% more orders within a year without hurting U.S. customers?",
          ("no", "no", 0), ("difficult", "with difficulty", 1), ("yes", "yes", 2)),
    _item("domestic_sales", "capacity", "Where does the product sell in the United States?",
          ("local", "locally", 0), ("regional", "in several states", 1), ("national", "nationally", 2)),
    _item("years_in_business", "capacity", "How long has the company been in business?",
          ("under_2", "under 2 years", 0), ("2_to_5", "2-5 years", 1), ("over_5", "over 5 years", 2)),
    _item("export_budget", "finance",
          "Can the company fund export development (travel, shows, adaptation) for 1-2 years before it pays?",
          ("no", "no", 0), ("partly", "partly", 1), ("yes", "yes", 2)),
    _item("getting_paid", "finance",
          "Does it know how to get paid abroad (cash in advance, letters of credit, credit insurance)?",
          ("no", "no", 0), ("some", "some knowledge", 1), ("used", "yes, has used them", 2)),
    _item("working_capital", "finance", "Could it finance larger orders (working capital, export loans)?",
          *_NO_SOME_YES),
    _item("export_markets", "export experience", "In how many foreign markets does the company sell now?",
          ("none", "none", 0), ("one", "one", 1), ("two_to_four", "2-4", 2), ("five_plus", "5 or more", 3)),
    _item("foreign_inquiries", "export experience", "Has it had foreign inquiries or orders?",
          ("none", "none", 0), ("inquiries", "inquiries only", 1), ("filled", "filled foreign orders", 2)),
    _item("export_training", "export experience",
          "Have staff had export training or counseling (SBDC, U.S. Commercial Service, DEC)?", *_NO_SOME_YES),
    _item("market_research", "marketing and product adaptation", "Has it researched its target markets?",
          ("none", "no", 0), ("informal", "informally", 1), ("formal", "formally (data, visits, reports)", 2)),
    _item("product_adaptation", "marketing and product adaptation",
          "Can the product meet foreign standards, labelling and language rules?",
          ("no", "no", 0), ("with_help", "with help", 1), ("done", "yes, has adapted it before", 2)),
    _item("international_marketing", "marketing and product adaptation",
          "Does it have marketing material or a website for foreign buyers?",
          ("none", "none", 0), ("english", "in English only", 1), ("adapted", "adapted or translated", 2)),
    _item("ip_identified", "intellectual property",
          "Has it identified its intellectual property (patents, trademarks, designs, know-how)?", *_NO_SOME_YES),
    _item("ip_protected_abroad", "intellectual property",
          "Is that property protected in its target markets (registrations, agreements)?",
          ("no", "no or not considered", 0), ("planned", "planned", 1), ("registered", "registered or covered", 2)),
    _item("shipping", "logistics", "Has it shipped abroad or worked with a freight forwarder?",
          ("no", "no", 0), ("once", "once or twice", 1), ("regularly", "regularly", 2)),
    _item("export_compliance", "logistics",
          "Does it know its product's export classification (Schedule B, ECCN) and licence needs?", *_NO_SOME_YES),
    _item("export_pricing", "logistics",
          "Can it quote a delivered export price with Incoterms, duties and freight?", *_NO_SOME_YES),
)
ITEMS_BY_KEY = {item.key: item for item in ITEMS}
#: Markets implied by the answer to ``export_markets`` when no market count is given.
_MARKETS_FROM_ANSWER = {"none": 0, "one": 1, "two_to_four": 2, "five_plus": 5}


@dataclass(frozen=True)
class ReadinessResult:
    """The outcome of one assessment (see the module notes for the rules)."""

    score: float | None            # 0-100 over the answered items; None when none is answered
    coverage: float                # answered items / all items (0-1)
    by_area: dict[str, float | None]
    missing: tuple[str, ...]       # keys of the unanswered items, in questionnaire order
    suggested_stage: str
    reasons: list[str] = field(default_factory=list)
    points: dict[str, int] = field(default_factory=dict)  # item key -> points of the answer given


def _blank(value: object) -> bool:
    return value is None or value != value or (isinstance(value, str) and not value.strip())


def validate(answers: Mapping[str, str | None]) -> dict[str, str]:
    """The answered items (key -> answer key); ExportPlanError naming the valid keys or answers."""
    unknown = sorted(k for k in answers if k not in ITEMS_BY_KEY)
    if unknown:
        valid = ", ".join(item.key for item in ITEMS)
        raise ExportPlanError(f"Unknown readiness item(s): {', '.join(unknown)}; valid items: {valid}.")
    out = {}
    for key, value in answers.items():
        if _blank(value):
            continue
        ITEMS_BY_KEY[key].answer(str(value).strip())
        out[key] = str(value).strip()
    return out


def _mean(shares: list[float]) -> float | None:
    return round(100 * sum(shares) / len(shares), 1) if shares else None


def score(answers: Mapping[str, str | None], *, markets: int | None = None, export_sales: float | None = None,
          new_target_markets: int | None = None) -> ReadinessResult:
    """Score ``answers`` (item key -> answer key) and suggest a stage from the score and the exporting facts."""
    given = validate(answers)
    points = {k: ITEMS_BY_KEY[k].answer(v).points for k, v in given.items()}
    share = {k: p / ITEMS_BY_KEY[k].max_points for k, p in points.items()}
    total = _mean(list(share.values()))
    by_area = {area: _mean([share[i.key] for i in ITEMS if i.area == area and i.key in share]) for area in AREAS}
    missing = tuple(i.key for i in ITEMS if i.key not in given)
    coverage = round(len(given) / len(ITEMS), 4)
    if markets is None and "export_markets" in given:
        markets = _MARKETS_FROM_ANSWER[given["export_markets"]]
        facts_from = "the answer to export_markets"
    else:
        facts_from = "the facts given"
    stage, reasons = suggested_stage(total, coverage, markets=markets, export_sales=export_sales,
                                     new_target_markets=new_target_markets, facts_from=facts_from)
    reasons += _score_reasons(total, coverage, by_area, missing)
    return ReadinessResult(total, coverage, by_area, missing, stage, reasons, points)


def _exporting_stage(markets: int | None, export_sales: float | None,
                     new_target_markets: int | None) -> tuple[str, str] | None:
    """(stage, why) from the exporting facts, or None when the company does not export."""
    markets = int(markets or 0)
    sales = float(export_sales or 0)
    if markets < 1 and sales <= 0:
        return None
    if markets <= 1:
        why = ("sells to one foreign market" if markets == 1 else
               f"reports export sales (${sales:,.0f}) in no counted market")
        return "new-to-export", why
    if new_target_markets and new_target_markets > 0:
        return "expanding", f"sells to {markets} foreign markets and targets {new_target_markets} more"
    return "active", f"sells to {markets} foreign markets"


def suggested_stage(total: float | None, coverage: float, *, markets: int | None = None,
                    export_sales: float | None = None, new_target_markets: int | None = None,
                    facts_from: str = "the facts given") -> tuple[str, list[str]]:
    """The suggested stage and the reasons for it (the rule is in the module notes)."""
    facts = (("markets", markets), ("export_sales", export_sales), ("new_target_markets", new_target_markets))
    for name, value in facts:
        if value is not None and value == value and value < 0:
            raise ExportPlanError(f"{name} cannot be negative (got {value}).")
    exporting = _exporting_stage(markets, export_sales, new_target_markets)
    if exporting:
        stage, why = exporting
        return stage, [f"Suggested stage {stage}: the company {why} (from {facts_from}); "
                       f"the exporting facts decide among {', '.join(STAGES[2:])}."]
    if total is None:
        return "not ready", ["Suggested stage not ready: no item is answered and the company does not export."]
    if total >= READY_SCORE and coverage >= MIN_COVERAGE:
        return "export-ready", [f"Suggested stage export-ready: not exporting yet, and the score {total:g} "
                                f"reaches {READY_SCORE:g} on {coverage:.0%} of the items."]
    why = (f"the score {total:g} is below {READY_SCORE:g}" if total < READY_SCORE else
           f"only {coverage:.0%} of the items are answered "
           f"(at least {MIN_COVERAGE:.0%} needed to call it export-ready)")
    return "not ready", [f"Suggested stage not ready: not exporting yet, and {why}."]


def _score_reasons(total: float | None, coverage: float, by_area: dict[str, float | None],
                   missing: tuple[str, ...]) -> list[str]:
    reasons = []
    scored = {a: s for a, s in by_area.items() if s is not None}
    if total is not None:
        reasons.append(f"Score {total:g} of 100 on {len(ITEMS) - len(missing)} of {len(ITEMS)} items.")
    if scored:
        low = min(scored.values())
        weakest = [a for a, s in scored.items() if s == low]
        reasons.append(f"Weakest area{'s' if len(weakest) > 1 else ''}: {', '.join(weakest)} ({low:g}).")
    if missing:
        reasons.append(f"Not answered, left out of the score (not counted as zero; coverage {coverage:.0%}): "
                       f"{', '.join(missing)}.")
    return reasons


__all__ = ["AREAS", "Answer", "ITEMS", "ITEMS_BY_KEY", "Item", "MIN_COVERAGE", "READY_SCORE",
           "ReadinessResult", "score", "suggested_stage", "validate"]
