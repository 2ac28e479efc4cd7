"""Drafts of the plan's staff sections, written from the workspace's own findings.

Staff sections (vision, strategies, implementation, policy, the summary's
message) start as these drafts, which name the region's own top target
sectors, markets and service gaps, so that staff edit a first version instead
of a blank page. A draft is plain text (``plan_model.paragraphs``): paragraphs
and "- " bullets. The implementation table is drafted as rows (action, lead,
partners, timing, cost, metric), scaled to the organization's role: a small
organization connects and refers; a larger one also runs programs that fill
the gaps.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

#: The columns of the implementation table.
IMPLEMENTATION_COLUMNS = ("action", "lead", "partners", "timing", "cost", "metric")
#: The role a larger organization gets (org_role.recommend_role).
RUN_PROGRAMS = "connect, refer and run programs"


@dataclass
class Facts:
    """What the drafts say, taken from the analyses (names in words, not codes)."""

    region: str
    organization: str = "the organization"
    sectors: Sequence[str] = ()  # the target sectors, best first
    markets: Sequence[str] = ()  # the target markets (country names), best first
    gaps: Sequence[tuple[str, int]] = ()  # (service category, companies in a gap), largest first
    role: str = "connect and refer"
    candidates: Sequence[str] = ()  # names of the candidate programs (a larger organization)
    duplications: Sequence[tuple[str, str]] = ()  # (regional program, the existing program it duplicates)
    exporters: int | None = None
    companies: int | None = None
    partners: Sequence[str] = ()
    offices: Sequence[str] = ()  # U.S. Export Assistance Centers of the region's states
    kpis: Sequence[str] = field(default_factory=tuple)  # the goals' labels


def _list(items: Sequence[str], none: str, limit: int = 3) -> str:
    items = [str(i) for i in items if str(i)][:limit]
    if not items:
        return none
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _named(kind: str, items: Sequence[str], none: str) -> str:
    """'the sectors A; B and C' (items may hold commas, so ';' between them when there are several)."""
    items = [str(i) for i in items if str(i)][:3]
    if not items:
        return none
    if len(items) == 1:
        return f"the {kind} {items[0]}"
    return f"the {kind}s {'; '.join(items[:-1])}{';' if len(items) > 2 else ''} and {items[-1]}"


def _partners(facts: Facts) -> str:
    named = list(facts.partners) or ["the state trade office", "the U.S. Commercial Service"]
    return _list(named, "state and federal partners", limit=4)


def _gap_words(facts: Facts) -> str:
    if not facts.gaps:
        return "no service gap found in the inventory (check that the state and regional programs are entered)"
    category, companies = facts.gaps[0]
    return f"{category} ({companies} compan{'y' if companies == 1 else 'ies'} with a need no program meets)"


def vision(facts: Facts) -> str:
    return (f"Exports bring new customers, higher wages and resilience to {facts.region}. "
            f"{facts.organization} will help more of the region's companies sell abroad, starting with "
            f"{_named('sector', facts.sectors, 'its strongest traded clusters')}, in "
            f"{_named('market', facts.markets, 'the markets the analysis ranks highest')}.\n\n"
            "Draft: say here why exports matter to this region and what success looks like in five years.")


def summary(facts: Facts) -> str:
    base = ""
    if facts.companies:
        base = (f" Of the {facts.companies} companies in the pipeline, {facts.exporters or 0} export today.")
    gap = (f"The largest gap in export services is {_gap_words(facts)}." if facts.gaps else
           "No gap in export services was found (check that the state and regional programs and the companies' "
           "needs are entered).")
    return (f"This plan sets out how {facts.organization} will grow exports from {facts.region}.{base} "
            f"It targets {_named('sector', facts.sectors, 'the region’s strongest sectors')}, and "
            f"{_named('market', facts.markets, 'the highest-ranked markets')}. {gap} "
            f"The recommended role: {facts.role}.")


def strategies(facts: Facts) -> str:
    top_sector = facts.sectors[0] if facts.sectors else "the top target sector"
    top_market = facts.markets[0] if facts.markets else "the top target market"
    lines = [
        "- Reach exporters and companies that could export: work the outreach list of prospects in "
        f"{_list(facts.sectors, 'the target sectors')}, and assess each company's readiness.",
        f"- Connect companies to the state and federal services that exist ({_partners(facts)}), and close the "
        f"largest gap: {_gap_words(facts)}.",
        f"- Focus on {top_sector} and on {top_market}: market research, matchmaking and trade missions there "
        f"with {_partners(facts)}.",
    ]
    if facts.role == RUN_PROGRAMS and facts.candidates:
        lines.append(f"- Run programs that fill the gaps without duplicating existing ones: "
                     f"{_list(facts.candidates, 'programs to be chosen', limit=4)}.")
    if facts.duplications:
        program, existing = facts.duplications[0]
        lines.append(f"- Do not duplicate: {program} overlaps {existing}; send its companies to the existing "
                     "program, or change its terms so that it complements it.")
    return ("Draft strategies from the analysis; edit, merge or replace them.\n\n" + "\n".join(lines))


def policy(facts: Facts) -> str:
    asks = [f"- Ask state and federal partners for capacity in {category}, where {n} compan"
            f"{'y' if n == 1 else 'ies'} have a need no program meets." for category, n in list(facts.gaps)[:3]]
    if facts.offices:
        asks.append(f"- Keep counseling close to the region's companies ({_list(facts.offices, '', limit=2)}).")
    if not asks:
        asks = ["- Name here what state and federal partners could change to help the region's exporters."]
    return "Draft asks of state and federal partners, from the gaps found:\n\n" + "\n".join(asks)


def implementation(facts: Facts) -> list[dict[str, str]]:
    """The implementation table's draft rows, scaled to the role."""
    partners = _partners(facts)
    lead = facts.organization
    rows = [
        {"action": "Meet target-sector companies and assess their export readiness", "lead": lead,
         "partners": partners, "timing": "Year 1, ongoing", "cost": "staff time",
         "metric": "companies served"},
        {"action": "Refer companies to state and federal programs and follow up", "lead": lead,
         "partners": partners, "timing": "ongoing", "cost": "staff time", "metric": "referrals completed"},
        {"action": f"Market briefings on {_list(facts.markets, 'the target markets', limit=2)}",
         "lead": partners, "partners": lead, "timing": "Year 1", "cost": "partner programs",
         "metric": "new markets entered"},
    ]
    if facts.role == RUN_PROGRAMS:
        for name in list(facts.candidates)[:4]:
            rows.append({"action": f"Run: {name}", "lead": lead, "partners": partners, "timing": "Year 1-2",
                         "cost": "to be budgeted", "metric": "first exports; export sales reported"})
    return rows


def implementation_text(rows: Sequence[dict[str, str]]) -> str:
    """The table as staff edit it: one line per row, cells separated by ' | ', a header line first."""
    lines = [" | ".join(IMPLEMENTATION_COLUMNS)]
    lines += [" | ".join(str(row.get(c, "")).replace("|", "/") for c in IMPLEMENTATION_COLUMNS) for row in rows]
    return "\n".join(lines)


def parse_implementation(text: str) -> list[dict[str, str]]:
    """Rows of the implementation table from its text (see :func:`implementation_text`); the header line, if
    any, is skipped; missing cells are blank, extra ones joined into the metric.

    >>> parse_implementation("action | lead\\nVisit firms | EDO")
    [{'action': 'Visit firms', 'lead': 'EDO', 'partners': '', 'timing': '', 'cost': '', 'metric': ''}]
    """
    rows = []
    for line in str(text or "").splitlines():
        cells = [c.strip() for c in line.split("|")]
        if not any(cells) or [c.lower() for c in cells[:2]] == list(IMPLEMENTATION_COLUMNS[:2]):
            continue
        if len(cells) > len(IMPLEMENTATION_COLUMNS):
            cells = cells[:5] + [" / ".join(cells[5:])]
        rows.append({c: (cells[i] if i < len(cells) else "") for i, c in enumerate(IMPLEMENTATION_COLUMNS)})
    return rows


#: Staff section key -> its draft writer (the implementation table is drafted by :func:`implementation`).
DRAFTS = {"summary": summary, "vision": vision, "strategies": strategies, "policy": policy}

__all__ = ["DRAFTS", "Facts", "IMPLEMENTATION_COLUMNS", "implementation", "implementation_text",
           "parse_implementation", "policy", "strategies", "summary", "vision"]
