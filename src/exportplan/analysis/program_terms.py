"""The program inventory's vocabulary: provider levels, costs, statuses and the sheets' columns.

Declared once; the store, the importer, the shipped catalogue, the gap and
duplication analysis, the referral matching and the CLI read them from here
(docs: programs-and-pipeline §1 and §4). Service categories and export stages
are the pipeline's own (``pipeline_terms``), and list cells use the pipeline's
';'-joined form (``pipeline_bundle.split_list``/``join_list``), so that a company's needs and a
program's services are written in the same words.
"""
from __future__ import annotations

from exportplan.analysis.pipeline_terms import SERVICE_CATEGORIES, STAGES

__all__ = [
    "SERVICE_CATEGORIES", "STAGES", "LEVELS", "PUBLIC_LEVELS", "REGIONAL_LEVELS", "COSTS", "STATUSES",
    "EVENT_KINDS", "ORIGINS", "ALL", "NOT_VERIFIED", "PROVIDER_COLUMNS", "PROGRAM_COLUMNS",
    "EVENT_COLUMNS", "SHEETS", "LIST_COLUMNS", "split_list", "join_list",
]

#: Who runs a provider. State and federal providers are the "existing programs" a
#: regional organization must not duplicate (``PUBLIC_LEVELS``).
LEVELS = ("federal", "state", "regional", "local", "university", "private", "non-profit")
PUBLIC_LEVELS = ("federal", "state")
#: Levels whose programs are checked for duplicating a state or federal program.
REGIONAL_LEVELS = ("regional", "local")
#: What a company pays: nothing, a fee, or a share of the cost (grants that reimburse part of it).
COSTS = ("free", "fee", "cost-share")
#: An existing program, or one the plan proposes to create.
STATUSES = ("existing", "proposed")
EVENT_KINDS = ("trade mission", "trade show", "training", "webinar", "other")
#: Where a row came from: the shipped federal catalogue, the user's own file, or an office list.
ORIGINS = ("catalogue", "user", "offices")
#: A list cell meaning "every sector" or "every country" (also: every stage, every state).
ALL = "all"
#: What a blank last-verified date is shown as. A date is only ever that of evidence held
#: (the page copy or dated publication a fact was read from), never the build or import date.
NOT_VERIFIED = "not verified"

#: Columns of the providers sheet, in template order. ``states``: postal codes served
#: (';'-joined); blank or "all" = nationwide.
PROVIDER_COLUMNS = (
    "provider_id", "name", "level", "type", "states", "geography", "address", "phone", "contact", "url",
    "source_url", "last_verified", "evidence", "note",
)
#: Columns of the programs sheet. List cells are ';'-joined. ``stages``/``sectors``/
#: ``countries``/``eligible_states`` blank or "all" = every one. ``capacity`` is companies
#: a year, blank = unknown (never unlimited, never zero). ``pays_for``: service categories
#: whose fee-based services this program helps pay (a cost-share grant complements them).
PROGRAM_COLUMNS = (
    "program_id", "provider_id", "name", "status", "categories", "stages", "sectors", "countries",
    "min_employees", "max_employees", "min_us_content_pct", "min_years_in_business", "eligible_states",
    "eligibility_note", "cost", "cost_share_rate", "cost_share_cap_usd", "cost_note", "funding_source",
    "capacity", "pays_for", "calendar", "source_url", "last_verified", "evidence", "note",
)
#: Columns of the events sheet: dated trade missions, trade shows and training.
EVENT_COLUMNS = (
    "event_id", "program_id", "name", "kind", "iso3", "sector", "start_date", "end_date", "city", "url",
    "source_url", "last_verified", "evidence",
)
#: Sheet name -> its columns, in workbook order.
SHEETS = {"providers": PROVIDER_COLUMNS, "programs": PROGRAM_COLUMNS, "events": EVENT_COLUMNS}
#: Columns that hold ';'-joined lists.
LIST_COLUMNS = ("states", "categories", "stages", "sectors", "countries", "eligible_states", "pays_for")


# The list cells' form is the pipeline's (pipeline_bundle). It is imported when first used: the commands read
# this vocabulary at start-up, and --help must not wait for pandas.
def split_list(value) -> list[str]:
    """A ';'-joined cell as its non-blank items, in order, without repeats (``pipeline_bundle.split_list``)."""
    from exportplan.analysis.pipeline_bundle import split_list as split

    return split(value)


def join_list(value) -> str:
    """Items joined by ';' (``pipeline_bundle.join_list``)."""
    from exportplan.analysis.pipeline_bundle import join_list as join

    return join(value)
